#!/usr/bin/env bash
# Print upstream results on okvm and on kvm_amd side by side, from a
# guest .results file ("<target> <test> <result>" lines), with each test's
# wall time on both from the .times file beside it ("<target> <test>
# <seconds>", when there is one) and the speed ratio kvm_amd time / okvm
# time (above 1: okvm was faster). okvm's own selftest cases
# ("<binary>.<fixture>.<case>": the only names with a dot) and the module
# load/unload results are not upstream tests.
set -euo pipefail
res=${1:?results file}
times=${res%.results}.times
[ -f "$times" ] || times=/dev/null
printf '%-40s %-8s %-8s %9s %9s %6s\n' "upstream test" okvm kvm_amd "okvm s" "kvm_amd s" ratio
# (tests tagged "info" in tests/upstream.list are shown but not counted)
awk -v tf="$times" '{ sub(/@info$/, "", $2) }
     FILENAME == tf { s[$1, $2] = $3; next }
     $2 !~ /^module_|\./ { r[$1, $2] = $3; if (!seen[$2]++) order[n++] = $2 }
     END { for (i = 0; i < n; i++) {
		t = order[i]
		o = ((("okvm", t) in r) ? r["okvm", t] : "-")
		k = ((("kvm_amd", t) in r) ? r["kvm_amd", t] : "-")
		os = ((("okvm", t) in s) ? s["okvm", t] : "-")
		ks = ((("kvm_amd", t) in s) ? s["kvm_amd", t] : "-")
		ratio = (os != "-" && ks != "-" && os > 0) ? sprintf("%.2f", ks / os) : "-"
		printf "%-40s %-8s %-8s %9s %9s %6s\n", t, o, k, os, ks, ratio } }' "$times" "$res"
awk '$2 !~ /^module_|\./ { sub(/@info$/, "", $2); c[$1, $3]++ }
     END {
	   split("okvm kvm_amd", ts, " ")
	   for (i = 1; i <= 2; i++)
		printf "%-8s pass %d, skip %d, fail %d, timeout %d\n", ts[i],
		       c[ts[i], "PASS"], c[ts[i], "SKIP"], c[ts[i], "FAIL"],
		       c[ts[i], "TIMEOUT"] }' "$res"
