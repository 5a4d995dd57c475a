// SPDX-License-Identifier: GPL-2.0
/*
 * dm.c - the only libdevmapper user in ifrepctl (see dm.h).
 *
 * Each operation is one or a few dm tasks built and destroyed here:
 * create -> set name/uuid -> run, then reload with the table, then resume;
 * failures are unwound by removing the half-made device.  Resume and remove
 * carry a udev cookie; dm_udev_wait() is always called afterwards because
 * it also performs libdm's own /dev/mapper node work when udev
 * synchronisation is off (test VMs run without udev).
 */
#include "dm.h"

#include <errno.h>
#include <fcntl.h>
#include <libdevmapper.h>
#include <linux/dm-ioctl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static int dm_verbose;

/* libdm's log levels (not exported by libdevmapper.h) */
#define LIBDM_LOG_ERR	3
#define LIBDM_LOG_WARN	4
#define LIBDM_LOG_MASK	7

__attribute__((format(printf, 5, 6)))
static void libdm_log(int level, const char *file, int line, int dm_errno_or_class,
		      const char *fmt, ...)
{
	char msg[1024], *secret;
	va_list ap;

	(void)file;
	(void)line;
	(void)dm_errno_or_class;
	level &= LIBDM_LOG_MASK;
	if (!dm_verbose || (dm_verbose == 1 && level > LIBDM_LOG_WARN) ||
	    !strcmp(fmt, "<backtrace>"))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* never print a secret, even when debugging */
	secret = strstr(msg, "secret ");
	if (secret)
		snprintf(secret, sizeof(msg) - (size_t)(secret - msg), "secret [hidden]");
	fprintf(stderr, "ifrepctl: libdevmapper: %s\n", msg);
}

void ifrep_dm_setup(int verbose, bool udev_sync)
{
	dm_verbose = verbose;
	dm_log_with_errno_init(libdm_log);
	if (!udev_sync || getenv("DM_DISABLE_UDEV") || access("/run/udev/control", F_OK))
		dm_udev_set_sync_support(0);
	else
		dm_udev_set_sync_support(1);
}

void ifrep_dm_cleanup(void)
{
	dm_lib_release();
}

/*----------------------------------------------------------------*/

/*
 * A new task.  NULL means libdm could not even start (no device-mapper in
 * the kernel, no permission on /dev/mapper/control, no memory): callers
 * return -EIO, which ifrepctl explains by probing the control node.
 */
static struct dm_task *task(int type, const char *name)
{
	struct dm_task *dmt = dm_task_create(type);

	if (dmt && name && !dm_task_set_name(dmt, name)) {
		dm_task_destroy(dmt);
		return NULL;
	}
	return dmt;
}

static int run(struct dm_task *dmt)
{
	int e;

	if (dm_task_run(dmt))
		return 0;
	e = dm_task_get_errno(dmt);
	return e ? -e : -EIO;
}

/* Run a task that changes /dev nodes: resume, remove. */
static int run_with_cookie(struct dm_task *dmt)
{
	uint32_t cookie = 0;
	int r;

	if (!dm_task_set_cookie(dmt, &cookie, 0))
		return -EIO;
	r = run(dmt);
	(void)dm_udev_wait(cookie);
	return r;
}

/* Run @dmt, a question about one device, and read the device's dm_info. */
static int run_query(struct dm_task *dmt, struct dm_info *di)
{
	int r = run(dmt);

	if (!r && !dm_task_get_info(dmt, di))
		r = -EIO;
	return r;
}

int ifrep_dm_info(const char *name, struct ifrep_dm_info *info)
{
	struct dm_task *dmt = task(DM_DEVICE_INFO, name);
	struct dm_info di;
	const char *uuid;
	int r;

	memset(info, 0, sizeof(*info));
	if (!dmt)
		return -EIO;
	r = run_query(dmt, &di);
	if (!r && di.exists) {
		info->exists = true;
		info->suspended = di.suspended;
		info->major = di.major;
		info->minor = di.minor;
		info->open_count = di.open_count;
		info->event_nr = di.event_nr;
		uuid = dm_task_get_uuid(dmt);
		snprintf(info->uuid, sizeof(info->uuid), "%s", uuid ? uuid : "");
	}
	dm_task_destroy(dmt);
	return r;
}

