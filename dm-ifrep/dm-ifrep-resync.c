// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep resync: copies a pair's dirty chunks from the data device to
 * its target, one chunk at a time, in IFREP_RESYNC_SEGMENT pieces.
 *
 * No lost update: before copying chunk c the worker sets p->resync.chunk,
 * which parks new host writes into c, and waits until the writes into c
 * already in flight completed.  Only then is c read.  The chunk's dirty
 * bit is cleared after the copy and the parked writes run again, now
 * replicated like any write into a chunk in sync.
 *
 * The copy yields to host I/O (a tick's pause whenever host writes are in
 * flight) and honours the pair's rate limit.  The cleared bits reach the
 * metadata with the next sweep, after the target was flushed.
 *
 * Checksum resync (a remote sync pair not set to resync=full, once the
 * initial sync is done): a chunk dirty after an interruption is mostly
 * what the target holds already (a secondary that restarted, a link that
 * broke: only the writes since differ).  Each IFREP_COMPARE_PIECE of it is
 * hashed (SHA-256) and the target asked whether it holds the same, all the
 * pieces of a window at once; only those that differ are sent.  A piece
 * the target could not compare, for any reason, is sent: an answer other
 * than "same" never skips data.  The rate limit counts what is sent; the
 * resync's rate (progress) counts what was skipped too.
 */
#include "dm-ifrep-pair.h"
#include "dm-ifrep-lineage.h"

#include <crypto/sha2.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#define DM_MSG_PREFIX "ifrep"

static void resync_worker(struct work_struct *ws);

void ifrep_resync_init(struct ifrep_pair *p)
{
	INIT_WORK(&p->resync.work, resync_worker);
	p->resync.chunk = IFREP_NO_CHUNK;
	atomic64_set(&p->resync.bytes, 0);
	atomic64_set(&p->resync.skipped, 0);
}

void ifrep_resync_exit(struct ifrep_pair *p)
{
	vfree(p->resync.buf);
	p->resync.buf = NULL;
	kfree(p->resync.compares);
	p->resync.compares = NULL;
}

void ifrep_resync_stop(struct ifrep_pair *p)
{
	WRITE_ONCE(p->resync.stop, true);
	wake_up_all(&p->vol->wait);
	cancel_work_sync(&p->resync.work);
}

void ifrep_resync_begin(struct ifrep_pair *p)
{
	p->resync.throttle.start = jiffies;
	p->resync.throttle.bytes = 0;
}

/* A cycle ships its cut: the data device as the snapshot store amends it. */
static int read_data(struct ifrep_pair *p, sector_t sector, void *buf, unsigned int len)
{
	if (p->mode != IFREP_MODE_SYNC)
		return ifrep_snap_read(p, sector, buf, len);
	return ifrep_io_vmalloc(p->vol->io_client, p->vol->data_bdev, sector, buf, len,
				REQ_OP_READ);
}

void ifrep_throttle(struct ifrep_pair *p, struct ifrep_throttle *t, unsigned int len,
		    const bool *stop)
{
	struct ifrep_volume *vol = p->vol;
	unsigned long due;

	if (!list_empty(&vol->inflight))
		schedule_timeout_uninterruptible(1);
	if (!p->rate_limit)
		return;
	t->bytes += len;
	due = t->start + div64_u64(t->bytes * HZ, p->rate_limit);
	if (time_before(jiffies, due))
		wait_event_timeout(vol->wait, READ_ONCE(*stop), due - jiffies);
}

static void copied(struct ifrep_pair *p, unsigned int len)
{
	atomic64_add(len, &p->bytes_sent);
	atomic64_add(len, &p->resync.bytes);
	ifrep_throttle(p, &p->resync.throttle, len, &p->resync.stop);
}

/* One segment at a time: a local target has no round trip to hide. */
static int copy_serial(struct ifrep_pair *p, sector_t sector, sector_t end,
		       const char **reason)
{
	unsigned int len;
	int r;

	while (sector < end) {
		len = min_t(u64, IFREP_RESYNC_SEGMENT, (end - sector) << SECTOR_SHIFT);
		r = read_data(p, sector, p->resync.buf, len);
		if (r) {
			*reason = "source_read_error";
			return r;
		}
		r = p->ops->write_sync(p, sector, p->resync.buf, len);
		if (r) {
			*reason = "write_error";
			return r;
		}
		sector += len >> SECTOR_SHIFT;
		copied(p, len);
	}
	return 0;
}

