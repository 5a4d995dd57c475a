// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep async cycles, primary side.
 *
 * An async pair never gets host write legs: host writes complete on the
 * data device and mark their chunks dirty.  A cycle ships the dirty chunks
 * as they were at one instant (the cut):
 *
 *  1. Cut: host writes are held (vol->cutting) while the ones in flight
 *     drain, the pair's dirty set becomes the frozen set of the cycle and a
 *     new, empty dirty set takes the writes that follow.  Host I/O waits only
 *     for that switch.
 *  2. Ship: each frozen chunk is read from the data device and sent.  A host
 *     write into a frozen chunk not shipped yet waits until that chunk was
 *     shipped (it is moved to the front: "urgent"), so the cycle always
 *     carries the pre-cut content: copy-on-write through the link, with no
 *     space needed on the primary.  The write then lands in the new dirty
 *     set.
 *  3. Commit: the secondary makes the cycle its image in one step (its
 *     journal rolled back any cycle that does not commit).  The cut's time
 *     becomes the pair's last sync point.
 *
 * A cycle that fails (link, journal full) puts all its chunks back in the
 * dirty set: they go with the next cycle.  The first cycle of a pair is the
 * initial copy: every chunk, cut like any other, with the secondary marked
 * inconsistent until it is complete instead of journaled.
 *
 * A copy pair (volume copy) is that first cycle alone: once it committed,
 * the target holds the source as it was at the cut, the pair is "done",
 * stops tracking and releases the target, so that the administrator can
 * use it at once (mount a local one, promote a remote one).  A copy that
 * fails is cut again, later, like a failed initial cycle.
 */
#include "dm-ifrep.h"

#define DM_MSG_PREFIX "ifrep"

void ifrep_cycle_kick(struct ifrep_pair *p)
{
	WRITE_ONCE(p->stop_resync, false);
	mod_delayed_work(p->vol->resync_wq, &p->cycle_work, 0);
}

static void end_cycle(struct ifrep_pair *p, bool committed);

/* Stops cycles; a cut not shipped yet goes back to the dirty chunks. */
void ifrep_cycle_stop(struct ifrep_pair *p)
{
	WRITE_ONCE(p->stop_resync, true);
	wake_up_all(&p->vol->wait);
	cancel_delayed_work_sync(&p->cycle_work);
	mutex_lock(&p->cycle_lock);
	if (p->cycle_running)
		end_cycle(p, false);
	mutex_unlock(&p->cycle_lock);
}

/* A host write into @chunk must wait for an async pair to ship it first. */
bool __ifrep_chunk_frozen(struct ifrep_volume *vol, u64 chunk)
{
	struct ifrep_pair *p;
	bool frozen = false;
	unsigned int i;

	for (i = 0; i < IFREP_MAX_PAIRS; i++) {
		p = vol->pairs[i];
		if (p && p->cycle_running && test_bit(chunk, p->frozen)) {
			__set_bit(chunk, p->urgent);
			frozen = true;
		}
	}
	return frozen;
}

static bool nothing_in_flight(struct ifrep_volume *vol)
{
	bool empty;

	spin_lock_irq(&vol->lock);
	empty = list_empty(&vol->inflight);
	spin_unlock_irq(&vol->lock);
	return empty;
}

/* NOTE: p->cycle_lock held, no cycle running. */
static void cut(struct ifrep_pair *p, bool initial)
{
	struct ifrep_volume *vol = p->vol;

	lockdep_assert_held(&p->cycle_lock);

	spin_lock_irq(&vol->lock);
	vol->cutting = true;
	spin_unlock_irq(&vol->lock);
	wait_event(vol->wait, nothing_in_flight(vol));

	spin_lock_irq(&vol->lock);
	bitmap_copy(p->frozen, p->dirty, vol->nr_chunks);
	bitmap_copy(p->cycle_set, p->dirty, vol->nr_chunks);
	bitmap_zero(p->urgent, vol->nr_chunks);
	p->cycle_total = p->nr_dirty;
	p->cycle_shipped = 0;
	bitmap_zero(p->dirty, vol->nr_chunks);
	p->nr_dirty = 0;
	p->cycle_running = true;
	p->cycle_initial = initial;
	p->cycle_cut = ktime_get_real_seconds();
	vol->cutting = false;
	spin_unlock_irq(&vol->lock);
	ifrep_redispatch_parked(vol);
}

/* Next chunk to ship: one a host write waits for, else the next in order. */
static u64 next_frozen(struct ifrep_pair *p, u64 *cursor)
{
	u64 n = p->vol->nr_chunks, chunk;

	spin_lock_irq(&p->vol->lock);
	chunk = find_first_bit(p->urgent, n);
	if (chunk >= n) {
		chunk = find_next_bit(p->frozen, n, *cursor);
		if (chunk >= n)
			chunk = find_first_bit(p->frozen, n);
	}
	spin_unlock_irq(&p->vol->lock);
	if (chunk >= n)
		return IFREP_NO_CHUNK;
	*cursor = chunk + 1;
	return chunk;
}

