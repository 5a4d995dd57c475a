// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_bwtest.c - test-bandwidth: measure the link to a secondary with the
 * replication protocol itself (handshake, pings, then a stream of data
 * messages the secondary acknowledges and throws away).
 *
 * It needs no local volume and no device-mapper: only the secondary's
 * address and its secret.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "cli.h"
#include "cmdline.h"
#include "commands.h"
#include "json.h"
#include "proto.h"
#include "secret.h"
#include "util.h"

#define BW_MSG_BYTES	(1U << 20)	/* one BW_DATA message */
#define BW_INFLIGHT	8		/* messages sent and not acknowledged */
#define BW_PINGS	10
#define BW_CONNECT_MS	5000
#define BW_STEP_MS	10000		/* any single step of the conversation */
#define BW_MAX_SECONDS	300

struct bw_result {
	double rtt_min, rtt_sum, rtt_max;	/* seconds */
	unsigned int pings;
	uint64_t bytes;
	double elapsed;
};

/* A failure of the conversation, with the peer's ERROR quoted when it sent one. */
static int bw_fail(const struct ifrep_conn *c, const char *what)
{
	return fail("%s: %s: %s", c->peer, what, c->why);
}

/* Receives the reply to a request; an ERROR becomes the failure. */
static int bw_recv(struct ifrep_conn *c, struct ifrep_hdr *h, void *buf, size_t size,
		   uint16_t type, const char *what)
{
	union {
		struct ifrep_wire_error error;		/* the largest reply */
		uint8_t any[sizeof(struct ifrep_wire_error)];
	} rx;
	char reason[IFREP_REASON_LEN + 1];

	if (ifrep_recv_msg(c, h, &rx, sizeof(rx)))
		return bw_fail(c, what);
	if (h->type == IFREP_MSG_ERROR) {
		ifrep_reason_copy(rx.error.reason, sizeof(rx.error.reason), reason,
				  sizeof(reason));
		return fail("%s: %s: the peer reports: %s", c->peer, what, reason);
	}
	if (h->type != type || h->length > size)
		return fail("%s: %s: unexpected %s of %u bytes from the peer", c->peer,
			    what, ifrep_msg_type_name(h->type), h->length);
	memcpy(buf, rx.any, h->length);
	return 0;
}

static int bw_ping(struct ifrep_conn *c, struct bw_result *res)
{
	uint8_t out[8], in[64];
	struct iovec part = { out, sizeof(out) };
	struct ifrep_hdr h;
	unsigned int i;
	double t0, rtt;
	int r;

	res->rtt_min = 1e9;
	for (i = 0; i < BW_PINGS; i++) {
		ifrep_be64 v = ifrep_put_be64(0x70696e6700000000ULL | i);

		memcpy(out, &v, sizeof(out));
		t0 = now_s();
		if (ifrep_send_msg(c, IFREP_MSG_PING, 0, i + 1, &part, 1))
			return bw_fail(c, "ping");
		r = bw_recv(c, &h, in, sizeof(in), IFREP_MSG_PONG, "ping");
		if (r)
			return r;
		rtt = now_s() - t0;
		if (h.id != i + 1 || h.length != sizeof(out) || memcmp(in, out, sizeof(out)))
			return fail("%s: ping: the reply does not match the request", c->peer);
		res->rtt_min = rtt < res->rtt_min ? rtt : res->rtt_min;
		res->rtt_max = rtt > res->rtt_max ? rtt : res->rtt_max;
		res->rtt_sum += rtt;
		res->pings++;
	}
	return 0;
}

