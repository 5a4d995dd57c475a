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
# shellcheck source=tests/unit/lib.sh
. "$(dirname "$0")/lib.sh"

MD=$(find_up docs/ifrepctl.md)
DOCS=${MD%/ifrepctl.md}
if [ -z "$MD" ] || [ ! -x "$DOCS/mkman.sh" ]; then
	echo "FAIL man.setup: docs/ifrepctl.md and docs/mkman.sh not found above $0"
	exit 1
fi

make_tmp man

# man.generated
if ! command -v lowdown >/dev/null; then
	skip man.generated "lowdown is not installed (apt-get install lowdown, or make deps), so docs/ifrepctl.8 cannot be regenerated to compare"
elif ! "$DOCS/mkman.sh" "$DOCS/ifrepctl.md" >"$tmp/ifrepctl.8" 2>"$tmp/err"; then
	fail man.generated "docs/mkman.sh failed: $(head -n 1 "$tmp/err")"
elif ! diff -u "$DOCS/ifrepctl.8" "$tmp/ifrepctl.8" >"$tmp/diff"; then
	fail man.generated "docs/ifrepctl.8 is not what docs/mkman.sh makes of docs/ifrepctl.md ($(($(grep -c '^[-+]' "$tmp/diff") - 2)) lines differ): edit the .md, never the .8, then run 'make man' and commit both"
	head -n 20 "$tmp/diff"
else
	ok man.generated
fi

# man.renders
if ! command -v man >/dev/null || ! command -v lexgrog >/dev/null; then
	skip man.renders "man-db (man, lexgrog) is not installed"
else
	MANWIDTH=80 MANPAGER=cat LC_ALL=C.UTF-8 man -l "$DOCS/ifrepctl.8" >"$tmp/page" 2>"$tmp/err"
	rc=$?
	whatis=$(lexgrog "$DOCS/ifrepctl.8" 2>&1)
	if [ "$rc" -ne 0 ]; then
		fail man.renders "man -l docs/ifrepctl.8: exit $rc ($(head -n 1 "$tmp/err"))"
	elif [ -s "$tmp/err" ]; then
		fail man.renders "man -l docs/ifrepctl.8 warns: $(head -n 1 "$tmp/err")"
	elif [[ $whatis != *'"ifrepctl - manage '* ]]; then
		fail man.renders "lexgrog finds no NAME line 'ifrepctl - ...': $whatis"
	elif ! grep -q '^SYNOPSIS' "$tmp/page"; then
		fail man.renders "no SYNOPSIS section in the rendered page"
	else
		ok man.renders
	fi
fi

[ "$failures" -eq 0 ]
