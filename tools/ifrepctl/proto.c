// SPDX-License-Identifier: GPL-2.0
/*
 * proto.c - userspace client of the dm-ifrep wire protocol.
 *
 * The rules mirror the kernel's receiver (dm-ifrep-proto.c), which is the
 * reference; docs/wire-protocol.md describes them:
 *   - a message is a 40-byte big-endian header and `length` payload bytes;
 *   - csum is the standard CRC-32C over the header (csum zeroed) and then
 *     the payload;
 *   - seq counts the messages of each direction from 1;
 *   - each type allows a range of payload lengths, checked before the
 *     payload is read.
 *
 * The socket is non-blocking; every step polls with the connection's
 * timeout, so nothing here blocks forever on a silent peer.  SIGPIPE is
 * never raised (MSG_NOSIGNAL).
 */
#include "proto.h"
#include "crc32c.h"
#include "sha256.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SECTOR_BYTES	512U

/*----------------------------------------------------------------
 * Byte order
 *--------------------------------------------------------------*/

uint16_t ifrep_get_be16(ifrep_be16 v) { return be16toh(v.be); }
uint32_t ifrep_get_be32(ifrep_be32 v) { return be32toh(v.be); }
uint64_t ifrep_get_be64(ifrep_be64 v) { return be64toh(v.be); }

ifrep_be16 ifrep_put_be16(uint16_t v)
{
	ifrep_be16 r = { htobe16(v) };

	return r;
}

ifrep_be32 ifrep_put_be32(uint32_t v)
{
	ifrep_be32 r = { htobe32(v) };

	return r;
}

ifrep_be64 ifrep_put_be64(uint64_t v)
{
	ifrep_be64 r = { htobe64(v) };

	return r;
}

void ifrep_hdr_pack(const struct ifrep_hdr *h, struct ifrep_wire_header *w)
{
	w->magic = ifrep_put_be32(h->magic);
	w->type = ifrep_put_be16(h->type);
	w->flags = ifrep_put_be16(h->flags);
	w->length = ifrep_put_be32(h->length);
	w->csum = ifrep_put_be32(h->csum);
	w->seq = ifrep_put_be64(h->seq);
	w->id = ifrep_put_be64(h->id);
	w->reserved = ifrep_put_be64(h->reserved);
}

void ifrep_hdr_unpack(const struct ifrep_wire_header *w, struct ifrep_hdr *h)
{
	h->magic = ifrep_get_be32(w->magic);
	h->type = ifrep_get_be16(w->type);
	h->flags = ifrep_get_be16(w->flags);
	h->length = ifrep_get_be32(w->length);
	h->csum = ifrep_get_be32(w->csum);
	h->seq = ifrep_get_be64(w->seq);
	h->id = ifrep_get_be64(w->id);
	h->reserved = ifrep_get_be64(w->reserved);
}

/*----------------------------------------------------------------
 * Message types and checks
 *--------------------------------------------------------------*/

