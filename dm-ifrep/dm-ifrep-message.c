// SPDX-License-Identifier: GPL-2.0
/*
 * dm-ifrep target messages (docs/dm-ifrep.rst, "Messages"): one table says
 * what each message takes and when it is allowed; its handler turns the
 * words into typed arguments and calls the engine, which never sees argv.
 *
 *   pair_add <name> <sync|async|copy> <peer> [key=value...] [insecure|integrity-only]
 *            (granule_sectors=<n>: target 1.3; resync=checksum|full: 1.5)
 *   pair_set <name> <key>=<value>|<key> <value>...
 *            (rate, timeout, interval, sync_points, resync: target 1.7)
 *   pair_remove <name>
 *   pause <name>
 *   resume <name>
 *   secret <name|-> <hex> [<file>]
 *   promote [force]
 *   demote <listen addr:port> [insecure]
 *   resolve discard-local | resolve <name> discard-remote
 *   sync [<name>]                (primary: start async cycles now; prints)
 *   sync_points [<pair>]         (a journal's sync points: the secondary's,
 *                                 or a local async pair's; prints)
 *   sync_point_map <id> [<pair>] (where its image lives; prints)
 *   rollback <id> [<pair>]       (secondary; or a paused local async pair)
 *                                (<pair>: target 1.4)
 *   verify <name> [start|restart|status|stop]   (online verify; status prints)
 *   hot_set                      (marked chunks, their maximum, evictions;
 *                                 prints; target 1.5)
 *   resize <sectors>             (grow in place; then load the table with
 *                                 that length; target 1.9)
 *
 * Every message but hot_set (only vol->lock) runs under admin_lock.  A
 * handler returns 0, 1 when it printed into @result, or -errno after
 * logging why.
 */
#include "dm-ifrep-pair.h"
#include "dm-ifrep-message.h"
#include "dm-ifrep-proto.h"
#include "dm-ifrep-receiver.h"
#include "dm-ifrep-resize.h"
#include "dm-ifrep-role.h"
#include "dm-ifrep-syncpoint.h"

#include <linux/ctype.h>
#include <linux/kstrtox.h>

#define DM_MSG_PREFIX "ifrep"

struct msg_args {
	struct ifrep_volume *vol;
	unsigned int argc;		/* the message's words after its name */
	char **argv;
	char *result;
	unsigned int maxlen;
};

struct message {
	const char *name;
	unsigned int min_args, max_args;
	const char *usage;		/* what it takes, for a wrong count */
	/* Refused with -EBUSY while the volume is suspended. */
	bool active_only;
	int (*handler)(struct msg_args *m);
};

/* The pair a message names, or NULL after saying there is none. */
static struct ifrep_pair *named_pair(struct ifrep_volume *vol, const char *name)
{
	struct ifrep_pair *p = ifrep_pair_find(vol, name);

	if (!p)
		DMERR("%s: no pair named %s", vol->name, name);
	return p;
}

