// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of tools/ifrepctl/proto.c (and crc32c.c): the header layout,
 * checksums (known answers computed with an independent bitwise CRC-32C
 * and Python's hmac), encode/decode round trips, rejection of every kind
 * of corruption, and the client over a socketpair against a fake server
 * in a child process.
 */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crc32c.h"
#include "proto.h"
#include "util.h"

static const char *hex(const uint8_t *p, size_t n)
{
	static char buf[2 * 128 + 1];

	ifrep_hex_encode(p, n, buf);
	return buf;
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245U + 12345U;
		p[i] = (uint8_t)(seed >> 16);
	}
}

/*----------------------------------------------------------------
 * CRC-32C
 *--------------------------------------------------------------*/

static uint32_t crc_bitwise(uint32_t crc, const uint8_t *p, size_t n)
{
	int k;

	while (n--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ ((crc & 1) ? 0x82f63b78U : 0);
	}
	return crc;
}

/* Slicing by eight equals the bitwise definition at every alignment. */
TEST(crc32c_slice8_matches_bitwise)
{
	uint8_t buf[300];
	size_t off, len;

	fill(buf, sizeof(buf), 1);
	for (off = 0; off < 9; off++)
		for (len = 0; len < 100; len += 7)
			CHECK_EQ(ifrep_crc32c(0x12345678U, buf + off, len),
				 crc_bitwise(0x12345678U, buf + off, len));
	CHECK_EQ(~ifrep_crc32c(~0U, "123456789", 9), 0xe3069283U);
}

/* Running a register over n zeros equals applying zeros_op(n). */
TEST(crc32c_zeros_op)
{
	static const uint64_t lens[] = { 0, 1, 2, 7, 8, 63, 64, 1000, 4096, 1048576 };
	static uint8_t zeros[1048576];
	uint8_t data[64];
	size_t i;
	uint32_t c = 0xdeadbeefU;

	for (i = 0; i < ARRAY_SIZE(lens); i++)
		CHECK_EQ(ifrep_crc32c_apply(ifrep_crc32c_zeros_op(lens[i]), c),
			 ifrep_crc32c(c, zeros, lens[i]));
	/* linearity: crc(c, d) = zeros(c) ^ crc(0, d) */
	fill(data, sizeof(data), 2);
	CHECK_EQ(ifrep_crc32c(c, data, sizeof(data)),
		 ifrep_crc32c_apply(ifrep_crc32c_zeros_op(sizeof(data)), c) ^
		 ifrep_crc32c(0, data, sizeof(data)));
}

/*----------------------------------------------------------------
 * Layout and known answers
 *--------------------------------------------------------------*/

TEST(header_offsets)
{
	struct ifrep_hdr h = {
		.magic = IFREP_PROTO_MAGIC, .type = 0x0102, .flags = 0x0304,
		.length = 0x05060708, .csum = 0x090a0b0c, .seq = 0x1112131415161718ULL,
		.id = 0x2122232425262728ULL, .reserved = 0x3132333435363738ULL,
	};
	struct ifrep_wire_header w;
	struct ifrep_hdr back;
	uint8_t b[40];

	ifrep_hdr_pack(&h, &w);
	memcpy(b, &w, sizeof(b));
	CHECK(!memcmp(b, "IFRP", 4));
	CHECK_STR(hex(b + 4, 4), "01020304");
	CHECK_STR(hex(b + 8, 8), "05060708090a0b0c");
	CHECK_STR(hex(b + 16, 8), "1112131415161718");
	CHECK_STR(hex(b + 24, 8), "2122232425262728");
	CHECK_STR(hex(b + 32, 8), "3132333435363738");
	ifrep_hdr_unpack(&w, &back);
	CHECK(!memcmp(&h, &back, sizeof(h)));
	CHECK_EQ(sizeof(struct ifrep_wire_error), 96);
	CHECK_EQ(sizeof(struct ifrep_wire_data), 8);
	CHECK_EQ(sizeof(struct ifrep_wire_ack), 8);
}

/* PING, seq 1, id 7, payload "ping": bytes from an independent encoder. */
TEST(encode_known_answer)
{
	uint8_t buf[64];
	size_t n;

	n = ifrep_msg_encode(buf, sizeof(buf), IFREP_MSG_PING, 0, 1, 7, "ping", 4);
	CHECK_EQ(n, 44);
	CHECK_STR(hex(buf, n),
		  "494652500008000000000004ad1f255e0000000000000001"
		  "0000000000000007000000000000000070696e67");
}

