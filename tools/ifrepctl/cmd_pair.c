// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_pair.c - the commands on one pair of a primary volume: pair add,
 * pair set, pair remove, pause and resume.
 *
 * Adding a pair that exists with the same settings succeeds, and so do
 * removing one that is gone, pausing one that is paused and setting what
 * is set already: only a contradiction is an error.
 *
 * A local copy pair gets its copy device /dev/mapper/VOL-PAIR (copydev.c)
 * once the kernel took the pair, unless --no-device; pair remove removes
 * it first, and pause and resume are refused while it exists.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "blkdev.h"
#include "cli.h"
#include "cmdline.h"
#include "commands.h"
#include "copydev.h"
#include "dm.h"
#include "meta.h"
#include "msg.h"
#include "secret.h"
#include "status.h"
#include "util.h"
#include "volume.h"

/*----------------------------------------------------------------
 * pair add
 *--------------------------------------------------------------*/

/* Are two peers the same target? Device paths compare by device number. */
static bool same_peer(const char *a, const char *b)
{
	dev_t da, db;

	if (a[0] == '/' && b[0] == '/' &&
	    !ifrep_blkdev_token_devt(a, &da) && !ifrep_blkdev_token_devt(b, &db))
		return da == db;
	return !strcmp(a, b);
}

/*
 * The pair exists: compare what can be compared (status: mode and peer;
 * metadata: the explicit settings).  Return: 0 same, 1 after printing.
 */
static int compare_existing_pair(const struct vol *v, const struct ifrep_status_pair *sp,
				 const struct ifrep_pair_opts *o)
{
	struct ifrep_meta m;
	const struct ifrep_meta_pair *mp;
	char path[256], why[256];
	bool differs = false;

	if (sp->mode != o->mode || !same_peer(sp->peer, o->peer))
		return fail("a pair named %s exists on %s (%s to %s)", o->name, v->name,
			    ifrep_mode_name(sp->mode), sp->peer);
	ifrep_blkdev_name(v->meta_devt, path, sizeof(path));
	if (ifrep_meta_read(path, &m, why, sizeof(why)) != META_VALID ||
	    !(mp = ifrep_meta_find_pair(&m, o->name))) {
		info("cannot read the settings of pair %s back: comparing mode and peer only",
		     o->name);
		return 0;
	}
	if (o->has_timeout && mp->timeout_s != o->timeout_s)
		differs = true;
	if (o->has_interval && mp->interval_s != o->interval_s)
		differs = true;
	if (o->has_rate && mp->rate_bytes_per_s != o->rate)
		differs = true;
	if (o->has_sync_points && mp->sync_points != o->sync_points)
		differs = true;
	if (o->has_granule && (mp->granule_sectors ? mp->granule_sectors :
			       IFREP_DEFAULT_GRANULE_BYTES / 512) != o->granule_sectors)
		differs = true;
	if (o->secret_file && strcmp(mp->secret_file, o->secret_file))
		differs = true;
	if (o->remote && o->insecure != !!(mp->flags & IFREP_PAIR_F_INSECURE))
		differs = true;
	if (o->remote && o->integrity_only != !!(mp->flags & IFREP_PAIR_F_INTEGRITY))
		differs = true;
	/* the effective choice: a record without one has the default */
	if (o->resync != IFREP_PAIR_RESYNC_DEFAULT &&
	    (o->resync == IFREP_PAIR_RESYNC_CHECKSUM) !=
	    ifrep_resync_checksum(mp->mode, mp->flags, mp->resync_mode))
		differs = true;
	if (differs)
		return fail("a pair named %s exists on %s with other settings (pair set changes the rate, timeout, interval, sync points and resync; remove it first to change others)",
			    o->name, v->name);
	return 0;
}

