# SPDX-License-Identifier: GPL-2.0-or-later
# libpci's dump method (IODBG_PCI_DUMP, a testing aid): a recorded lspci -xxxx of a whole
# PC as the bus. Lookup by IDs in slot order, cfg equals the recording, the pci view, and
# a write is an error (status 1), never an exit from inside libpci.
set -u
fail() { echo "pci_dump.sh: $*"; exit 1; }
read -r -a wrap <<<"${IODBG_TEST_WRAPPER:-}"
iodbg() { ${wrap[@]+"${wrap[@]}"} "$BIN" "$@"; }
run() { iodbg "$@" >out 2>err; echo $? >st; }
fix=$(cd "$TESTDIR/../fixtures/pci" && pwd)
export IODBG_PCI_DUMP=$fix/tree-asus-p6t6.txt

# The two RTL8111 (10ec:8168) are 07:00.0 and 08:00.0
run -q -c regions -c 'x/4xw cfg' -c 'p/x pci.subsystem_id' attach 'pci:10ec:8168#1'
[ "$(cat st)" = 0 ] || fail "attach: $(cat err)"
cat >want <<EOF
cfg: pci-config, 4096 bytes (0x1000), widths 8/16/32, read-only, $fix/tree-asus-p6t6.txt (dump), 0000:08:00.0
cfg+0x0:	0x816810ec	0x00100407	0x02000002	0x00000010
pci.subsystem_id = 0x$(awk '/^08:00.0 /{f=1} f && /^20: /{print $17 $16; exit}' "$fix/tree-asus-p6t6.txt")
EOF
diff want out || fail "dump attach output"
[ ! -s err ] || fail "unexpected stderr: $(cat err)"
run -q attach 'pci:10ec:8168#2'
[ "$(cat st)" = 1 ] || fail "#2 status $(cat st)"
[ "$(cat err)" = "iodbg: error: no PCI device 10ec:8168#2 (2 found)" ] || fail "#2: $(cat err)"

# every dword of every device equals the recording
for s in 00:00.0 00:1c.0 04:00.0 06:00.0 ff:06.3; do
	/usr/bin/python3 - "$IODBG_PCI_DUMP" "$s" >want <<'X' || fail "reading the recording"
import re, sys
data, cur = {}, None
for line in open(sys.argv[1]):
    if re.match(r'^[0-9a-f:]+\.[0-7] ', line):
        cur = line.split()[0]
    m = re.match(r'^([0-9a-f]+): ((?:[0-9a-f]{2} ?)+)$', line.rstrip('\n'))
    if m and cur == sys.argv[2]:
        for i, b in enumerate(m.group(2).split()):
            data[int(m.group(1), 16) + i] = int(b, 16)
for off in range(0, max(data) + 1, 4):
    print('0x%08x' % sum(data[off + i] << (8 * i) for i in range(4)))
X
	# a recording of 256 bytes gives a cfg of 256 bytes
	n=$(wc -l <want)
	run -q -c regions -c "x/${n}xw cfg" attach "$s"
	[ "$(cat st)" = 0 ] || fail "attach $s: $(cat err)"
	grep -q "^cfg: pci-config, $((n * 4)) bytes" out || fail "cfg of $s: $(head -n 1 out)"
	grep '^cfg+' out | sed 's/^[^:]*://' | tr -s ' \t' '\n\n' | grep . >got
	diff want got >/dev/null || fail "x/1024xw cfg of $s differs from the recording"
done

# info device reads config space through the cfg region, as any access: --trace shows it;
# with cfg detached it says so
run -q --trace -c 'info device' -c 'detach cfg' -c 'info device' attach 00:1c.0
[ "$(cat st)" = 1 ] || fail "info device after detach cfg: status $(cat st)"
grep -q '^0000:00:1c.0 PCI bridge \[0604\]' out || fail "info device: $(cat out)"
[ "$(cat err)" = "CR  cfg+0x0 4096
iodbg: error: cfg was detached: info device reads config space through it" ] ||
	fail "info device --trace, then after detach cfg: $(cat err)"

# writes: refused by the write gate even with -w (a dump is read-only), status 1
run -q -w -c 'pci.cache_line_size = 0x10' -c 'echo still here' attach 00:1c.0
[ "$(cat st)" = 1 ] || fail "a write to a dump: status $(cat st)"
grep -q "cfg is read-only" err || fail "a write to a dump: $(cat err)"
# a missing dump file is an error naming it
IODBG_PCI_DUMP=$PWD/none.txt run -q attach 00:1c.0
[ "$(cat st)" = 1 ] || fail "missing dump: status $(cat st)"
[ "$(cat err)" = "iodbg: error: cannot read the PCI dump $PWD/none.txt: dump: Cannot open $PWD/none.txt: No such file or directory" ] ||
	fail "missing dump: $(cat err)"
exit 0
