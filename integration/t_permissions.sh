#!/usr/bin/env bash
# Permissions on the control socket: a non-root client (nobody, no groups)
# may run `status` and `events`, but stop, restart, start, scale, signal and shutdown are
# refused with "permission denied" and exit 1, and the service is untouched
# (same pid, running). So is nobody with an unrelated supplementary group.
# nobody with supervisor.admin_group (a group made for this test, removed
# at exit) as a supplementary group may stop and start. The socket has the
# documented mode 0666.
. "$(dirname "$0")/lib.sh"
command -v setpriv >/dev/null || skip "setpriv (util-linux) not installed"
command -v groupadd >/dev/null || skip "groupadd not installed"
[ "$(id -u)" -eq 0 ] || skip "needs root (to switch to nobody and create a group)"
GROUP=rvtest$$
groupadd "$GROUP" || skip "groupadd $GROUP failed"
at_exit "groupdel $GROUP"
GID=$(getent group "$GROUP" | cut -d: -f3)
[ -n "$GID" ] || fail "no gid for $GROUP"
# Somewhere nobody can reach: the binary (its own path may not be
# traversable by nobody) and the socket's directory.
chmod 755 "$T"
cp "$RINGVISOR" "$T/rv-client" && chmod 755 "$T/rv-client" || fail "copy the client"

cfg=$(write_config perm.yaml <<YAML
supervisor: {shutdown_timeout: 5s, admin_group: $GROUP}
services:
  web:
    command: [/bin/sleep, "1000"]
YAML
)
rv_start "$cfg"
wait_for 5 state_is web.0 running || fail "web not running"
pid=$(inst web.0 .pid)

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$T/rv-client" --socket "$SOCK" "$@"; }
as_other() { setpriv --reuid=65534 --regid=65534 --groups=4242 "$T/rv-client" --socket "$SOCK" "$@"; }
as_admin() { setpriv --reuid=65534 --regid=65534 --groups="$GID" "$T/rv-client" --socket "$SOCK" "$@"; }

as_nobody status >"$T/st.txt" 2>&1 || fail "nobody: status exited $?: $(cat "$T/st.txt")"
grep -q 'web\.0' "$T/st.txt" || fail "nobody's status lacks web.0: $(cat "$T/st.txt")"
[ "$(as_nobody status --json | jq -r '.services[0].instances[0].pid')" = "$pid" ] || fail "nobody: status --json"
as_nobody events web >"$T/ev.txt" 2>&1 || fail "nobody: events exited $?: $(cat "$T/ev.txt")"
grep -q " web\.0 start pid=$pid" "$T/ev.txt" || fail "nobody's events lack web.0's start: $(cat "$T/ev.txt")"

refused() { # WHO CMD...: exits 1 with "permission denied"
	local who=$1; shift
	"$who" "$@" >"$T/out" 2>&1; local rc=$?
	[ $rc -eq 1 ] || fail "$who $*: exited $rc, expected 1: $(cat "$T/out")"
	grep -q 'permission denied' "$T/out" || fail "$who $*: no 'permission denied' in: $(cat "$T/out")"
}
for who in as_nobody as_other; do
	refused $who stop web
	refused $who stop web.0
	refused $who restart web
	refused $who start web
	refused $who scale web 3
	refused $who signal web SIGKILL
	refused $who shutdown
done
sleep 0.3
kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon is gone after a refused shutdown"
[ "$(inst web.0 .state)" = running ] || fail "web is $(inst web.0 .state) after refused commands"
[ "$(inst web.0 .pid)" = "$pid" ] || fail "web's pid changed after refused commands"
[ "$(status_json web | jq '.services[0].instances | length')" -eq 1 ] || fail "scale was applied"
proc_alive "$pid" || fail "web's process $pid is gone"
log "nobody: status allowed, stop, restart, start, scale, signal, shutdown refused, web untouched"

as_admin stop web >"$T/out" 2>&1 || fail "admin group: stop exited $?: $(cat "$T/out")"
wait_for 5 state_is web.0 stopped || fail "web not stopped by the admin group"
proc_alive "$pid" && fail "web's process $pid survived the stop"
as_admin start web >"$T/out" 2>&1 || fail "admin group: start exited $?: $(cat "$T/out")"
wait_for 5 state_is web.0 running || fail "web not started by the admin group"
refused as_nobody stop web
[ "$(inst web.0 .state)" = running ] || fail "web is $(inst web.0 .state)"
# Last, as documented (docs/protocol.md, daemon/control.c): mode 0666.
[ "$(stat -c %a "$SOCK")" = 666 ] || fail "control socket mode is $(stat -c %a "$SOCK"), docs/protocol.md says 0666"
exit 0
