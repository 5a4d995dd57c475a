// SPDX-License-Identifier: GPL-2.0
/*
 * activation.c - the checks and the table loading that 'create' and
 * 'activate' share (see activation.h).
 *
 * A device is refused before the kernel sees it whenever that can be
 * known in userspace (another volume uses it, it is mounted, a journal
 * belongs to other data): the kernel's own refusal is a bare errno.
 */
#include "activation.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "blkdev.h"
#include "cli.h"
#include "dm.h"
#include "util.h"

int activation_devices(struct activation *a, const char *name, const char *data,
		       const char *meta)
{
	int r;

	memset(a, 0, sizeof(*a));
	a->name = name;
	if ((r = device_arg("--data", data, a->data, sizeof(a->data), &a->data_devt)) ||
	    (r = device_arg("--meta", meta, a->meta, sizeof(a->meta), &a->meta_devt)))
		return r;
	if (a->data_devt == a->meta_devt)
		return fail("--data and --meta are the same device (%s)", a->data);
	return 0;
}

int check_existing(const struct vol *v, dev_t data_devt, dev_t meta_devt)
{
	const char *name = v->name;
	char d[256], m[256];

	if (v->data_devt != data_devt || v->meta_devt != meta_devt) {
		ifrep_blkdev_name(v->data_devt, d, sizeof(d));
		ifrep_blkdev_name(v->meta_devt, m, sizeof(m));
		return fail("%s exists with other devices (data %s, meta %s)", name, d, m);
	}
	return 0;
}

int check_devices_free(const struct activation *a)
{
	char who[128];

	if (devt_used_by_volume(a->data_devt, who, sizeof(who)))
		return fail("%s is in use by volume %s", a->data, who);
	if (devt_used_by_volume(a->meta_devt, who, sizeof(who)))
		return fail("%s is in use by volume %s", a->meta, who);
	if (ifrep_blkdev_busy(a->data))
		return fail("%s is in use (mounted, or held by another device)", a->data);
	if (ifrep_blkdev_busy(a->meta))
		return fail("%s is in use (mounted, or held by another device)", a->meta);
	return a->journal[0] ? check_journal_free(a) : 0;
}

int check_journal_free(const struct activation *a)
{
	char who[128];

	if (devt_used_by_volume(a->journal_devt, who, sizeof(who)))
		return fail("journal device %s is in use by volume %s", a->journal, who);
	if (a->journal[0] == '/' && ifrep_blkdev_busy(a->journal))
		return fail("journal device %s is in use (mounted, or held by another device)",
			    a->journal);
	return 0;
}

#define WIPE_HINT "clear its first 8 KiB to use it: dd if=/dev/zero of=%s bs=4096 count=2"

int check_journal(const struct activation *a, uint32_t chunk_sectors, bool fresh_volume)
{
	uint8_t head[IFREP_META_PROBE_SIZE];
	struct ifrep_journal_info ji;
	char why[PATH_MAX + 64], sz[32], sz2[32];
	uint64_t bytes, slots;

	if (ifrep_blkdev_size(a->journal, &bytes, why, sizeof(why)))
		return fail("%s", why);
	slots = ifrep_journal_slots(bytes, chunk_sectors);
	if (!slots)
		return fail("journal device %s (%s) is too small: with %s chunks it needs at least %llu bytes",
			    a->journal, ifrep_format_bytes(bytes, sz, sizeof(sz)),
			    ifrep_format_bytes_exact((uint64_t)chunk_sectors << 9, sz2, sizeof(sz2)),
			    (unsigned long long)(IFREP_JOURNAL_FIRST_ENTRY_BLOCK + 2 +
						 ((uint64_t)chunk_sectors << 9) /
						 IFREP_META_BLOCK_SIZE) * IFREP_META_BLOCK_SIZE);
	if (ifrep_blkdev_read_head(a->journal, head, sizeof(head), why, sizeof(why)))
		return fail("%s", why);
	switch (ifrep_journal_classify(head, &ji)) {
	case JOURNAL_FRESH:
		info("journal %s is empty: the kernel formats it for %llu chunks", a->journal,
		     (unsigned long long)slots);
		return 0;
	case JOURNAL_VALID:
		if (ji.chunk_sectors != chunk_sectors)
			return fail("journal device %s holds a journal for %s chunks, not %s (" WIPE_HINT ")",
				    a->journal,
				    ifrep_format_bytes_exact((uint64_t)ji.chunk_sectors << 9,
							     sz, sizeof(sz)),
				    ifrep_format_bytes_exact((uint64_t)chunk_sectors << 9,
							     sz2, sizeof(sz2)), a->journal);
		if (fresh_volume)
			return fail("journal device %s holds the sync points of other data (" WIPE_HINT ")",
				    a->journal, a->journal);
		info("journal %s: current sync point %llu, %u more", a->journal,
		     (unsigned long long)ji.current_id, ji.nr_cycles);
		return 0;
	case JOURNAL_DAMAGED:
		return fail("journal device %s holds a damaged dm-ifrep journal (" WIPE_HINT ")",
			    a->journal, a->journal);
	default:
		return fail("journal device %s holds data that is not a dm-ifrep journal (" WIPE_HINT ")",
			    a->journal, a->journal);
	}
}

