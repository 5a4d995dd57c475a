// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep sync points of a secondary volume: the images of the last
 * committed cycles that its journal (dm-ifrep-journal.c) can restore.
 *
 * A rollback rewrites chunks behind the primary's back, so the chunks it
 * rewrote join the local change area: after a promotion the old primary
 * gets them back by a sync-back of differences, and an attached primary
 * is told about them (they go again).  A rollback is refused while a
 * primary is attached.
 */
#include "dm-ifrep.h"
#include "dm-ifrep-bitmap.h"
#include "dm-ifrep-journal.h"
#include "dm-ifrep-receiver.h"
#include "dm-ifrep-syncpoint.h"

#define DM_MSG_PREFIX "ifrep"

int ifrep_syncpoint_list(struct ifrep_volume *vol, char *result, unsigned int maxlen)
{
	if (!vol->journal) {
		DMERR("%s: no journal: no sync points", vol->name);
		return -ENOENT;
	}
	ifrep_journal_list(vol->journal, result, maxlen);
	return 1;
}

int ifrep_syncpoint_map(struct ifrep_volume *vol, u64 id, char *result,
			unsigned int maxlen)
{
	unsigned long *seen;
	int r;

	seen = ifrep_bitmap_alloc(vol->nr_chunks, false);
	if (!seen)
		return -ENOMEM;
	r = ifrep_journal_map(vol->journal, id, seen, result, maxlen);
	ifrep_bitmap_free(seen);
	return r ?: 1;
}

/* The chunks a rollback is about to rewrite join the local area, durably. */
static int record_rewritten(void *arg, const unsigned long *chunks)
{
	struct ifrep_volume *vol = arg;
	int r;

	mutex_lock(&vol->bitmap_lock);
	bitmap_or(vol->local_ondisk, vol->local_ondisk, chunks, vol->nr_chunks);
	r = ifrep_bitmap_write_area(vol, IFREP_LOCAL_SLOT, vol->local_ondisk);
	mutex_unlock(&vol->bitmap_lock);
	return r;
}

int ifrep_syncpoint_rollback(struct ifrep_volume *vol, u64 id)
{
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);
	unsigned long *changed;
	int r;

	if (sb->role != IFREP_ROLE_SECONDARY || !vol->journal) {
		DMERR("%s: rollback is for a secondary with a journal", vol->name);
		return -EINVAL;
	}
	changed = ifrep_bitmap_alloc(vol->nr_chunks, false);
	if (!changed)
		return -ENOMEM;
	/* No primary may attach, and write, while the data goes back. */
	r = ifrep_receiver_hold(vol);
	if (r) {
		DMERR("%s: rollback refused while the primary is connected", vol->name);
		goto out;
	}
	r = ifrep_journal_rollback(vol->journal, id, changed, record_rewritten, vol);
	ifrep_receiver_release(vol);
	if (r == -ENOENT)
		DMERR("%s: no sync point %llu", vol->name, id);
	if (!r)
		ifrep_volume_event(vol);
out:
	ifrep_bitmap_free(changed);
	return r;
}
