// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of tools/ifrepctl/prom.c: `status --format prometheus`, from
 * canned status lines (no kernel), checked sample by sample and for the
 * rules of the text exposition format.
 */
#include "unit.h"
#include "report.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

static char *out;
static size_t out_len;

static void view(struct ifrep_volume_view *v, const char *name, const char *line)
{
	char why[256];

	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->size_bytes = UINT64_C(1) << 30;
	strcpy(v->data_device, "/dev/vdb");
	strcpy(v->meta_device, "/dev/vdc");
	if (ifrep_status_parse(line, &v->st, why, sizeof(why)))
		fprintf(stderr, "bad test line: %s\n", why);
}

static const char *render(const struct ifrep_volume_view *v, size_t n)
{
	FILE *f;

	free(out);
	out = NULL;
	f = open_memstream(&out, &out_len);
	ifrep_report_prometheus(f, v, n);
	fclose(f);
	return out;
}

/*
 * The rules a scraper enforces: every line a comment (# HELP / # TYPE
 * NAME ...) or a sample "NAME[{labels}] VALUE"; a sample's metric was
 * declared by the # TYPE line just before its group; a metric's samples
 * are together (declared once); label values quoted; the output ends in a
 * newline.  Returns NULL, or what is wrong.
 */
static const char *check_format(const char *s)
{
	static char why[1200];
	char declared[64][80], cur[80] = "", line[1024], name[80];
	unsigned int nr = 0, k;
	const char *p, *e;
	size_t len, i;

	if (!*s || s[strlen(s) - 1] != '\n')
		return "does not end in a newline";
	for (p = s; *p; p = e + 1) {
		e = strchr(p, '\n');
		len = (size_t)(e - p);
		if (len >= sizeof(line))
			return "line too long";
		memcpy(line, p, len);
		line[len] = '\0';
		if (!strncmp(line, "# HELP ", 7))
			continue;
		if (!strncmp(line, "# TYPE ", 7)) {
			if (sscanf(line + 7, "%79s", name) != 1)
				return "bad # TYPE";
			if (!strstr(line, " gauge") && !strstr(line, " counter"))
				return "not a gauge or a counter";
			for (k = 0; k < nr; k++)
				if (!strcmp(declared[k], name)) {
					snprintf(why, sizeof(why), "%s declared twice", name);
					return why;
				}
			if (nr == 64)
				return "too many metrics for the test";
			strcpy(declared[nr++], name);
			strcpy(cur, name);
			continue;
		}
		for (i = 0; line[i] && (isalnum((unsigned char)line[i]) || line[i] == '_'); i++)
			;
		if (!i || i >= sizeof(name) || strncmp(line, "ifrep_", 6)) {
			snprintf(why, sizeof(why), "bad metric name in '%s'", line);
			return why;
		}
		memcpy(name, line, i);
		name[i] = '\0';
		if (strcmp(name, cur)) {
			snprintf(why, sizeof(why), "sample of %s under # TYPE %s", name, cur);
			return why;
		}
		if (line[i] == '{') {
			/* label="value" pairs; values may hold escaped quotes */
			i++;
			while (line[i] != '}') {
				while (isalnum((unsigned char)line[i]) || line[i] == '_')
					i++;
				if (line[i] != '=' || line[i + 1] != '"')
					return "label without a quoted value";
				for (i += 2; line[i] && line[i] != '"'; i++)
					if (line[i] == '\\' && line[i + 1])
						i++;
				if (line[i] != '"')
					return "unterminated label value";
				i++;
				if (line[i] == ',')
					i++;
				else if (line[i] != '}')
					return "labels not separated by commas";
			}
			i++;
		}
		if (line[i] != ' ' || !line[i + 1] ||
		    strspn(line + i + 1, "0123456789.-") != strlen(line + i + 1)) {
			snprintf(why, sizeof(why), "bad value in '%s'", line);
			return why;
		}
	}
	return NULL;
}

#define CHECK_FORMAT(s)							\
	do {								\
		const char *w_ = check_format(s);			\
		if (w_) {						\
			unit_fail(__FILE__, __LINE__, "%s", w_);	\
			return;						\
		}							\
	} while (0)

#define CHECK_LACKS(hay, needle) CHECK(!strstr((hay), (needle)))

