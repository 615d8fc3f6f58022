#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Times `iodbg ptype` on the Debian kernel's debug files beside pahole, gdb and drgn:
# one table per file, cold (empty cache) and warm, wall time (median of RUNS) and
# peak RSS, with ratios. Needs `make bench-deps`; peers that are missing are left out.
#
# Usage: tests/tools/bench-dwarf.sh IODBG [RUNS]
set -uo pipefail

iodbg=$1
runs=${2:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME=$work/cache

# measure CMD...: median wall seconds over $runs runs and the peak RSS in MiB, as "T R".
# $prepare (a command) runs before each run.
measure() {
	local times=() rss=0
	for ((i = 0; i < runs; i++)); do
		[ -n "${prepare:-}" ] && eval "$prepare"
		/usr/bin/time -o "$work/time" -f '%e %M' "$@" >/dev/null 2>&1
		# A failing command (an absent type) makes time(1) write a line before ours.
		read -r t m < <(tail -n 1 "$work/time") || { t=0; m=0; }
		times+=("$t")
		[ "$m" -gt "$rss" ] && rss=$m
	done
	printf '%s %d\n' "$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")" \
		$((rss / 1024))
}

cat >"$work/drgn_type.py" <<'PY'
import sys
import drgn
prog = drgn.Program()
prog.load_debug_info([sys.argv[1]], default=False, main=False)
try:
    prog.type(sys.argv[2])
except LookupError:
    pass
PY

row() {
	printf '%-28s %-22s %8.3f s %7d MiB %s\n' "$1" "$2" "$3" "$4" "$5"
}

bench() {
	local file=$1 type=$2 name=${2#struct }
	local ic iw
	echo "== $(basename "$file"): $type"
	prepare="rm -rf $XDG_CACHE_HOME"
	read -r ct cr < <(measure "$iodbg" ptype "$type" "$file")
	prepare=""
	"$iodbg" ptype "$type" "$file" >/dev/null 2>&1
	read -r wt wr < <(measure "$iodbg" ptype "$type" "$file")
	row "iodbg ptype (cold)" "" "$ct" "$cr" ""
	row "iodbg ptype (warm)" "" "$wt" "$wr" ""
	if /usr/bin/python3 -c 'import drgn' 2>/dev/null; then
		read -r t r < <(measure /usr/bin/python3 "$work/drgn_type.py" "$file" "$type")
		row "drgn" "" "$t" "$r" "$(awk -v a="$t" -v c="$ct" -v w="$wt" \
			'BEGIN { printf "cold %.2fx drgn, warm %.1fx faster", c / a, a / w }')"
	fi
	if command -v pahole >/dev/null; then
		read -r t r < <(measure pahole -F dwarf -C "$name" "$file")
		row "pahole -F dwarf -C" "" "$t" "$r" "$(awk -v a="$t" -v c="$ct" \
			'BEGIN { printf "iodbg cold %.1fx faster", a / c }')"
	fi
	if command -v gdb >/dev/null && [ "${BENCH_GDB:-1}" = 1 ]; then
		runs_saved=$runs
		runs=1
		read -r t r < <(measure gdb -batch -nx -ex "ptype $type" "$file")
		runs=$runs_saved
		row "gdb -batch ptype" "" "$t" "$r" "$(awk -v a="$t" -v c="$ct" \
			'BEGIN { printf "iodbg cold %.1fx faster", a / c }')"
	fi
}

for f in /usr/lib/debug/boot/vmlinux-*; do
	[ -f "$f" ] || continue
	bench "$f" "struct task_struct"
	BENCH_GDB=0 bench "$f" "struct nonexistent_iodbg_bench"
done
for f in /usr/lib/debug/lib/modules/*/kernel/drivers/gpu/drm/amd/amdgpu/amdgpu.ko; do
	[ -f "$f" ] || continue
	bench "$f" "struct amdgpu_device"
	BENCH_GDB=0 bench "$f" "struct nonexistent_iodbg_bench"
done
