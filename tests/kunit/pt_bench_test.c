// SPDX-License-Identifier: GPL-2.0-only
/*
 * okvm_pt_bench: ns per mapped 4K page, per aged SPTE and per zapped page
 * for 1 GiB of guest memory in each format.  Figures are printed only;
 * nothing is asserted about time (UML with KASAN and lockdep is far from a
 * production kernel), but every phase must do all of its work.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/ktime.h>
#include <linux/math64.h>

#include "mmu_test_util.h"

KUNIT_ARRAY_PARAM(fmt, okvm_test_fmts, okvm_test_fmt_desc);

#define NR_PAGES	(1ULL << 18)	/* 1 GiB of 4K pages */
#define BASE_GFN	(1ULL << 18)

static int bench_init(struct kunit *test)
{
	const struct okvm_pt_fmt *fmt = *(const struct okvm_pt_fmt **)test->param_value;
	struct okvm_test_vm *vm = kunit_kzalloc(test, sizeof(*vm), GFP_KERNEL);
	int ret;

	if (!vm)
		return -ENOMEM;
	ret = okvm_test_vm_init(vm, fmt, 0, false);
	if (ret)
		return ret;
	test->priv = vm;
	return 0;
}

static void bench_exit(struct kunit *test)
{
	if (test->priv)
		okvm_test_vm_destroy(test, test->priv);
}

static void bench_1g(struct kunit *test)
{
	struct okvm_test_vm *vm = test->priv;
	struct okvm_mmu *mmu = &vm->mmu;
	unsigned long *bm;
	u64 t0, t_map, t_age, t_zap, n;
	int ret;

	bm = kunit_kzalloc(test, BITS_TO_LONGS(NR_PAGES) * sizeof(long),
			   GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bm);

	t0 = ktime_get_ns();
	read_lock(mmu->lock);
	ret = okvm_mmu_map(mmu, false, BASE_GFN, 0x100000, NR_PAGES,
			   OKVM_PT_RWX, 1, NULL);
	read_unlock(mmu->lock);
	t_map = ktime_get_ns() - t0;
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_ASSERT_EQ(test, atomic64_read(&mmu->nr_leaves[1]), NR_PAGES);

	t0 = ktime_get_ns();
	KUNIT_EXPECT_TRUE(test, okvm_mmu_test_clear_young(mmu, BASE_GFN,
							  NR_PAGES, bm, true));
	t_age = ktime_get_ns() - t0;
	KUNIT_EXPECT_EQ(test, bitmap_weight(bm, NR_PAGES), NR_PAGES);

	/* Without an A flag aging zapped everything: map again to zap. */
	if (!mmu->fmt->accessed_bit) {
		read_lock(mmu->lock);
		ret = okvm_mmu_map(mmu, false, BASE_GFN, 0x100000, NR_PAGES,
				   OKVM_PT_RWX, 1, NULL);
		read_unlock(mmu->lock);
		KUNIT_ASSERT_EQ(test, ret, 0);
	}

	t0 = ktime_get_ns();
	write_lock(mmu->lock);
	n = okvm_mmu_zap(mmu, OKVM_ROOT_ALL, BASE_GFN, NR_PAGES);
	write_unlock(mmu->lock);
	t_zap = ktime_get_ns() - t0;
	KUNIT_EXPECT_EQ(test, n, NR_PAGES);
	KUNIT_EXPECT_EQ(test, atomic64_read(&mmu->nr_leaves[1]), 0);

	kunit_info(test, "%s 1GiB: map %llu ns/4K page, age %llu ns/SPTE, zap %llu ns/page%s",
		   mmu->fmt->name, div64_u64(t_map, NR_PAGES),
		   div64_u64(t_age, NR_PAGES), div64_u64(t_zap, NR_PAGES),
		   mmu->fmt->accessed_bit ? "" : " (no A/D: aging zaps)");
}

static struct kunit_case bench_cases[] = {
	KUNIT_CASE_PARAM(bench_1g, fmt_gen_params),
	{}
};

static struct kunit_suite bench_suite = {
	.name = "okvm_pt_bench",
	.init = bench_init,
	.exit = bench_exit,
	.test_cases = bench_cases,
};
kunit_test_suite(bench_suite);
