/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blkdev.h - block devices as ifrepctl sees them: checking a path, its
 * size, reading its first blocks, naming a major:minor, scanning the
 * system's block devices.  No device-mapper calls here (see dm.h).
 *
 * Functions that can fail return 0 or a negative errno and fill @why with
 * a complete clause that names the path ("/dev/x is not a block device").
 */
#ifndef IFREPCTL_BLKDEV_H
#define IFREPCTL_BLKDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/**
 * ifrep_blkdev_check() - @path must exist and be a block device.
 * @rdev: its device number (may be NULL).
 */
int ifrep_blkdev_check(const char *path, dev_t *rdev, char *why, size_t whylen);

/** ifrep_blkdev_size() - size in bytes (BLKGETSIZE64). */
int ifrep_blkdev_size(const char *path, uint64_t *bytes, char *why, size_t whylen);

/**
 * ifrep_blkdev_read_head() - read the first @len bytes (a multiple of
 * 4096) with O_DIRECT, falling back to a buffered read where O_DIRECT is
 * not supported.  A device shorter than @len is an error.
 */
int ifrep_blkdev_read_head(const char *path, void *buf, size_t len,
			   char *why, size_t whylen);

/**
 * ifrep_blkdev_busy() - true if the device is held exclusively (mounted, or
 * a device-mapper table, md array ... uses it): an O_EXCL open fails.
 */
bool ifrep_blkdev_busy(const char *path);

/**
 * ifrep_blkdev_parse_devt() - "253:4" into a dev_t.  Return: 0 or -EINVAL.
 */
int ifrep_blkdev_parse_devt(const char *s, dev_t *out);

/**
 * ifrep_blkdev_token_devt() - a table token ("M:m" or a path) into a dev_t.
 */
int ifrep_blkdev_token_devt(const char *tok, dev_t *out);

/**
 * ifrep_blkdev_name() - a readable name for @devt: "/dev/mapper/NAME" for a
 * device-mapper device, "/dev/DEVNAME" from sysfs, else "M:m".
 */
void ifrep_blkdev_name(dev_t devt, char *buf, size_t len);

/** ifrep_blkdev_token_name() - ifrep_blkdev_name() of a table token. */
void ifrep_blkdev_token_name(const char *tok, char *buf, size_t len);

/**
 * ifrep_blkdev_same() - true if @path is the block device @devt.
 */
bool ifrep_blkdev_same(const char *path, dev_t devt);

/**
 * ifrep_blkdev_dm_info() - for a device-mapper device: whether it is
 * suspended and its dm UUID ("" if none).  Return: false if @devt is not a
 * device-mapper device.
 */
bool ifrep_blkdev_dm_info(dev_t devt, bool *suspended, char *uuid, size_t len);

/**
 * ifrep_blkdev_scan() - call @fn for every block device in /proc/partitions
 * with at least @min_bytes, with its /dev path (devices without a node are
 * skipped).  Stops early when @fn returns non-zero and returns that value.
 */
int ifrep_blkdev_scan(uint64_t min_bytes,
		      int (*fn)(const char *path, dev_t devt, void *arg), void *arg);

/** ifrep_blkdev_dm_name() - the device-mapper name of @devt; false if it is no dm device. */
bool ifrep_blkdev_dm_name(dev_t devt, char *name, size_t len);

/**
 * ifrep_blkdev_related() - the devices @devt is stacked on (@dir "slaves")
 * or that are stacked on it (@dir "holders"), as sysfs links them.
 * Return: how many were put in @out (at most @max), or -errno.
 */
int ifrep_blkdev_related(dev_t devt, const char *dir, dev_t *out, size_t max);

#endif /* IFREPCTL_BLKDEV_H */
