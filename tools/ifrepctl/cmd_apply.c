// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_apply.c - apply (make this host match a volume file) and dump (the
 * volume file of a running volume).
 *
 * apply reads what the host has of each volume the file describes for it,
 * plans every volume before it changes any (plan.c refuses what cannot be
 * done in place), then runs the steps through the handlers of the commands
 * they name, as if typed: each step makes its own checks and is idempotent,
 * and a failure stops apply with that command's one error line.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "blkdev.h"
#include "cli.h"
#include "cmdline.h"
#include "commands.h"
#include "config.h"
#include "meta.h"
#include "outbuf.h"
#include "plan.h"
#include "util.h"
#include "volume.h"

#define OPT_HOST 'H'

static const struct cli_option apply_opts[] = {
	{ "dry-run", DRY_RUN_OPT, CLI_FLAG | CLI_LONG_ONLY, NULL },
	{ "host", OPT_HOST, CLI_VALUE | CLI_LONG_ONLY, NULL },
	{ NULL }
};

/* --host, else the node name (uname -n), the name an 'on' section gives. */
static int this_host(const struct cli_args *args, char *buf, size_t len)
{
	const char *h = cli_opt(args, OPT_HOST);
	struct utsname u;

	if (h) {
		if (!*h || strlen(h) >= IFREP_HOST_LEN || ifrep_has_space(h))
			return usage_error("--host %s: 1 to %d characters without blanks", h,
					   IFREP_HOST_LEN - 1);
		snprintf(buf, len, "%s", h);
		return 0;
	}
	if (uname(&u) || !u.nodename[0])
		return fail("this host has no node name (uname -n): give --host NAME");
	if (strlen(u.nodename) >= len)
		return fail("the node name %s is longer than %zu characters: give --host NAME",
			    u.nodename, len - 1);
	memcpy(buf, u.nodename, strlen(u.nodename) + 1);
	return 0;
}

/*----------------------------------------------------------------
 * Reading the file
 *--------------------------------------------------------------*/

static int read_conf(const char *file, struct ifrep_conf *c)
{
	char *text, why[512];
	unsigned int line;
	size_t n;
	FILE *f;
	int r;

	f = fopen(file, "re");
	if (!f)
		return fail("cannot read %s: %s", file, strerror(errno));
	text = malloc(IFREP_CONF_MAX_SIZE + 2);
	if (!text) {
		fclose(f);
		return fail("out of memory");
	}
	n = fread(text, 1, IFREP_CONF_MAX_SIZE + 1, f);
	r = ferror(f);
	fclose(f);
	if (r) {
		free(text);
		return fail("cannot read %s", file);
	}
	text[n] = '\0';
	if (n > IFREP_CONF_MAX_SIZE || strlen(text) != n) {
		free(text);
		return usage_error("%s: %s", file, n > IFREP_CONF_MAX_SIZE ?
				   "larger than 256 KiB" : "holds a NUL byte: not a volume file");
	}
	r = ifrep_conf_parse(text, c, &line, why, sizeof(why));
	free(text);
	if (r)
		return usage_error("%s:%u: %s", file, line, why);
	return 0;
}

/*
 * The records keep a secret file's real path (secret.c): compare the
 * file's the same way, where it resolves (where it does not, the step
 * that reads it says so).
 */
static void real_secret_paths(struct ifrep_conf_host *h)
{
	char real[PATH_MAX];
	unsigned int i;

	if (h->secret_file[0] && realpath(h->secret_file, real) && strlen(real) < IFREP_PATH_LEN)
		snprintf(h->secret_file, sizeof(h->secret_file), "%s", real);
	for (i = 0; i < h->nr_pairs; i++) {
		struct ifrep_conf_pair *p = &h->pairs[i];

		if (p->secret_file[0] && realpath(p->secret_file, real) &&
		    strlen(real) < IFREP_PATH_LEN)
			snprintf(p->secret_file, sizeof(p->secret_file), "%s", real);
	}
}

/*----------------------------------------------------------------
 * What the host has
 *--------------------------------------------------------------*/

/* Paths and "major:minor" tokens name the same device; unresolved ones compare as text. */
static bool same_dev(const char *a, const char *b)
{
	dev_t da, db;

	if (!ifrep_blkdev_token_devt(a, &da) && !ifrep_blkdev_token_devt(b, &db))
		return da == db;
	return !strcmp(a, b);
}

struct host_state {
	struct vol vol;
	struct ifrep_meta m;
	struct ifrep_have have;
};

static int read_have(const struct ifrep_conf_volume *cv, const struct ifrep_conf_host *h,
		     struct host_state *s)
{
	char path[PATH_MAX], why[512];
	int r, kind;

