// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of tools/ifrepctl/sha256.c: the FIPS 180-2 examples (appendix
 * B), RFC 4231's HMAC-SHA256 test cases 1-7, and incremental use.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

#include "sha256.h"
#include "util.h"

static const char *hex(const uint8_t *p, size_t n)
{
	static char buf[2 * 64 + 1];

	ifrep_hex_encode(p, n, buf);
	return buf;
}

static const char *sha_hex(const void *data, size_t len)
{
	uint8_t d[IFREP_SHA256_LEN];

	ifrep_sha256(data, len, d);
	return hex(d, sizeof(d));
}

static const char *hmac_hex(const void *key, size_t klen, const void *data, size_t dlen)
{
	uint8_t d[IFREP_SHA256_LEN];

	ifrep_hmac_sha256(key, klen, data, dlen, d);
	return hex(d, sizeof(d));
}

TEST(fips_one_block)
{
	CHECK_STR(sha_hex("abc", 3),
		  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(fips_two_blocks)
{
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	CHECK_STR(sha_hex(m, strlen(m)),
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(fips_million_a)
{
	struct ifrep_sha256 c;
	uint8_t chunk[1000], d[IFREP_SHA256_LEN];
	int i;

	memset(chunk, 'a', sizeof(chunk));
	ifrep_sha256_init(&c);
	for (i = 0; i < 1000; i++)
		ifrep_sha256_update(&c, chunk, sizeof(chunk));
	ifrep_sha256_final(&c, d);
	CHECK_STR(hex(d, sizeof(d)),
		  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(empty_message)
{
	CHECK_STR(sha_hex("", 0),
		  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* Padding edge cases: 55, 56, 63, 64 and 65 bytes, fed whole and bytewise. */
TEST(incremental_equals_one_shot)
{
	static const size_t lens[] = { 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000 };
	uint8_t msg[1000], one[IFREP_SHA256_LEN], inc[IFREP_SHA256_LEN];
	struct ifrep_sha256 c;
	size_t i, j;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7 + 3);
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		ifrep_sha256(msg, lens[i], one);
		ifrep_sha256_init(&c);
		for (j = 0; j < lens[i]; j += 1 + j % 13)
			ifrep_sha256_update(&c, msg + j,
					    j + 1 + j % 13 > lens[i] ? lens[i] - j : 1 + j % 13);
		ifrep_sha256_final(&c, inc);
		CHECK(!memcmp(one, inc, sizeof(one)));
	}
}

/* 56 bytes need a second padding block ("a" * 56, value from Python hashlib) */
TEST(padding_spills_into_second_block)
{
	char m[56];

	memset(m, 'a', sizeof(m));
	CHECK_STR(sha_hex(m, sizeof(m)),
		  "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
}

TEST(rfc4231_case1)
{
	uint8_t key[20];

	memset(key, 0x0b, sizeof(key));
	CHECK_STR(hmac_hex(key, sizeof(key), "Hi There", 8),
		  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(rfc4231_case2)
{
	const char *d = "what do ya want for nothing?";

	CHECK_STR(hmac_hex("Jefe", 4, d, strlen(d)),
		  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(rfc4231_case3)
{
	uint8_t key[20], data[50];

	memset(key, 0xaa, sizeof(key));
	memset(data, 0xdd, sizeof(data));
	CHECK_STR(hmac_hex(key, sizeof(key), data, sizeof(data)),
		  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
}

TEST(rfc4231_case4)
{
	uint8_t key[25], data[50];
	size_t i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i + 1);
	memset(data, 0xcd, sizeof(data));
	CHECK_STR(hmac_hex(key, sizeof(key), data, sizeof(data)),
		  "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
}

/* Truncated to 128 bits in the RFC: compare the first 16 bytes. */
TEST(rfc4231_case5_truncated)
{
	const char *d = "Test With Truncation";
	uint8_t key[20], mac[IFREP_SHA256_LEN];

	memset(key, 0x0c, sizeof(key));
	ifrep_hmac_sha256(key, sizeof(key), d, strlen(d), mac);
	CHECK_STR(hex(mac, 16), "a3b6167473100ee06e0c796c2955552b");
}

TEST(rfc4231_case6_long_key)
{
	const char *d = "Test Using Larger Than Block-Size Key - Hash Key First";
	uint8_t key[131];

	memset(key, 0xaa, sizeof(key));
	CHECK_STR(hmac_hex(key, sizeof(key), d, strlen(d)),
		  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(rfc4231_case7_long_key_and_data)
{
	const char *d = "This is a test using a larger than block-size key and a larger "
			"than block-size data. The key needs to be hashed before being "
			"used by the HMAC algorithm.";
	uint8_t key[131];

	memset(key, 0xaa, sizeof(key));
	CHECK_STR(hmac_hex(key, sizeof(key), d, strlen(d)),
		  "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

TEST(hmac_incremental)
{
	const char *d = "what do ya want for nothing?";
	struct ifrep_hmac_sha256 h;
	uint8_t mac[IFREP_SHA256_LEN];

	ifrep_hmac_sha256_init(&h, "Jefe", 4);
	ifrep_hmac_sha256_update(&h, d, 10);
	ifrep_hmac_sha256_update(&h, d + 10, strlen(d) - 10);
	ifrep_hmac_sha256_final(&h, mac);
	CHECK_STR(hex(mac, sizeof(mac)),
		  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

/* A 64-byte key is used as it is, a 65-byte one is hashed first (values from Python hmac). */
TEST(hmac_key_exactly_one_block)
{
	uint8_t key[65];

	memset(key, 0x42, sizeof(key));
	CHECK_STR(hmac_hex(key, 64, "x", 1),
		  "c661f285f4bf22069fb45df0f88aa26b92a14329cd6e967b3311203a3e482e6d");
	CHECK_STR(hmac_hex(key, 65, "x", 1),
		  "15342efe2ef1b34b5f0fdef4db2f00b940ff9620adcbc56b1a47defc054af37e");
}

TEST(memeq_ct)
{
	CHECK(ifrep_memeq_ct("abcd", "abcd", 4));
	CHECK(!ifrep_memeq_ct("abcd", "abce", 4));
	CHECK(ifrep_memeq_ct("", "", 0));
}
