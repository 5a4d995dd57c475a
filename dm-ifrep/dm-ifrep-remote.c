// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep remote targets, primary side: a secondary volume on another host.
 *
 * Each remote pair has a connection thread, a sender and three request
 * lists:
 *   host_queue  host write legs (and flushes) waiting to be sent, in order;
 *   send_queue  background requests waiting to be sent (resync and cycle
 *               writes, comparisons, flushes, sync-state notices), in order;
 *   inflight    requests sent and waiting for their ACK, oldest first.
 * The sender takes host legs first, so that a host write waits behind what
 * the socket holds already, not behind a resync's whole window; it moves
 * each request to inflight and writes it to the socket; the connection
 * thread reads ACKs and completes them.  Many writes are in flight at once
 * (pipelined), each a single message.  Host legs may overtake background
 * requests: the engine never has both in flight for one chunk (a resync or
 * verify parks host writes into its chunks), and a background flush covers
 * only what completed before it was queued.
 *
 * The round trip: the shortest time from a request's last byte handed to
 * the socket to its ACK, since the connection was attached.  Queueing
 * behind earlier data only lengthens the others, so this stays near the
 * link's own round trip (plus the peer's write); the window of background
 * copies is sized from it (dm-ifrep-window.c).
 *
 * Remote timeout threshold: a request not acknowledged within timeout_s,
 * or any transport or protocol error, breaks the connection.  pair_set may
 * change timeout_s at any time: each request's deadline, the receive
 * loop's checks and the socket's limits follow it on the connection in
 * use; the secondary learns it at the next attach (until then the pings
 * keep to the threshold it was told).  Breaking
 * fails every queued and in-flight request: host write legs complete
 * without the peer (their chunks become dirty), so host I/O never waits
 * longer than the threshold and never fails because of the peer.  The pair
 * shows "retrying" while reconnect attempts fail for less than timeout_s,
 * "disconnected" after that (attempts go on, slower), and when a
 * connection is attached again the dirty chunks are resynced.
 *
 * When a secondary attaches, the engine decides from the generations what
 * must be copied (events->decide) and takes the pair from there
 * (events->attached); this file only moves requests.
 *
 * Lifetime: the connection thread owns the connection; it tears it down
 * only after the sender stopped using it (flush_work).  The whole of it
 * (struct ifrep_remote) is reached through p->remote.link by callers that
 * hold a use of it (get_link/put_link): close detaches the link first,
 * fails what is queued, stops the thread and frees it only once no caller
 * uses it any more, so a write leg submitted while the pair is paused or
 * removed fails instead of touching freed memory.
 */
#include "dm-ifrep-pair.h"
#include "dm-ifrep-proto.h"
#include "dm-ifrep-debug.h"

#include <linux/kthread.h>
#include <linux/mempool.h>
#include <linux/sched/signal.h>

#define DM_MSG_PREFIX "ifrep"

#define CONNECT_TIMEOUT		(5 * HZ)
#define RETRY_FAST		HZ
#define RETRY_SLOW		(5 * HZ)

struct ifrep_remote {
	struct ifrep_pair *p;
	struct sockaddr_storage addr;
	struct task_struct *thread;
	struct workqueue_struct *send_wq;
	struct work_struct send_work;
	wait_queue_head_t wait;		/* secret arrival, stop */

	spinlock_t lock;
	struct ifrep_conn *conn;	/* attached connection */
	bool broken;			/* conn is being torn down */
	/*
	 * break_conn() shuts conn's socket down outside the lock: teardown()
	 * waits for that before it frees conn.
	 */
	bool shutting_down;
	struct list_head host_queue;
	struct list_head send_queue;
	struct list_head inflight;
	u32 min_rtt_us;			/* of this connection; 0: none yet */
	/*
	 * The peer's volatile write cache, as far as host flushes care:
	 * writes it acknowledged without FUA count in unstable_acks; a flush
	 * it acknowledged covers the count it was sent at (stable_acks).
	 * While the two are equal, every write the peer acknowledged is on
	 * its stable media and a host flush need not cross the link.  A new
	 * connection starts unequal: the peer's cache may hold what the last
	 * one wrote.
	 */
	u64 unstable_acks;
	u64 stable_acks;
	u32 told_timeout_s;		/* the threshold the secondary was told at attach */
	u64 next_id;
	/*
	 * The request the sender is writing to the socket: whoever else
	 * finishes it (an ACK, break_conn()) leaves its completion to the
	 * sender, because the socket may still be reading its data.
	 */
	struct ifrep_rreq *sending;
	bool sending_finished;
	int sending_status;
	unsigned int users;		/* under p->remote.lock */
	unsigned long trouble_since;	/* 0: no link trouble */
	unsigned long last_rx;
	bool retry_now;
};

struct ifrep_rreq {
	struct list_head list;
	u64 id;
	u16 type;
	u16 flags;
	unsigned long deadline;
	ktime_t queued;
	ktime_t sent;			/* its last byte went to the socket; 0: not yet */
	u64 covers;			/* a flush: unstable_acks when it was sent */
	/* A host write leg... */
	struct ifrep_io *io;
	ifrep_leg_done_fn leg_done;
	struct bio *bio;
	struct bvec_iter iter;
	/* ...or a synchronous request. */
	sector_t sector;
	void *buf;
	u32 len;
	const void *fixed;		/* payload of a non-DATA request */
	u32 fixed_len;
	struct ifrep_wire_extent extent;	/* a host discard's or write-zeroes' */
	struct completion *done;
	int *result;
	u32 *value;			/* where the ACK's value goes, or NULL */
};

