// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_sync.c - sync: cut the cycles of async pairs now, optionally with
 * the filesystem on the volume frozen around the cut, and optionally wait
 * until the secondaries have committed them.
 *
 * While the filesystem is frozen nothing may be printed (stdout or stderr
 * may be files on it) and no signal may end the process (the filesystem
 * would stay frozen): see send_syncs().
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "blkdev.h"
#include "cli.h"
#include "cmdline.h"
#include "commands.h"
#include "dm.h"
#include "msg.h"
#include "outbuf.h"
#include "report.h"
#include "status.h"
#include "util.h"
#include "volume.h"

#define SYNC_TIMEOUT_S		300

/* An async pair a sync is about, and what became of it. */
struct sync_pair {
	char name[IFREP_NAME_LEN];
	bool candidate;			/* consistent when we looked: can be cut */
	bool cut;			/* the kernel cut it */
	int64_t cut_time;
	bool committed;
	char state[160];		/* "retrying (connect_failed)", for messages */
};

struct sync_job {
	const char *volume;
	const char *only;		/* PAIR, or NULL for every async pair */
	struct sync_pair pairs[IFREP_MAX_PAIRS];
	unsigned int n, candidates;
	double deadline;		/* now_s() limit of every wait */
	uint64_t timeout_s;
};

/* "retrying (connect_failed)", "in its initial copy (40.0% copied)". */
static void describe_pair(const struct ifrep_status *st, const struct ifrep_status_pair *p,
			  char *buf, size_t len)
{
	unsigned int pm = ifrep_synced_per_mille(ifrep_pair_pending(st, p), st->total_chunks);

	if (p->state == IFREP_PS_INITIAL_SYNC)
		snprintf(buf, len, "in its initial copy (%u.%u%% copied)", pm / 10, pm % 10);
	else if (p->reason[0])
		snprintf(buf, len, "%s (%s)", ifrep_pair_state_name(p->state), p->reason);
	else
		snprintf(buf, len, "%s", ifrep_pair_state_name(p->state));
}

static struct sync_pair *job_pair(struct sync_job *job, const char *name)
{
	unsigned int i;

	for (i = 0; i < job->n; i++)
		if (!strcmp(job->pairs[i].name, name))
			return &job->pairs[i];
	return NULL;
}

/* "dr (retrying (connect_failed)), dr2 (...)" of the pairs not cut. */
static void list_not_cut(const struct sync_job *job, char *buf, size_t len)
{
	struct outbuf o;
	unsigned int i;

	outbuf_init(&o, buf, len);
	for (i = 0; i < job->n; i++) {
		if (job->pairs[i].cut)
			continue;
		outbuf_printf(&o, "%s%s is %s", o.pos ? ", " : "", job->pairs[i].name,
			      job->pairs[i].state);
	}
}

/* Which async pairs the sync is about; refuses what cannot be cut at all. */
static int select_sync_pairs(const struct vol *v, struct sync_job *job)
{
	const struct ifrep_status_pair *p;
	struct sync_pair *sp;
	char why[1024];
	unsigned int i;

	if (v->st.role == IFREP_ROLE_SECONDARY)
		return fail("%s is a secondary: sync points are cut on its primary ('sync-point list %s' shows them here)",
			    v->name, v->name);
	if (job->only) {
		p = ifrep_status_find_pair(&v->st, job->only);
		if (!p)
			return fail("%s has no pair named %s", v->name, job->only);
		if (p->mode != IFREP_MODE_ASYNC)
			return fail("pair %s is a %s pair: only async pairs have sync points",
				    p->name, ifrep_mode_name(p->mode));
	}
	job->n = job->candidates = 0;
	for (i = 0; i < v->st.nr_pairs; i++) {
		p = &v->st.pairs[i];
		if (p->mode != IFREP_MODE_ASYNC || (job->only && strcmp(p->name, job->only)))
			continue;
		sp = &job->pairs[job->n++];
		memset(sp, 0, sizeof(*sp));
		snprintf(sp->name, sizeof(sp->name), "%s", p->name);
		describe_pair(&v->st, p, sp->state, sizeof(sp->state));
		sp->candidate = p->state == IFREP_PS_CONSISTENT;
		job->candidates += sp->candidate;
	}
	if (!job->n)
		return fail("%s has no async pair", v->name);
	if (job->only && !job->candidates) {
		sp = &job->pairs[0];
		if (strstr(sp->state, "initial copy"))
			return fail("pair %s is %s: its first sync point comes when it is consistent ('ifrepctl wait %s %s --state consistent')",
				    sp->name, sp->state, v->name, sp->name);
		return fail("pair %s is %s: only a consistent async pair can be cut", sp->name,
			    sp->state);
	}
	if (!job->candidates) {
		list_not_cut(job, why, sizeof(why));
		return fail("no async pair of %s can be cut now: %s", v->name, why);
	}
	return 0;
}

