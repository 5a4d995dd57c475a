// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_volume.c - the commands that make and unmake volumes: create,
 * activate (one volume, --all, and --udev for the udev rule), remove and
 * list.
 *
 * Each is idempotent: a volume that already exists as asked is success,
 * and metadata already on a device is used rather than overwritten unless
 * --force says so.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "activation.h"
#include "blkdev.h"
#include "cli.h"
#include "cmdline.h"
#include "commands.h"
#include "dm.h"
#include "meta.h"
#include "secret.h"
#include "util.h"
#include "volume.h"

/*----------------------------------------------------------------
 * create
 *--------------------------------------------------------------*/

/* META_NEWER, for create and activate: never suggest overwriting it */
#define NEWER_FORMAT "%s holds dm-ifrep metadata of a newer format (%s): upgrade ifrepctl"

/* Checked as given, so that a bad --chunk-size is reported before later options. */
static int parse_chunk_size(const char *arg, uint64_t *chunk_bytes)
{
	const char *why;

	if (ifrep_parse_size(arg, chunk_bytes, 0, &why))
		return usage_error("--chunk-size %s: %s", arg, why);
	if ((*chunk_bytes & 511) || !ifrep_chunk_sectors_valid(*chunk_bytes >> 9))
		return usage_error("--chunk-size %s: must be a power of two from 64KiB to 1GiB",
				   arg);
	return 0;
}

static int parse_role(const char *arg, uint64_t *unused)
{
	(void)unused;
	if (strcmp(arg, "primary") && strcmp(arg, "secondary"))
		return usage_error("--role %s: must be primary or secondary", arg);
	return 0;
}

static const struct cli_option create_opts[] = {
	{ "data", 'd', CLI_VALUE, NULL },
	{ "meta", 'm', CLI_VALUE, NULL },
	{ "chunk-size", 'c', CLI_VALUE, parse_chunk_size },
	{ "role", 'r', CLI_VALUE, parse_role },
	{ "listen", 'l', CLI_VALUE, NULL },
	{ "secret-file", 's', CLI_VALUE, NULL },
	{ "insecure", 'I', CLI_FLAG, NULL },
	{ "force", 'f', CLI_FLAG, NULL },
	{ "journal", 'J', CLI_VALUE, NULL },
	{ NULL }
};

static const char *role_word(uint32_t disk_role)
{
	return disk_role == IFREP_ROLE_SECONDARY ? "secondary" : "primary";
}

