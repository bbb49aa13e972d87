#!/bin/sh
# okvm's in-guest test runner (busybox sh). Prints one line per result:
#   OKVM-RESULT <target> <test> PASS|FAIL|SKIP|TIMEOUT
# <target> is "okvm" or "kvm_amd" (the reference in the same boot).
#   run.sh smoke      load/unload okvm and run okvm's selftests
#   run.sh selftests  smoke, then okvm's selftests on kvm_amd too
#   run.sh full       smoke + the upstream list on okvm, then both lists on kvm_amd
#   run.sh demo       okvm-vmm on okvm (which it loads itself), then on kvm_amd
#   run.sh nosvm      on a CPU without SVM: okvm must refuse to load (ENODEV)
#   run.sh pick       only the upstream tests named in $OKVM_PICK (comma
#                     separated paths), on okvm then on kvm_amd: a quick loop
suite=${1:-smoke}
T=/okvm/tests
TIMEOUT=${OKVM_TEST_TIMEOUT:-120}
rc=0

result() { echo "OKVM-RESULT $1 $2 $3"; [ "$3" = FAIL ] && rc=1; }

# Run one test binary with a time limit; map its exit code to a result.
run_one() {	# target name cmd...
	local target=$1 name=$2 code
	shift 2
	echo "OKVM-RUN $target $name"
	timeout -s KILL "$TIMEOUT" "$@" </dev/null
	code=$?
	case $code in
	0) result "$target" "$name" PASS ;;
	4) result "$target" "$name" SKIP ;;
	137|124) result "$target" "$name" TIMEOUT ;;
	*) result "$target" "$name" FAIL ;;
	esac
}

# okvm's own selftests report each case (kselftest harness TAP lines).
run_harness() {	# target binary
	local target=$1 bin=$2 out=/tmp/harness.out line name
	echo "OKVM-RUN $target $(basename "$bin")"
	timeout -s KILL "$TIMEOUT" "$bin" </dev/null >"$out" 2>&1
	echo "OKVM-EXIT $? $(basename "$bin")"
	cat "$out"
	grep -E '^(not )?ok [0-9]+ ' "$out" | while read -r line; do
		name=$(echo "$line" | sed -E 's/^(not )?ok [0-9]+ ([^ ]+).*/\2/')
		case "$line" in
		"not ok"*) echo "OKVM-RESULT $target $(basename "$bin").$name FAIL" ;;
		*"# SKIP"*) echo "OKVM-RESULT $target $(basename "$bin").$name SKIP" ;;
		*) echo "OKVM-RESULT $target $(basename "$bin").$name PASS" ;;
		esac
	done
	grep -q '^# Totals:' "$out" ||
		echo "OKVM-RESULT $target $(basename "$bin").complete FAIL"
}

run_upstream() {	# target
	local target=$1 tag t args
	while read -r tag t args; do
		case "$tag" in ''|'#'*) continue ;; esac
		if [ -n "${OKVM_PICK:-}" ]; then
			case ",$OKVM_PICK," in *",$t,"*) ;; *) continue ;; esac
		fi
		# Informational tests report as "<test>@info" (not counted).
		[ "$tag" = info ] && [ "$target" = okvm ] && t="$t@info"
		# shellcheck disable=SC2086
		(cd "$T/upstream/$(dirname "${t%@info}")" &&
		 run_one "$target" "$t" "./$(basename "${t%@info}")" $args)
	done </okvm/upstream.list
}

okvm_dev() {
	rm -f /dev/kvm
	mknod /dev/kvm c "$(cut -d: -f1 /sys/class/misc/okvm/dev)" \
		"$(cut -d: -f2 /sys/class/misc/okvm/dev)"
}

# Upstream tests read KVM's module parameters at /sys/module/kvm*/.
# okvm's module is "okvm", and it cannot also be "kvm" without clashing
# with in-tree KVM in this same boot. So, for the okvm run only, a tmpfs
# over /sys/module shows okvm's own parameter files (bind mounts of the
# live files, so the values are okvm's real ones) under KVM's names.
kvm_params_overlay_on() {
	local p d
	mkdir -p /run/okvm-params
	mount --bind /sys/module/okvm/parameters /run/okvm-params
	mount -t tmpfs sysmodule /sys/module
	mkdir -p /sys/module/kvm/parameters /sys/module/kvm_amd/parameters
	for p in /run/okvm-params/*; do
		d=kvm
		# kvm_amd's parameters that okvm states (read by tests on AMD).
		case ${p##*/} in avic) d=kvm_amd ;; esac
		touch "/sys/module/$d/parameters/${p##*/}"
		mount --bind "$p" "/sys/module/$d/parameters/${p##*/}"
	done
}

