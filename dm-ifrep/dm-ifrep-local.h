/* SPDX-License-Identifier: GPL-2.0 */
/* dm-ifrep local targets: a block device on this host (struct ifrep_pair_ops). */
#ifndef DM_IFREP_LOCAL_H
#define DM_IFREP_LOCAL_H

#include <linux/blkdev.h>

#include "ifrep_meta.h"

struct ifrep_journal;

struct ifrep_local_target {
	struct block_device *bdev;
	/* Async pairs: their journal makes each cycle atomic on the target. */
	char journal_path[IFREP_PATH_LEN];
	struct block_device *journal_bdev;
	struct ifrep_journal *journal;
};

extern const struct ifrep_pair_ops ifrep_local_ops;

#endif
