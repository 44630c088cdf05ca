#!/usr/bin/env bash
# `ringvisor logs` past the in-memory tail (issue 16): every line carries
# its receive time (-t, "ts" in --json, in the reply and in -f); -n N reads
# back through the log file and its rotated files when the 1K tail is too
# short, exactly the last N lines in order; --since keeps only the lines of
# the last DURATION (from the files' time prefixes); a service without a
# file, or whose file has no times, gets the tail and a note saying why;
# --rotate rotates now and names the file; after a reexec (an empty tail)
# the files still answer; followers get each new line with its time; a
# service's bytes are escaped in text (\xHH), exact with --raw, and every
# --json line is strict JSON.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3; [ -x $PY ] || PY=$(command -v python3)
[ -n "$PY" ] || skip "python3 is not installed (the strict JSON check needs it)"
mkdir -p "$T/logs"
cfg=$(write_config readback.yaml <<YAML
supervisor:
  log: {max_bytes: 4K, backups: 20, timestamps: true, tail: 1K, forward: none}
services:
  fil:
    command: [/bin/sh, -c, 'for i in \$(seq 1 300); do echo "line \$i"; done; exec sleep 1000']
    log: {dir: $T/logs}
  late:
    command: [/bin/sh, -c, 'for i in \$(seq 1 100); do echo "old \$i"; done; sleep 4; for i in \$(seq 1 100); do echo "new \$i"; done; exec sleep 1000']
    log: {dir: $T/logs}
  nots:
    command: [/bin/sh, -c, 'for i in \$(seq 1 200); do echo "nots \$i"; done; exec sleep 1000']
    log: {dir: $T/logs, timestamps: false}
  mem:
    command: [/bin/sh, -c, 'for i in \$(seq 1 200); do echo "mem \$i"; done; exec sleep 1000']
  tick:
    command: [/bin/sh, -c, 'i=1; while :; do echo "tick \$i"; i=\$((i+1)); sleep 0.2; done']
  esc:
    log: {dir: $T/logs}
    command: [/bin/sh, -c, "printf 'bad \\\\377 byte\\\\n\\\\033[2J red\\\\tq\"\\\\\\\\\\\\n'; exec sleep 1000"]
YAML
)
rv_start "$cfg"
ISO='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'

# 1. -n 300 through the rotated files: the 1K tail holds ~40 of them.
wait_for 10 grep -q 'line 300$' "$T/logs/fil.0.log" || fail "fil.0.log does not end with line 300"
[ -f "$T/logs/fil.0.log.2" ] || fail "no rotated files: the test would not read through them"
rv logs fil.0 -n 300 >"$T/n300" 2>"$T/n300.err" || fail "logs -n 300 exited $?: $(cat "$T/n300.err")"
diff <(seq 1 300 | sed 's/^/line /') "$T/n300" >&2 || fail "logs fil.0 -n 300 is not lines 1..300"
rv logs fil.0 -n 123 | diff <(seq 178 300 | sed 's/^/line /') - >&2 || fail "logs -n 123 is not lines 178..300"
rv logs fil -n 5 | diff <(seq 296 300 | sed 's/^/fil.0| line /') - >&2 || fail "logs fil -n 5 lacks the prefix"
# 2. Times: -t puts the receive time first; --json has "ts", strict JSON.
rv logs fil.0 -n 300 -t >"$T/t300" || fail "logs -t exited $?"
[ "$(grep -cE "^$ISO line [0-9]+\$" "$T/t300")" -eq 300 ] || fail "logs -t: not 300 'TIME line N' lines: $(head -3 "$T/t300")"
rv logs fil.0 -n 300 --json >"$T/j300" || fail "logs --json exited $?"
$PY -c '
import json, re, sys
objs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
lines = [l for o in objs for l in o.get("lines", [o])]
assert [l["line"] for l in lines] == ["line %d" % i for i in range(1, 301)], "lines"
assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", l["ts"]) for l in lines), "ts"
' "$T/j300" || fail "logs --json: not the 300 lines each with a ts"

# 3. --since: the "new" lines came 4 s after the "old" ones.
wait_for 15 grep -q 'new 100$' "$T/logs/late.0.log" || fail "late.0.log has no 'new 100'"
rv logs late.0 --since 3s >"$T/since" 2>"$T/since.err" || fail "logs --since 3s exited $?"
diff <(seq 1 100 | sed 's/^/new /') "$T/since" >&2 || fail "logs --since 3s is not exactly the 100 new lines"
rv logs late.0 --since 1h -n 150 | diff <( (seq 51 100 | sed 's/^/old /'; seq 1 100 | sed 's/^/new /') ) - >&2 ||
	fail "logs --since 1h -n 150 is not the last 150 lines"

# 4. No file, or a file without times: the tail, and a note why.
wait_for 10 bash -c "$RINGVISOR --socket $SOCK logs mem.0 | grep -q 'mem 200'" || fail "mem has no 'mem 200'"
rv logs mem.0 -n 200 >"$T/mem" 2>"$T/mem.err" || fail "logs mem.0 exited $?"
n=$(wc -l <"$T/mem")
[ "$n" -gt 10 ] && [ "$n" -lt 200 ] || fail "mem.0 -n 200 printed $n lines, expected the tail's"
grep -q "ringvisor: note: mem.0: only the last $n lines are kept in memory" "$T/mem.err" ||
	fail "no note on the memory-only tail: $(cat "$T/mem.err")"
