#!/usr/bin/env bash
# sd_notify access: a message counts only from a process of the instance
# (its cgroup, or without cgroups its session). "target" never says READY=1
# itself; every forged READY=1 below must leave it `running`, not ready,
# with its status_text unset, and grow supervisor.notify.dropped:
# - notify-ready (libsystemd) run by the test with NOTIFY_SOCKET pointed at
#   the daemon's socket ("not a process of any instance");
# - a python datagram from the test (credentials attached by the kernel);
# - a process of a service that does not use notify, with NOTIFY_SOCKET
#   set in its env ("its service does not use notify");
# - an exec health probe of a notify service ("prober"), which runs beside
#   the instance, not in it: its STATUS= and WATCHDOG=trigger are dropped;
# - a non-root process forging SCM_CREDENTIALS with target's pid: the
#   kernel refuses the send (only root may claim another pid).
# And a child (not the main process) of an instance is accepted ("child").
# RV_NOCG=1 (t_notify_access_nocg.sh): the same without cgroups.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_ready.sh"
need_notify_ready
[ "${RV_NOCG:-0}" = 1 ] && CGROOT=none
NS=$SOCK.notify
send_py() { # send_py MESSAGE: one datagram from a python process of the test
	python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(sys.argv[1].encode(), sys.argv[2])' "$1" "$NS"
}
cfg=$(write_config notify.yaml <<YAML
supervisor: {shutdown_timeout: 5s}
services:
  target:
    command: [$NOTIFY_READY, -r]
    readiness: {notify: true, start_timeout: 60s}
  plain:
    command: [/bin/sh, -c, 'until [ -e $T/go-plain ]; do sleep 0.05; done; exec $NOTIFY_READY -s "plain speaks"']
    env: {NOTIFY_SOCKET: "$NS"}
  prober:
    command: [$NOTIFY_READY, -s, "prober is up"]
    readiness: {notify: true, start_timeout: 5s}
    health: {exec: [/bin/sh, -c, '[ -e $T/go-probe ] || exit 0; exec python3 -c "import socket, time; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b\"STATUS=forged by the probe\\nWATCHDOG=trigger\", \"$NS\"); time.sleep(0.3)"'], interval: 100ms, timeout: 1s}
  child:
    command: [/bin/sh, -c, '$NOTIFY_READY -s "from a child" & wait']
    readiness: {notify: true, start_timeout: 5s}
YAML
)
rv_start "$cfg"
wait_for 5 state_is target.0 running || fail "target not running"
wait_for 5 state_is prober.0 ready || fail "prober not ready: $(inst prober.0 "" | jq -c .)"
wait_for 5 state_is child.0 ready || fail "child not ready: $(inst child.0 "" | jq -c .)"
[ "$(inst child.0 .readiness.status_text)" = "from a child" ] || fail "child's status_text: $(inst child.0 .readiness.status_text)"
[ "$(sup_field notify.socket)" = "$NS" ] && [ -S "$NS" ] || fail "notify socket: $(sup_field notify)"
target_fine() {
	[ "$(inst target.0 .state)" = running ] || fail "$1: target is $(inst target.0 .state)"
	[ "$(inst target.0 .readiness.ready)" = false ] || fail "$1: target says ready"
	[ "$(inst target.0 .readiness.status_text)" = null ] || fail "$1: target's status_text is '$(inst target.0 .readiness.status_text)'"
}
dropped_above() { [ "$(sup_field notify.dropped)" -gt "$1" ]; }
target_fine "at start"
d0=$(sup_field notify.dropped)
a0=$(sup_field notify.accepted)

# 1. libsystemd's sd_notify from a process of the test.
NOTIFY_SOCKET=$NS "$NOTIFY_READY" -s "forged by the test" >"$T/outsider.out" 2>&1 &
outsider=$!
at_exit "kill $outsider 2>/dev/null; wait $outsider 2>/dev/null"
wait_for 3 dropped_above "$d0" || fail "the outsider's READY=1 was not dropped: $(sup_field notify)"
sleep 0.2
target_fine "after the outsider"
case $(sup_field notify.last_drop) in *"pid $outsider: not a process of any instance"*) ;;
*) fail "last_drop: $(sup_field notify.last_drop)";; esac
kill "$outsider"; wait "$outsider" 2>/dev/null
log "outsider (pid $outsider) dropped: $(sup_field notify.last_drop)"

# 2. A python datagram from the test.
d1=$(sup_field notify.dropped)
send_py $'READY=1\nSTATUS=forged by python' || fail "python could not send"
wait_for 3 dropped_above "$d1" || fail "python's READY=1 was not dropped"
target_fine "after python"

# 3. A process of a service without notify.
d2=$(sup_field notify.dropped)
touch "$T/go-plain"
wait_for 3 dropped_above "$d2" || fail "plain's READY=1 was not dropped"
case $(sup_field notify.last_drop) in *"its service does not use notify"*) ;;
*) fail "last_drop: $(sup_field notify.last_drop)";; esac
[ "$(inst plain.0 .state)" = running ] || fail "plain is $(inst plain.0 .state)"
target_fine "after plain"

# 4. The exec probe of a notify service: beside the instance, not in it.
d3=$(sup_field notify.dropped)
touch "$T/go-probe"
wait_for 3 dropped_above $((d3 + 2)) || fail "the probe's messages were not dropped: $(sup_field notify)"
[ "$(inst prober.0 .restarts)" -eq 0 ] || fail "the probe's WATCHDOG=trigger restarted prober: $(inst prober.0 .last_exit)"
[ "$(inst prober.0 .readiness.status_text)" = "prober is up" ] || fail "prober's status_text: $(inst prober.0 .readiness.status_text)"
[ "$(inst prober.0 .health.state)" = healthy ] || fail "prober's health: $(inst prober.0 .health)"
log "a probe's STATUS= and WATCHDOG=trigger dropped: $(sup_field notify.last_drop)"

# 5. A forged pid in SCM_CREDENTIALS, from a user that is not root.
tpid=$(inst target.0 .pid)
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
	chmod 755 "$T"
	out=$(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups /usr/bin/python3 -c '
import os, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
cred = struct.pack("3i", int(sys.argv[2]), os.getuid(), os.getgid())
try:
    s.sendmsg([b"READY=1\nSTATUS=forged pid"], [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, cred)], 0, sys.argv[1])
    print("sent")
except OSError as e:
    print("refused", e.errno)' "$NS" "$tpid" 2>&1)
	chmod 700 "$T"
	case $out in "refused 1") ;; *) fail "forged credentials as nobody: '$out'";; esac
	sleep 0.2
	target_fine "after a forged pid"
	log "forged SCM_CREDENTIALS pid as nobody: refused by the kernel (EPERM)"
fi

# Everything the instances said themselves was accepted.
[ "$(sup_field notify.accepted)" -eq "$a0" ] || fail "accepted grew from $a0 to $(sup_field notify.accepted): $(sup_field notify)"
[ "$(inst target.0 .restarts)" -eq 0 ] || fail "target restarted"
log "notify: $(status_json | jq -c .supervisor.notify)"
exit 0
