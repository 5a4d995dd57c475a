/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cmdline.h - the declarative description of an ifrepctl command and the
 * one parser that runs all of them.
 *
 * A command says what it accepts (options, how many positionals, which
 * positionals are names to check) and cli_run() does the prologue every
 * command used to repeat: getopt_long() over its options plus -h/--help and
 * -v/--verbose, the positional count, the name checks.  The handler is then
 * called with the result and only does what is particular to it.
 *
 * Options are checked as getopt meets them only where a parser is given
 * (cli_option.parse); everything else is checked by the handler, after the
 * whole command line was read.  That order decides which error a command
 * line with several mistakes gets, so it is part of the interface.
 */
#ifndef IFREPCTL_CMDLINE_H
#define IFREPCTL_CMDLINE_H

#include <stdbool.h>
#include <stdint.h>

#define CLI_OPT_IDS	128	/* option ids are ASCII letters */
#define CLI_MAX_OPTIONS	16	/* options of one command, -h and -v aside */

/* cli_option.flags */
enum {
	CLI_FLAG = 0,			/* takes no value */
	CLI_VALUE = 1 << 0,		/* takes a value: --name VALUE, --name=VALUE, -X VALUE */
	CLI_LONG_ONLY = 1 << 1,		/* there is no short form -X */
};

/* One option of a command; a table of them ends with { NULL }. */
struct cli_option {
	const char *name;		/* --name */
	int id;				/* getopt's value, also the short form -id */
	unsigned int flags;		/* CLI_* */
	/*
	 * NULL, or called for each occurrence as it is met: returns 0 (and
	 * may leave a parsed value in *value), or an exit status after
	 * printing the error.
	 */
	int (*parse)(const char *arg, uint64_t *value);
};

/* What cli_run() found on the command line. */
struct cli_args {
	const char *arg[CLI_OPT_IDS];	/* by option id: its last value */
	bool given[CLI_OPT_IDS];	/* by option id: it was given */
	uint64_t value[CLI_OPT_IDS];	/* by option id: what its parser made of it */
	char **pos;			/* the positionals, in order */
	unsigned int nr_pos;
};

/* cli_command.checks, made in this order after the positional count */
enum {
	CHECK_POS0_VOLUME = 1 << 0,	/* positional 0, if given, is a volume name */
	CHECK_POS1_PAIR = 1 << 1,	/* positional 1, if given, is a pair name */
	CHECK_NEEDS_DM = 1 << 2,	/* need_dm() then: the handler's first act is a
					 * device-mapper call (others call need_dm()
					 * when they get there) */
};

struct cli_command {
	const char *name;		/* "create", "pair add" */
	const struct cli_option *options;	/* NULL: only -h and -v */
	unsigned int min_pos, max_pos;
	const char *pos_names;		/* "NAME and PAIR", for "missing ...";
					 * NULL: the handler counts them itself */
	unsigned int checks;		/* CHECK_* */
	int (*handler)(const struct cli_args *a);
	const char *synopsis;		/* after "ifrepctl " in the usage */
	const char *help;		/* the rest of 'help COMMAND' */
};

/* Parse @argv (argv[0] is the command's name) and run @c's handler. */
int cli_run(const struct cli_command *c, int argc, char **argv);

/* Usage error unless there are @min to @max positionals ("missing @names"). */
int cli_positionals(const struct cli_args *a, unsigned int min, unsigned int max,
		    const char *names);

/* An option's last value, or NULL when it was not given. */
const char *cli_opt(const struct cli_args *a, int id);

/* Was the option (a flag, or one with a value) given? */
bool cli_given(const struct cli_args *a, int id);

/* What the option's parser made of its last value (0 when not given). */
uint64_t cli_value(const struct cli_args *a, int id);

/* Positional @i, or NULL when there are fewer. */
const char *cli_pos(const struct cli_args *a, unsigned int i);

/* 'help COMMAND' and COMMAND --help; returns 0. */
int print_help(const struct cli_command *c);

#endif /* IFREPCTL_CMDLINE_H */
