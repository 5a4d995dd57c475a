/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-ifrep sync points: the images a journal keeps, listed, mapped for a
 * read-only view, or restored.  @pair NULL addresses the volume's own
 * journal (a secondary's); a pair name addresses the journal of that
 * async pair to a local target (on its primary).  admin_lock held; all
 * block.
 */
#ifndef DM_IFREP_SYNCPOINT_H
#define DM_IFREP_SYNCPOINT_H

#include <linux/types.h>

struct ifrep_volume;
struct ifrep_pair;

/**
 * ifrep_syncpoint_list() - one "<id> <time> <bytes>" line per sync point.
 * Return: 1 (text printed), -ENOENT (no journal), -ENODEV (no such pair),
 * -EINVAL (the pair is not async to a local target), -EBUSY (its target is
 * not open and the pair is not paused), -ENXIO (a paused pair's target or
 * journal cannot be opened).
 */
int ifrep_syncpoint_list(struct ifrep_volume *vol, const char *pair, char *result,
			 unsigned int maxlen);

/**
 * ifrep_syncpoint_map() - where sync point @id's image lives.
 * Return: 1 (text printed), or -errno as for the list, and -ENOENT (no
 * such point), -EBUSY (a cycle is being applied).
 */
int ifrep_syncpoint_map(struct ifrep_volume *vol, const char *pair, u64 id,
			char *result, unsigned int maxlen);

/**
 * ifrep_syncpoint_rollback() - restores sync point @id's image.  A
 * secondary: refused while a primary is attached (-EBUSY).  A pair: it
 * must be paused (-EBUSY); the chunks rewritten become dirty for it.
 * Return: 0 or -errno.
 */
int ifrep_syncpoint_rollback(struct ifrep_volume *vol, const char *pair, u64 id);

/**
 * ifrep_syncpoint_recover_paused() - activation of a paused local async
 * pair: opens and closes its target and journal, so that a cycle or a
 * rollback that a crash interrupted is finished now, not at resume.
 * Context: activation, before the pair is published.  Return: 0 or -errno
 * (logged; the pair stays paused either way).
 */
int ifrep_syncpoint_recover_paused(struct ifrep_pair *p);

#endif
