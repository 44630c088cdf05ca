#!/usr/bin/env bash
# `ringvisor top`: one frame when stdout is not a terminal; under tmux (a
# private server, sessions of our own, killed at exit) the live view shows
# every instance and a header, follows a stop, fits a smaller window
# without wrapping, quits on q and restores the terminal (main screen,
# cursor, autowrap, termios), and restores it on SIGTERM too.
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || skip "tmux is not installed (make deps installs it)"
unset TMUX
# A tmux server of our own (its socket in $T), never the user's.
TSOCK=$T/tmux.sock
TNAME=rv-top-$$
tm() { tmux -S "$TSOCK" "$@"; }

cfg=$(write_config top.yaml <<YAML
supervisor: {shutdown_timeout: 5s}
services:
  web:
    command: [/bin/sleep, "1000"]
    instances: 2
  worker:
    command: [/bin/sleep, "1000"]
YAML
)
rv_start "$cfg"
wait_for 5 all_in_state 3 running || fail "three instances not running"

# --- Not a terminal: one frame, no escape sequences, exit 0.
timeout 10 "$RINGVISOR" --socket "$SOCK" top >"$T/frame.txt" 2>"$T/frame.err"; rc=$?
[ $rc -eq 0 ] || fail "top without a terminal exited $rc: $(cat "$T/frame.err")"
grep -q "^ringvisor pid $DAEMON_PID, backend $RV_BACKEND, 3 instances, probe " "$T/frame.txt" ||
	fail "no header in: $(cat "$T/frame.txt")"
for i in web.0 web.1 worker.0; do
	grep -Eq "^$i +running +[0-9]+ " "$T/frame.txt" || fail "$i not shown running: $(cat "$T/frame.txt")"
done
grep -q $'\033' "$T/frame.txt" && fail "escape sequences in the frame written to a file"
"$RINGVISOR" --socket "$T/nosuch.sock" top >/dev/null 2>&1; rc=$?
[ $rc -eq 111 ] || fail "top with no daemon exited $rc, not 111"
rv top extra >/dev/null 2>&1; rc=$?
[ $rc -eq 100 ] || fail "top with an argument exited $rc, not 100"
rv top --interval=0 >/dev/null 2>&1; rc=$?
[ $rc -eq 100 ] || fail "top --interval=0 exited $rc, not 100"

# Does the daemon answer `leaks` (another issue)? Then its counts must be shown.
has_leaks=false
rv leaks --json >/dev/null 2>&1 && has_leaks=true
# leaks_of FIELD: web.0's FIELD (fds, threads) in the leaks reply, empty while unsampled.
leaks_of() { rv leaks --json | jq -r --arg f "$1" '.services[] | select(.name == "web") | .instances[] | select(.index == 0) | .[$f] // empty'; }

