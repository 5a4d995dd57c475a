// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of tools/ifrepctl/config.c (volume files), plan.c (what apply
 * runs) and dump.c (the file of a volume's metadata).
 */
#include "unit.h"
#include "config.h"
#include "outbuf.h"
#include "plan.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static const char two_sites[] =
	"# the volume of the tests\n"
	"volume v0 {\n"
	"\ton a {\n"
	"\t\tdata /dev/vdb\n"
	"\t\tmeta /dev/vdc\n"
	"\t\trole primary\n"
	"\t\tchunk-size 1M   # small, for tests\n"
	"\t\tpair loc {\n"
	"\t\t\tto /dev/vdd\n"
	"\t\t\tmode sync\n"
	"\t\t}\n"
	"\t\tpair dr {\n"
	"\t\t\tto 10.0.0.2:7788\n"
	"\t\t\tmode async\n"
	"\t\t\tinterval 5\n"
	"\t\t\trate 10M\n"
	"\t\t\tsecret-file /etc/ifrep/dr.key\n"
	"\t\t}\n"
	"\t}\n"
	"\ton b {\n"
	"\t\tdata /dev/vdb\n"
	"\t\tmeta /dev/vdc\n"
	"\t\trole secondary\n"
	"\t\tchunk-size 1M\n"
	"\t\tlisten 10.0.0.2:7788\n"
	"\t\tsecret-file /etc/ifrep/dr.key\n"
	"\t\tjournal /dev/vdd\n"
	"\t}\n"
	"}\n";

static struct ifrep_conf conf;

TEST(parse_two_sites)
{
	const struct ifrep_conf_host *a, *b;
	const struct ifrep_conf_pair *dr;
	unsigned int line;
	char why[256];

	CHECK_EQ(ifrep_conf_parse(two_sites, &conf, &line, why, sizeof(why)), 0);
	CHECK_EQ(conf.nr_volumes, 1);
	CHECK_STR(conf.volumes[0].name, "v0");
	a = ifrep_conf_host(&conf.volumes[0], "a");
	b = ifrep_conf_host(&conf.volumes[0], "b");
	CHECK(a && b && !ifrep_conf_host(&conf.volumes[0], "c"));
	CHECK_EQ(a->role, IFREP_ROLE_PRIMARY);
	CHECK_EQ(a->chunk_bytes, 1 << 20);
	CHECK_EQ(a->nr_pairs, 2);
	CHECK_EQ(b->role, IFREP_ROLE_SECONDARY);
	CHECK_STR(b->listen, "10.0.0.2:7788");
	CHECK_STR(b->journal, "/dev/vdd");
	dr = ifrep_conf_pair(a, "dr");
	CHECK(dr && dr->remote);
	CHECK_EQ(dr->mode, IFREP_MODE_ASYNC);
	CHECK(dr->has_interval && dr->interval_s == 5);
	CHECK(dr->has_rate && dr->rate == 10 << 20);
	CHECK(!dr->has_timeout);
	CHECK_EQ(dr->line, 12);
	CHECK(!ifrep_conf_pair(a, "loc")->remote);
}

/* A file with @line replacing line @n of two_sites ("" removes it): its error line and text. */
static int parse_edited(unsigned int n, const char *line, unsigned int *err_line, char *why,
			size_t whylen)
{
	char text[4096];
	const char *s = two_sites, *e;
	unsigned int i = 0;
	size_t pos = 0;

	while (*s) {
		e = strchr(s, '\n');
		i++;
		if (i == n)
			pos += (size_t)snprintf(text + pos, sizeof(text) - pos, "%s%s", line,
						*line ? "\n" : "");
		else
			pos += (size_t)snprintf(text + pos, sizeof(text) - pos, "%.*s\n",
						(int)(e - s), s);
		s = e + 1;
	}
	return ifrep_conf_parse(text, &conf, err_line, why, whylen);
}

TEST(parse_two_primaries)
{
	static const char text[] =
		"volume v1 {\n on a {\n  data /dev/vdb\n  meta /dev/vdc\n  role primary\n }\n"
		" on b {\n  data /dev/vdb\n  meta /dev/vdc\n  role primary\n }\n}\n";
	unsigned int line;
	char why[256];

	CHECK_EQ(ifrep_conf_parse(text, &conf, &line, why, sizeof(why)), -EINVAL);
	CHECK_EQ(line, 7);
	CHECK_STR(why, "volume v1: a second primary (on b): one host is the primary");
	CHECK_EQ(ifrep_conf_parse("# nothing\n", &conf, &line, why, sizeof(why)), -EINVAL);
	CHECK_STR(why, "no volume described ('volume NAME {')");
}

TEST(parse_errors_name_their_line)
{
	static const struct {
		unsigned int n;
		const char *line;
		unsigned int err_line;
		const char *why;
	} bad[] = {
		{ 17, "\t\t\tcolour blue", 17, "unknown key 'colour' in 'pair dr'" },
		{ 15, "\t\t\tinterval 5 6", 15, "interval takes one value (no blanks)" },
		{ 15, "\t\t\trate 1M", 16, "rate given twice in 'pair dr'" },
		{ 15, "\t\t\tinterval", 15, "interval needs a value" },
		{ 7, "\t\tchunk-size 3M", 7, "chunk-size 3M: must be a power of two from 64KiB to 1GiB" },
		{ 7, "\t\tchunk-size 1MB", 7, "chunk-size 1MB: ambiguous unit (write K/KiB, M/MiB, G/GiB: powers of 1024)" },
		{ 6, "\t\trole tertiary", 6, "role tertiary: must be primary or secondary" },
		{ 6, "", 3, "on a: missing 'role primary|secondary'" },
		{ 4, "", 3, "on a: missing 'data DEV'" },
		{ 10, "", 8, "pair loc: missing 'mode sync|async|copy'" },
		{ 17, "", 12, "pair dr: a remote pair needs 'secret-file FILE' (or 'insecure')" },
		{ 9, "\t\t\tto vdd", 9, "to vdd: neither an absolute device path nor ADDR:PORT (expected ADDR:PORT)" },
		{ 10, "\t\t\tmode async", 8, "pair loc: an async pair to a local target needs 'journal DEV'" },
		{ 15, "\t\t\ttimeout 0", 15, "timeout 0: duration must not be zero" },
		{ 25, "\t\tlisten 10.0.0.2", 25, "listen 10.0.0.2: expected ADDR:PORT" },
		{ 26, "", 20, "on b: listen needs 'secret-file FILE' (or 'insecure')" },
		{ 23, "\t\trole primary", 20, "on b: listen is for secondary volumes, and this one is primary" },
		{ 20, "\ton a {", 20, "on a: host a is described twice in volume v0" },
		{ 29, "", 2, "volume v0 is not closed with '}'" },
		{ 2, "volume v0", 2, "'volume v0' must end with '{' on the same line" },
		{ 2, "volumes v0 {", 2, "expected 'volume NAME {', not 'volumes'" },
		{ 8, "\t\tpair loc { x", 8, "too many words: one statement a line (KEY VALUE)" },
		{ 14, "\t\t\tmode async sync", 14, "mode takes one value (no blanks)" },
		{ 5, "\t\tmeta dev/vdc", 5, "meta dev/vdc: must be an absolute path" },
		{ 13, "\t\t\tto 0.0.0.0:7788", 13, "to 0.0.0.0:7788: cannot replicate to an unspecified address" },
		{ 25, "\t\tlisten 10.0.0.2:7788 # x", 0, NULL },	/* a comment after a value */
		{ 25, "\t\thot-chunks 10", 20, "on b: hot-chunks is for primary volumes" },
	};
	unsigned int i, line;
	char why[256];
	int r;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		r = parse_edited(bad[i].n, bad[i].line, &line, why, sizeof(why));
		if (!bad[i].why) {
			CHECK_EQ(r, 0);
			continue;
		}
		if (r != -EINVAL || line != bad[i].err_line || strcmp(why, bad[i].why))
			printf("case %u: r %d line %u why '%s'\n", i, r, line, r ? why : "");
		CHECK(r == -EINVAL && line == bad[i].err_line && !strcmp(why, bad[i].why));
	}
}

