/* SPDX-License-Identifier: GPL-2.0 */
/*
 * json.h - a tiny streaming JSON writer: objects, arrays, strings, numbers,
 * null.  Output is compact (one line); the caller adds the final newline,
 * or writes a document: one object on a line of its own, the output of
 * every --json.
 *
 * Inside an object every value takes a key; inside an array @key is NULL.
 * Strings are escaped per RFC 8259; bytes that are not valid UTF-8 are
 * written as U+FFFD so the output is always valid JSON.
 */
#ifndef IFREPCTL_JSON_H
#define IFREPCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *f;
	int depth;
	bool first[JSON_MAX_DEPTH];	/* no value written yet at this depth */
};

void json_init(struct json *j, FILE *f);

/* The object of a document on @f: starts it, then closes it and the line. */
void json_begin_document(struct json *j, FILE *f);
void json_end_document(struct json *j);

void json_begin_object(struct json *j, const char *key);
void json_end_object(struct json *j);
void json_begin_array(struct json *j, const char *key);
void json_end_array(struct json *j);
/* @val NULL writes null */
void json_string(struct json *j, const char *key, const char *val);
void json_u64(struct json *j, const char *key, uint64_t val);
/* @val if it is @known, else null */
void json_u64_or_null(struct json *j, const char *key, bool known, uint64_t val);
void json_i64(struct json *j, const char *key, int64_t val);
/** json_fixed1() - a number with one decimal: @tenths = 1005 writes 100.5 */
void json_fixed1(struct json *j, const char *key, uint64_t tenths);
/** json_fixed3() - a number with three decimals: @thousandths = 1005 writes 1.005 */
void json_fixed3(struct json *j, const char *key, uint64_t thousandths);
void json_bool(struct json *j, const char *key, bool val);
void json_null(struct json *j, const char *key);

/** json_write_escaped() - @s as a quoted JSON string (exposed for tests). */
void json_write_escaped(FILE *f, const char *s);

#endif /* IFREPCTL_JSON_H */