/* The 2.0 key schedule (values from Python's hmac). */
static void kdf_example(struct ifrep_kdf *k)
{
	struct ifrep_wire_hello hc, hs;
	int i;

	memset(&hc, 0, sizeof(hc));
	memset(&hs, 0, sizeof(hs));
	hc.proto_major = hs.proto_major = ifrep_put_be16(2);
	hc.features = hs.features = ifrep_put_be32(0xf);
	for (i = 0; i < 32; i++) {
		hs.nonce[i] = (uint8_t)i;
		hc.nonce[i] = (uint8_t)(32 + i);
	}
	ifrep_kdf_init(k, (const uint8_t *)"the right secret", 16, IFREP_HELLO_BWTEST,
		       &hc, 0, &hs);
}

TEST(kdf_known_answer)
{
	struct ifrep_kdf k;
	uint8_t out[32];

	kdf_example(&k);
	ifrep_kdf_expand(&k, IFREP_LABEL_SERVER_PROOF, out);
	CHECK_STR(hex(out, 32),
		  "f898ea7bc79842bc3efb8676aa630b2e6e2a579d598d664d2b11cf82881e7acc");
	ifrep_kdf_expand(&k, IFREP_LABEL_CLIENT_PROOF, out);
	CHECK_STR(hex(out, 32),
		  "9db493dde46a201a06f3fc4c3de951a5274429aea77dd7da9d67167a295e7ad4");
	ifrep_kdf_expand(&k, IFREP_LABEL_KEY_C2S, out);
	CHECK_STR(hex(out, 32),
		  "89401d039dc6ca6d51e2194bd7fd837933860e150f7be813e5bef3cc1de8659c");
}

/* Sealed PING seq 3, id 7, "ping" (values from Python's cryptography). */
TEST(aead_known_answer)
{
	struct ifrep_kdf k;
	uint8_t key[32], buf[64];
	size_t n;
	int i;

	kdf_example(&k);
	ifrep_kdf_expand(&k, IFREP_LABEL_KEY_C2S, key);
	for (i = 0; i < 2; i++) {
		n = ifrep_msg_encode(buf, sizeof(buf), IFREP_MSG_PING, 0, 3, 7, "ping", 4);
		CHECK(!ifrep_aead_seal(key, i, buf, 4));
		CHECK_STR(hex(buf, n + IFREP_TAG_LEN), i ?
			  "4946525000080000000000040000000000000000000000030000000000000007"
			  "000000000000000070696e676df221a3238752b66b7209c6423e89bf" :
			  "4946525000080000000000040000000000000000000000030000000000000007"
			  "0000000000000000ee3be45d3f4c11b87d973cd4aadca1195a7f000c");
		CHECK(!ifrep_aead_open(key, i, buf, 4));
		CHECK(!memcmp(buf + IFREP_HDR_LEN, "ping", 4));
		/* any changed bit: header (seq too), payload or tag */
		CHECK(!ifrep_aead_seal(key, i, buf, 4));
		buf[23] ^= 1;
		CHECK(ifrep_aead_open(key, i, buf, 4) == -EBADMSG);
		buf[23] ^= 1;
		buf[41] ^= 0x80;
		CHECK(ifrep_aead_open(key, i, buf, 4) == -EBADMSG);
		buf[41] ^= 0x80;
		buf[n + 3] ^= 2;
		CHECK(ifrep_aead_open(key, i, buf, 4) == -EBADMSG);
	}
}

TEST(payload_limits)
{
	uint32_t min, max;

	CHECK(ifrep_payload_limits(0, &min, &max) == -EPROTO);
	CHECK(ifrep_payload_limits(IFREP_MSG_TYPE_MAX + 1, &min, &max) == -EPROTO);
	CHECK(!ifrep_payload_limits(IFREP_MSG_DATA, &min, &max));
	CHECK_EQ(min, 8 + 512);
	CHECK_EQ(max, 8 + IFREP_MAX_PAYLOAD);
	CHECK(!ifrep_payload_limits(IFREP_MSG_BW_DATA, &min, &max));
	CHECK_EQ(min, 0);
	CHECK_EQ(max, IFREP_MAX_PAYLOAD);
	CHECK(!ifrep_payload_limits(IFREP_MSG_HELLO, &min, &max));
	CHECK_EQ(min, 40);
	CHECK_EQ(max, 40);
	CHECK_STR(ifrep_msg_type_name(IFREP_MSG_ATTACH_REPLY), "ATTACH_REPLY");
	CHECK_STR(ifrep_msg_type_name(99), "type 99");
}

