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
 * Authentication (protocol 2.0): each side sends a random nonce in HELLO.
 * Both derive, with HKDF-SHA256 over the secret, both nonces and the
 * transcript of the two HELLOs, a proof for each side and a key for each
 * direction.  The server proves first, the client checks that proof before
 * it sends its own, so a machine impersonating the server learns nothing it
 * could test guesses of the secret against.  The secret never crosses the
 * wire, and fresh nonces on both sides defeat replay in either direction.
 *
 * Keyed framing: after the handshake every message of a session with a
 * secret is sealed with IFREP_AEAD under its direction's key, the sequence
 * number as nonce and the header as associated data (header and payload in
 * an integrity-only session); IFREP_TAG_LEN bytes of tag follow the
 * payload.  A whole message is staged in a per-direction linear buffer and
 * sealed or opened in place there: the receiver verifies the tag before
 * any caller sees a byte of the payload.
 */
#include "dm-ifrep-proto.h"

#include <asm/unaligned.h>
#include <crypto/aead.h>
#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <linux/sched/mm.h>
#include <linux/vmalloc.h>
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
	[IFREP_MSG_COMPARE] = { sizeof(struct ifrep_wire_compare),
				sizeof(struct ifrep_wire_compare) },
	[IFREP_MSG_DISCARD] = { sizeof(struct ifrep_wire_extent),
				sizeof(struct ifrep_wire_extent) },
	[IFREP_MSG_WRITE_ZEROES] = { sizeof(struct ifrep_wire_extent),
				     sizeof(struct ifrep_wire_extent) },
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

/*----------------------------------------------------------------
 * AEAD, one direction at a time
 *--------------------------------------------------------------*/

#define SEALED_OVERHEAD	(sizeof(struct ifrep_wire_header) + IFREP_TAG_LEN)
#define CRYPT_BUF_SMALL	(64 * 1024)
#define CRYPT_BUF_MAX	(SEALED_OVERHEAD + sizeof(struct ifrep_wire_data) + \
			 IFREP_MAX_PAYLOAD)

static void crypt_dir_free(struct ifrep_crypt_dir *d)
{
	if (d->req)
		aead_request_free(d->req);
	if (d->aead)
		crypto_free_aead(d->aead);
	kvfree(d->buf);
	kvfree(d->sg);
	memset(d, 0, sizeof(*d));
}

/*
 * Makes d->buf hold at least @need bytes: 64 KiB first, the largest message
 * once a larger one comes.  Called from paths that may carry writeback, so
 * the allocation must not recurse into I/O.
 */
static int crypt_dir_reserve(struct ifrep_crypt_dir *d, size_t need)
{
	size_t size = need <= CRYPT_BUF_SMALL ? CRYPT_BUF_SMALL : CRYPT_BUF_MAX;
	unsigned int nents = DIV_ROUND_UP(size, PAGE_SIZE) + 1, noio;
	struct scatterlist *sg;
	u8 *buf;

	if (need <= d->size)
		return 0;
	if (WARN_ON_ONCE(need > CRYPT_BUF_MAX))
		return -EMSGSIZE;
	noio = memalloc_noio_save();
	buf = kvmalloc(size, GFP_KERNEL);
	sg = kvmalloc_array(nents, sizeof(*sg), GFP_KERNEL);
	memalloc_noio_restore(noio);
	if (!buf || !sg) {
		kvfree(buf);
		kvfree(sg);
		return -ENOMEM;
	}
	kvfree(d->buf);
	kvfree(d->sg);
	d->buf = buf;
	d->size = size;
	d->sg = sg;
	d->sg_max = nents;
	return 0;
}

/* A scatterlist over the first @len bytes of d->buf (kmalloc or vmalloc). */
static struct scatterlist *crypt_dir_map(struct ifrep_crypt_dir *d, size_t len)
{
	unsigned int n = 0;
	u8 *p = d->buf;
	size_t l;

