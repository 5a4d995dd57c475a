// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep metadata device: superblock slots and bitmap areas.
 *
 * Crash safety rests on three rules:
 *  - The superblock is never overwritten in place: a commit writes the
 *    slot that does not hold the newest copy, after a flush (so bitmap
 *    blocks written before it are stable) and with FUA.  Load picks the
 *    valid slot with the highest seq, so a torn commit leaves the old one.
 *  - Bitmap blocks are written in place, but a torn or corrupt bitmap block
 *    is read back as all ones, which only costs extra resync.
 *  - Nothing is written while loading metadata that fails validation.
 *
 * Byte order is converted only in pack_sb()/unpack_sb() and in the bitmap
 * block pack/unpack helpers below.
 */
#include "dm-ifrep-metadata.h"

#include <linux/crc32c.h>
#include <linux/device-mapper.h>
#include <linux/ktime.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#define DM_MSG_PREFIX "ifrep metadata"

struct ifrep_metadata {
	struct block_device *bdev;
	struct mutex io_lock;		/* one metadata I/O at a time */
	struct ifrep_sb sb;
	struct ifrep_sb committed;	/* what is on disk */
	unsigned int newest_slot;
	struct page *page;		/* I/O buffer, one block */
	atomic64_t writes;
};

/*----------------------------------------------------------------*/

u32 ifrep_md_block_csum(const void *block, u32 xor)
{
	return ~crc32c(~0U, block + sizeof(__le32),
		       IFREP_META_BLOCK_SIZE - sizeof(__le32)) ^ xor;
}

int ifrep_md_block_io(struct block_device *bdev, struct page *page, u64 blocknr,
		   blk_opf_t opf)
{
	struct bio *bio;
	int r;

	bio = bio_alloc(bdev, 1, opf, GFP_NOIO);
	bio->bi_iter.bi_sector = blocknr * IFREP_META_BLOCK_SECTORS;
	__bio_add_page(bio, page, IFREP_META_BLOCK_SIZE, 0);
	r = submit_bio_wait(bio);
	bio_put(bio);
	return r;
}

static int block_io(struct ifrep_metadata *md, u64 blocknr, blk_opf_t opf)
{
	int r = ifrep_md_block_io(md->bdev, md->page, blocknr, opf);

	if (!r && op_is_write(opf))
		atomic64_inc(&md->writes);
	return r;
}

static void copy_str(char *dst, const u8 *src, size_t len)
{
	memcpy(dst, src, len);
	dst[len - 1] = '\0';
}

static void put_str(u8 *dst, const char *src, size_t len)
{
	memset(dst, 0, len);
	strscpy((char *)dst, src, len);
}

/*----------------------------------------------------------------
 * Superblock pack/unpack and validation
 *--------------------------------------------------------------*/

static void pack_pair(struct ifrep_disk_pair *d, const struct ifrep_pair_record *p)
{
	d->flags = cpu_to_le32(p->flags);
	d->mode = cpu_to_le32(p->mode);
	put_str(d->name, p->name, sizeof(d->name));
	put_str(d->peer, p->peer, sizeof(d->peer));
	put_str(d->secret_file, p->secret_file, sizeof(d->secret_file));
	d->timeout_s = cpu_to_le32(p->timeout_s);
	d->interval_s = cpu_to_le32(p->interval_s);
	d->rate_bytes_per_s = cpu_to_le64(p->rate_bytes_per_s);
	d->sync_points = cpu_to_le32(p->sync_points);
	d->granule_sectors = cpu_to_le32(p->granule_sectors);
	d->resync_mode = cpu_to_le32(p->resync_mode);
	d->verify_state = cpu_to_le32(p->verify_state);
	d->verify_next = cpu_to_le64(p->verify_next);
	d->verify_differing = cpu_to_le64(p->verify_differing);
	d->verify_started = cpu_to_le64(p->verify_started);
	d->peer_generation = cpu_to_le64(p->peer_generation);
	d->last_sync_point = cpu_to_le64(p->last_sync_point);
	d->last_cycle = cpu_to_le64(p->last_cycle);
}