/*----------------------------------------------------------------
 * plan.c and dump.c
 *--------------------------------------------------------------*/

static bool same_text(const char *a, const char *b)
{
	return !strcmp(a, b);
}

/* The metadata host a has when it matches two_sites. */
static void primary_meta(struct ifrep_meta *m)
{
	struct ifrep_meta_pair *p;

	memset(m, 0, sizeof(*m));
	snprintf(m->volume_name, sizeof(m->volume_name), "v0");
	snprintf(m->data_path, sizeof(m->data_path), "/dev/vdb");
	m->role = IFREP_ROLE_PRIMARY;
	m->chunk_sectors = 2048;
	m->nr_pairs = 2;
	p = &m->pairs[0];
	snprintf(p->name, sizeof(p->name), "loc");
	snprintf(p->peer, sizeof(p->peer), "/dev/vdd");
	p->mode = IFREP_MODE_SYNC;
	p->timeout_s = IFREP_DEFAULT_TIMEOUT_S;	/* the kernel records the default */
	p = &m->pairs[1];
	snprintf(p->name, sizeof(p->name), "dr");
	snprintf(p->peer, sizeof(p->peer), "10.0.0.2:7788");
	p->mode = IFREP_MODE_ASYNC;
	p->flags = IFREP_PAIR_F_REMOTE;
	p->timeout_s = IFREP_DEFAULT_TIMEOUT_S;
	p->interval_s = 5;
	p->rate_bytes_per_s = 10 << 20;
	snprintf(p->secret_file, sizeof(p->secret_file), "/etc/ifrep/dr.key");
}

