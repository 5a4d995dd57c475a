#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# packaging.sh - the Debian packages (packaging/build-debs, make deb) and the
# module's DKMS build, on this machine:
#
#   deb.build      both packages build into a new directory
#   deb.control    their fields: names, the module's version (build-debs
#                  --version, from ifrep_target.h), architectures, ifrepctl's library
#                  dependencies (dpkg-shlibdeps), the DKMS maintainer scripts
#   deb.contents   ifrep-utils holds ifrepctl, its man page, the udev rule
#                  and the unit it pulls in (ifrep-activate@.service),
#                  the OCF agent, the bash completion and copyright;
#                  dm-ifrep-dkms holds dkms.conf, the Kbuild files and
#                  every source its Kbuild names, and no build product
#   deb.runs       the packaged ifrepctl runs (--version names the tree's)
#   deb.lintian    lintian (pedantic) reports no error and no warning
#   dkms.build     DKMS builds the packaged source, in a private DKMS tree,
#                  for a kernel whose headers are installed: a module of
#                  that kernel's vermagic and the target's version
#
# lintian and dkms cases are skipped, with the reason, when the tool or the
# kernel headers are missing.  Nothing outside a temporary directory is
# written (DKMS signs with a key made there).

set -u
# shellcheck source=tests/unit/lib.sh
. "$(dirname "$0")/lib.sh"

BUILD=$(find_up packaging/build-debs)
if [ -z "$BUILD" ]; then
	echo "FAIL deb.setup: packaging/build-debs not found above $0"
	exit 1
fi
TOP=${BUILD%/packaging/build-debs}
need_tool deb.setup
make_tmp packaging

version=$("$BUILD" --version)
if ! [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] ||
   ! grep -q "IFREP_TARGET_VERSION_PATCH[[:space:]]*${version##*.}$" "$TOP/dm-ifrep/include/ifrep_target.h"; then
	echo "FAIL deb.setup: build-debs --version says '$version', not the version of ifrep_target.h"
	exit 1
fi
arch=$(dpkg --print-architecture)
utils=$tmp/out/ifrep-utils_${version}_$arch.deb
dkms=$tmp/out/dm-ifrep-dkms_${version}_all.deb

# deb.build
if ! "$BUILD" "$tmp/out" >"$tmp/build.log" 2>&1; then
	fail deb.build "packaging/build-debs failed: $(tail -n 3 "$tmp/build.log")"
	exit 1
elif [ ! -f "$utils" ] || [ ! -f "$dkms" ]; then
	fail deb.build "expected $utils and $dkms, got: $(ls "$tmp/out")"
	exit 1
else
	ok deb.build
fi

# deb.control
field() { dpkg-deb -f "$1" "$2"; }
why=
[ "$(field "$utils" Package)" = ifrep-utils ] || why="ifrep-utils is named $(field "$utils" Package)"
[ "$(field "$utils" Version)" = "$version" ] || why="ifrep-utils has version $(field "$utils" Version), not $version"
[ "$(field "$utils" Architecture)" = "$arch" ] || why="ifrep-utils is for $(field "$utils" Architecture)"
for lib in libc6 libdevmapper libssl dmsetup; do
	field "$utils" Depends | grep -q "$lib" || why="ifrep-utils does not depend on $lib: $(field "$utils" Depends)"
done
[ "$(field "$dkms" Package)" = dm-ifrep-dkms ] || why="the DKMS package is named $(field "$dkms" Package)"
[ "$(field "$dkms" Version)" = "$version" ] || why="dm-ifrep-dkms has version $(field "$dkms" Version)"
[ "$(field "$dkms" Architecture)" = all ] || why="dm-ifrep-dkms is for $(field "$dkms" Architecture)"
field "$dkms" Depends | grep -q '^dkms' || why="dm-ifrep-dkms does not depend on dkms"
dpkg-deb -e "$dkms" "$tmp/ctl"
grep -q "dkms build -m \"\$NAME\" -v \"\$VERSION\"" "$tmp/ctl/postinst" &&
	grep -q "^VERSION=$version$" "$tmp/ctl/postinst" ||
	why="the postinst does not build version $version with DKMS"
grep -q "dkms remove -m dm-ifrep -v $version --all" "$tmp/ctl/prerm" ||
	why="the prerm does not remove version $version from DKMS"
if [ -n "$why" ]; then fail deb.control "$why"; else ok deb.control; fi

