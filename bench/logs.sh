#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/logs.sh RINGVISOR BENCHDIR: log-capture throughput (`make bench`).
# One service, BENCHDIR/spew (bench/spew.c), writes LOGBENCH_BYTES (1 GiB)
# of 100-byte lines to stdout as fast as it can; each supervisor in turn
# captures it to a file: ringvisor (supervisor.log, both event backends, and
# each again with --log-splice=off: every byte through the framer),
# supervisord (stdout_logfile), s6 (s6-log), and as the floor spew writing
# the file itself. Figures only, nothing asserted; docs/performance.md
# ("Log capture") has a run and the method.
#
# Each service waits at a FIFO (spew -g) until its supervisor is up and
# BENCHDIR/logwait has read the supervisor's CPU time. wall s: spew's first
# write to logwait seeing the log dir's files sum to exactly BYTES (10 ms
# polls); supervisor CPU s: utime+stime meanwhile (s6: s6-svscan, both
# s6-supervise, s6-log); bytes ok: once stopped, the files hold BYTES with
# the BLAKE2 sum of `spew BYTES` (ringvisor: and no dropped_bytes).
# Knobs: LOGBENCH_BYTES (1073741824), LOGBENCH_LINE (100), LOGBENCH_RUNS
# ("floor cat rv ep rvc epc sv s6"), LOGBENCH_TIMEOUT (s a run, 180), LOGBENCH_STALL
# (s without growth, 15), LOGBENCH_S6LOG (s6-log's script before the
# logdir, "n20 s268435455": its largest file), LOGBENCH_KEEP=1 keeps the
# temp dir. Everything started here is stopped by pid on the way out.
set -uo pipefail
export LC_ALL=C   # '.' decimals, and globs sorted by byte (s6's archive names)

BIN=${1:?usage: bench/logs.sh /abs/path/ringvisor /abs/path/build/bench}
BDIR=${2:?usage: bench/logs.sh /abs/path/ringvisor /abs/path/build/bench}
SPEW=$BDIR/spew
LOGWAIT=$BDIR/logwait
BYTES=${LOGBENCH_BYTES:-1073741824}
LINE=${LOGBENCH_LINE:-100}
RUNS=${LOGBENCH_RUNS:-floor cat rv ep rvc epc sv s6}
TIMEOUT=${LOGBENCH_TIMEOUT:-180}
STALL=${LOGBENCH_STALL:-15}
read -r -a S6LOG_ARGS <<<"${LOGBENCH_S6LOG:-n20 s268435455}"
HZ=$(getconf CLK_TCK)
T0=$SECONDS

TMP=$(mktemp -d /tmp/ringvisor-logbench.XXXXXX) || exit 1
STARTED=()   # supervisors started here (children of this shell)
WPID=        # logwait, while it runs
KIDS=()      # pid:comm of their descendants, stopped by pid if left over
CGROOT=
declare -A R   # R[col.key]: wall, mbs, cpu, ok, note

log() { printf 'logbench [%3ds]: %s\n' $((SECONDS - T0)) "$*" >&2; }
note() { R[$1.note]="${R[$1.note]:+${R[$1.note]}; }$2"; log "$1: $2"; }

