# shellcheck shell=bash
# okvm's arm64 leg (docs/arm64.md), one part of `make check`
# (scripts/check.sh) and on its own scripts/arm64/check.sh: everything
# cross-built for Debian's arm64 6.12 kernel and run under
# qemu-system-aarch64 at EL2 with VHE.
#
#  1. the arm64 kernel, headers, busybox and the cross tools (fetch.sh);
#  2. okvm.ko cross-built (warnings fail) and a DKMS build (-a aarch64);
#  3. KUnit at EL2: the s2 MMU / VMID suites with real TLB maintenance;
#  4. okvm's arm64 selftests and the upstream arm64 KVM selftests;
#  5. a boot with kvm-arm.mode=none: okvm's selftests (also with 2-bit
#     VMIDs) and the upstream list on okvm; a second boot: the same on
#     the kernel's KVM, the reference (the two cannot share a boot: one
#     of them owns EL2).
#
# Counted into the caller's tally (scripts/tally.sh) as the x86 legs:
# okvm's selftests on both hypervisors, "must" upstream tests on okvm,
# module load/unload, builds, KUnit. Sourced after lib.sh and tally.sh.

# Runs the leg; sets KVER_ARM64 and arm64_secs (the leg's wall time).
arm64_leg() {
	local t0 klog krc=0
	t0=$(date +%s)
	eval "$("$OKVM_TOP/scripts/arm64/fetch.sh")"
	log "arm64 kernel: $KVER_ARM64"

	step arm64-build "$OKVM_TOP/scripts/build-module.sh" "$KVER_ARM64"
	step arm64-dkms "$OKVM_TOP/scripts/dkms-check.sh" "$KVER_ARM64"

	log "KUnit at EL2 (arm64)"
	klog="$OKVM_OUT/logs/arm64-kunit.log"
	"$OKVM_TOP/scripts/kunit.sh" --arch=arm64 --cross_compile=aarch64-linux-gnu- \
		--qemu_args='-machine virtualization=on -smp 2' 'okvm_[sv]*' >"$klog" 2>&1 || krc=$?
	count_kunit "$klog" arm64-kunit $krc

	step arm64-build-tests "$OKVM_TOP/scripts/arm64/build-tests.sh"

	arm64_guest full
	arm64_guest ref
	arm64_secs=$(( $(date +%s) - t0 ))
	log "arm64 leg took $arm64_secs s"
}

arm64_guest() {	# suite
	local grc=0
	"$OKVM_TOP/scripts/guest.sh" "$KVER_ARM64" "$1" || grc=$?
	count_guest "$OKVM_OUT/logs/$KVER_ARM64-$1.results" kvm arm64 $grc "arm64-$1-guest"
}

# The upstream arm64 tests on okvm (boot 1) and on the kernel's KVM (boot
# 2) side by side, with each test's tag in the list ("info": not counted)
# and its wall time on both. okvm's selftests and the module's results
# are counted, not shown here.
arm64_side_by_side() {
	local d="$OKVM_OUT/logs/$KVER_ARM64"
	awk 'FNR == 1 { f++ }
	     { if (sub(/@info$/, "", $2) && f == 1) inf[$2] = 1 }
	     f <= 2 { if ($2 !~ /^module_|\./) r[$1, $2] = $3; if (!seen[$2]++) order[n++] = $2; next }
	     { s[$1, $2] = $3 }
	     END {
		printf "%-40s %-4s %-8s %-8s %8s %8s\n", "upstream arm64 test", "tag", "okvm", "kvm", "okvm s", "kvm s"
		for (i = 0; i < n; i++) {
			t = order[i]
			if (t ~ /^module_|\./) continue
			printf "%-40s %-4s %-8s %-8s %8s %8s\n", t, (t in inf) ? "info" : "must",
			       (("okvm", t) in r) ? r["okvm", t] : "-", (("kvm", t) in r) ? r["kvm", t] : "-",
			       (("okvm", t) in s) ? s["okvm", t] : "-", (("kvm", t) in s) ? s["kvm", t] : "-"
			c["okvm", r["okvm", t]]++
			c["kvm", r["kvm", t]]++
		}
		split("okvm kvm", x, " ")
		for (h = 1; h <= 2; h++)
			printf "%-8s pass %d, skip %d, fail %d, timeout %d\n", x[h],
			       c[x[h], "PASS"], c[x[h], "SKIP"], c[x[h], "FAIL"], c[x[h], "TIMEOUT"]
	     }' "$d-full.results" "$d-ref.results" "$d-full.times" "$d-ref.times" >&2
}
