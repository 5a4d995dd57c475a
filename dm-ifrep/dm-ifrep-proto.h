/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-ifrep protocol layer: message framing (header, sequence numbers,
 * checksums), validation of what arrives, and the handshake.  The wire
 * format itself is include/ifrep_proto.h.
 */
#ifndef DM_IFREP_PROTO_H
#define DM_IFREP_PROTO_H

#include <linux/bio.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>

#include "dm-ifrep-transport.h"
#include "ifrep_proto.h"
#include "ifrep_target.h"

#define IFREP_HANDSHAKE_TIMEOUT	(10 * HZ)
/* The handshake's reason when the peer speaks protocol 1.x. */
#define IFREP_REASON_PEER_1X	"peer speaks dm-ifrep protocol 1.x; upgrade both sides"

struct crypto_aead;
struct aead_request;

/*
 * One direction of a keyed session: its AEAD (with the key set), a request,
 * and a linear buffer holding one whole message (header, payload, tag),
 * grown on demand up to IFREP_MAX_PAYLOAD + 64 bytes, with a scatterlist
 * over it.  The sender uses its own under send_lock; the receiver, its own.
 */
struct ifrep_crypt_dir {
	struct crypto_aead *aead;
	struct aead_request *req;
	u8 *buf;
	size_t size;
	struct scatterlist *sg;
	unsigned int sg_max;
};

struct ifrep_conn {
	struct ifrep_stream *stream;
	struct mutex send_lock;
	u64 send_seq;
	u64 recv_seq;
	u32 features;			/* common to both sides */
	/*
	 * How long a message may stall in either direction (the rest of one
	 * that started arriving, or one that does not leave): the handshake's
	 * limit, then the pair's remote timeout threshold.
	 */
	unsigned long timeout;
	/* Set during the handshake: no read or send may go past it (jiffies). */
	unsigned long deadline;
	/* Server: the client's HELLO was valid (the listener evicts others first). */
	bool hello_done;
	/* Keyed session (NULL aead: CRC framing, the handshake or insecure). */
	bool keyed;
	bool integrity_only;		/* authenticate only, payload in clear */
	struct ifrep_crypt_dir tx;
	struct ifrep_crypt_dir rx;
	u32 rx_pos;			/* payload bytes handed out of rx.buf */
};

/* A received header, in host order, with the checksum run so far. */
struct ifrep_msg {
	u16 type;
	u16 flags;
	u32 length;
	u64 seq;
	u64 id;
	u32 csum;
	u32 crc;
	u32 received;			/* payload bytes read */
	bool verified;			/* keyed: tag checked, payload in rx.buf */
};

/* What a message carries after its header: a fixed part plus data. */
struct ifrep_payload {
	const void *fixed;
	u32 fixed_len;
	struct bio *bio;		/* data from a bio, @iter of it */
	struct bvec_iter iter;
	const void *buf;		/* or from a buffer */
	u32 buf_len;
};

struct ifrep_conn *ifrep_conn_create(struct ifrep_stream *stream);
void ifrep_conn_destroy(struct ifrep_conn *conn);

/* The peer's threshold, once authenticated: sends, receives and TCP's own. */
void ifrep_conn_set_timeout(struct ifrep_conn *conn, unsigned long timeout);

/**
 * ifrep_conn_send() - frame and send one message.
 * Context: process, blocks; serialised on conn->send_lock.
 * Return: 0 or -errno (the connection is then unusable).
 */
int ifrep_conn_send(struct ifrep_conn *conn, u16 type, u16 flags, u64 id,
		    const struct ifrep_payload *payload);

/*
 * The same, but only if no other send is under way: returns -EBUSY rather
 * than wait behind one (a keepalive from a thread that must not block).
 */
int ifrep_conn_try_send(struct ifrep_conn *conn, u16 type, u16 flags, u64 id,
			const struct ifrep_payload *payload);

/* A peer's text goes to our log: printable ASCII only, NUL-terminated. */
void ifrep_proto_sanitize(u8 *text, size_t len);

/* Sends ERROR with @reason, best effort. */
void ifrep_conn_send_error(struct ifrep_conn *conn, const char *reason);

/**
 * ifrep_conn_recv_header() - read and check the next header.
 * @idle_ok: return -EAGAIN when nothing arrived for a poll period.
 *
 * Checks magic, type, the length the type allows and the sequence number.
 * In a keyed session it then reads the whole payload and the tag and
 * verifies (and decrypts) them before it returns: nothing of a message is
 * seen before it is known to come unchanged from the peer.
 * Return: 0, -EAGAIN, -EPROTO for a malformed header, -EBADMSG for a tag
 * that does not match, or a transport error.
 */
int ifrep_conn_recv_header(struct ifrep_conn *conn, struct ifrep_msg *msg,
			   bool idle_ok);

/* Reads @len more payload bytes into @buf, checksumming them. */
int ifrep_conn_recv_payload(struct ifrep_conn *conn, struct ifrep_msg *msg,
			    void *buf, u32 len);

/*
 * The same into @pages, whole pages but the last: many pages per receive,
 * where a loop of ifrep_conn_recv_payload() pays one per page.
 */
int ifrep_conn_recv_pages(struct ifrep_conn *conn, struct ifrep_msg *msg,
			  struct page **pages, u32 len);

/**
 * ifrep_conn_recv_end() - check the checksum once the whole payload is in.
 * Return: 0 or -EBADMSG.
 */
int ifrep_conn_recv_end(struct ifrep_msg *msg);

/* Reads a whole message whose payload fits @buf (at most @len bytes). */
int ifrep_conn_recv_small(struct ifrep_conn *conn, struct ifrep_msg *msg,
			  void *buf, u32 len, bool idle_ok);

/**
 * ifrep_handshake_client() - HELLO and mutual authentication, client side.
 * @hello_flags: IFREP_HELLO_PRIMARY or IFREP_HELLO_BWTEST, with
 *		 IFREP_HELLO_INTEGRITY for an integrity-only session.
 *
 * The server proves first; the client checks that proof before it sends
 * its own.  On success with a secret the connection is keyed: every later
 * message is sealed with the AEAD in both directions.
 * @secret: shared secret, or NULL for an insecure session.
 * @reason: set to why it failed.
 * Return: 0 or -errno (-EACCES: authentication, -EPROTONOSUPPORT: version).
 */
int ifrep_handshake_client(struct ifrep_conn *conn, u16 hello_flags,
			   const u8 *secret, unsigned int secret_len,
			   const char **reason);

/**
 * ifrep_handshake_server() - the same, server side.
 * @insecure_ok: accept a client without a secret when we have none.
 * @client_flags: the client's HELLO flags.
 */
int ifrep_handshake_server(struct ifrep_conn *conn, const u8 *secret,
			   unsigned int secret_len, bool insecure_ok,
			   u16 *client_flags, const char **reason);

#endif
