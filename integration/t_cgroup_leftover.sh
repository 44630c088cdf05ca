#!/usr/bin/env bash
# Leftover cgroups of a daemon that was SIGKILLed are found at the next start:
# what cannot be taken back (t_adopt) is killed and reported, and the next
# daemon runs normally in the same root. Twice: with
# children_die_with_daemon (the main process dies with the daemon, its
# setsid grandchild stays: no record, killed), and by default (the main
# process ends while no daemon runs: "main process gone", the grandchild
# killed).
. "$(dirname "$0")/lib.sh"
[ "$CGROOT" = none ] && skip "cgroup2 is not mounted here"
cfg=$(write_config left.yaml <<'YAML'
supervisor: {children_die_with_daemon: true}
services:
  left:
    command: [/bin/sh, -c, 'setsid sleep 1000 & exec sleep 1000']
YAML
)
rv_start "$cfg"
wait_for 5 state_is left.0 running || fail "not running"
cg=$(status_json | jq -r '.services[0].instances[0].cgroup.path')
wait_for 5 bash -c "[ \$(wc -l < '$cg/cgroup.procs') -eq 2 ]" || fail "expected 2 processes"
kill -KILL "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
# The main process dies with the daemon (PDEATHSIG); the setsid one stays.
wait_for 5 bash -c "[ \$(wc -l < '$cg/cgroup.procs') -eq 1 ]" || fail "expected 1 leftover process"
orphan=$(cat "$cg/cgroup.procs")
mv "$T/daemon.log" "$T/daemon1.log"
rv_start "$cfg"
grep -q 'leftover-killed' "$T/daemon.log" || fail "no leftover-killed event"
wait_for 5 bash -c "! [ -e /proc/$orphan ] || [ \$(awk '{print \$3}' /proc/$orphan/stat) = Z ]" || fail "leftover $orphan not killed"
wait_for 5 state_is left.0 running || fail "new daemon's service not running"
grep -q 'adopt-refused' "$T/daemon.log" && fail "an adoption was considered with children_die_with_daemon"

# By default the main process outlives the daemon; here it ends meanwhile.
rv shutdown >/dev/null
wait "$DAEMON_PID" 2>/dev/null
mv "$T/daemon.log" "$T/daemon2.log"
cfg=$(write_config left2.yaml <<'YAML'
services:
  left:
    command: [/bin/sh, -c, 'setsid sleep 1000 & exec sleep 1000']
YAML
)
rv_start "$cfg"
wait_for 5 state_is left.0 running || fail "not running (default)"
cg=$(status_json | jq -r '.services[0].instances[0].cgroup.path')
wait_for 5 bash -c "[ \$(wc -l < '$cg/cgroup.procs') -eq 2 ]" || fail "expected 2 processes (default)"
main=$(status_json | jq '.services[0].instances[0].pid')
kill -KILL "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
sleep 0.3
kill -0 "$main" || fail "the main process died with the daemon (no PDEATHSIG by default)"
kill -KILL "$main"
wait_for 5 bash -c "[ \$(wc -l < '$cg/cgroup.procs') -eq 1 ]" || fail "expected 1 leftover process (default)"
orphan=$(cat "$cg/cgroup.procs")
mv "$T/daemon.log" "$T/daemon3.log"
rv_start "$cfg"
grep -q 'left.0 adopt-refused reason="main process gone"' "$T/daemon.log" || fail "no adopt-refused: $(grep -E 'adopt|leftover' "$T/daemon.log")"
grep -q 'leftover-killed' "$T/daemon.log" || fail "no leftover-killed event (default)"
wait_for 5 bash -c "! [ -e /proc/$orphan ] || [ \$(awk '{print \$3}' /proc/$orphan/stat) = Z ]" || fail "leftover $orphan not killed (default)"
wait_for 5 state_is left.0 running || fail "new daemon's service not running (default)"
exit 0
