// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep pairs: their lifecycle (add, load at activation, remove), their
 * state machine and their status.
 *
 * A pair's persistent part is its record in the superblock plus its bitmap
 * area; its runtime part is struct ifrep_pair.  State changes happen under
 * vol->lock and raise a dm event from the worker.  Administrative states
 * (paused) and "the first full sync finished" are persisted as record flags
 * so activation restores them; everything else is derived from the bitmap.
 */
#include "dm-ifrep.h"

#include <linux/ctype.h>
#include <linux/kstrtox.h>
#include <linux/vmalloc.h>

#define DM_MSG_PREFIX "ifrep"

/* NOTE: must be called with vol->lock held. */
void __ifrep_pair_set_state(struct ifrep_pair *p, enum ifrep_pair_state state,
			    const char *reason)
{
	lockdep_assert_held(&p->vol->lock);
	/* A finished copy is the target's own now: nothing changes it back. */
	if (p->state == IFREP_PS_DONE || (p->state == state && p->reason == reason))
		return;
	p->state = state;
	p->reason = reason;
	queue_work(p->vol->wq, &p->vol->event_work);
}

/*
 * Whether host writes into chunks in sync go to this pair's target.  Only
 * for sync pairs: async pairs' writes mark chunks for the next cycle, and
 * a copy takes the source as it was at its cut.
 */
bool __ifrep_pair_replicating(struct ifrep_pair *p)
{
	if (p->mode != IFREP_MODE_SYNC)
		return false;
	switch (p->state) {
	case IFREP_PS_INITIAL_SYNC:
	case IFREP_PS_IN_SYNC:
	case IFREP_PS_RESYNCING:
		return true;
	default:
		return false;
	}
}

void ifrep_volume_event(struct ifrep_volume *vol)
{
	queue_work(vol->wq, &vol->event_work);
}

static struct ifrep_pair *find_pair(struct ifrep_volume *vol, const char *name)
{
	unsigned int i;

	for (i = 0; i < IFREP_MAX_PAIRS; i++)
		if (vol->pairs[i] && !strcmp(vol->pairs[i]->name, name))
			return vol->pairs[i];
	return NULL;
}

/* The pair a message names, or NULL after saying there is none. */
struct ifrep_pair *ifrep_named_pair(struct ifrep_volume *vol, const char *name)
{
	struct ifrep_pair *p = find_pair(vol, name);

	if (!p)
		DMERR("%s: no pair named %s", vol->name, name);
	return p;
}

/*----------------------------------------------------------------
 * Allocation
 *--------------------------------------------------------------*/

static void free_pair(struct ifrep_pair *p)
{
	ifrep_bitmap_free(p->dirty);
	ifrep_bitmap_free(p->ondisk);
	ifrep_bitmap_free(p->ondisk_changed);
	ifrep_bitmap_free(p->scratch);
	ifrep_bitmap_free(p->frozen);
	ifrep_bitmap_free(p->cycle_set);
	ifrep_bitmap_free(p->urgent);
	vfree(p->resync_buf);
	kfree_sensitive(p->secret);
	kfree(p);
}

