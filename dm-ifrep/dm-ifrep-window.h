/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-ifrep window: how much a background copy (resync, cycle shipping, a
 * volume copy) keeps in flight to a remote target, sized from the link.
 */
#ifndef DM_IFREP_WINDOW_H
#define DM_IFREP_WINDOW_H

#include <linux/completion.h>
#include <linux/types.h>

#include "dm-ifrep-resync.h"

struct ifrep_pair;

/*
 * In IFREP_RESYNC_SEGMENT (1 MiB) segments: never less than 4 MiB in
 * flight, never more than 64 MiB, nor a 64th of the RAM per pair.
 */
#define IFREP_WINDOW_MIN_SEGMENTS	4
#define IFREP_WINDOW_MAX_SEGMENTS	64
/* A checksum resync's pieces per segment. */
#define IFREP_SEGMENT_PIECES		(IFREP_RESYNC_SEGMENT / IFREP_COMPARE_PIECE)

struct ifrep_window_seg {
	void *buf;			/* IFREP_RESYNC_SEGMENT bytes, or NULL */
	u64 chunk;
	sector_t sector;
	unsigned int len;
	bool last;			/* its chunk's last segment */
	struct completion done;
	int result;
	/*
	 * Checksum resync: each piece is asked about first (@asking), then
	 * the ones that differ are sent, each with its compare's completion.
	 */
	bool compare;
	bool asking;
	unsigned int pieces;
	u32 sending;			/* pieces being sent, a bit each */
	u64 skipped;			/* bytes the target holds already */
	struct ifrep_compare *cmp;	/* IFREP_SEGMENT_PIECES */
};

/*
 * A ring of segments, oldest at @head.  Segments are started in order and
 * retired in order; when a chunk's last segment retires, @retired learns
 * whether all of them reached the target.  Owned by one worker at a time
 * (the pair's resync worker or its cycle worker, which never run at once).
 */
struct ifrep_window {
	struct ifrep_pair *p;
	void (*retired)(struct ifrep_pair *p, u64 chunk, int result);
	int error;			/* the first failure of this run */
	const char *reason;
	bool chunk_failed;		/* a segment of the chunk retiring now */
	bool unsupported;		/* the target cannot compare (sent instead) */
	struct ifrep_compare *cmp;	/* per slot, allocated on first compare */

	unsigned int head, count;
	unsigned int allowed;		/* segments in flight, from the link */
	unsigned int limit;		/* the cap, from the RAM */

	/* Bytes per second the target acknowledged: a decaying maximum. */
	u64 rate;
	unsigned long rate_start;	/* jiffies */
	u64 rate_bytes;

	struct ifrep_window_seg seg[IFREP_WINDOW_MAX_SEGMENTS];
};

/*
 * The pair's window, allocated on first use and kept (with its measured
 * rate) until ifrep_window_free(); NULL when out of memory.
 */
struct ifrep_window *ifrep_window_get(struct ifrep_pair *p);
void ifrep_window_free(struct ifrep_pair *p);

/* A run starts: chunks retire through @retired. */
void ifrep_window_begin(struct ifrep_window *w,
			void (*retired)(struct ifrep_pair *p, u64 chunk, int result));

/*
 * Reads @chunk a segment at a time and starts writing each to the target,
 * first retiring the oldest segments while the window is full; with
 * @compare (checksum resync), asks the target about each piece of a
 * segment first and sends only those it does not hold.  Return: 0, or the
 * run's first error (with *@reason): then @chunk will not retire (it is
 * the caller's again once drained), and the caller drains.  Blocks.
 */
int ifrep_window_push(struct ifrep_window *w, u64 chunk, bool compare, const char **reason);

/* Whether a segment of @chunk is in flight. */
bool ifrep_window_holds(const struct ifrep_window *w, u64 chunk);

/* Retires every segment in flight.  Return: the run's first error. */
int ifrep_window_drain(struct ifrep_window *w, const char **reason);

/* Bytes in flight allowed now (status and tests). */
static inline u64 ifrep_window_bytes(const struct ifrep_window *w)
{
	return (u64)w->allowed << 20;
}

unsigned int ifrep_window_max_bytes(void);

#endif