static int cmd_create(const struct cli_args *args)
{
	const char *data = cli_opt(args, 'd'), *meta = cli_opt(args, 'm');
	const char *role = cli_opt(args, 'r'), *listen = cli_opt(args, 'l');
	const char *journal = cli_opt(args, 'J');
	bool insecure = cli_given(args, 'I');
	const char *secret_file = cli_opt(args, 's'), *why;
	struct activation a;
	struct ifrep_addr addr;
	struct ifrep_meta m;
	struct secret secret = { 0 };
	struct vol v;
	char listen_buf[64], whybuf[512], sz[32], sz2[32];
	uint64_t chunk_bytes = cli_value(args, 'c');
	uint64_t data_bytes, meta_bytes, need, chunk_sectors;
	bool force = cli_given(args, 'f'), load = false;
	char *const *pos = args->pos;
	uint32_t eff_role;
	dev_t other;
	int r, kind;

	memset(&m, 0, sizeof(m));
	if (journal && role && !strcmp(role, "primary"))
		return usage_error("--journal is for secondary volumes, not with --role primary");
	if (insecure && (!listen || secret_file))
		return usage_error("--insecure goes with --listen and without --secret-file");
	if (!data)
		return usage_error("missing --data DEV");
	if (!meta)
		return usage_error("missing --meta DEV");
	if (listen) {
		if (ifrep_parse_addr(listen, &addr, &why))
			return usage_error("--listen %s: %s", listen, why);
		if (role && !strcmp(role, "primary"))
			return usage_error("--listen is for secondary volumes, not with --role primary");
		ifrep_format_addr(&addr, listen_buf, sizeof(listen_buf));
		listen = listen_buf;
	}
	if (secret_file && !listen)
		return usage_error("--secret-file goes with --listen (pair secrets are given to 'pair add')");

	if ((r = activation_devices(&a, pos[0], data, meta)))
		return r;
	if (journal) {
		if ((r = device_arg("--journal", journal, a.journal, sizeof(a.journal),
				    &a.journal_devt)))
			return r;
		if (a.journal_devt == a.data_devt || a.journal_devt == a.meta_devt)
			return fail("--journal and --%s are the same device (%s)",
				    a.journal_devt == a.data_devt ? "data" : "meta", a.journal);
	}
	if (secret_file && (r = load_secret(secret_file, &secret)))
		return r;

	need_dm();
	r = load_volume(a.name, true, &v);
	if (r != -ENXIO) {
		/* It exists: the same volume is success, anything else refused. */
		if (r || (r = check_existing(&v, a.data_devt, a.meta_devt)))
			goto out;
		if (role && strcmp(role, ifrep_role_name(v.st.role))) {
			r = fail("%s exists as a %s volume", a.name, ifrep_role_name(v.st.role));
			goto out;
		}
		if (chunk_bytes && chunk_bytes != (uint64_t)v.st.chunk_sectors * 512) {
			r = fail("%s exists with chunk size %s", a.name,
				 ifrep_format_bytes_exact((uint64_t)v.st.chunk_sectors * 512,
							  sz, sizeof(sz)));
			goto out;
		}
		if (listen && strcmp(listen, v.table.listen)) {
			r = fail("%s exists %s%s", a.name,
				 v.table.listen[0] ? "listening on " : "without --listen",
				 v.table.listen);
			goto out;
		}
		if (journal && (!v.table.journal[0] ||
				ifrep_blkdev_token_devt(v.table.journal, &other) ||
				other != a.journal_devt)) {
			ifrep_blkdev_token_name(v.table.journal, whybuf, sizeof(whybuf));
			r = fail("%s exists %s%s", a.name,
				 v.table.journal[0] ? "with journal device " : "without a journal",
				 v.table.journal[0] ? whybuf : "");
			goto out;
		}
		info("%s exists with these devices: nothing to do", a.name);
		goto send;
	}

	if ((r = check_devices_free(&a)))
		goto out;
	r = ifrep_blkdev_size(a.data, &data_bytes, whybuf, sizeof(whybuf));
	if (!r)
		r = ifrep_blkdev_size(a.meta, &meta_bytes, whybuf, sizeof(whybuf));
	if (r) {
		r = fail("%s", whybuf);
		goto out;
	}
	if (!data_bytes || (data_bytes & 511)) {
		r = fail("%s has a size of %llu bytes: it must be a non-zero multiple of 512",
			 a.data, (unsigned long long)data_bytes);
		goto out;
	}
	a.sectors = data_bytes >> 9;

	kind = ifrep_meta_read(a.meta, &m, whybuf, sizeof(whybuf));
	if (kind < 0) {
		r = fail("%s", whybuf);
		goto out;
	}
	switch (kind) {
	case META_FRESH:
		break;
	case META_VALID:
		if (m.data_sectors != a.sectors) {
			if (force)
				break;
			r = fail("%s holds dm-ifrep metadata of a %s volume, but %s has %s (use --force to overwrite)",
				 a.meta, ifrep_format_bytes(m.data_sectors << 9, sz, sizeof(sz)),
				 a.data, ifrep_format_bytes(data_bytes, sz2, sizeof(sz2)));
			goto out;
		}
		if (role && strcmp(role, role_word(m.role)) && !force) {
			r = fail("%s holds a %s volume; --role %s contradicts it (use --force to overwrite)",
				 a.meta, role_word(m.role), role);
			goto out;
		}
		if (chunk_bytes && chunk_bytes != (uint64_t)m.chunk_sectors << 9 && !force) {
			r = fail("%s holds a volume with chunk size %s; --chunk-size contradicts it (use --force to overwrite)",
				 a.meta, ifrep_format_bytes_exact((uint64_t)m.chunk_sectors << 9,
								  sz, sizeof(sz)));
			goto out;
		}
		/* the bitmaps describe the recorded data device: never another one */
		if (m.data_path[0] && !ifrep_blkdev_check(m.data_path, &other, whybuf, sizeof(whybuf)) &&
		    other != a.data_devt && !force) {
			r = fail("%s holds dm-ifrep metadata of data device %s, not of %s (use --force to overwrite)",
				 a.meta, m.data_path, a.data);
			goto out;
		}
		load = !force || ((!role || !strcmp(role, role_word(m.role))) &&
				  (!chunk_bytes || chunk_bytes == (uint64_t)m.chunk_sectors << 9) &&
				  (!m.data_path[0] || ifrep_blkdev_same(m.data_path, a.data_devt)));
		break;
	case META_NEWER:
		/* a newer ifrepctl's volume: --force does not overwrite it either */
		r = fail(NEWER_FORMAT, a.meta, whybuf);
		goto out;
	case META_DAMAGED:
		if (!force) {
			r = fail("%s holds damaged dm-ifrep metadata (%s); use --force to overwrite",
				 a.meta, whybuf);
			goto out;
		}
		break;
	default:
		if (!force) {
			r = fail("%s holds data that is not dm-ifrep metadata for %s (use --force to overwrite)",
				 a.meta, a.data);
			goto out;
		}
		break;
	}

	chunk_sectors = load ? m.chunk_sectors :
		chunk_bytes ? chunk_bytes >> 9 : IFREP_DEFAULT_CHUNK_SECTORS;
	eff_role = load ? m.role :
		(role && !strcmp(role, "secondary")) ? IFREP_ROLE_SECONDARY : IFREP_ROLE_PRIMARY;
	if (listen && eff_role != IFREP_ROLE_SECONDARY) {
		r = load ? fail("--listen is for secondary volumes, and %s holds a primary", a.meta)
			 : usage_error("--listen is for secondary volumes (add --role secondary)");
		goto out;
	}
	if (journal && eff_role != IFREP_ROLE_SECONDARY) {
		r = load ? fail("--journal is for secondary volumes, and %s holds a primary", a.meta)
			 : usage_error("--journal is for secondary volumes (add --role secondary)");
		goto out;
	}
	/* an existing secondary keeps the journal its metadata names */
	if (!journal && load && eff_role == IFREP_ROLE_SECONDARY && m.journal_path[0]) {
		if (recorded_journal(&a, &m)) {
			r = fail("%s names the journal device %s, which is not present (give --journal DEV)",
				 a.meta, m.journal_path);
			goto out;
		}
		info("using the journal device %s recorded in %s", a.journal, a.meta);
		if ((r = check_journal_free(&a)))
			goto out;
	}
	if (a.journal[0] && a.journal[0] == '/' &&
	    (r = check_journal(&a, (uint32_t)chunk_sectors, !load)))
		goto out;
	need = ifrep_meta_blocks_needed(ifrep_meta_nr_chunks(a.sectors, (uint32_t)chunk_sectors)) *
		IFREP_META_BLOCK_SIZE;
	if (meta_bytes < need) {
		r = fail("%s is too small: %s of data with %s chunks needs %llu bytes of metadata",
			 a.meta, ifrep_format_bytes(data_bytes, sz, sizeof(sz)),
			 ifrep_format_bytes_exact(chunk_sectors << 9, sz2, sizeof(sz2)),
			 (unsigned long long)need);
		goto out;
	}

	a.targs.listen = listen;
	a.targs.insecure = insecure;
	if (!load) {
		a.targs.format = kind != META_FRESH;
		a.targs.role = role_word(eff_role);
		a.targs.chunk_sectors = (uint32_t)chunk_sectors;
	}
	if ((r = load_table(&a)))
		goto out;
send:
	r = hand_over_secret(a.name, NULL, &secret,
			     "%s is active, but its listen secret was not taken", a.name);
out:
	wipe_secret(&secret);
	return r;
}

