// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep copy device: target type "ifrep-copy", the target of a local
 * copy pair made usable at once, while the copy runs.
 *
 * Table line (docs/dm-ifrep.rst, "Copy device"):
 *   ifrep-copy <volume name> <pair name> <target device path>
 *
 * Design: hydrate on access, as dm-clone does.  The copy pair's cycle
 * copies the point-in-time image of the volume (the data device as the
 * snapshot store amends it) to the target, one chunk at a time.  The
 * device maps
 *   - a chunk the cycle copied already: straight to the target;
 *   - a chunk not copied yet: its bio waits (deferred), the chunk is made
 *     urgent for the cycle (copied next, before the others), and once its
 *     copy completed the bio is remapped to the target.
 * So a read sees the image of the cut, and a write lands on the target
 * after the copy of its chunk, which is never copied again: ordering per
 * chunk is all that matters.  Reads are not served from the image itself
 * (data device + snapshot store): the store drops a chunk's granules as
 * soon as the chunk was copied, and host writes move the data device on,
 * so such a read would race with both; hydrating costs the chunk's copy
 * time (at the pair's rate) once per chunk, and nothing else.
 *
 * Never copied again: the cut is the one the device showed.  Once the
 * device saw a cut ("engaged"), the pair's cycle is kept over a stop (a
 * suspend of the volume: it resumes where it stopped) instead of being
 * put back into the dirty chunks ("pinned", until the cycle ends, also
 * after the device was removed: what it wrote is on the target), and it
 * is never cut again while the device is attached: when it fails (a write
 * error on the target, a read error on the source) the device fails I/O
 * to the chunks not copied and the pair stays failed until the device is
 * removed.  Pause and resume are refused while a
 * device is attached (dm-ifrep-pairs.c).
 *
 * Lifetimes: the device finds the volume by name in the volume list and
 * attaches to the pair (p->copydev, cd->pair) under copydev_lock; the
 * pair detaches it (ifrep_copydev_detach()) before it is freed, by pair
 * removal or volume teardown, and the device's destructor detaches it
 * from its side.  Both take copydev_lock, so a device never sees a freed
 * pair.  After detaching, the device uses only what it owns: its own open
 * of the target (with the volume as holder, like the pair's own open, so
 * both can hold it at once; the pair releases its open when the copy is
 * done, the device keeps its own until it is removed).
 *
 * Locks: the volume list's -> copydev_lock -> vol->lock -> cd->lock.  The
 * device's map takes cd->lock only, never the volume's: the cycle reads the
 * chunks the device waits for (cd->wanted) when it picks its next chunk.
 */
#include "dm-ifrep-pair.h"
#include "dm-ifrep-copydev.h"

#include <linux/module.h>

#define DM_MSG_PREFIX "ifrep-copy"

#define COPYDEV_MODE (FMODE_READ | FMODE_WRITE | FMODE_EXCL)

enum copydev_mode {
	CD_COPYING,	/* copied chunks map, others wait for their copy */
	CD_DONE,	/* the whole target maps */
	CD_FAILED,	/* copied chunks map, others fail */
};

static const char *const mode_names[] = {
	[CD_COPYING] = "copying",
	[CD_DONE] = "done",
	[CD_FAILED] = "failed",
};

struct ifrep_copydev {
	struct dm_target *ti;
	struct block_device *bdev;	/* our own open of the target */
	char *vol_name, *pair_name, *path;
	unsigned int chunk_shift;
	u64 nr_chunks;
	struct workqueue_struct *wq;
	struct work_struct work;	/* issues or fails the deferred bios */

	spinlock_t lock;
	struct ifrep_pair *pair;	/* NULL once detached; under copydev_lock too */
	enum copydev_mode mode;
	const char *reason;		/* why failed */
	bool engaged;			/* saw the cut: the cycle must keep it */
	bool event;			/* raise a dm event from the worker */
	unsigned long *copied;		/* chunks on the target (CD_COPYING) */
	unsigned long *wanted;		/* chunks deferred bios wait for */
	struct bio_list deferred;
	u64 nr_deferred;
};

static DEFINE_MUTEX(copydev_lock);

/*----------------------------------------------------------------
 * What the pair's cycle tells the device; vol->lock held
 *--------------------------------------------------------------*/

