// SPDX-License-Identifier: GPL-2.0
/*
 * status.c - parse the dm-ifrep status line into struct ifrep_status.
 *
 * The line is split into blank-separated tokens first; each field then has
 * exactly one token and one parser.  Nothing is written to @st's caller
 * unless the whole line is valid.
 */
#include "status.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*
 * Older layouts of a pair: without <verify> (target 1.5), without <resync
 * skipped bytes> either (target 1.3 .. 1.4), without <cow fallbacks>
 * <snapshot store used bytes> either (target 1.0 .. 1.2), and modules
 * without async cycles, without <cycle> either.
 */
#define PAIR_FIELDS_1_5	IFREP_STATUS_PAIR_FIELDS_1_5
#define PAIR_FIELDS_1_4	IFREP_STATUS_PAIR_FIELDS_1_4
#define PAIR_FIELDS_1_2	IFREP_STATUS_PAIR_FIELDS_1_2
#define OLD_PAIR_FIELDS	(IFREP_STATUS_PAIR_FIELDS_1_2 - 1)
#define MAX_TOKENS	(IFREP_STATUS_VOLUME_FIELDS + \
			 IFREP_MAX_PAIRS * IFREP_STATUS_PAIR_FIELDS)

static const char *const image_names[] = {
	[IMAGE_NONE] = IFREP_STATUS_NONE,
	[IMAGE_CONSISTENT] = IFREP_IMAGE_CONSISTENT,
	[IMAGE_INCONSISTENT] = IFREP_IMAGE_INCONSISTENT,
};

const char *ifrep_image_name(enum ifrep_image i)
{
	return i == IMAGE_CONSISTENT || i == IMAGE_INCONSISTENT ? image_names[i] : NULL;
}

static int image_parse(const char *s)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(image_names); i++)
		if (!strcmp(image_names[i], s))
			return (int)i;
	return -1;
}

const char *ifrep_state_list(void)
{
	static char list[256];
	size_t i;

	if (!list[0]) {
		for (i = 0; i < IFREP_NR_PAIR_STATES; i++) {
			if (i)
				strcat(list, ", ");
			strcat(list, ifrep_pair_state_name(i));
		}
	}
	return list;
}

/*----------------------------------------------------------------*/

struct cursor {
	char *tok[MAX_TOKENS];
	unsigned int n;
	unsigned int pos;
	char *why;
	size_t whylen;
};

