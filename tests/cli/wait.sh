# SPDX-License-Identifier: GPL-2.0-or-later
# poll and watch: success, timeout with the last values, JSON shapes, counts.
# Bounds are loose so that they hold 20 times slower (valgrind).
set -u
fail() { echo "wait.sh: $*"; exit 1; }

"$BIN" -q -c 'attach sim:8' -c 'view w = u32[2] @ sim0' -c 'w[0] = 3' \
	-c 'poll w[0] == 3 && w[1] == 0 timeout 5s' >out 2>err || fail "poll that holds: $(cat err)"
[ ! -s out ] || fail "poll printed: $(cat out)"

start=$(date +%s%N)
"$BIN" -q -c 'attach sim:8' -c 'view w = u32[2] @ sim0' -c 'poll w[0] == 1 || w[1] == 2 timeout 50ms every 5ms' >out 2>err
st=$?
end=$(date +%s%N)
[ $st = 1 ] || fail "poll timeout status $st"
[ "$(cat err)" = "iodbg: error: poll timed out after 50ms: w[0] = 0x0, w[1] = 0x0" ] ||
	fail "timeout message: $(cat err)"
[ $(( (end - start) / 1000000 )) -ge 50 ] || fail "poll returned before its timeout"

"$BIN" -q --json -c 'attach sim:8' -c 'view w = u32[2] @ sim0' -c 'poll w[0] == 0' >out 2>err ||
	fail "json poll"
grep -Eqx '\{"poll":"ok","elapsed_us":[0-9]+\}' out || fail "json poll shape: $(cat out)"

# a value that never changes: watch prints it once, then ends after its time
"$BIN" -q -c 'attach sim:8' -c 'view w = u32[2] @ sim0' -c 'w[1] = 9' \
	-c 'watch w[1] every 1ms for 30ms' >out 2>err || fail "watch for: $(cat err)"
[ "$(cat out)" = "w[1] = 0x9" ] || fail "watch output: $(cat out)"
"$BIN" -q --json -c 'attach sim:8' -c 'view w = u32[2] @ sim0' -c 'watch w[1] count 1' >out ||
	fail "watch count"
grep -Eqx '\{"path":"w\[1\]","value":0,"t_us":0\}' out || fail "watch json: $(cat out)"
exit 0
