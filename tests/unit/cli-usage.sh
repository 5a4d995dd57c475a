#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cli-usage.sh - ifrepctl's command line without a kernel: bad arguments
# must exit 2 (usage) or 1 (refused) with exactly one line on stderr, in
# the form "ifrepctl: ...".  Prints "ok NAME" / "FAIL NAME: why" per case.
#
# Finds ifrepctl through $IFREPCTL, else tools/ifrepctl/ifrepctl above this
# script (it runs from tests/unit/ and from tests/unit/bin/).

set -u
# shellcheck source=tests/unit/lib.sh
. "$(dirname "$0")/lib.sh"

need_tool cli.setup
make_tmp cli

# run_tool ARGS...: its exit status in $rc, its output in $tmp/out and $tmp/err.
run_tool() {
	"$TOOL" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
}

# _expect NAME RC PATTERN ARGS...: exit code RC, one stderr line matching PATTERN.
_expect() {
	local name=cli.$1 want=$2 pattern=$3 lines err
	shift 3
	run_tool "$@"
	lines=$(wc -l <"$tmp/err")
	err=$(head -n 1 "$tmp/err")
	if [ "$rc" -ne "$want" ]; then
		fail "$name" "exit $rc, expected $want (stderr: $err)"
	elif [ "$lines" -ne 1 ]; then
		fail "$name" "$lines lines on stderr, expected 1"
	elif ! grep -q -- "^ifrepctl: .*$pattern" "$tmp/err"; then
		fail "$name" "stderr '$err' does not match '$pattern'"
	else
		ok "$name"
	fi
}

# _expect_ok NAME PATTERN ARGS...: exit 0, stdout matching PATTERN, stderr empty.
_expect_ok() {
	local name=cli.$1 pattern=$2
	shift 2
	run_tool "$@"
	if [ "$rc" -ne 0 ]; then
		fail "$name" "exit $rc (stderr: $(head -n 1 "$tmp/err"))"
	elif [ -s "$tmp/err" ]; then
		fail "$name" "unexpected stderr: $(head -n 1 "$tmp/err")"
	elif ! grep -q -- "$pattern" "$tmp/out"; then
		fail "$name" "stdout does not match '$pattern'"
	else
		ok "$name"
	fi
}

printf 'topsecret\n' >"$tmp/key"
chmod 600 "$tmp/key"
: >"$tmp/empty-key"
touch "$tmp/plain-file"

# a TCP port on 127.0.0.1 where nothing listens, for connection refused
closed_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 1)

# help and version
_expect_ok help "^Usage: ifrepctl" --help
_expect_ok help_limits_pairs "^  pairs per volume *8, any mix of sync, async and copy, local and remote$" --help
_expect_ok help_limits_cascading "nor a device stacked on one (no cascading)$" --help
_expect_ok help_limits_chunk "^  chunk size *a power of two, 64K to 1G (default 8M)$" --help
_expect_ok help_limits_size "^  volume size *at most 2^32 - 1 chunks (32P at the default chunk size)$" --help
_expect_ok help_limits_growth "^  growth (resize) *what the metadata's bitmap areas hold: the size at$" --help
_expect_ok help_limits_growth_chunks "^ *creation rounded up to a multiple of 32512 chunks$" --help
_expect_ok help_limits_growth_default "^ *(at least 254G at the default chunk size)$" --help
_expect_ok help_limits_sync_points "^  --sync-points *1024 per pair; a journal keeps 49$" --help
_expect_ok version "^ifrepctl [0-9]" --version
# the module's version when it can be read, else "not loaded": exit 0 either way
_expect_ok version_module "^dm-ifrep module: \(target ifrep [0-9]\|module version\|loaded\|not loaded\)" --version
_expect_ok help_create "create NAME --data DEV --meta DEV" create --help
_expect_ok help_pair_add "pair add NAME PAIR --to" pair add --help
_expect_ok help_command "wait NAME \[PAIR\] --state STATE" help wait

