#!/usr/bin/env bash
# A full disk: two services log into their own 256 KiB tmpfs, writing
# 3 MiB and 1 MiB (a flood's pipe grows to 1 MiB, so 1 MiB could wait in
# it without the writer ever blocking). `hold` (no rate limit) is held back: status counts it (held_back,
# held, last_error says no space), the daemon answers status throughout,
# and each time space is freed (the live file truncated) writing resumes,
# until every byte is written: the counters add up and the file is the
# exact tail of the stream. `drop` (a rate limit set, too high ever to drop
# for rate) finds its disk already full (a filler file): its writer is not
# held back, every line is dropped and counted, and once the filler is
# removed a marker line precedes the next line; the markers in the file add
# up to the drop counters, and every other line is a whole line, in order.
. "$(dirname "$0")/lib.sh"
LOGSPEW=${LOGSPEW:-}
[ -x "$LOGSPEW" ] || fail "LOGSPEW does not name the logspew binary (integration/run.sh builds it)"
mkdir -p "$T/s1" "$T/s2" "$T/full1" "$T/full2"
for m in full1 full2; do
	mount -t tmpfs -o size=256k,mode=0755 "rv-$TEST_NAME" "$T/$m" 2>"$T/mount.err" ||
		skip "cannot mount a tmpfs for the full disk ($(cat "$T/mount.err"))"
	at_exit "umount '$T/$m' 2>/dev/null || umount -l '$T/$m'"
done
head -c 1M /dev/zero >"$T/full2/filler" 2>/dev/null # ENOSPC: it takes every block
[ "$(stat -f -c %a "$T/full2")" -eq 0 ] || fail "the filler left $(stat -f -c %a "$T/full2") blocks free"
cfg=$(write_config full.yaml <<YAML
supervisor: {shutdown_timeout: 10s}
services:
  hold:
    command: [$LOGSPEW, -s, $T/s1, -t, 3M, -m, "200", -b, 64K]
    log: {dir: $T/full1, max_bytes: 0}
  drop:
    command: [$LOGSPEW, -s, $T/s2, -t, 1M, -m, "200", -b, 64K, -a, tick, -k, "100"]
    log: {dir: $T/full2, max_bytes: 0, rate_limit: {bytes_per_s: 1G, burst: 1G}}
YAML
)
rv_start "$cfg"
lg() { status_json "$1" | jq -r ".services[0].instances[0].log.stdout.$2"; }
responsive() {
	local i
	for i in 1 2 3; do
		timeout 10 "$RINGVISOR" --socket "$SOCK" status >/dev/null || fail "status did not answer within 10 s while the disk is full ($1)"
	done
}

# 1. hold: the disk fills, the writer is held back, status says why.
held() { [ "$(lg hold.0 held_back)" -ge 1 ]; }
wait_for 60 held || fail "hold.0 never counted as held back: $(status_json hold.0 | jq -c .services[0].instances[0].log)"
nospace() { lg hold.0 last_error | grep -qiE 'space|ENOSPC'; }
wait_for 20 nospace || fail "hold.0's last_error does not mention the full disk: $(lg hold.0 last_error)"
responsive "hold held back"
[ -f "$T/s1/done" ] && fail "the hold writer finished 3 MiB on a 256 KiB disk: it was not held back"
[ "$(lg hold.0 dropped_bytes)" -eq 0 ] || fail "hold.0 dropped $(lg hold.0 dropped_bytes) bytes without a rate limit"
[ "$(inst hold.0 .state)" = running ] || fail "hold.0 is $(inst hold.0 .state)"
log "held: $(status_json hold.0 | jq -c .services[0].instances[0].log.stdout)"
[ "$(lg hold.0 held)" = true ] || fail "hold.0 is not shown as held now: $(lg hold.0 held)"