/*
 * Up to IFREP_RESYNC_WINDOW segments in flight: the next ones are read
 * while the earlier ones cross the link, instead of one round trip per
 * segment.  Every write started is waited for, whatever happens.
 */
static int copy_pipelined(struct ifrep_pair *p, sector_t sector, sector_t end,
			  const char **reason)
{
	struct completion done[IFREP_RESYNC_WINDOW];
	int result[IFREP_RESYNC_WINDOW];
	unsigned int len[IFREP_RESYNC_WINDOW];
	unsigned int n, i;
	void *buf;
	int r = 0;

	while (sector < end && !r) {
		for (n = 0; n < IFREP_RESYNC_WINDOW && sector < end; n++) {
			len[n] = min_t(u64, IFREP_RESYNC_SEGMENT, (end - sector) << SECTOR_SHIFT);
			buf = p->resync.buf + (size_t)n * IFREP_RESYNC_SEGMENT;
			r = read_data(p, sector, buf, len[n]);
			if (r) {
				*reason = "source_read_error";
				break;
			}
			init_completion(&done[n]);
			p->ops->write_start(p, sector, buf, len[n], &done[n], &result[n]);
			sector += len[n] >> SECTOR_SHIFT;
		}
		for (i = 0; i < n; i++) {
			wait_for_completion(&done[i]);
			if (result[i]) {
				if (!r) {
					*reason = "write_error";
					r = result[i];
				}
				continue;
			}
			copied(p, len[i]);
		}
	}
	return r;
}

unsigned int ifrep_compare_start(struct ifrep_pair *p, sector_t sector, void *buf,
				 unsigned int len, struct ifrep_compare *c)
{
	unsigned int n = DIV_ROUND_UP(len, IFREP_COMPARE_PIECE), i;

	for (i = 0; i < n; i++) {
		c[i].sector = sector + i * (IFREP_COMPARE_PIECE >> SECTOR_SHIFT);
		c[i].len = min_t(unsigned int, IFREP_COMPARE_PIECE, len - i * IFREP_COMPARE_PIECE);
		sha256(buf + (size_t)i * IFREP_COMPARE_PIECE, c[i].len, c[i].sha256);
		init_completion(&c[i].done);
		c[i].result = -EIO;
		c[i].same = 0;
		p->ops->compare_start(p, &c[i]);
	}
	return n;
}

/*
 * Checksum resync of [@sector, @end): reads a window, asks the target about
 * each of its pieces, sends those that differ.  Every request started is
 * waited for, whatever happens.  *@unsupported is set when the target
 * cannot compare (those pieces were sent).
 */
static int copy_compared(struct ifrep_pair *p, sector_t sector, sector_t end,
			 bool *unsupported, const char **reason)
{
	DECLARE_BITMAP(sending, IFREP_COMPARE_PIECES);
	struct ifrep_compare *c = p->resync.compares;
	unsigned int n, i, total, sent;
	u64 skipped;
	void *buf;
	int r = 0;

	while (sector < end && !r) {
		total = min_t(u64, (u64)IFREP_RESYNC_WINDOW * IFREP_RESYNC_SEGMENT,
			      (end - sector) << SECTOR_SHIFT);
		r = read_data(p, sector, p->resync.buf, total);
		if (r) {
			*reason = "source_read_error";
			break;
		}
		n = ifrep_compare_start(p, sector, p->resync.buf, total, c);

		bitmap_zero(sending, IFREP_COMPARE_PIECES);
		skipped = 0;
		for (i = 0; i < n; i++) {
			wait_for_completion(&c[i].done);
			if (!c[i].result && c[i].same == 1) {
				skipped += c[i].len;
				continue;
			}
			if (c[i].result == -EOPNOTSUPP)
				*unsupported = true;
			reinit_completion(&c[i].done);
			c[i].result = -EIO;
			buf = p->resync.buf + (size_t)i * IFREP_COMPARE_PIECE;
			p->ops->write_start(p, c[i].sector, buf, c[i].len, &c[i].done,
					    &c[i].result);
			__set_bit(i, sending);
		}
		sent = 0;
		for_each_set_bit(i, sending, n) {
			wait_for_completion(&c[i].done);
			if (c[i].result) {
				if (!r) {
					*reason = "write_error";
					r = c[i].result;
				}
				continue;
			}
			sent += c[i].len;
		}
		if (!r && skipped) {
			atomic64_add(skipped, &p->resync.skipped);
			atomic64_add(skipped, &p->resync.bytes);
		}
		/* Once per window: the rate limit, and a yield to host writes. */
		copied(p, sent);
		sector += total >> SECTOR_SHIFT;
	}
	return r;
}

