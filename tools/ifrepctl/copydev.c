// SPDX-License-Identifier: GPL-2.0
/*
 * copydev.c - the copy device of a local copy pair (see copydev.h).
 */
#include "copydev.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dm.h"
#include "util.h"

/* dm names are at most 127 characters (DM_NAME_LEN - 1). */
#define DM_NAME_MAX 127

int copydev_name(const char *vol, const char *pair, char *out, size_t len)
{
	int n = snprintf(out, len, "%s-%s", vol, pair);

	return n < 0 || (size_t)n >= len || n > DM_NAME_MAX ? -ENAMETOOLONG : 0;
}

int copydev_exists(const char *vol, const char *pair)
{
	struct ifrep_dm_target t;
	char name[256];
	int found;

	if (copydev_name(vol, pair, name, sizeof(name)))
		return 0;
	if (ifrep_dm_get(name, false, &t))
		return 0;
	found = t.count == 1 && !strcmp(t.type, IFREP_COPY_TARGET_NAME);
	ifrep_dm_target_free(&t);
	return found;
}

int copydev_create(const struct vol *v, const char *pair, const char *peer)
{
	char name[256], uuid[300], params[1024];
	struct ifrep_dm_info dmi;
	uint32_t version[3];
	int r;

	if (copydev_name(v->name, pair, name, sizeof(name)))
		return fail("the copy device name %s-%s is longer than device-mapper allows (use --no-device)",
			    v->name, pair);
	if (copydev_exists(v->name, pair))
		return 0;
	if (!ifrep_dm_info(name, &dmi) && dmi.exists)
		return fail("/dev/mapper/%s exists and is not the copy device of pair %s", name,
			    pair);
	if (ifrep_dm_target_version(IFREP_COPY_TARGET_NAME, version))
		return fail("the loaded dm-ifrep module has no copy device (target %s, 1.4 or newer): use --no-device",
			    IFREP_COPY_TARGET_NAME);
	snprintf(uuid, sizeof(uuid), IFREP_UUID_PREFIX "COPY-%s", name);
	snprintf(params, sizeof(params), "%s %s %s", v->name, pair, peer);
	info("table: 0 %llu %s %s", (unsigned long long)v->sectors, IFREP_COPY_TARGET_NAME,
	     params);
	r = ifrep_dm_create(name, uuid, v->sectors, IFREP_COPY_TARGET_NAME, params);
	if (r)
		return fail("cannot create the copy device /dev/mapper/%s: %s (see the kernel log)",
			    name, dm_strerror(r));
	notice("copy device /dev/mapper/%s: the target of pair %s, usable now", name, pair);
	return 0;
}

int copydev_remove(const char *vol, const char *pair)
{
	struct ifrep_dm_info dmi;
	char name[256];
	int r;

	if (!copydev_exists(vol, pair))
		return 0;
	(void)copydev_name(vol, pair, name, sizeof(name));
	r = ifrep_dm_remove(name);
	if (r == -ENXIO)
		return 0;
	if (r == -EBUSY) {
		(void)ifrep_dm_info(name, &dmi);
		return fail("copy device /dev/mapper/%s is in use (open count %d: unmount or close it first)",
			    name, dmi.open_count);
	}
	if (r)
		return fail("cannot remove the copy device /dev/mapper/%s: %s", name,
			    dm_strerror(r));
	return 0;
}

int copydev_remove_all(const char *vol)
{
	struct ifrep_dm_target t;
	struct ifrep_dm_info dmi;
	char **names;
	size_t n, i, len = strlen(vol);
	int r, ret = 0;
	bool ours;

	r = ifrep_dm_list(IFREP_COPY_TARGET_NAME, &names, &n);
	if (r == -ENOENT)
		return 0;
	if (r)
		return fail("cannot list the copy devices: %s", dm_strerror(r));
	for (i = 0; i < n; i++) {
		if (ifrep_dm_get(names[i], false, &t))
			continue;
		ours = t.params && !strncmp(t.params, vol, len) && t.params[len] == ' ';
		ifrep_dm_target_free(&t);
		if (!ours)
			continue;
		r = ifrep_dm_remove(names[i]);
		if (r == -EBUSY) {
			(void)ifrep_dm_info(names[i], &dmi);
			ret = fail("copy device /dev/mapper/%s is in use (open count %d: unmount or close it first)",
				   names[i], dmi.open_count);
		} else if (r && r != -ENXIO) {
			ret = fail("cannot remove the copy device /dev/mapper/%s: %s", names[i],
				   dm_strerror(r));
		}
	}
	ifrep_dm_list_free(names, n);
	return ret;
}
