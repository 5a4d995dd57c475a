/* SPDX-License-Identifier: GPL-2.0 */
/*
 * report.h - `ifrepctl status` output: one line per volume and one per pair
 * for people, or the JSON object of the interface contract:
 *
 *   {"volumes":[{"name", "role", "size_bytes", "chunk_bytes", "data_device",
 *     "meta_device", "journal_device", "health", "generation", "listen", "upstream",
 *     "meta_writes", "pairs":[{"name", "mode", "peer", "state",
 *     "total_chunks", "dirty_chunks", "synced_percent", "bytes_sent",
 *     "rate_bytes_per_s", "eta_seconds", "last_sync_point", "rpo_seconds",
 *     "cycle_shipped_chunks", "cycle_total_chunks", "reason", "cow_fallbacks",
 *     "snapshot_store_used_bytes", "copy_device", "resync",
 *     "resync_skipped_bytes", "verify", "settings"}], "snapshot_store_bytes",
 *     "hot_chunks", "hot_chunks_max"}]}
 *
 * generation is a string of 16 lowercase hex digits (as in the status line
 * and in `promote`'s message), not a number: JSON readers such as jq hold
 * numbers as doubles, which cannot carry 64-bit values.
 *
 * dirty_chunks and synced_percent count the chunks of an async pair's
 * running cycle that are not shipped yet (the kernel's dirty count leaves
 * them out: the cut moved them into the cycle).  last_sync_point is ISO 8601 UTC; it, rpo_seconds and the cycle fields are
 * null when they do not apply (not async, no sync point yet, no cycle
 * running).  People get the sync point in local time.  hot_chunks is how
 * many chunks a primary keeps marked now, hot_chunks_max its limit (the
 * hot set: the most a crash can make dirty); both null on a secondary or
 * a module before target 1.5 (its hot_set message reply).  A pair's resync
 * is "checksum" or "full" for a sync pair whose metadata record could be
 * read (its resync_mode, remote flag and mode: ifrep_resync_checksum()),
 * else null;
 * resync_skipped_bytes is the status line's <resync skipped bytes>, null
 * for async and copy pairs and with a module before target 1.5.
 *
 * verify (target 1.6) is the pair's last online verify, null when there
 * is none (none since activation and none recorded, or an older module):
 *   {"state": "running"|"stopped"|"done", "checked_chunks", "total_chunks",
 *    "differing_chunks", "percent", "rate_bytes_per_s", "eta_seconds",
 *    "resume_chunk"}
 * percent is checked_chunks of total_chunks (one decimal, rounded down);
 * rate_bytes_per_s (bytes of the volume checked per second) and
 * eta_seconds are null unless it runs (eta_seconds also without a rate
 * yet); resume_chunk is where `ifrepctl verify` without --restart starts:
 * checked_chunks of a stopped one, 0 after a done one, null while running.
 *
 * settings is what `pair add` and `pair set` chose, from the pair's
 * metadata record (null when it could not be read):
 *   {"rate_bytes_per_s", "timeout_seconds", "interval_seconds",
 *    "sync_points", "resync"}
 * rate_bytes_per_s is always a number (0 = unlimited); timeout_seconds is
 * null for a local pair, interval_seconds and sync_points for a pair that
 * is not async, resync (as the pair's "resync") for one that is not sync.
 *
 * Pure formatting: the caller collects and resolves everything first.
 */
#ifndef IFREPCTL_REPORT_H
#define IFREPCTL_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "status.h"

struct ifrep_volume_view {
	char name[128];
	uint64_t size_bytes;		/* target length */
	char data_device[256];		/* "/dev/vdb", or "M:m" */
	char meta_device[256];
	char journal_device[256];	/* a secondary's journal; "" if none */
	struct ifrep_status st;
	/* The metadata device past the metadata: async cycles' snapshot store. */
	bool has_store;			/* its size could be read */
	uint64_t store_bytes;
	/* A copy pair's copy device ("/dev/mapper/VOL-PAIR"), "" if none; per pair. */
	char copy_device[IFREP_MAX_PAIRS][160];
	/* The hot set (message hot_set, target 1.5): primaries only. */
	bool has_hot;
	uint64_t hot_used, hot_max;
	/* Per pair (as st.pairs): from its metadata record, if it was read. */
	bool has_record[IFREP_MAX_PAIRS];
	uint32_t record_flags[IFREP_MAX_PAIRS];		/* IFREP_PAIR_F_* */
	uint32_t record_resync_mode[IFREP_MAX_PAIRS];	/* IFREP_PAIR_RESYNC_* */
	uint64_t record_rate[IFREP_MAX_PAIRS];		/* bytes/s, 0 = unlimited */
	uint32_t record_timeout_s[IFREP_MAX_PAIRS];	/* 0: the default */
	uint32_t record_interval_s[IFREP_MAX_PAIRS];
	uint32_t record_sync_points[IFREP_MAX_PAIRS];
};

/**
 * ifrep_pair_resync() - how pair @i of @v resyncs: "checksum" or "full"
 * for a sync pair whose record was read, else NULL.
 */
const char *ifrep_pair_resync(const struct ifrep_volume_view *v, unsigned int i);

/**
 * ifrep_pair_pending() - chunks @p has yet to copy: its dirty chunks, plus
 * for an async pair the chunks of the running cycle not shipped yet (they
 * are no longer dirty: the cut moved them into the cycle).  What
 * synced_percent is computed from.
 */
uint64_t ifrep_pair_pending(const struct ifrep_status *st, const struct ifrep_status_pair *p);

/**
 * ifrep_pair_eta() - seconds until @p has nothing pending at its current
 * rate; for an async pair, until the running cycle is shipped (its later
 * changes wait for the next cut).  Return: false when unknown (chunks
 * pending but no rate, or an async pair with changes and no cycle running).
 */
bool ifrep_pair_eta(const struct ifrep_status *st, const struct ifrep_status_pair *p,
		    uint64_t *secs);

/**
 * ifrep_chunks_eta() - seconds to copy or check @chunks chunks at @rate
 * bytes/s.  Return: false when unknown (chunks left but no rate).
 */
bool ifrep_chunks_eta(uint64_t chunks, uint32_t chunk_sectors, uint64_t rate, uint64_t *secs);

/**
 * ifrep_verify_eta() - seconds until @p's running verify has checked every
 * chunk at its rate.  Return: false when none runs or the rate is unknown.
 */
bool ifrep_verify_eta(const struct ifrep_status *st, const struct ifrep_status_pair *p,
		      uint64_t *secs);

/** ifrep_verify_per_mille() - how much of the volume @p's verify checked, in 0.1%. */
unsigned int ifrep_verify_per_mille(const struct ifrep_status_pair *p);

/**
 * ifrep_verify_resume_chunk() - the chunk `ifrepctl verify` (without
 * --restart) starts at: where a stopped verify stopped, 0 after a finished
 * one.  Return: false when @p has no verify or it is running.
 */
bool ifrep_verify_resume_chunk(const struct ifrep_status_pair *p, uint64_t *chunk);

void ifrep_report_human(FILE *f, const struct ifrep_volume_view *v, size_t n);

/** ifrep_report_json() - the whole object on one line, with a newline. */
void ifrep_report_json(FILE *f, const struct ifrep_volume_view *v, size_t n);

/**
 * ifrep_report_prometheus() - the same values in the Prometheus text
 * exposition format (prom.c; metric names in docs/ifrepctl.md).
 */
void ifrep_report_prometheus(FILE *f, const struct ifrep_volume_view *v, size_t n);

#endif /* IFREPCTL_REPORT_H */
