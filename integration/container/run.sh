#!/usr/bin/env bash
# run.sh: ringvisor as PID 1 of a real OCI container (`make test-container`).
#
# A minimal root is built from the binary (it, the libraries ldd lists, a
# static busybox) and run by podman with runc as `ringvisor run -c
# /etc/ringvisor.yaml`, once under the runtime's default seccomp profile and
# once under a profile that also refuses clone3 (ENOSYS, as Docker's does).
# In each:
#   (a) the services start: `podman exec NAME ringvisor status --json` over
#       the daemon's default socket; PID 1 is ringvisor
#   (b) a service's main pid killed (podman exec kill) is restarted: new
#       pid, restart count up
#   (g) an orphan re-parented to PID 1 is reaped: no zombie
#   (f) status says why there are no cgroups, and the event backend is epoll
#   (i) the leak watch runs all the same (by process tree, from /proc)
#       because io_uring is refused (a daemon forced onto io_uring fails);
#       spawn is vfork (clone3 with CLONE_VM), or fork where clone3 is refused
#   (c) `podman stop -t 10` (SIGTERM, SIGKILL after 10 s) ends the container
#       well within the grace, exit code 0, every service stopped; and once,
#       with the default timeouts and a service that ignores SIGTERM, still
#       within the grace (the shutdown's SIGKILL at 7.2 s)
#   (d) the exit code of a service with `on_exit: shutdown` (7; 128+10 for a
#       SIGUSR1) becomes the container's exit code
#   (e) `inherit_env` passes `podman run -e DB_URL=...` to a service
# and once, (h): an image built from examples/Dockerfile's runtime part
# (STOPSIGNAL, ENTRYPOINT...) on top of the root, run without --init.
# A check whose config key the binary does not know yet (on_exit,
# inherit_env: "unknown key") says WAIT and why, and does not fail.
#
# Without podman, runc, or a working trial `podman run`, it says why and runs
# the same checks with the daemon as PID 1 of `unshare --pid --fork
# --mount-proc --root=ROOT` under integration/tools/seccomp-deny (io_uring
# refused; clone3 too in the second mode); where unshare is refused as
# well, it exits 77 (SKIP) with the reason.
#
# Environment: RINGVISOR (the binary), RV_CONTAINER_DRIVER=podman|unshare
# (default: podman when it can run a container), RV_CONTAINER_BREAK=LIST to
# break on purpose, so that each check can be seen to fail: a (a service
# cannot exec), b (no restart), c (a service ignores SIGTERM), d (on_exit
# removed), e (inherit_env removed), f (seccomp unconfined), g (no orphan),
# h (STOPSIGNAL SIGKILL), cg (cgroup_root: none, another reason).
. "$(dirname "$0")/lib.sh"

# --- checks: one container each ---

show_logs() { c_logs "$1" 2>&1 | tail -n 15 | sed 's/^/      | /'; }

