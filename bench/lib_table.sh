# SPDX-License-Identifier: MIT
# bench/lib_table.sh: sourced by bench/run.sh. The table of results: one
# row per figure, one column per entry of COLS (rv, ep, sv, fl, fv), each
# cell read out of R[COL.key] (rvbench's key=value lines among them) and
# shown in ms, KiB or a count, 'n/a' where not measured; then the
# machine, the settings and the raw lines behind the cells. Uses run.sh's
# COLS, R, N, SV_N, FLOOR_N, SAMPLES, ST_SAMPLES, SV_SAMPLES, IDLE_S,
# TARGET_IDX, SUPERVISORD, DO_FLOOR and LOAD0.

get() { local v=${R[$1]:-}; [ -n "$v" ] && [ "$v" != -1.0 ] && printf '%s' "$v" || printf 'n/a'; }
us2ms() { [ -n "$1" ] && [ "$1" != n/a ] && awk -v u="$1" 'BEGIN { if (u < 0) print "n/a"; else printf "%.2f", u / 1000 }' || echo n/a; }
per_service() {   # per_service COL COUNT [pss|pd]: (XN - X1) / (count - 1), KiB
	local k=${3:-pss}
	local a=${R[$1.${k}N]:-} b=${R[$1.${k}1]:-} c=$2
	[ -n "$a" ] && [ -n "$b" ] && awk -v a="$a" -v b="$b" -v c="$c" 'BEGIN { printf "%.2f", (a - b) / (c - 1) }' || echo n/a
}

row() {   # row METRIC AIM VALUES...
	local metric=$1 aim=$2
	shift 2
	printf '| %-44s |' "$metric"
	local v
	for v in "$@"; do printf ' %12s |' "$v"; done
	printf ' %-14s |\n' "$aim"
}

cell() {   # cell KIND COL: one figure of one column
	local k=$1 c=$2 n=$N v
	[ "$c" = sv ] && n=$SV_N
	case $k in
	start_running|start_exec|start_log|start_cpu) get "$c.$k" ;;
	spawn_cpu) [ -n "${R[$c.start_cpu]:-}" ] && awk -v a="${R[$c.start_cpu]}" -v n="$n" 'BEGIN { printf "%.2f", a / n }' || echo n/a ;;
	spawn_flt) [ -n "${R[$c.start_flt]:-}" ] && awk -v a="${R[$c.start_flt]}" -v n="$n" 'BEGIN { printf "%.0f", a / n }' || echo n/a ;;
	rx_med) us2ms "$(kv "${R[$c.rx]:-}" median_us)" ;;
	rx_p99) us2ms "$(kv "${R[$c.rx]:-}" p99_us)" ;;
	rx_f2e) us2ms "$(kv "${R[$c.rx]:-}" fork_exec_med_us)" ;;
	rs_med) us2ms "$(kv "${R[$c.rs]:-}" median_us)" ;;
	rs_p99) us2ms "$(kv "${R[$c.rs]:-}" p99_us)" ;;
	rlog_med) v=${R[$c.rlog]:-}; echo "${v%% *}" | sed 's/^$/n\/a/' ;;
	rlog_p99) v=${R[$c.rlog]:-}; v=${v#* }; echo "${v%% *}" | sed 's/^$/n\/a/' ;;
	pssN|pss1|rssN|fds|idle_cpu_ms|idle_ticks|idle_ctx|threads) get "$c.$k" ;;
	idle_wake) [ "$c" = sv ] && echo "no counter" || get "$c.$k" ;;
	rx_x2f) [ "${c:0:1}" = f ] && echo n/a || us2ms "$(kv "${R[$c.rx]:-}" exit_fork_med_us)" ;;
	per) per_service "$c" "$n" ;;
	per_pd) per_service "$c" "$n" pd ;;
	rx_e2r) us2ms "$(kv "${R[$c.rx]:-}" exec_status_med_us)" ;;
	rs_x) us2ms "$(kv "${R[$c.rs]:-}" kill_exec_while_polling_med_us)" ;;
	rate) # services exec'd per second during the start
		if [ "$c" = fl ]; then v=$(get fl.bulk_ms); n=$FLOOR_N; else v=$(get "$c.start_exec"); fi
		[ "$v" != n/a ] && awk -v n="$n" -v t="$v" 'BEGIN { printf "%.0f", n * 1000 / t }' || echo n/a ;;
	sc_one) us2ms "$(kv "${R[$c.sc]:-}" one_us)" ;;
	sc_all) us2ms "$(kv "${R[$c.sc]:-}" all_us)" ;;
	sc_bytes) v=$(kv "${R[$c.sc]:-}" all_bytes); echo "${v:-n/a}" ;;
	esac
}

line_for() {   # line_for METRIC AIM KIND
	local vals=() c
	for c in "${COLS[@]}"; do vals+=("$(cell "$3" "$c")"); done
	row "$1" "$2" "${vals[@]}"
}

