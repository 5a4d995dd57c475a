/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm.h - ifrepctl's only door to device-mapper (libdevmapper).
 *
 * Every function returns 0 or a negative errno: the ioctl's errno when the
 * kernel refused, -EIO when libdevmapper failed without one.  libdm's own
 * log messages go to stderr only in verbose mode; callers print the one
 * error line.
 *
 * Devices created here carry the dm UUID IFREP_UUID_PREFIX + name.
 */
#ifndef IFREPCTL_DM_H
#define IFREPCTL_DM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IFREP_UUID_PREFIX "IFREP-"

/**
 * ifrep_dm_setup() - route libdm logging, choose udev synchronisation
 * (off when udev is not running, DM_DISABLE_UDEV is set, or !@udev_sync:
 * a program run by a udev rule must not wait for udev).
 * @verbose: 0 quiet, 1 libdm errors and warnings, 2+ everything.
 */
void ifrep_dm_setup(int verbose, bool udev_sync);

/** ifrep_dm_cleanup() - finish pending /dev node work, release libdm. */
void ifrep_dm_cleanup(void);

struct ifrep_dm_info {
	bool exists;
	bool suspended;
	uint32_t major, minor;
	int32_t open_count;
	uint32_t event_nr;
	char uuid[130];
};

/** ifrep_dm_info() - does @name exist, and its state. */
int ifrep_dm_info(const char *name, struct ifrep_dm_info *info);

struct ifrep_dm_target {
	unsigned int count;		/* targets in the table */
	uint64_t start, length;		/* of the first target */
	char type[32];
	char *params;			/* malloc()ed; ifrep_dm_target_free() */
};

/**
 * ifrep_dm_get() - the live table (@status false) or status (@status
 * true) of @name's first target.  Return: -ENXIO if @name does not exist.
 */
int ifrep_dm_get(const char *name, bool status, struct ifrep_dm_target *t);
void ifrep_dm_target_free(struct ifrep_dm_target *t);

/**
 * ifrep_dm_create() - create @name with one target and resume it; the
 * device is removed again if the table load or resume fails.
 */
int ifrep_dm_create(const char *name, const char *uuid, uint64_t sectors,
		    const char *type, const char *params);
struct ifrep_dm_segment {
	uint64_t start;
	uint64_t len;
	const char *type;
	const char *params;
};

/**
 * ifrep_dm_create_readonly() - create @name read-only with the @n segments
 * of @segs and resume it; removed again if that fails.
 */
int ifrep_dm_create_readonly(const char *name, const char *uuid, size_t n,
			     const struct ifrep_dm_segment *segs);
int ifrep_dm_reload(const char *name, uint64_t sectors, const char *type,
		    const char *params);
int ifrep_dm_suspend(const char *name);
int ifrep_dm_resume(const char *name);
int ifrep_dm_remove(const char *name);

/**
 * ifrep_dm_message() - send @msg to sector 0 of @name.
 * @secure: wipe the ioctl buffer afterwards (secrets).
 * @response: if not NULL, a malloc()ed copy of the target's reply ("" if none).
 */
int ifrep_dm_message(const char *name, const char *msg, bool secure, char **response);

/**
 * ifrep_dm_list() - names of all devices whose table is a single target of
 * @type, sorted.  Free with ifrep_dm_list_free().
 */
int ifrep_dm_list(const char *type, char ***names, size_t *n);
void ifrep_dm_list_free(char **names, size_t n);

/**
 * ifrep_dm_target_version() - is target @type registered in the kernel?
 * Return: 0 with @version filled, -ENOENT if not loaded.
 */
int ifrep_dm_target_version(const char *type, uint32_t version[3]);

/*
 * Waiting for device-mapper events: a table event of any device (a dm-ifrep
 * volume raises one on each change `ifrepctl events` reports, see
 * docs/dm-ifrep.rst "Events"), or a device created, loaded, resumed,
 * removed or renamed.  The kernel counts them globally; the control
 * device's poll() reports one once the count moved past the value armed.
 * Arm before reading the state a wait is about: an event between the
 * reading and the wait then ends the wait at once instead of being lost.
 */
struct ifrep_dm_watch {
	int fd;			/* /dev/mapper/control, or -1: sleep instead */
};

/**
 * ifrep_dm_watch_open() - start watching.  On a kernel without the
 * control device's poll (before 4.13) ifrep_dm_watch_wait() sleeps for at
 * most IFREP_DM_WATCH_FALLBACK_MS instead and says an event may have come.
 * Return: 0, or a negative errno if the control device cannot be opened
 * (the watch then sleeps like on an old kernel).
 */
int ifrep_dm_watch_open(struct ifrep_dm_watch *w);
#define IFREP_DM_WATCH_FALLBACK_MS 200

/** ifrep_dm_watch_arm() - events from now on end the next wait. */
void ifrep_dm_watch_arm(struct ifrep_dm_watch *w);

/**
 * ifrep_dm_watch_wait() - wait for an event since the last arm, at most
 * @timeout_ms (-1: no limit).  Return: 1 on an event (or when it cannot
 * tell), 0 on timeout, -EINTR when a signal came.
 */
int ifrep_dm_watch_wait(struct ifrep_dm_watch *w, int timeout_ms);

void ifrep_dm_watch_close(struct ifrep_dm_watch *w);

#endif /* IFREPCTL_DM_H */
