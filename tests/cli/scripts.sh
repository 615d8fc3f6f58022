# SPDX-License-Identifier: GPL-2.0-or-later
# Scripts and invocation (spec §2): comments, shebang, stop at the first failure,
# FILE:LINE errors through source, stdin, -c/-x order, -i, exit statuses.
set -u
fail() { echo "scripts.sh: $*"; exit 1; }
run() { "$BIN" "$@" >out 2>err; echo $? >st; }

cat >a.iodbg <<'X'
#!/usr/bin/env -S iodbg -x
attach sim:16   # a comment after a command
view w = u32[4] @ sim0
w[0] = 0x2a # set it
echo "a # is no comment in a string" and#this#word
p w[0]
source b.iodbg
echo never
X
cat >b.iodbg <<'X'
p w[0] + 1

p w[4]
echo not reached
X
run -q -x a.iodbg
[ "$(cat st)" = 1 ] || fail "a failing sourced line does not give 1"
printf '%s\n' 'a # is no comment in a string and#this#word' 'w[0] = 0x2a' 'w[0]+1 = 43 (0x2b)' \
	| diff - out || fail "script output"
[ "$(cat err)" = "b.iodbg:3: error: w[4]: index 4 out of range 0..4" ] || fail "FILE:LINE: $(cat err)"

# -k goes on, the status stays 1
run -q -k -x a.iodbg
[ "$(cat st)" = 1 ] || fail "-k status"
grep -qx 'never' out || fail "-k did not go on"
grep -qx 'not reached' out || fail "-k did not go on inside source"

# -c and -x run in command-line order; an error in -c is "iodbg: error:"
run -q -c 'attach sim:8' -c 'view v = u8[8] @ sim0' -x /dev/stdin -c 'p v[1]' <<<'v[1] = 3'
[ "$(cat st)" = 0 ] || fail "-c/-x order: $(cat err)"
[ "$(cat out)" = "v[1] = 0x3" ] || fail "-c/-x order output: $(cat out)"
run -q -c 'p nosuch'
[ "$(cat st)" = 1 ] || fail "-c failure status"
[ "$(cat err)" = "iodbg: error: no view, region or enumerator named 'nosuch'" ] ||
	fail "-c error: $(cat err)"

# commands from standard input when it is not a terminal
printf 'attach sim:4\np 6 * 7\n' | "$BIN" -q >out 2>err || fail "stdin status"
[ "$(cat out)" = "6*7 = 42 (0x2a)" ] || fail "stdin output: $(cat out)"
printf 'p 1\np nosuch\np 2\n' | "$BIN" -q >out 2>err
[ $? = 1 ] || fail "stdin stops with 1"
[ "$(cat out)" = "1 = 1 (0x1)" ] || fail "stdin did not stop at the failure"
[ "$(cat err)" = "<stdin>:2: error: no view, region or enumerator named 'nosuch'" ] ||
	fail "stdin error: $(cat err)"

# command-line attach and -t go first, in order; attach X as NAME
run -q attach sim:8 as mem8 -c 'regions'
[ "$(cat out)" = "mem8: sysmem, 8 bytes (0x8), widths 8/16/32/64, writable, sim" ] ||
	fail "attach as: $(cat out)"
run attach sim:8 -c 'echo hi'
printf '%s\n' 'sim0: sysmem, 8 bytes (0x8), widths 8/16/32/64, writable, sim' 'hi' | diff - out ||
	fail "informational attach line"
run -q -t nosuch.o -c 'echo hi'
[ "$(cat st)" = 1 ] || fail "a -t that cannot be loaded is not 1"
[ ! -s out ] || fail "-c ran after -t failed"

# a script that is a directory or missing
run -q -x .
[ "$(cat st)" = 1 ] || fail "directory script status"
grep -q "Is a directory" err || fail "directory script: $(cat err)"
run -q -x missing.iodbg
grep -q "missing.iodbg: No such file or directory" err || fail "missing script: $(cat err)"

# a closed pipe: exit 1, quietly
"$BIN" -q -c 'attach sim:4' -c 'for $i in 0..100000 p $i' 2>err | head -n 1 >/dev/null
st=${PIPESTATUS[0]}
[ "$st" = 1 ] || fail "closed pipe status $st"
[ ! -s err ] || fail "closed pipe is not quiet: $(cat err)"
exit 0
