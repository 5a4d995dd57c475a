// SPDX-License-Identifier: GPL-2.0
/*
 * msg.c - build dm-ifrep target messages (see msg.h).
 */
#include "msg.h"
#include "outbuf.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *ifrep_resync_name(uint32_t resync_mode)
{
	return resync_mode == IFREP_PAIR_RESYNC_CHECKSUM ? "checksum" :
	       resync_mode == IFREP_PAIR_RESYNC_FULL ? "full" : NULL;
}

int ifrep_resync_parse(const char *s)
{
	if (!strcmp(s, "checksum"))
		return IFREP_PAIR_RESYNC_CHECKSUM;
	if (!strcmp(s, "full"))
		return IFREP_PAIR_RESYNC_FULL;
	return -1;
}

/*
 * The settings pair_add and pair_set share, as key=value words (pair_set
 * takes that form too since target 1.7.0); the granule only at pair_add.
 */
static void emit_settings(struct outbuf *out, const struct ifrep_pair_opts *o,
			  bool with_granule)
{
	if (o->has_timeout)
		outbuf_printf(out, " timeout=%" PRIu64, o->timeout_s);
	if (o->has_rate)
		outbuf_printf(out, " rate=%" PRIu64, o->rate);
	if (o->has_interval)
		outbuf_printf(out, " interval=%" PRIu64, o->interval_s);
	if (o->has_sync_points)
		outbuf_printf(out, " sync_points=%" PRIu64, o->sync_points);
	if (with_granule && o->has_granule)
		outbuf_printf(out, " granule_sectors=%" PRIu64, o->granule_sectors);
	if (o->resync != IFREP_PAIR_RESYNC_DEFAULT)
		outbuf_printf(out, " resync=%s", ifrep_resync_name(o->resync));
}

int ifrep_msg_pair_add(const struct ifrep_pair_opts *o, char *buf, size_t len)
{
	struct outbuf out;

	outbuf_init(&out, buf, len);
	if (out.overflow)
		return -ENAMETOOLONG;
	if (!ifrep_is_word(o->name) || !ifrep_is_word(o->peer) ||
	    (o->secret_file && !ifrep_is_word(o->secret_file)) ||
	    (o->journal && !ifrep_is_word(o->journal)) ||
	    (o->resync != IFREP_PAIR_RESYNC_DEFAULT && !ifrep_resync_name(o->resync)))
		return -EINVAL;
	outbuf_printf(&out, "pair_add %s %s %s", o->name, ifrep_mode_name(o->mode), o->peer);
	emit_settings(&out, o, true);
	if (o->secret_file)
		outbuf_printf(&out, " secret_file=%s", o->secret_file);
	if (o->insecure)
		outbuf_printf(&out, " insecure");
	if (o->integrity_only)
		outbuf_printf(&out, " integrity-only");
	if (o->journal)
		outbuf_printf(&out, " journal=%s", o->journal);
	return outbuf_whole(&out);
}

int ifrep_msg_pair_set(const struct ifrep_pair_opts *o, char *buf, size_t len)
{
	struct outbuf out;

	outbuf_init(&out, buf, len);
	if (out.overflow)
		return -ENAMETOOLONG;
	if (!o->name || !ifrep_is_word(o->name) ||
	    (o->resync != IFREP_PAIR_RESYNC_DEFAULT && !ifrep_resync_name(o->resync)) ||
	    (!o->has_rate && !o->has_timeout && !o->has_interval && !o->has_sync_points &&
	     o->resync == IFREP_PAIR_RESYNC_DEFAULT))
		return -EINVAL;
	outbuf_printf(&out, "pair_set %s", o->name);
	emit_settings(&out, o, false);
	return outbuf_whole(&out);
}

