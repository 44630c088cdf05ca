# SPDX-License-Identifier: MIT
# bash completion for ringvisor(8): the commands, each command's options,
# and service names (SERVICE or SERVICE.INDEX) asked of the running daemon
# with `ringvisor status` (on the --socket or -c given so far, else the
# default), so a name is never guessed. integration/t_cli_docs.sh checks
# that every command of `ringvisor --help` is here.

_ringvisor_targets()
{
	# The instance column of `status`, after the INSTANCE header line.
	local args=() i
	for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
		case ${COMP_WORDS[i]} in
		--socket|-c) args+=("${COMP_WORDS[i]}" "${COMP_WORDS[i + 1]}");;
		--socket=*) args+=("${COMP_WORDS[i]}");;
		esac
	done
	"${COMP_WORDS[0]}" "${args[@]}" status 2>/dev/null |
		awk 'seen { print $1; n = $1; sub(/\.[0-9]+$/, "", n); print n } /^INSTANCE / { seen = 1 }' | sort -u
}

_ringvisor()
{
	local cur prev verb i
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	local verbs="run check status start stop restart scale signal freeze thaw leaks metrics snapshot snapshots logs events top reload reexec shutdown help"
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--socket|-c|--config|--timeout|--interval|-n|-o|--sort|-d|--delay|--since) ((i++));;
		-*) ;;
		*) verb=${COMP_WORDS[i]}; break;;
		esac
	done
	case $prev in
	-c|--config) COMPREPLY=($(compgen -f -- "$cur")); return;;
	--socket) COMPREPLY=($(compgen -f -- "$cur")); return;;
	-o) COMPREPLY=($(compgen -W "wide" -- "$cur")); return;;
	--sort) COMPREPLY=($(compgen -W "cpu memory fds threads restarts name" -- "$cur")); return;;
	--timeout|--interval|-n|-d|--delay|--since) return;;
	esac
	if [ -z "$verb" ]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--socket --config --help --version" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$verbs" -- "$cur"))
		fi
		return
	fi
	local opts="--socket --config --help"
	case $verb in
	run) opts+=" --event-backend= --spawn= --cgroup-root= --cgroup-kill= --probe= --state-dir= --log-splice= --log-format= --debug";;
	status) opts+=" -o --json --state --limit --offset";;
	start|stop|restart|scale) opts+=" --no-wait --timeout= --json";;
	check|leaks|snapshots|reload|metrics) opts+=" --json";;
	logs) opts+=" -n -f --follow -t --timestamps --since --raw --rotate --json";;
	events) opts+=" -f --follow --since --json";;
	top) opts+=" -b --batch -n -d --delay= --interval= --sort=";;
	help) COMPREPLY=($(compgen -W "$verbs" -- "$cur")); return;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		[[ ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null
		return
	fi
	case $verb in
	status|start|stop|restart|scale|signal|freeze|thaw|leaks|snapshot|snapshots|logs|events)
		COMPREPLY=($(compgen -W "$(_ringvisor_targets)" -- "$cur"));;
	esac
}
complete -F _ringvisor ringvisor
