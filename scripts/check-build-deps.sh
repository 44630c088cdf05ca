#!/usr/bin/env bash
# check-build-deps.sh: what `make` needs, checked without installing
# anything: the libraries through pkg-config, the tools on PATH. Prints each
# missing one with the Debian package that has it and exits 1; `make deps`
# (as root) installs them all.
set -u
missing=() pkgs=()
need() { missing+=("$1"); pkgs+=("$2"); }
command -v pkg-config >/dev/null || need pkg-config pkg-config
command -v "${CC:-cc}" >/dev/null || need "${CC:-cc}" gcc
for t in clang:clang llvm-strip:llvm bpftool:bpftool python3:python3; do
	command -v "${t%%:*}" >/dev/null || need "${t%%:*}" "${t#*:}"
done
if command -v pkg-config >/dev/null; then
	for m in liburing:liburing-dev libcap:libcap-dev json-c:libjson-c-dev libcyaml:libcyaml-dev \
		 libbpf:libbpf-dev libelf:libelf-dev zlib:zlib1g-dev yaml-0.1:libyaml-dev \
		 libmicrohttpd:libmicrohttpd-dev; do
		pkg-config --exists "${m%%:*}" || need "${m%%:*} (pkg-config)" "${m#*:}"
	done
fi
[ ${#missing[@]} -eq 0 ] && exit 0
echo "cannot build: missing ${missing[*]}" >&2
echo "on Debian 12: apt-get install ${pkgs[*]}   (or, as root: make deps)" >&2
exit 1
