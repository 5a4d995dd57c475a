// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep journal (see dm-ifrep-journal.h for the idea, and
 * docs/on-disk-format.md "Journal" for the layout).
 *
 * Positions: cycles take consecutive positions of a ring of nr_slots;
 * position p uses entry block FIRST_ENTRY_BLOCK + (p % nr_slots) and slot
 * (p % nr_slots).  The records in the superblock are oldest first; only the
 * newest may be APPLYING.  Free positions = nr_slots - sum of counts.
 *
 * Ordering rules that make a crash at any point recoverable:
 *  - a slot is written, then its entry with REQ_PREFLUSH|REQ_FUA, and only
 *    then may the cycle overwrite the chunk;
 *  - a cycle record is committed (APPLYING) before its first save, and
 *    committed again (not APPLYING) after the data device was flushed;
 *  - a rollback records its target first and is simply redone after a
 *    crash: copying a slot back twice gives the same result.
 */
#include "dm-ifrep-journal.h"
#include "dm-ifrep-metadata.h"
#include "ifrep_journal.h"
#include "dm-ifrep-compat.h"

#include <linux/device-mapper.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#define DM_MSG_PREFIX "ifrep journal"

#define COPY_SEGMENT (1024 * 1024)

struct jcycle {
	u64 id;
	u64 cut_time;
	u64 prev_id;
	u64 prev_cut_time;
	u64 first;
	u64 count;
	u32 flags;
	u64 tag;			/* unique per journal: names its entries */
};

struct ifrep_journal {
	struct block_device *jdev;
	struct block_device *data;
	struct dm_io_client *client;
	struct mutex lock;
	struct page *page;
	void *buf;
	char name[64];

	u32 chunk_sectors;
	sector_t data_sectors;
	u64 nr_chunks;
	u64 nr_slots;
	u64 slot_start;
	u64 seq;
	unsigned int newest_slot;
	u32 flags;
	u64 rollback_to;
	u64 current_id;
	u64 current_cut_time;
	unsigned int nr_cycles;
	struct jcycle cycles[IFREP_JOURNAL_MAX_CYCLES];
	/*
	 * The newest superblock on disk: when a commit fails, the fields above
	 * go back to what it says, so that what the journal does next (promote
	 * checks, a later abort) follows what a restart would find.
	 */
	struct ifrep_disk_journal_sb *durable;

	/* The cycle being applied (the newest record, APPLYING). */
	unsigned long *saved;
	u64 used;
	u32 keep;
};

/*----------------------------------------------------------------
 * Superblock
 *--------------------------------------------------------------*/

static void pack_sb(struct ifrep_journal *j, unsigned int slot)
{
	struct ifrep_disk_journal_sb *d = page_address(j->page);
	unsigned int i;

	memset(d, 0, IFREP_META_BLOCK_SIZE);
	d->flags = cpu_to_le32(j->flags);
	d->blocknr = cpu_to_le64(slot);
	d->magic = cpu_to_le64(IFREP_JOURNAL_MAGIC);
	d->version = cpu_to_le32(IFREP_JOURNAL_VERSION);
	d->chunk_sectors = cpu_to_le32(j->chunk_sectors);
	d->seq = cpu_to_le64(j->seq);
	d->nr_slots = cpu_to_le64(j->nr_slots);
	d->slot_start = cpu_to_le64(j->slot_start);
	d->current_id = cpu_to_le64(j->current_id);
	d->current_cut_time = cpu_to_le64(j->current_cut_time);
	d->nr_cycles = cpu_to_le32(j->nr_cycles);
	d->rollback_to = cpu_to_le64(j->rollback_to);
	for (i = 0; i < j->nr_cycles; i++) {
		d->cycles[i].id = cpu_to_le64(j->cycles[i].id);
		d->cycles[i].cut_time = cpu_to_le64(j->cycles[i].cut_time);
		d->cycles[i].prev_id = cpu_to_le64(j->cycles[i].prev_id);
		d->cycles[i].prev_cut_time = cpu_to_le64(j->cycles[i].prev_cut_time);
		d->cycles[i].first = cpu_to_le64(j->cycles[i].first);
		d->cycles[i].count = cpu_to_le64(j->cycles[i].count);
		d->cycles[i].flags = cpu_to_le32(j->cycles[i].flags);
		d->cycles[i].tag = cpu_to_le64(j->cycles[i].tag);
	}
	d->csum = cpu_to_le32(ifrep_md_block_csum(d, IFREP_JOURNAL_SB_CSUM_XOR));
}

