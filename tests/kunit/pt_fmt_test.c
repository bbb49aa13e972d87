// SPDX-License-Identifier: GPL-2.0-only
/*
 * okvm_pt_fmt: encode/decode round trips of every bit each page-table
 * format defines, for every leaf level and table level.
 */
#include <kunit/test.h>

#include "mmu/pt_fmt.h"
#include "mmu_test_util.h"

KUNIT_ARRAY_PARAM(fmt, okvm_test_fmts, okvm_test_fmt_desc);

static const u32 perms[] = {
	OKVM_PT_R, OKVM_PT_R | OKVM_PT_W, OKVM_PT_R | OKVM_PT_X, OKVM_PT_RWX,
};

static u64 fmt_max_pfn(const struct okvm_pt_fmt *fmt)
{
	return fmt->addr_mask >> OKVM_PT_PAGE_SHIFT;
}

static void check_leaf(struct kunit *test, const struct okvm_pt_fmt *fmt,
		       u64 pfn, u32 perm, int level, bool a, bool d)
{
	u64 pte = okvm_pte_make_leaf(fmt, pfn, perm, level, a, d);

	KUNIT_EXPECT_TRUE(test, okvm_pte_present(fmt, pte));
	KUNIT_EXPECT_TRUE(test, okvm_pte_leaf(fmt, pte, level));
	KUNIT_EXPECT_FALSE(test, okvm_pte_table(fmt, pte, level));
	KUNIT_EXPECT_FALSE(test, okvm_pte_frozen(fmt, pte));
	KUNIT_EXPECT_EQ(test, okvm_pte_pfn(fmt, pte), pfn);
	KUNIT_EXPECT_EQ(test, okvm_pte_perm(fmt, pte), perm);
	/* Without the flag, young/dirty fall back, never lie. */
	KUNIT_EXPECT_EQ(test, okvm_pte_young(fmt, pte),
			fmt->accessed_bit ? a : true);
	KUNIT_EXPECT_EQ(test, okvm_pte_dirty(fmt, pte),
			fmt->dirty_bit ? d : !!(perm & OKVM_PT_W));
	KUNIT_EXPECT_EQ(test, !!(pte & fmt->w_bit), !!(perm & OKVM_PT_W));
	if (fmt->x_bit)
		KUNIT_EXPECT_EQ(test, !!(pte & fmt->x_bit), !!(perm & OKVM_PT_X));
	if (fmt->nx_bit)
		KUNIT_EXPECT_EQ(test, !!(pte & fmt->nx_bit), !(perm & OKVM_PT_X));
	if (fmt->r_bit)
		KUNIT_EXPECT_TRUE(test, pte & fmt->r_bit);
	/* Nothing but the frame leaks into the address field. */
	KUNIT_EXPECT_EQ(test, pte & fmt->addr_mask, pfn << OKVM_PT_PAGE_SHIFT);
}

static void leaf_round_trip(struct kunit *test)
{
	const struct okvm_pt_fmt *fmt = *(const struct okvm_pt_fmt **)test->param_value;
	int level, i;

	for (level = 1; level <= fmt->max_huge_level; level++) {
		u64 align = okvm_pt_level_pages(level);
		u64 pfns[] = { 0, align, round_down(fmt_max_pfn(fmt), align),
			       round_down(0x123456789ULL & fmt_max_pfn(fmt), align) };

		/* Every pfn x permission x accessed x dirty combination. */
		for (i = 0; i < ARRAY_SIZE(pfns) * ARRAY_SIZE(perms) * 4; i++)
			check_leaf(test, fmt, pfns[i / (ARRAY_SIZE(perms) * 4)],
				   perms[(i / 4) % ARRAY_SIZE(perms)], level,
				   i & 2, i & 1);
	}
}

