/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proto.h - userspace client of the dm-ifrep wire protocol
 * (dm-ifrep/include/ifrep_proto.h, docs/wire-protocol.md): framing,
 * validation of received messages, and the client's handshake.  Used by
 * `ifrepctl test-bandwidth` and by the tests' fuzz client, which is why raw
 * headers with any field values can be sent too.
 *
 * Two layers:
 *   pure     pack/unpack, checksums, header checks, encode/decode of a whole
 *            message in a buffer (unit-tested without sockets);
 *   conn     a blocking TCP connection with a timeout on every step.
 *
 * Protocol 2.0: after a handshake with a secret every message is sealed
 * with ChaCha20-Poly1305 (OpenSSL's libcrypto), keys from HKDF-SHA256, as
 * the kernel does (docs/wire-protocol.md, "Session protection");
 * ifrep_send_msg(), ifrep_send_prepared() and ifrep_recv_msg() seal and
 * open by themselves once c->keyed is set.  ifrep_send_raw() never does.
 *
 * Every function that can fail returns 0 or a negative errno and, for
 * connections, leaves a sentence in conn->why.  Errors:
 *   -ECONNREFUSED  nothing listens there, or the peer refused (ERROR)
 *   -ETIMEDOUT     a step took longer than conn->timeout_ms
 *   -ECONNRESET    the peer closed or reset the connection
 *   -EPROTO        a malformed message (bad magic, type, length, sequence)
 *   -EBADMSG       a checksum mismatch
 *   -EACCES        authentication failed (either side)
 *   -EPROTONOSUPPORT  the peer speaks another major protocol version
 */
#ifndef IFREPCTL_PROTO_H
#define IFREPCTL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "ifrep_proto.h"
#include "util.h"

#define IFREP_HDR_LEN		((uint32_t)sizeof(struct ifrep_wire_header))
#define IFREP_MAX_PARTS		8	/* payload parts of one message */

/* A header in host byte order. */
struct ifrep_hdr {
	uint32_t magic;
	uint16_t type;
	uint16_t flags;
	uint32_t length;
	uint32_t csum;
	uint64_t seq;
	uint64_t id;
	uint64_t reserved;
};

/*----------------------------------------------------------------
 * Pure part
 *--------------------------------------------------------------*/

/* Byte order of the wire structs: the only conversions in ifrepctl. */
uint16_t ifrep_get_be16(ifrep_be16 v);
uint32_t ifrep_get_be32(ifrep_be32 v);
uint64_t ifrep_get_be64(ifrep_be64 v);
ifrep_be16 ifrep_put_be16(uint16_t v);
ifrep_be32 ifrep_put_be32(uint32_t v);
ifrep_be64 ifrep_put_be64(uint64_t v);

void ifrep_hdr_pack(const struct ifrep_hdr *h, struct ifrep_wire_header *w);
void ifrep_hdr_unpack(const struct ifrep_wire_header *w, struct ifrep_hdr *h);

/** ifrep_msg_type_name() - "HELLO", ..., or "type N" (static buffer). */
const char *ifrep_msg_type_name(unsigned int type);

/**
 * ifrep_payload_limits() - payload lengths the kernel accepts for @type.
 * Return: 0, or -EPROTO for a type that does not exist.
 */
int ifrep_payload_limits(unsigned int type, uint32_t *min, uint32_t *max);

/**
 * ifrep_msg_csum() - the header checksum: standard CRC-32C (seed ~0, final
 * inversion) over @w with its csum field taken as zero, continued over the
 * @n payload parts.
 */
uint32_t ifrep_msg_csum(const struct ifrep_wire_header *w,
			const struct iovec *parts, unsigned int n);

/**
 * ifrep_hdr_check() - what the receiver checks before reading a payload:
 * magic, type, the length the type allows, and seq == @expect_seq.
 * Return: 0 or -EPROTO with @why set.
 */
int ifrep_hdr_check(const struct ifrep_hdr *h, uint64_t expect_seq,
		    const char **why);

/**
 * ifrep_msg_encode() - a whole message into @buf: header with @type,
 * @flags, @seq, @id, length and checksum of @payload, then the payload.
 * Return: bytes written, or 0 if @size is too small.
 */
size_t ifrep_msg_encode(void *buf, size_t size, uint16_t type, uint16_t flags,
			uint64_t seq, uint64_t id, const void *payload,
			uint32_t len);

/**
 * ifrep_msg_decode() - check a message at the start of @buf (@len bytes)
 * as the receiver would: ifrep_hdr_check(), then the checksum.
 * @payload: set to the payload inside @buf.
 * Return: 0; -EPROTO (header), -ENODATA (fewer than 40 + length bytes),
 * -EBADMSG (checksum); @why says which.
 */
int ifrep_msg_decode(const void *buf, size_t len, uint64_t expect_seq,
		     struct ifrep_hdr *h, const uint8_t **payload,
		     const char **why);

/** ifrep_hello_fill() - our HELLO: version, features, a fresh random nonce. */
int ifrep_hello_fill(struct ifrep_wire_hello *hello);

/*
 * The key schedule: HKDF-SHA256 over the secret, both nonces and the
 * transcript of both HELLOs (ifrep_proto.h).
 */
struct ifrep_kdf {
	uint8_t prk[IFREP_HMAC_LEN];
	uint8_t transcript[IFREP_TRANSCRIPT_LEN];
};

/** ifrep_kdf_init() - HKDF-Extract and the transcript. */
void ifrep_kdf_init(struct ifrep_kdf *k, const uint8_t *secret, size_t secret_len,
		    uint16_t client_flags, const struct ifrep_wire_hello *client,
		    uint16_t server_flags, const struct ifrep_wire_hello *server);

/** ifrep_kdf_expand() - HKDF-Expand, one block: a proof or a key for @label. */
void ifrep_kdf_expand(const struct ifrep_kdf *k, const char *label,
		      uint8_t out[IFREP_HMAC_LEN]);

/**
 * ifrep_aead_seal() - seal in place the message at @msg: the 40-byte
 * header (its csum is set to 0, its seq is the nonce), @len payload bytes,
 * and IFREP_TAG_LEN bytes of room for the tag.  @integrity_only: the
 * payload is authenticated, not encrypted.  Return: 0 or -EIO.
 */
int ifrep_aead_seal(const uint8_t key[IFREP_KEY_LEN], bool integrity_only,
		    uint8_t *msg, uint32_t len);

/**
 * ifrep_aead_open() - check and decrypt in place what ifrep_aead_seal()
 * made.  Return: 0, or -EBADMSG when the tag does not match.
 */
int ifrep_aead_open(const uint8_t key[IFREP_KEY_LEN], bool integrity_only,
		    uint8_t *msg, uint32_t len);

/** ifrep_reason_copy() - a wire reason field as a printable C string. */
void ifrep_reason_copy(const uint8_t *field, size_t field_len, char *out,
		       size_t out_len);

/*
 * A payload sent many times behind different headers (BW_DATA): its
 * checksum is computed once; each message then costs O(1) checksumming.
 */
struct ifrep_prepared {
	const void *data;
	uint32_t len;
	uint32_t crc;			/* register over data from 0 */
	uint32_t zeros_op;		/* ifrep_crc32c_zeros_op(len) */
};

void ifrep_prepare_payload(struct ifrep_prepared *pp, const void *data, uint32_t len);

/*----------------------------------------------------------------
 * Connections
 *--------------------------------------------------------------*/

struct ifrep_conn {
	int fd;
	int timeout_ms;			/* each blocking step; default 10000 */
	uint64_t send_seq;		/* seq of the last message sent */
	uint64_t recv_seq;		/* seq of the last message received */
	uint32_t features;		/* common to both sides, after HELLO */
	uint16_t peer_major, peer_minor;
	bool keyed;			/* after a handshake with a secret */
	bool integrity_only;
	uint8_t tx_key[IFREP_KEY_LEN];
	uint8_t rx_key[IFREP_KEY_LEN];
	uint8_t *stage;			/* one sealed message */
	size_t stage_size;
	char peer[64];			/* "ADDR:PORT", for messages */
	char why[192];			/* the last failure */
};

/**
 * ifrep_conn_open() - TCP connection to @a within @timeout_ms.
 * Return: 0, -ECONNREFUSED, -ETIMEDOUT, or another -errno; c->why set.
 */
int ifrep_conn_open(struct ifrep_conn *c, const struct ifrep_addr *a, int timeout_ms);

/** ifrep_conn_close() - close (idempotent). */
void ifrep_conn_close(struct ifrep_conn *c);

/** ifrep_conn_shutdown_write() - send FIN: "nothing more from us". */
void ifrep_conn_shutdown_write(struct ifrep_conn *c);

/**
 * ifrep_send_msg() - frame and send one message: seq is ++c->send_seq,
 * length and checksum come from the @n payload @parts.
 */
int ifrep_send_msg(struct ifrep_conn *c, uint16_t type, uint16_t flags,
		   uint64_t id, const struct iovec *parts, unsigned int n);

/** ifrep_send_prepared() - ifrep_send_msg() with a prepared payload. */
int ifrep_send_prepared(struct ifrep_conn *c, uint16_t type, uint16_t flags,
			uint64_t id, const struct ifrep_prepared *pp);

/**
 * ifrep_seal_buf() - seal a CRC-framed message that is at @buf (header and
 * payload, as ifrep_msg_encode() makes them) with c's send key, in place:
 * @size must leave room for the tag.  Return: the sealed length, or 0.
 */
size_t ifrep_seal_buf(const struct ifrep_conn *c, uint8_t *buf, size_t size);

/**
 * ifrep_send_raw() - send @w as it is (no field is filled in, c->send_seq
 * is untouched) followed by the @n @parts: for tests that need wrong
 * magic, lengths, checksums or sequence numbers.
 */
int ifrep_send_raw(struct ifrep_conn *c, const struct ifrep_wire_header *w,
		   const struct iovec *parts, unsigned int n);

/** ifrep_send_bytes() - arbitrary bytes. */
int ifrep_send_bytes(struct ifrep_conn *c, const void *buf, size_t len);

/**
 * ifrep_recv_msg() - receive and validate one message (header checks,
 * expected seq, checksum) with its payload into @buf (@size bytes at most:
 * a longer payload is -EPROTO).  ERROR messages are returned like any
 * other; ifrep_reason_copy() prints them.
 */
int ifrep_recv_msg(struct ifrep_conn *c, struct ifrep_hdr *h, void *buf, size_t size);

/**
 * ifrep_client_handshake() - HELLO and mutual authentication as a client.
 * @hello_flags: IFREP_HELLO_PRIMARY or IFREP_HELLO_BWTEST, optionally
 *		 with IFREP_HELLO_INTEGRITY.
 *
 * The server proves first; the client checks that before it sends its
 * own proof, then keys the connection.
 * @secret: the shared secret; NULL for an insecure session (zeros are sent
 *	    as the proof and IFREP_HELLO_INSECURE is set).
 * @reason: set to c->why on failure.
 *
 * The server's proof is verified too: a server that does not know the
 * secret is -EACCES.  A peer's ERROR is quoted in the reason.
 */
int ifrep_client_handshake(struct ifrep_conn *c, uint16_t hello_flags,
			   const uint8_t *secret, size_t secret_len,
			   const char **reason);

#endif /* IFREPCTL_PROTO_H */
