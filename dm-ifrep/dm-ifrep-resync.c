// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep resync: copies a pair's dirty chunks from the data device to
 * its target in IFREP_RESYNC_SEGMENT pieces: through the pair's window
 * (dm-ifrep-window.c, several chunks in flight) to a remote target, one
 * chunk at a time to a local one.
 *
 * No lost update: before copying chunk c the worker sets its bit in
 * p->resync.locked, which parks new host writes into c, and waits until
 * the writes into c already in flight completed.  Only then is c read.
 * Once the target acknowledged all of c, its dirty bit is cleared, its
 * locked bit too, and the parked writes run again, now replicated like
 * any write into a chunk in sync.
 *
 * The copy yields to host I/O (a tick's pause whenever host writes are in
 * flight) and honours the pair's rate limit.  The cleared bits reach the
 * metadata with the next sweep, after the target was flushed.
 *
 * Checksum resync (a remote sync pair not set to resync=full, once the
 * initial sync is done): a chunk dirty after an interruption is mostly
 * what the target holds already (a secondary that restarted, a link that
 * broke: only the writes since differ).  Each IFREP_COMPARE_PIECE of it is
 * hashed (SHA-256) and the target asked whether it holds the same, as the
 * chunk enters the window (dm-ifrep-window.c); only those that differ are
 * sent, once the answers are in.  A piece
 * the target could not compare, for any reason, is sent: an answer other
 * than "same" never skips data.  The rate limit counts what is sent; the
 * resync's rate (progress) counts what was skipped too.
 */
#include "dm-ifrep-pair.h"
#include "dm-ifrep-lineage.h"
#include "dm-ifrep-debug.h"

#include <crypto/sha2.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#define DM_MSG_PREFIX "ifrep"

static void resync_worker(struct work_struct *ws);

int ifrep_resync_init(struct ifrep_pair *p)
{
	INIT_WORK(&p->resync.work, resync_worker);
	atomic64_set(&p->resync.bytes, 0);
	atomic64_set(&p->resync.skipped, 0);
	if (p->mode != IFREP_MODE_SYNC)
		return 0;
	p->resync.locked = ifrep_bitmap_alloc(p->vol->chunk_capacity, false);
	return p->resync.locked ? 0 : -ENOMEM;
}

void ifrep_resync_exit(struct ifrep_pair *p)
{
	vfree(p->resync.buf);
	p->resync.buf = NULL;
	ifrep_window_free(p);
	ifrep_bitmap_free(p->resync.locked);
	p->resync.locked = NULL;
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
int ifrep_resync_read(struct ifrep_pair *p, sector_t sector, void *buf, unsigned int len)
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
	u64 rate = READ_ONCE(p->rate_limit);
	unsigned long due, left;

	if (!list_empty(&vol->inflight))
		schedule_timeout_uninterruptible(1);
	/* A new limit (pair_set) counts from now: what went before is not owed. */
	if (rate != t->rate) {
		t->rate = rate;
		t->start = jiffies;
		t->bytes = 0;
	}
	if (!rate)
		return;
	t->bytes += len;
	due = t->start + div64_u64(t->bytes * HZ, rate);
	/* The test hook lets the deadline pass here, as a preemption may. */
	ifrep_debug_delay();
	left = ifrep_jiffies_until(due);
	if (left)
		wait_event_timeout(vol->wait, READ_ONCE(*stop) ||
				   READ_ONCE(p->rate_limit) != rate, left);
}

void ifrep_resync_copied(struct ifrep_pair *p, unsigned int len)
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
		r = ifrep_resync_read(p, sector, p->resync.buf, len);
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
		ifrep_resync_copied(p, len);
	}
	return 0;
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

