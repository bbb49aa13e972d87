// SPDX-License-Identifier: GPL-2.0-only
/*
 * okvm_s2_mmu: stage-2 MMU objects (seed 004): the last_vcpu_ran rule,
 * several s2 MMUs per VM with their own VMIDs, two sharing one pgd, and
 * TLB invalidation addressed to an s2 MMU (its VMID), not to the VM.
 */
#include <kunit/test.h>

#include "arm64/s2_mmu.h"

#define NR_CPUS_TEST 2

struct s2_ctx {
	struct okvm_vmid_alloc vmids;
	struct okvm_s2_vm vm;
	struct okvm_s2_mmu a, b, c;
	/* Recorded TLB requests. */
	int nr_local, nr_all, nr_range, nr_vmid;
	u32 last_vmid;
	unsigned int last_cpu;
	u32 range_vmids[8];
	int nr_range_vmids;
};

static void rec_vmid(void *priv, struct okvm_s2_mmu *s2, u32 vmid)
{
	struct s2_ctx *c = priv;

	c->nr_vmid++;
	c->last_vmid = vmid;
}

static void rec_vmid_local(void *priv, struct okvm_s2_mmu *s2, u32 vmid,
			   unsigned int cpu)
{
	struct s2_ctx *c = priv;

	c->nr_local++;
	c->last_vmid = vmid;
	c->last_cpu = cpu;
}

static void rec_range(void *priv, struct okvm_s2_mmu *s2, u32 vmid, u64 gfn,
		      u64 nr)
{
	struct s2_ctx *c = priv;

	c->nr_range++;
	if (c->nr_range_vmids < ARRAY_SIZE(c->range_vmids))
		c->range_vmids[c->nr_range_vmids++] = vmid;
}

static void rec_all(void *priv, unsigned int cpu)
{
	struct s2_ctx *c = priv;

	c->nr_all++;
	c->last_cpu = cpu;
}

static const struct okvm_s2_tlb_ops rec_ops = {
	.flush_vmid = rec_vmid,
	.flush_vmid_local = rec_vmid_local,
	.flush_range = rec_range,
	.flush_all_local = rec_all,
};

static int s2_init(struct kunit *test)
{
	struct s2_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	int ret;

	if (!c)
		return -ENOMEM;
	ret = okvm_vmid_alloc_init(&c->vmids, 8, NR_CPUS_TEST);
	if (ret)
		return ret;
	c->vm.vmids = &c->vmids;
	c->vm.tlb = &rec_ops;
	c->vm.tlb_priv = c;
	c->vm.nr_cpus = NR_CPUS_TEST;
	ret = okvm_s2_mmu_init(&c->a, &c->vm, &okvm_fmt_s2_l4, NULL);
	if (!ret)
		ret = okvm_s2_mmu_init(&c->b, &c->vm, NULL, &c->a);
	if (!ret)
		ret = okvm_s2_mmu_init(&c->c, &c->vm, &okvm_fmt_s2_l3, NULL);
	test->priv = c;
	return ret;
}

static void s2_exit(struct kunit *test)
{
	struct s2_ctx *c = test->priv;

	if (!c)
		return;
	if (c->c.pgt)
		okvm_s2_mmu_free(&c->c);
	if (c->b.pgt)
		okvm_s2_mmu_free(&c->b);
	if (c->a.pgt)
		okvm_s2_mmu_free(&c->a);
	okvm_vmid_alloc_destroy(&c->vmids);
}

