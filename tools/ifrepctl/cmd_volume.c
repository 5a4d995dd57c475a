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
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "activation.h"
#include "autoact.h"
#include "blkdev.h"
#include "cli.h"
#include "cmdline.h"
#include "commands.h"
#include "copydev.h"
#include "dm.h"
#include "meta.h"
#include "outbuf.h"
#include "secret.h"
#include "util.h"
#include "volume.h"

/*----------------------------------------------------------------
 * The home host
 *--------------------------------------------------------------*/

/*
 * The host identity a table load records in the metadata (home_host); ""
 * = record nothing.  create and an administrator's activate record this
 * host; automatic activation keeps what the metadata says.
 */
static char home_host[IFREP_HOST_LEN];

/* The first target version whose table takes home_host. */
#define HOME_HOST_VERSION_MINOR 2

static void claim_home_host(void)
{
	struct ifrep_autoact_conf conf;
	char text[32768], why[512], hostname[256];
	uint32_t version[3];
	size_t n = 0;
	FILE *f;

	home_host[0] = '\0';
	f = fopen(getenv("IFREP_ACTIVATE_CONF") && *getenv("IFREP_ACTIVATE_CONF") ?
		  getenv("IFREP_ACTIVATE_CONF") : IFREP_ACTIVATE_CONF, "re");
	if (f) {
		n = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
	}
	text[n] = '\0';
	if (ifrep_autoact_parse(text, &conf, why, sizeof(why))) {
		warn("activate.conf: %s: no home host recorded", why);
		return;
	}
	if (gethostname(hostname, sizeof(hostname)))
		hostname[0] = '\0';
	hostname[sizeof(hostname) - 1] = '\0';
	if (!ifrep_host_id(&conf, hostname, home_host, sizeof(home_host))) {
		info("this host has no usable identity (hostname '%s'): no home host recorded",
		     hostname);
		return;
	}
	if (ifrep_dm_target_version(IFREP_TARGET_NAME, version) ||
	    (version[0] == 1 && version[1] < HOME_HOST_VERSION_MINOR)) {
		info("the loaded dm-ifrep module does not record a home host");
		home_host[0] = '\0';
	}
}

static bool vol_exists(const char *name)
{
	struct ifrep_dm_info di;

	return !ifrep_dm_info(name, &di) && di.exists;
}

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

static int parse_hot_chunks(const char *arg, uint64_t *n)
{
	const char *why;

	if (ifrep_parse_u64(arg, n, &why))
		return usage_error("--hot-chunks %s: %s", arg, why);
	if (!*n || *n > IFREP_MAX_HOT_CHUNKS)
		return usage_error("--hot-chunks %s: must be from 1 to %u", arg,
				   IFREP_MAX_HOT_CHUNKS);
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
	{ "hot-chunks", 'K', CLI_VALUE | CLI_LONG_ONLY, parse_hot_chunks },
	{ "dry-run", DRY_RUN_OPT, CLI_FLAG | CLI_LONG_ONLY, NULL },
	{ "yes", YES_OPT, CLI_FLAG, NULL },
	{ NULL }
};

static const char *role_word(uint32_t disk_role)
{
	return disk_role == IFREP_ROLE_SECONDARY ? "secondary" : "primary";
}

/*
 * What create is about to do with META, from what cmd_create() decided:
 * format fresh metadata, use the metadata there, or overwrite what META
 * holds (@kind, @m, @meta_why: what ifrep_meta_read() found).
 */
