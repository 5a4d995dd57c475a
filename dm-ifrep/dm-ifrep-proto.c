// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep protocol layer.
 *
 * Framing: each message is a header and a payload; the header's checksum
 * covers the header (csum zeroed) and the payload.  Received headers are
 * checked against a table of the payload lengths each type allows before
 * any payload is read, so a hostile peer cannot make us allocate or read
 * more than IFREP_MAX_PAYLOAD for a message.
 *
 * Authentication: each side sends a random nonce in HELLO; the client then
 * proves knowledge of the secret with HMAC-SHA256(secret, "ifrep-client" ||
 * server nonce || client nonce), the server answers with the same over
 * "ifrep-server".  The secret never crosses the wire, and fresh nonces on
 * both sides defeat replay in either direction.
 */
#include "dm-ifrep-proto.h"

#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <linux/crc32c.h>
#include <linux/device-mapper.h>
#include <linux/highmem.h>
#include <linux/random.h>
#include <linux/slab.h>

#define DM_MSG_PREFIX "ifrep proto"

static const struct {
	u32 min;
	u32 max;
} payload_limits[IFREP_MSG_TYPE_MAX + 1] = {
	[IFREP_MSG_HELLO] = { sizeof(struct ifrep_wire_hello),
			      sizeof(struct ifrep_wire_hello) },
	[IFREP_MSG_AUTH] = { sizeof(struct ifrep_wire_auth),
			     sizeof(struct ifrep_wire_auth) },
	[IFREP_MSG_ATTACH] = { sizeof(struct ifrep_wire_attach),
			       sizeof(struct ifrep_wire_attach) },
	[IFREP_MSG_ATTACH_REPLY] = { sizeof(struct ifrep_wire_attach_reply),
				     sizeof(struct ifrep_wire_attach_reply) },
	[IFREP_MSG_DATA] = { sizeof(struct ifrep_wire_data) + SECTOR_SIZE,
			     sizeof(struct ifrep_wire_data) + IFREP_MAX_PAYLOAD },
	[IFREP_MSG_FLUSH] = { 0, 0 },
	[IFREP_MSG_ACK] = { sizeof(struct ifrep_wire_ack),
			    sizeof(struct ifrep_wire_ack) },
	[IFREP_MSG_PING] = { 0, 64 },
	[IFREP_MSG_PONG] = { 0, 64 },
	[IFREP_MSG_SYNC_STATE] = { 0, 0 },
	[IFREP_MSG_BW_DATA] = { 0, IFREP_MAX_PAYLOAD },
	[IFREP_MSG_ERROR] = { sizeof(struct ifrep_wire_error),
			      sizeof(struct ifrep_wire_error) },
	[IFREP_MSG_BITMAP] = { 8, IFREP_MAX_PAYLOAD },
	[IFREP_MSG_CYCLE_BEGIN] = { sizeof(struct ifrep_wire_cycle),
				    sizeof(struct ifrep_wire_cycle) },
	[IFREP_MSG_CYCLE_COMMIT] = { sizeof(struct ifrep_wire_cycle),
				     sizeof(struct ifrep_wire_cycle) },
	[IFREP_MSG_CSUM] = { sizeof(struct ifrep_wire_csum),
			     sizeof(struct ifrep_wire_csum) },
};

static u32 crc_update(u32 crc, const void *p, size_t len)
{
	return crc32c(crc, p, len);
}

struct ifrep_conn *ifrep_conn_create(struct ifrep_stream *stream)
{
	struct ifrep_conn *conn = kzalloc(sizeof(*conn), GFP_KERNEL);

	if (!conn)
		return NULL;
	conn->stream = stream;
	mutex_init(&conn->send_lock);
	conn->timeout = IFREP_HANDSHAKE_TIMEOUT;
	return conn;
}

void ifrep_conn_destroy(struct ifrep_conn *conn)
{
	ifrep_transport_close(conn->stream);
	kfree(conn);
}

