# shellcheck shell=bash
# Host side of the benchmarks: sourced by the scenarios tests/bench/NNN-*,
# which tests/run --bench runs like test cases (tests/lib/host.sh is already
# loaded).  See tests/bench/README.md.
#
# A scenario calls bench_init, then bench_fio per device (each prints a
# table row as soon as it is measured), then bench_ratio / bench_goal /
# bench_note; every call rewrites $CASE_DIR/bench.json, so a scenario that
# fails half-way still leaves what it measured.
#
# Environment: IFREP_BENCH_SECONDS (measured seconds per workload and
# device, default 20), IFREP_BENCH_WARMUP (unmeasured seconds before each,
# default 3).

BENCH_SECONDS=${IFREP_BENCH_SECONDS:-20}
BENCH_WARMUP=${IFREP_BENCH_WARMUP:-3}
BENCH_GUEST_LIB=$'. "$REPO/tests/bench/lib/guest.sh"\n'

# Width of the device column of the table.
BENCH_DESC_WIDTH=32

# ---------------------------------------------------------------- records

_bench_dir() { printf '%s\n' "$CASE_DIR/.bench"; }

# bench_init TITLE: start the scenario's records and print its title and
# the conditions of the measurement.
bench_init() {
	local d accel=tcg commit
	d=$(_bench_dir)
	[[ $BENCH_SECONDS =~ ^[1-9][0-9]*$ ]] || fail "IFREP_BENCH_SECONDS=$BENCH_SECONDS: not a number of seconds"
	[[ $BENCH_WARMUP =~ ^[0-9]+$ ]] || fail "IFREP_BENCH_WARMUP=$BENCH_WARMUP: not a number of seconds"
	mkdir -p "$d"
	: >"$d/results.jsonl"
	: >"$d/ratios.jsonl"
	: >"$d/goals.jsonl"
	: >"$d/notes.jsonl"
	: >"$d/extra.jsonl"
	[[ ${IFREP_KVM:-0} == 1 ]] && accel=kvm
	[[ ${IFREP_HOST_MODE:-0} == 1 ]] && accel=host
	commit=$(git -C "$IFREP_REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
	git -C "$IFREP_REPO" diff --quiet HEAD -- dm-ifrep tools 2>/dev/null || commit+="+changes"
	jq -n --arg title "$1" --arg scenario "$CASE_NAME" --arg date "$(date -Is)" \
		--arg kernel "${IFREP_KVER:-$(uname -r)}" --arg accel "$accel" \
		--arg cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" \
		--argjson cpus "$(nproc)" --arg cache "$IFREP_DISK_CACHE" --arg commit "$commit" \
		--arg fio "$(fio --version 2>/dev/null)" --arg append "${IFREP_DEBUG_APPEND-}" \
		--argjson secs "$BENCH_SECONDS" --argjson warm "$BENCH_WARMUP" \
		'{scenario: $scenario, title: $title, date: $date, commit: $commit,
		  conditions: {kernel: $kernel, accel: $accel, host_cpu: $cpu, host_cpus: $cpus,
		    vcpus_per_vm: 1, disk_cache: $cache, fio: $fio, debug_boot_options: $append,
		    measured_seconds: $secs, warmup_seconds: $warm},
		  workloads: {
		    lat: "4 KiB random writes, QD1, O_DIRECT|O_SYNC (psync): completion latency",
		    tput: "1 MiB sequential writes, QD16, O_DIRECT (libaio): throughput"}}' \
		>"$d/info.json"
	bench_write_json
	say "== $CASE_NAME: $1 =="
	say "Each device: 4 KiB QD1 O_SYNC random writes, then 1 MiB QD16 sequential"
	say "writes, ${BENCH_SECONDS} s each after ${BENCH_WARMUP} s of warm-up.  VMs under $accel,"
	say "1 vCPU each, disk cache=$IFREP_DISK_CACHE: compare ratios, not absolute numbers."
	say "Allocator debugging at boot: ${IFREP_DEBUG_APPEND:-none (as users run the kernel)}."
	bench_host_load start
}

