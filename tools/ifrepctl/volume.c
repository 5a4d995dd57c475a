// SPDX-License-Identifier: GPL-2.0
/*
 * volume.c - reading dm-ifrep volumes back from the kernel, checking the
 * devices a command is given, and explaining the kernel's errno for the
 * messages sent to a volume (see volume.h).
 *
 * The kernel's table and status are the truth about an active volume:
 * commands compare what they are asked against them, which is what makes
 * them idempotent.
 */
#include "volume.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blkdev.h"
#include "cli.h"
#include "meta.h"
#include "util.h"

int device_arg(const char *what, const char *path, char *out, size_t len, dev_t *rdev)
{
	char why[PATH_MAX + 64], real[PATH_MAX];
	int r;

	r = ifrep_blkdev_check(path, rdev, why, sizeof(why));
	if (r)
		return fail("%s: %s", what, why);
	if (path[0] != '/') {
		if (!realpath(path, real))
			return fail("%s: cannot resolve %s: %s", what, path, strerror(errno));
		path = real;
	}
	if (ifrep_has_space(path))
		return fail("%s: the path %s holds blanks, which a device-mapper table cannot carry",
			    what, path);
	if (strlen(path) >= len || strlen(path) >= IFREP_PATH_LEN)
		return fail("%s: the path %s is longer than %d characters", what, path,
			    IFREP_PATH_LEN - 1);
	snprintf(out, len, "%s", path);
	return 0;
}

/* Why a device is not ours, for messages. */
static int not_ifrep(const char *name, const struct ifrep_dm_target *t)
{
	if (t->count != 1)
		return fail("%s is not a dm-ifrep volume (its table has %u targets)",
			    name, t->count);
	return fail("%s is not a dm-ifrep volume (its target is %s)", name, t->type);
}

int load_volume(const char *name, bool with_status, struct vol *v)
{
	struct ifrep_dm_target t;
	char why[256];
	int r;

	memset(v, 0, sizeof(*v));
	v->name = name;
	need_dm();
	r = ifrep_dm_info(name, &v->info);
	if (r)
		return fail("cannot query %s: %s", name, dm_strerror(r));
	if (!v->info.exists)
		return -ENXIO;
	r = ifrep_dm_get(name, false, &t);
	if (r == -ENXIO)
		return -ENXIO;
	if (r)
		return fail("cannot read the table of %s: %s", name, dm_strerror(r));
	if (t.count != 1 || strcmp(t.type, IFREP_TARGET_NAME)) {
		r = not_ifrep(name, &t);
		ifrep_dm_target_free(&t);
		return r;
	}
	v->sectors = t.length;
	r = ifrep_table_parse(t.params, &v->table, why, sizeof(why));
	ifrep_dm_target_free(&t);
	if (r)
		return fail("cannot understand the table of %s: %s", name, why);
	if (ifrep_blkdev_token_devt(v->table.meta_dev, &v->meta_devt) ||
	    ifrep_blkdev_token_devt(v->table.data_dev, &v->data_devt))
		return fail("cannot identify the devices of %s (%s, %s)", name,
			    v->table.meta_dev, v->table.data_dev);
	if (!with_status)
		return 0;

	r = ifrep_dm_get(name, true, &t);
	if (r == -ENXIO)
		return -ENXIO;
	if (r)
		return fail("cannot read the status of %s: %s", name, dm_strerror(r));
	r = ifrep_status_parse(t.params, &v->st, why, sizeof(why));
	ifrep_dm_target_free(&t);
	if (r)
		return fail("cannot understand the status of %s: %s", name, why);
	v->have_status = true;
	return 0;
}

int need_volume(const char *name, bool with_status, struct vol *v)
{
	int r = load_volume(name, with_status, v);

	if (r == -ENXIO)
		return fail("no volume named %s", name);
	return r;
}