/* Checks of a local target device against the volume. */
/* Is @devt a dm-ifrep volume (its live table's first target)?  Its name in @name. */
static bool is_ifrep_volume(dev_t devt, char *name, size_t len)
{
	struct ifrep_dm_target t;
	bool is;

	if (!ifrep_blkdev_dm_name(devt, name, len) || ifrep_dm_get(name, false, &t))
		return false;
	is = !strcmp(t.type, IFREP_TARGET_NAME);
	ifrep_dm_target_free(&t);
	return is;
}

/* A dm-ifrep volume holding @devt (its data, metadata or journal device)?  Its name in @name. */
static bool is_volume_device(dev_t devt, char *name, size_t len)
{
	dev_t holders[16];
	int i, n = ifrep_blkdev_related(devt, "holders", holders, 16);

	for (i = 0; i < n; i++)
		if (is_ifrep_volume(holders[i], name, len))
			return true;
	return false;
}

/*
 * Is @devt stacked on a dm-ifrep volume or on a volume's device, through
 * the devices sysfs lists as its slaves?  The kernel checks it too (and
 * names the volume in its log); this says it before asking.
 */
static bool stacked_on_volume(dev_t devt, unsigned int depth, char *name, size_t len,
			      bool *device)
{
	dev_t slaves[16];
	int i, n;

	if (depth > 16)
		return false;
	n = ifrep_blkdev_related(devt, "slaves", slaves, 16);
	for (i = 0; i < n; i++) {
		*device = false;
		if (is_ifrep_volume(slaves[i], name, len))
			return true;
		*device = true;
		if (is_volume_device(slaves[i], name, len) ||
		    stacked_on_volume(slaves[i], depth + 1, name, len, device))
			return true;
	}
	return false;
}

/* No cascading: a pair's target is no volume, no volume's device, nor on one. */
static int check_not_cascading(const char *path, dev_t devt)
{
	char name[256];
	bool device;

	if (is_ifrep_volume(devt, name, sizeof(name)))
		return fail("%s is the dm-ifrep volume %s: a pair's target cannot be a dm-ifrep volume (no cascading)",
			    path, name);
	if (is_volume_device(devt, name, sizeof(name)))
		return fail("%s is a device of the dm-ifrep volume %s (its data, metadata or journal device): a pair's target cannot be (no cascading)",
			    path, name);
	if (stacked_on_volume(devt, 0, name, sizeof(name), &device))
		return fail("%s is stacked on %s dm-ifrep volume %s: a pair's target cannot be (no cascading)",
			    path, device ? "a device of the" : "the", name);
	return 0;
}

static int check_local_target(const struct vol *v, const char *path, dev_t devt)
{
	char why[256], sz[32], sz2[32];
	uint64_t bytes;
	int r;

	if (devt == v->data_devt || devt == v->meta_devt)
		return fail("%s is the %s device of %s itself", path,
			    devt == v->data_devt ? "data" : "metadata", v->name);
	if (devt == makedev(v->info.major, v->info.minor))
		return fail("%s is the volume %s itself", path, v->name);
	if ((r = check_not_cascading(path, devt)))
		return r;
	if (ifrep_blkdev_busy(path))
		return fail("target device %s is in use (mounted, or held by another device)", path);
	if (ifrep_blkdev_size(path, &bytes, why, sizeof(why)))
		return fail("%s", why);
	if (bytes < v->sectors << 9)
		return fail("target device %s (%s) is smaller than %s (%s)", path,
			    ifrep_format_bytes(bytes, sz, sizeof(sz)), v->name,
			    ifrep_format_bytes(v->sectors << 9, sz2, sizeof(sz2)));
	return 0;
}

/*----------------------------------------------------------------
 * The settings pair add and pair set share
 *--------------------------------------------------------------*/

/* Option ids of the settings, the same in both commands' tables. */
#define OPT_INTERVAL	'i'
#define OPT_TIMEOUT	'T'
#define OPT_SYNC_POINTS	'p'
#define OPT_RATE	'R'
#define OPT_RESYNC	'r'

