// SPDX-License-Identifier: GPL-2.0
/* Unit tests of tools/ifrepctl/table.c and msg.c: what goes to the kernel. */
#include "unit.h"
#include "msg.h"
#include "table.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>

/* Constructor arguments, and the params ifrep_table_params() makes of them. */
static const struct {
	const char *what;
	struct ifrep_table_args a;
	const char *params;
} tables[] = {
	{ "create: formatted by the kernel",
	  { .meta_dev = "/dev/vdc", .data_dev = "/dev/vdb", .role = "primary",
	    .chunk_sectors = 16384 },
	  "/dev/vdc /dev/vdb 4 role primary chunk_sectors 16384" },
	{ "activate: the metadata says the rest",
	  { .meta_dev = "/dev/vdc", .data_dev = "/dev/vdb" },
	  "/dev/vdc /dev/vdb 0" },
	{ "activate a listening secondary",
	  { .meta_dev = "/dev/vdc", .data_dev = "/dev/vdb", .listen = "[2001:db8::1]:7789" },
	  "/dev/vdc /dev/vdb 2 listen [2001:db8::1]:7789" },
	{ "create --force",
	  { .meta_dev = "/dev/vdc", .data_dev = "/dev/vdb", .format = true,
	    .role = "secondary", .chunk_sectors = 128, .listen = "[2001:db8::1]:7789" },
	  "/dev/vdc /dev/vdb 7 format role secondary chunk_sectors 128 "
	  "listen [2001:db8::1]:7789" },
	{ "a journal",
	  { .meta_dev = "/dev/vdc", .data_dev = "/dev/vdb", .journal = "/dev/vdd" },
	  "/dev/vdc /dev/vdb 2 journal /dev/vdd" },
	{ "a journal and listen",
	  { .meta_dev = "/dev/vdc", .data_dev = "/dev/vdb", .journal = "/dev/vdd",
	    .listen = "169.254.77.2:7788" },
	  "/dev/vdc /dev/vdb 4 listen 169.254.77.2:7788 journal /dev/vdd" },
	{ "every optional argument at once: the kernel's limit of 10",
	  { .meta_dev = "/dev/vdc", .data_dev = "/dev/vdb", .journal = "/dev/vdd",
	    .listen = "169.254.77.2:7788", .format = true, .role = "secondary",
	    .chunk_sectors = 16384, .insecure = true },
	  "/dev/vdc /dev/vdb 10 format role secondary chunk_sectors 16384 "
	  "listen 169.254.77.2:7788 insecure journal /dev/vdd" },
	{ "create --hot-chunks (target 1.5)",
	  { .meta_dev = "/dev/vdc", .data_dev = "/dev/vdb", .role = "primary",
	    .chunk_sectors = 16384, .home_host = "h1", .hot_chunks = 64 },
	  "/dev/vdc /dev/vdb 8 role primary chunk_sectors 16384 home_host h1 "
	  "hot_chunks 64" },
};

TEST(table_params)
{
	char buf[256];
	size_t i;
	int r;

	for (i = 0; i < ARRAY_SIZE(tables); i++) {
		r = ifrep_table_params(&tables[i].a, buf, sizeof(buf));
		if (r || strcmp(buf, tables[i].params)) {
			unit_fail(__FILE__, __LINE__, "%s: %d \"%s\", expected \"%s\"",
				  tables[i].what, r, buf, tables[i].params);
			return;
		}
	}
}

TEST(table_line)
{
	char line[300];

	CHECK_EQ(ifrep_table_line(2097152, "/dev/vdc /dev/vdb 4 role primary chunk_sectors 16384",
				  line, sizeof(line)), 0);
	CHECK_STR(line, "0 2097152 ifrep /dev/vdc /dev/vdb 4 role primary chunk_sectors 16384");
}

