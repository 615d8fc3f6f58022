# SPDX-License-Identifier: GPL-2.0-or-later
# make install into a temporary DESTDIR (issue 6): the installed iodbg runs the demo with
# the stock types and profiles it finds beside itself (<bindir>/../share/iodbg/typedb, no
# IODBG_TYPEDB, a fresh HOME), also after the tree is moved to another prefix; the man page
# renders; the bash completion and the tour are installed; make uninstall leaves no files.
#
# The build under test is installed as it is: make runs with the SANITIZE of $BIN's build
# directory and with the build products marked old (-o), so that nothing is rebuilt while
# `make check` runs.
set -uo pipefail
fail() { echo "install.sh: $*"; exit 1; }
read -r -a wrap <<<"${IODBG_TEST_WRAPPER:-}"

repo=$(cd "$TESTDIR/../.." && pwd -P)
bindir=$(cd "$(dirname "$BIN")" && pwd -P)
case ${bindir#"$repo"/} in
build) san='' build=build ;;
build-san) san=1 build=build-san ;;
*) echo "$BIN is not the repository's build/iodbg or build-san/iodbg"; exit 77 ;;
esac
[ "$bindir/$(basename "$BIN")" = "$repo/$build/iodbg" ] ||
	{ echo "$BIN is not $repo/$build/iodbg"; exit 77; }
command -v man >/dev/null || { echo "man is not installed (make deps)"; exit 77; }
stock=()
for h in "$repo"/typedb/*.h; do
	o=$build/typedb/$(basename "${h%.h}").o
	[ -f "$repo/$o" ] || { echo "no $o yet: build the stock types first (make)"; exit 77; }
	stock+=("$o")
done
[ ${#stock[@]} -ge 3 ] || fail "stock types: ${stock[*]}"

# Not the make that runs the tests: its flags and jobserver are not ours.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
old=(-o "$build/iodbg")
for o in "${stock[@]}"; do
	old+=(-o "$o")
done
mk() { make -s --no-print-directory -C "$repo" SANITIZE="$san" "${old[@]}" "$@"; }

dest=$PWD/dest
# nothing is built, only installed
mk -n install DESTDIR="$dest" PREFIX=/usr >dry.txt 2>&1 || fail "make -n install: $(cat dry.txt)"
! grep -vE '^(install|mkdir|rm|rmdir) ' dry.txt | grep . ||
	fail "make install would do more than install: $(grep -vE '^(install|mkdir|rm|rmdir) ' dry.txt)"
mk install DESTDIR="$dest" PREFIX=/usr >make.out 2>&1 || fail "make install: $(cat make.out)"
for f in bin/iodbg share/man/man1/iodbg.1 share/iodbg/typedb/pci.o \
	share/iodbg/typedb/virtio_pci.o share/iodbg/typedb/gsp_demo.o \
	share/iodbg/typedb/profiles/demo.iodbg share/bash-completion/completions/iodbg \
	share/iodbg/examples/tour.iodbg; do
	[ -f "$dest/usr/$f" ] || fail "not installed: /usr/$f ($(cd "$dest" && find . | sort))"
done
[ -x "$dest/usr/bin/iodbg" ] || fail "/usr/bin/iodbg is not executable"
cmp -s "$repo/$build/iodbg" "$dest/usr/bin/iodbg" || fail "the installed binary is not $BIN"

# Runs an installed iodbg from an empty directory, with nothing pointing at a type library.
fresh() {
	local d
	d=$(mktemp -d "$PWD/run.XXXXXX")
	mkdir "$d/home"
	(cd "$d" && env -u IODBG_TYPEDB -u XDG_DATA_HOME HOME="$d/home" \
		${wrap[@]+"${wrap[@]}"} "$@")
}

# demo: the profile and gsp_demo.o come from <bindir>/../share/iodbg/typedb
check_demo() {
	local prefix=$1
	fresh "$prefix/bin/iodbg" demo -c 'print gsp.cmdq[3].head' >out 2>err ||
		fail "$prefix: iodbg demo: $(cat err)"
	grep -qxF 'gsp.cmdq[3].head = 0x0' out || fail "$prefix: iodbg demo printed: $(cat out)"
	grep -qxF "types from $prefix/share/iodbg/typedb/gsp_demo.o" out ||
		fail "$prefix: the types are not the installed ones: $(cat out)"
	fresh "$prefix/bin/iodbg" -q -t pci -c 'sizeof struct pci_config_header' >out 2>err ||
		fail "$prefix: -t pci: $(cat err)"
	[ "$(cat out)" = 64 ] || fail "$prefix: sizeof struct pci_config_header: $(cat out)"
	# the installed tour runs unattended, as it does from the source tree
	fresh "$prefix/bin/iodbg" -q demo -x "$prefix/share/iodbg/examples/tour.iodbg" >out 2>err ||
		fail "$prefix: the tour: $(cat err)"
	diff -u "$TESTDIR/demo.tour.out" out || fail "$prefix: the tour's output"
}
check_demo "$dest/usr"

# the man page renders, by path and found by man in the installed tree
MANWIDTH=80 man -l "$dest/usr/share/man/man1/iodbg.1" >man.txt 2>man.err ||
	fail "man -l: $(cat man.err)"
if ! grep -q '^NAME' man.txt || ! grep -q 'iodbg' man.txt; then
	fail "man -l rendered: $(head man.txt)"
fi
MANWIDTH=80 man -M "$dest/usr/share/man" iodbg >man2.txt 2>man.err ||
	fail "man -M DIR iodbg: $(cat man.err)"
cmp -s man.txt man2.txt || fail "man -M DIR iodbg differs from man -l"
# the completion loads and completes
out=$(bash --norc --noprofile -c "source '$dest/usr/share/bash-completion/completions/iodbg'
	COMP_WORDS=(iodbg --sc); COMP_CWORD=1; _iodbg; complete -p iodbg; echo \"\${COMPREPLY[*]}\"")
[ "$out" = "$(printf 'complete -F _iodbg iodbg\n--script')" ] || fail "completion: $out"

# moved to another prefix, it still finds its types (the original is gone by then)
mkdir -p moved/opt
cp -a "$dest/usr" moved/opt/iodbg
mk uninstall DESTDIR="$dest" PREFIX=/usr >make.out 2>&1 || fail "make uninstall: $(cat make.out)"
left=$(cd "$dest" && find . ! -type d | sort)
echo "left after make uninstall (directories only may remain):"
(cd "$dest" && find . | sort | sed 's/^/  /')
[ -z "$left" ] || fail "make uninstall left files: $left"
check_demo "$PWD/moved/opt/iodbg"
exit 0
