/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-ifrep wire protocol, shared by the kernel (primary and secondary
 * volumes) and by userspace (ifrepctl test-bandwidth, the tests' fuzz
 * client).  docs/wire-protocol.md explains it.
 *
 * A connection is a TCP stream of messages.  Every message is a 40-byte
 * header followed by `length` payload bytes.  All integers are big-endian
 * (network order).  `seq` counts the messages of one direction from 1; a
 * gap, a bad checksum or tag, an unknown type, a length the type does not
 * allow, or a request outside the volume ends the connection.
 *
 * Handshake messages, and every message of an insecure session, carry in
 * `csum` the standard CRC-32C (initial ~0, final inversion) over the
 * header with csum set to zero, continued over the payload.  In a session
 * with a secret every later message is followed by IFREP_TAG_LEN bytes of
 * AEAD tag (IFREP_AEAD, nonce = 4 zero bytes || be64 seq, per-direction
 * keys from HKDF-SHA256); csum is 0.  Encrypted sessions encrypt the
 * payload with the header as associated data; integrity-only sessions
 * (HELLO flag INTEGRITY) take header and payload as associated data.
 *
 * Conversation (protocol 2.0: the server proves first):
 *   client -> HELLO, server -> HELLO            versions, features, nonces
 *   server -> AUTH,  client -> AUTH             HKDF-SHA256 proofs
 *   -- keyed from here on --
 *   client -> ATTACH, server -> ATTACH_REPLY     (primaries only)
 *                     [server -> BITMAP]
 *   then DATA / FLUSH / SYNC_STATE / CYCLE_BEGIN / CYCLE_COMMIT / CSUM /
 *   COMPARE / DISCARD / WRITE_ZEROES / PING / BW_DATA from the client, each
 *   answered by an ACK (PING by PONG) carrying the request's id.
 * Either side may send ERROR with a reason and close.
 */
#ifndef IFREP_PROTO_H
#define IFREP_PROTO_H

#include "ifrep_types.h"

#define IFREP_PROTO_MAGIC	0x49465250U	/* "IFRP" */
#define IFREP_PROTO_MAJOR	2		/* incompatible changes: 2 = AEAD */
#define IFREP_PROTO_MINOR	2		/* 1: COMPARE, 2: DISCARD (feature bits) */

/*
 * Feature bits offered in HELLO; the session uses the common ones.  Every
 * addition after protocol 2.0 gets a bit of its own here, and is not used
 * with a peer that did not offer it.
 */
#define IFREP_FEAT_FLUSH	(1U << 0)	/* FLUSH and REQ_PREFLUSH/FUA honoured */
#define IFREP_FEAT_BWTEST	(1U << 1)	/* bandwidth test sessions */
#define IFREP_FEAT_CSUM		(1U << 2)	/* CSUM requests (online verify) */
#define IFREP_FEAT_RESTARTED	(1U << 3)	/* ATTACH_REPLY says ATTACH_RESTARTED */
#define IFREP_FEAT_COMPARE	(1U << 4)	/* COMPARE requests (checksum resync) */
#define IFREP_FEAT_DISCARD	(1U << 5)	/* DISCARD and WRITE_ZEROES requests */
#define IFREP_FEATURES		(IFREP_FEAT_FLUSH | IFREP_FEAT_BWTEST | IFREP_FEAT_CSUM | \
				 IFREP_FEAT_RESTARTED | IFREP_FEAT_COMPARE | \
				 IFREP_FEAT_DISCARD)

#define IFREP_NONCE_LEN		32
#define IFREP_HMAC_LEN		32
#define IFREP_KEY_LEN		32
#define IFREP_TAG_LEN		16		/* after each keyed message */
#define IFREP_AEAD		"rfc7539(chacha20,poly1305)"
#define IFREP_AEAD_NONCE_LEN	12
#define IFREP_MAX_PAYLOAD	(4U << 20)	/* one DATA message */
#define IFREP_REASON_LEN	96

enum ifrep_msg_type {
	IFREP_MSG_HELLO = 1,
	IFREP_MSG_AUTH = 2,
	IFREP_MSG_ATTACH = 3,
	IFREP_MSG_ATTACH_REPLY = 4,
	IFREP_MSG_DATA = 5,
	IFREP_MSG_FLUSH = 6,
	IFREP_MSG_ACK = 7,
	IFREP_MSG_PING = 8,
	IFREP_MSG_PONG = 9,
	IFREP_MSG_SYNC_STATE = 10,
	IFREP_MSG_BW_DATA = 11,
	IFREP_MSG_ERROR = 12,
	IFREP_MSG_BITMAP = 13,
	IFREP_MSG_CYCLE_BEGIN = 14,
	IFREP_MSG_CYCLE_COMMIT = 15,
	IFREP_MSG_CSUM = 16,
	IFREP_MSG_COMPARE = 17,
	IFREP_MSG_DISCARD = 18,
	IFREP_MSG_WRITE_ZEROES = 19,
	IFREP_MSG_TYPE_MAX = 19,
};

