// SPDX-License-Identifier: GPL-2.0
/*
 * ifrep-fuzz - send malformed dm-ifrep protocol input to a secondary and
 * check that it drops the connection every time.
 *
 *   ifrep-fuzz HOST:PORT (--secret-file FILE | --insecure) [--rounds N]
 *              [--seed S] [--data-sectors N --chunk-sectors N] [-v]
 *
 * Each round opens one connection and sends one kind of bad input, cycling
 * through the kinds below, then waits (2 s at most) for the secondary to
 * close or reset the connection; an ERROR before that is recorded (and is
 * required for the kinds that document one).  One summary line per kind
 * and a total follow.  Exit 0 when every round ended with the connection
 * dropped, 1 otherwise, 2 on usage errors, 3 on an internal error.
 *
 * Safety: nothing sent may be a DATA message the secondary could apply.
 * Every message goes through guard(), which decodes it exactly as the
 * receiver would and aborts the program if it were a well-formed DATA for
 * sectors that can exist.  The kinds after the handshake ATTACH with a
 * volume uuid drawn at random once per run, never a real primary's, so a
 * real primary's session is never displaced.  A secondary that already
 * belongs to a primary refuses that ATTACH ("belongs to another primary")
 * and drops: such rounds end at the ATTACH, reported as such, and their
 * input is not sent.  A secondary that never had a primary accepts it and
 * from then on belongs to the fuzzer's uuid (a note says so): run the
 * fuzzer only against secondaries whose primary attached already, or that
 * are disposable.  --data-sectors and --chunk-sectors must match the
 * secondary for an ATTACH to get past its size checks.
 *
 * Protocol 2.0: with a secret, every message after the handshake is
 * sealed (AEAD).  The kinds after the ATTACH then send properly sealed
 * messages whose content is wrong (a sector outside the volume, an odd
 * length, an ACK), or sealed messages corrupted after sealing (a bit of
 * the header, the payload or the tag): the tag must catch those.  The
 * guard opens what it checks with the session's key.
 *
 * It connects only to the address given.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "proto.h"
#include "util.h"

/*
 * How long a step of a round may take: a handshake and an attach (with a
 * metadata write) take seconds on a loaded TCG host; only a round that
 * fails waits this long.
 */
#define ROUND_TIMEOUT_MS	10000
#define MAX_MSG			(IFREP_HDR_LEN + 8 + 65536)
/* No block device has this many sectors (2^63 bytes is the kernel's limit). */
#define IMPOSSIBLE_SECTOR	(1ULL << 56)

enum kind {
	K_GARBAGE,
	K_BAD_MAGIC,
	K_BAD_CSUM,
	K_LEN_OVER,
	K_LEN_UNDER,
	K_BAD_SEQ,
	K_TYPE_0,
	K_TYPE_99,
	K_TRUNCATED,
	K_HELLO_MAJOR_1,
	K_AUTH_BAD_HMAC,
	K_DATA_BEFORE_AUTH,
	/* after HELLO, AUTH with the right secret and an ATTACH */
	K_DATA_BAD_SECTOR,
	K_DATA_BAD_CSUM,
	K_DATA_ODD_LENGTH,
	K_ACK_TO_SERVER,
	K_DATA_MUTATED,
	K_CSUM_BAD_RANGE,
	K_COMPARE_BAD,
	K_EXTENT_BAD,
	NR_KINDS,
	FIRST_ATTACHED = K_DATA_BAD_SECTOR,
};

static const char *const kind_names[NR_KINDS] = {
	"garbage", "bad-magic", "bad-checksum", "length-over-max",
	"length-under-min", "wrong-sequence", "type-0", "type-99",
	"truncated", "hello-major-1", "auth-wrong-hmac", "data-before-auth",
	"data-bad-sector", "data-bad-checksum", "data-length-not-512",
	"ack-to-server", "data-bit-flip", "checksum-request-outside",
	"compare-request-invalid", "discard-zeroes-invalid",
};

/* What the secondary must answer with an ERROR before dropping. */
static const char *const expected_error[NR_KINDS] = {
	[K_HELLO_MAJOR_1] = "unsupported protocol version",
	/* a wrong client proof is dropped without an answer (2.0) */
};

