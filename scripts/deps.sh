#!/usr/bin/env bash
# deps.sh [--check] GROUP...: installs (as root, with apt-get) the Debian
# packages of each GROUP that are missing; with --check it only says which
# are missing and exits 1. Groups:
#   build  what `make` needs: the compiler, the libraries (checked by
#          scripts/check-build-deps.sh with pkg-config), the BPF tools and
#          python3 (the man pages are made from docs/ by scripts/md2man.py);
#   test   what `make test` needs beyond that: cmocka, a real sd_notify
#          client (libsystemd-dev), libFuzzer (libclang-rt-dev), the tools
#          the integration tests drive (capsh, jq, tmux, mount, unshare),
#          the VM suite's qemu, busybox-static and cpio, the container test's
#          podman and runc, the metrics test's consumers (promtool from
#          prometheus, python3-prometheus-client's parser), and the packaging tests' systemd-analyze,
#          debhelper, lintian and build-essential (dpkg-buildpackage
#          checks for it, though debian/control may not name it), and zsh
#          (the completion test checks _ringvisor parses);
#   bench  the peers `make bench` runs beside ringvisor (supervisor, s6).
# `make deps` is build + test, `make bench-deps` is bench; plain `make` never
# installs anything. apt-get update runs first: a fresh machine has no lists.
set -euo pipefail
build=(gcc make pkg-config liburing-dev libcap-dev libbpf-dev libelf-dev zlib1g-dev
       clang llvm bpftool libcyaml-dev libyaml-dev libjson-c-dev libmicrohttpd-dev python3)
test=(libcmocka-dev libsystemd-dev libclang-rt-dev libcap2-bin python3 jq procps util-linux
      mount tmux qemu-system-x86 busybox-static cpio podman runc systemd debhelper lintian
      dpkg-dev fakeroot build-essential zsh prometheus python3-prometheus-client)
bench=(supervisor s6)
check=0
[ "${1:-}" = --check ] && { check=1; shift; }
[ $# -gt 0 ] || set -- build test
pkgs=()
for g in "$@"; do
	case $g in
	build) pkgs+=("${build[@]}");; test) pkgs+=("${test[@]}");; bench) pkgs+=("${bench[@]}");;
	*) echo "deps.sh: unknown group \"$g\" (build, test or bench)" >&2; exit 2;;
	esac
done
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ $check = 1 ]; then
	[ ${#missing[@]} -eq 0 ] && exit 0
	echo "missing Debian packages ($*): ${missing[*]}"; exit 1
fi
[ ${#missing[@]} -eq 0 ] && { echo "deps ($*): all installed"; exit 0; }
[ "$(id -u)" = 0 ] || { echo "deps: need root to install: ${missing[*]}" >&2; exit 1; }
echo "deps ($*): installing ${missing[*]}"
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