static const struct {
	const char *name;
	uint32_t min, max;
} types[IFREP_MSG_TYPE_MAX + 1] = {
	[IFREP_MSG_HELLO] = { "HELLO", sizeof(struct ifrep_wire_hello),
			      sizeof(struct ifrep_wire_hello) },
	[IFREP_MSG_AUTH] = { "AUTH", sizeof(struct ifrep_wire_auth),
			     sizeof(struct ifrep_wire_auth) },
	[IFREP_MSG_ATTACH] = { "ATTACH", sizeof(struct ifrep_wire_attach),
			       sizeof(struct ifrep_wire_attach) },
	[IFREP_MSG_ATTACH_REPLY] = { "ATTACH_REPLY", sizeof(struct ifrep_wire_attach_reply),
				     sizeof(struct ifrep_wire_attach_reply) },
	[IFREP_MSG_DATA] = { "DATA", sizeof(struct ifrep_wire_data) + SECTOR_BYTES,
			     sizeof(struct ifrep_wire_data) + IFREP_MAX_PAYLOAD },
	[IFREP_MSG_FLUSH] = { "FLUSH", 0, 0 },
	[IFREP_MSG_ACK] = { "ACK", sizeof(struct ifrep_wire_ack),
			    sizeof(struct ifrep_wire_ack) },
	[IFREP_MSG_PING] = { "PING", 0, 64 },
	[IFREP_MSG_PONG] = { "PONG", 0, 64 },
	[IFREP_MSG_SYNC_STATE] = { "SYNC_STATE", 0, 0 },
	[IFREP_MSG_BW_DATA] = { "BW_DATA", 0, IFREP_MAX_PAYLOAD },
	[IFREP_MSG_ERROR] = { "ERROR", sizeof(struct ifrep_wire_error),
			      sizeof(struct ifrep_wire_error) },
	[IFREP_MSG_BITMAP] = { "BITMAP", 8, IFREP_MAX_PAYLOAD },
	[IFREP_MSG_CYCLE_BEGIN] = { "CYCLE_BEGIN", sizeof(struct ifrep_wire_cycle),
				    sizeof(struct ifrep_wire_cycle) },
	[IFREP_MSG_CYCLE_COMMIT] = { "CYCLE_COMMIT", sizeof(struct ifrep_wire_cycle),
				     sizeof(struct ifrep_wire_cycle) },
	[IFREP_MSG_CSUM] = { "CSUM", sizeof(struct ifrep_wire_csum),
			     sizeof(struct ifrep_wire_csum) },
	[IFREP_MSG_COMPARE] = { "COMPARE", sizeof(struct ifrep_wire_compare),
				sizeof(struct ifrep_wire_compare) },
	[IFREP_MSG_DISCARD] = { "DISCARD", sizeof(struct ifrep_wire_extent),
				sizeof(struct ifrep_wire_extent) },
	[IFREP_MSG_WRITE_ZEROES] = { "WRITE_ZEROES", sizeof(struct ifrep_wire_extent),
				     sizeof(struct ifrep_wire_extent) },
};

const char *ifrep_msg_type_name(unsigned int type)
{
	static char buf[24];

	if (type <= IFREP_MSG_TYPE_MAX && types[type].name)
		return types[type].name;
	snprintf(buf, sizeof(buf), "type %u", type);
	return buf;
}

int ifrep_payload_limits(unsigned int type, uint32_t *min, uint32_t *max)
{
	if (type > IFREP_MSG_TYPE_MAX || !types[type].name)
		return -EPROTO;
	*min = types[type].min;
	*max = types[type].max;
	return 0;
}

uint32_t ifrep_msg_csum(const struct ifrep_wire_header *w,
			const struct iovec *parts, unsigned int n)
{
	struct ifrep_wire_header tmp = *w;
	uint32_t crc;
	unsigned int i;

	tmp.csum = ifrep_put_be32(0);
	crc = ifrep_crc32c(~0U, &tmp, sizeof(tmp));
	for (i = 0; i < n; i++)
		crc = ifrep_crc32c(crc, parts[i].iov_base, parts[i].iov_len);
	return ~crc;
}

int ifrep_hdr_check(const struct ifrep_hdr *h, uint64_t expect_seq,
		    const char **why)
{
	uint32_t min, max;

	if (h->magic != IFREP_PROTO_MAGIC) {
		*why = "bad magic";
		return -EPROTO;
	}
	if (ifrep_payload_limits(h->type, &min, &max)) {
		*why = "unknown message type";
		return -EPROTO;
	}
	if (h->length < min || h->length > max) {
		*why = "impossible length for the message type";
		return -EPROTO;
	}
	if (h->seq != expect_seq) {
		*why = "unexpected sequence number";
		return -EPROTO;
	}
	return 0;
}

