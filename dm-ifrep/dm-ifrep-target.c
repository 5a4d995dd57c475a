// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep target glue: table line parsing, map dispatch, status, the
 * suspend hooks, and the messages handed to their table
 * (dm-ifrep-message.c).  Everything with state lives in the volume (see
 * dm-ifrep-volume.c); a table instance only holds its devices.
 *
 * Table line (docs/dm-ifrep.rst):
 *   ifrep <metadata dev> <data dev> <#opt args> [format] [role <r>]
 *         [chunk_sectors <n>] [listen <addr:port>] [insecure]
 *         [journal <dev>] [home_host <host>] [hot_chunks <n>]
 */
#include "dm-ifrep-pair.h"
#include "dm-ifrep-message.h"
#include "dm-ifrep-proto.h"
#include "dm-ifrep-receiver.h"

#include <linux/module.h>
#include <linux/stringify.h>

#define DM_MSG_PREFIX "ifrep"

/* Remote chunk of a host write: at most one DATA message. */
#define IFREP_MAX_IO_SECTORS	(IFREP_MAX_PAYLOAD >> SECTOR_SHIFT)

struct ifrep_target {
	struct ifrep_volume *vol;
	struct dm_dev *meta_dev;
	struct dm_dev *data_dev;
	struct dm_dev *journal_dev;
	char listen[IFREP_ADDR_LEN];
	bool insecure;
};

/*----------------------------------------------------------------
 * Constructor and destructor
 *--------------------------------------------------------------*/

static int parse_role(const char *s, u32 *role)
{
	if (!strcasecmp(s, ifrep_role_name(IFREP_ROLE_PRIMARY)))
		*role = IFREP_ROLE_PRIMARY;
	else if (!strcasecmp(s, ifrep_role_name(IFREP_ROLE_SECONDARY)))
		*role = IFREP_ROLE_SECONDARY;
	else
		return -EINVAL;
	return 0;
}

static int parse_opt_args(struct dm_target *ti, struct dm_arg_set *as,
			  struct ifrep_md_params *params, struct ifrep_target *tc)
{
	char **error = &ti->error;
	static const struct dm_arg opt_count = {
		0, 14, "Invalid number of optional arguments"
	};
	bool seen_format = false;
	unsigned int argc;
	const char *arg, *value;
	int r;

	r = dm_read_arg_group(&opt_count, as, &argc, error);
	if (r)
		return r;
	if (as->argc > argc) {
		*error = "Too many arguments";
		return -EINVAL;
	}

	while (argc) {
		arg = dm_shift_arg(as);
		argc--;
		if (!strcasecmp(arg, "format")) {
			if (seen_format)
				goto duplicate;
			seen_format = true;
			params->force_format = true;
			continue;
		}
		if (!strcasecmp(arg, "insecure")) {
			if (tc->insecure)
				goto duplicate;
			tc->insecure = true;
			continue;
		}
		if (!argc) {
			*error = "Optional argument needs a value";
			return -EINVAL;
		}
		value = dm_shift_arg(as);
		argc--;
		if (!strcasecmp(arg, "role")) {
			if (params->role)
				goto duplicate;
			if (parse_role(value, &params->role)) {
				*error = "Role must be primary or secondary";
				return -EINVAL;
			}
		} else if (!strcasecmp(arg, "chunk_sectors")) {
			if (params->chunk_sectors)
				goto duplicate;
			if (kstrtou32(value, 10, &params->chunk_sectors) ||
			    !is_power_of_2(params->chunk_sectors) ||
			    params->chunk_sectors < IFREP_MIN_CHUNK_SECTORS ||
			    params->chunk_sectors > IFREP_MAX_CHUNK_SECTORS) {
				*error = "Chunk size must be a power of two from 128 to 2097152 sectors";
				return -EINVAL;
			}
		} else if (!strcasecmp(arg, "journal")) {
			if (tc->journal_dev)
				goto duplicate;
			r = dm_get_device(ti, value, FMODE_READ | FMODE_WRITE,
					  &tc->journal_dev);
			if (r) {
				*error = "Cannot open journal device";
				return r;
			}
			params->journal_path = value;
		} else if (!strcasecmp(arg, "home_host")) {
			/* recorded only: ifrepctl's automatic activation reads it */
			if (params->home_host)
				goto duplicate;
			if (!*value || strlen(value) >= IFREP_HOST_LEN) {
				*error = "home_host must have 1 to 63 characters";
				return -EINVAL;
			}
			params->home_host = value;
		} else if (!strcasecmp(arg, "hot_chunks")) {
			if (params->hot_chunks)
				goto duplicate;
			if (kstrtou32(value, 10, &params->hot_chunks) ||
			    !params->hot_chunks ||
			    params->hot_chunks > IFREP_MAX_HOT_CHUNKS) {
				*error = "hot_chunks must be from 1 to 16777216";
				return -EINVAL;
			}
		} else if (!strcasecmp(arg, "listen")) {
			struct sockaddr_storage addr;

			if (tc->listen[0])
				goto duplicate;
			if (ifrep_parse_addr(value, &addr) ||
			    strscpy(tc->listen, value, sizeof(tc->listen)) < 0) {
				*error = "Listen address must be addr:port or [addr6]:port";
				return -EINVAL;
			}
		} else {
			*error = "Unrecognised optional argument";
			return -EINVAL;
		}
	}
	if (tc->insecure && !tc->listen[0]) {
		*error = "insecure applies to a listening secondary";
		return -EINVAL;
	}
	return 0;

duplicate:
	*error = "Duplicate optional argument";
	return -EINVAL;
}

