// SPDX-License-Identifier: GPL-2.0
/* Unit tests of tools/ifrepctl/report.c: status output, human and JSON. */
#include "unit.h"
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static char *out;
static size_t out_len;

static void view(struct ifrep_volume_view *v, const char *line)
{
	char why[256];

	memset(v, 0, sizeof(*v));
	strcpy(v->name, "vol0");
	v->size_bytes = UINT64_C(1) << 30;
	strcpy(v->data_device, "/dev/vdb");
	strcpy(v->meta_device, "/dev/vdc");
	if (ifrep_status_parse(line, &v->st, why, sizeof(why)))
		fprintf(stderr, "bad test line: %s\n", why);
}

static const char *render(const struct ifrep_volume_view *v, size_t n, bool json)
{
	FILE *f;

	free(out);
	out = NULL;
	f = open_memstream(&out, &out_len);
	if (json)
		ifrep_report_json(f, v, n);
	else
		ifrep_report_human(f, v, n);
	fclose(f);
	return out;
}

TEST(json_empty)
{
	CHECK_STR(render(NULL, 0, true), "{\"volumes\":[]}\n");
}

TEST(json_documented_example)
{
	struct ifrep_volume_view v;

	view(&v, "primary rw 16384 128 0000000000000001 3 - - - 1 "
		 "backup sync /dev/vdd initial-sync 64 536870912 90000000 - - - -");
	CHECK_STR(render(&v, 1, true),
		  "{\"volumes\":[{\"name\":\"vol0\",\"role\":\"primary\","
		  "\"size_bytes\":1073741824,\"chunk_bytes\":8388608,"
		  "\"data_device\":\"/dev/vdb\",\"meta_device\":\"/dev/vdc\","
		  "\"journal_device\":null,\"health\":\"rw\",\"generation\":\"0000000000000001\",\"listen\":null,\"upstream\":null,"
		  "\"image\":null,\"meta_writes\":3,\"pairs\":[{\"name\":\"backup\",\"mode\":\"sync\","
		  "\"peer\":\"/dev/vdd\",\"state\":\"initial-sync\",\"total_chunks\":128,"
		  "\"dirty_chunks\":64,\"synced_percent\":50.0,\"bytes_sent\":536870912,"
		  "\"rate_bytes_per_s\":90000000,\"eta_seconds\":6,"
		  "\"last_sync_point\":null,\"rpo_seconds\":null,"
		  "\"cycle_shipped_chunks\":null,\"cycle_total_chunks\":null,"
		  "\"reason\":null,\"cow_fallbacks\":null,\"snapshot_store_used_bytes\":null,\"copy_device\":null,"
		  "\"resync\":null,\"resync_skipped_bytes\":null,\"verify\":null,\"settings\":null}],"
		  "\"snapshot_store_bytes\":null,\"hot_chunks\":null,\"hot_chunks_max\":null}]}\n");
}

/* Target 1.3: an async pair's snapshot store and its copy-on-write fallbacks. */
TEST(json_snapshot_store)
{
	struct ifrep_volume_view v;
	const char *s;

	view(&v, "primary rw 16384 128 0000000000000002 9 - - - 2 "
		 "dr async 192.0.2.7:7789 consistent 3 100 0 1795603200 42 - 2/5 4 1048576 "
		 "usb sync /dev/sdz in-sync 0 0 0 - - - - - -");
	s = render(&v, 1, true);
	CHECK_CONTAINS(s, "\"reason\":null,\"cow_fallbacks\":4,"
		       "\"snapshot_store_used_bytes\":1048576,\"copy_device\":null,");
	CHECK_CONTAINS(s, "\"reason\":null,\"cow_fallbacks\":null,"
		       "\"snapshot_store_used_bytes\":null,\"copy_device\":null,");
	CHECK_CONTAINS(s, "}],\"snapshot_store_bytes\":null,");
	v.has_store = true;
	v.store_bytes = 64 << 20;
	s = render(&v, 1, true);
	CHECK_CONTAINS(s, "}],\"snapshot_store_bytes\":67108864,");
	s = render(&v, 1, false);
	CHECK_CONTAINS(s, "health=rw snapshot-store=64MiB\n");
	CHECK_CONTAINS(s, "cycle 2/5  snapshot 1.0MiB  cow-fallbacks 4");
}

