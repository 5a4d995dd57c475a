// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_role.c - the commands that change which side of a replication is
 * the primary: promote, demote, and resolve (after a split brain).
 *
 * What would lose data without a word is refused (promoting a secondary
 * that is connected to its primary, demoting a volume that is open);
 * --force is the administrator saying that the loss is intended.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmdline.h"
#include "commands.h"
#include "dm.h"
#include "outbuf.h"
#include "secret.h"
#include "status.h"
#include "util.h"
#include "volume.h"

/*----------------------------------------------------------------
 * promote / demote / resolve
 *--------------------------------------------------------------*/

/* Said when we see the connection, and when the kernel does (EBUSY). */
#define CONNECTED_TO_PRIMARY \
	"%s is connected to its primary: demote the primary first (or use --force if it is really gone)"

static const struct cli_option promote_opts[] = {
	{ "force", 'f', CLI_FLAG, NULL },
	{ "dry-run", DRY_RUN_OPT, CLI_FLAG | CLI_LONG_ONLY, NULL },
	{ "yes", YES_OPT, CLI_FLAG, NULL },
	{ NULL }
};

/*
 * What promote is about to do, and what of it --force overrides: the
 * refusals below, in the kernel's words.  Returns whether it overrides any.
 */
static bool promote_plan(const struct vol *v, bool force, struct outbuf *o)
{
	bool connected = !strcmp(v->st.upstream, "connected");
	bool incomplete = v->st.image == IMAGE_INCONSISTENT;

	outbuf_printf(o, "would promote %s: the secondary becomes the primary, read-write at once, with a new data generation (generation now %016llx)\n",
		      v->name, (unsigned long long)v->st.generation);
	if (force && connected)
		outbuf_printf(o, "--force overrides: %s is connected to its primary (upstream=connected): that primary is dropped and there are two primaries until one is demoted\n",
			      v->name);
	if (force && incomplete)
		outbuf_printf(o, "--force overrides: %s does not hold a complete image (image=inconsistent): it becomes the primary with incomplete data, and records no parent generation, so its old primary can later only be overwritten as a whole\n",
			      v->name);
	if (force && !connected && !incomplete)
		outbuf_printf(o, "--force overrides nothing: %s is not connected to a primary and holds a complete image\n",
			      v->name);
	return force && (connected || incomplete);
}

static int cmd_promote(const struct cli_args *args)
{
	bool force = cli_given(args, 'f'), go, overrides;
	char *const *pos = args->pos;
	char plan[1024];
	struct outbuf o;
	struct vol v;
	int r;

	if ((r = load_volume(pos[0], true, &v)))
		return r;
	if (v.st.role == IFREP_ROLE_PRIMARY) {
		info("%s is a primary already", v.name);
		if (cli_given(args, DRY_RUN_OPT))
			printf("%s is a primary already: promote would change nothing\n"
			       "dry run: nothing changed\n", v.name);
		return 0;
	}
	if (!force && !strcmp(v.st.upstream, "connected"))
		return fail(CONNECTED_TO_PRIMARY, v.name);
	if (!force && v.st.image == IMAGE_INCONSISTENT && cli_given(args, DRY_RUN_OPT))
		return fail("%s does not hold a complete image (its resync was interrupted): --force uses it anyway",
			    v.name);
	outbuf_init(&o, plan, sizeof(plan));
	overrides = promote_plan(&v, force, &o);
	if ((r = confirm(cli_given(args, DRY_RUN_OPT), cli_given(args, YES_OPT), overrides,
			 plan, &go)) || !go)
		return r;
	r = ifrep_dm_message(v.name, force ? "promote force" : "promote", false, NULL);
	if (r == -EBUSY)
		return fail(CONNECTED_TO_PRIMARY, v.name);
	if (r == -EINVAL)
		return fail("%s does not hold a complete image (its resync was interrupted): --force uses it anyway (see dmesg)",
			    v.name);
	if (r == -ENOTRECOVERABLE)
		return fail("cannot promote %s: an async cycle left half applied could not be rolled back: check the journal device (see dmesg)",
			    v.name);
	if (r)
		return fail("cannot promote %s: %s (see dmesg)", v.name, dm_strerror(r));
	if (!load_volume(pos[0], true, &v))
		printf("%s is now the primary (generation %016llx)\n", v.name,
		       (unsigned long long)v.st.generation);
	return 0;
}