static struct ifrep_pair *alloc_pair(struct ifrep_volume *vol, unsigned int slot,
				     const struct ifrep_pair_record *rec)
{
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);
	struct ifrep_pair *p;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return NULL;
	p->vol = vol;
	p->slot = slot;
	p->ops = rec->flags & IFREP_PAIR_F_REMOTE ? &ifrep_remote_ops : &ifrep_local_ops;
	p->timeout_s = rec->timeout_s ?: IFREP_DEFAULT_TIMEOUT_S;
	p->insecure = rec->flags & IFREP_PAIR_F_INSECURE;
	strscpy(p->name, rec->name, sizeof(p->name));
	strscpy(p->peer, rec->peer, sizeof(p->peer));
	p->mode = rec->mode;
	p->rate_limit = rec->rate_bytes_per_s;
	p->resync_chunk = IFREP_NO_CHUNK;
	p->state = IFREP_PS_DISCONNECTED;
	atomic_set(&p->inflight_legs, 0);
	atomic64_set(&p->bytes_sent, 0);
	atomic64_set(&p->resync_bytes, 0);
	p->rate_stamp = jiffies;
	INIT_WORK(&p->resync_work, ifrep_resync_worker);
	INIT_DELAYED_WORK(&p->cycle_work, ifrep_cycle_worker);
	INIT_WORK(&p->verify_work, ifrep_verify_worker);
	p->verify_chunk = IFREP_NO_CHUNK;
	mutex_init(&p->cycle_lock);
	if (rec->flags & IFREP_PAIR_F_JOURNAL)
		strscpy(p->journal_path, rec->secret_file, sizeof(p->journal_path));
	p->interval_s = rec->interval_s;
	p->sync_points = rec->sync_points;
	p->last_sync_point = rec->last_sync_point;

	p->dirty = ifrep_bitmap_alloc(vol->nr_chunks, false);
	p->ondisk = ifrep_bitmap_alloc(vol->nr_chunks, false);
	p->scratch = ifrep_bitmap_alloc(vol->nr_chunks, false);
	p->ondisk_changed = ifrep_bitmap_alloc(sb->bitmap_blocks, false);
	if (p->mode != IFREP_MODE_SYNC) {
		p->frozen = ifrep_bitmap_alloc(vol->nr_chunks, false);
		p->cycle_set = ifrep_bitmap_alloc(vol->nr_chunks, false);
		p->urgent = ifrep_bitmap_alloc(vol->nr_chunks, false);
		if (!p->frozen || !p->cycle_set || !p->urgent) {
			free_pair(p);
			return NULL;
		}
	}
	if (!p->dirty || !p->ondisk || !p->scratch || !p->ondisk_changed) {
		free_pair(p);
		return NULL;
	}
	return p;
}

/* The state a pair starts in once its target is open. */
static enum ifrep_pair_state __initial_state(struct ifrep_pair *p, u32 flags)
{
	if (flags & IFREP_PAIR_F_PAUSED)
		return IFREP_PS_PAUSED;
	if (!(flags & IFREP_PAIR_F_INITIAL_DONE))
		return IFREP_PS_INITIAL_SYNC;
	if (p->mode == IFREP_MODE_ASYNC)
		return IFREP_PS_CONSISTENT;
	return p->nr_dirty ? IFREP_PS_RESYNCING : IFREP_PS_IN_SYNC;
}

static void publish(struct ifrep_volume *vol, struct ifrep_pair *p)
{
	mutex_lock(&vol->bitmap_lock);
	spin_lock_irq(&vol->lock);
	vol->pairs[p->slot] = p;
	vol->nr_pairs++;
	spin_unlock_irq(&vol->lock);
	mutex_unlock(&vol->bitmap_lock);
}

static void unpublish(struct ifrep_volume *vol, struct ifrep_pair *p)
{
	mutex_lock(&vol->bitmap_lock);
	spin_lock_irq(&vol->lock);
	vol->pairs[p->slot] = NULL;
	vol->nr_pairs--;
	spin_unlock_irq(&vol->lock);
	mutex_unlock(&vol->bitmap_lock);
}

/*
 * Closes the target of a pair that gets no new legs any more.  A remote
 * close fails the legs in flight (their chunks go dirty); a local target
 * must see its legs finish before the device is released.
 */
static void quiesce_and_close(struct ifrep_pair *p)
{
	if (p->ops->remote)
		p->ops->close(p);
	wait_event(p->vol->wait, !atomic_read(&p->inflight_legs));
	p->ops->close(p);
}

/* Opens the target and sets the starting state; failures become states. */
static void open_target(struct ifrep_pair *p, u32 flags)
{
	struct ifrep_volume *vol = p->vol;
	const char *reason = NULL;
	int r = 0;

	/* A finished copy's target is the administrator's: it stays closed. */
	if (!(flags & IFREP_PAIR_F_PAUSED) && !ifrep_copy_finished(p, flags))
		r = p->ops->open(p, &reason);
	spin_lock_irq(&vol->lock);
	if (ifrep_copy_finished(p, flags))
		__ifrep_pair_set_state(p, IFREP_PS_DONE, NULL);
	else if (r)
		__ifrep_pair_set_state(p, IFREP_PS_FAILED, reason);
	else if (!p->ops->remote || (flags & IFREP_PAIR_F_PAUSED))
		__ifrep_pair_set_state(p, __initial_state(p, flags), NULL);
	spin_unlock_irq(&vol->lock);
	if (r)
		DMERR("%s: pair %s: cannot open %s (%d): %s", vol->name, p->name,
		      p->peer, r, reason);
}