alive() { local st; st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1); [ -n "$st" ] && [ "$st" != Z ]; }
wait_gone() { local i; for ((i = 0; i < $2 * 20; i++)); do alive "$1" || return 0; sleep 0.05; done; return 1; }
children_of() { cat /proc/"$1"/task/*/children 2>/dev/null; }
kv() { local w; for w in $2; do [ "${w%%=*}" = "$1" ] && echo "${w#*=}"; done; }   # kv KEY "k=v ..."
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }   # secs NS0 NS1
mbs() { awk -v n="$BYTES" -v w="$1" 'BEGIN { printf "%.0f", n / 1e6 / (w > 0 ? w : 0.005) }'; }
desc_named() {   # desc_named PID COMM: the first descendant of PID named COMM
	local q=("$1") p c
	while [ ${#q[@]} -gt 0 ]; do
		p=${q[0]}; q=("${q[@]:1}")
		for c in $(children_of "$p"); do
			[ "$(cat /proc/"$c"/comm 2>/dev/null)" = "$2" ] && { echo "$c"; return 0; }
			q+=("$c")
		done
	done
	return 1
}
stop_pid() {   # SIGTERM, 20 s, SIGKILL
	alive "$1" && { kill -TERM "$1" 2>/dev/null; wait_gone "$1" 20 || kill -KILL "$1" 2>/dev/null; }
	wait "$1" 2>/dev/null
	local keep=() p; for p in "${STARTED[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done; STARTED=("${keep[@]}")
}
reap_kids() {   # the recorded descendants still there, by pid (comm checked)
	local k; for k in "${KIDS[@]}"; do
		[ "$(cat /proc/"${k%%:*}"/comm 2>/dev/null)" = "${k#*:}" ] && kill -KILL "${k%%:*}" 2>/dev/null
	done; KIDS=()
}
cleanup() {
	local p
	trap - EXIT INT TERM
	[ -n "$WPID" ] && kill -TERM "$WPID" 2>/dev/null
	for p in "${STARTED[@]}"; do log "cleanup: stopping pid $p"; stop_pid "$p"; done
	reap_kids
	if [ -n "$CGROOT" ] && [ -d "$CGROOT" ]; then
		[ -f "$CGROOT/services/cgroup.kill" ] && echo 1 >"$CGROOT/services/cgroup.kill" 2>/dev/null && sleep 0.2
		find "$CGROOT" -depth -type d -exec rmdir {} \; 2>/dev/null
	fi
	if [ "${LOGBENCH_KEEP:-0}" = 1 ]; then log "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'log interrupted; exit 130' INT TERM
for f in "$SPEW" "$LOGWAIT"; do [ -x "$f" ] || { log "no $f (make $f)"; exit 1; }; done
command -v b2sum >/dev/null || { log "b2sum missing (coreutils)"; exit 1; }

# measure COL DIR PID...: PID[0]'s spew (or PID[0], a spew) waits at its gate.
measure() {
	local col=$1 dir=$2 spid i line start end t res; shift 2
	for ((i = 0; i < 200; i++)); do
		[ "$(cat /proc/"$1"/comm 2>/dev/null)" = spew ] && { spid=$1; shift; break; }
		spid=$(desc_named "$1" spew) && break
		alive "$1" || break
		sleep 0.05
	done
	[ -n "$spid" ] || { note "$col" "the service never started"; return 1; }
	KIDS+=("$spid:spew")
	"$LOGWAIT" "$BYTES" "$dir" "$TIMEOUT" "$STALL" "$@" >"$TMP/$col.wait" &
	WPID=$!
	sleep 0.2
	# shellcheck disable=SC2016 # $1 is the inner shell's
	if ! timeout 10 bash -c 'echo go >"$1"' _ "$TMP/$col.gate"; then
		kill -TERM "$WPID"; wait "$WPID"; WPID=
		note "$col" "could not open the gate"; return 1
	fi
	wait "$WPID"; WPID=
	line=$(<"$TMP/$col.wait")
	for ((i = 0; i < 100; i++)); do [ -s "$TMP/$col.stamp" ] && break; sleep 0.05; done
	read -r start end <"$TMP/$col.stamp" 2>/dev/null || { note "$col" "spew left no stamp"; start=; }
	res=$(kv result "$line"); t=$(kv t_ns "$line")
	[ "$res" = "done" ] || note "$col" "$res after $(kv bytes "$line") of $BYTES bytes"
	[ -n "$start" ] && [ "$res" = "done" ] || return 1
	R[$col.wall]=$(secs "$start" "$t"); R[$col.mbs]=$(mbs "${R[$col.wall]}"); R[$col.writer]=$(secs "$start" "$end")
	R[$col.ticks]=$(kv ticks "$line")
	R[$col.cpu]=$(tr , '\n' <<<"${R[$col.ticks]}" | awk -v hz="$HZ" '{ s += $1 } END { printf "%.2f", s / hz }')
	log "$col: ${R[$col.wall]} s, ${R[$col.mbs]} MB/s, CPU ${R[$col.cpu]} s (ticks ${R[$col.ticks]}); spew wrote it all in ${R[$col.writer]} s"
}

EXPECT=
verify() {   # verify COL FILE...: exact size, same bytes as spew's
	local col=$1 size=0 f sum; shift
	for f in "$@"; do size=$((size + $(stat -c %s "$f"))); done
	[ -n "$EXPECT" ] || EXPECT=$("$SPEW" "$BYTES" "$LINE" | b2sum | cut -d' ' -f1)   # once
	sum=$(cat "$@" /dev/null | b2sum | cut -d' ' -f1)
	if [ "$size" = "$BYTES" ] && [ "$sum" = "$EXPECT" ]; then
		R[$col.ok]=${R[$col.ok]:-yes}
	else
		R[$col.ok]=NO
		note "$col" "$# files, $size of $BYTES bytes; $(cat "$@" /dev/null | cmp - <("$SPEW" "$BYTES" "$LINE") 2>&1 | head -1)"
	fi
	rm -f "$@"
}

mkgate() { mkfifo "$TMP/$1.gate"; }   # spew_cmd COL: spew's argv, one a line
spew_cmd() { printf '%s\n' "$SPEW" -g "$TMP/$1.gate" -t "$TMP/$1.stamp" "$BYTES" "$LINE"; }

run_floor() {
	local start end
	"$SPEW" -t "$TMP/floor.stamp" "$BYTES" "$LINE" >"$TMP/floor.out" || note floor "spew failed"
	read -r start end <"$TMP/floor.stamp"
	R[floor.wall]=$(secs "$start" "$end"); R[floor.mbs]=$(mbs "${R[floor.wall]}"); R[floor.cpu]="-"
	verify floor "$TMP/floor.out"
}

run_cat() {   # the floor of a relay: cat between the pipe and the file
	local fifo=$TMP/cat.fifo cpid spid argv
	mkdir -p "$TMP/cat"; mkgate cat; mkfifo "$fifo"
	cat <"$fifo" >"$TMP/cat/out" & cpid=$!; STARTED+=("$cpid")
	mapfile -t argv < <(spew_cmd cat); "${argv[@]}" >"$fifo" & spid=$!; STARTED+=("$spid")
	measure cat "$TMP/cat" "$spid" "$cpid"
	stop_pid "$cpid"; stop_pid "$spid"
	verify cat "$TMP/cat/out"
}

RV_EXTRA=()
if [ "$(id -u)" = 0 ] && "$BIN" run --help 2>&1 | grep -q -- --cgroup-root; then
	CGROOT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	CGROOT=${CGROOT:+$CGROOT/rv-logbench-$$}
	RV_EXTRA=(--cgroup-root="${CGROOT:-none}")
fi

run_rv() {   # run_rv COL BACKEND [RUN OPTION...]
	local col=$1 be=$2 dir=$TMP/$1 pid f; shift 2
	mkdir -p "$dir/logs"; mkgate "$col"
	{
		printf 'supervisor:\n  shutdown_timeout: 20s\n  log: {dir: "%s", max_bytes: 0, backups: 0}\n' "$dir/logs"
		printf 'services:\n  spew:\n    command: [%s]\n' "$(spew_cmd "$col" | sed 's/.*/"&"/' | paste -sd,)"
		echo "    restart: {policy: never}"
	} >"$dir/rv.yaml"
	if ! "$BIN" check -c "$dir/rv.yaml" >"$dir/check.out" 2>&1; then
		R[$col.ok]="config rejected"; note "$col" "check: $(head -2 "$dir/check.out" | tr '\n' ' ')"; return 1
	fi
	"$BIN" run -c "$dir/rv.yaml" --socket "$dir/sock" --event-backend="$be" "$@" "${RV_EXTRA[@]}" >"$dir/daemon.out" 2>"$dir/daemon.log" &
	pid=$!; STARTED+=("$pid")
	measure "$col" "$dir/logs" "$pid"
	"$BIN" status --json --socket "$dir/sock" >"$dir/status.json" 2>/dev/null
	# Each stream's counters (docs/protocol.md): services[].instances[].log.{stdout,stderr}.
	local st='[.services[]?.instances[]?.log // {} | to_entries[] | select(.value | type == "object")]'
	R[$col.counters]=$(jq -r "$st"' | map("\(.key): " + (.value | to_entries | map(select(.value | type == "number")
		| "\(.key)=\(.value)") | join(" "))) | join("; ")' "$dir/status.json" 2>/dev/null)
	R[$col.dropped]=$(jq -r "$st"' | if length == 0 then "none" else map(.value.dropped_bytes // 0) | add end' "$dir/status.json" 2>/dev/null)
	timeout 30 "$BIN" shutdown --socket "$dir/sock" >/dev/null 2>&1
	wait_gone "$pid" 30 || note "$col" "daemon still up after shutdown"
	stop_pid "$pid"
	[ -s "$dir/daemon.out" ] && note "$col" "$(stat -c %s "$dir/daemon.out") bytes went to the daemon's own stdout"
	[ "${R[$col.dropped]:-none}" = none ] && note "$col" "status --json has no log counters"
	case ${R[$col.dropped]:-} in 0|none) ;; *) R[$col.ok]=NO; note "$col" "dropped_bytes: ${R[$col.dropped]:-status failed}" ;; esac
	local files=() n   # the oldest backup first (.1 is the newest), the live file last
	for n in $(for f in "$dir"/logs/spew.0.log.*; do f=${f##*.}; [[ $f =~ ^[0-9]+$ ]] && echo "$f"; done | sort -rn); do
		files+=("$dir/logs/spew.0.log.$n")
	done
	[ -f "$dir/logs/spew.0.log" ] && files+=("$dir/logs/spew.0.log")
	[ ${#files[@]} -gt 0 ] || { R[$col.ok]=NO; note "$col" "no $dir/logs/spew.0.log; $(tail -2 "$dir/daemon.log" | tr '\n' ' ')"; return 1; }
	verify "$col" "${files[@]}"
}

run_sv() {
	local dir=$TMP/sv pid
	SUPERVISORD=$(command -v supervisord) || { R[sv.ok]=skipped; note sv "SKIP: supervisord not installed (make bench-deps)"; return 1; }
	mkdir -p "$dir/logs"; mkgate sv
	cat >"$dir/supervisord.conf" <<EOF
[supervisord]
nodaemon=true
logfile=$dir/supervisord.log
logfile_maxbytes=0
pidfile=$dir/supervisord.pid
childlogdir=$dir

[program:spew]
command=$(spew_cmd sv | tr '\n' ' ')
autostart=true
autorestart=false
startsecs=0
redirect_stderr=true
stdout_logfile=$dir/logs/spew.log
stdout_logfile_maxbytes=0
stdout_logfile_backups=0
EOF
	"$SUPERVISORD" -n -c "$dir/supervisord.conf" >"$dir/out.log" 2>&1 &
	pid=$!; STARTED+=("$pid")
	measure sv "$dir/logs" "$pid"
	stop_pid "$pid"
	verify sv "$dir/logs/spew.log"
}

run_s6() {
	local dir=$TMP/s6 scan=$TMP/s6/scan pid i f sup=() lg='' files=()
	if ! command -v s6-log >/dev/null || ! command -v s6-svscan >/dev/null; then
		R[s6.ok]=skipped; note s6 "SKIP: s6-log not installed (make bench-deps)"; return 1
	fi
	mkdir -p "$scan/spew/log" "$dir/logs"; mkgate s6
	printf '#!/bin/sh\nexec 2>&1\nexec %s\n' "$(spew_cmd s6 | tr '\n' ' ')" >"$scan/spew/run"
	printf '#!/bin/sh\nexec s6-log %s %s\n' "${S6LOG_ARGS[*]}" "$dir/logs" >"$scan/spew/log/run"
	chmod +x "$scan/spew/run" "$scan/spew/log/run"
	s6-svscan "$scan" >"$dir/svscan.log" 2>&1 &
	pid=$!; STARTED+=("$pid")
	for ((i = 0; i < 200; i++)); do
		lg=$(desc_named "$pid" s6-log) && [ -n "$(desc_named "$pid" spew)" ] && break
		sleep 0.05
	done
	read -r -a sup <<<"$(children_of "$pid" | tr '\n' ' ')"
	for i in "${sup[@]}" "$lg"; do [ -n "$i" ] && KIDS+=("$i:$(cat /proc/"$i"/comm 2>/dev/null)"); done
	s6-svc -O "$scan/spew" || note s6 "s6-svc -O failed: spew may be restarted"
	measure s6 "$dir/logs" "$pid" "${sup[@]}" ${lg:+"$lg"}
	R[s6.log_cpu]=$(awk -F, -v hz="$HZ" '{ printf "%.2f", $NF / hz }' <<<"${R[s6.ticks]:-0}")
	s6-svscanctl -t "$scan" 2>/dev/null
	wait_gone "$pid" 10 || note s6 "s6-svscan still up 10 s after s6-svscanctl -t"
	stop_pid "$pid"
	for i in "${sup[@]}" "$lg"; do wait_gone "$i" 5; done
	reap_kids
	for f in "$dir"/logs/@*.[su]; do [ -f "$f" ] && files+=("$f"); done   # TAI64N names: in time order
	[ -f "$dir/logs/previous" ] && files+=("$dir/logs/previous")
	[ -f "$dir/logs/current" ] && files+=("$dir/logs/current")
	R[s6.files]=${#files[@]}; verify s6 "${files[@]}"
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A NAME=([floor]="none (spew>file)" [cat]="cat (spew|cat)" [rv]=ringvisor [ep]="ringvisor epoll" [rvc]="rv copying" [epc]="rv epoll copying" [sv]=supervisord [s6]=s6-log)
for r in $RUNS; do
	log "run: $r"
	case $r in
	floor) run_floor ;; cat) run_cat ;; rv) run_rv rv auto ;; ep) run_rv ep epoll ;;
	rvc) run_rv rvc auto --log-splice=off ;; epc) run_rv epc epoll --log-splice=off ;; sv) run_sv ;; s6) run_s6 ;;
	*) log "unknown run $r" ;;
	esac
	reap_kids
