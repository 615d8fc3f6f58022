# SPDX-License-Identifier: GPL-2.0-or-later
# PCI devices end to end on fake sysfs trees built from recorded captures: regions, cfg
# against the capture, the typed pci view, info device against lspci on the same tree,
# BARs that cannot be had, lookup by IDs, and writes through bar0 and cfg (inside a mount
# namespace with an empty tmpfs over /sys/bus/pci, so that nothing can reach a real device).
set -u
fail() { echo "pci_sysfs.sh: $*"; exit 1; }
read -r -a wrap <<<"${IODBG_TEST_WRAPPER:-}"
iodbg() { ${wrap[@]+"${wrap[@]}"} "$BIN" "$@"; }
run() { iodbg "$@" >out 2>err; echo $? >st; }
tools=$(cd "$TESTDIR/../tools" && pwd)
fix=$(cd "$TESTDIR/../fixtures/pci" && pwd)
tree() { /usr/bin/python3 "$tools/make-sysfs-tree.py" "$PWD/sys" "$@" || fail "tree $*"; }
# The dwords an x/NNxw printed, one per line.
words() { sed 's/^[^:]*://' "$1" | tr -s ' \t' '\n\n' | grep . ; }
# The dwords of a capture's device, one per line, 0x%08x.
capture_words() {
	/usr/bin/python3 - "$1" "$2" "$3" <<'X'
import re, sys
path, slot, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
data, cur = {}, None
for line in open(path):
    if re.match(r'^[0-9a-f:]+\.[0-7] ', line):
        cur = line.split()[0]
    m = re.match(r'^([0-9a-f]+): ((?:[0-9a-f]{2} ?)+)$', line.rstrip('\n'))
    if m and cur == slot:
        for i, b in enumerate(m.group(2).split()):
            data[int(m.group(1), 16) + i] = int(b, 16)
for off in range(0, 4 * n, 4):
    print('0x%08x' % sum(data[off + i] << (8 * i) for i in range(4)))
X
}
[ -x /usr/bin/python3 ] || { echo "no /usr/bin/python3"; exit 77; }

# The GPU of cap-rebar.txt (64-bit BARs, I/O BAR, capabilities and extended ones), the
# bridge of cap-aer-log.txt, two virtio devices, the NIC of cap-pcie-2.txt (SR-IOV), two
# CXL devices (DVSEC; one with decoding off and a 32-bit prefetchable BAR).
tree "$fix/cap-rebar.txt" --slot 0000:01:00.0 --bar 0:16M --bar 2:2M --bar 4:256 --bar 5:256K
tree "$fix/cap-aer-log.txt" --capture-sizes
tree "$fix/cap-vendor-virtio.txt" --pick 00:09.0 --capture-sizes
tree "$fix/cap-vendor-virtio.txt" --pick 00:04.0 --capture-sizes --bar 0:16K:nofile
tree "$fix/cap-pcie-2.txt" --slot 0000:0a:00.0 --capture-sizes
tree "$fix/cap-dvsec-cxl.txt" --pick 6b:00.0 --capture-sizes
tree "$fix/cap-dvsec-cxl.txt" --pick 7f:00.0 --capture-sizes
sys=$PWD/sys
dev=$sys/bus/pci/devices

run -q --sysfs sys -c regions attach 0000:01:00.0
[ "$(cat st)" = 0 ] || fail "attach: $(cat err)"
cat >want <<EOF
cfg: pci-config, 4096 bytes (0x1000), widths 8/16/32, read-only, sys/bus/pci/devices/0000:01:00.0/config
bar0: mmio, 16777216 bytes (0x1000000), widths 8/16/32/64, read-only, sys/bus/pci/devices/0000:01:00.0/resource0
bar2: mmio, 2097152 bytes (0x200000), widths 8/16/32/64, read-only, sys/bus/pci/devices/0000:01:00.0/resource2
bar4: pio, 256 bytes (0x100), widths 8/16/32, read-only, sys/bus/pci/devices/0000:01:00.0/resource4
bar5: mmio, 262144 bytes (0x40000), widths 8/16/32/64, read-only, sys/bus/pci/devices/0000:01:00.0/resource5
EOF
diff want out || fail "regions"
[ ! -s err ] || fail "unexpected stderr: $(cat err)"

# cfg is the capture's bytes, all 4096 of them; the pci view decodes the header
run -q --sysfs sys -c 'x/1024xw cfg' attach 01:00.0
words out >got
capture_words "$fix/cap-rebar.txt" 09:00.0 1024 >want
diff want got >/dev/null || fail "x/1024xw cfg differs from the capture"
run -q --sysfs sys -c 'p/x pci.vendor_id' -c 'p/x pci.device_id' -c 'p/x pci.class_code' \
	-c 'p/x pci.capabilities_ptr' -c 'p/x pci.bar[4]' attach pci:1002:7300
printf '%s\n' 'pci.vendor_id = 0x1002' 'pci.device_id = 0x7300' 'pci.class_code = 0x3' \
	'pci.capabilities_ptr = 0x48' 'pci.bar[4] = 0xe001' | diff - out || fail "pci view: $(cat err)"
run -q --sysfs sys -c 'p/x pci.secondary_bus' -c 'p/x pci.memory_base' attach 00:1c.0
printf '%s\n' 'pci.secondary_bus = 0x2' 'pci.memory_base = 0xf110' | diff - out ||
	fail "bridge view: $(cat out) $(cat err)"
# a 64-bit access to cfg is refused, not split
run -q --sysfs sys -c 'x/1xg cfg' attach 01:00.0
[ "$(cat st)" = 1 ] || fail "x/1xg cfg succeeded"
grep -q '64-bit access not supported by pci-config' err || fail "x/1xg cfg: $(cat err)"

