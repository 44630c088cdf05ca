#!/usr/bin/env bash
# adopt: a daemon that dies (SIGKILL) leaves its services running, and the
# next daemon (same config, socket and cgroup root) takes them back from
# the record (xattr trusted.ringvisor) on each instance's cgroup.
# 100 sleep services s0..s99 and `echoer` (prints ping-N on SIGUSR1) run;
# s5.0 is SIGKILLed once before the crash (restarts 1). The daemon is
# SIGKILLed: every service lives on. Then, before the next daemon starts:
#   s3  command edited in the config          -> refused "definition changed"
#   s8.0 record: start= made wrong            -> refused "main process gone
#                                                (its pid is another process's now)"
#   s9.0 record: pid= an unrelated sleep of    -> refused "main process not in
#        ours (outside the test's cgroups)       its cgroup"; the unrelated
#                                                sleep lives on
# Each refused instance's cgroup is emptied (its old process dies) and the
# instance starts afresh (new pid, restarts 0, adopted false).
# Arithmetic: 100 services - 3 refused = 97 (s5 among them) + echoer = 98
# adopted: `adoption adopted=98 failed=0` (failed counts only instances that
# passed the checks and still could not be taken; refusals are not counted);
# 98 "adopted" lines, 3 "adopt-refused" lines, 101 instances running.
# Then supervision goes on: s7.0 and s5.0 SIGKILLed are restarted (exit
# status unknown, restarts 0->1 and 1->2); echoer's output after the
# adoption reaches `logs` (its stdout pipe was recovered); `stop` of an
# adopted instance is prompt (SIGTERM, no escalation) and `start` brings it
# back. A shutdown leaves no process (old or new) and no instance cgroup.
# Second scenario: supervisor.children_die_with_daemon: the services die
# with the SIGKILLed daemon, no record is written, and the next daemon
# starts them afresh (nothing adopted).
# Note: PID 1 here may not reap orphans; a killed orphan can stay a zombie,
# so "dead" below means gone or a zombie (proc_alive of lib.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_ready.sh"
[ "$CGROOT" = none ] && skip "cgroup2 is not mounted here"
python3 -c 'import os; os.getxattr' 2>/dev/null || skip "python3 with os.getxattr is needed"
N=100
CFG=$T/main.yaml
XATTR=trusted.ringvisor

# --- The config ---------------------------------------------------------------
OPTS='restart: {backoff_initial: 100ms}, stop: {signal: SIGTERM, timeout: 10s}'
# echoer: a line on stdout per SIGUSR1, nothing otherwise (the trap runs
# between two sleeps, within 0.1 s).
read -r ECHOER <<'EOF'
[/bin/sh, -c, "trap 'n=$((n+1)); echo ping-$n' USR1; while :; do sleep 0.1; done"]
EOF
declare -A CMD
for i in $(seq 0 $((N - 1))); do CMD[s$i]='[/bin/sleep, "1000"]'; done
emit() {
	{
		echo "supervisor: {shutdown_timeout: 15s}"
		echo "services:"
		for i in $(seq 0 $((N - 1))); do echo "  s$i: {command: ${CMD[s$i]}, $OPTS}"; done
		echo "  echoer: {command: $ECHOER, $OPTS}"
	} >"$CFG.tmp" && mv "$CFG.tmp" "$CFG"
}