/* Target 1.5: a primary's hot set, from its hot_set message. */
TEST(hot_set)
{
	struct ifrep_volume_view v;
	const char *s;

	view(&v, "primary rw 16384 128 0000000000000001 3 - - - 0");
	v.has_hot = true;
	v.hot_used = 4;
	v.hot_max = 512;
	s = render(&v, 1, true);
	CHECK_CONTAINS(s, "\"snapshot_store_bytes\":null,\"hot_chunks\":4,"
		       "\"hot_chunks_max\":512}]}");
	s = render(&v, 1, false);
	CHECK_CONTAINS(s, "health=rw hot=4/512\n");
}

/* Target 1.4: a local copy pair's copy device, named in JSON and the text. */
TEST(copy_device)
{
	struct ifrep_volume_view v;
	const char *s;

	view(&v, "primary rw 16384 128 0000000000000002 9 - - - 1 "
		 "clone copy /dev/vdd initial-sync 128 0 0 - - - 3/128 0 0");
	snprintf(v.copy_device[0], sizeof(v.copy_device[0]), "/dev/mapper/vol0-clone");
	s = render(&v, 1, true);
	CHECK_CONTAINS(s, "\"snapshot_store_used_bytes\":0,"
		       "\"copy_device\":\"/dev/mapper/vol0-clone\",");
	s = render(&v, 1, false);
	CHECK_CONTAINS(s, "  device /dev/mapper/vol0-clone\n");
}

/*
 * Target 1.5: a sync pair's resync choice (its record's resync_mode, 0 =
 * checksum if remote) and the bytes its checksum resync skipped.
 */
TEST(json_resync)
{
	struct ifrep_volume_view v;
	const char *s;

	view(&v, "primary rw 16384 128 0000000000000002 9 - - - 3 "
		 "dr sync 192.0.2.7:7789 resyncing 3 100 0 - - - - - - 12582912 "
		 "usb sync /dev/sdz in-sync 0 0 0 - - - - - - 0 "
		 "far async 192.0.2.8:7789 consistent 0 0 0 1795603200 42 - - 0 0 -");
	/* the records not read: the choice is not known */
	s = render(&v, 1, true);
	CHECK_CONTAINS(s, "\"copy_device\":null,\"resync\":null,"
		       "\"resync_skipped_bytes\":12582912,");
	CHECK_CONTAINS(s, "\"copy_device\":null,\"resync\":null,\"resync_skipped_bytes\":0,");
	/* the defaults: checksum for the remote sync pair, full for the local one */
	v.has_record[0] = v.has_record[1] = v.has_record[2] = true;
	v.record_flags[0] = IFREP_PAIR_F_IN_USE | IFREP_PAIR_F_REMOTE;
	v.record_flags[1] = IFREP_PAIR_F_IN_USE;
	/* an async pair has no resync choice, whatever its record says */
	v.record_flags[2] = IFREP_PAIR_F_IN_USE | IFREP_PAIR_F_REMOTE;
	v.record_resync_mode[2] = IFREP_PAIR_RESYNC_CHECKSUM;
	s = render(&v, 1, true);
	CHECK_CONTAINS(s, "\"name\":\"dr\",");
	CHECK_CONTAINS(s, "\"copy_device\":null,\"resync\":\"checksum\","
		       "\"resync_skipped_bytes\":12582912,\"verify\":null,"
		       "\"settings\":{\"rate_bytes_per_s\":0,\"timeout_seconds\":30,\"interval_seconds\":null,"
		       "\"sync_points\":null,\"resync\":\"checksum\"}},{\"name\":\"usb\"");
	CHECK_CONTAINS(s, "\"copy_device\":null,\"resync\":\"full\","
		       "\"resync_skipped_bytes\":0,\"verify\":null,"
		       "\"settings\":{\"rate_bytes_per_s\":0,\"timeout_seconds\":null,\"interval_seconds\":null,"
		       "\"sync_points\":null,\"resync\":\"full\"}},{\"name\":\"far\"");
	CHECK_CONTAINS(s, "\"copy_device\":null,\"resync\":null,"
		       "\"resync_skipped_bytes\":null,\"verify\":null,"
		       "\"settings\":{\"rate_bytes_per_s\":0,\"timeout_seconds\":30,\"interval_seconds\":0,"
		       "\"sync_points\":0,\"resync\":null}}]");
	CHECK_STR(ifrep_pair_resync(&v, 0), "checksum");
	CHECK_STR(ifrep_pair_resync(&v, 1), "full");
	CHECK(ifrep_pair_resync(&v, 2) == NULL);
	CHECK(ifrep_pair_resync(&v, 3) == NULL);
	/* chosen: resync=checksum, resync=full, and full for a remote pair */
	v.record_resync_mode[0] = IFREP_PAIR_RESYNC_CHECKSUM;
	v.record_resync_mode[1] = IFREP_PAIR_RESYNC_FULL;
	CHECK_STR(ifrep_pair_resync(&v, 0), "checksum");
	CHECK_STR(ifrep_pair_resync(&v, 1), "full");
	v.record_resync_mode[0] = IFREP_PAIR_RESYNC_FULL;
	CHECK_STR(ifrep_pair_resync(&v, 0), "full");
	CHECK_CONTAINS(render(&v, 1, true), "\"resync\":\"full\","
		       "\"resync_skipped_bytes\":12582912,\"verify\":null,"
		       "\"settings\":{\"rate_bytes_per_s\":0,\"timeout_seconds\":30,\"interval_seconds\":null,"
		       "\"sync_points\":null,\"resync\":\"full\"}},{\"name\":\"usb\"");
	/* no record (a pair added after the metadata was read) */
	v.has_record[0] = false;
	CHECK(ifrep_pair_resync(&v, 0) == NULL);
	/* a module before 1.5: 13 fields, nothing known of skipped bytes */
	view(&v, "primary rw 16384 128 0000000000000002 9 - - - 1 "
		 "dr sync 192.0.2.7:7789 resyncing 3 100 0 - - - - - -");
	CHECK_CONTAINS(render(&v, 1, true), "\"resync\":null,\"resync_skipped_bytes\":null,"
		       "\"verify\":null,\"settings\":null}]");
}

