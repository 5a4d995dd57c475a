// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep receiver: the secondary's side of a remote pair.
 *
 * A listener thread accepts connections on the volume's listen address and
 * gives each its own session thread.  A session authenticates its peer,
 * then either measures bandwidth (BW_DATA is read and thrown away) or
 * attaches as the volume's primary: at most one at a time; a newly
 * authenticated session of the same primary replaces a stale one.
 *
 * The primary's session applies DATA messages to the data device with the
 * flags they carry (REQ_PREFLUSH, REQ_FUA) and acknowledges each once its
 * bios completed; FLUSH flushes; SYNC_STATE waits until every write is in,
 * flushes, and records whether the volume now holds a complete image.
 * Anything malformed (bad checksum, impossible length, out-of-range
 * sector, unknown or unexpected type) ends the session with a rate-limited
 * log line and nothing written.
 *
 * Session threads hold a module reference and exit by themselves; the
 * listener waits for all of them before the volume goes away.  Each
 * session also holds a reference to the listener, dropped as the very last
 * thing it does: whoever drops the last one frees the listener, so a
 * session that is still waking the stopper cannot touch freed memory.
 * vol->listener changes under vol->lock, which the status path holds.
 */
#include "dm-ifrep.h"
#include "dm-ifrep-bitmap.h"
#include "dm-ifrep-journal.h"
#include "dm-ifrep-proto.h"
#include "dm-ifrep-receiver.h"

#include <linux/crc32c.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/vmalloc.h>

#define DM_MSG_PREFIX "ifrep"

#define MAX_SESSIONS		4
#define MAX_INFLIGHT_BYTES	(32L << 20)
#define REPLACE_TIMEOUT		(10 * HZ)
#define BW_CHUNK		(64 * 1024)
#define BW_IDLE_LIMIT		(30 * HZ)

struct ifrep_listener {
	refcount_t refs;		/* its owner's, and one per session */
	struct ifrep_volume *vol;
	struct sockaddr_storage addr;
	struct ifrep_stream *lstream;
	struct task_struct *thread;
	struct workqueue_struct *ack_wq;
	const char *state;

	struct mutex lock;
	struct list_head sessions;
	unsigned int nr_sessions;
	struct ifrep_session *primary;
	wait_queue_head_t wait;
	bool stopping;
	bool held;			/* ifrep_receiver_hold(): no primary attaches */
	bool primary_seen;		/* a primary attached since activation */
};

struct ifrep_session {
	struct list_head list;
	struct ifrep_listener *l;
	struct ifrep_conn *conn;

	spinlock_t lock;
	struct list_head acks;		/* completed writes to acknowledge */
	struct work_struct ack_work;
	atomic_t inflight;
	atomic_long_t inflight_bytes;
	wait_queue_head_t wait;
	bool dead;
	u64 primary_generation;		/* taken once we hold its full image */
	unsigned long silence_limit;	/* the primary pings within this */
};

struct rx_write {
	struct list_head list;
	struct ifrep_session *s;
	u64 id;
	atomic_t pending;
	blk_status_t status;
	u32 bytes;
	unsigned int nr_pages;
	struct page *pages[];
};

static void put_listener(struct ifrep_listener *l)
{
	if (!refcount_dec_and_test(&l->refs))
		return;
	if (l->lstream)
		ifrep_transport_close(l->lstream);
	destroy_workqueue(l->ack_wq);
	kfree(l);
}

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

static void ack_worker(struct work_struct *ws)
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
	if (atomic_dec_and_test(&w->pending))
		write_done(w->s, w);
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
	if (atomic_dec_and_test(&w->pending))
		write_done(s, w);
}

