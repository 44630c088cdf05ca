#!/usr/bin/env bash
# An instance whose cgroup cannot be made (its service's cgroup directory is
# not writable by the daemon: root without CAP_DAC_OVERRIDE, directory mode
# 0555) is never placed silently. Without strict_limits it runs outside its
# cgroup, and the daemon's log and the instance's status say so, naming the
# step and the error, and list its limits as not enforced. With
# strict_limits its start fails, with the cause in status. Before issue 11
# an EPERM here was taken for "no cgroups" and the child ran outside its
# cgroup unseen; other errors failed the start as "spawn: ...".
. "$(dirname "$0")/lib.sh"
[ "$CGROOT" = none ] && skip "cgroup2 is not mounted here"
command -v capsh >/dev/null || skip "capsh (libcap2-bin) is not installed"
# Root without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH obeys file modes.
NODAC="capsh --drop=cap_dac_override,cap_dac_read_search --"

run_nodac() {
	local cfg=$1
	# The mount's top directory is 0555: the root is made here, by us.
	mkdir -p "$CGROOT"
	$NODAC -c "exec $RINGVISOR run -c $cfg --socket $SOCK --event-backend=$RV_BACKEND \
		--cgroup-root=$CGROOT --spawn=$RV_SPAWN" >"$T/daemon.out" 2>"$T/daemon.log" &
	DAEMON_PID=$!
	wait_for 10 bash -c "[ -S $SOCK ] && $RINGVISOR --socket $SOCK status >/dev/null 2>&1" ||
		fail "daemon did not answer"
}
stop_daemon() {
	rv shutdown >/dev/null 2>&1
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
}
inst_json() { status_json "$1" | jq -c --argjson i "${1##*.}" '.services[0].instances[] | select(.index == $i)'; }

# 1. Without strict_limits: instance 1 runs, unplaced, and says why.
cfg=$(write_config loose.yaml <<'EOF'
services:
  web:
    command: [/bin/sleep, "1000"]
    limits: {pids_max: 64}
EOF
)
run_nodac "$cfg"
wait_for 5 state_is web.0 running || fail "web.0 not running"
[ "$(inst_json web.0 | jq -r .cgroup.path)" = "$CGROOT/services/web/0" ] || fail "web.0 not in its cgroup"
chmod 0555 "$CGROOT/services/web"
at_exit "chmod 0755 '$CGROOT/services/web' 2>/dev/null"
rv scale web 2 >/dev/null || fail "scale refused"
wait_for 5 state_is web.1 running || fail "web.1 not running: $(inst_json web.1)"
j=$(inst_json web.1)
[ "$(jq -r .cgroup.placed <<<"$j")" = false ] || fail "web.1 not marked unplaced: $j"
case $(jq -r .cgroup.error <<<"$j") in
"mkdir services/web/1: Permission denied") ;;
*) fail "web.1 cgroup error: $(jq -r .cgroup.error <<<"$j")";;
esac
[ "$(jq -r '.cgroup.unenforced_limits | join(",")' <<<"$j")" = pids_max ] || fail "unenforced limits: $j"
grep -q 'web.1: cannot set up its cgroup (mkdir services/web/1): running it outside' "$T/daemon.log" ||
	fail "no warning in the log"
pid=$(jq .pid <<<"$j")
grep -q "$CGROOT/services/web/1" /proc/"$pid"/cgroup 2>/dev/null && fail "web.1 is in a cgroup it could not make"
# web.0 is untouched.
[ "$(inst_json web.0 | jq -r .cgroup.placed)" = null ] || fail "web.0 changed: $(inst_json web.0)"
chmod 0755 "$CGROOT/services/web"
stop_daemon

# 2. With strict_limits (and no limits, which this host cannot enforce):
#    the start of instance 1 fails and its cause names the cgroup step.
cfg=$(write_config strict.yaml <<'EOF'
supervisor: {strict_limits: true}
services:
  web:
    command: [/bin/sleep, "1000"]
    restart: {policy: never}
EOF
)
run_nodac "$cfg"
wait_for 5 state_is web.0 running || fail "strict: web.0 not running"
chmod 0555 "$CGROOT/services/web"
# The scale is done (exit 1), and says why the new instance is not up.
out=$(rv scale web 2 2>&1) && fail "strict: scale succeeded although web.1 cannot start: $out"
case $out in *"web.1: cgroup: mkdir services/web/1: Permission denied (exited)"*) ;;
*) fail "strict: scale said: $out";; esac
wait_for 5 state_is web.1 exited || fail "strict: web.1 did not fail to start: $(inst_json web.1)"
cause=$(inst_json web.1 | jq -r .last_exit.cause)
[ "$cause" = "cgroup: mkdir services/web/1: Permission denied" ] || fail "strict: cause: $cause"
grep -q 'web.1: cannot set up its cgroup (mkdir services/web/1), strict_limits: not starting it' "$T/daemon.log" ||
	fail "strict: no error in the log"
[ "$(inst_json web.1 | jq -r .pid)" = null ] || fail "strict: web.1 has a pid"
chmod 0755 "$CGROOT/services/web"
stop_daemon
exit 0