# global
_expect no_command 2 "missing command"
_expect unknown_command 2 "unknown command 'frobnicate'" frobnicate
_expect unknown_global_option 2 "unknown option '--bogus'" --bogus status
_expect pair_without_verb 2 "pair add" pair
_expect pair_bad_verb 2 "pair add" pair list vol0

# create
_expect create_no_name 2 "missing NAME" create
_expect create_no_data 2 "missing --data" create vol0 --meta /dev/null
_expect create_no_meta 2 "missing --meta" create vol0 --data /dev/null
_expect create_extra_arg 2 "unexpected argument 'extra'" create vol0 extra --data /dev/null --meta /dev/null
_expect create_unknown_option 2 "unknown option '--frob'" create vol0 --frob
_expect create_option_needs_value 2 "'--data' needs a value" create vol0 --data
_expect create_bad_name 2 "volume name" create a/b --data /dev/null --meta /dev/null
# IFREP-NAME is the dm UUID (128 characters): 122 is the longest name
long_name=$(printf 'v%.0s' $(seq 123))
_expect create_name_overflows_dm_uuid 2 "1 to 122 characters" create "$long_name" --data /dev/null --meta /dev/null
_expect activate_name_overflows_dm_uuid 2 "1 to 122 characters" activate "$long_name" --data /dev/null --meta /dev/null
_expect create_name_fits_dm_uuid 1 "not a block device" create "${long_name%v}" --data /dev/null --meta /dev/null
_expect create_bad_chunk_garbage 2 "chunk-size 8Q" create vol0 --data /dev/null --meta /dev/null --chunk-size 8Q
_expect create_bad_chunk_not_pow2 2 "power of two" create vol0 --data /dev/null --meta /dev/null --chunk-size 3M
_expect create_bad_chunk_small 2 "power of two" create vol0 --data /dev/null --meta /dev/null --chunk-size 32k
_expect create_bad_chunk_large 2 "power of two" create vol0 --data /dev/null --meta /dev/null --chunk-size 2G
_expect create_bad_chunk_zero 2 "zero" create vol0 --data /dev/null --meta /dev/null --chunk-size 0
_expect create_bad_chunk_overflow 2 "too large" create vol0 --data /dev/null --meta /dev/null --chunk-size 99999999999999999999
_expect create_bad_role 2 "primary or secondary" create vol0 --data /dev/null --meta /dev/null --role master
_expect create_bad_listen 2 "listen" create vol0 --data /dev/null --meta /dev/null --role secondary --listen nowhere
_expect create_listen_primary 2 "secondary" create vol0 --data /dev/null --meta /dev/null --role primary --listen 10.0.0.1:7789
_expect create_secret_without_listen 2 "--listen" create vol0 --data /dev/null --meta /dev/null --secret-file "$tmp/key"
_expect create_journal_primary 2 "--journal is for secondary volumes, not with --role primary" create vol0 --data /dev/null --meta /dev/null --role primary --journal /dev/null
_expect create_journal_no_value 2 "'--journal' needs a value" create vol0 --data /dev/null --meta /dev/null --role secondary --journal
_expect create_data_not_blockdev 1 "not a block device" create vol0 --data /dev/null --meta /dev/null
_expect create_data_missing 1 "No such file" create vol0 --data "$tmp/nonexistent" --meta /dev/null
_expect create_data_regular_file 1 "not a block device" create vol0 --data "$tmp/plain-file" --meta /dev/null

# resize
_expect_ok help_resize "^Usage: ifrepctl resize NAME \[--size SIZE\] \[--dry-run\]$" resize --help
_expect resize_no_name 2 "missing NAME" resize
_expect resize_extra 2 "unexpected argument 'x'" resize vol0 x
_expect resize_bad_name 2 "volume name" resize a/b
_expect resize_size_not_sector 2 "--size 1000: not a multiple of 512 bytes" resize vol0 --size 1000
_expect resize_size_garbage 2 "--size big" resize vol0 --size big
_expect resize_size_zero 2 "--size 0: size must not be zero" resize vol0 --size 0
_expect resize_size_ambiguous 2 "--size 1MB: ambiguous unit" resize vol0 --size 1MB
_expect resize_size_no_value 2 "'--size' needs a value" resize vol0 --size
_expect resize_unknown_option 2 "unknown option '--force'" resize vol0 --force
# a bad --size is a usage error before the kernel is asked
_expect resize_size_before_volume 2 "--size 1000" resize ifrep-unit-no-such-volume --size 1000
_expect resize_no_volume 1 "" resize ifrep-unit-no-such-volume --size 1G

