// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep sessions of a secondary: what a primary sends is applied here.
 *
 * DATA is written to the data device with the flags it carries
 * (REQ_PREFLUSH, REQ_FUA) and acknowledged once its bios completed; FLUSH
 * flushes; SYNC_STATE waits until every write is in, flushes, and records
 * whether the volume now holds a complete image; CYCLE_BEGIN/COMMIT drive
 * the journal; CSUM reads and checksums; COMPARE reads and compares a
 * range's SHA-256 with the primary's; DISCARD and WRITE_ZEROES discard or
 * zero a range.  Anything malformed (bad checksum, impossible length,
 * out-of-range sector, unknown or unexpected type) ends the session with a
 * rate-limited log line and nothing written.
 * The listener, authentication and attach are dm-ifrep-receiver.c.
 */
#include "dm-ifrep-bitmap.h"
#include "dm-ifrep-journal.h"
#include "dm-ifrep-session.h"

#include <crypto/sha2.h>
#include <linux/crc32c.h>
#include <linux/sched/mm.h>
#include <linux/vmalloc.h>

#define DM_MSG_PREFIX "ifrep"

#define MAX_INFLIGHT_BYTES	(32L << 20)
#define BW_CHUNK		(64 * 1024)
#define BW_IDLE_LIMIT		(30 * HZ)

struct rx_write {
	struct list_head list;
	struct ifrep_session *s;
	u64 id;
	atomic_t pending;
	blk_status_t status;
	u32 bytes;
	ktime_t submitted, completed;	/* for the "timing" message */
	unsigned int nr_pages;
	struct page *pages[];
};

/*----------------------------------------------------------------
 * Writes and their acknowledgements
 *--------------------------------------------------------------*/

static void free_rx_write(struct rx_write *w)
{
	unsigned int i;

	for (i = 0; i < w->nr_pages; i++)
		if (w->pages[i])
			__free_page(w->pages[i]);
	kvfree(w);
}

void ifrep_session_ack_worker(struct work_struct *ws)
{
	struct ifrep_session *s = container_of(ws, struct ifrep_session, ack_work);
	struct ifrep_wire_ack ack = { 0 };
	struct ifrep_payload pl = { .fixed = &ack, .fixed_len = sizeof(ack) };
	struct rx_write *w, *tmp;
	LIST_HEAD(done);

	spin_lock_irq(&s->lock);
	list_splice_init(&s->acks, &done);
	spin_unlock_irq(&s->lock);

	list_for_each_entry_safe(w, tmp, &done, list) {
		list_del(&w->list);
		if (!READ_ONCE(s->dead)) {
			ack.status = cpu_to_be32(w->status ? EIO : 0);
			if (ifrep_conn_send(s->conn, IFREP_MSG_ACK, 0, w->id, &pl)) {
				WRITE_ONCE(s->dead, true);
				ifrep_transport_shutdown(s->conn->stream);
			} else if (w->bytes && !w->status) {
				struct ifrep_write_timing *t = &s->l->vol->timing;

				atomic64_inc(&t->rx_writes);
				ifrep_timing_add(&t->rx_disk_ns, w->submitted, w->completed);
				ifrep_timing_add(&t->rx_ack_ns, w->completed, ktime_get());
			}
		}
		atomic_long_sub(w->bytes, &s->inflight_bytes);
		free_rx_write(w);
		atomic_dec(&s->inflight);
		wake_up_all(&s->wait);
	}
}

/*
 * The write goes to the acknowledgements.  The work is queued before
 * s->lock is dropped: once the ack worker took the write off the list, the
 * session may end and be freed, and nothing here may touch it any more.
 */
static void write_done(struct ifrep_session *s, struct rx_write *w)
{
	unsigned long flags;

	spin_lock_irqsave(&s->lock, flags);
	list_add_tail(&w->list, &s->acks);
	queue_work(s->l->ack_wq, &s->ack_work);
	spin_unlock_irqrestore(&s->lock, flags);
}

static void rx_endio(struct bio *bio)
{
	struct rx_write *w = bio->bi_private;

	if (bio->bi_status)
		w->status = bio->bi_status;
	bio_put(bio);
	if (atomic_dec_and_test(&w->pending)) {
		w->completed = ktime_get();
		write_done(w->s, w);
	}
}

