// SPDX-License-Identifier: GPL-2.0
/*
 * events.c - the lines of `ifrepctl events` (see events.h).
 *
 * A line is built as a list of key:value fields first, then written as
 * text or as one JSON object, so that both forms always say the same.
 */
#include "events.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

#define LINE_FIELDS 8

struct line {
	const char *kind;		/* exists, create, change, destroy, sync-point, verify */
	const char *object;		/* volume, pair, or "-" */
	const char *volume, *pair;
	unsigned int n;
	const char *key[LINE_FIELDS];
	char val[LINE_FIELDS][IFREP_PEER_LEN];
	bool number[LINE_FIELDS];	/* JSON: a number, not a string */
};

static void line_init(struct line *l, const char *kind, const char *object,
		      const char *volume, const char *pair)
{
	memset(l, 0, sizeof(*l));
	l->kind = kind;
	l->object = object;
	l->volume = volume;
	l->pair = pair;
}

static void field(struct line *l, const char *key, const char *val)
{
	if (l->n == LINE_FIELDS || !val)
		return;
	l->key[l->n] = key;
	snprintf(l->val[l->n], sizeof(l->val[0]), "%s", val);
	l->n++;
}

static void field_u64(struct line *l, const char *key, uint64_t val)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, val);
	field(l, key, buf);
	l->number[l->n - 1] = true;
}

static void emit(const struct ifrep_events_out *out, const struct line *l)
{
	unsigned int i;
	struct json j;

	if (!out->json) {
		if (out->time)
			fprintf(out->f, "%s ", out->time);
		fprintf(out->f, "%s %s", l->kind, l->object);
		if (l->volume)
			fprintf(out->f, " name:%s", l->volume);
		if (l->pair)
			fprintf(out->f, " pair:%s", l->pair);
		for (i = 0; i < l->n; i++)
			fprintf(out->f, " %s:%s", l->key[i], l->val[i]);
		fputc('\n', out->f);
		return;
	}
	json_begin_document(&j, out->f);
	json_string(&j, "time", out->time);
	json_string(&j, "kind", l->kind);
	json_string(&j, "object", l->object);
	if (l->volume)
		json_string(&j, "volume", l->volume);
	if (l->pair)
		json_string(&j, "pair", l->pair);
	for (i = 0; i < l->n; i++) {
		if (l->number[i])
			json_u64(&j, l->key[i], strtoull(l->val[i], NULL, 10));
		else
			json_string(&j, l->key[i], l->val[i]);
	}
	json_end_document(&j);
}

/*----------------------------------------------------------------
 * Volumes
 *--------------------------------------------------------------*/

static const char *image_word(const struct ifrep_status *st)
{
	return st->role == IFREP_ROLE_SECONDARY ? ifrep_image_name(st->image) : NULL;
}

static const char *upstream_word(const struct ifrep_status *st)
{
	return st->role == IFREP_ROLE_SECONDARY && st->upstream[0] ? st->upstream : NULL;
}

/* Every field of a volume (a "Fail" line says only its health). */
static void volume_fields(struct line *l, const struct ifrep_status *st)
{
	if (!st->whole_fail)
		field(l, "role", ifrep_role_name(st->role));
	field(l, "health", ifrep_health_name(st->health));
	if (st->whole_fail)
		return;
	field(l, "image", image_word(st));
	field(l, "upstream", upstream_word(st));
}

static bool word_changed(const char *a, const char *b)
{
	return (a == NULL) != (b == NULL) || (a && strcmp(a, b));
}

static unsigned int volume_change(const struct ifrep_events_out *out,
				  const struct ifrep_events_volume *before,
				  const struct ifrep_events_volume *now)
{
	const struct ifrep_status *a = &before->st, *b = &now->st;
	struct line l;

	line_init(&l, "change", "volume", now->name, NULL);
	if (b->whole_fail || a->whole_fail) {
		if (a->whole_fail != b->whole_fail || a->health != b->health)
			volume_fields(&l, b);
	} else {
		if (a->role != b->role)
			field(&l, "role", ifrep_role_name(b->role));
		if (a->health != b->health)
			field(&l, "health", ifrep_health_name(b->health));
		if (word_changed(image_word(a), image_word(b)))
			field(&l, "image", image_word(b) ? image_word(b) : IFREP_STATUS_NONE);
		if (word_changed(upstream_word(a), upstream_word(b)))
			field(&l, "upstream", upstream_word(b) ? upstream_word(b) : IFREP_STATUS_NONE);
	}
	if (!l.n)
		return 0;
	emit(out, &l);
	return 1;
}

/*----------------------------------------------------------------
 * Pairs
 *--------------------------------------------------------------*/

static void pair_fields(struct line *l, const struct ifrep_status_pair *p)
{
	field(l, "mode", ifrep_mode_name(p->mode));
	field(l, "peer", p->peer);
	field(l, "state", ifrep_pair_state_name(p->state));
	if (p->reason[0])
		field(l, "reason", p->reason);
}

static const struct ifrep_status_pair *find_pair(const struct ifrep_status *st,
						 const struct ifrep_status_pair *like)
{
	const struct ifrep_status_pair *p = ifrep_status_find_pair(st, like->name);

	/* Removed and added again under the same name in between: another pair. */
	return p && p->mode == like->mode && !strcmp(p->peer, like->peer) ? p : NULL;
}

