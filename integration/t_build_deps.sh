#!/usr/bin/env bash
# `make` installs nothing: scripts/check-build-deps.sh checks the libraries
# with pkg-config and the tools on PATH, and names the Debian package of
# each missing one (exit 1); with everything there it is silent (exit 0).
# Missing libraries are simulated with an empty pkg-config search path,
# missing tools with a PATH that lacks them.
. "$(dirname "$0")/lib.sh"
script=$(dirname "$0")/../scripts/check-build-deps.sh
command -v pkg-config >/dev/null || skip "pkg-config is not installed"
bash "$script" >"$T/ok.out" 2>&1 || fail "check-build-deps fails here, where make builds: $(cat "$T/ok.out")"
[ ! -s "$T/ok.out" ] || fail "check-build-deps printed with nothing missing: $(cat "$T/ok.out")"

PKG_CONFIG_LIBDIR=/nonexistent PKG_CONFIG_PATH= bash "$script" >"$T/libs.out" 2>&1 && fail "no library found, yet exit 0"
for p in liburing-dev libcap-dev libjson-c-dev libcyaml-dev libbpf-dev libelf-dev zlib1g-dev libyaml-dev libmicrohttpd-dev; do
	grep -q -- "$p" "$T/libs.out" || fail "the missing libraries' message lacks $p: $(cat "$T/libs.out")"
done
grep -q "make deps" "$T/libs.out" || fail "the message does not say make deps: $(cat "$T/libs.out")"

mkdir -p "$T/bin"
ln -s "$(command -v pkg-config)" "$T/bin/pkg-config"
PATH=$T/bin /bin/bash "$script" >"$T/tools.out" 2>&1 && fail "no compiler or BPF tools on PATH, yet exit 0"
for p in gcc clang llvm bpftool python3; do
	grep -qw -- "$p" "$T/tools.out" || fail "the missing tools' message lacks $p: $(cat "$T/tools.out")"
done
log "missing libraries and tools named with their Debian packages; silent when all are there"
