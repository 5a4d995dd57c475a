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

#include <linux/kernfs.h>
#include <linux/vmalloc.h>

#define DM_MSG_PREFIX "ifrep"

static LIST_HEAD(volumes);
static DEFINE_MUTEX(volumes_lock);
/*
 * Also held to change the list, inside volumes_lock: the cascading check
 * reads the volumes' devices under it alone, from paths that hold a
 * volume's admin_lock (which an ifrep_volume_call() function may take
 * inside volumes_lock).
 */
static DEFINE_MUTEX(devices_lock);

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
	vol->dm_dev = disk_devt(dm_disk(dm_table_get_md(ti->table)));
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
	vol->chunk_capacity = ifrep_md_chunk_capacity(vol->md);
	vol->hot_max = sb->hot_chunks ?: IFREP_DEFAULT_HOT_CHUNKS;

	r = -ENOMEM;
	*error = "out of memory";
	vol->marked = ifrep_bitmap_alloc(vol->chunk_capacity, false);
	vol->touched = ifrep_bitmap_alloc(vol->chunk_capacity, false);
	vol->idle = ifrep_bitmap_alloc(vol->chunk_capacity, false);
	vol->victims = ifrep_bitmap_alloc(vol->chunk_capacity, false);
	vol->recent = ifrep_bitmap_alloc(vol->chunk_capacity, false);
	vol->local_ondisk = ifrep_bitmap_alloc(vol->chunk_capacity, false);
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
			mutex_lock(&devices_lock);
			list_add(&vol->registry, &volumes);
			mutex_unlock(&devices_lock);
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
	mutex_lock(&devices_lock);
	list_del(&vol->registry);
	mutex_unlock(&devices_lock);
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
	mutex_lock(&devices_lock);
	vol->dm_dev = disk_devt(dm_disk(dm_table_get_md(ti->table)));
	mutex_unlock(&devices_lock);

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

/*----------------------------------------------------------------
 * No cascading: what a pair's local target may not be
 *--------------------------------------------------------------*/

/*
 * A local target (or a local async pair's journal) is refused when it is a
 * dm-ifrep volume, the data, metadata or journal device of one, or a dm
 * device stacked, through any number of dm devices, on one of those:
 * replicating into a volume would cascade (its own pairs would replicate
 * again, a secondary would be written behind its primary's back), and
 * writing under a volume's devices corrupts it.
 *
 * The kernel exports no way to read a dm device's table or the list of
 * devices it holds, so the walk uses what sysfs shows as
 * /sys/block/dm-N/slaves: bd_link_disk_holder(), which dm_get_device()
 * calls for every table device, links the lower device's name into the
 * upper disk's slave_dir, and kernfs_find_and_get() tests one name there.
 * The names tried are the volumes' devices and the dm devices: dm hands out
 * minors lowest first, so the scan of dm minors stops after
 * STACK_SCAN_GAP unused ones in a row.  Other stacking drivers (md, loop)
 * are not followed.
 */
#define STACK_MAX_DEPTH		8	/* dm devices on top of each other */
#define STACK_SCAN_GAP		256

enum volume_part { PART_NONE, PART_VOLUME, PART_DATA, PART_META, PART_JOURNAL };

static const char *const part_names[] = {
	[PART_VOLUME] = "dm-ifrep volume",
	[PART_DATA] = "data device",
	[PART_META] = "metadata device",
	[PART_JOURNAL] = "journal device",
};

struct stack_check {
	struct ifrep_volume *self;	/* may not be registered yet */
	enum volume_part part;		/* what was found */
	const struct ifrep_volume *owner;
	dev_t found;
};

static enum volume_part part_of(const struct ifrep_volume *vol, dev_t dev)
{
	if (dev == vol->dm_dev)
		return PART_VOLUME;
	if (dev == vol->data_bdev->bd_dev)
		return PART_DATA;
	if (dev == vol->meta_dev)
		return PART_META;
	if (vol->journal_bdev && dev == vol->journal_bdev->bd_dev)
		return PART_JOURNAL;
	return PART_NONE;
}

