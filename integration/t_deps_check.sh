#!/usr/bin/env bash
# `ringvisor check` (and `run`) refuse depends_on that cannot work, with the
# key path, exit 1:
# - a cycle, named whole from its first service in the file:
#   "services.a.depends_on: cycle a -> b -> a", and a 3-cycle written out of
#   order; a cycle beside a valid chain is named once;
# - an unknown name, a service depending on itself, healthy without the
#   other's health check, completed of a service that is not a oneshot, an
#   unknown condition; and the readiness keys a oneshot or a watchdog
#   cannot have;
# - `run` on a cycle exits 1 without starting anything or making a socket.
# A valid graph passes `check`.
. "$(dirname "$0")/lib.sh"
n=0
# bad LINE...: the config on stdin fails check with exactly these lines.
bad() {
	n=$((n + 1))
	local f=$T/bad$n.yaml out rc want
	cat >"$f"
	out=$("$RINGVISOR" check -c "$f" 2>&1); rc=$?
	[ $rc -eq 1 ] || fail "case $n: check exited $rc, expected 1: $out"
	out=$(sed -E 's/^([^:]*):[0-9]+:[0-9]+: /\1: /' <<<"$out") # the lines without their positions
	for want in "$@"; do
		grep -qxF -- "$f: $want" <<<"$out" || fail "case $n: no line '$f: $want' in: $out"
	done
	[ "$(wc -l <<<"$out")" -eq $# ] || fail "case $n: expected $# lines, got: $out"
}
svc() { printf '  %s:\n    command: [/bin/true]\n' "$1"; [ -z "${2:-}" ] || printf '    depends_on: {%s}\n' "$2"; }

bad "services.a.depends_on: cycle a -> b -> a" <<YAML
services:
$(svc a "b: started")
$(svc b "a: started")
YAML
# Written c, b, a with a -> c -> b -> a: named from c, the first in the file.
bad "services.c.depends_on: cycle c -> b -> a -> c" <<YAML
services:
$(svc c "b: ready")
$(svc b "a: ready")
$(svc a "c: ready")
YAML
# A valid chain beside a cycle: only the cycle, once.
bad "services.x.depends_on: cycle x -> y -> x" <<YAML
services:
$(svc base)
$(svc mid "base: ready")
$(svc top "mid: ready, x: started")
$(svc x "y: started, base: ready")
$(svc y "x: started")
YAML
bad "services.a.depends_on.nosuch: no service is named nosuch" <<YAML
services:
$(svc a "nosuch: ready")
YAML
bad "services.a.depends_on.a: a service cannot depend on itself" <<YAML
services:
$(svc a "a: ready")
YAML
bad "services.a.depends_on.b: healthy needs services.b.health" <<YAML
services:
$(svc a "b: healthy")
$(svc b)
YAML
bad "services.a.depends_on.b: completed needs services.b.type: oneshot" <<YAML
services:
$(svc a "b: completed")
$(svc b)
YAML
out=$(printf 'services:\n%s\n%s\n' "$(svc a "b: finished")" "$(svc b)" >"$T/cond.yaml"; "$RINGVISOR" check -c "$T/cond.yaml" 2>&1)
[ $? -eq 1 ] && grep -q "services.a.depends_on.b: " <<<"$out" || fail "an unknown condition: $out"
bad "services.w.watchdog: needs readiness: {notify: true} (the pings are sd_notify WATCHDOG=1)" <<YAML
services:
  w:
    command: [/bin/true]
    readiness: {fd: 3}
    watchdog: 1s
YAML
bad "services.o.readiness: a oneshot service is done when it exits 0: no readiness check" <<YAML
services:
  o:
    type: oneshot
    command: [/bin/true]
    readiness: {notify: true}
YAML
log "$n bad configs refused with their key paths"

# run refuses a cycle: exit 1, no socket, nothing started.
MARK=rv-deps-check-$$
printf 'services:\n  a:\n    command: [/bin/sleep, "1000", %s]\n    depends_on: {b: started}\n  b:\n    command: [/bin/sleep, "1000", %s]\n    depends_on: {a: started}\n' \
	"$MARK" "$MARK" >"$T/cycle.yaml"
timeout 10 "$RINGVISOR" run -c "$T/cycle.yaml" --socket "$T/run.sock" --cgroup-root=none >"$T/run.out" 2>"$T/run.err"
rc=$?
[ $rc -eq 1 ] || fail "run on a cycle exited $rc: $(cat "$T/run.err")"
grep -qF "services.a.depends_on: cycle a -> b -> a" "$T/run.err" || fail "run's error: $(cat "$T/run.err")"
[ ! -e "$T/run.sock" ] || fail "run made its socket"
[ -z "$(grep -lzxF -f <(echo "$MARK") /proc/[0-9]*/cmdline 2>/dev/null)" ] || fail "run started a service"

# A valid graph passes.
cat >"$T/good.yaml" <<YAML
services:
  db:
    command: [/bin/true]
    readiness: {tcp: "127.0.0.1:5432"}
    health: {tcp: "127.0.0.1:5432"}
  migrate:
    type: oneshot
    command: [/bin/true]
    depends_on: {db: ready}
  web:
    command: [/bin/true]
    readiness: {notify: true}
    watchdog: 1s
    depends_on: {db: healthy, migrate: completed}
  worker:
    command: [/bin/true]
    depends_on: {web: started, db: ready}
YAML
out=$("$RINGVISOR" check -c "$T/good.yaml" 2>&1) || fail "a valid graph refused: $out"
log "run refuses a cycle (exit 1, no socket); a valid graph passes: $out"
exit 0
