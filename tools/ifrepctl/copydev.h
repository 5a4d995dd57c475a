/* SPDX-License-Identifier: GPL-2.0 */
/*
 * copydev.h - the copy device of a local copy pair: /dev/mapper/VOL-PAIR,
 * target "ifrep-copy" (docs/dm-ifrep.rst, "Copy device").  Its table is
 * "<volume> <pair> <target device path>"; dm UUID IFREP-COPY-VOL-PAIR.
 */
#ifndef IFREPCTL_COPYDEV_H
#define IFREPCTL_COPYDEV_H

#include <stddef.h>

#include "volume.h"

/** copydev_name() - "VOL-PAIR"; -ENAMETOOLONG if dm cannot carry it. */
int copydev_name(const char *vol, const char *pair, char *out, size_t len);

/**
 * copydev_exists() - is there an ifrep-copy device for that pair?
 * Return: 1 yes, 0 no (or the name is another target's device).
 */
int copydev_exists(const char *vol, const char *pair);

/**
 * copydev_create() - create the copy device of @pair (target @peer) of @v,
 * as long as the volume.  Return: 0, or EXIT_FAILED after printing.
 */
int copydev_create(const struct vol *v, const char *pair, const char *peer);

/**
 * copydev_remove() - remove the copy device of that pair if there is one.
 * Return: 0, or EXIT_FAILED after printing (it is in use).
 */
int copydev_remove(const char *vol, const char *pair);

/**
 * copydev_remove_all() - remove every copy device of volume @vol (the
 * ifrep-copy devices whose table names it).  Return: 0, or EXIT_FAILED
 * after printing (one is in use; the others are removed).
 */
int copydev_remove_all(const char *vol);

#endif /* IFREPCTL_COPYDEV_H */