static void __kick(struct ifrep_copydev *cd)
{
	if (!bio_list_empty(&cd->deferred) || cd->event)
		queue_work(cd->wq, &cd->work);
}

bool __ifrep_copydev_attached(struct ifrep_pair *p)
{
	lockdep_assert_held(&p->vol->lock);
	return p->copydev;
}

bool __ifrep_copydev_engaged(struct ifrep_pair *p)
{
	struct ifrep_copydev *cd = p->copydev;
	bool r;

	lockdep_assert_held(&p->vol->lock);
	if (!cd)
		return false;
	spin_lock(&cd->lock);
	r = cd->engaged;
	spin_unlock(&cd->lock);
	return r;
}

/* NOTE: vol->lock and cd->lock held. */
static void __set_cut(struct ifrep_copydev *cd, const unsigned long *frozen)
{
	bitmap_complement(cd->copied, frozen, cd->nr_chunks);
	bitmap_and(cd->wanted, cd->wanted, frozen, cd->nr_chunks);
	cd->engaged = true;
}

void __ifrep_copydev_cut(struct ifrep_pair *p)
{
	struct ifrep_copydev *cd = p->copydev;

	lockdep_assert_held(&p->vol->lock);
	if (!cd)
		return;
	spin_lock(&cd->lock);
	if (cd->mode == CD_COPYING) {
		__set_cut(cd, p->cycle.frozen);
		p->cycle.pinned = true;
	}
	__kick(cd);
	spin_unlock(&cd->lock);
}

void __ifrep_copydev_urgent(struct ifrep_pair *p, unsigned long *urgent)
{
	struct ifrep_copydev *cd = p->copydev;
	u64 chunk;

	lockdep_assert_held(&p->vol->lock);
	if (!cd)
		return;
	spin_lock(&cd->lock);
	for_each_set_bit(chunk, cd->wanted, cd->nr_chunks)
		if (test_bit(chunk, p->cycle.frozen))
			__set_bit(chunk, urgent);
	spin_unlock(&cd->lock);
}

void __ifrep_copydev_copied(struct ifrep_pair *p, u64 chunk)
{
	struct ifrep_copydev *cd = p->copydev;

	lockdep_assert_held(&p->vol->lock);
	if (!cd || chunk >= cd->nr_chunks)
		return;
	spin_lock(&cd->lock);
	__set_bit(chunk, cd->copied);
	if (__test_and_clear_bit(chunk, cd->wanted))
		__kick(cd);
	spin_unlock(&cd->lock);
}

void __ifrep_copydev_done(struct ifrep_pair *p)
{
	struct ifrep_copydev *cd = p->copydev;

	lockdep_assert_held(&p->vol->lock);
	if (!cd)
		return;
	spin_lock(&cd->lock);
	if (cd->mode == CD_COPYING) {
		cd->mode = CD_DONE;
		cd->event = true;
	}
	__kick(cd);
	spin_unlock(&cd->lock);
}

/* NOTE: cd->lock held. */
static void __fail(struct ifrep_copydev *cd, const char *reason)
{
	if (cd->mode != CD_COPYING)
		return;
	cd->mode = CD_FAILED;
	cd->reason = reason;
	cd->event = true;
	DMERR_LIMIT("%s-%s: copy lost (%s): chunks not copied yet fail I/O",
		    cd->vol_name, cd->pair_name, reason);
	__kick(cd);
}

void __ifrep_copydev_fail(struct ifrep_pair *p, const char *reason)
{
	struct ifrep_copydev *cd = p->copydev;

	lockdep_assert_held(&p->vol->lock);
	if (!cd)
		return;
	spin_lock(&cd->lock);
	if (cd->engaged)
		__fail(cd, reason);
	spin_unlock(&cd->lock);
}

/* NOTE: copydev_lock held; the pair is alive. */
static void __detach(struct ifrep_copydev *cd, const char *reason)
{
	struct ifrep_pair *p = cd->pair;

	lockdep_assert_held(&copydev_lock);
	spin_lock_irq(&p->vol->lock);
	p->copydev = NULL;
	spin_lock(&cd->lock);
	cd->pair = NULL;
	/* Nothing will copy the chunks not copied yet. */
	cd->engaged = true;
	__fail(cd, reason);
	spin_unlock(&cd->lock);
	spin_unlock_irq(&p->vol->lock);
}

