#!/usr/bin/env bash
# Boot Debian kernel $1 in QEMU (TCG, AMD SVM + NPT), run suite $2 (smoke,
# full, selftests, demo, nosvm, qemu: QEMU -accel kvm inside the guest (see
# scripts/guest/qemu.sh), or pick: the upstream tests named in
# OKVM_PICK="a,x86_64/b", okvm then kvm_amd) in it, and judge the serial
# log. Writes
#   $OKVM_OUT/logs/<kver>-<suite>.log      the whole console
#   $OKVM_OUT/logs/<kver>-<suite>.results  "<target> <test> <result>" lines
# and exits non-zero if the guest did not finish, a test failed, or the
# kernel printed a splat.
. "$(dirname "$0")/lib.sh"

kver=${1:?kernel version}
suite=${2:-smoke}
ko=$("$OKVM_TOP/scripts/build-module.sh" "$kver")
initrd=$("$OKVM_TOP/scripts/mkinitramfs.sh" "$kver" "$ko")
[ "$suite" = qemu ] && initrd=$("$OKVM_TOP/scripts/mkqemu-initramfs.sh" "$kver" "$initrd")
vmlinuz="$(okvm_kroot "$kver")/boot/vmlinuz-$kver"
mkdir -p "$OKVM_OUT/logs"
logf="$OKVM_OUT/logs/$kver-$suite.log"
resf="$OKVM_OUT/logs/$kver-$suite.results"

log "booting $kver ($suite suite)"
start=$(date +%s)
# Single-threaded TCG: multi-threaded TCG races code invalidation against
# static-key patching in the guest kernel (see docs/testing.md).
# The "nosvm" suite checks that okvm refuses a CPU without SVM.
cpu=EPYC,+svm,+npt
[ "$suite" = nosvm ] && cpu=EPYC,-svm,-npt
timeout "${OKVM_GUEST_TIMEOUT:-2400}" qemu-system-x86_64 \
	-accel tcg,thread=single -cpu "$cpu" -m 4096 -smp 2 \
	-nographic -no-reboot -kernel "$vmlinuz" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 oops=panic okvmtest=$suite ${OKVM_PICK:+okvmpick=$OKVM_PICK}" \
	</dev/null >"$logf" 2>&1 || true
log "guest finished in $(( $(date +%s) - start )) s; log: $logf"

tr -d '\r' <"$logf" | sed -n 's/^OKVM-RESULT //p' >"$resf"
bad=0
if ! grep -q '^OKVM-DONE' <(tr -d '\r' <"$logf"); then
	log "the guest did not finish its suite (crash, hang or timeout)"
	tail -n 40 "$logf" >&2
	bad=1
fi
# The qemu suite: its nested boots' times, and any counted failure fails.
[ "$suite" = qemu ] && { tr -d '\r' <"$logf" | grep -E '^OKVM-QEMU-(TIME|STOP)' >&2 || true; }
[ "$suite" = qemu ] && grep -v '@info' "$resf" | grep -q ' FAIL$' && { log "a qemu run failed"; bad=1; }
# Debian's kernel prints "Speculative Return Stack Overflow: WARNING: ..."
# at boot under this CPU model: match real splats only.
splat='WARNING: CPU:|BUG:|Oops|KASAN:|UBSAN:|INFO: (possible|trying|suspicious|inconsistent|task .* blocked)|WARNING: possible|general protection fault|Kernel panic|kmemleak:|Slab cache still has objects'
if grep -E "$splat" "$logf" >&2; then
	log "kernel splat in the guest log (above)"
	bad=1
fi
exit $bad
