// SPDX-License-Identifier: GPL-2.0
/* Unit tests of tools/ifrepctl/events.c: the lines of `ifrepctl events`. */
#include "unit.h"
#include "events.h"

#include <stdio.h>
#include <stdlib.h>

#define PRIMARY "primary rw 16384 128 0000000000000001 3 - - - "
#define SECONDARY "secondary rw 16384 128 0000000000000001 3 10.0.0.2:7788 "
#define DR_IN_SYNC "dr sync /dev/vdd in-sync 0 0 0 - - - - - - 0 -"
#define DR_DOWN "dr sync /dev/vdd disconnected 3 0 0 - - link_down - - - 0 -"
#define AR(state, last, verify) \
	"ar async 10.0.0.2:7788 " state " 0 0 0 " last " 5 - - 0 0 - " verify

static struct ifrep_events_volume vols[2][4];
static struct ifrep_events_view views[2];

/* Sets view @which to the volumes @names with status lines @lines. */
static bool set_view(int which, unsigned int n, const char *const *names,
		     const char *const *lines)
{
	char why[256];
	unsigned int i;

	views[which].vols = vols[which];
	views[which].n = n;
	for (i = 0; i < n; i++) {
		snprintf(vols[which][i].name, sizeof(vols[which][i].name), "%s", names[i]);
		if (ifrep_status_parse(lines[i], &vols[which][i].st, why, sizeof(why))) {
			fprintf(stderr, "bad status line in the test: %s: %s\n", lines[i], why);
			return false;
		}
	}
	return true;
}

static char *text;
static size_t text_len;

static unsigned int diff(bool json)
{
	struct ifrep_events_out out = { .json = json, .time = json ? "T" : NULL };
	unsigned int n;

	free(text);
	out.f = open_memstream(&text, &text_len);
	n = ifrep_events_diff(&out, &views[0], &views[1]);
	fclose(out.f);
	return n;
}

TEST(exists_lists_everything_then_the_end_marker)
{
	static const char *const names[] = { "v0", "v1" };
	static const char *const lines[] = { PRIMARY "1 " DR_IN_SYNC,
					     "secondary rw 16384 128 0000000000000001 3 10.0.0.2:7788 listening inconsistent 0" };
	struct ifrep_events_out out = { 0 };

	CHECK(set_view(0, 2, names, lines));
	free(text);
	out.f = open_memstream(&text, &text_len);
	ifrep_events_exists(&out, &views[0]);
	fclose(out.f);
	CHECK_STR(text,
		  "exists volume name:v0 role:primary health:rw\n"
		  "exists pair name:v0 pair:dr mode:sync peer:/dev/vdd state:in-sync\n"
		  "exists volume name:v1 role:secondary health:rw image:inconsistent upstream:listening\n"
		  "exists -\n");
}

TEST(nothing_changed_prints_nothing)
{
	static const char *const names[] = { "v0" };
	static const char *const lines[] = { PRIMARY "1 " DR_IN_SYNC };

	CHECK(set_view(0, 1, names, lines));
	CHECK(set_view(1, 1, names, lines));
	CHECK_EQ(diff(false), 0);
	CHECK_STR(text, "");
}

TEST(pair_state_change_carries_the_reason)
{
	static const char *const names[] = { "v0" };
	static const char *const up[] = { PRIMARY "1 " DR_IN_SYNC };
	static const char *const down[] = { PRIMARY "1 " DR_DOWN };

	CHECK(set_view(0, 1, names, up));
	CHECK(set_view(1, 1, names, down));
	CHECK_EQ(diff(false), 1);
	CHECK_STR(text, "change pair name:v0 pair:dr state:disconnected reason:link_down\n");
	CHECK(set_view(0, 1, names, down));
	CHECK(set_view(1, 1, names, up));
	CHECK_EQ(diff(true), 1);
	CHECK_STR(text, "{\"time\":\"T\",\"kind\":\"change\",\"object\":\"pair\",\"volume\":\"v0\","
		  "\"pair\":\"dr\",\"state\":\"in-sync\",\"reason\":\"-\"}\n");
}

TEST(dirty_counts_alone_are_not_a_change)
{
	static const char *const names[] = { "v0" };
	static const char *const a[] = { PRIMARY "1 dr sync /dev/vdd resyncing 9 0 0 - - - - - - 0 -" };
	static const char *const b[] = { PRIMARY "1 dr sync /dev/vdd resyncing 4 1048576 5000 - - - - - - 0 -" };

	CHECK(set_view(0, 1, names, a));
	CHECK(set_view(1, 1, names, b));
	CHECK_EQ(diff(false), 0);
}

TEST(secondary_attach_promote_and_metadata_failure)
{
	static const char *const names[] = { "v1" };
	static const char *const a[] = { SECONDARY "listening inconsistent 0" };
	static const char *const b[] = { SECONDARY "connected consistent 0" };
	static const char *const c[] = { "primary ro 16384 128 0000000000000002 3 - - - 0" };

	CHECK(set_view(0, 1, names, a));
	CHECK(set_view(1, 1, names, b));
	CHECK_EQ(diff(false), 1);
	CHECK_STR(text, "change volume name:v1 image:consistent upstream:connected\n");
	CHECK(set_view(0, 1, names, b));
	CHECK(set_view(1, 1, names, c));
	CHECK_EQ(diff(false), 1);
	CHECK_STR(text, "change volume name:v1 role:primary health:ro image:- upstream:-\n");
}

