// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_verify.c - verify: have the kernel compare a pair's target with its
 * source while the volume stays in use, and follow its progress.
 *
 * The comparison runs in the kernel and outlives this command: a timeout
 * or Ctrl-C only stops the waiting, --stop ends the verify itself.  A
 * stopped verify (stopped, interrupted, or the volume reloaded or crashed
 * meanwhile: the kernel keeps its position in the metadata) goes on where
 * it stopped; --restart starts over at the first chunk.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cmdline.h"
#include "commands.h"
#include "dm.h"
#include "json.h"
#include "msg.h"
#include "status.h"
#include "util.h"
#include "volume.h"

#define VERIFY_POLL_NS 250000000L

/* Sends "verify PAIR ACTION"; with @vs, parses the status reply into it. */
static int verify_message(const char *volume, const char *pair, const char *action,
			  struct ifrep_verify_status *vs)
{
	char msg[128], why[160], *reply = NULL;
	int r, n;

	n = snprintf(msg, sizeof(msg), "verify %s %s", pair, action);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return fail("pair name too long");
	info("message: %s", msg);
	r = ifrep_dm_message(volume, msg, false, vs ? &reply : NULL);
	if (r)
		return r;
	if (!vs)
		return 0;
	r = ifrep_parse_verify_status(reply, vs, why, sizeof(why));
	free(reply);
	if (r)
		return fail("unexpected reply to verify status: %s", why);
	return 0;
}

/* Whether the module resumes a stopped verify (and knows "restart"). */
static bool module_resumes(void)
{
	uint32_t version[3];

	return !ifrep_dm_target_version(IFREP_TARGET_NAME, version) &&
	       (version[0] > 1 ||
		(version[0] == 1 && version[1] >= IFREP_VERIFY_RESUME_VERSION_MINOR));
}

/*
 * Where "verify PAIR start" goes on from, seen before sending it: a
 * stopped run's next chunk (the kernel resumes there), else 0.
 */
static uint64_t resume_point(const struct ifrep_verify_status *before)
{
	return before->state == IFREP_VERIFY_STOPPED ? before->checked : 0;
}

static void verify_print(const char *volume, const char *pair,
			 const struct ifrep_verify_status *vs, uint64_t from, bool json)
{
	struct json j;

	if (json) {
		json_begin_document(&j, stdout);
		json_string(&j, "volume", volume);
		json_string(&j, "pair", pair);
		json_string(&j, "result", vs->state == IFREP_VERIFY_DONE ? "done" :
			    vs->state == IFREP_VERIFY_STOPPED ? "stopped" : "running");
		json_u64(&j, "checked_chunks", vs->checked);
		json_u64(&j, "total_chunks", vs->total);
		json_u64(&j, "differing_chunks", vs->differing);
		json_string(&j, "reason", vs->reason[0] ? vs->reason : NULL);
		json_u64(&j, "started_at_chunk", from);
		json_end_document(&j);
		return;
	}
	if (vs->state == IFREP_VERIFY_RUNNING)
		printf("%s: verify running: %" PRIu64 "/%" PRIu64 " chunks checked, %" PRIu64
		       " differing so far\n", pair, vs->checked, vs->total, vs->differing);
	else if (!vs->differing)
		printf("%s: %" PRIu64 " of %" PRIu64 " chunks checked, none differs"
		       " (dirty chunks are skipped: they are being copied anyway)\n",
		       pair, vs->checked, vs->total);
	else
		printf("%s: %" PRIu64 " of %" PRIu64 " chunks checked, %" PRIu64
		       " differed: marked dirty, they are copied again\n",
		       pair, vs->checked, vs->total, vs->differing);
}

static const struct cli_option verify_opts[] = {
	{ "timeout", 'T', CLI_VALUE, NULL },
	{ "no-wait", 'N', CLI_FLAG, NULL },
	{ "stop", 'X', CLI_FLAG, NULL },
	{ "restart", 'R', CLI_FLAG, NULL },
	{ "json", 'j', CLI_FLAG, NULL },
	{ NULL }
};

