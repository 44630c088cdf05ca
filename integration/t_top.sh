#!/usr/bin/env bash
# `ringvisor top`: one frame when stdout is not a terminal, with CPU%;
# batch mode (-b -n 3 -d 0.2): three plain frames, each with its time and
# CPU% rates; --sort=cpu puts a busy instance first; options of top are
# refused elsewhere. Under tmux (a private server, sessions of our own,
# killed at exit) the live view shows every instance and a header (with
# where the figures come from), sorts by keys (c f r n) at once without
# waiting for a refresh and with the same figures, filters (/ web Enter,
# Esc), scrolls (arrows, PgDn, End, Home, j, k) with a truthful "... N
# more: A above, B below", follows a stop, fits a smaller window without
# wrapping, quits on q and restores the terminal (main screen, cursor,
# autowrap, termios), and restores it on SIGTERM too.
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || skip "tmux is not installed (make deps installs it)"
unset TMUX
# A tmux server of our own (its socket in $T), never the user's.
TSOCK=$T/tmux.sock
TNAME=rv-top-$$
tm() { tmux -S "$TSOCK" "$@"; }

# zspin burns CPU (niced: the machine is shared) and sorts last by name;
# fdhog holds 10 fds where a sleep holds 3. Counts every second.
cfg=$(write_config top.yaml <<YAML
supervisor: {shutdown_timeout: 5s}
services:
  web:
    command: [/bin/sleep, "1000"]
    instances: 2
    leak: {sample_every: 1s}
  worker:
    command: [/bin/sleep, "1000"]
    leak: {sample_every: 1s}
  zspin:
    command: [/usr/bin/nice, -n, "19", /bin/sh, -c, "while :; do :; done"]
    leak: {sample_every: 1s}
  fdhog:
    command: [/bin/sh, -c, "exec 3</dev/null 4</dev/null 5</dev/null 6</dev/null 7</dev/null 8</dev/null 9</dev/null; exec /bin/sleep 1000"]
    leak: {sample_every: 1s}
YAML
)
rv_start "$cfg"
wait_for 5 all_in_state 5 running || fail "five instances not running"
# CPU% needs cpu.stat, so a cgroup: without one it is '-' (t_top_nocg.sh).
has_cpu=false
[ "$(inst zspin.0 .cgroup.cpu_usage_usec)" != null ] && has_cpu=true
CPU_RE='[0-9]+\.[0-9]'

# --- Not a terminal: one frame, no escape sequences, exit 0; CPU% for the
# busy instance (the frame comes an interval after a first sample).
timeout 10 "$RINGVISOR" --socket "$SOCK" top >"$T/frame.txt" 2>"$T/frame.err"; rc=$?
[ $rc -eq 0 ] || fail "top without a terminal exited $rc: $(cat "$T/frame.err")"
grep -q "^ringvisor pid $DAEMON_PID, backend $RV_BACKEND, 5 instances, probe " "$T/frame.txt" ||
	fail "no header in: $(cat "$T/frame.txt")"
[ "$(grep -c '^ringvisor pid' "$T/frame.txt")" -eq 1 ] || fail "not one frame: $(cat "$T/frame.txt")"
for i in web.0 web.1 worker.0 zspin.0 fdhog.0; do
	grep -Eq "^$i +running +[0-9]+ " "$T/frame.txt" || fail "$i not shown running: $(cat "$T/frame.txt")"
done
if $has_cpu; then
	grep -Eq "^zspin\.0 +running +[0-9]+ +$CPU_RE " "$T/frame.txt" || fail "no CPU% piped: $(cat "$T/frame.txt")"
fi
grep -q $'\033' "$T/frame.txt" && fail "escape sequences in the frame written to a file"
"$RINGVISOR" --socket "$T/nosuch.sock" top >/dev/null 2>&1; rc=$?
[ $rc -eq 111 ] || fail "top with no daemon exited $rc, not 111"
rv top extra >/dev/null 2>&1; rc=$?
[ $rc -eq 100 ] || fail "top with an argument exited $rc, not 100"
rv top --interval=0 >/dev/null 2>&1; rc=$?
[ $rc -eq 100 ] || fail "top --interval=0 exited $rc, not 100"

# --- Batch: 3 plain frames, each with a header carrying its time, and
# CPU% on every one (the first included).
timeout 20 "$RINGVISOR" --socket "$SOCK" top -b -n 3 -d 0.2 >"$T/batch.txt" 2>"$T/batch.err"; rc=$?
[ $rc -eq 0 ] || fail "top -b -n 3 -d 0.2 exited $rc: $(cat "$T/batch.err")"
[ "$(grep -Ec "^ringvisor pid $DAEMON_PID, .*, [0-9]{2}:[0-9]{2}:[0-9]{2}\$" "$T/batch.txt")" -eq 3 ] ||
	fail "not 3 frames with their time: $(cat "$T/batch.txt")"
