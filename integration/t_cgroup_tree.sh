#!/usr/bin/env bash
# A service whose child double-forks setsid grandchildren (new sessions, out
# of its process group): after `stop`, not one process of the tree is alive,
# because the stop ends with cgroup.kill and waits for populated 0. The same
# after the main process crashes: the restart does not overlap the old tree.
. "$(dirname "$0")/lib.sh"
[ "$CGROOT" = none ] && skip "cgroup2 is not mounted here"
cfg=$(write_config tree.yaml <<'YAML'
services:
  tree:
    command: [/bin/sh, -c, 'for i in 1 2 3; do setsid sh -c "setsid sleep 1000 & sleep 1000" & done; exec sleep 1000']
    restart: {backoff_initial: 0, max_restarts: 0}
    stop: {timeout: 2s}
YAML
)
rv_start "$cfg" ${RV_CGROUP_KILL:+--cgroup-kill=$RV_CGROUP_KILL}
wait_for 5 state_is tree.0 running || fail "not running"
want_kill=cgroup.kill; [ "${RV_CGROUP_KILL:-}" = fallback ] && want_kill=freeze+kill
[ "$(status_json | jq -r .supervisor.cgroups.kill)" = "$want_kill" ] || fail "kill method is not $want_kill"
cg=$(status_json | jq -r '.services[0].instances[0].cgroup.path')
[ -d "$cg" ] || fail "no cgroup dir '$cg' in status"
wait_for 5 bash -c "[ \$(wc -l < '$cg/cgroup.procs') -eq 10 ]" || fail "expected 10 processes in $cg, got $(wc -l < "$cg/cgroup.procs")"
pids=$(cat "$cg/cgroup.procs")
# The grandchildren really left the main process's session.
main=$(status_json | jq '.services[0].instances[0].pid')
other_sid=0
for p in $pids; do
	[ "$(awk '{print $6}' /proc/"$p"/stat 2>/dev/null)" != "$main" ] && other_sid=$((other_sid+1))
done
[ $other_sid -ge 6 ] || fail "grandchildren did not setsid ($other_sid outside the session)"

rv stop tree || fail "stop"
wait_for 5 state_is tree.0 stopped || fail "not stopped"
for p in $pids; do
	[ -e /proc/"$p" ] && [ "$(awk '{print $3}' /proc/"$p"/stat)" != Z ] && fail "pid $p survived the stop"
done
[ "$(status_json | jq '.services[0].instances[0].cgroup.populated')" = false ] || fail "cgroup still populated"

# Crash of the main process: the tree goes with it before the restart.
rv start tree || fail "start"
wait_for 5 bash -c "[ \$(wc -l < '$cg/cgroup.procs') -eq 10 ]" || fail "tree not rebuilt"
old=$(cat "$cg/cgroup.procs")
main=$(status_json | jq '.services[0].instances[0].pid')
kill -KILL "$main"
wait_for 5 bash -c "[ \"\$('$RINGVISOR' --socket '$SOCK' status --json | jq '.services[0].instances[0].restarts')\" -ge 1 ]" || fail "no restart"
wait_for 5 state_is tree.0 running || fail "not running after the crash"
for p in $old; do
	[ -e /proc/"$p" ] && [ "$(awk '{print $3}' /proc/"$p"/stat)" != Z ] && fail "old pid $p alive after restart"
done
# Every cgroup the daemon made is gone after its shutdown.
rv shutdown >/dev/null || fail "shutdown"
wait "$DAEMON_PID"; DAEMON_PID=
[ -e "$CGROOT" ] && fail "cgroup root $CGROOT left behind: $(find "$CGROOT" -type d | head)"
exit 0
