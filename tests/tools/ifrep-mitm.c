// SPDX-License-Identifier: GPL-2.0
/*
 * ifrep-mitm - an attacker on the path between a primary and a secondary,
 * for the wire-security test (070).  It relays one TCP connection at a
 * time, message by message (it understands the framing: 40-byte header,
 * payload, and from the third message of each direction on the 16-byte
 * AEAD tag, unless the client's HELLO said INSECURE), and tampers as the
 * mode file says:
 *
 *   pass        relay unchanged
 *   rewrite     the next DATA to the secondary gets its data replaced by the
 *               marker "IFREP-MITM-WAS-HERE" (repeated) and its CRC-32C
 *               recomputed, as a 1.x attacker would do
 *   replay      the next DATA to the secondary is replaced by the first
 *               DATA of an earlier connection (its seq set to the expected
 *               one), then the real one is sent too
 *   inject-ack  when the next DATA goes to the secondary, a forged ACK for
 *               its id is sent to the primary first (CRC-framed, a tag of
 *               zeros where one is expected)
 *
 *   ifrep-mitm --listen ADDR:PORT --to ADDR:PORT --mode-file FILE
 *
 * The mode file is read before each DATA; each tampering happens once
 * after the file changed to name it, and is logged on stdout ("tampered:
 * ...").  Runs until killed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "crc32c.h"
#include "ifrep_proto.h"

#define HDR		40
#define TAG		IFREP_TAG_LEN
#define MARKER		"IFREP-MITM-WAS-HERE-"

struct dir {
	int from, to;
	uint8_t *in;		/* bytes received, not yet relayed */
	size_t in_len, in_cap;
	uint8_t *out;		/* bytes to send */
	size_t out_len, out_cap;
	uint64_t msgs;		/* complete messages seen */
	uint64_t last_seq;
	bool eof;
};

static const char *mode_file;
static bool insecure;		/* the client's HELLO said INSECURE */
static uint8_t *recorded;	/* first DATA of an earlier connection */
static size_t recorded_len;
static uint8_t *first_data;	/* of this connection */
static size_t first_data_len;
static bool done_rewrite, done_replay, done_inject;
static char last_mode[32] = "pass";

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void grow(uint8_t **buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return;
	*cap = need * 2;
	*buf = realloc(*buf, *cap);
	if (!*buf)
		die("realloc");
}

static void emit(struct dir *d, const void *p, size_t len)
{
	grow(&d->out, &d->out_cap, d->out_len + len);
	memcpy(d->out + d->out_len, p, len);
	d->out_len += len;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, v >> 32);
	put32(p + 4, (uint32_t)v);
}

/* The 1.x checksum over header (csum zero) and @len payload bytes. */
static void fix_crc(uint8_t *msg, uint32_t len)
{
	uint32_t crc;

	memset(msg + 12, 0, 4);
	crc = ifrep_crc32c(~0U, msg, HDR);
	crc = ifrep_crc32c(crc, msg + HDR, len);
	put32(msg + 12, ~crc);
}

static void read_mode(char *mode, size_t len)
{
	FILE *f = fopen(mode_file, "r");

	snprintf(mode, len, "pass");
	if (!f)
		return;
	if (fgets(mode, (int)len, f))
		mode[strcspn(mode, "\n")] = '\0';
	fclose(f);
}

static bool keyed(const struct dir *d)
{
	return !insecure && d->msgs >= 2;
}

/* One complete message of @len bytes at @m, from the primary (@c2s) or not. */
static void relay(struct dir *d, struct dir *back, bool c2s, uint8_t *m, size_t len)
{
	uint16_t type = (uint16_t)(m[4] << 8 | m[5]);
	uint32_t plen = get32(m + 8);
	char mode[32];
	size_t i;

	if (c2s && d->msgs == 0 && type == IFREP_MSG_HELLO)
		insecure = (m[7] & IFREP_HELLO_INSECURE) != 0;
	d->msgs++;
	d->last_seq = get64(m + 16);
	if (!c2s || type != IFREP_MSG_DATA || plen < 8 + 512) {
		emit(d, m, len);
		return;
	}
	if (!first_data) {
		first_data = malloc(len);
		if (!first_data)
			die("malloc");
		memcpy(first_data, m, len);
		first_data_len = len;
	}
	read_mode(mode, sizeof(mode));
	if (strcmp(mode, last_mode)) {
		/* a new order: each tampering once more */
		snprintf(last_mode, sizeof(last_mode), "%s", mode);
		done_rewrite = done_replay = done_inject = false;
	}
	if (!strcmp(mode, "rewrite") && !done_rewrite) {
		done_rewrite = true;
		for (i = 0; i < plen - 8; i++)
			m[HDR + 8 + i] = (uint8_t)MARKER[i % (sizeof(MARKER) - 1)];
		fix_crc(m, plen);
		printf("tampered: rewrite DATA seq %llu (%u bytes; sector field on the wire %llu, encrypted unless integrity-only or insecure), CRC fixed\n",
		       (unsigned long long)d->last_seq, plen - 8,
		       (unsigned long long)get64(m + HDR));
	} else if (!strcmp(mode, "replay") && !done_replay && recorded) {
		done_replay = true;
		put64(recorded + 16, d->last_seq);
		emit(d, recorded, recorded_len);
		printf("tampered: replay of an earlier connection's DATA as seq %llu\n",
		       (unsigned long long)d->last_seq);
	} else if (!strcmp(mode, "inject-ack") && !done_inject) {
		uint8_t ack[HDR + 8 + TAG] = { 0 };

		done_inject = true;
		put32(ack, IFREP_PROTO_MAGIC);
		ack[5] = IFREP_MSG_ACK;
		put32(ack + 8, 8);
		put64(ack + 16, back->last_seq + 1);
		memcpy(ack + 24, m + 24, 8);	/* the DATA's id */
		fix_crc(ack, 8);
		back->last_seq++;	/* the secondary's next message collides */
		emit(back, ack, HDR + 8 + (keyed(back) ? TAG : 0));
		printf("tampered: inject-ack: forged ACK for id %llu as seq %llu\n",
		       (unsigned long long)get64(m + 24), (unsigned long long)back->last_seq);
	}
	fflush(stdout);
	emit(d, m, len);
}