static void unpack_pair(struct ifrep_pair_record *p, const struct ifrep_disk_pair *d)
{
	p->flags = le32_to_cpu(d->flags);
	p->mode = le32_to_cpu(d->mode);
	copy_str(p->name, d->name, sizeof(p->name));
	copy_str(p->peer, d->peer, sizeof(p->peer));
	copy_str(p->secret_file, d->secret_file, sizeof(p->secret_file));
	p->timeout_s = le32_to_cpu(d->timeout_s);
	p->interval_s = le32_to_cpu(d->interval_s);
	p->rate_bytes_per_s = le64_to_cpu(d->rate_bytes_per_s);
	p->sync_points = le32_to_cpu(d->sync_points);
	p->granule_sectors = le32_to_cpu(d->granule_sectors);
	p->resync_mode = le32_to_cpu(d->resync_mode);
	p->verify_state = le32_to_cpu(d->verify_state);
	p->verify_next = le64_to_cpu(d->verify_next);
	p->verify_differing = le64_to_cpu(d->verify_differing);
	p->verify_started = le64_to_cpu(d->verify_started);
	p->peer_generation = le64_to_cpu(d->peer_generation);
	p->last_sync_point = le64_to_cpu(d->last_sync_point);
	p->last_cycle = le64_to_cpu(d->last_cycle);
}

static void pack_sb(void *block, const struct ifrep_sb *sb, unsigned int slot)
{
	struct ifrep_disk_superblock *d = block;
	unsigned int i;

	memset(block, 0, IFREP_META_BLOCK_SIZE);
	d->flags = cpu_to_le32(sb->flags);
	d->blocknr = cpu_to_le64(slot);
	d->magic = cpu_to_le64(IFREP_META_MAGIC);
	d->version = cpu_to_le32(IFREP_META_VERSION);
	d->seq = cpu_to_le64(sb->seq);
	memcpy(d->uuid, sb->uuid, sizeof(d->uuid));
	d->data_sectors = cpu_to_le64(sb->data_sectors);
	d->chunk_sectors = cpu_to_le32(sb->chunk_sectors);
	d->role = cpu_to_le32(sb->role);
	d->nr_chunks = cpu_to_le64(sb->nr_chunks);
	d->bitmap_blocks = cpu_to_le64(sb->bitmap_blocks);
	d->meta_blocks = cpu_to_le64(sb->meta_blocks);
	d->data_generation = cpu_to_le64(sb->data_generation);
	d->parent_generation = cpu_to_le64(sb->parent_generation);
	d->created = cpu_to_le64(sb->created);
	put_str(d->volume_name, sb->volume_name, sizeof(d->volume_name));
	put_str(d->data_path, sb->data_path, sizeof(d->data_path));
	put_str(d->listen, sb->listen, sizeof(d->listen));
	put_str(d->listen_secret_file, sb->listen_secret_file,
		sizeof(d->listen_secret_file));
	memcpy(d->peer_uuid, sb->peer_uuid, sizeof(d->peer_uuid));
	for (i = 0; i < IFREP_MAX_PAIRS; i++)
		pack_pair(&d->pairs[i], &sb->pairs[i]);
	put_str(d->journal_path, sb->journal_path, sizeof(d->journal_path));
	put_str(d->home_host, sb->home_host, sizeof(d->home_host));
	d->hot_chunks = cpu_to_le32(sb->hot_chunks);
	d->csum = cpu_to_le32(ifrep_md_block_csum(block, IFREP_SB_CSUM_XOR));
}

static void unpack_sb(struct ifrep_sb *sb, const void *block)
{
	const struct ifrep_disk_superblock *d = block;
	unsigned int i;

	memset(sb, 0, sizeof(*sb));
	sb->flags = le32_to_cpu(d->flags);
	sb->seq = le64_to_cpu(d->seq);
	memcpy(sb->uuid, d->uuid, sizeof(sb->uuid));
	sb->data_sectors = le64_to_cpu(d->data_sectors);
	sb->chunk_sectors = le32_to_cpu(d->chunk_sectors);
	sb->role = le32_to_cpu(d->role);
	sb->nr_chunks = le64_to_cpu(d->nr_chunks);
	sb->bitmap_blocks = le64_to_cpu(d->bitmap_blocks);
	sb->meta_blocks = le64_to_cpu(d->meta_blocks);
	sb->data_generation = le64_to_cpu(d->data_generation);
	sb->parent_generation = le64_to_cpu(d->parent_generation);
	sb->created = le64_to_cpu(d->created);
	copy_str(sb->volume_name, d->volume_name, sizeof(sb->volume_name));
	copy_str(sb->data_path, d->data_path, sizeof(sb->data_path));
	copy_str(sb->listen, d->listen, sizeof(sb->listen));
	copy_str(sb->listen_secret_file, d->listen_secret_file,
		 sizeof(sb->listen_secret_file));
	memcpy(sb->peer_uuid, d->peer_uuid, sizeof(sb->peer_uuid));
	for (i = 0; i < IFREP_MAX_PAIRS; i++)
		unpack_pair(&sb->pairs[i], &d->pairs[i]);
	copy_str(sb->journal_path, d->journal_path, sizeof(sb->journal_path));
	copy_str(sb->home_host, d->home_host, sizeof(sb->home_host));
	sb->hot_chunks = le32_to_cpu(d->hot_chunks);
}