/*
 * pair add and pair set's choices, from the records: each applies to some
 * pairs only (null for the others); a local pair has no timeout, and a
 * record without one (0) has the default.
 */
TEST(json_settings)
{
	struct ifrep_volume_view v;
	const char *s;

	view(&v, "primary rw 16384 128 0000000000000002 9 - - - 4 "
		 "dr sync 192.0.2.7:7789 in-sync 0 0 0 - - - - - - 0 "
		 "usb sync /dev/sdz resyncing 3 0 2097152 - - - - - - 0 "
		 "far async 192.0.2.8:7789 consistent 0 0 0 1795603200 42 - - 0 0 - "
		 "cp copy /dev/sdy done 0 0 0 1795603200 - - - 0 0 -");
	v.has_record[0] = v.has_record[1] = v.has_record[2] = true;
	v.record_flags[0] = IFREP_PAIR_F_IN_USE | IFREP_PAIR_F_REMOTE;
	v.record_timeout_s[0] = 120;
	v.record_resync_mode[0] = IFREP_PAIR_RESYNC_FULL;
	v.record_flags[1] = IFREP_PAIR_F_IN_USE;
	v.record_rate[1] = 2097152;
	v.record_timeout_s[1] = 30;		/* recorded, but a local pair has none */
	v.record_flags[2] = IFREP_PAIR_F_IN_USE | IFREP_PAIR_F_REMOTE;
	v.record_rate[2] = 50000000;
	v.record_interval_s[2] = 300;
	v.record_sync_points[2] = 4;
	s = render(&v, 1, true);
	CHECK_CONTAINS(s, "\"settings\":{\"rate_bytes_per_s\":0,\"timeout_seconds\":120,"
		       "\"interval_seconds\":null,\"sync_points\":null,\"resync\":\"full\"}}");
	CHECK_CONTAINS(s, "\"settings\":{\"rate_bytes_per_s\":2097152,\"timeout_seconds\":null,"
		       "\"interval_seconds\":null,\"sync_points\":null,\"resync\":\"full\"}}");
	CHECK_CONTAINS(s, "\"settings\":{\"rate_bytes_per_s\":50000000,\"timeout_seconds\":30,"
		       "\"interval_seconds\":300,\"sync_points\":4,\"resync\":null}}");
	/* the copy pair's record was not read */
	CHECK_CONTAINS(s, "\"verify\":null,\"settings\":null}]");
	/* the human output stays as it was: the settings are JSON only */
	s = render(&v, 1, false);
	CHECK(!strstr(s, "settings"));
	CHECK(!strstr(s, "timeout"));
}

