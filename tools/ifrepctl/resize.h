/* SPDX-License-Identifier: GPL-2.0 */
/*
 * resize.h - what growing a volume means before the kernel is asked:
 * the size a --size argument names, the chunks it adds, and whether the
 * bitmap areas laid out when the metadata was formatted can hold them.
 *
 * The kernel's "resize <sectors>" message (target 1.9) makes the same
 * checks; these let ifrepctl say which limit a request breaks, and what
 * it would do, without sending anything.
 */
#ifndef IFREPCTL_RESIZE_H
#define IFREPCTL_RESIZE_H

#include <stddef.h>
#include <stdint.h>

/**
 * ifrep_resize_parse_size() - a --size argument ("96M", "1G", "4096")
 * into 512-byte sectors.  Return: 0, or -EINVAL with @why (garbage, zero,
 * not a multiple of 512 bytes, more sectors than a table can hold).
 */
int ifrep_resize_parse_size(const char *s, uint64_t *sectors, const char **why);

/**
 * ifrep_resize_max_sectors() - the largest volume the bitmap areas hold:
 * @bitmap_blocks per area (the metadata's superblock field), each block
 * IFREP_BITS_PER_BITMAP_BLOCK chunks, and never more than IFREP_MAX_CHUNKS.
 */
uint64_t ifrep_resize_max_sectors(uint64_t bitmap_blocks, uint32_t chunk_sectors);

enum ifrep_resize_verdict {
	RESIZE_SAME,		/* the volume has that size: nothing to grow */
	RESIZE_GROW,
};

struct ifrep_resize_plan {
	uint64_t old_sectors, new_sectors;
	uint64_t old_chunks, new_chunks;	/* chunks covering each size */
	/* the chunks the kernel marks: the new ones and a partial last one */
	uint64_t marked_chunks;
};

/**
 * ifrep_resize_plan() - check growing a volume of @cur sectors with
 * @chunk_sectors chunks to @want sectors, into @p.  @max_sectors is
 * ifrep_resize_max_sectors() of its metadata, 0 when unknown (then only
 * the kernel checks it).
 * Return: RESIZE_SAME or RESIZE_GROW; -EINVAL for a smaller @want (the
 * volume cannot shrink), -EFBIG beyond @max_sectors; @why says it.
 */
int ifrep_resize_plan(uint64_t cur, uint64_t want, uint32_t chunk_sectors,
		      uint64_t max_sectors, struct ifrep_resize_plan *p,
		      char *why, size_t whylen);

/** ifrep_msg_resize() - "resize <sectors>".  Return: 0 or -ENAMETOOLONG. */
int ifrep_msg_resize(uint64_t sectors, char *buf, size_t len);

#endif /* IFREPCTL_RESIZE_H */
