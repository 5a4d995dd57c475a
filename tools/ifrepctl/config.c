// SPDX-License-Identifier: GPL-2.0
/*
 * config.c - parsing and checking a volume file (config.h).
 *
 * The checks are those create and pair add make of their options, made
 * here once more so that a mistake is reported with its line before
 * anything on the host changes; what only the host can tell (a device that
 * is not there, a secret file that cannot be read) is left to the commands
 * apply runs.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "meta.h"
#include "msg.h"
#include "util.h"

/* A line longer than this is refused rather than cut. */
#define LINE_MAX_LEN	1024
#define MAX_WORDS	3

enum depth { TOP, VOLUME, HOST, PAIR };

struct parser {
	struct ifrep_conf *c;
	unsigned int line;
	enum depth depth;
	struct ifrep_conf_volume *v;
	struct ifrep_conf_host *h;
	struct ifrep_conf_pair *p;
	uint32_t host_seen, pair_seen;	/* keys given in the open blocks, by bit */
	unsigned int *err_line;
	char *why;
	size_t whylen;
};

__attribute__((format(printf, 3, 4)))
static int err_at(struct parser *ps, unsigned int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ps->why, ps->whylen, fmt, ap);
	va_end(ap);
	*ps->err_line = line;
	return -EINVAL;
}

#define err(ps, ...) err_at(ps, (ps)->line, __VA_ARGS__)

/*----------------------------------------------------------------
 * Values
 *--------------------------------------------------------------*/

static int set_path(struct parser *ps, const char *key, const char *val, char *dst, size_t len)
{
	if (val[0] != '/')
		return err(ps, "%s %s: must be an absolute path", key, val);
	if (strlen(val) >= len)
		return err(ps, "%s %s: longer than %zu characters", key, val, len - 1);
	memcpy(dst, val, strlen(val) + 1);
	return 0;
}

static int set_addr(struct parser *ps, const char *key, const char *val, char *dst, size_t len)
{
	struct ifrep_addr a;
	const char *why;

	if (ifrep_parse_addr(val, &a, &why))
		return err(ps, "%s %s: %s", key, val, why);
	ifrep_format_addr(&a, dst, len);
	return 0;
}

static int set_duration(struct parser *ps, const char *key, const char *val, bool zero,
			uint64_t max, uint64_t *out)
{
	const char *why;

	if (ifrep_parse_duration(val, out, zero, &why))
		return err(ps, "%s %s: %s", key, val, why);
	if (*out > max)
		return err(ps, "%s %s: at most %llus", key, val, (unsigned long long)max);
	return 0;
}

/*----------------------------------------------------------------
 * The keys of an 'on' section
 *--------------------------------------------------------------*/

struct key {
	const char *name;
	bool value;			/* takes one; else a flag */
	int (*set)(struct parser *ps, const char *val);
};

static int host_data(struct parser *ps, const char *val)
{
	return set_path(ps, "data", val, ps->h->data, sizeof(ps->h->data));
}

static int host_meta(struct parser *ps, const char *val)
{
	return set_path(ps, "meta", val, ps->h->meta, sizeof(ps->h->meta));
}

static int host_role(struct parser *ps, const char *val)
{
	int r = ifrep_role_parse(val);

	if (r < 0)
		return err(ps, "role %s: must be primary or secondary", val);
	ps->h->role = (enum ifrep_disk_role)r;
	return 0;
}

static int host_chunk_size(struct parser *ps, const char *val)
{
	const char *why;
	uint64_t b;

	if (ifrep_parse_size(val, &b, 0, &why))
		return err(ps, "chunk-size %s: %s", val, why);
	if ((b & 511) || !ifrep_chunk_sectors_valid(b >> 9))
		return err(ps, "chunk-size %s: must be a power of two from 64KiB to 1GiB", val);
	ps->h->chunk_bytes = b;
	ps->h->has_chunk_size = true;
	return 0;
}

static int host_hot_chunks(struct parser *ps, const char *val)
{
	const char *why;
	uint64_t n;

	if (ifrep_parse_u64(val, &n, &why))
		return err(ps, "hot-chunks %s: %s", val, why);
	if (!n || n > IFREP_MAX_HOT_CHUNKS)
		return err(ps, "hot-chunks %s: must be from 1 to %u", val, IFREP_MAX_HOT_CHUNKS);
	ps->h->hot_chunks = (uint32_t)n;
	return 0;
}

