/* SPDX-License-Identifier: GPL-2.0 */
/* dm-ifrep target messages: the table of what `dmsetup message` may say. */
#ifndef DM_IFREP_MESSAGE_H
#define DM_IFREP_MESSAGE_H

struct ifrep_volume;

/*
 * Runs the message @argv[0] with its arguments.  Takes admin_lock.
 * Return: 0, 1 when text was printed into @result, or -errno.
 */
int ifrep_message(struct ifrep_volume *vol, unsigned int argc, char **argv,
		  char *result, unsigned int maxlen);

#endif
