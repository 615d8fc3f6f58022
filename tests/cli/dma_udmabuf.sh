# SPDX-License-Identifier: GPL-2.0-or-later
# udmabuf:NAME and dmabuf:PATH end to end. A u-dma-buf is faked by a class directory
# of attribute files and a regular file as /dev/NAME (through --sysfs and
# IODBG_DEVDIR, then, in a private mount namespace, at /sys and /dev themselves on
# tmpfs); the sync attributes must hold what the driver expects after each access.
# A memfd and a plain file are refused by dmabuf: as not dma-bufs.
set -u
fail() { echo "dma_udmabuf.sh: $*"; exit 1; }
read -r -a wrap <<<"${IODBG_TEST_WRAPPER:-}"
iodbg() { ${wrap[@]+"${wrap[@]}"} "$BIN" "$@"; }
run() { iodbg "$@" >out 2>err; echo $? >st; }

# ROOT/sys/class/u-dma-buf/udmabuf0 and ROOT/dev/udmabuf0 (8 KiB of i*7+1)
fake() {
	local cls=$1/sys/class/u-dma-buf/udmabuf0 a
	mkdir -p "$cls" "$1/dev"
	echo 8192 >"$cls/size"
	echo 0x000000003c000000 >"$cls/phys_addr"
	echo 1 >"$cls/sync_mode"
	echo 0 >"$cls/dma_coherent"
	for a in sync_offset sync_size sync_direction sync_owner sync_for_cpu sync_for_device; do
		echo 0 >"$cls/$a"
	done
	python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 7 + 1) & 255 for i in range(8192)))' \
		>"$1/dev/udmabuf0"
}
# attr ROOT NAME: the attribute's content on one line
attr() { tr '\n' ' ' <"$1/sys/class/u-dma-buf/udmabuf0/$2"; }
# the sync attributes after an access
syncs() {
	local a
	for a in sync_offset sync_size sync_direction sync_for_cpu sync_for_device; do
		printf '%s=%s' "$a" "$(attr "$1" "$a")"
	done
}

fake "$PWD/a"
# A read: the range, "from device", sync_for_cpu; nothing flushed.
IODBG_DEVDIR=$PWD/a/dev run --sysfs a/sys --trace -c 'attach udmabuf:udmabuf0' -c regions \
	-c 'x/1xw dma0+0x10'
[ "$(cat st)" = 0 ] || fail "attach: $(cat err)"
cat >want <<EOF
dma0: coherent, 8192 bytes (0x2000), widths 8/16/32/64, read-only, $PWD/a/dev/udmabuf0 (phys 0x3c000000, synced)
dma0: coherent, 8192 bytes (0x2000), widths 8/16/32/64, read-only, $PWD/a/dev/udmabuf0 (phys 0x3c000000, synced)
dma0+0x10:	0x867f7871
EOF
diff want out || fail "read output"
[ "$(cat err)" = "R32 dma0+0x10 0x867f7871" ] || fail "trace: $(cat err)"
[ "$(syncs a)" = "sync_offset=0x10 sync_size=4 sync_direction=2 sync_for_cpu=1 sync_for_device=0 " ] ||
	fail "after a read: $(syncs a)"

# A write (-w): bidirectional, sync_for_cpu, the store, sync_for_device.
IODBG_DEVDIR=$PWD/a/dev run -q -w --sysfs a/sys -c 'attach udmabuf:udmabuf0' \
	-c 'view v = u32[16] @ dma0+0x40' -c 'v[3] = 0xdeadbeef'
[ "$(cat st)" = 0 ] || fail "write: $(cat err)"
[ "$(syncs a)" = "sync_offset=0x4c sync_size=4 sync_direction=0 sync_for_cpu=1 sync_for_device=1 " ] ||
	fail "after a write: $(syncs a)"
[ "$(od -An -tx4 -j $((0x4c)) -N4 a/dev/udmabuf0 | tr -d ' ')" = deadbeef ] || fail "the write did not land"

# A dump is one bulk read of the whole range.
IODBG_DEVDIR=$PWD/a/dev run -q --sysfs a/sys -c 'attach udmabuf:udmabuf0' \
	-c 'view v = u8[256] @ dma0+0x100' -c 'dump v v.bin'
[ "$(cat st)" = 0 ] || fail "dump: $(cat err)"
cmp -s v.bin <(tail -c +$((0x100 + 1)) a/dev/udmabuf0 | head -c 256) || fail "dump contents"
[ "$(syncs a)" = "sync_offset=0x100 sync_size=256 sync_direction=2 sync_for_cpu=1 sync_for_device=1 " ] ||
	fail "after a dump: $(syncs a)"

# Coherent hardware: no attribute is touched.
fake "$PWD/b"
echo 1 >b/sys/class/u-dma-buf/udmabuf0/dma_coherent
IODBG_DEVDIR=$PWD/b/dev run -w --sysfs b/sys -c 'attach udmabuf:udmabuf0' \
	-c 'view v = u32[4] @ dma0' -c 'v[1] = 5' -c 'v[1]'