/* The human line names what a checksum resync skipped, once it skipped something. */
TEST(human_resync_skipped)
{
	struct ifrep_volume_view v;
	const char *s;

	view(&v, "primary rw 16384 128 0000000000000001 3 - - - 3 "
		 "dr   sync 192.0.2.7:7789 resyncing 10 5 94371840 - - - - - - 12582912 "
		 "usb  sync /dev/vdd in-sync 0 0 0 - - - - - - 0 "
		 "far  async 192.0.2.8:7789 consistent 0 0 0 1795603200 42 - - 0 0 -");
	s = render(&v, 1, false);
	CHECK_CONTAINS(s, "  dr   sync   192.0.2.7:7789  resyncing     dirty 10/128  92.1%  "
		       "sent 5B  rate 90MiB/s ETA 0:01  skipped 12MiB\n");
	CHECK_CONTAINS(s, "  usb  sync   /dev/vdd        in-sync       dirty 0/128  100.0%  "
		       "sent 0B\n");
	CHECK(!strstr(s, "skipped 0"));
}

TEST(json_async_and_failed)
{
	struct ifrep_volume_view v[2];
	const char *s;

	view(&v[0], "primary rw 16384 128 0000000000000002 9 - - - 2 "
		    "dr async 192.0.2.7:7789 consistent 3 100 0 1795603200 42 - 2/5 "
		    "usb sync /dev/sdz failed 128 0 0 - - write_error -");
	view(&v[1], "secondary rw 16384 128 0000000000000002 0 0.0.0.0:7789 connected consistent 0");
	strcpy(v[1].name, "replica");
	s = render(v, 2, true);
	/* 3 dirty and 3 of the running cycle's 5 not shipped yet */
	CHECK_CONTAINS(s, "\"state\":\"consistent\",\"total_chunks\":128,\"dirty_chunks\":6,"
		       "\"synced_percent\":95.3");
	CHECK_CONTAINS(s, "\"eta_seconds\":null,\"last_sync_point\":\"2026-11-25T10:40:00Z\","
		       "\"rpo_seconds\":42,\"cycle_shipped_chunks\":2,\"cycle_total_chunks\":5,"
		       "\"reason\":null");
	CHECK_CONTAINS(s, "\"last_sync_point\":null,\"rpo_seconds\":null,"
		       "\"cycle_shipped_chunks\":null,\"cycle_total_chunks\":null,"
		       "\"reason\":\"write_error\"");
	CHECK_CONTAINS(s, "\"state\":\"failed\"");
	CHECK_CONTAINS(s, "\"synced_percent\":0.0");
	CHECK_CONTAINS(s, "\"reason\":\"write_error\"");
	CHECK_CONTAINS(s, "{\"name\":\"replica\",\"role\":\"secondary\"");
	CHECK_CONTAINS(s, "\"listen\":\"0.0.0.0:7789\",\"upstream\":\"connected\","
		       "\"image\":\"consistent\",\"meta_writes\":0,\"pairs\":[],"
		       "\"snapshot_store_bytes\":null,\"hot_chunks\":null,\"hot_chunks_max\":null}");
}

/* The interface contract: generation is a hex string (jq would round 64-bit numbers). */
TEST(json_generation_is_hex_string)
{
	struct ifrep_volume_view v;
	const char *s;

	view(&v, "primary rw 16384 128 fedcba9876543210 3 - - - 0");
	s = render(&v, 1, true);
	CHECK_CONTAINS(s, "\"generation\":\"fedcba9876543210\",");
	CHECK(!strstr(s, "18364758544493064720"));
}

TEST(json_whole_fail)
{
	struct ifrep_volume_view v;

	view(&v, "Fail");
	CHECK_CONTAINS(render(&v, 1, true), "\"role\":null,\"size_bytes\":1073741824,"
		       "\"chunk_bytes\":null,\"data_device\":\"/dev/vdb\","
		       "\"meta_device\":\"/dev/vdc\",\"journal_device\":null,\"health\":\"fail\","
		       "\"generation\":null");
}

