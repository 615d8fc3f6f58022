# SPDX-License-Identifier: GPL-2.0-or-later
# Fault injection through the real binary, signals: SIGINT (kill -INT) during a poll that
# never holds, a watch, a long copy, fill and dump, and a for loop (whatever its body), in
# scripts (-x), in commands read from a pipe and in -c; and SIGPIPE when the reader of
# the output goes away (scripts, a for loop in a script, x/, --json, commands on stdin).
# Spec §6: an interrupted poll, copy, fill or for fails with "interrupted" (copy and fill
# say how many bytes were written); an interrupted watch on its own succeeds, and Ctrl-C
# ends the watch, not the session; scripts stop at the first failure (§2); a closed pipe
# makes iodbg exit 1 quietly.
# Each SIGINT is sent once the command is known to run (its output was flushed: poll and
# watch flush before they wait, `watch ... count 1` flushes on its way out). Bounds are
# loose: they hold 20 times slower (valgrind); the big regions are smaller under a wrapper.
set -u
read -r -a wrap <<<"${IODBG_TEST_WRAPPER:-}"
lim=10          # seconds from SIGINT to exit
big=1G          # region for the long copy, fill and dump
bigbytes=$((1 << 30))
if [ ${#wrap[@]} -gt 0 ]; then
	lim=120
	big=512M
	bigbytes=$((1 << 29))
fi
failed=0
ok() { echo "ok - $1"; }
bad() { echo "FAIL - $1: $2"; failed=1; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# start ARGS...: iodbg in the background, stdin from $IN (default /dev/null), stdout a
# FIFO read here (so that a flushed line is seen at once, and the SIGINT follows it within
# a millisecond: a copy of 1 GiB lasts only some 50 ms); pid in $pid
start() {
	rm -f opipe
	mkfifo opipe
	: >out
	${wrap[@]+"${wrap[@]}"} "$BIN" "$@" <"${IN:-/dev/null}" >opipe 2>err &
	pid=$!
	exec 4<opipe
}
# wait_for PATTERN: reads the output into out until a line matches (bash regex); 1 if
# none does within $lim seconds or iodbg ends first
wait_for() {
	local line
	while IFS= read -r -t "$lim" line <&4; do
		printf '%s\n' "$line" >>out
		[[ $line =~ $1 ]] && return 0
	done
	return 1
}
# rest: the remaining output into out, until iodbg ends (at most $lim seconds)
rest() { timeout "$lim" cat <&4 >>out; exec 4<&-; }
# interrupt: one SIGINT, then wait at most $lim seconds; status in $s (124: it did not
# stop, and was killed), milliseconds from the signal to the exit in $el
interrupt() {
	local t0 i
	t0=$(now_ms)
	kill -INT $pid 2>/dev/null
	rest
	for ((i = 0; i < lim * 20; i++)); do
		kill -0 $pid 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 $pid 2>/dev/null; then
		kill -KILL $pid
		wait $pid
		s=124
	else
		wait $pid
		s=$?
	fi
	el=$(($(now_ms) - t0))
}
# stopped: the iodbg of $pid, not yet known to be running its command, gives up
abandon() { kill -KILL $pid 2>/dev/null; rest; wait $pid 2>/dev/null; s=125; el=0; }
show() { echo "status $s$([ $s = 124 ] && echo " (did not stop within ${lim}s)"), after ${el}ms;\
 out: $(head -c 300 out); err: $(head -c 300 err)"; }

head_w='attach sim:8
view w = u32[2] @ sim0'

# ---- poll that never holds, in a script: fails, the script stops, status 1 ----
cat >poll.iodbg <<EOF
$head_w
echo ready
poll w[0] == 1 timeout 1000s every 10ms
echo never
EOF
start -q -x poll.iodbg
if wait_for '^ready$'; then interrupt; else abandon; fi
if [ $s = 1 ] && [ "$(cat out)" = ready ] && [ "$(cat err)" = "poll.iodbg:4: error: interrupted" ]
then
	ok "SIGINT during poll in a script: 'interrupted', the script stops, status 1 (${el}ms)"
else
	bad "SIGINT during poll in a script" "$(show)"
fi

# ---- the same with the commands on a pipe: the same rules as a script ----
printf '%s\n' "$head_w" 'echo ready' 'poll w[0] == 1 timeout 1000s' 'echo never' >poll.in
IN=poll.in start -q
if wait_for '^ready$'; then interrupt; else abandon; fi
if [ $s = 1 ] && [ "$(cat out)" = ready ] && [ "$(cat err)" = "<stdin>:4: error: interrupted" ]
then
	ok "SIGINT during poll, commands on stdin: 'interrupted', status 1 (${el}ms)"
else
	bad "SIGINT during poll, commands on stdin" "$(show)"
fi

# ---- watch: Ctrl-C ends the watch, not the session; the watch succeeds ----
cat >watch.iodbg <<EOF
$head_w
watch w[0] every 10ms for 1000s
echo after
EOF
start -q -x watch.iodbg
if wait_for '^w\[0\] = 0x0$'; then interrupt; else abandon; fi
if [ $s = 0 ] && [ "$(cat out)" = "w[0] = 0x0
after" ] && [ ! -s err ]; then
	ok "SIGINT during watch in a script: the watch ends, the script goes on, status 0 (${el}ms)"
else
	bad "SIGINT during watch in a script (want: 'after' printed, status 0)" "$(show)"
fi
printf '%s\n' "$head_w" 'watch w[0] for 1000s' 'echo after' >watch.in
IN=watch.in start -q
if wait_for '^w\[0\] = 0x0$'; then interrupt; else abandon; fi
if [ $s = 0 ] && [ "$(cat out)" = "w[0] = 0x0
after" ] && [ ! -s err ]; then
	ok "SIGINT during watch, commands on stdin: the session goes on, status 0 (${el}ms)"
else
	bad "SIGINT during watch, commands on stdin (want: 'after' printed, status 0)" "$(show)"
fi
# -c: the watch is the last command; it succeeds
start -q -c 'attach sim:8' -c 'view w = u32[2] @ sim0' -c 'watch w[1] for 1000s'
if wait_for '^w\[1\] = 0x0$'; then interrupt; else abandon; fi
if [ $s = 0 ] && [ "$(cat out)" = "w[1] = 0x0" ] && [ ! -s err ]; then
	ok "SIGINT during watch in -c: it ends and succeeds (${el}ms)"
else
	bad "SIGINT during watch in -c" "$(show)"
fi

# ---- a script of commands that do not wait: Ctrl-C stops it, as an error, also with -k ----
yes 'print 1' | head -n 2000000 >many.iodbg
for k in "" -k; do
	start -q $k -x many.iodbg
	if wait_for '^1 = 1 \(0x1\)$'; then interrupt; else abandon; fi
	lines=$(wc -l <out)
	# the line that was running when the signal came finished: every line up to it printed
	# (a write of stdout that the signal interrupted loses nothing)
	at=$(sed -n 's/^many\.iodbg:\([0-9]*\): error: interrupted$/\1/p' err)
	if [ $s = 1 ] && [ "$(wc -l <err)" = 1 ] && [ -n "$at" ] && [ "$lines" = "$at" ] &&
		[ "$lines" -lt 2000000 ]; then
		ok "SIGINT during a script of prints${k:+ with $k}: it stops at line $at, 'interrupted', every line before printed, status 1 (${el}ms)"
	else
		bad "SIGINT during a script of prints${k:+ with $k}" "$(show) ($lines lines)"
	fi
done

# ---- for, whatever its body, fails with interrupted ----
# a body that waits: the watch ends, the for fails
start -q -c 'attach sim:8' -c 'view w = u32[2] @ sim0' -c 'for $i in 0..1000 watch w[0] for 1000s' \
	-c 'echo never'
if wait_for '^w\[0\] = 0x0$'; then interrupt; else abandon; fi
if [ $s = 1 ] && [ "$(cat out)" = "w[0] = 0x0" ] && [ "$(cat err)" = "iodbg: error: interrupted" ]
then
	ok "SIGINT during a for whose body is a watch: 'interrupted', status 1 (${el}ms)"
else
	bad "SIGINT during a for whose body is a watch" "$(show)"
fi
# a long loop of quick commands (100 million of them: minutes, not milliseconds)
cat >for.iodbg <<EOF
$head_w
watch w[0] count 1
for \$i in 0..100000000 \$x = \$i
echo never
EOF
start -q -x for.iodbg
if wait_for '^w\[0\] = 0x0$'; then
	sleep 0.3     # past the start of the for, whose line clears an earlier Ctrl-C
	interrupt
else
	abandon
fi
if [ $s = 1 ] && [ "$(cat out)" = "w[0] = 0x0" ] && [ "$(cat err)" = "for.iodbg:4: error: interrupted" ]
then
	ok "SIGINT during for 0..100000000 in a script: 'interrupted', status 1 (${el}ms)"
else
	bad "SIGINT during a long for in a script" "$(show)"
fi
# a loop of copies: the copy or the for reports the interruption
start -q -c 'attach sim:16M' -c 'view w = u32[2] @ sim0' -c 'watch w[0] count 1' \
	-c 'for $i in 0..100000000 copy sim0+0 sim0+0x800000 0x800000' -c 'echo never'
if wait_for '^w\[0\] = 0x0$'; then
	sleep 0.3
	interrupt
else
	abandon
fi
if [ $s = 1 ] && [ "$(cat out)" = "w[0] = 0x0" ] &&
   grep -Eqx 'iodbg: error: interrupted( after [0-9]+ bytes written)?' err &&
   [ "$(wc -l <err)" = 1 ]; then
	ok "SIGINT during a for of copies: $(cat err), status 1 (${el}ms)"
else
	bad "SIGINT during a for of copies" "$(show)"
fi

# ---- a dump to a FIFO that no one reads waits in open(2): Ctrl-C ends that too ----
mkfifo nf
start -q -c 'attach sim:8' -c 'view b = u8[8] @ sim0' -c 'dump b nf'
# blocked in openat (x86-64 system call 257), as /proc tells
for ((i = 0; i < lim * 20; i++)); do
	[ "$(cut -d' ' -f1 /proc/$pid/syscall 2>/dev/null)" = 257 ] && break
	sleep 0.05
done
if [ "$(cut -d' ' -f1 /proc/$pid/syscall 2>/dev/null)" = 257 ]; then interrupt; else abandon; fi
if [ $s = 1 ] && [ "$(cat err)" = "iodbg: error: interrupted after 0 bytes written" ]; then
	ok "SIGINT while a dump waits for a FIFO's reader: 'interrupted after 0 bytes written' (${el}ms)"
else
	bad "SIGINT while a dump waits for a FIFO's reader" "$(show)"
fi
rm -f nf

# ---- one long copy, fill or dump: "interrupted after N bytes written" ----
# Each starts right after the watch line; if it still ends before the signal (a very
# fast machine), it is tried again, three times at most.
printf 'the old dump\n' >d.orig
long_op() {     # long_op WHAT COMMAND: sets s, el and n (the bytes written, or "")
	local try
	for _ in 1 2 3; do
		cp d.orig d.bin
		start -q -c "attach sim:$big" -c "view b = u8[$bigbytes] @ sim0" \
			-c 'watch b[0] count 1' -c "$2" -c 'echo finished'
		if wait_for '^b\[0\] = 0x0$'; then interrupt; else abandon; fi
		grep -qx finished out || break
		echo "# $1 ended before SIGINT came: trying again"
	done
	n=$(sed -n 's/^iodbg: error: interrupted after \([0-9]*\) bytes written$/\1/p' err)
}
long_op copy 'copy sim0+0 sim0+1 '$((bigbytes - 1))
if [ $s = 1 ] && [ "$(cat out)" = "b[0] = 0x0" ] && [ -n "$n" ] && [ "$n" -lt $((bigbytes - 1)) ] &&
   [ "$(wc -l <err)" = 1 ]; then
	ok "SIGINT during a copy of $big: interrupted after $n bytes written, status 1 (${el}ms)"
else
	bad "SIGINT during a long copy" "$(show)"
fi
long_op fill "fill b 0x5a"
if [ $s = 1 ] && [ "$(cat out)" = "b[0] = 0x0" ] && [ -n "$n" ] && [ "$n" -lt $bigbytes ] &&
   [ "$(wc -l <err)" = 1 ]; then
	ok "SIGINT during a fill of $big: interrupted after $n bytes written, status 1 (${el}ms)"
else
	bad "SIGINT during a long fill" "$(show)"
fi
# a dump over an existing file: it is left as it was, no temporary file stays
long_op dump "dump b d.bin"
if [ $s = 1 ] && [ -n "$n" ] && [ "$n" -lt $bigbytes ] && [ "$(wc -l <err)" = 1 ] &&
   cmp -s d.bin d.orig &&
   ! ls -A | grep -q '\.iodbg-'; then
	ok "SIGINT during a dump of $big: interrupted after $n bytes, old file intact, no temporary"
else
	bad "SIGINT during a long dump" "$(show); files: $(ls -A | tr '\n' ' ')"
fi

# ---- the interactive REPL (a pseudo-terminal, Ctrl-C typed): the session goes on ----
# (repl_pty.py does this for poll; here: watch, a for of copies, one long copy to a file)
if /usr/bin/python3 - "$lim" "$big" $((bigbytes - 1)) ${wrap[@]+"${wrap[@]}"} "$BIN" >pty.log 2>&1 <<'EOF'
import os, pty, re, select, signal, sys, time
lim, big, len1, argv = float(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:] + ["-q"]
slow = 10 if len(argv) > 2 else 1
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
buf = b""
def expect(pat, what):
    global buf
    rx, end = re.compile(pat.encode()), time.monotonic() + lim
    while True:
        m = rx.search(buf)
        if m:
            buf = buf[m.end():]
            return
        left = end - time.monotonic()
        r = select.select([fd], [], [], max(left, 0))[0] if left > 0 else []
        data = b""
        if r:
            try:
                data = os.read(fd, 65536)
            except OSError:
                pass
        if not data:
            print(f"{what}: no {pat!r} in {buf[-300:]!r}")
            os.kill(pid, signal.SIGKILL)
            sys.exit(1)
        buf += data
def cmd(line):
    os.write(fd, (line + "\r").encode())
P = r"iodbg> "
expect(P, "first prompt")
cmd(f"attach sim:{big}")
expect(P, "attach")
cmd("view w = u32[2] @ sim0")
expect(P, "view")
cmd("watch w[1] for 1000s")
expect(r"w\[1\] = 0x0\r\n", "watch's first value")
os.write(fd, b"\x03")
expect(P, "prompt after Ctrl-C during watch")
cmd("for $i in 0..100000000 copy sim0+0 sim0+0x800000 0x800000")
time.sleep(0.5 * slow)
os.write(fd, b"\x03")
expect(r"error: interrupted[^\r\n]*\r\n", "Ctrl-C during a for of copies")
expect(P, "prompt after the interrupted for")
# to a file: a copy that writes to the disk lasts long enough for a typed Ctrl-C
cmd(f"copy sim0+0 file:pty.bin {len1}")
time.sleep(0.05 * slow)
os.write(fd, b"\x03")
expect(r"error: interrupted after [0-9]+ bytes written\r\n", "Ctrl-C during one long copy")
expect(P, "prompt after the interrupted copy")
cmd("p 6 * 7")
expect(r"6\*7 = 42 \(0x2a\)", "the session goes on")
expect(P, "prompt")
cmd("quit")
end = time.monotonic() + lim
while time.monotonic() < end:
    p, status = os.waitpid(pid, os.WNOHANG)
    if p:
        code = os.waitstatus_to_exitcode(status)
        if code != 1:
            print(f"exit status {code}: the interrupted for and copy failed, 1 is due")
            sys.exit(1)
        sys.exit(0)
    try:
        if select.select([fd], [], [], 0.1)[0]:
            os.read(fd, 65536)
    except OSError:
        pass
os.kill(pid, signal.SIGKILL)
print("the program did not exit after quit")
sys.exit(1)
EOF
then
	if [ -e pty.bin ] || ls -A | grep -q '\.iodbg-'; then
		bad "Ctrl-C in the REPL" "the interrupted copy left a file: $(ls -A | tr '\n' ' ')"
	else
		ok "Ctrl-C in the REPL during watch, a for of copies, a copy to a file: the session\
 goes on, status 1, no file left"
	fi
else
	bad "Ctrl-C in the REPL" "$(tail -n 5 pty.log)"
fi

# ---- SIGPIPE: the reader goes away; exit 1, quietly, promptly ----
# (scripts.sh has a for loop in -c; these are the other forms)
# piped WHAT MAXMS ARGS...: iodbg ARGS | head -n 1, stdin from $IN; with MAXMS > 0, it must
# also end within MAXMS milliseconds (a loop that goes on printing into the closed pipe
# until its end is not "prompt")
piped() {
	local what=$1 max=$2 t0 st
	shift 2
	t0=$(now_ms)
	timeout $((lim * 6)) ${wrap[@]+"${wrap[@]}"} "$BIN" "$@" <"${IN:-/dev/null}" 2>err |
		head -n 1 >first
	st=${PIPESTATUS[0]}
	el=$(($(now_ms) - t0))
	if [ "$st" = 1 ] && [ ! -s err ] && [ -s first ] && { [ "$max" = 0 ] || [ $el -le "$max" ]; }
	then
		ok "closed pipe, $what: status 1, quiet (${el}ms)"
	else
		bad "closed pipe, $what" "status $st$([ "$st" = 124 ] && echo ' (hung)'), after ${el}ms\
$([ "$max" = 0 ] || echo " (at most ${max}ms)"); first line: $(cat first); err: $(head -c 300 err)"
	fi
}
# Under a wrapper the loops are shorter and time is not judged.
n_lines=200000 n_loop=10000000 max=2000 xsim=16M xn=2097152
[ ${#wrap[@]} -gt 0 ] && n_lines=20000 n_loop=200000 max=0 xsim=1M xn=131072
{ echo "$head_w"; for ((i = 0; i < n_lines; i++)); do echo 'p w[0]'; done; } >prints.iodbg
piped "a script of $n_lines prints" 0 -q -x prints.iodbg
IN=prints.iodbg piped "$n_lines prints on stdin" 0 -q
piped "x/ of $xsim" 0 -q -c "attach sim:$xsim" -c "x/${xn}xg sim0+0"
# a for loop of $n_loop prints runs for seconds: it must stop at the closed pipe
printf '%s\n' "$head_w" "for \$i in 0..$n_loop p w[\$i % 2]" >forp.iodbg
piped "for 0..$n_loop of prints in a script" $max -q -x forp.iodbg
piped "--json for 0..$n_loop" $max -q --json -c 'attach sim:8' -c "for \$i in 0..$n_loop p 1+\$i"

# a dump or copy that was not interrupted in time can leave a file of a GiB: not kept
rm -f d.bin pty.bin
exit $failed
