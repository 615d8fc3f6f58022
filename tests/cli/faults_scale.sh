# SPDX-License-Identifier: GPL-2.0-or-later
# Fault injection through the real binary, scale: scripts with a 10 MB line (a comment,
# an echo, a 1+1+...+1 expression, 5 million nested parentheses) and a script of a
# million lines (prints over a sim: view, blank lines and comments mixed). Each ends in
# bounded time with the right output or a clear error, and its peak RSS (printed, from
# /usr/bin/time -f %M) stays under a generous bound.
# Under a wrapper (valgrind) the inputs are ten times smaller, and RSS and time, which
# are then the wrapper's, are printed but not judged; nor is RSS under AddressSanitizer,
# whose quarantine keeps up to 256 MB of freed memory.
set -u
read -r -a wrap <<<"${IODBG_TEST_WRAPPER:-}"
line_mb=10 nlines=1000000 tmo=120 judge=1
if [ ${#wrap[@]} -gt 0 ]; then
	line_mb=1 nlines=100000 tmo=1200 judge=0
elif nm "$BIN" 2>/dev/null | grep -q ' __asan_init$'; then
	echo "# built with AddressSanitizer: peak RSS is printed, not judged"
	tmo=600 judge=0
fi
line_bytes=$((line_mb << 20))
failed=0
ok() { echo "ok - $1"; }
bad() { echo "FAIL - $1: $2"; failed=1; }
if [ ! -x /usr/bin/time ]; then
	echo "/usr/bin/time is not installed (make deps installs the package time)"
	exit 1
fi
# measure ARGS...: iodbg ARGS; out, err; status in $s, peak RSS in $rss (KB), time in $ms
measure() {
	local t0
	t0=$(date +%s%N)
	timeout "$tmo" /usr/bin/time -f %M -o rss ${wrap[@]+"${wrap[@]}"} "$BIN" "$@" \
		</dev/null >out 2>err
	s=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	rss=$(tail -n 1 rss)
	case $rss in *[!0-9]*|'') rss=0 ;; esac
	echo "# measured: iodbg $*: status $s, peak RSS $((rss / 1024)) MB ($rss KB), ${ms} ms"
}
# rss_ok MB: the peak RSS is below MB (always true under a wrapper)
rss_ok() { [ $judge = 0 ] || [ "$rss" -lt $(($1 * 1024)) ]; }
gen() { /usr/bin/python3 -c "$1" "${@:2}"; }

# ---- one line of 10 MB ----
# a comment: skipped, then the next line runs
gen 'import sys; n=int(sys.argv[1]); open("comment.iodbg","w").write("#"+"c"*n+"\necho done\n")' \
	$line_bytes
measure -q -x comment.iodbg
if [ $s = 0 ] && [ "$(cat out)" = "done" ] && [ ! -s err ] && rss_ok 200; then
	ok "a ${line_mb} MB comment line: skipped (peak RSS $((rss / 1024)) MB, ${ms} ms)"
else
	bad "a ${line_mb} MB comment line" "status $s, peak RSS $rss KB; err: $(head -c 300 err)"
fi
# the same, the last line of the file with no newline at its end
gen 'import sys; n=int(sys.argv[1]); open("tail.iodbg","w").write("echo a\n#"+"c"*n)' $line_bytes
measure -q -x tail.iodbg
if [ $s = 0 ] && [ "$(cat out)" = a ] && [ ! -s err ] && rss_ok 200; then
	ok "a ${line_mb} MB last line without a newline (peak RSS $((rss / 1024)) MB, ${ms} ms)"
else
	bad "a ${line_mb} MB last line without a newline" "status $s, peak RSS $rss KB;\
 err: $(head -c 300 err)"
fi
# echo of one 10 MB word: printed whole
gen 'import sys; n=int(sys.argv[1]); open("echo.iodbg","w").write("echo "+"y"*n+"\n")' $line_bytes
measure -q -x echo.iodbg
if [ $s = 0 ] && [ "$(wc -c <out)" = $((line_bytes + 1)) ] && [ "$(tr -d y <out)" = "" ] &&
   [ ! -s err ] && rss_ok 200; then
	ok "echo of a ${line_mb} MB word: printed whole (peak RSS $((rss / 1024)) MB, ${ms} ms)"
else
	bad "echo of a ${line_mb} MB word" "status $s, $(wc -c <out) bytes out, peak RSS $rss KB;\
 err: $(head -c 300 err)"
fi
# print 1+1+...+1: the sum, or a clear error naming the line (a limit on depth or length),
# whose echo of the line is a window around the position, not 10 MB
gen 'import sys; n=int(sys.argv[1])//2; open("sum.iodbg","w").write("print "+"+".join(["1"]*n)+"\necho never\n")' \
	$line_bytes
terms=$((line_bytes / 2))
measure -q -x sum.iodbg
first_err=$(head -n 1 err | head -c 300)
if { { [ $s = 0 ] && tail -c 40 out | grep -q "= $terms (0x$(printf %x $terms))\$"; } ||
     { [ $s = 1 ] && [ ! -s out ] && echo "$first_err" | grep -Eq '^sum\.iodbg:1: error: .' &&
       [ "$(wc -c <err)" -lt 1024 ]; }; } &&
   ! grep -q '^==[0-9]*==' err && rss_ok 200; then
	ok "print of a ${line_mb} MB sum: status $s, '$first_err', $(wc -c <err) bytes on stderr\
 (peak RSS $((rss / 1024)) MB, ${ms} ms)"
else
	bad "print of a ${line_mb} MB sum" "status $s, peak RSS $rss KB; out: $(tail -c 100 out);\
 err: $first_err"
fi
# 5 million nested parentheses: no stack overflow, a clear error
gen 'import sys; n=int(sys.argv[1])//2; open("nest.iodbg","w").write("print "+"("*n+"1"+")"*n+"\n")' \
	$line_bytes
measure -q -x nest.iodbg
first_err=$(head -n 1 err | head -c 300)
if [ $s = 1 ] && [ ! -s out ] && echo "$first_err" | grep -Eq '^nest\.iodbg:1: error: .' &&
   ! grep -q '^==[0-9]*==' err && rss_ok 200; then
	ok "print of $((line_bytes / 2)) nested parentheses: '$first_err'\
 (peak RSS $((rss / 1024)) MB, ${ms} ms)"
else
	bad "print of deeply nested parentheses" "status $s (139: SIGSEGV), peak RSS $rss KB;\
 out: $(head -c 100 out); err: $first_err"
fi

# ---- a million lines ----
# a quarter each: p w[3] (a read through a view), print 1+EXPR, blank, a comment
# (it prints how many reads and sums the script holds)
read -r want_reads want_sums < <(gen '
import sys
n = int(sys.argv[1])
with open("million.iodbg", "w") as f:
    f.write("attach sim:64\nview w = u32[16] @ sim0\nw[3] = 7\n")
    for i in range(3, n):
        k = i % 4
        f.write("p w[3]\n" if k == 0 else "print 1 + %d\n" % (i % 10) if k == 1
                else "\n" if k == 2 else "   # comment %d\n" % i)
print(sum(1 for i in range(3, n) if i % 4 == 0), sum(1 for i in range(3, n) if i % 4 == 1))
' $nlines)
measure -q -x million.iodbg
reads=$(grep -cx 'w\[3\] = 0x7' out)
sums=$(grep -cE '^1\+[0-9] = [0-9]+ \(0x[0-9a-f]+\)$' out)
if [ $s = 0 ] && [ ! -s err ] && [ "$(wc -l <out)" = $((want_reads + want_sums)) ] &&
   [ "$reads" = $want_reads ] && [ "$sums" = $want_sums ] && rss_ok 100; then
	ok "a script of $nlines lines: $((want_reads + want_sums)) lines out\
 (peak RSS $((rss / 1024)) MB, ${ms} ms)"
else
	bad "a script of $nlines lines" "status $s, $(wc -l <out) lines out (want\
 $((want_reads + want_sums)): $reads reads, $sums sums), peak RSS $rss KB; err: $(head -c 300 err)"
fi
# the same read from standard input
timeout "$tmo" /usr/bin/time -f %M -o rss ${wrap[@]+"${wrap[@]}"} "$BIN" -q <million.iodbg \
	>out 2>err
s=$?
rss=$(tail -n 1 rss)
case $rss in *[!0-9]*|'') rss=0 ;; esac
echo "# measured: iodbg -q <million.iodbg: status $s, peak RSS $((rss / 1024)) MB ($rss KB)"
if [ $s = 0 ] && [ ! -s err ] && [ "$(wc -l <out)" = $((want_reads + want_sums)) ] && rss_ok 100
then
	ok "$nlines lines on standard input (peak RSS $((rss / 1024)) MB)"
else
	bad "$nlines lines on standard input" "status $s, $(wc -l <out) lines out,\
 peak RSS $rss KB; err: $(head -c 300 err)"
fi

# the inputs and outputs are tens of MB: kept only when something failed
[ $failed = 0 ] && rm -f ./*.iodbg out err
exit $failed
