# bash completion for ringctl(1)
#
# Commands come from 'ringctl help --commands' (the command table itself),
# scheme names, the opcodes a scheme declared and ring ids from the
# running ringd.

_ringctl_words()
{
	# the ringctl being completed, with the -S, --system or --user the
	# line already has; a ringd that does not answer costs 2 s at most
	if command -v timeout >/dev/null 2>&1; then
		timeout 2 "${_ringctl_cmd[@]}" "$@" 2>/dev/null
	else
		"${_ringctl_cmd[@]}" "$@" 2>/dev/null
	fi
}

_ringctl()
{
	local cur prev words cword i sock cmd="" npos=0 first=
	local -a _ringctl_cmd=(ringctl)

	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()

	# find the command word, keeping -S for live look-ups
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-S | --socket)
			sock=${COMP_WORDS[i + 1]}
			[[ $sock == "~/"* ]] && sock=$HOME/${sock#"~/"}
			_ringctl_cmd+=(-S "$sock")
			((i++))
			;;
		-b | --batch)
			((i++))
			;;
		--system | --user)
			_ringctl_cmd+=("${COMP_WORDS[i]}")
			;;
		-*) ;;
		*)
			cmd=${COMP_WORDS[i]}
			break
			;;
		esac
	done

	if [[ -z $cmd ]]; then
		case $prev in
		-S | --socket | -b | --batch)
			COMPREPLY=($(compgen -f -- "$cur"))
			return
			;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '-h -j -p -V -S -b --force
			    --json --pretty --help --version --socket --batch
			    --system --user' -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_ringctl_words help --commands)" \
			    -- "$cur"))
		fi
		return
	fi

	# option values
	case $prev in
	--data-file | --output | -o)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--bits)
		COMPREPLY=($(compgen -W '32 64' -- "$cur"))
		return
		;;
	--partial)
		COMPREPLY=($(compgen -W 'optimal greatest greedy' -- "$cur"))
		return
		;;
	--timeout | --count | --batch | --window | --min | --offset | --len | \
		--interval | -i | --threshold | -t | -n | --listen | -l)
		return
		;;
	esac

	# exec: ringctl's options end at the program, whose own words follow
	if [[ $cmd == exec ]]; then
		local k prog=0
		for ((k = i + 1; k < COMP_CWORD; k++)); do
			case ${COMP_WORDS[k]} in
			--)
				prog=$((k + 1))
				break
				;;
			-*) ;;
			*)
				prog=$k
				break
				;;
			esac
		done
		if ((prog > 0 && prog < COMP_CWORD)); then
			if declare -F _command_offset >/dev/null; then
				_command_offset "$prog"
			else
				COMPREPLY=($(compgen -f -- "$cur"))
			fi
			return
		fi
		if ((prog > 0)) || [[ $cur != -* ]]; then
			COMPREPLY=($(compgen -c -- "$cur"))
			return
		fi
	fi

	if [[ $cur == -* ]]; then
		local opts
		# the option column of 'help CMD': "  -n, --count N   help"
		opts=$(_ringctl_words help "$cmd" | awk -F '  +' '/^  +-/ {
			n = split($2, w, /[, ]+/)
			for (k = 1; k <= n; k++) if (w[k] ~ /^-/) print w[k] }')
		COMPREPLY=($(compgen -W "$opts --json --pretty --help" -- "$cur"))
		return
	fi

	# the index of this positional argument after the command
	for ((i = i + 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--data-file | --bits | --timeout | --count | --batch | --window | \
			--min | --partial | --offset | --len | --interval | -i | \
			--threshold | -t | -n | --output | -o | --listen | -l)
			((i++))
			;;
		-*) ;;
		*)
			((npos == 0)) && first=${COMP_WORDS[i]}
			((npos++))
			;;
		esac
	done

	case $cmd in
	probe)
		((npos == 0)) &&
			COMPREPLY=($(compgen -W "$(_ringctl_words schemes -q)" -- "$cur"))
		;;
	submit)
		if ((npos == 0)); then
			COMPREPLY=($(compgen -W "$(_ringctl_words schemes -q)" -- "$cur"))
		elif ((npos == 1)); then
			# the opcodes the scheme declared (names, else numbers);
			# the Redox names when it declared none or ringd is away
			local out ops
			out=$(_ringctl_words probe -q "$first")
			ops=$(grep -v '^[0-9]' <<<"$out")
			[[ -z $ops ]] && ops=$out
			[[ -z $ops ]] && ops='noop open close read write seek
			    fstat fstatvfs mmap munmap fsync files_update
			    regular_syscall'
			COMPREPLY=($(compgen -W "$ops" -- "$cur"))
		else
			compopt -o nospace 2>/dev/null
			COMPREPLY=($(compgen -W "flags= priority= syscall_flags= fd=
			    len= user_data= addr= offset= additional1=
			    additional2= data=" -- "$cur"))
		fi
		;;
	ring | monitor)
		((npos == 0)) &&
			COMPREPLY=($(compgen -W "$(_ringctl_words rings -q)" -- "$cur"))
		;;
	physfree | physmap)
		((npos == 0)) &&
			COMPREPLY=($(compgen -W "$(_ringctl_words regions -q)" -- "$cur"))
		;;
	help)
		((npos == 0)) &&
			COMPREPLY=($(compgen -W "$(_ringctl_words help --commands)" \
			    -- "$cur"))
		;;
	esac
}

complete -F _ringctl ringctl
