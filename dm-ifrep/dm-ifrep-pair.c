// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep pair core: a pair's state machine, the chunks it must copy and
 * its status; what the workers, the write path and the lineage share.
 *
 * State changes happen under vol->lock and raise a dm event from the
 * volume's worker.  Administrative states (paused) and "the first full
 * sync finished" are persisted as record flags so activation restores them;
 * everything else is derived from the bitmap.  The pairs' lifecycle (add,
 * load, remove...) is dm-ifrep-pairs.c.
 */
#include "dm-ifrep-pair.h"

#define DM_MSG_PREFIX "ifrep"

#define IFREP_RATE_WINDOW	(2 * HZ)

struct ifrep_pair *ifrep_pair_find(struct ifrep_volume *vol, const char *name)
{
	unsigned int i;

	for (i = 0; i < IFREP_MAX_PAIRS; i++)
		if (vol->pairs[i] && !strcmp(vol->pairs[i]->name, name))
			return vol->pairs[i];
	return NULL;
}

void __ifrep_pair_set_state(struct ifrep_pair *p, enum ifrep_pair_state state,
			    const char *reason)
{
	lockdep_assert_held(&p->vol->lock);
	/* A finished copy is the target's own now: nothing changes it back. */
	if (p->state == IFREP_PS_DONE || (p->state == state && p->reason == reason))
		return;
	p->state = state;
	p->reason = reason;
	ifrep_volume_event(p->vol);
}

void ifrep_pair_set_state(struct ifrep_pair *p, enum ifrep_pair_state state,
			  const char *reason)
{
	unsigned long flags;

	spin_lock_irqsave(&p->vol->lock, flags);
	__ifrep_pair_set_state(p, state, reason);
	spin_unlock_irqrestore(&p->vol->lock, flags);
}

bool ifrep_pair_target_state(struct ifrep_pair *p, enum ifrep_pair_state state,
			     const char *reason)
{
	unsigned long flags;
	bool taken;

	spin_lock_irqsave(&p->vol->lock, flags);
	taken = !p->closing;
	if (taken)
		__ifrep_pair_set_state(p, state, reason);
	spin_unlock_irqrestore(&p->vol->lock, flags);
	return taken;
}

/*
 * Only sync pairs replicate host writes: async pairs' writes mark chunks
 * for the next cycle, and a copy takes the source as it was at its cut.
 */
bool __ifrep_pair_replicating(struct ifrep_pair *p)
{
	if (p->mode != IFREP_MODE_SYNC)
		return false;
	switch (p->state) {
	case IFREP_PS_INITIAL_SYNC:
	case IFREP_PS_IN_SYNC:
	case IFREP_PS_RESYNCING:
		return true;
	default:
		return false;
	}
}

/*
 * The workers' own work items are queued, nothing of theirs is called:
 * async and copy pairs copy by cycles, never by plain resync; the initial
 * copy starts now, later cycles when their timer (or sync) says.  Either
 * way the copier may run again: a stop (suspend, pause) is over.
 */
void ifrep_pair_kick(struct ifrep_pair *p)
{
	struct workqueue_struct *wq = p->vol->resync_wq;

	WRITE_ONCE(p->resync.stop, false);
	if (p->mode == IFREP_MODE_SYNC)
		queue_work(wq, &p->resync.work);
	else if (READ_ONCE(p->state) == IFREP_PS_INITIAL_SYNC)
		mod_delayed_work(wq, &p->cycle.work, 0);
	else if (p->cycle.interval_s)
		queue_delayed_work(wq, &p->cycle.work, p->cycle.interval_s * HZ);
}

/* A pair in sync that gets a dirty chunk (a data device error) resyncs. */
void __ifrep_pair_set_dirty(struct ifrep_pair *p, u64 chunk)
{
	lockdep_assert_held(&p->vol->lock);
	if (p->state == IFREP_PS_DONE || __test_and_set_bit(chunk, p->dirty))
		return;
	p->nr_dirty++;
	if (p->state == IFREP_PS_IN_SYNC) {
		__ifrep_pair_set_state(p, IFREP_PS_RESYNCING, NULL);
		if (!p->vol->suspended)
			ifrep_pair_kick(p);
	}
}

void ifrep_pair_set_dirty(struct ifrep_pair *p, u64 chunk)
{
	unsigned long flags;

	spin_lock_irqsave(&p->vol->lock, flags);
	__ifrep_pair_set_dirty(p, chunk);
	spin_unlock_irqrestore(&p->vol->lock, flags);
}

int ifrep_pair_record_flags(struct ifrep_pair *p, u32 set, u32 clear)
{
	struct ifrep_volume *vol = p->vol;
	struct ifrep_pair_record *rec = &ifrep_md_sb(vol->md)->pairs[p->slot];
	u32 old;
	int r = 0;

	mutex_lock(&vol->sb_lock);
	old = rec->flags;
	rec->flags = (old | set) & ~clear;
	if (rec->flags != old) {
		r = ifrep_md_commit(vol->md);
		if (r)
			rec->flags = old;
	}
	mutex_unlock(&vol->sb_lock);
	return r;
}

