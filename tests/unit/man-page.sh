#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# man-page.sh - docs/ifrepctl.8 is generated from docs/ifrepctl.md (by
# docs/mkman.sh, with lowdown: 'make man'); nobody edits it by hand.
#
#   man.generated   the committed docs/ifrepctl.8 is exactly what
#                   docs/mkman.sh makes of docs/ifrepctl.md
#   man.renders     'man -l docs/ifrepctl.8' at 80 columns prints no
#                   warning, and its NAME line gives whatis "ifrepctl - ..."
#
# Each case is skipped, with the reason, when its tool (lowdown; man and
# lexgrog of man-db) is not installed.  Prints "ok NAME" / "FAIL NAME: why"
# / "skip NAME: reason" per case and exits non-zero on failure.  Finds the
# docs/ directory above this script (it runs from tests/unit/ and from
# tests/unit/bin/).

set -u

find_docs() {
	local dir
	dir=$(cd "$(dirname "$0")" && pwd)
	while [ "$dir" != / ]; do
		if [ -f "$dir/docs/ifrepctl.md" ] && [ -x "$dir/docs/mkman.sh" ]; then
			echo "$dir/docs"
			return
		fi
		dir=$(dirname "$dir")
	done
}

DOCS=$(find_docs)
if [ -z "$DOCS" ]; then
	echo "FAIL man.setup: docs/ifrepctl.md and docs/mkman.sh not found above $0"
	exit 1
fi

tmp=$(mktemp -d /tmp/ifrepctl-man.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failures=0

# man.generated
if ! command -v lowdown >/dev/null; then
	echo "skip man.generated: lowdown is not installed (apt-get install lowdown, or make deps), so docs/ifrepctl.8 cannot be regenerated to compare"
elif ! "$DOCS/mkman.sh" "$DOCS/ifrepctl.md" >"$tmp/ifrepctl.8" 2>"$tmp/err"; then
	echo "FAIL man.generated: docs/mkman.sh failed: $(head -n 1 "$tmp/err")"
	failures=$((failures + 1))
elif ! diff -u "$DOCS/ifrepctl.8" "$tmp/ifrepctl.8" >"$tmp/diff"; then
	echo "FAIL man.generated: docs/ifrepctl.8 is not what docs/mkman.sh makes of docs/ifrepctl.md ($(($(grep -c '^[-+]' "$tmp/diff") - 2)) lines differ): edit the .md, never the .8, then run 'make man' and commit both"
	head -n 20 "$tmp/diff"
	failures=$((failures + 1))
else
	echo "ok man.generated"
fi

# man.renders
if ! command -v man >/dev/null || ! command -v lexgrog >/dev/null; then
	echo "skip man.renders: man-db (man, lexgrog) is not installed"
else
	MANWIDTH=80 MANPAGER=cat LC_ALL=C.UTF-8 man -l "$DOCS/ifrepctl.8" >"$tmp/page" 2>"$tmp/err"
	rc=$?
	whatis=$(lexgrog "$DOCS/ifrepctl.8" 2>&1)
	if [ "$rc" -ne 0 ]; then
		echo "FAIL man.renders: man -l docs/ifrepctl.8: exit $rc ($(head -n 1 "$tmp/err"))"
		failures=$((failures + 1))
	elif [ -s "$tmp/err" ]; then
		echo "FAIL man.renders: man -l docs/ifrepctl.8 warns: $(head -n 1 "$tmp/err")"
		failures=$((failures + 1))
	elif [[ $whatis != *'"ifrepctl - manage '* ]]; then
		echo "FAIL man.renders: lexgrog finds no NAME line 'ifrepctl - ...': $whatis"
		failures=$((failures + 1))
	elif ! grep -q '^SYNOPSIS' "$tmp/page"; then
		echo "FAIL man.renders: no SYNOPSIS section in the rendered page"
		failures=$((failures + 1))
	else
		echo "ok man.renders"
	fi
fi

[ "$failures" -eq 0 ]