const struct cli_command command_promote = {
	.name = "promote",
	.options = promote_opts,
	.min_pos = 1, .max_pos = 1, .pos_names = "NAME",
	.checks = CHECK_POS0_VOLUME | CHECK_NEEDS_DM,
	.handler = cmd_promote,
	.synopsis = "promote NAME [--force] [--dry-run] [--yes]",
	.help =
		"Make the secondary NAME the primary (failover): it becomes read-write at once\n"
		"and records its changes from then on, so that the old primary can later be\n"
		"synced back by differences only.  Refused while its primary is connected, or\n"
		"when it does not hold a complete image; --force overrides both.\n"
		"\n"
		"  --force       promote although a primary is connected or the image is incomplete\n"
		"  --dry-run     print what would be done (and what --force overrides); change nothing\n"
		"  --yes, -y     do not ask on a terminal before --force overrides a refusal\n",
};

static const struct cli_option demote_opts[] = {
	{ "listen", 'l', CLI_VALUE, NULL },
	{ "secret-file", 's', CLI_VALUE, NULL },
	{ "insecure", 'I', CLI_FLAG, NULL },
	{ "force", 'f', CLI_FLAG, NULL },
	{ NULL }
};

static int cmd_demote(const struct cli_args *args)
{
	const char *listen = cli_opt(args, 'l'), *secret_file = cli_opt(args, 's'), *why;
	struct secret secret = { 0 };
	bool insecure = cli_given(args, 'I'), force = cli_given(args, 'f');
	struct ifrep_addr addr;
	char listen_buf[IFREP_ADDR_LEN], msg[IFREP_ADDR_LEN + 32];
	char *const *pos = args->pos;
	struct vol v;
	int r;

	if (!listen)
		return usage_error("missing --listen ADDR:PORT (where the new primary will connect)");
	if (ifrep_parse_addr(listen, &addr, &why))
		return usage_error("--listen %s: %s", listen, why);
	ifrep_format_addr(&addr, listen_buf, sizeof(listen_buf));
	if ((r = load_secret_option(secret_file, insecure, &secret)))
		return r;

	need_dm();
	if ((r = load_volume(pos[0], true, &v)))
		goto out;
	if (v.st.role == IFREP_ROLE_SECONDARY) {
		info("%s is a secondary already", v.name);
		r = 0;
		goto out;
	}
	if (v.info.open_count > 0 && !force) {
		r = fail("%s is open (open count %d): unmount or close it first, or use --force (its writers then get I/O errors)",
			 v.name, v.info.open_count);
		goto out;
	}
	snprintf(msg, sizeof(msg), "demote %s%s", listen_buf, insecure ? " insecure" : "");
	r = ifrep_dm_message(v.name, msg, false, NULL);
	if (r) {
		r = fail("cannot demote %s: %s (see dmesg)", v.name, dm_strerror(r));
		goto out;
	}
	r = hand_over_secret(v.name, NULL, &secret,
			     "%s is a secondary now, but its listen secret was not taken", v.name);
	if (r)
		goto out;
	printf("%s is now a secondary, listening on %s\n", v.name, listen_buf);
	r = 0;
out:
	wipe_secret(&secret);
	return r;
}

const struct cli_command command_demote = {
	.name = "demote",
	.options = demote_opts,
	.min_pos = 1, .max_pos = 1, .pos_names = "NAME",
	.checks = CHECK_POS0_VOLUME,
	.handler = cmd_demote,
	.synopsis = "demote NAME --listen ADDR:PORT (--secret-file FILE | --insecure) [--force]",
	.help =
		"Make the primary NAME a secondary: host writes are refused from now on, the\n"
		"writes in flight finish and are flushed, its pairs are removed (what they had\n"
		"not replicated is remembered), and it listens for its new primary.  Refused\n"
		"while the device is open, unless --force (open writers then get I/O errors).\n",
};

static const struct cli_option resolve_opts[] = {
	{ "discard-local", 'L', CLI_FLAG, NULL },
	{ "discard-remote", 'R', CLI_FLAG, NULL },
	{ "dry-run", DRY_RUN_OPT, CLI_FLAG | CLI_LONG_ONLY, NULL },
	{ "yes", YES_OPT, CLI_FLAG, NULL },
	{ NULL }
};

/*
 * What resolve is about to discard, from the status: the secondary's own
 * changes, or those of PAIR's peer.  The checks the kernel makes (a
 * secondary for --discard-local, a primary with a remote PAIR for
 * --discard-remote) are made here first, with the kernel's refusals.
 */