size_t ifrep_msg_encode(void *buf, size_t size, uint16_t type, uint16_t flags,
			uint64_t seq, uint64_t id, const void *payload,
			uint32_t len)
{
	struct ifrep_hdr h = {
		.magic = IFREP_PROTO_MAGIC, .type = type, .flags = flags,
		.length = len, .seq = seq, .id = id,
	};
	struct ifrep_wire_header w;
	struct iovec part = { (void *)payload, len };

	if (size < IFREP_HDR_LEN || size - IFREP_HDR_LEN < len)
		return 0;
	ifrep_hdr_pack(&h, &w);
	h.csum = ifrep_msg_csum(&w, &part, len ? 1 : 0);
	ifrep_hdr_pack(&h, &w);
	memcpy(buf, &w, sizeof(w));
	if (len)
		memcpy((uint8_t *)buf + IFREP_HDR_LEN, payload, len);
	return IFREP_HDR_LEN + len;
}

int ifrep_msg_decode(const void *buf, size_t len, uint64_t expect_seq,
		     struct ifrep_hdr *h, const uint8_t **payload,
		     const char **why)
{
	struct ifrep_wire_header w;
	struct iovec part;
	int r;

	if (len < IFREP_HDR_LEN) {
		*why = "truncated header";
		return -ENODATA;
	}
	memcpy(&w, buf, sizeof(w));
	ifrep_hdr_unpack(&w, h);
	r = ifrep_hdr_check(h, expect_seq, why);
	if (r)
		return r;
	if (len - IFREP_HDR_LEN < h->length) {
		*why = "truncated payload";
		return -ENODATA;
	}
	part.iov_base = (uint8_t *)buf + IFREP_HDR_LEN;
	part.iov_len = h->length;
	if (ifrep_msg_csum(&w, &part, 1) != h->csum) {
		*why = "checksum mismatch";
		return -EBADMSG;
	}
	*payload = part.iov_base;
	return 0;
}

int ifrep_hello_fill(struct ifrep_wire_hello *hello)
{
	size_t done = 0;
	ssize_t n;

	memset(hello, 0, sizeof(*hello));
	hello->proto_major = ifrep_put_be16(IFREP_PROTO_MAJOR);
	hello->proto_minor = ifrep_put_be16(IFREP_PROTO_MINOR);
	hello->features = ifrep_put_be32(IFREP_FEATURES);
	while (done < sizeof(hello->nonce)) {
		n = getrandom(hello->nonce + done, sizeof(hello->nonce) - done, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)n;
	}
	return 0;
}

/*----------------------------------------------------------------
 * Key schedule and AEAD
 *--------------------------------------------------------------*/

void ifrep_kdf_init(struct ifrep_kdf *k, const uint8_t *secret, size_t secret_len,
		    uint16_t client_flags, const struct ifrep_wire_hello *client,
		    uint16_t server_flags, const struct ifrep_wire_hello *server)
{
	uint8_t salt[2 * IFREP_NONCE_LEN], *t = k->transcript;
	ifrep_be16 f;

	memcpy(salt, client->nonce, IFREP_NONCE_LEN);
	memcpy(salt + IFREP_NONCE_LEN, server->nonce, IFREP_NONCE_LEN);
	ifrep_hmac_sha256(salt, sizeof(salt), secret, secret_len, k->prk);
	f = ifrep_put_be16(client_flags);
	memcpy(t, &f, 2);
	memcpy(t + 2, client, sizeof(*client));
	t += 2 + sizeof(*client);
	f = ifrep_put_be16(server_flags);
	memcpy(t, &f, 2);
	memcpy(t + 2, server, sizeof(*server));
}

void ifrep_kdf_expand(const struct ifrep_kdf *k, const char *label,
		      uint8_t out[IFREP_HMAC_LEN])
{
	static const uint8_t one = 1;
	struct ifrep_hmac_sha256 h;

	ifrep_hmac_sha256_init(&h, k->prk, sizeof(k->prk));
	ifrep_hmac_sha256_update(&h, label, strlen(label));
	ifrep_hmac_sha256_update(&h, k->transcript, sizeof(k->transcript));
	ifrep_hmac_sha256_update(&h, &one, 1);
	ifrep_hmac_sha256_final(&h, out);
}