static int alloc_buffers(struct ifrep_pair *p, bool compare, const char **reason)
{
	if (!p->resync.buf)
		p->resync.buf = vmalloc((size_t)IFREP_RESYNC_SEGMENT *
					(p->ops->write_start ? IFREP_RESYNC_WINDOW : 1));
	if (compare && !p->resync.compares)
		p->resync.compares = kcalloc(IFREP_COMPARE_PIECES,
					     sizeof(*p->resync.compares), GFP_KERNEL);
	if (!p->resync.buf || (compare && !p->resync.compares)) {
		*reason = "out_of_memory";
		return -ENOMEM;
	}
	return 0;
}

int ifrep_resync_copy_chunk(struct ifrep_pair *p, u64 chunk, const char **reason)
{
	struct ifrep_volume *vol = p->vol;
	sector_t sector = chunk << vol->chunk_shift;
	sector_t end = min_t(sector_t, sector + vol->chunk_sectors, vol->data_sectors);
	int r;

	r = alloc_buffers(p, false, reason);
	if (r)
		return r;
	if (p->ops->write_start)
		return copy_pipelined(p, sector, end, reason);
	return copy_serial(p, sector, end, reason);
}

/*
 * A sync pair's chunk, by checksum resync when @compare: the initial sync
 * is done (the target holds an older image of the chunk, not nothing).
 * *@unsupported: the target said it cannot compare.
 */
static int resync_chunk(struct ifrep_pair *p, u64 chunk, bool compare,
			bool *unsupported, const char **reason)
{
	struct ifrep_volume *vol = p->vol;
	sector_t sector = chunk << vol->chunk_shift;
	sector_t end = min_t(sector_t, sector + vol->chunk_sectors, vol->data_sectors);
	int r;

	if (!compare)
		return ifrep_resync_copy_chunk(p, chunk, reason);
	r = alloc_buffers(p, true, reason);
	return r ?: copy_compared(p, sector, end, unsupported, reason);
}

/*
 * Tells the target whether it holds a complete image, when that changes:
 * not before the first chunk is copied, complete once the last one is in
 * (after a flush).  Returns 0 or the error that stopped the resync.
 */
static int tell_target(struct ifrep_pair *p, bool consistent)
{
	int r;

	if (!p->ops->set_consistent || p->target_consistent == consistent)
		return 0;
	r = consistent ? p->ops->flush_sync(p) : 0;
	if (!r)
		r = p->ops->set_consistent(p, consistent);
	if (!r)
		p->target_consistent = consistent;
	return r;
}

static bool __resyncing(struct ifrep_pair *p)
{
	return p->state == IFREP_PS_INITIAL_SYNC || p->state == IFREP_PS_RESYNCING;
}

/* Picks the next dirty chunk from the cursor on; NOTE: vol->lock held. */
static u64 __next_dirty(struct ifrep_pair *p)
{
	u64 n = p->vol->nr_chunks, chunk;

	chunk = find_next_bit(p->dirty, n, p->resync.cursor);
	if (chunk >= n)
		chunk = find_first_bit(p->dirty, n);
	return chunk >= n ? IFREP_NO_CHUNK : chunk;
}

