// SPDX-License-Identifier: GPL-2.0
/*
 * table.c - build and read dm-ifrep constructor lines (see table.h).
 */
#include "table.h"
#include "outbuf.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ifrep_table_params(const struct ifrep_table_args *a, char *buf, size_t len)
{
	struct outbuf o;
	unsigned int nr_opt = 0;

	outbuf_init(&o, buf, len);
	if (o.overflow)
		return -ENAMETOOLONG;
	if (!ifrep_is_word(a->meta_dev) || !ifrep_is_word(a->data_dev))
		return -EINVAL;
	if ((a->role && !ifrep_is_word(a->role)) || (a->listen && !ifrep_is_word(a->listen)) ||
	    (a->journal && !ifrep_is_word(a->journal)) ||
	    (a->home_host && !ifrep_is_word(a->home_host)))
		return -EINVAL;

	nr_opt += a->format ? 1 : 0;
	nr_opt += a->role ? 2 : 0;
	nr_opt += a->chunk_sectors ? 2 : 0;
	nr_opt += a->listen ? 2 : 0;
	nr_opt += a->listen && a->insecure ? 1 : 0;
	nr_opt += a->journal ? 2 : 0;
	nr_opt += a->home_host ? 2 : 0;
	nr_opt += a->hot_chunks ? 2 : 0;

	outbuf_printf(&o, "%s %s %u", a->meta_dev, a->data_dev, nr_opt);
	if (a->format)
		outbuf_printf(&o, " format");
	if (a->role)
		outbuf_printf(&o, " role %s", a->role);
	if (a->chunk_sectors)
		outbuf_printf(&o, " chunk_sectors %" PRIu32, a->chunk_sectors);
	if (a->listen)
		outbuf_printf(&o, " listen %s", a->listen);
	if (a->listen && a->insecure)
		outbuf_printf(&o, " insecure");
	if (a->journal)
		outbuf_printf(&o, " journal %s", a->journal);
	if (a->home_host)
		outbuf_printf(&o, " home_host %s", a->home_host);
	if (a->hot_chunks)
		outbuf_printf(&o, " hot_chunks %" PRIu32, a->hot_chunks);
	return outbuf_whole(&o);
}

int ifrep_table_line(uint64_t sectors, const char *params, char *buf, size_t len)
{
	int n = snprintf(buf, len, "0 %" PRIu64 " " IFREP_TARGET_NAME " %s",
			 sectors, params);

	return (n < 0 || (size_t)n >= len) ? -ENAMETOOLONG : 0;
}

/*----------------------------------------------------------------*/

#define MAX_TABLE_TOKENS 32

static int copy_tok(char *dst, size_t len, const char *tok, char *why, size_t whylen)
{
	if (strlen(tok) >= len) {
		snprintf(why, whylen, "table argument '%.32s...' is too long", tok);
		return -EINVAL;
	}
	memcpy(dst, tok, strlen(tok) + 1);
	return 0;
}

static int parse_opts(char **tok, unsigned int n, struct ifrep_table *t,
		      char *why, size_t whylen)
{
	unsigned int i;
	uint64_t v;
	const char *e;

	for (i = 0; i < n; i++) {
		const char *key = tok[i];
		const char *val = i + 1 < n ? tok[i + 1] : NULL;

		if (!strcmp(key, "format")) {
			t->format = true;
			continue;
		}
		if (!strcmp(key, "role") || !strcmp(key, "chunk_sectors") ||
		    !strcmp(key, "listen") || !strcmp(key, "journal")) {
			if (!val) {
				snprintf(why, whylen, "table argument %s has no value", key);
				return -EINVAL;
			}
			i++;
			if (!strcmp(key, "role")) {
				if (copy_tok(t->role, sizeof(t->role), val, why, whylen))
					return -EINVAL;
			} else if (!strcmp(key, "listen")) {
				if (copy_tok(t->listen, sizeof(t->listen), val, why, whylen))
					return -EINVAL;
			} else if (!strcmp(key, "journal")) {
				if (copy_tok(t->journal, sizeof(t->journal), val, why, whylen))
					return -EINVAL;
			} else {
				if (ifrep_parse_u64(val, &v, &e) || !v || v > UINT32_MAX) {
					snprintf(why, whylen, "bad chunk_sectors '%.32s'", val);
					return -EINVAL;
				}
				t->chunk_sectors = (uint32_t)v;
			}
		}
		/* anything else: an argument this version does not know */
	}
	return 0;
}

int ifrep_table_parse(const char *params, struct ifrep_table *t, char *why, size_t whylen)
{
	char *copy, *save = NULL, *tok[MAX_TABLE_TOKENS], *s;
	unsigned int n = 0;
	uint64_t nr_opt = 0;
	const char *e;
	int r = -EINVAL;

	memset(t, 0, sizeof(*t));
	copy = strdup(params ? params : "");
	if (!copy) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	for (s = strtok_r(copy, " \t\n", &save); s; s = strtok_r(NULL, " \t\n", &save)) {
		if (n == MAX_TABLE_TOKENS) {
			snprintf(why, whylen, "table has too many arguments");
			goto out;
		}
		tok[n++] = s;
	}
	if (n < 2) {
		snprintf(why, whylen, "table has no metadata and data device");
		goto out;
	}
	if (copy_tok(t->meta_dev, sizeof(t->meta_dev), tok[0], why, whylen) ||
	    copy_tok(t->data_dev, sizeof(t->data_dev), tok[1], why, whylen))
		goto out;
	if (n > 2) {
		if (ifrep_parse_u64(tok[2], &nr_opt, &e) || nr_opt != n - 3) {
			snprintf(why, whylen, "table's optional argument count '%s' does not match",
				 tok[2]);
			goto out;
		}
		if (parse_opts(tok + 3, n - 3, t, why, whylen))
			goto out;
	}
	r = 0;
out:
	free(copy);
	return r;
}