diff <(seq $((201 - n)) 200 | sed 's/^/mem /') "$T/mem" >&2 || fail "mem.0: the tail is not the last $n lines"
wait_for 10 grep -q 'nots 200$' "$T/logs/nots.0.log" || fail "nots.0.log has no 'nots 200'"
rv logs nots.0 -n 200 | diff <(seq 1 200 | sed 's/^/nots /') - >&2 || fail "nots.0 -n 200 from the file"
rv logs nots.0 --since 1h >/dev/null 2>"$T/nots.err" || fail "logs nots.0 --since exited $?"
grep -q "note: nots.0: --since reaches back only through the in-memory tail" "$T/nots.err" ||
	fail "no note on --since without times: $(cat "$T/nots.err")"

# 5. --rotate: the live file starts empty, .1 holds what it had.
before=$(tail -n 1 "$T/logs/fil.0.log")
rv logs --rotate fil.0 >"$T/rot" || fail "logs --rotate exited $?"
[ "$(cat "$T/rot")" = "rotated $T/logs/fil.0.log" ] || fail "logs --rotate said: $(cat "$T/rot")"
[ ! -s "$T/logs/fil.0.log" ] || fail "fil.0.log is not empty after --rotate"
[ "$(tail -n 1 "$T/logs/fil.0.log.1")" = "$before" ] || fail "fil.0.log.1 does not end with the live file's last line"
rv logs fil.0 -n 300 | diff <(seq 1 300 | sed 's/^/line /') - >&2 || fail "after --rotate, -n 300 is not lines 1..300"
rv logs --rotate mem >/dev/null 2>"$T/rot.err" && fail "logs --rotate of a service without a file succeeded"
grep -q "no log file to rotate" "$T/rot.err" || fail "--rotate mem said: $(cat "$T/rot.err")"
rv logs --rotate fil.0 --json | jq -e --arg f "$T/logs/fil.0.log" '.ok and .rotated == [$f]' >/dev/null ||
	fail "logs --rotate --json does not list the file"

# 6. After a reexec the tail starts empty: the files still answer.
rv reexec >/dev/null || fail "reexec exited $?"
rv logs fil.0 -n 300 2>"$T/re.err" | diff <(seq 1 300 | sed 's/^/line /') - >&2 ||
	fail "after reexec, -n 300 is not lines 1..300 (the empty tail answered?): $(cat "$T/re.err")"
[ "$(rv logs fil.0 -n 3 -t | grep -cE "^$ISO line 29[89]|^$ISO line 300")" -eq 3 ] ||
	fail "after reexec, -t has no times from the file"

# 7. Text escapes control characters and invalid UTF-8 (a pipe too);
# --raw is exact; --json is strict JSON, in the reply and in -f.
wait_for 10 grep -q 'red' "$T/logs/esc.0.log" || fail "esc.0.log has no line 'red'"
rv logs esc.0 >"$T/esc" || fail "logs esc.0 exited $?"
printf '%s\n' 'bad \xff byte' '\x1b[2J red	q"\' | cmp - "$T/esc" || fail "text output not escaped: $(cat -v "$T/esc")"
rv logs esc.0 --raw >"$T/raw" || fail "logs --raw exited $?"
printf 'bad \377 byte\n\033[2J red\tq"\\\n' | cmp - "$T/raw" || fail "--raw is not the bytes written: $(cat -v "$T/raw")"
timeout 3 "$RINGVISOR" --socket "$SOCK" logs esc.0 -f --json -t >"$T/fj"
[ $? -eq 124 ] || fail "logs -f did not keep following"
rv logs esc.0 --json >>"$T/fj"
$PY -c '
import json, sys
text = open(sys.argv[1], "rb").read().decode("utf-8")   # strict: invalid UTF-8 raises
objs = [json.loads(l) for l in text.splitlines()]
lines = [l for o in objs for l in o.get("lines", [o])]
assert len(lines) == 4 and all("ts" in l for l in lines), lines
assert lines[0]["line"] == "bad \ufffd byte" and lines[0]["bytes"] == "YmFkIP8gYnl0ZQ==", lines[0]
assert lines[1]["line"] == "\x1b[2J red\tq\"\\", lines[1]
' "$T/fj" || fail "--json is not strict JSON with ts and bytes: $(cat -v "$T/fj")"
# 8. Followers get the receive time of each new line, close to now.
timeout 2 "$RINGVISOR" --socket "$SOCK" logs tick.0 -n 0 -f --json >"$T/tick"
$PY -c '
import datetime, json, sys
objs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert len(objs) >= 5 and all(o["line"].startswith("tick ") for o in objs), objs
now = datetime.datetime.now(datetime.timezone.utc)
for o in objs:
    ts = datetime.datetime.strptime(o["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    assert abs((now - ts).total_seconds()) < 10, (o, now)
' "$T/tick" || fail "logs -f --json: new lines without a current ts: $(head -3 "$T/tick")"
log "logs: times, read back through rotated files, --since, notes, --rotate, escaping"
