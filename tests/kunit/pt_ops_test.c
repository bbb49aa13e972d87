// SPDX-License-Identifier: GPL-2.0-only
/*
 * okvm_pt_ops: differential test of the engine against a reference model,
 * an xarray per root of natural GFN -> (pfn, permissions, level, young).
 *
 * Thousands of random map / zap / write-protect / split / age operations
 * on random ranges of a window that straddles a 1G boundary; after every
 * step the tables (both roots), the accounting, the software external
 * table, the returned counts, the aging bitmap and the TLB flushes are
 * checked against the model.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/prandom.h>
#include <linux/rcupdate.h>
#include <linux/xarray.h>

#include "mmu/pt_iter.h"
#include "mmu_test_util.h"

KUNIT_ARRAY_PARAM(fmt, okvm_test_fmts, okvm_test_fmt_desc);

#define WBASE	((1ULL << 18) - 1024)	/* 512-aligned, crosses 1G */
#define WLEN	2048ULL
#define STEPS	1000
#define SEED	0x6f6b766dULL

struct ment {
	u64 pfn;
	u32 perm;
	int level;
	bool young;
};

struct ops_ctx {
	struct okvm_test_vm vm;
	struct xarray model[2];		/* [0] direct, [1] mirror */
	struct rnd_state rs;
	unsigned long *bitmap, *expect;
};

static void *menc(struct ment e)
{
	return xa_mk_value(e.pfn << 8 | (u64)e.level << 4 |
			   (u64)e.young << 3 | e.perm);
}

static bool mget(struct ops_ctx *c, int r, u64 gfn, struct ment *e)
{
	void *v = xa_load(&c->model[r], gfn);
	u64 x;

	if (!v)
		return false;
	x = xa_to_value(v);
	e->pfn = x >> 8;
	e->level = (x >> 4) & 0xf;
	e->young = (x >> 3) & 1;
	e->perm = x & 7;
	return true;
}

static void mset(struct kunit *test, struct ops_ctx *c, int r, u64 gfn,
		 struct ment e)
{
	KUNIT_ASSERT_EQ(test, xa_err(xa_store(&c->model[r], gfn, menc(e),
					      GFP_KERNEL)), 0);
}

/* Remove the whole leaf (a huge one included) that maps @gfn. */
static u64 mremove_leaf(struct ops_ctx *c, int r, u64 gfn, int level)
{
	u64 pages = okvm_pt_level_pages(level);
	u64 base = round_down(gfn, pages), g;

	for (g = base; g < base + pages; g++)
		xa_erase(&c->model[r], g);
	return pages;
}

static u64 rnd(struct ops_ctx *c, u64 n)
{
	return prandom_u32_state(&c->rs) % n;
}

static int ops_init(struct kunit *test)
{
	const struct okvm_pt_fmt *fmt = *(const struct okvm_pt_fmt **)test->param_value;
	struct ops_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	int ret;

	if (!c)
		return -ENOMEM;
	c->bitmap = kunit_kzalloc(test, BITS_TO_LONGS(WLEN) * sizeof(long),
				  GFP_KERNEL);
	c->expect = kunit_kzalloc(test, BITS_TO_LONGS(WLEN) * sizeof(long),
				  GFP_KERNEL);
	if (!c->bitmap || !c->expect)
		return -ENOMEM;
	xa_init(&c->model[0]);
	xa_init(&c->model[1]);
	prandom_seed_state(&c->rs, SEED);
	ret = okvm_test_vm_init(&c->vm, fmt, okvm_test_direct_bits(fmt), true);
	if (ret)
		return ret;
	test->priv = c;
	return 0;
}

static void ops_exit(struct kunit *test)
{
	struct ops_ctx *c = test->priv;

	if (!c)
		return;
	okvm_test_vm_destroy(test, &c->vm);
	xa_destroy(&c->model[0]);
	xa_destroy(&c->model[1]);
}

static struct okvm_pt_root *root_of(struct ops_ctx *c, int r)
{
	return r ? c->vm.mmu.mirror : &c->vm.mmu.direct;
}

