/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-ifrep lineage: data generations, divergence and the local area, by
 * which two volumes tell whether one's data descends from the other's.
 */
#ifndef DM_IFREP_LINEAGE_H
#define DM_IFREP_LINEAGE_H

#include <linux/types.h>

struct ifrep_volume;
struct ifrep_pair;
struct ifrep_peer_view;

/* Records (or forgets) that this volume has writes a peer lacks.  Blocks. */
int ifrep_lineage_set_diverged(struct ifrep_volume *vol, bool diverged);

/*
 * Whether a write must wait until "diverged" is on disk: a remote peer
 * with a consistent copy would not get it.  NOTE: vol->lock held.
 */
bool __ifrep_lineage_must_record_divergence(struct ifrep_volume *vol);

/* Forgets "diverged" once every remote peer is in sync.  Blocks. */
void ifrep_lineage_update_divergence(struct ifrep_volume *vol);

/* The peer has every write we acknowledged.  NOTE: vol->lock held. */
bool __ifrep_lineage_caught_up(struct ifrep_pair *p);

/*
 * A peer of the old lineage holds our data again (a sync-back completed):
 * stop recording the local area, and forget the parent generation.
 * Blocks.
 */
int ifrep_lineage_stop_tracking_local(struct ifrep_volume *vol);

/*
 * The primary's decision when a remote secondary attaches: what must be
 * copied, from both sides' generations and changes (struct
 * ifrep_pair_events.decide).
 */
int ifrep_lineage_decide(struct ifrep_pair *p, struct ifrep_peer_view *v);

#endif