/*----------------------------------------------------------------
 * Encode, decode, reject
 *--------------------------------------------------------------*/

/* Every type at its smallest and largest payload survives a round trip. */
TEST(round_trip_every_type)
{
	size_t size = IFREP_HDR_LEN + 8 + IFREP_MAX_PAYLOAD;
	uint8_t *buf = malloc(size), *payload = malloc(size);
	const uint8_t *out;
	struct ifrep_hdr h;
	const char *why = NULL;
	uint32_t min, max, len;
	unsigned int t, k;
	size_t n;
	int r;

	CHECK(buf && payload);
	fill(payload, size, 3);
	for (t = 1; t <= IFREP_MSG_TYPE_MAX; t++) {
		CHECK(!ifrep_payload_limits(t, &min, &max));
		for (k = 0; k < 2; k++) {
			len = k ? max : min;
			n = ifrep_msg_encode(buf, size, (uint16_t)t, 0xa5, 5, 1000 + t,
					     payload, len);
			CHECK_EQ(n, IFREP_HDR_LEN + len);
			r = ifrep_msg_decode(buf, n, 5, &h, &out, &why);
			if (r)
				unit_fail(__FILE__, __LINE__, "type %u len %u: %s", t, len, why);
			CHECK(!r);
			CHECK_EQ(h.type, t);
			CHECK_EQ(h.flags, 0xa5);
			CHECK_EQ(h.length, len);
			CHECK_EQ(h.seq, 5);
			CHECK_EQ(h.id, 1000 + t);
			CHECK(out == buf + IFREP_HDR_LEN);
			CHECK(!memcmp(out, payload, len));
		}
	}
	CHECK_EQ(ifrep_msg_encode(buf, 43, IFREP_MSG_PING, 0, 1, 0, "ping", 4), 0);
	free(buf);
	free(payload);
}

/* A raw header with chosen fields, its csum made right for @payload. */
static size_t raw_msg(uint8_t *buf, uint32_t magic, uint16_t type, uint32_t length,
		      uint64_t seq, const void *payload, uint32_t plen)
{
	struct ifrep_hdr h = { .magic = magic, .type = type, .length = length, .seq = seq };
	struct ifrep_wire_header w;
	struct iovec part = { (void *)payload, plen };

	ifrep_hdr_pack(&h, &w);
	h.csum = ifrep_msg_csum(&w, &part, 1);
	ifrep_hdr_pack(&h, &w);
	memcpy(buf, &w, sizeof(w));
	memcpy(buf + sizeof(w), payload, plen);
	return sizeof(w) + plen;
}

static int decode_err(const uint8_t *buf, size_t n, const char **why)
{
	struct ifrep_hdr h;
	const uint8_t *out;

	return ifrep_msg_decode(buf, n, 1, &h, &out, why);
}

