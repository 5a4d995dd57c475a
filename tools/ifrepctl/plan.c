// SPDX-License-Identifier: GPL-2.0
/*
 * plan.c - from a volume file's section and what the host has, the
 * ifrepctl commands apply runs (plan.h).
 *
 * A setting the file leaves out is the default pair add and create give
 * it, and is compared as such: the record keeps effective values (the
 * kernel writes timeout 30 when none was given), except where it keeps 0
 * for "the default" (granule, hot chunks, resync), which is resolved here
 * before comparing.  Every refusal is decided before the first step, so
 * that apply either does all it planned or nothing.
 */
#include "plan.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "msg.h"
#include "util.h"

/*----------------------------------------------------------------
 * Steps
 *--------------------------------------------------------------*/

struct planner {
	const struct ifrep_conf_volume *v;
	const struct ifrep_conf_host *h;
	const struct ifrep_have *have;
	struct ifrep_plan *p;
	char *why;
	size_t whylen;
	bool overflow;
};

__attribute__((format(printf, 2, 3)))
static int refuse(struct planner *pl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pl->why, pl->whylen, fmt, ap);
	va_end(ap);
	return -EPERM;
}

/* A new step running @cmd (one or two words) on the volume. */
static struct ifrep_step *step(struct planner *pl, const char *cmd)
{
	struct ifrep_step *s;

	if (pl->p->nr >= IFREP_PLAN_MAX_STEPS) {
		pl->overflow = true;
		return NULL;
	}
	s = &pl->p->steps[pl->p->nr++];
	memset(s, 0, sizeof(*s));
	s->cmd = cmd;
	return s;
}

__attribute__((format(printf, 3, 4)))
static void word(struct planner *pl, struct ifrep_step *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!s || s->argc >= IFREP_STEP_MAX_WORDS) {
		pl->overflow = true;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(s->buf + s->used, sizeof(s->buf) - s->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(s->buf) - s->used) {
		pl->overflow = true;
		return;
	}
	s->argv[s->argc++] = s->buf + s->used;
	s->used += (size_t)n + 1;
}

/* A step's first words: its command's last word (what cli_run() takes as argv[0]), the names. */
static struct ifrep_step *start(struct planner *pl, const char *cmd, const char *pair)
{
	struct ifrep_step *s = step(pl, cmd);
	const char *last = strrchr(cmd, ' ');

	word(pl, s, "%s", last ? last + 1 : cmd);
	word(pl, s, "%s", pl->v->name);
	if (pair)
		word(pl, s, "%s", pair);
	return s;
}

/*----------------------------------------------------------------
 * The volume
 *--------------------------------------------------------------*/

/* "--option N" */
static void word_number(struct planner *pl, struct ifrep_step *s, const char *option,
			uint64_t value)
{
	word(pl, s, "%s", option);
	word(pl, s, "%" PRIu64, value);
}

/* "--option VALUE", for a value that is a string and may be empty (none). */
static void word_option(struct planner *pl, struct ifrep_step *s, const char *option,
			const char *value)
{
	if (!value[0])
		return;
	word(pl, s, "%s", option);
	word(pl, s, "%s", value);
}

static const char *role_word(uint32_t role)
{
	return role == IFREP_ROLE_SECONDARY ? "secondary" : "primary";
}

static uint32_t hot_chunks(uint32_t n)
{
	return n ? n : IFREP_DEFAULT_HOT_CHUNKS;
}

