#!/usr/bin/env bash
# reload: `ringvisor reload` (and SIGHUP) applies a changed config by service
# name without touching what did not change. 100 sleep services run; then
# the daemon's file is edited and reloaded (--json):
#   s10  command changed       -> restarted (new pid, new argv)
#   s20  removed               -> stopped (old pid gone, not in status)
#   s30  limits.memory_max     -> updated [limits] (same pid, status shows 32M)
#   s40  instances 1 -> 2      -> updated [instances] (s40.0 same pid, s40.1 new)
#   s50  restart.policy        -> updated [restart] (same pid, status shows it)
#   s60  env changed           -> restarted (new pid, new environment)
#   s70  stop.signal           -> updated [stop] (same pid; seen when s70 stops later)
#   n1   added                 -> started
# Arithmetic: 100 services - 7 touched = 93 kept; unchanged pids = 93 kept +
# s30.0 + s40.0 + s50.0 + s70.0 = 97; changed pids: s10.0, s60.0; gone:
# s20.0; new instances: s40.1, n1.0; 101 instances running afterwards.
# Then refused reloads (YAML syntax error, unknown key + value error, two
# value errors, a supervisor.state_dir change), each carrying a valid change
# too (service x1 added), leave every pid as it was: exit 1, the errors on
# stderr as `check` prints them (with --json too: the CLI prints failures as
# text, as for every verb; the protocol reply, read raw, has ok false and the
# lines in errors). Reloading the unchanged file keeps all.
# SIGHUP re-reads the file (h1 added); `reload -c other.yaml` (a relative
# path) applies that file, stops s70 with its reloaded stop signal, and
# makes other.yaml the file of the next plain reload.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_ready.sh"
N=100
CFG=$T/main.yaml

# --- The config, as a set of service lines ---------------------------------
# SVC[name] is the service's flow mapping; NAMES keeps the file's order.
declare -A SVC
NAMES=()
for i in $(seq 0 $((N - 1))); do NAMES+=("s$i"); SVC[s$i]="{command: [/bin/sleep, \"100$i\"]}"; done
SVC[s30]='{command: [/bin/sleep, "10030"], limits: {memory_max: 64M}}'
SVC[s50]='{command: [/bin/sleep, "10050"], restart: {policy: always}}'
SVC[s60]='{command: [/bin/sleep, "10060"], env: {RV_RELOAD_TEST: one}}'
SVC[s70]='{command: [/bin/sleep, "10070"], stop: {signal: SIGTERM, timeout: 5s}}'
SUP="supervisor: {shutdown_timeout: 10s, state_dir: $T/state}"
# emit FILE [EXTRA_LINE...]: writes the config; extra lines go to the end
# of services (raw YAML, indented by the caller).
emit() {
	local f=$1 n; shift
	{
		echo "$SUP"
		echo "services:"
		for n in "${NAMES[@]}"; do [ -n "${SVC[$n]:-}" ] && echo "  $n: ${SVC[$n]}"; done
		for n in "$@"; do echo "$n"; done
	} >"$f.tmp" && mv "$f.tmp" "$f"
}
del_svc() { local n; local -a keep=(); for n in "${NAMES[@]}"; do [ "$n" = "$1" ] || keep+=("$n"); done; NAMES=("${keep[@]}"); unset "SVC[$1]"; }
add_svc() { NAMES+=("$1"); SVC[$1]=$2; }

