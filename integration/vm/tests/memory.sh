#!/bin/sh
# memory: a hog under memory_max 32M is OOM-killed inside its own cgroup
# (memory.oom.group takes the whole tree), the oom policy (restart) is
# applied, the violation is counted once per kill and becomes the exit's
# cause; a second service under memory_high 16M is throttled and that shows
# as a memory_high violation (policy log), without being killed.
. /guest-lib.sh
need_jq
cfg=$(write_config memory.yaml <<YAML
supervisor: {shutdown_timeout: 10s}
services:
  hog:
    command: [/bin/sh, -c, 'sleep 1; x=\$(head -c 200000000 /dev/zero | tr "\\\\0" a); sleep 1000']
    limits: {memory_max: 32M, memory_swap_max: 0}
    on_violation: {oom: restart}
    restart: {policy: never, backoff_initial: 5s, backoff_max: 5s}
  squeezed:
    command: [/bin/sh, -c, 'x=\$(head -c 24000000 /dev/zero | tr "\\\\0" a); sleep 1000']
    limits: {memory_high: 16M}
    on_violation: {memory_high: log}
YAML
)
rv_start "$cfg"
j() { status_json "$1" | jq -r "$2"; }
wait_for 60 sh -c "[ \"\$($RINGVISOR --socket $SOCK status --json hog | jq '.services[0].instances[0].cgroup.violations.oom')\" -ge 1 ]" \
	|| fail "no oom violation: $(status_json hog)"
[ "$(j hog '.services[0].limits[] | select(.name == "memory_max") | .enforced')" = true ] || fail "memory_max not enforced"
wait_for 30 sh -c "[ \"\$($RINGVISOR --socket $SOCK status --json hog | jq -r '.services[0].instances[0].last_exit.cause')\" = oom-kill ]" \
	|| fail "last_exit.cause is not oom-kill: $(status_json hog)"
# Policy restart, although the restart policy is never.
state=$(j hog '.services[0].instances[0].state')
case $state in backoff|starting|running) ;; *) fail "hog state $state after oom with policy restart";; esac
# One group kill is one violation, though oom_kill grows once per process
# killed, possibly over several events (docs/cgroups.md).
[ "$(j hog '.services[0].instances[0].cgroup.violations.oom')" -eq 1 ] || fail "oom counter is not 1"
grep -q 'violation cause=oom-kill action=restart' "$T/daemon.log" || fail "no violation event line"

wait_for 60 sh -c "[ \"\$($RINGVISOR --socket $SOCK status --json squeezed | jq '.services[0].instances[0].cgroup.violations.memory_high')\" -ge 1 ]" \
	|| fail "no memory_high violation: $(status_json squeezed)"
[ "$(j squeezed '.services[0].instances[0].state')" = running ] || fail "squeezed was not left running"
log "ok: $(j hog '.services[0].instances[0].cgroup | tostring')"
exit 0
