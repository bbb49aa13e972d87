#!/usr/bin/env bash
# Print upstream results on okvm and on kvm_amd side by side, from a
# guest .results file ("<target> <test> <result>" lines). okvm's own
# selftest cases ("<binary>.<fixture>.<case>": the only names with a dot)
# and the module load/unload results are not upstream tests.
set -euo pipefail
res=${1:?results file}
printf '%-40s %-8s %-8s\n' "upstream test" okvm kvm_amd
# (tests tagged "info" in tests/upstream.list are shown but not counted)
awk '$2 !~ /^module_|\./ { sub(/@info$/, "", $2); r[$1, $2] = $3; if (!seen[$2]++) order[n++] = $2 }
     END { for (i = 0; i < n; i++) {
		t = order[i]
		o = ((("okvm", t) in r) ? r["okvm", t] : "-")
		k = ((("kvm_amd", t) in r) ? r["kvm_amd", t] : "-")
		printf "%-40s %-8s %-8s\n", t, o, k } }' "$res"
awk '$2 !~ /^module_|\./ { sub(/@info$/, "", $2); c[$1, $3]++ }
     END {
	   split("okvm kvm_amd", ts, " ")
	   for (i = 1; i <= 2; i++)
		printf "%-8s pass %d, skip %d, fail %d, timeout %d\n", ts[i],
		       c[ts[i], "PASS"], c[ts[i], "SKIP"], c[ts[i], "FAIL"],
		       c[ts[i], "TIMEOUT"] }' "$res"
