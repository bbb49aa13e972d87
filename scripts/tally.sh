# shellcheck shell=bash
# The counting of a test leg (scripts/check.sh, scripts/arm64/check.sh):
# what passed, failed and was skipped, and the final line
# "N passed, N failed, N skipped". Sourced after lib.sh, not run.

pass=0 fail=0 skip=0
failed=()
declare -A info=()	# upstream tests tagged "info": shown, not counted

count() {	# name result
	case $2 in
	PASS) pass=$((pass + 1)) ;;
	SKIP) skip=$((skip + 1)) ;;
	*) fail=$((fail + 1)); failed+=("$1: $2") ;;
	esac
}

# One countable step, its output in $OKVM_OUT/logs/step-<name>.log.
step() {	# name cmd...
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

# Count the cases of a kunit.py run from its log. A splat or a crash
# without failed cases (kunit.sh's exit code) still fails the run.
count_kunit() {	# log name rc
	local summary kp kf ks
	summary=$(grep -E 'Testing complete\. Ran [0-9]+ tests' "$1" | tail -n1 || true)
	if [ -z "$summary" ]; then
		tail -n 40 "$1" >&2
		count "$2" FAIL
		return
	fi
	log "KUnit: ${summary#*] }"
	kp=$(sed -nE 's/.*passed: ([0-9]+).*/\1/p' <<<"$summary")
	kf=$(sed -nE 's/.*failed: ([0-9]+).*/\1/p' <<<"$summary")
	ks=$(sed -nE 's/.*skipped: ([0-9]+).*/\1/p' <<<"$summary")
	pass=$((pass + ${kp:-0})); fail=$((fail + ${kf:-0})); skip=$((skip + ${ks:-0}))
	[ "${kf:-0}" = 0 ] || failed+=("$2: ${kf} failed")
	if [ "$3" != 0 ] && [ "${kf:-0}" = 0 ]; then
		grep -E 'WARNING:|BUG:|INFO:|KASAN:|UBSAN:|Oops' "$1" | head -n 20 >&2 || true
		count "$2-kernel-log" FAIL
	fi
}

# Count a guest run's "<target> <test> <result>" lines. Upstream tests on
# the reference hypervisor (@ref) are shown, not counted; okvm's selftest
# cases ("<binary>.<fixture>.<case>", the only names with a dot) count on
# both, as they test KVM's behaviour, except its fuzzers (*fuzz_test.*). A guest that did not finish (@grc
# non-zero) fails as @guestname.
count_guest() {	# results ref prefix grc guestname
	local t name res
	while read -r t name res; do
		if [ "$t" = "$2" ] && [[ $name != *.* ]]; then
			continue
		fi
		# okvm's fuzzers on the reference: random programs find the
		# reference's own quirks (kvm_amd under TCG once returned -EIO
		# from KVM_RUN): shown in the log, not counted.
		if [ "$t" = "$2" ] && [[ $name == *fuzz_test.* ]]; then
			continue
		fi
		[[ $name == *@info ]] && { info[$res]=$(( ${info[$res]:-0} + 1 )); continue; }
		count "$3/$t/$name" "$res"
	done <"$1"
	[ "$4" = 0 ] || count "$5" FAIL
	# guest.sh's reason, on the failure's own line of the final list.
	if [ "$4" != 0 ] && [ -s "${1%.results}.why" ]; then
		failed[-1]+=" ($(paste -sd' ' "${1%.results}.why"))"
	fi
}

# The end of a leg: what failed, the time, the final line; fails if any.
tally_end() {	# what (e.g. "make check")  start-seconds
	if [ ${#failed[@]} -gt 0 ]; then
		log "failed:"
		printf '  %s\n' "${failed[@]}" >&2
	fi
	log "$1 took $(( $(date +%s) - $2 )) s"
	echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" = 0 ]
}
