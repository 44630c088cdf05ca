#!/usr/bin/env bash
# Event lines on stderr. --log-format=json: every line is exactly one JSON
# object (each line checked with jq on its own), with the events start
# (pid a JSON number), exit (code 3, a number, cause exited), restart
# (delay) and breaker-open of a
# crashing service, stop/stopped of a stopped one, and ready, shutdown,
# shutdown-complete. Text format: "TS SERVICE.INDEX exit code=N
# cause=exited" and the matching start/restart/breaker-open lines.
. "$(dirname "$0")/lib.sh"
cfg=$(write_config log.yaml <<'YAML'
supervisor: {shutdown_timeout: 5s}
services:
  crash:
    command: [/bin/sh, -c, 'exit 3']
    restart: {policy: always, backoff_initial: 50ms, backoff_max: 100ms, max_restarts: 2, window: 1m}
  calm:
    command: [/bin/sleep, "1000"]
YAML
)

# 1. JSON.
rv_start "$cfg" --log-format=json
wait_for 10 state_is crash.0 failed || fail "json: crash not failed: $(status_json crash | jq -c .services[0].instances[0])"
wait_for 5 state_is calm.0 running || fail "json: calm not running"
rv stop calm.0 || fail "json: stop"
wait_for 5 state_is calm.0 stopped || fail "json: calm not stopped"
rv_stop_daemon || fail "json: daemon exited $? at shutdown"
cp "$T/daemon.log" "$T/json.log"
lines=$(wc -l <"$T/json.log")
[ "$lines" -ge 10 ] || fail "json: only $lines lines"
[ -z "$(tail -c 1 "$T/json.log")" ] || fail "json: the last line is not terminated"
n=0
while IFS= read -r line; do
	n=$((n + 1))
	jq -e -s 'length == 1 and (.[0] | type == "object" and (.ts | type == "string"))' <<<"$line" >/dev/null 2>&1 ||
		fail "json: line $n is not one JSON object with a ts: $line"
done <"$T/json.log"
# ev FILTER: how many event objects match FILTER.
ev() { jq -c "select($1)" "$T/json.log" | wc -l; }
[ "$(ev '.event == "start" and .service == "crash" and .index == 0 and (.pid | type == "number" and . > 0)')" -eq 3 ] ||
	fail "json: expected 3 start events for crash.0"
[ "$(ev '.event == "exit" and .service == "crash" and .index == 0 and .code == 3 and .cause == "exited"')" -eq 3 ] ||
	fail "json: expected 3 exit code=3 events for crash.0"
[ "$(ev '.event == "restart" and .service == "crash" and .index == 0 and (.delay | length > 0)')" -eq 2 ] ||
	fail "json: expected 2 restart events for crash.0"
[ "$(ev '.event == "breaker-open" and .service == "crash" and .index == 0')" -eq 1 ] ||
	fail "json: expected 1 breaker-open event for crash.0"
[ "$(ev '.event == "stop" and .service == "calm" and .signal == "SIGTERM"')" -eq 1 ] || fail "json: no stop event for calm"
[ "$(ev '.event == "stopped" and .service == "calm"')" -eq 1 ] || fail "json: no stopped event for calm"
for e in ready shutdown; do
	[ "$(ev ".event == \"$e\"")" -eq 1 ] || fail "json: expected one $e event"
done
[ "$(ev '.event == "ready" and .services == 2')" -eq 1 ] || fail "json: ready's services is not the number 2"
# Only what the call site made a number is one: "3" as a string never.
[ "$(jq -c 'select(.event != null) | to_entries[] | select(.value | type == "string" and test("^[0-9]+$")) | .key' "$T/json.log" | sort -u | tr '\n' ' ')" = "" ] ||
	fail "json: members holding digits as strings: $(jq -c 'select(.event != null) | to_entries[] | select(.value | type == "string" and test("^[0-9]+$"))' "$T/json.log" | sort -u | head -n 5)"
log "json: $lines lines, each one object; start/exit/restart/breaker-open present"

# 2. Text (the default).
rv_start "$cfg"
wait_for 10 state_is crash.0 failed || fail "text: crash not failed"
rv_stop_daemon || fail "text: daemon exited $? at shutdown"
TS='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'
count() { grep -Ec "^$TS $1\$" "$T/daemon.log"; }
[ "$(count 'crash\.0 exit code=3 cause=exited pid=[0-9]+')" -eq 3 ] || fail "text: expected 3 'crash.0 exit code=3 cause=exited pid=N' lines"
[ "$(count 'crash\.0 start pid=[0-9]+')" -eq 3 ] || fail "text: expected 3 start lines"
[ "$(count 'crash\.0 restart delay=[0-9]+(ms|s)')" -eq 2 ] || fail "text: expected 2 restart lines"
[ "$(count 'crash\.0 breaker-open .*')" -eq 1 ] || fail "text: no breaker-open line"
grep -q '^{' "$T/daemon.log" && fail "text: JSON lines in the text log"
log "text: exit/start/restart/breaker-open lines as documented"
# Last: the shutdown is complete once, so it is said once.
[ "$(ev '.event == "shutdown-complete"')" -eq 1 ] || fail "json: $(ev '.event == "shutdown-complete"') shutdown-complete events, expected 1"
[ "$(count 'shutdown-complete')" -eq 1 ] || fail "text: $(count 'shutdown-complete') shutdown-complete lines, expected 1"
exit 0
