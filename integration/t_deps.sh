#!/usr/bin/env bash
# depends_on: a service starts only when all its conditions hold, and at
# shutdown the order is reversed.
# - A chain of 5, written in the file last first (s5 needs s4 ready, ...,
#   s2 needs s1 ready; readiness fd after 300 ms): the daemon log's "start"
#   lines come s1..s5, each after the "ready" line of the one it needs;
#   meanwhile status shows s5 `waiting (s4: not ready)`, JSON waiting
#   {for, blocked: false}. `stop s1` stops s1 only.
# - Each condition: started (starts before its dependency is ready), ready,
#   healthy (waits until the dependency's http health check passes: the
#   file it serves appears later), completed (a oneshot's exit 0); and with
#   `instances: 2` a condition holds only when both instances meet it.
# - Shutdown: "stopping X" comes only once every instance of every service
#   depending on X has stopped (each chain member takes ~200 ms to stop),
#   so the chain stops s5..s1.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_ready.sh"
need_notify_ready
port=$(free_port)
mkdir -p "$T/www"
slowstop='trap "sleep 0.2; exit 0" TERM; sleep 0.3; echo >&3; while :; do sleep 0.1; done'
chain() { # chain N: service sN, needing s(N-1)
	echo "  s$1:"
	echo "    command: [/bin/sh, -c, '$slowstop']"
	echo "    readiness: {fd: 3, start_timeout: 5s}"
	[ "$1" -gt 1 ] && echo "    depends_on: {s$(($1 - 1)): ready}"
	return 0
}
cfg=$(write_config deps.yaml <<YAML
supervisor: {shutdown_timeout: 10s}
services:
$(for i in 5 4 3 2 1; do chain $i; done)
  slow:
    command: [$NOTIFY_READY, -d, "1200"]
    readiness: {notify: true, start_timeout: 5s}
  on_started:
    command: [/bin/sleep, "1000"]
    depends_on: {slow: started}
  on_ready:
    command: [/bin/sleep, "1000"]
    depends_on: {slow: ready}
  hsrv:
    command: [/usr/bin/python3, -m, http.server, --bind, 127.0.0.1, --directory, $T/www, "$port"]
    health: {http: "http://127.0.0.1:$port/ok.txt", interval: 100ms, timeout: 500ms, failures: 1}
    on_violation: {health: log}
  on_healthy:
    command: [/bin/sleep, "1000"]
    depends_on: {hsrv: healthy}
  task:
    type: oneshot
    command: [/bin/sh, -c, 'sleep 0.4; exit 0']
  on_completed:
    command: [/bin/sleep, "1000"]
    depends_on: {task: completed}
  multi:
    command: [/bin/sh, -c, 'if [ "\$RINGVISOR_INDEX" = 1 ]; then sleep 1; else sleep 0.2; fi; echo >&3; exec sleep 1000']
    instances: 2
    readiness: {fd: 3, start_timeout: 5s}
  on_multi:
    command: [/bin/sleep, "1000"]
    depends_on: {multi: ready}
YAML
)
rv_start "$cfg"

# While the chain comes up (s5 is ready after 5 x 300 ms): s5 waits for s4,
# and says so.
rv status >"$T/early.txt"; rc=$?
[ "$rc" = 3 ] || fail "status exited $rc while s5 waits, not 3"
status_json s5 >"$T/early.json" || fail "status --json"
grep -qE '^s5\.0 +waiting \(s4: not ready\) +- ' "$T/early.txt" || fail "s5's line: $(grep '^s5' "$T/early.txt")"
grep -qE '^on_ready\.0 +waiting \(slow: not ready\) +- ' "$T/early.txt" || fail "on_ready's line: $(grep '^on_ready' "$T/early.txt")"
grep -qE '^on_healthy\.0 +waiting \(hsrv: not healthy\) +- ' "$T/early.txt" || fail "on_healthy's line: $(grep '^on_healthy' "$T/early.txt")"
early() { jq -r ".services[0]$1" "$T/early.json"; }
[ "$(early .waiting.for)" = "s4: not ready" ] || fail "s5 waiting: $(early .waiting)"
[ "$(early .waiting.blocked)" = false ] || fail "s5 waiting: $(early .waiting)"
[ "$(early .depends_on.s4)" = ready ] || fail "s5 depends_on: $(early .depends_on)"
[ "$(early '.instances[0].state')" = stopped ] && [ "$(early '.instances[0].pid')" = null ] ||
	fail "s5 runs early: $(early '.instances[0]')"
log "early: $(grep -E '^(s5|on_ready|on_healthy)\.0' "$T/early.txt" | awk '{print $1, $2}' | paste -sd, -)"

# The chain: started in order, each after its dependency was ready.
wait_for 10 state_is s5.0 ready || fail "s5 not ready: $(rv status)"
prev_ready=0
for i in 1 2 3 4 5; do
	st=$(log_line_no "^[^ ]+ s$i\.0 start pid=")
	rd=$(log_line_no "^[^ ]+ s$i\.0 ready after=")
	[ -n "$st" ] && [ -n "$rd" ] || fail "s$i: no start or ready line"
	[ "$st" -gt "$prev_ready" ] || fail "s$i started (line $st) before s$((i - 1)) was ready (line $prev_ready)"
	prev_ready=$rd
