#!/usr/bin/env bash
# Build okvm.ko against an unpacked Debian headers tree.
#   scripts/build-module.sh <kernel-version>   -> prints the .ko path
# Builds from a copy (M= writes objects next to the sources) and fails on
# any compiler or modpost warning.
. "$(dirname "$0")/lib.sh"

kver=${1:?kernel version}
hdr=$(okvm_kheaders "$kver")
[ -d "$hdr" ] || die "no headers for $kver (run scripts/fetch.sh)"
id=$(printf '%s' "$OKVM_TOP" | md5sum | cut -c1-8)
out="$OKVM_CACHE/build/$id/$kver"
mkdir -p "$out"
rsync -a --delete --exclude .git --exclude '*.o' --exclude '*.ko' \
	--exclude '*.cmd' --exclude '*.mod' --exclude '*.mod.c' \
	--exclude modules.order --exclude Module.symvers \
	--exclude tests/selftests --exclude tools \
	"$OKVM_TOP/" "$out/"
# A kernel with KCOV (the debug kernel) gets okvm built for coverage, so
# that fuzzers can steer by okvm's own code; the rest of that kernel is not
# instrumented (CONFIG_KCOV_INSTRUMENT_ALL off, see debug-kernel.config).
kcov=()
grep -qx 'CONFIG_KCOV=y' "$hdr/.config" && kcov=(KCOV_INSTRUMENT=y)
make -C "$hdr" M="$out" -j"$OKVM_JOBS" "${kcov[@]}" modules >"$out/build.log" 2>&1 ||
	{ cat "$out/build.log" >&2; die "module build for $kver failed"; }
if grep -iE 'warning:' "$out/build.log" >&2; then
	die "module build for $kver has warnings (above)"
fi
echo "$out/okvm.ko"