done

# ---- table ----
if ((BYTES % 1073741824 == 0)); then human="$((BYTES / 1073741824)) GiB"
elif ((BYTES % 1048576 == 0)); then human="$((BYTES / 1048576)) MiB"
else human="$BYTES bytes"; fi
ratio() {
	awk -v a="${R[$1.mbs]:-}" -v b="${R[$2.mbs]:-}" -v ok="${R[$1.ok]:-}${R[$2.ok]:-}" \
		'BEGIN { if (a == "" || b == "" || b == 0 || ok != "yesyes") print "n/a"; else printf "%.1fx", a / b }'
}
echo
echo "log capture, $human in $LINE-byte lines, one service -> file ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, kernel $(uname -r), load $LOAD0 before, $(cut -d' ' -f1-3 /proc/loadavg) after)"
printf '%-16s %8s %8s %18s   %s\n' supervisor MB/s "wall s" "supervisor CPU s" "bytes ok"
for r in $RUNS; do
	[ -n "${NAME[$r]:-}" ] && printf '%-16s %8s %8s %18s   %s\n' "${NAME[$r]}" "${R[$r.mbs]:-n/a}" \
		"${R[$r.wall]:-n/a}" "${R[$r.cpu]:-n/a}" "${R[$r.ok]:-n/a}"
