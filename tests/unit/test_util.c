// SPDX-License-Identifier: GPL-2.0
/* Unit tests of tools/ifrepctl/util.c: parsing and formatting. */
#include "unit.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static uint64_t size_ok(const char *s, unsigned int flags, bool *ok)
{
	const char *why = NULL;
	uint64_t v = 0;

	*ok = ifrep_parse_size(s, &v, flags, &why) == 0;
	return v;
}

static bool size_bad(const char *s, unsigned int flags)
{
	const char *why = NULL;
	uint64_t v = 12345;

	return ifrep_parse_size(s, &v, flags, &why) == -EINVAL && why && v == 12345;
}

TEST(size_plain_and_units)
{
	bool ok;

	CHECK_EQ(size_ok("4096", 0, &ok), 4096); CHECK(ok);
	CHECK_EQ(size_ok("512B", 0, &ok), 512); CHECK(ok);
	CHECK_EQ(size_ok("64k", 0, &ok), 65536); CHECK(ok);
	CHECK_EQ(size_ok("64K", 0, &ok), 65536); CHECK(ok);
	CHECK_EQ(size_ok("64KiB", 0, &ok), 65536); CHECK(ok);
	CHECK_EQ(size_ok("8M", 0, &ok), 8 << 20); CHECK(ok);
	CHECK_EQ(size_ok("8MiB", 0, &ok), 8 << 20); CHECK(ok);
	CHECK_EQ(size_ok("1G", 0, &ok), 1 << 30); CHECK(ok);
	CHECK_EQ(size_ok("1g", 0, &ok), 1 << 30); CHECK(ok);
	CHECK_EQ(size_ok("2T", 0, &ok), UINT64_C(2) << 40); CHECK(ok);
	CHECK_EQ(size_ok("15E", 0, &ok), UINT64_C(15) << 60); CHECK(ok);
}

TEST(size_rejects_garbage)
{
	CHECK(size_bad("", 0));
	CHECK(size_bad("M", 0));
	CHECK(size_bad("-1", 0));
	CHECK(size_bad("+5", 0));
	CHECK(size_bad(" 5", 0));
	CHECK(size_bad("5 ", 0));
	CHECK(size_bad("1.5G", 0));
	CHECK(size_bad("8X", 0));
	CHECK(size_bad("8MB", 0));		/* ambiguous: refused */
	CHECK(size_bad("8Mi", 0));
	CHECK(size_bad("8MiBs", 0));
	CHECK(size_bad("0x10", 0));
	CHECK(size_bad("8M/s", 0));		/* only rates take /s */
}

TEST(size_rejects_overflow_and_zero)
{
	bool ok;

	CHECK(size_bad("16E", 0));
	CHECK(size_bad("18446744073709551616", 0));
	CHECK(size_bad("99999999999999999999999", 0));
	CHECK(size_bad("17179869184G", 0));
	CHECK_EQ(size_ok("18446744073709551615", 0, &ok), UINT64_MAX); CHECK(ok);
	CHECK(size_bad("0", 0));
	CHECK(size_bad("0M", 0));
	CHECK_EQ(size_ok("0", SIZE_ALLOW_ZERO, &ok), 0); CHECK(ok);
}

TEST(size_rates)
{
	bool ok;

	CHECK_EQ(size_ok("50M/s", SIZE_ALLOW_PER_SEC, &ok), 50 << 20); CHECK(ok);
	CHECK_EQ(size_ok("1000/s", SIZE_ALLOW_PER_SEC, &ok), 1000); CHECK(ok);
	CHECK_EQ(size_ok("50M", SIZE_ALLOW_PER_SEC, &ok), 50 << 20); CHECK(ok);
	CHECK(size_bad("/s", SIZE_ALLOW_PER_SEC));
	CHECK(size_bad("50M/", SIZE_ALLOW_PER_SEC));
}

TEST(u64_strict)
{
	const char *why;
	uint64_t v;

	CHECK_EQ(ifrep_parse_u64("0", &v, &why), 0); CHECK_EQ(v, 0);
	CHECK_EQ(ifrep_parse_u64("42", &v, &why), 0); CHECK_EQ(v, 42);
	CHECK(ifrep_parse_u64("", &v, &why));
	CHECK(ifrep_parse_u64("4 2", &v, &why));
	CHECK(ifrep_parse_u64("-3", &v, &why));
	CHECK(ifrep_parse_u64("3k", &v, &why));
	CHECK(ifrep_parse_u64("18446744073709551616", &v, &why));
}

