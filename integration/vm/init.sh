#!/bin/sh
# /init of the VM test initramfs (busybox sh, running as PID 1).
# Mounts what a host would have, with cgroup2 owning every controller, then
#   - by default runs /tests/*.sh one by one under a timeout and reports each
#     on the serial console as `VMTEST PASS|FAIL name` or `VMTEST SKIP name:
#     why`, followed by the test's output indented, then `VMTEST DONE`, and
#     powers off;
#   - with rv_pid1=1 on the kernel command line, execs ringvisor as PID 1
#     on /pid1/pid1.yaml instead. When ringvisor exits the kernel panics with
#     "Attempted to kill init! exitcode=0x...", which the host reads.
# Kernel command line knobs: rv_tests=a,b (only these tests), rv_timeout=S
# (per test, default 180), rv_printk=N (console loglevel, default 1).
# A test exits 0 (pass), 77 (skip; its last line starting SKIP says why) or
# anything else (fail).
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/ TERM=dumb

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# The kernel may have started us without stdio when /dev/console was not in
# the initramfs; from here on every line goes to the serial console.
exec </dev/console >/dev/console 2>&1
echo "VMTEST BOOT uptime=$(cut -d' ' -f1 /proc/uptime)"

mkdir -p /sys/fs/cgroup /dev/pts /dev/shm
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t devpts devpts /dev/pts 2>/dev/null
hostname vmtest
ip link set lo up 2>/dev/null

tests='' timeout=180 printk=1 pid1=0
# shellcheck disable=SC2013 # words, not lines, are wanted
for arg in $(cat /proc/cmdline); do
	case $arg in
	rv_tests=*) tests=$(echo "${arg#rv_tests=}" | tr , ' ');;
	rv_timeout=*) timeout=${arg#rv_timeout=};;
	rv_printk=*) printk=${arg#rv_printk=};;
	rv_pid1=1) pid1=1;;
	esac
done
# Only emergency messages on the console by default: kernel lines (an OOM
# kill, say) written in the middle of a test's output could split a VMTEST
# line. The panic and power-down lines the host looks for are emergencies.
echo "$printk" >/proc/sys/kernel/printk

# Enable every available controller for the root's children, one at a time
# so that one refusal does not cost the others.
# shellcheck disable=SC2013
for c in $(cat /sys/fs/cgroup/cgroup.controllers); do
	echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control || echo "VMTEST NOTE cannot enable $c"
done

if [ "$pid1" = 1 ]; then
	echo "VMTEST PID1 exec ringvisor"
	# shellcheck disable=SC2093 # falls through only when exec fails
	exec /bin/ringvisor run -c /pid1/pid1.yaml
	echo "VMTEST PID1 exec failed"
	poweroff -f
fi

uptime_ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
for t in /tests/*.sh; do
	name=${t##*/}; name=${name%.sh}
	if [ -n "$tests" ]; then
		case " $tests " in *" $name "*) ;; *) continue;; esac
	fi
	log=/tmp/vmtest-$name.log
	start=$(uptime_ms)
	# TERM first so the test's trap can stop the daemon it started, then
	# KILL 10 s later.
	VMTEST_NAME=$name RINGVISOR=/bin/ringvisor \
		timeout -k 10 "$timeout" sh "$t" >"$log" 2>&1 </dev/null
	rc=$?
	ms=$(( $(uptime_ms) - start ))
	secs="$((ms / 1000)).$(( (ms % 1000) / 100 ))s"
	case $rc in
	0) echo "VMTEST PASS $name ($secs)";;
	77) why=$(sed -n 's/^SKIP:* *//p' "$log" | tail -n 1); echo "VMTEST SKIP $name: ${why:-no reason given}";;
	143|137) echo "VMTEST FAIL $name (timeout after ${timeout}s)";;
	*) echo "VMTEST FAIL $name (rc=$rc, $secs)";;
	esac
	sed 's/^/    /' "$log"
	rm -f "$log"
done
echo "VMTEST DONE"
sync
poweroff -f
