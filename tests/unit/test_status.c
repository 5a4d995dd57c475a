// SPDX-License-Identifier: GPL-2.0
/* Unit tests of tools/ifrepctl/status.c: the dm-ifrep status line. */
#include "unit.h"
#include "status.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>

#define VOL "primary rw 16384 128 0000000000000001 3 - - - "
#define PAIR_DOC "backup sync /dev/vdd initial-sync 64 536870912 90000000 - - - -"

static int parse(const char *line, struct ifrep_status *st)
{
	char why[256];

	memset(st, 0xa5, sizeof(*st));
	return ifrep_status_parse(line, st, why, sizeof(why));
}

/* Expect a refusal with a reason mentioning @what. */
static bool refused(const char *line, const char *what)
{
	struct ifrep_status st;
	char why[256] = "";

	memset(&st, 0, sizeof(st));
	st.nr_pairs = 77;
	if (ifrep_status_parse(line, &st, why, sizeof(why)) != -EINVAL)
		return false;
	return strstr(why, what) != NULL && st.nr_pairs == 77;	/* untouched */
}

TEST(no_pairs)
{
	struct ifrep_status st;

	CHECK_EQ(parse(VOL "0", &st), 0);
	CHECK(!st.whole_fail);
	CHECK_EQ(st.role, IFREP_ROLE_PRIMARY);
	CHECK_EQ(st.health, IFREP_HEALTH_RW);
	CHECK_EQ(st.chunk_sectors, 16384);
	CHECK_EQ(st.total_chunks, 128);
	CHECK_EQ(st.generation, 1);
	CHECK_EQ(st.meta_writes, 3);
	CHECK_STR(st.listen, "");
	CHECK_STR(st.upstream, "");
	CHECK_EQ(st.nr_pairs, 0);
}

TEST(documented_example)
{
	struct ifrep_status st;
	const struct ifrep_status_pair *p;

	CHECK_EQ(parse(VOL "1 " PAIR_DOC "\n", &st), 0);
	CHECK_EQ(st.nr_pairs, 1);
	p = &st.pairs[0];
	CHECK_STR(p->name, "backup");
	CHECK_EQ(p->mode, IFREP_MODE_SYNC);
	CHECK_STR(p->peer, "/dev/vdd");
	CHECK_EQ(p->state, IFREP_PS_INITIAL_SYNC);
	CHECK_EQ(p->dirty_chunks, 64);
	CHECK_EQ(p->bytes_sent, 536870912);
	CHECK_EQ(p->rate, 90000000);
	CHECK(!p->has_last_sync);
	CHECK(!p->has_rpo);
	CHECK_STR(p->reason, "");
	CHECK(ifrep_status_find_pair(&st, "backup") == p);
	CHECK(ifrep_status_find_pair(&st, "other") == NULL);
}

TEST(eight_pairs_every_state)
{
	static const char *const states[] = {
		"initial-sync", "in-sync", "consistent", "resyncing",
		"retrying", "disconnected", "split-brain", "failed",
	};
	char line[2048];
	struct ifrep_status st;
	size_t pos;
	unsigned int i;

	pos = (size_t)snprintf(line, sizeof(line), "%s8", VOL);
	for (i = 0; i < 8; i++)
		pos += (size_t)snprintf(line + pos, sizeof(line) - pos,
					" p%u %s 10.0.0.%u:7789 %s %u %u 0 %s %s %s %s", i,
					i % 3 == 0 ? "sync" : i % 3 == 1 ? "async" : "copy",
					i + 1, states[i], i, i * 1000,
					i == 1 ? "1795603200" : "-", i == 1 ? "12" : "-",
					i == 7 ? "write_error" : "-", i == 1 ? "3/10" : "-");
	CHECK_EQ(parse(line, &st), 0);
	CHECK_EQ(st.nr_pairs, 8);
	for (i = 0; i < 8; i++) {
		CHECK_EQ(st.pairs[i].state, ifrep_pair_state_parse(states[i]));
		CHECK_EQ(st.pairs[i].dirty_chunks, i);
	}
	CHECK_EQ(st.pairs[1].mode, IFREP_MODE_ASYNC);
	CHECK_EQ(st.pairs[2].mode, IFREP_MODE_COPY);
	CHECK(st.pairs[1].has_last_sync);
	CHECK_EQ(st.pairs[1].last_sync, 1795603200);
	CHECK(st.pairs[1].has_rpo);
	CHECK_EQ(st.pairs[1].rpo, 12);
	CHECK(st.pairs[1].has_cycle);
	CHECK_EQ(st.pairs[1].cycle_shipped, 3);
	CHECK_EQ(st.pairs[1].cycle_total, 10);
	CHECK(!st.pairs[0].has_cycle);
	CHECK_STR(st.pairs[7].reason, "write_error");
	CHECK_STR(st.pairs[3].peer, "10.0.0.4:7789");
}