/*
 * Opens the filesystem to freeze.  It should be on the volume (or on a
 * device stacked on it): warn when it visibly is not.
 */
static bool devt_stacked_on(dev_t top, dev_t bottom, int depth)
{
	char path[96], line[32];
	unsigned int ma, mi;
	struct dirent *e;
	FILE *f;
	DIR *d;
	bool found = false;

	if (top == bottom)
		return true;
	if (depth > 8)
		return false;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/slaves", major(top), minor(top));
	d = opendir(path);
	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/block/%.40s/dev", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f) && sscanf(line, "%u:%u", &ma, &mi) == 2)
			found = devt_stacked_on(makedev(ma, mi), bottom, depth + 1);
		fclose(f);
	}
	closedir(d);
	return found;
}

static int open_freeze_target(const char *mp, int *fd)
{
	*fd = open(mp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0) {
		if (errno == ENOTDIR)
			return fail("--freeze %s: not a directory (give the mount point of the filesystem)",
				    mp);
		return fail("--freeze %s: %s", mp, strerror(errno));
	}
	return 0;
}

static void check_freeze_target(int fd, const char *mp, const struct vol *v)
{
	dev_t vol_devt = makedev(v->info.major, v->info.minor);
	char name[256];
	struct stat st;

	if (fstat(fd, &st))
		return;
	if (!major(st.st_dev)) {
		info("cannot tell whether %s is on %s (its filesystem names no block device)",
		     mp, v->name);
		return;
	}
	if (devt_stacked_on(st.st_dev, vol_devt, 0))
		return;
	ifrep_blkdev_name(st.st_dev, name, sizeof(name));
	warn("%s is on %s, not on %s: freezing it does not make the sync point of %s consistent",
	     mp, name, v->name, v->name);
}

/*
 * The kernel cuts after the running cycle of the pair ended, with our
 * filesystem frozen meanwhile: wait for a moment between cycles first.
 */
static int wait_between_cycles(struct sync_job *job, const char *mp)
{
	const struct ifrep_status_pair *p;
	struct ifrep_dm_watch watch;
	char busy[256];
	struct outbuf o;
	bool told = false;
	struct vol v;
	unsigned int i;
	int r;

	ifrep_dm_watch_open(&watch);
	for (;;) {
		ifrep_dm_watch_arm(&watch);
		if ((r = need_volume(job->volume, true, &v)))
			break;
		outbuf_init(&o, busy, sizeof(busy));
		for (i = 0; i < job->n; i++) {
			if (!job->pairs[i].candidate)
				continue;
			p = ifrep_status_find_pair(&v.st, job->pairs[i].name);
			if (p && p->has_cycle)
				outbuf_printf(&o, "%s%s (cycle %" PRIu64 "/%" PRIu64 ")",
					      o.pos ? ", " : "", p->name,
					      p->cycle_shipped, p->cycle_total);
		}
		if (!busy[0])
			break;
		if (now_s() >= job->deadline) {
			if (mp)
				r = fail("cycles keep running (%s): found no moment between two of them to freeze %s within %llus",
					 busy, mp, (unsigned long long)job->timeout_s);
			else
				r = fail("cycles keep running (%s): found no moment between two of them to cut within %llus",
					 busy, (unsigned long long)job->timeout_s);
			break;
		}
		if (!told && mp)
			info("waiting for the running cycle of %s to end before freezing %s", busy, mp);
		else if (!told)
			info("waiting for the running cycle of %s to end before cutting", busy);
		told = true;
		wait_dm_event(&watch, job->deadline);
	}
	ifrep_dm_watch_close(&watch);
	return r;
}

