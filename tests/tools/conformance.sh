#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Layouts of the Debian kernel's debug package against pahole: N names picked at random from
# each of vmlinux and amdgpu.ko, each looked up as a user would (NAME#k where there are
# several). Not part of `make check`: it needs `make bench-deps` (linux-image-amd64-dbg).
#
# Usage: tests/tools/conformance.sh DUMP_LAYOUTS OUTDIR [N [SEED]]
# The last line is "N passed, M failed, K skipped", counting files.
set -uo pipefail

if [ $# -lt 2 ]; then
	echo "usage: $0 DUMP_LAYOUTS OUTDIR [N [SEED]]" >&2
	exit 2
fi
dump=$1
out=$2
n=${3:-300}
seed=${4:-1}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out" || exit 1

files=()
for f in /usr/lib/debug/boot/vmlinux-* \
	/usr/lib/debug/lib/modules/*/kernel/drivers/gpu/drm/amd/amdgpu/amdgpu.ko; do
	[ -f "$f" ] && files+=("$f")
done
passed=0 failed=0 skipped=0
if [ ${#files[@]} -eq 0 ]; then
	echo "SKIP: conformance: no kernel debug files (make bench-deps installs linux-image-amd64-dbg)"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
if ! command -v pahole >/dev/null; then
	echo "SKIP: conformance: pahole is not installed (make deps)"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
for f in "${files[@]}"; do
	name=$(basename "$f")
	if /usr/bin/python3 "$here/compare_layouts.py" --dump "$dump" --load "$f" \
		--cache-dir "$out/cache" --sample "$n" --seed "$seed" >"$out/$name.log" 2>&1; then
		passed=$((passed + 1))
		echo "PASS: $name ($(tail -1 "$out/$name.log"))"
	else
		failed=$((failed + 1))
		echo "FAIL: $name"
		sed 's/^/    /' "$out/$name.log"
	fi
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
