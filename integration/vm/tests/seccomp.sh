#!/bin/sh
# seccomp: under a container runtime's seccomp profile (io_uring_setup
# refused with EPERM, clone3 with ENOSYS; integration/tools/seccomp-deny,
# built static by build.sh) the daemon takes its fallbacks and still
# enforces limits and applies their policies:
#   (a) status --json says event_backend epoll and spawn fork, where the same
#       guest without the filter says uring and vfork;
#   (e) every instance's main process, forked, is in its own instance
#       cgroup (/proc/PID/cgroup is status's cgroup.path and ends with
#       services/NAME/INDEX), also after a policy restart;
#   (d) `ringvisor stop` takes the whole tree: an orphaned setsid grandchild
#       (own session, not the main process's child) is gone and the
#       instance cgroup is empty (cgroup.populated false);
#   (b) memory_max 32M: the hog is OOM-killed, the violation is counted
#       once, and its policy (oom: restart) restarts it although its restart
#       policy is never;
#   (c) pids_max 32: a fork bomb is contained, the pids violation counted,
#       and its policy (stop) kills the whole tree and leaves it stopped.
# The hog and the bomb wait for $T/go, so that (e) is checked on every
# instance before any of them misbehaves.
. /guest-lib.sh
need_jq
SECCOMP_DENY=$(command -v seccomp-deny) || skip "seccomp-deny is not in the guest (the host could not build it static)"
"$SECCOMP_DENY" clone3=ENOSYS -- true || fail "seccomp-deny cannot install a filter in the guest"
CG_MOUNT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)

t0=$(cut -d. -f1 /proc/uptime)
# step WHAT: a log line with the seconds since the test began.
step() { log "$(( $(cut -d. -f1 /proc/uptime) - t0 ))s: $*"; }

# inst NAME.INDEX JQ: a field of that instance.
inst() { status_json "$1" | jq -r ".services[0].instances[0] | $2"; }
sup() { status_json | jq -r ".supervisor.$1"; }

# in_own_cgroup NAME.INDEX: its main process's cgroup (the v2 line of
# /proc/PID/cgroup) is the instance's, as status names it, and ends with
# services/NAME/INDEX; status does not say unplaced.
in_own_cgroup() {
	# One status call: pid, cgroup path, placed (null when placed).
	# shellcheck disable=SC2046 # three words wanted
	set -- "$1" $(status_json "$1" | jq -r '.services[0].instances[0] | "\(.pid) \(.cgroup.path) \(.cgroup.placed)"')
	pid=$2 path=$3 want_tail="services/${1%.*}/${1##*.}"
	case $pid in ''|null) fail "$1 has no pid: $(status_json "${1%.*}")";; esac
	[ "$4" != false ] || fail "$1: status says unplaced: $(status_json "${1%.*}")"
	got=$(sed -n 's/^0:://p' "/proc/$pid/cgroup") || fail "$1: cannot read /proc/$pid/cgroup"
	case $got in */"$want_tail") ;; *) fail "$1 (pid $pid) runs in cgroup '$got', not .../$want_tail";; esac
	[ "$CG_MOUNT$got" = "$path" ] || fail "$1 (pid $pid) runs in $CG_MOUNT$got, status says $path"
	step "$1: pid $pid in $got"
}

# The control: the same guest without the filter has io_uring and clone3
# (auto picks vfork, clone3 with CLONE_VM), so epoll and fork below are
# the fallbacks, not the defaults.
cfg=$(write_config plain.yaml <<YAML
supervisor: {shutdown_timeout: 10s}
services:
  sleeper:
    command: [/bin/sleep, "1000"]
YAML
)
rv_start "$cfg"
plain="$(sup event_backend) $(sup spawn)"
[ "$plain" = "uring vfork" ] || fail "without the filter the daemon runs on '$plain', not 'uring vfork'"
rv_stop_daemon
step "without the filter: $plain"

cfg=$(write_config seccomp.yaml <<YAML
supervisor: {shutdown_timeout: 10s}
services:
  hog:
    command: [/bin/sh, -c, '[ -e $T/hog.ran ] && exec sleep 1000; touch $T/hog.ran; while [ ! -e $T/go ]; do sleep 0.2; done; awk "BEGIN { s = 1; while (1) s = s s }"; sleep 1000']
    limits: {memory_max: 32M, memory_swap_max: 0}
    on_violation: {oom: restart}
    restart: {policy: never, backoff_initial: 1s, backoff_max: 1s}
  bomb:
    command: [/bin/sh, -c, 'while [ ! -e $T/go ]; do sleep 0.2; done; while :; do sleep 1000 & done']
    limits: {pids_max: 32}
    on_violation: {pids: stop}
  tree:
    command: [/bin/sh, -c, '(setsid sleep 1000 &); exec sleep 1001']
YAML
)
RV_WRAP="$SECCOMP_DENY io_uring_setup=EPERM clone3=ENOSYS --" rv_start "$cfg"

# (a) The fallbacks were taken.
[ "$(sup event_backend)" = epoll ] || fail "(a) event_backend is $(sup event_backend), not epoll"
[ "$(sup spawn)" = fork ] || fail "(a) spawn is $(sup spawn), not fork"
grep -q 'clone3 is refused' "$T/daemon.log" || fail "(a) the clone3 fallback was not logged"
step "(a) under the filter: event_backend epoll, spawn fork"