int recorded_journal(struct activation *a, const struct ifrep_meta *m)
{
	char sys[64], why[PATH_MAX + 64];
	dev_t devt;

	if (m->journal_path[0] == '/') {
		if (ifrep_blkdev_check(m->journal_path, &devt, why, sizeof(why)))
			return -ENODEV;
	} else {
		if (ifrep_blkdev_parse_devt(m->journal_path, &devt))
			return -ENODEV;
		snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u", major(devt), minor(devt));
		if (access(sys, F_OK))
			return -ENODEV;
		/* a node for it, so that its contents can be checked */
		ifrep_blkdev_name(devt, a->journal, sizeof(a->journal));
		if (a->journal[0] == '/' && !ifrep_has_space(a->journal))
			goto out;
	}
	snprintf(a->journal, sizeof(a->journal), "%s", m->journal_path);
out:
	a->journal_devt = devt;
	return 0;
}

static int explain_create_error(const struct activation *a, int r)
{
	uint32_t version[3];

	switch (-r) {
	case EINVAL:
		if (ifrep_dm_target_version(IFREP_TARGET_NAME, version) == -ENOENT)
			return fail("the kernel has no ifrep target (load the module: modprobe dm-ifrep)");
		return fail("the kernel refused the table of %s (see dmesg)", a->name);
	case EBUSY:
		return fail("%s or %s is in use (see dmesg)", a->data, a->meta);
	case EEXIST:
		return fail("a device named %s exists", a->name);
	default:
		return fail("cannot create %s: %s (see dmesg)", a->name, dm_strerror(r));
	}
}

int load_table(const struct activation *a)
{
	struct ifrep_table_args targs = a->targs;
	char params[1024], line[1200];
	char uuid[sizeof(IFREP_UUID_PREFIX) + IFREP_VOLUME_NAME_MAX];
	int r;

	_Static_assert(sizeof(IFREP_UUID_PREFIX) - 1 + IFREP_VOLUME_NAME_MAX == 128,
		       "IFREP-NAME fits device-mapper's UUID");
	if (strlen(a->name) > IFREP_VOLUME_NAME_MAX)
		return fail("volume name %.32s... is too long: its device-mapper UUID would not fit",
			    a->name);

	targs.meta_dev = a->meta;
	targs.data_dev = a->data;
	targs.journal = a->journal[0] ? a->journal : NULL;
	r = ifrep_table_params(&targs, params, sizeof(params));
	if (r)
		return fail("cannot build the table of %s: %s", a->name, strerror(-r));
	ifrep_table_line(a->sectors, params, line, sizeof(line));
	info("table: %s", line);
	snprintf(uuid, sizeof(uuid), IFREP_UUID_PREFIX "%s", a->name);
	r = ifrep_dm_create(a->name, uuid, a->sectors, IFREP_TARGET_NAME, params);
	if (r)
		return explain_create_error(a, r);
	info("created /dev/mapper/%s", a->name);
	return 0;
}