_expect activate_no_args 2 "missing NAME" activate
_expect activate_all_with_name 2 "--all" activate --all vol0
# automatic activation fails closed on an activate.conf it cannot understand
printf 'homehost nodeb\npermit vol0\n' >"$tmp/activate.conf"
IFREP_ACTIVATE_CONF=$tmp/activate.conf _expect activate_all_bad_conf 1 "activate.conf: line 2: unknown keyword 'permit'.*nothing is activated automatically" activate --all
_expect activate_no_meta 2 "missing --meta" activate vol0 --data /dev/null
_expect activate_not_blockdev 1 "not a block device" activate vol0 --data /dev/null --meta /dev/null
_expect activate_udev_no_dev 2 "missing DEV" activate --udev
_expect activate_udev_with_data 2 "--udev takes only DEV" activate --udev /dev/null --data /dev/null
_expect activate_udev_not_blockdev 1 "not a block device" activate --udev /dev/null
_expect remove_no_name 2 "missing NAME" remove
_expect remove_two_names 2 "unexpected argument" remove a b

# pair add
_expect pair_add_no_pair 2 "missing NAME and PAIR" pair add vol0
_expect pair_add_no_to 2 "missing --to" pair add vol0 backup --mode sync
_expect pair_add_no_mode 2 "missing --mode" pair add vol0 backup --to /dev/null
_expect pair_add_bad_mode 2 "sync, async or copy" pair add vol0 backup --to /dev/null --mode semi
_expect pair_add_bad_name 2 "pair name" pair add vol0 'bad/name' --to /dev/null --mode sync
_expect pair_add_long_name 2 "1 to 31" pair add vol0 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa --to /dev/null --mode sync
_expect pair_add_to_not_blockdev 1 "not a block device" pair add vol0 backup --to /dev/null --mode sync
_expect pair_add_to_missing 1 "No such file" pair add vol0 backup --to /dev/nonexistent-disk --mode sync
_expect pair_add_bad_addr 2 "--to 300.1.1.1:7789" pair add vol0 dr --to 300.1.1.1:7789 --mode async --insecure
_expect pair_add_bad_port 2 "port" pair add vol0 dr --to 10.0.0.2:99999 --mode async --insecure
_expect pair_add_hostname 2 "host names" pair add vol0 dr --to backup.example:7789 --mode async --insecure
_expect pair_add_unspecified 2 "unspecified" pair add vol0 dr --to 0.0.0.0:7789 --mode async --insecure
_expect pair_add_remote_no_secret 2 "secret-file" pair add vol0 dr --to 10.0.0.2:7789 --mode async
_expect pair_add_secret_and_insecure 2 "exclude" pair add vol0 dr --to 10.0.0.2:7789 --mode async --insecure --secret-file "$tmp/key"
_expect pair_add_empty_secret 1 "empty" pair add vol0 dr --to 10.0.0.2:7789 --mode async --secret-file "$tmp/empty-key"
_expect pair_add_missing_secret 1 "cannot open secret file" pair add vol0 dr --to 10.0.0.2:7789 --mode async --secret-file "$tmp/none"
_expect pair_add_bad_rate 2 "--rate fast" pair add vol0 dr --to 10.0.0.2:7789 --mode async --insecure --rate fast
_expect pair_add_bad_timeout 2 "--timeout 0" pair add vol0 dr --to 10.0.0.2:7789 --mode async --insecure --timeout 0
_expect pair_add_bad_interval 2 "--interval 1x" pair add vol0 dr --to 10.0.0.2:7789 --mode async --insecure --interval 1x
_expect pair_add_bad_sync_points 2 "--sync-points -1" pair add vol0 dr --to 10.0.0.2:7789 --mode async --insecure --sync-points -1
_expect pair_add_interval_sync 2 "async" pair add vol0 b --to /dev/null --mode sync --interval 10
_expect pair_add_sync_points_copy 2 "async" pair add vol0 b --to /dev/null --mode copy --sync-points 2
_expect pair_add_timeout_local 2 "remote" pair add vol0 b --to /dev/null --mode sync --timeout 10
_expect pair_add_secret_local 2 "remote" pair add vol0 b --to /dev/null --mode sync --secret-file "$tmp/key"
_expect pair_add_interval_too_long 2 "--interval 8d: at most 7d" pair add vol0 dr --to 10.0.0.2:7789 --mode async --insecure --interval 8d
_expect pair_add_sync_points_too_many 2 "--sync-points 1025: at most 1024" pair add vol0 dr --to 10.0.0.2:7789 --mode async --insecure --sync-points 1025
_expect pair_add_interval_copy 2 "--interval is for async pairs" pair add vol0 b --to 10.0.0.2:7789 --mode copy --insecure --interval 0
_expect pair_add_sync_points_sync 2 "--sync-points is for async pairs" pair add vol0 b --to 10.0.0.2:7789 --mode sync --insecure --sync-points 4
_expect pair_add_bad_resync 2 "--resync fast: must be checksum or full" pair add vol0 dr --to 10.0.0.2:7789 --mode sync --insecure --resync fast
_expect pair_add_resync_no_value 2 "'--resync' needs a value" pair add vol0 dr --to 10.0.0.2:7789 --mode sync --insecure --resync
_expect pair_add_resync_async 2 "--resync is for sync pairs" pair add vol0 dr --to 10.0.0.2:7789 --mode async --insecure --resync full
_expect pair_add_resync_copy 2 "--resync is for sync pairs" pair add vol0 cp --to /dev/null --mode copy --resync full
_expect pair_add_resync_checksum_local 2 "--resync checksum is for remote pairs" pair add vol0 b --to /dev/null --mode sync --resync checksum
# full to a local target is what it gets anyway: it goes on to the device check
_expect pair_add_resync_full_local 1 "not a block device" pair add vol0 b --to /dev/null --mode sync --resync full
_expect_ok help_pair_add_resync "\[--resync checksum|full\]" pair add --help