TEST(secondary)
{
	struct ifrep_status st;

	CHECK_EQ(parse("secondary ro 128 1 00000000000000ff 0 [2001:db8::2]:7789 connected consistent 0", &st), 0);
	CHECK_EQ(st.image, IMAGE_CONSISTENT);
	CHECK_EQ(st.role, IFREP_ROLE_SECONDARY);
	CHECK_EQ(st.health, IFREP_HEALTH_RO);
	CHECK_EQ(st.chunk_sectors, 128);
	CHECK_EQ(st.generation, 255);
	CHECK_STR(st.listen, "[2001:db8::2]:7789");
	CHECK_STR(st.upstream, "connected");
}

TEST(whole_fail)
{
	struct ifrep_status st;

	CHECK_EQ(parse("Fail", &st), 0);
	CHECK(st.whole_fail);
	CHECK_EQ(st.health, IFREP_HEALTH_FAIL);
	CHECK_EQ(st.nr_pairs, 0);
	CHECK_EQ(parse("primary fail 16384 128 0000000000000001 0 - - - 0", &st), 0);
	CHECK(!st.whole_fail);
	CHECK_EQ(st.health, IFREP_HEALTH_FAIL);
}

TEST(truncated)
{
	CHECK(refused("", "empty"));
	CHECK(refused("   \n", "empty"));
	CHECK(refused("primary", "health"));
	CHECK(refused("primary rw 16384 128 0000000000000001 3 - -", "image"));
	CHECK(refused("primary rw 16384 128 0000000000000001 3 - - -", "#pairs"));
	CHECK(refused(VOL "1", "1 pairs need 15 fields"));
	CHECK(refused(VOL "1 backup sync /dev/vdd initial-sync 64 536870912 90000000 - -",
		      "pairs need"));
	CHECK(refused(VOL "2 " PAIR_DOC " backup2 sync /dev/vde in-sync 0 0 0 - - -",
		      "2 pairs need 30 fields, the line has 21"));
	CHECK(refused(VOL "0 extra", "0 pairs need 0 fields"));
	CHECK(refused(VOL "1 " PAIR_DOC " extra", "pairs need"));
}

TEST(garbage_numbers)
{
	CHECK(refused("primary rw 16384x 128 0000000000000001 3 - - - 0", "chunk sectors"));
	CHECK(refused("primary rw 16384 -1 0000000000000001 3 - - - 0", "total chunks"));
	CHECK(refused("primary rw 16384 128 0000000000000001 3 - - - zero", "#pairs"));
	CHECK(refused("primary rw 16384 128 0000000000000001 99999999999999999999 - - - 0",
		      "meta writes"));
	CHECK(refused(VOL "1 backup sync /dev/vdd initial-sync 6.4 536870912 90000000 - - - -",
		      "dirty chunks"));
	CHECK(refused(VOL "1 backup sync /dev/vdd initial-sync 64 5e8 90000000 - - - -",
		      "bytes sent"));
	CHECK(refused(VOL "1 backup async /dev/vdd consistent 64 0 0 yesterday - - -",
		      "last sync point"));
	CHECK(refused(VOL "1 backup async /dev/vdd consistent 64 0 0 - 1s - -", "rpo"));
	CHECK(refused("primary rw 16384 128 000000000000001 3 - - - 0", "generation"));
	CHECK(refused("primary rw 16384 128 000000000000000g 3 - - - 0", "generation"));
}