# (e) Each main process, forked, joined its own instance cgroup.
for i in hog.0 bomb.0 tree.0; do
	wait_for 30 state_is "$i" running || fail "$i not running: $(status_json "${i%.*}")"
	in_own_cgroup "$i"
done
# The limits are in the kernel's files.
[ "$(cat "$(inst hog.0 .cgroup.path)/memory.max")" = 33554432 ] || fail "(b) memory.max of hog.0 is not 32M"
[ "$(cat "$(inst bomb.0 .cgroup.path)/pids.max")" = 32 ] || fail "(c) pids.max of bomb.0 is not 32"

# (d) Whole-tree stop: the setsid grandchild, orphaned and in a session of
# its own, goes with the rest.
tree_pid=$(inst tree.0 .pid) tree_cg=$(inst tree.0 .cgroup.path)
grandchild() {
	gc=''
	# shellcheck disable=SC2013 # one pid a line
	for p in $(cat "$tree_cg/cgroup.procs"); do
		[ "$p" != "$tree_pid" ] && [ "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" = "sleep 1000 " ] && gc=$p
	done
	[ -n "$gc" ]
}
wait_for 20 grandchild || fail "(d) no setsid grandchild in $tree_cg: $(cat "$tree_cg/cgroup.procs")"
# Field 4 of /proc/PID/stat is the ppid, 6 the session (comm is one word here).
gc_stat=$(cat "/proc/$gc/stat") main_stat=$(cat "/proc/$tree_pid/stat")
[ "$(echo "$gc_stat" | cut -d' ' -f6)" != "$(echo "$main_stat" | cut -d' ' -f6)" ] ||
	fail "(d) the grandchild $gc shares the main process's session"
[ "$(echo "$gc_stat" | cut -d' ' -f4)" != "$tree_pid" ] || fail "(d) the grandchild $gc is the main process's child"
rv stop tree || fail "(d) stop tree refused"
wait_for 20 state_is tree.0 stopped || fail "(d) tree not stopped: $(status_json tree)"
wait_for 10 sh -c "[ ! -e /proc/$gc ]" || fail "(d) grandchild $gc left after stop: $(head -n 3 "/proc/$gc/status" 2>/dev/null)"
[ ! -e "/proc/$tree_pid" ] || fail "(d) main process $tree_pid left after stop"
[ "$(inst tree.0 .cgroup.populated)" = false ] || fail "(d) tree's cgroup is still populated: $(cat "$tree_cg/cgroup.procs")"
step "(d) stop tree: main $tree_pid and setsid grandchild $gc gone, cgroup empty"

# Let the hog and the bomb loose.
hog_pid=$(inst hog.0 .pid)
touch "$T/go"
step "hog and bomb let loose"

# (b) memory_max: OOM kill, counted, policy restart.
wait_for 60 sh -c "[ \"\$($RINGVISOR --socket $SOCK status --json hog | jq '.services[0].instances[0].cgroup.violations.oom')\" -ge 1 ]" \
	|| fail "(b) no oom violation: $(status_json hog)"
[ "$(status_json hog | jq -r '.services[0].limits[] | select(.name == "memory_max") | .enforced')" = true ] ||
	fail "(b) memory_max not enforced"
wait_for 30 sh -c "[ \"\$($RINGVISOR --socket $SOCK status --json hog | jq -r '.services[0].instances[0].last_exit.cause')\" = oom-kill ]" \
	|| fail "(b) last_exit.cause is not oom-kill: $(status_json hog)"
grep -q 'violation cause=oom-kill action=restart' "$T/daemon.log" || fail "(b) no violation event line"
step "(b) hog OOM-killed, last_exit: $(inst hog.0 '.last_exit | tostring')"
# The restart policy is never: only the oom policy brings it back.
restarted() { [ "$(inst hog.0 '"\(.restarts >= 1) \(.state)"')" = "true running" ]; }
wait_for 30 restarted || fail "(b) hog not restarted by its policy: $(status_json hog)"
[ "$(inst hog.0 .pid)" != "$hog_pid" ] || fail "(b) hog's pid did not change"
[ "$(inst hog.0 .cgroup.violations.oom)" -eq 1 ] || fail "(b) oom counter is $(inst hog.0 .cgroup.violations.oom), not 1"
in_own_cgroup hog.0
step "(b) hog OOM-killed under memory_max 32M, 1 violation, restarted by its policy"

# (c) pids_max: the bomb is contained and stopped by its policy.
wait_for 60 sh -c "[ \"\$($RINGVISOR --socket $SOCK status --json bomb | jq '.services[0].instances[0].cgroup.violations.pids')\" -ge 1 ]" \
	|| fail "(c) no pids violation: $(status_json bomb)"
wait_for 30 state_is bomb.0 stopped || fail "(c) bomb not stopped: $(status_json bomb)"
[ "$(inst bomb.0 .cgroup.populated)" = false ] || fail "(c) bomb's tree left behind"
[ "$(inst bomb.0 .last_exit.cause)" = pids-max ] || fail "(c) cause is $(inst bomb.0 .last_exit.cause), not pids-max"
grep -q 'violation cause=pids-max action=stop' "$T/daemon.log" || fail "(c) no violation event line"
step "(c) bomb contained under pids_max 32, $(inst bomb.0 .cgroup.violations.pids) violation(s), stopped by its policy"

grep 'violation cause=' "$T/daemon.log" | sed 's/^/    daemon: /'
rv_stop_daemon
log "ok"
exit 0
