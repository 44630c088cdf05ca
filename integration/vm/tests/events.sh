#!/bin/sh
# events: a pids violation is in the event stream (docs/events.md). A
# follower (`events -f --json bomb`) started before a fork bomb under
# pids_max 16 (on_violation: stop) sees, in order: the violation (cause
# pids-max, action stop), the exit (cause pids-max, the bomb's pid, a
# number) and the state change to stopped; `events bomb` afterwards prints
# the same from what the daemon keeps, as text.
. /guest-lib.sh
need_jq
cfg=$(write_config events.yaml <<YAML
supervisor: {shutdown_timeout: 10s}
services:
  bomb:
    command: [/bin/sh, -c, 'while [ ! -e $T/go ]; do sleep 0.1; done; while :; do sleep 1000 & done']
    limits: {pids_max: 16}
    on_violation: {pids: stop}
YAML
)
rv_start "$cfg"
wait_for 30 state_is bomb.0 running || fail "bomb not running: $(status_json bomb)"
pid=$(status_json bomb | jq '.services[0].instances[0].pid')
"$RINGVISOR" --socket "$SOCK" events -f --json bomb >"$T/follow.json" 2>"$T/follow.err" &
FOLLOWER=$!
trap 'kill $FOLLOWER 2>/dev/null; rv_cleanup' EXIT
wait_for 30 grep -q '"to":"running"' "$T/follow.json" || fail "the follower has no start: $(cat "$T/follow.json" "$T/follow.err")"
touch "$T/go"
wait_for 60 grep -q '"to":"stopped"' "$T/follow.json" || fail "no stop in the stream: $(cat "$T/follow.json" "$T/follow.err")"
kill $FOLLOWER
# Each line one JSON object; the violation, then the exit, then stopped.
jq -e . "$T/follow.json" >/dev/null || fail "not JSON: $(cat "$T/follow.json")"
seq_of() { jq -r "select($1) | .seq" "$T/follow.json" | head -n 1; }
v=$(seq_of '.event == "violation" and .cause == "pids-max" and .action == "stop"')
x=$(seq_of ".event == \"exit\" and .cause == \"pids-max\" and .pid == $pid")
s=$(seq_of '.event == "state" and .to == "stopped"')
[ -n "$v" ] && [ -n "$x" ] && [ -n "$s" ] && [ "$v" -lt "$x" ] && [ "$x" -lt "$s" ] ||
	fail "expected violation < exit (pid $pid) < stopped, got seqs '$v' '$x' '$s': $(cat "$T/follow.json")"
jq -s -e 'map(select(.event == "exit")) | length == 1 and all(.[]; (.pid | type) == "number" and (.seq | type) == "number")' "$T/follow.json" >/dev/null ||
	fail "not one exit with pid and seq numbers: $(grep '"exit"' "$T/follow.json")"
rv events bomb >"$T/kept.txt" || fail "events bomb exited $?"
grep -qE 'Z bomb\.0 violation cause=pids-max action=stop$' "$T/kept.txt" || fail "no text violation line: $(cat "$T/kept.txt")"
log "violation (seq $v), exit (seq $x, pid $pid), stopped (seq $s) in the stream"
exit 0
