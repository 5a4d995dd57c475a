// SPDX-License-Identifier: GPL-2.0
/*
 * blkdev.c - block device helpers (see blkdev.h).
 *
 * Metadata is read with O_DIRECT: the kernel target writes it with bios
 * that bypass the block device's page cache, so a buffered read could
 * return what an earlier read cached.
 */
#include "blkdev.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <dirent.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int ifrep_blkdev_check(const char *path, dev_t *rdev, char *why, size_t whylen)
{
	struct stat st;

	if (stat(path, &st)) {
		int e = errno;

		snprintf(why, whylen, "%s: %s", path, strerror(e));
		return -e;
	}
	if (!S_ISBLK(st.st_mode)) {
		snprintf(why, whylen, "%s is not a block device", path);
		return -ENOTBLK;
	}
	if (rdev)
		*rdev = st.st_rdev;
	return 0;
}

int ifrep_blkdev_size(const char *path, uint64_t *bytes, char *why, size_t whylen)
{
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		snprintf(why, whylen, "cannot open %s: %s", path, strerror(e));
		return -e;
	}
	if (ioctl(fd, BLKGETSIZE64, bytes)) {
		e = errno;
		snprintf(why, whylen, "cannot get the size of %s: %s", path, strerror(e));
		close(fd);
		return -e;
	}
	close(fd);
	return 0;
}

static int read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = pread(fd, (char *)buf + got, len - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -ENODATA;
		got += (size_t)n;
	}
	return 0;
}

int ifrep_blkdev_read_head(const char *path, void *buf, size_t len,
			   char *why, size_t whylen)
{
	void *aligned = NULL;
	int fd, r;

	fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0 && errno == EINVAL)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(why, whylen, "cannot open %s: %s", path, strerror(-r));
		return r;
	}
	if (posix_memalign(&aligned, 4096, len)) {
		close(fd);
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	r = read_full(fd, aligned, len);
	close(fd);
	if (r == -ENODATA)
		snprintf(why, whylen, "%s is smaller than %zu bytes", path, len);
	else if (r)
		snprintf(why, whylen, "cannot read %s: %s", path, strerror(-r));
	else
		memcpy(buf, aligned, len);
	free(aligned);
	return r;
}

bool ifrep_blkdev_busy(const char *path)
{
	int fd = open(path, O_RDONLY | O_EXCL | O_CLOEXEC);

	if (fd < 0)
		return errno == EBUSY;
	close(fd);
	return false;
}

/*----------------------------------------------------------------*/

int ifrep_blkdev_parse_devt(const char *s, dev_t *out)
{
	unsigned int ma, mi;
	char end;

	if (sscanf(s, "%u:%u%c", &ma, &mi, &end) != 2)
		return -EINVAL;
	*out = makedev(ma, mi);
	return 0;
}

int ifrep_blkdev_token_devt(const char *tok, dev_t *out)
{
	struct stat st;

	if (!ifrep_blkdev_parse_devt(tok, out))
		return 0;
	if (stat(tok, &st) || !S_ISBLK(st.st_mode))
		return -ENODEV;
	*out = st.st_rdev;
	return 0;
}

/* First line of a sysfs attribute of @devt, newline stripped. */
static bool read_sysfs(dev_t devt, const char *attr, char *buf, size_t len)
{
	char path[128];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/%s",
		 major(devt), minor(devt), attr);
	f = fopen(path, "re");
	if (!f)
		return false;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

void ifrep_blkdev_name(dev_t devt, char *buf, size_t len)
{
	char line[256];
	FILE *f;
	char path[128];

	if (read_sysfs(devt, "dm/name", line, sizeof(line)) && line[0]) {
		snprintf(buf, len, "/dev/mapper/%s", line);
		return;
	}
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/uevent",
		 major(devt), minor(devt));
	f = fopen(path, "re");
	if (f) {
		while (fgets(line, sizeof(line), f)) {
			if (!strncmp(line, "DEVNAME=", 8)) {
				line[strcspn(line, "\n")] = '\0';
				snprintf(buf, len, "/dev/%s", line + 8);
				fclose(f);
				return;
			}
		}
		fclose(f);
	}
	snprintf(buf, len, "%u:%u", major(devt), minor(devt));
}

void ifrep_blkdev_token_name(const char *tok, char *buf, size_t len)
{
	dev_t devt;

	if (!ifrep_blkdev_parse_devt(tok, &devt))
		ifrep_blkdev_name(devt, buf, len);
	else
		snprintf(buf, len, "%s", tok);
}

bool ifrep_blkdev_same(const char *path, dev_t devt)
{
	struct stat st;

	return !stat(path, &st) && S_ISBLK(st.st_mode) && st.st_rdev == devt;
}

bool ifrep_blkdev_dm_info(dev_t devt, bool *suspended, char *uuid, size_t len)
{
	char buf[256];

	if (!read_sysfs(devt, "dm/name", buf, sizeof(buf)))
		return false;
	*suspended = read_sysfs(devt, "dm/suspended", buf, sizeof(buf)) &&
		!strcmp(buf, "1");
	if (!read_sysfs(devt, "dm/uuid", uuid, len))
		uuid[0] = '\0';
	return true;
}

int ifrep_blkdev_scan(uint64_t min_bytes,
		      int (*fn)(const char *path, dev_t devt, void *arg), void *arg)
{
	char line[256], name[128], path[PATH_MAX];
	unsigned long long kib;
	unsigned int ma, mi;
	FILE *f;
	int r = 0;

	f = fopen("/proc/partitions", "re");
	if (!f)
		return -errno;
	while (!r && fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %u %u %llu %127s", &ma, &mi, &kib, name) != 4)
			continue;
		if (kib * 1024 < min_bytes)
			continue;
		/* sysfs-style names write '/' as '!' (cciss!c0d0) */
		for (char *c = name; *c; c++)
			if (*c == '!')
				*c = '/';
		snprintf(path, sizeof(path), "/dev/%s", name);
		if (!ifrep_blkdev_same(path, makedev(ma, mi)))
			continue;
		r = fn(path, makedev(ma, mi), arg);
	}
	fclose(f);
	return r;
}

bool ifrep_blkdev_dm_name(dev_t devt, char *name, size_t len)
{
	return read_sysfs(devt, "dm/name", name, len) && name[0];
}

int ifrep_blkdev_related(dev_t devt, const char *dir, dev_t *out, size_t max)
{
	char path[PATH_MAX], line[64];
	struct dirent *e;
	size_t n = 0;
	FILE *f;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/%s", major(devt), minor(devt), dir);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d)) && n < max) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/block/%s/dev", e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f) && !ifrep_blkdev_parse_devt(strtok(line, "\n"), &out[n]))
			n++;
		fclose(f);
	}
	closedir(d);
	return (int)n;
}
