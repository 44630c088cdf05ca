#!/usr/bin/env bash
# status of many instances, filtered and paged (issue 18): `--state`
# keeps the instances in a state and the services that have one, an
# unknown state is refused with the list; `--limit`/`--offset` pages
# cover every instance once, in order, and say where the next starts. The
# reply of 40 instances takes CPU, populated and frozen from one cgroup
# pass (where BPF loads): each instance's figures must equal its own
# cgroup.events and stay within its cpu.stat, a frozen one included.
. "$(dirname "$0")/lib.sh"
cfg=$(write_config filters.yaml <<YAML
services:
  web:
    command: [/bin/sleep, "1000"]
    instances: 36
  broken:
    command: [/nonexistent/binary]
    instances: 3
    restart: {policy: always, backoff_initial: 30s, backoff_max: 60s}
  one:
    command: [/bin/sleep, "1000"]
YAML
)
rv_start "$cfg"
wait_for 20 all_in_state 37 running || fail "not 37 running: $(status_json | jq -c '[.services[].instances[].state]')"
wait_for 10 all_in_state 3 backoff || fail "broken not in backoff: $(status_json broken | jq -c '[.services[].instances[].state]')"

# --state: only those, and only their service.
got=$(status_json --state backoff | jq -c '[.services[] | .name + ":" + (.instances | length | tostring)]')
[ "$got" = '["broken:3"]' ] || fail "--state backoff: $got"
got=$(status_json web --state running | jq '[.services[].instances[]] | length')
[ "$got" = 36 ] || fail "web --state running: $got"
got=$(status_json --state failed | jq -c '.services')
[ "$got" = '[]' ] || fail "--state failed: $got"
rv status --state sleeping >"$T/out" 2>&1 && fail "an unknown state was taken"
grep -q 'unknown state "sleeping": one of stopped, starting, running' "$T/out" || fail "no list: $(cat "$T/out")"
rv logs web --state running >"$T/out" 2>&1 && fail "logs took --state"
grep -q -- '--state, --limit and --offset are options of status, not of logs' "$T/out" || fail "$(cat "$T/out")"
rv status --limit 0 >"$T/out" 2>&1 && fail "--limit 0 was taken"

# Pages of 16 cover all 40 once, in order.
all=$(status_json | jq -r '.services[] | .name as $n | .instances[] | "\($n).\(.index)"')
[ "$(echo "$all" | wc -l)" = 40 ] || fail "not 40 instances: $all"
: >"$T/paged"
for off in 0 16 32; do
	status_json --limit 16 --offset "$off" >"$T/page.json"
	jq -r '.services[] | .name as $n | .instances[] | "\($n).\(.index)"' "$T/page.json" >>"$T/paged"
	[ "$(jq -c '.page | [.offset, .limit, .matched]' "$T/page.json")" = "[$off,16,40]" ] ||
		fail "page at $off: $(jq -c .page "$T/page.json")"
done
[ "$(cat "$T/paged")" = "$all" ] || fail "the pages differ from the whole: $(diff <(echo "$all") "$T/paged" | head)"
rv status --limit 16 --offset 16 >"$T/text"
grep -qx 'instances 17-32 of 40 (next: --offset 32)' "$T/text" || fail "text page line: $(tail -2 "$T/text")"

# The pass's figures against each instance's own files (cgroups only).
if [ "$CGROOT" != none ]; then
	rv freeze web.5 >/dev/null || fail "freeze web.5 exited $?"
	wait_for 5 state_is web.5 frozen || fail "web.5 not frozen"
	status_json >"$T/st.json"
	jq -r '.services[] | .name as $n | .instances[] | "\($n) \(.index) \(.cgroup.populated) \(.cgroup.frozen) \(.cgroup.cpu_usage_usec)"' \
		"$T/st.json" >"$T/figs"
	# key K FILE: V, the value of K in a flat-keyed cgroup file, with
	# builtins only (no fork: 40 instances of forks cost seconds on a
	# loaded machine); tf: 1/0 as JSON's true/false.
	key() { local k v; V=; while read -r k v; do [ "$k" = "$1" ] && { V=$v; return; }; done <"$2"; }
	tf() { key "$1" "$2"; [ "$V" = 1 ] && V=true || V=false; }
	while read -r svc i populated frozen cpu; do
		d=$CGROOT/services/$svc/$i
		tf populated "$d/cgroup.events"
		[ "$populated" = "$V" ] || fail "$svc.$i: populated $populated, cgroup.events: $(cat "$d/cgroup.events")"
		tf frozen "$d/cgroup.events"
		[ "$frozen" = "$V" ] || fail "$svc.$i: frozen $frozen, cgroup.events: $(cat "$d/cgroup.events")"
		key usage_usec "$d/cpu.stat"
		[ "$cpu" != null ] && [ "$cpu" -le "$V" ] || fail "$svc.$i: cpu $cpu, cpu.stat $V"
	done <"$T/figs"
	[ "$(grep -c ' true true ' "$T/figs")" = 1 ] || fail "not one frozen: $(grep true "$T/figs" | head -3)"
	rv thaw web.5 >/dev/null || fail "thaw exited $?"
	log "figures of 40 instances equal their files; pass: $(grep -c 'CPU read from each' "$T/daemon.log" 2>/dev/null || echo 0) fallbacks said"

	# status of one: populated and frozen as the daemon last read them
	# (its cgroup.events watch reads every change), through a freeze, a
	# thaw, a stop and a start: each equal to the file.
	one_is() {
		local d=$CGROOT/services/one/0 got want
		got=$(status_json one | jq -r '.services[0].instances[0].cgroup | "\(.populated) \(.frozen)"')
		tf populated "$d/cgroup.events"; want=$V
		tf frozen "$d/cgroup.events"; want="$want $V"
		[ "$got" = "$1" ] && [ "$want" = "$1" ] || { log "one: status $got, file $want, want $1"; return 1; }
	}
	one_is "true false" || fail "one running"
	rv freeze one >/dev/null && wait_for 5 state_is one.0 frozen || fail "one not frozen"
	one_is "true true" || fail "one frozen"
	rv thaw one >/dev/null && wait_for 5 state_is one.0 running || fail "one not thawed"
	one_is "true false" || fail "one thawed"
	rv stop one >/dev/null && wait_for 10 state_is one.0 stopped || fail "one not stopped"
	wait_for 5 one_is "false false" || fail "one stopped"
	rv start one >/dev/null && wait_for 5 state_is one.0 running || fail "one not started"
	one_is "true false" || fail "one started"
fi
exit 0
