#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make bench: iodbg beside the peers installed here (pahole, gdb, drgn, dd, cp), measured in
# the same run, printed as one table (medians of BENCH_RUNS runs, min–max, peak RSS, ratios)
# and written to OUTDIR/last.md; a full run also updates tests/bench/last.md.
#
# Usage: tests/bench/run.sh IODBG OUTDIR
#   BENCH_RUNS   runs per figure (default 5; the start-up rows run 4 times as many)
#   BENCH_ONLY   comma-separated sections to run: types,reads,startup,dump,copy (default: all)
#   BENCH_INPUTS the debug files of the type-load rows (default: vmlinux amdgpu.ko nouveau.ko
#                virtio_pci.ko)
# A run with fewer than 5 runs, some sections or some inputs does not touch tests/bench/last.md.
# Needs `make bench-deps` for the peers and the kernel debug package; what is missing is
# printed as such, never measured.
set -euo pipefail

if [ $# -ne 2 ]; then
	echo "usage: $0 IODBG OUTDIR" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=$(mkdir -p "$2" && cd "$2" && pwd)
runs=${BENCH_RUNS:-5}
all=types,reads,startup,dump,copy
only=${BENCH_ONLY:-$all}
all_inputs="vmlinux amdgpu.ko nouveau.ko virtio_pci.ko"
inputs=${BENCH_INPUTS:-$all_inputs}
py=/usr/bin/python3
reads=200000

# Everything a run makes is under $run; the struct picks (a full pahole pass each) are kept.
run=$out/run
rm -rf "$run" "$out/results.tsv" "$out/meta.tsv"
mkdir -p "$run/home" "$out/picks"
results=$out/results.tsv
meta=$out/meta.tsv
: >"$results"
# A copy: other builds may replace build/iodbg while this runs.
cp "$1" "$run/iodbg"
iodbg=$run/iodbg
gcc -O2 -Wall -Wextra -Werror -o "$run/runone" "$here/runone.c"
export HOME=$run/home XDG_CONFIG_HOME=$run/home/config XDG_DATA_HOME=$run/home/data \
	XDG_STATE_HOME=$run/home/state XDG_CACHE_HOME=$run/home/cache
# No network: gdb and drgn would ask debuginfod servers for the files' build-ids.
unset DEBUGINFOD_URLS

M() { $py "$here/measure.py" run --results "$results" --runner "$run/runone" --runs "$runs" "$@"; }
note() { $py "$here/measure.py" note --results "$results" "$@"; }
meta() { printf '%s\t%s\n' "$1" "$2" >>"$meta"; }
have() { command -v "$1" >/dev/null 2>&1; }
have_drgn() { $py -c 'import drgn' 2>/dev/null; }
want() { [[ ",$only," == *",$1,"* ]]; }
version() { "$@" 2>&1 | head -n 1 || true; }

# --- the machine and the tools ----------------------------------------------------------------
meta title "iodbg beside its peers (make bench)"
meta date "$(date -u '+%Y-%m-%d %H:%M UTC')"
meta machine "$(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM, Linux $(uname -r)"
meta "load average at the start" "$(cut -d' ' -f1-3 /proc/loadavg) (other builds may run on this machine: medians are reported)"
meta iodbg "$("$iodbg" -V 2>&1 | head -n 1), tree $(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)"
tools="pahole $(have pahole && pahole --version || echo 'not installed')"
tools+="; $(have gdb && version gdb --version || echo 'gdb not installed')"
tools+="; drgn $(have_drgn && $py -c 'import drgn; print(drgn.__version__)' || echo 'not installed')"
tools+=" ($(version $py --version))"
tools+="; $(version dd --version) (dd, cp)"
tools+="; $(version gcc --version)"
meta tools "$tools"
pkg=$(dpkg-query -W -f '${Version}\n' linux-image-amd64-dbg 2>/dev/null | head -n 1 || true)
meta "kernel debug package" "$([ -n "$pkg" ] && echo "linux-image-amd64-dbg $pkg" || echo "not installed (make bench-deps)")"
meta "runs" "$runs per figure (start-up rows: $((4 * runs)), after 2 untimed runs)"

echo "make bench: $runs runs per figure, sections $only; work in $run"

# --- type load: iodbg ptype vs pahole, gdb, drgn on the kernel debug package -------------------
# pick_structs FILE: the first and the last struct pahole prints (in DWARF order) whose name
# it prints once, kept in $out/picks by file, size and mtime.
pick_key() { echo "$out/picks/$(basename "$1").$(stat -c '%s.%Y' "$1")"; }
pick_structs() {
	local f=$1 key
	key=$(pick_key "$f")
	if [ ! -s "$key" ]; then
		pahole -F dwarf --sizes --structs "$f" 2>/dev/null | cut -f1 >"$key.names"
		awk 'NR == FNR { n[$1]++; next } n[$1] == 1 { if (!first) first = $1; last = $1 }
			END { print first, last }' "$key.names" "$key.names" >"$key"
		rm -f "$key.names"
	fi
	cat "$key"
}

section_types() {
	local vmlinux version label f first last pos name q ok
	meta section "types Type load: \`iodbg ptype struct X FILE\` (cold: empty cache; warm: cache present) vs pahole -F dwarf -C X, gdb -batch -ex 'ptype/o struct X', drgn load_debug_info + prog.type()"
	vmlinux=$(find /usr/lib/debug/boot -name 'vmlinux-*' 2>/dev/null | sort -V | tail -n 1 || true)
	version=${vmlinux##*/vmlinux-}
	for label in $inputs; do
		f=
		if [ -n "$vmlinux" ]; then
			if [ "$label" = vmlinux ]; then
				f=$vmlinux
			else
				f=$(find "/usr/lib/debug/lib/modules/$version" -name "$label" -print -quit 2>/dev/null || true)
			fi
		fi
		if [ -z "$f" ]; then
			note --section types --case "$label" --tool "every tool" --role peer \
				--status "input not installed (make bench-deps)"
			continue
		fi
		if ! have pahole && [ ! -s "$(pick_key "$f")" ]; then
			note --section types --case "$label" --tool "pahole (it picks the structs)" --role peer \
				--status "not installed"
			continue
		fi
		read -r first last < <(pick_structs "$f")
		# Same page cache for everyone: the file is read once before any timing.
		cat "$f" >/dev/null
		for q in "first:$first" "last:$last" "absent:iodbg_bench_absent"; do
			pos=${q%%:*} name=${q#*:}
			ok=(--ok 0 --nonempty)
			[ "$pos" = absent ] && ok=(--ok nocrash)
			local c="$label: struct $name ($pos)"
			M --section types --case "$c" --tool "iodbg ptype, cold" --role iodbg \
				"${ok[@]}" --fresh "$run/cache" --env "XDG_CACHE_HOME=$run/cache" \
				--stdout "$run/ptype.out" -- "$iodbg" ptype "struct $name" "$f"
			# The last cold run left the cache.
			M --section types --case "$c" --tool "iodbg ptype, warm" --role iodbg-warm \
				"${ok[@]}" --env "XDG_CACHE_HOME=$run/cache" \
				--stdout "$run/ptype.out" -- "$iodbg" ptype "struct $name" "$f"
			if have pahole; then
				M --section types --case "$c" --tool "pahole -F dwarf -C" --role peer \
					"${ok[@]}" --stdout "$run/pahole.out" -- pahole -F dwarf -C "$name" "$f"
			else
				note --section types --case "$c" --tool pahole --role peer --status "not installed"
			fi
			if have gdb; then
				M --section types --case "$c" --tool "gdb -batch ptype/o" --role peer \
					"${ok[@]}" --stdout "$run/gdb.out" -- \
					gdb -batch -nx -ex "ptype/o struct $name" "$f"
			else
				note --section types --case "$c" --tool gdb --role peer --status "not installed"
			fi
			if have_drgn; then
				M --section types --case "$c" --tool "drgn" --role peer \
					"${ok[@]}" --stdout "$run/drgn.out" -- \
					$py "$here/drgn_type.py" "$f" "struct $name"
			else
				note --section types --case "$c" --tool drgn --role peer --status "not installed"
			fi
		done
	done
	rm -rf "$run/cache"
	meta note "Type load: the structs are the first and the last struct \`pahole -F dwarf --sizes --structs\` lists (DWARF order) among the names it lists once; \`absent\` is a full search that finds nothing. Cold = an empty iodbg cache before every run; the input file is read once beforehand, so every tool (and iodbg cold and warm) runs with the same warm page cache. pahole runs with \`-F dwarf\`, so it cannot answer from the kernel's BTF. drgn has no persistent index: one figure, compared with iodbg cold and warm."
	meta note "In the last column, \`cold 7×\` means the tool took 7 times as long as iodbg cold (above 1: iodbg is faster); \`RSS 0.5×\` is iodbg cold's peak RSS over the tool's (below 1: iodbg needs less). Issue 3's targets: cold ≥ 5× pahole, faster than gdb, within 2× of drgn; warm ≤ 50 ms and ≥ 10× drgn; cold RSS ≤ drgn's."
}

# --- scripted typed reads and start-up -------------------------------------------------------
reads_inputs() {
	local d=$run/reads
	[ -f "$d/types.o" ] && return 0
	mkdir -p "$d"
	$py "$here/gen_reads.py" "$d" "$reads" 1
	gcc -g -fno-eliminate-unused-debug-types -c -x c -o "$d/types.o" "$here/bench_types.h"
	if have gdb; then
		gcc -g -I"$here" -DBENCH_IMAGE="\"$d/image.bin\"" -o "$d/gdb_image" "$here/gdb_image.c"
	fi
}

# values FILE: the values of the lines `... = VALUE`, one per line.
values() { sed -n 's/^.* = \(0x[0-9a-f]*\)$/\1/p' "$1"; }

section_reads() {
	local d=$run/reads c
	c="$(echo "$reads" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta') print commands (file: region)"
	meta section "reads Scripted typed reads: \`print gsp.cmdq[17].head\`-style commands with random literal indices over a 64 KiB image, output to a file"
	reads_inputs
	M --section reads --case "$c" --tool "iodbg -x script" --role iodbg --unit ops \
		--amount "$reads" --warmup 1 --stdout "$d/iodbg.out" -- \
		"$iodbg" -q -t "$d/types.o" -x "$d/reads.iodbg"
	local check
	check="iodbg printed $(values "$d/iodbg.out" | wc -l) values"
	if have_drgn; then
		M --section reads --case "$c" --tool "drgn: parse, read, write" --role peer --unit ops \
			--amount "$reads" --warmup 1 --self-timed --stdout "$d/drgn.log" -- \
			$py "$here/drgn_reads.py" "$d/types.o" "$d/image.bin" "$d/reads.iodbg" "$d/drgn.out"
		M --section reads --case "$c" --tool "drgn: reads only (pre-parsed, no output)" \
			--role peer --unit ops --amount "$reads" --warmup 1 --self-timed \
			--stdout "$d/drgn-preparsed.log" -- \
			$py "$here/drgn_reads.py" --preparsed "$d/types.o" "$d/image.bin" "$d/reads.iodbg"
		if cmp -s <(values "$d/iodbg.out") <(values "$d/drgn.out"); then
			check+="; drgn read the same values"
		else
			check+="; DRGN READ OTHER VALUES (see $d)"
		fi
	else
		note --section reads --case "$c" --tool drgn --role peer --unit ops --status "not installed"
	fi
	if have gdb; then
		M --section reads --case "$c" --tool "gdb -batch print/x" --role peer --unit ops \
			--amount "$reads" --self-timed --stdout "$d/gdb.out" -- \
			gdb -batch -nx -x "$d/reads.gdb" "$d/gdb_image"
		if cmp -s <(values "$d/iodbg.out") <(values "$d/gdb.out"); then
			check+="; gdb read the same values"
		else
			check+="; GDB READ OTHER VALUES (see $d)"
		fi
	else
		note --section reads --case "$c" --tool gdb --role peer --unit ops --status "not installed"
	fi
	meta note "Scripted reads: iodbg is timed as a whole process (start-up, type load, attach and the ${c%% *} commands); drgn and gdb time their own loop (\`elapsed\` printed by the peer: interpreter start-up, load_debug_info and the mapping are left out, in their favour). drgn cannot attach a raw image: drgn_reads.py maps the image and serves it as one memory segment (\`Program.add_memory_segment\`) with the types from the same object (\`load_debug_info\`), parses each path of the iodbg script, reads it (\`Object.member_\`, \`[]\`, \`value_()\`) and writes \`PATH = 0xVALUE\` as iodbg does; the pre-parsed row reads only. gdb reads an executable whose object \`gsp\` holds the image (\`.incbin\`), without running it: \`print/x gsp.cmdq[17].head\` reads the file. Check: $check. Issue 4's targets: ≥ 1,000,000 commands/s and ≥ 2× drgn."
}

section_startup() {
	local d=$run/reads c="start-up to the first value"
	local srun=$((4 * runs))
	meta section "startup Start-up to the first value: types from a small object (-t), attach a file: image, bind a view, print one field; whole process"
	reads_inputs
	local cmd=("$iodbg" -q -t "$d/types.o" -c "attach file:$d/image.bin"
		-c 'view gsp = struct bench_gsp @ file0' -c 'print gsp.cmdq[3].head')
	M --section startup --case "$c" --tool "iodbg -c, cold" --role iodbg --runs "$srun" \
		--warmup 2 --nonempty --fresh "$run/scache" --env "XDG_CACHE_HOME=$run/scache" \
		--stdout "$run/start.out" -- "${cmd[@]}"
	M --section startup --case "$c" --tool "iodbg -c, warm" --role iodbg-warm --runs "$srun" \
		--warmup 2 --nonempty --env "XDG_CACHE_HOME=$run/scache" \
		--stdout "$run/start.out" -- "${cmd[@]}"
	if have_drgn; then
		M --section startup --case "$c" --tool "drgn (python3 + drgn)" --role peer --runs "$srun" \
			--warmup 2 --nonempty --stdout "$run/start.out" -- \
			$py "$here/drgn_reads.py" --one 'gsp.cmdq[3].head' "$d/types.o" "$d/image.bin"
	else
		note --section startup --case "$c" --tool drgn --role peer --status "not installed"
	fi
	if have gdb; then
		M --section startup --case "$c" --tool "gdb -batch" --role peer --runs "$srun" \
			--warmup 2 --nonempty --stdout "$run/start.out" -- \
			gdb -batch -nx -x "$d/setup.gdb" -ex 'print/x gsp.cmdq[3].head' "$d/gdb_image"
	else
		note --section startup --case "$c" --tool gdb --role peer --status "not installed"
	fi
	meta note "Start-up: cold = an empty iodbg cache before each run, warm = the cache kept; issue 4's target: under 10 ms."
}

# --- bulk: iodbg beside dd bs=1M and cp copying a file of the same size ---------------------------
# bulk_source BYTES: $run/bulk/src.bin of random bytes, in the page cache.
bulk_source() {
	mkdir -p "$run/bulk"
	head -c "$1" /dev/urandom >"$run/bulk/src.bin"
	cat "$run/bulk/src.bin" >/dev/null
}

# bulk_peers SECTION CASE BYTES: dd and cp copy src.bin to dst.bin. Not timed: before each
# run the previous copy goes, and its dirty pages are written back.
bulk_peers() {
	local d=$run/bulk prep="rm -f '$run/bulk/dst.bin'; sync"
	M --section "$1" --case "$2" --tool "dd bs=1M" --role peer --unit bytes \
		--amount "$3" --prepare "$prep" --stdout "$run/$1.out" -- \
		dd if="$d/src.bin" of="$d/dst.bin" bs=1M status=none
	M --section "$1" --case "$2" --tool "cp" --role peer --unit bytes \
		--amount "$3" --prepare "$prep" --stdout "$run/$1.out" -- \
		cp "$d/src.bin" "$d/dst.bin"
}

section_dump() {
	local d=$run/bulk c="1 GiB file: region to a file" check
	meta section "dump Bulk: \`dump\` of a 1 GiB file: region to a file vs dd bs=1M and cp of the same file"
	bulk_source $((1 << 30))
	M --section dump --case "$c" --tool "iodbg dump" --role iodbg --unit bytes \
		--amount $((1 << 30)) --prepare "rm -f '$d/dst.bin'; sync" --stdout "$run/dump.out" -- \
		"$iodbg" -q -c "attach file:$d/src.bin" -c 'view all = u8[0x40000000] @ file0' \
		-c "dump all \"$d/dst.bin\""
	check="iodbg's copy is $(cmp -s "$d/src.bin" "$d/dst.bin" && echo identical || echo DIFFERENT)"
	bulk_peers dump "$c" $((1 << 30))
	rm -rf "$d"
	meta note "Bulk: source in the page cache, destination on the same file system, written to the page cache (no fsync; \`sync\` between runs, not timed). iodbg's \`dump\` writes a temporary file and renames it; cp uses copy_file_range where the kernel offers it. $check. Issue 7's target: ≥ 0.9× dd's throughput."
}

section_copy() {
	local c="512 MiB within a 1 GiB sim: region"
	meta section "copy Bulk: \`copy\` of 512 MiB within a sim: region vs dd bs=1M and cp of a 512 MiB file"
	bulk_source $((1 << 29))
	# Fresh memory as the peers write fresh page cache: the time includes the attach.
	M --section copy --case "$c" --tool "iodbg copy" --role iodbg --unit bytes \
		--amount $((1 << 29)) --stdout "$run/copy.out" -- \
		"$iodbg" -q -c 'attach sim:1G' -c 'copy sim0+0 sim0+0x20000000 0x20000000'
	bulk_peers copy "$c" $((1 << 29))
	rm -rf "$run/bulk"
	meta note "Copy: iodbg copies within fresh anonymous memory (sim: regions ask for transparent huge pages), its time includes starting and attaching; the peers copy a 512 MiB file in the page cache to a new file (\`sync\` between runs, not timed). Memory to memory against file to file: the row shows what a sim: copy costs, not a like-for-like race."
}

want types && section_types
want reads && section_reads
want startup && section_startup
want dump && section_dump
want copy && section_copy
meta "load average at the end" "$(cut -d' ' -f1-3 /proc/loadavg)"
meta note "hyperfine (installed by make bench-deps) is not used: the harness times each run itself (wait4)."

$py "$here/measure.py" table "$results" "$meta" >"$out/last.md"
$py "$here/measure.py" summary "$results" >"$out/summary.md"
echo
cat "$out/last.md"
if [ "$only" = "$all" ] && [ "$inputs" = "$all_inputs" ] && [ "$runs" -ge 5 ]; then
	cp "$out/last.md" "$here/last.md"
	echo "(written to $out/last.md and tests/bench/last.md; in short for the README: $out/summary.md)"
else
	echo "(partial run: written to $out/last.md only)"
fi