static u64 bitmap_blocks_for(u64 nr_chunks)
{
	return div64_u64(nr_chunks + IFREP_BITS_PER_BITMAP_BLOCK - 1,
			 IFREP_BITS_PER_BITMAP_BLOCK);
}

u64 ifrep_md_chunk_capacity(struct ifrep_metadata *md)
{
	return min_t(u64, md->sb.bitmap_blocks * IFREP_BITS_PER_BITMAP_BLOCK,
		     IFREP_MAX_CHUNKS);
}

int ifrep_md_set_size(struct ifrep_metadata *md, sector_t data_sectors)
{
	u64 nr_chunks = DIV_ROUND_UP_ULL(data_sectors, md->sb.chunk_sectors);

	if (nr_chunks > ifrep_md_chunk_capacity(md))
		return -EFBIG;
	md->sb.data_sectors = data_sectors;
	md->sb.nr_chunks = nr_chunks;
	return 0;
}

static u64 meta_blocks_for(u64 bitmap_blocks)
{
	return IFREP_META_FIRST_BITMAP_BLOCK + IFREP_BITMAP_AREAS * bitmap_blocks;
}

static bool valid_chunk_sectors(u32 chunk_sectors)
{
	return is_power_of_2(chunk_sectors) &&
	       chunk_sectors >= IFREP_MIN_CHUNK_SECTORS &&
	       chunk_sectors <= IFREP_MAX_CHUNK_SECTORS;
}

enum slot_verdict { SLOT_ZERO, SLOT_VALID, SLOT_INVALID };

/* Checks one slot read into the page; says why it is bad in *why. */
static enum slot_verdict check_slot(const void *block, unsigned int slot,
				    const char **why)
{
	const struct ifrep_disk_superblock *d = block;

	if (!memchr_inv(block, 0, IFREP_META_BLOCK_SIZE))
		return SLOT_ZERO;
	if (le64_to_cpu(d->magic) != IFREP_META_MAGIC) {
		*why = "not dm-ifrep metadata (bad magic)";
		return SLOT_INVALID;
	}
	if (le32_to_cpu(d->csum) != ifrep_md_block_csum(block, IFREP_SB_CSUM_XOR)) {
		*why = "superblock checksum mismatch";
		return SLOT_INVALID;
	}
	if (le64_to_cpu(d->blocknr) != slot) {
		*why = "superblock found in the wrong block";
		return SLOT_INVALID;
	}
	if (le32_to_cpu(d->version) != IFREP_META_VERSION) {
		*why = "unsupported metadata version";
		return SLOT_INVALID;
	}
	if (le32_to_cpu(d->incompat_flags)) {
		*why = "metadata uses features this module does not know";
		return SLOT_INVALID;
	}
	return SLOT_VALID;
}

