// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of tools/ifrepctl/msg.c: the pair_add message, and the text
 * replies of sync and sync_points.
 */
#include "unit.h"
#include "msg.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>

static struct ifrep_sync_cut cuts[4];
static struct ifrep_sync_point pts[IFREP_MAX_SYNC_POINT_LINES];
static unsigned int n;
static char why[256];

static int cut_reply(const char *text)
{
	n = 99;
	why[0] = '\0';
	return ifrep_parse_sync_reply(text, cuts, 4, &n, why, sizeof(why));
}

static int points_reply(const char *text)
{
	n = 99;
	why[0] = '\0';
	return ifrep_parse_sync_points(text, pts, IFREP_MAX_SYNC_POINT_LINES, &n, why, sizeof(why));
}

/* A reply that must be refused, and what its reason must contain. */
struct refusal {
	const char *text;
	const char *why;
};

/*
 * Each of the @nr replies is refused by @parse (-EINVAL) with its reason;
 * @count, where the parser fills one, says that nothing was kept.
 */
static void check_refusals(int (*parse)(const char *text), const unsigned int *count,
			   const struct refusal *c, size_t nr)
{
	size_t i;
	int r;

	for (i = 0; i < nr; i++) {
		r = parse(c[i].text);
		if (r != -EINVAL || !strstr(why, c[i].why) || (count && *count)) {
			/* (by number: a reply has newlines, a result is one line) */
			unit_fail(__FILE__, __LINE__,
				  "reply %zu: %d \"%s\" (%u kept), expected -EINVAL \"...%s...\"",
				  i + 1, r, why, count ? *count : 0, c[i].why);
			return;
		}
	}
}

TEST(sync_reply)
{
	CHECK_EQ(cut_reply("dr 1795627205\n"), 0);
	CHECK_EQ(n, 1);
	CHECK_STR(cuts[0].pair, "dr");
	CHECK_EQ(cuts[0].cut, 1795627205);
	CHECK_EQ(cut_reply("dr 1795627205\ndr2 1795627206\n"), 0);
	CHECK_EQ(n, 2);
	CHECK_STR(cuts[1].pair, "dr2");
	CHECK_EQ(cuts[1].cut, 1795627206);
	/* no final newline, blank lines */
	CHECK_EQ(cut_reply("\ndr 1\n\n"), 0);
	CHECK_EQ(n, 1);
	CHECK_EQ(cut_reply("a.b-c_9 0"), 0);
	CHECK_STR(cuts[0].pair, "a.b-c_9");
}

TEST(sync_reply_empty)
{
	/* every async pair was busy or broken: nothing was cut */
	CHECK_EQ(cut_reply(""), 0);
	CHECK_EQ(n, 0);
	CHECK_EQ(cut_reply(NULL), 0);
	CHECK_EQ(n, 0);
	CHECK_EQ(cut_reply("\n"), 0);
	CHECK_EQ(n, 0);
}

TEST(sync_reply_garbage)
{
	static const struct refusal garbage[] = {
		{ "dr\n", "line 1 has 1 fields, not 2" },
		{ "dr 1 2\n", "more than 2" },
		{ "dr 1\ndr2 soon\n", "line 2: cut time 'soon'" },
		{ "dr -1\n", "" },
		{ "dr 9223372036854775808\n", "out of range" },
		{ "d/r 1\n", "pair name" },
		{ "dr 1\ndr 2\n", "cut twice" },
		{ "a 1\nb 1\nc 1\nd 1\ne 1\n", "more than 4" },
	};

	check_refusals(cut_reply, &n, garbage, ARRAY_SIZE(garbage));
}

TEST(sync_points)
{
	CHECK_EQ(points_reply("7 1795627205 0\n6 1795627100 8388608\n5 1795627000 25165824\n"), 0);
	CHECK_EQ(n, 3);
	CHECK_EQ(pts[0].id, 7);
	CHECK_EQ(pts[0].time, 1795627205);
	CHECK_EQ(pts[0].rollback_bytes, 0);
	CHECK(pts[0].current);
	CHECK_EQ(pts[1].id, 6);
	CHECK_EQ(pts[1].rollback_bytes, 8388608);
	CHECK(!pts[1].current);
	CHECK_EQ(pts[2].time, 1795627000);
	CHECK_EQ(pts[2].rollback_bytes, 25165824);
	CHECK(!pts[2].current);
	/* only the current image: the image of the initial copy has no cut time */
	CHECK_EQ(points_reply("0 0 0\n"), 0);
	CHECK_EQ(n, 1);
	CHECK_EQ(pts[0].id, 0);
	CHECK_EQ(pts[0].time, 0);
	CHECK(pts[0].current);
	/* an empty cycle rolls back nothing */
	CHECK_EQ(points_reply("3 200 0\n2 100 0"), 0);
	CHECK_EQ(n, 2);
}

