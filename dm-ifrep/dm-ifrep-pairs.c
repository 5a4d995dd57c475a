// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep pairs of a volume: their lifecycle (add, load at activation,
 * pause, resume, remove), starting and stopping their workers, and the
 * events their targets report.
 *
 * A pair's persistent part is its record in the superblock plus its bitmap
 * area; its runtime part is struct ifrep_pair, published in vol->pairs[]
 * under bitmap_lock and vol->lock (the mark worker and the write path walk
 * that array).  Every function here but the events runs under admin_lock,
 * or at activation and teardown when nothing else runs.
 */
#include "dm-ifrep-pair.h"
#include "dm-ifrep-lineage.h"
#include "dm-ifrep-syncpoint.h"

#define DM_MSG_PREFIX "ifrep"

/*----------------------------------------------------------------
 * Events: what the targets report (struct ifrep_pair_events)
 *--------------------------------------------------------------*/

static void event_state(struct ifrep_pair *p, enum ifrep_pair_state state,
			const char *reason)
{
	ifrep_pair_target_state(p, state, reason);
}

/* A remote secondary attached: replicate, or copy what it lacks first. */
static int event_attached(struct ifrep_pair *p, const struct ifrep_peer_view *v)
{
	struct ifrep_volume *vol = p->vol;
	u32 flags = ifrep_md_sb(vol->md)->pairs[p->slot].flags;
	enum ifrep_pair_state state;

	spin_lock_irq(&vol->lock);
	if (p->closing) {
		spin_unlock_irq(&vol->lock);
		return -ESHUTDOWN;
	}
	p->target_consistent = v->target_consistent;
	if (!(flags & IFREP_PAIR_F_INITIAL_DONE))
		state = IFREP_PS_INITIAL_SYNC;
	else if (p->mode == IFREP_MODE_ASYNC)
		/* An image that is not whole is rebuilt by a full cut. */
		state = p->target_consistent ? IFREP_PS_CONSISTENT : IFREP_PS_INITIAL_SYNC;
	else if (p->nr_dirty || !p->target_consistent)
		state = IFREP_PS_RESYNCING;
	else
		state = IFREP_PS_IN_SYNC;
	__ifrep_pair_set_state(p, state, NULL);
	spin_unlock_irq(&vol->lock);
	/* The administrator reads here what protects the link. */
	DMINFO("%s: pair %s: connected to %s (%s, %s)", vol->name, p->name, p->peer,
	       ifrep_pair_state_name(state), p->remote.insecure ? "insecure" :
	       p->remote.integrity_only ? "integrity-only" : "encrypted");
	if (state != IFREP_PS_IN_SYNC && state != IFREP_PS_CONSISTENT &&
	    !READ_ONCE(vol->suspended))
		ifrep_pair_kick(p);
	else if (state == IFREP_PS_CONSISTENT && p->cycle.interval_s &&
		 !READ_ONCE(vol->suspended))
		ifrep_cycle_kick(p);
	return 0;
}

static const struct ifrep_pair_events pair_events = {
	.state = event_state,
	.decide = ifrep_lineage_decide,
	.attached = event_attached,
};

/*----------------------------------------------------------------
 * Allocation
 *--------------------------------------------------------------*/

static void free_pair(struct ifrep_pair *p)
{
	ifrep_bitmap_free(p->dirty);
	ifrep_bitmap_pair_exit(&p->bitmap);
	ifrep_cycle_exit(p);
	ifrep_resync_exit(p);
	kfree_sensitive(p->remote.secret);
	kfree(p);
}

/*
 * Comparing costs a round trip per window and reads on both sides: it pays
 * where the link is the bottleneck, so a remote sync pair does it unless
 * told not to; a local target is simply rewritten.
 */
static bool resync_by_checksum(u32 mode, u32 flags, u32 resync_mode)
{
	return mode == IFREP_MODE_SYNC && (flags & IFREP_PAIR_F_REMOTE) &&
	       resync_mode != IFREP_PAIR_RESYNC_FULL;
}

