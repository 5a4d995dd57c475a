// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep lineage: data generations, divergence and the local area.
 *
 * Generations tell two volumes whether one's data descends from the
 * other's.  A primary's data_generation is random; a secondary takes its
 * primary's once it holds a complete copy.  Promotion forks: the old
 * generation becomes parent_generation, a new random one is current, and
 * from then on every write is also recorded in the local bitmap area.
 * Demotion keeps the chunks its pairs had not replicated in that local
 * area.  When the new primary attaches the old one as its secondary
 * (failback, planned switchover), the secondary's generation equals the
 * primary's parent: the two exchange their local areas and resync only the
 * union.  If both sides wrote after they split (the secondary is marked
 * diverged and the primary has local changes) that is split brain: nothing
 * is overwritten until an administrator says whose changes go.
 *
 * "Diverged" is recorded before a primary acknowledges the first write that
 * a remote peer holding a consistent copy will not get (see the write
 * path's mark worker), and cleared once every remote peer has everything
 * again.  Promotion and demotion themselves are dm-ifrep-role.c.
 */
#include "dm-ifrep-pair.h"
#include "dm-ifrep-lineage.h"
#include "dm-ifrep-debug.h"
#include "ifrep_proto.h"

#define DM_MSG_PREFIX "ifrep"

int ifrep_lineage_set_diverged(struct ifrep_volume *vol, bool diverged)
{
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);
	u32 old;
	int r = 0;

	mutex_lock(&vol->sb_lock);
	old = sb->flags;
	if (diverged)
		sb->flags |= IFREP_SB_F_DIVERGED;
	else
		sb->flags &= ~IFREP_SB_F_DIVERGED;
	if (sb->flags != old) {
		r = ifrep_md_commit(vol->md);
		if (r)
			sb->flags = old;
	}
	if (!r)
		WRITE_ONCE(vol->diverged, diverged);
	mutex_unlock(&vol->sb_lock);
	return r;
}

/*
 * Without the record a later promotion of the peer could not tell a
 * failover from a split brain.
 */
bool __ifrep_lineage_must_record_divergence(struct ifrep_volume *vol)
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

bool __ifrep_lineage_caught_up(struct ifrep_pair *p)
{
	if (p->mode == IFREP_MODE_COPY)	/* not a replica */
		return true;
	if (p->nr_dirty || !p->target_consistent)
		return false;
	if (p->mode == IFREP_MODE_ASYNC)
		return p->state == IFREP_PS_CONSISTENT && !p->cycle.running;
	return p->state == IFREP_PS_IN_SYNC;
}

/*
 * The check and the in-core clear happen together under vol->lock, and the
 * commit under sb_lock: a write that a peer misses after the check sees
 * "diverged" clear, goes to the mark worker, and records it again after
 * (sb_lock) this commit, never before it.
 */
void ifrep_lineage_update_divergence(struct ifrep_volume *vol)
{
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);
	struct ifrep_pair *p;
	bool all_in = true;
	unsigned int i;

	if (!READ_ONCE(vol->diverged))
		return;
	mutex_lock(&vol->sb_lock);
	spin_lock_irq(&vol->lock);
	for (i = 0; i < IFREP_MAX_PAIRS; i++) {
		p = vol->pairs[i];
		if (p && p->ops->remote && !__ifrep_lineage_caught_up(p))
			all_in = false;
	}
	if (all_in)
		vol->diverged = false;
	spin_unlock_irq(&vol->lock);
	if (all_in && (sb->flags & IFREP_SB_F_DIVERGED)) {
		sb->flags &= ~IFREP_SB_F_DIVERGED;
		if (ifrep_md_commit(vol->md)) {
			WRITE_ONCE(vol->diverged, true);
			DMERR("%s: cannot record that every peer is in sync", vol->name);
		}
	}
	mutex_unlock(&vol->sb_lock);
}

/*
 * Without the local area a peer of the parent generation can no longer be
 * synced back by differences: the parent is forgotten first, durably, so
 * that a crash before the area is cleared leaves such a peer refused as
 * unrelated rather than synced from an incomplete area.
 */
int ifrep_lineage_stop_tracking_local(struct ifrep_volume *vol)
{
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);
	int r = 0;

	mutex_lock(&vol->bitmap_lock);
	mutex_lock(&vol->sb_lock);
	if ((sb->flags & IFREP_SB_F_TRACK_LOCAL) || sb->parent_generation) {
		sb->flags &= ~IFREP_SB_F_TRACK_LOCAL;
		sb->parent_generation = 0;
		r = ifrep_md_commit(vol->md);	/* reverts the in-core copy on error */
	}
	mutex_unlock(&vol->sb_lock);
	/* A crash here is what the order above is for (test 056). */
	ifrep_debug_delay();
	if (!r) {
		spin_lock_irq(&vol->lock);
		vol->track_local = false;
		spin_unlock_irq(&vol->lock);
		r = ifrep_bitmap_reset_local(vol);
	}
	mutex_unlock(&vol->bitmap_lock);
	return r;
}

