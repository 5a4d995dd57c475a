// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep sync points: the images of the last committed cycles that a
 * journal (dm-ifrep-journal.c) can restore.  Two kinds of journal keep
 * them, and the same three operations (list, map, rollback) serve both:
 *
 *  - a secondary's own journal (table argument "journal"), addressed by
 *    the messages without a pair name;
 *  - the journal of an async pair to a local target (pair_add journal=),
 *    addressed on the primary by naming the pair.
 *
 * The journal does the work in both cases; what differs is where the
 * chunks a rollback rewrites are recorded (durably, before the first one
 * is copied back, through the journal's record callback), and who may
 * write the device meanwhile:
 *
 *  - a secondary: the chunks join its local change area, so that after a
 *    promotion the old primary gets them back by a sync-back, and an
 *    attached primary is told about them (they go again).  Refused while a
 *    primary is attached, and none may attach until it is done.
 *  - a local pair: the chunks become dirty for the pair, so that its next
 *    cycle (after resume) brings the target back up to the source; the
 *    pair's record takes the sync point's cut time as its last sync point.
 *    Refused unless the pair is paused: a paused pair gets no cycles, and
 *    its target and journal are closed, so they are opened here for the
 *    operation only (opening the journal finishes a rollback that a crash
 *    interrupted) and closed again.
 */
#include "dm-ifrep-pair.h"
#include "dm-ifrep-journal.h"
#include "dm-ifrep-receiver.h"
#include "dm-ifrep-syncpoint.h"

#define DM_MSG_PREFIX "ifrep"

/* The journal an operation works on, and what must be undone afterwards. */
struct sp_journal {
	struct ifrep_volume *vol;
	struct ifrep_journal *j;
	struct ifrep_pair *pair;	/* NULL: the secondary's own journal */
	bool opened;			/* the paused pair's target was opened here */
};

/*----------------------------------------------------------------
 * Finding the journal
 *--------------------------------------------------------------*/

/* A volume's own journal (a secondary's); -ENOENT without one, as before pairs had any. */
static int volume_journal(struct ifrep_volume *vol, struct sp_journal *sj)
{
	if (!vol->journal) {
		DMERR("%s: no journal: no sync points%s", vol->name,
		      ifrep_md_sb(vol->md)->role == IFREP_ROLE_PRIMARY ?
		      " (name an async pair to a local target for its journal's)" : "");
		return -ENOENT;
	}
	sj->j = vol->journal;
	return 0;
}

/*
 * A local async pair's journal: the open one, or, for a paused pair, one
 * opened for this operation (which the caller closes with put_journal()).
 */
static int pair_journal(struct ifrep_volume *vol, const char *name, struct sp_journal *sj)
{
	struct ifrep_pair *p = ifrep_pair_find(vol, name);
	const char *reason = "?";
	int r;

	if (!p) {
		DMERR("%s: no pair named %s", vol->name, name);
		return -ENODEV;
	}
	if (p->mode != IFREP_MODE_ASYNC || p->ops->remote || !p->local.journal_path[0]) {
		DMERR("%s: pair %s is not an async pair to a local target: %s", vol->name,
		      p->name, p->mode != IFREP_MODE_ASYNC ? "it keeps no sync points" :
		      "its sync points are on its secondary");
		return -EINVAL;
	}
	sj->pair = p;
	if (p->local.journal) {
		sj->j = p->local.journal;
		return 0;
	}
	if (READ_ONCE(p->state) != IFREP_PS_PAUSED) {
		DMERR("%s: pair %s: its target is not open (%s): pause the pair to reach its journal",
		      vol->name, p->name, ifrep_pair_state_name(READ_ONCE(p->state)));
		return -EBUSY;
	}
	/*
	 * Paused: nothing else uses the target (no cycle, no verify, and the
	 * sweep leaves paused pairs alone), and admin_lock keeps resume away.
	 */
	r = p->ops->open(p, &reason);
	if (r) {
		DMERR("%s: pair %s: cannot open its target and journal (%d): %s", vol->name,
		      p->name, r, reason);
		return -ENXIO;
	}
	sj->j = p->local.journal;
	sj->opened = true;
	return 0;
}

static int get_journal(struct ifrep_volume *vol, const char *pair, struct sp_journal *sj)
{
	memset(sj, 0, sizeof(*sj));
	sj->vol = vol;
	return pair ? pair_journal(vol, pair, sj) : volume_journal(vol, sj);
}

static void put_journal(struct sp_journal *sj)
{
	struct ifrep_pair *p = sj->pair;

	if (!sj->opened)
		return;
	if (p->ops->flush_sync(p))
		DMERR("%s: pair %s: flushing the target failed", sj->vol->name, p->name);
	p->ops->close(p);
}

/*----------------------------------------------------------------
 * List and map
 *--------------------------------------------------------------*/

int ifrep_syncpoint_list(struct ifrep_volume *vol, const char *pair, char *result,
			 unsigned int maxlen)
{
	struct sp_journal sj;
	int r;

	r = get_journal(vol, pair, &sj);
	if (r)
		return r;
	ifrep_journal_list(sj.j, result, maxlen);
	put_journal(&sj);
	return 1;
}

int ifrep_syncpoint_map(struct ifrep_volume *vol, const char *pair, u64 id,
			char *result, unsigned int maxlen)
{
	struct sp_journal sj;
	unsigned long *seen;
	int r;

	seen = ifrep_bitmap_alloc(vol->chunk_capacity, false);
	if (!seen)
		return -ENOMEM;
	r = get_journal(vol, pair, &sj);
	if (!r) {
		r = ifrep_journal_map(sj.j, id, seen, result, maxlen);
		put_journal(&sj);
	}
	ifrep_bitmap_free(seen);
	return r ?: 1;
}

/*----------------------------------------------------------------
 * Rollback
 *--------------------------------------------------------------*/

/* A secondary: the chunks a rollback is about to rewrite join the local area, durably. */
static int record_local_area(void *arg, const unsigned long *chunks)
{
	struct ifrep_volume *vol = arg;
	int r;

	mutex_lock(&vol->bitmap_lock);
	bitmap_or(vol->local_ondisk, vol->local_ondisk, chunks, vol->nr_chunks);
	r = ifrep_bitmap_write_area(vol, IFREP_LOCAL_SLOT, vol->local_ondisk);
	mutex_unlock(&vol->bitmap_lock);
	return r;
}

/* A local pair: they become dirty for it, durably; its next cycle resends them. */
static int record_pair_dirty(void *arg, const unsigned long *chunks)
{
	return ifrep_pair_add_dirty(arg, chunks, false);
}

/* The pair's target holds an older cut now: its last sync point says which. */
static void pair_rolled_back(struct ifrep_pair *p, struct ifrep_journal *j)
{
	struct ifrep_volume *vol = p->vol;
	unsigned int points;
	u64 id, cut_time;
	int r;

	ifrep_journal_current(j, &id, &cut_time, &points);
	mutex_lock(&vol->sb_lock);
	ifrep_md_sb(vol->md)->pairs[p->slot].last_sync_point = cut_time;
	r = ifrep_md_commit(vol->md);
	mutex_unlock(&vol->sb_lock);
	if (r)
		DMERR("%s: pair %s: cannot record its last sync point (%d)", vol->name,
		      p->name, r);
	spin_lock_irq(&vol->lock);
	p->cycle.last_sync_point = cut_time;
	spin_unlock_irq(&vol->lock);
	DMINFO("%s: pair %s: target rolled back to sync point %llu; %llu chunks to resend",
	       vol->name, p->name, id, READ_ONCE(p->nr_dirty));
}

static int rollback_pair(struct ifrep_volume *vol, const char *pair, u64 id,
			 unsigned long *changed)
{
	struct ifrep_pair *p = ifrep_pair_find(vol, pair);
	unsigned int points;
	u64 cur, cut_time;
	struct sp_journal sj;
	int r;

	if (p && READ_ONCE(p->state) != IFREP_PS_PAUSED && p->mode == IFREP_MODE_ASYNC &&
	    !p->ops->remote) {
		DMERR("%s: pair %s is %s: pause it before a rollback", vol->name, p->name,
		      ifrep_pair_state_name(READ_ONCE(p->state)));
		return -EBUSY;
	}
	r = get_journal(vol, pair, &sj);
	if (r)
		return r;
	ifrep_journal_current(sj.j, &cur, &cut_time, &points);
	r = ifrep_journal_rollback(sj.j, id, changed, record_pair_dirty, p);
	if (!r && id != cur)
		pair_rolled_back(p, sj.j);
	put_journal(&sj);
	return r;
}

static int rollback_secondary(struct ifrep_volume *vol, u64 id, unsigned long *changed)
{
	struct sp_journal sj;
	int r;

	if (ifrep_md_sb(vol->md)->role != IFREP_ROLE_SECONDARY || !vol->journal) {
		DMERR("%s: rollback is for a secondary with a journal, or names a paused async pair to a local target",
		      vol->name);
		return -EINVAL;
	}
	get_journal(vol, NULL, &sj);
	/* No primary may attach, and write, while the data goes back. */
	r = ifrep_receiver_hold(vol);
	if (r) {
		DMERR("%s: rollback refused while the primary is connected", vol->name);
		return r;
	}
	r = ifrep_journal_rollback(sj.j, id, changed, record_local_area, vol);
	ifrep_receiver_release(vol);
	return r;
}

int ifrep_syncpoint_rollback(struct ifrep_volume *vol, const char *pair, u64 id)
{
	unsigned long *changed;
	int r;

	changed = ifrep_bitmap_alloc(vol->chunk_capacity, false);
	if (!changed)
		return -ENOMEM;
	r = pair ? rollback_pair(vol, pair, id, changed) :
		   rollback_secondary(vol, id, changed);
	if (r == -ENOENT)
		DMERR("%s: no sync point %llu", vol->name, id);
	if (!r)
		ifrep_volume_event(vol);
	ifrep_bitmap_free(changed);
	return r;
}

/*----------------------------------------------------------------
 * Activation
 *--------------------------------------------------------------*/

int ifrep_syncpoint_recover_paused(struct ifrep_pair *p)
{
	const char *reason = "?";
	int r;

	r = p->ops->open(p, &reason);
	if (r) {
		DMINFO("%s: pair %s (paused): cannot open its target and journal (%d: %s): an interrupted cycle or rollback is finished when the pair is resumed",
		      p->vol->name, p->name, r, reason);
		return r;
	}
	p->ops->close(p);
	return 0;
}