TEST(durations)
{
	const char *why;
	uint64_t s;

	CHECK_EQ(ifrep_parse_duration("30", &s, false, &why), 0); CHECK_EQ(s, 30);
	CHECK_EQ(ifrep_parse_duration("30s", &s, false, &why), 0); CHECK_EQ(s, 30);
	CHECK_EQ(ifrep_parse_duration("5m", &s, false, &why), 0); CHECK_EQ(s, 300);
	CHECK_EQ(ifrep_parse_duration("2h", &s, false, &why), 0); CHECK_EQ(s, 7200);
	CHECK_EQ(ifrep_parse_duration("1d", &s, false, &why), 0); CHECK_EQ(s, 86400);
	CHECK_EQ(ifrep_parse_duration("0", &s, true, &why), 0); CHECK_EQ(s, 0);
	CHECK(ifrep_parse_duration("0", &s, false, &why));
	CHECK(ifrep_parse_duration("", &s, true, &why));
	CHECK(ifrep_parse_duration("s", &s, true, &why));
	CHECK(ifrep_parse_duration("1.5", &s, true, &why));
	CHECK(ifrep_parse_duration("-1", &s, true, &why));
	CHECK(ifrep_parse_duration("10x", &s, true, &why));
	CHECK(ifrep_parse_duration("10ms", &s, true, &why));
	CHECK(ifrep_parse_duration("4294967296", &s, true, &why));
	CHECK(ifrep_parse_duration("100000d", &s, true, &why));
}

TEST(addr_ipv4)
{
	struct ifrep_addr a;
	const char *why;
	char buf[64];

	CHECK_EQ(ifrep_parse_addr("192.0.2.1:7789", &a, &why), 0);
	CHECK_EQ(a.family, AF_INET);
	CHECK_STR(a.host, "192.0.2.1");
	CHECK_EQ(a.port, 7789);
	CHECK(!a.unspecified);
	ifrep_format_addr(&a, buf, sizeof(buf));
	CHECK_STR(buf, "192.0.2.1:7789");
	CHECK_EQ(ifrep_parse_addr("0.0.0.0:1", &a, &why), 0);
	CHECK(a.unspecified);
	CHECK_EQ(ifrep_parse_addr("169.254.77.2:65535", &a, &why), 0);
	CHECK_EQ(a.port, 65535);
}

TEST(addr_ipv6)
{
	struct ifrep_addr a;
	const char *why;
	char buf[64];

	CHECK_EQ(ifrep_parse_addr("[2001:db8::1]:7789", &a, &why), 0);
	CHECK_EQ(a.family, AF_INET6);
	CHECK_STR(a.host, "2001:db8::1");
	ifrep_format_addr(&a, buf, sizeof(buf));
	CHECK_STR(buf, "[2001:db8::1]:7789");
	CHECK_EQ(ifrep_parse_addr("[::]:80", &a, &why), 0);
	CHECK(a.unspecified);
	CHECK_EQ(ifrep_parse_addr("[2001:DB8:0:0::1]:1", &a, &why), 0);
	CHECK_STR(a.host, "2001:db8::1");
}

TEST(addr_bad)
{
	static const char *const bad[] = {
		"", "192.0.2.1", "192.0.2.1:", ":7789", "192.0.2.1:0",
		"192.0.2.1:65536", "192.0.2.1:-1", "192.0.2.1:77x", "192.0.2:7789",
		"192.0.2.256:7789", "host.example:7789", "localhost:22",
		"2001:db8::1:7789", "[2001:db8::1]", "[2001:db8::1]7789",
		"[2001:db8::1:7789", "[zz::1]:7789", "[]:1", "1.2.3.4:7789 ",
	};
	struct ifrep_addr a;
	const char *why;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		why = NULL;
		if (ifrep_parse_addr(bad[i], &a, &why) != -EINVAL || !why) {
			unit_fail(__FILE__, __LINE__, "'%s' was accepted", bad[i]);
			return;
		}
	}
}

