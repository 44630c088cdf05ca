#!/bin/sh
# smoke: the VM is what the limit tests need (cgroup2 at /sys/fs/cgroup owns
# the memory, pids and cpu controllers, and they are enabled for the root's
# children), and ringvisor runs in it: a sleep service is running in
# `status --json`, and `shutdown` ends the daemon with exit 0 and the
# service's process gone.
. /guest-lib.sh

ctrl=$(cat /sys/fs/cgroup/cgroup.controllers) || fail "no /sys/fs/cgroup/cgroup.controllers"
log "controllers: $ctrl"
sub=$(cat /sys/fs/cgroup/cgroup.subtree_control)
for c in memory pids cpu; do
	case " $ctrl " in *" $c "*) ;; *) fail "controller $c not available";; esac
	case " $sub " in *" $c "*) ;; *) fail "controller $c not enabled in subtree_control ($sub)";; esac
done

cfg=$(write_config smoke.yaml <<YAML
supervisor: {control_socket: $SOCK, shutdown_timeout: 10s}
services:
  sleeper:
    command: [/bin/sleep, "1000"]
YAML
)
"$RINGVISOR" check -c "$cfg" || fail "check rejected the config"
rv_start "$cfg"
wait_for 20 state_is sleeper.0 running || fail "sleeper.0 not running: $(status_json)"
json=$(status_json)
log "status: $json"
pid=$(echo "$json" | sed -n 's/.*"instances":\[{[^]]*"pid":\([0-9]*\).*/\1/p')
{ [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; } || fail "sleeper pid '$pid' is not alive"
grep -q sleep "/proc/$pid/cmdline" || fail "pid $pid is not the sleep"
if [ $HAVE_JQ = 1 ]; then
	[ "$(echo "$json" | jq -r .supervisor.services)" = 1 ] || fail "supervisor.services != 1"
fi
rv status || fail "status table failed"
# The leak probe loads as bpf on this kernel too: before 6.7 (Debian 12's
# 6.1) by the fallback walk over every task, said once at info; from 6.7
# by the cgroup walk. (It counted from /proc here before the mm counters'
# old layout was read: "bpf: load: Invalid argument".)
wait_for 10 grep -q ' probe source=' "$T/daemon.log" || fail "no probe event"
probe=$(grep ' probe source=' "$T/daemon.log")
log "kernel $(uname -r): $probe"
case "$(uname -r)" in
[1-5].*|6.[0-6].*) want="source=bpf walk=tasks";;
*) want="source=bpf walk=cgroups";;
esac
case "$probe" in *"$want"*) ;; *) fail "probe: want '$want', got '$probe'";; esac

rv_stop_daemon
kill -0 "$pid" 2>/dev/null && fail "sleeper $pid still alive after shutdown"
[ -S "$SOCK" ] && log "note: socket file left behind"
log "ok"
exit 0