static struct kmem_cache *rreq_cache;
static mempool_t *rreq_pool;

/*----------------------------------------------------------------
 * Requests
 *--------------------------------------------------------------*/

/* The pair's link and a use of it, or NULL when the target is closed. */
static struct ifrep_remote *get_link(struct ifrep_pair *p)
{
	struct ifrep_remote *r;
	unsigned long flags;

	spin_lock_irqsave(&p->remote.lock, flags);
	r = p->remote.link;
	if (r)
		r->users++;
	spin_unlock_irqrestore(&p->remote.lock, flags);
	return r;
}

static void put_link(struct ifrep_pair *p, struct ifrep_remote *r)
{
	unsigned long flags;

	spin_lock_irqsave(&p->remote.lock, flags);
	r->users--;
	spin_unlock_irqrestore(&p->remote.lock, flags);
	/* The closer waits on the volume's queue: r may be gone once unlocked. */
	wake_up_all(&p->vol->wait);
}

static bool link_unused(struct ifrep_pair *p, struct ifrep_remote *r)
{
	bool unused;

	spin_lock_irq(&p->remote.lock);
	unused = !r->users;
	spin_unlock_irq(&p->remote.lock);
	return unused;
}

static void complete_rreq(struct ifrep_remote *r, struct ifrep_rreq *req, int status)
{
	struct ifrep_pair *p = r->p;

	if (req->io && !status && req->sent) {
		if (req->type == IFREP_MSG_FLUSH) {
			atomic64_inc(&p->remote.flushes);
			ifrep_timing_add(&p->remote.flush_ns, req->queued, ktime_get());
		} else {
			atomic64_inc(&p->remote.legs);
			ifrep_timing_add(&p->remote.send_ns, req->queued, req->sent);
			ifrep_timing_add(&p->remote.wire_ns, req->sent, ktime_get());
		}
	}
	if (req->io) {
		/* The link failed, or the peer failed the request. */
		req->leg_done(req->io, p, !status ? BLK_STS_OK :
			      status == -ECONNRESET || status == -ENOTCONN ?
			      BLK_STS_TRANSPORT : BLK_STS_IOERR);
	} else {
		*req->result = status;
		complete(req->done);
	}
	mempool_free(req, rreq_pool);
}

/*
 * Breaks the attached connection: everything queued or in flight completes
 * as failed.  Safe from the sender and the connection thread; the first
 * caller wins.
 */
static void break_conn(struct ifrep_remote *r, const char *reason, bool retry)
{
	struct ifrep_pair *p = r->p;
	struct ifrep_rreq *req, *tmp;
	struct ifrep_conn *conn;
	LIST_HEAD(failed);

	spin_lock_irq(&r->lock);
	conn = r->conn;
	if (!conn || r->broken) {
		spin_unlock_irq(&r->lock);
		return;
	}
	r->broken = true;
	r->shutting_down = true;
	list_splice_init(&r->inflight, &failed);
	list_splice_tail_init(&r->host_queue, &failed);
	list_splice_tail_init(&r->send_queue, &failed);
	if (r->sending) {
		list_del(&r->sending->list);
		r->sending_finished = true;
		r->sending_status = -ECONNRESET;
	}
	if (!r->trouble_since)
		r->trouble_since = jiffies ?: 1;
	spin_unlock_irq(&r->lock);

	/* Not replicating any more before the legs fail: their chunks go dirty. */
	if (retry) {
		DMERR_LIMIT("%s: pair %s: connection to %s lost: %s", p->vol->name,
			    p->name, p->peer, reason);
		p->events->state(p, IFREP_PS_RETRYING, reason);
	}
	/* The connection thread may tear conn down meanwhile: it waits. */
	ifrep_debug_delay();
	ifrep_transport_shutdown(conn->stream);
	spin_lock_irq(&r->lock);
	r->shutting_down = false;
	spin_unlock_irq(&r->lock);
	wake_up_all(&r->wait);
	list_for_each_entry_safe(req, tmp, &failed, list) {
		list_del(&req->list);
		complete_rreq(r, req, -ECONNRESET);
	}
}

static void queue_rreq(struct ifrep_remote *r, struct ifrep_rreq *req)
{
	unsigned long flags;

	spin_lock_irqsave(&r->lock, flags);
	if (!r->conn || r->broken) {
		spin_unlock_irqrestore(&r->lock, flags);
		complete_rreq(r, req, -ENOTCONN);
		return;
	}
	req->id = ++r->next_id;
	req->queued = ktime_get();
	list_add_tail(&req->list, req->io ? &r->host_queue : &r->send_queue);
	spin_unlock_irqrestore(&r->lock, flags);
	queue_work(r->send_wq, &r->send_work);
}

