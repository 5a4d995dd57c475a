// SPDX-License-Identifier: GPL-2.0
/*
 * secret.c - loading, sending and wiping shared secrets (see secret.h).
 *
 * The kernel gets the file's path along with the secret so that 'activate'
 * can read it again later; the path must therefore fit a table line.
 */
#include "secret.h"

#include <errno.h>
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
