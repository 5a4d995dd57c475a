/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-ifrep journal: makes async cycles atomic on the device that receives
 * them, and keeps sync points (the images of the last completed cycles).
 *
 * Undo log: before a cycle overwrites a chunk for the first time, the
 * chunk's old content goes to a journal slot and an entry naming it is
 * written (after a flush, with FUA).  Committing a cycle is one superblock
 * write.  A cycle that never committed (link loss, crash of either side) is
 * rolled back from its slots, so the device holds the previous image again.
 * Committed cycles' slots are kept as long as sync points are wanted and
 * space allows: rolling them back in reverse order restores older images.
 *
 * All calls block (synchronous I/O) and serialise on the journal's mutex.
 */
#ifndef DM_IFREP_JOURNAL_H
#define DM_IFREP_JOURNAL_H

#include <linux/blkdev.h>
#include <linux/dm-io.h>

struct ifrep_journal;

/**
 * ifrep_journal_open() - load (and recover) or format the journal on @jdev
 * for the data device @data.
 *
 * An all-zero journal is formatted; a valid one is loaded, and a cycle
 * that was being applied, or a rollback under way, is finished (rolled
 * back) before this returns.  Anything else is refused with *@error set.
 * Return: the journal or an ERR_PTR.
 */
struct ifrep_journal *ifrep_journal_open(struct block_device *jdev,
					 struct block_device *data,
					 sector_t data_sectors, u32 chunk_sectors,
					 const char *name, char **error);
void ifrep_journal_close(struct ifrep_journal *j);

/**
 * ifrep_journal_begin() - start applying cycle @id (cut at @cut_time) of at
 * most @nr_chunks chunks, keeping @keep images in all.
 *
 * Drops the oldest sync points when space is short (*@dropped says how
 * many).  Return: 0, -ENOSPC when the journal cannot hold @nr_chunks even
 * empty, or an I/O error.
 */
int ifrep_journal_begin(struct ifrep_journal *j, u64 id, u64 cut_time,
			u64 nr_chunks, u32 keep, unsigned int *dropped);

/**
 * ifrep_journal_save() - save @chunk's current content before the cycle
 * writes it (once per chunk and cycle; no-op outside a cycle).
 * Return: 0, -ENOSPC when the cycle writes more chunks than announced.
 */
int ifrep_journal_save(struct ifrep_journal *j, u64 chunk);

/**
 * ifrep_journal_commit() - make the applied cycle the device's image.  The
 * caller flushed the data device first.
 */
int ifrep_journal_commit(struct ifrep_journal *j, u64 id);

/* Rolls the cycle being applied back, if any. */
int ifrep_journal_abort(struct ifrep_journal *j);

bool ifrep_journal_applying(struct ifrep_journal *j);

/*
 * The volume grew to @data_sectors: chunks past the old end may now be
 * saved.  Return: 0, -EBUSY while a cycle is being applied, -ENOMEM.
 */
int ifrep_journal_grow(struct ifrep_journal *j, sector_t data_sectors);

/* Forgets every sync point: the device is being rewritten outside cycles. */
int ifrep_journal_reset(struct ifrep_journal *j);

/**
 * ifrep_journal_list() - the sync points, one line each:
 * "<id> <unix time of the cut> <bytes to roll back>", newest first.
 * Return: bytes written to @out.
 */
unsigned int ifrep_journal_list(struct ifrep_journal *j, char *out,
				unsigned int maxlen);

/**
 * ifrep_journal_rollback() - restore the image of sync point @id on the
 * data device, forgetting the newer ones.
 * @changed: nr_chunks bits, set to every chunk the rollback rewrites.
 * @record: called with @arg and @changed before anything is rewritten;
 *	    must make them durable (an error stops the rollback unstarted).
 * Return: 0, -ENOENT for an unknown sync point, or an I/O error.
 */
int ifrep_journal_rollback(struct ifrep_journal *j, u64 id, unsigned long *changed,
			   int (*record)(void *arg, const unsigned long *changed),
			   void *arg);

/**
 * ifrep_journal_map() - where sync point @id's image lives: one
 * "<chunk> <journal sector>" line per chunk whose content at that point is
 * in a journal slot; every other chunk is as on the data device.  @seen is
 * scratch (nr_chunks bits).
 * Return: 0, -ENOENT (no such point), -EBUSY (a cycle is being applied).
 */
int ifrep_journal_map(struct ifrep_journal *j, u64 id, unsigned long *seen,
		      char *out, unsigned int maxlen);

/* The newest image's cycle id and cut time, and how many sync points exist. */
void ifrep_journal_current(struct ifrep_journal *j, u64 *id, u64 *cut_time,
			   unsigned int *points);

#endif
