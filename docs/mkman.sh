#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkman.sh PAGE.md - print the man page made from the Markdown page PAGE.md.
#
# docs/ifrepctl.8 is generated: 'make man' runs this script on
# docs/ifrepctl.md, and tests/unit/man-page.sh checks that the committed .8
# is what it prints.  The generator is lowdown (Debian package lowdown); the
# page's .TH line comes from the lowdown metadata at the top of the .md.
# Besides running lowdown, this script only adds a comment saying so after
# lowdown's first line, writes the NAME line's dash as \- (man-pages(7)),
# and sets inline code in bold (\fB) instead of lowdown's constant-width
# \fC, which a terminal cannot show: bold is man(7)'s face for literals.

set -u
set -o pipefail

if [ $# -ne 1 ] || [ ! -r "$1" ]; then
	echo "usage: mkman.sh PAGE.md (a readable Markdown file)" >&2
	exit 2
fi
if ! command -v lowdown >/dev/null; then
	echo "mkman.sh: lowdown is not installed (apt-get install lowdown, or make deps)" >&2
	exit 1
fi

src=$(basename "$1")
name=${src%.md}

# -s: a whole page (.TH from the metadata); no smart quotes or dashes, so
# that options and quoted messages stay ASCII; links show their text only.
lowdown -s -Tman --out-no-smarty --nroff-nolinks "$1" | {
	IFS= read -r first && printf '%s\n' "$first"
	printf '.\\" %s\n' "SPDX-License-Identifier: GPL-2.0" \
		"Generated from docs/$src by docs/mkman.sh (lowdown): do not edit." \
		"Edit docs/$src, then run 'make man' and commit both files."
	sed -e '0,/^'"$name"' - /s//'"$name"' \\- /' -e 's/\\fC/\\fB/g'
}
