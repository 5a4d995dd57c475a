/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The dm-ifrep target's interface to userspace, declared once for the
 * kernel, ifrepctl and the tests' helpers: the words of the status line and
 * of the messages, the layout of the status line, and the limits the target
 * enforces.  docs/dm-ifrep.rst explains every word; changing one here
 * changes it on both sides, so a name is never renamed, only added.
 *
 * Each list of words is an X-macro, so that an enum and its names cannot
 * fall out of step: IFREP_PAIR_STATES(X) calls X(ENUM_SUFFIX, "word") per
 * state, in the order of the user interface contract.
 */
#ifndef IFREP_TARGET_H
#define IFREP_TARGET_H

#include "ifrep_meta.h"

#ifdef __KERNEL__
#include <linux/string.h>
#else
#include <string.h>
#endif

#define IFREP_TARGET_NAME		"ifrep"
#define IFREP_TARGET_VERSION_MAJOR	1
#define IFREP_TARGET_VERSION_MINOR	9
#define IFREP_TARGET_VERSION_PATCH	0
/* The copy device of a local copy pair (target 1.4), same module. */
#define IFREP_COPY_TARGET_NAME		"ifrep-copy"
/* Its status: <state> <copied>/<chunks> <deferred bios> <reason> */
#define IFREP_COPY_STATUS_FIELDS	4

/*----------------------------------------------------------------
 * Status line (docs/dm-ifrep.rst, "Status")
 *
 *   <role> <health> <chunk sectors> <total chunks> <generation>
 *   <meta writes> <listen> <upstream> <image> <#pairs> [<pair> ...]
 *   <pair> = <name> <mode> <peer> <state> <dirty chunks> <bytes sent>
 *            <rate> <last sync point> <rpo> <reason> <cycle>
 *            <cow fallbacks> <snapshot store used bytes>
 *            <resync skipped bytes> <verify>
 *
 * Fields are only ever added at the end of a pair (target 1.3 added
 * <cow fallbacks> and <snapshot store used bytes>, target 1.5 <resync
 * skipped bytes>, target 1.6 <verify>): a parser takes the layout from the
 * field count.
 *
 * <verify> = <state>:<checked>/<total>:<differing>:<rate> of the pair's
 * last online verify (running, stopped or done; the one recorded in the
 * metadata after an activation), or '-' when there is none.  <rate> is the
 * bytes of the volume checked per second since the run (re)started, 0 when
 * it does not run.
 *--------------------------------------------------------------*/

#define IFREP_STATUS_VOLUME_FIELDS	10	/* <role> .. <#pairs> */
#define IFREP_STATUS_PAIR_FIELDS	15
#define IFREP_STATUS_PAIR_FIELDS_1_5	14	/* target 1.5: up to <resync skipped bytes> */
#define IFREP_STATUS_PAIR_FIELDS_1_4	13	/* target 1.3 .. 1.4: up to <snapshot store used bytes> */
#define IFREP_STATUS_PAIR_FIELDS_1_2	11	/* target 1.0 .. 1.2: up to <cycle> */
#define IFREP_STATUS_NONE		"-"	/* a field that does not apply */

/* <health>: what the metadata still allows. */
#define IFREP_HEALTHS(X)						\
	X(RW, "rw")							\
	X(RO, "ro")		/* a metadata write failed */		\
	X(FAIL, "fail")

enum ifrep_health {
#define IFREP_X_ENUM(id, word) IFREP_HEALTH_##id,
	IFREP_HEALTHS(IFREP_X_ENUM)
#undef IFREP_X_ENUM
	IFREP_NR_HEALTHS
};