TEST(reject_header_faults)
{
	/* headers with one field wrong (csum right), and the reason, where it matters */
	static const struct {
		uint32_t magic;
		uint16_t type;
		uint32_t length;
		uint64_t seq;
		uint32_t plen;			/* payload bytes that follow */
		const char *why;		/* NULL: any */
	} faults[] = {
		{ IFREP_PROTO_MAGIC ^ 1, IFREP_MSG_HELLO, 40, 1, 40, "bad magic" },
		{ IFREP_PROTO_MAGIC, 0, 0, 1, 0, "unknown message type" },
		{ IFREP_PROTO_MAGIC, IFREP_MSG_TYPE_MAX + 1, 0, 1, 0, NULL },
		{ IFREP_PROTO_MAGIC, 99, 0, 1, 0, NULL },
		/* under the minimum, over the maximum */
		{ IFREP_PROTO_MAGIC, IFREP_MSG_HELLO, 39, 1, 39,
		  "impossible length for the message type" },
		{ IFREP_PROTO_MAGIC, IFREP_MSG_PING, 65, 1, 65, NULL },
		{ IFREP_PROTO_MAGIC, IFREP_MSG_DATA, 8 + 511, 1, 0, NULL },
		{ IFREP_PROTO_MAGIC, IFREP_MSG_BW_DATA, IFREP_MAX_PAYLOAD + 1, 1, 0, NULL },
		{ IFREP_PROTO_MAGIC, IFREP_MSG_DATA, 8 + IFREP_MAX_PAYLOAD + 1, 1, 0, NULL },
		{ IFREP_PROTO_MAGIC, IFREP_MSG_FLUSH, 1, 1, 1, NULL },
		/* sequence: 0, 2 and a wrapped value are all wrong when 1 is due */
		{ IFREP_PROTO_MAGIC, IFREP_MSG_PING, 0, 0, 0, "unexpected sequence number" },
		{ IFREP_PROTO_MAGIC, IFREP_MSG_PING, 0, 2, 0, NULL },
		{ IFREP_PROTO_MAGIC, IFREP_MSG_PING, 0, UINT64_MAX, 0, NULL },
	};
	uint8_t buf[256], p[128] = { 0 };
	const char *why;
	size_t i, n;
	int r;

	for (i = 0; i < ARRAY_SIZE(faults); i++) {
		why = "";
		n = raw_msg(buf, faults[i].magic, faults[i].type, faults[i].length, faults[i].seq,
			    p, faults[i].plen);
		r = decode_err(buf, n, &why);
		if (r != -EPROTO || (faults[i].why && strcmp(why, faults[i].why))) {
			unit_fail(__FILE__, __LINE__, "fault %zu: %d \"%s\", expected -EPROTO \"%s\"",
				  i + 1, r, why, faults[i].why ? faults[i].why : "");
			return;
		}
	}
	/* and the same message with seq 1 is fine */
	n = raw_msg(buf, IFREP_PROTO_MAGIC, IFREP_MSG_PING, 0, 1, p, 0);
	CHECK(!decode_err(buf, n, &why));
}

TEST(reject_checksum_faults)
{
	uint8_t buf[128], p[64];
	const char *why = "";
	size_t n;

	fill(p, sizeof(p), 4);
	n = ifrep_msg_encode(buf, sizeof(buf), IFREP_MSG_PING, 0, 1, 9, p, 64);
	buf[12] ^= 0x80;			/* the csum itself */
	CHECK(decode_err(buf, n, &why) == -EBADMSG);
	CHECK_STR(why, "checksum mismatch");
	buf[12] ^= 0x80;
	buf[n - 1] ^= 1;			/* last payload byte */
	CHECK(decode_err(buf, n, &why) == -EBADMSG);
	buf[n - 1] ^= 1;
	buf[31] ^= 4;				/* id */
	CHECK(decode_err(buf, n, &why) == -EBADMSG);
	buf[31] ^= 4;
	buf[39] ^= 1;				/* reserved is covered too */
	CHECK(decode_err(buf, n, &why) == -EBADMSG);
	buf[39] ^= 1;
	buf[7] ^= 1;				/* flags */
	CHECK(decode_err(buf, n, &why) == -EBADMSG);
	buf[7] ^= 1;
	CHECK(!decode_err(buf, n, &why));
}

TEST(reject_truncation)
{
	uint8_t buf[128];
	const char *why = "";
	size_t n, cut;

	n = ifrep_msg_encode(buf, sizeof(buf), IFREP_MSG_PING, 0, 1, 1, "abcdefgh", 8);
	for (cut = 0; cut < n; cut++)
		CHECK(decode_err(buf, cut, &why) == -ENODATA);
	CHECK(!decode_err(buf, n, &why));
}

/* Every single-bit flip of a DATA message is refused, none is accepted. */
TEST(every_bit_flip_of_data_is_refused)
{
	uint8_t payload[8 + 512], buf[IFREP_HDR_LEN + sizeof(payload)];
	const char *why;
	size_t n, bit;
	int r;

	fill(payload, sizeof(payload), 5);
	n = ifrep_msg_encode(buf, sizeof(buf), IFREP_MSG_DATA, 0, 1, 3, payload,
			     sizeof(payload));
	for (bit = 0; bit < 8 * n; bit++) {
		buf[bit / 8] ^= (uint8_t)(1U << (bit % 8));
		r = decode_err(buf, n, &why);
		buf[bit / 8] ^= (uint8_t)(1U << (bit % 8));
		if (!r)
			unit_fail(__FILE__, __LINE__, "flip of bit %zu accepted", bit);
		CHECK(r);
	}
}