static void create_plan(const struct activation *a, int kind, const struct ifrep_meta *m,
			const char *meta_why, bool load, const char *role, uint64_t chunk_sectors,
			const char *secret_file, struct outbuf *o)
{
	/* what META holds comes from a disk: escaped */
	char sz[32], sz2[32], name[4 * IFREP_VOLUME_NAME_LEN], path[4 * IFREP_PATH_LEN];
	char pair[4 * IFREP_NAME_LEN];
	unsigned int i;

	name[0] = path[0] = '\0';
	if (kind == META_VALID) {
		ifrep_escape(m->volume_name, name, sizeof(name));
		ifrep_escape(m->data_path[0] ? m->data_path : "not recorded", path, sizeof(path));
	}
	if (load) {
		outbuf_printf(o, "would use the dm-ifrep metadata on %s as it is: a %s volume '%s' of %s, chunk size %s, %u pair%s",
			      a->meta, role_word(m->role), name,
			      ifrep_format_bytes(m->data_sectors << 9, sz, sizeof(sz)),
			      ifrep_format_bytes_exact((uint64_t)m->chunk_sectors << 9, sz2, sizeof(sz2)),
			      m->nr_pairs, m->nr_pairs == 1 ? "" : "s");
		for (i = 0; i < m->nr_pairs; i++)
			outbuf_printf(o, "%s%s", i ? ", " : ": ",
				      ifrep_escape(m->pairs[i].name, pair, sizeof(pair)));
		outbuf_printf(o, " (nothing on it is overwritten)\n");
	} else {
		if (kind != META_FRESH) {
			outbuf_printf(o, "would overwrite %s, which holds ", a->meta);
			if (kind == META_VALID)
				outbuf_printf(o, "the dm-ifrep metadata of the %s volume '%s' (%s, data device %s, %u pair%s)",
					      role_word(m->role), name,
					      ifrep_format_bytes(m->data_sectors << 9, sz, sizeof(sz)),
					      path, m->nr_pairs, m->nr_pairs == 1 ? "" : "s");
			else if (kind == META_DAMAGED)
				outbuf_printf(o, "damaged dm-ifrep metadata (%s)", meta_why);
			else
				outbuf_printf(o, "data that is not dm-ifrep metadata (its first 8 KiB are not zeros)");
			outbuf_printf(o, ": everything on it is lost\n");
		}
		outbuf_printf(o, "would format %s%s as a %s volume of %s with %s chunks\n", a->meta,
			      kind == META_FRESH ? " (empty)" : "", role,
			      ifrep_format_bytes(a->sectors << 9, sz, sizeof(sz)),
			      ifrep_format_bytes_exact(chunk_sectors << 9, sz2, sizeof(sz2)));
	}
	outbuf_printf(o, "would create /dev/mapper/%s over the data device %s (its data is not written)%s%s\n",
		      a->name, a->data, a->journal[0] ? ", with the journal device " : "", a->journal);
	if (secret_file)
		outbuf_printf(o, "would hand the listen secret of %s to the kernel\n", secret_file);
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
	char listen_buf[64], whybuf[512], meta_why[512], sz[32], sz2[32], plan[4096];
	struct outbuf o;
	bool go;
	uint64_t chunk_bytes = cli_value(args, 'c'), hot_chunks = cli_value(args, 'K');
	uint64_t data_bytes, meta_bytes, need, chunk_sectors;
	uint32_t version[3];
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
	if (hot_chunks && ((role && !strcmp(role, "secondary")) || listen || journal))
		return usage_error("--hot-chunks is for primary volumes");

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
		if (cli_given(args, DRY_RUN_OPT)) {
			printf("%s exists with these devices: create would change nothing%s\n"
			       "dry run: nothing changed\n", a.name,
			       secret_file ? " but hand over the listen secret again" : "");
			r = 0;
			goto out;
		}
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
	snprintf(meta_why, sizeof(meta_why), "%s", whybuf);
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
	if (ifrep_meta_nr_chunks(a.sectors, (uint32_t)chunk_sectors) > IFREP_MAX_CHUNKS) {
		r = fail("%s would have more than 2^32 - 1 chunks of %s: choose a larger --chunk-size",
			 a.data, ifrep_format_bytes_exact((uint64_t)chunk_sectors << 9, sz,
							  sizeof(sz)));
		goto out;
	}
	need = ifrep_meta_blocks_needed(ifrep_meta_nr_chunks(a.sectors, (uint32_t)chunk_sectors)) *
		IFREP_META_BLOCK_SIZE;
	if (meta_bytes < need) {
		r = fail("%s is too small: %s of data with %s chunks needs %llu bytes of metadata",
			 a.meta, ifrep_format_bytes(data_bytes, sz, sizeof(sz)),
			 ifrep_format_bytes_exact(chunk_sectors << 9, sz2, sizeof(sz2)),
			 (unsigned long long)need);
		goto out;
	}

	if (hot_chunks) {
		if (eff_role != IFREP_ROLE_PRIMARY) {
			r = fail("--hot-chunks is for primary volumes, and %s holds a secondary",
				 a.meta);
			goto out;
		}
		if (ifrep_dm_target_version(IFREP_TARGET_NAME, version) ||
		    (version[0] == 1 && version[1] < IFREP_HOT_CHUNKS_VERSION_MINOR)) {
			r = fail("the loaded dm-ifrep module has no hot set (target 1.%d or newer): leave out --hot-chunks",
				 IFREP_HOT_CHUNKS_VERSION_MINOR);
			goto out;
		}
		a.targs.hot_chunks = (uint32_t)hot_chunks;
	}
	outbuf_init(&o, plan, sizeof(plan));
	create_plan(&a, kind, &m, meta_why, load, role_word(eff_role), chunk_sectors,
		    secret_file, &o);
	if ((r = confirm(cli_given(args, DRY_RUN_OPT), cli_given(args, YES_OPT),
			 !load && kind != META_FRESH, plan, &go)) || !go)
		goto out;
	a.targs.listen = listen;
	a.targs.insecure = insecure;
	claim_home_host();
	if (home_host[0])
		a.targs.home_host = home_host;
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
		"                [--listen ADDR:PORT [--secret-file FILE | --insecure]] [--journal DEV]\n"
		"                [--hot-chunks N] [--force] [--dry-run] [--yes]",
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
		"  --hot-chunks N        primary: chunks kept marked after a write (default 512),\n"
		"                        the most a crash can leave to resync; recorded in META\n"
		"  --force               overwrite whatever META holds\n"
		"  --dry-run             print what would be formatted, used or overwritten;\n"
		"                        change nothing\n"
		"  --yes, -y             do not ask on a terminal before --force overwrites META\n",
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

		if (!ifrep_meta_pair_reads_secret(p))
			continue;
		failures += send_recorded_secret(name, p->name, p->secret_file);
	}
	return failures;
}