/* <state> of a pair, in the order of the user interface contract. */
#define IFREP_PAIR_STATES(X)						\
	X(INITIAL_SYNC, "initial-sync")					\
	X(IN_SYNC, "in-sync")						\
	X(CONSISTENT, "consistent")					\
	X(RESYNCING, "resyncing")					\
	X(RETRYING, "retrying")						\
	X(DISCONNECTED, "disconnected")					\
	X(PAUSED, "paused")						\
	X(SPLIT_BRAIN, "split-brain")					\
	X(DONE, "done")							\
	X(FAILED, "failed")

enum ifrep_pair_state {
#define IFREP_X_ENUM(id, word) IFREP_PS_##id,
	IFREP_PAIR_STATES(IFREP_X_ENUM)
#undef IFREP_X_ENUM
	IFREP_NR_PAIR_STATES
};

/* "verify <pair> status": the first word of the reply. */
#define IFREP_VERIFY_STATES(X)						\
	X(IDLE, "idle")							\
	X(RUNNING, "running")						\
	X(DONE, "done")							\
	X(STOPPED, "stopped")		/* with a reason */

enum ifrep_verify_state {
#define IFREP_X_ENUM(id, word) IFREP_VERIFY_##id,
	IFREP_VERIFY_STATES(IFREP_X_ENUM)
#undef IFREP_X_ENUM
	IFREP_NR_VERIFY_STATES
};

/* <image> of a secondary: what a promotion would start from. */
#define IFREP_IMAGE_CONSISTENT		"consistent"
#define IFREP_IMAGE_INCONSISTENT	"inconsistent"

/* <upstream> of a secondary: its listener, and whether a primary is attached. */
#define IFREP_UPSTREAM_STARTING		"starting"
#define IFREP_UPSTREAM_LISTENING	"listening"
#define IFREP_UPSTREAM_LISTEN_FAILED	"listen_failed"
#define IFREP_UPSTREAM_CONNECTED	"connected"

/*
 * <reason> of a pair: why it is failed, retrying, disconnected or in split
 * brain.  The ones userspace acts on; the rest are listed in the docs.
 */
#define IFREP_REASON_JOURNAL_TOO_SMALL	"journal_too_small"
#define IFREP_REASON_NO_JOURNAL		"no_journal"
#define IFREP_REASON_CYCLE_FAILED	"cycle_failed"
#define IFREP_REASON_NO_SECRET		"no_secret"
#define IFREP_REASON_PEER_IS_NEWER	"peer_is_newer"
#define IFREP_REASON_BOTH_SIDES_CHANGED	"both_sides_changed"
#define IFREP_REASON_UNRELATED_DATA	"unrelated_data"

/*----------------------------------------------------------------
 * Words of the table line and of the messages
 *--------------------------------------------------------------*/

/* What the *_name() functions return for a value outside their list. */
#define IFREP_UNKNOWN_NAME		"unknown"

static inline const char *ifrep_role_name(unsigned int role)
{
	return role == IFREP_ROLE_PRIMARY ? "primary" :
	       role == IFREP_ROLE_SECONDARY ? "secondary" : IFREP_UNKNOWN_NAME;
}

static inline const char *ifrep_mode_name(unsigned int mode)
{
	return mode == IFREP_MODE_SYNC ? "sync" :
	       mode == IFREP_MODE_ASYNC ? "async" :
	       mode == IFREP_MODE_COPY ? "copy" : IFREP_UNKNOWN_NAME;
}

static inline const char *ifrep_health_name(unsigned int health)
{
	static const char *const names[] = {
#define IFREP_X_NAME(id, word) word,
		IFREP_HEALTHS(IFREP_X_NAME)
#undef IFREP_X_NAME
	};

	return health < IFREP_NR_HEALTHS ? names[health] : IFREP_UNKNOWN_NAME;
}

static inline const char *ifrep_pair_state_name(unsigned int state)
{
	static const char *const names[] = {
#define IFREP_X_NAME(id, word) word,
		IFREP_PAIR_STATES(IFREP_X_NAME)
#undef IFREP_X_NAME
	};

	return state < IFREP_NR_PAIR_STATES ? names[state] : IFREP_UNKNOWN_NAME;
}

