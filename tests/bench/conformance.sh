#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make conformance: every struct and union of the Debian kernel's vmlinux and of five of its
# modules, as iodbg loads it, against pahole's layout (tests/bench/conformance.py). Needs
# `make bench-deps` (linux-image-amd64-dbg, dwarves); without them it says so and exits 0.
#
# Usage: tests/bench/conformance.sh DUMP_LAYOUTS OUTDIR
# Exit status: 1 when a file has a difference that is not explained.
set -euo pipefail

if [ $# -ne 2 ]; then
	echo "usage: $0 DUMP_LAYOUTS OUTDIR" >&2
	exit 2
fi
dump=$(realpath "$1")
out=$2
here=$(cd "$(dirname "$0")" && pwd)
modules="virtio_pci e1000e nvme nouveau amdgpu"

# The newest kernel of the debug package, and its modules.
vmlinux=$(find /usr/lib/debug/boot -name 'vmlinux-*' 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$vmlinux" ]; then
	echo "SKIP: conformance: the kernel debug package is not installed (make bench-deps installs linux-image-amd64-dbg)"
	exit 0
fi
if ! command -v pahole >/dev/null; then
	echo "SKIP: conformance: pahole is not installed (make bench-deps installs dwarves)"
	exit 0
fi
version=${vmlinux##*/vmlinux-}
files=("$vmlinux")
for m in $modules; do
	f=$(find "/usr/lib/debug/lib/modules/$version" -name "$m.ko" -print -quit 2>/dev/null || true)
	if [ -n "$f" ]; then
		files+=("$f")
	else
		echo "note: $m.ko is not in /usr/lib/debug/lib/modules/$version"
	fi
done

rm -rf "$out"
mkdir -p "$out"
echo "conformance: $(pahole --version) against iodbg's loader ($dump), kernel $version"
failed=0
start=$SECONDS
for f in "${files[@]}"; do
	if ! /usr/bin/python3 "$here/conformance.py" --dump "$dump" --file "$f" --work "$out"; then
		failed=$((failed + 1))
	fi
done
echo "conformance: ${#files[@]} files, $failed with unexplained differences, $((SECONDS - start)) s (outputs in $out)"
[ "$failed" -eq 0 ]
