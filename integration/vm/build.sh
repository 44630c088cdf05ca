#!/usr/bin/env bash
# build.sh OUTDIR RINGVISOR: makes sure OUTDIR holds what a VM test boot
# needs, doing only the work that is missing:
#   - the host packages (qemu-system-x86, busybox-static, cpio), from apt;
#   - OUTDIR/vmlinuz: the stock Debian cloud kernel that the metapackage
#     linux-image-cloud-amd64 depends on, fetched with `apt-get download`
#     and unpacked with `dpkg -x`, never installed on the host;
#   - OUTDIR/initramfs.cpio.gz: busybox, ringvisor with its libraries, jq if
#     the host has it, a static seccomp-deny if the host can build one,
#     /init and the tests. It is rebuilt only when one of
#     its inputs changed (a sha256 over them is kept beside it).
# Prints "kernel VERSION" on stdout; everything else goes to stderr.
set -euo pipefail
out=$1 rv=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
say() { echo "vm: $*" >&2; }

# --- host packages -------------------------------------------------------
# apt's lock may be held by another apt run on the machine: wait for it
# rather than fail. A fresh machine has no package lists, so update first.
APT=(apt-get -y -qq -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
export DEBIAN_FRONTEND=noninteractive
lists_fresh=0
apt_update() {
	[ $lists_fresh = 1 ] && return 0
	say "apt-get update"
	"${APT[@]}" update >&2
	lists_fresh=1
}
missing=()
for p in qemu-system-x86 busybox-static cpio; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || { say "need root to install: ${missing[*]}"; exit 1; }
	# Without package lists apt-get install cannot find anything.
	apt-cache show "${missing[@]}" >/dev/null 2>&1 || apt_update
	say "installing ${missing[*]}"
	"${APT[@]}" install --no-install-recommends "${missing[@]}" >&2 ||
		{ apt_update; "${APT[@]}" install --no-install-recommends "${missing[@]}" >&2; }
fi

# --- kernel ----------------------------------------------------------------
# The version is whatever linux-image-cloud-amd64 depends on today, so the
# VM follows Debian's current stable cloud kernel. When apt cannot say
# (offline, no lists) and a kernel is cached, that one is used.
kernel_pkg() {
	apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}
pkg=$(kernel_pkg)
if [ -z "$pkg" ] && [ ! -f "$out/vmlinuz" ]; then apt_update; pkg=$(kernel_pkg); fi
if [ -n "$pkg" ] && [ "$(cat "$out/kernel.pkg" 2>/dev/null)" != "$pkg" ]; then
	say "fetching $pkg"
	tmp=$(mktemp -d "$out/kernel.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	# _apt cannot write into a root-owned 0700 mktemp dir; let it, so apt
	# does not warn about downloading unsandboxed.
	chmod 755 "$tmp"
	chown _apt "$tmp" 2>/dev/null || true
	if ! (cd "$tmp" && "${APT[@]}" download "$pkg" >&2); then
		apt_update
		(cd "$tmp" && "${APT[@]}" download "$pkg" >&2)
	fi
	dpkg -x "$tmp"/*.deb "$tmp/root"
	vmlinuz=$(ls "$tmp"/root/boot/vmlinuz-*)
	cp "$vmlinuz" "$out/vmlinuz.new"
	cp "$tmp"/root/boot/config-* "$out/kernel.config"
	mv "$out/vmlinuz.new" "$out/vmlinuz"
	echo "${vmlinuz##*/vmlinuz-}" >"$out/kernel.version"
	echo "$pkg" >"$out/kernel.pkg"
	rm -rf "$tmp"
	trap - EXIT
fi
[ -f "$out/vmlinuz" ] || { say "no kernel: apt could not name linux-image-cloud-amd64's kernel"; exit 1; }
# Everything the guest needs before userspace must be built in: there is no
# module loading in this initramfs. Say so loudly if a kernel update ever
# turns one of them into a module.
for opt in SERIAL_8250_CONSOLE BLK_DEV_INITRD RD_GZIP DEVTMPFS TMPFS CGROUPS MEMCG \
	CGROUP_PIDS CGROUP_SCHED CFS_BANDWIDTH CGROUP_FREEZER IO_URING SECCOMP_FILTER; do
	grep -q "^CONFIG_$opt=y" "$out/kernel.config" || say "warning: CONFIG_$opt is not built in"
done

# --- initramfs -------------------------------------------------------------
# The binary may be relinked by a concurrent `make` while we read it: take a
# copy first and work from the copy only.
stage=$(mktemp -d "$out/root.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/root/bin"
cp "$rv" "$stage/root/bin/ringvisor"
# seccomp-deny (integration/tools), linked statically so that it needs no
# library in the guest: the seccomp test runs the daemon under it. Without a
# compiler or a static libc it is left out and that test skips.
seccomp_src=$here/../tools/seccomp-deny.c
seccomp_bin=$stage/root/bin/seccomp-deny
if ! cc -std=gnu17 -O2 -static "$seccomp_src" -o "$seccomp_bin" 2>"$stage/seccomp-cc.err"; then
	say "warning: cannot build a static seccomp-deny, the seccomp test will skip: $(head -n 1 "$stage/seccomp-cc.err")"
	rm -f "$seccomp_bin"
fi
# libs_of FILE: the shared libraries and loader FILE needs, as ldd resolves
# them on this host; copied to the same paths in the guest. A static binary
# needs none; a half-written one is an error.
libs_of() {
	if ! ldd "$1" >/dev/null 2>&1; then
		readelf -l "$1" 2>/dev/null | grep -q 'Elf file type' &&
			! readelf -l "$1" | grep -q INTERP && return 0
		say "cannot read the libraries of $1 (is it being rebuilt?)"; return 1
	fi
	ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
}
jq_bin=$(command -v jq || true)
inputs=("$stage/root/bin/ringvisor" /bin/busybox "$here/init.sh" "$here/guest-lib.sh"
	"$here"/tests/*.sh "$here"/pid1/*)
[ -n "$jq_bin" ] && inputs+=("$jq_bin")
[ -f "$seccomp_bin" ] && inputs+=("$seccomp_bin")
# (set -e and pipefail end the script here when libs_of fails.)
libs_text=$( { libs_of "$stage/root/bin/ringvisor"; [ -z "$jq_bin" ] || libs_of "$jq_bin"; } | sort -u)
libs=()
[ -z "$libs_text" ] || mapfile -t libs <<<"$libs_text"
# The names of the inputs are hashed with their content, so that adding or
# renaming a test also rebuilds; the staging path is left out of the names.
sum=$( { printf '%s\n' "${inputs[@]#"$stage"}" "${libs[@]}"; sha256sum "${inputs[@]}" "${libs[@]}" | cut -d' ' -f1; } |
	sha256sum | cut -c1-64)
if [ "$(cat "$out/initramfs.sum" 2>/dev/null)" = "$sum" ] && [ -f "$out/initramfs.cpio.gz" ]; then
	echo "kernel $(cat "$out/kernel.version")"
	exit 0
fi
say "building initramfs"
root=$stage/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,etc,tests,pid1}
cp /bin/busybox "$root/bin/busybox"
# The applet symlinks at the paths busybox itself lists (bin/sh, usr/bin/awk,
# ...), so configs can name /bin/sleep or /usr/bin/env as on a host.
for a in $(/bin/busybox --list-full); do
	[ -e "$root/$a" ] || ln -s /bin/busybox "$root/$a"
done
[ -z "$jq_bin" ] || cp "$jq_bin" "$root/bin/jq"
for l in "${libs[@]}"; do
	mkdir -p "$root$(dirname "$l")"
	cp -L "$l" "$root$l"
done
cp "$here/init.sh" "$root/init"
cp "$here/guest-lib.sh" "$root/guest-lib.sh"
cp "$here"/tests/*.sh "$root/tests/"
cp "$here"/pid1/* "$root/pid1/"
chmod 755 "$root/init" "$root"/tests/*.sh "$root"/pid1/*.sh
echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
# The kernel opens /dev/console for /init before anything is mounted; without
# the node, init starts with no stdio (init.sh reopens the console anyway).
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet --owner=0:0 | gzip -6) >"$stage/initramfs.cpio.gz"
mv "$stage/initramfs.cpio.gz" "$out/initramfs.cpio.gz"
echo "$sum" >"$out/initramfs.sum"
rm -rf "$stage"
trap - EXIT
echo "kernel $(cat "$out/kernel.version")"
