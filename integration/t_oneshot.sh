#!/usr/bin/env bash
# type: oneshot, and what its dependents see.
# - mig_ok exits 0: `completed` (and stays so, no restart); app_ok
#   (depends_on mig_ok: completed) starts after it.
# - migrate exits 3: `failed` with last_exit.code 3; app (depends_on
#   migrate: completed) stays stopped, and `ringvisor status` shows it
#   `blocked` with `blocked (migrate: failed, exit 3)`; JSON waiting
#   {for: "migrate: failed, exit 3", blocked: true}. `ringvisor start app`
#   prints "app: queued, waiting for migrate: failed, exit 3" (the reply
#   has "waiting"), and app still does not run.
# - Fixed and started again, migrate completes and the queued app starts.
# - flaky fails twice then exits 0: with restart on-failure it is retried
#   through the backoff and ends `completed` after 2 restarts.
# - `ringvisor start mig_ok` runs a completed oneshot again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_ready.sh"
cfg=$(write_config oneshot.yaml <<YAML
supervisor: {shutdown_timeout: 5s}
services:
  mig_ok:
    type: oneshot
    command: [/bin/sh, -c, 'echo migrated; sleep 0.2; exit 0']
  app_ok:
    command: [/bin/sleep, "1000"]
    depends_on: {mig_ok: completed}
  migrate:
    type: oneshot
    command: [/bin/sh, -c, '[ -e $T/fixed ] && exit 0; exit 3']
  app:
    command: [/bin/sleep, "1000"]
    depends_on: {migrate: completed}
  flaky:
    type: oneshot
    command: [/bin/sh, -c, 'n=\$(cat $T/count 2>/dev/null || echo 0); n=\$((n + 1)); echo \$n >$T/count; [ \$n -ge 3 ]']
    restart: {policy: on-failure, backoff_initial: 50ms, backoff_max: 100ms}
YAML
)
rv_start "$cfg"

# exit 0: completed, and the dependent runs.
wait_for 5 state_is mig_ok.0 completed || fail "mig_ok: $(inst mig_ok.0 "" | jq -c .)"
[ "$(inst mig_ok.0 .last_exit.code)" = 0 ] || fail "mig_ok: last_exit $(inst mig_ok.0 .last_exit)"
[ "$(inst mig_ok.0 .pid)" = null ] || fail "mig_ok has a pid"
[ "$(svc_field mig_ok .type)" = oneshot ] || fail "mig_ok type: $(svc_field mig_ok .type)"
[ "$(svc_field mig_ok .restart_policy)" = never ] || fail "mig_ok's default policy: $(svc_field mig_ok .restart_policy)"
wait_for 5 state_is app_ok.0 running || fail "app_ok: $(inst app_ok.0 .state)"
[ "$(log_line_no 'app_ok\.0 start pid=')" -gt "$(log_line_no 'mig_ok\.0 exit code=0')" ] || fail "app_ok started before mig_ok ended"
rv logs mig_ok.0 | grep -q migrated || fail "mig_ok's output: $(rv logs mig_ok.0)"

# exit 3: failed, the dependent blocked with the reason.
wait_for 5 state_is migrate.0 failed || fail "migrate: $(inst migrate.0 "" | jq -c .)"
[ "$(inst migrate.0 .last_exit.code)" = 3 ] || fail "migrate: last_exit $(inst migrate.0 .last_exit)"
blocked_shown() { [ "$(svc_field app .waiting.blocked)" = true ]; }
wait_for 3 blocked_shown || fail "app's waiting: $(svc_field app .waiting)"
[ "$(svc_field app .waiting.for)" = "migrate: failed, exit 3" ] || fail "app's waiting: $(svc_field app .waiting)"
rv status >"$T/status.txt"; rc=$?
[ "$rc" = 3 ] || fail "status exited $rc with instances not running, not 3"
grep -qE '^app\.0 +blocked \(migrate: failed, exit 3\) +- ' "$T/status.txt" || fail "app's line: $(grep '^app\.' "$T/status.txt")"
grep -qE '^migrate\.0 +failed ' "$T/status.txt" || fail "migrate's line: $(grep '^migrate\.' "$T/status.txt")"
grep -qE '^mig_ok\.0 +completed ' "$T/status.txt" || fail "mig_ok's line: $(grep '^mig_ok\.' "$T/status.txt")"
log "status: $(grep -E '^(migrate|app)\.0' "$T/status.txt" | tr -s ' ' | paste -sd'|')"
# The event line says what it waited for when it began to wait.
in_log '^[^ ]+ app waiting for="?migrate: not completed' || fail "no waiting event line for app"

