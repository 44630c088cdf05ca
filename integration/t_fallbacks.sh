#!/usr/bin/env bash
# The fallbacks, forced with a seccomp filter as a container runtime would:
# - io_uring_setup=EPERM: --event-backend=auto runs on epoll (status says
#   so, and why: event_backend_reason) and runs a service; --event-backend=uring refuses to start (exit
#   != 0, no socket) and says why.
# - clone3=ENOSYS: --spawn=auto spawns with fork + pidfd_open (status says
#   "fork") and a service runs in its instance's cgroup, exits, restarts;
#   an orphan is reaped.
# Forces the event backend where it must, whatever RV_BACKEND says.
. "$(dirname "$0")/lib.sh"
if [ -z "${SECCOMP_DENY:-}" ]; then
	# Not under run.sh: build it here.
	SECCOMP_DENY=$T/seccomp-deny
	cc -std=gnu17 -O2 "$(dirname "$0")/tools/seccomp-deny.c" -o "$SECCOMP_DENY" 2>"$T/cc.err" ||
		skip "cannot build seccomp-deny: $(head -1 "$T/cc.err")"
fi
[ "$(uname -m)" = x86_64 ] || skip "seccomp-deny filters x86_64 syscall numbers only"
"$SECCOMP_DENY" clone3=ENOSYS -- true || skip "seccomp filters are not permitted here"

# 1. No io_uring, auto: epoll.
cfg=$(write_config fb.yaml <<'YAML'
supervisor: {shutdown_timeout: 5s}
services:
  sleeper:
    command: [/bin/sleep, "1000"]
YAML
)
RV_WRAP="$SECCOMP_DENY io_uring_setup=EPERM --" RV_BACKEND=auto rv_start "$cfg"
wait_for 5 state_is sleeper.0 running || fail "auto without io_uring: sleeper not running"
[ "$(sup_field event_backend)" = epoll ] || fail "auto without io_uring: event_backend is $(sup_field event_backend)"
[ "$(sup_field event_backend_reason)" = "io_uring unavailable: Operation not permitted" ] ||
	fail "auto without io_uring: event_backend_reason is '$(sup_field event_backend_reason)'"
proc_alive "$(inst sleeper.0 .pid)" || fail "sleeper's pid is not alive"
rv_stop_daemon || fail "auto without io_uring: daemon exited $? at shutdown"
log "io_uring refused, auto: epoll, service running"

# 2. No io_uring, uring forced: refuses to start, says why.
MARK=rv-fallbacks-$$
cfg=$(write_config fb2.yaml <<YAML
services:
  marked:
    command: [/bin/sh, -c, 'sleep 1000', $MARK]
YAML
)
timeout 10 "$SECCOMP_DENY" io_uring_setup=EPERM -- "$RINGVISOR" run -c "$cfg" --socket "$T/u.sock" \
	--event-backend=uring --cgroup-root="${CGROOT:-none}" >"$T/u.out" 2>"$T/u.err"
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "--event-backend=uring without io_uring exited $rc"
grep -qi 'event loop\|io_uring\|uring' "$T/u.err" || fail "no reason given: $(cat "$T/u.err")"
grep -q 'Operation not permitted' "$T/u.err" || fail "the reason lacks the error: $(cat "$T/u.err")"
[ ! -e "$T/u.sock" ] || fail "the refused daemon left its socket"
pgrep -f -- "$MARK" >/dev/null && fail "the refused daemon started its service: $(pgrep -af -- "$MARK")"
log "io_uring refused, uring forced: exit $rc, '$(head -1 "$T/u.err" | cut -c1-100)'"

# 3. No clone3, auto: fork + pidfd_open, with the whole life cycle.
cfg=$(write_config fork.yaml <<'YAML'
supervisor: {shutdown_timeout: 5s}
services:
  sleeper:
    command: [/bin/sleep, "1000"]
  crasher:
    command: [/bin/sh, -c, 'sleep 0.2; exit 3']
    restart: {policy: always, backoff_initial: 50ms, backoff_max: 100ms, max_restarts: 100, window: 1m}
  orphaner:
    command: [/bin/sh, -c, '(exec sleep 0.3 &); exec sleep 1001']
YAML
)
RV_WRAP="$SECCOMP_DENY clone3=ENOSYS --" RV_SPAWN=auto rv_start "$cfg"
[ "$(sup_field spawn)" = fork ] || fail "clone3 refused, auto: spawn is $(sup_field spawn)"
grep -q 'clone3 is refused' "$T/daemon.log" || fail "the fallback was not logged"
wait_for 5 state_is sleeper.0 running || fail "fork: sleeper not running"
proc_alive "$(inst sleeper.0 .pid)" || fail "fork: sleeper's pid is not alive"
# Issue 12, finding 9: a forked child joins its instance's cgroup before
# exec (it once stayed in the daemon's own, supervisor/).
if [ "$CGROOT" != none ]; then
	want="${CGROOT#"$CG_MOUNT"}/services/sleeper/0"
	got=$(awk -F: '$1 == 0 {print $3}' "/proc/$(inst sleeper.0 .pid)/cgroup")
	[ "$got" = "$want" ] || fail "fork: sleeper runs in $got, not $want"
	[ "$(inst sleeper.0 .cgroup.placed)" != false ] || fail "fork: status says unplaced"
fi
restarted() { [ "$(inst crasher.0 .restarts)" -ge 3 ]; }
wait_for 10 restarted || fail "fork: crasher restarts $(inst crasher.0 .restarts)"
[ "$(inst crasher.0 .last_exit.code)" = 3 ] || fail "fork: crasher last_exit $(inst crasher.0 '.last_exit|tostring')"
[ "$(inst crasher.0 .last_exit.cause)" = exited ] || fail "fork: crasher cause $(inst crasher.0 .last_exit.cause)"
reaped() { [ "$(sup_field orphans_reaped)" -ge 1 ]; }
wait_for 5 reaped || fail "fork: orphans_reaped is $(sup_field orphans_reaped)"
wait_for 3 no_zombies || fail "fork: zombies under the daemon"
[ "$(inst orphaner.0 .state)" = running ] || fail "fork: orphaner is $(inst orphaner.0 .state)"
rv stop sleeper || fail "fork: stop"
wait_for 5 state_is sleeper.0 stopped || fail "fork: sleeper not stopped"
rv_stop_daemon || fail "fork: daemon exited $? at shutdown"
log "clone3 refused, auto: fork; run, exit, restart, stop and an orphan reaped"
exit 0
