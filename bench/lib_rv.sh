# SPDX-License-Identifier: MIT
# bench/lib_rv.sh: sourced by bench/run.sh. ringvisor's column (rv, and ep
# with --event-backend=epoll): its config of COUNT services, its own
# shutdown, and rv_bench, which runs the benches in the order of the
# table: Pss with one service (the base), start all N, memory with N
# running, idle (CPU, wakeups, context switches), restart latency and the
# cost of a status. Results go to R[COL.key]. Uses run.sh's BIN, N,
# SAMPLES, ST_SAMPLES, IDLE_S, TARGET_IDX, TMP, RV_EXTRA, HELPER and the
# helpers of lib_proc.sh and lib_measure.sh.

rv_config() {   # rv_config FILE COUNT
	{
		echo "supervisor:"
		echo "  shutdown_timeout: 20s"
		echo "services:"
		local i
		for ((i = 0; i < $2; i++)); do
			printf '  s%04d:\n    command: [sleep, "100000"]\n' "$i"
			echo "    restart: {policy: always, backoff_initial: 0ms, max_restarts: 0}"
		done
	} >"$1"
}

rv_wakeups() {   # a status of one instance: a reply small enough for one write
	"$BIN" status s0000.0 --json --socket "$SOCK" 2>/dev/null | jq -r '.supervisor.wakeups // empty'
}

rv_stop() {   # rv_stop PID: the daemon's own shutdown, then by pid if that fails
	timeout 30 "$BIN" shutdown --socket "$SOCK" >/dev/null 2>&1
	wait_gone "$1" 30 || log "ringvisor $1 still up after shutdown: stopping it by pid"
	stop_pid "$1"
	forget "$1"
}

# rv_base COL BACKEND DIR: Pss with one service, the base of the
# per-service cost.
rv_base() {
	local col=$1 backend=$2 dir=$3 line pid
	log "$col: 1 service (memory base)"
	launch rv 1 "$dir/one.res" -- "$BIN" run -c "$dir/one.yaml" --socket "$SOCK" \
		--event-backend="$backend" --log-format=json "${RV_EXTRA[@]}" 2>"$dir/one.log"
	pid=$LPID
	if wait_result "$dir/one.res" "$pid" 30; then
		sleep 0.5
		R[$col.pss1]=$(pss_kib "$pid")
		R[$col.pd1]=$(pd_kib "$pid")
	else
		log "$col: one service did not come up"; tail -3 "$dir/one.log" >&2
	fi
	rv_stop "$pid"
}