static struct ifrep_pair *alloc_pair(struct ifrep_volume *vol, unsigned int slot,
				     const struct ifrep_pair_record *rec)
{
	struct ifrep_pair *p;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return NULL;
	p->vol = vol;
	p->slot = slot;
	p->ops = rec->flags & IFREP_PAIR_F_REMOTE ? &ifrep_remote_ops : &ifrep_local_ops;
	p->events = &pair_events;
	strscpy(p->name, rec->name, sizeof(p->name));
	strscpy(p->peer, rec->peer, sizeof(p->peer));
	p->mode = rec->mode;
	p->rate_limit = rec->rate_bytes_per_s;
	p->state = IFREP_PS_DISCONNECTED;
	atomic_set(&p->target_users, 0);
	atomic64_set(&p->bytes_sent, 0);
	p->rate_stamp = jiffies;
	ifrep_remote_init_target(&p->remote);
	p->remote.timeout_s = rec->timeout_s ?: IFREP_DEFAULT_TIMEOUT_S;
	p->remote.insecure = rec->flags & IFREP_PAIR_F_INSECURE;
	p->remote.integrity_only = rec->flags & IFREP_PAIR_F_INTEGRITY;
	p->resync.checksum = resync_by_checksum(rec->mode, rec->flags, rec->resync_mode);
	if (rec->flags & IFREP_PAIR_F_JOURNAL)
		strscpy(p->local.journal_path, rec->secret_file,
			sizeof(p->local.journal_path));
	ifrep_verify_init(p, rec);

	p->dirty = ifrep_bitmap_alloc(vol->chunk_capacity, false);
	if (!p->dirty || ifrep_resync_init(p) || ifrep_bitmap_pair_init(&p->bitmap, vol) ||
	    ifrep_cycle_init(p, rec)) {
		free_pair(p);
		return NULL;
	}
	return p;
}

/* The state a pair starts in once its target is open. */
static enum ifrep_pair_state __initial_state(struct ifrep_pair *p, u32 flags)
{
	if (flags & IFREP_PAIR_F_PAUSED)
		return IFREP_PS_PAUSED;
	if (!(flags & IFREP_PAIR_F_INITIAL_DONE))
		return IFREP_PS_INITIAL_SYNC;
	if (p->mode == IFREP_MODE_ASYNC)
		return IFREP_PS_CONSISTENT;
	return p->nr_dirty ? IFREP_PS_RESYNCING : IFREP_PS_IN_SYNC;
}

static void publish(struct ifrep_volume *vol, struct ifrep_pair *p)
{
	mutex_lock(&vol->bitmap_lock);
	spin_lock_irq(&vol->lock);
	vol->pairs[p->slot] = p;
	vol->nr_pairs++;
	spin_unlock_irq(&vol->lock);
	mutex_unlock(&vol->bitmap_lock);
}

static void unpublish(struct ifrep_volume *vol, struct ifrep_pair *p)
{
	mutex_lock(&vol->bitmap_lock);
	spin_lock_irq(&vol->lock);
	vol->pairs[p->slot] = NULL;
	vol->nr_pairs--;
	spin_unlock_irq(&vol->lock);
	mutex_unlock(&vol->bitmap_lock);
}

/*
 * Closes the target of a pair that gets no new legs any more.  A remote
 * close fails the legs in flight (their chunks go dirty); a local target
 * must see its legs finish before the device is released.
 */
static void quiesce_and_close(struct ifrep_pair *p)
{
	bool flushed;

	/* The sweep clears a paused pair's bits only once this flush succeeded. */
	spin_lock_irq(&p->vol->lock);
	p->closing = true;
	p->close_flushed = false;
	spin_unlock_irq(&p->vol->lock);
	if (p->ops->remote)
		p->ops->close(p);
	wait_event(p->vol->wait, !atomic_read(&p->target_users));
	if (!p->ops->remote) {
		flushed = !p->ops->flush_sync(p);
		spin_lock_irq(&p->vol->lock);
		p->close_flushed = flushed;
		spin_unlock_irq(&p->vol->lock);
	}
	p->ops->close(p);
}

/* Opens the target; its events count from now on. */
static int open_ops(struct ifrep_pair *p, const char **reason)
{
	spin_lock_irq(&p->vol->lock);
	p->closing = false;
	spin_unlock_irq(&p->vol->lock);
	return p->ops->open(p, reason);
}

