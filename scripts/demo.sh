#!/usr/bin/env bash
# make demo: build okvm.ko and the demo VMM (tools/vmm), boot the Debian
# 6.12 kernel in the QEMU test guest (TCG, AMD SVM + NPT), and run okvm-vmm
# there twice in the same boot: against okvm (/dev/okvm; the VMM loads the
# module itself), then, for comparison, against in-tree kvm_amd (/dev/kvm).
# Prints both runs' output and fails unless both runs succeed.
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
[ $rc = 0 ] || log "make demo failed (see above; console log: $logf)"
exit $rc