TEST(human_lines)
{
	struct ifrep_volume_view v;
	const char *s;

	view(&v, "primary rw 16384 128 0000000000000001 3 - - - 2 "
		 "backup sync /dev/vdd in-sync 0 1073741824 0 - - - - "
		 "b2 sync /dev/vde resyncing 10 5 94371840 - - - -");
	s = render(&v, 1, false);
	CHECK_CONTAINS(s, "vol0  role=primary size=1.0GiB chunk=8MiB data=/dev/vdb "
		       "meta=/dev/vdc health=rw\n");
	CHECK_CONTAINS(s, "  backup  sync   /dev/vdd  in-sync       dirty 0/128  100.0%  "
		       "sent 1.0GiB\n");
	CHECK_CONTAINS(s, "  b2      sync   /dev/vde  resyncing     dirty 10/128  92.1%  "
		       "sent 5B  rate 90MiB/s ETA 0:01\n");
}

TEST(human_copy)
{
	struct ifrep_volume_view v;
	const char *s;

	/* copying: only the cut's chunks count, not the writes made since */
	view(&v, "primary rw 16384 128 0000000000000001 3 - - - 2 "
		 "cp copy /dev/vdd initial-sync 7 1048576 94371840 - - - 96/128 "
		 "old copy /dev/vde done 0 1073741824 0 1795627205 - - -");
	s = render(&v, 1, false);
	CHECK_CONTAINS(s, "  cp   copy   /dev/vdd  initial-sync  dirty 32/128  75.0%  "
		       "sent 1.0MiB  rate 90MiB/s ETA 0:03  cycle 96/128\n");
	CHECK_CONTAINS(s, "  old  copy   /dev/vde  done          dirty 0/128  100.0%  "
		       "sent 1.0GiB  copy of ");
	CHECK(!strstr(s, "RPO"));
}

TEST(human_reason_and_no_pairs)
{
	struct ifrep_volume_view v;

	view(&v, "primary rw 16384 128 0000000000000001 3 - - - 1 "
		 "usb sync /dev/sdz failed 128 0 0 - - write_error -");
	CHECK_CONTAINS(render(&v, 1, false), "  reason write_error\n");
	view(&v, "primary rw 16384 128 0000000000000001 3 - - - 0");
	CHECK_CONTAINS(render(&v, 1, false), "  (no pairs)\n");
	view(&v, "secondary rw 16384 128 0000000000000001 3 10.0.0.2:7789 connected consistent 0");
	CHECK_CONTAINS(render(&v, 1, false),
		       "health=rw listen=10.0.0.2:7789 upstream=connected image=consistent\n");
	strcpy(v.journal_device, "/dev/vdd");
	CHECK_CONTAINS(render(&v, 1, false), "meta=/dev/vdc journal=/dev/vdd health=rw "
		       "listen=10.0.0.2:7789 upstream=connected image=consistent\n");
	CHECK_CONTAINS(render(&v, 1, true), "\"meta_device\":\"/dev/vdc\","
		       "\"journal_device\":\"/dev/vdd\",\"health\":\"rw\"");
}

TEST(human_async)
{
	struct ifrep_volume_view v;
	const char *s;

	setenv("TZ", "UTC", 1);
	tzset();
	view(&v, "primary rw 16384 128 0000000000000001 3 - - - 3 "
		 "dr async 169.254.77.2:7788 consistent 2 4096 0 1795627205 12 - 3/10 "
		 "dr2 async 169.254.77.3:7788 initial-sync 0 0 0 - - - 0/128 "
		 "dr3 async 169.254.77.4:7788 consistent 0 0 0 1795627205 3725 - -");
	s = render(&v, 1, false);
	CHECK_CONTAINS(s, "  dr   async  169.254.77.2:7788  consistent    dirty 9/128  92.9%  sent 4.0KiB"
		       "  last sync point 2026-11-25 17:20:05 (RPO 12s)  cycle 3/10\n");
	/* the initial copy: nothing is dirty, everything is in the cycle */
	CHECK_CONTAINS(s, "  dr2  async  169.254.77.3:7788  initial-sync  dirty 128/128  0.0%  sent 0B"
		       "  no sync point yet  cycle 0/128\n");
	CHECK_CONTAINS(s, "  dr3  async  169.254.77.4:7788  consistent    dirty 0/128  100.0%  sent 0B"
		       "  last sync point 2026-11-25 17:20:05 (RPO 1h02m)\n");
	/* sync pairs say nothing of sync points */
	view(&v, "primary rw 16384 128 0000000000000001 3 - - - 1 "
		 "backup sync /dev/vdd in-sync 0 0 0 - - - -");
	s = render(&v, 1, false);
	CHECK(!strstr(s, "sync point"));
	CHECK(!strstr(s, "cycle"));
}