static struct ifrep_plan plan;

/* Plan host @host of the parsed conf against @m: the steps as lines, or the refusal. */
static int plan_text(const char *host, const struct ifrep_meta *m, bool active, char *buf,
		     size_t len)
{
	struct ifrep_have have = {
		.active = active, .m = m, .data = "/dev/vdb", .meta = "/dev/vdc", .journal = "",
		.same_dev = same_text,
	};
	struct outbuf o;
	unsigned int i;
	int r;

	r = ifrep_plan_volume(&conf.volumes[0], ifrep_conf_host(&conf.volumes[0], host), &have,
			      &plan, buf, len);
	if (r)
		return r;
	outbuf_init(&o, buf, len);
	for (i = 0; i < plan.nr; i++) {
		ifrep_step_format(&plan.steps[i], &o);
		outbuf_printf(&o, "\n");
	}
	return 0;
}

TEST(plan_new_volume_and_matching_one)
{
	struct ifrep_meta m;
	unsigned int line;
	char why[256], text[2048];

	CHECK_EQ(ifrep_conf_parse(two_sites, &conf, &line, why, sizeof(why)), 0);
	CHECK_EQ(plan_text("a", NULL, false, text, sizeof(text)), 0);
	CHECK_STR(text,
		  "ifrepctl create v0 --data /dev/vdb --meta /dev/vdc --role primary --chunk-size 1MiB\n"
		  "ifrepctl pair add v0 loc --to /dev/vdd --mode sync\n"
		  "ifrepctl pair add v0 dr --to 10.0.0.2:7788 --mode async --interval 5 --rate 10485760 --secret-file /etc/ifrep/dr.key\n");
	CHECK_EQ(plan.steps[0].argc, 10);
	CHECK_STR(plan.steps[0].argv[0], "create");
	CHECK_STR(plan.steps[1].argv[0], "add");
	CHECK_STR(plan.steps[1].argv[2], "loc");

	CHECK_EQ(plan_text("b", NULL, false, text, sizeof(text)), 0);
	CHECK_STR(text,
		  "ifrepctl create v0 --data /dev/vdb --meta /dev/vdc --role secondary --chunk-size 1MiB --listen 10.0.0.2:7788 --secret-file /etc/ifrep/dr.key --journal /dev/vdd\n");

	primary_meta(&m);
	CHECK_EQ(plan_text("a", &m, true, text, sizeof(text)), 0);
	CHECK_EQ(plan.nr, 0);
	/* metadata there, volume not active: activate, and nothing else */
	CHECK_EQ(plan_text("a", &m, false, text, sizeof(text)), 0);
	CHECK_STR(text, "ifrepctl activate v0 --data /dev/vdb --meta /dev/vdc\n");
}

