# shellcheck shell=bash
# Guest side of the benchmarks (tests/bench/lib/bench.sh sources this file
# at the top of the scripts it runs in a VM, after tests/lib/guest.sh).
#
# Results go to $OUT (the host reads them from NAME/ctl/out/):
#   LABEL-WORKLOAD.json      fio's JSON output of the measured run
#   LABEL-WORKLOAD.counters  "key value" lines: metadata counters before the
#                            warm-up, before and after the measured run, and
#                            the check command's output after it

# The two workloads, by name: fio options besides file, time and output.
bench_workload_opts() {
	case $1 in
	lat) echo "--rw=randwrite --bs=4k --iodepth=1 --ioengine=psync --sync=1 --randrepeat=0 --norandommap" ;;
	tput) echo "--rw=write --bs=1M --iodepth=16 --ioengine=libaio" ;;
	*) die "unknown workload $1" ;;
	esac
}

# bench_disk_stat DEV: "WRITES FLUSHES" completed on a block device so far
# (/sys/block/X/stat fields 5 and 16).
bench_disk_stat() {
	local dev name
	dev=$(readlink -f "$1")
	name=${dev##*/}
	awk '{ print $5, ($16 == "" ? 0 : $16) }' "/sys/block/$name/stat"
}

# bench_cpu: "BUSY TOTAL" jiffies of all CPUs so far (/proc/stat; busy is
# everything but idle and iowait).
bench_cpu() {
	awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t; exit }' /proc/stat
}

# _bench_counters PREFIX: print "PREFIX_meta N" (the counter command's
# output) and "PREFIX_disk_writes N", "PREFIX_disk_flushes N" (the metadata
# device's block-layer counts), as far as they were asked for.
_bench_counters() {
	local p=$1 v w f
	if [[ -n $BENCH_COUNTER ]]; then
		v=$(eval "$BENCH_COUNTER") || die "counter command failed: $BENCH_COUNTER"
		echo "${p}_meta $v"
	fi
	if [[ -n $BENCH_META_DISK ]]; then
		read -r w f < <(bench_disk_stat "$BENCH_META_DISK")
		echo "${p}_disk_writes $w"
		echo "${p}_disk_flushes $f"
	fi
}

# bench_fio_warm LABEL WORKLOAD DEV WARMUP COUNTER META_DISK [BEFORE]
# bench_fio_measure LABEL WORKLOAD DEV SECONDS COUNTER META_DISK CHECK [SAMPLE]
# One workload on DEV: WARMUP seconds not measured, then SECONDS measured
# (two calls, so that the host can sample another VM in between).  COUNTER
# (a shell command printing one number: metadata blocks written so far),
# META_DISK (the device holding the metadata: its block-layer counts) and
# CHECK (a shell command whose output is recorded after the run, e.g. the
# pair state) may be empty.  BEFORE: a shell command run first, before
# anything is counted (e.g. start a cycle).  SAMPLE: a shell command run in
# the background, in a process group of its own, for the measured run; its
# output goes to $OUT/LABEL-WORKLOAD.samples and the group gets SIGTERM
# when fio is done.
bench_fio_warm() {
	local label=$1 wl=$2 dev=$3 warm=$4 opts cnt before=${7:-}
	BENCH_COUNTER=$5 BENCH_META_DISK=$6
	if [[ -n $before ]]; then
		eval "$before"
	fi
	[[ -b $dev ]] || die "$dev is not a block device"
	opts=$(bench_workload_opts "$wl")
	cnt=$OUT/$label-$wl.counters
	rm -f "$OUT/$label-$wl.json" "$cnt"
	{
		_bench_counters warm
		if ((warm > 0)); then
			# shellcheck disable=SC2086 # opts is a list
			fio --name="$label-$wl-warmup" --filename="$dev" --direct=1 $opts \
				--time_based --runtime="$warm" --output=/dev/null ||
				die "fio warm-up on $dev failed"
		fi
		_bench_counters before
		echo "before_cpu $(bench_cpu)"
	} >"$cnt.tmp"
}

bench_fio_measure() {
	local label=$1 wl=$2 dev=$3 secs=$4 opts json cnt check=$7 sample=${8:-} spid=''
	BENCH_COUNTER=$5 BENCH_META_DISK=$6
	opts=$(bench_workload_opts "$wl")
	json=$OUT/$label-$wl.json
	cnt=$OUT/$label-$wl.counters
	[[ -e $cnt.tmp ]] || die "bench_fio_measure: no warm-up for $label-$wl"
	rm -f "$OUT/$label-$wl.samples"
	if [[ -n $sample ]]; then
		# Job control on: the background job gets a process group of its
		# own, so that a pipeline is ended as a whole.
		set -m
		eval "$sample" >"$OUT/$label-$wl.samples" 2>&1 &
		spid=$!
		set +m
	fi
	# shellcheck disable=SC2086 # opts is a list
	fio --name="$label-$wl" --filename="$dev" --direct=1 $opts \
		--time_based --runtime="$secs" --output-format=json --output=/tmp/fio.json ||
		{ cat /tmp/fio.json; die "fio on $dev failed"; }
	{
		echo "after_cpu $(bench_cpu)"
		_bench_counters after
		[[ -z $check ]] || echo "check $(eval "$check" 2>&1 | tr '\n' ' ')"
	} >>"$cnt.tmp"
	if [[ -n $spid ]]; then
		kill -TERM -- "-$spid" 2>/dev/null || true
		wait "$spid" 2>/dev/null || true
	fi
	# fio may put warnings before the JSON.
	sed -n '/^{/,$p' /tmp/fio.json >"$json"
	mv "$cnt.tmp" "$cnt"
	jq -r --arg l "$label-$wl" '.jobs[0].write |
		"\($l): \(.total_ios) writes, \(.bw_bytes / 1048576 * 10 | round / 10) MiB/s, clat mean \(.clat_ns.mean / 1000 | round) us, p99 \(.clat_ns.percentile["99.000000"] / 1000 | round) us"' "$json"
	sed 's/^/  /' "$cnt"
}

