#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs unit test programs, each in a fresh HOME/XDG_*/TMPDIR, and counts programs.
#
# Usage: tests/run-unit.sh TMPBASE [PROGRAM]...
#   TMPBASE               where the per-program temporary directories go (build/tests)
#   IODBG_TEST_WRAPPER    command prefix for each program (make valgrind sets valgrind)
#   IODBG_TEST_TIMEOUT    seconds before a program counts as failed (default 600)
#
# cmocka prints its own per-case summary for each program (stderr is merged into stdout
# so a log keeps each program's messages together). The last line printed here
# is "N passed, M failed, K skipped" counting test PROGRAMS: a program passes when it
# exits 0, is skipped when it exits 77 (the automake convention), and fails otherwise
# (a failed case, a crash, a sanitizer or valgrind error, a timeout).
# The directory of a failed program is kept for inspection; others are removed.
set -uo pipefail

if [ $# -lt 1 ]; then
	echo "usage: $0 TMPBASE [PROGRAM]..." >&2
	exit 2
fi
tmpbase=$1
shift
read -r -a wrapper <<<"${IODBG_TEST_WRAPPER:-}"
limit=${IODBG_TEST_TIMEOUT:-600}
mkdir -p "$tmpbase" || exit 1

passed=0 failed=0 skipped=0
failures=()
for prog in "$@"; do
	name=$(basename "$prog")
	dir=$(mktemp -d "$tmpbase/$name.XXXXXX") || exit 1
	dir=$(cd "$dir" && pwd)
	mkdir -p "$dir/config" "$dir/cache" "$dir/data" "$dir/state" "$dir/tmp"
	echo "== $name"
	env -u IODBG_TYPEDB -u CMOCKA_XML_FILE \
		HOME="$dir" TMPDIR="$dir/tmp" \
		XDG_CONFIG_HOME="$dir/config" XDG_CACHE_HOME="$dir/cache" \
		XDG_DATA_HOME="$dir/data" XDG_STATE_HOME="$dir/state" \
		CMOCKA_MESSAGE_OUTPUT=stdout LC_ALL=C \
		timeout "$limit" ${wrapper[@]+"${wrapper[@]}"} "$prog" 2>&1
	status=$?
	case $status in
	0)
		passed=$((passed + 1))
		rm -rf "$dir"
		;;
	77)
		skipped=$((skipped + 1))
		echo "-- $name: skipped"
		rm -rf "$dir"
		;;
	124)
		failed=$((failed + 1))
		failures+=("$name (timed out after ${limit}s; files in $dir)")
		;;
	*)
		failed=$((failed + 1))
		failures+=("$name (exit status $status; files in $dir)")
		;;
	esac
done

for f in ${failures[@]+"${failures[@]}"}; do
	echo "FAILED: $f"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