/* The device numbers of an ifrep volume's table, quietly (@journal 0: none). */
static bool volume_devts(const char *name, dev_t *meta, dev_t *data, dev_t *journal)
{
	struct ifrep_dm_target t;
	struct ifrep_table tbl;
	char why[128];
	bool ok;

	if (ifrep_dm_get(name, false, &t))
		return false;
	ok = t.count == 1 && !strcmp(t.type, IFREP_TARGET_NAME) &&
	     !ifrep_table_parse(t.params, &tbl, why, sizeof(why)) &&
	     !ifrep_blkdev_token_devt(tbl.meta_dev, meta) &&
	     !ifrep_blkdev_token_devt(tbl.data_dev, data);
	*journal = 0;
	if (ok && tbl.journal[0] && ifrep_blkdev_token_devt(tbl.journal, journal))
		*journal = 0;
	ifrep_dm_target_free(&t);
	return ok;
}

bool devt_used_by_volume(dev_t devt, char *who, size_t len)
{
	char **names;
	size_t n, i;
	dev_t meta, data, journal;
	bool used = false;

	if (ifrep_dm_list(IFREP_TARGET_NAME, &names, &n))
		return false;
	for (i = 0; i < n && !used; i++) {
		if (volume_devts(names[i], &meta, &data, &journal) &&
		    (meta == devt || data == devt || (journal && journal == devt))) {
			snprintf(who, len, "%s", names[i]);
			used = true;
		}
	}
	ifrep_dm_list_free(names, n);
	return used;
}

int explain_msg_error(enum msg_kind kind, const struct vol *v,
		      const char *pair, const char *peer, const char *mode, int r)
{
	struct ifrep_dm_info di;

	switch (-r) {
	case EEXIST:
		if (kind == MSG_PAIR_ADD)
			return fail("a pair named %s exists on %s, or %s is the target of another pair",
				    pair, v->name, peer);
		break;
	case ENOSPC:
		if (kind == MSG_PAIR_ADD)
			return fail("%s has %d pairs already: a volume has at most %d pairs",
				    v->name, IFREP_MAX_PAIRS, IFREP_MAX_PAIRS);
		break;
	case EROFS:
		if (kind == MSG_PAIR_ADD)
			return fail("%s is a secondary volume: pairs are added on the primary",
				    v->name);
		return fail("%s is read-only: its metadata failed (see dmesg)", v->name);
	case EBUSY:
		if (!ifrep_dm_info(v->name, &di) && di.suspended)
			return fail("%s is suspended: resume it first", v->name);
		if (kind == MSG_PAIR_ADD)
			return fail("target device %s is in use", peer);
		return fail("%s is busy (see dmesg)", v->name);
	case ELOOP:
		return fail("target %s is a dm-ifrep volume, a volume's data, metadata or journal device, or stacked on one: a pair's target cannot be (no cascading; dmesg names the volume)",
			    peer && kind == MSG_PAIR_ADD ? peer : "device");
	case EINVAL:
		return fail("the kernel refused the request (see dmesg)");
	case ENODEV:
	case ENOENT:
		if (kind == MSG_PAIR_ADD)
			return fail("%s was not found by the kernel (see dmesg)", peer);
		return fail("%s has no pair named %s", v->name, pair);
	case ENXIO:
		return fail("no volume named %s", v->name);
	case EOPNOTSUPP:
	case ENOSYS:
		if (kind == MSG_PAIR_ADD && mode && !strcmp(mode, "async") && peer &&
		    peer[0] == '/')
			return fail("this dm-ifrep module needs a remote secondary for async pairs (--to HOST:PORT); a local target %s takes sync",
				    peer);
		if (kind == MSG_PAIR_ADD)
			return fail("the loaded dm-ifrep module does not support %s pairs%s yet (see dmesg)",
				    mode, peer && peer[0] != '/' ? " or remote peers" : "");
		return fail("the loaded dm-ifrep module cannot do this (see dmesg)");
	default:
		break;
	}
	return fail("%s (see dmesg)", dm_strerror(r));
}
