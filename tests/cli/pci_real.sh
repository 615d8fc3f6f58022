# SPDX-License-Identifier: GPL-2.0-or-later
# The PCI devices of the machine running the tests, read only (no -w anywhere): cfg
# equals lspci -xxx, info device agrees with lspci -v, and an unprivileged user gets the
# 64 bytes the kernel gives it, with the warning saying so. A machine without a PCI bus
# skips, saying so.
set -u
fail() { echo "pci_real.sh: $*"; exit 1; }
read -r -a wrap <<<"${IODBG_TEST_WRAPPER:-}"
iodbg() { ${wrap[@]+"${wrap[@]}"} "$BIN" "$@"; }
run() { iodbg "$@" >out 2>err; echo $? >st; }
tools=$(cd "$TESTDIR/../tools" && pwd)
words() { sed 's/^[^:]*://' "$1" | tr -s ' \t' '\n\n' | grep . ; }
# lspci -x output as dwords, one per line, 0x%08x
lspci_words() {
	/usr/bin/python3 -c '
import re, sys
b = []
for line in sys.stdin:
    m = re.match(r"^[0-9a-f]{2,3}: ((?:[0-9a-f]{2} ?)+)$", line.rstrip("\n"))
    if m:
        b += [int(x, 16) for x in m.group(1).split()]
for i in range(0, len(b), 4):
    print("0x%08x" % sum(b[i + j] << (8 * j) for j in range(4)))
'
}

slots=$(ls /sys/bus/pci/devices 2>/dev/null)
if [ -z "$slots" ]; then
	echo "this machine has no PCI devices (/sys/bus/pci/devices is empty or missing)"
	exit 77
fi
command -v lspci >/dev/null || { echo "lspci is not installed"; exit 77; }

n=0
for s in $slots; do
	run -q -c 'x/64xw cfg' attach "$s"
	[ "$(cat st)" = 0 ] || fail "attach $s: $(cat err)"
	words out >got
	lspci -xxx -s "$s" 2>/dev/null | lspci_words >want
	[ "$(wc -l <want)" = 64 ] || fail "lspci -xxx -s $s gave $(wc -l <want) dwords"
	diff want got >/dev/null || { diff want got; fail "x/64xw cfg of $s differs from lspci -xxx"; }

	run -q -c 'info device' attach "$s"
	mv out info.txt
	run -q --json -c 'info device' attach "$s"
	mv out info.json
	lspci -v -nn -D -s "$s" >lspci.txt 2>/dev/null
	/usr/bin/python3 "$tools/compare_lspci.py" info.txt info.json lspci.txt ||
		fail "info device of $s differs from lspci"
	n=$((n + 1))
done
echo "compared $n devices"

# As nobody: the kernel gives 64 bytes of config; cfg is that long, and says why.
chmod 755 .
s=$(echo "$slots" | head -n 1)
setpriv --reuid=nobody --regid=nogroup --clear-groups "$BIN" -c regions -c 'x/16xw cfg' \
	attach "$s" >out 2>err
[ $? = 0 ] || fail "nobody: attach $s: $(cat err)"
grep -qx "iodbg: warning: cfg: only the first 64 bytes of config space of $s can be read without root (CAP_SYS_ADMIN); cfg is 64 bytes" err ||
	fail "nobody: the 64-byte warning: $(cat err)"
grep -q "^cfg: pci-config, 64 bytes (0x40)" out || fail "nobody: cfg size: $(cat out)"
grep '^cfg+' out >x.out
words x.out >got
lspci -x -s "$s" 2>/dev/null | lspci_words >want
diff want got >/dev/null || fail "nobody: x/16xw cfg of $s differs from lspci -x"
setpriv --reuid=nobody --regid=nogroup --clear-groups "$BIN" -q -c 'x/1xw cfg+0x40' \
	attach "$s" >out 2>err
[ $? = 1 ] || fail "nobody: a read past 64 bytes succeeded"
grep -q 'reach past the end of the region (64 bytes)' err || fail "nobody: past 64: $(cat err)"
exit 0
