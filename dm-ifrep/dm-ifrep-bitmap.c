// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep change tracking: the in-core chunk bitmaps and their writeback.
 *
 * Marking (write-ahead): writes into unmarked chunks collect on
 * vol->to_mark.  The mark worker sets their bits in every pair's ondisk
 * bitmap, writes the changed bitmap blocks, flushes the metadata device
 * once for the whole batch and only then marks the chunks and issues the
 * writes.  So a bit is durable before the first write into its chunk is
 * issued, and writes that arrive together share one flush.
 *
 * When the volume was promoted (track_local), the mark also sets the chunk
 * in the local area, which records every write since the promotion.
 *
 * Sweeping (lazy clear): every IFREP_SWEEP_INTERVAL the sweep unmarks
 * chunks that were not written for a whole period and have no write in
 * flight, flushes each target that has bits to clear (so the data copied
 * there is stable), then clears the ondisk bits that are neither dirty nor
 * marked, and writes them back.  Hot chunks stay marked and cost nothing.
 */
#include "dm-ifrep.h"

#include <linux/vmalloc.h>

#define DM_MSG_PREFIX "ifrep"

unsigned long *ifrep_bitmap_alloc(u64 nbits, bool set)
{
	unsigned long *bits;

	bits = kvcalloc(BITS_TO_LONGS(nbits), sizeof(unsigned long), GFP_KERNEL);
	if (bits && set)
		bitmap_set(bits, 0, nbits);
	return bits;
}

void ifrep_bitmap_free(unsigned long *bits)
{
	kvfree(bits);
}

/*
 * A pair in sync that gets a dirty chunk (a data device error) goes back
 * to resyncing.  NOTE: must be called with vol->lock held.
 */
void __ifrep_pair_set_dirty(struct ifrep_pair *p, u64 chunk)
{
	lockdep_assert_held(&p->vol->lock);
	if (p->state == IFREP_PS_DONE || __test_and_set_bit(chunk, p->dirty))
		return;
	p->nr_dirty++;
	if (p->state == IFREP_PS_IN_SYNC) {
		__ifrep_pair_set_state(p, IFREP_PS_RESYNCING, NULL);
		if (!p->vol->suspended)
			ifrep_resync_kick(p);
	}
}

/* A finished copy tracks nothing; its state is final once set. */
static bool pair_done(struct ifrep_pair *p)
{
	return READ_ONCE(p->state) == IFREP_PS_DONE;
}

static void set_ondisk(struct ifrep_pair *p, u64 chunk, bool value)
{
	if (test_bit(chunk, p->ondisk) == value)
		return;
	if (value)
		__set_bit(chunk, p->ondisk);
	else
		__clear_bit(chunk, p->ondisk);
	__set_bit(ifrep_md_block_of_chunk(chunk), p->ondisk_changed);
}

static void set_local(struct ifrep_volume *vol, u64 chunk)
{
	if (!__test_and_set_bit(chunk, vol->local_ondisk))
		__set_bit(ifrep_md_block_of_chunk(chunk), vol->local_changed);
}

static int write_changed(struct ifrep_volume *vol, unsigned int area,
			 const unsigned long *bits, unsigned long *changed,
			 bool *wrote)
{
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);
	u64 block;
	int r;

	for_each_set_bit(block, changed, sb->bitmap_blocks) {
		r = ifrep_md_write_bitmap_block(vol->md, area, block, bits);
		if (r)
			return r;
		__clear_bit(block, changed);
		*wrote = true;
	}
	return 0;
}

/* Writes every changed bitmap block (pairs and local area), then one flush. */
static int writeback(struct ifrep_volume *vol)
{
	struct ifrep_pair *p;
	bool wrote = false;
	unsigned int i;
	int r;

	lockdep_assert_held(&vol->bitmap_lock);
	for (i = 0; i < IFREP_MAX_PAIRS; i++) {
		p = vol->pairs[i];
		if (!p)
			continue;
		r = write_changed(vol, p->slot, p->ondisk, p->ondisk_changed, &wrote);
		if (r)
			return r;
	}
	r = write_changed(vol, IFREP_LOCAL_SLOT, vol->local_ondisk,
			  vol->local_changed, &wrote);
	if (r)
		return r;
	return wrote ? ifrep_md_flush(vol->md) : 0;
}

