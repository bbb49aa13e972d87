#!/usr/bin/env bash
# Fetch what the arm64 leg needs into $OKVM_CACHE/arm64: Debian's newest
# arm64 6.12 kernel image and headers (with the host's amd64 kbuild tools,
# so that the headers tree cross-builds modules) and busybox-static:arm64.
# Installs the cross compiler and qemu-system-aarch64 on the host.
#
# The arm64 packages are only downloaded and unpacked (dpkg-deb -x), never
# installed: apt would replace the host's compiler and headers.
#
# Prints "KVER_ARM64=..." for the caller to eval. Idempotent.
. "$(dirname "$0")/../lib.sh"

HOST_PKGS="gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm"
A="$OKVM_CACHE/arm64"
mkdir -p "$A/debs" "$A/kernels"

missing=
for p in $HOST_PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	[ "$(id -u)" = 0 ] || die "arm64 is not a dpkg architecture and not root"
	dpkg --add-architecture arm64
	log "apt-get update (arm64 added)"
	apt-get update -qq >&2
fi
if [ -n "$missing" ]; then
	[ "$(id -u)" = 0 ] || die "host packages missing and not root:$missing"
	log "installing$missing"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing \
		>"$A/apt.log" 2>&1 || { tail -n 30 "$A/apt.log" >&2; die "apt-get install failed"; }
fi

fetch() {	# pkg[:arch]...: download into $A/debs unless there
	local p
	for p in "$@"; do
		compgen -G "$A/debs/${p%%:*}_*.deb" >/dev/null && continue
		log "downloading $p"
		(cd "$A/debs" && apt-get download -qq "$p" >/dev/null 2>&1) ||
			die "apt-get download $p failed"
	done
}
deb() { ls "$A/debs/${1}"_*.deb | head -n1; }

KVER=$(okvm_kver 6.12 arm64) || die "no complete arm64 6.12 kernel in the archive"
abi=${KVER%-arm64}
root=$(okvm_kroot "$KVER")
if [ ! -f "$root/.done" ]; then
	fetch "linux-image-$KVER-unsigned:arm64" "linux-headers-$KVER:arm64" \
	      "linux-headers-$abi-common" "linux-kbuild-$abi"
	rm -rf "$root"; mkdir -p "$root"
	for p in "linux-image-$KVER-unsigned" "linux-headers-$KVER" \
		 "linux-headers-$abi-common" "linux-kbuild-$abi"; do
		dpkg-deb -x "$(deb "$p")" "$root"
	done
	# The headers' Makefile includes the -common tree by absolute path;
	# their scripts/ link to the kbuild tools, which are the amd64 ones.
	sed -i "s|^include /usr/src/|include $root/usr/src/|" \
		"$root/usr/src/linux-headers-$KVER/Makefile"
	touch "$root/.done"
fi

if [ ! -x "$A/busybox/bin/busybox" ]; then
	fetch busybox-static:arm64
	rm -rf "$A/busybox"; mkdir -p "$A/busybox"
	dpkg-deb -x "$(deb busybox-static)" "$A/busybox"
fi

echo "KVER_ARM64=$KVER"
