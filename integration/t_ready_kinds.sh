#!/usr/bin/env bash
# Each readiness kind takes an instance from `running` to `ready`, and only
# once its program is really ready (each one waits DELAY ms first):
# - notify: the libsystemd client (sd_notify READY=1 with STATUS=), the
#   STATUS= text shown as readiness.status_text;
# - fd: a shell that writes a newline on fd 3 (the s6 convention);
# - tcp: a python listener that binds its port only after the delay;
# - http: python3 -m http.server started after the delay, a path that
#   exists (200); a second service on a missing path (404) never gets
#   ready: it stays `running` and its last_check says why;
# - exec: `test -e FILE`, the file made by the service after the delay.
# Before DELAY each is `running` with readiness.ready false; after, `ready`
# with ready_after_ms >= DELAY, and a "ready after=" event line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_ready.sh"
need_notify_ready
DELAY=800
delay_s=0.8
tcp_port=$(free_port)
http_port=$(free_port)
[ "$tcp_port" != "$http_port" ] || http_port=$(free_port)
mkdir -p "$T/www"
echo ok >"$T/www/ok.txt"
cfg=$(write_config kinds.yaml <<YAML
supervisor: {shutdown_timeout: 5s}
services:
  vnotify:
    command: [$NOTIFY_READY, -d, "$DELAY", -s, "warmed up: 42 entries"]
    readiness: {notify: true, start_timeout: 10s}
  vfd:
    command: [/bin/sh, -c, 'sleep $delay_s; echo >&3; exec sleep 1000']
    readiness: {fd: 3, start_timeout: 10s}
  vtcp:
    command: [/usr/bin/python3, -c, 'import socket, time; time.sleep($delay_s); s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", $tcp_port)); s.listen(16); time.sleep(1000)']
    readiness: {tcp: "127.0.0.1:$tcp_port", interval: 50ms, timeout: 500ms, start_timeout: 10s}
  vhttp:
    command: [/bin/sh, -c, 'sleep $delay_s; exec python3 -m http.server --bind 127.0.0.1 --directory $T/www $http_port']
    readiness: {http: "http://127.0.0.1:$http_port/ok.txt", interval: 50ms, timeout: 500ms, start_timeout: 10s}
  v404:
    command: [/bin/sleep, "1000"]
    readiness: {http: "http://127.0.0.1:$http_port/missing.txt", interval: 50ms, timeout: 500ms, start_timeout: 60s}
  vexec:
    command: [/bin/sh, -c, 'sleep $delay_s; touch $T/exec-flag; exec sleep 1000']
    readiness: {exec: [test, -e, $T/exec-flag], interval: 50ms, timeout: 500ms, start_timeout: 10s}
YAML
)
kinds="vnotify vfd vtcp vhttp vexec"
rv_start "$cfg"

# Before the delay: running, not ready (when the daemon answered in time).
status_json >"$T/early.json"
early=0
for s in $kinds v404; do
	read -r state up ready < <(jq -r --arg s "$s" '.services[] | select(.name == $s) | .instances[0] |
		"\(.state) \(.uptime_ms // 0) \(.readiness.ready)"' "$T/early.json")
	[ "$up" -lt $((DELAY - 150)) ] || continue
	early=$((early + 1))
	[ "$state" = running ] || [ "$state" = starting ] || fail "$s is $state after ${up}ms, before its delay"
	[ "$ready" = false ] || fail "$s says ready after ${up}ms"
done
log "$early of 6 seen running and not ready before the delay"
[ "$(jq -r '.services[] | select(.name == "vnotify") | .instances[0].readiness.kind' "$T/early.json")" = notify ] ||
	fail "readiness.kind of vnotify: $(jq -c '.services[0].instances[0].readiness' "$T/early.json")"

for s in $kinds; do
	wait_for 10 state_is "$s.0" ready || fail "$s.0 not ready: $(status_json "$s" | jq -c '.services[0].instances[0] | {state, readiness}')"
done
for s in $kinds; do
	after=$(ifield "$s.0" .readiness.ready_after_ms)
	[ "$after" -ge "$DELAY" ] || fail "$s: ready_after_ms $after < the delay of $DELAY ms"
	[ "$(ifield "$s.0" .readiness.ready)" = true ] || fail "$s: readiness.ready is not true"
	in_log "^[^ ]+ $s\.0 ready after=" || fail "no 'ready after=' line for $s.0"
	[ "$(ifield "$s.0" .restarts)" -eq 0 ] || fail "$s restarted"
	log "$s ready after ${after}ms ($(ifield "$s.0" .readiness.kind))"
done
[ "$(ifield vnotify.0 .readiness.status_text)" = "warmed up: 42 entries" ] ||
	fail "status_text: '$(ifield vnotify.0 .readiness.status_text)'"
for s in vtcp vhttp vexec; do
	[ "$(ifield "$s.0" .readiness.last_check.ok)" = true ] || fail "$s: last_check $(ifield "$s.0" .readiness.last_check)"
done
# The notify one came through the socket, from its own process.
[ "$(sup_field notify.accepted)" -ge 1 ] || fail "notify.accepted: $(sup_field notify)"
[ "$(sup_field notify.dropped)" -eq 0 ] || fail "notify.dropped: $(sup_field notify)"
[ "$(sup_field notify.socket)" = "$SOCK.notify" ] || fail "notify.socket: $(sup_field notify.socket)"

# 404: tried, never ready, still running; the reason is shown.
sleep 0.3
[ "$(istate v404.0)" = running ] || fail "v404 is $(istate v404.0)"
[ "$(ifield v404.0 .readiness.ready)" = false ] || fail "v404 says ready"
[ "$(ifield v404.0 .readiness.last_check.ok)" = false ] || fail "v404 last_check: $(ifield v404.0 .readiness.last_check)"
detail=$(ifield v404.0 .readiness.last_check.detail)
case $detail in *404*) ;; *) fail "v404's last_check.detail is '$detail'";; esac
log "v404: running, not ready, last check '$detail'"
# The text table shows the state.
rv status >"$T/status.txt" || fail "status"
grep -qE '^vnotify\.0 +ready ' "$T/status.txt" || fail "status text: $(cat "$T/status.txt")"
grep -qE '^v404\.0 +running ' "$T/status.txt" || fail "status text: $(cat "$T/status.txt")"
exit 0
