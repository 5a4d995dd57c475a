// SPDX-License-Identifier: GPL-2.0
/*
 * ackwriter: proves that every write a device acknowledged survives a power
 * cut (or a failover).
 *
 *   ackwriter write DEV LOG [--block-size B] [--offset O] [--length L]
 *                           [--count N] [--seed S] [--log-file]
 *   ackwriter verify DEV LOG [--block-size B] [--log-file]
 *
 * --log-file: LOG is a regular file (created; O_DSYNC, no O_DIRECT), for a
 * log that must outlive the machine, e.g. on a share of the VM host.
 *
 * write: writes blocks at random aligned places inside [O, O+L) of DEV
 * with O_DIRECT|O_DSYNC.  Each block carries a header (magic, sequence
 * number, its own offset, a crc of its payload) and a payload derived from
 * the sequence number.  Only after a write returned, a 512-byte record of
 * it is appended to LOG (also O_DIRECT|O_DSYNC).  So LOG lists a subset of
 * the acknowledged writes, in order, and the tool can be killed at any
 * moment.
 *
 * verify: replays LOG; for every offset the block on DEV must be intact
 * and carry the logged sequence number or a later one (a write issued but
 * not yet logged may have landed too).  Prints a summary; exit 1 on any
 * lost or damaged block.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK_MAGIC 0x4b4341574b434121ULL	/* "!ACKWACK" */
#define LOG_MAGIC 0x474f4c4b43414b21ULL		/* "!KACKLOG" */
#define LOG_RECORD 512

struct block_header {
	uint64_t magic;
	uint64_t seq;
	uint64_t offset;
	uint32_t payload_crc;
	uint32_t pad;
};

struct log_record {
	uint64_t magic;
	uint64_t seq;
	uint64_t offset;
	uint32_t crc;		/* of the three fields above */
	uint32_t pad;
};

static uint32_t crc32_sw(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t crc = ~0U;

	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320U & -(crc & 1));
	}
	return ~crc;
}

static uint64_t next_rand(uint64_t *state)
{
	/* xorshift64*: deterministic, good enough to spread offsets */
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 2685821657736338717ULL;
}

static void fill_block(uint8_t *buf, size_t bs, uint64_t seq, uint64_t offset)
{
	struct block_header *h = (struct block_header *)buf;
	uint64_t state = seq * 0x9e3779b97f4a7c15ULL + 1;

	for (size_t i = sizeof(*h); i + 8 <= bs; i += 8) {
		uint64_t v = next_rand(&state);
		memcpy(buf + i, &v, 8);
	}
	h->magic = BLOCK_MAGIC;
	h->seq = seq;
	h->offset = offset;
	h->pad = 0;
	h->payload_crc = crc32_sw(buf + sizeof(*h), bs - sizeof(*h));
}

static int check_block(const uint8_t *buf, size_t bs, uint64_t offset,
		       uint64_t *seq)
{
	const struct block_header *h = (const struct block_header *)buf;

	if (h->magic != BLOCK_MAGIC || h->offset != offset)
		return -1;
	if (h->payload_crc != crc32_sw(buf + sizeof(*h), bs - sizeof(*h)))
		return -1;
	*seq = h->seq;
	return 0;
}

