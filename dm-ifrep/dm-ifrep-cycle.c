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
 *     write into a frozen chunk not shipped yet first has the pre-cut
 *     content of the granules it touches copied to the snapshot store
 *     (dm-ifrep-snap.c), once per granule and cycle; the chunk is shipped
 *     from the data device with its saved granules read from the store.
 *     A write waits only for the copies of its own granules, never for
 *     the link.  When the store is full (or absent) the write waits until
 *     its chunk was shipped instead (the chunk is moved to the front:
 *     "urgent"): copy-on-write through the link, counted in cow_fallbacks.
 *     Either way the write then lands in the new dirty set.
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
 *
 * Unless a copy device (dm-ifrep-copydev.c) uses the cut: the target is
 * then in use while it is copied, so the cut must stay the one the device
 * showed and no chunk may be copied twice.  Such a cycle is kept over a
 * stop (it goes on where it stopped at the next start; "pinned" until it
 * ends, also once the device was removed, since what the device wrote is
 * on the target), chunks the device waits for are urgent, each chunk is
 * reported to the device once its copy completed, and a cycle that fails
 * is not cut again while the device is attached (the pair stays failed,
 * the device fails I/O to the chunks not copied).
 */
#include "dm-ifrep-pair.h"
#include "dm-ifrep-lineage.h"
#include "ifrep_proto.h"

#define DM_MSG_PREFIX "ifrep"

static void cycle_worker(struct work_struct *ws);
static void end_cycle(struct ifrep_pair *p, bool committed);

int ifrep_cycle_init(struct ifrep_pair *p, const struct ifrep_pair_record *rec)
{
	struct ifrep_cycle *c = &p->cycle;
	u64 n = p->vol->chunk_capacity;

	INIT_DELAYED_WORK(&c->work, cycle_worker);
	mutex_init(&c->lock);
	c->interval_s = rec->interval_s;
	c->sync_points = rec->sync_points;
	c->last_sync_point = rec->last_sync_point;
	if (p->mode == IFREP_MODE_SYNC)
		return 0;
	ifrep_snap_init(p, rec->granule_sectors);
	c->frozen = ifrep_bitmap_alloc(n, false);
	c->chunks = ifrep_bitmap_alloc(n, false);
	c->urgent = ifrep_bitmap_alloc(n, false);
	return c->frozen && c->chunks && c->urgent ? 0 : -ENOMEM;
}

void ifrep_cycle_exit(struct ifrep_pair *p)
{
	struct ifrep_cycle *c = &p->cycle;

	if (c->frozen) {
		spin_lock_irq(&p->vol->lock);
		__ifrep_snap_release_all(p);
		spin_unlock_irq(&p->vol->lock);
	}
	ifrep_bitmap_free(c->frozen);
	ifrep_bitmap_free(c->chunks);
	ifrep_bitmap_free(c->urgent);
	c->frozen = c->chunks = c->urgent = NULL;
}

void ifrep_cycle_kick(struct ifrep_pair *p)
{
	WRITE_ONCE(p->resync.stop, false);
	mod_delayed_work(p->vol->resync_wq, &p->cycle.work, 0);
}

/*
 * A copy device showed the running cut: it must not be given up, also
 * once the device is gone (what it wrote is on the target).
 */
static bool cycle_kept(struct ifrep_pair *p)
{
	bool kept;

	spin_lock_irq(&p->vol->lock);
	kept = p->cycle.running && p->cycle.pinned;
	spin_unlock_irq(&p->vol->lock);
	return kept;
}

/* A copy device that saw a cut is attached: no new cut under it. */
static bool recut_refused(struct ifrep_pair *p)
{
	bool refused;

	spin_lock_irq(&p->vol->lock);
	refused = __ifrep_copydev_engaged(p);
	spin_unlock_irq(&p->vol->lock);
	return refused;
}

/*
 * Stops cycles; a cut not shipped yet goes back to the dirty chunks, or
 * stays cut, to go on at the next kick, when a copy device uses it.
 */
void ifrep_cycle_stop(struct ifrep_pair *p)
{
	WRITE_ONCE(p->resync.stop, true);
	wake_up_all(&p->vol->wait);
	cancel_delayed_work_sync(&p->cycle.work);
	mutex_lock(&p->cycle.lock);
	if (p->cycle.running && !cycle_kept(p))
		end_cycle(p, false);
	mutex_unlock(&p->cycle.lock);
}