/* Seals (@seal) or opens the message at @msg in place; see proto.h. */
static int aead_run(const uint8_t key[IFREP_KEY_LEN], bool integrity_only,
		    uint8_t *msg, uint32_t len, bool seal)
{
	uint8_t iv[IFREP_AEAD_NONCE_LEN] = { 0 }, *tag = msg + IFREP_HDR_LEN + len;
	int assoc = (int)IFREP_HDR_LEN, text = (int)len, n, ok;
	EVP_CIPHER_CTX *ctx;

	if (seal)
		memset(msg + 12, 0, 4);			/* csum */
	memcpy(iv + 4, msg + 16, 8);			/* seq, big-endian */
	if (integrity_only) {
		assoc += text;
		text = 0;
	}
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return -ENOMEM;
	ok = EVP_CipherInit_ex(ctx, EVP_chacha20_poly1305(), NULL, NULL, NULL, seal) &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, sizeof(iv), NULL) &&
	     EVP_CipherInit_ex(ctx, NULL, NULL, key, iv, seal) &&
	     EVP_CipherUpdate(ctx, NULL, &n, msg, assoc) &&
	     (!text || EVP_CipherUpdate(ctx, msg + assoc, &n, msg + assoc, text));
	if (ok && !seal)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, IFREP_TAG_LEN, tag);
	if (ok)
		ok = EVP_CipherFinal_ex(ctx, msg + IFREP_HDR_LEN + len, &n) > 0;
	if (ok && seal)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, IFREP_TAG_LEN, tag);
	EVP_CIPHER_CTX_free(ctx);
	if (!ok)
		return seal ? -EIO : -EBADMSG;
	return 0;
}

int ifrep_aead_seal(const uint8_t key[IFREP_KEY_LEN], bool integrity_only,
		    uint8_t *msg, uint32_t len)
{
	return aead_run(key, integrity_only, msg, len, true);
}

int ifrep_aead_open(const uint8_t key[IFREP_KEY_LEN], bool integrity_only,
		    uint8_t *msg, uint32_t len)
{
	return aead_run(key, integrity_only, msg, len, false);
}

void ifrep_reason_copy(const uint8_t *field, size_t field_len, char *out,
		       size_t out_len)
{
	size_t i, n = 0;

	if (!out_len)
		return;
	for (i = 0; i < field_len && field[i] && n + 1 < out_len; i++)
		out[n++] = field[i] >= 0x20 && field[i] < 0x7f ? (char)field[i] : '?';
	out[n] = '\0';
}

void ifrep_prepare_payload(struct ifrep_prepared *pp, const void *data, uint32_t len)
{
	pp->data = data;
	pp->len = len;
	pp->crc = ifrep_crc32c(0, data, len);
	pp->zeros_op = ifrep_crc32c_zeros_op(len);
}

/*----------------------------------------------------------------
 * Connections: timed I/O
 *--------------------------------------------------------------*/