const struct cli_command command_create = {
	.name = "create",
	.options = create_opts,
	.min_pos = 1, .max_pos = 1, .pos_names = "NAME",
	.checks = CHECK_POS0_VOLUME,
	.handler = cmd_create,
	.synopsis =
		"create NAME --data DEV --meta DEV [--chunk-size SIZE] [--role primary|secondary]\n"
		"                [--listen ADDR:PORT [--secret-file FILE | --insecure]] [--journal DEV] [--force]",
	.help =
		"Create the volume /dev/mapper/NAME over the data device DATA, with its metadata\n"
		"on META.  Empty metadata (zeros) is formatted by the kernel; existing dm-ifrep\n"
		"metadata of this data device is used as it is; anything else is refused unless\n"
		"--force is given.  Creating a volume that exists with the same devices succeeds.\n"
		"\n"
		"  --data DEV            data device (block device)\n"
		"  --meta DEV            metadata device (block device)\n"
		"  --chunk-size SIZE     change-tracking unit, a power of two from 64KiB to 1GiB\n"
		"                        (default 8MiB); used when formatting\n"
		"  --role ROLE           primary (default) or secondary; used when formatting\n"
		"  --listen ADDR:PORT    secondary: accept a primary there (IPv4 or [IPv6])\n"
		"  --secret-file FILE    secondary: shared secret primaries must prove\n"
		"  --insecure            secondary, with --listen: accept a primary without a\n"
		"                        secret (no authentication: anyone who reaches the\n"
		"                        address can connect as its primary)\n"
		"  --journal DEV         secondary: device on which async cycles are journaled,\n"
		"                        so that each applies atomically and sync points are kept\n"
		"                        (needed to receive an async pair; empty or a journal)\n"
		"  --force               overwrite whatever META holds\n",
};