/* Opens the target and sets the starting state; failures become states. */
static void open_target(struct ifrep_pair *p, u32 flags)
{
	struct ifrep_volume *vol = p->vol;
	const char *reason = NULL;
	int r = 0;

	/* A finished copy's target is the administrator's: it stays closed. */
	if (!(flags & IFREP_PAIR_F_PAUSED) && !ifrep_copy_finished(p, flags))
		r = open_ops(p, &reason);
	spin_lock_irq(&vol->lock);
	if (ifrep_copy_finished(p, flags))
		__ifrep_pair_set_state(p, IFREP_PS_DONE, NULL);
	else if (r)
		__ifrep_pair_set_state(p, IFREP_PS_FAILED, reason);
	else if (!p->ops->remote || (flags & IFREP_PAIR_F_PAUSED))
		__ifrep_pair_set_state(p, __initial_state(p, flags), NULL);
	spin_unlock_irq(&vol->lock);
	if (r)
		DMERR("%s: pair %s: cannot open %s (%d): %s", vol->name, p->name,
		      p->peer, r, reason);
}

/* Stops the pair's workers: a verify, then its resync or cycles. */
static void stop_background(struct ifrep_pair *p)
{
	ifrep_verify_stop(p);
	if (p->mode == IFREP_MODE_SYNC)
		ifrep_resync_stop(p);
	else
		ifrep_cycle_stop(p);
}

/*----------------------------------------------------------------
 * Activation
 *--------------------------------------------------------------*/

int ifrep_pairs_load(struct ifrep_volume *vol)
{
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);
	struct ifrep_pair_record *rec;
	struct ifrep_pair *p;
	unsigned int i;
	int r;

	for (i = 0; i < IFREP_MAX_PAIRS; i++) {
		rec = &sb->pairs[i];
		if (!(rec->flags & IFREP_PAIR_F_IN_USE))
			continue;
		p = alloc_pair(vol, i, rec);
		if (!p)
			return -ENOMEM;
		r = ifrep_md_read_bitmap(vol->md, i, p->bitmap.ondisk);
		if (r) {
			free_pair(p);
			return r;
		}
		/* Later writes do not follow a finished copy. */
		if (ifrep_copy_finished(p, rec->flags))
			bitmap_zero(p->bitmap.ondisk, vol->nr_chunks);
		bitmap_copy(p->dirty, p->bitmap.ondisk, vol->nr_chunks);
		p->nr_dirty = bitmap_weight(p->dirty, vol->nr_chunks);
		/*
		 * A paused pair's target stays closed, but a local rollback
		 * (or a cycle) that a crash interrupted is finished now, so
		 * that the target holds a whole image while it is paused.
		 */
		if ((rec->flags & IFREP_PAIR_F_PAUSED) && (rec->flags & IFREP_PAIR_F_JOURNAL))
			ifrep_syncpoint_recover_paused(p);
		publish(vol, p);
		open_target(p, rec->flags);
		DMINFO("%s: pair %s to %s: %llu of %llu chunks to resync",
		       vol->name, p->name, p->peer, p->nr_dirty, vol->nr_chunks);
	}
	return 0;
}

void ifrep_pairs_unload(struct ifrep_volume *vol)
{
	struct ifrep_pair *p;
	unsigned int i;

	for (i = 0; i < IFREP_MAX_PAIRS; i++) {
		p = vol->pairs[i];
		if (!p)
			continue;
		stop_background(p);
		unpublish(vol, p);
		ifrep_copydev_detach(p);
		quiesce_and_close(p);
		free_pair(p);
	}
}

void ifrep_pairs_start(struct ifrep_volume *vol)
{
	unsigned int i;

	for (i = 0; i < IFREP_MAX_PAIRS; i++)
		if (vol->pairs[i])
			ifrep_pair_kick(vol->pairs[i]);
}

void ifrep_pairs_stop(struct ifrep_volume *vol)
{
	unsigned int i;

	for (i = 0; i < IFREP_MAX_PAIRS; i++)
		if (vol->pairs[i])
			stop_background(vol->pairs[i]);
}

/*----------------------------------------------------------------
 * Administration
 *--------------------------------------------------------------*/

