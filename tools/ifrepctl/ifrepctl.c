// SPDX-License-Identifier: GPL-2.0
/*
 * ifrepctl.c - command line of ifrepctl, the administrator's tool for
 * dm-ifrep volumes: argument parsing and one function per subcommand.
 *
 * Contract (docs/ifrepctl.md, /work/shared/docs/interface.md):
 *   exit 0   success (including "already so": commands are idempotent)
 *   exit 1   refused or failed, with exactly one line on stderr:
 *            "ifrepctl: <command>: <cause>"
 *   exit 2   usage error, one line with a hint to --help
 * Warnings are printed only when the command succeeds, so a failure is
 * always a single line.
 *
 * Every check that needs no kernel runs before the first device-mapper
 * call; the kernel's errno is then explained per command (see dmesg for
 * the target's own reason).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "blkdev.h"
#include "dm.h"
#include "meta.h"
#include "json.h"
#include "msg.h"
#include "proto.h"
#include "report.h"
#include "status.h"
#include "table.h"
#include "util.h"

#ifndef IFREPCTL_VERSION
#define IFREPCTL_VERSION "0.1"
#endif

#define PROG "ifrepctl"

enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,
	EXIT_USAGE = 2,
};

static int verbose;
static const char *cur_cmd = "";		/* "create", "pair add", ... */
static bool dm_ready;
static bool from_udev;		/* activate --udev: never wait for udev */

/*----------------------------------------------------------------
 * Reporting
 *--------------------------------------------------------------*/

#define MAX_WARNINGS 8
static char warnings[MAX_WARNINGS][320];
static unsigned int nr_warnings;

static void vline(const char *suffix, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (*cur_cmd)
		fprintf(stderr, "%s: %s: %s%s\n", PROG, cur_cmd, msg, suffix);
	else
		fprintf(stderr, "%s: %s%s\n", PROG, msg, suffix);
}

/* The single error line of a refused or failed command; returns 1. */
__attribute__((format(printf, 1, 2)))
static int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline("", fmt, ap);
	va_end(ap);
	return EXIT_FAILED;
}

/* A usage error with a hint; returns 2. */
__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	char hint[96];
	va_list ap;

	snprintf(hint, sizeof(hint), " (see '%s%s%s --help')", PROG,
		 *cur_cmd ? " " : "", cur_cmd);
	va_start(ap, fmt);
	vline(hint, fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

/* A warning, printed when (and only if) the command succeeds. */
__attribute__((format(printf, 1, 2)))
static void warn(const char *fmt, ...)
{
	va_list ap;

	if (nr_warnings == MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(warnings[nr_warnings++], sizeof(warnings[0]), fmt, ap);
	va_end(ap);
}

static void flush_warnings(void)
{
	unsigned int i;

	for (i = 0; i < nr_warnings; i++)
		fprintf(stderr, "%s: %s: warning: %s\n", PROG, cur_cmd, warnings[i]);
}

/* Progress for -v. */
__attribute__((format(printf, 1, 2)))
static void info(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vline("", fmt, ap);
	va_end(ap);
}

static const char *dm_strerror(int r)
{
	int fd;

	if (r != -EIO)
		return strerror(-r);
	fd = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return "device-mapper request failed (run with -v for details)";
	}
	if (errno == EACCES || errno == EPERM)
		return "no permission to use device-mapper (run as root)";
	return "device-mapper is not available in this kernel (modprobe dm-mod)";
}

static void need_dm(void)
{
	if (!dm_ready) {
		ifrep_dm_setup(verbose, !from_udev);
		dm_ready = true;
	}
}

/*----------------------------------------------------------------
 * Option parsing
 *--------------------------------------------------------------*/

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *synopsis;
	const char *help;
};

static const struct cmd *find_cmd(const char *name);
static int print_help(const struct cmd *c);

/*
 * getopt_long() with our error messages.  Returns the option, -1 at the
 * end, or EXIT_USAGE + 1000 after printing a usage error.
 */
#define OPT_ERROR 1000

static int next_opt(int argc, char **argv, const char *shortopts,
		    const struct option *longopts)
{
	int c;

	opterr = 0;
	c = getopt_long(argc, argv, shortopts, longopts, NULL);
	if (c == '?') {
		if (optopt && strncmp(argv[optind - 1], "--", 2))
			usage_error("unknown option '-%c'", optopt);
		else
			usage_error("unknown option '%s'", argv[optind - 1]);
		return OPT_ERROR;
	}
	if (c == ':') {
		usage_error("option '%s' needs a value", argv[optind - 1]);
		return OPT_ERROR;
	}
	return c;
}

static void reset_getopt(void)
{
	optind = 0;	/* glibc: full re-initialisation */
}

/* Positional arguments left after option parsing. */
static int positionals(int argc, char **argv, unsigned int min, unsigned int max,
		       char **out, const char *names)
{
	int n = argc - optind;
	int i;

	if (n < (int)min)
		return usage_error("missing %s", names);
	if (n > (int)max)
		return usage_error("unexpected argument '%s'", argv[optind + (int)max]);
	for (i = 0; i < n; i++)
		out[i] = argv[optind + i];
	return 0;
}

/*
 * Common options: -h/--help and -v/--verbose are accepted by every
 * command.  Returns 1 when the caller should return *rc.
 */
static bool common_opt(int c, int *rc)
{
	switch (c) {
	case 'h':
		*rc = print_help(find_cmd(cur_cmd));
		return true;
	case 'v':
		verbose++;
		return false;
	case OPT_ERROR:
		*rc = EXIT_USAGE;
		return true;
	default:
		*rc = usage_error("unhandled option");
		return true;
	}
}

#define COMMON_LONGOPTS \
	{ "help", no_argument, NULL, 'h' }, \
	{ "verbose", no_argument, NULL, 'v' }

/*----------------------------------------------------------------
 * Argument checks
 *--------------------------------------------------------------*/

static int check_volume_name(const char *name)
{
	const char *why;

	if (!ifrep_valid_volume_name(name, &why))
		return usage_error("volume name '%s': %s", name, why);
	return 0;
}

static int check_pair_name(const char *name)
{
	const char *why;

	if (!ifrep_valid_pair_name(name, &why))
		return usage_error("pair name '%s': %s", name, why);
	return 0;
}

/*
 * A device argument: must be a block device; @out gets the path the
 * kernel will be given (as typed when absolute, so /dev/disk/by-id names
 * stay stable across boots; resolved otherwise).
 */
static int device_arg(const char *what, const char *path, char *out, size_t len,
		      dev_t *rdev)
{
	char why[PATH_MAX + 64], real[PATH_MAX];
	int r;

	r = ifrep_blkdev_check(path, rdev, why, sizeof(why));
	if (r)
		return fail("%s: %s", what, why);
	if (path[0] != '/') {
		if (!realpath(path, real))
			return fail("%s: cannot resolve %s: %s", what, path, strerror(errno));
		path = real;
	}
	if (ifrep_has_space(path))
		return fail("%s: the path %s holds blanks, which a device-mapper table cannot carry",
			    what, path);
	if (strlen(path) >= len || strlen(path) >= IFREP_PATH_LEN)
		return fail("%s: the path %s is longer than %d characters", what, path,
			    IFREP_PATH_LEN - 1);
	snprintf(out, len, "%s", path);
	return 0;
}

struct secret {
	bool set;
	char path[PATH_MAX];
	uint8_t buf[IFREP_SECRET_MAX];
	size_t len;
};

static int load_secret(const char *file, struct secret *s)
{
	char why[PATH_MAX + 64];
	bool world;
	int r;

	if (!realpath(file, s->path))
		return fail("cannot open secret file %s: %s", file, strerror(errno));
	if (strlen(s->path) >= IFREP_PATH_LEN || ifrep_has_space(s->path))
		return fail("secret file path %s must be shorter than %d characters, without blanks",
			    s->path, IFREP_PATH_LEN);
	r = ifrep_read_secret(s->path, s->buf, sizeof(s->buf), &s->len, &world,
			      why, sizeof(why));
	if (r)
		return fail("%s", why);
	if (world)
		warn("secret file %s is readable by every user (chmod 600 it)", s->path);
	s->set = true;
	return 0;
}

static void wipe_secret(struct secret *s)
{
	explicit_bzero(s->buf, sizeof(s->buf));
	s->len = 0;
}

/* Send "secret <pair|-> <hex> <file>"; 0 or negative errno. */
static int send_secret(const char *volume, const char *pair, const struct secret *s)
{
	char msg[2 * IFREP_SECRET_MAX + 64];
	int r;

	r = ifrep_msg_secret(pair, s->buf, s->len, s->path, msg, sizeof(msg));
	if (!r)
		r = ifrep_dm_message(volume, msg, true, NULL);
	explicit_bzero(msg, sizeof(msg));
	return r;
}

static const char *secret_errstr(int r)
{
	switch (-r) {
	case EINVAL:
		return "the kernel refused it (this dm-ifrep may not take secrets yet; see dmesg)";
	default:
		return dm_strerror(r);
	}
}

/*----------------------------------------------------------------
 * Volumes as the kernel reports them
 *--------------------------------------------------------------*/

struct vol {
	const char *name;
	struct ifrep_dm_info info;
	uint64_t sectors;			/* target length */
	struct ifrep_table table;
	dev_t meta_devt, data_devt;
	bool have_status;
	struct ifrep_status st;
};

/* Why a device is not ours, for messages. */
static int not_ifrep(const char *name, const struct ifrep_dm_target *t)
{
	if (t->count != 1)
		return fail("%s is not a dm-ifrep volume (its table has %u targets)",
			    name, t->count);
	return fail("%s is not a dm-ifrep volume (its target is %s)", name, t->type);
}

/*
 * Read @name's table (and status if @with_status).  Return: 0; -ENXIO if
 * there is no such device (nothing printed); or EXIT_FAILED after printing.
 */
static int load_volume(const char *name, bool with_status, struct vol *v)
{
	struct ifrep_dm_target t;
	char why[256];
	int r;

	memset(v, 0, sizeof(*v));
	v->name = name;
	need_dm();
	r = ifrep_dm_info(name, &v->info);
	if (r)
		return fail("cannot query %s: %s", name, dm_strerror(r));
	if (!v->info.exists)
		return -ENXIO;
	r = ifrep_dm_get(name, false, &t);
	if (r == -ENXIO)
		return -ENXIO;
	if (r)
		return fail("cannot read the table of %s: %s", name, dm_strerror(r));
	if (t.count != 1 || strcmp(t.type, IFREP_TARGET_NAME)) {
		r = not_ifrep(name, &t);
		ifrep_dm_target_free(&t);
		return r;
	}
	v->sectors = t.length;
	r = ifrep_table_parse(t.params, &v->table, why, sizeof(why));
	ifrep_dm_target_free(&t);
	if (r)
		return fail("cannot understand the table of %s: %s", name, why);
	if (ifrep_blkdev_token_devt(v->table.meta_dev, &v->meta_devt) ||
	    ifrep_blkdev_token_devt(v->table.data_dev, &v->data_devt))
		return fail("cannot identify the devices of %s (%s, %s)", name,
			    v->table.meta_dev, v->table.data_dev);
	if (!with_status)
		return 0;

	r = ifrep_dm_get(name, true, &t);
	if (r == -ENXIO)
		return -ENXIO;
	if (r)
		return fail("cannot read the status of %s: %s", name, dm_strerror(r));
	r = ifrep_status_parse(t.params, &v->st, why, sizeof(why));
	ifrep_dm_target_free(&t);
	if (r)
		return fail("cannot understand the status of %s: %s", name, why);
	v->have_status = true;
	return 0;
}

/* load_volume() for commands on an existing volume: absence is an error. */
static int need_volume(const char *name, bool with_status, struct vol *v)
{
	int r = load_volume(name, with_status, v);

	if (r == -ENXIO)
		return fail("no volume named %s", name);
	return r;
}

/* The device numbers of an ifrep volume's table, quietly (@journal 0: none). */
static bool volume_devts(const char *name, dev_t *meta, dev_t *data, dev_t *journal)
{
	struct ifrep_dm_target t;
	struct ifrep_table tbl;
	char why[128];
	bool ok;

	if (ifrep_dm_get(name, false, &t))
		return false;
	ok = t.count == 1 && !strcmp(t.type, IFREP_TARGET_NAME) &&
	     !ifrep_table_parse(t.params, &tbl, why, sizeof(why)) &&
	     !ifrep_blkdev_token_devt(tbl.meta_dev, meta) &&
	     !ifrep_blkdev_token_devt(tbl.data_dev, data);
	*journal = 0;
	if (ok && tbl.journal[0] && ifrep_blkdev_token_devt(tbl.journal, journal))
		*journal = 0;
	ifrep_dm_target_free(&t);
	return ok;
}

/*
 * Another active ifrep volume using @devt as data, metadata or journal
 * device?  Returns its name in @who.
 */
static bool devt_used_by_volume(dev_t devt, char *who, size_t len)
{
	char **names;
	size_t n, i;
	dev_t meta, data, journal;
	bool used = false;

	if (ifrep_dm_list(IFREP_TARGET_NAME, &names, &n))
		return false;
	for (i = 0; i < n && !used; i++) {
		if (volume_devts(names[i], &meta, &data, &journal) &&
		    (meta == devt || data == devt || (journal && journal == devt))) {
			snprintf(who, len, "%s", names[i]);
			used = true;
		}
	}
	ifrep_dm_list_free(names, n);
	return used;
}

/*----------------------------------------------------------------
 * create / activate
 *--------------------------------------------------------------*/

struct activation {
	const char *name;
	char data[PATH_MAX], meta[PATH_MAX];
	dev_t data_devt, meta_devt;
	char journal[PATH_MAX];			/* "" if none */
	dev_t journal_devt;
	uint64_t sectors;
	struct ifrep_table_args targs;
};

/*
 * @v (loaded) exists already: succeed if it is this volume, refuse otherwise.
 * Return: 0 same volume, EXIT_FAILED after printing.
 */
static int check_existing(const struct vol *v, dev_t data_devt, dev_t meta_devt)
{
	const char *name = v->name;
	char d[256], m[256];

	if (v->data_devt != data_devt || v->meta_devt != meta_devt) {
		ifrep_blkdev_name(v->data_devt, d, sizeof(d));
		ifrep_blkdev_name(v->meta_devt, m, sizeof(m));
		return fail("%s exists with other devices (data %s, meta %s)", name, d, m);
	}
	return 0;
}

static int check_journal_free(const struct activation *a);