/* Every leaf of root @r matches the model and the model has nothing more. */
static void compare_root(struct kunit *test, struct ops_ctx *c, int r)
{
	const struct okvm_pt_fmt *fmt = c->vm.mmu.fmt;
	struct okvm_pt_root *root = root_of(c, r);
	u64 start = okvm_root_gfn(root, WBASE), seen = 0, g, n = 0;
	struct okvm_pt_iter iter;
	unsigned long idx;
	struct ment e;
	void *v;

	rcu_read_lock();
	for_each_okvm_pte(iter, fmt, root->spt, root->level, 1, start,
			  start + WLEN) {
		u64 pte = iter.old_spte, pages = okvm_pt_level_pages(iter.level);

		if (!okvm_pte_leaf(fmt, pte, iter.level))
			continue;
		for (g = iter.gfn; g < iter.gfn + pages; g++) {
			u64 ng = g & ~root->gfn_bits;

			KUNIT_ASSERT_TRUE_MSG(test, mget(c, r, ng, &e),
					      "root %d gfn %llx mapped, model empty",
					      r, ng);
			KUNIT_ASSERT_EQ(test, e.pfn, okvm_pte_pfn(fmt, pte) +
					(g - iter.gfn));
			KUNIT_ASSERT_EQ(test, e.perm, okvm_pte_perm(fmt, pte));
			KUNIT_ASSERT_EQ(test, e.level, iter.level);
			if (fmt->accessed_bit)
				KUNIT_ASSERT_EQ(test, e.young,
						okvm_pte_young(fmt, pte));
			seen++;
		}
	}
	rcu_read_unlock();
	xa_for_each(&c->model[r], idx, v)
		n++;
	KUNIT_ASSERT_EQ_MSG(test, seen, n, "root %d", r);
}

static void check_all(struct kunit *test, struct ops_ctx *c)
{
	u64 pages = 0;
	int l;

	okvm_test_check_tables(test, &c->vm);
	compare_root(test, c, 0);
	compare_root(test, c, 1);
	/* Nothing is mapped outside the window. */
	for (l = 1; l <= OKVM_PT_MAX_LEVELS; l++)
		pages += atomic64_read(&c->vm.mmu.nr_leaves[l]) *
			 okvm_pt_level_pages(l);
	KUNIT_ASSERT_LE(test, pages, 2 * WLEN);
}

/* A random range inside the window. */
static void rnd_range(struct ops_ctx *c, u64 *gfn, u64 *nr)
{
	u64 off = rnd(c, WLEN);

	*gfn = WBASE + off;
	*nr = 1 + rnd(c, min(700ULL, WLEN - off));
}

static void step_map(struct kunit *test, struct ops_ctx *c)
{
	int r = rnd(c, 2), level = rnd(c, 3) ? 1 : 2;
	u64 pages = okvm_pt_level_pages(level), nblocks = WLEN / pages;
	u64 b = rnd(c, nblocks), cnt = 1 + rnd(c, min(4ULL, nblocks - b));
	u64 gfn = WBASE + b * pages, nr = cnt * pages, bg, g;
	u64 pfn = rnd(c, 1 << 20) * pages;
	u32 perm = OKVM_PT_R | (rnd(c, 2) ? OKVM_PT_W : 0) |
		   (rnd(c, 2) ? OKVM_PT_X : 0);
	struct ment e;
	int ret;

	read_lock(c->vm.mmu.lock);
	ret = okvm_mmu_map(&c->vm.mmu, r, gfn, pfn, nr, perm, level, NULL);
	read_unlock(c->vm.mmu.lock);
	KUNIT_ASSERT_EQ(test, ret, 0);

	for (bg = gfn; bg < gfn + nr; bg += pages) {
		/* A bigger leaf in the way goes whole; smaller ones too. */
		for (g = bg; g < bg + pages; g++)
			if (mget(c, r, g, &e))
				mremove_leaf(c, r, g, e.level);
		for (g = bg; g < bg + pages; g++)
			mset(test, c, r, g, (struct ment){ pfn + (g - gfn), perm,
							  level, true });
	}
}

static void expect_flushed(struct kunit *test, struct ops_ctx *c, int r,
			   u64 lo, u64 hi)
{
	struct okvm_pt_root *root = root_of(c, r);

	KUNIT_ASSERT_GT(test, c->vm.nr_flushes, 0);
	KUNIT_ASSERT_LE(test, c->vm.flush_start, okvm_root_gfn(root, lo));
	KUNIT_ASSERT_GT(test, c->vm.flush_end, okvm_root_gfn(root, hi));
}