__attribute__((format(printf, 3, 4)))
static int set_why(struct ifrep_conn *c, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return r;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for @events until @deadline: 0, or -ETIMEDOUT / -errno. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int64_t left;
	int n;

	for (;;) {
		left = deadline - now_ms();
		if (left < 0)
			left = 0;
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return 0;	/* ready, or an error the next call reports */
		if (n == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

static int io_error(struct ifrep_conn *c, int r, const char *what)
{
	if (r == -ETIMEDOUT)
		return set_why(c, r, "%s timed out after %.1f s", what,
			       c->timeout_ms / 1000.0);
	if (r == -ECONNRESET || r == -EPIPE)
		return set_why(c, -ECONNRESET, "%s: the peer closed the connection", what);
	return set_why(c, r, "%s: %s", what, strerror(-r));
}

static int send_iov(struct ifrep_conn *c, struct iovec *iov, unsigned int n)
{
	int64_t deadline = now_ms() + c->timeout_ms;
	struct msghdr m = { 0 };
	ssize_t sent;
	int r;

	if (c->fd < 0)
		return set_why(c, -ENOTCONN, "not connected");
	m.msg_iov = iov;
	m.msg_iovlen = n;
	while (m.msg_iovlen) {
		if (!m.msg_iov->iov_len) {
			m.msg_iov++;
			m.msg_iovlen--;
			continue;
		}
		sent = sendmsg(c->fd, &m, MSG_NOSIGNAL);
		if (sent < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return io_error(c, -errno, "send");
			r = wait_fd(c->fd, POLLOUT, deadline);
			if (r)
				return io_error(c, r, "send");
			continue;
		}
		while (sent > 0 && m.msg_iovlen) {
			size_t step = (size_t)sent < m.msg_iov->iov_len ?
				      (size_t)sent : m.msg_iov->iov_len;

			m.msg_iov->iov_base = (uint8_t *)m.msg_iov->iov_base + step;
			m.msg_iov->iov_len -= step;
			sent -= (ssize_t)step;
			if (!m.msg_iov->iov_len) {
				m.msg_iov++;
				m.msg_iovlen--;
			}
		}
	}
	return 0;
}

/* Exactly @len bytes; -ECONNRESET on end of stream. */
static int recv_exact(struct ifrep_conn *c, void *buf, size_t len, int64_t deadline)
{
	uint8_t *p = buf;
	ssize_t n;
	int r;

	if (c->fd < 0)
		return set_why(c, -ENOTCONN, "not connected");
	while (len) {
		n = recv(c->fd, p, len, 0);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n == 0)
			return -ECONNRESET;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		r = wait_fd(c->fd, POLLIN, deadline);
		if (r)
			return r;
	}
	return 0;
}

int ifrep_conn_open(struct ifrep_conn *c, const struct ifrep_addr *a, int timeout_ms)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t sslen, errlen;
	int one = 1, err = 0, r;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->timeout_ms = 10000;
	ifrep_format_addr(a, c->peer, sizeof(c->peer));
	if (a->family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(a->port);
		if (inet_pton(AF_INET, a->host, &sin->sin_addr) != 1)
			return set_why(c, -EINVAL, "bad address %s", a->host);
		sslen = sizeof(*sin);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(a->port);
		if (inet_pton(AF_INET6, a->host, &sin6->sin6_addr) != 1)
			return set_why(c, -EINVAL, "bad address %s", a->host);
		sslen = sizeof(*sin6);
	}
	c->fd = socket(a->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (c->fd < 0)
		return set_why(c, -errno, "socket: %s", strerror(errno));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	if (connect(c->fd, (struct sockaddr *)&ss, sslen) < 0) {
		if (errno != EINPROGRESS) {
			err = errno;
			goto fail;
		}
		r = wait_fd(c->fd, POLLOUT, now_ms() + timeout_ms);
		if (r == -ETIMEDOUT) {
			ifrep_conn_close(c);
			return set_why(c, -ETIMEDOUT, "connection timed out after %.1f s",
				       timeout_ms / 1000.0);
		}
		errlen = sizeof(err);
		if (r)
			err = -r;
		else if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &errlen) < 0)
			err = errno;
		if (err)
			goto fail;
	}
	return 0;

fail:
	ifrep_conn_close(c);
	if (err == ECONNREFUSED)
		return set_why(c, -err, "connection refused");
	return set_why(c, -err, "cannot connect: %s", strerror(err));
}

void ifrep_conn_close(struct ifrep_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->stage);
	c->stage = NULL;
	c->stage_size = 0;
	c->keyed = false;
	explicit_bzero(c->tx_key, sizeof(c->tx_key));
	explicit_bzero(c->rx_key, sizeof(c->rx_key));
}

/* Room for one sealed message of @len payload bytes in c->stage. */
static int stage_reserve(struct ifrep_conn *c, size_t len)
{
	size_t need = IFREP_HDR_LEN + len + IFREP_TAG_LEN;
	uint8_t *p;

	if (need <= c->stage_size)
		return 0;
	p = realloc(c->stage, need);
	if (!p)
		return set_why(c, -ENOMEM, "out of memory");
	c->stage = p;
	c->stage_size = need;
	return 0;
}

size_t ifrep_seal_buf(const struct ifrep_conn *c, uint8_t *buf, size_t size)
{
	struct ifrep_wire_header w;
	uint32_t len;

	memcpy(&w, buf, sizeof(w));
	len = ifrep_get_be32(w.length);
	if (size < IFREP_HDR_LEN + (size_t)len + IFREP_TAG_LEN ||
	    ifrep_aead_seal(c->tx_key, c->integrity_only, buf, len))
		return 0;
	return IFREP_HDR_LEN + len + IFREP_TAG_LEN;
}