TEST(sync_points_full_journal)
{
	char text[IFREP_MAX_SYNC_POINT_LINES * 48 + 48];
	size_t pos = 0;
	unsigned int i;

	for (i = 0; i < 49; i++)
		pos += (size_t)snprintf(text + pos, sizeof(text) - pos, "%u %u %u\n",
					100 - i, 5000 - i, i * 4096);
	CHECK_EQ(points_reply(text), 0);
	CHECK_EQ(n, 49);
	CHECK_EQ(pts[48].id, 52);
	CHECK_EQ(pts[48].rollback_bytes, 48 * 4096);
	for (i = 49; i <= IFREP_MAX_SYNC_POINT_LINES; i++)
		pos += (size_t)snprintf(text + pos, sizeof(text) - pos, "%u 1 %u\n", i, i);
	CHECK_EQ(points_reply(text), -EINVAL);
	CHECK_CONTAINS(why, "more than 64 sync points");
}

TEST(sync_points_garbage)
{
	static const struct refusal garbage[] = {
		{ "", "empty" },
		{ "7 1795627205 4096\n", "current image" },
		{ "7 1795627205\n", "line 1 has 2 fields, not 3" },
		{ "7 1795627205 0\n6 x 1\n", "line 2: cut time 'x'" },
		{ "7 1795627205 0\n-6 1 1\n", "line 2: id" },
		{ "7 1795627205 0\n6 1 1 1\n", "" },
		{ "7 1795627205 0\n6 1 1MiB\n", "bytes" },
	};

	check_refusals(points_reply, &n, garbage, ARRAY_SIZE(garbage));
}

TEST(sync_point_map)
{
	uint64_t slot[8];
	char why2[160];

	CHECK_EQ(ifrep_parse_sync_point_map("", 8, slot, why2, sizeof(why2)), 0);
	CHECK_EQ(slot[0], IFREP_NO_SLOT);
	CHECK_EQ(slot[7], IFREP_NO_SLOT);
	CHECK_EQ(ifrep_parse_sync_point_map("3 16400\n0 32784\n", 8, slot, why2, sizeof(why2)), 0);
	CHECK_EQ(slot[3], 16400);
	CHECK_EQ(slot[0], 32784);
	CHECK_EQ(slot[1], IFREP_NO_SLOT);
	CHECK_EQ(ifrep_parse_sync_point_map("8 16400\n", 8, slot, why2, sizeof(why2)), -EINVAL);
	CHECK_CONTAINS(why2, "outside the volume");
	CHECK_EQ(ifrep_parse_sync_point_map("1 1\n1 2\n", 8, slot, why2, sizeof(why2)), -EINVAL);
	CHECK_CONTAINS(why2, "twice");
	CHECK_EQ(ifrep_parse_sync_point_map("1\n", 8, slot, why2, sizeof(why2)), -EINVAL);
	CHECK_EQ(ifrep_parse_sync_point_map("1 x\n", 8, slot, why2, sizeof(why2)), -EINVAL);
	CHECK_CONTAINS(why2, "sector");
}

static struct ifrep_verify_status vs;

static int verify_reply(const char *text)
{
	why[0] = '\0';
	return ifrep_parse_verify_status(text, &vs, why, sizeof(why));
}