enum outcome {
	OUT_DROPPED,		/* closed or reset, maybe after an ERROR */
	OUT_ATTACH_REFUSED,	/* the ATTACH was refused, then dropped */
	OUT_OPEN,		/* still open after the timeout: failure */
	OUT_UNEXPECTED,		/* an answer other than ERROR: failure */
	OUT_NO_ERROR,		/* dropped without the documented ERROR: failure */
	OUT_SETUP,		/* could not connect or authenticate: failure */
	NR_OUTCOMES,
};

struct round {
	enum outcome out;
	bool got_error;
	char error[IFREP_REASON_LEN + 1];	/* the peer's ERROR or refusal */
	char detail[256];
};

struct stats {
	unsigned int rounds;
	unsigned int outcomes[NR_OUTCOMES];
	unsigned int errors;			/* rounds with an ERROR */
	char last_error[IFREP_REASON_LEN + 1];
	char last_failure[256];
	char attach_refusal[IFREP_REASON_LEN + 1];
};

struct fuzz {
	struct ifrep_addr addr;
	uint8_t secret[IFREP_MAX_SECRET];
	size_t secret_len;
	bool insecure;
	uint64_t data_sectors;		/* 0: unknown */
	uint32_t chunk_sectors;
	uint8_t uuid[16];
	uint64_t rng;
	int verbose;
	bool noted_attach;
};

/*----------------------------------------------------------------
 * Helpers
 *--------------------------------------------------------------*/

