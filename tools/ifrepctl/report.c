// SPDX-License-Identifier: GPL-2.0
/*
 * report.c - human and JSON renderings of volume status (see report.h).
 */
#include "report.h"
#include "json.h"
#include "meta.h"
#include "util.h"

#include <inttypes.h>
#include <string.h>

uint64_t ifrep_pair_pending(const struct ifrep_status *st, const struct ifrep_status_pair *p)
{
	uint64_t n = p->dirty_chunks;

	/* a copy ships its cut; writes after it do not follow */
	if (p->mode == IFREP_MODE_COPY && p->has_cycle)
		n = 0;
	if (p->has_cycle && p->cycle_total > p->cycle_shipped)
		n += p->cycle_total - p->cycle_shipped;
	return st->total_chunks && n > st->total_chunks ? st->total_chunks : n;
}

bool ifrep_chunks_eta(uint64_t chunks, uint32_t chunk_sectors, uint64_t rate, uint64_t *secs)
{
	double bytes, t;

	if (!chunks) {
		*secs = 0;
		return true;
	}
	if (!rate)
		return false;
	bytes = (double)chunks * (double)chunk_sectors * 512.0;
	t = bytes / (double)rate;
	if (t > (double)UINT32_MAX * 100)
		return false;
	*secs = (uint64_t)t + ((double)(uint64_t)t < t);
	return true;
}

bool ifrep_pair_eta(const struct ifrep_status *st, const struct ifrep_status_pair *p,
		    uint64_t *secs)
{
	uint64_t chunks = ifrep_pair_pending(st, p);

	if (p->mode != IFREP_MODE_SYNC && chunks) {
		/* only the running cycle is on its way; the next one is not cut yet */
		if (!p->has_cycle)
			return false;
		chunks = p->cycle_total > p->cycle_shipped ? p->cycle_total - p->cycle_shipped : 0;
	}
	return ifrep_chunks_eta(chunks, st->chunk_sectors, p->rate, secs);
}

bool ifrep_verify_eta(const struct ifrep_status *st, const struct ifrep_status_pair *p,
		      uint64_t *secs)
{
	if (!p->has_verify || p->verify_state != IFREP_VERIFY_RUNNING)
		return false;
	return ifrep_chunks_eta(p->verify_total - p->verify_checked, st->chunk_sectors,
				p->verify_rate, secs);
}

unsigned int ifrep_verify_per_mille(const struct ifrep_status_pair *p)
{
	return ifrep_synced_per_mille(p->verify_total - p->verify_checked, p->verify_total);
}

bool ifrep_verify_resume_chunk(const struct ifrep_status_pair *p, uint64_t *chunk)
{
	if (!p->has_verify || p->verify_state == IFREP_VERIFY_RUNNING)
		return false;
	*chunk = p->verify_state == IFREP_VERIFY_STOPPED ? p->verify_checked : 0;
	return true;
}

const char *ifrep_pair_resync(const struct ifrep_volume_view *v, unsigned int i)
{
	if (i >= v->st.nr_pairs || v->st.pairs[i].mode != IFREP_MODE_SYNC || !v->has_record[i])
		return NULL;
	return ifrep_resync_checksum(IFREP_MODE_SYNC, v->record_flags[i],
				     v->record_resync_mode[i]) ? "checksum" : "full";
}

/*----------------------------------------------------------------*/

/* "verify 41.2% rate 8.0 MiB/s ETA 1:02", "verify stopped at 120/512", "verified ..." */
static void human_verify(FILE *f, const struct ifrep_status *st,
			 const struct ifrep_status_pair *p)
{
	unsigned int pm = ifrep_verify_per_mille(p);
	char rate[32], eta[32];
	uint64_t secs;

	switch (p->verify_state) {
	case IFREP_VERIFY_RUNNING:
		fprintf(f, "  verify %u.%u%% (%" PRIu64 "/%" PRIu64 ")", pm / 10, pm % 10,
			p->verify_checked, p->verify_total);
		if (p->verify_rate)
			fprintf(f, " rate %s/s",
				ifrep_format_bytes(p->verify_rate, rate, sizeof(rate)));
		if (ifrep_verify_eta(st, p, &secs))
			fprintf(f, " ETA %s", ifrep_format_hms(secs, eta, sizeof(eta)));
		break;
	case IFREP_VERIFY_STOPPED:
		fprintf(f, "  verify stopped at %" PRIu64 "/%" PRIu64, p->verify_checked,
			p->verify_total);
		break;
	default:
		fprintf(f, "  verified %" PRIu64 "/%" PRIu64, p->verify_checked, p->verify_total);
		break;
	}
	if (p->verify_differing)
		fprintf(f, " %" PRIu64 " differing", p->verify_differing);
}