/*
 * @pre: the metadata of @meta as read already (automatic activation reads
 * each device once), or NULL to read it here.
 */
static int activate_one(const char *name, const char *data, const char *meta,
			const struct ifrep_meta *pre)
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

	if (pre) {
		m = *pre;
		kind = META_VALID;
	} else {
		kind = ifrep_meta_read(a.meta, &m, why, sizeof(why));
	}
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
	if (home_host[0])
		a.targs.home_host = home_host;
	if ((r = load_table(&a)))
		return r;
	return send_recorded_secrets(name, &m) ? EXIT_FAILED : 0;
}

/*----------------------------------------------------------------
 * Automatic activation (--all, --udev): see autoact.h
 *--------------------------------------------------------------*/

struct auto_state {
	struct ifrep_autoact_conf conf;
	char host[IFREP_HOST_LEN];		/* "" = no usable identity */
	unsigned int activated, failed;
};

static const char *conf_path(void)
{
	const char *p = getenv("IFREP_ACTIVATE_CONF");

	return p && *p ? p : IFREP_ACTIVATE_CONF;
}

static const char *run_dir(void)
{
	const char *p = getenv("IFREP_RUN_DIR");

	return p && *p ? p : "/run/ifrep";
}

/*
 * One automatic activation at a time: udev (or systemd, one unit instance
 * per device) runs one per device that appears, side by side, and the runs
 * for a volume's metadata and data devices would otherwise both try to
 * create it (one failing with "a device named NAME exists").  The lock is
 * held until exit; without RUN_DIR there is no lock (and no waiting
 * records either).
 */