bool __ifrep_cycle_write_waits(struct ifrep_volume *vol, u64 chunk, sector_t sector,
			       sector_t end, struct list_head *saves)
{
	struct ifrep_pair *p;
	bool waits = false;
	unsigned int i;

	end = min_t(sector_t, end, (chunk + 1) << vol->chunk_shift);
	for (i = 0; i < IFREP_MAX_PAIRS; i++) {
		p = vol->pairs[i];
		if (p && p->cycle.running && test_bit(chunk, p->cycle.frozen) &&
		    __ifrep_snap_write(p, chunk, sector, end, saves))
			waits = true;
	}
	return waits;
}

static bool nothing_in_flight(struct ifrep_volume *vol)
{
	bool empty;

	spin_lock_irq(&vol->lock);
	empty = list_empty(&vol->inflight);
	spin_unlock_irq(&vol->lock);
	return empty;
}

/* NOTE: p->cycle.lock held, no cycle running. */
static void cut(struct ifrep_pair *p, bool initial)
{
	struct ifrep_volume *vol = p->vol;
	struct ifrep_cycle *c = &p->cycle;

	lockdep_assert_held(&c->lock);

	spin_lock_irq(&vol->lock);
	vol->cutting = true;
	spin_unlock_irq(&vol->lock);
	wait_event(vol->wait, nothing_in_flight(vol));

	spin_lock_irq(&vol->lock);
	bitmap_copy(c->frozen, p->dirty, vol->nr_chunks);
	bitmap_copy(c->chunks, p->dirty, vol->nr_chunks);
	bitmap_zero(c->urgent, vol->nr_chunks);
	c->total = p->nr_dirty;
	c->shipped = 0;
	bitmap_zero(p->dirty, vol->nr_chunks);
	p->nr_dirty = 0;
	c->running = true;
	c->initial = initial;
	c->cut = ktime_get_real_seconds();
	c->cut_at = jiffies;
	__ifrep_copydev_cut(p);
	vol->cutting = false;
	spin_unlock_irq(&vol->lock);
	ifrep_volume_unpark(vol);
}

/* Next chunk to ship: one a host write waits for, else the next in order. */
static u64 next_frozen(struct ifrep_pair *p, u64 *cursor)
{
	u64 n = p->vol->nr_chunks, chunk;

	spin_lock_irq(&p->vol->lock);
	__ifrep_copydev_urgent(p, p->cycle.urgent);
	chunk = find_first_bit(p->cycle.urgent, n);
	if (chunk >= n) {
		chunk = find_next_bit(p->cycle.frozen, n, *cursor);
		if (chunk >= n)
			chunk = find_first_bit(p->cycle.frozen, n);
	}
	spin_unlock_irq(&p->vol->lock);
	if (chunk >= n)
		return IFREP_NO_CHUNK;
	*cursor = chunk + 1;
	return chunk;
}

/* A chunk of the cut reached the target (or not: the cycle fails then). */
static void shipped(struct ifrep_pair *p, u64 chunk, int result)
{
	struct ifrep_volume *vol = p->vol;

	if (result)
		return;
	spin_lock_irq(&vol->lock);
	__clear_bit(chunk, p->cycle.frozen);
	__clear_bit(chunk, p->cycle.urgent);
	__ifrep_snap_release_chunk(p, chunk);
	/* The copy completed: the copy device's I/O into it may go. */
	__ifrep_copydev_copied(p, chunk);
	p->cycle.shipped++;
	spin_unlock_irq(&vol->lock);
	ifrep_volume_unpark(vol);
}

/*
 * Ships the frozen chunks, through the pair's window when its target has a
 * round trip (several chunks in flight), else one at a time.  Chunks are
 * read through the snapshot store: see ifrep_snap_read().
 */