# --- Live, under tmux.
# top_pane NAME ARGS...: a detached 120x30 session running top; the shell
# around it saves the termios before and after, and top's exit status.
top_pane() {
	local name=$1; shift
	at_exit "tmux -S '$TSOCK' kill-session -t '$name' 2>/dev/null"
	tm new-session -d -s "$name" -x 120 -y 30 \
		"stty -g >'$T/$name.before'; '$RINGVISOR' --socket '$SOCK' top $*; echo \$? >'$T/$name.rc'; stty -g >'$T/$name.after'; echo TOP-ENDED; exec sleep 600" ||
		fail "tmux new-session"
}
screen() { tm capture-pane -p -t "$1"; }
screen_has() { screen "$1" | grep -Eq "$2"; }
pane() { tm display-message -p -t "$1" "#{$2}"; }
# The pid of top in the pane: the child of the pane's shell.
top_pid() { cat /proc/"$(pane "$1" pane_pid)"/task/*/children 2>/dev/null | awk '{print $1}'; }

top_pane "$TNAME" --interval=200ms
wait_for 5 screen_has "$TNAME" '^worker\.0 +running' || fail "live view incomplete: $(screen "$TNAME")"
screen "$TNAME" >"$T/screen1.txt"
grep -Eq "^ringvisor pid $DAEMON_PID, backend $RV_BACKEND, 3 instances, probe [a-z+-]+, [0-9]{2}:[0-9]{2}:[0-9]{2}$" "$T/screen1.txt" ||
	fail "bad header: $(cat "$T/screen1.txt")"
grep -Eq '^INSTANCE +STATE +PID +CPU% +MEM +FDS +THREADS +VERDICT' "$T/screen1.txt" || fail "no column titles: $(cat "$T/screen1.txt")"
for i in web.0 web.1 worker.0; do
	pid=$(inst "$i" .pid)
	grep -Eq "^$i +running +$pid " "$T/screen1.txt" || fail "$i (pid $pid) not on screen: $(cat "$T/screen1.txt")"
done
[ "$(pane "$TNAME" alternate_on)" = 1 ] || fail "top is not on the alternate screen"
[ "$(pane "$TNAME" cursor_flag)" = 0 ] || fail "the cursor is not hidden"
tty=$(pane "$TNAME" pane_tty)
stty -F "$tty" -a | grep -q -- '-icanon' || fail "the terminal is not in cbreak mode: $(stty -F "$tty" -a)"
stty -F "$tty" -a | grep -q -- '-echo ' || fail "echo is on"
toppid=$(top_pid "$TNAME")
[ -n "$toppid" ] && kill -0 "$toppid" 2>/dev/null || fail "no top process in the pane"

# CPU% from the second frame on, where the instance has a cgroup.
if [ "$(inst web.0 .cgroup.cpu_usage_usec)" != null ]; then
	wait_for 3 screen_has "$TNAME" '^web\.0 +running +[0-9]+ +[0-9]+\.[0-9] ' || fail "no CPU% for web.0: $(screen "$TNAME")"
fi
# FDS and THREADS: what leaks says (a sleep's counts do not move) once it
# has sampled; `-` and the reason when the daemon has no leaks command.
col() { screen "$TNAME" | awk -v n="$1" '$1 == "web.0" {print $n}'; }
src=$($has_leaks && rv leaks --json | jq -r '.services[0].source')
if $has_leaks; then
	screen_has "$TNAME" ", probe $src, " || fail "probe source $src not in the header: $(screen "$TNAME")"
fi
if [ "$src" = bpf ] || [ "$src" = procfs ]; then
	wait_for 15 bash -c "'$RINGVISOR' --socket '$SOCK' leaks --json | jq -e '.services[] | select(.name == \"web\") | .instances[0].fds | numbers' >/dev/null" ||
		fail "leaks never sampled web.0"
	fds=$(leaks_of fds) threads=$(leaks_of threads)
	wait_for 3 bash -c "[ \"\$(tmux -S '$TSOCK' capture-pane -p -t '$TNAME' | awk '\$1 == \"web.0\" {print \$6 \" \" \$7}')\" = '$fds $threads' ]" ||
		fail "web.0 FDS THREADS on screen '$(col 6) $(col 7)', leaks says '$fds $threads'"
	[ "$(col 9)" != - ] || fail "no fds sparkline for web.0: $(screen "$TNAME")"
elif ! $has_leaks; then
	screen_has "$TNAME" '\(leaks: ' || fail "the note on leaks is missing: $(screen "$TNAME")"
	[ "$(screen "$TNAME" | awk '$1 == "web.0" {print $6}')" = - ] || fail "FDS is not '-' without leaks"
fi

# A stop shows within a few seconds.
rv stop worker >/dev/null || fail "stop worker"
wait_for 5 screen_has "$TNAME" '^worker\.0 +stopped +- ' || fail "worker.0 not shown stopped: $(screen "$TNAME")"
screen_has "$TNAME" '^web\.1 +running' || fail "web.1 gone from the screen"

# A smaller window: lines cut at 50 columns (no wrap), rows that do not
# fit summed up as "... N more" (5 rows: 3 of header, 1 instance, 1 summary).
tm resize-window -t "$TNAME" -x 50 -y 5 || fail "resize-window"
wait_for 3 screen_has "$TNAME" '^\.\.\. 2 more' || fail "no '... 2 more' in 50x5: $(screen "$TNAME")"
screen "$TNAME" >"$T/screen2.txt"
[ "$(grep -c '^web\.0 ' "$T/screen2.txt")" -eq 1 ] && [ "$(wc -l <"$T/screen2.txt")" -eq 5 ] ||
	fail "not 1 row and 5 lines in 50x5: $(cat "$T/screen2.txt")"
sed -n 1p "$T/screen2.txt" | grep -q '^ringvisor pid' || fail "header wrapped: $(cat "$T/screen2.txt")"
sed -n 3p "$T/screen2.txt" | grep -q '^INSTANCE' || fail "a line wrapped: $(cat "$T/screen2.txt")"
tm resize-window -t "$TNAME" -x 120 -y 30

# q quits at once (no waiting out the interval) and restores the terminal.
sleep 0.3
tm send-keys -t "$TNAME" q
wait_for 2 test -s "$T/$TNAME.rc" || fail "top did not quit on q: $(screen "$TNAME")"
[ "$(cat "$T/$TNAME.rc")" = 0 ] || fail "top exited $(cat "$T/$TNAME.rc") on q"
kill -0 "$toppid" 2>/dev/null && fail "top (pid $toppid) still running after q"
wait_for 2 test -s "$T/$TNAME.after" || fail "the pane's shell did not go on"
cmp -s "$T/$TNAME.before" "$T/$TNAME.after" || fail "termios not restored: $(cat "$T/$TNAME.before") vs $(cat "$T/$TNAME.after")"
wait_for 2 screen_has "$TNAME" '^TOP-ENDED' || fail "pane after q: $(screen "$TNAME")"
[ "$(pane "$TNAME" alternate_on)" = 0 ] || fail "still on the alternate screen after q"
[ "$(pane "$TNAME" cursor_flag)" = 1 ] || fail "the cursor is still hidden after q"
[ "$(pane "$TNAME" wrap_flag)" = 1 ] || fail "autowrap still off after q"
screen_has "$TNAME" '^INSTANCE' && fail "top's frame left on the main screen: $(screen "$TNAME")"

# SIGTERM: the terminal is restored, then top ends by the signal (143).
top_pane "$TNAME-term" --interval=1s
wait_for 5 screen_has "$TNAME-term" '^web\.0 +running' || fail "second top did not draw: $(screen "$TNAME-term")"
toppid=$(top_pid "$TNAME-term")
[ -n "$toppid" ] || fail "no top process in the second pane"
kill -TERM "$toppid"
wait_for 3 test -s "$T/$TNAME-term.after" || fail "top did not end on SIGTERM"
[ "$(cat "$T/$TNAME-term.rc")" = 143 ] || fail "top exited $(cat "$T/$TNAME-term.rc") on SIGTERM, not 143"
cmp -s "$T/$TNAME-term.before" "$T/$TNAME-term.after" || fail "termios not restored after SIGTERM"
[ "$(pane "$TNAME-term" alternate_on)" = 0 ] || fail "still on the alternate screen after SIGTERM"
[ "$(pane "$TNAME-term" cursor_flag)" = 1 ] || fail "the cursor is still hidden after SIGTERM"
exit 0
