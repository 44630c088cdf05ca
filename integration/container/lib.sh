#!/usr/bin/env bash
# lib.sh: sourced by run.sh. The container's root, two drivers behind one
# set of calls (podman with runc; or unshare + seccomp-deny where podman
# cannot run a container), the tally of checks, and the cleanup, which
# removes every container, image, process and file the test made, by the
# names and pids it gave them, even when a check fails or the run is
# interrupted.
#
# The calls, for a container NAME:
#   c_start NAME CONFIG [VAR=VALUE...]  ringvisor as PID 1 on CONFIG (mounted
#                                       or copied to /etc/ringvisor.yaml)
#   c_exec NAME CMD...                  CMD inside (podman exec / nsenter)
#   c_logs NAME                         the daemon's stdout and stderr
#   c_stop NAME GRACE                   SIGTERM, SIGKILL after GRACE seconds;
#                                       sets ELAPSED_MS and RC (exit code)
#   c_wait NAME SECS                    waits for an exit of its own; sets RC
#                                       (empty if still running) and ELAPSED_MS
#   c_rm NAME                           gone, at once
# SECCOMP (default, noclone3, unconfined) chooses the profile of the next c_start.
set -u
RINGVISOR=${RINGVISOR:?set RINGVISOR to the ringvisor binary}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T=$(mktemp -d /tmp/rv-ctr.XXXXXX)
ROOT=$T/root
TAG=rv-ctr-$$            # every container and image name starts with this
BREAK=",${RV_CONTAINER_BREAK:-},"
SECCOMP=default
MODE=
NAMES=() IMAGES=() NS_PIDS=()
declare -A NS_PID=() NS_INNER=() NS_RULES=() T0=()
npass=0 nfail=0 npend=0 PEND_WHY=""

