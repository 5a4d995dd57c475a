/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-ifrep internals shared by the target glue, the change tracking, the
 * write path, the pairs and the resync worker.
 *
 * Objects:
 *   struct ifrep_volume  one per metadata device, shared by every table
 *                        instance that maps it (so a reload keeps pairs,
 *                        bitmaps and connections), refcounted by them.
 *   struct ifrep_pair    one replication target of a volume.
 *   struct ifrep_io      per-bio state of a host write, in dm's per-bio data.
 *
 * Change tracking invariants (vol->lock protects every bitmap but ondisk):
 *   - p->dirty[c]: chunk c must be copied to pair p's target.
 *   - p->ondisk[c]: the bit as it is (or is being) written in p's bitmap
 *     area.  Only changed under vol->bitmap_lock.  dirty is a subset of it.
 *   - vol->marked[c]: ondisk[c] is durably set for every pair, so a write
 *     into c may be issued without metadata I/O.
 *   - vol->touched[c]: c was written since the last sweep.
 *   A write is issued only into a marked chunk.  A sweep unmarks chunks idle
 *   for a whole period and clears ondisk bits that are neither dirty nor
 *   marked, after flushing the targets.
 *
 * Lock order: admin_lock -> bitmap_lock -> sb_lock -> vol->lock;
 * secret_lock is a leaf.
 */
#ifndef DM_IFREP_H
#define DM_IFREP_H

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/device-mapper.h>
#include <linux/dm-io.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "dm-ifrep-compat.h"
#include "dm-ifrep-metadata.h"
#include "dm-ifrep-proto.h"
#include "dm-ifrep-journal.h"
#include "ifrep_target.h"

#define IFREP_NO_CHUNK		((u64)-1)
#define IFREP_SWEEP_INTERVAL	(5 * HZ)
#define IFREP_RESYNC_SEGMENT	(1024 * 1024)	/* bytes copied per I/O */
#define IFREP_RESYNC_WINDOW	4		/* segments in flight (write_start) */
#define IFREP_RATE_WINDOW	(2 * HZ)

struct ifrep_pair;
struct ifrep_io;

/*
 * How a pair reaches its target.  Local block devices and remote volumes
 * implement the same operations.
 */
struct ifrep_pair_ops {
	/*
	 * Remote pairs connect in the background: open() only starts that and
	 * sets the state itself; local pairs are usable once open() returns.
	 */
	bool remote;
	/* Opens the target; may block.  Returns 0 or -errno, sets *reason. */
	int (*open)(struct ifrep_pair *p, const char **reason);
	/* Releases the target; no leg may be in flight. */
	void (*close)(struct ifrep_pair *p);
	/*
	 * Replicates a host write (or an empty flush) @bio, which the caller
	 * keeps alive until the leg completes through ifrep_io_leg_done().
	 * Called from map or worker context: must not block for long.
	 */
	void (*submit)(struct ifrep_pair *p, struct ifrep_io *io, struct bio *bio);
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
};

struct ifrep_remote;

struct ifrep_pair {
	struct ifrep_volume *vol;
	unsigned int slot;
	const struct ifrep_pair_ops *ops;
	char name[IFREP_NAME_LEN];
	char peer[IFREP_PEER_LEN];
	u32 mode;
	u64 rate_limit;			/* bytes/s, 0 = unlimited */

	/* Under vol->lock. */
	enum ifrep_pair_state state;
	const char *reason;
	unsigned long *dirty;
	u64 nr_dirty;
	u64 resync_chunk;		/* locked against host writes */

	/* Under vol->bitmap_lock. */
	unsigned long *ondisk;
	unsigned long *ondisk_changed;	/* one bit per bitmap block */
	unsigned long *scratch;

	atomic_t inflight_legs;
	atomic64_t bytes_sent;

	/* Resync worker state. */
	struct work_struct resync_work;
	bool stop_resync;
	u64 resync_cursor;
	void *resync_buf;
	unsigned long throttle_start;
	u64 throttle_bytes;