static struct rx_write *alloc_rx_write(struct ifrep_session *s, u64 id, u32 bytes)
{
	unsigned int i, nr = DIV_ROUND_UP(bytes, PAGE_SIZE), noio;
	struct rx_write *w;

	/* In a NOIO scope kvzalloc() may fall back to vmalloc (GFP_NOIO may not). */
	noio = memalloc_noio_save();
	w = kvzalloc(struct_size(w, pages, nr), GFP_KERNEL);
	memalloc_noio_restore(noio);
	if (!w)
		return NULL;
	w->s = s;
	w->id = id;
	w->bytes = bytes;
	w->nr_pages = nr;
	for (i = 0; i < nr; i++) {
		w->pages[i] = alloc_page(GFP_NOIO);
		if (!w->pages[i]) {
			free_rx_write(w);
			return NULL;
		}
	}
	return w;
}

/* Submits @w's pages at @sector (or an empty flush when it has none). */
static void submit_rx_write(struct ifrep_session *s, struct rx_write *w,
			    sector_t sector, blk_opf_t opf)
{
	struct block_device *bdev = s->l->vol->data_bdev;
	unsigned int i = 0, n, len, left = w->bytes;
	struct bio *bio;

	atomic_set(&w->pending, 1);
	atomic_inc(&s->inflight);
	atomic_long_add(w->bytes, &s->inflight_bytes);
	w->submitted = ktime_get();
	do {
		n = min_t(unsigned int, w->nr_pages - i, BIO_MAX_VECS);
		bio = bio_alloc(bdev, n, REQ_OP_WRITE | opf, GFP_NOIO);
		bio->bi_iter.bi_sector = sector;
		bio->bi_private = w;
		bio->bi_end_io = rx_endio;
		for (; n; n--, i++) {
			len = min_t(unsigned int, left, PAGE_SIZE);
			__bio_add_page(bio, w->pages[i], len, 0);
			left -= len;
			sector += len >> SECTOR_SHIFT;
		}
		atomic_inc(&w->pending);
		submit_bio(bio);
	} while (i < w->nr_pages);
	/* Drop the submitter's count; the last bio completes the write. */
	if (atomic_dec_and_test(&w->pending)) {
		w->completed = ktime_get();
		write_done(s, w);
	}
}

/* Inside a cycle, what a write overwrites is saved first. */
static int journal_range(struct ifrep_volume *vol, sector_t sector, sector_t nr)
{
	u64 chunk, last;
	int r = 0;

	if (!vol->journal || !ifrep_journal_applying(vol->journal))
		return 0;
	last = ifrep_chunk_of(vol, sector + nr - 1);
	for (chunk = ifrep_chunk_of(vol, sector); chunk <= last && !r; chunk++)
		r = ifrep_journal_save(vol->journal, chunk);
	if (r)
		DMERR_LIMIT("%s: cannot journal chunk %llu (%d): cycle dropped",
			    vol->name, chunk - 1, r);
	return r;
}

static int handle_data(struct ifrep_session *s, struct ifrep_msg *msg)
{
	struct ifrep_volume *vol = s->l->vol;
	struct ifrep_wire_data data;
	struct rx_write *w;
	u32 bytes = msg->length - sizeof(data);
	blk_opf_t opf = 0;
	sector_t sector;
	int r;

	r = ifrep_conn_recv_payload(s->conn, msg, &data, sizeof(data));
	if (r)
		return r;
	sector = be64_to_cpu(data.sector);
	if (bytes % SECTOR_SIZE) {
		DMERR_LIMIT("%s: %s: write of %u bytes, not whole sectors",
			    vol->name, s->conn->stream->peer, bytes);
		return -EPROTO;
	}
	if (sector >= vol->data_sectors ||
	    (bytes >> SECTOR_SHIFT) > vol->data_sectors - sector) {
		DMERR_LIMIT("%s: %s: write outside the volume (sector %llu, %u bytes)",
			    vol->name, s->conn->stream->peer, (u64)sector, bytes);
		return -EPROTO;
	}
	wait_event(s->wait, atomic_long_read(&s->inflight_bytes) < MAX_INFLIGHT_BYTES);
	w = alloc_rx_write(s, msg->id, bytes);
	if (!w)
		return -ENOMEM;
	r = ifrep_conn_recv_pages(s->conn, msg, w->pages, bytes);
	if (r)
		goto out_free;
	r = ifrep_conn_recv_end(msg);
	if (r) {
		DMERR_LIMIT("%s: %s: checksum mismatch: write dropped", vol->name,
			    s->conn->stream->peer);
		goto out_free;
	}
	if (msg->flags & IFREP_DATA_PREFLUSH)
		opf |= REQ_PREFLUSH;
	if (msg->flags & IFREP_DATA_FUA)
		opf |= REQ_FUA;
	r = journal_range(vol, sector, bytes >> SECTOR_SHIFT);
	if (r)
		goto out_free;
	submit_rx_write(s, w, sector, opf);
	return 0;

out_free:
	free_rx_write(w);
	return r;
}

