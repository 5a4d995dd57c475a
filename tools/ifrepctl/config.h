/* SPDX-License-Identifier: GPL-2.0 */
/*
 * config.h - the volume description file of 'ifrepctl apply' and 'dump'
 * (docs/ifrepctl.md, "VOLUME FILES"): the same file on every host, naming
 * each volume's hosts, their devices and the pairs of its primary.
 *
 *   volume NAME {
 *       on HOST {
 *           data DEV
 *           meta DEV
 *           role primary|secondary
 *           [chunk-size SIZE] [hot-chunks N]                  (primary)
 *           [listen ADDR:PORT] [secret-file FILE] [insecure]  (secondary)
 *           [journal DEV]                                     (secondary)
 *           pair PAIR {                                       (primary)
 *               to DEV|ADDR:PORT
 *               mode sync|async|copy
 *               [interval SEC] [timeout SEC] [sync-points N] [rate BYTES_PER_S]
 *               [granule SIZE] [resync checksum|full] [journal DEV]
 *               [secret-file FILE] [integrity-only] [insecure] [no-device]
 *           }
 *       }
 *   }
 *
 * One statement a line: a key and at most one value, or a block opener
 * ending in '{', or a lone '}'.  '#' starts a comment (at the start of a
 * word).  Values hold no blanks and are never quoted.  A setting left out
 * means what create and pair add do without it: the file describes the
 * whole state, so dropping "rate 10M" sets the rate back to unlimited.
 *
 * This module only parses and checks the file against itself; plan.c
 * compares it with what a host has.  Pure: no I/O besides the text given.
 */
#ifndef IFREPCTL_CONFIG_H
#define IFREPCTL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ifrep_meta.h"
#include "ifrep_target.h"

#define IFREP_CONF_MAX_VOLUMES	8
#define IFREP_CONF_MAX_HOSTS	4	/* 'on' sections of one volume */
#define IFREP_CONF_MAX_SIZE	(256 * 1024)	/* bytes of a file */

struct ifrep_conf_pair {
	unsigned int line;			/* of its 'pair' line */
	char name[IFREP_NAME_LEN];
	char to[IFREP_PEER_LEN];		/* a device path, or ADDR:PORT normalised */
	bool remote;
	enum ifrep_disk_mode mode;
	/* left out: the default of pair add (has_* says whether it was given) */
	bool has_interval, has_timeout, has_sync_points, has_rate, has_granule;
	uint64_t interval_s, timeout_s, sync_points, rate, granule_bytes;
	uint32_t resync;			/* IFREP_PAIR_RESYNC_*: DEFAULT if left out */
	char journal[IFREP_PATH_LEN];		/* local async: its journal device */
	char secret_file[IFREP_PATH_LEN];	/* remote: "" with insecure */
	bool insecure, integrity_only, no_device;
};

struct ifrep_conf_host {
	unsigned int line;			/* of its 'on' line */
	char name[IFREP_HOST_LEN];
	char data[IFREP_PATH_LEN];
	char meta[IFREP_PATH_LEN];
	enum ifrep_disk_role role;
	uint64_t chunk_bytes;			/* the default 8 MiB if left out */
	bool has_chunk_size;
	uint32_t hot_chunks;			/* 0: left out (the module's default) */
	char listen[IFREP_ADDR_LEN];		/* "" if none; normalised */
	char secret_file[IFREP_PATH_LEN];	/* the listener's; "" if none */
	bool insecure;
	char journal[IFREP_PATH_LEN];		/* "" if none */
	unsigned int nr_pairs;
	struct ifrep_conf_pair pairs[IFREP_MAX_PAIRS];
};

struct ifrep_conf_volume {
	unsigned int line;
	char name[IFREP_VOLUME_NAME_LEN];
	unsigned int nr_hosts;
	struct ifrep_conf_host hosts[IFREP_CONF_MAX_HOSTS];
};

struct ifrep_conf {
	unsigned int nr_volumes;
	struct ifrep_conf_volume volumes[IFREP_CONF_MAX_VOLUMES];
};

/**
 * ifrep_conf_parse() - parse and check the text of a volume file.
 * @line: on error, the line the problem is on (the block's own line for
 * what is missing from it).
 * Return: 0, or -EINVAL with @why (one sentence, without the line).
 */
int ifrep_conf_parse(const char *text, struct ifrep_conf *c, unsigned int *line,
		     char *why, size_t whylen);

/** ifrep_conf_host() - the 'on @host' section of @v, or NULL. */
const struct ifrep_conf_host *ifrep_conf_host(const struct ifrep_conf_volume *v,
					      const char *host);

/** ifrep_conf_pair() - the pair named @name of @h, or NULL. */
const struct ifrep_conf_pair *ifrep_conf_pair(const struct ifrep_conf_host *h,
					      const char *name);

#endif /* IFREPCTL_CONFIG_H */
