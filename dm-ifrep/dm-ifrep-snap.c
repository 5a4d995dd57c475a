// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep snapshot store: a local differential snapshot of each async or
 * copy cycle, so that a host write into a frozen chunk pays for a local
 * copy of the granules it touches instead of for the whole chunk crossing
 * the link.
 *
 * A granule of a frozen, not yet shipped chunk goes through three steps:
 * absent (the data device holds its pre-cut content), copying (kcopyd
 * copies it to the store; writes into it wait), saved (the store holds the
 * pre-cut content; writes go straight to the data device).  The shipper
 * reads a chunk from the data device and then overlays the granules that
 * are saved by then: a granule not saved when it looks cannot have been
 * written yet, because its writes wait for the copy, so what it read from
 * the data device is the pre-cut content.  Once the chunk is shipped its
 * granules leave the store.
 *
 * The store is shared by the volume's pairs and allocated in metadata
 * blocks, a granule aligned to its own size so that granules of different
 * pairs' sizes pack without splitting free space too finely.  A granule
 * the store cannot take (full, or no memory for its entry) makes the write
 * wait for its chunk to be shipped, as without a store; a full store does
 * so for the rest of the cycle, since the space comes back only as chunks
 * are shipped and a cycle that overwrites faster than it ships would
 * otherwise keep trying.  Each chunk that host writes wait for that way
 * counts once in cow_fallbacks.
 *
 * A granule dropped while its copy runs (its chunk was shipped, the cycle
 * ended) is marked dead and freed by the copy's completion, which never
 * touches the pair: the pair may be gone by then, the volume may not
 * (ifrep_snap_store_exit() waits for the copies).
 */
#include "dm-ifrep-pair.h"

#include <linux/dm-kcopyd.h>

#define DM_MSG_PREFIX "ifrep"

struct ifrep_snap_granule {
	struct rb_node node;
	struct list_head start;		/* on a writer's list until its copy starts */
	struct ifrep_volume *vol;
	struct ifrep_pair *p;		/* not to be used once dead */
	u64 index;			/* granule number on the volume */
	unsigned long block;		/* first store block */
	unsigned int nr_blocks;
	bool saved;
	bool dead;
};

int ifrep_snap_store_init(struct ifrep_volume *vol)
{
	struct ifrep_snap_store *st = &vol->store;
	sector_t size = bdev_nr_sectors(vol->meta_bdev);

	st->start = ifrep_md_sb(vol->md)->meta_blocks * IFREP_META_BLOCK_SECTORS;
	st->nr_blocks = size > st->start ? (size - st->start) / IFREP_SNAP_BLOCK_SECTORS : 0;
	st->kc = dm_kcopyd_client_create(NULL);
	if (IS_ERR(st->kc)) {
		st->kc = NULL;
		return -ENOMEM;
	}
	if (st->nr_blocks) {
		st->used = ifrep_bitmap_alloc(st->nr_blocks, false);
		if (!st->used)
			return -ENOMEM;
	}
	DMINFO("%s: snapshot store: %llu KiB on the metadata device", vol->name,
	       (u64)st->nr_blocks * IFREP_SNAP_BLOCK_SECTORS / 2);
	return 0;
}

void ifrep_snap_store_quiesce(struct ifrep_volume *vol)
{
	wait_event(vol->wait, !atomic_read(&vol->store.copying));
}

void ifrep_snap_store_exit(struct ifrep_volume *vol)
{
	struct ifrep_snap_store *st = &vol->store;

	if (st->kc)
		dm_kcopyd_client_destroy(st->kc);
	st->kc = NULL;
	ifrep_bitmap_free(st->used);
	st->used = NULL;
}

bool ifrep_snap_valid_granule(struct ifrep_volume *vol, u32 granule_sectors)
{
	return !granule_sectors ||
	       (is_power_of_2(granule_sectors) &&
		granule_sectors >= IFREP_MIN_GRANULE_SECTORS &&
		granule_sectors <= vol->chunk_sectors);
}

void ifrep_snap_init(struct ifrep_pair *p, u32 granule_sectors)
{
	struct ifrep_snap *s = &p->cycle.snap;

	if (!ifrep_snap_valid_granule(p->vol, granule_sectors) || !granule_sectors)
		granule_sectors = min_t(u32, IFREP_DEFAULT_GRANULE_SECTORS,
					p->vol->chunk_sectors);
	s->granule_sectors = granule_sectors;
	s->granule_shift = __ffs(granule_sectors);
	s->granules = RB_ROOT;
}

/*----------------------------------------------------------------
 * The map and the store's space; vol->lock held
 *--------------------------------------------------------------*/