static int handle_flush(struct ifrep_session *s, struct ifrep_msg *msg)
{
	struct rx_write *w;
	struct bio *bio;

	w = kvzalloc(sizeof(*w), GFP_NOIO);
	if (!w)
		return -ENOMEM;
	w->s = s;
	w->id = msg->id;
	atomic_set(&w->pending, 1);
	atomic_inc(&s->inflight);
	bio = bio_alloc(s->l->vol->data_bdev, 0, REQ_OP_WRITE | REQ_PREFLUSH, GFP_NOIO);
	bio->bi_private = w;
	bio->bi_end_io = rx_endio;
	submit_bio(bio);
	return 0;
}

/*
 * DISCARD and WRITE_ZEROES: done as a local target does them
 * (ifrep_io_extent_bios()), and acknowledged like a write once the last
 * of their chained bios completed.
 */
static int handle_extent(struct ifrep_session *s, struct ifrep_msg *msg)
{
	struct ifrep_volume *vol = s->l->vol;
	struct ifrep_wire_extent ext;
	struct bio *chain = NULL;
	struct rx_write *w;
	sector_t sector, nr;
	u32 bytes;
	int r;

	r = ifrep_conn_recv_payload(s->conn, msg, &ext, sizeof(ext)) ?:
	    ifrep_conn_recv_end(msg);
	if (r)
		return r;
	sector = be64_to_cpu(ext.sector);
	bytes = be32_to_cpu(ext.length);
	nr = bytes >> SECTOR_SHIFT;
	if (!bytes || bytes % SECTOR_SIZE || ext.reserved || sector >= vol->data_sectors ||
	    nr > vol->data_sectors - sector) {
		DMERR_LIMIT("%s: %s: bad %s (sector %llu, %u bytes)", vol->name,
			    s->conn->stream->peer,
			    msg->type == IFREP_MSG_DISCARD ? "discard" : "write-zeroes",
			    (u64)sector, bytes);
		return -EPROTO;
	}
	r = journal_range(vol, sector, nr);
	if (r)
		return r;
	w = kvzalloc(sizeof(*w), GFP_NOIO);
	if (!w)
		return -ENOMEM;
	w->s = s;
	w->id = msg->id;
	atomic_set(&w->pending, 1);
	atomic_inc(&s->inflight);
	r = ifrep_io_extent_bios(vol->data_bdev, msg->type == IFREP_MSG_WRITE_ZEROES ?
				 REQ_OP_WRITE_ZEROES : REQ_OP_DISCARD, sector, nr, &chain);
	if (r)
		w->status = errno_to_blk_status(r);
	if (chain) {
		chain->bi_private = w;
		chain->bi_end_io = rx_endio;
		atomic_inc(&w->pending);
		submit_bio(chain);
	}
	if (atomic_dec_and_test(&w->pending))
		write_done(s, w);
	return 0;
}

/*
 * Records whether the volume holds a complete image.  Once it does, it is a
 * copy of the primary's generation: it takes that generation and forgets
 * its own changes and divergence (the primary overwrote them).
 */