void ifrep_conn_set_timeout(struct ifrep_conn *conn, unsigned long timeout)
{
	WRITE_ONCE(conn->timeout, timeout);
	ifrep_transport_set_timeout(conn->stream, timeout);
}

/*----------------------------------------------------------------
 * Sending
 *--------------------------------------------------------------*/

static u32 payload_crc(u32 crc, const struct ifrep_payload *pl)
{
	struct bvec_iter iter;
	struct bio_vec bv;
	void *p;

	if (pl->fixed_len)
		crc = crc_update(crc, pl->fixed, pl->fixed_len);
	if (pl->bio) {
		__bio_for_each_segment(bv, pl->bio, iter, pl->iter) {
			p = bvec_kmap_local(&bv);
			crc = crc_update(crc, p, bv.bv_len);
			kunmap_local(p);
		}
	}
	if (pl->buf_len)
		crc = crc_update(crc, pl->buf, pl->buf_len);
	return crc;
}

static u32 payload_len(const struct ifrep_payload *pl)
{
	return pl->fixed_len + (pl->bio ? pl->iter.bi_size : 0) + pl->buf_len;
}

static int send_payload_data(struct ifrep_conn *conn, const struct ifrep_payload *pl)
{
	struct bvec_iter iter;
	struct bio_vec bv;
	struct kvec vec;
	int r = 0;

	if (pl->bio) {
		__bio_for_each_segment(bv, pl->bio, iter, pl->iter) {
			vec.iov_base = bvec_kmap_local(&bv);
			vec.iov_len = bv.bv_len;
			r = ifrep_transport_send(conn->stream, &vec, 1, bv.bv_len, true,
						 READ_ONCE(conn->timeout));
			kunmap_local(vec.iov_base);
			if (r)
				return r;
		}
	}
	if (pl->buf_len) {
		vec.iov_base = (void *)pl->buf;
		vec.iov_len = pl->buf_len;
		r = ifrep_transport_send(conn->stream, &vec, 1, pl->buf_len, false,
					 READ_ONCE(conn->timeout));
	}
	return r;
}

/* NOTE: conn->send_lock held. */
static int send_locked(struct ifrep_conn *conn, u16 type, u16 flags, u64 id,
		       const struct ifrep_payload *payload)
{
	static const struct ifrep_payload none;
	const struct ifrep_payload *pl = payload ?: &none;
	struct ifrep_wire_header hdr = { 0 };
	struct kvec vec[2];
	u32 len = payload_len(pl);
	bool more = pl->bio || pl->buf_len;
	int r;

	lockdep_assert_held(&conn->send_lock);
	hdr.magic = cpu_to_be32(IFREP_PROTO_MAGIC);
	hdr.type = cpu_to_be16(type);
	hdr.flags = cpu_to_be16(flags);
	hdr.length = cpu_to_be32(len);
	hdr.id = cpu_to_be64(id);
	hdr.seq = cpu_to_be64(++conn->send_seq);
	hdr.csum = cpu_to_be32(~payload_crc(crc_update(~0U, &hdr, sizeof(hdr)), pl));
	vec[0].iov_base = &hdr;
	vec[0].iov_len = sizeof(hdr);
	vec[1].iov_base = (void *)pl->fixed;
	vec[1].iov_len = pl->fixed_len;
	r = ifrep_transport_send(conn->stream, vec, pl->fixed_len ? 2 : 1,
				 sizeof(hdr) + pl->fixed_len, more, READ_ONCE(conn->timeout));
	if (!r && more)
		r = send_payload_data(conn, pl);
	return r;
}

int ifrep_conn_send(struct ifrep_conn *conn, u16 type, u16 flags, u64 id,
		    const struct ifrep_payload *payload)
{
	int r;

	mutex_lock(&conn->send_lock);
	r = send_locked(conn, type, flags, id, payload);
	mutex_unlock(&conn->send_lock);
	return r;
}

