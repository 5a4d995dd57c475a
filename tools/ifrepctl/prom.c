// SPDX-License-Identifier: GPL-2.0
/*
 * prom.c - `ifrepctl status --format prometheus`: the status of the
 * volumes in the Prometheus text exposition format (version 0.0.4), for
 * node_exporter's textfile collector.  The values are those of --json,
 * from the same views and the same helpers (report.h); the metric names
 * are documented in docs/ifrepctl.md, "PROMETHEUS METRICS".
 *
 * The format wants every sample of one metric together, under one # HELP
 * and one # TYPE line, so the output goes metric by metric over all
 * volumes (or all pairs), not volume by volume.  A metric with no sample
 * (no volume or pair it applies to) is left out, # lines included; a value
 * that does not apply (the JSON's null) is a missing sample, never NaN.
 * Every volume metric is labelled volume="NAME"; every pair metric
 * volume, pair, mode and peer.
 */
#include "report.h"
#include "util.h"

#include <inttypes.h>
#include <string.h>

/* A value: false when it does not apply; else the number, as text, in @val. */
typedef bool (*volume_value_fn)(const struct ifrep_volume_view *v, char *val, size_t len);
typedef bool (*pair_value_fn)(const struct ifrep_volume_view *v, unsigned int i,
			      char *val, size_t len);

struct vol_metric {
	const char *name, *type, *help;
	volume_value_fn get;
};

struct pair_metric {
	const char *name, *type, *help;
	pair_value_fn get;
};

/*----------------------------------------------------------------
 * Writing
 *--------------------------------------------------------------*/