# table_head: what ran where, and the table's heading.
table_head() {
	local heads c
	heads=()
	for c in "${COLS[@]}"; do
		case $c in
		rv) heads+=("ringvisor") ;; ep) heads+=("rv epoll") ;; sv) heads+=("supervisord") ;;
		fl) heads+=("floor fork") ;; fv) heads+=("floor vfork") ;;
		esac
	done
	echo
	echo "ringvisor benchmarks, $(date -u +%Y-%m-%dT%H:%MZ): $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), kernel $(uname -r), load average $LOAD0 before, $(cut -d' ' -f1-3 /proc/loadavg) after"
	echo "ringvisor: $N services ('rv epoll': --event-backend=epoll)${BENCH_SPAWN:+, --spawn=$BENCH_SPAWN}; restart: $SAMPLES samples, $ST_SAMPLES timed by a status loop, on instance $TARGET_IDX"
	[ -n "$SUPERVISORD" ] && echo "supervisord $("$SUPERVISORD" --version 2>/dev/null): $SV_N programs$([ "$SV_N" != "$N" ] && echo ", not $N (it spawns only a few a second here)"); restart: $SV_SAMPLES samples each way"
	[ "$DO_FLOOR" = 1 ] && echo "floor: a small C program spawning sleep itself, no daemon: $FLOOR_N at once by fork, restarts by fork and by vfork ($(kv "${R[fl.line]:-}" fault_us) us per page fault here)"
	echo "'n/a': not measured or not applicable"
	echo
	row metric aim "${heads[@]}"
	printf '|%s|' "$(printf -- '-%.0s' $(seq 46))"
	for c in "${COLS[@]}"; do printf '%s|' "$(printf -- '-%.0s' $(seq 14))"; done
	printf '%s|\n' "$(printf -- '-%.0s' $(seq 16))"
}

# table_rows: one row per figure.
table_rows() {
	line_for "1. start all: status shows all running (ms)" "< 1000 ms" start_running
	line_for "   last child exec'd (kernel event, ms)" "" start_exec
	line_for "   services exec'd per second" "" rate
	line_for "   own log: first to last start (ms)" "" start_log
	line_for "   daemon CPU time until then (ms)" "" start_cpu
	line_for "   daemon CPU per service started (ms)" "" spawn_cpu
	line_for "   daemon page faults per service started" "" spawn_flt
	line_for "2. restart kill->exec median (ms)" "< 2 ms" rx_med
	line_for "   restart kill->exec p99 (ms)" "" rx_p99
	line_for "   of which exit->fork median (ms)" "" rx_x2f
	line_for "   of which fork->exec median (ms)" "" rx_f2e
	line_for "   then exec->status running, 1ms polls (ms)" "" rx_e2r
	line_for "   status loop: kill->running median (ms)" "" rs_med
	line_for "   status loop: kill->running p99 (ms)" "" rs_p99
	line_for "   status loop: kill->exec median (ms)" "" rs_x
	line_for "   own log exit->start median (ms, 1ms res.)" "" rlog_med
	line_for "   own log exit->start p99 (ms, 1ms res.)" "" rlog_p99
	line_for "3. Pss, all services running (KiB)" "" pssN
	line_for "   Pss, one service (KiB)" "" pss1
	line_for "   per service (PssN-Pss1)/(N-1) (KiB)" "< 8 KiB" per
	line_for "   per service, Private_Dirty (KiB)" "" per_pd
	line_for "   Rss, all services running (KiB)" "" rssN
	line_for "   open fds, all services running" "" fds
	line_for "4. idle ${IDLE_S}s: CPU time (ms, schedstat)" "" idle_cpu_ms
	line_for "   idle ${IDLE_S}s: CPU ticks (utime+stime)" "" idle_ticks
	line_for "   idle ${IDLE_S}s: wakeups (status counter)" "0" idle_wake
	line_for "   idle ${IDLE_S}s: voluntary ctx switches" "" idle_ctx
	line_for "   threads (incl. io_uring workers)" "" threads
	line_for "status of one instance, round trip (ms)" "" sc_one
	line_for "status of everything, round trip (ms)" "" sc_all
	line_for "status of everything, reply size (bytes)" "" sc_bytes
}

# table_notes: the raw lines behind the cells.
table_notes() {
	local c
	echo
	[ -n "${R[rv.wake_raw]:-}" ] && echo "rv wakeups counter, 6 reads, idle window, 1 read: ${R[rv.wake_raw]}; one status call costs $(get rv.wake_per_call)"
	for c in "${COLS[@]}"; do
		case $c in
		fl|fv) echo "$c: ${R[$c.line]:-n/a}" ;;
		*) echo "$c restart, kill->exec:   ${R[$c.rx]:-n/a}"
		   echo "$c restart, status loop:  ${R[$c.rs]:-n/a}"
		   echo "$c status cost:           ${R[$c.sc]:-n/a}" ;;
		esac
	done
	[ -n "$SUPERVISORD" ] && echo "sv supervisorctl status after start: ${R[sv.ctl_running]:-n/a} RUNNING of $SV_N"
	[ "${R[rv.start_netlink]:-ok}" = ok ] || echo "note: proc connector ${R[rv.start_netlink]}: kernel-event rows are n/a"
}

print_table() {
	table_head
	table_rows
	table_notes
}
