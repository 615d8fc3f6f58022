# SPDX-License-Identifier: GPL-2.0-or-later
# The bash completion (completions/iodbg.bash), driven as bash drives it: the file is
# sourced, COMP_WORDS/COMP_CWORD/COMP_LINE/COMP_POINT are set as bash splits the line
# (at white space and, as COMP_WORDBREAKS says, at ':' and '='), _iodbg runs, and
# COMPREPLY is checked. PCI slots come from a fake sysfs tree under the test directory.
set -uo pipefail
fail() { echo "completion.sh: $*"; exit 1; }
read -r -a wrap <<<"${IODBG_TEST_WRAPPER:-}"
iodbg() { ${wrap[@]+"${wrap[@]}"} "$BIN" "$@"; }

comp_file=$TESTDIR/../../completions/iodbg.bash
[ -f "$comp_file" ] || fail "no $comp_file"
bash -n "$comp_file" || fail "syntax"

# A fake sysfs: two devices, and a u-dma-buf device; another tree for --sysfs=.
dev() { mkdir -p "$1/bus/pci/devices/$2" && echo "0x$3" >"$1/bus/pci/devices/$2/vendor" &&
	echo "0x$4" >"$1/bus/pci/devices/$2/device"; }
dev sys 0000:01:00.0 10de 2684
dev sys 0000:00:1f.3 8086 a348
dev sys 0001:02:00.0 15b3 1017
mkdir -p sys/class/u-dma-buf/udmabuf0
dev other 0000:3b:00.0 1af4 1041
mkdir -p sub/deeper work
: >regs.bin
: >nova_core.ko
: >tour.iodbg

iodbg --help >usage.txt || fail "--help"

