#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cli-completion.sh - the bash completion tools/completion/ifrepctl, without
# a kernel: it is sourced here and asked to complete command lines
# (COMP_WORDS, COMP_CWORD, then the completion function, as bash does),
# with a stand-in ifrepctl first in PATH that lists volumes vol0, vol1 and
# data, and the pairs dr and usb of vol0.  Also checks that every command's
# options in 'ifrepctl --help' are the ones it offers:
#
#   completion.CASE      one completed command line
#   completion.options.CMD   the options offered for CMD are those of its synopsis
#
# Prints "ok NAME" / "FAIL NAME: why" per case and exits non-zero on failure.

set -u
# shellcheck source=tests/unit/lib.sh
. "$(dirname "$0")/lib.sh"

need_tool completion.setup
make_tmp completion
SCRIPT=$(find_up tools/completion/ifrepctl)
if [ -z "$SCRIPT" ]; then
	echo "FAIL completion.setup: tools/completion/ifrepctl not found above $0"
	exit 1
fi

# the stand-in: what the completion asks of ifrepctl
mkdir "$tmp/bin"
cat >"$tmp/bin/ifrepctl" <<'EOF'
#!/bin/bash
case "$*" in
list) printf 'vol0\nvol1\ndata\n' ;;
"status vol0 --format prometheus")
	echo '# TYPE ifrep_pair_info gauge'
	echo 'ifrep_pair_info{volume="vol0",pair="dr",mode="async",peer="192.0.2.2:7790",reason=""} 1'
	echo 'ifrep_pair_info{volume="vol0",pair="usb",mode="sync",peer="/dev/sdz",reason="write_error"} 1'
	echo 'ifrep_pair_dirty_chunks{volume="vol0",pair="dr",mode="async",peer="192.0.2.2:7790"} 3' ;;
"status "*) echo "ifrepctl: status: no volume named ${2}" >&2; exit 1 ;;
*) exit 2 ;;
esac
EOF
chmod +x "$tmp/bin/ifrepctl"
PATH=$tmp/bin:$PATH

# shellcheck source=tools/completion/ifrepctl
. "$SCRIPT"
if ! complete -p ifrepctl >/dev/null 2>&1; then
	echo "FAIL completion.setup: $SCRIPT registers no completion for ifrepctl"
	exit 1
fi

# _complete NAME EXPECTED WORD...: the cursor is on the last WORD (give ""
# for an empty one); the sorted offers, joined by spaces, must be EXPECTED.
_complete() {
	local name=completion.$1 want=$2 got
	shift 2
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_ifrepctl ifrepctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//')
	if [ "$got" = "$want" ]; then
		ok "$name"
	else
		fail "$name" "'$*' offers '$got', expected '$want'"
	fi
}

# commands
_complete commands_sy "sync sync-point" ifrepctl sy
_complete commands_p "pair pause promote" ifrepctl p
_complete pair_verbs "add remove set" ifrepctl pair ""
_complete sync_point_verbs "rollback" ifrepctl sync-point r
_complete global_options "--verbose --version" ifrepctl --ver
_complete after_global_option "remove resize resolve resume" ifrepctl -v re
_complete help_command "pair pause promote" ifrepctl help p

# options per command
_complete promote_options "--dry-run --force --help --verbose --yes" ifrepctl promote vol1 --
_complete resolve_options "--discard-local --discard-remote" ifrepctl resolve vol0 --disc
_complete rollback_options "--dry-run" ifrepctl sync-point rollback vol0 3 --d
_complete status_options "--format" ifrepctl status --f
_complete resize_options "--dry-run --help --size --verbose" ifrepctl resize vol0 --

# option values
_complete format_value "prometheus" ifrepctl status --format p
_complete format_value_equals "human json prometheus" ifrepctl status --format = ""
_complete mode_value "async copy sync" ifrepctl pair add vol0 b --to /dev/vdd --mode ""
_complete state_value "in-sync initial-sync" ifrepctl wait vol0 dr --state in
_complete role_value "secondary" ifrepctl create v --role s
mkdir "$tmp/devs" && touch "$tmp/devs/disk-a" "$tmp/devs/disk-b" "$tmp/devs/other"
_complete data_file "$tmp/devs/disk-a $tmp/devs/disk-b" ifrepctl create v --data "$tmp/devs/disk"
_complete secret_file "$tmp/devs/other" ifrepctl pair add vol0 b --secret-file "$tmp/devs/o"
_complete udev_device "$tmp/devs/disk-b" ifrepctl activate --udev "$tmp/devs/disk-b"
_complete apply_file "$tmp/devs/disk-a $tmp/devs/disk-b" ifrepctl apply "$tmp/devs/disk"
_complete apply_options "--dry-run" ifrepctl apply "$tmp/devs/other" --d
_complete apply_host_then_file "$tmp/devs/other" ifrepctl apply --host b "$tmp/devs/o"
_complete value_then_volume "vol0 vol1" ifrepctl status --format json vol

# volume and pair names
_complete volumes "data vol0 vol1" ifrepctl promote ""
_complete volume_prefix "vol0 vol1" ifrepctl remove v
_complete resize_volume "vol0 vol1" ifrepctl resize v
_complete resize_size_value "" ifrepctl resize vol0 --size ""
_complete resize_no_pair "" ifrepctl resize vol0 ""
_complete dump_volume "vol0 vol1" ifrepctl dump --host a v
_complete commands_d "demote dump" ifrepctl d
_complete pairs "dr usb" ifrepctl pause vol0 ""
_complete pair_prefix "dr" ifrepctl resolve vol0 --discard-remote d
_complete pair_after_option "dr usb" ifrepctl sync vol0 --wait ""
_complete sync_point_pairs "dr usb" ifrepctl sync-point rollback vol0 ""
_complete pairs_of_unknown_volume "" ifrepctl pause nosuch ""
_complete new_pair_name "" ifrepctl pair add vol0 ""
_complete new_volume_name "" ifrepctl create ""
_complete no_third_positional "" ifrepctl pair remove vol0 dr ""

# every command's options, as its synopsis in --help has them
commands=$("$TOOL" --help | sed -n 's/^  ifrepctl \(pair [a-z]*\|sync-point [a-z]*\|[a-z][a-z-]*\).*/\1/p' |
	   sort -u)
for cmd in $(printf '%s\n' "$commands" | tr ' ' '+'); do
	cmd=${cmd//+/ }
	want=$("$TOOL" help "$cmd" | sed -n '1,/^$/p' | grep -o -- '--[a-z-]*' | sort -u | tr '\n' ' ')
	got=$(_ifrepctl_options "$cmd" | tr -s ' \t\n' '\n' | sed '/^$/d' | sort -u | tr '\n' ' ')
	if [ "$want" = "$got" ]; then
		ok "completion.options.${cmd// /_}"
	else
		fail "completion.options.${cmd// /_}" "ifrepctl help $cmd has '$want', the completion offers '$got'"
	fi
done

[ "$failures" -eq 0 ]
