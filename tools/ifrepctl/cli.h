/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cli.h - what every ifrepctl command shares: the state of the one command
 * being run, its output discipline and the argument checks that several
 * commands make.
 *
 * Contract (docs/ifrepctl.md, /work/shared/docs/interface.md):
 *   exit 0   success (including "already so": commands are idempotent)
 *   exit 1   refused or failed, with exactly one line on stderr:
 *            "ifrepctl: <command>: <cause>"
 *   exit 2   usage error, one line with a hint to --help
 * Warnings are printed only when the command succeeds, so a failure is
 * always a single line: commands report through fail(), usage_error(),
 * warn() and info() and never print to stderr themselves.
 */
#ifndef IFREPCTL_CLI_H
#define IFREPCTL_CLI_H

#include <stdbool.h>

#define PROG "ifrepctl"

enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,
	EXIT_USAGE = 2,
};

extern int verbose;			/* -v given this many times */
extern const char *cur_cmd;		/* "create", "pair add", ...; "" before one is known */
extern bool dm_ready;			/* need_dm() ran: clean up at exit */
extern bool from_udev;			/* activate --udev: never wait for udev */
extern bool log_to_kmsg;		/* automatic activation: errors and warnings go
					 * to the kernel log (/dev/kmsg, else syslog)
					 * too, where boot and udev leave a trace */

/* The single error line of a refused or failed command; returns 1. */
__attribute__((format(printf, 1, 2)))
int fail(const char *fmt, ...);

/* A usage error with a hint; returns 2. */
__attribute__((format(printf, 1, 2)))
int usage_error(const char *fmt, ...);

/* A warning, printed when (and only if) the command succeeds. */
__attribute__((format(printf, 1, 2)))
void warn(const char *fmt, ...);

void flush_warnings(void);

/* What automatic activation did: stderr and the kernel log (log_to_kmsg), or -v. */
__attribute__((format(printf, 1, 2)))
void notice(const char *fmt, ...);

/* Progress for -v. */
__attribute__((format(printf, 1, 2)))
void info(const char *fmt, ...);

/* A device-mapper call's negative errno, explained. */
const char *dm_strerror(int r);

/* Set libdevmapper up (once) before the first device-mapper call. */
void need_dm(void);

/* 0, or a usage error (2) naming what is wrong with the name. */
int check_volume_name(const char *name);
int check_pair_name(const char *name);

/*
 * Destructive commands (create --force, sync-point rollback, promote
 * --force, resolve) take --dry-run and --yes.  Each builds the plan of what
 * it is about to do from the same checks as the real run, one or more lines
 * each ending in a newline, and calls confirm() as its last step before it
 * acts; *@go says whether to go on:
 *   --dry-run        prints the plan, then "dry run: nothing changed";
 *                    *@go = false, returns 0 (the command exits 0)
 *   a terminal       (stdin and stdout both), @destructive and no --yes:
 *                    prints the plan and asks "Proceed? [y/N]"; "y" or
 *                    "yes" go on, anything else (EOF too) fails: exit 1
 *   otherwise        prints nothing; *@go = true, returns 0
 * @destructive is false when the plan loses nothing (the matching metadata
 * is used, --force overrides nothing): then there is no question.
 */
#define DRY_RUN_OPT 'n'		/* --dry-run: option ids of the commands that take them */
#define YES_OPT 'y'		/* --yes, -y */
int confirm(bool dry_run, bool yes, bool destructive, const char *plan, bool *go);

/* Monotonic seconds, for timeouts. */
double now_s(void);

struct ifrep_dm_watch;

/*
 * Wait loops: until a device-mapper event says what the loop reads may have
 * changed (armed before it read), or until @deadline (a now_s() time; 0:
 * none).  Return: -EINTR on a signal, else 0.
 */
int wait_dm_event(struct ifrep_dm_watch *w, double deadline);

#endif /* IFREPCTL_CLI_H */