/*----------------------------------------------------------------
 * pair_add
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

/* resync=checksum|full, once. */
static int parse_resync(const char *value, u32 *resync_mode)
{
	if (*resync_mode != IFREP_PAIR_RESYNC_DEFAULT)
		return -EINVAL;
	if (!strcmp(value, "checksum"))
		*resync_mode = IFREP_PAIR_RESYNC_CHECKSUM;
	else if (!strcmp(value, "full"))
		*resync_mode = IFREP_PAIR_RESYNC_FULL;
	else
		return -EINVAL;
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
		if (!strcmp(argv[i], "integrity-only")) {
			rec->flags |= IFREP_PAIR_F_INTEGRITY;
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
		else if (!strcmp(argv[i], "granule_sectors"))
			r = parse_u32_max(value, vol->chunk_sectors, &rec->granule_sectors) ?:
			    (ifrep_snap_valid_granule(vol, rec->granule_sectors) &&
			     rec->granule_sectors ? 0 : -EINVAL);
		else if (!strcmp(argv[i], "rate"))
			r = kstrtou64(value, 10, &rec->rate_bytes_per_s) ? -EINVAL : 0;
		else if (!strcmp(argv[i], "resync"))
			r = parse_resync(value, &rec->resync_mode);
		else if (!strcmp(argv[i], "secret_file") && !(rec->flags & IFREP_PAIR_F_JOURNAL))
			r = strscpy(rec->secret_file, value, sizeof(rec->secret_file)) < 0 ?
			    -EINVAL : 0;
		else if (!strcmp(argv[i], "journal") && !rec->secret_file[0] && value[0] == '/') {
			r = strscpy(rec->secret_file, value, sizeof(rec->secret_file)) < 0 ?
			    -EINVAL : 0;
			rec->flags |= IFREP_PAIR_F_JOURNAL;
		} else {
			r = -EINVAL;
		}
		if (r)
			DMERR("%s: pair_add: bad option %s=%s", vol->name, argv[i], value);
	}
	if (!rec->timeout_s)
		rec->timeout_s = IFREP_DEFAULT_TIMEOUT_S;
	return r;
}

static int msg_pair_add(struct msg_args *m)
{
	struct ifrep_volume *vol = m->vol;
	struct ifrep_pair_record rec = { 0 };
	struct sockaddr_storage addr;
	int r;

	if (!valid_pair_name(m->argv[0])) {
		DMERR("%s: pair_add: invalid pair name", vol->name);
		return -EINVAL;
	}
	r = ifrep_mode_parse(m->argv[1]);
	if (r < 0) {
		DMERR("%s: pair_add: mode must be sync, async or copy", vol->name);
		return -EINVAL;
	}
	rec.mode = r;
	if (strscpy(rec.peer, m->argv[2], sizeof(rec.peer)) < 0) {
		DMERR("%s: pair_add: peer name too long", vol->name);
		return -EINVAL;
	}
	if (rec.peer[0] != '/') {
		if (ifrep_parse_addr(rec.peer, &addr)) {
			DMERR("%s: pair_add: peer must be a device path or addr:port",
			      vol->name);
			return -EINVAL;
		}
		rec.flags |= IFREP_PAIR_F_REMOTE;
	}
	strscpy(rec.name, m->argv[0], sizeof(rec.name));
	r = parse_pair_options(vol, m->argc - 3, m->argv + 3, &rec);
	return r ?: ifrep_pairs_add(vol, &rec);
}

/*----------------------------------------------------------------
 * pair_set
 *--------------------------------------------------------------*/

/*
 * Parses pair_set's settings into @s, each key once; whether
 * they fit the pair is the engine's to say.  Nothing is applied here.
 */
static int parse_pair_settings(struct ifrep_volume *vol, unsigned int argc, char **argv,
			       struct ifrep_pair_settings *s)
{
	const char *key, *value, *range;
	unsigned int i, bit;
	char *eq;
	int r;

