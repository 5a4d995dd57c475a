/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unit.h - a tiny unit-test runner for ifrepctl's pure code.
 *
 *   TEST(parse_size_units) { CHECK(...); CHECK_EQ(a, b); CHECK_STR(s, "x"); }
 *
 * Tests register themselves (constructor functions) and run in file order.
 * Each prints "ok SUITE.NAME" or "FAIL SUITE.NAME: file:line: message";
 * the first failed check ends its test.  The binary exits 1 if any test
 * failed.  SUITE comes from -DUNIT_SUITE="...".
 */
#ifndef UNIT_H
#define UNIT_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#ifndef UNIT_SUITE
#define UNIT_SUITE "unit"
#endif

struct unit_test {
	const char *suite;
	const char *name;
	void (*fn)(void);
	struct unit_test *next;
};

void unit_register(struct unit_test *t);
__attribute__((format(printf, 3, 4)))
void unit_fail(const char *file, int line, const char *fmt, ...);

#define TEST(name)							\
	static void test_##name(void);					\
	static struct unit_test unit_reg_##name = {			\
		UNIT_SUITE, #name, test_##name, NULL };			\
	__attribute__((constructor)) static void unit_add_##name(void)	\
	{								\
		unit_register(&unit_reg_##name);			\
	}								\
	static void test_##name(void)

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			unit_fail(__FILE__, __LINE__, "%s", #cond);	\
			return;						\
		}							\
	} while (0)

#define CHECK_EQ(a, b)							\
	do {								\
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);	\
		if (a_ != b_) {						\
			unit_fail(__FILE__, __LINE__,			\
				  "%s is %" PRIu64 " (0x%" PRIx64 "), expected %" PRIu64 " (0x%" PRIx64 ")", \
				  #a, a_, a_, b_, b_);			\
			return;						\
		}							\
	} while (0)

#define CHECK_STR(a, b)							\
	do {								\
		const char *a_ = (a), *b_ = (b);			\
		if (!a_ || strcmp(a_, b_)) {				\
			unit_fail(__FILE__, __LINE__, "%s is \"%s\", expected \"%s\"", \
				  #a, a_ ? a_ : "(null)", b_);		\
			return;						\
		}							\
	} while (0)

#define CHECK_CONTAINS(hay, needle)					\
	do {								\
		const char *h_ = (hay), *n_ = (needle);			\
		if (!strstr(h_, n_)) {					\
			unit_fail(__FILE__, __LINE__, "\"%s\" does not contain \"%s\"", \
				  h_, n_);				\
			return;						\
		}							\
	} while (0)

#endif /* UNIT_H */