/* A label value: backslash, double quote and newline escaped. */
static void label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void header(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void pair_labels(FILE *f, const struct ifrep_volume_view *v, unsigned int i)
{
	const struct ifrep_status_pair *p = &v->st.pairs[i];

	fputs("volume=\"", f);
	label_value(f, v->name);
	fputs("\",pair=\"", f);
	label_value(f, p->name);
	fprintf(f, "\",mode=\"%s\",peer=\"", ifrep_mode_name(p->mode));
	label_value(f, p->peer);
	fputc('"', f);
}

static bool u64(uint64_t n, char *val, size_t len)
{
	snprintf(val, len, "%" PRIu64, n);
	return true;
}

/* @part / @whole rounded down to 6 decimals: 1 only when they are equal. */
static bool ratio(uint64_t part, uint64_t whole, char *val, size_t len)
{
	uint64_t micro;

	if (!whole)
		return false;
	if (part >= whole)
		return u64(1, val, len);
	micro = (uint64_t)((double)part * 1e6 / (double)whole);
	if (micro >= 1000000)
		micro = 999999;
	snprintf(val, len, "0.%06" PRIu64, micro);
	return true;
}

/*----------------------------------------------------------------
 * Volume metrics
 *--------------------------------------------------------------*/

static bool v_size(const struct ifrep_volume_view *v, char *val, size_t len)
{
	return u64(v->size_bytes, val, len);
}

static bool v_chunk(const struct ifrep_volume_view *v, char *val, size_t len)
{
	return !v->st.whole_fail && u64((uint64_t)v->st.chunk_sectors * 512, val, len);
}

static bool v_meta_writes(const struct ifrep_volume_view *v, char *val, size_t len)
{
	return !v->st.whole_fail && u64(v->st.meta_writes, val, len);
}

static bool v_pairs(const struct ifrep_volume_view *v, char *val, size_t len)
{
	return !v->st.whole_fail && u64(v->st.nr_pairs, val, len);
}

static bool v_image(const struct ifrep_volume_view *v, char *val, size_t len)
{
	return v->st.image != IMAGE_NONE &&
	       u64(v->st.image == IMAGE_CONSISTENT, val, len);
}

static bool v_upstream(const struct ifrep_volume_view *v, char *val, size_t len)
{
	return !v->st.whole_fail && v->st.role == IFREP_ROLE_SECONDARY &&
	       u64(!strcmp(v->st.upstream, "connected"), val, len);
}

static bool v_store(const struct ifrep_volume_view *v, char *val, size_t len)
{
	return v->has_store && u64(v->store_bytes, val, len);
}

static bool v_hot(const struct ifrep_volume_view *v, char *val, size_t len)
{
	return v->has_hot && u64(v->hot_used, val, len);
}

static bool v_hot_max(const struct ifrep_volume_view *v, char *val, size_t len)
{
	return v->has_hot && u64(v->hot_max, val, len);
}

static const struct vol_metric vol_metrics[] = {
	{ "ifrep_volume_size_bytes", "gauge", "Size of the volume in bytes.", v_size },
	{ "ifrep_volume_chunk_bytes", "gauge", "Change-tracking chunk size in bytes.", v_chunk },
	{ "ifrep_volume_meta_writes_total", "counter",
	  "Metadata blocks written since the volume was activated.", v_meta_writes },
	{ "ifrep_volume_pairs", "gauge", "Pairs of the volume.", v_pairs },
	{ "ifrep_volume_image_consistent", "gauge",
	  "Secondary: 1 when its data is a whole image to promote from, else 0.", v_image },
	{ "ifrep_volume_upstream_connected", "gauge",
	  "Secondary: 1 while its primary is connected, else 0.", v_upstream },
	{ "ifrep_volume_snapshot_store_bytes", "gauge",
	  "Size of the snapshot store (the metadata device past the metadata) in bytes.", v_store },
	{ "ifrep_volume_hot_chunks", "gauge",
	  "Primary: chunks kept marked now (the hot set).", v_hot },
	{ "ifrep_volume_hot_chunks_max", "gauge",
	  "Primary: the most chunks kept marked (create --hot-chunks).", v_hot_max },
};

/* ifrep_volume_info: 1, with the role and the devices as labels. */
static void volume_info(FILE *f, const struct ifrep_volume_view *v, size_t n)
{
	size_t k;

	if (!n)
		return;
	header(f, "ifrep_volume_info", "gauge",
	       "Always 1: the volume's role and devices as labels.");
	for (k = 0; k < n; k++) {
		fputs("ifrep_volume_info{volume=\"", f);
		label_value(f, v[k].name);
		fprintf(f, "\",role=\"%s\",data_device=\"",
			v[k].st.whole_fail ? "" : ifrep_role_name(v[k].st.role));
		label_value(f, v[k].data_device);
		fputs("\",meta_device=\"", f);
		label_value(f, v[k].meta_device);
		fputs("\",journal_device=\"", f);
		label_value(f, v[k].journal_device);
		fputs("\"} 1\n", f);
	}
}

/* ifrep_volume_health: one series per health, 1 for the volume's. */
static void volume_health(FILE *f, const struct ifrep_volume_view *v, size_t n)
{
	static const enum ifrep_health all[] = { IFREP_HEALTH_RW, IFREP_HEALTH_RO,
						 IFREP_HEALTH_FAIL };
	size_t k, h;

	if (!n)
		return;
	header(f, "ifrep_volume_health", "gauge",
	       "1 for the volume's health (rw, ro after a metadata write error, fail), 0 for the others.");
	for (k = 0; k < n; k++)
		for (h = 0; h < ARRAY_SIZE(all); h++) {
			fputs("ifrep_volume_health{volume=\"", f);
			label_value(f, v[k].name);
			fprintf(f, "\",health=\"%s\"} %d\n", ifrep_health_name(all[h]),
				v[k].st.health == all[h]);
		}
}

/*----------------------------------------------------------------
 * Pair metrics
 *--------------------------------------------------------------*/

static bool p_total(const struct ifrep_volume_view *v, unsigned int i, char *val, size_t len)
{
	(void)i;
	return u64(v->st.total_chunks, val, len);
}

static bool p_dirty(const struct ifrep_volume_view *v, unsigned int i, char *val, size_t len)
{
	return u64(ifrep_pair_pending(&v->st, &v->st.pairs[i]), val, len);
}

static bool p_synced(const struct ifrep_volume_view *v, unsigned int i, char *val, size_t len)
{
	uint64_t total = v->st.total_chunks;

	return ratio(total - ifrep_pair_pending(&v->st, &v->st.pairs[i]), total, val, len);
}

static bool p_sent(const struct ifrep_volume_view *v, unsigned int i, char *val, size_t len)
{
	return u64(v->st.pairs[i].bytes_sent, val, len);
}

static bool p_rate(const struct ifrep_volume_view *v, unsigned int i, char *val, size_t len)
{
	return u64(v->st.pairs[i].rate, val, len);
}

static bool p_eta(const struct ifrep_volume_view *v, unsigned int i, char *val, size_t len)
{
	uint64_t secs;

	return ifrep_pair_eta(&v->st, &v->st.pairs[i], &secs) && u64(secs, val, len);
}

static bool p_last_sync(const struct ifrep_volume_view *v, unsigned int i, char *val, size_t len)
{
	const struct ifrep_status_pair *p = &v->st.pairs[i];

	if (!p->has_last_sync)
		return false;
	snprintf(val, len, "%" PRId64, p->last_sync);
	return true;
}

static bool p_rpo(const struct ifrep_volume_view *v, unsigned int i, char *val, size_t len)
{
	return v->st.pairs[i].has_rpo && u64(v->st.pairs[i].rpo, val, len);
}

static bool p_cycle_shipped(const struct ifrep_volume_view *v, unsigned int i, char *val,
			    size_t len)
{
	return v->st.pairs[i].has_cycle && u64(v->st.pairs[i].cycle_shipped, val, len);
}

static bool p_cycle_total(const struct ifrep_volume_view *v, unsigned int i, char *val,
			  size_t len)
{
	return v->st.pairs[i].has_cycle && u64(v->st.pairs[i].cycle_total, val, len);
}

static bool p_cow(const struct ifrep_volume_view *v, unsigned int i, char *val, size_t len)
{
	return v->st.pairs[i].has_snapshot && u64(v->st.pairs[i].cow_fallbacks, val, len);
}

static bool p_snapshot(const struct ifrep_volume_view *v, unsigned int i, char *val, size_t len)
{
	return v->st.pairs[i].has_snapshot && u64(v->st.pairs[i].snapshot_store_used, val, len);
}

static bool p_skipped(const struct ifrep_volume_view *v, unsigned int i, char *val, size_t len)
{
	return v->st.pairs[i].has_resync_skipped && u64(v->st.pairs[i].resync_skipped, val, len);
}

static bool p_verify_checked(const struct ifrep_volume_view *v, unsigned int i, char *val,
			     size_t len)
{
	return v->st.pairs[i].has_verify && u64(v->st.pairs[i].verify_checked, val, len);
}

static bool p_verify_differing(const struct ifrep_volume_view *v, unsigned int i, char *val,
			       size_t len)
{
	return v->st.pairs[i].has_verify && u64(v->st.pairs[i].verify_differing, val, len);
}

static bool p_verify_progress(const struct ifrep_volume_view *v, unsigned int i, char *val,
			      size_t len)
{
	const struct ifrep_status_pair *p = &v->st.pairs[i];

	return p->has_verify && ratio(p->verify_checked, p->verify_total, val, len);
}

static bool p_verify_rate(const struct ifrep_volume_view *v, unsigned int i, char *val,
			  size_t len)
{
	const struct ifrep_status_pair *p = &v->st.pairs[i];

	return p->has_verify && p->verify_state == IFREP_VERIFY_RUNNING &&
	       u64(p->verify_rate, val, len);
}

static bool p_rate_limit(const struct ifrep_volume_view *v, unsigned int i, char *val,
			 size_t len)
{
	return v->has_record[i] && u64(v->record_rate[i], val, len);
}

static const struct pair_metric pair_metrics[] = {
	{ "ifrep_pair_total_chunks", "gauge", "Chunks of the volume.", p_total },
	{ "ifrep_pair_dirty_chunks", "gauge",
	  "Chunks still to copy to the target (async: with the running cycle's unshipped ones).",
	  p_dirty },
	{ "ifrep_pair_synced_ratio", "gauge",
	  "(total - dirty) / total chunks, rounded down: 1 only when nothing is dirty.", p_synced },
	{ "ifrep_pair_sent_bytes_total", "counter",
	  "Bytes written to the target since the volume was activated.", p_sent },
	{ "ifrep_pair_rate_bytes_per_second", "gauge",
	  "Resync, cycle or copy rate over the last few seconds.", p_rate },
	{ "ifrep_pair_eta_seconds", "gauge",
	  "Seconds until nothing is dirty (async: until the running cycle is shipped), when known.",
	  p_eta },
	{ "ifrep_pair_last_sync_point_timestamp_seconds", "gauge",
	  "Async: unix time of the cut of the last committed cycle; copy: the time the copy is of.",
	  p_last_sync },
	{ "ifrep_pair_rpo_seconds", "gauge",
	  "Async: seconds since the cut of the last committed cycle.", p_rpo },
	{ "ifrep_pair_cycle_shipped_chunks", "gauge",
	  "Async and copy: chunks of the running cycle shipped.", p_cycle_shipped },
	{ "ifrep_pair_cycle_chunks", "gauge",
	  "Async and copy: chunks of the running cycle.", p_cycle_total },
	{ "ifrep_pair_cow_fallbacks_total", "counter",
	  "Async and copy: chunks host writes waited for because the snapshot store was full, since activation.",
	  p_cow },
	{ "ifrep_pair_snapshot_store_used_bytes", "gauge",
	  "Async and copy: bytes of the snapshot store the running cycle holds.", p_snapshot },
	{ "ifrep_pair_resync_skipped_bytes_total", "counter",
	  "Sync: bytes a checksum resync did not send because the target held them, since activation.",
	  p_skipped },
	{ "ifrep_pair_verify_checked_chunks", "gauge",
	  "Chunks the last online verify checked.", p_verify_checked },
	{ "ifrep_pair_verify_differing_chunks", "gauge",
	  "Chunks the last online verify found differing (and marked dirty).", p_verify_differing },
	{ "ifrep_pair_verify_progress_ratio", "gauge",
	  "Checked / total chunks of the last online verify, rounded down.", p_verify_progress },
	{ "ifrep_pair_verify_rate_bytes_per_second", "gauge",
	  "Bytes of the volume the running online verify checks per second.", p_verify_rate },
	{ "ifrep_pair_rate_limit_bytes_per_second", "gauge",
	  "The pair's rate limit (pair add/set --rate); 0 = unlimited.", p_rate_limit },
};

/* ifrep_pair_state: one series per state, 1 for the pair's; and the reason. */
static void pair_states(FILE *f, const struct ifrep_volume_view *v, size_t n)
{
	unsigned int i, s;
	bool any = false;
	size_t k;

	for (k = 0; k < n; k++)
		any |= v[k].st.nr_pairs > 0;
	if (!any)
		return;
	header(f, "ifrep_pair_state", "gauge",
	       "1 for the pair's state, 0 for the other states.");
	for (k = 0; k < n; k++)
		for (i = 0; i < v[k].st.nr_pairs; i++)
			for (s = 0; s < IFREP_NR_PAIR_STATES; s++) {
				fputs("ifrep_pair_state{", f);
				pair_labels(f, &v[k], i);
				fprintf(f, ",state=\"%s\"} %d\n", ifrep_pair_state_name(s),
					(unsigned int)v[k].st.pairs[i].state == s);
			}
	header(f, "ifrep_pair_info", "gauge",
	       "Always 1: why the pair is failed, retrying, disconnected or split-brain as the reason label (empty otherwise).");
	for (k = 0; k < n; k++)
		for (i = 0; i < v[k].st.nr_pairs; i++) {
			fputs("ifrep_pair_info{", f);
			pair_labels(f, &v[k], i);
			fputs(",reason=\"", f);
			label_value(f, v[k].st.pairs[i].reason);
			fputs("\"} 1\n", f);
		}
}

/* ifrep_pair_verify_state: per pair with a verify, 1 for its state. */
static void verify_states(FILE *f, const struct ifrep_volume_view *v, size_t n)
{
	static const enum ifrep_verify_state all[] = { IFREP_VERIFY_RUNNING,
						       IFREP_VERIFY_STOPPED,
						       IFREP_VERIFY_DONE };
	bool head = false;
	unsigned int i;
	size_t k, s;

	for (k = 0; k < n; k++)
		for (i = 0; i < v[k].st.nr_pairs; i++) {
			if (!v[k].st.pairs[i].has_verify)
				continue;
			if (!head)
				header(f, "ifrep_pair_verify_state", "gauge",
				       "1 for the state of the pair's last online verify (running, stopped, done), 0 for the others.");
			head = true;
			for (s = 0; s < ARRAY_SIZE(all); s++) {
				fputs("ifrep_pair_verify_state{", f);
				pair_labels(f, &v[k], i);
				fprintf(f, ",state=\"%s\"} %d\n", ifrep_verify_state_name(all[s]),
					v[k].st.pairs[i].verify_state == all[s]);
			}
		}
}

void ifrep_report_prometheus(FILE *f, const struct ifrep_volume_view *v, size_t n)
{
	char val[32];
	bool head;
	unsigned int i;
	size_t m, k;

	header(f, "ifrep_volumes", "gauge", "dm-ifrep volumes on this host.");
	fprintf(f, "ifrep_volumes %zu\n", n);
	volume_info(f, v, n);
	volume_health(f, v, n);
	for (m = 0; m < ARRAY_SIZE(vol_metrics); m++) {
		head = false;
		for (k = 0; k < n; k++) {
			if (!vol_metrics[m].get(&v[k], val, sizeof(val)))
				continue;
			if (!head)
				header(f, vol_metrics[m].name, vol_metrics[m].type,
				       vol_metrics[m].help);
			head = true;
			fprintf(f, "%s{volume=\"", vol_metrics[m].name);
			label_value(f, v[k].name);
			fprintf(f, "\"} %s\n", val);
		}
	}
	pair_states(f, v, n);
	for (m = 0; m < ARRAY_SIZE(pair_metrics); m++) {
		head = false;
		for (k = 0; k < n; k++)
			for (i = 0; i < v[k].st.nr_pairs; i++) {
				if (!pair_metrics[m].get(&v[k], i, val, sizeof(val)))
					continue;
				if (!head)
					header(f, pair_metrics[m].name, pair_metrics[m].type,
					       pair_metrics[m].help);
				head = true;
				fprintf(f, "%s{", pair_metrics[m].name);
				pair_labels(f, &v[k], i);
				fprintf(f, "} %s\n", val);
			}
	}
	verify_states(f, v, n);
}