# The configs, with the breaks asked for applied.
prepare_configs() {
	mkdir -p "$T/cfg" && cp "$HERE"/*.yaml "$T/cfg/" || return 1
	cp "$HERE/uring.yaml" "$ROOT/etc/rv-uring.yaml" || return 1
	local m=$T/cfg/main.yaml
	broken a && sed -i 's|command: \[/bin/sleep, "1000"\]|command: [/nonexistent/sleep, "1000"]|' "$m"
	broken b && sed -i 's|policy: always, backoff_initial: 100ms|policy: never|' "$m"
	broken c && sed -i -e 's|trap "sleep 1; echo stopped slow.0 >>/out/stopped; exit 0" TERM|trap "" TERM|' \
		-e 's|stop: {signal: SIGTERM, timeout: 5s}|stop: {signal: SIGTERM, timeout: 30s}|' \
		-e 's|shutdown_timeout: 8s|shutdown_timeout: 30s|' "$m"
	broken g && sed -i "s|'(sleep 0.3 \&); exec sleep 1000'|'exec sleep 1000'|" "$m"
	broken cg && sed -i 's|^supervisor: {shutdown_timeout: 8s}|supervisor: {shutdown_timeout: 8s, cgroup_root: none}|' "$m"
	broken c && sed -i -e 's|^services:|supervisor: {shutdown_timeout: 30s}\nservices:|' \
		-e '/trap "" TERM/a\    stop: {timeout: 30s}' "$T/cfg/stubborn.yaml"
	broken d && sed -i '/on_exit: shutdown/d' "$T/cfg/onexit.yaml" "$T/cfg/onexit_signal.yaml"
	broken e && sed -i '/inherit_env: true/d' "$T/cfg/env.yaml"
	return 0
}

# (a) (b) (g) (f) (c) in one container on main.yaml.
check_main() {
	local n=$TAG-$MODE-main pid0 r0 pid1 r1 x
	rm -rf "$ROOT"/out/*
	local saved=$SECCOMP
	broken f && SECCOMP=unconfined
	c_start "$n" "$T/cfg/main.yaml" || { flunk "(a) the container did not start: $(cat "$T/$n.id" 2>/dev/null)"; return; }
	SECCOMP=$saved
	# (a)
	if ! wait_for 10 answers "$n"; then
		flunk "(a) no answer from ringvisor status inside $n"; show_logs "$n"; c_rm "$n"; return
	fi
	if wait_for 5 running_is "$n" 5 && [ "$(st "$n" | jq .supervisor.pid)" = 1 ]; then
		pass "(a) 5 instances of 4 services running, PID 1 is ringvisor (status --json on the default socket)"
	else
		flunk "(a) running: $(n_running "$n") of 5, daemon pid $(st "$n" | jq .supervisor.pid)"
		c_exec "$n" ringvisor status | sed 's/^/      | /'
	fi
	# (b) kill worker.0's main pid from inside. One status per look.
	local w='.services[] | select(.name == "worker") | .instances[0] | "\(.state) \(.pid) \(.restarts) \(.last_exit.signal)"'
	read -r x pid0 r0 x <<<"$(st "$n" | jq -r "$w")"
	c_exec "$n" kill -KILL "$pid0" 2>/dev/null
	restarted() {
		read -r x pid1 r1 sig <<<"$(st "$1" | jq -r "$w")"
		[ "$x" = running ] && [ "$pid1" != "$pid0" ] && [ "$pid1" != null ] && [ "$r1" = $((r0 + 1)) ]
	}
	local pid1="" r1="" sig=""
	if [ "$pid0" != null ] && wait_for 5 restarted "$n"; then
		if [ "$sig" = SIGKILL ]; then pass "(b) worker.0: pid $pid0 killed (SIGKILL), restarted as pid $pid1, restarts $r0 -> $r1"
		else flunk "(b) worker.0 restarted but last_exit.signal is $sig, not SIGKILL"; fi
	else
		flunk "(b) worker.0 not restarted: pid $pid0 -> $pid1, restarts $r0 -> $r1, state $x"
	fi
	# (g) the orphan of `orphaner`, re-parented to PID 1 and reaped.
	reaped() { [ "$(st "$1" | jq .supervisor.orphans_reaped)" -ge 1 ]; }
	no_zombie() { ! c_exec "$1" ps -o stat | grep -q '^Z'; }
	if wait_for 5 reaped "$n" && wait_for 3 no_zombie "$n"; then
		pass "(g) orphans reaped by PID 1: $(st "$n" | jq .supervisor.orphans_reaped), no zombie in the container"
	else
		flunk "(g) orphans_reaped $(st "$n" | jq .supervisor.orphans_reaped), zombies: $(c_exec "$n" ps -o pid,stat,args | grep -c ' Z')"
	fi
	check_status_facts "$n"
	check_leaks "$n"
	check_stop "$n"
	c_rm "$n"
}

# (i) the leak watch without cgroups: the /proc probe by process tree; web.0
# is a shell and its sleep, both counted for it once sampled (every 5 s).
check_leaks() {
	local n=$1 src why procs fds
	lk() { c_exec "$1" ringvisor leaks --json web.0; }
	sampled() { [ "$(lk "$1" | jq '.services[0].instances[0].processes | length')" = 2 ]; }
	src=$(lk "$n" | jq -r .source); why=$(lk "$n" | jq -r '.source_reason // ""')
	if [ "$src" = procfs ] && [[ $why == *"process tree"* ]] && wait_for 10 sampled "$n"; then
		fds=$(lk "$n" | jq '.services[0].instances[0].fds')
		pass "(i) leak watch: source procfs ($why); web.0: 2 processes (sh and its sleep), $fds fds"
	else
		procs=$(lk "$n" | jq -c '[.services[0].instances[0].processes[]? | .comm]')
		flunk "(i) leak watch: source $src ($why), web.0's processes $procs (expected sh and sleep)"
	fi
	# `top` piped prints one frame: every instance, with the sampled fds.
	local frame
	frame=$(c_exec "$n" ringvisor top </dev/null 2>&1)
	if [ "$(echo "$frame" | grep -cE '^(web|slow|worker|orphaner)\.[0-9]+ ')" = 5 ] &&
	   echo "$frame" | grep -qE '^web\.0 +running +[0-9]+ .* [0-9]+ +[0-9]+ '; then
		pass "(i) top: a frame with the 5 instances, web.0's fds and threads counted"
	else
		flunk "(i) top's frame: $(echo "$frame" | head -n 8 | tr '\n' '|')"
	fi
}

# (f): no cgroups and why; epoll because io_uring is refused; the spawn method.
check_status_facts() {
	local n=$1 s cg reason backend spawn out rc want_spawn=vfork want_reason="" degraded
	s=$(st "$n")
	cg=$(echo "$s" | jq -r .supervisor.cgroups.enabled)
	reason=$(echo "$s" | jq -r '.supervisor.cgroups.reason // ""')
	backend=$(echo "$s" | jq -r .supervisor.event_backend)
	spawn=$(echo "$s" | jq -r .supervisor.spawn)
	[ "$MODE" = noclone3 ] && want_spawn=fork
	c_exec "$n" grep -q ' cgroup2 ' /proc/mounts || want_reason="cgroup2 is not mounted"
	# And the line `status` prints above its table (supervisor.degraded).
	degraded=$(echo "$s" | jq -r --arg r "no cgroups ($reason)" \
		'if .supervisor | has("degraded") then [.supervisor.degraded[] | select(startswith($r))][0] // "" else "(no degraded key)" end')
	if [ "$cg" = false ] && [ -n "$reason" ] && { [ -z "$want_reason" ] || [ "$reason" = "$want_reason" ]; } && [ -n "$degraded" ]; then
		pass "(f) cgroups: enabled false, reason \"$reason\"; degraded: \"${degraded:0:60}...\""
	else
		flunk "(f) cgroups: enabled $cg, reason \"$reason\" (expected false, \"${want_reason:-any reason}\"), degraded \"$degraded\""
	fi
	out=$(c_exec "$n" timeout 5 ringvisor run -c /etc/rv-uring.yaml --event-backend=uring 2>&1); rc=$?
	if [ "$backend" = "$WANT_BACKEND" ] && { [ "$WANT_BACKEND" = uring ] || { [ $rc -ne 0 ] && [[ $out == *"event loop"* ]]; }; }; then
		pass "(f) event_backend $backend; forced onto io_uring in the same container: \"${out##*error: }\""
	else
		flunk "(f) event_backend $backend (expected $WANT_BACKEND); forced onto io_uring: rc $rc, \"$out\""
	fi
	if [ "$spawn" = "$want_spawn" ]; then
		pass "(f) spawn $spawn$( [ "$spawn" = fork ] && echo ", the daemon says: \"$(c_logs "$n" | grep -m1 -o 'clone3 is refused.*')\"")"
	else
		flunk "(f) spawn $spawn, expected $want_spawn"
	fi
}

# (c) podman stop -t 10: within the grace, exit 0, every service stopped.
check_stop() {
	local n=$1 logs marks stopped missing="" i
	c_stop "$n" 10
	logs=$(c_logs "$n")
	marks=$(sed 's/^stopped //' "$ROOT/out/stopped" 2>/dev/null | sort | tr '\n' ' ')
	stopped=$(echo "$logs" | grep -cE ' (web\.[01]|slow\.0|worker\.0|orphaner\.0) stopped ')
	for i in web.0 web.1 slow.0; do [[ " $marks" == *" $i "* ]] || missing="$missing $i"; done
	say "      stop: ${ELAPSED_MS} ms, exit code $RC, SIGTERM handlers ran in: ${marks:-none}"
	if [ "$RC" = 0 ] && [ "$ELAPSED_MS" -lt 5000 ] && [ "$ELAPSED_MS" -ge 1000 ] && [ -z "$missing" ] &&
		[ "$stopped" -eq 5 ] && echo "$logs" | grep -q 'shutdown-complete' &&
		! echo "$logs" | grep -q 'sending SIGKILL'; then
		pass "(c) stop -t 10: exited by itself in ${ELAPSED_MS} ms (slow.0's 1 s stop included), code 0, 5 of 5 instances stopped, shutdown-complete"
	else
		flunk "(c) stop -t 10: ${ELAPSED_MS} ms (want 1000..5000), code $RC (want 0), stopped lines $stopped of 5, no SIGTERM mark from:${missing:- -}"
		show_logs "$n"
	fi
}

# (c) with the default timeouts, a service that ignores SIGTERM: the
# shutdown's SIGKILL at 7.2 s, still inside the runtime's 10 s.
check_stubborn() {
	local n=$TAG-$MODE-stubborn logs
	c_start "$n" "$T/cfg/stubborn.yaml" || { flunk "(c) the container did not start"; return; }
	wait_for 10 answers "$n" && wait_for 5 running_is "$n" 2
	c_stop "$n" 10
	logs=$(c_logs "$n")
	if [ "$RC" = 0 ] && [ "$ELAPSED_MS" -ge 7000 ] && [ "$ELAPSED_MS" -lt 10000 ] &&
		echo "$logs" | grep -q 'sending SIGKILL' && echo "$logs" | grep -q ' stubborn.0 stopped ' &&
		echo "$logs" | grep -q shutdown-complete; then
		pass "(c) defaults, a service ignoring SIGTERM: SIGKILLed by the shutdown, the container ended by itself in ${ELAPSED_MS} ms (grace 10 s), code 0"
	else
		flunk "(c) defaults, a service ignoring SIGTERM: ${ELAPSED_MS} ms (want 7000..10000), code $RC (want 0)"
		show_logs "$n"
	fi
	c_rm "$n"
}

# (d) the exit code of an on_exit: shutdown service is the container's.
check_onexit() {
	local cfg=$1 want=$2 what=$3 n=$TAG-$MODE-onexit-$2 why marks
	if why=$(feature_missing "$T/cfg/$cfg" on_exit); then
		pend "(d) $what: waits for on_exit: shutdown ($why)"; PEND_WHY="$PEND_WHY on_exit"; return
	fi
	rm -rf "$ROOT"/out/*
	c_start "$n" "$T/cfg/$cfg" || { flunk "(d) the container did not start"; return; }
	c_wait "$n" 15
	marks=$(cat "$ROOT/out/stopped" 2>/dev/null | tr '\n' ' ')
	if [ "$RC" = "$want" ] && c_logs "$n" | grep -q shutdown-complete &&
		{ [ "$cfg" != onexit.yaml ] || [ -n "$marks" ]; }; then
		pass "(d) $what: the container exited by itself after ${ELAPSED_MS} ms with code $RC, every service stopped"
	else
		flunk "(d) $what: exit code '${RC:-still running after 15 s}', want $want; marks: ${marks:-none}"
		show_logs "$n"
	fi
	c_rm "$n"
}

# (e) inherit_env, with podman run -e DB_URL=postgres://x -e OTHER=y.
check_env() {
	local n=$TAG-$MODE-env why got ok=1 s line
	if why=$(feature_missing "$T/cfg/env.yaml" inherit_env); then
		pend "(e) inherit_env: waits for inherit_env ($why)"; PEND_WHY="$PEND_WHY inherit_env"; return
	fi
	c_start "$n" "$T/cfg/env.yaml" DB_URL=postgres://x OTHER=y || { flunk "(e) the container did not start"; return; }
	wait_for 10 answers "$n" && wait_for 5 running_is "$n" 3
	for line in "envall db=postgres://x other=y" "envlist db=postgres://x other=unset" "envnone db=unset other=unset"; do
		s=${line%% *}
		got=$(c_exec "$n" ringvisor logs "$s.0" 2>&1 | grep -m1 '^db=')
		if [ "$got" != "${line#* }" ]; then ok=0; flunk "(e) ringvisor logs $s.0: '$got', want '${line#* }'"; fi
	done
	c_logs "$n" | grep -q '^envall.0| db=postgres://x other=y' || { ok=0; flunk "(e) no 'envall.0| db=postgres://x' on the daemon's stdout"; }
	[ $ok = 1 ] && pass "(e) inherit_env: true passes DB_URL and OTHER, [DB_URL] only DB_URL, none neither (ringvisor logs and the container's log)"
	[ $ok = 1 ] || show_logs "$n"
	c_stop "$n" 10
	c_rm "$n"
}

# (h) examples/Dockerfile's last stage, but FROM the root made here
# instead of debian:12-slim with the .deb (no registry here): its .deb lines
# and the RUNs that need apt are left out, the rest (COPY of the config,
# RUN ringvisor check, STOPSIGNAL, ENTRYPOINT...) is built as written and
# run as a user would, without --init.
check_image() {
	local base=localhost/$TAG-base img=localhost/$TAG-app n=$TAG-image ctx=$T/ctx ep out="" why
	mkdir -p "$ctx" && cp "$T/cfg/main.yaml" "$ctx/ringvisor.yaml" && rm -rf "$ROOT"/out/* || return
	IMAGES+=("$img" "$base")
	tar -C "$ROOT" --owner=0 --group=0 -cf "$T/root.tar" . &&
		out=$(podman import -q "$T/root.tar" "$base" 2>&1) &&
		python3 - "$HERE/../../examples/Dockerfile" "$base" >"$ctx/Containerfile" <<'PY' &&
import re, sys
text = re.sub(r"\\\n", " ", open(sys.argv[1]).read())
lines = [l.strip() for l in text.splitlines() if l.strip() and not l.strip().startswith("#")]
last = max(i for i, l in enumerate(lines) if l.upper().startswith("FROM "))
print(f"FROM {sys.argv[2]}")
for l in lines[last + 1:]:
    op = l.split()[0].upper()
    if op == "RUN" and l.split()[1:2] != ["ringvisor"]:
        continue
    if op in ("COPY", "ADD") and (".deb" in l or "--from" in l):
        continue
    print(l)
PY
		{ broken h && sed -i 's/^STOPSIGNAL .*/STOPSIGNAL SIGKILL/' "$ctx/Containerfile"; true; } &&
		out=$(podman --runtime "$RUNTIME" build -q "${P_OPTS[@]}" -t "$img" "$ctx" 2>&1) ||
		{ flunk "(h) cannot build the image from examples/Dockerfile: $out"; return; }
	ep=$(podman image inspect --format '{{.Config.StopSignal}} {{json .Config.Entrypoint}}' "$img")
	NAMES+=("$n")
	T0[$n]=$(now_ms)
	# /out from the host, for the services' SIGTERM marks; nothing else added.
	podman --runtime "$RUNTIME" run -d --name "$n" "${P_OPTS[@]}" -v "$ROOT/out:/out" "$img" >/dev/null 2>&1
	if wait_for 10 answers "$n" && wait_for 5 running_is "$n" 5 && [ "$(st "$n" | jq .supervisor.pid)" = 1 ]; then
		podman stop "$n" >/dev/null 2>&1   # the image's STOPSIGNAL, the default 10 s
		RC=$(podman inspect --format '{{.State.ExitCode}}' "$n")
		ELAPSED_MS=$(( $(now_ms) - T0[$n] ))
	else
		RC="not running"
	fi
	if [ "$ep" = 'SIGTERM ["/usr/bin/ringvisor","run","-c","/etc/ringvisor/ringvisor.yaml"]' ] && [ "$RC" = 0 ] &&
		[ "$(sort "$ROOT/out/stopped" 2>/dev/null | wc -l)" -eq 3 ]; then
		pass "(h) image from examples/Dockerfile: $ep; PID 1 ringvisor, 5 running; podman stop -> code 0, services stopped"
	else
		flunk "(h) image from examples/Dockerfile: '$ep', exit code $RC, $(cat "$ROOT/out/stopped" 2>/dev/null | wc -l) of 3 SIGTERM marks"
		show_logs "$n"
	fi
	c_rm_podman "$n"
	if why=$(feature_missing "$HERE/../../examples/ringvisor.yaml" inherit_env); then
		pend "(h) examples/ringvisor.yaml: waits for inherit_env ($why)"; PEND_WHY="$PEND_WHY inherit_env"
	elif out=$("$RINGVISOR" check -c "$HERE/../../examples/ringvisor.yaml" 2>&1); then
		pass "(h) examples/ringvisor.yaml: $out"
	else
		flunk "(h) examples/ringvisor.yaml: $out"
	fi
}