	memset(&s->have, 0, sizeof(s->have));
	s->have.same_dev = same_dev;
	r = load_volume(cv->name, false, &s->vol);
	if (r && r != -ENXIO)
		return r;
	s->have.active = !r;
	if (s->have.active) {
		ifrep_blkdev_name(s->vol.meta_devt, path, sizeof(path));
		s->have.data = s->vol.table.data_dev;
		s->have.meta = s->vol.table.meta_dev;
		s->have.journal = s->vol.table.journal;
	} else {
		snprintf(path, sizeof(path), "%s", h->meta);
		if (ifrep_blkdev_check(h->data, NULL, why, sizeof(why)) ||
		    ifrep_blkdev_check(h->meta, NULL, why, sizeof(why)))
			return fail("volume %s: %s", cv->name, why);
	}
	kind = ifrep_meta_read(path, &s->m, why, sizeof(why));
	if (kind < 0)
		return fail("volume %s: %s", cv->name, why);
	switch (kind) {
	case META_VALID:
		s->have.m = &s->m;
		return 0;
	case META_FRESH:
		if (s->have.active)
			break;
		return 0;
	case META_NEWER:
		return fail("volume %s: %s holds dm-ifrep metadata of a newer format (%s): upgrade ifrepctl",
			    cv->name, path, why);
	case META_DAMAGED:
		return fail("volume %s: %s holds damaged dm-ifrep metadata (%s): apply never overwrites metadata (look, then 'ifrepctl create --force' if it is to go)",
			    cv->name, path, why);
	default:
		return fail("volume %s: %s holds data that is not dm-ifrep metadata: apply never overwrites it (look, then 'ifrepctl create --force' if it is to go)",
			    cv->name, path);
	}
	return fail("volume %s is active, but its metadata on %s cannot be read", cv->name, path);
}

/*----------------------------------------------------------------
 * apply
 *--------------------------------------------------------------*/

static const struct cli_command *step_command(const char *cmd)
{
	static const struct cli_command *const known[] = {
		&command_create, &command_activate, &command_pair_add,
		&command_pair_set, &command_pair_remove,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(known); i++)
		if (!strcmp(known[i]->name, cmd))
			return known[i];
	return NULL;
}

static void print_step(const struct ifrep_step *s)
{
	char line[4096];
	struct outbuf o;

	outbuf_init(&o, line, sizeof(line));
	ifrep_step_format(s, &o);
	printf("%s\n", line);
}

/* Run one step as its command; its failure is its own error line. */
static int run_step(struct ifrep_step *s)
{
	const struct cli_command *c = step_command(s->cmd);
	static char where[64];
	int r;

	if (!c)
		return fail("no command '%s'", s->cmd);
	print_step(s);
	fflush(stdout);
	snprintf(where, sizeof(where), "apply: %s", s->cmd);
	cur_cmd = where;
	r = cli_run(c, (int)s->argc, s->argv);
	cur_cmd = "apply";
	return r;
}

struct volume_plan {
	const struct ifrep_conf_volume *v;
	struct ifrep_plan plan;
};

static int cmd_apply(const struct cli_args *args)
{
	const char *file = args->pos[0];
	bool dry_run = cli_given(args, DRY_RUN_OPT);
	struct ifrep_conf *c;
	struct volume_plan *vp = NULL;
	struct host_state *hs = NULL;
	char host[IFREP_HOST_LEN], why[1024], hosts[256];
	unsigned int i, j, nr = 0, steps = 0;
	struct outbuf o;
	int r;

	if ((r = this_host(args, host, sizeof(host))))
		return r;
	c = calloc(1, sizeof(*c));
	vp = calloc(IFREP_CONF_MAX_VOLUMES, sizeof(*vp));
	hs = calloc(1, sizeof(*hs));
	if (!c || !vp || !hs) {
		r = fail("out of memory");
		goto out;
	}
	if ((r = read_conf(file, c)))
		goto out;

	/* Every volume is planned before any changes: a refusal changes nothing. */
	for (i = 0; i < c->nr_volumes; i++) {
		struct ifrep_conf_host *h = (struct ifrep_conf_host *)
			ifrep_conf_host(&c->volumes[i], host);

		if (!h)
			continue;
		real_secret_paths(h);
		need_dm();
		if ((r = read_have(&c->volumes[i], h, hs)))
			goto out;
		vp[nr].v = &c->volumes[i];
		r = ifrep_plan_volume(&c->volumes[i], h, &hs->have, &vp[nr].plan, why, sizeof(why));
		if (r) {
			r = fail("%s", why);
			goto out;
		}
		steps += vp[nr].plan.nr;
		nr++;
	}
	if (!nr) {
		outbuf_init(&o, hosts, sizeof(hosts));
		for (i = 0; i < c->nr_volumes; i++)
			for (j = 0; j < c->volumes[i].nr_hosts; j++)
				outbuf_printf(&o, "%s%s", o.pos ? ", " : "", c->volumes[i].hosts[j].name);
		r = fail("%s describes no volume on host %s (its hosts: %s; --host NAME chooses another section)",
			 file, host, hosts);
		goto out;
	}

	for (i = 0; i < nr; i++) {
		if (!vp[i].plan.nr) {
			printf("%s: nothing to do\n", vp[i].v->name);
			continue;
		}
		for (j = 0; j < vp[i].plan.nr; j++) {
			if (dry_run) {
				print_step(&vp[i].plan.steps[j]);
				continue;
			}
			if ((r = run_step(&vp[i].plan.steps[j])))
				goto out;
		}
	}
	if (dry_run)
		printf("dry run: nothing changed\n");
	else if (steps)
		info("%u step%s done", steps, steps == 1 ? "" : "s");
	r = 0;
out:
	free(hs);
	free(vp);
	free(c);
	return r;
}