static inline const char *ifrep_verify_state_name(unsigned int state)
{
	static const char *const names[] = {
#define IFREP_X_NAME(id, word) word,
		IFREP_VERIFY_STATES(IFREP_X_NAME)
#undef IFREP_X_NAME
	};

	return state < IFREP_NR_VERIFY_STATES ? names[state] : IFREP_UNKNOWN_NAME;
}

/* The value from @first to @last whose @name() is @s, or -1. */
static inline int ifrep_word_value(const char *(*name)(unsigned int), unsigned int first,
				   unsigned int last, const char *s)
{
	unsigned int v;

	for (v = first; v <= last; v++)
		if (!strcmp(s, name(v)))
			return (int)v;
	return -1;
}

/* The reverse of the *_name() above: the value of a word, or -1. */
static inline int ifrep_role_parse(const char *s)
{
	return ifrep_word_value(ifrep_role_name, IFREP_ROLE_PRIMARY, IFREP_ROLE_SECONDARY, s);
}

static inline int ifrep_mode_parse(const char *s)
{
	return ifrep_word_value(ifrep_mode_name, IFREP_MODE_SYNC, IFREP_MODE_COPY, s);
}

static inline int ifrep_health_parse(const char *s)
{
	return ifrep_word_value(ifrep_health_name, 0, IFREP_NR_HEALTHS - 1, s);
}

static inline int ifrep_pair_state_parse(const char *s)
{
	return ifrep_word_value(ifrep_pair_state_name, 0, IFREP_NR_PAIR_STATES - 1, s);
}

static inline int ifrep_verify_state_parse(const char *s)
{
	return ifrep_word_value(ifrep_verify_state_name, 0, IFREP_NR_VERIFY_STATES - 1, s);
}

/*----------------------------------------------------------------
 * Limits the target enforces (ifrepctl checks them first, to say why)
 *--------------------------------------------------------------*/

#define IFREP_PAIR_NAME_CHARS		"_.-"	/* besides letters and digits */
#define IFREP_DEFAULT_TIMEOUT_S		30	/* remote timeout threshold */
#define IFREP_MAX_TIMEOUT_S		86400
#define IFREP_MAX_INTERVAL_S		(7 * 86400)
#define IFREP_MAX_SYNC_POINTS		1024	/* sync_points= of a pair */
#define IFREP_MAX_SECRET		1024	/* bytes */
/* granule_sectors= of an async or copy pair (at most the chunk size) */
#define IFREP_MIN_GRANULE_BYTES		4096
#define IFREP_DEFAULT_GRANULE_BYTES	65536
/*
 * hot_chunks of a volume (target 1.5): the most chunks kept marked, so the
 * most a primary crash can leave to resync beyond the dirty chunks.  The
 * default is 4 GiB at the default 8 MiB chunk.
 */
#define IFREP_DEFAULT_HOT_CHUNKS	512
#define IFREP_MAX_HOT_CHUNKS		(1U << 24)
#define IFREP_HOT_CHUNKS_VERSION_MINOR	5
/*
 * Target 1.6: a stopped online verify resumes where it stopped (its place
 * is in the pair's record), "verify <pair> restart" starts over; before,
 * every "start" began at the first chunk.
 */
#define IFREP_VERIFY_RESUME_VERSION_MINOR	6
/*
 * Target 1.7: "pair_set <pair> <key> <value>..." changes a pair's rate,
 * timeout, interval, sync_points or resync in place; before, the message
 * was unknown (EINVAL).
 */
#define IFREP_PAIR_SET_VERSION_MINOR		7
/*
 * Target 1.9: "resize <sectors>" grows a volume, its bitmaps and metadata
 * (the table is reloaded with the new length afterwards); before, the
 * message was unknown (EINVAL).
 */
#define IFREP_RESIZE_VERSION_MINOR		9

#endif /* IFREP_TARGET_H */
