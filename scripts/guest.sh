#!/usr/bin/env bash
# Boot Debian kernel $1 in QEMU (TCG, AMD SVM + NPT), run suite $2 (smoke,
# full, selftests, demo, nosvm, or pick: the upstream tests named in
# OKVM_PICK="a,x86_64/b", okvm then kvm_amd) in it, and judge the serial
# log. An arm64 kernel (…-arm64) boots in qemu-system-aarch64 at EL2 with
# VHE instead; its suites are in scripts/guest/run.sh (arm64_main). Writes
#   $OKVM_OUT/logs/<kver>-<suite>.log      the whole console
#   $OKVM_OUT/logs/<kver>-<suite>.results  "<target> <test> <result>" lines
# and exits non-zero if the guest did not finish, a test failed, or the
# kernel printed a splat.
. "$(dirname "$0")/lib.sh"

kver=${1:?kernel version}
suite=${2:-smoke}
ko=$("$OKVM_TOP/scripts/build-module.sh" "$kver")
initrd=$("$OKVM_TOP/scripts/mkinitramfs.sh" "$kver" "$ko")
vmlinuz="$(okvm_kroot "$kver")/boot/vmlinuz-$kver"
mkdir -p "$OKVM_OUT/logs"
logf="$OKVM_OUT/logs/$kver-$suite.log"
resf="$OKVM_OUT/logs/$kver-$suite.results"

log "booting $kver ($suite suite)"
start=$(date +%s)
# Single-threaded TCG: multi-threaded TCG races code invalidation against
# static-key patching in the guest kernel (see docs/testing.md).
# The "nosvm" suite checks that okvm refuses a CPU without SVM.
case $kver in
*-arm64)
	# EL2 with VHE; the kernel's KVM stays off (kvm-arm.mode=none) so
	# that okvm can own EL2, except in the "ref" suite, which runs the
	# same tests on the kernel's KVM (docs/arm64.md).
	mode="kvm-arm.mode=none"
	[ "$suite" = ref ] && mode=
	timeout "${OKVM_GUEST_TIMEOUT:-2400}" qemu-system-aarch64 \
		-machine virt,virtualization=on,gic-version=3 \
		-cpu max,pauth-impdef=on -accel tcg,thread=single -m 1024 -smp 2 \
		-nographic -no-reboot -kernel "$vmlinuz" -initrd "$initrd" \
		-append "console=ttyAMA0 panic=-1 oops=panic $mode okvmtest=$suite ${OKVM_PICK:+okvmpick=$OKVM_PICK}" \
		</dev/null >"$logf" 2>&1 || true
	;;
*)
	cpu=EPYC,+svm,+npt
	[ "$suite" = nosvm ] && cpu=EPYC,-svm,-npt
	timeout "${OKVM_GUEST_TIMEOUT:-2400}" qemu-system-x86_64 \
		-accel tcg,thread=single -cpu "$cpu" -m 4096 -smp 2 \
		-nographic -no-reboot -kernel "$vmlinuz" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 oops=panic okvmtest=$suite ${OKVM_PICK:+okvmpick=$OKVM_PICK}" \
		</dev/null >"$logf" 2>&1 || true
	;;
esac
log "guest finished in $(( $(date +%s) - start )) s; log: $logf"

tr -d '\r' <"$logf" | sed -n 's/^OKVM-RESULT //p' >"$resf"
bad=0
if ! grep -q '^OKVM-DONE' <(tr -d '\r' <"$logf"); then
	log "the guest did not finish its suite (crash, hang or timeout)"
	tail -n 40 "$logf" >&2
	bad=1
fi
# Debian's kernel prints "Speculative Return Stack Overflow: WARNING: ..."
# at boot under this CPU model: match real splats only.
splat='WARNING: CPU:|BUG:|Oops|KASAN:|UBSAN:|INFO: (possible|trying|suspicious|inconsistent|task .* blocked)|WARNING: possible|general protection fault|Kernel panic|kmemleak:|Slab cache still has objects'
if grep -E "$splat" "$logf" >&2; then
	log "kernel splat in the guest log (above)"
	bad=1
fi
exit $bad
