// SPDX-License-Identifier: GPL-2.0-only
/*
 * okvm_roots: direct and mirror roots (seed 000).  The direct root maps a
 * natural GFN only with the GFN direct bits added, the mirror root only
 * without; callers always pass natural GFNs; every mirror change reaches
 * the software external table, and a refused external update leaves the
 * mirror root unchanged.
 */
#include <kunit/test.h>
#include <linux/rcupdate.h>

#include "mmu/pt_iter.h"
#include "mmu_test_util.h"

KUNIT_ARRAY_PARAM(fmt, okvm_test_fmts, okvm_test_fmt_desc);

/* The leaf that maps root GFN @gfn in @root, read from the raw tables. */
static bool raw_leaf(struct okvm_test_vm *vm, struct okvm_pt_root *root,
		     u64 gfn, u64 *pfn)
{
	const struct okvm_pt_fmt *fmt = vm->mmu.fmt;
	struct okvm_pt_iter iter;
	bool found = false;

	rcu_read_lock();
	for_each_okvm_pte(iter, fmt, root->spt, root->level, 1, gfn, gfn + 1) {
		if (okvm_pte_leaf(fmt, iter.old_spte, iter.level)) {
			*pfn = okvm_pte_pfn(fmt, iter.old_spte) + gfn - iter.gfn;
			found = true;
		}
	}
	rcu_read_unlock();
	return found;
}

static int map(struct okvm_test_vm *vm, bool private, u64 gfn, u64 pfn,
	       u64 nr, int level)
{
	int ret;

	read_lock(vm->mmu.lock);
	ret = okvm_mmu_map(&vm->mmu, private, gfn, pfn, nr, OKVM_PT_RWX,
			   level, NULL);
	read_unlock(vm->mmu.lock);
	return ret;
}

static u64 zap(struct okvm_test_vm *vm, unsigned int roots, u64 gfn, u64 nr)
{
	u64 n;

	write_lock(vm->mmu.lock);
	n = okvm_mmu_zap(&vm->mmu, roots, gfn, nr);
	write_unlock(vm->mmu.lock);
	return n;
}

static void direct_bits_only_in_direct_root(struct kunit *test)
{
	struct okvm_test_vm *vm = test->priv;
	u64 bits = vm->mmu.gfn_direct_bits, g = 0x1234, pfn, p2;
	u32 perm;
	int level;

	KUNIT_ASSERT_NE(test, bits, 0);
	KUNIT_ASSERT_EQ(test, map(vm, false, g, 0x500, 1, 1), 0);
	KUNIT_ASSERT_EQ(test, map(vm, true, g, 0x700, 1, 1), 0);
	okvm_test_check_tables(test, vm);

	/* Shared: at g | bits in the direct root, nowhere at g. */
	KUNIT_EXPECT_TRUE(test, raw_leaf(vm, &vm->mmu.direct, g | bits, &pfn));
	KUNIT_EXPECT_EQ(test, pfn, 0x500);
	KUNIT_EXPECT_FALSE(test, raw_leaf(vm, &vm->mmu.direct, g, &pfn));
	/* Private: at g in the mirror root, nowhere at g | bits. */
	KUNIT_EXPECT_TRUE(test, raw_leaf(vm, vm->mmu.mirror, g, &pfn));
	KUNIT_EXPECT_EQ(test, pfn, 0x700);
	KUNIT_EXPECT_FALSE(test, raw_leaf(vm, vm->mmu.mirror, g | bits, &pfn));
	/* Callers use natural GFNs for both. */
	KUNIT_EXPECT_TRUE(test, okvm_mmu_lookup(&vm->mmu, false, g, &pfn, &perm,
						&level));
	KUNIT_EXPECT_EQ(test, pfn, 0x500);
	KUNIT_EXPECT_TRUE(test, okvm_mmu_lookup(&vm->mmu, true, g, &pfn, &perm,
						&level));
	KUNIT_EXPECT_EQ(test, pfn, 0x700);
	/* The external table has the private mapping only. */
	KUNIT_EXPECT_TRUE(test, okvm_ext_sw_lookup(&vm->ext, g, &p2, &perm,
						   &level));
	KUNIT_EXPECT_EQ(test, p2, 0x700);
	KUNIT_EXPECT_FALSE(test, okvm_ext_sw_lookup(&vm->ext, g | bits, &p2,
						    &perm, &level));

	/* Zapping one kind of root leaves the other alone. */
	KUNIT_EXPECT_EQ(test, zap(vm, OKVM_ROOT_DIRECT, g, 1), 1);
	KUNIT_EXPECT_FALSE(test, okvm_mmu_lookup(&vm->mmu, false, g, &pfn,
						 &perm, &level));
	KUNIT_EXPECT_TRUE(test, okvm_mmu_lookup(&vm->mmu, true, g, &pfn, &perm,
						&level));
	KUNIT_EXPECT_EQ(test, okvm_ext_sw_nr_leaves(&vm->ext, 1), 1);
	KUNIT_EXPECT_EQ(test, zap(vm, OKVM_ROOT_MIRROR, g, 1), 1);
	KUNIT_EXPECT_EQ(test, okvm_ext_sw_nr_leaves(&vm->ext, 1), 0);
	okvm_test_check_tables(test, vm);
}

