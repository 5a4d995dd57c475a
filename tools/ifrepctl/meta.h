/* SPDX-License-Identifier: GPL-2.0 */
/*
 * meta.h - offline access to the dm-ifrep metadata superblock
 * (dm-ifrep/include/ifrep_meta.h), for activate and create.
 *
 * This is the only place in ifrepctl that converts on-disk byte order:
 * ifrep_meta_unpack() turns a superblock into struct ifrep_meta,
 * ifrep_meta_pack() does the reverse (tests and future tools).
 */
#ifndef IFREPCTL_META_H
#define IFREPCTL_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crc32c.h"
#include "ifrep_journal.h"
#include "ifrep_meta.h"

/* Bytes read to classify a metadata device: both superblock slots. */
#define IFREP_META_PROBE_SIZE	(IFREP_META_SB_SLOTS * IFREP_META_BLOCK_SIZE)

enum ifrep_meta_kind {
	META_FRESH,		/* the first 8 KiB are all zeros */
	META_VALID,		/* dm-ifrep metadata with a usable superblock */
	META_DAMAGED,		/* dm-ifrep magic, but no usable superblock */
	META_FOREIGN,		/* anything else */
	META_NEWER,		/* a sound superblock of a newer format (version or
				 * incompat features this ifrepctl does not know) */
};

/*
 * The largest data size a superblock may record: a block device's size in
 * bytes is a signed 64-bit number (loff_t), so bytes = sectors << 9 can
 * never overflow for a superblock that unpacks.
 */
#define IFREP_META_MAX_DATA_SECTORS	((uint64_t)INT64_MAX >> 9)

struct ifrep_meta_pair {
	unsigned int slot;			/* index in the superblock */
	uint32_t flags;				/* IFREP_PAIR_F_* */
	uint32_t mode;				/* enum ifrep_disk_mode */
	char name[IFREP_NAME_LEN];
	char peer[IFREP_PEER_LEN];
	char secret_file[IFREP_PATH_LEN];
	uint32_t timeout_s;
	uint32_t interval_s;
	uint64_t rate_bytes_per_s;
	uint32_t sync_points;
	uint32_t granule_sectors;		/* 0: the default (64 KiB) */
	uint32_t resync_mode;			/* IFREP_PAIR_RESYNC_*: 0 = the default */
	uint64_t peer_generation;
	uint64_t last_sync_point;
	/* The pair's last online verify (target 1.6): IFREP_PAIR_VERIFY_*, 0 = none. */
	uint32_t verify_state;
	uint64_t verify_next;			/* chunk an unfinished one goes on at */
	uint64_t verify_differing;
	uint64_t verify_started;		/* unix time */
};

/*
 * Whether activating the volume reads this pair's recorded secret file: a
 * remote pair's, unless it is a finished copy (it never connects again,
 * and its secret may be gone).
 */
static inline bool ifrep_meta_pair_reads_secret(const struct ifrep_meta_pair *p)
{
	return (p->flags & IFREP_PAIR_F_REMOTE) && p->secret_file[0] &&
	       !(p->mode == IFREP_MODE_COPY && (p->flags & IFREP_PAIR_F_INITIAL_DONE));
}

/*
 * Whether a pair resyncs by checksum (pair_add resync=, the record's
 * resync_mode, target 1.5): a remote sync pair unless it was added with
 * resync=full.  The kernel decides the same from the record (the pair's
 * resync.checksum in dm-ifrep-pairs.c).
 */
static inline bool ifrep_resync_checksum(uint32_t mode, uint32_t flags, uint32_t resync_mode)
{
	return mode == IFREP_MODE_SYNC && (flags & IFREP_PAIR_F_REMOTE) &&
	       resync_mode != IFREP_PAIR_RESYNC_FULL;
}

struct ifrep_meta {
	unsigned int slot;			/* superblock slot used */
	uint32_t flags;
	uint32_t version;
	uint32_t incompat_flags;
	uint64_t seq;
	uint8_t uuid[16];
	uint64_t data_sectors;
	uint32_t chunk_sectors;
	uint32_t role;				/* enum ifrep_disk_role */
	uint64_t nr_chunks;
	uint64_t bitmap_blocks;
	uint64_t meta_blocks;
	uint64_t data_generation;
	uint64_t created;
	uint32_t hot_chunks;			/* primary: the hot set; 0 = the module's default */
	char volume_name[IFREP_VOLUME_NAME_LEN];
	char data_path[IFREP_PATH_LEN];
	char listen[IFREP_ADDR_LEN];
	char listen_secret_file[IFREP_PATH_LEN];
	unsigned int nr_pairs;			/* pairs in use, packed below */
	struct ifrep_meta_pair pairs[IFREP_MAX_PAIRS];
	char journal_path[IFREP_PATH_LEN];	/* secondary: journal device, "" if none */
	char home_host[IFREP_HOST_LEN];		/* who may auto-activate it; "" if none */
};