/*----------------------------------------------------------------
 * Connections over a socketpair
 *--------------------------------------------------------------*/

static void conn_from_fd(struct ifrep_conn *c, int fd)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->timeout_ms = 2000;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	snprintf(c->peer, sizeof(c->peer), "test");
}

/* The two ends of a connection, over a socketpair: 0 or -1. */
static int conn_pair(struct ifrep_conn *a, struct ifrep_conn *b)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	conn_from_fd(a, sv[0]);
	conn_from_fd(b, sv[1]);
	return 0;
}

/* prepared payloads get the same checksum as ordinary sends */
TEST(send_prepared_matches_send_msg)
{
	static uint8_t data[65536], rx[2 * (IFREP_HDR_LEN + sizeof(data))];
	struct ifrep_conn a, b;
	struct ifrep_prepared pp;
	struct iovec part = { data, sizeof(data) };
	struct ifrep_hdr h;

	fill(data, sizeof(data), 6);
	CHECK(!conn_pair(&a, &b));
	ifrep_prepare_payload(&pp, data, sizeof(data));
	CHECK(!ifrep_send_prepared(&a, IFREP_MSG_BW_DATA, 0, 77, &pp));
	CHECK(!ifrep_recv_msg(&b, &h, rx, sizeof(rx)));
	CHECK_EQ(h.id, 77);
	CHECK_EQ(h.seq, 1);
	CHECK(!ifrep_send_msg(&a, IFREP_MSG_BW_DATA, 0, 78, &part, 1));
	CHECK(!ifrep_recv_msg(&b, &h, rx, sizeof(rx)));
	CHECK_EQ(h.seq, 2);
	CHECK(!memcmp(rx, data, sizeof(data)));
	CHECK(!ifrep_send_prepared(&a, IFREP_MSG_BW_DATA, 0, 79, &pp));
	CHECK(!ifrep_recv_msg(&b, &h, rx, sizeof(rx)));
	CHECK_EQ(h.seq, 3);
	ifrep_conn_close(&a);
	ifrep_conn_close(&b);
}

/* The receiver enforces its own sequence count and the buffer size. */
TEST(recv_checks)
{
	struct ifrep_conn a, b;
	struct ifrep_hdr h;
	struct ifrep_wire_header w;
	struct iovec part = { "0123456789", 10 };
	uint8_t rx[64];

	CHECK(!conn_pair(&a, &b));
	CHECK(!ifrep_send_msg(&a, IFREP_MSG_PING, 0, 1, &part, 1));
	CHECK(ifrep_recv_msg(&b, &h, rx, 4) == -EPROTO);	/* larger than the buffer */
	CHECK_CONTAINS(b.why, "unexpected PING of 10 bytes");
	ifrep_conn_close(&a);
	ifrep_conn_close(&b);

	CHECK(!conn_pair(&a, &b));
	struct ifrep_hdr bad = { .magic = IFREP_PROTO_MAGIC, .type = IFREP_MSG_PING, .seq = 2 };
	ifrep_hdr_pack(&bad, &w);
	bad.csum = ifrep_msg_csum(&w, NULL, 0);
	ifrep_hdr_pack(&bad, &w);
	CHECK(!ifrep_send_raw(&a, &w, NULL, 0));
	CHECK(ifrep_recv_msg(&b, &h, rx, sizeof(rx)) == -EPROTO);
	CHECK_CONTAINS(b.why, "sequence");
	ifrep_conn_close(&a);
	ifrep_conn_close(&b);

	/* a silent peer times out, a closing one is ECONNRESET */
	CHECK(!conn_pair(&a, &b));
	b.timeout_ms = 100;
	CHECK(ifrep_recv_msg(&b, &h, rx, sizeof(rx)) == -ETIMEDOUT);
	CHECK_CONTAINS(b.why, "timed out");
	ifrep_conn_close(&a);
	CHECK(ifrep_recv_msg(&b, &h, rx, sizeof(rx)) == -ECONNRESET);
	CHECK_CONTAINS(b.why, "closed");
	ifrep_conn_close(&b);
}

