/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-ifrep journal on-disk format, shared by the kernel and by userspace.
 * A journal device makes async cycles atomic where they are applied: on a
 * secondary volume (the table's journal argument) or for an async pair to
 * a local target (its journal= option).  Blocks are 4 KiB and checksummed
 * like the metadata's (ifrep_meta.h); integers are little-endian.  See
 * docs/on-disk-format.md, "Journal".
 */
#ifndef IFREP_JOURNAL_H
#define IFREP_JOURNAL_H

#include "ifrep_types.h"
#include "ifrep_meta.h"

/*
 * Layout of a journal device
 * (dm-ifrep-journal.c, docs/on-disk-format.md "Journal").
 *
 *   block 0, 1   journal superblock slots (same A/B rule as the metadata)
 *   block 2 ...  nr_slots entry blocks, then nr_slots chunk-sized slots
 *
 * Entry block i describes slot i: the chunk whose pre-cycle content slot i
 * saves.  Cycles take consecutive ring positions; a cycle being applied is
 * the newest record with IFREP_JCYCLE_F_APPLYING, and its valid entries are
 * the consecutive ones from its first position that carry its tag (the
 * journal superblock's commit count when the record was made, never
 * reused, so entries of older cycles at the same positions cannot match).
 */
#define IFREP_JOURNAL_MAGIC		0x314e524a50455246ULL	/* "FREPJRN1" */
#define IFREP_JOURNAL_VERSION		1
#define IFREP_JOURNAL_SB_CSUM_XOR	0x3c6ef372U
#define IFREP_JOURNAL_ENTRY_CSUM_XOR	0xa54ff53aU
#define IFREP_JOURNAL_MAX_CYCLES	48
#define IFREP_JOURNAL_FIRST_ENTRY_BLOCK	2

#define IFREP_JCYCLE_F_APPLYING		(1U << 0)
#define IFREP_JOURNAL_F_ROLLBACK	(1U << 0)	/* a rollback is under way */

struct ifrep_disk_jcycle {
	ifrep_le64 id;
	ifrep_le64 cut_time;
	ifrep_le64 prev_id;				/* the image before this cycle */
	ifrep_le64 prev_cut_time;
	ifrep_le64 first;				/* ring position of its first entry */
	ifrep_le64 count;				/* positions reserved (committed: used) */
	ifrep_le32 flags;
	ifrep_le32 reserved0;
	ifrep_le64 tag;				/* names its entries; never reused */
} __packed;					/* 64 bytes */

struct ifrep_disk_journal_sb {
	ifrep_le32 csum;
	ifrep_le32 flags;
	ifrep_le64 blocknr;
	ifrep_le64 magic;
	ifrep_le32 version;
	ifrep_le32 chunk_sectors;
	ifrep_le64 seq;
	ifrep_le64 nr_slots;
	ifrep_le64 slot_start;			/* first block of the slot area */
	ifrep_le64 current_id;			/* cycle of the image on the data device */
	ifrep_le64 current_cut_time;
	ifrep_le32 nr_cycles;			/* records in use, oldest first */
	ifrep_le32 reserved0;
	ifrep_le64 rollback_to;			/* flags & ROLLBACK: image being restored */
	ifrep_u8 reserved[24];
	struct ifrep_disk_jcycle cycles[IFREP_JOURNAL_MAX_CYCLES];
} __packed;

struct ifrep_disk_jentry {
	ifrep_le32 csum;
	ifrep_le32 reserved0;
	ifrep_le64 blocknr;
	ifrep_le64 tag;				/* its cycle record's tag */
	ifrep_le64 seq;				/* position within its cycle */
	ifrep_le64 chunk;
} __packed;

IFREP_STATIC_ASSERT(sizeof(struct ifrep_disk_jcycle) == 64, "journal cycle record size");
IFREP_STATIC_ASSERT(sizeof(struct ifrep_disk_journal_sb) <= IFREP_META_BLOCK_SIZE,
		    "journal superblock fits one block");

#endif /* IFREP_JOURNAL_H */
