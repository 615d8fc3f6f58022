# SPDX-License-Identifier: GPL-2.0-or-later
# The command line's own contract (spec §2): --version, --help, usage errors exit 2.
set -u
fail() { echo "usage.sh: $*"; exit 1; }
status() { "$@" >/dev/null 2>&1; echo $?; }

[ "$("$BIN" --version)" = "iodbg 0.1.0" ] || fail "--version"
"$BIN" --help | grep -q '^Usage: iodbg' || fail "--help"
[ "$(status "$BIN" --no-such-option)" = 2 ] || fail "unknown option is not 2"
[ "$(status "$BIN" -t)" = 2 ] || fail "missing argument is not 2"
[ "$(status "$BIN" attach sim:zz)" = 2 ] || fail "bad attach syntax on the command line is not 2"
[ "$(status "$BIN" -c 'attach sim:zz')" = 1 ] || fail "bad attach syntax in -c is not 1"
"$BIN" --no-such 2>&1 >/dev/null | grep -q "^iodbg: unknown option '--no-such'" ||
	fail "unknown option message"
# options may stand anywhere
[ "$("$BIN" attach sim:16 -c 'print 1+2' -q)" = "1+2 = 3 (0x3)" ] || fail "options after words"
exit 0