TEST(table_refusals)
{
	struct ifrep_table_args a = { .meta_dev = "/dev/my disk", .data_dev = "/dev/vdb" };
	char buf[256], small[12];

	CHECK_EQ(ifrep_table_params(&a, buf, sizeof(buf)), -EINVAL);
	a.meta_dev = "";
	CHECK_EQ(ifrep_table_params(&a, buf, sizeof(buf)), -EINVAL);
	a.meta_dev = "/dev/vdc";
	a.data_dev = NULL;
	CHECK_EQ(ifrep_table_params(&a, buf, sizeof(buf)), -EINVAL);
	a.data_dev = "/dev/vdb";
	a.journal = "/dev/my journal";
	CHECK_EQ(ifrep_table_params(&a, buf, sizeof(buf)), -EINVAL);
	a.journal = "";
	CHECK_EQ(ifrep_table_params(&a, buf, sizeof(buf)), -EINVAL);
	a.journal = NULL;
	CHECK_EQ(ifrep_table_params(&a, small, sizeof(small)), -ENAMETOOLONG);
	CHECK_STR(small, "");
	CHECK_EQ(ifrep_table_line(1, "x", small, 5), -ENAMETOOLONG);
}

TEST(table_parse)
{
	struct ifrep_table t;
	char why[128];

	CHECK_EQ(ifrep_table_parse("253:2 253:1 0", &t, why, sizeof(why)), 0);
	CHECK_STR(t.meta_dev, "253:2");
	CHECK_STR(t.data_dev, "253:1");
	CHECK_STR(t.listen, "");
	CHECK_EQ(ifrep_table_parse("8:32 8:16", &t, why, sizeof(why)), 0);
	CHECK_STR(t.data_dev, "8:16");
	CHECK_EQ(ifrep_table_parse("8:32 8:16 2 listen 10.0.0.1:7789", &t, why, sizeof(why)), 0);
	CHECK_STR(t.listen, "10.0.0.1:7789");
	CHECK_EQ(ifrep_table_parse("8:32 8:16 6 format role secondary chunk_sectors 256 future",
				   &t, why, sizeof(why)), 0);
	CHECK(t.format);
	CHECK_STR(t.role, "secondary");
	CHECK_EQ(t.chunk_sectors, 256);
	CHECK_STR(t.journal, "");
	/* what the kernel reports for a secondary with a journal */
	CHECK_EQ(ifrep_table_parse("253:2 253:1 5 listen 169.254.77.2:7788 insecure journal 253:3",
				   &t, why, sizeof(why)), 0);
	CHECK_STR(t.listen, "169.254.77.2:7788");
	CHECK_STR(t.journal, "253:3");
	CHECK(ifrep_table_parse("8:32 8:16 1 journal", &t, why, sizeof(why)));
	CHECK(ifrep_table_parse("", &t, why, sizeof(why)));
	CHECK(ifrep_table_parse("8:32", &t, why, sizeof(why)));
	CHECK(ifrep_table_parse("8:32 8:16 3 listen x", &t, why, sizeof(why)));
	CHECK(ifrep_table_parse("8:32 8:16 1 listen", &t, why, sizeof(why)));
	CHECK(ifrep_table_parse("8:32 8:16 2 chunk_sectors big", &t, why, sizeof(why)));
}

