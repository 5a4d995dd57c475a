/* SPDX-License-Identifier: GPL-2.0 */
/*
 * activation.h - what 'create' and 'activate' share: the devices of a
 * volume about to be made, the checks that they may be used, and the
 * loading of its table into the kernel.
 */
#ifndef IFREPCTL_ACTIVATION_H
#define IFREPCTL_ACTIVATION_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "meta.h"
#include "table.h"
#include "volume.h"

struct activation {
	const char *name;
	char data[PATH_MAX], meta[PATH_MAX];
	dev_t data_devt, meta_devt;
	char journal[PATH_MAX];			/* "" if none */
	dev_t journal_devt;
	uint64_t sectors;
	struct ifrep_table_args targs;		/* its devices are set by load_table() */
};

/*
 * Start @a for the volume @name over the devices given as --data and
 * --meta: block devices both, and not the same one.  0 or EXIT_FAILED
 * after printing.
 */
int activation_devices(struct activation *a, const char *name, const char *data,
		       const char *meta);

/*
 * @v (loaded) exists already: succeed if it is this volume, refuse otherwise.
 * Return: 0 same volume, EXIT_FAILED after printing.
 */
int check_existing(const struct vol *v, dev_t data_devt, dev_t meta_devt);

/* Devices must be free: not used by another volume, not held exclusively. */
int check_devices_free(const struct activation *a);
int check_journal_free(const struct activation *a);

/*
 * The journal device of a secondary: large enough for one chunk, and
 * either empty (the kernel formats it) or a journal for this chunk size.
 * @fresh_volume: the metadata is being formatted, so the sync points of
 * an existing journal would be of other data.
 */
int check_journal(const struct activation *a, uint32_t chunk_sectors, bool fresh_volume);

/*
 * The journal device recorded in a secondary's metadata, for activation:
 * a path, or "major:minor" if the table was loaded with one.  Return: 0
 * with a->journal set; -ENODEV (nothing printed) if it is not present.
 */
int recorded_journal(struct activation *a, const struct ifrep_meta *m);

/*
 * Create the device with the table of @a: its devices, and the other
 * arguments in @a->targs.  0 or EXIT_FAILED after printing.
 */
int load_table(const struct activation *a);

#endif /* IFREPCTL_ACTIVATION_H */