# --- Facts ------------------------------------------------------------------
# snap FILE: "SERVICE.INDEX PID:STARTTIME STATE" of every instance, sorted
# (the start time tells a process from a later one with the same pid; read
# with builtins: 100 forks would dominate).
snap() {
	status_json | jq -r '.services[] | .name as $n | .instances[] | "\($n).\(.index) \(.pid // 0) \(.state)"' |
		while read -r key pid state; do
			local st=none line
			if [ "$pid" != 0 ] && read -r line <"/proc/$pid/stat" 2>/dev/null; then
				line=${line##*) }; read -r -a f <<<"$line"; st=${f[19]}
			fi
			echo "$key $pid:$st $state"
		done | sort >"$1"
}
# diff_snap OLD NEW: "same|changed|gone|new KEY" for every instance key.
diff_snap() {
	awk 'NR == FNR { o[$1] = $2; next }
		{ if ($1 in o) { print ($2 == o[$1] ? "same" : "changed"), $1; delete o[$1] } else print "new", $1 }
		END { for (k in o) print "gone", k }' "$1" "$2" | sort
}
# keys_of KIND FILE: the instance keys of that kind in a diff, space-separated.
keys_of() { awk -v k="$1" '$1 == k { print $2 }' "$2" | sort | xargs; }
count_of() { awk -v k="$1" '$1 == k' "$2" | wc -l; }
all_running() { ! awk '$3 != "running"' "$1" | grep -q .; }
pid_of() { awk -v k="$1" '$1 == k { split($2, a, ":"); print a[1] }' "$2"; }
id_of() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
svc_names() { status_json | jq -r '[.services[].name] | sort | join(" ")'; }
argv_of() { local -a a; mapfile -d '' a <"/proc/$1/cmdline"; echo "${a[*]}"; }
# settled_as OLD NEW SAME CHANGED GONE NEWKEYS RUNNING: NEW (written) has
# every instance running, RUNNING of them, and its diff against OLD has SAME
# unchanged and exactly the CHANGED, GONE and NEWKEYS keys.
settled_as() {
	snap "$2"
	diff_snap "$1" "$2" >"$2.diff"
	[ "$(wc -l <"$2")" -eq "$7" ] && all_running "$2" &&
		[ "$(count_of same "$2.diff")" -eq "$3" ] && [ "$(keys_of changed "$2.diff")" = "$4" ] &&
		[ "$(keys_of gone "$2.diff")" = "$5" ] && [ "$(keys_of new "$2.diff")" = "$6" ]
}
show_diff() { grep -v '^same ' "$1.diff" | xargs; echo "($(count_of same "$1.diff") same; $(wc -l <"$1") instances, $(awk '$3 != "running"' "$1" | wc -l) not running)"; }
# refused NAME [reload args]: the reload must fail (exit 1) and change
# nothing: same instances, pids and services as $T/s2 (+ the daemon lives).
refused() {
	local name=$1; shift
	rv reload "$@" >"$T/$name.out" 2>"$T/$name.err"; local rc=$?
	[ $rc -eq 1 ] || fail "$name: reload exited $rc, expected 1: $(cat "$T/$name.out" "$T/$name.err")"
	kill -0 "$DAEMON_PID" 2>/dev/null || fail "$name: the daemon died"
	# A refused reload may not have applied anything, not even later: look
	# again after a moment.
	sleep 0.3
	snap "$T/$name.snap"
	cmp -s "$T/s2" "$T/$name.snap" || { diff_snap "$T/s2" "$T/$name.snap" >"$T/$name.snap.diff"; fail "$name: instances changed: $(show_diff "$T/$name.snap")"; }
	[ "$(svc_names)" = "$S2_NAMES" ] || fail "$name: services changed: $(svc_names)"
}
# check_lines NAME FILE: every line `check -c FILE` prints is in the
# reload's stderr (same form), and there is at least one.
check_lines() {
	local line n=0
	"$RINGVISOR" check -c "$2" >"$T/$1.check" 2>&1 && fail "$1: check accepts $2"
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		n=$((n + 1))
		grep -qF -- "$line" "$T/$1.err" || fail "$1: reload's stderr lacks check's line '$line'; it said: $(cat "$T/$1.err")"
	done <"$T/$1.check"
	[ $n -ge 1 ] || fail "$1: check printed nothing"
}

# --- 100 services -----------------------------------------------------------
emit "$CFG"
rv_start "$CFG"
wait_for 20 all_in_state $N running || fail "not all $N running: $(count_state running) running"
snap "$T/s1"
[ "$(wc -l <"$T/s1")" -eq $N ] && all_running "$T/s1" || fail "snapshot: $(wc -l <"$T/s1") instances"
[ "$(svc_field s30 '.limits[] | select(.name == "memory_max") | .value')" = 67108864 ] || fail "s30 memory_max before reload"

# --- The reload (--json, the daemon's own file edited) ----------------------
SVC[s10]='{command: [/bin/sleep, "20010"]}'
del_svc s20
SVC[s30]='{command: [/bin/sleep, "10030"], limits: {memory_max: 32M}}'
SVC[s40]='{command: [/bin/sleep, "10040"], instances: 2}'
SVC[s50]='{command: [/bin/sleep, "10050"], restart: {policy: on-failure}}'
SVC[s60]='{command: [/bin/sleep, "10060"], env: {RV_RELOAD_TEST: two}}'
SVC[s70]='{command: [/bin/sleep, "10070"], stop: {signal: SIGINT, timeout: 5s}}'
add_svc n1 '{command: [/bin/sleep, "30001"]}'
emit "$CFG"
rv reload --json >"$T/r1.json" 2>"$T/r1.err"; rc=$?
[ $rc -eq 0 ] || fail "reload exited $rc: $(cat "$T/r1.json" "$T/r1.err")"
jq -e . "$T/r1.json" >/dev/null || fail "reload --json printed no JSON: $(cat "$T/r1.json")"
j() { jq -c "$1" "$T/r1.json"; }
[ "$(j .ok)" = true ] || fail "reply not ok: $(cat "$T/r1.json")"
[ "$(jq -r .config "$T/r1.json")" = "$CFG" ] || fail "reply config: $(j .config)"
[ "$(j '.kept | length')" -eq 93 ] || fail "kept $(j '.kept | length'), expected 93: $(j .kept)"
[ "$(j '[.kept[] | select(IN("s10","s20","s30","s40","s50","s60","s70","n1"))] | length')" -eq 0 ] ||
	fail "kept lists a changed service: $(j .kept)"
[ "$(j '.kept | unique | length')" -eq 93 ] || fail "kept has repeats"
[ "$(j '.restarted | sort')" = '["s10","s60"]' ] || fail "restarted: $(j .restarted)"
[ "$(j '.stopped')" = '["s20"]' ] || fail "stopped: $(j .stopped)"
[ "$(j '.started')" = '["n1"]' ] || fail "started: $(j .started)"
[ "$(j '[.updated[].service] | sort')" = '["s30","s40","s50","s70"]' ] || fail "updated: $(j .updated)"
for u in s30:limits s40:instances s50:restart s70:stop; do
	keys=$(jq -c --arg s "${u%%:*}" '[.updated[] | select(.service == $s) | .keys[]] | sort' "$T/r1.json")
	[ "$keys" = "[\"${u#*:}\"]" ] || fail "updated ${u%%:*}: keys $keys, expected [${u#*:}]"
done

settled1() { settled_as "$T/s1" "$T/s2" 97 "s10.0 s60.0" "s20.0" "n1.0 s40.1" 101; }
wait_for 15 settled1 || fail "after reload: $(show_diff "$T/s2")"
S2_NAMES=$(svc_names)
case " $S2_NAMES " in *" s20 "*) fail "s20 still in status";; *" n1 "*) ;; *) fail "n1 not in status";; esac
# The old processes of the restarted and removed services are gone; the new
# ones run the new definitions.
for k in s10.0 s20.0 s60.0; do
	proc_id_alive "$(id_of "$k" "$T/s1")" && fail "$k: old process $(pid_of "$k" "$T/s1") still alive"
