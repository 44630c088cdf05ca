#!/usr/bin/env bash
# reexec as PID 1 of a pid namespace (a container's init): the daemon
# exec()s itself and stays PID 1, its services stay its children with the
# same pids, a writer's lines all reach its file, and a later `shutdown`
# still stops everything and exits 0.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root for a pid namespace"
command -v unshare >/dev/null || skip "unshare (util-linux) not installed"
unshare --pid --fork --mount-proc --kill-child true 2>"$T/unshare.err" ||
	skip "unshare --pid --fork --mount-proc not permitted here: $(head -1 "$T/unshare.err")"
[ "$CGROOT" = none ] && skip "reexec takes instances back from their cgroups"
logdir=$T/logs
mkdir -p "$logdir"
cfg=$(write_config pid1rx.yaml <<YAML
supervisor: {shutdown_timeout: 5s, log: {dir: $logdir, max_bytes: 0}}
services:
  sleeper: {command: [/bin/sleep, "1000"], instances: 2}
  writer: {command: [/bin/sh, -c, 'i=0; while :; do i=\$((i+1)); echo "n \$i"; sleep 0.001; done']}
YAML
)
RV_WRAP="unshare --pid --fork --mount-proc --kill-child" rv_start "$cfg"
UNSHARE_PID=$DAEMON_PID
at_exit "kill -KILL $UNSHARE_PID 2>/dev/null"
INNER=$(echo $(cat /proc/"$UNSHARE_PID"/task/*/children))
[ -n "$INNER" ] && [ "$(echo $INNER | wc -w)" -eq 1 ] || fail "unshare has children '$INNER', expected the daemon"
DAEMON_PID=$INNER
[ "$(sup_field pid)" -eq 1 ] || fail "status says pid $(sup_field pid), not 1"
wait_for 5 all_in_state 3 running || fail "services not running"
pids=$(status_json | jq -c '[.services[].instances[] | .pid]')
sleep 0.3
out=$(rv reexec) || fail "reexec: $out"
wait_for 5 grep -q 'adoption adopted=3 failed=0' "$T/daemon.log" || fail "not 3 taken back: $(grep -E 'adopt|reexec' "$T/daemon.log")"
kill -0 "$INNER" || fail "the daemon is gone"
[ "$(sup_field pid)" -eq 1 ] || fail "after reexec: pid $(sup_field pid), not 1"
[ "$(awk '/^NSpid:/ {print $NF}' /proc/"$INNER"/status)" = 1 ] || fail "not pid 1 in its namespace after reexec"
[ "$(status_json | jq -c '[.services[].instances[] | .pid]')" = "$pids" ] || fail "pids changed: $pids -> $(status_json | jq -c '[.services[].instances[] | .pid]')"
[ "$(status_json | jq '[.services[].instances[] | select(.adopted)] | length')" -eq 0 ] ||
	fail "instances not our children after reexec as PID 1"
sleep 0.3
rv stop writer >/dev/null
wait_for 5 state_is writer.0 stopped || fail "writer not stopped"
numbered_lines_intact "$logdir/writer.0.log" || fail "lines lost or repeated"
rv shutdown >/dev/null || fail "shutdown"
wait "$UNSHARE_PID"; rc=$?
[ "$rc" -eq 0 ] || fail "exit status $rc after the shutdown"
log "reexec as PID 1: still pid 1, same service pids, still its children, no line lost, clean exit"
exit 0
