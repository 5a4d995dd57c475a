// SPDX-License-Identifier: GPL-2.0
/*
 * meta.c - read, validate and (for tests) write dm-ifrep superblocks.
 *
 * Layout and rules come from ifrep_meta.h and docs/on-disk-format.md: two
 * 4 KiB superblock slots at blocks 0 and 1; each carries the standard
 * CRC-32C of bytes 4..4095 (seed ~0, final inversion) XORed with
 * IFREP_SB_CSUM_XOR in its first field; the valid slot with the highest seq is current.  A
 * torn commit leaves one slot invalid, so the other one is used.
 *
 * In userspace the header's ifrep_le32/ifrep_le64 are one-member structs, so a
 * forgotten conversion does not compile; get/put helpers below are the only
 * place byte order is converted.
 */
#include "meta.h"
#include "blkdev.h"

#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/*----------------------------------------------------------------
 * Checksum
 *--------------------------------------------------------------*/

/* The kernel's ifrep_block_csum(): every block type has its own XOR. */
static uint32_t block_csum(const void *block, uint32_t xor)
{
	const uint8_t *b = block;
	size_t off = sizeof(((struct ifrep_disk_superblock *)0)->csum);

	return ~ifrep_crc32c(~0U, b + off, IFREP_META_BLOCK_SIZE - off) ^ xor;
}

uint32_t ifrep_meta_sb_checksum(const void *block)
{
	return block_csum(block, IFREP_SB_CSUM_XOR);
}

/*----------------------------------------------------------------
 * Byte order and strings
 *--------------------------------------------------------------*/

static uint32_t get32(ifrep_le32 v)
{
	return le32toh(v.le);
}

static uint64_t get64(ifrep_le64 v)
{
	return le64toh(v.le);
}

static ifrep_le32 put32(uint32_t v)
{
	ifrep_le32 r = { htole32(v) };

	return r;
}

static ifrep_le64 put64(uint64_t v)
{
	ifrep_le64 r = { htole64(v) };

	return r;
}

/* Copy a NUL-terminated on-disk string field; false if unterminated. */
static bool get_str(char *dst, const uint8_t *src, size_t len)
{
	if (!memchr(src, '\0', len))
		return false;
	memcpy(dst, src, len);
	return true;
}

static void put_str(uint8_t *dst, const char *src, size_t len)
{
	size_t n = strnlen(src, len - 1);

	memset(dst, 0, len);
	memcpy(dst, src, n);
}

/*----------------------------------------------------------------
 * Validation
 *--------------------------------------------------------------*/

bool ifrep_chunk_sectors_valid(uint64_t c)
{
	return c >= IFREP_MIN_CHUNK_SECTORS && c <= IFREP_MAX_CHUNK_SECTORS &&
		!(c & (c - 1));
}

bool ifrep_meta_data_fits(uint64_t data_bytes, uint64_t data_sectors)
{
	return data_bytes / 512 >= data_sectors;
}

uint64_t ifrep_meta_nr_chunks(uint64_t data_sectors, uint32_t chunk_sectors)
{
	return data_sectors / chunk_sectors + !!(data_sectors % chunk_sectors);
}

uint64_t ifrep_meta_blocks_needed(uint64_t nr_chunks)
{
	uint64_t per_area = nr_chunks / IFREP_BITS_PER_BITMAP_BLOCK +
		!!(nr_chunks % IFREP_BITS_PER_BITMAP_BLOCK);

	return IFREP_META_FIRST_BITMAP_BLOCK + IFREP_BITMAP_AREAS * per_area;
}

__attribute__((format(printf, 4, 5)))
static int fail(int err, char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return err;
}

