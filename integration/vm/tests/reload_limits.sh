#!/bin/sh
# reload_limits: with the memory controller on (here, unlike the build host),
# `ringvisor reload` writes a changed limit to the live instance's cgroup
# without a restart: a sleep under limits.memory_max 64M (memory.max reads
# 67108864), its file changed to 32M and reloaded: the reply lists it as
# updated with keys [limits], memory.max of the same cgroup reads 33554432,
# status shows the new value enforced, and the instance keeps its pid (the
# very process: same start time), state running and 0 restarts. A service
# beside it, unchanged, is kept with its own memory.max untouched.
. /guest-lib.sh
need_jq
body() {
	cat <<YAML
supervisor: {shutdown_timeout: 10s}
services:
  capped:
    command: [/bin/sleep, "1000"]
    limits: {memory_max: $1}
  other:
    command: [/bin/sleep, "1001"]
    limits: {memory_max: 48M}
YAML
}
cfg=$(body 64M | write_config reload.yaml)
rv_start "$cfg"
wait_for 30 state_is capped.0 running || fail "capped.0 not running: $(status_json capped)"
wait_for 30 state_is other.0 running || fail "other.0 not running: $(status_json other)"
j() { status_json "$1" | jq -r "$2"; }
cg=$(j capped '.services[0].instances[0].cgroup.path')
ocg=$(j other '.services[0].instances[0].cgroup.path')
[ -f "$cg/memory.max" ] || fail "no memory.max in '$cg'"
[ "$(cat "$cg/memory.max")" = 67108864 ] || fail "memory.max before reload: $(cat "$cg/memory.max")"
[ "$(j capped '.services[0].limits[] | select(.name == "memory_max") | .enforced')" = true ] || fail "memory_max not enforced"
pid=$(j capped '.services[0].instances[0].pid')
start=$(cut -d' ' -f22 "/proc/$pid/stat")
opid=$(j other '.services[0].instances[0].pid')

body 32M >"$cfg"
rv reload --json >"$T/reply.json" 2>"$T/reply.err" || fail "reload failed (rc=$?): $(cat "$T/reply.json" "$T/reply.err")"
log "reply: $(cat "$T/reply.json")"
[ "$(jq -r .ok "$T/reply.json")" = true ] || fail "reply not ok"
[ "$(jq -c '[.updated[] | select(.service == "capped") | .keys[]]' "$T/reply.json")" = '["limits"]' ] ||
	fail "capped not updated with keys [limits]"
[ "$(jq -c '[.kept, .restarted, .stopped, .started]' "$T/reply.json")" = '[["other"],[],[],[]]' ] ||
	fail "reply lists other changes"
[ "$(cat "$cg/memory.max")" = 33554432 ] || fail "memory.max after reload: $(cat "$cg/memory.max")"
[ "$(j capped '.services[0].limits[] | select(.name == "memory_max") | .value')" = 33554432 ] ||
	fail "status memory_max value: $(j capped '.services[0].limits')"
[ "$(j capped '.services[0].limits[] | select(.name == "memory_max") | .enforced')" = true ] || fail "memory_max not enforced after reload"
# The same process, still in that cgroup, never restarted; a moment later too.
sleep 1
[ "$(j capped '.services[0].instances[0].pid')" = "$pid" ] || fail "pid changed: $pid -> $(j capped '.services[0].instances[0].pid')"
[ "$(cut -d' ' -f22 "/proc/$pid/stat" 2>/dev/null)" = "$start" ] || fail "process $pid is not the one started before the reload"
[ "$(j capped '.services[0].instances[0].state')" = running ] || fail "state $(j capped '.services[0].instances[0].state')"
[ "$(j capped '.services[0].instances[0].restarts')" = 0 ] || fail "restarted"
[ "$(j capped '.services[0].instances[0].cgroup.path')" = "$cg" ] || fail "cgroup moved"
grep -qx "$pid" "$cg/cgroup.procs" || fail "pid $pid not in $cg/cgroup.procs"
[ "$(j other '.services[0].instances[0].pid')" = "$opid" ] || fail "other's pid changed"
[ "$(cat "$ocg/memory.max")" = 50331648 ] || fail "other's memory.max: $(cat "$ocg/memory.max")"
log "ok: memory.max 67108864 -> $(cat "$cg/memory.max"), pid $pid kept"
exit 0
