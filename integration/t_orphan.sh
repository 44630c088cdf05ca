#!/usr/bin/env bash
# Orphans: a service's child double-forks grandchildren that outlive their
# parent. They are re-parented to the daemon (child subreaper) and reaped
# when they exit: no zombie is left with the daemon as parent, and status's
# supervisor.orphans_reaped grows by exactly their number; the managed
# child is unaffected (running, same pid, no restart). And the orphan
# reaper never steals a managed child's exit status: instances that exit 7
# while orphans of theirs exit around them all show last_exit.code == 7.
. "$(dirname "$0")/lib.sh"
# The grandchildren live until the test creates $T/go (and each reaps its
# own last sleep before it exits, so the count of orphans is exact).
cfg=$(write_config orphan.yaml <<YAML
supervisor: {shutdown_timeout: 5s}
services:
  parent:
    command: [/bin/sh, -c, '(exec sh -c "until [ -e $T/go ]; do sleep 0.2; done" orphan-one &); exec sleep 1000']
  many:
    command: [/bin/sh, -c, 'for i in 1 2 3 4 5 6 7 8 9 10; do (exec sh -c "until [ -e $T/go ]; do sleep 0.2; done" orphan-many &); done; exec sleep 1001']
YAML
)
rv_start "$cfg"
wait_for 5 all_in_state 2 running || fail "services not running"
pid=$(inst parent.0 .pid)
pid_many=$(inst many.0 .pid)
base=$(sup_field orphans_reaped)

# orphans NAME: the grandchildren called NAME that are the daemon's children.
orphans() {
	local p argv
	for p in $(daemon_children); do
		mapfile -d '' argv 2>/dev/null <"/proc/$p/cmdline" || continue
		[ "${argv[3]:-}" = "$1" ] && echo "$p"
	done
}
n_orphans_is() { [ "$(orphans "$1" | wc -l)" -eq "$2" ]; }
wait_for 5 n_orphans_is orphan-one 1 || fail "the grandchild orphan-one is not a child of the daemon: $(pgrep -af orphan-one)"
wait_for 5 n_orphans_is orphan-many 10 || fail "only $(orphans orphan-many | wc -l) of 10 orphan-many grandchildren are children of the daemon"
gc=$(orphans orphan-one)
log "grandchild $gc (of $pid) re-parented to the daemon $DAEMON_PID"
[ "$(sup_field orphans_reaped)" -eq "$base" ] || fail "orphans_reaped moved before any orphan exited"
touch "$T/go"

gone() { [ ! -e /proc/"$1" ]; }
wait_for 6 gone "$gc" || fail "grandchild $gc not reaped (state $(proc_state "$gc"))"
reaped_at_least() { [ "$(sup_field orphans_reaped)" -ge "$1" ]; }
wait_for 3 reaped_at_least $((base + 11)) ||
	fail "orphans_reaped is $(sup_field orphans_reaped), expected at least $base + 11"
wait_for 3 no_zombies || fail "$(daemon_zombies) zombies with the daemon as parent"
[ "$(sup_field orphans_reaped)" -eq $((base + 11)) ] || fail "orphans_reaped is $(sup_field orphans_reaped), expected $((base + 11))"
for t in parent.0:$pid many.0:$pid_many; do
	[ "$(inst "${t%%:*}" .state)" = running ] || fail "${t%%:*} is $(inst "${t%%:*}" .state)"
	[ "$(inst "${t%%:*}" .pid)" = "${t#*:}" ] || fail "${t%%:*} pid changed"
	[ "$(inst "${t%%:*}" .restarts)" -eq 0 ] || fail "${t%%:*} restarted"
	proc_alive "${t#*:}" || fail "${t%%:*} process ${t#*:} is gone"
done
log "orphans_reaped $base -> $(sup_field orphans_reaped), no zombie, managed children untouched"
rv_stop_daemon || fail "daemon exited $? at shutdown"

# Exit codes are not stolen: managed children exit 7 at the moment their
# orphans exit, so the reaper sees both kinds of SIGCHLD together.
cfg=$(write_config codes.yaml <<'YAML'
supervisor: {shutdown_timeout: 5s}
services:
  seven:
    command: [/bin/sh, -c, '(exec sleep 0.5 &); (exec sleep 0.5 &); sleep 0.5; exit 7']
    instances: 20
    restart: {policy: never}
  direct:
    command: [/bin/sh, -c, 'exit 7']
    restart: {policy: never}
YAML
)
rv_start "$cfg"
wait_for 10 all_in_state 21 exited || fail "not all 21 exited: $(status_json | jq -c '[.services[].instances[].state]')"
status_json >"$T/codes.json"
bad=$(jq -c '[.services[].instances[] | select(.last_exit.code != 7 or .last_exit.cause != "exited") | {index, last_exit}]' "$T/codes.json")
[ "$bad" = "[]" ] || fail "exit status lost or wrong: $bad"
wait_for 5 reaped_at_least 40 && [ "$(sup_field orphans_reaped)" -eq 40 ] || fail "orphans_reaped is $(sup_field orphans_reaped), expected 40"
wait_for 3 no_zombies || fail "zombies under the daemon"
[ "$(jq .supervisor.live_processes "$T/codes.json")" -eq 0 ] || fail "live_processes is not 0"
log "21 exits with code 7 among 40 orphans: every code kept"
exit 0