# pair set: the settings are parsed as by pair add; what fits the pair is
# checked against the running pair (exit 1), after the command line
_expect_ok help_pair_set "pair set NAME PAIR \[--rate BYTES_PER_S\] \[--timeout SEC\] \[--interval SEC\]" pair set --help
_expect_ok help_pair_set_command "Change settings of the pair" help pair set
_expect pair_set_no_pair 2 "missing NAME and PAIR" pair set vol0 --rate 1M
_expect pair_set_no_args 2 "missing NAME and PAIR" pair set
_expect pair_set_nothing 2 "nothing to set: give --rate, --timeout, --interval, --sync-points or --resync" pair set vol0 dr
_expect pair_set_extra 2 "unexpected argument 'x'" pair set vol0 dr x --rate 1M
_expect pair_set_bad_name 2 "volume name" pair set 'a/b' dr --rate 1M
_expect pair_set_bad_pair 2 "pair name" pair set vol0 'd r' --rate 1M
_expect pair_set_bad_rate 2 "--rate fast" pair set vol0 dr --rate fast
_expect pair_set_negative_rate 2 "--rate -1" pair set vol0 dr --rate -1
_expect pair_set_rate_no_value 2 "'--rate' needs a value" pair set vol0 dr --rate
_expect pair_set_zero_timeout 2 "--timeout 0" pair set vol0 dr --timeout 0
_expect pair_set_bad_timeout 2 "--timeout soon" pair set vol0 dr --timeout soon
_expect pair_set_timeout_too_long 2 "--timeout 2d: at most 1d" pair set vol0 dr --timeout 2d
_expect pair_set_bad_interval 2 "--interval 1x" pair set vol0 dr --interval 1x
_expect pair_set_interval_too_long 2 "--interval 8d: at most 7d" pair set vol0 dr --interval 8d
_expect pair_set_bad_sync_points 2 "--sync-points many" pair set vol0 dr --sync-points many
_expect pair_set_sync_points_too_many 2 "--sync-points 1025: at most 1024" pair set vol0 dr --sync-points 1025
_expect pair_set_bad_resync 2 "--resync fast: must be checksum or full" pair set vol0 dr --resync fast
_expect pair_set_pair_add_option 2 "unknown option '--mode'" pair set vol0 dr --mode sync --rate 1M
_expect pair_set_to 2 "unknown option '--to'" pair set vol0 dr --to /dev/null
_expect pair_set_secret 2 "unknown option '--secret-file'" pair set vol0 dr --secret-file "$tmp/key"
# the first bad value is reported, in the order interval, timeout, sync points, rate, resync
_expect pair_set_first_error 2 "--timeout 0" pair set vol0 dr --rate fast --timeout 0
# a valid command line goes on to the volume (none here: refused, exit 1)
_expect pair_set_no_volume 1 "" pair set ifrep-unit-no-such-volume dr --rate 2M
# pair add shares the parsing: its new limit on --timeout
_expect pair_add_timeout_too_long 2 "--timeout 25h: at most 1d" pair add vol0 dr --to 10.0.0.2:7789 --mode sync --insecure --timeout 25h

