#!/usr/bin/env bash
# The probe's fallback: tests/test_probe run as root without CAP_BPF,
# CAP_PERFMON and CAP_SYS_ADMIN (capsh drops them from the bounding set, so
# exec leaves them out of every set). PROBE_AUTO must choose procfs and say
# why (RV_EXPECT_PROBE_SOURCE makes the test check it), the procfs counts
# must still be exact, and the bpf tests must skip rather than fail. Then the
# same binary with the capabilities, and in a pid namespace of its own.
# The test binary is $(dirname RINGVISOR)/tests/test_probe.
set -u
RINGVISOR=${RINGVISOR:?set RINGVISOR to the binary}
NAME=$(basename "$0" .sh)
TEST=$(dirname "$RINGVISOR")/tests/test_probe
skip() { echo "[$NAME] SKIP: $*"; exit 77; }
fail() { echo "[$NAME] FAIL: $*" >&2; exit 1; }

[ -x "$TEST" ] || skip "$TEST is not built (make $TEST)"
[ "$(id -u)" = 0 ] || skip "needs root (a cgroup of its own, capabilities to drop)"
command -v capsh >/dev/null || skip "capsh not installed (libcap2-bin)"
drop=cap_bpf,cap_perfmon,cap_sys_admin
capsh --drop=$drop -- -c 'grep -q "^CapEff:" /proc/self/status' 2>/dev/null ||
	skip "capsh cannot drop $drop here"
eff=$(capsh --drop=$drop -- -c 'grep "^CapEff:" /proc/self/status' | awk '{print $2}')
# CAP_SYS_ADMIN is bit 21, CAP_PERFMON 38, CAP_BPF 39.
(( (0x$eff >> 21 & 1) || (0x$eff >> 38 & 1) || (0x$eff >> 39 & 1) )) &&
	skip "capsh --drop=$drop left CapEff=$eff"

out=$(capsh --drop=$drop -- -c "RV_EXPECT_PROBE_SOURCE=procfs exec '$TEST'" 2>&1)
rc=$?
echo "$out" | sed 's/^/    /'
[ $rc -eq 0 ] || fail "test_probe without $drop: exit $rc"
echo "$out" | grep -q '^auto: procfs (bpf: ' || fail "auto did not fall back to procfs with a reason"
echo "$out" | grep -q 'OK \] test_procfs_exact' || fail "test_procfs_exact did not pass"
echo "$out" | grep -q 'SKIPPED \] test_bpf_equals_procfs' || fail "the bpf test did not skip"
echo "[$NAME] without $drop: $(echo "$out" | grep -m1 '^auto:')"

out=$("$TEST" 2>&1)
rc=$?
[ $rc -eq 0 ] || { echo "$out" | sed 's/^/    /'; fail "test_probe with capabilities: exit $rc"; }
echo "[$NAME] with capabilities: $(echo "$out" | grep -m1 '^auto:')"

# In a pid namespace of its own (as PID 1 of a container), where the bpf
# source must report pids as that namespace sees them, like its /proc.
if unshare --pid --fork --mount-proc true 2>/dev/null; then
	out=$(unshare --pid --fork --mount-proc "$TEST" 2>&1)
	rc=$?
	[ $rc -eq 0 ] || { echo "$out" | sed 's/^/    /'; fail "test_probe in a pid namespace: exit $rc"; }
	echo "[$NAME] in a pid namespace: $(echo "$out" | grep -m1 '^auto:'), pids $(echo "$out" |
		awk '/^bpf: pid/ {printf "%s ", $3}')"
else
	echo "[$NAME] cannot make a pid namespace here; that part not run"
fi
exit 0
