#!/usr/bin/env bash
# Boot Debian kernel $1 in QEMU (TCG, AMD SVM + NPT), run suite $2 (smoke,
# full, selftests, demo, nosvm, runner, debug, qemu: QEMU -accel kvm inside
# the guest (see scripts/guest/qemu.sh), or pick: the upstream tests named in
# OKVM_PICK="a,x86_64/b", okvm then kvm_amd) in it, and judge the serial
# log. $1 may also be the debug kernel (scripts/build-debug-kernel.sh).
# Optional: OKVM_TEST_TIMEOUT (seconds per test in the guest), OKVM_REPEAT
# (suite pick: run the picked tests that many times on each hypervisor),
# OKVM_KERNEL_ARGS (more kernel command line), OKVM_BENCH_ROUNDS (suite
# bench: rounds, scripts/guest/bench.sh), OKVM_BENCH_ONLY (suites bench and
# profile: only these benchmarks, comma separated), OKVM_DEBUG_REF=1 (suite
# debug: also run the reference on kvm_amd), OKVM_GUEST_TIMEOUT,
# OKVM_QEMU_ARGS (more x86 QEMU options, e.g. a second monitor to read a
# guest's CPUs by hand: "-monitor unix:/tmp/m,server,nowait"; guest.sh
# keeps one of its own on a pipe for hang reports and lost interrupts). An arm64 kernel
# (…-arm64) boots in qemu-system-aarch64 at EL2 with VHE instead; its
# suites are in scripts/guest/run.sh (arm64_main). Writes
#   $OKVM_OUT/logs/<kver>-<suite>.log      the whole console
#   $OKVM_OUT/logs/<kver>-<suite>.results  "<target> <test> <result>" lines
#   $OKVM_OUT/logs/<kver>-<suite>.times    "<target> <test> <seconds>" lines
#   $OKVM_OUT/logs/<kver>-<suite>.why      why the guest failed, one line
#                                          each (empty when it did not)
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
whyf="$OKVM_OUT/logs/$kver-$suite.why"
: >"$whyf"
# tsc=reliable: TCG's TSC follows the host's monotonic clock, but the
# clocksource watchdog compares it with an emulated HPET whose reads are
# late by however long the host made TCG wait; on a loaded host it marks
# the TSC unstable mid-run, and KVM then drops its master clock (no
# KVM_CLOCK_REALTIME, TSC offsets compensated on vCPU load), which changes
# what clock tests see on okvm and kvm_amd alike.
test_args="okvmtest=$suite${OKVM_PICK:+ okvmpick=$OKVM_PICK}${OKVM_REPEAT:+ okvmrepeat=$OKVM_REPEAT}"
test_args+="${OKVM_TEST_TIMEOUT:+ okvmtimeout=$OKVM_TEST_TIMEOUT}"
test_args+="${OKVM_BENCH_ROUNDS:+ okvmrounds=$OKVM_BENCH_ROUNDS}${OKVM_BENCH_ONLY:+ okvmbenchonly=$OKVM_BENCH_ONLY}"
test_args+="${OKVM_DEBUG_REF:+ okvmref=$OKVM_DEBUG_REF}${OKVM_KERNEL_ARGS:+ $OKVM_KERNEL_ARGS}"
# nokaslr: a hang report's RIPs (outer_hang_report) then match
# /proc/kallsyms of any boot of this kernel (Debian's System.map is a
# stub), and okvm's those of the module sections the guest prints.
args="console=ttyS0 panic=-1 oops=panic tsc=reliable nokaslr $test_args"

mon="$OKVM_OUT/logs/$kver-$suite.mon"
hangf="$OKVM_OUT/logs/$kver-$suite.hang"
kickf="$OKVM_OUT/logs/$kver-$suite.kicks"
rm -f "$hangf" "$kickf"
hang_rips=

