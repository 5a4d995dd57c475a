// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_status.c - the commands that look at volumes without changing them:
 * status (human, --json, --watch) and wait (for pairs to reach a state).
 *
 * wait and events read the kernel's status lines again after each
 * device-mapper event (every change of a pair or volume raises one);
 * status --watch redraws every second (progress raises none).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "blkdev.h"
#include "cli.h"
#include "cmdline.h"
#include "commands.h"
#include "copydev.h"
#include "dm.h"
#include "events.h"
#include "meta.h"
#include "outbuf.h"
#include "report.h"
#include "status.h"
#include "table.h"
#include "util.h"
#include "volume.h"

/*----------------------------------------------------------------
 * wait
 *--------------------------------------------------------------*/

static const struct cli_option wait_opts[] = {
	{ "state", 'S', CLI_VALUE, NULL },
	{ "timeout", 'T', CLI_VALUE, NULL },
	{ NULL }
};

/* "a=resyncing (dirty 3/128), b=in-sync" */
static void describe_states(const struct vol *v, const char *pair, char *buf, size_t len)
{
	struct outbuf o;
	unsigned int i;

	outbuf_init(&o, buf, len);
	for (i = 0; i < v->st.nr_pairs; i++) {
		const struct ifrep_status_pair *p = &v->st.pairs[i];

		if (pair && strcmp(p->name, pair))
			continue;
		outbuf_printf(&o, "%s%s is %s (dirty %llu/%llu)%s%s",
			      o.pos ? ", " : "", p->name, ifrep_pair_state_name(p->state),
			      (unsigned long long)ifrep_pair_pending(&v->st, p),
			      (unsigned long long)v->st.total_chunks,
			      p->reason[0] ? ", reason " : "", p->reason);
	}
}

static int cmd_wait(const struct cli_args *args)
{
	const char *state = cli_opt(args, 'S'), *timeout = cli_opt(args, 'T'), *why;
	uint64_t timeout_s = 0;
	bool has_timeout = false, done;
	struct ifrep_dm_watch watch;
	const char *pos[2] = { cli_pos(args, 0), cli_pos(args, 1) };
	char states[1024];
	struct vol v;
	unsigned int i;
	double start;
	int r, want;

	if (!state)
		return usage_error("missing --state STATE");
	want = ifrep_pair_state_parse(state);
	if (want < 0)
		return usage_error("--state %s: not a pair state (%s)", state, ifrep_state_list());
	if (timeout) {
		if (ifrep_parse_duration(timeout, &timeout_s, true, &why))
			return usage_error("--timeout %s: %s", timeout, why);
		has_timeout = true;
	}

	start = now_s();
	ifrep_dm_watch_open(&watch);
	for (;;) {
		ifrep_dm_watch_arm(&watch);
		if ((r = need_volume(pos[0], true, &v)))
			break;
		if (pos[1] && !ifrep_status_find_pair(&v.st, pos[1])) {
			r = fail("%s has no pair named %s", v.name, pos[1]);
			break;
		}
		if (!pos[1] && !v.st.nr_pairs) {
			r = fail("%s has no pairs", v.name);
			break;
		}
		done = true;
		for (i = 0; i < v.st.nr_pairs; i++) {
			if (pos[1] && strcmp(v.st.pairs[i].name, pos[1]))
				continue;
			if ((int)v.st.pairs[i].state != want)
				done = false;
		}
		if (done) {
			r = 0;
			break;
		}
		if (has_timeout && now_s() - start >= (double)timeout_s) {
			describe_states(&v, pos[1], states, sizeof(states));
			r = fail("timed out after %llus waiting for %s: %s",
				 (unsigned long long)timeout_s, state, states);
			break;
		}
		wait_dm_event(&watch, has_timeout ? start + (double)timeout_s : 0);
	}
	ifrep_dm_watch_close(&watch);
	return r;
}

const struct cli_command command_wait = {
	.name = "wait",
	.options = wait_opts,
	.min_pos = 1, .max_pos = 2, .pos_names = "NAME",
	.checks = CHECK_POS0_VOLUME | CHECK_POS1_PAIR,
	.handler = cmd_wait,
	.synopsis = "wait NAME [PAIR] --state STATE [--timeout SEC]",
	.help =
		"Wait until PAIR (or every pair of NAME) is in STATE; exit 1 on timeout.\n"
		"STATE is one of: initial-sync in-sync consistent resyncing retrying\n"
		"disconnected paused split-brain done failed.\n",
};

