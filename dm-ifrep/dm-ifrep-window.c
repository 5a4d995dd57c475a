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
 *
 * A checksum resync goes through the window too: each segment's pieces are
 * asked about (COMPARE) when it is pushed, the ones the target does not
 * hold are sent as soon as the answers are in (checked at every push), and
 * the segment retires once those are acknowledged.  The window's rate
 * counts the skipped bytes with the sent ones: it is the progress, and
 * the window sized from it keeps enough comparisons in flight.
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
	kfree(w->cmp);
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

/* What a connection to a remote target should hold in flight each way. */
unsigned int ifrep_window_max_bytes(void)
{
	return window_limit() * IFREP_RESYNC_SEGMENT;
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
	w->unsupported = false;
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

/* The answers are in (@seg->asking): sends the pieces that differ. */
static void send_differing(struct ifrep_window *w, struct ifrep_window_seg *seg)
{
	struct ifrep_pair *p = w->p;
	struct ifrep_compare *c;
	unsigned int i;

	seg->asking = false;
	seg->sending = 0;
	seg->skipped = 0;
	for (i = 0; i < seg->pieces; i++) {
		c = &seg->cmp[i];
		wait_for_completion(&c->done);
		if (!c->result && c->same == 1) {
			seg->skipped += c->len;
			continue;
		}
		/* Any other answer sends the piece: only "same" skips data. */
		if (c->result == -EOPNOTSUPP)
			w->unsupported = true;
		reinit_completion(&c->done);
		c->result = -EIO;
		p->ops->write_start(p, c->sector, seg->buf + (size_t)i * IFREP_COMPARE_PIECE,
				    c->len, &c->done, &c->result);
		seg->sending |= BIT(i);
	}
}

static bool answered(const struct ifrep_window_seg *seg)
{
	unsigned int i;

	for (i = 0; i < seg->pieces; i++)
		if (!completion_done(&seg->cmp[i].done))
			return false;
	return true;
}

/* Sends what differs in the oldest segments whose answers are all in. */
static void advance(struct ifrep_window *w)
{
	struct ifrep_window_seg *seg;
	unsigned int i;

	for (i = 0; i < w->count; i++) {
		seg = &w->seg[(w->head + i) % IFREP_WINDOW_MAX_SEGMENTS];
		if (!seg->asking)
			continue;
		if (!answered(seg))
			break;
		send_differing(w, seg);
	}
}

/* Waits for a segment's writes.  Return: the bytes sent, or -errno. */
static int wait_segment(struct ifrep_window_seg *seg)
{
	unsigned int i, sent = 0;
	int r = 0;

	if (!seg->compare) {
		wait_for_completion(&seg->done);
		return seg->result ?: seg->len;
	}
	for (i = 0; i < seg->pieces; i++) {
		if (!(seg->sending & BIT(i)))
			continue;
		wait_for_completion(&seg->cmp[i].done);
		if (seg->cmp[i].result)
			r = r ?: seg->cmp[i].result;
		else
			sent += seg->cmp[i].len;
	}
	return r ?: sent;
}

static void retire_oldest(struct ifrep_window *w)
{
	struct ifrep_window_seg *seg = &w->seg[w->head];
	struct ifrep_window_bufs *b = bufs_of(w);
	struct ifrep_pair *p = w->p;
	int r;

	if (seg->asking)
		send_differing(w, seg);
	advance(w);
	r = wait_segment(seg);
	w->head = (w->head + 1) % IFREP_WINDOW_MAX_SEGMENTS;
	w->count--;
	b->free[b->nr_free++] = seg->buf;
	seg->buf = NULL;
	if (r < 0) {
		w->chunk_failed = true;
		fail(w, r, "write_error");
	} else {
		if (seg->compare && seg->skipped) {
			atomic64_add(seg->skipped, &p->resync.skipped);
			atomic64_add(seg->skipped, &p->resync.bytes);
		}
		ifrep_resync_copied(p, r);
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

int ifrep_window_push(struct ifrep_window *w, u64 chunk, bool compare, const char **reason)
{
	struct ifrep_pair *p = w->p;
	struct ifrep_volume *vol = p->vol;
	sector_t sector = chunk << vol->chunk_shift;
	sector_t end = min_t(sector_t, sector + vol->chunk_sectors, vol->data_sectors);
	struct ifrep_window_seg *seg;
	unsigned int len, slot;
	void *buf;
	int r;

	if (compare && !w->cmp) {
		w->cmp = kcalloc(IFREP_WINDOW_MAX_SEGMENTS * IFREP_SEGMENT_PIECES,
				 sizeof(*w->cmp), GFP_KERNEL);
		if (!w->cmp) {
			*reason = "out_of_memory";
			return -ENOMEM;
		}
	}
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
		slot = (w->head + w->count) % IFREP_WINDOW_MAX_SEGMENTS;
		seg = &w->seg[slot];
		seg->buf = buf;
		seg->chunk = chunk;
		seg->sector = sector;
		seg->len = len;
		sector += len >> SECTOR_SHIFT;
		seg->last = sector >= end;
		seg->result = -EIO;
		seg->compare = compare;
		seg->asking = compare;
		init_completion(&seg->done);
		w->count++;
		if (compare) {
			seg->cmp = w->cmp + slot * IFREP_SEGMENT_PIECES;
			seg->pieces = ifrep_compare_start(p, seg->sector, buf, len, seg->cmp);
			advance(w);
		} else {
			p->ops->write_start(p, seg->sector, buf, len, &seg->done, &seg->result);
		}
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