	/* Rate shown in status, under vol->lock. */
	unsigned long rate_stamp;
	u64 rate_bytes_at_stamp;
	u64 rate_bytes_per_s;
	atomic64_t resync_bytes;

	/* Local target, and for async its journal (atomic cycles). */
	struct block_device *bdev;
	char journal_path[IFREP_PATH_LEN];
	struct block_device *journal_bdev;
	struct ifrep_journal *journal;

	/* Remote target. */
	struct ifrep_remote *remote;
	u32 timeout_s;			/* remote timeout threshold */
	bool insecure;
	u8 *secret;			/* under vol->secret_lock */
	unsigned int secret_len;
	bool target_consistent;		/* what the target was last told */
	bool discard_remote;		/* resolve: overwrite the peer's changes */

	/* Async cycles (dm-ifrep-cycle.c); bitmaps and counters under vol->lock. */
	unsigned long *frozen;		/* cut chunks not shipped yet */
	unsigned long *cycle_set;	/* every chunk of the running cycle */
	unsigned long *urgent;		/* frozen chunks that host writes wait for */
	bool cycle_running;		/* cut done, not committed or failed yet */
	bool cycle_initial;
	u64 cycle_cut;			/* unix time of the running cycle's cut */
	struct mutex cycle_lock;	/* one cut-and-ship at a time */
	u64 cycle_total;
	u64 cycle_shipped;
	u64 last_sync_point;		/* unix time of the last committed cut */
	u32 interval_s;
	u32 sync_points;
	struct delayed_work cycle_work;

	/* Online verify (dm-ifrep-verify.c); all but the work under vol->lock. */
	struct work_struct verify_work;
	bool stop_verify;
	enum ifrep_verify_state verify_state;
	const char *verify_reason;
	u64 verify_chunk;		/* locked against host writes */
	u64 verify_checked;		/* chunks compared or skipped as dirty */
	u64 verify_differ;
	u64 verify_started;		/* unix time */
};

struct ifrep_listener;

struct ifrep_volume {
	struct list_head registry;
	unsigned int refs;		/* table instances, under registry lock */
	dev_t meta_dev;
	struct block_device *meta_bdev;
	struct block_device *data_bdev;
	struct ifrep_metadata *md;
	char name[IFREP_VOLUME_NAME_LEN];

	sector_t data_sectors;
	u32 chunk_sectors;
	unsigned int chunk_shift;
	u64 nr_chunks;

	struct mutex admin_lock;	/* messages, pair add/remove, suspend */
	/*
	 * Secrets only: threads that admin_lock holders stop (connections,
	 * sessions) read secrets, so they must not need admin_lock.
	 */
	struct mutex secret_lock;
	struct mutex bitmap_lock;	/* ondisk bitmaps and their writeback */
	struct mutex sb_lock;		/* in-core superblock and its commits */
	struct mutex ti_lock;		/* ti, for events */
	struct dm_target *ti;		/* the live table instance */

	spinlock_t lock;
	enum ifrep_health health;
	bool suspended;
	bool read_only;			/* demoting: host writes refused */
	bool cutting;			/* an async cut: host writes wait */
	bool applying;			/* secondary: a cycle is being applied */
	bool diverged;			/* = IFREP_SB_F_DIVERGED */
	bool track_local;		/* = IFREP_SB_F_TRACK_LOCAL */
	unsigned int nr_pairs;
	struct ifrep_pair *pairs[IFREP_MAX_PAIRS];
	/* The local area: chunks changed since the last agreement with a peer. */
	unsigned long *local_ondisk;	/* under bitmap_lock */
	unsigned long *local_changed;
	unsigned long *marked;
	unsigned long *touched;
	unsigned long *idle;		/* sweep scratch */
	struct list_head inflight;	/* struct ifrep_io of writes in flight */
	struct bio_list to_mark;	/* writes waiting for their chunk's mark */
	struct bio_list parked;		/* writes into a chunk being resynced */
	struct bio_list diverging;	/* done, but "diverged" must be on disk first */
	wait_queue_head_t wait;		/* in-flight writes and legs drained */