static void step_zap(struct kunit *test, struct ops_ctx *c)
{
	unsigned int roots = 1 + rnd(c, 3);
	u64 gfn, nr, g, removed = 0, got;
	struct ment e;
	int r;

	rnd_range(c, &gfn, &nr);
	okvm_test_flush_reset(&c->vm);
	write_lock(c->vm.mmu.lock);
	got = okvm_mmu_zap(&c->vm.mmu, roots, gfn, nr);
	write_unlock(c->vm.mmu.lock);

	for (r = 0; r < 2; r++) {
		u64 lo = U64_MAX, hi = 0, n = 0;

		if (!(roots & BIT(r)))
			continue;
		for (g = gfn; g < gfn + nr; g++) {
			if (!mget(c, r, g, &e))
				continue;
			lo = min(lo, round_down(g, okvm_pt_level_pages(e.level)));
			hi = max(hi, g);
			n += mremove_leaf(c, r, g, e.level);
		}
		if (n)
			expect_flushed(test, c, r, lo, hi);
		removed += n;
	}
	KUNIT_ASSERT_EQ(test, got, removed);
}

static void step_wrprot(struct kunit *test, struct ops_ctx *c)
{
	u64 gfn, nr, g, x, changed = 0, got, lo = U64_MAX, hi = 0;
	struct ment e;

	rnd_range(c, &gfn, &nr);
	okvm_test_flush_reset(&c->vm);
	write_lock(c->vm.mmu.lock);
	got = okvm_mmu_wrprot(&c->vm.mmu, gfn, nr);
	write_unlock(c->vm.mmu.lock);

	for (g = gfn; g < gfn + nr; g++) {
		u64 pages, base;

		if (!mget(c, 0, g, &e) || !(e.perm & OKVM_PT_W))
			continue;
		pages = okvm_pt_level_pages(e.level);
		base = round_down(g, pages);
		for (x = base; x < base + pages; x++) {
			mget(c, 0, x, &e);
			e.perm &= ~OKVM_PT_W;
			mset(test, c, 0, x, e);
		}
		lo = min(lo, base);
		hi = max(hi, g);
		changed += pages;
	}
	KUNIT_ASSERT_EQ(test, got, changed);
	if (changed)
		expect_flushed(test, c, 0, lo, hi);
}

static void step_split(struct kunit *test, struct ops_ctx *c)
{
	unsigned int roots = 1 + rnd(c, 3);
	u64 gfn, nr, g, x;
	struct ment e;
	int r, split = 0, got;

	rnd_range(c, &gfn, &nr);
	write_lock(c->vm.mmu.lock);
	got = okvm_mmu_split(&c->vm.mmu, roots, gfn, nr, 1, NULL);
	write_unlock(c->vm.mmu.lock);

	for (r = 0; r < 2; r++) {
		if (!(roots & BIT(r)))
			continue;
		for (g = gfn; g < gfn + nr; g++) {
			u64 base, pages;

			if (!mget(c, r, g, &e) || e.level == 1)
				continue;
			/* Only 2M leaves exist in the window. */
			pages = okvm_pt_level_pages(e.level);
			base = round_down(g, pages);
			for (x = base; x < base + pages; x++) {
				mget(c, r, x, &e);
				e.level = 1;
				mset(test, c, r, x, e);
			}
			split++;
		}
	}
	KUNIT_ASSERT_EQ(test, got, split);
}

static void step_age(struct kunit *test, struct ops_ctx *c, bool clear)
{
	const struct okvm_pt_fmt *fmt = c->vm.mmu.fmt;
	u64 gfn, nr, g, x, lo = U64_MAX, hi = 0;
	bool got, young = false, zapped = false;
	struct ment e;

	rnd_range(c, &gfn, &nr);
	bitmap_zero(c->bitmap, WLEN);
	bitmap_zero(c->expect, WLEN);
	okvm_test_flush_reset(&c->vm);
	/* Aging takes no MMU lock at all. */
	if (clear)
		got = okvm_mmu_test_clear_young(&c->vm.mmu, gfn, nr, c->bitmap, true);
	else
		got = okvm_mmu_test_young(&c->vm.mmu, gfn, nr, c->bitmap, true);

	for (g = gfn; g < gfn + nr; g++) {
		if (!mget(c, 0, g, &e) || (fmt->accessed_bit && !e.young))
			continue;
		__set_bit(g - gfn, c->expect);
		young = true;
	}
	KUNIT_ASSERT_EQ(test, got, young);
	KUNIT_ASSERT_TRUE(test, bitmap_equal(c->bitmap, c->expect, nr));
	if (!clear) {
		KUNIT_ASSERT_EQ(test, c->vm.nr_flushes, 0);
		return;
	}
	for (g = gfn; g < gfn + nr; g++) {
		u64 base, pages;

		if (!test_bit(g - gfn, c->expect) || !mget(c, 0, g, &e))
			continue;
		pages = okvm_pt_level_pages(e.level);
		base = round_down(g, pages);
		if (!fmt->accessed_bit) {
			/* No A flag: the leaf is zapped, the next access refaults. */
			mremove_leaf(c, 0, g, e.level);
			lo = min(lo, base);
			hi = max(hi, g);
			zapped = true;
			continue;
		}
		for (x = base; x < base + pages; x++) {
			mget(c, 0, x, &e);
			e.young = false;
			mset(test, c, 0, x, e);
		}
	}
	if (zapped)
		expect_flushed(test, c, 0, lo, hi);
	else
		KUNIT_ASSERT_EQ(test, c->vm.nr_flushes, 0);
}

