// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep online verify: compares a pair's target with the source, chunk
 * by chunk, by the CRC-32C of each IFREP_RESYNC_SEGMENT, and marks the
 * chunks that differ dirty, so that the resync (sync pairs) or the next
 * cycle (async pairs) copies them.
 *
 * A chunk is compared only while both sides should hold the same data:
 *   - it is not dirty (and not in a cut that is still being shipped);
 *     those are on their way anyway and are skipped;
 *   - host writes into it are parked (p->verify.chunk, the way a resync
 *     locks a chunk) and the ones in flight completed, so a sync pair's
 *     legs are all in;
 *   - for async pairs, no cycle writes the target meanwhile: the verify
 *     holds the pair's cycle.lock while it compares a chunk.
 * A remote target that speaks protocol 2.1 answers COMPARE requests: each
 * 64 KiB piece of a 4 MiB window is hashed (SHA-256) and all of them are
 * asked about at once, so the round trip is paid once per window; an older
 * one answers CSUM (the CRC-32C of each 1 MiB, one round trip each).  A
 * local target is read here.  The run follows the pair's rate limit (bytes
 * compared per second) and yields to host writes.
 *
 * The run is in the background (resync_wq); "verify <pair> status" reports
 * its progress and result.  Stopping the pair (pause, resume, remove,
 * suspend) stops it, with what it found so far marked dirty.
 */
#include "dm-ifrep-pair.h"

#include <linux/crc32c.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#define DM_MSG_PREFIX "ifrep"

static void verify_worker(struct work_struct *ws);

void ifrep_verify_init(struct ifrep_pair *p)
{
	INIT_WORK(&p->verify.work, verify_worker);
	p->verify.chunk = IFREP_NO_CHUNK;
}

/*
 * Whether the pair's target should hold every chunk its bitmap calls
 * clean.  A finished copy is the target's own and is never compared.
 * NOTE: vol->lock held.
 */
static bool __verifiable(struct ifrep_pair *p)
{
	switch (p->mode) {
	case IFREP_MODE_SYNC:
		return p->state == IFREP_PS_IN_SYNC || p->state == IFREP_PS_RESYNCING;
	case IFREP_MODE_ASYNC:
		return p->state == IFREP_PS_CONSISTENT;
	default:
		return false;
	}
}

/* NOTE: vol->lock held. */
static bool __on_its_way(struct ifrep_pair *p, u64 chunk)
{
	return test_bit(chunk, p->dirty) ||
	       (p->cycle.running && test_bit(chunk, p->cycle.chunks));
}

/* The pair's rate limit, in bytes compared; and host writes first. */
static void throttle(struct ifrep_pair *p, unsigned int len)
{
	ifrep_throttle(p, &p->verify.throttle, len, &p->verify.stop);
}

static const char *target_failure(int r)
{
	return r == -EOPNOTSUPP ? "peer_cannot_verify" :
	       r == -ECONNRESET || r == -ENOTCONN ? "link_lost" : "target_read_error";
}

/*
 * One chunk by COMPARE, a window at a time (@buf holds one).  Every
 * request started is waited for.  -EOPNOTSUPP: the peer cannot compare.
 */
static int compare_pieces(struct ifrep_pair *p, sector_t sector, sector_t end, void *buf,
			  bool *differs, const char **reason)
{
	struct ifrep_volume *vol = p->vol;
	struct ifrep_compare *c = p->verify.compares;
	unsigned int total, n, i;
	int r;

	while (sector < end && !*differs) {
		total = min_t(u64, (u64)IFREP_RESYNC_WINDOW * IFREP_RESYNC_SEGMENT,
			      (end - sector) << SECTOR_SHIFT);
		r = ifrep_io_vmalloc(vol->io_client, vol->data_bdev, sector, buf, total,
				     REQ_OP_READ);
		if (r) {
			*reason = "source_read_error";
			return r;
		}
		n = ifrep_compare_start(p, sector, buf, total, c);
		for (i = 0; i < n; i++) {
			wait_for_completion(&c[i].done);
			if (c[i].result && !r)
				r = c[i].result;
			else if (!c[i].result && c[i].same != 1)
				*differs = true;
		}
		if (r) {
			*reason = target_failure(r);
			return r;
		}
		throttle(p, total);
		sector += total >> SECTOR_SHIFT;
	}
	return 0;
}

