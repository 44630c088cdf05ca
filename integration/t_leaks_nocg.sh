#!/usr/bin/env bash
# lane: clock
# Without cgroups (cgroup_root: none, as in a container without cgroup2),
# the leak watch still works: the /proc probe tells instances apart by
# process tree (the main process, its descendants by ppid, and its
# session), and status says what is missing.
# - a leaking child of a shell (not the main process) is found leaking;
# - a process whose parent exited (re-parented to the daemon, the
#   subreaper) still counts for its instance through its session;
# - a steady process: `leaks` counts exactly what /proc shows; ok verdict;
# - `leaks --json` names the source and why; `status` prints a degraded
#   line and its JSON has supervisor.degraded; the BPF probe, asked for,
#   is not used (it keys on cgroups).
. "$(dirname "$0")/lib.sh"
CGROOT=none
cfg=$(write_config nocg.yaml <<'YAML'
services:
  pipes:
    command: [/bin/sh, -c, "/usr/bin/python3 -c 'import os,time\nl=[]\nwhile True:\n  l.append(os.pipe()); time.sleep(0.1)' & wait"]
    leak: {sample_every: 1s, window: 8s, grace: 2s, min_growth: 60/h}
  orphaned:
    command: [/bin/sh, -c, "(/usr/bin/python3 -c 'import os,time\nl=[os.pipe() for i in range(100)]\nwhile True: time.sleep(1000)' &); exec sleep 1000"]
    leak: {sample_every: 1s, window: 8s, grace: 2s, min_growth: 60/h}
  steady:
    command: [/usr/bin/python3, -c, "import os,time\nl=[os.pipe() for i in range(250)]\nwhile True: time.sleep(1000)"]
    leak: {sample_every: 1s, window: 8s, grace: 2s, min_growth: 60/h}
YAML
)
rv_start "$cfg" --probe=bpf
leaks() { rv leaks --json "$@"; }
one() { leaks "$1" | jq -r ".services[0].instances[0]$2"; }
wait_for 5 all_in_state 3 running || fail "services not running"
[ "$(leaks | jq -r .source)" = procfs ] || fail "source is $(leaks | jq -r .source), wanted procfs"
leaks | jq -r .source_reason | grep -q "process tree" || fail "source_reason: $(leaks | jq -r .source_reason)"
status_json | jq -e '.supervisor.degraded | map(select(test("no cgroups"))) | length == 1' >/dev/null ||
	fail "status lacks the degraded line: $(status_json | jq -c .supervisor.degraded)"
rv status | grep -q '^degraded: no cgroups' || fail "text status lacks 'degraded: no cgroups'"

wait_for 20 bash -c "[ \"\$('$RINGVISOR' --socket '$SOCK' leaks --json pipes | jq -r '.services[0].instances[0].verdict')\" = leaking ]" ||
	fail "pipes (a child of the main process) not leaking: $(leaks pipes | jq -c '.services[0].instances[0] | del(.processes)')"
grep -q ' pipes.0 leak reason="fds growing"' "$T/daemon.log" || fail "no leak event line"
[ "$(one steady .verdict)" = ok ] || fail "steady verdict $(one steady .verdict)"

# steady: exactly what /proc shows.
pid=$(inst steady.0 .pid)
[ "$(one steady .fds)" -eq "$(ls /proc/"$pid"/fd | wc -l)" ] || fail "steady: $(one steady .fds) fds, /proc says $(ls /proc/"$pid"/fd | wc -l)"
[ "$(one steady .threads)" -eq "$(awk '/^Threads:/ {print $2}' /proc/"$pid"/status)" ] || fail "steady thread count"

# orphaned: the python left its parent (which exited): counted by session.
py=$(for p in $(descendants); do [ "$(cat /proc/"$p"/comm)" = python3 ] && [ "$(ps -o sid= -p "$p" | tr -d ' ')" = "$(inst orphaned.0 .pid)" ] && echo "$p"; done)
[ -n "$py" ] || fail "no orphaned python in the session of orphaned.0"
[ "$(ps -o ppid= -p "$py" | tr -d ' ')" != "$(inst orphaned.0 .pid)" ] || fail "the python is still the main process's child"
wait_for 5 bash -c "[ \"\$('$RINGVISOR' --socket '$SOCK' leaks --json orphaned | jq '.services[0].instances[0].processes | length')\" -eq 2 ]" ||
	fail "orphaned: not 2 processes counted: $(leaks orphaned | jq -c '.services[0].instances[0].processes')"
want=$(( $(ls /proc/"$py"/fd | wc -l) + $(ls /proc/"$(inst orphaned.0 .pid)"/fd | wc -l) ))
[ "$(one orphaned .fds)" -eq "$want" ] || fail "orphaned: $(one orphaned .fds) fds, /proc says $want"
log "no cgroups: trees counted, a leak found, status says what is missing"