done
[ "$(argv_of "$(pid_of s10.0 "$T/s2")")" = "/bin/sleep 20010" ] || fail "s10 runs '$(argv_of "$(pid_of s10.0 "$T/s2")")'"
tr '\0' '\n' <"/proc/$(pid_of s60.0 "$T/s2")/environ" | grep -qx RV_RELOAD_TEST=two || fail "s60 lacks the new environment"
[ "$(argv_of "$(pid_of n1.0 "$T/s2")")" = "/bin/sleep 30001" ] || fail "n1 runs '$(argv_of "$(pid_of n1.0 "$T/s2")")'"
# The live keys took effect without a restart.
[ "$(svc_field s30 '.limits[] | select(.name == "memory_max") | .value')" = 33554432 ] ||
	fail "s30 memory_max after reload: $(svc_field s30 .limits)"
[ "$(svc_field s50 .restart_policy)" = on-failure ] || fail "s50 restart_policy: $(svc_field s50 .restart_policy)"
# The daemon log: one line per changed service, one summary.
for e in s10:restarted s20:stopped s30:updated s40:updated s50:updated s60:restarted s70:updated n1:started; do
	grep -qE " ${e%%:*}(\.0)? reload .*${e#*:}" "$T/daemon.log" || fail "no reload line for ${e%%:*} (${e#*:}) in the daemon log"
done
sum=$(grep -E ' reload .*kept=93' "$T/daemon.log") || fail "no reload summary line with kept=93"
# Kept services have their event too.
grep -qE ' s0 reload action=kept$' "$T/daemon.log" || fail "no reload line for the kept s0"
[ "$(grep -cE ' s[0-9]+ reload action=kept$' "$T/daemon.log")" -ge 93 ] || fail "not 93 kept lines"
for f in updated=4 restarted=2 stopped=1 started=1; do
	grep -qE "[ ]$f( |$)" <<<"$sum" || fail "summary lacks $f: $sum"
