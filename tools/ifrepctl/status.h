/* SPDX-License-Identifier: GPL-2.0 */
/*
 * status.h - the dm-ifrep status line (docs/dm-ifrep.rst, "Status") as a
 * typed struct.
 *
 *   <role> <health> <chunk sectors> <total chunks> <generation> <meta writes>
 *   <listen> <upstream> <#pairs> [<pair> ...]
 *   <pair> = <name> <mode> <peer> <state> <dirty chunks> <bytes sent>
 *            <rate> <last sync point> <rpo> <reason> <cycle>
 *            <cow fallbacks> <snapshot store used bytes>
 *            <resync skipped bytes> <verify>
 *
 * <last sync point> is the unix time of an async pair's last committed cut,
 * <rpo> the seconds since then, <cycle> "<shipped>/<total>" chunks of the
 * async cycle running now; <cow fallbacks> the chunks host writes waited
 * for to cross the link (snapshot store full) since activation, <snapshot
 * store used bytes> what the running cycle holds in the store now, <resync
 * skipped bytes> what a sync pair's checksum resync did not send because
 * the target held it already, since activation; <verify>
 * "<state>:<checked>/<total>:<differing>:<rate>" of the pair's last online
 * verify (running, stopped or done; after an activation, the one its
 * metadata records): chunks, and the bytes of the volume it checks per
 * second (0 unless running).  Each is '-' when it does not apply.
 *
 * Parsing is strict: a wrong field count, an unknown keyword or a number
 * that is not one makes the whole line invalid.  Lines of older modules
 * are accepted too: pairs of 14 fields (target 1.5, no <verify>), of 13
 * (target 1.3 .. 1.4, no <resync skipped bytes>), of 11 (target 1.0 ..
 * 1.2, no snapshot store) or of 10
 * (before the async mirror, no <cycle>); the pair count
 * says which layout the line has.  The single word "Fail"
 * (device-mapper's convention for a target that cannot report) is accepted
 * as health "fail" with every other field unknown.
 */
#ifndef IFREPCTL_STATUS_H
#define IFREPCTL_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ifrep_target.h"

/* A secondary's data: a whole image to promote from, or not yet. */
enum ifrep_image {
	IMAGE_NONE,		/* '-': a primary (its data is the source) */
	IMAGE_CONSISTENT,
	IMAGE_INCONSISTENT,
};

struct ifrep_status_pair {
	char name[IFREP_NAME_LEN];
	enum ifrep_disk_mode mode;
	char peer[IFREP_PEER_LEN];
	enum ifrep_pair_state state;
	uint64_t dirty_chunks;
	uint64_t bytes_sent;
	uint64_t rate;			/* bytes/s */
	bool has_last_sync;
	int64_t last_sync;		/* unix time */
	bool has_rpo;
	uint64_t rpo;			/* seconds */
	char reason[64];		/* "" when '-' */
	bool has_cycle;			/* an async cycle is running */
	uint64_t cycle_shipped;		/* chunks of it shipped */
	uint64_t cycle_total;		/* chunks it ships */
	bool has_snapshot;		/* an async or copy pair of a 1.3+ module */
	uint64_t cow_fallbacks;		/* chunks writes waited for to cross the link */
	uint64_t snapshot_store_used;	/* bytes of the snapshot store it holds */
	bool has_resync_skipped;	/* a sync pair of a 1.5+ module */
	uint64_t resync_skipped;	/* bytes a checksum resync did not send */
	bool has_verify;		/* a verify ran, or is recorded (1.6+ module) */
	enum ifrep_verify_state verify_state;	/* running, done or stopped */
	uint64_t verify_checked;	/* chunks: the next one a stopped run resumes at */
	uint64_t verify_total;
	uint64_t verify_differing;	/* found and marked dirty */
	uint64_t verify_rate;		/* bytes of the volume checked per second */
};

struct ifrep_status {
	bool whole_fail;		/* the line was just "Fail" */
	enum ifrep_disk_role role;	/* IFREP_ROLE_*; 0 until parsed */
	enum ifrep_health health;
	uint32_t chunk_sectors;
	uint64_t total_chunks;
	uint64_t generation;
	uint64_t meta_writes;
	char listen[IFREP_ADDR_LEN];	/* "" when '-' */
	char upstream[32];		/* "" when '-' */
	enum ifrep_image image;
	unsigned int nr_pairs;
	struct ifrep_status_pair pairs[IFREP_MAX_PAIRS];
};

/**
 * ifrep_status_parse() - parse the target's status params (the part after
 * "<start> <length> ifrep").
 * Return: 0, or -EINVAL with @why describing the first problem.
 */
int ifrep_status_parse(const char *line, struct ifrep_status *st,
		       char *why, size_t whylen);

/** ifrep_status_find_pair() - the pair named @name, or NULL. */
const struct ifrep_status_pair *
ifrep_status_find_pair(const struct ifrep_status *st, const char *name);

/**
 * ifrep_sync_point_pair() - which journal the sync-point commands address
 * on volume @vol (status @st).  A secondary: its own (@pair must be NULL),
 * *@out = NULL.  A primary: the async pair to a local target named @pair,
 * or its only such pair when @pair is NULL, in *@out.
 * Return: 0, or -EINVAL with @why, one sentence for the administrator (a
 * pair on a secondary, no such pair, a pair that is not async or replicates
 * to a remote secondary, none or several to choose from).
 */
int ifrep_sync_point_pair(const struct ifrep_status *st, const char *vol, const char *pair,
			  const struct ifrep_status_pair **out, char *why, size_t whylen);

enum ifrep_cut_progress {
	CUT_PENDING,		/* the cycle of the cut is still on its way */
	CUT_COMMITTED,		/* the secondary holds the cut (or a later one) */
	CUT_FAILED,		/* the pair failed: see its reason */
};

/**
 * ifrep_cut_progress() - where the cut made at unix time @cut (the reply to
 * a "sync" message) is, seen in the pair's status @p.  Committed when the
 * last sync point is later than @cut, or equal to it with no cycle running
 * (a failed cycle returns its chunks to the next one, which cuts later).
 */
enum ifrep_cut_progress ifrep_cut_progress(const struct ifrep_status_pair *p, int64_t cut);

/*
 * Names of roles, health, modes and states: ifrep_role_name() and the
 * others of ifrep_target.h, shared with the kernel.
 */

/** ifrep_image_name() - "consistent", "inconsistent", or NULL for IMAGE_NONE. */
const char *ifrep_image_name(enum ifrep_image i);

/** ifrep_state_list() - "initial-sync, in-sync, ..." for messages. */
const char *ifrep_state_list(void);

#endif /* IFREPCTL_STATUS_H */
