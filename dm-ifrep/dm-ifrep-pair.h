/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-ifrep pairs: one replication target of a volume.
 *
 * struct ifrep_pair holds what every part of the engine reads (the state,
 * the dirty chunks, the counters) and embeds one sub-struct per subsystem
 * that keeps per-pair state; each is declared, initialised and used by its
 * own file.
 *
 * Two contracts connect a pair to its target, one per direction:
 *   struct ifrep_pair_ops     engine -> target: local block device or
 *                             remote volume (dm-ifrep-local.c,
 *                             dm-ifrep-remote.c);
 *   struct ifrep_pair_events  target -> engine: what the target reports
 *                             (state changes, a remote peer attached).
 * A host write's leg completes through the function passed to submit().
 */
#ifndef DM_IFREP_PAIR_H
#define DM_IFREP_PAIR_H

#include "dm-ifrep.h"
#include "dm-ifrep-bitmap.h"
#include "dm-ifrep-copydev.h"
#include "dm-ifrep-cycle.h"
#include "dm-ifrep-local.h"
#include "dm-ifrep-remote.h"
#include "dm-ifrep-resync.h"
#include "dm-ifrep-verify.h"
#include "dm-ifrep-window.h"

struct ifrep_wire_cycle;

struct ifrep_pair_ops {
	/*
	 * Remote pairs connect in the background: open() only starts that and
	 * the target reports the state itself; local pairs are usable once
	 * open() returns.
	 */
	bool remote;
	/* Opens the target; may block.  Returns 0 or -errno, sets *reason. */
	int (*open)(struct ifrep_pair *p, const char **reason);
	/* Releases the target; no leg may be in flight. */
	void (*close)(struct ifrep_pair *p);
	/*
	 * Replicates a host write (or an empty flush) @bio, which the caller
	 * keeps alive until the leg completes by @done.  Called from map or
	 * worker context: must not block for long.
	 */
	void (*submit)(struct ifrep_pair *p, struct ifrep_io *io, struct bio *bio,
		       ifrep_leg_done_fn done);
	/* Resync: write @len bytes at @sector from @buf; blocks. */
	int (*write_sync)(struct ifrep_pair *p, sector_t sector, void *buf,
			  unsigned int len);
	/*
	 * Optional, for targets with a round trip per write: starts the same
	 * write and returns; *@result is set and @done completed once the
	 * target has it (or it failed).  @buf stays untouched until then.
	 */
	void (*write_start)(struct ifrep_pair *p, sector_t sector, void *buf,
			    unsigned int len, struct completion *done, int *result);
	/* Makes every completed write stable on the target; blocks. */
	int (*flush_sync)(struct ifrep_pair *p);
	/*
	 * Optional: tells the target whether it holds a complete image (false
	 * before a resync starts copying, true once it finished); blocks.
	 */
	int (*set_consistent)(struct ifrep_pair *p, bool consistent);
	/* Optional (async): CYCLE_BEGIN or CYCLE_COMMIT; blocks. */
	int (*cycle)(struct ifrep_pair *p, u16 type, const struct ifrep_wire_cycle *c);
	/*
	 * Online verify: the target's CRC-32C of @len bytes at @sector; @buf
	 * (@len bytes) is scratch space.  Blocks.
	 */
	int (*checksum)(struct ifrep_pair *p, sector_t sector, void *buf,
			unsigned int len, u32 *crc);
	/*
	 * Optional, checksum resync: starts asking whether the target holds
	 * @c's range with @c's SHA-256 and returns; @c->done completes with
	 * @c->result (-EOPNOTSUPP: this target cannot compare) and @c->same.
	 * @c stays untouched by the caller until then.
	 */
	void (*compare_start)(struct ifrep_pair *p, struct ifrep_compare *c);
	/*
	 * Optional: the link's round trip as measured so far, in microseconds
	 * (0: not known yet).  Any context but interrupts.
	 */
	u32 (*link_rtt_us)(struct ifrep_pair *p);
};

/* What a remote secondary said about itself when it attached. */
struct ifrep_peer_view {
	u32 flags;			/* IFREP_ATTACH_* */
	u64 generation;
	u64 parent;
	unsigned long *changes;		/* its local area, when it sent one */
	bool restarted;			/* its cache may have lost acked writes */
	bool target_consistent;		/* set by events->decide() */
};

