// SPDX-License-Identifier: GPL-2.0
/*
 * util.c - parsing and formatting of administrator input.
 *
 * Every parser is strict: the whole string must be consumed, numbers never
 * wrap, and nothing is guessed.  Messages are static strings so callers can
 * build their single error line around them.
 */
#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/*----------------------------------------------------------------*/

/*
 * Leading decimal digits of @s into @v; returns characters consumed, or -1
 * with *@why set (to @empty when there is no @s at all).
 */
static int scan_digits(const char *s, uint64_t *v, const char *empty, const char **why)
{
	uint64_t n = 0;
	int i;

	if (!s || !*s) {
		*why = empty;
		return -1;
	}
	for (i = 0; isdigit((unsigned char)s[i]); i++) {
		unsigned int d = (unsigned int)(s[i] - '0');

		if (n > (UINT64_MAX - d) / 10) {
			*why = "number too large";
			return -1;
		}
		n = n * 10 + d;
	}
	if (i == 0) {
		*why = "not a number";
		return -1;
	}
	*v = n;
	return i;
}

int ifrep_parse_u64(const char *s, uint64_t *out, const char **why)
{
	uint64_t v;
	int n;

	n = scan_digits(s, &v, "empty value", why);
	if (n < 0)
		return -EINVAL;
	if (s[n]) {
		*why = "not a whole number";
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int ifrep_parse_size(const char *s, uint64_t *out, unsigned int flags,
		     const char **why)
{
	static const char units[] = "KMGTPE";
	char suffix[8];
	const char *p, *u;
	uint64_t v, mult = 1;
	size_t len;
	int n, shift;

	n = scan_digits(s, &v, "empty size", why);
	if (n < 0)
		return -EINVAL;
	p = s + n;
	if (*p == '.' || *p == ',') {
		*why = "not a whole number (use a smaller unit)";
		return -EINVAL;
	}

	len = strlen(p);
	if ((flags & SIZE_ALLOW_PER_SEC) && len >= 2 && !strcmp(p + len - 2, "/s"))
		len -= 2;
	if (len >= sizeof(suffix)) {
		*why = "unknown unit";
		return -EINVAL;
	}
	memcpy(suffix, p, len);
	suffix[len] = '\0';

	if (!*suffix || !strcmp(suffix, "B") || !strcmp(suffix, "b")) {
		mult = 1;
	} else {
		u = strchr(units, toupper((unsigned char)suffix[0]));
		if (!u) {
			*why = "unknown unit (use K, M, G, T, P or E: powers of 1024)";
			return -EINVAL;
		}
		if (suffix[1] == '\0' || !strcmp(suffix + 1, "iB")) {
			shift = 10 * (int)(u - units + 1);
			mult = UINT64_C(1) << shift;
		} else if (!strcmp(suffix + 1, "B")) {
			*why = "ambiguous unit (write K/KiB, M/MiB, G/GiB: powers of 1024)";
			return -EINVAL;
		} else {
			*why = "unknown unit (use K, M, G, T, P or E: powers of 1024)";
			return -EINVAL;
		}
	}

	if (v > UINT64_MAX / mult) {
		*why = "size too large";
		return -EINVAL;
	}
	v *= mult;
	if (!v && !(flags & SIZE_ALLOW_ZERO)) {
		*why = "size must not be zero";
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int ifrep_parse_duration(const char *s, uint64_t *secs, bool allow_zero,
			 const char **why)
{
	uint64_t v, mult;
	int n;

	n = scan_digits(s, &v, "empty duration", why);
	if (n < 0)
		return -EINVAL;
	if (!strcmp(s + n, "") || !strcmp(s + n, "s")) {
		mult = 1;
	} else if (!strcmp(s + n, "m")) {
		mult = 60;
	} else if (!strcmp(s + n, "h")) {
		mult = 3600;
	} else if (!strcmp(s + n, "d")) {
		mult = 86400;
	} else {
		*why = "not a duration (seconds, or a number with s, m, h or d)";
		return -EINVAL;
	}
	if (v > UINT32_MAX / mult) {
		*why = "duration too long";
		return -EINVAL;
	}
	v *= mult;
	if (!v && !allow_zero) {
		*why = "duration must not be zero";
		return -EINVAL;
	}
	*secs = v;
	return 0;
}

/*----------------------------------------------------------------*/

int ifrep_parse_addr(const char *s, struct ifrep_addr *a, const char **why)
{
	char host[64];
	const char *colon, *h;
	size_t hlen;
	uint64_t port;
	unsigned char bin[sizeof(struct in6_addr)];
	static const unsigned char zero[sizeof(struct in6_addr)];

	memset(a, 0, sizeof(*a));
	if (!s || !*s) {
		*why = "empty address";
		return -EINVAL;
	}
	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (!end || end[1] != ':') {
			*why = "expected [IPv6]:PORT";
			return -EINVAL;
		}
		h = s + 1;
		hlen = (size_t)(end - h);
		colon = end + 1;
		a->family = AF_INET6;
	} else {
		colon = strrchr(s, ':');
		if (!colon) {
			*why = "expected ADDR:PORT";
			return -EINVAL;
		}
		if (memchr(s, ':', (size_t)(colon - s))) {
			*why = "IPv6 addresses are written [ADDR]:PORT";
			return -EINVAL;
		}
		h = s;
		hlen = (size_t)(colon - s);
		a->family = AF_INET;
	}
	if (!hlen || hlen >= sizeof(host)) {
		*why = "missing or overlong address";
		return -EINVAL;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (inet_pton(a->family, host, bin) != 1) {
		*why = a->family == AF_INET ?
			"not a numeric IPv4 address (host names are not resolved)" :
			"not a numeric IPv6 address";
		return -EINVAL;
	}
	if (ifrep_parse_u64(colon + 1, &port, why) || port < 1 || port > 65535) {
		*why = "port must be a number from 1 to 65535";
		return -EINVAL;
	}
	if (!inet_ntop(a->family, bin, a->host, sizeof(a->host))) {
		*why = "cannot format address";
		return -EINVAL;
	}
	a->port = (uint16_t)port;
	a->unspecified = !memcmp(bin, zero, a->family == AF_INET ? 4 : 16);
	return 0;
}

void ifrep_format_addr(const struct ifrep_addr *a, char *buf, size_t len)
{
	if (a->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a->host, (unsigned int)a->port);
	else
		snprintf(buf, len, "%s:%u", a->host, (unsigned int)a->port);
}

/*----------------------------------------------------------------*/

bool ifrep_valid_pair_name(const char *s, const char **why)
{
	size_t i, len = strlen(s);

	if (!len || len > 31) {
		*why = "a pair name has 1 to 31 characters";
		return false;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && c != '_' && c != '.' && c != '-') {
			*why = "a pair name may hold only letters, digits, '_', '.' and '-'";
			return false;
		}
	}
	if (!strcmp(s, "-")) {
		*why = "'-' is reserved (it names the volume itself)";
		return false;
	}
	return true;
}

bool ifrep_valid_volume_name(const char *s, const char **why)
{
	size_t len = strlen(s);

	/* its dm UUID is IFREP-NAME, which must fit device-mapper's 128 characters */
	if (!len || len > IFREP_VOLUME_NAME_MAX) {
		*why = "a volume name has 1 to " IFREP_STR(IFREP_VOLUME_NAME_MAX)
			" characters (its device-mapper UUID, IFREP-NAME, holds at most 128)";
		return false;
	}
	if (!strcmp(s, ".") || !strcmp(s, "..") || strchr(s, '/') ||
	    !strcmp(s, "control")) {
		*why = "not usable as /dev/mapper/NAME";
		return false;
	}
	if (ifrep_has_space(s) || s[0] == '-') {
		*why = "a volume name may not start with '-' or hold blanks or control characters";
		return false;
	}
	return true;
}

const char *ifrep_escape(const char *s, char *buf, size_t len)
{
	size_t o = 0;
	char tmp[5];

	if (!len)
		return buf;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		size_t n;

		if (c == '\\')
			n = (size_t)snprintf(tmp, sizeof(tmp), "\\\\");
		else if (c >= 0x20 && c < 0x7f)
			n = (size_t)snprintf(tmp, sizeof(tmp), "%c", c);
		else
			n = (size_t)snprintf(tmp, sizeof(tmp), "\\x%02x", c);
		if (o + n + 1 > len) {
			/* cut: room for "..." (what is kept is printable either way) */
			while (o && o + 4 > len)
				o--;
			if (o + 4 <= len) {
				memcpy(buf + o, "...", 3);
				o += 3;
			}
			break;
		}
		memcpy(buf + o, tmp, n);
		o += n;
	}
	buf[o] = '\0';
	return buf;
}

bool ifrep_has_space(const char *s)
{
	for (; *s; s++)
		if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s))
			return true;
	return false;
}

