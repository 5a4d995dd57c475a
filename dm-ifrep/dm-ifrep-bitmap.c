// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep change tracking storage: the in-core chunk bitmaps and their
 * writeback.
 *
 * Marking (write-ahead): the write path collects writes into unmarked
 * chunks and hands them here in batches.  Their bits are set in every
 * pair's ondisk bitmap, the changed bitmap blocks are written, the metadata
 * device is flushed once for the whole batch and only then are the chunks
 * marked.  So a bit is durable before the first write into its chunk is
 * issued, and writes that arrive together share one flush.
 *
 * When the volume was promoted (track_local), the mark also sets the chunk
 * in the local area, which records every write since the promotion.
 *
 * The hot set (activity log): a chunk stays marked once marked, so writes
 * into a chunk already written cost no metadata I/O however far apart they
 * come, but at most vol->hot_max chunks stay marked: that is the most a
 * primary crash can leave to resync beyond what was dirty already.  When a
 * batch needs more, the mark evicts the least recently used quiet chunks
 * (a CLOCK over vol->marked with vol->touched as the reference bit: no
 * per-write list to keep in order under vol->lock), flushes the targets
 * that hold their data with no lock held, then clears their bits in the
 * same metadata write that sets the new ones.  An evicted chunk that is
 * dirty for a pair, or in its running cycle, keeps that pair's bit: only
 * its place in the hot set is freed.
 *
 * Sweeping (lazy clear): every IFREP_SWEEP_INTERVAL the sweep clears the
 * ondisk bits that are neither dirty nor marked (chunks a resync copied,
 * evictions whose flush failed or that left an async pair's bit), after
 * flushing the targets that held them, and writes them back.  Every
 * IFREP_HOT_IDLE_SWEEPS sweeps it first unmarks the chunks not written
 * since the last such sweep.  Hot chunks stay marked and cost nothing.
 */
#include "dm-ifrep-pair.h"

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

int ifrep_bitmap_pair_init(struct ifrep_pair_bitmap *b, struct ifrep_volume *vol)
{
	b->ondisk = ifrep_bitmap_alloc(vol->chunk_capacity, false);
	b->scratch = ifrep_bitmap_alloc(vol->chunk_capacity, false);
	b->evict = ifrep_bitmap_alloc(vol->chunk_capacity, false);
	b->changed = ifrep_bitmap_alloc(ifrep_md_sb(vol->md)->bitmap_blocks, false);
	if (!b->ondisk || !b->scratch || !b->evict || !b->changed) {
		ifrep_bitmap_pair_exit(b);
		return -ENOMEM;
	}
	return 0;
}

void ifrep_bitmap_pair_exit(struct ifrep_pair_bitmap *b)
{
	ifrep_bitmap_free(b->ondisk);
	ifrep_bitmap_free(b->scratch);
	ifrep_bitmap_free(b->evict);
	ifrep_bitmap_free(b->changed);
	b->ondisk = b->scratch = b->evict = b->changed = NULL;
}

/* A finished copy tracks nothing; its state is final once set. */
static bool pair_done(struct ifrep_pair *p)
{
	return READ_ONCE(p->state) == IFREP_PS_DONE;
}

static void set_ondisk(struct ifrep_pair *p, u64 chunk, bool value)
{
	struct ifrep_pair_bitmap *b = &p->bitmap;

	if (test_bit(chunk, b->ondisk) == value)
		return;
	if (value)
		__set_bit(chunk, b->ondisk);
	else
		__clear_bit(chunk, b->ondisk);
	__set_bit(ifrep_md_block_of_chunk(chunk), b->changed);
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
		r = write_changed(vol, p->slot, p->bitmap.ondisk, p->bitmap.changed, &wrote);
		if (r)
			return r;
	}
	r = write_changed(vol, IFREP_LOCAL_SLOT, vol->local_ondisk,
			  vol->local_changed, &wrote);
	if (r)
		return r;
	return wrote ? ifrep_md_flush(vol->md) : 0;
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

int ifrep_bitmap_reset_local(struct ifrep_volume *vol)
{
	lockdep_assert_held(&vol->bitmap_lock);
	bitmap_zero(vol->local_ondisk, vol->nr_chunks);
	bitmap_zero(vol->local_changed, ifrep_md_sb(vol->md)->bitmap_blocks);
	return ifrep_bitmap_write_area(vol, IFREP_LOCAL_SLOT, vol->local_ondisk);
}

void ifrep_bitmap_metadata_failed(struct ifrep_volume *vol, int r)
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

/*
 * Which bits of @p the chunks in @chunks may lose once its target was
 * flushed: not dirty, not in a running cycle (dirty again if it fails).
 * NOTE: vol->lock held.
 */
static void __clearable(struct ifrep_volume *vol, struct ifrep_pair *p,
			unsigned long *out, const unsigned long *chunks)
{
	bitmap_and(out, chunks, p->bitmap.ondisk, vol->nr_chunks);
	bitmap_andnot(out, out, p->dirty, vol->nr_chunks);
	bitmap_andnot(out, out, vol->marked, vol->nr_chunks);
	if (p->cycle.running)
		bitmap_andnot(out, out, p->cycle.chunks, vol->nr_chunks);
}

/*
 * A paused pair's target is closed (or opened by a sync point message,
 * which must not see it flushed and closed under it): nothing to flush, so
 * nothing to clear.  A finished copy tracks nothing.
 */
static bool may_clear(struct ifrep_pair *p)
{
	return !pair_done(p) && p->state != IFREP_PS_PAUSED;
}

/*
 * A paused local sync pair whose target was flushed when the pause closed
 * it: nothing reached the target since, so what is neither dirty nor
 * marked is stable there and its bits go without a flush (or the chunks
 * hot when it was paused would stay set, and be resynced, until it is
 * resumed).  A remote target tells when it attaches whether it lost its
 * cache, which needs the bits kept; an async pair's target may be opened
 * by a sync point message meanwhile.  NOTE: vol->lock held.
 */
static bool paused_and_stable(struct ifrep_pair *p)
{
	return p->state == IFREP_PS_PAUSED && p->mode == IFREP_MODE_SYNC &&
	       !p->ops->remote && p->close_flushed;
}

/*
 * The pair's bits in @bits to clear, less the chunks that were marked again
 * or became dirty while its target was flushed.  NOTE: bitmap_lock held.
 */
static void clear_flushed(struct ifrep_volume *vol, struct ifrep_pair *p,
			  unsigned long *bits)
{
	u64 chunk;

	spin_lock_irq(&vol->lock);
	__clearable(vol, p, bits, bits);
	spin_unlock_irq(&vol->lock);
	for_each_set_bit(chunk, bits, vol->nr_chunks)
		set_ondisk(p, chunk, false);
}

/*
 * Flushes the targets of the @n pairs in @users, with no lock held (a
 * target behind a dead link may take its whole threshold to fail), so that
 * the data about to be called clean is stable there; then takes
 * bitmap_lock, clears each flushed pair's bits in its evict (@evicted) or
 * scratch bitmap, and drops the use of the targets.  Returns with
 * bitmap_lock held.
 */
static void flush_then_clear(struct ifrep_volume *vol, struct ifrep_pair **users,
			     unsigned int n, bool evicted)
{
	bool flushed[IFREP_MAX_PAIRS];
	struct ifrep_pair *p;
	unsigned int i;

	for (i = 0; i < n; i++)
		flushed[i] = !users[i]->ops->flush_sync(users[i]);
	mutex_lock(&vol->bitmap_lock);
	for (i = 0; i < n; i++) {
		p = users[i];
		if (flushed[i] && vol->pairs[p->slot] == p)
			clear_flushed(vol, p, evicted ? p->bitmap.evict : p->bitmap.scratch);
		if (atomic_dec_and_test(&p->target_users))
			wake_up_all(&vol->wait);
	}
}

/*
 * Picks up to @need victims into vol->victims and unmarks them: chunks with
 * no write in flight whose reference bit (vol->touched) is clear when the
 * hand reaches them; the hand clears the bits it passes, so a chunk written
 * since the last pass gets a second chance.  Three wraps at most: the first
 * may start mid-bitmap, the second clears every reference bit, the third
 * takes what the second left.  Returns how many it took.
 * NOTE: bitmap_lock and vol->lock held.
 */
static u64 __evict(struct ifrep_volume *vol, u64 need)
{
	unsigned long *busy = vol->idle;
	struct ifrep_io *io;
	unsigned int wraps = 0;
	u64 chunk, n = 0;

	list_for_each_entry(io, &vol->inflight, inflight)
		__set_bit(io->chunk, busy);
	while (n < need && wraps < 3) {
		chunk = find_next_bit(vol->marked, vol->nr_chunks, vol->hot_hand);
		if (chunk >= vol->nr_chunks) {
			vol->hot_hand = 0;
			wraps++;
			continue;
		}
		vol->hot_hand = chunk + 1;
		if (test_bit(chunk, busy))
			continue;
		if (__test_and_clear_bit(chunk, vol->touched))
			continue;
		__clear_bit(chunk, vol->marked);
		__set_bit(chunk, vol->victims);
		n++;
	}
	list_for_each_entry(io, &vol->inflight, inflight)
		__clear_bit(io->chunk, busy);
	vol->hot_used -= n;
	vol->hot_evicted += n;
	return n;
}

/*
 * Makes room in the hot set for the @nr_new chunks a batch marks: evicts
 * what exceeds vol->hot_max and clears the victims' bits of the pairs whose
 * target could be flushed.  The bits cleared here are written with the new
 * marks.  Returns with bitmap_lock held, as it was entered; drops it (and
 * holds no other lock) while the targets are flushed, so a target behind a
 * dead link delays only the writes into chunks not marked yet.
 *
 * Only sync pairs that replicate are flushed here: their host writes wait
 * for the target anyway.  An async or copy pair's link must never hold a
 * host write, and a pair that does not replicate has nothing to make
 * stable: their victims keep their bits until the sweep clears them.
 */
static void make_room(struct ifrep_volume *vol, u64 nr_new)
{
	struct ifrep_pair *users[IFREP_MAX_PAIRS], *p;
	unsigned int i, n = 0;
	u64 hot_max = READ_ONCE(vol->hot_max);

	spin_lock_irq(&vol->lock);
	if (vol->hot_used + nr_new <= hot_max ||
	    !__evict(vol, vol->hot_used + nr_new - hot_max)) {
		spin_unlock_irq(&vol->lock);
		return;
	}
	for (i = 0; i < IFREP_MAX_PAIRS; i++) {
		p = vol->pairs[i];
		if (!p || !__ifrep_pair_replicating(p))
			continue;
		__clearable(vol, p, p->bitmap.evict, vol->victims);
		if (bitmap_empty(p->bitmap.evict, vol->nr_chunks))
			continue;
		atomic_inc(&p->target_users);
		users[n++] = p;
	}
	bitmap_zero(vol->victims, vol->nr_chunks);
	spin_unlock_irq(&vol->lock);
	if (!n)
		return;

	mutex_unlock(&vol->bitmap_lock);
	flush_then_clear(vol, users, n, true);
}

int ifrep_bitmap_mark(struct ifrep_volume *vol, struct bio_list *batch)
{
	unsigned long *seen = vol->idle;
	struct bio *bio;
	unsigned int i;
	u64 chunk, nr_new = 0;
	int r;

	mutex_lock(&vol->bitmap_lock);
	if (READ_ONCE(vol->health) != IFREP_HEALTH_RW) {
		r = -EIO;
		goto out;
	}
	/* Writes that wait for a divergence record may be marked already. */
	spin_lock_irq(&vol->lock);
	bio_list_for_each(bio, batch) {
		chunk = ifrep_chunk_of(vol, bio->bi_iter.bi_sector);
		if (!test_bit(chunk, vol->marked) && !__test_and_set_bit(chunk, seen))
			nr_new++;
	}
	bio_list_for_each(bio, batch)
		__clear_bit(ifrep_chunk_of(vol, bio->bi_iter.bi_sector), seen);
	spin_unlock_irq(&vol->lock);

	if (nr_new)
		make_room(vol, nr_new);
	if (READ_ONCE(vol->health) != IFREP_HEALTH_RW) {
		r = -EIO;
		goto out;
	}
	bio_list_for_each(bio, batch) {
		chunk = ifrep_chunk_of(vol, bio->bi_iter.bi_sector);
		for (i = 0; i < IFREP_MAX_PAIRS; i++)
			if (vol->pairs[i] && !pair_done(vol->pairs[i]))
				set_ondisk(vol->pairs[i], chunk, true);
		if (vol->track_local)
			set_local(vol, chunk);
	}
	r = writeback(vol);
	if (!r) {
		spin_lock_irq(&vol->lock);
		bio_list_for_each(bio, batch) {
			chunk = ifrep_chunk_of(vol, bio->bi_iter.bi_sector);
			if (!__test_and_set_bit(chunk, vol->marked))
				vol->hot_used++;
		}
		spin_unlock_irq(&vol->lock);
	}
out:
	mutex_unlock(&vol->bitmap_lock);
	return r;
}

/*
 * Computes, under vol->lock, which bits to clear, into @users the pairs
 * with bits to clear (each then counts a use of its target).  A final
 * sweep (suspended, nothing in flight) first unmarks every chunk, an idle
 * sweep the chunks not written since the last one.
 */
static unsigned int __sweep_select(struct ifrep_volume *vol, bool final,
				   bool idle, struct ifrep_pair **users,
				   bool *cleared)
{
	struct ifrep_io *io;
	struct ifrep_pair *p;
	unsigned int i, n = 0;
	u64 chunk;

	if (final || idle) {
		if (final)
			bitmap_copy(vol->idle, vol->marked, vol->nr_chunks);
		else
			bitmap_andnot(vol->idle, vol->marked, vol->recent, vol->nr_chunks);
		list_for_each_entry(io, &vol->inflight, inflight)
			__clear_bit(io->chunk, vol->idle);
		bitmap_andnot(vol->marked, vol->marked, vol->idle, vol->nr_chunks);
		bitmap_andnot(vol->touched, vol->touched, vol->idle, vol->nr_chunks);
		bitmap_zero(vol->recent, vol->nr_chunks);
		/* The mark's scratch too: it finds it empty. */
		bitmap_zero(vol->idle, vol->nr_chunks);
		vol->hot_used = bitmap_weight(vol->marked, vol->nr_chunks);
	}

	for (i = 0; i < IFREP_MAX_PAIRS; i++) {
		p = vol->pairs[i];
		if (p && paused_and_stable(p)) {
			__clearable(vol, p, p->bitmap.scratch, p->bitmap.ondisk);
			for_each_set_bit(chunk, p->bitmap.scratch, vol->nr_chunks) {
				set_ondisk(p, chunk, false);
				*cleared = true;
			}
			continue;
		}
		if (!p || !may_clear(p))
			continue;
		__clearable(vol, p, p->bitmap.scratch, p->bitmap.ondisk);
		if (bitmap_empty(p->bitmap.scratch, vol->nr_chunks))
			continue;
		atomic_inc(&p->target_users);
		users[n++] = p;
	}
	return n;
}

/*
 * The targets are flushed with no lock held: a target behind a dead link
 * may take its whole threshold to fail, and marking (host writes into
 * unmarked chunks) must not wait for that.  The pairs flushed stay alive
 * through their target_users count; one removed meanwhile is skipped.
 */
int ifrep_bitmap_sweep(struct ifrep_volume *vol, bool final)
{
	struct ifrep_pair *users[IFREP_MAX_PAIRS];
	bool idle, cleared = false;
	unsigned int n;
	int r = 0;

	mutex_lock(&vol->sweep_lock);
	idle = final || ++vol->sweeps >= IFREP_HOT_IDLE_SWEEPS;
	if (idle)
		vol->sweeps = 0;
	mutex_lock(&vol->bitmap_lock);
	spin_lock_irq(&vol->lock);
	n = __sweep_select(vol, final, idle, users, &cleared);
	spin_unlock_irq(&vol->lock);
	mutex_unlock(&vol->bitmap_lock);

	flush_then_clear(vol, users, n, false);
	if ((n || cleared) && READ_ONCE(vol->health) == IFREP_HEALTH_RW) {
		r = writeback(vol);
		if (r)
			ifrep_bitmap_metadata_failed(vol, r);
	}
	mutex_unlock(&vol->bitmap_lock);
	mutex_unlock(&vol->sweep_lock);
	return r;
}

void ifrep_bitmap_sweep_worker(struct work_struct *ws)
{
	struct ifrep_volume *vol = container_of(to_delayed_work(ws),
						struct ifrep_volume, sweep_work);

	ifrep_bitmap_sweep(vol, false);
	if (!READ_ONCE(vol->suspended))
		queue_delayed_work(vol->resync_wq, &vol->sweep_work, IFREP_SWEEP_INTERVAL);
}