/*----------------------------------------------------------------
 * status
 *--------------------------------------------------------------*/

static volatile sig_atomic_t stop_watch;

static void on_signal(int sig)
{
	(void)sig;
	stop_watch = 1;
}

/*
 * What the kernel uses as the snapshot store: the metadata device past the
 * blocks the metadata takes.  Unknown when the device cannot be opened by
 * its name (it is then left out, not guessed).
 */
static void store_size(struct ifrep_volume_view *view)
{
	uint64_t bytes, meta;
	char why[256];

	if (view->st.whole_fail || view->meta_device[0] != '/' ||
	    ifrep_blkdev_size(view->meta_device, &bytes, why, sizeof(why)))
		return;
	meta = ifrep_meta_blocks_needed(view->st.total_chunks) * IFREP_META_BLOCK_SIZE;
	view->has_store = true;
	view->store_bytes = bytes > meta ? (bytes - meta) / IFREP_META_BLOCK_SIZE *
					   IFREP_META_BLOCK_SIZE : 0;
}

/*
 * The hot set of a primary, from the hot_set message; asked only of a
 * module that has it, so that older ones log no unknown message per call.
 */
static void hot_set(struct ifrep_volume_view *view)
{
	static int known = -1;
	unsigned long long used, max, evicted;
	uint32_t version[3];
	char *reply = NULL;

	if (known < 0)
		known = !ifrep_dm_target_version(IFREP_TARGET_NAME, version) &&
			(version[0] > 1 ||
			 (version[0] == 1 && version[1] >= IFREP_HOT_CHUNKS_VERSION_MINOR));
	if (!known || view->st.whole_fail || view->st.role != IFREP_ROLE_PRIMARY)
		return;
	if (!ifrep_dm_message(view->name, "hot_set", false, &reply) &&
	    sscanf(reply, "%llu %llu %llu", &used, &max, &evicted) == 3) {
		view->has_hot = true;
		view->hot_used = used;
		view->hot_max = max;
	}
	free(reply);
}

/*
 * The pairs' records in the metadata, for what the status line does not
 * say (a sync pair's resync choice, the settings of pair add and pair set).  Left out when the metadata cannot be
 * read; a pair not in it yet (just added) has no record.
 */
static void pair_records(const struct vol *v, struct ifrep_volume_view *view)
{
	const struct ifrep_meta_pair *mp;
	struct ifrep_meta m;
	char path[256], why[256];
	unsigned int i;

	if (view->st.whole_fail || !view->st.nr_pairs)
		return;
	ifrep_blkdev_name(v->meta_devt, path, sizeof(path));
	if (path[0] != '/' || ifrep_meta_read(path, &m, why, sizeof(why)) != META_VALID) {
		info("cannot read the pair records of %s: resync choices and settings unknown",
		     v->name);
		return;
	}
	for (i = 0; i < view->st.nr_pairs; i++) {
		mp = ifrep_meta_find_pair(&m, view->st.pairs[i].name);
		if (!mp || mp->mode != (uint32_t)view->st.pairs[i].mode)
			continue;
		view->has_record[i] = true;
		view->record_flags[i] = mp->flags;
		view->record_resync_mode[i] = mp->resync_mode;
		view->record_rate[i] = mp->rate_bytes_per_s;
		view->record_timeout_s[i] = mp->timeout_s;
		view->record_interval_s[i] = mp->interval_s;
		view->record_sync_points[i] = mp->sync_points;
	}
}

static void fill_view(const struct vol *v, struct ifrep_volume_view *view)
{
	unsigned int i;

	memset(view, 0, sizeof(*view));
	snprintf(view->name, sizeof(view->name), "%s", v->name);
	view->size_bytes = v->sectors << 9;
	ifrep_blkdev_token_name(v->table.data_dev, view->data_device, sizeof(view->data_device));
	ifrep_blkdev_token_name(v->table.meta_dev, view->meta_device, sizeof(view->meta_device));
	if (v->table.journal[0])
		ifrep_blkdev_token_name(v->table.journal, view->journal_device,
					sizeof(view->journal_device));
	view->st = v->st;
	store_size(view);
	hot_set(view);
	pair_records(v, view);
	for (i = 0; i < v->st.nr_pairs; i++)
		if (v->st.pairs[i].mode == IFREP_MODE_COPY &&
		    copydev_exists(v->name, v->st.pairs[i].name))
			snprintf(view->copy_device[i], sizeof(view->copy_device[i]),
				 "/dev/mapper/%s-%s", v->name, v->st.pairs[i].name);
}