/* BW_DATA messages, BW_INFLIGHT at a time, for @secs seconds. */
static int bw_stream(struct ifrep_conn *c, uint64_t secs, struct bw_result *res)
{
	struct ifrep_wire_ack ack;
	struct ifrep_prepared pp;
	struct ifrep_hdr h;
	uint64_t next_id = 1000, oldest = 1000, x = 0x9e3779b97f4a7c15ULL;
	unsigned int inflight = 0;
	uint8_t *payload;
	double start, end, last;
	size_t i;
	int r;

	payload = malloc(BW_MSG_BYTES);
	if (!payload)
		return fail("out of memory");
	/* incompressible contents (xorshift64), though nothing compresses today */
	for (i = 0; i < BW_MSG_BYTES; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(payload + i, &x, 8);
	}
	ifrep_prepare_payload(&pp, payload, BW_MSG_BYTES);

	start = last = now_s();
	end = start + (double)secs;
	for (;;) {
		while (inflight < BW_INFLIGHT && now_s() < end) {
			if (ifrep_send_prepared(c, IFREP_MSG_BW_DATA, 0, next_id++, &pp)) {
				r = bw_fail(c, "sending data");
				goto out;
			}
			inflight++;
		}
		if (!inflight)
			break;
		r = bw_recv(c, &h, &ack, sizeof(ack), IFREP_MSG_ACK, "waiting for acknowledgements");
		if (r)
			goto out;
		if (h.id != oldest) {
			r = fail("%s: acknowledgement for request %" PRIu64 ", expected %" PRIu64,
				 c->peer, h.id, oldest);
			goto out;
		}
		if (ifrep_get_be32(ack.status)) {
			r = fail("%s: the peer failed request %" PRIu64 ": %s", c->peer, h.id,
				 strerror((int)ifrep_get_be32(ack.status)));
			goto out;
		}
		oldest++;
		inflight--;
		res->bytes += BW_MSG_BYTES;
		last = now_s();
	}
	res->elapsed = last - start;
	r = 0;
out:
	free(payload);
	return r;
}

static void bw_print(const char *target, uint64_t secs, const struct bw_result *res,
		     bool json)
{
	double rate = res->elapsed > 0 ? (double)res->bytes / res->elapsed : 0;
	double avg = res->pings ? res->rtt_sum / res->pings : 0;
	struct json j;

	if (!json) {
		printf("%s: throughput %.1f MiB/s (%" PRIu64 " MiB in %.1f s), "
		       "rtt min/avg/max %.2f/%.2f/%.2f ms\n", target, rate / 1048576.0,
		       res->bytes >> 20, res->elapsed, res->rtt_min * 1e3, avg * 1e3,
		       res->rtt_max * 1e3);
		return;
	}
	json_begin_document(&j, stdout);
	json_string(&j, "target", target);
	json_fixed3(&j, "seconds", (uint64_t)(res->elapsed * 1e3 + 0.5));
	json_u64(&j, "requested_seconds", secs);
	json_u64(&j, "bytes", res->bytes);
	json_u64(&j, "throughput_bytes_per_s", (uint64_t)(rate + 0.5));
	json_begin_object(&j, "rtt_ms");
	json_fixed3(&j, "min", (uint64_t)(res->rtt_min * 1e6 + 0.5));
	json_fixed3(&j, "avg", (uint64_t)(avg * 1e6 + 0.5));
	json_fixed3(&j, "max", (uint64_t)(res->rtt_max * 1e6 + 0.5));
	json_end_object(&j);
	json_end_document(&j);
}

/* Checked as given, so that a bad --seconds is reported before later options. */
static int parse_seconds(const char *arg, uint64_t *secs)
{
	const char *why;

	if (ifrep_parse_duration(arg, secs, false, &why))
		return usage_error("--seconds %s: %s", arg, why);
	if (*secs > BW_MAX_SECONDS)
		return usage_error("--seconds %s: at most %d", arg, BW_MAX_SECONDS);
	return 0;
}

static const struct cli_option bandwidth_opts[] = {
	{ "seconds", 'n', CLI_VALUE, parse_seconds },
	{ "secret-file", 's', CLI_VALUE, NULL },
	{ "insecure", 'I', CLI_FLAG, NULL },
	{ "integrity-only", 'G', CLI_FLAG, NULL },
	{ "json", 'j', CLI_FLAG, NULL },
	{ NULL }
};