/* Clears the local area and stops tracking into it.  bitmap_lock held. */
int ifrep_local_reset(struct ifrep_volume *vol)
{
	lockdep_assert_held(&vol->bitmap_lock);
	bitmap_zero(vol->local_ondisk, vol->nr_chunks);
	bitmap_zero(vol->local_changed, ifrep_md_sb(vol->md)->bitmap_blocks);
	return ifrep_bitmap_write_area(vol, IFREP_LOCAL_SLOT, vol->local_ondisk);
}

void ifrep_bitmap_to_le(const unsigned long *bits, u64 nbits, __le64 *words)
{
	u64 w, nwords = DIV_ROUND_UP_ULL(nbits, 64), v;
	unsigned int b;

	for (w = 0; w < nwords; w++) {
		v = 0;
		for (b = 0; b < 64 && w * 64 + b < nbits; b++)
			if (test_bit(w * 64 + b, bits))
				v |= 1ULL << b;
		words[w] = cpu_to_le64(v);
	}
}

void ifrep_bitmap_from_le(unsigned long *bits, u64 nbits, const __le64 *words)
{
	u64 w, nwords = DIV_ROUND_UP_ULL(nbits, 64), v;
	unsigned int b;

	bitmap_zero(bits, nbits);
	for (w = 0; w < nwords; w++) {
		v = le64_to_cpu(words[w]);
		for (b = 0; b < 64 && w * 64 + b < nbits; b++)
			if (v & (1ULL << b))
				__set_bit(w * 64 + b, bits);
	}
}

/*
 * A write that a remote peer holding a consistent copy will not get makes
 * this volume diverge from it; that must be on disk before the write can
 * be acknowledged, or a later promotion of the peer could not tell a
 * failover from a split brain.  NOTE: vol->lock held.
 */
bool __ifrep_must_record_divergence(struct ifrep_volume *vol)
{
	struct ifrep_pair *p;
	unsigned int i;

	if (vol->diverged)
		return false;
	for (i = 0; i < IFREP_MAX_PAIRS; i++) {
		p = vol->pairs[i];
		/* A copy's target is not a replica: it never takes over from us. */
		if (p && p->ops->remote && p->target_consistent &&
		    p->mode != IFREP_MODE_COPY && !__ifrep_pair_replicating(p))
			return true;
	}
	return false;
}

int ifrep_bitmap_write_area(struct ifrep_volume *vol, unsigned int area,
			    const unsigned long *bits)
{
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);
	u64 block;
	int r;

	for (block = 0; block < sb->bitmap_blocks; block++) {
		r = ifrep_md_write_bitmap_block(vol->md, area, block, bits);
		if (r)
			return r;
	}
	return ifrep_md_flush(vol->md);
}

static void metadata_failed(struct ifrep_volume *vol, int r)
{
	unsigned long flags;
	bool changed;

	spin_lock_irqsave(&vol->lock, flags);
	changed = vol->health == IFREP_HEALTH_RW;
	if (changed)
		vol->health = IFREP_HEALTH_RO;
	spin_unlock_irqrestore(&vol->lock, flags);
	if (changed) {
		DMERR("%s: metadata write failed (%d): writes into untracked chunks now fail",
		      vol->name, r);
		ifrep_volume_event(vol);
	}
}

void ifrep_mark_worker(struct work_struct *ws)
{
	struct ifrep_volume *vol = container_of(ws, struct ifrep_volume, mark_work);
	struct bio_list batch, done;
	struct bio *bio;
	bool diverge;
	unsigned int i;
	int r = 0;
	u64 chunk;

	spin_lock_irq(&vol->lock);
	batch = vol->to_mark;
	bio_list_init(&vol->to_mark);
	done = vol->diverging;
	bio_list_init(&vol->diverging);
	spin_unlock_irq(&vol->lock);

	/* Completed writes a peer missed: record the divergence, then ack. */
	if (!bio_list_empty(&done)) {
		if (ifrep_set_diverged(vol, true))
			DMERR("%s: cannot record that writes were acknowledged without a peer",
			      vol->name);
		while ((bio = bio_list_pop(&done)))
			bio_endio(bio);
	}
	if (bio_list_empty(&batch))
		return;

	spin_lock_irq(&vol->lock);
	diverge = __ifrep_must_record_divergence(vol);
	spin_unlock_irq(&vol->lock);
	if (diverge)
		r = ifrep_set_diverged(vol, true);

	mutex_lock(&vol->bitmap_lock);
	if (r || READ_ONCE(vol->health) != IFREP_HEALTH_RW) {
		r = -EIO;
	} else {
		bio_list_for_each(bio, &batch) {
			chunk = ifrep_chunk_of(vol, bio->bi_iter.bi_sector);
			for (i = 0; i < IFREP_MAX_PAIRS; i++)
				if (vol->pairs[i] && !pair_done(vol->pairs[i]))
					set_ondisk(vol->pairs[i], chunk, true);
			if (vol->track_local)
				set_local(vol, chunk);
		}
		r = writeback(vol);
	}
	if (!r) {
		spin_lock_irq(&vol->lock);
		bio_list_for_each(bio, &batch)
			__set_bit(ifrep_chunk_of(vol, bio->bi_iter.bi_sector),
				  vol->marked);
		spin_unlock_irq(&vol->lock);
	}
	mutex_unlock(&vol->bitmap_lock);

	if (r) {
		metadata_failed(vol, r);
		while ((bio = bio_list_pop(&batch))) {
			bio->bi_status = BLK_STS_IOERR;
			bio_endio(bio);
		}
		return;
	}
	while ((bio = bio_list_pop(&batch)))
		ifrep_dispatch_write(vol, bio);
}

