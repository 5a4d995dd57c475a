/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-ifrep snapshot store: the pre-cut content of the granules of an async
 * or copy cycle that host writes overwrite before the cycle shipped them.
 *
 * The store is the part of the metadata device past the metadata's own
 * blocks (meta_blocks).  Its map is in memory only: a crash of the primary
 * aborts the running cycle anyway (its chunks go with the next one, cut
 * anew), so nothing saved there is ever needed after a restart.
 */
#ifndef DM_IFREP_SNAP_H
#define DM_IFREP_SNAP_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/rbtree.h>
#include <linux/types.h>

#include "ifrep_target.h"

struct dm_kcopyd_client;
struct ifrep_pair;
struct ifrep_volume;

/* The store's allocation unit: the metadata block size. */
#define IFREP_SNAP_BLOCK_SECTORS	8
#define IFREP_DEFAULT_GRANULE_SECTORS	(IFREP_DEFAULT_GRANULE_BYTES >> SECTOR_SHIFT)
#define IFREP_MIN_GRANULE_SECTORS	(IFREP_MIN_GRANULE_BYTES >> SECTOR_SHIFT)

/* One per volume, shared by its pairs. */
struct ifrep_snap_store {
	struct dm_kcopyd_client *kc;
	sector_t start;			/* first sector on the metadata device */
	unsigned long nr_blocks;	/* 0: no store, every save falls back */
	unsigned long *used;		/* under vol->lock */
	unsigned long cursor;		/* next fit */
	atomic_t copying;		/* copies in flight */
};

/* One per async or copy pair; all under vol->lock. */
struct ifrep_snap {
	u32 granule_sectors;
	unsigned int granule_shift;
	struct rb_root granules;	/* struct ifrep_snap_granule by index */
	u64 blocks;			/* store blocks this pair holds */
	bool full;			/* this cycle: copy-on-write through the link */
	u64 cow_fallbacks;		/* chunks host writes waited for, since activation */
};

int ifrep_snap_store_init(struct ifrep_volume *vol);
/* Waits for the copies in flight; after the pairs are gone. */
void ifrep_snap_store_exit(struct ifrep_volume *vol);
/* Waits for the copies in flight (suspend: no I/O of ours may run). */
void ifrep_snap_store_quiesce(struct ifrep_volume *vol);

void ifrep_snap_init(struct ifrep_pair *p, u32 granule_sectors);
/* The granule size a record asks for, or the default for 0; false if invalid. */
bool ifrep_snap_valid_granule(struct ifrep_volume *vol, u32 granule_sectors);

/*
 * A host write into [@sector, @end) of @chunk, which @p froze and did not
 * ship yet.  Returns whether it must wait: some granule it touches is not
 * saved yet (its copy is queued on @saves, to be started by
 * ifrep_snap_start() once vol->lock is dropped), or the store cannot take
 * it and the write waits for the chunk to be shipped (urgent).  NOTE:
 * vol->lock held.
 */
bool __ifrep_snap_write(struct ifrep_pair *p, u64 chunk, sector_t sector, sector_t end,
			struct list_head *saves);
/* Starts the copies __ifrep_snap_write() queued; may block (map context). */
void ifrep_snap_start(struct ifrep_volume *vol, struct list_head *saves);

/* The store's copies of @chunk (shipped) or of every chunk are dropped.  NOTE: vol->lock held. */
void __ifrep_snap_release_chunk(struct ifrep_pair *p, u64 chunk);
void __ifrep_snap_release_all(struct ifrep_pair *p);

/*
 * Reads @len bytes at @sector of the cycle's image: the data device, with
 * the granules saved in the store read from there.  The caller ships the
 * chunk and is the only one that drops its granules.  Blocks.
 */
int ifrep_snap_read(struct ifrep_pair *p, sector_t sector, void *buf, unsigned int len);

static inline u64 ifrep_snap_used_bytes(const struct ifrep_snap *s)
{
	return s->blocks * (IFREP_SNAP_BLOCK_SECTORS << SECTOR_SHIFT);
}

#endif