/* Compares one chunk; *differs says the outcome when 0 is returned. */
static int compare_chunk(struct ifrep_pair *p, u64 chunk, void *buf, bool *differs,
			 const char **reason)
{
	struct ifrep_volume *vol = p->vol;
	sector_t sector = chunk << vol->chunk_shift;
	sector_t end = min_t(sector_t, sector + vol->chunk_sectors, vol->data_sectors);
	unsigned int len;
	u32 mine, theirs;
	int r;

	*differs = false;
	if (p->verify.compares && !p->verify.no_compare) {
		r = compare_pieces(p, sector, end, buf, differs, reason);
		if (r != -EOPNOTSUPP)
			return r;
		DMINFO("%s: pair %s: the peer cannot compare: verify goes on with CRC-32C",
		       vol->name, p->name);
		p->verify.no_compare = true;
		*differs = false;
	}
	while (sector < end) {
		len = min_t(u64, IFREP_RESYNC_SEGMENT, (end - sector) << SECTOR_SHIFT);
		r = ifrep_io_vmalloc(vol->io_client, vol->data_bdev, sector, buf, len,
				     REQ_OP_READ);
		if (r) {
			*reason = "source_read_error";
			return r;
		}
		mine = ~crc32c(~0U, buf, len);
		r = p->ops->checksum(p, sector, buf, len, &theirs);
		if (r) {
			*reason = target_failure(r);
			return r;
		}
		if (mine != theirs) {
			*differs = true;
			return 0;
		}
		throttle(p, len);
		sector += len >> SECTOR_SHIFT;
	}
	return 0;
}

/*
 * Verifies one chunk under the locks described above.  Returns 0 (with
 * *differs) or -errno with *reason; -EAGAIN when the pair left the states
 * in which its target can be compared.
 */
static int verify_one(struct ifrep_pair *p, u64 chunk, void *buf, bool *differs,
		      const char **reason)
{
	struct ifrep_volume *vol = p->vol;
	bool skip;
	int r = 0;

	*differs = false;
	if (p->mode == IFREP_MODE_ASYNC)
		mutex_lock(&p->cycle.lock);
	spin_lock_irq(&vol->lock);
	if (!__verifiable(p)) {
		spin_unlock_irq(&vol->lock);
		*reason = "pair_not_replicating";
		r = -EAGAIN;
		goto out;
	}
	skip = __on_its_way(p, chunk);
	if (!skip)
		p->verify.chunk = chunk;
	spin_unlock_irq(&vol->lock);
	if (skip)
		goto out;

	wait_event(vol->wait, !ifrep_chunk_has_inflight(vol, chunk));
	spin_lock_irq(&vol->lock);
	/* A write whose target leg failed made it dirty meanwhile. */
	skip = __on_its_way(p, chunk);
	spin_unlock_irq(&vol->lock);
	if (!skip)
		r = compare_chunk(p, chunk, buf, differs, reason);

	spin_lock_irq(&vol->lock);
	p->verify.chunk = IFREP_NO_CHUNK;
	spin_unlock_irq(&vol->lock);
	ifrep_volume_unpark(vol);
out:
	if (p->mode == IFREP_MODE_ASYNC)
		mutex_unlock(&p->cycle.lock);
	return r;
}

/* Hands the differing chunks to the resync or the next cycle. */
static int mark_differences(struct ifrep_pair *p, const unsigned long *diff)
{
	struct ifrep_volume *vol = p->vol;
	int r;

	r = ifrep_pair_add_dirty(p, diff, false);
	if (r)
		return r;
	spin_lock_irq(&vol->lock);
	if (p->state == IFREP_PS_IN_SYNC) {
		__ifrep_pair_set_state(p, IFREP_PS_RESYNCING, NULL);
		if (!vol->suspended)
			ifrep_pair_kick(p);
	}
	spin_unlock_irq(&vol->lock);
	return 0;
}

