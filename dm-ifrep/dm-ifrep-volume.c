// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep volumes: one object per metadata device, shared by every table
 * instance that maps it.  A table reload constructs a new instance while
 * the old one is live; both then point at the same volume, so pairs,
 * bitmaps, workers and (later) connections survive the reload.  The last
 * instance's destructor tears the volume down.
 */
#include "dm-ifrep-pair.h"
#include "dm-ifrep-journal.h"
#include "dm-ifrep-receiver.h"

#include <linux/vmalloc.h>

#define DM_MSG_PREFIX "ifrep"

static LIST_HEAD(volumes);
static DEFINE_MUTEX(volumes_lock);

static void event_worker(struct work_struct *ws)
{
	struct ifrep_volume *vol = container_of(ws, struct ifrep_volume, event_work);

	mutex_lock(&vol->ti_lock);
	if (vol->ti)
		dm_table_event(vol->ti->table);
	mutex_unlock(&vol->ti_lock);
}

void ifrep_volume_uevent(struct ifrep_volume *vol)
{
	struct mapped_device *md;

	mutex_lock(&vol->ti_lock);
	if (vol->ti) {
		md = dm_table_get_md(vol->ti->table);
		kobject_uevent(&disk_to_dev(dm_disk(md))->kobj, KOBJ_CHANGE);
	}
	mutex_unlock(&vol->ti_lock);
}

static void destroy_volume(struct ifrep_volume *vol)
{
	ifrep_receiver_stop(vol);
	cancel_delayed_work_sync(&vol->sweep_work);
	ifrep_pairs_stop(vol);
	if (vol->wq)
		flush_workqueue(vol->wq);
	ifrep_pairs_unload(vol);
	/* Before the workqueues: a copy's completion unparks. */
	ifrep_snap_store_exit(vol);
	if (vol->wq)
		destroy_workqueue(vol->wq);
	if (vol->resync_wq)
		destroy_workqueue(vol->resync_wq);
	if (vol->io_client)
		dm_io_client_destroy(vol->io_client);
	bioset_exit(&vol->bs);
	ifrep_bitmap_free(vol->marked);
	ifrep_bitmap_free(vol->touched);
	ifrep_bitmap_free(vol->idle);
	ifrep_bitmap_free(vol->victims);
	ifrep_bitmap_free(vol->recent);
	ifrep_bitmap_free(vol->local_ondisk);
	ifrep_bitmap_free(vol->local_changed);
	if (vol->journal)
		ifrep_journal_close(vol->journal);
	if (vol->md)
		ifrep_md_close(vol->md);
	kfree_sensitive(vol->listen_secret);
	kfree(vol);
}