/*----------------------------------------------------------------
 * activate
 *--------------------------------------------------------------*/

/*
 * Load the secret in @file and send it to @pair of @name (NULL: its listen
 * socket).  Returns 1 after a failure (reported), else 0.
 */
static int send_recorded_secret(const char *name, const char *pair, const char *file)
{
	struct secret s;
	int r;

	memset(&s, 0, sizeof(s));
	if (load_secret(file, &s))
		r = EXIT_FAILED;
	else if (pair)
		r = hand_over_secret(name, pair, &s, "%s: secret of pair %s was not taken",
				     name, pair);
	else
		r = hand_over_secret(name, NULL, &s, "%s: listen secret from %s was not taken",
				     name, file);
	wipe_secret(&s);
	return r ? 1 : 0;
}

/*
 * Send the secrets that the metadata names (listen socket, remote pairs).
 * Returns the number of failures, each reported.
 */
static int send_recorded_secrets(const char *name, const struct ifrep_meta *m)
{
	unsigned int i;
	int failures = 0;

	if (m->listen[0] && m->listen_secret_file[0])
		failures += send_recorded_secret(name, NULL, m->listen_secret_file);
	for (i = 0; i < m->nr_pairs; i++) {
		const struct ifrep_meta_pair *p = &m->pairs[i];

		if (!(p->flags & IFREP_PAIR_F_REMOTE) || !p->secret_file[0])
			continue;
		/* a finished copy never connects again: its secret may be gone */
		if (p->mode == IFREP_MODE_COPY && (p->flags & IFREP_PAIR_F_INITIAL_DONE))
			continue;
		failures += send_recorded_secret(name, p->name, p->secret_file);
	}
	return failures;
}

static int activate_one(const char *name, const char *data, const char *meta)
{
	struct activation a;
	struct ifrep_meta m;
	struct vol v;
	char why[512], sz[32], sz2[32];
	uint64_t data_bytes;
	int r, kind;

	if ((r = activation_devices(&a, name, data, meta)))
		return r;

	need_dm();
	r = load_volume(name, false, &v);
	if (r != -ENXIO) {
		if (r || (r = check_existing(&v, a.data_devt, a.meta_devt)))
			return r;
		info("%s is active already", name);
		return 0;
	}
	if ((r = check_devices_free(&a)))
		return r;

	kind = ifrep_meta_read(a.meta, &m, why, sizeof(why));
	if (kind < 0)
		return fail("%s", why);
	if (kind == META_FRESH)
		return fail("%s holds no dm-ifrep metadata (it is empty: use 'ifrepctl create')", a.meta);
	if (kind == META_NEWER)
		return fail(NEWER_FORMAT, a.meta, why);
	if (kind == META_DAMAGED)
		return fail("%s holds damaged dm-ifrep metadata: %s", a.meta, why);
	if (kind != META_VALID)
		return fail("%s holds no dm-ifrep metadata", a.meta);

	if (m.data_path[0] && !ifrep_blkdev_same(m.data_path, a.data_devt))
		warn("%s was last active with data device %s; using %s as you asked",
		     a.meta, m.data_path, a.data);
	if (ifrep_blkdev_size(a.data, &data_bytes, why, sizeof(why)))
		return fail("%s", why);
	/* in sectors: the recorded size is bounded, but never shift it unchecked */
	if (!ifrep_meta_data_fits(data_bytes, m.data_sectors))
		return fail("%s (%s) is smaller than the volume recorded in %s (%s)", a.data,
			    ifrep_format_bytes(data_bytes, sz, sizeof(sz)), a.meta,
			    ifrep_format_bytes(m.data_sectors << 9, sz2, sizeof(sz2)));
	if (data_bytes / 512 > m.data_sectors)
		warn("%s is larger than the volume recorded in %s; only the first %llu sectors are used",
		     a.data, a.meta, (unsigned long long)m.data_sectors);

	if (m.role == IFREP_ROLE_SECONDARY && m.journal_path[0]) {
		if (recorded_journal(&a, &m)) {
			if (from_udev) {
				/* its appearance runs the rule again (activate_udev) */
				info("%s: waiting for journal device %s", name, m.journal_path);
				return 0;
			}
			return fail("%s: the journal device %s recorded in %s is not present",
				    name, m.journal_path, a.meta);
		}
		if ((r = check_journal_free(&a)))
			return r;
		if (a.journal[0] == '/' && (r = check_journal(&a, m.chunk_sectors, false)))
			return r;
	}

	a.sectors = m.data_sectors;
	if (m.role == IFREP_ROLE_SECONDARY && m.listen[0]) {
		a.targs.listen = m.listen;
		a.targs.insecure = m.flags & IFREP_SB_F_INSECURE;
	}
	if ((r = load_table(&a)))
		return r;
	return send_recorded_secrets(name, &m) ? EXIT_FAILED : 0;
}