static int unpack_pair(const struct ifrep_disk_pair *d, struct ifrep_meta_pair *p,
		       unsigned int slot, char *why, size_t whylen)
{
	memset(p, 0, sizeof(*p));
	p->slot = slot;
	p->flags = get32(d->flags);
	p->mode = get32(d->mode);
	if (!get_str(p->name, d->name, sizeof(d->name)) ||
	    !get_str(p->peer, d->peer, sizeof(d->peer)) ||
	    !get_str(p->secret_file, d->secret_file, sizeof(d->secret_file)))
		return fail(-EINVAL, why, whylen, "pair slot %u: unterminated string", slot);
	if (!p->name[0] || !p->peer[0])
		return fail(-EINVAL, why, whylen, "pair slot %u: empty name or peer", slot);
	if (p->mode < IFREP_MODE_SYNC || p->mode > IFREP_MODE_COPY)
		return fail(-EINVAL, why, whylen, "pair %s: unknown mode %u", p->name, p->mode);
	p->timeout_s = get32(d->timeout_s);
	p->interval_s = get32(d->interval_s);
	p->rate_bytes_per_s = get64(d->rate_bytes_per_s);
	p->sync_points = get32(d->sync_points);
	p->granule_sectors = get32(d->granule_sectors);
	p->resync_mode = get32(d->resync_mode);
	if (p->resync_mode > IFREP_PAIR_RESYNC_CHECKSUM)
		return fail(-EINVAL, why, whylen, "pair %s: unknown resync mode %u", p->name,
			    p->resync_mode);
	p->peer_generation = get64(d->peer_generation);
	p->last_sync_point = get64(d->last_sync_point);
	/* advisory: the kernel forgets one that does not fit, and so is it kept here */
	p->verify_state = get32(d->verify_state);
	p->verify_next = get64(d->verify_next);
	p->verify_differing = get64(d->verify_differing);
	p->verify_started = get64(d->verify_started);
	return 0;
}

int ifrep_meta_unpack(const void *block, unsigned int slot,
		      struct ifrep_meta *out, char *why, size_t whylen)
{
	const struct ifrep_disk_superblock *sb = block;
	struct ifrep_meta m;
	unsigned int i;
	int r;

	memset(&m, 0, sizeof(m));
	if (get64(sb->magic) != IFREP_META_MAGIC)
		return fail(-EILSEQ, why, whylen, "bad magic");
	if (get32(sb->csum) != ifrep_meta_sb_checksum(block))
		return fail(-EILSEQ, why, whylen, "checksum mismatch");
	if (get64(sb->blocknr) != slot)
		return fail(-ENOTBLK, why, whylen, "superblock copy of block %llu found in block %u",
			    (unsigned long long)get64(sb->blocknr), slot);
	m.version = get32(sb->version);
	if (!m.version)
		return fail(-EINVAL, why, whylen, "metadata version 0 is not valid");
	if (m.version > IFREP_META_VERSION)
		return fail(-EPROTO, why, whylen, "metadata version %u (this ifrepctl knows version %d)",
			    m.version, IFREP_META_VERSION);
	m.incompat_flags = get32(sb->incompat_flags);
	if (m.incompat_flags)
		return fail(-EPROTO, why, whylen, "incompatible features 0x%x that this ifrepctl does not know",
			    m.incompat_flags);

	m.slot = slot;
	m.flags = get32(sb->flags);
	m.seq = get64(sb->seq);
	memcpy(m.uuid, sb->uuid, sizeof(m.uuid));
	m.data_sectors = get64(sb->data_sectors);
	m.chunk_sectors = get32(sb->chunk_sectors);
	m.role = get32(sb->role);
	m.nr_chunks = get64(sb->nr_chunks);
	m.bitmap_blocks = get64(sb->bitmap_blocks);
	m.meta_blocks = get64(sb->meta_blocks);
	m.data_generation = get64(sb->data_generation);
	m.created = get64(sb->created);
	m.hot_chunks = get32(sb->hot_chunks);

	if (m.role != IFREP_ROLE_PRIMARY && m.role != IFREP_ROLE_SECONDARY)
		return fail(-EINVAL, why, whylen, "unknown role %u", m.role);
	if (!ifrep_chunk_sectors_valid(m.chunk_sectors))
		return fail(-EINVAL, why, whylen, "invalid chunk size of %u sectors",
			    m.chunk_sectors);
	if (!m.data_sectors)
		return fail(-EINVAL, why, whylen, "data size is zero");
	if (m.data_sectors > IFREP_META_MAX_DATA_SECTORS)
		return fail(-EINVAL, why, whylen,
			    "data size of %llu sectors is more than a block device can hold",
			    (unsigned long long)m.data_sectors);
	if (m.nr_chunks != ifrep_meta_nr_chunks(m.data_sectors, m.chunk_sectors))
		return fail(-EINVAL, why, whylen, "%llu chunks do not match the data size",
			    (unsigned long long)m.nr_chunks);
	if (!get_str(m.volume_name, sb->volume_name, sizeof(sb->volume_name)) ||
	    !get_str(m.data_path, sb->data_path, sizeof(sb->data_path)) ||
	    !get_str(m.listen, sb->listen, sizeof(sb->listen)) ||
	    !get_str(m.listen_secret_file, sb->listen_secret_file,
		     sizeof(sb->listen_secret_file)) ||
	    !get_str(m.journal_path, sb->journal_path, sizeof(sb->journal_path)) ||
	    !get_str(m.home_host, sb->home_host, sizeof(sb->home_host)))
		return fail(-EINVAL, why, whylen, "unterminated string");