int ifrep_dm_get(const char *name, bool status, struct ifrep_dm_target *t)
{
	struct dm_task *dmt = task(status ? DM_DEVICE_STATUS : DM_DEVICE_TABLE, name);
	struct dm_info di;
	void *next = NULL;
	uint64_t start, length;
	char *type, *params;
	int r;

	memset(t, 0, sizeof(*t));
	if (!dmt)
		return -EIO;
	r = run_query(dmt, &di);
	if (!r && !di.exists)
		r = -ENXIO;
	while (!r) {
		type = params = NULL;
		next = dm_get_next_target(dmt, next, &start, &length, &type, &params);
		if (type) {
			if (!t->count++) {
				t->start = start;
				t->length = length;
				snprintf(t->type, sizeof(t->type), "%s", type);
				t->params = strdup(params ? params : "");
				if (!t->params)
					r = -ENOMEM;
			}
		}
		if (!next)
			break;
	}
	dm_task_destroy(dmt);
	if (r)
		ifrep_dm_target_free(t);
	return r;
}

void ifrep_dm_target_free(struct ifrep_dm_target *t)
{
	free(t->params);
	t->params = NULL;
}

/*----------------------------------------------------------------*/

/*
 * Run @dmt (NULL: it could not be made, see task()) and destroy it.
 * @cookie: it changes /dev nodes (resume, remove).
 */
static int run_once(struct dm_task *dmt, bool cookie)
{
	int r;

	if (!dmt)
		return -EIO;
	r = cookie ? run_with_cookie(dmt) : run(dmt);
	dm_task_destroy(dmt);
	return r;
}

/* Load @n segments as the inactive table of @name (read-only if @ro). */
static int load(const char *name, bool ro, size_t n, const struct ifrep_dm_segment *segs)
{
	struct dm_task *dmt = task(DM_DEVICE_RELOAD, name);
	size_t i;

	if (dmt && ro && !dm_task_set_ro(dmt))
		goto nomem;
	for (i = 0; dmt && i < n; i++)
		if (!dm_task_add_target(dmt, segs[i].start, segs[i].len, segs[i].type,
					segs[i].params))
			goto nomem;
	return run_once(dmt, false);
nomem:
	dm_task_destroy(dmt);
	return -ENOMEM;
}

/*
 * Create @name with the @n segments of @segs and resume it; a device that
 * cannot be completed is removed again.
 */
static int create(const char *name, const char *uuid, bool ro, size_t n,
		  const struct ifrep_dm_segment *segs)
{
	struct dm_task *dmt = task(DM_DEVICE_CREATE, name);
	int r;

	if (dmt && uuid && !dm_task_set_uuid(dmt, uuid)) {
		dm_task_destroy(dmt);
		return -EINVAL;
	}
	r = run_once(dmt, false);
	if (r)
		return r;
	r = load(name, ro, n, segs);
	if (!r)
		r = ifrep_dm_resume(name);
	if (r)
		(void)ifrep_dm_remove(name);
	return r;
}

int ifrep_dm_reload(const char *name, uint64_t sectors, const char *type,
		    const char *params)
{
	const struct ifrep_dm_segment seg = { 0, sectors, type, params };

	return load(name, false, 1, &seg);
}

int ifrep_dm_suspend(const char *name)
{
	return run_once(task(DM_DEVICE_SUSPEND, name), false);
}

int ifrep_dm_resume(const char *name)
{
	return run_once(task(DM_DEVICE_RESUME, name), true);
}

int ifrep_dm_remove(const char *name)
{
	struct dm_task *dmt = task(DM_DEVICE_REMOVE, name);

	if (dmt)
		dm_task_retry_remove(dmt);
	return run_once(dmt, true);
}

int ifrep_dm_create(const char *name, const char *uuid, uint64_t sectors,
		    const char *type, const char *params)
{
	const struct ifrep_dm_segment seg = { 0, sectors, type, params };

	return create(name, uuid, false, 1, &seg);
}

int ifrep_dm_create_readonly(const char *name, const char *uuid, size_t n,
			     const struct ifrep_dm_segment *segs)
{
	return create(name, uuid, true, n, segs);
}

int ifrep_dm_message(const char *name, const char *msg, bool secure, char **response)
{
	struct dm_task *dmt = task(DM_DEVICE_TARGET_MSG, name);
	const char *resp;
	int r = -ENOMEM;

	if (response)
		*response = NULL;
	if (!dmt)
		return -EIO;
	if (!dm_task_set_sector(dmt, 0) || !dm_task_set_message(dmt, msg))
		goto out;
	if (secure && !dm_task_secure_data(dmt))
		goto out;
	r = run(dmt);
	if (!r && response) {
		resp = dm_task_get_message_response(dmt);
		*response = strdup(resp ? resp : "");
		if (!*response)
			r = -ENOMEM;
	}
out:
	dm_task_destroy(dmt);
	return r;
}

