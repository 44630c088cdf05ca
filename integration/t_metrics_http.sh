#!/usr/bin/env bash
# supervisor.metrics.listen: the daemon serves GET /metrics over HTTP on a
# tcp port and a unix socket, through its own loop (libmicrohttpd in
# external mode). A real Prometheus server (Debian prometheus) scrapes it,
# and a query on Prometheus's HTTP API sees a restart counter move after a
# kill -9. The bounds hold without stalling the daemon: a silent client is
# closed after METRICS_HTTP_TIMEOUT_S (10 s) while status and other scrapes
# are answered; past 8 connections a ninth waits; a 40 KB header gets 431;
# other paths 404, other methods 405; keep-alive holds. The connections leave no fd behind. A
# bad listener is refused by check with the key; a port in use is said in
# the log and the daemon runs its services anyway; reload cannot move the
# listeners; without libmicrohttpd (dlopen()ed) the daemon says what to
# install and runs on.
. "$(dirname "$0")/lib.sh"
command -v prometheus >/dev/null || skip "prometheus not installed (Debian prometheus)"
command -v promtool >/dev/null || skip "promtool not installed (Debian prometheus)"
PY=/usr/bin/python3
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
PPORT=$(free_port)
MSOCK=$T/m/metrics.sock

cfg=$(write_config metrics_http.yaml <<YAML
supervisor:
  shutdown_timeout: 5s
  metrics: {listen: ["127.0.0.1:$PORT", "unix:$MSOCK"]}
services:
  web: {command: [/bin/sleep, "1000"], instances: 2}
  victim: {command: [/bin/sleep, "1000"], restart: {backoff_initial: 50ms}}
YAML
)
rv_start "$cfg"
wait_for 5 all_in_state 3 running || fail "services not running"
grep -q "serving /metrics on 127.0.0.1:$PORT" "$T/daemon.log" || fail "no tcp listener: $(cat "$T/daemon.log")"
[ -S "$MSOCK" ] || fail "no unix socket at $MSOCK"

# http.py tcp|unix PATH [METHOD] [EXTRA_HEADER_BYTES]: one request, prints
# the status line, then the body to stdout.
cat >"$T/http.py" <<'PY'
import socket, sys
kind, where, path = sys.argv[1], sys.argv[2], sys.argv[3]
method = sys.argv[4] if len(sys.argv) > 4 else "GET"
extra = int(sys.argv[5]) if len(sys.argv) > 5 else 0
if kind == "tcp":
    s = socket.create_connection(("127.0.0.1", int(where)), timeout=10)
else:
    s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(where)
req = "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" % (method, path)
if extra:
    req += "X-Big: " + "a" * extra + "\r\n"
s.sendall(req.encode() + b"\r\n")
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
head, _, body = data.partition(b"\r\n\r\n")
print(head.split(b"\r\n")[0].decode())
sys.stdout.write(body.decode())
PY
http() { "$PY" "$T/http.py" "$@"; }

# The first scrape opens what every scrape keeps (the CPU pass's BPF
# program, map, link and the root's cpu.stat): count from after it.
http tcp "$PORT" /metrics >/dev/null || fail "the first GET failed"
fds0=$(daemon_fds)
# A silent client first: it must not hold anything up, and is closed at
# the connection timeout (checked at the end, ~10 s later).
"$PY" - "$PORT" >"$T/silent.out" 2>&1 <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /metr")
t = time.time(); s.settimeout(30)
print("closed" if s.recv(100) == b"" else "answered", round(time.time() - t))
PY
SILENT=$!
at_exit "kill $SILENT 2>/dev/null"

http tcp "$PORT" /metrics >"$T/tcp.txt" || fail "GET over tcp failed"
head -1 "$T/tcp.txt" | grep -q "200 OK" || fail "tcp: $(head -1 "$T/tcp.txt")"
sed 1d "$T/tcp.txt" >"$T/tcp.body"
promtool check metrics <"$T/tcp.body" >"$T/promtool.out" 2>&1 || fail "promtool: $(cat "$T/promtool.out")"
http unix "$MSOCK" /metrics >"$T/unix.txt" || fail "GET over the unix socket failed"
head -1 "$T/unix.txt" | grep -q "200 OK" || fail "unix: $(head -1 "$T/unix.txt")"
rv metrics >"$T/cli.txt" || fail "ringvisor metrics failed"
fams() { grep '^# TYPE' "$1" | sort; }
[ "$(fams "$T/tcp.body")" = "$(fams "$T/cli.txt")" ] || fail "tcp and the CLI list other families: $(diff <(fams "$T/tcp.body") <(fams "$T/cli.txt"))"
grep -q '^ringvisor_instance_restarts_total{service="victim",index="0"} 0$' "$T/tcp.body" || fail "no victim restart counter"