/*----------------------------------------------------------------
 * Activation
 *--------------------------------------------------------------*/

/* Stops the pair's workers: a verify, then its resync or cycles. */
static void stop_background(struct ifrep_pair *p)
{
	ifrep_verify_stop(p);
	ifrep_resync_stop(p);
}

int ifrep_pairs_load(struct ifrep_volume *vol)
{
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);
	struct ifrep_pair_record *rec;
	struct ifrep_pair *p;
	unsigned int i;
	int r;

	for (i = 0; i < IFREP_MAX_PAIRS; i++) {
		rec = &sb->pairs[i];
		if (!(rec->flags & IFREP_PAIR_F_IN_USE))
			continue;
		p = alloc_pair(vol, i, rec);
		if (!p)
			return -ENOMEM;
		r = ifrep_md_read_bitmap(vol->md, i, p->ondisk);
		if (r) {
			free_pair(p);
			return r;
		}
		/* Later writes do not follow a finished copy. */
		if (ifrep_copy_finished(p, rec->flags))
			bitmap_zero(p->ondisk, vol->nr_chunks);
		bitmap_copy(p->dirty, p->ondisk, vol->nr_chunks);
		p->nr_dirty = bitmap_weight(p->dirty, vol->nr_chunks);
		publish(vol, p);
		open_target(p, rec->flags);
		DMINFO("%s: pair %s to %s: %llu of %llu chunks to resync",
		       vol->name, p->name, p->peer, p->nr_dirty, vol->nr_chunks);
	}
	return 0;
}

void ifrep_pairs_unload(struct ifrep_volume *vol)
{
	struct ifrep_pair *p;
	unsigned int i;

	for (i = 0; i < IFREP_MAX_PAIRS; i++) {
		p = vol->pairs[i];
		if (!p)
			continue;
		stop_background(p);
		unpublish(vol, p);
		quiesce_and_close(p);
		free_pair(p);
	}
}

void ifrep_pairs_start(struct ifrep_volume *vol)
{
	unsigned int i;

	for (i = 0; i < IFREP_MAX_PAIRS; i++)
		if (vol->pairs[i])
			ifrep_resync_kick(vol->pairs[i]);
}

void ifrep_pairs_stop(struct ifrep_volume *vol)
{
	unsigned int i;

	for (i = 0; i < IFREP_MAX_PAIRS; i++)
		if (vol->pairs[i])
			stop_background(vol->pairs[i]);
}

/*----------------------------------------------------------------
 * Messages
 *--------------------------------------------------------------*/

static bool valid_pair_name(const char *name)
{
	size_t len = strlen(name);

	if (!len || len >= IFREP_NAME_LEN || !strcmp(name, "-"))
		return false;
	for (; *name; name++)
		if (!isalnum(*name) && !strchr(IFREP_PAIR_NAME_CHARS, *name))
			return false;
	return true;
}