struct ifrep_wire_header {
	ifrep_be32 magic;
	ifrep_be16 type;
	ifrep_be16 flags;			/* per type, see below */
	ifrep_be32 length;			/* payload bytes */
	ifrep_be32 csum;
	ifrep_be64 seq;
	ifrep_be64 id;			/* request id, echoed by its ACK */
	ifrep_be64 reserved;
} __packed;

/* HELLO flags */
#define IFREP_HELLO_PRIMARY	(1U << 0)	/* client will ATTACH a volume */
#define IFREP_HELLO_BWTEST	(1U << 1)	/* client only measures the link */
#define IFREP_HELLO_INSECURE	(1U << 2)	/* sender has no secret */
#define IFREP_HELLO_INTEGRITY	(1U << 3)	/* authenticate, do not encrypt */

struct ifrep_wire_hello {
	ifrep_be16 proto_major;
	ifrep_be16 proto_minor;
	ifrep_be32 features;
	ifrep_u8 nonce[IFREP_NONCE_LEN];
} __packed;

/*
 * Key schedule (docs/wire-protocol.md, "Session protection"):
 *   T   = be16 client HELLO flags || client HELLO payload ||
 *         be16 server HELLO flags || server HELLO payload
 *   PRK = HMAC-SHA256(nonce_client || nonce_server, secret)
 *   out = HMAC-SHA256(PRK, label || T || 0x01)       (HKDF, one block)
 * for each label below.  The AUTH payload is the sender's proof; the
 * server sends its AUTH first.  Insecure sessions send zeros, and are
 * accepted only when both sides were configured insecure.
 */
#define IFREP_LABEL_SERVER_PROOF	"ifrep 2.0 server proof"
#define IFREP_LABEL_CLIENT_PROOF	"ifrep 2.0 client proof"
#define IFREP_LABEL_KEY_C2S		"ifrep 2.0 key c2s"
#define IFREP_LABEL_KEY_S2C		"ifrep 2.0 key s2c"
#define IFREP_TRANSCRIPT_LEN	(2 * (2 + 40))

struct ifrep_wire_auth {
	ifrep_u8 hmac[IFREP_HMAC_LEN];
} __packed;

struct ifrep_wire_attach {
	ifrep_u8 uuid[16];			/* the primary volume's */
	ifrep_be64 data_sectors;
	ifrep_be32 chunk_sectors;
	ifrep_be32 flags;
	ifrep_be64 generation;		/* the primary's data generation */
	ifrep_be64 parent_generation;	/* the one it was promoted from, or 0 */
	ifrep_be32 timeout_s;		/* the pair's threshold: a primary silent
					 * this long is gone (it pings sooner) */
	ifrep_be32 logical_block_size;	/* of the primary's data device: the
					 * smallest write it may send; 0 from
					 * primaries before protocol 1.2 */
} __packed;

/*
 * ATTACH_REPLY flags.  With CHANGES the reply is followed by a BITMAP
 * message: the chunks the secondary changed since it last agreed with a
 * primary (as an old primary, or after a promotion), so that the new
 * primary resyncs their union with its own changes and nothing more.
 */
#define IFREP_ATTACH_CONSISTENT	(1U << 0)	/* secondary holds a full image */
#define IFREP_ATTACH_NEW_PEER	(1U << 1)	/* first primary it ever had */
#define IFREP_ATTACH_DIVERGED	(1U << 2)	/* it acked writes no peer has */
#define IFREP_ATTACH_CHANGES	(1U << 3)	/* a BITMAP message follows */
/*
 * The first primary session since the secondary volume was activated: its
 * data device may have lost a volatile cache (a crash, a reboot), so the
 * writes it acknowledged before may be gone.  A primary resends what it
 * had not seen flushed there.  Without feature IFREP_FEAT_RESTARTED a
 * primary must assume it.
 */
#define IFREP_ATTACH_RESTARTED	(1U << 4)

struct ifrep_wire_attach_reply {
	ifrep_be32 status;			/* 0 or a positive errno */
	ifrep_be32 flags;
	ifrep_be64 generation;		/* 0: holds no data of any primary */
	ifrep_be64 parent_generation;
	ifrep_u8 reason[IFREP_REASON_LEN];
} __packed;

