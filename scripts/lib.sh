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
okvm_kver() {
	local line=$1 v
	if [ "$line" = 6.12 ]; then
		for v in $(apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+\+deb[0-9]+-amd64$' |
			   sed -E 's/^linux-headers-([^ ]+)-amd64 .*/\1/' | sort -V -r); do
			apt-cache show "linux-image-$v-amd64-unsigned" >/dev/null 2>&1 &&
			apt-cache show "linux-kbuild-$v" >/dev/null 2>&1 &&
			{ echo "$v-amd64"; return 0; }
		done
	else
		for v in $(apt-cache search --names-only "^linux-headers-${line//./\\.}\.0-[0-9]+-amd64\$" |
			   sed -E 's/^linux-headers-([^ ]+)-amd64 .*/\1/' | sort -V -r); do
			apt-cache show "linux-image-$v-amd64-unsigned" >/dev/null 2>&1 &&
			{ echo "$v-amd64"; return 0; }
		done
	fi
	return 1
}

# Root of the unpacked Debian packages of kernel $1 (image, modules, headers).
okvm_kroot() { echo "$OKVM_CACHE/kernels/$1"; }
okvm_kheaders() { echo "$(okvm_kroot "$1")/usr/src/linux-headers-$1"; }