static int send_rreq(struct ifrep_conn *conn, struct ifrep_rreq *req)
{
	struct ifrep_wire_data data;
	struct ifrep_payload pl = { 0 };

	if (req->fixed_len) {
		pl.fixed = req->fixed;
		pl.fixed_len = req->fixed_len;
	} else if (req->type == IFREP_MSG_DATA) {
		data.sector = cpu_to_be64(req->sector);
		pl.fixed = &data;
		pl.fixed_len = sizeof(data);
		if (req->bio) {
			pl.bio = req->bio;
			pl.iter = req->iter;
		} else {
			pl.buf = req->buf;
			pl.buf_len = req->len;
		}
	}
	return ifrep_conn_send(conn, req->type, req->flags, req->id, &pl);
}

static void send_worker(struct work_struct *ws)
{
	struct ifrep_remote *r = container_of(ws, struct ifrep_remote, send_work);
	struct ifrep_rreq *req;
	struct ifrep_conn *conn;
	bool finished;
	int err, status;

	for (;;) {
		spin_lock_irq(&r->lock);
		conn = r->conn;
		req = list_first_entry_or_null(&r->host_queue, struct ifrep_rreq, list) ?:
		      list_first_entry_or_null(&r->send_queue, struct ifrep_rreq, list);
		if (!conn || r->broken || !req) {
			spin_unlock_irq(&r->lock);
			return;
		}
		req->deadline = jiffies + READ_ONCE(r->p->remote.timeout_s) * HZ;
		req->covers = r->unstable_acks;
		list_move_tail(&req->list, &r->inflight);
		r->sending = req;
		r->sending_finished = false;
		spin_unlock_irq(&r->lock);

		err = send_rreq(conn, req);

		spin_lock_irq(&r->lock);
		r->sending = NULL;
		finished = r->sending_finished;
		status = r->sending_status;
		if (!finished)
			req->sent = ktime_get();
		spin_unlock_irq(&r->lock);
		if (finished)
			complete_rreq(r, req, status);
		if (err) {
			break_conn(r, err == -ETIMEDOUT ? "timeout" : "send_failed", true);
			return;
		}
	}
}

/*
 * Submits a request; @done is completed, with *@result set, by its ACK (or
 * the connection's end).  The ACK's value goes to @value when not NULL.
 */
static void start_rreq(struct ifrep_pair *p, u16 type, u16 flags, sector_t sector,
		       void *buf, u32 len, const void *fixed, u32 fixed_len, u32 *value,
		       struct completion *done, int *result)
{
	struct ifrep_remote *r = get_link(p);
	struct ifrep_rreq *req;

	if (!r) {
		*result = -ENOTCONN;
		complete(done);
		return;
	}
	req = mempool_alloc(rreq_pool, GFP_NOIO);
	memset(req, 0, sizeof(*req));
	req->type = type;
	req->flags = flags;
	req->sector = sector;
	req->buf = buf;
	req->len = len;
	req->done = done;
	req->result = result;
	req->fixed = fixed;
	req->fixed_len = fixed_len;
	req->value = value;
	queue_rreq(r, req);
	put_link(p, r);
}

/* Submits a request and waits for its ACK (or the connection's end). */
static int sync_rreq_value(struct ifrep_pair *p, u16 type, u16 flags, sector_t sector,
			   void *buf, u32 len, const void *fixed, u32 fixed_len, u32 *value)
{
	DECLARE_COMPLETION_ONSTACK(done);
	int result = -EIO;

	start_rreq(p, type, flags, sector, buf, len, fixed, fixed_len, value, &done, &result);
	wait_for_completion(&done);
	return result;
}

static int sync_rreq_fixed(struct ifrep_pair *p, u16 type, u16 flags, sector_t sector,
			   void *buf, u32 len, const void *fixed, u32 fixed_len)
{
	return sync_rreq_value(p, type, flags, sector, buf, len, fixed, fixed_len, NULL);
}

static int sync_rreq(struct ifrep_pair *p, u16 type, u16 flags, sector_t sector,
		     void *buf, u32 len)
{
	return sync_rreq_fixed(p, type, flags, sector, buf, len, NULL, 0);
}

/*
 * Whether a host flush may complete without crossing the link: the peer
 * acknowledged no write since its last flush that its volatile cache may
 * still hold (a FUA write is stable once acknowledged).  A write the peer
 * did not acknowledge yet did not complete to the host either, so the
 * flush need not cover it.
 */
static bool peer_cache_clean(struct ifrep_remote *r)
{
	unsigned long flags;
	bool clean;

	spin_lock_irqsave(&r->lock, flags);
	clean = r->conn && !r->broken && r->unstable_acks == r->stable_acks;
	spin_unlock_irqrestore(&r->lock, flags);
	return clean;
}

/* The peer acknowledged @req.  NOTE: r->lock held. */
static void note_stable(struct ifrep_remote *r, const struct ifrep_rreq *req)
{
	if (req->type == IFREP_MSG_FLUSH ||
	    (req->type == IFREP_MSG_DATA && (req->flags & IFREP_DATA_PREFLUSH)))
		r->stable_acks = max(r->stable_acks, req->covers);
	if ((req->type == IFREP_MSG_DATA && !(req->flags & IFREP_DATA_FUA)) ||
	    req->type == IFREP_MSG_DISCARD || req->type == IFREP_MSG_WRITE_ZEROES)
		r->unstable_acks++;
}

/*
 * Whether the session passes discards and write-zeroes on.  A peer before
 * protocol 2.2 cannot: a discard promises no content and is dropped, a
 * write-zeroes leaves its chunk dirty for the resync to copy the zeroes.
 */
