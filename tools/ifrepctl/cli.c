// SPDX-License-Identifier: GPL-2.0
/*
 * cli.c - the output discipline of ifrepctl's commands (see cli.h), the
 * device-mapper set-up and the checks and helpers several commands share.
 *
 * Every check that needs no kernel runs before the first device-mapper
 * call; the kernel's errno is then explained per command (see dmesg for
 * the target's own reason).
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "dm.h"
#include "util.h"

int verbose;
const char *cur_cmd = "";
bool dm_ready;
bool from_udev;
bool log_to_kmsg;

/*----------------------------------------------------------------
 * Reporting
 *--------------------------------------------------------------*/

/* kept until the command succeeds: a failure stays a single line */
#define MAX_WARNINGS 8
static char warnings[MAX_WARNINGS][320];
static unsigned int nr_warnings;

/* One line to the kernel log at @prio (a syslog level), or to syslog. */
static void kmsg_line(int prio, const char *msg)
{
	char line[1200];
	int fd, n;

	n = snprintf(line, sizeof(line), "<%d>%s: %s%s%s\n", LOG_DAEMON | prio, PROG,
		     *cur_cmd ? cur_cmd : "", *cur_cmd ? ": " : "", msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, line, (size_t)n) == n) {
			close(fd);
			return;
		}
		close(fd);
	}
	openlog(PROG, LOG_PID, LOG_DAEMON);
	syslog(prio, "%s%s%s", *cur_cmd ? cur_cmd : "", *cur_cmd ? ": " : "", msg);
	closelog();
}

static void vline_prio(int prio, const char *suffix, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (*cur_cmd)
		fprintf(stderr, "%s: %s: %s%s\n", PROG, cur_cmd, msg, suffix);
	else
		fprintf(stderr, "%s: %s%s\n", PROG, msg, suffix);
	if (log_to_kmsg && prio >= 0)
		kmsg_line(prio, msg);
}

static void vline(const char *suffix, const char *fmt, va_list ap)
{
	vline_prio(-1, suffix, fmt, ap);
}

int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline_prio(LOG_ERR, "", fmt, ap);
	va_end(ap);
	return EXIT_FAILED;
}

int usage_error(const char *fmt, ...)
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

void warn(const char *fmt, ...)
{
	va_list ap;

	if (nr_warnings == MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(warnings[nr_warnings++], sizeof(warnings[0]), fmt, ap);
	va_end(ap);
}

void flush_warnings(void)
{
	unsigned int i;

	for (i = 0; i < nr_warnings; i++) {
		fprintf(stderr, "%s: %s: warning: %s\n", PROG, cur_cmd, warnings[i]);
		if (log_to_kmsg)
			kmsg_line(LOG_WARNING, warnings[i]);
	}
}

void notice(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* automatic activation: on stderr too (the journal of its unit) */
	if (verbose || log_to_kmsg)
		fprintf(stderr, "%s: %s: %s\n", PROG, cur_cmd, msg);
	if (log_to_kmsg)
		kmsg_line(LOG_NOTICE, msg);
}

void info(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vline("", fmt, ap);
	va_end(ap);
}

const char *dm_strerror(int r)
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

void need_dm(void)
{
	if (!dm_ready) {
		ifrep_dm_setup(verbose, !from_udev);
		dm_ready = true;
	}
}

/*----------------------------------------------------------------
 * Argument checks
 *--------------------------------------------------------------*/

int check_volume_name(const char *name)
{
	const char *why;

	if (!ifrep_valid_volume_name(name, &why))
		return usage_error("volume name '%s': %s", name, why);
	return 0;
}

int check_pair_name(const char *name)
{
	const char *why;

	if (!ifrep_valid_pair_name(name, &why))
		return usage_error("pair name '%s': %s", name, why);
	return 0;
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int wait_dm_event(struct ifrep_dm_watch *w, double deadline)
{
	double left;
	int ms = -1;

	if (deadline > 0) {
		left = deadline - now_s();
		if (left <= 0)
			return 0;
		ms = left >= 86400.0 ? 86400 * 1000 : (int)(left * 1000.0) + 1;
	}
	return ifrep_dm_watch_wait(w, ms) == -EINTR ? -EINTR : 0;
}

/*----------------------------------------------------------------
 * --dry-run and the question on a terminal
 *--------------------------------------------------------------*/

/* A line of the answer: true for "y" or "yes" (any case, blanks around). */
static bool answer_yes(const char *line)
{
	char word[8];
	size_t n = 0;

	while (*line == ' ' || *line == '\t')
		line++;
	while (*line && *line != '\n' && *line != ' ' && *line != '\t' && n < sizeof(word) - 1)
		word[n++] = *line++;
	word[n] = '\0';
	while (*line == ' ' || *line == '\t' || *line == '\n' || *line == '\r')
		line++;
	return !*line && (!strcasecmp(word, "y") || !strcasecmp(word, "yes"));
}

int confirm(bool dry_run, bool yes, bool destructive, const char *plan, bool *go)
{
	char line[64] = "";

	*go = false;
	if (dry_run) {
		fputs(plan, stdout);
		printf("dry run: nothing changed\n");
		fflush(stdout);
		return 0;
	}
	if (!destructive || yes || !isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		*go = true;
		return 0;
	}
	fputs(plan, stdout);
	printf("Proceed? [y/N] ");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin) || !answer_yes(line)) {
		if (!strchr(line, '\n'))
			putchar('\n');
		return fail("not confirmed: nothing changed (--yes skips the question)");
	}
	*go = true;
	return 0;
}
