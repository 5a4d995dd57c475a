// SPDX-License-Identifier: GPL-2.0
/*
 * dump.c - the volume file of what a host has (plan.h,
 * ifrep_dump_volume()), written from the volume's metadata.
 *
 * Every setting is written, defaults too: the file then says what the
 * volume does without the reader knowing the defaults, and applying it
 * on this host finds nothing to do.  A secondary knows nothing of its
 * primary, so a dump holds only this host's section; the other host's
 * dump is the other half of the file.
 */
#include <inttypes.h>
#include <stdio.h>

#include "msg.h"
#include "plan.h"
#include "util.h"

#define UNKNOWN_SECRET "# secret-file FILE   (not recorded: write the file's path here)"

static void dump_pair(const struct ifrep_meta_pair *mp, struct outbuf *o)
{
	bool remote = mp->flags & IFREP_PAIR_F_REMOTE;
	char sz[32];

	outbuf_printf(o, "\t\tpair %s {\n", mp->name);
	outbuf_printf(o, "\t\t\tto %s\n", mp->peer);
	outbuf_printf(o, "\t\t\tmode %s\n", ifrep_mode_name(mp->mode));
	outbuf_printf(o, "\t\t\trate %s\n",
		      ifrep_format_bytes_exact(mp->rate_bytes_per_s, sz, sizeof(sz)));
	if (mp->mode == IFREP_MODE_ASYNC) {
		outbuf_printf(o, "\t\t\tinterval %" PRIu32 "\n", mp->interval_s);
		outbuf_printf(o, "\t\t\tsync-points %" PRIu32 "\n", mp->sync_points);
	}
	if (mp->mode != IFREP_MODE_SYNC)
		outbuf_printf(o, "\t\t\tgranule %s\n", ifrep_format_bytes_exact(
			mp->granule_sectors ? (uint64_t)mp->granule_sectors * 512 :
			IFREP_DEFAULT_GRANULE_BYTES, sz, sizeof(sz)));
	if (mp->mode == IFREP_MODE_SYNC)
		outbuf_printf(o, "\t\t\tresync %s\n",
			      ifrep_resync_checksum(mp->mode, mp->flags, mp->resync_mode) ?
			      "checksum" : "full");
	if (mp->flags & IFREP_PAIR_F_JOURNAL)
		outbuf_printf(o, "\t\t\tjournal %s\n", mp->secret_file);
	if (remote) {
		outbuf_printf(o, "\t\t\ttimeout %" PRIu32 "\n",
			      mp->timeout_s ? mp->timeout_s : IFREP_DEFAULT_TIMEOUT_S);
		if (mp->flags & IFREP_PAIR_F_INSECURE)
			outbuf_printf(o, "\t\t\tinsecure\n");
		else if (mp->secret_file[0])
			outbuf_printf(o, "\t\t\tsecret-file %s\n", mp->secret_file);
		else
			outbuf_printf(o, "\t\t\t" UNKNOWN_SECRET "\n");
		if (mp->flags & IFREP_PAIR_F_INTEGRITY)
			outbuf_printf(o, "\t\t\tintegrity-only\n");
	}
	outbuf_printf(o, "\t\t}\n");
}

void ifrep_dump_volume(const char *name, const char *host, const struct ifrep_dump_devs *d,
		       const struct ifrep_meta *m, struct outbuf *o)
{
	char sz[32];
	unsigned int i;

	outbuf_printf(o, "volume %s {\n", name);
	outbuf_printf(o, "\ton %s {\n", host);
	outbuf_printf(o, "\t\tdata %s\n", d->data);
	outbuf_printf(o, "\t\tmeta %s\n", d->meta);
	outbuf_printf(o, "\t\trole %s\n", ifrep_role_name(m->role));
	outbuf_printf(o, "\t\tchunk-size %s\n",
		      ifrep_format_bytes_exact((uint64_t)m->chunk_sectors * 512, sz, sizeof(sz)));
	if (m->role == IFREP_ROLE_PRIMARY)
		outbuf_printf(o, "\t\thot-chunks %" PRIu32 "\n",
			      m->hot_chunks ? m->hot_chunks : IFREP_DEFAULT_HOT_CHUNKS);
	if (m->role == IFREP_ROLE_SECONDARY && m->listen[0]) {
		outbuf_printf(o, "\t\tlisten %s\n", m->listen);
		if (m->flags & IFREP_SB_F_INSECURE)
			outbuf_printf(o, "\t\tinsecure\n");
		else if (m->listen_secret_file[0])
			outbuf_printf(o, "\t\tsecret-file %s\n", m->listen_secret_file);
		else
			outbuf_printf(o, "\t\t" UNKNOWN_SECRET "\n");
	}
	if (m->role == IFREP_ROLE_SECONDARY && d->journal[0])
		outbuf_printf(o, "\t\tjournal %s\n", d->journal);
	for (i = 0; i < m->nr_pairs; i++)
		dump_pair(&m->pairs[i], o);
	outbuf_printf(o, "\t}\n}\n");
}