/* Keyed: header and payload parts staged, sealed, sent. */
static int send_sealed(struct ifrep_conn *c, const struct ifrep_wire_header *w,
		       const struct iovec *parts, unsigned int n, uint32_t len)
{
	struct iovec iov;
	uint8_t *p;
	unsigned int i;
	int r;

	r = stage_reserve(c, len);
	if (r)
		return r;
	p = c->stage;
	memcpy(p, w, sizeof(*w));
	p += sizeof(*w);
	for (i = 0; i < n; i++) {
		memcpy(p, parts[i].iov_base, parts[i].iov_len);
		p += parts[i].iov_len;
	}
	if (ifrep_aead_seal(c->tx_key, c->integrity_only, c->stage, len))
		return set_why(c, -EIO, "cannot seal the message");
	iov.iov_base = c->stage;
	iov.iov_len = IFREP_HDR_LEN + len + IFREP_TAG_LEN;
	return send_iov(c, &iov, 1);
}

void ifrep_conn_shutdown_write(struct ifrep_conn *c)
{
	if (c->fd >= 0)
		shutdown(c->fd, SHUT_WR);
}

/*----------------------------------------------------------------
 * Sending and receiving messages
 *--------------------------------------------------------------*/

int ifrep_send_raw(struct ifrep_conn *c, const struct ifrep_wire_header *w,
		   const struct iovec *parts, unsigned int n)
{
	struct iovec iov[1 + IFREP_MAX_PARTS];
	struct ifrep_wire_header copy = *w;
	unsigned int i;

	if (n > IFREP_MAX_PARTS)
		return set_why(c, -EINVAL, "too many payload parts");
	iov[0].iov_base = &copy;
	iov[0].iov_len = sizeof(copy);
	for (i = 0; i < n; i++)
		iov[1 + i] = parts[i];
	return send_iov(c, iov, 1 + n);
}

int ifrep_send_bytes(struct ifrep_conn *c, const void *buf, size_t len)
{
	struct iovec iov = { (void *)buf, len };

	return send_iov(c, &iov, 1);
}

int ifrep_send_msg(struct ifrep_conn *c, uint16_t type, uint16_t flags,
		   uint64_t id, const struct iovec *parts, unsigned int n)
{
	struct ifrep_hdr h = {
		.magic = IFREP_PROTO_MAGIC, .type = type, .flags = flags, .id = id,
	};
	struct ifrep_wire_header w;
	uint64_t len = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		len += parts[i].iov_len;
	if (len > UINT32_MAX)
		return set_why(c, -EMSGSIZE, "message too long");
	h.length = (uint32_t)len;
	h.seq = c->send_seq + 1;
	ifrep_hdr_pack(&h, &w);
	if (c->keyed) {
		c->send_seq++;
		return send_sealed(c, &w, parts, n, h.length);
	}
	h.csum = ifrep_msg_csum(&w, parts, n);
	ifrep_hdr_pack(&h, &w);
	c->send_seq++;
	return ifrep_send_raw(c, &w, parts, n);
}

int ifrep_send_prepared(struct ifrep_conn *c, uint16_t type, uint16_t flags,
			uint64_t id, const struct ifrep_prepared *pp)
{
	struct ifrep_hdr h = {
		.magic = IFREP_PROTO_MAGIC, .type = type, .flags = flags, .id = id,
		.length = pp->len, .seq = c->send_seq + 1,
	};
	struct ifrep_wire_header w;
	struct iovec part = { (void *)pp->data, pp->len };
	uint32_t crc;

	ifrep_hdr_pack(&h, &w);
	if (c->keyed) {
		c->send_seq++;
		return send_sealed(c, &w, &part, 1, pp->len);
	}
	crc = ifrep_crc32c(~0U, &w, sizeof(w));		/* csum is zero here */
	h.csum = ~(ifrep_crc32c_apply(pp->zeros_op, crc) ^ pp->crc);
	ifrep_hdr_pack(&h, &w);
	c->send_seq++;
	return ifrep_send_raw(c, &w, &part, 1);
}

