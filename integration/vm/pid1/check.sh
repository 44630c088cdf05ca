#!/bin/sh
# check.sh SOCKET: runs as a service of ringvisor-as-PID-1 (pid1.yaml).
# Waits for the orphans of the `orphaner` service to exit, then fails if any
# zombie is left (a zombie seen twice, 1 s apart: one seen once may just be
# about to be reaped), prints `VMTEST PID1CHECK ok` or `... fail: why` on the
# console, and runs `ringvisor shutdown`. The host combines that line with
# the exit code of PID 1 (from the kernel panic line).
exec >/dev/console 2>&1
. /guest-lib.sh
SOCK=$1
# No daemon of ours to clean up: it is PID 1.
rm -rf "$T"; trap - EXIT
verdict() { echo "VMTEST PID1CHECK $*"; }

problems=
# /proc/1/exe may be unreadable to a service (ringvisor is not dumpable, or
# the service lacks CAP_SYS_PTRACE): comm is readable by anyone.
[ "$(cat /proc/1/comm)" = ringvisor ] || problems="$problems PID 1 is $(cat /proc/1/comm);"
sleep 5
first=$(zombies)
sleep 1
second=$(zombies)
# The zombies present in both scans.
stuck=$(echo "$first" | while read -r pid comm; do
	[ -n "$pid" ] && echo "$second" | grep -q "^$pid " && echo "$pid($comm)"
done)
[ -z "$stuck" ] || problems="$problems zombies: $(echo "$stuck" | tr '\n' ' ');"
json=$(status_json)
echo "pid1: status: $json"
echo "$json" | grep -q '"supervisor":{"pid":1,' || problems="$problems status does not say pid 1;"
reaped=$(echo "$json" | sed -n 's/.*"orphans_reaped":\([0-9]*\).*/\1/p')
[ "${reaped:-0}" -ge 2 ] || problems="$problems orphans_reaped=${reaped:-?} (want >= 2);"
if [ -z "$problems" ]; then verdict ok; else verdict "fail:$problems"; fi
# The daemon stops this service too while it shuts down: the shutdown
# client may well be killed by its SIGTERM before it returns.
"$RINGVISOR" --socket "$SOCK" shutdown
