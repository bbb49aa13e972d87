/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared fixtures of the MMU engine suites: the list of formats, a test
 * VM (engine + software external table + TLB-flush recorder) and the
 * structural consistency check run after every step.
 */
#ifndef OKVM_TESTS_MMU_TEST_UTIL_H
#define OKVM_TESTS_MMU_TEST_UTIL_H

#include <kunit/test.h>

#include "mmu/ext_sw.h"
#include "mmu/mmu.h"

#define OKVM_TEST_NR_FMTS 8
extern const struct okvm_pt_fmt *const okvm_test_fmts[OKVM_TEST_NR_FMTS];

void okvm_test_fmt_desc(const struct okvm_pt_fmt *const *fmt, char *desc);

/* The direct bits tests use: the top GFN bit of the root, like TDX's. */
static inline u64 okvm_test_direct_bits(const struct okvm_pt_fmt *fmt)
{
	return okvm_pt_fmt_gfns(fmt) >> 1;
}

struct okvm_test_vm {
	struct okvm_mmu mmu;
	struct okvm_ext_sw ext;
	spinlock_t flush_lock;
	u64 nr_flushes;
	u64 flush_start;	/* union of flushed ranges, root GFN space */
	u64 flush_end;
};

int okvm_test_vm_init(struct okvm_test_vm *vm, const struct okvm_pt_fmt *fmt,
		      u64 direct_bits, bool has_private);
void okvm_test_vm_destroy(struct kunit *test, struct okvm_test_vm *vm);
int okvm_test_vm_param_init(struct kunit *test);
void okvm_test_vm_param_exit(struct kunit *test);
void okvm_test_flush_reset(struct okvm_test_vm *vm);
void okvm_test_check_tables(struct kunit *test, struct okvm_test_vm *vm);

#endif