static int unpack_sb(struct ifrep_journal *j, const struct ifrep_disk_journal_sb *d)
{
	unsigned int i;
	u64 total = 0;

	j->flags = le32_to_cpu(d->flags);
	j->seq = le64_to_cpu(d->seq);
	j->nr_slots = le64_to_cpu(d->nr_slots);
	j->slot_start = le64_to_cpu(d->slot_start);
	j->current_id = le64_to_cpu(d->current_id);
	j->current_cut_time = le64_to_cpu(d->current_cut_time);
	j->nr_cycles = le32_to_cpu(d->nr_cycles);
	j->rollback_to = le64_to_cpu(d->rollback_to);
	if (j->nr_cycles > IFREP_JOURNAL_MAX_CYCLES || !j->nr_slots ||
	    j->slot_start != IFREP_JOURNAL_FIRST_ENTRY_BLOCK + j->nr_slots)
		return -EINVAL;
	for (i = 0; i < j->nr_cycles; i++) {
		j->cycles[i].id = le64_to_cpu(d->cycles[i].id);
		j->cycles[i].cut_time = le64_to_cpu(d->cycles[i].cut_time);
		j->cycles[i].prev_id = le64_to_cpu(d->cycles[i].prev_id);
		j->cycles[i].prev_cut_time = le64_to_cpu(d->cycles[i].prev_cut_time);
		j->cycles[i].first = le64_to_cpu(d->cycles[i].first);
		j->cycles[i].count = le64_to_cpu(d->cycles[i].count);
		j->cycles[i].flags = le32_to_cpu(d->cycles[i].flags);
		j->cycles[i].tag = le64_to_cpu(d->cycles[i].tag);
		total += j->cycles[i].count;
		if ((j->cycles[i].flags & IFREP_JCYCLE_F_APPLYING) && i + 1 != j->nr_cycles)
			return -EINVAL;
	}
	return total > j->nr_slots ? -EINVAL : 0;
}

static int commit_sb(struct ifrep_journal *j)
{
	unsigned int slot = j->newest_slot ^ 1;
	int r;

	j->seq++;
	pack_sb(j, slot);
	r = ifrep_md_block_io(j->jdev, j->page, slot, REQ_OP_WRITE | REQ_PREFLUSH | REQ_FUA);
	if (r) {
		u64 seq = j->seq;	/* never reused: entries are tagged with it */

		DMERR("%s: journal superblock write failed (%d): the journal stays as it was",
		      j->name, r);
		if (j->durable->magic)
			unpack_sb(j, j->durable);
		j->seq = seq;
		return r;
	}
	memcpy(j->durable, page_address(j->page), IFREP_META_BLOCK_SIZE);
	j->newest_slot = slot;
	return 0;
}

/*----------------------------------------------------------------
 * Entries and slots
 *--------------------------------------------------------------*/

static u64 ring(struct ifrep_journal *j, u64 pos)
{
	u64 rem;

	div64_u64_rem(pos, j->nr_slots, &rem);
	return rem;
}

static u64 entry_block(struct ifrep_journal *j, u64 pos)
{
	return IFREP_JOURNAL_FIRST_ENTRY_BLOCK + ring(j, pos);
}

static sector_t slot_sector(struct ifrep_journal *j, u64 pos)
{
	return (j->slot_start * IFREP_META_BLOCK_SECTORS) + ring(j, pos) * j->chunk_sectors;
}

static int write_entry(struct ifrep_journal *j, u64 pos, u64 tag, u64 seq,
		       u64 chunk)
{
	struct ifrep_disk_jentry *e = page_address(j->page);

	memset(e, 0, IFREP_META_BLOCK_SIZE);
	e->blocknr = cpu_to_le64(entry_block(j, pos));
	e->tag = cpu_to_le64(tag);
	e->seq = cpu_to_le64(seq);
	e->chunk = cpu_to_le64(chunk);
	e->csum = cpu_to_le32(ifrep_md_block_csum(e, IFREP_JOURNAL_ENTRY_CSUM_XOR));
	/* The slot written just before must be stable before its entry is. */
	return ifrep_md_block_io(j->jdev, j->page, entry_block(j, pos),
			      REQ_OP_WRITE | REQ_PREFLUSH | REQ_FUA);
}