static int cmd_verify(const struct cli_args *args)
{
	const char *timeout = cli_opt(args, 'T'), *why;
	bool json = cli_given(args, 'j'), no_wait = cli_given(args, 'N');
	bool stop = cli_given(args, 'X'), restart = cli_given(args, 'R');
	bool tty = isatty(STDERR_FILENO), resumes;
	struct timespec poll = { 0, VERIFY_POLL_NS };
	const struct ifrep_status_pair *p;
	struct ifrep_verify_status vs, before;
	uint64_t timeout_s = 0, from = 0;
	char *const *pos = args->pos;
	struct vol v;
	double start;
	int r;

	if (timeout && ifrep_parse_duration(timeout, &timeout_s, false, &why))
		return usage_error("--timeout %s: %s", timeout, why);
	if (stop && (no_wait || timeout || restart))
		return usage_error("--stop takes no --%s",
				   no_wait ? "no-wait" : timeout ? "timeout" : "restart");
	if ((r = need_volume(pos[0], true, &v)))
		return r;
	if (v.st.role == IFREP_ROLE_SECONDARY)
		return fail("%s is a secondary volume: verify runs on its primary", v.name);
	p = ifrep_status_find_pair(&v.st, pos[1]);
	if (!p)
		return fail("%s has no pair named %s", v.name, pos[1]);

	if (stop) {
		r = verify_message(v.name, p->name, "stop", NULL);
		if (r < 0)
			return explain_msg_error(MSG_VERIFY, &v, p->name, NULL, NULL, r);
		return r;
	}
	if (p->mode == IFREP_MODE_COPY)
		return fail("pair %s is a copy: its target does not follow the source, there is nothing to verify",
			    p->name);
	if ((p->mode == IFREP_MODE_SYNC && p->state != IFREP_PS_IN_SYNC && p->state != IFREP_PS_RESYNCING) ||
	    (p->mode == IFREP_MODE_ASYNC && p->state != IFREP_PS_CONSISTENT))
		return fail("pair %s is %s: verify needs it %s", p->name, ifrep_pair_state_name(p->state),
			    p->mode == IFREP_MODE_SYNC ? "in-sync or resyncing" : "consistent");

	r = verify_message(v.name, p->name, "status", &before);
	if (r < 0)
		return explain_msg_error(MSG_VERIFY, &v, p->name, NULL, NULL, r);
	if (r)
		return r;
	resumes = module_resumes();
	if (before.state == IFREP_VERIFY_RUNNING && !(restart && resumes)) {
		from = before.checked;
		if (!json)
			printf("%s: a verify is running already, at chunk %" PRIu64 " of %" PRIu64
			       ": following it\n", p->name, before.checked, before.total);
	} else if (restart || !resumes) {
		if (!json)
			printf("%s: verify starts over at chunk 0 of %" PRIu64 "%s\n", p->name,
			       before.total, before.state == IFREP_VERIFY_RUNNING ?
			       " (the running one stops)" : "");
	} else if ((from = resume_point(&before)) != 0) {
		if (!json)
			printf("%s: resuming at chunk %" PRIu64 " of %" PRIu64 " (%" PRIu64
			       " differing so far; --restart starts over)\n", p->name, from,
			       before.total, before.differing);
	}
	/* An older module starts every verify over: its "start" is a restart. */
	r = verify_message(v.name, p->name, restart && resumes ? "restart" : "start", NULL);
	if (r < 0) {
		if (r == -EOPNOTSUPP)
			return fail("pair %s cannot be verified by this module", p->name);
		return explain_msg_error(MSG_VERIFY, &v, p->name, NULL, NULL, r);
	}
	if (r)
		return r;
	start = now_s();
	for (;;) {
		r = verify_message(v.name, p->name, "status", &vs);
		if (r < 0)
			return explain_msg_error(MSG_VERIFY, &v, p->name, NULL, NULL, r);
		if (r)
			return r;
		if (no_wait || vs.state != IFREP_VERIFY_RUNNING)
			break;
		if (timeout && now_s() - start >= (double)timeout_s) {
			if (tty && !json)
				fputc('\n', stderr);
			return fail("verify of %s still running after %" PRIu64 " s (%" PRIu64 "/%" PRIu64
				    " chunks): it goes on; 'ifrepctl verify %s %s --stop' ends it",
				    p->name, timeout_s, vs.checked, vs.total, v.name, p->name);
		}
		if (tty && !json)
			fprintf(stderr, "\rverifying %s: %" PRIu64 "/%" PRIu64 " chunks (%u%%), %" PRIu64
				" differing ", p->name, vs.checked, vs.total,
				vs.total ? (unsigned int)(vs.checked * 100 / vs.total) : 100,
				vs.differing);
		nanosleep(&poll, NULL);
	}
	if (tty && !json && !no_wait)
		fputc('\n', stderr);
	if (vs.state == IFREP_VERIFY_STOPPED) {
		if (json)
			verify_print(v.name, p->name, &vs, from, true);
		return fail("verify of %s stopped after %" PRIu64 " of %" PRIu64 " chunks: %s%s",
			    p->name, vs.checked, vs.total, vs.reason,
			    vs.differing ? " (the differing chunks it found are marked dirty)" : "");
	}
	verify_print(v.name, p->name, &vs, from, json);
	return 0;
}

const struct cli_command command_verify = {
	.name = "verify",
	.options = verify_opts,
	.min_pos = 2, .max_pos = 2, .pos_names = "NAME and PAIR",
	.checks = CHECK_POS0_VOLUME | CHECK_POS1_PAIR,
	.handler = cmd_verify,
	.synopsis =
		"verify NAME PAIR [--restart] [--timeout SEC] [--no-wait] [--json] | verify NAME PAIR --stop",
	.help =
		"Compare the pair's target with the source chunk by chunk, by CRC-32C, while\n"
		"the volume stays in use.  Chunks that differ are marked dirty, so the resync\n"
		"(sync pairs) or the next cycle (async pairs) copies them again; dirty chunks\n"
		"are skipped (they are on their way).  Runs in the kernel; this command shows\n"
		"progress and waits for the result (Ctrl-C leaves the verify running).\n"
		"The pair must be in-sync or resyncing (sync) or consistent (async).\n"
		"A verify that stopped (--stop, a pause, a lost link, the volume removed or\n"
		"crashed meanwhile) resumes at the chunk it stopped at, with what it found.\n"
		"  --restart             start over at the first chunk (a running verify stops)\n"
		"  --timeout SEC         give up waiting (exit 1); the verify goes on\n"
		"  --no-wait             start it and print its state at once\n"
		"  --stop                end a running verify (what it found stays marked)\n"
		"  --json                one JSON object: volume, pair, result, checked_chunks,\n"
		"                        total_chunks, differing_chunks, reason,\n"
		"                        started_at_chunk\n",
};
