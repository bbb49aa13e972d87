#!/usr/bin/env bash
# Run okvm's KUnit suites with kunit.py from linux-source-6.12.
#
# The project is linked into the cached kernel tree as drivers/misc/okvm
# (Kconfig/Makefile hooks added once), then kunit.py builds a UML kernel (or,
# with --arch, a QEMU kernel) from tests/kunit/.kunitconfig.
#
#   scripts/kunit.sh                      all suites under UML
#   scripts/kunit.sh 'okvm_memslot*'      a filter glob, as kunit.py takes
#   scripts/kunit.sh --arch=x86_64 --qemu_args='-smp 2'
#   scripts/kunit.sh --arch=arm64 --cross_compile=aarch64-linux-gnu- \
#	--qemu_args='-machine virtualization=on -smp 2' 'okvm_[sv]*'
#	(at EL2 with VHE: okvm_s2_hw runs the real TLB maintenance)
#
# KUNIT_BUILD_DIR overrides the build directory (default: one per checkout
# and arch under the cache).
#
# Exits non-zero if any test fails or if the kernel log has a splat:
# lockdep reports and WARNs do not fail a KUnit test by themselves.
. "$(dirname "$0")/lib.sh"

src="$OKVM_CACHE/linux-source-6.12"
[ -f "$src/.done" ] || "$OKVM_TOP/scripts/fetch.sh" >/dev/null

# One hard-linked copy of the pristine tree per checkout (git worktrees of
# the project each get their own), so that kernel trees never see another
# checkout's half-written files. sed -i and ln replace directory entries and
# leave the shared inodes of the pristine tree alone.
id=$(printf '%s' "$OKVM_TOP" | md5sum | cut -c1-8)
work="$OKVM_CACHE/kunit/$id"
tree="$work/linux"
if [ ! -f "$work/.linked" ]; then
	rm -rf "$tree"; mkdir -p "$work"
	cp -al "$src" "$tree"
	touch "$work/.linked"
fi

ln -sfn "$OKVM_TOP" "$tree/drivers/misc/okvm"
grep -q 'drivers/misc/okvm/Kconfig' "$tree/drivers/misc/Kconfig" ||
	sed -i '$i source "drivers/misc/okvm/Kconfig"' "$tree/drivers/misc/Kconfig"
grep -q 'CONFIG_OKVM_KUNIT_TEST' "$tree/drivers/misc/Makefile" ||
	echo 'obj-$(CONFIG_OKVM_KUNIT_TEST) += okvm/' >> "$tree/drivers/misc/Makefile"

arch=um
for a in "$@"; do
	case "$a" in --arch=*) arch=${a#--arch=} ;; esac
done
bd=${KUNIT_BUILD_DIR:-$work/build-$arch}
mkdir -p "$bd"
# UML's config names UML-only options; arm64 has a config of its own.
kconf="$OKVM_TOP/tests/kunit/.kunitconfig"
[ "$arch" = arm64 ] && kconf="$OKVM_TOP/tests/kunit/arm64.kunitconfig"

rc=0
(cd "$tree" && python3 tools/testing/kunit/kunit.py run \
	--kunitconfig="$kconf" \
	--build_dir="$bd" --jobs="$OKVM_JOBS" "$@") || rc=$?

splat='WARNING:|BUG:|INFO: (possible|trying|suspicious|inconsistent)|KASAN:|UBSAN:|Oops'
if [ -f "$bd/test.log" ] && grep -E "$splat" "$bd/test.log" >&2; then
	log "kernel log has a splat (above): failing"
	rc=1
fi
exit $rc