static struct ifrep_volume *create_volume(struct dm_target *ti,
					  struct block_device *meta,
					  struct block_device *data,
					  const struct ifrep_md_params *params,
					  char **error)
{
	struct ifrep_volume *vol;
	struct ifrep_sb *sb;
	int r;

	vol = kzalloc(sizeof(*vol), GFP_KERNEL);
	if (!vol) {
		*error = "out of memory";
		return ERR_PTR(-ENOMEM);
	}
	vol->meta_dev = meta->bd_dev;
	vol->meta_bdev = meta;
	vol->data_bdev = data;
	strscpy(vol->name, params->volume_name ?: "?", sizeof(vol->name));
	mutex_init(&vol->admin_lock);
	mutex_init(&vol->secret_lock);
	mutex_init(&vol->bitmap_lock);
	mutex_init(&vol->sweep_lock);
	mutex_init(&vol->sb_lock);
	mutex_init(&vol->ti_lock);
	spin_lock_init(&vol->lock);
	INIT_LIST_HEAD(&vol->inflight);
	bio_list_init(&vol->to_mark);
	bio_list_init(&vol->parked);
	bio_list_init(&vol->diverging);
	init_waitqueue_head(&vol->wait);
	INIT_WORK(&vol->mark_work, ifrep_io_mark_worker);
	INIT_WORK(&vol->unpark_work, ifrep_io_unpark_worker);
	INIT_DELAYED_WORK(&vol->sweep_work, ifrep_bitmap_sweep_worker);
	INIT_WORK(&vol->event_work, event_worker);
	vol->suspended = true;

	vol->md = ifrep_md_open(meta, params, error);
	if (IS_ERR(vol->md)) {
		r = PTR_ERR(vol->md);
		vol->md = NULL;
		goto out;
	}
	sb = ifrep_md_sb(vol->md);
	vol->data_sectors = sb->data_sectors;
	vol->chunk_sectors = sb->chunk_sectors;
	vol->chunk_shift = __ffs(sb->chunk_sectors);
	vol->nr_chunks = sb->nr_chunks;
	vol->hot_max = sb->hot_chunks ?: IFREP_DEFAULT_HOT_CHUNKS;

	r = -ENOMEM;
	*error = "out of memory";
	vol->marked = ifrep_bitmap_alloc(vol->nr_chunks, false);
	vol->touched = ifrep_bitmap_alloc(vol->nr_chunks, false);
	vol->idle = ifrep_bitmap_alloc(vol->nr_chunks, false);
	vol->victims = ifrep_bitmap_alloc(vol->nr_chunks, false);
	vol->recent = ifrep_bitmap_alloc(vol->nr_chunks, false);
	vol->local_ondisk = ifrep_bitmap_alloc(vol->nr_chunks, false);
	vol->local_changed = ifrep_bitmap_alloc(sb->bitmap_blocks, false);
	if (!vol->marked || !vol->touched || !vol->idle || !vol->victims ||
	    !vol->recent || !vol->local_ondisk || !vol->local_changed)
		goto out;
	vol->diverged = sb->flags & IFREP_SB_F_DIVERGED;
	vol->track_local = sb->flags & IFREP_SB_F_TRACK_LOCAL;
	r = ifrep_md_read_bitmap(vol->md, IFREP_LOCAL_SLOT, vol->local_ondisk);
	if (r) {
		*error = "cannot read the local bitmap";
		goto out;
	}
	r = -ENOMEM;
	*error = "out of memory";
	vol->wq = alloc_ordered_workqueue("dm-ifrep", WQ_MEM_RECLAIM);
	vol->resync_wq = alloc_workqueue("dm-ifrep-resync",
					 WQ_MEM_RECLAIM | WQ_UNBOUND, 0);
	if (!vol->wq || !vol->resync_wq)
		goto out;
	if (bioset_init(&vol->bs, BIO_POOL_SIZE, offsetof(struct ifrep_leg, clone),
			BIOSET_NEED_RESCUER))
		goto out;
	vol->io_client = dm_io_client_create();
	if (IS_ERR(vol->io_client)) {
		vol->io_client = NULL;
		goto out;
	}
	r = ifrep_snap_store_init(vol);
	if (r)
		goto out;

	/* Kept by a promoted secondary too: a later demotion uses it again. */
	if (params->journal) {
		vol->journal = ifrep_journal_open(params->journal, data, sb->data_sectors,
						  sb->chunk_sectors, vol->name, error);
		if (IS_ERR(vol->journal)) {
			r = PTR_ERR(vol->journal);
			vol->journal = NULL;
			goto out;
		}
		vol->journal_bdev = params->journal;
	}

	r = ifrep_pairs_load(vol);
	if (r) {
		*error = "cannot load the pairs' bitmaps";
		goto out;
	}
	return vol;

out:
	destroy_volume(vol);
	return ERR_PTR(r);
}

static struct ifrep_volume *find_volume(dev_t meta_dev)
{
	struct ifrep_volume *vol;

	list_for_each_entry(vol, &volumes, registry)
		if (vol->meta_dev == meta_dev)
			return vol;
	return NULL;
}

/* Checks that a new table instance agrees with the live volume. */
static const char *check_attach(struct ifrep_volume *vol,
				struct block_device *data,
				const struct ifrep_md_params *params)
{
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);

	if (vol->data_bdev != data)
		return "metadata device is in use by a volume with another data device";
	if (params->force_format)
		return "cannot format the metadata of an active volume";
	if (params->chunk_sectors && params->chunk_sectors != sb->chunk_sectors)
		return "chunk size differs from the active volume's";
	if (params->role && params->role != sb->role)
		return "role differs from the active volume's";
	if (params->listen && sb->role != IFREP_ROLE_SECONDARY)
		return "only a secondary volume listens";
	/* The listener of a live volume is not restarted by a reload. */
	if (params->listen && (strncmp(params->listen, sb->listen, sizeof(sb->listen)) ||
			       params->insecure != !!(sb->flags & IFREP_SB_F_INSECURE)))
		return "listen address or insecure differs from the active volume's (remove and activate it to change them)";
	if (params->journal != vol->journal_bdev)
		return "journal device differs from the active volume's";
	return NULL;
}

