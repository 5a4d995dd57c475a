/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-ifrep metadata: the superblock and the bitmap areas on the metadata
 * device.  This is the only code that knows the on-disk layout; everything
 * above it works on the cpu-endian struct ifrep_sb and on in-core bitmaps.
 *
 * All functions may block (they do synchronous I/O) and serialise on the
 * metadata's own mutex, so they can be called from the worker and from
 * message context alike.
 */
#ifndef DM_IFREP_METADATA_H
#define DM_IFREP_METADATA_H

#include <linux/blkdev.h>
#include "ifrep_meta.h"

struct ifrep_pair_record {
	u32 flags;
	u32 mode;
	char name[IFREP_NAME_LEN];
	char peer[IFREP_PEER_LEN];
	char secret_file[IFREP_PATH_LEN];
	u32 timeout_s;
	u32 interval_s;
	u64 rate_bytes_per_s;
	u32 sync_points;
	u32 granule_sectors;		/* 0: the default */
	u32 resync_mode;		/* IFREP_PAIR_RESYNC_* */
	u32 verify_state;		/* IFREP_PAIR_VERIFY_* */
	u64 verify_next;
	u64 verify_differing;
	u64 verify_started;
	u64 peer_generation;
	u64 last_sync_point;
	u64 last_cycle;
};

struct ifrep_sb {
	u32 flags;			/* IFREP_SB_F_* */
	u64 seq;
	u8 uuid[16];
	u64 data_sectors;
	u32 chunk_sectors;
	u32 role;
	u64 nr_chunks;
	u64 bitmap_blocks;
	u64 meta_blocks;
	u64 data_generation;
	u64 parent_generation;
	u64 created;
	char volume_name[IFREP_VOLUME_NAME_LEN];
	char data_path[IFREP_PATH_LEN];
	char listen[IFREP_ADDR_LEN];
	char listen_secret_file[IFREP_PATH_LEN];
	u8 peer_uuid[16];
	struct ifrep_pair_record pairs[IFREP_MAX_PAIRS];
	char journal_path[IFREP_PATH_LEN];
	char home_host[IFREP_HOST_LEN];	/* who may activate it automatically */
	u32 hot_chunks;			/* 0 = default */
};

/* What the constructor asks for; zero means "not given". */
struct ifrep_md_params {
	sector_t data_sectors;
	u32 chunk_sectors;
	u32 role;
	bool force_format;
	const char *volume_name;
	const char *data_path;
	const char *listen;
	bool insecure;
	struct block_device *journal;	/* secondary: async cycles' journal */
	const char *journal_path;	/* as given in the table */
	const char *home_host;		/* record this host identity (ifrepctl's) */
	u32 hot_chunks;			/* hot set size to record */
};

struct ifrep_metadata;

/**
 * ifrep_md_open() - load or format the metadata on @bdev.
 * @bdev: the metadata device, opened by the caller.
 * @params: what the table line says.
 * @error: set to a static string saying why when this fails.
 *
 * A device whose two superblock slots are all zeros is formatted; valid
 * metadata is loaded and checked against @params; anything else is refused
 * without writing, unless @params->force_format.
 *
 * Context: process, may block.
 * Return: the metadata or an ERR_PTR.
 */
struct ifrep_metadata *ifrep_md_open(struct block_device *bdev,
				     const struct ifrep_md_params *params,
				     char **error);
void ifrep_md_close(struct ifrep_metadata *md);

/**
 * ifrep_md_sb() - the in-core superblock.
 *
 * Callers change it under their own serialisation (the volume's admin
 * mutex) and then call ifrep_md_commit().
 */
struct ifrep_sb *ifrep_md_sb(struct ifrep_metadata *md);

/**
 * ifrep_md_commit() - write the in-core superblock durably.
 *
 * Flushes the metadata device (so every bitmap block written before is
 * stable), then writes the superblock to the older slot with FUA.
 * Context: process, may block.
 * Return: 0 or a negative errno; on error the on-disk state is the old one
 * and the in-core superblock is reverted to it.
 */
int ifrep_md_commit(struct ifrep_metadata *md);

/**
 * ifrep_md_read_bitmap() - read bitmap area @area into @bits.
 * @bits: nr_chunks bits, cleared and filled by this call.
 *
 * A block failing its checksum is read as all ones (with a warning).
 * Return: 0 or a negative errno for an I/O error.
 */
int ifrep_md_read_bitmap(struct ifrep_metadata *md, unsigned int area,
			 unsigned long *bits);

/**
 * ifrep_md_write_bitmap_block() - write block @index of area @area from
 * @bits, without flushing: call ifrep_md_flush() after a batch.
 */
int ifrep_md_write_bitmap_block(struct ifrep_metadata *md, unsigned int area,
				u64 index, const unsigned long *bits);
int ifrep_md_flush(struct ifrep_metadata *md);

/* The chunks the bitmap areas have room for: the most a volume grows to. */
u64 ifrep_md_chunk_capacity(struct ifrep_metadata *md);

/**
 * ifrep_md_set_size() - set a larger data size in the in-core superblock.
 *
 * Only within ifrep_md_chunk_capacity(): the layout stays as it is.  The
 * caller holds sb_lock, writes the bitmap areas, then commits; on failure
 * it sets the old size back with this function.
 * Return: 0, or -EFBIG beyond the capacity.
 */
int ifrep_md_set_size(struct ifrep_metadata *md, sector_t data_sectors);

/* Number of metadata blocks written since open (superblock + bitmap). */
u64 ifrep_md_writes(struct ifrep_metadata *md);

/* One 4 KiB block of @bdev to or from @page; blocks.  Also for the journal. */
int ifrep_md_block_io(struct block_device *bdev, struct page *page, u64 blocknr,
		   blk_opf_t opf);
/* The checksum every metadata and journal block starts with. */
u32 ifrep_md_block_csum(const void *block, u32 xor);

/* Chunks covered by one bitmap block, and which block covers a chunk. */
static inline u64 ifrep_md_block_of_chunk(u64 chunk)
{
	return div_u64(chunk, IFREP_BITS_PER_BITMAP_BLOCK);
}

#endif