# start app: queued, says what for, still not running; blocked, so the
# start fails (exit 1) with the reason; --no-wait returns once queued.
out=$(rv start app 2>&1) && fail "start of a blocked app succeeded: $out"
[ "$out" = "app: queued, waiting for migrate: failed, exit 3
ringvisor: app.0: blocked (migrate: failed, exit 3)" ] || fail "start app said: '$out'"
out=$(rv start --no-wait app 2>&1) || fail "start --no-wait app failed: $out"
[ "$out" = "app: queued, waiting for migrate: failed, exit 3" ] || fail "start --no-wait app said: '$out'"
reply=$(python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b"{\"cmd\":\"start\",\"target\":\"app\"}\n")
buf = b""
while not buf.endswith(b"\n"):
    d = s.recv(4096)
    if not d:
        break
    buf += d
print(buf.decode().strip())' "$SOCK") || fail "raw start request"
[ "$(jq -r .ok <<<"$reply")" = true ] && [ "$(jq -r .waiting <<<"$reply")" = "migrate: failed, exit 3" ] ||
	fail "start reply: $reply"
sleep 0.5
[ "$(inst app.0 .state)" = stopped ] && [ "$(inst app.0 .pid)" = null ] || fail "app runs while migrate failed: $(inst app.0 "" | jq -c .)"
in_log '^[^ ]+ app\.0 start' && fail "app was started"
log "start app: '$out'"

# Fixed, migrate started again: completed, and app (queued) starts.
touch "$T/fixed"
rv start migrate >/dev/null || fail "start migrate"
wait_for 5 state_is migrate.0 completed || fail "migrate: $(inst migrate.0 "" | jq -c .)"
wait_for 5 state_is app.0 running || fail "app did not start after migrate completed: $(rv status)"
[ "$(svc_field app .waiting)" = null ] || fail "app still waiting: $(svc_field app .waiting)"

# on-failure: retried until it completes.
wait_for 5 state_is flaky.0 completed || fail "flaky: $(inst flaky.0 "" | jq -c .)"
[ "$(inst flaky.0 .restarts)" -eq 2 ] || fail "flaky: $(inst flaky.0 .restarts) restarts"
[ "$(cat "$T/count")" = 3 ] || fail "flaky ran $(cat "$T/count") times"

# completed stays completed; start runs it again.
[ "$(inst mig_ok.0 .state)" = completed ] && [ "$(inst mig_ok.0 .restarts)" -eq 0 ] || fail "mig_ok: $(inst mig_ok.0 "" | jq -c .)"
[ "$(grep -c 'mig_ok\.0 start pid=' "$T/daemon.log")" -eq 1 ] || fail "mig_ok ran more than once"
rv start mig_ok >/dev/null || fail "start mig_ok"
wait_for 5 bash -c "[ \$(grep -c 'mig_ok\.0 start pid=' '$T/daemon.log') -eq 2 ]" || fail "mig_ok not run again"
wait_for 5 state_is mig_ok.0 completed || fail "mig_ok after its second run: $(inst mig_ok.0 "" | jq -c .)"
[ "$(inst app_ok.0 .state)" = running ] && [ "$(inst app_ok.0 .restarts)" -eq 0 ] || fail "app_ok disturbed: $(inst app_ok.0 "" | jq -c .)"
log "oneshots: completed, failed (exit 3) blocking app until fixed, retried on-failure, run again by start"
exit 0
