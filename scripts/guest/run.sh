#!/bin/sh
# okvm's in-guest test runner (busybox sh). Prints one line per result:
#   OKVM-RESULT <target> <test> PASS|FAIL|SKIP|TIMEOUT
# <target> is "okvm" or "kvm_amd" (the reference in the same boot).
#   run.sh smoke      load/unload okvm and run okvm's selftests
#   run.sh selftests  smoke, then okvm's selftests on kvm_amd too
#   run.sh full       smoke + the upstream list on okvm, then both lists on kvm_amd
#   run.sh demo       okvm-vmm on okvm (which it loads itself), then on kvm_amd
#   run.sh qemu       Debian's QEMU -accel kvm boots a nested Linux on okvm,
#                     then on kvm_amd (scripts/guest/qemu.sh)
#   run.sh nosvm      on a CPU without SVM: okvm must refuse to load (ENODEV)
#   run.sh pick       only the upstream tests named in $OKVM_PICK (comma
#                     separated paths), on okvm then on kvm_amd: a quick loop
#   run.sh bench      benchmarks, okvm and kvm_amd alternately (bench.sh)
#   run.sh profile    the benchmarks under perf, okvm then kvm_amd (profile.sh)
#   run.sh runner     only the runner's own check (runs on any Linux host
#                     with busybox too: busybox sh scripts/guest/run.sh runner)
# Every test also prints its wall time: OKVM-TIME <target> <test> <seconds>.
# $OKVM_TEST_TIMEOUT (seconds per test, default 120) comes from the kernel
# command line (okvmtimeout=) via /init; $OKVM_DEBUG_HOOKS names a script the
# debug leg runs after the suites (see scripts/check-debug.sh).
suite=${1:-smoke}
T=/okvm/tests
TIMEOUT=${OKVM_TEST_TIMEOUT:-120}
rc=0

result() { echo "OKVM-RESULT $1 $2 $3"; [ "$3" = FAIL ] && rc=1; }

# Where the loaded okvm's code is: guest.sh reads a hang report's RIPs by
# these lines (the kernel runs with nokaslr, so its own are fixed).
okvm_sections() {
	local m
	for m in /sys/module/okvm/sections/.*text*; do
		echo "OKVM-SECTION okvm ${m##*/} $(cat "$m")"
	done
}

# Centiseconds since boot (/proc/uptime has two decimals).
now_cs() {
	local up rest
	read -r up rest </proc/uptime
	echo "${up%.*}${up#*.}"
}

# The live (not zombie) processes of session $1, one "pid state comm" a line.
session_procs() {	# sid
	local sid=$1 d st
	for d in /proc/[0-9]*; do
		st=$(cat "$d/stat" 2>/dev/null) || continue
		# "pid (comm) state ppid pgrp session ...": comm may hold spaces.
		# shellcheck disable=SC2086
		set -- ${st##*") "}
		case "$1" in Z|X) continue ;; esac
		[ "$4" = "$sid" ] && echo "${d#/proc/} $1 $(cat "$d/comm" 2>/dev/null)"
	done
}