static int host_listen(struct parser *ps, const char *val)
{
	return set_addr(ps, "listen", val, ps->h->listen, sizeof(ps->h->listen));
}

static int host_secret_file(struct parser *ps, const char *val)
{
	return set_path(ps, "secret-file", val, ps->h->secret_file, sizeof(ps->h->secret_file));
}

static int host_insecure(struct parser *ps, const char *val)
{
	(void)val;
	ps->h->insecure = true;
	return 0;
}

static int host_journal(struct parser *ps, const char *val)
{
	return set_path(ps, "journal", val, ps->h->journal, sizeof(ps->h->journal));
}

static const struct key host_keys[] = {
	{ "data", true, host_data },
	{ "meta", true, host_meta },
	{ "role", true, host_role },
	{ "chunk-size", true, host_chunk_size },
	{ "hot-chunks", true, host_hot_chunks },
	{ "listen", true, host_listen },
	{ "secret-file", true, host_secret_file },
	{ "insecure", false, host_insecure },
	{ "journal", true, host_journal },
	{ NULL }
};

/*----------------------------------------------------------------
 * The keys of a pair
 *--------------------------------------------------------------*/

static int pair_to(struct parser *ps, const char *val)
{
	struct ifrep_conf_pair *p = ps->p;
	struct ifrep_addr a;
	const char *why;

	p->remote = val[0] != '/';
	if (!p->remote)
		return set_path(ps, "to", val, p->to, sizeof(p->to));
	if (ifrep_parse_addr(val, &a, &why))
		return err(ps, "to %s: neither an absolute device path nor ADDR:PORT (%s)", val, why);
	if (a.unspecified)
		return err(ps, "to %s: cannot replicate to an unspecified address", val);
	ifrep_format_addr(&a, p->to, sizeof(p->to));
	return 0;
}

static int pair_mode(struct parser *ps, const char *val)
{
	int m = ifrep_mode_parse(val);

	if (m < 0)
		return err(ps, "mode %s: must be sync, async or copy", val);
	ps->p->mode = (enum ifrep_disk_mode)m;
	return 0;
}

static int pair_interval(struct parser *ps, const char *val)
{
	ps->p->has_interval = true;
	return set_duration(ps, "interval", val, true, IFREP_MAX_INTERVAL_S, &ps->p->interval_s);
}

static int pair_timeout(struct parser *ps, const char *val)
{
	ps->p->has_timeout = true;
	return set_duration(ps, "timeout", val, false, IFREP_MAX_TIMEOUT_S, &ps->p->timeout_s);
}

static int pair_sync_points(struct parser *ps, const char *val)
{
	const char *why;

	ps->p->has_sync_points = true;
	if (ifrep_parse_u64(val, &ps->p->sync_points, &why))
		return err(ps, "sync-points %s: %s", val, why);
	if (ps->p->sync_points > IFREP_MAX_SYNC_POINTS)
		return err(ps, "sync-points %s: at most %d", val, IFREP_MAX_SYNC_POINTS);
	return 0;
}

static int pair_rate(struct parser *ps, const char *val)
{
	const char *why;

	ps->p->has_rate = true;
	if (ifrep_parse_size(val, &ps->p->rate, SIZE_ALLOW_ZERO | SIZE_ALLOW_PER_SEC, &why))
		return err(ps, "rate %s: %s", val, why);
	return 0;
}

static int pair_granule(struct parser *ps, const char *val)
{
	const char *why;
	uint64_t b;

	if (ifrep_parse_size(val, &b, 0, &why))
		return err(ps, "granule %s: %s", val, why);
	if (b < IFREP_MIN_GRANULE_BYTES || b > IFREP_MAX_CHUNK_SECTORS * 512ULL || (b & (b - 1)))
		return err(ps, "granule %s: must be a power of two from 4KiB to the chunk size", val);
	ps->p->granule_bytes = b;
	ps->p->has_granule = true;
	return 0;
}

static int pair_resync(struct parser *ps, const char *val)
{
	int m = ifrep_resync_parse(val);

	if (m < 0)
		return err(ps, "resync %s: must be checksum or full", val);
	ps->p->resync = (uint32_t)m;
	return 0;
}

static int pair_journal(struct parser *ps, const char *val)
{
	return set_path(ps, "journal", val, ps->p->journal, sizeof(ps->p->journal));
}