/* Checks a loaded superblock for internal consistency. */
static const char *check_sb(const struct ifrep_sb *sb, sector_t meta_sectors)
{
	unsigned int i;

	if (sb->flags & ~IFREP_SB_KNOWN_FLAGS)
		return "metadata has unknown superblock flags";
	if (!valid_chunk_sectors(sb->chunk_sectors))
		return "metadata has an invalid chunk size";
	if (sb->role != IFREP_ROLE_PRIMARY && sb->role != IFREP_ROLE_SECONDARY)
		return "metadata has an invalid role";
	if (!sb->data_sectors ||
	    sb->nr_chunks != DIV_ROUND_UP_ULL(sb->data_sectors, sb->chunk_sectors))
		return "metadata has an inconsistent data size";
	if (sb->nr_chunks > IFREP_MAX_CHUNKS)
		return "metadata has more than 2^32 - 1 chunks";
	if (sb->bitmap_blocks != bitmap_blocks_for(sb->nr_chunks) ||
	    sb->meta_blocks != meta_blocks_for(sb->bitmap_blocks))
		return "metadata has an inconsistent layout";
	if (sb->meta_blocks * IFREP_META_BLOCK_SECTORS > meta_sectors)
		return "metadata device is smaller than its metadata";
	for (i = 0; i < IFREP_MAX_PAIRS; i++) {
		const struct ifrep_pair_record *p = &sb->pairs[i];

		if (!(p->flags & IFREP_PAIR_F_IN_USE))
			continue;
		if (p->flags & ~IFREP_PAIR_KNOWN_FLAGS)
			return "metadata pair record has unknown flags";
		if (p->mode < IFREP_MODE_SYNC || p->mode > IFREP_MODE_COPY)
			return "metadata pair record has an invalid mode";
		if (p->resync_mode > IFREP_PAIR_RESYNC_CHECKSUM)
			return "metadata pair record has an invalid resync mode";
		if (!p->name[0] || !p->peer[0])
			return "metadata pair record has no name or peer";
	}
	return NULL;
}

/*----------------------------------------------------------------
 * Bitmap blocks
 *--------------------------------------------------------------*/

#define WORDS_PER_BITMAP_BLOCK (IFREP_BITS_PER_BITMAP_BLOCK / 64)

static u64 bitmap_blocknr(const struct ifrep_sb *sb, unsigned int area, u64 index)
{
	return IFREP_META_FIRST_BITMAP_BLOCK + area * sb->bitmap_blocks + index;
}

/* Word w of an in-core bitmap of nbits bits, as 64 bits; NULL reads zeros. */
static u64 get_word64(const unsigned long *bits, u64 nbits, u64 w)
{
	u64 v = 0;
	unsigned int b;

	if (!bits || w * 64 >= nbits)
		return 0;
	if (BITS_PER_LONG == 64) {
		v = bits[w];
	} else {
		for (b = 0; b < 64; b++)
			if (w * 64 + b < nbits && test_bit(w * 64 + b, bits))
				v |= 1ULL << b;
	}
	if ((w + 1) * 64 > nbits)
		v &= (1ULL << (nbits - w * 64)) - 1;
	return v;
}

static void set_word64(unsigned long *bits, u64 nbits, u64 w, u64 v)
{
	unsigned int b;

	for (b = 0; b < 64 && w * 64 + b < nbits; b++)
		if (v & (1ULL << b))
			__set_bit(w * 64 + b, bits);
}

static void pack_bitmap_block(void *block, const struct ifrep_sb *sb,
			      unsigned int area, u64 index,
			      const unsigned long *bits)
{
	struct ifrep_disk_bitmap_header *h = block;
	__le64 *words = block + IFREP_BITMAP_HEADER_SIZE;
	u64 first_word = index * WORDS_PER_BITMAP_BLOCK;
	unsigned int i;

	memset(block, 0, IFREP_META_BLOCK_SIZE);
	h->area = cpu_to_le32(area);
	h->blocknr = cpu_to_le64(bitmap_blocknr(sb, area, index));
	h->first_chunk = cpu_to_le64(index * IFREP_BITS_PER_BITMAP_BLOCK);
	for (i = 0; i < WORDS_PER_BITMAP_BLOCK; i++)
		words[i] = cpu_to_le64(get_word64(bits, sb->nr_chunks,
						  first_word + i));
	h->csum = cpu_to_le32(ifrep_md_block_csum(block, IFREP_BITMAP_CSUM_XOR));
}

static bool unpack_bitmap_block(const void *block, const struct ifrep_sb *sb,
				unsigned int area, u64 index,
				unsigned long *bits)
{
	const struct ifrep_disk_bitmap_header *h = block;
	const __le64 *words = block + IFREP_BITMAP_HEADER_SIZE;
	u64 first_word = index * WORDS_PER_BITMAP_BLOCK;
	unsigned int i;

	if (le32_to_cpu(h->csum) != ifrep_md_block_csum(block, IFREP_BITMAP_CSUM_XOR) ||
	    le32_to_cpu(h->area) != area ||
	    le64_to_cpu(h->blocknr) != bitmap_blocknr(sb, area, index))
		return false;
	for (i = 0; i < WORDS_PER_BITMAP_BLOCK; i++)
		set_word64(bits, sb->nr_chunks, first_word + i,
			   le64_to_cpu(words[i]));
	return true;
}