static int handle_data(struct ifrep_session *s, struct ifrep_msg *msg)
{
	struct ifrep_volume *vol = s->l->vol;
	struct ifrep_wire_data data;
	struct rx_write *w;
	u32 bytes = msg->length - sizeof(data), len;
	blk_opf_t opf = 0;
	unsigned int i;
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
	for (i = 0; i < w->nr_pages; i++) {
		len = min_t(u32, bytes - i * PAGE_SIZE, PAGE_SIZE);
		r = ifrep_conn_recv_payload(s->conn, msg, page_address(w->pages[i]), len);
		if (r)
			goto out_free;
	}
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
	/* Inside a cycle, what the write overwrites is saved first. */
	if (vol->journal && ifrep_journal_applying(vol->journal)) {
		u64 chunk = ifrep_chunk_of(vol, sector);
		u64 last = ifrep_chunk_of(vol, sector + (bytes >> SECTOR_SHIFT) - 1);

		for (; chunk <= last && !r; chunk++)
			r = ifrep_journal_save(vol->journal, chunk);
		if (r) {
			DMERR_LIMIT("%s: cannot journal chunk %llu (%d): cycle dropped",
				    vol->name, chunk - 1, r);
			goto out_free;
		}
	}
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

static void set_applying(struct ifrep_volume *vol, bool applying)
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
			set_applying(vol, true);
	} else {
		r = blkdev_issue_flush(vol->data_bdev);
		if (!r)
			r = ifrep_journal_commit(vol->journal, id);
		if (!r)
			set_applying(vol, false);
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
 * CSUM: the CRC-32C of a range of the data device, for the primary's
 * online verify.  Every write received before it is applied first, so the
 * answer covers what the primary sent.
 */
static int handle_csum(struct ifrep_session *s, struct ifrep_msg *msg)
{
	struct ifrep_volume *vol = s->l->vol;
	struct ifrep_wire_ack ack = { 0 };
	struct ifrep_payload pl = { .fixed = &ack, .fixed_len = sizeof(ack) };
	struct ifrep_wire_csum req;
	sector_t sector;
	void *buf;
	u32 len;
	int r;

	r = ifrep_conn_recv_payload(s->conn, msg, &req, sizeof(req)) ?:
	    ifrep_conn_recv_end(msg);
	if (r)
		return r;
	sector = be64_to_cpu(req.sector);
	len = be32_to_cpu(req.length);
	if (!len || len % SECTOR_SIZE || len > IFREP_MAX_PAYLOAD ||
	    sector >= vol->data_sectors || (len >> SECTOR_SHIFT) > vol->data_sectors - sector) {
		DMERR_LIMIT("%s: %s: checksum request outside the volume (sector %llu, %u bytes)",
			    vol->name, s->conn->stream->peer, (u64)sector, len);
		return -EPROTO;
	}
	wait_event(s->wait, !atomic_read(&s->inflight));
	buf = vmalloc(len);
	if (!buf) {
		ack.status = cpu_to_be32(ENOMEM);
	} else {
		r = ifrep_io_vmalloc(vol->io_client, vol->data_bdev, sector, buf, len,
				     REQ_OP_READ);
		if (r)
			ack.status = cpu_to_be32(EIO);
		else
			ack.value = cpu_to_be32(~crc32c(~0U, buf, len));
		vfree(buf);
	}
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
 * Sessions
 *--------------------------------------------------------------*/

/* Sends the local area: the chunks this volume changed since the split. */
static int send_local_changes(struct ifrep_session *s)
{
	struct ifrep_volume *vol = s->l->vol;
	u64 len = ifrep_bitmap_le_bytes(vol->nr_chunks);
	struct ifrep_payload pl = { 0 };
	__le64 *words;
	int r;

	if (len > IFREP_MAX_PAYLOAD)
		return -E2BIG;
	words = kvmalloc(len, GFP_KERNEL);
	if (!words)
		return -ENOMEM;
	mutex_lock(&vol->bitmap_lock);
	ifrep_bitmap_to_le(vol->local_ondisk, vol->nr_chunks, words);
	mutex_unlock(&vol->bitmap_lock);
	pl.buf = words;
	pl.buf_len = len;
	r = ifrep_conn_send(s->conn, IFREP_MSG_BITMAP, 0, 0, &pl);
	kvfree(words);
	return r;
}

/* Validates an ATTACH and takes the primary slot; replies either way. */
static int attach_primary(struct ifrep_session *s)
{
	struct ifrep_listener *l = s->l;
	struct ifrep_volume *vol = l->vol;
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);
	struct ifrep_wire_attach att;
	struct ifrep_wire_attach_reply reply = { 0 };
	struct ifrep_payload pl = { .fixed = &reply, .fixed_len = sizeof(reply) };
	static const u8 zero_uuid[16];
	const char *refuse = NULL;
	bool new_peer = false;
	struct ifrep_msg msg;
	int r, status = 0;
	u32 flags;

	r = ifrep_conn_recv_small(s->conn, &msg, &att, sizeof(att), false);
	if (r)
		return r;
	if (msg.type != IFREP_MSG_ATTACH)
		return -EPROTO;

	mutex_lock(&vol->sb_lock);
	if (sb->role != IFREP_ROLE_SECONDARY) {
		refuse = "this volume is a primary";
		status = EROFS;
	} else if (be64_to_cpu(att.data_sectors) != sb->data_sectors) {
		refuse = "volume sizes differ";
		status = EINVAL;
	} else if (be32_to_cpu(att.chunk_sectors) != sb->chunk_sectors) {
		refuse = "chunk sizes differ";
		status = EINVAL;
	} else if (be32_to_cpu(att.logical_block_size) &&
		   be32_to_cpu(att.logical_block_size) < bdev_logical_block_size(vol->data_bdev)) {
		/* Its smaller writes would fail here, one by one. */
		refuse = "the secondary's data device has larger logical blocks than the primary's";
		status = EINVAL;
	} else if (memcmp(sb->peer_uuid, zero_uuid, 16) &&
		   memcmp(sb->peer_uuid, att.uuid, 16)) {
		refuse = "this secondary belongs to another primary";
		status = EEXIST;
	}
	if (!refuse && !memcmp(sb->peer_uuid, zero_uuid, 16)) {
		/* Its data stays readable until the primary starts changing it. */
		new_peer = true;
		memcpy(sb->peer_uuid, att.uuid, 16);
		if (ifrep_md_commit(vol->md)) {
			memset(sb->peer_uuid, 0, 16);
			refuse = "metadata write failed";
			status = EIO;
		}
	}
	flags = 0;
	if (sb->flags & IFREP_SB_F_CONSISTENT)
		flags |= IFREP_ATTACH_CONSISTENT;
	if (new_peer)
		flags |= IFREP_ATTACH_NEW_PEER;
	if (sb->flags & IFREP_SB_F_DIVERGED)
		flags |= IFREP_ATTACH_DIVERGED;
	if (!bitmap_empty(vol->local_ondisk, vol->nr_chunks))
		flags |= IFREP_ATTACH_CHANGES;
	if (!l->primary_seen)
		flags |= IFREP_ATTACH_RESTARTED;
	reply.flags = cpu_to_be32(flags);
	reply.generation = cpu_to_be64(sb->data_generation);
	reply.parent_generation = cpu_to_be64(sb->parent_generation);
	s->primary_generation = be64_to_cpu(att.generation);
	s->silence_limit = clamp_t(u32, be32_to_cpu(att.timeout_s), 1, 86400) * HZ;
	/* A primary that stops half-way through a message, or stops reading, is as gone. */
	ifrep_conn_set_timeout(s->conn, s->silence_limit);
	mutex_unlock(&vol->sb_lock);

	if (!refuse) {
		struct ifrep_session *old;

		mutex_lock(&l->lock);
		old = l->primary;
		if (old && old != s)
			ifrep_transport_shutdown(old->conn->stream);
		mutex_unlock(&l->lock);
		if (old && !wait_event_timeout(l->wait, !READ_ONCE(l->primary),
					       REPLACE_TIMEOUT)) {
			refuse = "another session of the primary is still active";
			status = EBUSY;
		}
	}
	if (!refuse) {
		mutex_lock(&l->lock);
		if (l->held) {
			refuse = "a rollback is under way";
			status = EBUSY;
		} else if (l->primary) {
			refuse = "another session of the primary is still active";
			status = EBUSY;
		} else {
			l->primary = s;
			l->primary_seen = true;
		}
		mutex_unlock(&l->lock);
	}
	if (refuse) {
		reply.status = cpu_to_be32(status);
		strscpy(reply.reason, refuse, sizeof(reply.reason));
		DMERR_LIMIT("%s: refused primary %s: %s", vol->name,
			    s->conn->stream->peer, refuse);
	}
	r = ifrep_conn_send(s->conn, IFREP_MSG_ATTACH_REPLY, 0, 0, &pl);
	if (!r && !refuse && (flags & IFREP_ATTACH_CHANGES))
		r = send_local_changes(s);
	if (!r && !refuse)
		DMINFO("%s: primary %s attached", vol->name, s->conn->stream->peer);
	return refuse ? -EACCES : r;
}

static int primary_loop(struct ifrep_session *s)
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
static int bwtest_loop(struct ifrep_session *s)
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

static void end_session(struct ifrep_session *s)
{
	struct ifrep_listener *l = s->l;

	WRITE_ONCE(s->dead, true);
	ifrep_transport_shutdown(s->conn->stream);
	wait_event(s->wait, !atomic_read(&s->inflight));
	flush_work(&s->ack_work);

	/* A cycle that did not commit is undone: the previous image is back. */
	if (l->primary == s && l->vol->journal && ifrep_journal_applying(l->vol->journal)) {
		if (ifrep_journal_abort(l->vol->journal))
			DMERR("%s: cannot roll back the unfinished cycle", l->vol->name);
		else
			set_applying(l->vol, false);
	}

	mutex_lock(&l->lock);
	list_del(&s->list);
	if (l->primary == s) {
		l->primary = NULL;
		DMINFO("%s: primary %s detached", l->vol->name, s->conn->stream->peer);
		ifrep_volume_event(l->vol);
	}
	l->nr_sessions--;
	wake_up_all(&l->wait);
	mutex_unlock(&l->lock);

	ifrep_conn_destroy(s->conn);
	kfree(s);
	put_listener(l);
}

static int session_thread(void *data)
{
	struct ifrep_session *s = data;
	struct ifrep_volume *vol = s->l->vol;
	const char *reason = NULL;
	u8 *secret = NULL;
	unsigned int secret_len = 0;
	bool insecure;
	u16 flags = 0;
	int r;

	mutex_lock(&vol->secret_lock);
	if (vol->listen_secret) {
		secret = kmemdup(vol->listen_secret, vol->listen_secret_len, GFP_KERNEL);
		secret_len = vol->listen_secret_len;
	}
	mutex_unlock(&vol->secret_lock);
	insecure = ifrep_md_sb(vol->md)->flags & IFREP_SB_F_INSECURE;

	r = ifrep_handshake_server(s->conn, secret, secret_len, insecure, &flags,
				   &reason);
	kfree_sensitive(secret);
	if (r) {
		DMERR_LIMIT("%s: refused connection from %s: %s", vol->name,
			    s->conn->stream->peer, reason);
	} else if (flags & IFREP_HELLO_BWTEST) {
		r = bwtest_loop(s);
	} else if (flags & IFREP_HELLO_PRIMARY) {
		r = attach_primary(s);
		if (!r)
			r = primary_loop(s);
		if (r && r != -EACCES && r != -ECONNRESET)
			DMERR_LIMIT("%s: session with %s ended: %d", vol->name,
				    s->conn->stream->peer, r);
	}
	end_session(s);
	module_put_and_kthread_exit(0);
	return 0;
}

static void start_session(struct ifrep_listener *l, struct ifrep_stream *stream)
{
	struct ifrep_session *s;
	struct task_struct *t;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		goto out_close;
	s->conn = ifrep_conn_create(stream);
	if (!s->conn) {
		kfree(s);
		goto out_close;
	}
	s->l = l;
	spin_lock_init(&s->lock);
	INIT_LIST_HEAD(&s->acks);
	INIT_WORK(&s->ack_work, ack_worker);
	init_waitqueue_head(&s->wait);

	mutex_lock(&l->lock);
	if (l->stopping || l->nr_sessions >= MAX_SESSIONS) {
		mutex_unlock(&l->lock);
		DMERR_LIMIT("%s: too many connections: refusing %s", l->vol->name,
			    stream->peer);
		ifrep_conn_destroy(s->conn);
		kfree(s);
		return;
	}
	list_add(&s->list, &l->sessions);
	l->nr_sessions++;
	refcount_inc(&l->refs);
	mutex_unlock(&l->lock);

	__module_get(THIS_MODULE);
	t = kthread_run(session_thread, s, "ifrep_rx/%s", l->vol->name);
	if (IS_ERR(t)) {
		module_put(THIS_MODULE);
		mutex_lock(&l->lock);
		list_del(&s->list);
		l->nr_sessions--;
		mutex_unlock(&l->lock);
		ifrep_conn_destroy(s->conn);
		kfree(s);
		put_listener(l);
	}
	return;

out_close:
	ifrep_transport_close(stream);
}

/*----------------------------------------------------------------
 * Listener
 *--------------------------------------------------------------*/

static int listener_thread(void *data)
{
	struct ifrep_listener *l = data;
	struct ifrep_stream *stream;
	int r;

	while (!kthread_should_stop()) {
		if (!l->lstream) {
			r = ifrep_transport_listen(&l->addr, &l->lstream);
			if (r) {
				if (strcmp(l->state, IFREP_UPSTREAM_LISTEN_FAILED))
					DMERR("%s: cannot listen on %pISpc: %d", l->vol->name,
					      &l->addr, r);
				WRITE_ONCE(l->state, IFREP_UPSTREAM_LISTEN_FAILED);
				schedule_timeout_interruptible(5 * HZ);
				continue;
			}
			WRITE_ONCE(l->state, IFREP_UPSTREAM_LISTENING);
		}
		r = ifrep_transport_accept(l->lstream, &stream);
		if (!r)
			start_session(l, stream);
		else if (r != -EAGAIN)
			schedule_timeout_interruptible(HZ / 10);
	}
	return 0;
}

int ifrep_receiver_start(struct ifrep_volume *vol)
{
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);
	struct ifrep_listener *l;

	if (vol->listener || !sb->listen[0] || sb->role != IFREP_ROLE_SECONDARY)
		return 0;
	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	if (ifrep_parse_addr(sb->listen, &l->addr)) {
		DMERR("%s: bad listen address %s", vol->name, sb->listen);
		kfree(l);
		return -EINVAL;
	}
	refcount_set(&l->refs, 1);
	l->vol = vol;
	l->state = IFREP_UPSTREAM_STARTING;
	mutex_init(&l->lock);
	INIT_LIST_HEAD(&l->sessions);
	init_waitqueue_head(&l->wait);
	l->ack_wq = alloc_workqueue("dm-ifrep-ack", WQ_MEM_RECLAIM | WQ_UNBOUND, 0);
	if (!l->ack_wq) {
		kfree(l);
		return -ENOMEM;
	}
	l->thread = kthread_run(listener_thread, l, "ifrep_listen/%s", vol->name);
	if (IS_ERR(l->thread)) {
		destroy_workqueue(l->ack_wq);
		kfree(l);
		return -ENOMEM;
	}
	spin_lock_irq(&vol->lock);
	vol->listener = l;
	spin_unlock_irq(&vol->lock);
	return 0;
}

