// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_syncpoint.c - the sync points a journal keeps: sync-point list,
 * rollback, and show/hide (a read-only view of one).
 *
 * Two journals keep them: a secondary's own (the commands run on the
 * secondary, NAME alone), and the journal of an async pair to a local
 * target (on its primary, NAME PAIR; PAIR may be left out when the volume
 * has only one such pair).  The primary cuts the sync points (cmd_sync.c).
 * A local pair's target and journal are reachable only while the pair is
 * paused (or, for list, running): rollback and show need it paused.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blkdev.h"
#include "cli.h"
#include "cmdline.h"
#include "commands.h"
#include "dm.h"
#include "json.h"
#include "meta.h"
#include "msg.h"
#include "outbuf.h"
#include "status.h"
#include "util.h"
#include "volume.h"

/* Messages of rollback and show, which refuse the same way. */
#define NO_SYNC_POINT "%s has no sync point %" PRIu64 " ('ifrepctl sync-point list %s' shows them)"
#define ROLLBACK_CONNECTED \
	"%s is connected to its primary: a rollback needs it away (pause or remove its pair on the primary, or demote the primary, first)"

/*----------------------------------------------------------------
 * The journal a command addresses
 *--------------------------------------------------------------*/

struct sp_target {
	struct vol v;
	const struct ifrep_status_pair *pair;	/* NULL: the secondary's own journal */
	char label[IFREP_VOLUME_NAME_MAX + IFREP_NAME_LEN + 2];	/* NAME or NAME/PAIR */
	char words[IFREP_VOLUME_NAME_MAX + IFREP_NAME_LEN + 2];	/* NAME or NAME PAIR */
};

/* Loads NAME and picks its journal (@pair may be NULL).  0 or EXIT_FAILED. */
static int sp_resolve(const char *name, const char *pair, struct sp_target *t)
{
	char why[256];
	int r;

	if ((r = need_volume(name, true, &t->v)))
		return r;
	if (ifrep_sync_point_pair(&t->v.st, t->v.name, pair, &t->pair, why, sizeof(why)))
		return fail("%s", why);
	snprintf(t->label, sizeof(t->label), "%s%s%s", t->v.name, t->pair ? "/" : "",
		 t->pair ? t->pair->name : "");
	snprintf(t->words, sizeof(t->words), "%s%s%s", t->v.name, t->pair ? " " : "",
		 t->pair ? t->pair->name : "");
	return 0;
}

/* "VERB[ ID][ PAIR]": the pair's journal is named after the other words. */
static void sp_msg(const struct sp_target *t, const char *verb, const uint64_t *id,
		   char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s", verb);

	if (id)
		n += snprintf(buf + n, len - n, " %" PRIu64, *id);
	if (t->pair)
		snprintf(buf + n, len - n, " %s", t->pair->name);
}

/* A local pair must be paused for rollback and show.  0 or EXIT_FAILED. */
static int sp_need_paused(const struct sp_target *t, const char *what)
{
	if (!t->pair || t->pair->state == IFREP_PS_PAUSED)
		return 0;
	return fail("pair %s of %s is %s: pause it first ('ifrepctl pause %s %s'): %s", t->pair->name,
		    t->v.name, ifrep_pair_state_name(t->pair->state), t->v.name, t->pair->name, what);
}

/* The kernel's errno for a local pair's journal, explained.  EXIT_FAILED. */
static int sp_pair_error(const struct sp_target *t, const char *msg, int r)
{
	if (r == -ENODEV)
		return fail("%s has no pair named %s any more", t->v.name, t->pair->name);
	if (r == -EBUSY)
		return fail("pair %s of %s is not paused and its target is not open: pause it ('ifrepctl pause %s %s') to reach its journal",
			    t->pair->name, t->v.name, t->v.name, t->pair->name);
	if (r == -ENXIO)
		return fail("cannot open the target %s or the journal of pair %s (missing, or in use, e.g. by a 'sync-point show' view: hide it first; see dmesg)",
			    t->pair->peer, t->pair->name);
	if (r == -EINVAL)
		return fail("the kernel refused '%s' (a dm-ifrep module before target version 1.4 keeps a local pair's sync points but cannot reach them; see dmesg)",
			    msg);
	return fail("'%s' failed on %s: %s (see dmesg)", msg, t->v.name, dm_strerror(r));
}

/*----------------------------------------------------------------
 * sync-point list
 *--------------------------------------------------------------*/

