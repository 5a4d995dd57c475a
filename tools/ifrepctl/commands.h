/* SPDX-License-Identifier: GPL-2.0 */
/*
 * commands.h - every ifrepctl command, each defined beside its handler in
 * the file of its family; ifrepctl.c lists them in the order of the usage.
 */
#ifndef IFREPCTL_COMMANDS_H
#define IFREPCTL_COMMANDS_H

#include "cmdline.h"

/* cmd_volume.c */
extern const struct cli_command command_create;
extern const struct cli_command command_activate;
extern const struct cli_command command_remove;
extern const struct cli_command command_list;

/* cmd_apply.c */
extern const struct cli_command command_apply;
extern const struct cli_command command_dump;

/* cmd_resize.c */
extern const struct cli_command command_resize;

/* cmd_pair.c */
extern const struct cli_command command_pair_add;
extern const struct cli_command command_pair_set;
extern const struct cli_command command_pair_remove;
extern const struct cli_command command_pause;
extern const struct cli_command command_resume;

/* cmd_sync.c */
extern const struct cli_command command_sync;

/* cmd_syncpoint.c */
extern const struct cli_command command_sync_point_list;
extern const struct cli_command command_sync_point_rollback;
extern const struct cli_command command_sync_point_show;
extern const struct cli_command command_sync_point_hide;

/* cmd_status.c */
extern const struct cli_command command_wait;
extern const struct cli_command command_status;
extern const struct cli_command command_events;

/* cmd_role.c */
extern const struct cli_command command_promote;
extern const struct cli_command command_demote;
extern const struct cli_command command_resolve;

/* cmd_bwtest.c */
extern const struct cli_command command_test_bandwidth;

/* cmd_verify.c */
extern const struct cli_command command_verify;

#endif /* IFREPCTL_COMMANDS_H */
