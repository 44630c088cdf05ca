#!/usr/bin/env bash
# ringvisor as PID 1 of a new pid namespace (unshare --pid --fork
# --mount-proc): status reports pid 1, it starts a service, reaps an
# orphan re-parented to it (no zombie left in the namespace), and on
# `shutdown` through the socket stops everything and exits 0.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root for a pid namespace"
command -v unshare >/dev/null || skip "unshare (util-linux) not installed"
unshare --pid --fork --mount-proc --kill-child true 2>"$T/unshare.err" ||
	skip "unshare --pid --fork --mount-proc not permitted here: $(head -1 "$T/unshare.err")"
# The orphan lives until the test creates $T/go.
cfg=$(write_config pid1.yaml <<YAML
supervisor: {shutdown_timeout: 5s}
services:
  sleeper:
    command: [/bin/sleep, "1000"]
    instances: 2
  orphaner:
    command: [/bin/sh, -c, '(exec sh -c "until [ -e $T/go ]; do sleep 0.05; done" orphan-$$ &); exec sleep 1001']
YAML
)
RV_WRAP="unshare --pid --fork --mount-proc --kill-child" rv_start "$cfg"
UNSHARE_PID=$DAEMON_PID
at_exit "kill -KILL $UNSHARE_PID 2>/dev/null"
INNER=$(echo $(cat /proc/"$UNSHARE_PID"/task/*/children))
[ -n "$INNER" ] && [ "$(echo $INNER | wc -w)" -eq 1 ] || fail "unshare has children '$INNER', expected the daemon"
DAEMON_PID=$INNER   # lib.sh's process facts now look at the daemon itself
log "daemon is $INNER outside, $(sup_field pid) inside"
[ "$(sup_field pid)" -eq 1 ] || fail "status says pid $(sup_field pid), not 1"
[ "$(awk '/^NSpid:/ {print $NF}' /proc/"$INNER"/status)" = 1 ] || fail "the daemon is not pid 1 in its namespace"

wait_for 5 all_in_state 3 running || fail "services not running"
ids=""
for p in $(descendants); do ids="$ids $(proc_id "$p")"; done
# status shows pids as the namespace sees them: each is a child of the daemon.
inner_pids=" "
for p in $(daemon_children); do inner_pids="$inner_pids$(awk '/^NSpid:/ {print $NF}' /proc/"$p"/status) "; done
for p in $(all_pids); do
	[[ $inner_pids == *" $p "* ]] || fail "service pid $p (inside) is not a child of the daemon (children:$inner_pids)"
done

# The orphan: re-parented to PID 1, then reaped.
orphan_pid() {
	local p argv
	for p in $(daemon_children); do
		mapfile -d '' argv 2>/dev/null <"/proc/$p/cmdline" || continue
		[ "${argv[*]:3}" = "orphan-$$" ] && echo "$p"
	done
}
has_orphan() { [ -n "$(orphan_pid)" ]; }
wait_for 3 has_orphan || fail "the orphaned grandchild is not a child of PID 1"
gc=$(orphan_pid)
touch "$T/go"
gone() { [ ! -e /proc/"$gc" ]; }
wait_for 5 gone || fail "orphan $gc not reaped (state $(proc_state "$gc"))"
reaped() { [ "$(sup_field orphans_reaped)" -ge 1 ]; }
wait_for 3 reaped || fail "orphans_reaped is $(sup_field orphans_reaped)"
wait_for 3 no_zombies || fail "$(daemon_zombies) zombies under PID 1"
zombies_inside=0
for p in $(descendants); do [ "$(proc_state "$p")" = Z ] && zombies_inside=$((zombies_inside + 1)); done
[ $zombies_inside -eq 0 ] || fail "$zombies_inside zombies in the namespace"
[ "$(inst orphaner.0 .state)" = running ] || fail "orphaner is $(inst orphaner.0 .state)"

# Shutdown through the socket: everything stops, PID 1 exits 0.
timeout 20 "$RINGVISOR" --socket "$SOCK" shutdown >"$T/shutdown.out" 2>&1 || fail "shutdown exited $?: $(cat "$T/shutdown.out")"
unshare_gone() { ! kill -0 "$UNSHARE_PID" 2>/dev/null; }
wait_for 10 unshare_gone || fail "the namespace's PID 1 did not exit after shutdown"
wait "$UNSHARE_PID"; rc=$?
DAEMON_PID=
[ ! -e /proc/"$INNER" ] || fail "the daemon $INNER is still there"
for id in $ids; do proc_id_alive "$id" && fail "process ${id%%:*} survived the shutdown"; done
grep -q 'shutdown-complete' "$T/daemon.log" || fail "no shutdown-complete line"
# unshare --fork exits with its child's status, or re-raises the signal that
# killed it (so 128+N here).
[ $rc -eq 0 ] || fail "PID 1 exited $rc after a clean shutdown, expected 0"
exit 0