#define SETTINGS_OPTS \
	{ "interval", OPT_INTERVAL, CLI_VALUE, NULL }, \
	{ "timeout", OPT_TIMEOUT, CLI_VALUE, NULL }, \
	{ "sync-points", OPT_SYNC_POINTS, CLI_VALUE, NULL }, \
	{ "rate", OPT_RATE, CLI_VALUE, NULL }, \
	{ "resync", OPT_RESYNC, CLI_VALUE, NULL }

/*
 * --interval, --timeout, --sync-points, --rate and --resync into @o (its
 * has_* and resync say which were given), each checked against its own
 * limits only.  Return: how many were given, or -EXIT_USAGE after printing.
 */
static int parse_settings(const struct cli_args *args, struct ifrep_pair_opts *o)
{
	const char *interval = cli_opt(args, OPT_INTERVAL), *timeout = cli_opt(args, OPT_TIMEOUT);
	const char *sync_points = cli_opt(args, OPT_SYNC_POINTS), *rate = cli_opt(args, OPT_RATE);
	const char *resync = cli_opt(args, OPT_RESYNC), *why;
	int m;

	if (interval) {
		if (ifrep_parse_duration(interval, &o->interval_s, true, &why))
			return -usage_error("--interval %s: %s", interval, why);
		if (o->interval_s > IFREP_MAX_INTERVAL_S)
			return -usage_error("--interval %s: at most 7d", interval);
		o->has_interval = true;
	}
	if (timeout) {
		if (ifrep_parse_duration(timeout, &o->timeout_s, false, &why))
			return -usage_error("--timeout %s: %s", timeout, why);
		if (o->timeout_s > IFREP_MAX_TIMEOUT_S)
			return -usage_error("--timeout %s: at most 1d", timeout);
		o->has_timeout = true;
	}
	if (sync_points) {
		if (ifrep_parse_u64(sync_points, &o->sync_points, &why))
			return -usage_error("--sync-points %s: %s", sync_points, why);
		if (o->sync_points > IFREP_MAX_SYNC_POINTS)
			return -usage_error("--sync-points %s: at most %d", sync_points,
					    IFREP_MAX_SYNC_POINTS);
		if (o->sync_points > IFREP_JOURNAL_MAX_CYCLES + 1)
			warn("a secondary's journal keeps at most %d sync points, however large it is",
			     IFREP_JOURNAL_MAX_CYCLES + 1);
		o->has_sync_points = true;
	}
	if (rate) {
		if (ifrep_parse_size(rate, &o->rate, SIZE_ALLOW_ZERO | SIZE_ALLOW_PER_SEC, &why))
			return -usage_error("--rate %s: %s", rate, why);
		o->has_rate = true;
	}
	if (resync) {
		m = ifrep_resync_parse(resync);
		if (m < 0)
			return -usage_error("--resync %s: must be checksum or full", resync);
		o->resync = (uint32_t)m;
	}
	return o->has_interval + o->has_timeout + o->has_sync_points + o->has_rate + !!resync;
}

/*
 * The first setting of @o, in this order, that a pair of @mode (@remote:
 * to a secondary) does not have, as an error message; NULL when all fit.
 */
static const char *settings_misfit(const struct ifrep_pair_opts *o, enum ifrep_disk_mode mode,
				   bool remote)
{
	if (o->resync != IFREP_PAIR_RESYNC_DEFAULT && mode != IFREP_MODE_SYNC)
		return "--resync is for sync pairs";
	if (o->resync == IFREP_PAIR_RESYNC_CHECKSUM && !remote)
		return "--resync checksum is for remote pairs";
	if (mode != IFREP_MODE_ASYNC && (o->has_interval || o->has_sync_points))
		return o->has_interval ? "--interval is for async pairs" :
		       "--sync-points is for async pairs";
	if (!remote && o->has_timeout)
		return "--timeout is for remote pairs";
	return NULL;
}

/*----------------------------------------------------------------
 * pair add (continued)
 *--------------------------------------------------------------*/

