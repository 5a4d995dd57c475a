// SPDX-License-Identifier: GPL-2.0
/*
 * secret.c - loading, sending and wiping shared secrets (see secret.h).
 *
 * The kernel gets the file's path along with the secret so that 'activate'
 * can read it again later; the path must therefore fit a table line.
 */
#include "secret.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dm.h"
#include "meta.h"
#include "msg.h"

int load_secret(const char *file, struct secret *s)
{
	char why[PATH_MAX + 64];
	bool world;
	int r;

	if (!realpath(file, s->path))
		return fail("cannot open secret file %s: %s", file, strerror(errno));
	if (strlen(s->path) >= IFREP_PATH_LEN || ifrep_has_space(s->path))
		return fail("secret file path %s must be shorter than %d characters, without blanks",
			    s->path, IFREP_PATH_LEN);
	r = ifrep_read_secret(s->path, s->buf, sizeof(s->buf), &s->len, &world,
			      why, sizeof(why));
	if (r)
		return fail("%s", why);
	if (world)
		warn("secret file %s is readable by every user (chmod 600 it)", s->path);
	s->set = true;
	return 0;
}

int load_secret_option(const char *file, bool insecure, struct secret *s)
{
	if (!file && !insecure)
		return usage_error("needs --secret-file FILE (or --insecure)");
	if (file && insecure)
		return usage_error("--secret-file and --insecure exclude each other");
	return file ? load_secret(file, s) : 0;
}

void wipe_secret(struct secret *s)
{
	explicit_bzero(s->buf, sizeof(s->buf));
	s->len = 0;
}

int send_secret(const char *volume, const char *pair, const struct secret *s)
{
	char msg[2 * IFREP_MAX_SECRET + 64];
	int r;

	r = ifrep_msg_secret(pair, s->buf, s->len, s->path, msg, sizeof(msg));
	if (!r)
		r = ifrep_dm_message(volume, msg, true, NULL);
	explicit_bzero(msg, sizeof(msg));
	return r;
}

const char *secret_errstr(int r)
{
	switch (-r) {
	case EINVAL:
		return "the kernel refused it (this dm-ifrep may not take secrets yet; see dmesg)";
	default:
		return dm_strerror(r);
	}
}

int hand_over_secret(const char *volume, const char *pair, const struct secret *s,
		     const char *what_fmt, ...)
{
	char what[1024];
	va_list ap;
	int r;

	if (!s->set)
		return 0;
	r = send_secret(volume, pair, s);
	if (!r)
		return 0;
	va_start(ap, what_fmt);
	vsnprintf(what, sizeof(what), what_fmt, ap);
	va_end(ap);
	return fail("%s: %s", what, secret_errstr(r));
}
