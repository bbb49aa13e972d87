#!/usr/bin/env bash
# make demo: build okvm.ko and the demo VMM (tools/vmm), boot the Debian
# 6.12 kernel in the QEMU test guest (TCG, AMD SVM + NPT), and run okvm-vmm
# there twice in the same boot: against okvm (/dev/okvm; the VMM loads the
# module itself), then, for comparison, against in-tree kvm_amd (/dev/kvm).
# Part 2: Debian's QEMU 7.2 with -accel kvm boots the same Debian kernel
# as a nested guest, in another boot of the test guest: on okvm with QEMU's
# default machine (in-kernel irqchip and PIT) and with kernel-irqchip=off,
# then the same on kvm_amd. Shows the nested consoles and each boot's time.
# Prints every run's output and fails unless all of them succeed.
. "$(dirname "$0")/lib.sh"

eval "$("$OKVM_TOP/scripts/fetch.sh")"
log "building okvm-vmm"
# The VMM uses only long-standing ioctls: the host's <linux/kvm.h> will do.
mkdir -p "$OKVM_OUT/tests/vmm"
make -s -C "$OKVM_TOP/tools/vmm" OUT="$OKVM_OUT/tests/vmm" OBJ="$OKVM_CACHE/build/vmm" >&2

rc=0
OKVM_GUEST_TIMEOUT=${OKVM_GUEST_TIMEOUT:-1200} \
	"$OKVM_TOP/scripts/guest.sh" "$KVER_612" demo || rc=$?

logf="$OKVM_OUT/logs/$KVER_612-demo.log"
[ -f "$logf" ] || die "the test guest did not run"
for target in okvm kvm_amd; do
	echo
	echo "=== okvm-vmm on $target ==="
	tr -d '\r' <"$logf" |
		sed -n "/^OKVM-DEMO-BEGIN $target\$/,/^OKVM-DEMO-END $target /p" |
		sed '1d'
done
echo
resf="$OKVM_OUT/logs/$KVER_612-demo.results"
sed 's/^/result: /' "$resf"
# guest.sh judges crashes and splats; the runs' own results are judged here.
grep -qv ' PASS$' "$resf" && rc=1
grep -q '^okvm demo PASS$' "$resf" && grep -q '^kvm_amd demo PASS$' "$resf" || rc=1

log "part 2: QEMU -accel kvm boots Linux on okvm, then on kvm_amd"
qrc=0
OKVM_PICK=default,off,verbose \
	"$OKVM_TOP/scripts/guest.sh" "$KVER_612" qemu 2>/dev/null || qrc=$?
qlog="$OKVM_OUT/logs/$KVER_612-qemu.log"
[ -f "$qlog" ] || die "the test guest did not run QEMU"
# Each run: its nested console (the kernel's first and last lines and the
# init's markers), then its time.
tr -d '\r' <"$qlog" | awk '
	/^OKVM-RUN / { run = $2 " " $3; n = 0; next }
	/^OKVM-QEMU-TIME / { time[run] = $4 " " $5; next }
	/^L2\| / && run != "" {
		line = substr($0, 5)
		if (n < 3 || line ~ /L2-|Linux version|Run \/init|reboot: Power down/)
			print "[" run "] " line
		n++
	}
	/^OKVM-RESULT / && run != "" && $3 == substr(run, index(run, " ") + 1) {
		print "[" run "] " $4 "  (QEMU ran " time[run] ")"
		run = ""
	}'
echo
sed 's/^/result: /' "$OKVM_OUT/logs/$KVER_612-qemu.results"
[ $qrc = 0 ] || rc=1
grep -q ' FAIL$' "$OKVM_OUT/logs/$KVER_612-qemu.results" && rc=1
[ $rc = 0 ] || log "make demo failed (see above; console logs: $logf, $qlog)"
exit $rc