int ifrep_conn_try_send(struct ifrep_conn *conn, u16 type, u16 flags, u64 id,
			const struct ifrep_payload *payload)
{
	int r;

	if (!mutex_trylock(&conn->send_lock))
		return -EBUSY;
	r = send_locked(conn, type, flags, id, payload);
	mutex_unlock(&conn->send_lock);
	return r;
}

void ifrep_conn_send_error(struct ifrep_conn *conn, const char *reason)
{
	struct ifrep_wire_error err = { 0 };
	struct ifrep_payload pl = { .fixed = &err, .fixed_len = sizeof(err) };

	strscpy(err.reason, reason, sizeof(err.reason));
	ifrep_conn_send(conn, IFREP_MSG_ERROR, 0, 0, &pl);
}

/*----------------------------------------------------------------
 * Receiving
 *--------------------------------------------------------------*/

int ifrep_conn_recv_header(struct ifrep_conn *conn, struct ifrep_msg *msg,
			   bool idle_ok)
{
	struct ifrep_wire_header hdr;
	int r;

	r = ifrep_transport_recv(conn->stream, &hdr, sizeof(hdr), idle_ok,
				 READ_ONCE(conn->timeout));
	if (r)
		return r;
	msg->type = be16_to_cpu(hdr.type);
	msg->flags = be16_to_cpu(hdr.flags);
	msg->length = be32_to_cpu(hdr.length);
	msg->seq = be64_to_cpu(hdr.seq);
	msg->id = be64_to_cpu(hdr.id);
	msg->csum = be32_to_cpu(hdr.csum);
	msg->received = 0;
	hdr.csum = 0;
	msg->crc = crc_update(~0U, &hdr, sizeof(hdr));

	if (be32_to_cpu(hdr.magic) != IFREP_PROTO_MAGIC) {
		DMERR_LIMIT("%s: bad magic", conn->stream->peer);
		return -EPROTO;
	}
	if (!msg->type || msg->type > IFREP_MSG_TYPE_MAX) {
		DMERR_LIMIT("%s: unknown message type %u", conn->stream->peer, msg->type);
		return -EPROTO;
	}
	if (msg->length < payload_limits[msg->type].min ||
	    msg->length > payload_limits[msg->type].max) {
		DMERR_LIMIT("%s: impossible length %u for message type %u",
			    conn->stream->peer, msg->length, msg->type);
		return -EPROTO;
	}
	if (msg->seq != conn->recv_seq + 1) {
		DMERR_LIMIT("%s: sequence %llu, expected %llu", conn->stream->peer,
			    msg->seq, conn->recv_seq + 1);
		return -EPROTO;
	}
	conn->recv_seq++;
	return 0;
}

int ifrep_conn_recv_payload(struct ifrep_conn *conn, struct ifrep_msg *msg,
			    void *buf, u32 len)
{
	int r;

	if (len > msg->length - msg->received)
		return -EPROTO;
	r = ifrep_transport_recv(conn->stream, buf, len, false, READ_ONCE(conn->timeout));
	if (r)
		return r;
	msg->crc = crc_update(msg->crc, buf, len);
	msg->received += len;
	return 0;
}

int ifrep_conn_recv_end(struct ifrep_msg *msg)
{
	if (msg->received != msg->length || ~msg->crc != msg->csum)
		return -EBADMSG;
	return 0;
}

int ifrep_conn_recv_small(struct ifrep_conn *conn, struct ifrep_msg *msg,
			  void *buf, u32 len, bool idle_ok)
{
	int r;

	r = ifrep_conn_recv_header(conn, msg, idle_ok);
	if (r)
		return r;
	if (msg->length > len)
		return -EPROTO;
	if (msg->length) {
		r = ifrep_conn_recv_payload(conn, msg, buf, msg->length);
		if (r)
			return r;
	}
	r = ifrep_conn_recv_end(msg);
	if (r)
		DMERR_LIMIT("%s: checksum mismatch", conn->stream->peer);
	return r;
}

/*----------------------------------------------------------------
 * Handshake
 *--------------------------------------------------------------*/

