#!/usr/bin/env bash
# 200 services (one instance each) start together and all reach `running`:
# status shows 200 distinct live pids, each a real `sleep` whose parent is
# the daemon, and live_processes agrees.
. "$(dirname "$0")/lib.sh"
N=200
{
	echo "supervisor: {shutdown_timeout: 10s}"
	echo "services:"
	for i in $(seq 0 $((N - 1))); do
		echo "  s$i: {command: [/bin/sleep, \"100$i\"]}"
	done
} >"$T/many.yaml"
rv_start "$T/many.yaml"

wait_for 30 all_in_state $N running || fail "not all $N running: $(count_state running) running"
status_json >"$T/st.json" || fail "status failed"
[ "$(jq '.services | length' "$T/st.json")" -eq $N ] || fail "status lists $(jq '.services | length' "$T/st.json") services"
[ "$(jq '.supervisor.live_processes' "$T/st.json")" -eq $N ] || fail "live_processes is $(jq '.supervisor.live_processes' "$T/st.json")"
[ "$(jq '[.services[].instances[].pid] | unique | length' "$T/st.json")" -eq $N ] || fail "pids are not $N distinct"

# Every pid is a live sleep of its own service, child of the daemon
# (read with bash builtins only: 200 x fork would dominate the runtime).
jq -r '.services[] | "\(.name) \(.instances[0].pid)"' "$T/st.json" >"$T/pids"
while read -r name pid; do
	stat=$(<"/proc/$pid/stat") 2>/dev/null || fail "$name: pid $pid is gone"
	read -r state ppid _ <<<"${stat##*) }"
	[ "$state" != Z ] || fail "$name: pid $pid is a zombie"
	[ "$ppid" = "$DAEMON_PID" ] || fail "$name: pid $pid has parent $ppid, not the daemon"
	mapfile -d '' argv <"/proc/$pid/cmdline"
	[ "${argv[*]}" = "/bin/sleep 100${name#s}" ] || fail "$name: pid $pid runs '${argv[*]}'"
done <"$T/pids"
[ "$(daemon_children | wc -w)" -eq $N ] || fail "daemon has $(daemon_children | wc -w) children"
no_zombies || fail "zombies under the daemon"
log "$N services running"
exit 0
