/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-ifrep async cycles, primary side: point-in-time cuts of an async or
 * copy pair's dirty chunks, shipped and committed as one image.
 */
#ifndef DM_IFREP_CYCLE_H
#define DM_IFREP_CYCLE_H

#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "dm-ifrep-snap.h"

struct ifrep_pair;
struct ifrep_pair_record;
struct ifrep_volume;

struct ifrep_cycle {
	struct delayed_work work;
	struct mutex lock;		/* one cut-and-ship at a time */
	u32 interval_s;			/* 0: only on demand */
	bool cut_asked;			/* a sync came while a cycle shipped */
	u32 sync_points;		/* images the target keeps */

	/* Under vol->lock. */
	unsigned long *frozen;		/* cut chunks not shipped yet */
	unsigned long *chunks;		/* every chunk of the running cycle */
	unsigned long *urgent;		/* frozen chunks that host writes wait for */
	bool running;			/* cut done, not committed or failed yet */
	bool initial;			/* the initial copy, not journaled */
	/*
	 * A copy device showed this cut: it is kept over a stop and never
	 * cut again, even once the device is gone (dm-ifrep-copydev.c).
	 */
	bool pinned;
	u64 cut;			/* unix time of the running cycle's cut */
	unsigned long cut_at;		/* jiffies then: the timer counts from it */
	u64 total;			/* chunks of the running cycle */
	u64 shipped;
	u64 last_sync_point;		/* unix time of the last committed cut */
	struct ifrep_snap snap;		/* pre-cut granules (dm-ifrep-snap.c) */
};

/* Sets up a pair's cycle state from its record; bitmaps only for async/copy. */
int ifrep_cycle_init(struct ifrep_pair *p, const struct ifrep_pair_record *rec);
void ifrep_cycle_exit(struct ifrep_pair *p);

/* Cuts and ships a cycle now (the worker decides whether it may). */
void ifrep_cycle_kick(struct ifrep_pair *p);
/* Stops cycles and waits; a cut not shipped yet goes back to the dirty chunks. */
void ifrep_cycle_stop(struct ifrep_pair *p);

/*
 * Whether a host write into [@sector, @end) of @chunk must wait for a
 * cycle: a granule it touches of a frozen, not yet shipped chunk is being
 * saved in the snapshot store (the copies to start are put on @saves, for
 * ifrep_snap_start() once vol->lock is dropped), or the store could not
 * take it and the chunk must be shipped first (it then goes first).
 * NOTE: vol->lock held.
 */
bool __ifrep_cycle_write_waits(struct ifrep_volume *vol, u64 chunk, sector_t sector,
			       sector_t end, struct list_head *saves);

/*
 * sync [<pair>]: cuts a cycle of the async pair @name, or of each with
 * NULL, now; prints "<pair> <cut time>" per cut into @result.  admin_lock
 * held.  Return: 1 (text printed), or -errno.
 */
int ifrep_cycle_sync_now(struct ifrep_volume *vol, const char *name, char *result,
			 unsigned int maxlen);

#endif