static void auto_lock(void)
{
	char path[PATH_MAX];
	int fd;

	if (mkdir(run_dir(), 0700) && errno != EEXIST)
		return;
	snprintf(path, sizeof(path), "%s/lock", run_dir());
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return;
	while (flock(fd, LOCK_EX) && errno == EINTR)
		;
}

/*
 * activate.conf and this host's identity.  A missing file is an empty one;
 * one that cannot be read or parsed stops automatic activation (fail
 * closed: its allow-list or homehost cannot be known).
 */
static int auto_setup(struct auto_state *s)
{
	char text[32768], why[512], hostname[256];
	size_t n = 0;
	FILE *f;

	memset(s, 0, sizeof(*s));
	log_to_kmsg = true;
	auto_lock();
	f = fopen(conf_path(), "re");
	if (!f && errno != ENOENT)
		return fail("cannot read %s: %s: nothing is activated automatically",
			    conf_path(), strerror(errno));
	if (f) {
		n = fread(text, 1, sizeof(text) - 1, f);
		if (ferror(f) || !feof(f)) {
			fclose(f);
			return fail("cannot read %s (larger than %zu bytes?): nothing is activated automatically",
				    conf_path(), sizeof(text) - 1);
		}
		fclose(f);
	}
	text[n] = '\0';
	if (strlen(text) != n)
		return fail("%s holds a NUL byte: nothing is activated automatically", conf_path());
	if (ifrep_autoact_parse(text, &s->conf, why, sizeof(why)))
		return fail("%s: %s: nothing is activated automatically", conf_path(), why);
	if (gethostname(hostname, sizeof(hostname)))
		hostname[0] = '\0';
	hostname[sizeof(hostname) - 1] = '\0';
	if (!ifrep_host_id(&s->conf, hostname, s->host, sizeof(s->host)))
		info("this host has no usable identity (hostname '%s'): only volumes allowed in %s are activated",
		     hostname, conf_path());
	return 0;
}

/* A secret file's real path too must lie under /etc/ifrep (no symlink out). */
static int real_path_under_etc(const char *path, const char *what)
{
	char real[PATH_MAX], e[IFREP_PATH_LEN * 4];

	if (!realpath(path, real))
		return 0;		/* reading it fails later, and says so */
	if (!ifrep_path_under(real, IFREP_ETC_DIR))
		return fail("%s %s leads to %s, outside " IFREP_ETC_DIR
			    ": not read when activating automatically", what,
			    ifrep_escape(path, e, sizeof(e)), real);
	return 0;
}

/*
 * May @m, read from @meta (@meta_devt), be activated automatically?  0, or
 * EXIT_FAILED after the refusal (stderr and the kernel log).
 */
static int auto_allowed(const struct auto_state *s, const struct ifrep_meta *m,
			const char *meta, dev_t meta_devt)
{
	char why[1024], name[IFREP_VOLUME_NAME_LEN * 4];
	unsigned int i;
	int r;

	if (ifrep_autoact_check(m, &s->conf, s->host, meta_devt, why, sizeof(why)))
		return fail("%s: volume %s not activated: %s", meta,
			    ifrep_escape(m->volume_name, name, sizeof(name)), why);
	if (m->role == IFREP_ROLE_SECONDARY && m->listen[0] && m->listen_secret_file[0] &&
	    (r = real_path_under_etc(m->listen_secret_file, "the listen secret file")))
		return r;
	for (i = 0; i < m->nr_pairs; i++) {
		const struct ifrep_meta_pair *p = &m->pairs[i];

		if ((p->flags & IFREP_PAIR_F_REMOTE) && p->secret_file[0] &&
		    (r = real_path_under_etc(p->secret_file, "the pair secret file")))
			return r;
	}
	return 0;
}

/* activate_one() for a volume that passed auto_allowed(). */
static int auto_activate(struct auto_state *s, const struct ifrep_meta *m, const char *meta)
{
	char name[IFREP_VOLUME_NAME_LEN * 4];
	int r;

	r = activate_one(m->volume_name, m->data_path, meta, m);
	if (r) {
		s->failed++;
		return r;
	}
	if (vol_exists(m->volume_name)) {
		s->activated++;
		notice("activated %s (data %s, meta %s)",
		       ifrep_escape(m->volume_name, name, sizeof(name)), m->data_path, meta);
	}
	return 0;
}

