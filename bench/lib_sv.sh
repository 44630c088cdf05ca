# SPDX-License-Identifier: MIT
# bench/lib_sv.sh: sourced by bench/run.sh. supervisord's column (sv), the
# baseline: its config of COUNT programs, its stop (SIGTERM), and
# sv_bench, which runs the same benches as ringvisor's: Pss with one
# program, start all SV_N, memory with them running, idle, restart latency
# and the cost of a status. Results go to R[sv.key]. Uses run.sh's
# SUPERVISORD, SV_N, SV_SAMPLES, IDLE_S, TMP, HELPER, need and the helpers
# of lib_proc.sh and lib_measure.sh.

sv_config() {   # sv_config FILE COUNT
	local d
	d=$(dirname "$1")
	{
		cat <<EOF
[unix_http_server]
file=$d/control.sock
chmod=0700

[supervisord]
nodaemon=true
logfile=$d/supervisord.log
logfile_maxbytes=0
pidfile=$d/supervisord.pid
childlogdir=$d
minfds=$need
loglevel=info

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://$d/control.sock
EOF
		local i
		for ((i = 0; i < $2; i++)); do
			printf '\n[program:s%04d]\ncommand=sleep 100000\nstartsecs=0\nautorestart=true\n' "$i"
			printf 'stdout_logfile=NONE\nstderr_logfile=NONE\n'
		done
	} >"$1"
}

sv_stop() {   # supervisord stops its programs on SIGTERM
	stop_pid "$1"
	forget "$1"
}

# sv_base: Pss with one program, the base of the per-program cost.
sv_base() {
	local col=sv dir line pid
	dir=$TMP/sv-one; mkdir -p "$dir"; SOCK=$dir/control.sock
	sv_config "$dir/supervisord.conf" 1
	log "supervisord: 1 program (memory base)"
	launch sv 1 "$dir/res" -- "$SUPERVISORD" -n -c "$dir/supervisord.conf" >"$dir/out.log" 2>&1
	pid=$LPID
	if wait_result "$dir/res" "$pid" 30; then
		sleep 0.5
		R[$col.pss1]=$(pss_kib "$pid")
		R[$col.pd1]=$(pd_kib "$pid")
	fi
	sv_stop "$pid"
}

# sv_start DIR PID: the figures of the start of all programs (supervisord
# at PID was started by `rvbench launch`), then memory and fds with them
# running; 1 when its watcher gave no result.
sv_start() {
	local col=sv dir=$1 pid=$2 line
	if ! wait_result "$dir/res" "$pid" 160; then
		log "supervisord: no result from the start watcher"; tail -5 "$dir/supervisord.log" >&2
		return 1
	fi
	log "supervisord: $line"
	R[$col.start_cpu]=$(awk -v c="$(cpu_ns "$pid")" 'BEGIN { printf "%.0f", c / 1e6 }')
	R[$col.start_flt]=$(minflt "$pid")
	R[$col.start_running]=$(kv "$line" running_ms)
	R[$col.start_exec]=$(kv "$line" exec_ms)
	R[$col.start_forked]=$(kv "$line" forked_ms)
	R[$col.start_log]=$(grep "INFO spawned: " "$dir/supervisord.log" | sed -n '1p;$p' |
		awk "$(ms_of_day)"'{ v[NR] = ms($2) } END { if (NR == 2) { d = v[2] - v[1]; if (d < 0) d += 86400000; print d } }')
	# supervisorctl's own answer, once, as the brief's reference check.
	R[$col.ctl_running]=$(supervisorctl -c "$dir/supervisord.conf" status 2>/dev/null | grep -c ' RUNNING ')

	sleep 1
	R[$col.pssN]=$(pss_kib "$pid")
	R[$col.rssN]=$(rss_kib "$pid")
	R[$col.pdN]=$(pd_kib "$pid")
	R[$col.fds]=$(ls /proc/"$pid"/fd | wc -l)
}

sv_idle() {   # sv_idle PID
	local col=sv pid=$1
	log "supervisord: idle for ${IDLE_S}s"
	local c0 c1 t0 t1 v0 v1
	sleep 0.5
	c0=$(cpu_ns "$pid"); t0=$(cpu_ticks "$pid"); v0=$(vol_ctx "$pid")
	bg /dev/null sleep "$IDLE_S"
	c1=$(cpu_ns "$pid"); t1=$(cpu_ticks "$pid"); v1=$(vol_ctx "$pid")
	R[$col.idle_cpu_ms]=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", (b - a) / 1e6 }')
	R[$col.idle_ticks]=$((t1 - t0))
	R[$col.idle_ctx]=$((v1 - v0))
	R[$col.threads]=$(threads "$pid")
}

sv_restart() {   # sv_restart DIR PID COUNT
	local col=sv dir=$1 pid=$2 n=$3
	local target
	target=$(printf 's%04d' $((n / 2)))
	log "supervisord: restart latency, $SV_SAMPLES samples per method"
	bg "$dir/rx" "$HELPER" restart --proto sv --socket "$SOCK" --target "$target" --parent "$pid" \
		--samples "$SV_SAMPLES" --warmup 1 --method exec
	bg "$dir/rs" "$HELPER" restart --proto sv --socket "$SOCK" --target "$target" --parent "$pid" \
		--samples "$SV_SAMPLES" --warmup 1 --method status
	bg "$dir/sc" "$HELPER" status-cost --proto sv --socket "$SOCK" --target "$target"
	R[$col.rx]=$(<"$dir/rx"); R[$col.rs]=$(<"$dir/rs"); R[$col.sc]=$(<"$dir/sc")
	R[$col.rlog]=$(grep -E "(exited|spawned): '?$target'? " "$dir/supervisord.log" |
		awk "$(ms_of_day)"'{ t = ms($2) }
			/exited:/ { x = t } /spawned:/ { if (x != "") { d = t - x; if (d < 0) d += 86400000; print d; x = "" } }' |
		percentiles 50 99)
}

sv_bench() {
	local dir pid n=$SV_N
	sv_base

	dir=$TMP/sv; mkdir -p "$dir"; SOCK=$dir/control.sock
	sv_config "$dir/supervisord.conf" "$n"
	log "supervisord: starting $n programs"
	launch sv "$n" "$dir/res" -- "$SUPERVISORD" -n -c "$dir/supervisord.conf" >"$dir/out.log" 2>&1
	pid=$LPID
	sv_start "$dir" "$pid" || { sv_stop "$pid"; return 1; }
	sv_idle "$pid"
	sv_restart "$dir" "$pid" "$n"

	log "supervisord: stopping"
	sv_stop "$pid"
}