# bench_host_load WHEN: record the host's load average and the qemu
# processes of other runs (VMs of concurrent tests share the CPUs and skew
# every number); warn about them.
bench_host_load() {
	local when=$1 load others
	read -r load _ </proc/loadavg
	others=$(pgrep -a qemu-system 2>/dev/null | grep -vcF -- "$CASE_DIR/" || true)
	bench_set "host_load_$when" "$(jq -cn --argjson l "$load" --argjson o "${others:-0}" \
		'{loadavg_1min: $l, other_qemu_processes: $o}')"
	if ((others > 0)); then
		bench_note "warning: $others qemu process(es) of other runs on this host at the $when (load $load on $(nproc) CPUs): the numbers are skewed"
	fi
}

# bench_finish: end of a scenario (after its last measurement).
bench_finish() {
	bench_host_load end
}

# bench_write_json: (re)write $CASE_DIR/bench.json from the records.
bench_write_json() {
	local d
	d=$(_bench_dir)
	jq -n --slurpfile info "$d/info.json" --slurpfile results "$d/results.jsonl" \
		--slurpfile ratios "$d/ratios.jsonl" --slurpfile goals "$d/goals.jsonl" \
		--slurpfile notes "$d/notes.jsonl" --slurpfile extra "$d/extra.jsonl" \
		'$info[0] + {results: $results} + ($extra | add // {}) +
		 {ratios: $ratios, goals: $goals, notes: $notes}' >"$CASE_DIR/bench.json.tmp" &&
		mv "$CASE_DIR/bench.json.tmp" "$CASE_DIR/bench.json"
}

# bench_set KEY JSON: a top-level entry of bench.json (link, sync times...).
bench_set() {
	jq -cn --arg k "$1" --argjson v "$2" '{($k): $v}' >>"$(_bench_dir)/extra.jsonl"
	bench_write_json
}

# bench_note TEXT: a line of the narrative that is also kept in bench.json.
bench_note() {
	say "$*"
	jq -cn --arg t "$*" '$t' >>"$(_bench_dir)/notes.jsonl"
	bench_write_json
}

# bench_val LABEL PATH: a measured value (jq PATH into the device's record,
# e.g. .tput.mib_s), or nothing when the device was not measured.
bench_val() {
	jq -r --arg l "$1" "select(.label == \$l) | $2 // empty" "$(_bench_dir)/results.jsonl" | head -n 1
}

# bench_div A B: A / B, or nothing when either is missing or B is 0.
bench_div() {
	[[ -n $1 && -n $2 ]] || return 0
	awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 != 0) printf "%.6g\n", a / b }'
}

# bench_min V...: the smallest of the non-empty values; bench_max likewise.
bench_min() { printf '%s\n' "$@" | awk 'NF { if (m == "" || $1 + 0 < m + 0) m = $1 } END { if (m != "") print m }'; }
bench_max() { printf '%s\n' "$@" | awk 'NF { if (m == "" || $1 + 0 > m + 0) m = $1 } END { if (m != "") print m }'; }

# _bench_fmt VALUE DECIMALS: a number for the table, "-" when missing.
_bench_fmt() {
	[[ -n $1 && $1 != null ]] || { echo -; return; }
	awk -v v="$1" -v d="$2" 'BEGIN { printf "%.*f\n", d, v }'
}