static void random_ops_match_model(struct kunit *test)
{
	struct ops_ctx *c = test->priv;
	int counts[6] = {}, i;

	for (i = 0; i < STEPS; i++) {
		int op = rnd(c, 20);

		if (op < 7) {
			step_map(test, c);
			counts[0]++;
		} else if (op < 10) {
			step_zap(test, c);
			counts[1]++;
		} else if (op < 12) {
			step_wrprot(test, c);
			counts[2]++;
		} else if (op < 14) {
			step_split(test, c);
			counts[3]++;
		} else if (op < 18) {
			step_age(test, c, true);
			counts[4]++;
		} else {
			step_age(test, c, false);
			counts[5]++;
		}
		check_all(test, c);
		cond_resched();
	}
	kunit_info(test, "%d steps: map %d zap %d wrprot %d split %d age %d test_young %d",
		   STEPS, counts[0], counts[1], counts[2], counts[3], counts[4],
		   counts[5]);
}

/* The same, with a yield point forced every few entries of every walk. */
static void random_ops_with_yields(struct kunit *test)
{
	struct ops_ctx *c = test->priv;

	c->vm.mmu.test_yield_every = 5;
	prandom_seed_state(&c->rs, SEED + 1);
	random_ops_match_model(test);
}

/* 1G leaves: map, look up, split to 2M then partly to 4K, age, zap. */
static void huge_1g_lifecycle(struct kunit *test)
{
	struct ops_ctx *c = test->priv;
	struct okvm_mmu *mmu = &c->vm.mmu;
	u64 g1 = okvm_pt_level_pages(3), base = 2 * g1, pfn;
	u32 perm;
	int level, r;

	for (r = 0; r < 2; r++) {
		read_lock(mmu->lock);
		KUNIT_ASSERT_EQ(test, okvm_mmu_map(mmu, r, base, 5 * g1, g1,
						   OKVM_PT_R | OKVM_PT_W, 3,
						   NULL), 0);
		read_unlock(mmu->lock);
	}
	KUNIT_EXPECT_EQ(test, atomic64_read(&mmu->nr_leaves[3]), 2);
	KUNIT_EXPECT_TRUE(test, okvm_mmu_lookup(mmu, true, base + 12345, &pfn,
						&perm, &level));
	KUNIT_EXPECT_EQ(test, pfn, 5 * g1 + 12345);
	KUNIT_EXPECT_EQ(test, level, 3);
	KUNIT_EXPECT_EQ(test, perm, OKVM_PT_R | OKVM_PT_W);
	okvm_test_check_tables(test, &c->vm);

	/* 1G -> 512 x 2M everywhere, then the 2M around base + 1000 -> 4K. */
	write_lock(mmu->lock);
	KUNIT_EXPECT_EQ(test, okvm_mmu_split(mmu, OKVM_ROOT_ALL, base, g1, 2,
					     NULL), 2);
	KUNIT_EXPECT_EQ(test, okvm_mmu_split(mmu, OKVM_ROOT_ALL, base + 1000, 1,
					     1, NULL), 2);
	write_unlock(mmu->lock);
	KUNIT_EXPECT_EQ(test, atomic64_read(&mmu->nr_leaves[3]), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&mmu->nr_leaves[2]), 2 * 511);
	KUNIT_EXPECT_EQ(test, atomic64_read(&mmu->nr_leaves[1]), 2 * 512);
	KUNIT_EXPECT_EQ(test, okvm_ext_sw_nr_leaves(&c->vm.ext, 2), 511);
	KUNIT_EXPECT_TRUE(test, okvm_mmu_lookup(mmu, false, base + 1000, &pfn,
						&perm, &level));
	KUNIT_EXPECT_EQ(test, pfn, 5 * g1 + 1000);
	KUNIT_EXPECT_EQ(test, level, 1);
	KUNIT_EXPECT_TRUE(test, okvm_mmu_lookup(mmu, false, base + g1 - 1, &pfn,
						&perm, &level));
	KUNIT_EXPECT_EQ(test, pfn, 6 * g1 - 1);
	KUNIT_EXPECT_EQ(test, level, 2);
	okvm_test_check_tables(test, &c->vm);

	/* Aging sees the whole gigabyte young. */
	KUNIT_EXPECT_TRUE(test, okvm_mmu_test_young(mmu, base, g1, NULL, true));
	write_lock(mmu->lock);
	KUNIT_EXPECT_EQ(test, okvm_mmu_zap(mmu, OKVM_ROOT_ALL, base, g1),
			2 * g1);
	write_unlock(mmu->lock);
	KUNIT_EXPECT_FALSE(test, okvm_mmu_test_young(mmu, base, g1, NULL, true));
	okvm_test_check_tables(test, &c->vm);
	/* Only the tables above the zapped 1G entries stay linked. */
	KUNIT_EXPECT_EQ(test, okvm_ext_sw_nr_tables(&c->vm.ext),
			mmu->fmt->levels - 3);
}