static void human_pair(FILE *f, const struct ifrep_status *st,
		       const struct ifrep_status_pair *p, const char *copy_device,
		       int name_w, int peer_w)
{
	char sent[32], rate[32], eta[32], when[32], rpo[32], store[32], skipped[32];
	uint64_t pending = ifrep_pair_pending(st, p);
	unsigned int pm = ifrep_synced_per_mille(pending, st->total_chunks);
	uint64_t secs;

	fprintf(f, "  %-*s  %-5s  %-*s  %-12s  dirty %" PRIu64 "/%" PRIu64 "  %u.%u%%  sent %s",
		name_w, p->name, ifrep_mode_name(p->mode), peer_w, p->peer,
		ifrep_pair_state_name(p->state), pending, st->total_chunks,
		pm / 10, pm % 10, ifrep_format_bytes(p->bytes_sent, sent, sizeof(sent)));
	if (pending && p->rate && (p->mode == IFREP_MODE_SYNC || p->has_cycle)) {
		fprintf(f, "  rate %s/s", ifrep_format_bytes(p->rate, rate, sizeof(rate)));
		if (ifrep_pair_eta(st, p, &secs))
			fprintf(f, " ETA %s", ifrep_format_hms(secs, eta, sizeof(eta)));
	}
	if (p->has_resync_skipped && p->resync_skipped)
		fprintf(f, "  skipped %s", ifrep_format_bytes(p->resync_skipped, skipped,
							     sizeof(skipped)));
	if (p->has_last_sync && p->mode == IFREP_MODE_COPY) {
		fprintf(f, "  copy of %s",
			ifrep_format_local_time(p->last_sync, when, sizeof(when)));
	} else if (p->has_last_sync) {
		fprintf(f, "  last sync point %s",
			ifrep_format_local_time(p->last_sync, when, sizeof(when)));
		if (p->has_rpo)
			fprintf(f, " (RPO %s)", ifrep_format_duration(p->rpo, rpo, sizeof(rpo)));
	} else if (p->mode == IFREP_MODE_ASYNC) {
		fprintf(f, "  no sync point yet");
	}
	if (p->has_cycle)
		fprintf(f, "  cycle %" PRIu64 "/%" PRIu64, p->cycle_shipped, p->cycle_total);
	if (p->has_snapshot && (p->has_cycle || p->snapshot_store_used))
		fprintf(f, "  snapshot %s", ifrep_format_bytes(p->snapshot_store_used, store,
								sizeof(store)));
	if (p->has_snapshot && p->cow_fallbacks)
		fprintf(f, "  cow-fallbacks %" PRIu64, p->cow_fallbacks);
	if (p->has_verify)
		human_verify(f, st, p);
	if (p->reason[0])
		fprintf(f, "  reason %s", p->reason);
	if (copy_device[0])
		fprintf(f, "  device %s", copy_device);
	fputc('\n', f);
}

