#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# End-to-end tests of the built binary (tests/cli/).
#
# Usage: tests/run-cli.sh BIN TMPBASE TYPEDB [TEST]...
#   NAME.iodbg   a script run as `iodbg $(cat NAME.args || echo -q) -x NAME.iodbg` in a
#                fresh directory; stdout must equal NAME.out, stderr NAME.err (empty when
#                the file is absent), the exit status NAME.status (0 when absent).
#                NAME.stdin, when present, is its standard input.
#   NAME.sh      a shell test: run with BIN, TESTDIR (the source folder) and CLI_TYPEDB
#                set, in a fresh directory; exit 0 passes, 77 skips (it prints why).
# Each test gets its own HOME and XDG_* directories. IODBG_TYPEDB points at TYPEDB, the
# compiled tests/cli/types, so scripts say `load cli`. IODBG_TEST_WRAPPER prefixes the
# binary (valgrind). The last line is "N passed, M failed, K skipped".
set -uo pipefail

bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmpbase=$2
typedb=$(cd "$3" && pwd)
shift 3
srcdir=$(cd "$(dirname "$0")/cli" && pwd)
read -r -a wrapper <<<"${IODBG_TEST_WRAPPER:-}"
mkdir -p "$tmpbase"
tmpbase=$(cd "$tmpbase" && pwd)

tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
	for f in "$srcdir"/*.iodbg "$srcdir"/*.sh; do
		[ -e "$f" ] && tests+=("$f")
	done
fi

passed=0 failed=0 skipped=0
failures=()
for t in "${tests[@]}"; do
	t=$(cd "$(dirname "$t")" && pwd)/$(basename "$t")
	base=$(basename "$t")
	name=${base%.*}
	dir=$(mktemp -d "$tmpbase/$name.XXXXXX")
	mkdir -p "$dir/home" "$dir/config" "$dir/cache" "$dir/data" "$dir/state"
	envs=(HOME="$dir/home" XDG_CONFIG_HOME="$dir/config" XDG_CACHE_HOME="$dir/cache"
	      XDG_DATA_HOME="$dir/data" XDG_STATE_HOME="$dir/state" IODBG_TYPEDB="$typedb"
	      LC_ALL=C NO_COLOR=1)
	case $base in
	*.sh)
		(cd "$dir" && env "${envs[@]}" BIN="$bin" TESTDIR="$srcdir" CLI_TYPEDB="$typedb" \
			IODBG_TEST_WRAPPER="${IODBG_TEST_WRAPPER:-}" bash "$t") >"$dir/log" 2>&1
		st=$?
		if [ $st -eq 0 ]; then
			passed=$((passed + 1))
		elif [ $st -eq 77 ]; then
			skipped=$((skipped + 1))
			echo "-- $name: skipped: $(tail -n 1 "$dir/log")"
		else
			failed=$((failed + 1))
			failures+=("$name")
			echo "-- $name: FAILED (exit $st)"
			sed 's/^/   | /' "$dir/log" | tail -n 40
		fi
		;;
	*.iodbg)
		cp "$t" "$dir/$base"
		args=(-q)
		[ -f "$srcdir/$name.args" ] && read -r -a args <"$srcdir/$name.args"
		input=/dev/null
		[ -f "$srcdir/$name.stdin" ] && input="$srcdir/$name.stdin"
		(cd "$dir" && env "${envs[@]}" timeout 120 ${wrapper[@]+"${wrapper[@]}"} "$bin" \
			"${args[@]}" -x "$base" <"$input" >"$dir/stdout" 2>"$dir/stderr")
		st=$?
		want_st=0
		[ -f "$srcdir/$name.status" ] && want_st=$(cat "$srcdir/$name.status")
		want_err=/dev/null
		[ -f "$srcdir/$name.err" ] && want_err="$srcdir/$name.err"
		ok=1
		if ! diff -u "$srcdir/$name.out" "$dir/stdout" >"$dir/diff.out"; then ok=0; fi
		if ! diff -u "$want_err" "$dir/stderr" >"$dir/diff.err"; then ok=0; fi
		[ "$st" = "$want_st" ] || ok=0
		if [ $ok -eq 1 ]; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
			failures+=("$name")
			echo "-- $name: FAILED (exit $st, wanted $want_st)"
			sed 's/^/   | /' "$dir/diff.out" "$dir/diff.err" | head -n 60
		fi
		;;
	esac
done

for f in ${failures[@]+"${failures[@]}"}; do
	echo "FAILED: cli/$f (files in $tmpbase)"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