# Keep-alive: three scrapes on one connection (Prometheus keeps its own).
"$PY" - "$PORT" >"$T/keepalive.out" 2>&1 <<'PY' || fail "keep-alive: $(cat "$T/keepalive.out")"
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
for _ in range(3):
    c.request("GET", "/metrics"); r = c.getresponse(); r.read()
    assert r.status == 200 and r.getheader("Connection") != "close", (r.status, r.getheader("Connection"))
PY
http tcp "$PORT" / | head -1 | grep -q "404" || fail "/ is not 404"
http tcp "$PORT" /metrics POST | head -1 | grep -q "405" || fail "POST is not 405"
http tcp "$PORT" /metrics GET 40000 | head -1 | grep -q "431" || fail "a 40 KB header is not refused with 431"
rv_answers || fail "daemon does not answer while a silent client is connected"

# 8 connections at once at most: with 7 more held open (the silent one is
# the 8th), a ninth is not served until one goes; status still answers.
"$PY" - "$PORT" "$T/held" <<'PY' &
import socket, sys, time, os
held = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(7)]
open(sys.argv[2], "w").close()
time.sleep(3)
PY
HELD=$!
at_exit "kill $HELD 2>/dev/null"
wait_for 5 test -e "$T/held" || fail "could not open 7 connections"
"$PY" - "$PORT" >"$T/ninth.out" 2>&1 <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"); s.settimeout(1)
try:
    print("served" if s.recv(100) else "closed")
except socket.timeout:
    print("waiting")
PY
grep -q waiting "$T/ninth.out" || fail "a ninth connection was not held back: $(cat "$T/ninth.out")"
rv_answers || fail "daemon does not answer with 8 metrics connections open"
wait "$HELD"
wait_for 5 bash -c "'$PY' '$T/http.py' tcp $PORT /metrics | head -1 | grep -q 200" || fail "no scrape after the held connections went"

# A real Prometheus server scrapes every second; a kill -9 of victim moves
# its restart counter as Prometheus's query API sees it.
cat >"$T/prom.yml" <<YAML
global: {scrape_interval: 1s, scrape_timeout: 1s}
scrape_configs:
  - job_name: ringvisor
    static_configs: [{targets: ["127.0.0.1:$PORT"]}]
YAML
prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/prom" \
	--web.listen-address="127.0.0.1:$PPORT" >"$T/prom.log" 2>&1 &
PROM=$!
at_exit "kill $PROM 2>/dev/null; wait $PROM 2>/dev/null"
# query EXPR: the first result's value, or nothing.
query() {
	"$PY" - "$PPORT" "$1" <<'PY'
import json, sys, urllib.parse, urllib.request
u = "http://127.0.0.1:%s/api/v1/query?query=%s" % (sys.argv[1], urllib.parse.quote(sys.argv[2]))
try:
    r = json.load(urllib.request.urlopen(u, timeout=2))
except Exception:
    sys.exit(1)
res = r.get("data", {}).get("result", [])
if res:
    print(res[0]["value"][1])
PY
}
up_is_1() { [ "$(query 'up{job="ringvisor"}')" = 1 ]; }
wait_for 20 up_is_1 || fail "prometheus did not scrape the daemon: $(tail -5 "$T/prom.log")"
restarts() { query 'ringvisor_instance_restarts_total{service="victim",index="0"}'; }
r0=$(restarts)
[ "$r0" = 0 ] || fail "prometheus sees victim restarts=$r0 before the kill"
pid=$(status_json victim | jq -r '.services[0].instances[0].pid')
kill -9 "$pid"
moved() { [ "$(restarts)" = 1 ]; }
wait_for 20 moved || fail "prometheus does not see the restart: restarts=$(restarts)"
log "prometheus scraped the daemon; restarts_total went 0 -> 1 after a kill -9"