int ifrep_resync_copy_chunk(struct ifrep_pair *p, u64 chunk, const char **reason)
{
	struct ifrep_volume *vol = p->vol;
	sector_t sector = chunk << vol->chunk_shift;
	sector_t end = min_t(sector_t, sector + vol->chunk_sectors, vol->data_sectors);

	if (!p->resync.buf)
		p->resync.buf = vmalloc(IFREP_RESYNC_SEGMENT);
	if (!p->resync.buf) {
		*reason = "out_of_memory";
		return -ENOMEM;
	}
	return copy_serial(p, sector, end, reason);
}

struct ifrep_window *ifrep_resync_window(struct ifrep_pair *p)
{
	return p->ops->write_start ? ifrep_window_get(p) : NULL;
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

/* A chunk left the window, copied or not: host writes into it may go. */
static void resync_retired(struct ifrep_pair *p, u64 chunk, int result)
{
	struct ifrep_volume *vol = p->vol;

	spin_lock_irq(&vol->lock);
	__clear_bit(chunk, p->resync.locked);
	if (!result && __test_and_clear_bit(chunk, p->dirty))
		p->nr_dirty--;
	spin_unlock_irq(&vol->lock);
	ifrep_volume_unpark(vol);
}

static void resync_worker(struct work_struct *ws)
{
	struct ifrep_pair *p = container_of(ws, struct ifrep_pair, resync.work);
	struct ifrep_volume *vol = p->vol;
	struct ifrep_window *w = ifrep_resync_window(p);
	const char *reason = NULL;
	bool initial_done = false, in_sync = false;
	bool compare = p->resync.checksum && p->ops->compare_start && p->ops->write_start;
	bool compare_chunk;
	u64 chunk;
	int r = 0;

	ifrep_resync_begin(p);
	if (w)
		ifrep_window_begin(w, resync_retired);
	while (!READ_ONCE(p->resync.stop)) {
		spin_lock_irq(&vol->lock);
		if (p->state == IFREP_PS_IN_SYNC && p->nr_dirty)
			__ifrep_pair_set_state(p, IFREP_PS_RESYNCING, NULL);
		if (!__resyncing(p)) {
			spin_unlock_irq(&vol->lock);
			break;
		}
		chunk = __next_dirty(p);
		/* What is left is in flight (or the search wrapped around to it). */
		if (w && w->count && (chunk == IFREP_NO_CHUNK || test_bit(chunk, p->resync.locked))) {
			spin_unlock_irq(&vol->lock);
			r = ifrep_window_drain(w, &reason);
			if (r)
				break;
			continue;
		}
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
		__set_bit(chunk, p->resync.locked);
		compare_chunk = compare && p->state == IFREP_PS_RESYNCING;
		spin_unlock_irq(&vol->lock);

		wait_event(vol->wait, !ifrep_chunk_has_inflight(vol, chunk));
		p->resync.cursor = chunk + 1;
		if (!w) {
			r = ifrep_resync_copy_chunk(p, chunk, &reason);
			resync_retired(p, chunk, r);
			if (r)
				break;
			cond_resched();
			continue;
		}
		/* Retires through resync_retired() once the target has it. */
		r = ifrep_window_push(w, chunk, compare_chunk, &reason);
		if (r) {
			resync_retired(p, chunk, r);
			break;
		}
		if (w->unsupported && compare) {
			/* Until the next run: the peer may be upgraded meanwhile. */
			DMINFO("%s: pair %s: the peer cannot compare checksums: full resync",
			       vol->name, p->name);
			compare = false;
		}
		cond_resched();
	}
	/* Whatever stopped the run, what is in flight completes first. */
	if (w && w->count) {
		const char *why;

		ifrep_window_drain(w, &why);
	}
	if (r) {
		spin_lock_irq(&vol->lock);
		/* A remote pair whose link broke is retrying already. */
		if (__resyncing(p))
			__ifrep_pair_set_state(p, IFREP_PS_FAILED, reason);
		spin_unlock_irq(&vol->lock);
		DMERR_LIMIT("%s: pair %s: resync failed (%d): %s", vol->name, p->name, r,
			    reason);
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