/* The rules between options, checked once the name and peer are free. */
static int check_record(struct ifrep_volume *vol, const struct ifrep_pair_record *rec)
{
	if (rec->mode != IFREP_MODE_ASYNC && (rec->interval_s || rec->sync_points)) {
		DMERR("%s: pair_add: interval= and sync_points= are for async pairs", vol->name);
		return -EINVAL;
	}
	if (rec->mode == IFREP_MODE_SYNC && rec->granule_sectors) {
		DMERR("%s: pair_add: granule_sectors= is for async and copy pairs", vol->name);
		return -EINVAL;
	}
	if (rec->mode != IFREP_MODE_SYNC && rec->resync_mode != IFREP_PAIR_RESYNC_DEFAULT) {
		DMERR("%s: pair_add: resync= is for sync pairs", vol->name);
		return -EINVAL;
	}
	if (rec->resync_mode == IFREP_PAIR_RESYNC_CHECKSUM && !(rec->flags & IFREP_PAIR_F_REMOTE)) {
		DMERR("%s: pair_add: resync=checksum is for remote pairs", vol->name);
		return -EINVAL;
	}
	/* Cycles are atomic thanks to a journal: the secondary's, or this one. */
	if (rec->mode == IFREP_MODE_ASYNC && !(rec->flags & IFREP_PAIR_F_REMOTE) &&
	    !(rec->flags & IFREP_PAIR_F_JOURNAL)) {
		DMERR("%s: pair_add: async mode to a local target needs journal=<device>",
		      vol->name);
		return -EINVAL;
	}
	if ((rec->flags & IFREP_PAIR_F_JOURNAL) &&
	    ((rec->flags & IFREP_PAIR_F_REMOTE) || rec->mode != IFREP_MODE_ASYNC)) {
		DMERR("%s: pair_add: journal= is for async pairs to a local target", vol->name);
		return -EINVAL;
	}
	if ((rec->flags & IFREP_PAIR_F_INTEGRITY) &&
	    (!(rec->flags & IFREP_PAIR_F_REMOTE) || (rec->flags & IFREP_PAIR_F_INSECURE))) {
		DMERR("%s: pair_add: integrity-only is for remote pairs with a secret",
		      vol->name);
		return -EINVAL;
	}
	return 0;
}

/* A free slot for a pair whose name and target no pair uses yet. */
static int find_slot(struct ifrep_volume *vol, const struct ifrep_pair_record *rec,
		     unsigned int *slot)
{
	unsigned int i;

	*slot = IFREP_MAX_PAIRS;
	for (i = 0; i < IFREP_MAX_PAIRS; i++) {
		if (vol->pairs[i] && !strcmp(vol->pairs[i]->name, rec->name)) {
			DMERR("%s: pair_add: pair %s exists", vol->name, rec->name);
			return -EEXIST;
		}
		if (vol->pairs[i] && !strcmp(vol->pairs[i]->peer, rec->peer)) {
			DMERR("%s: pair_add: %s is already the target of pair %s",
			      vol->name, rec->peer, vol->pairs[i]->name);
			return -EBUSY;
		}
		if (!vol->pairs[i] && *slot == IFREP_MAX_PAIRS)
			*slot = i;
	}
	if (*slot == IFREP_MAX_PAIRS) {
		DMERR("%s: pair_add %s refused: a volume has at most %u pairs", vol->name,
		      rec->name, IFREP_MAX_PAIRS);
		return -ENOSPC;
	}
	return 0;
}