	for (i = 0; i < IFREP_MAX_PAIRS; i++) {
		if (!(get32(sb->pairs[i].flags) & IFREP_PAIR_F_IN_USE))
			continue;
		r = unpack_pair(&sb->pairs[i], &m.pairs[m.nr_pairs], i, why, whylen);
		if (r)
			return r;
		m.nr_pairs++;
	}
	*out = m;
	return 0;
}

void ifrep_meta_pack(const struct ifrep_meta *m, unsigned int slot, void *block)
{
	struct ifrep_disk_superblock *sb = block;
	unsigned int i;

	memset(block, 0, IFREP_META_BLOCK_SIZE);
	sb->flags = put32(m->flags);
	sb->blocknr = put64(slot);
	sb->magic = put64(IFREP_META_MAGIC);
	sb->version = put32(m->version);
	sb->incompat_flags = put32(m->incompat_flags);
	sb->seq = put64(m->seq);
	memcpy(sb->uuid, m->uuid, sizeof(sb->uuid));
	sb->data_sectors = put64(m->data_sectors);
	sb->chunk_sectors = put32(m->chunk_sectors);
	sb->role = put32(m->role);
	sb->nr_chunks = put64(m->nr_chunks);
	sb->bitmap_blocks = put64(m->bitmap_blocks);
	sb->meta_blocks = put64(m->meta_blocks);
	sb->data_generation = put64(m->data_generation);
	sb->created = put64(m->created);
	sb->hot_chunks = put32(m->hot_chunks);
	put_str(sb->volume_name, m->volume_name, sizeof(sb->volume_name));
	put_str(sb->data_path, m->data_path, sizeof(sb->data_path));
	put_str(sb->listen, m->listen, sizeof(sb->listen));
	put_str(sb->listen_secret_file, m->listen_secret_file,
		sizeof(sb->listen_secret_file));
	put_str(sb->journal_path, m->journal_path, sizeof(sb->journal_path));
	put_str(sb->home_host, m->home_host, sizeof(sb->home_host));
	for (i = 0; i < m->nr_pairs && i < IFREP_MAX_PAIRS; i++) {
		const struct ifrep_meta_pair *p = &m->pairs[i];
		struct ifrep_disk_pair *d = &sb->pairs[p->slot < IFREP_MAX_PAIRS ? p->slot : i];

		d->flags = put32(p->flags | IFREP_PAIR_F_IN_USE);
		d->mode = put32(p->mode);
		put_str(d->name, p->name, sizeof(d->name));
		put_str(d->peer, p->peer, sizeof(d->peer));
		put_str(d->secret_file, p->secret_file, sizeof(d->secret_file));
		d->timeout_s = put32(p->timeout_s);
		d->interval_s = put32(p->interval_s);
		d->rate_bytes_per_s = put64(p->rate_bytes_per_s);
		d->sync_points = put32(p->sync_points);
		d->granule_sectors = put32(p->granule_sectors);
		d->resync_mode = put32(p->resync_mode);
		d->peer_generation = put64(p->peer_generation);
		d->last_sync_point = put64(p->last_sync_point);
		d->verify_state = put32(p->verify_state);
		d->verify_next = put64(p->verify_next);
		d->verify_differing = put64(p->verify_differing);
		d->verify_started = put64(p->verify_started);
	}
	sb->csum = put32(ifrep_meta_sb_checksum(block));
}

/*----------------------------------------------------------------
 * Classification
 *--------------------------------------------------------------*/

