/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-ifrep on-disk metadata format, shared by the kernel target and by
 * ifrepctl (which reads it offline to re-activate volumes at boot).
 *
 * The metadata device is an array of 4 KiB blocks:
 *
 *   block 0, 1   superblock slots A and B.  A commit writes the whole
 *                superblock to the slot not holding the newest copy, with
 *                FUA after a flush; the valid slot with the highest seq wins
 *                at load.  A power cut leaves either the old or the new
 *                superblock, never a torn one.
 *   block 2 ...  (IFREP_MAX_PAIRS + 1) bitmap areas of bitmap_blocks each:
 *                area i < IFREP_MAX_PAIRS belongs to pair slot i, the last
 *                one (IFREP_LOCAL_SLOT) records the volume's own changes
 *                since the generation it last agreed on with its peer.
 *   meta_blocks  to the end of the device: the snapshot store of async
 *                cycles (target 1.3), scratch space whose map is in
 *                kernel memory only; nothing on disk describes it.
 *
 * A bitmap block holds (4096 - 32) * 8 chunk bits after its header.  A set
 * bit means "this chunk may differ on the target".  A bitmap block with a
 * bad checksum (a torn write) is read as all ones: resyncing a chunk too
 * many is always safe, one too few never is.
 *
 * Every integer is little-endian; byte order is converted only in the
 * pack/unpack helpers of the kernel's dm-ifrep-metadata.c and of ifrepctl.
 * Strings are NUL-padded and always NUL-terminated within their field.
 * Checksums are the standard CRC-32C (Castagnoli, as in iSCSI: initial
 * value ~0, final inversion, check value 0xe3069283 for "123456789"), XORed
 * with the block type's constant, over the whole 4 KiB block after the csum
 * field.  In the kernel that is ~crc32c(~0, p, len).  See
 * docs/on-disk-format.md.
 */
#ifndef IFREP_META_H
#define IFREP_META_H

#include "ifrep_types.h"

#define IFREP_META_MAGIC		0x3154454d50455246ULL	/* "FREPMET1" */
#define IFREP_META_VERSION		1
#define IFREP_META_BLOCK_SIZE		4096
#define IFREP_META_BLOCK_SECTORS	(IFREP_META_BLOCK_SIZE >> 9)
#define IFREP_META_SB_SLOTS		2
#define IFREP_META_FIRST_BITMAP_BLOCK	2

#define IFREP_SB_CSUM_XOR		0x1f5b3c27U
#define IFREP_BITMAP_CSUM_XOR		0x6a09e667U

#define IFREP_MAX_PAIRS			8
#define IFREP_LOCAL_SLOT		IFREP_MAX_PAIRS
#define IFREP_BITMAP_AREAS		(IFREP_MAX_PAIRS + 1)

#define IFREP_NAME_LEN			32	/* pair names */
#define IFREP_VOLUME_NAME_LEN		128	/* = DM_NAME_LEN */
#define IFREP_PEER_LEN			128
#define IFREP_PATH_LEN			128
#define IFREP_ADDR_LEN			64
#define IFREP_HOST_LEN			64	/* home_host: 63 characters */

/* Chunk size limits: a power of two from 64 KiB to 1 GiB. */
#define IFREP_MIN_CHUNK_SECTORS		128
#define IFREP_MAX_CHUNK_SECTORS		(2U * 1024 * 1024)
#define IFREP_DEFAULT_CHUNK_SECTORS	16384	/* 8 MiB */
/*
 * The most chunks a volume has: the kernel's bitmap helpers count bits in
 * an unsigned int.  At the default 8 MiB chunk that is 32 PiB of data.
 */
#define IFREP_MAX_CHUNKS		0xffffffffULL

enum ifrep_disk_role {
	IFREP_ROLE_PRIMARY = 1,
	IFREP_ROLE_SECONDARY = 2,
};

enum ifrep_disk_mode {
	IFREP_MODE_SYNC = 1,
	IFREP_MODE_ASYNC = 2,
	IFREP_MODE_COPY = 3,
};

/* ifrep_disk_pair.flags */
#define IFREP_PAIR_F_IN_USE		(1U << 0)
#define IFREP_PAIR_F_PAUSED		(1U << 1)	/* administrator paused it */
#define IFREP_PAIR_F_INITIAL_DONE	(1U << 2)	/* first full sync finished */
#define IFREP_PAIR_F_INSECURE		(1U << 3)	/* remote without a secret */
#define IFREP_PAIR_F_REMOTE		(1U << 4)	/* peer is HOST:PORT */
#define IFREP_PAIR_F_COPY_DONE		(1U << 5)	/* volume copy finished */
#define IFREP_PAIR_F_JOURNAL		(1U << 6)	/* local async: secret_file
							 * holds the journal path */
#define IFREP_PAIR_F_INTEGRITY		(1U << 7)	/* remote: authenticate the
							 * link, do not encrypt */
#define IFREP_PAIR_KNOWN_FLAGS		0xffU

/*
 * ifrep_disk_pair.resync_mode (target 1.5.0; zero, "reserved", before: a
 * module that does not know it ignores it, and writes zero back)
 */
#define IFREP_PAIR_RESYNC_DEFAULT	0	/* checksum if remote sync, else full */
#define IFREP_PAIR_RESYNC_FULL		1	/* resync copies whole chunks */
#define IFREP_PAIR_RESYNC_CHECKSUM	2	/* sends only pieces that differ */

/*
 * ifrep_disk_pair.verify_state (target 1.6.0; zero, "reserved", before,
 * like the three verify_* fields after it): the pair's last online verify,
 * so that an interrupted one resumes where it was after a reload or a
 * crash.  A module that does not know it ignores it and writes zero back:
 * the next verify then starts at the first chunk.
 */