TEST(async_progress)
{
	struct ifrep_status st = { .chunk_sectors = 2048, .total_chunks = 64 };
	struct ifrep_status_pair p = { .mode = IFREP_MODE_ASYNC, .rate = 1048576 };
	uint64_t s = 99;

	/* between cycles: nothing pending */
	CHECK_EQ(ifrep_pair_pending(&st, &p), 0);
	CHECK(ifrep_pair_eta(&st, &p, &s));
	CHECK_EQ(s, 0);
	/* changes since the cut, no cycle: they wait for the next cut */
	p.dirty_chunks = 4;
	CHECK_EQ(ifrep_pair_pending(&st, &p), 4);
	CHECK(!ifrep_pair_eta(&st, &p, &s));
	/* a cycle runs: its rest is pending, and only it has an ETA */
	p.has_cycle = true;
	p.cycle_shipped = 6;
	p.cycle_total = 10;
	CHECK_EQ(ifrep_pair_pending(&st, &p), 8);
	CHECK(ifrep_pair_eta(&st, &p, &s));
	CHECK_EQ(s, 4);
	/* never more than the volume */
	p.dirty_chunks = 64;
	CHECK_EQ(ifrep_pair_pending(&st, &p), 64);
}

TEST(eta)
{
	struct ifrep_status st = { .chunk_sectors = 16384 };
	struct ifrep_status_pair p = { .mode = IFREP_MODE_SYNC, .dirty_chunks = 0 };
	uint64_t s = 99;

	CHECK(ifrep_pair_eta(&st, &p, &s));
	CHECK_EQ(s, 0);
	p.dirty_chunks = 2;
	CHECK(!ifrep_pair_eta(&st, &p, &s));
	p.rate = 8388608;
	CHECK(ifrep_pair_eta(&st, &p, &s));
	CHECK_EQ(s, 2);
	p.rate = 8388607;
	CHECK(ifrep_pair_eta(&st, &p, &s));
	CHECK_EQ(s, 3);
}

/*
 * Target 1.6: a pair's last verify, from the <verify> field: a JSON object
 * (null when there is none), and in the human line a running one's
 * percent, rate and ETA, a stopped one's place.
 */
TEST(json_verify)
{
	struct ifrep_volume_view v;
	const char *s;

	view(&v, "primary rw 16384 128 0000000000000001 3 - - - 4 "
		 "dr sync 192.0.2.7:7789 in-sync 0 0 0 - - - - - - 0 running:32/128:1:16777216 "
		 "usb sync /dev/sdz in-sync 0 0 0 - - - - - - 0 stopped:77/128:2:0 "
		 "far async 192.0.2.8:7789 consistent 0 0 0 1795603200 42 - - 0 0 - done:128/128:0:0 "
		 "new sync /dev/sdy in-sync 0 0 0 - - - - - - 0 -");
	s = render(&v, 1, true);
	CHECK_CONTAINS(s, "\"verify\":{\"state\":\"running\",\"checked_chunks\":32,"
		       "\"total_chunks\":128,\"differing_chunks\":1,\"percent\":25.0,"
		       "\"rate_bytes_per_s\":16777216,\"eta_seconds\":48,\"resume_chunk\":null},"
		       "\"settings\":null}");
	CHECK_CONTAINS(s, "\"verify\":{\"state\":\"stopped\",\"checked_chunks\":77,"
		       "\"total_chunks\":128,\"differing_chunks\":2,\"percent\":60.1,"
		       "\"rate_bytes_per_s\":null,\"eta_seconds\":null,\"resume_chunk\":77},"
		       "\"settings\":null}");
	CHECK_CONTAINS(s, "\"verify\":{\"state\":\"done\",\"checked_chunks\":128,"
		       "\"total_chunks\":128,\"differing_chunks\":0,\"percent\":100.0,"
		       "\"rate_bytes_per_s\":null,\"eta_seconds\":null,\"resume_chunk\":0},"
		       "\"settings\":null}");
	CHECK_CONTAINS(s, "\"name\":\"new\",");
	CHECK_CONTAINS(s, "\"resync_skipped_bytes\":0,\"verify\":null,\"settings\":null}]");
	/* running without a rate yet: no ETA */
	view(&v, "primary rw 16384 128 0000000000000001 3 - - - 1 "
		 "dr sync 192.0.2.7:7789 in-sync 0 0 0 - - - - - - 0 running:0/128:0:0");
	CHECK_CONTAINS(render(&v, 1, true), "\"percent\":0.0,\"rate_bytes_per_s\":0,"
		       "\"eta_seconds\":null,\"resume_chunk\":null}");
	/* a 1.5 module: nothing known */
	view(&v, "primary rw 16384 128 0000000000000001 3 - - - 1 "
		 "dr sync 192.0.2.7:7789 in-sync 0 0 0 - - - - - - 0");
	CHECK_CONTAINS(render(&v, 1, true),
		       "\"resync_skipped_bytes\":0,\"verify\":null,\"settings\":null}]");
}

