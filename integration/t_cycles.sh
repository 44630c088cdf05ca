#!/usr/bin/env bash
# Operator storms and simultaneous deaths:
# 1. 100 `stop`/`start` pairs on one service, back to back without waiting
#    for states: it settles in running with exactly one live process, and
#    the daemon's fd count is back to its starting value.
# 2. 50 concurrent `restart` commands on one service: every call exits 0,
#    the service ends running with one process (a new one).
# 3. 30 services blocked reading one FIFO die in the same instant when its
#    only writer closes: all 30 come back (policy always), restarts == 1
#    each, no zombie is left.
. "$(dirname "$0")/lib.sh"
NF=30
FIFO=$T/trigger
mkfifo "$FIFO" || fail "mkfifo"
{
	echo "supervisor: {shutdown_timeout: 10s}"
	echo "services:"
	echo "  cyc: {command: [/bin/sleep, \"1000\"]}"
	echo "  rst: {command: [/bin/sleep, \"1001\"]}"
	for i in $(seq 0 $((NF - 1))); do
		# read gets EOF when the last writer closes; then sh exits 1.
		echo "  f$i: {command: [/bin/sh, -c, 'read x < $FIFO'], restart: {policy: always, backoff_initial: 100ms, backoff_max: 100ms}}"
	done
} >"$T/cycles.yaml"
rv_start "$T/cycles.yaml"
wait_for 20 all_in_state $((NF + 2)) running || fail "not all running at start"
start_fds=$(daemon_fds_settled)

# svc_procs ARG: how many of the daemon's children run "/bin/sleep ARG"
# (bash builtins only: a fork per child would be slow).
svc_procs() {
	local p n=0 argv
	for p in $(daemon_children); do
		mapfile -d '' argv 2>/dev/null <"/proc/$p/cmdline" || continue
		[ "${argv[*]}" = "/bin/sleep $1" ] && n=$((n + 1))
	done
	echo $n
}
one_running() { # SVC ARG
	[ "$(inst "$1.0" .state)" = running ] && [ "$(svc_procs "$2")" -eq 1 ] &&
		proc_alive "$(inst "$1.0" .pid)"
}

# 1. stop/start cycles, back to back (--no-wait: each acts on what the
# previous left in flight).
pid0=$(inst cyc.0 .pid)
for i in $(seq 1 100); do
	rv_light stop --no-wait cyc >/dev/null || fail "stop #$i exited $?"
	rv_light start --no-wait cyc >/dev/null || fail "start #$i exited $?"
done
wait_for 10 one_running cyc 1000 ||
	fail "cyc: state $(inst cyc.0 .state), $(svc_procs 1000) processes after 100 cycles"
sleep 0.5   # nothing left in flight may change it afterwards
one_running cyc 1000 || fail "cyc did not stay running with one process"
[ "$(inst cyc.0 .pid)" != "$pid0" ] || fail "cyc still has its first pid: the stops did nothing"
wait_for 5 fds_are "$start_fds" || fail "daemon fds: $(daemon_fds) after the cycles, $start_fds at start"
log "stop/start x100: running, one process, fds $start_fds"

# 2. concurrent restarts.
pid0=$(inst rst.0 .pid)
cpids=()
for i in $(seq 1 50); do
	rv_light restart rst >"$T/restart.$i.out" 2>&1 &
	cpids+=($!)
done
for i in "${!cpids[@]}"; do
	wait "${cpids[i]}" || fail "restart call $((i + 1)) exited $?: $(cat "$T/restart.$((i + 1)).out")"
done
wait_for 10 one_running rst 1001 ||
	fail "rst: state $(inst rst.0 .state), $(svc_procs 1001) processes after 50 restarts"
sleep 0.5
one_running rst 1001 || fail "rst did not stay running with one process"
[ "$(inst rst.0 .pid)" != "$pid0" ] || fail "rst kept its pid through 50 restarts"
proc_alive "$pid0" && fail "rst's old process $pid0 is still alive"
log "50 concurrent restarts: all exited 0, running, one process"

# 3. 30 deaths in the same instant. Opening the FIFO for writing lets every
# reader's open return; they then block in read until the writer closes.
before=$(status_json | jq -c '[.services[] | select(.name | startswith("f")) | .instances[0].pid]')
exec 3>"$FIFO"
fifo_open_by_all() {
	local p n=0
	for p in $(echo "$before" | jq -r '.[]'); do
		[ "$(readlink "/proc/$p/fd/0" 2>/dev/null)" = "$FIFO" ] && n=$((n + 1))
	done
	[ $n -eq $NF ]
}
wait_for 10 fifo_open_by_all || fail "not all $NF readers have the FIFO open"
exec 3>&-
f_back() {
	status_json >"$T/f.json" || return 1
	[ "$(jq --argjson old "$before" '[.services[] | select(.name | startswith("f")) | .instances[0]
		| select(.state == "running" and .restarts == 1 and (.pid as $p | all($old[]; . != $p)))] | length' "$T/f.json")" -eq $NF ]
}
wait_for 15 f_back || fail "not all $NF back running with restarts == 1: $(jq -c '[.services[] | select(.name | startswith("f")) | .instances[0] | {state, restarts}] | group_by(.) | map({k: .[0], n: length})' "$T/f.json")"
[ "$(jq '[.services[] | select(.name | startswith("f")) | .instances[0].last_exit | select(.code == 1 and .cause == "exited")] | length' "$T/f.json")" -eq $NF ] ||
	fail "not every last_exit is code 1 / exited"
wait_for 5 no_zombies || fail "$(daemon_zombies) zombies under the daemon"
[ "$(daemon_children | wc -w)" -eq $((NF + 2)) ] || fail "daemon has $(daemon_children | wc -w) children, expected $((NF + 2))"
log "$NF simultaneous exits: all back, restarts 1 each, no zombie"
exit 0
