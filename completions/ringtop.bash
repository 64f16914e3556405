# bash completion for ringtop(1)
#
# Options and sort columns as ringtop(1) documents them; -f offers the
# scheme names of the running ringd (through ringctl when it is there).
# An option's value completes after a space and after '=' (--sort=age),
# whether or not '=' is in COMP_WORDBREAKS.

_ringtop()
{
	local cur prev i eq=
	local -a sock=()

	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()

	# "--sort=" split by COMP_WORDBREAKS: words "--sort" "=" "ag"
	if [[ $cur == = ]]; then
		cur=
	elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	elif [[ $cur == --*=* ]]; then
		# one word "--sort=ag": complete the value, keep the option
		prev=${cur%%=*}
		eq=$prev=
		cur=${cur#*=}
	fi

	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-S | --socket) sock=(-S "${COMP_WORDS[i + 1]}") ;;
		--socket=*) sock=(-S "${COMP_WORDS[i]#--socket=}") ;;
		--system | --user) sock=("${COMP_WORDS[i]}") ;;
		esac
	done

	case $prev in
	-S | --socket | -w | --write | -r | --replay)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		;;
	-s | --sort)
		mapfile -t COMPREPLY < <(compgen -W "id scheme kind consumer
		    producer sq cq submit complete age state" -- "$cur")
		;;
	-d | --delay)
		mapfile -t COMPREPLY < <(compgen -W "0.1 0.5 1 2 5 500ms 10s 1m" \
		    -- "$cur")
		;;
	-n | --iterations | --record-max)
		;;
	-f | --filter)
		if command -v ringctl >/dev/null 2>&1; then
			# a ringd that does not answer costs 2 s at most
			local -a to=()
			command -v timeout >/dev/null 2>&1 && to=(timeout 2)
			mapfile -t COMPREPLY < <(compgen -W "$("${to[@]}" ringctl \
			    "${sock[@]}" -j schemes 2>/dev/null |
			    grep -o '{"name": *"[^"]*"' |
			    sed 's/.*"\([^"]*\)"$/\1/')" -- "$cur")
		fi
		;;
	*)
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "-b -d -f -h -j -n -o
			    -r -S -s -V -w --batch --delay --filter --help --json
			    --iterations --no-color --only-active --pace
			    --record-max --replay --socket --sort --system --user
			    --version --write" -- "$cur")
		fi
		return
		;;
	esac
	# the one-word form: the reply replaces the whole word
	if [[ -n $eq ]]; then
		for i in "${!COMPREPLY[@]}"; do
			COMPREPLY[i]=$eq${COMPREPLY[i]}
		done
	fi
}

complete -F _ringtop ringtop
