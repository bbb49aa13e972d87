#!/usr/bin/env bash
# make bench: boot the Debian 6.12 test guest once and run okvm's
# benchmarks there on okvm and on in-tree kvm_amd, alternately, round after
# round (scripts/guest/bench.sh); then print each figure's median per
# hypervisor and the ratio okvm speed / kvm_amd speed (> 1: okvm faster),
# one "bench:" line per figure last:
#   bench: <name> okvm <value> kvm_amd <value> <unit> ratio <ratio>
# OKVM_BENCH_ROUNDS (default 3) sets the rounds. The figures are TCG's, on a
# shared host: the host's load is printed beside them.
. "$(dirname "$0")/lib.sh"

# The guest kernel: by default make bench's own (the debug guest's config
# without the detectors, with CONFIG_IDLE_PAGE_TRACKING for
# access_tracking_perf_test and idle-page tracking); OKVM_BENCH_KERNEL=debian
# uses Debian's 6.12, which lacks idle-page tracking, so those rows say
# "not-run" (okvm_bench_kernel in lib.sh).
kver=$(okvm_bench_kernel) || exit 1
log "guest kernel: $kver"
"$OKVM_TOP/scripts/build-tests.sh" >&2
load0=$(cat /proc/loadavg)
OKVM_GUEST_TIMEOUT=${OKVM_GUEST_TIMEOUT:-7200} \
	"$OKVM_TOP/scripts/guest.sh" "$kver" bench >&2 || bad=1
load1=$(cat /proc/loadavg)
log="$OKVM_OUT/logs/$kver-bench.log"
python3 "$OKVM_TOP/scripts/bench_report.py" "$log" "$load0" "$load1" || bad=1
exit ${bad:-0}