/*
 * A fake server doing what dm-ifrep-proto.c's ifrep_handshake_server()
 * does, with deliberate faults.  Runs in a child; exit status 0 means the
 * client's messages were all as the kernel expects.
 */
enum fake_fault {
	FAKE_OK,
	FAKE_WRONG_SECRET,		/* the server proves another secret */
	FAKE_REFUSE_AUTH,		/* ERROR instead of its AUTH */
	FAKE_MAJOR_3,			/* HELLO claims protocol 3.0 */
	FAKE_ERROR_ON_HELLO,		/* ERROR "unsupported protocol version" */
	FAKE_INSECURE,			/* both insecure: zero proofs */
};

#define FAKE_SECRET "the right secret"

/* One message of @type with the @len bytes at @p as its payload. */
static int send_one(struct ifrep_conn *s, uint16_t type, const void *p, size_t len)
{
	struct iovec part = { (void *)p, len };

	return ifrep_send_msg(s, type, 0, 0, &part, 1);
}

/* A refusal as the kernel sends it: ERROR with @reason. */
static void send_error(struct ifrep_conn *s, const char *reason)
{
	struct ifrep_wire_error err = { { 0 } };

	snprintf((char *)err.reason, sizeof(err.reason), "%s", reason);
	send_one(s, IFREP_MSG_ERROR, &err, sizeof(err));
}

static int fake_server(int fd, enum fake_fault fault, uint16_t want_flags)
{
	struct ifrep_conn s;
	struct ifrep_hdr h;
	union {
		struct ifrep_wire_hello hello;
		struct ifrep_wire_auth auth;
		struct ifrep_wire_error error;
		uint8_t ping[64];
	} rx;
	struct ifrep_wire_hello mine, theirs;
	struct ifrep_wire_auth auth = { { 0 } };
	struct ifrep_kdf kdf;
	uint8_t expect[32];
	const char *secret = fault == FAKE_WRONG_SECRET ? "another secret" : FAKE_SECRET;

	conn_from_fd(&s, fd);
	if (ifrep_recv_msg(&s, &h, &rx, sizeof(rx)) || h.type != IFREP_MSG_HELLO ||
	    h.seq != 1 || h.flags != want_flags)
		return 10;
	if (ifrep_get_be16(rx.hello.proto_major) != IFREP_PROTO_MAJOR ||
	    ifrep_get_be32(rx.hello.features) != IFREP_FEATURES)
		return 11;
	theirs = rx.hello;
	if (fault == FAKE_ERROR_ON_HELLO) {
		send_error(&s, "unsupported protocol version");
		return 0;
	}
	ifrep_hello_fill(&mine);
	if (fault == FAKE_MAJOR_3)
		mine.proto_major = ifrep_put_be16(3);
	if (send_one(&s, IFREP_MSG_HELLO, &mine, sizeof(mine)))
		return 12;
	if (fault == FAKE_MAJOR_3) {
		/* the client must hang up without sending AUTH */
		s.timeout_ms = 1000;
		return ifrep_recv_msg(&s, &h, &rx, sizeof(rx)) == -ECONNRESET ? 0 : 13;
	}
	if (fault == FAKE_REFUSE_AUTH) {
		send_error(&s, "no secret configured here");
		return 0;
	}
	/* the server proves first */
	if (fault != FAKE_INSECURE) {
		ifrep_kdf_init(&kdf, (const uint8_t *)secret, strlen(secret), want_flags,
			       &theirs, 0, &mine);
		ifrep_kdf_expand(&kdf, IFREP_LABEL_SERVER_PROOF, auth.hmac);
	}
	if (send_one(&s, IFREP_MSG_AUTH, &auth, sizeof(auth)))
		return 17;
	if (ifrep_recv_msg(&s, &h, &rx, sizeof(rx)) || h.seq != 2)
		return 14;
	if (fault == FAKE_WRONG_SECRET)	/* the client tells why and hangs up */
		return h.type == IFREP_MSG_ERROR ? 0 : 18;
	if (h.type != IFREP_MSG_AUTH)
		return 19;
	if (fault == FAKE_INSECURE) {
		static const uint8_t zero[32];

		return memcmp(rx.auth.hmac, zero, 32) ? 15 : 0;
	}
	ifrep_kdf_expand(&kdf, IFREP_LABEL_CLIENT_PROOF, expect);
	if (memcmp(expect, rx.auth.hmac, 32))
		return 16;
	/* keyed from here on: a sealed PING must open, the PONG is sealed */
	ifrep_kdf_expand(&kdf, IFREP_LABEL_KEY_C2S, s.rx_key);
	ifrep_kdf_expand(&kdf, IFREP_LABEL_KEY_S2C, s.tx_key);
	s.keyed = true;
	if (ifrep_recv_msg(&s, &h, &rx, sizeof(rx)) || h.type != IFREP_MSG_PING ||
	    h.seq != 3 || h.length != 4 || memcmp(rx.ping, "ping", 4))
		return 20;
	if (send_one(&s, IFREP_MSG_PONG, "pong", 4))
		return 21;
	ifrep_conn_close(&s);
	return 0;
}

