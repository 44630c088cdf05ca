#!/usr/bin/env bash
# `ringvisor logs`: `-n N` prints exactly the last N lines (raw with an
# index, prefixed `svc.0| ` without; default 10; --json objects with seq);
# `-f` from two clients at once shows `slow`'s numbered lines as they are
# written, in order, none missing or doubled; a third follower, of a fast
# writer, is suspended (SIGSTOP): the writer still finishes its 32 MiB, and
# once resumed that client is told how many lines it missed: {"skipped":N}
# before its next line, N matching the gap in the lines' seq numbers.
. "$(dirname "$0")/lib.sh"
LOGSPEW=${LOGSPEW:-}
[ -x "$LOGSPEW" ] || fail "LOGSPEW does not name the logspew binary (integration/run.sh builds it)"
mkdir -p "$T/logs" "$T/spew"
cfg=$(write_config follow.yaml <<YAML
supervisor:
  shutdown_timeout: 10s
  log: {dir: $T/logs, max_bytes: 0}
services:
  static: {command: [/bin/sh, -c, 'for i in \$(seq 1 50); do echo "s \$i"; done; exec sleep 1000']}
  slow: {command: [/bin/sh, -c, 'i=1; while :; do echo "slow \$i"; i=\$((i+1)); sleep 0.2; done']}
  fast: {command: [/bin/sh, -c, 'echo ready; while [ ! -e $T/go ]; do sleep 0.05; done; exec \$0 "\$@"', $LOGSPEW, -s, $T/spew, -t, 32M, -m, "200", -b, 256K, -p, "1", -a, tick, -k, "100"]}
YAML
)
CLIENTS=()
at_exit 'for p in "${CLIENTS[@]}"; do kill -CONT "$p" 2>/dev/null; kill -TERM "$p" 2>/dev/null; done; for p in "${CLIENTS[@]}"; do wait "$p" 2>/dev/null; done'
follow() { # follow OUT ARGS...: a background `logs -f` client, its pid in CLIENTS
	local out=$1; shift
	# A background job of a script starts with SIGINT ignored; perl restores
	# the default, as in an interactive shell, so that SIGINT can be tested.
	perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV or die "exec: $!"' \
		"$RINGVISOR" --socket "$SOCK" logs "$@" -f >"$out" 2>"$out.err" &
	CLIENTS+=($!)
}
rv_start "$cfg"

# 1. -n on a service that wrote 50 lines and went quiet.
static_done() { [ "$(grep -c '^s [0-9]*$' "$T/logs/static.0.log" 2>/dev/null)" -eq 50 ]; }
wait_for 10 static_done || fail "static.0.log does not have its 50 lines"
rv logs static.0 -n 7 >"$T/n7" || fail "logs static.0 -n 7 exited $?"
diff <(seq 44 50 | sed 's/^/s /') "$T/n7" >&2 || fail "logs static.0 -n 7 is not lines 44..50"
rv logs static.0 >"$T/n10" || fail "logs static.0 exited $?"
diff <(seq 41 50 | sed 's/^/s /') "$T/n10" >&2 || fail "logs static.0 (default) is not the last 10 lines"
rv logs static -n 3 >"$T/n3" || fail "logs static -n 3 exited $?"
diff <(seq 48 50 | sed 's/^/static.0| s /') "$T/n3" >&2 || fail "logs static -n 3 is not the last 3 lines prefixed 'static.0| '"
rv logs static.0 -n 2 --json >"$T/nj" || fail "logs static.0 -n 2 --json exited $?"
jq -e -s 'map(.lines // [.]) | flatten | map(select(.line != null)) | length == 2 and .[0].line == "s 49" and .[1].line == "s 50" and .[1].seq == .[0].seq + 1 and .[0].service == "static" and .[0].index == 0 and .[0].stream == "stdout"' "$T/nj" >/dev/null ||
	fail "logs --json does not have lines s 49, s 50 with consecutive seq: $(cat "$T/nj")"
rv logs static.0 -n 1000 | diff <(seq 1 50 | sed 's/^/s /') - >&2 || fail "logs -n 1000 is not all 50 lines"
rv logs nosuch -n 1 >/dev/null 2>&1 && fail "logs of an unknown service succeeded"

# 2. Two followers of slow at once.
wait_for 10 grep -q '^slow 3$' "$T/logs/slow.0.log" || fail "slow.0.log has no 'slow 3'"
follow "$T/f1" slow.0
follow "$T/f2" slow.0
last_in_file() { tail -n 1 "$T/logs/slow.0.log" | awk '{print $2}'; }
target=$(( $(last_in_file) + 15 ))
for f in f1 f2; do
	wait_for 30 grep -q "^slow $target\$" "$T/$f" ||
		fail "follower $f did not show 'slow $target' (the file is at $(last_in_file)): $(tail -n 3 "$T/$f") $(cat "$T/$f.err")"