void ifrep_receiver_stop(struct ifrep_volume *vol)
{
	struct ifrep_listener *l = vol->listener;
	struct ifrep_session *s;

	if (!l)
		return;
	mutex_lock(&l->lock);
	l->stopping = true;
	list_for_each_entry(s, &l->sessions, list)
		ifrep_transport_shutdown(s->conn->stream);
	mutex_unlock(&l->lock);
	kthread_stop(l->thread);
	wait_event(l->wait, !READ_ONCE(l->nr_sessions));
	spin_lock_irq(&vol->lock);
	vol->listener = NULL;
	spin_unlock_irq(&vol->lock);
	put_listener(l);
}

const char *ifrep_receiver_state(struct ifrep_volume *vol)
{
	struct ifrep_listener *l = vol->listener;

	if (!l)
		return IFREP_STATUS_NONE;
	return READ_ONCE(l->primary) ? IFREP_UPSTREAM_CONNECTED : READ_ONCE(l->state);
}

bool ifrep_receiver_primary_attached(struct ifrep_volume *vol)
{
	return !strcmp(ifrep_receiver_state(vol), IFREP_UPSTREAM_CONNECTED);
}

int ifrep_receiver_hold(struct ifrep_volume *vol)
{
	struct ifrep_listener *l = vol->listener;
	int r = 0;

	if (!l)
		return 0;
	mutex_lock(&l->lock);
	if (l->primary)
		r = -EBUSY;
	else
		l->held = true;
	mutex_unlock(&l->lock);
	return r;
}

void ifrep_receiver_release(struct ifrep_volume *vol)
{
	struct ifrep_listener *l = vol->listener;

	if (!l)
		return;
	mutex_lock(&l->lock);
	l->held = false;
	mutex_unlock(&l->lock);
}

void ifrep_receiver_set_secret(struct ifrep_volume *vol, u8 *secret, unsigned int len)
{
	mutex_lock(&vol->secret_lock);
	kfree_sensitive(vol->listen_secret);
	vol->listen_secret = secret;
	vol->listen_secret_len = len;
	mutex_unlock(&vol->secret_lock);
}