/**
 * ifrep_meta_sb_checksum() - the standard CRC-32C of bytes 4..4095 (seed ~0,
 * final inversion: ~ifrep_crc32c(~0, block + 4, 4092)) ^ IFREP_SB_CSUM_XOR,
 * as docs/on-disk-format.md specifies.
 */
uint32_t ifrep_meta_sb_checksum(const void *block);

/**
 * ifrep_meta_unpack() - validate one 4 KiB superblock slot and unpack it.
 * Return: 0; -EILSEQ for a bad magic or checksum; -ENOTBLK when blocknr is
 * not @slot; -EPROTO for a newer format (a version above
 * IFREP_META_VERSION, or incompat flags); -EINVAL for version 0 and for
 * contents that contradict themselves.  @why says which.
 */
int ifrep_meta_unpack(const void *block, unsigned int slot,
		      struct ifrep_meta *m, char *why, size_t whylen);

/**
 * ifrep_meta_pack() - write @m as superblock slot @slot into @block
 * (4 KiB, zero-filled first), including its checksum.
 */
void ifrep_meta_pack(const struct ifrep_meta *m, unsigned int slot, void *block);

/**
 * ifrep_meta_classify() - decide what the first IFREP_META_PROBE_SIZE bytes
 * of a metadata device hold; for META_VALID fill @m from the valid slot
 * with the highest seq.  For META_DAMAGED and META_NEWER, @why names the
 * problem.  A slot of a newer format makes the device META_NEWER even when
 * the other slot is valid: it is the newer tool's latest commit, and the
 * older slot is stale.
 */
enum ifrep_meta_kind ifrep_meta_classify(const void *buf, struct ifrep_meta *m,
					 char *why, size_t whylen);

/**
 * ifrep_meta_read() - read and classify the metadata device at @path
 * (O_DIRECT, so the kernel's latest writes are seen).
 * Return: kind >= 0, or a negative errno with @why filled in.
 */
int ifrep_meta_read(const char *path, struct ifrep_meta *m, char *why, size_t whylen);

/** ifrep_meta_blocks_needed() - 4 KiB blocks for a volume of @nr_chunks. */
uint64_t ifrep_meta_blocks_needed(uint64_t nr_chunks);

/**
 * ifrep_meta_data_fits() - true if a data device of @data_bytes holds the
 * @data_sectors a superblock records (compared in sectors: no overflow).
 */
bool ifrep_meta_data_fits(uint64_t data_bytes, uint64_t data_sectors);

/** ifrep_meta_nr_chunks() - chunks covering @data_sectors. */
uint64_t ifrep_meta_nr_chunks(uint64_t data_sectors, uint32_t chunk_sectors);

/** ifrep_chunk_sectors_valid() - a power of two from 64 KiB to 1 GiB. */
bool ifrep_chunk_sectors_valid(uint64_t chunk_sectors);

/*
 * A secondary's journal device (ifrep_meta.h, "Journal"): ifrepctl only
 * classifies it and sizes it; the kernel formats a journal whose first two
 * blocks are zeros.
 */
enum ifrep_journal_kind {
	JOURNAL_FRESH,		/* the first 8 KiB are all zeros */
	JOURNAL_VALID,		/* a dm-ifrep journal with a usable superblock */
	JOURNAL_DAMAGED,	/* the journal magic, but no usable superblock */
	JOURNAL_FOREIGN,	/* anything else */
};

struct ifrep_journal_info {
	uint64_t seq;
	uint32_t chunk_sectors;
	uint64_t nr_slots;		/* chunks it can save */
	uint64_t current_id;		/* sync point of the data device's image */
	uint32_t nr_cycles;		/* records: sync points besides the current one */
};

/**
 * ifrep_journal_classify() - what the first IFREP_META_PROBE_SIZE bytes of
 * a journal device hold (the kernel's rules: magic, checksum, block number
 * and version; the newest valid slot wins); @ji is filled for JOURNAL_VALID.
 */
enum ifrep_journal_kind ifrep_journal_classify(const void *buf, struct ifrep_journal_info *ji);

/**
 * ifrep_journal_slots() - chunks a fresh journal of @bytes can save with
 * @chunk_sectors chunks (each takes a 4 KiB entry block and a chunk); 0 when
 * it cannot hold even one, which the kernel refuses.
 */
uint64_t ifrep_journal_slots(uint64_t bytes, uint32_t chunk_sectors);

/** ifrep_meta_find_pair() - the pair named @name, or NULL. */
const struct ifrep_meta_pair *ifrep_meta_find_pair(const struct ifrep_meta *m,
						   const char *name);

#endif /* IFREPCTL_META_H */