static void resync_worker(struct work_struct *ws)
{
	struct ifrep_pair *p = container_of(ws, struct ifrep_pair, resync.work);
	struct ifrep_volume *vol = p->vol;
	const char *reason = NULL;
	bool initial_done = false, in_sync = false;
	bool compare = p->resync.checksum && p->ops->compare_start && p->ops->write_start;
	bool compare_chunk, unsupported = false;
	u64 chunk;
	int r;

	ifrep_resync_begin(p);
	while (!READ_ONCE(p->resync.stop)) {
		spin_lock_irq(&vol->lock);
		if (p->state == IFREP_PS_IN_SYNC && p->nr_dirty)
			__ifrep_pair_set_state(p, IFREP_PS_RESYNCING, NULL);
		if (!__resyncing(p)) {
			spin_unlock_irq(&vol->lock);
			break;
		}
		chunk = __next_dirty(p);
		if (chunk == IFREP_NO_CHUNK) {
			spin_unlock_irq(&vol->lock);
			if (tell_target(p, true))
				break;
			spin_lock_irq(&vol->lock);
			if (!__resyncing(p) || p->nr_dirty) {
				spin_unlock_irq(&vol->lock);
				continue;
			}
			initial_done = p->state == IFREP_PS_INITIAL_SYNC;
			__ifrep_pair_set_state(p, IFREP_PS_IN_SYNC, NULL);
			spin_unlock_irq(&vol->lock);
			DMINFO("%s: pair %s is in sync", vol->name, p->name);
			in_sync = true;
			break;
		}
		spin_unlock_irq(&vol->lock);
		if (tell_target(p, false))
			break;
		spin_lock_irq(&vol->lock);
		if (!__resyncing(p) || !test_bit(chunk, p->dirty)) {
			spin_unlock_irq(&vol->lock);
			continue;
		}
		p->resync.chunk = chunk;
		compare_chunk = compare && p->state == IFREP_PS_RESYNCING;
		spin_unlock_irq(&vol->lock);

		wait_event(vol->wait, !ifrep_chunk_has_inflight(vol, chunk));
		r = resync_chunk(p, chunk, compare_chunk, &unsupported, &reason);
		if (unsupported && compare) {
			/* Until the next run: the peer may be upgraded meanwhile. */
			DMINFO("%s: pair %s: the peer cannot compare checksums: full resync",
			       vol->name, p->name);
			compare = false;
		}

		spin_lock_irq(&vol->lock);
		p->resync.chunk = IFREP_NO_CHUNK;
		if (!r) {
			if (__test_and_clear_bit(chunk, p->dirty))
				p->nr_dirty--;
			p->resync.cursor = chunk + 1;
		} else if (__resyncing(p)) {
			/* A remote pair whose link broke is retrying already. */
			__ifrep_pair_set_state(p, IFREP_PS_FAILED, reason);
		}
		spin_unlock_irq(&vol->lock);
		ifrep_volume_unpark(vol);
		if (r) {
			DMERR_LIMIT("%s: pair %s: resync of chunk %llu failed (%d): %s",
				    vol->name, p->name, chunk, r, reason);
			break;
		}
		cond_resched();
	}

	if (initial_done && ifrep_pair_record_flags(p, IFREP_PAIR_F_INITIAL_DONE, 0))
		DMERR("%s: pair %s: could not record the end of the initial sync",
		      vol->name, p->name);
	/*
	 * A remote peer now holds our generation in full: the changes recorded
	 * since our promotion are of no use any more (one peer per lineage).
	 */
	if (in_sync && p->ops->remote && READ_ONCE(vol->track_local)) {
		if (ifrep_lineage_stop_tracking_local(vol))
			DMERR("%s: could not clear the local bitmap", vol->name);
	}
	if (in_sync) {
		ifrep_lineage_update_divergence(vol);
		/*
		 * The target was just flushed: clear the copied chunks' bits now,
		 * not a sweep period later, so that a restart of the target does
		 * not send them all again (they would count as not yet flushed).
		 */
		mod_delayed_work(vol->resync_wq, &vol->sweep_work, 0);
	}
}
