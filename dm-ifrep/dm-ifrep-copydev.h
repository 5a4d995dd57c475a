/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-ifrep copy device: the target of a local copy pair, usable read-write
 * while the copy runs (target type "ifrep-copy", dm-ifrep-copydev.c).
 *
 * The pair calls the __ functions with vol->lock held (lock order:
 * vol->lock -> the device's own lock); each does nothing when no device is
 * attached to the pair.
 */
#ifndef DM_IFREP_COPYDEV_H
#define DM_IFREP_COPYDEV_H

#include <linux/types.h>

struct ifrep_pair;

int ifrep_copydev_register(void);
void ifrep_copydev_unregister(void);

/*
 * ifrep_copydev_detach() - the pair is going away (pair remove, volume
 * teardown): its device, if any, stops using it.  Chunks not copied yet
 * fail I/O from now on; copied ones, or all once the copy is done, keep
 * mapping to the target.  Call after the pair was unpublished and before
 * it is freed.  Context: process, blocks (a mutex).
 */
void ifrep_copydev_detach(struct ifrep_pair *p);

/*
 * __ifrep_copydev_cut() - the pair's cycle was cut: chunks not frozen are
 * copied, frozen ones the device waits for go first.  NOTE: vol->lock held.
 */
void __ifrep_copydev_cut(struct ifrep_pair *p);
/* Frozen chunks the device waits for join @urgent.  NOTE: vol->lock held. */
void __ifrep_copydev_urgent(struct ifrep_pair *p, unsigned long *urgent);
/*
 * __ifrep_copydev_copied() - @chunk is on the target (its copy completed):
 * the device's I/O into it may go there now.  NOTE: vol->lock held.
 */
void __ifrep_copydev_copied(struct ifrep_pair *p, u64 chunk);
/* The copy is done: the device maps the whole target.  NOTE: vol->lock held. */
void __ifrep_copydev_done(struct ifrep_pair *p);
/*
 * __ifrep_copydev_fail() - the cut was lost (the cycle ended without
 * committing): chunks not copied fail I/O.  NOTE: vol->lock held.
 */
void __ifrep_copydev_fail(struct ifrep_pair *p, const char *reason);
/*
 * Whether the pair's cycle must be kept (not ended) when it is stopped,
 * and never cut again: a device attached to the copy saw its cut, and
 * may have written into copied chunks that a new cut would copy again.
 * NOTE: vol->lock held.
 */
bool __ifrep_copydev_engaged(struct ifrep_pair *p);
/* Whether a device is attached to the pair.  NOTE: vol->lock held. */
bool __ifrep_copydev_attached(struct ifrep_pair *p);

#endif
