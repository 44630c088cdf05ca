#!/usr/bin/env bash
# A rate limit drops what is over the rate, counted, and says so in the
# file. `fast` writes 4000 lines of 100 bytes at once with a limit of 4 KiB
# a second (burst 4 KiB): the writer is never held back and finishes, most
# lines are dropped, and a marker line precedes the next line that passes
# (its "last", written once the bucket has refilled).
# The accounting is exact: every byte read was written, dropped, or is a
# marker; every non-marker line in the file is one of the writer's, whole
# and in order. `slow` writes below its limit and loses nothing.
# `burst` writes as `fast` does and then nothing more: the drops after its
# last line that passed are marked in the file at once, not only before a
# next line that may never come (a daemon SIGKILLed meanwhile took their
# count with it: found by the chaos soak, bench/soak.sh).
. "$(dirname "$0")/lib.sh"
dir=$T/logs
mkdir -p "$dir"
cfg=$(write_config rate.yaml <<YAML
supervisor:
  shutdown_timeout: 10s
  log: {dir: $dir, max_bytes: 0}
services:
  fast:
    command: [/bin/sh, -c, 'i=0; while [ \$i -lt 4000 ]; do printf "%099d\n" \$i; i=\$((i+1)); done; sleep 1.5; echo last; exec sleep 1000']
    log: {rate_limit: {bytes_per_s: 4K, burst: 4K}}
  burst:
    command: [/bin/sh, -c, 'i=0; while [ \$i -lt 4000 ]; do printf "%099d\n" \$i; i=\$((i+1)); done; exec sleep 1000']
    log: {rate_limit: {bytes_per_s: 4K, burst: 4K}}
  slow:
    command: [/bin/sh, -c, 'for i in 1 2 3 4 5; do echo "slow \$i"; sleep 0.2; done; exec sleep 1000']
    log: {rate_limit: {bytes_per_s: 4K}}
YAML
)
rv_start "$cfg"
lg() { status_json "$1" | jq -r ".services[0].instances[0].log.stdout.$2"; }
all_in() { [ "$(lg fast.0 bytes_in)" -eq $((4000 * 100 + 5)) ]; }
wait_for 20 all_in || fail "fast.0 read $(lg fast.0 bytes_in) bytes, not 400005: held back by its rate limit?"
[ "$(lg fast.0 held_back)" -eq 0 ] || fail "fast.0 was held back $(lg fast.0 held_back) times: a rate limit drops, it does not hold back"
dropped=$(lg fast.0 dropped_bytes)
[ "$dropped" -ge 300000 ] || fail "fast.0 dropped only $dropped bytes of 400005 at 4 KiB/s"
idle() { [ "$(lg fast.0 buffered)" -eq 0 ]; }
wait_for 10 idle || fail "fast.0 keeps $(lg fast.0 buffered) bytes buffered"
# A marker goes out before the first line that passes after drops; drops
# after the last line that passed stay counted but not yet marked.
file=$dir/fast.0.log
marker_re='^\[ringvisor: dropped [0-9]+ bytes in [0-9]+ lines \(rate limit\)\]$'
grep -qE "$marker_re" "$file" || fail "no rate-limit marker in fast.0.log: $(head -c 300 "$file")"
[ "$(tail -n 1 "$file")" = last ] || fail "fast.0.log does not end with the writer's last line: $(tail -c 200 "$file")"
tail -n 2 "$file" | head -n 1 | grep -qE "$marker_re" || fail "no marker just before the line that passed after the drops: $(tail -n 2 "$file" | head -c 200)"
st=$(status_json fast.0 | jq -c '.services[0].instances[0].log.stdout')
log "fast: $st"
read -r m_bytes m_lines < <(grep -E "$marker_re" "$file" |
	sed -E 's/^\[ringvisor: dropped ([0-9]+) bytes in ([0-9]+) lines.*/\1 \2/' | awk '{b += $1; l += $2} END {print b + 0, l + 0}')
m_len=$(grep -E "$marker_re" "$file" | wc -c)
pend_bytes=$(( $(jq .dropped_bytes <<<"$st") - m_bytes ))
pend_lines=$(( $(jq .dropped_lines <<<"$st") - m_lines ))
# What no marker reports yet can only be the drops after the last line.
[ "$pend_bytes" -ge 0 ] && [ "$pend_lines" -ge 0 ] ||
	fail "the markers report $m_bytes bytes in $m_lines lines, more than status counts: $st"
[ "$(jq '.bytes_written + .dropped_bytes - .bytes_in' <<<"$st")" -eq "$m_len" ] ||
	fail "bytes_written + dropped_bytes - bytes_in is not the $m_len bytes of markers: $st"
[ "$(jq .lines_in <<<"$st")" -eq 4001 ] || fail "lines_in is $(jq .lines_in <<<"$st"), not the 4001 lines read (dropped ones included)"
[ "$(stat -c %s "$file")" -eq "$(jq .bytes_written <<<"$st")" ] || fail "fast.0.log has $(stat -c %s "$file") bytes, status says $(jq .bytes_written <<<"$st") written"
# Every other line is whole, one of the writer's, in order.
awk -v re="$marker_re" '$0 ~ re { next }
	$0 == "last" { next }
	length($0) != 99 || $0 !~ /^[0-9]+$/ { print "line " NR " is not a whole line of the writer: " substr($0, 1, 60); exit 1 }
	$0 + 0 <= last && NR > 1 { print "line " NR " is out of order"; exit 1 }
	{ last = $0 + 0 }' "$file" >&2 || fail "fast.0.log has a cut or misplaced line"
# burst: once all is read and written, the markers count every drop.
burst_done() { [ "$(lg burst.0 bytes_in)" -eq $((4000 * 100)) ] && [ "$(lg burst.0 buffered)" -eq 0 ]; }
wait_for 20 burst_done || fail "burst.0 read $(lg burst.0 bytes_in) bytes of 400000, $(lg burst.0 buffered) buffered"
read -r b_bytes b_lines < <(grep -E "$marker_re" "$dir/burst.0.log" |
	sed -E 's/^\[ringvisor: dropped ([0-9]+) bytes in ([0-9]+) lines.*/\1 \2/' | awk '{b += $1; l += $2} END {print b + 0, l + 0}')
[ "$b_lines" -eq "$(lg burst.0 dropped_lines)" ] && [ "$b_bytes" -eq "$(lg burst.0 dropped_bytes)" ] ||
	fail "burst.0: the markers in its file count $b_bytes bytes in $b_lines lines, status $(lg burst.0 dropped_bytes) in $(lg burst.0 dropped_lines): drops after the last line that passed are not in the file"
log "burst: $b_lines dropped lines, all marked in the file"
# Below its limit nothing is lost.
five() { [ "$(wc -l <"$dir/slow.0.log")" -eq 5 ]; }
wait_for 10 five || fail "slow.0.log has $(wc -l <"$dir/slow.0.log") lines, not 5"
[ "$(lg slow.0 dropped_bytes)" -eq 0 ] || fail "slow.0 dropped $(lg slow.0 dropped_bytes) bytes below its rate"
exit 0
