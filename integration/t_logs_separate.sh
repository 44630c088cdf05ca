#!/usr/bin/env bash
# Streams, timestamps and defaults. `stderr: separate` puts stderr in
# `sep.0.err.log` and stdout in `sep.0.log`, each in order, with a stderr
# object in status and `logs` printing stdout then stderr; `merge` (the
# default) keeps both in one file in the exact order written (merged: true,
# no stderr object); `timestamps: true` prefixes every line with an RFC 3339
# UTC time with milliseconds and a space, within the test's run time; with
# a dir, forward defaults to none (nothing on the daemon's stdout) unless
# set to stdout.
. "$(dirname "$0")/lib.sh"
dir=$T/logs
mkdir -p "$dir"
both='for i in $(seq 1 20); do echo "out $i"; echo "err $i" >&2; done; exec sleep 1000'
cfg=$(write_config separate.yaml <<YAML
supervisor:
  shutdown_timeout: 10s
  log: {dir: $dir, max_bytes: 0}
services:
  sep:
    command: [/bin/sh, -c, '$both']
    log: {stderr: separate}
  mrg:
    command: [/bin/sh, -c, '$both']
  ts:
    command: [/bin/sh, -c, 'for i in 1 2 3 4 5; do echo "tick \$i"; sleep 0.1; done; exec sleep 1000']
    log: {timestamps: true}
  fw:
    command: [/bin/sh, -c, 'echo forwarded line; exec sleep 1000']
    log: {forward: stdout}
YAML
)
t0=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
rv_start "$cfg"
nlines() { [ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2" ]; }
wait_for 10 nlines "$dir/sep.0.log" 20 || fail "sep.0.log does not have 20 lines: $(ls -l "$dir")"
wait_for 10 nlines "$dir/sep.0.err.log" 20 || fail "sep.0.err.log does not have 20 lines: $(ls -l "$dir")"
wait_for 10 nlines "$dir/mrg.0.log" 40 || fail "mrg.0.log does not have 40 lines"
wait_for 10 nlines "$dir/ts.0.log" 5 || fail "ts.0.log does not have 5 lines"
wait_for 10 nlines "$dir/fw.0.log" 1 || fail "fw.0.log does not have its line"
wait_for 10 grep -q '^fw\.0| forwarded line$' "$T/daemon.out" || fail "fw (forward: stdout) is not on the daemon's stdout: $(head -c 300 "$T/daemon.out")"
sleep 0.3
t1=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)

# separate
diff <(seq 1 20 | sed 's/^/out /') "$dir/sep.0.log" >&2 || fail "sep.0.log is not exactly out 1..20"
diff <(seq 1 20 | sed 's/^/err /') "$dir/sep.0.err.log" >&2 || fail "sep.0.err.log is not exactly err 1..20"
[ -e "$dir/mrg.0.err.log" ] && fail "merge mode made mrg.0.err.log"
st=$(status_json sep.0 | jq -c '.services[0].instances[0].log')
log "sep status: $st"
[ "$(jq -r .stdout.file <<<"$st")" = "$dir/sep.0.log" ] || fail "sep stdout.file is $(jq -r .stdout.file <<<"$st")"
[ "$(jq -r .stderr.file <<<"$st")" = "$dir/sep.0.err.log" ] || fail "sep stderr.file is $(jq -r .stderr.file <<<"$st")"
[ "$(jq -r .stdout.merged <<<"$st")" != true ] || fail "sep stdout says merged"
[ "$(jq -r .stdout.bytes_written <<<"$st")" -eq "$(stat -c %s "$dir/sep.0.log")" ] || fail "sep stdout.bytes_written != the file's size"
[ "$(jq -r .stderr.bytes_written <<<"$st")" -eq "$(stat -c %s "$dir/sep.0.err.log")" ] || fail "sep stderr.bytes_written != the file's size"
[ "$(jq -r .stderr.lines_in <<<"$st")" -eq 20 ] || fail "sep stderr.lines_in is $(jq -r .stderr.lines_in <<<"$st"), not 20"
rv logs sep.0 -n 100 >"$T/seplogs" || fail "logs sep.0 exited $?"
diff <(seq 1 20 | sed 's/^/out /'; seq 1 20 | sed 's/^/err /') "$T/seplogs" >&2 || fail "logs sep.0 is not stdout's lines then stderr's"

# merge: the order written.
for i in $(seq 1 20); do echo "out $i"; echo "err $i"; done >"$T/mrg.want"
diff "$T/mrg.want" "$dir/mrg.0.log" >&2 || fail "mrg.0.log is not out/err interleaved in the order written"
st=$(status_json mrg.0 | jq -c '.services[0].instances[0].log')
[ "$(jq -r .stdout.merged <<<"$st")" = true ] || fail "mrg stdout.merged is not true: $st"
[ "$(jq -r .stderr <<<"$st")" = null ] || fail "mrg has a stderr object: $st"
[ "$(jq -r .stdout.lines_in <<<"$st")" -eq 40 ] || fail "mrg lines_in is $(jq -r .stdout.lines_in <<<"$st"), not 40"

# timestamps
i=0
while IFS= read -r line; do
	i=$((i + 1))
	[[ $line =~ ^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z)\ (.*)$ ]] || fail "ts line $i has no RFC 3339 UTC ms prefix: '$line'"
	ts=${BASH_REMATCH[1]} rest=${BASH_REMATCH[2]}
	[ "$rest" = "tick $i" ] || fail "ts line $i is '$rest' after its timestamp, not 'tick $i'"
	[[ ! $ts < $t0 && ! $ts > $t1 ]] || fail "ts line $i: $ts is outside the test's run [$t0, $t1]"
	[ -z "${prev:-}" ] || [[ ! $ts < $prev ]] || fail "ts line $i: $ts is before the previous line's $prev"
	prev=$ts
	date -u -d "$ts" >/dev/null 2>&1 || fail "ts line $i: '$ts' is not a valid date"
done <"$dir/ts.0.log"
[ $i -eq 5 ] || fail "ts.0.log has $i lines, not 5"
rv logs ts.0 -n 5 | grep -c '^tick [1-5]$' | grep -qx 5 || fail "logs ts.0 (the tail) does not have the 5 tick lines: $(rv logs ts.0 -n 5 | head -n 2)"

# forward defaults to none with a dir: only fw.0 on the daemon's stdout.
grep -v '^fw\.0| ' "$T/daemon.out" | head -n 3 >"$T/other"
[ -s "$T/other" ] && fail "with a dir, other services were forwarded too: $(cat "$T/other")"
exit 0
