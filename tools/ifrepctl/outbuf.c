// SPDX-License-Identifier: GPL-2.0
/*
 * outbuf.c - text appended to a fixed buffer (see outbuf.h).
 */
#include "outbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

void outbuf_init(struct outbuf *o, char *buf, size_t len)
{
	o->buf = buf;
	o->len = len;
	o->pos = 0;
	o->overflow = !len;
	if (len)
		buf[0] = '\0';
}

void outbuf_printf(struct outbuf *o, const char *fmt, ...)
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

int outbuf_whole(struct outbuf *o)
{
	if (!o->overflow)
		return 0;
	if (o->len)
		o->buf[0] = '\0';
	return -ENAMETOOLONG;
}
