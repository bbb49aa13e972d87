#!/usr/bin/env bash
# okvm's one test command (make check; CI's .ci/run calls it).
#
#  1. host tools and Debian's 6.12 and 6.1 kernels into the cache;
#  2. okvm.ko for both kernels (warnings fail) and a DKMS build for both;
#  3. the KUnit suites under UML (kunit.py);
#  4. the test binaries (okvm's selftests, upstream KVM selftests);
#  5. a 6.12 guest: okvm's selftests, the upstream list on okvm and, as
#     the reference, on in-tree kvm_amd in the same boot;
#     a 6.1 guest: okvm loads, passes its selftests and unloads;
#  6. the side-by-side table, then "N passed, N failed, N skipped".
#
# A result counts when okvm's code is under test: KUnit cases, okvm's
# selftests (against okvm and against kvm_amd, since they must hold for
# both), the upstream tests on okvm, module load/unload, the builds.
# Upstream tests on kvm_amd are the reference and are only shown.
. "$(dirname "$0")/lib.sh"

T0=$(date +%s)
pass=0 fail=0 skip=0
failed=()
count() {	# name result
	case $2 in
	PASS) pass=$((pass + 1)) ;;
	SKIP) skip=$((skip + 1)) ;;
	*) fail=$((fail + 1)); failed+=("$1: $2") ;;
	esac
}
step() {	# name cmd...: one countable step, output to a log
	local name=$1 lf
	shift
	lf="$OKVM_OUT/logs/step-$name.log"
	if "$@" >"$lf" 2>&1; then
		count "$name" PASS
	else
		count "$name" FAIL
		tail -n 30 "$lf" >&2
	fi
}

mkdir -p "$OKVM_OUT/logs"
eval "$("$OKVM_TOP/scripts/fetch.sh")"
log "kernels: $KVER_612 and $KVER_61"

for k in "$KVER_612" "$KVER_61"; do
	step "build-$k" "$OKVM_TOP/scripts/build-module.sh" "$k"
	step "dkms-$k" "$OKVM_TOP/scripts/dkms-check.sh" "$k"
done

log "KUnit under UML"
klog="$OKVM_OUT/logs/kunit.log"
krc=0
"$OKVM_TOP/scripts/kunit.sh" >"$klog" 2>&1 || krc=$?
summary=$(grep -E 'Testing complete\. Ran [0-9]+ tests' "$klog" | tail -n1 || true)
if [ -z "$summary" ]; then
	tail -n 40 "$klog" >&2
	count kunit FAIL
else
	log "KUnit: ${summary#*] }"
	kp=$(sed -nE 's/.*passed: ([0-9]+).*/\1/p' <<<"$summary")
	kf=$(sed -nE 's/.*failed: ([0-9]+).*/\1/p' <<<"$summary")
	ks=$(sed -nE 's/.*skipped: ([0-9]+).*/\1/p' <<<"$summary")
	pass=$((pass + ${kp:-0})); fail=$((fail + ${kf:-0})); skip=$((skip + ${ks:-0}))
	[ "${kf:-0}" = 0 ] || failed+=("kunit: ${kf} failed")
	# A splat or a crash without failed cases still fails the run.
	if [ $krc != 0 ] && [ "${kf:-0}" = 0 ]; then
		grep -E 'WARNING:|BUG:|INFO:|KASAN:|UBSAN:|Oops' "$klog" | head -n 20 >&2 || true
		count kunit-kernel-log FAIL
	fi
fi

step build-tests "$OKVM_TOP/scripts/build-tests.sh"

guest() {	# kver suite
	local grc=0 t name res
	"$OKVM_TOP/scripts/guest.sh" "$1" "$2" || grc=$?
	while read -r t name res; do
		# Upstream tests on kvm_amd are the reference: shown, not counted.
		# okvm's selftest cases ("<binary>.<fixture>.<case>", the only
		# names with a dot) count on both.
		if [ "$t" = kvm_amd ] && [[ $name != *.* ]]; then
			continue
		fi
		# Upstream tests tagged "info" in tests/upstream.list: shown only.
		[[ $name == *@info ]] && { info[$res]=$(( ${info[$res]:-0} + 1 )); continue; }
		count "$1/$t/$name" "$res"
	done <"$OKVM_OUT/logs/$1-$2.results"
	[ $grc = 0 ] || count "$1-$2-guest" FAIL
}
declare -A info=()
guest "$KVER_612" full
guest "$KVER_61" smoke
guest "$KVER_612" nosvm
log "upstream tests tagged info on okvm (not counted): pass ${info[PASS]:-0}, skip ${info[SKIP]:-0}, fail ${info[FAIL]:-0}, timeout ${info[TIMEOUT]:-0}"

"$OKVM_TOP/scripts/side-by-side.sh" "$OKVM_OUT/logs/$KVER_612-full.results"

if [ ${#failed[@]} -gt 0 ]; then
	log "failed:"
	printf '  %s\n' "${failed[@]}" >&2
fi
log "make check took $(( $(date +%s) - T0 )) s"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
