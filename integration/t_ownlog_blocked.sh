#!/usr/bin/env bash
# The daemon never waits for whoever reads its stderr. Its stderr is a pipe
# that nobody reads (a FIFO held open by this script); a crash-looping
# service fills it with event lines within a second. The daemon must go on
# answering, reaping and restarting, and count the lines it could not
# write (status: supervisor.log.own_dropped_lines). Before issue 12 its
# log lines were blocking writes: the whole loop stopped once the pipe was
# full.
. "$(dirname "$0")/lib.sh"
fifo=$T/stderr.fifo
mkfifo "$fifo"
# Held open for reading and writing, never read: the pipe fills and stays full.
exec 7<>"$fifo"
at_exit "exec 7>&-"
cfg=$(write_config loop.yaml <<'EOF'
services:
  crash:
    command: [/bin/sh, -c, "exit 1"]
    restart: {backoff_initial: 0ms, backoff_max: 1ms, max_restarts: 0}
  steady:
    command: [/bin/sleep, "1000"]
EOF
)
"$RINGVISOR" run -c "$cfg" --socket "$SOCK" --event-backend="$RV_BACKEND" --cgroup-root="$CGROOT" \
	--spawn="$RV_SPAWN" >"$T/daemon.out" 2>"$fifo" &
DAEMON_PID=$!
wait_for 10 bash -c "[ -S $SOCK ] && timeout 2 $RINGVISOR --socket $SOCK status >/dev/null 2>&1" ||
	fail "daemon did not answer at start"
# A 64 KiB pipe holds some 800 event lines (about 270 restarts): wait
# until more than twice that many were made.
wait_for 20 bash -c "[ \"\$(timeout 2 $RINGVISOR --socket $SOCK status --json crash | jq '.services[0].instances[0].restarts')\" -gt 600 ]" ||
	fail "the crash loop stalled: $(timeout 2 "$RINGVISOR" --socket "$SOCK" status --json crash | jq -c '.services[0].instances[0]')"
# Still answering promptly, still restarting, and the drops are counted.
for _ in 1 2 3; do
	start=$(date +%s%N)
	# (exit 3 is an answer: crash is caught between two runs now and then)
	j=$(timeout 2 "$RINGVISOR" --socket "$SOCK" status --json); rc=$?
	[ $rc = 0 ] || [ $rc = 3 ] || fail "status did not answer within 2 s (exit $rc)"
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	[ "$ms" -lt 1500 ] || fail "status took $ms ms"
done
dropped=$(jq .supervisor.log.own_dropped_lines <<<"$j")
[ "$dropped" -gt 0 ] || fail "own_dropped_lines is $dropped"
[ "$(jq -r '.services[] | select(.name == "steady") | .instances[0].state' <<<"$j")" = running ] ||
	fail "steady is not running"
log "status answers with the pipe full; $dropped own log lines dropped and counted"
exit 0