struct ifrep_pair_events {
	/*
	 * The target cannot take writes, or its link is in trouble or back:
	 * the pair takes @state (with @reason).  Any context.
	 */
	void (*state)(struct ifrep_pair *p, enum ifrep_pair_state state,
		      const char *reason);
	/*
	 * A remote peer authenticated and described itself: decide from the
	 * generations what must be copied.  0 to attach it, or -errno with the
	 * pair's state set (split brain, peer is newer) to drop it.  Process
	 * context, blocks.
	 */
	int (*decide)(struct ifrep_pair *p, struct ifrep_peer_view *view);
	/*
	 * The connection of a decided peer is usable: replicate.  -errno when
	 * the target is being closed meanwhile: drop the connection.  Process
	 * context.
	 */
	int (*attached)(struct ifrep_pair *p, const struct ifrep_peer_view *view);
};

struct ifrep_pair {
	struct ifrep_volume *vol;
	unsigned int slot;
	const struct ifrep_pair_ops *ops;
	const struct ifrep_pair_events *events;
	char name[IFREP_NAME_LEN];
	char peer[IFREP_PEER_LEN];
	u32 mode;
	u64 rate_limit;			/* bytes/s, 0 = unlimited */

	/* Under vol->lock. */
	enum ifrep_pair_state state;
	const char *reason;
	unsigned long *dirty;
	u64 nr_dirty;
	bool target_consistent;		/* what the target was last told */
	/*
	 * The target is being closed (pause, resume, remove): what it reports
	 * any more is ignored, so that a connection made meanwhile cannot put
	 * the pair back into a replicating state.
	 */
	bool closing;
	/* A local target was flushed when it was last closed: nothing it acked is lost. */
	bool close_flushed;
	/* The copy device of a local copy pair (dm-ifrep-copydev.c), or NULL. */
	struct ifrep_copydev *copydev;

	/*
	 * Uses of the target in flight, host write legs and the sweep's
	 * flushes: closing the target, and freeing the pair, wait for them.
	 */
	atomic_t target_users;
	atomic64_t bytes_sent;

	/* Copy rate shown in status, under vol->lock. */
	unsigned long rate_stamp;
	u64 rate_bytes_at_stamp;
	u64 rate_bytes_per_s;

	struct ifrep_pair_bitmap bitmap;	/* dm-ifrep-bitmap.c */
	struct ifrep_resync resync;		/* dm-ifrep-resync.c */
	struct ifrep_cycle cycle;		/* dm-ifrep-cycle.c */
	struct ifrep_verify verify;		/* dm-ifrep-verify.c */
	struct ifrep_local_target local;	/* dm-ifrep-local.c */
	struct ifrep_remote_target remote;	/* dm-ifrep-remote.c */
};

/*----------------------------------------------------------------
 * dm-ifrep-pair.c: a pair's state and the chunks it must copy
 *--------------------------------------------------------------*/

/* The pair named @name, or NULL. */
struct ifrep_pair *ifrep_pair_find(struct ifrep_volume *vol, const char *name);

/* NOTE: the __ functions must be called with vol->lock held. */
void __ifrep_pair_set_state(struct ifrep_pair *p, enum ifrep_pair_state state,
			    const char *reason);
/* Whether host writes into chunks in sync go to this pair's target. */
bool __ifrep_pair_replicating(struct ifrep_pair *p);
/* Chunk @chunk must be copied (again); a sync pair in sync resyncs it. */
void __ifrep_pair_set_dirty(struct ifrep_pair *p, u64 chunk);
void ifrep_pair_set_dirty(struct ifrep_pair *p, u64 chunk);

/* Sets vol->lock itself; any context. */
void ifrep_pair_set_state(struct ifrep_pair *p, enum ifrep_pair_state state,
			  const char *reason);
/*
 * The same for a state the target caused, ignored once the target is
 * being closed.  Return: whether it was taken.
 */
bool ifrep_pair_target_state(struct ifrep_pair *p, enum ifrep_pair_state state,
			     const char *reason);

/*
 * Wakes the pair's copying: a sync pair's resync worker, an async or copy
 * pair's next cycle (the initial one now, later ones when due).  Any
 * context.
 */