[ "$(grep -c '^sort: name; refresh every 200ms$' "$T/batch.txt")" -eq 3 ] || fail "no sort line: $(cat "$T/batch.txt")"
grep -q $'\033' "$T/batch.txt" && fail "escape sequences in batch output"
if $has_cpu; then
	[ "$(grep -Ec "^zspin\.0 +running +[0-9]+ +$CPU_RE " "$T/batch.txt")" -eq 3 ] ||
		fail "CPU% not numeric on every frame: $(cat "$T/batch.txt")"
fi
# --sort=cpu: the busy instance heads every frame.
timeout 20 "$RINGVISOR" --socket "$SOCK" top -b -n 2 --interval=200ms --sort=cpu >"$T/bycpu.txt" 2>&1 ||
	fail "top -b --sort=cpu exited $?: $(cat "$T/bycpu.txt")"
[ "$(grep -c '^sort: cpu;' "$T/bycpu.txt")" -eq 2 ] || fail "not 2 frames sorted by cpu: $(cat "$T/bycpu.txt")"
if $has_cpu; then
	[ "$(awk '/^INSTANCE/ {getline; print $1}' "$T/bycpu.txt" | sort -u)" = zspin.0 ] ||
		fail "--sort=cpu did not put zspin.0 first: $(cat "$T/bycpu.txt")"
fi
# Options of top elsewhere, and bad values, are usage errors that say so.
refused() {
	local want=$1; shift
	"$RINGVISOR" --socket "$SOCK" "$@" >"$T/out" 2>"$T/err" </dev/null; local rc=$?
	[ $rc -eq 100 ] || fail "'$*' exited $rc, expected 100 (usage): $(head -2 "$T/err")"
	grep -qF -- "$want" "$T/err" || fail "'$*' did not say '$want': $(head -2 "$T/err")"
}
refused "-b is an option of top, not of status" status -b
refused "-d is an option of top, not of leaks" leaks -d 1
refused "--sort is an option of top, not of status" status --sort=cpu
refused "-n is an option of logs and top, not of status" status -n 3
refused "-n: expected a number of frames from 1 to 100000" top -b -n 0
refused "-n: expected a number from 0 to 100000" top -b -n 200000
refused "--sort: expected cpu, memory, fds, threads, restarts or name" top --sort=pid
refused "-d: expected seconds from 0.1 to 3600" top -b -d 0.01

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
grep -Eq "^ringvisor pid $DAEMON_PID, backend $RV_BACKEND, 5 instances, probe [a-z+-]+, [0-9]{2}:[0-9]{2}:[0-9]{2}$" "$T/screen1.txt" ||
	fail "bad header: $(cat "$T/screen1.txt")"
# Where the figures come from: status's usage_source and cgroup fields.
usrc=$(sup_field usage_source)
grep -Eq "^cpu: (cgroup cpu.stat|- \(no cgroup\)); memory: [a-z.+-]+; fds, threads: $usrc" "$T/screen1.txt" ||
	fail "no sources line (usage_source $usrc): $(cat "$T/screen1.txt")"
grep -Eq '^sort: name; refresh every 200ms; keys: q quits, c m f t r n sort' "$T/screen1.txt" || fail "no sort line: $(cat "$T/screen1.txt")"
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

# --- Sort keys: the first row follows at once (with a 1h refresh, nothing
# but the key can redraw), and the figures stay those of the snapshot.
first_row() { screen "$1" | awk 'f {print $1; exit} /^INSTANCE/ {f = 1}'; }
first_is() { [ "$(first_row "$1")" = "$2" ]; }
cpu_of() { screen "$1" | awk -v i="$2" '$1 == i {print $4}'; }
clock_of() { screen "$1" | sed -n '1s/.*, //p'; }
[ "$(first_row "$TNAME")" = fdhog.0 ] || fail "not sorted by name: $(screen "$TNAME")"
# web.1 restarted once (killed: not a manual restart, which is not counted).
kill -KILL "$(inst web.1 .pid)"
wait_for 5 bash -c "[ \"\$('$RINGVISOR' --socket '$SOCK' status --json web.1 | jq '.services[0].instances[0].restarts')\" = 1 ]" ||
	fail "web.1 not restarted"
