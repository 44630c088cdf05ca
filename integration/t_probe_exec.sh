#!/usr/bin/env bash
# Exec checks never leak. Each probe process carries a marker argument of
# this test (a `sleep` duration no one else uses), found in /proc/*/cmdline.
# - hhang: a health check that hangs and forks, one child in its process
#   group and one `setsid` grandchild (`setsid sleep A & sleep B`), timeout
#   500ms: each run times out ("timed out after 500ms") and is killed whole;
#   at no moment is more than one run's worth of its processes alive.
# - hleave: a health check that exits 0 at once but leaves a `setsid`
#   grandchild: healthy, and the grandchild is killed after each run.
# - rhang: a readiness check that hangs the same way: the start fails
#   (cause readiness) and nothing of its checks is left.
# With cgroups, a probe runs in services/<svc>/probe-<index>-<0|1>, and
# after `stop` and at shutdown no probe-* cgroup has a process and no
# marked process is alive.
# Without cgroups (RV_NOCG=1, t_probe_exec_nocg.sh), as docs/readiness.md
# says: a check runs in a session of its own and its process group is
# killed: the child in the group (B) never outlives its run, but a
# grandchild that calls setsid itself (A, C) escapes and runs on, re-parented
# to the daemon (a subreaper: no zombie). The test checks just that, and
# kills those escaped sleeps itself at exit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_ready.sh"
[ "${RV_NOCG:-0}" = 1 ] && CGROOT=none
[ "$CGROOT" = none ] && nocg=1 || nocg=0
MA=1000.$$1 MB=1000.$$2 MC=1000.$$3 MD=1000.$$4 ME=1000.$$5
# Whatever escaped (only expected without cgroups) is killed by the test:
# processes with this test's markers only.
at_exit 'for m in $MA $MB $MC $MD $ME; do for p in $(marker_pids $m); do kill -KILL $p 2>/dev/null; done; done'
cfg=$(write_config probe.yaml <<YAML
supervisor: {shutdown_timeout: 5s}
services:
  hhang:
    command: [/bin/sleep, "1000"]
    health: {exec: [/bin/sh, -c, 'setsid sleep $MA & sleep $MB'], interval: 100ms, timeout: 500ms, failures: 100}
    on_violation: {health: log}
  hleave:
    command: [/bin/sleep, "1000"]
    health: {exec: [/bin/sh, -c, 'setsid sleep $MC & exit 0'], interval: 100ms, timeout: 1s}
  rhang:
    command: [/bin/sleep, "1000"]
    readiness: {exec: [/bin/sh, -c, 'setsid sleep $MD & sleep $ME'], interval: 50ms, timeout: 200ms, start_timeout: 1s}
    restart: {policy: never}
YAML
)
rv_start "$cfg"
wait_for 5 all_in_state 3 running || fail "not running: $(rv status)"

# probe_cgroups SVC: "DIR COUNT" for each probe-* cgroup of SVC.
probe_cgroups() {
	local d n
	for d in "$CGROOT/services/$1"/probe-*; do
		[ -d "$d" ] && n=$(wc -l 2>/dev/null <"$d/cgroup.procs") && echo "${d##*/} $n"   # it may go meanwhile
	done
}
# where PID: its cgroup v2 path.
where() { awk -F: '$1 == 0 {print $3}' "/proc/$1/cgroup" 2>/dev/null; }

# While the checks run: sample the marked processes every ~100 ms, for
# 1.5 s, and on until the hanging probe has been seen, and with cgroups
# seen in its probe cgroup (at most 8 s: on a busy host one sample, a scan
# of every /proc/PID/cmdline five times, can outlast a probe's run, and the
# probe can end between finding it and reading its cgroup).
max_a=0 max_b=0 max_c=0 seen_b=0 in_probe_cg=0
start=$(date +%s%3N)
end=$((start + 1500)) last=$((start + 8000))
unseen() { [ $seen_b = 0 ] || { [ $nocg = 0 ] && [ $in_probe_cg = 0 ]; }; }
while now=$(date +%s%3N); [ "$now" -lt "$end" ] || { unseen && [ "$now" -lt "$last" ]; }; do
	a=$(marker_count "$MA"); b=$(marker_count "$MB"); c=$(marker_count "$MC")
	[ "$a" -gt "$max_a" ] && max_a=$a
	[ "$b" -gt "$max_b" ] && max_b=$b
	[ "$c" -gt "$max_c" ] && max_c=$c
	[ "$b" -gt 0 ] && seen_b=$((seen_b + 1))
	if [ $nocg = 0 ]; then
		# Each marker's pids, their cgroups read at once (a probe lives
		# 500 ms; a scan of every cmdline takes a while on a busy host).
		for m in "$MB" "$MA"; do
			for p in $(marker_pids "$m"); do
				w=$(where "$p")
				[ -z "$w" ] && continue
				case $w in */services/hhang/probe-0-[01]) in_probe_cg=$((in_probe_cg + 1));;
				*) fail "probe process $p runs in $w, not in a probe cgroup of hhang";; esac
			done
		done
		n=0
		while read -r _ cnt; do n=$((n + cnt)); done < <(probe_cgroups hhang)
		[ "$n" -le 3 ] || fail "$n processes in hhang's probe cgroups: $(probe_cgroups hhang)"
	fi
	[ "$b" -le 1 ] || fail "$b copies of the probe's child (B) alive at once: the group was not killed"
	sleep 0.1
