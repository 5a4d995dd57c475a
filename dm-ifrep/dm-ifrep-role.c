// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep roles: promotion, demotion, data generations and split brain.
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
 * a remote peer holding a consistent copy will not get (see the mark
 * worker), and cleared once every remote peer has everything again.
 */
#include "dm-ifrep.h"

#include <linux/random.h>

#define DM_MSG_PREFIX "ifrep"

void ifrep_volume_uevent(struct ifrep_volume *vol)
{
	struct mapped_device *md;

	mutex_lock(&vol->ti_lock);
	if (vol->ti) {
		md = dm_table_get_md(vol->ti->table);
		kobject_uevent(&disk_to_dev(dm_disk(md))->kobj, KOBJ_CHANGE);
	}
	mutex_unlock(&vol->ti_lock);
}

/* Records (or forgets) that this volume has writes a peer lacks. */
int ifrep_set_diverged(struct ifrep_volume *vol, bool diverged)
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

/* The peer has every write we acknowledged.  NOTE: vol->lock held. */
static bool __caught_up(struct ifrep_pair *p)
{
	if (p->mode == IFREP_MODE_COPY)	/* not a replica */
		return true;
	if (p->nr_dirty || !p->target_consistent)
		return false;
	if (p->mode == IFREP_MODE_ASYNC)
		return p->state == IFREP_PS_CONSISTENT && !p->cycle_running;
	return p->state == IFREP_PS_IN_SYNC;
}

/* Clears "diverged" once every remote peer is in sync and consistent. */
void ifrep_volume_update_divergence(struct ifrep_volume *vol)
{
	struct ifrep_pair *p;
	bool all_in = true;
	unsigned int i;

	if (!READ_ONCE(vol->diverged))
		return;
	spin_lock_irq(&vol->lock);
	for (i = 0; i < IFREP_MAX_PAIRS; i++) {
		p = vol->pairs[i];
		if (p && p->ops->remote && !__caught_up(p))
			all_in = false;
	}
	spin_unlock_irq(&vol->lock);
	if (all_in && ifrep_set_diverged(vol, false))
		DMERR("%s: cannot record that every peer is in sync", vol->name);
}

static bool primary_attached(struct ifrep_volume *vol)
{
	return !strcmp(ifrep_listener_state(vol), IFREP_UPSTREAM_CONNECTED);
}

/*
 * promote [force]: secondary -> primary (failover).  Refused while a
 * primary is attached or when the data is not a complete image, unless
 * forced.  admin_lock held.
 */
int ifrep_promote(struct ifrep_volume *vol, bool force)
{
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);
	bool consistent = sb->flags & IFREP_SB_F_CONSISTENT;
	int r;

	if (sb->role != IFREP_ROLE_SECONDARY) {
		DMERR("%s: promote: the volume is a primary already", vol->name);
		return -EINVAL;
	}
	if (!force && primary_attached(vol)) {
		DMERR("%s: promote: refused while a primary is connected (demote it first, or force)",
		      vol->name);
		return -EBUSY;
	}
	if (!force && !consistent) {
		DMERR("%s: promote: refused: the data is not a complete image (a resync was interrupted); force to use it anyway",
		      vol->name);
		return -EINVAL;
	}

	ifrep_listener_stop(vol);

	/*
	 * Every write from now on differs from the lineage we forked from; the
	 * local area keeps what already differs (a demoted primary's unsent
	 * chunks, a rollback's chunks), so it is not cleared here.
	 */
	mutex_lock(&vol->sb_lock);
	/* A partial image descends from nothing we could diff against. */
	sb->parent_generation = consistent ? sb->data_generation : 0;
	sb->data_generation = get_random_u64() ?: 1;
	sb->role = IFREP_ROLE_PRIMARY;
	sb->flags |= IFREP_SB_F_TRACK_LOCAL;
	sb->flags &= ~(IFREP_SB_F_CONSISTENT | IFREP_SB_F_DIVERGED | IFREP_SB_F_INSECURE);
	memset(sb->listen, 0, sizeof(sb->listen));
	memset(sb->peer_uuid, 0, sizeof(sb->peer_uuid));
	r = ifrep_md_commit(vol->md);
	mutex_unlock(&vol->sb_lock);
	if (r)
		goto out_restart;

	mutex_lock(&vol->bitmap_lock);
	spin_lock_irq(&vol->lock);
	vol->track_local = true;
	vol->diverged = false;
	bitmap_zero(vol->marked, vol->nr_chunks);
	spin_unlock_irq(&vol->lock);
	mutex_unlock(&vol->bitmap_lock);

	DMINFO("%s: promoted to primary%s: generation %016llx (from %016llx)",
	       vol->name, force ? " (forced)" : "", sb->data_generation,
	       sb->parent_generation);
	ifrep_volume_event(vol);
	ifrep_volume_uevent(vol);
	return 0;