/* BITMAP payload: little-endian 64-bit words, bit b of word w = chunk 64w+b. */

/* DATA flags */
#define IFREP_DATA_PREFLUSH	(1U << 0)
#define IFREP_DATA_FUA		(1U << 1)

struct ifrep_wire_data {
	ifrep_be64 sector;
	/* followed by length - sizeof(struct ifrep_wire_data) bytes of data */
} __packed;

struct ifrep_wire_ack {
	ifrep_be32 status;			/* 0 or a positive errno */
	ifrep_be32 value;			/* CSUM: the range's CRC-32C;
						 * COMPARE: 1 same, 0 differs;
						 * else 0 */
} __packed;

/*
 * CSUM (online verify, feature IFREP_FEAT_CSUM): the secondary applies
 * every write it received before, reads the range from its data device and
 * answers with an ACK whose value is the range's CRC-32C (initial ~0,
 * final inversion).  The primary compares it with its own.
 */
struct ifrep_wire_csum {
	ifrep_be64 sector;
	ifrep_be32 length;			/* bytes: whole sectors, at most 4 MiB */
	ifrep_be32 reserved;
} __packed;

/*
 * COMPARE (checksum-based resync, feature IFREP_FEAT_COMPARE): the
 * secondary applies every write it received before, reads the range from
 * its data device and answers with an ACK whose value is 1 when the range's
 * SHA-256 equals @sha256, else 0.  The primary then sends only the ranges
 * that differ.  A digest rather than CSUM's CRC-32C: a match skips the
 * data, and 32 bits would let about one differing range in 4 billion pass
 * as equal.
 */
#define IFREP_SHA256_LEN	32

struct ifrep_wire_compare {
	ifrep_be64 sector;
	ifrep_be32 length;			/* bytes: whole sectors, at most 4 MiB */
	ifrep_be32 reserved;			/* 0 */
	ifrep_u8 sha256[IFREP_SHA256_LEN];	/* the primary's, of its range */
} __packed;

/*
 * DISCARD and WRITE_ZEROES (feature IFREP_FEAT_DISCARD): a host discard or
 * write-zeroes of a sync pair's primary, passed on without data.  The
 * secondary discards the range if its data device supports discards and
 * else does nothing (a discard promises no content); it zeroes the range
 * for WRITE_ZEROES, writing zeroes itself if its device cannot.  Both are
 * acknowledged once done, like DATA.  A range never crosses a chunk.
 */
struct ifrep_wire_extent {
	ifrep_be64 sector;
	ifrep_be32 length;			/* bytes: whole sectors, not 0 */
	ifrep_be32 reserved;			/* 0 */
} __packed;

/*
 * Async cycles: CYCLE_BEGIN announces the chunks of one point-in-time cut;
 * the DATA that follows are those chunks as they were at the cut;
 * CYCLE_COMMIT makes them the secondary's new image at once.  Until the
 * commit the secondary can roll back to the previous image (its journal
 * saved what the cycle overwrote), so it never holds a mix of two cuts.
 * Both are acknowledged; a CYCLE_BEGIN refused with ENOSPC means the
 * secondary's journal cannot hold the cycle.
 */
struct ifrep_wire_cycle {
	ifrep_be64 id;			/* increasing per primary */
	ifrep_be64 cut_time;		/* unix time of the cut */
	ifrep_be64 nr_chunks;		/* chunks the cycle will write */
	ifrep_be32 sync_points;		/* images the secondary should keep */
	ifrep_be32 reserved;
} __packed;

/* SYNC_STATE flags */
#define IFREP_SYNC_CONSISTENT	(1U << 0)	/* set: resync done; clear: starting */

struct ifrep_wire_error {
	ifrep_u8 reason[IFREP_REASON_LEN];
} __packed;

IFREP_STATIC_ASSERT(sizeof(struct ifrep_wire_header) == 40, "header size");
IFREP_STATIC_ASSERT(sizeof(struct ifrep_wire_hello) == 40, "hello size");
IFREP_STATIC_ASSERT(sizeof(struct ifrep_wire_attach) == 56, "attach size");
IFREP_STATIC_ASSERT(sizeof(struct ifrep_wire_attach_reply) == 120, "attach reply size");
IFREP_STATIC_ASSERT(sizeof(struct ifrep_wire_cycle) == 32, "cycle size");
IFREP_STATIC_ASSERT(sizeof(struct ifrep_wire_csum) == 16, "csum size");
IFREP_STATIC_ASSERT(sizeof(struct ifrep_wire_compare) == 48, "compare size");
IFREP_STATIC_ASSERT(sizeof(struct ifrep_wire_extent) == 16, "extent size");

#endif /* IFREP_PROTO_H */