static uint64_t parse_u64(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end) {
		fprintf(stderr, "ackwriter: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

static void *xalloc(size_t len)
{
	void *p;

	if (posix_memalign(&p, 4096, len)) {
		perror("ackwriter: memory");
		exit(1);
	}
	memset(p, 0, len);
	return p;
}

static int open_dev(const char *path, int flags)
{
	int fd = open(path, flags | O_DIRECT);

	if (fd < 0) {
		fprintf(stderr, "ackwriter: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

static int open_plain(const char *path)
{
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		fprintf(stderr, "ackwriter: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

static int do_write(const char *dev, const char *log, size_t bs, uint64_t off,
		    uint64_t len, uint64_t count, uint64_t seed, bool log_file)
{
	int fd = open_dev(dev, O_RDWR | O_DSYNC);
	int lfd = log_file ? open(log, O_RDWR | O_CREAT | O_DSYNC, 0600) :
			     open_dev(log, O_RDWR | O_DSYNC);
	uint8_t *buf = xalloc(bs);
	struct log_record *rec = xalloc(LOG_RECORD);
	uint64_t state = seed ? seed : 88172645463325252ULL;
	uint64_t nblocks = len / bs, seq;

	if (!nblocks) {
		fprintf(stderr, "ackwriter: region smaller than one block\n");
		return 2;
	}
	for (seq = 1; !count || seq <= count; seq++) {
		uint64_t where = off + (next_rand(&state) % nblocks) * bs;

		fill_block(buf, bs, seq, where);
		if (pwrite(fd, buf, bs, where) != (ssize_t)bs) {
			fprintf(stderr, "ackwriter: write at %" PRIu64 ": %s\n",
				where, strerror(errno));
			return 1;
		}
		memset(rec, 0, LOG_RECORD);
		rec->magic = LOG_MAGIC;
		rec->seq = seq;
		rec->offset = where;
		rec->crc = crc32_sw(rec, offsetof(struct log_record, crc));
		if (pwrite(lfd, rec, LOG_RECORD, (seq - 1) * LOG_RECORD) != LOG_RECORD) {
			fprintf(stderr, "ackwriter: log write: %s\n", strerror(errno));
			return 1;
		}
	}
	printf("ackwriter: %" PRIu64 " writes acknowledged and logged\n", seq - 1);
	return 0;
}

struct acked {
	uint64_t offset;
	uint64_t seq;
};

static int cmp_offset(const void *a, const void *b)
{
	const struct acked *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int do_verify(const char *dev, const char *log, size_t bs, bool log_file)
{
	int fd = open_dev(dev, O_RDONLY);
	int lfd = log_file ? open_plain(log) : open_dev(log, O_RDONLY);
	uint8_t *buf = xalloc(bs);
	struct log_record *rec = xalloc(LOG_RECORD);
	struct acked *list = NULL;
	size_t n = 0, cap = 0, checked = 0, bad = 0;

	for (uint64_t i = 0;; i++) {
		if (pread(lfd, rec, LOG_RECORD, i * LOG_RECORD) != LOG_RECORD)
			break;
		if (rec->magic != LOG_MAGIC || rec->seq != i + 1 ||
		    rec->crc != crc32_sw(rec, offsetof(struct log_record, crc)))
			break;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			list = realloc(list, cap * sizeof(*list));
			if (!list) {
				perror("ackwriter");
				return 1;
			}
		}
		list[n].offset = rec->offset;
		list[n].seq = rec->seq;
		n++;
	}
	if (n)
		qsort(list, n, sizeof(*list), cmp_offset);

	for (size_t i = 0; i < n; i++) {
		uint64_t seq;

		/* Only the newest acknowledged write per offset matters. */
		if (i + 1 < n && list[i + 1].offset == list[i].offset)
			continue;
		checked++;
		if (pread(fd, buf, bs, list[i].offset) != (ssize_t)bs ||
		    check_block(buf, bs, list[i].offset, &seq) || seq < list[i].seq) {
			if (bad < 10)
				fprintf(stderr, "ackwriter: LOST write seq %" PRIu64
					" at offset %" PRIu64 "\n", list[i].seq,
					list[i].offset);
			bad++;
		}
	}
	printf("ackwriter: %zu acknowledged writes, %zu blocks checked, %zu lost\n",
	       n, checked, bad);
	free(list);
	return bad ? 1 : 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: ackwriter write DEV LOG [--block-size B] [--offset O] [--length L]\n"
		"                             [--count N] [--seed S] [--log-file]\n"
		"       ackwriter verify DEV LOG [--block-size B] [--log-file]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "block-size", required_argument, NULL, 'b' },
		{ "offset", required_argument, NULL, 'o' },
		{ "length", required_argument, NULL, 'l' },
		{ "count", required_argument, NULL, 'c' },
		{ "seed", required_argument, NULL, 's' },
		{ "log-file", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t bs = 4096, off = 0, len = 64 << 20, count = 0, seed = 0;
	bool log_file = false;
	int c;

	if (argc < 4)
		usage();
	optind = 4;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'b': bs = parse_u64(optarg, "block size"); break;
		case 'o': off = parse_u64(optarg, "offset"); break;
		case 'l': len = parse_u64(optarg, "length"); break;
		case 'c': count = parse_u64(optarg, "count"); break;
		case 's': seed = parse_u64(optarg, "seed"); break;
		case 'f': log_file = true; break;
		default: usage();
		}
	}
	if (optind != argc || bs < 512 || bs % 512 || off % bs)
		usage();
	if (!strcmp(argv[1], "write"))
		return do_write(argv[2], argv[3], bs, off, len, count, seed, log_file);
	if (!strcmp(argv[1], "verify"))
		return do_verify(argv[2], argv[3], bs, log_file);
	usage();
	return 2;
}