# bench_fio_both LABEL DEV1 DEV2 SECONDS WARMUP: the throughput workload on
# two devices at once (one fio job each, aggregated): what the VM can write
# to both legs of a mirror when nothing else is in the way.  Output as for
# bench_fio, workload "tput" only.
bench_fio_both() {
	local label=$1 d1=$2 d2=$3 secs=$4 warm=$5 opts json
	opts=$(bench_workload_opts tput)
	json=$OUT/$label-tput.json
	rm -f "$json"
	if ((warm > 0)); then
		# shellcheck disable=SC2086 # opts is a list
		fio --direct=1 $opts --time_based --runtime="$warm" --output=/dev/null \
			--name="$label-1" --filename="$d1" --name="$label-2" --filename="$d2" ||
			die "fio warm-up on $d1 and $d2 failed"
	fi
	# shellcheck disable=SC2086 # opts is a list
	fio --direct=1 $opts --time_based --runtime="$secs" --group_reporting \
		--output-format=json --output=/tmp/fio.json \
		--name="$label-1" --filename="$d1" --name="$label-2" --filename="$d2" ||
		{ cat /tmp/fio.json; die "fio on $d1 and $d2 failed"; }
	sed -n '/^{/,$p' /tmp/fio.json >"$json"
	jq -r --arg l "$label" '.jobs[0].write |
		"\($l): \(.total_ios) writes, \(.bw_bytes / 1048576 * 10 | round / 10) MiB/s in all"' "$json"
}

# bench_tcp_send ADDR PORT SECONDS: stream zeros to ADDR:PORT for SECONDS
# (1 MiB writes from one process: the cheapest sender under TCG).
bench_tcp_send() {
	# shellcheck disable=SC2016 # perl code
	perl -MIO::Socket::INET -MTime::HiRes=time -e '
		my ($addr, $port, $secs) = @ARGV;
		my $s;
		for (1 .. 50) {
			$s = IO::Socket::INET->new(PeerAddr => $addr, PeerPort => $port, Proto => "tcp") and last;
			select(undef, undef, undef, 0.2);
		}
		$s or die "connect $addr:$port: $!\n";
		my $buf = "\0" x (1 << 20);
		my ($n, $t0) = (0, time);
		while (time - $t0 < $secs) {
			my $w = syswrite($s, $buf);
			defined $w or die "send: $!\n";
			$n += $w;
		}
		close $s;
		printf "sent %d bytes in %.3f s\n", $n, time - $t0;' "$1" "$2" "$3"
}

# bench_tcp_receive ADDR PORT: accept one connection, read it to the end in
# 1 MiB reads; prints "received BYTES SECONDS" (from the first byte to EOF).
bench_tcp_receive() {
	# shellcheck disable=SC2016 # perl code
	perl -MIO::Socket::INET -MTime::HiRes=time -e '
		my ($addr, $port) = @ARGV;
		my $l = IO::Socket::INET->new(LocalAddr => $addr, LocalPort => $port, Listen => 1,
			ReuseAddr => 1, Proto => "tcp") or die "listen $addr:$port: $!\n";
		$SIG{ALRM} = sub { die "nobody connected within 60 s\n" };
		alarm 60;
		my $s = $l->accept or die "accept: $!\n";
		alarm 0;
		my ($n, $buf, $t0, $r) = (0, "");
		while ($r = sysread($s, $buf, 1 << 20)) { $t0 //= time; $n += $r }
		defined $r or die "receive: $!\n";
		printf "received %d %.6f\n", $n, defined $t0 ? time - $t0 : 0;' "$1" "$2"
}

# bench_timed CMD...: run CMD, then print "elapsed SECONDS".
bench_timed() {
	local t0=$EPOCHREALTIME
	"$@"
	echo "elapsed $(echo "$EPOCHREALTIME - $t0" | bc)"
}

# bench_status_watch: `ifrepctl status --json --watch` (all volumes, one
# object a second: one process, not one per sample), each line as
# {"t": EPOCH_SECONDS, "s": STATUS}.
bench_status_watch() {
	local l
	ifrepctl status --json --watch | while IFS= read -r l; do
		printf '{"t":%s,"s":%s}\n' "$EPOCHREALTIME" "$l"
	done
}

# bench_cycle_wait VOL PAIR: until no cycle of the async PAIR runs, asleep
# in `dmsetup wait` for the volume's dm events (a cycle's commit raises
# one), so that it takes no CPU from the shipping.
bench_cycle_wait() {
	local ev
	while :; do
		ev=$(dmsetup info -c --noheadings -o events "$1")
		[[ $(pair_field "$1" "$2" cycle) == - ]] && return 0
		dmsetup wait "$1" "$ev"
	done
}