TEST(human_verify)
{
	struct ifrep_volume_view v;
	const char *s;

	view(&v, "primary rw 16384 128 0000000000000001 3 - - - 4 "
		 "dr   sync 192.0.2.7:7789 in-sync 0 0 0 - - - - - - 0 running:32/128:1:16777216 "
		 "usb  sync /dev/sdz in-sync 0 0 0 - - - - - - 0 stopped:77/128:0:0 "
		 "far  async 192.0.2.8:7789 consistent 0 0 0 1795603200 42 - - 0 0 - done:128/128:3:0 "
		 "new  sync /dev/sdy in-sync 0 0 0 - - - - - - 0 -");
	s = render(&v, 1, false);
	CHECK_CONTAINS(s, "  dr   sync   192.0.2.7:7789  in-sync       dirty 0/128  100.0%  sent 0B"
		       "  verify 25.0% (32/128) rate 16MiB/s ETA 0:48 1 differing\n");
	CHECK_CONTAINS(s, "  usb  sync   /dev/sdz        in-sync       dirty 0/128  100.0%  sent 0B"
		       "  verify stopped at 77/128\n");
	CHECK_CONTAINS(s, "  verified 128/128 3 differing\n");
	CHECK_CONTAINS(s, "  new  sync   /dev/sdy        in-sync       dirty 0/128  100.0%  sent 0B\n");
}

TEST(verify_eta_and_resume)
{
	struct ifrep_status st = { .chunk_sectors = 16384 };
	struct ifrep_status_pair p = { .has_verify = true, .verify_state = IFREP_VERIFY_RUNNING,
				       .verify_checked = 126, .verify_total = 128 };
	uint64_t s = 99, chunk = 99;

	CHECK(!ifrep_verify_eta(&st, &p, &s));		/* no rate yet */
	p.verify_rate = 8388608;
	CHECK(ifrep_verify_eta(&st, &p, &s));
	CHECK_EQ(s, 2);
	CHECK(!ifrep_verify_resume_chunk(&p, &chunk));	/* it runs */
	p.verify_state = IFREP_VERIFY_STOPPED;
	CHECK(!ifrep_verify_eta(&st, &p, &s));
	CHECK(ifrep_verify_resume_chunk(&p, &chunk));
	CHECK_EQ(chunk, 126);
	p.verify_state = IFREP_VERIFY_DONE;
	CHECK(ifrep_verify_resume_chunk(&p, &chunk));
	CHECK_EQ(chunk, 0);
	p.has_verify = false;
	CHECK(!ifrep_verify_resume_chunk(&p, &chunk));
	/* the resync's ETA and the verify's are the same arithmetic */
	CHECK(ifrep_chunks_eta(2, 16384, 8388607, &s));
	CHECK_EQ(s, 3);
	CHECK(ifrep_chunks_eta(0, 16384, 0, &s));
	CHECK_EQ(s, 0);
	CHECK(!ifrep_chunks_eta(1, 16384, 0, &s));
}