TEST(bad_keywords)
{
	CHECK(refused("master rw 16384 128 0000000000000001 3 - - 0", "role"));
	CHECK(refused("primary ok 16384 128 0000000000000001 3 - - - 0", "health"));
	CHECK(refused("primary rw 16384 128 0000000000000001 3 - - whole 0", "unknown image"));
	CHECK(refused("primary rw 16384 128 0000000000000001 3 - - consistent 0", "for a primary"));
	CHECK(refused("secondary rw 16384 128 0000000000000001 3 - - - 0", "for a secondary"));
	CHECK(refused("primary rw 1000 128 0000000000000001 3 - - - 0", "power of two"));
	CHECK(refused("primary rw 64 128 0000000000000001 3 - - - 0", "power of two"));
	CHECK(refused(VOL "1 backup semi /dev/vdd in-sync 0 0 0 - - - -", "pair mode"));
	CHECK(refused(VOL "1 backup sync /dev/vdd syncing 0 0 0 - - - -", "pair state"));
	CHECK(refused(VOL "1 back/up sync /dev/vdd in-sync 0 0 0 - - - -", "name"));
	CHECK(refused(VOL "1 backup sync - in-sync 0 0 0 - - - -", "no peer"));
}

TEST(too_many_pairs)
{
	char line[4096];
	size_t pos;
	unsigned int i;

	CHECK(refused(VOL "9", "at most 8"));
	pos = (size_t)snprintf(line, sizeof(line), "%s9", VOL);
	for (i = 0; i < 9; i++)
		pos += (size_t)snprintf(line + pos, sizeof(line) - pos,
					" p%u sync /dev/x%u in-sync 0 0 0 - - - -", i, i);
	CHECK(refused(line, "at most 8"));
	pos = (size_t)snprintf(line, sizeof(line), "%s8", VOL);
	for (i = 0; i < 9; i++)
		pos += (size_t)snprintf(line + pos, sizeof(line) - pos,
					" p%u sync /dev/x%u in-sync 0 0 0 - - - - - - 0 -", i, i);
	CHECK(refused(line, "too many fields"));
}

TEST(names_roundtrip)
{
	int s;

	for (s = 0; s < IFREP_NR_PAIR_STATES; s++)
		CHECK_EQ(ifrep_pair_state_parse(ifrep_pair_state_name((enum ifrep_pair_state)s)), s);
	CHECK_EQ(ifrep_pair_state_parse("bogus"), -1);
	CHECK_EQ(ifrep_mode_parse("async"), IFREP_MODE_ASYNC);
	CHECK_EQ(ifrep_mode_parse("ASYNC"), -1);
	CHECK_CONTAINS(ifrep_state_list(), "initial-sync, in-sync, consistent");
	CHECK_CONTAINS(ifrep_state_list(), "done, failed");
}

TEST(async_fields)
{
	struct ifrep_status st;
	const struct ifrep_status_pair *p;

	/* a cycle running: 3 of its 10 chunks shipped */
	CHECK_EQ(parse(VOL "1 dr async 169.254.77.2:7788 consistent 2 41943040 0 "
		       "1795627205 12 - 3/10", &st), 0);
	p = &st.pairs[0];
	CHECK_EQ(p->mode, IFREP_MODE_ASYNC);
	CHECK_EQ(p->state, IFREP_PS_CONSISTENT);
	CHECK(p->has_last_sync);
	CHECK_EQ(p->last_sync, 1795627205);
	CHECK(p->has_rpo);
	CHECK_EQ(p->rpo, 12);
	CHECK(p->has_cycle);
	CHECK_EQ(p->cycle_shipped, 3);
	CHECK_EQ(p->cycle_total, 10);
	/* no sync point yet, the initial copy running */
	CHECK_EQ(parse(VOL "1 dr async 169.254.77.2:7788 initial-sync 128 0 0 - - - 0/128",
		       &st), 0);
	CHECK(!st.pairs[0].has_last_sync);
	CHECK(!st.pairs[0].has_rpo);
	CHECK(st.pairs[0].has_cycle);
	CHECK_EQ(st.pairs[0].cycle_total, 128);
	/* between cycles */
	CHECK_EQ(parse(VOL "1 dr async 169.254.77.2:7788 consistent 0 0 0 1795627205 0 - -",
		       &st), 0);
	CHECK(!st.pairs[0].has_cycle);
	CHECK_EQ(st.pairs[0].cycle_shipped, 0);
	CHECK_EQ(st.pairs[0].cycle_total, 0);
	/* the largest numbers */
	CHECK_EQ(parse(VOL "1 dr async h:1 consistent 0 0 0 1 0 - "
		       "18446744073709551615/18446744073709551615", &st), 0);
	CHECK_EQ(st.pairs[0].cycle_shipped, UINT64_MAX);
}

