#!/usr/bin/env bash
# Stop escalation: a child that ignores SIGTERM (and its own child, which
# inherits the ignored disposition) gets SIGTERM on `stop`, stays in
# `stopping` for the 1 s grace time, then the whole group is SIGKILLed:
# stopped after about 1 s (never before it), last_exit.signal == SIGKILL,
# every process of the group is gone, and the log has the stop, kill and
# stopped event lines.
. "$(dirname "$0")/lib.sh"
cfg=$(write_config esc.yaml <<'YAML'
supervisor: {shutdown_timeout: 5s}
services:
  stubborn:
    command: [/bin/sh, -c, 'trap "" TERM; while :; do sleep 0.1; done']
    stop: {signal: SIGTERM, timeout: 1s}
YAML
)
rv_start "$cfg"
wait_for 5 state_is stubborn.0 running || fail "stubborn not running"
pid=$(inst stubborn.0 .pid)
pgid=$(ps -o pgid= -p "$pid" | tr -d ' ')
[ "$pgid" = "$pid" ] || fail "stubborn ($pid) does not lead its own group (pgid $pgid)"
group_members() { ps -eo pid=,pgid= | awk -v g="$1" '$2 == g {print $1}'; }
has_member_besides_leader() { [ "$(group_members "$pgid" | grep -vx "$pid" | wc -l)" -ge 1 ]; }
wait_for 5 has_member_besides_leader || fail "no sleep child in the group"
ids=""
for p in $(group_members "$pgid"); do ids="$ids $(proc_id "$p")"; done
ps -o pid=,pgid=,args= -g "$pgid" >"$T/group.before"

t0=$(date +%s%N)
rv stop --no-wait stubborn || fail "stop --no-wait exited $?"
[ "$(inst stubborn.0 .state)" = stopping ] || fail "state right after stop is $(inst stubborn.0 .state), not stopping"
proc_alive "$pid" || fail "the TERM-ignoring child died at once: the grace time was not given"
wait_for 6 state_is stubborn.0 stopped || fail "not stopped 6 s after stop (state $(inst stubborn.0 .state))"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
log "stopped after ${ms} ms (grace 1 s)"
[ $ms -ge 900 ] || fail "stopped after $ms ms, before the 1 s grace time"

[ "$(inst stubborn.0 .last_exit.signal)" = SIGKILL ] || fail "last_exit is $(inst stubborn.0 '.last_exit|tostring')"
[ "$(inst stubborn.0 .last_exit.cause)" = stopped ] || fail "last_exit.cause is $(inst stubborn.0 .last_exit.cause)"
[ "$(inst stubborn.0 .pid)" = null ] || fail "stopped instance still shows pid $(inst stubborn.0 .pid)"
for id in $ids; do
	proc_id_alive "$id" && fail "process ${id%%:*} of the group survived: $(cat "$T/group.before")"
done
[ -z "$(group_members "$pgid")" ] || fail "group $pgid still has members: $(group_members "$pgid")"
no_zombies || fail "zombies under the daemon"

grep -Eq "Z stubborn\.0 stop signal=SIGTERM$" "$T/daemon.log" || fail "no 'stop signal=SIGTERM' line"
grep -Eq "Z stubborn\.0 kill signal=SIGKILL reason=\"stop timeout\"$" "$T/daemon.log" || fail "no 'kill signal=SIGKILL' line"
grep -Eq "Z stubborn\.0 exit signal=SIGKILL cause=stopped pid=[0-9]+$" "$T/daemon.log" || fail "no exit line"
grep -Eq "Z stubborn\.0 stopped " "$T/daemon.log" || fail "no stopped line"
exit 0