static void human_volume(FILE *f, const struct ifrep_volume_view *v)
{
	const struct ifrep_status *st = &v->st;
	char size[32], chunk[32], store[32];
	int name_w = 0, peer_w = 0, w;
	unsigned int i;

	if (st->whole_fail) {
		fprintf(f, "%s  health=fail data=%s meta=%s (the target reports Fail; see dmesg)\n",
			v->name, v->data_device, v->meta_device);
		return;
	}
	fprintf(f, "%s  role=%s size=%s chunk=%s data=%s meta=%s",
		v->name, ifrep_role_name(st->role),
		ifrep_format_bytes(v->size_bytes, size, sizeof(size)),
		ifrep_format_bytes_exact((uint64_t)st->chunk_sectors * 512, chunk, sizeof(chunk)),
		v->data_device, v->meta_device);
	if (v->journal_device[0])
		fprintf(f, " journal=%s", v->journal_device);
	fprintf(f, " health=%s", ifrep_health_name(st->health));
	if (st->listen[0])
		fprintf(f, " listen=%s", st->listen);
	if (st->upstream[0])
		fprintf(f, " upstream=%s", st->upstream);
	if (ifrep_image_name(st->image))
		fprintf(f, " image=%s", ifrep_image_name(st->image));
	if (v->has_store && st->role == IFREP_ROLE_PRIMARY)
		fprintf(f, " snapshot-store=%s", ifrep_format_bytes(v->store_bytes, store,
								    sizeof(store)));
	if (v->has_hot)
		fprintf(f, " hot=%" PRIu64 "/%" PRIu64, v->hot_used, v->hot_max);
	fputc('\n', f);

	for (i = 0; i < st->nr_pairs; i++) {
		w = (int)strlen(st->pairs[i].name);
		name_w = w > name_w ? w : name_w;
		w = (int)strlen(st->pairs[i].peer);
		peer_w = w > peer_w ? w : peer_w;
	}
	for (i = 0; i < st->nr_pairs; i++)
		human_pair(f, st, &st->pairs[i], v->copy_device[i], name_w, peer_w);
	if (!st->nr_pairs && st->role == IFREP_ROLE_PRIMARY)
		fprintf(f, "  (no pairs)\n");
}

void ifrep_report_human(FILE *f, const struct ifrep_volume_view *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		human_volume(f, &v[i]);
}

/*----------------------------------------------------------------*/

/* The pair's last verify, or null: none since activation, none recorded. */
static void json_verify(struct json *j, const struct ifrep_status *st,
			const struct ifrep_status_pair *p)
{
	uint64_t secs = 0, chunk = 0;
	bool known;

	if (!p->has_verify) {
		json_null(j, "verify");
		return;
	}
	json_begin_object(j, "verify");
	json_string(j, "state", ifrep_verify_state_name(p->verify_state));
	json_u64(j, "checked_chunks", p->verify_checked);
	json_u64(j, "total_chunks", p->verify_total);
	json_u64(j, "differing_chunks", p->verify_differing);
	json_fixed1(j, "percent", ifrep_verify_per_mille(p));
	json_u64_or_null(j, "rate_bytes_per_s", p->verify_state == IFREP_VERIFY_RUNNING,
			 p->verify_rate);
	known = ifrep_verify_eta(st, p, &secs);
	json_u64_or_null(j, "eta_seconds", known, secs);
	known = ifrep_verify_resume_chunk(p, &chunk);
	json_u64_or_null(j, "resume_chunk", known, chunk);
	json_end_object(j);
}

/* What pair add and pair set chose (the record), or null. */
static void json_settings(struct json *j, const struct ifrep_volume_view *v, unsigned int i)
{
	const struct ifrep_status_pair *p = &v->st.pairs[i];
	bool remote = p->peer[0] != '/', async = p->mode == IFREP_MODE_ASYNC;
	uint32_t timeout = v->record_timeout_s[i];

	if (!v->has_record[i]) {
		json_null(j, "settings");
		return;
	}
	json_begin_object(j, "settings");
	json_u64(j, "rate_bytes_per_s", v->record_rate[i]);
	json_u64_or_null(j, "timeout_seconds", remote,
			 timeout ? timeout : IFREP_DEFAULT_TIMEOUT_S);
	json_u64_or_null(j, "interval_seconds", async, v->record_interval_s[i]);
	json_u64_or_null(j, "sync_points", async, v->record_sync_points[i]);
	json_string(j, "resync", ifrep_pair_resync(v, i));
	json_end_object(j);
}

