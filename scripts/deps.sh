#!/usr/bin/env bash
# deps.sh [--check]: installs the Debian packages ringvisor needs to build,
# test and run its demo. With --check it only says what is missing (exit 1).
# `apt-get update` runs first, because a fresh machine has no package lists.
set -euo pipefail
pkgs=(gcc make pkg-config liburing-dev libcap-dev libbpf-dev libelf-dev zlib1g-dev
      clang llvm bpftool libcap2-bin libclang-rt-dev
      libcmocka-dev libcyaml-dev libyaml-dev libjson-c-dev libsystemd-dev
      python3 jq procps util-linux mount tmux supervisor s6)
# libsystemd-dev gives the tests a real sd_notify client (readiness,
# docs/readiness.md); the daemon itself does not link it.
# clang, llvm (llvm-strip) and bpftool build the BPF probe (bpf/), and
# clang with libclang-rt-dev (libFuzzer, only a Recommends of clang) the
# fuzz targets of tests/fuzz/ (make fuzz, make fuzz-replay); capsh
# (libcap2-bin) drops its capabilities in integration/t_probe.sh; tmux
# drives `ringvisor top` in integration/t_top.sh; mount makes the small
# tmpfs of integration/t_logs_fulldisk.sh; supervisor and s6 are
# the baselines of `make bench` (bench/run.sh, bench/logs.sh), which says
# SKIP for one that is missing. The VM suite installs
# its own (qemu-system-x86, busybox-static, cpio) in integration/vm/.
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${1:-}" = --check ]; then
	[ ${#missing[@]} -eq 0 ] && exit 0
	echo "missing: ${missing[*]}"; exit 1
fi
[ ${#missing[@]} -eq 0 ] && { echo "deps: all installed"; exit 0; }
[ "$(id -u)" = 0 ] || { echo "deps: need root to install: ${missing[*]}" >&2; exit 1; }
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
had_sv=0; [ -e /var/run/supervisord.pid ] && had_sv=1
apt-get install -y -qq --no-install-recommends "${missing[@]}"
# Where invoke-rc.d lets it, the supervisor package starts a system
# supervisord: stop the one this install started (by its pid).
if [ "$had_sv" = 0 ] && [ -s /var/run/supervisord.pid ]; then
	p=$(cat /var/run/supervisord.pid)
	if [ "$(cat /proc/"$p"/comm 2>/dev/null)" = supervisord ]; then kill -TERM "$p" 2>/dev/null || true; fi
fi
