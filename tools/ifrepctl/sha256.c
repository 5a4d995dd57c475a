// SPDX-License-Identifier: GPL-2.0
/*
 * sha256.c - SHA-256 and HMAC-SHA256, written from FIPS 180-4 section 6.2
 * and RFC 2104.  Checked against the FIPS 180-2 examples and RFC 4231 in
 * tests/unit/test_sha256.c.
 *
 * Speed is not a goal: the protocol hashes a few dozen bytes per
 * connection.  Secrets pass through the contexts, so every context and
 * key block is wiped once used.
 */
#include "sha256.h"

#include <string.h>

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* Wipe memory in a way the compiler may not drop. */
static void wipe(void *p, size_t len)
{
	volatile uint8_t *v = p;

	while (len--)
		*v++ = 0;
}

static uint32_t ror(uint32_t x, unsigned int n)
{
	return (x >> n) | (x << (32 - n));
}

static uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
	       (uint32_t)p[3];
}

static void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* One 64-byte block into the state (FIPS 180-4 6.2.2). */
static void compress(uint32_t state[8], const uint8_t block[IFREP_SHA256_BLOCK])
{
	uint32_t w[64], a, b, c, d, e, f, g, h, t1, t2, s0, s1;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = load_be32(block + 4 * i);
	for (i = 16; i < 64; i++) {
		s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
		s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = state[0];
	b = state[1];
	c = state[2];
	d = state[3];
	e = state[4];
	f = state[5];
	g = state[6];
	h = state[7];
	for (i = 0; i < 64; i++) {
		t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
		     ((e & f) ^ (~e & g)) + K[i] + w[i];
		t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
		     ((a & b) ^ (a & c) ^ (b & c));
		h = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	state[0] += a;
	state[1] += b;
	state[2] += c;
	state[3] += d;
	state[4] += e;
	state[5] += f;
	state[6] += g;
	state[7] += h;
	wipe(w, sizeof(w));
}

void ifrep_sha256_init(struct ifrep_sha256 *c)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(c->state, iv, sizeof(iv));
	c->bytes = 0;
	c->used = 0;
}

void ifrep_sha256_update(struct ifrep_sha256 *c, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t n;

	c->bytes += len;
	if (c->used) {
		n = IFREP_SHA256_BLOCK - c->used;
		if (n > len)
			n = len;
		memcpy(c->block + c->used, p, n);
		c->used += n;
		p += n;
		len -= n;
		if (c->used < IFREP_SHA256_BLOCK)
			return;
		compress(c->state, c->block);
		c->used = 0;
	}
	for (; len >= IFREP_SHA256_BLOCK; p += IFREP_SHA256_BLOCK, len -= IFREP_SHA256_BLOCK)
		compress(c->state, p);
	memcpy(c->block, p, len);
	c->used = len;
}

void ifrep_sha256_final(struct ifrep_sha256 *c, uint8_t out[IFREP_SHA256_LEN])
{
	uint64_t bits = c->bytes * 8;
	int i;

	/* 0x80, zeros up to 56 mod 64, then the length in bits, big-endian */
	c->block[c->used++] = 0x80;
	if (c->used > IFREP_SHA256_BLOCK - 8) {
		memset(c->block + c->used, 0, IFREP_SHA256_BLOCK - c->used);
		compress(c->state, c->block);
		c->used = 0;
	}
	memset(c->block + c->used, 0, IFREP_SHA256_BLOCK - 8 - c->used);
	for (i = 0; i < 8; i++)
		c->block[IFREP_SHA256_BLOCK - 1 - i] = (uint8_t)(bits >> (8 * i));
	compress(c->state, c->block);
	for (i = 0; i < 8; i++)
		store_be32(out + 4 * i, c->state[i]);
	wipe(c, sizeof(*c));
}

void ifrep_sha256(const void *data, size_t len, uint8_t out[IFREP_SHA256_LEN])
{
	struct ifrep_sha256 c;

	ifrep_sha256_init(&c);
	ifrep_sha256_update(&c, data, len);
	ifrep_sha256_final(&c, out);
}

/*----------------------------------------------------------------
 * HMAC (RFC 2104): H((K ^ opad) || H((K ^ ipad) || text))
 *--------------------------------------------------------------*/

void ifrep_hmac_sha256_init(struct ifrep_hmac_sha256 *h, const void *key,
			    size_t key_len)
{
	uint8_t k[IFREP_SHA256_BLOCK] = { 0 }, pad[IFREP_SHA256_BLOCK];
	size_t i;

	if (key_len > IFREP_SHA256_BLOCK)
		ifrep_sha256(key, key_len, k);
	else if (key_len)
		memcpy(k, key, key_len);

	for (i = 0; i < IFREP_SHA256_BLOCK; i++)
		pad[i] = k[i] ^ 0x36;
	ifrep_sha256_init(&h->inner);
	ifrep_sha256_update(&h->inner, pad, sizeof(pad));
	for (i = 0; i < IFREP_SHA256_BLOCK; i++)
		pad[i] = k[i] ^ 0x5c;
	ifrep_sha256_init(&h->outer);
	ifrep_sha256_update(&h->outer, pad, sizeof(pad));
	wipe(k, sizeof(k));
	wipe(pad, sizeof(pad));
}

void ifrep_hmac_sha256_update(struct ifrep_hmac_sha256 *h, const void *data,
			      size_t len)
{
	ifrep_sha256_update(&h->inner, data, len);
}

void ifrep_hmac_sha256_final(struct ifrep_hmac_sha256 *h,
			     uint8_t out[IFREP_SHA256_LEN])
{
	uint8_t inner[IFREP_SHA256_LEN];

	ifrep_sha256_final(&h->inner, inner);
	ifrep_sha256_update(&h->outer, inner, sizeof(inner));
	ifrep_sha256_final(&h->outer, out);
	wipe(inner, sizeof(inner));
}

void ifrep_hmac_sha256(const void *key, size_t key_len, const void *data,
		       size_t len, uint8_t out[IFREP_SHA256_LEN])
{
	struct ifrep_hmac_sha256 h;

	ifrep_hmac_sha256_init(&h, key, key_len);
	ifrep_hmac_sha256_update(&h, data, len);
	ifrep_hmac_sha256_final(&h, out);
}

int ifrep_memeq_ct(const void *a, const void *b, size_t len)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t diff = 0;
	size_t i;

	for (i = 0; i < len; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}