done
for f in f1 f2; do
	awk -v f="$f" 'NR == 1 { if ($1 != "slow") { print f ": not a raw slow line: " $0; bad = 1; exit } prev = $2; next }
		$1 != "slow" || $2 != prev + 1 { print f ": line " NR " is \"" $0 "\" after slow " prev; bad = 1; exit }
		{ prev = $2 } END { exit bad }' "$T/$f" >&2 || fail "follower $f's lines are not consecutive"
	n=$(wc -l <"$T/$f")
	[ "$n" -ge 16 ] || fail "follower $f shows only $n lines"
	proc_alive "${CLIENTS[${f#f} - 1]}" || fail "follower $f exited on its own: $(cat "$T/$f.err")"
done
# Interrupted, a follower exits.
kill -INT "${CLIENTS[0]}"
gone() { ! proc_alive "$1"; } # (a zombie until waited for)
wait_for 10 gone "${CLIENTS[0]}" || fail "logs -f did not exit on SIGINT"

# 3. A suspended follower of fast does not hold fast back.
follow "$T/f3" fast.0 --json -n 1
stopped=${CLIENTS[-1]}
ready() { grep -q '"line": *"ready"' "$T/f3"; }
wait_for 10 ready || fail "the fast follower did not show the line 'ready': $(cat "$T/f3" "$T/f3.err")"
kill -STOP "$stopped"
touch "$T/go" # fast starts writing now
wait_for 120 test -f "$T/spew/done" ||
	fail "fast did not finish 32 MiB while a follower was suspended (wrote $(stat -c %s "$T/logs/fast.0.log") bytes; log status $(inst fast.0 '.log|tostring'))"
fast_total=$(cat "$T/spew/run.1")
all_in() { [ "$(stat -c %s "$T/logs/fast.0.log")" -ge "$fast_total" ]; }
wait_for 30 all_in || fail "fast.0.log has $(stat -c %s "$T/logs/fast.0.log") of $fast_total bytes"
timeout 10 "$RINGVISOR" --socket "$SOCK" status >/dev/null || fail "status did not answer within 10 s with a suspended follower"
kill -CONT "$stopped"
# Flattened (a reply's .lines, or one object a line), in the order printed.
flat='[.[] | if .lines then .lines[] else . end]'
skip_then_line() { jq -e -s "$flat"' | (map(.skipped != null) | index(true)) as $i | $i != null and (.[$i + 1:] | map(select(.seq != null)) | length > 0)' "$T/f3" >/dev/null 2>&1; }
wait_for 30 skip_then_line || fail "the resumed follower was not told it skipped lines, before a new line: $(tail -c 300 "$T/f3")"
log "resumed follower: $(jq -c -s "$flat"' | map(select(.skipped != null))' "$T/f3"), $(wc -l <"$T/f3") objects printed"
# Seq grows, and the lines shown plus the skipped counts cover every seq.
jq -e -s "$flat"' | map(select(.seq != null) | .seq) | . == sort and . == unique and length > 0' "$T/f3" >/dev/null ||
	fail "the resumed follower's lines are not in seq order"
jq -s -r "$flat"' | (map(select(.seq != null))) as $l | [($l | length), (map(.skipped // 0) | add), $l[0].seq, $l[-1].seq,
	([foreach .[] as $o ({prev: null, sk: 0, bad: null};
		if $o.skipped != null then .sk += $o.skipped
		elif $o.seq != null then (if .prev != null and $o.seq != .prev + 1 + .sk then .bad //= "\(.prev) +\(.sk) skipped -> \($o.seq)" else . end) | .prev = $o.seq | .sk = 0
		else . end; .bad)] | map(select(. != null)) | .[0] // "none")] | @tsv' "$T/f3" >"$T/acct"
read -r shown sk first last gap <"$T/acct"
log "follower: $shown lines shown, $sk skipped, seq $first..$last, first mismatch: $gap"
[ "$gap" = none ] || fail "a {\"skipped\":N} does not match the gap in seq around it: seq $gap"
[ $((shown + sk)) -eq $((last - first + 1)) ] || fail "the follower shows $shown lines and was told of $sk skipped, but seq went from $first to $last"
proc_alive "$stopped" || fail "the resumed follower exited"
# The second slow follower is still live and current.
target=$(( $(last_in_file) + 3 ))
wait_for 30 grep -q "^slow $target\$" "$T/f2" || fail "follower f2 stopped getting lines"
exit 0
