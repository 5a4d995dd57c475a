/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version shims, and nowhere else.  Feature tests are done by Kbuild
 * against the headers being built with, because distributions backport
 * interface changes (Debian's 6.1 has the 6.7 dm_io() ioprio argument).
 */
#ifndef DM_IFREP_COMPAT_H
#define DM_IFREP_COMPAT_H

#include <linux/dm-io.h>
#include <linux/ioprio.h>

static inline int ifrep_dm_io(struct dm_io_request *req, unsigned int num_regions,
			      struct dm_io_region *region)
{
#ifdef IFREP_DM_IO_HAS_IOPRIO
	return dm_io(req, num_regions, region, NULL, IOPRIO_DEFAULT);
#else
	return dm_io(req, num_regions, region, NULL);
#endif
}

/* Synchronous I/O of @len bytes at @sector between @bdev and vmalloc'ed @buf. */
static inline int ifrep_io_vmalloc(struct dm_io_client *client,
				   struct block_device *bdev, sector_t sector,
				   void *buf, unsigned int len, blk_opf_t opf)
{
	struct dm_io_region region = {
		.bdev = bdev,
		.sector = sector,
		.count = len >> SECTOR_SHIFT,
	};
	struct dm_io_request req = {
		.bi_opf = opf,
		.mem.type = DM_IO_VMA,
		.mem.ptr.vma = buf,
		.client = client,
	};

	return ifrep_dm_io(&req, 1, &region);
}

#endif
