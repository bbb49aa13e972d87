#!/usr/bin/env bash
# make profile: where the time of make bench's benchmarks goes, on okvm and
# on kvm_amd in one boot of make bench's guest kernel. Each benchmark runs
# once per hypervisor under the host's own perf (copied into the guest),
# sampling on cpu-clock; the report by module and by symbol is printed per
# run (scripts/guest/profile.sh). It is how a bench row that is not ahead
# gets explained: the share of okvm's own code beside the kernel's shared
# work (GUP, page allocation) and the guest's time. Needs /usr/bin/perf
# (Debian's linux-perf). OKVM_BENCH_KERNEL as for make bench.
. "$(dirname "$0")/lib.sh"

command -v perf >/dev/null || die "make profile needs perf (apt install linux-perf)"
kver=$(okvm_bench_kernel) || exit 1
log "guest kernel: $kver"
"$OKVM_TOP/scripts/build-tests.sh" >&2
OKVM_PERF=$(command -v perf) OKVM_GUEST_TIMEOUT=${OKVM_GUEST_TIMEOUT:-7200} \
	"$OKVM_TOP/scripts/guest.sh" "$kver" profile >&2 || bad=1
tr -d '\r' <"$OKVM_OUT/logs/$kver-profile.log" |
	sed -n '/^OKVM-PROF-BEGIN/,/^OKVM-PROF-END/p'
exit ${bad:-0}
