#!/usr/bin/env bash
# okvm's arm64 leg (docs/arm64.md): everything cross-built for Debian's
# arm64 6.12 kernel and run under qemu-system-aarch64 at EL2 with VHE.
#
#  1. the arm64 kernel, headers, busybox and the cross tools (fetch.sh);
#  2. okvm.ko cross-built (warnings fail) and a DKMS build (-a aarch64);
#  3. KUnit at EL2: the s2 MMU / VMID suites with real TLB maintenance;
#  4. okvm's arm64 selftests and the upstream arm64 KVM selftests;
#  5. a boot with kvm-arm.mode=none: okvm's selftests (also with 2-bit
#     VMIDs) and the upstream list on okvm; a second boot: the same on
#     the kernel's KVM, the reference;
#  6. the side-by-side table, then "N passed, N failed, N skipped".
#
# Counted as in scripts/check.sh: okvm's selftests on both hypervisors,
# "must" upstream tests on okvm, module load/unload, builds, KUnit.
. "$(dirname "$0")/../lib.sh"

. "$(dirname "$0")/../tally.sh"
step_log_prefix=arm64-

T0=$(date +%s)
mkdir -p "$OKVM_OUT/logs"
eval "$("$OKVM_TOP/scripts/arm64/fetch.sh")"
log "arm64 kernel: $KVER_ARM64"

step "arm64-build" "$OKVM_TOP/scripts/build-module.sh" "$KVER_ARM64"
step "arm64-dkms" "$OKVM_TOP/scripts/dkms-check.sh" "$KVER_ARM64"

log "KUnit at EL2 (arm64)"
klog="$OKVM_OUT/logs/arm64-kunit.log"
krc=0
"$OKVM_TOP/scripts/kunit.sh" --arch=arm64 --cross_compile=aarch64-linux-gnu- \
	--qemu_args='-machine virtualization=on -smp 2' 'okvm_[sv]*' >"$klog" 2>&1 || krc=$?
count_kunit "$klog" arm64-kunit $krc

step arm64-build-tests "$OKVM_TOP/scripts/arm64/build-tests.sh"

guest() {	# suite
	local grc=0
	"$OKVM_TOP/scripts/guest.sh" "$KVER_ARM64" "$1" || grc=$?
	count_guest "$OKVM_OUT/logs/$KVER_ARM64-$1.results" kvm arm64 $grc "arm64-$1-guest"
}
guest full
guest ref
log "upstream arm64 tests tagged info on okvm (not counted): pass ${info[PASS]:-0}, skip ${info[SKIP]:-0}, fail ${info[FAIL]:-0}, timeout ${info[TIMEOUT]:-0}"

# Side by side: okvm (boot 1) and the kernel's KVM (boot 2).
join -a1 -a2 -e - -o 0,1.2,2.2 \
	<(awk '$1 == "okvm" { sub(/@info$/, "", $2); print $2, $3 }' "$OKVM_OUT/logs/$KVER_ARM64-full.results" | sort) \
	<(awk '$1 == "kvm" { print $2, $3 }' "$OKVM_OUT/logs/$KVER_ARM64-ref.results" | sort) |
	awk 'BEGIN { printf "%-58s %-8s %s\n", "test", "okvm", "kvm" }
	     { printf "%-58s %-8s %s\n", $1, $2, $3 }' >&2

tally_end "arm64 leg" "$T0"
