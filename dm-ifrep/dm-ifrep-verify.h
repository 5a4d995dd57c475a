/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-ifrep online verify: compares a pair's target with the source by
 * checksum, chunk by chunk, and marks the chunks that differ dirty.
 */
#ifndef DM_IFREP_VERIFY_H
#define DM_IFREP_VERIFY_H

#include <linux/types.h>
#include <linux/workqueue.h>

#include "dm-ifrep-resync.h"

#include "ifrep_target.h"

struct ifrep_pair;
struct ifrep_pair_record;
struct ifrep_compare;

struct ifrep_verify {
	struct work_struct work;
	bool stop;

	/* The worker's. */
	struct ifrep_compare *compares;	/* a window's pieces, remote pairs */
	bool no_compare;		/* the peer cannot: CSUM this run */
	struct ifrep_throttle throttle;
	unsigned long saved_at;		/* jiffies: progress last recorded */

	/* Under vol->lock. */
	enum ifrep_verify_state state;	/* idle: none since activation, none recorded */
	const char *reason;		/* why it stopped */
	u64 chunk;			/* being compared: host writes into it park */
	u64 checked;			/* chunks compared or skipped as dirty, from 0 */
	u64 differ;
	u64 started;			/* unix time of the run's first start */
	u64 resumed_at;			/* chunk the latest start went on from */
	unsigned long run_start;	/* jiffies of the latest start, for the rate */
	/*
	 * What the pair's record holds: a stopped run resumes from there, not
	 * from @checked, which may be ahead of what was recorded (a failed
	 * metadata write) and so of the differences marked dirty.
	 */
	u64 recorded_next;
	u64 recorded_differ;
};

/* Takes over the verify the pair's record holds (none, unfinished, done). */
void ifrep_verify_init(struct ifrep_pair *p, const struct ifrep_pair_record *rec);

/*
 * Starts a verify in the background: an unfinished one goes on from its
 * recorded chunk, unless @restart; a running one goes on (@restart: stops
 * and starts over).  admin_lock held.
 */
int ifrep_verify_start(struct ifrep_pair *p, bool restart);
/* Stops a running verify and waits for it; what it found stays marked. */
void ifrep_verify_stop(struct ifrep_pair *p);
/*
 * Prints "<idle|running|done|stopped> <checked> <total> <differing>
 * <started> <reason|->" into @result.  Return: 1 (text printed).
 */
int ifrep_verify_status(struct ifrep_pair *p, char *result, unsigned int maxlen);
/* The pair status field <verify>; NOTE: vol->lock held. */
void ifrep_verify_status_field(struct ifrep_pair *p, char *result, unsigned int maxlen,
			       unsigned int *sz);

#endif