done
log "reload: 97 pids kept, s10 and s60 restarted, s20 stopped, n1 started, s40 scaled to 2"

# --- Refused reloads: nothing changes --------------------------------------
GOOD=$(cat "$CFG")
X1='  x1: {command: [/bin/sleep, "30009"]}'
# YAML syntax error (the valid part adds x1).
{ echo "$GOOD"; echo "$X1"; echo '  x2:'; echo '    command: [/bin/sleep, "1"'; echo '    instances: 2'; } >"$CFG"
refused syntax
grep -qF "$CFG" "$T/syntax.err" || fail "syntax: stderr does not name $CFG: $(cat "$T/syntax.err")"
check_lines syntax "$CFG"
# --json: the CLI, as for every verb, prints a failure as text on stderr
# (no JSON on stdout), exit 1.
rv reload --json >"$T/syntaxj.out" 2>"$T/syntaxj.err"; rc=$?
[ $rc -eq 1 ] || fail "syntax --json: exit $rc"
grep -qE "^$CFG:[0-9]+:[0-9]+: services\.x2\." "$T/syntaxj.err" || fail "syntax --json: no error line on stderr: $(cat "$T/syntaxj.err")"
# The protocol reply itself: ok false, error, and errors with the lines.
raw_reload() {
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(20)
s.sendall(b"{\"cmd\":\"reload\"}\n"); buf = b""
while not buf.endswith(b"\n"):
    d = s.recv(65536)
    if not d: break
    buf += d
sys.stdout.write(buf.decode())' "$SOCK"
}
raw_reload >"$T/syntax.raw" || fail "raw reload request failed"
[ "$(jq -r .ok "$T/syntax.raw")" = false ] || fail "raw reply not ok false: $(cat "$T/syntax.raw")"
[ "$(jq -r '.error | length > 0' "$T/syntax.raw")" = true ] || fail "raw reply: no error text: $(cat "$T/syntax.raw")"
jq -r '.errors[]' "$T/syntax.raw" | grep -qE "^$CFG:[0-9]+:[0-9]+: services\.x2\." || fail "raw reply: no errors line naming the file: $(cat "$T/syntax.raw")"

# An unknown key and a value error: both reported, each at its line:column
# (whatever check prints, reload must print too).
{ echo "$GOOD"; echo "$X1"; echo '  x2: {command: [/bin/sleep, "1"], colour: red, restart: {policy: sometimes}}'; } >"$CFG"
refused unknown
check_lines unknown "$CFG"
grep -qE "^$CFG:[0-9]+:[0-9]+: services\.x2\.colour: unknown key" "$T/unknown.err" || fail "unknown: no services.x2.colour error: $(cat "$T/unknown.err")"
grep -qE "^$CFG:[0-9]+:[0-9]+: services\.x2\.restart\.policy: " "$T/unknown.err" || fail "unknown: no restart.policy error: $(cat "$T/unknown.err")"
# Two value errors in two services: both reported.
{ echo "$GOOD"; echo "$X1"; echo '  x2: {command: [/bin/sleep, "1"], restart: {policy: sometimes}}'
	echo '  x3: {command: [/bin/sleep, "1"], stop: {signal: SIGFOO}}'; } >"$CFG"
refused values
check_lines values "$CFG"
grep -qE "^$CFG:[0-9]+:[0-9]+: services\.x2\.restart\.policy: " "$T/values.err" || fail "values: no restart.policy error: $(cat "$T/values.err")"
grep -qE "^$CFG:[0-9]+:[0-9]+: services\.x3\.stop\.signal: " "$T/values.err" || fail "values: no stop.signal error: $(cat "$T/values.err")"
# A supervisor key that cannot change live (state_dir: not overridden on
# the command line, unlike control_socket and cgroup_root in lib.sh).
{ echo "$GOOD" | sed "s|state_dir: $T/state|state_dir: $T/state2|"; echo "$X1"; } >"$CFG"
grep -q "state_dir: $T/state2" "$CFG" || fail "test bug: state_dir not edited"
"$RINGVISOR" check -c "$CFG" >/dev/null 2>&1 || fail "test bug: the state_dir file does not pass check"
refused supdir
grep -qF supervisor.state_dir "$T/supdir.err" || fail "supdir: stderr does not name supervisor.state_dir: $(cat "$T/supdir.err")"
raw_reload >"$T/supdir.raw" || fail "raw reload request failed"
[ "$(jq -r '[.ok, (.error | contains("supervisor.state_dir")), ((.errors // []) | length)] | @tsv' "$T/supdir.raw")" = "false	true	0" ] ||
	fail "supdir: raw reply: $(cat "$T/supdir.raw")"
