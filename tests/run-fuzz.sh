#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs each libFuzzer target over its checked-in corpus (tests/fuzz/corpus/NAME/) and the
# seeds built for it beside the binary (BINDIR/seeds/NAME/, e.g. fuzz_dwarf's objects).
#
# Usage: tests/run-fuzz.sh WORKDIR RUNS SECONDS TARGET...
#   RUNS     with SECONDS empty: -seed=1 -runs=RUNS, deterministic (what CI does)
#   SECONDS  a time-bounded exploration instead (make fuzz FUZZ_SECONDS=N)
# New inputs go to WORKDIR, never into the checked-in corpus. A crash is a failure;
# its input is left in WORKDIR. The last line is "N passed, M failed, K skipped".
set -uo pipefail
work=$1 runs=$2 seconds=$3
shift 3
srcdir=$(cd "$(dirname "$0")/fuzz/corpus" && pwd)
passed=0 failed=0 skipped=0
for bin in "$@"; do
	name=$(basename "$bin")
	bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
	corpora=()
	for d in "$srcdir/${name#fuzz_}" "$(dirname "$bin")/seeds/${name#fuzz_}"; do
		[ -d "$d" ] && corpora+=("$d")
	done
	if [ ${#corpora[@]} -eq 0 ]; then
		echo "-- $name: skipped: no corpus at $srcdir/${name#fuzz_}"
		skipped=$((skipped + 1))
		continue
	fi
	mkdir -p "$work"
	out=$(cd "$work" && pwd)/$name
	rm -rf "$out"
	mkdir -p "$out/new"
	if [ -n "$seconds" ]; then
		budget=(-max_total_time="$seconds")
	else
		budget=(-seed=1 -runs="$runs")
	fi
	echo "== $name ${budget[*]}"
	if (cd "$out" && "$bin" "${budget[@]}" -max_len=4096 -rss_limit_mb=2048 -close_fd_mask=3 \
		-print_final_stats=1 "$out/new" "${corpora[@]}") >"$out/log" 2>&1; then
		grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$out/log" | sed 's/^/   /'
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "-- $name: FAILED (input and log in $out)"
		tail -n 40 "$out/log" | sed 's/^/   | /'
	fi
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