/* Reads the sync points of @t's journal.  0 or EXIT_FAILED. */
static int get_sync_points(const struct sp_target *t, struct ifrep_sync_point *pts,
			   unsigned int *n)
{
	char why[256], msg[96], *reply = NULL;
	int r;

	sp_msg(t, "sync_points", NULL, msg, sizeof(msg));
	r = ifrep_dm_message(t->v.name, msg, false, &reply);
	if (r && t->pair)
		return sp_pair_error(t, msg, r);
	if (r == -ENOENT)
		return fail("%s has no journal, so it keeps no sync points (it needs 'create --journal DEV')",
			    t->v.name);
	if (r == -EINVAL)
		return fail("the kernel refused 'sync_points' (a dm-ifrep module without async cycles? see dmesg)");
	if (r)
		return fail("cannot list the sync points of %s: %s (see dmesg)", t->v.name,
			    dm_strerror(r));
	r = ifrep_parse_sync_points(reply, pts, IFREP_MAX_SYNC_POINT_LINES, n, why, sizeof(why));
	free(reply);
	if (r)
		return fail("cannot understand the kernel's list of sync points: %s", why);
	return 0;
}

static const struct cli_option sync_point_list_opts[] = {
	{ "json", 'j', CLI_FLAG, NULL },
	{ NULL }
};