TEST(async_cycle_garbage)
{
	CHECK(refused(VOL "1 dr async h:1 consistent 0 0 0 1 0 - 3", "<shipped>/<total>"));
	CHECK(refused(VOL "1 dr async h:1 consistent 0 0 0 1 0 - 3/", "total chunks"));
	CHECK(refused(VOL "1 dr async h:1 consistent 0 0 0 1 0 - /3", "shipped chunks"));
	CHECK(refused(VOL "1 dr async h:1 consistent 0 0 0 1 0 - 3/1x", "total chunks"));
	CHECK(refused(VOL "1 dr async h:1 consistent 0 0 0 1 0 - -3/10", "shipped chunks"));
	CHECK(refused(VOL "1 dr async h:1 consistent 0 0 0 1 0 - 3/10/2", "total chunks"));
	CHECK(refused(VOL "1 dr async h:1 consistent 0 0 0 1 0 - 3//10", "total chunks"));
	CHECK(refused(VOL "1 dr async h:1 consistent 0 0 0 1 0 - "
		      "184467440737095516150/1", "shipped chunks"));
}

/* A module older than the async mirror reports 10 fields per pair. */
TEST(old_ten_field_pairs)
{
	struct ifrep_status st;

	CHECK_EQ(parse(VOL "2 backup sync /dev/vdd initial-sync 64 536870912 90000000 - - - "
		       "usb sync /dev/sdz failed 128 0 0 - - write_error", &st), 0);
	CHECK_EQ(st.nr_pairs, 2);
	CHECK(!st.pairs[0].has_cycle);
	CHECK_STR(st.pairs[1].name, "usb");
	CHECK_STR(st.pairs[1].reason, "write_error");
	CHECK(!st.pairs[1].has_cycle);
	/* a mix of the two layouts is neither */
	CHECK(refused(VOL "2 backup sync /dev/vdd in-sync 0 0 0 - - - "
		      "usb sync /dev/sdz in-sync 0 0 0 - - - -", "pairs need 30 fields"));
}

/* Target 1.3 adds <cow fallbacks> <snapshot store used bytes>; 1.2 lines still parse. */
TEST(snapshot_store_fields)
{
	struct ifrep_status st;

	CHECK_EQ(parse(VOL "2 dr async 192.0.2.7:7789 consistent 3 100 0 1795603200 42 - 2/5 "
		       "7 65536 usb sync /dev/sdz in-sync 0 0 0 - - - - - -", &st), 0);
	CHECK(st.pairs[0].has_snapshot);
	CHECK_EQ(st.pairs[0].cow_fallbacks, 7);
	CHECK_EQ(st.pairs[0].snapshot_store_used, 65536);
	CHECK(st.pairs[0].has_cycle);
	CHECK(!st.pairs[1].has_snapshot);
	CHECK_EQ(parse(VOL "1 dr async 192.0.2.7:7789 consistent 3 100 0 1795603200 42 - 2/5",
		       &st), 0);
	CHECK(!st.pairs[0].has_snapshot);
	CHECK_EQ(st.pairs[0].cycle_total, 5);
	CHECK(refused(VOL "1 dr async 192.0.2.7:7789 consistent 3 100 0 - - - - x 0",
		      "cow fallbacks"));
	CHECK(refused(VOL "1 dr async 192.0.2.7:7789 consistent 3 100 0 - - - - 0 1k",
		      "snapshot store used bytes"));
}

/*
 * Target 1.5 adds <resync skipped bytes>: a number for sync pairs, '-' for
 * async and copy pairs; lines of 1.3 and 1.4 (13 fields) still parse.
 */