void ifrep_copydev_detach(struct ifrep_pair *p)
{
	struct ifrep_copydev *cd;

	mutex_lock(&copydev_lock);
	spin_lock_irq(&p->vol->lock);
	cd = p->copydev;
	spin_unlock_irq(&p->vol->lock);
	if (cd)
		__detach(cd, "pair_removed");
	mutex_unlock(&copydev_lock);
}

/*----------------------------------------------------------------
 * The I/O path
 *--------------------------------------------------------------*/

enum chunk_fate { GO, WAIT, FAIL };

/* NOTE: cd->lock held. */
static enum chunk_fate __fate(struct ifrep_copydev *cd, struct bio *bio)
{
	u64 chunk;

	if (cd->mode == CD_DONE || !bio_sectors(bio))
		return GO;
	chunk = bio->bi_iter.bi_sector >> cd->chunk_shift;
	if (test_bit(chunk, cd->copied))
		return GO;
	if (cd->mode == CD_FAILED)
		return FAIL;
	__set_bit(chunk, cd->wanted);
	return WAIT;
}

static void copydev_worker(struct work_struct *ws)
{
	struct ifrep_copydev *cd = container_of(ws, struct ifrep_copydev, work);
	struct bio_list issue = BIO_EMPTY_LIST, fail = BIO_EMPTY_LIST, deferred;
	struct bio *bio;
	bool event;

	spin_lock_irq(&cd->lock);
	deferred = cd->deferred;
	bio_list_init(&cd->deferred);
	cd->nr_deferred = 0;
	while ((bio = bio_list_pop(&deferred))) {
		switch (__fate(cd, bio)) {
		case GO:
			bio_list_add(&issue, bio);
			break;
		case FAIL:
			bio_list_add(&fail, bio);
			break;
		case WAIT:
			bio_list_add(&cd->deferred, bio);
			cd->nr_deferred++;
			break;
		}
	}
	event = cd->event;
	cd->event = false;
	spin_unlock_irq(&cd->lock);

	while ((bio = bio_list_pop(&issue)))
		submit_bio_noacct(bio);
	while ((bio = bio_list_pop(&fail)))
		bio_io_error(bio);
	if (event)
		dm_table_event(cd->ti->table);
}

static int copydev_map(struct dm_target *ti, struct bio *bio)
{
	struct ifrep_copydev *cd = ti->private;
	enum chunk_fate fate;
	unsigned long flags;

	bio_set_dev(bio, cd->bdev);
	if (bio_sectors(bio))
		bio->bi_iter.bi_sector = dm_target_offset(ti, bio->bi_iter.bi_sector);
	spin_lock_irqsave(&cd->lock, flags);
	fate = __fate(cd, bio);
	if (fate == WAIT) {
		bio_list_add(&cd->deferred, bio);
		cd->nr_deferred++;
	}
	spin_unlock_irqrestore(&cd->lock, flags);

	switch (fate) {
	case GO:
		return DM_MAPIO_REMAPPED;
	case FAIL:
		return DM_MAPIO_KILL;
	default:
		/* The cycle picks the chunk next; its copy kicks the worker. */
		return DM_MAPIO_SUBMITTED;
	}
}

/*----------------------------------------------------------------
 * Constructor and destructor
 *--------------------------------------------------------------*/

struct attach_args {
	struct ifrep_copydev *cd;
	struct dm_target *ti;
};

/* Why @p cannot have a device, or NULL.  NOTE: vol->lock held. */
static const char *__refuse(struct ifrep_pair *p)
{
	if (p->mode != IFREP_MODE_COPY)
		return "Pair is not a copy pair";
	if (p->ops->remote)
		return "Pair copies to a remote secondary: only local copy targets have a copy device";
	if (p->copydev)
		return "Pair has a copy device already";
	if (p->state != IFREP_PS_INITIAL_SYNC && p->state != IFREP_PS_DONE)
		return "Pair is neither copying (initial-sync) nor done";
	return NULL;
}

/*
 * Runs with the volume list locked (the volume cannot go) and copydev_lock
 * held (the pair cannot be freed, see ifrep_copydev_detach()).
 */
