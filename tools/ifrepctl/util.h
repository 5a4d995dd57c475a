/* SPDX-License-Identifier: GPL-2.0 */
/*
 * util.h - parsing and formatting of administrator input: sizes, durations,
 * ADDR:PORT, names, secret files.  Pure functions; nothing here prints.
 *
 * Parsers return 0 on success or -EINVAL with *why pointing to a static
 * string that completes the sentence "<input>: <why>".
 */
#ifndef IFREPCTL_UTIL_H
#define IFREPCTL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ifrep_target.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ifrep_parse_size() flags */
#define SIZE_ALLOW_ZERO		(1U << 0)	/* "0" is a valid size */
#define SIZE_ALLOW_PER_SEC	(1U << 1)	/* accept a "/s" suffix (rates) */

/**
 * ifrep_parse_size() - parse "4096", "64k", "8M", "8MiB", "1G", "2T".
 * Units are binary (K = 1024); "KB"/"MB"... are refused as ambiguous.
 * Return: 0, or -EINVAL for garbage, overflow, or zero (unless allowed).
 */
int ifrep_parse_size(const char *s, uint64_t *out, unsigned int flags,
		     const char **why);

/**
 * ifrep_parse_u64() - strict unsigned decimal: digits only, no sign, no
 * blanks, no overflow.
 */
int ifrep_parse_u64(const char *s, uint64_t *out, const char **why);

/**
 * ifrep_parse_duration() - "30", "30s", "5m", "2h", "1d" into seconds.
 * Return: 0, or -EINVAL for garbage, more than UINT32_MAX seconds, or zero
 * unless @allow_zero.
 */
int ifrep_parse_duration(const char *s, uint64_t *secs, bool allow_zero,
			 const char **why);

struct ifrep_addr {
	int family;			/* AF_INET or AF_INET6 */
	char host[46];			/* numeric, without brackets */
	uint16_t port;
	bool unspecified;		/* 0.0.0.0 or :: */
};

/**
 * ifrep_parse_addr() - "192.0.2.1:7789" or "[2001:db8::1]:7789".
 * Host names are refused: the kernel connects to numeric addresses only.
 */
int ifrep_parse_addr(const char *s, struct ifrep_addr *a, const char **why);

/**
 * ifrep_format_addr() - canonical "HOST:PORT" / "[HOST]:PORT" of @a.
 */
void ifrep_format_addr(const struct ifrep_addr *a, char *buf, size_t len);

/** ifrep_valid_pair_name() - 1..31 characters of [A-Za-z0-9_.-]. */
bool ifrep_valid_pair_name(const char *s, const char **why);

#define IFREP_STR_(x) #x
#define IFREP_STR(x) IFREP_STR_(x)

/*
 * The longest volume name: device-mapper names hold 127 characters, but
 * the volume's dm UUID is "IFREP-" NAME and UUIDs hold 128 (DM_UUID_LEN
 * 129 with the NUL), so 122.
 */
#define IFREP_VOLUME_NAME_MAX	122

/**
 * ifrep_valid_volume_name() - a device-mapper name usable as /dev/mapper/NAME
 * whose dm UUID IFREP-NAME fits too: 1 to IFREP_VOLUME_NAME_MAX characters,
 * no '/', blanks or control characters, not '.', '..' or 'control', not
 * starting with '-'.
 */
bool ifrep_valid_volume_name(const char *s, const char **why);

/**
 * ifrep_escape() - @s made safe to print (a string read from a disk):
 * printable ASCII stays, a backslash becomes "\\", every other byte
 * (control characters, escape sequences, bytes above 0x7e) "\xNN".  Cut
 * with "..." when @buf is too small.  Returns @buf.
 */
const char *ifrep_escape(const char *s, char *buf, size_t len);

/** ifrep_has_space() - true if @s contains a blank or control character. */
bool ifrep_has_space(const char *s);

/** ifrep_is_word() - @s is one word of a kernel line: not NULL, not empty, no blanks. */
bool ifrep_is_word(const char *s);

/**
 * ifrep_read_secret() - read a secret file: refuses an empty file or one
 * larger than IFREP_MAX_SECRET; strips one trailing newline.
 * @world_readable: set when other users may read the file (a warning).
 * Return: 0, or a negative errno with @why filled in.
 */
int ifrep_read_secret(const char *path, uint8_t *buf, size_t bufsz,
		      size_t *len, bool *world_readable,
		      char *why, size_t whylen);

/** ifrep_hex_encode() - lowercase hex of @n bytes; @out holds 2n+1. */
void ifrep_hex_encode(const uint8_t *in, size_t n, char *out);

/** ifrep_format_bytes() - "1.0GiB", "90MiB", "512B": 1 decimal below 10. */
const char *ifrep_format_bytes(uint64_t v, char *buf, size_t len);

/** ifrep_format_bytes_exact() - "8MiB", "64KiB", "1536B": never rounds. */
const char *ifrep_format_bytes_exact(uint64_t v, char *buf, size_t len);

/** ifrep_format_hms() - "0:12", "12:03", "1:02:03". */
const char *ifrep_format_hms(uint64_t secs, char *buf, size_t len);

/** ifrep_format_iso8601() - "2026-11-25T10:00:00Z" (UTC). */
const char *ifrep_format_iso8601(int64_t t, char *buf, size_t len);

/** ifrep_format_local_time() - "2026-11-25 17:20:05" in the local time zone. */
const char *ifrep_format_local_time(int64_t t, char *buf, size_t len);

/** ifrep_format_duration() - "12s", "5m03s", "2h05m", "3d04h". */
const char *ifrep_format_duration(uint64_t secs, char *buf, size_t len);

/**
 * ifrep_synced_per_mille() - (total - dirty) / total in tenths of a
 * percent, rounded down so that 100.0% means nothing is dirty.
 */
unsigned int ifrep_synced_per_mille(uint64_t dirty, uint64_t total);

/**
 * ifrep_explain() - for checks that say why they refuse: format the reason
 * into @why (truncated to @whylen) and return @err.
 */
int ifrep_explain(int err, char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif /* IFREPCTL_UTIL_H */