# info device agrees with lspci on the same tree, for every device of it
for d in "$dev"/*; do
	s=$(basename "$d")
	run -q --sysfs sys -c 'info device' attach "$s"
	[ "$(cat st)" = 0 ] || fail "info device $s: $(cat err)"
	mv out info.txt
	run -q --json --sysfs sys -c 'info device' attach "$s"
	mv out info.json
	lspci -v -nn -D -A linux-sysfs -O sysfs.path="$sys/bus/pci" -s "$s" >lspci.txt 2>/dev/null ||
		fail "lspci on $s"
	/usr/bin/python3 "$tools/compare_lspci.py" info.txt info.json lspci.txt ||
		fail "info device of $s differs from lspci"
done

# BARs that cannot be had: a warning each, and the attach succeeds
run --sysfs sys attach 00:04.0
[ "$(cat st)" = 0 ] || fail "attach without resource0: $(cat err)"
[ "$(cat err)" = "iodbg: warning: bar0: no resource0 file: this kernel or VM does not expose BAR files (lockdown or a virtual machine)" ] ||
	fail "missing resource0: $(cat err)"
grep -q '^cfg: pci-config, 256 bytes' out || fail "cfg of 00:04.0: $(cat out)"
tree "$fix/cap-rebar.txt" --slot 0000:02:00.0 --bar 0:1M --command 0001
run -q --sysfs sys attach 02:00.0
[ "$(cat st)" = 0 ] || fail "attach with decoding off: $(cat err)"
[ "$(cat err)" = "iodbg: warning: bar0: memory decoding is disabled in the command register of 0000:02:00.0: reads would return all-ones until it is enabled (bit 1 of command)" ] ||
	fail "decoding off: $(cat err)"

# A real EACCES: resource0 is 0600 root, as the kernel makes it, and nobody attaches.
tree "$fix/cap-rebar.txt" --slot 0000:03:00.0 --bar 0:1M:mode=600 --bar 4:256
chmod 755 .
setpriv --reuid=nobody --regid=nogroup --clear-groups "$BIN" --sysfs sys attach 03:00.0 >out 2>err
[ $? = 0 ] || fail "nobody: attach: $(cat err)"
[ "$(cat err)" = "iodbg: warning: bar0: cannot open resource0 (EACCES): mapping a BAR needs root" ] ||
	fail "nobody: EACCES: $(cat err)"
grep -q '^bar4: pio' out || fail "nobody: bar4 missing: $(cat out)"
rm -r sys/bus/pci/devices/0000:03:00.0

# lookup by IDs counts in slot order; what is not there is an error (status 1)
run -q --sysfs sys -c regions attach 'pci:1002:7300#1'
grep -q '^cfg: .*0000:02:00.0/config$' out || fail "#1 is not 0000:02:00.0: $(cat out)"
run -q --sysfs sys attach 'pci:1002:7300#2'
[ "$(cat st)" = 1 ] || fail "#2 status $(cat st)"
[ "$(cat err)" = "iodbg: error: no PCI device 1002:7300#2 (2 found)" ] || fail "#2: $(cat err)"
run -q --sysfs sys -c 'attach 0000:05:00.0'
[ "$(cat st)" = 1 ] || fail "missing slot status"
[ "$(cat err)" = "iodbg: error: no PCI device 0000:05:00.0" ] || fail "missing slot: $(cat err)"

# Writes: only inside a mount namespace where /sys/bus/pci is an empty tmpfs.
if ! unshare -m --propagation private true 2>/dev/null; then
	echo "no mount namespaces here (unshare -m): writes are not tested"
	exit 77
fi
isolated() {
	unshare -m --propagation private /bin/sh -c \
		'[ ! -d /sys/bus/pci ] || mount -t tmpfs iodbg-test /sys/bus/pci || exit 99; exec "$@"' \
		sh ${wrap[@]+"${wrap[@]}"} "$BIN" "$@" >out 2>err
	echo $? >st
}
isolated -q -w --trace --sysfs "$sys" -c 'view r = u32[16] @ bar0+0x100' -c 'r[2] = 0x11223344' \
	-c 'x/1xg bar0+0x108' -c '({u16}bar4+0x10) = 0xbeef' -c 'x/1xh bar4+0x10' \
	-c 'pci.cache_line_size = 0x10' attach 0000:01:00.0
[ "$(cat st)" = 0 ] || fail "writes: status $(cat st): $(cat err)"
[ "$(od -An -tx4 -j $((0x108)) -N4 "$dev/0000:01:00.0/resource0" | tr -d ' ')" = 11223344 ] ||
	fail "the bar0 write did not land at 0x108"
[ "$(od -An -tx2 -j $((0x10)) -N2 "$dev/0000:01:00.0/resource4" | tr -d ' ')" = beef ] ||
	fail "the bar4 write did not land at 0x10"
[ "$(od -An -tx1 -j 12 -N1 "$dev/0000:01:00.0/config" | tr -d ' ')" = 10 ] ||
	fail "the cfg write did not land at 0xc"
grep -qx 'W32 bar0+0x108 0x11223344' err || fail "trace of the bar0 write: $(cat err)"
grep -qx 'R64 bar0+0x108 0x0000000011223344' err || fail "trace of the 64-bit read: $(cat err)"
grep -qx 'W16 bar4+0x10 0xbeef' err || fail "trace of the bar4 write: $(cat err)"
grep -qx 'W8  cfg+0xc 0x10' err || fail "trace of the cfg write: $(cat err)"
exit 0
