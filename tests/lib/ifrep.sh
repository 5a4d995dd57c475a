# shellcheck shell=bash
# dm-ifrep helpers for guest scripts (sourced by tests/lib/guest.sh).
#
# They read `dmsetup status` directly, so a test does not depend on ifrepctl
# unless it means to test ifrepctl.  Status layout (docs/dm-ifrep.rst):
#   start len ifrep role health chunk_sectors total_chunks generation
#   meta_writes listen upstream image #pairs {name mode peer state dirty sent
#   rate last_sync_point rpo reason cycle cow_fallbacks store_used
#   resync_skipped verify}...

# The counts come from the header the module is built with, not from here.
_ifrep_header_value() {
	awk -v name="$1" '$1 == "#define" && $2 == name { print $3; exit }' \
		"$REPO/dm-ifrep/include/ifrep_target.h"
}
# fields before the first pair, "start len ifrep" included
IFREP_VOL_FIELDS=$((3 + $(_ifrep_header_value IFREP_STATUS_VOLUME_FIELDS)))
IFREP_PAIR_FIELDS=$(_ifrep_header_value IFREP_STATUS_PAIR_FIELDS)

# ifrep_create_raw NAME META DATA [OPT...]: dmsetup create with a ctr line.
ifrep_create_raw() {
	local name=$1 meta=$2 data=$3
	shift 3
	dmsetup create --noudevsync "$name" \
		--table "0 $(blockdev --getsz "$data") ifrep $meta $data $# $*" &&
		dmsetup mknodes "$name"
}

# vol_field VOL N: the Nth field (1-based, after "ifrep") of the volume status.
vol_field() {
	dmsetup status "$1" | awk -v n="$2" '{ print $(3 + n) }'
}

# pair_field VOL PAIR FIELD: one field of a pair's status; FIELD is one of
# mode peer state dirty sent rate sync_point rpo reason cycle cow_fallbacks
# store_used (snapshot store used bytes) resync_skipped (resync skipped bytes)
# verify (<state>:<checked>/<total>:<differing>:<rate>, or -).
pair_field() {
	local vol=$1 pair=$2 field=$3 idx
	case $field in
	mode) idx=1 ;; peer) idx=2 ;; state) idx=3 ;; dirty) idx=4 ;; sent) idx=5 ;;
	rate) idx=6 ;; sync_point) idx=7 ;; rpo) idx=8 ;; reason) idx=9 ;; cycle) idx=10 ;;
	cow_fallbacks) idx=11 ;; store_used) idx=12 ;; resync_skipped) idx=13 ;;
	verify) idx=14 ;;
	*) die "pair_field: unknown field $field" ;;
	esac
	dmsetup status "$vol" | awk -v pair="$pair" -v idx="$idx" \
		-v first="$IFREP_VOL_FIELDS" -v width="$IFREP_PAIR_FIELDS" '
		{
			for (i = first + 1; i <= NF; i += width)
				if ($i == pair) { print $(i + idx); found = 1 }
		}
		END { if (!found) exit 1 }' || die "no pair $pair on $vol"
}

# wait_state VOL PAIR STATE [TIMEOUT_S]
wait_state() {
	wait_for "[[ \$(pair_field $1 $2 state) == $3 ]]" "${4:-120}"
}

# chunk_bytes VOL: the volume's chunk size in bytes.
chunk_bytes() {
	echo $(($(vol_field "$1" 3) * 512))
}

# same_data DEV1 DEV2 [BYTES]: compare the first BYTES (default: all of DEV1)
# with O_DIRECT reads, chunk by chunk, naming the first differing MiB.
same_data() {
	local a=$1 b=$2 bytes=${3:-} mib i
	[[ -n $bytes ]] || bytes=$(blockdev --getsize64 "$a")
	mib=$(((bytes + 1048575) / 1048576))
	cmp <(dd if="$a" bs=1M count="$mib" iflag=direct status=none | head -c "$bytes") \
		<(dd if="$b" bs=1M count="$mib" iflag=direct status=none | head -c "$bytes") >/tmp/cmp.out 2>&1 && return 0
	i=$(sed -n 's/.*byte \([0-9]*\).*/\1/p' /tmp/cmp.out)
	echo "data differs: $(cat /tmp/cmp.out) (MiB $(((i - 1) / 1048576)))" >&2
	return 1
}

