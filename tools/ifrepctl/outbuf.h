/* SPDX-License-Identifier: GPL-2.0 */
/*
 * outbuf.h - text appended piece by piece to a fixed buffer: messages and
 * table lines for the kernel, lists of pairs for an error line.
 *
 * The buffer always holds a terminated string.  What does not fit is cut
 * off as snprintf() cuts it, and nothing more is appended after that: a
 * caller that must not send a partial line checks @overflow, one that
 * prints the text shows as much of it as fits.
 */
#ifndef IFREPCTL_OUTBUF_H
#define IFREPCTL_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>

struct outbuf {
	char *buf;
	size_t len, pos;
	bool overflow;			/* something did not fit (or @len is 0) */
};

/* Start @o empty over @buf of @len bytes. */
void outbuf_init(struct outbuf *o, char *buf, size_t len);

/* Append, unless something did not fit before. */
__attribute__((format(printf, 2, 3)))
void outbuf_printf(struct outbuf *o, const char *fmt, ...);

/*
 * For a line the kernel is given, which is whole or not sent: 0 if all of
 * it fit, else -ENAMETOOLONG with the buffer emptied.
 */
int outbuf_whole(struct outbuf *o);

#endif /* IFREPCTL_OUTBUF_H */