/*
 * Reads entry @seq of cycle @c: 0, -ENODATA when it was never written, or
 * another -errno when it cannot be read or names no chunk of the volume.
 * Only -ENODATA may end a cycle being applied: an I/O error says nothing of
 * what the entry holds.
 */
static int read_entry(struct ifrep_journal *j, const struct jcycle *c, u64 seq,
		      u64 *chunk)
{
	struct ifrep_disk_jentry *e = page_address(j->page);
	u64 pos = c->first + seq;
	int r;

	r = ifrep_md_block_io(j->jdev, j->page, entry_block(j, pos), REQ_OP_READ);
	if (r) {
		DMERR("%s: cannot read journal entry %llu of cycle %llu: %d", j->name,
		      seq, c->id, r);
		return r;
	}
	if (le32_to_cpu(e->csum) != ifrep_md_block_csum(e, IFREP_JOURNAL_ENTRY_CSUM_XOR) ||
	    le64_to_cpu(e->blocknr) != entry_block(j, pos) ||
	    le64_to_cpu(e->tag) != c->tag || le64_to_cpu(e->seq) != seq)
		return -ENODATA;
	*chunk = le64_to_cpu(e->chunk);
	if (*chunk >= j->nr_chunks) {
		DMERR("%s: journal entry %llu of cycle %llu names chunk %llu, past the end",
		      j->name, seq, c->id, *chunk);
		return -EUCLEAN;
	}
	return 0;
}

static int journal_io(struct ifrep_journal *j, struct block_device *bdev,
		      sector_t sector, unsigned int len, blk_opf_t opf)
{
	return ifrep_io_vmalloc(j->client, bdev, sector, j->buf, len, opf);
}

/* Copies chunk @chunk between the data device and slot @pos. */
static int copy_chunk(struct ifrep_journal *j, u64 chunk, u64 pos, bool to_slot)
{
	sector_t data = chunk * j->chunk_sectors;
	sector_t slot = slot_sector(j, pos);
	sector_t end = min_t(sector_t, data + j->chunk_sectors, j->data_sectors);
	unsigned int len;
	int r;

	while (data < end) {
		len = min_t(u64, COPY_SEGMENT, (end - data) << SECTOR_SHIFT);
		r = journal_io(j, to_slot ? j->data : j->jdev, to_slot ? data : slot,
			    len, REQ_OP_READ);
		if (!r)
			r = journal_io(j, to_slot ? j->jdev : j->data,
				    to_slot ? slot : data, len, REQ_OP_WRITE);
		if (r)
			return r;
		data += len >> SECTOR_SHIFT;
		slot += len >> SECTOR_SHIFT;
	}
	return 0;
}

/*
 * Copies back every saved chunk of cycle @c (the first @count entries, or
 * all valid ones when @count is -1).  Every
 * entry of a committed cycle must be readable: a rollback does not stop
 * half-way silently.
 */
static int undo_cycle(struct ifrep_journal *j, const struct jcycle *c, u64 count)
{
	bool committed = !(c->flags & IFREP_JCYCLE_F_APPLYING);
	u64 seq, chunk;
	int r;

	for (seq = 0; seq < c->count && seq < count; seq++) {
		r = read_entry(j, c, seq, &chunk);
		/* A cycle being applied ends at its last entry written. */
		if (r == -ENODATA && !committed)
			break;
		if (r) {
			DMERR("%s: journal entry %llu of cycle %llu is unreadable",
			      j->name, seq, c->id);
			return r == -ENODATA ? -EIO : r;
		}
		r = copy_chunk(j, chunk, c->first + seq, false);
		if (r)
			return r;
	}
	return 0;
}

/*----------------------------------------------------------------
 * Cycles
 *--------------------------------------------------------------*/

static u64 used_positions(struct ifrep_journal *j)
{
	u64 total = 0;
	unsigned int i;

	for (i = 0; i < j->nr_cycles; i++)
		total += j->cycles[i].count;
	return total;
}

