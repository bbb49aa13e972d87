#!/usr/bin/env bash
# Pack the test initramfs for kernel $1: busybox, okvm.ko built for that
# kernel, Debian's own kvm/kvm_amd modules (the reference), the test
# binaries, the demo VMM and the guest scripts.  Prints the path of the .cpio.gz.
. "$(dirname "$0")/lib.sh"

kver=${1:?kernel version}
ko=${2:?okvm.ko}
kroot=$(okvm_kroot "$kver")
work="$OKVM_OUT/initramfs/$kver"
root="$work/root"
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,run,okvm/kvm,okvm/tests}

# arm64 guests (scripts/arm64/): busybox:arm64, their own test binaries
# and upstream list; their KVM is built into the kernel.
busybox=/bin/busybox tests="$OKVM_OUT/tests" list="$OKVM_TOP/tests/upstream.list"
strip=strip
case $kver in
*-arm64)
	busybox="$OKVM_CACHE/arm64/busybox/bin/busybox"
	tests="$OKVM_OUT/arm64/tests"
	list="$OKVM_TOP/tests/selftests/arm64/upstream.list"
	strip=aarch64-linux-gnu-strip
	;;
esac
cp "$busybox" "$root/bin/busybox"
install -m 0755 "$OKVM_TOP/scripts/guest/init" "$root/init"
install -m 0644 "$OKVM_TOP/scripts/guest/run.sh" "$root/okvm/run.sh"
install -m 0644 "$OKVM_TOP/scripts/guest/bench.sh" "$root/okvm/bench.sh"
cp "$list" "$root/okvm/upstream.list"
cp "$OKVM_TOP/tests/debug.list" "$root/okvm/debug.list"
cp "$ko" "$root/okvm/okvm.ko"
# Whatever has been built: okvm's selftests, the upstream ones, okvm-vmm
# (make demo builds only the last).
for d in okvm upstream vmm; do
	[ -d "$tests/$d" ] && cp -a "$tests/$d" "$root/okvm/tests/"
done
# Debug info is for the host; the guest unpacks the archive under TCG.
find "$root/okvm/tests" -type f -exec "$strip" --strip-debug {} +
# okvm-vmm is linked against the system's libkmod: its libraries at the
# paths ldd gives (the loader's built-in search path covers them).
if [ -x "$tests/vmm/okvm-vmm" ]; then
	for lib in $(ldd "$tests/vmm/okvm-vmm" | grep -oE '/[^ ]+'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
fi

# make profile (scripts/profile.sh): the host's perf and its libraries.
if [ -n "${OKVM_PERF:-}" ]; then
	mkdir -p "$root/okvm/perf"
	cp "$OKVM_PERF" "$root/okvm/perf/perf"
	install -m 0644 "$OKVM_TOP/scripts/guest/profile.sh" "$root/okvm/profile.sh"
	for lib in $(ldd "$OKVM_PERF" | grep -oE '/[^ ]+'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
fi

# kvm_amd and its dependencies, decompressed (busybox insmod reads no .xz),
# with a loader that inserts them in dependency order.
moddir="$kroot/lib/modules/$kver/kernel"
declare -A seen=()
order=()
add_mod() {
	local name=$1 f dep
	[ -n "${seen[$name]:-}" ] && return
	seen[$name]=1
	f=$(find "$moddir" -name "$name.ko*" -o -name "${name//_/-}.ko*" | head -n1)
	[ -n "$f" ] || die "module $name not found in $kver"
	for dep in $(modinfo -F depends "$f" | tr ',' ' '); do
		add_mod "$dep"
	done
	case "$f" in
	*.xz) xz -dc "$f" >"$root/okvm/kvm/$name.ko" ;;
	*.zst) zstd -qdc "$f" >"$root/okvm/kvm/$name.ko" ;;
	*) cp "$f" "$root/okvm/kvm/$name.ko" ;;
	esac
	order+=("$name")
}
case $kver in
*-arm64) order=() ;;	# KVM is built in: nothing to load
*) add_mod kvm_amd ;;
esac
{
	echo '#!/bin/sh'
	for m in "${order[@]}"; do
		echo "[ -d /sys/module/$m ] || insmod /okvm/kvm/$m.ko || exit 1"
	done
} >"$root/okvm/kvm/load.sh"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initramfs.cpio.gz"
echo "$work/initramfs.cpio.gz"