int ifrep_md_read_bitmap(struct ifrep_metadata *md, unsigned int area,
			 unsigned long *bits)
{
	const struct ifrep_sb *sb = &md->sb;
	void *block = page_address(md->page);
	u64 index, first, count;
	int r = 0;

	bitmap_zero(bits, sb->nr_chunks);
	mutex_lock(&md->io_lock);
	for (index = 0; index < sb->bitmap_blocks; index++) {
		r = block_io(md, bitmap_blocknr(sb, area, index), REQ_OP_READ);
		if (r)
			break;
		if (unpack_bitmap_block(block, sb, area, index, bits))
			continue;
		first = index * IFREP_BITS_PER_BITMAP_BLOCK;
		count = min_t(u64, IFREP_BITS_PER_BITMAP_BLOCK, sb->nr_chunks - first);
		DMWARN("bitmap area %u block %llu is damaged: treating its %llu chunks as dirty",
		       area, index, count);
		bitmap_set(bits, first, count);
	}
	mutex_unlock(&md->io_lock);
	return r;
}

int ifrep_md_write_bitmap_block(struct ifrep_metadata *md, unsigned int area,
				u64 index, const unsigned long *bits)
{
	int r;

	mutex_lock(&md->io_lock);
	pack_bitmap_block(page_address(md->page), &md->sb, area, index, bits);
	r = block_io(md, bitmap_blocknr(&md->sb, area, index), REQ_OP_WRITE);
	mutex_unlock(&md->io_lock);
	return r;
}

int ifrep_md_flush(struct ifrep_metadata *md)
{
	return blkdev_issue_flush(md->bdev);
}

/*----------------------------------------------------------------
 * Commit, format, open
 *--------------------------------------------------------------*/

static int write_sb_slot(struct ifrep_metadata *md, unsigned int slot)
{
	pack_sb(page_address(md->page), &md->sb, slot);
	return block_io(md, slot, REQ_OP_WRITE | REQ_PREFLUSH | REQ_FUA);
}

int ifrep_md_commit(struct ifrep_metadata *md)
{
	unsigned int slot = md->newest_slot ^ 1;
	int r;

	mutex_lock(&md->io_lock);
	md->sb.seq++;
	r = write_sb_slot(md, slot);
	if (r) {
		md->sb = md->committed;
	} else {
		md->newest_slot = slot;
		md->committed = md->sb;
	}
	mutex_unlock(&md->io_lock);
	if (r)
		DMERR("superblock commit failed: %d", r);
	return r;
}

struct ifrep_sb *ifrep_md_sb(struct ifrep_metadata *md)
{
	return &md->sb;
}

u64 ifrep_md_writes(struct ifrep_metadata *md)
{
	return atomic64_read(&md->writes);
}

static void init_sb(struct ifrep_sb *sb, const struct ifrep_md_params *params)
{
	memset(sb, 0, sizeof(*sb));
	generate_random_uuid(sb->uuid);
	sb->data_sectors = params->data_sectors;
	sb->chunk_sectors = params->chunk_sectors ?: IFREP_DEFAULT_CHUNK_SECTORS;
	sb->role = params->role ?: IFREP_ROLE_PRIMARY;
	sb->nr_chunks = DIV_ROUND_UP_ULL(sb->data_sectors, sb->chunk_sectors);
	sb->bitmap_blocks = bitmap_blocks_for(sb->nr_chunks);
	sb->meta_blocks = meta_blocks_for(sb->bitmap_blocks);
	/* A primary's data is a lineage of its own; a secondary has none yet. */
	if (sb->role == IFREP_ROLE_PRIMARY)
		sb->data_generation = get_random_u64() ?: 1;
	sb->created = ktime_get_real_seconds();
}

/*
 * Formatting order: invalidate slot 1 (it may hold older metadata with a
 * higher seq), write every bitmap area empty, then commit slot 0.  Until
 * that last FUA write lands the device does not look like dm-ifrep
 * metadata, so a crash in between leaves nothing half-valid.
 */