static bool peer_takes_extents(struct ifrep_remote *r)
{
	unsigned long flags;
	bool takes;

	spin_lock_irqsave(&r->lock, flags);
	takes = !r->conn || (r->conn->features & IFREP_FEAT_DISCARD);
	spin_unlock_irqrestore(&r->lock, flags);
	return takes;
}

static void remote_submit_extent(struct ifrep_pair *p, struct ifrep_remote *r,
				 struct ifrep_io *io, struct bio *bio,
				 ifrep_leg_done_fn done)
{
	bool zeroes = bio_op(bio) == REQ_OP_WRITE_ZEROES;
	struct ifrep_rreq *req;

	if (!peer_takes_extents(r)) {
		if (zeroes)
			ifrep_pair_set_dirty(p, io->chunk);
		put_link(p, r);
		done(io, p, BLK_STS_OK);
		return;
	}
	req = mempool_alloc(rreq_pool, GFP_NOIO);
	memset(req, 0, sizeof(*req));
	req->io = io;
	req->leg_done = done;
	req->type = zeroes ? IFREP_MSG_WRITE_ZEROES : IFREP_MSG_DISCARD;
	req->sector = bio->bi_iter.bi_sector;
	req->extent.sector = cpu_to_be64(bio->bi_iter.bi_sector);
	req->extent.length = cpu_to_be32(bio->bi_iter.bi_size);
	req->fixed = &req->extent;
	req->fixed_len = sizeof(req->extent);
	queue_rreq(r, req);
	put_link(p, r);
}

/*----------------------------------------------------------------
 * Pair operations
 *--------------------------------------------------------------*/

static void remote_submit(struct ifrep_pair *p, struct ifrep_io *io, struct bio *bio,
			  ifrep_leg_done_fn done)
{
	struct ifrep_remote *r = get_link(p);
	struct ifrep_rreq *req;
	bool flush = bio->bi_opf & REQ_PREFLUSH;

	if (!r) {
		done(io, p, BLK_STS_TRANSPORT);
		return;
	}
	if (unlikely(!bio_has_data(bio) && bio_sectors(bio))) {
		remote_submit_extent(p, r, io, bio, done);
		return;
	}
	if (flush && peer_cache_clean(r)) {
		atomic64_inc(&p->remote.flushes_skipped);
		flush = false;
		/*
		 * An O_SYNC write is a FUA write and then an empty flush: that
		 * flush would cost a round trip and the peer's flush for nothing.
		 */
		if (!bio_sectors(bio)) {
			put_link(p, r);
			done(io, p, BLK_STS_OK);
			return;
		}
	}
	req = mempool_alloc(rreq_pool, GFP_NOIO);
	memset(req, 0, sizeof(*req));
	req->io = io;
	req->leg_done = done;
	if (bio_sectors(bio)) {
		req->type = IFREP_MSG_DATA;
		req->bio = bio;
		req->iter = bio->bi_iter;
		req->sector = bio->bi_iter.bi_sector;
		if (flush)
			req->flags |= IFREP_DATA_PREFLUSH;
		if (bio->bi_opf & REQ_FUA)
			req->flags |= IFREP_DATA_FUA;
	} else {
		req->type = IFREP_MSG_FLUSH;
	}
	queue_rreq(r, req);
	put_link(p, r);
}

static int remote_write_sync(struct ifrep_pair *p, sector_t sector, void *buf,
			     unsigned int len)
{
	return sync_rreq(p, IFREP_MSG_DATA, 0, sector, buf, len);
}

static void remote_write_start(struct ifrep_pair *p, sector_t sector, void *buf,
			       unsigned int len, struct completion *done, int *result)
{
	start_rreq(p, IFREP_MSG_DATA, 0, sector, buf, len, NULL, 0, NULL, done, result);
}

static int remote_flush_sync(struct ifrep_pair *p)
{
	return sync_rreq(p, IFREP_MSG_FLUSH, 0, 0, NULL, 0);
}

static int remote_cycle(struct ifrep_pair *p, u16 type, const struct ifrep_wire_cycle *c)
{
	return sync_rreq_fixed(p, type, 0, 0, NULL, 0, c, sizeof(*c));
}

/* The peer's CRC-32C of a range, for online verify. */
static int remote_checksum(struct ifrep_pair *p, sector_t sector, void *buf,
			   unsigned int len, u32 *crc)
{
	struct ifrep_wire_csum c = {
		.sector = cpu_to_be64(sector),
		.length = cpu_to_be32(len),
	};
	struct ifrep_remote *r = get_link(p);
	int err = 0;

	if (!r)
		return -ENOTCONN;
	spin_lock_irq(&r->lock);
	if (!r->conn)
		err = -ENOTCONN;
	else if (!(r->conn->features & IFREP_FEAT_CSUM))
		err = -EOPNOTSUPP;
	spin_unlock_irq(&r->lock);
	put_link(p, r);
	return err ?: sync_rreq_value(p, IFREP_MSG_CSUM, 0, 0, NULL, 0, &c, sizeof(c), crc);
}

/*
 * Checksum resync: whether the peer holds @c's range with @c's SHA-256.
 * A peer that did not offer COMPARE answers -EOPNOTSUPP at once.
 */
