// SPDX-License-Identifier: GPL-2.0-only
/*
 * okvm_pt_iter: the iterator against a recursive reference walk, with
 * minimum levels, unaligned ranges and forced restarts (yield points).
 */
#include <kunit/test.h>
#include <linux/io.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "mmu/pt_iter.h"
#include "mmu_test_util.h"

KUNIT_ARRAY_PARAM(fmt, okvm_test_fmts, okvm_test_fmt_desc);

#define MAX_VISITS 8192

struct visit {
	u64 gfn;
	int level;
	bool table;	/* reference only: the walk descended below it */
};

struct iter_ctx {
	struct okvm_test_vm vm;
	struct visit *ref, *got;
	int nr_ref, nr_got;
};

static int iter_init(struct kunit *test)
{
	const struct okvm_pt_fmt *fmt = *(const struct okvm_pt_fmt **)test->param_value;
	struct iter_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	u64 g1 = okvm_pt_level_pages(3);	/* the second 1G */
	int ret;

	if (!c)
		return -ENOMEM;
	c->ref = kunit_kcalloc(test, MAX_VISITS, sizeof(*c->ref), GFP_KERNEL);
	c->got = kunit_kcalloc(test, MAX_VISITS, sizeof(*c->got), GFP_KERNEL);
	if (!c->ref || !c->got)
		return -ENOMEM;
	ret = okvm_test_vm_init(&c->vm, fmt, 0, false);
	if (ret)
		return ret;
	test->priv = c;

	/* A mix: 4K pages, 2M leaves and one 1G leaf around a 1G boundary. */
	read_lock(c->vm.mmu.lock);
	KUNIT_EXPECT_EQ(test, okvm_mmu_map(&c->vm.mmu, false, g1 - 16, 100, 16,
					   OKVM_PT_RWX, 1, NULL), 0);
	KUNIT_EXPECT_EQ(test, okvm_mmu_map(&c->vm.mmu, false, g1 + 512, 1024,
					   1024, OKVM_PT_R, 2, NULL), 0);
	KUNIT_EXPECT_EQ(test, okvm_mmu_map(&c->vm.mmu, false, g1 + 3, 7, 2,
					   OKVM_PT_R, 1, NULL), 0);
	KUNIT_EXPECT_EQ(test, okvm_mmu_map(&c->vm.mmu, false, 2 * g1, 0, g1,
					   OKVM_PT_R, 3, NULL), 0);
	read_unlock(c->vm.mmu.lock);
	return 0;
}

static void iter_exit(struct kunit *test)
{
	struct iter_ctx *c = test->priv;

	if (c)
		okvm_test_vm_destroy(test, &c->vm);
}

static void ref_walk(struct iter_ctx *c, const struct okvm_pt_fmt *fmt,
		     u64 *spt, int level, u64 base, u64 start, u64 end,
		     int min_level)
{
	u64 pages = okvm_pt_level_pages(level);
	int i;

	for (i = 0; i < OKVM_PT_ENTRIES; i++) {
		u64 g = base + i * pages;
		bool table;

		if (g + pages <= start || g >= end)
			continue;
		table = level > min_level && okvm_pte_table(fmt, spt[i], level);
		if (c->nr_ref < MAX_VISITS)
			c->ref[c->nr_ref++] = (struct visit){ g, level, table };
		if (table)
			ref_walk(c, fmt, phys_to_virt(spt[i] & fmt->addr_mask),
				 level - 1, g, start, end, min_level);
	}
}

/*
 * Run the iterator; with @restart_every, pretend to yield every so many
 * entries.  A restart revisits the table entries above the resume point,
 * so with restarts only entries that are not tables are recorded.
 */
static void run_iter(struct iter_ctx *c, u64 start, u64 end, int min_level,
		     int restart_every, bool skip_tables)
{
	struct okvm_pt_root *root = &c->vm.mmu.direct;
	const struct okvm_pt_fmt *fmt = c->vm.mmu.fmt;
	struct okvm_pt_iter iter;
	int n = 0;

	c->nr_got = 0;
	rcu_read_lock();
	for_each_okvm_pte(iter, fmt, root->spt, root->level, min_level,
			  start, end) {
		if (restart_every && ++n % restart_every == 0 &&
		    iter.next_gfn != iter.yielded_gfn) {
			iter.yielded = true;
			continue;
		}
		if (skip_tables && iter.level > min_level &&
		    okvm_pte_table(fmt, iter.old_spte, iter.level))
			continue;
		if (c->nr_got < MAX_VISITS)
			c->got[c->nr_got++] = (struct visit){ iter.gfn, iter.level,
							       false };
	}
	rcu_read_unlock();
}