static int set_consistent(struct ifrep_session *s, bool consistent)
{
	struct ifrep_volume *vol = s->l->vol;
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);
	u64 old_generation;
	u32 old;
	int r = 0;

	if (consistent && !bitmap_empty(vol->local_ondisk, vol->nr_chunks)) {
		mutex_lock(&vol->bitmap_lock);
		r = ifrep_bitmap_reset_local(vol);
		mutex_unlock(&vol->bitmap_lock);
		if (r)
			return r;
	}
	mutex_lock(&vol->sb_lock);
	old = sb->flags;
	old_generation = sb->data_generation;
	if (consistent) {
		sb->flags |= IFREP_SB_F_CONSISTENT;
		sb->flags &= ~IFREP_SB_F_DIVERGED;
		sb->data_generation = s->primary_generation;
		sb->parent_generation = 0;
	} else {
		sb->flags &= ~IFREP_SB_F_CONSISTENT;
	}
	if (sb->flags != old || sb->data_generation != old_generation) {
		r = ifrep_md_commit(vol->md);
		if (!r)
			WRITE_ONCE(vol->diverged, sb->flags & IFREP_SB_F_DIVERGED);
	}
	mutex_unlock(&vol->sb_lock);
	if (!r && sb->flags != old) {
		DMINFO("%s: %s", vol->name, consistent ?
		       "holds a complete image of its primary" :
		       "is being resynced: not consistent until it completes");
		ifrep_volume_event(vol);
	}
	return r;
}

static int handle_sync_state(struct ifrep_session *s, struct ifrep_msg *msg)
{
	struct ifrep_volume *vol = s->l->vol;
	struct ifrep_wire_ack ack = { 0 };
	struct ifrep_payload pl = { .fixed = &ack, .fixed_len = sizeof(ack) };
	bool consistent = msg->flags & IFREP_SYNC_CONSISTENT;
	int r = 0;

	/* A complete image must be stable before it is called one. */
	wait_event(s->wait, !atomic_read(&s->inflight));
	if (consistent)
		r = blkdev_issue_flush(vol->data_bdev);
	else if (vol->journal)
		r = ifrep_journal_reset(vol->journal);
	if (!r)
		r = set_consistent(s, consistent);
	ack.status = cpu_to_be32(r ? EIO : 0);
	return ifrep_conn_send(s->conn, IFREP_MSG_ACK, 0, msg->id, &pl);
}

void ifrep_session_set_applying(struct ifrep_volume *vol, bool applying)
{
	spin_lock_irq(&vol->lock);
	vol->applying = applying;
	spin_unlock_irq(&vol->lock);
	ifrep_volume_event(vol);
}

static int send_ack(struct ifrep_session *s, u64 id, int status)
{
	struct ifrep_wire_ack ack = { .status = cpu_to_be32(-status) };
	struct ifrep_payload pl = { .fixed = &ack, .fixed_len = sizeof(ack) };

	return ifrep_conn_send(s->conn, IFREP_MSG_ACK, 0, id, &pl);
}

/* CYCLE_BEGIN and CYCLE_COMMIT of an async primary. */
static int handle_cycle(struct ifrep_session *s, struct ifrep_msg *msg)
{
	struct ifrep_volume *vol = s->l->vol;
	struct ifrep_wire_cycle c;
	unsigned int dropped = 0;
	u64 id;
	int r;

	r = ifrep_conn_recv_payload(s->conn, msg, &c, sizeof(c)) ?:
	    ifrep_conn_recv_end(msg);
	if (r)
		return r;
	id = be64_to_cpu(c.id);
	wait_event(s->wait, !atomic_read(&s->inflight));
	if (!vol->journal) {
		DMERR_LIMIT("%s: an async cycle needs a journal device on the secondary",
			    vol->name);
		return send_ack(s, msg->id, -EOPNOTSUPP);
	}
	if (msg->type == IFREP_MSG_CYCLE_BEGIN) {
		r = ifrep_journal_begin(vol->journal, id, be64_to_cpu(c.cut_time),
					be64_to_cpu(c.nr_chunks), be32_to_cpu(c.sync_points),
					&dropped);
		if (dropped) {
			DMINFO("%s: journal full: dropped the %u oldest sync point(s)",
			       vol->name, dropped);
			ifrep_volume_event(vol);
		}
		if (r == -ENOSPC)
			DMERR_LIMIT("%s: cycle %llu of %llu chunks does not fit the journal",
				    vol->name, id, be64_to_cpu(c.nr_chunks));
		if (!r)
			ifrep_session_set_applying(vol, true);
	} else {
		r = blkdev_issue_flush(vol->data_bdev);
		if (!r)
			r = ifrep_journal_commit(vol->journal, id);
		if (!r)
			ifrep_session_set_applying(vol, false);
		/* The primary resent what a rollback had changed: forget it. */
		if (!r && !bitmap_empty(vol->local_ondisk, vol->nr_chunks)) {
			mutex_lock(&vol->bitmap_lock);
			r = ifrep_bitmap_reset_local(vol);
			mutex_unlock(&vol->bitmap_lock);
		}
	}
	return send_ack(s, msg->id, r);
}

