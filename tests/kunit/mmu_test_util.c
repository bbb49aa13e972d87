// SPDX-License-Identifier: GPL-2.0-only
/*
 * Shared fixtures of the MMU engine suites; see mmu_test_util.h.
 */
#include <linux/rcupdate.h>

#include "mmu/pt_iter.h"
#include "mmu_test_util.h"

const struct okvm_pt_fmt *const okvm_test_fmts[OKVM_TEST_NR_FMTS] = {
	&okvm_fmt_npt4, &okvm_fmt_npt5, &okvm_fmt_ept4_ad, &okvm_fmt_ept5_ad,
	&okvm_fmt_ept4, &okvm_fmt_ept5, &okvm_fmt_s2_l3, &okvm_fmt_s2_l4,
};

/**
 * okvm_test_fmt_desc() - KUNIT_ARRAY_PARAM description: the format's name
 * @fmt: array element
 * @desc: output
 */
void okvm_test_fmt_desc(const struct okvm_pt_fmt *const *fmt, char *desc)
{
	strscpy(desc, (*fmt)->name, KUNIT_PARAM_DESC_SIZE);
}

static void test_flush(void *priv, struct okvm_pt_root *root, u64 gfn, u64 nr)
{
	struct okvm_test_vm *vm = priv;

	spin_lock(&vm->flush_lock);
	if (!vm->nr_flushes++) {
		vm->flush_start = gfn;
		vm->flush_end = gfn + nr;
	} else {
		vm->flush_start = min(vm->flush_start, gfn);
		vm->flush_end = max(vm->flush_end, gfn + nr);
	}
	spin_unlock(&vm->flush_lock);
}

static const struct okvm_mmu_tlb_ops test_tlb_ops = {
	.flush_range = test_flush,
};

/**
 * okvm_test_flush_reset() - forget the flushes recorded so far
 * @vm: test VM
 */
void okvm_test_flush_reset(struct okvm_test_vm *vm)
{
	vm->nr_flushes = 0;
	vm->flush_start = vm->flush_end = 0;
}

/**
 * okvm_test_vm_init() - engine with the software external table and the
 *	flush recorder
 * @vm: test VM
 * @fmt: format
 * @direct_bits: GFN direct bits
 * @has_private: create a mirror root
 *
 * Return: okvm_mmu_init()'s result.
 */
int okvm_test_vm_init(struct okvm_test_vm *vm, const struct okvm_pt_fmt *fmt,
		      u64 direct_bits, bool has_private)
{
	struct okvm_mmu_cfg cfg = {
		.fmt = fmt,
		.gfn_direct_bits = direct_bits,
		.has_private = has_private,
		.ext_ops = &okvm_ext_sw_ops,
		.ext_priv = &vm->ext,
		.tlb_ops = &test_tlb_ops,
		.tlb_priv = vm,
	};

	spin_lock_init(&vm->flush_lock);
	okvm_test_flush_reset(vm);
	okvm_ext_sw_init(&vm->ext, fmt->levels);
	return okvm_mmu_init(&vm->mmu, &cfg);
}

/**
 * okvm_test_vm_destroy() - tear down; the external table must end empty
 *	and without errors
 * @test: the test
 * @vm: test VM
 */
void okvm_test_vm_destroy(struct kunit *test, struct okvm_test_vm *vm)
{
	int l;

	okvm_mmu_destroy(&vm->mmu);
	KUNIT_EXPECT_FALSE(test, vm->mmu.broken);
	KUNIT_EXPECT_EQ(test, vm->ext.errors, 0);
	for (l = 1; l <= OKVM_PT_MAX_LEVELS; l++)
		KUNIT_EXPECT_EQ(test, okvm_ext_sw_nr_leaves(&vm->ext, l), 0);
	KUNIT_EXPECT_EQ(test, okvm_ext_sw_nr_tables(&vm->ext), 0);
	okvm_ext_sw_destroy(&vm->ext);
}

struct walk_counts {
	u64 tables;
	u64 leaves[OKVM_PT_MAX_LEVELS + 1];
};

/*
 * Walk a whole root: no frozen entry survives an operation, every leaf is
 * aligned, direct-root leaves carry the direct bits and mirror-root leaves
 * never do, and every mirror leaf is in the external table.
 */
