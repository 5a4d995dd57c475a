/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-ifrep receiver: the secondary's side of remote pairs.  It listens on
 * the volume's address, authenticates its primary and applies what it
 * sends.
 */
#ifndef DM_IFREP_RECEIVER_H
#define DM_IFREP_RECEIVER_H

#include <linux/types.h>

struct ifrep_volume;

/* Starts listening, if the volume is a secondary with an address.  Blocks. */
int ifrep_receiver_start(struct ifrep_volume *vol);
/* Ends every session and stops listening; waits for them.  Blocks. */
void ifrep_receiver_stop(struct ifrep_volume *vol);
/* <upstream> of the status line (IFREP_UPSTREAM_*, or "-"). */
const char *ifrep_receiver_state(struct ifrep_volume *vol);
/* Whether a primary is attached now. */
bool ifrep_receiver_primary_attached(struct ifrep_volume *vol);
/*
 * Keeps primaries from attaching until ifrep_receiver_release() (a
 * rollback is rewriting the data).  Return: 0, or -EBUSY when one is
 * attached.  admin_lock held.
 */
int ifrep_receiver_hold(struct ifrep_volume *vol);
void ifrep_receiver_release(struct ifrep_volume *vol);
/*
 * Takes @secret (kmalloc'ed, @len bytes) as the one primaries must prove;
 * sessions that start later use it.
 */
void ifrep_receiver_set_secret(struct ifrep_volume *vol, u8 *secret, unsigned int len);

#endif
