# SPDX-License-Identifier: GPL-2.0-or-later
# One source of truth for help (issue 6): every command and alias that the binary's `help`
# knows, and every option of --help, is in man/iodbg.1; each command's one-line summary in
# the man page (the line after its `.It Cm NAME` in COMMANDS) equals the one `help CMD`
# prints, and its synopsis renders as `help` prints it. The page is lint-clean and renders
# with man -l. The checks also run on a copy with one summary broken, which must fail.
set -u
fail() { echo "manpage.sh: $*"; exit 1; }
read -r -a wrap <<<"${IODBG_TEST_WRAPPER:-}"
iodbg() { ${wrap[@]+"${wrap[@]}"} "$BIN" "$@"; }

page=$TESTDIR/../../man/iodbg.1
[ -f "$page" ] || fail "no man page at $page"
command -v mandoc >/dev/null || { echo "mandoc is not installed (make deps)"; exit 77; }
command -v man >/dev/null || { echo "man is not installed (make deps)"; exit 77; }

# ---- what the binary says ----

iodbg -q -c help >help.txt 2>err || fail "help: $(cat err)"
iodbg --help >usage.txt 2>err || fail "--help: $(cat err)"
# Command words: the first word of each listed synopsis, without /FMT or [/FMT]. The
# listing also shows the statement forms (PATH = EXPR, $NAME = EXPR), which are no commands.
sed -n 's/^  \([a-z_][a-z_]*\).*/\1/p' help.txt >commands.txt
[ "$(wc -l <commands.txt)" -ge 20 ] || fail "too few commands in help: $(cat help.txt)"
: >aliases.txt
while read -r cmd; do
	iodbg -q -c "help $cmd" >"help.$cmd" 2>err || fail "help $cmd: $(cat err)"
	sed -n 's/^  Aliases: //p' "help.$cmd" | tr ' ' '\n' | grep . >>aliases.txt
done <commands.txt
grep -qx p aliases.txt || fail "help print shows no alias p: $(cat help.print)"
# Options: "  -t, --types FILE" and "      --json".
sed -n 's/^ *\(-[A-Za-z]\), \(--[a-z-]*\).*/\1 \2/p; s/^ *\(--[a-z-]*\).*/- \1/p' usage.txt \
	>options.txt
[ "$(wc -l <options.txt)" -ge 14 ] || fail "too few options in --help: $(cat usage.txt)"

# The page as text, one line per line, without overstrike, white space squeezed.
render() {
	mandoc -T ascii -O width=400 "$1" | sed 's/.\x08//g; s/[[:space:]][[:space:]]*/ /g; s/^ //'
}

# The lines of one section of the page source, .Sh NAME to the next .Sh.
section() {
	awk -v want=".Sh $2" '/^\.Sh /{on = ($0 == want); next} on' "$1"
}

# Every check on PAGE; the problems go to stdout, one per line.
check() {
	local p=$1 cmd line want got syn short long alias

	section "$p" COMMANDS >commands.src
	section "$p" OPTIONS >options.src
	section "$p" SYNOPSIS >synopsis.src
	render "$p" >rendered.txt
	while read -r cmd; do
		want=$(sed -n 2p "help.$cmd" | sed 's/^  //')
		syn=$(sed -n 1p "help.$cmd")
		line=$(grep -n -m1 -E "^\.It Cm $cmd( |\$)" commands.src | cut -d: -f1)
		if [ -z "$line" ]; then
			echo "command $cmd: no '.It Cm $cmd' entry in COMMANDS"
			continue
		fi
		got=$(sed -n "$((line + 1))p" commands.src)
		[ "$got" = "$want" ] ||
			echo "command $cmd: the summary is '$got' in the man page, '$want' in help"
		# the listing shows the same synopsis and summary as help CMD
		grep -qxF "$(printf '  %-44s %s' "$syn" "$want")" help.txt ||
			echo "command $cmd: help and help $cmd disagree"
		grep -qF -- "$syn" rendered.txt ||
			echo "command $cmd: the synopsis '$syn' does not appear in the rendered page"
	done <commands.txt
	while read -r alias; do
		grep -qE "(^\.|[[:space:]])Cm $alias([[:space:]]|\$)" commands.src ||
			echo "alias $alias: not in COMMANDS as '.Cm $alias'"
	done <aliases.txt
	while read -r short long; do
		line=$(grep -E "^\.It .*Fl ${long#-}([[:space:]]|\$)" options.src)
		[ -n "$line" ] || echo "option $long: no '.It ... Fl ${long#-}' entry in OPTIONS"
		if [ "$short" != - ]; then
			case $line in
			*"Fl ${short#-} "* | *"Fl ${short#-}") ;;
			*) echo "option $short: not on the OPTIONS line of $long" ;;
			esac
			grep -qE "Fl ([A-Za-z]*${short#-}[A-Za-z]*\$|${short#-} )" synopsis.src ||
				echo "option $short: not in SYNOPSIS"
		else
			grep -qE "Fl ${long#-}([[:space:]]|\$)" synopsis.src ||
				echo "option $long: not in SYNOPSIS"
		fi
	done <options.txt
	# and nothing documented that the binary does not have
	grep -oE '^\.It Fl -[a-z-]+' options.src | sed 's/^\.It Fl /-/' | while read -r long; do
		grep -qE "^(-|-[A-Za-z]) $long\$" options.txt ||
			echo "option $long: in the man page, not in --help"
	done
}

check "$page" >problems.txt
[ ! -s problems.txt ] || fail "$(cat problems.txt)"

mandoc -T lint -W warning "$page" >lint.txt 2>&1 || fail "mandoc -Tlint: $(cat lint.txt)"
[ ! -s lint.txt ] || fail "mandoc -Tlint: $(cat lint.txt)"
MANWIDTH=80 man -l "$page" >man.txt 2>man.err || fail "man -l: $(cat man.err)"
[ ! -s man.err ] || fail "man -l said: $(cat man.err)"
if ! grep -q '^NAME' man.txt || ! grep -q 'iodbg' man.txt; then
	fail "man -l rendered: $(head man.txt)"
fi
for s in TARGETS 'PROFILES AND THE STOCK TYPE LIBRARY' 'THE DEMO DEVICE' EXAMPLES CAVEATS; do
	grep -qx "$s" man.txt || fail "no section $s"
done

# The checks are not vacuous: a broken summary, a lost alias, a lost option are found.
cmd=$(sed -n 3p commands.txt)
line=$(grep -n -m1 -E "^\.It Cm $cmd( |\$)" "$page" | cut -d: -f1)
sed "$((line + 1))s/\$/ (broken)/" "$page" >broken.1
check broken.1 >problems.txt
grep -q "command $cmd: the summary is" problems.txt || fail "a broken summary of $cmd passed"
sed 's/^\.Cm exit \.$/.Cm leave ./' "$page" >broken.1
check broken.1 >problems.txt
grep -q "alias exit:" problems.txt || fail "a missing alias passed"
sed 's/Fl -no-profile/Fl -no-profiles/' "$page" >broken.1
check broken.1 >problems.txt
grep -q "option --no-profile:" problems.txt || fail "a missing option passed"
exit 0
