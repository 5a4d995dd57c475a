// SPDX-License-Identifier: GPL-2.0
/*
 * msg.c - build dm-ifrep target messages (see msg.h).
 */
#include "msg.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool word(const char *s)
{
	return s && *s && !ifrep_has_space(s);
}

struct out {
	char *buf;
	size_t len, pos;
	bool overflow;
};

__attribute__((format(printf, 2, 3)))
static void emit(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->pos)
		o->overflow = true;
	else
		o->pos += (size_t)n;
}

int ifrep_msg_pair_add(const struct ifrep_pair_opts *o, char *buf, size_t len)
{
	struct out out = { buf, len, 0, false };

	if (!len)
		return -ENAMETOOLONG;
	buf[0] = '\0';
	if (!word(o->name) || !word(o->peer) ||
	    (o->secret_file && !word(o->secret_file)) || (o->journal && !word(o->journal)))
		return -EINVAL;
	emit(&out, "pair_add %s %s %s", o->name, ifrep_mode_name(o->mode), o->peer);
	if (o->has_timeout)
		emit(&out, " timeout=%" PRIu64, o->timeout_s);
	if (o->has_rate)
		emit(&out, " rate=%" PRIu64, o->rate);
	if (o->has_interval)
		emit(&out, " interval=%" PRIu64, o->interval_s);
	if (o->has_sync_points)
		emit(&out, " sync_points=%" PRIu64, o->sync_points);
	if (o->secret_file)
		emit(&out, " secret_file=%s", o->secret_file);
	if (o->insecure)
		emit(&out, " insecure");
	if (o->journal)
		emit(&out, " journal=%s", o->journal);
	if (out.overflow) {
		buf[0] = '\0';
		return -ENAMETOOLONG;
	}
	return 0;
}

int ifrep_msg_simple(const char *verb, const char *pair, char *buf, size_t len)
{
	int n;

	if (!word(verb) || !word(pair))
		return -EINVAL;
	n = snprintf(buf, len, "%s %s", verb, pair);
	return (n < 0 || (size_t)n >= len) ? -ENAMETOOLONG : 0;
}

int ifrep_msg_secret(const char *pair, const uint8_t *secret, size_t n,
		     const char *file, char *buf, size_t len)
{
	const char *who = pair ? pair : "-";
	size_t head = strlen("secret ") + strlen(who) + 1;
	size_t tail = file ? strlen(file) + 1 : 0;

	if (!word(who) || !n || (file && (!word(file) || file[0] != '/')))
		return -EINVAL;
	if (len < head + 2 * n + tail + 1)
		return -ENAMETOOLONG;
	snprintf(buf, len, "secret %s ", who);
	ifrep_hex_encode(secret, n, buf + head);
	if (file)
		snprintf(buf + head + 2 * n, len - head - 2 * n, " %s", file);
	return 0;
}

/*----------------------------------------------------------------
 * Replies
 *--------------------------------------------------------------*/

#define MAX_REPLY_FIELDS 6

