/* SPDX-License-Identifier: GPL-2.0 */
/*
 * autoact.h - may metadata read from a disk be activated automatically?
 *
 * `ifrepctl activate --all` (boot) and `--udev DEV` (the udev rule) read
 * metadata from whatever block device appears.  A disk from elsewhere, or
 * one crafted to attack this host, must not make it open a network
 * listener or read files it names.  So, before either activates a volume:
 *
 *   - the volume name must be valid (and is printed escaped);
 *   - the metadata must name this host (its home_host, recorded by
 *     create and by an administrator's activate), or the volume must be
 *     allowed in /etc/ifrep/activate.conf;
 *   - an insecure listener (a secondary accepting primaries without a
 *     secret) is never activated automatically;
 *   - every secret file it would read (the listen secret, remote pairs'
 *     secrets) must lie under /etc/ifrep.
 *
 * An administrator's `activate NAME --data DEV --meta DEV` is not checked.
 * docs/ifrepctl.md ("AUTOMATIC ACTIVATION") documents the rules and the
 * configuration file:
 *
 *   # comment
 *   homehost NAME                   this host's identity (default: hostname)
 *   allow VOLUME [uuid=HEX] [meta=PATH]
 *
 * Pure code: no device-mapper calls, nothing printed.
 */
#ifndef IFREPCTL_AUTOACT_H
#define IFREPCTL_AUTOACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "meta.h"

#define IFREP_ETC_DIR		"/etc/ifrep"
#define IFREP_ACTIVATE_CONF	IFREP_ETC_DIR "/activate.conf"
#define IFREP_MAX_ALLOW		64

struct ifrep_allow {
	char name[IFREP_VOLUME_NAME_LEN];
	bool has_uuid;
	uint8_t uuid[16];
	char meta[IFREP_PATH_LEN];		/* "" = any metadata device */
};

struct ifrep_autoact_conf {
	char homehost[IFREP_HOST_LEN];		/* "" = the hostname */
	unsigned int nr_allow;
	struct ifrep_allow allow[IFREP_MAX_ALLOW];
};

/**
 * ifrep_autoact_parse() - parse the text of activate.conf into @c.
 * Return: 0, or -EINVAL with @why naming the line ("line 3: ...").
 */
int ifrep_autoact_parse(const char *text, struct ifrep_autoact_conf *c,
			char *why, size_t whylen);

/**
 * ifrep_valid_host_id() - a host identity usable as home_host: 1 to 63
 * characters of [A-Za-z0-9._-], and not a name every unconfigured machine
 * has ("localhost", "localhost.localdomain", "(none)"...).
 */
bool ifrep_valid_host_id(const char *s);

/**
 * ifrep_host_id() - this host's identity: @c's homehost if set, else
 * @hostname.  Return: false (and "" in @buf) when it is not a usable
 * identity, in which case only the allow-list activates anything.
 */
bool ifrep_host_id(const struct ifrep_autoact_conf *c, const char *hostname,
		   char *buf, size_t len);

/**
 * ifrep_path_under() - @path is an absolute path inside directory @dir
 * (no "." or ".." components, no empty ones, printable characters only).
 */
bool ifrep_path_under(const char *path, const char *dir);

/**
 * ifrep_uuid_format() - the 16 bytes of a volume uuid as 32 hex digits.
 * @buf holds at least 33 bytes.
 */
const char *ifrep_uuid_format(const uint8_t uuid[16], char *buf, size_t len);

/**
 * ifrep_autoact_check() - may the volume of @m, read from the metadata
 * device @meta_devt, be activated automatically on the host @host_id ("" =
 * no identity)?  Return: 0, or -EPERM with @why saying why not (every
 * string from the disk escaped), one clause that follows the volume's
 * description.
 */
int ifrep_autoact_check(const struct ifrep_meta *m, const struct ifrep_autoact_conf *c,
			const char *host_id, dev_t meta_devt, char *why, size_t whylen);

#endif /* IFREPCTL_AUTOACT_H */