int ifrep_pairs_add(struct ifrep_volume *vol, const struct ifrep_pair_record *asked)
{
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);
	struct ifrep_pair_record rec = *asked;
	const char *reason = NULL;
	struct ifrep_pair *p;
	unsigned int slot;
	int r;

	r = find_slot(vol, &rec, &slot) ?: check_record(vol, &rec);
	if (r)
		return r;
	rec.flags = IFREP_PAIR_F_IN_USE |
		    (rec.flags & (IFREP_PAIR_F_INSECURE | IFREP_PAIR_F_REMOTE |
				  IFREP_PAIR_F_JOURNAL | IFREP_PAIR_F_INTEGRITY));
	p = alloc_pair(vol, slot, &rec);
	if (!p)
		return -ENOMEM;
	/*
	 * A local target is checked before anything is recorded.  A remote
	 * one connects in the background and may attach and start copying at
	 * once: it opens only once the pair is published, so that the write
	 * path sees the chunks its resync locks.
	 */
	if (!p->ops->remote) {
		r = open_ops(p, &reason);
		if (r) {
			DMERR("%s: pair_add: cannot use %s: %s", vol->name, rec.peer, reason);
			goto out_free;
		}
	}

	/* Every chunk differs on a new target until the initial sync copied it. */
	bitmap_set(p->dirty, 0, vol->nr_chunks);
	bitmap_set(p->bitmap.ondisk, 0, vol->nr_chunks);
	p->nr_dirty = vol->nr_chunks;
	mutex_lock(&vol->bitmap_lock);
	r = ifrep_bitmap_write_area(vol, slot, p->bitmap.ondisk);
	mutex_unlock(&vol->bitmap_lock);
	if (r)
		goto out_close;

	mutex_lock(&vol->sb_lock);
	sb->pairs[slot] = rec;
	r = ifrep_md_commit(vol->md);
	if (r)
		memset(&sb->pairs[slot], 0, sizeof(sb->pairs[slot]));
	mutex_unlock(&vol->sb_lock);
	if (r)
		goto out_close;

	if (!p->ops->remote) {
		spin_lock_irq(&vol->lock);
		__ifrep_pair_set_state(p, IFREP_PS_INITIAL_SYNC, NULL);
		spin_unlock_irq(&vol->lock);
	}
	publish(vol, p);
	if (p->ops->remote) {
		r = open_ops(p, &reason);
		if (r) {
			DMERR("%s: pair_add: cannot use %s: %s", vol->name, rec.peer, reason);
			goto out_unpublish;
		}
	} else if (!vol->suspended) {
		ifrep_pair_kick(p);
	}
	DMINFO("%s: pair %s added: %s mirror to %s", vol->name, p->name,
	       ifrep_mode_name(p->mode), p->peer);
	ifrep_volume_event(vol);
	return 0;

out_unpublish:
	unpublish(vol, p);
	mutex_lock(&vol->sb_lock);
	memset(&sb->pairs[slot], 0, sizeof(sb->pairs[slot]));
	if (ifrep_md_commit(vol->md))
		DMERR("%s: pair_add: the record of pair %s stays: remove it", vol->name,
		      rec.name);
	mutex_unlock(&vol->sb_lock);
	free_pair(p);
	return r;

out_close:
	DMERR("%s: pair_add: metadata write failed (%d)", vol->name, r);
	p->ops->close(p);
out_free:
	free_pair(p);
	return r;
}

int ifrep_pairs_remove(struct ifrep_pair *p)
{
	struct ifrep_volume *vol = p->vol;
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);
	struct ifrep_pair_record saved;
	int r;

	stop_background(p);

	mutex_lock(&vol->sb_lock);
	saved = sb->pairs[p->slot];
	memset(&sb->pairs[p->slot], 0, sizeof(sb->pairs[p->slot]));
	r = ifrep_md_commit(vol->md);
	if (r)
		sb->pairs[p->slot] = saved;
	mutex_unlock(&vol->sb_lock);
	if (r) {
		DMERR("%s: pair_remove %s: metadata write failed (%d)", vol->name,
		      p->name, r);
		if (!vol->suspended)
			ifrep_pair_kick(p);
		return r;
	}

	unpublish(vol, p);
	ifrep_copydev_detach(p);
	quiesce_and_close(p);
	DMINFO("%s: pair %s removed", vol->name, p->name);
	free_pair(p);
	ifrep_volume_event(vol);
	return 0;
}

/*
 * pair_set: what each setting is for, checked against the pair before
 * anything is written.
 */
