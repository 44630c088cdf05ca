#!/bin/sh
# cpu: a busy loop under cpu_max 10% is throttled: cpu.stat nr_throttled
# grows, and the CPU share measured from usage_usec over a few seconds stays
# near the quota (between 5% and 20%: the guest clock runs under emulation).
. /guest-lib.sh
need_jq
cfg=$(write_config cpu.yaml <<YAML
services:
  spin:
    command: [/bin/sh, -c, 'while :; do :; done']
    limits: {cpu_max: "10%"}
YAML
)
rv_start "$cfg"
wait_for 20 state_is spin.0 running || fail "not running"
sleep 1
u0=$(status_json spin | jq '.services[0].instances[0].cgroup.cpu_usage_usec')
n0=$(status_json spin | jq '.services[0].instances[0].cgroup.cpu_nr_throttled')
t0=$(cut -d' ' -f1 /proc/uptime)
sleep 5
u1=$(status_json spin | jq '.services[0].instances[0].cgroup.cpu_usage_usec')
n1=$(status_json spin | jq '.services[0].instances[0].cgroup.cpu_nr_throttled')
t1=$(cut -d' ' -f1 /proc/uptime)
share=$(awk -v u0="$u0" -v u1="$u1" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%d", (u1 - u0) / ((t1 - t0) * 10000) }')
log "usage ${u0}->${u1} us over ${t0}->${t1} s: ${share}% ; nr_throttled ${n0}->${n1}"
[ "$n1" -gt "$n0" ] || fail "nr_throttled did not grow"
[ "$share" -ge 5 ] && [ "$share" -le 20 ] || fail "CPU share ${share}% is not near 10%"
exit 0
