// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep local targets: a block device on this host (a disk, a
 * partition, an iSCSI or NVMe-oF LUN) opened exclusively by path.
 *
 * The target is not a table device (dm_get_device() belongs to the
 * constructor, pairs come and go by message), so it is opened with
 * blkdev_get_by_path() and the volume as holder, the way DRBD opens its
 * backing disks.
 */
#include "dm-ifrep-pair.h"
#include "dm-ifrep-journal.h"
#include "ifrep_proto.h"

#include <linux/crc32c.h>

#define DM_MSG_PREFIX "ifrep"

#define LOCAL_MODE (FMODE_READ | FMODE_WRITE | FMODE_EXCL)

/*
 * An async pair's journal: opening it finishes (rolls back) a cycle that a
 * crash interrupted, so the target holds the previous image again.
 */
static int open_journal(struct ifrep_pair *p, const char **reason)
{
	struct ifrep_local_target *t = &p->local;
	struct ifrep_volume *vol = p->vol;
	struct block_device *jdev;
	char *error = NULL;
	int r;

	r = ifrep_volume_check_target(vol, p->name, "journal", t->journal_path, reason);
	if (r)
		return r;
	jdev = blkdev_get_by_path(t->journal_path, LOCAL_MODE, vol);
	if (IS_ERR(jdev)) {
		*reason = "journal_open_failed";
		return PTR_ERR(jdev);
	}
	if (jdev == t->bdev || jdev == vol->data_bdev || jdev == vol->meta_bdev) {
		blkdev_put(jdev, LOCAL_MODE);
		*reason = "journal_is_not_its_own_device";
		return -EINVAL;
	}
	t->journal = ifrep_journal_open(jdev, t->bdev, vol->data_sectors, vol->chunk_sectors,
					p->name, &error);
	if (IS_ERR(t->journal)) {
		DMERR("%s: pair %s: journal %s: %s", vol->name, p->name, t->journal_path, error);
		t->journal = NULL;
		blkdev_put(jdev, LOCAL_MODE);
		*reason = "journal_unusable";
		return -EINVAL;
	}
	t->journal_bdev = jdev;
	return 0;
}

static int local_open(struct ifrep_pair *p, const char **reason)
{
	struct ifrep_local_target *t = &p->local;
	struct ifrep_volume *vol = p->vol;
	struct block_device *bdev;
	int r;

	r = ifrep_volume_check_target(vol, p->name, "target", p->peer, reason);
	if (r)
		return r;
	bdev = blkdev_get_by_path(p->peer, LOCAL_MODE, vol);
	if (IS_ERR(bdev)) {
		*reason = PTR_ERR(bdev) == -EBUSY ? "target_busy" : "open_failed";
		return PTR_ERR(bdev);
	}
	if (bdev == vol->data_bdev || bdev == vol->meta_bdev) {
		*reason = "target_is_own_device";
		goto out_put;
	}
	if (bdev_nr_sectors(bdev) < vol->data_sectors) {
		*reason = "target_too_small";
		goto out_put;
	}
	if (bdev_logical_block_size(bdev) > bdev_logical_block_size(vol->data_bdev)) {
		*reason = "target_block_size";
		goto out_put;
	}
	t->bdev = bdev;
	if (t->journal_path[0]) {
		r = open_journal(p, reason);
		if (r) {
			t->bdev = NULL;
			blkdev_put(bdev, LOCAL_MODE);
			return r;
		}
	}
	return 0;

out_put:
	blkdev_put(bdev, LOCAL_MODE);
	return -EINVAL;
}

static void local_close(struct ifrep_pair *p)
{
	struct ifrep_local_target *t = &p->local;

	if (t->journal) {
		ifrep_journal_close(t->journal);
		t->journal = NULL;
	}
	if (t->journal_bdev) {
		blkdev_put(t->journal_bdev, LOCAL_MODE);
		t->journal_bdev = NULL;
	}
	if (t->bdev) {
		blkdev_put(t->bdev, LOCAL_MODE);
		t->bdev = NULL;
	}
}

/*
 * A leg's clone carries its completion in bi_private: the clone's own
 * front_pad (struct ifrep_leg) has room for the io and the pair only.
 */
static void local_endio(struct bio *clone)
{
	struct ifrep_leg *leg = container_of(clone, struct ifrep_leg, clone);
	ifrep_leg_done_fn done = clone->bi_private;
	struct ifrep_io *io = leg->io;
	struct ifrep_pair *p = leg->pair;
	blk_status_t status = clone->bi_status;

	bio_put(clone);
	if (status) {
		p->events->state(p, IFREP_PS_FAILED, "write_error");
		DMERR_LIMIT("%s: pair %s: target write failed (%d): tracking changes",
			    p->vol->name, p->name, blk_status_to_errno(status));
	}
	done(io, p, status);
}

