#!/usr/bin/env bash
# okvm's arm64 leg on its own (make check runs it too): see leg.sh. Ends
# with the side-by-side table of the upstream arm64 tests and
# "N passed, N failed, N skipped".
. "$(dirname "$0")/../lib.sh"

. "$(dirname "$0")/../tally.sh"
. "$(dirname "$0")/leg.sh"

T0=$(date +%s)
mkdir -p "$OKVM_OUT/logs"
arm64_leg
arm64_side_by_side
tally_end "arm64 leg" "$T0"