/* Runs the client against a forked fake server; returns the client's result. */
static int handshake_with(enum fake_fault fault, bool insecure, char *why, size_t len,
			  int *server_status, uint32_t *features)
{
	uint16_t want = IFREP_HELLO_BWTEST | (insecure ? IFREP_HELLO_INSECURE : 0);
	struct ifrep_conn c;
	const char *reason = "";
	int sv[2], r, st;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -errno;
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		_exit(fake_server(sv[1], fault, want));
	}
	close(sv[1]);
	conn_from_fd(&c, sv[0]);
	r = insecure ? ifrep_client_handshake(&c, IFREP_HELLO_BWTEST, NULL, 0, &reason) :
		       ifrep_client_handshake(&c, IFREP_HELLO_BWTEST,
					      (const uint8_t *)FAKE_SECRET,
					      strlen(FAKE_SECRET), &reason);
	snprintf(why, len, "%s", r ? reason : "");
	*features = c.features;
	if (!r && !insecure) {
		struct iovec part = { "ping", 4 };
		struct ifrep_hdr h;
		char pong[64];

		if (ifrep_send_msg(&c, IFREP_MSG_PING, 0, 1, &part, 1) ||
		    ifrep_recv_msg(&c, &h, pong, sizeof(pong)) || h.type != IFREP_MSG_PONG ||
		    h.length != 4 || memcmp(pong, "pong", 4)) {
			snprintf(why, len, "keyed PING: %s", c.why);
			r = -EBADMSG;
		}
	}
	ifrep_conn_close(&c);
	waitpid(pid, &st, 0);
	*server_status = WIFEXITED(st) ? WEXITSTATUS(st) : 100;
	return r;
}

/* The client against each kind of fake server. */
static const struct {
	const char *name;
	enum fake_fault fault;
	bool insecure;			/* the client has no secret */
	int result;			/* of the client's handshake */
	const char *why;		/* the start of its reason */
} handshakes[] = {
	{ "ok", FAKE_OK, false, 0, "" },
	{ "both insecure", FAKE_INSECURE, true, 0, "" },
	{ "server without the secret", FAKE_WRONG_SECRET, false, -EACCES,
	  "the peer does not know the secret" },
	{ "refused before its proof", FAKE_REFUSE_AUTH, false, -EACCES,
	  "refused by the peer: no secret configured here" },
	{ "protocol 3", FAKE_MAJOR_3, false, -EPROTONOSUPPORT, "the peer speaks protocol 3." },
	{ "a 1.x server", FAKE_ERROR_ON_HELLO, false, -EPROTONOSUPPORT,
	  "peer speaks dm-ifrep protocol 1.x; upgrade both sides" },
};

TEST(handshakes)
{
	char why[256] = "";
	uint32_t feat = 0;
	size_t i;
	int r, st = 0;

	for (i = 0; i < ARRAY_SIZE(handshakes); i++) {
		r = handshake_with(handshakes[i].fault, handshakes[i].insecure, why, sizeof(why),
				   &st, &feat);
		if (r != handshakes[i].result || st ||
		    strncmp(why, handshakes[i].why, strlen(handshakes[i].why)) ||
		    (!r && feat != IFREP_FEATURES)) {
			unit_fail(__FILE__, __LINE__,
				  "%s: client %d \"%s\" (features %#x), server status %d; expected %d \"%s...\"",
				  handshakes[i].name, r, why, feat, st, handshakes[i].result,
				  handshakes[i].why);
			return;
		}
	}
}