/* Devices must be free: not used by another volume, not held exclusively. */
static int check_devices_free(const struct activation *a)
{
	char who[128];

	if (devt_used_by_volume(a->data_devt, who, sizeof(who)))
		return fail("%s is in use by volume %s", a->data, who);
	if (devt_used_by_volume(a->meta_devt, who, sizeof(who)))
		return fail("%s is in use by volume %s", a->meta, who);
	if (ifrep_blkdev_busy(a->data))
		return fail("%s is in use (mounted, or held by another device)", a->data);
	if (ifrep_blkdev_busy(a->meta))
		return fail("%s is in use (mounted, or held by another device)", a->meta);
	return a->journal[0] ? check_journal_free(a) : 0;
}

static int check_journal_free(const struct activation *a)
{
	char who[128];

	if (devt_used_by_volume(a->journal_devt, who, sizeof(who)))
		return fail("journal device %s is in use by volume %s", a->journal, who);
	if (a->journal[0] == '/' && ifrep_blkdev_busy(a->journal))
		return fail("journal device %s is in use (mounted, or held by another device)",
			    a->journal);
	return 0;
}

#define WIPE_HINT "clear its first 8 KiB to use it: dd if=/dev/zero of=%s bs=4096 count=2"

/*
 * The journal device of a secondary: large enough for one chunk, and
 * either empty (the kernel formats it) or a journal for this chunk size.
 * @fresh_volume: the metadata is being formatted, so the sync points of
 * an existing journal would be of other data.
 */
static int check_journal(const struct activation *a, uint32_t chunk_sectors, bool fresh_volume)
{
	uint8_t head[IFREP_META_PROBE_SIZE];
	struct ifrep_journal_info ji;
	char why[PATH_MAX + 64], sz[32], sz2[32];
	uint64_t bytes, slots;

	if (ifrep_blkdev_size(a->journal, &bytes, why, sizeof(why)))
		return fail("%s", why);
	slots = ifrep_journal_slots(bytes, chunk_sectors);
	if (!slots)
		return fail("journal device %s (%s) is too small: with %s chunks it needs at least %llu bytes",
			    a->journal, ifrep_format_bytes(bytes, sz, sizeof(sz)),
			    ifrep_format_bytes_exact((uint64_t)chunk_sectors << 9, sz2, sizeof(sz2)),
			    (unsigned long long)(IFREP_JOURNAL_FIRST_ENTRY_BLOCK + 2 +
						 ((uint64_t)chunk_sectors << 9) /
						 IFREP_META_BLOCK_SIZE) * IFREP_META_BLOCK_SIZE);
	if (ifrep_blkdev_read_head(a->journal, head, sizeof(head), why, sizeof(why)))
		return fail("%s", why);
	switch (ifrep_journal_classify(head, &ji)) {
	case JOURNAL_FRESH:
		info("journal %s is empty: the kernel formats it for %llu chunks", a->journal,
		     (unsigned long long)slots);
		return 0;
	case JOURNAL_VALID:
		if (ji.chunk_sectors != chunk_sectors)
			return fail("journal device %s holds a journal for %s chunks, not %s (" WIPE_HINT ")",
				    a->journal,
				    ifrep_format_bytes_exact((uint64_t)ji.chunk_sectors << 9,
							     sz, sizeof(sz)),
				    ifrep_format_bytes_exact((uint64_t)chunk_sectors << 9,
							     sz2, sizeof(sz2)), a->journal);
		if (fresh_volume)
			return fail("journal device %s holds the sync points of other data (" WIPE_HINT ")",
				    a->journal, a->journal);
		info("journal %s: current sync point %llu, %u more", a->journal,
		     (unsigned long long)ji.current_id, ji.nr_cycles);
		return 0;
	case JOURNAL_DAMAGED:
		return fail("journal device %s holds a damaged dm-ifrep journal (" WIPE_HINT ")",
			    a->journal, a->journal);
	default:
		return fail("journal device %s holds data that is not a dm-ifrep journal (" WIPE_HINT ")",
			    a->journal, a->journal);
	}
}

/*
 * The journal device recorded in a secondary's metadata, for activation:
 * a path, or "major:minor" if the table was loaded with one.  Return: 0
 * with a->journal set; -ENODEV (nothing printed) if it is not present.
 */
static int recorded_journal(struct activation *a, const struct ifrep_meta *m)
{
	char sys[64], why[PATH_MAX + 64];
	dev_t devt;

	if (m->journal_path[0] == '/') {
		if (ifrep_blkdev_check(m->journal_path, &devt, why, sizeof(why)))
			return -ENODEV;
	} else {
		if (ifrep_blkdev_parse_devt(m->journal_path, &devt))
			return -ENODEV;
		snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u", major(devt), minor(devt));
		if (access(sys, F_OK))
			return -ENODEV;
		/* a node for it, so that its contents can be checked */
		ifrep_blkdev_name(devt, a->journal, sizeof(a->journal));
		if (a->journal[0] == '/' && !ifrep_has_space(a->journal))
			goto out;
	}
	snprintf(a->journal, sizeof(a->journal), "%s", m->journal_path);
out:
	a->journal_devt = devt;
	return 0;
}

static int explain_create_error(const struct activation *a, int r)
{
	uint32_t version[3];

	switch (-r) {
	case EINVAL:
		if (ifrep_dm_target_version(IFREP_TARGET_NAME, version) == -ENOENT)
			return fail("the kernel has no ifrep target (load the module: modprobe dm-ifrep)");
		return fail("the kernel refused the table of %s (see dmesg)", a->name);
	case EBUSY:
		return fail("%s or %s is in use (see dmesg)", a->data, a->meta);
	case EEXIST:
		return fail("a device named %s exists", a->name);
	default:
		return fail("cannot create %s: %s (see dmesg)", a->name, dm_strerror(r));
	}
}

static int load_table(const struct activation *a)
{
	char params[1024], line[1200];
	char uuid[sizeof(IFREP_UUID_PREFIX) + 128];
	int r;

	r = ifrep_table_params(&a->targs, params, sizeof(params));
	if (r)
		return fail("cannot build the table of %s: %s", a->name, strerror(-r));
	ifrep_table_line(a->sectors, params, line, sizeof(line));
	info("table: %s", line);
	snprintf(uuid, sizeof(uuid), IFREP_UUID_PREFIX "%s", a->name);
	r = ifrep_dm_create(a->name, uuid, a->sectors, IFREP_TARGET_NAME, params);
	if (r)
		return explain_create_error(a, r);
	info("created /dev/mapper/%s", a->name);
	return 0;
}