static void verify_worker(struct work_struct *ws)
{
	struct ifrep_pair *p = container_of(ws, struct ifrep_pair, verify.work);
	struct ifrep_volume *vol = p->vol;
	const char *reason = NULL;
	unsigned long *diff;
	bool differs;
	void *buf;
	u64 chunk, found = 0;
	int r = 0;

	diff = ifrep_bitmap_alloc(vol->nr_chunks, false);
	if (p->ops->compare_start) {
		buf = vmalloc((size_t)IFREP_RESYNC_WINDOW * IFREP_RESYNC_SEGMENT);
		p->verify.compares = kcalloc(IFREP_COMPARE_PIECES, sizeof(*p->verify.compares),
					     GFP_KERNEL);
	} else {
		buf = vmalloc(IFREP_RESYNC_SEGMENT);
	}
	p->verify.no_compare = false;
	p->verify.throttle.start = jiffies;
	p->verify.throttle.bytes = 0;
	if (!diff || !buf || (p->ops->compare_start && !p->verify.compares)) {
		reason = "out_of_memory";
		goto out;
	}
	for (chunk = 0; chunk < vol->nr_chunks; chunk++) {
		if (READ_ONCE(p->verify.stop)) {
			reason = "interrupted";
			break;
		}
		r = verify_one(p, chunk, buf, &differs, &reason);
		if (r)
			break;
		if (differs) {
			__set_bit(chunk, diff);
			found++;
		}
		spin_lock_irq(&vol->lock);
		p->verify.checked++;
		p->verify.differ = found;
		spin_unlock_irq(&vol->lock);
		cond_resched();
	}
	if (found) {
		if (mark_differences(p, diff)) {
			DMERR("%s: pair %s: verify could not mark %llu differing chunk(s) dirty",
			      vol->name, p->name, found);
			reason = "metadata_write_failed";
		} else {
			DMINFO("%s: pair %s: verify found %llu chunk(s) differing: marked for copying",
			       vol->name, p->name, found);
		}
	}
out:
	if (reason)
		DMERR_LIMIT("%s: pair %s: verify stopped after %llu of %llu chunks: %s",
			    vol->name, p->name, p->verify.checked, vol->nr_chunks, reason);
	else
		DMINFO("%s: pair %s: verify done: %llu chunk(s) differed", vol->name,
		       p->name, found);
	spin_lock_irq(&vol->lock);
	p->verify.state = reason ? IFREP_VERIFY_STOPPED : IFREP_VERIFY_DONE;
	p->verify.reason = reason;
	spin_unlock_irq(&vol->lock);
	vfree(buf);
	kfree(p->verify.compares);
	p->verify.compares = NULL;
	ifrep_bitmap_free(diff);
	ifrep_volume_event(vol);
}

void ifrep_verify_stop(struct ifrep_pair *p)
{
	WRITE_ONCE(p->verify.stop, true);
	cancel_work_sync(&p->verify.work);
	/* A run that was queued but never started. */
	spin_lock_irq(&p->vol->lock);
	if (p->verify.state == IFREP_VERIFY_RUNNING) {
		p->verify.state = IFREP_VERIFY_STOPPED;
		p->verify.reason = "interrupted";
	}
	spin_unlock_irq(&p->vol->lock);
}

int ifrep_verify_start(struct ifrep_pair *p)
{
	struct ifrep_volume *vol = p->vol;
	bool ok;

	if (vol->suspended) {
		DMERR("%s: verify: the volume is suspended", vol->name);
		return -EBUSY;
	}
	if (!p->ops->checksum) {
		DMERR("%s: verify: pair %s cannot be verified", vol->name, p->name);
		return -EOPNOTSUPP;
	}
	spin_lock_irq(&vol->lock);
	ok = __verifiable(p);
	if (ok && p->verify.state != IFREP_VERIFY_RUNNING) {
		p->verify.state = IFREP_VERIFY_RUNNING;
		p->verify.reason = NULL;
		p->verify.checked = 0;
		p->verify.differ = 0;
		p->verify.started = ktime_get_real_seconds();
		WRITE_ONCE(p->verify.stop, false);
		queue_work(vol->resync_wq, &p->verify.work);
	}
	spin_unlock_irq(&vol->lock);
	if (!ok) {
		DMERR("%s: verify: pair %s is %s: only a %s pair can be verified", vol->name,
		      p->name, ifrep_pair_state_name(READ_ONCE(p->state)),
		      p->mode == IFREP_MODE_SYNC ? "in-sync or resyncing" :
		      p->mode == IFREP_MODE_ASYNC ? "consistent" : "sync or async");
		return -EBUSY;
	}
	return 0;
}

int ifrep_verify_status(struct ifrep_pair *p, char *result, unsigned int maxlen)
{
	struct ifrep_verify *v = &p->verify;
	unsigned int sz = 0;

	spin_lock_irq(&p->vol->lock);
	DMEMIT("%s %llu %llu %llu %llu %s", ifrep_verify_state_name(v->state),
	       v->checked, p->vol->nr_chunks, v->differ, v->started,
	       v->reason ?: IFREP_STATUS_NONE);
	spin_unlock_irq(&p->vol->lock);
	return 1;
}