/*----------------------------------------------------------------*/

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ifrep_dm_list(const char *type, char ***out, size_t *nout)
{
	struct dm_task *dmt = task(DM_DEVICE_LIST, NULL);
	struct ifrep_dm_target t;
	struct dm_names *names;
	char **list = NULL, **grown;
	size_t n = 0;
	unsigned int next = 0;
	int r;

	*out = NULL;
	*nout = 0;
	if (!dmt)
		return -EIO;
	r = run(dmt);
	names = r ? NULL : dm_task_get_names(dmt);
	if (!r && !names)
		r = -EIO;
	if (!r && names->dev) {
		do {
			names = (struct dm_names *)((char *)names + next);
			next = names->next;
			/* a device may vanish between LIST and TABLE: skip it */
			if (ifrep_dm_get(names->name, false, &t))
				continue;
			if (t.count == 1 && !strcmp(t.type, type)) {
				grown = realloc(list, (n + 1) * sizeof(*list));
				if (!grown || !(grown[n] = strdup(names->name))) {
					list = grown ? grown : list;
					ifrep_dm_target_free(&t);
					r = -ENOMEM;
					break;
				}
				list = grown;
				n++;
			}
			ifrep_dm_target_free(&t);
		} while (next);
	}
	dm_task_destroy(dmt);
	if (r) {
		ifrep_dm_list_free(list, n);
		return r;
	}
	if (n)
		qsort(list, n, sizeof(*list), cmp_names);
	*out = list;
	*nout = n;
	return 0;
}

void ifrep_dm_list_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int ifrep_dm_target_version(const char *type, uint32_t version[3])
{
	struct dm_task *dmt = task(DM_DEVICE_LIST_VERSIONS, NULL);
	struct dm_versions *v, *last;
	int r;

	if (!dmt)
		return -EIO;
	r = run(dmt);
	if (!r) {
		r = -ENOENT;
		v = dm_task_get_versions(dmt);
		do {
			last = v;
			if (!strcmp(v->name, type)) {
				memcpy(version, v->version, 3 * sizeof(uint32_t));
				r = 0;
				break;
			}
			v = (struct dm_versions *)((char *)v + v->next);
		} while (last != v);
	}
	dm_task_destroy(dmt);
	return r;
}

/*----------------------------------------------------------------
 * Event watch
 *--------------------------------------------------------------*/

/* The ioctl interface version that brought DM_DEV_ARM_POLL (kernel 4.13). */
#define DM_ARM_POLL_VERSION_MINOR 37

static int arm_poll(int fd)
{
	struct dm_ioctl dmi;

	memset(&dmi, 0, sizeof(dmi));
	dmi.version[0] = DM_VERSION_MAJOR;
	dmi.version[1] = DM_ARM_POLL_VERSION_MINOR;
	dmi.data_size = sizeof(dmi);
	dmi.data_start = sizeof(dmi);
	return ioctl(fd, DM_DEV_ARM_POLL, &dmi) ? -errno : 0;
}

int ifrep_dm_watch_open(struct ifrep_dm_watch *w)
{
	w->fd = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
	if (w->fd < 0)
		return -errno;
	if (arm_poll(w->fd)) {
		close(w->fd);
		w->fd = -1;
	}
	return 0;
}

void ifrep_dm_watch_arm(struct ifrep_dm_watch *w)
{
	if (w->fd >= 0 && arm_poll(w->fd)) {
		close(w->fd);
		w->fd = -1;
	}
}

int ifrep_dm_watch_wait(struct ifrep_dm_watch *w, int timeout_ms)
{
	struct pollfd p = { .fd = w->fd, .events = POLLIN };
	struct timespec ts;
	int n;

	if (w->fd < 0) {
		if (timeout_ms < 0 || timeout_ms > IFREP_DM_WATCH_FALLBACK_MS)
			timeout_ms = IFREP_DM_WATCH_FALLBACK_MS;
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
		return nanosleep(&ts, NULL) ? -errno : 1;
	}
	n = poll(&p, 1, timeout_ms);
	if (n >= 0)
		return n > 0;
	if (errno == EINTR)
		return -EINTR;
	/* Not expected; sleeping instead still ends every wait. */
	ifrep_dm_watch_close(w);
	return 1;
}

void ifrep_dm_watch_close(struct ifrep_dm_watch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}