static int ifrep_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct ifrep_md_params params = { 0 };
	char name[DM_NAME_LEN];
	struct dm_arg_set as = { .argc = argc, .argv = argv };
	struct ifrep_target *tc;
	struct ifrep_volume *vol;
	int r;

	if (argc < 3) {
		ti->error = "Need <metadata dev> <data dev> <#opt args>";
		return -EINVAL;
	}
	tc = kzalloc(sizeof(*tc), GFP_KERNEL);
	if (!tc) {
		ti->error = "Out of memory";
		return -ENOMEM;
	}

	r = dm_get_device(ti, dm_shift_arg(&as), FMODE_READ | FMODE_WRITE,
			  &tc->meta_dev);
	if (r) {
		ti->error = "Cannot open metadata device";
		goto out_free;
	}
	r = dm_get_device(ti, dm_shift_arg(&as), dm_table_get_mode(ti->table),
			  &tc->data_dev);
	if (r) {
		ti->error = "Cannot open data device";
		goto out_put_meta;
	}
	r = -EINVAL;
	if (tc->meta_dev->bdev == tc->data_dev->bdev) {
		ti->error = "Metadata and data must be different devices";
		goto out_put_data;
	}
	if (ti->begin || bdev_nr_sectors(tc->data_dev->bdev) < ti->len) {
		ti->error = "Target must start at 0 and fit the data device";
		goto out_put_data;
	}
	r = parse_opt_args(ti, &as, &params, tc);
	if (r)
		goto out_put_data;

	params.data_sectors = ti->len;
	if (dm_copy_name_and_uuid(dm_table_get_md(ti->table), name, NULL))
		strscpy(name, dm_device_name(dm_table_get_md(ti->table)), sizeof(name));
	params.volume_name = name;
	params.data_path = argv[1];
	params.listen = tc->listen[0] ? tc->listen : NULL;
	params.insecure = tc->insecure;
	params.journal = tc->journal_dev ? tc->journal_dev->bdev : NULL;
	if (params.journal && (params.journal == tc->data_dev->bdev ||
			       params.journal == tc->meta_dev->bdev)) {
		ti->error = "The journal needs a device of its own";
		r = -EINVAL;
		goto out_put_data;
	}
	vol = ifrep_volume_get(ti, tc->meta_dev->bdev, tc->data_dev->bdev,
			       &params, &ti->error);
	if (IS_ERR(vol)) {
		r = PTR_ERR(vol);
		goto out_put_data;
	}
	if (vol->data_sectors != ti->len) {
		ti->error = "Target length differs from the volume's data size";
		r = -EINVAL;
		goto out_put_vol;
	}
	tc->vol = vol;

	/* A write never crosses a chunk and always fits one DATA message. */
	r = dm_set_target_max_io_len(ti, min_t(u32, vol->chunk_sectors,
					       IFREP_MAX_IO_SECTORS));
	if (r)
		goto out_put_vol;
	ti->num_flush_bios = 1;
	ti->flush_supported = true;
	/* Advertised when the data device supports them (dm checks it). */
	ti->num_discard_bios = 1;
	ti->num_write_zeroes_bios = 1;
	ti->per_io_data_size = sizeof(struct ifrep_io);
	ti->private = tc;
	return 0;

