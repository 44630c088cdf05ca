#!/usr/bin/env bash
# health: a periodic check once the instance is ready; `failures` failed
# checks in a row make it unhealthy and on_violation.health acts:
# - restart (the default): python3 -m http.server whose file is removed
#   (HTTP 404) is restarted with last_exit.cause "health" after an
#   "unhealthy failures=3" event; with the file back it is healthy again;
# - log: it keeps running (same pid, no restart), health.state says
#   unhealthy with failures_in_row >= 3; with the file back, `successes: 2`
#   checks make it healthy again ("healthy" event line);
# - stop: the instance is stopped, its process gone;
# - tcp: a listener that closes its port turns unhealthy ("connection
#   refused" in last_check);
# - freeze: a tcp listener that closes its port is frozen (with cgroups).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_ready.sh"
ports=()
while [ ${#ports[@]} -lt 5 ]; do
	p=$(free_port)
	case " ${ports[*]} " in *" $p "*) ;; *) ports+=("$p");; esac
done
for d in 0 1 2; do mkdir -p "$T/www$d"; echo ok >"$T/www$d/ok.txt"; done
web() { # web N SERVICE-KEYS: an http.server on ports[N] serving www N
	cat <<YAML
    command: [/usr/bin/python3, -m, http.server, --bind, 127.0.0.1, --directory, $T/www$1, "${ports[$1]}"]
    readiness: {http: "http://127.0.0.1:${ports[$1]}/ok.txt", interval: 50ms, start_timeout: 10s}
    health: {http: "http://127.0.0.1:${ports[$1]}/ok.txt", interval: 100ms, timeout: 500ms, failures: 3, successes: $2}
    restart: {backoff_initial: 50ms, backoff_max: 100ms, max_restarts: 0}
YAML
}
cfg=$(write_config health.yaml <<YAML
supervisor: {shutdown_timeout: 5s}
services:
  hrestart:
$(web 0 1)
  hlog:
$(web 1 2)
    on_violation: {health: log}
  hstop:
$(web 2 1)
    on_violation: {health: stop}
  htcp:
    command: [/usr/bin/python3, -c, 'import os, socket, time; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", ${ports[3]})); s.listen(64); exec("while not os.path.exists(\"$T/tcp-off\"): time.sleep(0.05)"); s.close(); time.sleep(1000)']
    health: {tcp: "127.0.0.1:${ports[3]}", interval: 100ms, timeout: 500ms, failures: 2}
    on_violation: {health: log}
  hfreeze:
    command: [/usr/bin/python3, -c, 'import os, socket, time; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", ${ports[4]})); s.listen(64); exec("while not os.path.exists(\"$T/tcp-off\"): time.sleep(0.05)"); s.close(); time.sleep(1000)']
    health: {tcp: "127.0.0.1:${ports[4]}", interval: 100ms, timeout: 500ms, failures: 2}
    on_violation: {health: freeze}
YAML
)
rv_start "$cfg"
healthy() { [ "$(ifield "$1" .health.state)" = healthy ]; }
unhealthy() { [ "$(ifield "$1" .health.state)" = unhealthy ]; }
for s in hrestart hlog hstop; do
	wait_for 10 state_is "$s.0" ready || fail "$s not ready: $(status_json "$s" | jq -c '.services[0].instances[0]')"
done
for s in hrestart hlog hstop htcp; do
	wait_for 5 healthy "$s.0" || fail "$s not healthy: $(inst "$s.0" .health)"
	[ "$(inst "$s.0" .health.last_check.ok)" = true ] || fail "$s: last_check $(inst "$s.0" .health.last_check)"
done
[ "$(inst hrestart.0 .health.kind)" = http ] && [ "$(inst htcp.0 .health.kind)" = tcp ] ||
	fail "health.kind: $(inst hrestart.0 .health.kind), $(inst htcp.0 .health.kind)"
log "all four healthy"
pid_restart=$(inst hrestart.0 .pid)
pid_log=$(inst hlog.0 .pid)
pid_stop=$(inst hstop.0 .pid)

# The three files go, the tcp port closes.
rm "$T/www0/ok.txt" "$T/www1/ok.txt" "$T/www2/ok.txt"
touch "$T/tcp-off"
gone_at=$(date +%s%3N)