/* What the kernel's errno for "sync" means. */
static void sync_errstr(int r, const struct sync_job *job, const char *msg, char *buf,
			size_t len)
{
	switch (-r) {
	case ENOENT:
		if (strcmp(msg, "sync"))
			snprintf(buf, len, "%s has no async pair named %s now", job->volume,
				 msg + strlen("sync "));
		else
			snprintf(buf, len, "%s has no async pair now", job->volume);
		break;
	case EBUSY:
		snprintf(buf, len, "%s is suspended: resume it first", job->volume);
		break;
	case EINVAL:
		snprintf(buf, len, "the kernel refused '%s' (a dm-ifrep module without async cycles? see dmesg)",
			 msg);
		break;
	default:
		snprintf(buf, len, "'%s' failed: %s (see dmesg)", msg, dm_strerror(r));
		break;
	}
}

/*
 * Sends the sync message(s): one "sync" when every async pair can be cut,
 * else "sync PAIR" for each that can (a pair in its initial copy would hold
 * the message until the copy ends).  With @fd >= 0 the filesystem is
 * frozen around them.  Nothing may be printed while it is frozen (stdout
 * or stderr may be files on it): errors are collected in @err.
 */
static int send_syncs(struct sync_job *job, int fd, const char *mp, char *err, size_t errlen)
{
	struct ifrep_sync_cut cuts[IFREP_MAX_PAIRS];
	struct sync_pair *sp;
	char msg[IFREP_NAME_LEN + 8], why[256], *reply = NULL;
	unsigned int i, k, n;
	bool all = !job->only && job->candidates == job->n;
	sigset_t block, old;
	int r = 0, e;

	err[0] = '\0';
	if (fd >= 0) {
		sigemptyset(&block);
		sigaddset(&block, SIGINT);
		sigaddset(&block, SIGTERM);
		sigaddset(&block, SIGHUP);
		sigaddset(&block, SIGQUIT);
		sigaddset(&block, SIGTSTP);
		sigaddset(&block, SIGTTIN);
		sigaddset(&block, SIGTTOU);
		sigaddset(&block, SIGPIPE);
		fflush(stdout);
		fflush(stderr);
		sigprocmask(SIG_BLOCK, &block, &old);
		ifrep_dm_setup(0, !from_udev);		/* libdm must not print either */
		if (ioctl(fd, FIFREEZE, 0)) {
			e = errno;
			ifrep_dm_setup(verbose, !from_udev);
			sigprocmask(SIG_SETMASK, &old, NULL);
			if (e == EBUSY)
				return fail("cannot freeze %s: it is frozen already (thaw it with 'fsfreeze -u %s', or sync without --freeze)",
					    mp, mp);
			if (e == EOPNOTSUPP || e == ENOTTY)
				return fail("cannot freeze %s: its filesystem does not support freezing",
					    mp);
			if (e == EPERM || e == EACCES)
				return fail("cannot freeze %s: %s (freezing needs root)", mp,
					    strerror(e));
			return fail("cannot freeze %s: %s", mp, strerror(e));
		}
	}

	for (i = 0; i < (all ? 1 : job->n) && !r; i++) {
		if (!all && !job->pairs[i].candidate)
			continue;
		if (all)
			snprintf(msg, sizeof(msg), "sync");
		else
			snprintf(msg, sizeof(msg), "sync %s", job->pairs[i].name);
		free(reply);
		reply = NULL;
		r = ifrep_dm_message(job->volume, msg, false, &reply);
		if (r) {
			sync_errstr(r, job, msg, err, errlen);
			break;
		}
		r = ifrep_parse_sync_reply(reply, cuts, IFREP_MAX_PAIRS, &n, why, sizeof(why));
		if (r) {
			snprintf(err, errlen, "cannot understand the kernel's reply to '%s': %s",
				 msg, why);
			break;
		}
		for (k = 0; k < n; k++) {
			sp = job_pair(job, cuts[k].pair);
			if (!sp)
				continue;	/* an async pair added meanwhile */
			sp->cut = true;
			sp->cut_time = cuts[k].cut;
		}
	}
	free(reply);

	if (fd >= 0) {
		e = ioctl(fd, FITHAW, 0) ? errno : 0;
		ifrep_dm_setup(verbose, !from_udev);
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (e && e != EINVAL)
			return fail("cannot thaw %s: %s: it stays frozen until 'fsfreeze -u %s'",
				    mp, strerror(e), mp);
		if (e)
			warn("%s was thawed by someone else while the sync ran: the sync point may not be consistent",
			     mp);
	}
	return r ? -1 : 0;
}

