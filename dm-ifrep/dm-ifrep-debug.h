/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-ifrep test hook: the module parameter debug_delay_ms makes the code
 * sleep at the places where administration (pause, remove, close) once
 * raced with the I/O path and with connections, between two metadata
 * writes whose order matters if the host crashes between them, and where a
 * deadline may pass while it is computed (the rate limit), so that the
 * tests can hold those windows open and prove them closed.  0, the default, costs one
 * predicted branch.  Never set outside tests.
 */
#ifndef DM_IFREP_DEBUG_H
#define DM_IFREP_DEBUG_H

#include <linux/compiler.h>
#include <linux/delay.h>

extern unsigned int ifrep_debug_delay_ms;

/* May sleep: only where the caller may. */
static inline void ifrep_debug_delay(void)
{
	unsigned int ms = READ_ONCE(ifrep_debug_delay_ms);

	if (unlikely(ms))
		msleep(ms);
}

#endif
