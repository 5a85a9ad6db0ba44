/* SPDX-License-Identifier: ISC */
/* A tiny unit-test harness: TEST() functions, ASSERT*(), and a main that runs them. */
#ifndef IKEKIT_TESTS_UNIT_TEST_H
#define IKEKIT_TESTS_UNIT_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <stddef.h>

struct test_case {
	const char	*name;
	void		(*fn)(int *failed);
};

#define TEST(name)							\
	static void name(int *failed_);					\
	static const struct test_case name##_case			\
	    __attribute__((used, section("ikekit_tests"))) = { #name, name }; \
	static void name(int *failed_)

#define ASSERT(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: assertion failed: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		*failed_ = 1;						\
		return;							\
	}								\
} while (0)

#define ASSERT_EQ(a, b) do {						\
	long long a_ = (long long)(a), b_ = (long long)(b);		\
	if (a_ != b_) {							\
		fprintf(stderr, "%s:%d: %s == %s: %lld != %lld\n",	\
		    __FILE__, __LINE__, #a, #b, a_, b_);		\
		*failed_ = 1;						\
		return;							\
	}								\
} while (0)

#define ASSERT_MEM(a, b, n) do {					\
	if (memcmp((a), (b), (n)) != 0) {				\
		fprintf(stderr, "%s:%d: bytes differ: %s vs %s\n",	\
		    __FILE__, __LINE__, #a, #b);			\
		test_dump("got ", (const uint8_t *)(a), (n));		\
		test_dump("want", (const uint8_t *)(b), (n));		\
		*failed_ = 1;						\
		return;							\
	}								\
} while (0)

static inline void
test_dump(const char *label, const uint8_t *p, size_t n)
{
	size_t i;

	fprintf(stderr, "  %s ", label);
	for (i = 0; i < n; i++)
		fprintf(stderr, "%02x", p[i]);
	fputc('\n', stderr);
}

/* test_unhex decodes hex (spaces and newlines ignored) into out; returns the
 * byte count, or exits on bad input (a bug in the test itself). */
static inline size_t
test_unhex(uint8_t *out, size_t cap, const char *hex)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex != '\0'; hex++) {
		int v;
		char c = *hex;

		if (c == ' ' || c == '\n' || c == '\t' || c == ':')
			continue;
		if (c >= '0' && c <= '9') v = c - '0';
		else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
		else { fprintf(stderr, "test_unhex: bad char %c\n", c); exit(2); }
		if (hi < 0) { hi = v; continue; }
		if (n >= cap) { fprintf(stderr, "test_unhex: too long\n"); exit(2); }
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0) { fprintf(stderr, "test_unhex: odd length\n"); exit(2); }
	return n;
}

extern const struct test_case __start_ikekit_tests[], __stop_ikekit_tests[];

int
main(int argc, char *argv[])
{
	const struct test_case	*t;
	int			 passed = 0, failed = 0;

	(void)argc;
	for (t = __start_ikekit_tests; t < __stop_ikekit_tests; t++) {
		int f = 0;

		t->fn(&f);
		if (f) {
			printf("not ok %s %s\n", argv[0], t->name);
			failed++;
		} else {
			printf("ok %s %s\n", argv[0], t->name);
			passed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

#endif