static const struct cli_option pair_add_opts[] = {
	{ "to", 't', CLI_VALUE, NULL },
	{ "mode", 'M', CLI_VALUE, NULL },
	SETTINGS_OPTS,
	{ "secret-file", 's', CLI_VALUE, NULL },
	{ "insecure", 'I', CLI_FLAG, NULL },
	{ "integrity-only", 'G', CLI_FLAG, NULL },
	{ "journal", 'J', CLI_VALUE, NULL },
	{ "granule", 'g', CLI_VALUE, NULL },
	{ "no-device", 'N', CLI_FLAG, NULL },
	{ NULL }
};

static int cmd_pair_add(const struct cli_args *args)
{
	const char *to = cli_opt(args, 't'), *mode = cli_opt(args, 'M');
	const char *secret_file = cli_opt(args, 's'), *why;
	const char *journal = cli_opt(args, 'J'), *granule = cli_opt(args, 'g');
	char journal_path[PATH_MAX];
	dev_t journal_devt = 0;
	struct ifrep_pair_opts o;
	struct ifrep_addr addr;
	struct secret secret = { 0 };
	const struct ifrep_status_pair *sp;
	char peer[PATH_MAX], msg[1024], other[128];
	struct vol v;
	dev_t peer_devt = 0;
	char *const *pos = args->pos;
	struct stat st;
	unsigned int i;
	bool device;
	int r, m;

	memset(&o, 0, sizeof(o));
	o.insecure = cli_given(args, 'I');
	o.integrity_only = cli_given(args, 'G');
	o.name = pos[1];
	if (!to)
		return usage_error("missing --to DEV|HOST:PORT");
	if (!mode)
		return usage_error("missing --mode sync|async|copy");
	m = ifrep_mode_parse(mode);
	if (m < 0)
		return usage_error("--mode %s: must be sync, async or copy", mode);
	o.mode = (enum ifrep_disk_mode)m;

	/* --to: a path (absolute, relative, or an existing name) or ADDR:PORT */
	o.remote = !(to[0] == '/' || to[0] == '.' || !strchr(to, ':') || !stat(to, &st));
	if (o.remote) {
		if (ifrep_parse_addr(to, &addr, &why))
			return usage_error("--to %s: %s", to, why);
		if (addr.unspecified)
			return usage_error("--to %s: cannot replicate to an unspecified address", to);
		ifrep_format_addr(&addr, peer, sizeof(peer));
	}

	r = parse_settings(args, &o);
	if (r < 0)
		return -r;
	if (granule) {
		uint64_t bytes;

		if (ifrep_parse_size(granule, &bytes, 0, &why))
			return usage_error("--granule %s: %s", granule, why);
		if (bytes < IFREP_MIN_GRANULE_BYTES || bytes > IFREP_MAX_CHUNK_SECTORS * 512ULL ||
		    (bytes & (bytes - 1)))
			return usage_error("--granule %s: must be a power of two from 4KiB to the chunk size",
					   granule);
		if (o.mode == IFREP_MODE_SYNC)
			return usage_error("--granule is for async and copy pairs");
		o.granule_sectors = bytes / 512;
		o.has_granule = true;
	}
	why = settings_misfit(&o, o.mode, o.remote);
	if (why)
		return usage_error("%s%s", why,
				   strstr(why, "remote") ? " (--to HOST:PORT)" : "");
	if (!o.remote && (secret_file || o.insecure))
		return usage_error("--%s is for remote pairs (--to HOST:PORT)",
				   secret_file ? "secret-file" : "insecure");
	if (o.remote && !secret_file && !o.insecure)
		return usage_error("a remote pair needs --secret-file FILE (or --insecure)");
	if (secret_file && o.insecure)
		return usage_error("--secret-file and --insecure exclude each other");
	if (o.integrity_only && (!o.remote || o.insecure))
		return usage_error("--integrity-only is for remote pairs with --secret-file");

	if (cli_given(args, 'N') && (o.remote || o.mode != IFREP_MODE_COPY))
		return usage_error("--no-device is for copy pairs to a local target");
	/* Only a local copy's target can be used while it is copied. */
	device = !o.remote && o.mode == IFREP_MODE_COPY && !cli_given(args, 'N');

	if (journal && (o.remote || o.mode != IFREP_MODE_ASYNC))
		return usage_error("--journal is for async pairs to a local target");
	if (!o.remote && o.mode == IFREP_MODE_ASYNC && !journal)
		return usage_error("an async pair to a local target needs --journal DEV (it makes each cycle atomic)");

	if (!o.remote && (r = device_arg("--to", to, peer, sizeof(peer), &peer_devt)))
		return r;
	o.peer = peer;
	if (journal) {
		if ((r = device_arg("--journal", journal, journal_path, sizeof(journal_path),
				    &journal_devt)))
			return r;
		if (journal_devt == peer_devt)
			return fail("--journal and --to are the same device (%s)", journal_path);
		o.journal = journal_path;
	}
	if (secret_file) {
		if ((r = load_secret(secret_file, &secret)))
			return r;
		o.secret_file = secret.path;
	}

	r = need_volume(pos[0], true, &v);
	if (r)
		goto out;
	sp = ifrep_status_find_pair(&v.st, o.name);
	if (sp) {
		r = compare_existing_pair(&v, sp, &o);
		if (r)
			goto out;
		info("pair %s exists with these settings: nothing to do", o.name);
		/* Its device is made while it copies; a finished copy's is not. */
		if (device && sp->state == IFREP_PS_INITIAL_SYNC) {
			r = copydev_create(&v, o.name, sp->peer);
			if (r)
				goto out;
		}
		goto send;
	}
	if (v.st.role == IFREP_ROLE_SECONDARY) {
		r = fail("%s is a secondary volume: pairs are added on the primary", v.name);
		goto out;
	}
	if (v.st.nr_pairs >= IFREP_MAX_PAIRS) {
		r = fail("%s has %d pairs already: a volume has at most %d pairs", v.name,
			 IFREP_MAX_PAIRS, IFREP_MAX_PAIRS);
		goto out;
	}
	for (i = 0; i < v.st.nr_pairs; i++) {
		if (same_peer(v.st.pairs[i].peer, o.peer)) {
			snprintf(other, sizeof(other), "%s", v.st.pairs[i].name);
			r = fail("%s is the target of pair %s already", o.peer, other);
			goto out;
		}
	}
	if (!o.remote && (r = check_local_target(&v, peer, peer_devt)))
		goto out;
	if (o.has_granule && o.granule_sectors > v.st.chunk_sectors) {
		r = usage_error("--granule %s: larger than the chunk size of %s", granule, v.name);
		goto out;
	}

	r = ifrep_msg_pair_add(&o, msg, sizeof(msg));
	if (r) {
		r = fail("cannot build the pair_add message: %s", strerror(-r));
		goto out;
	}
	info("message: %s", msg);
	r = ifrep_dm_message(v.name, msg, false, NULL);
	if (r) {
		r = explain_msg_error(MSG_PAIR_ADD, &v, o.name, o.peer,
				      ifrep_mode_name(o.mode), r);
		goto out;
	}
	if (device) {
		r = copydev_create(&v, o.name, o.peer);
		if (r) {
			warn("pair %s copies to %s without a copy device; it is usable once the pair is done",
			     o.name, o.peer);
			goto out;
		}
	}
send:
	r = hand_over_secret(v.name, o.name, &secret,
			     "pair %s is on %s, but its secret was not taken", o.name, v.name);
out:
	wipe_secret(&secret);
	return r;
}