static void remote_compare_start(struct ifrep_pair *p, struct ifrep_compare *c)
{
	struct ifrep_remote *r = get_link(p);
	int err = 0;

	if (!r) {
		err = -ENOTCONN;
	} else {
		spin_lock_irq(&r->lock);
		if (!r->conn)
			err = -ENOTCONN;
		else if (!(r->conn->features & IFREP_FEAT_COMPARE))
			err = -EOPNOTSUPP;
		spin_unlock_irq(&r->lock);
		put_link(p, r);
	}
	if (err) {
		c->result = err;
		complete(&c->done);
		return;
	}
	c->same = 0;
	c->wire.sector = cpu_to_be64(c->sector);
	c->wire.length = cpu_to_be32(c->len);
	c->wire.reserved = 0;
	memcpy(c->wire.sha256, c->sha256, sizeof(c->wire.sha256));
	start_rreq(p, IFREP_MSG_COMPARE, 0, 0, NULL, 0, &c->wire, sizeof(c->wire), &c->same,
		   &c->done, &c->result);
}

static u32 remote_link_rtt_us(struct ifrep_pair *p)
{
	struct ifrep_remote *r = get_link(p);
	u32 us;

	if (!r)
		return 0;
	us = READ_ONCE(r->min_rtt_us);
	put_link(p, r);
	return us;
}

static int remote_set_consistent(struct ifrep_pair *p, bool consistent)
{
	return sync_rreq(p, IFREP_MSG_SYNC_STATE,
			 consistent ? IFREP_SYNC_CONSISTENT : 0, 0, NULL, 0);
}

/*----------------------------------------------------------------
 * Connection thread
 *--------------------------------------------------------------*/

static int recv_changes(struct ifrep_pair *p, struct ifrep_conn *conn,
			struct ifrep_peer_view *v)
{
	struct ifrep_volume *vol = p->vol;
	u64 len = ifrep_bitmap_le_bytes(vol->nr_chunks);
	struct ifrep_msg msg;
	__le64 *words;
	int r;

	/* More than one message holds: the peer cannot have sent it. */
	if (len > IFREP_MAX_PAYLOAD)
		return -E2BIG;
	words = kvmalloc(len, GFP_KERNEL);
	v->changes = ifrep_bitmap_alloc(vol->chunk_capacity, false);
	r = -ENOMEM;
	if (!words || !v->changes)
		goto out;
	r = ifrep_conn_recv_header(conn, &msg, false);
	if (!r && (msg.type != IFREP_MSG_BITMAP || msg.length != len))
		r = -EPROTO;
	if (!r)
		r = ifrep_conn_recv_payload(conn, &msg, words, len) ?:
		    ifrep_conn_recv_end(&msg);
	if (!r)
		ifrep_bitmap_from_le(v->changes, vol->nr_chunks, words);
out:
	kvfree(words);
	return r;
}

static int attach(struct ifrep_remote *r, struct ifrep_conn *conn,
		  struct ifrep_peer_view *v, const char **reason)
{
	struct ifrep_pair *p = r->p;
	struct ifrep_sb *sb = ifrep_md_sb(p->vol->md);
	struct ifrep_wire_attach att = { 0 };
	struct ifrep_wire_attach_reply reply;
	struct ifrep_payload pl = { .fixed = &att, .fixed_len = sizeof(att) };
	struct ifrep_msg msg;
	int err;

	memcpy(att.uuid, sb->uuid, sizeof(att.uuid));
	att.data_sectors = cpu_to_be64(sb->data_sectors);
	att.chunk_sectors = cpu_to_be32(sb->chunk_sectors);
	att.generation = cpu_to_be64(sb->data_generation);
	att.parent_generation = cpu_to_be64(sb->parent_generation);
	r->told_timeout_s = READ_ONCE(p->remote.timeout_s);
	att.timeout_s = cpu_to_be32(r->told_timeout_s);
	att.logical_block_size = cpu_to_be32(bdev_logical_block_size(p->vol->data_bdev));
	err = ifrep_conn_send(conn, IFREP_MSG_ATTACH, 0, 0, &pl);
	if (err) {
		*reason = "send_failed";
		return err;
	}
	err = ifrep_conn_recv_small(conn, &msg, &reply, sizeof(reply), false);
	if (err || msg.type != IFREP_MSG_ATTACH_REPLY) {
		*reason = "attach_failed";
		return err ?: -EPROTO;
	}
	if (reply.status) {
		ifrep_proto_sanitize(reply.reason, sizeof(reply.reason));
		DMERR_LIMIT("%s: pair %s: %s refused the volume: %s", p->vol->name,
			    p->name, p->peer, reply.reason);
		/* Not for good: it attaches once it was grown too. */
		if (be32_to_cpu(reply.status) == ENOSPC) {
			*reason = "secondary_smaller";
			return -ENOSPC;
		}
		*reason = "refused_by_peer";
		return -EACCES;
	}
	v->flags = be32_to_cpu(reply.flags);
	v->generation = be64_to_cpu(reply.generation);
	v->parent = be64_to_cpu(reply.parent_generation);
	/* A peer that cannot tell may have restarted. */
	v->restarted = !(conn->features & IFREP_FEAT_RESTARTED) ||
		       (v->flags & IFREP_ATTACH_RESTARTED);
	if (v->flags & IFREP_ATTACH_CHANGES) {
		err = recv_changes(p, conn, v);
		if (err) {
			*reason = "attach_failed";
			return err;
		}
	}
	return 0;
}