# bench_ratio KEY TEXT NUM DEN [BETTER [WHO]]: print "TEXT: NUM/DEN" as a
# ratio and record it.  BETTER is "lower" or "higher" (which way is better
# for WHO, the numerator: default dm-ifrep), shown as a hint.
bench_ratio() {
	local key=$1 text=$2 num=$3 den=$4 better=${5:-} who=${6:-dm-ifrep} r shown hint=''
	r=$(bench_div "$num" "$den")
	case $better in
	lower) hint=" (below 1: $who is faster)" ;;
	higher) hint=" (above 1: $who is faster)" ;;
	esac
	if [[ -n $r ]]; then
		shown=$(_bench_fmt "$r" 2)
		say "$(printf '  %-66s %6s%s' "$text" "$shown" "$hint")"
	else
		say "$(printf '  %-66s %6s' "$text" "n/a")"
	fi
	jq -cn --arg k "$key" --arg t "$text" --arg r "$r" --arg n "$num" --arg d "$den" --arg b "$better" \
		'{key: $k, text: $t, ratio: ($r | tonumber? // null),
		  numerator: ($n | tonumber? // null), denominator: ($d | tonumber? // null),
		  better: (if $b == "" then null else $b end)}' >>"$(_bench_dir)/ratios.jsonl"
	bench_write_json
}

# bench_goal KEY TEXT MEASURED_TEXT STATUS: print an issue's goal next to the
# measurement; STATUS is met, not met or n/a.  Never asserted.
bench_goal() {
	say "  goal: $2"
	say "        measured: $3 -> $4"
	jq -cn --arg k "$1" --arg t "$2" --arg m "$3" --arg s "$4" \
		'{key: $k, goal: $t, measured: $m, status: $s}' >>"$(_bench_dir)/goals.jsonl"
	bench_write_json
}

# bench_met A OP B: "met" or "not met" for the comparison A OP B of two
# numbers (OP: < <= > >=), "n/a" when one is missing.
bench_met() {
	[[ -n $1 && -n $3 ]] || { echo n/a; return; }
	awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN {
		ok = op == "<" ? a < b : op == "<=" ? a <= b : op == ">" ? a > b : a >= b
		print ok ? "met" : "not met" }'
}

# ---------------------------------------------------------------- fio

# bench_table_header: the table's column titles.
bench_table_header() {
	say ""
	say "$(printf "%-${BENCH_DESC_WIDTH}s %s" "" "  4 KiB QD1 sync random write   1 MiB QD16 seq    meta writes/write    vCPU busy %")"
	say "$(printf "%-${BENCH_DESC_WIDTH}s %s" "device" "   mean µs   p99 µs     IOPS      MiB/s         4 KiB     1 MiB     4 KiB   1 MiB")"
}

# bench_row LABEL: print a measured device's table row.
bench_row() {
	local l=$1 desc
	desc=$(bench_val "$l" .desc)
	say "$(printf "%-${BENCH_DESC_WIDTH}s  %9s %8s %8s %10s   %11s %9s   %7s %7s" "${desc:0:$BENCH_DESC_WIDTH}" \
		"$(_bench_fmt "$(bench_val "$l" .lat.clat_mean_us)" 0)" \
		"$(_bench_fmt "$(bench_val "$l" .lat.clat_p99_us)" 0)" \
		"$(_bench_fmt "$(bench_val "$l" .lat.iops)" 0)" \
		"$(_bench_fmt "$(bench_val "$l" .tput.mib_s)" 1)" \
		"$(_bench_fmt "$(bench_val "$l" .lat.meta_writes_per_write)" 4)" \
		"$(_bench_fmt "$(bench_val "$l" .tput.meta_writes_per_write)" 4)" \
		"$(_bench_cpu "$l" lat)" "$(_bench_cpu "$l" tput)")"
}

# _bench_cpu LABEL WORKLOAD: "busy" or "busy/peer busy" vCPU percentages.
_bench_cpu() {
	local a b
	a=$(_bench_fmt "$(bench_val "$1" ".$2.guest_cpu_busy_percent")" 0)
	b=$(bench_val "$1" ".$2.peer_cpu_busy_percent")
	[[ -z $b ]] && echo "$a" || echo "$a/$(_bench_fmt "$b" 0)"
}