const struct cli_command command_pair_add = {
	.name = "pair add",
	.options = pair_add_opts,
	.min_pos = 2, .max_pos = 2, .pos_names = "NAME and PAIR",
	.checks = CHECK_POS0_VOLUME | CHECK_POS1_PAIR,
	.handler = cmd_pair_add,
	.synopsis =
		"pair add NAME PAIR --to DEV|HOST:PORT --mode sync|async|copy\n"
		"                [--interval SEC] [--timeout SEC] [--sync-points N] [--rate BYTES_PER_S]\n"
		"                [--secret-file FILE [--integrity-only] | --insecure]\n"
		"                [--journal DEV] [--granule SIZE] [--resync checksum|full]\n"
		"                [--no-device]",
	.help =
		"Add the pair PAIR to the primary volume NAME: replication to a local block\n"
		"device or to a secondary volume listening on HOST:PORT.  The new pair starts with\n"
		"an initial sync of the whole volume.  PAIR is 1 to 31 characters of [A-Za-z0-9_.-].\n"
		"\n"
		"  --to DEV|HOST:PORT    target block device, or remote secondary (IPv4, [IPv6])\n"
		"  --mode MODE           sync (writes complete on both), async (periodic\n"
		"                        consistent cuts) or copy (one full copy, then done)\n"
		"  --interval SEC        async: cycle period (0 = only on 'sync')\n"
		"  --timeout SEC         remote: link trouble tolerated before disconnecting (30)\n"
		"  --sync-points N       async: consistent images kept on the target\n"
		"  --rate BYTES_PER_S    resync rate limit, e.g. 50M (0 = unlimited)\n"
		"  --secret-file FILE    remote: shared secret (required unless --insecure)\n"
		"  --insecure            remote: no authentication\n"
		"  --integrity-only      remote: authenticate every message, do not encrypt\n"
		"  --journal DEV         async to a local target: the device that makes each\n"
		"                        cycle atomic (it saves what a cycle overwrites)\n"
		"  --granule SIZE        async, copy: what a host write into a chunk a cycle\n"
		"                        has not shipped yet saves first in the snapshot store\n"
		"                        (the metadata device past the metadata), a power of\n"
		"                        two from 4KiB to the chunk size (64KiB)\n"
		"  --resync HOW          sync: how chunks dirty after an interruption are\n"
		"                        resynced: checksum (remote only, the default there:\n"
		"                        the secondary compares each 64KiB piece, only those\n"
		"                        that differ are sent) or full (whole chunks sent)\n"
		"  --no-device           copy to a local target: do not create the copy device\n"
		"                        /dev/mapper/NAME-PAIR, through which the target is\n"
		"                        usable read-write while it is copied\n",
};

