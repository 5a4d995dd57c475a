// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_resize.c - ifrepctl resize: grow a volume online after its data
 * device grew.
 *
 * Two steps, because the kernel's "resize <sectors>" message (target 1.9)
 * grows the volume, its bitmaps and its metadata but not the dm table:
 * the message first, then the live table reloaded with the new length and
 * resumed (writes wait only for that table swap).  The message is
 * idempotent, so a reload that failed is finished by running the command
 * again.  Everything the kernel would refuse for a reason ifrepctl can see
 * (shrinking, a data device or local target too small, bitmap areas too
 * small) is refused before the message, and nothing changes.
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
#include "meta.h"
#include "outbuf.h"
#include "resize.h"
#include "util.h"
#include "volume.h"

#define OPT_SIZE 's'

static const struct cli_option resize_opts[] = {
	{ "size", OPT_SIZE, CLI_VALUE, NULL },
	{ "dry-run", DRY_RUN_OPT, CLI_FLAG | CLI_LONG_ONLY, NULL },
	{ NULL }
};

/* Whether the loaded module knows "resize" (target 1.9). */
static int check_module(void)
{
	uint32_t version[3];
	int r = ifrep_dm_target_version(IFREP_TARGET_NAME, version);

	if (r == -ENOENT)
		return fail("the kernel has no ifrep target (load the module: modprobe dm-ifrep)");
	if (r)
		return fail("cannot read the ifrep target's version: %s", dm_strerror(r));
	if (version[0] == 1 && version[1] < IFREP_RESIZE_VERSION_MINOR)
		return fail("the loaded dm-ifrep module (target %u.%u.%u) cannot resize a volume: it needs target 1.%d.0",
			    version[0], version[1], version[2], IFREP_RESIZE_VERSION_MINOR);
	return 0;
}

/* The path of a table device ("M:m" in the table), or an error. */
static int device_path(const char *what, dev_t devt, char *path, size_t len)
{
	ifrep_blkdev_name(devt, path, len);
	if (path[0] != '/')
		return fail("cannot find the %s device %s in /dev", what, path);
	return 0;
}

/*
 * Every local pair's target must hold the new size (the kernel refuses
 * with ENOSPC too, but only names the pair in its log).  A finished copy
 * has let its target go.
 */
static int check_local_targets(const struct vol *v, uint64_t sectors)
{
	const struct ifrep_status_pair *p;
	char why[512], a[32], b[32];
	uint64_t bytes;
	unsigned int i;

	for (i = 0; i < v->st.nr_pairs; i++) {
		p = &v->st.pairs[i];
		if (p->peer[0] != '/' || p->state == IFREP_PS_DONE)
			continue;
		if (ifrep_blkdev_size(p->peer, &bytes, why, sizeof(why)))
			return fail("pair %s: %s", p->name, why);
		if (bytes < sectors << 9)
			return fail("pair %s: its target %s (%s) is smaller than %s: grow it first",
				    p->name, p->peer, ifrep_format_bytes_exact(bytes, a, sizeof(a)),
				    ifrep_format_bytes_exact(sectors << 9, b, sizeof(b)));
	}
	return 0;
}

/*
 * The largest size the metadata's bitmap areas hold, and what its
 * superblock records as the data size (more than the table's length when
 * an earlier resize's reload failed).  0, 0 when it cannot be read: then
 * the kernel alone checks.
 */
static void read_meta_limits(const struct vol *v, uint64_t *max_sectors, uint64_t *meta_sectors)
{
	struct ifrep_meta m;
	char path[256], why[256];

	*max_sectors = *meta_sectors = 0;
	ifrep_blkdev_name(v->meta_devt, path, sizeof(path));
	if (path[0] != '/' || ifrep_meta_read(path, &m, why, sizeof(why)) != META_VALID) {
		info("cannot read the metadata of %s: the kernel checks the bitmap areas alone",
		     v->name);
		return;
	}
	*max_sectors = ifrep_resize_max_sectors(m.bitmap_blocks, m.chunk_sectors);
	*meta_sectors = m.data_sectors;
}