# Runs bash with the completion loaded and the helper `comp LINE` (complete at the end of
# LINE; each reply on a line of its own), then the commands on stdin. BREAKS is
# COMP_WORDBREAKS (bash's default when unset).
run() {
	local breaks=${BREAKS-}
	env -u IODBG_TYPEDB bash --norc --noprofile -s "$comp_file" "$breaks" <<EOF
set -uo pipefail
[ -n "\$2" ] && COMP_WORDBREAKS=\$2
source "\$1"
comp() {
	local line=\$1 cur= ch i
	local -a w=()
	COMP_LINE=\$line
	COMP_POINT=\${#line}
	for ((i = 0; i < \${#line}; i++)); do
		ch=\${line:i:1}
		if [ "\$ch" = " " ]; then
			[ -n "\$cur" ] && w+=("\$cur")
			cur=
		elif [[ \$COMP_WORDBREAKS == *"\$ch"* ]]; then
			[ -n "\$cur" ] && w+=("\$cur")
			cur=
			# a run of break characters is one word
			if [ \${#w[@]} -gt 0 ] && [[ \${w[-1]} =~ ^[:=]+\$ ]] &&
				[ "\${line:i-1:1}" != " " ]; then
				w[-1]+=\$ch
			else
				w+=("\$ch")
			fi
		else
			cur+=\$ch
		fi
	done
	if [ -n "\$cur" ]; then
		w+=("\$cur")
	elif [ "\${line: -1}" = " " ]; then
		w+=("")
	fi
	COMP_WORDS=("\${w[@]}")
	COMP_CWORD=\$((\${#w[@]} - 1))
	COMPREPLY=()
	_iodbg iodbg "\${w[-1]}" "\${w[-2]:-}"
	[ \${#COMPREPLY[@]} -eq 0 ] || printf '%s\n' "\${COMPREPLY[@]}"
}
$(cat)
EOF
}

# expect LINE REPLY...: the replies, in any order, are exactly REPLY...
expect() {
	local line=$1
	shift
	printf 'comp %q\n' "$line" | run | sort >got || fail "bash failed on '$line'"
	printf '%s\n' "$@" | grep . | sort >want
	diff want got >diff.out || fail "'$line' with COMP_WORDBREAKS=${BREAKS-default}: $(cat diff.out)"
}
# has LINE REPLY...: the replies include REPLY...
has() {
	local line=$1 r
	shift
	printf 'comp %q\n' "$line" | run >got || fail "bash failed on '$line'"
	for r in "$@"; do
		grep -qxF -- "$r" got || fail "'$line': no '$r' in: $(tr '\n' ' ' <got)"
	done
}
# lacks LINE REPLY...
lacks() {
	local line=$1 r
	shift
	printf 'comp %q\n' "$line" | run >got || fail "bash failed on '$line'"
	for r in "$@"; do
		! grep -qxF -- "$r" got || fail "'$line': '$r' should not be offered"
	done
}

# ---- options: every one of --help, and their arguments ----
longs=$(grep -oE '^ +(-[A-Za-z], )?--[a-z-]+' usage.txt | grep -oE -- '--[a-z-]+')
shorts=$(grep -oE '^ +-[A-Za-z],' usage.txt | grep -oE -- '-[A-Za-z]')
[ "$(echo "$longs" | wc -l)" -ge 14 ] || fail "options in --help: $longs"
# shellcheck disable=SC2086
has 'iodbg --' $longs
# shellcheck disable=SC2086
has 'iodbg -' $shorts $longs
expect 'iodbg --sc' --script
expect 'iodbg --no' --no-profile
expect 'iodbg attach sim:4K --j' --json
# -t: files and the stock libraries; -x: files and -; --sysfs: directories only
has 'iodbg -t ' nova_core.ko regs.bin sub pci virtio_pci gsp_demo
expect 'iodbg -t nov' nova_core.ko
expect 'iodbg -t gsp' gsp_demo
has 'iodbg -qt ' nova_core.ko gsp_demo
has 'iodbg --types ' nova_core.ko pci
has 'iodbg -x ' tour.iodbg - sub
expect 'iodbg --script t' tour.iodbg
has 'iodbg --script ' tour.iodbg -
lacks 'iodbg --script ' gsp_demo
lacks 'iodbg -x ' gsp_demo
has 'iodbg -wx ' tour.iodbg -
has 'iodbg --sysfs ' sub sys other work
lacks 'iodbg --sysfs ' regs.bin nova_core.ko
expect 'iodbg --sysfs su' sub
expect 'iodbg -c ' ''
expect 'iodbg -tnova_core.ko ' attach demo ptype
# --opt=VALUE: bash splits at '=', so the reply is what follows it
expect 'iodbg --sysfs=sy' sys
expect 'iodbg --types=nov' nova_core.ko
BREAKS=' ' expect 'iodbg --sysfs=su' --sysfs=sub/
BREAKS=' ' expect 'iodbg --types=nov' --types=nova_core.ko

# ---- command words ----
expect 'iodbg ' attach demo ptype
expect 'iodbg -q --json d' demo
expect 'iodbg --sysfs sys a' attach
expect 'iodbg ptype ' struct union enum
expect 'iodbg ptype struct ' ''
has 'iodbg ptype struct GspMem ' nova_core.ko sub
expect 'iodbg ptype u32 nov' nova_core.ko
# shellcheck disable=SC2086
expect 'iodbg demo -' $longs $shorts

# ---- targets ----
# every target kind of --help is offered as a prefix
prefixes=$(sed -n '/^Targets:/,/^$/p' usage.txt | grep -oE '(pci|mem|file|dmabuf|udmabuf|sim):' |
	sort -u)
[ "$(echo "$prefixes" | wc -l)" = 6 ] || fail "targets in --help: $prefixes"
# shellcheck disable=SC2086
expect 'iodbg attach ' $prefixes
expect 'iodbg attach s' sim:
expect 'iodbg attach u' udmabuf:
expect 'iodbg attach sim:' ''
expect 'iodbg attach mem:0x' ''
# pci: slots of the --sysfs tree (and VENDOR:DEVICE); with ':' in COMP_WORDBREAKS, as in
# bash's default, the reply is what follows the last ':'
BREAKS=' ' expect 'iodbg --sysfs sys attach pci:' pci:0000:01:00.0 pci:0000:00:1f.3 \
	pci:0001:02:00.0 pci:10de:2684 pci:8086:a348 pci:15b3:1017
BREAKS=' ' expect 'iodbg --sysfs sys attach pci:0000:0' pci:0000:01:00.0 pci:0000:00:1f.3
BREAKS=' ' expect 'iodbg --sysfs sys attach pci:01' pci:01:00.0
BREAKS=' ' expect 'iodbg --sysfs=sys attach pci:10' pci:10de:2684
BREAKS=' ' expect 'iodbg --sysfs other attach pci:' pci:0000:3b:00.0 pci:1af4:1041
BREAKS=' ' expect 'iodbg --sysfs sys attach 0000:0' 0000:01:00.0 0000:00:1f.3
BREAKS=' ' expect 'iodbg --sysfs sys attach 01' 01:00.0
BREAKS=' ' expect 'iodbg --sysfs sys attach sim:4K attach pci:0000:0' pci:0000:01:00.0 \
	pci:0000:00:1f.3
expect 'iodbg --sysfs sys attach pci:' 0000:01:00.0 0000:00:1f.3 0001:02:00.0 10de:2684 \
	8086:a348 15b3:1017
expect 'iodbg --sysfs sys attach pci:0000:01' 01:00.0
expect 'iodbg --sysfs sys attach pci:01' 01:00.0
expect 'iodbg --sysfs sys attach pci:10de:' 2684
expect 'iodbg --sysfs sys attach 01:0' 00.0
# without --sysfs: the machine's own /sys/bus/pci/devices, and only those
for d in /sys/bus/pci/devices/*; do
	[ -e "$d" ] && BREAKS=' ' has 'iodbg attach pci:' "pci:${d##*/}"
done
[ -e /sys/bus/pci/devices/0000:3b:00.0 ] ||
	BREAKS=' ' lacks 'iodbg attach pci:' pci:0000:3b:00.0
# file: and dmabuf: complete file names; udmabuf: the devices of the class
BREAKS=' ' expect 'iodbg attach file:re' file:regs.bin
BREAKS=' ' expect 'iodbg attach file:su' file:sub/
BREAKS=' ' expect 'iodbg attach file:sub/' file:sub/deeper/
BREAKS=' ' expect 'iodbg attach dmabuf:nov' dmabuf:nova_core.ko
BREAKS=' ' expect 'iodbg --sysfs sys attach udmabuf:' udmabuf:udmabuf0
expect 'iodbg attach file:re' regs.bin
expect 'iodbg attach file:su' sub
expect 'iodbg --sysfs sys attach udmabuf:u' udmabuf0
# after a target: as or another attach; after as NAME: attach
expect 'iodbg attach sim:4K ' as attach
expect 'iodbg --sysfs sys attach pci:01:00.0 a' as attach
expect 'iodbg attach sim:4K as ' ''
expect 'iodbg attach sim:4K as gpu ' attach
expect 'iodbg attach sim:4K as gpu attach f' file:
lacks 'iodbg attach file:' pci:

# ---- the file loads in a real interactive bash, and registers the function ----
out=$(bash --norc --noprofile -i -c "source '$comp_file'; complete -p iodbg" 2>/dev/null)
[ "$out" = "complete -F _iodbg iodbg" ] || fail "complete -p iodbg: $out"
exit 0