/*----------------------------------------------------------------
 * pair set
 *--------------------------------------------------------------*/

static const struct cli_option pair_set_opts[] = {
	SETTINGS_OPTS,
	{ NULL }
};

/* Whether the module takes pair_set (target 1.7). */
static bool module_sets_pairs(uint32_t version[3])
{
	return !ifrep_dm_target_version(IFREP_TARGET_NAME, version) &&
	       (version[0] > 1 ||
		(version[0] == 1 && version[1] >= IFREP_PAIR_SET_VERSION_MINOR));
}

/*
 * Whether the pair's record holds every setting of @o already (then there
 * is nothing to send).  False when the record cannot be read.
 */
static bool record_has(const struct vol *v, const struct ifrep_pair_opts *o)
{
	const struct ifrep_meta_pair *mp;
	struct ifrep_meta m;
	char path[256], why[256];

	ifrep_blkdev_name(v->meta_devt, path, sizeof(path));
	if (path[0] != '/' || ifrep_meta_read(path, &m, why, sizeof(why)) != META_VALID ||
	    !(mp = ifrep_meta_find_pair(&m, o->name)))
		return false;
	return (!o->has_rate || mp->rate_bytes_per_s == o->rate) &&
	       (!o->has_timeout || mp->timeout_s == o->timeout_s) &&
	       (!o->has_interval || mp->interval_s == o->interval_s) &&
	       (!o->has_sync_points || mp->sync_points == o->sync_points) &&
	       (o->resync == IFREP_PAIR_RESYNC_DEFAULT || mp->resync_mode == o->resync);
}