/*
 * Collect the views of @name (or of every volume).  Returns the exit code
 * so far; volumes that vanish while listed are skipped silently.
 */
static int collect(const char *name, struct ifrep_volume_view **views, size_t *n)
{
	char **names = NULL;
	size_t nr = 0, i;
	struct vol v;
	int r, rc = 0;

	*views = NULL;
	*n = 0;
	need_dm();
	if (name) {
		if ((r = need_volume(name, true, &v)))
			return r;
		*views = calloc(1, sizeof(**views));
		if (!*views)
			return fail("out of memory");
		fill_view(&v, *views);
		*n = 1;
		return 0;
	}
	r = ifrep_dm_list(IFREP_TARGET_NAME, &names, &nr);
	if (r)
		return fail("cannot list devices: %s", dm_strerror(r));
	*views = calloc(nr ? nr : 1, sizeof(**views));
	if (!*views) {
		ifrep_dm_list_free(names, nr);
		return fail("out of memory");
	}
	for (i = 0; i < nr; i++) {
		r = load_volume(names[i], true, &v);
		if (r == -ENXIO)
			continue;
		if (r) {
			rc = EXIT_FAILED;
			continue;
		}
		fill_view(&v, &(*views)[(*n)++]);
	}
	ifrep_dm_list_free(names, nr);
	return rc;
}

static const struct cli_option status_opts[] = {
	{ "json", 'j', CLI_FLAG, NULL },
	{ "watch", 'w', CLI_FLAG, NULL },
	{ "format", 'F', CLI_VALUE | CLI_LONG_ONLY, NULL },
	{ NULL }
};

static int cmd_status(const struct cli_args *args)
{
	struct ifrep_volume_view *views;
	struct timespec second = { 1, 0 };
	bool json = cli_given(args, 'j'), watch = cli_given(args, 'w'), prom = false;
	bool tty = isatty(STDOUT_FILENO);
	const char *pos[1] = { cli_pos(args, 0) }, *format = cli_opt(args, 'F');
	size_t n;
	int r;

	if (format) {
		if (!strcmp(format, "prometheus"))
			prom = true;
		else if (strcmp(format, "json") && strcmp(format, "human"))
			return usage_error("--format %s: human, json or prometheus", format);
		if (json && strcmp(format, "json"))
			return usage_error("--json and --format %s contradict each other", format);
		json = !strcmp(format, "json");
		if (prom && watch)
			return usage_error("--format prometheus is read by a collector: no --watch (run it from a timer)");
	}

	if (watch) {
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
	}
	for (;;) {
		r = collect(pos[0], &views, &n);
		if (r && !n) {
			free(views);
			return r;
		}
		if (watch && !json && tty)
			fputs("\033[H\033[J", stdout);
		if (prom)
			ifrep_report_prometheus(stdout, views, n);
		else if (json)
			ifrep_report_json(stdout, views, n);
		else if (!n)
			printf("No dm-ifrep volumes.\n");
		else
			ifrep_report_human(stdout, views, n);
		free(views);
		fflush(stdout);
		if (!watch)
			return r;
		if (!json && !tty)
			putchar('\n');
		nanosleep(&second, NULL);
		if (stop_watch)
			return 0;
	}
}

const struct cli_command command_status = {
	.name = "status",
	.options = status_opts,
	.min_pos = 0, .max_pos = 1, .pos_names = "NAME",
	.checks = CHECK_POS0_VOLUME | CHECK_NEEDS_DM,
	.handler = cmd_status,
	.synopsis = "status [NAME] [--json] [--format human|json|prometheus] [--watch]",
	.help =
		"Show volumes and pairs.  --json prints one JSON object; --watch redraws every\n"
		"second until interrupted (with --json: one object per line).\n"
		"--format json is --json; --format prometheus prints the Prometheus text\n"
		"exposition format, for node_exporter's textfile collector (metric names in\n"
		"ifrepctl(8)); it takes no --watch.\n",
};

