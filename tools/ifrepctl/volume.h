/* SPDX-License-Identifier: GPL-2.0 */
/*
 * volume.h - dm-ifrep volumes as the kernel reports them, the devices
 * they are made of, and what the kernel's refusal of a message to one
 * means.
 */
#ifndef IFREPCTL_VOLUME_H
#define IFREPCTL_VOLUME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dm.h"
#include "status.h"
#include "table.h"

struct vol {
	const char *name;
	struct ifrep_dm_info info;
	uint64_t sectors;			/* target length */
	struct ifrep_table table;
	dev_t meta_devt, data_devt;
	bool have_status;
	struct ifrep_status st;
};

/*
 * Read @name's table (and status if @with_status).  Return: 0; -ENXIO if
 * there is no such device (nothing printed); or EXIT_FAILED after printing.
 */
int load_volume(const char *name, bool with_status, struct vol *v);

/* load_volume() for commands on an existing volume: absence is an error. */
int need_volume(const char *name, bool with_status, struct vol *v);

/*
 * Another active ifrep volume using @devt as data, metadata or journal
 * device?  Returns its name in @who.
 */
bool devt_used_by_volume(dev_t devt, char *who, size_t len);

/*
 * A device argument: must be a block device; @out gets the path the
 * kernel will be given (as typed when absolute, so /dev/disk/by-id names
 * stay stable across boots; resolved otherwise).  0 or EXIT_FAILED.
 */
int device_arg(const char *what, const char *path, char *out, size_t len, dev_t *rdev);

enum msg_kind {
	MSG_PAIR_ADD,
	MSG_PAIR_SET,
	MSG_PAIR_REMOVE,
	MSG_PAUSE,
	MSG_RESUME,
	MSG_VERIFY,
};

/* One line explaining the kernel's errno for a message; returns 1. */
int explain_msg_error(enum msg_kind kind, const struct vol *v,
		      const char *pair, const char *peer, const char *mode, int r);

#endif /* IFREPCTL_VOLUME_H */