run_mode() {
	MODE=$1 SECCOMP=$1
	check_main
	check_onexit onexit.yaml 7 '"sleep 2; exit 7"'
	check_onexit onexit_signal.yaml 138 'killed by SIGUSR1'
	check_env
}

# --- main ---
why=$(make_root) || { echo "[container] FAIL: cannot build the root: $why"; exit 1; }
prepare_configs || { echo "[container] FAIL: cannot prepare the configs"; exit 1; }
DRIVER=${RV_CONTAINER_DRIVER:-}
if [ "$DRIVER" != unshare ]; then
	if why=$(podman_usable); then
		DRIVER=podman
	elif [ "$DRIVER" = podman ]; then
		echo "[container] FAIL: podman cannot run a container here: $why"; exit 1
	else
		echo "[container] podman cannot run a container here: $why"
		echo "[container] running the unshare + seccomp-deny variant instead"
	fi
fi
if [ "$DRIVER" != podman ]; then
	why=$(ns_usable) || { echo "[container] SKIP: neither podman nor unshare can run the test: $why"; exit 77; }
	DRIVER=unshare
	WANT_BACKEND=epoll
	say "driver: unshare --pid --fork --mount-proc --root, $(unshare --version), seccomp-deny"
else
	PROFILE=${RV_CONTAINER_SECCOMP:-/usr/share/containers/seccomp.json}
	[ -r "$PROFILE" ] || { echo "[container] FAIL: no default seccomp profile at $PROFILE"; exit 1; }
	say "seccomp: $(python3 "$HERE/seccomp-noclone3.py" "$PROFILE" "$T/seccomp-noclone3.json")" || exit 1
	# io_uring_setup in an allow list of the profile: then uring is expected.
	WANT_BACKEND=epoll
	jq -e '[.syscalls[] | select(.action == "SCMP_ACT_ALLOW") | (.names // [.name])[]] | index("io_uring_setup")' \
		"$PROFILE" >/dev/null && WANT_BACKEND=uring
	say "driver: $(podman --version), runtime $(runc --version | head -n 1), io_uring_setup in the default profile: $([ $WANT_BACKEND = uring ] && echo allowed || echo refused)"
fi
[ -n "${RV_CONTAINER_BREAK:-}" ] && say "breaking on purpose: $RV_CONTAINER_BREAK"

run_mode default
check_stubborn
[ "$DRIVER" = podman ] && check_image
run_mode noclone3
MODE=
secs=$(awk -v ms=$(( $(now_ms) - START_MS )) 'BEGIN { printf "%.1f", ms / 1000 }')
pending=$(printf '%s\n' $PEND_WHY | sort -u | tr '\n' ' ')
say "$DRIVER: $npass passed, $nfail failed, $npend waiting${PEND_WHY:+ for: ${pending% }} ($secs s)"
[ $nfail -eq 0 ]
