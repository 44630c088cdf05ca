#!/usr/bin/env bash
# Limits where their controller is missing (this build host: cgroup v1 holds
# memory, cpu and pids): by default the daemon runs, and status shows each
# limit as not enforced with the reason; with strict_limits it refuses to
# start and names the key. With cgroup_root none, the reason says so. Where
# the controllers ARE available (the VM suite), the same limits are enforced.
. "$(dirname "$0")/lib.sh"
[ "$CGROOT" = none ] && skip "cgroup2 is not mounted here"
mnt=$(dirname "$CGROOT")
if grep -qw memory "$mnt/cgroup.controllers"; then
	skip "the memory controller is available in $mnt: limits are enforced here (the VM suite tests that)"
fi
body='services:
  lim:
    command: [/bin/sleep, "1000"]
    limits: {memory_max: 32M, pids_max: 64, cpu_max: "50%", nofile: 1024}'
cfg=$(write_config lim.yaml <<<"$body")
rv_start "$cfg"
wait_for 5 state_is lim.0 running || fail "not running"
for k in memory_max pids_max cpu_max; do
	e=$(status_json | jq -r --arg k "$k" '.services[0].limits[] | select(.name == $k) | .enforced')
	[ "$e" = false ] || fail "$k enforced=$e, expected false"
	why=$(status_json | jq -r --arg k "$k" '.services[0].limits[] | select(.name == $k) | .reason')
	case $why in *controller*"not available"*) ;; *) fail "$k reason: $why";; esac
done
[ "$(status_json | jq -r '.services[0].limits[] | select(.name == "nofile") | .enforced')" = true ] || fail "nofile not enforced"
[ "$(status_json | jq -r '.services[0].limits[] | select(.name == "memory_max") | .value')" = 33554432 ] || fail "memory_max value"
grep -q 'limits.memory_max is not enforced' "$T/daemon.log" || fail "no warning at start"
# nofile really applies (an rlimit, not a cgroup file).
pid=$(status_json | jq '.services[0].instances[0].pid')
grep -q '^Max open files *1024 *1024' /proc/"$pid"/limits || fail "nofile not applied: $(grep 'open files' /proc/$pid/limits)"
rv_cleanup_daemon() { "$RINGVISOR" --socket "$SOCK" shutdown >/dev/null 2>&1; wait "$DAEMON_PID" 2>/dev/null; DAEMON_PID=; }
rv_cleanup_daemon

# strict_limits: refused at start, nothing runs, the key is named.
strict=$(write_config strict.yaml <<<"supervisor: {strict_limits: true}
$body")
"$RINGVISOR" run -c "$strict" --socket "$SOCK" --cgroup-root="$CGROOT" >"$T/strict.out" 2>"$T/strict.log" &
p=$!
wait_for 10 bash -c "! kill -0 $p 2>/dev/null" || { kill -KILL $p; fail "strict daemon did not exit"; }
wait $p; rc=$?
[ $rc -ne 0 ] || fail "strict_limits daemon exited 0"
grep -q 'services.lim.limits.memory_max cannot be enforced' "$T/strict.log" || fail "no key path in: $(cat "$T/strict.log")"
grep -q ' lim.0 start' "$T/strict.log" && fail "strict daemon started the service"
[ -S "$SOCK" ] && fail "strict daemon left its socket"

# A root that is not a cgroup directory: said once, and it runs without.
rv_cleanup_daemon
notcg=$(write_config notcg.yaml <<<"$body")
mkdir -p "$T/not-a-cgroup"
CGROOT="$T/not-a-cgroup" rv_start "$notcg"
[ "$(status_json | jq -r .supervisor.cgroups.enabled)" = false ] || fail "cgroups enabled in a plain directory"
grep -q 'running without cgroups' "$T/daemon.log" || fail "no 'running without cgroups' line"
wait_for 5 state_is lim.0 running || fail "not running without cgroups"
rv_cleanup_daemon

# No cgroups at all: the reason says so.
none=$(write_config none.yaml <<<"supervisor: {cgroup_root: none}
$body")
CGROOT=none rv_start "$none"
[ "$(status_json | jq -r .supervisor.cgroups.enabled)" = false ] || fail "cgroups enabled with cgroup_root none"
why=$(status_json | jq -r '.services[0].limits[] | select(.name == "pids_max") | .reason')
case $why in *"no cgroups"*) ;; *) fail "reason without cgroups: $why";; esac
exit 0
