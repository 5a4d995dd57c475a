/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-ifrep sync points of a secondary: the images its journal keeps, listed,
 * mapped for a read-only view, or restored.  admin_lock held; all block.
 */
#ifndef DM_IFREP_SYNCPOINT_H
#define DM_IFREP_SYNCPOINT_H

#include <linux/types.h>

struct ifrep_volume;

/* One "<id> <time> <bytes>" line per sync point.  Return: 1 (text printed). */
int ifrep_syncpoint_list(struct ifrep_volume *vol, char *result, unsigned int maxlen);
/* Where sync point @id's image lives.  Return: 1 (text printed), or -errno. */
int ifrep_syncpoint_map(struct ifrep_volume *vol, u64 id, char *result,
			unsigned int maxlen);
/* Restores sync point @id's image.  Return: 0 or -errno. */
int ifrep_syncpoint_rollback(struct ifrep_volume *vol, u64 id);

#endif
