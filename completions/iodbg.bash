# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for iodbg(1): options and their arguments, the words attach, demo and
# ptype, and targets (pci: slots from the sysfs tree, or from --sysfs DIR; file: and
# dmabuf: paths; udmabuf: devices; the sim: and mem: prefixes). It needs nothing from the
# bash-completion package. Installed as <prefix>/share/bash-completion/completions/iodbg.

_iodbg_short_opts=(-t -x -c -i -w -n -k -q -V -h)
_iodbg_long_opts=(--types --script --command --interactive --write --dry-run --keep-going
	--json --trace --sysfs --no-profile --quiet --version --help)
_iodbg_target_prefixes=(pci: mem: file: dmabuf: udmabuf: sim:)

# Does the option word $1 take the next word as its argument? A cluster of short options
# (-qt) does when its first letter that takes an argument ends it; -tFILE does not.
_iodbg_takes_arg()
{
	local w=$1 k
	case $w in
	--types | --script | --command | --sysfs) return 0 ;;
	--*) return 1 ;;
	esac
	for ((k = 1; k < ${#w}; k++)); do
		case ${w:k:1} in
		[txc]) ((k == ${#w} - 1)) && return 0 || return 1 ;;
		esac
	done
	return 1
}

# The command line as typed: bash splits words at the characters of COMP_WORDBREAKS, so
# that "pci:0000:01" arrives as pci, :, 0000, :, 01 and "--sysfs=DIR" as --sysfs, =, DIR.
# Sets _iodbg_words and _iodbg_cword with such pieces joined again, when nothing separates
# them in COMP_LINE (or when there is no COMP_LINE).
_iodbg_reassemble()
{
	local i w before glued line=${COMP_LINE:-}
	local n=${#COMP_WORDS[@]}
	_iodbg_words=()
	_iodbg_cword=0
	line=${line:0:${COMP_POINT:-${#line}}}
	for ((i = 0; i < n; i++)); do
		w=${COMP_WORDS[i]}
		glued=1
		if [ -n "${COMP_LINE:-}" ]; then
			if [ -z "$w" ]; then
				before=$line
				line=
			else
				before=${line%%"$w"*}
				line=${line#"$before"}
				line=${line#"$w"}
			fi
			[ -z "$before" ] || glued=0
		fi
		if ((i > 0 && glued)) && [ -n "$w" ] && { [[ $w =~ ^[:=]+$ ]] ||
			[[ ${_iodbg_words[${#_iodbg_words[@]} - 1]} =~ [:=]$ ]]; }; then
			_iodbg_words[${#_iodbg_words[@]} - 1]+=$w
		else
			_iodbg_words+=("$w")
		fi
		((i == COMP_CWORD)) && _iodbg_cword=$((${#_iodbg_words[@]} - 1))
	done
	if ((COMP_CWORD >= n)); then
		_iodbg_words+=("")
		_iodbg_cword=$((${#_iodbg_words[@]} - 1))
	fi
	return 0
}

# Adds to COMPREPLY the lines of $2 that start with $1.
_iodbg_matching()
{
	local cur=$1 w
	while IFS= read -r w; do
		[ -n "$w" ] && [[ $w == "$cur"* ]] && COMPREPLY+=("$w")
	done <<<"$2"
}

# Adds to COMPREPLY the file names that start with $1 ($2 = d: directories only), and
# notes that COMPREPLY holds file names.
_iodbg_files()
{
	local f
	while IFS= read -r f; do
		[ -n "$f" ] && COMPREPLY+=("$f")
	done < <(if [ "${2:-}" = d ]; then compgen -d -- "$1"; else compgen -f -- "$1"; fi)
	_iodbg_filenames=1
}

# The stock type libraries: NAME.o in the type library directories (iodbg(1), PROFILES
# AND THE STOCK TYPE LIBRARY), and the ones every install has.
_iodbg_stock_types()
{
	local d f bin
	local -a dirs=()
	local IFS=:
	for d in ${IODBG_TYPEDB:-}; do
		dirs+=("$d")
	done
	unset IFS
	if [[ ${XDG_DATA_HOME:-} == /* ]]; then
		dirs+=("$XDG_DATA_HOME/iodbg/typedb")
	elif [ -n "${HOME:-}" ]; then
		dirs+=("$HOME/.local/share/iodbg/typedb")
	fi
	bin=$(type -P iodbg 2>/dev/null)
	[ -n "$bin" ] && dirs+=("${bin%/*}/../share/iodbg/typedb")
	for d in "${dirs[@]}"; do
		for f in "$d"/*.o; do
			[ -f "$f" ] || continue
			f=${f##*/}
			echo "${f%.o}"
		done
	done
	printf '%s\n' pci virtio_pci gsp_demo
}

# The sysfs root: the last --sysfs DIR of the line, else /sys.
_iodbg_sysfs()
{
	local i w root=/sys
	for ((i = 1; i < ${#_iodbg_words[@]}; i++)); do
		((i == _iodbg_cword)) && continue
		w=${_iodbg_words[i]}
		case $w in
		--sysfs=?*) root=${w#--sysfs=} ;;
		--sysfs)
			if ((i + 1 != _iodbg_cword)) && [ -n "${_iodbg_words[i + 1]:-}" ]; then
				root=${_iodbg_words[i + 1]}
			fi
			;;
		esac
	done
	[[ $root == "~"* ]] && root=${HOME:-}${root#"~"}
	printf '%s\n' "$root"
}

# Adds to COMPREPLY the PCI slots under the sysfs root that complete $1: full slots and
# VENDOR:DEVICE after pci:, and the short form BB:DD.F of domain 0000 when nothing else fits.
_iodbg_slots()
{
	local cur=$1 ids=${2:-} root dev v d
	local -a slots=() pairs=()
	root=$(_iodbg_sysfs)
	for dev in "$root"/bus/pci/devices/*; do
		[ -e "$dev" ] || continue
		slots+=("${dev##*/}")
		if [ "$ids" = ids ] && [ -r "$dev/vendor" ] && [ -r "$dev/device" ] &&
			read -r v <"$dev/vendor" && read -r d <"$dev/device"; then
			pairs+=("${v#0x}:${d#0x}")
		fi
	done
	[ ${#slots[@]} -gt 0 ] || return 0
	_iodbg_matching "$cur" "$(printf '%s\n' "${slots[@]}" ${pairs[@]+"${pairs[@]}"} | sort -u)"
	[ ${#COMPREPLY[@]} -gt 0 ] ||
		_iodbg_matching "$cur" "$(printf '%s\n' "${slots[@]}" | sed -n 's/^0000://p')"
	return 0
}

# Adds to COMPREPLY the completions of the target word $1.
_iodbg_target()
{
	local cur=$1 dev prefix root
	case $cur in
	pci:*)
		_iodbg_slots "${cur#pci:}" ids
		COMPREPLY=("${COMPREPLY[@]/#/pci:}")
		;;
	file:* | dmabuf:*)
		prefix=${cur%%:*}:
		_iodbg_files "${cur#"$prefix"}"
		_iodbg_fprefix=$prefix
		COMPREPLY=("${COMPREPLY[@]/#/$prefix}")
		;;
	udmabuf:*)
		root=$(_iodbg_sysfs)
		_iodbg_matching "${cur#udmabuf:}" "$(for dev in "$root"/class/u-dma-buf/* \
			"$root"/class/udmabuf/*; do [ -e "$dev" ] && echo "${dev##*/}"; done | sort -u)"
		COMPREPLY=("${COMPREPLY[@]/#/udmabuf:}")
		;;
	sim:* | mem:*) ;;
	*)
		_iodbg_matching "$cur" "$(printf '%s\n' "${_iodbg_target_prefixes[@]}")"
		# a slot without pci: (0000:01:00.0, 01:00.0)
		[[ -n $cur && $cur =~ ^[0-9a-fA-F][0-9a-fA-F:.]*$ ]] && _iodbg_slots "$cur"
		;;
	esac
	return 0
}

_iodbg()
{
	local cur i w mode='' state='' ptype_words=0 opts_done=0 argof='' arg
	local breaks='' glue=''
	local -a kept
	COMPREPLY=()
	_iodbg_filenames=0
	_iodbg_fprefix=
	_iodbg_reassemble
	cur=${_iodbg_words[_iodbg_cword]}

	# The words before this one: options and their arguments, then the command words
	# (attach TARGET [as NAME]..., demo, ptype TYPE FILE...).
	for ((i = 1; i < _iodbg_cword; i++)); do
		w=${_iodbg_words[i]}
		if ((!opts_done)) && [[ $w == -?* ]]; then
			if [ "$w" = -- ]; then
				opts_done=1
			elif [[ $w != --*=* ]] && _iodbg_takes_arg "$w"; then
				if ((i + 1 == _iodbg_cword)); then
					argof=$w
				fi
				((i++))
			fi
			continue
		fi
		case $mode in
		'') mode=$w state=target ;;
		attach)
			case $state in
			target) state=after_target ;;
			after_target) [ "$w" = as ] && state=name || state=target ;;
			name) state=next ;;
			next) state=target ;;
			esac
			;;
		ptype) ((ptype_words++)) ;;
		esac
	done

	if [ -n "$argof" ]; then
		# the argument of an option
		case $argof in
		--types | -t | -[!-]*t)
			_iodbg_files "$cur"
			_iodbg_matching "$cur" "$(_iodbg_stock_types | sort -u)"
			;;
		--script | -x | -[!-]*x)
			_iodbg_files "$cur"
			if [ -z "$cur" ] || [ "$cur" = - ]; then
				COMPREPLY+=(-)
			fi
			;;
		--sysfs) _iodbg_files "$cur" d ;;
		esac
	elif ((!opts_done)) && [[ $cur == --*=* ]]; then
		arg=${cur#*=}
		case ${cur%%=*} in
		--types)
			_iodbg_files "$arg"
			_iodbg_matching "$arg" "$(_iodbg_stock_types | sort -u)"
			;;
		--script) _iodbg_files "$arg" ;;
		--sysfs) _iodbg_files "$arg" d ;;
		esac
		COMPREPLY=("${COMPREPLY[@]/#/${cur%%=*}=}")
		_iodbg_fprefix=${cur%%=*}=
	elif ((!opts_done)) && [[ $cur == -* ]]; then
		_iodbg_matching "$cur" "$(printf '%s\n' "${_iodbg_long_opts[@]}" "${_iodbg_short_opts[@]}")"
	else
		case $mode in
		'') _iodbg_matching "$cur" "$(printf '%s\n' attach demo ptype)" ;;
		attach)
			case $state in
			target) _iodbg_target "$cur" ;;
			after_target) _iodbg_matching "$cur" "$(printf '%s\n' as attach)" ;;
			next) _iodbg_matching "$cur" attach ;;
			esac
			;;
		ptype)
			# TYPE is one word, or two after struct, union or enum; then files
			if ((ptype_words == 0)); then
				_iodbg_matching "$cur" "$(printf '%s\n' struct union enum)"
			elif ((ptype_words == 1)) &&
				[[ ${_iodbg_words[_iodbg_cword - 1]} =~ ^(struct|union|enum)$ ]]; then
				:
			else
				_iodbg_files "$cur"
			fi
			;;
		esac
	fi

	# bash replaces only what follows the last ':' or '=' that split the word
	[[ ${COMP_WORDBREAKS-:=} == *:* ]] && breaks+=:
	[[ ${COMP_WORDBREAKS-:=} == *=* ]] && breaks+='='
	[ -n "$breaks" ] && glue=${cur%"${cur##*["$breaks"]}"}
	kept=()
	for w in "${COMPREPLY[@]}"; do
		kept+=("${w#"$glue"}")
	done
	COMPREPLY=("${kept[@]}")
	if ((_iodbg_filenames)); then
		if [[ $glue == "$_iodbg_fprefix"* ]]; then
			# plain file names: readline quotes them and marks directories
			compopt -o filenames 2>/dev/null
		else
			# still behind file: or --types=: mark directories here
			kept=()
			for w in "${COMPREPLY[@]}"; do
				[ -d "${w#"$_iodbg_fprefix"}" ] && w+=/
				kept+=("$w")
			done
			COMPREPLY=("${kept[@]}")
		fi
	fi
	# a target prefix or a directory: go on typing in the same word
	for w in "${COMPREPLY[@]}"; do
		if [[ $w == *: || $w == */ ]]; then
			compopt -o nospace 2>/dev/null
			break
		fi
	done
	return 0
}

complete -F _iodbg iodbg
