// SPDX-License-Identifier: GPL-2.0
/* dm-ifrep test hooks (dm-ifrep-debug.h): in the bottom layer, for all. */
#include "dm-ifrep-debug.h"

#include <linux/moduleparam.h>

unsigned int ifrep_debug_delay_ms;
module_param_named(debug_delay_ms, ifrep_debug_delay_ms, uint, 0644);
MODULE_PARM_DESC(debug_delay_ms, "Tests only: widen race windows by this many ms (0: off)");