static int format(struct ifrep_metadata *md, const struct ifrep_md_params *params,
		  char **error)
{
	unsigned int area;
	u64 index;
	int r;

	init_sb(&md->sb, params);
	if (md->sb.nr_chunks > IFREP_MAX_CHUNKS) {
		*error = "more than 2^32 - 1 chunks: choose a larger chunk size";
		return -EINVAL;
	}
	if (md->sb.meta_blocks * IFREP_META_BLOCK_SECTORS > bdev_nr_sectors(md->bdev)) {
		*error = "metadata device too small for this data size and chunk size";
		return -ENOSPC;
	}

	memset(page_address(md->page), 0, IFREP_META_BLOCK_SIZE);
	mutex_lock(&md->io_lock);
	r = block_io(md, 0, REQ_OP_WRITE);
	if (!r)
		r = block_io(md, 1, REQ_OP_WRITE);
	mutex_unlock(&md->io_lock);
	if (r)
		goto out_io;

	for (area = 0; area < IFREP_BITMAP_AREAS && !r; area++)
		for (index = 0; index < md->sb.bitmap_blocks && !r; index++) {
			mutex_lock(&md->io_lock);
			pack_bitmap_block(page_address(md->page), &md->sb, area,
					  index, NULL);
			r = block_io(md, bitmap_blocknr(&md->sb, area, index),
				     REQ_OP_WRITE);
			mutex_unlock(&md->io_lock);
		}
	if (r)
		goto out_io;

	md->sb.seq = 0;
	md->newest_slot = 1;
	r = ifrep_md_commit(md);
	if (r)
		goto out_io;
	DMINFO("formatted metadata: %llu chunks of %u sectors",
	       md->sb.nr_chunks, md->sb.chunk_sectors);
	return 0;

out_io:
	*error = "I/O error writing the metadata device";
	return r;
}

static int load_slots(struct ifrep_metadata *md,
		      const struct ifrep_md_params *params,
		      struct ifrep_sb *slot_sb, enum slot_verdict *verdict,
		      char **error)
{
	const char *why = NULL, *bad;
	unsigned int slot;
	int r, best = -1;

	for (slot = 0; slot < IFREP_META_SB_SLOTS; slot++) {
		mutex_lock(&md->io_lock);
		r = block_io(md, slot, REQ_OP_READ);
		if (!r) {
			verdict[slot] = check_slot(page_address(md->page), slot, &why);
			if (verdict[slot] == SLOT_VALID)
				unpack_sb(&slot_sb[slot], page_address(md->page));
		}
		mutex_unlock(&md->io_lock);
		if (r) {
			*error = "I/O error reading the metadata device";
			return r;
		}
		if (verdict[slot] == SLOT_VALID &&
		    (best < 0 || slot_sb[slot].seq > slot_sb[best].seq))
			best = slot;
	}

	if ((verdict[0] == SLOT_ZERO && verdict[1] == SLOT_ZERO) ||
	    params->force_format) {
		if (params->listen && params->role != IFREP_ROLE_SECONDARY) {
			*error = "only a secondary volume listens";
			return -EINVAL;
		}
	}
	if (verdict[0] == SLOT_ZERO && verdict[1] == SLOT_ZERO) {
		if (!params->data_sectors) {
			*error = "metadata device is empty";
			return -EINVAL;
		}
		return format(md, params, error);
	}
	if (params->force_format)
		return format(md, params, error);
	if (best < 0) {
		*error = (char *)why;
		return -EILSEQ;
	}

	md->sb = slot_sb[best];
	md->committed = md->sb;
	md->newest_slot = best;
	bad = check_sb(&md->sb, bdev_nr_sectors(md->bdev));
	if (bad) {
		*error = (char *)bad;
		return -EINVAL;
	}
	if (params->data_sectors && params->data_sectors != md->sb.data_sectors) {
		*error = "data size differs from the size recorded in the metadata";
		return -EINVAL;
	}
	if (params->chunk_sectors && params->chunk_sectors != md->sb.chunk_sectors) {
		*error = "chunk size differs from the one recorded in the metadata";
		return -EINVAL;
	}
	if (params->role && params->role != md->sb.role) {
		*error = "role differs from the one recorded in the metadata";
		return -EINVAL;
	}
	if (params->listen && md->sb.role != IFREP_ROLE_SECONDARY) {
		*error = "only a secondary volume listens";
		return -EINVAL;
	}
	if (verdict[best ^ 1] == SLOT_INVALID)
		DMWARN("superblock slot %u is damaged; using slot %u", best ^ 1, best);
	return 0;
}