# Run "cmd..." as the leader of a new session, with output to $out ("-" for
# the console), killed with everything it forked when $TIMEOUT expires.
# Whatever of the session is left when the leader has gone (children it
# did not reap, or all of it after a timeout) is killed too: a test's
# leftover vCPUs would otherwise spin on and slow every later test. Sets
#   code   the leader's exit status
#   tmo    1 if the time limit killed it
#   secs   its wall time, "s.cc"
#   stuck  1 if some of the session survived SIGKILL (unkillable: in the
#          kernel, e.g. a vCPU that never leaves KVM_RUN); callers fail it.
# A process that leaves the session (setsid) escapes this; no test does.
run_grouped() {	# target name out cmd...
	local target=$1 name=$2 out=$3 pid wd t0 left n
	shift 3
	rm -f /tmp/okvm-timedout
	t0=$(now_cs)
	# The background child is not a group leader, so busybox setsid
	# calls setsid() in place and $! is the session's id.
	if [ "$out" = - ]; then
		setsid "$@" </dev/null &
	else
		setsid "$@" </dev/null >"$out" 2>&1 &
	fi
	pid=$!
	setsid sh -c "sleep $TIMEOUT; touch /tmp/okvm-timedout; kill -KILL -$pid" \
		</dev/null >/dev/null 2>&1 &
	wd=$!
	wait "$pid"
	code=$?
	secs=$(( $(now_cs) - t0 ))
	secs=$((secs / 100)).$(printf '%02d' $((secs % 100)))
	kill -KILL "-$wd" 2>/dev/null
	wait "$wd" 2>/dev/null
	tmo=0
	[ -e /tmp/okvm-timedout ] && tmo=1
	left=$(session_procs "$pid")
	if [ -n "$left" ]; then
		[ $tmo = 1 ] || echo "OKVM-NOTE $target $name left processes behind (killed):" $left
		kill -KILL "-$pid" 2>/dev/null
		# Members that changed their process group, by pid.
		echo "$left" | while read -r n _; do kill -KILL "$n" 2>/dev/null; done
	fi
	# Dying takes a while when a VM's memory is torn down (longer under
	# the debug kernel, whose time limit is longer too): wait a quarter of
	# the time limit, at least 30 s, before calling them unkillable.
	stuck=0
	n=0
	while [ -n "$left" ]; do
		left=$(session_procs "$pid")
		[ -z "$left" ] && break
		n=$((n + 1))
		if [ $n -gt 60 ] && [ $n -gt $((TIMEOUT / 2)) ]; then
			echo "OKVM-NOTE $target $name: processes survive SIGKILL for $((n / 2)) s:" $left
			stuck=1
			break
		fi
		sleep 0.5
	done
	echo "OKVM-TIME $target $name $secs"
}

# Run one test binary with a time limit; map its exit code to a result.
run_one() {	# target name cmd...
	local target=$1 name=$2
	shift 2
	echo "OKVM-RUN $target $name"
	run_grouped "$target" "$name" - "$@"
	if [ $stuck = 1 ]; then
		result "$target" "$name" FAIL
	elif [ $tmo = 1 ]; then
		result "$target" "$name" TIMEOUT
	else
		case $code in
		0) result "$target" "$name" PASS ;;
		4) result "$target" "$name" SKIP ;;
		*) result "$target" "$name" FAIL ;;
		esac
	fi
}

# okvm's own selftests report each case (kselftest harness TAP lines).
run_harness() {	# target binary
	local target=$1 bin=$2 out=/tmp/harness.out line name
	echo "OKVM-RUN $target $(basename "$bin")"
	run_grouped "$target" "$(basename "$bin")" "$out" "$bin"
	echo "OKVM-EXIT $code $(basename "$bin")"
	cat "$out"
	[ $stuck = 1 ] && echo "OKVM-RESULT $target $(basename "$bin").reaped FAIL"
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

# An argument "debug:<arg>" is passed as <arg> in the debug suite only
# (make check-debug), and dropped elsewhere.
debug_args() {
	local a out=
	for a in "$@"; do
		case "$a" in
		debug:*) [ "$suite" = debug ] && out="$out ${a#debug:}" ;;
		*) out="$out $a" ;;
		esac
	done
	echo "$out"
}