bool ifrep_is_word(const char *s)
{
	return s && *s && !ifrep_has_space(s);
}

/*----------------------------------------------------------------*/

int ifrep_read_secret(const char *path, uint8_t *buf, size_t bufsz,
		      size_t *len, bool *world_readable,
		      char *why, size_t whylen)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		snprintf(why, whylen, "cannot open secret file %s: %s", path,
			 strerror(errno));
		return r;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s is not a regular file", path);
		r = -EINVAL;
		goto out;
	}
	*world_readable = (st.st_mode & S_IROTH) != 0;
	for (;;) {
		if (got == bufsz) {
			snprintf(why, whylen, "secret file %s is larger than %d bytes",
				 path, IFREP_MAX_SECRET);
			r = -EFBIG;
			goto out;
		}
		n = read(fd, buf + got, bufsz - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			snprintf(why, whylen, "cannot read secret file %s: %s", path,
				 strerror(errno));
			goto out;
		}
		if (!n)
			break;
		got += (size_t)n;
	}
	if (got && buf[got - 1] == '\n')
		got--;
	if (!got) {
		snprintf(why, whylen, "secret file %s is empty", path);
		r = -EINVAL;
		goto out;
	}
	*len = got;
out:
	close(fd);
	return r;
}

void ifrep_hex_encode(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * n] = '\0';
}

