#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ocf-outdate.sh - the OCF agent's outdated mark (tools/ocf/ifrep), with
# stand-ins for dmsetup (a status line from a file), crm_attribute (node
# attributes as files), crm_node and ifrepctl (both logged).  The real
# cluster runs in tests/cases/099-pacemaker-failover; this checks each rule
# on its own:
#
#   outdate.mark          a primary whose pair is disconnected marks the
#                         peer (permanent attribute) and deletes its score
#   outdate.retrying      a retrying pair marks nothing
#   outdate.clear         an in-sync pair clears the mark
#   outdate.score         a marked consistent secondary gets no score
#   outdate.refuse        promote of a marked node fails with an exit reason,
#                         without running ifrepctl promote
#   outdate.promote       promote of an unmarked node marks the peer
#   outdate.peer-node     the peer_node parameter names the peer
#   outdate.off           outdate=false: no mark, and a mark is not obeyed
#   outdate.no-pacemaker  outside Pacemaker (no CRM_meta_on_node): no mark

set -u
# shellcheck source=tests/unit/lib.sh
. "$(dirname "$0")/lib.sh"

AGENT=$(find_up tools/ocf/ifrep)
if [ -z "$AGENT" ]; then
	echo "FAIL outdate.setup: tools/ocf/ifrep not found above $0"
	exit 1
fi
make_tmp ocf-outdate
mkdir "$tmp/bin" "$tmp/attrs"
cat >"$tmp/bin/dmsetup" <<EOF
#!/bin/sh
cat "$tmp/status"
EOF
cat >"$tmp/bin/crm_attribute" <<EOF
#!/bin/bash
node=\$OCF_RESKEY_CRM_meta_on_node name= op= val=
while [ \$# -gt 0 ]; do
	case \$1 in
	--help) echo "  -p, --promotion=RESOURCE"; exit 0 ;;
	--node) node=\$2; shift ;;
	--name) name=\$2; shift ;;
	--lifetime | -l) shift ;;
	--promotion) name=master-\${OCF_RESOURCE_INSTANCE%%:*} ;;
	--query) op=query ;;
	--update | -v) op=update; val=\$2; shift ;;
	--delete | -D) op=delete ;;
	esac
	shift
done
echo "\$op \$node \$name" >>"$tmp/log"
f="$tmp/attrs/\$node.\$name"
case \$op in
query) [ -f "\$f" ] || exit 105; cat "\$f" ;;
update) echo "\$val" >"\$f" ;;
delete) rm -f "\$f" ;;
esac
EOF
printf '#!/bin/sh\nprintf "1 a member\\n2 b member\\n"\n' >"$tmp/bin/crm_node"
printf '#!/bin/sh\necho "ifrepctl $*" >>"%s/log"\n' "$tmp" >"$tmp/bin/ifrepctl"
chmod +x "$tmp"/bin/*
echo secret >"$tmp/secret"

export PATH=$tmp/bin:$PATH OCF_FUNCTIONS_DIR=/nonexistent OCF_RESOURCE_INSTANCE=r0:0
export OCF_RESKEY_volume=r0 OCF_RESKEY_data=/dev/x OCF_RESKEY_meta=/dev/y
export OCF_RESKEY_listen=10.0.0.1:7788 OCF_RESKEY_peer=10.0.0.2:7788
export OCF_RESKEY_secret_file=$tmp/secret OCF_RESKEY_timeout=1

# status ROLE STATE: a status line (target 1.6 layout) of a primary with the
# pair "peer" in STATE, or of a consistent secondary (STATE: its upstream).
status() {
	if [ "$1" = primary ]; then
		echo "0 2048 ifrep primary rw 2048 16 0123456789abcdef 4 - - - 1 peer sync 10.0.0.2:7788 $2 0 0 0 - - - - 0 0 0 -" >"$tmp/status"
	else
		echo "0 2048 ifrep secondary rw 2048 16 0123456789abcdef 4 10.0.0.1:7788 $2 consistent 0" >"$tmp/status"
	fi
}
# run NODE ACTION: the agent's action as Pacemaker runs it on NODE; $rc.
run() {
	: >"$tmp/log"
	rc=0
	OCF_RESKEY_CRM_meta_on_node=$1 "$AGENT" "$2" >"$tmp/out" 2>&1 || rc=$?
}
attr() { cat "$tmp/attrs/$1" 2>/dev/null; }
check() { # NAME CONDITION WHY
	if eval "$2"; then ok "$1"; else fail "$1" "$3 (rc $rc; $(tr '\n' ';' <"$tmp/log" "$tmp/out"))"; fi
}

echo 100 >"$tmp/attrs/b.master-r0"
status primary disconnected
run a monitor
check outdate.mark '[ "$rc" = 8 ] && [ -n "$(attr b.ifrep-r0-outdated)" ] && [ -z "$(attr b.master-r0)" ]' \
	"b not marked, or its score kept"

rm -f "$tmp/attrs/b.ifrep-r0-outdated"
status primary retrying
run a monitor
check outdate.retrying '[ "$rc" = 8 ] && [ -z "$(attr b.ifrep-r0-outdated)" ]' "a retrying pair marked b"

echo 2026-01-01T00:00:00Z >"$tmp/attrs/b.ifrep-r0-outdated"
status primary in-sync
run a monitor
check outdate.clear '[ "$rc" = 8 ] && [ -z "$(attr b.ifrep-r0-outdated)" ]' "the mark stayed"

echo 2026-01-01T00:00:00Z >"$tmp/attrs/b.ifrep-r0-outdated"
echo 100 >"$tmp/attrs/b.master-r0"
status secondary listening
run b monitor
check outdate.score '[ "$rc" = 0 ] && [ -z "$(attr b.master-r0)" ]' "a marked secondary kept its score"

run b promote
check outdate.refuse '[ "$rc" = 1 ] && ! grep -q "ifrepctl promote" "$tmp/log" &&
	grep -q "^ocf-exit-reason:r0: this node is outdated since 2026-01-01T00:00:00Z" "$tmp/out"' \
	"promote of a marked node"

rm -f "$tmp/attrs"/*
run b promote
check outdate.promote '[ "$rc" = 0 ] && grep -q "ifrepctl promote r0" "$tmp/log" &&
	[ -n "$(attr a.ifrep-r0-outdated)" ]' "promote did not mark a"

rm -f "$tmp/attrs"/*
status primary disconnected
OCF_RESKEY_peer_node=other run a monitor
check outdate.peer-node '[ -n "$(attr other.ifrep-r0-outdated)" ] && [ -z "$(attr b.ifrep-r0-outdated)" ]' \
	"peer_node not used"

rm -f "$tmp/attrs"/*
OCF_RESKEY_outdate=false run a monitor
# shellcheck disable=SC2034 # read in the condition of check
off_mark=$(attr b.ifrep-r0-outdated)
echo 2026-01-01T00:00:00Z >"$tmp/attrs/b.ifrep-r0-outdated"
status secondary listening
OCF_RESKEY_outdate=false run b monitor
check outdate.off '[ -z "$off_mark" ] && [ "$(attr b.master-r0)" = 100 ]' "outdate=false still marks or obeys"

rm -f "$tmp/attrs"/*
status primary disconnected
: >"$tmp/log"
rc=0
"$AGENT" monitor >"$tmp/out" 2>&1 || rc=$?
check outdate.no-pacemaker '[ "$rc" = 8 ] && ! grep -q ifrep-r0-outdated "$tmp/log"' "marked outside Pacemaker"

[ "$failures" -eq 0 ]