# rv_start COL DIR PID: the figures of the start of all N (the daemon at
# PID was started by `rvbench launch`); 1 when its watcher gave no result.
rv_start() {
	local col=$1 dir=$2 pid=$3 line
	if ! wait_result "$dir/all.res" "$pid" 160; then
		log "$col: no result from the start watcher"; tail -5 "$dir/all.log" >&2
		return 1
	fi
	R[$col.start_cpu]=$(awk -v c="$(cpu_ns "$pid")" 'BEGIN { printf "%.0f", c / 1e6 }')
	R[$col.start_flt]=$(minflt "$pid")
	R[$col.start_running]=$(kv "$line" running_ms)
	R[$col.start_exec]=$(kv "$line" exec_ms)
	R[$col.start_forked]=$(kv "$line" forked_ms)
	R[$col.start_netlink]=$(kv "$line" netlink)
	R[$col.start_log]=$(jq -r 'select(.event == "start") | .ts' "$dir/all.log" | sed -n '1p;$p' |
		awk "$(ms_of_day)"'{ t = $0; sub(/.*T/, "", t); sub(/Z$/, "", t); v[NR] = ms(t) }
			END { if (NR == 2) { d = v[2] - v[1]; if (d < 0) d += 86400000; print d } }')
	R[$col.backend]=$("$BIN" status --json --socket "$SOCK" | jq -r .supervisor.event_backend)
	log "$col: $line"
}

# rv_memory COL PID: memory and fds with N running.
rv_memory() {
	local col=$1 pid=$2
	sleep 1
	R[$col.pssN]=$(pss_kib "$pid")
	R[$col.rssN]=$(rss_kib "$pid")
	R[$col.pdN]=$(pd_kib "$pid")
	R[$col.fds]=$("$BIN" status --json --socket "$SOCK" | jq -r .supervisor.fds)
}

# 4. Idle. A status call wakes the daemon itself (accept, request,
# reply, close: 3 or 4 loop passes, depending on how the events batch),
# so the counter is read 6 times back to back first: each of the 5
# deltas is one call's cost (kmin..kmax). The window's delta
# d = w_after - w_last_before holds the same: one call's close and the
# next one's accept and request. The daemon's own idle wakeups are
# then d - kmax .. d - kmin (not below 0). CPU time and context switches
# are read from /proc, which does not wake the daemon, over a window
# that starts 0.5 s after the last call: no calibration there.
rv_idle() {   # rv_idle COL PID
	local col=$1 pid=$2
	log "$col: idle for ${IDLE_S}s"
	local w=() i k kmin kmax d lo hi c0 c1 t0 t1 v0 v1 wa
	for i in 1 2 3 4 5 6; do w+=("$(rv_wakeups)"); done
	k=$(for i in 1 2 3 4 5; do echo $((w[i] - w[i - 1])); done | sort -n | tr '\n' ' ')
	kmin=${k%% *}; kmax=$(echo $k | awk '{ print $NF }')
	sleep 0.5
	c0=$(cpu_ns "$pid"); t0=$(cpu_ticks "$pid"); v0=$(vol_ctx "$pid")
	bg /dev/null sleep "$IDLE_S"
	c1=$(cpu_ns "$pid"); t1=$(cpu_ticks "$pid"); v1=$(vol_ctx "$pid")
	wa=$(rv_wakeups)
	R[$col.idle_cpu_ms]=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", (b - a) / 1e6 }')
	R[$col.idle_ticks]=$((t1 - t0))
	R[$col.idle_ctx]=$((v1 - v0))
	d=$((wa - w[5]))
	lo=$((d - kmax)); hi=$((d - kmin))
	((lo < 0)) && lo=0
	((hi < 0)) && hi=0
	if [ "$lo" = "$hi" ]; then R[$col.idle_wake]=$lo; else R[$col.idle_wake]="$lo..$hi"; fi
	R[$col.wake_per_call]="$kmin..$kmax"
	R[$col.wake_raw]="${w[*]} [${IDLE_S}s] $wa"
	R[$col.threads]=$(threads "$pid")
}

# 2. Restart latency of s<mid>.0: kill -> the kernel's exec event of the
# replacement (nothing asked of the daemon meanwhile), then the same
# timed by a tight status loop, which competes with what it measures.
rv_restart() {   # rv_restart COL DIR PID
	local col=$1 dir=$2 pid=$3
	local target
	target=$(printf 's%04d.0' "$TARGET_IDX")
	log "$col: restart latency, $SAMPLES samples, then $ST_SAMPLES timed by a status loop"
	bg "$dir/rx" "$HELPER" restart --proto rv --socket "$SOCK" --target "$target" --parent "$pid" \
		--samples "$SAMPLES" --method exec
	bg "$dir/rs" "$HELPER" restart --proto rv --socket "$SOCK" --target "$target" --parent "$pid" \
		--samples "$ST_SAMPLES" --method status
	bg "$dir/sc" "$HELPER" status-cost --proto rv --socket "$SOCK" --target "$target"
	R[$col.rx]=$(<"$dir/rx"); R[$col.rs]=$(<"$dir/rs"); R[$col.sc]=$(<"$dir/sc")
	# The daemon's log: exit -> next start of the target, ms resolution.
	R[$col.rlog]=$(jq -r --arg s "${target%.0}" 'select(.service == $s and (.event == "exit" or .event == "start")) |
			"\(.event) \(.ts)"' "$dir/all.log" |
		awk "$(ms_of_day)"'{ t = $2; sub(/.*T/, "", t); sub(/Z$/, "", t)
			if ($1 == "exit") x = ms(t); else if (x != "") { d = ms(t) - x; if (d < 0) d += 86400000; print d; x = "" } }' |
		percentiles 50 99)
}

# rv_bench COL BACKEND DO_IDLE
rv_bench() {
	local col=$1 backend=$2 do_idle=$3 dir=$TMP/$1 pid
	mkdir -p "$dir"
	SOCK=$dir/control.sock
	rv_config "$dir/one.yaml" 1
	rv_config "$dir/all.yaml" "$N"
	"$BIN" check -c "$dir/all.yaml" >/dev/null || { log "$col: config rejected"; return 1; }

	rv_base "$col" "$backend" "$dir"

	# 1. Start N.
	log "$col: starting $N services"
	launch rv "$N" "$dir/all.res" -- "$BIN" run -c "$dir/all.yaml" --socket "$SOCK" \
		--event-backend="$backend" --log-format=json "${RV_EXTRA[@]}" 2>"$dir/all.log"
	pid=$LPID
	rv_start "$col" "$dir" "$pid" || { rv_stop "$pid"; return 1; }

	# 3. Memory with N running.
	rv_memory "$col" "$pid"

	# 4. Idle.
	if [ "$do_idle" = 1 ]; then
		rv_idle "$col" "$pid"
	fi

	# 2. Restart latency and the cost of a status.
	rv_restart "$col" "$dir" "$pid"

	log "$col: shutdown"
	rv_stop "$pid"
}