# pair remove / pause / resume / wait / status
_expect pair_remove_no_pair 2 "missing NAME and PAIR" pair remove vol0
_expect pause_bad_pair 2 "pair name" pause vol0 'a b'
_expect resume_no_args 2 "missing NAME and PAIR" resume
_expect wait_no_state 2 "missing --state" wait vol0
_expect wait_bad_state 2 "not a pair state" wait vol0 --state syncing
_expect wait_bad_timeout 2 "--timeout soon" wait vol0 --state in-sync --timeout soon
_expect wait_too_many 2 "unexpected argument" wait vol0 p1 p2 --state in-sync
_expect status_too_many 2 "unexpected argument" status a b
_expect status_bad_option 2 "unknown option" status --yaml

# argument checks of the remaining commands
_expect promote_extra 2 "" promote vol0 vol1
_expect promote_bad_name 2 "" promote 'bad/name'
_expect demote_no_listen 2 "missing --listen" demote vol0 --insecure
_expect demote_bad_listen 2 "--listen nowhere" demote vol0 --listen nowhere --insecure
_expect demote_no_secret 2 "needs --secret-file" demote vol0 --listen 169.254.1.1:7788
_expect demote_both_secrets 2 "exclude each other" demote vol0 --listen 169.254.1.1:7788 --insecure --secret-file /etc/hostname
_expect demote_missing_secret 1 "cannot open secret file" demote vol0 --listen 169.254.1.1:7788 --secret-file /nonexistent
_expect resolve_no_side 2 "discard-local or --discard-remote" resolve vol0
_expect resolve_both_sides 2 "discard-local or --discard-remote" resolve vol0 p --discard-local --discard-remote
_expect resolve_local_pair 2 "takes no PAIR" resolve vol0 p --discard-local
_expect resolve_remote_no_pair 2 "needs the PAIR" resolve vol0 --discard-remote
_expect create_insecure_alone 2 "--insecure goes with --listen" create vol0 --data /dev/null --meta /dev/null --insecure
_expect verify_bad_timeout 2 "--timeout soon" verify vol0 p --timeout soon
_expect verify_stop_and_wait 2 "--stop takes no --no-wait" verify vol0 p --stop --no-wait
_expect verify_bad_pair 2 "pair name" verify vol0 'p q'
_expect verify_unknown_option 2 "unknown option" verify vol0 p --all
_expect verify_stop_and_restart 2 "--stop takes no --restart" verify vol0 p --stop --restart
_expect verify_restart_value 2 "" verify vol0 p --restart=0
_expect verify_restart_extra 2 "unexpected argument 'again'" verify vol0 p --restart again
_expect sync_usage 2 "missing NAME" sync
_expect sync_bad_name 2 "volume name" sync 'a/b'
_expect sync_bad_pair 2 "pair name" sync vol0 'd r'
_expect sync_too_many 2 "unexpected argument 'x'" sync vol0 dr x
_expect sync_timeout_alone 2 "--timeout goes with --wait or --freeze" sync vol0 --timeout 10
_expect sync_bad_timeout 2 "--timeout soon" sync vol0 --wait --timeout soon
_expect sync_zero_timeout 2 "--timeout 0" sync vol0 --wait --timeout 0
_expect sync_freeze_no_value 2 "'--freeze' needs a value" sync vol0 --freeze
_expect sync_freeze_empty 2 "--freeze needs a mount point" sync vol0 --freeze ''
_expect sync_unknown_option 2 "unknown option '--all'" sync vol0 --all
_expect sync_freeze_missing 1 "--freeze $tmp/nowhere: No such file" sync vol0 --freeze "$tmp/nowhere"
_expect sync_freeze_file 1 "not a directory" sync vol0 --freeze "$tmp/plain-file"
_expect_ok help_sync "sync NAME \[PAIR\] \[--freeze MOUNTPOINT\] \[--wait\] \[--timeout SEC\]" sync --help
_expect sync_point_no_verb 2 "expected 'sync-point list', 'show', 'hide' or 'rollback'" sync-point
_expect sync_point_bad_verb 2 "expected 'sync-point list', 'show', 'hide' or 'rollback'" sync-point expose vol0
_expect sync_point_show_no_id 2 "missing NAME and ID" sync-point show vol0
_expect sync_point_show_bad_id 2 "sync point ID 'x'" sync-point show vol0 x
_expect sync_point_hide_bad_as 2 "" sync-point hide vol0 3 --as 'bad/name'
_expect sync_point_list_no_name 2 "missing NAME" sync-point list
_expect sync_point_list_three 2 "unexpected argument 'c'" sync-point list a b c
_expect sync_point_list_bad_pair 2 "pair name" sync-point list vol0 'p/q'
_expect sync_point_show_bad_pair 2 "pair name" sync-point show vol0 'p/q' 3
_expect sync_point_show_pair_bad_id 2 "sync point ID 'x'" sync-point show vol0 loc x
_expect sync_point_hide_pair_bad_id 2 "sync point ID 'y'" sync-point hide vol0 loc y
_expect sync_point_rollback_bad_pair 2 "pair name" sync-point rollback vol0 'p q' 3
_expect sync_point_rollback_pair_bad_id 2 "sync point ID 'latest'" sync-point rollback vol0 loc latest
_expect sync_point_list_bad_name 2 "volume name" sync-point list 'a/b'
_expect sync_point_list_bad_option 2 "unknown option '--yaml'" sync-point list vol0 --yaml
_expect sync_point_rollback_no_id 2 "missing NAME and ID" sync-point rollback vol0
_expect sync_point_rollback_bad_id 2 "sync point ID 'latest'" sync-point rollback vol0 latest
_expect sync_point_rollback_negative_id 2 "sync point ID '-1'" sync-point rollback vol0 -- -1
_expect sync_point_rollback_extra 2 "unexpected argument" sync-point rollback vol0 p 3 4
_expect sync_point_rollback_json 2 "unknown option '--json'" sync-point rollback vol0 3 --json
_expect_ok help_sync_point_list "sync-point list NAME \[PAIR\] \[--json\]" sync-point list --help
_expect_ok help_sync_point_rollback "sync-point rollback NAME \[PAIR\] ID" help sync-point rollback
_expect verify_usage 2 "missing NAME and PAIR" verify vol0