out_put_vol:
	ifrep_volume_put(vol, ti);
out_put_data:
	if (tc->journal_dev)
		dm_put_device(ti, tc->journal_dev);
	dm_put_device(ti, tc->data_dev);
out_put_meta:
	dm_put_device(ti, tc->meta_dev);
out_free:
	kfree(tc);
	return r;
}

static void ifrep_dtr(struct dm_target *ti)
{
	struct ifrep_target *tc = ti->private;

	ifrep_volume_put(tc->vol, ti);
	if (tc->journal_dev)
		dm_put_device(ti, tc->journal_dev);
	dm_put_device(ti, tc->data_dev);
	dm_put_device(ti, tc->meta_dev);
	kfree(tc);
}

/*----------------------------------------------------------------
 * I/O
 *--------------------------------------------------------------*/

static int ifrep_map(struct dm_target *ti, struct bio *bio)
{
	struct ifrep_target *tc = ti->private;
	struct ifrep_volume *vol = tc->vol;
	struct ifrep_sb *sb;

	if (bio_sectors(bio))
		bio->bi_iter.bi_sector = dm_target_offset(ti, bio->bi_iter.bi_sector);

	sb = ifrep_md_sb(vol->md);
	if (bio_data_dir(bio) == READ) {
		/* A secondary being resynced holds a mix of old and new data. */
		if (sb->role != IFREP_ROLE_PRIMARY &&
		    (!(sb->flags & IFREP_SB_F_CONSISTENT) || READ_ONCE(vol->applying))) {
			DMERR_LIMIT("%s: read refused: the secondary is not consistent",
				    vol->name);
			return DM_MAPIO_KILL;
		}
		bio_set_dev(bio, vol->data_bdev);
		return DM_MAPIO_REMAPPED;
	}
	if (sb->role != IFREP_ROLE_PRIMARY || READ_ONCE(vol->read_only)) {
		DMERR_LIMIT("%s: write refused: the volume is a secondary", vol->name);
		return DM_MAPIO_KILL;
	}
	return ifrep_io_map_write(vol, bio);
}

static void ifrep_presuspend(struct dm_target *ti)
{
	struct ifrep_target *tc = ti->private;

	ifrep_volume_presuspend(tc->vol);
}

static void ifrep_postsuspend(struct dm_target *ti)
{
	struct ifrep_target *tc = ti->private;

	ifrep_volume_postsuspend(tc->vol);
}

static void ifrep_resume(struct dm_target *ti)
{
	struct ifrep_target *tc = ti->private;

	ifrep_volume_resume(tc->vol, ti);
}

static int ifrep_iterate_devices(struct dm_target *ti,
				 iterate_devices_callout_fn fn, void *data)
{
	struct ifrep_target *tc = ti->private;

	return fn(ti, tc->data_dev, 0, ti->len, data);
}

/*----------------------------------------------------------------
 * Status and messages
 *--------------------------------------------------------------*/

static void emit_info(struct ifrep_volume *vol, char *result, unsigned int maxlen)
{
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);
	unsigned int sz = 0, i;

	spin_lock_irq(&vol->lock);
	DMEMIT("%s %s %u %llu %016llx %llu %s %s %s %u",
	       ifrep_role_name(sb->role), ifrep_health_name(vol->health),
	       vol->chunk_sectors, vol->nr_chunks,
	       sb->data_generation, ifrep_md_writes(vol->md),
	       sb->listen[0] ? sb->listen : IFREP_STATUS_NONE, ifrep_receiver_state(vol),
	       /* what a promotion would start from: a whole image or not */
	       sb->role == IFREP_ROLE_PRIMARY ? IFREP_STATUS_NONE :
	       sb->flags & IFREP_SB_F_CONSISTENT ? IFREP_IMAGE_CONSISTENT :
	       IFREP_IMAGE_INCONSISTENT,
	       vol->nr_pairs);
	for (i = 0; i < IFREP_MAX_PAIRS; i++)
		if (vol->pairs[i])
			ifrep_pair_status(vol->pairs[i], result, maxlen, &sz);
	spin_unlock_irq(&vol->lock);
}