START_MS=$(( $(date +%s%N) / 1000000 ))
# Each line with the seconds since the start.
say() { printf '[container%s %5.1fs] %s\n' "${MODE:+ $MODE}" "$(( $(date +%s%N) / 1000000 - START_MS ))e-3" "$*"; }
pass() { npass=$((npass + 1)); say "PASS  $*"; }
flunk() { nfail=$((nfail + 1)); say "FAIL  $*"; }
pend() { npend=$((npend + 1)); say "WAIT  $*"; }
broken() { [[ $BREAK == *",$1,"* ]]; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

cleanup() {
	local rc=$? n p i
	trap - EXIT INT TERM HUP PIPE
	for n in "${NAMES[@]}"; do podman rm -f -t 0 "$n" >/dev/null 2>&1; done
	for p in "${NS_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	for i in "${IMAGES[@]}"; do podman rmi -f "$i" >/dev/null 2>&1; done
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
trap 'exit 141' PIPE

# wait_for SECONDS CMD...: polls CMD every 100 ms until it succeeds.
wait_for() {
	local end=$(( $(now_ms) + $1 * 1000 )); shift
	while [ "$(now_ms)" -lt "$end" ]; do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# make_root: the binary, the libraries ldd lists (with the loader), a static
# busybox for /bin/sh and the rest, a passwd and group, the mount points.
make_root() {
	local bb lib a
	bb=$(command -v busybox) || { echo "busybox-static is not installed"; return 1; }
	ldd "$bb" >/dev/null 2>&1 && { echo "$bb is dynamically linked; install busybox-static"; return 1; }
	mkdir -p "$ROOT"/{bin,usr/bin,etc,tmp,run,proc,sys,dev,out,var/lib/ringvisor} || return 1
	chmod 1777 "$ROOT/tmp"
	cp "$bb" "$ROOT/bin/busybox" && cp "$RINGVISOR" "$ROOT/usr/bin/ringvisor" || return 1
	# Every applet as a symlink in /bin: one process, else one ln each.
	chroot "$ROOT" /bin/busybox --install -s /bin 2>/dev/null ||
		for a in $("$bb" --list); do [ -e "$ROOT/bin/$a" ] || ln -s busybox "$ROOT/bin/$a"; done
	for lib in $(ldd "$RINGVISOR" | grep -o '/[^ ]*'); do
		mkdir -p "$ROOT$(dirname "$lib")" && cp -L "$lib" "$ROOT$lib" || return 1
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$ROOT/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$ROOT/etc/group"
	: >"$ROOT/etc/ringvisor.yaml"
}

# --- podman (runc) ---

# runc: crun, podman's default, refuses a host with cgroups in hybrid mode.
# The ulimits: podman's default RLIMIT_NOFILE is above a hard limit of 20000.
RUNTIME=${RV_CONTAINER_RUNTIME:-runc}
P_OPTS=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --network none)

# podman_usable: says why not, or returns 0.
podman_usable() {
	[ "$(id -u)" -eq 0 ] || { echo "the test runs podman as root (rootless podman is not supported here)"; return 1; }
	command -v podman >/dev/null || { echo "podman is not installed (apt-get install --no-install-recommends podman runc)"; return 1; }
	command -v "$RUNTIME" >/dev/null || { echo "$RUNTIME is not installed (apt-get install --no-install-recommends runc)"; return 1; }
	local out
	out=$(timeout 60 podman --runtime "$RUNTIME" run --rm "${P_OPTS[@]}" --rootfs "$ROOT" /bin/true 2>&1) ||
		{ echo "a trial podman --runtime $RUNTIME run fails: $(echo "$out" | tail -n 1)"; return 1; }
}

c_start_podman() {
	local name=$1 cfg=$2 e; shift 2
	local args=()
	for e; do args+=(-e "$e"); done
	case $SECCOMP in
	default) ;;
	unconfined) args+=(--security-opt seccomp=unconfined);;
	noclone3) args+=(--security-opt "seccomp=$T/seccomp-noclone3.json");;
	esac
	NAMES+=("$name")
	T0[$name]=$(now_ms)
	podman --runtime "$RUNTIME" run -d --name "$name" "${P_OPTS[@]}" "${args[@]}" \
		-v "$cfg:/etc/ringvisor.yaml:ro" --rootfs "$ROOT" \
		/usr/bin/ringvisor run -c /etc/ringvisor.yaml >"$T/$name.id" 2>&1
}
c_exec_podman() { local n=$1; shift; podman exec "$n" "$@"; }
c_logs_podman() { podman logs "$1" 2>&1; }
c_stop_podman() {
	local t0; t0=$(now_ms)
	podman stop -t "$2" "$1" >/dev/null 2>&1
	ELAPSED_MS=$(( $(now_ms) - t0 ))
	RC=$(podman inspect --format '{{.State.ExitCode}}' "$1" 2>/dev/null)
}
c_wait_podman() {
	RC=$(timeout "$2" podman wait "$1" 2>/dev/null)
	ELAPSED_MS=$(( $(now_ms) - T0[$1] ))
}
c_rm_podman() { podman rm -f -t 0 "$1" >/dev/null 2>&1; }

# --- unshare + seccomp-deny (no podman) ---

# ns_usable: says why not, or returns 0; builds seccomp-deny.
ns_usable() {
	command -v unshare >/dev/null && command -v nsenter >/dev/null ||
		{ echo "unshare or nsenter (util-linux) is missing"; return 1; }
	[ "$(id -u)" -eq 0 ] || { echo "a pid namespace with a new root needs root"; return 1; }
	local out
	out=$(unshare --pid --fork --mount-proc --kill-child --root="$ROOT" /bin/true 2>&1) ||
		{ echo "unshare --pid --fork --mount-proc --root is refused: $(echo "$out" | tail -n 1)"; return 1; }
	out=$(cc -std=gnu17 -O2 -Wall -Wextra -Werror "$HERE/../tools/seccomp-deny.c" -o "$T/seccomp-deny" 2>&1) ||
		{ echo "cannot build seccomp-deny: $out"; return 1; }
	[ -e "$ROOT/dev/null" ] || mknod -m 666 "$ROOT/dev/null" c 1 3 ||
		{ echo "cannot make $ROOT/dev/null"; return 1; }
}