static int cmd_pair_set(const struct cli_args *args)
{
	const struct ifrep_status_pair *sp;
	struct ifrep_pair_opts o;
	char msg[256];
	const char *why;
	uint32_t version[3];
	struct vol v;
	bool remote;
	int r;

	memset(&o, 0, sizeof(o));
	o.name = args->pos[1];
	r = parse_settings(args, &o);
	if (r < 0)
		return -r;
	if (!r)
		return usage_error("nothing to set: give --rate, --timeout, --interval, --sync-points or --resync");

	if ((r = need_volume(args->pos[0], true, &v)))
		return r;
	sp = ifrep_status_find_pair(&v.st, o.name);
	if (!sp)
		return fail("%s has no pair named %s", v.name, o.name);
	remote = sp->peer[0] != '/';
	why = settings_misfit(&o, sp->mode, remote);
	if (why)
		return fail("%s: pair %s is a %s pair to %s %s", why, sp->name,
			    ifrep_mode_name(sp->mode), remote ? "the secondary" : "the device",
			    sp->peer);
	if (!module_sets_pairs(version))
		return fail("the loaded dm-ifrep module (target %u.%u.%u) cannot change a pair's settings: it needs target 1.%d.0",
			    version[0], version[1], version[2], IFREP_PAIR_SET_VERSION_MINOR);
	if (record_has(&v, &o)) {
		info("pair %s has these settings already: nothing to do", o.name);
		return 0;
	}

	r = ifrep_msg_pair_set(&o, msg, sizeof(msg));
	if (r)
		return fail("cannot build the pair_set message: %s", strerror(-r));
	info("message: %s", msg);
	r = ifrep_dm_message(v.name, msg, false, NULL);
	if (r)
		return explain_msg_error(MSG_PAIR_SET, &v, o.name, NULL, NULL, r);
	return 0;
}

const struct cli_command command_pair_set = {
	.name = "pair set",
	.options = pair_set_opts,
	.min_pos = 2, .max_pos = 2, .pos_names = "NAME and PAIR",
	.checks = CHECK_POS0_VOLUME | CHECK_POS1_PAIR,
	.handler = cmd_pair_set,
	.synopsis =
		"pair set NAME PAIR [--rate BYTES_PER_S] [--timeout SEC] [--interval SEC]\n"
		"                [--sync-points N] [--resync checksum|full]",
	.help =
		"Change settings of the pair PAIR of the primary volume NAME in place: the\n"
		"metadata is updated first, then the running pair follows; nothing is resynced\n"
		"and the link stays up.  At least one option.\n"
		"\n"
		"  --rate BYTES_PER_S    resync and cycle rate limit, e.g. 50M (0 = unlimited);\n"
		"                        a copy running now follows it at once\n"
		"  --timeout SEC         remote: link trouble tolerated before disconnecting\n"
		"                        (1s to 1d); the connection in use follows it\n"
		"  --interval SEC        async: cycle period (0 = only on 'sync'); the next\n"
		"                        cycle is due SEC after the change\n"
		"  --sync-points N       async: consistent images kept on the target, from\n"
		"                        the next cycle on\n"
		"  --resync HOW          sync: checksum (remote only) or full, from the next\n"
		"                        resync on\n"
		"\n"
		"An option the pair does not have (--interval on a sync pair, --timeout on a\n"
		"local one...) is refused and nothing changes.  Needs target version 1.7.0.\n",
};

/*----------------------------------------------------------------
 * pair remove / pause / resume
 *--------------------------------------------------------------*/

