#!/usr/bin/env bash
# Every pipe reaches the fd store, even when a burst of new instances
# outruns the helper: the socket's send buffer holds a few hundred
# hand-overs (an fd each), and the daemon never blocks on it. The helper is
# stopped (SIGSTOP) while a service scales from 1 to 400: the hand-overs
# past the socket's room wait in the daemon's queue (status
# fdstore.queued), none fails; once the helper runs again they all go, in
# order, and held is 400. Before the queue, every hand-over past the room
# failed (fdstore.failed 62 here) and those pipes were not held: a service
# writing while no daemon ran died of SIGPIPE. And `scale` waits for the
# 400 without taking the ones still queued for their start (stopped, never
# run) for stopped ones: before, it exited 1, "burst.397: stopped (stopped)".
. "$(dirname "$0")/lib.sh"
[ "$CGROOT" = none ] && skip "the fd store needs cgroups"
cfg=$(write_config fb.yaml <<YAML
supervisor: {shutdown_timeout: 5s}
services:
  burst: {command: [sleep, "1000"]}
YAML
)
rv_start "$cfg"
wait_for 5 state_is burst.0 running || fail "burst.0 not running"
holder=$(sup_field fdstore.pid)
[ "$holder" != null ] && kill -0 "$holder" || fail "no fd store"
wait_for 5 bash -c "[ \"\$(\"$RINGVISOR\" --socket \"$SOCK\" status --json | jq .supervisor.fdstore.held)\" = 1 ]" ||
	fail "the store does not hold the first pipe: $(status_json | jq -c .supervisor.fdstore)"
kill -STOP "$holder"
RV_AT_EXIT+=("kill -CONT $holder 2>/dev/null")
rv scale burst 400 >"$T/scale.out" 2>&1 || fail "scale to 400 failed: $(tail -3 "$T/scale.out")"
wait_for 20 bash -c "[ \"\$(\"$RINGVISOR\" --socket \"$SOCK\" status burst --json | jq '[.services[0].instances[] | select(.state == \"running\")] | length')\" = 400 ]" ||
	fail "not 400 running"
fs=$(status_json | jq -c .supervisor.fdstore)
log "helper stopped, 400 instances: $fs"
[ "$(jq .failed <<<"$fs")" = 0 ] || fail "hand-overs failed while the helper was stopped: $fs"
[ "$(jq .queued <<<"$fs")" -gt 0 ] || fail "nothing queued with the helper stopped: $fs"
dpid=$(sup_field pid)
fds_queued=$(sup_field fds)
kill -CONT "$holder"
wait_for 10 bash -c "[ \"\$(\"$RINGVISOR\" --socket \"$SOCK\" status --json | jq -c '.supervisor.fdstore | [.held, .queued, .failed]')\" = '[400,0,0]' ]" ||
	fail "the queue did not drain: $(status_json | jq -c .supervisor.fdstore)"
# A waiting hand-over holds no fd of the daemon's (it names the stream's
# own pipe): before, each held a duplicate, outside the fd budget, until
# it went (the daemon had as many more fds as were queued).
fds_after=$(sup_field fds)
log "daemon $dpid: $fds_queued fds with $(jq .queued <<<"$fs") hand-overs queued, $fds_after once they went"
[ $((fds_queued - fds_after)) -le 8 ] ||
	fail "the queue held $((fds_queued - fds_after)) fds of the daemon's ($fds_queued queued, $fds_after after)"
# The helper holds the pipes themselves: one fd per instance.
n=$(find "/proc/$holder/fd" -mindepth 1 -maxdepth 1 | wc -l)
[ "$n" -ge 400 ] || fail "the helper holds $n fds, not 400 pipes and its socket"
# Scaled back down, the retired instances' pipes leave the store too (the
# drop was never sent before: held stayed 400, the helper kept the fds).
rv scale burst 1 >/dev/null 2>&1 || fail "scale to 1 failed"
wait_for 10 bash -c "[ \"\$(\"$RINGVISOR\" --socket \"$SOCK\" status --json | jq -c '.supervisor.fdstore | [.held, .queued, .failed]')\" = '[1,0,0]' ]" ||
	fail "the drops did not reach the store: $(status_json | jq -c .supervisor.fdstore)"
wait_for 5 bash -c "[ \$(find /proc/$holder/fd -mindepth 1 -maxdepth 1 | wc -l) -le 5 ]" ||
	fail "the helper still holds $(find "/proc/$holder/fd" -mindepth 1 -maxdepth 1 | wc -l) fds after the scale down"
# Instances removed while their hand-overs wait: each add finds its pipe
# closed and is skipped with its drop (gone), the others go; held stays
# exact and nothing fails.
kill -STOP "$holder"
rv scale burst 400 >/dev/null 2>&1 || fail "scale to 400 again failed"
q=$(sup_field fdstore.queued)
[ "$q" -gt 0 ] || fail "nothing queued with the helper stopped again"
rv scale burst 1 >/dev/null 2>&1 || fail "scale back to 1 failed"
kill -CONT "$holder"
wait_for 10 bash -c "[ \"\$(\"$RINGVISOR\" --socket \"$SOCK\" status --json | jq -c '.supervisor.fdstore | [.held, .queued, .failed]')\" = '[1,0,0]' ]" ||
	fail "hand-overs of removed instances: $(status_json | jq -c .supervisor.fdstore)"
gone=$(sup_field fdstore.gone)
[ "$gone" -gt 0 ] || fail "no queued hand-over was skipped as gone: $(status_json | jq -c .supervisor.fdstore)"
wait_for 5 bash -c "[ \$(find /proc/$holder/fd -mindepth 1 -maxdepth 1 | wc -l) -le 5 ]" ||
	fail "the helper holds $(find "/proc/$holder/fd" -mindepth 1 -maxdepth 1 | wc -l) fds after the second scale down"
log "400 pipes, $(jq .queued <<<"$fs") of them queued while the helper was stopped, all held once it ran, all dropped at the scale down; $q queued again, their instances removed: $gone skipped"
exit 0