done
[ "$(grep -cE '^[^ ]+ s[1-5]\.0 start pid=' "$T/daemon.log")" -eq 5 ] || fail "a chain member started twice"
in_log '^[^ ]+ s5 waiting for="?s4: not ready' || fail "no 'waiting' event line for s5"
[ "$(svc_field s5 .waiting)" = null ] || fail "s5 still waiting: $(svc_field s5 .waiting)"
log "chain: started s1..s5 in order, $(( $(log_ms 's5\.0 ready') - $(log_ms 's1\.0 start') )) ms from first start to last ready"

# started: on_started ran before slow was ready; ready: on_ready after.
wait_for 5 state_is slow.0 ready || fail "slow not ready"
wait_for 3 state_is on_ready.0 running || fail "on_ready not running: $(rv status)"
[ "$(log_line_no 'on_started\.0 start pid=')" -lt "$(log_line_no 'slow\.0 ready after=')" ] || fail "on_started waited for slow's readiness"
[ "$(log_line_no 'on_ready\.0 start pid=')" -gt "$(log_line_no 'slow\.0 ready after=')" ] || fail "on_ready started before slow was ready"
[ "$(inst on_started.0 .state)" = running ] || fail "on_started is $(inst on_started.0 .state)"

# completed: after the oneshot's exit 0.
wait_for 5 state_is on_completed.0 running || fail "on_completed not running: $(rv status)"
[ "$(inst task.0 .state)" = completed ] || fail "task is $(inst task.0 .state)"
[ "$(log_line_no 'on_completed\.0 start pid=')" -gt "$(log_line_no 'task\.0 exit ')" ] || fail "on_completed started before task ended"

# instances: 2: on_multi waits for multi.1 (ready after 1 s) too.
wait_for 5 state_is on_multi.0 running || fail "on_multi not running: $(rv status)"
[ "$(log_line_no 'on_multi\.0 start pid=')" -gt "$(log_line_no 'multi\.1 ready after=')" ] || fail "on_multi started before multi.1 was ready"
[ "$(log_line_no 'multi\.0 ready after=')" -lt "$(log_line_no 'multi\.1 ready after=')" ] || fail "multi.0 was not the first ready"

# healthy: waits until the file is there and a check passed.
[ "$(inst on_healthy.0 .state)" = stopped ] || fail "on_healthy is $(inst on_healthy.0 .state) while hsrv is not healthy: $(inst hsrv.0 .health)"
echo ok >"$T/www/ok.txt"
wait_for 5 state_is on_healthy.0 running || fail "on_healthy not running: $(inst hsrv.0 .health)"
[ "$(inst hsrv.0 .health.state)" = healthy ] || fail "hsrv: $(inst hsrv.0 .health)"
log "conditions: started, ready, completed, healthy and instances: 2 hold as documented"

# stop s1 stops s1 only.
rv stop s1 >/dev/null || fail "stop s1"
wait_for 5 state_is s1.0 stopped || fail "s1 not stopped"
for i in 2 3 4 5; do [ "$(inst s$i.0 .state)" = ready ] || fail "s$i is $(inst s$i.0 .state) after stop s1"; done
rv start s1 >/dev/null || fail "start s1"
wait_for 5 state_is s1.0 ready || fail "s1 not ready again"

# Shutdown in reverse order.
mark=$(wc -l <"$T/daemon.log")
rv_stop_daemon || fail "the daemon exited $? at shutdown"
tail -n +"$((mark + 1))" "$T/daemon.log" >"$T/shutdown.log"
sline() { grep -n -m1 -E "$1" "$T/shutdown.log" | cut -d: -f1; }
# edge A B: A depends on B: every instance of A stopped before "stopping B".
edge() {
	local b_line a_line
	b_line=$(sline "^[^ ]+ $2 stopping\$")
	[ -n "$b_line" ] || fail "no 'stopping $2' line: $(cat "$T/shutdown.log")"
	for a_line in $(grep -n -E "^[^ ]+ $1\.[0-9]+ stopped" "$T/shutdown.log" | cut -d: -f1); do
		[ "$a_line" -lt "$b_line" ] || fail "$2 told to stop (line $b_line) before $1 stopped (line $a_line): $(cat "$T/shutdown.log")"
	done
	[ -n "$(sline "^[^ ]+ $1\.[0-9]+ stopped")" ] || fail "$1 never stopped: $(cat "$T/shutdown.log")"
}
for i in 2 3 4 5; do edge s$i s$((i - 1)); done
edge on_started slow; edge on_ready slow; edge on_healthy hsrv; edge on_multi multi
order=$(grep -oE ' s[1-5] stopping$' "$T/shutdown.log" | awk '{print $1}' | paste -sd' ')
[ "$order" = "s5 s4 s3 s2 s1" ] || fail "stopping order: $order"
t5=$(grep -m1 ' s5 stopping$' "$T/shutdown.log" | cut -d' ' -f1)
t1=$(grep -m1 ' s1 stopping$' "$T/shutdown.log" | cut -d' ' -f1)
gap=$(( $(date -d "$t1" +%s%3N) - $(date -d "$t5" +%s%3N) ))
[ "$gap" -ge 600 ] || fail "s1 told to stop only $gap ms after s5: the levels did not wait"
log "shutdown: stopping $order, $gap ms from s5 to s1"
exit 0