static void plan_create(struct planner *pl)
{
	const struct ifrep_conf_host *h = pl->h;
	struct ifrep_step *s = start(pl, "create", NULL);
	char sz[32];

	word(pl, s, "--data");
	word(pl, s, "%s", h->data);
	word(pl, s, "--meta");
	word(pl, s, "%s", h->meta);
	word(pl, s, "--role");
	word(pl, s, "%s", role_word(h->role));
	if (h->has_chunk_size) {
		word(pl, s, "--chunk-size");
		word(pl, s, "%s", ifrep_format_bytes_exact(h->chunk_bytes, sz, sizeof(sz)));
	}
	if (h->hot_chunks) {
		word(pl, s, "--hot-chunks");
		word(pl, s, "%u", h->hot_chunks);
	}
	word_option(pl, s, "--listen", h->listen);
	if (h->secret_file[0]) {
		word(pl, s, "--secret-file");
		word(pl, s, "%s", h->secret_file);
	}
	if (h->insecure)
		word(pl, s, "--insecure");
	word_option(pl, s, "--journal", h->journal);
}

/*
 * What the metadata (and the live table) say against the file, for a
 * volume that exists (active, or to be activated from its metadata).
 */
static int compare_volume(struct planner *pl)
{
	const struct ifrep_conf_host *h = pl->h;
	const struct ifrep_have *have = pl->have;
	const struct ifrep_meta *m = have->m;
	const char *n = pl->v->name, *journal;
	const char *data = have->active ? have->data : m->data_path;
	char sz[32], sz2[32];

	if (!have->active && strcmp(m->volume_name, n))
		return refuse(pl, "%s holds the metadata of the volume '%s', not of %s: check the file's meta device",
			      h->meta, m->volume_name, n);
	if (have->active && !have->same_dev(have->meta, h->meta))
		return refuse(pl, "%s is active with the metadata device %s, the file says %s: a volume's devices cannot change in place (remove it, fix the file or the devices, and apply again)",
			      n, have->meta, h->meta);
	if (data[0] && !have->same_dev(data, h->data))
		return refuse(pl, "%s %s the data device %s, the file says %s: a volume's devices cannot change in place (the change bitmaps describe that device)",
			      n, have->active ? "is active with" : "records", data, h->data);
	if (m->role != h->role)
		return refuse(pl, "%s is %s here, the file says %s: apply does not change roles (run 'ifrepctl %s %s' when that is what you want, or fix the file)",
			      n, role_word(m->role), role_word(h->role),
			      h->role == IFREP_ROLE_PRIMARY ? "promote" : "demote", n);
	if ((uint64_t)m->chunk_sectors * 512 != h->chunk_bytes)
		return refuse(pl, "%s has the chunk size %s, the file says %s: the chunk size is fixed when the metadata is formatted (fix the file; a new chunk size means a new volume: create --force, then full syncs)",
			      n, ifrep_format_bytes_exact((uint64_t)m->chunk_sectors * 512, sz, sizeof(sz)),
			      ifrep_format_bytes_exact(h->chunk_bytes, sz2, sizeof(sz2)));
	if (m->role == IFREP_ROLE_PRIMARY && hot_chunks(m->hot_chunks) != hot_chunks(h->hot_chunks))
		return refuse(pl, "%s keeps %u hot chunks, the file says %u: the hot set is recorded when the volume is created (fix the file)",
			      n, hot_chunks(m->hot_chunks), hot_chunks(h->hot_chunks));
	if (strcmp(m->listen, h->listen))
		return refuse(pl, "%s %s%s, the file says %s%s: the listen address is set when the volume is created or activated (remove it and create it again with the new address, or fix the file)",
			      n, m->listen[0] ? "listens on " : "does not listen", m->listen,
			      h->listen[0] ? "listen " : "no listen", h->listen);
	if (m->listen[0] && !!(m->flags & IFREP_SB_F_INSECURE) != h->insecure)
		return refuse(pl, "%s %s, the file says %s: this is chosen when the volume is created (fix the file)",
			      n, m->flags & IFREP_SB_F_INSECURE ? "listens without a secret (insecure)" :
			      "listens with a secret", h->insecure ? "insecure" : "secret-file");
	journal = have->active ? have->journal : m->journal_path;
	if (!!journal[0] != !!h->journal[0] ||
	    (journal[0] && !have->same_dev(journal, h->journal)))
		return refuse(pl, "%s has %s%s, the file says %s%s: a secondary's journal is chosen when it is created (fix the file)",
			      n, journal[0] ? "the journal device " : "no journal", journal,
			      h->journal[0] ? "journal " : "no journal", h->journal);
	return 0;
}

