// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep online grow: the volume takes a larger size once its data device
 * (and every local target) has it.
 *
 * The metadata's bitmap areas were laid out for a number of chunks that is
 * a whole number of bitmap blocks, and every chunk bitmap in memory is
 * allocated for that capacity (vol->chunk_capacity): growing within it
 * moves nothing and reallocates nothing under the workers, so the live
 * volume only takes the new size.  The new chunks are dirty for every pair
 * (the old data device's contents there were never replicated), first in
 * the pairs' areas on disk, then in the superblock's size: a crash between
 * the two leaves the old size and bits nobody reads.
 *
 * The dm table keeps its length until ifrepctl loads one with the new size
 * (the constructor requires the volume's size), so no I/O reaches the new
 * area before all this is done.  A remote secondary must have grown first:
 * one that did not ends the session at the first write past its end, and
 * refuses the attach that follows (its size is in it) until it grew.
 */
#include "dm-ifrep-pair.h"
#include "dm-ifrep-journal.h"
#include "dm-ifrep-resize.h"

#define DM_MSG_PREFIX "ifrep"

/* What must hold for every pair before anything changes.  admin_lock held. */
static int check_pairs(struct ifrep_volume *vol, sector_t new_sectors)
{
	struct block_device *target;
	struct ifrep_pair *p;
	unsigned int i;

	for (i = 0; i < IFREP_MAX_PAIRS; i++) {
		p = vol->pairs[i];
		if (!p || READ_ONCE(p->state) == IFREP_PS_DONE)
			continue;
		if (p->mode == IFREP_MODE_COPY) {
			DMERR("%s: resize: pair %s is copying the volume: grow it once the copy is done",
			      vol->name, p->name);
			return -EBUSY;
		}
		if (p->ops->remote)
			continue;
		/* A closed target is checked when it opens again (target_too_small). */
		target = p->local.bdev;
		if (target && bdev_nr_sectors(target) < new_sectors) {
			DMERR("%s: resize: pair %s: target %s has %llu sectors, the volume would have %llu: grow it first",
			      vol->name, p->name, p->peer, (u64)bdev_nr_sectors(target),
			      (u64)new_sectors);
			return -ENOSPC;
		}
	}
	return 0;
}

/* Journals save chunks by number: the new ones must fit theirs. */
static int grow_journals(struct ifrep_volume *vol, sector_t new_sectors)
{
	struct ifrep_journal *j;
	unsigned int i;
	int r = 0;

	if (vol->journal)
		r = ifrep_journal_grow(vol->journal, new_sectors);
	for (i = 0; i < IFREP_MAX_PAIRS && !r; i++) {
		j = vol->pairs[i] && !vol->pairs[i]->ops->remote ?
		    vol->pairs[i]->local.journal : NULL;
		if (j)
			r = ifrep_journal_grow(j, new_sectors);
	}
	if (r == -EBUSY)
		DMERR("%s: resize: a cycle is being applied: try again once it committed",
		      vol->name);
	else if (r)
		DMERR("%s: resize: cannot grow a journal (%d)", vol->name, r);
	return r;
}

/*
 * The chunks from @dirty_from to @new_chunks dirty in every pair's area,
 * then the new size in the superblock.  On failure the bits past the old
 * end go again; the old last chunk's may stay (a chunk copied once more
 * after a crash).  bitmap_lock held.
 */
static int record(struct ifrep_volume *vol, sector_t old_sectors, sector_t new_sectors,
		  u64 dirty_from, u64 old_chunks, u64 new_chunks)
{
	struct ifrep_pair *p;
	unsigned int i;
	int r;

	mutex_lock(&vol->sb_lock);
	r = ifrep_md_set_size(vol->md, new_sectors);
	for (i = 0; i < IFREP_MAX_PAIRS && !r; i++) {
		p = vol->pairs[i];
		if (!p || READ_ONCE(p->state) == IFREP_PS_DONE)
			continue;
		bitmap_set(p->bitmap.ondisk, dirty_from, new_chunks - dirty_from);
		r = ifrep_bitmap_write_area(vol, p->slot, p->bitmap.ondisk);
	}
	if (!r)
		r = ifrep_md_commit(vol->md);
	if (r) {
		ifrep_md_set_size(vol->md, old_sectors);
		for (i = 0; i < IFREP_MAX_PAIRS; i++)
			if (vol->pairs[i])
				bitmap_clear(vol->pairs[i]->bitmap.ondisk, old_chunks,
					     new_chunks - old_chunks);
	}
	mutex_unlock(&vol->sb_lock);
	return r;
}

/*
 * The live volume takes the size, and the chunks from @dirty_from on are
 * dirty for every pair.  Bits of the chunks past the old end (@first,
 * @count) are cleared first: whole-word copies may have left some there.
 * bitmap_lock held.
 */
static void publish(struct ifrep_volume *vol, sector_t new_sectors, u64 first, u64 count,
		    u64 dirty_from)
{
	unsigned long *vol_bits[] = {
		vol->marked, vol->touched, vol->idle, vol->victims, vol->recent,
		vol->local_ondisk,
	};
	struct ifrep_pair *p;
	unsigned int i, k;
	u64 chunk;

	spin_lock_irq(&vol->lock);
	for (k = 0; k < ARRAY_SIZE(vol_bits); k++)
		bitmap_clear(vol_bits[k], first, count);
	for (i = 0; i < IFREP_MAX_PAIRS; i++) {
		p = vol->pairs[i];
		if (!p)
			continue;
		bitmap_clear(p->dirty, first, count);
		bitmap_clear(p->bitmap.scratch, first, count);
		bitmap_clear(p->bitmap.evict, first, count);
		if (p->resync.locked)
			bitmap_clear(p->resync.locked, first, count);
		if (p->cycle.frozen) {
			bitmap_clear(p->cycle.frozen, first, count);
			bitmap_clear(p->cycle.chunks, first, count);
			bitmap_clear(p->cycle.urgent, first, count);
		}
	}
	WRITE_ONCE(vol->data_sectors, new_sectors);
	WRITE_ONCE(vol->nr_chunks, first + count);
	for (i = 0; i < IFREP_MAX_PAIRS; i++) {
		p = vol->pairs[i];
		if (p)
			for (chunk = dirty_from; chunk < first + count; chunk++)
				__ifrep_pair_set_dirty(p, chunk);
	}
	spin_unlock_irq(&vol->lock);
}

int ifrep_volume_grow(struct ifrep_volume *vol, sector_t new_sectors)
{
	sector_t old_sectors = vol->data_sectors;
	u64 old_chunks = vol->nr_chunks, new_chunks;
	/* A last chunk the old size ended in grows too: it is copied again. */
	u64 dirty_from = old_sectors >> vol->chunk_shift;
	int r;

	lockdep_assert_held(&vol->admin_lock);
	if (new_sectors == old_sectors)
		return 0;
	if (new_sectors < old_sectors) {
		DMERR("%s: resize: shrinking is not supported (%llu sectors now, %llu asked)",
		      vol->name, (u64)old_sectors, (u64)new_sectors);
		return -EINVAL;
	}
	new_chunks = DIV_ROUND_UP_ULL(new_sectors, vol->chunk_sectors);
	if (new_chunks > vol->chunk_capacity) {
		DMERR("%s: resize: %llu sectors need %llu chunks; this volume's metadata holds %llu (a larger volume needs new metadata)",
		      vol->name, (u64)new_sectors, new_chunks, vol->chunk_capacity);
		return -EFBIG;
	}
	if (bdev_nr_sectors(vol->data_bdev) < new_sectors) {
		DMERR("%s: resize: the data device has %llu sectors, %llu asked: grow it first",
		      vol->name, (u64)bdev_nr_sectors(vol->data_bdev), (u64)new_sectors);
		return -ENOSPC;
	}
	r = check_pairs(vol, new_sectors) ?: grow_journals(vol, new_sectors);
	if (r)
		return r;

	mutex_lock(&vol->bitmap_lock);
	r = record(vol, old_sectors, new_sectors, dirty_from, old_chunks, new_chunks);
	if (!r)
		publish(vol, new_sectors, old_chunks, new_chunks - old_chunks, dirty_from);
	mutex_unlock(&vol->bitmap_lock);
	if (r) {
		DMERR("%s: resize: metadata write failed (%d): the size stays %llu sectors",
		      vol->name, r, (u64)old_sectors);
		return r;
	}

	DMINFO("%s: grown from %llu to %llu sectors: %llu chunks to copy to every pair",
	       vol->name, (u64)old_sectors, (u64)new_sectors, new_chunks - dirty_from);
	ifrep_volume_event(vol);
	return 0;
}