int ifrep_pair_record_verify(struct ifrep_pair *p, u32 state, u64 next, u64 differing,
			     u64 started)
{
	struct ifrep_volume *vol = p->vol;
	struct ifrep_pair_record *rec = &ifrep_md_sb(vol->md)->pairs[p->slot];
	int r;

	mutex_lock(&vol->sb_lock);
	rec->verify_state = state;
	rec->verify_next = next;
	rec->verify_differing = differing;
	rec->verify_started = started;
	r = ifrep_md_commit(vol->md);	/* reverts the in-core record on error */
	mutex_unlock(&vol->sb_lock);
	return r;
}

/* The bits are durable before the pair starts its (initial) sync. */
int ifrep_pair_mark_all_dirty(struct ifrep_pair *p)
{
	struct ifrep_volume *vol = p->vol;
	int r;

	mutex_lock(&vol->bitmap_lock);
	bitmap_set(p->bitmap.ondisk, 0, vol->nr_chunks);
	r = ifrep_bitmap_write_area(vol, p->slot, p->bitmap.ondisk);
	mutex_unlock(&vol->bitmap_lock);
	if (r)
		return r;
	spin_lock_irq(&vol->lock);
	bitmap_set(p->dirty, 0, vol->nr_chunks);
	p->nr_dirty = vol->nr_chunks;
	spin_unlock_irq(&vol->lock);
	return ifrep_pair_record_flags(p, 0, IFREP_PAIR_F_INITIAL_DONE);
}

int ifrep_pair_add_dirty(struct ifrep_pair *p, const unsigned long *chunks,
			 bool replace)
{
	struct ifrep_volume *vol = p->vol;
	int r;

	mutex_lock(&vol->bitmap_lock);
	bitmap_or(p->bitmap.ondisk, p->bitmap.ondisk, chunks, vol->nr_chunks);
	r = ifrep_bitmap_write_area(vol, p->slot, p->bitmap.ondisk);
	mutex_unlock(&vol->bitmap_lock);
	if (r)
		return r;
	spin_lock_irq(&vol->lock);
	if (replace)
		bitmap_copy(p->dirty, chunks, vol->nr_chunks);
	else
		bitmap_or(p->dirty, p->dirty, chunks, vol->nr_chunks);
	p->nr_dirty = bitmap_weight(p->dirty, vol->nr_chunks);
	spin_unlock_irq(&vol->lock);
	return replace ? ifrep_pair_record_flags(p, IFREP_PAIR_F_INITIAL_DONE, 0) : 0;
}

void __ifrep_pair_unflushed_dirty(struct ifrep_pair *p)
{
	u64 chunk;

	lockdep_assert_held(&p->vol->lock);
	for_each_set_bit(chunk, p->bitmap.ondisk, p->vol->nr_chunks)
		__ifrep_pair_set_dirty(p, chunk);
}

void ifrep_pair_unflushed_dirty(struct ifrep_pair *p)
{
	struct ifrep_volume *vol = p->vol;

	mutex_lock(&vol->bitmap_lock);
	spin_lock_irq(&vol->lock);
	__ifrep_pair_unflushed_dirty(p);
	spin_unlock_irq(&vol->lock);
	mutex_unlock(&vol->bitmap_lock);
}

/*----------------------------------------------------------------
 * Status
 *--------------------------------------------------------------*/

/* Copy rate over the last window; NOTE: vol->lock held. */
static u64 __pair_rate(struct ifrep_pair *p)
{
	unsigned long now = jiffies, elapsed = now - p->rate_stamp;
	u64 bytes = atomic64_read(&p->resync.bytes);

	if (elapsed >= IFREP_RATE_WINDOW) {
		p->rate_bytes_per_s = div64_u64((bytes - p->rate_bytes_at_stamp) * HZ,
						elapsed);
		p->rate_stamp = now;
		p->rate_bytes_at_stamp = bytes;
	}
	return p->rate_bytes_per_s;
}

void ifrep_pair_status(struct ifrep_pair *p, char *result, unsigned int maxlen,
		       unsigned int *sz_ptr)
{
	struct ifrep_cycle *c = &p->cycle;
	unsigned int sz = *sz_ptr;

	lockdep_assert_held(&p->vol->lock);
	DMEMIT(" %s %s %s %s %llu %llu %llu", p->name, ifrep_mode_name(p->mode),
	       p->peer, ifrep_pair_state_name(p->state), p->nr_dirty,
	       (u64)atomic64_read(&p->bytes_sent), __pair_rate(p));
	if (p->mode == IFREP_MODE_ASYNC && c->last_sync_point)
		DMEMIT(" %llu %lld", c->last_sync_point,
		       max_t(s64, 0, ktime_get_real_seconds() - c->last_sync_point));
	else if (p->mode == IFREP_MODE_COPY && c->last_sync_point)
		DMEMIT(" %llu -", c->last_sync_point);	/* the copy's point in time */
	else
		DMEMIT(" - -");
	DMEMIT(" %s", p->reason ?: IFREP_STATUS_NONE);
	if (p->mode != IFREP_MODE_SYNC && c->running)
		DMEMIT(" %llu/%llu", c->shipped, c->total);
	else
		DMEMIT(" -");
	if (p->mode != IFREP_MODE_SYNC)
		DMEMIT(" %llu %llu -", c->snap.cow_fallbacks, ifrep_snap_used_bytes(&c->snap));
	else
		DMEMIT(" - - %llu", (u64)atomic64_read(&p->resync.skipped));
	ifrep_verify_status_field(p, result, maxlen, &sz);
	*sz_ptr = sz;
}