TEST(resync_skipped_field)
{
	struct ifrep_status st;

	CHECK_EQ(parse(VOL "3 dr sync 192.0.2.7:7789 resyncing 3 100 0 - - - - - - 12582912 "
		       "usb sync /dev/sdz in-sync 0 0 0 - - - - - - 0 "
		       "far async 192.0.2.8:7789 consistent 0 0 0 1795603200 42 - - 0 0 -", &st), 0);
	CHECK_EQ(st.nr_pairs, 3);
	CHECK(st.pairs[0].has_resync_skipped);
	CHECK_EQ(st.pairs[0].resync_skipped, 12582912);
	CHECK_EQ(st.pairs[0].state, IFREP_PS_RESYNCING);
	CHECK(!st.pairs[0].has_snapshot);
	CHECK(st.pairs[1].has_resync_skipped);
	CHECK_EQ(st.pairs[1].resync_skipped, 0);
	CHECK(!st.pairs[2].has_resync_skipped);
	CHECK(st.pairs[2].has_snapshot);
	CHECK_EQ(st.pairs[2].rpo, 42);
	/* the largest number */
	CHECK_EQ(parse(VOL "1 dr sync h:1 in-sync 0 0 0 - - - - - - 18446744073709551615", &st), 0);
	CHECK_EQ(st.pairs[0].resync_skipped, UINT64_MAX);
	/* a 1.3 / 1.4 line: 13 fields, nothing skipped known */
	CHECK_EQ(parse(VOL "2 dr sync 192.0.2.7:7789 resyncing 3 100 0 - - - - - - "
		       "far async 192.0.2.8:7789 consistent 0 0 0 1795603200 42 - - 0 0", &st), 0);
	CHECK_EQ(st.nr_pairs, 2);
	CHECK(!st.pairs[0].has_resync_skipped);
	CHECK(!st.pairs[1].has_resync_skipped);
	CHECK(st.pairs[1].has_snapshot);
	CHECK(refused(VOL "1 dr sync h:1 in-sync 0 0 0 - - - - - - 1M", "resync skipped bytes"));
	CHECK(refused(VOL "1 dr sync h:1 in-sync 0 0 0 - - - - - - -1", "resync skipped bytes"));
	/* a mix of the 14- and 13-field layouts is neither */
	CHECK(refused(VOL "2 dr sync h:1 in-sync 0 0 0 - - - - - - 0 "
		      "usb sync /dev/sdz in-sync 0 0 0 - - - - - -", "2 pairs need 30 fields"));
}

/*
 * Target 1.6 adds <verify>: '-', or <state>:<checked>/<total>:<differing>:<rate>
 * of the pair's last verify; lines of 1.5 (14 fields) still parse.
 */
TEST(verify_field)
{
	struct ifrep_status st;
	const struct ifrep_status_pair *p;

	CHECK_EQ(parse(VOL "3 dr sync 192.0.2.7:7789 in-sync 0 100 0 - - - - - - 0 "
		       "running:40/128:2:16777216 "
		       "usb sync /dev/sdz in-sync 0 0 0 - - - - - - 0 - "
		       "far async 192.0.2.8:7789 consistent 0 0 0 1795603200 42 - - 0 0 - "
		       "stopped:77/128:1:0", &st), 0);
	CHECK_EQ(st.nr_pairs, 3);
	p = &st.pairs[0];
	CHECK(p->has_verify);
	CHECK_EQ(p->verify_state, IFREP_VERIFY_RUNNING);
	CHECK_EQ(p->verify_checked, 40);
	CHECK_EQ(p->verify_total, 128);
	CHECK_EQ(p->verify_differing, 2);
	CHECK_EQ(p->verify_rate, 16777216);
	CHECK(p->has_resync_skipped);
	CHECK(!st.pairs[1].has_verify);
	p = &st.pairs[2];
	CHECK(p->has_verify);
	CHECK_EQ(p->verify_state, IFREP_VERIFY_STOPPED);
	CHECK_EQ(p->verify_checked, 77);
	CHECK_EQ(p->verify_differing, 1);
	CHECK(p->has_snapshot);
	CHECK_EQ(parse(VOL "1 dr sync h:1 in-sync 0 0 0 - - - - - - 0 done:128/128:0:0", &st), 0);
	CHECK_EQ(st.pairs[0].verify_state, IFREP_VERIFY_DONE);
	CHECK_EQ(st.pairs[0].verify_checked, 128);
	/* a 1.5 line: 14 fields, no verify known */
	CHECK_EQ(parse(VOL "2 dr sync h:1 in-sync 0 0 0 - - - - - - 0 "
		       "usb sync /dev/sdz in-sync 0 0 0 - - - - - - 0", &st), 0);
	CHECK_EQ(st.nr_pairs, 2);
	CHECK(!st.pairs[0].has_verify);
	CHECK(!st.pairs[1].has_verify);
	/* a mix of the 15- and 14-field layouts is neither */
	CHECK(refused(VOL "2 dr sync h:1 in-sync 0 0 0 - - - - - - 0 - "
		      "usb sync /dev/sdz in-sync 0 0 0 - - - - - - 0", "2 pairs need 30 fields"));
}