static void gfn_with_direct_bits_rejected(struct kunit *test)
{
	struct okvm_test_vm *vm = test->priv;
	u64 bits = vm->mmu.gfn_direct_bits, pfn;
	u32 perm;
	int level;

	/* A GFN that already carries the bits is not a natural GFN. */
	KUNIT_EXPECT_EQ(test, map(vm, false, bits | 4, 1, 1, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, map(vm, true, bits | 4, 1, 1, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, map(vm, false, bits - 1, 1, 2, 1), -EINVAL);
	KUNIT_EXPECT_FALSE(test, okvm_mmu_lookup(&vm->mmu, false, bits | 4,
						 &pfn, &perm, &level));
	/* Bad alignment, level and permissions. */
	KUNIT_EXPECT_EQ(test, map(vm, false, 1, 0, 512, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, map(vm, false, 0, 1, 512, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, map(vm, false, 0, 0, 512, 9), -EINVAL);
	read_lock(vm->mmu.lock);
	KUNIT_EXPECT_EQ(test, okvm_mmu_map(&vm->mmu, false, 0, 0, 1, OKVM_PT_W,
					   1, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, okvm_mmu_map(&vm->mmu, false, 0, 0, 1, 8, 1,
					   NULL), -EINVAL);
	read_unlock(vm->mmu.lock);
	KUNIT_EXPECT_EQ(test, zap(vm, OKVM_ROOT_ALL, bits, 1), 0);
	okvm_test_check_tables(test, vm);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vm->mmu.nr_tables), 2);
}

static void bad_configs_rejected(struct kunit *test)
{
	const struct okvm_pt_fmt *fmt = *(const struct okvm_pt_fmt **)test->param_value;
	struct okvm_mmu *mmu = kunit_kzalloc(test, sizeof(*mmu), GFP_KERNEL);
	struct okvm_mmu_cfg cfg = { .fmt = fmt };

	KUNIT_ASSERT_NOT_NULL(test, mmu);
	cfg.gfn_direct_bits = okvm_pt_fmt_gfns(fmt);
	KUNIT_EXPECT_EQ(test, okvm_mmu_init(mmu, &cfg), -EINVAL);
	cfg.gfn_direct_bits = 0;
	cfg.has_private = true;
	KUNIT_EXPECT_EQ(test, okvm_mmu_init(mmu, &cfg), -EINVAL);
	/* Without private memory there is no mirror root to map into. */
	cfg.has_private = false;
	KUNIT_ASSERT_EQ(test, okvm_mmu_init(mmu, &cfg), 0);
	KUNIT_EXPECT_NULL(test, mmu->mirror);
	read_lock(mmu->lock);
	KUNIT_EXPECT_EQ(test, okvm_mmu_map(mmu, true, 0, 0, 1, OKVM_PT_R, 1,
					   NULL), -EINVAL);
	read_unlock(mmu->lock);
	okvm_mmu_destroy(mmu);
}

/* A refused external update leaves the mirror entry as it was. */
static void ext_failure_leaves_mirror_unchanged(struct kunit *test)
{
	struct okvm_test_vm *vm = test->priv;
	u64 pfn;
	u32 perm;
	int level, i;

	/* Fail the first, second, ... external update of a fresh path. */
	for (i = 1; i <= vm->mmu.fmt->levels; i++) {
		vm->ext.fail_set = i;
		while (vm->ext.fail_set) {
			KUNIT_EXPECT_EQ(test, map(vm, true, 0x4000, 0x900, 1, 1),
					-ENOSPC);
			okvm_test_check_tables(test, vm);
		}
		KUNIT_EXPECT_EQ(test, map(vm, true, 0x4000, 0x900, 1, 1), 0);
		KUNIT_EXPECT_TRUE(test, okvm_mmu_lookup(&vm->mmu, true, 0x4000,
							&pfn, &perm, &level));
		okvm_test_check_tables(test, vm);
		zap(vm, OKVM_ROOT_MIRROR, 0, 1ULL << 20);
	}
	KUNIT_EXPECT_EQ(test, vm->ext.errors, 0);
}

/* Split and huge-over-table in the mirror are forwarded in order. */
static void mirror_split_and_collapse(struct kunit *test)
{
	struct okvm_test_vm *vm = test->priv;
	u64 pfn;
	u32 perm;
	int level;

	KUNIT_ASSERT_EQ(test, map(vm, true, 0x200, 0x400, 512, 2), 0);
	KUNIT_EXPECT_EQ(test, okvm_ext_sw_nr_leaves(&vm->ext, 2), 1);
	/* A refused table link rolls the split back on both sides. */
	vm->ext.fail_set = 1;
	write_lock(vm->mmu.lock);
	KUNIT_EXPECT_EQ(test, okvm_mmu_split(&vm->mmu, OKVM_ROOT_MIRROR, 0x210,
					     1, 1, NULL), -ENOSPC);
	write_unlock(vm->mmu.lock);
	KUNIT_EXPECT_EQ(test, okvm_ext_sw_nr_leaves(&vm->ext, 2), 1);
	okvm_test_check_tables(test, vm);
	write_lock(vm->mmu.lock);
	KUNIT_EXPECT_EQ(test, okvm_mmu_split(&vm->mmu, OKVM_ROOT_MIRROR, 0x210,
					     1, 1, NULL), 1);
	write_unlock(vm->mmu.lock);
	KUNIT_EXPECT_EQ(test, okvm_ext_sw_nr_leaves(&vm->ext, 2), 0);
	KUNIT_EXPECT_EQ(test, okvm_ext_sw_nr_leaves(&vm->ext, 1), 512);
	KUNIT_EXPECT_TRUE(test, okvm_ext_sw_lookup(&vm->ext, 0x3ff, &pfn, &perm,
						   &level));
	KUNIT_EXPECT_EQ(test, pfn, 0x5ff);
	KUNIT_EXPECT_EQ(test, level, 1);
	okvm_test_check_tables(test, vm);
	/* A 2M leaf over the 4K table: leaves removed, table freed, leaf set. */
	KUNIT_ASSERT_EQ(test, map(vm, true, 0x200, 0x800, 512, 2), 0);
	KUNIT_EXPECT_EQ(test, okvm_ext_sw_nr_leaves(&vm->ext, 1), 0);
	KUNIT_EXPECT_EQ(test, okvm_ext_sw_nr_leaves(&vm->ext, 2), 1);
	okvm_test_check_tables(test, vm);
}

/*
 * A zap for a caller that cannot sleep (a non-blockable MMU-notifier
 * invalidation) never drops the lock, even when every entry is a forced
 * yield point; the ordinary zap does yield there.  Both remove the same.
 */
static void atomic_zap_never_yields(struct kunit *test)
{
	struct okvm_test_vm *vm = test->priv;
	u64 n;

	KUNIT_ASSERT_EQ(test, map(vm, false, 0x1000, 0x2000, 64, 1), 0);
	KUNIT_ASSERT_EQ(test, map(vm, true, 0x1000, 0x3000, 64, 1), 0);
	vm->mmu.test_yield_every = 1;
	vm->mmu.test_yields = 0;

	write_lock(vm->mmu.lock);
	n = okvm_mmu_zap_atomic(&vm->mmu, OKVM_ROOT_ALL, 0x1000, 32);
	write_unlock(vm->mmu.lock);
	KUNIT_EXPECT_EQ(test, n, 64);
	KUNIT_EXPECT_EQ(test, vm->mmu.test_yields, 0);

	KUNIT_EXPECT_EQ(test, zap(vm, OKVM_ROOT_ALL, 0x1020, 32), 64);
	KUNIT_EXPECT_GT(test, vm->mmu.test_yields, 0);
	vm->mmu.test_yield_every = 0;
	KUNIT_EXPECT_EQ(test, zap(vm, OKVM_ROOT_ALL, 0x1000, 64), 0);
	okvm_test_check_tables(test, vm);
}

/*
 * A range that starts below the end of the natural GFN space and runs
 * past it (a memslot across the limit, a notifier range turned into a
 * slot's GFNs) is clamped, not ignored: what is mapped inside the limit
 * is write-protected, aged and zapped.  Mapping across the limit stays
 * refused.
 */
static void range_ops_clamp_at_limit(struct kunit *test)
{
	struct okvm_test_vm *vm = test->priv;
	u64 limit = 1ULL << __ffs64(vm->mmu.gfn_direct_bits);
	u64 g = limit - 1, pfn, n;
	u32 perm;
	int level;

	KUNIT_ASSERT_EQ(test, map(vm, false, g, 0x500, 1, 1), 0);
	KUNIT_ASSERT_EQ(test, map(vm, true, g, 0x700, 1, 1), 0);
	KUNIT_EXPECT_EQ(test, map(vm, false, g, 0x600, 2, 1), -EINVAL);

	write_lock(vm->mmu.lock);
	n = okvm_mmu_wrprot(&vm->mmu, g, 2);
	write_unlock(vm->mmu.lock);
	KUNIT_EXPECT_EQ(test, n, 1);
	KUNIT_ASSERT_TRUE(test, okvm_mmu_lookup(&vm->mmu, false, g, &pfn,
						&perm, &level));
	KUNIT_EXPECT_EQ(test, perm & OKVM_PT_W, 0);
	KUNIT_EXPECT_TRUE(test, okvm_mmu_test_young(&vm->mmu, g, 2, NULL,
						    false));

	KUNIT_EXPECT_EQ(test, zap(vm, OKVM_ROOT_ALL, g, 2), 2);
	KUNIT_EXPECT_FALSE(test, okvm_mmu_lookup(&vm->mmu, false, g, &pfn,
						 &perm, &level));
	KUNIT_EXPECT_FALSE(test, okvm_mmu_lookup(&vm->mmu, true, g, &pfn,
						 &perm, &level));

	/* Aging too (a format without an accessed flag zaps the leaf). */
	KUNIT_ASSERT_EQ(test, map(vm, false, g, 0x500, 1, 1), 0);
	KUNIT_EXPECT_TRUE(test, okvm_mmu_test_clear_young(&vm->mmu, g, 2, NULL,
							  false));
	/* A range so long that its end wraps is clamped the same way. */
	KUNIT_ASSERT_EQ(test, map(vm, false, g, 0x500, 1, 1), 0);
	KUNIT_EXPECT_EQ(test, zap(vm, OKVM_ROOT_ALL, g, U64_MAX), 1);
	/* Wholly outside: nothing to do. */
	KUNIT_EXPECT_EQ(test, zap(vm, OKVM_ROOT_ALL, limit, 1), 0);
	okvm_test_check_tables(test, vm);
}

static struct kunit_case roots_cases[] = {
	KUNIT_CASE_PARAM(direct_bits_only_in_direct_root, fmt_gen_params),
	KUNIT_CASE_PARAM(gfn_with_direct_bits_rejected, fmt_gen_params),
	KUNIT_CASE_PARAM(bad_configs_rejected, fmt_gen_params),
	KUNIT_CASE_PARAM(ext_failure_leaves_mirror_unchanged, fmt_gen_params),
	KUNIT_CASE_PARAM(mirror_split_and_collapse, fmt_gen_params),
	KUNIT_CASE_PARAM(atomic_zap_never_yields, fmt_gen_params),
	KUNIT_CASE_PARAM(range_ops_clamp_at_limit, fmt_gen_params),
	{}
};

static struct kunit_suite roots_suite = {
	.name = "okvm_roots",
	.init = okvm_test_vm_param_init,
	.exit = okvm_test_vm_param_exit,
	.test_cases = roots_cases,
};
kunit_test_suite(roots_suite);
