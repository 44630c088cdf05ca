#!/usr/bin/env bash
# A cgroup.kill on the root (what one does to clear up after a SIGKILLed
# daemon) or on supervisor/ (to kill the daemon itself) counts in the
# kernel against every cgroup below. A child cloned with CLONE_INTO_CGROUP
# is SIGKILLed at birth when its cgroup's kill count differs from its
# parent's cgroup's: a daemon that moved into the old supervisor/ (count 1)
# and spawned into fresh instance cgroups (count 0) had every start killed,
# in a loop. The daemon now makes supervisor/ afresh at start.
#  1. daemon SIGKILLed, cgroup.kill on the root, a new daemon on the same
#     root: its instances start and stay up (same pid, restarts 0).
#  2. daemon killed by cgroup.kill on supervisor/: the next one adopts the
#     services, and an adopted instance that dies is restarted and stays up.
. "$(dirname "$0")/lib.sh"
[ "$CGROOT" = none ] && skip "cgroup2 is not mounted here"
cfg=$(write_config rk.yaml <<'YAML'
services:
  rk:
    command: [sleep, "1000"]
    instances: 2
    restart: {policy: always, backoff_initial: 10ms}
YAML
)
populated_0() { grep -q '^populated 0' "$CGROOT/cgroup.events"; }
# state_pid I: "STATE PID" of instance rk.I.
state_pid() { status_json | jq -r ".services[0].instances[$1] | \"\(.state) \(.pid)\""; }
# still_up I PID: instance rk.I is running with PID (a second after its start).
still_up() { proc_alive "$2" && [ "$(state_pid "$1")" = "running $2" ]; }
# restarted I OLD: rk.I runs again, with a pid other than OLD.
restarted() { local sp; sp=$(state_pid "$1"); [ "${sp%% *}" = running ] && [ "${sp#* }" != "$2" ]; }

rv_start "$cfg"
[ -f "$CGROOT/cgroup.kill" ] || skip "no cgroup.kill (kernel < 5.14)"
wait_for 5 all_in_state 2 running || fail "not running"
kill -KILL "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
echo 1 >"$CGROOT/cgroup.kill"
wait_for 5 populated_0 || fail "the root's cgroup.kill left processes"
mv "$T/daemon.log" "$T/daemon1.log"
rv_start "$cfg"
wait_for 5 all_in_state 2 running || fail "new daemon's services not running after the root's cgroup.kill"
pids=$(all_pids)
sleep 1.5
i=0
for pid in $pids; do
	still_up "$i" "$pid" || fail "rk.$i (pid $pid) did not stay up after the root's cgroup.kill: $(grep -c 'exit signal=SIGKILL' "$T/daemon.log") SIGKILLed starts"
	i=$((i + 1))
done
[ "$(status_json | jq '[.services[0].instances[].restarts] | add')" = 0 ] || fail "restarts after the root's cgroup.kill: $(grep exit "$T/daemon.log" | head -3)"

# 2: the daemon killed through supervisor/'s cgroup.kill; services live on.
old=$(all_pids | sort | tr '\n' ' ')
echo 1 >"$CGROOT/supervisor/cgroup.kill"
wait "$DAEMON_PID" 2>/dev/null
mv "$T/daemon.log" "$T/daemon2.log"
rv_start "$cfg"
wait_for 5 all_in_state 2 running || fail "not running after supervisor/'s cgroup.kill"
[ "$(all_pids | sort | tr '\n' ' ')" = "$old" ] || fail "not adopted: $(grep -E 'adopt' "$T/daemon.log")"
victim=$(status_json | jq '.services[0].instances[0].pid')
kill -KILL "$victim"
wait_for 5 restarted 0 "$victim" || fail "rk.0 not restarted: $(state_pid 0)"
pid=$(status_json | jq '.services[0].instances[0].pid')
sleep 1.5
still_up 0 "$pid" || fail "restarted rk.0 did not stay up after supervisor/'s cgroup.kill: $(grep -c 'exit signal=SIGKILL' "$T/daemon.log") SIGKILLed exits"
exit 0