wait_for 5 all_in_state 5 running || fail "web.1 not back"
tm send-keys -t "$TNAME" r
wait_for 3 first_is "$TNAME" web.1 || fail "r did not put web.1 (1 restart) first: $(screen "$TNAME")"
screen_has "$TNAME" '^sort: restarts;' || fail "sort restarts not in the header: $(screen "$TNAME")"
# fds, from the leak pass: fdhog's 10 above a sleep's 3.
wait_for 5 bash -c "[ \"\$(tmux -S '$TSOCK' capture-pane -p -t '$TNAME' | awk '\$1 == \"fdhog.0\" {print \$6}')\" = 10 ]" ||
	fail "fdhog.0 does not show 10 fds: $(screen "$TNAME")"
tm send-keys -t "$TNAME" f
wait_for 3 first_is "$TNAME" fdhog.0 || fail "f did not put fdhog.0 first: $(screen "$TNAME")"
tm send-keys -t "$TNAME" n
wait_for 3 first_is "$TNAME" fdhog.0 && screen_has "$TNAME" '^sort: name;' || fail "n: not by name: $(screen "$TNAME")"
tm send-keys -t "$TNAME" m
wait_for 3 screen_has "$TNAME" '^sort: memory;' || fail "m: not by memory: $(screen "$TNAME")"
tm send-keys -t "$TNAME" t
wait_for 3 screen_has "$TNAME" '^sort: threads;' || fail "t: not by threads: $(screen "$TNAME")"
if $has_cpu; then
	# A 2 s refresh: a key redraws the same snapshot (same clock, same CPU%)
	# well before the next one. Tried 3 times in case a refresh comes between.
	top_pane "$TNAME-slow" --interval=2s
	wait_for 8 bash -c "tmux -S '$TSOCK' capture-pane -p -t '$TNAME-slow' | grep -Eq '^zspin\.0 +running +[0-9]+ +$CPU_RE '" ||
		fail "no CPU% for zspin.0: $(screen "$TNAME-slow")"
	same=false
	for k in c n c; do
		before="$(clock_of "$TNAME-slow") $(cpu_of "$TNAME-slow" zspin.0)"
		tm send-keys -t "$TNAME-slow" $k
		want=zspin.0; [ $k = n ] && want=fdhog.0
		wait_for 1 first_is "$TNAME-slow" $want || fail "$k did not redraw within 1s (refresh 2s): $(screen "$TNAME-slow")"
		[ "$(clock_of "$TNAME-slow") $(cpu_of "$TNAME-slow" zspin.0)" = "$before" ] && { same=true; break; }
	done
	$same || fail "a key changed the figures of the snapshot: '$before' then '$(clock_of "$TNAME-slow") $(cpu_of "$TNAME-slow" zspin.0)'"
	tm send-keys -t "$TNAME-slow" q
fi

# --- Filter: / web Enter keeps web.*; Esc brings every row back.
tm send-keys -t "$TNAME" / w E
wait_for 3 screen_has "$TNAME" '^filter: wE_' || fail "no filter prompt: $(screen "$TNAME")"
tm send-keys -t "$TNAME" BSpace e b Enter
wait_for 3 screen_has "$TNAME" '; filter: "web";' || fail "filter not in the header: $(screen "$TNAME")"
screen "$TNAME" >"$T/filtered.txt"
[ "$(awk 'f {print $1} /^INSTANCE/ {f = 1}' "$T/filtered.txt" | grep -c .)" -eq 2 ] &&
	grep -Eq '^web\.0 ' "$T/filtered.txt" && grep -Eq '^web\.1 ' "$T/filtered.txt" ||
	fail "filter web does not keep web.0 and web.1 alone: $(cat "$T/filtered.txt")"
tm send-keys -t "$TNAME" / W O R Enter
wait_for 3 screen_has "$TNAME" '^worker\.0 ' && ! screen_has "$TNAME" '^web\.0 ' ||
	fail "filter WOR (any case) does not keep worker.0 alone: $(screen "$TNAME")"
tm send-keys -t "$TNAME" Escape
wait_for 3 screen_has "$TNAME" '^zspin\.0 ' && ! screen_has "$TNAME" '; filter: ' ||
	fail "Esc did not clear the filter: $(screen "$TNAME")"

# --- Scroll: 4 header lines + 2 rows + the "more" line in 7 lines; 5
# rows by name: fdhog.0 web.0 web.1 worker.0 zspin.0.
tm send-keys -t "$TNAME" n
tm resize-window -t "$TNAME" -x 120 -y 7 || fail "resize-window"
rows_are() { [ "$(screen "$TNAME" | awk 'f && !/^\.\.\./ {printf "%s ", $1} /^INSTANCE/ {f = 1}')" = "$1 " ] &&
	screen_has "$TNAME" "^\.\.\. 3 more: $2 above, $3 below\$"; }
