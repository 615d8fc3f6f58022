#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the DWARF fixtures at test time in every variant and compares what iodbg loads
# from each with pahole, pyelftools and the compiler (tests/tools/compare_layouts.py).
#
# Usage: tests/tools/run-dwarf-compare.sh OUTDIR DUMP_LAYOUTS TYPEDB_DIR
#   OUTDIR        where fixtures are built (build/tests/dwarf); emptied first
#   DUMP_LAYOUTS  the dump_layouts program (built with libiodbg)
#   TYPEDB_DIR    the stock type library objects (build/typedb)
#   IODBG_TEST_WRAPPER  command prefix for dump_layouts (make valgrind sets valgrind)
#
# One line per case; a skipped case says why. The last line is
# "N passed, M failed, K skipped", counting cases.
set -uo pipefail

if [ $# -ne 3 ]; then
	echo "usage: $0 OUTDIR DUMP_LAYOUTS TYPEDB_DIR" >&2
	exit 2
fi
out=$1
dump=$2
typedb=$3
here=$(cd "$(dirname "$0")" && pwd)
fix=$(cd "$here/../fixtures/dwarf" && pwd)
compare=$here/compare_layouts.py
python=/usr/bin/python3

rm -rf "$out"
mkdir -p "$out" || exit 1
out=$(cd "$out" && pwd)
# rustup finds its toolchains from HOME, which is about to change.
real_home=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
export RUSTUP_HOME=${RUSTUP_HOME:-$real_home/.rustup} CARGO_HOME=${CARGO_HOME:-$real_home/.cargo}
# Every file a case makes stays under OUTDIR, the index cache included.
export HOME=$out/home XDG_CACHE_HOME=$out/home/cache TMPDIR=$out/tmp
mkdir -p "$HOME" "$TMPDIR"

passed=0 failed=0 skipped=0
failures=()

pass() { passed=$((passed + 1)); echo "PASS: $1"; }
skip() { skipped=$((skipped + 1)); echo "SKIP: $1: $2"; }
failed_case() {
	failed=$((failed + 1))
	failures+=("$1")
	echo "FAIL: $1"
	sed 's/^/    /' "$out/$1.log"
}

# run NAME COMMAND...: a case passes when COMMAND exits 0; its output goes to NAME.log.
run() {
	local name=$1
	shift
	if "$@" >"$out/$name.log" 2>&1; then
		pass "$name"
	else
		failed_case "$name"
	fi
}

# build NAME COMMAND...: a build step of a case; a failure fails the case.
build() {
	local name=$1
	shift
	if ! "$@" >"$out/$name.log" 2>&1; then
		failed_case "$name"
		return 1
	fi
}

for tool in pahole gcc objcopy; do
	if ! command -v $tool >/dev/null; then
		skip "everything" "$tool is not installed (make deps)"
		echo "$passed passed, $failed failed, $skipped skipped"
		exit 0
	fi
done
if ! $python -c 'import elftools' 2>/dev/null; then
	skip "everything" "python3-pyelftools is not installed (make deps)"
	echo "$passed passed, $failed failed, $skipped skipped"
	exit 0
fi

cmp() { $python "$compare" --dump "$dump" --cache-dir "$out/cache" "$@"; }

# --- C: one object per DWARF flavour ------------------------------------------------------
# NAME:COMPILER[:ORACLE]: ORACLE names an earlier case whose object pyelftools reads
# instead (it cannot relocate .zdebug sections); same compiler and flags, same layouts.
objects=(
	"dwarf2:gcc -gdwarf-2"
	"dwarf3:gcc -gdwarf-3"
	"dwarf4:gcc -gdwarf-4"
	"dwarf5:gcc -gdwarf-5"
	"gz-zlib:gcc -gdwarf-5 -gz=zlib"
	"gz-zlib-gnu:gcc -gdwarf-4 -gz=zlib-gnu:dwarf4"
	"O2:gcc -gdwarf-5 -O2"
)
if command -v clang >/dev/null; then
	objects+=("clang-dwarf4:clang -gdwarf-4" "clang-dwarf5:clang -gdwarf-5")
else
	skip "c-obj-clang" "clang is not installed"
fi
for spec in "${objects[@]}"; do
	IFS=: read -r flavour cc oracle <<<"$spec"
	name=c-obj-$flavour
	obj=$out/$name.o
	ref=$obj
	[ -n "$oracle" ] && ref=$out/c-obj-$oracle.o
	build "$name" $cc -c -o "$obj" "$fix/kinds.c" || continue
	run "$name" cmp --load "$obj" --pahole "$obj" --pyelftools "$ref" --enum-src "$fix/kinds.c" \
		--twice
done

# --- C: linked executables of several units -----------------------------------------------
units=("$fix/kinds.c" "$fix/units_a.c" "$fix/units_b.c")
for v in 2 4 5; do
	name=c-exe-dwarf$v
	exe=$out/$name
	build "$name" gcc -gdwarf-$v -o "$exe" "${units[@]}" || continue
	run "$name" cmp --load "$exe" --pahole "$exe" --pyelftools "$exe" --twice
done

# Type units: pahole and pyelftools cannot read them, so the oracle is the same
# program built without -fdebug-types-section (same compiler, same layouts).
for v in 4 5; do
	name=c-exe-types-dwarf$v
	exe=$out/$name
	build "$name" gcc -gdwarf-$v -fdebug-types-section -o "$exe" "${units[@]}" || continue
	run "$name" cmp --load "$exe" --pahole "$out/c-exe-dwarf$v"
done

name=c-exe-gz
exe=$out/$name
if build "$name" gcc -gdwarf-5 -gz -o "$exe" "${units[@]}"; then
	run "$name" cmp --load "$exe" --pahole "$exe" --pyelftools "$exe"
fi

# Stripped, with .gnu_debuglink to a separate debug file: iodbg must read that file.
name=c-debuglink
exe=$out/$name
if build "$name" gcc -gdwarf-5 -o "$exe" "${units[@]}" &&
	build "$name" objcopy --only-keep-debug "$exe" "$exe.debug" &&
	build "$name" objcopy --strip-debug --add-gnu-debuglink="$exe.debug" "$exe" "$exe.stripped"; then
	# pyelftools cannot apply an --only-keep-debug file's relocations: it reads the original.
	run "$name" cmp --load "$exe.stripped" --expect-read "$exe.debug" --pahole "$exe.debug" \
		--pyelftools "$exe"
fi

# Many units with the same types: the threaded paths (fingerprints of many copies, the
# scan and the relocation split between threads) and, from the cache, lazy relocation.
name=c-many-units
dir=$out/$name.d
mkdir -p "$dir"
ok=1
for i in $(seq -w 0 47); do
	printf '#define KINDS_NO_VARS\n#include "%s/kinds.c"\nint unit%s;\n' "$fix" "$i" >"$dir/u$i.c"
	build "$name" gcc -gdwarf-5 -fno-eliminate-unused-debug-types -c -o "$dir/u$i.o" \
		"$dir/u$i.c" || { ok=0; break; }
done
if [ $ok = 1 ] && build "$name" ld -r -o "$out/$name.o" "$dir"/u*.o; then
	run "$name" cmp --load "$out/$name.o" --pahole "$out/$name.o" --pyelftools "$out/$name.o" \
		--twice
fi

# --- Rust -----------------------------------------------------------------------------------
# Under make -j, rustc would try to join make's jobserver.
unset MAKEFLAGS MFLAGS
rustc=$(command -v rustc || true)
if [ -z "$rustc" ]; then
	home=$(getent passwd "$(id -u)" | cut -d: -f6)
	[ -x "$home/.cargo/bin/rustc" ] && rustc=$home/.cargo/bin/rustc
fi
if [ -z "$rustc" ]; then
	skip "rust" "rustc is not installed (PATH, ~/.cargo/bin)"
else
	name=rust-dwarf4
	obj=$out/$name.o
	if build "$name" "$rustc" -g --emit=obj --crate-type=lib -o "$obj" "$fix/rust_types.rs"; then
		run "$name" cmp --load "$obj" --pyelftools "$obj" --twice
	fi
	name=rust-dwarf5
	obj=$out/$name.o
	if "$rustc" -C dwarf-version=5 --print sysroot >/dev/null 2>&1; then
		if build "$name" "$rustc" -g -C dwarf-version=5 --emit=obj --crate-type=lib \
			-o "$obj" "$fix/rust_types.rs"; then
			run "$name" cmp --load "$obj" --pyelftools "$obj"
		fi
	else
		skip "$name" "$("$rustc" --version 2>&1 | head -1) cannot emit DWARF 5 (-C dwarf-version needs 1.88)"
	fi
fi

# --- the stock type library ----------------------------------------------------------------
for obj in "$typedb"/*.o; do
	[ -e "$obj" ] || { skip "typedb" "no objects in $typedb"; break; }
	t=$(basename "$obj" .o)
	run "typedb-$t" cmp --load "$obj" --pahole "$obj" --pyelftools "$obj" \
		--enum-src "$here/../../typedb/$t.h"
done

for f in ${failures[@]+"${failures[@]}"}; do
	echo "FAILED: $f (log in $out/$f.log)"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