/*----------------------------------------------------------------
 * events
 *--------------------------------------------------------------*/

static const struct cli_option events_opts[] = {
	{ "json", 'j', CLI_FLAG, NULL },
	{ "now", 'n', CLI_FLAG | CLI_LONG_ONLY, NULL },
	{ "timestamps", 't', CLI_FLAG | CLI_LONG_ONLY, NULL },
	{ NULL }
};

/*
 * The status of @only (or of every volume) now.  A volume that vanishes
 * or cannot be read while listed is left out: if it comes back, it is
 * reported as created again.
 */
static int read_events_view(const char *only, struct ifrep_events_view *view)
{
	char **names = NULL;
	size_t nr = 0, i;
	struct vol v;
	int r;

	view->n = 0;
	r = ifrep_dm_list(IFREP_TARGET_NAME, &names, &nr);
	if (r)
		return fail("cannot list devices: %s", dm_strerror(r));
	free(view->vols);
	view->vols = calloc(nr ? nr : 1, sizeof(*view->vols));
	if (!view->vols) {
		ifrep_dm_list_free(names, nr);
		return fail("out of memory");
	}
	for (i = 0; i < nr; i++) {
		if (only && strcmp(names[i], only))
			continue;
		if (load_volume(names[i], true, &v))
			continue;
		snprintf(view->vols[view->n].name, sizeof(view->vols[0].name), "%s", names[i]);
		view->vols[view->n++].st = v.st;
	}
	ifrep_dm_list_free(names, nr);
	return 0;
}

static int cmd_events(const struct cli_args *args)
{
	struct ifrep_events_view views[2] = { { NULL, 0 }, { NULL, 0 } };
	struct ifrep_events_out out = { .f = stdout, .json = cli_given(args, 'j') };
	bool stamps = cli_given(args, 't') || out.json;
	struct ifrep_dm_watch watch;
	unsigned int cur = 0;
	char when[32];
	int r;

	r = ifrep_dm_watch_open(&watch);
	if (r)
		return fail("cannot open /dev/mapper/control to wait for events: %s", strerror(-r));
	if (watch.fd < 0 && !cli_given(args, 'n'))
		return fail("this kernel cannot report device-mapper events to poll() (4.13 or later can)");
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	ifrep_dm_watch_arm(&watch);
	r = read_events_view(cli_pos(args, 0), &views[cur]);
	if (!r) {
		out.time = stamps ? ifrep_format_iso8601(time(NULL), when, sizeof(when)) : NULL;
		ifrep_events_exists(&out, &views[cur]);
		fflush(stdout);
	}
	while (!r && !cli_given(args, 'n')) {
		if (wait_dm_event(&watch, 0) == -EINTR || stop_watch)
			break;
		ifrep_dm_watch_arm(&watch);
		r = read_events_view(cli_pos(args, 0), &views[!cur]);
		if (r)
			break;
		out.time = stamps ? ifrep_format_iso8601(time(NULL), when, sizeof(when)) : NULL;
		ifrep_events_diff(&out, &views[cur], &views[!cur]);
		fflush(stdout);
		cur = !cur;
	}
	free(views[0].vols);
	free(views[1].vols);
	ifrep_dm_watch_close(&watch);
	return r;
}

const struct cli_command command_events = {
	.name = "events",
	.options = events_opts,
	.min_pos = 0, .max_pos = 1, .pos_names = "NAME",
	.checks = CHECK_POS0_VOLUME | CHECK_NEEDS_DM,
	.handler = cmd_events,
	.synopsis = "events [NAME] [--json] [--timestamps] [--now]",
	.help =
		"Print the volumes and pairs as they are (\"exists\" lines, ended by\n"
		"\"exists -\"), then one line per change as it happens, until interrupted:\n"
		"volumes and pairs created, changed (role, health, state, reason) and\n"
		"destroyed, sync points committed, verifies started and ended.  Waits for\n"
		"device-mapper events; never polls.  --json: one JSON object per line;\n"
		"--timestamps: each line starts with the time; --now: print the current\n"
		"state and exit.\n",
};