static int __attach(struct ifrep_volume *vol, struct attach_args *a)
{
	struct ifrep_copydev *cd = a->cd;
	struct dm_target *ti = a->ti;
	struct block_device *bdev;
	struct ifrep_pair *p;
	const char *bad;

	if (ti->begin + ti->len > vol->data_sectors) {
		ti->error = "Device is larger than the volume";
		return -EINVAL;
	}
	cd->copied = bitmap_zalloc(vol->nr_chunks, GFP_KERNEL);
	cd->wanted = bitmap_zalloc(vol->nr_chunks, GFP_KERNEL);
	if (!cd->copied || !cd->wanted) {
		ti->error = "Out of memory";
		return -ENOMEM;
	}
	spin_lock_irq(&vol->lock);
	p = ifrep_pair_find(vol, cd->pair_name);
	bad = p ? __refuse(p) : "Unknown pair";
	if (!bad && strcmp(p->peer, cd->path))
		bad = "Target device path is not the pair's target";
	spin_unlock_irq(&vol->lock);
	if (bad) {
		ti->error = (char *)bad;
		return -EINVAL;
	}

	/* The same holder as the pair's own open: both may hold it. */
	bdev = blkdev_get_by_path(cd->path, COPYDEV_MODE, vol);
	if (IS_ERR(bdev)) {
		ti->error = "Cannot open the target device";
		/* -ENODEV says "no such volume" to the caller. */
		return PTR_ERR(bdev) == -ENODEV ? -ENXIO : PTR_ERR(bdev);
	}

	spin_lock_irq(&vol->lock);
	/* Removed, or changed, while the target was opened? */
	bad = ifrep_pair_find(vol, cd->pair_name) != p ? "Unknown pair" : __refuse(p);
	if (!bad && p->state != IFREP_PS_DONE && p->local.bdev != bdev)
		bad = "Target device is not the pair's open target";
	if (bad) {
		spin_unlock_irq(&vol->lock);
		blkdev_put(bdev, COPYDEV_MODE);
		ti->error = (char *)bad;
		return -EINVAL;
	}
	cd->bdev = bdev;
	cd->chunk_shift = vol->chunk_shift;
	cd->nr_chunks = vol->nr_chunks;
	spin_lock(&cd->lock);
	cd->pair = p;
	if (p->state == IFREP_PS_DONE)
		cd->mode = CD_DONE;
	else if (p->cycle.running) {
		__set_cut(cd, p->cycle.frozen);
		p->cycle.pinned = true;
	}
	spin_unlock(&cd->lock);
	p->copydev = cd;
	spin_unlock_irq(&vol->lock);
	return 0;
}

/* With the volume list locked: lock order volume list -> copydev_lock. */
static int attach(struct ifrep_volume *vol, void *arg)
{
	int r;

	mutex_lock(&copydev_lock);
	r = __attach(vol, arg);
	mutex_unlock(&copydev_lock);
	return r;
}

static void free_copydev(struct ifrep_copydev *cd)
{
	if (cd->wq)
		destroy_workqueue(cd->wq);
	if (cd->bdev)
		blkdev_put(cd->bdev, COPYDEV_MODE);
	bitmap_free(cd->copied);
	bitmap_free(cd->wanted);
	kfree(cd->vol_name);
	kfree(cd->pair_name);
	kfree(cd->path);
	kfree(cd);
}

