/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-ifrep: the volume, the write path and the lock order.  Each subsystem
 * declares the rest in its own header.
 *
 * Objects:
 *   struct ifrep_volume  one per metadata device, shared by every table
 *                        instance that maps it (so a reload keeps pairs,
 *                        bitmaps and connections), refcounted by them.
 *   struct ifrep_pair    one replication target of a volume
 *                        (dm-ifrep-pair.h).
 *   struct ifrep_io      per-bio state of a host write, in dm's per-bio data.
 *
 * Layers, each calling only the ones below it by name; a lower layer
 * reaches an upper one only through a callback it was handed (pair events,
 * a leg's completion, a work item):
 *
 *   target, message      dm glue: table line, status, the message table
 *   volume, role,        the volume's life, promotion and demotion,
 *   sync points, io      sync points on a journal, the write path
 *   pairs                the volume's pairs: add, remove, pause, resume,
 *                        load, start and stop them
 *   resync, cycle,       the pairs' workers, and the secondary's side of
 *   verify, receiver     a remote pair
 *   lineage, pair,       generations and divergence; a pair's state and
 *   snap                 the chunks it must copy; the snapshot store that
 *                        keeps a cycle's pre-cut granules
 *   local, remote        the targets (struct ifrep_pair_ops)
 *   bitmap               change tracking storage and the sweep
 *   metadata, journal,   on-disk formats, the wire protocol, TCP
 *   proto, tcp
 *
 * Change tracking invariants (vol->lock protects every bitmap but ondisk):
 *   - p->dirty[c]: chunk c must be copied to pair p's target.
 *   - p->bitmap.ondisk[c]: the bit as it is (or is being) written in p's
 *     bitmap area.  Only changed under vol->bitmap_lock.  dirty is a subset
 *     of it.
 *   - vol->marked[c]: ondisk[c] is durably set for every pair, so a write
 *     into c may be issued without metadata I/O.  The marked chunks are the
 *     hot set: vol->hot_used of them, about vol->hot_max at most (a batch
 *     that finds no quiet chunk to evict goes over).
 *   - vol->touched[c]: c was written since the eviction hand last passed.
 *   - vol->recent[c]: c was written since the last idle sweep (a minute).
 *   A write is issued only into a marked chunk.  A mark evicts the least
 *   recently used quiet chunks when the hot set is full; every minute the
 *   sweep unmarks the chunks not written for that minute; the sweep clears
 *   ondisk bits that are neither dirty nor marked, after flushing the
 *   targets.
 *
 * Lock order: admin_lock -> sweep_lock -> p->cycle.lock -> bitmap_lock ->
 * sb_lock -> vol->lock; secret_lock and p->remote.lock are leaves.  A copy
 * device (dm-ifrep-copydev.c): the volume list's lock -> copydev_lock ->
 * vol->lock -> its own lock; admin_lock -> copydev_lock.  The
 * snapshot store's map and space are under vol->lock.
 */
#ifndef DM_IFREP_H
#define DM_IFREP_H

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/device-mapper.h>
#include <linux/dm-io.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "dm-ifrep-compat.h"
#include "dm-ifrep-metadata.h"
#include "dm-ifrep-snap.h"
#include "ifrep_target.h"

#define IFREP_NO_CHUNK		((u64)-1)

struct ifrep_pair;
struct ifrep_journal;
struct ifrep_listener;

/*
 * Where a host write's time goes, summed since activation (the "timing"
 * message; make bench divides the differences by the count).
 */
struct ifrep_write_timing {
	/* Primary: host writes with data that completed without error. */
	atomic64_t writes;
	atomic64_t total_ns;		/* map to completion (marks included) */
	atomic64_t data_ns;		/* issued to the data device's completion */
	/* Secondary: DATA messages written. */
	atomic64_t rx_writes;
	atomic64_t rx_disk_ns;		/* submitted to the data device's completion */
	atomic64_t rx_ack_ns;		/* that to the ACK handed to the socket */
};

static inline void ifrep_timing_add(atomic64_t *sum, ktime_t from, ktime_t to)
{
	atomic64_add(ktime_to_ns(ktime_sub(to, from)), sum);
}

struct ifrep_volume {
	struct list_head registry;
	unsigned int refs;		/* table instances, under registry lock */
	dev_t meta_dev;
	dev_t dm_dev;			/* of the live table's device, under devices_lock */
	struct block_device *meta_bdev;
	struct block_device *data_bdev;
	struct ifrep_metadata *md;
	char name[IFREP_VOLUME_NAME_LEN];

	sector_t data_sectors;
	u32 chunk_sectors;
	unsigned int chunk_shift;
	u64 nr_chunks;
	/*
	 * The chunks the metadata's bitmap areas have room for, and the size of
	 * every chunk bitmap in memory: a volume grows up to it in place
	 * (dm-ifrep-resize.c), and no bitmap is reallocated under its users.
	 */
	u64 chunk_capacity;

	struct mutex admin_lock;	/* messages, pair add/remove, suspend */
	/*
	 * Secrets only: threads that admin_lock holders stop (connections,
	 * sessions) read secrets, so they must not need admin_lock.
	 */
	struct mutex secret_lock;
	struct mutex bitmap_lock;	/* ondisk bitmaps and their writeback */
	struct mutex sweep_lock;	/* one sweep at a time */
	struct mutex sb_lock;		/* in-core superblock and its commits */
	struct mutex ti_lock;		/* ti, for events */
	struct dm_target *ti;		/* the live table instance */

	spinlock_t lock;
	enum ifrep_health health;
	bool suspended;
	bool read_only;			/* demoting: host writes refused */
	bool cutting;			/* an async cut: host writes wait */
	bool applying;			/* secondary: a cycle is being applied */
	bool diverged;			/* = IFREP_SB_F_DIVERGED */
	bool track_local;		/* = IFREP_SB_F_TRACK_LOCAL */
	unsigned int nr_pairs;
	struct ifrep_pair *pairs[IFREP_MAX_PAIRS];
	/* The local area: chunks changed since the last agreement with a peer. */
	unsigned long *local_ondisk;	/* under bitmap_lock */
	unsigned long *local_changed;
	unsigned long *marked;
	unsigned long *touched;
	unsigned long *idle;		/* sweep and mark scratch, left empty */
	unsigned long *victims;		/* mark scratch: chunks evicted */
	unsigned long *recent;		/* written since the last idle sweep */
	unsigned int sweeps;		/* since the last idle sweep; sweep_lock */
	/* The hot set: under vol->lock, changed under bitmap_lock too. */
	u32 hot_max;			/* = the table's hot_chunks */
	u64 hot_used;			/* bits set in marked */
	u64 hot_hand;			/* the eviction hand: next chunk to look at */
	u64 hot_evicted;		/* chunks evicted since activation */
	struct ifrep_write_timing timing;
	struct list_head inflight;	/* struct ifrep_io of writes in flight */
	struct bio_list to_mark;	/* writes waiting for their chunk's mark */
	struct bio_list parked;		/* writes into a chunk being copied */
	struct bio_list diverging;	/* done, but "diverged" must be on disk first */
	wait_queue_head_t wait;		/* in-flight writes and legs drained */

	struct workqueue_struct *wq;	/* ordered: marks and events */
	struct workqueue_struct *resync_wq;
	struct work_struct mark_work;
	struct work_struct unpark_work;	/* parked writes: try them again */
	struct delayed_work sweep_work;
	struct work_struct event_work;

	struct bio_set bs;
	struct dm_io_client *io_client;
	struct ifrep_snap_store store;	/* async cycles' pre-cut granules */

	/* Secondary: accepts its primary (dm-ifrep-receiver.c). */
	struct ifrep_listener *listener;
	struct ifrep_journal *journal;	/* makes async cycles atomic */
	struct block_device *journal_bdev;
	u8 *listen_secret;		/* under secret_lock */
	unsigned int listen_secret_len;
};

/* A clone of a host write sent to the data device or to a local target. */
struct ifrep_leg {
	struct ifrep_io *io;
	struct ifrep_pair *pair;	/* NULL for the data device */
	struct bio clone;		/* must be last: bioset front_pad */
};

/* Per-bio state of host writes; dm's per-bio data. */
struct ifrep_io {
	struct ifrep_volume *vol;
	struct bio *bio;		/* the bio dm gave us */
	struct list_head inflight;
	u64 chunk;			/* IFREP_NO_CHUNK for an empty flush */
	atomic_t pending;		/* legs still running */
	blk_status_t data_status;
	bool unreplicated;		/* a peer with a consistent copy missed it */
	ktime_t mapped;			/* for the "timing" message */
	ktime_t issued;
	ktime_t data_done;
};


/*
 * How a target completes a host write's leg (see struct ifrep_pair_ops):
 * any context.
 */
typedef void (*ifrep_leg_done_fn)(struct ifrep_io *io, struct ifrep_pair *p,
				  blk_status_t status);

/*----------------------------------------------------------------
 * dm-ifrep-volume.c: the volume's life
 *--------------------------------------------------------------*/

struct ifrep_volume *ifrep_volume_get(struct dm_target *ti,
				      struct block_device *meta,
				      struct block_device *data,
				      const struct ifrep_md_params *params,
				      char **error);
void ifrep_volume_put(struct ifrep_volume *vol, struct dm_target *ti);
/*
 * ifrep_volume_call() - calls @fn on the volume named @name with the
 * volume list locked, so that the volume cannot be torn down meanwhile
 * (its last table instance's destructor waits).  Context: process; @fn may
 * block but must not take the volume list's lock.  Return: what @fn
 * returned, or -ENODEV when no volume has that name.
 */
int ifrep_volume_call(const char *name, int (*fn)(struct ifrep_volume *vol, void *arg),
		      void *arg);
void ifrep_volume_presuspend(struct ifrep_volume *vol);
void ifrep_volume_postsuspend(struct ifrep_volume *vol);
void ifrep_volume_resume(struct ifrep_volume *vol, struct dm_target *ti);
/* A KOBJ_CHANGE uevent: what the device holds changed (promote, demote). */
void ifrep_volume_uevent(struct ifrep_volume *vol);
/**
 * ifrep_volume_check_target() - may a pair of @vol write to the device at @path?
 * @vol: the pair's volume
 * @pair: the pair's name, for the log
 * @what: "target" or "journal", for the log
 * @path: the device's path
 * @reason: set to the pair's reason word on a refusal
 *
 * Refuses a dm-ifrep volume, the data, metadata or journal device of one
 * (of @vol itself too) and a dm device stacked on any of those, with a
 * DMERR that names the volume.  A path that is not a block device passes:
 * opening it fails.
 *
 * Context: process; takes the volume list's device lock and the lower
 * devices' sysfs directories' locks.
 * Return: 0; -EINVAL for @vol's own device; -ELOOP for the rest.
 */
int ifrep_volume_check_target(struct ifrep_volume *vol, const char *pair, const char *what,
			      const char *path, const char **reason);

/*----------------------------------------------------------------
 * dm-ifrep-io.c: the write path
 *--------------------------------------------------------------*/

/* Map a host write (or an empty flush); always DM_MAPIO_SUBMITTED. */
int ifrep_io_map_write(struct ifrep_volume *vol, struct bio *bio);
/*
 * A discard or write-zeroes of @nr sectors at @sector on a device that need
 * not support it: the block layer's bios for it, chained, the last in
 * *@chain (NULL: nothing to do).  A device without discards skips them (a
 * discard promises no content); one without write-zeroes gets zeroes
 * written.  Return: 0 or -errno (*@chain still to be submitted if set).
 */
int ifrep_io_extent_bios(struct block_device *bdev, enum req_op op, sector_t sector,
			 sector_t nr, struct bio **chain);
/* Work functions of vol->mark_work and vol->unpark_work. */
void ifrep_io_mark_worker(struct work_struct *ws);
void ifrep_io_unpark_worker(struct work_struct *ws);

/*----------------------------------------------------------------
 * Helpers every layer uses
 *--------------------------------------------------------------*/

static inline u64 ifrep_chunk_of(struct ifrep_volume *vol, sector_t sector)
{
	return sector >> vol->chunk_shift;
}

/*
 * Jiffies from now until @when, 0 once it passed.  The clock is read once:
 * a deadline checked with one read and subtracted with another may pass in
 * between, and the difference then wraps to a timeout of years.
 */
static inline unsigned long ifrep_jiffies_until(unsigned long when)
{
	long left = (long)(when - jiffies);

	return left > 0 ? left : 0;
}

/* A dm event (dmsetup wait), raised from the volume's worker. */
static inline void ifrep_volume_event(struct ifrep_volume *vol)
{
	queue_work(vol->wq, &vol->event_work);
}

/*
 * A chunk that parked host writes (a resync, cycle or verify locked it,
 * or a cut held every chunk) is free again: the write path tries the
 * parked writes again from its worker.
 */
static inline void ifrep_volume_unpark(struct ifrep_volume *vol)
{
	queue_work(vol->resync_wq, &vol->unpark_work);
}

/* Whether a host write into @chunk is in flight. */
static inline bool ifrep_chunk_has_inflight(struct ifrep_volume *vol, u64 chunk)
{
	struct ifrep_io *io;
	unsigned long flags;
	bool found = false;

	spin_lock_irqsave(&vol->lock, flags);
	list_for_each_entry(io, &vol->inflight, inflight)
		if (io->chunk == chunk) {
			found = true;
			break;
		}
	spin_unlock_irqrestore(&vol->lock, flags);
	return found;
}

#endif