/*
 * The range a CSUM or COMPARE asks about (@sector_be, @length_be, as
 * received; @what names the request in the log), read from the data device
 * once every write received before was applied, so that the answer covers
 * what the primary sent.  Returns 0 with *@buf (vmalloc'ed, *@len bytes),
 * or with *@buf NULL and *@status the ACK's errno when it cannot be read;
 * -EPROTO for a range outside the volume (the session ends, nothing read).
 */
static int read_asked_range(struct ifrep_session *s, __be64 sector_be, __be32 length_be,
			    const char *what, void **buf, u32 *len, u32 *status)
{
	struct ifrep_volume *vol = s->l->vol;
	sector_t sector = be64_to_cpu(sector_be);

	*len = be32_to_cpu(length_be);
	*buf = NULL;
	if (!*len || *len % SECTOR_SIZE || *len > IFREP_MAX_PAYLOAD ||
	    sector >= vol->data_sectors || (*len >> SECTOR_SHIFT) > vol->data_sectors - sector) {
		DMERR_LIMIT("%s: %s: %s request outside the volume (sector %llu, %u bytes)",
			    vol->name, s->conn->stream->peer, what, (u64)sector, *len);
		return -EPROTO;
	}
	wait_event(s->wait, !atomic_read(&s->inflight));
	*buf = vmalloc(*len);
	if (!*buf) {
		*status = ENOMEM;
	} else if (ifrep_io_vmalloc(vol->io_client, vol->data_bdev, sector, *buf, *len,
				    REQ_OP_READ)) {
		vfree(*buf);
		*buf = NULL;
		*status = EIO;
	}
	return 0;
}

/* CSUM: the CRC-32C of a range of the data device, for online verify. */
static int handle_csum(struct ifrep_session *s, struct ifrep_msg *msg)
{
	struct ifrep_wire_ack ack = { 0 };
	struct ifrep_payload pl = { .fixed = &ack, .fixed_len = sizeof(ack) };
	struct ifrep_wire_csum req;
	u32 len, status = 0;
	void *buf;
	int r;

	r = ifrep_conn_recv_payload(s->conn, msg, &req, sizeof(req)) ?:
	    ifrep_conn_recv_end(msg) ?:
	    read_asked_range(s, req.sector, req.length, "checksum", &buf, &len, &status);
	if (r)
		return r;
	if (buf)
		ack.value = cpu_to_be32(~crc32c(~0U, buf, len));
	ack.status = cpu_to_be32(status);
	vfree(buf);
	return ifrep_conn_send(s->conn, IFREP_MSG_ACK, 0, msg->id, &pl);
}

/*
 * COMPARE: whether a range of the data device has the SHA-256 the primary
 * sent, for its checksum resync and online verify.  A range that cannot be
 * read answers ENOMEM or EIO: the primary then sends it (or stops its
 * verify); it never counts as the same.
 */
static int handle_compare(struct ifrep_session *s, struct ifrep_msg *msg)
{
	struct ifrep_wire_ack ack = { 0 };
	struct ifrep_payload pl = { .fixed = &ack, .fixed_len = sizeof(ack) };
	struct ifrep_wire_compare req;
	u8 digest[SHA256_DIGEST_SIZE];
	u32 len, status = 0;
	void *buf;
	int r;

	r = ifrep_conn_recv_payload(s->conn, msg, &req, sizeof(req)) ?:
	    ifrep_conn_recv_end(msg);
	if (r)
		return r;
	if (req.reserved) {
		DMERR_LIMIT("%s: %s: compare request with reserved bits set",
			    s->l->vol->name, s->conn->stream->peer);
		return -EPROTO;
	}
	r = read_asked_range(s, req.sector, req.length, "compare", &buf, &len, &status);
	if (r)
		return r;
	if (buf) {
		sha256(buf, len, digest);
		ack.value = cpu_to_be32(!memcmp(digest, req.sha256, sizeof(digest)));
	}
	ack.status = cpu_to_be32(status);
	vfree(buf);
	return ifrep_conn_send(s->conn, IFREP_MSG_ACK, 0, msg->id, &pl);
}