static int parse_u32_max(const char *s, u32 max, u32 *out)
{
	u32 v;

	if (kstrtou32(s, 10, &v) || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Parses pair_add's key=value options into @rec. */
static int parse_pair_options(struct ifrep_volume *vol, unsigned int argc,
			      char **argv, struct ifrep_pair_record *rec)
{
	unsigned int i;
	char *value;
	int r = 0;

	for (i = 0; i < argc && !r; i++) {
		if (!strcmp(argv[i], "insecure")) {
			rec->flags |= IFREP_PAIR_F_INSECURE;
			continue;
		}
		value = strchr(argv[i], '=');
		if (!value || !value[1]) {
			DMERR("%s: pair_add: option '%s' is not key=value", vol->name, argv[i]);
			return -EINVAL;
		}
		*value++ = '\0';
		if (!strcmp(argv[i], "timeout"))
			r = parse_u32_max(value, IFREP_MAX_TIMEOUT_S, &rec->timeout_s);
		else if (!strcmp(argv[i], "interval"))
			r = parse_u32_max(value, IFREP_MAX_INTERVAL_S, &rec->interval_s);
		else if (!strcmp(argv[i], "sync_points"))
			r = parse_u32_max(value, IFREP_MAX_SYNC_POINTS, &rec->sync_points);
		else if (!strcmp(argv[i], "rate"))
			r = kstrtou64(value, 10, &rec->rate_bytes_per_s) ? -EINVAL : 0;
		else if (!strcmp(argv[i], "secret_file") && !(rec->flags & IFREP_PAIR_F_JOURNAL))
			r = strscpy(rec->secret_file, value, sizeof(rec->secret_file)) < 0 ?
			    -EINVAL : 0;
		else if (!strcmp(argv[i], "journal") && !rec->secret_file[0] && value[0] == '/') {
			r = strscpy(rec->secret_file, value, sizeof(rec->secret_file)) < 0 ?
			    -EINVAL : 0;
			rec->flags |= IFREP_PAIR_F_JOURNAL;
		}
		else
			r = -EINVAL;
		if (r)
			DMERR("%s: pair_add: bad option %s=%s", vol->name, argv[i], value);
	}
	if (!rec->timeout_s)
		rec->timeout_s = IFREP_DEFAULT_TIMEOUT_S;
	return r;
}

/* pair_add <name> <mode> <peer> [key=value...]; admin_lock held. */
int ifrep_pair_add(struct ifrep_volume *vol, unsigned int argc, char **argv)
{
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);
	struct ifrep_pair_record rec = { 0 };
	struct ifrep_pair *p;
	unsigned int i, slot = IFREP_MAX_PAIRS;
	int r;

	if (argc < 3) {
		DMERR("%s: pair_add needs <name> <mode> <peer>", vol->name);
		return -EINVAL;
	}
	if (sb->role != IFREP_ROLE_PRIMARY) {
		DMERR("%s: pair_add: a secondary volume cannot be a source", vol->name);
		return -EROFS;
	}
	if (!valid_pair_name(argv[0])) {
		DMERR("%s: pair_add: invalid pair name", vol->name);
		return -EINVAL;
	}
	r = ifrep_mode_parse(argv[1]);
	if (r < 0) {
		DMERR("%s: pair_add: mode must be sync, async or copy", vol->name);
		return -EINVAL;
	}
	rec.mode = r;
	if (strscpy(rec.peer, argv[2], sizeof(rec.peer)) < 0) {
		DMERR("%s: pair_add: peer name too long", vol->name);
		return -EINVAL;
	}
	if (rec.peer[0] != '/') {
		struct sockaddr_storage addr;

		if (ifrep_parse_addr(rec.peer, &addr)) {
			DMERR("%s: pair_add: peer must be a device path or addr:port",
			      vol->name);
			return -EINVAL;
		}
		rec.flags |= IFREP_PAIR_F_REMOTE;
	}

	strscpy(rec.name, argv[0], sizeof(rec.name));
	r = parse_pair_options(vol, argc - 3, argv + 3, &rec);
	if (r)
		return r;

	for (i = 0; i < IFREP_MAX_PAIRS; i++) {
		if (vol->pairs[i] && !strcmp(vol->pairs[i]->name, rec.name)) {
			DMERR("%s: pair_add: pair %s exists", vol->name, rec.name);
			return -EEXIST;
		}
		if (vol->pairs[i] && !strcmp(vol->pairs[i]->peer, rec.peer)) {
			DMERR("%s: pair_add: %s is already the target of pair %s",
			      vol->name, rec.peer, vol->pairs[i]->name);
			return -EBUSY;
		}
		if (!vol->pairs[i] && slot == IFREP_MAX_PAIRS)
			slot = i;
	}
	if (slot == IFREP_MAX_PAIRS) {
		DMERR("%s: pair_add: the volume has %u pairs already", vol->name,
		      IFREP_MAX_PAIRS);
		return -ENOSPC;
	}

	if (rec.mode != IFREP_MODE_ASYNC && (rec.interval_s || rec.sync_points)) {
		DMERR("%s: pair_add: interval= and sync_points= are for async pairs", vol->name);
		return -EINVAL;
	}
	/* Cycles are atomic thanks to a journal: the secondary's, or this one. */
	if (rec.mode == IFREP_MODE_ASYNC && !(rec.flags & IFREP_PAIR_F_REMOTE) &&
	    !(rec.flags & IFREP_PAIR_F_JOURNAL)) {
		DMERR("%s: pair_add: async mode to a local target needs journal=<device>",
		      vol->name);
		return -EINVAL;
	}
	if ((rec.flags & IFREP_PAIR_F_JOURNAL) &&
	    ((rec.flags & IFREP_PAIR_F_REMOTE) || rec.mode != IFREP_MODE_ASYNC)) {
		DMERR("%s: pair_add: journal= is for async pairs to a local target", vol->name);
		return -EINVAL;
	}
	rec.flags = IFREP_PAIR_F_IN_USE |
		    (rec.flags & (IFREP_PAIR_F_INSECURE | IFREP_PAIR_F_REMOTE |
				  IFREP_PAIR_F_JOURNAL));
	p = alloc_pair(vol, slot, &rec);
	if (!p)
		return -ENOMEM;
	{
		const char *reason = NULL;

		r = p->ops->open(p, &reason);
		if (r) {
			DMERR("%s: pair_add: cannot use %s: %s", vol->name, rec.peer, reason);
			goto out_free;
		}
	}

	/* Every chunk differs on a new target until the initial sync copied it. */
	bitmap_set(p->dirty, 0, vol->nr_chunks);
	bitmap_set(p->ondisk, 0, vol->nr_chunks);
	p->nr_dirty = vol->nr_chunks;
	mutex_lock(&vol->bitmap_lock);
	r = ifrep_bitmap_write_area(vol, slot, p->ondisk);
	mutex_unlock(&vol->bitmap_lock);
	if (r)
		goto out_close;

	mutex_lock(&vol->sb_lock);
	sb->pairs[slot] = rec;
	r = ifrep_md_commit(vol->md);
	if (r)
		memset(&sb->pairs[slot], 0, sizeof(sb->pairs[slot]));
	mutex_unlock(&vol->sb_lock);
	if (r)
		goto out_close;

	if (!p->ops->remote) {
		spin_lock_irq(&vol->lock);
		__ifrep_pair_set_state(p, IFREP_PS_INITIAL_SYNC, NULL);
		spin_unlock_irq(&vol->lock);
	}
	publish(vol, p);
	if (!vol->suspended && !p->ops->remote)
		ifrep_resync_kick(p);
	DMINFO("%s: pair %s added: %s mirror to %s", vol->name, p->name,
	       ifrep_mode_name(p->mode), p->peer);
	return 0;

out_close:
	DMERR("%s: pair_add: metadata write failed (%d)", vol->name, r);
	p->ops->close(p);
out_free:
	free_pair(p);
	return r;
}

int ifrep_pair_remove(struct ifrep_volume *vol, const char *name)
{
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);
	struct ifrep_pair *p = ifrep_named_pair(vol, name);
	struct ifrep_pair_record saved;
	int r;

	if (!p)
		return -ENOENT;
	stop_background(p);

	mutex_lock(&vol->sb_lock);
	saved = sb->pairs[p->slot];
	memset(&sb->pairs[p->slot], 0, sizeof(sb->pairs[p->slot]));
	r = ifrep_md_commit(vol->md);
	if (r)
		sb->pairs[p->slot] = saved;
	mutex_unlock(&vol->sb_lock);
	if (r) {
		DMERR("%s: pair_remove %s: metadata write failed (%d)", vol->name, name, r);
		if (!vol->suspended)
			ifrep_resync_kick(p);
		return r;
	}

	unpublish(vol, p);
	quiesce_and_close(p);
	DMINFO("%s: pair %s removed", vol->name, p->name);
	free_pair(p);
	ifrep_volume_event(vol);
	return 0;
}