static void drop_oldest(struct ifrep_journal *j)
{
	memmove(&j->cycles[0], &j->cycles[1], (j->nr_cycles - 1) * sizeof(j->cycles[0]));
	j->nr_cycles--;
}

bool ifrep_journal_applying(struct ifrep_journal *j)
{
	return j->nr_cycles &&
	       (j->cycles[j->nr_cycles - 1].flags & IFREP_JCYCLE_F_APPLYING);
}

int ifrep_journal_grow(struct ifrep_journal *j, sector_t data_sectors)
{
	u64 nr_chunks = DIV_ROUND_UP_ULL(data_sectors, j->chunk_sectors);
	unsigned long *saved;
	int r = 0;

	if (data_sectors <= j->data_sectors)
		return 0;
	saved = bitmap_zalloc(nr_chunks, GFP_KERNEL);
	if (!saved)
		return -ENOMEM;
	mutex_lock(&j->lock);
	if (ifrep_journal_applying(j)) {
		r = -EBUSY;
	} else {
		swap(j->saved, saved);
		j->data_sectors = data_sectors;
		j->nr_chunks = nr_chunks;
	}
	mutex_unlock(&j->lock);
	bitmap_free(saved);
	return r;
}

static int abort_locked(struct ifrep_journal *j, u64 count)
{
	struct jcycle *c = &j->cycles[j->nr_cycles - 1];
	int r;

	r = undo_cycle(j, c, count);
	if (!r)
		r = blkdev_issue_flush(j->data);
	if (r)
		return r;
	j->nr_cycles--;
	r = commit_sb(j);
	if (!r)
		DMINFO("%s: cycle %llu rolled back: the image of cycle %llu is back",
		       j->name, c->id, j->current_id);
	return r;
}

int ifrep_journal_abort(struct ifrep_journal *j)
{
	int r = 0;

	mutex_lock(&j->lock);
	if (ifrep_journal_applying(j))
		r = abort_locked(j, j->used);
	mutex_unlock(&j->lock);
	return r;
}

int ifrep_journal_begin(struct ifrep_journal *j, u64 id, u64 cut_time,
			u64 nr_chunks, u32 keep, unsigned int *dropped)
{
	struct jcycle *c;
	int r;

	*dropped = 0;
	if (nr_chunks > j->nr_slots)
		return -ENOSPC;
	mutex_lock(&j->lock);
	if (ifrep_journal_applying(j)) {
		r = abort_locked(j, j->used);
		if (r)
			goto out;
	}
	while (j->nr_cycles &&
	       (j->nr_slots - used_positions(j) < nr_chunks ||
		j->nr_cycles == IFREP_JOURNAL_MAX_CYCLES)) {
		drop_oldest(j);
		(*dropped)++;
	}
	c = &j->cycles[j->nr_cycles];
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->cut_time = cut_time;
	c->prev_id = j->current_id;
	c->prev_cut_time = j->current_cut_time;
	c->first = j->nr_cycles ? j->cycles[j->nr_cycles - 1].first +
				  j->cycles[j->nr_cycles - 1].count : 0;
	c->count = nr_chunks;
	c->flags = IFREP_JCYCLE_F_APPLYING;
	/* The superblock's commit count never repeats: stale entries cannot match. */
	c->tag = j->seq + 1;
	j->nr_cycles++;
	r = commit_sb(j);
	if (r) {
		j->nr_cycles--;
		goto out;
	}
	bitmap_zero(j->saved, j->nr_chunks);
	j->used = 0;
	j->keep = keep ?: 1;
out:
	mutex_unlock(&j->lock);
	return r;
}

int ifrep_journal_save(struct ifrep_journal *j, u64 chunk)
{
	struct jcycle *c;
	int r = 0;

	mutex_lock(&j->lock);
	if (!ifrep_journal_applying(j) || test_bit(chunk, j->saved))
		goto out;
	c = &j->cycles[j->nr_cycles - 1];
	if (j->used >= c->count) {
		r = -ENOSPC;
		goto out;
	}
	r = copy_chunk(j, chunk, c->first + j->used, true);
	if (!r)
		r = write_entry(j, c->first + j->used, c->tag, j->used, chunk);
	if (!r) {
		__set_bit(chunk, j->saved);
		j->used++;
	}
out:
	mutex_unlock(&j->lock);
	return r;
}

