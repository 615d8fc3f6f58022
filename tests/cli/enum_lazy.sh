# SPDX-License-Identifier: GPL-2.0-or-later
# Enum constants in expressions (spec §5) from enums that no struct refers to: a fresh
# session finds them by the enumerator name alone, from a scan and from the cache.
set -u
fail() { echo "enum_lazy.sh: $*"; exit 1; }
fix=$TESTDIR/../fixtures/dwarf
read -r -a wrap <<<"${IODBG_TEST_WRAPPER:-}"
iodbg() { ${wrap[@]+"${wrap[@]}"} "$BIN" "$@"; }

command -v gcc >/dev/null || { echo "gcc is not installed"; exit 77; }
gcc -g -fno-eliminate-unused-debug-types -r -nostdlib -o enums.o "$fix/enums_a.c" \
	"$fix/enums_b.c" || fail "cannot compile the fixture"

# print NAME -> "NAME = V (0xV)", each in a session of its own
expect() {
	local out
	out=$(iodbg -q -t enums.o -c "print $1" 2>&1) || fail "print $1: $out"
	[ "$out" = "$2" ] || fail "print $1: '$out', wanted '$2'"
}
expect LAZY_READY 'LAZY_READY = 3 (0x3)'
expect LAZY_ANON_B 'LAZY_ANON_B = 6 (0x6)'
expect LAZY_TD_Y 'LAZY_TD_Y = 12 (0xc)'
expect LAZY_MEMBER_ONLY 'LAZY_MEMBER_ONLY = 42 (0x2a)'
expect LAZY_SHARED_ANON 'LAZY_SHARED_ANON = 9 (0x9)'
expect 'LAZY_READY * 2 + LAZY_SHARED_A' 'LAZY_READY*2+LAZY_SHARED_A = 13 (0xd)'
neg=$(iodbg -q -t enums.o -c 'print LAZY_NEG' 2>&1) || fail "print LAZY_NEG: $neg"
case $neg in "LAZY_NEG = -3 "*) ;; *) fail "print LAZY_NEG: '$neg'" ;; esac

# Different values in the two units: an error naming both, exit status 1.
out=$(iodbg -q -t enums.o -c 'print LAZY_PER_UNIT' 2>&1)
[ $? = 1 ] || fail "ambiguous enumerator: status"
case $out in
*"enumerator 'LAZY_PER_UNIT' is ambiguous: 1 in enum {...} (enums_a.c), 2 in enum {...} (enums_b.c)"*) ;;
*) fail "ambiguous enumerator: '$out'" ;;
esac
out=$(iodbg -q -t enums.o -c 'print LAZY_NOT_THERE' 2>&1)
[ $? = 1 ] || fail "unknown name: status"
case $out in *"no view, region or enumerator named 'LAZY_NOT_THERE'"*) ;; *) fail "unknown: '$out'" ;; esac

# The index went to the cache with the first run: a later session reads it, same answer.
out=$(iodbg --trace -t enums.o -c 'print LAZY_READY' 2>&1) || fail "cached run: $out"
case $out in *"cache: hit"*) ;; *) fail "second run did not read the cache: '$out'" ;; esac
case $out in *"LAZY_READY = 3 (0x3)"*) ;; *) fail "from the cache: '$out'" ;; esac
exit 0