#define SYNC_LABELS "volume=\"vol0\",pair=\"backup\",mode=\"sync\",peer=\"/dev/vdd\""
#define ASYNC_LABELS "volume=\"vol1\",pair=\"dr\",mode=\"async\",peer=\"192.0.2.2:7790\""

TEST(no_volumes)
{
	const char *s = render(NULL, 0);

	CHECK_STR(s, "# HELP ifrep_volumes dm-ifrep volumes on this host.\n"
		     "# TYPE ifrep_volumes gauge\n"
		     "ifrep_volumes 0\n");
}

/* The JSON example of docs/ifrepctl.md: the same values. */
TEST(sync_pair)
{
	struct ifrep_volume_view v;
	const char *s;

	view(&v, "vol0", "primary rw 16384 128 0000000000000001 3 - - - 1 "
		 "backup sync /dev/vdd initial-sync 64 536870912 90000000 - - - -");
	v.has_hot = true;
	v.hot_used = 4;
	v.hot_max = 512;
	s = render(&v, 1);
	CHECK_FORMAT(s);
	CHECK_CONTAINS(s, "ifrep_volumes 1\n");
	CHECK_CONTAINS(s, "ifrep_volume_info{volume=\"vol0\",role=\"primary\",data_device=\"/dev/vdb\","
		       "meta_device=\"/dev/vdc\",journal_device=\"\"} 1\n");
	CHECK_CONTAINS(s, "ifrep_volume_health{volume=\"vol0\",health=\"rw\"} 1\n"
		       "ifrep_volume_health{volume=\"vol0\",health=\"ro\"} 0\n"
		       "ifrep_volume_health{volume=\"vol0\",health=\"fail\"} 0\n");
	CHECK_CONTAINS(s, "ifrep_volume_size_bytes{volume=\"vol0\"} 1073741824\n");
	CHECK_CONTAINS(s, "ifrep_volume_chunk_bytes{volume=\"vol0\"} 8388608\n");
	CHECK_CONTAINS(s, "# TYPE ifrep_volume_meta_writes_total counter\n"
		       "ifrep_volume_meta_writes_total{volume=\"vol0\"} 3\n");
	CHECK_CONTAINS(s, "ifrep_volume_hot_chunks{volume=\"vol0\"} 4\n");
	CHECK_CONTAINS(s, "ifrep_volume_hot_chunks_max{volume=\"vol0\"} 512\n");
	CHECK_CONTAINS(s, "ifrep_pair_state{" SYNC_LABELS ",state=\"initial-sync\"} 1\n"
		       "ifrep_pair_state{" SYNC_LABELS ",state=\"in-sync\"} 0\n");
	CHECK_CONTAINS(s, "ifrep_pair_state{" SYNC_LABELS ",state=\"failed\"} 0\n");
	CHECK_CONTAINS(s, "ifrep_pair_info{" SYNC_LABELS ",reason=\"\"} 1\n");
	CHECK_CONTAINS(s, "ifrep_pair_total_chunks{" SYNC_LABELS "} 128\n");
	CHECK_CONTAINS(s, "ifrep_pair_dirty_chunks{" SYNC_LABELS "} 64\n");
	CHECK_CONTAINS(s, "ifrep_pair_synced_ratio{" SYNC_LABELS "} 0.500000\n");
	CHECK_CONTAINS(s, "# TYPE ifrep_pair_sent_bytes_total counter\n"
		       "ifrep_pair_sent_bytes_total{" SYNC_LABELS "} 536870912\n");
	CHECK_CONTAINS(s, "ifrep_pair_rate_bytes_per_second{" SYNC_LABELS "} 90000000\n");
	CHECK_CONTAINS(s, "ifrep_pair_eta_seconds{" SYNC_LABELS "} 6\n");
	/* what does not apply to a sync pair, or to this module, is left out */
	CHECK_LACKS(s, "ifrep_pair_rpo_seconds");
	CHECK_LACKS(s, "ifrep_pair_last_sync_point_timestamp_seconds");
	CHECK_LACKS(s, "ifrep_pair_cycle");
	CHECK_LACKS(s, "ifrep_pair_cow_fallbacks_total");
	CHECK_LACKS(s, "ifrep_pair_verify");
	CHECK_LACKS(s, "ifrep_volume_image_consistent");
	CHECK_LACKS(s, "ifrep_volume_snapshot_store_bytes");
	CHECK_LACKS(s, "ifrep_pair_rate_limit_bytes_per_second");
	CHECK_LACKS(s, "NaN");
}