static int check_settings(struct ifrep_pair *p, const struct ifrep_pair_settings *s)
{
	const char *name = p->vol->name;

	if ((s->set & IFREP_SET_TIMEOUT) && !p->ops->remote) {
		DMERR("%s: pair_set: timeout is for remote pairs (%s is local)", name, p->name);
		return -EINVAL;
	}
	if ((s->set & (IFREP_SET_INTERVAL | IFREP_SET_SYNC_POINTS)) &&
	    p->mode != IFREP_MODE_ASYNC) {
		DMERR("%s: pair_set: interval and sync_points are for async pairs (%s is %s)",
		      name, p->name, ifrep_mode_name(p->mode));
		return -EINVAL;
	}
	if ((s->set & IFREP_SET_RESYNC) && p->mode != IFREP_MODE_SYNC) {
		DMERR("%s: pair_set: resync is for sync pairs (%s is %s)", name, p->name,
		      ifrep_mode_name(p->mode));
		return -EINVAL;
	}
	if ((s->set & IFREP_SET_RESYNC) && s->resync_mode == IFREP_PAIR_RESYNC_CHECKSUM &&
	    !p->ops->remote) {
		DMERR("%s: pair_set: resync checksum is for remote pairs (%s is local)", name,
		      p->name);
		return -EINVAL;
	}
	return 0;
}

/* A new interval takes effect now: the next cut is due that long from now. */
static void rearm_cycles(struct ifrep_pair *p, u32 interval_s)
{
	struct workqueue_struct *wq = p->vol->resync_wq;

	if (p->vol->suspended || READ_ONCE(p->resync.stop) ||
	    READ_ONCE(p->state) != IFREP_PS_CONSISTENT || !interval_s)
		return;
	/*
	 * Only a timer is moved: a cut asked for (sync) is queued without
	 * one and stays.  With interval 0, a cut already due still runs.
	 */
	if (timer_pending(&p->cycle.work.timer))
		mod_delayed_work(wq, &p->cycle.work, interval_s * HZ);
	else
		queue_delayed_work(wq, &p->cycle.work, interval_s * HZ);
}

int ifrep_pairs_set(struct ifrep_pair *p, const struct ifrep_pair_settings *s)
{
	struct ifrep_volume *vol = p->vol;
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);
	struct ifrep_pair_record saved, now, *rec = &sb->pairs[p->slot];
	char timeout[12], interval[12], points[12];
	int r;

	r = check_settings(p, s);
	if (r)
		return r;

	/* The record first: an activation never finds older settings than were in use. */
	mutex_lock(&vol->sb_lock);
	saved = *rec;
	if (s->set & IFREP_SET_RATE)
		rec->rate_bytes_per_s = s->rate_bytes_per_s;
	if (s->set & IFREP_SET_TIMEOUT)
		rec->timeout_s = s->timeout_s;
	if (s->set & IFREP_SET_INTERVAL)
		rec->interval_s = s->interval_s;
	if (s->set & IFREP_SET_SYNC_POINTS)
		rec->sync_points = s->sync_points;
	if (s->set & IFREP_SET_RESYNC)
		rec->resync_mode = s->resync_mode;
	r = ifrep_md_commit(vol->md);
	if (r)
		*rec = saved;
	now = *rec;
	mutex_unlock(&vol->sb_lock);
	if (r) {
		DMERR("%s: pair_set %s: metadata write failed (%d): nothing changed", vol->name,
		      p->name, r);
		return r;
	}

	/*
	 * Then the running pair.  Each setting is read by its user when it
	 * next needs it: the copier's throttle (which starts counting afresh
	 * at a new rate, woken from a wait the old one asked), the link's
	 * checks and pings, the next cycle (sync_points) and the next resync
	 * pass (resync).
	 */
	if (s->set & IFREP_SET_RATE) {
		WRITE_ONCE(p->rate_limit, s->rate_bytes_per_s);
		wake_up_all(&vol->wait);
	}
	if (s->set & IFREP_SET_TIMEOUT)
		WRITE_ONCE(p->remote.timeout_s, s->timeout_s);
	if (s->set & IFREP_SET_SYNC_POINTS)
		WRITE_ONCE(p->cycle.sync_points, s->sync_points);
	if (s->set & IFREP_SET_RESYNC)
		WRITE_ONCE(p->resync.checksum,
			   resync_by_checksum(p->mode, now.flags, s->resync_mode));
	if (s->set & IFREP_SET_INTERVAL) {
		WRITE_ONCE(p->cycle.interval_s, s->interval_s);
		rearm_cycles(p, s->interval_s);
	}
	/* What the pair has of them; '-' for what it does not. */
	strscpy(timeout, "-", sizeof(timeout));
	strscpy(interval, "-", sizeof(interval));
	strscpy(points, "-", sizeof(points));
	if (p->ops->remote)
		snprintf(timeout, sizeof(timeout), "%u", now.timeout_s);
	if (p->mode == IFREP_MODE_ASYNC) {
		snprintf(interval, sizeof(interval), "%u", now.interval_s);
		snprintf(points, sizeof(points), "%u", now.sync_points);
	}
	DMINFO("%s: pair %s: settings now rate=%llu timeout=%s interval=%s sync_points=%s resync=%s",
	       vol->name, p->name, now.rate_bytes_per_s, timeout, interval, points,
	       p->mode != IFREP_MODE_SYNC ? "-" : p->resync.checksum ? "checksum" : "full");
	return 0;
}

