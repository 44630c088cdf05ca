#!/usr/bin/env bash
# start, stop, restart and scale wait for their outcome and exit with it;
# status's exit code; the exit code table of docs/cli.md (0, 1, 3, 4, 100,
# 111), each case checked here:
# - start waits for running, or for ready where a readiness check is set;
#   --no-wait returns once the daemon acted; --timeout bounds the wait;
# - an exec failure, a crash and a failed readiness exit 1 with the cause;
# - status: 0 all up, 3 one not running, 4 an unknown target;
# - --json of a wait is one object with each instance's outcome.
. "$(dirname "$0")/lib.sh"
cfg=$(write_config wait.yaml <<YAML
services:
  web:
    command: [/bin/sleep, "1000"]
    instances: 2
  slowready:
    command: [/bin/sh, -c, 'sleep 1; touch $T/ready-flag; exec sleep 1000']
    readiness: {exec: [test, -e, $T/ready-flag], interval: 50ms, timeout: 500ms, start_timeout: 10s}
  neverready:
    command: [/bin/sleep, "1000"]
    readiness: {exec: ["false"], interval: 50ms, timeout: 500ms, start_timeout: 700ms}
    restart: {policy: never}
  broken:
    command: [/nonexistent/binary]
    restart: {backoff_initial: 1s}
  crash:
    command: [/bin/sh, -c, 'exit 3']
    restart: {backoff_initial: 1s}
  gate:
    command: [/bin/sleep, "1000"]
    readiness: {exec: [test, -e, $T/gate-flag], interval: 50ms, timeout: 500ms, start_timeout: 60s}
  dependent:
    command: [/bin/sleep, "1000"]
    depends_on: {gate: ready}
YAML
)
rv_start "$cfg"
wait_for 5 state_is web.0 running && wait_for 5 state_is web.1 running || fail "web not running: $(rv status)"

# code EXPECTED CMD...: runs rv CMD, output in $T/out and $T/err.
istate() { inst "$1" .state; }
code() {
	local want=$1; shift
	rv "$@" >"$T/out" 2>"$T/err" </dev/null; local rc=$?
	[ "$rc" = "$want" ] || fail "'rv $*' exited $rc, expected $want: $(cat "$T/out" "$T/err" | head -5)"
}
said() { grep -qF -- "$1" "$T/out" "$T/err" || fail "did not say '$1': $(cat "$T/out" "$T/err" | head -5)"; }

# status: 0 when every instance is up.
code 0 status web
code 0 status web.1
# 3 when one is not: dependent waits for gate, which is never ready here.
code 3 status
code 3 status dependent   # waits for gate: down for sure (broken may be caught starting)
code 3 status --json
jq -e '.ok' "$T/out" >/dev/null || fail "status --json with exit 3 is not the record"
# 4: an unknown service or instance, for status and for the others.
code 4 status nosuch
said "no such service: nosuch"
code 4 status web.7
said "no such instance: web.7"
code 4 start nosuch
code 4 stop web.7
code 4 restart nosuch.0
code 4 logs nosuch
code 4 logs web.7
code 4 leaks nosuch
code 4 signal nosuch HUP
# 100: usage; 111: no daemon there.
code 100 start
code 100 status -o narrow
said "-o: expected wide"
code 100 status --no-wait
said "--no-wait and --timeout are options of start, stop, restart and scale, not of status"
code 100 logs web.0 --timeout=1s
code 100 start web --timeout=forever
said "--timeout: expected a duration"
"$RINGVISOR" --socket "$T/nothing.sock" start web >"$T/out" 2>"$T/err"; rc=$?
[ "$rc" = 111 ] || fail "start with no daemon exited $rc, expected 111"

# stop waits until stopped; start until running; restart: a new pid.
code 0 stop web
said "web.0: stopped"
said "web.1: stopped"
[ "$(istate web.0)" = stopped ] || fail "web.0 is $(istate web.0) after stop returned"
code 0 start web
said "web.1: running (pid "
[ "$(istate web.1)" = running ] || fail "web.1 is $(istate web.1) after start returned"
pid=$(inst web.1 .pid)
code 0 restart web.1
[ "$(inst web.1 .pid)" != "$pid" ] || fail "restart returned before web.1 had a new pid"
[ "$(istate web.1)" = running ] || fail "web.1 is $(istate web.1) after restart returned"

# An exec failure and a crash: exit 1 and the cause, at once (the backoff
# is 1 s: the first failure decides).
code 1 restart broken
said "broken.0: exec: No such file or directory (backoff, next try in"
code 1 restart crash
said "crash.0: exited with code 3 (backoff"
code 1 restart crash --json
jq -e '.ok == false and .instances[0].outcome == "failed" and .instances[0].instance == "crash.0"' "$T/out" \
	>/dev/null || fail "restart --json: $(cat "$T/out")"

# Readiness: start waits for ready (1 s after the exec), --no-wait does not.
wait_for 5 state_is slowready.0 ready || fail "slowready not ready at start"
code 0 stop slowready
rm -f "$T/ready-flag"
code 0 start slowready
said "slowready.0: ready"
[ "$(istate slowready.0)" = ready ] || fail "start returned with slowready $(istate slowready.0), not ready"
code 0 stop slowready
rm -f "$T/ready-flag"
code 0 start --no-wait slowready
[ "$(istate slowready.0)" != ready ] || fail "start --no-wait waited for ready"
wait_for 5 state_is slowready.0 ready || fail "slowready not ready after --no-wait"
# A readiness check that never passes: exit 1 after its start_timeout.
code 1 restart neverready
said "neverready.0:"
log "neverready: $(cat "$T/err")"

# --timeout: dependent waits for gate, not ready yet: no outcome.
code 1 start --timeout=300ms dependent
said "dependent: no outcome after"
said "dependent.0: still waiting (gate: not ready)"
# A dependency that is stopped blocks: exit 1 at once.
code 0 stop gate
code 1 start dependent
said "dependent.0: blocked (gate: stopped)"

# scale waits for the new instances (the others keep their state: web.0
# stopped stays stopped), and for the retired ones to be gone.
code 0 stop web.0
code 0 scale web 4
said "web.3: running (pid "
[ "$(status_json web | jq '.services[0].instances | length')" = 4 ] || fail "scale 4 returned with $(status_json web | jq -c '[.services[0].instances[].index]')"
code 0 scale web 1
[ "$(status_json web | jq '.services[0].instances | length')" = 1 ] || fail "scale 1 returned with $(status_json web | jq -c '[.services[0].instances[].index]')"
exit 0
