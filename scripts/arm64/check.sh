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

T0=$(date +%s)
pass=0 fail=0 skip=0
failed=()
count() {	# name result
	case $2 in
	PASS) pass=$((pass + 1)) ;;
	SKIP) skip=$((skip + 1)) ;;
	*) fail=$((fail + 1)); failed+=("$1: $2") ;;
	esac
}
step() {	# name cmd...
	local name=$1 lf
	shift
	lf="$OKVM_OUT/logs/arm64-step-$name.log"
	if "$@" >"$lf" 2>&1; then
		count "$name" PASS
	else
		count "$name" FAIL
		tail -n 30 "$lf" >&2
	fi
}

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
summary=$(grep -E 'Testing complete\. Ran [0-9]+ tests' "$klog" | tail -n1 || true)
if [ -z "$summary" ]; then
	tail -n 40 "$klog" >&2
	count arm64-kunit FAIL
else
	log "KUnit: ${summary#*] }"
	kp=$(sed -nE 's/.*passed: ([0-9]+).*/\1/p' <<<"$summary")
	kf=$(sed -nE 's/.*failed: ([0-9]+).*/\1/p' <<<"$summary")
	ks=$(sed -nE 's/.*skipped: ([0-9]+).*/\1/p' <<<"$summary")
	pass=$((pass + ${kp:-0})); fail=$((fail + ${kf:-0})); skip=$((skip + ${ks:-0}))
	[ "${kf:-0}" = 0 ] || failed+=("arm64 kunit: ${kf} failed")
	[ $krc = 0 ] || [ "${kf:-0}" != 0 ] || count arm64-kunit-kernel-log FAIL
fi

step arm64-build-tests "$OKVM_TOP/scripts/arm64/build-tests.sh"

guest() {	# suite
	local grc=0 t name res
	"$OKVM_TOP/scripts/guest.sh" "$KVER_ARM64" "$1" || grc=$?
	while read -r t name res; do
		# Upstream tests on the kernel's KVM are the reference: shown only.
		if [ "$t" = kvm ] && [[ $name != *.* ]]; then
			continue
		fi
		[[ $name == *@info ]] && { info[$res]=$(( ${info[$res]:-0} + 1 )); continue; }
		count "arm64/$t/$name" "$res"
	done <"$OKVM_OUT/logs/$KVER_ARM64-$1.results"
	[ $grc = 0 ] || count "arm64-$1-guest" FAIL
}
declare -A info=()
guest full
guest ref
log "upstream arm64 tests tagged info on okvm (not counted): pass ${info[PASS]:-0}, skip ${info[SKIP]:-0}, fail ${info[FAIL]:-0}, timeout ${info[TIMEOUT]:-0}"

# Side by side: okvm (boot 1) and the kernel's KVM (boot 2).
join -a1 -a2 -e - -o 0,1.2,2.2 \
	<(awk '$1 == "okvm" { sub(/@info$/, "", $2); print $2, $3 }' "$OKVM_OUT/logs/$KVER_ARM64-full.results" | sort) \
	<(awk '$1 == "kvm" { print $2, $3 }' "$OKVM_OUT/logs/$KVER_ARM64-ref.results" | sort) |
	awk 'BEGIN { printf "%-58s %-8s %s\n", "test", "okvm", "kvm" }
	     { printf "%-58s %-8s %s\n", $1, $2, $3 }' >&2

if [ ${#failed[@]} -gt 0 ]; then
	log "failed:"
	printf '  %s\n' "${failed[@]}" >&2
fi
log "arm64 leg took $(( $(date +%s) - T0 )) s"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