static int explain_resize_error(const struct vol *v, uint64_t sectors, int r)
{
	struct ifrep_dm_info di;
	char sz[32];

	ifrep_format_bytes_exact(sectors << 9, sz, sizeof(sz));
	switch (-r) {
	case ENOSPC:
		return fail("a device of %s is smaller than %s: its data device or a local pair's target (dmesg names it): grow it first",
			    v->name, sz);
	case EFBIG:
		return fail("%s needs more chunks than the bitmap areas of the metadata of %s hold (they were laid out for its size at creation): a larger volume needs new metadata (see dmesg)",
			    sz, v->name);
	case EBUSY:
		if (!ifrep_dm_info(v->name, &di) && di.suspended)
			return fail("%s is suspended: resume it first", v->name);
		return fail("%s is busy: a copy pair is copying, an async cycle is being shipped or applied, or a verify runs; try again when it is done (see dmesg)",
			    v->name);
	case EINVAL:
		return fail("the kernel refused to resize %s to %s (see dmesg)", v->name, sz);
	case EROFS:
		return fail("%s is read-only: its metadata failed (see dmesg)", v->name);
	case ENXIO:
		return fail("no volume named %s", v->name);
	default:
		return fail("%s (see dmesg)", dm_strerror(r));
	}
}

/* The message succeeded: the table follows, with the live table's parameters. */
static int reload_table(const struct vol *v, const struct ifrep_dm_target *t, uint64_t sectors)
{
	struct ifrep_dm_info di;
	int r;

	info("reload: 0 %" PRIu64 " %s %s", sectors, t->type, t->params);
	r = ifrep_dm_reload(v->name, sectors, t->type, t->params);
	if (r)
		return fail("%s was resized in the kernel and its metadata, but loading its table with the new length failed: %s (see dmesg); run 'ifrepctl resize %s' again to finish",
			    v->name, dm_strerror(r), v->name);
	r = ifrep_dm_resume(v->name);
	if (r) {
		/* a resume that failed may leave the device suspended: writes wait */
		bool suspended = !ifrep_dm_info(v->name, &di) && di.suspended;

		return fail("%s was resized in the kernel and its metadata, but resuming it with the new table failed: %s (see dmesg)%s; run 'ifrepctl resize %s' again to finish",
			    v->name, dm_strerror(r),
			    suspended ? "; it is suspended, writes wait" : "", v->name);
	}
	return 0;
}

/* What happened, on stdout. */
static void report(const struct vol *before, const struct ifrep_resize_plan *p)
{
	const struct ifrep_status_pair *sp;
	/* from the table's length: a rerun after a failed reload counts them too */
	uint64_t added = p->marked_chunks;
	char a[32], b[32];
	unsigned int i;

	printf("%s: grown from %s to %s", before->name,
	       ifrep_format_bytes_exact(p->old_sectors << 9, a, sizeof(a)),
	       ifrep_format_bytes_exact(p->new_sectors << 9, b, sizeof(b)));
	if (before->st.role == IFREP_ROLE_SECONDARY)
		printf(" (its primary can grow to %s now)\n", b);
	else if (before->st.nr_pairs)
		printf(" (%" PRIu64 " chunk%s marked for every pair)\n", added,
		       added == 1 ? "" : "s");
	else
		putchar('\n');
	for (i = 0; i < before->st.nr_pairs; i++) {
		sp = &before->st.pairs[i];
		if (sp->peer[0] == '/' || sp->state == IFREP_PS_DONE)
			continue;
		printf("%s: pair %s: the secondary at %s must be grown to at least %s too (there: ifrepctl resize); until it is, the pair waits with reason secondary_smaller\n",
		       before->name, sp->name, sp->peer, b);
	}
}