/* Relays what is complete in d->in. */
static void parse(struct dir *d, struct dir *back, bool c2s)
{
	size_t off = 0, len;

	while (d->in_len - off >= HDR) {
		len = HDR + get32(d->in + off + 8) + (keyed(d) ? TAG : 0);
		if (get32(d->in + off) != IFREP_PROTO_MAGIC || len > HDR + 8 + IFREP_MAX_PAYLOAD + TAG) {
			/* not ours to understand: pass the rest through */
			emit(d, d->in + off, d->in_len - off);
			off = d->in_len;
			break;
		}
		if (d->in_len - off < len)
			break;
		relay(d, back, c2s, d->in + off, len);
		off += len;
	}
	memmove(d->in, d->in + off, d->in_len - off);
	d->in_len -= off;
}

static int connect_to(const struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		die("socket");
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa))) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static void serve(int client, const struct sockaddr_in *server)
{
	struct dir d[2] = { { 0 } };
	struct pollfd p[2];
	int s, i, one = 1;
	ssize_t n;

	s = connect_to(server);
	if (s < 0) {
		close(client);
		return;
	}
	setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	d[0].from = client;
	d[0].to = s;
	d[1].from = s;
	d[1].to = client;
	insecure = false;
	first_data = NULL;
	for (;;) {
		for (i = 0; i < 2; i++) {
			p[i].fd = d[i].from;
			p[i].events = d[i].eof ? 0 : POLLIN;
		}
		/* outputs: d[0] goes to s (p[1].fd), d[1] to client (p[0].fd) */
		if (d[1].out_len)
			p[0].events |= POLLOUT;
		if (d[0].out_len)
			p[1].events |= POLLOUT;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		for (i = 0; i < 2; i++) {
			struct dir *in = &d[i], *out = &d[1 - i];

			if (p[i].revents & (POLLIN | POLLHUP | POLLERR)) {
				grow(&in->in, &in->in_cap, in->in_len + 65536);
				n = read(in->from, in->in + in->in_len, 65536);
				if (n <= 0)
					goto end;
				in->in_len += (size_t)n;
				parse(in, &d[1 - i], i == 0);
			}
			/* p[i].fd is where out (the other direction) is sent */
			if ((p[i].revents & POLLOUT) && out->out_len) {
				n = send(out->to, out->out, out->out_len,
					 MSG_DONTWAIT | MSG_NOSIGNAL);
				if (n < 0 && errno != EAGAIN)
					goto end;
				if (n > 0) {
					memmove(out->out, out->out + n, out->out_len - (size_t)n);
					out->out_len -= (size_t)n;
				}
			}
		}
	}
end:
	printf("connection ended after %llu messages to the secondary, %llu back\n",
	       (unsigned long long)d[0].msgs, (unsigned long long)d[1].msgs);
	fflush(stdout);
	close(client);
	close(s);
	if (first_data) {
		free(recorded);
		recorded = first_data;
		recorded_len = first_data_len;
		first_data = NULL;
	}
	for (i = 0; i < 2; i++) {
		free(d[i].in);
		free(d[i].out);
	}
}

static void parse_addr(const char *text, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(text, ':');

	if (!colon || colon - text >= (long)sizeof(host)) {
		fprintf(stderr, "ifrep-mitm: bad address %s\n", text);
		exit(2);
	}
	memcpy(host, text, colon - text);
	host[colon - text] = '\0';
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
		fprintf(stderr, "ifrep-mitm: bad address %s\n", text);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in l = { 0 }, to = { 0 };
	int ls, c, one = 1, i;
	const char *listen_at = NULL, *to_addr = NULL;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--listen"))
			listen_at = argv[i + 1];
		else if (!strcmp(argv[i], "--to"))
			to_addr = argv[i + 1];
		else if (!strcmp(argv[i], "--mode-file"))
			mode_file = argv[i + 1];
	}
	if (!listen_at || !to_addr || !mode_file) {
		fprintf(stderr, "usage: ifrep-mitm --listen ADDR:PORT --to ADDR:PORT --mode-file FILE\n");
		return 2;
	}
	parse_addr(listen_at, &l);
	parse_addr(to_addr, &to);
	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0)
		die("socket");
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (struct sockaddr *)&l, sizeof(l)) || listen(ls, 4))
		die("bind/listen");
	printf("relaying %s -> %s\n", listen_at, to_addr);
	fflush(stdout);
	for (;;) {
		c = accept(ls, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR)
				continue;
			die("accept");
		}
		serve(c, &to);
	}
}