static int ship(struct ifrep_pair *p, const char **reason)
{
	struct ifrep_volume *vol = p->vol;
	u64 chunk, cursor = 0;
	int r;

	p->throttle_start = jiffies;
	p->throttle_bytes = 0;
	while ((chunk = next_frozen(p, &cursor)) != IFREP_NO_CHUNK) {
		if (READ_ONCE(p->stop_resync)) {
			*reason = NULL;
			return -EINTR;
		}
		/* Host writes into the chunk wait while it is frozen. */
		r = ifrep_copy_chunk(p, chunk, reason);
		if (r)
			return r;
		spin_lock_irq(&vol->lock);
		__clear_bit(chunk, p->frozen);
		__clear_bit(chunk, p->urgent);
		p->cycle_shipped++;
		spin_unlock_irq(&vol->lock);
		ifrep_redispatch_parked(vol);
	}
	return 0;
}

static void end_cycle(struct ifrep_pair *p, bool committed)
{
	struct ifrep_volume *vol = p->vol;

	spin_lock_irq(&vol->lock);
	if (!committed) {
		/* Everything of the cycle goes with the next one. */
		bitmap_or(p->dirty, p->dirty, p->cycle_set, vol->nr_chunks);
		p->nr_dirty = bitmap_weight(p->dirty, vol->nr_chunks);
	}
	bitmap_zero(p->frozen, vol->nr_chunks);
	bitmap_zero(p->urgent, vol->nr_chunks);
	bitmap_zero(p->cycle_set, vol->nr_chunks);
	p->cycle_running = false;
	spin_unlock_irq(&vol->lock);
	ifrep_redispatch_parked(vol);
}

/* Records the committed cut in the pair's record. */
static int record_sync_point(struct ifrep_pair *p, u64 id, u64 cut_time, bool initial)
{
	struct ifrep_volume *vol = p->vol;
	struct ifrep_pair_record *rec = &ifrep_md_sb(vol->md)->pairs[p->slot];
	int r;

	mutex_lock(&vol->sb_lock);
	rec->last_cycle = id;
	rec->last_sync_point = cut_time;
	if (initial)
		rec->flags |= IFREP_PAIR_F_INITIAL_DONE;
	r = ifrep_md_commit(vol->md);
	mutex_unlock(&vol->sb_lock);
	return r;
}

/*
 * The copy committed: later source writes do not follow, and the target
 * is released.  Its bits are cleared under bitmap_lock, after which the
 * mark worker and the sweep leave a done pair alone (no flush to a closed
 * target).  NOTE: p->cycle_lock held.
 */
static void finish_copy(struct ifrep_pair *p)
{
	struct ifrep_volume *vol = p->vol;
	int r;

	spin_lock_irq(&vol->lock);
	bitmap_zero(p->dirty, vol->nr_chunks);
	p->nr_dirty = 0;
	spin_unlock_irq(&vol->lock);
	mutex_lock(&vol->bitmap_lock);
	bitmap_zero(p->ondisk, vol->nr_chunks);
	r = ifrep_bitmap_write_area(vol, p->slot, p->ondisk);
	mutex_unlock(&vol->bitmap_lock);
	if (r)	/* harmless: activation ignores a finished copy's bits */
		DMERR("%s: pair %s: could not clear the copy's bitmap (%d)", vol->name,
		      p->name, r);
	p->ops->close(p);
	DMINFO("%s: pair %s: copy done; %s is released", vol->name, p->name, p->peer);
}