/* A finished copy has nothing left to pause or resume. */
static bool refuse_done(struct ifrep_pair *p, const char *what)
{
	if (READ_ONCE(p->state) != IFREP_PS_DONE)
		return false;
	DMERR("%s: %s: pair %s is a finished copy: remove it, or add a new pair to copy again",
	      p->vol->name, what, p->name);
	return true;
}

/*
 * A copy device uses the pair's cut: pausing would release the target it
 * copies to, resuming would copy again what the device may have written.
 */
static bool refuse_copydev(struct ifrep_pair *p, const char *what)
{
	bool attached;

	spin_lock_irq(&p->vol->lock);
	attached = __ifrep_copydev_attached(p);
	spin_unlock_irq(&p->vol->lock);
	if (attached)
		DMERR("%s: %s: pair %s has a copy device: remove the device first",
		      p->vol->name, what, p->name);
	return attached;
}

int ifrep_pairs_pause(struct ifrep_pair *p)
{
	int r;

	if (refuse_done(p, "pause"))
		return -EINVAL;
	if (refuse_copydev(p, "pause"))
		return -EBUSY;
	stop_background(p);
	r = ifrep_pair_record_flags(p, IFREP_PAIR_F_PAUSED, 0);
	if (r)
		return r;
	ifrep_pair_set_state(p, IFREP_PS_PAUSED, NULL);
	/* The target is released while paused: it may be repaired or replaced. */
	quiesce_and_close(p);
	return 0;
}

int ifrep_pairs_resume(struct ifrep_pair *p)
{
	struct ifrep_volume *vol = p->vol;
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);
	bool flushed_at_pause;
	int r;

	if (refuse_done(p, "resume"))
		return -EINVAL;
	if (refuse_copydev(p, "resume"))
		return -EBUSY;
	stop_background(p);
	r = ifrep_pair_record_flags(p, 0, IFREP_PAIR_F_PAUSED);
	if (r)
		return r;
	/*
	 * Reopen the target: it may have come back as a new device.  Stop
	 * sending to it first and let the legs in flight finish.  Closing it
	 * again flushes a target that is closed already (which fails): what
	 * counts for a paused sync pair, whose target nothing wrote since, is
	 * whether the pause's close flushed it.  Otherwise the chunks hot at
	 * the pause, whose bits stay set, would all be resent.
	 */
	spin_lock_irq(&vol->lock);
	flushed_at_pause = p->state == IFREP_PS_PAUSED && p->mode == IFREP_MODE_SYNC &&
			   p->close_flushed;
	spin_unlock_irq(&vol->lock);
	ifrep_pair_set_state(p, IFREP_PS_DISCONNECTED, "reopening");
	quiesce_and_close(p);
	/*
	 * A local target not flushed at close may have lost its cache while
	 * it was away; a remote one says so when it attaches again.
	 */
	if (!p->ops->remote && !p->close_flushed && !flushed_at_pause &&
	    !ifrep_copy_finished(p, sb->pairs[p->slot].flags))
		ifrep_pair_unflushed_dirty(p);
	open_target(p, sb->pairs[p->slot].flags);
	if (!vol->suspended && !p->ops->remote)
		ifrep_pair_kick(p);
	return 0;
}