static void table_round_trip(struct kunit *test)
{
	const struct okvm_pt_fmt *fmt = *(const struct okvm_pt_fmt **)test->param_value;
	u64 pas[] = { 0x1000, 0xabcd000ULL, fmt->addr_mask };
	int level, k;

	for (k = 0; k < ARRAY_SIZE(pas); k++) {
		u64 pte = okvm_pte_make_table(fmt, pas[k]);

		KUNIT_EXPECT_TRUE(test, okvm_pte_present(fmt, pte));
		KUNIT_EXPECT_EQ(test, pte & fmt->addr_mask, pas[k]);
		for (level = 2; level <= fmt->levels; level++) {
			KUNIT_EXPECT_TRUE(test, okvm_pte_table(fmt, pte, level));
			KUNIT_EXPECT_FALSE(test, okvm_pte_leaf(fmt, pte, level));
		}
	}
}

/* Splitting keeps permissions and A/D and yields leaves one level down. */
static void relevel_keeps_state(struct kunit *test)
{
	const struct okvm_pt_fmt *fmt = *(const struct okvm_pt_fmt **)test->param_value;
	int level, p, i;

	for (i = 0; i < (fmt->max_huge_level - 1) * ARRAY_SIZE(perms); i++) {
		u64 pfn, huge, child_pfn, child;

		level = 2 + i / ARRAY_SIZE(perms);
		p = i % ARRAY_SIZE(perms);
		pfn = 7 * okvm_pt_level_pages(level);
		huge = okvm_pte_make_leaf(fmt, pfn, perms[p], level, true, true);
		child_pfn = pfn + 3 * okvm_pt_level_pages(level - 1);
		child = okvm_pte_relevel(fmt, huge, level, level - 1, child_pfn);

		KUNIT_EXPECT_EQ(test, child,
				okvm_pte_make_leaf(fmt, child_pfn, perms[p],
						   level - 1, true, true));
		KUNIT_EXPECT_TRUE(test, okvm_pte_leaf(fmt, child, level - 1));
		KUNIT_EXPECT_EQ(test, okvm_pte_relevel(fmt, child, level - 1,
						       level, pfn), huge);
	}
}

/* The format's masks are disjoint where they must be. */
static void masks_sane(struct kunit *test)
{
	const struct okvm_pt_fmt *fmt = *(const struct okvm_pt_fmt **)test->param_value;
	u64 attrs = fmt->r_bit | fmt->w_bit | fmt->x_bit | fmt->nx_bit |
		    fmt->accessed_bit | fmt->dirty_bit;

	KUNIT_EXPECT_EQ(test, attrs & fmt->addr_mask, 0);
	KUNIT_EXPECT_EQ(test, (fmt->table_bits | fmt->leaf_bits |
			       fmt->huge_bits | fmt->huge_mask) & fmt->addr_mask, 0);
	KUNIT_EXPECT_EQ(test, fmt->frozen & (fmt->present_mask | fmt->addr_mask), 0);
	KUNIT_EXPECT_FALSE(test, okvm_pte_present(fmt, fmt->frozen));
	KUNIT_EXPECT_FALSE(test, okvm_pte_present(fmt, 0));
	/* Exactly one of the two execute encodings. */
	KUNIT_EXPECT_TRUE(test, !fmt->x_bit != !fmt->nx_bit);
	/* A huge leaf and a table are told apart by huge_mask. */
	KUNIT_EXPECT_EQ(test, fmt->huge_bits & fmt->huge_mask, fmt->huge_val);
	KUNIT_EXPECT_NE(test, fmt->table_bits & fmt->huge_mask, fmt->huge_val);
	KUNIT_EXPECT_GE(test, fmt->levels, fmt->max_huge_level);
	/* A dirty flag without an accessed flag is no format we know. */
	if (fmt->dirty_bit)
		KUNIT_EXPECT_NE(test, fmt->accessed_bit, 0);
}

static struct kunit_case pt_fmt_cases[] = {
	KUNIT_CASE_PARAM(leaf_round_trip, fmt_gen_params),
	KUNIT_CASE_PARAM(table_round_trip, fmt_gen_params),
	KUNIT_CASE_PARAM(relevel_keeps_state, fmt_gen_params),
	KUNIT_CASE_PARAM(masks_sane, fmt_gen_params),
	{}
};

static struct kunit_suite pt_fmt_suite = {
	.name = "okvm_pt_fmt",
	.test_cases = pt_fmt_cases,
};
kunit_test_suite(pt_fmt_suite);