# test-bandwidth (no secondary is needed to check the arguments; the one
# connection attempt goes to a port on 127.0.0.1 where nothing listens)
_expect_ok help_test_bandwidth "test-bandwidth HOST:PORT \[--seconds N\]" test-bandwidth --help
_expect test_bandwidth_bad_addr 2 "ADDR:PORT" test-bandwidth nowhere --insecure
_expect test_bandwidth_no_addr 2 "missing HOST:PORT" test-bandwidth --insecure
_expect test_bandwidth_two_addrs 2 "unexpected argument" test-bandwidth 10.0.0.2:7789 10.0.0.3:7789 --insecure
_expect test_bandwidth_hostname 2 "host names" test-bandwidth backup.example:7789 --insecure
_expect test_bandwidth_bad_port 2 "port" test-bandwidth 10.0.0.2:0 --insecure
_expect test_bandwidth_unspecified 2 "unspecified" test-bandwidth 0.0.0.0:7789 --insecure
_expect test_bandwidth_no_secret 2 "needs --secret-file FILE (or --insecure)" test-bandwidth 10.0.0.2:7789
_expect test_bandwidth_secret_and_insecure 2 "exclude" test-bandwidth 10.0.0.2:7789 --insecure --secret-file "$tmp/key"
_expect test_bandwidth_seconds_zero 2 "--seconds 0" test-bandwidth 10.0.0.2:7789 --insecure --seconds 0
_expect test_bandwidth_seconds_too_many 2 "--seconds 301: at most 300" test-bandwidth 10.0.0.2:7789 --insecure --seconds 301
_expect test_bandwidth_seconds_garbage 2 "--seconds ten" test-bandwidth 10.0.0.2:7789 --insecure --seconds ten
_expect test_bandwidth_seconds_missing 2 "'--seconds' needs a value" test-bandwidth 10.0.0.2:7789 --insecure --seconds
_expect test_bandwidth_unknown_option 2 "unknown option '--rate'" test-bandwidth 10.0.0.2:7789 --insecure --rate 1M
_expect test_bandwidth_empty_secret 1 "empty" test-bandwidth 10.0.0.2:7789 --secret-file "$tmp/empty-key"
_expect test_bandwidth_missing_secret 1 "cannot open secret file" test-bandwidth 10.0.0.2:7789 --secret-file "$tmp/none"
_expect test_bandwidth_refused 1 "test-bandwidth: 127.0.0.1:$closed_port: connection refused" test-bandwidth "127.0.0.1:$closed_port" --secret-file "$tmp/key" --seconds 1