# 2. drop: its disk was full from the start (a filler file took every
# block), so nothing reaches the file; the writer is not held back, every
# line is dropped and counted (whatever the reason: the full disk, or the
# staging buffer full behind a write in flight; a rate limit means drop).
wait_for 60 test -f "$T/s2/done" || fail "the drop writer (rate_limit set) did not finish: held back by the full disk? $(status_json drop.0 | jq -c .services[0].instances[0].log)"
dropped() { [ "$(lg drop.0 dropped_bytes)" -gt 0 ] && [ "$(lg drop.0 dropped_lines)" -gt 0 ]; }
wait_for 20 dropped || fail "drop.0 counts no drops: $(status_json drop.0 | jq -c .services[0].instances[0].log)"
nospace2() { lg drop.0 last_error | grep -qiE 'space|ENOSPC'; }
wait_for 20 nospace2 || fail "drop.0's last_error does not mention the full disk: $(lg drop.0 last_error)"
responsive "drop dropping"
st=$(status_json drop.0 | jq -c .services[0].instances[0].log.stdout)
log "dropping: $st"
[ "$(jq .bytes_in <<<"$st")" -ge "$(cat "$T/s2/run.1")" ] || fail "drop.0 bytes_in < the $(cat "$T/s2/run.1") bytes written: $st"
[ "$(jq .bytes_written <<<"$st")" -eq 0 ] || fail "drop.0 wrote bytes to a disk that was full from the start: $st"
[ "$(stat -c %s "$T/full2/drop.0.log")" -eq 0 ] || fail "drop.0.log is not empty on a full disk"
# One snapshot: every byte read is written, dropped or still buffered
# (buffered may also hold drop markers, which are not input).
jq -e '.bytes_in <= .bytes_written + .dropped_bytes + .buffered' <<<"$st" >/dev/null || fail "drop.0: bytes_in > bytes_written + dropped_bytes + buffered: $st"
# Free space: the ticks written from now on must reach the file, after a marker.
rm "$T/full2/filler" || fail "cannot remove the filler"
marker_re='^\[ringvisor: dropped [0-9]+ bytes in [0-9]+ lines [(][^)]*[)]\]$'
marker_then_tick() { grep -A1 -E "$marker_re" "$T/full2/drop.0.log" | grep -qE '^run 1 tick [0-9]+$'; }
wait_for 30 marker_then_tick || fail "no drop marker followed by a new line after space was freed; drop.0.log: $(head -c 300 "$T/full2/drop.0.log" | cat -v)"
log "first marker: $(grep -m1 -E "$marker_re" "$T/full2/drop.0.log")"
# No truncation here: every marker ever written is in the file. They add up
# to the counters, and the bytes written beyond the input kept are theirs.
snap_idle() { st=$(status_json drop.0 | jq -c .services[0].instances[0].log.stdout); [ "$(jq .buffered <<<"$st")" -eq 0 ]; }
wait_for 30 snap_idle || fail "drop.0 still has buffered bytes after space was freed: $st"
read -r m_bytes m_lines < <(grep -E "$marker_re" "$T/full2/drop.0.log" |
	sed -E 's/^\[ringvisor: dropped ([0-9]+) bytes in ([0-9]+) lines.*/\1 \2/' | awk '{b += $1; l += $2} END {print b + 0, l + 0}')
m_len=$(grep -E "$marker_re" "$T/full2/drop.0.log" | wc -c)
log "markers: $(grep -cE "$marker_re" "$T/full2/drop.0.log") ($m_len bytes) say $m_bytes bytes in $m_lines lines; status: $st"
[ "$m_bytes" -eq "$(jq .dropped_bytes <<<"$st")" ] && [ "$m_lines" -eq "$(jq .dropped_lines <<<"$st")" ] ||
	fail "the markers in drop.0.log add up to $m_bytes bytes in $m_lines lines, status counts $(jq .dropped_bytes <<<"$st") in $(jq .dropped_lines <<<"$st"); markers: $(grep -E "$marker_re" "$T/full2/drop.0.log" | head -n 5 | tr '\n' ' ')"
