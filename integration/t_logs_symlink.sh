#!/usr/bin/env bash
# Planted log files are refused: `web.0.log` a symlink to a file outside the
# log dir, `hl.0.log` a hard link to a file outside it, `ff.0.log` a FIFO.
# For each: the daemon log names the file (the symlink one says symlink),
# the target is untouched (content and mtime), the planted entry is still
# there as planted, the service runs anyway with its output dropped and
# counted (last_error set); the daemon stays responsive, and `ok`, in the
# same dir, logs normally.
. "$(dirname "$0")/lib.sh"
dir=$T/logs
mkdir -p "$dir" "$T/outside"
printf 'precious\n' >"$T/outside/target"
printf 'precious too\n' >"$T/outside/target2"
touch -d '2001-02-03 04:05:06' "$T/outside/target" "$T/outside/target2"
ln -s "$T/outside/target" "$dir/web.0.log"
ln "$T/outside/target2" "$dir/hl.0.log" || skip "cannot make a hard link in $dir"
mkfifo "$dir/ff.0.log"
snap() { stat -c '%s %Y %h %i' "$1"; }
before1=$(snap "$T/outside/target"); before2=$(snap "$T/outside/target2")
line_loop='i=0; while :; do echo "line $i"; i=$((i+1)); sleep 0.05; done'
cfg=$(write_config symlink.yaml <<YAML
supervisor:
  shutdown_timeout: 10s
  log: {dir: $dir, max_bytes: 0}
services:
  web: {command: [/bin/sh, -c, '$line_loop']}
  hl: {command: [/bin/sh, -c, '$line_loop']}
  ff: {command: [/bin/sh, -c, '$line_loop']}
  ok: {command: [/bin/sh, -c, '$line_loop']}
YAML
)
rv_start "$cfg"
wait_for 10 all_in_state 4 running || fail "not all 4 services running: $(rv status)"
# ok logs normally, so every service has written many lines by now.
ok_lines() { [ "$(grep -c '^line [0-9]*$' "$dir/ok.0.log" 2>/dev/null)" -ge 20 ]; }
wait_for 20 ok_lines || fail "ok.0.log did not get 20 lines: $(ls -l "$dir")"
lg() { status_json "$1" | jq -r ".services[0].instances[0].log.stdout.$2"; }
counted() { [ "$(lg "$1" dropped_lines)" -ge 10 ] && [ "$(lg "$1" dropped_bytes)" -ge 60 ]; }
for s in web hl ff; do
	f=$dir/$s.0.log
	grep -F "$f" "$T/daemon.log" | grep -q "$s\.0" || fail "the daemon log does not name $f for $s.0"
	err=$(lg "$s.0" last_error)
	[ -n "$err" ] && [ "$err" != null ] || fail "$s.0: last_error is $err"
	log "$s.0: last_error: $err"
	[ "$(inst "$s.0" .state)" = running ] || fail "$s.0 is $(inst "$s.0" .state), not running"
	wait_for 10 counted "$s.0" || fail "$s.0: its output is not counted as dropped: $(status_json "$s.0" | jq -c .services[0].instances[0].log)"
	[ "$(lg "$s.0" bytes_written)" -eq 0 ] || fail "$s.0: $(lg "$s.0" bytes_written) bytes written through a refused file"
done
grep -F "$dir/web.0.log" "$T/daemon.log" | grep -qiE 'symlink|symbolic link|ELOOP' || fail "the error for web.0.log does not say symlink: $(grep -F "$dir/web.0.log" "$T/daemon.log")"
grep -F "$dir/web.0.log" "$T/daemon.log" | head -n 1 | sed "s/^/[$TEST_NAME] daemon: /"

# The targets and the planted entries are untouched.
[ "$(cat "$T/outside/target")" = precious ] || fail "the symlink's target was written: $(head -c 200 "$T/outside/target")"
[ "$(cat "$T/outside/target2")" = 'precious too' ] || fail "the hard link's target was written: $(head -c 200 "$T/outside/target2")"
[ "$(snap "$T/outside/target")" = "$before1" ] || fail "the symlink's target changed: $before1 -> $(snap "$T/outside/target")"
[ "$(snap "$T/outside/target2")" = "$before2" ] || fail "the hard link's target changed: $before2 -> $(snap "$T/outside/target2")"
[ -L "$dir/web.0.log" ] && [ "$(readlink "$dir/web.0.log")" = "$T/outside/target" ] || fail "the planted symlink was replaced: $(ls -l "$dir/web.0.log")"
[ -p "$dir/ff.0.log" ] || fail "the planted FIFO was replaced: $(ls -l "$dir/ff.0.log")"
[ "$(stat -c %i "$dir/hl.0.log")" = "$(stat -c %i "$T/outside/target2")" ] || fail "the planted hard link was replaced"

# Responsive, and ok's counters are clean.
timeout 10 "$RINGVISOR" --socket "$SOCK" status >/dev/null || fail "status did not answer within 10 s"
[ "$(lg ok.0 last_error)" = null ] || fail "ok.0: last_error is $(lg ok.0 last_error)"
[ "$(lg ok.0 dropped_bytes)" -eq 0 ] || fail "ok.0 dropped $(lg ok.0 dropped_bytes) bytes"
[ "$(lg ok.0 bytes_written)" -gt 0 ] || fail "ok.0 wrote nothing"
# A restart of web does not follow the link either.
rv restart web.0 || fail "restart web.0"
wait_for 10 state_is web.0 running || fail "web.0 not running after restart"
sleep 0.5
[ "$(snap "$T/outside/target")" = "$before1" ] && [ "$(cat "$T/outside/target")" = precious ] || fail "the symlink's target changed after a restart"
exit 0