TEST(msg_pair_add_minimal)
{
	struct ifrep_pair_opts o = { .name = "backup", .mode = IFREP_MODE_SYNC, .peer = "/dev/vdd" };
	char buf[256];

	CHECK_EQ(ifrep_msg_pair_add(&o, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "pair_add backup sync /dev/vdd");
}

TEST(msg_pair_add_all_keys)
{
	struct ifrep_pair_opts o = {
		.name = "dr", .mode = IFREP_MODE_ASYNC, .peer = "192.0.2.7:7789", .remote = true,
		.has_timeout = true, .timeout_s = 45,
		.has_rate = true, .rate = 52428800,
		.has_interval = true, .interval_s = 0,
		.has_sync_points = true, .sync_points = 4,
		.secret_file = "/etc/ifrep/dr.key",
	};
	char buf[256];

	CHECK_EQ(ifrep_msg_pair_add(&o, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "pair_add dr async 192.0.2.7:7789 timeout=45 rate=52428800 "
		  "interval=0 sync_points=4 secret_file=/etc/ifrep/dr.key");
	o.secret_file = NULL;
	o.insecure = true;
	o.has_rate = o.has_interval = o.has_sync_points = false;
	o.mode = IFREP_MODE_COPY;
	CHECK_EQ(ifrep_msg_pair_add(&o, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "pair_add dr copy 192.0.2.7:7789 timeout=45 insecure");
}

TEST(msg_refusals)
{
	struct ifrep_pair_opts o = { .name = "a b", .mode = IFREP_MODE_SYNC, .peer = "/dev/vdd" };
	char buf[64], small[16];

	CHECK_EQ(ifrep_msg_pair_add(&o, buf, sizeof(buf)), -EINVAL);
	o.name = "ok";
	o.secret_file = "/etc/my key";
	CHECK_EQ(ifrep_msg_pair_add(&o, buf, sizeof(buf)), -EINVAL);
	o.secret_file = NULL;
	CHECK_EQ(ifrep_msg_pair_add(&o, small, sizeof(small)), -ENAMETOOLONG);
	CHECK_EQ(ifrep_msg_simple("pause", "", buf, sizeof(buf)), -EINVAL);
}

/* pair_set (target 1.7): only the settings given, "key value" words, in a fixed order. */
TEST(msg_pair_set)
{
	struct ifrep_pair_opts o = { .name = "dr", .has_rate = true, .rate = 2097152 };
	char buf[256], small[20];

	CHECK_EQ(ifrep_msg_pair_set(&o, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "pair_set dr rate=2097152");
	o.has_sync_points = true;
	o.sync_points = 4;
	o.has_interval = true;
	o.interval_s = 0;
	o.has_timeout = true;
	o.timeout_s = 120;
	CHECK_EQ(ifrep_msg_pair_set(&o, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "pair_set dr timeout=120 rate=2097152 interval=0 sync_points=4");
	o.has_rate = o.has_timeout = o.has_interval = o.has_sync_points = false;
	o.resync = IFREP_PAIR_RESYNC_FULL;
	CHECK_EQ(ifrep_msg_pair_set(&o, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "pair_set dr resync=full");
	o.resync = IFREP_PAIR_RESYNC_CHECKSUM;
	CHECK_EQ(ifrep_msg_pair_set(&o, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "pair_set dr resync=checksum");
	/* the mode, peer and other pair_add keys are never part of it */
	o.mode = IFREP_MODE_ASYNC;
	o.peer = "192.0.2.7:7789";
	o.secret_file = "/etc/ifrep/dr.key";
	o.insecure = true;
	CHECK_EQ(ifrep_msg_pair_set(&o, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "pair_set dr resync=checksum");
	/* refusals: nothing to set, an unknown resync value, a bad name, too small */
	o.resync = IFREP_PAIR_RESYNC_DEFAULT;
	CHECK_EQ(ifrep_msg_pair_set(&o, buf, sizeof(buf)), -EINVAL);
	o.resync = 7;
	CHECK_EQ(ifrep_msg_pair_set(&o, buf, sizeof(buf)), -EINVAL);
	o.resync = IFREP_PAIR_RESYNC_FULL;
	o.name = "d r";
	CHECK_EQ(ifrep_msg_pair_set(&o, buf, sizeof(buf)), -EINVAL);
	o.name = NULL;
	CHECK_EQ(ifrep_msg_pair_set(&o, buf, sizeof(buf)), -EINVAL);
	o.name = "dr";
	CHECK_EQ(ifrep_msg_pair_set(&o, small, sizeof(small)), -ENAMETOOLONG);
}

TEST(msg_simple_and_secret)
{
	const uint8_t key[] = { 's', 'e', 'c', 0x00, 0xff };
	char buf[128];

	CHECK_EQ(ifrep_msg_simple("pause", "backup", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "pause backup");
	CHECK_EQ(ifrep_msg_simple("pair_remove", "dr", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "pair_remove dr");
	CHECK_EQ(ifrep_msg_secret(NULL, key, sizeof(key), NULL, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "secret - 73656300ff");
	CHECK_EQ(ifrep_msg_secret("dr", key, sizeof(key), NULL, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "secret dr 73656300ff");
	CHECK_EQ(ifrep_msg_secret("dr", key, 0, NULL, buf, sizeof(buf)), -EINVAL);
	CHECK_EQ(ifrep_msg_secret("dr", key, sizeof(key), NULL, buf, 19), -ENAMETOOLONG);
	CHECK_EQ(ifrep_msg_secret("dr", key, sizeof(key), "/etc/ifrep/dr.key", buf,
				  sizeof(buf)), 0);
	CHECK_STR(buf, "secret dr 73656300ff /etc/ifrep/dr.key");
	CHECK_EQ(ifrep_msg_secret("dr", key, sizeof(key), "relative.key", buf,
				  sizeof(buf)), -EINVAL);
}
