// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of tools/ifrepctl/resize.c: --size of ifrepctl resize, the
 * growth the bitmap areas allow, and the checks before the resize message.
 */
#include "unit.h"
#include "resize.h"

#include <errno.h>
#include <stdint.h>

#include "ifrep_meta.h"

#define MiB_SECTORS (2048ULL)

TEST(resize_parse_size)
{
	uint64_t s = 0;
	const char *why = "";

	CHECK_EQ(ifrep_resize_parse_size("96M", &s, &why), 0);
	CHECK_EQ(s, 96 * MiB_SECTORS);
	CHECK_EQ(ifrep_resize_parse_size("512", &s, &why), 0);
	CHECK_EQ(s, 1);
	CHECK_EQ(ifrep_resize_parse_size("1GiB", &s, &why), 0);
	CHECK_EQ(s, 1024 * MiB_SECTORS);
	CHECK_EQ(ifrep_resize_parse_size("1000", &s, &why), -EINVAL);
	CHECK_CONTAINS(why, "multiple of 512");
	CHECK_EQ(ifrep_resize_parse_size("0", &s, &why), -EINVAL);
	CHECK_EQ(ifrep_resize_parse_size("big", &s, &why), -EINVAL);
	CHECK_EQ(ifrep_resize_parse_size("1MB", &s, &why), -EINVAL);
	CHECK_CONTAINS(why, "ambiguous");
	/* 8E is 2^63 bytes, 2^54 sectors: fine; 16E overflows the parser */
	CHECK_EQ(ifrep_resize_parse_size("8E", &s, &why), 0);
	CHECK_EQ(ifrep_resize_parse_size("16E", &s, &why), -EINVAL);
}

TEST(resize_max_sectors)
{
	/* one block per area: 32512 chunks; at 8 MiB chunks 254 GiB */
	CHECK_EQ(IFREP_BITS_PER_BITMAP_BLOCK, 32512);
	CHECK_EQ(ifrep_resize_max_sectors(1, 16384), 32512ULL * 16384);
	CHECK_EQ(ifrep_resize_max_sectors(1, 16384) >> 21, 254);
	CHECK_EQ(ifrep_resize_max_sectors(3, 2048), 3ULL * 32512 * 2048);
	/* never past the most chunks a volume may have, a damaged field included */
	CHECK_EQ(ifrep_resize_max_sectors(UINT64_MAX, 128), IFREP_MAX_CHUNKS * 128);
	CHECK_EQ(ifrep_resize_max_sectors(IFREP_MAX_CHUNKS / 32512 + 1, 128),
		 IFREP_MAX_CHUNKS * 128);
	CHECK_EQ(ifrep_resize_max_sectors(IFREP_MAX_CHUNKS / 32512, 128),
		 (IFREP_MAX_CHUNKS / 32512) * 32512 * 128);
}

TEST(resize_plan)
{
	struct ifrep_resize_plan p;
	char why[256] = "";
	uint64_t max = ifrep_resize_max_sectors(1, MiB_SECTORS);

	/* 64 MiB to 96 MiB with 1 MiB chunks: 32 new chunks */
	CHECK_EQ(ifrep_resize_plan(64 * MiB_SECTORS, 96 * MiB_SECTORS, MiB_SECTORS, max, &p,
				   why, sizeof(why)), RESIZE_GROW);
	CHECK_EQ(p.old_chunks, 64);
	CHECK_EQ(p.new_chunks, 96);
	CHECK_EQ(p.marked_chunks, 32);
	CHECK_EQ(p.old_sectors, 64 * MiB_SECTORS);
	CHECK_EQ(p.new_sectors, 96 * MiB_SECTORS);
	/* a partial last chunk counts as one */
	CHECK_EQ(ifrep_resize_plan(64 * MiB_SECTORS, 64 * MiB_SECTORS + 1, MiB_SECTORS, max, &p,
				   why, sizeof(why)), RESIZE_GROW);
	CHECK_EQ(p.new_chunks, 65);
	CHECK_EQ(p.marked_chunks, 1);
	/* the old last chunk was partial: it is marked again with the new ones */
	CHECK_EQ(ifrep_resize_plan(60 * MiB_SECTORS, 64 * MiB_SECTORS, 8 * MiB_SECTORS, max, &p,
				   why, sizeof(why)), RESIZE_GROW);
	CHECK_EQ(p.old_chunks, 8);
	CHECK_EQ(p.new_chunks, 8);
	CHECK_EQ(p.marked_chunks, 1);
	/* the same size: nothing to do */
	CHECK_EQ(ifrep_resize_plan(96 * MiB_SECTORS, 96 * MiB_SECTORS, MiB_SECTORS, max, &p,
				   why, sizeof(why)), RESIZE_SAME);
	/* smaller: refused, with both sizes named */
	CHECK_EQ(ifrep_resize_plan(64 * MiB_SECTORS, 32 * MiB_SECTORS, MiB_SECTORS, max, &p,
				   why, sizeof(why)), -EINVAL);
	CHECK_CONTAINS(why, "shrinking is not supported");
	CHECK_CONTAINS(why, "32MiB");
	CHECK_CONTAINS(why, "64MiB");
	/* exactly what the areas hold, and one sector more */
	CHECK_EQ(ifrep_resize_plan(64 * MiB_SECTORS, max, MiB_SECTORS, max, &p,
				   why, sizeof(why)), RESIZE_GROW);
	CHECK_EQ(ifrep_resize_plan(64 * MiB_SECTORS, max + 1, MiB_SECTORS, max, &p,
				   why, sizeof(why)), -EFBIG);
	CHECK_CONTAINS(why, "at most 32512MiB with 1MiB chunks");
	/* unknown capacity (metadata unreadable): the kernel checks */
	CHECK_EQ(ifrep_resize_plan(64 * MiB_SECTORS, max + 1, MiB_SECTORS, 0, &p,
				   why, sizeof(why)), RESIZE_GROW);
}

TEST(resize_message)
{
	char buf[32];

	CHECK_EQ(ifrep_msg_resize(196608, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "resize 196608");
	CHECK_EQ(ifrep_msg_resize(UINT64_MAX, buf, 8), -ENAMETOOLONG);
}