static int resolve_plan(const struct vol *v, bool local, const char *pair, struct outbuf *o)
{
	const struct ifrep_status_pair *p;

	if (local) {
		if (v->st.role != IFREP_ROLE_SECONDARY)
			return fail("%s: --discard-local is run on the secondary, --discard-remote on the primary",
				    v->name);
		outbuf_printf(o, "would discard the changes the secondary %s made since the split: its primary overwrites the chunks changed on either side when it attaches again (within 5 seconds; upstream=%s now)\n",
			      v->name, v->st.upstream[0] ? v->st.upstream : "-");
		return 0;
	}
	if (v->st.role != IFREP_ROLE_PRIMARY)
		return fail("%s: --discard-local is run on the secondary, --discard-remote on the primary",
			    v->name);
	p = ifrep_status_find_pair(&v->st, pair);
	if (!p || p->peer[0] == '/')
		return fail("%s has no remote pair named %s", v->name, pair);
	outbuf_printf(o, "would discard the changes of %s, the peer of pair %s of %s, since the split: ",
		      p->peer, p->name, v->name);
	if (!strcmp(p->reason, "unrelated_data"))
		outbuf_printf(o, "the pair attaches again and copies the whole volume over it (reason unrelated_data)\n");
	else
		outbuf_printf(o, "the pair attaches again and overwrites the chunks changed on either side\n");
	if (p->state != IFREP_PS_SPLIT_BRAIN)
		outbuf_printf(o, "note: pair %s is %s, not split-brain: the discard is remembered until its next attach uses it\n",
			      p->name, ifrep_pair_state_name(p->state));
	return 0;
}

/* PAIR is checked after the sides: which side was meant decides the error. */
static int cmd_resolve(const struct cli_args *args)
{
	bool local = cli_given(args, 'L'), remote = cli_given(args, 'R'), go;
	bool dry_run = cli_given(args, DRY_RUN_OPT);
	const char *pos[2] = { cli_pos(args, 0), cli_pos(args, 1) };
	char msg[IFREP_NAME_LEN + 32], plan[1024];
	struct outbuf o;
	struct vol v;
	int r;

	if (local == remote)
		return usage_error("say whose changes go: --discard-local or --discard-remote");
	if (local && pos[1])
		return usage_error("--discard-local takes no PAIR: it is run on the secondary");
	if (remote && !pos[1])
		return usage_error("--discard-remote needs the PAIR whose peer's changes go");
	if (pos[1] && (r = check_pair_name(pos[1])))
		return r;
	need_dm();
	if ((r = load_volume(pos[0], true, &v)))
		return r;
	/*
	 * The plan's checks are the kernel's: made here only when there is a
	 * plan to show, so that a plain run keeps the kernel's refusals.
	 */
	if (dry_run || (!cli_given(args, YES_OPT) && isatty(STDIN_FILENO) &&
			isatty(STDOUT_FILENO))) {
		outbuf_init(&o, plan, sizeof(plan));
		if ((r = resolve_plan(&v, local, pos[1], &o)))
			return r;
		if ((r = confirm(dry_run, cli_given(args, YES_OPT), true, plan, &go)) || !go)
			return r;
	}
	if (local)
		snprintf(msg, sizeof(msg), "resolve discard-local");
	else
		snprintf(msg, sizeof(msg), "resolve %s discard-remote", pos[1]);
	r = ifrep_dm_message(v.name, msg, false, NULL);
	if (r == -ENOENT)
		return fail("%s has no remote pair named %s", v.name, pos[1]);
	if (r == -EINVAL)
		return fail("%s: --discard-local is run on the secondary, --discard-remote on the primary (see dmesg)",
			    v.name);
	if (r)
		return fail("cannot resolve: %s (see dmesg)", dm_strerror(r));
	return 0;
}

const struct cli_command command_resolve = {
	.name = "resolve",
	.options = resolve_opts,
	.min_pos = 1, .max_pos = 2, .pos_names = "NAME",
	.checks = CHECK_POS0_VOLUME,
	.handler = cmd_resolve,
	.synopsis = "resolve NAME (--discard-local | PAIR --discard-remote) [--dry-run] [--yes]",
	.help =
		"Resolve a split brain (both sides wrote after they split).  On the secondary,\n"
		"--discard-local lets its changes be overwritten; on the primary,\n"
		"PAIR --discard-remote does the same for the peer of PAIR.  The pair then\n"
		"resyncs the chunks changed on either side.\n"
		"\n"
		"  --dry-run     print whose changes would be discarded; change nothing\n"
		"  --yes, -y     do not ask on a terminal before discarding\n",
};
