// SPDX-License-Identifier: GPL-2.0
/*
 * ifrep-meta-edit - craft a dm-ifrep metadata superblock for tests.
 *
 *   ifrep-meta-edit META FIELD=VALUE...
 *
 * Rewrites string fields of the newest valid superblock of META in place
 * and seals it with a correct checksum, so that the result looks like
 * metadata a real module wrote: what a hostile or foreign disk could carry.
 * Every other byte of the block is kept.  VALUE may hold \xNN escapes (any
 * byte but NUL), to put control characters into names.
 *
 * Fields: volume_name, home_host, data_path, listen, listen_secret_file,
 * journal_path, pairN.secret_file, pairN.peer (N: the pair slot, 0-7).
 */
#include "meta.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((format(printf, 1, 2), noreturn))
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ifrep-meta-edit: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* \xNN -> byte; returns the decoded length, or -1 for a bad escape or NUL. */
static int unescape(const char *in, char *out, size_t outlen)
{
	size_t n = 0;
	unsigned int byte;

	while (*in) {
		if (n + 1 >= outlen)
			return -1;
		if (in[0] == '\\' && in[1] == 'x') {
			if (sscanf(in + 2, "%2x", &byte) != 1 || !byte)
				return -1;
			out[n++] = (char)byte;
			in += 4;
		} else {
			out[n++] = *in++;
		}
	}
	out[n] = '\0';
	return (int)n;
}

static uint8_t *field(struct ifrep_disk_superblock *sb, const char *name, size_t *len)
{
#define FIELD(f) do { if (!strcmp(name, #f)) { *len = sizeof(sb->f); return sb->f; } } while (0)
	unsigned int slot;
	char rest[32];

	FIELD(volume_name);
	FIELD(home_host);
	FIELD(data_path);
	FIELD(listen);
	FIELD(listen_secret_file);
	FIELD(journal_path);
#undef FIELD
	if (sscanf(name, "pair%u.%31s", &slot, rest) == 2 && slot < IFREP_MAX_PAIRS) {
		if (!strcmp(rest, "secret_file")) {
			*len = sizeof(sb->pairs[slot].secret_file);
			return sb->pairs[slot].secret_file;
		}
		if (!strcmp(rest, "peer")) {
			*len = sizeof(sb->pairs[slot].peer);
			return sb->pairs[slot].peer;
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static uint8_t blocks[IFREP_META_SB_SLOTS][IFREP_META_BLOCK_SIZE];
	struct ifrep_meta m;
	unsigned int i, best;
	char why[256], value[512];
	int fd, n;

	if (argc < 3)
		die("usage: ifrep-meta-edit META FIELD=VALUE...");
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("%s: %s", argv[1], strerror(errno));
	if (pread(fd, blocks, sizeof(blocks), 0) != (ssize_t)sizeof(blocks))
		die("%s: cannot read the superblocks", argv[1]);
	/* the superblock activation would read: the newest valid slot */
	if (ifrep_meta_classify(blocks, &m, why, sizeof(why)) != META_VALID)
		die("%s: no valid superblock", argv[1]);
	best = m.slot;

	for (i = 2; i < (unsigned int)argc; i++) {
		struct ifrep_disk_superblock *sb = (void *)blocks[best];
		char *eq = strchr(argv[i], '=');
		uint8_t *f;
		size_t len;

		if (!eq)
			die("'%s': not FIELD=VALUE", argv[i]);
		*eq = '\0';
		f = field(sb, argv[i], &len);
		if (!f)
			die("unknown field '%s'", argv[i]);
		n = unescape(eq + 1, value, sizeof(value));
		if (n < 0 || (size_t)n >= len)
			die("value for %s: a bad escape, or longer than the field", argv[i]);
		memset(f, 0, len);
		memcpy(f, value, (size_t)n);
	}
	((struct ifrep_disk_superblock *)blocks[best])->csum =
		(ifrep_le32){ htole32(ifrep_meta_sb_checksum(blocks[best])) };
	if (pwrite(fd, blocks[best], IFREP_META_BLOCK_SIZE,
		   (off_t)best * IFREP_META_BLOCK_SIZE) != IFREP_META_BLOCK_SIZE || fsync(fd))
		die("%s: cannot write the superblock: %s", argv[1], strerror(errno));
	close(fd);
	printf("superblock %c rewritten\n", 'A' + best);
	return 0;
}