/*
 * Computes, under vol->lock, which chunks to unmark and which bits to
 * clear.  A final sweep (suspended, nothing in flight) unmarks every chunk.
 */
static bool __sweep_select(struct ifrep_volume *vol, bool final)
{
	struct ifrep_io *io;
	struct ifrep_pair *p;
	bool any = false;
	unsigned int i;

	if (final)
		bitmap_copy(vol->idle, vol->marked, vol->nr_chunks);
	else
		bitmap_andnot(vol->idle, vol->marked, vol->touched, vol->nr_chunks);
	list_for_each_entry(io, &vol->inflight, inflight)
		__clear_bit(io->chunk, vol->idle);
	bitmap_andnot(vol->marked, vol->marked, vol->idle, vol->nr_chunks);
	bitmap_zero(vol->touched, vol->nr_chunks);

	for (i = 0; i < IFREP_MAX_PAIRS; i++) {
		p = vol->pairs[i];
		if (!p)
			continue;
		if (pair_done(p)) {
			bitmap_zero(p->scratch, vol->nr_chunks);
			continue;
		}
		bitmap_andnot(p->scratch, p->ondisk, p->dirty, vol->nr_chunks);
		bitmap_andnot(p->scratch, p->scratch, vol->marked, vol->nr_chunks);
		/* A running cycle's chunks are dirty again if it fails. */
		if (p->cycle_running)
			bitmap_andnot(p->scratch, p->scratch, p->cycle_set, vol->nr_chunks);
		if (!bitmap_empty(p->scratch, vol->nr_chunks))
			any = true;
	}
	return any;
}

int ifrep_sweep(struct ifrep_volume *vol, bool final)
{
	struct ifrep_pair *p;
	unsigned int i;
	u64 chunk;
	int r = 0;

	mutex_lock(&vol->bitmap_lock);
	spin_lock_irq(&vol->lock);
	if (!__sweep_select(vol, final))
		goto out_unlock_spin;
	spin_unlock_irq(&vol->lock);

	for (i = 0; i < IFREP_MAX_PAIRS; i++) {
		p = vol->pairs[i];
		if (!p || bitmap_empty(p->scratch, vol->nr_chunks))
			continue;
		/* Data we are about to call clean must be stable there. */
		if (p->ops->flush_sync(p))
			continue;
		for_each_set_bit(chunk, p->scratch, vol->nr_chunks)
			set_ondisk(p, chunk, false);
	}
	if (READ_ONCE(vol->health) == IFREP_HEALTH_RW) {
		r = writeback(vol);
		if (r)
			metadata_failed(vol, r);
	}
	mutex_unlock(&vol->bitmap_lock);
	return r;

out_unlock_spin:
	spin_unlock_irq(&vol->lock);
	mutex_unlock(&vol->bitmap_lock);
	return 0;
}

void ifrep_sweep_worker(struct work_struct *ws)
{
	struct ifrep_volume *vol = container_of(to_delayed_work(ws),
						struct ifrep_volume, sweep_work);

	ifrep_sweep(vol, false);
	if (!READ_ONCE(vol->suspended))
		queue_delayed_work(vol->wq, &vol->sweep_work, IFREP_SWEEP_INTERVAL);
}
