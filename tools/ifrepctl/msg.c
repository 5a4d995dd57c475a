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
	    (o->secret_file && !word(o->secret_file)))
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