/* Keep only the reference entries a restarted walk records. */
static void drop_ref_tables(struct iter_ctx *c)
{
	int i, n = 0;

	for (i = 0; i < c->nr_ref; i++)
		if (!c->ref[i].table)
			c->ref[n++] = c->ref[i];
	c->nr_ref = n;
}

static void expect_same(struct kunit *test, struct iter_ctx *c)
{
	int i;

	KUNIT_ASSERT_LT(test, c->nr_ref, MAX_VISITS);
	KUNIT_ASSERT_EQ(test, c->nr_got, c->nr_ref);
	for (i = 0; i < c->nr_ref; i++) {
		KUNIT_ASSERT_EQ_MSG(test, c->got[i].gfn, c->ref[i].gfn,
				    "visit %d", i);
		KUNIT_ASSERT_EQ_MSG(test, c->got[i].level, c->ref[i].level,
				    "visit %d", i);
	}
}

struct range_case {
	u64 start_off;	/* relative to the second 1G */
	u64 len;
	int min_level;
};

static const struct range_case ranges[] = {
	{ -16ULL, 32, 1 }, { -5ULL, 1000, 1 }, { 0, 2048, 2 },
	{ 513, 3, 1 }, { -16ULL, 3 * (1ULL << 18), 1 },
	{ -16ULL, 3 * (1ULL << 18), 3 },
};

static void preorder_matches_reference(struct kunit *test)
{
	struct iter_ctx *c = test->priv;
	struct okvm_pt_root *root = &c->vm.mmu.direct;
	u64 g1 = okvm_pt_level_pages(3);
	int i;

	for (i = 0; i < ARRAY_SIZE(ranges); i++) {
		u64 start = g1 + ranges[i].start_off;
		u64 end = start + ranges[i].len;

		c->nr_ref = 0;
		rcu_read_lock();
		ref_walk(c, c->vm.mmu.fmt, root->spt, root->level, 0, start,
			 end, ranges[i].min_level);
		rcu_read_unlock();
		run_iter(c, start, end, ranges[i].min_level, 0, false);
		KUNIT_EXPECT_GT(test, c->nr_ref, 0);
		expect_same(test, c);
	}
}

/* Restarting at yield points neither skips nor repeats a non-table entry. */
static void restart_resumes(struct kunit *test)
{
	struct iter_ctx *c = test->priv;
	struct okvm_pt_root *root = &c->vm.mmu.direct;
	u64 g1 = okvm_pt_level_pages(3);
	int i, n, every;

	/* Each range with a restart every 1, 4 and 7 entries. */
	for (n = 0; n < 3 * ARRAY_SIZE(ranges); n++) {
		u64 start, end;

		every = 1 + 3 * (n / ARRAY_SIZE(ranges));
		i = n % ARRAY_SIZE(ranges);
		start = g1 + ranges[i].start_off;
		end = start + ranges[i].len;
		c->nr_ref = 0;
		rcu_read_lock();
		ref_walk(c, c->vm.mmu.fmt, root->spt, root->level, 0, start,
			 end, ranges[i].min_level);
		rcu_read_unlock();
		drop_ref_tables(c);
		run_iter(c, start, end, ranges[i].min_level, every, true);
		expect_same(test, c);
	}
}

static struct kunit_case pt_iter_cases[] = {
	KUNIT_CASE_PARAM(preorder_matches_reference, fmt_gen_params),
	KUNIT_CASE_PARAM(restart_resumes, fmt_gen_params),
	{}
};

static struct kunit_suite pt_iter_suite = {
	.name = "okvm_pt_iter",
	.init = iter_init,
	.exit = iter_exit,
	.test_cases = pt_iter_cases,
};
kunit_test_suite(pt_iter_suite);