out_restart:
	DMERR("%s: promote: metadata write failed (%d)", vol->name, r);
	if (!vol->suspended)
		ifrep_listener_start(vol);
	return r;
}

static bool quiet(struct ifrep_volume *vol)
{
	bool q;

	spin_lock_irq(&vol->lock);
	q = list_empty(&vol->inflight) && bio_list_empty(&vol->to_mark) &&
	    bio_list_empty(&vol->parked) && bio_list_empty(&vol->diverging);
	spin_unlock_irq(&vol->lock);
	return q;
}

/*
 * demote <listen addr:port> [insecure]: primary -> secondary.  Host writes
 * are refused from the start; the ones in flight finish and are flushed;
 * what the pairs had not replicated goes to the local area; the pairs are
 * removed; the volume listens for its new primary.  admin_lock held.
 */
int ifrep_demote(struct ifrep_volume *vol, unsigned int argc, char **argv)
{
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);
	struct sockaddr_storage addr;
	bool insecure = false, all_in_sync = true;
	struct ifrep_pair *p;
	unsigned int i;
	int r;

	if (sb->role != IFREP_ROLE_PRIMARY) {
		DMERR("%s: demote: the volume is a secondary already", vol->name);
		return -EINVAL;
	}
	if (argc < 1 || argc > 2 || ifrep_parse_addr(argv[0], &addr) ||
	    strlen(argv[0]) >= sizeof(sb->listen) ||
	    (argc == 2 && strcmp(argv[1], "insecure"))) {
		DMERR("%s: demote takes <listen addr:port> [insecure]", vol->name);
		return -EINVAL;
	}
	insecure = argc == 2;

	spin_lock_irq(&vol->lock);
	vol->read_only = true;
	spin_unlock_irq(&vol->lock);
	wait_event(vol->wait, quiet(vol));
	flush_workqueue(vol->wq);
	ifrep_pairs_stop(vol);
	r = blkdev_issue_flush(vol->data_bdev);
	if (!r)
		r = ifrep_sweep(vol, true);
	if (r)
		goto out_writable;

	mutex_lock(&vol->bitmap_lock);
	spin_lock_irq(&vol->lock);
	for (i = 0; i < IFREP_MAX_PAIRS; i++) {
		p = vol->pairs[i];
		if (!p)
			continue;
		bitmap_or(vol->local_ondisk, vol->local_ondisk, p->ondisk, vol->nr_chunks);
		if (p->ops->remote ? !__caught_up(p) :
		    p->state != IFREP_PS_IN_SYNC || p->nr_dirty)
			all_in_sync = false;
	}
	spin_unlock_irq(&vol->lock);
	r = ifrep_bitmap_write_area(vol, IFREP_LOCAL_SLOT, vol->local_ondisk);
	mutex_unlock(&vol->bitmap_lock);
	if (r)
		goto out_writable;

	mutex_lock(&vol->sb_lock);
	sb->role = IFREP_ROLE_SECONDARY;
	strscpy(sb->listen, argv[0], sizeof(sb->listen));
	sb->flags |= IFREP_SB_F_CONSISTENT;
	sb->flags &= ~(IFREP_SB_F_TRACK_LOCAL | IFREP_SB_F_INSECURE);
	if (insecure)
		sb->flags |= IFREP_SB_F_INSECURE;
	if (all_in_sync)
		sb->flags &= ~IFREP_SB_F_DIVERGED;
	memset(sb->peer_uuid, 0, sizeof(sb->peer_uuid));
	for (i = 0; i < IFREP_MAX_PAIRS; i++)
		memset(&sb->pairs[i], 0, sizeof(sb->pairs[i]));
	r = ifrep_md_commit(vol->md);
	mutex_unlock(&vol->sb_lock);
	if (r)
		goto out_writable;

	ifrep_pairs_unload(vol);
	spin_lock_irq(&vol->lock);
	vol->track_local = false;
	vol->diverged = sb->flags & IFREP_SB_F_DIVERGED;
	vol->read_only = false;
	spin_unlock_irq(&vol->lock);
	DMINFO("%s: demoted to secondary, listening on %s%s", vol->name, sb->listen,
	       vol->diverged ? " (holds writes its peers lack)" : "");
	if (!vol->suspended && ifrep_listener_start(vol))
		DMERR("%s: cannot start the listener", vol->name);
	ifrep_volume_event(vol);
	ifrep_volume_uevent(vol);
	return 0;