/* Is @dev a part of a volume?  NOTE: must be called with devices_lock held. */
static bool find_part(struct stack_check *c, dev_t dev)
{
	struct ifrep_volume *vol;

	lockdep_assert_held(&devices_lock);
	c->owner = c->self;
	c->part = part_of(c->self, dev);
	list_for_each_entry(vol, &volumes, registry) {
		if (c->part != PART_NONE)
			break;
		c->owner = vol;
		c->part = part_of(vol, dev);
	}
	c->found = dev;
	return c->part != PART_NONE;
}

/* Does @slaves (a slave_dir) hold a link named @name? */
static bool has_slave(struct kernfs_node *slaves, const char *name)
{
	struct kernfs_node *kn = kernfs_find_and_get(slaves, name);

	kernfs_put(kn);
	return kn;
}

/* Is one of @vol's devices (but its dm device) among @slaves? */
static bool holds_part(struct stack_check *c, struct kernfs_node *slaves,
		       const struct ifrep_volume *vol)
{
	struct block_device *parts[] = { vol->data_bdev, vol->meta_bdev, vol->journal_bdev };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(parts); i++)
		if (parts[i] && has_slave(slaves, dev_name(&parts[i]->bd_device)))
			return find_part(c, parts[i]->bd_dev);
	return false;
}

/*
 * Does the dm device @dev reach a volume's part through the devices it is
 * stacked on?  NOTE: must be called with devices_lock held.
 */
static bool stacked_on_part(struct stack_check *c, dev_t dev, unsigned int depth)
{
	struct mapped_device *md = dm_get_md(dev), *lower;
	struct ifrep_volume *vol;
	struct kernfs_node *slaves;
	unsigned int major, minor, last;
	bool found = false;

	if (!md)
		return false;
	slaves = dm_disk(md)->slave_dir ? dm_disk(md)->slave_dir->sd : NULL;
	if (!slaves)
		goto out;
	found = holds_part(c, slaves, c->self);
	list_for_each_entry(vol, &volumes, registry)
		if (!found && vol != c->self)
			found = holds_part(c, slaves, vol);
	if (found || depth == STACK_MAX_DEPTH)
		goto out;

	major = MAJOR(dev);
	for (minor = 0, last = 0; !found && minor < (1U << MINORBITS) &&
	     minor <= last + STACK_SCAN_GAP; minor++) {
		lower = dm_get_md(MKDEV(major, minor));
		if (!lower)
			continue;
		last = minor;
		if (lower != md && has_slave(slaves, dm_disk(lower)->disk_name))
			found = find_part(c, MKDEV(major, minor)) ||
				stacked_on_part(c, MKDEV(major, minor), depth + 1);
		dm_put(lower);
	}
out:
	dm_put(md);
	return found;
}

int ifrep_volume_check_target(struct ifrep_volume *vol, const char *pair, const char *what,
			      const char *path, const char **reason)
{
	struct stack_check c = { .self = vol };
	const char *of;
	dev_t dev;
	bool direct;

	/* A path that is no block device fails its open, with its own reason. */
	if (lookup_bdev(path, &dev))
		return 0;
	mutex_lock(&devices_lock);
	direct = find_part(&c, dev);
	if (!direct && !stacked_on_part(&c, dev, 0)) {
		mutex_unlock(&devices_lock);
		return 0;
	}
	if (direct && c.owner == vol && c.part != PART_VOLUME) {
		*reason = "target_is_own_device";
		DMERR("%s: pair %s: %s %s is this volume's %s", vol->name, pair, what, path,
		      part_names[c.part]);
		mutex_unlock(&devices_lock);
		return -EINVAL;
	}
	of = c.part == PART_VOLUME ? "" : " of the dm-ifrep volume";
	if (direct) {
		*reason = c.part == PART_VOLUME ? "target_is_volume" : "target_is_volume_device";
		DMERR("%s: pair %s: %s %s is the %s%s %s: no cascading", vol->name, pair,
		      what, path, part_names[c.part], of, c.owner->name);
	} else {
		*reason = "target_on_volume";
		DMERR("%s: pair %s: %s %s is stacked on the %s%s %s (%u:%u): no cascading",
		      vol->name, pair, what, path, part_names[c.part], of, c.owner->name,
		      MAJOR(c.found), MINOR(c.found));
	}
	mutex_unlock(&devices_lock);
	return -ELOOP;
}