TEST(plan_changes)
{
	struct ifrep_meta m;
	unsigned int line;
	char why[256], text[2048];

	CHECK_EQ(ifrep_conf_parse(two_sites, &conf, &line, why, sizeof(why)), 0);
	primary_meta(&m);
	/* what pair set changes: only what differs, defaults included */
	m.pairs[1].rate_bytes_per_s = 0;
	m.pairs[1].sync_points = 3;
	m.pairs[0].rate_bytes_per_s = 1;
	CHECK_EQ(plan_text("a", &m, true, text, sizeof(text)), 0);
	CHECK_STR(text, "ifrepctl pair set v0 loc --rate 0\n"
			"ifrepctl pair set v0 dr --rate 10485760 --sync-points 0\n");

	/* a recorded pair the file lacks is removed, before any add */
	primary_meta(&m);
	m.pairs[2] = m.pairs[0];
	snprintf(m.pairs[2].name, sizeof(m.pairs[2].name), "old");
	snprintf(m.pairs[2].peer, sizeof(m.pairs[2].peer), "/dev/vde");
	m.nr_pairs = 3;
	memmove(&m.pairs[0], &m.pairs[1], 2 * sizeof(m.pairs[0]));	/* dr, old */
	m.nr_pairs = 2;
	CHECK_EQ(plan_text("a", &m, true, text, sizeof(text)), 0);
	CHECK_STR(text, "ifrepctl pair remove v0 old\n"
			"ifrepctl pair add v0 loc --to /dev/vdd --mode sync\n");
}

TEST(plan_refusals)
{
	struct ifrep_meta m;
	unsigned int line;
	char why[512];

	CHECK_EQ(ifrep_conf_parse(two_sites, &conf, &line, why, sizeof(why)), 0);

	primary_meta(&m);
	m.chunk_sectors = 4096;
	CHECK_EQ(plan_text("a", &m, true, why, sizeof(why)), -EPERM);
	CHECK_CONTAINS(why, "v0 has the chunk size 2MiB, the file says 1MiB");
	CHECK_EQ(plan.nr, 0);

	primary_meta(&m);
	m.role = IFREP_ROLE_SECONDARY;
	CHECK_EQ(plan_text("a", &m, true, why, sizeof(why)), -EPERM);
	CHECK_CONTAINS(why, "v0 is secondary here, the file says primary");
	CHECK_CONTAINS(why, "'ifrepctl promote v0'");

	primary_meta(&m);
	m.pairs[0].mode = IFREP_MODE_ASYNC;
	CHECK_EQ(plan_text("a", &m, true, why, sizeof(why)), -EPERM);
	CHECK_CONTAINS(why, "pair loc of v0 replicates async to /dev/vdd, the file says sync to /dev/vdd");
	CHECK_CONTAINS(why, "'ifrepctl pair remove v0 loc'");

	primary_meta(&m);
	snprintf(m.pairs[1].secret_file, sizeof(m.pairs[1].secret_file), "/etc/ifrep/other.key");
	CHECK_EQ(plan_text("a", &m, true, why, sizeof(why)), -EPERM);
	CHECK_CONTAINS(why, "pair dr of v0: its secret-file differs");

	primary_meta(&m);
	m.pairs[1].granule_sectors = 16;
	CHECK_EQ(plan_text("a", &m, true, why, sizeof(why)), -EPERM);
	CHECK_CONTAINS(why, "granule 8KiB, the file says 64KiB");

	primary_meta(&m);
	snprintf(m.volume_name, sizeof(m.volume_name), "v9");
	CHECK_EQ(plan_text("a", &m, false, why, sizeof(why)), -EPERM);
	CHECK_CONTAINS(why, "holds the metadata of the volume 'v9', not of v0");

	primary_meta(&m);
	m.hot_chunks = 100;
	CHECK_EQ(plan_text("a", &m, true, why, sizeof(why)), -EPERM);
	CHECK_CONTAINS(why, "keeps 100 hot chunks, the file says 512");
}

