#!/usr/bin/env bash
# The text status for people: a 60-byte service name is printed whole;
# FDS, THREADS and MEM come from the leak watch's pass (here without the
# memory controller: RSS), CPU from the cgroup; -o wide adds the limits,
# each with why it is not enforced, violations and log drops. Without
# cgroups the same columns come from the process-tree probe.
. "$(dirname "$0")/lib.sh"
long=service_with_a_name_of_sixty_bytes_to_see_it_is_never_cut_xy
[ ${#long} = 60 ] || fail "the name is ${#long} bytes"
cfg=$(write_config text.yaml <<YAML
services:
  $long:
    command: [/bin/sh, -c, 'exec 3</dev/null 4</dev/null; exec sleep 1000']
    leak: {sample_every: 1s, window: 8s}
    limits: {memory_max: 64M, pids_max: 100}
  quiet:
    command: [/bin/sleep, "1000"]
    leak: {sample_every: 1s, window: 8s}
YAML
)
check_table() { # MODE: the columns of the two lines
	local line
	sampled() { [ "$(status_json quiet | jq '.services[0].instances[0].usage.fds')" != null ]; }
	wait_for 5 sampled || fail "$1: no usage after 5 s: $(status_json quiet | jq -c '.services[0].instances[0].usage')"
	rv status >"$T/st.txt"; local rc=$?
	[ "$rc" = 0 ] || fail "$1: status exited $rc with everything running"
	head -3 "$T/st.txt" | grep -q '^INSTANCE +STATE +PID +UPTIME +RESTARTS +CPU +MEM +FDS +THREADS +LAST EXIT$' ||
		grep -qE '^INSTANCE +STATE +PID +UPTIME +RESTARTS +CPU +MEM +FDS +THREADS +LAST EXIT$' "$T/st.txt" ||
		fail "$1: header: $(cat "$T/st.txt")"
	line=$(grep "^$long\.0 " "$T/st.txt") || fail "$1: no whole line for $long.0: $(cat "$T/st.txt")"
	# name state pid uptime restarts cpu mem fds threads last
	read -r -a f <<<"$line"
	[ "${f[1]}" = running ] || fail "$1: state ${f[1]}"
	[ "${f[2]}" = "$(inst "$long.0" .pid)" ] || fail "$1: pid ${f[2]}"
	[ "${f[7]}" = "$(status_json "$long" | jq '.services[0].instances[0].usage.fds')" ] || fail "$1: fds ${f[7]}"
	[ "${f[7]}" -ge 5 ] || fail "$1: fds ${f[7]}: sleep holds 0, 1, 2, 3 and 4"
	[ "${f[8]}" = 1 ] || fail "$1: threads ${f[8]}"
	case ${f[6]} in *K|*M) ;; *) fail "$1: mem '${f[6]}'";; esac
	echo "${f[5]}"
}
rv_start "$cfg"
cpu=$(check_table cgroups) || exit 1
[ "$cpu" != - ] || fail "cgroups: CPU is '-' though cpu.stat is there"
rv status -o wide >"$T/wide.txt" || fail "status -o wide exited $?"
grep -qE '^INSTANCE .* LAST EXIT +VIOLATIONS +LOG DROPS +LIMITS$' "$T/wide.txt" || fail "wide header: $(head -3 "$T/wide.txt")"
line=$(grep "^$long\.0 " "$T/wide.txt")
case $line in *"memory_max=67108864 (not enforced: "*"pids_max=100 (not enforced: "*) ;;
*) fail "wide: limits not shown with why: $line";; esac
grep -E '^quiet\.0 ' "$T/wide.txt" | grep -qE ' - +- +-$' || fail "wide: quiet has no violations, drops or limits: $(grep '^quiet' "$T/wide.txt")"
log "wide: $(grep "^$long" "$T/wide.txt" | tr -s ' ')"
rv_stop_daemon >/dev/null

rv_start "$cfg" --cgroup-root=none
cpu=$(check_table nocgroups) || exit 1
[ "$(sup_field usage_source)" = tree ] || fail "usage_source without cgroups: $(sup_field usage_source)"
exit 0