static void check_root(struct kunit *test, struct okvm_test_vm *vm,
		       struct okvm_pt_root *root, struct walk_counts *c)
{
	const struct okvm_pt_fmt *fmt = vm->mmu.fmt;
	u64 bits = vm->mmu.gfn_direct_bits;
	struct okvm_pt_iter iter;
	u64 pfn;
	u32 perm;
	int level;

	c->tables++;	/* the root */
	rcu_read_lock();
	for_each_okvm_pte(iter, fmt, root->spt, root->level, 1, 0,
			  okvm_pt_fmt_gfns(fmt)) {
		u64 pte = iter.old_spte;

		KUNIT_ASSERT_FALSE(test, okvm_pte_frozen(fmt, pte));
		if (!okvm_pte_present(fmt, pte))
			continue;
		if (okvm_pte_table(fmt, pte, iter.level)) {
			c->tables++;
			continue;
		}
		c->leaves[iter.level]++;
		KUNIT_ASSERT_EQ(test, okvm_pte_pfn(fmt, pte) &
				(okvm_pt_level_pages(iter.level) - 1), 0);
		if (root->mirror) {
			KUNIT_ASSERT_EQ(test, iter.gfn & bits, 0);
			KUNIT_ASSERT_TRUE(test, okvm_ext_sw_lookup(&vm->ext,
					  iter.gfn, &pfn, &perm, &level));
			KUNIT_ASSERT_EQ(test, pfn, okvm_pte_pfn(fmt, pte));
			KUNIT_ASSERT_EQ(test, perm, okvm_pte_perm(fmt, pte));
			KUNIT_ASSERT_EQ(test, level, iter.level);
		} else {
			KUNIT_ASSERT_EQ(test, iter.gfn & bits, bits);
		}
	}
	rcu_read_unlock();
}

/**
 * okvm_test_check_tables() - structure, accounting and external-table
 *	agreement of both roots
 * @test: the test (asserts)
 * @vm: test VM
 */
void okvm_test_check_tables(struct kunit *test, struct okvm_test_vm *vm)
{
	struct walk_counts c = {}, m = {};
	int l;

	check_root(test, vm, &vm->mmu.direct, &c);
	if (vm->mmu.mirror) {
		check_root(test, vm, vm->mmu.mirror, &m);
		for (l = 1; l <= OKVM_PT_MAX_LEVELS; l++)
			KUNIT_ASSERT_EQ(test, okvm_ext_sw_nr_leaves(&vm->ext, l),
					m.leaves[l]);
		/* The external root itself is not linked through the ops. */
		KUNIT_ASSERT_EQ(test, okvm_ext_sw_nr_tables(&vm->ext),
				m.tables - 1);
		KUNIT_ASSERT_EQ(test, vm->ext.errors, 0);
	}
	KUNIT_ASSERT_FALSE(test, vm->mmu.broken);
	KUNIT_ASSERT_EQ(test, atomic64_read(&vm->mmu.nr_tables),
			c.tables + m.tables);
	for (l = 1; l <= OKVM_PT_MAX_LEVELS; l++)
		KUNIT_ASSERT_EQ(test, atomic64_read(&vm->mmu.nr_leaves[l]),
				c.leaves[l] + m.leaves[l]);
}

/**
 * okvm_test_vm_param_init() - suite .init: a VM in the format of the case's
 *	parameter, with direct bits and a mirror root, in test->priv
 * @test: a case parameterized by okvm_test_fmts
 *
 * Return: 0 or a negative errno.
 */
int okvm_test_vm_param_init(struct kunit *test)
{
	const struct okvm_pt_fmt *fmt = *(const struct okvm_pt_fmt **)test->param_value;
	struct okvm_test_vm *vm = kunit_kzalloc(test, sizeof(*vm), GFP_KERNEL);
	int ret;

	if (!vm)
		return -ENOMEM;
	ret = okvm_test_vm_init(vm, fmt, okvm_test_direct_bits(fmt), true);
	if (ret)
		return ret;
	test->priv = vm;
	return 0;
}

/**
 * okvm_test_vm_param_exit() - suite .exit matching okvm_test_vm_param_init()
 * @test: the case
 */
void okvm_test_vm_param_exit(struct kunit *test)
{
	if (test->priv)
		okvm_test_vm_destroy(test, test->priv);
}
