# shellcheck shell=bash
# Common settings for okvm's test harness. Sourced, not run.
#
# Everything downloaded or built lands under $OKVM_CACHE so that reruns are
# fast; nothing here writes outside it except apt-get installing host tools.

set -euo pipefail

# Run from "make check", the sub-makes below must not inherit the parent
# make's level or flags: the selftests' lib.mk, for one, picks its output
# directory from MAKELEVEL.
unset MAKEFLAGS MAKELEVEL MFLAGS

OKVM_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OKVM_CACHE=${OKVM_CACHE:-$HOME/.cache/okvm}
# Built tests, initramfs images and guest logs: one set per OKVM_OUT, so
# that two checkouts testing at once do not overwrite each other's.
OKVM_OUT=${OKVM_OUT:-$OKVM_CACHE}
OKVM_JOBS=${OKVM_JOBS:-$(nproc)}
export OKVM_TOP OKVM_CACHE OKVM_OUT OKVM_JOBS

log() { printf '[okvm %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Newest Debian kernel ABI of a line ("6.12" or "6.1") for which the archive
# still has the image, the headers and the kbuild tools. The archive keeps
# only current point releases, so this is looked up, never hard-coded.
# $2 is the Debian architecture (default amd64); foreign ones (arm64) are
# looked up as <pkg>:<arch>, and their kbuild tools are the host's (amd64).
okvm_kver() {
	local line=$1 arch=${2:-amd64} v q=
	[ "$arch" = amd64 ] || q=":$arch"
	if [ "$line" = 6.12 ]; then
		for v in $(apt-cache search --names-only "^linux-headers-6\.12\.[0-9]+\+deb[0-9]+-$arch\$" |
			   sed -E "s/^linux-headers-([^ ]+)-$arch .*/\1/" | sort -V -r); do
			apt-cache show "linux-image-$v-$arch-unsigned$q" >/dev/null 2>&1 &&
			apt-cache show "linux-kbuild-$v" >/dev/null 2>&1 &&
			{ echo "$v-$arch"; return 0; }
		done
	else
		for v in $(apt-cache search --names-only "^linux-headers-${line//./\\.}\.0-[0-9]+-$arch\$" |
			   sed -E "s/^linux-headers-([^ ]+)-$arch .*/\1/" | sort -V -r); do
			apt-cache show "linux-image-$v-$arch-unsigned$q" >/dev/null 2>&1 &&
			{ echo "$v-$arch"; return 0; }
		done
	fi
	return 1
}

# Root of the unpacked Debian packages of kernel $1 (image, modules, headers).
# arm64 kernels live under $OKVM_CACHE/arm64 (scripts/arm64/fetch.sh).
okvm_kroot() {
	case $1 in
	*-arm64) echo "$OKVM_CACHE/arm64/kernels/$1" ;;
	*) echo "$OKVM_CACHE/kernels/$1" ;;
	esac
}
# make variables for building against kernel $1 (cross for arm64).
okvm_kmake_args() {
	case $1 in
	*-arm64) echo "ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-" ;;
	esac
}
# make bench's and make profile's guest kernel, per OKVM_BENCH_KERNEL:
# "bench" (default: scripts/build-debug-kernel.sh bench, built once and
# cached, with CONFIG_IDLE_PAGE_TRACKING) or "debian" (Debian's 6.12).
okvm_bench_kernel() {
	case ${OKVM_BENCH_KERNEL:-bench} in
	bench)	"$OKVM_TOP/scripts/build-debug-kernel.sh" bench ||
			die "building make bench's kernel failed" ;;
	debian)	eval "$("$OKVM_TOP/scripts/fetch.sh")" && echo "$KVER_612" ;;
	*)	die "OKVM_BENCH_KERNEL: bench or debian" ;;
	esac
}

okvm_kheaders() { echo "$(okvm_kroot "$1")/usr/src/linux-headers-$1"; }
