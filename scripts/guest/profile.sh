#!/bin/sh
# okvm's in-guest profiler (busybox sh), sourced by run.sh for the "profile"
# suite: each of make bench's MMU and exit benchmarks runs once under
# "perf record" on okvm, then on kvm_amd, and perf's report (by module,
# then by symbol) is printed while the hypervisor's module is still loaded,
# so that its symbols resolve from /proc/kallsyms. The sampling event is
# cpu-clock (an hrtimer: TCG has no PMU), per task and inherited, so the
# samples are the benchmark's threads only: its vCPUs' time in the guest
# shows up at the host instruction that runs after the guest exits for the
# sampling interrupt (the VMRUN site of okvm or kvm_amd). Sizes are make
# bench's. Output, for scripts/profile.sh:
#   OKVM-PROF-BEGIN <target> <bench>
#   ...the benchmark's figures...
#   OKVM-PROF-SAMPLES total <n> <class> <n>...   (see prof_report)
#   ...the top symbols: samples, share, class, symbol...
#   OKVM-PROF-END <target> <bench> rc=<exit code of the benchmark>
P=/okvm/perf/perf
# bench_wanted() (OKVM_BENCH_ONLY) from make bench's runner, not its rounds.
bench_lib=1
. /okvm/bench.sh
OKVM_PROFILE_TOP=${OKVM_PROFILE_TOP:-45}

# Samples by class, and the top symbols with the module that holds them
# (perf, without the modules' files, files every kernel sample under
# [kernel.kallsyms]; /proc/kallsyms says which module a symbol is in).
# "guest": samples perf took while the vCPU was in the guest; kvm_amd
# tells perf so (they are not host samples), okvm does not, and its
# guest time shows at the first host instruction that takes the interrupt
# after the guest exits: svm_guest_time_mark(), the call that follows STGI
# and STI in svm_vcpu_run(), hence the rename.
prof_report() {
	local total
	total=$("$P" report -i /tmp/perf.data -D 2>/dev/null | grep -c 'PERF_RECORD_SAMPLE')
	awk 'NF == 4 { m = $4; gsub(/[][]/, "", m); print $3, m }' /proc/kallsyms >/tmp/modsyms
	"$P" script -i /tmp/perf.data -F ip,sym,dso 2>/dev/null |
		awk -v total="$total" -v top="$OKVM_PROFILE_TOP" '
		FNR == NR { mod[$1] = $2; next }
		{
			sym = $2; dso = $NF
			if (dso !~ /kernel\.kallsyms/) { cls = "user"; sym = sym " (" dso ")" }
			else if (sym == "svm_guest_time_mark") {
				cls = "guest"; sym = "(in the guest: okvm)"
			}
			else if (sym in mod) cls = mod[sym]
			else cls = "kernel"
			host++; bycls[cls]++; bysym[cls " " sym]++
		}
		END {
			bycls["guest"] += total - host
			if (total > host) bysym["guest (in the guest: kvm_amd)"] += total - host
			printf "OKVM-PROF-SAMPLES total %d", total
			for (c in bycls) printf " %s %d", c, bycls[c]
			printf "\n"
			for (k in bysym) printf "%7d %5.1f%% %s\n", bysym[k], 100 * bysym[k] / total, k | "sort -rn | head -n " top
		}' /tmp/modsyms -
}

prof_one() {	# target bench cmd...
	local target=$1 name=$2 code
	bench_wanted "$name" || return 0
	shift 2
	echo "OKVM-PROF-BEGIN $target $name"
	timeout -s KILL "${OKVM_BENCH_TIMEOUT:-600}" \
		"$P" record -q -e cpu-clock -F 1999 -o /tmp/perf.data -- "$@" \
		</dev/null >/tmp/prof.out 2>&1
	code=$?
	grep -E 'round trip|exit|rate|time|Iteration|Populate|Clear|Get|Enable|Disable|seconds' /tmp/prof.out | head -n 20
	prof_report
	rm -f /tmp/perf.data
	echo "OKVM-PROF-END $target $name rc=$code"
}

# make bench's list (bench_all), each benchmark under perf instead of
# timed, and memslot_perf_test's unmap-chunked case alone.
bench_one() { prof_one "$@"; }
prof_all() {	# target
	bench_all "$1"
	cd "$U" || return
	prof_one "$1" memslot_unmap_chunked ./memslot_perf_test -s 512 -l 2 -f 2 -e 2
	cd /
}

# perf resolves kernel and module symbols through /proc/kallsyms.
echo 0 >/proc/sys/kernel/kptr_restrict
echo -1 >/proc/sys/kernel/perf_event_paranoid
if [ ! -x "$P" ]; then
	result okvm profile FAIL
elif insmod /okvm/okvm.ko; then
	okvm_dev
	kvm_params_overlay_on
	prof_all okvm
	kvm_params_overlay_off
	rm -f /dev/kvm
	rmmod okvm || result okvm module_unload FAIL
	if sh /okvm/kvm/load.sh; then
		prof_all kvm_amd
		rmmod kvm_amd kvm
	else
		result kvm_amd module_load FAIL
	fi
	result okvm profile PASS
else
	result okvm module_load FAIL
fi
