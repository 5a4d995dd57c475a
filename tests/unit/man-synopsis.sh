#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# man-synopsis.sh - the synopses ifrepctl prints must be those of its man
# page source, docs/ifrepctl.md.  For every command listed by
# 'ifrepctl --help' or in the SYNOPSIS block of the .md:
#
#   man.synopsis.CMD   'ifrepctl help CMD' prints the synopsis of the .md
#                      (a command with several lines there, like verify, is
#                      compared as its lines joined with " | ", as the tool
#                      prints it), and --help lists the command;
#   man.section.CMD    the .md has a "## CMD" section under COMMANDS whose
#                      first `ifrepctl CMD ...` is that synopsis, or its
#                      beginning followed by "[options]".
#
# plus man.synopsis.usage and man.synopsis.help for the first and last line
# of 'ifrepctl --help'.  Whitespace and line wrapping do not count.  A
# command in one and not the other fails.  Prints "ok NAME" / "FAIL NAME:
# why" per case and exits non-zero on failure.
#
# Finds ifrepctl through $IFREPCTL, else tools/ifrepctl/ifrepctl above this
# script (it runs from tests/unit/ and from tests/unit/bin/), and the page
# as docs/ifrepctl.md above this script.

set -u
# shellcheck source=tests/unit/lib.sh
. "$(dirname "$0")/lib.sh"

need_tool man.synopsis.setup
MD=$(find_up docs/ifrepctl.md)
if [ -z "$MD" ]; then
	echo "FAIL man.synopsis.setup: docs/ifrepctl.md not found above $0"
	exit 1
fi

# One space between words, none at the ends.
norm() { tr -s ' \t\n' '   ' | sed 's/^ //; s/ $//'; }

# The entries of the SYNOPSIS code block of the .md, one per line:
# a line starting with "ifrepctl " begins one, indented lines continue it.
md_synopsis() {
	awk '
		/^# SYNOPSIS$/ { s = 1; next }
		s == 1 && /^```/ { s = 2; next }
		s == 2 && /^```/ { exit }
		s == 2 && /^ifrepctl / { if (e != "") print e; e = $0; next }
		s == 2 && /^[ \t]+[^ \t]/ && e != "" { e = e " " $0; next }
		s == 2 { if (e != "") print e; e = "" }
		END { if (e != "") print e }
	' "$MD"
}

# The entries of 'ifrepctl --help': the Usage line, then one per
# "  ifrepctl ..." line with its more deeply indented continuation lines.
tool_synopsis() {
	"$TOOL" --help | awk '
		/^Usage: ifrepctl / { sub(/^Usage: /, ""); print; next }
		/^  ifrepctl / { if (e != "") print e; e = $0; next }
		/^   +[^ ]/ && e != "" { e = e " " $0; next }
		{ if (e != "") print e; e = "" }
		END { if (e != "") print e }
	'
}

# The key of an entry "ifrepctl WORD ...": WORD, or its first two words
# for pair and sync-point ("pair add"); "[-v]" and "--help" for the usage
# and help lines.
key_of() {
	local -a w
	read -r -a w <<<"$1"
	case ${w[1]} in
	pair | sync-point) echo "${w[1]} ${w[2]}" ;;
	*) echo "${w[1]}" ;;
	esac
}

# The lines of the section "## ... KEY ..." under COMMANDS (exit 1 if none).
md_section() {
	awk -v key="$1" '
		/^```/ { code = !code }
		!code && /^# / { cmds = ($0 == "# COMMANDS"); in_sec = 0; next }
		!code && cmds && /^## / {
			n = split(substr($0, 4), names, /, /)
			in_sec = 0
			for (i = 1; i <= n; i++)
				if (names[i] == key)
					in_sec = 1
			found = found || in_sec
			next
		}
		cmds && in_sec { print }
		END { exit !found }
	' "$MD"
}

declare -A doc=() tool=()
keys=()
while IFS= read -r line; do
	line=$(norm <<<"$line")
	k=$(key_of "$line")
	line=${line#ifrepctl }
	if [ -n "${doc[$k]+set}" ]; then
		doc[$k]+=" | $line"
	else
		doc[$k]=$line
		keys+=("$k")
	fi
done < <(md_synopsis)
while IFS= read -r line; do
	line=$(norm <<<"$line")
	k=$(key_of "$line")
	tool[$k]=${line#ifrepctl }
	[ -n "${doc[$k]+set}" ] || keys+=("$k")
done < <(tool_synopsis)

if [ "${#doc[@]}" -eq 0 ]; then
	echo "FAIL man.synopsis.setup: no SYNOPSIS code block in $MD"
	exit 1
fi

for k in "${keys[@]}"; do
	case $k in
	"[-v]") name=usage ;;
	--help) name=help ;;
	*) name=${k// /_} ;;
	esac
	d=${doc[$k]-} t=${tool[$k]-}

	# what 'ifrepctl help CMD' prints, up to the first blank line
	if [ "$name" != usage ] && [ "$name" != help ]; then
		# shellcheck disable=SC2086 # "pair add" is two arguments
		h=$("$TOOL" help $k 2>/dev/null | sed '/^$/q' | norm)
		h=${h#Usage: ifrepctl }
		if [ -z "$d" ] && [ -z "$h" ]; then
			fail "man.synopsis.$name" "ifrepctl --help lists '$t', but 'ifrepctl help $k' prints no synopsis"
			continue
		fi
	else
		h=$t
	fi

	if [ -z "$d" ]; then
		fail "man.synopsis.$name" "'$h' is printed by ifrepctl but missing from the SYNOPSIS of docs/ifrepctl.md"
	elif [ -z "$h" ]; then
		fail "man.synopsis.$name" "'$d' is in the SYNOPSIS of docs/ifrepctl.md but ifrepctl has no such command"
	elif [ "$h" != "$d" ]; then
		fail "man.synopsis.$name" "ifrepctl prints '$h', docs/ifrepctl.md has '$d'"
	elif [ -z "$t" ]; then
		fail "man.synopsis.$name" "ifrepctl --help does not list '$d'"
	elif [ "$t" != "$h" ]; then
		fail "man.synopsis.$name" "ifrepctl --help lists '$t', 'ifrepctl help $k' prints '$h'"
	else
		ok "man.synopsis.$name"
	fi

	# the command's own section in the .md
	if [ "$name" = usage ] || [ "$name" = help ] || [ -z "$d" ]; then
		continue
	fi
	if ! section=$(md_section "$k"); then
		fail "man.section.$name" "docs/ifrepctl.md has no '## $k' section under COMMANDS"
		continue
	fi
	first=$(tr '\n' ' ' <<<"$section" | grep -o '`ifrepctl [^`]*`' | tr -d '`' |
		awk -v c="ifrepctl $k" '$0 == c || index($0, c " ") == 1 { print; exit }' | norm)
	first=${first#ifrepctl }
	whole=" | $d | "
	if [ -z "$first" ]; then
		fail "man.section.$name" "the '## $k' section does not show its synopsis (\`ifrepctl $k ...\`)"
	elif [[ $first == *" [options]" ]] && [[ "$d " == "${first% \[options\]} ["* ]]; then
		ok "man.section.$name"
	elif [[ $whole == *" | $first | "* ]]; then
		ok "man.section.$name"
	else
		fail "man.section.$name" "the '## $k' section shows '$first', the SYNOPSIS has '$d'"
	fi
done

[ "$failures" -eq 0 ]