	if (!argc) {
		DMERR("%s: pair_set: no setting given", vol->name);
		return -EINVAL;
	}
	/* Each setting as pair_add takes it, key=value, or as two words. */
	for (i = 0; i < argc; i++) {
		key = argv[i];
		eq = strchr(argv[i], '=');
		if (eq) {
			*eq = '\0';
			value = eq + 1;
		} else if (i + 1 < argc) {
			value = argv[++i];
		} else {
			DMERR("%s: pair_set: key %s has no value", vol->name, key);
			return -EINVAL;
		}
		if (!strcmp(key, "rate")) {
			bit = IFREP_SET_RATE;
			range = "bytes/s, 0 = unlimited";
			r = kstrtou64(value, 10, &s->rate_bytes_per_s) ? -EINVAL : 0;
		} else if (!strcmp(key, "timeout")) {
			bit = IFREP_SET_TIMEOUT;
			range = "1 to 86400 seconds";
			r = parse_u32_max(value, IFREP_MAX_TIMEOUT_S, &s->timeout_s) ?:
			    (s->timeout_s ? 0 : -EINVAL);
		} else if (!strcmp(key, "interval")) {
			bit = IFREP_SET_INTERVAL;
			range = "0 to 604800 seconds";
			r = parse_u32_max(value, IFREP_MAX_INTERVAL_S, &s->interval_s);
		} else if (!strcmp(key, "sync_points")) {
			bit = IFREP_SET_SYNC_POINTS;
			range = "0 to 1024";
			r = parse_u32_max(value, IFREP_MAX_SYNC_POINTS, &s->sync_points);
		} else if (!strcmp(key, "resync")) {
			bit = IFREP_SET_RESYNC;
			range = "checksum or full";
			s->resync_mode = IFREP_PAIR_RESYNC_DEFAULT;
			r = parse_resync(value, &s->resync_mode);
		} else {
			DMERR("%s: pair_set: unknown key '%s' (rate, timeout, interval, sync_points or resync)",
			      vol->name, key);
			return -EINVAL;
		}
		if (s->set & bit) {
			DMERR("%s: pair_set: %s given twice", vol->name, key);
			return -EINVAL;
		}
		if (r) {
			DMERR("%s: pair_set: bad value %s for %s (%s)", vol->name, value, key,
			      range);
			return r;
		}
		s->set |= bit;
	}
	return 0;
}

static int msg_pair_set(struct msg_args *m)
{
	struct ifrep_pair_settings s = { 0 };
	struct ifrep_pair *p;
	int r;

	r = parse_pair_settings(m->vol, m->argc - 1, m->argv + 1, &s);
	if (r)
		return r;
	p = named_pair(m->vol, m->argv[0]);
	return p ? ifrep_pairs_set(p, &s) : -ENOENT;
}

/*----------------------------------------------------------------
 * Messages on one pair
 *--------------------------------------------------------------*/

static int msg_pair_remove(struct msg_args *m)
{
	struct ifrep_pair *p = named_pair(m->vol, m->argv[0]);

	return p ? ifrep_pairs_remove(p) : -ENOENT;
}

static int msg_pause(struct msg_args *m)
{
	struct ifrep_pair *p = named_pair(m->vol, m->argv[0]);

	return p ? ifrep_pairs_pause(p) : -ENOENT;
}

static int msg_resume(struct msg_args *m)
{
	struct ifrep_pair *p = named_pair(m->vol, m->argv[0]);

	return p ? ifrep_pairs_resume(p) : -ENOENT;
}

/*
 * secret <pair|-> <hex> [<file>]: the shared secret of a remote pair, or
 * of the listener with "-".  Kept in memory only; <file> (where ifrepctl
 * read it) is remembered for activation.
 */
static int msg_secret(struct msg_args *m)
{
	struct ifrep_volume *vol = m->vol;
	struct ifrep_sb *sb = ifrep_md_sb(vol->md);
	const char *file = m->argc == 3 ? m->argv[2] : NULL;
	size_t hex_len = strlen(m->argv[1]), file_size;
	struct ifrep_pair *p = NULL;
	char *file_field;
	u8 *secret;
	int r = 0;

	if (!hex_len || hex_len % 2 || hex_len / 2 > IFREP_MAX_SECRET) {
		DMERR("%s: secret must be 1..%u bytes in hex", vol->name, IFREP_MAX_SECRET);
		return -EINVAL;
	}
	if (strcmp(m->argv[0], "-")) {
		p = named_pair(vol, m->argv[0]);
		if (!p)
			return -ENOENT;
		if (!p->ops->remote) {
			DMERR("%s: pair %s is local: it has no secret", vol->name, p->name);
			return -EINVAL;
		}
		file_field = sb->pairs[p->slot].secret_file;
		file_size = sizeof(sb->pairs[p->slot].secret_file);
	} else {
		if (sb->role != IFREP_ROLE_SECONDARY || !sb->listen[0]) {
			DMERR("%s: only a listening secondary takes a secret with -", vol->name);
			return -EINVAL;
		}
		file_field = sb->listen_secret_file;
		file_size = sizeof(sb->listen_secret_file);
	}
	secret = kmalloc(hex_len / 2, GFP_KERNEL);
	if (!secret)
		return -ENOMEM;
	if (hex2bin(secret, m->argv[1], hex_len / 2)) {
		kfree_sensitive(secret);
		DMERR("%s: secret is not hex", vol->name);
		return -EINVAL;
	}
	if (file && (file[0] != '/' || strlen(file) >= file_size)) {
		kfree_sensitive(secret);
		DMERR("%s: secret file must be an absolute path", vol->name);
		return -EINVAL;
	}
	if (file && strcmp(file_field, file)) {
		mutex_lock(&vol->sb_lock);
		strscpy(file_field, file, file_size);
		r = ifrep_md_commit(vol->md);
		mutex_unlock(&vol->sb_lock);
	}
	if (p)
		ifrep_remote_set_secret(p, secret, hex_len / 2);
	else
		ifrep_receiver_set_secret(vol, secret, hex_len / 2);
	return r;
}

