# bash completion for ringtop(1)
#
# Options and sort columns as ringtop(1) documents them; -f offers the
# scheme names of the running ringd (through ringctl when it is there).

_ringtop()
{
	local cur prev i
	local -a sock=()

	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()

	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-S | --socket) sock=(-S "${COMP_WORDS[i + 1]}") ;;
		esac
	done

	case $prev in
	-S | --socket)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
		;;
	-s | --sort)
		mapfile -t COMPREPLY < <(compgen -W "id scheme consumer producer
		    sq cq submit complete age state" -- "$cur")
		return
		;;
	-d | --delay)
		mapfile -t COMPREPLY < <(compgen -W "0.1 0.2 0.5 1 2 5 10" \
		    -- "$cur")
		return
		;;
	-n | --iterations)
		return
		;;
	-f | --filter)
		if command -v ringctl >/dev/null 2>&1; then
			mapfile -t COMPREPLY < <(compgen -W "$(ringctl "${sock[@]}" \
			    -j schemes 2>/dev/null | grep -o '{"name": *"[^"]*"' |
			    sed 's/.*"\([^"]*\)"$/\1/')" -- "$cur")
		fi
		return
		;;
	esac

	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "-b -d -f -h -j -n -o -S -s -V
		    --batch --delay --filter --help --json --iterations --no-color
		    --only-active --socket --sort --version" -- "$cur")
	fi
}

complete -F _ringtop ringtop