/*----------------------------------------------------------------
 * A remote secondary attaches
 *--------------------------------------------------------------*/

/* Reasons compared by address: one copy of each. */
static const char both_sides_changed[] = IFREP_REASON_BOTH_SIDES_CHANGED;
static const char unrelated_data[] = IFREP_REASON_UNRELATED_DATA;
static const char peer_is_newer[] = IFREP_REASON_PEER_IS_NEWER;

/* Logs once per episode: the connection thread retries every few seconds. */
static void set_split_brain(struct ifrep_pair *p, const char *why)
{
	if (READ_ONCE(p->state) != IFREP_PS_SPLIT_BRAIN || READ_ONCE(p->reason) != why)
		DMERR("%s: pair %s: split brain with %s (%s): nothing is copied until it is resolved (ifrepctl resolve)",
		      p->vol->name, p->name, p->peer, why);
	ifrep_pair_target_state(p, IFREP_PS_SPLIT_BRAIN, why);
}

/* The peer is the lineage we were promoted from: sync back the differences. */
static int sync_back(struct ifrep_pair *p, struct ifrep_peer_view *v, bool initial,
		     bool discard)
{
	struct ifrep_volume *vol = p->vol;
	unsigned long *both;
	bool changed_here;
	int err;

	both = ifrep_bitmap_alloc(vol->chunk_capacity, false);
	if (!both)
		return -ENOMEM;
	mutex_lock(&vol->bitmap_lock);
	bitmap_copy(both, vol->local_ondisk, vol->nr_chunks);
	mutex_unlock(&vol->bitmap_lock);
	changed_here = !bitmap_empty(both, vol->nr_chunks);
	if ((v->flags & IFREP_ATTACH_DIVERGED) && changed_here && !discard) {
		ifrep_bitmap_free(both);
		set_split_brain(p, both_sides_changed);
		return -EEXIST;
	}
	if (v->changes)
		bitmap_or(both, both, v->changes, vol->nr_chunks);
	DMINFO("%s: pair %s: sync-back to %s: %u chunks changed on either side since they split",
	       vol->name, p->name, p->peer, bitmap_weight(both, vol->nr_chunks));
	err = ifrep_pair_add_dirty(p, both, initial);
	ifrep_bitmap_free(both);
	return err;
}

/*
 * Returns 0 to go on with the connection, or -errno with the pair's state
 * set (split brain, peer is newer) to drop it.
 */
int ifrep_lineage_decide(struct ifrep_pair *p, struct ifrep_peer_view *v)
{
	struct ifrep_volume *vol = p->vol;
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);
	bool initial = !(sb->pairs[p->slot].flags & IFREP_PAIR_F_INITIAL_DONE);
	/* A resolution applies to this attach only. */
	bool discard = xchg(&p->remote.discard_remote, false);

	v->target_consistent = false;
	if (!v->generation)		/* holds nothing of any primary */
		return initial ? 0 : ifrep_pair_mark_all_dirty(p);
	if (v->generation == sb->data_generation) {
		v->target_consistent = v->flags & IFREP_ATTACH_CONSISTENT;
		if (initial)
			return 0;
		/*
		 * A peer that restarted may have lost with its cache what it
		 * acknowledged since its last flush (an async pair's cycles are
		 * flushed before they commit); chunks it changed behind our back
		 * (a rollback) go again too.
		 */
		if (v->restarted && p->mode == IFREP_MODE_SYNC)
			ifrep_pair_unflushed_dirty(p);
		return v->changes ? ifrep_pair_add_dirty(p, v->changes, false) : 0;
	}
	if (sb->parent_generation && v->generation == sb->parent_generation)
		return sync_back(p, v, initial, discard);
	if (discard) {
		DMINFO("%s: pair %s: overwriting everything on %s as asked", vol->name,
		       p->name, p->peer);
		return ifrep_pair_mark_all_dirty(p);
	}
	if (v->parent && v->parent == sb->data_generation) {
		if (READ_ONCE(p->reason) != peer_is_newer)
			DMERR("%s: pair %s: %s was promoted from this volume's data and is newer: demote this volume and pair from there (or resolve --discard-remote)",
			      vol->name, p->name, p->peer);
		ifrep_pair_target_state(p, IFREP_PS_FAILED, peer_is_newer);
		return -ESTALE;
	}
	set_split_brain(p, unrelated_data);
	return -EEXIST;
}