int ifrep_msg_simple(const char *verb, const char *pair, char *buf, size_t len)
{
	int n;

	if (!ifrep_is_word(verb) || !ifrep_is_word(pair))
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

	if (!ifrep_is_word(who) || !n || (file && (!ifrep_is_word(file) || file[0] != '/')))
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

/* A reply being parsed: what its lines fill, and why it is refused. */
struct reply {
	void *out;			/* the parser's array (or struct) */
	uint64_t size;			/* the entries @out has */
	unsigned int n;			/* lines taken so far */
	char *why;
	size_t whylen;
};

__attribute__((format(printf, 2, 3)))
static int reply_bad(struct reply *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, c->whylen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * Splits @text into lines of exactly @nf blank-separated fields and calls
 * @fn for each (@lineno from 1).  Empty lines (the final newline) are
 * skipped.  Returns the first non-zero @fn result, or -EINVAL.
 */
static int for_each_line(const char *text, unsigned int nf,
			 int (*fn)(char **f, unsigned int lineno, struct reply *c),
			 struct reply *c)
{
	char *copy, *line, *lsave = NULL, *fsave = NULL, *f[MAX_REPLY_FIELDS + 1], *t;
	unsigned int lineno = 0, k;
	int r = 0;

	copy = strdup(text ? text : "");
	if (!copy)
		return reply_bad(c, "out of memory");
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
			r = reply_bad(c, "line %u has %s%u fields, not %u", lineno,
				      k > nf ? "more than " : "", k > nf ? nf : k, nf);
			break;
		}
		r = fn(f, lineno, c);
	}
	free(copy);
	return r;
}

static int reply_u64(struct reply *c, const char *t, const char *what, unsigned int lineno,
		     uint64_t *v)
{
	const char *e;

	if (ifrep_parse_u64(t, v, &e))
		return reply_bad(c, "line %u: %s '%.32s': %s", lineno, what, t, e);
	return 0;
}

static int cut_line(char **f, unsigned int lineno, struct reply *c)
{
	struct ifrep_sync_cut *cuts = c->out;
	const char *e;
	unsigned int i;
	uint64_t t;

	if (!ifrep_valid_pair_name(f[0], &e))
		return reply_bad(c, "line %u: pair name '%.32s': %s", lineno, f[0], e);
	if (reply_u64(c, f[1], "cut time", lineno, &t))
		return -EINVAL;
	if (t > INT64_MAX)
		return reply_bad(c, "line %u: cut time out of range", lineno);
	for (i = 0; i < c->n; i++)
		if (!strcmp(cuts[i].pair, f[0]))
			return reply_bad(c, "line %u: pair %s cut twice", lineno, f[0]);
	if (c->n == c->size)
		return reply_bad(c, "more than %" PRIu64 " cuts", c->size);
	snprintf(cuts[c->n].pair, sizeof(cuts[c->n].pair), "%s", f[0]);
	cuts[c->n].cut = (int64_t)t;
	c->n++;
	return 0;
}

int ifrep_parse_sync_reply(const char *text, struct ifrep_sync_cut *cuts,
			   unsigned int max, unsigned int *n, char *why, size_t whylen)
{
	struct reply c = { cuts, max, 0, why, whylen };
	int r = for_each_line(text, 2, cut_line, &c);

	*n = r ? 0 : c.n;
	return r;
}

static int point_line(char **f, unsigned int lineno, struct reply *c)
{
	struct ifrep_sync_point *pts = c->out, p;
	uint64_t t;

	memset(&p, 0, sizeof(p));
	if (reply_u64(c, f[0], "id", lineno, &p.id) ||
	    reply_u64(c, f[1], "cut time", lineno, &t) ||
	    reply_u64(c, f[2], "bytes", lineno, &p.rollback_bytes))
		return -EINVAL;
	if (t > INT64_MAX)
		return reply_bad(c, "line %u: cut time out of range", lineno);
	p.time = (int64_t)t;
	p.current = c->n == 0;
	if (p.current && p.rollback_bytes)
		return reply_bad(c, "line 1 (the current image) has %" PRIu64 " bytes to roll back",
				 p.rollback_bytes);
	if (c->n == c->size)
		return reply_bad(c, "more than %" PRIu64 " sync points", c->size);
	pts[c->n++] = p;
	return 0;
}