# deb.contents
dpkg-deb -c "$utils" | awk '{ print $1, $6 }' >"$tmp/utils.list"
dpkg-deb -c "$dkms" | awk '{ print $6 }' >"$tmp/dkms.list"
why=
for want in "-rwxr-xr-x ./usr/sbin/ifrepctl" \
	    "-rw-r--r-- ./usr/share/man/man8/ifrepctl.8.gz" \
	    "-rw-r--r-- ./lib/udev/rules.d/60-ifrep.rules" \
	    "-rw-r--r-- ./lib/systemd/system/ifrep-activate@.service" \
	    "-rwxr-xr-x ./usr/lib/ocf/resource.d/dm-ifrep/ifrep" \
	    "-rw-r--r-- ./usr/share/bash-completion/completions/ifrepctl" \
	    "-rw-r--r-- ./usr/share/doc/ifrep-utils/copyright"; do
	grep -qxF -- "$want" "$tmp/utils.list" || why="ifrep-utils lacks $want"
done
src=./usr/src/dm-ifrep-$version
for want in dkms.conf Kbuild dm-ifrep/Kbuild dm-ifrep/include/ifrep_target.h \
	    $(sed -n 's/^\t*\(dm-ifrep-[a-z]*\)\.o.*/dm-ifrep\/\1.c/p' "$TOP/dm-ifrep/Kbuild"); do
	grep -qxF "$src/$want" "$tmp/dkms.list" || why="dm-ifrep-dkms lacks $src/$want"
done
if grep -E '\.(o|ko|mod|mod\.c|cmd|d)$|Module\.symvers|modules\.order' "$tmp/dkms.list" >"$tmp/junk"; then
	why="dm-ifrep-dkms holds build products: $(head -n 3 "$tmp/junk" | tr '\n' ' ')"
fi
if [ -n "$why" ]; then fail deb.contents "$why"; else ok deb.contents; fi

# deb.runs
dpkg-deb -x "$utils" "$tmp/utils"
dpkg-deb -x "$dkms" "$tmp/dkmsroot"
packaged=$("$tmp/utils/usr/sbin/ifrepctl" --version 2>&1 | head -n 1)
tree=$("$TOOL" --version 2>&1 | head -n 1)
if [ -n "$packaged" ] && [ "$packaged" = "$tree" ]; then
	ok deb.runs
else
	fail deb.runs "the packaged ifrepctl says '$packaged', the tree's '$tree'"
fi

# deb.lintian
if ! command -v lintian >/dev/null; then
	skip deb.lintian "lintian is not installed (apt-get install lintian, or make deps)"
else
	lintian --pedantic -I "$utils" "$dkms" 2>/dev/null >"$tmp/lintian"
	if grep -q '^[EW]:' "$tmp/lintian"; then
		fail deb.lintian "$(grep '^[EW]:' "$tmp/lintian" | head -n 3 | tr '\n' ' ')"
	else
		ok deb.lintian
	fi
fi

# dkms.build
kver=$(for b in /lib/modules/*/build/Makefile; do [ -f "$b" ] && basename "$(dirname "$(dirname "$b")")"; done |
	grep -v -- '-ifrep-debug$' | sort -V | tail -n 1)
if ! command -v dkms >/dev/null; then
	skip dkms.build "dkms is not installed (apt-get install dkms, or make deps)"
elif [ -z "$kver" ]; then
	skip dkms.build "no kernel headers in /lib/modules/*/build"
else
	mkdir -p "$tmp/dkms"
	# The signing key DKMS makes goes into $tmp too (unless
	# /etc/dkms/framework.conf names one).
	d() { mok_signing_key=$tmp/mok.key mok_certificate=$tmp/mok.pub \
		dkms --dkmstree "$tmp/dkms" --sourcetree "$tmp/dkmsroot/usr/src" "$@"; }
	if ! d add -m dm-ifrep -v "$version" >"$tmp/dkms.log" 2>&1 ||
	   ! d build -m dm-ifrep -v "$version" -k "$kver" >>"$tmp/dkms.log" 2>&1; then
		fail dkms.build "dkms failed for $kver: $(tail -n 3 "$tmp/dkms.log" | tr '\n' ' ')"
	else
		ko=$(find "$tmp/dkms/dm-ifrep/$version/$kver" -name 'dm-ifrep.ko*' | head -n 1)
		if [ -z "$ko" ]; then
			fail dkms.build "dkms built no dm-ifrep.ko for $kver"
		elif [ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" != "$kver" ]; then
			fail dkms.build "the module is for $(modinfo -F vermagic "$ko"), not $kver"
		elif [ "$(modinfo -F version "$ko")" != "$version" ]; then
			fail dkms.build "the module's version is $(modinfo -F version "$ko"), not $version"
		else
			ok dkms.build
		fi
	fi
fi

[ "$failures" -eq 0 ]