# The seccomp-deny prefix of SECCOMP: io_uring refused as Docker refuses it
# (EPERM), and clone3 as Docker's profile refuses it (ENOSYS).
ns_rules() {
	case $1 in
	default) echo "$T/seccomp-deny io_uring_setup=EPERM --";;
	noclone3) echo "$T/seccomp-deny io_uring_setup=EPERM clone3=ENOSYS --";;
	unconfined) echo "";;
	esac
}

c_start_unshare() {
	local name=$1 cfg=$2; shift 2
	rm -rf "$ROOT/run/ringvisor" && cp "$cfg" "$ROOT/etc/ringvisor.yaml" || return 1
	NS_RULES[$name]=$(ns_rules "$SECCOMP")
	T0[$name]=$(now_ms)
	# A container's environment: PATH, container=, and the -e variables.
	env -i PATH=/usr/bin:/bin container=unshare "$@" ${NS_RULES[$name]} \
		unshare --pid --fork --mount-proc --kill-child --root="$ROOT" \
		/usr/bin/ringvisor run -c /etc/ringvisor.yaml >"$T/$name.log" 2>&1 &
	NS_PID[$name]=$!
	NS_PIDS+=($!)
	wait_for 5 ns_inner "$name"
}
# ns_inner NAME: the daemon, unshare's one child, PID 1 of the namespace.
ns_inner() { NS_INNER[$1]=$(echo $(cat /proc/"${NS_PID[$1]}"/task/*/children 2>/dev/null)); [ -n "${NS_INNER[$1]}" ]; }
c_exec_unshare() {
	local n=$1; shift
	# The same seccomp rules, as podman exec applies the container's profile.
	${NS_RULES[$n]} nsenter -t "${NS_INNER[$n]}" -p -m -r -w "$@"
}
c_logs_unshare() { cat "$T/$1.log"; }
ns_reap() {   # sets RC once the unshare of NAME is gone
	kill -0 "${NS_PID[$1]}" 2>/dev/null && return 1
	wait "${NS_PID[$1]}"; RC=$?
	return 0
}
c_stop_unshare() {
	local t0; t0=$(now_ms)
	RC=
	kill -TERM "${NS_INNER[$1]}" 2>/dev/null
	wait_for "$2" ns_reap "$1" || { kill -KILL "${NS_INNER[$1]}" 2>/dev/null; wait_for 5 ns_reap "$1"; }
	ELAPSED_MS=$(( $(now_ms) - t0 ))
}
c_wait_unshare() {
	RC=
	wait_for "$2" ns_reap "$1"
	ELAPSED_MS=$(( $(now_ms) - T0[$1] ))
}
c_rm_unshare() { kill -KILL "${NS_PID[$1]}" 2>/dev/null; RC=; wait_for 5 ns_reap "$1"; }

c_start() { "c_start_$DRIVER" "$@"; }
c_exec() { "c_exec_$DRIVER" "$@"; }
c_logs() { "c_logs_$DRIVER" "$@"; }
c_stop() { "c_stop_$DRIVER" "$@"; }
c_wait() { "c_wait_$DRIVER" "$@"; }
c_rm() { "c_rm_$DRIVER" "$@"; }

# Facts from inside a container, through `ringvisor status --json` on the
# daemon's default socket (no --socket: the config sets no control_socket).
# status --json inside; its exit 3 (an instance not running) is an answer.
st() { c_exec "$1" ringvisor status --json 2>/dev/null; local r=$?; [ "$r" = 3 ] && return 0; return "$r"; }
answers() { st "$1" >/dev/null; }
n_running() { st "$1" | jq '[.services[].instances[] | select(.state == "running")] | length'; }
running_is() { [ "$(n_running "$1")" = "$2" ]; }

# feature_missing CONFIG KEY: the binary rejects KEY as unknown (the feature
# has not landed); says so and returns 0. Any other outcome runs the check.
feature_missing() {
	local out
	out=$("$RINGVISOR" check -c "$1" 2>&1) && return 1
	echo "$out" | grep -q "\.$2: unknown key" || return 1
	echo "$out" | grep -m1 "\.$2: unknown key"
}
