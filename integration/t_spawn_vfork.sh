#!/usr/bin/env bash
# The vfork spawn method (issue 18): clone3 with CLONE_VM|CLONE_VFORK, the
# child doing only raw syscalls on what the daemon prepared.
# - --spawn=vfork is taken and status says "vfork"; a service runs in its
#   instance's cgroup, a crasher restarts with its exit code, a missing
#   binary is a failed start whose cause names the exec;
# - --spawn=auto picks it, without a word of fallback in the log;
# - the daemon's clone3 really carries CLONE_VM|CLONE_VFORK (strace, where
#   there is one);
# - vfork asked for where seccomp refuses clone3: each start fails and says
#   why (no silent change of method); auto there falls back to fork and
#   says so;
# - t_child_setup.sh, unchanged, passes with --spawn=vfork, clone3 and fork.
. "$(dirname "$0")/lib.sh"
[ "$(uname -m)" = x86_64 ] || skip "clone3 with CLONE_VM is implemented on x86_64 only"

cfg=$(write_config vf.yaml <<'YAML'
supervisor: {shutdown_timeout: 5s}
services:
  sleeper:
    command: [sleep, "1000"]
  crasher:
    command: [/bin/sh, -c, 'sleep 0.2; exit 3']
    restart: {policy: always, backoff_initial: 50ms, backoff_max: 100ms, max_restarts: 100, window: 1m}
  missing:
    command: [/nonexistent/rv-missing]
    restart: {policy: never}
YAML
)

# 1. vfork asked for.
RV_SPAWN=vfork rv_start "$cfg"
[ "$(sup_field spawn)" = vfork ] || fail "--spawn=vfork: status says spawn $(sup_field spawn)"
wait_for 5 state_is sleeper.0 running || fail "vfork: sleeper not running"
proc_alive "$(inst sleeper.0 .pid)" || fail "vfork: sleeper's pid is not alive"
if [ "$CGROOT" != none ]; then
	want="${CGROOT#"$CG_MOUNT"}/services/sleeper/0"
	got=$(awk -F: '$1 == 0 {print $3}' "/proc/$(inst sleeper.0 .pid)/cgroup")
	[ "$got" = "$want" ] || fail "vfork: sleeper runs in $got, not $want"
fi
restarted() { [ "$(inst crasher.0 .restarts)" -ge 3 ]; }
wait_for 10 restarted || fail "vfork: crasher restarts $(inst crasher.0 .restarts)"
[ "$(inst crasher.0 .last_exit.code)" = 3 ] || fail "vfork: crasher last_exit $(inst crasher.0 '.last_exit|tostring')"
missing_failed() { [ "$(inst missing.0 .last_exit.cause)" = "exec: No such file or directory" ]; }
wait_for 5 missing_failed || fail "vfork: missing's cause is '$(inst missing.0 .last_exit.cause)'"
wait_for 3 no_zombies || fail "vfork: zombies under the daemon"
rv_stop_daemon || fail "vfork: daemon exited $? at shutdown"
log "vfork: run, restart, exec failure reported, stop"

# 2. auto picks vfork, quietly.
RV_SPAWN=auto rv_start "$cfg"
[ "$(sup_field spawn)" = vfork ] || fail "auto: spawn is $(sup_field spawn), not vfork"
grep -q 'refused' "$T/daemon.log" && fail "auto: a fallback was logged: $(grep refused "$T/daemon.log")"
rv_stop_daemon || fail "auto: daemon exited $? at shutdown"
log "auto: vfork"

# 3. The flags, as the kernel got them.
if command -v strace >/dev/null; then
	# (LeakSanitizer cannot run under ptrace: off for this one daemon.)
	RV_WRAP="env ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -e trace=clone3 -o $T/strace.out" \
		RV_SPAWN=vfork rv_start "$cfg"
	wait_for 10 state_is sleeper.0 running || fail "strace: sleeper not running"
	rv_stop_daemon || fail "strace: daemon exited $? at shutdown"
	grep 'clone3({flags=[^,]*CLONE_VM|' "$T/strace.out" | grep -q 'flags=[^,]*|CLONE_VFORK|' ||
		fail "no clone3 with CLONE_VM|CLONE_VFORK: $(grep clone3 "$T/strace.out" | head -3)"
	log "strace: $(grep 'CLONE_VFORK' "$T/strace.out" | grep -o 'clone3({flags=[A-Z_|]*' | tail -1)"
else
	log "not checked: no strace here"
fi

# 4. clone3 refused by seccomp.
if [ -z "${SECCOMP_DENY:-}" ]; then
	SECCOMP_DENY=$T/seccomp-deny
	cc -std=gnu17 -O2 "$(dirname "$0")/tools/seccomp-deny.c" -o "$SECCOMP_DENY" 2>"$T/cc.err" ||
		skip "cannot build seccomp-deny: $(head -1 "$T/cc.err")"
fi
if "$SECCOMP_DENY" clone3=ENOSYS -- true; then
	RV_WRAP="$SECCOMP_DENY clone3=ENOSYS --" RV_SPAWN=vfork rv_start "$cfg"
	[ "$(sup_field spawn)" = vfork ] || fail "vfork forced under seccomp: spawn is $(sup_field spawn)"
	refused() { [ "$(inst sleeper.0 .last_exit.cause)" = "spawn: Function not implemented" ]; }
	wait_for 5 refused || fail "vfork forced under seccomp: cause '$(inst sleeper.0 .last_exit.cause)'"
	rv_stop_daemon || fail "vfork under seccomp: daemon exited $? at shutdown"
	RV_WRAP="$SECCOMP_DENY clone3=ENOSYS --" RV_SPAWN=auto rv_start "$cfg"
	[ "$(sup_field spawn)" = fork ] || fail "auto under seccomp: spawn is $(sup_field spawn)"
	grep -q 'clone3 is refused here; spawning with fork' "$T/daemon.log" || fail "auto under seccomp: not said"
	wait_for 5 state_is sleeper.0 running || fail "auto under seccomp: sleeper not running"
	rv_stop_daemon || fail "auto under seccomp: daemon exited $? at shutdown"
	log "seccomp: vfork forced fails each start and says why; auto falls back to fork, said"
	# A vfork child shares the fd table until it unshares it; where both
	# ways to unshare are refused it copies the table instead, said once.
	RV_WRAP="$SECCOMP_DENY close_range=EPERM unshare=EPERM --" RV_SPAWN=vfork rv_start "$cfg"
	wait_for 5 state_is sleeper.0 running || fail "no unshare: sleeper not running ($(inst sleeper.0 .last_exit.cause))"
	grep -q 'cannot unshare its fd table here' "$T/daemon.log" || fail "no unshare: not said"
	rv_stop_daemon || fail "no unshare: daemon exited $? at shutdown"
	log "seccomp: a vfork child that cannot unshare its fd table copies it; the service runs, said"
else
	log "not checked: seccomp filters are not permitted here"
fi

# 5. What the child sets up, on every path.
for m in vfork clone3 fork; do
	RV_SPAWN=$m bash "$(dirname "$0")/t_child_setup.sh" >"$T/setup-$m.out" 2>&1
	case $? in
	0) log "t_child_setup: passes with --spawn=$m";;
	77) log "t_child_setup skipped: $(grep -m1 SKIP "$T/setup-$m.out")";;
	*) cat "$T/setup-$m.out" >&2; fail "t_child_setup fails with --spawn=$m";;
	esac
done
exit 0