	struct workqueue_struct *wq;	/* ordered: marks, sweeps, events */
	struct workqueue_struct *resync_wq;
	struct work_struct mark_work;
	struct delayed_work sweep_work;
	struct work_struct event_work;

	struct bio_set bs;
	struct dm_io_client *io_client;

	/* Secondary: accepts its primary (dm-ifrep-receiver.c). */
	struct ifrep_listener *listener;
	struct ifrep_journal *journal;	/* makes async cycles atomic */
	struct block_device *journal_bdev;
	u8 *listen_secret;		/* under secret_lock */
	unsigned int listen_secret_len;
};

/* A clone of a host write sent to the data device or to a local target. */
struct ifrep_leg {
	struct ifrep_io *io;
	struct ifrep_pair *pair;	/* NULL for the data device */
	struct bio clone;		/* must be last: bioset front_pad */
};

/* Per-bio state of host writes; dm's per-bio data. */
struct ifrep_io {
	struct ifrep_volume *vol;
	struct bio *bio;		/* the bio dm gave us */
	struct list_head inflight;
	u64 chunk;			/* IFREP_NO_CHUNK for an empty flush */
	atomic_t pending;		/* legs still running */
	blk_status_t data_status;
	bool unreplicated;		/* a peer with a consistent copy missed it */
};

/* dm-ifrep-io.c: the write path */
int ifrep_map_write(struct ifrep_volume *vol, struct bio *bio);
void ifrep_dispatch_write(struct ifrep_volume *vol, struct bio *bio);
void ifrep_io_leg_done(struct ifrep_io *io, struct ifrep_pair *p,
		       blk_status_t status);
bool ifrep_chunk_has_inflight(struct ifrep_volume *vol, u64 chunk);
void ifrep_redispatch_parked(struct ifrep_volume *vol);

/* dm-ifrep-bitmap.c: change tracking */
unsigned long *ifrep_bitmap_alloc(u64 nbits, bool set);
void ifrep_bitmap_free(unsigned long *bits);
void ifrep_mark_worker(struct work_struct *ws);
void ifrep_sweep_worker(struct work_struct *ws);
int ifrep_sweep(struct ifrep_volume *vol, bool final);
int ifrep_bitmap_write_area(struct ifrep_volume *vol, unsigned int area,
			    const unsigned long *bits);
void __ifrep_pair_set_dirty(struct ifrep_pair *p, u64 chunk);
bool __ifrep_must_record_divergence(struct ifrep_volume *vol);
int ifrep_local_reset(struct ifrep_volume *vol);
void ifrep_bitmap_to_le(const unsigned long *bits, u64 nbits, __le64 *words);
void ifrep_bitmap_from_le(unsigned long *bits, u64 nbits, const __le64 *words);

/* dm-ifrep-role.c: promotion, demotion, generations, split brain */
int ifrep_promote(struct ifrep_volume *vol, bool force);
int ifrep_demote(struct ifrep_volume *vol, unsigned int argc, char **argv);
int ifrep_resolve(struct ifrep_volume *vol, unsigned int argc, char **argv);
int ifrep_set_diverged(struct ifrep_volume *vol, bool diverged);
void ifrep_volume_update_divergence(struct ifrep_volume *vol);
void ifrep_volume_uevent(struct ifrep_volume *vol);

/* dm-ifrep-pair.c: pairs and their states */
struct ifrep_pair *ifrep_named_pair(struct ifrep_volume *vol, const char *name);
void __ifrep_pair_set_state(struct ifrep_pair *p, enum ifrep_pair_state state,
			    const char *reason);
