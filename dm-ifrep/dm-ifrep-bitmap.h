/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-ifrep change tracking storage: in-core chunk bitmaps, their areas on
 * the metadata device, the bounded hot set of marked chunks, and the sweep
 * that clears bits lazily.
 */
#ifndef DM_IFREP_BITMAP_H
#define DM_IFREP_BITMAP_H

#include <linux/bio.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct ifrep_volume;

#define IFREP_SWEEP_INTERVAL	(5 * HZ)
/*
 * Every this many sweeps (a minute) the chunks not written since the last
 * such sweep leave the hot set: an idle volume does not keep up to
 * hot_chunks chunks for a crash to resync, and a minute of quiet is long
 * enough that a hot chunk is not cleared and marked again every period.
 */
#define IFREP_HOT_IDLE_SWEEPS	12

/* A pair's bitmap area, as written; under vol->bitmap_lock. */
struct ifrep_pair_bitmap {
	unsigned long *ondisk;
	unsigned long *changed;		/* one bit per bitmap block */
	unsigned long *scratch;		/* the sweep's bits to clear */
	unsigned long *evict;		/* the mark's evicted bits to clear */
};

unsigned long *ifrep_bitmap_alloc(u64 nbits, bool set);
void ifrep_bitmap_free(unsigned long *bits);
/* Wire and disk order: little-endian 64-bit words, bit b of word w = 64w+b. */
static inline u64 ifrep_bitmap_le_bytes(u64 nbits)
{
	return DIV_ROUND_UP_ULL(nbits, 64) * 8;
}

void ifrep_bitmap_to_le(const unsigned long *bits, u64 nbits, __le64 *words);
void ifrep_bitmap_from_le(unsigned long *bits, u64 nbits, const __le64 *words);

int ifrep_bitmap_pair_init(struct ifrep_pair_bitmap *b, struct ifrep_volume *vol);
void ifrep_bitmap_pair_exit(struct ifrep_pair_bitmap *b);

/*
 * Writes all of area @area from @bits, then flushes.  NOTE: bitmap_lock
 * held.  Blocks.
 */
int ifrep_bitmap_write_area(struct ifrep_volume *vol, unsigned int area,
			    const unsigned long *bits);
/* Clears the local area on disk.  NOTE: bitmap_lock held.  Blocks. */
int ifrep_bitmap_reset_local(struct ifrep_volume *vol);

/*
 * Write-ahead marking: sets the chunks of @batch's writes in every pair's
 * area (and the local area while it tracks), writes the changed blocks
 * with one flush, and only then marks the chunks in vol->marked.  When the
 * hot set would outgrow vol->hot_max, evicts quiet chunks first: flushes
 * the targets that held them (no lock held) and clears their bits in the
 * same metadata write.  Takes bitmap_lock.  Return: 0, or -EIO when the
 * metadata is not writable.
 */
int ifrep_bitmap_mark(struct ifrep_volume *vol, struct bio_list *batch);

/* A metadata write failed: nothing new can be tracked (health "ro"). */
void ifrep_bitmap_metadata_failed(struct ifrep_volume *vol, int r);

/*
 * Clears the bits nothing needs any more (neither dirty nor marked), after
 * flushing the targets.  Hot chunks stay marked; every
 * IFREP_HOT_IDLE_SWEEPS sweeps those not written since leave the hot set,
 * and a final sweep (suspended, nothing in flight) unmarks every chunk.
 * Blocks.
 */
int ifrep_bitmap_sweep(struct ifrep_volume *vol, bool final);
/* Work function of vol->sweep_work: a sweep every IFREP_SWEEP_INTERVAL. */
void ifrep_bitmap_sweep_worker(struct work_struct *ws);

#endif
