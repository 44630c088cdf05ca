#!/usr/bin/env bash
# `ringvisor top` without cgroups (--cgroup-root=none): fds, threads and
# memory come from the process-tree probe (status's usage, usage_source
# `tree`), so FDS, THREADS and MEM are numbers (the instance's main process
# and its descendants: here a shell and its sleep), and the header says
# where they come from; CPU% is `-` (cpu.stat needs a cgroup) and says so.
. "$(dirname "$0")/lib.sh"
cfg=$(write_config top_nocg.yaml <<YAML
supervisor: {shutdown_timeout: 5s}
services:
  tree:
    command: [/bin/sh, -c, "/bin/sleep 1000 & /bin/sleep 1000 & wait"]
    leak: {sample_every: 1s}
YAML
)
rv_start "$cfg" --cgroup-root=none   # the last --cgroup-root wins
wait_for 5 all_in_state 1 running || fail "tree.0 not running"
[ "$(sup_field usage_source)" = tree ] || fail "usage_source is $(sup_field usage_source), not tree"
wait_for 10 bash -c "'$RINGVISOR' --socket '$SOCK' status --json | jq -e '.services[0].instances[0].usage.fds | numbers' >/dev/null" ||
	fail "no leak pass over tree.0"
fds=$(inst tree.0 .usage.fds) threads=$(inst tree.0 .usage.threads)
# Piped: one frame (so the binary before batch mode runs it too).
timeout 20 "$RINGVISOR" --socket "$SOCK" top --interval=200ms >"$T/frame.txt" 2>"$T/frame.err" ||
	fail "top exited $?: $(cat "$T/frame.err")"
read -r name state pid cpu mem f t _ < <(grep '^tree\.0 ' "$T/frame.txt")
[ "$state $cpu" = "running -" ] || fail "tree.0: state '$state', CPU% '$cpu': $(cat "$T/frame.txt")"
[[ $mem =~ ^[0-9.]+[KMG]$ ]] || fail "MEM '$mem' is not a size: $(cat "$T/frame.txt")"
# Three processes (sh and two sleeps), 3 fds each at least: the tree, not the main process alone.
[ "$f" = "$fds" ] && [ "$t" = "$threads" ] && [ "$f" -ge 9 ] && [ "$t" -eq 3 ] ||
	fail "FDS THREADS '$f $t', status says '$fds $threads' (3 processes): $(cat "$T/frame.txt")"
grep -Eq '^cpu: - \(no cgroup\); memory: rss; fds, threads: tree, leak pass [0-9.]+m?s ago$' "$T/frame.txt" ||
	fail "sources line: $(cat "$T/frame.txt")"
log "without cgroups: MEM $mem, FDS $f, THREADS $t from the process tree"