# A tag may carry the test's own time limit, "must:300": for tests whose
# length is fixed by their own work (rseq_test: 100000 task migrations),
# not by the hypervisor. The longer of it and $TIMEOUT applies.
run_upstream() {	# target
	local target=$1 tag t args limit
	# HugeTLB pages for the tests that back guest memory with them
	# (x86_64/dirty_log_page_splitting_test: 2 vCPUs x -b); the 4 GiB
	# guest spares 256 MiB while the list runs.
	echo 128 >/proc/sys/vm/nr_hugepages
	while read -r tag t args; do
		case "$tag" in ''|'#'*) continue ;; esac
		if [ -n "${OKVM_PICK:-}" ]; then
			case ",$OKVM_PICK," in *",$t,"*) ;; *) continue ;; esac
		fi
		limit=$TIMEOUT
		case "$tag" in *:*) limit=${tag#*:}; tag=${tag%%:*} ;; esac
		[ "$limit" -lt "$TIMEOUT" ] && limit=$TIMEOUT
		# Informational tests report as "<test>@info" (not counted).
		[ "$tag" = info ] && [ "$target" = okvm ] && t="$t@info"
		args=$(debug_args $args)
		# shellcheck disable=SC2086
		(TIMEOUT=$limit
		 cd "$T/upstream/$(dirname "${t%@info}")" &&
		 run_one "$target" "$t" "./$(basename "${t%@info}")" $args)
	done </okvm/upstream.list
	echo 0 >/proc/sys/vm/nr_hugepages
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

# The runner's own check: a test that exits and leaves a spinning child
# behind, and one that hangs with a spinning child until its time limit.
# Neither child may outlive its test. The children carry a marker in their
# command line, so that the check does not rely on run_grouped's own
# bookkeeping (sessions) to find them.
probe_pids() {
	local d
	for d in /proc/[0-9]*; do
		# A zombie's cmdline reads empty: only live processes match.
		case "$(tr '\0' ' ' 2>/dev/null <"$d/cmdline")" in
		*okvm-runner-probe*) echo "${d#/proc/}" ;;
		esac
	done
}

runner_check() {
	local limit=$TIMEOUT spin='while :; do :; done; : okvm-runner-probe'
	run_grouped runner exit-leaves-child - sh -c "($spin) & exit 0"
	if [ -n "$(probe_pids)" ]; then
		echo "OKVM-NOTE runner: probe children still running:" $(probe_pids)
		result runner runner.exit_child_reaped FAIL
	else
		result runner runner.exit_child_reaped PASS
	fi
	TIMEOUT=3
	run_grouped runner timeout-with-child - sh -c "($spin) & while :; do sleep 1; done"
	TIMEOUT=$limit
	if [ $tmo = 1 ] && [ -z "$(probe_pids)" ]; then
		result runner runner.timeout_child_reaped PASS
	else
		echo "OKVM-NOTE runner: timed out: $tmo; probe children still running:" $(probe_pids)
		result runner runner.timeout_child_reaped FAIL
	fi
	# When the check fails, do not let the probes spin on.
	# shellcheck disable=SC2046
	kill -KILL $(probe_pids) 2>/dev/null
}

if [ "$suite" = runner ]; then
	runner_check
	exit $rc
fi

if [ "$suite" = qemu ]; then
	. /okvm/qemu/run.sh
	qemu_suite
	exit $rc
fi

if [ "$suite" = bench ]; then
	. /okvm/bench.sh
	exit $rc
fi

if [ "$suite" = profile ]; then
	. /okvm/profile.sh
	exit $rc
fi

# arm64 (scripts/guest.sh boots it at EL2 with VHE): okvm runs in a boot
# with the kernel's KVM off (kvm-arm.mode=none); the kernel's KVM, the
# reference, in a boot of its own ("ref"). Suites:
#   selftests  okvm's arm64 selftests on okvm, again with vmid_bits=2
#              (VMID rollovers), then module unload
#   full       selftests + the upstream arm64 list on okvm
#   pick       the upstream tests named in $OKVM_PICK on okvm
#   ref        okvm's selftests and the upstream list on the kernel's
#              KVM, and okvm refusing to load while KVM owns EL2
# okvm's selftests on the kernel's KVM: a binary with a failed case runs a
# second time, and that run counts. Under QEMU's TCG at EL2 the kernel's
# KVM has failed a case of guest_threads_test that it otherwise passes: a
# data abort reported with another register and PC, then aborts without a
# syndrome (docs/arm64.md, "The reference under TCG"). A test that asserts
# what KVM does not do fails both runs; the first run's results stay in
# the log as OKVM-REF-FIRST lines.
run_harness_ref() {	# binary
	local out=/tmp/harness-ref.out
	run_harness kvm "$1" | tee "$out" | sed 's/^OKVM-RESULT /OKVM-REF-FIRST /'
	if grep -q '^OKVM-RESULT .* FAIL$' "$out"; then
		echo "OKVM-NOTE kvm $(basename "$1"): a case failed on the reference; run again, the second run counts"
		run_harness kvm "$1"
	else
		grep '^OKVM-RESULT ' "$out"
	fi
}

