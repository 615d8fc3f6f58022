# SPDX-License-Identifier: GPL-2.0-or-later
# mem:ADDR,SIZE end to end, never on the machine's /dev/mem: a regular file stands in
# for it, found through IODBG_DEVDIR or, inside a private mount namespace, at /dev/mem
# itself on a tmpfs. Refusals: no /dev/mem (with the PCI BAR to use instead, from a
# fake sysfs tree), and a real EACCES as the unprivileged user nobody.
set -u
fail() { echo "dma_devmem.sh: $*"; exit 1; }
read -r -a wrap <<<"${IODBG_TEST_WRAPPER:-}"
iodbg() { ${wrap[@]+"${wrap[@]}"} "$BIN" "$@"; }
run() { iodbg "$@" >out 2>err; echo $? >st; }

# 64 KiB whose byte i is i*7+1 (mod 256)
python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 7 + 1) & 255 for i in range(65536)))' >mem.img

# A directory nobody can traverse to a file nobody may open: /tmp, not the test's 0700 dir.
dev=$(mktemp -d /tmp/iodbg-devmem.XXXXXX) || fail "mktemp"
trap 'rm -rf "$dev"' EXIT
chmod 755 "$dev"
cp mem.img "$dev/mem"
chmod 600 "$dev/mem"

# Read: the page-unaligned address keeps its offset; mmio widths.
IODBG_DEVDIR=$dev run -c 'attach mem:0x1010,32' -c 'x/2xw mem0' -c regions
[ "$(cat st)" = 0 ] || fail "attach of the fake /dev/mem: $(cat err)"
cat >want <<EOF
mem0: mmio, 32 bytes (0x20), widths 8/16/32/64, read-only, $dev/mem at 0x1010
mem0+0x0:	0x867f7871	0xa29b948d
mem0: mmio, 32 bytes (0x20), widths 8/16/32/64, read-only, $dev/mem at 0x1010
EOF
diff want out || fail "read output"
[ ! -s err ] || fail "unexpected stderr: $(cat err)"

# Without -w the write gate holds; with -w the write lands in the file at 0x1010+4.
IODBG_DEVDIR=$dev run -q -c 'attach mem:0x1010,32' -c 'view r = u32[8] @ mem0' -c 'r[1] = 0x11223344'
[ "$(cat st)" = 1 ] || fail "a write without -w succeeded"
cmp -s mem.img "$dev/mem" || fail "a refused write changed the file"
IODBG_DEVDIR=$dev run -q -w -c 'attach mem:0x1010,32' -c 'view r = u32[8] @ mem0' -c 'r[1] = 0x11223344'
[ "$(cat st)" = 0 ] || fail "write with -w: $(cat err)"
[ "$(od -An -tx4 -j $((0x1014)) -N4 "$dev/mem" | tr -d ' ')" = 11223344 ] || fail "the write did not land"
cp mem.img "$dev/mem"

# No /dev/mem: the kernel's reason, and the PCI device whose BAR it is.
mkdir -p empty sys/bus/pci/devices/0000:01:00.0
printf '%s\n' '0x00000000fe000000 0x00000000feffffff 0x0000000000040200' \
	'0x0000000000000000 0x0000000000000000 0x0000000000000000' \
	>sys/bus/pci/devices/0000:01:00.0/resource
IODBG_DEVDIR=$PWD/empty run -q --sysfs sys -c 'attach mem:0xfe000100,256'
[ "$(cat st)" = 1 ] || fail "attach without /dev/mem: status $(cat st)"
[ "$(cat err)" = "iodbg: error: mem:0xfe000100,0x100: $PWD/empty/mem: No such file or directory: this kernel has no /dev/mem (CONFIG_DEVMEM is off); 0xfe000100 is in BAR0 of 0000:01:00.0: attach 0000:01:00.0 and use bar0+0x100" ] ||
	fail "no /dev/mem: $(cat err)"
# a bad target inside -c is a command failure, with the syntax
run -q -c 'attach mem:0x1000'
[ "$(cat st)" = 1 ] || fail "syntax status"
grep -q "expected mem:ADDR,SIZE" err || fail "syntax message: $(cat err)"

# A real EACCES: the unprivileged user nobody and a 0600 file owned by root.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	IODBG_DEVDIR=$dev setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$BIN" -q -c 'attach mem:0x1000,4K' >out 2>err
	[ $? = 1 ] || fail "nobody: status"
	[ "$(cat err)" = "iodbg: error: mem:0x1000,0x1000: $dev/mem: Permission denied: reading physical memory needs root (CAP_SYS_RAWIO)" ] ||
		fail "nobody: $(cat err)"
else
	echo "not root: the EACCES case as nobody is not run"
fi

# The default path /dev/mem, with /dev a private tmpfs: nothing real can be reached.
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	cp mem.img devmem.img
	unshare -m bash -c '
		set -e
		mount -t tmpfs iodbg-dev /dev
		cp devmem.img /dev/mem
		env -u IODBG_DEVDIR '"${wrap[*]+${wrap[*]}}"' "$BIN" -q -w -c "attach mem:0x2000,16" \
			-c "x/2xg mem0" -c "view q = u64[2] @ mem0" -c "q[1] = 0x0102030405060708" \
			-c "x/1xg mem0+8" >ns.out 2>ns.err
		cp /dev/mem devmem.after
	' || fail "in the namespace: $(cat ns.err 2>/dev/null)"
	cat >want <<'EOF'
mem0+0x0:	0x322b241d160f0801	0x6a635c554e474039
mem0+0x8:	0x0102030405060708
EOF
	diff want ns.out || fail "/dev/mem in the namespace"
	[ "$(od -An -tx8 -j $((0x2008)) -N8 devmem.after | tr -d ' ')" = 0102030405060708 ] ||
		fail "the write did not reach the namespace's /dev/mem"
else
	echo "no private mount namespace here: the /dev/mem default path is not run"
fi
exit 0