# --- Facts --------------------------------------------------------------------
# snap FILE: "KEY PID:STARTTIME STATE ADOPTED RESTARTS" of every instance,
# sorted (start time read with builtins: 100 forks would dominate).
snap() {
	status_json | jq -r '.services[] | .name as $n | .instances[] |
		"\($n).\(.index) \(.pid // 0) \(.state) \(.adopted) \(.restarts)"' |
		while read -r key pid state adopted restarts; do
			local st=none line
			if [ "$pid" != 0 ] && read -r line <"/proc/$pid/stat" 2>/dev/null; then
				line=${line##*) }; read -r -a f <<<"$line"; st=${f[19]}
			fi
			echo "$key $pid:$st $state $adopted $restarts"
		done | sort >"$1"
}
col() { awk -v k="$1" -v c="$2" '$1 == k { print $c }' "$3"; }
id_of() { col "$1" 2 "$2"; }
pid_of() { local id; id=$(id_of "$1" "$2"); echo "${id%%:*}"; }
all_running() { [ "$(wc -l <"$1")" -eq "$2" ] && ! awk '$3 != "running"' "$1" | grep -q .; }
# dead PID:START: that process is gone (or a zombie nobody reaps).
dead() { ! proc_id_alive "$1" || ! proc_alive "${1%%:*}"; }
live() { ! dead "$1"; }
argv_of() { local -a a; mapfile -d '' a <"/proc/$1/cmdline"; echo "${a[*]}"; }
# records FILE: "KEY RECORD" of every instance cgroup ("none" without one).
records() {
	python3 - "$CGROOT/services" "$XATTR" >"$1" <<'PY'
import os, sys
root, name = sys.argv[1:]
for svc in sorted(os.listdir(root)):
    d = os.path.join(root, svc)
    if not os.path.isdir(d):
        continue
    for idx in sorted(os.listdir(d)):
        p = os.path.join(d, idx)
        if not idx.isdigit() or not os.path.isdir(p):
            continue
        try:
            r = os.getxattr(p, name).decode()
        except OSError:
            r = "none"
        print(svc + "." + idx, r)
PY
}
# setrec CGDIR KEY=VALUE...: rewrites fields of the record on CGDIR.
setrec() {
	python3 - "$XATTR" "$@" <<'PY' || fail "cannot rewrite the record on $1"
import os, re, sys
name, path, *kv = sys.argv[1:]
r = os.getxattr(path, name).decode()
n = r
for e in kv:
    k, v = e.split("=", 1)
    n, c = re.subn(r"(?<= )%s=\S+" % re.escape(k), "%s=%s" % (k, v), n)
    if c != 1:
        sys.exit("no single %s= in %r" % (k, r))
os.setxattr(path, name, n.encode())
if os.getxattr(path, name).decode() != n:
    sys.exit("record not rewritten")
PY
}
cg_of() { echo "$CGROOT/services/${1%.*}/${1##*.}"; }
# save_log NAME: the daemon's log moves to NAME (the next daemon writes
# daemon.log); a sanitizer report in it fails the test (lib.sh checks the
# last log only).
save_log() {
	if grep -qE "$RV_SANITIZER_RE" "$T/daemon.log"; then
		grep -E -A 30 "$RV_SANITIZER_RE" "$T/daemon.log" | head -n 60 >&2
		fail "sanitizer report in the daemon log"
	fi
	mv "$T/daemon.log" "$T/$1"
}
crash_daemon() { kill -KILL "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null; DAEMON_PID=; }

# --- 100 services and echoer ---------------------------------------------------
emit
rv_start "$CFG"
wait_for 20 all_in_state $((N + 1)) running || fail "not all $((N + 1)) running: $(count_state running) running"
ECHO_PID=$(ifield echoer.0 .pid)
kill -USR1 "$ECHO_PID"
wait_for 5 bash -c "'$RINGVISOR' --socket '$SOCK' logs echoer | grep -q 'ping-1\$'" ||
	fail "echoer does not print on SIGUSR1: $(rv logs echoer 2>&1 | tail -n 3)"

# s5.0 killed once: restarts 1 (the daemon's own child, reaped).
snap "$T/s0"
S5_FIRST=$(id_of s5.0 "$T/s0")
kill -KILL "${S5_FIRST%%:*}"
s5_back() { snap "$T/s1"; all_running "$T/s1" $((N + 1)) && [ "$(id_of s5.0 "$T/s1")" != "$S5_FIRST" ] && [ "$(col s5.0 5 "$T/s1")" = 1 ]; }
wait_for 10 s5_back || fail "s5.0 not restarted once: $(grep '^s5\.0 ' "$T/s1"), $(count_state running) running"
dead "$S5_FIRST" || fail "s5.0's first process $S5_FIRST still alive"
[ "$(awk '$4 != "false"' "$T/s1" | wc -l)" -eq 0 ] || fail "adopted before any crash: $(awk '$4 != "false" {print $1}' "$T/s1" | xargs)"
# Every instance has its record, naming its process and its restarts.
records "$T/rec1"
bad=$(awk 'NR == FNR { split($2, a, ":"); pid[$1] = a[1]; st[$1] = a[2]; rs[$1] = $5; next }
	{ k = $1; if (!(k in pid)) { print "extra " k; next }
	  if ($2 != "v1") print k ": " $0
	  else if ($3 != "pid=" pid[k] || $4 != "start=" st[k] || $5 != "restarts=" rs[k]) print k ": " $0 " (status " pid[k] ":" st[k] " restarts " rs[k] ")"
	  delete pid[k] }
	END { for (k in pid) print "no cgroup for " k }' "$T/s1" "$T/rec1")
[ -z "$bad" ] || fail "records before the crash: $(head -n 5 <<<"$bad")"
log "101 running, s5.0 restarted once, every instance recorded"

# --- The crash ----------------------------------------------------------------
crash_daemon
sleep 0.3
gone=$(awk '{ print $2 }' "$T/s1" | while read -r id; do dead "$id" && echo "$id"; done)
[ -z "$gone" ] || fail "services died with the daemon: $(xargs <<<"$gone")"
save_log daemon1.log

# a) s3's definition changes (command).
CMD[s3]='[/bin/sleep, "1001"]'
emit
grep -qF 's3: {command: [/bin/sleep, "1001"]' "$CFG" || fail "test bug: s3 not edited"
# b) s8.0's record names the right pid with a wrong start time.
S8=$(id_of s8.0 "$T/s1")
setrec "$(cg_of s8.0)" "start=$(( ${S8#*:} + 1 ))"
# c) s9.0's record names a process of ours, alive, outside the test's cgroups.
sleep 1000 &
OTHER_PID=$!
at_exit "kill -KILL $OTHER_PID 2>/dev/null; wait $OTHER_PID 2>/dev/null"
OTHER=$(proc_id "$OTHER_PID") || fail "the unrelated sleep did not start"
grep -qF "$CGROOT/" "/proc/$OTHER_PID/cgroup" && fail "test bug: the unrelated sleep is in the test's cgroups"
setrec "$(cg_of s9.0)" "pid=$OTHER_PID" "start=${OTHER#*:}"
records "$T/rec2"
grep -q "^s8\.0 v1 pid=${S8%%:*} start=$(( ${S8#*:} + 1 )) " "$T/rec2" || fail "test bug: s8.0 record $(grep '^s8\.0 ' "$T/rec2")"
grep -q "^s9\.0 v1 pid=$OTHER_PID start=${OTHER#*:} " "$T/rec2" || fail "test bug: s9.0 record $(grep '^s9\.0 ' "$T/rec2")"

# --- The next daemon ----------------------------------------------------------
rv_start "$CFG"
wait_for 10 in_log ' adoption adopted=' || fail "no adoption summary line"
REFUSED=" s3.0 s8.0 s9.0 "
# adopted_ok: every instance running; the refused three afresh, every other
# one the same process, adopted, its restarts carried over.
adopted_ok() {
	snap "$T/s2"
	bad=$(awk -v refused="$REFUSED" 'NR == FNR { id[$1] = $2; rs[$1] = $5; next }
		{ k = $1; if (!(k in id)) { print "new " k; next }
		  if ($3 != "running") print k " " $3
		  if (index(refused, " " k " ")) {
			if ($2 == id[k]) print k " same process " $2
			if ($4 != "false" || $5 != 0) print k " adopted=" $4 " restarts=" $5
		  } else {
			if ($2 != id[k]) print k " pid " id[k] " -> " $2
			if ($4 != "true") print k " adopted=" $4
			if ($5 != rs[k]) print k " restarts " rs[k] " -> " $5
		  }
		  delete id[k] }
		END { for (k in id) print "missing " k }' "$T/s1" "$T/s2")
	[ -z "$bad" ]
}
wait_for 10 adopted_ok || fail "after the restart: $(head -n 8 <<<"$bad" | xargs)"
[ "$(col s5.0 5 "$T/s2")" = 1 ] || fail "s5.0 restarts $(col s5.0 5 "$T/s2"), expected 1"
for k in s3.0 s8.0 s9.0; do
	dead "$(id_of "$k" "$T/s1")" || fail "$k: the old process $(id_of "$k" "$T/s1") still alive"
done
[ "$(argv_of "$(pid_of s3.0 "$T/s2")")" = "/bin/sleep 1001" ] ||
	fail "s3.0 does not run the new command"
live "$OTHER" || fail "the unrelated process $OTHER_PID named by s9.0's record was killed"
# The log: 98 adopted lines (pid and restarts each), the summary, the three
# refusals with their reasons, each followed by its cgroup being emptied.
n=$(grep -cE 'Z [a-z0-9]+\.0 adopted pid=[0-9]+ restarts=[0-9]+ output=recovered$' "$T/daemon.log")
[ "$n" -eq 98 ] || fail "$n 'adopted ... output=recovered' lines, expected 98"
bad=$(awk '{ print $1, $2, $5 }' "$T/s2" | while read -r k id rs; do
	case $REFUSED in *" $k "*) continue;; esac
	grep -qE "Z ${k//./\\.} adopted pid=${id%%:*} restarts=$rs output=recovered\$" "$T/daemon.log" || echo "$k"
done)
[ -z "$bad" ] || fail "no matching adopted line for $(xargs <<<"$bad")"
grep -qE 'Z adoption adopted=98 failed=0$' "$T/daemon.log" || fail "summary: $(grep ' adoption ' "$T/daemon.log")"
[ "$(grep -c ' adopt-refused ' "$T/daemon.log")" -eq 3 ] || fail "adopt-refused lines: $(grep ' adopt-refused ' "$T/daemon.log")"
for e in 's3.0:definition changed' "s8.0:main process gone (its pid is another process's now)" 's9.0:main process not in its cgroup'; do
	k=${e%%:*} why=${e#*:}
	grep -qF "Z $k adopt-refused reason=\"$why\"" "$T/daemon.log" || fail "$k: no refusal '$why': $(grep " $k adopt-refused" "$T/daemon.log")"
	r=$(log_line_no " ${k//./\\.} adopt-refused ") l=$(log_line_no " ${k//./\\.} leftover-killed ")
	[ -n "$l" ] && [ "$l" -gt "$r" ] || fail "$k: no leftover-killed after its refusal: $(grep -E " ${k//./\\.} " "$T/daemon.log" | head -n 4)"
done
[ "$(grep -c ' leftover-killed' "$T/daemon.log")" -eq 3 ] ||
	fail "leftover-killed lines: $(grep ' leftover-killed' "$T/daemon.log")"
log "restart: 98 adopted (same pids, s5.0 restarts 1), s3/s8/s9 refused for the right reasons and started afresh"

# --- Supervision goes on --------------------------------------------------------
# An adopted process that dies is restarted (exit status unknown).
S7=$(id_of s7.0 "$T/s2") S5=$(id_of s5.0 "$T/s2")
kill -KILL "${S7%%:*}" "${S5%%:*}"
restarted() { snap "$T/s3"; [ "$(id_of "$1" "$T/s3")" != "$2" ] && [ "$(col "$1" 3 "$T/s3")" = running ] && [ "$(col "$1" 5 "$T/s3")" = "$3" ]; }
wait_for 10 restarted s7.0 "$S7" 1 || fail "s7.0 not restarted: $(grep '^s7\.0 ' "$T/s3")"
wait_for 10 restarted s5.0 "$S5" 2 || fail "s5.0 not restarted with restarts 2: $(grep '^s5\.0 ' "$T/s3")"
for k in s7.0 s5.0; do
	[ "$(ifield "$k" .last_exit.cause)" = "exit status unknown (adopted)" ] || fail "$k last_exit: $(ifield "$k" '.last_exit | tostring')"
	[ "$(col "$k" 4 "$T/s3")" = false ] || fail "$k: its new process is shown adopted"
done
grep -qF 'Z s7.0 exit status=unknown cause="exit status unknown (adopted)"' "$T/daemon.log" ||
	fail "no exit line for s7.0: $(grep ' s7\.0 ' "$T/daemon.log")"
# echoer's output after the adoption is captured.
[ "$(ifield echoer.0 .pid)" = "$ECHO_PID" ] || fail "echoer's pid changed"
kill -USR1 "$ECHO_PID"
wait_for 5 bash -c "'$RINGVISOR' --socket '$SOCK' logs echoer | grep -q 'ping-2\$'" ||
	fail "echoer's output after the adoption not captured: $(rv logs echoer 2>&1 | tail -n 3)"
# stop of an adopted instance: SIGTERM, prompt (timeout 10 s, no SIGKILL).
S10=$(id_of s10.0 "$T/s2")
[ "$(ifield s10.0 .adopted)" = true ] || fail "s10.0 not adopted"
t0=$(date +%s%3N)
rv stop s10.0 >/dev/null || fail "stop s10.0 failed"
wait_for 8 state_is s10.0 stopped || fail "s10.0 not stopped: $(istate s10.0)"
ms=$(( $(date +%s%3N) - t0 ))
[ "$ms" -lt 3000 ] || fail "stopping adopted s10.0 took $ms ms"
dead "$S10" || fail "s10.0's process $S10 still alive after stop"
in_log 'Z s10\.0 stop signal=SIGTERM$' || fail "no SIGTERM stop line for s10.0: $(grep ' s10\.0 ' "$T/daemon.log")"
in_log 'Z s10\.0 kill ' && fail "s10.0's stop escalated: $(grep ' s10\.0 kill' "$T/daemon.log")"
rv start s10.0 >/dev/null || fail "start s10.0 failed"
wait_for 5 state_is s10.0 running || fail "s10.0 not running again: $(istate s10.0)"
[ "$(ifield s10.0 .adopted)" = false ] || fail "s10.0's new process is shown adopted"
snap "$T/s4"
[ "$(id_of s10.0 "$T/s4")" != "$S10" ] || fail "s10.0 has its old process"
all_running "$T/s4" $((N + 1)) || fail "not all running: $(awk '$3 != "running" {print $1, $3}' "$T/s4" | xargs)"
log "supervision: s7.0 and s5.0 restarted, echoer's output captured, adopted s10.0 stopped in $ms ms and started"

# --- Shutdown: nothing left -------------------------------------------------------
rv_stop_daemon || fail "the daemon exited $? at shutdown"
ids=$(cat "$T/s0" "$T/s1" "$T/s2" "$T/s3" "$T/s4" | awk '{ print $2 }' | sort -u)
left=$(while read -r id; do live "$id" && echo "$id"; done <<<"$ids")
[ -z "$left" ] || fail "alive after shutdown: $(xargs <<<"$left")"
# 101 first processes + s5.0 once + s3.0, s8.0, s9.0 afresh + s7.0, s5.0 again + s10.0 = 108.
[ "$(wc -l <<<"$ids")" -eq 108 ] || fail "test bug: $(wc -l <<<"$ids") processes recorded, expected 108"
cgs=$(find "$CGROOT/services" -mindepth 2 -maxdepth 2 -type d 2>/dev/null)
[ -z "$cgs" ] || fail "instance cgroups left: $(head -n 5 <<<"$cgs" | xargs)"
live "$OTHER" || fail "the unrelated process died"
kill -KILL "$OTHER_PID"; wait "$OTHER_PID" 2>/dev/null
save_log daemon2.log
log "shutdown: $(wc -l <<<"$ids") processes gone, no instance cgroup left"

# --- children_die_with_daemon: nothing outlives the daemon ------------------------
CFG2=$(write_config die.yaml <<'YAML'
supervisor: {children_die_with_daemon: true, shutdown_timeout: 10s}
services:
  d0: {command: [/bin/sleep, "1000"], restart: {backoff_initial: 100ms}}
  d1: {command: [/bin/sleep, "1000"], restart: {backoff_initial: 100ms}}
  d2: {command: [/bin/sleep, "1000"], restart: {backoff_initial: 100ms}}
YAML
)
rv_start "$CFG2"
wait_for 10 all_in_state 3 running || fail "die: not all 3 running"
snap "$T/d1"
records "$T/drec"
[ "$(awk '$2 != "none"' "$T/drec" | wc -l)" -eq 0 ] && [ "$(wc -l <"$T/drec")" -eq 3 ] ||
	fail "die: records written (or cgroups missing): $(cat "$T/drec")"
crash_daemon
all_dead() { local id; for id in $(awk '{ print $2 }' "$T/d1"); do live "$id" && return 1; done; return 0; }
wait_for 2 all_dead || fail "die: services outlived the daemon: $(awk '{ print $2 }' "$T/d1" | while read -r id; do live "$id" && echo "$id"; done | xargs)"
save_log daemon3.log
rv_start "$CFG2"
fresh() {
	snap "$T/d2"
	all_running "$T/d2" 3 && [ -z "$(join <(awk '{ print $1, $2 }' "$T/d1") <(awk '{ print $1, $2 }' "$T/d2") | awk '$2 == $3')" ] &&
		! awk '$4 != "false" || $5 != 0' "$T/d2" | grep -q .
}
wait_for 10 fresh || fail "die: not started afresh: $(xargs <"$T/d2")"
in_log ' adopted | adoption ' && fail "die: something adopted: $(grep -E ' adopted | adoption ' "$T/daemon.log")"
log "children_die_with_daemon: 3 services died with the daemon, started afresh"
exit 0