/* Never read a suspended dm device (it would block), nor our own volumes. */
static bool never_read(dev_t devt)
{
	char uuid[160];
	bool suspended;

	return ifrep_blkdev_dm_info(devt, &suspended, uuid, sizeof(uuid)) &&
	       (suspended || !strncmp(uuid, IFREP_UUID_PREFIX, strlen(IFREP_UUID_PREFIX)));
}

/*
 * A device with dm-ifrep's magic but no superblock that passes its checks:
 * said (a boot that silently skipped it would look like a lost volume),
 * never activated, and never "repaired" from here.
 */
#define DAMAGED_AUTO "%s holds damaged dm-ifrep metadata (%s): not activated"

static int scan_one(const char *path, dev_t devt, void *arg)
{
	struct auto_state *s = arg;
	struct ifrep_meta m;
	char why[512], name[IFREP_VOLUME_NAME_LEN * 4];

	if (never_read(devt))
		return 0;
	switch (ifrep_meta_read(path, &m, why, sizeof(why))) {
	case META_VALID:
		break;
	case META_DAMAGED:
		s->failed++;
		fail(DAMAGED_AUTO, path, why);
		return 0;
	default:
		return 0;
	}
	if (auto_allowed(s, &m, path, devt)) {
		s->failed++;
		return 0;
	}
	ifrep_escape(m.volume_name, name, sizeof(name));
	if (vol_exists(m.volume_name)) {
		info("%s: %s is active already", path, name);
		return 0;
	}
	if (ifrep_blkdev_check(m.data_path, NULL, why, sizeof(why))) {
		info("%s: data device %s of %s is not present: skipped", path, m.data_path, name);
		return 0;
	}
	auto_activate(s, &m, path);
	return 0;
}

/* activate --all: what scan_one() finds on every block device. */
static int scan_all(struct auto_state *s)
{
	int r = ifrep_blkdev_scan(IFREP_META_PROBE_SIZE, scan_one, s);

	if (r)
		return fail("cannot list block devices: %s", strerror(-r));
	return s->failed ? EXIT_FAILED : 0;
}

/*
 * The udev path reads only the device of the event.  A volume whose
 * metadata device appeared before its data (or journal) device is
 * remembered in RUN_DIR/waiting-MAJ:MIN (of the metadata device): lines
 * "meta PATH", "data PATH", "journal PATH".  When another device appears,
 * those records, not the system's disks, say which volume waits for it.
 */
static void waiting_file(dev_t meta_devt, char *buf, size_t len)
{
	snprintf(buf, len, "%s/waiting-%u:%u", run_dir(), major(meta_devt), minor(meta_devt));
}

static void remember_waiting(const char *meta, dev_t meta_devt, const struct ifrep_meta *m)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f;

	if (mkdir(run_dir(), 0700) && errno != EEXIST)
		return;
	waiting_file(meta_devt, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return;
	fprintf(f, "meta %s\ndata %s\n", meta, m->data_path);
	if (m->role == IFREP_ROLE_SECONDARY && m->journal_path[0])
		fprintf(f, "journal %s\n", m->journal_path);
	if (fclose(f) || rename(tmp, path))
		unlink(tmp);
}

static void forget_waiting(dev_t meta_devt)
{
	char path[PATH_MAX];

	waiting_file(meta_devt, path, sizeof(path));
	unlink(path);
}

/* A record naming @devt as its data or journal device: its meta path. */
static bool record_waits_for(const char *file, dev_t devt, char *meta, size_t len)
{
	char line[PATH_MAX + 16], key[16], val[PATH_MAX];
	bool hit = false;
	FILE *f = fopen(file, "re");

	if (!f)
		return false;
	meta[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%15s %4095s", key, val) != 2)
			continue;
		if (!strcmp(key, "meta"))
			snprintf(meta, len, "%s", val);
		else if ((!strcmp(key, "data") || !strcmp(key, "journal")) &&
			 ifrep_blkdev_same(val, devt))
			hit = true;
	}
	fclose(f);
	return hit && meta[0] == '/';
}