static int connect_peer(struct ifrep_remote *r, struct ifrep_conn **out,
			struct ifrep_peer_view *v, const char **reason, bool *fatal)
{
	struct ifrep_pair *p = r->p;
	struct ifrep_volume *vol = p->vol;
	struct ifrep_stream *stream;
	struct ifrep_conn *conn;
	u8 *secret = NULL;
	unsigned int secret_len = 0;
	int err;

	mutex_lock(&vol->secret_lock);
	if (p->remote.secret) {
		secret = kmemdup(p->remote.secret, p->remote.secret_len, GFP_KERNEL);
		secret_len = p->remote.secret_len;
	}
	mutex_unlock(&vol->secret_lock);
	if (!secret && !p->remote.insecure) {
		*reason = IFREP_REASON_NO_SECRET;
		*fatal = true;
		return -EACCES;
	}

	err = ifrep_transport_connect(&r->addr, CONNECT_TIMEOUT, ifrep_window_max_bytes(), &stream);
	if (err) {
		*reason = err == -ETIMEDOUT ? "connect_timeout" : "connect_failed";
		goto out;
	}
	conn = ifrep_conn_create(stream);
	if (!conn) {
		ifrep_transport_close(stream);
		*reason = "out_of_memory";
		err = -ENOMEM;
		goto out;
	}
	err = ifrep_handshake_client(conn, IFREP_HELLO_PRIMARY |
				     (p->remote.integrity_only ? IFREP_HELLO_INTEGRITY : 0),
				     secret, secret_len, reason);
	if (err) {
		DMERR_LIMIT("%s: pair %s: handshake with %s failed: %s", vol->name,
			    p->name, p->peer, *reason);
		/* An old peer gets a reason of its own: both sides need the upgrade. */
		*reason = err == -EACCES ? "auth_failed" :
			  err == -EPROTONOSUPPORT && !strcmp(*reason, IFREP_REASON_PEER_1X) ?
			  "peer_protocol_1x" :
			  err == -EPROTONOSUPPORT ? "version_mismatch" : "handshake_failed";
		*fatal = err == -EACCES || err == -EPROTONOSUPPORT;
	} else {
		ifrep_transport_open(stream, ifrep_window_max_bytes());
		err = attach(r, conn, v, reason);
		*fatal = err && !strcmp(*reason, "refused_by_peer");
	}
	if (err)
		ifrep_conn_destroy(conn);
	else
		*out = conn;
out:
	kfree_sensitive(secret);
	return err;
}

/* Link trouble: retrying inside the threshold, disconnected after it. */
static void note_trouble(struct ifrep_remote *r, const char *reason, bool fatal)
{
	struct ifrep_pair *p = r->p;
	unsigned long since;

	spin_lock_irq(&r->lock);
	if (!r->trouble_since)
		r->trouble_since = jiffies ?: 1;
	since = r->trouble_since;
	spin_unlock_irq(&r->lock);

	if (fatal)
		p->events->state(p, IFREP_PS_FAILED, reason);
	else if (time_after(jiffies, since + READ_ONCE(p->remote.timeout_s) * HZ))
		p->events->state(p, IFREP_PS_DISCONNECTED, reason);
	else
		p->events->state(p, IFREP_PS_RETRYING, reason);
}

static void teardown(struct ifrep_remote *r);

/*
 * The connection becomes the pair's and the engine takes it from there,
 * unless the target is being closed: then it is dropped.  Returns whether
 * it was taken.
 */
static bool attached(struct ifrep_remote *r, struct ifrep_conn *conn,
		     const struct ifrep_peer_view *v)
{
	struct ifrep_pair *p = r->p;

	/* The pair may be paused or removed meanwhile: it must not replicate. */
	ifrep_debug_delay();
	if (kthread_should_stop()) {
		ifrep_conn_destroy(conn);
		return false;
	}
	ifrep_conn_set_timeout(conn, READ_ONCE(p->remote.timeout_s) * HZ);
	spin_lock_irq(&r->lock);
	r->conn = conn;
	r->broken = false;
	r->trouble_since = 0;
	r->last_rx = jiffies;
	r->min_rtt_us = 0;
	r->unstable_acks = r->stable_acks + 1;
	spin_unlock_irq(&r->lock);
	if (!p->events->attached(p, v))
		return true;
	break_conn(r, "closed", false);
	teardown(r);
	return false;
}

/* The peer's answer: a few errnos mean something to us, the rest is EIO. */
static int ack_status(const struct ifrep_wire_ack *ack)
{
	u32 status = be32_to_cpu(ack->status);

	if (!status)
		return 0;
	return status == ENOSPC || status == EOPNOTSUPP ? -(int)status : -EIO;
}

/* NOTE: r->lock held. */
static void note_rtt(struct ifrep_remote *r, struct ifrep_rreq *req)
{
	s64 us;

	if (!req->sent)
		return;
	us = max_t(s64, ktime_us_delta(ktime_get(), req->sent), 1);
	if (!r->min_rtt_us || us < r->min_rtt_us)
		r->min_rtt_us = min_t(s64, us, U32_MAX);
}

static struct ifrep_rreq *find_inflight(struct ifrep_remote *r, u64 id)
{
	struct ifrep_rreq *req;