static int pair_secret_file(struct parser *ps, const char *val)
{
	return set_path(ps, "secret-file", val, ps->p->secret_file, sizeof(ps->p->secret_file));
}

static int pair_integrity_only(struct parser *ps, const char *val)
{
	(void)val;
	ps->p->integrity_only = true;
	return 0;
}

static int pair_insecure(struct parser *ps, const char *val)
{
	(void)val;
	ps->p->insecure = true;
	return 0;
}

static int pair_no_device(struct parser *ps, const char *val)
{
	(void)val;
	ps->p->no_device = true;
	return 0;
}

static const struct key pair_keys[] = {
	{ "to", true, pair_to },
	{ "mode", true, pair_mode },
	{ "interval", true, pair_interval },
	{ "timeout", true, pair_timeout },
	{ "sync-points", true, pair_sync_points },
	{ "rate", true, pair_rate },
	{ "granule", true, pair_granule },
	{ "resync", true, pair_resync },
	{ "journal", true, pair_journal },
	{ "secret-file", true, pair_secret_file },
	{ "integrity-only", false, pair_integrity_only },
	{ "insecure", false, pair_insecure },
	{ "no-device", false, pair_no_device },
	{ NULL }
};

/* Index of key @name in @keys, or -1. */
static int find_key(const struct key *keys, const char *name)
{
	int i;

	for (i = 0; keys[i].name; i++)
		if (!strcmp(keys[i].name, name))
			return i;
	return -1;
}

/*----------------------------------------------------------------
 * Checks of a whole block, at its '}'
 *--------------------------------------------------------------*/

#define HAS(seen, keys, name)	((seen) & (1U << find_key(keys, name)))

/* What pair add refuses as a usage error, in the order it checks. */
static int check_pair(struct parser *ps, const struct ifrep_conf_pair *p, uint32_t seen)
{
	unsigned int l = p->line;
	const char *n = p->name;

	if (!HAS(seen, pair_keys, "to"))
		return err_at(ps, l, "pair %s: missing 'to DEV|ADDR:PORT'", n);
	if (!HAS(seen, pair_keys, "mode"))
		return err_at(ps, l, "pair %s: missing 'mode sync|async|copy'", n);
	if (p->resync != IFREP_PAIR_RESYNC_DEFAULT && p->mode != IFREP_MODE_SYNC)
		return err_at(ps, l, "pair %s: resync is for sync pairs", n);
	if (p->resync == IFREP_PAIR_RESYNC_CHECKSUM && !p->remote)
		return err_at(ps, l, "pair %s: resync checksum is for remote pairs", n);
	if (p->mode != IFREP_MODE_ASYNC && (p->has_interval || p->has_sync_points))
		return err_at(ps, l, "pair %s: %s is for async pairs", n,
			      p->has_interval ? "interval" : "sync-points");
	if (!p->remote && p->has_timeout)
		return err_at(ps, l, "pair %s: timeout is for remote pairs", n);
	if (p->has_granule && p->mode == IFREP_MODE_SYNC)
		return err_at(ps, l, "pair %s: granule is for async and copy pairs", n);
	if (!p->remote && (p->secret_file[0] || p->insecure || p->integrity_only))
		return err_at(ps, l, "pair %s: %s is for remote pairs", n,
			      p->secret_file[0] ? "secret-file" :
			      p->insecure ? "insecure" : "integrity-only");
	if (p->remote && !p->secret_file[0] && !p->insecure)
		return err_at(ps, l, "pair %s: a remote pair needs 'secret-file FILE' (or 'insecure')", n);
	if (p->secret_file[0] && p->insecure)
		return err_at(ps, l, "pair %s: secret-file and insecure exclude each other", n);
	if (p->integrity_only && p->insecure)
		return err_at(ps, l, "pair %s: integrity-only goes with secret-file, not insecure", n);
	if (p->no_device && (p->remote || p->mode != IFREP_MODE_COPY))
		return err_at(ps, l, "pair %s: no-device is for copy pairs to a local target", n);
	if (p->journal[0] && (p->remote || p->mode != IFREP_MODE_ASYNC))
		return err_at(ps, l, "pair %s: journal is for async pairs to a local target", n);
	if (!p->remote && p->mode == IFREP_MODE_ASYNC && !p->journal[0])
		return err_at(ps, l, "pair %s: an async pair to a local target needs 'journal DEV'", n);
	return 0;
}

