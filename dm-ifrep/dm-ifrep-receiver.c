// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep receiver: the secondary's side of a remote pair.
 *
 * A listener thread accepts connections on the volume's listen address and
 * gives each its own session thread.  Connections still in their handshake
 * live in a pool of their own (MAX_PREAUTH, the oldest dropped to make room
 * for a new one, one 10-second deadline for the whole handshake); only
 * authenticated ones take one of the MAX_SESSIONS slots, so a host that
 * floods the port with idle or trickling connections cannot keep a primary
 * out.  A session authenticates its peer,
 * then either measures bandwidth (BW_DATA is read and thrown away) or
 * attaches as the volume's primary: at most one at a time; a newly
 * authenticated session of the same primary replaces a stale one.
 *
 * What the primary's session then receives is applied by
 * dm-ifrep-session.c.
 *
 * Session threads hold a module reference and exit by themselves; the
 * listener waits for all of them before the volume goes away.  Each
 * session also holds a reference to the listener, dropped as the very last
 * thing it does: whoever drops the last one frees the listener, so a
 * session that is still waking the stopper cannot touch freed memory.
 * vol->listener changes under vol->lock, which the status path holds.
 */
#include "dm-ifrep-bitmap.h"
#include "dm-ifrep-journal.h"
#include "dm-ifrep-receiver.h"
#include "dm-ifrep-session.h"
#include "dm-ifrep-window.h"

#include <linux/kthread.h>
#include <linux/module.h>

#define DM_MSG_PREFIX "ifrep"

#define MAX_SESSIONS		4	/* authenticated */
#define MAX_PREAUTH		16	/* in their handshake */
/* Dropped ones whose threads have not yet exited count too, up to this. */
#define MAX_PREAUTH_THREADS	(2 * MAX_PREAUTH)
#define REPLACE_TIMEOUT		(10 * HZ)

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
 * Sessions
 *--------------------------------------------------------------*/

/* Sends the local area: the chunks this volume changed since the split. */
static int send_local_changes(struct ifrep_session *s)
{
	struct ifrep_volume *vol = s->l->vol;
	u64 len = ifrep_bitmap_le_bytes(s->primary_chunks);
	struct ifrep_payload pl = { 0 };
	__le64 *words;
	int r;

	if (len > IFREP_MAX_PAYLOAD)
		return -E2BIG;
	words = kvmalloc(len, GFP_KERNEL);
	if (!words)
		return -ENOMEM;
	mutex_lock(&vol->bitmap_lock);
	ifrep_bitmap_to_le(vol->local_ondisk, s->primary_chunks, words);
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
	} else if (be64_to_cpu(att.data_sectors) > sb->data_sectors) {
		/* A secondary grows first (a larger one waits for its primary). */
		refuse = "the secondary is smaller than the primary: grow it (ifrepctl resize)";
		status = ENOSPC;
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
	/* What it does not have yet it copies whole when it grows. */
	s->primary_chunks = DIV_ROUND_UP_ULL(be64_to_cpu(att.data_sectors), sb->chunk_sectors);
	if (!bitmap_empty(vol->local_ondisk, s->primary_chunks))
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
	if (!r && !refuse) {
		DMINFO("%s: primary %s attached", vol->name, s->conn->stream->peer);
		ifrep_volume_event(vol);
	}
	return refuse ? -EACCES : r;
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
			ifrep_session_set_applying(l->vol, false);
	}

	mutex_lock(&l->lock);
	list_del(&s->list);
	if (!s->authed)
		l->nr_preauth--;
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

/*
 * An authenticated connection leaves the pre-auth pool for a session slot.
 * A primary may take one more than MAX_SESSIONS: it replaces its own stale
 * session at attach, and bandwidth tests must not keep it out.
 */
