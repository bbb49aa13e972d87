#!/bin/sh
# okvm's in-guest benchmark runner (busybox sh), sourced by run.sh for the
# "bench" suite so that it shares run.sh's helpers (okvm_dev, the KVM
# parameter overlay, run_one's conventions). For each of OKVM_BENCH_ROUNDS
# rounds (default 3) every benchmark runs on okvm, then on kvm_amd, so the
# two alternate and drift in the host's load hits both alike. Each run's
# output is framed for scripts/bench.sh, which takes the figures out:
#   OKVM-BENCH-BEGIN <target> <bench> <round>
#   ...the benchmark's own output...
#   OKVM-BENCH-END <target> <bench> <round> rc=<exit code>
# Sizes are a quarter of make check's (64 MiB): on a 2-core host shared
# with other work, three rounds of 256 MiB on both took over an hour.
U=/okvm/tests/upstream
V=/okvm/tests/vmm/okvm-vmm
rounds=${OKVM_BENCH_ROUNDS:-3}

# OKVM_BENCH_ONLY (comma separated benchmark names): run only those.
bench_wanted() {	# bench
	[ -z "${OKVM_BENCH_ONLY:-}" ] && return 0
	case ",$OKVM_BENCH_ONLY," in *",$1,"*) return 0 ;; esac
	return 1
}

bench_one() {	# target bench cmd...
	local target=$1 name=$2 code
	if ! bench_wanted "$name"; then
		echo "OKVM-BENCH-NOTRUN $name not in OKVM_BENCH_ONLY"
		return 0
	fi
	shift 2
	echo "OKVM-BENCH-BEGIN $target $name $round"
	timeout -s KILL "${OKVM_BENCH_TIMEOUT:-600}" "$@" </dev/null 2>&1
	code=$?
	echo "OKVM-BENCH-END $target $name $round rc=$code"
}

# The benchmarks, on whichever hypervisor /dev/kvm is now.
bench_all() {	# target
	local t=$1
	bench_one "$t" vmm "$V" --dev /dev/kvm --no-load --age-bench 64
	cd "$U" || return
	bench_one "$t" demand_paging ./demand_paging_test -b 64M
	bench_one "$t" dirty_log_perf ./dirty_log_perf_test -b 64M
	bench_one "$t" memslot_perf ./memslot_perf_test -s 512 -l 2 -e 4
	bench_one "$t" kvm_page_table ./kvm_page_table_test -b 64M
	if ! bench_wanted access_tracking; then
		echo "OKVM-BENCH-NOTRUN access_tracking not in OKVM_BENCH_ONLY"
	elif [ -e /sys/kernel/mm/page_idle/bitmap ]; then
		bench_one "$t" access_tracking ./access_tracking_perf_test -b 64M
	else
		# The debug kernel (make check-debug) has it, but its
		# KASAN/lockdep/KCOV timings say nothing about either MMU.
		echo "OKVM-BENCH-NOTRUN access_tracking no /sys/kernel/mm/page_idle/bitmap: $(uname -r) lacks CONFIG_IDLE_PAGE_TRACKING (make bench's own kernel has it; OKVM_BENCH_KERNEL=debian does not)"
	fi
	cd /
}

# Sourced by profile.sh for its functions only.
[ -n "${bench_lib:-}" ] && return 0

echo "OKVM-BENCH-LOAD $(cat /proc/loadavg)"
round=1
while [ "$round" -le "$rounds" ]; do
	if insmod /okvm/okvm.ko; then
		okvm_dev
		kvm_params_overlay_on
		bench_all okvm
		kvm_params_overlay_off
		rm -f /dev/kvm
		rmmod okvm || result okvm module_unload FAIL
	else
		result okvm module_load FAIL
	fi
	if sh /okvm/kvm/load.sh; then
		bench_all kvm_amd
		rmmod kvm_amd kvm
	else
		result kvm_amd module_load FAIL
	fi
	round=$((round + 1))
done
result okvm bench PASS