/*
 * A reload that names another hot set size: recorded, then used by the
 * next mark.  A smaller set shrinks as marks evict; nothing is cleared now.
 */
static void set_hot_max(struct ifrep_volume *vol, u32 hot_chunks)
{
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);
	int r;

	mutex_lock(&vol->sb_lock);
	sb->hot_chunks = hot_chunks;
	r = ifrep_md_commit(vol->md);
	mutex_unlock(&vol->sb_lock);
	if (r)
		DMERR("%s: cannot record hot_chunks %u (%d): used until deactivation",
		      vol->name, hot_chunks, r);
	spin_lock_irq(&vol->lock);
	vol->hot_max = hot_chunks;
	spin_unlock_irq(&vol->lock);
}

struct ifrep_volume *ifrep_volume_get(struct dm_target *ti,
				      struct block_device *meta,
				      struct block_device *data,
				      const struct ifrep_md_params *params,
				      char **error)
{
	struct ifrep_volume *vol;
	const char *bad;

	mutex_lock(&volumes_lock);
	vol = find_volume(meta->bd_dev);
	if (vol) {
		bad = check_attach(vol, data, params);
		if (bad) {
			*error = (char *)bad;
			vol = ERR_PTR(-EBUSY);
		} else {
			vol->refs++;
			if (params->hot_chunks && params->hot_chunks != vol->hot_max)
				set_hot_max(vol, params->hot_chunks);
		}
	} else {
		vol = create_volume(ti, meta, data, params, error);
		if (!IS_ERR(vol)) {
			vol->refs = 1;
			list_add(&vol->registry, &volumes);
		}
	}
	mutex_unlock(&volumes_lock);
	return vol;
}

int ifrep_volume_call(const char *name, int (*fn)(struct ifrep_volume *vol, void *arg),
		      void *arg)
{
	struct ifrep_volume *vol;
	int r = -ENODEV;

	mutex_lock(&volumes_lock);
	list_for_each_entry(vol, &volumes, registry)
		if (!strcmp(vol->name, name)) {
			r = fn(vol, arg);
			break;
		}
	mutex_unlock(&volumes_lock);
	return r;
}

void ifrep_volume_put(struct ifrep_volume *vol, struct dm_target *ti)
{
	mutex_lock(&vol->ti_lock);
	if (vol->ti == ti)
		vol->ti = NULL;
	mutex_unlock(&vol->ti_lock);

	mutex_lock(&volumes_lock);
	if (--vol->refs) {
		mutex_unlock(&volumes_lock);
		return;
	}
	list_del(&vol->registry);
	mutex_unlock(&volumes_lock);
	destroy_volume(vol);
}

/* Stops background work; host writes still in flight keep being served. */
void ifrep_volume_presuspend(struct ifrep_volume *vol)
{
	mutex_lock(&vol->admin_lock);
	spin_lock_irq(&vol->lock);
	vol->suspended = true;
	spin_unlock_irq(&vol->lock);
	ifrep_pairs_stop(vol);
	mutex_unlock(&vol->admin_lock);
	cancel_delayed_work_sync(&vol->sweep_work);
}

/* No host I/O is in flight now: write the bitmaps' cleared bits. */
void ifrep_volume_postsuspend(struct ifrep_volume *vol)
{
	ifrep_snap_store_quiesce(vol);
	flush_workqueue(vol->wq);
	ifrep_bitmap_sweep(vol, true);
}

void ifrep_volume_resume(struct ifrep_volume *vol, struct dm_target *ti)
{
	mutex_lock(&vol->ti_lock);
	vol->ti = ti;
	mutex_unlock(&vol->ti_lock);

	mutex_lock(&vol->admin_lock);
	spin_lock_irq(&vol->lock);
	vol->suspended = false;
	spin_unlock_irq(&vol->lock);
	ifrep_pairs_start(vol);
	if (ifrep_receiver_start(vol))
		DMERR("%s: cannot start the listener", vol->name);
	mutex_unlock(&vol->admin_lock);
	queue_delayed_work(vol->resync_wq, &vol->sweep_work, IFREP_SWEEP_INTERVAL);
}
