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
struct ifrep_compare;

struct ifrep_verify {
	struct work_struct work;
	bool stop;

	/* The worker's. */
	struct ifrep_compare *compares;	/* a window's pieces, remote pairs */
	bool no_compare;		/* the peer cannot: CSUM this run */
	struct ifrep_throttle throttle;

	/* Under vol->lock. */
	enum ifrep_verify_state state;
	const char *reason;		/* why it stopped */
	u64 chunk;			/* being compared: host writes into it park */
	u64 checked;			/* chunks compared or skipped as dirty */
	u64 differ;
	u64 started;			/* unix time */
};

void ifrep_verify_init(struct ifrep_pair *p);

/* Starts a verify in the background (a running one goes on).  admin_lock held. */
int ifrep_verify_start(struct ifrep_pair *p);
/* Stops a running verify and waits for it; what it found stays marked. */
void ifrep_verify_stop(struct ifrep_pair *p);
/*
 * Prints "<idle|running|done|stopped> <checked> <total> <differing>
 * <started> <reason|->" into @result.  Return: 1 (text printed).
 */
int ifrep_verify_status(struct ifrep_pair *p, char *result, unsigned int maxlen);

#endif