/* dump of a volume's metadata, parsed and planned on the same host: nothing to do. */
TEST(dump_round_trip)
{
	struct ifrep_dump_devs d = { "/dev/vdb", "/dev/vdc", "" };
	struct ifrep_meta m;
	struct outbuf o;
	unsigned int line;
	char *text = malloc(IFREP_CONF_MAX_SIZE), why[512];

	CHECK(text);
	primary_meta(&m);
	m.pairs[1].granule_sectors = 16;
	m.pairs[1].sync_points = 4;
	m.pairs[0].resync_mode = IFREP_PAIR_RESYNC_FULL;
	m.hot_chunks = 100;
	outbuf_init(&o, text, IFREP_CONF_MAX_SIZE);
	ifrep_dump_volume("v0", "a", &d, &m, &o);
	CHECK(!o.overflow);
	CHECK_CONTAINS(text, "\t\tpair dr {\n\t\t\tto 10.0.0.2:7788\n\t\t\tmode async\n\t\t\trate 10MiB\n"
			     "\t\t\tinterval 5\n\t\t\tsync-points 4\n\t\t\tgranule 8KiB\n");
	CHECK_CONTAINS(text, "\t\thot-chunks 100\n");
	if (ifrep_conf_parse(text, &conf, &line, why, sizeof(why))) {
		unit_fail(__FILE__, __LINE__, "dump does not parse: %u: %s\n%s", line, why, text);
		free(text);
		return;
	}
	free(text);
	CHECK_EQ(plan_text("a", &m, true, why, sizeof(why)), 0);
	CHECK_EQ(plan.nr, 0);
}

/* A secret file the metadata does not record: a comment, and a file apply refuses. */
TEST(dump_unknown_secret)
{
	struct ifrep_dump_devs d = { "/dev/vdb", "/dev/vdc", "/dev/vdd" };
	struct ifrep_meta m;
	struct outbuf o;
	unsigned int line;
	char text[4096], why[256];

	memset(&m, 0, sizeof(m));
	m.role = IFREP_ROLE_SECONDARY;
	m.chunk_sectors = 2048;
	snprintf(m.listen, sizeof(m.listen), "10.0.0.2:7788");
	outbuf_init(&o, text, sizeof(text));
	ifrep_dump_volume("v0", "b", &d, &m, &o);
	CHECK_CONTAINS(text, "\t\tlisten 10.0.0.2:7788\n\t\t# secret-file FILE");
	CHECK_CONTAINS(text, "\t\tjournal /dev/vdd\n");
	CHECK_EQ(ifrep_conf_parse(text, &conf, &line, why, sizeof(why)), -EINVAL);
	CHECK_EQ(line, 2);
	CHECK_STR(why, "on b: listen needs 'secret-file FILE' (or 'insecure')");
}

TEST(step_quoting)
{
	struct ifrep_step s = { .cmd = "pair add" };
	char buf[256];
	struct outbuf o;

	s.argv[0] = "add";
	s.argv[1] = "v0";
	s.argv[2] = "[2001:db8::1]:7788";
	s.argv[3] = "it's";
	s.argc = 4;
	outbuf_init(&o, buf, sizeof(buf));
	ifrep_step_format(&s, &o);
	CHECK_STR(buf, "ifrepctl pair add v0 '[2001:db8::1]:7788' 'it'\\''s'");
}