	if (!is_vmalloc_addr(p)) {
		sg_init_one(d->sg, p, len);
		return d->sg;
	}
	/* One entry per page: sg_init_table() marks the last one the end. */
	sg_init_table(d->sg, DIV_ROUND_UP(offset_in_page(p) + len, PAGE_SIZE));
	while (len) {
		l = min_t(size_t, len, PAGE_SIZE - offset_in_page(p));
		sg_set_page(&d->sg[n++], vmalloc_to_page(p), l, offset_in_page(p));
		p += l;
		len -= l;
	}
	return d->sg;
}

static int crypt_dir_init(struct ifrep_crypt_dir *d, const u8 *key)
{
	int r;

	d->aead = crypto_alloc_aead(IFREP_AEAD, 0, 0);
	if (IS_ERR(d->aead)) {
		r = PTR_ERR(d->aead);
		d->aead = NULL;
		return r;
	}
	r = crypto_aead_setkey(d->aead, key, IFREP_KEY_LEN) ?:
	    crypto_aead_setauthsize(d->aead, IFREP_TAG_LEN);
	if (r)
		return r;
	d->req = aead_request_alloc(d->aead, GFP_KERNEL);
	return d->req ? 0 : -ENOMEM;
}

/*
 * Seals (@seal) or opens in place the message in d->buf: header, @len
 * payload bytes, tag.  The nonce is the sequence number; every direction
 * has its own key, so no nonce repeats under a key.
 * Return: 0, -EBADMSG when the tag does not match, or -errno.
 */
static int crypt_dir_run(struct ifrep_conn *conn, struct ifrep_crypt_dir *d,
			 bool seal, u64 seq, u32 len)
{
	unsigned int assoc = sizeof(struct ifrep_wire_header), text = len;
	u8 iv[IFREP_AEAD_NONCE_LEN] = { 0 };
	DECLARE_CRYPTO_WAIT(wait);
	struct scatterlist *sg;

	put_unaligned_be64(seq, iv + 4);
	if (conn->integrity_only) {
		assoc += len;
		text = 0;
	}
	sg = crypt_dir_map(d, SEALED_OVERHEAD + len);
	aead_request_set_callback(d->req, CRYPTO_TFM_REQ_MAY_SLEEP |
				  CRYPTO_TFM_REQ_MAY_BACKLOG, crypto_req_done, &wait);
	aead_request_set_ad(d->req, assoc);
	aead_request_set_crypt(d->req, sg, sg, seal ? text : text + IFREP_TAG_LEN, iv);
	return crypto_wait_req(seal ? crypto_aead_encrypt(d->req) :
			       crypto_aead_decrypt(d->req), &wait);
}

/*
 * Keys the connection: from now on every message is sealed.  A client's
 * send buffer is allocated at its full size here, so that sending a write
 * never has to allocate.
 */
static int conn_set_keys(struct ifrep_conn *conn, const u8 *tx_key,
			 const u8 *rx_key, bool integrity_only, bool client)
{
	int r;

	r = crypt_dir_init(&conn->tx, tx_key) ?: crypt_dir_init(&conn->rx, rx_key) ?:
	    crypt_dir_reserve(&conn->tx, client ? CRYPT_BUF_MAX : 1) ?:
	    crypt_dir_reserve(&conn->rx, 1);
	if (r) {
		crypt_dir_free(&conn->tx);
		crypt_dir_free(&conn->rx);
		return r;
	}
	conn->integrity_only = integrity_only;
	conn->keyed = true;
	return 0;
}

void ifrep_conn_destroy(struct ifrep_conn *conn)
{
	ifrep_transport_close(conn->stream);
	crypt_dir_free(&conn->tx);
	crypt_dir_free(&conn->rx);
	kfree(conn);
}

