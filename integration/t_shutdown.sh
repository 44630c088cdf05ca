#!/usr/bin/env bash
# Shutdown under fire: services that ignore SIGTERM (stop timeout 30 s, far
# past the 3 s shutdown_timeout) beside ordinary ones; one is SIGKILLed by
# the test while the shutdown is in progress. The daemon still exits within
# shutdown_timeout + 1 s (a bound from the config, not a benchmark), with
# status 0 (everything was reaped), `shutdown` exits 0, and none of the
# services' processes, nor their children, is left alive.
. "$(dirname "$0")/lib.sh"
cfg=$(write_config shut.yaml <<'YAML'
supervisor: {shutdown_timeout: 3s}
services:
  stubborn:
    command: [/bin/sh, -c, 'trap "" TERM; while :; do sleep 0.1; done']
    instances: 3
    stop: {signal: SIGTERM, timeout: 30s}
  victim:
    command: [/bin/sh, -c, 'trap "" TERM; while :; do sleep 0.1; done']
    stop: {signal: SIGTERM, timeout: 30s}
  plain:
    command: [/bin/sleep, "1000"]
    instances: 2
  forker:
    command: [/bin/sh, -c, 'sleep 1000 & sleep 1001 & wait']
YAML
)
rv_start "$cfg"
wait_for 10 all_in_state 7 running || fail "not all 7 running"
# forker's two sleeps, and a sleep 0.1 of each TERM-ignoring loop.
enough_descendants() { [ "$(descendants | wc -w)" -ge 13 ]; }
wait_for 5 enough_descendants || fail "only $(descendants | wc -w) descendants"
ids=""
for p in $(descendants); do ids="$ids $(proc_id "$p")"; done
ps -o pid=,ppid=,args= -p "$(descendants | tr ' ' ,)" >"$T/before.txt"
victim=$(inst victim.0 .pid)

rv shutdown >"$T/shutdown.out" 2>&1 &
cli=$!
shutting_down() { grep -q ' shutdown reason=' "$T/daemon.log"; }
wait_for 5 shutting_down || fail "no shutdown event in the log"
proc_alive "$victim" || fail "victim $victim already gone before the test killed it"
kill -KILL "$victim" || fail "could not kill victim $victim"

wait_for 10 daemon_gone || fail "daemon still running 10 s after shutdown"
t1=$(date +%s%N)
# From the moment the daemon logged the shutdown (the client's own start-up
# does not count) to the moment the test saw it gone.
ts=$(grep -m1 -o '^[^ ]* shutdown reason=' "$T/daemon.log" | cut -d' ' -f1)
t0=$(date -d "$ts" +%s%N) || fail "cannot read the shutdown event's time '$ts'"
ms=$(( (t1 - t0) / 1000000 ))
wait "$DAEMON_PID"; rc=$?
DAEMON_PID=
wait "$cli"; cli_rc=$?
log "daemon exited $rc after $ms ms (shutdown_timeout 3 s)"
[ $ms -le 4000 ] || fail "shutdown took $ms ms, more than shutdown_timeout (3 s) + 1 s"
[ $cli_rc -eq 0 ] || fail "shutdown CLI exited $cli_rc: $(cat "$T/shutdown.out")"
[ $rc -eq 0 ] || fail "daemon exited $rc after shutdown"

# Left: the same process (pid and start time), not a zombie. A grandchild
# SIGKILLed together with its group may take a moment to finish dying.
leftovers() {
	left=""
	for id in $ids; do proc_id_alive "$id" && proc_alive "${id%%:*}" && left="$left ${id%%:*}"; done
	[ -z "$left" ]
}
wait_for 2 leftovers || fail "left alive:$left (of: $(cat "$T/before.txt"))"
grep -q 'victim\.0 exit signal=SIGKILL' "$T/daemon.log" || fail "no exit line for the victim"
grep -q 'shutdown-complete' "$T/daemon.log" || fail "no shutdown-complete line"
exit 0