static int check_host(struct parser *ps, const struct ifrep_conf_host *h, uint32_t seen)
{
	unsigned int i, l = h->line;
	const char *n = h->name;

	if (!HAS(seen, host_keys, "data"))
		return err_at(ps, l, "on %s: missing 'data DEV'", n);
	if (!HAS(seen, host_keys, "meta"))
		return err_at(ps, l, "on %s: missing 'meta DEV'", n);
	if (!HAS(seen, host_keys, "role"))
		return err_at(ps, l, "on %s: missing 'role primary|secondary'", n);
	if (!strcmp(h->data, h->meta))
		return err_at(ps, l, "on %s: data and meta are the same device", n);
	if (h->role == IFREP_ROLE_PRIMARY) {
		if (h->listen[0] || h->journal[0] || h->secret_file[0] || h->insecure)
			return err_at(ps, l, "on %s: %s is for secondary volumes, and this one is primary",
				      n, h->listen[0] ? "listen" : h->journal[0] ? "journal" :
				      h->secret_file[0] ? "secret-file" : "insecure");
	} else {
		if (h->hot_chunks)
			return err_at(ps, l, "on %s: hot-chunks is for primary volumes", n);
		if (h->nr_pairs)
			return err_at(ps, h->pairs[0].line,
				      "pair %s: pairs belong to the primary's section, and %s is secondary",
				      h->pairs[0].name, n);
		if ((h->secret_file[0] || h->insecure) && !h->listen[0])
			return err_at(ps, l, "on %s: %s goes with listen", n,
				      h->secret_file[0] ? "secret-file" : "insecure");
		if (h->listen[0] && !h->secret_file[0] && !h->insecure)
			return err_at(ps, l, "on %s: listen needs 'secret-file FILE' (or 'insecure')", n);
		if (h->secret_file[0] && h->insecure)
			return err_at(ps, l, "on %s: secret-file and insecure exclude each other", n);
		if (h->journal[0] && (!strcmp(h->journal, h->data) || !strcmp(h->journal, h->meta)))
			return err_at(ps, l, "on %s: journal is the %s device", n,
				      strcmp(h->journal, h->data) ? "meta" : "data");
	}
	for (i = 0; i < h->nr_pairs; i++) {
		const struct ifrep_conf_pair *p = &h->pairs[i];

		if (p->has_granule && p->granule_bytes > h->chunk_bytes)
			return err_at(ps, p->line, "pair %s: granule is larger than the chunk size", p->name);
		if (!p->remote && (!strcmp(p->to, h->data) || !strcmp(p->to, h->meta)))
			return err_at(ps, p->line, "pair %s: its target is the volume's %s device",
				      p->name, strcmp(p->to, h->data) ? "meta" : "data");
	}
	return 0;
}

static int check_volume(struct parser *ps, const struct ifrep_conf_volume *v)
{
	unsigned int i, primaries = 0;

	if (!v->nr_hosts)
		return err_at(ps, v->line, "volume %s: no 'on HOST' section", v->name);
	for (i = 0; i < v->nr_hosts; i++)
		if (v->hosts[i].role == IFREP_ROLE_PRIMARY && ++primaries > 1)
			return err_at(ps, v->hosts[i].line,
				      "volume %s: a second primary (on %s): one host is the primary",
				      v->name, v->hosts[i].name);
	return 0;
}

/*----------------------------------------------------------------
 * Statements
 *--------------------------------------------------------------*/

/* "NAME {" after the block's keyword; the name in *@name. */
static int opener(struct parser *ps, char **w, int n, const char *what, const char **name)
{
	if (n < 2 || !strcmp(w[1], "{"))
		return err(ps, "'%s' needs a name: %s NAME {", w[0], what);
	if (n < 3 || strcmp(w[2], "{"))
		return err(ps, "'%s %s' must end with '{' on the same line", w[0], w[1]);
	*name = w[1];
	return 0;
}

