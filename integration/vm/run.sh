#!/usr/bin/env bash
# run.sh [TEST...]: the VM test suite. Boots a stock Debian cloud kernel with
# a busybox initramfs (build.sh) under qemu software emulation, once for the
# tests in tests/*.sh (each reported on the serial console by init.sh) and
# once with ringvisor as PID 1 (the test named pid1). TEST names pick some:
# `run.sh smoke`, `run.sh pid1`. Ends with the line
# `vm: N passed, N failed[, N skipped]`; exits 0 only when nothing failed and
# every boot finished.
#
# Why software emulation: /dev/kvm is absent or unusable on the build
# machines, and the host's own cgroup2 has no controllers, so limits can
# only be seen in a guest whose cgroup2 owns them.
#
# Environment: RINGVISOR (binary, default build/ringvisor), RV_VM_DIR (cache
# and logs, default build/vm), RV_VM_TEST_TIMEOUT (per test inside the
# guest, default 180), RV_VM_TIMEOUT (seconds per boot before the guest is
# killed; default 120 plus the test timeout + 10 s per test, and 300 for
# pid1: only a guest that init's own timeout cannot help hits it), RV_VM_APPEND (extra kernel arguments, e.g.
# rv_printk=7 to see every kernel message).
set -u
cd "$(dirname "$0")/../.." || exit 1
root=$(pwd)
RINGVISOR=${RINGVISOR:-$root/build/ringvisor}
OUT=${RV_VM_DIR:-$root/build/vm}
test_timeout=${RV_VM_TEST_TIMEOUT:-180}
pass=0 fail=0 skipped=0

QEMU_PID=
# Ctrl-C or a TERM to this script also ends the guest it started, and only it.
stop_qemu() { [ -n "$QEMU_PID" ] && kill -KILL "$QEMU_PID" 2>/dev/null; }
trap 'stop_qemu; exit 130' INT TERM
trap 'stop_qemu' EXIT

[ -x "$RINGVISOR" ] || { echo "vm: $RINGVISOR is not built (make all)"; echo "vm: 0 passed, 1 failed"; exit 1; }
kver=$(bash integration/vm/build.sh "$OUT" "$RINGVISOR") ||
	{ echo "vm: could not prepare the kernel or initramfs"; echo "vm: 0 passed, 1 failed"; exit 1; }
echo "vm: ${kver}, qemu $(qemu-system-x86_64 --version | awk 'NR == 1 { print $4 }') (tcg)"

# Which boots: the suite for the names in tests/, pid1 for "pid1".
suite_tests=() want_pid1=0
if [ $# -eq 0 ]; then
	for t in integration/vm/tests/*.sh; do t=${t##*/}; suite_tests+=("${t%.sh}"); done
	want_pid1=1
else
	for t in "$@"; do
		if [ "$t" = pid1 ]; then want_pid1=1
		elif [ -f "integration/vm/tests/$t.sh" ]; then suite_tests+=("$t")
		else echo "FAIL  [vm] $t: no such test (integration/vm/tests/$t.sh)"; fail=$((fail + 1))
		fi
	done
fi

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
secs() { echo "$(( $1 / 1000 )).$(( ($1 % 1000) / 100 ))"; }

# boot NAME APPEND TIMEOUT: boots the guest with the serial console captured in
# $OUT/serial-NAME.log (kept for a look after a failure), kills it after
# TIMEOUT seconds. Sets LOG, TIMED_OUT (0/1), BOOT_MS (host time from
# qemu start to init's first line, empty if never) and GUEST_MS (the guest's
# uptime at that line).
boot() {
	local name=$1 append=$2 start deadline
	boot_timeout=$3
	LOG=$OUT/serial-$name.log TIMED_OUT=0 BOOT_MS='' GUEST_MS=''
	: >"$LOG"
	start=$(now_ms)
	deadline=$(( start + boot_timeout * 1000 ))
	# -nodefaults: no NIC (whose option ROM would cost boot time) and no
	# VGA; the one serial port goes to the log; -no-reboot turns the
	# guest's poweroff, and its panic=-1 reboot, into qemu exiting.
	qemu-system-x86_64 -accel tcg -cpu max -m 512 -smp 2 -nographic -nodefaults -no-reboot \
		-serial "file:$LOG" -kernel "$OUT/vmlinuz" -initrd "$OUT/initramfs.cpio.gz" \
		-append "console=ttyS0 panic=-1 quiet rv_timeout=$test_timeout $append ${RV_VM_APPEND:-}" \
		</dev/null >"$OUT/qemu-$name.out" 2>&1 &
	QEMU_PID=$!
	while kill -0 "$QEMU_PID" 2>/dev/null; do
		if [ -z "$BOOT_MS" ] && grep -q 'VMTEST BOOT' "$LOG"; then
			BOOT_MS=$(( $(now_ms) - start ))
			GUEST_MS=$(sed -n 's/.*VMTEST BOOT uptime=\([0-9.]*\).*/\1/p' "$LOG" | awk '{ printf "%d", $1 * 1000 }')
		fi
		if [ "$(now_ms)" -ge "$deadline" ]; then
			TIMED_OUT=1
			kill -KILL "$QEMU_PID" 2>/dev/null
			break
		fi
		sleep 0.05
	done
	wait "$QEMU_PID" 2>/dev/null
	QEMU_PID=
	# Serial output has CRs; the parsing below wants plain lines.
	sed -i 's/\r$//' "$LOG"
	[ -n "$BOOT_MS" ] && echo "vm: [$name] boot to userspace: $(secs "$BOOT_MS") s (guest uptime at /init $(secs "${GUEST_MS:-0}") s), whole boot $(secs $(( $(now_ms) - start ))) s"
	# qemu's own messages, if it had any, are shown; an empty file goes.
	if [ -s "$OUT/qemu-$name.out" ]; then sed "s/^/    qemu: /" "$OUT/qemu-$name.out" | head -n 20
	else rm -f "$OUT/qemu-$name.out"
	fi
}