wait_for 3 rows_are "fdhog.0 web.0" 0 3 || fail "7 lines: $(screen "$TNAME")"
tm send-keys -t "$TNAME" Down
wait_for 3 rows_are "web.0 web.1" 1 2 || fail "Down: $(screen "$TNAME")"
tm send-keys -t "$TNAME" j
wait_for 3 rows_are "web.1 worker.0" 2 1 || fail "j: $(screen "$TNAME")"
tm send-keys -t "$TNAME" End
wait_for 3 rows_are "worker.0 zspin.0" 3 0 || fail "End: $(screen "$TNAME")"
tm send-keys -t "$TNAME" Down
sleep 0.3
rows_are "worker.0 zspin.0" 3 0 || fail "Down past the end: $(screen "$TNAME")"
tm send-keys -t "$TNAME" k
wait_for 3 rows_are "web.1 worker.0" 2 1 || fail "k: $(screen "$TNAME")"
tm send-keys -t "$TNAME" Home
wait_for 3 rows_are "fdhog.0 web.0" 0 3 || fail "Home: $(screen "$TNAME")"
tm send-keys -t "$TNAME" NPage
wait_for 3 rows_are "web.1 worker.0" 2 1 || fail "PgDn: $(screen "$TNAME")"
tm send-keys -t "$TNAME" Up
wait_for 3 rows_are "web.0 web.1" 1 2 || fail "Up: $(screen "$TNAME")"
tm send-keys -t "$TNAME" PPage
wait_for 3 rows_are "fdhog.0 web.0" 0 3 || fail "PgUp: $(screen "$TNAME")"
tm resize-window -t "$TNAME" -x 120 -y 30

# A stop shows within a few seconds.
rv stop worker >/dev/null || fail "stop worker"
wait_for 5 screen_has "$TNAME" '^worker\.0 +stopped +- ' || fail "worker.0 not shown stopped: $(screen "$TNAME")"
screen_has "$TNAME" '^web\.1 +running' || fail "web.1 gone from the screen"

# A smaller window: lines cut at 50 columns (no wrap), rows that do not
# fit summed up as "... N more" (6 rows: 4 of header, 1 instance, 1 summary).
tm resize-window -t "$TNAME" -x 50 -y 6 || fail "resize-window"
wait_for 3 screen_has "$TNAME" '^\.\.\. 4 more: 0 above, 4 below' || fail "no '... 4 more' in 50x6: $(screen "$TNAME")"
screen "$TNAME" >"$T/screen2.txt"
[ "$(grep -c '^fdhog\.0 ' "$T/screen2.txt")" -eq 1 ] && [ "$(wc -l <"$T/screen2.txt")" -eq 6 ] ||
	fail "not 1 row and 6 lines in 50x6: $(cat "$T/screen2.txt")"
sed -n 1p "$T/screen2.txt" | grep -q '^ringvisor pid' || fail "header wrapped: $(cat "$T/screen2.txt")"
sed -n 4p "$T/screen2.txt" | grep -q '^INSTANCE' || fail "a line wrapped: $(cat "$T/screen2.txt")"
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

# -n 2 on a terminal: top ends by itself after its second refresh (shown
# for one interval), exit 0, the terminal restored.
top_pane "$TNAME-n" --interval=200ms -n 2
wait_for 5 test -s "$T/$TNAME-n.after" || fail "top -n 2 did not end: $(screen "$TNAME-n")"
[ "$(cat "$T/$TNAME-n.rc")" = 0 ] || fail "top -n 2 exited $(cat "$T/$TNAME-n.rc")"
cmp -s "$T/$TNAME-n.before" "$T/$TNAME-n.after" || fail "termios not restored after -n 2"
[ "$(pane "$TNAME-n" alternate_on)" = 0 ] || fail "still on the alternate screen after -n 2"
# -b on a terminal: plain frames on the main screen, as piped.
top_pane "$TNAME-b" -b -n 2 -d 0.2
wait_for 5 test -s "$T/$TNAME-b.rc" || fail "top -b -n 2 did not end: $(screen "$TNAME-b")"
[ "$(cat "$T/$TNAME-b.rc")" = 0 ] || fail "top -b -n 2 exited $(cat "$T/$TNAME-b.rc")"
[ "$(screen "$TNAME-b" | grep -c '^ringvisor pid')" -eq 2 ] && [ "$(screen "$TNAME-b" | grep -c '^zspin\.0 ')" -eq 2 ] ||
	fail "top -b on a terminal: not 2 frames: $(screen "$TNAME-b")"
exit 0