void ifrep_pair_kick(struct ifrep_pair *p);

/* Sets and clears IFREP_PAIR_F_* in the pair's record; commits.  Blocks. */
int ifrep_pair_record_flags(struct ifrep_pair *p, u32 set, u32 clear);
/*
 * Records the pair's online verify (IFREP_PAIR_VERIFY_*, the chunk it goes
 * on at, what it found, when it first started) in its record; commits.
 * Blocks.
 */
int ifrep_pair_record_verify(struct ifrep_pair *p, u32 state, u64 next, u64 differing,
			     u64 started);
/* Every chunk must be copied: the target is a new, empty one.  Blocks. */
int ifrep_pair_mark_all_dirty(struct ifrep_pair *p);
/*
 * @chunks must be copied too (or, @replace, only they: a sync-back that
 * supersedes a new pair's full copy).  Durable before they count.  Blocks.
 */
int ifrep_pair_add_dirty(struct ifrep_pair *p, const unsigned long *chunks,
			 bool replace);

/*
 * A target may have a volatile write cache: a write it acknowledged is
 * stable only once a flush covering it completed.  The chunks whose bits
 * are on disk (every chunk written since the last flush the sweep made
 * before clearing bits) must be copied again when that is in doubt: the
 * target restarted, reconnected or was reopened, or failed a flush.  The
 * bits are on disk already: nothing is written.  __ version: vol->lock
 * held, any context (ondisk is read without bitmap_lock: its bits for
 * writes acknowledged before were set before those writes were issued).
 */
void __ifrep_pair_unflushed_dirty(struct ifrep_pair *p);
void ifrep_pair_unflushed_dirty(struct ifrep_pair *p);

/* Appends the pair's status fields to @result; NOTE: vol->lock held. */
void ifrep_pair_status(struct ifrep_pair *p, char *result, unsigned int maxlen,
		       unsigned int *sz);

/* A copy pair whose one cycle committed: the target is on its own now. */
static inline bool ifrep_copy_finished(const struct ifrep_pair *p, u32 record_flags)
{
	return p->mode == IFREP_MODE_COPY && (record_flags & IFREP_PAIR_F_INITIAL_DONE);
}

/*----------------------------------------------------------------
 * dm-ifrep-pairs.c: the volume's pairs.  admin_lock held unless said.
 *--------------------------------------------------------------*/

/* pair_set: the settings given (IFREP_SET_*), parsed and within their limits. */
#define IFREP_SET_RATE		(1U << 0)
#define IFREP_SET_TIMEOUT	(1U << 1)
#define IFREP_SET_INTERVAL	(1U << 2)
#define IFREP_SET_SYNC_POINTS	(1U << 3)
#define IFREP_SET_RESYNC	(1U << 4)

struct ifrep_pair_settings {
	u32 set;			/* IFREP_SET_*: which of these were given */
	u64 rate_bytes_per_s;
	u32 timeout_s;
	u32 interval_s;
	u32 sync_points;
	u32 resync_mode;		/* IFREP_PAIR_RESYNC_FULL or _CHECKSUM */
};

/* What pair_add asks for: its record, parsed and checked for syntax. */
int ifrep_pairs_add(struct ifrep_volume *vol, const struct ifrep_pair_record *rec);
/*
 * ifrep_pairs_set() - changes settings of pair @p in place, without a
 * resync: refuses (-EINVAL, logged, nothing changed) a setting that does
 * not fit the pair, then commits the pair's record, and only once that is
 * on disk applies @s to the running pair.  Blocks.
 */
int ifrep_pairs_set(struct ifrep_pair *p, const struct ifrep_pair_settings *s);
int ifrep_pairs_remove(struct ifrep_pair *p);
int ifrep_pairs_pause(struct ifrep_pair *p);
int ifrep_pairs_resume(struct ifrep_pair *p);

/* Activation: creates the pairs of the superblock (no admin_lock yet). */
int ifrep_pairs_load(struct ifrep_volume *vol);
void ifrep_pairs_unload(struct ifrep_volume *vol);
/* Starts and stops every pair's background work (resume, suspend). */
void ifrep_pairs_start(struct ifrep_volume *vol);
void ifrep_pairs_stop(struct ifrep_volume *vol);

#endif