static int msg_verify(struct msg_args *m)
{
	const char *action = m->argc == 2 ? m->argv[1] : "start";
	struct ifrep_pair *p;

	if (strcmp(action, "start") && strcmp(action, "restart") && strcmp(action, "status") &&
	    strcmp(action, "stop")) {
		DMERR("%s: verify: unknown action '%s' (start, restart, status or stop)",
		      m->vol->name, action);
		return -EINVAL;
	}
	p = named_pair(m->vol, m->argv[0]);
	if (!p)
		return -ENOENT;
	if (!strcmp(action, "start") || !strcmp(action, "restart"))
		return ifrep_verify_start(p, !strcmp(action, "restart"));
	if (!strcmp(action, "stop")) {
		ifrep_verify_stop(p);
		return 0;
	}
	return ifrep_verify_status(p, m->result, m->maxlen);
}

/*----------------------------------------------------------------
 * Roles
 *--------------------------------------------------------------*/

static int msg_promote(struct msg_args *m)
{
	if (m->argc && strcmp(m->argv[0], "force")) {
		DMERR("%s: promote takes [force]", m->vol->name);
		return -EINVAL;
	}
	return ifrep_role_promote(m->vol, m->argc);
}

static int msg_demote(struct msg_args *m)
{
	struct ifrep_volume *vol = m->vol;
	struct sockaddr_storage addr;

	if (ifrep_md_sb(vol->md)->role != IFREP_ROLE_PRIMARY) {
		DMERR("%s: demote: the volume is a secondary already", vol->name);
		return -EINVAL;
	}
	if (ifrep_parse_addr(m->argv[0], &addr) ||
	    strlen(m->argv[0]) >= sizeof(ifrep_md_sb(vol->md)->listen) ||
	    (m->argc == 2 && strcmp(m->argv[1], "insecure"))) {
		DMERR("%s: demote takes <listen addr:port> [insecure]", vol->name);
		return -EINVAL;
	}
	return ifrep_role_demote(vol, m->argv[0], m->argc == 2);
}

static int msg_resolve(struct msg_args *m)
{
	struct ifrep_volume *vol = m->vol;
	struct ifrep_pair *p;

	if (m->argc == 1 && !strcmp(m->argv[0], "discard-local"))
		return ifrep_role_discard_local(vol);
	if (m->argc == 2 && !strcmp(m->argv[1], "discard-remote")) {
		p = ifrep_pair_find(vol, m->argv[0]);
		if (!p || !p->ops->remote) {
			DMERR("%s: resolve: no remote pair named %s", vol->name, m->argv[0]);
			return -ENOENT;
		}
		return ifrep_role_discard_remote(p);
	}
	DMERR("%s: resolve takes discard-local, or <pair> discard-remote", vol->name);
	return -EINVAL;
}

