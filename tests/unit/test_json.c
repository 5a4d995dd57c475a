// SPDX-License-Identifier: GPL-2.0
/* Unit tests of tools/ifrepctl/json.c. */
#include "unit.h"
#include "json.h"

#include <stdio.h>
#include <stdlib.h>

static char *out;
static size_t out_len;

static FILE *open_out(void)
{
	free(out);
	out = NULL;
	return open_memstream(&out, &out_len);
}

static const char *escaped(const char *s)
{
	FILE *f = open_out();

	json_write_escaped(f, s);
	fclose(f);
	return out;
}

TEST(escape_plain)
{
	CHECK_STR(escaped(""), "\"\"");
	CHECK_STR(escaped("vol0"), "\"vol0\"");
	CHECK_STR(escaped("/dev/mapper/a b"), "\"/dev/mapper/a b\"");
}

TEST(escape_specials)
{
	CHECK_STR(escaped("a\"b"), "\"a\\\"b\"");
	CHECK_STR(escaped("a\\b"), "\"a\\\\b\"");
	CHECK_STR(escaped("l1\nl2\tx\r"), "\"l1\\nl2\\tx\\r\"");
	CHECK_STR(escaped("\b\f"), "\"\\b\\f\"");
	CHECK_STR(escaped("\x01\x1f\x7f"), "\"\\u0001\\u001f\\u007f\"");
	CHECK_STR(escaped("</script>"), "\"</script>\"");
}

TEST(escape_utf8)
{
	CHECK_STR(escaped("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
	CHECK_STR(escaped("\xe2\x82\xac"), "\"\xe2\x82\xac\"");		/* euro sign */
	CHECK_STR(escaped("\xf0\x9f\x92\xbe"), "\"\xf0\x9f\x92\xbe\"");	/* U+1F4BE */
	CHECK_STR(escaped("a\xffz"), "\"a\\ufffdz\"");			/* invalid byte */
	CHECK_STR(escaped("\xc3"), "\"\\ufffd\"");			/* truncated */
	CHECK_STR(escaped("\xc0\xaf"), "\"\\ufffd\\ufffd\"");		/* overlong '/' */
	CHECK_STR(escaped("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");	/* surrogate */
}

TEST(document)
{
	struct json j;
	FILE *f = open_out();

	json_init(&j, f);
	json_begin_object(&j, NULL);
	json_string(&j, "name", "v\"0");
	json_u64(&j, "size", UINT64_MAX);
	json_i64(&j, "neg", -5);
	json_fixed1(&j, "pct", 1000);
	json_fixed1(&j, "low", 5);
	json_bool(&j, "t", true);
	json_null(&j, "n");
	json_string(&j, "s", NULL);
	json_begin_array(&j, "list");
	json_u64(&j, NULL, 1);
	json_begin_object(&j, NULL);
	json_end_object(&j);
	json_begin_array(&j, NULL);
	json_end_array(&j);
	json_string(&j, NULL, "x");
	json_end_array(&j);
	json_end_object(&j);
	fclose(f);
	CHECK_STR(out, "{\"name\":\"v\\\"0\",\"size\":18446744073709551615,\"neg\":-5,"
		  "\"pct\":100.0,\"low\":0.5,\"t\":true,\"n\":null,\"s\":null,"
		  "\"list\":[1,{},[],\"x\"]}");
}

/* what --json prints: one object on a line of its own */
TEST(fixed3_and_or_null_in_a_document)
{
	struct json j;
	FILE *f = open_out();

	json_begin_document(&j, f);
	json_fixed3(&j, "a", 5);
	json_fixed3(&j, "b", 1000);
	json_fixed3(&j, "c", 123456);
	json_u64_or_null(&j, "known", true, 7);
	json_u64_or_null(&j, "unknown", false, 7);
	json_end_document(&j);
	fclose(f);
	CHECK_STR(out, "{\"a\":0.005,\"b\":1.000,\"c\":123.456,\"known\":7,\"unknown\":null}\n");
}
