#!/usr/bin/env bash
# forward: stdout through a pipe. The daemon's stdout is a FIFO read by cat
# (as under docker or a kubelet: writes over PIPE_BUF are not atomic). Two
# services write at once: `a` lines of up to 6 KB, `b` lines of exactly
# 200 KiB; `c` has no log key at all (no dir: forward defaults to stdout).
# Every output line is whole and starts with its `a.0| `, `b.0| ` or
# `c.0| `; each 200 KiB line comes as three 64 KiB pieces ending ` [split]`
# and an 8 KiB last piece; re-joined, each service's lines are exactly what
# it wrote, in order.
. "$(dirname "$0")/lib.sh"
LOGSPEW=${LOGSPEW:-}
[ -x "$LOGSPEW" ] || fail "LOGSPEW does not name the logspew binary (integration/run.sh builds it)"
mkdir -p "$T/sa" "$T/sb"
cfg=$(write_config forward.yaml <<YAML
supervisor: {shutdown_timeout: 10s}
services:
  a:
    command: [$LOGSPEW, -s, $T/sa, -t, 8M, -m, "6000", -b, 256K]
    log: {forward: stdout}
  b:
    command: [$LOGSPEW, -s, $T/sb, -t, 6M, -f, "204800", -b, 1M]
    log: {forward: stdout}
  c:
    command: [/bin/sh, -c, 'echo hello from c; exec sleep 1000']
YAML
)
# Our own start (rv_start sends stdout to a file): stdout into a FIFO.
mkfifo "$T/stdout.fifo"
cat "$T/stdout.fifo" >"$T/out" &
CAT_PID=$!
at_exit "kill $CAT_PID 2>/dev/null; wait $CAT_PID 2>/dev/null"
${RV_WRAP:-} "$RINGVISOR" run -c "$cfg" --socket "$SOCK" --event-backend="$RV_BACKEND" --cgroup-root="$CGROOT" \
	--spawn="$RV_SPAWN" >"$T/stdout.fifo" 2>"$T/daemon.log" &
DAEMON_PID=$!
up() { [ -S "$SOCK" ] && rv_answers; }
alive() { kill -0 "$DAEMON_PID" 2>/dev/null || fail "daemon exited at start"; }
wait_for 10 eval 'alive && up' || fail "daemon did not answer on $SOCK"

wait_for 60 test -f "$T/sa/done" || fail "a did not finish writing: $(status_json a | jq -c .services[0].instances[0])"
wait_for 60 test -f "$T/sb/done" || fail "b did not finish writing: $(status_json b | jq -c .services[0].instances[0])"
"$LOGSPEW" -s "$T/sa" -x -m 6000 >"$T/exp_a" || fail "logspew -x (a) failed"
"$LOGSPEW" -s "$T/sb" -x -f 204800 >"$T/exp_b" || fail "logspew -x (b) failed"
na=$(wc -l <"$T/exp_a"); nb=$(wc -l <"$T/exp_b")
[ "$(head -n 1 "$T/exp_b" | wc -c)" -eq 204801 ] || fail "b's lines are not 200 KiB"
pieces() { grep -ac "^$1\\.0| " "$T/out"; }
all_out() { [ "$(pieces a)" -ge "$na" ] && [ "$(pieces b)" -ge $((4 * nb)) ] && [ "$(pieces c)" -ge 1 ]; }
wait_for 60 all_out || fail "not everything forwarded: $(pieces a)/$na a lines, $(pieces b)/$((4 * nb)) b pieces, $(pieces c) c lines"
rv_stop_daemon || fail "the daemon exited $? at shutdown"
wait_for 10 eval '! kill -0 $CAT_PID 2>/dev/null' || fail "cat did not see the end of the daemon's stdout"
log "$(wc -c <"$T/out") bytes forwarded: $na a lines, $nb b lines"

[ -z "$(tail -c 1 "$T/out")" ] || fail "the output does not end with a newline"
grep -anvE '^(a|b|c)\.0\| ' "$T/out" | cut -c1-100 | head -n 3 >"$T/bad"
[ -s "$T/bad" ] && fail "output lines without a service prefix (interleaved?): $(cat "$T/bad")"
grep -aq '^c\.0| hello from c$' "$T/out" || fail "c (no log key) was not forwarded to stdout"
[ "$(pieces c)" -eq 1 ] || fail "c has $(pieces c) output lines, not 1"
# b: every piece that continues has exactly 64 KiB and ends with " [split]".
perl -ne 'next unless s/^b\.0\| //; chomp;
	if (s/ \[split\]\z//) { length($_) == 65536 or die "line $.: a split piece of " . length($_) . " bytes\n"; }
	else { length($_) == 8192 or die "line $.: a last piece of " . length($_) . " bytes, not 8192\n"; }' "$T/out" >&2 ||
	fail "b's 200 KiB lines are not cut into 64 KiB pieces marked [split] plus an 8 KiB rest"
[ "$(grep -ac '^b\.0| .* \[split\]$' "$T/out")" -eq $((3 * nb)) ] || fail "b has $(grep -ac '^b\.0| .* \[split\]$' "$T/out") split pieces, not $((3 * nb))"
grep -aq '^a\.0| .* \[split\]$' "$T/out" && fail "a's lines (at most ~6 KB) were split"
# Re-joined, each stream is exactly what was written.
for s in a b; do
	perl -ne "next unless s/^$s\\.0\\| //; s/ \\[split\\]\\n\\z//; print" "$T/out" >"$T/got_$s"
	cmp "$T/exp_$s" "$T/got_$s" >&2 || fail "$s's forwarded lines, re-joined, differ from what it wrote"
done
exit 0