# bench_fio VM LABEL DEV DESC [--counter CMD] [--meta-disk DEV] [--check CMD] [--peer VM]
#           [--before CMD] [--sample CMD]
# Measure both workloads on DEV in VM (DEV is expanded by the guest: '$DISK1'
# works), record them under LABEL and print the table row.  --counter: a
# guest command printing the metadata blocks written so far (dm-ifrep's
# status field); --meta-disk: the metadata device, whose block-layer write
# count is recorded too; --check: a guest command whose output after each
# run is recorded (e.g. the pair state: a pair that left in-sync during the
# run makes its numbers meaningless, and is reported); --peer: another VM
# whose CPU use during the measured runs is recorded (the secondary);
# --before: a guest command run before each workload's warm-up, not
# measured (e.g. cut a cycle); --sample: a guest command run in the
# background during each measured run, its output in
# VM/ctl/out/LABEL-WORKLOAD.samples (e.g. bench_status_watch).
bench_fio() {
	local vm=$1 label=$2 dev=$3 desc=$4 counter='' metadisk='' check='' peer='' before='' sample=''
	local out wl d c1 c2
	shift 4
	while (($#)); do
		case $1 in
		--counter) counter=$2 && shift 2 ;;
		--meta-disk) metadisk=$2 && shift 2 ;;
		--check) check=$2 && shift 2 ;;
		--peer) peer=$2 && shift 2 ;;
		--before) before=$2 && shift 2 ;;
		--sample) sample=$2 && shift 2 ;;
		*) fail "bench_fio: unknown option $1" ;;
		esac
	done
	d=$(_bench_dir)
	out=$CASE_DIR/$vm/ctl/out
	for wl in lat tput; do
		vm_run "$vm" "$BENCH_GUEST_LIB
			bench_fio_warm $label $wl \"$dev\" $BENCH_WARMUP $(printf %q "$counter") \"$metadisk\" $(printf %q "$before")"
		[[ -z $peer ]] || c1=$(vm_run "$peer" "$BENCH_GUEST_LIB"'bench_cpu')
		vm_run "$vm" "$BENCH_GUEST_LIB
			bench_fio_measure $label $wl \"$dev\" $BENCH_SECONDS $(printf %q "$counter") \"$metadisk\" $(printf %q "$check") $(printf %q "$sample")"
		if [[ -n $peer ]]; then
			c2=$(vm_run "$peer" "$BENCH_GUEST_LIB"'bench_cpu')
			printf 'peer_before_cpu %s\npeer_after_cpu %s\n' "$c1" "$c2" >>"$out/$label-$wl.counters"
		fi
		[[ -s $out/$label-$wl.json && -e $out/$label-$wl.counters ]] || fail "bench_fio: no results for $label-$wl"
	done
	# shellcheck disable=SC2016 # jq code
	jq -cn --arg lbl "$label" --arg desc "$desc" --arg vm "$vm" --arg dev "$dev" \
		--slurpfile lat "$out/$label-lat.json" --slurpfile tput "$out/$label-tput.json" \
		--argjson clat "$(_bench_counters_json "$out/$label-lat.counters")" \
		--argjson ctput "$(_bench_counters_json "$out/$label-tput.counters")" '
		def r1: . * 10 | round / 10;
		def rec($j; $c):
			$j.jobs[0].write as $w |
			{writes: $w.total_ios, iops: ($w.iops | r1), mib_s: ($w.bw_bytes / 1048576 | r1),
			 clat_mean_us: ($w.clat_ns.mean / 1000 | r1),
			 clat_p99_us: ($w.clat_ns.percentile["99.000000"] / 1000 | r1),
			 cpu_usr_percent: ($j.jobs[0].usr_cpu | r1), cpu_sys_percent: ($j.jobs[0].sys_cpu | r1)}
			+ (if $c.before_meta != null then
				{meta_writes: ($c.after_meta - $c.before_meta),
				 meta_writes_per_write: (if $w.total_ios > 0 then ($c.after_meta - $c.before_meta) / $w.total_ios else null end),
				 warmup_meta_writes: ($c.before_meta - $c.warm_meta)}
			   else {} end)
			+ (if $c.before_disk_writes != null then
				{meta_disk_writes: ($c.after_disk_writes - $c.before_disk_writes),
				 meta_disk_flushes: ($c.after_disk_flushes - $c.before_disk_flushes),
				 meta_disk_writes_per_write: (if $w.total_ios > 0 then ($c.after_disk_writes - $c.before_disk_writes) / $w.total_ios else null end),
				 warmup_meta_disk_writes: ($c.before_disk_writes - $c.warm_disk_writes)}
			   else {} end)
			+ (if $c.check != null then {check_after: $c.check} else {} end)
			+ (if $c.before_cpu != null then
				($c.before_cpu | split(" ") | map(tonumber)) as $b |
				($c.after_cpu | split(" ") | map(tonumber)) as $a |
				{guest_cpu_busy_percent: (if $a[1] > $b[1] then ($a[0] - $b[0]) * 100 / ($a[1] - $b[1]) | r1 else null end)}
			   else {} end)
			+ (if $c.peer_before_cpu != null then
				($c.peer_before_cpu | split(" ") | map(tonumber)) as $b |
				($c.peer_after_cpu | split(" ") | map(tonumber)) as $a |
				{peer_cpu_busy_percent: (if $a[1] > $b[1] then ($a[0] - $b[0]) * 100 / ($a[1] - $b[1]) | r1 else null end)}
			   else {} end);
		{label: $lbl, desc: $desc, vm: $vm, device: $dev,
		 lat: rec($lat[0]; $clat), tput: rec($tput[0]; $ctput)}' >>"$d/results.jsonl" ||
		fail "bench_fio: cannot read the results of $label"
	bench_write_json
	bench_row "$label"
}

