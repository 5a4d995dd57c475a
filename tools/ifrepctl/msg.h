/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msg.h - dm-ifrep target messages (docs/dm-ifrep.rst, "Messages"):
 *
 *   pair_add <name> <sync|async|copy> <peer> [timeout=S] [rate=B]
 *            [interval=S] [sync_points=N] [granule_sectors=N]
 *            [resync=checksum|full] [secret_file=PATH] [insecure]
 *            [integrity-only] [journal=PATH]
 *   pair_set <name> [rate B] [timeout S] [interval S] [sync_points N]
 *            [resync checksum|full]           (target 1.7)
 *   pair_remove <name>
 *   pause <name>
 *   resume <name>
 *   secret <name|-> <hex>       ('-' is the volume's listen socket)
 *   sync [<name>]               (primary: cut async cycles now)
 *   sync_points                 (secondary with a journal)
 *   rollback <id>               (secondary with a journal)
 *   verify <name> [start|status|stop]
 *
 * and the parsers of the replies that carry text (the dm message result):
 *
 *   sync         "<pair> <cut unix time>\n" per async pair cut
 *   sync_points  "<id> <cut unix time> <bytes to roll back>\n" per sync
 *                point, the current image first (0 bytes)
 *   verify status  "<idle|running|done|stopped> <checked> <total>
 *                <differing> <started unix time> <reason|->"
 */
#ifndef IFREPCTL_MSG_H
#define IFREPCTL_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

/*
 * How a sync pair resyncs (pair_add resync=, target 1.5) is one of the
 * record's IFREP_PAIR_RESYNC_* (ifrep_meta.h): DEFAULT (no key: checksum for
 * a remote sync pair, else full), FULL or CHECKSUM.
 */

/** ifrep_resync_name() - "checksum", "full", or NULL for DEFAULT (and others). */
const char *ifrep_resync_name(uint32_t resync_mode);

/** ifrep_resync_parse() - IFREP_PAIR_RESYNC_CHECKSUM or _FULL for the word, or -1. */
int ifrep_resync_parse(const char *s);

struct ifrep_pair_opts {
	const char *name;
	enum ifrep_disk_mode mode;
	const char *peer;		/* absolute device path or ADDR:PORT */
	bool remote;
	bool has_timeout, has_rate, has_interval, has_sync_points, has_granule;
	uint64_t timeout_s, rate, interval_s, sync_points;
	uint64_t granule_sectors;	/* async/copy: snapshot store granule */
	uint32_t resync;		/* sync: IFREP_PAIR_RESYNC_*, DEFAULT = no key */
	const char *secret_file;	/* absolute path or NULL */
	bool insecure;
	bool integrity_only;		/* remote: authenticate, do not encrypt */
	const char *journal;		/* local async: journal device path, or NULL */
};

/**
 * ifrep_msg_pair_add() - the pair_add message for @o.  Keys are written
 * only when set.  Return: 0, -EINVAL for a word with blanks or an unknown
 * resync value, or -ENAMETOOLONG.
 */
int ifrep_msg_pair_add(const struct ifrep_pair_opts *o, char *buf, size_t len);

/**
 * ifrep_msg_pair_set() - the pair_set message for the settings of @o that
 * are set (has_*, and resync unless DEFAULT), in that order; @o->name is
 * the pair.  Return: 0, -EINVAL for a bad name, no setting at all or an
 * unknown resync value, or -ENAMETOOLONG.
 */
int ifrep_msg_pair_set(const struct ifrep_pair_opts *o, char *buf, size_t len);

/** ifrep_msg_simple() - "<verb> <pair>" (pair_remove, pause, resume). */
int ifrep_msg_simple(const char *verb, const char *pair, char *buf, size_t len);

/**
 * ifrep_msg_secret() - "secret <pair|-> <hex> [<file>]"; @pair NULL means
 * '-'; @file (absolute, may be NULL) is remembered in the metadata so that
 * activation finds the secret again.
 * @buf needs 2 * @n + 48 bytes.
 */
int ifrep_msg_secret(const char *pair, const uint8_t *secret, size_t n,
		     const char *file, char *buf, size_t len);

/* Most lines a reply may have: sync points are 48 journal records + 1. */
#define IFREP_MAX_SYNC_POINT_LINES	64

struct ifrep_sync_cut {
	char pair[IFREP_NAME_LEN];
	int64_t cut;			/* unix time of the cut */
};

/**
 * ifrep_parse_sync_reply() - the reply to "sync [<pair>]" into @cuts
 * (@max entries).  An empty reply (no pair could be cut) is valid: *@n = 0.
 * Return: 0, or -EINVAL with @why (a malformed line, a bad pair name, a
 * pair twice, more than @max lines).
 */
int ifrep_parse_sync_reply(const char *text, struct ifrep_sync_cut *cuts,
			   unsigned int max, unsigned int *n, char *why, size_t whylen);

struct ifrep_sync_point {
	uint64_t id;			/* what "rollback" takes */
	int64_t time;			/* unix time of its cut; 0 if unknown */
	uint64_t rollback_bytes;	/* data rewritten to go back to it */
	bool current;			/* the image the volume holds now */
};

/**
 * ifrep_parse_sync_points() - the reply to "sync_points" into @pts (@max
 * entries), newest first; the first line is the current image.
 * Return: 0, or -EINVAL with @why (no line at all, a malformed line, a
 * current image with bytes to roll back, more than @max lines).
 */
int ifrep_parse_sync_points(const char *text, struct ifrep_sync_point *pts,
			    unsigned int max, unsigned int *n, char *why, size_t whylen);

struct ifrep_verify_status {
	enum ifrep_verify_state state;
	uint64_t checked;		/* chunks compared, or skipped as dirty */
	uint64_t total;
	uint64_t differing;		/* marked dirty by the verify */
	int64_t started;		/* unix time; 0 if it never ran */
	char reason[64];		/* why it stopped; "" otherwise */
};

/**
 * ifrep_parse_verify_status() - the reply to "verify <pair> status".
 * Return: 0, or -EINVAL with @why (not exactly one line of 6 fields, an
 * unknown state, counts that do not add up, a stopped run without reason).
 */
int ifrep_parse_verify_status(const char *text, struct ifrep_verify_status *vs,
			      char *why, size_t whylen);

#define IFREP_NO_SLOT UINT64_MAX

/**
 * ifrep_parse_sync_point_map() - the reply to "sync_point_map ID": lines
 * "<chunk> <journal sector>".  Fills @slot_of (@nchunks entries) with the
 * journal sector holding each chunk's content at that point, IFREP_NO_SLOT
 * for chunks read from the data device.
 * Return: 0, or -EINVAL with @why (malformed line, chunk outside the volume
 * or listed twice).
 */
int ifrep_parse_sync_point_map(const char *text, uint64_t nchunks, uint64_t *slot_of,
			       char *why, size_t whylen);

#endif /* IFREPCTL_MSG_H */
