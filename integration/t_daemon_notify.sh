#!/usr/bin/env bash
# The daemon under systemd's Type=notify: run with NOTIFY_SOCKET set to a
# datagram socket the test listens on (python3, each datagram written down
# with its arrival time):
# - READY=1 comes once, only after the service with readiness (notify-ready
#   -d 1000) is ready and its dependent has started, not at the daemon's
#   start; supervisor.notify.ready_sent is false before and true after;
# - STOPPING=1 comes at `ringvisor shutdown`;
# - a second daemon whose oneshot fails (blocking its dependent) still sends
#   READY=1 once the rest got where it was going: a blocked service is
#   skipped, not waited for;
# - a third whose simple service cannot exec (its breaker opens: failed)
#   sends READY=1 too: a failed instance has got where it was going (the
#   .deb's test found a unit that stayed "activating" for ever).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_ready.sh"
need_notify_ready
SD=$T/sd.sock
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(60)
with open(sys.argv[2], "a") as out:
    while True:
        try:
            d = s.recv(4096)
        except socket.timeout:
            break
        out.write("%d %s\n" % (time.time() * 1000, d.decode(errors="replace").replace("\n", "|")))
        out.flush()' "$SD" "$T/sd.log" &
listener=$!
at_exit "kill $listener 2>/dev/null; wait $listener 2>/dev/null"
wait_for 3 test -S "$SD" || fail "the listener did not bind $SD"
: >"$T/sd.log"
# sd_ms KEY: arrival time of the first datagram with the line KEY.
sd_ms() { awk -v k="$1" '{ n = split(substr($0, index($0, " ") + 1), f, "|"); for (i = 1; i <= n; i++) if (f[i] == k) { print $1; exit } }' "$T/sd.log"; }
sd_count() { grep -c -- "$1" "$T/sd.log"; }
has_ready() { [ -n "$(sd_ms READY=1)" ]; }
has_stopping() { [ -n "$(sd_ms STOPPING=1)" ]; }

cfg=$(write_config own.yaml <<YAML
supervisor: {shutdown_timeout: 5s}
services:
  slow:
    command: [$NOTIFY_READY, -d, "1000"]
    readiness: {notify: true, start_timeout: 5s}
  plain:
    command: [/bin/sleep, "1000"]
  task:
    type: oneshot
    command: [/bin/sh, -c, 'sleep 0.3']
  dependent:
    command: [/bin/sleep, "1000"]
    depends_on: {slow: ready}
YAML
)
NOTIFY_SOCKET=$SD rv_start "$cfg"
[ "$(sup_field notify.ready_sent)" = false ] || fail "ready_sent at start: $(sup_field notify)"
has_ready && fail "READY=1 at the daemon's start: $(cat "$T/sd.log")"
wait_for 5 has_ready || fail "no READY=1: $(cat "$T/sd.log"); $(rv status)"
ready_ms=$(sd_ms READY=1)
slow_ms=$(log_ms '^[^ ]+ slow\.0 ready after=') || fail "no slow ready line"
dep_ms=$(log_ms '^[^ ]+ dependent\.0 start pid=') || fail "no dependent start line"
start_ms=$(log_ms '^[^ ]+ ready backend=') || fail "no daemon ready line"
[ "$ready_ms" -ge "$slow_ms" ] || fail "READY=1 at $ready_ms, before slow was ready ($slow_ms)"
[ "$ready_ms" -ge "$dep_ms" ] || fail "READY=1 at $ready_ms, before dependent started ($dep_ms)"
[ $((ready_ms - start_ms)) -ge 900 ] || fail "READY=1 $((ready_ms - start_ms)) ms after the daemon's start"
[ "$(inst task.0 .state)" = completed ] || fail "task is $(inst task.0 .state) after READY=1"
[ "$(sup_field notify.ready_sent)" = true ] || fail "ready_sent after READY=1: $(sup_field notify)"
grep -q 'READY=1|STATUS=' "$T/sd.log" || fail "READY=1 without STATUS=: $(cat "$T/sd.log")"
log "READY=1 $((ready_ms - start_ms)) ms after the daemon's start, $((ready_ms - slow_ms)) ms after slow was ready"

# Nothing more until the shutdown; then STOPPING=1.
sleep 0.3
[ "$(sd_count READY=1)" -eq 1 ] || fail "READY=1 sent $(sd_count READY=1) times"
has_stopping && fail "STOPPING=1 before the shutdown"
asked=$(date +%s%3N)
rv_stop_daemon || fail "the daemon exited $? at shutdown"
wait_for 3 has_stopping || fail "no STOPPING=1: $(cat "$T/sd.log")"
[ "$(sd_ms STOPPING=1)" -ge "$asked" ] || fail "STOPPING=1 before the shutdown was asked"
log "datagrams: $(cut -d' ' -f2- "$T/sd.log" | paste -sd' ')"

# A blocked service does not hold READY=1 back.
: >"$T/sd.log"
cfg=$(write_config own2.yaml <<YAML
supervisor: {shutdown_timeout: 5s}
services:
  migrate:
    type: oneshot
    command: [/bin/sh, -c, 'sleep 0.2; exit 3']
  app:
    command: [/bin/sleep, "1000"]
    depends_on: {migrate: completed}
  web:
    command: [$NOTIFY_READY, -d, "500"]
    readiness: {notify: true, start_timeout: 5s}
YAML
)
NOTIFY_SOCKET=$SD rv_start "$cfg"
wait_for 5 has_ready || fail "no READY=1 with a blocked service: $(rv status)"
[ "$(inst migrate.0 .state)" = failed ] || fail "migrate is $(inst migrate.0 .state)"
[ "$(svc_field app .waiting.blocked)" = true ] || fail "app: $(svc_field app .waiting)"
[ "$(inst web.0 .state)" = ready ] || fail "web is $(inst web.0 .state) at READY=1"
[ "$(sd_ms READY=1)" -ge "$(log_ms '^[^ ]+ web\.0 ready after=')" ] || fail "READY=1 before web was ready"
log "with app blocked by a failed migrate: READY=1 once web was ready"
rv_stop_daemon || fail "the second daemon exited $? at shutdown"

: >"$T/sd.log"
cfg=$(write_config notify3.yaml <<YAML
services:
  broken:
    command: [/nonexistent/program]
    restart: {backoff_initial: 10ms, max_restarts: 2, window: 1m}
  fine:
    command: [/bin/sleep, "1000"]
YAML
)
NOTIFY_SOCKET=$SD rv_start "$cfg"
wait_for 5 has_ready || fail "no READY=1 with a failed service: $(rv status)"
[ "$(inst broken.0 .state)" = failed ] || fail "broken is $(inst broken.0 .state) at READY=1"
log "with broken failed (breaker open): READY=1 all the same"
exit 0