	list_for_each_entry(req, &r->inflight, list)
		if (req->id == id)
			return req;
	return NULL;
}

/*
 * Why the connection must go, or NULL: the oldest request sent is not
 * acknowledged within the threshold, or the peer has been silent that long
 * (it answers a PING sooner).  Checked at every turn of the receive loop,
 * whatever arrives meanwhile.
 */
static const char *overdue(struct ifrep_remote *r, unsigned long timeout)
{
	struct ifrep_rreq *req;
	const char *why = NULL;

	spin_lock_irq(&r->lock);
	req = list_first_entry_or_null(&r->inflight, struct ifrep_rreq, list);
	if ((req && time_after(jiffies, req->deadline)) ||
	    time_after(jiffies, r->last_rx + timeout))
		why = "timeout";
	spin_unlock_irq(&r->lock);
	return why;
}

/* Reads ACKs until the connection breaks or the thread is stopped. */
static void receive_loop(struct ifrep_remote *r, struct ifrep_conn *conn)
{
	struct ifrep_pair *p = r->p;
	union {
		struct ifrep_wire_ack ack;
		struct ifrep_wire_error error;
		u8 ping[64];
	} buf;
	struct ifrep_rreq *req, *found;
	struct ifrep_msg msg;
	/* What the secondary was told at attach: its own silence limit. */
	const unsigned long told = r->told_timeout_s * HZ;
	unsigned long timeout = 0, now_timeout, ping_every = HZ;
	unsigned long last_ping = jiffies;
	const char *why = NULL;
	int err;

	while (!kthread_should_stop()) {
		now_timeout = READ_ONCE(p->remote.timeout_s) * HZ;
		if (now_timeout != timeout) {
			/* At the start, and when pair_set changed the threshold. */
			timeout = now_timeout;
			ifrep_conn_set_timeout(conn, timeout);
			/*
			 * Probe a quiet link often enough to notice its loss
			 * within timeout, and to stay within the secondary's limit.
			 */
			ping_every = max_t(unsigned long, HZ, min(timeout, told) / 3);
		}
		why = overdue(r, timeout);
		if (why)
			break;
		err = ifrep_conn_recv_small(conn, &msg, &buf, sizeof(buf), true);
		if (err == -EAGAIN) {
			if (time_after(jiffies, r->last_rx + ping_every) &&
			    time_after(jiffies, last_ping + ping_every)) {
				last_ping = jiffies;
				/*
				 * The sender may be stuck in a send: never wait
				 * behind it, or the deadlines above go unchecked.
				 */
				err = ifrep_conn_try_send(conn, IFREP_MSG_PING, 0, 0, NULL);
				if (err && err != -EBUSY) {
					why = "send_failed";
					break;
				}
			}
			continue;
		}
		if (err) {
			why = err == -ECONNRESET ? "peer_closed" :
			      err == -EPROTO || err == -EBADMSG ? "protocol_error" :
			      "receive_failed";
			break;
		}
		r->last_rx = jiffies;
		if (msg.type == IFREP_MSG_PONG)
			continue;
		if (msg.type == IFREP_MSG_ERROR) {
			buf.error.reason[sizeof(buf.error.reason) - 1] = '\0';
			ifrep_proto_sanitize(buf.error.reason, sizeof(buf.error.reason));
			DMERR_LIMIT("%s: pair %s: peer reports: %s", p->vol->name,
				    p->name, buf.error.reason);
			why = "peer_error";
			break;
		}
		if (msg.type != IFREP_MSG_ACK) {
			DMERR_LIMIT("%s: pair %s: unexpected message type %u",
				    p->vol->name, p->name, msg.type);
			why = "protocol_error";
			break;
		}
		spin_lock_irq(&r->lock);
		req = find_inflight(r, msg.id);
		found = req;
		if (req) {
			list_del(&req->list);
			note_rtt(r, req);
			if (!ack_status(&buf.ack))
				note_stable(r, req);
			if (req->value)
				*req->value = be32_to_cpu(buf.ack.value);
			if (req == r->sending) {
				r->sending_finished = true;
				r->sending_status = ack_status(&buf.ack);
				req = NULL;
			}
		}
		spin_unlock_irq(&r->lock);
		if (!found) {
			DMERR_LIMIT("%s: pair %s: ACK for unknown request %llu",
				    p->vol->name, p->name, msg.id);
			why = "protocol_error";
			break;
		}
		if (req)
			complete_rreq(r, req, ack_status(&buf.ack));
	}
	break_conn(r, why ?: "stopped", !kthread_should_stop());
}

static bool conn_shut(struct ifrep_remote *r)
{
	bool shut;

	spin_lock_irq(&r->lock);
	shut = !r->shutting_down;
	spin_unlock_irq(&r->lock);
	return shut;
}

/*
 * conn is broken by now (break_conn() ran), so no other break_conn() can
 * start on it; the one that won may still be shutting it down.
 */
static void teardown(struct ifrep_remote *r)
{
	struct ifrep_conn *conn;

	flush_work(&r->send_work);
	wait_event(r->wait, conn_shut(r));
	spin_lock_irq(&r->lock);
	conn = r->conn;
	r->conn = NULL;
	r->broken = false;
	spin_unlock_irq(&r->lock);
	if (conn)
		ifrep_conn_destroy(conn);
}

