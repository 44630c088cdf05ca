#!/usr/bin/env bash
# on_exit: shutdown (a container's main process, like tini or
# process-compose's exit_on_end):
# - the service exits 7 on its own: it is not restarted, every other
#   service is stopped, and the daemon exits 7;
# - killed by SIGTERM from outside: the daemon exits 128 + 15;
# - stopped or restarted by an operator, or its instances scaled down:
#   nothing ends; a later `shutdown` exits 0.
. "$(dirname "$0")/lib.sh"

# wait_exit SECONDS: the daemon's exit code, once it is gone.
wait_exit() {
	local i
	for ((i = 0; i < $1 * 20; i++)); do
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$DAEMON_PID" 2>/dev/null && fail "daemon still running after $1 s"
	wait "$DAEMON_PID"
}

cfg=$(write_config exit.yaml <<YAML
supervisor: {shutdown_timeout: 5s}
services:
  main:
    command: [/bin/sh, -c, 'until [ -e $T/go ]; do sleep 0.05; done; exit 7']
    on_exit: shutdown
    restart: {policy: always, backoff_initial: 10ms}
  side:
    command: [/bin/sh, -c, 'sleep 1000 & exec sleep 1001']
    instances: 2
YAML
)
rv_start "$cfg"
wait_for 5 all_in_state 3 running || fail "services not running"
side=$(descendants)
touch "$T/go"
wait_exit 5; rc=$?
[ $rc -eq 7 ] || fail "daemon exited $rc, not main's 7"
for p in $side; do kill -0 "$p" 2>/dev/null && fail "service process $p left behind"; done
grep -q 'on_exit: shutdown' "$T/daemon.log" || fail "the shutdown's reason is not logged"
[ "$(grep -c 'main.0 start ' "$T/daemon.log")" -eq 1 ] ||
	fail "main was restarted before the shutdown: $(grep 'main.0 ' "$T/daemon.log")"
log "main exited 7: everything stopped, daemon exited 7"
DAEMON_PID=

rm -f "$T/go"
cfg=$(write_config kill.yaml <<YAML
supervisor: {shutdown_timeout: 5s}
services:
  main:
    command: [/bin/sleep, "1000"]
    on_exit: shutdown
YAML
)
rv_start "$cfg"
wait_for 5 all_in_state 1 running || fail "main not running"
kill -TERM "$(inst main.0 .pid)"
wait_exit 5; rc=$?
[ $rc -eq 143 ] || fail "daemon exited $rc after main was killed by SIGTERM, expected 143"
log "main killed by SIGTERM: daemon exited 143"
DAEMON_PID=

cfg=$(write_config ops.yaml <<YAML
supervisor: {shutdown_timeout: 5s}
services:
  main:
    command: [/bin/sleep, "1000"]
    on_exit: shutdown
    instances: 2
YAML
)
rv_start "$cfg"
wait_for 5 all_in_state 2 running || fail "main not running"
rv stop main.0 >/dev/null || fail "stop failed"
wait_for 5 all_in_state 1 running || fail "main.0 did not stop"
rv restart main.1 >/dev/null || fail "restart failed"
rv scale main 1 >/dev/null || fail "scale failed"
rv start main.0 >/dev/null || fail "start failed"
wait_for 5 all_in_state 1 running || fail "main.0 did not start again"
sleep 0.3
kill -0 "$DAEMON_PID" 2>/dev/null || fail "an operator's stop, restart or scale ended the daemon"
rv shutdown >/dev/null
wait_exit 10; rc=$?
[ $rc -eq 0 ] || fail "daemon exited $rc after a shutdown, expected 0"
DAEMON_PID=
log "stop, restart, scale: the daemon stays; shutdown exits 0"