# bench_fio_both VM LABEL DEV1 DEV2 DESC: the throughput workload on two
# devices at once; recorded under LABEL with .tput.mib_s the throughput per
# device (the aggregate / 2) and .tput.mib_s_total the aggregate.
bench_fio_both() {
	local vm=$1 label=$2 d1=$3 d2=$4 desc=$5 out
	vm_run "$vm" "$BENCH_GUEST_LIB
		bench_fio_both $label \"$d1\" \"$d2\" $BENCH_SECONDS $BENCH_WARMUP"
	out=$CASE_DIR/$vm/ctl/out
	[[ -s $out/$label-tput.json ]] || fail "bench_fio_both: no results for $label"
	# shellcheck disable=SC2016 # jq code
	jq -cn --arg lbl "$label" --arg desc "$desc" --arg vm "$vm" --arg dev "$d1 $d2" \
		--slurpfile tput "$out/$label-tput.json" '
		def r1: . * 10 | round / 10;
		$tput[0].jobs[0].write as $w |
		{label: $lbl, desc: $desc, vm: $vm, device: $dev, lat: null,
		 tput: {writes: $w.total_ios, mib_s: ($w.bw_bytes / 2 / 1048576 | r1),
			mib_s_total: ($w.bw_bytes / 1048576 | r1),
			cpu_usr_percent: ($tput[0].jobs[0].usr_cpu | r1),
			cpu_sys_percent: ($tput[0].jobs[0].sys_cpu | r1)}}' >>"$(_bench_dir)/results.jsonl" ||
		fail "bench_fio_both: cannot read the results of $label"
	bench_write_json
	bench_row "$label"
}

# _bench_counters_json FILE: "key value" lines as a JSON object (numbers
# where they are numbers).
_bench_counters_json() {
	jq -Rn '[inputs | capture("^(?<k>[^ ]+) ?(?<v>.*)$") | {(.k): ((.v | tonumber?) // (.v | sub(" +$"; "")))}] | add // {}' "$1"
}