TEST(whole_fail_line)
{
	static const char *const names[] = { "v0" };
	static const char *const a[] = { PRIMARY "1 " DR_IN_SYNC };
	static const char *const b[] = { "Fail" };

	CHECK(set_view(0, 1, names, a));
	CHECK(set_view(1, 1, names, b));
	CHECK_EQ(diff(false), 2);
	CHECK_STR(text, "change volume name:v0 health:fail\n"
			"destroy pair name:v0 pair:dr\n");
}

TEST(volumes_and_pairs_created_and_destroyed_in_order)
{
	static const char *const before_names[] = { "a", "c" };
	static const char *const before[] = { PRIMARY "1 " DR_IN_SYNC, PRIMARY "0" };
	static const char *const after_names[] = { "b", "c" };
	static const char *const after[] = { PRIMARY "0", PRIMARY "1 " DR_IN_SYNC };

	CHECK(set_view(0, 2, before_names, before));
	CHECK(set_view(1, 2, after_names, after));
	CHECK_EQ(diff(false), 4);
	CHECK_STR(text,
		  "destroy pair name:a pair:dr\n"
		  "destroy volume name:a\n"
		  "create volume name:b role:primary health:rw\n"
		  "create pair name:c pair:dr mode:sync peer:/dev/vdd state:in-sync\n");
}

TEST(a_pair_added_again_under_its_name_is_another_pair)
{
	static const char *const names[] = { "v0" };
	static const char *const a[] = { PRIMARY "1 " DR_IN_SYNC };
	static const char *const b[] = { PRIMARY "1 dr sync /dev/vde initial-sync 128 0 0 - - - - - - 0 -" };

	CHECK(set_view(0, 1, names, a));
	CHECK(set_view(1, 1, names, b));
	CHECK_EQ(diff(false), 2);
	CHECK_STR(text, "destroy pair name:v0 pair:dr\n"
			"create pair name:v0 pair:dr mode:sync peer:/dev/vde state:initial-sync\n");
}

TEST(sync_point_committed)
{
	static const char *const names[] = { "v0" };
	static const char *const a[] = { PRIMARY "1 " AR("consistent", "1765000000", "-") };
	static const char *const b[] = { PRIMARY "1 " AR("consistent", "1765000060", "-") };

	CHECK(set_view(0, 1, names, a));
	CHECK(set_view(1, 1, names, b));
	CHECK_EQ(diff(false), 1);
	CHECK_STR(text, "sync-point pair name:v0 pair:ar time:2025-12-06T05:47:40Z\n");
	/* The first one, during the initial copy's commit. */
	static const char *const c[] = { PRIMARY "1 " AR("initial-sync", "-", "-") };
	static const char *const d[] = { PRIMARY "1 " AR("consistent", "1765000000", "-") };

	CHECK(set_view(0, 1, names, c));
	CHECK(set_view(1, 1, names, d));
	CHECK_EQ(diff(false), 2);
	CHECK_STR(text, "change pair name:v0 pair:ar state:consistent reason:-\n"
			"sync-point pair name:v0 pair:ar time:2025-12-06T05:46:40Z\n");
}

TEST(verify_started_ended_and_run_again)
{
	static const char *const names[] = { "v0" };
	static const char *const idle[] = { PRIMARY "1 " AR("consistent", "1765000000", "-") };
	static const char *const running[] = { PRIMARY "1 " AR("consistent", "1765000000", "running:3/128:0:1000") };
	static const char *const more[] = { PRIMARY "1 " AR("consistent", "1765000000", "running:90/128:1:1000") };
	static const char *const done[] = { PRIMARY "1 " AR("consistent", "1765000000", "done:128/128:2:0") };
	static const char *const again[] = { PRIMARY "1 " AR("consistent", "1765000000", "done:128/128:0:0") };

	CHECK(set_view(0, 1, names, idle));
	CHECK(set_view(1, 1, names, running));
	CHECK_EQ(diff(false), 1);
	CHECK_STR(text, "verify pair name:v0 pair:ar state:running checked:3 total:128 differing:0\n");
	CHECK(set_view(0, 1, names, running));
	CHECK(set_view(1, 1, names, more));
	CHECK_EQ(diff(false), 0);	/* progress is not an event */
	CHECK(set_view(0, 1, names, more));
	CHECK(set_view(1, 1, names, done));
	CHECK_EQ(diff(true), 1);
	CHECK_STR(text, "{\"time\":\"T\",\"kind\":\"verify\",\"object\":\"pair\",\"volume\":\"v0\","
		  "\"pair\":\"ar\",\"state\":\"done\",\"checked\":128,\"total\":128,\"differing\":2}\n");
	/* A whole run between two readings: only its numbers tell. */
	CHECK(set_view(0, 1, names, done));
	CHECK(set_view(1, 1, names, again));
	CHECK_EQ(diff(false), 1);
	CHECK_STR(text, "verify pair name:v0 pair:ar state:done checked:128 total:128 differing:0\n");
}