/*----------------------------------------------------------------
 * Pairs
 *--------------------------------------------------------------*/

static const char *pair_journal(const struct ifrep_meta_pair *mp)
{
	return mp->flags & IFREP_PAIR_F_JOURNAL ? mp->secret_file : "";
}

static uint64_t granule_bytes(const struct ifrep_meta_pair *mp)
{
	return mp->granule_sectors ? (uint64_t)mp->granule_sectors * 512 :
	       IFREP_DEFAULT_GRANULE_BYTES;
}

/* The file's pair resyncs by checksum (its resync word, else the default)? */
static bool conf_checksum(const struct ifrep_conf_pair *cp)
{
	if (cp->resync != IFREP_PAIR_RESYNC_DEFAULT)
		return cp->resync == IFREP_PAIR_RESYNC_CHECKSUM;
	return cp->mode == IFREP_MODE_SYNC && cp->remote;
}

/* Refuse what pair set cannot change: the pair is another pair then. */
static int compare_fixed(struct planner *pl, const struct ifrep_conf_pair *cp,
			 const struct ifrep_meta_pair *mp)
{
	const char *n = pl->v->name;
	char sz[32], sz2[32];
	const char *what = NULL;

#define NEW_PAIR "a pair's target, mode, journal, granule and security are fixed when it is added: run 'ifrepctl pair remove %s %s' and apply again (a full initial sync), or fix the file"
	if (mp->mode != cp->mode ||
	    (cp->remote ? strcmp(mp->peer, cp->to) || !(mp->flags & IFREP_PAIR_F_REMOTE)
			: (mp->flags & IFREP_PAIR_F_REMOTE) || !pl->have->same_dev(mp->peer, cp->to)))
		return refuse(pl, "pair %s of %s replicates %s to %s, the file says %s to %s: " NEW_PAIR,
			      cp->name, n, ifrep_mode_name(mp->mode), mp->peer,
			      ifrep_mode_name(cp->mode), cp->to, n, cp->name);
	if (!!pair_journal(mp)[0] != !!cp->journal[0] ||
	    (cp->journal[0] && !pl->have->same_dev(pair_journal(mp), cp->journal)))
		return refuse(pl, "pair %s of %s has the journal %s, the file says %s: " NEW_PAIR,
			      cp->name, n, pair_journal(mp)[0] ? pair_journal(mp) : "(none)",
			      cp->journal[0] ? cp->journal : "(none)", n, cp->name);
	if (cp->mode != IFREP_MODE_SYNC &&
	    granule_bytes(mp) != (cp->has_granule ? cp->granule_bytes : IFREP_DEFAULT_GRANULE_BYTES))
		return refuse(pl, "pair %s of %s has the granule %s, the file says %s: " NEW_PAIR,
			      cp->name, n, ifrep_format_bytes_exact(granule_bytes(mp), sz, sizeof(sz)),
			      ifrep_format_bytes_exact(cp->has_granule ? cp->granule_bytes :
						       IFREP_DEFAULT_GRANULE_BYTES, sz2, sizeof(sz2)),
			      n, cp->name);
	if (!cp->remote)
		return 0;
	if (!!(mp->flags & IFREP_PAIR_F_INSECURE) != cp->insecure)
		what = "insecure";
	else if (!!(mp->flags & IFREP_PAIR_F_INTEGRITY) != cp->integrity_only)
		what = "integrity-only";
	else if (!cp->insecure && strcmp(mp->secret_file, cp->secret_file))
		what = "secret-file";
	if (what)
		return refuse(pl, "pair %s of %s: its %s differs from the file's (recorded: %s%s): " NEW_PAIR,
			      cp->name, n, what,
			      mp->flags & IFREP_PAIR_F_INSECURE ? "insecure" : "secret-file ",
			      mp->flags & IFREP_PAIR_F_INSECURE ? "" :
			      mp->secret_file[0] ? mp->secret_file : "(none)", n, cp->name);
#undef NEW_PAIR
	return 0;
}