TEST(async_pair_and_secondary)
{
	struct ifrep_volume_view v[2];
	const char *s;

	view(&v[0], "vol1", "primary rw 16384 128 0000000000000002 9 - - - 1 "
		 "dr async 192.0.2.2:7790 consistent 6 1191182336 41943040 1795603200 72 - 3/10 2 1310720");
	v[0].has_store = true;
	v[0].store_bytes = 64 << 20;
	v[0].has_record[0] = true;
	v[0].record_rate[0] = 52428800;
	view(&v[1], "rep", "secondary rw 16384 128 0000000000000002 0 192.0.2.2:7790 connected consistent 0");
	strcpy(v[1].journal_device, "/dev/vdd");
	s = render(v, 2);
	CHECK_FORMAT(s);
	CHECK_CONTAINS(s, "ifrep_volumes 2\n");
	CHECK_CONTAINS(s, "ifrep_volume_info{volume=\"rep\",role=\"secondary\",data_device=\"/dev/vdb\","
		       "meta_device=\"/dev/vdc\",journal_device=\"/dev/vdd\"} 1\n");
	CHECK_CONTAINS(s, "ifrep_volume_image_consistent{volume=\"rep\"} 1\n");
	CHECK_CONTAINS(s, "ifrep_volume_upstream_connected{volume=\"rep\"} 1\n");
	CHECK_LACKS(s, "ifrep_volume_image_consistent{volume=\"vol1\"}");
	CHECK_CONTAINS(s, "ifrep_volume_pairs{volume=\"vol1\"} 1\n"
		       "ifrep_volume_pairs{volume=\"rep\"} 0\n");
	CHECK_CONTAINS(s, "ifrep_volume_snapshot_store_bytes{volume=\"vol1\"} 67108864\n");
	CHECK_CONTAINS(s, "ifrep_pair_state{" ASYNC_LABELS ",state=\"consistent\"} 1\n");
	/* dirty: 6 since the cut plus 7 of the running cycle not shipped yet */
	CHECK_CONTAINS(s, "ifrep_pair_dirty_chunks{" ASYNC_LABELS "} 13\n");
	CHECK_CONTAINS(s, "ifrep_pair_synced_ratio{" ASYNC_LABELS "} 0.898437\n");
	CHECK_CONTAINS(s, "ifrep_pair_last_sync_point_timestamp_seconds{" ASYNC_LABELS "} 1795603200\n");
	CHECK_CONTAINS(s, "ifrep_pair_rpo_seconds{" ASYNC_LABELS "} 72\n");
	CHECK_CONTAINS(s, "ifrep_pair_cycle_shipped_chunks{" ASYNC_LABELS "} 3\n");
	CHECK_CONTAINS(s, "ifrep_pair_cycle_chunks{" ASYNC_LABELS "} 10\n");
	CHECK_CONTAINS(s, "ifrep_pair_cow_fallbacks_total{" ASYNC_LABELS "} 2\n");
	CHECK_CONTAINS(s, "ifrep_pair_snapshot_store_used_bytes{" ASYNC_LABELS "} 1310720\n");
	CHECK_CONTAINS(s, "ifrep_pair_rate_limit_bytes_per_second{" ASYNC_LABELS "} 52428800\n");
	/* the rest of the cycle: 7 chunks of 8 MiB at 40 MiB/s */
	CHECK_CONTAINS(s, "ifrep_pair_eta_seconds{" ASYNC_LABELS "} 2\n");
}