const struct cli_command command_apply = {
	.name = "apply",
	.options = apply_opts,
	.min_pos = 1, .max_pos = 1, .pos_names = "FILE",
	.handler = cmd_apply,
	.synopsis = "apply FILE [--host HOST] [--dry-run]",
	.help =
		"Make this host match its sections of the volume file FILE (see VOLUME FILES in\n"
		"ifrepctl(8)): create a volume whose metadata device is empty, activate one whose\n"
		"metadata is there, and add, change (pair set) or remove pairs so that they are\n"
		"those of the file.  Each step is printed as the ifrepctl command it is, then\n"
		"run; the first that fails stops apply.  A host that matches is left alone:\n"
		"apply prints 'NAME: nothing to do'.\n"
		"\n"
		"What cannot change in place (a volume's devices, chunk size, role, listen\n"
		"address or journal; a pair's target, mode, journal, granule or security) is\n"
		"refused before anything is done, with what to do instead.  Metadata is never\n"
		"overwritten and roles never change: promote and demote stay explicit.\n"
		"\n"
		"  --host HOST           use the 'on HOST' sections (default: uname -n)\n"
		"  --dry-run             print the steps; change nothing\n",
};

/*----------------------------------------------------------------
 * dump
 *--------------------------------------------------------------*/

static const struct cli_option dump_opts[] = {
	{ "host", OPT_HOST, CLI_VALUE | CLI_LONG_ONLY, NULL },
	{ NULL }
};

/* The recorded path when it names @devt still (a stable name), else the kernel's. */
static void device_path(const char *recorded, dev_t devt, char *buf, size_t len)
{
	if (recorded[0] == '/' && ifrep_blkdev_same(recorded, devt))
		snprintf(buf, len, "%s", recorded);
	else
		ifrep_blkdev_name(devt, buf, len);
}

static int cmd_dump(const struct cli_args *args)
{
	char host[IFREP_HOST_LEN], meta[PATH_MAX], data[PATH_MAX], journal[PATH_MAX];
	char why[512], *text;
	struct ifrep_dump_devs d = { data, meta, journal };
	struct ifrep_meta m;
	struct outbuf o;
	struct vol v;
	dev_t jdevt;
	int r;

	if ((r = this_host(args, host, sizeof(host))))
		return r;
	if ((r = need_volume(args->pos[0], false, &v)))
		return r;
	ifrep_blkdev_name(v.meta_devt, meta, sizeof(meta));
	if (ifrep_meta_read(meta, &m, why, sizeof(why)) != META_VALID)
		return fail("cannot read the metadata of %s on %s%s%s", v.name, meta,
			    why[0] ? ": " : "", why);
	device_path(m.data_path, v.data_devt, data, sizeof(data));
	journal[0] = '\0';
	if (v.table.journal[0] && !ifrep_blkdev_token_devt(v.table.journal, &jdevt))
		device_path(m.journal_path, jdevt, journal, sizeof(journal));

	text = malloc(IFREP_CONF_MAX_SIZE);
	if (!text)
		return fail("out of memory");
	outbuf_init(&o, text, IFREP_CONF_MAX_SIZE);
	outbuf_printf(&o, "# ifrepctl dump %s on %s: what this host has of the volume.\n"
		      "# Every host's section of a volume belongs in one file, the same on each host.\n",
		      v.name, host);
	ifrep_dump_volume(v.name, host, &d, &m, &o);
	fputs(text, stdout);
	free(text);
	return 0;
}

const struct cli_command command_dump = {
	.name = "dump",
	.options = dump_opts,
	.min_pos = 1, .max_pos = 1, .pos_names = "NAME",
	.checks = CHECK_POS0_VOLUME | CHECK_NEEDS_DM,
	.handler = cmd_dump,
	.synopsis = "dump NAME [--host HOST]",
	.help =
		"Print the volume file (see VOLUME FILES in ifrepctl(8)) of the active volume\n"
		"NAME as this host has it: its devices, role, chunk size, listen address, and\n"
		"its pairs with every setting.  'ifrepctl apply' of it on this host finds\n"
		"nothing to do.  A secondary knows nothing of its primary: its dump is its own\n"
		"section, to be joined with the primary's in one file.  A secret file the\n"
		"metadata does not record is written as a comment to fill in.\n"
		"\n"
		"  --host HOST           the name of the 'on' section (default: uname -n)\n",
};
