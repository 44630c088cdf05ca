#!/usr/bin/env bash
# A one-shot request costs the daemon one loop wakeup (issue 18, status of
# one under 0.2 ms): a client that shuts its side after the request (as
# the CLI does) is answered in the turn that accepts its connection, and
# closed on the EOF there (docs/protocol.md). It was two at best (the
# accept; the request and the EOF), three as a rule. To count without a
# race, each request is sent while the daemon is stopped (SIGSTOP): the
# client connects, sends, shuts its side and says so; then the daemon
# goes on, and supervisor.wakeups (its own count) is read the same way.
# (Each SIGSTOP and SIGCONT is a wakeup of its own: counted below.)
. "$(dirname "$0")/lib.sh"
cfg=$(write_config wake.yaml <<YAML
services:
  web:
    command: [/bin/sleep, "1000"]
    leak: {sample_every: 1h, window: 24h}
YAML
)
rv_start "$cfg"
wait_for 10 state_is web.0 running || fail "web.0 not running"
at_exit 'kill -CONT "$DAEMON_PID" 2>/dev/null'

# ask REQUEST: sent with the daemon stopped; prints the reply line.
ask() {
	rm -f "$T/sent" "$T/reply"
	kill -STOP "$DAEMON_PID"
	python3 - "$SOCK" "$1" "$T/sent" >"$T/reply" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
s.shutdown(socket.SHUT_WR)
open(sys.argv[3], "w").close()
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
sys.stdout.write(data.decode())
PY
	local client=$!
	wait_for 10 test -e "$T/sent" || { kill -CONT "$DAEMON_PID"; fail "the client never sent"; }
	kill -CONT "$DAEMON_PID"
	wait "$client" || fail "the client failed"
	cat "$T/reply"
}
wakeups() { ask '{"cmd":"status","target":"web"}' | jq -r .supervisor.wakeups; }

sleep 0.5   # the start's own turns (exec, cgroup events) are over
calls=10
w0=$(wakeups)
for ((i = 0; i < calls; i++)); do
	[ "$(ask '{"cmd":"status","target":"web.0"}' | jq -r .ok)" = true ] || fail "status web.0: $(cat "$T/reply")"
done
w1=$(wakeups)
n=$((w1 - w0))
log "$n wakeups for $((calls + 1)) requests"
# Two each: the SIGCONT is one (the kernel wait returns EINTR), the
# request, reply and close the other; the last read counts itself, a timer
# may fall in between. Three each before (accept, request, close).
[ "$n" -le $((2 * (calls + 1) + 2)) ] || fail "$n wakeups for $((calls + 1)) one-shot requests, want one each (and one for each SIGCONT)"
# Every connection was closed on its EOF, not left to the idle timeout.
[ "$(ask '{"cmd":"status"}' | jq -r .supervisor.control_clients)" = 1 ] || fail "clients left: $(cat "$T/reply" | jq .supervisor.control_clients)"