static void json_pair(struct json *j, const struct ifrep_volume_view *v, unsigned int i)
{
	const struct ifrep_status *st = &v->st;
	const struct ifrep_status_pair *p = &st->pairs[i];
	const char *copy_device = v->copy_device[i];
	char when[32];
	uint64_t secs = 0;
	bool eta;

	json_begin_object(j, NULL);
	json_string(j, "name", p->name);
	json_string(j, "mode", ifrep_mode_name(p->mode));
	json_string(j, "peer", p->peer);
	json_string(j, "state", ifrep_pair_state_name(p->state));
	json_u64(j, "total_chunks", st->total_chunks);
	json_u64(j, "dirty_chunks", ifrep_pair_pending(st, p));
	json_fixed1(j, "synced_percent",
		    ifrep_synced_per_mille(ifrep_pair_pending(st, p), st->total_chunks));
	json_u64(j, "bytes_sent", p->bytes_sent);
	json_u64(j, "rate_bytes_per_s", p->rate);
	eta = ifrep_pair_eta(st, p, &secs);
	json_u64_or_null(j, "eta_seconds", eta, secs);
	json_string(j, "last_sync_point", p->has_last_sync ?
		    ifrep_format_iso8601(p->last_sync, when, sizeof(when)) : NULL);
	json_u64_or_null(j, "rpo_seconds", p->has_rpo, p->rpo);
	json_u64_or_null(j, "cycle_shipped_chunks", p->has_cycle, p->cycle_shipped);
	json_u64_or_null(j, "cycle_total_chunks", p->has_cycle, p->cycle_total);
	json_string(j, "reason", p->reason[0] ? p->reason : NULL);
	json_u64_or_null(j, "cow_fallbacks", p->has_snapshot, p->cow_fallbacks);
	json_u64_or_null(j, "snapshot_store_used_bytes", p->has_snapshot,
			 p->snapshot_store_used);
	json_string(j, "copy_device", copy_device[0] ? copy_device : NULL);
	json_string(j, "resync", ifrep_pair_resync(v, i));
	json_u64_or_null(j, "resync_skipped_bytes", p->has_resync_skipped, p->resync_skipped);
	json_verify(j, st, p);
	json_settings(j, v, i);
	json_end_object(j);
}

static void json_volume(struct json *j, const struct ifrep_volume_view *v)
{
	const struct ifrep_status *st = &v->st;
	char gen[17];
	unsigned int i;

	json_begin_object(j, NULL);
	json_string(j, "name", v->name);
	/* a target that reports Fail says nothing else about itself */
	json_string(j, "role", st->whole_fail ? NULL : ifrep_role_name(st->role));
	json_u64(j, "size_bytes", v->size_bytes);
	json_u64_or_null(j, "chunk_bytes", !st->whole_fail, (uint64_t)st->chunk_sectors * 512);
	json_string(j, "data_device", v->data_device);
	json_string(j, "meta_device", v->meta_device);
	json_string(j, "journal_device", v->journal_device[0] ? v->journal_device : NULL);
	json_string(j, "health", ifrep_health_name(st->health));
	/* a string: JSON numbers lose 64-bit values in most readers (jq) */
	snprintf(gen, sizeof(gen), "%016" PRIx64, st->generation);
	json_string(j, "generation", st->whole_fail ? NULL : gen);
	json_string(j, "listen", st->listen[0] ? st->listen : NULL);
	json_string(j, "upstream", st->upstream[0] ? st->upstream : NULL);
	json_string(j, "image", ifrep_image_name(st->image));
	json_u64_or_null(j, "meta_writes", !st->whole_fail, st->meta_writes);
	json_begin_array(j, "pairs");
	for (i = 0; i < st->nr_pairs; i++)
		json_pair(j, v, i);
	json_end_array(j);
	json_u64_or_null(j, "snapshot_store_bytes", v->has_store, v->store_bytes);
	json_u64_or_null(j, "hot_chunks", v->has_hot, v->hot_used);
	json_u64_or_null(j, "hot_chunks_max", v->has_hot, v->hot_max);
	json_end_object(j);
}

void ifrep_report_json(FILE *f, const struct ifrep_volume_view *v, size_t n)
{
	struct json j;
	size_t i;

	json_begin_document(&j, f);
	json_begin_array(&j, "volumes");
	for (i = 0; i < n; i++)
		json_volume(&j, &v[i]);
	json_end_array(&j);
	json_end_document(&j);
}
