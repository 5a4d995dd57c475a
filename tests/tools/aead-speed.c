// SPDX-License-Identifier: GPL-2.0
/*
 * aead-speed - how fast the running kernel's crypto API seals messages with
 * each AEAD dm-ifrep could use, through AF_ALG (the same implementations
 * the module gets from crypto_alloc_aead()).
 *
 *   aead-speed [--seconds S] [--size BYTES]
 *
 * For each algorithm: MiB/s sealing messages of --size bytes (default
 * 64 KiB: AF_ALG must hold a whole message in the socket's send buffer,
 * about 200 KiB at most; the cost per byte is the same as for the kernel
 * primary's 1 MiB DATA) with 40 bytes of associated data,
 * encrypted, and integrity-only (everything associated data, nothing
 * encrypted).  One line per algorithm and mode; the driver the kernel
 * picked is printed too (from /proc/crypto when it is there).  Exit 0, or
 * 1 when AF_ALG is not available.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/if_alg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#ifndef SOL_ALG
#define SOL_ALG 279
#endif

#define TAG	16
#define HDR	40

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One sealing operation on @op: @assoc bytes of AD, @text bytes encrypted. */
static int seal(int op, const uint8_t *in, uint8_t *out, size_t assoc, size_t text)
{
	char cbuf[CMSG_SPACE(4) + CMSG_SPACE(sizeof(struct af_alg_iv) + 12) +
		  CMSG_SPACE(4)] = { 0 };
	struct msghdr msg = { 0 };
	struct cmsghdr *c;
	struct af_alg_iv *iv;
	struct iovec iov = { (void *)in, assoc + text };
	ssize_t n;

	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_OP;
	c->cmsg_len = CMSG_LEN(4);
	*(uint32_t *)CMSG_DATA(c) = ALG_OP_ENCRYPT;
	c = CMSG_NXTHDR(&msg, c);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_IV;
	c->cmsg_len = CMSG_LEN(sizeof(*iv) + 12);
	iv = (void *)CMSG_DATA(c);
	iv->ivlen = 12;
	memset(iv->iv, 7, 12);
	c = CMSG_NXTHDR(&msg, c);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_AEAD_ASSOCLEN;
	c->cmsg_len = CMSG_LEN(4);
	*(uint32_t *)CMSG_DATA(c) = (uint32_t)assoc;
	if (sendmsg(op, &msg, 0) < 0)
		return -errno;
	n = read(op, out, assoc + text + TAG);
	if (n < 0)
		return -errno;
	return n == (ssize_t)(assoc + text + TAG) ? 0 : -EIO;
}

static void driver(const char *name, char *out, size_t len)
{
	char line[256], cur[128] = "", drv[128] = "";
	FILE *f = fopen("/proc/crypto", "r");

	snprintf(out, len, "?");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "name : %127s", cur) == 1)
			continue;
		if (sscanf(line, "driver : %127s", drv) == 1 && !strcmp(cur, name)) {
			snprintf(out, len, "%s", drv);
			break;
		}
	}
	fclose(f);
}

static int run(const char *alg, size_t size, double seconds)
{
	struct sockaddr_alg sa = { .salg_family = AF_ALG, .salg_type = "aead" };
	static const uint8_t key[32] = { 1, 2, 3 };
	uint8_t *in, *out;
	int tfm, op, mode, r;
	char drv[128];

	snprintf((char *)sa.salg_name, sizeof(sa.salg_name), "%s", alg);
	tfm = socket(AF_ALG, SOCK_SEQPACKET, 0);
	if (tfm < 0) {
		fprintf(stderr, "aead-speed: AF_ALG: %s\n", strerror(errno));
		return 1;
	}
	if (bind(tfm, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(tfm, SOL_ALG, ALG_SET_KEY, key, alg[0] == 'g' ? 16 : 32) ||
	    setsockopt(tfm, SOL_ALG, ALG_SET_AEAD_AUTHSIZE, NULL, TAG)) {
		printf("%-28s unavailable: %s\n", alg, strerror(errno));
		close(tfm);
		return 0;
	}
	op = accept(tfm, NULL, 0);
	in = calloc(1, HDR + size + TAG);
	out = calloc(1, HDR + size + TAG);
	if (op < 0 || !in || !out) {
		fprintf(stderr, "aead-speed: setup failed\n");
		exit(1);
	}
	driver(alg, drv, sizeof(drv));
	for (mode = 0; mode < 2; mode++) {
		double t0 = now(), t;
		unsigned long ops = 0;

		do {
			r = mode ? seal(op, in, out, HDR + size, 0) : seal(op, in, out, HDR, size);
			if (r) {
				printf("%-28s failed: %s\n", alg, strerror(-r));
				goto out;
			}
			ops++;
			t = now() - t0;
		} while (t < seconds);
		printf("%-28s %-15s %8.1f MiB/s  (%zu-byte messages, driver %s)\n", alg,
		       mode ? "integrity-only" : "encrypted",
		       (double)ops * size / t / 1048576.0, size, drv);
	}
out:
	free(in);
	free(out);
	close(op);
	close(tfm);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const algs[] = {
		"rfc7539(chacha20,poly1305)", "gcm(aes)",
	};
	double seconds = 2;
	size_t size = 64 << 10, i;
	int a;

	for (a = 1; a + 1 < argc; a += 2) {
		if (!strcmp(argv[a], "--seconds"))
			seconds = atof(argv[a + 1]);
		else if (!strcmp(argv[a], "--size"))
			size = strtoul(argv[a + 1], NULL, 0);
	}
	alarm(120);		/* never hang a test */
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (run(algs[i], size, seconds))
			return 1;
	return 0;
}