/*----------------------------------------------------------------*/

static const char *const byte_units[] = {
	"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"
};

const char *ifrep_format_bytes(uint64_t v, char *buf, size_t len)
{
	unsigned int u = 0;
	double d;

	while (u + 1 < ARRAY_SIZE(byte_units) && v >= (UINT64_C(1) << (10 * (u + 1))))
		u++;
	if (!u) {
		snprintf(buf, len, "%" PRIu64 "B", v);
		return buf;
	}
	d = (double)v / (double)(UINT64_C(1) << (10 * u));
	if (d < 9.95)
		snprintf(buf, len, "%.1f%s", d, byte_units[u]);
	else
		snprintf(buf, len, "%.0f%s", d, byte_units[u]);
	return buf;
}

const char *ifrep_format_bytes_exact(uint64_t v, char *buf, size_t len)
{
	unsigned int u = 0;

	while (v && u + 1 < ARRAY_SIZE(byte_units) && !(v & 1023)) {
		v >>= 10;
		u++;
	}
	snprintf(buf, len, "%" PRIu64 "%s", v, byte_units[u]);
	return buf;
}

const char *ifrep_format_hms(uint64_t secs, char *buf, size_t len)
{
	uint64_t h = secs / 3600, m = secs / 60 % 60, s = secs % 60;

	if (h)
		snprintf(buf, len, "%" PRIu64 ":%02" PRIu64 ":%02" PRIu64, h, m, s);
	else
		snprintf(buf, len, "%" PRIu64 ":%02" PRIu64, m, s);
	return buf;
}

/* @t in UTC or local time as @fmt says; "@<seconds>" if it cannot be. */
static const char *format_time(int64_t t, bool utc, const char *fmt, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!(utc ? gmtime_r(&tt, &tm) : localtime_r(&tt, &tm)) || !strftime(buf, len, fmt, &tm))
		snprintf(buf, len, "@%lld", (long long)t);
	return buf;
}

const char *ifrep_format_iso8601(int64_t t, char *buf, size_t len)
{
	return format_time(t, true, "%Y-%m-%dT%H:%M:%SZ", buf, len);
}

const char *ifrep_format_local_time(int64_t t, char *buf, size_t len)
{
	return format_time(t, false, "%Y-%m-%d %H:%M:%S", buf, len);
}

const char *ifrep_format_duration(uint64_t secs, char *buf, size_t len)
{
	if (secs < 60)
		snprintf(buf, len, "%" PRIu64 "s", secs);
	else if (secs < 3600)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", secs / 60, secs % 60);
	else if (secs < 86400)
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", secs / 3600, secs / 60 % 60);
	else
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h", secs / 86400, secs / 3600 % 24);
	return buf;
}

unsigned int ifrep_synced_per_mille(uint64_t dirty, uint64_t total)
{
	uint64_t clean;

	if (!total)
		return 1000;
	if (dirty > total)
		dirty = total;
	clean = total - dirty;
	if (clean <= UINT64_MAX / 1000)
		return (unsigned int)(clean * 1000 / total);
	clean /= total / 1000;		/* huge volumes: lose some precision */
	return clean >= 1000 ? (dirty ? 999 : 1000) : (unsigned int)clean;
}

int ifrep_explain(int err, char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return err;
}