/*
 * A discard or write-zeroes, which the target need not support the way the
 * data device does: the bios it takes are chained to an empty bio of ours
 * that is never submitted and completes the leg once they all did.
 */
static void local_submit_extent(struct ifrep_pair *p, struct ifrep_io *io, struct bio *bio,
				ifrep_leg_done_fn done)
{
	struct block_device *bdev = p->local.bdev;
	sector_t sector = bio->bi_iter.bi_sector;
	sector_t nr = bio_sectors(bio);
	struct bio *leg_bio, *chain = NULL;
	struct ifrep_leg *leg;
	int r = 0;

	leg_bio = bio_alloc_bioset(bdev, 0, bio->bi_opf, GFP_NOIO, &p->vol->bs);
	leg = container_of(leg_bio, struct ifrep_leg, clone);
	leg->io = io;
	leg->pair = p;
	leg_bio->bi_private = done;
	leg_bio->bi_end_io = local_endio;
	r = ifrep_io_extent_bios(bdev, bio_op(bio), sector, nr, &chain);
	if (chain) {
		bio_chain(chain, leg_bio);
		submit_bio_noacct(chain);
	}
	if (r)
		leg_bio->bi_status = errno_to_blk_status(r);
	bio_endio(leg_bio);
}

static void local_submit(struct ifrep_pair *p, struct ifrep_io *io, struct bio *bio,
			 ifrep_leg_done_fn done)
{
	struct bio *clone;
	struct ifrep_leg *leg;

	if (unlikely(!bio_has_data(bio) && bio_sectors(bio))) {
		local_submit_extent(p, io, bio, done);
		return;
	}
	clone = bio_alloc_clone(p->local.bdev, bio, GFP_NOIO, &p->vol->bs);
	leg = container_of(clone, struct ifrep_leg, clone);
	leg->io = io;
	leg->pair = p;
	clone->bi_private = done;
	clone->bi_end_io = local_endio;
	submit_bio_noacct(clone);
}

static int local_write_sync(struct ifrep_pair *p, sector_t sector, void *buf,
			    unsigned int len)
{
	struct ifrep_local_target *t = &p->local;
	struct ifrep_volume *vol = p->vol;
	u64 chunk;
	int r;

	/* Inside an async cycle, what the copy overwrites is saved first. */
	if (t->journal && ifrep_journal_applying(t->journal))
		for (chunk = ifrep_chunk_of(vol, sector);
		     chunk <= ifrep_chunk_of(vol, sector + (len >> SECTOR_SHIFT) - 1); chunk++) {
			r = ifrep_journal_save(t->journal, chunk);
			if (r)
				return r;
		}
	return ifrep_io_vmalloc(vol->io_client, t->bdev, sector, buf, len, REQ_OP_WRITE);
}

/* Async cycles to a local target, made atomic by the pair's journal. */
static int local_cycle(struct ifrep_pair *p, u16 type, const struct ifrep_wire_cycle *c)
{
	struct ifrep_local_target *t = &p->local;
	unsigned int dropped = 0;
	int r;

	if (!t->journal)
		return -EOPNOTSUPP;
	if (type == IFREP_MSG_CYCLE_BEGIN) {
		r = ifrep_journal_begin(t->journal, be64_to_cpu(c->id),
					be64_to_cpu(c->cut_time), be64_to_cpu(c->nr_chunks),
					be32_to_cpu(c->sync_points), &dropped);
		if (dropped)
			DMINFO("%s: pair %s: journal full: dropped the %u oldest sync point(s)",
			       p->vol->name, p->name, dropped);
		return r;
	}
	r = blkdev_issue_flush(t->bdev);
	return r ?: ifrep_journal_commit(t->journal, be64_to_cpu(c->id));
}

/* A copy outside cycles (the initial one) makes the journal's images void. */
static int local_set_consistent(struct ifrep_pair *p, bool consistent)
{
	if (!consistent && p->local.journal)
		return ifrep_journal_reset(p->local.journal);
	return 0;
}

/* The target's CRC-32C of a range, read into @buf, for online verify. */
static int local_checksum(struct ifrep_pair *p, sector_t sector, void *buf,
			  unsigned int len, u32 *crc)
{
	int r;

	if (!p->local.bdev)
		return -ENODEV;
	r = ifrep_io_vmalloc(p->vol->io_client, p->local.bdev, sector, buf, len,
			     REQ_OP_READ);
	if (!r)
		*crc = ~crc32c(~0U, buf, len);
	return r;
}

static int local_flush_sync(struct ifrep_pair *p)
{
	return p->local.bdev ? blkdev_issue_flush(p->local.bdev) : -ENODEV;
}

const struct ifrep_pair_ops ifrep_local_ops = {
	.open = local_open,
	.close = local_close,
	.submit = local_submit,
	.write_sync = local_write_sync,
	.flush_sync = local_flush_sync,
	.set_consistent = local_set_consistent,
	.checksum = local_checksum,
	.cycle = local_cycle,
};
