# shellcheck shell=bash
# Helpers for the scripts that vm_run runs in a guest (or, with tests/run
# --host, on the host).  Sourced before each script, which runs under
# "set -euo pipefail" with cwd /tmp.  Environment: REPO, VM_NAME, VM_INDEX,
# VM_ADDR, PEER_ADDR, NDISKS, DISK1..DISKn, OUT, CTL, DM_DISABLE_UDEV=1, and
# PATH with $REPO/tools/ifrepctl.

# die MESSAGE: fail the script with a message the host reports.
die() {
	echo "FAIL: $*" >&2
	exit 1
}

# expect_fail CMD [ARG]...: CMD must exit non-zero.
expect_fail() {
	if "$@"; then die "expected to fail: $*"; fi
	return 0
}

# assert_eq ACTUAL EXPECTED [WHAT]
assert_eq() {
	[[ $1 == "$2" ]] || die "${3:-assert_eq}: got '$1', expected '$2'"
}

# wait_for 'CONDITION' [TIMEOUT_S]: poll a shell condition every 0.1 s; die
# when it is still false after TIMEOUT_S seconds (default 30).
wait_for() {
	local cond=$1 timeout=${2:-30} end
	end=$((${EPOCHREALTIME/./} + timeout * 1000000))
	until eval "$cond"; do
		((${EPOCHREALTIME/./} < end)) || die "timed out after ${timeout}s waiting for: $cond"
		sleep 0.1
	done
}

# chunk_sums DEV CHUNK [FIRST [COUNT]]: print "INDEX MD5" for each CHUNK-sized
# piece of DEV (CHUNK in bytes or with K/M/G suffix), from chunk FIRST on.
# A block device's page cache is dropped first, so the device's own contents
# are read.  One perl process does it when Digest::MD5 is there (an exec costs
# ~25 ms under TCG), else dd and md5sum per chunk.
chunk_sums() {
	local dev=$1 chunk first=${3:-0} count=${4:-} size i sum _
	chunk=$(numfmt --from=iec "$2") || die "chunk_sums: bad chunk size '$2'"
	if [[ -b $dev ]]; then
		blockdev --flushbufs "$dev"
		size=$(blockdev --getsize64 "$dev")
	else
		size=$(stat -L -c %s "$dev")
	fi
	[[ -n $count ]] || count=$(((size + chunk - 1) / chunk - first))
	if perl -MDigest::MD5 -e 1 2>/dev/null; then
		# shellcheck disable=SC2016 # perl code
		perl -MDigest::MD5=md5_hex -e 'my ($dev, $chunk, $first, $count) = @ARGV;
			open(my $fh, "<:raw", $dev) or die "chunk_sums: $dev: $!\n";
			sysseek($fh, $first * $chunk, 0) or die "chunk_sums: seek: $!\n" if $first;
			for my $i ($first .. $first + $count - 1) {
				my ($buf, $got) = ("", 0);
				while ($got < $chunk) {
					my $n = sysread($fh, $buf, $chunk - $got, $got);
					die "chunk_sums: read: $!\n" unless defined $n;
					last unless $n;
					$got += $n;
				}
				print "$i ", md5_hex($buf), "\n";
			}' "$dev" "$chunk" "$first" "$count"
		return
	fi
	for ((i = first; i < first + count; i++)); do
		read -r sum _ < <(dd if="$dev" bs="$chunk" skip="$i" count=1 status=none | md5sum)
		echo "$i $sum"
	done
}

# devs_equal DEV1 DEV2: true if both have the same contents (cmp prints the
# first difference otherwise).  Block devices' caches are dropped first.
devs_equal() {
	local d
	for d in "$1" "$2"; do
		if [[ -b $d ]]; then blockdev --flushbufs "$d"; fi
	done
	cmp -- "$1" "$2"
}

# dm-ifrep specific helpers.
if [[ -r ${BASH_SOURCE[0]%/*}/ifrep.sh ]]; then
	# shellcheck source=tests/lib/ifrep.sh
	. "${BASH_SOURCE[0]%/*}/ifrep.sh"
fi

# nullb_create NAME SIZE_MB CACHE_MB: a memory-backed null_blk device with a
# volatile write cache of CACHE_MB (what a flush has not made stable is lost
# when its power goes off); prints its /dev path.  Note: null_blk caches a
# write only into blocks it never stored (a flush stores them); discard a
# range (nullb_uncache) to make its next writes volatile again.
nullb_create() {
	local d=/sys/kernel/config/nullb/$1
	modprobe null_blk nr_devices=0 || die "no null_blk"
	mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config
	mkdir "$d"
	echo "$2" >"$d/size"
	echo 1 >"$d/memory_backed"
	echo 1 >"$d/discard"
	echo "$3" >"$d/cache_size"
	echo 512 >"$d/blocksize"
	echo 1 >"$d/power"
	_nullb_dev "$1"
}

# The device of null_blk NAME: newer kernels name the disk after the
# configfs item, older ones nullbINDEX.
_nullb_dev() {
	local named=/dev/$1 numbered
	numbered=/dev/nullb$(cat "/sys/kernel/config/nullb/$1/index")
	wait_for "[[ -b $named || -b $numbered ]]" 10
	if [[ -b $named ]]; then echo "$named"; else echo "$numbered"; fi
}

# nullb_uncache DEV OFFSET LENGTH: drop the stored blocks of a range, so that
# the device caches the next writes there (whoever has it open).
nullb_uncache() {
	blkdiscard --force --offset "$2" --length "$3" "$1"
}

# nullb_power_cycle NAME: power the device off and on: its cache is lost.
nullb_power_cycle() {
	local d=/sys/kernel/config/nullb/$1
	echo 0 >"$d/power"
	echo 1 >"$d/power"
	_nullb_dev "$1" >/dev/null
}

# wan_profile [ONE_WAY_DELAY [RATE]]: this VM's half of the WAN profile, a
# link between two sites: what it sends on eth0 is delayed by ONE_WAY_DELAY
# (default 25ms) and limited to RATE (default 80mbit, 10 MB/s), with netem.
# Run on both VMs of a link, both directions are shaped: a 50 ms round trip
# by default, and a bandwidth-delay product (500 KB) that one 1 MiB request
# in flight cannot fill.  "wan_profile off" removes it.  The queue holds a
# few seconds of the rate, so that netem's own limit does not drop packets.
wan_profile() {
	local delay=${1:-25ms} rate=${2:-80mbit}
	if [[ $delay == off ]]; then
		tc qdisc del dev eth0 root 2>/dev/null || true
		return 0
	fi
	modprobe sch_netem 2>/dev/null || true
	tc qdisc replace dev eth0 root netem delay "$delay" rate "$rate" limit 20000 ||
		die "wan_profile: tc could not shape eth0 (delay $delay, rate $rate)"
}