static void last_vcpu_ran_rule(struct kunit *test)
{
	struct s2_ctx *c = test->priv;
	u32 vmid;

	/* First vCPU on a CPU: nothing of this VMID to leak. */
	KUNIT_EXPECT_EQ(test, okvm_s2_mmu_vcpu_load(&c->a, 0, 0), 0);
	vmid = okvm_vmid_value(&c->vmids, &c->a.vmid);
	KUNIT_EXPECT_NE(test, vmid, 0);
	KUNIT_EXPECT_EQ(test, okvm_s2_mmu_vcpu_load(&c->a, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, c->nr_local, 0);

	/* Another vCPU of the same s2 MMU on CPU 0: flush that VMID there. */
	KUNIT_EXPECT_EQ(test, okvm_s2_mmu_vcpu_load(&c->a, 1, 0),
			OKVM_S2_FLUSHED_VMID);
	KUNIT_EXPECT_EQ(test, c->nr_local, 1);
	KUNIT_EXPECT_EQ(test, c->last_vmid, vmid);
	KUNIT_EXPECT_EQ(test, c->last_cpu, 0);

	/* vCPU 1 on CPU 1 is the first there; vCPU 0 after it flushes. */
	KUNIT_EXPECT_EQ(test, okvm_s2_mmu_vcpu_load(&c->a, 1, 1), 0);
	KUNIT_EXPECT_EQ(test, okvm_s2_mmu_vcpu_load(&c->a, 0, 1),
			OKVM_S2_FLUSHED_VMID);
	KUNIT_EXPECT_EQ(test, c->last_cpu, 1);

	/* last_vcpu_ran is per s2 MMU: vCPU 1 on s2 MMU b is b's first. */
	KUNIT_EXPECT_EQ(test, okvm_s2_mmu_vcpu_load(&c->b, 1, 1), 0);
	KUNIT_EXPECT_EQ(test, c->nr_local, 2);
}

static void shared_pgd_separate_vmids(struct kunit *test)
{
	struct s2_ctx *c = test->priv;
	struct okvm_mmu *mmu = &c->a.pgt->mmu;
	u32 va, vb;
	int i;

	KUNIT_EXPECT_PTR_EQ(test, okvm_s2_pgd(&c->a), okvm_s2_pgd(&c->b));
	KUNIT_EXPECT_PTR_NE(test, okvm_s2_pgd(&c->a), okvm_s2_pgd(&c->c));
	okvm_s2_mmu_vcpu_load(&c->a, 0, 0);
	okvm_s2_mmu_vcpu_load(&c->b, 0, 0);
	okvm_s2_mmu_vcpu_load(&c->c, 0, 0);
	va = okvm_vmid_value(&c->vmids, &c->a.vmid);
	vb = okvm_vmid_value(&c->vmids, &c->b.vmid);
	KUNIT_EXPECT_NE(test, va, vb);
	KUNIT_EXPECT_NE(test, va, okvm_vmid_value(&c->vmids, &c->c.vmid));

	/* A change of the shared table flushes both users by VMID. */
	read_lock(mmu->lock);
	KUNIT_ASSERT_EQ(test, okvm_mmu_map(mmu, false, 0x100, 0x100, 1,
					   OKVM_PT_RWX, 1, NULL), 0);
	read_unlock(mmu->lock);
	c->nr_range_vmids = 0;
	write_lock(mmu->lock);
	KUNIT_EXPECT_EQ(test, okvm_mmu_zap(mmu, OKVM_ROOT_ALL, 0x100, 1), 1);
	write_unlock(mmu->lock);
	KUNIT_ASSERT_EQ(test, c->nr_range_vmids, 2);
	for (i = 0; i < 2; i++)
		KUNIT_EXPECT_TRUE(test, c->range_vmids[i] == va ||
				  c->range_vmids[i] == vb);
	KUNIT_EXPECT_NE(test, c->range_vmids[0], c->range_vmids[1]);

	/* Freeing one user keeps the table for the other. */
	okvm_s2_mmu_free(&c->a);
	KUNIT_EXPECT_EQ(test, refcount_read(&c->b.pgt->ref), 1);
	read_lock(c->b.pgt->mmu.lock);
	KUNIT_EXPECT_EQ(test, okvm_mmu_map(&c->b.pgt->mmu, false, 0x200, 0x200,
					   1, OKVM_PT_R, 1, NULL), 0);
	read_unlock(c->b.pgt->mmu.lock);
}

/* Invalidation requests name the s2 MMU and reach only its VMID. */
static void tlb_requests_take_s2_mmu(struct kunit *test)
{
	struct s2_ctx *c = test->priv;

	/* No VMID yet: nothing can be cached, nothing to flush. */
	okvm_s2_flush_vmid(&c->c);
	KUNIT_EXPECT_EQ(test, c->nr_vmid, 0);
	okvm_s2_mmu_vcpu_load(&c->a, 0, 0);
	okvm_s2_mmu_vcpu_load(&c->c, 0, 0);
	okvm_s2_flush_vmid(&c->c);
	KUNIT_EXPECT_EQ(test, c->nr_vmid, 1);
	KUNIT_EXPECT_EQ(test, c->last_vmid,
			okvm_vmid_value(&c->vmids, &c->c.vmid));
	c->nr_range_vmids = 0;
	okvm_s2_flush_range(&c->a, 0x10, 4);
	KUNIT_EXPECT_EQ(test, c->nr_range_vmids, 1);
	KUNIT_EXPECT_EQ(test, c->range_vmids[0],
			okvm_vmid_value(&c->vmids, &c->a.vmid));
}

/* A VMID rollover makes the next load flush all guest entries. */
static void rollover_flushes_on_load(struct kunit *test)
{
	struct s2_ctx *c = test->priv;
	struct okvm_vmid *extra;
	int i;

	extra = kunit_kcalloc(test, 300, sizeof(*extra), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, extra);
	okvm_s2_mmu_vcpu_load(&c->a, 0, 1);
	/* Exhaust the 8-bit VMID space from CPU 0. */
	for (i = 0; i < 300; i++) {
		okvm_vmid_init(&extra[i]);
		okvm_vmid_update(&c->vmids, &extra[i], 0);
	}
	KUNIT_EXPECT_GE(test, c->vmids.nr_rollovers, 1);
	c->nr_all = 0;
	KUNIT_EXPECT_EQ(test, okvm_s2_mmu_vcpu_load(&c->a, 0, 1),
			OKVM_S2_FLUSHED_ALL);
	KUNIT_EXPECT_EQ(test, c->nr_all, 1);
	KUNIT_EXPECT_EQ(test, c->last_cpu, 1);
}

static struct kunit_case s2_cases[] = {
	KUNIT_CASE(last_vcpu_ran_rule),
	KUNIT_CASE(shared_pgd_separate_vmids),
	KUNIT_CASE(tlb_requests_take_s2_mmu),
	KUNIT_CASE(rollover_flushes_on_load),
	{}
};

static struct kunit_suite s2_suite = {
	.name = "okvm_s2_mmu",
	.init = s2_init,
	.exit = s2_exit,
	.test_cases = s2_cases,
};
kunit_test_suite(s2_suite);