/* Construct: <volume name> <pair name> <target device path> */
static int copydev_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct ifrep_copydev *cd;
	struct attach_args a;
	int r;

	if (argc != 3) {
		ti->error = "Invalid argument count: <volume> <pair> <target device path>";
		return -EINVAL;
	}
	cd = kzalloc(sizeof(*cd), GFP_KERNEL);
	if (!cd) {
		ti->error = "Out of memory";
		return -ENOMEM;
	}
	cd->ti = ti;
	spin_lock_init(&cd->lock);
	bio_list_init(&cd->deferred);
	INIT_WORK(&cd->work, copydev_worker);
	cd->mode = CD_COPYING;
	cd->vol_name = kstrdup(argv[0], GFP_KERNEL);
	cd->pair_name = kstrdup(argv[1], GFP_KERNEL);
	cd->path = kstrdup(argv[2], GFP_KERNEL);
	cd->wq = alloc_workqueue("dm-ifrep-copy", WQ_MEM_RECLAIM, 0);
	if (!cd->vol_name || !cd->pair_name || !cd->path || !cd->wq) {
		ti->error = "Out of memory";
		r = -ENOMEM;
		goto out;
	}

	a.cd = cd;
	a.ti = ti;
	r = ifrep_volume_call(cd->vol_name, attach, &a);
	if (r == -ENODEV) {
		ti->error = "Unknown volume";
		r = -EINVAL;
	}
	if (r)
		goto out;

	r = dm_set_target_max_io_len(ti, 1U << cd->chunk_shift);
	if (r) {
		ti->error = "Cannot split I/O at chunk boundaries";
		goto out_detach;
	}
	ti->num_flush_bios = 1;
	/* No iterate_devices (the target is not a table device): say it. */
	ti->flush_supported = true;
	ti->private = cd;
	DMINFO("%s-%s: copy device on %s (%s)", cd->vol_name, cd->pair_name, cd->path,
	       mode_names[cd->mode]);
	return 0;

out_detach:
	mutex_lock(&copydev_lock);
	if (cd->pair)
		__detach(cd, "removed");
	mutex_unlock(&copydev_lock);
out:
	free_copydev(cd);
	return r;
}

static void copydev_dtr(struct dm_target *ti)
{
	struct ifrep_copydev *cd = ti->private;

	mutex_lock(&copydev_lock);
	if (cd->pair)
		__detach(cd, "removed");
	mutex_unlock(&copydev_lock);
	/* Suspended first: no bio of ours is deferred any more. */
	flush_workqueue(cd->wq);
	free_copydev(cd);
}

/*----------------------------------------------------------------
 * Status and limits
 *--------------------------------------------------------------*/

/*
 * Status: <state> <copied chunks>/<chunks> <deferred bios> <reason>
 *   state: copying | done | failed; reason '-' unless failed.
 */
static void copydev_status(struct dm_target *ti, status_type_t type,
			   unsigned int status_flags, char *result, unsigned int maxlen)
{
	struct ifrep_copydev *cd = ti->private;
	unsigned int sz = 0;
	u64 copied;

	switch (type) {
	case STATUSTYPE_INFO:
		spin_lock_irq(&cd->lock);
		copied = cd->mode == CD_DONE ? cd->nr_chunks :
			 bitmap_weight(cd->copied, cd->nr_chunks);
		DMEMIT("%s %llu/%llu %llu %s", mode_names[cd->mode], copied, cd->nr_chunks,
		       cd->nr_deferred, cd->mode == CD_FAILED ? cd->reason : "-");
		spin_unlock_irq(&cd->lock);
		break;
	case STATUSTYPE_TABLE:
		DMEMIT("%s %s %s", cd->vol_name, cd->pair_name, cd->path);
		break;
	case STATUSTYPE_IMA:
		DMEMIT_TARGET_NAME_VERSION(ti->type);
		DMEMIT(",volume=%s,pair=%s,target_device=%s;", cd->vol_name, cd->pair_name,
		       cd->path);
		break;
	}
}

/* The target is not a table device: its limits are stacked by hand. */
static void copydev_io_hints(struct dm_target *ti, struct queue_limits *limits)
{
	struct ifrep_copydev *cd = ti->private;

	blk_stack_limits(limits, &bdev_get_queue(cd->bdev)->limits, 0);
	limits->max_discard_sectors = 0;
}

static struct target_type copydev_target = {
	.name = IFREP_COPY_TARGET_NAME,
	.version = {IFREP_TARGET_VERSION_MAJOR, IFREP_TARGET_VERSION_MINOR,
		    IFREP_TARGET_VERSION_PATCH},
	.module = THIS_MODULE,
	.ctr = copydev_ctr,
	.dtr = copydev_dtr,
	.map = copydev_map,
	.status = copydev_status,
	.io_hints = copydev_io_hints,
};

int ifrep_copydev_register(void)
{
	return dm_register_target(&copydev_target);
}

void ifrep_copydev_unregister(void)
{
	dm_unregister_target(&copydev_target);
}
