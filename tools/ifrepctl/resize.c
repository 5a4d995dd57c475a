// SPDX-License-Identifier: GPL-2.0
/*
 * resize.c - the checks of growing a volume that need no kernel (see
 * resize.h): ifrepctl resize refuses what the kernel would refuse before
 * anything is sent, so a refusal never leaves half of a resize behind.
 */
#include "resize.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "ifrep_meta.h"
#include "meta.h"
#include "util.h"

int ifrep_resize_parse_size(const char *s, uint64_t *sectors, const char **why)
{
	uint64_t bytes;

	if (ifrep_parse_size(s, &bytes, 0, why))
		return -EINVAL;
	if (bytes % 512) {
		*why = "not a multiple of 512 bytes";
		return -EINVAL;
	}
	/* device-mapper lengths are sectors in a signed 64-bit sector_t */
	if (bytes / 512 > INT64_MAX) {
		*why = "size too large";
		return -EINVAL;
	}
	*sectors = bytes / 512;
	return 0;
}

uint64_t ifrep_resize_max_sectors(uint64_t bitmap_blocks, uint32_t chunk_sectors)
{
	uint64_t chunks;

	/* compared first: a damaged field must not overflow the product */
	if (bitmap_blocks > IFREP_MAX_CHUNKS / IFREP_BITS_PER_BITMAP_BLOCK)
		chunks = IFREP_MAX_CHUNKS;
	else
		chunks = bitmap_blocks * IFREP_BITS_PER_BITMAP_BLOCK;
	return chunks * chunk_sectors;
}

int ifrep_resize_plan(uint64_t cur, uint64_t want, uint32_t chunk_sectors,
		      uint64_t max_sectors, struct ifrep_resize_plan *p,
		      char *why, size_t whylen)
{
	char a[32], b[32], c[32];

	p->old_sectors = cur;
	p->new_sectors = want;
	p->old_chunks = ifrep_meta_nr_chunks(cur, chunk_sectors);
	p->new_chunks = ifrep_meta_nr_chunks(want, chunk_sectors);
	p->marked_chunks = want > cur ? p->new_chunks - cur / chunk_sectors : 0;
	if (want < cur) {
		snprintf(why, whylen, "shrinking is not supported (%s is smaller than the volume's %s)",
			 ifrep_format_bytes_exact(want << 9, a, sizeof(a)),
			 ifrep_format_bytes_exact(cur << 9, b, sizeof(b)));
		return -EINVAL;
	}
	if (want == cur)
		return RESIZE_SAME;
	if (max_sectors && want > max_sectors) {
		snprintf(why, whylen, "%s is more than the metadata's bitmap areas hold (at most %s with %s chunks: a larger volume needs new metadata)",
			 ifrep_format_bytes_exact(want << 9, a, sizeof(a)),
			 ifrep_format_bytes_exact(max_sectors << 9, b, sizeof(b)),
			 ifrep_format_bytes_exact((uint64_t)chunk_sectors << 9, c, sizeof(c)));
		return -EFBIG;
	}
	return RESIZE_GROW;
}

int ifrep_msg_resize(uint64_t sectors, char *buf, size_t len)
{
	int n = snprintf(buf, len, "resize %" PRIu64, sectors);

	return (n < 0 || (size_t)n >= len) ? -ENAMETOOLONG : 0;
}