static int open_volume(struct parser *ps, char **w, int n)
{
	struct ifrep_conf *c = ps->c;
	const char *name, *why;
	unsigned int i;
	int r;

	if (strcmp(w[0], "volume"))
		return err(ps, "expected 'volume NAME {', not '%s'", w[0]);
	if ((r = opener(ps, w, n, "volume", &name)))
		return r;
	if (!ifrep_valid_volume_name(name, &why))
		return err(ps, "volume name '%s': %s", name, why);
	for (i = 0; i < c->nr_volumes; i++)
		if (!strcmp(c->volumes[i].name, name))
			return err(ps, "volume %s is described twice (first on line %u)", name,
				   c->volumes[i].line);
	if (c->nr_volumes >= IFREP_CONF_MAX_VOLUMES)
		return err(ps, "more than %d volumes in one file", IFREP_CONF_MAX_VOLUMES);
	ps->v = &c->volumes[c->nr_volumes++];
	memset(ps->v, 0, sizeof(*ps->v));
	ps->v->line = ps->line;
	snprintf(ps->v->name, sizeof(ps->v->name), "%s", name);
	ps->depth = VOLUME;
	return 0;
}

static int open_host(struct parser *ps, char **w, int n)
{
	struct ifrep_conf_volume *v = ps->v;
	const char *name;
	int r;

	if (strcmp(w[0], "on"))
		return err(ps, "expected 'on HOST {' in volume %s, not '%s'", v->name, w[0]);
	if ((r = opener(ps, w, n, "on", &name)))
		return r;
	if (strlen(name) >= IFREP_HOST_LEN)
		return err(ps, "host name %s: longer than %d characters", name, IFREP_HOST_LEN - 1);
	if (ifrep_conf_host(v, name))
		return err(ps, "on %s: host %s is described twice in volume %s", name, name, v->name);
	if (v->nr_hosts >= IFREP_CONF_MAX_HOSTS)
		return err(ps, "volume %s: more than %d hosts", v->name, IFREP_CONF_MAX_HOSTS);
	ps->h = &v->hosts[v->nr_hosts++];
	memset(ps->h, 0, sizeof(*ps->h));
	ps->h->line = ps->line;
	ps->h->chunk_bytes = (uint64_t)IFREP_DEFAULT_CHUNK_SECTORS * 512;
	snprintf(ps->h->name, sizeof(ps->h->name), "%s", name);
	ps->host_seen = 0;
	ps->depth = HOST;
	return 0;
}

static int open_pair(struct parser *ps, char **w, int n)
{
	struct ifrep_conf_host *h = ps->h;
	const char *name, *why;
	int r;

	if ((r = opener(ps, w, n, "pair", &name)))
		return r;
	if (!ifrep_valid_pair_name(name, &why))
		return err(ps, "pair name '%s': %s", name, why);
	if (ifrep_conf_pair(h, name))
		return err(ps, "pair %s is described twice on %s", name, h->name);
	if (h->nr_pairs >= IFREP_MAX_PAIRS)
		return err(ps, "on %s: more than %d pairs", h->name, IFREP_MAX_PAIRS);
	ps->p = &h->pairs[h->nr_pairs++];
	memset(ps->p, 0, sizeof(*ps->p));
	ps->p->line = ps->line;
	snprintf(ps->p->name, sizeof(ps->p->name), "%s", name);
	ps->pair_seen = 0;
	ps->depth = PAIR;
	return 0;
}

/* A key of the host or pair block that is open. */
static int key_line(struct parser *ps, char **w, int n)
{
	const struct key *keys = ps->depth == PAIR ? pair_keys : host_keys;
	uint32_t *seen = ps->depth == PAIR ? &ps->pair_seen : &ps->host_seen;
	const char *where = ps->depth == PAIR ? "pair" : "on";
	const char *who = ps->depth == PAIR ? ps->p->name : ps->h->name;
	int k = find_key(keys, w[0]);

	if (k < 0) {
		if (ps->depth == HOST && find_key(pair_keys, w[0]) >= 0)
			return err(ps, "unknown key '%s' in 'on %s' (it is a key of a pair)", w[0], who);
		if (ps->depth == PAIR && find_key(host_keys, w[0]) >= 0)
			return err(ps, "unknown key '%s' in 'pair %s' (it is a key of an 'on' section)",
				   w[0], who);
		return err(ps, "unknown key '%s' in '%s %s'", w[0], where, who);
	}
	if (*seen & (1U << k))
		return err(ps, "%s given twice in '%s %s'", w[0], where, who);
	*seen |= 1U << k;
	if (keys[k].value && n != 2)
		return err(ps, n < 2 ? "%s needs a value" : "%s takes one value (no blanks)", w[0]);
	if (!keys[k].value && n != 1)
		return err(ps, "%s takes no value", w[0]);
	return keys[k].set(ps, n > 1 ? w[1] : NULL);
}