[ "$(cat st)" = 0 ] || fail "coherent: $(cat err)"
grep -q "(phys 0x3c000000, coherent)" out || fail "coherent source: $(cat out)"
[ "$(syncs b)" = "sync_offset=0 sync_size=0 sync_direction=0 sync_for_cpu=0 sync_for_device=0 " ] ||
	fail "a coherent buffer was synced: $(syncs b)"

# No such device; a sync the driver refuses (sync_for_cpu a directory: EISDIR).
IODBG_DEVDIR=$PWD/b/dev run -q --sysfs b/sys -c 'attach udmabuf:udmabuf9'
[ "$(cat st)" = 1 ] || fail "missing device: status"
[ "$(cat err)" = "iodbg: error: udmabuf:udmabuf9: no u-dma-buf device 'udmabuf9': neither b/sys/class/u-dma-buf/udmabuf9 nor b/sys/class/udmabuf/udmabuf9 exists (is the u-dma-buf module loaded?)" ] ||
	fail "missing device: $(cat err)"
rm a/sys/class/u-dma-buf/udmabuf0/sync_for_cpu
mkdir a/sys/class/u-dma-buf/udmabuf0/sync_for_cpu
IODBG_DEVDIR=$PWD/a/dev run -q --sysfs a/sys -c 'attach udmabuf:udmabuf0' -c 'x/1xb dma0+3'
[ "$(cat st)" = 1 ] || fail "refused sync: status"
[ "$(cat err)" = "iodbg: error: dma0+0x3: u-dma-buf sync: a/sys/class/u-dma-buf/udmabuf0/sync_for_cpu: Is a directory" ] ||
	fail "refused sync: $(cat err)"

# dmabuf: a plain file and a memfd are not dma-bufs.
cp a/dev/udmabuf0 plain.bin
run -q -c 'attach dmabuf:plain.bin'
[ "$(cat st)" = 1 ] || fail "plain file: status"
[ "$(cat err)" = "iodbg: error: dmabuf:plain.bin: not a dma-buf: it is a regular file or memfd (attach it with file:); its fdinfo names no dma-buf exporter" ] ||
	fail "plain file: $(cat err)"
python3 - "${wrap[@]+"${wrap[@]}"}" "$BIN" >out 2>err <<'EOF'
import os, sys
fd = os.memfd_create("iodbg-test", 0)
os.write(fd, b"\0" * 4096)
os.set_inheritable(fd, True)
argv = sys.argv[1:] + ["-q", "-c", "attach dmabuf:/proc/self/fd/%d" % fd]
print(fd, file=sys.stderr, flush=True)
os.execvp(argv[0], argv)
EOF
[ $? = 1 ] || fail "memfd: status"
fd=$(head -n 1 err)
[ "$(tail -n +2 err)" = "iodbg: error: dmabuf:/proc/self/fd/$fd: not a dma-buf: it is a regular file or memfd (attach it with file:); its fdinfo names no dma-buf exporter" ] ||
	fail "memfd: $(cat err)"

# The defaults, /sys and /dev, on private tmpfs mounts: nothing real can be reached.
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	fake "$PWD/c"
	unshare -m bash -c '
		set -e
		mount -t tmpfs iodbg-sys /sys
		mount -t tmpfs iodbg-dev /dev
		cp -r c/sys/class /sys/
		cp c/dev/udmabuf0 /dev/
		env -u IODBG_DEVDIR '"${wrap[*]+${wrap[*]}}"' "$BIN" -q -w -c "attach udmabuf:udmabuf0" \
			-c regions -c "view v = u16[4] @ dma0+0x20" -c "v[1] = 0xabcd" >ns.out 2>ns.err
		for a in sync_offset sync_size sync_direction sync_for_cpu sync_for_device; do
			printf "%s=%s " "$a" "$(cat /sys/class/u-dma-buf/udmabuf0/$a)"
		done >ns.syncs
		cp /dev/udmabuf0 ns.data
	' || fail "in the namespace: $(cat ns.err 2>/dev/null)"
	[ "$(cat ns.out)" = "dma0: coherent, 8192 bytes (0x2000), widths 8/16/32/64, writable, /dev/udmabuf0 (phys 0x3c000000, synced)" ] ||
		fail "namespace regions: $(cat ns.out)"
	[ "$(cat ns.syncs)" = "sync_offset=0x22 sync_size=2 sync_direction=0 sync_for_cpu=1 sync_for_device=1 " ] ||
		fail "namespace syncs: $(cat ns.syncs)"
	[ "$(od -An -tx2 -j $((0x22)) -N2 ns.data | tr -d ' ')" = abcd ] || fail "namespace write"
else
	echo "no private mount namespace here: the /sys and /dev defaults are not run"
fi
exit 0