# An x86 guest that missed its deadline: every CPU's registers, five
# times a second apart, the code at the last RIP and the interrupt
# controllers, from QEMU's monitor, into $hangf (and the log, after QEMU
# exits); each distinct RIP into the why-file (CI shows only that).
# Under TCG with SVM the registers are those of whatever the CPU ran: the
# test guest's kernel, or a nested guest inside it (the qemu suite's is
# the same Debian kernel).
outer_hang_report() {
	local rip_s
	# Opened read-write: never blocks, even when QEMU has just exited.
	for _ in 1 2 3 4 5; do
		printf 'info registers -a\n' 1<>"$mon.in"
		sleep 1
	done
	# shellcheck disable=SC2016 # $pc is the monitor's
	printf 'x/8i $pc\ninfo lapic\ninfo pic\n' 1<>"$mon.in"
	# The monitor echoes each command with terminal escapes: dropped.
	timeout 5 cat "$mon.out" | tr -d '\r' | grep -av $'\e' >"$hangf" || true
	# Each distinct RIP, as okvm section+offset where it is in okvm (the
	# guest printed OKVM-SECTION lines), raw otherwise; xN: samples.
	local n rip name base best off where=
	while read -r n rip; do
		best=
		while read -r name base; do
			off=$(( 16#$rip - base ))
			if [ "$off" -ge 0 ] && [ "$off" -lt $((1 << 24)) ] &&
			   { [ -z "$best" ] || [ "$off" -lt "$best" ]; }; then
				best=$off
				printf -v rip_s 'okvm%s+0x%x' "$name" "$off"
			fi
		done < <(tr -d '\r' <"$logf" | sed -n 's/^OKVM-SECTION okvm //p' | tail -n 8)
		[ -n "$best" ] || rip_s=$rip
		where+="${where:+, }$rip_s x$n"
	done < <(grep -o '[RE]IP=[0-9a-f]*' "$hangf" | cut -d= -f2 | sort | uniq -c)
	hang_rips="CPU RIPs at the deadline (monitor, nokaslr): ${where:-none read}"
}

# QEMU 7.2's TCG can lose an interrupt request for good (docs/testing.md,
# "Lost interrupts"): the local APIC holds a vector in IRR, deliverable,
# but the CPU was never told. With one CPU (the qemu suite) nothing else
# raises the request again when that vector is the kernel's timer: a
# halted CPU sleeps on (the guest is silent until its deadline), and a
# CPU busy in a nested guest runs it on while the test guest's own timers
# never fire (its nested QEMU waits for them, and so does the suite's own
# deadline for that QEMU). The signature, read twice through the monitor
# a second apart: the same vector in CPU 0's IRR both times, its class
# above the PPR's. A correct CPU takes such a vector at its next
# instruction boundary where interrupts are on, and the test guest never
# keeps them off for a second. lostirq_probe prints that vector, or
# nothing.
lostirq_probe() {
	local out ppr v
	printf 'info lapic\n' 1<>"$mon.in"
	out=$(timeout 2 cat "$mon.out" | tr -d '\r' | grep -av $'\e' || true)
	ppr=$(sed -n 's/.* PPR \(0x[0-9a-f]*\).*/\1/p' <<<"$out" | head -n1)
	[ -n "$ppr" ] || return 0
	for v in $(sed -n 's/^IRR[[:space:]]*//p' <<<"$out" | head -n1); do
		if [[ $v =~ ^[0-9]+$ ]] && (( (v >> 4) > (ppr >> 4) )); then
			echo "$v"
			return 0
		fi
	done
}

# Every 10 s. On the signature, a key press on the emulated PS/2 keyboard
# (shift: no character reaches a tty) makes QEMU's main thread deliver
# IRQ 1, which polls the APIC again on the way: the CPU takes both
# interrupts (leaving a nested guest for them first). Each kick is noted in
# $kickf (the log gets it at the end) and on stderr; it does not fail the
# leg, which is okvm's to fail. A false signature costs one key press.
lostirq_check() {
	local v v2 run
	v=$(lostirq_probe)
	[ -n "$v" ] || return 0
	sleep 1
	v2=$(lostirq_probe)
	[ "$v2" = "$v" ] || return 0
	printf 'sendkey shift\n' 1<>"$mon.in"
	# Early in the boot no test has started yet (no OKVM-RUN line).
	run=$(tr -d '\r' <"$logf" | { grep -a '^OKVM-RUN ' || true; } | tail -n1 | cut -d' ' -f2-)
	echo "OKVM-QEMU-LOSTIRQ at $(( $(date +%s) - start )) s, running ${run:-nothing yet}: vector $v pending in CPU 0's APIC for a second; kicked with a key press" >>"$kickf"
	log "QEMU lost an interrupt (vector $v pending, running ${run:-nothing yet}): kicked"
}

log "booting $kver ($suite suite)"
start=$(date +%s)
# Single-threaded TCG: multi-threaded TCG races code invalidation against
# static-key patching in the guest kernel (see docs/testing.md).
# The "nosvm" suite checks that okvm refuses a CPU without SVM.
case $kver in
*-arm64)
	# EL2 with VHE; the kernel's KVM stays off (kvm-arm.mode=none) so
	# that okvm can own EL2, except in the "ref" suite, which runs the
	# same tests on the kernel's KVM (docs/arm64.md). 3 GiB: the
	# upstream dirty_log_test maps a 1 GiB slot, which Linux's overcommit
	# check refuses in a 1 GiB guest.
	mode="kvm-arm.mode=none"
	[ "$suite" = ref ] && mode=
	timeout "${OKVM_GUEST_TIMEOUT:-2400}" qemu-system-aarch64 \
		-machine virt,virtualization=on,gic-version=3 \
		-cpu max,pauth-impdef=on -accel tcg,thread=single -m 3072 -smp 2 \
		-nographic -no-reboot -kernel "$vmlinuz" -initrd "$initrd" \
		-append "console=ttyAMA0 panic=-1 oops=panic $mode $test_args" \
		</dev/null >"$logf" 2>&1 || true
	;;
*)
	cpu=EPYC,+svm,+npt
	[ "$suite" = nosvm ] && cpu=EPYC,-svm,-npt
	# The qemu suite runs its nested guests on one outer CPU. With two,
	# single-threaded TCG kicks the CPU that runs the nested guest with
	# bare exit requests (the other CPU's interrupts, its 100 ms
	# round-robin timer), and QEMU 7.2 then delivers the interrupt the
	# last VMRUN injected a second time, with the nested guest's IF clear
	# (docs/testing.md): nested Linux deadlocks, on kvm_amd and on okvm.
	smp=2
	[ "$suite" = qemu ] && smp=1
	# The deadline is kept here, not by timeout(1): a guest that missed it
	# is first read through QEMU's monitor (outer_hang_report).
	rm -f "$mon.in" "$mon.out"
	mkfifo "$mon.in" "$mon.out"
	# shellcheck disable=SC2086 # OKVM_QEMU_ARGS: several words
	qemu-system-x86_64 \
		-accel tcg,thread=single -cpu "$cpu" -m 4096 -smp "$smp" \
		-nographic -serial stdio -monitor "pipe:$mon" -no-reboot \
		-kernel "$vmlinuz" -initrd "$initrd" \
		-append "$args" ${OKVM_QEMU_ARGS:-} \
		</dev/null >"$logf" 2>&1 &
	qpid=$!
	# The qemu leg takes about 2 minutes: a hang there must not eat
	# CI's whole budget.
	limit=2400
	[ "$suite" = qemu ] && limit=900
	deadline=$((start + ${OKVM_GUEST_TIMEOUT:-$limit}))
	n=0
	while kill -0 "$qpid" 2>/dev/null; do
		if [ "$(date +%s)" -ge "$deadline" ]; then
			outer_hang_report
			kill "$qpid" 2>/dev/null || true	# it may just have ended
			break
		fi
		sleep 1
		n=$((n + 1))
		if [ $((n % 10)) = 0 ]; then lostirq_check; fi
	done
	wait "$qpid" || true
	rm -f "$mon.in" "$mon.out"
	# After QEMU is gone: it wrote the log at its own offset to the end.
	[ -f "$hangf" ] && sed 's/^/OKVM-HANG /' "$hangf" >>"$logf"
	[ -f "$kickf" ] && cat "$kickf" >>"$logf"
	;;
