/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-ifrep resync: copies a pair's dirty chunks to its target.  The copier
 * (ifrep_resync_copy_chunk) also ships async cycles (dm-ifrep-cycle.c).
 */
#ifndef DM_IFREP_RESYNC_H
#define DM_IFREP_RESYNC_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "ifrep_proto.h"

struct ifrep_pair;

#define IFREP_RESYNC_SEGMENT	(1024 * 1024)	/* bytes copied per I/O */
#define IFREP_RESYNC_WINDOW	4		/* segments verify compares at once */
/*
 * A checksum resync compares, and sends, pieces this large: a 4 KiB write
 * makes one piece differ, not its whole segment.  Sixteen per segment;
 * online verify asks about a 4 MiB window's at once (IFREP_COMPARE_PIECES).
 */
#define IFREP_COMPARE_PIECE	(64 * 1024)
#define IFREP_COMPARE_PIECES	(IFREP_RESYNC_WINDOW * IFREP_RESYNC_SEGMENT / \
				 IFREP_COMPARE_PIECE)

/*
 * The pace of a background copy or comparison: the pair's rate limit,
 * counted in bytes from @start.
 */
struct ifrep_throttle {
	unsigned long start;		/* jiffies */
	u64 bytes;
	u64 rate;			/* the limit counted at; another restarts the count */
};

/*
 * A checksum resync's question to the target (ops->compare_start): does
 * it hold @len bytes at @sector with this SHA-256?
 */
struct ifrep_compare {
	sector_t sector;
	unsigned int len;
	u8 sha256[IFREP_SHA256_LEN];
	struct ifrep_wire_compare wire;	/* the remote op's, until @done */
	struct completion done;
	int result;
	u32 same;			/* 1: the target holds the same data */
};

struct ifrep_resync {
	/* The copier, shared with async cycles. */
	bool stop;			/* stops a resync or a cycle's shipping */
	void *buf;
	struct ifrep_throttle throttle;
	atomic64_t bytes;		/* copied since activation, for the rate */

	/* The resync worker of sync pairs. */
	struct work_struct work;
	/*
	 * Checksum resync (pair record resync_mode, see pairs.c): after an
	 * interruption, pieces the target holds already are not sent.
	 */
	bool checksum;
	atomic64_t skipped;		/* bytes not sent, since activation */
	u64 cursor;
	/*
	 * Sync pairs: the chunks being copied (in the window, or the one
	 * being compared); host writes into them park.  Under vol->lock.
	 */
	unsigned long *locked;
	/* Remote targets: data in flight (dm-ifrep-window.c), NULL until used. */
	struct ifrep_window *window;
};

int ifrep_resync_init(struct ifrep_pair *p);
void ifrep_resync_exit(struct ifrep_pair *p);

/* Stops a sync pair's resync worker and waits for it. */
void ifrep_resync_stop(struct ifrep_pair *p);

/* A run of copies starts: the rate limit counts from now. */
void ifrep_resync_begin(struct ifrep_pair *p);

/*
 * @len more bytes went: pauses a tick while host writes are in flight (they
 * come first), then as long as the pair's rate limit asks, or until *@stop.
 */
void ifrep_throttle(struct ifrep_pair *p, struct ifrep_throttle *t, unsigned int len,
		    const bool *stop);

/*
 * Hashes each IFREP_COMPARE_PIECE of @len bytes (at most a window) read
 * from @sector into @buf, and asks the target about each with
 * ops->compare_start, into @c[0..n).  Returns n; the caller waits for
 * every c[i].done.
 */
unsigned int ifrep_compare_start(struct ifrep_pair *p, sector_t sector, void *buf,
				 unsigned int len, struct ifrep_compare *c);

/*
 * Copies @chunk from the data device to the pair's target one segment at a
 * time, honouring the rate limit and yielding to host writes.  The caller
 * keeps host writes out of the chunk.  Return: 0, or -errno with *@reason.
 * Blocks.
 */
int ifrep_resync_copy_chunk(struct ifrep_pair *p, u64 chunk, const char **reason);

/*
 * The window of a target with a round trip per write (ops->write_start), or
 * NULL: copy chunks one at a time with ifrep_resync_copy_chunk().
 */
struct ifrep_window *ifrep_resync_window(struct ifrep_pair *p);

/* Reads what a copy sends: the data device, or an async pair's cut. */
int ifrep_resync_read(struct ifrep_pair *p, sector_t sector, void *buf, unsigned int len);

/*
 * @len bytes reached the target: counts them, then the rate limit and the
 * yield to host writes (ifrep_throttle()).
 */
void ifrep_resync_copied(struct ifrep_pair *p, unsigned int len);

#endif
