// SPDX-License-Identifier: GPL-2.0
/*
 * ifrepctl.c - main() of ifrepctl, the administrator's tool for dm-ifrep
 * volumes: global options, finding the command (some are two words, like
 * 'pair add'), and the overall usage.
 *
 * What a command accepts and does is declared beside its handler in the
 * cmd_*.c file of its family; cmdline.c parses every command the same way.
 * The exit statuses and the one-line error rule are in cli.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ifrep_journal.h"
#include "ifrep_meta.h"
#include "ifrep_target.h"

#include "cli.h"
#include "cmdline.h"
#include "commands.h"
#include "dm.h"
#include "util.h"

#ifndef IFREPCTL_VERSION
#define IFREPCTL_VERSION "0.1"
#endif

/* In the order of the usage. */
static const struct cli_command *const commands[] = {
	&command_create,
	&command_activate,
	&command_remove,
	&command_resize,
	&command_apply,
	&command_dump,
	&command_pair_add,
	&command_pair_set,
	&command_pair_remove,
	&command_pause,
	&command_resume,
	&command_sync,
	&command_sync_point_list,
	&command_sync_point_rollback,
	&command_sync_point_show,
	&command_sync_point_hide,
	&command_wait,
	&command_status,
	&command_events,
	&command_list,
	&command_promote,
	&command_demote,
	&command_resolve,
	&command_test_bandwidth,
	&command_verify,
};

static const struct cli_command *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

/* The limits the module enforces (docs/ifrepctl.md, LIMITS), from the shared headers. */
static void print_limits(FILE *f)
{
	fprintf(f, "\nLimits (see LIMITS in ifrepctl(8)):\n"
		"  pairs per volume      %d, any mix of sync, async and copy, local and remote\n"
		"  pair target           not a dm-ifrep volume, nor a volume's data, metadata or\n"
		"                        journal device, nor a device stacked on one (no cascading)\n"
		"  chunk size            a power of two, %uK to %uG (default %uM)\n"
		"  volume size           at most 2^32 - 1 chunks (%lluP at the default chunk size)\n"
		"  growth (resize)       what the metadata's bitmap areas hold: the size at\n"
		"                        creation rounded up to a multiple of %u chunks\n"
		"                        (at least %lluG at the default chunk size)\n"
		"  --sync-points         %d per pair; a journal keeps %d\n"
		"  --interval            at most %dd\n"
		"  --timeout             at most %dd (default %ds)\n"
		"  names                 volume 1 to %d characters, pair 1 to %d\n",
		IFREP_MAX_PAIRS,
		IFREP_MIN_CHUNK_SECTORS / 2, IFREP_MAX_CHUNK_SECTORS / (2 * 1024 * 1024),
		IFREP_DEFAULT_CHUNK_SECTORS / (2 * 1024),
		(IFREP_MAX_CHUNKS + 1) * IFREP_DEFAULT_CHUNK_SECTORS >> 41,
		IFREP_BITS_PER_BITMAP_BLOCK,
		(unsigned long long)IFREP_BITS_PER_BITMAP_BLOCK * IFREP_DEFAULT_CHUNK_SECTORS >> 21,
		IFREP_MAX_SYNC_POINTS,
		IFREP_JOURNAL_MAX_CYCLES + 1, IFREP_MAX_INTERVAL_S / 86400,
		IFREP_MAX_TIMEOUT_S / 86400, IFREP_DEFAULT_TIMEOUT_S,
		IFREP_VOLUME_NAME_MAX, IFREP_NAME_LEN - 1);
}

static int print_usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: %s [-v] COMMAND [ARGS]\n\n", PROG);
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %s %s\n", PROG, commands[i]->synopsis);
	fprintf(f, "\n  %s --help | --version | help COMMAND\n", PROG);
	print_limits(f);
	fprintf(f, "\nExit status: 0 success, 1 refused or failed, 2 usage error.\n"
		   "See ifrepctl(8).\n");
	return 0;
}

/* Where the kernel shows a loaded module's MODULE_VERSION. */
#define MODULE_SYSFS "/sys/module/dm_ifrep"

/*
 * --version: ifrepctl's own, then the loaded module's.  The target version
 * comes from device-mapper's list of targets (root only: every dm ioctl
 * needs CAP_SYS_ADMIN), the module version from sysfs (anyone).  Whatever
 * cannot be read is left out; exit 0 either way.
 */
static int print_version(void)
{
	char modver[64] = "", word[32] = "";
	uint32_t version[3];
	bool loaded;
	FILE *f;
	int r = -EACCES;

	printf("%s %s\n", PROG, IFREPCTL_VERSION);
	f = fopen(MODULE_SYSFS "/version", "re");
	if (f) {
		if (fscanf(f, "%31s", word) == 1)
			snprintf(modver, sizeof(modver), "%s", word);
		fclose(f);
	}
	loaded = !access(MODULE_SYSFS, F_OK);
	if (!access("/dev/mapper/control", R_OK | W_OK)) {
		need_dm();
		r = ifrep_dm_target_version(IFREP_TARGET_NAME, version);
		ifrep_dm_cleanup();
		dm_ready = false;
	}
	if (!r) {
		printf("dm-ifrep module: target %s %u.%u.%u", IFREP_TARGET_NAME,
		       version[0], version[1], version[2]);
		if (modver[0])
			printf(", module version %s", modver);
		printf("\n");
	} else if (modver[0]) {
		printf("dm-ifrep module: module version %s%s\n", modver,
		       r == -ENOENT ? "" : " (target version: root only)");
	} else if (loaded && r != -ENOENT) {
		printf("dm-ifrep module: loaded (target version: root only)\n");
	} else {
		printf("dm-ifrep module: not loaded\n");
	}
	return 0;
}

/* "pair add", "sync-point list" are two words: resolve argv[0] (and argv[1]). */
static const struct cli_command *resolve(int argc, char **argv, int *used)
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
	const struct cli_command *c;
	int i, used, rc;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			print_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			return print_version();
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
			return print_usage(stdout);
		c = resolve(argc - i - 1, argv + i + 1, &used);
		if (!c)
			return usage_error("unknown command '%s'", argv[i + 1]);
		return print_help(c);
	}
	c = resolve(argc - i, argv + i, &used);
	if (!c) {
		if (!strcmp(argv[i], "pair"))
			return usage_error("pair: expected 'pair add', 'pair set' or 'pair remove'");
		if (!strcmp(argv[i], "sync-point"))
			return usage_error("sync-point: expected 'sync-point list', 'show', 'hide' or 'rollback'");
		return usage_error("unknown command '%s'", argv[i]);
	}
	cur_cmd = c->name;
	/* the command sees its name as argv[0], then its own arguments */
	rc = cli_run(c, argc - i - used + 1, argv + i + used - 1);
	if (dm_ready)
		ifrep_dm_cleanup();
	if (rc == 0)
		flush_warnings();
	fflush(stdout);
	return rc;
}