static struct ifrep_snap_granule *__lookup(struct ifrep_snap *s, u64 index)
{
	struct rb_node *n = s->granules.rb_node;
	struct ifrep_snap_granule *g;

	while (n) {
		g = rb_entry(n, struct ifrep_snap_granule, node);
		if (index < g->index)
			n = n->rb_left;
		else if (index > g->index)
			n = n->rb_right;
		else
			return g;
	}
	return NULL;
}

/* The first granule at @index or after it, or NULL. */
static struct ifrep_snap_granule *__lookup_from(struct ifrep_snap *s, u64 index)
{
	struct rb_node *n = s->granules.rb_node;
	struct ifrep_snap_granule *g, *best = NULL;

	while (n) {
		g = rb_entry(n, struct ifrep_snap_granule, node);
		if (index <= g->index) {
			best = g;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	return best;
}

static void __insert(struct ifrep_snap *s, struct ifrep_snap_granule *new)
{
	struct rb_node **link = &s->granules.rb_node, *parent = NULL;
	struct ifrep_snap_granule *g;

	while (*link) {
		parent = *link;
		g = rb_entry(parent, struct ifrep_snap_granule, node);
		link = new->index < g->index ? &parent->rb_left : &parent->rb_right;
	}
	rb_link_node(&new->node, parent, link);
	rb_insert_color(&new->node, &s->granules);
}

static bool __alloc_blocks(struct ifrep_snap_store *st, unsigned int n,
			   unsigned long *block)
{
	unsigned long b;

	if (n > st->nr_blocks)
		return false;
	b = bitmap_find_next_zero_area(st->used, st->nr_blocks, st->cursor, n, n - 1);
	if (b + n > st->nr_blocks)
		b = bitmap_find_next_zero_area(st->used, st->nr_blocks, 0, n, n - 1);
	if (b + n > st->nr_blocks)
		return false;
	bitmap_set(st->used, b, n);
	st->cursor = b + n;
	*block = b;
	return true;
}

static void __free_blocks(struct ifrep_snap_store *st, unsigned long block, unsigned int n)
{
	bitmap_clear(st->used, block, n);
}

/* @g leaves its pair's map; its space too unless a copy still writes it. */
static void __drop(struct ifrep_pair *p, struct ifrep_snap_granule *g)
{
	struct ifrep_snap *s = &p->cycle.snap;

	rb_erase(&g->node, &s->granules);
	s->blocks -= g->nr_blocks;
	if (!g->saved) {
		g->dead = true;
		return;
	}
	__free_blocks(&p->vol->store, g->block, g->nr_blocks);
	kfree(g);
}

/* Host writes into @chunk wait for it to cross the link. */
static void __fallback(struct ifrep_pair *p, u64 chunk)
{
	if (!__test_and_set_bit(chunk, p->cycle.urgent))
		p->cycle.snap.cow_fallbacks++;
}

/*----------------------------------------------------------------
 * The write path
 *--------------------------------------------------------------*/

static struct ifrep_snap_granule *__new_granule(struct ifrep_pair *p, u64 index)
{
	struct ifrep_snap *s = &p->cycle.snap;
	struct ifrep_volume *vol = p->vol;
	struct ifrep_snap_granule *g;

	g = kmalloc(sizeof(*g), GFP_NOWAIT | __GFP_NOWARN);
	if (!g)
		return NULL;
	g->nr_blocks = s->granule_sectors / IFREP_SNAP_BLOCK_SECTORS;
	if (!__alloc_blocks(&vol->store, g->nr_blocks, &g->block)) {
		kfree(g);
		s->full = true;
		return NULL;
	}
	g->vol = vol;
	g->p = p;
	g->index = index;
	g->saved = false;
	g->dead = false;
	__insert(s, g);
	s->blocks += g->nr_blocks;
	return g;
}

bool __ifrep_snap_write(struct ifrep_pair *p, u64 chunk, sector_t sector, sector_t end,
			struct list_head *saves)
{
	struct ifrep_snap *s = &p->cycle.snap;
	u64 first = sector >> s->granule_shift, last, i;
	struct ifrep_snap_granule *g;
	bool all_saved = true;

	lockdep_assert_held(&p->vol->lock);
	if (end <= sector)
		return false;
	last = (end - 1) >> s->granule_shift;
	for (i = first; i <= last && all_saved; i++) {
		g = __lookup(s, i);
		all_saved = g && g->saved;
	}
	if (all_saved)
		return false;
	/* Already waiting for the link: a copy would not make it sooner. */
	if (s->full || test_bit(chunk, p->cycle.urgent)) {
		__fallback(p, chunk);
		return true;
	}
	for (i = first; i <= last; i++) {
		if (__lookup(s, i))
			continue;
		g = __new_granule(p, i);
		if (!g) {
			__fallback(p, chunk);
			return true;
		}
		list_add_tail(&g->start, saves);
	}
	return true;
}

static void saved_endio(int read_err, unsigned long write_err, void *context)
{
	struct ifrep_snap_granule *g = context;
	struct ifrep_volume *vol = g->vol;
	bool failed = read_err || write_err;
	unsigned long flags;

	spin_lock_irqsave(&vol->lock, flags);
	if (g->dead) {
		__free_blocks(&vol->store, g->block, g->nr_blocks);
		kfree(g);
	} else if (failed) {
		/* Its writers wait for the chunk to be shipped instead. */
		g->p->cycle.snap.full = true;
		g->saved = true;	/* so that __drop() frees it now */
		__drop(g->p, g);
	} else {
		g->saved = true;
	}
	spin_unlock_irqrestore(&vol->lock, flags);
	if (failed)
		DMERR_LIMIT("%s: snapshot store copy failed (read %d, write %lu): writes into frozen chunks wait for the link this cycle",
			    vol->name, read_err, write_err);
	ifrep_volume_unpark(vol);
	if (atomic_dec_and_test(&vol->store.copying))
		wake_up_all(&vol->wait);
}

void ifrep_snap_start(struct ifrep_volume *vol, struct list_head *saves)
{
	struct ifrep_snap_granule *g, *tmp;
	struct dm_io_region from, to;
	u32 granule_sectors;

	list_for_each_entry_safe(g, tmp, saves, start) {
		list_del(&g->start);
		/* A granule, not a whole chunk, and never past the end of the data. */
		granule_sectors = g->nr_blocks * IFREP_SNAP_BLOCK_SECTORS;
		from.bdev = vol->data_bdev;
		from.sector = g->index * granule_sectors;
		from.count = min_t(sector_t, granule_sectors, vol->data_sectors - from.sector);
		to.bdev = vol->meta_bdev;
		to.sector = vol->store.start + (sector_t)g->block * IFREP_SNAP_BLOCK_SECTORS;
		to.count = from.count;
		atomic_inc(&vol->store.copying);
		dm_kcopyd_copy(vol->store.kc, &from, 1, &to, 0, saved_endio, g);
	}
}

/*----------------------------------------------------------------
 * The shipper
 *--------------------------------------------------------------*/

void __ifrep_snap_release_chunk(struct ifrep_pair *p, u64 chunk)
{
	struct ifrep_snap *s = &p->cycle.snap;
	unsigned int shift = p->vol->chunk_shift - s->granule_shift;
	struct ifrep_snap_granule *g;
	u64 end = (chunk + 1) << shift;

	lockdep_assert_held(&p->vol->lock);
	while ((g = __lookup_from(s, chunk << shift)) && g->index < end)
		__drop(p, g);
}

void __ifrep_snap_release_all(struct ifrep_pair *p)
{
	struct ifrep_snap *s = &p->cycle.snap;
	struct rb_node *n;

	lockdep_assert_held(&p->vol->lock);
	while ((n = rb_first(&s->granules)))
		__drop(p, rb_entry(n, struct ifrep_snap_granule, node));
	s->full = false;
}

int ifrep_snap_read(struct ifrep_pair *p, sector_t sector, void *buf, unsigned int len)
{
	struct ifrep_snap *s = &p->cycle.snap;
	struct ifrep_volume *vol = p->vol;
	sector_t end = sector + (len >> SECTOR_SHIFT), g_start, from, to;
	struct ifrep_snap_granule *g;
	unsigned long block;
	bool saved;
	u64 i;
	int r;

	r = ifrep_io_vmalloc(vol->io_client, vol->data_bdev, sector, buf, len, REQ_OP_READ);
	/* Only what is saved once the data device was read counts (see top). */
	for (i = sector >> s->granule_shift; !r && (i << s->granule_shift) < end; i++) {
		spin_lock_irq(&vol->lock);
		g = __lookup(s, i);
		saved = g && g->saved;
		block = saved ? g->block : 0;
		spin_unlock_irq(&vol->lock);
		if (!saved)
			continue;
		g_start = i << s->granule_shift;
		from = max(sector, g_start);
		to = min(end, g_start + s->granule_sectors);
		r = ifrep_io_vmalloc(vol->io_client, vol->meta_bdev,
				     vol->store.start + (sector_t)block * IFREP_SNAP_BLOCK_SECTORS +
				     (from - g_start),
				     buf + ((from - sector) << SECTOR_SHIFT),
				     (to - from) << SECTOR_SHIFT, REQ_OP_READ);
	}
	return r;
}
