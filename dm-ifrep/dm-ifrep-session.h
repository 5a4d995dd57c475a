/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-ifrep receiver internals: a secondary's listener and its sessions,
 * shared by dm-ifrep-receiver.c (listening, authenticating, attaching,
 * ending sessions) and dm-ifrep-session.c (applying what a primary sends).
 */
#ifndef DM_IFREP_SESSION_H
#define DM_IFREP_SESSION_H

#include "dm-ifrep.h"
#include "dm-ifrep-proto.h"

struct ifrep_listener {
	refcount_t refs;		/* its owner's, and one per session */
	struct ifrep_volume *vol;
	struct sockaddr_storage addr;
	struct ifrep_stream *lstream;
	struct task_struct *thread;
	struct workqueue_struct *ack_wq;
	const char *state;

	struct mutex lock;
	struct list_head sessions;	/* oldest first */
	unsigned int nr_sessions;	/* threads, whatever their state */
	unsigned int nr_preauth;	/* of them, still in their handshake */
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
	bool authed;			/* passed the handshake: a session slot */
	bool evicted;			/* dropped from the pre-auth pool */
	u64 primary_generation;		/* taken once we hold its full image */
	u64 primary_chunks;		/* its size: ours or less (it grows last) */
	unsigned long silence_limit;	/* the primary pings within this */
};

/* The primary's session: applies its requests until it ends. */
int ifrep_session_primary_loop(struct ifrep_session *s);
/* A bandwidth test session: reads and drops BW_DATA until it ends. */
int ifrep_session_bwtest_loop(struct ifrep_session *s);
/* Work function of s->ack_work: acknowledges the writes completed. */
void ifrep_session_ack_worker(struct work_struct *ws);
/* Whether the volume is applying a cycle (status, reads refused). */
void ifrep_session_set_applying(struct ifrep_volume *vol, bool applying);

#endif