static const struct option create_opts[] = {
	{ "data", required_argument, NULL, 'd' },
	{ "meta", required_argument, NULL, 'm' },
	{ "chunk-size", required_argument, NULL, 'c' },
	{ "role", required_argument, NULL, 'r' },
	{ "listen", required_argument, NULL, 'l' },
	{ "secret-file", required_argument, NULL, 's' },
	{ "insecure", no_argument, NULL, 'I' },
	{ "force", no_argument, NULL, 'f' },
	{ "journal", required_argument, NULL, 'J' },
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

static const char *role_word(uint32_t disk_role)
{
	return disk_role == IFREP_ROLE_SECONDARY ? "secondary" : "primary";
}

static int cmd_create(int argc, char **argv)
{
	const char *data = NULL, *meta = NULL, *role = NULL, *listen = NULL;
	const char *journal = NULL;
	bool insecure = false;
	const char *secret_file = NULL, *why;
	struct activation a;
	struct ifrep_addr addr;
	struct ifrep_meta m;
	struct secret secret = { 0 };
	struct vol v;
	char listen_buf[64], whybuf[512], sz[32], sz2[32];
	uint64_t chunk_bytes = 0, data_bytes, meta_bytes, need, chunk_sectors;
	bool force = false, load = false;
	char *pos[1];
	uint32_t eff_role;
	dev_t other;
	int c, r, kind;

	memset(&m, 0, sizeof(m));
	reset_getopt();
	while ((c = next_opt(argc, argv, ":d:m:c:r:l:s:IfJ:hv", create_opts)) != -1) {
		switch (c) {
		case 'd': data = optarg; break;
		case 'm': meta = optarg; break;
		case 'c':
			if (ifrep_parse_size(optarg, &chunk_bytes, 0, &why))
				return usage_error("--chunk-size %s: %s", optarg, why);
			if ((chunk_bytes & 511) || !ifrep_chunk_sectors_valid(chunk_bytes >> 9))
				return usage_error("--chunk-size %s: must be a power of two from 64KiB to 1GiB",
						   optarg);
			break;
		case 'r':
			if (strcmp(optarg, "primary") && strcmp(optarg, "secondary"))
				return usage_error("--role %s: must be primary or secondary", optarg);
			role = optarg;
			break;
		case 'l': listen = optarg; break;
		case 's': secret_file = optarg; break;
		case 'I': insecure = true; break;
		case 'f': force = true; break;
		case 'J': journal = optarg; break;
		default:
			if (common_opt(c, &r))
				return r;
		}
	}
	if ((r = positionals(argc, argv, 1, 1, pos, "NAME")))
		return r;
	if ((r = check_volume_name(pos[0])))
		return r;
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

	memset(&a, 0, sizeof(a));
	a.name = pos[0];
	if ((r = device_arg("--data", data, a.data, sizeof(a.data), &a.data_devt)) ||
	    (r = device_arg("--meta", meta, a.meta, sizeof(a.meta), &a.meta_devt)))
		return r;
	if (a.data_devt == a.meta_devt)
		return fail("--data and --meta are the same device (%s)", a.data);
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

	a.targs.meta_dev = a.meta;
	a.targs.data_dev = a.data;
	a.targs.listen = listen;
	a.targs.insecure = insecure;
	a.targs.journal = a.journal[0] ? a.journal : NULL;
	if (!load) {
		a.targs.format = kind != META_FRESH;
		a.targs.role = role_word(eff_role);
		a.targs.chunk_sectors = (uint32_t)chunk_sectors;
	}
	if ((r = load_table(&a)))
		goto out;
send:
	if (secret.set) {
		r = send_secret(a.name, NULL, &secret);
		if (r) {
			r = fail("%s is active, but its listen secret was not taken: %s",
				 a.name, secret_errstr(r));
			goto out;
		}
	}
	r = 0;
out:
	wipe_secret(&secret);
	return r;
}

/*
 * Send the secrets that the metadata names (listen socket, remote pairs).
 * Returns the number of failures, each reported.
 */
static int send_recorded_secrets(const char *name, const struct ifrep_meta *m)
{
	struct secret s;
	unsigned int i;
	int failures = 0, r;

	if (m->listen[0] && m->listen_secret_file[0]) {
		memset(&s, 0, sizeof(s));
		if (load_secret(m->listen_secret_file, &s))
			failures++;
		else if ((r = send_secret(name, NULL, &s))) {
			fail("%s: listen secret from %s was not taken: %s", name,
			     m->listen_secret_file, secret_errstr(r));
			failures++;
		}
		wipe_secret(&s);
	}
	for (i = 0; i < m->nr_pairs; i++) {
		const struct ifrep_meta_pair *p = &m->pairs[i];

		if (!(p->flags & IFREP_PAIR_F_REMOTE) || !p->secret_file[0])
			continue;
		/* a finished copy never connects again: its secret may be gone */
		if (p->mode == IFREP_MODE_COPY && (p->flags & IFREP_PAIR_F_INITIAL_DONE))
			continue;
		memset(&s, 0, sizeof(s));
		if (load_secret(p->secret_file, &s))
			failures++;
		else if ((r = send_secret(name, p->name, &s))) {
			fail("%s: secret of pair %s was not taken: %s", name, p->name,
			     secret_errstr(r));
			failures++;
		}
		wipe_secret(&s);
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

	memset(&a, 0, sizeof(a));
	a.name = name;
	if ((r = device_arg("--data", data, a.data, sizeof(a.data), &a.data_devt)) ||
	    (r = device_arg("--meta", meta, a.meta, sizeof(a.meta), &a.meta_devt)))
		return r;
	if (a.data_devt == a.meta_devt)
		return fail("--data and --meta are the same device (%s)", a.data);

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
	if (kind == META_DAMAGED)
		return fail("%s holds damaged dm-ifrep metadata: %s", a.meta, why);
	if (kind != META_VALID)
		return fail("%s holds no dm-ifrep metadata", a.meta);

	if (m.data_path[0] && !ifrep_blkdev_same(m.data_path, a.data_devt))
		warn("%s was last active with data device %s; using %s as you asked",
		     a.meta, m.data_path, a.data);
	if (ifrep_blkdev_size(a.data, &data_bytes, why, sizeof(why)))
		return fail("%s", why);
	if (data_bytes < m.data_sectors << 9)
		return fail("%s (%s) is smaller than the volume recorded in %s (%s)", a.data,
			    ifrep_format_bytes(data_bytes, sz, sizeof(sz)), a.meta,
			    ifrep_format_bytes(m.data_sectors << 9, sz2, sizeof(sz2)));
	if (data_bytes > m.data_sectors << 9)
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
	a.targs.meta_dev = a.meta;
	a.targs.data_dev = a.data;
	a.targs.journal = a.journal[0] ? a.journal : NULL;
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

static int scan_one(const char *path, dev_t devt, void *arg)
{
	struct scan_state *s = arg;
	struct ifrep_meta m;
	struct ifrep_dm_info di;
	char why[512], uuid[160];
	const char *e;
	bool suspended;

	/* Never read a suspended dm device (it would block), nor our own volumes. */
	if (ifrep_blkdev_dm_info(devt, &suspended, uuid, sizeof(uuid)) &&
	    (suspended || !strncmp(uuid, IFREP_UUID_PREFIX, strlen(IFREP_UUID_PREFIX))))
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
	char why[512], uuid[160];
	bool suspended;
	dev_t devt;
	int r;

	if (ifrep_blkdev_check(dev, &devt, why, sizeof(why)))
		return fail("%s", why);
	/* as in the scan: never read a suspended dm device, nor our volumes */
	if (ifrep_blkdev_dm_info(devt, &suspended, uuid, sizeof(uuid)) &&
	    (suspended || !strncmp(uuid, IFREP_UUID_PREFIX, strlen(IFREP_UUID_PREFIX))))
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
	r = ifrep_blkdev_scan(IFREP_META_PROBE_SIZE, scan_one, &s);
	if (r)
		return fail("cannot list block devices: %s", strerror(-r));
	return s.failed ? EXIT_FAILED : 0;
}

static const struct option activate_opts[] = {
	{ "data", required_argument, NULL, 'd' },
	{ "meta", required_argument, NULL, 'm' },
	{ "all", no_argument, NULL, 'a' },
	{ "udev", no_argument, NULL, 'u' },
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

static int cmd_activate(int argc, char **argv)
{
	const char *data = NULL, *meta = NULL;
	struct scan_state s = { 0, 0, 0 };
	bool all = false, udev = false;
	char *pos[1];
	int c, r;

	reset_getopt();
	while ((c = next_opt(argc, argv, ":d:m:ahv", activate_opts)) != -1) {
		switch (c) {
		case 'd': data = optarg; break;
		case 'm': meta = optarg; break;
		case 'a': all = true; break;
		case 'u': udev = true; break;
		default:
			if (common_opt(c, &r))
				return r;
		}
	}
	if (udev) {
		if (all || data || meta)
			return usage_error("--udev takes only DEV");
		if ((r = positionals(argc, argv, 1, 1, pos, "DEV")))
			return r;
		from_udev = true;
		return activate_udev(pos[0]);
	}
	if (all) {
		if (data || meta || optind < argc)
			return usage_error("--all takes no NAME, --data or --meta");
		need_dm();
		r = ifrep_blkdev_scan(IFREP_META_PROBE_SIZE, scan_one, &s);
		if (r)
			return fail("cannot list block devices: %s", strerror(-r));
		return s.failed ? EXIT_FAILED : 0;
	}
	if ((r = positionals(argc, argv, 1, 1, pos, "NAME (or --all)")))
		return r;
	if ((r = check_volume_name(pos[0])))
		return r;
	if (!data)
		return usage_error("missing --data DEV");
	if (!meta)
		return usage_error("missing --meta DEV");
	return activate_one(pos[0], data, meta);
}

/*----------------------------------------------------------------
 * remove
 *--------------------------------------------------------------*/

static const struct option plain_opts[] = {
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

static int cmd_remove(int argc, char **argv)
{
	struct vol v;
	char *pos[1];
	int c, r;

	reset_getopt();
	while ((c = next_opt(argc, argv, ":hv", plain_opts)) != -1)
		if (common_opt(c, &r))
			return r;
	if ((r = positionals(argc, argv, 1, 1, pos, "NAME")))
		return r;
	if ((r = check_volume_name(pos[0])))
		return r;
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

/*----------------------------------------------------------------
 * Messages to a volume
 *--------------------------------------------------------------*/

enum msg_kind {
	MSG_PAIR_ADD,
	MSG_PAIR_REMOVE,
	MSG_PAUSE,
	MSG_RESUME,
	MSG_VERIFY,
};

/* One line explaining the kernel's errno for a message. */
static int explain_msg_error(enum msg_kind kind, const struct vol *v,
			     const char *pair, const char *peer, const char *mode, int r)
{
	struct ifrep_dm_info di;

	switch (-r) {
	case EEXIST:
		if (kind == MSG_PAIR_ADD)
			return fail("a pair named %s exists on %s, or %s is the target of another pair",
				    pair, v->name, peer);
		break;
	case ENOSPC:
		if (kind == MSG_PAIR_ADD)
			return fail("%s has %d pairs already", v->name, IFREP_MAX_PAIRS);
		break;
	case EROFS:
		if (kind == MSG_PAIR_ADD)
			return fail("%s is a secondary volume: pairs are added on the primary",
				    v->name);
		return fail("%s is read-only: its metadata failed (see dmesg)", v->name);
	case EBUSY:
		if (!ifrep_dm_info(v->name, &di) && di.suspended)
			return fail("%s is suspended: resume it first", v->name);
		if (kind == MSG_PAIR_ADD)
			return fail("target device %s is in use", peer);
		return fail("%s is busy (see dmesg)", v->name);
	case EINVAL:
		return fail("the kernel refused the request (see dmesg)");
	case ENODEV:
	case ENOENT:
		if (kind == MSG_PAIR_ADD)
			return fail("%s was not found by the kernel (see dmesg)", peer);
		return fail("%s has no pair named %s", v->name, pair);
	case ENXIO:
		return fail("no volume named %s", v->name);
	case EOPNOTSUPP:
	case ENOSYS:
		if (kind == MSG_PAIR_ADD && mode && !strcmp(mode, "async") && peer &&
		    peer[0] == '/')
			return fail("this dm-ifrep module needs a remote secondary for async pairs (--to HOST:PORT); a local target %s takes sync",
				    peer);
		if (kind == MSG_PAIR_ADD)
			return fail("the loaded dm-ifrep module does not support %s pairs%s yet (see dmesg)",
				    mode, peer && peer[0] != '/' ? " or remote peers" : "");
		return fail("the loaded dm-ifrep module cannot do this (see dmesg)");
	default:
		break;
	}
	return fail("%s (see dmesg)", dm_strerror(r));
}

/*----------------------------------------------------------------
 * pair add / pair remove / pause / resume
 *--------------------------------------------------------------*/

static const struct option pair_add_opts[] = {
	{ "to", required_argument, NULL, 't' },
	{ "mode", required_argument, NULL, 'M' },
	{ "interval", required_argument, NULL, 'i' },
	{ "timeout", required_argument, NULL, 'T' },
	{ "sync-points", required_argument, NULL, 'p' },
	{ "rate", required_argument, NULL, 'R' },
	{ "secret-file", required_argument, NULL, 's' },
	{ "insecure", no_argument, NULL, 'I' },
	{ "journal", required_argument, NULL, 'J' },
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

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
	if (o->secret_file && strcmp(mp->secret_file, o->secret_file))
		differs = true;
	if (o->remote && o->insecure != !!(mp->flags & IFREP_PAIR_F_INSECURE))
		differs = true;
	if (differs)
		return fail("a pair named %s exists on %s with other settings (remove it first to change them)",
			    o->name, v->name);
	return 0;
}

/* Checks of a local target device against the volume. */
static int check_local_target(const struct vol *v, const char *path, dev_t devt)
{
	char why[256], sz[32], sz2[32];
	uint64_t bytes;

	if (devt == v->data_devt || devt == v->meta_devt)
		return fail("%s is the %s device of %s itself", path,
			    devt == v->data_devt ? "data" : "metadata", v->name);
	if (devt == makedev(v->info.major, v->info.minor))
		return fail("%s is the volume %s itself", path, v->name);
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

#define MAX_INTERVAL_S		(7 * 86400)	/* the kernel's limits */
#define MAX_SYNC_POINTS		1024

static int cmd_pair_add(int argc, char **argv)
{
	const char *to = NULL, *mode = NULL, *secret_file = NULL, *why;
	const char *interval = NULL, *timeout = NULL, *sync_points = NULL, *rate = NULL;
	const char *journal = NULL;
	char journal_path[PATH_MAX];
	dev_t journal_devt = 0;
	struct ifrep_pair_opts o;
	struct ifrep_addr addr;
	struct secret secret = { 0 };
	const struct ifrep_status_pair *sp;
	char peer[PATH_MAX], msg[1024], other[128];
	struct vol v;
	dev_t peer_devt = 0;
	char *pos[2];
	struct stat st;
	unsigned int i;
	int c, r, m;

	memset(&o, 0, sizeof(o));
	reset_getopt();
	while ((c = next_opt(argc, argv, ":t:M:i:T:p:R:s:IJ:hv", pair_add_opts)) != -1) {
		switch (c) {
		case 'J': journal = optarg; break;
		case 't': to = optarg; break;
		case 'M': mode = optarg; break;
		case 'i': interval = optarg; break;
		case 'T': timeout = optarg; break;
		case 'p': sync_points = optarg; break;
		case 'R': rate = optarg; break;
		case 's': secret_file = optarg; break;
		case 'I': o.insecure = true; break;
		default:
			if (common_opt(c, &r))
				return r;
		}
	}
	if ((r = positionals(argc, argv, 2, 2, pos, "NAME and PAIR")))
		return r;
	if ((r = check_volume_name(pos[0])) || (r = check_pair_name(pos[1])))
		return r;
	o.name = pos[1];
	if (!to)
		return usage_error("missing --to DEV|HOST:PORT");
	if (!mode)
		return usage_error("missing --mode sync|async|copy");
	m = ifrep_mode_parse(mode);
	if (m < 0)
		return usage_error("--mode %s: must be sync, async or copy", mode);
	o.mode = (enum ifrep_mode)m;

	/* --to: a path (absolute, relative, or an existing name) or ADDR:PORT */
	o.remote = !(to[0] == '/' || to[0] == '.' || !strchr(to, ':') || !stat(to, &st));
	if (o.remote) {
		if (ifrep_parse_addr(to, &addr, &why))
			return usage_error("--to %s: %s", to, why);
		if (addr.unspecified)
			return usage_error("--to %s: cannot replicate to an unspecified address", to);
		ifrep_format_addr(&addr, peer, sizeof(peer));
	}

	if (interval) {
		if (ifrep_parse_duration(interval, &o.interval_s, true, &why))
			return usage_error("--interval %s: %s", interval, why);
		if (o.interval_s > MAX_INTERVAL_S)
			return usage_error("--interval %s: at most 7d", interval);
		o.has_interval = true;
	}
	if (timeout) {
		if (ifrep_parse_duration(timeout, &o.timeout_s, false, &why))
			return usage_error("--timeout %s: %s", timeout, why);
		o.has_timeout = true;
	}
	if (sync_points) {
		if (ifrep_parse_u64(sync_points, &o.sync_points, &why))
			return usage_error("--sync-points %s: %s", sync_points, why);
		if (o.sync_points > MAX_SYNC_POINTS)
			return usage_error("--sync-points %s: at most %d", sync_points,
					   MAX_SYNC_POINTS);
		if (o.sync_points > IFREP_JOURNAL_MAX_CYCLES + 1)
			warn("a secondary's journal keeps at most %d sync points, however large it is",
			     IFREP_JOURNAL_MAX_CYCLES + 1);
		o.has_sync_points = true;
	}
	if (rate) {
		if (ifrep_parse_size(rate, &o.rate, SIZE_ALLOW_ZERO | SIZE_ALLOW_PER_SEC, &why))
			return usage_error("--rate %s: %s", rate, why);
		o.has_rate = true;
	}
	if (o.mode != MODE_ASYNC && (interval || sync_points))
		return usage_error("--%s is for async pairs", interval ? "interval" : "sync-points");
	if (!o.remote && (timeout || secret_file || o.insecure))
		return usage_error("--%s is for remote pairs (--to HOST:PORT)",
				   timeout ? "timeout" : secret_file ? "secret-file" : "insecure");
	if (o.remote && !secret_file && !o.insecure)
		return usage_error("a remote pair needs --secret-file FILE (or --insecure)");
	if (secret_file && o.insecure)
		return usage_error("--secret-file and --insecure exclude each other");

	if (journal && (o.remote || o.mode != MODE_ASYNC))
		return usage_error("--journal is for async pairs to a local target");
	if (!o.remote && o.mode == MODE_ASYNC && !journal)
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
		goto send;
	}
	if (v.st.role == ROLE_SECONDARY) {
		r = fail("%s is a secondary volume: pairs are added on the primary", v.name);
		goto out;
	}
	if (v.st.nr_pairs >= IFREP_MAX_PAIRS) {
		r = fail("%s has %d pairs already", v.name, IFREP_MAX_PAIRS);
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
send:
	if (secret.set) {
		r = send_secret(v.name, o.name, &secret);
		if (r) {
			r = fail("pair %s is on %s, but its secret was not taken: %s",
				 o.name, v.name, secret_errstr(r));
			goto out;
		}
	}
	r = 0;
out:
	wipe_secret(&secret);
	return r;
}

/* pair remove, pause, resume: NAME PAIR, one message. */
static int pair_message(int argc, char **argv, enum msg_kind kind)
{
	static const char *const verbs[] = {
		[MSG_PAIR_REMOVE] = "pair_remove",
		[MSG_PAUSE] = "pause",
		[MSG_RESUME] = "resume",
	};
	const struct ifrep_status_pair *p;
	char msg[128];
	struct vol v;
	char *pos[2];
	int c, r;

	reset_getopt();
	while ((c = next_opt(argc, argv, ":hv", plain_opts)) != -1)
		if (common_opt(c, &r))
			return r;
	if ((r = positionals(argc, argv, 2, 2, pos, "NAME and PAIR")))
		return r;
	if ((r = check_volume_name(pos[0])) || (r = check_pair_name(pos[1])))
		return r;
	if ((r = need_volume(pos[0], true, &v)))
		return r;

	p = ifrep_status_find_pair(&v.st, pos[1]);
	if (!p) {
		if (kind == MSG_PAIR_REMOVE) {
			info("%s has no pair named %s: nothing to remove", v.name, pos[1]);
			return 0;
		}
		return fail("%s has no pair named %s", v.name, pos[1]);
	}
	if (kind != MSG_PAIR_REMOVE && p->state == STATE_DONE)
		return fail("pair %s is a finished copy: nothing to %s (remove it, or add a new copy pair)",
			    p->name, verbs[kind]);
	if (kind == MSG_PAUSE && p->state == STATE_PAUSED)
		return 0;
	if (kind == MSG_RESUME && p->state != STATE_PAUSED && p->state != STATE_FAILED &&
	    p->state != STATE_DISCONNECTED && p->state != STATE_RETRYING &&
	    p->state != STATE_SPLIT_BRAIN) {
		info("pair %s is %s: nothing to resume", p->name, ifrep_state_name(p->state));
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

static int cmd_pair_remove(int argc, char **argv)
{
	return pair_message(argc, argv, MSG_PAIR_REMOVE);
}

static int cmd_pause(int argc, char **argv)
{
	return pair_message(argc, argv, MSG_PAUSE);
}

static int cmd_resume(int argc, char **argv)
{
	return pair_message(argc, argv, MSG_RESUME);
}

/*----------------------------------------------------------------
 * wait
 *--------------------------------------------------------------*/

#define WAIT_POLL_NS 200000000L

static const struct option wait_opts[] = {
	{ "state", required_argument, NULL, 'S' },
	{ "timeout", required_argument, NULL, 'T' },
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "a=resyncing (dirty 3/128), b=in-sync" */
static void describe_states(const struct vol *v, const char *pair, char *buf, size_t len)
{
	size_t pos = 0;
	unsigned int i;
	int n;

	buf[0] = '\0';
	for (i = 0; i < v->st.nr_pairs && pos < len; i++) {
		const struct ifrep_status_pair *p = &v->st.pairs[i];

		if (pair && strcmp(p->name, pair))
			continue;
		n = snprintf(buf + pos, len - pos, "%s%s is %s (dirty %llu/%llu)%s%s",
			     pos ? ", " : "", p->name, ifrep_state_name(p->state),
			     (unsigned long long)ifrep_pair_pending(&v->st, p),
			     (unsigned long long)v->st.total_chunks,
			     p->reason[0] ? ", reason " : "", p->reason);
		if (n < 0)
			break;
		pos += (size_t)n;
	}
}

static int cmd_wait(int argc, char **argv)
{
	const char *state = NULL, *timeout = NULL, *why;
	uint64_t timeout_s = 0;
	bool has_timeout = false, done;
	struct timespec poll = { 0, WAIT_POLL_NS };
	char states[1024], *pos[2] = { NULL, NULL };
	struct vol v;
	unsigned int i;
	double start;
	int c, r, want;

	reset_getopt();
	while ((c = next_opt(argc, argv, ":S:T:hv", wait_opts)) != -1) {
		switch (c) {
		case 'S': state = optarg; break;
		case 'T': timeout = optarg; break;
		default:
			if (common_opt(c, &r))
				return r;
		}
	}
	if ((r = positionals(argc, argv, 1, 2, pos, "NAME")))
		return r;
	if ((r = check_volume_name(pos[0])) || (pos[1] && (r = check_pair_name(pos[1]))))
		return r;
	if (!state)
		return usage_error("missing --state STATE");
	want = ifrep_state_parse(state);
	if (want < 0)
		return usage_error("--state %s: not a pair state (%s)", state, ifrep_state_list());
	if (timeout) {
		if (ifrep_parse_duration(timeout, &timeout_s, true, &why))
			return usage_error("--timeout %s: %s", timeout, why);
		has_timeout = true;
	}

	start = now_s();
	for (;;) {
		if ((r = need_volume(pos[0], true, &v)))
			return r;
		if (pos[1] && !ifrep_status_find_pair(&v.st, pos[1]))
			return fail("%s has no pair named %s", v.name, pos[1]);
		if (!pos[1] && !v.st.nr_pairs)
			return fail("%s has no pairs", v.name);
		done = true;
		for (i = 0; i < v.st.nr_pairs; i++) {
			if (pos[1] && strcmp(v.st.pairs[i].name, pos[1]))
				continue;
			if ((int)v.st.pairs[i].state != want)
				done = false;
		}
		if (done)
			return 0;
		if (has_timeout && now_s() - start >= (double)timeout_s) {
			describe_states(&v, pos[1], states, sizeof(states));
			return fail("timed out after %llus waiting for %s: %s",
				    (unsigned long long)timeout_s, state, states);
		}
		nanosleep(&poll, NULL);
	}
}

/*----------------------------------------------------------------
 * status / list
 *--------------------------------------------------------------*/

static volatile sig_atomic_t stop_watch;

static void on_signal(int sig)
{
	(void)sig;
	stop_watch = 1;
}

static void fill_view(const struct vol *v, struct ifrep_volume_view *view)
{
	memset(view, 0, sizeof(*view));
	snprintf(view->name, sizeof(view->name), "%s", v->name);
	view->size_bytes = v->sectors << 9;
	ifrep_blkdev_token_name(v->table.data_dev, view->data_device, sizeof(view->data_device));
	ifrep_blkdev_token_name(v->table.meta_dev, view->meta_device, sizeof(view->meta_device));
	if (v->table.journal[0])
		ifrep_blkdev_token_name(v->table.journal, view->journal_device,
					sizeof(view->journal_device));
	view->st = v->st;
}

/*
 * Collect the views of @name (or of every volume).  Returns the exit code
 * so far; volumes that vanish while listed are skipped silently.
 */
static int collect(const char *name, struct ifrep_volume_view **views, size_t *n)
{
	char **names = NULL;
	size_t nr = 0, i;
	struct vol v;
	int r, rc = 0;

	*views = NULL;
	*n = 0;
	need_dm();
	if (name) {
		if ((r = need_volume(name, true, &v)))
			return r;
		*views = calloc(1, sizeof(**views));
		if (!*views)
			return fail("out of memory");
		fill_view(&v, *views);
		*n = 1;
		return 0;
	}
	r = ifrep_dm_list(IFREP_TARGET_NAME, &names, &nr);
	if (r)
		return fail("cannot list devices: %s", dm_strerror(r));
	*views = calloc(nr ? nr : 1, sizeof(**views));
	if (!*views) {
		ifrep_dm_list_free(names, nr);
		return fail("out of memory");
	}
	for (i = 0; i < nr; i++) {
		r = load_volume(names[i], true, &v);
		if (r == -ENXIO)
			continue;
		if (r) {
			rc = EXIT_FAILED;
			continue;
		}
		fill_view(&v, &(*views)[(*n)++]);
	}
	ifrep_dm_list_free(names, nr);
	return rc;
}

static const struct option status_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "watch", no_argument, NULL, 'w' },
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

static int cmd_status(int argc, char **argv)
{
	struct ifrep_volume_view *views;
	struct timespec second = { 1, 0 };
	bool json = false, watch = false, tty = isatty(STDOUT_FILENO);
	char *pos[1] = { NULL };
	size_t n;
	int c, r;

	reset_getopt();
	while ((c = next_opt(argc, argv, ":jwhv", status_opts)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'w': watch = true; break;
		default:
			if (common_opt(c, &r))
				return r;
		}
	}
	if ((r = positionals(argc, argv, 0, 1, pos, "NAME")))
		return r;
	if (pos[0] && (r = check_volume_name(pos[0])))
		return r;
	if (watch) {
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
	}
	for (;;) {
		r = collect(pos[0], &views, &n);
		if (r && !n) {
			free(views);
			return r;
		}
		if (watch && !json && tty)
			fputs("\033[H\033[J", stdout);
		if (json)
			ifrep_report_json(stdout, views, n);
		else if (!n)
			printf("No dm-ifrep volumes.\n");
		else
			ifrep_report_human(stdout, views, n);
		free(views);
		fflush(stdout);
		if (!watch)
			return r;
		if (!json && !tty)
			putchar('\n');
		nanosleep(&second, NULL);
		if (stop_watch)
			return 0;
	}
}

static int cmd_list(int argc, char **argv)
{
	char **names;
	size_t n, i;
	int c, r;

	reset_getopt();
	while ((c = next_opt(argc, argv, ":hv", plain_opts)) != -1)
		if (common_opt(c, &r))
			return r;
	if ((r = positionals(argc, argv, 0, 0, NULL, "")))
		return r;
	need_dm();
	r = ifrep_dm_list(IFREP_TARGET_NAME, &names, &n);
	if (r)
		return fail("cannot list devices: %s", dm_strerror(r));
	for (i = 0; i < n; i++)
		printf("%s\n", names[i]);
	ifrep_dm_list_free(names, n);
	return 0;
}

/*----------------------------------------------------------------
 * Commands of the interface that this version parses but cannot run yet
 *--------------------------------------------------------------*/

/*----------------------------------------------------------------
 * sync: cut async cycles now, optionally with the filesystem frozen
 *--------------------------------------------------------------*/

#define SYNC_TIMEOUT_S		300
#define FREEZE_POLL_NS		50000000L

static const struct option sync_opts[] = {
	{ "freeze", required_argument, NULL, 'F' },
	{ "wait", no_argument, NULL, 'W' },
	{ "timeout", required_argument, NULL, 'T' },
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

/* An async pair a sync is about, and what became of it. */
struct sync_pair {
	char name[IFREP_NAME_LEN];
	bool candidate;			/* consistent when we looked: can be cut */
	bool cut;			/* the kernel cut it */
	int64_t cut_time;
	bool committed;
	char state[160];		/* "retrying (connect_failed)", for messages */
};

struct sync_job {
	const char *volume;
	const char *only;		/* PAIR, or NULL for every async pair */
	struct sync_pair pairs[IFREP_MAX_PAIRS];
	unsigned int n, candidates;
	double deadline;		/* now_s() limit of every wait */
	uint64_t timeout_s;
};

/* "retrying (connect_failed)", "in its initial copy (40.0% copied)". */
static void describe_pair(const struct ifrep_status *st, const struct ifrep_status_pair *p,
			  char *buf, size_t len)
{
	unsigned int pm = ifrep_synced_per_mille(ifrep_pair_pending(st, p), st->total_chunks);

	if (p->state == STATE_INITIAL_SYNC)
		snprintf(buf, len, "in its initial copy (%u.%u%% copied)", pm / 10, pm % 10);
	else if (p->reason[0])
		snprintf(buf, len, "%s (%s)", ifrep_state_name(p->state), p->reason);
	else
		snprintf(buf, len, "%s", ifrep_state_name(p->state));
}

static struct sync_pair *job_pair(struct sync_job *job, const char *name)
{
	unsigned int i;

	for (i = 0; i < job->n; i++)
		if (!strcmp(job->pairs[i].name, name))
			return &job->pairs[i];
	return NULL;
}

/* "dr (retrying (connect_failed)), dr2 (...)" of the pairs not cut. */
static void list_not_cut(const struct sync_job *job, char *buf, size_t len)
{
	size_t pos = 0;
	unsigned int i;
	int k;

	buf[0] = '\0';
	for (i = 0; i < job->n && pos < len; i++) {
		if (job->pairs[i].cut)
			continue;
		k = snprintf(buf + pos, len - pos, "%s%s is %s", pos ? ", " : "",
			     job->pairs[i].name, job->pairs[i].state);
		if (k < 0)
			break;
		pos += (size_t)k;
	}
}

/* Which async pairs the sync is about; refuses what cannot be cut at all. */
static int select_sync_pairs(const struct vol *v, struct sync_job *job)
{
	const struct ifrep_status_pair *p;
	struct sync_pair *sp;
	char why[1024];
	unsigned int i;

	if (v->st.role == ROLE_SECONDARY)
		return fail("%s is a secondary: sync points are cut on its primary ('sync-point list %s' shows them here)",
			    v->name, v->name);
	if (job->only) {
		p = ifrep_status_find_pair(&v->st, job->only);
		if (!p)
			return fail("%s has no pair named %s", v->name, job->only);
		if (p->mode != MODE_ASYNC)
			return fail("pair %s is a %s pair: only async pairs have sync points",
				    p->name, ifrep_mode_name(p->mode));
	}
	job->n = job->candidates = 0;
	for (i = 0; i < v->st.nr_pairs; i++) {
		p = &v->st.pairs[i];
		if (p->mode != MODE_ASYNC || (job->only && strcmp(p->name, job->only)))
			continue;
		sp = &job->pairs[job->n++];
		memset(sp, 0, sizeof(*sp));
		snprintf(sp->name, sizeof(sp->name), "%s", p->name);
		describe_pair(&v->st, p, sp->state, sizeof(sp->state));
		sp->candidate = p->state == STATE_CONSISTENT;
		job->candidates += sp->candidate;
	}
	if (!job->n)
		return fail("%s has no async pair", v->name);
	if (job->only && !job->candidates) {
		sp = &job->pairs[0];
		if (strstr(sp->state, "initial copy"))
			return fail("pair %s is %s: its first sync point comes when it is consistent ('ifrepctl wait %s %s --state consistent')",
				    sp->name, sp->state, v->name, sp->name);
		return fail("pair %s is %s: only a consistent async pair can be cut", sp->name,
			    sp->state);
	}
	if (!job->candidates) {
		list_not_cut(job, why, sizeof(why));
		return fail("no async pair of %s can be cut now: %s", v->name, why);
	}
	return 0;
}

/*
 * Opens the filesystem to freeze.  It should be on the volume (or on a
 * device stacked on it): warn when it visibly is not.
 */
static bool devt_stacked_on(dev_t top, dev_t bottom, int depth)
{
	char path[96], line[32];
	unsigned int ma, mi;
	struct dirent *e;
	FILE *f;
	DIR *d;
	bool found = false;

	if (top == bottom)
		return true;
	if (depth > 8)
		return false;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/slaves", major(top), minor(top));
	d = opendir(path);
	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/block/%.40s/dev", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f) && sscanf(line, "%u:%u", &ma, &mi) == 2)
			found = devt_stacked_on(makedev(ma, mi), bottom, depth + 1);
		fclose(f);
	}
	closedir(d);
	return found;
}

static int open_freeze_target(const char *mp, int *fd)
{
	*fd = open(mp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0) {
		if (errno == ENOTDIR)
			return fail("--freeze %s: not a directory (give the mount point of the filesystem)",
				    mp);
		return fail("--freeze %s: %s", mp, strerror(errno));
	}
	return 0;
}

static void check_freeze_target(int fd, const char *mp, const struct vol *v)
{
	dev_t vol_devt = makedev(v->info.major, v->info.minor);
	char name[256];
	struct stat st;

	if (fstat(fd, &st))
		return;
	if (!major(st.st_dev)) {
		info("cannot tell whether %s is on %s (its filesystem names no block device)",
		     mp, v->name);
		return;
	}
	if (devt_stacked_on(st.st_dev, vol_devt, 0))
		return;
	ifrep_blkdev_name(st.st_dev, name, sizeof(name));
	warn("%s is on %s, not on %s: freezing it does not make the sync point of %s consistent",
	     mp, name, v->name, v->name);
}

/*
 * The kernel cuts after the running cycle of the pair ended, with our
 * filesystem frozen meanwhile: wait for a moment between cycles first.
 */
static int wait_between_cycles(struct sync_job *job, const char *mp)
{
	struct timespec poll = { 0, FREEZE_POLL_NS };
	const struct ifrep_status_pair *p;
	char busy[256];
	bool told = false;
	struct vol v;
	unsigned int i;
	size_t pos;
	int r;

	for (;;) {
		if ((r = need_volume(job->volume, true, &v)))
			return r;
		busy[0] = '\0';
		pos = 0;
		for (i = 0; i < job->n; i++) {
			if (!job->pairs[i].candidate)
				continue;
			p = ifrep_status_find_pair(&v.st, job->pairs[i].name);
			if (p && p->has_cycle && pos < sizeof(busy))
				pos += (size_t)snprintf(busy + pos, sizeof(busy) - pos,
							"%s%s (cycle %" PRIu64 "/%" PRIu64 ")",
							pos ? ", " : "", p->name,
							p->cycle_shipped, p->cycle_total);
		}
		if (!busy[0])
			return 0;
		if (now_s() >= job->deadline)
			return fail("cycles keep running (%s): found no moment between two of them to freeze %s within %llus",
				    busy, mp, (unsigned long long)job->timeout_s);
		if (!told)
			info("waiting for the running cycle of %s to end before freezing %s", busy, mp);
		told = true;
		nanosleep(&poll, NULL);
	}
}

/* What the kernel's errno for "sync" means. */
static void sync_errstr(int r, const struct sync_job *job, const char *msg, char *buf,
			size_t len)
{
	switch (-r) {
	case ENOENT:
		if (strcmp(msg, "sync"))
			snprintf(buf, len, "%s has no async pair named %s now", job->volume,
				 msg + strlen("sync "));
		else
			snprintf(buf, len, "%s has no async pair now", job->volume);
		break;
	case EBUSY:
		snprintf(buf, len, "%s is suspended: resume it first", job->volume);
		break;
	case EINVAL:
		snprintf(buf, len, "the kernel refused '%s' (a dm-ifrep module without async cycles? see dmesg)",
			 msg);
		break;
	default:
		snprintf(buf, len, "'%s' failed: %s (see dmesg)", msg, dm_strerror(r));
		break;
	}
}

/*
 * Sends the sync message(s): one "sync" when every async pair can be cut,
 * else "sync PAIR" for each that can (a pair in its initial copy would hold
 * the message until the copy ends).  With @fd >= 0 the filesystem is
 * frozen around them.  Nothing may be printed while it is frozen (stdout
 * or stderr may be files on it): errors are collected in @err.
 */
static int send_syncs(struct sync_job *job, int fd, const char *mp, char *err, size_t errlen)
{
	struct ifrep_sync_cut cuts[IFREP_MAX_PAIRS];
	struct sync_pair *sp;
	char msg[IFREP_NAME_LEN + 8], why[256], *reply = NULL;
	unsigned int i, k, n;
	bool all = !job->only && job->candidates == job->n;
	sigset_t block, old;
	int r = 0, e;

	err[0] = '\0';
	if (fd >= 0) {
		sigemptyset(&block);
		sigaddset(&block, SIGINT);
		sigaddset(&block, SIGTERM);
		sigaddset(&block, SIGHUP);
		sigaddset(&block, SIGQUIT);
		sigaddset(&block, SIGTSTP);
		sigaddset(&block, SIGTTIN);
		sigaddset(&block, SIGTTOU);
		sigaddset(&block, SIGPIPE);
		fflush(stdout);
		fflush(stderr);
		sigprocmask(SIG_BLOCK, &block, &old);
		ifrep_dm_setup(0, !from_udev);		/* libdm must not print either */
		if (ioctl(fd, FIFREEZE, 0)) {
			e = errno;
			ifrep_dm_setup(verbose, !from_udev);
			sigprocmask(SIG_SETMASK, &old, NULL);
			if (e == EBUSY)
				return fail("cannot freeze %s: it is frozen already (thaw it with 'fsfreeze -u %s', or sync without --freeze)",
					    mp, mp);
			if (e == EOPNOTSUPP || e == ENOTTY)
				return fail("cannot freeze %s: its filesystem does not support freezing",
					    mp);
			if (e == EPERM || e == EACCES)
				return fail("cannot freeze %s: %s (freezing needs root)", mp,
					    strerror(e));
			return fail("cannot freeze %s: %s", mp, strerror(e));
		}
	}

	for (i = 0; i < (all ? 1 : job->n) && !r; i++) {
		if (!all && !job->pairs[i].candidate)
			continue;
		if (all)
			snprintf(msg, sizeof(msg), "sync");
		else
			snprintf(msg, sizeof(msg), "sync %s", job->pairs[i].name);
		free(reply);
		reply = NULL;
		r = ifrep_dm_message(job->volume, msg, false, &reply);
		if (r) {
			sync_errstr(r, job, msg, err, errlen);
			break;
		}
		r = ifrep_parse_sync_reply(reply, cuts, IFREP_MAX_PAIRS, &n, why, sizeof(why));
		if (r) {
			snprintf(err, errlen, "cannot understand the kernel's reply to '%s': %s",
				 msg, why);
			break;
		}
		for (k = 0; k < n; k++) {
			sp = job_pair(job, cuts[k].pair);
			if (!sp)
				continue;	/* an async pair added meanwhile */
			sp->cut = true;
			sp->cut_time = cuts[k].cut;
		}
	}
	free(reply);

	if (fd >= 0) {
		e = ioctl(fd, FITHAW, 0) ? errno : 0;
		ifrep_dm_setup(verbose, !from_udev);
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (e && e != EINVAL)
			return fail("cannot thaw %s: %s: it stays frozen until 'fsfreeze -u %s'",
				    mp, strerror(e), mp);
		if (e)
			warn("%s was thawed by someone else while the sync ran: the sync point may not be consistent",
			     mp);
	}
	return r ? -1 : 0;
}

/* Waits until the secondary holds every cut made. */
static int wait_commits(struct sync_job *job)
{
	struct timespec poll = { 0, WAIT_POLL_NS };
	const struct ifrep_status_pair *p;
	char when[32], pending[1024];
	struct sync_pair *sp;
	struct vol v;
	unsigned int i;
	size_t pos;
	bool done;
	int r;

	for (;;) {
		if ((r = need_volume(job->volume, true, &v)))
			return r;
		done = true;
		pending[0] = '\0';
		pos = 0;
		for (i = 0; i < job->n; i++) {
			sp = &job->pairs[i];
			if (!sp->cut || sp->committed)
				continue;
			p = ifrep_status_find_pair(&v.st, sp->name);
			if (!p)
				return fail("pair %s was removed before its cut at %s was committed",
					    sp->name, ifrep_format_local_time(sp->cut_time, when,
									      sizeof(when)));
			switch (ifrep_cut_progress(p, sp->cut_time)) {
			case CUT_COMMITTED:
				sp->committed = true;
				printf("%s/%s: committed (last sync point %s)\n", job->volume,
				       sp->name, ifrep_format_local_time(p->last_sync, when,
									 sizeof(when)));
				fflush(stdout);
				break;
			case CUT_FAILED:
				return fail("pair %s failed (%s): its cut at %s was not committed%s",
					    p->name, p->reason[0] ? p->reason : "no reason given",
					    ifrep_format_local_time(sp->cut_time, when, sizeof(when)),
					    !strcmp(p->reason, "journal_too_small") ?
					    " (the secondary's journal cannot hold the cycle: give it a larger journal device; see dmesg)" :
					    !strcmp(p->reason, "cycle_failed") ?
					    " (does the secondary have a journal? 'create --journal DEV'; see dmesg on both sides)" :
					    " (see dmesg)");
			default:
				done = false;
				if (pos >= sizeof(pending))
					break;
				if (p->has_cycle)
					pos += (size_t)snprintf(pending + pos, sizeof(pending) - pos,
								"%s%s: cycle %" PRIu64 "/%" PRIu64 " shipped",
								pos ? ", " : "", p->name,
								p->cycle_shipped, p->cycle_total);
				else if (p->state == STATE_CONSISTENT)
					pos += (size_t)snprintf(pending + pos, sizeof(pending) - pos,
								"%s%s: its cycle ended uncommitted (interrupted link?); the chunks go with the next cycle, which only 'sync' starts with --interval 0",
								pos ? ", " : "", p->name);
				else
					pos += (size_t)snprintf(pending + pos, sizeof(pending) - pos,
								"%s%s: %s%s%s%s, no cycle running",
								pos ? ", " : "", p->name,
								ifrep_state_name(p->state),
								p->reason[0] ? " (" : "", p->reason,
								p->reason[0] ? ")" : "");
				break;
			}
		}
		if (done)
			return 0;
		if (now_s() >= job->deadline)
			return fail("timed out after %llus waiting for the commit: %s",
				    (unsigned long long)job->timeout_s, pending);
		nanosleep(&poll, NULL);
	}
}

static int cmd_sync(int argc, char **argv)
{
	const char *freeze = NULL, *timeout = NULL, *why;
	char *pos[2] = { NULL, NULL };
	char err[512], when[32], not_cut[1024];
	struct sync_job job;
	bool wait = false;
	unsigned int i, nr_cut = 0;
	struct vol v;
	int c, r, fd = -1;

	memset(&job, 0, sizeof(job));
	job.timeout_s = SYNC_TIMEOUT_S;
	reset_getopt();
	while ((c = next_opt(argc, argv, ":F:WT:hv", sync_opts)) != -1) {
		switch (c) {
		case 'F': freeze = optarg; break;
		case 'W': wait = true; break;
		case 'T': timeout = optarg; break;
		default:
			if (common_opt(c, &r))
				return r;
		}
	}
	if ((r = positionals(argc, argv, 1, 2, pos, "NAME")))
		return r;
	if ((r = check_volume_name(pos[0])) || (pos[1] && (r = check_pair_name(pos[1]))))
		return r;
	if (timeout) {
		if (!wait && !freeze)
			return usage_error("--timeout goes with --wait or --freeze");
		if (ifrep_parse_duration(timeout, &job.timeout_s, false, &why))
			return usage_error("--timeout %s: %s", timeout, why);
	}
	if (freeze && !freeze[0])
		return usage_error("--freeze needs a mount point");
	job.volume = pos[0];
	job.only = pos[1];
	job.deadline = now_s() + (double)job.timeout_s;

	if (freeze && (r = open_freeze_target(freeze, &fd)))
		return r;
	if ((r = need_volume(job.volume, true, &v)) || (r = select_sync_pairs(&v, &job)))
		goto out;
	if (fd >= 0) {
		check_freeze_target(fd, freeze, &v);
		if ((r = wait_between_cycles(&job, freeze)))
			goto out;
	}
	r = send_syncs(&job, fd, freeze, err, sizeof(err));
	if (r > 0)
		goto out;		/* freeze or thaw failed: said so */

	for (i = 0; i < job.n; i++) {
		if (!job.pairs[i].cut)
			continue;
		nr_cut++;
		printf("%s/%s: cut at %s\n", job.volume, job.pairs[i].name,
		       ifrep_format_local_time(job.pairs[i].cut_time, when, sizeof(when)));
	}
	fflush(stdout);
	if (r) {
		r = fail("%s", err);
		goto out;
	}
	/* a pair that changed state since we looked is not cut: say what it is now */
	if (nr_cut < job.n && !load_volume(job.volume, true, &v)) {
		for (i = 0; i < job.n; i++) {
			const struct ifrep_status_pair *p =
				ifrep_status_find_pair(&v.st, job.pairs[i].name);

			if (!job.pairs[i].cut && p)
				describe_pair(&v.st, p, job.pairs[i].state,
					      sizeof(job.pairs[i].state));
		}
	}
	if (wait && nr_cut && (r = wait_commits(&job)))
		goto out;
	if (nr_cut < job.n) {
		list_not_cut(&job, not_cut, sizeof(not_cut));
		r = fail("%s: not every async pair was cut: %s", job.volume, not_cut);
		goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	return r;
}

/*----------------------------------------------------------------
 * sync-point list / rollback (a secondary with a journal)
 *--------------------------------------------------------------*/

static const struct option sync_point_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

/* Reads the sync points of @v (a loaded secondary).  0 or EXIT_FAILED. */
static int get_sync_points(const struct vol *v, struct ifrep_sync_point *pts, unsigned int *n)
{
	char why[256], *reply = NULL;
	int r;

	if (v->st.role == ROLE_PRIMARY)
		return fail("%s is a primary: sync points are kept on its secondary (run this there)",
			    v->name);
	r = ifrep_dm_message(v->name, "sync_points", false, &reply);
	if (r == -ENOENT)
		return fail("%s has no journal, so it keeps no sync points (it needs 'create --journal DEV')",
			    v->name);
	if (r == -EINVAL)
		return fail("the kernel refused 'sync_points' (a dm-ifrep module without async cycles? see dmesg)");
	if (r)
		return fail("cannot list the sync points of %s: %s (see dmesg)", v->name,
			    dm_strerror(r));
	r = ifrep_parse_sync_points(reply, pts, IFREP_MAX_SYNC_POINTS, n, why, sizeof(why));
	free(reply);
	if (r)
		return fail("cannot understand the kernel's list of sync points: %s", why);
	return 0;
}

static int cmd_sync_point_list(int argc, char **argv)
{
	struct ifrep_sync_point pts[IFREP_MAX_SYNC_POINTS];
	char when[32], size[32], idbuf[24];
	bool json = false;
	unsigned int n, i;
	struct json j;
	char *pos[1];
	struct vol v;
	int c, r, w = 2;

	reset_getopt();
	while ((c = next_opt(argc, argv, ":jhv", sync_point_opts)) != -1) {
		if (c == 'j')
			json = true;
		else if (common_opt(c, &r))
			return r;
	}
	if ((r = positionals(argc, argv, 1, 1, pos, "NAME")) || (r = check_volume_name(pos[0])))
		return r;
	if ((r = need_volume(pos[0], true, &v)) || (r = get_sync_points(&v, pts, &n)))
		return r;

	if (json) {
		json_init(&j, stdout);
		json_begin_object(&j, NULL);
		json_begin_array(&j, "sync_points");
		for (i = 0; i < n; i++) {
			json_begin_object(&j, NULL);
			json_u64(&j, "id", pts[i].id);
			if (pts[i].time)
				json_string(&j, "time", ifrep_format_iso8601(pts[i].time, when,
									     sizeof(when)));
			else
				json_null(&j, "time");
			json_u64(&j, "rollback_bytes", pts[i].rollback_bytes);
			json_bool(&j, "current", pts[i].current);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_end_object(&j);
		putchar('\n');
		return 0;
	}
	for (i = 0; i < n; i++) {
		snprintf(idbuf, sizeof(idbuf), "%" PRIu64, pts[i].id);
		w = (int)strlen(idbuf) > w ? (int)strlen(idbuf) : w;
	}
	printf("%-*s  %-19s  %s\n", w, "ID", "CUT TIME", "ROLLBACK");
	for (i = 0; i < n; i++) {
		printf("%-*" PRIu64 "  %-19s  %s\n", w, pts[i].id,
		       pts[i].time ? ifrep_format_local_time(pts[i].time, when, sizeof(when)) : "-",
		       pts[i].current ? "current image" :
		       ifrep_format_bytes(pts[i].rollback_bytes, size, sizeof(size)));
	}
	return 0;
}

static int cmd_sync_point_rollback(int argc, char **argv)
{
	struct ifrep_sync_point pts[IFREP_MAX_SYNC_POINTS];
	const struct ifrep_sync_point *to = NULL;
	char msg[48], when[32], size[32];
	const char *why;
	unsigned int n, i;
	char *pos[2];
	struct vol v;
	uint64_t id;
	int c, r;

	reset_getopt();
	while ((c = next_opt(argc, argv, ":hv", plain_opts)) != -1)
		if (common_opt(c, &r))
			return r;
	if ((r = positionals(argc, argv, 2, 2, pos, "NAME and ID")) ||
	    (r = check_volume_name(pos[0])))
		return r;
	if (ifrep_parse_u64(pos[1], &id, &why))
		return usage_error("sync point ID '%s': %s", pos[1], why);
	if ((r = need_volume(pos[0], true, &v)) || (r = get_sync_points(&v, pts, &n)))
		return r;
	for (i = 0; i < n; i++) {
		if (pts[i].id != id)
			continue;
		/* the journal may still hold the cycles of an earlier pair */
		if (to)
			return fail("%s lists sync point %" PRIu64 " twice (its journal holds the cycles of an earlier pair too): the kernel cannot tell which one is meant",
				    v.name, id);
		to = &pts[i];
	}
	if (!to)
		return fail("%s has no sync point %" PRIu64 " ('ifrepctl sync-point list %s' shows them)",
			    v.name, id, v.name);
	if (to->current) {
		info("%s holds sync point %" PRIu64 " already", v.name, id);
		return 0;
	}
	if (!strcmp(v.st.upstream, "connected"))
		return fail("%s is connected to its primary: a rollback needs it away (pause or remove its pair on the primary, or demote the primary, first)",
			    v.name);
	snprintf(msg, sizeof(msg), "rollback %" PRIu64, id);
	info("message: %s", msg);
	r = ifrep_dm_message(v.name, msg, false, NULL);
	if (r == -EBUSY)
		return fail("%s is connected to its primary: a rollback needs it away (pause or remove its pair on the primary, or demote the primary, first)",
			    v.name);
	if (r == -ENOENT)
		return fail("%s has no sync point %" PRIu64 " any more (the journal dropped it; see 'ifrepctl sync-point list %s')",
			    v.name, id, v.name);
	if (r == -EINVAL)
		return fail("%s is not a secondary with a journal (see dmesg)", v.name);
	if (r)
		return fail("the rollback of %s failed: %s (see dmesg; an interrupted rollback is finished at the next activation)",
			    v.name, dm_strerror(r));
	printf("%s: rolled back to sync point %" PRIu64 " (cut at %s), %s rewritten\n", v.name, id,
	       to->time ? ifrep_format_local_time(to->time, when, sizeof(when)) : "unknown time",
	       ifrep_format_bytes(to->rollback_bytes, size, sizeof(size)));
	/* the rolled-back chunks are in the local area: the primary resends them */
	warn("to keep this image, promote %s before its primary reconnects: the primary's next cycle sends the chunks rolled back here again",
	     v.name);
	return 0;
}

static const struct option sync_point_view_opts[] = {
	{ "as", required_argument, NULL, 'a' },
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

/* "NAME-spID" unless --as says otherwise; 0 or an exit status. */
static int view_name(const char *name, uint64_t id, const char *as, char *out, size_t len)
{
	const char *why;
	int n, r;

	if (as) {
		if ((r = check_volume_name(as)))
			return r;
		snprintf(out, len, "%s", as);
		return 0;
	}
	n = snprintf(out, len, "%s-sp%" PRIu64, name, id);
	if (n < 0 || (size_t)n >= len || !ifrep_valid_volume_name(out, &why))
		return usage_error("cannot name the view of %s: give one with --as VIEW", name);
	return 0;
}

/*
 * The arguments of sync-point show and hide: NAME ID [--as VIEW].  Returns
 * true when the command ends here with exit status *@rc (help, usage
 * error), false with @pos, *@id and the view's name in @view set.
 */
static bool view_args(int argc, char **argv, char **pos, uint64_t *id, char *view,
		      size_t len, int *rc)
{
	const char *as = NULL, *e;
	int c;

	reset_getopt();
	while ((c = next_opt(argc, argv, ":a:hv", sync_point_view_opts)) != -1) {
		if (c == 'a') {
			as = optarg;
			continue;
		}
		if (common_opt(c, rc))
			return true;
	}
	if ((*rc = positionals(argc, argv, 2, 2, pos, "NAME and ID")) ||
	    (*rc = check_volume_name(pos[0])))
		return true;
	if (ifrep_parse_u64(pos[1], id, &e)) {
		*rc = usage_error("sync point ID '%s': %s", pos[1], e);
		return true;
	}
	*rc = view_name(pos[0], *id, as, view, len);
	return *rc != 0;
}

/*
 * A read-only device showing sync point ID: each chunk is read from the
 * journal slot that holds its content at that point, or from the data
 * device where it has not changed since.
 */
static int cmd_sync_point_show(int argc, char **argv)
{
	struct ifrep_dm_segment *segs = NULL;
	char **params = NULL, msg[48], view[128], uuid[160], why[160];
	uint64_t id, nchunks, cs, chunk, *slot_of = NULL;
	char *pos[2], *reply = NULL;
	size_t n = 0, i;
	struct vol v;
	int r;

	if (view_args(argc, argv, pos, &id, view, sizeof(view), &r))
		return r;
	if ((r = need_volume(pos[0], true, &v)))
		return r;
	if (v.st.role != ROLE_SECONDARY || !v.table.journal[0])
		return fail("%s is not a secondary with a journal: it has no sync points", v.name);
	snprintf(msg, sizeof(msg), "sync_point_map %" PRIu64, id);
	r = ifrep_dm_message(v.name, msg, false, &reply);
	if (r == -ENOENT)
		return fail("%s has no sync point %" PRIu64 " ('ifrepctl sync-point list %s' shows them)",
			    v.name, id, v.name);
	if (r == -EBUSY)
		return fail("%s is applying a cycle right now: try again", v.name);
	if (r)
		return fail("the kernel refused 'sync_point_map': %s (see dmesg)", dm_strerror(r));

	cs = v.st.chunk_sectors;
	nchunks = v.st.total_chunks;
	slot_of = calloc(nchunks, sizeof(*slot_of));
	segs = calloc(nchunks, sizeof(*segs));
	params = calloc(nchunks, sizeof(*params));
	r = -ENOMEM;
	if (!slot_of || !segs || !params)
		goto out;
	r = ifrep_parse_sync_point_map(reply, nchunks, slot_of, why, sizeof(why));
	if (r) {
		r = fail("cannot understand the kernel's map of sync point %" PRIu64 ": %s", id, why);
		goto out;
	}
	/* Unchanged runs of chunks share one data-device segment. */
	for (chunk = 0; chunk < nchunks; chunk++) {
		uint64_t start = chunk * cs, len = start + cs > v.sectors ? v.sectors - start : cs;
		bool from_data = slot_of[chunk] == IFREP_NO_SLOT;

		if (from_data && n && !strcmp(segs[n - 1].type, "linear") &&
		    segs[n - 1].start + segs[n - 1].len == start && params[n - 1][0] == 'D') {
			segs[n - 1].len += len;
			continue;
		}
		r = asprintf(&params[n], "%c%s %" PRIu64, from_data ? 'D' : 'J',
			     from_data ? v.table.data_dev : v.table.journal,
			     from_data ? start : slot_of[chunk]);
		if (r < 0) {
			params[n] = NULL;
			r = -ENOMEM;
			goto out;
		}
		segs[n].start = start;
		segs[n].len = len;
		segs[n].type = "linear";
		n++;
	}
	for (i = 0; i < n; i++)
		segs[i].params = params[i] + 1;	/* past the D/J marker */
	snprintf(uuid, sizeof(uuid), "IFREP-SP-%s-%" PRIu64, v.name, id);
	r = ifrep_dm_create_readonly(view, uuid, n, segs);
	if (r == -EEXIST || r == -EBUSY) {
		r = fail("a device named %s exists already (hide it, or use --as NAME)", view);
		goto out;
	}
	if (r) {
		r = fail("cannot create %s: %s", view, dm_strerror(r));
		goto out;
	}
	printf("/dev/mapper/%s: sync point %" PRIu64 " of %s, read-only\n", view, id, v.name);
	warn("the view reads unchanged chunks from %s's data device: it stays exact while no newer cycle is applied (pause the pair on the primary while you inspect it)",
	     v.name);
	r = 0;
out:
	for (i = 0; params && i < nchunks; i++)
		free(params[i]);
	free(params);
	free(segs);
	free(slot_of);
	free(reply);
	return r == -ENOMEM ? fail("out of memory") : r;
}

static int cmd_sync_point_hide(int argc, char **argv)
{
	char view[128], uuid[160];
	struct ifrep_dm_info di;
	char *pos[2];
	uint64_t id;
	int r;

	if (view_args(argc, argv, pos, &id, view, sizeof(view), &r))
		return r;
	need_dm();
	r = ifrep_dm_info(view, &di);
	if (r == -ENXIO || (!r && !di.exists)) {
		info("no view named %s: nothing to hide", view);
		return 0;
	}
	if (r)
		return fail("cannot query %s: %s", view, dm_strerror(r));
	snprintf(uuid, sizeof(uuid), "IFREP-SP-%s-%" PRIu64, pos[0], id);
	if (strcmp(di.uuid, uuid))
		return fail("%s is not the view of sync point %" PRIu64 " of %s", view, id, pos[0]);
	r = ifrep_dm_remove(view);
	if (r == -EBUSY)
		return fail("%s is in use: close or unmount it first", view);
	if (r)
		return fail("cannot remove %s: %s", view, dm_strerror(r));
	return 0;
}

/*----------------------------------------------------------------
 * promote / demote / resolve
 *--------------------------------------------------------------*/

static const struct option promote_opts[] = {
	{ "force", no_argument, NULL, 'f' },
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

static int cmd_promote(int argc, char **argv)
{
	bool force = false;
	char *pos[1];
	struct vol v;
	int c, r;

	reset_getopt();
	while ((c = next_opt(argc, argv, ":fhv", promote_opts)) != -1) {
		if (c == 'f') {
			force = true;
			continue;
		}
		if (common_opt(c, &r))
			return r;
	}
	if ((r = positionals(argc, argv, 1, 1, pos, "NAME")) || (r = check_volume_name(pos[0])))
		return r;
	need_dm();
	if ((r = load_volume(pos[0], true, &v)))
		return r;
	if (v.st.role == ROLE_PRIMARY) {
		info("%s is a primary already", v.name);
		return 0;
	}
	if (!force && !strcmp(v.st.upstream, "connected"))
		return fail("%s is connected to its primary: demote the primary first (or use --force if it is really gone)",
			    v.name);
	r = ifrep_dm_message(v.name, force ? "promote force" : "promote", false, NULL);
	if (r == -EBUSY)
		return fail("%s is connected to its primary: demote the primary first (or use --force if it is really gone)",
			    v.name);
	if (r == -EINVAL)
		return fail("%s does not hold a complete image (its resync was interrupted): --force uses it anyway (see dmesg)",
			    v.name);
	if (r)
		return fail("cannot promote %s: %s (see dmesg)", v.name, dm_strerror(r));
	if (!load_volume(pos[0], true, &v))
		printf("%s is now the primary (generation %016llx)\n", v.name,
		       (unsigned long long)v.st.generation);
	return 0;
}

static const struct option demote_opts[] = {
	{ "listen", required_argument, NULL, 'l' },
	{ "secret-file", required_argument, NULL, 's' },
	{ "insecure", no_argument, NULL, 'I' },
	{ "force", no_argument, NULL, 'f' },
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

static int cmd_demote(int argc, char **argv)
{
	const char *listen = NULL, *secret_file = NULL, *why;
	struct secret secret = { 0 };
	bool insecure = false, force = false;
	struct ifrep_addr addr;
	char listen_buf[IFREP_ADDR_LEN], msg[IFREP_ADDR_LEN + 32];
	char *pos[1];
	struct vol v;
	int c, r;

	reset_getopt();
	while ((c = next_opt(argc, argv, ":l:s:Ifhv", demote_opts)) != -1) {
		switch (c) {
		case 'l': listen = optarg; break;
		case 's': secret_file = optarg; break;
		case 'I': insecure = true; break;
		case 'f': force = true; break;
		default:
			if (common_opt(c, &r))
				return r;
		}
	}
	if ((r = positionals(argc, argv, 1, 1, pos, "NAME")) || (r = check_volume_name(pos[0])))
		return r;
	if (!listen)
		return usage_error("missing --listen ADDR:PORT (where the new primary will connect)");
	if (ifrep_parse_addr(listen, &addr, &why))
		return usage_error("--listen %s: %s", listen, why);
	ifrep_format_addr(&addr, listen_buf, sizeof(listen_buf));
	if (!secret_file && !insecure)
		return usage_error("needs --secret-file FILE (or --insecure)");
	if (secret_file && insecure)
		return usage_error("--secret-file and --insecure exclude each other");
	if (secret_file && (r = load_secret(secret_file, &secret)))
		return r;

	need_dm();
	if ((r = load_volume(pos[0], true, &v)))
		goto out;
	if (v.st.role == ROLE_SECONDARY) {
		info("%s is a secondary already", v.name);
		r = 0;
		goto out;
	}
	if (v.info.open_count > 0 && !force) {
		r = fail("%s is open (open count %d): unmount or close it first, or use --force (its writers then get I/O errors)",
			 v.name, v.info.open_count);
		goto out;
	}
	snprintf(msg, sizeof(msg), "demote %s%s", listen_buf, insecure ? " insecure" : "");
	r = ifrep_dm_message(v.name, msg, false, NULL);
	if (r) {
		r = fail("cannot demote %s: %s (see dmesg)", v.name, dm_strerror(r));
		goto out;
	}
	if (secret.set && (r = send_secret(v.name, NULL, &secret))) {
		r = fail("%s is a secondary now, but its listen secret was not taken: %s",
			 v.name, secret_errstr(r));
		goto out;
	}
	printf("%s is now a secondary, listening on %s\n", v.name, listen_buf);
	r = 0;
out:
	wipe_secret(&secret);
	return r;
}

static const struct option resolve_opts[] = {
	{ "discard-local", no_argument, NULL, 'L' },
	{ "discard-remote", no_argument, NULL, 'R' },
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

static int cmd_resolve(int argc, char **argv)
{
	bool local = false, remote = false;
	char *pos[2] = { NULL, NULL };
	char msg[IFREP_NAME_LEN + 32];
	struct vol v;
	int c, r;

	reset_getopt();
	while ((c = next_opt(argc, argv, ":LRhv", resolve_opts)) != -1) {
		if (c == 'L')
			local = true;
		else if (c == 'R')
			remote = true;
		else if (common_opt(c, &r))
			return r;
	}
	if ((r = positionals(argc, argv, 1, 2, pos, "NAME")) || (r = check_volume_name(pos[0])))
		return r;
	if (local == remote)
		return usage_error("say whose changes go: --discard-local or --discard-remote");
	if (local && pos[1])
		return usage_error("--discard-local takes no PAIR: it is run on the secondary");
	if (remote && !pos[1])
		return usage_error("--discard-remote needs the PAIR whose peer's changes go");
	if (pos[1] && (r = check_pair_name(pos[1])))
		return r;
	need_dm();
	if ((r = load_volume(pos[0], true, &v)))
		return r;
	if (local)
		snprintf(msg, sizeof(msg), "resolve discard-local");
	else
		snprintf(msg, sizeof(msg), "resolve %s discard-remote", pos[1]);
	r = ifrep_dm_message(v.name, msg, false, NULL);
	if (r == -ENOENT)
		return fail("%s has no remote pair named %s", v.name, pos[1]);
	if (r == -EINVAL)
		return fail("%s: --discard-local is run on the secondary, --discard-remote on the primary (see dmesg)",
			    v.name);
	if (r)
		return fail("cannot resolve: %s (see dmesg)", dm_strerror(r));
	return 0;
}

/*----------------------------------------------------------------
 * test-bandwidth
 *--------------------------------------------------------------*/

#define BW_MSG_BYTES	(1U << 20)	/* one BW_DATA message */
#define BW_INFLIGHT	8		/* messages sent and not acknowledged */
#define BW_PINGS	10
#define BW_CONNECT_MS	5000
#define BW_STEP_MS	10000		/* any single step of the conversation */
#define BW_MAX_SECONDS	300

static const struct option bandwidth_opts[] = {
	{ "seconds", required_argument, NULL, 'n' },
	{ "secret-file", required_argument, NULL, 's' },
	{ "insecure", no_argument, NULL, 'I' },
	{ "json", no_argument, NULL, 'j' },
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

struct bw_result {
	double rtt_min, rtt_sum, rtt_max;	/* seconds */
	unsigned int pings;
	uint64_t bytes;
	double elapsed;
};

/* A failure of the conversation, with the peer's ERROR quoted when it sent one. */
static int bw_fail(const struct ifrep_conn *c, const char *what)
{
	return fail("%s: %s: %s", c->peer, what, c->why);
}

/* Receives the reply to a request; an ERROR becomes the failure. */
static int bw_recv(struct ifrep_conn *c, struct ifrep_hdr *h, void *buf, size_t size,
		   uint16_t type, const char *what)
{
	union {
		struct ifrep_wire_error error;		/* the largest reply */
		uint8_t any[sizeof(struct ifrep_wire_error)];
	} rx;
	char reason[IFREP_REASON_LEN + 1];

	if (ifrep_recv_msg(c, h, &rx, sizeof(rx)))
		return bw_fail(c, what);
	if (h->type == IFREP_MSG_ERROR) {
		ifrep_reason_copy(rx.error.reason, sizeof(rx.error.reason), reason,
				  sizeof(reason));
		return fail("%s: %s: the peer reports: %s", c->peer, what, reason);
	}
	if (h->type != type || h->length > size)
		return fail("%s: %s: unexpected %s of %u bytes from the peer", c->peer,
			    what, ifrep_msg_type_name(h->type), h->length);
	memcpy(buf, rx.any, h->length);
	return 0;
}

static int bw_ping(struct ifrep_conn *c, struct bw_result *res)
{
	uint8_t out[8], in[64];
	struct iovec part = { out, sizeof(out) };
	struct ifrep_hdr h;
	unsigned int i;
	double t0, rtt;
	int r;

	res->rtt_min = 1e9;
	for (i = 0; i < BW_PINGS; i++) {
		ifrep_be64 v = ifrep_put_be64(0x70696e6700000000ULL | i);

		memcpy(out, &v, sizeof(out));
		t0 = now_s();
		if (ifrep_send_msg(c, IFREP_MSG_PING, 0, i + 1, &part, 1))
			return bw_fail(c, "ping");
		r = bw_recv(c, &h, in, sizeof(in), IFREP_MSG_PONG, "ping");
		if (r)
			return r;
		rtt = now_s() - t0;
		if (h.id != i + 1 || h.length != sizeof(out) || memcmp(in, out, sizeof(out)))
			return fail("%s: ping: the reply does not match the request", c->peer);
		res->rtt_min = rtt < res->rtt_min ? rtt : res->rtt_min;
		res->rtt_max = rtt > res->rtt_max ? rtt : res->rtt_max;
		res->rtt_sum += rtt;
		res->pings++;
	}
	return 0;
}

/* BW_DATA messages, BW_INFLIGHT at a time, for @secs seconds. */
static int bw_stream(struct ifrep_conn *c, uint64_t secs, struct bw_result *res)
{
	struct ifrep_wire_ack ack;
	struct ifrep_prepared pp;
	struct ifrep_hdr h;
	uint64_t next_id = 1000, oldest = 1000, x = 0x9e3779b97f4a7c15ULL;
	unsigned int inflight = 0;
	uint8_t *payload;
	double start, end, last;
	size_t i;
	int r;

	payload = malloc(BW_MSG_BYTES);
	if (!payload)
		return fail("out of memory");
	/* incompressible contents (xorshift64), though nothing compresses today */
	for (i = 0; i < BW_MSG_BYTES; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(payload + i, &x, 8);
	}
	ifrep_prepare_payload(&pp, payload, BW_MSG_BYTES);

	start = last = now_s();
	end = start + (double)secs;
	for (;;) {
		while (inflight < BW_INFLIGHT && now_s() < end) {
			if (ifrep_send_prepared(c, IFREP_MSG_BW_DATA, 0, next_id++, &pp)) {
				r = bw_fail(c, "sending data");
				goto out;
			}
			inflight++;
		}
		if (!inflight)
			break;
		r = bw_recv(c, &h, &ack, sizeof(ack), IFREP_MSG_ACK, "waiting for acknowledgements");
		if (r)
			goto out;
		if (h.id != oldest) {
			r = fail("%s: acknowledgement for request %" PRIu64 ", expected %" PRIu64,
				 c->peer, h.id, oldest);
			goto out;
		}
		if (ifrep_get_be32(ack.status)) {
			r = fail("%s: the peer failed request %" PRIu64 ": %s", c->peer, h.id,
				 strerror((int)ifrep_get_be32(ack.status)));
			goto out;
		}
		oldest++;
		inflight--;
		res->bytes += BW_MSG_BYTES;
		last = now_s();
	}
	res->elapsed = last - start;
	r = 0;
out:
	free(payload);
	return r;
}

static void bw_print(const char *target, uint64_t secs, const struct bw_result *res,
		     bool json)
{
	double rate = res->elapsed > 0 ? (double)res->bytes / res->elapsed : 0;
	double avg = res->pings ? res->rtt_sum / res->pings : 0;
	struct json j;

	if (!json) {
		printf("%s: throughput %.1f MiB/s (%" PRIu64 " MiB in %.1f s), "
		       "rtt min/avg/max %.2f/%.2f/%.2f ms\n", target, rate / 1048576.0,
		       res->bytes >> 20, res->elapsed, res->rtt_min * 1e3, avg * 1e3,
		       res->rtt_max * 1e3);
		return;
	}
	json_init(&j, stdout);
	json_begin_object(&j, NULL);
	json_string(&j, "target", target);
	json_fixed3(&j, "seconds", (uint64_t)(res->elapsed * 1e3 + 0.5));
	json_u64(&j, "requested_seconds", secs);
	json_u64(&j, "bytes", res->bytes);
	json_u64(&j, "throughput_bytes_per_s", (uint64_t)(rate + 0.5));
	json_begin_object(&j, "rtt_ms");
	json_fixed3(&j, "min", (uint64_t)(res->rtt_min * 1e6 + 0.5));
	json_fixed3(&j, "avg", (uint64_t)(avg * 1e6 + 0.5));
	json_fixed3(&j, "max", (uint64_t)(res->rtt_max * 1e6 + 0.5));
	json_end_object(&j);
	json_end_object(&j);
	putchar('\n');
}

static int cmd_test_bandwidth(int argc, char **argv)
{
	const char *secret_file = NULL, *why, *reason;
	struct secret secret = { 0 };
	struct bw_result res = { 0 };
	bool insecure = false, json = false;
	struct ifrep_addr addr;
	struct ifrep_conn c = { .fd = -1 };
	uint64_t secs = 5;
	char *pos[1];
	int c_, r;

	reset_getopt();
	while ((c_ = next_opt(argc, argv, ":n:s:Ijhv", bandwidth_opts)) != -1) {
		switch (c_) {
		case 'n':
			if (ifrep_parse_duration(optarg, &secs, false, &why))
				return usage_error("--seconds %s: %s", optarg, why);
			if (secs > BW_MAX_SECONDS)
				return usage_error("--seconds %s: at most %d", optarg,
						   BW_MAX_SECONDS);
			break;
		case 's': secret_file = optarg; break;
		case 'I': insecure = true; break;
		case 'j': json = true; break;
		default:
			if (common_opt(c_, &r))
				return r;
		}
	}
	if ((r = positionals(argc, argv, 1, 1, pos, "HOST:PORT")))
		return r;
	if (ifrep_parse_addr(pos[0], &addr, &why))
		return usage_error("%s: %s", pos[0], why);
	if (addr.unspecified)
		return usage_error("%s: cannot test an unspecified address", pos[0]);
	if (!secret_file && !insecure)
		return usage_error("needs --secret-file FILE (or --insecure)");
	if (secret_file && insecure)
		return usage_error("--secret-file and --insecure exclude each other");
	if (secret_file && (r = load_secret(secret_file, &secret)))
		return r;

	r = ifrep_conn_open(&c, &addr, BW_CONNECT_MS);
	if (r) {
		r = fail("%s: %s", c.peer, c.why);
		goto out;
	}
	c.timeout_ms = BW_STEP_MS;
	info("connected to %s", c.peer);
	r = ifrep_client_handshake(&c, IFREP_HELLO_BWTEST, secret.set ? secret.buf : NULL,
				   secret.len, &reason);
	wipe_secret(&secret);
	if (r) {
		r = fail("%s: %s: %s", c.peer,
			 r == -EACCES ? "authentication failed" :
			 r == -EPROTONOSUPPORT ? "protocol version mismatch" :
			 "handshake failed", reason);
		goto out;
	}
	info("authenticated; the peer speaks protocol %u.%u", c.peer_major, c.peer_minor);
	if (!(c.features & IFREP_FEAT_BWTEST)) {
		r = fail("%s: the peer does not offer bandwidth tests", c.peer);
		goto out;
	}
	r = bw_ping(&c, &res);
	if (!r) {
		info("rtt measured; sending %u MiB messages for %" PRIu64 " s",
		     BW_MSG_BYTES >> 20, secs);
		r = bw_stream(&c, secs, &res);
	}
	if (!r)
		bw_print(c.peer, secs, &res, json);
out:
	wipe_secret(&secret);
	ifrep_conn_close(&c);
	return r;
}

#define VERIFY_POLL_NS 250000000L

static const struct option verify_opts[] = {
	{ "timeout", required_argument, NULL, 'T' },
	{ "no-wait", no_argument, NULL, 'N' },
	{ "stop", no_argument, NULL, 'X' },
	{ "json", no_argument, NULL, 'j' },
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

/* Sends "verify PAIR ACTION"; with @vs, parses the status reply into it. */
static int verify_message(const char *volume, const char *pair, const char *action,
			  struct ifrep_verify_status *vs)
{
	char msg[128], why[160], *reply = NULL;
	int r, n;

	n = snprintf(msg, sizeof(msg), "verify %s %s", pair, action);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return fail("pair name too long");
	info("message: %s", msg);
	r = ifrep_dm_message(volume, msg, false, vs ? &reply : NULL);
	if (r)
		return r;
	if (!vs)
		return 0;
	r = ifrep_parse_verify_status(reply, vs, why, sizeof(why));
	free(reply);
	if (r)
		return fail("unexpected reply to verify status: %s", why);
	return 0;
}

static void verify_print(const char *volume, const char *pair,
			 const struct ifrep_verify_status *vs, bool json)
{
	struct json j;

	if (json) {
		json_init(&j, stdout);
		json_begin_object(&j, NULL);
		json_string(&j, "volume", volume);
		json_string(&j, "pair", pair);
		json_string(&j, "result", vs->state == VERIFY_DONE ? "done" :
			    vs->state == VERIFY_STOPPED ? "stopped" : "running");
		json_u64(&j, "checked_chunks", vs->checked);
		json_u64(&j, "total_chunks", vs->total);
		json_u64(&j, "differing_chunks", vs->differing);
		if (vs->reason[0])
			json_string(&j, "reason", vs->reason);
		else
			json_null(&j, "reason");
		json_end_object(&j);
		putchar('\n');
		return;
	}
	if (vs->state == VERIFY_RUNNING)
		printf("%s: verify running: %" PRIu64 "/%" PRIu64 " chunks checked, %" PRIu64
		       " differing so far\n", pair, vs->checked, vs->total, vs->differing);
	else if (!vs->differing)
		printf("%s: %" PRIu64 " of %" PRIu64 " chunks checked, none differs"
		       " (dirty chunks are skipped: they are being copied anyway)\n",
		       pair, vs->checked, vs->total);
	else
		printf("%s: %" PRIu64 " of %" PRIu64 " chunks checked, %" PRIu64
		       " differed: marked dirty, they are copied again\n",
		       pair, vs->checked, vs->total, vs->differing);
}

static int cmd_verify(int argc, char **argv)
{
	const char *timeout = NULL, *why;
	bool json = false, no_wait = false, stop = false, tty = isatty(STDERR_FILENO);
	struct timespec poll = { 0, VERIFY_POLL_NS };
	const struct ifrep_status_pair *p;
	struct ifrep_verify_status vs;
	uint64_t timeout_s = 0;
	char *pos[2];
	struct vol v;
	double start;
	int c, r;

	reset_getopt();
	while ((c = next_opt(argc, argv, ":T:NXjhv", verify_opts)) != -1) {
		switch (c) {
		case 'T': timeout = optarg; break;
		case 'N': no_wait = true; break;
		case 'X': stop = true; break;
		case 'j': json = true; break;
		default:
			if (common_opt(c, &r))
				return r;
		}
	}
	if ((r = positionals(argc, argv, 2, 2, pos, "NAME and PAIR")))
		return r;
	if ((r = check_volume_name(pos[0])) || (r = check_pair_name(pos[1])))
		return r;
	if (timeout && ifrep_parse_duration(timeout, &timeout_s, false, &why))
		return usage_error("--timeout %s: %s", timeout, why);
	if (stop && (no_wait || timeout))
		return usage_error("--stop takes no --%s", no_wait ? "no-wait" : "timeout");
	if ((r = need_volume(pos[0], true, &v)))
		return r;
	if (v.st.role == ROLE_SECONDARY)
		return fail("%s is a secondary volume: verify runs on its primary", v.name);
	p = ifrep_status_find_pair(&v.st, pos[1]);
	if (!p)
		return fail("%s has no pair named %s", v.name, pos[1]);

	if (stop) {
		r = verify_message(v.name, p->name, "stop", NULL);
		if (r < 0)
			return explain_msg_error(MSG_VERIFY, &v, p->name, NULL, NULL, r);
		return r;
	}
	if (p->mode == MODE_COPY)
		return fail("pair %s is a copy: its target does not follow the source, there is nothing to verify",
			    p->name);
	if ((p->mode == MODE_SYNC && p->state != STATE_IN_SYNC && p->state != STATE_RESYNCING) ||
	    (p->mode == MODE_ASYNC && p->state != STATE_CONSISTENT))
		return fail("pair %s is %s: verify needs it %s", p->name, ifrep_state_name(p->state),
			    p->mode == MODE_SYNC ? "in-sync or resyncing" : "consistent");

	r = verify_message(v.name, p->name, "start", NULL);
	if (r < 0) {
		if (r == -EOPNOTSUPP)
			return fail("pair %s cannot be verified by this module", p->name);
		return explain_msg_error(MSG_VERIFY, &v, p->name, NULL, NULL, r);
	}
	if (r)
		return r;
	start = now_s();
	for (;;) {
		r = verify_message(v.name, p->name, "status", &vs);
		if (r < 0)
			return explain_msg_error(MSG_VERIFY, &v, p->name, NULL, NULL, r);
		if (r)
			return r;
		if (no_wait || vs.state != VERIFY_RUNNING)
			break;
		if (timeout && now_s() - start >= (double)timeout_s) {
			if (tty && !json)
				fputc('\n', stderr);
			return fail("verify of %s still running after %" PRIu64 " s (%" PRIu64 "/%" PRIu64
				    " chunks): it goes on; 'ifrepctl verify %s %s --stop' ends it",
				    p->name, timeout_s, vs.checked, vs.total, v.name, p->name);
		}
		if (tty && !json)
			fprintf(stderr, "\rverifying %s: %" PRIu64 "/%" PRIu64 " chunks (%u%%), %" PRIu64
				" differing ", p->name, vs.checked, vs.total,
				vs.total ? (unsigned int)(vs.checked * 100 / vs.total) : 100,
				vs.differing);
		nanosleep(&poll, NULL);
	}
	if (tty && !json && !no_wait)
		fputc('\n', stderr);
	if (vs.state == VERIFY_STOPPED) {
		if (json)
			verify_print(v.name, p->name, &vs, true);
		return fail("verify of %s stopped after %" PRIu64 " of %" PRIu64 " chunks: %s%s",
			    p->name, vs.checked, vs.total, vs.reason,
			    vs.differing ? " (the differing chunks it found are marked dirty)" : "");
	}
	verify_print(v.name, p->name, &vs, json);
	return 0;
}

/*----------------------------------------------------------------
 * Help and dispatch
 *--------------------------------------------------------------*/

static const struct cmd commands[] = {
	{ "create", cmd_create,
	  "create NAME --data DEV --meta DEV [--chunk-size SIZE] [--role primary|secondary]\n"
	  "                [--listen ADDR:PORT] [--secret-file FILE] [--journal DEV] [--force]",
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
	  "  --journal DEV         secondary: device on which async cycles are journaled,\n"
	  "                        so that each applies atomically and sync points are kept\n"
	  "                        (needed to receive an async pair; empty or a journal)\n"
	  "  --force               overwrite whatever META holds\n" },
	{ "activate", cmd_activate,
	  "activate (NAME --data DEV --meta DEV | --all | --udev DEV)",
	  "Re-create a volume and its pairs from the metadata on META (a secondary with\n"
	  "the journal device its metadata names, which must be present).  With --all,\n"
	  "scan every block device and activate each volume whose metadata is found, whose\n"
	  "recorded data device is present, and which is not active yet.  --udev DEV is\n"
	  "what the udev rule runs when DEV appears: it activates the volume whose\n"
	  "metadata DEV holds, or the volumes whose data or journal device DEV is, once\n"
	  "all their devices are there.\n" },
	{ "remove", cmd_remove,
	  "remove NAME",
	  "Remove /dev/mapper/NAME.  The metadata stays: 'activate' brings the volume and\n"
	  "its pairs back.  Removing a volume that does not exist succeeds.\n" },
	{ "pair add", cmd_pair_add,
	  "pair add NAME PAIR --to DEV|HOST:PORT --mode sync|async|copy\n"
	  "                [--interval SEC] [--timeout SEC] [--sync-points N] [--rate BYTES_PER_S]\n"
	  "                [--secret-file FILE | --insecure] [--journal DEV]",
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
	  "  --journal DEV         async to a local target: the device that makes each\n"
	  "                        cycle atomic (it saves what a cycle overwrites)\n" },
	{ "pair remove", cmd_pair_remove,
	  "pair remove NAME PAIR",
	  "Stop and forget the pair.  Removing a pair that does not exist succeeds.\n" },
	{ "pause", cmd_pause,
	  "pause NAME PAIR",
	  "Stop replicating to the pair; changes are tracked and resynced on resume.\n" },
	{ "resume", cmd_resume,
	  "resume NAME PAIR",
	  "Restart a paused, failed or disconnected pair: it resyncs its dirty chunks.\n" },
	{ "sync", cmd_sync,
	  "sync NAME [PAIR] [--freeze MOUNTPOINT] [--wait] [--timeout SEC]",
	  "Cut a cycle of the async pair PAIR (of every async pair of NAME) now: the\n"
	  "volume's content at this instant is shipped in the background and becomes the\n"
	  "secondary's next sync point.  Prints 'NAME/PAIR: cut at TIME' per pair cut.\n"
	  "Only consistent pairs can be cut (not during their initial copy); if one that\n"
	  "was asked for is not cut, the exit status is 1.\n"
	  "\n"
	  "  --freeze MOUNTPOINT   freeze the filesystem mounted there (FIFREEZE) while the\n"
	  "                        cut is made, then thaw it, so that the sync point is\n"
	  "                        application-consistent; waits for a moment between two\n"
	  "                        cycles first, so that the freeze is short\n"
	  "  --wait                wait until the secondary has committed every cut\n"
	  "                        (prints 'NAME/PAIR: committed'); exit 1 if a pair fails\n"
	  "  --timeout SEC         limit of --wait and of --freeze's wait (default 300)\n" },
	{ "sync-point list", cmd_sync_point_list,
	  "sync-point list NAME [--json]",
	  "List the sync points that the secondary NAME keeps in its journal, newest\n"
	  "first: the current image, then the images it can roll back to, each with the\n"
	  "time of its cut and the data a rollback to it rewrites.  The pair's\n"
	  "--sync-points on the primary says how many are kept.  --json prints\n"
	  "{\"sync_points\":[{\"id\",\"time\",\"rollback_bytes\",\"current\"}]}.\n" },
	{ "sync-point rollback", cmd_sync_point_rollback,
	  "sync-point rollback NAME ID",
	  "Make the secondary NAME hold the image of sync point ID again (after a bad\n"
	  "change reached it, before promoting it).  Refused while its primary is\n"
	  "connected: pause or remove the pair on the primary, or demote it, first.\n"
	  "The newer sync points are gone afterwards.\n" },
	{ "sync-point show", cmd_sync_point_show,
	  "sync-point show NAME ID [--as VIEW]",
	  "Expose sync point ID of the secondary NAME as the read-only device\n"
	  "/dev/mapper/NAME-spID (or VIEW), for inspection (fsck, mount -o ro,noload).\n"
	  "Chunks changed since the point are read from the journal, the others from\n"
	  "the data device: pause the pair on the primary while you use it.\n" },
	{ "sync-point hide", cmd_sync_point_hide,
	  "sync-point hide NAME ID [--as VIEW]",
	  "Remove the view that 'sync-point show' made.\n" },
	{ "wait", cmd_wait,
	  "wait NAME [PAIR] --state STATE [--timeout SEC]",
	  "Wait until PAIR (or every pair of NAME) is in STATE; exit 1 on timeout.\n"
	  "STATE is one of: initial-sync in-sync consistent resyncing retrying\n"
	  "disconnected paused split-brain done failed.\n" },
	{ "status", cmd_status,
	  "status [NAME] [--json] [--watch]",
	  "Show volumes and pairs.  --json prints one JSON object; --watch redraws every\n"
	  "second until interrupted (with --json: one object per line).\n" },
	{ "list", cmd_list,
	  "list",
	  "Print the names of the active dm-ifrep volumes, one per line.\n" },
	{ "promote", cmd_promote,
	  "promote NAME [--force]",
	  "Make the secondary NAME the primary (failover): it becomes read-write at once\n"
	  "and records its changes from then on, so that the old primary can later be\n"
	  "synced back by differences only.  Refused while its primary is connected, or\n"
	  "when it does not hold a complete image; --force overrides both.\n" },
	{ "demote", cmd_demote,
	  "demote NAME --listen ADDR:PORT (--secret-file FILE | --insecure) [--force]",
	  "Make the primary NAME a secondary: host writes are refused from now on, the\n"
	  "writes in flight finish and are flushed, its pairs are removed (what they had\n"
	  "not replicated is remembered), and it listens for its new primary.  Refused\n"
	  "while the device is open, unless --force (open writers then get I/O errors).\n" },
	{ "resolve", cmd_resolve,
	  "resolve NAME (--discard-local | PAIR --discard-remote)",
	  "Resolve a split brain (both sides wrote after they split).  On the secondary,\n"
	  "--discard-local lets its changes be overwritten; on the primary,\n"
	  "PAIR --discard-remote does the same for the peer of PAIR.  The pair then\n"
	  "resyncs the chunks changed on either side.\n" },
	{ "test-bandwidth", cmd_test_bandwidth,
	  "test-bandwidth HOST:PORT [--seconds N] [--secret-file FILE | --insecure] [--json]",
	  "Measure the link to a secondary volume listening on HOST:PORT: round-trip\n"
	  "time (10 pings), then throughput (1 MiB messages, 8 in flight) for N seconds.\n"
	  "The secondary reads and checks the data and throws it away: nothing is\n"
	  "written to its volume.  It must be reachable and accept our secret.\n"
	  "\n"
	  "  --seconds N           how long to send data, 1 to 300 (default 5)\n"
	  "  --secret-file FILE    the secondary's shared secret (required unless --insecure)\n"
	  "  --insecure            no authentication (the secondary must be insecure too)\n"
	  "  --json                one JSON object: target, seconds, bytes,\n"
	  "                        throughput_bytes_per_s, rtt_ms {min, avg, max}\n" },
	{ "verify", cmd_verify,
	  "verify NAME PAIR [--timeout SEC] [--no-wait] [--json] | verify NAME PAIR --stop",
	  "Compare the pair's target with the source chunk by chunk, by CRC-32C, while\n"
	  "the volume stays in use.  Chunks that differ are marked dirty, so the resync\n"
	  "(sync pairs) or the next cycle (async pairs) copies them again; dirty chunks\n"
	  "are skipped (they are on their way).  Runs in the kernel; this command shows\n"
	  "progress and waits for the result (Ctrl-C leaves the verify running).\n"
	  "The pair must be in-sync or resyncing (sync) or consistent (async).\n"
	  "  --timeout SEC         give up waiting (exit 1); the verify goes on\n"
	  "  --no-wait             start it and print its state at once\n"
	  "  --stop                end a running verify (what it found stays marked)\n"
	  "  --json                one JSON object: volume, pair, result, checked_chunks,\n"
	  "                        total_chunks, differing_chunks, reason\n" },
};

static const struct cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void print_usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: %s [-v] COMMAND [ARGS]\n\n", PROG);
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %s %s\n", PROG, commands[i].synopsis);
	fprintf(f, "\n  %s --help | --version | help COMMAND\n", PROG);
	fprintf(f, "\nExit status: 0 success, 1 refused or failed, 2 usage error.\n"
		   "See ifrepctl(8).\n");
}

static int print_help(const struct cmd *c)
{
	if (!c) {
		print_usage(stdout);
		return 0;
	}
	printf("Usage: %s %s\n\n%s", PROG, c->synopsis, c->help);
	printf("\nEvery command takes -v/--verbose and -h/--help.\n");
	return 0;
}

/* "pair add", "sync-point list" are two words: resolve argv[0] (and argv[1]). */
static const struct cmd *resolve(int argc, char **argv, int *used)
{
	char two[64];

	*used = 1;
	if (!strcmp(argv[0], "pair") || !strcmp(argv[0], "sync-point")) {
		if (argc < 2 || argv[1][0] == '-')
			return NULL;
		snprintf(two, sizeof(two), "%s %s", argv[0], argv[1]);
		*used = 2;
		return find_cmd(two);
	}
	return find_cmd(argv[0]);
}

int main(int argc, char **argv)
{
	const struct cmd *c;
	int i, used, rc;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			print_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("%s %s\n", PROG, IFREPCTL_VERSION);
			return 0;
		} else if (!strcmp(argv[i], "--verbose")) {
			verbose++;
		} else if (argv[i][1] == 'v' && strspn(argv[i] + 1, "v") == strlen(argv[i] + 1)) {
			verbose += (int)strlen(argv[i] + 1);	/* -v, -vv */
		} else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else {
			return usage_error("unknown option '%s'", argv[i]);
		}
	}
	if (i >= argc)
		return usage_error("missing command");

	if (!strcmp(argv[i], "help")) {
		if (i + 1 >= argc)
			return print_help(NULL);
		c = resolve(argc - i - 1, argv + i + 1, &used);
		if (!c)
			return usage_error("unknown command '%s'", argv[i + 1]);
		return print_help(c);
	}
	c = resolve(argc - i, argv + i, &used);
	if (!c) {
		if (!strcmp(argv[i], "pair"))
			return usage_error("pair: expected 'pair add' or 'pair remove'");
		if (!strcmp(argv[i], "sync-point"))
			return usage_error("sync-point: expected 'sync-point list', 'show', 'hide' or 'rollback'");
		return usage_error("unknown command '%s'", argv[i]);
	}
	cur_cmd = c->name;
	/* the command sees its name as argv[0], then its own arguments */
	rc = c->fn(argc - i - used + 1, argv + i + used - 1);
	if (dm_ready)
		ifrep_dm_cleanup();
	if (rc == 0)
		flush_warnings();
	fflush(stdout);
	return rc;
}