/* Waits until the secondary holds every cut made. */
static int wait_commits(struct sync_job *job)
{
	const struct ifrep_status_pair *p;
	struct ifrep_dm_watch watch;
	char when[32], pending[1024];
	struct sync_pair *sp;
	struct outbuf o;
	struct vol v;
	unsigned int i;
	bool done;
	int r;

	ifrep_dm_watch_open(&watch);
	for (;;) {
		ifrep_dm_watch_arm(&watch);
		if ((r = need_volume(job->volume, true, &v)))
			break;
		done = true;
		outbuf_init(&o, pending, sizeof(pending));
		for (i = 0; i < job->n; i++) {
			sp = &job->pairs[i];
			if (!sp->cut || sp->committed)
				continue;
			p = ifrep_status_find_pair(&v.st, sp->name);
			if (!p) {
				r = fail("pair %s was removed before its cut at %s was committed",
					    sp->name, ifrep_format_local_time(sp->cut_time, when,
									      sizeof(when)));
				goto out;
			}
			switch (ifrep_cut_progress(p, sp->cut_time)) {
			case CUT_COMMITTED:
				sp->committed = true;
				printf("%s/%s: committed (last sync point %s)\n", job->volume,
				       sp->name, ifrep_format_local_time(p->last_sync, when,
									 sizeof(when)));
				fflush(stdout);
				break;
			case CUT_FAILED:
				r = fail("pair %s failed (%s): its cut at %s was not committed%s",
					    p->name, p->reason[0] ? p->reason : "no reason given",
					    ifrep_format_local_time(sp->cut_time, when, sizeof(when)),
					    !strcmp(p->reason, "journal_too_small") ?
					    " (the secondary's journal cannot hold the cycle: give it a larger journal device; see dmesg)" :
					    !strcmp(p->reason, "cycle_failed") ?
					    " (does the secondary have a journal? 'create --journal DEV'; see dmesg on both sides)" :
					    " (see dmesg)");
				goto out;
			default:
				done = false;
				if (p->has_cycle)
					outbuf_printf(&o, "%s%s: cycle %" PRIu64 "/%" PRIu64 " shipped",
						      o.pos ? ", " : "", p->name,
						      p->cycle_shipped, p->cycle_total);
				else if (p->state == IFREP_PS_CONSISTENT)
					outbuf_printf(&o, "%s%s: its cycle ended uncommitted (interrupted link?); the chunks go with the next cycle, which only 'sync' starts with --interval 0",
						      o.pos ? ", " : "", p->name);
				else
					outbuf_printf(&o, "%s%s: %s%s%s%s, no cycle running",
						      o.pos ? ", " : "", p->name,
						      ifrep_pair_state_name(p->state),
						      p->reason[0] ? " (" : "", p->reason,
						      p->reason[0] ? ")" : "");
				break;
			}
		}
		if (done)
			break;
		if (now_s() >= job->deadline) {
			r = fail("timed out after %llus waiting for the commit: %s",
				 (unsigned long long)job->timeout_s, pending);
			break;
		}
		wait_dm_event(&watch, job->deadline);
	}
out:
	ifrep_dm_watch_close(&watch);
	return r;
}

static const struct cli_option sync_opts[] = {
	{ "freeze", 'F', CLI_VALUE, NULL },
	{ "wait", 'W', CLI_FLAG, NULL },
	{ "timeout", 'T', CLI_VALUE, NULL },
	{ NULL }
};

/*
 * Whether a candidate was left uncut because a cycle started shipping just
 * before the message: then only the uncut ones are candidates again.
 */
static bool retry_uncut(struct sync_job *job)
{
	const struct ifrep_status_pair *p;
	bool again = false;
	struct vol v;
	unsigned int i;

	if (now_s() >= job->deadline || load_volume(job->volume, true, &v))
		return false;
	for (i = 0; i < job->n; i++) {
		p = ifrep_status_find_pair(&v.st, job->pairs[i].name);
		if (job->pairs[i].candidate && !job->pairs[i].cut && p && p->has_cycle &&
		    p->state == IFREP_PS_CONSISTENT)
			again = true;
	}
	if (!again)
		return false;
	job->candidates = 0;
	for (i = 0; i < job->n; i++) {
		job->pairs[i].candidate = job->pairs[i].candidate && !job->pairs[i].cut;
		job->candidates += job->pairs[i].candidate;
	}
	return true;
}

