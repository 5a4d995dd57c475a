// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep write path.
 *
 * A host write becomes one leg to the data device plus one leg per pair
 * that replicates the chunk.  The host bio completes when every leg did,
 * with the data leg's status: a target that fails only makes its pair
 * track the chunk as dirty (host I/O never fails because a target did).
 * Discards and write-zeroes are writes without data: they take the same
 * path, one chunk at a time.
 *
 * A write may only be issued into a marked chunk (its bits are durable in
 * every pair's bitmap), and never into a chunk a resync, a cycle or a
 * verify is working on, nor into a granule of a frozen chunk whose pre-cut
 * content a cycle still needs and the snapshot store does not hold yet
 * (dm-ifrep-snap.c).  Such writes wait on vol->to_mark (the mark worker
 * below issues them once their chunks are marked) or on vol->parked (tried
 * again by the unpark worker once the engine released a chunk: the engine
 * sits below this file and only queues that work).  Every issued write is
 * on vol->inflight until it completes, which is how the engine, the sweep
 * and the hot set's eviction know a chunk is quiet.
 */
#include "dm-ifrep-pair.h"
#include "dm-ifrep-lineage.h"
#include "dm-ifrep-debug.h"

#define DM_MSG_PREFIX "ifrep"

static bool is_empty_flush(struct bio *bio)
{
	return (bio->bi_opf & REQ_PREFLUSH) && !bio_sectors(bio);
}

/* A resync or verify is working on @chunk.  NOTE: vol->lock held. */
static bool __chunk_locked(struct ifrep_volume *vol, u64 chunk)
{
	struct ifrep_pair *p;
	unsigned int i;

	for (i = 0; i < IFREP_MAX_PAIRS; i++) {
		p = vol->pairs[i];
		if (p && ((p->resync.locked && test_bit(chunk, p->resync.locked)) ||
			  p->verify.chunk == chunk))
			return true;
	}
	return false;
}

static void finish_io(struct ifrep_io *io)
{
	struct ifrep_volume *vol = io->vol;
	unsigned long flags;
	bool defer = false;
	unsigned int i;

	io->bio->bi_status = io->data_status;
	if (io->chunk != IFREP_NO_CHUNK && !io->data_status) {
		atomic64_inc(&vol->timing.writes);
		ifrep_timing_add(&vol->timing.total_ns, io->mapped, ktime_get());
		ifrep_timing_add(&vol->timing.data_ns, io->issued, io->data_done);
	}
	spin_lock_irqsave(&vol->lock, flags);
	if (io->chunk != IFREP_NO_CHUNK) {
		list_del(&io->inflight);
		/* The targets may now hold data the data device does not. */
		if (io->data_status)
			for (i = 0; i < IFREP_MAX_PAIRS; i++)
				if (vol->pairs[i])
					__ifrep_pair_set_dirty(vol->pairs[i], io->chunk);
	}
	/*
	 * Acknowledging a write that a peer with a consistent copy lacks makes
	 * this volume diverge: the worker records that before it acks.
	 */
	if (io->unreplicated && !vol->diverged) {
		bio_list_add(&vol->diverging, io->bio);
		defer = true;
	}
	spin_unlock_irqrestore(&vol->lock, flags);
	wake_up_all(&vol->wait);

	if (defer)
		queue_work(vol->wq, &vol->mark_work);
	else
		bio_endio(io->bio);
}

/* A leg completed: @p's, or the data device's when @p is NULL. */
static void leg_done(struct ifrep_io *io, struct ifrep_pair *p, blk_status_t status)
{
	struct ifrep_volume *vol = io->vol;
	unsigned long flags;

	if (!p) {
		io->data_status = status;
	} else {
		if (status) {
			/* The target already moved the pair out of replicating. */
			spin_lock_irqsave(&vol->lock, flags);
			if (io->chunk != IFREP_NO_CHUNK)
				__ifrep_pair_set_dirty(p, io->chunk);
			/*
			 * A flush the target failed: what it covered may not be
			 * stable there.  (A lost link says nothing about the
			 * target's cache: the peer tells whether it restarted.)
			 */
			if ((io->bio->bi_opf & REQ_PREFLUSH) && status != BLK_STS_TRANSPORT)
				__ifrep_pair_unflushed_dirty(p);
			if (p->ops->remote && p->target_consistent)
				io->unreplicated = true;
			spin_unlock_irqrestore(&vol->lock, flags);
		} else if (io->chunk != IFREP_NO_CHUNK && bio_has_data(io->bio)) {
			atomic64_add(io->bio->bi_iter.bi_size, &p->bytes_sent);
		}
		if (atomic_dec_and_test(&p->target_users))
			wake_up_all(&vol->wait);
	}
	if (atomic_dec_and_test(&io->pending))
		finish_io(io);
}

static void data_leg_endio(struct bio *clone)
{
	struct ifrep_leg *leg = container_of(clone, struct ifrep_leg, clone);
	struct ifrep_io *io = leg->io;
	blk_status_t status = clone->bi_status;

	io->data_done = ktime_get();
	bio_put(clone);
	leg_done(io, NULL, status);
}

static void submit_data_leg(struct ifrep_volume *vol, struct ifrep_io *io)
{
	struct bio *clone;
	struct ifrep_leg *leg;

	clone = bio_alloc_clone(vol->data_bdev, io->bio, GFP_NOIO, &vol->bs);
	leg = container_of(clone, struct ifrep_leg, clone);
	leg->io = io;
	leg->pair = NULL;
	clone->bi_end_io = data_leg_endio;
	submit_bio_noacct(clone);
}

/*
 * Decides under vol->lock which pairs get a leg, into @legs; returns how
 * many.  Pairs that do not replicate the chunk now keep it dirty instead.
 * A leg counts in its pair's target_users from here on, which keeps the
 * pair alive until the leg completed (closing a target waits for them),
 * even if a pause or remove unpublishes it once vol->lock is dropped.
 */
static unsigned int __choose_legs(struct ifrep_volume *vol, struct ifrep_io *io,
				  struct ifrep_pair **legs)
{
	unsigned int i, n = 0;
	struct ifrep_pair *p;

	for (i = 0; i < IFREP_MAX_PAIRS; i++) {
		p = vol->pairs[i];
		if (!p)
			continue;
		if (__ifrep_pair_replicating(p) &&
		    (io->chunk == IFREP_NO_CHUNK || !test_bit(io->chunk, p->dirty))) {
			legs[n++] = p;
			atomic_inc(&p->target_users);
		} else if (io->chunk != IFREP_NO_CHUNK) {
			__ifrep_pair_set_dirty(p, io->chunk);
		}
	}
	return n;
}

static void issue(struct ifrep_volume *vol, struct ifrep_io *io,
		  struct ifrep_pair **legs, unsigned int n)
{
	unsigned int i;

	atomic_set(&io->pending, 1 + n);
	io->issued = ktime_get();
	submit_data_leg(vol, io);
	/* The pairs may be paused or removed meanwhile: their legs keep them. */
	if (n)
		ifrep_debug_delay();
	for (i = 0; i < n; i++)
		legs[i]->ops->submit(legs[i], io, io->bio, leg_done);
}

/*
 * Runs the write through the checks; returns true when it was issued,
 * false when it was queued for a mark or parked behind a chunk's copy.
 */
static bool try_issue(struct ifrep_volume *vol, struct bio *bio)
{
	struct ifrep_io *io = dm_per_bio_data(bio, sizeof(struct ifrep_io));
	struct ifrep_pair *legs[IFREP_MAX_PAIRS];
	LIST_HEAD(saves);
	bool queue_mark = false;
	unsigned long flags;
	unsigned int n;

	io->vol = vol;
	io->bio = bio;
	io->data_status = BLK_STS_OK;
	io->unreplicated = false;
	io->chunk = is_empty_flush(bio) ? IFREP_NO_CHUNK :
		    ifrep_chunk_of(vol, bio->bi_iter.bi_sector);

	spin_lock_irqsave(&vol->lock, flags);
	if (io->chunk != IFREP_NO_CHUNK && (vol->nr_pairs || vol->track_local)) {
		if (vol->cutting || __chunk_locked(vol, io->chunk) ||
		    __ifrep_cycle_write_waits(vol, io->chunk, bio->bi_iter.bi_sector,
					      bio_end_sector(bio), &saves)) {
			bio_list_add(&vol->parked, bio);
			spin_unlock_irqrestore(&vol->lock, flags);
			/* The copies' completion tries the write again. */
			ifrep_snap_start(vol, &saves);
			return false;
		}
		if (!test_bit(io->chunk, vol->marked) ||
		    unlikely(__ifrep_lineage_must_record_divergence(vol))) {
			queue_mark = bio_list_empty(&vol->to_mark);
			bio_list_add(&vol->to_mark, bio);
			spin_unlock_irqrestore(&vol->lock, flags);
			if (queue_mark)
				queue_work(vol->wq, &vol->mark_work);
			return false;
		}
		/* The eviction's reference bit: a second chance for this chunk. */
		__set_bit(io->chunk, vol->touched);
		__set_bit(io->chunk, vol->recent);
	}
	if (io->chunk != IFREP_NO_CHUNK)
		list_add_tail(&io->inflight, &vol->inflight);
	n = __choose_legs(vol, io, legs);
	spin_unlock_irqrestore(&vol->lock, flags);

	issue(vol, io, legs, n);
	return true;
}

void ifrep_io_unpark_worker(struct work_struct *ws)
{
	struct ifrep_volume *vol = container_of(ws, struct ifrep_volume, unpark_work);
	struct bio_list parked;
	struct bio *bio;

	spin_lock_irq(&vol->lock);
	parked = vol->parked;
	bio_list_init(&vol->parked);
	spin_unlock_irq(&vol->lock);

	while ((bio = bio_list_pop(&parked)))
		try_issue(vol, bio);
}

/*
 * Marks the chunks of the writes waiting for it, then issues them; and
 * acknowledges completed writes a peer missed once that is recorded.
 */
void ifrep_io_mark_worker(struct work_struct *ws)
{
	struct ifrep_volume *vol = container_of(ws, struct ifrep_volume, mark_work);
	struct bio_list batch, done;
	struct bio *bio;
	bool diverge;
	int r = 0;

	spin_lock_irq(&vol->lock);
	batch = vol->to_mark;
	bio_list_init(&vol->to_mark);
	done = vol->diverging;
	bio_list_init(&vol->diverging);
	spin_unlock_irq(&vol->lock);

	/*
	 * Completed writes a peer missed: record the divergence, then ack.
	 * Unrecorded, a promotion of that peer could not tell a failover from
	 * a split brain: the writes fail (they did reach the data device).
	 */
	if (!bio_list_empty(&done)) {
		r = ifrep_lineage_set_diverged(vol, true);
		if (r) {
			DMERR("%s: cannot record that writes were acknowledged without a peer",
			      vol->name);
			ifrep_bitmap_metadata_failed(vol, r);
		}
		while ((bio = bio_list_pop(&done))) {
			if (r)
				bio->bi_status = BLK_STS_IOERR;
			bio_endio(bio);
		}
		r = 0;
	}
	if (bio_list_empty(&batch))
		return;

	spin_lock_irq(&vol->lock);
	diverge = __ifrep_lineage_must_record_divergence(vol);
	spin_unlock_irq(&vol->lock);
	if (diverge)
		r = ifrep_lineage_set_diverged(vol, true);
	r = r ? -EIO : ifrep_bitmap_mark(vol, &batch);
	if (r) {
		ifrep_bitmap_metadata_failed(vol, r);
		while ((bio = bio_list_pop(&batch))) {
			bio->bi_status = BLK_STS_IOERR;
			bio_endio(bio);
		}
		return;
	}
	while ((bio = bio_list_pop(&batch)))
		try_issue(vol, bio);
}

/*
 * Even without pairs a write goes through try_issue(): it must be on
 * vol->inflight in case a pair is added while it runs, whose resync then
 * waits for it before copying the chunk.
 */
int ifrep_io_extent_bios(struct block_device *bdev, enum req_op op, sector_t sector,
			 sector_t nr, struct bio **chain)
{
	if (op == REQ_OP_WRITE_ZEROES)
		return __blkdev_issue_zeroout(bdev, sector, nr, GFP_NOIO, chain, 0);
	if (op == REQ_OP_DISCARD && bdev_max_discard_sectors(bdev))
		return __blkdev_issue_discard(bdev, sector, nr, GFP_NOIO, chain);
	return 0;
}

int ifrep_io_map_write(struct ifrep_volume *vol, struct bio *bio)
{
	struct ifrep_io *io = dm_per_bio_data(bio, sizeof(struct ifrep_io));
	sector_t to_chunk_end;

	/*
	 * dm splits writes at chunks (max_io_len), not discards and
	 * write-zeroes: it sends us the rest of those once this part is in.
	 */
	if (unlikely(!bio_has_data(bio) && bio_sectors(bio))) {
		to_chunk_end = vol->chunk_sectors -
			       (bio->bi_iter.bi_sector & (vol->chunk_sectors - 1));
		if (bio_sectors(bio) > to_chunk_end)
			dm_accept_partial_bio(bio, to_chunk_end);
	}
	io->mapped = ktime_get();
	try_issue(vol, bio);
	return DM_MAPIO_SUBMITTED;
}