arm64_main() {
	local b
	if [ "$suite" = ref ]; then
		if [ ! -e /dev/kvm ]; then
			result kvm kvm_present FAIL
			return
		fi
		for b in "$T"/okvm/*; do run_harness_ref "$b"; done
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

# --- the debug leg (scripts/check-debug.sh boots a KASAN/lockdep/kmemleak
# kernel with suite "debug") ---
KMEMLEAK=/sys/kernel/debug/kmemleak

# Forget what the kernel leaked before the tests (boot-time objects that
# kmemleak cannot see referenced): only what is found later is reported.
kmemleak_begin() {
	[ -w $KMEMLEAK ] || { echo "OKVM-NOTE no $KMEMLEAK in this kernel"; return; }
	echo scan >$KMEMLEAK
	echo clear >$KMEMLEAK
}

# Scan, and report every unreferenced object whose allocation backtrace
# passes through okvm: by name while the module is loaded, by address
# (okvm's load range, noted at insmod) once it is gone. Objects allocated
# without okvm on the stack are the kernel's own (boot-time false
# positives, kvm_amd's runs, busybox) and are not okvm's to answer for.
# kmemleak reports an object only once it is older than 5 s and was found
# unreferenced, hence the wait and the second scan.
kmemleak_check() {	# when (a word for the result name)
	local when=$1 n
	[ -w $KMEMLEAK ] || return 0
	sleep 6
	echo scan >$KMEMLEAK
	sleep 1
	echo scan >$KMEMLEAK
	cat $KMEMLEAK >/tmp/kmemleak.txt
	echo clear >$KMEMLEAK
	awk -v lo="$okvm_lo" -v hi="$okvm_hi" '
		function flush() { if (rec != "" && hit) { printf "%s", rec; n++ } rec = ""; hit = 0 }
		/^unreferenced object/ { flush() }
		{ rec = rec "OKVM-KMEMLEAK: " $0 "\n" }
		/\[okvm\]/ { hit = 1 }
		lo != "" && match($0, /\[<[0-9a-f]+>\]/) {
			a = substr($0, RSTART + 2, RLENGTH - 4)
			if (length(a) == length(lo) && a >= lo && a < hi) hit = 1
		}
		END { flush(); exit n > 0 }' /tmp/kmemleak.txt
	n=$?
	echo "OKVM-NOTE kmemleak scan ($when): $(grep -c '^unreferenced object' /tmp/kmemleak.txt) unreferenced objects in all"
	if [ $n = 0 ]; then
		result okvm "debug.kmemleak_$when" PASS
	else
		result okvm "debug.kmemleak_$when" FAIL
	fi
}

# okvm's load range as two 16-digit hex strings, for kmemleak_check.
okvm_range() {
	local name size refs deps state base _
	read -r name size refs deps state base _ <<EOF_MODULES
$(grep '^okvm ' /proc/modules)
EOF_MODULES
	okvm_lo=$(printf '%016x' "$base")
	okvm_hi=$(printf '%016x' $((base + size)))
}

# Extra commands of the debug leg: one "<name>[:<seconds>] <shell command>"
# a line in /okvm/debug.list (tests/debug.list), run from /okvm/tests on
# okvm with okvm's /dev/kvm, each with its own time limit or the per-test
# one, whichever is longer. This is where the long fuzzer and
# fault-injection runs go.
run_debug_list() {
	local name cmd limit
	[ -f /okvm/debug.list ] || return 0
	while read -r name cmd; do
		case "$name" in ''|'#'*) continue ;; esac
		limit=$TIMEOUT
		case "$name" in *:*) limit=${name#*:}; name=${name%%:*} ;; esac
		[ "$limit" -lt "$TIMEOUT" ] && limit=$TIMEOUT
		(TIMEOUT=$limit
		 cd "$T" && export OKVM_DEBUG=1 && run_one okvm "debug.$name" sh -c "$cmd")
	done </okvm/debug.list
}

# Suite pick: okvm's selftests named "okvm/<binary>" in $OKVM_PICK.
pick_okvm() {	# target
	local b
	for b in "$T"/okvm/*; do
		case ",${OKVM_PICK:-}," in *",okvm/${b##*/},"*) run_harness "$1" "$b" ;; esac
	done
}

