#!/bin/sh
# leakmem: with the memory controller on (here, unlike the build host), the
# leak watch's memory series is the cgroup's memory.current: a service that
# keeps writing files into the guest's RAM-backed root (page cache charged
# to its cgroup, no process RSS at all) is found leaking with reason
# "memory growing" and memory_source "memory.current", and the memory it
# reports equals memory.current of its cgroup (within the growth between
# the two reads); a steady service beside it stays ok.
. /guest-lib.sh
need_jq
mkdir -p /tmp/leakfill
cfg=$(write_config leakmem.yaml <<YAML
supervisor: {shutdown_timeout: 10s}
services:
  filler:
    command: [/bin/sh, -c, 'i=0; while :; do head -c 1000000 /dev/zero > /tmp/leakfill/f\$i; i=\$((i+1)); sleep 0.4; done']
    limits: {memory_max: 512M}
    leak: {sample_every: 1s, window: 8s, grace: 2s}
  steady:
    command: [/bin/sleep, "1000"]
    limits: {memory_max: 64M}
    leak: {sample_every: 1s, window: 8s, grace: 2s}
YAML
)
rv_start "$cfg"
lk() { "$RINGVISOR" --socket "$SOCK" leaks --json "$1" | jq -r ".services[0].instances[0]$2"; }
wait_for 60 sh -c "[ \"\$($RINGVISOR --socket $SOCK leaks --json filler | jq -r '.services[0].instances[0].verdict')\" = leaking ]" \
	|| { rm -rf /tmp/leakfill; fail "filler not leaking: $("$RINGVISOR" --socket "$SOCK" leaks --json filler | jq -c '.services[0].instances[0] | del(.processes, .series)')"; }
src=$(lk filler .memory_source)
reason=$(lk filler .reason)
mem=$(lk filler .memory)
cur=$(cat "$(status_json filler | jq -r '.services[0].instances[0].cgroup.path')/memory.current" 2>/dev/null || echo 0)
log "filler: $reason, source $src, memory $mem, memory.current $cur; steady: $(lk steady .verdict)"
rm -rf /tmp/leakfill
[ "$src" = memory.current ] || fail "memory_source is $src"
# The file only grows: read later, memory.current is at least what the
# last sample saw, and not far above it (about 2.5 MB/s; tcg is slow).
[ "$mem" -gt 1000000 ] && [ "$cur" -ge "$mem" ] && [ $((cur - mem)) -lt 64000000 ] ||
	fail "memory $mem against memory.current $cur"
[ "$reason" = "memory growing" ] || fail "reason is $reason"
[ "$(lk steady .verdict)" = ok ] || fail "steady is $(lk steady .verdict): $(lk steady .reason)"
[ "$(lk steady .memory_source)" = memory.current ] || fail "steady's memory_source is $(lk steady .memory_source)"
exit 0
