/* SPDX-License-Identifier: GPL-2.0 */
/*
 * plan.h - what 'ifrepctl apply' must do on this host to make one volume
 * match its section of a volume file, as a list of ifrepctl commands; and
 * the volume file 'ifrepctl dump' writes for what a host has.
 *
 * The plan is made from what the host has (the volume's metadata, and its
 * live table when it is active) before anything is done: a difference that
 * no command can make in place (another data device or chunk size, a
 * pair's target or mode, a role) refuses the whole plan, so a refused
 * apply changes nothing.  The steps are the commands an administrator
 * would type; apply runs them through the commands' own code, --dry-run
 * prints them.  Pure: the caller says how to compare devices.
 */
#ifndef IFREPCTL_PLAN_H
#define IFREPCTL_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "meta.h"
#include "outbuf.h"

#define IFREP_STEP_MAX_WORDS	40
/* create or activate, a listen secret, then per pair a remove, a set or an add */
#define IFREP_PLAN_MAX_STEPS	(2 + 2 * IFREP_MAX_PAIRS)

struct ifrep_step {
	const char *cmd;			/* "create", "activate", "pair add", ... */
	unsigned int argc;			/* argv[0] is the command's last word */
	char *argv[IFREP_STEP_MAX_WORDS + 1];
	char buf[2048];				/* the words */
	size_t used;
};

struct ifrep_plan {
	unsigned int nr;
	struct ifrep_step steps[IFREP_PLAN_MAX_STEPS];
};

/* What this host has of the volume. */
struct ifrep_have {
	bool active;				/* /dev/mapper/NAME is there */
	const struct ifrep_meta *m;		/* its metadata; NULL: the device is empty */
	/* active: the live table's devices ("major:minor" or paths) */
	const char *data, *meta, *journal;	/* journal "" if none */
	/* Do @a and @b (paths or "major:minor") name one block device? */
	bool (*same_dev)(const char *a, const char *b);
};

/**
 * ifrep_plan_volume() - the steps that make @h (the section of this host
 * in @v) true of what the host has (@have), into @p; none when it matches.
 * Return: 0, or -EPERM with @why (what differs and what the administrator
 * can do about it) when it cannot be done in place; -ENOSPC if a step does
 * not fit (a path too long for a command line).
 */
int ifrep_plan_volume(const struct ifrep_conf_volume *v, const struct ifrep_conf_host *h,
		      const struct ifrep_have *have, struct ifrep_plan *p,
		      char *why, size_t whylen);

/** ifrep_step_format() - "ifrepctl pair set v0 b --rate 2097152", quoted for a shell. */
void ifrep_step_format(const struct ifrep_step *s, struct outbuf *o);

/* What 'dump' knows of the devices besides the metadata. */
struct ifrep_dump_devs {
	const char *data;			/* the data device's path */
	const char *meta;			/* the metadata device's path */
	const char *journal;			/* a secondary's journal device's, "" if none */
};

/**
 * ifrep_dump_volume() - the volume file of volume @name on @host from its
 * metadata @m: every setting written out, so that applying it on this host
 * changes nothing.  A secret file the metadata does not record is a
 * comment the administrator must turn into a setting (apply refuses the
 * file until then).
 */
void ifrep_dump_volume(const char *name, const char *host, const struct ifrep_dump_devs *d,
		       const struct ifrep_meta *m, struct outbuf *o);

#endif /* IFREPCTL_PLAN_H */