# Suite pick runs its tests $OKVM_REPEAT times (okvmrepeat=, default 1) on
# each hypervisor: a loop for an intermittent failure, with the reference
# beside it to tell okvm's fault from TCG's.
repeat() {	# cmd...
	local i=0
	while [ $i -lt "${OKVM_REPEAT:-1}" ]; do
		"$@"
		i=$((i + 1))
	done
}

upstream_okvm=0
case $suite in full|pick|debug) upstream_okvm=1 ;; esac
reference=0
case $suite in full|selftests) reference=1 ;; esac
[ "$suite" = debug ] && [ "${OKVM_DEBUG_REF:-0}" = 1 ] && reference=1

# pick too: a quick loop on the debug kernel (a no-op without kmemleak).
case $suite in debug|pick) kmemleak_begin ;; esac
runner_check
# Suite pick: a name that is neither one of okvm's selftests nor on the
# upstream list would run nothing and pass; it fails instead.
if [ "$suite" = pick ]; then
	for p in $(echo "${OKVM_PICK:-}" | tr , ' '); do
		case $p in
		okvm/*) [ -x "$T/$p" ] && continue ;;
		*) awk -v t="$p" '$2 == t { f = 1 } END { exit !f }' /okvm/upstream.list &&
			continue ;;
		esac
		echo "OKVM-NOTE pick: $p is not in this initramfs (built? listed?)"
		result runner "pick.$p" FAIL
	done
fi
if insmod /okvm/okvm.ko; then
	result okvm module_load PASS
	okvm_sections
else
	result okvm module_load FAIL
	exit 1
fi
okvm_range
okvm_dev
[ "$suite" = pick ] || for b in "$T"/okvm/*; do run_harness okvm "$b"; done
[ "$suite" = pick ] && repeat pick_okvm okvm

if [ $upstream_okvm = 1 ]; then
	kvm_params_overlay_on
	if [ "$suite" = pick ]; then
		repeat run_upstream okvm
	else
		run_upstream okvm
	fi
	kvm_params_overlay_off
fi

if [ "$suite" = debug ]; then
	run_debug_list
	kmemleak_check loaded
fi

if [ "$suite" = full ] || [ "$suite" = debug ]; then
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
case $suite in debug|pick) kmemleak_check unloaded ;; esac

if [ "$suite" = pick ]; then
	if sh /okvm/kvm/load.sh; then
		repeat pick_okvm kvm_amd
		repeat run_upstream kvm_amd
		rmmod kvm_amd kvm
	fi
	exit $rc
fi

if [ $reference = 1 ]; then
	# The reference: in-tree KVM in the same boot, same binaries.
	if sh /okvm/kvm/load.sh; then
		for b in "$T"/okvm/*; do run_harness kvm_amd "$b"; done
		[ $upstream_okvm = 1 ] && run_upstream kvm_amd
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