static bool all_zero(const uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

enum ifrep_meta_kind ifrep_meta_classify(const void *buf, struct ifrep_meta *m,
					 char *why, size_t whylen)
{
	const uint8_t *b = buf;
	struct ifrep_meta slot_meta[IFREP_META_SB_SLOTS];
	char slot_why[IFREP_META_SB_SLOTS][160];
	bool ok[IFREP_META_SB_SLOTS], magic[IFREP_META_SB_SLOTS], newer[IFREP_META_SB_SLOTS];
	unsigned int i, best = IFREP_META_SB_SLOTS;
	int r;

	if (whylen)
		why[0] = '\0';
	if (all_zero(b, IFREP_META_PROBE_SIZE))
		return META_FRESH;

	for (i = 0; i < IFREP_META_SB_SLOTS; i++) {
		const uint8_t *blk = b + (size_t)i * IFREP_META_BLOCK_SIZE;
		const struct ifrep_disk_superblock *sb = (const void *)blk;

		magic[i] = get64(sb->magic) == IFREP_META_MAGIC;
		r = ifrep_meta_unpack(blk, i, &slot_meta[i], slot_why[i], sizeof(slot_why[i]));
		ok[i] = !r;
		newer[i] = r == -EPROTO;
		if (ok[i] && (best == IFREP_META_SB_SLOTS ||
			      slot_meta[i].seq > slot_meta[best].seq))
			best = i;
	}
	/* a newer tool's commit: never read past it, never call it damaged */
	for (i = 0; i < IFREP_META_SB_SLOTS; i++) {
		if (newer[i]) {
			snprintf(why, whylen, "superblock %c: %s", 'A' + i, slot_why[i]);
			return META_NEWER;
		}
	}
	if (best < IFREP_META_SB_SLOTS) {
		*m = slot_meta[best];
		return META_VALID;
	}
	for (i = 0; i < IFREP_META_SB_SLOTS; i++) {
		if (magic[i]) {
			snprintf(why, whylen, "superblock %c: %s", 'A' + i, slot_why[i]);
			return META_DAMAGED;
		}
	}
	return META_FOREIGN;
}

int ifrep_meta_read(const char *path, struct ifrep_meta *m, char *why, size_t whylen)
{
	uint8_t buf[IFREP_META_PROBE_SIZE];
	int r;

	r = ifrep_blkdev_read_head(path, buf, sizeof(buf), why, whylen);
	if (r)
		return r;
	return (int)ifrep_meta_classify(buf, m, why, whylen);
}

/*----------------------------------------------------------------
 * Journal devices
 *--------------------------------------------------------------*/

enum ifrep_journal_kind ifrep_journal_classify(const void *buf, struct ifrep_journal_info *ji)
{
	const uint8_t *b = buf;
	bool magic = false;
	int best = -1;
	unsigned int i;

	memset(ji, 0, sizeof(*ji));
	if (all_zero(b, IFREP_META_PROBE_SIZE))
		return JOURNAL_FRESH;
	for (i = 0; i < IFREP_META_SB_SLOTS; i++) {
		const struct ifrep_disk_journal_sb *sb =
			(const void *)(b + (size_t)i * IFREP_META_BLOCK_SIZE);

		if (get64(sb->magic) != IFREP_JOURNAL_MAGIC)
			continue;
		magic = true;
		if (get32(sb->csum) != block_csum(sb, IFREP_JOURNAL_SB_CSUM_XOR) ||
		    get64(sb->blocknr) != i || get32(sb->version) != IFREP_JOURNAL_VERSION)
			continue;
		if (best < 0 || get64(sb->seq) > ji->seq) {
			best = (int)i;
			ji->seq = get64(sb->seq);
			ji->chunk_sectors = get32(sb->chunk_sectors);
			ji->nr_slots = get64(sb->nr_slots);
			ji->current_id = get64(sb->current_id);
			ji->nr_cycles = get32(sb->nr_cycles);
		}
	}
	if (best >= 0)
		return JOURNAL_VALID;
	return magic ? JOURNAL_DAMAGED : JOURNAL_FOREIGN;
}

uint64_t ifrep_journal_slots(uint64_t bytes, uint32_t chunk_sectors)
{
	uint64_t blocks = bytes / IFREP_META_BLOCK_SIZE;
	uint64_t per_slot = 1 + (uint64_t)chunk_sectors * 512 / IFREP_META_BLOCK_SIZE;

	if (blocks <= IFREP_JOURNAL_FIRST_ENTRY_BLOCK + per_slot)
		return 0;
	return (blocks - IFREP_JOURNAL_FIRST_ENTRY_BLOCK) / per_slot;
}

const struct ifrep_meta_pair *ifrep_meta_find_pair(const struct ifrep_meta *m,
						   const char *name)
{
	unsigned int i;

	for (i = 0; i < m->nr_pairs; i++)
		if (!strcmp(m->pairs[i].name, name))
			return &m->pairs[i];
	return NULL;
}
