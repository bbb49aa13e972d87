// SPDX-License-Identifier: GPL-2.0-only
/*
 * okvm_age: test_clear_young / test_young (seed 001).  Harvest into a
 * bitmap without the MMU lock, clear only leaf accessed flags, handle huge
 * leaves and partial ranges, leave the mirror root alone, and fall back to
 * zapping for formats without an accessed flag (seed 003).
 */
#include <kunit/test.h>
#include <linux/bitmap.h>

#include "mmu_test_util.h"

KUNIT_ARRAY_PARAM(fmt, okvm_test_fmts, okvm_test_fmt_desc);

#define NR 2048

struct age_ctx {
	struct okvm_test_vm vm;
	unsigned long *bm;
};

static int age_init(struct kunit *test)
{
	const struct okvm_pt_fmt *fmt = *(const struct okvm_pt_fmt **)test->param_value;
	struct age_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	int ret;

	if (!c)
		return -ENOMEM;
	c->bm = kunit_kzalloc(test, BITS_TO_LONGS(NR) * sizeof(long),
			      GFP_KERNEL);
	if (!c->bm)
		return -ENOMEM;
	ret = okvm_test_vm_init(&c->vm, fmt, okvm_test_direct_bits(fmt), true);
	if (ret)
		return ret;
	test->priv = c;

	/* gfn 0..15 as 4K, 512..1023 as one 2M leaf, all young. */
	read_lock(c->vm.mmu.lock);
	ret = okvm_mmu_map(&c->vm.mmu, false, 0, 0x1000, 16, OKVM_PT_RWX, 1,
			   NULL);
	if (!ret)
		ret = okvm_mmu_map(&c->vm.mmu, false, 512, 0x2000, 512,
				   OKVM_PT_RWX, 2, NULL);
	if (!ret)
		ret = okvm_mmu_map(&c->vm.mmu, true, 0, 0x3000, 16, OKVM_PT_RWX,
				   1, NULL);
	read_unlock(c->vm.mmu.lock);
	return ret;
}

static void age_exit(struct kunit *test)
{
	struct age_ctx *c = test->priv;

	if (c)
		okvm_test_vm_destroy(test, &c->vm);
}

static bool has_a(struct age_ctx *c)
{
	return c->vm.mmu.fmt->accessed_bit;
}

static void clear_young_then_old(struct kunit *test)
{
	struct age_ctx *c = test->priv;
	u64 pfn;
	u32 perm;
	int level;

	/* test_young reports and changes nothing. */
	bitmap_zero(c->bm, NR);
	KUNIT_EXPECT_TRUE(test, okvm_mmu_test_young(&c->vm.mmu, 0, NR, c->bm, true));
	KUNIT_EXPECT_EQ(test, bitmap_weight(c->bm, NR), 16 + 512);
	KUNIT_EXPECT_EQ(test, find_first_bit(c->bm, NR), 0);
	KUNIT_EXPECT_EQ(test, find_next_zero_bit(c->bm, NR, 0), 16);
	KUNIT_EXPECT_EQ(test, find_next_bit(c->bm, NR, 16), 512);
	bitmap_zero(c->bm, NR);
	KUNIT_EXPECT_TRUE(test, okvm_mmu_test_young(&c->vm.mmu, 0, NR, c->bm, true));
	KUNIT_EXPECT_EQ(test, bitmap_weight(c->bm, NR), 16 + 512);

	/* test_clear_young harvests the same, without any lock. */
	okvm_test_flush_reset(&c->vm);
	bitmap_zero(c->bm, NR);
	KUNIT_EXPECT_TRUE(test, okvm_mmu_test_clear_young(&c->vm.mmu, 0, NR,
							  c->bm, true));
	KUNIT_EXPECT_EQ(test, bitmap_weight(c->bm, NR), 16 + 512);
	okvm_test_check_tables(test, &c->vm);

	bitmap_zero(c->bm, NR);
	KUNIT_EXPECT_FALSE(test, okvm_mmu_test_clear_young(&c->vm.mmu, 0, NR,
							   c->bm, true));
	KUNIT_EXPECT_TRUE(test, bitmap_empty(c->bm, NR));
	if (has_a(c)) {
		/* Old but still mapped; clearing A needs no TLB flush. */
		KUNIT_EXPECT_TRUE(test, okvm_mmu_lookup(&c->vm.mmu, false, 600,
							&pfn, &perm, &level));
		KUNIT_EXPECT_EQ(test, level, 2);
		KUNIT_EXPECT_EQ(test, c->vm.nr_flushes, 0);
	} else {
		/* No A flag: aged leaves are zapped and flushed. */
		KUNIT_EXPECT_FALSE(test, okvm_mmu_lookup(&c->vm.mmu, false, 600,
							 &pfn, &perm, &level));
		KUNIT_EXPECT_GT(test, c->vm.nr_flushes, 0);
		KUNIT_EXPECT_EQ(test, atomic64_read(&c->vm.mmu.nr_leaves[2]), 0);
	}
	okvm_test_check_tables(test, &c->vm);
}

