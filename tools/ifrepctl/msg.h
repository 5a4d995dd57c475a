/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msg.h - dm-ifrep target messages (docs/dm-ifrep.rst, "Messages"):
 *
 *   pair_add <name> <sync|async|copy> <peer> [timeout=S] [rate=B]
 *            [interval=S] [sync_points=N] [secret_file=PATH] [insecure]
 *   pair_remove <name>
 *   pause <name>
 *   resume <name>
 *   secret <name|-> <hex>       ('-' is the volume's listen socket)
 */
#ifndef IFREPCTL_MSG_H
#define IFREPCTL_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

struct ifrep_pair_opts {
	const char *name;
	enum ifrep_mode mode;
	const char *peer;		/* absolute device path or ADDR:PORT */
	bool remote;
	bool has_timeout, has_rate, has_interval, has_sync_points;
	uint64_t timeout_s, rate, interval_s, sync_points;
	const char *secret_file;	/* absolute path or NULL */
	bool insecure;
};

/**
 * ifrep_msg_pair_add() - the pair_add message for @o.  Keys are written
 * only when set.  Return: 0, -EINVAL for a word with blanks, or
 * -ENAMETOOLONG.
 */
int ifrep_msg_pair_add(const struct ifrep_pair_opts *o, char *buf, size_t len);

/** ifrep_msg_simple() - "<verb> <pair>" (pair_remove, pause, resume). */
int ifrep_msg_simple(const char *verb, const char *pair, char *buf, size_t len);

/**
 * ifrep_msg_secret() - "secret <pair|-> <hex> [<file>]"; @pair NULL means
 * '-'; @file (absolute, may be NULL) is remembered in the metadata so that
 * activation finds the secret again.
 * @buf needs 2 * @n + 48 bytes.
 */
int ifrep_msg_secret(const char *pair, const uint8_t *secret, size_t n,
		     const char *file, char *buf, size_t len);

#endif /* IFREPCTL_MSG_H */