static int ship(struct ifrep_pair *p, const char **reason)
{
	struct ifrep_window *w = ifrep_resync_window(p);
	u64 chunk, cursor = 0;
	const char *why;
	int r = 0;

	ifrep_resync_begin(p);
	if (w)
		ifrep_window_begin(w, shipped);
	while ((chunk = next_frozen(p, &cursor)) != IFREP_NO_CHUNK) {
		if (READ_ONCE(p->resync.stop)) {
			*reason = NULL;
			r = -EINTR;
			break;
		}
		if (!w) {
			r = ifrep_resync_copy_chunk(p, chunk, reason);
			if (r)
				break;
			shipped(p, chunk, 0);
			continue;
		}
		/* Urgent, or the search wrapped around: it must arrive first. */
		if (ifrep_window_holds(w, chunk))
			r = ifrep_window_drain(w, reason);
		else
			r = ifrep_window_push(w, chunk, false, reason);
		if (r)
			break;
	}
	if (w && ifrep_window_drain(w, &why) && !r) {
		*reason = why;
		r = w->error;
	}
	return r;
}

static void end_cycle(struct ifrep_pair *p, bool committed)
{
	struct ifrep_volume *vol = p->vol;
	struct ifrep_cycle *c = &p->cycle;

	spin_lock_irq(&vol->lock);
	if (!committed) {
		/* Everything of the cycle goes with the next one. */
		bitmap_or(p->dirty, p->dirty, c->chunks, vol->nr_chunks);
		p->nr_dirty = bitmap_weight(p->dirty, vol->nr_chunks);
		/* A copy device showed this cut: its chunks not copied are lost. */
		__ifrep_copydev_fail(p, "copy_failed");
	}
	bitmap_zero(c->frozen, vol->nr_chunks);
	bitmap_zero(c->urgent, vol->nr_chunks);
	bitmap_zero(c->chunks, vol->nr_chunks);
	__ifrep_snap_release_all(p);
	c->running = false;
	c->pinned = false;
	spin_unlock_irq(&vol->lock);
	ifrep_volume_unpark(vol);
	/* sync --freeze waits for a moment between cycles on this event. */
	ifrep_volume_event(vol);
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
 * target).  NOTE: p->cycle.lock held.
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
	bitmap_zero(p->bitmap.ondisk, vol->nr_chunks);
	r = ifrep_bitmap_write_area(vol, p->slot, p->bitmap.ondisk);
	mutex_unlock(&vol->bitmap_lock);
	if (r)	/* harmless: activation ignores a finished copy's bits */
		DMERR("%s: pair %s: could not clear the copy's bitmap (%d)", vol->name,
		      p->name, r);
	p->ops->close(p);
	DMINFO("%s: pair %s: copy done; %s is released", vol->name, p->name, p->peer);
}

/* Ships and commits the cut cycle.  NOTE: p->cycle.lock held. */
static int run_cycle(struct ifrep_pair *p, const char **reason)
{
	struct ifrep_volume *vol = p->vol;
	struct ifrep_pair_record *rec = &ifrep_md_sb(vol->md)->pairs[p->slot];
	struct ifrep_wire_cycle c = { 0 };
	u64 id = rec->last_cycle + 1;
	bool initial = p->cycle.initial;
	u64 cut_time = p->cycle.cut;
	int r;

	c.id = cpu_to_be64(id);
	c.cut_time = cpu_to_be64(cut_time);
	c.nr_chunks = cpu_to_be64(p->cycle.total);
	c.sync_points = cpu_to_be32(p->cycle.sync_points);

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
	/* Stopped: a cut that a copy device uses goes on at the next start. */
	if (r == -EINTR && !*reason && cycle_kept(p))
		return r;
	end_cycle(p, !r);
	if (r)
		return r;

	if (p->mode == IFREP_MODE_COPY) {
		spin_lock_irq(&vol->lock);
		p->cycle.last_sync_point = cut_time;
		__ifrep_pair_set_state(p, IFREP_PS_DONE, NULL);
		/* Flushed and recorded: the device maps the whole target. */
		__ifrep_copydev_done(p);
		spin_unlock_irq(&vol->lock);
		finish_copy(p);
		ifrep_volume_event(vol);
		return 0;
	}

	spin_lock_irq(&vol->lock);
	p->cycle.last_sync_point = cut_time;
	if (initial && p->state == IFREP_PS_INITIAL_SYNC)
		__ifrep_pair_set_state(p, IFREP_PS_CONSISTENT, NULL);
	spin_unlock_irq(&vol->lock);
	if (record_sync_point(p, id, cut_time, initial))
		DMERR("%s: pair %s: cannot record sync point %llu", vol->name, p->name, id);
	/*
	 * As after a resync: a remote peer holds our generation in full now.
	 * A local target never takes over from a peer of the parent
	 * generation, so the area that syncs such a peer back stays.
	 */
	if (initial && p->ops->remote && READ_ONCE(vol->track_local) &&
	    ifrep_lineage_stop_tracking_local(vol))
		DMERR("%s: could not clear the local bitmap", vol->name);
	ifrep_lineage_update_divergence(vol);
	ifrep_volume_event(vol);
	return 0;
}

