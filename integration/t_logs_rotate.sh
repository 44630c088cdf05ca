#!/usr/bin/env bash
# Size rotation through the daemon: max_bytes 4K, backups 3, a writer of
# 400 KiB in lines of up to ~320 bytes (about a hundred rotations), with
# leftovers `.4` and `.5` planted from an earlier config with more backups.
# Afterwards exactly three old files exist (`.1 .2 .3`, no `.4` or more),
# every file is at most 4096 bytes and holds whole lines (starts with a
# line's start, ends with '\n'), `.3 .2 .1 live` is exactly the tail of
# what was written (so the newest lines are in the live file and `.1` is
# the newest backup), and status counts the rotations.
. "$(dirname "$0")/lib.sh"
LOGSPEW=${LOGSPEW:-}
[ -x "$LOGSPEW" ] || fail "LOGSPEW does not name the logspew binary (integration/run.sh builds it)"
mkdir -p "$T/spew" "$T/logs"
cfg=$(write_config rotate.yaml <<YAML
supervisor: {shutdown_timeout: 10s}
services:
  rot:
    command: [$LOGSPEW, -s, $T/spew, -t, 400K, -m, "300", -b, 16K, -p, "2"]
    log: {dir: $T/logs, max_bytes: 4K, backups: 3}
YAML
)
base=$T/logs/rot.0.log
echo "leftover 4" >"$base.4"
echo "leftover 5" >"$base.5"
rv_start "$cfg"
wait_for 60 test -f "$T/spew/done" || fail "the writer did not finish (log status: $(inst rot.0 '.log|tostring'))"
total=$(cat "$T/spew/run.1")
written() { inst rot.0 .log.stdout.bytes_written; }
all_written() { [ "$(written)" -ge "$total" ]; }
wait_for 30 all_written || fail "status says $(written) bytes written of $total"
sleep 0.3
st=$(status_json rot.0 | jq -c '.services[0].instances[0].log.stdout')
log "status: $st"
get() { jq -r ".$1" <<<"$st"; }
[ "$(get bytes_written)" -eq "$total" ] || fail "bytes_written is $(get bytes_written), the writer wrote $total"
[ "$(get dropped_bytes)" -eq 0 ] || fail "dropped_bytes is $(get dropped_bytes)"
[ "$(get write_errors)" -eq 0 ] || fail "write_errors is $(get write_errors) (last_error $(get last_error))"

# Exactly the live file and three backups.
ls "$T/logs" >"$T/files"
printf '%s\n' rot.0.log rot.0.log.1 rot.0.log.2 rot.0.log.3 >"$T/want"
diff <(sort "$T/files") <(sort "$T/want") >&2 || fail "the log dir holds $(tr '\n' ' ' <"$T/files"), expected the live file and .1 .2 .3"

for f in "$base.3" "$base.2" "$base.1" "$base"; do
	sz=$(stat -c %s "$f")
	[ "$sz" -gt 0 ] || fail "$f is empty"
	[ "$sz" -le 4096 ] || fail "$f has $sz bytes, more than max_bytes 4096"
	[ -z "$(tail -c 1 "$f")" ] || fail "$f does not end with a newline (a line was cut)"
	head -c 11 "$f" | grep -qx 'run 1 line ' || fail "$f does not start with a whole line: $(head -c 40 "$f" | cat -v)"
	grep -qv '^run 1 line [0-9]* [a-z]*$' "$f" && fail "$f has a line that is not one of the writer's: $(grep -v '^run 1 line [0-9]* [a-z]*$' "$f" | head -n 1 | cut -c1-80)"
done

# The four files, oldest first, are the tail of the stream.
cat "$base.3" "$base.2" "$base.1" "$base" >"$T/kept"
kept=$(stat -c %s "$T/kept")
"$LOGSPEW" -s "$T/spew" -x -m 300 >"$T/expected" || fail "logspew -x failed"
[ "$(stat -c %s "$T/expected")" -eq "$total" ] || fail "logspew -x regenerated $(stat -c %s "$T/expected") bytes, not $total"
tail -c "$kept" "$T/expected" | cmp - "$T/kept" >&2 ||
	fail "the rotated files (.3 .2 .1 live, $kept bytes) are not the last $kept bytes written; last line written: $(tail -n 1 "$T/expected" | cut -c1-30), last line of the live file: $(tail -n 1 "$base" | cut -c1-30)"
# Consecutive files continue each other: the line after the last of .2 is the first of .1.
lastno() { tail -n 1 "$1" | awk '{print $4}'; }
firstno() { head -n 1 "$1" | awk '{print $4}'; }
[ $(( $(lastno "$base.1") + 1 )) -eq "$(firstno "$base")" ] || fail ".1 ends at line $(lastno "$base.1"), the live file starts at $(firstno "$base")"

# Rotations: every file holds at most 4096 bytes, so the stream needed at
# least ceil(total / 4096) files, that is one rotation fewer.
min_rot=$(( (total + 4095) / 4096 - 1 ))
[ "$(get rotations)" -ge "$min_rot" ] || fail "rotations is $(get rotations), at least $min_rot were needed for $total bytes"
log "$total bytes, $(get rotations) rotations, last $kept bytes kept in 4 files"
exit 0