# write_chunks DEV CHUNK_BYTES INDEX...: overwrite 64 KiB at the start of
# each given chunk with random data (O_DIRECT).
write_chunks() {
	local dev=$1 chunk=$2 c
	shift 2
	for c in "$@"; do
		dd if=/dev/urandom of="$dev" bs=64K count=1 seek=$((c * chunk / 65536)) \
			oflag=direct status=none
	done
}

# meta_sum DEV: checksum of a metadata device, to prove nothing was written.
meta_sum() {
	dd if="$1" bs=1M iflag=direct status=none | md5sum | cut -d' ' -f1
}

# dmesg_has PATTERN: the kernel log mentions PATTERN (extended regex).
# Not "grep -q": it exits at the first match, dmesg then dies of SIGPIPE
# on its next write and pipefail turns a found message into a failure.
dmesg_has() {
	dmesg | grep -E -- "$1" >/dev/null
}

# meta_dirty_bits META SLOT NCHUNKS: number of bits set on disk in pair
# SLOT's bitmap (volumes of one bitmap block per area: < 32512 chunks).
meta_dirty_bits() {
	local meta=$1 slot=$2 n=$3
	dd if="$meta" bs=4096 skip=$((2 + slot)) count=1 iflag=direct status=none |
		tail -c +33 | head -c $(((n + 7) / 8)) | od -An -v -t u1 |
		awk '{ for (i = 1; i <= NF; i++) for (v = $i; v; v = int(v / 2)) c += v % 2 }
		     END { print c + 0 }'
}

# meta_chunk_bit META SLOT CHUNK: 1 when CHUNK's bit is set on disk in pair
# SLOT's bitmap, else 0 (same layout as meta_dirty_bits).
meta_chunk_bit() {
	local byte
	byte=$(dd if="$1" bs=4096 skip=$((2 + $2)) count=1 iflag=direct status=none |
		tail -c +$((33 + $3 / 8)) | head -c 1 | od -An -t u1)
	echo $(((byte >> ($3 % 8)) & 1))
}

# secondary_with_journal NAME DATA META JOURNAL SECRET_FILE [CHUNK_SECTORS]:
# a listening secondary whose journal makes async cycles atomic.
secondary_with_journal() {
	local name=$1 data=$2 meta=$3 journal=$4 secret=$5 chunk=${6:-2048}
	ifrep_create_raw "$name" "$meta" "$data" role secondary chunk_sectors "$chunk" \
		listen "$VM_ADDR:7788" journal "$journal" &&
		dmsetup message "$name" 0 secret - "$(hex_of "$secret")"
}

# wait_cycle VOL PAIR [TIMEOUT_S]: until no async cycle runs and one committed.
wait_cycle() {
	wait_for "[[ \$(pair_field $1 $2 cycle) == - && \$(pair_field $1 $2 sync_point) != - ]]" "${3:-120}"
}

# hex_of FILE: a secret file's bytes in hex, as the secret message takes them.
hex_of() {
	od -An -v -tx1 <"$1" | tr -d ' \n'
}

# copy_field NAME FIELD: one field of a copy device's status (target
# ifrep-copy): state (copying|done|failed), copied ("N/TOTAL"), waiting
# (bios waiting for their chunk's copy) or reason.
copy_field() {
	local idx
	case $2 in
	state) idx=1 ;; copied) idx=2 ;; waiting) idx=3 ;; reason) idx=4 ;;
	*) die "copy_field: unknown field $2" ;;
	esac
	dmsetup status "$1" | awk -v t=ifrep-copy -v i="$idx" '$3 == t { print $(3 + i); f = 1 }
		END { if (!f) exit 1 }' || die "$1 is not a copy device"
}
