# SPDX-License-Identifier: GPL-2.0-or-later
# Fault injection through the real binary, I/O side: a file: region truncated under a
# live mapping, dump onto /dev/full, into a read-only directory, onto a full file system
# and to /dev/stdout when it is a pipe (an existing destination stays byte for byte, no
# temporary file stays behind), restore from a file that reads shorter than its stat size
# (the region is left as it was), file: targets that are a FIFO, a directory or a socket,
# an unreadable script, and files in a directory that does not exist.
# Root is not enough for the permission cases: they run as nobody (setpriv). Mounts are
# made only inside `unshare -m`, on tmpfs. Every run is bounded by `timeout`.
set -u
read -r -a wrap <<<"${IODBG_TEST_WRAPPER:-}"
# bounds are loose, and ten times looser under a wrapper (valgrind)
tmo=20
[ ${#wrap[@]} -gt 0 ] && tmo=200
failed=0
ok() { echo "ok - $1"; }
bad() { echo "FAIL - $1: $2"; failed=1; }
# run ARGS...: iodbg ARGS with stdin from /dev/null; out, err and st hold the results
run() { timeout "$tmo" ${wrap[@]+"${wrap[@]}"} "$BIN" "$@" </dev/null >out 2>err; echo $? >st; }
st() { cat st; }
# the status, saying so when timeout had to stop it
hung() { local s; s=$(cat st); [ "$s" = 124 ] && echo "124 (it hung)" || echo "$s"; }
# as nobody, who cannot write the test directory (root ignores file modes)
nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
# wait_for PATTERN FILE: until a line of FILE matches (grep -E), at most $tmo seconds
wait_for() {
	local i
	for ((i = 0; i < tmo * 20; i++)); do
		grep -Eq -- "$1" "$2" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
# no .NAME.iodbg-XXXXXX left in DIR
no_temp() { ! ls -A "$1" | grep -q '\.iodbg-'; }
chmod 755 .     # mktemp made it 0700: nobody must reach the files below
sim64=(-c 'attach sim:64' -c 'view b = u8[64] @ sim0' -c 'for $i in 0..64 b[$i] = $i + 1')

# ---- a file: region truncated under the live mapping ----
# IMG holds its own offsets as u32 words; one session reads from its end, the shell
# truncates it, the session reads the same word again (SIGBUS: a named error, no crash),
# then a word still inside the file, then goes on (-k, so the status is 1).
python3 -c '
import struct, sys
sys.stdout.buffer.write(b"".join(struct.pack("<I", o) for o in range(0, 16384, 4)))' >IMG
printf 'keep me\n' >d.bin
cp d.bin d.orig
mkfifo cmds
timeout "$tmo" ${wrap[@]+"${wrap[@]}"} "$BIN" -q -k <cmds >out 2>err &
pid=$!
exec 3>cmds
printf '%s\n' 'attach file:IMG' 'view w = u32[4096] @ file0' 'p w[4095]' 'watch w[0] count 1' >&3
# the watch flushes the output: once its line is there, the first read is done
if wait_for '^w\[0\] = 0x0$' out; then
	truncate -s 4096 IMG
	printf '%s\n' 'p w[4095]' 'p w[1023]' 'x/1xw file0+0xffc' 'dump w d.bin' 'echo after' >&3
fi
exec 3>&-
wait $pid
s=$?
cat >want.out <<'EOF'
w[4095] = 0x3ffc
w[0] = 0x0
w[1023] = 0xffc
file0+0xffc:	0x00000ffc
after
EOF
cat >want.err <<'EOF'
<stdin>:5: error: w[4095]: file0+0x3ffc: 32-bit read faulted: SIGBUS (no backing storage at that address)
<stdin>:8: error: file0+0x0: copy of 16384 bytes faulted: SIGBUS (no backing storage at that address)
EOF
if [ $s = 1 ] && diff -u want.out out && diff -u want.err err; then
	ok "truncated file: region: SIGBUS is a named error, the session goes on, status 1"
else
	bad "truncated file: region" "status $s (want 1); out: $(cat out); err: $(cat err)"
fi
if cmp -s d.bin d.orig && no_temp .; then
	ok "a dump that faults leaves the existing file as it was, no temporary file"
else
	bad "a dump that faults" "d.bin: $(od -c d.bin | head -2); files: $(ls -A)"
fi

# ---- dump onto /dev/full: written in place, the write fails with ENOSPC ----
run -q "${sim64[@]}" -c 'dump b /dev/full' -c 'echo not reached'
if [ "$(st)" = 1 ] && [ ! -s out ] &&
   [ "$(cat err)" = "iodbg: error: /dev/full: write: No space left on device" ]; then
	ok "dump to /dev/full: ENOSPC named, status 1"
else
	bad "dump to /dev/full" "status $(st); out: $(cat out); err: $(cat err)"
fi
run -q "${sim64[@]}" -c 'copy sim0+8 file:/dev/full 16'
if [ "$(st)" = 1 ] && [ "$(cat err)" = "iodbg: error: /dev/full: write: No space left on device" ]
then
	ok "copy to file:/dev/full: ENOSPC named, status 1"
else
	bad "copy to file:/dev/full" "status $(st); err: $(cat err)"
fi

# ---- dump into a read-only directory (as nobody, mode 555) ----
mkdir ro
printf 'old contents\n' >ro/d.bin
chmod 644 ro/d.bin
cp ro/d.bin ro.orig
chmod 555 ro
nobody timeout "$tmo" ${wrap[@]+"${wrap[@]}"} "$BIN" -q "${sim64[@]}" -c 'dump b ro/d.bin' \
	</dev/null >out 2>err
s=$?
if [ $s = 1 ] && [ "$(cat err)" = "iodbg: error: ro/d.bin: Permission denied" ] &&
   cmp -s ro/d.bin ro.orig && [ "$(ls -A ro)" = d.bin ]; then
	ok "dump over a file in a read-only directory: EACCES, file intact, nothing left"
else
	bad "dump in a read-only directory" "status $s; err: $(cat err); ro: $(ls -A ro)"
fi
nobody timeout "$tmo" ${wrap[@]+"${wrap[@]}"} "$BIN" -q "${sim64[@]}" -c 'dump b ro/new.bin' \
	</dev/null >out 2>err
s=$?
if [ $s = 1 ] && [ "$(cat err)" = "iodbg: error: ro/new.bin: Permission denied" ] &&
   [ "$(ls -A ro)" = d.bin ]; then
	ok "dump of a new file in a read-only directory: EACCES, no file made"
else
	bad "new file in a read-only directory" "status $s; err: $(cat err); ro: $(ls -A ro)"
fi
chmod 755 ro

# ---- read-only and full file systems (tmpfs inside a private mount namespace) ----
if [ "$(id -u)" = 0 ] && unshare -m --propagation private true 2>/dev/null; then
	mkdir -p rofs full
	printf 'rofs file\n' >rofs.orig
	head -c 5000 /dev/urandom >full.orig
	unshare -m --propagation private bash -c '
		mount -t tmpfs -o size=1M faults-ro rofs || exit 9
		cp rofs.orig rofs/d.bin
		mount -o remount,ro rofs || exit 9
		timeout '"$tmo ${wrap[*]+${wrap[*]}}"' "$BIN" -q -c "attach sim:64" \
			-c "view b = u8[64] @ sim0" -c "dump b rofs/d.bin" >ro.out 2>ro.err
		echo $? >ro.st
		ls -A rofs >ro.ls
		cp rofs/d.bin rofs.after
		mount -t tmpfs -o size=64K faults-full full || exit 9
		cp full.orig full/d.bin
		timeout '"$tmo ${wrap[*]+${wrap[*]}}"' "$BIN" -q -c "attach sim:1M" \
			-c "view b = u8[1048576] @ sim0" -c "fill b 0x77" -c "dump b full/d.bin" \
			>full.out 2>full.err
		echo $? >full.st
		ls -A full >full.ls
		cp full/d.bin full.after
	'
	ns=$?
	if [ $ns != 0 ]; then
		bad "read-only and full file systems" "the namespace setup failed ($ns)"
	else
		if [ "$(cat ro.st)" = 1 ] &&
		   [ "$(cat ro.err)" = "iodbg: error: rofs/d.bin: Read-only file system" ] &&
		   cmp -s rofs.after rofs.orig && [ "$(cat ro.ls)" = d.bin ]; then
			ok "dump on a read-only file system: EROFS, file intact, nothing left"
		else
			bad "dump on a read-only file system" \
				"status $(cat ro.st); err: $(cat ro.err); files: $(cat ro.ls)"
		fi
		if [ "$(cat full.st)" = 1 ] &&
		   [ "$(cat full.err)" = "iodbg: error: full/d.bin: write: No space left on device" ] &&
		   cmp -s full.after full.orig && [ "$(cat full.ls)" = d.bin ]; then
			ok "dump onto a full file system: ENOSPC, file intact, temporary removed"
		else
			bad "dump onto a full file system" \
				"status $(cat full.st); err: $(cat full.err); files: $(cat full.ls)"
		fi
	fi
else
	bad "read-only and full file systems" "cannot run: needs root and unshare -m (the tests run as root)"
fi

# ---- dump to /dev/stdout when standard output is a pipe ----
# Spec §6: a FILE that exists and is not a regular file (/dev/stdout) is written in place.
# Run with a private tmpfs over /dev holding only the stdout link, so that whatever the
# program does to /dev/stdout stays in the namespace.
if [ "$(id -u)" = 0 ] && unshare -m --propagation private true 2>/dev/null; then
	unshare -m --propagation private bash -c '
		mount -t tmpfs faults-dev /dev || exit 9
		ln -s /proc/self/fd/1 /dev/stdout
		timeout '"$tmo ${wrap[*]+${wrap[*]}}"' "$BIN" -q -c "attach sim:64" \
			-c "view b = u8[64] @ sim0" -c "for \$i in 0..64 b[\$i] = \$i + 1" \
			-c "dump b /dev/stdout" 2>pipe.err | cat >pipe.bin
		echo "${PIPESTATUS[0]}" >pipe.st
		{ stat -c "%n: %F" /dev/stdout; ls -A /dev; } >pipe.dev
		# a reader that goes away: the closed-pipe rule, and /dev is still untouched
		timeout '"$tmo ${wrap[*]+${wrap[*]}}"' "$BIN" -q -c "attach sim:16M" \
			-c "view b = u8[16777216] @ sim0" -c "dump b /dev/stdout" 2>head.err |
			head -c 10 >head.bin
		echo "${PIPESTATUS[0]}" >head.st
		{ stat -c "%n: %F" /dev/stdout; ls -A /dev; } >head.dev
	'
	ns=$?
	python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(1, 65)))' >pipe.want
	printf '%s\n' '/dev/stdout: symbolic link' stdout >dev.want
	if [ $ns != 0 ]; then
		bad "dump to /dev/stdout" "the namespace setup failed ($ns)"
	elif [ "$(cat pipe.st)" = 0 ] && [ ! -s pipe.err ] && cmp -s pipe.bin pipe.want &&
	     diff -q dev.want pipe.dev >/dev/null; then
		ok "dump to /dev/stdout into a pipe: the bytes go down the pipe, /dev/stdout stays"
	else
		bad "dump to /dev/stdout into a pipe" "status $(cat pipe.st); err: $(cat pipe.err);\
 $(wc -c <pipe.bin) bytes came down the pipe; /dev afterwards: $(tr '\n' ' ' <pipe.dev)"
	fi
	if [ $ns = 0 ]; then
		if [ "$(cat head.st)" = 1 ] && [ ! -s head.err ] &&
		   diff -q dev.want head.dev >/dev/null
		then
			ok "dump to /dev/stdout, a closed pipe: status 1, quietly, /dev/stdout stays"
		else
			bad "dump to /dev/stdout, a closed pipe" "status $(cat head.st); err:\
 $(head -c 300 head.err); /dev afterwards: $(tr '\n' ' ' <head.dev)"
		fi
	fi
else
	bad "dump to /dev/stdout" "cannot run: needs root and unshare -m (the tests run as root)"
fi

# ---- restore from a file that reads shorter than its stat size ----
short=
for f in /sys/kernel/mm/transparent_hugepage/enabled /sys/kernel/mm/transparent_hugepage/defrag \
	 /sys/power/state /sys/kernel/uevent_seqnum; do
	[ -r "$f" ] || continue
	n=$(wc -c <"$f")
	if [ "$(stat -c %s "$f")" = 4096 ] && [ "$n" -gt 0 ] && [ "$n" -lt 4096 ]; then
		short=$f
		break
	fi
done
if [ -n "$short" ]; then
	n=$(wc -c <"$short")
	head -c 4096 /dev/zero | tr '\0' '\245' >a5.bin
	run -q -k -c 'attach sim:4K' -c 'view b = u8[4096] @ sim0' -c 'fill b 0xa5' \
		-c "restore $short b" -c "copy file:$short b 4096" -c 'dump b after.bin'
	if [ "$(st)" = 1 ] && cmp -s after.bin a5.bin &&
	   [ "$(cat err)" = "iodbg: error: $short ended after $n of 4096 bytes
iodbg: error: $short ended after $n of 4096 bytes" ]; then
		ok "restore from $short (stat 4096, reads $n): error, region unchanged"
	else
		bad "restore from $short" "status $(st); err: $(cat err); region changed:\
 $(cmp after.bin a5.bin 2>&1)"
	fi
else
	bad "restore from a file that reads shorter than its stat size" \
		"no sysfs attribute here has stat size 4096 and reads shorter (is /sys mounted?)"
fi
# /proc/version says 0 bytes and reads more: it is read to its end. A prefix (LEN) is
# copied; without LEN a destination longer or shorter than what it reads is an error and
# nothing is written
head -c 32 /proc/version >pv.head
pvlen=$(wc -c </proc/version)
run -q -k -c 'attach sim:4K' -c 'view b = u8[64] @ sim0' -c 'view big = u8[4096] @ sim0' \
	-c 'fill big 0xa5' -c 'copy file:/proc/version sim0+0 32' -c 'dump b[0..32] pv.bin' \
	-c 'restore /proc/version b[32..40]' -c 'restore /proc/version big' -c 'x/1xb sim0+40'
if [ "$(st)" = 1 ] && cmp -s pv.bin pv.head && [ "$(cat out)" = "sim0+0x28:	0xa5" ] &&
   [ "$(cat err)" = "iodbg: error: /proc/version is longer than b[32..40] (8 bytes; give LEN to copy a prefix)
iodbg: error: /proc/version is $pvlen bytes but big is 4096 (give LEN to copy a prefix)" ]; then
	ok "copy and restore from /proc/version (stat size 0, reads $pvlen): read to its end"
else
	bad "copy and restore from /proc/version" "status $(st); out: $(cat out); err: $(cat err)"
fi

# ---- file: targets that are a FIFO, a directory, a socket: refused, no hang ----
mkfifo fifo
mkdir adir
python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("sock")'
for t in fifo:FIFO adir:directory sock:socket; do
	p=${t%%:*} what=${t#*:}
	want="iodbg: error: file:$p: is a $what, not a file"
	# open(O_RDWR) of a directory fails first, with EISDIR: as clear, and accepted
	[ $p = adir ] && want2="iodbg: error: file:$p: Is a directory" || want2=$want
	run -q -c "attach file:$p" -c 'echo not reached'
	if [ "$(st)" = 1 ] && [ ! -s out ] && [ "$(cat err)" = "$want" ]; then
		ok "attach file:$p (a $what) in -c: refused, status 1"
	else
		bad "attach file:$p (a $what) in -c" "status $(hung); err: $(cat err)"
	fi
	run -q -w attach "file:$p" -c 'echo not reached'
	if [ "$(st)" = 1 ] && [ ! -s out ] &&
	   { [ "$(cat err)" = "$want" ] || [ "$(cat err)" = "$want2" ]; }; then
		ok "-w attach file:$p (a $what) on the command line: refused, status 1"
	else
		bad "-w attach file:$p (a $what) on the command line" \
			"status $(hung); err: $(cat err)"
	fi
	# the source of a restore must be a regular file (nothing is written)
	run -q "${sim64[@]}" -c "restore $p b" -c 'x/2xb sim0+0'
	if [ "$(st)" = 1 ] && [ ! -s out ] && [ "$(cat err)" = "iodbg: error: $p: not a regular file" ]
	then
		ok "restore from $p (a $what): not a regular file, status 1"
	else
		bad "restore from $p (a $what)" "status $(hung); err: $(cat err)"
	fi
done

# ---- an unreadable script (root's 0600 file, run as nobody) ----
printf 'echo secret\n' >secret.iodbg
chmod 600 secret.iodbg
printf 'echo one\nsource secret.iodbg\necho never\n' >outer.iodbg
chmod 644 outer.iodbg
nobody timeout "$tmo" ${wrap[@]+"${wrap[@]}"} "$BIN" -q -x secret.iodbg -c 'echo never' \
	</dev/null >out 2>err
s=$?
if [ $s = 1 ] && [ ! -s out ] && [ "$(cat err)" = "iodbg: error: secret.iodbg: Permission denied" ]
then
	ok "-x of an unreadable script: EACCES named, nothing run, status 1"
else
	bad "-x of an unreadable script" "status $s; out: $(cat out); err: $(cat err)"
fi
nobody timeout "$tmo" ${wrap[@]+"${wrap[@]}"} "$BIN" -q -x outer.iodbg </dev/null >out 2>err
s=$?
if [ $s = 1 ] && [ "$(cat out)" = one ] &&
   [ "$(cat err)" = "outer.iodbg:2: error: secret.iodbg: Permission denied" ]; then
	ok "source of an unreadable script: FILE:LINE error, the script stops, status 1"
else
	bad "source of an unreadable script" "status $s; out: $(cat out); err: $(cat err)"
fi

# ---- files in a directory that does not exist ----
run -q "${sim64[@]}" -c 'restore nodir/x.bin b' -c 'x/2xb sim0+0'
if [ "$(st)" = 1 ] && [ ! -s out ] &&
   [ "$(cat err)" = "iodbg: error: nodir/x.bin: No such file or directory" ]; then
	ok "restore from a missing directory: ENOENT, status 1"
else
	bad "restore from a missing directory" "status $(st); err: $(cat err)"
fi
run -q -k "${sim64[@]}" -c 'dump b nodir/sub/x.bin' -c 'copy sim0+0 file:nodir/y.bin 4'
if [ "$(st)" = 1 ] && [ ! -e nodir ] && [ "$(cat err)" = "iodbg: error: nodir/sub/x.bin: \
No such file or directory
iodbg: error: nodir/y.bin: No such file or directory" ]; then
	ok "dump and copy into a missing directory: ENOENT, no directory made"
else
	bad "dump into a missing directory" "status $(st); err: $(cat err); $(ls -d nodir 2>&1)"
fi

exit $failed