[ "$(jq '.bytes_written + .dropped_bytes - .bytes_in' <<<"$st")" -eq "$m_len" ] ||
	fail "bytes_written + dropped_bytes - bytes_in is $(jq '.bytes_written + .dropped_bytes - .bytes_in' <<<"$st"), the markers written are $m_len bytes"
# Every other line is a whole line of the writer's, in the order written.
"$LOGSPEW" -s "$T/s2" -x -m 200 >"$T/expected2" || fail "logspew -x failed"
awk -v re="$marker_re" 'NR == FNR { want[$0] = 1; next }
	$0 ~ re || /^run 1 tick [0-9]+$/ { next }
	!($0 in want) { print "line " FNR " is not one of the writer'\''s: " substr($0, 1, 80); exit 1 }
	$4 + 0 <= last && FNR > 1 { print "line " FNR " (line " $4 ") after line " last; exit 1 }
	{ last = $4 + 0 }' "$T/expected2" "$T/full2/drop.0.log" >&2 || fail "drop.0.log has a cut, changed or misplaced line"

# 3. hold again: free space until everything is written; it must resume each time.
finished() { [ -f "$T/s1/done" ] && [ "$(lg hold.0 bytes_written)" -ge "$(cat "$T/s1/run.1")" ]; }
for round in $(seq 1 30); do
	finished && break
	before=$(lg hold.0 bytes_written)
	: >"$T/full1/hold.0.log" || fail "cannot truncate hold.0.log"
	grew() { [ "$(lg hold.0 bytes_written)" -gt "$before" ]; }
	wait_for 40 grew || fail "round $round: writing did not resume after space was freed (bytes_written stays $before; last_error $(lg hold.0 last_error))"
	# Until the disk is full again or everything is written.
	full_again() { finished || [ "$(stat -f -c %a "$T/full1")" -le 4 ]; }
	wait_for 40 full_again || fail "round $round: hold.0 neither filled the disk again ($(stat -f -c %a "$T/full1") blocks free) nor finished; status $(status_json hold.0 | jq -c .services[0].instances[0].log.stdout); writer: $(grep -E "^(State|SigQ)" /proc/$(inst hold.0 .pid)/status | tr -s "\t\n" "  ")wchan $(cat /proc/$(inst hold.0 .pid)/wchan)"
	responsive "round $round"
done
finished || fail "hold.0 did not write everything after 30 rounds of freeing space ($(lg hold.0 bytes_written) bytes written)"
total=$(cat "$T/s1/run.1")
sleep 0.3
st=$(status_json hold.0 | jq -c '.services[0].instances[0].log.stdout')
log "hold done after $round rounds: $st"
get() { jq -r ".$1" <<<"$st"; }
[ "$(get bytes_in)" -eq "$total" ] || fail "hold bytes_in $(get bytes_in) != $total written"
[ "$(get bytes_written)" -eq "$total" ] || fail "hold bytes_written $(get bytes_written) != $total written"
[ "$(get dropped_bytes)" -eq 0 ] && [ "$(get dropped_lines)" -eq 0 ] || fail "hold dropped $(get dropped_bytes) bytes in $(get dropped_lines) lines"
[ "$(get buffered)" -eq 0 ] && [ "$(get held)" = false ] || fail "hold.0 still has $(get buffered) bytes buffered or is held ($(get held))"
"$LOGSPEW" -s "$T/s1" -x -m 200 >"$T/expected" || fail "logspew -x failed"
size=$(stat -c %s "$T/full1/hold.0.log")
[ "$size" -gt 0 ] || fail "hold.0.log is empty after the last round"
tail -c "$size" "$T/expected" | cmp - "$T/full1/hold.0.log" >&2 || fail "hold.0.log ($size bytes) is not the tail of the stream: bytes lost or doubled across the full disk"
grep -q "$T/full1/hold.0.log" "$T/daemon.log" || fail "the daemon log does not name the full log file"
exit 0
