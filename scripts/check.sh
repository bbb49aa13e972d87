#!/usr/bin/env bash
# okvm's one test command (make check; CI's .ci/run calls it).
#
#  1. host tools and Debian's 6.12 and 6.1 kernels into the cache;
#  2. okvm.ko for both kernels (warnings fail) and a DKMS build for both;
#  3. the KUnit suites under UML (kunit.py);
#  4. the test binaries (okvm's selftests, upstream KVM selftests);
#  5. a 6.12 guest: okvm's selftests, the upstream list on okvm and, as
#     the reference, on in-tree kvm_amd in the same boot;
#     a 6.12 guest: Debian's QEMU with -accel kvm boots Linux in each
#     irqchip mode (default, split, off) on okvm, then on kvm_amd;
#     a 6.1 guest: okvm loads, passes its selftests and unloads;
#  6. the arm64 leg (scripts/arm64/leg.sh, docs/arm64.md): okvm.ko cross-
#     built for Debian's arm64 6.12 kernel, DKMS, KUnit at EL2, okvm's
#     arm64 selftests and the upstream arm64 list on okvm, then on the
#     kernel's KVM in a second boot;
#  7. the side-by-side tables, then "N passed, N failed, N skipped".
#
# A result counts when okvm's code is under test: KUnit cases, okvm's
# selftests (against okvm and against kvm_amd, since they must hold for
# both), the upstream tests on okvm, module load/unload, the builds.
# Upstream tests on kvm_amd are the reference and are only shown.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/tally.sh"
. "$(dirname "$0")/arm64/leg.sh"

T0=$(date +%s)
mkdir -p "$OKVM_OUT/logs"
eval "$("$OKVM_TOP/scripts/fetch.sh")"
log "kernels: $KVER_612 and $KVER_61"

for k in "$KVER_612" "$KVER_61"; do
	step "build-$k" "$OKVM_TOP/scripts/build-module.sh" "$k"
	step "dkms-$k" "$OKVM_TOP/scripts/dkms-check.sh" "$k"
done

log "KUnit under UML"
klog="$OKVM_OUT/logs/kunit.log"
krc=0
"$OKVM_TOP/scripts/kunit.sh" >"$klog" 2>&1 || krc=$?
count_kunit "$klog" kunit $krc

step build-tests "$OKVM_TOP/scripts/build-tests.sh"

guest() {	# kver suite
	local grc=0
	"$OKVM_TOP/scripts/guest.sh" "$1" "$2" || grc=$?
	count_guest "$OKVM_OUT/logs/$1-$2.results" kvm_amd "$1" $grc "$1-$2-guest"
}
guest "$KVER_612" full
guest "$KVER_612" qemu
guest "$KVER_61" smoke
guest "$KVER_612" nosvm
log "upstream tests tagged info on okvm (not counted): pass ${info[PASS]:-0}, skip ${info[SKIP]:-0}, fail ${info[FAIL]:-0}, timeout ${info[TIMEOUT]:-0}"

arm64_leg

"$OKVM_TOP/scripts/side-by-side.sh" "$OKVM_OUT/logs/$KVER_612-full.results"
arm64_side_by_side

tally_end "make check" "$T0"
