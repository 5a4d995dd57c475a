// SPDX-License-Identifier: GPL-2.0
/*
 * unit.c - runner for unit.h tests: main() of every test binary.
 */
#include "unit.h"

#include <stdarg.h>
#include <stdio.h>

static struct unit_test *head, **tail = &head;
static bool failed;
static char message[1024];

void unit_register(struct unit_test *t)
{
	*tail = t;
	tail = &t->next;
}

void unit_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	failed = true;
	n = snprintf(message, sizeof(message), "%s:%d: ", file, line);
	if (n < 0 || (size_t)n >= sizeof(message))
		return;
	va_start(ap, fmt);
	vsnprintf(message + n, sizeof(message) - (size_t)n, fmt, ap);
	va_end(ap);
}

int main(void)
{
	struct unit_test *t;
	unsigned int run = 0, bad = 0;

	for (t = head; t; t = t->next) {
		failed = false;
		message[0] = '\0';
		t->fn();
		run++;
		if (failed) {
			bad++;
			printf("FAIL %s.%s: %s\n", t->suite, t->name, message);
		} else {
			printf("ok %s.%s\n", t->suite, t->name);
		}
		fflush(stdout);
	}
	if (!run) {
		printf("FAIL unit: no tests registered\n");
		return 1;
	}
	return bad ? 1 : 0;
}