static int load(struct ifrep_metadata *md, const struct ifrep_md_params *params,
		char **error)
{
	enum slot_verdict verdict[IFREP_META_SB_SLOTS];
	struct ifrep_sb *slot_sb;
	int r;

	slot_sb = kcalloc(IFREP_META_SB_SLOTS, sizeof(*slot_sb), GFP_KERNEL);
	if (!slot_sb) {
		*error = "out of memory";
		return -ENOMEM;
	}
	r = load_slots(md, params, slot_sb, verdict, error);
	kfree(slot_sb);
	return r;
}

/* Record where the volume lives now, for `ifrepctl activate --all`. */
static int refresh_hints(struct ifrep_metadata *md,
			 const struct ifrep_md_params *params)
{
	struct ifrep_sb *sb = &md->sb;
	bool changed = false;

	if (params->volume_name &&
	    strncmp(sb->volume_name, params->volume_name, sizeof(sb->volume_name))) {
		strscpy(sb->volume_name, params->volume_name, sizeof(sb->volume_name));
		changed = true;
	}
	if (params->data_path &&
	    strncmp(sb->data_path, params->data_path, sizeof(sb->data_path))) {
		strscpy(sb->data_path, params->data_path, sizeof(sb->data_path));
		changed = true;
	}
	if (params->listen &&
	    strncmp(sb->listen, params->listen, sizeof(sb->listen))) {
		strscpy(sb->listen, params->listen, sizeof(sb->listen));
		changed = true;
	}
	if (params->journal_path &&
	    strncmp(sb->journal_path, params->journal_path, sizeof(sb->journal_path))) {
		strscpy(sb->journal_path, params->journal_path, sizeof(sb->journal_path));
		changed = true;
	}
	if (params->home_host &&
	    strncmp(sb->home_host, params->home_host, sizeof(sb->home_host))) {
		strscpy(sb->home_host, params->home_host, sizeof(sb->home_host));
		changed = true;
	}
	if (params->hot_chunks && sb->hot_chunks != params->hot_chunks) {
		sb->hot_chunks = params->hot_chunks;
		changed = true;
	}
	if (params->listen && !!(sb->flags & IFREP_SB_F_INSECURE) != params->insecure) {
		sb->flags ^= IFREP_SB_F_INSECURE;
		changed = true;
	}
	return changed ? ifrep_md_commit(md) : 0;
}

struct ifrep_metadata *ifrep_md_open(struct block_device *bdev,
				     const struct ifrep_md_params *params,
				     char **error)
{
	struct ifrep_metadata *md;
	int r;

	BUILD_BUG_ON(sizeof(struct ifrep_disk_superblock) > IFREP_META_BLOCK_SIZE);
	BUILD_BUG_ON(IFREP_BITS_PER_BITMAP_BLOCK % 64);

	if (params->chunk_sectors && !valid_chunk_sectors(params->chunk_sectors)) {
		*error = "chunk size must be a power of two from 64 KiB to 1 GiB";
		return ERR_PTR(-EINVAL);
	}
	if (bdev_logical_block_size(bdev) > IFREP_META_BLOCK_SIZE) {
		*error = "metadata device block size above 4 KiB is not supported";
		return ERR_PTR(-EINVAL);
	}

	md = kzalloc(sizeof(*md), GFP_KERNEL);
	if (!md) {
		*error = "out of memory";
		return ERR_PTR(-ENOMEM);
	}
	md->bdev = bdev;
	mutex_init(&md->io_lock);
	atomic64_set(&md->writes, 0);
	md->page = alloc_page(GFP_KERNEL);
	if (!md->page) {
		*error = "out of memory";
		r = -ENOMEM;
		goto out_free;
	}

	r = load(md, params, error);
	if (r)
		goto out_page;
	r = refresh_hints(md, params);
	if (r) {
		*error = "I/O error writing the metadata device";
		goto out_page;
	}
	return md;

out_page:
	__free_page(md->page);
out_free:
	kfree(md);
	return ERR_PTR(r);
}

void ifrep_md_close(struct ifrep_metadata *md)
{
	__free_page(md->page);
	kfree(md);
}