__attribute__((format(printf, 2, 3)))
static int bad(struct cursor *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, c->whylen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* The next token, or NULL (with the reason set) at the end of the line. */
static const char *next(struct cursor *c, const char *field)
{
	if (c->pos >= c->n) {
		bad(c, "line ends before the %s field", field);
		return NULL;
	}
	return c->tok[c->pos++];
}

static int field_u64(struct cursor *c, const char *field, uint64_t *v)
{
	const char *t, *why;

	if (!(t = next(c, field)))
		return -EINVAL;
	if (ifrep_parse_u64(t, v, &why))
		return bad(c, "%s '%s': %s", field, t, why);
	return 0;
}

/* A number, or '-' for "none". */
static int field_opt_u64(struct cursor *c, const char *field, bool *has, uint64_t *v)
{
	const char *t, *why;

	if (!(t = next(c, field)))
		return -EINVAL;
	*has = strcmp(t, "-") != 0;
	*v = 0;
	if (*has && ifrep_parse_u64(t, v, &why))
		return bad(c, "%s '%s': %s", field, t, why);
	return 0;
}

/* A word copied into @buf, or "" for '-'. */
static int field_word(struct cursor *c, const char *field, char *buf, size_t len)
{
	const char *t;

	if (!(t = next(c, field)))
		return -EINVAL;
	if (strlen(t) >= len)
		return bad(c, "%s '%.40s...' is too long", field, t);
	snprintf(buf, len, "%s", strcmp(t, "-") ? t : "");
	return 0;
}

static int field_keyword(struct cursor *c, const char *field,
			 int (*parse)(const char *), int *val)
{
	const char *t;
	int v;

	if (!(t = next(c, field)))
		return -EINVAL;
	v = parse(t);
	if (v < 0)
		return bad(c, "unknown %s '%.40s'", field, t);
	*val = v;
	return 0;
}

/* "<shipped>/<total>" of a running cycle, or '-'. */
static int field_cycle(struct cursor *c, struct ifrep_status_pair *p)
{
	const char *t, *slash, *why;
	char head[24];
	size_t n;

	if (!(t = next(c, "cycle")))
		return -EINVAL;
	p->has_cycle = strcmp(t, "-") != 0;
	p->cycle_shipped = p->cycle_total = 0;
	if (!p->has_cycle)
		return 0;
	slash = strchr(t, '/');
	if (!slash)
		return bad(c, "cycle '%.40s' is not <shipped>/<total>", t);
	n = (size_t)(slash - t);
	if (n >= sizeof(head))
		return bad(c, "cycle '%.40s': shipped chunks: too large", t);
	memcpy(head, t, n);
	head[n] = '\0';
	if (ifrep_parse_u64(head, &p->cycle_shipped, &why))
		return bad(c, "cycle '%.40s': shipped chunks: %s", t, why);
	if (ifrep_parse_u64(slash + 1, &p->cycle_total, &why))
		return bad(c, "cycle '%.40s': total chunks: %s", t, why);
	return 0;
}

/* One number of the <verify> field, ended by @end ('\0': the token's end). */
static int verify_number(struct cursor *c, const char *t, const char **s, char end,
			 const char *what, uint64_t *v)
{
	const char *stop = end ? strchr(*s, end) : *s + strlen(*s), *why;
	char num[24];
	size_t n;

	if (!stop)
		return bad(c, "verify '%.60s' is not <state>:<checked>/<total>:<differing>:<rate>", t);
	n = (size_t)(stop - *s);
	if (n >= sizeof(num))
		return bad(c, "verify '%.60s': %s: too large", t, what);
	memcpy(num, *s, n);
	num[n] = '\0';
	if (ifrep_parse_u64(num, v, &why))
		return bad(c, "verify '%.60s': %s: %s", t, what, why);
	*s = stop + (end ? 1 : 0);
	return 0;
}

/* "<state>:<checked>/<total>:<differing>:<rate>" of the pair's last verify, or '-'. */
static int field_verify(struct cursor *c, struct ifrep_status_pair *p)
{
	const char *t, *s, *colon;
	char state[16];
	int k;

	if (!(t = next(c, "verify")))
		return -EINVAL;
	p->has_verify = strcmp(t, "-") != 0;
	if (!p->has_verify)
		return 0;
	colon = strchr(t, ':');
	if (!colon || (size_t)(colon - t) >= sizeof(state))
		return bad(c, "verify '%.60s' is not <state>:<checked>/<total>:<differing>:<rate>", t);
	memcpy(state, t, (size_t)(colon - t));
	state[colon - t] = '\0';
	k = ifrep_verify_state_parse(state);
	if (k < 0 || k == IFREP_VERIFY_IDLE)
		return bad(c, "verify '%.60s': unknown state '%s'", t, state);
	p->verify_state = (enum ifrep_verify_state)k;
	s = colon + 1;
	if (verify_number(c, t, &s, '/', "checked chunks", &p->verify_checked) ||
	    verify_number(c, t, &s, ':', "total chunks", &p->verify_total) ||
	    verify_number(c, t, &s, ':', "differing chunks", &p->verify_differing) ||
	    verify_number(c, t, &s, '\0', "rate", &p->verify_rate))
		return -EINVAL;
	if (p->verify_checked > p->verify_total || p->verify_differing > p->verify_checked)
		return bad(c, "verify '%.60s': counts do not add up", t);
	return 0;
}

static int parse_pair(struct cursor *c, unsigned int i, struct ifrep_status_pair *p,
		      unsigned int width)
{
	uint64_t v;
	const char *why;
	int k = 0;

	if (field_word(c, "pair name", p->name, sizeof(p->name)))
		return -EINVAL;
	if (!ifrep_valid_pair_name(p->name, &why))
		return bad(c, "pair %u name '%s': %s", i + 1, p->name, why);
	if (field_keyword(c, "pair mode", ifrep_mode_parse, &k))
		return -EINVAL;
	p->mode = (enum ifrep_disk_mode)k;
	if (field_word(c, "pair peer", p->peer, sizeof(p->peer)))
		return -EINVAL;
	if (!p->peer[0])
		return bad(c, "pair %s has no peer", p->name);
	if (field_keyword(c, "pair state", ifrep_pair_state_parse, &k))
		return -EINVAL;
	p->state = (enum ifrep_pair_state)k;
	if (field_u64(c, "dirty chunks", &p->dirty_chunks) ||
	    field_u64(c, "bytes sent", &p->bytes_sent) ||
	    field_u64(c, "rate", &p->rate) ||
	    field_opt_u64(c, "last sync point", &p->has_last_sync, &v))
		return -EINVAL;
	if (v > INT64_MAX)
		return bad(c, "last sync point out of range");
	p->last_sync = (int64_t)v;
	if (field_opt_u64(c, "rpo", &p->has_rpo, &p->rpo) ||
	    field_word(c, "reason", p->reason, sizeof(p->reason)))
		return -EINVAL;
	if (width > OLD_PAIR_FIELDS && field_cycle(c, p))
		return -EINVAL;
	if (width <= PAIR_FIELDS_1_2)
		return 0;
	if (field_opt_u64(c, "cow fallbacks", &p->has_snapshot, &p->cow_fallbacks) ||
	    field_opt_u64(c, "snapshot store used bytes", &p->has_snapshot,
			  &p->snapshot_store_used))
		return -EINVAL;
	if (width <= PAIR_FIELDS_1_4)
		return 0;
	if (field_opt_u64(c, "resync skipped bytes", &p->has_resync_skipped,
			  &p->resync_skipped))
		return -EINVAL;
	if (width <= PAIR_FIELDS_1_5)
		return 0;
	return field_verify(c, p);
}

static int parse_generation(struct cursor *c, uint64_t *gen)
{
	const char *t;
	uint64_t v = 0;
	size_t i;

	if (!(t = next(c, "generation")))
		return -EINVAL;
	if (strlen(t) != 16)
		return bad(c, "generation '%.40s' is not 16 hex digits", t);
	for (i = 0; i < 16; i++) {
		int d = t[i];

		if (!isxdigit(d))
			return bad(c, "generation '%s' is not 16 hex digits", t);
		v = (v << 4) | (uint64_t)(isdigit(d) ? d - '0' : tolower(d) - 'a' + 10);
	}
	*gen = v;
	return 0;
}

static int parse_tokens(struct cursor *c, struct ifrep_status *st)
{
	uint64_t v, nr;
	unsigned int i, fields, width;
	int k = 0;

	if (c->n == 1 && !strcasecmp(c->tok[0], "fail")) {
		st->whole_fail = true;
		st->health = IFREP_HEALTH_FAIL;
		return 0;
	}
	if (field_keyword(c, "role", ifrep_role_parse, &k))
		return -EINVAL;
	st->role = (enum ifrep_disk_role)k;
	if (field_keyword(c, "health", ifrep_health_parse, &k))
		return -EINVAL;
	st->health = (enum ifrep_health)k;
	if (field_u64(c, "chunk sectors", &v))
		return -EINVAL;
	if (v < IFREP_MIN_CHUNK_SECTORS || v > IFREP_MAX_CHUNK_SECTORS || (v & (v - 1)))
		return bad(c, "chunk sectors %llu is not a power of two from %u to %u",
			   (unsigned long long)v, IFREP_MIN_CHUNK_SECTORS,
			   IFREP_MAX_CHUNK_SECTORS);
	st->chunk_sectors = (uint32_t)v;
	if (field_u64(c, "total chunks", &st->total_chunks) ||
	    parse_generation(c, &st->generation) ||
	    field_u64(c, "meta writes", &st->meta_writes) ||
	    field_word(c, "listen", st->listen, sizeof(st->listen)) ||
	    field_word(c, "upstream", st->upstream, sizeof(st->upstream)) ||
	    field_keyword(c, "image", image_parse, &k))
		return -EINVAL;
	st->image = (enum ifrep_image)k;
	if ((st->image == IMAGE_NONE) != (st->role == IFREP_ROLE_PRIMARY))
		return bad(c, "image '%s' for a %s", image_names[st->image],
			   ifrep_role_name(st->role));
	if (field_u64(c, "#pairs", &nr))
		return -EINVAL;
	if (nr > IFREP_MAX_PAIRS)
		return bad(c, "%llu pairs reported, at most %d exist",
			   (unsigned long long)nr, IFREP_MAX_PAIRS);
	fields = c->n - c->pos;
	width = nr ? fields / (unsigned int)nr : IFREP_STATUS_PAIR_FIELDS;
	if (fields != nr * IFREP_STATUS_PAIR_FIELDS &&
	    (!nr || fields % nr || (width != PAIR_FIELDS_1_5 && width != PAIR_FIELDS_1_4 &&
				    width != PAIR_FIELDS_1_2 && width != OLD_PAIR_FIELDS)))
		return bad(c, "%llu pairs need %llu fields, the line has %u",
			   (unsigned long long)nr,
			   (unsigned long long)(nr * IFREP_STATUS_PAIR_FIELDS), fields);
	st->nr_pairs = (unsigned int)nr;
	for (i = 0; i < st->nr_pairs; i++)
		if (parse_pair(c, i, &st->pairs[i], width))
			return -EINVAL;
	return 0;
}

int ifrep_status_parse(const char *line, struct ifrep_status *out,
		       char *why, size_t whylen)
{
	struct ifrep_status st;
	struct cursor c = { .why = why, .whylen = whylen };
	char *copy, *save = NULL, *t;
	int r;

	if (!line)
		return bad(&c, "no status line");
	copy = strdup(line);
	if (!copy)
		return bad(&c, "out of memory");
	for (t = strtok_r(copy, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save)) {
		if (c.n == MAX_TOKENS) {
			free(copy);
			return bad(&c, "too many fields (at most %d pairs exist)",
				   IFREP_MAX_PAIRS);
		}
		c.tok[c.n++] = t;
	}
	if (!c.n) {
		free(copy);
		return bad(&c, "empty status line");
	}
	memset(&st, 0, sizeof(st));
	r = parse_tokens(&c, &st);
	free(copy);
	if (!r)
		*out = st;
	return r;
}

const struct ifrep_status_pair *
ifrep_status_find_pair(const struct ifrep_status *st, const char *name)
{
	unsigned int i;

	for (i = 0; i < st->nr_pairs; i++)
		if (!strcmp(st->pairs[i].name, name))
			return &st->pairs[i];
	return NULL;
}

/* An async pair to a local target: the one kind of pair that keeps a journal here. */
static bool journal_pair(const struct ifrep_status_pair *p)
{
	return p->mode == IFREP_MODE_ASYNC && p->peer[0] == '/';
}

int ifrep_sync_point_pair(const struct ifrep_status *st, const char *vol, const char *pair,
			  const struct ifrep_status_pair **out, char *why, size_t whylen)
{
	const struct ifrep_status_pair *p = NULL;
	unsigned int i, n = 0;

	*out = NULL;
	if (st->role != IFREP_ROLE_PRIMARY) {
		if (pair)
			return ifrep_explain(-EINVAL, why, whylen, "%s is a secondary: its sync points are its own journal's (leave out the pair %s)",
					     vol, pair);
		return 0;
	}
	if (pair) {
		p = ifrep_status_find_pair(st, pair);
		if (!p)
			return ifrep_explain(-EINVAL, why, whylen, "%s has no pair named %s", vol, pair);
		if (p->mode != IFREP_MODE_ASYNC)
			return ifrep_explain(-EINVAL, why, whylen, "pair %s of %s is a %s pair: only async pairs have sync points",
					     pair, vol, ifrep_mode_name(p->mode));
		if (!journal_pair(p))
			return ifrep_explain(-EINVAL, why, whylen, "pair %s of %s replicates to %s: its sync points are kept on that secondary (run this there)",
					     pair, vol, p->peer);
		*out = p;
		return 0;
	}
	for (i = 0; i < st->nr_pairs; i++)
		if (journal_pair(&st->pairs[i]) && !n++)
			p = &st->pairs[i];
	if (!n)
		return ifrep_explain(-EINVAL, why, whylen, "%s is a primary: sync points are kept on its secondary (run this there), or in the journal of an async pair to a local target, which it has none of",
				     vol);
	if (n > 1)
		return ifrep_explain(-EINVAL, why, whylen, "%s has %u async pairs to local targets: name the one whose sync points you mean",
				     vol, n);
	*out = p;
	return 0;
}

enum ifrep_cut_progress ifrep_cut_progress(const struct ifrep_status_pair *p, int64_t cut)
{
	/*
	 * Sync points have a resolution of one second: a cycle cut and
	 * committed within the second of our cut looks like ours.  While a
	 * cycle runs, an equal time is that earlier one; once none runs, it
	 * is ours (or, rarely, ours failed on a broken link in that second).
	 */
	if (p->has_last_sync &&
	    (p->last_sync > cut || (p->last_sync == cut && !p->has_cycle)))
		return CUT_COMMITTED;
	if (p->state == IFREP_PS_FAILED)
		return CUT_FAILED;
	return CUT_PENDING;
}
