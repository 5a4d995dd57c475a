#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# systemd-unit.sh - the boot activation unit (tools/systemd) and the udev
# rule that pulls it in (tools/udev/60-ifrep.rules), checked statically:
#
#   systemd.verify   systemd-analyze verify accepts an instance of
#                    ifrep-activate@.service (its ExecStart pointed at the
#                    tree's ifrepctl, as the VM test does)
#   systemd.rule     where /run/systemd/system exists the rule pulls in
#                    ifrep-activate@$kernel.service, a unit of tools/systemd,
#                    and runs nothing itself; elsewhere it runs the command
#                    the unit runs (activate --udev on the same device)
#   systemd.order    the unit wants network-online.target and is ordered
#                    after it and the iSCSI/NVMe-oF session services (only
#                    ordered: it wants none of them), without default
#                    dependencies, as a oneshot
#   systemd.install  make install-tools puts the unit in lib/systemd/system
#
# The boot itself (systemd as PID 1, udev, the unit, a failing volume) is
# VM case 098-systemd-boot.  systemd.verify is skipped, with the reason,
# without systemd-analyze.

set -u
# shellcheck source=tests/unit/lib.sh
. "$(dirname "$0")/lib.sh"

UNIT=$(find_up tools/systemd/ifrep-activate@.service)
RULE=$(find_up tools/udev/60-ifrep.rules)
if [ -z "$UNIT" ] || [ -z "$RULE" ]; then
	echo "FAIL systemd.setup: tools/systemd/ifrep-activate@.service or tools/udev/60-ifrep.rules not found above $0"
	exit 1
fi
TOP=${UNIT%/tools/systemd/*}
need_tool systemd.setup
make_tmp systemd

# systemd.verify
if ! command -v systemd-analyze >/dev/null; then
	skip systemd.verify "systemd-analyze is not installed"
else
	sed "s|/usr/sbin/ifrepctl|$TOOL|" "$UNIT" >"$tmp/ifrep-activate@vdb.service"
	if systemd-analyze verify --man=no "$tmp/ifrep-activate@vdb.service" >"$tmp/verify" 2>&1 &&
		! grep -q . "$tmp/verify"; then
		ok systemd.verify
	else
		fail systemd.verify "$(head -n 3 "$tmp/verify" | tr '\n' ' ')"
	fi
fi

# systemd.rule
why=
rules=$(grep -v '^#' "$RULE")
wants=$(printf '%s\n' "$rules" | grep 'SYSTEMD_WANTS')
[ "$(printf '%s\n' "$wants" | grep -c .)" = 1 ] || why="not one SYSTEMD_WANTS line"
case $wants in
*'TEST=="/run/systemd/system"'*'ENV{SYSTEMD_WANTS}+="ifrep-activate@$kernel.service"'*'GOTO="ifrep_end"'*) ;;
*) why="the SYSTEMD_WANTS line is not conditioned on systemd, or does not skip RUN: $wants" ;;
esac
case $wants in *RUN*) why="the SYSTEMD_WANTS line runs something itself" ;; esac
[ -e "$TOP/tools/systemd/ifrep-activate@.service" ] || why="no tools/systemd/ifrep-activate@.service"
run=$(printf '%s\n' "$rules" | sed -n 's/.*RUN+="\([^"]*\)".*/\1/p')
exec_start=$(sed -n 's/^ExecStart=//p' "$UNIT")
[ "$run" = '/usr/sbin/ifrepctl activate --udev $devnode' ] || why="the rule's RUN is '$run'"
[ "$exec_start" = '/usr/sbin/ifrepctl activate --udev /dev/%i' ] || why="the unit runs '$exec_start'"
if [ -n "$why" ]; then fail systemd.rule "$why"; else ok systemd.rule; fi

# systemd.order
why=
key() { sed -n "s/^$1=//p" "$UNIT" | tr '\n' ' '; }
case " $(key Wants) " in *" network-online.target "*) ;; *) why="it does not want network-online.target" ;; esac
for u in network-online.target iscsid.service open-iscsi.service iscsi.service nvmf-autoconnect.service; do
	case " $(key After) " in *" $u "*) ;; *) why="it is not ordered after $u" ;; esac
done
for u in iscsid.service open-iscsi.service iscsi.service nvmf-autoconnect.service; do
	case " $(key Wants) $(key Requires) " in *" $u "*) why="it pulls in $u" ;; esac
done
[ "$(key DefaultDependencies)" = "no " ] || why="DefaultDependencies is not no"
[ "$(key Type)" = "oneshot " ] || why="it is not a oneshot"
if [ -n "$why" ]; then fail systemd.order "$why"; else ok systemd.order; fi

# systemd.install
if make -s -C "$TOP" install-tools DESTDIR="$tmp/root" PREFIX=/usr >"$tmp/make" 2>&1 &&
	cmp -s "$UNIT" "$tmp/root/lib/systemd/system/ifrep-activate@.service"; then
	ok systemd.install
else
	fail systemd.install "make install-tools did not install lib/systemd/system/ifrep-activate@.service: $(tail -n 2 "$tmp/make" | tr '\n' ' ')"
fi

[ "$failures" -eq 0 ]