int ifrep_journal_commit(struct ifrep_journal *j, u64 id)
{
	struct jcycle *c;
	int r;

	mutex_lock(&j->lock);
	if (!ifrep_journal_applying(j) || j->cycles[j->nr_cycles - 1].id != id) {
		r = -EINVAL;
		goto out;
	}
	c = &j->cycles[j->nr_cycles - 1];
	c->count = j->used;
	c->flags &= ~IFREP_JCYCLE_F_APPLYING;
	j->current_id = c->id;
	j->current_cut_time = c->cut_time;
	/* keep images in all: the current one plus keep - 1 undo records. */
	while (j->nr_cycles > j->keep - 1)
		drop_oldest(j);
	r = commit_sb(j);
out:
	mutex_unlock(&j->lock);
	return r;
}

/*
 * The device is about to be rewritten outside of cycles (an initial copy):
 * the images the journal could restore are gone.
 */
int ifrep_journal_reset(struct ifrep_journal *j)
{
	int r = 0;

	mutex_lock(&j->lock);
	if (j->nr_cycles || j->current_id) {
		j->nr_cycles = 0;
		j->current_id = 0;
		j->current_cut_time = 0;
		r = commit_sb(j);
	}
	mutex_unlock(&j->lock);
	return r;
}

unsigned int ifrep_journal_list(struct ifrep_journal *j, char *out,
				unsigned int maxlen)
{
	unsigned int sz = 0, i;
	u64 bytes = 0;

	mutex_lock(&j->lock);
	sz += scnprintf(out + sz, maxlen - sz, "%llu %llu 0\n", j->current_id,
			j->current_cut_time);
	for (i = j->nr_cycles; i-- > 0;) {
		if (j->cycles[i].flags & IFREP_JCYCLE_F_APPLYING)
			continue;
		bytes += j->cycles[i].count * ((u64)j->chunk_sectors << SECTOR_SHIFT);
		sz += scnprintf(out + sz, maxlen - sz, "%llu %llu %llu\n",
				j->cycles[i].prev_id, j->cycles[i].prev_cut_time, bytes);
	}
	mutex_unlock(&j->lock);
	return sz;
}

void ifrep_journal_current(struct ifrep_journal *j, u64 *id, u64 *cut_time,
			   unsigned int *points)
{
	mutex_lock(&j->lock);
	*id = j->current_id;
	*cut_time = j->current_cut_time;
	*points = j->nr_cycles + 1 - (ifrep_journal_applying(j) ? 1 : 0);
	mutex_unlock(&j->lock);
}

/* Undoes the records from the newest down to index @k, then forgets them. */
static int rollback_locked(struct ifrep_journal *j, unsigned int k)
{
	unsigned int i;
	int r;

	for (i = j->nr_cycles; i-- > k;) {
		r = undo_cycle(j, &j->cycles[i], j->cycles[i].count);
		if (r)
			return r;
	}
	r = blkdev_issue_flush(j->data);
	if (r)
		return r;
	j->current_id = j->cycles[k].prev_id;
	j->current_cut_time = j->cycles[k].prev_cut_time;
	j->nr_cycles = k;
	j->flags &= ~IFREP_JOURNAL_F_ROLLBACK;
	j->rollback_to = 0;
	return commit_sb(j);
}

static int find_point(struct ifrep_journal *j, u64 id, unsigned int *k);

int ifrep_journal_map(struct ifrep_journal *j, u64 id, unsigned long *seen,
		      char *out, unsigned int maxlen)
{
	unsigned int sz = 0, i, k;
	u64 seq, chunk;
	int r = 0;

	bitmap_zero(seen, j->nr_chunks);
	mutex_lock(&j->lock);
	if (ifrep_journal_applying(j)) {
		r = -EBUSY;
		goto out;
	}
	if (id == j->current_id)
		goto out;
	r = find_point(j, id, &k);
	if (r)
		goto out;
	/* The oldest record after the point saved the point's content. */
	for (i = k; i < j->nr_cycles; i++)
		for (seq = 0; seq < j->cycles[i].count; seq++) {
			r = read_entry(j, &j->cycles[i], seq, &chunk);
			if (r) {
				r = r == -ENODATA ? -EIO : r;
				goto out;
			}
			if (__test_and_set_bit(chunk, seen))
				continue;
			sz += scnprintf(out + sz, maxlen - sz, "%llu %llu\n", chunk,
					(u64)slot_sector(j, j->cycles[i].first + seq));
		}
out:
	mutex_unlock(&j->lock);
	return r;
}