wait "$SILENT"
grep -q "^closed" "$T/silent.out" || fail "the silent client was not closed: $(cat "$T/silent.out")"
kill "$PROM" 2>/dev/null; wait "$PROM" 2>/dev/null
wait_for 15 fds_are "$fds0" || fail "daemon fds $(daemon_fds), were $fds0 before the connections"

# reload cannot move the listeners: refused with the key, nothing changed.
sed -i "s|127.0.0.1:$PORT|127.0.0.1:$PPORT|" "$cfg"
rv reload >"$T/reload.out" 2>&1 && fail "reload with other listeners succeeded"
grep -q "metrics.listen cannot change by reload" "$T/reload.out" || fail "reload refusal: $(cat "$T/reload.out")"
http tcp "$PORT" /metrics | head -1 | grep -q 200 || fail "the listener went after a refused reload"
rv_stop_daemon
[ ! -e "$MSOCK" ] || fail "the metrics socket file is left after shutdown"

# check names a bad listener with its key; a port in use does not stop the
# services.
bad=$(write_config bad.yaml <<YAML
supervisor: {metrics: {listen: ["example.com:80", "unix:relative.sock", "127.0.0.1:$PORT", "127.0.0.1:$PORT"]}}
services: {a: {command: [/bin/true]}}
YAML
)
"$RINGVISOR" check -c "$bad" >"$T/check.out" 2>&1 && fail "check accepted bad listeners"
for w in "example.com" "absolute path" "listed twice"; do
	grep "supervisor.metrics.listen" "$T/check.out" | grep -q "$w" || fail "check does not say $w: $(cat "$T/check.out")"
done
# (a fresh port: the first one has connections in TIME_WAIT, which only
# a socket with SO_REUSEADDR, like the daemon's, may bind beside)
BUSY=$(free_port)
"$PY" -c 'import socket,time,sys; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(); open(sys.argv[2],"w").close(); time.sleep(30)' "$BUSY" "$T/busy" &
BLOCK=$!
at_exit "kill $BLOCK 2>/dev/null"
wait_for 5 test -e "$T/busy" || fail "could not take port $BUSY"
SOCK=$T/control2.sock
sed -i "s|127.0.0.1:$PPORT|127.0.0.1:$BUSY|" "$cfg"
rv_start "$cfg"
wait_for 5 all_in_state 3 running || fail "services not running with the metrics port in use"
grep -q "metrics 127.0.0.1:$BUSY: cannot listen: Address already in use" "$T/daemon.log" \
	|| fail "the port in use is not said: $(grep metrics "$T/daemon.log")"
log "404/405/431, 8-connection bound, silent client closed, no fd left, bad listeners named, port in use survived"
rv_stop_daemon

# Without libmicrohttpd (dlopen()ed only when a listener is configured: a
# mount namespace puts /dev/null over it), the daemon says what to install
# and runs its services.
LIBMHD=$(ldconfig -p | awk '/libmicrohttpd\.so\.12 / {print $NF; exit}')
if [ -n "$LIBMHD" ] && unshare -m true 2>/dev/null; then
	SOCK=$T/control3.sock
	sed -i "s|127.0.0.1:$BUSY|127.0.0.1:$PPORT|" "$cfg"
	unshare -m sh -c "mount --bind /dev/null '$LIBMHD' && exec \"\$0\" \"\$@\"" "$RINGVISOR" run -c "$cfg" \
		--socket "$SOCK" --event-backend="$RV_BACKEND" --cgroup-root="$CGROOT" >"$T/daemon.out" 2>"$T/daemon.log" &
	DAEMON_PID=$!
	wait_for 10 rv_answers || fail "the daemon without libmicrohttpd does not answer: $(tail -3 "$T/daemon.log")"
	wait_for 5 all_in_state 3 running || fail "services not running without libmicrohttpd"
	grep -q "metrics: not served: cannot load libmicrohttpd.so.12 .*install libmicrohttpd12" "$T/daemon.log" \
		|| fail "the missing library is not said: $(grep metrics "$T/daemon.log")"
	log "without libmicrohttpd: said, services run"
else
	log "SKIPPED the check without libmicrohttpd: no libmicrohttpd.so.12 in ldconfig, or unshare -m refused"
fi