bool __ifrep_pair_replicating(struct ifrep_pair *p);
int ifrep_pair_add(struct ifrep_volume *vol, unsigned int argc, char **argv);
int ifrep_pair_remove(struct ifrep_volume *vol, const char *name);
int ifrep_pair_pause(struct ifrep_volume *vol, const char *name);
int ifrep_pair_resume(struct ifrep_volume *vol, const char *name);
int ifrep_pairs_load(struct ifrep_volume *vol);
void ifrep_pairs_unload(struct ifrep_volume *vol);
void ifrep_pairs_start(struct ifrep_volume *vol);
void ifrep_pairs_stop(struct ifrep_volume *vol);
void ifrep_pair_status(struct ifrep_pair *p, char *result, unsigned int maxlen,
		       unsigned int *sz);
void ifrep_volume_event(struct ifrep_volume *vol);
int ifrep_secret(struct ifrep_volume *vol, unsigned int argc, char **argv);
int ifrep_pair_mark_all_dirty(struct ifrep_pair *p);
int ifrep_pair_add_dirty(struct ifrep_pair *p, const unsigned long *chunks,
			 bool replace);
int ifrep_stop_tracking_local(struct ifrep_volume *vol);

/* dm-ifrep-cycle.c: async cycles */
void ifrep_cycle_worker(struct work_struct *ws);
void ifrep_cycle_kick(struct ifrep_pair *p);
void ifrep_cycle_stop(struct ifrep_pair *p);
bool __ifrep_chunk_frozen(struct ifrep_volume *vol, u64 chunk);
int ifrep_sync_now(struct ifrep_volume *vol, unsigned int argc, char **argv,
		   char *result, unsigned int maxlen);

/* dm-ifrep-verify.c: online verify */
int ifrep_verify(struct ifrep_volume *vol, unsigned int argc, char **argv,
		 char *result, unsigned int maxlen);
void ifrep_verify_worker(struct work_struct *ws);
void ifrep_verify_stop(struct ifrep_pair *p);

/* dm-ifrep-resync.c */
int ifrep_copy_chunk(struct ifrep_pair *p, u64 chunk, const char **reason);
void ifrep_resync_worker(struct work_struct *ws);
void ifrep_resync_kick(struct ifrep_pair *p);
void ifrep_resync_stop(struct ifrep_pair *p);
int ifrep_pair_record_flags(struct ifrep_pair *p, u32 set, u32 clear);

/* dm-ifrep-local.c, dm-ifrep-remote.c */
extern const struct ifrep_pair_ops ifrep_local_ops;
extern const struct ifrep_pair_ops ifrep_remote_ops;
void ifrep_remote_wake(struct ifrep_pair *p);
int ifrep_remote_init(void);
void ifrep_remote_exit(void);

/* dm-ifrep-receiver.c: the secondary's side */
int ifrep_listener_start(struct ifrep_volume *vol);
void ifrep_listener_stop(struct ifrep_volume *vol);
const char *ifrep_listener_state(struct ifrep_volume *vol);

/* Remote chunk of a resync write: at most one DATA message. */
#define IFREP_MAX_IO_SECTORS	(IFREP_MAX_PAYLOAD >> SECTOR_SHIFT)

/* dm-ifrep-volume.c */
struct ifrep_volume *ifrep_volume_get(struct dm_target *ti,
				      struct block_device *meta,
				      struct block_device *data,
				      const struct ifrep_md_params *params,
				      char **error);
void ifrep_volume_put(struct ifrep_volume *vol, struct dm_target *ti);
void ifrep_volume_presuspend(struct ifrep_volume *vol);
void ifrep_volume_postsuspend(struct ifrep_volume *vol);
void ifrep_volume_resume(struct ifrep_volume *vol, struct dm_target *ti);
int ifrep_volume_init(void);
void ifrep_volume_exit(void);

/* A copy pair whose one cycle committed: the target is on its own now. */
static inline bool ifrep_copy_finished(const struct ifrep_pair *p, u32 record_flags)
{
	return p->mode == IFREP_MODE_COPY && (record_flags & IFREP_PAIR_F_INITIAL_DONE);
}

static inline u64 ifrep_chunk_of(struct ifrep_volume *vol, sector_t sector)
{
	return sector >> vol->chunk_shift;
}

#endif