/*----------------------------------------------------------------
 * Async cycles and sync points
 *--------------------------------------------------------------*/

static int msg_sync(struct msg_args *m)
{
	return ifrep_cycle_sync_now(m->vol, m->argc ? m->argv[0] : NULL, m->result,
				    m->maxlen);
}

/* The optional pair name after a sync point message's other words. */
static const char *syncpoint_pair(struct msg_args *m, unsigned int at)
{
	return m->argc > at ? m->argv[at] : NULL;
}

static int msg_sync_points(struct msg_args *m)
{
	return ifrep_syncpoint_list(m->vol, syncpoint_pair(m, 0), m->result, m->maxlen);
}

static int msg_sync_point_map(struct msg_args *m)
{
	const char *pair = syncpoint_pair(m, 1);
	u64 id;

	if (kstrtou64(m->argv[0], 10, &id) || (!pair && !m->vol->journal)) {
		DMERR("%s: sync_point_map takes the id of a sync point of a journal",
		      m->vol->name);
		return -EINVAL;
	}
	return ifrep_syncpoint_map(m->vol, pair, id, m->result, m->maxlen);
}

static int msg_rollback(struct msg_args *m)
{
	u64 id;

	if (kstrtou64(m->argv[0], 10, &id)) {
		DMERR("%s: rollback takes a sync point id", m->vol->name);
		return -EINVAL;
	}
	return ifrep_syncpoint_rollback(m->vol, syncpoint_pair(m, 1), id);
}

/*----------------------------------------------------------------
 * Change tracking
 *--------------------------------------------------------------*/

/*
 * A reply rather than status fields: a parser of the status line takes the
 * pairs' layout from the field count after <#pairs>, so a volume field
 * cannot be added there without breaking every existing parser.
 */
static int msg_hot_set(struct msg_args *m)
{
	struct ifrep_volume *vol = m->vol;
	unsigned int sz = 0, maxlen = m->maxlen;
	char *result = m->result;

	spin_lock_irq(&vol->lock);
	DMEMIT("%llu %u %llu", vol->hot_used, vol->hot_max, vol->hot_evicted);
	spin_unlock_irq(&vol->lock);
	return 1;
}

/* Where host writes' time went, and each remote pair's link (make bench). */
static int msg_timing(struct msg_args *m)
{
	struct ifrep_volume *vol = m->vol;
	struct ifrep_write_timing *t = &vol->timing;
	unsigned int sz = 0, maxlen = m->maxlen, i;
	char *result = m->result;
	struct ifrep_window *w;
	struct ifrep_pair *p;

	DMEMIT("writes %lld total_ns %lld data_ns %lld rx_writes %lld rx_disk_ns %lld rx_ack_ns %lld",
	       atomic64_read(&t->writes), atomic64_read(&t->total_ns),
	       atomic64_read(&t->data_ns), atomic64_read(&t->rx_writes),
	       atomic64_read(&t->rx_disk_ns), atomic64_read(&t->rx_ack_ns));
	/* admin_lock held: no pair comes or goes. */
	for (i = 0; i < IFREP_MAX_PAIRS; i++) {
		p = vol->pairs[i];
		if (!p || !p->ops->remote)
			continue;
		w = p->resync.window;
		DMEMIT(" pair %s legs %lld send_ns %lld wire_ns %lld rtt_us %u window_bytes %llu",
		       p->name, atomic64_read(&p->remote.legs),
		       atomic64_read(&p->remote.send_ns), atomic64_read(&p->remote.wire_ns),
		       p->ops->link_rtt_us ? p->ops->link_rtt_us(p) : 0,
		       w ? ifrep_window_bytes(w) : 0);
		DMEMIT(" flushes %lld flush_ns %lld flushes_skipped %lld",
		       atomic64_read(&p->remote.flushes), atomic64_read(&p->remote.flush_ns),
		       atomic64_read(&p->remote.flushes_skipped));
	}
	return 1;
}