static int cmd_sync_point_list(const struct cli_args *args)
{
	struct ifrep_sync_point pts[IFREP_MAX_SYNC_POINT_LINES];
	char when[32], size[32], idbuf[24];
	bool json = cli_given(args, 'j');
	unsigned int n, i;
	struct json j;
	char *const *pos = args->pos;
	struct sp_target t;
	int r, w = 2;

	if ((r = sp_resolve(pos[0], args->nr_pos > 1 ? pos[1] : NULL, &t)) ||
	    (r = get_sync_points(&t, pts, &n)))
		return r;

	if (json) {
		json_begin_document(&j, stdout);
		if (t.pair)
			json_string(&j, "pair", t.pair->name);
		else
			json_null(&j, "pair");
		json_begin_array(&j, "sync_points");
		for (i = 0; i < n; i++) {
			json_begin_object(&j, NULL);
			json_u64(&j, "id", pts[i].id);
			json_string(&j, "time", pts[i].time ?
				    ifrep_format_iso8601(pts[i].time, when, sizeof(when)) : NULL);
			json_u64(&j, "rollback_bytes", pts[i].rollback_bytes);
			json_bool(&j, "current", pts[i].current);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_end_document(&j);
		return 0;
	}
	for (i = 0; i < n; i++) {
		snprintf(idbuf, sizeof(idbuf), "%" PRIu64, pts[i].id);
		w = (int)strlen(idbuf) > w ? (int)strlen(idbuf) : w;
	}
	printf("%-*s  %-19s  %s\n", w, "ID", "CUT TIME", "ROLLBACK");
	for (i = 0; i < n; i++) {
		printf("%-*" PRIu64 "  %-19s  %s\n", w, pts[i].id,
		       pts[i].time ? ifrep_format_local_time(pts[i].time, when, sizeof(when)) : "-",
		       pts[i].current ? "current image" :
		       ifrep_format_bytes(pts[i].rollback_bytes, size, sizeof(size)));
	}
	return 0;
}

const struct cli_command command_sync_point_list = {
	.name = "sync-point list",
	.options = sync_point_list_opts,
	.min_pos = 1, .max_pos = 2, .pos_names = "NAME",
	.checks = CHECK_POS0_VOLUME | CHECK_POS1_PAIR | CHECK_NEEDS_DM,
	.handler = cmd_sync_point_list,
	.synopsis = "sync-point list NAME [PAIR] [--json]",
	.help =
		"List the sync points that a journal keeps, newest first: the current image,\n"
		"then the images it can roll back to, each with the time of its cut and the\n"
		"data a rollback to it rewrites.  On a secondary: its own journal.  On a\n"
		"primary: the journal of its async pair PAIR to a local target (PAIR may be\n"
		"left out when there is one such pair).  The pair's --sync-points says how\n"
		"many are kept.  --json prints\n"
		"{\"pair\",\"sync_points\":[{\"id\",\"time\",\"rollback_bytes\",\"current\"}]}.\n",
};

/*----------------------------------------------------------------
 * sync-point rollback
 *--------------------------------------------------------------*/

/*
 * NAME [PAIR] ID, the positionals of rollback, show and hide: *@pair NULL
 * when left out.  0 or a usage error.
 */
static int sp_positionals(const struct cli_args *args, const char **pair, uint64_t *id)
{
	const char *idarg = args->pos[args->nr_pos - 1], *why;
	int r;

	*pair = NULL;
	if (args->nr_pos == 3) {
		if ((r = check_pair_name(args->pos[1])))
			return r;
		*pair = args->pos[1];
	}
	if (ifrep_parse_u64(idarg, id, &why))
		return usage_error("sync point ID '%s': %s", idarg, why);
	return 0;
}

/*
 * What a rollback of @t to @to is about to do: what it rewrites, and the
 * newer sync points (those listed before @to) that are gone afterwards.
 */
static void rollback_plan(const struct sp_target *t, const struct ifrep_sync_point *pts,
			  const struct ifrep_sync_point *to, struct outbuf *o)
{
	const struct ifrep_sync_point *p;
	char when[32], size[32];

	if (t->pair)
		outbuf_printf(o, "would roll back the target %s of pair %s to sync point %" PRIu64,
			      t->pair->peer, t->label, to->id);
	else
		outbuf_printf(o, "would roll back the secondary %s to sync point %" PRIu64,
			      t->v.name, to->id);
	outbuf_printf(o, " (cut at %s), rewriting %s\n",
		      to->time ? ifrep_format_local_time(to->time, when, sizeof(when)) : "unknown time",
		      ifrep_format_bytes(to->rollback_bytes, size, sizeof(size)));
	outbuf_printf(o, "the newer sync points are lost:");
	for (p = pts; p < to; p++)
		outbuf_printf(o, " %" PRIu64 " (cut at %s%s)", p->id,
			      p->time ? ifrep_format_local_time(p->time, when, sizeof(when)) : "unknown time",
			      p->current ? ", the current image" : "");
	outbuf_printf(o, "\n");
	if (t->pair)
		outbuf_printf(o, "the rewritten chunks become dirty for %s, which stays paused\n",
			      t->label);
	else
		outbuf_printf(o, "what the newer cycles wrote is gone from %s (its primary sends it again with its next cycle unless %s is promoted first)\n",
			      t->v.name, t->v.name);
}

static int cmd_sync_point_rollback(const struct cli_args *args)
{
	struct ifrep_sync_point pts[IFREP_MAX_SYNC_POINT_LINES];
	const struct ifrep_sync_point *to = NULL;
	char msg[96], when[32], size[32], plan[4096];
	const char *pair;
	unsigned int n, i;
	struct sp_target t;
	struct outbuf o;
	uint64_t id;
	bool go;
	int r;

	if ((r = sp_positionals(args, &pair, &id)))
		return r;
	if ((r = sp_resolve(args->pos[0], pair, &t)) ||
	    (r = sp_need_paused(&t, "a rollback rewrites its target")) ||
	    (r = get_sync_points(&t, pts, &n)))
		return r;
	for (i = 0; i < n; i++) {
		if (pts[i].id != id)
			continue;
		/* the journal may still hold the cycles of an earlier pair */
		if (to)
			return fail("%s lists sync point %" PRIu64 " twice (its journal holds the cycles of an earlier pair too): the kernel cannot tell which one is meant",
				    t.label, id);
		to = &pts[i];
	}
	if (!to)
		return fail(NO_SYNC_POINT, t.label, id, t.words);
	if (to->current) {
		info("%s holds sync point %" PRIu64 " already", t.label, id);
		if (cli_given(args, DRY_RUN_OPT))
			printf("%s holds sync point %" PRIu64 " already: rollback would change nothing\n"
			       "dry run: nothing changed\n", t.label, id);
		return 0;
	}
	if (!t.pair && !strcmp(t.v.st.upstream, "connected"))
		return fail(ROLLBACK_CONNECTED, t.v.name);
	outbuf_init(&o, plan, sizeof(plan));
	rollback_plan(&t, pts, to, &o);
	if ((r = confirm(cli_given(args, DRY_RUN_OPT), cli_given(args, YES_OPT), true, plan,
			 &go)) || !go)
		return r;
	sp_msg(&t, "rollback", &id, msg, sizeof(msg));
	info("message: %s", msg);
	r = ifrep_dm_message(t.v.name, msg, false, NULL);
	if (r == -ENOENT)
		return fail("%s has no sync point %" PRIu64 " any more (the journal dropped it; see 'ifrepctl sync-point list %s')",
			    t.label, id, t.words);
	if (r && t.pair && r != -EIO)
		return sp_pair_error(&t, msg, r);
	if (r == -EBUSY)
		return fail(ROLLBACK_CONNECTED, t.v.name);
	if (r == -EINVAL)
		return fail("%s is not a secondary with a journal (see dmesg)", t.v.name);
	if (r)
		return fail("the rollback of %s failed: %s (see dmesg; an interrupted rollback is finished at the next activation)",
			    t.label, dm_strerror(r));
	if (t.pair) {
		printf("%s: target %s rolled back to sync point %" PRIu64 " (cut at %s), %s rewritten\n",
		       t.label, t.pair->peer, id,
		       to->time ? ifrep_format_local_time(to->time, when, sizeof(when)) : "unknown time",
		       ifrep_format_bytes(to->rollback_bytes, size, sizeof(size)));
		/* the rewritten chunks are dirty for the pair: its next cycle resends them */
		printf("%s stays paused: 'ifrepctl resume %s %s' brings %s back up to the source with its next cycle; to keep this image instead, remove the pair ('ifrepctl pair remove %s %s')\n",
		       t.label, t.v.name, t.pair->name, t.pair->peer, t.v.name, t.pair->name);
		return 0;
	}
	printf("%s: rolled back to sync point %" PRIu64 " (cut at %s), %s rewritten\n", t.v.name, id,
	       to->time ? ifrep_format_local_time(to->time, when, sizeof(when)) : "unknown time",
	       ifrep_format_bytes(to->rollback_bytes, size, sizeof(size)));
	/* the rolled-back chunks are in the local area: the primary resends them */
	warn("to keep this image, promote %s before its primary reconnects: the primary's next cycle sends the chunks rolled back here again",
	     t.v.name);
	return 0;
}

static const struct cli_option sync_point_rollback_opts[] = {
	{ "dry-run", DRY_RUN_OPT, CLI_FLAG | CLI_LONG_ONLY, NULL },
	{ "yes", YES_OPT, CLI_FLAG, NULL },
	{ NULL }
};

const struct cli_command command_sync_point_rollback = {
	.name = "sync-point rollback",
	.options = sync_point_rollback_opts,
	.min_pos = 2, .max_pos = 3, .pos_names = "NAME and ID",
	.checks = CHECK_POS0_VOLUME,
	.handler = cmd_sync_point_rollback,
	.synopsis = "sync-point rollback NAME [PAIR] ID [--dry-run] [--yes]",
	.help =
		"Make the secondary NAME, or the local target of the async pair PAIR of the\n"
		"primary NAME, hold the image of sync point ID again.  The newer sync points\n"
		"are gone afterwards.  A secondary: refused while its primary is connected\n"
		"(pause or remove its pair on the primary, or demote it, first).  A local\n"
		"pair: it must be paused; it stays paused, and 'resume' makes its next cycle\n"
		"bring the target back up to the source (remove the pair to keep the image).\n"
		"\n"
		"  --dry-run     print what would be rewritten and which sync points are lost;\n"
		"                change nothing\n"
		"  --yes, -y     do not ask on a terminal before rolling back\n",
};

/*----------------------------------------------------------------
 * sync-point show / hide
 *--------------------------------------------------------------*/

static const struct cli_option sync_point_view_opts[] = {
	{ "as", 'a', CLI_VALUE, NULL },
	{ NULL }
};

/* "NAME-spID" ("NAME-PAIR-spID") unless --as says otherwise; 0 or an exit status. */
static int view_name(const char *name, const char *pair, uint64_t id, const char *as,
		     char *out, size_t len)
{
	const char *why;
	int n, r;

	if (as) {
		if ((r = check_volume_name(as)))
			return r;
		snprintf(out, len, "%s", as);
		return 0;
	}
	n = snprintf(out, len, "%s%s%s-sp%" PRIu64, name, pair ? "-" : "", pair ? pair : "", id);
	if (n < 0 || (size_t)n >= len || !ifrep_valid_volume_name(out, &why))
		return usage_error("cannot name the view of %s: give one with --as VIEW", name);
	return 0;
}

/* The view's dm UUID: IFREP-SP-NAME-ID, or IFREP-SP-NAME:PAIR-ID for a pair's. */
static void view_uuid(const char *name, const char *pair, uint64_t id, char *out, size_t len)
{
	snprintf(out, len, "IFREP-SP-%s%s%s-%" PRIu64, name, pair ? ":" : "", pair ? pair : "",
		 id);
}

/*
 * The arguments of sync-point show and hide: NAME [PAIR] ID [--as VIEW].
 * Returns 0 with *@pair, *@id and the view's name in @view set, or the
 * exit status of a usage error.
 */
static int view_args(const struct cli_args *args, const char **pair, uint64_t *id,
		     char *view, size_t len)
{
	int r;

	if ((r = sp_positionals(args, pair, id)))
		return r;
	return view_name(args->pos[0], *pair, *id, cli_opt(args, 'a'), view, len);
}

/* The journal device of local pair @t->pair, from the metadata.  0 or EXIT_FAILED. */
static int pair_journal_path(const struct sp_target *t, char *out, size_t len)
{
	const struct ifrep_meta_pair *mp;
	struct ifrep_meta m;
	char path[256], why[256];

	ifrep_blkdev_name(t->v.meta_devt, path, sizeof(path));
	if (ifrep_meta_read(path, &m, why, sizeof(why)) != META_VALID)
		return fail("cannot read the metadata of %s on %s: %s", t->v.name, path, why);
	mp = ifrep_meta_find_pair(&m, t->pair->name);
	if (!mp || !(mp->flags & IFREP_PAIR_F_JOURNAL) || !mp->secret_file[0])
		return fail("the metadata of %s records no journal for pair %s", t->v.name,
			    t->pair->name);
	snprintf(out, len, "%s", mp->secret_file);
	return 0;
}

/*
 * A read-only device showing sync point ID: each chunk is read from the
 * journal slot that holds its content at that point, or from the data
 * device (a local pair's target) where it has not changed since.
 */
static int cmd_sync_point_show(const struct cli_args *args)
{
	struct ifrep_dm_segment *segs = NULL;
	char **params = NULL, msg[96], view[128], uuid[160], why[160], jpath[IFREP_PATH_LEN + 1];
	uint64_t id, nchunks, cs, chunk, *slot_of = NULL;
	const char *pair, *data_dev, *journal;
	char *reply = NULL;
	struct sp_target t;
	size_t n = 0, i;
	int r;

	if ((r = view_args(args, &pair, &id, view, sizeof(view))))
		return r;
	if ((r = sp_resolve(args->pos[0], pair, &t)))
		return r;
	if (t.pair) {
		/* the view opens the target and the journal: the kernel must have let them go */
		if ((r = sp_need_paused(&t, "the view reads its target and journal, which a running pair holds")) ||
		    (r = pair_journal_path(&t, jpath, sizeof(jpath))))
			return r;
		data_dev = t.pair->peer;
		journal = jpath;
	} else {
		if (!t.v.table.journal[0])
			return fail("%s is not a secondary with a journal: it has no sync points", t.v.name);
		data_dev = t.v.table.data_dev;
		journal = t.v.table.journal;
	}
	sp_msg(&t, "sync_point_map", &id, msg, sizeof(msg));
	r = ifrep_dm_message(t.v.name, msg, false, &reply);
	if (r == -ENOENT)
		return fail(NO_SYNC_POINT, t.label, id, t.words);
	if (r == -EBUSY && !t.pair)
		return fail("%s is applying a cycle right now: try again", t.v.name);
	if (r && t.pair)
		return sp_pair_error(&t, msg, r);
	if (r)
		return fail("the kernel refused 'sync_point_map': %s (see dmesg)", dm_strerror(r));

	cs = t.v.st.chunk_sectors;
	nchunks = t.v.st.total_chunks;
	slot_of = calloc(nchunks, sizeof(*slot_of));
	segs = calloc(nchunks, sizeof(*segs));
	params = calloc(nchunks, sizeof(*params));
	r = -ENOMEM;
	if (!slot_of || !segs || !params)
		goto out;
	r = ifrep_parse_sync_point_map(reply, nchunks, slot_of, why, sizeof(why));
	if (r) {
		r = fail("cannot understand the kernel's map of sync point %" PRIu64 ": %s", id, why);
		goto out;
	}
	/* Unchanged runs of chunks share one data-device segment. */
	for (chunk = 0; chunk < nchunks; chunk++) {
		uint64_t start = chunk * cs, len = start + cs > t.v.sectors ? t.v.sectors - start : cs;
		bool from_data = slot_of[chunk] == IFREP_NO_SLOT;

		if (from_data && n && !strcmp(segs[n - 1].type, "linear") &&
		    segs[n - 1].start + segs[n - 1].len == start && params[n - 1][0] == 'D') {
			segs[n - 1].len += len;
			continue;
		}
		r = asprintf(&params[n], "%c%s %" PRIu64, from_data ? 'D' : 'J',
			     from_data ? data_dev : journal,
			     from_data ? start : slot_of[chunk]);
		if (r < 0) {
			params[n] = NULL;
			r = -ENOMEM;
			goto out;
		}
		segs[n].start = start;
		segs[n].len = len;
		segs[n].type = "linear";
		n++;
	}
	for (i = 0; i < n; i++)
		segs[i].params = params[i] + 1;	/* past the D/J marker */
	view_uuid(t.v.name, pair, id, uuid, sizeof(uuid));
	r = ifrep_dm_create_readonly(view, uuid, n, segs);
	if (r == -EEXIST || r == -EBUSY) {
		r = fail(t.pair ? "a device named %s exists already, or %s's target or journal is in use (hide the other view first, or use --as NAME)" :
			 "a device named %s exists already (hide it, or use --as NAME)", view, t.label);
		goto out;
	}
	if (r) {
		r = fail("cannot create %s: %s", view, dm_strerror(r));
		goto out;
	}
	printf("/dev/mapper/%s: sync point %" PRIu64 " of %s, read-only\n", view, id, t.label);
	if (t.pair)
		warn("the view holds %s and its journal: hide it ('ifrepctl sync-point hide %s %s %" PRIu64 "') before 'ifrepctl resume %s %s', which cannot open them meanwhile",
		     t.pair->peer, t.v.name, t.pair->name, id, t.v.name, t.pair->name);
	else
		warn("the view reads unchanged chunks from %s's data device: it stays exact while no newer cycle is applied (pause the pair on the primary while you inspect it)",
		     t.v.name);
	r = 0;
out:
	for (i = 0; params && i < nchunks; i++)
		free(params[i]);
	free(params);
	free(segs);
	free(slot_of);
	free(reply);
	return r == -ENOMEM ? fail("out of memory") : r;
}

const struct cli_command command_sync_point_show = {
	.name = "sync-point show",
	.options = sync_point_view_opts,
	.min_pos = 2, .max_pos = 3, .pos_names = "NAME and ID",
	.checks = CHECK_POS0_VOLUME,
	.handler = cmd_sync_point_show,
	.synopsis = "sync-point show NAME [PAIR] ID [--as VIEW]",
	.help =
		"Expose sync point ID of the secondary NAME (or of the local async pair PAIR\n"
		"of the primary NAME) as the read-only device /dev/mapper/NAME-spID\n"
		"(NAME-PAIR-spID, or VIEW), for inspection (fsck, mount -o ro,noload).\n"
		"Chunks changed since the point are read from the journal, the others from\n"
		"the data device (the pair's target): pause the pair while you use it.\n",
};

static int cmd_sync_point_hide(const struct cli_args *args)
{
	char view[128], uuid[160];
	struct ifrep_dm_info di;
	const char *pair;
	uint64_t id;
	int r;

	if ((r = view_args(args, &pair, &id, view, sizeof(view))))
		return r;
	need_dm();
	r = ifrep_dm_info(view, &di);
	if (r == -ENXIO || (!r && !di.exists)) {
		info("no view named %s: nothing to hide", view);
		return 0;
	}
	if (r)
		return fail("cannot query %s: %s", view, dm_strerror(r));
	view_uuid(args->pos[0], pair, id, uuid, sizeof(uuid));
	if (strcmp(di.uuid, uuid))
		return fail("%s is not the view of sync point %" PRIu64 " of %s%s%s", view, id,
			    args->pos[0], pair ? "/" : "", pair ? pair : "");
	r = ifrep_dm_remove(view);
	if (r == -EBUSY)
		return fail("%s is in use: close or unmount it first", view);
	if (r)
		return fail("cannot remove %s: %s", view, dm_strerror(r));
	return 0;
}

const struct cli_command command_sync_point_hide = {
	.name = "sync-point hide",
	.options = sync_point_view_opts,
	.min_pos = 2, .max_pos = 3, .pos_names = "NAME and ID",
	.checks = CHECK_POS0_VOLUME,
	.handler = cmd_sync_point_hide,
	.synopsis = "sync-point hide NAME [PAIR] ID [--as VIEW]",
	.help = "Remove the view that 'sync-point show' made.\n",
};