struct scan_state {
	unsigned int activated, failed;
	dev_t only_data;		/* activate only volumes with this data or journal device */
};

/* Never read a suspended dm device (it would block), nor our own volumes. */
static bool never_read(dev_t devt)
{
	char uuid[160];
	bool suspended;

	return ifrep_blkdev_dm_info(devt, &suspended, uuid, sizeof(uuid)) &&
	       (suspended || !strncmp(uuid, IFREP_UUID_PREFIX, strlen(IFREP_UUID_PREFIX)));
}

static int scan_one(const char *path, dev_t devt, void *arg)
{
	struct scan_state *s = arg;
	struct ifrep_meta m;
	struct ifrep_dm_info di;
	char why[512];
	const char *e;

	if (never_read(devt))
		return 0;
	if (ifrep_meta_read(path, &m, why, sizeof(why)) != META_VALID)
		return 0;
	if (!m.volume_name[0] || !ifrep_valid_volume_name(m.volume_name, &e)) {
		info("%s: dm-ifrep metadata without a usable volume name: skipped", path);
		return 0;
	}
	if (!ifrep_dm_info(m.volume_name, &di) && di.exists) {
		info("%s: %s is active already", path, m.volume_name);
		return 0;
	}
	if (!m.data_path[0] || ifrep_blkdev_check(m.data_path, NULL, why, sizeof(why))) {
		info("%s: data device %s of %s is not present: skipped", path,
		     m.data_path[0] ? m.data_path : "(none recorded)", m.volume_name);
		return 0;
	}
	if (s->only_data && !ifrep_blkdev_same(m.data_path, s->only_data) &&
	    !(m.role == IFREP_ROLE_SECONDARY && m.journal_path[0] == '/' &&
	      ifrep_blkdev_same(m.journal_path, s->only_data)))
		return 0;
	if (activate_one(m.volume_name, m.data_path, path)) {
		s->failed++;
	} else {
		s->activated++;
		info("activated %s (data %s, meta %s)", m.volume_name, m.data_path, path);
	}
	return 0;
}

/* Activate what scan_one() finds on every block device (of @s->only_data). */
static int scan_all(struct scan_state *s)
{
	int r = ifrep_blkdev_scan(IFREP_META_PROBE_SIZE, scan_one, s);

	if (r)
		return fail("cannot list block devices: %s", strerror(-r));
	return s->failed ? EXIT_FAILED : 0;
}

/*
 * activate --udev DEV (the udev rule, for every block device that appears):
 * DEV holding metadata activates its volume once the data device (and a
 * secondary's journal device) is there; DEV being a recorded data or
 * journal device activates the volumes waiting for it.  Nothing to do is
 * success.
 */
static int activate_udev(const char *dev)
{
	struct scan_state s = { 0, 0, 0 };
	struct ifrep_meta m;
	struct ifrep_dm_info di;
	char why[512];
	dev_t devt;

	if (ifrep_blkdev_check(dev, &devt, why, sizeof(why)))
		return fail("%s", why);
	if (never_read(devt))
		return 0;
	need_dm();
	if (ifrep_meta_read(dev, &m, why, sizeof(why)) == META_VALID) {
		if (!ifrep_dm_info(m.volume_name, &di) && di.exists)
			return 0;
		if (!m.data_path[0] || ifrep_blkdev_check(m.data_path, NULL, why, sizeof(why))) {
			info("%s: waiting for data device %s", dev, m.data_path);
			return 0;
		}
		return activate_one(m.volume_name, m.data_path, dev);
	}
	s.only_data = devt;
	return scan_all(&s);
}