static int msg_resize(struct msg_args *m)
{
	u64 sectors;

	if (kstrtou64(m->argv[0], 10, &sectors) || !sectors) {
		DMERR("%s: resize: '%s' is not a size in sectors", m->vol->name, m->argv[0]);
		return -EINVAL;
	}
	return ifrep_volume_grow(m->vol, sectors);
}

/*----------------------------------------------------------------
 * The table
 *--------------------------------------------------------------*/

static const struct message messages[] = {
	{ "pair_add", 3, UINT_MAX, "<name> <mode> <peer>", false, msg_pair_add },
	{ "pair_set", 2, UINT_MAX, "<pair> <key>=<value>|<key> <value>...", false,
	  msg_pair_set },
	{ "pair_remove", 1, 1, "<pair>", false, msg_pair_remove },
	{ "pause", 1, 1, "<pair>", false, msg_pause },
	{ "resume", 1, 1, "<pair>", false, msg_resume },
	{ "secret", 2, 3, "<pair|-> <hex> [<file>]", false, msg_secret },
	{ "promote", 0, 1, "[force]", false, msg_promote },
	{ "demote", 1, 2, "<listen addr:port> [insecure]", false, msg_demote },
	{ "resolve", 1, 2, "discard-local, or <pair> discard-remote", false, msg_resolve },
	{ "sync", 0, 1, "[<pair>]", true, msg_sync },
	{ "sync_points", 0, 1, "[<pair>]", false, msg_sync_points },
	{ "sync_point_map", 1, 2, "<id> [<pair>]", false, msg_sync_point_map },
	{ "rollback", 1, 2, "<sync point id> [<pair>]", false, msg_rollback },
	{ "verify", 1, 2, "<pair> [start|restart|status|stop]", false, msg_verify },
	{ "hot_set", 0, 0, "no arguments", false, msg_hot_set },
	{ "resize", 1, 1, "<sectors>", false, msg_resize },
	{ "timing", 0, 0, "no arguments", false, msg_timing },
};

/* pair_add is refused on a secondary before its words are read. */
static int check_role(struct ifrep_volume *vol, const struct message *msg)
{
	if (msg->handler != msg_pair_add ||
	    ifrep_md_sb(vol->md)->role == IFREP_ROLE_PRIMARY)
		return 0;
	DMERR("%s: pair_add: a secondary volume cannot be a source", vol->name);
	return -EROFS;
}

int ifrep_message(struct ifrep_volume *vol, unsigned int argc, char **argv,
		  char *result, unsigned int maxlen)
{
	struct msg_args m = {
		.vol = vol, .argc = argc - 1, .argv = argv + 1,
		.result = result, .maxlen = maxlen,
	};
	const struct message *msg = NULL;
	unsigned int i;
	int r;

	if (!argc)
		return -EINVAL;
	/*
	 * ifrepctl status asks for the hot set of every primary: it must not
	 * wait behind a pause or a demote that holds admin_lock for long.
	 */
	if (argc == 1 && !strcasecmp(argv[0], "hot_set"))
		return msg_hot_set(&m);
	for (i = 0; i < ARRAY_SIZE(messages); i++)
		if (!strcasecmp(argv[0], messages[i].name))
			msg = &messages[i];
	if (!msg) {
		DMERR("%s: unknown message '%s'", vol->name, argv[0]);
		return -EINVAL;
	}
	if (m.argc < msg->min_args || m.argc > msg->max_args) {
		DMERR("%s: %s takes %s", vol->name, msg->name, msg->usage);
		return -EINVAL;
	}

	mutex_lock(&vol->admin_lock);
	r = check_role(vol, msg);
	if (!r && msg->active_only && vol->suspended) {
		DMERR("%s: %s: the volume is suspended", vol->name, msg->name);
		r = -EBUSY;
	}
	if (!r)
		r = msg->handler(&m);
	mutex_unlock(&vol->admin_lock);
	return r;
}