static int find_point(struct ifrep_journal *j, u64 id, unsigned int *k)
{
	unsigned int i;

	for (i = 0; i < j->nr_cycles; i++)
		if (!(j->cycles[i].flags & IFREP_JCYCLE_F_APPLYING) &&
		    j->cycles[i].prev_id == id) {
			*k = i;
			return 0;
		}
	return -ENOENT;
}

/* The chunks the records from index @k on saved: what undoing them rewrites. */
static int collect_chunks(struct ifrep_journal *j, unsigned int k, unsigned long *chunks)
{
	unsigned int i;
	u64 seq, chunk;
	int r;

	bitmap_zero(chunks, j->nr_chunks);
	for (i = k; i < j->nr_cycles; i++)
		for (seq = 0; seq < j->cycles[i].count; seq++) {
			r = read_entry(j, &j->cycles[i], seq, &chunk);
			if (r) {
				DMERR("%s: journal entry %llu of cycle %llu is unreadable",
				      j->name, seq, j->cycles[i].id);
				return r == -ENODATA ? -EIO : r;
			}
			__set_bit(chunk, chunks);
		}
	return 0;
}

int ifrep_journal_rollback(struct ifrep_journal *j, u64 id, unsigned long *changed,
			   int (*record)(void *arg, const unsigned long *changed),
			   void *arg)
{
	unsigned int k;
	int r;

	mutex_lock(&j->lock);
	if (ifrep_journal_applying(j)) {
		r = abort_locked(j, j->used);
		if (r)
			goto out;
	}
	r = 0;
	if (id == j->current_id)
		goto out;
	r = find_point(j, id, &k);
	if (r)
		goto out;
	/*
	 * What it rewrites is recorded before the first chunk is copied back,
	 * and the rollback itself is recorded next: a crash in the middle
	 * finishes it at open, and the record already holds every chunk.
	 */
	r = collect_chunks(j, k, changed) ?: record(arg, changed);
	if (r)
		goto out;
	j->flags |= IFREP_JOURNAL_F_ROLLBACK;
	j->rollback_to = id;
	r = commit_sb(j);
	if (!r)
		r = rollback_locked(j, k);
	if (!r)
		DMINFO("%s: rolled back to sync point %llu", j->name, id);
out:
	mutex_unlock(&j->lock);
	return r;
}

/*----------------------------------------------------------------
 * Open
 *--------------------------------------------------------------*/

static int recover(struct ifrep_journal *j)
{
	unsigned int k;

	if (j->flags & IFREP_JOURNAL_F_ROLLBACK) {
		if (find_point(j, j->rollback_to, &k)) {
			j->flags &= ~IFREP_JOURNAL_F_ROLLBACK;
			return commit_sb(j);
		}
		DMINFO("%s: finishing an interrupted rollback to %llu", j->name,
		       j->rollback_to);
		return rollback_locked(j, k);
	}
	if (ifrep_journal_applying(j)) {
		DMINFO("%s: cycle %llu was interrupted: rolling it back", j->name,
		       j->cycles[j->nr_cycles - 1].id);
		return abort_locked(j, (u64)-1);
	}
	return 0;
}

static int format(struct ifrep_journal *j, char **error)
{
	u64 blocks = bdev_nr_sectors(j->jdev) / IFREP_META_BLOCK_SECTORS;
	u64 per_slot = 1 + j->chunk_sectors / IFREP_META_BLOCK_SECTORS;

	if (blocks < IFREP_JOURNAL_FIRST_ENTRY_BLOCK + per_slot) {
		*error = "journal device cannot hold even one chunk";
		return -ENOSPC;
	}
	j->nr_slots = div64_u64(blocks - IFREP_JOURNAL_FIRST_ENTRY_BLOCK, per_slot);
	j->slot_start = IFREP_JOURNAL_FIRST_ENTRY_BLOCK + j->nr_slots;
	j->seq = 0;
	j->newest_slot = 1;
	j->nr_cycles = 0;
	DMINFO("%s: journal formatted: %llu chunk slots", j->name, j->nr_slots);
	return commit_sb(j);
}

