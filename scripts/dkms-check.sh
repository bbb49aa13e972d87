#!/usr/bin/env bash
# Check that DKMS accepts dkms.conf and builds okvm for kernel $1 (which
# need not be running), using private DKMS and source trees in the cache
# so the host's /usr/src and /var/lib/dkms are left alone.
. "$(dirname "$0")/lib.sh"

kver=${1:?kernel version}
hdr=$(okvm_kheaders "$kver")
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$OKVM_TOP/dkms.conf")
base="$OKVM_CACHE/dkms/$kver"
rm -rf "$base"
mkdir -p "$base/src/okvm-$ver" "$base/tree"
rsync -a --exclude .git --exclude tests/selftests --exclude tools \
	"$OKVM_TOP/" "$base/src/okvm-$ver/"
opts=(-m okvm -v "$ver" --sourcetree "$base/src" --dkmstree "$base/tree")
dkms add "${opts[@]}"
case $kver in
*-arm64)
	# A cross build: dkms passes ARCH from -a, the compiler comes from
	# the environment.
	CROSS_COMPILE=aarch64-linux-gnu- dkms build "${opts[@]}" -k "$kver" -a aarch64 \
		--kernelsourcedir "$hdr"
	;;
*)
	dkms build "${opts[@]}" -k "$kver" --kernelsourcedir "$hdr"
	;;
esac
ko=$(find "$base/tree/okvm/$ver/$kver" -name 'okvm.ko*' | head -n1)
case $kver in
*-arm64) file -L "$ko" 2>/dev/null | grep -q aarch64 || readelf -h "$ko" | grep -q AArch64 ||
	 die "$ko is not an arm64 module" ;;
esac
[ -n "$ko" ] || die "dkms produced no okvm.ko for $kver"
modinfo -F vermagic "$ko" | grep -q "^$kver " || die "vermagic of $ko is not $kver"
echo "dkms built $ko"
