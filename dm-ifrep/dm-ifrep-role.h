/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-ifrep roles: promotion (failover), demotion (switchover, failback)
 * and the resolution of a split brain.  admin_lock held; all block.
 */
#ifndef DM_IFREP_ROLE_H
#define DM_IFREP_ROLE_H

#include <linux/types.h>

struct ifrep_volume;
struct ifrep_pair;

/* Secondary -> primary; @force also takes an incomplete image, or a connected primary's place. */
int ifrep_role_promote(struct ifrep_volume *vol, bool force);
/* Primary -> secondary, listening for its new primary on @listen. */
int ifrep_role_demote(struct ifrep_volume *vol, const char *listen, bool insecure);
/* Split brain, secondary side: its own changes since the split may go. */
int ifrep_role_discard_local(struct ifrep_volume *vol);
/* Split brain, primary side: @p's peer's changes go at its next attach. */
int ifrep_role_discard_remote(struct ifrep_pair *p);

#endif