static void ifrep_status(struct dm_target *ti, status_type_t type,
			 unsigned int status_flags, char *result, unsigned int maxlen)
{
	struct ifrep_target *tc = ti->private;
	unsigned int sz = 0;
	struct ifrep_sb *sb;
	bool insecure, listen;

	switch (type) {
	case STATUSTYPE_INFO:
		emit_info(tc->vol, result, maxlen);
		break;
	case STATUSTYPE_TABLE:
		/* What the volume is now: promote and demote change it. */
		sb = ifrep_md_sb(tc->vol->md);
		DMEMIT("%s %s", tc->meta_dev->name, tc->data_dev->name);
		listen = sb->role == IFREP_ROLE_SECONDARY && sb->listen[0];
		insecure = listen && (sb->flags & IFREP_SB_F_INSECURE);
		DMEMIT(" %u", (listen ? 2 : 0) + (insecure ? 1 : 0) +
		       (tc->journal_dev ? 2 : 0));
		if (listen)
			DMEMIT(" listen %s%s", sb->listen, insecure ? " insecure" : "");
		if (tc->journal_dev)
			DMEMIT(" journal %s", tc->journal_dev->name);
		break;
	case STATUSTYPE_IMA:
		DMEMIT_TARGET_NAME_VERSION(ti->type);
		DMEMIT(",metadata_device=%s,data_device=%s;", tc->meta_dev->name,
		       tc->data_dev->name);
		break;
	}
}

static int ifrep_message_hook(struct dm_target *ti, unsigned int argc, char **argv,
			      char *result, unsigned int maxlen)
{
	struct ifrep_target *tc = ti->private;

	return ifrep_message(tc->vol, argc, argv, result, maxlen);
}

static struct target_type ifrep_target = {
	.name = IFREP_TARGET_NAME,
	.version = {IFREP_TARGET_VERSION_MAJOR, IFREP_TARGET_VERSION_MINOR,
		    IFREP_TARGET_VERSION_PATCH},
	.module = THIS_MODULE,
	.ctr = ifrep_ctr,
	.dtr = ifrep_dtr,
	.map = ifrep_map,
	.presuspend = ifrep_presuspend,
	.postsuspend = ifrep_postsuspend,
	.resume = ifrep_resume,
	.status = ifrep_status,
	.message = ifrep_message_hook,
	.iterate_devices = ifrep_iterate_devices,
};

static int __init dm_ifrep_init(void)
{
	int r;

	r = ifrep_remote_init();
	if (r)
		return r;
	r = dm_register_target(&ifrep_target);
	if (r) {
		DMERR("register failed %d", r);
		ifrep_remote_exit();
		return r;
	}
	r = ifrep_copydev_register();
	if (r) {
		DMERR("register of %s failed %d", IFREP_COPY_TARGET_NAME, r);
		dm_unregister_target(&ifrep_target);
		ifrep_remote_exit();
	}
	return r;
}

static void __exit dm_ifrep_exit(void)
{
	ifrep_copydev_unregister();
	dm_unregister_target(&ifrep_target);
	ifrep_remote_exit();
}

module_init(dm_ifrep_init);
module_exit(dm_ifrep_exit);

MODULE_DESCRIPTION(DM_NAME " volume replication target");
MODULE_AUTHOR("dm-ifrep developers");
MODULE_LICENSE("GPL");
/* /sys/module/dm_ifrep/version and modinfo: the target version, as ifrepctl --version shows it */
MODULE_VERSION(__stringify(IFREP_TARGET_VERSION_MAJOR) "."
	       __stringify(IFREP_TARGET_VERSION_MINOR) "."
	       __stringify(IFREP_TARGET_VERSION_PATCH));