done
echo "ringvisor / supervisord: $(ratio rv sv), epoll $(ratio ep sv) (aim >= 1x); ringvisor / floor (spew>file): $(ratio rv floor), epoll $(ratio ep floor) (aim >= 0.9x); ringvisor / s6-log: $(ratio rv s6)"
echo "copying (--log-splice=off) / supervisord: $(ratio rvc sv), epoll $(ratio epc sv)"
echo
for r in $RUNS; do
	[ -n "${R[$r.writer]:-}" ] && echo "$r: spew wrote its last byte into the pipe after ${R[$r.writer]} s; CPU ticks per process ${R[$r.ticks]:-n/a} (${HZ}/s)"
	[ -n "${R[$r.counters]:-}" ] && echo "$r: status counters: ${R[$r.counters]}"
	[ -n "${R[$r.note]:-}" ] && echo "$r: ${R[$r.note]}"
done
[ -n "${R[s6.ticks]:-}" ] && echo "s6: s6-log ${S6LOG_ARGS[*]}, ${R[s6.files]:-n/a} files; CPU s6-svscan,s6-supervise x2,s6-log: ticks ${R[s6.ticks]:-n/a}, s6-log alone ${R[s6.log_cpu]:-n/a} s"
[[ " $RUNS " = *" sv "* ]] && [ -n "${SUPERVISORD:-}" ] && echo "sv: supervisord $("$SUPERVISORD" --version 2>/dev/null)"
echo "log bench took $((SECONDS - T0)) s"
