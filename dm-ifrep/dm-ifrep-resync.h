/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-ifrep resync: copies a pair's dirty chunks to its target.  The copier
 * (ifrep_resync_copy_chunk) also ships async cycles (dm-ifrep-cycle.c).
 */
#ifndef DM_IFREP_RESYNC_H
#define DM_IFREP_RESYNC_H

#include <linux/atomic.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct ifrep_pair;

#define IFREP_RESYNC_SEGMENT	(1024 * 1024)	/* bytes copied per I/O */
#define IFREP_RESYNC_WINDOW	4		/* segments in flight (write_start) */

struct ifrep_resync {
	/* The copier, shared with async cycles. */
	bool stop;			/* stops a resync or a cycle's shipping */
	void *buf;
	unsigned long throttle_start;
	u64 throttle_bytes;
	atomic64_t bytes;		/* copied since activation, for the rate */

	/* The resync worker of sync pairs. */
	struct work_struct work;
	u64 cursor;
	u64 chunk;			/* being copied: host writes into it park;
					 * under vol->lock */
};

void ifrep_resync_init(struct ifrep_pair *p);
void ifrep_resync_exit(struct ifrep_pair *p);

/* Stops a sync pair's resync worker and waits for it. */
void ifrep_resync_stop(struct ifrep_pair *p);

/* A run of copies starts: the rate limit counts from now. */
void ifrep_resync_begin(struct ifrep_pair *p);

/*
 * Copies @chunk from the data device to the pair's target, honouring the
 * rate limit and yielding to host writes.  The caller keeps host writes
 * out of the chunk.  Return: 0, or -errno with *@reason.  Blocks.
 */
int ifrep_resync_copy_chunk(struct ifrep_pair *p, u64 chunk, const char **reason);

#endif
