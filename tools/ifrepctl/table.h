/* SPDX-License-Identifier: GPL-2.0 */
/*
 * table.h - dm-ifrep constructor lines (docs/dm-ifrep.rst, "Constructor"):
 *
 *   ifrep <metadata dev> <data dev> <#opt args> [format] [role R]
 *         [chunk_sectors N] [listen ADDR:PORT] [insecure] [journal DEV]
 *         [home_host HOST] [hot_chunks N]
 *
 * ifrep_table_params() builds the part after the target type (what
 * libdevmapper takes as "params"); ifrep_table_parse() reads back what the
 * kernel reports as the live table.
 */
#ifndef IFREPCTL_TABLE_H
#define IFREPCTL_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IFREP_TARGET_NAME "ifrep"

struct ifrep_table_args {
	const char *meta_dev;
	const char *data_dev;
	bool format;			/* overwrite whatever META holds */
	const char *role;		/* "primary"/"secondary", NULL = leave out */
	uint32_t chunk_sectors;		/* 0 = leave out */
	const char *listen;		/* ADDR:PORT, NULL = leave out */
	bool insecure;			/* with listen: accept primaries without a secret */
	const char *journal;		/* secondary: journal device, NULL = leave out */
	const char *home_host;		/* host identity to record, NULL = leave out
					 * (target version 1.2 and later) */
	uint32_t hot_chunks;		/* 0 = leave out (target 1.5 and later) */
};

/**
 * ifrep_table_params() - "<meta> <data> <#opt> <opt>..." into @buf.
 * Return: 0; -EINVAL if a device path is empty or holds blanks;
 * -ENAMETOOLONG if @buf is too small.
 */
int ifrep_table_params(const struct ifrep_table_args *a, char *buf, size_t len);

/** ifrep_table_line() - "0 <sectors> ifrep <params>", as dmsetup takes it. */
int ifrep_table_line(uint64_t sectors, const char *params, char *buf, size_t len);

struct ifrep_table {
	char meta_dev[128];		/* as reported: usually "major:minor" */
	char data_dev[128];
	char listen[64];		/* "" if none */
	bool format;
	char role[16];			/* "" if none */
	uint32_t chunk_sectors;		/* 0 if none */
	char journal[128];		/* as reported: usually "major:minor"; "" if none */
};

/**
 * ifrep_table_parse() - the kernel's table params of an ifrep target.
 * Unknown optional arguments are skipped (a newer kernel may add some).
 * Return: 0 or -EINVAL with @why.
 */
int ifrep_table_parse(const char *params, struct ifrep_table *t, char *why, size_t whylen);

#endif /* IFREPCTL_TABLE_H */