kvm_params_overlay_off() {
	local p
	for p in /sys/module/kvm/parameters/* /sys/module/kvm_amd/parameters/*; do
		umount "$p"
	done
	umount /sys/module
	umount /run/okvm-params
}

# make demo: the demo VMM against okvm, then against kvm_amd for comparison.
# Each run's output sits between OKVM-DEMO-BEGIN/END lines for demo.sh.
run_demo() {	# target args...
	local target=$1 code
	shift
	echo "OKVM-DEMO-BEGIN $target"
	timeout -s KILL "${OKVM_DEMO_TIMEOUT:-600}" /okvm/tests/vmm/okvm-vmm "$@" </dev/null 2>&1
	code=$?
	echo "OKVM-DEMO-END $target rc=$code"
	if [ $code = 0 ]; then result "$target" demo PASS; else result "$target" demo FAIL; fi
}

# arm64 (scripts/guest.sh boots it at EL2 with VHE): okvm runs in a boot
# with the kernel's KVM off (kvm-arm.mode=none); the kernel's KVM, the
# reference, in a boot of its own ("ref"). Suites:
#   selftests  okvm's arm64 selftests on okvm, again with vmid_bits=2
#              (VMID rollovers), then module unload
#   full       selftests + the upstream arm64 list on okvm
#   pick       the upstream tests named in $OKVM_PICK on okvm
#   ref        okvm's selftests and the upstream list on the kernel's
#              KVM, and okvm refusing to load while KVM owns EL2
arm64_main() {
	local b
	if [ "$suite" = ref ]; then
		if [ ! -e /dev/kvm ]; then
			result kvm kvm_present FAIL
			return
		fi
		for b in "$T"/okvm/*; do run_harness kvm "$b"; done
		run_upstream kvm
		if insmod /okvm/okvm.ko 2>/tmp/insmod.err; then
			result okvm module_refused_when_kvm_owns_el2 FAIL
			rmmod okvm
		elif dmesg | grep -q 'okvm: KVM owns EL2'; then
			result okvm module_refused_when_kvm_owns_el2 PASS
		else
			cat /tmp/insmod.err
			result okvm module_refused_when_kvm_owns_el2 FAIL
		fi
		return
	fi
	if insmod /okvm/okvm.ko; then
		result okvm module_load PASS
	else
		result okvm module_load FAIL
		return
	fi
	okvm_dev
	[ "$suite" = pick ] || for b in "$T"/okvm/*; do run_harness okvm "$b"; done
	if [ "$suite" = full ] || [ "$suite" = pick ]; then
		run_upstream okvm
	fi
	if rmmod okvm; then result okvm module_unload PASS; else result okvm module_unload FAIL; fi
	[ "$suite" = pick ] && return
	# Four VMIDs (one the host's) for more VMs than that: rollovers.
	if insmod /okvm/okvm.ko vmid_bits=2; then
		okvm_dev
		for b in "$T"/okvm/guest_*; do run_harness okvm_vmid2 "$b"; done
		if rmmod okvm; then result okvm_vmid2 module_unload PASS; else result okvm_vmid2 module_unload FAIL; fi
	else
		result okvm_vmid2 module_load FAIL
	fi
	rm -f /dev/kvm
}

if [ "$(uname -m)" = aarch64 ]; then
	arm64_main
	exit $rc
fi

if [ "$suite" = nosvm ]; then
	# A CPU without SVM: the load fails with ENODEV and one clear line.
	if insmod /okvm/okvm.ko 2>/tmp/insmod.err; then
		result okvm module_refused_without_svm FAIL
		rmmod okvm
	elif grep -q 'No such device' /tmp/insmod.err &&
	     dmesg | grep -q 'okvm: no AMD SVM on this CPU'; then
		result okvm module_refused_without_svm PASS
	else
		cat /tmp/insmod.err
		result okvm module_refused_without_svm FAIL
	fi
	exit $rc
fi

if [ "$suite" = demo ]; then
	# okvm-vmm loads okvm itself (finit_module) from the path given.
	run_demo okvm --dev /dev/okvm --module /okvm/okvm.ko
	if [ -e /sys/module/okvm ]; then
		if rmmod okvm; then result okvm module_unload PASS; else result okvm module_unload FAIL; fi
	fi
	if sh /okvm/kvm/load.sh; then
		run_demo kvm_amd --dev /dev/kvm
		rmmod kvm_amd kvm
	else
		echo "OKVM-NOTE kvm_amd did not load: no reference run"
		result kvm_amd demo FAIL
	fi
	exit $rc
fi

if insmod /okvm/okvm.ko; then
	result okvm module_load PASS
else
	result okvm module_load FAIL
	exit 1
fi
okvm_dev
[ "$suite" = pick ] || for b in "$T"/okvm/*; do run_harness okvm "$b"; done

if [ "$suite" = full ] || [ "$suite" = pick ]; then
	kvm_params_overlay_on
	run_upstream okvm
	kvm_params_overlay_off
fi

if [ "$suite" = full ]; then
	# SVM has one owner per CPU: kvm_amd must not load while okvm has it.
	if sh /okvm/kvm/load.sh 2>/dev/null; then
		result okvm module_svm_exclusive FAIL
		rmmod kvm_amd
	else
		result okvm module_svm_exclusive PASS
	fi
fi

if rmmod okvm; then result okvm module_unload PASS; else result okvm module_unload FAIL; fi
rm -f /dev/kvm

if [ "$suite" = pick ]; then
	if sh /okvm/kvm/load.sh; then
		run_upstream kvm_amd
		rmmod kvm_amd kvm
	fi
	exit $rc
fi

if [ "$suite" = full ] || [ "$suite" = selftests ]; then
	# The reference: in-tree KVM in the same boot, same binaries.
	if sh /okvm/kvm/load.sh; then
		for b in "$T"/okvm/*; do run_harness kvm_amd "$b"; done
		[ "$suite" = full ] && run_upstream kvm_amd
		# ...and okvm must refuse to load while kvm_amd owns SVM.
		if insmod /okvm/okvm.ko 2>/dev/null; then
			result okvm module_refused_when_svm_in_use FAIL
			rmmod okvm
		elif dmesg | grep -q 'okvm: SVM is already enabled'; then
			result okvm module_refused_when_svm_in_use PASS
		else
			result okvm module_refused_when_svm_in_use FAIL
		fi
		rmmod kvm_amd kvm
	else
		echo "OKVM-NOTE kvm_amd did not load: no reference run"
	fi
fi
exit $rc
