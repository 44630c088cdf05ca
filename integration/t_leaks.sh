#!/usr/bin/env bash
# lane: clock
# The leak watch end to end, with the probe source given by RV_PROBE
# (bpf or procfs; t_leaks_procfs.sh runs the latter): a child that opens a
# pipe every 100 ms and one that starts a thread every 200 ms are reported
# leaking within the window; a steady child holding 500 fds is not. The
# counts `leaks --json` reports equal what /proc shows for the same
# processes. The freeze policy freezes the leaker and saves a snapshot.
. "$(dirname "$0")/lib.sh"
[ "$CGROOT" = none ] && skip "cgroup2 is not mounted: the probe keys on cgroups"
PROBE=${RV_PROBE:-bpf}
cfg=$(write_config leaks.yaml <<'YAML'
services:
  pipes:
    command: [/usr/bin/python3, -c, "import os,time\nl=[]\nwhile True:\n  l.append(os.pipe()); time.sleep(0.1)"]
    leak: {sample_every: 1s, window: 8s, grace: 2s, min_growth: 60/h}
    on_violation: {leak: freeze}
  threads:
    command: [/usr/bin/python3, -c, "import threading,time\nwhile True:\n  threading.Thread(target=time.sleep, args=(1000,), daemon=True).start(); time.sleep(0.2)"]
    leak: {sample_every: 1s, window: 8s, grace: 2s, min_growth: 60/h}
  restarter:
    command: [/usr/bin/python3, -c, "import os,time\nl=[]\nwhile True:\n  l.append(os.pipe()); time.sleep(0.1)"]
    leak: {sample_every: 1s, window: 8s, grace: 2s, min_growth: 60/h}
    on_violation: {leak: restart}
    restart: {policy: never}
  steady:
    command: [/usr/bin/python3, -c, "import os,time\nl=[os.pipe() for i in range(250)]\nwhile True: time.sleep(1000)"]
    leak: {sample_every: 1s, window: 8s, grace: 2s, min_growth: 60/h}
YAML
)
rv_start "$cfg" --probe="$PROBE" --state-dir="$T/state"
leaks() { rv leaks --json "$@"; }
verdict() { leaks "$1" | jq -r '.services[0].instances[0].verdict'; }
[ "$(leaks | jq -r .source)" = "$PROBE" ] || fail "source is $(leaks | jq -r .source), wanted $PROBE"

wait_for 20 bash -c "[ \"\$('$RINGVISOR' --socket '$SOCK' leaks --json pipes | jq -r '.services[0].instances[0].verdict')\" = leaking ]" \
	|| fail "pipes not leaking: $(leaks pipes | jq -c '.services[0].instances[0] | del(.processes)')"
wait_for 20 bash -c "[ \"\$('$RINGVISOR' --socket '$SOCK' leaks --json threads | jq -r '.services[0].instances[0].verdict')\" = leaking ]" \
	|| fail "threads not leaking: $(leaks threads | jq -c '.services[0].instances[0] | del(.processes)')"
[ "$(leaks threads | jq -r '.services[0].instances[0].reason')" = "threads growing" ] || fail "threads reason"
[ "$(verdict steady)" = ok ] || fail "steady verdict $(verdict steady): $(leaks steady | jq -c '.services[0].instances[0] | del(.processes)')"
fph=$(leaks pipes | jq '.services[0].instances[0].fds_per_hour | floor')
[ "$fph" -gt 10000 ] || fail "pipes fds_per_hour $fph (a pipe every 100 ms is 72000/h)"

# The freeze policy: frozen, one leak violation, a snapshot on disk.
wait_for 10 state_is pipes.0 frozen || fail "pipes not frozen"
[ "$(leaks pipes | jq '.services[0].instances[0].leak_violations')" -eq 1 ] || fail "leak_violations != 1"
snap=$(rv snapshots pipes --json | jq -r '.snapshots[0].path')
[ -f "$snap" ] || fail "no snapshot file '$snap'"
[ "$(rv snapshots pipes --json | jq '.snapshots | length')" -eq 1 ] || fail "expected one snapshot of pipes"
jq -e '.processes[0].fds | length > 100' "$snap" >/dev/null || fail "snapshot lacks the fd table"
jq -e '.processes[0].smaps_rollup | test("Rss")' "$snap" >/dev/null || fail "snapshot lacks smaps_rollup"
grep -q ' pipes.0 leak reason="fds growing"' "$T/daemon.log" || fail "no leak event line"

# Exact counts against /proc for the steady service (it does not change).
pid=$(status_json steady | jq '.services[0].instances[0].pid')
want=$(ls /proc/"$pid"/fd | wc -l)
got=$(leaks steady | jq '.services[0].instances[0].fds')
[ "$got" -eq "$want" ] || fail "steady: leaks says $got fds, /proc says $want"
wantp=$(for f in /proc/"$pid"/fd/*; do readlink "$f"; done | grep -c '^pipe:')
gotp=$(leaks steady | jq '.services[0].instances[0].fds_by_kind.pipe')
[ "$gotp" -eq "$wantp" ] || fail "steady: $gotp pipes, /proc says $wantp"
wantt=$(awk '/^Threads:/ {print $2}' /proc/"$pid"/status)
[ "$(leaks steady | jq '.services[0].instances[0].threads')" -eq "$wantt" ] || fail "thread count"
rv thaw pipes.0 || fail "thaw"

# The restart policy: restarted although its restart policy is never, the
# exit's cause is the leak.
wait_for 20 bash -c "[ \"\$('$RINGVISOR' --socket '$SOCK' status --json restarter | jq '.services[0].instances[0].restarts')\" -ge 1 ]" \
	|| fail "restarter not restarted: $(status_json restarter)"
[ "$(status_json restarter | jq -r '.services[0].instances[0].last_exit.cause')" = leak ] || fail "restarter cause"

# A snapshot by hand: printed path, the file, and the instance thawed again.
path=$(rv snapshot steady.0) || fail "snapshot refused"
[ -f "$path" ] || fail "snapshot path '$path' is not a file"
[ "$(jq '.processes | length' "$path")" -eq 1 ] || fail "snapshot of steady has not 1 process"
wait_for 5 state_is steady.0 running || fail "steady not running after the snapshot"
[ "$(status_json steady | jq '.services[0].instances[0].cgroup.frozen')" = false ] || fail "steady left frozen"
exit 0