/* A huge leaf partly in range: bits for the range only, leaf aged whole. */
static void huge_leaf_partial_range(struct kunit *test)
{
	struct age_ctx *c = test->priv;

	bitmap_zero(c->bm, NR);
	KUNIT_EXPECT_TRUE(test, okvm_mmu_test_clear_young(&c->vm.mmu, 700, 10,
							  c->bm, true));
	KUNIT_EXPECT_EQ(test, bitmap_weight(c->bm, NR), 10);
	KUNIT_EXPECT_EQ(test, find_first_bit(c->bm, NR), 0);
	bitmap_zero(c->bm, NR);
	KUNIT_EXPECT_FALSE(test, okvm_mmu_test_young(&c->vm.mmu, 512, 512,
						     c->bm, true));
	KUNIT_EXPECT_TRUE(test, bitmap_empty(c->bm, NR));
	/* The 4K pages outside the range were not touched. */
	KUNIT_EXPECT_TRUE(test, okvm_mmu_test_young(&c->vm.mmu, 0, 16, NULL, true));
	okvm_test_check_tables(test, &c->vm);
}

/* Private memory is not aged: the mirror root and external table stay. */
static void mirror_not_aged(struct kunit *test)
{
	struct age_ctx *c = test->priv;

	write_lock(c->vm.mmu.lock);
	okvm_mmu_zap(&c->vm.mmu, OKVM_ROOT_DIRECT, 0, NR);
	write_unlock(c->vm.mmu.lock);
	bitmap_zero(c->bm, NR);
	KUNIT_EXPECT_FALSE(test, okvm_mmu_test_clear_young(&c->vm.mmu, 0, NR,
							   c->bm, true));
	KUNIT_EXPECT_TRUE(test, bitmap_empty(c->bm, NR));
	KUNIT_EXPECT_EQ(test, okvm_ext_sw_nr_leaves(&c->vm.ext, 1), 16);
	KUNIT_EXPECT_EQ(test, atomic64_read(&c->vm.mmu.nr_leaves[1]), 16);
	okvm_test_check_tables(test, &c->vm);
}

/* A re-map after aging makes the page young again. */
static void refault_makes_young(struct kunit *test)
{
	struct age_ctx *c = test->priv;

	KUNIT_EXPECT_TRUE(test, okvm_mmu_test_clear_young(&c->vm.mmu, 0, 16,
							  NULL, true));
	KUNIT_EXPECT_FALSE(test, okvm_mmu_test_young(&c->vm.mmu, 3, 1, NULL, true));
	read_lock(c->vm.mmu.lock);
	KUNIT_EXPECT_EQ(test, okvm_mmu_map(&c->vm.mmu, false, 3, 0x1003, 1,
					   OKVM_PT_RWX, 1, NULL), 0);
	read_unlock(c->vm.mmu.lock);
	bitmap_zero(c->bm, NR);
	KUNIT_EXPECT_TRUE(test, okvm_mmu_test_young(&c->vm.mmu, 0, 16, c->bm, true));
	KUNIT_EXPECT_EQ(test, bitmap_weight(c->bm, NR), 1);
	KUNIT_EXPECT_TRUE(test, test_bit(3, c->bm));
	okvm_test_check_tables(test, &c->vm);
}

/*
 * From an MMU notifier (host page-table lock held) aging must not yield,
 * even where every entry is a forced yield point; the same walk may yield
 * when its caller can sleep.  Both find the same young pages.
 */
static void notifier_aging_never_yields(struct kunit *test)
{
	struct age_ctx *c = test->priv;

	c->vm.mmu.test_yield_every = 1;
	c->vm.mmu.test_yields = 0;
	KUNIT_EXPECT_TRUE(test, okvm_mmu_test_young(&c->vm.mmu, 0, NR, c->bm,
						    false));
	KUNIT_EXPECT_EQ(test, bitmap_weight(c->bm, NR), 16 + 512);
	KUNIT_EXPECT_TRUE(test, okvm_mmu_test_clear_young(&c->vm.mmu, 0, NR,
							  NULL, false));
	KUNIT_EXPECT_EQ(test, c->vm.mmu.test_yields, 0);
	KUNIT_EXPECT_FALSE(test, okvm_mmu_test_young(&c->vm.mmu, 0, NR, NULL,
						     true));
	KUNIT_EXPECT_GT(test, c->vm.mmu.test_yields, 0);
	c->vm.mmu.test_yield_every = 0;
	okvm_test_check_tables(test, &c->vm);
}

static struct kunit_case age_cases[] = {
	KUNIT_CASE_PARAM(clear_young_then_old, fmt_gen_params),
	KUNIT_CASE_PARAM(huge_leaf_partial_range, fmt_gen_params),
	KUNIT_CASE_PARAM(mirror_not_aged, fmt_gen_params),
	KUNIT_CASE_PARAM(refault_makes_young, fmt_gen_params),
	KUNIT_CASE_PARAM(notifier_aging_never_yields, fmt_gen_params),
	{}
};

static struct kunit_suite age_suite = {
	.name = "okvm_age",
	.init = age_init,
	.exit = age_exit,
	.test_cases = age_cases,
};
kunit_test_suite(age_suite);
