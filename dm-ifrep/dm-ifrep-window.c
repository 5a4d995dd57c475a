// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep window: a background copy to a remote target keeps as much data
 * in flight as the link holds, across chunks, and reads the next segment
 * while the earlier ones cross the link.
 *
 * A link is full when the data in flight covers its bandwidth-delay
 * product.  The window measures both: the round trip is the connection's
 * shortest ACK time of a request (ops->link_rtt_us: a lower bound that
 * queueing behind our own data does not inflate), the bandwidth is the
 * rate the target acknowledged our segments at, a maximum that decays by
 * a quarter per period when the rate falls.  The window is twice their
 * product, so that the rate measured while the window limits it (window /
 * round trip) makes the next window twice as large, until the link or the
 * pair's rate limit caps the rate: then it stays at twice the product, the
 * slack that covers ACKs arriving in bursts.  It starts at 4 MiB and never
 * exceeds the module parameter window_max_mib (64, the most it accepts),
 * nor a 64th of the RAM (buffers are allocated as it grows and kept for
 * the next run, down to what the window allows then).  window_max_mib=4
 * keeps the fixed 4 MiB of target versions before 1.6.0 (the benchmark
 * compares both in one run).
 *
 * The rate limit and the yield to host writes apply per segment acknowledged
 * (ifrep_resync_copied()); host write legs also go ahead of queued
 * background requests on the connection (dm-ifrep-remote.c).
 */
#include "dm-ifrep-pair.h"

#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#define DM_MSG_PREFIX "ifrep"

/* A rate sample spans at least this, and at least two round trips. */
#define RATE_PERIOD	(HZ / 2)

static unsigned int window_max_mib = IFREP_WINDOW_MAX_SEGMENTS;
module_param(window_max_mib, uint, 0644);
MODULE_PARM_DESC(window_max_mib, "Most data a background copy keeps in flight to a remote target, MiB (4..64, default 64)");

struct ifrep_window_bufs {
	unsigned int nr_bufs;		/* allocated */
	unsigned int nr_free;
	void *free[IFREP_WINDOW_MAX_SEGMENTS];
};

struct ifrep_window *ifrep_window_get(struct ifrep_pair *p)
{
	struct ifrep_window *w = p->resync.window;

	if (w)
		return w;
	w = kzalloc(sizeof(*w) + sizeof(struct ifrep_window_bufs), GFP_KERNEL);
	if (!w)
		return NULL;
	w->p = p;
	w->allowed = IFREP_WINDOW_MIN_SEGMENTS;
	p->resync.window = w;
	return w;
}

static struct ifrep_window_bufs *bufs_of(struct ifrep_window *w)
{
	return (struct ifrep_window_bufs *)(w + 1);
}

void ifrep_window_free(struct ifrep_pair *p)
{
	struct ifrep_window *w = p->resync.window;
	struct ifrep_window_bufs *b;

	if (!w)
		return;
	WARN_ON_ONCE(w->count);
	b = bufs_of(w);
	while (b->nr_free)
		vfree(b->free[--b->nr_free]);
	kfree(w);
	p->resync.window = NULL;
}

/* The cap: window_max_mib, or a 64th of the RAM when that is less. */
static unsigned int window_limit(void)
{
	unsigned long mib = totalram_pages() >> (20 - PAGE_SHIFT);
	unsigned int max = clamp_t(unsigned int, READ_ONCE(window_max_mib),
				   IFREP_WINDOW_MIN_SEGMENTS, IFREP_WINDOW_MAX_SEGMENTS);

	return clamp_t(unsigned long, mib / 64, IFREP_WINDOW_MIN_SEGMENTS, max);
}

void ifrep_window_begin(struct ifrep_window *w,
			void (*retired)(struct ifrep_pair *p, u64 chunk, int result))
{
	struct ifrep_window_bufs *b = bufs_of(w);

	WARN_ON_ONCE(w->count);
	w->retired = retired;
	w->error = 0;
	w->reason = NULL;
	w->chunk_failed = false;
	w->limit = window_limit();
	w->allowed = clamp(w->allowed, (unsigned int)IFREP_WINDOW_MIN_SEGMENTS, w->limit);
	w->rate_start = jiffies;
	w->rate_bytes = 0;
	/* Memory the window does not allow any more goes back. */
	while (b->nr_bufs > w->allowed && b->nr_free) {
		vfree(b->free[--b->nr_free]);
		b->nr_bufs--;
	}
}

static void resize(struct ifrep_window *w, u32 rtt_us)
{
	u64 want;

	if (!rtt_us || !w->rate)
		return;
	want = div_u64(w->rate * rtt_us * 2, USEC_PER_SEC);
	w->allowed = clamp_t(u64, DIV_ROUND_UP_ULL(want, IFREP_RESYNC_SEGMENT),
			     IFREP_WINDOW_MIN_SEGMENTS, w->limit);
}