TEST(pair_names)
{
	const char *why;
	char max[32];

	memset(max, 'a', 31);
	max[31] = '\0';
	CHECK(ifrep_valid_pair_name("backup", &why));
	CHECK(ifrep_valid_pair_name("dr-site.2_b", &why));
	CHECK(ifrep_valid_pair_name("A", &why));
	CHECK(ifrep_valid_pair_name(max, &why));
	max[30] = 'b';
	CHECK(ifrep_valid_pair_name(max, &why));
	CHECK(!ifrep_valid_pair_name("", &why));
	CHECK(!ifrep_valid_pair_name("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &why)); /* 32 */
	CHECK(!ifrep_valid_pair_name("has space", &why));
	CHECK(!ifrep_valid_pair_name("a/b", &why));
	CHECK(!ifrep_valid_pair_name("a=b", &why));
	CHECK(!ifrep_valid_pair_name("caf\xc3\xa9", &why));
	CHECK(!ifrep_valid_pair_name("-", &why));
}

TEST(volume_names)
{
	const char *why;

	CHECK(ifrep_valid_volume_name("vol0", &why));
	CHECK(ifrep_valid_volume_name("db-data_1.x", &why));
	CHECK(!ifrep_valid_volume_name("", &why));
	CHECK(!ifrep_valid_volume_name("a/b", &why));
	CHECK(!ifrep_valid_volume_name(".", &why));
	CHECK(!ifrep_valid_volume_name("..", &why));
	CHECK(!ifrep_valid_volume_name("control", &why));
	CHECK(!ifrep_valid_volume_name("-x", &why));
	CHECK(!ifrep_valid_volume_name("a b", &why));
}

/* IFREP-NAME is the dm UUID: 128 characters at most, so a name has 122. */
TEST(volume_name_fits_dm_uuid)
{
	char name[200];
	const char *why;

	memset(name, 'v', sizeof(name));
	name[122] = '\0';
	CHECK(ifrep_valid_volume_name(name, &why));
	name[122] = 'v';
	name[123] = '\0';
	CHECK(!ifrep_valid_volume_name(name, &why));
	CHECK_CONTAINS(why, "1 to 122 characters");
	CHECK_CONTAINS(why, "UUID");
	name[127] = '\0';
	CHECK(!ifrep_valid_volume_name(name, &why));
}

TEST(hex)
{
	const uint8_t in[] = { 0x00, 0x01, 0xab, 0xff, 0x7f };
	char out[16];

	ifrep_hex_encode(in, sizeof(in), out);
	CHECK_STR(out, "0001abff7f");
	ifrep_hex_encode(in, 0, out);
	CHECK_STR(out, "");
}

static int write_tmp(char *path, const char *content, size_t len, mode_t mode)
{
	int fd;

	strcpy(path, "/tmp/ifrep-unit-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	if (write(fd, content, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	fchmod(fd, mode);
	close(fd);
	return 0;
}

TEST(secret_file)
{
	char path[64], why[256];
	uint8_t buf[IFREP_MAX_SECRET];
	size_t len = 0;
	bool world = true;

	CHECK_EQ(write_tmp(path, "s3cret\n", 7, 0600), 0);
	CHECK_EQ(ifrep_read_secret(path, buf, sizeof(buf), &len, &world, why, sizeof(why)), 0);
	CHECK_EQ(len, 6);
	CHECK(!memcmp(buf, "s3cret", 6));
	CHECK(!world);
	unlink(path);

	/* only one newline is stripped; binary content is kept */
	CHECK_EQ(write_tmp(path, "a\0b\n\n", 5, 0644), 0);
	CHECK_EQ(ifrep_read_secret(path, buf, sizeof(buf), &len, &world, why, sizeof(why)), 0);
	CHECK_EQ(len, 4);
	CHECK(!memcmp(buf, "a\0b\n", 4));
	CHECK(world);
	unlink(path);
}

TEST(secret_file_refused)
{
	char path[64], why[256], big[IFREP_MAX_SECRET + 1];
	uint8_t buf[IFREP_MAX_SECRET];
	size_t len;
	bool world;

	CHECK_EQ(write_tmp(path, "", 0, 0600), 0);
	CHECK(ifrep_read_secret(path, buf, sizeof(buf), &len, &world, why, sizeof(why)) < 0);
	CHECK_CONTAINS(why, "empty");
	unlink(path);

	CHECK_EQ(write_tmp(path, "\n", 1, 0600), 0);
	CHECK(ifrep_read_secret(path, buf, sizeof(buf), &len, &world, why, sizeof(why)) < 0);
	CHECK_CONTAINS(why, "empty");
	unlink(path);

	memset(big, 'x', sizeof(big));
	CHECK_EQ(write_tmp(path, big, sizeof(big), 0600), 0);
	CHECK(ifrep_read_secret(path, buf, sizeof(buf), &len, &world, why, sizeof(why)) < 0);
	CHECK_CONTAINS(why, "larger");
	unlink(path);

	CHECK(ifrep_read_secret("/nonexistent/secret", buf, sizeof(buf), &len, &world,
				why, sizeof(why)) == -ENOENT);
	CHECK(ifrep_read_secret("/tmp", buf, sizeof(buf), &len, &world, why, sizeof(why)) < 0);
}

/* The formatters of counts: each value, and the text it becomes. */
TEST(format_counts)
{
	static const struct {
		const char *(*format)(uint64_t v, char *buf, size_t len);
		const char *name;
		uint64_t v;
		const char *want;
	} cases[] = {
		{ ifrep_format_bytes, "bytes", 0, "0B" },
		{ ifrep_format_bytes, "bytes", 1023, "1023B" },
		{ ifrep_format_bytes, "bytes", 1024, "1.0KiB" },
		{ ifrep_format_bytes, "bytes", UINT64_C(1) << 30, "1.0GiB" },
		{ ifrep_format_bytes, "bytes", UINT64_C(90) << 20, "90MiB" },
		{ ifrep_format_bytes, "bytes", UINT64_C(1536) << 20, "1.5GiB" },
		{ ifrep_format_bytes, "bytes", UINT64_MAX, "16EiB" },
		{ ifrep_format_bytes_exact, "bytes_exact", UINT64_C(8) << 20, "8MiB" },
		{ ifrep_format_bytes_exact, "bytes_exact", 65536, "64KiB" },
		{ ifrep_format_bytes_exact, "bytes_exact", 1536, "1536B" },
		{ ifrep_format_bytes_exact, "bytes_exact", 0, "0B" },
		{ ifrep_format_hms, "hms", 0, "0:00" },
		{ ifrep_format_hms, "hms", 12, "0:12" },
		{ ifrep_format_hms, "hms", 723, "12:03" },
		{ ifrep_format_hms, "hms", 3723, "1:02:03" },
		{ ifrep_format_duration, "duration", 0, "0s" },
		{ ifrep_format_duration, "duration", 59, "59s" },
		{ ifrep_format_duration, "duration", 60, "1m00s" },
		{ ifrep_format_duration, "duration", 303, "5m03s" },
		{ ifrep_format_duration, "duration", 3599, "59m59s" },
		{ ifrep_format_duration, "duration", 3600, "1h00m" },
		{ ifrep_format_duration, "duration", 7500, "2h05m" },
		{ ifrep_format_duration, "duration", 86400 * 3 + 4 * 3600 + 59, "3d04h" },
	};
	char b[32];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		cases[i].format(cases[i].v, b, sizeof(b));
		if (strcmp(b, cases[i].want)) {
			unit_fail(__FILE__, __LINE__,
				  "ifrep_format_%s(%" PRIu64 ") is \"%s\", expected \"%s\"",
				  cases[i].name, cases[i].v, b, cases[i].want);
			return;
		}
	}
}

TEST(format_iso8601)
{
	char b[32];

	CHECK_STR(ifrep_format_iso8601(0, b, sizeof(b)), "1970-01-01T00:00:00Z");
	CHECK_STR(ifrep_format_iso8601(1795603200, b, sizeof(b)), "2026-11-25T10:40:00Z");
}

TEST(synced_per_mille)
{
	CHECK_EQ(ifrep_synced_per_mille(0, 128), 1000);
	CHECK_EQ(ifrep_synced_per_mille(128, 128), 0);
	CHECK_EQ(ifrep_synced_per_mille(64, 128), 500);
	CHECK_EQ(ifrep_synced_per_mille(1, 100000), 999);	/* never 100.0 while dirty */
	CHECK_EQ(ifrep_synced_per_mille(0, 0), 1000);
	CHECK_EQ(ifrep_synced_per_mille(200, 100), 0);
	CHECK_EQ(ifrep_synced_per_mille(1, UINT64_MAX), 999);
}

TEST(format_local_time)
{
	char b[32];

	setenv("TZ", "UTC", 1);
	tzset();
	CHECK_STR(ifrep_format_local_time(1795627205, b, sizeof(b)), "2026-11-25 17:20:05");
	setenv("TZ", "CET-1", 1);
	tzset();
	CHECK_STR(ifrep_format_local_time(1795627205, b, sizeof(b)), "2026-11-25 18:20:05");
	setenv("TZ", "UTC", 1);
	tzset();
}

TEST(explain)
{
	char why[16];

	CHECK_EQ(ifrep_explain(-EPERM, why, sizeof(why), "pair %s of %s", "dr", "v0"), -EPERM);
	CHECK_STR(why, "pair dr of v0");
	/* Truncated to the buffer, still terminated. */
	CHECK_EQ(ifrep_explain(-EINVAL, why, sizeof(why), "%s", "a reason longer than the buffer"), -EINVAL);
	CHECK_STR(why, "a reason longer");
}