static const struct cli_option activate_opts[] = {
	{ "data", 'd', CLI_VALUE, NULL },
	{ "meta", 'm', CLI_VALUE, NULL },
	{ "all", 'a', CLI_FLAG, NULL },
	{ "udev", 'u', CLI_FLAG | CLI_LONG_ONLY, NULL },
	{ NULL }
};

/* Its positionals depend on the mode (NAME, none, DEV): counted here. */
static int cmd_activate(const struct cli_args *args)
{
	const char *data = cli_opt(args, 'd'), *meta = cli_opt(args, 'm');
	struct scan_state s = { 0, 0, 0 };
	bool all = cli_given(args, 'a'), udev = cli_given(args, 'u');
	char *const *pos = args->pos;
	int r;

	if (udev) {
		if (all || data || meta)
			return usage_error("--udev takes only DEV");
		if ((r = cli_positionals(args, 1, 1, "DEV")))
			return r;
		from_udev = true;
		return activate_udev(pos[0]);
	}
	if (all) {
		if (data || meta || args->nr_pos)
			return usage_error("--all takes no NAME, --data or --meta");
		need_dm();
		return scan_all(&s);
	}
	if ((r = cli_positionals(args, 1, 1, "NAME (or --all)")))
		return r;
	if ((r = check_volume_name(pos[0])))
		return r;
	if (!data)
		return usage_error("missing --data DEV");
	if (!meta)
		return usage_error("missing --meta DEV");
	return activate_one(pos[0], data, meta);
}

const struct cli_command command_activate = {
	.name = "activate",
	.options = activate_opts,
	.handler = cmd_activate,
	.synopsis = "activate (NAME --data DEV --meta DEV | --all | --udev DEV)",
	.help =
		"Re-create a volume and its pairs from the metadata on META (a secondary with\n"
		"the journal device its metadata names, which must be present).  With --all,\n"
		"scan every block device and activate each volume whose metadata is found, whose\n"
		"recorded data device is present, and which is not active yet.  --udev DEV is\n"
		"what the udev rule runs when DEV appears: it activates the volume whose\n"
		"metadata DEV holds, or the volumes whose data or journal device DEV is, once\n"
		"all their devices are there.\n",
};

/*----------------------------------------------------------------
 * remove
 *--------------------------------------------------------------*/

static int cmd_remove(const struct cli_args *args)
{
	char *const *pos = args->pos;
	struct vol v;
	int r;

	r = load_volume(pos[0], false, &v);
	if (r == -ENXIO) {
		info("no volume named %s: nothing to remove", pos[0]);
		return 0;
	}
	if (r)
		return r;
	r = ifrep_dm_remove(pos[0]);
	if (r == -EBUSY) {
		(void)ifrep_dm_info(pos[0], &v.info);
		return fail("%s is in use (open count %d: unmount or close it first)",
			    pos[0], v.info.open_count);
	}
	if (r == -ENXIO)
		return 0;
	if (r)
		return fail("cannot remove %s: %s", pos[0], dm_strerror(r));
	return 0;
}

const struct cli_command command_remove = {
	.name = "remove",
	.min_pos = 1, .max_pos = 1, .pos_names = "NAME",
	.checks = CHECK_POS0_VOLUME | CHECK_NEEDS_DM,
	.handler = cmd_remove,
	.synopsis = "remove NAME",
	.help =
		"Remove /dev/mapper/NAME.  The metadata stays: 'activate' brings the volume and\n"
		"its pairs back.  Removing a volume that does not exist succeeds.\n",
};

/*----------------------------------------------------------------
 * list
 *--------------------------------------------------------------*/

static int cmd_list(const struct cli_args *args)
{
	char **names;
	size_t n, i;
	int r;

	(void)args;
	r = ifrep_dm_list(IFREP_TARGET_NAME, &names, &n);
	if (r)
		return fail("cannot list devices: %s", dm_strerror(r));
	for (i = 0; i < n; i++)
		printf("%s\n", names[i]);
	ifrep_dm_list_free(names, n);
	return 0;
}

const struct cli_command command_list = {
	.name = "list",
	.min_pos = 0, .max_pos = 0, .pos_names = "",
	.checks = CHECK_NEEDS_DM,
	.handler = cmd_list,
	.synopsis = "list",
	.help = "Print the names of the active dm-ifrep volumes, one per line.\n",
};
