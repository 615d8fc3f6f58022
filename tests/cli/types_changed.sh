# SPDX-License-Identifier: GPL-2.0-or-later
# A types file written over in place while a session has it loaded (a rebuild that
# truncates the old object): the next lookup that would read it says the file changed
# and reads nothing from it (a smaller file would otherwise fault past its new end);
# types read before stay; `load` again reads the new contents.
set -u
fail() { echo "types_changed.sh: $*"; exit 1; }
read -r -a wrap <<<"${IODBG_TEST_WRAPPER:-}"

command -v gcc >/dev/null || { echo "gcc is not installed"; exit 77; }
# Big: 3000 structs over ~600 KiB; small: one struct, one page.
for ((i = 0; i < 3000; i++)); do
	echo "struct s$i { int x; long y; char z[$((i + 1))]; } v$i;"
done >big.c
echo 'struct c { int x; } c;' >small.c
gcc -g -c big.c -o big.o && gcc -g -c small.c -o small.o || fail "cannot compile"
cp big.o t.o

mkfifo in
${wrap[@]+"${wrap[@]}"} "$BIN" -q -k <in >out 2>err &
pid=$!
exec 7>in
echo 'load t.o' >&7
echo 'ptype struct s3' >&7
# Output to a file is buffered, errors are not: one marks that the lookup above is done.
echo 'ptype struct marker' >&7
for ((i = 0; i < 600; i++)); do         # up to 60 s (valgrind)
	grep -q marker err 2>/dev/null && break
	sleep 0.1
done
grep -q marker err || { kill $pid; fail "the first lookups did not answer: $(cat err)"; }
cat small.o >t.o                        # in place: same inode, shorter
echo 'ptype struct s2999' >&7           # would read past the new end
echo 'ptype struct s2998' >&7           # the file is no longer read: unknown
echo 'ptype struct s3' >&7              # read before the change: still known
echo 'load t.o' >&7
echo 'ptype struct c' >&7
exec 7>&-
wait $pid
st=$?

[ $st -eq 1 ] || fail "exit status $st, wanted 1 (errors with -k); stderr: $(cat err)"
want_err="<stdin>:3: error: unknown type 'struct marker'
<stdin>:4: error: $PWD/t.o: changed on disk since it was loaded; its types are no longer read (load it again)
<stdin>:5: error: unknown type 'struct s2998'"
[ "$(cat err)" = "$want_err" ] || fail "stderr:
$(cat err)
wanted:
$want_err"
[ "$(grep -c 'size: 24,' out)" = 2 ] || fail "struct s3 not printed twice: $(cat out)"
grep -q '^struct c {' out || fail "the file loaded again has no struct c: $(cat out)"
grep -q 's2999' out && fail "struct s2999 was printed: $(cat out)"
echo "ok"