/* The metadata device @meta of the udev event, or of a waiting record. */
static int udev_meta(struct auto_state *s, const char *meta, dev_t meta_devt,
		     const struct ifrep_meta *m)
{
	char why[512];
	int r;

	if ((r = auto_allowed(s, m, meta, meta_devt))) {
		forget_waiting(meta_devt);
		return r;
	}
	if (vol_exists(m->volume_name)) {
		forget_waiting(meta_devt);
		return 0;
	}
	if (ifrep_blkdev_check(m->data_path, NULL, why, sizeof(why))) {
		info("%s: waiting for data device %s", meta, m->data_path);
		remember_waiting(meta, meta_devt, m);
		return 0;
	}
	/* a secondary's missing journal: activate_one() says it waits */
	remember_waiting(meta, meta_devt, m);
	r = auto_activate(s, m, meta);
	if (r || vol_exists(m->volume_name))
		forget_waiting(meta_devt);
	return r;
}

/*
 * activate --udev DEV (the udev rule, for every block device that appears):
 * DEV holding metadata activates its volume once the data device (and a
 * secondary's journal device) is there; DEV being the data or journal
 * device a remembered volume waits for activates that volume.  DEV is read
 * once; no other disk is scanned.  Nothing to do is success.
 */
static int activate_udev(const char *dev)
{
	struct auto_state s;
	struct ifrep_meta m;
	char why[512], file[PATH_MAX], meta[PATH_MAX];
	struct dirent *de;
	dev_t devt, meta_devt;
	DIR *d;
	int r, kind, rc = 0;

	if (ifrep_blkdev_check(dev, &devt, why, sizeof(why)))
		return fail("%s", why);
	if (never_read(devt))
		return 0;
	if ((r = auto_setup(&s)))
		return r;
	need_dm();
	kind = ifrep_meta_read(dev, &m, why, sizeof(why));
	if (kind == META_VALID)
		return udev_meta(&s, dev, devt, &m);
	if (kind == META_NEWER) {
		forget_waiting(devt);
		return fail("%s holds dm-ifrep metadata of a newer format (%s): upgrade ifrepctl",
			    dev, why);
	}
	forget_waiting(devt);		/* not (or no longer) a metadata device */
	if (kind == META_DAMAGED)
		rc = fail(DAMAGED_AUTO, dev, why);

	d = opendir(run_dir());
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "waiting-", 8) || strchr(de->d_name, '.'))
			continue;
		snprintf(file, sizeof(file), "%s/%s", run_dir(), de->d_name);
		if (!record_waits_for(file, devt, meta, sizeof(meta)))
			continue;
		if (ifrep_blkdev_check(meta, &meta_devt, why, sizeof(why)) ||
		    ifrep_meta_read(meta, &m, why, sizeof(why)) != META_VALID) {
			unlink(file);
			continue;
		}
		if ((r = udev_meta(&s, meta, meta_devt, &m)))
			rc = r;
	}
	closedir(d);
	return rc;
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
	struct auto_state s;
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
		if ((r = auto_setup(&s)))
			return r;
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
	need_dm();
	claim_home_host();
	return activate_one(pos[0], data, meta, NULL);
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
		"all their devices are there.\n"
		"\n"
		"--all and --udev activate only volumes whose metadata names this host (the\n"
		"home host that create and 'activate NAME' record) or that /etc/ifrep/activate.conf\n"
		"allows, never an insecure listener, and read secret files only under /etc/ifrep;\n"
		"each refusal is one line on stderr and in the kernel log.\n",
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
	/* Its copy devices use its pairs: they go first. */
	r = copydev_remove_all(pos[0]);
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
		"its pairs back.  Removing a volume that does not exist succeeds.  The copy\n"
		"devices of its copy pairs are removed first (refused while one is open).\n",
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