/* A finished copy has nothing left to pause or resume. */
static bool refuse_done(struct ifrep_pair *p, const char *what)
{
	if (READ_ONCE(p->state) != IFREP_PS_DONE)
		return false;
	DMERR("%s: %s: pair %s is a finished copy: remove it, or add a new pair to copy again",
	      p->vol->name, what, p->name);
	return true;
}

int ifrep_pair_pause(struct ifrep_volume *vol, const char *name)
{
	struct ifrep_pair *p = ifrep_named_pair(vol, name);
	int r;

	if (!p)
		return -ENOENT;
	if (refuse_done(p, "pause"))
		return -EINVAL;
	stop_background(p);
	r = ifrep_pair_record_flags(p, IFREP_PAIR_F_PAUSED, 0);
	if (r)
		return r;
	spin_lock_irq(&vol->lock);
	__ifrep_pair_set_state(p, IFREP_PS_PAUSED, NULL);
	spin_unlock_irq(&vol->lock);
	/* The target is released while paused: it may be repaired or replaced. */
	quiesce_and_close(p);
	return 0;
}

int ifrep_pair_resume(struct ifrep_volume *vol, const char *name)
{
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);
	struct ifrep_pair *p = ifrep_named_pair(vol, name);
	int r;

	if (!p)
		return -ENOENT;
	if (refuse_done(p, "resume"))
		return -EINVAL;
	stop_background(p);
	r = ifrep_pair_record_flags(p, 0, IFREP_PAIR_F_PAUSED);
	if (r)
		return r;
	/*
	 * Reopen the target: it may have come back as a new device.  Stop
	 * sending to it first and let the legs in flight finish.
	 */
	spin_lock_irq(&vol->lock);
	__ifrep_pair_set_state(p, IFREP_PS_DISCONNECTED, "reopening");
	spin_unlock_irq(&vol->lock);
	quiesce_and_close(p);
	open_target(p, sb->pairs[p->slot].flags);
	if (!vol->suspended && !p->ops->remote)
		ifrep_resync_kick(p);
	return 0;
}