TEST(verify_field_garbage)
{
#define VPAIR VOL "1 dr sync h:1 in-sync 0 0 0 - - - - - - 0 "
	CHECK(refused(VPAIR "running", "is not <state>"));
	CHECK(refused(VPAIR "running:1/2", "is not <state>"));
	CHECK(refused(VPAIR "running:1/2:0", "is not <state>"));
	CHECK(refused(VPAIR "idle:0/2:0:0", "unknown state 'idle'"));
	CHECK(refused(VPAIR "walking:0/2:0:0", "unknown state 'walking'"));
	CHECK(refused(VPAIR ":0/2:0:0", "unknown state ''"));
	CHECK(refused(VPAIR "running:x/2:0:0", "checked chunks"));
	CHECK(refused(VPAIR "running:1/-2:0:0", "total chunks"));
	CHECK(refused(VPAIR "running:1/2:0:0:0", "rate"));
	CHECK(refused(VPAIR "running:1/2::0", "differing chunks"));
	CHECK(refused(VPAIR "running:3/2:0:0", "counts do not add up"));
	CHECK(refused(VPAIR "done:2/2:3:0", "counts do not add up"));
	CHECK(refused(VPAIR "running:123456789012345678901234/2:0:0", "too large"));
#undef VPAIR
}

/* Eight pairs of the newest layout fill the line; one field more does not fit. */
TEST(eight_pairs_newest_layout)
{
	char line[4096];
	struct ifrep_status st;
	size_t pos;
	unsigned int i;

	pos = (size_t)snprintf(line, sizeof(line), "%s8", VOL);
	for (i = 0; i < 8; i++)
		pos += (size_t)snprintf(line + pos, sizeof(line) - pos,
					" p%u sync 10.0.0.%u:7789 resyncing 1 0 0 - - - - - - %u"
					" running:%u/128:0:8388608", i, i + 1, i * 65536, i);
	CHECK_EQ(parse(line, &st), 0);
	CHECK_EQ(st.nr_pairs, 8);
	CHECK_EQ(st.pairs[7].resync_skipped, 7 * 65536);
	CHECK_EQ(st.pairs[7].verify_checked, 7);
	snprintf(line + pos, sizeof(line) - pos, " x");
	CHECK(refused(line, "too many fields"));
}

TEST(cut_progress)
{
	/* an async pair as the status shows it, and where the cut at 100 is */
	static const struct {
		int64_t last_sync;		/* -1: no sync point yet */
		bool cycle;			/* a cycle runs */
		enum ifrep_pair_state state;
		enum ifrep_cut_progress want;
		const char *what;
	} cases[] = {
		{ 90, true, IFREP_PS_CONSISTENT, CUT_PENDING,
		  "the cycle of the cut at 100 runs; the last sync point is older" },
		{ -1, true, IFREP_PS_CONSISTENT, CUT_PENDING, "no sync point at all yet" },
		{ 100, true, IFREP_PS_CONSISTENT, CUT_PENDING,
		  "an earlier cycle of the same second committed; ours runs" },
		{ 100, false, IFREP_PS_CONSISTENT, CUT_COMMITTED, "ours committed" },
		{ 105, true, IFREP_PS_CONSISTENT, CUT_COMMITTED,
		  "a later cut committed (and the next cycle runs): ours is in it" },
		{ 90, false, IFREP_PS_RETRYING, CUT_PENDING,
		  "the link broke: the chunks go with a later cycle" },
		{ 90, false, IFREP_PS_FAILED, CUT_FAILED, "the cycle failed" },
		{ 100, false, IFREP_PS_FAILED, CUT_COMMITTED,
		  "failing after the commit does not undo it" },
	};
	struct ifrep_status_pair p;
	enum ifrep_cut_progress got;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(&p, 0, sizeof(p));
		p.mode = IFREP_MODE_ASYNC;
		p.state = cases[i].state;
		p.has_last_sync = cases[i].last_sync >= 0;
		p.last_sync = cases[i].last_sync >= 0 ? cases[i].last_sync : 0;
		p.has_cycle = cases[i].cycle;
		got = ifrep_cut_progress(&p, 100);
		if (got != cases[i].want) {
			unit_fail(__FILE__, __LINE__, "%s: progress %d, expected %d",
				  cases[i].what, got, cases[i].want);
			return;
		}
	}
}

