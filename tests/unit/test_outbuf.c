// SPDX-License-Identifier: GPL-2.0
/* Unit tests of tools/ifrepctl/outbuf.c: text appended to a fixed buffer. */
#include "unit.h"
#include "outbuf.h"

#include <errno.h>

TEST(appends)
{
	struct outbuf o;
	char buf[32];

	outbuf_init(&o, buf, sizeof(buf));
	CHECK_STR(buf, "");
	outbuf_printf(&o, "%s%s", o.pos ? ", " : "", "a");
	outbuf_printf(&o, "%s%s=%d", o.pos ? ", " : "", "b", 2);
	CHECK_STR(buf, "a, b=2");
	CHECK_EQ(o.pos, 6);
	CHECK(!o.overflow);
	CHECK_EQ(outbuf_whole(&o), 0);
	CHECK_STR(buf, "a, b=2");
}

/* cut as snprintf() cuts, then nothing more: an error line shows what fits */
TEST(overflow_cuts_and_stops)
{
	struct outbuf o;
	char buf[8];

	outbuf_init(&o, buf, sizeof(buf));
	outbuf_printf(&o, "abc");
	outbuf_printf(&o, "defghij");
	CHECK(o.overflow);
	CHECK_STR(buf, "abcdefg");
	outbuf_printf(&o, "x");
	CHECK_STR(buf, "abcdefg");
	/* a line for the kernel is whole or nothing */
	CHECK_EQ(outbuf_whole(&o), -ENAMETOOLONG);
	CHECK_STR(buf, "");
}

TEST(exactly_full_and_empty)
{
	struct outbuf o;
	char buf[4] = "zzz";

	outbuf_init(&o, buf, sizeof(buf));
	outbuf_printf(&o, "abc");
	CHECK(!o.overflow);
	CHECK_STR(buf, "abc");
	outbuf_init(&o, buf, 0);		/* no room even for the terminator */
	CHECK(o.overflow);
	CHECK_STR(buf, "abc");			/* untouched */
	CHECK_EQ(outbuf_whole(&o), -ENAMETOOLONG);
}