int ifrep_recv_msg(struct ifrep_conn *c, struct ifrep_hdr *h, void *buf, size_t size)
{
	int64_t deadline = now_ms() + c->timeout_ms;
	struct ifrep_wire_header w;
	struct iovec part;
	const char *why;
	int r;

	r = recv_exact(c, &w, sizeof(w), deadline);
	if (r)
		return io_error(c, r, "receive");
	ifrep_hdr_unpack(&w, h);
	r = ifrep_hdr_check(h, c->recv_seq + 1, &why);
	if (r)
		return set_why(c, r, "malformed %s from the peer: %s",
			       ifrep_msg_type_name(h->type), why);
	if (h->length > size)
		return set_why(c, -EPROTO, "unexpected %s of %u bytes from the peer",
			       ifrep_msg_type_name(h->type), h->length);
	if (c->keyed) {
		r = stage_reserve(c, h->length);
		if (r)
			return r;
		memcpy(c->stage, &w, sizeof(w));
		r = recv_exact(c, c->stage + IFREP_HDR_LEN, h->length + IFREP_TAG_LEN,
			       deadline);
		if (r)
			return io_error(c, r, "receive");
		if (ifrep_aead_open(c->rx_key, c->integrity_only, c->stage, h->length))
			return set_why(c, -EBADMSG, "%s from the peer failed authentication",
				       ifrep_msg_type_name(h->type));
		memcpy(buf, c->stage + IFREP_HDR_LEN, h->length);
		c->recv_seq++;
		return 0;
	}
	r = recv_exact(c, buf, h->length, deadline);
	if (r)
		return io_error(c, r, "receive");
	part.iov_base = buf;
	part.iov_len = h->length;
	if (ifrep_msg_csum(&w, &part, 1) != h->csum)
		return set_why(c, -EBADMSG, "checksum mismatch in %s from the peer",
			       ifrep_msg_type_name(h->type));
	c->recv_seq++;
	return 0;
}

/*----------------------------------------------------------------
 * Handshake
 *--------------------------------------------------------------*/

union handshake_buf {
	struct ifrep_wire_hello hello;
	struct ifrep_wire_auth auth;
	struct ifrep_wire_error error;
};

/*
 * The peer's next handshake message, which must be @type; an ERROR is
 * -ECONNREFUSED with its reason quoted.
 */
static int recv_step(struct ifrep_conn *c, uint16_t type, union handshake_buf *buf,
		     const char *step)
{
	struct ifrep_hdr h;
	char reason[IFREP_REASON_LEN + 1];
	int r;

	r = ifrep_recv_msg(c, &h, buf, sizeof(*buf));
	if (r) {
		char tmp[sizeof(c->why)];

		snprintf(tmp, sizeof(tmp), "%s", c->why);
		return set_why(c, r, "%s: %s", step, tmp);
	}
	if (h.type == IFREP_MSG_ERROR) {
		ifrep_reason_copy(buf->error.reason, sizeof(buf->error.reason),
				  reason, sizeof(reason));
		return set_why(c, -ECONNREFUSED, "refused by the peer: %s", reason);
	}
	if (h.type != type)
		return set_why(c, -EPROTO, "%s: unexpected %s from the peer", step,
			       ifrep_msg_type_name(h.type));
	return 0;
}