/* A pair set of what differs among the settings pair set changes; none if nothing. */
static void plan_set(struct planner *pl, const struct ifrep_conf_pair *cp,
		     const struct ifrep_meta_pair *mp)
{
	uint64_t rate = cp->has_rate ? cp->rate : 0;
	uint64_t timeout = cp->has_timeout ? cp->timeout_s : IFREP_DEFAULT_TIMEOUT_S;
	uint64_t interval = cp->has_interval ? cp->interval_s : 0;
	uint64_t points = cp->has_sync_points ? cp->sync_points : 0;
	uint32_t rec_timeout = mp->timeout_s ? mp->timeout_s : IFREP_DEFAULT_TIMEOUT_S;
	bool set_rate = mp->rate_bytes_per_s != rate;
	bool set_timeout = cp->remote && rec_timeout != timeout;
	bool set_interval = cp->mode == IFREP_MODE_ASYNC && mp->interval_s != interval;
	bool set_points = cp->mode == IFREP_MODE_ASYNC && mp->sync_points != points;
	bool set_resync = cp->mode == IFREP_MODE_SYNC &&
			  ifrep_resync_checksum(mp->mode, mp->flags, mp->resync_mode) != conf_checksum(cp);
	struct ifrep_step *s;

	if (!set_rate && !set_timeout && !set_interval && !set_points && !set_resync)
		return;
	s = start(pl, "pair set", cp->name);
	if (set_rate)
		word_number(pl, s, "--rate", rate);
	if (set_timeout)
		word_number(pl, s, "--timeout", timeout);
	if (set_interval)
		word_number(pl, s, "--interval", interval);
	if (set_points)
		word_number(pl, s, "--sync-points", points);
	if (set_resync) {
		word(pl, s, "--resync");
		word(pl, s, "%s", conf_checksum(cp) ? "checksum" : "full");
	}
}

static void plan_add(struct planner *pl, const struct ifrep_conf_pair *cp)
{
	struct ifrep_step *s = start(pl, "pair add", cp->name);
	char sz[32];

	word(pl, s, "--to");
	word(pl, s, "%s", cp->to);
	word(pl, s, "--mode");
	word(pl, s, "%s", ifrep_mode_name(cp->mode));
	if (cp->has_interval) {
		word(pl, s, "--interval");
		word(pl, s, "%" PRIu64, cp->interval_s);
	}
	if (cp->has_timeout) {
		word(pl, s, "--timeout");
		word(pl, s, "%" PRIu64, cp->timeout_s);
	}
	if (cp->has_sync_points) {
		word(pl, s, "--sync-points");
		word(pl, s, "%" PRIu64, cp->sync_points);
	}
	if (cp->has_rate) {
		word(pl, s, "--rate");
		word(pl, s, "%" PRIu64, cp->rate);
	}
	if (cp->has_granule) {
		word(pl, s, "--granule");
		word(pl, s, "%s", ifrep_format_bytes_exact(cp->granule_bytes, sz, sizeof(sz)));
	}
	if (cp->resync != IFREP_PAIR_RESYNC_DEFAULT) {
		word(pl, s, "--resync");
		word(pl, s, "%s", ifrep_resync_name(cp->resync));
	}
	word_option(pl, s, "--journal", cp->journal);
	if (cp->secret_file[0]) {
		word(pl, s, "--secret-file");
		word(pl, s, "%s", cp->secret_file);
	}
	if (cp->insecure)
		word(pl, s, "--insecure");
	if (cp->integrity_only)
		word(pl, s, "--integrity-only");
	if (cp->no_device)
		word(pl, s, "--no-device");
}

