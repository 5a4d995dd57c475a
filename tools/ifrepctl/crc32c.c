// SPDX-License-Identifier: GPL-2.0
/*
 * crc32c.c - CRC-32C in software: slicing by eight bytes (eight 256-entry
 * tables, one table lookup per input byte but eight bytes per step), and
 * the GF(2) arithmetic that advances a register over runs of zeros.
 *
 * Representation: bit 31 of a register is the coefficient of x^0 and bit 0
 * that of x^31 (the reflected order of the table-driven algorithm), so
 * multiplying by x is a right shift with a conditional XOR of the
 * polynomial.  Running a register over one zero byte multiplies it by x^8
 * modulo P; over n zero bytes, by x^(8n) mod P, which square-and-multiply
 * computes in O(log n) multiplications.
 */
#include "crc32c.h"

#include <pthread.h>

#define CRC32C_POLY_REFLECTED	0x82f63b78U

static uint32_t tables[8][256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void tables_init(void)
{
	uint32_t i, j, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = (c >> 1) ^ ((c & 1) ? CRC32C_POLY_REFLECTED : 0);
		tables[0][i] = c;
	}
	/* tables[k][b]: byte b followed by k zero bytes */
	for (i = 0; i < 256; i++)
		for (j = 1; j < 8; j++)
			tables[j][i] = (tables[j - 1][i] >> 8) ^
				       tables[0][tables[j - 1][i] & 0xff];
}

static uint32_t load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

uint32_t ifrep_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t lo, hi;

	pthread_once(&tables_once, tables_init);
	while (len && ((uintptr_t)p & 7)) {
		crc = tables[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
		len--;
	}
	while (len >= 8) {
		lo = load_le32(p) ^ crc;
		hi = load_le32(p + 4);
		crc = tables[7][lo & 0xff] ^ tables[6][(lo >> 8) & 0xff] ^
		      tables[5][(lo >> 16) & 0xff] ^ tables[4][lo >> 24] ^
		      tables[3][hi & 0xff] ^ tables[2][(hi >> 8) & 0xff] ^
		      tables[1][(hi >> 16) & 0xff] ^ tables[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = tables[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

/* a * b mod P, both in the reflected representation. */
static uint32_t gf2_mulmod(uint32_t a, uint32_t b)
{
	uint32_t product = 0;
	int i;

	/* bit 31 - i of a is the coefficient of x^i; b holds b * x^i */
	for (i = 0; i < 32; i++) {
		if (a & (0x80000000U >> i))
			product ^= b;
		b = (b >> 1) ^ ((b & 1) ? CRC32C_POLY_REFLECTED : 0);
	}
	return product;
}

uint32_t ifrep_crc32c_zeros_op(uint64_t len)
{
	uint32_t result = 0x80000000U;		/* x^0 */
	uint32_t square = 0x00800000U;		/* x^8: one zero byte */

	while (len) {
		if (len & 1)
			result = gf2_mulmod(result, square);
		square = gf2_mulmod(square, square);
		len >>= 1;
	}
	return result;
}

uint32_t ifrep_crc32c_apply(uint32_t op, uint32_t crc)
{
	return gf2_mulmod(op, crc);
}