/*----------------------------------------------------------------
 * Status
 *--------------------------------------------------------------*/

/* Resync rate over the last window; NOTE: vol->lock held. */
static u64 __pair_rate(struct ifrep_pair *p)
{
	unsigned long now = jiffies, elapsed = now - p->rate_stamp;
	u64 bytes = atomic64_read(&p->resync_bytes);

	if (elapsed >= IFREP_RATE_WINDOW) {
		p->rate_bytes_per_s = div64_u64((bytes - p->rate_bytes_at_stamp) * HZ,
						elapsed);
		p->rate_stamp = now;
		p->rate_bytes_at_stamp = bytes;
	}
	return p->rate_bytes_per_s;
}

void ifrep_pair_status(struct ifrep_pair *p, char *result, unsigned int maxlen,
		       unsigned int *sz_ptr)
{
	unsigned int sz = *sz_ptr;

	lockdep_assert_held(&p->vol->lock);
	DMEMIT(" %s %s %s %s %llu %llu %llu", p->name, ifrep_mode_name(p->mode),
	       p->peer, ifrep_pair_state_name(p->state), p->nr_dirty,
	       (u64)atomic64_read(&p->bytes_sent), __pair_rate(p));
	if (p->mode == IFREP_MODE_ASYNC && p->last_sync_point)
		DMEMIT(" %llu %lld", p->last_sync_point,
		       max_t(s64, 0, ktime_get_real_seconds() - p->last_sync_point));
	else if (p->mode == IFREP_MODE_COPY && p->last_sync_point)
		DMEMIT(" %llu -", p->last_sync_point);	/* the copy's point in time */
	else
		DMEMIT(" - -");
	DMEMIT(" %s", p->reason ?: IFREP_STATUS_NONE);
	if (p->mode != IFREP_MODE_SYNC && p->cycle_running)
		DMEMIT(" %llu/%llu", p->cycle_shipped, p->cycle_total);
	else
		DMEMIT(" -");
	*sz_ptr = sz;
}

/*
 * secret <pair|-> <hex> [<file>]: the shared secret of a remote pair, or
 * of the listener with "-".  Kept in memory only; <file> (where ifrepctl
 * read it) is remembered for activation.
 */