done
[ $seen_b -gt 0 ] || fail "the hanging probe was never seen running"
three_failed() { [ "$(inst hhang.0 .health.failures_in_row)" -ge 3 ]; }
wait_for 5 three_failed || fail "hhang: only $(inst hhang.0 .health.failures_in_row) failed checks"
fi_row=$(inst hhang.0 .health.failures_in_row)
detail=$(inst hhang.0 .health.last_check.detail)
[ "$detail" = "timed out after 500ms" ] || fail "hhang: last check '$detail'"
took=$(inst hhang.0 .health.last_check.took_ms)
[ "$took" -ge 500 ] && [ "$took" -lt 1500 ] || fail "hhang: the check took ${took}ms"
wait_for 3 bash -c "[ \"\$('$RINGVISOR' --socket '$SOCK' status --json hleave | jq -r '.services[0].instances[0].health.state')\" = healthy ]" ||
	fail "hleave: $(inst hleave.0 .health)"
log "hhang: $fi_row timeouts, at most $max_b B and $max_a A at once; hleave healthy, at most $max_c C at once"
if [ $nocg = 0 ]; then
	[ "$max_a" -le 1 ] || fail "$max_a setsid grandchildren (A) alive at once"
	[ "$max_c" -le 1 ] || fail "$max_c left-behind grandchildren (C) alive at once"
	[ $in_probe_cg -gt 0 ] || fail "no probe process was seen in a probe cgroup"
else
	# Documented: the setsid grandchildren escape the group kill and run on.
	[ "$(marker_count "$MA")" -ge 2 ] || fail "without cgroups, expected the setsid grandchildren (A) to run on: $(marker_count "$MA")"
	# Re-parented to the daemon (or still the child of the run in progress:
	# that probe may be killed between the two reads, so a chain that does
	# not reach the daemon is read again, for up to 2 s).
	parented() {   # parented PID: gone, or its parent or grandparent is the daemon
		local pp
		pp=$(awk '{print $4}' "/proc/$1/stat" 2>/dev/null)
		[ -z "$pp" ] || [ "$pp" = "$DAEMON_PID" ] || [ "$(awk '{print $4}' "/proc/$pp/stat" 2>/dev/null)" = "$DAEMON_PID" ]
	}
	for p in $(marker_pids "$MA"); do
		wait_for 2 parented "$p" ||
			fail "escaped grandchild $p has parent $(awk '{print $4}' "/proc/$p/stat" 2>/dev/null), neither the daemon nor a probe"
	done
fi

# rhang: not ready in 1 s, exited; its checks left nothing.
wait_for 5 state_is rhang.0 exited || fail "rhang is $(inst rhang.0 .state)"
[ "$(inst rhang.0 .last_exit.cause)" = readiness ] || fail "rhang: last_exit $(inst rhang.0 .last_exit)"
in_log '^[^ ]+ rhang\.0 not-ready after=1s last-check="?timed out after 200ms' ||
	fail "rhang's not-ready line: $(grep 'rhang.0 not-ready' "$T/daemon.log")"
sleep 0.2
[ "$(marker_count "$ME")" -eq 0 ] || fail "rhang's check child (E) outlived its instance: $(marker_pids "$ME")"
if [ $nocg = 0 ]; then
	[ "$(marker_count "$MD")" -eq 0 ] || fail "rhang's setsid grandchild (D) outlived its instance"
	[ -z "$(probe_cgroups rhang | awk '$2 > 0')" ] || fail "rhang's probe cgroups: $(probe_cgroups rhang)"
fi

# Stopped: nothing of the checks is left.
rv stop hhang >/dev/null || fail "stop hhang"
rv stop hleave >/dev/null || fail "stop hleave"
wait_for 5 state_is hhang.0 stopped || fail "hhang not stopped"
wait_for 5 state_is hleave.0 stopped || fail "hleave not stopped"
gone_b() { [ "$(marker_count "$MB")" -eq 0 ]; }
wait_for 2 gone_b || fail "the probe's child (B) outlived the stop: $(marker_pids "$MB")"
if [ $nocg = 0 ]; then
	gone_ac() { [ "$(marker_count "$MA")" -eq 0 ] && [ "$(marker_count "$MC")" -eq 0 ]; }
	wait_for 2 gone_ac || fail "setsid grandchildren outlived the stop: A $(marker_pids "$MA") C $(marker_pids "$MC")"
	for s in hhang hleave rhang; do
		[ -z "$(probe_cgroups "$s" | awk '$2 > 0')" ] || fail "$s's probe cgroups still hold processes: $(probe_cgroups "$s")"
	done
fi
no_zombies || fail "zombies under the daemon: $(daemon_zombies)"
rv_stop_daemon || fail "the daemon exited $? at shutdown"
for m in $MB $ME; do [ "$(marker_count "$m")" -eq 0 ] || fail "marker $m alive after the shutdown"; done
if [ $nocg = 0 ]; then
	for m in $MA $MC $MD; do [ "$(marker_count "$m")" -eq 0 ] || fail "marker $m alive after the shutdown"; done
	[ ! -e "$CGROOT" ] || fail "cgroup root left: $(find "$CGROOT" -type d | head)"
	log "with cgroups: after stop and shutdown, no probe process and no probe cgroup left"
else
	log "without cgroups: the group's child never outlived its run; $(marker_count "$MA") setsid grandchildren ran on, as documented (killed by the test)"
fi
exit 0