__attribute__((format(printf, 3, 4)))
static int reply_bad(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * Splits @text into lines of exactly @nf blank-separated fields and calls
 * @fn for each (@lineno from 1).  Empty lines (the final newline) are
 * skipped.  Returns the first non-zero @fn result, or -EINVAL.
 */
static int for_each_line(const char *text, unsigned int nf,
			 int (*fn)(char **f, unsigned int lineno, void *arg), void *arg,
			 char *why, size_t whylen)
{
	char *copy, *line, *lsave = NULL, *fsave = NULL, *f[MAX_REPLY_FIELDS + 1], *t;
	unsigned int lineno = 0, k;
	int r = 0;

	copy = strdup(text ? text : "");
	if (!copy)
		return reply_bad(why, whylen, "out of memory");
	for (line = strtok_r(copy, "\n", &lsave); line && !r;
	     line = strtok_r(NULL, "\n", &lsave)) {
		lineno++;
		k = 0;
		for (t = strtok_r(line, " \t", &fsave); t && k <= nf;
		     t = strtok_r(NULL, " \t", &fsave))
			f[k++] = t;
		if (!k) {
			lineno--;
			continue;
		}
		if (k != nf) {
			r = reply_bad(why, whylen, "line %u has %s%u fields, not %u", lineno,
				      k > nf ? "more than " : "", k > nf ? nf : k, nf);
			break;
		}
		r = fn(f, lineno, arg);
	}
	free(copy);
	return r;
}

static int reply_u64(const char *t, const char *what, unsigned int lineno, uint64_t *v,
		     char *why, size_t whylen)
{
	const char *e;

	if (ifrep_parse_u64(t, v, &e))
		return reply_bad(why, whylen, "line %u: %s '%.32s': %s", lineno, what, t, e);
	return 0;
}

struct cut_ctx {
	struct ifrep_sync_cut *cuts;
	unsigned int max, n;
	char *why;
	size_t whylen;
};

static int cut_line(char **f, unsigned int lineno, void *arg)
{
	struct cut_ctx *c = arg;
	const char *e;
	unsigned int i;
	uint64_t t;

	if (!ifrep_valid_pair_name(f[0], &e))
		return reply_bad(c->why, c->whylen, "line %u: pair name '%.32s': %s", lineno,
				 f[0], e);
	if (reply_u64(f[1], "cut time", lineno, &t, c->why, c->whylen))
		return -EINVAL;
	if (t > INT64_MAX)
		return reply_bad(c->why, c->whylen, "line %u: cut time out of range", lineno);
	for (i = 0; i < c->n; i++)
		if (!strcmp(c->cuts[i].pair, f[0]))
			return reply_bad(c->why, c->whylen, "line %u: pair %s cut twice",
					 lineno, f[0]);
	if (c->n == c->max)
		return reply_bad(c->why, c->whylen, "more than %u cuts", c->max);
	snprintf(c->cuts[c->n].pair, sizeof(c->cuts[c->n].pair), "%s", f[0]);
	c->cuts[c->n].cut = (int64_t)t;
	c->n++;
	return 0;
}

int ifrep_parse_sync_reply(const char *text, struct ifrep_sync_cut *cuts,
			   unsigned int max, unsigned int *n, char *why, size_t whylen)
{
	struct cut_ctx c = { cuts, max, 0, why, whylen };
	int r;

	*n = 0;
	r = for_each_line(text, 2, cut_line, &c, why, whylen);
	if (!r)
		*n = c.n;
	return r;
}

struct point_ctx {
	struct ifrep_sync_point *pts;
	unsigned int max, n;
	char *why;
	size_t whylen;
};

static int point_line(char **f, unsigned int lineno, void *arg)
{
	struct point_ctx *c = arg;
	struct ifrep_sync_point p;
	uint64_t t;

	memset(&p, 0, sizeof(p));
	if (reply_u64(f[0], "id", lineno, &p.id, c->why, c->whylen) ||
	    reply_u64(f[1], "cut time", lineno, &t, c->why, c->whylen) ||
	    reply_u64(f[2], "bytes", lineno, &p.rollback_bytes, c->why, c->whylen))
		return -EINVAL;
	if (t > INT64_MAX)
		return reply_bad(c->why, c->whylen, "line %u: cut time out of range", lineno);
	p.time = (int64_t)t;
	p.current = c->n == 0;
	if (p.current && p.rollback_bytes)
		return reply_bad(c->why, c->whylen,
				 "line 1 (the current image) has %" PRIu64 " bytes to roll back",
				 p.rollback_bytes);
	if (c->n == c->max)
		return reply_bad(c->why, c->whylen, "more than %u sync points", c->max);
	c->pts[c->n++] = p;
	return 0;
}

int ifrep_parse_sync_points(const char *text, struct ifrep_sync_point *pts,
			    unsigned int max, unsigned int *n, char *why, size_t whylen)
{
	struct point_ctx c = { pts, max, 0, why, whylen };
	int r;

	*n = 0;
	r = for_each_line(text, 3, point_line, &c, why, whylen);
	if (!r && !c.n)
		r = reply_bad(why, whylen, "the reply is empty (not even the current image)");
	if (!r)
		*n = c.n;
	return r;
}

struct map_ctx {
	uint64_t *slot_of;
	uint64_t nchunks;
	char *why;
	size_t whylen;
};

static int map_line(char **f, unsigned int lineno, void *arg)
{
	struct map_ctx *c = arg;
	uint64_t chunk, sector;

	if (reply_u64(f[0], "chunk", lineno, &chunk, c->why, c->whylen) ||
	    reply_u64(f[1], "sector", lineno, &sector, c->why, c->whylen))
		return -EINVAL;
	if (chunk >= c->nchunks)
		return reply_bad(c->why, c->whylen, "line %u: chunk %" PRIu64 " is outside the volume",
				 lineno, chunk);
	if (sector == IFREP_NO_SLOT)
		return reply_bad(c->why, c->whylen, "line %u: impossible sector", lineno);
	if (c->slot_of[chunk] != IFREP_NO_SLOT)
		return reply_bad(c->why, c->whylen, "line %u: chunk %" PRIu64 " twice", lineno, chunk);
	c->slot_of[chunk] = sector;
	return 0;
}

int ifrep_parse_sync_point_map(const char *text, uint64_t nchunks, uint64_t *slot_of,
			       char *why, size_t whylen)
{
	struct map_ctx c = { slot_of, nchunks, why, whylen };
	uint64_t i;

	for (i = 0; i < nchunks; i++)
		slot_of[i] = IFREP_NO_SLOT;
	return for_each_line(text, 2, map_line, &c, why, whylen);
}

struct verify_ctx {
	struct ifrep_verify_status *vs;
	unsigned int n;
	char *why;
	size_t whylen;
};

static int verify_line(char **f, unsigned int lineno, void *arg)
{
	struct verify_ctx *c = arg;
	struct ifrep_verify_status *vs = c->vs;
	uint64_t t;
	int state;

	if (++c->n > 1)
		return reply_bad(c->why, c->whylen, "more than one line");
	state = ifrep_verify_state_parse(f[0]);
	if (state < 0)
		return reply_bad(c->why, c->whylen, "line %u: unknown verify state '%.32s'",
				 lineno, f[0]);
	vs->state = (enum ifrep_verify_state)state;
	if (reply_u64(f[1], "checked", lineno, &vs->checked, c->why, c->whylen) ||
	    reply_u64(f[2], "total", lineno, &vs->total, c->why, c->whylen) ||
	    reply_u64(f[3], "differing", lineno, &vs->differing, c->why, c->whylen) ||
	    reply_u64(f[4], "start time", lineno, &t, c->why, c->whylen))
		return -EINVAL;
	if (vs->checked > vs->total || vs->differing > vs->checked)
		return reply_bad(c->why, c->whylen,
				 "line %u: counts do not add up (%" PRIu64 " differing, %" PRIu64
				 " checked, %" PRIu64 " chunks)", lineno, vs->differing,
				 vs->checked, vs->total);
	if (t > INT64_MAX)
		return reply_bad(c->why, c->whylen, "line %u: start time out of range", lineno);
	vs->started = (int64_t)t;
	if (strcmp(f[5], "-") && !word(f[5]))
		return reply_bad(c->why, c->whylen, "line %u: bad reason", lineno);
	snprintf(vs->reason, sizeof(vs->reason), "%s", strcmp(f[5], "-") ? f[5] : "");
	if ((vs->state == IFREP_VERIFY_STOPPED) != (vs->reason[0] != '\0'))
		return reply_bad(c->why, c->whylen, "line %u: %s with%s a reason", lineno,
				 f[0], vs->reason[0] ? "" : "out");
	return 0;
}

int ifrep_parse_verify_status(const char *text, struct ifrep_verify_status *vs,
			      char *why, size_t whylen)
{
	struct verify_ctx c = { vs, 0, why, whylen };
	int r;

	memset(vs, 0, sizeof(*vs));
	r = for_each_line(text, 6, verify_line, &c, why, whylen);
	if (!r && !c.n)
		r = reply_bad(why, whylen, "empty reply");
	return r;
}