static int cmd_test_bandwidth(const struct cli_args *args)
{
	const char *secret_file = cli_opt(args, 's'), *why, *reason;
	struct secret secret = { 0 };
	struct bw_result res = { 0 };
	bool insecure = cli_given(args, 'I'), json = cli_given(args, 'j');
	struct ifrep_addr addr;
	struct ifrep_conn c = { .fd = -1 };
	uint64_t secs = cli_given(args, 'n') ? cli_value(args, 'n') : 5;
	char *const *pos = args->pos;
	int r;

	if (ifrep_parse_addr(pos[0], &addr, &why))
		return usage_error("%s: %s", pos[0], why);
	if (addr.unspecified)
		return usage_error("%s: cannot test an unspecified address", pos[0]);
	if (cli_given(args, 'G') && insecure)
		return usage_error("--integrity-only needs --secret-file");
	if ((r = load_secret_option(secret_file, insecure, &secret)))
		return r;

	r = ifrep_conn_open(&c, &addr, BW_CONNECT_MS);
	if (r) {
		r = fail("%s: %s", c.peer, c.why);
		goto out;
	}
	c.timeout_ms = BW_STEP_MS;
	info("connected to %s", c.peer);
	r = ifrep_client_handshake(&c, IFREP_HELLO_BWTEST |
				   (cli_given(args, 'G') ? IFREP_HELLO_INTEGRITY : 0), secret.set ? secret.buf : NULL,
				   secret.len, &reason);
	wipe_secret(&secret);
	if (r) {
		r = fail("%s: %s: %s", c.peer,
			 r == -EACCES ? "authentication failed" :
			 r == -EPROTONOSUPPORT ? "protocol version mismatch" :
			 "handshake failed", reason);
		goto out;
	}
	info("authenticated; the peer speaks protocol %u.%u; messages %s", c.peer_major,
	     c.peer_minor, !c.keyed ? "neither authenticated nor encrypted (insecure)" :
	     c.integrity_only ? "authenticated, not encrypted" : "authenticated and encrypted");
	if (!(c.features & IFREP_FEAT_BWTEST)) {
		r = fail("%s: the peer does not offer bandwidth tests", c.peer);
		goto out;
	}
	r = bw_ping(&c, &res);
	if (!r) {
		info("rtt measured; sending %u MiB messages for %" PRIu64 " s",
		     BW_MSG_BYTES >> 20, secs);
		r = bw_stream(&c, secs, &res);
	}
	if (!r)
		bw_print(c.peer, secs, &res, json);
out:
	wipe_secret(&secret);
	ifrep_conn_close(&c);
	return r;
}

const struct cli_command command_test_bandwidth = {
	.name = "test-bandwidth",
	.options = bandwidth_opts,
	.min_pos = 1, .max_pos = 1, .pos_names = "HOST:PORT",
	.handler = cmd_test_bandwidth,
	.synopsis =
		"test-bandwidth HOST:PORT [--seconds N]\n"
		"                [--secret-file FILE [--integrity-only] | --insecure] [--json]",
	.help =
		"Measure the link to a secondary volume listening on HOST:PORT: round-trip\n"
		"time (10 pings), then throughput (1 MiB messages, 8 in flight) for N seconds.\n"
		"The secondary reads and checks the data and throws it away: nothing is\n"
		"written to its volume.  It must be reachable and accept our secret.\n"
		"\n"
		"  --seconds N           how long to send data, 1 to 300 (default 5)\n"
		"  --secret-file FILE    the secondary's shared secret (required unless --insecure)\n"
		"  --insecure            no authentication (the secondary must be insecure too)\n"
		"  --integrity-only      authenticate every message but do not encrypt\n"
		"  --json                one JSON object: target, seconds, bytes,\n"
		"                        throughput_bytes_per_s, rtt_ms {min, avg, max}\n",
};