union handshake_buf {
	struct ifrep_wire_hello hello;
	struct ifrep_wire_auth auth;
	struct ifrep_wire_error error;
};

static int compute_proof(const u8 *secret, unsigned int secret_len,
			 const char *label, const u8 *nonce_server,
			 const u8 *nonce_client, u8 *out)
{
	struct crypto_shash *tfm;
	int r;

	tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	r = crypto_shash_setkey(tfm, secret, secret_len);
	if (!r) {
		SHASH_DESC_ON_STACK(desc, tfm);

		desc->tfm = tfm;
		r = crypto_shash_init(desc) ?:
		    crypto_shash_update(desc, label, strlen(label)) ?:
		    crypto_shash_update(desc, nonce_server, IFREP_NONCE_LEN) ?:
		    crypto_shash_update(desc, nonce_client, IFREP_NONCE_LEN) ?:
		    crypto_shash_final(desc, out);
		shash_desc_zero(desc);
	}
	crypto_free_shash(tfm);
	return r;
}

static void fill_hello(struct ifrep_wire_hello *hello)
{
	memset(hello, 0, sizeof(*hello));
	hello->proto_major = cpu_to_be16(IFREP_PROTO_MAJOR);
	hello->proto_minor = cpu_to_be16(IFREP_PROTO_MINOR);
	hello->features = cpu_to_be32(IFREP_FEATURES);
	get_random_bytes(hello->nonce, sizeof(hello->nonce));
}

void ifrep_proto_sanitize(u8 *text, size_t len)
{
	size_t i;

	text[len - 1] = '\0';
	for (i = 0; text[i]; i++)
		if (text[i] < 0x20 || text[i] > 0x7e)
			text[i] = '?';
}

/* Receives the peer's next handshake message, which must be @type. */
static int recv_step(struct ifrep_conn *conn, u16 type, union handshake_buf *buf,
		     u16 *flags, const char **reason)
{
	struct ifrep_msg msg;
	int r;

	r = ifrep_conn_recv_small(conn, &msg, buf, sizeof(*buf), false);
	if (r) {
		*reason = r == -ETIMEDOUT ? "handshake timed out" :
			  r == -ECONNRESET ? "peer closed the connection" :
			  "malformed handshake message";
		return r;
	}
	if (msg.type == IFREP_MSG_ERROR) {
		ifrep_proto_sanitize(buf->error.reason, sizeof(buf->error.reason));
		DMERR_LIMIT("%s: peer refused: %s", conn->stream->peer,
			    buf->error.reason);
		if (!strcmp(buf->error.reason, "unsupported protocol version")) {
			*reason = "unsupported protocol version";
			return -EPROTONOSUPPORT;
		}
		*reason = "refused by peer (see its log)";
		return -ECONNREFUSED;
	}
	if (msg.type != type) {
		*reason = "unexpected handshake message";
		return -EPROTO;
	}
	if (flags)
		*flags = msg.flags;
	return 0;
}

static int check_version(struct ifrep_conn *conn, const struct ifrep_wire_hello *hello,
			 const char **reason)
{
	u16 major = be16_to_cpu(hello->proto_major);

	if (major != IFREP_PROTO_MAJOR) {
		DMERR_LIMIT("%s: peer speaks protocol %u.%u, this module %u.x",
			    conn->stream->peer, major, be16_to_cpu(hello->proto_minor),
			    IFREP_PROTO_MAJOR);
		*reason = "unsupported protocol version";
		return -EPROTONOSUPPORT;
	}
	conn->features = be32_to_cpu(hello->features) & IFREP_FEATURES;
	return 0;
}

static int send_small(struct ifrep_conn *conn, u16 type, u16 flags,
		      const void *p, u32 len)
{
	struct ifrep_payload pl = { .fixed = p, .fixed_len = len };

	return ifrep_conn_send(conn, type, flags, 0, &pl);
}

