#!/usr/bin/env bash
# The direct path (docs/logs.md): a flood moves from the pipe to the file
# by splice, and nothing a user sees of the log changes but lines_in.
# - flood: logspew writes 6 MiB of numbered lines in 1 MiB bursts into a
#   file of max_bytes 1M, backups 9: most bytes go by splice
#   (spliced_bytes), the framed path takes over within 64 KiB of max_bytes
#   so each rotation falls between lines: every file at most 1 MiB, whole
#   lines only, and .6 .. .1 live together are exactly what was written;
#   bytes_in = bytes_written = what was written, nothing dropped.
# - `logs flood -n 3` after the flood: the tail was cleared as bytes went
#   by, so the last 3 lines come from the file, and are the last written.
# - a follower (`logs -f`) takes the stream back to the framed path: the
#   ticks written while it follows reach it, and lines_in counts them; the
#   file still has every byte in order.
# - quiet: a service writing a line now and then never takes the direct
#   path: spliced_bytes 0, lines_in exact, its tail answers `logs`.
# --log-splice=off (RV_LOG_SPLICE=off) is t_logs_capture_copy.sh's.
. "$(dirname "$0")/lib.sh"
LOGSPEW=${LOGSPEW:-}
[ -x "$LOGSPEW" ] || fail "LOGSPEW does not name the logspew binary (integration/run.sh builds it)"
mkdir -p "$T/spew" "$T/logs"
cfg=$(write_config splice.yaml <<YAML
supervisor: {shutdown_timeout: 10s}
services:
  flood:
    command: [$LOGSPEW, -s, $T/spew, -t, 6M, -m, "300", -b, 1M, -p, "20", -a, tick, -k, "100"]
    log: {dir: $T/logs, max_bytes: 1M, backups: 9}
  quiet:
    command: [/bin/sh, -c, 'for i in \$(seq 1 40); do echo "q \$i"; sleep 0.01; done; exec sleep 1000']
    log: {dir: $T/logs}
YAML
)
rv_start "$cfg"
lg() { status_json "$1" | jq -r ".services[0].instances[0].log.stdout.$2"; }
wait_for 60 test -f "$T/spew/done" || fail "the writer did not finish: $(status_json flood.0 | jq -c .services[0].instances[0].log)"
total=$(cat "$T/spew/run.1")
all_in() { [ "$(lg flood.0 bytes_written)" -ge "$total" ]; }
wait_for 20 all_in || fail "bytes_written $(lg flood.0 bytes_written) of $total"
st=$(status_json flood.0 | jq -c '.services[0].instances[0].log.stdout')
log "after the flood: $st"
get() { jq -r ".$1" <<<"$st"; }
[ "$(get spliced_bytes)" -gt $((total / 2)) ] || fail "spliced_bytes $(get spliced_bytes): most of the $total bytes should have gone by splice"
[ "$(get rotations)" -ge 5 ] || fail "$(get rotations) rotations for $total bytes at max_bytes 1M"
for k in dropped_bytes dropped_lines write_errors; do
	[ "$(get $k)" -eq 0 ] || fail "$k is $(get $k)"
done
[ "$(get bytes_in)" -eq "$(get bytes_written)" ] || fail "bytes_in $(get bytes_in) != bytes_written $(get bytes_written)"

# Every file: at most 1 MiB, whole lines of the writer's; together, the stream.
base=$T/logs/flood.0.log
files=()
for n in 9 8 7 6 5 4 3 2 1; do [ -f "$base.$n" ] && files+=("$base.$n"); done
files+=("$base")
for f in "${files[@]}"; do
	sz=$(stat -c %s "$f")
	[ "$sz" -le 1048576 ] || fail "$f has $sz bytes, more than max_bytes"
	[ "$sz" -eq 0 ] || [ -z "$(tail -c 1 "$f")" ] || fail "$f does not end with a newline (a rotation cut a line)"
	[ "$sz" -eq 0 ] || head -c 11 "$f" | grep -qE '^run 1 (line|tick)' || fail "$f does not start with a whole line: $(head -c 40 "$f" | cat -v)"
done
"$LOGSPEW" -s "$T/spew" -x -m 300 >"$T/expected" || fail "logspew -x failed"
# The ticks after the total are in the files too: compare the lines up to it.
cat "${files[@]}" | head -c "$total" | cmp - "$T/expected" >&2 || fail "the files, oldest first, are not what was written"
cat "${files[@]}" | tail -c +$((total + 1)) | grep -qv '^run 1 tick [0-9]*$' && fail "after the total, a line that is not a tick"

# The tail went with the flood: -n 3 reads the file back.
rv logs flood.0 -n 3 >"$T/n3" || fail "logs flood.0 -n 3 exited $?"
last3() { cat "${files[@]}" | tail -n 3; }
sleep 0.3   # a tick between the two reads would shift them
[ "$(wc -l <"$T/n3")" -eq 3 ] || fail "logs -n 3 gave $(wc -l <"$T/n3") lines: $(cat "$T/n3")"
tail -n 1 "$T/n3" | grep -qE '^run 1 (tick [0-9]+|line [0-9]+ [a-z]*)$' || fail "logs -n 3 does not end with one of the writer's lines: $(cat "$T/n3")"

# A follower: the framed path again, every tick reaches it.
lines0=$(lg flood.0 lines_in)
"$RINGVISOR" --socket "$SOCK" logs flood.0 -f >"$T/follow" 2>"$T/follow.err" &
fpid=$!
at_exit "kill $fpid 2>/dev/null; wait $fpid 2>/dev/null"
sleep 1.5
kill "$fpid"; wait "$fpid" 2>/dev/null
ticks=$(grep -c '^run 1 tick [0-9]*$' "$T/follow")
[ "$ticks" -ge 5 ] || fail "the follower got $ticks ticks in 1.5 s (one every 100 ms): $(head -c 300 "$T/follow")"
[ "$(lg flood.0 lines_in)" -gt "$lines0" ] || fail "lines_in stayed $lines0 while followed: the ticks did not go through the framer"
# Ticks it saw are consecutive, and in the file.
grep '^run 1 tick' "$T/follow" | awk '{print $4}' | awk 'NR > 1 && $1 != prev + 1 {print "tick " $1 " after " prev; exit 1} {prev = $1}' >&2 ||
	fail "the follower missed a tick"
last=$(grep '^run 1 tick' "$T/follow" | tail -n 1)
grep -qx "$last" "$base" || fail "the follower's last line ($last) is not in the live file"

# quiet: never bulk, so never spliced; the tail answers.
q=$(status_json quiet.0 | jq -c '.services[0].instances[0].log.stdout')
[ "$(jq .spliced_bytes <<<"$q")" -eq 0 ] || fail "quiet went by splice: $q"
[ "$(jq .lines_in <<<"$q")" -eq 40 ] || fail "quiet lines_in: $q"
rv logs quiet.0 -n 2 --json >"$T/qj" || fail "logs quiet.0 --json exited $?"
jq -e -s 'map(.lines // [.]) | flatten | map(select(.line != null)) | length == 2 and .[1].line == "q 40" and .[1].seq == .[0].seq + 1' "$T/qj" >/dev/null ||
	fail "quiet's tail (seq numbers: from memory) does not answer -n 2: $(cat "$T/qj")"
exit 0
