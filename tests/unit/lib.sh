# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# lib.sh - what the shell unit tests share.  Each sources it from its own
# directory: tests/unit/, or tests/unit/bin/, where the Makefile installs it
# beside them (not executable: tests/run runs every executable there).
#
#   find_up PATH        the first DIR/PATH in the directories above the test
#   need_tool SETUP     $TOOL: ifrepctl, from $IFREPCTL or found above the test;
#                       else "FAIL SETUP: ..." and exit 1
#   make_tmp NAME       $tmp: a new directory, removed when the test exits
#   ok NAME, skip NAME WHY, fail NAME WHY
#                       a result line; fail counts in $failures
#
# A test ends with [ "$failures" -eq 0 ], so that it exits non-zero on failure.

failures=0

ok() { echo "ok $1"; }
skip() { echo "skip $1: $2"; }
fail() { echo "FAIL $1: $2"; failures=$((failures + 1)); }

# (they run from tests/unit/ and from tests/unit/bin/: look up from there)
find_up() {
	local dir
	dir=$(cd "$(dirname "$0")" && pwd)
	while [ "$dir" != / ]; do
		if [ -e "$dir/$1" ]; then
			echo "$dir/$1"
			return
		fi
		dir=$(dirname "$dir")
	done
}

need_tool() {
	TOOL=${IFREPCTL:-$(find_up tools/ifrepctl/ifrepctl)}
	if [ -z "$TOOL" ] || [ ! -x "$TOOL" ]; then
		echo "FAIL $1: ifrepctl not found (build tools/ifrepctl first, or set IFREPCTL)"
		exit 1
	fi
}

make_tmp() {
	tmp=$(mktemp -d "/tmp/ifrepctl-$1.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
}