#define IFREP_PAIR_VERIFY_NONE		0	/* none recorded */
#define IFREP_PAIR_VERIFY_UNFINISHED	1	/* running or stopped: resumes at verify_next */
#define IFREP_PAIR_VERIFY_DONE		2	/* compared every chunk */

struct ifrep_disk_pair {
	ifrep_le32 flags;
	ifrep_le32 mode;				/* enum ifrep_disk_mode */
	ifrep_u8 name[IFREP_NAME_LEN];
	ifrep_u8 peer[IFREP_PEER_LEN];		/* /dev/... or HOST:PORT */
	ifrep_u8 secret_file[IFREP_PATH_LEN];	/* remote: read by ifrepctl only;
						 * local async: journal device */
	ifrep_le32 timeout_s;			/* remote timeout threshold */
	ifrep_le32 interval_s;			/* async cycle period */
	ifrep_le64 rate_bytes_per_s;		/* resync limit, 0 = none */
	ifrep_le32 sync_points;
	ifrep_le32 granule_sectors;			/* async/copy snapshot granule,
							 * 0 = default (64 KiB) */
	ifrep_le64 peer_generation;			/* generation both last agreed on */
	ifrep_le64 last_sync_point;			/* unix time of last cut, 0 = none */
	ifrep_le64 last_cycle;			/* id of the last committed cycle */
	ifrep_le32 resync_mode;			/* sync pairs: IFREP_PAIR_RESYNC_* */
	ifrep_le32 verify_state;			/* IFREP_PAIR_VERIFY_* */
	ifrep_le64 verify_next;			/* next chunk to compare */
	ifrep_le64 verify_differing;		/* chunks found differing (marked) */
	ifrep_le64 verify_started;			/* unix time of the run's first start */
	ifrep_u8 reserved[8];
} __packed;					/* 384 bytes */

/* ifrep_disk_superblock.flags */
#define IFREP_SB_F_CONSISTENT		(1U << 0)	/* secondary: full image */
#define IFREP_SB_F_INSECURE		(1U << 1)	/* listener takes no secret */
#define IFREP_SB_F_DIVERGED		(1U << 2)	/* acked writes a peer lacks */
#define IFREP_SB_F_TRACK_LOCAL		(1U << 3)	/* promoted: local area tracks writes */
#define IFREP_SB_KNOWN_FLAGS		0xfU

struct ifrep_disk_superblock {
	ifrep_le32 csum;
	ifrep_le32 flags;
	ifrep_le64 blocknr;				/* 0 or 1: the slot */
	ifrep_le64 magic;
	ifrep_le32 version;
	ifrep_le32 incompat_flags;			/* none yet: refuse any set */
	ifrep_le64 seq;				/* commit count, newest wins */
	ifrep_u8 uuid[16];				/* volume identity */
	ifrep_le64 data_sectors;
	ifrep_le32 chunk_sectors;
	ifrep_le32 role;				/* enum ifrep_disk_role */
	ifrep_le64 nr_chunks;
	ifrep_le64 bitmap_blocks;			/* per area */
	ifrep_le64 meta_blocks;			/* blocks in use, superblocks included */
	ifrep_le64 data_generation;			/* new at promotion; 0: no data yet */
	ifrep_le64 created;				/* unix time of format */
	ifrep_u8 volume_name[IFREP_VOLUME_NAME_LEN];
	ifrep_u8 data_path[IFREP_PATH_LEN];		/* as given at last activation */
	ifrep_u8 listen[IFREP_ADDR_LEN];		/* secondary: ADDR:PORT or empty */
	ifrep_u8 listen_secret_file[IFREP_PATH_LEN];
	ifrep_u8 peer_uuid[16];			/* secondary: its primary's uuid */
	ifrep_le64 parent_generation;		/* generation this one forked from */
	/*
	 * Most chunks kept marked (the hot set), from the table's hot_chunks;
	 * 0 = the module's default (metadata of an older module, which leaves
	 * these bytes zero).
	 */
	ifrep_le32 hot_chunks;
	ifrep_u8 reserved[28];
	struct ifrep_disk_pair pairs[IFREP_MAX_PAIRS];
	ifrep_u8 journal_path[IFREP_PATH_LEN];	/* secondary: its journal device */
	/*
	 * The host that may activate the volume automatically (udev, boot):
	 * recorded from the table's home_host argument; "" = none recorded
	 * (metadata of an older module, which leaves these bytes zero).
	 */
	ifrep_u8 home_host[IFREP_HOST_LEN];
} __packed;

#define IFREP_BITMAP_HEADER_SIZE	32
#define IFREP_BITS_PER_BITMAP_BLOCK	\
	((IFREP_META_BLOCK_SIZE - IFREP_BITMAP_HEADER_SIZE) * 8)

struct ifrep_disk_bitmap_header {
	ifrep_le32 csum;
	ifrep_le32 area;				/* bitmap area (pair slot) */
	ifrep_le64 blocknr;
	ifrep_le64 first_chunk;
	ifrep_le64 reserved;
} __packed;

IFREP_STATIC_ASSERT(sizeof(struct ifrep_disk_pair) == 384, "pair record size");
IFREP_STATIC_ASSERT(sizeof(struct ifrep_disk_superblock) <= IFREP_META_BLOCK_SIZE,
		    "superblock fits one block");
IFREP_STATIC_ASSERT(sizeof(struct ifrep_disk_bitmap_header) == IFREP_BITMAP_HEADER_SIZE,
		    "bitmap header size");

#endif /* IFREP_META_H */
