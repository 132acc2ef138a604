/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The check macros every unit test uses: a failed check prints where and what,
 * and counts; the test's main() ends with vg_test_report().
 */
#ifndef VG_TEST_H
#define VG_TEST_H

#include <stdio.h>

static unsigned int n_checks;
static unsigned int n_failed;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		n_checks++;                                                                        \
		if (!(cond)) {                                                                     \
			n_failed++;                                                                \
			fprintf(stderr, "%s:%d: %s: check failed: %s\n", __FILE__, __LINE__,       \
				__func__, #cond);                                                  \
		}                                                                                  \
	} while (0)

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		unsigned long long va_ = (unsigned long long)(a);                                  \
		unsigned long long vb_ = (unsigned long long)(b);                                  \
		n_checks++;                                                                        \
		if (va_ != vb_) {                                                                  \
			n_failed++;                                                                \
			fprintf(stderr, "%s:%d: %s: check failed: %s == %s (%llu != %llu)\n",      \
				__FILE__, __LINE__, __func__, #a, #b, va_, vb_);                   \
		}                                                                                  \
	} while (0)

#endif /* VG_TEST_H */