static unsigned int pair_line(const struct ifrep_events_out *out, const char *kind,
			      const char *vol, const struct ifrep_status_pair *p, bool fields)
{
	struct line l;

	line_init(&l, kind, "pair", vol, p->name);
	if (fields)
		pair_fields(&l, p);
	emit(out, &l);
	return 1;
}

static unsigned int pair_change(const struct ifrep_events_out *out, const char *vol,
				const struct ifrep_status_pair *a,
				const struct ifrep_status_pair *b)
{
	unsigned int lines = 0;
	char when[32];
	struct line l;

	if (a->state != b->state || strcmp(a->reason, b->reason)) {
		line_init(&l, "change", "pair", vol, b->name);
		field(&l, "state", ifrep_pair_state_name(b->state));
		field(&l, "reason", b->reason[0] ? b->reason : IFREP_STATUS_NONE);
		emit(out, &l);
		lines++;
	}
	if (b->has_last_sync && (!a->has_last_sync || a->last_sync != b->last_sync)) {
		line_init(&l, "sync-point", "pair", vol, b->name);
		ifrep_format_iso8601(b->last_sync, when, sizeof(when));
		field(&l, "time", when);
		emit(out, &l);
		lines++;
	}
	/*
	 * A verify that started: its state changes.  One that ended: its state,
	 * or (a run over a finished one) its numbers.
	 */
	if (b->has_verify &&
	    (!a->has_verify || a->verify_state != b->verify_state ||
	     (b->verify_state != IFREP_VERIFY_RUNNING &&
	      (a->verify_checked != b->verify_checked || a->verify_total != b->verify_total ||
	       a->verify_differing != b->verify_differing)))) {
		line_init(&l, "verify", "pair", vol, b->name);
		field(&l, "state", ifrep_verify_state_name(b->verify_state));
		field_u64(&l, "checked", b->verify_checked);
		field_u64(&l, "total", b->verify_total);
		field_u64(&l, "differing", b->verify_differing);
		emit(out, &l);
		lines++;
	}
	return lines;
}

/*----------------------------------------------------------------
 * Whole readings
 *--------------------------------------------------------------*/

/* A volume and its pairs; a destroyed volume's pairs go first. */
static unsigned int volume_line(const struct ifrep_events_out *out, const char *kind,
				const struct ifrep_events_volume *v)
{
	bool destroy = !strcmp(kind, "destroy");
	unsigned int i, lines = 1;
	struct line l;

	if (destroy)
		for (i = 0; i < v->st.nr_pairs; i++)
			lines += pair_line(out, kind, v->name, &v->st.pairs[i], false);
	line_init(&l, kind, "volume", v->name, NULL);
	if (!destroy)
		volume_fields(&l, &v->st);
	emit(out, &l);
	if (!destroy)
		for (i = 0; i < v->st.nr_pairs; i++)
			lines += pair_line(out, kind, v->name, &v->st.pairs[i], true);
	return lines;
}

void ifrep_events_exists(const struct ifrep_events_out *out, const struct ifrep_events_view *now)
{
	struct line l;
	size_t i;

	for (i = 0; i < now->n; i++)
		volume_line(out, "exists", &now->vols[i]);
	line_init(&l, "exists", "-", NULL, NULL);
	emit(out, &l);
}

static unsigned int volume_diff(const struct ifrep_events_out *out,
				const struct ifrep_events_volume *a,
				const struct ifrep_events_volume *b)
{
	const struct ifrep_status_pair *p, *q;
	unsigned int i, lines;

	lines = volume_change(out, a, b);
	/* Pairs gone first: a name may be reused by a pair added in between. */
	for (i = 0; i < a->st.nr_pairs; i++)
		if (!find_pair(&b->st, &a->st.pairs[i]))
			lines += pair_line(out, "destroy", b->name, &a->st.pairs[i], false);
	for (i = 0; i < b->st.nr_pairs; i++) {
		q = &b->st.pairs[i];
		p = find_pair(&a->st, q);
		if (!p)
			lines += pair_line(out, "create", b->name, q, true);
		else
			lines += pair_change(out, b->name, p, q);
	}
	return lines;
}

unsigned int ifrep_events_diff(const struct ifrep_events_out *out,
			       const struct ifrep_events_view *before,
			       const struct ifrep_events_view *now)
{
	unsigned int lines = 0;
	size_t i = 0, k = 0;
	int cmp;

	/* Both sorted by name: walk them side by side. */
	while (i < before->n || k < now->n) {
		if (i == before->n)
			cmp = 1;
		else if (k == now->n)
			cmp = -1;
		else
			cmp = strcmp(before->vols[i].name, now->vols[k].name);
		if (cmp < 0) {
			lines += volume_line(out, "destroy", &before->vols[i++]);
		} else if (cmp > 0) {
			lines += volume_line(out, "create", &now->vols[k++]);
		} else {
			lines += volume_diff(out, &before->vols[i], &now->vols[k]);
			i++;
			k++;
		}
	}
	return lines;
}
