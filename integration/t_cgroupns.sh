#!/usr/bin/env bash
# A cgroup2 mount from outside the daemon's cgroup namespace (podman
# --cgroupns=private with the host's tree bound in): /proc/self/cgroup says
# "0::/", yet the mount's "/" is the host's, not ours (mountinfo root
# "/../.."). With cgroup_root auto the daemon must not take the mount's
# top for its own and build its cgroups in the host's tree: it runs
# without cgroups, says why, and creates nothing at the mount's top.
. "$(dirname "$0")/lib.sh"
[ "$CGROOT" = none ] && skip "cgroup2 is not mounted"
command -v unshare >/dev/null || skip "unshare (util-linux) not installed"
unshare --cgroup true 2>"$T/unshare.err" || skip "unshare --cgroup not permitted here: $(head -1 "$T/unshare.err")"
mkdir -p "$CGROOT/inner" || skip "cannot make $CGROOT/inner"
cat >"$T/wrap.sh" <<EOF
#!/bin/sh
# Into $CGROOT/inner, then a cgroup namespace rooted there.
echo \$\$ >"$CGROOT/inner/cgroup.procs" || exit 1
exec unshare --cgroup "\$@"
EOF
# The mount's top, less the roots other tests make there meanwhile (lib.sh's
# rv-test-PID: integration/run.sh's clock lane runs beside this test); a
# daemon given --cgroup-root=auto never makes such a name.
top() { ls "$CG_MOUNT" | grep -vx 'rv-test-[0-9]*' | sort; }
before=$(top)
had_ringvisor=0; [ -d "$CG_MOUNT/ringvisor" ] && had_ringvisor=1
# If the daemon wrongly made <mount>/ringvisor, take it away again.
[ $had_ringvisor = 1 ] || at_exit "[ -d '$CG_MOUNT/ringvisor' ] && find '$CG_MOUNT/ringvisor' -depth -type d -exec rmdir {} \; 2>/dev/null"
cfg=$(write_config ns.yaml <<'YAML'
supervisor: {shutdown_timeout: 5s}
services:
  sleeper:
    command: [/bin/sleep, "1000"]
YAML
)
RV_WRAP="sh $T/wrap.sh" rv_start "$cfg" --cgroup-root=auto
wait_for 5 all_in_state 1 running || fail "sleeper not running"
[ "$(readlink /proc/"$DAEMON_PID"/ns/cgroup)" != "$(readlink /proc/self/ns/cgroup)" ] ||
	fail "the daemon is not in a cgroup namespace of its own"
[ "$(sup_field cgroups.enabled)" = false ] || fail "cgroups enabled at $(sup_field cgroups.root): the host's tree, outside the namespace"
sup_field cgroups.reason | grep -q "does not show this process's cgroup" || fail "reason: $(sup_field cgroups.reason)"
after=$(top)
[ "$before" = "$after" ] || fail "the daemon created at the mount's top: $(comm -13 <(echo "$before") <(echo "$after") | tr '\n' ' ')"
log "outside its cgroup namespace: no cgroups, said why, nothing made in the host's tree"
