// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_syncpoint.c - the sync points a secondary keeps in its journal:
 * sync-point list, rollback, and show/hide (a read-only view of one).
 *
 * These run on the secondary; its primary cuts the sync points (see
 * cmd_sync.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmdline.h"
#include "commands.h"
#include "dm.h"
#include "json.h"
#include "msg.h"
#include "status.h"
#include "util.h"
#include "volume.h"

/* Messages of rollback and show, which refuse the same way. */
#define NO_SYNC_POINT "%s has no sync point %" PRIu64 " ('ifrepctl sync-point list %s' shows them)"
#define ROLLBACK_CONNECTED \
	"%s is connected to its primary: a rollback needs it away (pause or remove its pair on the primary, or demote the primary, first)"

/*----------------------------------------------------------------
 * sync-point list (a secondary with a journal)
 *--------------------------------------------------------------*/

/* Reads the sync points of @v (a loaded secondary).  0 or EXIT_FAILED. */
static int get_sync_points(const struct vol *v, struct ifrep_sync_point *pts, unsigned int *n)
{
	char why[256], *reply = NULL;
	int r;

	if (v->st.role == IFREP_ROLE_PRIMARY)
		return fail("%s is a primary: sync points are kept on its secondary (run this there)",
			    v->name);
	r = ifrep_dm_message(v->name, "sync_points", false, &reply);
	if (r == -ENOENT)
		return fail("%s has no journal, so it keeps no sync points (it needs 'create --journal DEV')",
			    v->name);
	if (r == -EINVAL)
		return fail("the kernel refused 'sync_points' (a dm-ifrep module without async cycles? see dmesg)");
	if (r)
		return fail("cannot list the sync points of %s: %s (see dmesg)", v->name,
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
	struct vol v;
	int r, w = 2;

	if ((r = need_volume(pos[0], true, &v)) || (r = get_sync_points(&v, pts, &n)))
		return r;

	if (json) {
		json_begin_document(&j, stdout);
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
	.min_pos = 1, .max_pos = 1, .pos_names = "NAME",
	.checks = CHECK_POS0_VOLUME | CHECK_NEEDS_DM,
	.handler = cmd_sync_point_list,
	.synopsis = "sync-point list NAME [--json]",
	.help =
		"List the sync points that the secondary NAME keeps in its journal, newest\n"
		"first: the current image, then the images it can roll back to, each with the\n"
		"time of its cut and the data a rollback to it rewrites.  The pair's\n"
		"--sync-points on the primary says how many are kept.  --json prints\n"
		"{\"sync_points\":[{\"id\",\"time\",\"rollback_bytes\",\"current\"}]}.\n",
};

/*----------------------------------------------------------------
 * sync-point rollback
 *--------------------------------------------------------------*/

static int cmd_sync_point_rollback(const struct cli_args *args)
{
	struct ifrep_sync_point pts[IFREP_MAX_SYNC_POINT_LINES];
	const struct ifrep_sync_point *to = NULL;
	char msg[48], when[32], size[32];
	const char *why;
	unsigned int n, i;
	char *const *pos = args->pos;
	struct vol v;
	uint64_t id;
	int r;

	if (ifrep_parse_u64(pos[1], &id, &why))
		return usage_error("sync point ID '%s': %s", pos[1], why);
	if ((r = need_volume(pos[0], true, &v)) || (r = get_sync_points(&v, pts, &n)))
		return r;
	for (i = 0; i < n; i++) {
		if (pts[i].id != id)
			continue;
		/* the journal may still hold the cycles of an earlier pair */
		if (to)
			return fail("%s lists sync point %" PRIu64 " twice (its journal holds the cycles of an earlier pair too): the kernel cannot tell which one is meant",
				    v.name, id);
		to = &pts[i];
	}
	if (!to)
		return fail(NO_SYNC_POINT, v.name, id, v.name);
	if (to->current) {
		info("%s holds sync point %" PRIu64 " already", v.name, id);
		return 0;
	}
	if (!strcmp(v.st.upstream, "connected"))
		return fail(ROLLBACK_CONNECTED, v.name);
	snprintf(msg, sizeof(msg), "rollback %" PRIu64, id);
	info("message: %s", msg);
	r = ifrep_dm_message(v.name, msg, false, NULL);
	if (r == -EBUSY)
		return fail(ROLLBACK_CONNECTED, v.name);
	if (r == -ENOENT)
		return fail("%s has no sync point %" PRIu64 " any more (the journal dropped it; see 'ifrepctl sync-point list %s')",
			    v.name, id, v.name);
	if (r == -EINVAL)
		return fail("%s is not a secondary with a journal (see dmesg)", v.name);
	if (r)
		return fail("the rollback of %s failed: %s (see dmesg; an interrupted rollback is finished at the next activation)",
			    v.name, dm_strerror(r));
	printf("%s: rolled back to sync point %" PRIu64 " (cut at %s), %s rewritten\n", v.name, id,
	       to->time ? ifrep_format_local_time(to->time, when, sizeof(when)) : "unknown time",
	       ifrep_format_bytes(to->rollback_bytes, size, sizeof(size)));
	/* the rolled-back chunks are in the local area: the primary resends them */
	warn("to keep this image, promote %s before its primary reconnects: the primary's next cycle sends the chunks rolled back here again",
	     v.name);
	return 0;
}

const struct cli_command command_sync_point_rollback = {
	.name = "sync-point rollback",
	.min_pos = 2, .max_pos = 2, .pos_names = "NAME and ID",
	.checks = CHECK_POS0_VOLUME,
	.handler = cmd_sync_point_rollback,
	.synopsis = "sync-point rollback NAME ID",
	.help =
		"Make the secondary NAME hold the image of sync point ID again (after a bad\n"
		"change reached it, before promoting it).  Refused while its primary is\n"
		"connected: pause or remove the pair on the primary, or demote it, first.\n"
		"The newer sync points are gone afterwards.\n",
};

/*----------------------------------------------------------------
 * sync-point show / hide
 *--------------------------------------------------------------*/

static const struct cli_option sync_point_view_opts[] = {
	{ "as", 'a', CLI_VALUE, NULL },
	{ NULL }
};

/* "NAME-spID" unless --as says otherwise; 0 or an exit status. */
static int view_name(const char *name, uint64_t id, const char *as, char *out, size_t len)
{
	const char *why;
	int n, r;

	if (as) {
		if ((r = check_volume_name(as)))
			return r;
		snprintf(out, len, "%s", as);
		return 0;
	}
	n = snprintf(out, len, "%s-sp%" PRIu64, name, id);
	if (n < 0 || (size_t)n >= len || !ifrep_valid_volume_name(out, &why))
		return usage_error("cannot name the view of %s: give one with --as VIEW", name);
	return 0;
}

/*
 * The arguments of sync-point show and hide after NAME: ID [--as VIEW].
 * Returns 0 with *@id and the view's name in @view set, or the exit
 * status of a usage error.
 */
static int view_args(const struct cli_args *args, uint64_t *id, char *view, size_t len)
{
	const char *e;

	if (ifrep_parse_u64(args->pos[1], id, &e))
		return usage_error("sync point ID '%s': %s", args->pos[1], e);
	return view_name(args->pos[0], *id, cli_opt(args, 'a'), view, len);
}

/*
 * A read-only device showing sync point ID: each chunk is read from the
 * journal slot that holds its content at that point, or from the data
 * device where it has not changed since.
 */
static int cmd_sync_point_show(const struct cli_args *args)
{
	struct ifrep_dm_segment *segs = NULL;
	char **params = NULL, msg[48], view[128], uuid[160], why[160];
	uint64_t id, nchunks, cs, chunk, *slot_of = NULL;
	char *const *pos = args->pos;
	char *reply = NULL;
	size_t n = 0, i;
	struct vol v;
	int r;

	if ((r = view_args(args, &id, view, sizeof(view))))
		return r;
	if ((r = need_volume(pos[0], true, &v)))
		return r;
	if (v.st.role != IFREP_ROLE_SECONDARY || !v.table.journal[0])
		return fail("%s is not a secondary with a journal: it has no sync points", v.name);
	snprintf(msg, sizeof(msg), "sync_point_map %" PRIu64, id);
	r = ifrep_dm_message(v.name, msg, false, &reply);
	if (r == -ENOENT)
		return fail(NO_SYNC_POINT, v.name, id, v.name);
	if (r == -EBUSY)
		return fail("%s is applying a cycle right now: try again", v.name);
	if (r)
		return fail("the kernel refused 'sync_point_map': %s (see dmesg)", dm_strerror(r));

	cs = v.st.chunk_sectors;
	nchunks = v.st.total_chunks;
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
		uint64_t start = chunk * cs, len = start + cs > v.sectors ? v.sectors - start : cs;
		bool from_data = slot_of[chunk] == IFREP_NO_SLOT;

		if (from_data && n && !strcmp(segs[n - 1].type, "linear") &&
		    segs[n - 1].start + segs[n - 1].len == start && params[n - 1][0] == 'D') {
			segs[n - 1].len += len;
			continue;
		}
		r = asprintf(&params[n], "%c%s %" PRIu64, from_data ? 'D' : 'J',
			     from_data ? v.table.data_dev : v.table.journal,
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
	snprintf(uuid, sizeof(uuid), "IFREP-SP-%s-%" PRIu64, v.name, id);
	r = ifrep_dm_create_readonly(view, uuid, n, segs);
	if (r == -EEXIST || r == -EBUSY) {
		r = fail("a device named %s exists already (hide it, or use --as NAME)", view);
		goto out;
	}
	if (r) {
		r = fail("cannot create %s: %s", view, dm_strerror(r));
		goto out;
	}
	printf("/dev/mapper/%s: sync point %" PRIu64 " of %s, read-only\n", view, id, v.name);
	warn("the view reads unchanged chunks from %s's data device: it stays exact while no newer cycle is applied (pause the pair on the primary while you inspect it)",
	     v.name);
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
	.min_pos = 2, .max_pos = 2, .pos_names = "NAME and ID",
	.checks = CHECK_POS0_VOLUME,
	.handler = cmd_sync_point_show,
	.synopsis = "sync-point show NAME ID [--as VIEW]",
	.help =
		"Expose sync point ID of the secondary NAME as the read-only device\n"
		"/dev/mapper/NAME-spID (or VIEW), for inspection (fsck, mount -o ro,noload).\n"
		"Chunks changed since the point are read from the journal, the others from\n"
		"the data device: pause the pair on the primary while you use it.\n",
};

static int cmd_sync_point_hide(const struct cli_args *args)
{
	char view[128], uuid[160];
	struct ifrep_dm_info di;
	char *const *pos = args->pos;
	uint64_t id;
	int r;

	if ((r = view_args(args, &id, view, sizeof(view))))
		return r;
	need_dm();
	r = ifrep_dm_info(view, &di);
	if (r == -ENXIO || (!r && !di.exists)) {
		info("no view named %s: nothing to hide", view);
		return 0;
	}
	if (r)
		return fail("cannot query %s: %s", view, dm_strerror(r));
	snprintf(uuid, sizeof(uuid), "IFREP-SP-%s-%" PRIu64, pos[0], id);
	if (strcmp(di.uuid, uuid))
		return fail("%s is not the view of sync point %" PRIu64 " of %s", view, id, pos[0]);
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
	.min_pos = 2, .max_pos = 2, .pos_names = "NAME and ID",
	.checks = CHECK_POS0_VOLUME,
	.handler = cmd_sync_point_hide,
	.synopsis = "sync-point hide NAME ID [--as VIEW]",
	.help = "Remove the view that 'sync-point show' made.\n",
};