static int load(struct ifrep_journal *j, char **error)
{
	struct ifrep_disk_journal_sb *d = page_address(j->page);
	bool zero[2], valid[2];
	u64 seq[2] = { 0, 0 };
	unsigned int slot;
	int best = -1, r;

	for (slot = 0; slot < 2; slot++) {
		r = ifrep_md_block_io(j->jdev, j->page, slot, REQ_OP_READ);
		if (r) {
			*error = "I/O error reading the journal";
			return r;
		}
		zero[slot] = !memchr_inv(d, 0, IFREP_META_BLOCK_SIZE);
		valid[slot] = le64_to_cpu(d->magic) == IFREP_JOURNAL_MAGIC &&
			      le32_to_cpu(d->csum) == ifrep_md_block_csum(d, IFREP_JOURNAL_SB_CSUM_XOR) &&
			      le64_to_cpu(d->blocknr) == slot &&
			      le32_to_cpu(d->version) == IFREP_JOURNAL_VERSION;
		seq[slot] = le64_to_cpu(d->seq);
		if (valid[slot] && (best < 0 || seq[slot] > seq[best]))
			best = slot;
	}
	if (zero[0] && zero[1])
		return format(j, error);
	if (best < 0) {
		*error = "journal device holds something else (wipe it to use it)";
		return -EILSEQ;
	}
	r = ifrep_md_block_io(j->jdev, j->page, best, REQ_OP_READ);
	if (r) {
		*error = "I/O error reading the journal";
		return r;
	}
	if (le32_to_cpu(d->chunk_sectors) != j->chunk_sectors) {
		*error = "journal was made for another chunk size";
		return -EINVAL;
	}
	if (unpack_sb(j, d) || j->slot_start + j->nr_slots * (j->chunk_sectors /
	    IFREP_META_BLOCK_SECTORS) > bdev_nr_sectors(j->jdev) / IFREP_META_BLOCK_SECTORS) {
		*error = "journal superblock is inconsistent";
		return -EINVAL;
	}
	j->newest_slot = best;
	memcpy(j->durable, d, IFREP_META_BLOCK_SIZE);
	r = recover(j);
	if (r)
		*error = "cannot recover the journal";
	return r;
}

struct ifrep_journal *ifrep_journal_open(struct block_device *jdev,
					 struct block_device *data,
					 sector_t data_sectors, u32 chunk_sectors,
					 const char *name, char **error)
{
	struct ifrep_journal *j;
	int r = -ENOMEM;

	j = kzalloc(sizeof(*j), GFP_KERNEL);
	if (!j) {
		*error = "out of memory";
		return ERR_PTR(-ENOMEM);
	}
	mutex_init(&j->lock);
	j->jdev = jdev;
	j->data = data;
	j->data_sectors = data_sectors;
	j->chunk_sectors = chunk_sectors;
	j->nr_chunks = DIV_ROUND_UP_ULL(data_sectors, chunk_sectors);
	strscpy(j->name, name, sizeof(j->name));
	*error = "out of memory";
	j->page = alloc_page(GFP_KERNEL);
	j->buf = vmalloc(COPY_SEGMENT);
	j->saved = bitmap_zalloc(j->nr_chunks, GFP_KERNEL);
	j->durable = kzalloc(IFREP_META_BLOCK_SIZE, GFP_KERNEL);
	if (!j->page || !j->buf || !j->saved || !j->durable)
		goto out;
	j->client = dm_io_client_create();
	if (IS_ERR(j->client)) {
		j->client = NULL;
		goto out;
	}
	mutex_lock(&j->lock);
	r = load(j, error);
	mutex_unlock(&j->lock);
	if (!r)
		return j;
out:
	ifrep_journal_close(j);
	return ERR_PTR(r);
}

void ifrep_journal_close(struct ifrep_journal *j)
{
	if (j->client)
		dm_io_client_destroy(j->client);
	kfree(j->durable);
	bitmap_free(j->saved);
	vfree(j->buf);
	if (j->page)
		__free_page(j->page);
	kfree(j);
}
