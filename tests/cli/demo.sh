# SPDX-License-Identifier: GPL-2.0-or-later
# The demo device: the tour runs unattended with the same output every time,
# and the firmware does what spec §7 says (consumes entries, tail, seq).
set -u
fail() { echo "demo.sh: $*"; exit 1; }

timeout 120 "$BIN" -q demo -x "$TESTDIR/../../examples/tour.iodbg" >tour1.out 2>err || fail "tour: $(cat err)"
timeout 120 "$BIN" -q demo -x "$TESTDIR/../../examples/tour.iodbg" >tour2.out 2>err || fail "tour again"
cmp -s tour1.out tour2.out || fail "the tour is not deterministic: $(diff tour1.out tour2.out)"
diff -u "$TESTDIR/demo.tour.out" tour1.out || fail "tour output"
[ -s msgq3.bin ] || fail "the tour's dump is missing"

# head moved by -c: consumed before the next command
out=$(timeout 120 "$BIN" -q demo -c 'gsp.cmdq[0].head = 1' -c 'p gsp.cmdq[0].tail' -c 'p gsp.status.seq')
[ "$out" = "$(printf 'gsp.cmdq[0].tail = 0x1\ngsp.status.seq = 0x1')" ] || fail "firmware: $out"
# JSON watch, counted values in order
timeout 120 "$BIN" -q --json demo -c 'gsp.cmdq[1].head = 4' -c 'watch gsp.status.seq count 4' >w.out ||
	fail "json watch"
[ "$(grep -o '"value":[0-9]*' w.out | tr '\n' ' ')" = '"value":1 "value":2 "value":3 "value":4 ' ] ||
	fail "watch order: $(cat w.out)"
# the demo needs no root and writes without -w; real regions stay read-only
setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/nonexistent \
	timeout 120 "$BIN" -q demo -c 'gsp.cmdq[2].head = 1' -c 'poll gsp.cmdq[2].tail == 1' >/dev/null 2>err ||
	fail "demo as nobody: $(cat err)"
exit 0