static int close_block(struct parser *ps, int n)
{
	int r = 0;

	if (n != 1)
		return err(ps, "'}' must be alone on its line");
	switch (ps->depth) {
	case TOP:
		return err(ps, "'}' without a block to close");
	case VOLUME:
		r = check_volume(ps, ps->v);
		ps->depth = TOP;
		break;
	case HOST:
		r = check_host(ps, ps->h, ps->host_seen);
		ps->depth = VOLUME;
		break;
	case PAIR:
		r = check_pair(ps, ps->p, ps->pair_seen);
		ps->depth = HOST;
		break;
	}
	return r;
}

static int statement(struct parser *ps, char **w, int n)
{
	if (!strcmp(w[0], "}"))
		return close_block(ps, n);
	switch (ps->depth) {
	case TOP:
		return open_volume(ps, w, n);
	case VOLUME:
		return open_host(ps, w, n);
	case HOST:
		if (!strcmp(w[0], "pair"))
			return open_pair(ps, w, n);
		return key_line(ps, w, n);
	case PAIR:
		if (!strcmp(w[0], "pair"))
			return err(ps, "pair %s is not closed: a pair holds no pair", ps->p->name);
		return key_line(ps, w, n);
	}
	return 0;
}

/* Split @line into words up to a '#' word; -1 for too many. */
static int split(char *line, char **w)
{
	char *save, *t;
	int n = 0;

	for (t = strtok_r(line, " \t\r\v\f", &save); t; t = strtok_r(NULL, " \t\r\v\f", &save)) {
		if (t[0] == '#')
			break;
		if (n == MAX_WORDS)
			return -1;
		w[n++] = t;
	}
	return n;
}

int ifrep_conf_parse(const char *text, struct ifrep_conf *c, unsigned int *line,
		     char *why, size_t whylen)
{
	struct parser ps = {
		.c = c, .err_line = line, .why = why, .whylen = whylen,
	};
	char buf[LINE_MAX_LEN + 1], *w[MAX_WORDS];
	const char *s = text, *end;
	size_t len;
	int n, r;

	memset(c, 0, sizeof(*c));
	*line = 0;
	if (strlen(text) > IFREP_CONF_MAX_SIZE)
		return err_at(&ps, 0, "larger than %d bytes", IFREP_CONF_MAX_SIZE);
	while (*s) {
		ps.line++;
		end = strchr(s, '\n');
		len = end ? (size_t)(end - s) : strlen(s);
		if (len > LINE_MAX_LEN)
			return err(&ps, "line longer than %d characters", LINE_MAX_LEN);
		memcpy(buf, s, len);
		buf[len] = '\0';
		s += len + (end ? 1 : 0);
		n = split(buf, w);
		if (n < 0)
			return err(&ps, "too many words: one statement a line (KEY VALUE)");
		if (n && (r = statement(&ps, w, n)))
			return r;
	}
	switch (ps.depth) {
	case TOP:
		break;
	case VOLUME:
		return err_at(&ps, ps.v->line, "volume %s is not closed with '}'", ps.v->name);
	case HOST:
		return err_at(&ps, ps.h->line, "on %s is not closed with '}'", ps.h->name);
	case PAIR:
		return err_at(&ps, ps.p->line, "pair %s is not closed with '}'", ps.p->name);
	}
	if (!c->nr_volumes)
		return err_at(&ps, ps.line, "no volume described ('volume NAME {')");
	return 0;
}

const struct ifrep_conf_host *ifrep_conf_host(const struct ifrep_conf_volume *v,
					      const char *host)
{
	unsigned int i;

	for (i = 0; i < v->nr_hosts; i++)
		if (!strcmp(v->hosts[i].name, host))
			return &v->hosts[i];
	return NULL;
}

const struct ifrep_conf_pair *ifrep_conf_pair(const struct ifrep_conf_host *h,
					      const char *name)
{
	unsigned int i;

	for (i = 0; i < h->nr_pairs; i++)
		if (!strcmp(h->pairs[i].name, name))
			return &h->pairs[i];
	return NULL;
}