esac
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
	# The test that was running and the guest's own last line (not the
	# outer QEMU's message about being killed): CI shows only this.
	echo "did not finish after $(( $(date +%s) - start )) s; running: $(tr -d '\r' <"$logf" | grep -a '^OKVM-RUN ' | tail -n1 | cut -d' ' -f2-); last line: $(tr -d '\r' <"$logf" | grep -a . | grep -av '^qemu-system-\|^OKVM-HANG ' | tail -n1 | cut -c1-160)${hang_rips:+; $hang_rips}" >>"$whyf"
	bad=1
fi
# The qemu suite: its nested boots' times, and any counted failure fails.
[ "$suite" = qemu ] && { tr -d '\r' <"$logf" | grep -E '^OKVM-QEMU-(TIME|STOP)' >&2 || true; }
[ "$suite" = qemu ] && awk '$1 != "kvm_amd" && $3 == "FAIL"' "$resf" | grep -q . && { log "a qemu run on okvm failed"; echo "a qemu run on okvm failed" >>"$whyf"; bad=1; }
# Debian's kernel prints "Speculative Return Stack Overflow: WARNING: ..."
# at boot under this CPU model: match real splats only. A WARNING at the
# start of a message is WARN() or lockdep ("WARNING: inconsistent lock
# state", "WARNING: suspicious RCU usage", ...); KFENCE reports as "BUG:",
# an RCU stall as "rcu: INFO: rcu_preempt detected stalls ...".
# kmemleak's own lines are not judged: the debug leg's guest prints the
# okvm-related records it found as OKVM-KMEMLEAK (scripts/guest/run.sh).
splat='(\] |^)WARNING: |BUG:|Oops|rcu: INFO: |KASAN:|UBSAN:|INFO: (possible|trying|suspicious|inconsistent|task .* blocked)|general protection fault|Kernel panic|OKVM-KMEMLEAK:|Slab cache still has objects'
if grep -E "$splat" "$logf" >&2; then
	log "kernel splat in the guest log (above)"
	# The first report and the test that was running: CI shows the
	# tally's end only, so the reason must travel with the failure.
	echo "kernel splat: $(tr -d '\r' <"$logf" | grep -aE "$splat" | head -n1 | cut -c1-200)" >>"$whyf"
	tr -d '\r' <"$logf" | awk -v re="$splat" '
		/^OKVM-RUN / { run = $2 " " $3 }
		$0 ~ re { print "  while running: " (run == "" ? "(no test yet)" : run); exit }' >>"$whyf"
	bad=1
fi
exit $bad
