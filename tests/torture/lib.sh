# shellcheck shell=bash
# Host side of the fault campaigns (tests/torture/NNN-*), which tests/run
# --torture runs like test cases.  Each runs IFREP_TORTURE_N rounds of one
# fault under a writer that logs every write it had acknowledged
# (tests/tools/ackwriter), counts the rounds that lost nothing, and says
# "<fault>: N/N survived, K acknowledged writes lost".  A round that loses
# data does not stop the campaign: the figures are the point.

TORTURE_N=${IFREP_TORTURE_N:-10}
[[ $TORTURE_N =~ ^[1-9][0-9]*$ ]] || TORTURE_N=10
ACKWRITER='$REPO/tests/tools/ackwriter'

# torture_pair_up SECRET: VM b a listening secondary v1, VM a a primary v0
# with a sync pair dr to it (timeout 5 s), in sync.  b's data device is
# $B_DATA (a guest expression, default "$DISK1").
torture_pair_up() {
	vm_run b "(umask 077; echo '$1' >/tmp/secret)
		ifrepctl create v1 --data ${B_DATA:-\"\$DISK1\"} --meta \"\$DISK2\" --role secondary \\
			--chunk-size 1M --listen \"\$VM_ADDR:7788\" --secret-file /tmp/secret"
	vm_run a "(umask 077; echo '$1' >/tmp/secret)
		ifrepctl create v0 --data \"\$DISK1\" --meta \"\$DISK2\" --chunk-size 1M
		ifrepctl pair add v0 dr --to \"\$PEER_ADDR:7788\" --mode sync --timeout 5 \\
			--secret-file /tmp/secret
		ifrepctl wait v0 dr --state in-sync --timeout 180"
}

# torture_writer VM SEED [ACKWRITER OPTIONS]: starts a logged writer on v0
# and returns once it had a write acknowledged (so that the fault that
# follows always meets a running writer, however slowly the VM started it);
# prints its handle.  The log is on the host's share: it survives the VM.
torture_writer() {
	local vm=$1 seed=$2 h t
	shift 2
	h=$(vm_run_bg "$vm" "$ACKWRITER write /dev/mapper/v0 /ctl/out/ack.log --log-file \
		--block-size 4096 --count 1000000 --seed $seed $*")
	for ((t = 0; t < 600; t++)); do
		[[ -s $vm/ctl/out/ack.log ]] && break
		sleep 0.1
	done
	[[ -s $vm/ctl/out/ack.log ]] || fail "the writer on $vm acknowledged nothing in 60 s"
	echo "$h"
}

# torture_lost VM DEV: how many logged blocks DEV lost (0 when intact).
torture_lost() {
	local out
	out=$(vm_run "$1" "$ACKWRITER verify $2 /ctl/out/ack.log --log-file 2>&1 || true")
	echo "$out" >>"$CASE_DIR/verify.log"
	sed -n 's/.* \([0-9][0-9]*\) lost.*/\1/p' <<<"$out" | tail -n 1 | grep . || echo 0
}

# torture_same: a's data device equals b's ($B_DATA): 0, or 1 after
# logging which chunks differ.
torture_same() {
	vm_run a 'chunk_sums "$DISK1" 1M >"$OUT/sums"'
	vm_run b "chunk_sums ${B_DATA:-\"\$DISK1\"} 1M >\"\$OUT/sums\""
	cmp -s a/ctl/out/sums b/ctl/out/sums && return 0
	diff a/ctl/out/sums b/ctl/out/sums >>"$CASE_DIR/verify.log" || true
	return 1
}