# --dry-run and --yes (issue 15): the commands that take them, usage errors
# before anything is looked at
_expect_ok help_promote_dry_run "promote NAME \[--force\] \[--dry-run\] \[--yes\]" promote --help
_expect_ok help_resolve_dry_run "\[--dry-run\] \[--yes\]" resolve --help
_expect_ok help_rollback_dry_run "sync-point rollback NAME \[PAIR\] ID \[--dry-run\] \[--yes\]" sync-point rollback --help
_expect_ok help_create_dry_run "\[--force\] \[--dry-run\] \[--yes\]" create --help
_expect dry_run_not_on_remove 2 "unknown option '--dry-run'" remove vol0 --dry-run
_expect dry_run_takes_no_value 2 "--dry-run" promote vol0 --dry-run=yes
_expect resolve_dry_run_no_side 2 "say whose changes go" resolve vol0 --dry-run
_expect resolve_yes_no_pair 2 "needs the PAIR" resolve vol0 --discard-remote -y
_expect create_dry_run_no_meta 2 "missing --meta DEV" create vol0 --data /dev/null --dry-run
_expect rollback_dry_run_bad_id 2 "sync point ID 'x'" sync-point rollback vol0 x --dry-run

# status --format
_expect_ok help_status_format "status \[NAME\] \[--json\] \[--format human|json|prometheus\] \[--watch\]" status --help
_expect status_format_unknown 2 "--format xml: human, json or prometheus" status --format xml
_expect status_format_json_conflict 2 "--json and --format prometheus contradict" status --json --format prometheus
_expect status_format_watch 2 "no --watch" status --format prometheus --watch
_expect status_format_missing 2 "'--format' needs a value" status --format

[ "$failures" -eq 0 ]
