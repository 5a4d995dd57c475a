/* SPDX-License-Identifier: GPL-2.0 */
/*
 * events.h - what `ifrepctl events` prints: the difference between two
 * readings of the volumes' status lines, one line per change.
 *
 *   exists|create|change|destroy volume name:V [role:R health:H image:I upstream:U]
 *   exists|create|change|destroy pair name:V pair:P [mode:M peer:X state:S reason:W]
 *   sync-point pair name:V pair:P time:T          (an async cycle committed)
 *   verify pair name:V pair:P state:S checked:C total:N differing:D
 *   exists -                                      (the end of the initial state)
 *
 * exists and create lines carry every field that applies, change lines only
 * the ones that changed (a state change carries the reason too), destroy
 * lines none.  With JSON each line is one object ("kind", "object",
 * "volume", "pair" and the same fields, "time" always).  The format is
 * documented in docs/ifrepctl.md ("events").
 *
 * Pure: no device-mapper here; cmd_status.c reads the status lines.
 */
#ifndef IFREPCTL_EVENTS_H
#define IFREPCTL_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "status.h"

struct ifrep_events_volume {
	char name[128];
	struct ifrep_status st;
};

/* One reading: the volumes by name, sorted. */
struct ifrep_events_view {
	struct ifrep_events_volume *vols;
	size_t n;
};

struct ifrep_events_out {
	FILE *f;
	bool json;
	const char *time;	/* ISO 8601; human lines start with it when not NULL */
};

/**
 * ifrep_events_exists() - one "exists" line per volume and pair of @now,
 * then the "exists -" line.
 */
void ifrep_events_exists(const struct ifrep_events_out *out, const struct ifrep_events_view *now);

/**
 * ifrep_events_diff() - the lines that take @before to @now.
 * Return: how many lines were printed.
 */
unsigned int ifrep_events_diff(const struct ifrep_events_out *out,
			       const struct ifrep_events_view *before,
			       const struct ifrep_events_view *now);

#endif /* IFREPCTL_EVENTS_H */
