#!/usr/bin/env bash
# Boot Debian kernel $1 in QEMU (TCG, AMD SVM + NPT), run suite $2 (smoke,
# full, selftests, demo, nosvm, runner, debug, qemu: QEMU -accel kvm inside
# the guest (see scripts/guest/qemu.sh), or pick: the upstream tests named in
# OKVM_PICK="a,x86_64/b", okvm then kvm_amd) in it, and judge the serial
# log. $1 may also be the debug kernel (scripts/build-debug-kernel.sh).
# Optional: OKVM_TEST_TIMEOUT (seconds per test in the guest),
# OKVM_KERNEL_ARGS (more kernel command line), OKVM_DEBUG_REF=1 (suite
# debug: also run the reference on kvm_amd), OKVM_GUEST_TIMEOUT. Writes
#   $OKVM_OUT/logs/<kver>-<suite>.log      the whole console
#   $OKVM_OUT/logs/<kver>-<suite>.results  "<target> <test> <result>" lines
#   $OKVM_OUT/logs/<kver>-<suite>.times    "<target> <test> <seconds>" lines
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
timef="$OKVM_OUT/logs/$kver-$suite.times"
# tsc=reliable: TCG's TSC follows the host's monotonic clock, but the
# clocksource watchdog compares it with an emulated HPET whose reads are
# late by however long the host made TCG wait; on a loaded host it marks
# the TSC unstable mid-run, and KVM then drops its master clock (no
# KVM_CLOCK_REALTIME, TSC offsets compensated on vCPU load), which changes
# what clock tests see on okvm and kvm_amd alike.
args="console=ttyS0 panic=-1 oops=panic tsc=reliable okvmtest=$suite"
args+="${OKVM_PICK:+ okvmpick=$OKVM_PICK}${OKVM_TEST_TIMEOUT:+ okvmtimeout=$OKVM_TEST_TIMEOUT}"
args+="${OKVM_DEBUG_REF:+ okvmref=$OKVM_DEBUG_REF}${OKVM_KERNEL_ARGS:+ $OKVM_KERNEL_ARGS}"

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
	-append "$args" \
	</dev/null >"$logf" 2>&1 || true
log "guest finished in $(( $(date +%s) - start )) s; log: $logf"

tr -d '\r' <"$logf" | sed -n 's/^OKVM-RESULT //p' >"$resf"
tr -d '\r' <"$logf" | sed -n 's/^OKVM-TIME //p' >"$timef"
bad=0
# A test that left processes behind (the runner killed them): visible, not
# a failure by itself; processes that survive SIGKILL fail their test.
grep -a 'OKVM-NOTE .*\(left processes behind\|survive SIGKILL\)' "$logf" >&2 || true
if ! grep -q '^OKVM-DONE' <(tr -d '\r' <"$logf"); then
	log "the guest did not finish its suite (crash, hang or timeout)"
	tail -n 40 "$logf" >&2
	bad=1
fi
# The qemu suite: its nested boots' times, and any counted failure fails.
[ "$suite" = qemu ] && { tr -d '\r' <"$logf" | grep -E '^OKVM-QEMU-(TIME|STOP)' >&2 || true; }
[ "$suite" = qemu ] && grep -v '@info' "$resf" | grep -q ' FAIL$' && { log "a qemu run failed"; bad=1; }
# Debian's kernel prints "Speculative Return Stack Overflow: WARNING: ..."
# at boot under this CPU model: match real splats only. A WARNING at the
# start of a message is WARN() or lockdep ("WARNING: inconsistent lock
# state", "WARNING: suspicious RCU usage", ...); KFENCE reports as "BUG:".
# kmemleak's own lines are not judged: the debug leg's guest prints the
# okvm-related records it found as OKVM-KMEMLEAK (scripts/guest/run.sh).
splat='(\] |^)WARNING: |BUG:|Oops|KASAN:|UBSAN:|INFO: (possible|trying|suspicious|inconsistent|task .* blocked)|general protection fault|Kernel panic|OKVM-KMEMLEAK:|Slab cache still has objects'
if grep -E "$splat" "$logf" >&2; then
	log "kernel splat in the guest log (above)"
	bad=1
fi
exit $bad
