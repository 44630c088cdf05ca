#!/usr/bin/env bash
# Bad configs are refused with the key's path: `ringvisor check -c FILE`
# exits 1 and prints "FILE:LINE:COL: key.path: message" for unknown keys at every
# depth, out-of-range instances, bad durations, backoff_max below
# backoff_initial, unknown signals and users, a missing command, a duplicate
# service and a YAML syntax error; several value errors are all reported at
# once. `ringvisor run` on a bad config exits 1 without starting anything or
# creating its socket. The shipped configs pass `check`.
. "$(dirname "$0")/lib.sh"
MARK=rv-badconfig-marker-$$
n=0
# bad KEY.PATH [TEXT]: config from stdin must fail check with that path (and TEXT).
bad() {
	n=$((n + 1))
	local f=$T/bad$n.yaml out rc
	cat >"$f"
	out=$("$RINGVISOR" check -c "$f" 2>&1); rc=$?
	[ $rc -eq 1 ] || fail "case $n ($1): check exited $rc, expected 1: $out"
	# "FILE:LINE:COL: key.path: " (the position where the node is known)
	sed -E 's/^([^:]*):[0-9]+:[0-9]+: /\1: /' <<<"$out" | grep -qF -- "$f: $1: " || fail "case $n: no '$1' in: $out"
	[ -z "${2:-}" ] || grep -qF -- "$2" <<<"$out" || fail "case $n ($1): no '$2' in: $out"
}
svc='  web:
    command: [/bin/true]'

bad bogus 'unknown key' <<<"bogus: 1
services:
$svc"
bad supervisor.shutdown_timeoutx 'unknown key' <<<"supervisor: {shutdown_timeoutx: 1s}
services:
$svc"
bad services.web.colour 'unknown key' <<<"services:
$svc
    colour: red"
bad services.web.restart.bogus 'unknown key' <<<"services:
$svc
    restart: {policy: always, bogus: 2}"
bad services.web.stop.sig 'unknown key' <<<"services:
$svc
    stop: {sig: TERM}"
bad services.web.instances 'below the minimum of 1' <<<"services:
$svc
    instances: 0"
bad services.web.instances 'exceeds the maximum' <<<"services:
$svc
    instances: 20000"
bad services.web.stop.timeout 'not a duration' <<<"services:
$svc
    stop: {timeout: 5x}"
bad supervisor.shutdown_timeout 'not a duration' <<<"supervisor: {shutdown_timeout: 10}
services:
$svc"
bad services.web.restart.backoff_max 'below backoff_initial' <<<"services:
$svc
    restart: {backoff_initial: 5s, backoff_max: 1s}"
bad services.web.stop.signal 'SIGFOO' <<<"services:
$svc
    stop: {signal: SIGFOO}"
bad services.web.user "rv-no-such-user-$$" <<<"services:
$svc
    user: rv-no-such-user-$$"
bad services.web.command 'missing' <<<"services:
  web:
    instances: 2"
bad services.web 'more than once' <<<"services:
$svc
  web:
    command: [/bin/false]"
bad 'services.web.command[1]' 'YAML syntax error' <<<"services:
  web:
    command: [/bin/true
    instances: 2"
bad services.web.restart.policy 'sometimes' <<<"services:
$svc
    restart: {policy: sometimes}"

# Several value errors: every one reported, each with its path and position.
cat >"$T/multi.yaml" <<YAML
services:
$svc
    instances: 0
    stop: {signal: SIGFOO, timeout: 3 weeks}
    restart: {backoff_initial: 5s, backoff_max: 1s}
YAML
out=$("$RINGVISOR" check -c "$T/multi.yaml" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "multi: check exited $rc"
for k in instances stop.signal stop.timeout restart.backoff_max; do
	grep -qE "^$T/multi.yaml:[0-9]+:[0-9]+: services\.web\.$k: " <<<"$out" || fail "multi: no services.web.$k at a line:column in: $out"
done
log "check: $n bad configs refused with their key paths, and one with 4 errors"

# run on a bad config: exit 1, nothing started, no socket.
cat >"$T/run-bad.yaml" <<YAML
supervisor: {shutdown_timeout: 2s}
services:
  marked:
    command: [/bin/sh, -c, 'sleep 1000', $MARK]
    restart: {backoff_initial: 5s, backoff_max: 1s}
YAML
timeout 10 "$RINGVISOR" run -c "$T/run-bad.yaml" --socket "$T/bad.sock" --event-backend="$RV_BACKEND" --cgroup-root="${CGROOT:-none}" \
	>"$T/run.out" 2>"$T/run.err"
rc=$?
[ $rc -eq 1 ] || fail "run on a bad config exited $rc, expected 1: $(cat "$T/run.err")"
grep -qF "services.marked.restart.backoff_max" "$T/run.err" || fail "run did not say why: $(cat "$T/run.err")"
[ ! -e "$T/bad.sock" ] || fail "run on a bad config created its socket"
pgrep -f -- "$MARK" >/dev/null && fail "run on a bad config started the service: $(pgrep -af -- "$MARK")"

# Good configs pass.
cd "$(dirname "$0")/.." || fail "no project root"
for f in configs/demo.yaml configs/example.yaml; do
	[ -f "$f" ] || continue
	out=$("$RINGVISOR" check -c "$f" 2>&1) || fail "check $f failed: $out"
	grep -q "^$f: ok, [0-9]* services, [0-9]* instances$" <<<"$out" || fail "check $f said: $out"
done
exit 0
