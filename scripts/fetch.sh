#!/usr/bin/env bash
# Install the host tools okvm's tests need and fetch Debian's kernels
# (image + headers for the 6.12 and 6.1 lines) and linux-source-6.12 into
# the cache. Idempotent: a rerun with a warm cache does no network work.
#
# Prints "KVER_612=... KVER_61=..." lines for the caller to eval.
. "$(dirname "$0")/lib.sh"

HOST_PKGS="build-essential bc bison flex libelf-dev libssl-dev dwarves kmod cpio
	   xz-utils zstd rsync python3 qemu-system-x86 busybox-static dkms
	   libkmod-dev pkg-config"

need_install() {
	local p
	for p in $HOST_PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			return 0
	done
	return 1
}

apt_updated=0
apt_update_once() {
	[ $apt_updated = 1 ] && return
	log "apt-get update"
	apt-get update -qq >&2
	apt_updated=1
}

mkdir -p "$OKVM_CACHE"
if need_install; then
	[ "$(id -u)" = 0 ] || die "host packages missing and not root: $HOST_PKGS"
	apt_update_once
	log "installing host packages"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $HOST_PKGS >"$OKVM_CACHE/apt.log" 2>&1 || { tail -n 30 "$OKVM_CACHE/apt.log" >&2; die "apt-get install failed"; }
fi

# A fresh machine may have empty package lists.
apt-cache show linux-source-6.12 >/dev/null 2>&1 || apt_update_once

mkdir -p "$OKVM_CACHE/debs" "$OKVM_CACHE/kernels"

fetch_debs() {
	# Download the named packages into the deb cache unless already there.
	local p
	for p in "$@"; do
		compgen -G "$OKVM_CACHE/debs/${p}_*.deb" >/dev/null && continue
		log "downloading $p"
		(cd "$OKVM_CACHE/debs" && apt-get download -qq "$p" >/dev/null 2>&1) ||
			die "apt-get download $p failed"
	done
}

unpack_kernel() {
	local kver=$1 abi=${1%-amd64} kbuild root pkgs p
	root=$(okvm_kroot "$kver")
	[ -f "$root/.done" ] && return 0
	case "$abi" in
	6.1.0-*) kbuild=linux-kbuild-6.1 ;;
	*)	 kbuild=linux-kbuild-$abi ;;
	esac
	pkgs="linux-image-$kver-unsigned linux-headers-$kver linux-headers-$abi-common $kbuild"
	# shellcheck disable=SC2086
	fetch_debs $pkgs
	rm -rf "$root"; mkdir -p "$root"
	for p in $pkgs; do
		dpkg-deb -x "$(ls "$OKVM_CACHE/debs/${p}"_*.deb | head -n1)" "$root"
	done
	# The headers' Makefile includes the -common tree by absolute path.
	sed -i "s|^include /usr/src/|include $root/usr/src/|" \
		"$root/usr/src/linux-headers-$kver/Makefile"
	touch "$root/.done"
}

KVER_612=$(okvm_kver 6.12) || die "no complete 6.12 kernel in the archive"
KVER_61=$(okvm_kver 6.1) || die "no complete 6.1 kernel in the archive"
unpack_kernel "$KVER_612"
unpack_kernel "$KVER_61"

# linux-source-6.12: checkpatch, kunit.py, the KVM selftests, kselftest_harness.h.
src="$OKVM_CACHE/linux-source-6.12"
if [ ! -f "$src/.done" ]; then
	fetch_debs linux-source-6.12
	tmp=$(mktemp -d "$OKVM_CACHE/src.XXXX")
	dpkg-deb -x "$(ls "$OKVM_CACHE"/debs/linux-source-6.12_*.deb | head -n1)" "$tmp"
	log "unpacking linux-source-6.12"
	rm -rf "$src"; mkdir -p "$src"
	tar -C "$src" --strip-components=1 -xaf "$tmp"/usr/src/linux-source-6.12.tar.*
	rm -rf "$tmp"
	touch "$src/.done"
fi

echo "KVER_612=$KVER_612"
echo "KVER_61=$KVER_61"