static int cmd_sync(const struct cli_args *args)
{
	const char *freeze = cli_opt(args, 'F'), *timeout = cli_opt(args, 'T'), *why;
	const char *pos[2] = { cli_pos(args, 0), cli_pos(args, 1) };
	char err[512], when[32], not_cut[1024];
	struct sync_job job;
	bool wait = cli_given(args, 'W');
	unsigned int i, nr_cut = 0;
	struct vol v;
	int r, fd = -1;

	memset(&job, 0, sizeof(job));
	job.timeout_s = SYNC_TIMEOUT_S;
	if (timeout) {
		if (!wait && !freeze)
			return usage_error("--timeout goes with --wait or --freeze");
		if (ifrep_parse_duration(timeout, &job.timeout_s, false, &why))
			return usage_error("--timeout %s: %s", timeout, why);
	}
	if (freeze && !freeze[0])
		return usage_error("--freeze needs a mount point");
	job.volume = pos[0];
	job.only = pos[1];
	job.deadline = now_s() + (double)job.timeout_s;

	if (freeze && (r = open_freeze_target(freeze, &fd)))
		return r;
	if ((r = need_volume(job.volume, true, &v)) || (r = select_sync_pairs(&v, &job)))
		goto out;
	if (fd >= 0)
		check_freeze_target(fd, freeze, &v);
	/*
	 * The kernel does not cut a pair while its cycle ships: cut between two
	 * cycles, and again for a pair whose next cycle started meanwhile.
	 */
	do {
		if ((r = wait_between_cycles(&job, freeze)))
			goto out;
		r = send_syncs(&job, fd, freeze, err, sizeof(err));
	} while (!r && retry_uncut(&job));
	if (r > 0)
		goto out;		/* freeze or thaw failed: said so */

	for (i = 0; i < job.n; i++) {
		if (!job.pairs[i].cut)
			continue;
		nr_cut++;
		printf("%s/%s: cut at %s\n", job.volume, job.pairs[i].name,
		       ifrep_format_local_time(job.pairs[i].cut_time, when, sizeof(when)));
	}
	fflush(stdout);
	if (r) {
		r = fail("%s", err);
		goto out;
	}
	/* a pair that changed state since we looked is not cut: say what it is now */
	if (nr_cut < job.n && !load_volume(job.volume, true, &v)) {
		for (i = 0; i < job.n; i++) {
			const struct ifrep_status_pair *p =
				ifrep_status_find_pair(&v.st, job.pairs[i].name);

			if (!job.pairs[i].cut && p)
				describe_pair(&v.st, p, job.pairs[i].state,
					      sizeof(job.pairs[i].state));
		}
	}
	if (wait && nr_cut && (r = wait_commits(&job)))
		goto out;
	if (nr_cut < job.n) {
		list_not_cut(&job, not_cut, sizeof(not_cut));
		r = fail("%s: not every async pair was cut: %s", job.volume, not_cut);
		goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	return r;
}

const struct cli_command command_sync = {
	.name = "sync",
	.options = sync_opts,
	.min_pos = 1, .max_pos = 2, .pos_names = "NAME",
	.checks = CHECK_POS0_VOLUME | CHECK_POS1_PAIR,
	.handler = cmd_sync,
	.synopsis = "sync NAME [PAIR] [--freeze MOUNTPOINT] [--wait] [--timeout SEC]",
	.help =
		"Cut a cycle of the async pair PAIR (of every async pair of NAME) now: the\n"
		"volume's content at this instant is shipped in the background and becomes the\n"
		"secondary's next sync point.  Prints 'NAME/PAIR: cut at TIME' per pair cut.\n"
		"Only consistent pairs can be cut (not during their initial copy); if one that\n"
		"was asked for is not cut, the exit status is 1.\n"
		"\n"
		"  --freeze MOUNTPOINT   freeze the filesystem mounted there (FIFREEZE) while the\n"
		"                        cut is made, then thaw it, so that the sync point is\n"
		"                        application-consistent; waits for a moment between two\n"
		"                        cycles first, so that the freeze is short\n"
		"  --wait                wait until the secondary has committed every cut\n"
		"                        (prints 'NAME/PAIR: committed'); exit 1 if a pair fails\n"
		"  --timeout SEC         limit of --wait and of --freeze's wait (default 300)\n",
};
