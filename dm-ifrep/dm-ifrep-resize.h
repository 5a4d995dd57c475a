/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-ifrep online grow (docs/dm-ifrep.rst, "Growing a volume").
 */
#ifndef DM_IFREP_RESIZE_H
#define DM_IFREP_RESIZE_H

#include "dm-ifrep.h"

/**
 * ifrep_volume_grow() - give the volume a larger size, in place.
 * @new_sectors: the new data size; the current one changes nothing.
 *
 * Context: admin_lock held; blocks (metadata writes).
 * Return: 0, or -errno after logging why: -EINVAL (smaller), -EFBIG (past
 * what the metadata's bitmap areas hold), -ENOSPC (the data device or a
 * local target is smaller), -EBUSY (a copy runs, a cycle is being applied).
 */
int ifrep_volume_grow(struct ifrep_volume *vol, sector_t new_sectors);

#endif
