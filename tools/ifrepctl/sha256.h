/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sha256.h - SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), for the wire
 * protocol's authentication (proto.c).  Incremental interfaces plus
 * one-shot helpers; no allocation, no global state.
 */
#ifndef IFREPCTL_SHA256_H
#define IFREPCTL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define IFREP_SHA256_LEN	32
#define IFREP_SHA256_BLOCK	64

struct ifrep_sha256 {
	uint32_t state[8];
	uint64_t bytes;				/* message length so far */
	uint8_t block[IFREP_SHA256_BLOCK];	/* partial block */
	size_t used;				/* bytes in block */
};

void ifrep_sha256_init(struct ifrep_sha256 *c);
void ifrep_sha256_update(struct ifrep_sha256 *c, const void *data, size_t len);
/** ifrep_sha256_final() - the digest; @c is wiped and must be re-initialised. */
void ifrep_sha256_final(struct ifrep_sha256 *c, uint8_t out[IFREP_SHA256_LEN]);
void ifrep_sha256(const void *data, size_t len, uint8_t out[IFREP_SHA256_LEN]);

struct ifrep_hmac_sha256 {
	struct ifrep_sha256 inner;
	struct ifrep_sha256 outer;
};

/** ifrep_hmac_sha256_init() - any key length (longer than a block is hashed). */
void ifrep_hmac_sha256_init(struct ifrep_hmac_sha256 *h, const void *key,
			    size_t key_len);
void ifrep_hmac_sha256_update(struct ifrep_hmac_sha256 *h, const void *data,
			      size_t len);
/** ifrep_hmac_sha256_final() - the MAC; @h is wiped. */
void ifrep_hmac_sha256_final(struct ifrep_hmac_sha256 *h,
			     uint8_t out[IFREP_SHA256_LEN]);
void ifrep_hmac_sha256(const void *key, size_t key_len, const void *data,
		       size_t len, uint8_t out[IFREP_SHA256_LEN]);

/** ifrep_memeq_ct() - compare in time independent of the contents. */
int ifrep_memeq_ct(const void *a, const void *b, size_t len);

#endif /* IFREPCTL_SHA256_H */
