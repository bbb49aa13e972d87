#!/usr/bin/env bash
# Cross-build the arm64 test binaries, all static:
#  - the upstream KVM selftests for arm64, unmodified, from linux-source-6.12;
#  - okvm's arm64 selftests (tests/selftests/arm64) against the same headers.
# Output: $OKVM_OUT/arm64/tests/{upstream,okvm}/
. "$(dirname "$0")/../lib.sh"

src="$OKVM_CACHE/linux-source-6.12"
[ -f "$src/.done" ] || "$OKVM_TOP/scripts/fetch.sh" >/dev/null
CROSS="ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-"

# A hard-linked copy of the pristine tree of its own (the x86 one has
# x86 headers installed in usr/include).
base="$OKVM_CACHE/arm64/upstream"
tree="$base/linux"
if [ ! -f "$base/.linked" ]; then
	rm -rf "$tree"; mkdir -p "$base"
	cp -al "$src" "$tree"
	touch "$base/.linked"
fi

out="$OKVM_OUT/arm64/tests"
mkdir -p "$out/upstream" "$out/okvm"

if [ ! -f "$base/.built" ]; then
	log "building upstream arm64 KVM selftests (linux-source-6.12)"
	# shellcheck disable=SC2086
	make -C "$tree" $CROSS headers >"$base/headers.log" 2>&1 ||
		{ tail -20 "$base/headers.log" >&2; die "make headers failed"; }
	rm -rf "$base/out"
	# shellcheck disable=SC2086
	make -C "$tree/tools/testing/selftests/kvm" $CROSS EXTRA_CFLAGS=-static \
		OUTPUT="$base/out" -j"$OKVM_JOBS" >"$base/build.log" 2>&1 ||
		{ tail -30 "$base/build.log" >&2; die "arm64 selftests build failed"; }
	touch "$base/.built"
fi
n=$(cd "$base/out" &&
    find . -maxdepth 2 -type f -perm -u+x ! -path './lib/*' -print0 |
    xargs -0r cp --parents -u -t "$out/upstream" --verbose | wc -l)
[ -x "$out/upstream/aarch64/psci_test" ] ||
	die "no upstream arm64 selftest binaries were built"
log "upstream arm64 selftests: $(find "$out/upstream" -type f -perm -u+x | wc -l) binaries ($n updated)"

log "building okvm arm64 selftests"
make -s -C "$OKVM_TOP/tests/selftests/arm64" KSRC="$tree" KHDR="$tree/usr/include" \
	OUT="$out/okvm" >&2