/* Pairs recorded and not in the file go first: they free targets and slots. */
static int plan_pairs(struct planner *pl)
{
	const struct ifrep_conf_host *h = pl->h;
	const struct ifrep_meta *m = pl->have->m;
	const struct ifrep_meta_pair *mp;
	unsigned int i, nr = m ? m->nr_pairs : 0;
	int r;

	for (i = 0; i < h->nr_pairs; i++) {
		mp = m ? ifrep_meta_find_pair(m, h->pairs[i].name) : NULL;
		if (mp && (r = compare_fixed(pl, &h->pairs[i], mp)))
			return r;
	}
	for (i = 0; i < nr; i++)
		if (!ifrep_conf_pair(h, m->pairs[i].name))
			start(pl, "pair remove", m->pairs[i].name);
	for (i = 0; i < h->nr_pairs; i++) {
		mp = m ? ifrep_meta_find_pair(m, h->pairs[i].name) : NULL;
		if (mp)
			plan_set(pl, &h->pairs[i], mp);
	}
	for (i = 0; i < h->nr_pairs; i++)
		if (!m || !ifrep_meta_find_pair(m, h->pairs[i].name))
			plan_add(pl, &h->pairs[i]);
	return 0;
}

int ifrep_plan_volume(const struct ifrep_conf_volume *v, const struct ifrep_conf_host *h,
		      const struct ifrep_have *have, struct ifrep_plan *p,
		      char *why, size_t whylen)
{
	struct planner pl = {
		.v = v, .h = h, .have = have, .p = p, .why = why, .whylen = whylen,
	};
	struct ifrep_step *s;
	int r;

	p->nr = 0;
	if (have->active && !have->m)
		return refuse(&pl, "%s is active but its metadata cannot be read", v->name);
	if (!have->m) {
		plan_create(&pl);
	} else {
		if ((r = compare_volume(&pl)))
			return r;
		if (!have->active) {
			s = start(&pl, "activate", NULL);
			word(&pl, s, "--data");
			word(&pl, s, "%s", h->data);
			word(&pl, s, "--meta");
			word(&pl, s, "%s", h->meta);
		}
		/* create hands an existing listener a secret (and records its file) */
		if (h->secret_file[0] && strcmp(have->m->listen_secret_file, h->secret_file)) {
			s = start(&pl, "create", NULL);
			word(&pl, s, "--data");
			word(&pl, s, "%s", h->data);
			word(&pl, s, "--meta");
			word(&pl, s, "%s", h->meta);
			word(&pl, s, "--role");
			word(&pl, s, "secondary");
			word(&pl, s, "--listen");
			word(&pl, s, "%s", h->listen);
			word(&pl, s, "--secret-file");
			word(&pl, s, "%s", h->secret_file);
		}
	}
	if ((r = plan_pairs(&pl)))
		return r;
	if (pl.overflow) {
		p->nr = 0;
		snprintf(why, whylen, "a step of %s does not fit a command line", v->name);
		return -ENOSPC;
	}
	return 0;
}

/* Words a shell takes as they are. */
static bool plain_word(const char *w)
{
	return *w && strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			       "0123456789_./:@%+=,-") == strlen(w);
}

void ifrep_step_format(const struct ifrep_step *s, struct outbuf *o)
{
	const char *w;
	unsigned int i;

	outbuf_printf(o, "ifrepctl %s", s->cmd);
	for (i = 1; i < s->argc; i++) {
		w = s->argv[i];
		if (plain_word(w)) {
			outbuf_printf(o, " %s", w);
			continue;
		}
		outbuf_printf(o, " '");
		for (; *w; w++)
			outbuf_printf(o, *w == '\'' ? "'\\''" : "%c", *w);
		outbuf_printf(o, "'");
	}
}