int ifrep_secret(struct ifrep_volume *vol, unsigned int argc, char **argv)
{
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);
	struct ifrep_pair *p = NULL;
	size_t hex_len;
	u8 *secret, **slot;
	unsigned int *slot_len;
	char *file_field;
	size_t file_size;
	int r = 0;

	if (argc < 2 || argc > 3) {
		DMERR("%s: secret takes <pair|-> <hex> [<file>]", vol->name);
		return -EINVAL;
	}
	hex_len = strlen(argv[1]);
	if (!hex_len || hex_len % 2 || hex_len / 2 > IFREP_MAX_SECRET) {
		DMERR("%s: secret must be 1..%u bytes in hex", vol->name, IFREP_MAX_SECRET);
		return -EINVAL;
	}
	if (strcmp(argv[0], "-")) {
		p = find_pair(vol, argv[0]);
		if (!p) {
			DMERR("%s: no pair named %s", vol->name, argv[0]);
			return -ENOENT;
		}
		if (!p->ops->remote) {
			DMERR("%s: pair %s is local: it has no secret", vol->name, p->name);
			return -EINVAL;
		}
		slot = &p->secret;
		slot_len = &p->secret_len;
		file_field = sb->pairs[p->slot].secret_file;
		file_size = sizeof(sb->pairs[p->slot].secret_file);
	} else {
		if (sb->role != IFREP_ROLE_SECONDARY || !sb->listen[0]) {
			DMERR("%s: only a listening secondary takes a secret with -", vol->name);
			return -EINVAL;
		}
		slot = &vol->listen_secret;
		slot_len = &vol->listen_secret_len;
		file_field = sb->listen_secret_file;
		file_size = sizeof(sb->listen_secret_file);
	}
	secret = kmalloc(hex_len / 2, GFP_KERNEL);
	if (!secret)
		return -ENOMEM;
	if (hex2bin(secret, argv[1], hex_len / 2)) {
		kfree_sensitive(secret);
		DMERR("%s: secret is not hex", vol->name);
		return -EINVAL;
	}
	if (argc == 3 && (argv[2][0] != '/' || strlen(argv[2]) >= file_size)) {
		kfree_sensitive(secret);
		DMERR("%s: secret file must be an absolute path", vol->name);
		return -EINVAL;
	}
	if (argc == 3 && strcmp(file_field, argv[2])) {
		mutex_lock(&vol->sb_lock);
		strscpy(file_field, argv[2], file_size);
		r = ifrep_md_commit(vol->md);
		mutex_unlock(&vol->sb_lock);
	}
	mutex_lock(&vol->secret_lock);
	kfree_sensitive(*slot);
	*slot = secret;
	*slot_len = hex_len / 2;
	mutex_unlock(&vol->secret_lock);
	if (p)
		ifrep_remote_wake(p);
	return r;
}

/*
 * The target was replaced by an empty one: everything must be copied again.
 * The bits are durable before the pair starts its (initial) sync.
 */
int ifrep_pair_mark_all_dirty(struct ifrep_pair *p)
{
	struct ifrep_volume *vol = p->vol;
	int r;

	mutex_lock(&vol->bitmap_lock);
	bitmap_set(p->ondisk, 0, vol->nr_chunks);
	r = ifrep_bitmap_write_area(vol, p->slot, p->ondisk);
	mutex_unlock(&vol->bitmap_lock);
	if (r)
		return r;
	spin_lock_irq(&vol->lock);
	bitmap_set(p->dirty, 0, vol->nr_chunks);
	p->nr_dirty = vol->nr_chunks;
	spin_unlock_irq(&vol->lock);
	return ifrep_pair_record_flags(p, 0, IFREP_PAIR_F_INITIAL_DONE);
}

/*
 * Adds @chunks to the pair's dirty chunks (or makes them the only ones,
 * @replace, for a sync-back that supersedes a new pair's full copy).  The
 * bits are on disk before they count.
 */
int ifrep_pair_add_dirty(struct ifrep_pair *p, const unsigned long *chunks,
			 bool replace)
{
	struct ifrep_volume *vol = p->vol;
	int r;

	mutex_lock(&vol->bitmap_lock);
	bitmap_or(p->ondisk, p->ondisk, chunks, vol->nr_chunks);
	r = ifrep_bitmap_write_area(vol, p->slot, p->ondisk);
	mutex_unlock(&vol->bitmap_lock);
	if (r)
		return r;
	spin_lock_irq(&vol->lock);
	if (replace)
		bitmap_copy(p->dirty, chunks, vol->nr_chunks);
	else
		bitmap_or(p->dirty, p->dirty, chunks, vol->nr_chunks);
	p->nr_dirty = bitmap_weight(p->dirty, vol->nr_chunks);
	spin_unlock_irq(&vol->lock);
	return replace ? ifrep_pair_record_flags(p, IFREP_PAIR_F_INITIAL_DONE, 0) : 0;
}