static void count_acked(struct ifrep_window *w, unsigned int len)
{
	struct ifrep_pair *p = w->p;
	u32 rtt_us = p->ops->link_rtt_us ? p->ops->link_rtt_us(p) : 0;
	unsigned long elapsed = jiffies - w->rate_start;
	unsigned long period = max_t(unsigned long, RATE_PERIOD, 2 * usecs_to_jiffies(rtt_us));
	u64 sample;

	w->rate_bytes += len;
	if (elapsed < period)
		return;
	sample = div_u64(w->rate_bytes * HZ, elapsed);
	w->rate = max(sample, w->rate - w->rate / 4);
	w->rate_start = jiffies;
	w->rate_bytes = 0;
	resize(w, rtt_us);
}

static void fail(struct ifrep_window *w, int error, const char *reason)
{
	if (w->error)
		return;
	w->error = error;
	w->reason = reason;
}

static void retire_oldest(struct ifrep_window *w)
{
	struct ifrep_window_seg *seg = &w->seg[w->head];
	struct ifrep_window_bufs *b = bufs_of(w);

	wait_for_completion(&seg->done);
	w->head = (w->head + 1) % IFREP_WINDOW_MAX_SEGMENTS;
	w->count--;
	b->free[b->nr_free++] = seg->buf;
	seg->buf = NULL;
	if (seg->result) {
		w->chunk_failed = true;
		fail(w, seg->result, "write_error");
	} else {
		ifrep_resync_copied(w->p, seg->len);
		count_acked(w, seg->len);
	}
	if (seg->last) {
		w->retired(w->p, seg->chunk, w->chunk_failed ? (w->error ?: -EIO) : 0);
		w->chunk_failed = false;
	}
}

/* A free buffer, or NULL when the window must retire one first. */
static void *take_buf(struct ifrep_window *w)
{
	struct ifrep_window_bufs *b = bufs_of(w);
	void *buf;

	if (b->nr_free)
		return b->free[--b->nr_free];
	if (b->nr_bufs >= w->allowed)
		return NULL;
	buf = vmalloc(IFREP_RESYNC_SEGMENT);
	if (buf)
		b->nr_bufs++;
	return buf;
}

static void put_buf(struct ifrep_window *w, void *buf)
{
	struct ifrep_window_bufs *b = bufs_of(w);

	b->free[b->nr_free++] = buf;
}

int ifrep_window_push(struct ifrep_window *w, u64 chunk, const char **reason)
{
	struct ifrep_pair *p = w->p;
	struct ifrep_volume *vol = p->vol;
	sector_t sector = chunk << vol->chunk_shift;
	sector_t end = min_t(sector_t, sector + vol->chunk_sectors, vol->data_sectors);
	struct ifrep_window_seg *seg;
	unsigned int len;
	void *buf;
	int r;

	while (sector < end) {
		buf = NULL;
		while (!w->error && (w->count >= w->allowed || !(buf = take_buf(w)))) {
			if (!w->count) {
				fail(w, -ENOMEM, "out_of_memory");
				break;
			}
			retire_oldest(w);
		}
		if (w->error) {
			if (buf)
				put_buf(w, buf);
			break;
		}
		len = min_t(u64, IFREP_RESYNC_SEGMENT, (end - sector) << SECTOR_SHIFT);
		r = ifrep_resync_read(p, sector, buf, len);
		if (r) {
			put_buf(w, buf);
			fail(w, r, "source_read_error");
			break;
		}
		seg = &w->seg[(w->head + w->count) % IFREP_WINDOW_MAX_SEGMENTS];
		seg->buf = buf;
		seg->chunk = chunk;
		seg->sector = sector;
		seg->len = len;
		sector += len >> SECTOR_SHIFT;
		seg->last = sector >= end;
		seg->result = -EIO;
		init_completion(&seg->done);
		w->count++;
		p->ops->write_start(p, seg->sector, buf, len, &seg->done, &seg->result);
	}
	if (sector < end) {
		/* Cut short: @chunk never retires, its segments drain silently. */
		*reason = w->reason;
		return w->error;
	}
	return 0;
}

bool ifrep_window_holds(const struct ifrep_window *w, u64 chunk)
{
	unsigned int i;

	for (i = 0; i < w->count; i++)
		if (w->seg[(w->head + i) % IFREP_WINDOW_MAX_SEGMENTS].chunk == chunk)
			return true;
	return false;
}

int ifrep_window_drain(struct ifrep_window *w, const char **reason)
{
	while (w->count)
		retire_oldest(w);
	if (w->error)
		*reason = w->reason;
	return w->error;
}