int ifrep_client_handshake(struct ifrep_conn *c, uint16_t hello_flags,
			   const uint8_t *secret, size_t secret_len,
			   const char **reason)
{
	struct ifrep_wire_hello mine, theirs;
	struct ifrep_wire_auth auth = { { 0 } };
	union handshake_buf buf;
	struct ifrep_hdr h;
	struct ifrep_kdf kdf;
	uint8_t expect[IFREP_HMAC_LEN];
	struct iovec part;
	int r;

	*reason = c->why;
	r = ifrep_hello_fill(&mine);
	if (r)
		return set_why(c, r, "no random numbers: %s", strerror(-r));
	if (!secret)
		hello_flags = (hello_flags | IFREP_HELLO_INSECURE) & ~IFREP_HELLO_INTEGRITY;
	part.iov_base = &mine;
	part.iov_len = sizeof(mine);
	r = ifrep_send_msg(c, IFREP_MSG_HELLO, hello_flags, 0, &part, 1);
	if (r)
		return r;

	r = ifrep_recv_msg(c, &h, &buf, sizeof(buf));
	if (r) {
		char tmp[sizeof(c->why)];

		snprintf(tmp, sizeof(tmp), "%s", c->why);
		return set_why(c, r, "HELLO: %s", tmp);
	}
	if (h.type == IFREP_MSG_ERROR) {
		char text[IFREP_REASON_LEN + 1];

		ifrep_reason_copy(buf.error.reason, sizeof(buf.error.reason), text,
				  sizeof(text));
		/* a 1.x server answers a 2.0 HELLO with exactly this */
		if (!strcmp(text, "unsupported protocol version"))
			return set_why(c, -EPROTONOSUPPORT, "peer speaks dm-ifrep protocol "
				       "1.x; upgrade both sides");
		if (strstr(text, "version"))
			return set_why(c, -EPROTONOSUPPORT, "refused by the peer: %s", text);
		return set_why(c, -ECONNREFUSED, "refused by the peer: %s", text);
	}
	if (h.type != IFREP_MSG_HELLO)
		return set_why(c, -EPROTO, "HELLO: unexpected %s from the peer",
			       ifrep_msg_type_name(h.type));
	theirs = buf.hello;
	c->peer_major = ifrep_get_be16(theirs.proto_major);
	c->peer_minor = ifrep_get_be16(theirs.proto_minor);
	if (c->peer_major != IFREP_PROTO_MAJOR)
		return set_why(c, -EPROTONOSUPPORT,
			       "the peer speaks protocol %u.%u, this tool %u.%u",
			       c->peer_major, c->peer_minor, IFREP_PROTO_MAJOR,
			       IFREP_PROTO_MINOR);
	c->features = ifrep_get_be32(theirs.features) & IFREP_FEATURES;

	/* The server proves first. */
	r = recv_step(c, IFREP_MSG_AUTH, &buf, "AUTH");
	if (r)
		return r == -ECONNREFUSED ? -EACCES : r;
	if (secret) {
		ifrep_kdf_init(&kdf, secret, secret_len, hello_flags, &mine, h.flags,
			       &theirs);
		ifrep_kdf_expand(&kdf, IFREP_LABEL_SERVER_PROOF, expect);
		r = ifrep_memeq_ct(expect, buf.auth.hmac, sizeof(expect));
		explicit_bzero(expect, sizeof(expect));
		if (!r) {
			struct ifrep_wire_error err = { { 0 } };

			explicit_bzero(&kdf, sizeof(kdf));
			memcpy(err.reason, "server proof does not match", 27);
			part.iov_base = &err;
			part.iov_len = sizeof(err);
			ifrep_send_msg(c, IFREP_MSG_ERROR, 0, 0, &part, 1);
			return set_why(c, -EACCES, "the peer does not know the secret");
		}
		ifrep_kdf_expand(&kdf, IFREP_LABEL_CLIENT_PROOF, auth.hmac);
	}
	part.iov_base = &auth;
	part.iov_len = sizeof(auth);
	r = ifrep_send_msg(c, IFREP_MSG_AUTH, 0, 0, &part, 1);
	explicit_bzero(&auth, sizeof(auth));
	if (r || !secret) {
		if (secret)
			explicit_bzero(&kdf, sizeof(kdf));
		return r;
	}
	ifrep_kdf_expand(&kdf, IFREP_LABEL_KEY_C2S, c->tx_key);
	ifrep_kdf_expand(&kdf, IFREP_LABEL_KEY_S2C, c->rx_key);
	explicit_bzero(&kdf, sizeof(kdf));
	c->integrity_only = hello_flags & IFREP_HELLO_INTEGRITY;
	c->keyed = true;
	return 0;
}