TEST(reason_and_ratio_rounding)
{
	struct ifrep_volume_view v;
	const char *s;

	/* 1 dirty chunk of 2^24: the ratio stays below 1 */
	view(&v, "big", "primary ro 16384 16777216 0000000000000001 3 - - - 2 "
		 "usb sync /dev/sdz failed 1 0 0 - - write_error - "
		 "clean sync /dev/sdy in-sync 0 0 0 - - - -");
	s = render(&v, 1);
	CHECK_FORMAT(s);
	CHECK_CONTAINS(s, "ifrep_volume_health{volume=\"big\",health=\"ro\"} 1\n");
	CHECK_CONTAINS(s, "ifrep_pair_info{volume=\"big\",pair=\"usb\",mode=\"sync\",peer=\"/dev/sdz\","
		       "reason=\"write_error\"} 1\n");
	CHECK_CONTAINS(s, "ifrep_pair_synced_ratio{volume=\"big\",pair=\"usb\",mode=\"sync\","
		       "peer=\"/dev/sdz\"} 0.999999\n");
	CHECK_CONTAINS(s, "ifrep_pair_synced_ratio{volume=\"big\",pair=\"clean\",mode=\"sync\","
		       "peer=\"/dev/sdy\"} 1\n");
	/* no rate: no ETA for the failed pair, 0 for the clean one */
	CHECK_LACKS(s, "ifrep_pair_eta_seconds{volume=\"big\",pair=\"usb\"");
	CHECK_CONTAINS(s, "ifrep_pair_eta_seconds{volume=\"big\",pair=\"clean\",mode=\"sync\","
		       "peer=\"/dev/sdy\"} 0\n");
}

TEST(verify)
{
	struct ifrep_volume_view v;
	const char *s;

	view(&v, "vol0", "primary rw 16384 128 0000000000000001 3 - - - 2 "
		 "dr sync 192.0.2.7:7789 in-sync 0 0 0 - - - - - - 0 running:32/128:1:16777216 "
		 "new sync /dev/sdy in-sync 0 0 0 - - - - - - 0 -");
	s = render(&v, 1);
	CHECK_FORMAT(s);
#define DR "volume=\"vol0\",pair=\"dr\",mode=\"sync\",peer=\"192.0.2.7:7789\""
	CHECK_CONTAINS(s, "ifrep_pair_verify_state{" DR ",state=\"running\"} 1\n"
		       "ifrep_pair_verify_state{" DR ",state=\"stopped\"} 0\n"
		       "ifrep_pair_verify_state{" DR ",state=\"done\"} 0\n");
	CHECK_CONTAINS(s, "ifrep_pair_verify_checked_chunks{" DR "} 32\n");
	CHECK_CONTAINS(s, "ifrep_pair_verify_differing_chunks{" DR "} 1\n");
	CHECK_CONTAINS(s, "ifrep_pair_verify_progress_ratio{" DR "} 0.250000\n");
	CHECK_CONTAINS(s, "ifrep_pair_verify_rate_bytes_per_second{" DR "} 16777216\n");
	CHECK_CONTAINS(s, "ifrep_pair_resync_skipped_bytes_total{" DR "} 0\n");
#undef DR
	/* the pair without a verify has no verify series */
	CHECK_LACKS(s, "ifrep_pair_verify_state{volume=\"vol0\",pair=\"new\"");
}

/* Label values escape backslash, double quote and newline. */
TEST(label_escaping)
{
	struct ifrep_volume_view v;
	const char *s;

	view(&v, "a\"b\\c", "primary rw 16384 128 0000000000000001 3 - - - 0");
	strcpy(v.data_device, "/dev/x\ny");
	s = render(&v, 1);
	CHECK_FORMAT(s);
	CHECK_CONTAINS(s, "ifrep_volume_size_bytes{volume=\"a\\\"b\\\\c\"} 1073741824\n");
	CHECK_CONTAINS(s, "data_device=\"/dev/x\\ny\"");
}

/* A target that reports Fail: health fail, nothing it did not say. */
TEST(whole_fail)
{
	struct ifrep_volume_view v;
	const char *s;

	view(&v, "dead", "Fail");
	s = render(&v, 1);
	CHECK_FORMAT(s);
	CHECK_CONTAINS(s, "ifrep_volume_health{volume=\"dead\",health=\"fail\"} 1\n");
	CHECK_CONTAINS(s, "role=\"\"");
	CHECK_LACKS(s, "ifrep_volume_chunk_bytes");
	CHECK_LACKS(s, "ifrep_volume_meta_writes_total");
	CHECK_LACKS(s, "ifrep_pair_");
}