static int cmd_resize(const struct cli_args *args)
{
	const char *size = cli_opt(args, OPT_SIZE), *why;
	bool dry_run = cli_given(args, DRY_RUN_OPT), go;
	uint64_t want = 0, data_bytes, max_sectors, meta_sectors;
	char data_path[256], msg[64], sz[32], sz2[32], reason[512], text[2048];
	struct ifrep_resize_plan plan;
	struct ifrep_dm_target t;
	struct outbuf ob;
	struct vol v;
	int r;

	if (size && ifrep_resize_parse_size(size, &want, &why))
		return usage_error("--size %s: %s", size, why);

	if ((r = need_volume(args->pos[0], true, &v)))
		return r;
	if ((r = device_path("data", v.data_devt, data_path, sizeof(data_path))))
		return r;
	if (ifrep_blkdev_size(data_path, &data_bytes, reason, sizeof(reason)))
		return fail("%s", reason);
	if (!size)
		want = data_bytes >> 9;
	else if (want > data_bytes >> 9)
		return fail("the data device %s of %s is %s, smaller than %s: grow it first",
			    data_path, v.name, ifrep_format_bytes_exact(data_bytes, sz, sizeof(sz)),
			    ifrep_format_bytes_exact(want << 9, sz2, sizeof(sz2)));

	read_meta_limits(&v, &max_sectors, &meta_sectors);
	r = ifrep_resize_plan(v.sectors, want, v.st.chunk_sectors, max_sectors, &plan,
			      reason, sizeof(reason));
	if (r < 0)
		return fail("%s", reason);
	/* An earlier run's message went through and its reload did not. */
	if (meta_sectors > v.sectors && want < meta_sectors)
		return fail("shrinking is not supported: the metadata of %s records %s already (an earlier resize whose table reload failed: run 'ifrepctl resize %s --size %" PRIu64 "')",
			    v.name, ifrep_format_bytes_exact(meta_sectors << 9, sz, sizeof(sz)),
			    v.name, meta_sectors << 9);
	if (r == RESIZE_SAME) {
		printf("%s: already %s\n", v.name, ifrep_format_bytes_exact(want << 9, sz, sizeof(sz)));
		return 0;
	}
	if ((r = check_local_targets(&v, want)))
		return r;
	if ((r = check_module()))
		return r;

	ifrep_msg_resize(want, msg, sizeof(msg));
	r = ifrep_dm_get(v.name, false, &t);
	if (r)
		return fail("cannot read the table of %s: %s", v.name, dm_strerror(r));
	outbuf_init(&ob, text, sizeof(text));
	outbuf_printf(&ob, "would send %s the message: %s\n", v.name, msg);
	outbuf_printf(&ob, "would load the table of %s: 0 %" PRIu64 " %s %s\n", v.name, want,
		      t.type, t.params);
	outbuf_printf(&ob, "would resume %s (writes wait only for the table swap)\n", v.name);
	r = confirm(dry_run, false, false, text, &go);
	if (r || !go)
		goto out;

	info("message: %s", msg);
	r = ifrep_dm_message(v.name, msg, false, NULL);
	if (r) {
		r = explain_resize_error(&v, want, r);
		goto out;
	}
	r = reload_table(&v, &t, want);
	if (!r)
		report(&v, &plan);
out:
	ifrep_dm_target_free(&t);
	return r;
}

const struct cli_command command_resize = {
	.name = "resize",
	.options = resize_opts,
	.min_pos = 1, .max_pos = 1, .pos_names = "NAME",
	.checks = CHECK_POS0_VOLUME,
	.handler = cmd_resize,
	.synopsis = "resize NAME [--size SIZE] [--dry-run]",
	.help =
		"Grow the volume NAME online after its data device grew: the volume, its\n"
		"bitmaps and its metadata grow, the new area is marked for every pair (sync\n"
		"pairs resync it, async pairs ship it with their next cycle), then the table is\n"
		"reloaded with the new length (writes wait only for that table swap).\n"
		"Grow a remote pair's secondary first: until it is as large, the pair waits\n"
		"(disconnected, reason secondary_smaller) and reconnects by itself after.\n"
		"Shrinking is refused.  Needs target version 1.9.0.\n"
		"\n"
		"  --size SIZE           the new size (K, M, G, T; a multiple of 512 bytes);\n"
		"                        default: the size of the data device\n"
		"  --dry-run             print the message and the table it would load\n",
};