# bench_link_measure N WHEN [SECONDS]: one TCP stream a -> b (VM a sends
# to VM b on the link) for SECONDS (default 10), as big writes and reads as
# a program can do (busybox nc's small buffers would measure nc, not the
# link).  Sets LINK_MIB; records link_tcp_N; prints a line saying WHEN.
bench_link_measure() {
	local n=$1 when=$2 secs=${3:-10} h rx_bytes rx_secs
	h=$(vm_run_bg b "$BENCH_GUEST_LIB"'
		bench_tcp_receive "$VM_ADDR" 5001 | tee "$OUT/tcp"')
	vm_run a "$BENCH_GUEST_LIB
		bench_tcp_send \"\$PEER_ADDR\" 5001 $secs"
	vm_wait "$h"
	read -r _ rx_bytes rx_secs <"$CASE_DIR/b/ctl/out/tcp"
	LINK_MIB=$(awk -v b="$rx_bytes" -v s="$rx_secs" 'BEGIN { if (s > 0) printf "%.1f\n", b / s / 1048576 }')
	bench_set "link_tcp_$n" "$(jq -cn --argjson b "$rx_bytes" --argjson s "$rx_secs" --arg m "$LINK_MIB" \
		'{bytes: $b, seconds: $s, mib_s: ($m | tonumber? // null),
		  method: "one TCP stream a -> b, perl, 1 MiB writes and reads"}')"
	say "Link a -> b, one TCP stream for ${secs} s ($when): $LINK_MIB MiB/s"
}

# bench_link_shape RATE: shape the link to RATE (tc's units: 80mbit is
# 10 MB/s) in both directions, with a token bucket (tbf) on eth0 of both
# VMs (each shapes what it sends).  The VMs talk only to each other there.
bench_link_shape() {
	local v
	for v in a b; do
		vm_run $v "modprobe sch_tbf
			tc qdisc replace dev eth0 root tbf rate $1 burst 256k latency 50ms
			tc qdisc show dev eth0"
	done
}

# bench_check_after LABEL EXPECTED: note it when the check command's output
# after a run was not EXPECTED (e.g. a pair left in-sync while measured).
bench_check_after() {
	local l=$1 want=$2 wl got
	for wl in lat tput; do
		got=$(bench_val "$l" ".$wl.check_after")
		[[ $got == "$want" ]] ||
			bench_note "  note: after the $wl run on $(bench_val "$l" .desc): '$got', expected '$want': its numbers are suspect"
	done
}

# ---------------------------------------------------------------- DRBD

# DRBD 8.4 resource r0 on the data (vda) and metadata (vdb) disks of VMs a
# and b (host names are the VM names, addresses those of link0).  Defaults
# except the protocol and the resync rate (the 8.4 default is far too slow
# for a benchmark's initial sync).

# bench_drbd_conf PROTOCOL: the configuration (A: asynchronous, C:
# synchronous).
bench_drbd_conf() {
	cat <<EOC
global { usage-count no; }
resource r0 {
	net { protocol $1; }
	disk { resync-rate 1000M; c-plan-ahead 0; }
	on a { device /dev/drbd0; disk /dev/vda; address 169.254.77.1:7789; meta-disk /dev/vdb; }
	on b { device /dev/drbd0; disk /dev/vda; address 169.254.77.2:7789; meta-disk /dev/vdb; }
}
EOC
}

# bench_drbd_up VM PROTOCOL: load drbd, write the config to /tmp/drbd.conf,
# create the metadata, bring r0 up.  Prints the failing step's output on
# failure.
bench_drbd_up() {
	vm_run "$1" "cat >/tmp/drbd.conf <<'EOC'
$(bench_drbd_conf "$2")
EOC
"'		[[ $DISK1 == /dev/vda && $DISK2 == /dev/vdb ]] || die "unexpected disks $DISK1 $DISK2"
		modprobe drbd || die "modprobe drbd failed"
		grep -q "^version: 8\." /proc/drbd || die "not DRBD 8: $(head -n 1 /proc/drbd)"
		mountpoint -q /var/lib/drbd || mount -t tmpfs tmpfs /var/lib/drbd
		drbdadm -c /tmp/drbd.conf create-md --force r0 </dev/null || die "drbdadm create-md failed"
		drbdadm -c /tmp/drbd.conf up r0 || die "drbdadm up failed"
		head -n 3 /proc/drbd'
}