int ifrep_parse_sync_points(const char *text, struct ifrep_sync_point *pts,
			    unsigned int max, unsigned int *n, char *why, size_t whylen)
{
	struct reply c = { pts, max, 0, why, whylen };
	int r = for_each_line(text, 3, point_line, &c);

	if (!r && !c.n)
		r = reply_bad(&c, "the reply is empty (not even the current image)");
	*n = r ? 0 : c.n;
	return r;
}

static int map_line(char **f, unsigned int lineno, struct reply *c)
{
	uint64_t *slot_of = c->out, chunk, sector;

	if (reply_u64(c, f[0], "chunk", lineno, &chunk) ||
	    reply_u64(c, f[1], "sector", lineno, &sector))
		return -EINVAL;
	if (chunk >= c->size)
		return reply_bad(c, "line %u: chunk %" PRIu64 " is outside the volume",
				 lineno, chunk);
	if (sector == IFREP_NO_SLOT)
		return reply_bad(c, "line %u: impossible sector", lineno);
	if (slot_of[chunk] != IFREP_NO_SLOT)
		return reply_bad(c, "line %u: chunk %" PRIu64 " twice", lineno, chunk);
	slot_of[chunk] = sector;
	return 0;
}

int ifrep_parse_sync_point_map(const char *text, uint64_t nchunks, uint64_t *slot_of,
			       char *why, size_t whylen)
{
	struct reply c = { slot_of, nchunks, 0, why, whylen };
	uint64_t i;

	for (i = 0; i < nchunks; i++)
		slot_of[i] = IFREP_NO_SLOT;
	return for_each_line(text, 2, map_line, &c);
}

static int verify_line(char **f, unsigned int lineno, struct reply *c)
{
	struct ifrep_verify_status *vs = c->out;
	uint64_t t;
	int state;

	if (++c->n > 1)
		return reply_bad(c, "more than one line");
	state = ifrep_verify_state_parse(f[0]);
	if (state < 0)
		return reply_bad(c, "line %u: unknown verify state '%.32s'", lineno, f[0]);
	vs->state = (enum ifrep_verify_state)state;
	if (reply_u64(c, f[1], "checked", lineno, &vs->checked) ||
	    reply_u64(c, f[2], "total", lineno, &vs->total) ||
	    reply_u64(c, f[3], "differing", lineno, &vs->differing) ||
	    reply_u64(c, f[4], "start time", lineno, &t))
		return -EINVAL;
	if (vs->checked > vs->total || vs->differing > vs->checked)
		return reply_bad(c, "line %u: counts do not add up (%" PRIu64 " differing, %" PRIu64
				 " checked, %" PRIu64 " chunks)", lineno, vs->differing,
				 vs->checked, vs->total);
	if (t > INT64_MAX)
		return reply_bad(c, "line %u: start time out of range", lineno);
	vs->started = (int64_t)t;
	if (strcmp(f[5], "-") && !ifrep_is_word(f[5]))
		return reply_bad(c, "line %u: bad reason", lineno);
	snprintf(vs->reason, sizeof(vs->reason), "%s", strcmp(f[5], "-") ? f[5] : "");
	if ((vs->state == IFREP_VERIFY_STOPPED) != (vs->reason[0] != '\0'))
		return reply_bad(c, "line %u: %s with%s a reason", lineno, f[0],
				 vs->reason[0] ? "" : "out");
	return 0;
}

int ifrep_parse_verify_status(const char *text, struct ifrep_verify_status *vs,
			      char *why, size_t whylen)
{
	struct reply c = { vs, 1, 0, why, whylen };
	int r;

	memset(vs, 0, sizeof(*vs));
	r = for_each_line(text, 6, verify_line, &c);
	if (!r && !c.n)
		r = reply_bad(&c, "empty reply");
	return r;
}