# The unchanged file again: everything kept.
echo "$GOOD" >"$CFG"
rv reload --json >"$T/same.json" 2>"$T/same.err" || fail "reload of the unchanged file failed: $(cat "$T/same.json" "$T/same.err")"
[ "$(jq -c '[(.kept | length), .updated, .restarted, .stopped, .started]' "$T/same.json")" = '[100,[],[],[],[]]' ] ||
	fail "unchanged file: $(cat "$T/same.json")"
snap "$T/same.snap"
cmp -s "$T/s2" "$T/same.snap" || { diff_snap "$T/s2" "$T/same.snap" >"$T/same.snap.diff"; fail "unchanged file changed instances: $(show_diff "$T/same.snap")"; }
log "refused: syntax error, unknown key, value errors, supervisor.state_dir; nothing changed"

# --- SIGHUP: the daemon's file again, h1 added -----------------------------
add_svc h1 '{command: [/bin/sleep, "30002"]}'
emit "$CFG"
kill -HUP "$DAEMON_PID"
settled3() { settled_as "$T/s2" "$T/s3" 101 "" "" "h1.0" 102; }
wait_for 10 settled3 || fail "after SIGHUP: $(show_diff "$T/s3")"
kill -0 "$DAEMON_PID" || fail "SIGHUP ended the daemon"
grep -qE ' h1(\.0)? reload .*started' "$T/daemon.log" || fail "no reload line for h1"
# (The unchanged-file reload logged kept=100 too, with started=0.)
grep -E ' reload .*kept=100' "$T/daemon.log" | grep -qE '[ ]started=1( |$)' ||
	fail "no summary line kept=100 started=1 for the SIGHUP reload: $(grep -E ' reload .*kept=' "$T/daemon.log")"

# --- reload -c OTHER (relative path): s0 restarted, s70 stopped, o1 started -
SVC[s0]='{command: [/bin/sleep, "20000"]}'
del_svc s70
add_svc o1 '{command: [/bin/sleep, "30003"]}'
emit "$T/other.yaml"
(cd "$T" && "$RINGVISOR" --socket "$SOCK" reload -c other.yaml) >"$T/r4.out" 2>"$T/r4.err" ||
	fail "reload -c other.yaml failed: $(cat "$T/r4.out" "$T/r4.err")"
for l in '^restarted s0$' '^stopped s70$' '^started o1$' '^kept\b.*\b99\b'; do
	grep -qE "$l" "$T/r4.out" || fail "reload text output lacks /$l/: $(cat "$T/r4.out")"
done
[ "$(grep -cE '^(updated|restarted|stopped|started) ' "$T/r4.out")" -eq 3 ] ||
	fail "reload text output: not 3 changes: $(cat "$T/r4.out")"
settled4() { settled_as "$T/s3" "$T/s4" 100 "s0.0" "s70.0" "o1.0" 102; }
wait_for 10 settled4 || fail "after reload -c: $(show_diff "$T/s4")"
[ "$(argv_of "$(pid_of s0.0 "$T/s4")")" = "/bin/sleep 20000" ] || fail "s0 runs '$(argv_of "$(pid_of s0.0 "$T/s4")")'"
# s70 stopped with the stop signal the first reload gave it.
grep -qE ' s70\.0 stop signal=SIGINT' "$T/daemon.log" || fail "s70 not stopped with SIGINT: $(grep ' s70' "$T/daemon.log" | tail -n 3)"
[ "$(status_json | jq -r .supervisor.config)" = "$T/other.yaml" ] || fail "status config: $(status_json | jq -r .supervisor.config)"
# other.yaml is now the daemon's file: a plain reload reads it.
add_svc o2 '{command: [/bin/sleep, "30004"]}'
emit "$T/other.yaml"
rv reload --json >"$T/r5.json" 2>"$T/r5.err" || fail "plain reload after -c failed: $(cat "$T/r5.json" "$T/r5.err")"
[ "$(jq -r .config "$T/r5.json")" = "$T/other.yaml" ] || fail "plain reload read $(jq -r .config "$T/r5.json")"
[ "$(jq -c '[(.kept | length), .started]' "$T/r5.json")" = '[101,["o2"]]' ] || fail "plain reload after -c: $(cat "$T/r5.json")"
wait_for 10 state_is o2.0 running || fail "o2 not running"
log "SIGHUP added h1; reload -c other.yaml applied it and made it the daemon's file"
exit 0