out_writable:
	DMERR("%s: demote failed (%d): still primary", vol->name, r);
	spin_lock_irq(&vol->lock);
	vol->read_only = false;
	spin_unlock_irq(&vol->lock);
	if (!vol->suspended)
		ifrep_pairs_start(vol);
	return r;
}

/*
 * resolve discard-local          (secondary) its own changes since the split
 *                                 may be overwritten by the primary
 * resolve <pair> discard-remote  (primary) the peer's changes may be
 *                                 overwritten at the next attach
 */
int ifrep_resolve(struct ifrep_volume *vol, unsigned int argc, char **argv)
{
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);
	struct ifrep_pair *p = NULL;
	unsigned int i;

	if (argc == 1 && !strcmp(argv[0], "discard-local")) {
		if (sb->role != IFREP_ROLE_SECONDARY) {
			DMERR("%s: resolve discard-local is for the secondary side", vol->name);
			return -EINVAL;
		}
		DMINFO("%s: split brain resolved: this side's changes will be overwritten",
		       vol->name);
		return ifrep_set_diverged(vol, false);
	}
	if (argc == 2 && !strcmp(argv[1], "discard-remote")) {
		for (i = 0; i < IFREP_MAX_PAIRS; i++)
			if (vol->pairs[i] && !strcmp(vol->pairs[i]->name, argv[0]))
				p = vol->pairs[i];
		if (!p || !p->ops->remote) {
			DMERR("%s: resolve: no remote pair named %s", vol->name, argv[0]);
			return -ENOENT;
		}
		WRITE_ONCE(p->discard_remote, true);
		ifrep_remote_wake(p);
		DMINFO("%s: pair %s: the peer's changes will be overwritten", vol->name,
		       p->name);
		return 0;
	}
	DMERR("%s: resolve takes discard-local, or <pair> discard-remote", vol->name);
	return -EINVAL;
}

/*
 * A peer of the old lineage holds our data again: the local area has done
 * its job.  Called after a sync-back completed.
 */
int ifrep_stop_tracking_local(struct ifrep_volume *vol)
{
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);
	int r;

	mutex_lock(&vol->bitmap_lock);
	spin_lock_irq(&vol->lock);
	vol->track_local = false;
	spin_unlock_irq(&vol->lock);
	r = ifrep_local_reset(vol);
	mutex_unlock(&vol->bitmap_lock);
	if (r)
		return r;
	/*
	 * Without the local area a peer of the parent generation can no longer
	 * be synced back by differences: forget the parent, so that such a
	 * peer is refused as unrelated rather than synced incompletely.
	 */
	mutex_lock(&vol->sb_lock);
	if ((sb->flags & IFREP_SB_F_TRACK_LOCAL) || sb->parent_generation) {
		sb->flags &= ~IFREP_SB_F_TRACK_LOCAL;
		sb->parent_generation = 0;
		r = ifrep_md_commit(vol->md);
	}
	mutex_unlock(&vol->sb_lock);
	return r;
}
