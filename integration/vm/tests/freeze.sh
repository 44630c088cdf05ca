#!/bin/sh
# freeze: the freeze policy puts an instance in state frozen (cgroup.freeze,
# confirmed by cgroup.events) when it hits pids_max, and `ringvisor thaw`
# brings it back to running; `ringvisor freeze`/`thaw` do the same by hand.
. /guest-lib.sh
need_jq
cfg=$(write_config freeze.yaml <<YAML
services:
  forker:
    command: [/bin/sh, -c, 'sleep 1; for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do sleep 1000 & done; wait']
    limits: {pids_max: 16}
    on_violation: {pids: freeze}
  calm:
    command: [/bin/sleep, "1000"]
YAML
)
rv_start "$cfg"
wait_for 60 state_is forker.0 frozen || fail "forker not frozen: $(status_json forker)"
[ "$(status_json forker | jq '.services[0].instances[0].cgroup.frozen')" = true ] || fail "cgroup.events does not say frozen"
rv thaw forker.0 || fail "thaw refused"
wait_for 20 state_is forker.0 running || fail "forker not running after thaw"
wait_for 20 state_is calm.0 running || fail "calm not running"
rv freeze calm || fail "freeze refused"
wait_for 20 state_is calm.0 frozen || fail "calm not frozen"
pid=$(status_json calm | jq '.services[0].instances[0].pid')
grep -q '^State:.*(stopped)\|^State:.*T' /proc/"$pid"/status 2>/dev/null || log "note: $(grep ^State /proc/$pid/status)"
rv thaw calm || fail "thaw calm refused"
wait_for 20 state_is calm.0 running || fail "calm not running after thaw"
exit 0
