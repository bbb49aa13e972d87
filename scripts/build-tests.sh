#!/usr/bin/env bash
# Build the userspace test binaries for the test guest, all static:
#  - the upstream KVM selftests, unmodified, from linux-source-6.12;
#  - okvm's own selftests (tests/selftests) against the same uapi headers;
#  - the demo VMM, okvm-vmm (tools/vmm).
# Output: $OKVM_OUT/tests/{upstream,okvm,vmm}/
. "$(dirname "$0")/lib.sh"

src="$OKVM_CACHE/linux-source-6.12"
[ -f "$src/.done" ] || "$OKVM_TOP/scripts/fetch.sh" >/dev/null

# A hard-linked copy: building writes only new files, never the pristine
# tree that the KUnit copies are made from.
tree="$OKVM_CACHE/upstream/linux"
if [ ! -f "$OKVM_CACHE/upstream/.linked" ]; then
	rm -rf "$tree"; mkdir -p "$OKVM_CACHE/upstream"
	cp -al "$src" "$tree"
	touch "$OKVM_CACHE/upstream/.linked"
fi

out="$OKVM_OUT/tests"
mkdir -p "$out/upstream" "$out/okvm" "$out/vmm"

if [ ! -f "$OKVM_CACHE/upstream/.built" ]; then
	log "building upstream KVM selftests (linux-source-6.12)"
	make -C "$tree" headers >"$OKVM_CACHE/upstream/headers.log" 2>&1 ||
		{ tail -20 "$OKVM_CACHE/upstream/headers.log" >&2; die "make headers failed"; }
	# OUTPUT explicitly: lib.mk only defaults it at MAKELEVEL 0, and
	# under "make check" an empty OUTPUT would write to /.
	rm -rf "$OKVM_CACHE/upstream/out"
	make -C "$tree/tools/testing/selftests/kvm" EXTRA_CFLAGS=-static \
		OUTPUT="$OKVM_CACHE/upstream/out" \
		-j"$OKVM_JOBS" >"$OKVM_CACHE/upstream/build.log" 2>&1 ||
		{ tail -30 "$OKVM_CACHE/upstream/build.log" >&2; die "selftests build failed"; }
	touch "$OKVM_CACHE/upstream/.built"
fi
# Keep the tree layout (x86_64/foo) the runner's test names use.
n=$(cd "$OKVM_CACHE/upstream/out" &&
    find . -maxdepth 2 -type f -perm -u+x ! -path './lib/*' -print0 |
    xargs -0r cp --parents -u -t "$out/upstream" --verbose | wc -l)
[ -x "$out/upstream/kvm_binary_stats_test" ] ||
	die "no upstream selftest binaries were built"
log "upstream selftests: $(find "$out/upstream" -type f -perm -u+x | wc -l) binaries ($n updated)"

log "building okvm selftests"
make -s -C "$OKVM_TOP/tests/selftests" KSRC="$tree" KHDR="$tree/usr/include" \
	OUT="$out/okvm" >&2

log "building okvm-vmm"
make -s -C "$OKVM_TOP/tools/vmm" KHDR="$tree/usr/include" OUT="$out/vmm" \
	OBJ="$OKVM_OUT/build/vmm" >&2