static int handle_ping(struct ifrep_session *s, struct ifrep_msg *msg)
{
	u8 buf[64];
	struct ifrep_payload pl = { .fixed = buf, .fixed_len = msg->length };
	int r;

	r = ifrep_conn_recv_payload(s->conn, msg, buf, msg->length) ?:
	    ifrep_conn_recv_end(msg);
	return r ?: ifrep_conn_send(s->conn, IFREP_MSG_PONG, 0, msg->id, &pl);
}

/*----------------------------------------------------------------
 * Session loops
 *--------------------------------------------------------------*/

int ifrep_session_primary_loop(struct ifrep_session *s)
{
	unsigned long last_rx = jiffies;
	struct ifrep_msg msg;
	int r;

	while (!READ_ONCE(s->dead) && !READ_ONCE(s->l->stopping)) {
		r = ifrep_conn_recv_header(s->conn, &msg, true);
		if (r == -EAGAIN) {
			/* A lost primary must not keep blocking a promotion. */
			if (time_after(jiffies, last_rx + s->silence_limit)) {
				DMERR_LIMIT("%s: primary %s silent for %lus: dropped",
					    s->l->vol->name, s->conn->stream->peer,
					    s->silence_limit / HZ);
				return -ETIMEDOUT;
			}
			continue;
		}
		if (r)
			return r;
		last_rx = jiffies;
		switch (msg.type) {
		case IFREP_MSG_DATA:
			r = handle_data(s, &msg);
			break;
		case IFREP_MSG_FLUSH:
			r = ifrep_conn_recv_end(&msg) ?: handle_flush(s, &msg);
			break;
		case IFREP_MSG_SYNC_STATE:
			r = ifrep_conn_recv_end(&msg) ?: handle_sync_state(s, &msg);
			break;
		case IFREP_MSG_CYCLE_BEGIN:
		case IFREP_MSG_CYCLE_COMMIT:
			r = handle_cycle(s, &msg);
			break;
		case IFREP_MSG_PING:
			r = handle_ping(s, &msg);
			break;
		case IFREP_MSG_CSUM:
			r = handle_csum(s, &msg);
			break;
		case IFREP_MSG_COMPARE:
			r = handle_compare(s, &msg);
			break;
		case IFREP_MSG_DISCARD:
		case IFREP_MSG_WRITE_ZEROES:
			r = handle_extent(s, &msg);
			break;
		default:
			DMERR_LIMIT("%s: %s: unexpected message type %u", s->l->vol->name,
				    s->conn->stream->peer, msg.type);
			r = -EPROTO;
		}
		if (r)
			return r;
	}
	return 0;
}

/* Bandwidth test: payloads are read, checked and thrown away. */
int ifrep_session_bwtest_loop(struct ifrep_session *s)
{
	struct ifrep_wire_ack ack = { 0 };
	struct ifrep_payload pl = { .fixed = &ack, .fixed_len = sizeof(ack) };
	unsigned long last_rx = jiffies;
	struct ifrep_msg msg;
	void *buf;
	u32 len;
	int r = 0;

	buf = kvmalloc(BW_CHUNK, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	while (!READ_ONCE(s->l->stopping)) {
		r = ifrep_conn_recv_header(s->conn, &msg, true);
		if (r == -EAGAIN) {
			/* A measurement that went quiet must not hold a slot. */
			if (time_after(jiffies, last_rx + BW_IDLE_LIMIT)) {
				r = -ETIMEDOUT;
				break;
			}
			continue;
		}
		if (r)
			break;
		last_rx = jiffies;
		if (msg.type == IFREP_MSG_PING) {
			r = handle_ping(s, &msg);
		} else if (msg.type == IFREP_MSG_BW_DATA) {
			while (!r && msg.received < msg.length) {
				len = min_t(u32, msg.length - msg.received, BW_CHUNK);
				r = ifrep_conn_recv_payload(s->conn, &msg, buf, len);
			}
			r = r ?: ifrep_conn_recv_end(&msg) ?:
			    ifrep_conn_send(s->conn, IFREP_MSG_ACK, 0, msg.id, &pl);
		} else {
			r = -EPROTO;
		}
		if (r)
			break;
	}
	kvfree(buf);
	return r;
}