static int take_session_slot(struct ifrep_session *s, u16 flags, const char **reason)
{
	struct ifrep_listener *l = s->l;
	unsigned int limit = MAX_SESSIONS + !!(flags & IFREP_HELLO_PRIMARY);
	int r = 0;

	mutex_lock(&l->lock);
	if (s->evicted) {
		r = -ECONNRESET;
	} else if (l->nr_sessions - l->nr_preauth >= limit) {
		*reason = "too many sessions";
		r = -EBUSY;
	} else {
		s->authed = true;
		l->nr_preauth--;
	}
	mutex_unlock(&l->lock);
	return r;
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
	if (!r)
		r = take_session_slot(s, flags, &reason);
	if (!r)
		ifrep_transport_open(s->conn->stream, ifrep_window_max_bytes());
	if (r) {
		if (READ_ONCE(s->evicted))
			reason = "pre-authentication pool full: oldest connection dropped";
		DMERR_LIMIT("%s: refused connection from %s: %s", vol->name,
			    s->conn->stream->peer, reason);
	} else if (flags & IFREP_HELLO_BWTEST) {
		r = ifrep_session_bwtest_loop(s);
	} else if (flags & IFREP_HELLO_PRIMARY) {
		r = attach_primary(s);
		if (!r)
			r = ifrep_session_primary_loop(s);
		if (r && r != -EACCES && r != -ECONNRESET)
			DMERR_LIMIT("%s: session with %s ended: %d", vol->name,
				    s->conn->stream->peer, r);
	}
	end_session(s);
	module_put_and_kthread_exit(0);
	return 0;
}

/*
 * The pre-auth pool is full: the oldest connection still in its handshake
 * goes (its thread sees the shutdown at once and ends).  Those that have
 * not even sent a valid HELLO go first: a real peer sends its HELLO at
 * once, so a flood of idle or trickling connections that arrives while a
 * primary is between its HELLO and its proof cannot push it out.
 * NOTE: l->lock held.
 */
static void evict_oldest_preauth(struct ifrep_listener *l)
{
	struct ifrep_session *s, *oldest = NULL, *oldest_silent = NULL;
	unsigned int live = 0;

	lockdep_assert_held(&l->lock);
	list_for_each_entry(s, &l->sessions, list) {
		if (!s->authed && !s->evicted) {
			if (!oldest)
				oldest = s;
			if (!oldest_silent && !READ_ONCE(s->conn->hello_done))
				oldest_silent = s;
			live++;
		}
	}
	if (oldest_silent)
		oldest = oldest_silent;
	if (live < MAX_PREAUTH)
		return;
	DMWARN_LIMIT("%s: pre-authentication pool full: dropping %s", l->vol->name,
		     oldest->conn->stream->peer);
	oldest->evicted = true;
	ifrep_transport_shutdown(oldest->conn->stream);
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
	INIT_WORK(&s->ack_work, ifrep_session_ack_worker);
	init_waitqueue_head(&s->wait);

	mutex_lock(&l->lock);
	if (l->stopping || l->nr_preauth >= MAX_PREAUTH_THREADS) {
		mutex_unlock(&l->lock);
		DMERR_LIMIT("%s: too many connections: refusing %s", l->vol->name,
			    stream->peer);
		ifrep_conn_destroy(s->conn);
		kfree(s);
		return;
	}
	evict_oldest_preauth(l);
	list_add_tail(&s->list, &l->sessions);
	l->nr_sessions++;
	l->nr_preauth++;
	refcount_inc(&l->refs);
	mutex_unlock(&l->lock);

	__module_get(THIS_MODULE);
	t = kthread_run(session_thread, s, "ifrep_rx/%s", l->vol->name);
	if (IS_ERR(t)) {
		module_put(THIS_MODULE);
		mutex_lock(&l->lock);
		list_del(&s->list);
		l->nr_sessions--;
		l->nr_preauth--;
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
			r = ifrep_transport_listen(&l->addr, ifrep_window_max_bytes(),
						   &l->lstream);
			if (r) {
				if (strcmp(l->state, IFREP_UPSTREAM_LISTEN_FAILED)) {
					DMERR("%s: cannot listen on %pISpc: %d", l->vol->name,
					      &l->addr, r);
					WRITE_ONCE(l->state, IFREP_UPSTREAM_LISTEN_FAILED);
					ifrep_volume_event(l->vol);
				}
				schedule_timeout_interruptible(5 * HZ);
				continue;
			}
			WRITE_ONCE(l->state, IFREP_UPSTREAM_LISTENING);
			ifrep_volume_event(l->vol);
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
