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
 * The run is in the background (resync_wq); "verify <pair> status" and the
 * pair's <verify> status field report its progress and result.  Stopping
 * the pair (pause, resume, remove, suspend) stops it, with what it found so
 * far marked dirty.
 *
 * The run is resumable: every IFREP_VERIFY_SAVE_INTERVAL, and when it
 * ends, the chunks found differing since the last time are marked dirty
 * and then the pair's record is moved on to the next chunk to compare.  In
 * that order, a crash in between costs comparing some chunks again, never
 * a difference found.  "verify <pair> start" goes on from the recorded
 * chunk of an unfinished run, after a reload or a crash too; "restart"
 * starts over at chunk 0, as a start after a finished run does.
 */
#include "dm-ifrep-pair.h"

#include <linux/crc32c.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#define DM_MSG_PREFIX "ifrep"

/*
 * How often a run records its progress: a superblock commit (two flushes)
 * every few seconds is noise next to the reads it paces, and a crash costs
 * at most this much comparing again.
 */
#define IFREP_VERIFY_SAVE_INTERVAL	(5 * HZ)

static void verify_worker(struct work_struct *ws);

void ifrep_verify_init(struct ifrep_pair *p, const struct ifrep_pair_record *rec)
{
	struct ifrep_verify *v = &p->verify;
	u64 nr_chunks = p->vol->nr_chunks;

	INIT_WORK(&v->work, verify_worker);
	v->chunk = IFREP_NO_CHUNK;
	v->state = IFREP_VERIFY_IDLE;
	if (rec->verify_state == IFREP_PAIR_VERIFY_NONE)
		return;
	/* Only ever advisory: one that does not fit is forgotten, not refused. */
	if (rec->verify_state > IFREP_PAIR_VERIFY_DONE || rec->verify_next > nr_chunks ||
	    rec->verify_differing > rec->verify_next) {
		DMWARN("%s: pair %s: recorded verify (%u at chunk %llu of %llu) ignored",
		       p->vol->name, rec->name, rec->verify_state, rec->verify_next, nr_chunks);
		return;
	}
	if (rec->verify_state == IFREP_PAIR_VERIFY_DONE) {
		v->state = IFREP_VERIFY_DONE;
	} else {
		/* Why it stopped is not recorded: a reload, a crash, a pause... */
		v->state = IFREP_VERIFY_STOPPED;
		v->reason = "interrupted";
	}
	v->checked = v->recorded_next = rec->verify_next;
	v->differ = v->recorded_differ = rec->verify_differing;
	v->started = rec->verify_started;
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

/*
 * Makes the run's progress durable: the differing chunks found since the
 * last time (@pending of them, in @diff) are marked dirty before the record
 * moves past them to @next.
 */
static int save_progress(struct ifrep_pair *p, unsigned long *diff, u64 *pending, u32 state,
			 u64 next, u64 found, u64 started)
{
	struct ifrep_volume *vol = p->vol;
	int r;

	p->verify.saved_at = jiffies;
	if (*pending) {
		r = mark_differences(p, diff);
		if (r) {
			DMERR("%s: pair %s: verify could not mark %llu differing chunk(s) dirty",
			      vol->name, p->name, *pending);
			return r;
		}
		bitmap_zero(diff, vol->nr_chunks);
		*pending = 0;
	}
	r = ifrep_pair_record_verify(p, state, next, found, started);
	if (r) {
		DMERR("%s: pair %s: verify could not record its progress (%d)", vol->name,
		      p->name, r);
		return r;
	}
	spin_lock_irq(&vol->lock);
	p->verify.recorded_next = next;
	p->verify.recorded_differ = found;
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
	u64 next, found, pending = 0, started;
	int r = 0;

	spin_lock_irq(&vol->lock);
	next = p->verify.resumed_at;
	found = p->verify.differ;
	started = p->verify.started;
	spin_unlock_irq(&vol->lock);

	diff = ifrep_bitmap_alloc(vol->chunk_capacity, false);
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
	p->verify.saved_at = jiffies;
	if (!diff || !buf || (p->ops->compare_start && !p->verify.compares)) {
		reason = "out_of_memory";
		goto out;
	}
	if (next)
		DMINFO("%s: pair %s: verify resumed at chunk %llu of %llu (%llu differing so far)",
		       vol->name, p->name, next, vol->nr_chunks, found);
	while (next < vol->nr_chunks) {
		if (READ_ONCE(p->verify.stop)) {
			reason = "interrupted";
			break;
		}
		r = verify_one(p, next, buf, &differs, &reason);
		if (r)
			break;
		if (differs) {
			__set_bit(next, diff);
			pending++;
			found++;
		}
		next++;
		spin_lock_irq(&vol->lock);
		p->verify.checked = next;
		p->verify.differ = found;
		spin_unlock_irq(&vol->lock);
		if (time_after_eq(jiffies, p->verify.saved_at + IFREP_VERIFY_SAVE_INTERVAL) &&
		    save_progress(p, diff, &pending, IFREP_PAIR_VERIFY_UNFINISHED, next, found,
				  started)) {
			reason = "metadata_write_failed";
			break;
		}
		cond_resched();
	}
out:
	if (save_progress(p, diff, &pending,
			  reason ? IFREP_PAIR_VERIFY_UNFINISHED : IFREP_PAIR_VERIFY_DONE,
			  next, found, started))
		reason = "metadata_write_failed";
	if (reason)
		DMERR_LIMIT("%s: pair %s: verify stopped after %llu of %llu chunks: %s",
			    vol->name, p->name, next, vol->nr_chunks, reason);
	else
		DMINFO("%s: pair %s: verify done: %llu chunk(s) differed%s", vol->name,
		       p->name, found, found ? ": marked for copying" : "");
	spin_lock_irq(&vol->lock);
	p->verify.state = reason ? IFREP_VERIFY_STOPPED : IFREP_VERIFY_DONE;
	p->verify.reason = reason;
	/*
	 * A stopped run shows where it resumes: behind what it compared if its
	 * last save failed, and then with only the differences marked.
	 */
	if (reason) {
		p->verify.checked = p->verify.recorded_next;
		p->verify.differ = p->verify.recorded_differ;
	}
	spin_unlock_irq(&vol->lock);
	vfree(buf);
	kfree(p->verify.compares);
	p->verify.compares = NULL;
	ifrep_bitmap_free(diff);
	ifrep_volume_event(vol);
}

void ifrep_verify_stop(struct ifrep_pair *p)
{
	bool stopped = false;

	WRITE_ONCE(p->verify.stop, true);
	cancel_work_sync(&p->verify.work);
	/* A run that was queued but never started. */
	spin_lock_irq(&p->vol->lock);
	if (p->verify.state == IFREP_VERIFY_RUNNING) {
		p->verify.state = IFREP_VERIFY_STOPPED;
		p->verify.reason = "interrupted";
		stopped = true;
	}
	spin_unlock_irq(&p->vol->lock);
	if (stopped)
		ifrep_volume_event(p->vol);
}

int ifrep_verify_start(struct ifrep_pair *p, bool restart)
{
	struct ifrep_volume *vol = p->vol;
	struct ifrep_verify *v = &p->verify;
	u64 from = 0, differ = 0, started = ktime_get_real_seconds();
	bool ok, running;
	int r;

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
	running = v->state == IFREP_VERIFY_RUNNING;
	spin_unlock_irq(&vol->lock);
	if (!ok) {
		DMERR("%s: verify: pair %s is %s: only a %s pair can be verified", vol->name,
		      p->name, ifrep_pair_state_name(READ_ONCE(p->state)),
		      p->mode == IFREP_MODE_SYNC ? "in-sync or resyncing" :
		      p->mode == IFREP_MODE_ASYNC ? "consistent" : "sync or async");
		return -EBUSY;
	}
	if (running && !restart)
		return 0;
	if (running) {
		DMINFO("%s: pair %s: verify restarted: the running one stops", vol->name,
		       p->name);
		ifrep_verify_stop(p);
	}

	/* The worker is not running: what it recorded is final. */
	spin_lock_irq(&vol->lock);
	if (!restart && v->state == IFREP_VERIFY_STOPPED) {
		from = v->recorded_next;
		differ = v->recorded_differ;
		started = v->started;
	}
	spin_unlock_irq(&vol->lock);
	/*
	 * Recorded before the run starts, so that a crash before its first
	 * save does not leave an older run's chunk to go on from.
	 */
	r = ifrep_pair_record_verify(p, IFREP_PAIR_VERIFY_UNFINISHED, from, differ, started);
	if (r) {
		DMERR("%s: verify: pair %s: metadata write failed (%d)", vol->name, p->name, r);
		return r;
	}
	spin_lock_irq(&vol->lock);
	v->recorded_next = v->resumed_at = v->checked = from;
	v->recorded_differ = v->differ = differ;
	v->started = started;
	v->state = IFREP_VERIFY_RUNNING;
	v->run_start = jiffies;
	v->reason = NULL;
	WRITE_ONCE(v->stop, false);
	queue_work(vol->resync_wq, &v->work);
	spin_unlock_irq(&vol->lock);
	ifrep_volume_event(vol);
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

/*
 * Bytes of the volume checked per second since the latest start: what is
 * left divided by it is the time to go (dirty chunks skipped count too).
 * NOTE: vol->lock held.
 */
static u64 __verify_rate(struct ifrep_pair *p)
{
	struct ifrep_verify *v = &p->verify;
	unsigned long elapsed = jiffies - v->run_start;
	u64 bytes;

	if (v->state != IFREP_VERIFY_RUNNING || !elapsed)
		return 0;
	bytes = (v->checked - v->resumed_at) << (p->vol->chunk_shift + SECTOR_SHIFT);
	return mul_u64_u64_div_u64(bytes, HZ, elapsed);
}

void ifrep_verify_status_field(struct ifrep_pair *p, char *result, unsigned int maxlen,
			       unsigned int *sz_ptr)
{
	struct ifrep_verify *v = &p->verify;
	unsigned int sz = *sz_ptr;

	lockdep_assert_held(&p->vol->lock);
	if (v->state == IFREP_VERIFY_IDLE)
		DMEMIT(" %s", IFREP_STATUS_NONE);
	else
		DMEMIT(" %s:%llu/%llu:%llu:%llu", ifrep_verify_state_name(v->state), v->checked,
		       p->vol->nr_chunks, v->differ, __verify_rate(p));
	*sz_ptr = sz;
}
