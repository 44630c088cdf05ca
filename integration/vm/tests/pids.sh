#!/bin/sh
# pids: a fork bomb under pids_max 32 is contained: pids.current never
# passes 32, the daemon answers status promptly while it runs, the pids
# violation is counted and its policy (stop) is applied: the whole tree is
# killed and the instance ends stopped.
. /guest-lib.sh
need_jq
cfg=$(write_config pids.yaml <<YAML
supervisor: {shutdown_timeout: 10s}
services:
  bomb:
    command: [/bin/sh, -c, 'sleep 1; while :; do sleep 1000 & done']
    limits: {pids_max: 32}
    on_violation: {pids: stop}
YAML
)
rv_start "$cfg"
wait_for 60 sh -c "[ \"\$($RINGVISOR --socket $SOCK status --json bomb | jq '.services[0].instances[0].cgroup.violations.pids')\" -ge 1 ]" \
	|| fail "no pids violation: $(status_json bomb)"
t0=$(date +%s)
status_json >/dev/null || fail "status failed during the bomb"
[ $(( $(date +%s) - t0 )) -le 5 ] || fail "status took more than 5 s"
wait_for 30 state_is bomb.0 stopped || fail "bomb not stopped: $(status_json bomb)"
[ "$(status_json bomb | jq '.services[0].instances[0].cgroup.populated')" = false ] || fail "tree left behind"
[ "$(status_json bomb | jq -r '.services[0].instances[0].last_exit.cause')" = pids-max ] || fail "cause is not pids-max"
grep -q 'violation cause=pids-max action=stop' "$T/daemon.log" || fail "no violation event line"
log "ok"
exit 0