static void cycle_worker(struct work_struct *ws)
{
	struct ifrep_pair *p = container_of(to_delayed_work(ws), struct ifrep_pair,
					    cycle.work);
	struct ifrep_volume *vol = p->vol;
	unsigned long cut_at = 0, delay;
	const char *reason = NULL;
	enum ifrep_pair_state state;
	bool shipped = false;
	int r;

	mutex_lock(&p->cycle.lock);
	spin_lock_irq(&vol->lock);
	state = p->state;
	spin_unlock_irq(&vol->lock);
	if (state != IFREP_PS_CONSISTENT && state != IFREP_PS_INITIAL_SYNC) {
		/* The link broke after a cut: its chunks wait for the next one. */
		if (p->cycle.running)
			end_cycle(p, false);
		mutex_unlock(&p->cycle.lock);
		goto again;
	}
	if (!p->cycle.running && recut_refused(p)) {
		/* Its copy device showed the lost cut: never copy a chunk twice. */
		mutex_unlock(&p->cycle.lock);
		ifrep_pair_set_state(p, IFREP_PS_FAILED, "copy_device_attached");
		ifrep_volume_event(vol);
		return;
	}
	if (!p->cycle.running)
		cut(p, state == IFREP_PS_INITIAL_SYNC);
	cut_at = p->cycle.cut_at;
	shipped = true;
	r = run_cycle(p, &reason);
	mutex_unlock(&p->cycle.lock);
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
	if (READ_ONCE(p->resync.stop) || READ_ONCE(vol->suspended))
		return;
	/* A sync asked while this one shipped: cut the next one now. */
	if (xchg(&p->cycle.cut_asked, false)) {
		mod_delayed_work(vol->resync_wq, &p->cycle.work, 0);
	} else if (p->cycle.interval_s) {
		/*
		 * Cuts are interval apart (the recovery point then peaks at
		 * interval plus one cycle's shipping), or back to back while a
		 * cycle ships for longer.  After no cycle (a pair not
		 * replicating), the next look is a whole interval away.
		 */
		delay = p->cycle.interval_s * HZ;
		if (shipped)
			delay = ifrep_jiffies_until(cut_at + delay);
		queue_delayed_work(vol->resync_wq, &p->cycle.work, delay);
	}
}

/*
 * The cut is made before this returns, so a filesystem frozen around the
 * message gets an application-consistent sync point; the cycle ships in
 * the background.  A pair whose cycle is being shipped is not cut (the
 * message runs under admin_lock, which a whole cycle must not hold up):
 * its next cycle is cut as soon as that one ended, and the reply leaves
 * the pair out, as it does a pair that cannot be cut.
 */
int ifrep_cycle_sync_now(struct ifrep_volume *vol, const char *name, char *result,
			 unsigned int maxlen)
{
	enum ifrep_pair_state state;
	unsigned int i, n = 0, sz = 0;
	struct ifrep_pair *p;

	for (i = 0; i < IFREP_MAX_PAIRS; i++) {
		p = vol->pairs[i];
		if (!p || p->mode != IFREP_MODE_ASYNC || (name && strcmp(p->name, name)))
			continue;
		n++;
		spin_lock_irq(&vol->lock);
		state = p->state;
		spin_unlock_irq(&vol->lock);
		if (!mutex_trylock(&p->cycle.lock)) {
			if (state == IFREP_PS_CONSISTENT)
				WRITE_ONCE(p->cycle.cut_asked, true);
			continue;
		}
		if (state == IFREP_PS_CONSISTENT && !p->cycle.running)
			cut(p, false);
		if (p->cycle.running)
			DMEMIT("%s %llu\n", p->name, p->cycle.cut);
		mutex_unlock(&p->cycle.lock);
		ifrep_cycle_kick(p);
	}
	if (!n) {
		DMERR("%s: sync: no async pair%s%s", vol->name, name ? " named " : "",
		      name ?: "");
		return -ENOENT;
	}
	return 1;
}
