#!/usr/bin/env bash
# make check-debug: okvm under a debug kernel (KASAN, KFENCE, lockdep with
# PROVE_RCU, DEBUG_ATOMIC_SLEEP, DEBUG_LIST, UBSAN, kmemleak, DEBUG_VM,
# DEBUG_OBJECTS; fault injection and KCOV built in for the commands of
# tests/debug.list). Builds the kernel (scripts/build-debug-kernel.sh,
# cached), boots it with suite "debug" of scripts/guest/run.sh:
#   okvm's selftests, the upstream list and tests/debug.list on okvm, a
#   kmemleak scan with okvm loaded and one after it is unloaded;
#   with OKVM_DEBUG_REF=1 also okvm's selftests and the upstream list on
#   kvm_amd (the reference: costs about as much again).
# Fails on any kernel report (KASAN, KFENCE, lockdep, UBSAN, WARNING, BUG,
# an okvm-related kmemleak record), on a guest that does not finish, and
# on any FAIL of what okvm answers for (okvm's selftest cases on either
# hypervisor, the must upstream tests on okvm, debug.* entries, module
# load/unload, the runner's own check). TIMEOUTs are shown, not counted:
# TCG with KASAN is several times slower than the normal leg, which judges
# the upstream tests' times. Per-test limit: OKVM_TEST_TIMEOUT (default
# 120 s x OKVM_DEBUG_TIMEOUT_MULT, default 3).
. "$(dirname "$0")/lib.sh"

T0=$(date +%s)
mkdir -p "$OKVM_OUT/logs"
kver=$("$OKVM_TOP/scripts/build-debug-kernel.sh")
log "debug kernel: $kver"
"$OKVM_TOP/scripts/build-tests.sh" >"$OKVM_OUT/logs/step-build-tests-debug.log" 2>&1 ||
	{ tail -n 30 "$OKVM_OUT/logs/step-build-tests-debug.log" >&2; die "building the tests failed"; }

export OKVM_TEST_TIMEOUT=${OKVM_TEST_TIMEOUT:-$((120 * ${OKVM_DEBUG_TIMEOUT_MULT:-3}))}
export OKVM_GUEST_TIMEOUT=${OKVM_GUEST_TIMEOUT:-14400}
# Every KASAN report, not only the first; readable pointers in reports.
export OKVM_KERNEL_ARGS="kasan_multi_shot no_hash_pointers ${OKVM_KERNEL_ARGS:-}"
grc=0
"$OKVM_TOP/scripts/guest.sh" "$kver" debug || grc=$?

logf="$OKVM_OUT/logs/$kver-debug.log"
resf="$OKVM_OUT/logs/$kver-debug.results"
# What fails the leg: see the header. Upstream tests on kvm_amd (no dot in
# the name) and "info" tests on okvm are shown only.
read -r pass fail skip tmo < <(awk '
	$1 == "kvm_amd" && $2 !~ /\./ { next }
	$2 ~ /@info$/ { next }
	$3 == "PASS" { p++ } $3 == "FAIL" { f++ } $3 == "SKIP" { s++ } $3 == "TIMEOUT" { t++ }
	END { print p + 0, f + 0, s + 0, t + 0 }' "$resf")
awk '$3 == "FAIL" && !($1 == "kvm_amd" && $2 !~ /\./) && $2 !~ /@info$/ { print "  failed: " $1 " " $2 }' "$resf" >&2
awk '$3 == "TIMEOUT" { print "  timeout (not counted): " $1 " " $2 }' "$resf" >&2
log "kernel reports in the log: KASAN $(grep -c 'BUG: KASAN' "$logf"), KFENCE $(grep -c 'BUG: KFENCE' "$logf"), UBSAN $(grep -c 'UBSAN:' "$logf"), lockdep/WARNING $(grep -cE '(\] |^)WARNING: ' "$logf"), BUG $(grep -c 'BUG:' "$logf"), okvm kmemleak records $(grep -c 'OKVM-KMEMLEAK: unreferenced object' "$logf")"
[ "${OKVM_DEBUG_REF:-0}" = 1 ] && "$OKVM_TOP/scripts/side-by-side.sh" "$resf"
log "make check-debug took $(( $(date +%s) - T0 )) s (guest: see above)"
echo "check-debug: $pass passed, $fail failed, $skip skipped, $tmo timed out (not counted)"
[ $grc = 0 ] && [ "$fail" = 0 ]