/*----------------------------------------------------------------
 * TCP connect
 *--------------------------------------------------------------*/

/*
 * A TCP socket bound to a free port on the loopback address of @family:
 * its address in @sa, and as "HOST:PORT" in @text.  Returns the socket,
 * or -1 where there is no such loopback.
 */
static int bind_loopback(int family, struct sockaddr_storage *sa, char *text, size_t len)
{
	struct sockaddr_in *sin = (void *)sa;
	struct sockaddr_in6 *sin6 = (void *)sa;
	socklen_t salen = family == AF_INET ? sizeof(*sin) : sizeof(*sin6);
	int l;

	memset(sa, 0, sizeof(*sa));
	sa->ss_family = (sa_family_t)family;
	if (family == AF_INET)
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		sin6->sin6_addr = in6addr_loopback;
	l = socket(family, SOCK_STREAM, 0);
	if (l < 0)
		return -1;
	if (bind(l, (struct sockaddr *)sa, salen) || getsockname(l, (struct sockaddr *)sa, &salen)) {
		close(l);
		return -1;
	}
	if (family == AF_INET)
		snprintf(text, len, "127.0.0.1:%u", ntohs(sin->sin_port));
	else
		snprintf(text, len, "[::1]:%u", ntohs(sin6->sin6_port));
	return l;
}

/* A connection to @a opens, and names its peer @text, as it was typed. */
static bool opens_as(const struct ifrep_addr *a, const char *text)
{
	struct ifrep_conn c;
	bool same;

	if (ifrep_conn_open(&c, a, 2000))
		return false;
	same = !strcmp(c.peer, text);
	ifrep_conn_close(&c);
	return same;
}

TEST(connect_refused_and_ok)
{
	struct sockaddr_storage sa;
	struct ifrep_addr a;
	struct ifrep_conn c;
	const char *why;
	char text[64];
	int l;

	l = bind_loopback(AF_INET, &sa, text, sizeof(text));
	CHECK(l >= 0);
	CHECK(!ifrep_parse_addr(text, &a, &why));
	/* bound, not listening: refused */
	CHECK(ifrep_conn_open(&c, &a, 2000) == -ECONNREFUSED);
	CHECK_STR(c.why, "connection refused");
	CHECK_EQ(c.fd, -1);
	CHECK(!listen(l, 1));
	CHECK(opens_as(&a, text));
	close(l);
}

/* [IPv6]:PORT connects too (passes quietly where ::1 is unavailable). */
TEST(connect_ipv6_loopback)
{
	struct sockaddr_storage sa;
	struct ifrep_addr a;
	const char *why;
	char text[64];
	int l;

	l = bind_loopback(AF_INET6, &sa, text, sizeof(text));
	if (l < 0)
		return;
	if (listen(l, 1)) {
		close(l);
		return;
	}
	CHECK(!ifrep_parse_addr(text, &a, &why));
	CHECK(opens_as(&a, text));
	close(l);
}

/*
 * A listener whose accept queue is full drops SYNs: connecting times out.
 * Filler connections fill the queue first (passes quietly if the kernel
 * never lets one hang).
 */
TEST(connect_timeout)
{
	struct sockaddr_storage sa;
	struct ifrep_addr a;
	struct ifrep_conn c;
	const char *why;
	char text[64];
	int l, fill[8], n = 0, r;
	bool full = false;

	l = bind_loopback(AF_INET, &sa, text, sizeof(text));
	CHECK(l >= 0);
	CHECK(!listen(l, 0));
	CHECK(!ifrep_parse_addr(text, &a, &why));
	while (n < 8 && !full) {
		struct pollfd p;

		fill[n] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(fill[n], (struct sockaddr *)&sa, sizeof(struct sockaddr_in));
		p.fd = fill[n++];
		p.events = POLLOUT;
		full = poll(&p, 1, 200) == 0;
	}
	if (full) {
		r = ifrep_conn_open(&c, &a, 300);
		CHECK(r == -ETIMEDOUT);
		CHECK_STR(c.why, "connection timed out after 0.3 s");
		CHECK_EQ(c.fd, -1);
	}
	while (n)
		close(fill[--n]);
	close(l);
}
