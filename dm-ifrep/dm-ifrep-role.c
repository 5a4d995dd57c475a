// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep roles: promotion, demotion and split brain resolution, the
 * administrator's side of the lineage (dm-ifrep-lineage.c explains the
 * generations these fork and hand over).
 *
 * Promotion makes a secondary a primary: it stops listening, forks a new
 * generation and records every later write in the local area.  Demotion
 * makes a primary a secondary: host writes are refused at once, the ones
 * in flight finish, what the pairs had not replicated joins the local area
 * and the volume listens for its new primary.  A split brain is resolved
 * by saying whose changes go: this secondary's (discard-local) or a remote
 * peer's (discard-remote, for its next attach only).
 */
#include "dm-ifrep-pair.h"
#include "dm-ifrep-lineage.h"
#include "dm-ifrep-journal.h"
#include "dm-ifrep-receiver.h"
#include "dm-ifrep-role.h"

#include <linux/random.h>

#define DM_MSG_PREFIX "ifrep"

/*
 * Failover.  Refused while a primary is attached or when the data is not
 * a complete image, unless forced.
 */
int ifrep_role_promote(struct ifrep_volume *vol, bool force)
{
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);
	bool consistent = sb->flags & IFREP_SB_F_CONSISTENT;
	int r;

	if (sb->role != IFREP_ROLE_SECONDARY) {
		DMERR("%s: promote: the volume is a primary already", vol->name);
		return -EINVAL;
	}
	if (!force && ifrep_receiver_primary_attached(vol)) {
		DMERR("%s: promote: refused while a primary is connected (demote it first, or force)",
		      vol->name);
		return -EBUSY;
	}
	if (!force && !consistent) {
		DMERR("%s: promote: refused: the data is not a complete image (a resync was interrupted); force to use it anyway",
		      vol->name);
		return -EINVAL;
	}

	ifrep_receiver_stop(vol);
	/*
	 * The primary's session rolled back a cycle it left unfinished; if
	 * that failed the data is a mix of two cuts, never a primary's.
	 */
	if (vol->journal && ifrep_journal_applying(vol->journal) &&
	    ifrep_journal_abort(vol->journal)) {
		DMERR("%s: promote: refused: a cycle left half applied cannot be rolled back",
		      vol->name);
		r = -ENOTRECOVERABLE;
		goto out_restart;
	}

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
	if (r) {
		DMERR("%s: promote: metadata write failed (%d)", vol->name, r);
		goto out_restart;
	}

	mutex_lock(&vol->bitmap_lock);
	spin_lock_irq(&vol->lock);
	vol->track_local = true;
	vol->diverged = false;
	bitmap_zero(vol->marked, vol->nr_chunks);
	bitmap_zero(vol->touched, vol->nr_chunks);
	bitmap_zero(vol->recent, vol->nr_chunks);
	vol->hot_used = 0;
	spin_unlock_irq(&vol->lock);
	mutex_unlock(&vol->bitmap_lock);

	DMINFO("%s: promoted to primary%s: generation %016llx (from %016llx)",
	       vol->name, force ? " (forced)" : "", sb->data_generation,
	       sb->parent_generation);
	ifrep_volume_event(vol);
	ifrep_volume_uevent(vol);
	return 0;

out_restart:
	if (!vol->suspended)
		ifrep_receiver_start(vol);
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
 * Host writes are refused from the start; the ones in flight finish and
 * are flushed; what the pairs had not replicated goes to the local area;
 * the pairs are removed; the volume listens for its new primary on
 * @listen (checked by the caller).
 */
int ifrep_role_demote(struct ifrep_volume *vol, const char *listen, bool insecure)
{
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);
	bool all_in_sync = true;
	struct ifrep_pair *p;
	unsigned int i;
	int r;

	if (sb->role != IFREP_ROLE_PRIMARY) {
		DMERR("%s: demote: the volume is a secondary already", vol->name);
		return -EINVAL;
	}

	spin_lock_irq(&vol->lock);
	vol->read_only = true;
	spin_unlock_irq(&vol->lock);
	wait_event(vol->wait, quiet(vol));
	flush_workqueue(vol->wq);
	ifrep_pairs_stop(vol);
	r = blkdev_issue_flush(vol->data_bdev);
	if (!r)
		r = ifrep_bitmap_sweep(vol, true);
	if (r)
		goto out_writable;

	mutex_lock(&vol->bitmap_lock);
	spin_lock_irq(&vol->lock);
	for (i = 0; i < IFREP_MAX_PAIRS; i++) {
		p = vol->pairs[i];
		if (!p)
			continue;
		bitmap_or(vol->local_ondisk, vol->local_ondisk, p->bitmap.ondisk,
			  vol->nr_chunks);
		if (p->ops->remote ? !__ifrep_lineage_caught_up(p) :
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
	strscpy(sb->listen, listen, sizeof(sb->listen));
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
	if (!vol->suspended && ifrep_receiver_start(vol))
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

int ifrep_role_discard_local(struct ifrep_volume *vol)
{
	if (ifrep_md_sb(vol->md)->role != IFREP_ROLE_SECONDARY) {
		DMERR("%s: resolve discard-local is for the secondary side", vol->name);
		return -EINVAL;
	}
	DMINFO("%s: split brain resolved: this side's changes will be overwritten",
	       vol->name);
	return ifrep_lineage_set_diverged(vol, false);
}

int ifrep_role_discard_remote(struct ifrep_pair *p)
{
	WRITE_ONCE(p->remote.discard_remote, true);
	ifrep_remote_wake(p);
	DMINFO("%s: pair %s: the peer's changes will be overwritten", p->vol->name,
	       p->name);
	return 0;
}
