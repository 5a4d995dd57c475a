// SPDX-License-Identifier: GPL-2.0
/* Unit tests of tools/ifrepctl/meta.c: crc32c and superblock validation. */
#include "unit.h"
#include "meta.h"

#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>

TEST(crc32c_check_value)
{
	/* standard CRC-32C check value, and the kernel's raw form of it */
	CHECK_EQ(~ifrep_crc32c(~0U, "123456789", 9), 0xe3069283U);
	CHECK_EQ(ifrep_crc32c(~0U, "123456789", 9), 0x1cf96d7cU);
	CHECK_EQ(ifrep_crc32c(~0U, "", 0), 0xffffffffU);
}

TEST(crc32c_rfc3720_vectors)
{
	uint8_t buf[32];
	unsigned int i;

	memset(buf, 0, sizeof(buf));
	CHECK_EQ(~ifrep_crc32c(~0U, buf, sizeof(buf)), 0x8a9136aaU);
	memset(buf, 0xff, sizeof(buf));
	CHECK_EQ(~ifrep_crc32c(~0U, buf, sizeof(buf)), 0x62a8ab43U);
	for (i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	CHECK_EQ(~ifrep_crc32c(~0U, buf, sizeof(buf)), 0x46dd794eU);
	for (i = 0; i < 32; i++)
		buf[i] = (uint8_t)(31 - i);
	CHECK_EQ(~ifrep_crc32c(~0U, buf, sizeof(buf)), 0x113fdb5cU);
}

TEST(superblock_checksum_is_standard_crc32c)
{
	/* reference values from an independent bitwise CRC-32C (docs/on-disk-format.md) */
	static uint8_t block[IFREP_META_BLOCK_SIZE];
	unsigned int i;

	memset(block, 0xee, 4);			/* the csum field itself is not covered */
	CHECK_EQ(ifrep_meta_sb_checksum(block), 0xb8696449U);
	for (i = 4; i < sizeof(block); i++)
		block[i] = (uint8_t)(i - 4);
	CHECK_EQ(ifrep_meta_sb_checksum(block), 0x40e2ae95U);
}

TEST(crc32c_incremental)
{
	uint32_t c = ifrep_crc32c(~0U, "1234", 4);

	CHECK_EQ(ifrep_crc32c(c, "56789", 5), ifrep_crc32c(~0U, "123456789", 9));
}

TEST(metadata_size)
{
	CHECK_EQ(ifrep_meta_blocks_needed(0), 2);
	CHECK_EQ(ifrep_meta_blocks_needed(1), 11);
	CHECK_EQ(ifrep_meta_blocks_needed(128), 11);
	CHECK_EQ(ifrep_meta_blocks_needed(32512), 11);
	CHECK_EQ(ifrep_meta_blocks_needed(32513), 20);
	CHECK_EQ(ifrep_meta_nr_chunks(2097152, 16384), 128);
	CHECK_EQ(ifrep_meta_nr_chunks(2097153, 16384), 129);
	CHECK_EQ(ifrep_meta_nr_chunks(1, 128), 1);
	CHECK(ifrep_chunk_sectors_valid(128));
	CHECK(ifrep_chunk_sectors_valid(16384));
	CHECK(ifrep_chunk_sectors_valid(2097152));
	CHECK(!ifrep_chunk_sectors_valid(64));
	CHECK(!ifrep_chunk_sectors_valid(4194304));
	CHECK(!ifrep_chunk_sectors_valid(384));
}

/* A plausible 1 GiB primary with two pairs. */
static void sample(struct ifrep_meta *m, uint64_t seq)
{
	memset(m, 0, sizeof(*m));
	m->version = IFREP_META_VERSION;
	m->seq = seq;
	memcpy(m->uuid, "0123456789abcdef", 16);
	m->data_sectors = 2097152;
	m->chunk_sectors = 16384;
	m->role = IFREP_ROLE_PRIMARY;
	m->nr_chunks = 128;
	m->bitmap_blocks = 1;
	m->meta_blocks = 11;
	m->data_generation = 1;
	m->created = 1795603200;
	strcpy(m->volume_name, "vol0");
	strcpy(m->data_path, "/dev/disk/by-id/virtio-data");
	m->nr_pairs = 2;
	m->pairs[0].slot = 0;
	m->pairs[0].flags = IFREP_PAIR_F_INITIAL_DONE;
	m->pairs[0].mode = IFREP_MODE_SYNC;
	strcpy(m->pairs[0].name, "local");
	strcpy(m->pairs[0].peer, "/dev/vdd");
	m->pairs[1].slot = 5;
	m->pairs[1].flags = IFREP_PAIR_F_REMOTE;
	m->pairs[1].mode = IFREP_MODE_ASYNC;
	strcpy(m->pairs[1].name, "dr");
	strcpy(m->pairs[1].peer, "192.0.2.7:7789");
	strcpy(m->pairs[1].secret_file, "/etc/ifrep/dr.key");
	m->pairs[1].timeout_s = 30;
	m->pairs[1].interval_s = 60;
	m->pairs[1].rate_bytes_per_s = 52428800;
	m->pairs[1].sync_points = 4;
	m->pairs[1].last_sync_point = 1795603100;
}

static uint8_t dev[IFREP_META_PROBE_SIZE];
static char why[256];

static void put_slot(const struct ifrep_meta *m, unsigned int slot)
{
	ifrep_meta_pack(m, slot, dev + (size_t)slot * IFREP_META_BLOCK_SIZE);
}

/* A device that holds nothing but @m, in @slot. */
static void only_slot(const struct ifrep_meta *m, unsigned int slot)
{
	memset(dev, 0, sizeof(dev));
	put_slot(m, slot);
}

static void corrupt(unsigned int slot, size_t off)
{
	dev[(size_t)slot * IFREP_META_BLOCK_SIZE + off] ^= 0x40;
}

/* What ifrep_meta_unpack() makes of block 0 as it is. */
static int unpack(struct ifrep_meta *out)
{
	return ifrep_meta_unpack(dev, 0, out, why, sizeof(why));
}

/* @in packed into block 0, and read back. */
static int unpack_of(const struct ifrep_meta *in, struct ifrep_meta *out)
{
	ifrep_meta_pack(in, 0, dev);
	return unpack(out);
}

static enum ifrep_meta_kind classify(struct ifrep_meta *m)
{
	memset(m, 0, sizeof(*m));
	return ifrep_meta_classify(dev, m, why, sizeof(why));
}

TEST(superblock_roundtrip)
{
	struct ifrep_meta in, out;

	sample(&in, 9);
	memset(dev, 0, sizeof(dev));
	CHECK_EQ(unpack(&out), -EILSEQ);
	CHECK_EQ(unpack_of(&in, &out), 0);
	CHECK_EQ(out.seq, 9);
	CHECK_EQ(out.data_sectors, 2097152);
	CHECK_EQ(out.chunk_sectors, 16384);
	CHECK_EQ(out.role, IFREP_ROLE_PRIMARY);
	CHECK_STR(out.volume_name, "vol0");
	CHECK_STR(out.data_path, "/dev/disk/by-id/virtio-data");
	CHECK_STR(out.listen, "");
	CHECK_EQ(out.nr_pairs, 2);
	CHECK_STR(out.pairs[1].name, "dr");
	CHECK_EQ(out.pairs[1].slot, 5);
	CHECK_STR(out.pairs[1].peer, "192.0.2.7:7789");
	CHECK_STR(out.pairs[1].secret_file, "/etc/ifrep/dr.key");
	CHECK_EQ(out.pairs[1].flags, IFREP_PAIR_F_REMOTE | IFREP_PAIR_F_IN_USE);
	CHECK_EQ(out.pairs[1].rate_bytes_per_s, 52428800);
	CHECK_EQ(out.pairs[1].sync_points, 4);
	CHECK_EQ(out.pairs[1].last_sync_point, 1795603100);
	CHECK_EQ(out.pairs[0].resync_mode, IFREP_PAIR_RESYNC_DEFAULT);
	CHECK(ifrep_meta_find_pair(&out, "local") == &out.pairs[0]);
	CHECK(ifrep_meta_find_pair(&out, "nope") == NULL);
}

/*
 * A sync pair's resync_mode (target 1.5), at byte 344 of its record: 0 the
 * default, 1 full, 2 checksum; another value is refused, as the kernel does.
 */
TEST(pair_resync_mode)
{
	struct ifrep_meta in, out;
	const uint8_t *raw = dev;
	size_t rec = offsetof(struct ifrep_disk_superblock, pairs) +
		     5 * sizeof(struct ifrep_disk_pair);

	CHECK_EQ(offsetof(struct ifrep_disk_pair, resync_mode), 344);
	sample(&in, 3);
	in.pairs[1].mode = IFREP_MODE_SYNC;
	in.pairs[1].resync_mode = IFREP_PAIR_RESYNC_CHECKSUM;
	CHECK_EQ(unpack_of(&in, &out), 0);
	CHECK_EQ(raw[rec + 344], 2);
	CHECK_EQ(out.pairs[1].resync_mode, IFREP_PAIR_RESYNC_CHECKSUM);
	CHECK(ifrep_resync_checksum(out.pairs[1].mode, out.pairs[1].flags,
				    out.pairs[1].resync_mode));
	in.pairs[1].resync_mode = IFREP_PAIR_RESYNC_FULL;
	CHECK_EQ(unpack_of(&in, &out), 0);
	CHECK_EQ(out.pairs[1].resync_mode, IFREP_PAIR_RESYNC_FULL);
	CHECK(!ifrep_resync_checksum(out.pairs[1].mode, out.pairs[1].flags,
				     out.pairs[1].resync_mode));
	/* the default: checksum for a remote sync pair only */
	CHECK(ifrep_resync_checksum(IFREP_MODE_SYNC, IFREP_PAIR_F_REMOTE,
				    IFREP_PAIR_RESYNC_DEFAULT));
	CHECK(!ifrep_resync_checksum(IFREP_MODE_SYNC, 0, IFREP_PAIR_RESYNC_DEFAULT));
	CHECK(!ifrep_resync_checksum(IFREP_MODE_ASYNC, IFREP_PAIR_F_REMOTE,
				     IFREP_PAIR_RESYNC_DEFAULT));
	in.pairs[1].resync_mode = 3;
	CHECK_EQ(unpack_of(&in, &out), -EINVAL);
	CHECK_CONTAINS(why, "pair dr: unknown resync mode 3");
}

/*
 * A pair's last online verify (target 1.6), in what was reserved after
 * resync_mode: state at 348, next chunk at 352, differing at 360, start
 * time at 368; 8 bytes stay reserved.  Zeros (an older module's) mean none.
 */
TEST(pair_verify_record)
{
	struct ifrep_meta in, out;
	const uint8_t *raw = dev;
	size_t rec = offsetof(struct ifrep_disk_superblock, pairs) +
		     5 * sizeof(struct ifrep_disk_pair);

	CHECK_EQ(offsetof(struct ifrep_disk_pair, verify_state), 348);
	CHECK_EQ(offsetof(struct ifrep_disk_pair, verify_next), 352);
	CHECK_EQ(offsetof(struct ifrep_disk_pair, verify_differing), 360);
	CHECK_EQ(offsetof(struct ifrep_disk_pair, verify_started), 368);
	CHECK_EQ(offsetof(struct ifrep_disk_pair, reserved), 376);
	sample(&in, 3);
	CHECK_EQ(unpack_of(&in, &out), 0);
	CHECK_EQ(out.pairs[1].verify_state, IFREP_PAIR_VERIFY_NONE);
	CHECK_EQ(out.pairs[1].verify_next, 0);
	in.pairs[1].verify_state = IFREP_PAIR_VERIFY_UNFINISHED;
	in.pairs[1].verify_next = 0x0102030405060708ULL;
	in.pairs[1].verify_differing = 3;
	in.pairs[1].verify_started = 1795603200;
	CHECK_EQ(unpack_of(&in, &out), 0);
	CHECK_EQ(raw[rec + 348], IFREP_PAIR_VERIFY_UNFINISHED);
	CHECK_EQ(raw[rec + 352], 0x08);			/* little-endian */
	CHECK_EQ(raw[rec + 359], 0x01);
	CHECK_EQ(raw[rec + 360], 3);
	CHECK_EQ(out.pairs[1].verify_state, IFREP_PAIR_VERIFY_UNFINISHED);
	CHECK_EQ(out.pairs[1].verify_next, 0x0102030405060708ULL);
	CHECK_EQ(out.pairs[1].verify_differing, 3);
	CHECK_EQ(out.pairs[1].verify_started, 1795603200);
	CHECK_EQ(out.pairs[0].verify_state, IFREP_PAIR_VERIFY_NONE);
}

/* A secondary's journal device, at byte 3688 after the eight pair records. */
TEST(journal_path)
{
	struct ifrep_meta in, out;
	const uint8_t *raw = dev;

	CHECK_EQ(offsetof(struct ifrep_disk_superblock, journal_path), 3688);
	sample(&in, 4);
	CHECK_EQ(unpack_of(&in, &out), 0);
	CHECK_STR(out.journal_path, "");
	in.role = IFREP_ROLE_SECONDARY;
	strcpy(in.listen, "169.254.77.2:7788");
	strcpy(in.journal_path, "/dev/disk/by-id/virtio-journal");
	CHECK_EQ(unpack_of(&in, &out), 0);
	CHECK(!memcmp(raw + 3688, "/dev/disk/by-id/virtio-journal", 31));
	CHECK_STR(out.journal_path, "/dev/disk/by-id/virtio-journal");
	CHECK_EQ(out.role, IFREP_ROLE_SECONDARY);
}

TEST(superblock_little_endian_on_disk)
{
	struct ifrep_meta m;
	const uint8_t *raw = dev;
	size_t magic = offsetof(struct ifrep_disk_superblock, magic);
	size_t seq = offsetof(struct ifrep_disk_superblock, seq);

	sample(&m, 0x0102030405060708ULL);
	only_slot(&m, 0);
	/* the magic reads "FREPMET1" byte by byte; seq is least significant byte first */
	CHECK(!memcmp(raw + magic, "FREPMET1", 8));
	CHECK_EQ(raw[seq], 0x08);
	CHECK_EQ(raw[seq + 7], 0x01);
}

TEST(fresh_and_foreign)
{
	struct ifrep_meta m;

	memset(dev, 0, sizeof(dev));
	CHECK_EQ(classify(&m), META_FRESH);
	dev[sizeof(dev) - 1] = 1;		/* anything in the first 8 KiB */
	CHECK_EQ(classify(&m), META_FOREIGN);
	memset(dev, 0, sizeof(dev));
	memcpy(dev + 1080, "\x53\xef", 2);	/* an ext4 superblock magic */
	CHECK_EQ(classify(&m), META_FOREIGN);
}

TEST(valid_single_slot)
{
	struct ifrep_meta in, m;

	sample(&in, 3);
	only_slot(&in, 0);
	CHECK_EQ(classify(&m), META_VALID);
	CHECK_EQ(m.slot, 0);
	CHECK_EQ(m.seq, 3);

	only_slot(&in, 1);
	CHECK_EQ(classify(&m), META_VALID);
	CHECK_EQ(m.slot, 1);
}

TEST(bad_magic)
{
	struct ifrep_meta in, m;

	sample(&in, 3);
	only_slot(&in, 0);
	corrupt(0, 16);				/* magic */
	CHECK_EQ(unpack(&m), -EILSEQ);
	CHECK_CONTAINS(why, "magic");
	CHECK_EQ(classify(&m), META_FOREIGN);
}

TEST(bad_checksum)
{
	struct ifrep_meta in, m;

	sample(&in, 3);
	only_slot(&in, 0);
	corrupt(0, 4000);			/* inside the checksummed area, past the struct */
	CHECK_EQ(unpack(&m), -EILSEQ);
	CHECK_CONTAINS(why, "checksum");
	CHECK_EQ(classify(&m), META_DAMAGED);
	CHECK_CONTAINS(why, "superblock A: checksum mismatch");

	put_slot(&in, 0);
	corrupt(0, 0);				/* the checksum itself */
	CHECK_EQ(classify(&m), META_DAMAGED);
}

TEST(wrong_blocknr)
{
	struct ifrep_meta in, m;

	sample(&in, 3);
	memset(dev, 0, sizeof(dev));
	ifrep_meta_pack(&in, 1, dev);		/* slot B's copy in block 0 */
	CHECK_EQ(unpack(&m), -ENOTBLK);
	CHECK_EQ(classify(&m), META_DAMAGED);
}

/* A newer format is not damage: it says so, and is never read as valid. */
TEST(newer_version)
{
	struct ifrep_meta in, m;

	sample(&in, 3);
	in.version = IFREP_META_VERSION + 1;
	only_slot(&in, 0);
	CHECK_EQ(unpack(&m), -EPROTO);
	CHECK_CONTAINS(why, "version 2");
	CHECK_EQ(classify(&m), META_NEWER);
	CHECK_STR(why, "superblock A: metadata version 2 (this ifrepctl knows version 1)");

	/* the newer tool's commit in slot B, our format's older one in A */
	sample(&in, 3);
	only_slot(&in, 0);
	in.version = IFREP_META_VERSION + 1;
	in.seq = 4;
	put_slot(&in, 1);
	CHECK_EQ(classify(&m), META_NEWER);
	CHECK_CONTAINS(why, "superblock B: metadata version 2");

	in.version = 0;
	CHECK_EQ(unpack_of(&in, &m), -EINVAL);
	only_slot(&in, 0);
	CHECK_EQ(classify(&m), META_DAMAGED);
}

TEST(incompat_flags)
{
	struct ifrep_meta in, m;

	sample(&in, 3);
	in.incompat_flags = 0x4;
	only_slot(&in, 0);
	CHECK_EQ(unpack(&m), -EPROTO);
	CHECK_CONTAINS(why, "0x4");
	CHECK_EQ(classify(&m), META_NEWER);
	CHECK_CONTAINS(why, "incompatible features 0x4");
}

/* Fuzzed: data_sectors << 9 wrapped around to a small size. */
TEST(data_size_overflow)
{
	struct ifrep_meta in, m;

	sample(&in, 3);
	in.data_sectors = (UINT64_C(1) << 55) + 8;	/* << 9 is 4096 */
	in.nr_chunks = ifrep_meta_nr_chunks(in.data_sectors, in.chunk_sectors);
	only_slot(&in, 0);
	CHECK_EQ(unpack(&m), -EINVAL);
	CHECK_CONTAINS(why, "more than a block device can hold");
	CHECK_EQ(classify(&m), META_DAMAGED);

	in.data_sectors = IFREP_META_MAX_DATA_SECTORS;
	in.nr_chunks = ifrep_meta_nr_chunks(in.data_sectors, in.chunk_sectors);
	only_slot(&in, 0);
	CHECK_EQ(classify(&m), META_VALID);

	CHECK(!ifrep_meta_data_fits(4096, (UINT64_C(1) << 55) + 8));
	CHECK(!ifrep_meta_data_fits(4096, UINT64_MAX));
	CHECK(ifrep_meta_data_fits(4096, 8));
	CHECK(ifrep_meta_data_fits(4096 + 511, 8));
	CHECK(!ifrep_meta_data_fits(4095, 8));
	CHECK(ifrep_meta_data_fits(UINT64_MAX, UINT64_MAX / 512));
}

TEST(inconsistent_contents)
{
	struct ifrep_meta in, m;

	sample(&in, 3);
	in.role = 7;
	CHECK_EQ(unpack_of(&in, &m), -EINVAL);

	sample(&in, 3);
	in.chunk_sectors = 1000;
	CHECK_EQ(unpack_of(&in, &m), -EINVAL);

	sample(&in, 3);
	in.nr_chunks = 127;
	CHECK_EQ(unpack_of(&in, &m), -EINVAL);

	sample(&in, 3);
	in.pairs[0].mode = 9;
	CHECK_EQ(unpack_of(&in, &m), -EINVAL);
	CHECK_CONTAINS(why, "mode");
}

/* The checksum of block 0 made right again: only what was changed is wrong. */
static void reseal(void)
{
	struct ifrep_disk_superblock *sb = (void *)dev;
	uint32_t c = htole32(ifrep_meta_sb_checksum(dev));

	memcpy(&sb->csum, &c, sizeof(c));
}

TEST(unterminated_string)
{
	struct ifrep_meta in, m;
	struct ifrep_disk_superblock *sb = (void *)dev;

	sample(&in, 3);
	ifrep_meta_pack(&in, 0, dev);
	memset(sb->volume_name, 'x', sizeof(sb->volume_name));
	reseal();
	CHECK_EQ(unpack(&m), -EINVAL);
	CHECK_CONTAINS(why, "unterminated");
	ifrep_meta_pack(&in, 0, dev);
	memset(sb->journal_path, 'j', sizeof(sb->journal_path));
	reseal();
	CHECK_EQ(unpack(&m), -EINVAL);
	CHECK_CONTAINS(why, "unterminated");
}

TEST(newest_slot_wins)
{
	struct ifrep_meta a, b, m;

	sample(&a, 5);
	sample(&b, 6);
	strcpy(b.volume_name, "newer");
	only_slot(&a, 0);
	put_slot(&b, 1);
	CHECK_EQ(classify(&m), META_VALID);
	CHECK_EQ(m.slot, 1);
	CHECK_STR(m.volume_name, "newer");

	a.seq = 7;
	put_slot(&a, 0);
	CHECK_EQ(classify(&m), META_VALID);
	CHECK_EQ(m.slot, 0);
	CHECK_EQ(m.seq, 7);
}

TEST(torn_slot_falls_back)
{
	struct ifrep_meta a, b, m;

	sample(&a, 5);
	sample(&b, 6);
	only_slot(&a, 0);
	put_slot(&b, 1);
	corrupt(1, 2048);			/* torn write of the newer slot */
	CHECK_EQ(classify(&m), META_VALID);
	CHECK_EQ(m.slot, 0);
	CHECK_EQ(m.seq, 5);

	put_slot(&b, 1);
	corrupt(0, 100);			/* the older slot torn: newer still wins */
	CHECK_EQ(classify(&m), META_VALID);
	CHECK_EQ(m.slot, 1);

	corrupt(1, 100);			/* both torn: damaged, not fresh or foreign */
	CHECK_EQ(classify(&m), META_DAMAGED);
}

/* A journal superblock as the kernel writes it (dm-ifrep-journal.c pack_sb). */
static void put_journal_sb(uint8_t *buf, unsigned int slot, uint64_t seq,
			   uint32_t chunk_sectors, uint64_t nr_slots)
{
	struct ifrep_disk_journal_sb *d =
		(void *)(buf + (size_t)slot * IFREP_META_BLOCK_SIZE);
	uint32_t c;

	memset(d, 0, IFREP_META_BLOCK_SIZE);
	d->blocknr.le = htole64(slot);
	d->magic.le = htole64(IFREP_JOURNAL_MAGIC);
	d->version.le = htole32(IFREP_JOURNAL_VERSION);
	d->chunk_sectors.le = htole32(chunk_sectors);
	d->seq.le = htole64(seq);
	d->nr_slots.le = htole64(nr_slots);
	d->slot_start.le = htole64(IFREP_JOURNAL_FIRST_ENTRY_BLOCK + nr_slots);
	d->current_id.le = htole64(seq * 10);
	d->nr_cycles.le = htole32(2);
	c = ~ifrep_crc32c(~0U, (uint8_t *)d + 4, IFREP_META_BLOCK_SIZE - 4) ^
		IFREP_JOURNAL_SB_CSUM_XOR;
	d->csum.le = htole32(c);
}

TEST(journal_classify)
{
	static uint8_t j[IFREP_META_PROBE_SIZE];
	struct ifrep_journal_info ji;

	memset(j, 0, sizeof(j));
	CHECK_EQ(ifrep_journal_classify(j, &ji), JOURNAL_FRESH);
	j[5000] = 1;
	CHECK_EQ(ifrep_journal_classify(j, &ji), JOURNAL_FOREIGN);
	put_journal_sb(j, 0, 7, 16384, 30);
	CHECK_EQ(ifrep_journal_classify(j, &ji), JOURNAL_VALID);
	CHECK_EQ(ji.seq, 7);
	CHECK_EQ(ji.chunk_sectors, 16384);
	CHECK_EQ(ji.nr_slots, 30);
	CHECK_EQ(ji.current_id, 70);
	CHECK_EQ(ji.nr_cycles, 2);
	/* the newer slot wins; a torn one is passed over */
	put_journal_sb(j, 1, 8, 16384, 30);
	CHECK_EQ(ifrep_journal_classify(j, &ji), JOURNAL_VALID);
	CHECK_EQ(ji.seq, 8);
	j[IFREP_META_BLOCK_SIZE + 100] ^= 1;
	CHECK_EQ(ifrep_journal_classify(j, &ji), JOURNAL_VALID);
	CHECK_EQ(ji.seq, 7);
	j[100] ^= 1;
	CHECK_EQ(ifrep_journal_classify(j, &ji), JOURNAL_DAMAGED);
	/* dm-ifrep metadata is not a journal */
	memset(j, 0, sizeof(j));
	{
		struct ifrep_meta m;

		sample(&m, 1);
		ifrep_meta_pack(&m, 0, j);
	}
	CHECK_EQ(ifrep_journal_classify(j, &ji), JOURNAL_FOREIGN);
}

TEST(journal_slots)
{
	/* 8 MiB chunks: 2 superblocks, then 1 entry block + 2048 blocks per slot */
	CHECK_EQ(ifrep_journal_slots(0, 16384), 0);
	CHECK_EQ(ifrep_journal_slots((2 + 2049) * 4096ULL, 16384), 0);
	CHECK_EQ(ifrep_journal_slots((3 + 2049) * 4096ULL, 16384), 1);
	CHECK_EQ(ifrep_journal_slots(64ULL << 20, 16384), 7);
	CHECK_EQ(ifrep_journal_slots(1ULL << 30, 16384), (262144 - 2) / 2049);
	/* 64 KiB chunks */
	CHECK_EQ(ifrep_journal_slots(1ULL << 20, 128), (256 - 2) / 17);
}