/* pair remove, pause, resume: NAME PAIR, one message. */
static int pair_message(const struct cli_args *args, enum msg_kind kind)
{
	static const char *const verbs[] = {
		[MSG_PAIR_REMOVE] = "pair_remove",
		[MSG_PAUSE] = "pause",
		[MSG_RESUME] = "resume",
	};
	const struct ifrep_status_pair *p;
	char msg[128];
	struct vol v;
	char *const *pos = args->pos;
	int r;

	if ((r = need_volume(pos[0], true, &v)))
		return r;

	/* The device uses the pair: it goes first (the kernel would fail its I/O). */
	if (kind == MSG_PAIR_REMOVE && (r = copydev_remove(v.name, pos[1])))
		return r;
	if (kind != MSG_PAIR_REMOVE && copydev_exists(v.name, pos[1]))
		return fail("pair %s has the copy device /dev/mapper/%s-%s: remove it first (dmsetup remove %s-%s)",
			    pos[1], v.name, pos[1], v.name, pos[1]);

	p = ifrep_status_find_pair(&v.st, pos[1]);
	if (!p) {
		if (kind == MSG_PAIR_REMOVE) {
			info("%s has no pair named %s: nothing to remove", v.name, pos[1]);
			return 0;
		}
		return fail("%s has no pair named %s", v.name, pos[1]);
	}
	if (kind != MSG_PAIR_REMOVE && p->state == IFREP_PS_DONE)
		return fail("pair %s is a finished copy: nothing to %s (remove it, or add a new copy pair)",
			    p->name, verbs[kind]);
	if (kind == MSG_PAUSE && p->state == IFREP_PS_PAUSED)
		return 0;
	if (kind == MSG_RESUME && p->state != IFREP_PS_PAUSED && p->state != IFREP_PS_FAILED &&
	    p->state != IFREP_PS_DISCONNECTED && p->state != IFREP_PS_RETRYING &&
	    p->state != IFREP_PS_SPLIT_BRAIN) {
		info("pair %s is %s: nothing to resume", p->name, ifrep_pair_state_name(p->state));
		return 0;
	}
	ifrep_msg_simple(verbs[kind], pos[1], msg, sizeof(msg));
	info("message: %s", msg);
	r = ifrep_dm_message(v.name, msg, false, NULL);
	if (r && kind == MSG_PAIR_REMOVE && (r == -ENOENT || r == -ENODEV))
		return 0;
	if (r)
		return explain_msg_error(kind, &v, pos[1], NULL, NULL, r);
	return 0;
}

static int cmd_pair_remove(const struct cli_args *args)
{
	return pair_message(args, MSG_PAIR_REMOVE);
}

const struct cli_command command_pair_remove = {
	.name = "pair remove",
	.min_pos = 2, .max_pos = 2, .pos_names = "NAME and PAIR",
	.checks = CHECK_POS0_VOLUME | CHECK_POS1_PAIR | CHECK_NEEDS_DM,
	.handler = cmd_pair_remove,
	.synopsis = "pair remove NAME PAIR",
	.help = "Stop and forget the pair.  Removing a pair that does not exist succeeds.\n"
		"A copy pair's copy device /dev/mapper/NAME-PAIR is removed first (refused\n"
		"while it is open).\n",
};

static int cmd_pause(const struct cli_args *args)
{
	return pair_message(args, MSG_PAUSE);
}

const struct cli_command command_pause = {
	.name = "pause",
	.min_pos = 2, .max_pos = 2, .pos_names = "NAME and PAIR",
	.checks = CHECK_POS0_VOLUME | CHECK_POS1_PAIR | CHECK_NEEDS_DM,
	.handler = cmd_pause,
	.synopsis = "pause NAME PAIR",
	.help = "Stop replicating to the pair; changes are tracked and resynced on resume.\n",
};

static int cmd_resume(const struct cli_args *args)
{
	return pair_message(args, MSG_RESUME);
}

const struct cli_command command_resume = {
	.name = "resume",
	.min_pos = 2, .max_pos = 2, .pos_names = "NAME and PAIR",
	.checks = CHECK_POS0_VOLUME | CHECK_POS1_PAIR | CHECK_NEEDS_DM,
	.handler = cmd_resume,
	.synopsis = "resume NAME PAIR",
	.help = "Restart a paused, failed or disconnected pair: it resyncs its dirty chunks.\n",
};