TEST(verify_status)
{
	CHECK_EQ(verify_reply("running 12 64 1 1795627205 -"), 0);
	CHECK_EQ(vs.state, IFREP_VERIFY_RUNNING);
	CHECK_EQ(vs.checked, 12);
	CHECK_EQ(vs.total, 64);
	CHECK_EQ(vs.differing, 1);
	CHECK_EQ(vs.started, 1795627205);
	CHECK_STR(vs.reason, "");
	CHECK_EQ(verify_reply("idle 0 64 0 0 -\n"), 0);
	CHECK_EQ(vs.state, IFREP_VERIFY_IDLE);
	CHECK_EQ(verify_reply("done 64 64 3 5 -"), 0);
	CHECK_EQ(vs.state, IFREP_VERIFY_DONE);
	CHECK_EQ(verify_reply("stopped 7 64 0 5 link_lost"), 0);
	CHECK_EQ(vs.state, IFREP_VERIFY_STOPPED);
	CHECK_STR(vs.reason, "link_lost");
}

TEST(verify_status_garbage)
{
	static const struct refusal garbage[] = {
		{ "", "empty" },
		{ "running 1 2 0 5", "fields, not 6" },
		{ "walking 1 2 0 5 -", "unknown verify state" },
		{ "running 3 2 0 5 -", "do not add up" },
		{ "done 2 2 3 5 -", "" },
		{ "stopped 1 2 0 5 -", "without a reason" },
		{ "done 2 2 0 5 oops", "with a reason" },
		{ "done 2 2 0 -5 -", "" },
		{ "done 2 2 0 5 -\ndone 2 2 0 5 -", "more than one line" },
	};

	check_refusals(verify_reply, NULL, garbage, ARRAY_SIZE(garbage));
}

/* pair_add: keys only when given; resync= (target 1.5) for sync pairs. */
TEST(pair_add_message)
{
	struct ifrep_pair_opts o = {
		.name = "dr", .mode = IFREP_MODE_SYNC, .peer = "192.0.2.7:7789", .remote = true,
		.secret_file = "/etc/ifrep/dr.key",
	};
	char msg[256];

	CHECK_EQ(ifrep_msg_pair_add(&o, msg, sizeof(msg)), 0);
	CHECK_STR(msg, "pair_add dr sync 192.0.2.7:7789 secret_file=/etc/ifrep/dr.key");
	o.resync = IFREP_PAIR_RESYNC_CHECKSUM;
	CHECK_EQ(ifrep_msg_pair_add(&o, msg, sizeof(msg)), 0);
	CHECK_STR(msg, "pair_add dr sync 192.0.2.7:7789 resync=checksum "
		  "secret_file=/etc/ifrep/dr.key");
	o.resync = IFREP_PAIR_RESYNC_FULL;
	o.has_rate = true;
	o.rate = 52428800;
	CHECK_EQ(ifrep_msg_pair_add(&o, msg, sizeof(msg)), 0);
	CHECK_STR(msg, "pair_add dr sync 192.0.2.7:7789 rate=52428800 resync=full "
		  "secret_file=/etc/ifrep/dr.key");
	o.resync = 7;
	CHECK_EQ(ifrep_msg_pair_add(&o, msg, sizeof(msg)), -EINVAL);
	/* an async pair with its granule, nothing about resync */
	memset(&o, 0, sizeof(o));
	o.name = "far";
	o.mode = IFREP_MODE_ASYNC;
	o.peer = "/dev/vdd";
	o.journal = "/dev/vde";
	o.has_granule = true;
	o.granule_sectors = 256;
	CHECK_EQ(ifrep_msg_pair_add(&o, msg, sizeof(msg)), 0);
	CHECK_STR(msg, "pair_add far async /dev/vdd granule_sectors=256 journal=/dev/vde");
	CHECK_EQ(ifrep_msg_pair_add(&o, msg, 20), -ENAMETOOLONG);
}

TEST(resync_words)
{
	CHECK_EQ(ifrep_resync_parse("checksum"), IFREP_PAIR_RESYNC_CHECKSUM);
	CHECK_EQ(ifrep_resync_parse("full"), IFREP_PAIR_RESYNC_FULL);
	CHECK_EQ(ifrep_resync_parse("Checksum"), -1);
	CHECK_EQ(ifrep_resync_parse(""), -1);
	CHECK_STR(ifrep_resync_name(IFREP_PAIR_RESYNC_CHECKSUM), "checksum");
	CHECK_STR(ifrep_resync_name(IFREP_PAIR_RESYNC_FULL), "full");
	CHECK(ifrep_resync_name(IFREP_PAIR_RESYNC_DEFAULT) == NULL);
}