static int connection_thread(void *data)
{
	struct ifrep_remote *r = data;
	struct ifrep_pair *p = r->p;
	struct ifrep_conn *conn;
	struct ifrep_peer_view view;
	const char *reason;
	unsigned long delay;
	bool fatal;
	int err;

	while (!kthread_should_stop()) {
		reason = NULL;
		fatal = false;
		memset(&view, 0, sizeof(view));
		WRITE_ONCE(r->retry_now, false);
		err = connect_peer(r, &conn, &view, &reason, &fatal);
		if (err) {
			note_trouble(r, reason, fatal);
		} else {
			err = p->events->decide(p, &view);
			if (err)
				ifrep_conn_destroy(conn);
		}
		ifrep_bitmap_free(view.changes);
		if (err) {
			delay = READ_ONCE(p->state) == IFREP_PS_RETRYING ? RETRY_FAST : RETRY_SLOW;
			wait_event_interruptible_timeout(r->wait, kthread_should_stop() ||
							 READ_ONCE(r->retry_now),
							 delay);
			continue;
		}
		if (!attached(r, conn, &view))
			continue;
		receive_loop(r, conn);
		teardown(r);
	}
	return 0;
}

/*----------------------------------------------------------------
 * Open and close
 *--------------------------------------------------------------*/

static int remote_open(struct ifrep_pair *p, const char **reason)
{
	struct ifrep_remote *r;
	int err;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r) {
		*reason = "out_of_memory";
		return -ENOMEM;
	}
	if (ifrep_parse_addr(p->peer, &r->addr)) {
		kfree(r);
		*reason = "bad_address";
		return -EINVAL;
	}
	r->p = p;
	spin_lock_init(&r->lock);
	INIT_LIST_HEAD(&r->host_queue);
	INIT_LIST_HEAD(&r->send_queue);
	INIT_LIST_HEAD(&r->inflight);
	INIT_WORK(&r->send_work, send_worker);
	init_waitqueue_head(&r->wait);
	r->send_wq = alloc_workqueue("dm-ifrep-send", WQ_MEM_RECLAIM | WQ_UNBOUND, 1);
	if (!r->send_wq) {
		kfree(r);
		*reason = "out_of_memory";
		return -ENOMEM;
	}
	p->events->state(p, IFREP_PS_RETRYING, "connecting");
	r->thread = kthread_create(connection_thread, r, "ifrep_conn/%s", p->name);
	if (IS_ERR(r->thread)) {
		err = PTR_ERR(r->thread);
		destroy_workqueue(r->send_wq);
		kfree(r);
		*reason = "no_thread";
		return err;
	}
	spin_lock_irq(&p->remote.lock);
	p->remote.link = r;
	spin_unlock_irq(&p->remote.lock);
	wake_up_process(r->thread);
	return 0;
}

/*
 * Safe against a second close (a finished copy closes its target from its
 * cycle worker, outside admin_lock): only the caller that detached the
 * link tears it down.
 */
static void remote_close(struct ifrep_pair *p)
{
	struct ifrep_remote *r;

	spin_lock_irq(&p->remote.lock);
	r = p->remote.link;
	p->remote.link = NULL;
	spin_unlock_irq(&p->remote.lock);
	if (!r)
		return;
	/* Stops the thread: its receive loop polls, and break_conn() wakes it. */
	break_conn(r, "closed", false);
	kthread_stop(r->thread);
	/* A leg or request that found the link before it went is queued by now. */
	wait_event(p->vol->wait, link_unused(p, r));
	teardown(r);
	destroy_workqueue(r->send_wq);
	kfree(r);
}

void ifrep_remote_wake(struct ifrep_pair *p)
{
	struct ifrep_remote *r = get_link(p);

	if (r) {
		WRITE_ONCE(r->retry_now, true);
		wake_up_all(&r->wait);
		put_link(p, r);
	}
}

void ifrep_remote_init_target(struct ifrep_remote_target *t)
{
	spin_lock_init(&t->lock);
}

void ifrep_remote_set_secret(struct ifrep_pair *p, u8 *secret, unsigned int len)
{
	mutex_lock(&p->vol->secret_lock);
	kfree_sensitive(p->remote.secret);
	p->remote.secret = secret;
	p->remote.secret_len = len;
	mutex_unlock(&p->vol->secret_lock);
	ifrep_remote_wake(p);
}

const struct ifrep_pair_ops ifrep_remote_ops = {
	.remote = true,
	.open = remote_open,
	.close = remote_close,
	.submit = remote_submit,
	.write_sync = remote_write_sync,
	.write_start = remote_write_start,
	.flush_sync = remote_flush_sync,
	.set_consistent = remote_set_consistent,
	.checksum = remote_checksum,
	.compare_start = remote_compare_start,
	.link_rtt_us = remote_link_rtt_us,
	.cycle = remote_cycle,
};

int ifrep_remote_init(void)
{
	rreq_cache = KMEM_CACHE(ifrep_rreq, 0);
	if (!rreq_cache)
		return -ENOMEM;
	rreq_pool = mempool_create_slab_pool(64, rreq_cache);
	if (!rreq_pool) {
		kmem_cache_destroy(rreq_cache);
		return -ENOMEM;
	}
	return 0;
}

void ifrep_remote_exit(void)
{
	mempool_destroy(rreq_pool);
	kmem_cache_destroy(rreq_cache);
}
