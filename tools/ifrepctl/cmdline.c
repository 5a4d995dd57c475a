// SPDX-License-Identifier: GPL-2.0
/*
 * cmdline.c - the one parser of every ifrepctl command (see cmdline.h).
 *
 * getopt_long()'s tables are built from the command's option table, so the
 * spellings a command accepts (long names, their unique prefixes, -X) are
 * exactly what it declares, plus -h/--help and -v/--verbose last.
 */
#include "cmdline.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/*
 * getopt_long() with our error messages.  Returns the option, -1 at the
 * end, or OPT_ERROR after printing a usage error.
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

static const struct cli_option *find_option(const struct cli_command *c, int id)
{
	const struct cli_option *o;

	for (o = c->options; o && o->name; o++)
		if (o->id == id)
			return o;
	return NULL;
}

/*
 * getopt's view of @c: ":" first (a missing value is ':', not '?'), then
 * the command's options in table order, then help and verbose.
 */
static void build_getopt(const struct cli_command *c, char *shortopts,
			 struct option *longopts)
{
	const struct cli_option *o;
	size_t n = 0, s = 0;

	shortopts[s++] = ':';
	for (o = c->options; o && o->name && n < CLI_MAX_OPTIONS; o++, n++) {
		longopts[n] = (struct option){
			o->name, o->flags & CLI_VALUE ? required_argument : no_argument, NULL, o->id
		};
		if (o->flags & CLI_LONG_ONLY)
			continue;
		shortopts[s++] = (char)o->id;
		if (o->flags & CLI_VALUE)
			shortopts[s++] = ':';
	}
	memcpy(shortopts + s, "hv", 3);
	longopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[n++] = (struct option){ "verbose", no_argument, NULL, 'v' };
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };
}

int cli_positionals(const struct cli_args *a, unsigned int min, unsigned int max,
		    const char *names)
{
	if (a->nr_pos < min)
		return usage_error("missing %s", names);
	if (a->nr_pos > max)
		return usage_error("unexpected argument '%s'", a->pos[max]);
	return 0;
}

int cli_run(const struct cli_command *c, int argc, char **argv)
{
	char shortopts[2 * CLI_MAX_OPTIONS + 4];
	struct option longopts[CLI_MAX_OPTIONS + 3];
	const struct cli_option *o;
	struct cli_args a;
	int id, r;

	memset(&a, 0, sizeof(a));
	build_getopt(c, shortopts, longopts);
	optind = 0;	/* glibc: full re-initialisation */
	while ((id = next_opt(argc, argv, shortopts, longopts)) != -1) {
		if (id == OPT_ERROR)
			return EXIT_USAGE;
		if (id == 'h')
			return print_help(c);
		if (id == 'v') {
			verbose++;
			continue;
		}
		o = find_option(c, id);
		if (!o)
			return usage_error("unhandled option");
		if (o->parse && (r = o->parse(optarg, &a.value[id])))
			return r;
		a.arg[id] = optarg;
		a.given[id] = true;
	}
	a.pos = argv + optind;
	a.nr_pos = (unsigned int)(argc - optind);

	if (c->pos_names && (r = cli_positionals(&a, c->min_pos, c->max_pos, c->pos_names)))
		return r;
	if ((c->checks & CHECK_POS0_VOLUME) && a.nr_pos > 0 &&
	    (r = check_volume_name(a.pos[0])))
		return r;
	if ((c->checks & CHECK_POS1_PAIR) && a.nr_pos > 1 &&
	    (r = check_pair_name(a.pos[1])))
		return r;
	if (c->checks & CHECK_NEEDS_DM)
		need_dm();
	return c->handler(&a);
}

const char *cli_opt(const struct cli_args *a, int id)
{
	return a->arg[id];
}

bool cli_given(const struct cli_args *a, int id)
{
	return a->given[id];
}

uint64_t cli_value(const struct cli_args *a, int id)
{
	return a->value[id];
}

const char *cli_pos(const struct cli_args *a, unsigned int i)
{
	return i < a->nr_pos ? a->pos[i] : NULL;
}

int print_help(const struct cli_command *c)
{
	printf("Usage: %s %s\n\n%s", PROG, c->synopsis, c->help);
	printf("\nEvery command takes -v/--verbose and -h/--help.\n");
	return 0;
}
