#!/usr/bin/env bash
# No local user can stall the daemon or shut root out (issue 12, findings
# 1 and 2). With 300 services:
#  - four connections of user nobody each send 240 status requests at once
#    and never read: each gets one request served (its reply must be read
#    before the next is taken), so root's status answers at once. Before,
#    the daemon ran all 960 back to back (seconds of a stopped loop).
#  - one user gets at most 8 connections; seven users holding 56 leave the
#    last 8 slots to root, whose stop works.
. "$(dirname "$0")/lib.sh"
command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
PY=/usr/bin/python3; [ -x $PY ] || PY=$(command -v python3)
# A copy nobody can read: the checkout may sit under a 0700 home (/root).
cp "$(dirname "$0")/tools/ctlflood.py" "$T/ctlflood.py" && chmod 0644 "$T/ctlflood.py"
FLOOD="$PY $T/ctlflood.py"
{
	echo "services:"
	for i in $(seq 1 300); do printf '  s%d: {command: [/bin/sleep, "1000"]}\n' "$i"; done
} >"$T/many.yaml"
rv_start "$T/many.yaml"
wait_for 60 bash -c "[ \$($RINGVISOR --socket $SOCK status --json | jq '[.services[].instances[] | select(.state == \"running\")] | length') -eq 300 ]" ||
	fail "300 services not running"
chmod 0755 "$T"   # nobody must reach the socket
# as_user UID: a command prefix (not a function: `f &` would fork a shell
# between $! and the client, and kill would miss the client).
as_user() { echo "setpriv --reuid=$1 --regid=$1 --clear-groups"; }

# 1. Pipelined requests from non-reading clients.
pids=()
for i in 1 2 3 4; do
	$(as_user 65534) $FLOOD "$SOCK" 1 240 >"$T/flood$i.out" 2>&1 &
	pids+=($!)
done
at_exit "kill ${pids[*]} 2>/dev/null"
for i in 1 2 3 4; do wait_for 10 grep -q ready "$T/flood$i.out" || fail "flood $i: $(cat "$T/flood$i.out")"; done
for _ in 1 2 3; do
	start=$(date +%s%N)
	timeout 10 "$RINGVISOR" --socket "$SOCK" status s7.0 >/dev/null || fail "root's status did not answer within 10 s"
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	[ "$ms" -lt 2000 ] || fail "root's status took $ms ms behind the pipelined requests"
	sleep 0.2
done
log "root's status answered in $ms ms with 960 requests pipelined by nobody"
kill "${pids[@]}" 2>/dev/null; wait "${pids[@]}" 2>/dev/null
# Their connections close with replies unread: the daemon sees it at once.
wait_for 5 bash -c "[ \$($RINGVISOR --socket $SOCK status --json | jq .supervisor.control_clients) -eq 1 ]" ||
	fail "closed connections still held: $(status_json | jq .supervisor.control_clients)"

# 2. Slots: 8 per user, and the last 8 for root.
$(as_user 65534) $FLOOD "$SOCK" 9 0 >"$T/slots.out" 2>&1 &
p=$!
wait_for 10 grep -q ready "$T/slots.out" || fail "slots: $(cat "$T/slots.out")"
[ "$(grep -c '^ok$' "$T/slots.out")" -eq 8 ] || fail "one user got $(grep -c '^ok$' "$T/slots.out") connections"
grep -q 'too many clients of this user' "$T/slots.out" || fail "the 9th connection: $(tail -2 "$T/slots.out")"
kill $p; wait $p 2>/dev/null
pids=()
for u in 60001 60002 60003 60004 60005 60006 60007; do
	$(as_user $u) $FLOOD "$SOCK" 8 0 >"$T/u$u.out" 2>&1 &
	pids+=($!)
done
at_exit "kill ${pids[*]} 2>/dev/null"
for u in 60001 60002 60003 60004 60005 60006 60007; do
	wait_for 10 grep -q ready "$T/u$u.out" || fail "user $u: $(cat "$T/u$u.out")"
done
$(as_user 60008) $FLOOD "$SOCK" 1 0 >"$T/u60008.out" 2>&1 &
p=$!
wait_for 10 grep -q ready "$T/u60008.out" || fail "user 60008: $(cat "$T/u60008.out")"
grep -q 'kept for root' "$T/u60008.out" || fail "user 60008 took a root slot: $(cat "$T/u60008.out")"
kill $p; wait $p 2>/dev/null
timeout 10 "$RINGVISOR" --socket "$SOCK" stop s1 >/dev/null || fail "root's stop was refused with 56 slots held"
wait_for 10 state_is s1.0 stopped || fail "s1 not stopped"
log "8 connections per user; 56 held by seven users, root's stop still served"
exit 0
