/* SPDX-License-Identifier: GPL-2.0 */
/*
 * secret.h - shared secrets as ifrepctl handles them: read from the file
 * the administrator names, handed to the kernel in one message, and wiped
 * from memory as soon as they are no longer needed.
 */
#ifndef IFREPCTL_SECRET_H
#define IFREPCTL_SECRET_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct secret {
	bool set;
	char path[PATH_MAX];
	uint8_t buf[IFREP_MAX_SECRET];
	size_t len;
};

/* 0, or EXIT_FAILED after printing; may queue a warning (world-readable). */
int load_secret(const char *file, struct secret *s);

/*
 * A command that takes exactly one of --secret-file FILE and --insecure:
 * 0 with FILE (if given) loaded into @s, or the exit status of the usage
 * error or of the failed load.
 */
int load_secret_option(const char *file, bool insecure, struct secret *s);

void wipe_secret(struct secret *s);

/* Send "secret <pair|-> <hex> <file>"; 0 or negative errno. */
int send_secret(const char *volume, const char *pair, const struct secret *s);

/* send_secret()'s errno, explained. */
const char *secret_errstr(int r);

/*
 * Send @s, if it is set, to @pair of @volume (NULL: its listen socket).
 * 0, or EXIT_FAILED after the error line: @what_fmt says what was done
 * and that the secret was not taken, the kernel's reason follows.
 */
__attribute__((format(printf, 4, 5)))
int hand_over_secret(const char *volume, const char *pair, const struct secret *s,
		     const char *what_fmt, ...);

#endif /* IFREPCTL_SECRET_H */
