#!/usr/bin/env bash
# Log capture across restarts: logspew writes 100 MiB of numbered lines of
# varied length (every 1000th over 64 KiB) to stdout in bursts, and the
# service is restarted twice while it writes (`ringvisor restart` once the
# log passed 34 and 67 MiB). Each run records exactly how many bytes it
# wrote before SIGTERM stopped it, so the stream is known: the log file
# (max_bytes 0, one file) must equal the concatenation of what every run
# wrote, byte for byte, and the status counters must agree with it. The
# flood takes the direct path (splice) for most of its bytes;
# t_logs_capture_copy.sh runs the same with --log-splice=off.
. "$(dirname "$0")/lib.sh"
LOGSPEW=${LOGSPEW:-}
[ -x "$LOGSPEW" ] || fail "LOGSPEW does not name the logspew binary (integration/run.sh builds it)"
mkdir -p "$T/spew" "$T/logs"
gen=(-m 3000 -L) # the options that shape the stream, for logspew -x
cfg=$(write_config capture.yaml <<YAML
supervisor: {shutdown_timeout: 30s}
services:
  web:
    command: [$LOGSPEW, -s, $T/spew, -t, 100M, -m, "3000", -L, -b, 1M, -p, "5", -r, "3"]
    stop: {signal: SIGTERM, timeout: 30s}
    log: {dir: $T/logs, max_bytes: 0}
YAML
)
file=$T/logs/web.0.log
rv_start "$cfg"
wait_for 10 state_is web.0 running || fail "web.0 not running: $(status_json web | jq -c .services[0].instances[0])"

logsize() { stat -c %s "$file" 2>/dev/null || echo 0; }
size_at_least() { [ "$(logsize)" -ge "$1" ]; }
pid_changed() { local p; p=$(inst web.0 .pid); [ "$p" != null ] && [ "$p" != "$1" ]; }
for mark in 34 67; do
	wait_for 120 size_at_least $((mark << 20)) ||
		fail "the log did not reach $mark MiB (at $(logsize) bytes); log status: $(inst web.0 '.log|tostring')"
	# -r 3: the writer cannot finish before its third run, so it is writing now.
	[ -f "$T/spew/done" ] && fail "the writer finished before the restart at $mark MiB (run $(cat "$T/spew/done"))"
	pid=$(inst web.0 .pid)
	log "restart at $(logsize) bytes (pid $pid)"
	rv restart web.0 || fail "restart web.0 exited $?"
	wait_for 40 pid_changed "$pid" || fail "web.0 did not come back with a new pid after restart (pid $(inst web.0 .pid), state $(inst web.0 .state))"
done
wait_for 240 test -f "$T/spew/done" || fail "the writer did not finish its 100 MiB (run $(($(cat "$T/spew/next") - 1)), log at $(logsize) bytes; log status: $(inst web.0 '.log|tostring'))"
[ "$(cat "$T/spew/done")" -eq 3 ] || fail "the writer finished in run $(cat "$T/spew/done"), expected 3 (two restarts)"
for r in 1 2 3; do
	[ -f "$T/spew/run.$r" ] || fail "run $r has no record of what it wrote (killed instead of stopped?)"
done
for r in 1 2; do
	[ "$(cat "$T/spew/run.$r")" -gt 0 ] || fail "run $r wrote nothing"
done
expected=0
for r in 1 2 3; do expected=$((expected + $(cat "$T/spew/run.$r"))); done
log "runs wrote $(cat "$T/spew/run.1") + $(cat "$T/spew/run.2") + $(cat "$T/spew/run.3") = $expected bytes"
[ "$expected" -ge $((100 << 20)) ] || fail "the writer recorded only $expected bytes"

written() { inst web.0 .log.stdout.bytes_written; }
all_written() { [ "$(logsize)" -ge "$expected" ] && [ "$(written)" -ge "$expected" ]; }
wait_for 60 all_written || fail "the log has $(logsize) bytes and status says $(written) written, of $expected"
sleep 0.5 # anything beyond the expected bytes would show now
[ "$(logsize)" -eq "$expected" ] || fail "the log has $(logsize) bytes, the writer wrote $expected"

"$LOGSPEW" -s "$T/spew" -x "${gen[@]}" >"$T/expected" || fail "logspew -x failed"
[ "$(stat -c %s "$T/expected")" -eq "$expected" ] || fail "logspew -x regenerated $(stat -c %s "$T/expected") bytes, not $expected"
if ! cmp "$T/expected" "$file" >"$T/cmp" 2>&1; then
	off=$(awk '{print $5; exit}' "$T/cmp" | tr -d ,)
	echo "--- cmp: $(cat "$T/cmp")" >&2
	if [ -n "$off" ]; then
		from=$((off > 120 ? off - 120 : 1))
		echo "--- expected from byte $from:" >&2; tail -c +"$from" "$T/expected" | head -c 240 | cat -v >&2; echo >&2
		echo "--- log from byte $from:" >&2; tail -c +"$from" "$file" | head -c 240 | cat -v >&2; echo >&2
	fi
	fail "the log differs from what the writer wrote"
fi
log "log file and written stream are identical ($expected bytes, sha256 $(sha256sum <"$file" | cut -c1-16)...)"

# Status agrees: every byte in and out, nothing dropped, one stream.
st=$(status_json web.0 | jq -c '.services[0].instances[0].log')
log "status log: $st"
get() { jq -r "$1" <<<"$st"; }
[ "$(get .stdout.bytes_in)" -eq "$expected" ] || fail "bytes_in is $(get .stdout.bytes_in), not $expected"
[ "$(get .stdout.bytes_written)" -eq "$expected" ] || fail "bytes_written is $(get .stdout.bytes_written), not $expected"
for k in dropped_bytes dropped_lines write_errors rotations; do
	[ "$(get ".stdout.$k")" -eq 0 ] || fail "$k is $(get ".stdout.$k"), not 0"
done
# lines_in counts the lines the framer saw: all of them when nothing went
# by splice (--log-splice=off: t_logs_capture_copy.sh), fewer when the
# flood took the direct path (spliced_bytes).
lines=$(wc -l <"$file")
spliced=$(get .stdout.spliced_bytes)
if [ "${RV_LOG_SPLICE:-auto}" = off ]; then
	[ "$spliced" -eq 0 ] || fail "spliced_bytes is $spliced with --log-splice=off"
	[ "$(get .stdout.lines_in)" -eq "$lines" ] || fail "lines_in is $(get .stdout.lines_in), the file has $lines lines"
else
	[ "$spliced" -gt 0 ] && [ "$spliced" -le "$expected" ] || fail "spliced_bytes is $spliced of $expected: the flood never took the direct path"
	[ "$(get .stdout.lines_in)" -lt "$lines" ] || fail "lines_in is $(get .stdout.lines_in) of the file's $lines lines with $spliced bytes spliced"
	log "spliced $spliced of $expected bytes; lines_in $(get .stdout.lines_in) of $lines"
fi
[ "$(get .stdout.last_error)" = null ] || fail "last_error is $(get .stdout.last_error)"
[ "$(get .stdout.merged)" = true ] || fail "stdout.merged is $(get .stdout.merged) (stderr: merge is the default)"
[ "$(get .stderr)" = null ] || fail "a merged instance shows a stderr stream: $(get .stderr)"
[ "$(get .stdout.file)" = "$file" ] || fail "stdout.file is $(get .stdout.file), not $file"
[ -z "$(ls "$T/logs" | grep -vx web.0.log)" ] || fail "unexpected files in the log dir: $(ls "$T/logs")"
exit 0