# bench_drbd_down VM: best effort.
bench_drbd_down() {
	vm_run "$1" '[[ -e /proc/drbd ]] || exit 0
		drbdadm -c /tmp/drbd.conf down r0 || true
		rmmod drbd || true' || true
}

# bench_drbd_start PROTOCOL [TIMEOUT]: r0 up on a and b, a primary
# (--force), timed until UpToDate/UpToDate (the initial sync, waited for
# TIMEOUT seconds, default 300; BENCH_DRBD_SYNC_SECONDS).  Returns 1 with
# the reason in BENCH_DRBD_SKIP when DRBD cannot be set up or did not
# finish (then with how far it got).
bench_drbd_start() {
	local out wait=${2:-300}
	BENCH_DRBD_SKIP='' BENCH_DRBD_SYNC_SECONDS=''
	if ! out=$(bench_drbd_up a "$1"); then
		BENCH_DRBD_SKIP="setting up DRBD on VM a failed: $(grep -v '^[[:space:]]*$' <<<"$out" | tail -n 1)"
	elif ! out=$(bench_drbd_up b "$1"); then
		BENCH_DRBD_SKIP="setting up DRBD on VM b failed: $(grep -v '^[[:space:]]*$' <<<"$out" | tail -n 1)"
	elif ! out=$(vm_run a "$BENCH_GUEST_LIB"'
		drbdadm -c /tmp/drbd.conf primary --force r0 || die "drbdadm primary --force failed"
		if ! (bench_timed wait_for "grep -q \"ds:UpToDate/UpToDate\" /proc/drbd" '"$wait"') >"$OUT/drbd-sync"; then
			die "not UpToDate after '"$wait"' s: $(grep -o "sync.ed: *[0-9.]*%" /proc/drbd || echo "no progress shown")"
		fi
		cat "$OUT/drbd-sync"
		grep -q "cs:Connected ro:Primary/Secondary" /proc/drbd || die "not connected: $(grep cs: /proc/drbd)"'); then
		BENCH_DRBD_SKIP="DRBD did not reach UpToDate/UpToDate: $(grep -v '^[[:space:]]*$' <<<"$out" | tail -n 1)"
	fi
	[[ -z $BENCH_DRBD_SKIP ]] || return 1
	# shellcheck disable=SC2034 # read by the scenarios
	BENCH_DRBD_SYNC_SECONDS=$(sed -n 's/^elapsed //p' "$CASE_DIR/a/ctl/out/drbd-sync")
}

# bench_drbd_fio LABEL DESC [bench_fio OPTIONS]: the two workloads on
# /dev/drbd0 of VM a (b's CPU recorded too), with DRBD's own metadata
# writes (activity log + bitmap updates, al: and bm: of /proc/drbd) as the
# counter; notes it when the resource was not Connected and UpToDate on
# both sides after a run.
bench_drbd_fio() {
	local label=$1 desc=$2
	shift 2
	bench_fio a "$label" /dev/drbd0 "$desc" --peer b \
		--counter 'awk "/ al:/ { for (i = 1; i <= NF; i++) { split(\$i, f, \":\"); if (f[1] == \"al\" || f[1] == \"bm\") n += f[2] } } END { print n + 0 }" /proc/drbd' \
		--meta-disk '$DISK2' --check "grep -o 'cs:[^ ]* ro:[^ ]* ds:[^ ]*' /proc/drbd" "$@"
	bench_check_after "$label" "cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate"
}