/* Which journal the sync-point commands address: a secondary's, or a local async pair's. */
TEST(sync_point_pair)
{
	static const char *const secondary =
		"secondary rw 2048 32 0000000000000001 3 192.0.2.2:7788 listening consistent 0";
	const struct ifrep_status_pair *p = (const void *)1;
	struct ifrep_status st;
	char why[256] = "";

	/* a secondary: its own journal, and no pair */
	CHECK_EQ(parse(secondary, &st), 0);
	CHECK_EQ(ifrep_sync_point_pair(&st, "v1", NULL, &p, why, sizeof(why)), 0);
	CHECK(p == NULL);
	CHECK_EQ(ifrep_sync_point_pair(&st, "v1", "loc", &p, why, sizeof(why)), -EINVAL);
	CHECK_CONTAINS(why, "v1 is a secondary");

	/* a primary with a local async pair, a remote one and a sync one */
	CHECK_EQ(parse(VOL "3 loc async /dev/vdd paused 2 100 0 1795603200 42 - - 0 0 "
		       "dr async 192.0.2.7:7789 consistent 3 100 0 1795603200 42 - - 0 0 "
		       "mir sync /dev/vde in-sync 0 0 0 - - - - - -", &st), 0);
	CHECK_EQ(ifrep_sync_point_pair(&st, "v0", "loc", &p, why, sizeof(why)), 0);
	CHECK(p && !strcmp(p->name, "loc"));
	p = NULL;
	CHECK_EQ(ifrep_sync_point_pair(&st, "v0", NULL, &p, why, sizeof(why)), 0);
	CHECK(p && !strcmp(p->name, "loc"));
	CHECK_EQ(ifrep_sync_point_pair(&st, "v0", "nope", &p, why, sizeof(why)), -EINVAL);
	CHECK_CONTAINS(why, "v0 has no pair named nope");
	CHECK_EQ(ifrep_sync_point_pair(&st, "v0", "mir", &p, why, sizeof(why)), -EINVAL);
	CHECK_CONTAINS(why, "is a sync pair");
	CHECK_EQ(ifrep_sync_point_pair(&st, "v0", "dr", &p, why, sizeof(why)), -EINVAL);
	CHECK_CONTAINS(why, "kept on that secondary");

	/* without a local async pair, or with two, PAIR cannot be left out */
	CHECK_EQ(parse(VOL "1 dr async 192.0.2.7:7789 consistent 3 100 0 1795603200 42 - - 0 0",
		       &st), 0);
	CHECK_EQ(ifrep_sync_point_pair(&st, "v0", NULL, &p, why, sizeof(why)), -EINVAL);
	CHECK_CONTAINS(why, "v0 is a primary: sync points are kept on its secondary");
	CHECK_EQ(parse(VOL "2 a async /dev/vdd consistent 0 0 0 - - - - 0 0 "
		       "b async /dev/vde consistent 0 0 0 - - - - 0 0", &st), 0);
	CHECK_EQ(ifrep_sync_point_pair(&st, "v0", NULL, &p, why, sizeof(why)), -EINVAL);
	CHECK_CONTAINS(why, "2 async pairs to local targets");
	CHECK_EQ(ifrep_sync_point_pair(&st, "v0", "b", &p, why, sizeof(why)), 0);
	CHECK(p && !strcmp(p->name, "b"));
}
