/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-ifrep remote targets, primary side: a secondary volume on another
 * host, reached over the wire protocol (struct ifrep_pair_ops).
 */
#ifndef DM_IFREP_REMOTE_H
#define DM_IFREP_REMOTE_H

#include <linux/spinlock.h>
#include <linux/types.h>

struct ifrep_pair;
struct ifrep_remote;

struct ifrep_remote_target {
	spinlock_t lock;		/* link, and the users of what it points to */
	struct ifrep_remote *link;	/* connection thread and queues; NULL when closed */
	u32 timeout_s;			/* remote timeout threshold */
	bool insecure;
	bool integrity_only;		/* authenticate, do not encrypt */
	u8 *secret;			/* under vol->secret_lock */
	unsigned int secret_len;
	bool discard_remote;		/* resolve: overwrite the peer's changes */
	/*
	 * Host write legs acknowledged since activation, and their time from
	 * queued to handed to the socket (send), then to the ACK (wire).
	 */
	atomic64_t legs;
	atomic64_t send_ns;
	atomic64_t wire_ns;
	/*
	 * Empty host flushes the peer acknowledged and their time from queued
	 * to the ACK; host flushes (empty, or a write's preflush) that did not
	 * cross the link because the peer held nothing in a volatile cache.
	 */
	atomic64_t flushes;
	atomic64_t flush_ns;
	atomic64_t flushes_skipped;
};

extern const struct ifrep_pair_ops ifrep_remote_ops;

void ifrep_remote_init_target(struct ifrep_remote_target *t);

/*
 * Takes @secret (kmalloc'ed, @len bytes) as the pair's shared secret and
 * retries a connection that waited for one.  admin_lock held.
 */
void ifrep_remote_set_secret(struct ifrep_pair *p, u8 *secret, unsigned int len);
/* Retries a connection now (a secret arrived, a resolution was given). */
void ifrep_remote_wake(struct ifrep_pair *p);

int ifrep_remote_init(void);
void ifrep_remote_exit(void);

#endif