static uint64_t rnd(struct fuzz *f)
{
	/* splitmix64 */
	uint64_t z = (f->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rnd_below(struct fuzz *f, uint32_t n)
{
	return (uint32_t)(rnd(f) % n);
}

static void rnd_bytes(struct fuzz *f, uint8_t *p, size_t n)
{
	while (n--)
		*p++ = (uint8_t)rnd(f);
}

__attribute__((format(printf, 2, 3)))
static void note(struct round *rd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rd->detail, sizeof(rd->detail), fmt, ap);
	va_end(ap);
}

/*
 * A message with the header fields of @h (length as given, which need not
 * match @plen) and @plen payload bytes; csum is computed unless @keep_csum.
 */
static size_t frame(uint8_t *buf, struct ifrep_hdr h, const void *payload,
		    uint32_t plen, bool keep_csum)
{
	struct ifrep_wire_header w;
	struct iovec part = { (void *)payload, plen };

	if (!keep_csum) {
		ifrep_hdr_pack(&h, &w);
		h.csum = ifrep_msg_csum(&w, &part, 1);
	}
	ifrep_hdr_pack(&h, &w);
	memcpy(buf, &w, sizeof(w));
	if (plen)
		memcpy(buf + sizeof(w), payload, plen);
	return sizeof(w) + plen;
}

static struct ifrep_hdr hdr(uint16_t type, uint32_t length, uint64_t seq)
{
	struct ifrep_hdr h = {
		.magic = IFREP_PROTO_MAGIC, .type = type, .length = length, .seq = seq,
	};

	return h;
}

/*
 * The safety net: decode @buf as the receiver would, expecting @seq; if it
 * is a well-formed DATA for sectors that may exist, stop everything.
 */
static void guard(const struct fuzz *f, const struct ifrep_conn *c, const uint8_t *buf,
		  size_t len, uint64_t seq)
{
	static uint8_t copy[2 * MAX_MSG];
	uint64_t limit = f->data_sectors ? f->data_sectors : IMPOSSIBLE_SECTOR;
	struct ifrep_wire_data data;
	struct ifrep_wire_header w;
	const uint8_t *p;
	struct ifrep_hdr h;
	const char *why;
	uint64_t sector, bytes;

	if (c->keyed) {
		/* sealed: what the receiver would accept opens with the key */
		if (len < IFREP_HDR_LEN || len > sizeof(copy))
			return;
		memcpy(&w, buf, sizeof(w));
		ifrep_hdr_unpack(&w, &h);
		if (ifrep_hdr_check(&h, seq, &why) || h.type != IFREP_MSG_DATA ||
		    len < IFREP_HDR_LEN + (size_t)h.length + IFREP_TAG_LEN)
			return;
		memcpy(copy, buf, IFREP_HDR_LEN + h.length + IFREP_TAG_LEN);
		if (ifrep_aead_open(c->tx_key, c->integrity_only, copy, h.length))
			return;
		p = copy + IFREP_HDR_LEN;
	} else if (ifrep_msg_decode(buf, len, seq, &h, &p, &why) || h.type != IFREP_MSG_DATA) {
		return;
	}
	memcpy(&data, p, sizeof(data));
	sector = ifrep_get_be64(data.sector);
	bytes = h.length - sizeof(data);
	if (bytes % 512 || sector >= limit || bytes / 512 > limit - sector)
		return;
	fprintf(stderr, "ifrep-fuzz: internal error: refusing to send a valid DATA "
		"message (sector %" PRIu64 ", %" PRIu64 " bytes)\n", sector, bytes);
	exit(3);
}

/* Sends @len bytes of @buf that the server will read as message @seq. */
static int send_checked(struct fuzz *f, struct ifrep_conn *c, const uint8_t *buf,
			size_t len, uint64_t seq)
{
	guard(f, c, buf, len, seq);
	return ifrep_send_bytes(c, buf, len);
}

/*----------------------------------------------------------------
 * Round steps
 *--------------------------------------------------------------*/

static int open_conn(struct fuzz *f, struct ifrep_conn *c, struct round *rd)
{
	if (ifrep_conn_open(c, &f->addr, ROUND_TIMEOUT_MS)) {
		rd->out = OUT_SETUP;
		note(rd, "connect: %s", c->why);
		return -1;
	}
	c->timeout_ms = ROUND_TIMEOUT_MS;
	return 0;
}

/*
 * After the bad input: wait for the drop.  ERRORs are recorded; any other
 * message means the server took the input for valid.  @send_failed: the
 * server closed while we were still sending.
 */
static void wait_drop(struct ifrep_conn *c, struct round *rd, const char *want_error,
		      int send_failed)
{
	union {
		struct ifrep_wire_error error;
		uint8_t any[IFREP_REASON_LEN + 64];
	} rx;
	struct ifrep_hdr h;
	int r;

	if (send_failed && send_failed != -ECONNRESET && send_failed != -EPIPE) {
		rd->out = OUT_SETUP;
		note(rd, "send: %s", c->why);
		return;
	}
	for (;;) {
		r = ifrep_recv_msg(c, &h, &rx, sizeof(rx));
		if (r == -ECONNRESET)
			break;
		if (r == -ETIMEDOUT) {
			rd->out = OUT_OPEN;
			note(rd, "the connection is still open after %d ms", ROUND_TIMEOUT_MS);
			return;
		}
		if (r) {
			rd->out = OUT_UNEXPECTED;
			note(rd, "after the input: %s", c->why);
			return;
		}
		if (h.type != IFREP_MSG_ERROR) {
			rd->out = OUT_UNEXPECTED;
			note(rd, "the server answered %s (id %" PRIu64 ")",
			     ifrep_msg_type_name(h.type), h.id);
			return;
		}
		rd->got_error = true;
		ifrep_reason_copy(rx.error.reason, sizeof(rx.error.reason), rd->error,
				  sizeof(rd->error));
	}
	if (rd->out == OUT_ATTACH_REFUSED)
		return;
	if (want_error && (!rd->got_error || !strstr(rd->error, want_error))) {
		rd->out = OUT_NO_ERROR;
		note(rd, "dropped, but %s", rd->got_error ? "with another ERROR" :
		     "without the documented ERROR");
		return;
	}
	rd->out = OUT_DROPPED;
}

/* HELLO from us (with @flags), HELLO from the server into @theirs. */
static int hello_exchange(struct fuzz *f, struct ifrep_conn *c, struct round *rd,
			  uint16_t flags, struct ifrep_wire_hello *mine,
			  struct ifrep_wire_hello *theirs)
{
	union {
		struct ifrep_wire_hello hello;
		struct ifrep_wire_error error;
	} rx;
	uint8_t buf[IFREP_HDR_LEN + sizeof(*mine)];
	struct ifrep_hdr h;
	size_t n;

	if (ifrep_hello_fill(mine)) {
		rd->out = OUT_SETUP;
		note(rd, "no random numbers");
		return -1;
	}
	h = hdr(IFREP_MSG_HELLO, sizeof(*mine), 1);
	h.flags = flags;
	n = frame(buf, h, mine, sizeof(*mine), false);
	if (send_checked(f, c, buf, n, 1) ||
	    ifrep_recv_msg(c, &h, &rx, sizeof(rx))) {
		rd->out = OUT_SETUP;
		note(rd, "HELLO: %s", c->why);
		return -1;
	}
	c->send_seq = 1;
	if (h.type != IFREP_MSG_HELLO) {
		rd->out = OUT_SETUP;
		if (h.type == IFREP_MSG_ERROR)
			ifrep_reason_copy(rx.error.reason, sizeof(rx.error.reason),
					  rd->error, sizeof(rd->error));
		note(rd, "HELLO answered by %s %s", ifrep_msg_type_name(h.type), rd->error);
		return -1;
	}
	*theirs = rx.hello;
	/* 2.0: the server proves first; its AUTH comes before ours */
	if (ifrep_recv_msg(c, &h, &rx, sizeof(rx)) || h.type != IFREP_MSG_AUTH) {
		rd->out = OUT_SETUP;
		note(rd, "the server's AUTH: %s", c->why);
		return -1;
	}
	return 0;
}

/* The full client handshake and an ATTACH with our random uuid. */
static int attach(struct fuzz *f, struct ifrep_conn *c, struct round *rd)
{
	struct ifrep_wire_attach att;
	struct ifrep_wire_attach_reply reply;
	struct iovec part = { &att, sizeof(att) };
	struct ifrep_hdr h;
	const char *reason;
	char hexid[33];

	if (ifrep_client_handshake(c, IFREP_HELLO_PRIMARY, f->insecure ? NULL : f->secret,
				   f->secret_len, &reason)) {
		rd->out = OUT_SETUP;
		note(rd, "handshake: %s", reason);
		return -1;
	}
	memset(&att, 0, sizeof(att));
	memcpy(att.uuid, f->uuid, sizeof(att.uuid));
	att.data_sectors = ifrep_put_be64(f->data_sectors);
	att.chunk_sectors = ifrep_put_be32(f->chunk_sectors);
	att.timeout_s = ifrep_put_be32(30);
	if (ifrep_send_msg(c, IFREP_MSG_ATTACH, 0, 0, &part, 1) ||
	    ifrep_recv_msg(c, &h, &reply, sizeof(reply))) {
		rd->out = OUT_SETUP;
		note(rd, "ATTACH: %s", c->why);
		return -1;
	}
	if (h.type != IFREP_MSG_ATTACH_REPLY) {
		rd->out = OUT_SETUP;
		note(rd, "ATTACH answered by %s", ifrep_msg_type_name(h.type));
		return -1;
	}
	if (ifrep_get_be32(reply.status)) {
		rd->out = OUT_ATTACH_REFUSED;
		ifrep_reason_copy(reply.reason, sizeof(reply.reason), rd->error,
				  sizeof(rd->error));
		note(rd, "ATTACH refused (%u): %s", ifrep_get_be32(reply.status), rd->error);
		return 1;
	}
	/* a secondary with changes of its own sends them (BITMAP) */
	if (ifrep_get_be32(reply.flags) & IFREP_ATTACH_CHANGES) {
		static uint8_t bitmap[IFREP_MAX_PAYLOAD];

		if (ifrep_recv_msg(c, &h, bitmap, sizeof(bitmap)) || h.type != IFREP_MSG_BITMAP) {
			rd->out = OUT_SETUP;
			note(rd, "BITMAP after ATTACH_REPLY: %s", c->why);
			return -1;
		}
	}
	if (!f->noted_attach) {
		f->noted_attach = true;
		ifrep_hex_encode(f->uuid, sizeof(f->uuid), hexid);
		fprintf(stderr, "ifrep-fuzz: note: the secondary accepted ATTACH of volume "
			"uuid %s: it is now bound to this fuzz client's uuid\n", hexid);
	}
	return 0;
}

/* A DATA message: header fields, sector, @bytes of random data. */
static size_t data_msg(struct fuzz *f, uint8_t *buf, uint64_t seq, uint64_t sector,
		       uint32_t bytes)
{
	uint8_t payload[8 + 65536];
	struct ifrep_wire_data d = { ifrep_put_be64(sector) };
	struct ifrep_hdr h = hdr(IFREP_MSG_DATA, 8 + bytes, seq);

	memcpy(payload, &d, sizeof(d));
	rnd_bytes(f, payload + 8, bytes);
	h.id = rnd(f);
	return frame(buf, h, payload, 8 + bytes, false);
}

/*----------------------------------------------------------------
 * The kinds
 *--------------------------------------------------------------*/

/* Input sent as the first message of a fresh connection. */
static size_t first_message(struct fuzz *f, enum kind k, unsigned int variant,
			    uint8_t *buf, size_t *cut)
{
	struct ifrep_wire_hello hello;
	struct ifrep_hdr h = hdr(IFREP_MSG_HELLO, sizeof(hello), 1);
	uint8_t payload[8 + 512] = { 0 };
	size_t n;

	ifrep_hello_fill(&hello);
	h.flags = IFREP_HELLO_PRIMARY;
	switch (k) {
	case K_GARBAGE:
		n = IFREP_HDR_LEN + rnd_below(f, 2048);
		rnd_bytes(f, buf, n);
		if (!memcmp(buf, "IFRP", 4))
			buf[0] ^= 0x80;
		return n;
	case K_BAD_MAGIC:
		h.magic ^= 1U << rnd_below(f, 32);
		return frame(buf, h, &hello, sizeof(hello), false);
	case K_BAD_CSUM:
		n = frame(buf, h, &hello, sizeof(hello), false);
		buf[12 + rnd_below(f, 4)] ^= (uint8_t)(1U << rnd_below(f, 8));
		return n;
	case K_LEN_OVER:
		/* the header alone: the length is refused before any payload */
		switch (variant % 3) {
		case 0: h = hdr(IFREP_MSG_DATA, 8 + IFREP_MAX_PAYLOAD + 1, 1); break;
		case 1: h = hdr(IFREP_MSG_BW_DATA, IFREP_MAX_PAYLOAD + 1, 1); break;
		default: h = hdr(IFREP_MSG_HELLO, UINT32_MAX, 1); break;
		}
		return frame(buf, h, NULL, 0, false);
	case K_LEN_UNDER:
		switch (variant % 3) {
		case 0: h.length = sizeof(hello) - 1; break;
		case 1: h = hdr(IFREP_MSG_AUTH, IFREP_HMAC_LEN - 1, 1); break;
		default: h = hdr(IFREP_MSG_DATA, 8 + 511, 1); break;
		}
		memcpy(payload, &hello, sizeof(hello));
		return frame(buf, h, payload, h.length, false);
	case K_BAD_SEQ:
		h.seq = variant % 3 == 0 ? 0 : variant % 3 == 1 ? 2 : rnd(f) | 4;
		return frame(buf, h, &hello, sizeof(hello), false);
	case K_TYPE_0:
	case K_TYPE_99:
		h = hdr(k == K_TYPE_0 ? 0 : 99, variant % 2 ? 0 : 40, 1);
		return frame(buf, h, &hello, h.length, false);
	case K_TRUNCATED:
		n = frame(buf, h, &hello, sizeof(hello), false);
		*cut = 1 + rnd_below(f, (uint32_t)n - 1);
		return n;
	case K_HELLO_MAJOR_1:
		hello.proto_major = ifrep_put_be16(1);
		return frame(buf, h, &hello, sizeof(hello), false);
	case K_DATA_BEFORE_AUTH:
		return data_msg(f, buf, 1, IMPOSSIBLE_SECTOR + rnd_below(f, 1000), 512);
	default:
		return 0;
	}
}

/* In a keyed session, the clean message of @n bytes at @buf is sealed. */
static size_t seal(const struct ifrep_conn *c, uint8_t *buf, size_t n, size_t room)
{
	size_t sealed;

	if (!c->keyed)
		return n;
	sealed = ifrep_seal_buf(c, buf, room);
	if (!sealed) {
		fprintf(stderr, "ifrep-fuzz: internal error: cannot seal a message\n");
		exit(3);
	}
	return sealed;
}

/* Input after the handshake and an accepted ATTACH; @seq is ours. */
static size_t attached_message(struct fuzz *f, const struct ifrep_conn *c, enum kind k,
			       unsigned int variant, uint8_t *buf, uint64_t seq,
			       size_t *send_len)
{
	size_t room = 2 * MAX_MSG;
	struct ifrep_wire_ack ack = { ifrep_put_be32(0), ifrep_put_be32(0) };
	uint64_t end = f->data_sectors, sector;
	struct ifrep_wire_header w;
	struct ifrep_hdr h, m;
	const uint8_t *p;
	const char *why;
	uint32_t bytes, grow, tail;
	size_t n, bit;

	switch (k) {
	case K_DATA_BAD_SECTOR:
		switch (variant % 4) {
		case 0: sector = end ? end : IMPOSSIBLE_SECTOR; bytes = 4096; break;
		case 1: sector = end ? end - 1 : IMPOSSIBLE_SECTOR; bytes = 4096; break;
		case 2: sector = UINT64_MAX; bytes = 512; break;
		default: sector = 1ULL << 63; bytes = 65536; break;
		}
		return seal(c, buf, data_msg(f, buf, seq, sector, bytes), room);
	case K_DATA_BAD_CSUM:
		n = seal(c, buf, data_msg(f, buf, seq, rnd_below(f, 64) * 8, 4096), room);
		/* a bit of the csum field or of the data */
		if (variant % 2)
			buf[12 + rnd_below(f, 4)] ^= (uint8_t)(1U << rnd_below(f, 8));
		else
			buf[IFREP_HDR_LEN + 8 + rnd_below(f, 4096)] ^=
				(uint8_t)(1U << rnd_below(f, 8));
		return n;
	case K_DATA_ODD_LENGTH:
		return seal(c, buf, data_msg(f, buf, seq, 0,
					     512 * (variant % 8) + 1 + rnd_below(f, 511)), room);
	case K_ACK_TO_SERVER:
		h = hdr(IFREP_MSG_ACK, sizeof(ack), seq);
		h.id = rnd(f);
		return seal(c, buf, frame(buf, h, &ack, sizeof(ack), false), room);
	case K_DATA_MUTATED:
		n = seal(c, buf, data_msg(f, buf, seq, rnd_below(f, 64) * 8, 4096), room);
		for (;;) {
			bit = rnd_below(f, (uint32_t)(8 * n));
			buf[bit / 8] ^= (uint8_t)(1U << (bit % 8));
			/* the length may have grown: send that much more */
			memcpy(&w, buf, sizeof(w));
			ifrep_hdr_unpack(&w, &m);
			tail = c->keyed ? IFREP_TAG_LEN : 0;
			grow = m.length + tail > n - IFREP_HDR_LEN && m.length <= 8 + 65536 ?
			       m.length + tail - (uint32_t)(n - IFREP_HDR_LEN) : 0;
			memset(buf + n, 0, grow);
			*send_len = n + grow;
			if (c->keyed) {
				static uint8_t copy[2 * MAX_MSG];

				/* the tag must catch it: one in 2^128 would not */
				memcpy(copy, buf, *send_len);
				if (ifrep_hdr_check(&m, seq, &why) ||
				    ifrep_aead_open(c->tx_key, c->integrity_only, copy, m.length))
					return n;
				continue;
			}
			if (ifrep_msg_decode(buf, *send_len, seq, &h, &p, &why))
				return n;
			/* still valid (cannot happen with CRC-32C): flip another */
		}
	case K_CSUM_BAD_RANGE: {
		struct ifrep_wire_csum cs = { 0 };

		switch (variant % 4) {
		case 0: sector = end ? end : IMPOSSIBLE_SECTOR; bytes = 4096; break;
		case 1: sector = 0; bytes = 0; break;
		case 2: sector = 0; bytes = 1000; break;
		default: sector = 0; bytes = 64U << 20; break;
		}
		cs.sector = ifrep_put_be64(sector);
		cs.length = ifrep_put_be32(bytes);
		return seal(c, buf, frame(buf, hdr(IFREP_MSG_CSUM, sizeof(cs), seq), &cs,
					  sizeof(cs), false), room);
	}
	case K_COMPARE_BAD: {
		struct ifrep_wire_compare cmp = { 0 };

		switch (variant % 5) {
		case 0: sector = end ? end : IMPOSSIBLE_SECTOR; bytes = 65536; break;
		case 1: sector = 0; bytes = 0; break;
		case 2: sector = 0; bytes = 1000; break;
		case 3: sector = 0; bytes = 64U << 20; break;
		default: sector = 0; bytes = 65536; cmp.reserved = ifrep_put_be32(1); break;
		}
		cmp.sector = ifrep_put_be64(sector);
		cmp.length = ifrep_put_be32(bytes);
		rnd_bytes(f, cmp.sha256, sizeof(cmp.sha256));
		return seal(c, buf, frame(buf, hdr(IFREP_MSG_COMPARE, sizeof(cmp), seq), &cmp,
					  sizeof(cmp), false), room);
	}
	case K_EXTENT_BAD: {
		/* A DISCARD or WRITE_ZEROES that must change nothing. */
		struct ifrep_wire_extent ext = { 0 };

		switch (variant % 5) {
		case 0: sector = end ? end : IMPOSSIBLE_SECTOR; bytes = 65536; break;
		case 1: sector = 0; bytes = 0; break;
		case 2: sector = 0; bytes = 1000; break;
		case 3: sector = end > 8 ? end - 8 : 0; bytes = 8192; break;
		default: sector = 0; bytes = 65536; ext.reserved = ifrep_put_be32(1); break;
		}
		ext.sector = ifrep_put_be64(sector);
		ext.length = ifrep_put_be32(bytes);
		return seal(c, buf, frame(buf, hdr(variant & 1 ? IFREP_MSG_WRITE_ZEROES :
						   IFREP_MSG_DISCARD, sizeof(ext), seq),
					  &ext, sizeof(ext), false), room);
	}
	default:
		return 0;
	}
}

static void run_round(struct fuzz *f, enum kind k, unsigned int variant, struct round *rd)
{
	static uint8_t buf[2 * MAX_MSG];
	struct ifrep_wire_hello mine, theirs;
	struct ifrep_wire_auth auth;
	struct ifrep_conn c;
	size_t n, cut = 0, send_len;
	int r;

	memset(rd, 0, sizeof(*rd));
	if (open_conn(f, &c, rd))
		return;

	if (k < K_HELLO_MAJOR_1 || (k == K_DATA_BEFORE_AUTH && variant % 2 == 0)) {
		n = first_message(f, k, variant, buf, &cut);
		if (cut) {
			r = send_checked(f, &c, buf, cut, 1);
			ifrep_conn_shutdown_write(&c);
		} else {
			r = send_checked(f, &c, buf, n, 1);
		}
		wait_drop(&c, rd, expected_error[k], r);
	} else if (k == K_HELLO_MAJOR_1) {
		n = first_message(f, k, variant, buf, &cut);
		r = send_checked(f, &c, buf, n, 1);
		wait_drop(&c, rd, expected_error[k], r);
	} else if (k == K_AUTH_BAD_HMAC || k == K_DATA_BEFORE_AUTH) {
		/* no INSECURE flag: an insecure server must refuse too */
		if (hello_exchange(f, &c, rd, IFREP_HELLO_PRIMARY, &mine, &theirs))
			goto out;
		if (k == K_AUTH_BAD_HMAC) {
			rnd_bytes(f, auth.hmac, sizeof(auth.hmac));
			n = frame(buf, hdr(IFREP_MSG_AUTH, sizeof(auth), 2), &auth,
				  sizeof(auth), false);
		} else {
			n = data_msg(f, buf, 2, IMPOSSIBLE_SECTOR + rnd_below(f, 1000), 512);
		}
		r = send_checked(f, &c, buf, n, 2);
		wait_drop(&c, rd, expected_error[k], r);
	} else {
		r = attach(f, &c, rd);
		if (r < 0)
			goto out;
		if (r > 0) {
			wait_drop(&c, rd, NULL, 0);
			goto out;
		}
		send_len = 0;
		n = attached_message(f, &c, k, variant, buf, c.send_seq + 1, &send_len);
		r = send_checked(f, &c, buf, send_len ? send_len : n, c.send_seq + 1);
		wait_drop(&c, rd, NULL, r);
	}
out:
	ifrep_conn_close(&c);
}

/*----------------------------------------------------------------
 * Main
 *--------------------------------------------------------------*/

static const char *const outcome_names[NR_OUTCOMES] = {
	"dropped", "attach refused", "left open", "unexpected answer",
	"no documented ERROR", "setup failed",
};

static int usage(const char *msg)
{
	fprintf(stderr, "ifrep-fuzz: %s\n"
		"usage: ifrep-fuzz HOST:PORT (--secret-file FILE | --insecure) [--rounds N]\n"
		"                  [--seed S] [--data-sectors N --chunk-sectors N] [-v]\n", msg);
	return 2;
}

static void summary(const struct stats *st, unsigned int *bad)
{
	unsigned int k, o, failed, total = 0, dropped = 0;

	for (k = 0; k < NR_KINDS; k++) {
		const struct stats *s = &st[k];

		if (!s->rounds)
			continue;
		failed = s->rounds - s->outcomes[OUT_DROPPED] - s->outcomes[OUT_ATTACH_REFUSED];
		total += s->rounds;
		dropped += s->rounds - failed;
		printf("%-20s %3u rounds, %3u dropped", kind_names[k], s->rounds,
		       s->rounds - failed);
		if (s->errors)
			printf(", %u after ERROR \"%s\"", s->errors, s->last_error);
		if (s->outcomes[OUT_ATTACH_REFUSED])
			printf(", %u ended at the ATTACH: \"%s\" (input not sent)",
			       s->outcomes[OUT_ATTACH_REFUSED], s->attach_refusal);
		for (o = OUT_OPEN; o < NR_OUTCOMES; o++)
			if (s->outcomes[o])
				printf(", %u %s", s->outcomes[o], outcome_names[o]);
		if (failed)
			printf(" [FAIL: %s]", s->last_failure);
		printf("\n");
	}
	*bad = total - dropped;
	printf("total: %u rounds, %u dropped, %u failed\n", total, dropped, total - dropped);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "secret-file", required_argument, NULL, 's' },
		{ "insecure", no_argument, NULL, 'I' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 'S' },
		{ "data-sectors", required_argument, NULL, 'd' },
		{ "chunk-sectors", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	static struct fuzz f;
	static struct stats st[NR_KINDS];
	const char *secret_file = NULL, *why;
	uint64_t rounds = 200, seed, v;
	unsigned int i, bad;
	struct round rd;
	char whybuf[512], hexid[33];
	bool world;
	int opt;

	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	while ((opt = getopt_long(argc, argv, "s:Ir:S:d:c:v", opts, NULL)) != -1) {
		switch (opt) {
		case 's': secret_file = optarg; break;
		case 'I': f.insecure = true; break;
		case 'r':
			if (ifrep_parse_u64(optarg, &rounds, &why) || !rounds || rounds > 100000)
				return usage("--rounds: 1 to 100000");
			break;
		case 'S':
			if (ifrep_parse_u64(optarg, &seed, &why))
				return usage("--seed: a number");
			break;
		case 'd':
			if (ifrep_parse_u64(optarg, &f.data_sectors, &why))
				return usage("--data-sectors: a number");
			break;
		case 'c':
			if (ifrep_parse_u64(optarg, &v, &why) || v > UINT32_MAX)
				return usage("--chunk-sectors: a number");
			f.chunk_sectors = (uint32_t)v;
			break;
		case 'v': f.verbose++; break;
		default: return usage("bad option");
		}
	}
	if (optind != argc - 1)
		return usage("expected one HOST:PORT");
	if (ifrep_parse_addr(argv[optind], &f.addr, &why)) {
		snprintf(whybuf, sizeof(whybuf), "%s: %s", argv[optind], why);
		return usage(whybuf);
	}
	if (!secret_file == !f.insecure)
		return usage("give --secret-file FILE or --insecure");
	if (secret_file && ifrep_read_secret(secret_file, f.secret, sizeof(f.secret),
					     &f.secret_len, &world, whybuf, sizeof(whybuf))) {
		fprintf(stderr, "ifrep-fuzz: %s\n", whybuf);
		return 2;
	}
	if (getrandom(f.uuid, sizeof(f.uuid), 0) != sizeof(f.uuid)) {
		fprintf(stderr, "ifrep-fuzz: no random numbers\n");
		return 3;
	}
	f.rng = seed;
	ifrep_hex_encode(f.uuid, sizeof(f.uuid), hexid);
	printf("ifrep-fuzz %s: %" PRIu64 " rounds, seed %" PRIu64 ", ATTACH uuid %s\n",
	       argv[optind], rounds, seed, hexid);

	for (i = 0; i < rounds; i++) {
		enum kind k = (enum kind)(i % NR_KINDS);
		struct stats *s = &st[k];

		run_round(&f, k, i / NR_KINDS, &rd);
		s->rounds++;
		s->outcomes[rd.out]++;
		if (rd.got_error) {
			s->errors++;
			snprintf(s->last_error, sizeof(s->last_error), "%s", rd.error);
		}
		if (rd.out == OUT_ATTACH_REFUSED)
			snprintf(s->attach_refusal, sizeof(s->attach_refusal), "%s", rd.error);
		else if (rd.out != OUT_DROPPED)
			snprintf(s->last_failure, sizeof(s->last_failure), "%s", rd.detail);
		if (f.verbose || (rd.out != OUT_DROPPED && rd.out != OUT_ATTACH_REFUSED))
			printf("round %u %s: %s%s%s%s\n", i, kind_names[k], outcome_names[rd.out],
			       rd.detail[0] ? " (" : "", rd.detail, rd.detail[0] ? ")" : "");
		fflush(stdout);
	}
	summary(st, &bad);
	explicit_bzero(f.secret, sizeof(f.secret));
	return bad ? 1 : 0;
}
