#!/usr/bin/env bash
# Leftover cgroups of a daemon that was SIGKILLed are found at the next start:
# their processes (setsid grandchildren that outlived the daemon) are killed
# and reported, and the next daemon runs normally in the same root.
. "$(dirname "$0")/lib.sh"
[ "$CGROOT" = none ] && skip "cgroup2 is not mounted here"
cfg=$(write_config left.yaml <<'YAML'
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
exit 0