/* The limit of one send or receive: the stall timeout, or the handshake's end. */
static unsigned long io_timeout(struct ifrep_conn *conn)
{
	unsigned long timeout = READ_ONCE(conn->timeout);
	unsigned long deadline = READ_ONCE(conn->deadline);
	long left;

	if (deadline) {
		left = (long)(deadline - jiffies);
		timeout = min_t(unsigned long, timeout, max(left, 1L));
	}
	return timeout;
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

/* Segments of a bio handed to the socket per call: one call per page costs. */
#define SEND_BATCH	16

static int send_payload_data(struct ifrep_conn *conn, const struct ifrep_payload *pl)
{
	struct bio_vec batch[SEND_BATCH];
	u32 left = pl->bio ? pl->iter.bi_size : 0;
	struct bvec_iter iter;
	struct bio_vec bv;
	unsigned int n = 0;
	size_t bytes = 0;
	struct kvec vec;
	int r = 0;

	if (pl->bio) {
		__bio_for_each_segment(bv, pl->bio, iter, pl->iter) {
			batch[n++] = bv;
			bytes += bv.bv_len;
			left -= bv.bv_len;
			if (n < SEND_BATCH && left)
				continue;
			/*
			 * MSG_MORE on the message's last bytes would hold its
			 * partial last segment until an ACK pushes it out.
			 */
			r = ifrep_transport_send_pages(conn->stream, batch, n, bytes,
						       left || pl->buf_len, io_timeout(conn));
			if (r)
				return r;
			n = 0;
			bytes = 0;
		}
	}
	if (pl->buf_len) {
		vec.iov_base = (void *)pl->buf;
		vec.iov_len = pl->buf_len;
		r = ifrep_transport_send(conn->stream, &vec, 1, pl->buf_len, false,
					 io_timeout(conn));
	}
	return r;
}

/* Keyed: the message is staged in conn->tx.buf, sealed there, sent at once. */
static int send_sealed(struct ifrep_conn *conn, const struct ifrep_wire_header *hdr,
		       const struct ifrep_payload *pl, u32 len)
{
	size_t total = SEALED_OVERHEAD + len;
	struct ifrep_crypt_dir *d = &conn->tx;
	struct bvec_iter iter;
	struct bio_vec bv;
	struct kvec vec;
	u8 *p;
	int r;

	r = crypt_dir_reserve(d, total);
	if (r)
		return r;
	p = d->buf;
	memcpy(p, hdr, sizeof(*hdr));
	p += sizeof(*hdr);
	if (pl->fixed_len) {
		memcpy(p, pl->fixed, pl->fixed_len);
		p += pl->fixed_len;
	}
	if (pl->bio) {
		__bio_for_each_segment(bv, pl->bio, iter, pl->iter) {
			memcpy_from_bvec(p, &bv);
			p += bv.bv_len;
		}
	}
	if (pl->buf_len)
		memcpy(p, pl->buf, pl->buf_len);
	r = crypt_dir_run(conn, d, true, be64_to_cpu(hdr->seq), len);
	if (r)
		return r;
	vec.iov_base = d->buf;
	vec.iov_len = total;
	return ifrep_transport_send(conn->stream, &vec, 1, total, false, io_timeout(conn));
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
	if (conn->keyed)
		return send_sealed(conn, &hdr, pl, len);
	hdr.csum = cpu_to_be32(~payload_crc(crc_update(~0U, &hdr, sizeof(hdr)), pl));
	vec[0].iov_base = &hdr;
	vec[0].iov_len = sizeof(hdr);
	vec[1].iov_base = (void *)pl->fixed;
	vec[1].iov_len = pl->fixed_len;
	r = ifrep_transport_send(conn->stream, vec, pl->fixed_len ? 2 : 1,
				 sizeof(hdr) + pl->fixed_len, more, io_timeout(conn));
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

/*
 * Keyed: reads the payload and the tag behind @raw into conn->rx.buf and
 * opens them there.  Nothing of the payload is handed out before this
 * succeeded.
 */
static int recv_sealed(struct ifrep_conn *conn, const struct ifrep_wire_header *raw,
		       struct ifrep_msg *msg)
{
	struct ifrep_crypt_dir *d = &conn->rx;
	int r;

	r = crypt_dir_reserve(d, SEALED_OVERHEAD + msg->length);
	if (r)
		return r;
	memcpy(d->buf, raw, sizeof(*raw));
	r = ifrep_transport_recv(conn->stream, d->buf + sizeof(*raw),
				 msg->length + IFREP_TAG_LEN, false, io_timeout(conn));
	if (r)
		return r;
	r = crypt_dir_run(conn, d, false, msg->seq, msg->length);
	if (r) {
		DMERR_LIMIT("%s: message %llu (type %u, %u bytes): %s", conn->stream->peer,
			    msg->seq, msg->type, msg->length, r == -EBADMSG ?
			    "message authentication failed" : "cannot decrypt");
		return r == -EBADMSG ? -EBADMSG : r;
	}
	msg->verified = true;
	return 0;
}

int ifrep_conn_recv_header(struct ifrep_conn *conn, struct ifrep_msg *msg,
			   bool idle_ok)
{
	struct ifrep_wire_header hdr, raw;
	int r;

	r = ifrep_transport_recv(conn->stream, &hdr, sizeof(hdr), idle_ok,
				 io_timeout(conn));
	if (r)
		return r;
	raw = hdr;
	msg->verified = false;
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
	if (conn->keyed)
		return recv_sealed(conn, &raw, msg);
	return 0;
}

int ifrep_conn_recv_payload(struct ifrep_conn *conn, struct ifrep_msg *msg,
			    void *buf, u32 len)
{
	int r;

	if (len > msg->length - msg->received)
		return -EPROTO;
	if (msg->verified) {
		memcpy(buf, conn->rx.buf + sizeof(struct ifrep_wire_header) + msg->received,
		       len);
		msg->received += len;
		return 0;
	}
	r = ifrep_transport_recv(conn->stream, buf, len, false, io_timeout(conn));
	if (r)
		return r;
	msg->crc = crc_update(msg->crc, buf, len);
	msg->received += len;
	return 0;
}

/* Pages received per call; a bio_vec each on the stack. */
#define RECV_BATCH	16

int ifrep_conn_recv_pages(struct ifrep_conn *conn, struct ifrep_msg *msg,
			  struct page **pages, u32 len)
{
	struct bio_vec batch[RECV_BATCH];
	unsigned int i, n;
	u32 bytes;
	int r;

	if (len > msg->length - msg->received)
		return -EPROTO;
	if (msg->verified) {
		for (i = 0; len; i++) {
			bytes = min_t(u32, len, PAGE_SIZE);
			r = ifrep_conn_recv_payload(conn, msg, page_address(pages[i]), bytes);
			if (r)
				return r;
			len -= bytes;
		}
		return 0;
	}
	while (len) {
		bytes = 0;
		for (n = 0; n < RECV_BATCH && len > bytes; n++) {
			bvec_set_page(&batch[n], pages[n], min_t(u32, len - bytes, PAGE_SIZE), 0);
			bytes += batch[n].bv_len;
		}
		r = ifrep_transport_recv_pages(conn->stream, batch, n, bytes, io_timeout(conn));
		if (r)
			return r;
		for (i = 0; i < n; i++)
			msg->crc = crc_update(msg->crc, page_address(pages[i]), batch[i].bv_len);
		msg->received += bytes;
		pages += n;
		len -= bytes;
	}
	return 0;
}

int ifrep_conn_recv_end(struct ifrep_msg *msg)
{
	if (msg->verified)
		return msg->received == msg->length ? 0 : -EBADMSG;
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
 * Key schedule: HKDF-SHA256 (RFC 5869) on the kernel's hmac(sha256)
 *
 * Kernel 6.1 has no HKDF helper, and we need only its simplest form:
 * Extract once, then Expand to a single 32-byte block per label:
 *   PRK = HMAC(salt = Nc || Ns, IKM = secret)
 *   OKM = HMAC(PRK, label || T || 0x01)
 * where T is the transcript of both HELLOs (flags and payloads), so that
 * every proof and key depends on all that was negotiated.
 *--------------------------------------------------------------*/

struct ifrep_kdf {
	struct crypto_shash *tfm;
	u8 prk[IFREP_HMAC_LEN];
	u8 transcript[IFREP_TRANSCRIPT_LEN];
};

static void kdf_transcript(struct ifrep_kdf *k, u16 client_flags,
			   const struct ifrep_wire_hello *client, u16 server_flags,
			   const struct ifrep_wire_hello *server)
{
	u8 *t = k->transcript;

	put_unaligned_be16(client_flags, t);
	memcpy(t + 2, client, sizeof(*client));
	t += 2 + sizeof(*client);
	put_unaligned_be16(server_flags, t);
	memcpy(t + 2, server, sizeof(*server));
}

static int kdf_extract(struct ifrep_kdf *k, const u8 *secret, unsigned int secret_len,
		       const u8 *nonce_client, const u8 *nonce_server)
{
	u8 salt[2 * IFREP_NONCE_LEN];
	int r;

	k->tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(k->tfm)) {
		r = PTR_ERR(k->tfm);
		k->tfm = NULL;
		return r;
	}
	memcpy(salt, nonce_client, IFREP_NONCE_LEN);
	memcpy(salt + IFREP_NONCE_LEN, nonce_server, IFREP_NONCE_LEN);
	r = crypto_shash_setkey(k->tfm, salt, sizeof(salt));
	if (!r) {
		SHASH_DESC_ON_STACK(desc, k->tfm);

		desc->tfm = k->tfm;
		r = crypto_shash_digest(desc, secret, secret_len, k->prk);
		shash_desc_zero(desc);
	}
	return r;
}

static int kdf_expand(struct ifrep_kdf *k, const char *label, u8 *out)
{
	static const u8 one = 1;
	int r;

	r = crypto_shash_setkey(k->tfm, k->prk, sizeof(k->prk));
	if (!r) {
		SHASH_DESC_ON_STACK(desc, k->tfm);

		desc->tfm = k->tfm;
		r = crypto_shash_init(desc) ?:
		    crypto_shash_update(desc, label, strlen(label)) ?:
		    crypto_shash_update(desc, k->transcript, sizeof(k->transcript)) ?:
		    crypto_shash_update(desc, &one, 1) ?:
		    crypto_shash_final(desc, out);
		shash_desc_zero(desc);
	}
	return r;
}

static void kdf_free(struct ifrep_kdf *k)
{
	if (k->tfm)
		crypto_free_shash(k->tfm);
	memzero_explicit(k->prk, sizeof(k->prk));
}

/* Proofs and keys of one session; @client says which side we are. */
static int kdf_keys(struct ifrep_kdf *k, bool client, bool integrity_only,
		    struct ifrep_conn *conn)
{
	u8 c2s[IFREP_KEY_LEN], s2c[IFREP_KEY_LEN];
	int r;

	r = kdf_expand(k, IFREP_LABEL_KEY_C2S, c2s) ?:
	    kdf_expand(k, IFREP_LABEL_KEY_S2C, s2c) ?:
	    conn_set_keys(conn, client ? c2s : s2c, client ? s2c : c2s,
			  integrity_only, client);
	memzero_explicit(c2s, sizeof(c2s));
	memzero_explicit(s2c, sizeof(s2c));
	return r;
}

/*----------------------------------------------------------------
 * Handshake
 *--------------------------------------------------------------*/

#define IFREP_ERR_VERSION	"unsupported protocol version"

union handshake_buf {
	struct ifrep_wire_hello hello;
	struct ifrep_wire_auth auth;
	struct ifrep_wire_error error;
};

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
		/* A 1.x server answers a 2.0 HELLO with exactly this text. */
		if (!strcmp(buf->error.reason, IFREP_ERR_VERSION)) {
			*reason = IFREP_REASON_PEER_1X;
			return -EPROTONOSUPPORT;
		}
		if (!strncmp(buf->error.reason, IFREP_ERR_VERSION, strlen(IFREP_ERR_VERSION))) {
			*reason = "peer speaks another dm-ifrep protocol version";
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
		if (major == 1) {
			*reason = IFREP_REASON_PEER_1X;
			DMERR_LIMIT("%s: peer speaks dm-ifrep protocol %u.%u; upgrade both sides (this module: %u.%u)",
				    conn->stream->peer, major, be16_to_cpu(hello->proto_minor),
				    IFREP_PROTO_MAJOR, IFREP_PROTO_MINOR);
		} else {
			*reason = "peer speaks another dm-ifrep protocol version";
			DMERR_LIMIT("%s: peer speaks dm-ifrep protocol %u.%u, this module %u.%u",
				    conn->stream->peer, major, be16_to_cpu(hello->proto_minor),
				    IFREP_PROTO_MAJOR, IFREP_PROTO_MINOR);
		}
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
	struct ifrep_kdf kdf = { 0 };
	u8 expect[IFREP_HMAC_LEN];
	struct ifrep_wire_auth auth = { 0 };
	u16 server_flags = 0;
	int r;

	conn->deadline = jiffies + IFREP_HANDSHAKE_TIMEOUT;
	fill_hello(&mine);
	if (!secret)
		hello_flags = (hello_flags | IFREP_HELLO_INSECURE) & ~IFREP_HELLO_INTEGRITY;
	r = send_small(conn, IFREP_MSG_HELLO, hello_flags, &mine, sizeof(mine));
	if (r) {
		*reason = "send failed";
		goto out;
	}
	r = recv_step(conn, IFREP_MSG_HELLO, &buf, &server_flags, reason);
	if (r) {
		/* Refused before any proof: its policy and ours differ (secret or not). */
		if (r == -ECONNREFUSED)
			r = -EACCES;
		goto out;
	}
	r = check_version(conn, &buf.hello, reason);
	if (r)
		goto out;

	if (!secret) {
		/* Insecure: both proofs are zeros, nothing is keyed. */
		DMWARN_LIMIT("%s: insecure session: nothing is authenticated or encrypted",
			     conn->stream->peer);
		r = recv_step(conn, IFREP_MSG_AUTH, &buf, NULL, reason);
		if (!r) {
			r = send_small(conn, IFREP_MSG_AUTH, 0, &auth, sizeof(auth));
			if (r)
				*reason = "send failed";
		}
		goto out;
	}

	kdf_transcript(&kdf, hello_flags, &mine, server_flags, &buf.hello);
	r = kdf_extract(&kdf, secret, secret_len, mine.nonce, buf.hello.nonce) ?:
	    kdf_expand(&kdf, IFREP_LABEL_SERVER_PROOF, expect);
	if (r) {
		*reason = "hmac(sha256) unavailable";
		goto out;
	}
	/* The server proves first: nothing derived from the secret leaves before. */
	r = recv_step(conn, IFREP_MSG_AUTH, &buf, NULL, reason);
	if (r) {
		if (r == -ECONNREFUSED)
			r = -EACCES;
		goto out;
	}
	if (crypto_memneq(expect, buf.auth.hmac, sizeof(expect))) {
		*reason = "the peer does not know the secret";
		ifrep_conn_send_error(conn, "server proof does not match");
		r = -EACCES;
		goto out;
	}
	r = kdf_expand(&kdf, IFREP_LABEL_CLIENT_PROOF, auth.hmac);
	if (r) {
		*reason = "hmac(sha256) unavailable";
		goto out;
	}
	r = send_small(conn, IFREP_MSG_AUTH, 0, &auth, sizeof(auth));
	if (r) {
		*reason = "send failed";
		goto out;
	}
	r = kdf_keys(&kdf, true, hello_flags & IFREP_HELLO_INTEGRITY, conn);
	if (r)
		*reason = "cannot set up " IFREP_AEAD;
out:
	kdf_free(&kdf);
	memzero_explicit(&auth, sizeof(auth));
	conn->deadline = 0;
	return r;
}

int ifrep_handshake_server(struct ifrep_conn *conn, const u8 *secret,
			   unsigned int secret_len, bool insecure_ok,
			   u16 *client_flags, const char **reason)
{
	struct ifrep_wire_hello mine, theirs;
	union handshake_buf buf;
	struct ifrep_kdf kdf = { 0 };
	u8 expect[IFREP_HMAC_LEN];
	struct ifrep_wire_auth auth = { 0 };
	int r;

	/* One deadline for the whole handshake, however slowly bytes come. */
	conn->deadline = jiffies + IFREP_HANDSHAKE_TIMEOUT;
	r = recv_step(conn, IFREP_MSG_HELLO, &buf, client_flags, reason);
	if (r)
		goto out;
	r = check_version(conn, &buf.hello, reason);
	if (r) {
		ifrep_conn_send_error(conn, be16_to_cpu(buf.hello.proto_major) == 1 ?
				      IFREP_ERR_VERSION :
				      IFREP_ERR_VERSION " (2.0 here)");
		goto out;
	}
	theirs = buf.hello;
	WRITE_ONCE(conn->hello_done, true);
	if (secret && (*client_flags & IFREP_HELLO_INSECURE)) {
		*reason = "client has no secret";
		goto refuse;
	} else if (!secret && !insecure_ok) {
		*reason = "no secret configured here";
		goto refuse;
	} else if (!secret && !(*client_flags & IFREP_HELLO_INSECURE)) {
		*reason = "client has a secret but this side is insecure";
		goto refuse;
	}
	fill_hello(&mine);
	r = send_small(conn, IFREP_MSG_HELLO, 0, &mine, sizeof(mine));
	if (r) {
		*reason = "send failed";
		goto out;
	}
	if (secret) {
		kdf_transcript(&kdf, *client_flags, &theirs, 0, &mine);
		r = kdf_extract(&kdf, secret, secret_len, theirs.nonce, mine.nonce) ?:
		    kdf_expand(&kdf, IFREP_LABEL_SERVER_PROOF, auth.hmac) ?:
		    kdf_expand(&kdf, IFREP_LABEL_CLIENT_PROOF, expect);
		if (r) {
			*reason = "hmac(sha256) unavailable";
			goto out;
		}
	} else {
		DMWARN_LIMIT("%s: insecure session: nothing is authenticated or encrypted",
			     conn->stream->peer);
	}
	r = send_small(conn, IFREP_MSG_AUTH, 0, &auth, sizeof(auth));
	if (r) {
		*reason = "send failed";
		goto out;
	}
	r = recv_step(conn, IFREP_MSG_AUTH, &buf, NULL, reason);
	if (r) {
		if (r == -ECONNREFUSED) {
			*reason = "authentication failed (the client refused our proof: the secrets differ)";
			r = -EACCES;
		}
		goto out;
	}
	if (secret) {
		if (crypto_memneq(expect, buf.auth.hmac, sizeof(expect))) {
			/* No answer: a client with the wrong secret failed on ours. */
			*reason = "authentication failed";
			r = -EACCES;
			goto out;
		}
		r = kdf_keys(&kdf, false, *client_flags & IFREP_HELLO_INTEGRITY, conn);
		if (r)
			*reason = "cannot set up " IFREP_AEAD;
	}
	goto out;

refuse:
	ifrep_conn_send_error(conn, *reason);
	r = -EACCES;
out:
	kdf_free(&kdf);
	memzero_explicit(&auth, sizeof(auth));
	memzero_explicit(expect, sizeof(expect));
	conn->deadline = 0;
	return r;
}