# restart: after 3 failed checks, cause health.
wait_for 5 in_log '^[^ ]+ hrestart\.0 unhealthy failures=3' || fail "no unhealthy line for hrestart: $(inst hrestart.0 .health)"
unhealthy_at=$(log_ms '^[^ ]+ hrestart\.0 unhealthy failures=3')
# Three checks 100ms apart (the first within the interval): not at once.
[ $((unhealthy_at - gone_at)) -ge 150 ] || fail "unhealthy $((unhealthy_at - gone_at)) ms after the file went"
in_log '^[^ ]+ hrestart\.0 unhealthy failures=3 check="?HTTP 404' || fail "the unhealthy line lacks the check: $(grep 'hrestart.0 unhealthy' "$T/daemon.log")"
wait_for 5 restarts_at_least hrestart.0 1 || fail "hrestart not restarted: $(inst hrestart.0 .state)"
[ "$(inst hrestart.0 .last_exit.cause)" = health ] || fail "hrestart: last_exit $(inst hrestart.0 .last_exit)"
! proc_alive "$pid_restart" || fail "hrestart's old process $pid_restart still runs"
log "restart: unhealthy $((unhealthy_at - gone_at)) ms after the file went, last_exit $(inst hrestart.0 .last_exit | jq -c .)"

# log: runs on, unhealthy.
wait_for 5 unhealthy hlog.0 || fail "hlog not unhealthy: $(inst hlog.0 .health)"
[ "$(inst hlog.0 .pid)" = "$pid_log" ] || fail "hlog's pid changed"
[ "$(inst hlog.0 .restarts)" -eq 0 ] || fail "hlog restarted"
[ "$(inst hlog.0 .state)" = ready ] || fail "hlog is $(inst hlog.0 .state)"
[ "$(inst hlog.0 .health.failures_in_row)" -ge 3 ] || fail "hlog: failures_in_row $(inst hlog.0 .health.failures_in_row)"
[ "$(inst hlog.0 .health.last_check.ok)" = false ] || fail "hlog: last_check $(inst hlog.0 .health.last_check)"
case $(inst hlog.0 .health.last_check.detail) in *404*) ;; *) fail "hlog: last_check $(inst hlog.0 .health.last_check)";; esac
in_log '^[^ ]+ hlog\.0 unhealthy failures=3' || fail "no unhealthy line for hlog"
sleep 0.3
[ "$(inst hlog.0 .health.failures_in_row)" -ge 5 ] || fail "hlog's checks stopped: $(inst hlog.0 .health)"
[ "$(grep -c 'hlog\.0 unhealthy' "$T/daemon.log")" -eq 1 ] || fail "hlog: unhealthy logged more than once"
log "log: unhealthy, still running, $(inst hlog.0 .health.failures_in_row) failures in a row"

# stop: stopped, its process gone.
wait_for 5 state_is hstop.0 stopped || fail "hstop is $(inst hstop.0 .state)"
! proc_alive "$pid_stop" || fail "hstop's process $pid_stop still runs"
[ "$(inst hstop.0 .restarts)" -eq 0 ] || fail "hstop restarted"

# tcp: refused, unhealthy after 2.
wait_for 5 unhealthy htcp.0 || fail "htcp not unhealthy: $(inst htcp.0 .health)"
case $(inst htcp.0 .health.last_check.detail) in *refused*) ;; *) fail "htcp: last_check $(inst htcp.0 .health.last_check)";; esac
log "tcp: unhealthy, '$(inst htcp.0 .health.last_check.detail)'"

# freeze: the instance is frozen (with cgroups), its process still there;
# without cgroups the freeze cannot be done and it runs on, unhealthy.
if [ "$CGROOT" != none ]; then
	wait_for 5 state_is hfreeze.0 frozen || fail "hfreeze is $(inst hfreeze.0 .state): $(inst hfreeze.0 .health)"
	proc_alive "$(inst hfreeze.0 .pid)" || fail "hfreeze's process is gone"
	[ "$(inst hfreeze.0 .restarts)" -eq 0 ] || fail "hfreeze restarted"
	log "freeze: frozen after $(inst hfreeze.0 .health.failures_in_row) failed checks"
fi

# The files come back: hlog healthy after 2 successes, hrestart ready and healthy.
echo ok >"$T/www1/ok.txt"
echo ok >"$T/www0/ok.txt"
wait_for 5 healthy hlog.0 || fail "hlog not healthy again: $(inst hlog.0 .health)"
[ "$(inst hlog.0 .health.failures_in_row)" -eq 0 ] || fail "hlog: failures_in_row $(inst hlog.0 .health.failures_in_row)"
in_log '^[^ ]+ hlog\.0 healthy' || fail "no healthy line for hlog"
[ "$(inst hlog.0 .pid)" = "$pid_log" ] || fail "hlog's pid changed"
wait_for 10 state_is hrestart.0 ready || fail "hrestart not ready again: $(inst hrestart.0 .state)"
wait_for 5 healthy hrestart.0 || fail "hrestart not healthy again: $(inst hrestart.0 .health)"
log "files back: hlog healthy again, hrestart ready and healthy"
exit 0
