// SPDX-License-Identifier: GPL-2.0
/*
 * autoact.c - the rules for activating a volume automatically (see
 * autoact.h): this host's identity, the allow-list of activate.conf, and
 * what metadata from an arbitrary disk may make ifrepctl do.
 *
 * Every refusal says what to do about it; every string that came from the
 * disk is escaped before it goes into a message.
 */
#include "autoact.h"
#include "blkdev.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/*----------------------------------------------------------------
 * activate.conf
 *--------------------------------------------------------------*/

__attribute__((format(printf, 4, 5)))
static int bad_line(unsigned int line, char *why, size_t whylen, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(why, whylen, "line %u: %s", line, msg);
	return -EINVAL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* 32 hex digits, dashes anywhere ignored (8-4-4-4-12 works). */
static bool parse_uuid(const char *s, uint8_t uuid[16])
{
	unsigned int n = 0;
	int hi = -1, v;

	for (; *s; s++) {
		if (*s == '-')
			continue;
		v = hexval(*s);
		if (v < 0 || n == 16)
			return false;
		if (hi < 0) {
			hi = v;
		} else {
			uuid[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return n == 16 && hi < 0;
}

static int parse_allow(char **w, unsigned int nw, unsigned int line,
		       struct ifrep_autoact_conf *c, char *why, size_t whylen)
{
	struct ifrep_allow *a;
	const char *e;
	unsigned int i;

	if (nw < 2)
		return bad_line(line, why, whylen, "'allow' needs a volume name");
	if (!ifrep_valid_volume_name(w[1], &e))
		return bad_line(line, why, whylen, "volume name '%s': %s", w[1], e);
	if (c->nr_allow == IFREP_MAX_ALLOW)
		return bad_line(line, why, whylen, "more than %d 'allow' lines", IFREP_MAX_ALLOW);
	a = &c->allow[c->nr_allow];
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", w[1]);
	for (i = 2; i < nw; i++) {
		if (!strncmp(w[i], "uuid=", 5)) {
			if (a->has_uuid || !parse_uuid(w[i] + 5, a->uuid))
				return bad_line(line, why, whylen,
						"'%s': a uuid is 32 hex digits, given once", w[i]);
			a->has_uuid = true;
		} else if (!strncmp(w[i], "meta=", 5)) {
			if (a->meta[0] || w[i][5] != '/' || strlen(w[i] + 5) >= sizeof(a->meta))
				return bad_line(line, why, whylen,
						"'%s': meta= takes an absolute device path, given once",
						w[i]);
			snprintf(a->meta, sizeof(a->meta), "%s", w[i] + 5);
		} else {
			return bad_line(line, why, whylen,
					"unknown 'allow' condition '%s' (uuid=HEX or meta=PATH)", w[i]);
		}
	}
	c->nr_allow++;
	return 0;
}

#define MAX_WORDS 8

int ifrep_autoact_parse(const char *text, struct ifrep_autoact_conf *c,
			char *why, size_t whylen)
{
	char buf[512], *w[MAX_WORDS], *save, *t;
	unsigned int line = 0, nw;
	const char *p = text, *nl;
	size_t len;
	int r;

	memset(c, 0, sizeof(*c));
	while (*p) {
		line++;
		nl = strchr(p, '\n');
		len = nl ? (size_t)(nl - p) : strlen(p);
		if (len >= sizeof(buf))
			return bad_line(line, why, whylen, "longer than %zu characters",
					sizeof(buf) - 1);
		memcpy(buf, p, len);
		buf[len] = '\0';
		p += len + (nl ? 1 : 0);
		if ((t = strchr(buf, '#')))
			*t = '\0';
		nw = 0;
		for (t = strtok_r(buf, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
			if (nw == MAX_WORDS)
				return bad_line(line, why, whylen, "too many words");
			w[nw++] = t;
		}
		if (!nw)
			continue;
		if (!strcmp(w[0], "homehost")) {
			if (nw != 2 || !ifrep_valid_host_id(w[1]))
				return bad_line(line, why, whylen,
						"'homehost' takes one name of 1 to %d characters of [A-Za-z0-9._-], not localhost",
						IFREP_HOST_LEN - 1);
			if (c->homehost[0])
				return bad_line(line, why, whylen, "a second 'homehost'");
			snprintf(c->homehost, sizeof(c->homehost), "%s", w[1]);
		} else if (!strcmp(w[0], "allow")) {
			if ((r = parse_allow(w, nw, line, c, why, whylen)))
				return r;
		} else {
			return bad_line(line, why, whylen,
					"unknown keyword '%.40s' (homehost or allow)", w[0]);
		}
	}
	return 0;
}

/*----------------------------------------------------------------
 * Host identity
 *--------------------------------------------------------------*/

bool ifrep_valid_host_id(const char *s)
{
	static const char *const generic[] = {
		"localhost", "localhost.localdomain", "localhost6",
		"localhost6.localdomain6", "(none)", "localdomain",
	};
	size_t i, len = strlen(s);

	if (!len || len >= IFREP_HOST_LEN)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (!isalnum(ch) && ch != '.' && ch != '-' && ch != '_')
			return false;
	}
	for (i = 0; i < ARRAY_SIZE(generic); i++)
		if (!strcasecmp(s, generic[i]))
			return false;
	return true;
}

bool ifrep_host_id(const struct ifrep_autoact_conf *c, const char *hostname,
		   char *buf, size_t len)
{
	const char *id = c && c->homehost[0] ? c->homehost : hostname;

	if (!id || !ifrep_valid_host_id(id) || strlen(id) >= len) {
		if (len)
			buf[0] = '\0';
		return false;
	}
	snprintf(buf, len, "%s", id);
	return true;
}

/*----------------------------------------------------------------
 * The check
 *--------------------------------------------------------------*/

bool ifrep_path_under(const char *path, const char *dir)
{
	size_t dl = strlen(dir);
	const char *p, *end;

	if (strncmp(path, dir, dl) || path[dl] != '/' || !path[dl + 1])
		return false;
	for (p = path; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return false;
	/* every component after the directory: not empty, ".", or ".." */
	for (p = path + dl + 1; *p; p = *end ? end + 1 : end) {
		end = strchr(p, '/');
		if (!end)
			end = p + strlen(p);
		if (end == p || (end - p == 1 && p[0] == '.') ||
		    (end - p == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (!*end)
			break;
		if (!end[1])
			return false;		/* a trailing '/': a directory */
	}
	return true;
}

const char *ifrep_uuid_format(const uint8_t uuid[16], char *buf, size_t len)
{
	char hex[33];

	ifrep_hex_encode(uuid, 16, hex);
	snprintf(buf, len, "%s", hex);
	return buf;
}

static const struct ifrep_allow *allowed(const struct ifrep_meta *m,
					 const struct ifrep_autoact_conf *c, dev_t meta_devt)
{
	unsigned int i;

	for (i = 0; i < c->nr_allow; i++) {
		const struct ifrep_allow *a = &c->allow[i];

		if (strcmp(a->name, m->volume_name))
			continue;
		if (a->has_uuid && memcmp(a->uuid, m->uuid, sizeof(a->uuid)))
			continue;
		if (a->meta[0] && !ifrep_blkdev_same(a->meta, meta_devt))
			continue;
		return a;
	}
	return NULL;
}

/* Not empty, and only printable ASCII without blanks. */
static bool printable_word(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

/* The secret files activation would read: each must lie under /etc/ifrep. */
static int check_secret_files(const struct ifrep_meta *m, char *why, size_t whylen)
{
	char e1[IFREP_PATH_LEN * 4], e2[IFREP_NAME_LEN * 4];
	unsigned int i;

	if (m->role == IFREP_ROLE_SECONDARY && m->listen[0] && m->listen_secret_file[0] &&
	    !ifrep_path_under(m->listen_secret_file, IFREP_ETC_DIR))
		return ifrep_explain(-EPERM, why, whylen,
				     "its listen secret file %s is not under " IFREP_ETC_DIR
				     ": not read when activating automatically",
				     ifrep_escape(m->listen_secret_file, e1, sizeof(e1)));
	for (i = 0; i < m->nr_pairs; i++) {
		const struct ifrep_meta_pair *p = &m->pairs[i];

		if (!ifrep_meta_pair_reads_secret(p))
			continue;
		if (!ifrep_path_under(p->secret_file, IFREP_ETC_DIR))
			return ifrep_explain(-EPERM, why, whylen,
					     "the secret file %s of its pair %s is not under " IFREP_ETC_DIR
					     ": not read when activating automatically",
					     ifrep_escape(p->secret_file, e1, sizeof(e1)),
					     ifrep_escape(p->name, e2, sizeof(e2)));
	}
	return 0;
}

int ifrep_autoact_check(const struct ifrep_meta *m, const struct ifrep_autoact_conf *c,
			const char *host_id, dev_t meta_devt, char *why, size_t whylen)
{
	char name[IFREP_VOLUME_NAME_LEN * 4], home[IFREP_HOST_LEN * 4], uuid[33];
	char addr[IFREP_PATH_LEN * 4];
	const char *e;
	int r;

	ifrep_escape(m->volume_name, name, sizeof(name));
	if (!ifrep_valid_volume_name(m->volume_name, &e))
		return ifrep_explain(-EPERM, why, whylen, "its volume name '%s' is not usable: %s", name, e);
	if (!(host_id && host_id[0] && !strcmp(m->home_host, host_id)) &&
	    !allowed(m, c, meta_devt)) {
		ifrep_uuid_format(m->uuid, uuid, sizeof(uuid));
		if (!m->home_host[0])
			return ifrep_explain(-EPERM, why, whylen,
					     "its metadata names no home host, and 'allow %s uuid=%s' is not in "
					     IFREP_ACTIVATE_CONF, name, uuid);
		return ifrep_explain(-EPERM, why, whylen,
				     "its metadata names home host '%s', not this host%s%s%s, and 'allow %s uuid=%s' is not in "
				     IFREP_ACTIVATE_CONF,
				     ifrep_escape(m->home_host, home, sizeof(home)),
				     host_id && host_id[0] ? " ('" : " (which has no usable identity: set 'homehost' in " IFREP_ACTIVATE_CONF,
				     host_id && host_id[0] ? host_id : "",
				     host_id && host_id[0] ? "')" : ")", name, uuid);
	}
	/* device paths go into the table line and into messages */
	if (!printable_word(m->data_path))
		return ifrep_explain(-EPERM, why, whylen, "its data device path '%s' is not a usable path",
				     ifrep_escape(m->data_path, addr, sizeof(addr)));
	if (m->role == IFREP_ROLE_SECONDARY && m->journal_path[0] &&
	    !printable_word(m->journal_path))
		return ifrep_explain(-EPERM, why, whylen, "its journal device path '%s' is not a usable path",
				     ifrep_escape(m->journal_path, addr, sizeof(addr)));
	if (m->role == IFREP_ROLE_SECONDARY && m->listen[0] && (m->flags & IFREP_SB_F_INSECURE))
		return ifrep_explain(-EPERM, why, whylen,
				     "it listens on %s for primaries without a secret (insecure), which is never activated automatically",
				     ifrep_escape(m->listen, addr, sizeof(addr)));
	if ((r = check_secret_files(m, why, whylen)))
		return r;
	return 0;
}
