# SPDX-License-Identifier: MIT
# bench/lib_measure.sh: sourced by bench/run.sh. How a figure is read: log
# timestamps as ms of the day, nearest-rank percentiles, memory, CPU time,
# page faults, context switches and threads of a pid from /proc, a value
# out of rvbench's "key=value" lines; and how a measurement is run: a
# daemon started through `rvbench launch` (its watcher writes the result
# file), waiting for that result, and a command in the background that a
# signal interrupts at once. Uses run.sh's HELPER, SOCK, STARTED, BGPID.

ms_of_day() {   # awk: "HH:MM:SS.mmm" or "HH:MM:SS,mmm" -> ms since midnight
	cat <<'EOF'
function ms(t,   a) { gsub(",", ".", t); split(t, a, ":"); return (a[1] * 3600 + a[2] * 60 + a[3]) * 1000 }
EOF
}

# percentiles PCT...: nearest-rank percentiles of the numbers on stdin
percentiles() {
	sort -n | awk -v want="$*" '{ v[NR] = $1 } END {
		n = split(want, p, " ");
		for (i = 1; i <= n; i++) {
			if (NR == 0) { printf "n/a "; continue }
			k = int(p[i] / 100 * NR + 0.999999); if (k < 1) k = 1; if (k > NR) k = NR;
			printf "%s ", v[k] }
		printf "%d\n", NR }'
}

pss_kib() { awk '/^Pss:/ { print $2 }' "/proc/$1/smaps_rollup" 2>/dev/null; }
rss_kib() { awk '/^Rss:/ { print $2 }' "/proc/$1/smaps_rollup" 2>/dev/null; }
pd_kib() { awk '/^Private_Dirty:/ { print $2 }' "/proc/$1/smaps_rollup" 2>/dev/null; }

cpu_ns() {   # on-CPU time of every thread of PID (io_uring workers included), ns
	cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'
}
minflt() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $8 }'; }
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }   # utime+stime
vol_ctx() {
	cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches/ { s += $2 } END { print s + 0 }'
}
threads() { ls /proc/"$1"/task 2>/dev/null | wc -l; }

kv() {   # kv "a=1 b=2" KEY
	tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { print $2 }'
}

# launch PROTO COUNT RESULT -- CMD...: starts CMD through rvbench (which
# becomes it) in the background; sets LPID. The watcher writes RESULT.
launch() {
	local proto=$1 count=$2 res=$3 interval
	shift 4
	interval=10; [ "$proto" = sv ] && interval=50
	rm -f "$res"
	"$HELPER" launch --proto "$proto" --socket "$SOCK" --count "$count" --result "$res" \
		--interval-ms "$interval" --timeout-s 150 -- "$@" &
	LPID=$!
	STARTED+=("$LPID")
}

# wait_result RESULT PID SECONDS: sets line to the watcher's result. Runs in
# this shell (no $(...)), so that ^C is acted on within 50 ms.
wait_result() {
	local i
	line=
	for ((i = 0; i < $3 * 20; i++)); do
		[ -f "$1" ] && { line=$(<"$1"); return 0; }
		alive "$2" || { sleep 0.2; [ -f "$1" ] && { line=$(<"$1"); return 0; }; return 1; }
		sleep 0.05
	done
	return 1
}

# bg OUT CMD...: runs CMD in the background and waits for it, so that a
# signal is acted on at once; its stdout goes to OUT.
bg() {
	local out=$1 rc
	shift
	"$@" >"$out" &
	BGPID=$!
	wait "$BGPID"
	rc=$?
	BGPID=
	return $rc
}