# show_tail: the end of the console, where the reason usually is.
# SeaBIOS's terminal escapes are dropped, and awk ends the last line even
# when the guest did not.
show_tail() {
	echo "    --- serial console (tail of $LOG) ---"
	tail -n 40 "$LOG" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g' | awk '{ print "    " $0 }'
}

if [ ${#suite_tests[@]} -gt 0 ]; then
	boot suite "rv_tests=$(IFS=,; echo "${suite_tests[*]}")" \
		"${RV_VM_TIMEOUT:-$(( 120 + (test_timeout + 10) * ${#suite_tests[@]} ))}"
	# A test's output follows its VMTEST line, indented by four spaces.
	for t in "${suite_tests[@]}"; do
		line=$(grep -m1 -E "^VMTEST (PASS|FAIL|SKIP) $t( |:|$)" "$LOG")
		body=$(awk -v t="$t" '$0 ~ "^VMTEST (PASS|FAIL|SKIP) " t "( |:|$)" { on = 1; next }
			/^VMTEST / { on = 0 } on' "$LOG")
		case $line in
		"VMTEST PASS "*) pass=$((pass + 1)); echo "PASS  [vm] ${line#VMTEST PASS }";;
		"VMTEST SKIP "*) skipped=$((skipped + 1)); echo "SKIP  [vm] ${line#VMTEST SKIP }";;
		"VMTEST FAIL "*) fail=$((fail + 1)); echo "FAIL  [vm] ${line#VMTEST FAIL }"; echo "$body" | tail -n 60;;
		*) fail=$((fail + 1)); echo "FAIL  [vm] $t: no result (the guest $([ $TIMED_OUT = 1 ] && echo "was killed after ${boot_timeout}s" || echo "stopped first"))";;
		esac
	done
	if ! grep -q '^VMTEST DONE' "$LOG"; then
		fail=$((fail + 1))
		echo "FAIL  [vm] suite boot: no VMTEST DONE$([ $TIMED_OUT = 1 ] && echo ", guest killed after ${boot_timeout}s")"
		show_tail
	fi
fi

# The pid1 boot. How ringvisor as PID 1 ended, from the console:
#   "Kernel panic - not syncing: Attempted to kill init! exitcode=0x..."
#   means it exited (the value is a wait status: code << 8, or a signal);
#   "reboot: Power down" means it powered the guest off by itself, after
#   logging "poweroff exit=N" with the status it would have exited with.
# Passes when check.sh said ok and ringvisor exited 0 (or powered off after
# a complete shutdown).
if [ $want_pid1 = 1 ]; then
	boot pid1 rv_pid1=1 "${RV_VM_TIMEOUT:-300}"
	check=$(grep -m1 -o 'VMTEST PID1CHECK .*' "$LOG" | sed 's/^VMTEST PID1CHECK //')
	status=$(grep -m1 -o 'Attempted to kill init! exitcode=0x[0-9a-f]*' "$LOG" | sed 's/.*exitcode=//')
	if [ -n "$status" ]; then
		st=$((status))
		if [ $((st & 0x7f)) -eq 0 ]; then how="exited with code $(( (st >> 8) & 0xff ))"
		else how="killed by signal $((st & 0x7f))"
		fi
		how="$how (kernel: Attempted to kill init! exitcode=$status)"
	elif grep -q 'reboot: Power down' "$LOG"; then
		how="powered the guest off"
	elif [ $TIMED_OUT = 1 ]; then
		how="did not end: guest killed after ${boot_timeout}s"
	else
		how="ended without a panic or power-down line"
	fi
	echo "vm: [pid1] ringvisor as PID 1 $how; check: ${check:-none}"
	ok=0
	if [ "$check" = ok ]; then
		if [ -n "$status" ] && [ "$st" -eq 0 ]; then ok=1
		elif [ -z "$status" ] && grep -q 'reboot: Power down' "$LOG" && grep -q 'shutdown-complete' "$LOG" \
			&& grep -q 'poweroff exit=0' "$LOG"; then ok=1
		fi
	fi
	if [ $ok = 1 ]; then
		pass=$((pass + 1)); echo "PASS  [vm] pid1"
	else
		fail=$((fail + 1)); echo "FAIL  [vm] pid1"; show_tail
	fi
fi

summary="vm: $pass passed, $fail failed"
[ $skipped -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
[ $fail -eq 0 ]