/* Faults take table pages from the caller's pre-filled cache first. */
static void cache_feeds_tables(struct kunit *test)
{
	struct ops_ctx *c = test->priv;
	struct okvm_mmu *mmu = &c->vm.mmu;
	struct okvm_pt_cache cache = {};

	KUNIT_ASSERT_EQ(test, okvm_pt_cache_topup(&cache, 8), 0);
	KUNIT_EXPECT_EQ(test, cache.nr, 8);
	read_lock(mmu->lock);
	KUNIT_EXPECT_EQ(test, okvm_mmu_map(mmu, false, WBASE, 1, 1, OKVM_PT_R,
					   1, &cache), 0);
	read_unlock(mmu->lock);
	/* One table per level below the root. */
	KUNIT_EXPECT_EQ(test, cache.nr, 8 - (mmu->fmt->levels - 1));
	okvm_pt_cache_free(&cache);
	KUNIT_EXPECT_EQ(test, cache.nr, 0);
	okvm_test_check_tables(test, &c->vm);
}

/*
 * A broken MMU changes no entry, so a zap leaves the mapping in place: it
 * must still call the flush hook, which is what makes vCPUs leave tables
 * whose pages the caller is about to free.
 */
static void broken_zap_still_flushes(struct kunit *test)
{
	struct ops_ctx *c = test->priv;
	struct okvm_mmu *mmu = &c->vm.mmu;

	read_lock(mmu->lock);
	KUNIT_ASSERT_EQ(test, okvm_mmu_map(mmu, false, WBASE, 1, 1, OKVM_PT_R,
					   1, NULL), 0);
	read_unlock(mmu->lock);
	okvm_test_flush_reset(&c->vm);
	WRITE_ONCE(mmu->broken, true);
	write_lock(mmu->lock);
	KUNIT_EXPECT_EQ(test, okvm_mmu_zap(mmu, OKVM_ROOT_ALL, WBASE, 1), 0);
	write_unlock(mmu->lock);
	/* Both roots, each in its own GFN space. */
	KUNIT_EXPECT_EQ(test, c->vm.nr_flushes, 2);
	KUNIT_EXPECT_LE(test, c->vm.flush_start, WBASE);
	KUNIT_EXPECT_GE(test, c->vm.flush_end,
			okvm_root_gfn(&mmu->direct, WBASE) + 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&mmu->nr_leaves[1]), 1);
	/* The fixture's teardown checks a healthy MMU: zap for real. */
	WRITE_ONCE(mmu->broken, false);
	write_lock(mmu->lock);
	KUNIT_EXPECT_EQ(test, okvm_mmu_zap(mmu, OKVM_ROOT_ALL, WBASE, 1), 1);
	write_unlock(mmu->lock);
}

static struct kunit_case pt_ops_cases[] = {
	KUNIT_CASE_PARAM(huge_1g_lifecycle, fmt_gen_params),
	KUNIT_CASE_PARAM(cache_feeds_tables, fmt_gen_params),
	KUNIT_CASE_PARAM(broken_zap_still_flushes, fmt_gen_params),
	KUNIT_CASE_PARAM(random_ops_match_model, fmt_gen_params),
	KUNIT_CASE_PARAM(random_ops_with_yields, fmt_gen_params),
	{}
};

static struct kunit_suite pt_ops_suite = {
	.name = "okvm_pt_ops",
	.init = ops_init,
	.exit = ops_exit,
	.test_cases = pt_ops_cases,
};
kunit_test_suite(pt_ops_suite);