int ifrep_handshake_client(struct ifrep_conn *conn, u16 hello_flags,
			   const u8 *secret, unsigned int secret_len,
			   const char **reason)
{
	struct ifrep_wire_hello mine;
	union handshake_buf buf;
	u8 nonce_server[IFREP_NONCE_LEN];
	u8 expect[IFREP_HMAC_LEN];
	struct ifrep_wire_auth auth = { 0 };
	int r;

	fill_hello(&mine);
	if (!secret)
		hello_flags |= IFREP_HELLO_INSECURE;
	r = send_small(conn, IFREP_MSG_HELLO, hello_flags, &mine, sizeof(mine));
	if (r) {
		*reason = "send failed";
		return r;
	}
	r = recv_step(conn, IFREP_MSG_HELLO, &buf, NULL, reason);
	if (r)
		return r;
	r = check_version(conn, &buf.hello, reason);
	if (r)
		return r;
	memcpy(nonce_server, buf.hello.nonce, sizeof(nonce_server));

	if (secret) {
		r = compute_proof(secret, secret_len, IFREP_PROOF_CLIENT, nonce_server,
				  mine.nonce, auth.hmac);
		if (r) {
			*reason = "hmac(sha256) unavailable";
			return r;
		}
	}
	r = send_small(conn, IFREP_MSG_AUTH, 0, &auth, sizeof(auth));
	if (r) {
		*reason = "send failed";
		return r;
	}
	r = recv_step(conn, IFREP_MSG_AUTH, &buf, NULL, reason);
	if (r)
		return r == -ECONNREFUSED ? -EACCES : r;
	if (secret) {
		r = compute_proof(secret, secret_len, IFREP_PROOF_SERVER, nonce_server,
				  mine.nonce, expect);
		if (r || crypto_memneq(expect, buf.auth.hmac, sizeof(expect))) {
			*reason = "the peer does not know the secret";
			return -EACCES;
		}
	}
	return 0;
}

int ifrep_handshake_server(struct ifrep_conn *conn, const u8 *secret,
			   unsigned int secret_len, bool insecure_ok,
			   u16 *client_flags, const char **reason)
{
	struct ifrep_wire_hello mine;
	union handshake_buf buf;
	u8 nonce_client[IFREP_NONCE_LEN];
	u8 expect[IFREP_HMAC_LEN];
	struct ifrep_wire_auth auth = { 0 };
	int r;

	r = recv_step(conn, IFREP_MSG_HELLO, &buf, client_flags, reason);
	if (r)
		return r;
	r = check_version(conn, &buf.hello, reason);
	if (r) {
		ifrep_conn_send_error(conn, "unsupported protocol version");
		return r;
	}
	memcpy(nonce_client, buf.hello.nonce, sizeof(nonce_client));
	fill_hello(&mine);
	r = send_small(conn, IFREP_MSG_HELLO, 0, &mine, sizeof(mine));
	if (r) {
		*reason = "send failed";
		return r;
	}
	r = recv_step(conn, IFREP_MSG_AUTH, &buf, NULL, reason);
	if (r)
		return r;

	if (secret) {
		r = compute_proof(secret, secret_len, IFREP_PROOF_CLIENT, mine.nonce,
				  nonce_client, expect);
		if (r || crypto_memneq(expect, buf.auth.hmac, sizeof(expect))) {
			*reason = "authentication failed";
			goto refuse;
		}
		r = compute_proof(secret, secret_len, IFREP_PROOF_SERVER, mine.nonce,
				  nonce_client, auth.hmac);
		if (r) {
			*reason = "hmac(sha256) unavailable";
			goto refuse;
		}
	} else if (!insecure_ok) {
		*reason = "no secret configured here";
		goto refuse;
	} else if (!(*client_flags & IFREP_HELLO_INSECURE)) {
		*reason = "client has a secret but this side is insecure";
		goto refuse;
	}
	r = send_small(conn, IFREP_MSG_AUTH, 0, &auth, sizeof(auth));
	if (r)
		*reason = "send failed";
	return r;

refuse:
	ifrep_conn_send_error(conn, *reason);
	return -EACCES;
}