/* Ships and commits the cut cycle.  NOTE: p->cycle_lock held. */
static int run_cycle(struct ifrep_pair *p, const char **reason)
{
	struct ifrep_volume *vol = p->vol;
	struct ifrep_pair_record *rec = &ifrep_md_sb(vol->md)->pairs[p->slot];
	struct ifrep_wire_cycle c = { 0 };
	u64 id = rec->last_cycle + 1;
	bool initial = p->cycle_initial;
	u64 cut_time = p->cycle_cut;
	int r;

	c.id = cpu_to_be64(id);
	c.cut_time = cpu_to_be64(cut_time);
	c.nr_chunks = cpu_to_be64(p->cycle_total);
	c.sync_points = cpu_to_be32(p->sync_points);

	*reason = "cycle_failed";
	if (initial) {
		r = p->ops->set_consistent(p, false);
		if (!r)
			p->target_consistent = false;
	} else {
		r = p->ops->cycle(p, IFREP_MSG_CYCLE_BEGIN, &c);
		if (r == -ENOSPC)
			*reason = "journal_too_small";
		else if (r == -EOPNOTSUPP)
			*reason = "no_journal";
	}
	if (!r)
		r = ship(p, reason);
	if (!r && initial) {
		r = p->ops->flush_sync(p) ?: p->ops->set_consistent(p, true);
		if (!r)
			p->target_consistent = true;
	} else if (!r) {
		r = p->ops->cycle(p, IFREP_MSG_CYCLE_COMMIT, &c);
	}
	/* A copy is done once that is on disk; else it is cut again. */
	if (!r && p->mode == IFREP_MODE_COPY) {
		r = record_sync_point(p, id, cut_time, initial);
		if (r)
			*reason = "metadata_write_failed";
	}
	end_cycle(p, !r);
	if (r)
		return r;

	if (p->mode == IFREP_MODE_COPY) {
		spin_lock_irq(&vol->lock);
		p->last_sync_point = cut_time;
		__ifrep_pair_set_state(p, IFREP_PS_DONE, NULL);
		spin_unlock_irq(&vol->lock);
		finish_copy(p);
		ifrep_volume_event(vol);
		return 0;
	}

	spin_lock_irq(&vol->lock);
	p->last_sync_point = cut_time;
	if (initial && p->state == IFREP_PS_INITIAL_SYNC)
		__ifrep_pair_set_state(p, IFREP_PS_CONSISTENT, NULL);
	spin_unlock_irq(&vol->lock);
	if (record_sync_point(p, id, cut_time, initial))
		DMERR("%s: pair %s: cannot record sync point %llu", vol->name, p->name, id);
	/* As after a resync: the peer holds our generation in full now. */
	if (initial && READ_ONCE(vol->track_local) && ifrep_stop_tracking_local(vol))
		DMERR("%s: could not clear the local bitmap", vol->name);
	ifrep_volume_update_divergence(vol);
	ifrep_volume_event(vol);
	return 0;
}

void ifrep_cycle_worker(struct work_struct *ws)
{
	struct ifrep_pair *p = container_of(to_delayed_work(ws), struct ifrep_pair,
					    cycle_work);
	struct ifrep_volume *vol = p->vol;
	const char *reason = NULL;
	enum ifrep_pair_state state;
	int r;

	mutex_lock(&p->cycle_lock);
	spin_lock_irq(&vol->lock);
	state = p->state;
	spin_unlock_irq(&vol->lock);
	if (state != IFREP_PS_CONSISTENT && state != IFREP_PS_INITIAL_SYNC) {
		/* The link broke after a cut: its chunks wait for the next one. */
		if (p->cycle_running)
			end_cycle(p, false);
		mutex_unlock(&p->cycle_lock);
		goto again;
	}
	if (!p->cycle_running)
		cut(p, state == IFREP_PS_INITIAL_SYNC);
	r = run_cycle(p, &reason);
	mutex_unlock(&p->cycle_lock);
	if (r && reason) {
		DMERR_LIMIT("%s: pair %s: cycle failed (%d): %s; its chunks go with the next one",
			    vol->name, p->name, r, reason);
		spin_lock_irq(&vol->lock);
		/* A broken link already says retrying; otherwise say why. */
		if (p->state == IFREP_PS_CONSISTENT || p->state == IFREP_PS_INITIAL_SYNC)
			__ifrep_pair_set_state(p, IFREP_PS_FAILED, reason);
		spin_unlock_irq(&vol->lock);
		ifrep_volume_event(vol);
	}
again:
	if (p->interval_s && !READ_ONCE(p->stop_resync) && !READ_ONCE(vol->suspended))
		queue_delayed_work(vol->resync_wq, &p->cycle_work, p->interval_s * HZ);
}

/*
 * sync [<pair>]: cut a cycle of one async pair, or of each, now, and ship
 * it in the background.  The cut is made before this returns (after any
 * running cycle ended), so a filesystem frozen around the message gets an
 * application-consistent sync point.  Prints "<pair> <cut time>" per cut.
 */
int ifrep_sync_now(struct ifrep_volume *vol, unsigned int argc, char **argv,
		   char *result, unsigned int maxlen)
{
	enum ifrep_pair_state state;
	unsigned int i, n = 0, sz = 0;
	struct ifrep_pair *p;

	if (argc > 1) {
		DMERR("%s: sync takes [<pair>]", vol->name);
		return -EINVAL;
	}
	if (vol->suspended) {
		DMERR("%s: sync: the volume is suspended", vol->name);
		return -EBUSY;
	}
	for (i = 0; i < IFREP_MAX_PAIRS; i++) {
		p = vol->pairs[i];
		if (!p || p->mode != IFREP_MODE_ASYNC || (argc && strcmp(p->name, argv[0])))
			continue;
		n++;
		mutex_lock(&p->cycle_lock);
		spin_lock_irq(&vol->lock);
		state = p->state;
		spin_unlock_irq(&vol->lock);
		if (state == IFREP_PS_CONSISTENT && !p->cycle_running)
			cut(p, false);
		if (p->cycle_running)
			DMEMIT("%s %llu\n", p->name, p->cycle_cut);
		mutex_unlock(&p->cycle_lock);
		ifrep_cycle_kick(p);
	}
	if (!n) {
		DMERR("%s: sync: no async pair%s%s", vol->name, argc ? " named " : "",
		      argc ? argv[0] : "");
		return -ENOENT;
	}
	return 1;
}
