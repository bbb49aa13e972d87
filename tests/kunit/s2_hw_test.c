// SPDX-License-Identifier: GPL-2.0-only
/*
 * okvm_s2_hw: the stage-2 MMU objects with okvm's real TLB maintenance at
 * EL2 (arm64 with VHE; kunit.py --arch=arm64 with virtualization=on).
 * Checks that the VMID each flush programs is the one the hardware holds
 * in VTTBR_EL2, that TLBI by range goes to every s2 MMU on a shared table,
 * and that VMID rollover and the last_vcpu_ran rule make the right CPU
 * flush, on both CPUs.
 */
#include <kunit/test.h>
#include <linux/smp.h>
#include <asm/cpufeature.h>
#include <asm/daifflags.h>
#include <asm/kvm_arm.h>
#include <asm/virt.h>

#include "arm64/s2_mmu.h"
#include "arm64/tlb.h"

struct hw_ctx {
	struct okvm_vmid_alloc vmids;
	struct okvm_s2_vm vm;
	struct okvm_s2_mmu a, b, c;
};

static unsigned int hw_vmid_bits(void)
{
	u64 mmfr1 = read_sanitised_ftr_reg(SYS_ID_AA64MMFR1_EL1);

	return cpuid_feature_extract_unsigned_field(mmfr1,
			ID_AA64MMFR1_EL1_VMIDBits_SHIFT) == 2 ? 16 : 8;
}

static int hw_init(struct kunit *test)
{
	struct hw_ctx *c;
	int r;

	if (!is_kernel_in_hyp_mode() || !has_vhe())
		kunit_skip(test, "needs EL2 with VHE (-machine virtualization=on)");
	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	okvm_arm64_vtcr_vs = hw_vmid_bits() == 16 ? VTCR_EL2_VS_16BIT : 0;
	/* 2-bit VMIDs: three for guests, rollover after three s2 MMUs. */
	r = okvm_vmid_alloc_init(&c->vmids, 2, nr_cpu_ids);
	if (r)
		return r;
	c->vm.vmids = &c->vmids;
	c->vm.tlb = &okvm_arm64_s2_tlb;
	c->vm.tlb_priv = c;
	c->vm.nr_cpus = nr_cpu_ids;
	r = okvm_s2_mmu_init(&c->a, &c->vm, &okvm_fmt_s2_l4, NULL);
	if (!r)
		r = okvm_s2_mmu_init(&c->b, &c->vm, NULL, &c->a);
	if (!r)
		r = okvm_s2_mmu_init(&c->c, &c->vm, &okvm_fmt_s2_l3, NULL);
	test->priv = c;
	return r;
}

static void hw_exit(struct kunit *test)
{
	struct hw_ctx *c = test->priv;

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

/* The VMID width the hardware really has: write all ones, read back. */
static void vttbr_holds_the_vmid(struct kunit *test)
{
	unsigned long daif = local_daif_save();
	u64 vtcr = read_sysreg(vtcr_el2), vttbr = read_sysreg(vttbr_el2), got;

	write_sysreg(vtcr | okvm_arm64_vtcr_vs, vtcr_el2);
	write_sysreg(GENMASK_ULL(63, VTTBR_VMID_SHIFT), vttbr_el2);
	isb();
	got = read_sysreg(vttbr_el2) >> VTTBR_VMID_SHIFT;
	write_sysreg(vttbr, vttbr_el2);
	write_sysreg(vtcr, vtcr_el2);
	isb();
	local_daif_restore(daif);
	KUNIT_EXPECT_EQ(test, got, (1ULL << hw_vmid_bits()) - 1);
}

struct load_req {
	struct okvm_s2_mmu *s2;
	int vcpu;
	unsigned int ret, pending;
	u32 vmid;
};

/* okvm_s2_mmu_vcpu_load() and the entry flush, on the CPU it runs on. */
static void load_here(void *arg)
{
	struct load_req *q = arg;
	struct okvm_s2_vm *vm = q->s2->vm;

	q->ret = okvm_s2_mmu_vcpu_load(q->s2, q->vcpu, smp_processor_id());
	q->pending = okvm_arm64_local_flush_pending();
	q->vmid = okvm_vmid_value(vm->vmids, &q->s2->vmid);
	okvm_arm64_do_local_flush_for(q->vmid);
}

static unsigned int load_on(struct kunit *test, int cpu,
			    struct okvm_s2_mmu *s2, int vcpu)
{
	struct load_req q = { .s2 = s2, .vcpu = vcpu };

	KUNIT_ASSERT_EQ(test, smp_call_function_single(cpu, load_here, &q, 1), 0);
	/* What the s2 MMU asked for is what the CPU owed, and did. */
	KUNIT_EXPECT_EQ(test, q.pending, q.ret);
	if (q.ret)
		KUNIT_EXPECT_EQ(test, okvm_arm64_tlb_stats.last_vmid, q.vmid);
	return q.ret;
}

static void last_vcpu_ran_flushes_that_cpu(struct kunit *test)
{
	struct hw_ctx *c = test->priv;
	int before = atomic_read(&okvm_arm64_tlb_stats.local_flushes);

	KUNIT_ASSERT_GE(test, num_online_cpus(), 2U);
	KUNIT_EXPECT_EQ(test, load_on(test, 0, &c->a, 0), 0);
	KUNIT_EXPECT_EQ(test, load_on(test, 1, &c->a, 1), 0);
	/* vCPU 1 of the same s2 MMU on CPU 0, where vCPU 0 ran. */
	KUNIT_EXPECT_EQ(test, load_on(test, 0, &c->a, 1), OKVM_S2_FLUSHED_VMID);
	KUNIT_EXPECT_EQ(test, load_on(test, 0, &c->a, 1), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&okvm_arm64_tlb_stats.local_flushes),
			before + 1);
}

static void range_flush_reaches_every_vmid_on_the_table(struct kunit *test)
{
	struct hw_ctx *c = test->priv;
	struct okvm_mmu *mmu = c->a.pgt->table;
	int before = atomic_read(&okvm_arm64_tlb_stats.range_flushes);
	u32 vmid_b;

	load_on(test, 0, &c->a, 0);
	load_on(test, 0, &c->b, 0);
	vmid_b = okvm_vmid_value(&c->vmids, &c->b.vmid);
	KUNIT_EXPECT_NE(test, okvm_vmid_value(&c->vmids, &c->a.vmid), vmid_b);

	read_lock(mmu->lock);
	KUNIT_ASSERT_EQ(test, okvm_mmu_map(mmu, false, 0x100, 0x100, 1,
					   OKVM_PT_RWX, 1, NULL), 0);
	read_unlock(mmu->lock);
	write_lock(mmu->lock);
	KUNIT_EXPECT_GT(test, okvm_mmu_zap(mmu, OKVM_ROOT_ALL, 0x100, 1), 0ULL);
	write_unlock(mmu->lock);
	/* Both users of the shared table, the last one b (list order). */
	KUNIT_EXPECT_EQ(test, atomic_read(&okvm_arm64_tlb_stats.range_flushes),
			before + 2);
	KUNIT_EXPECT_EQ(test, okvm_arm64_tlb_stats.last_vmid, vmid_b);
}

static void rollover_flushes_all_on_each_cpu(struct kunit *test)
{
	struct hw_ctx *c = test->priv;
	struct okvm_s2_mmu d;

	KUNIT_ASSERT_GE(test, num_online_cpus(), 2U);
	KUNIT_ASSERT_EQ(test, okvm_s2_mmu_init(&d, &c->vm, &okvm_fmt_s2_l3,
					       NULL), 0);
	/* The three guest VMIDs in use on CPU 0 ... */
	load_on(test, 0, &c->a, 0);
	load_on(test, 0, &c->b, 0);
	load_on(test, 0, &c->c, 0);
	KUNIT_EXPECT_EQ(test, c->vmids.nr_rollovers, 0ULL);
	/* ... a fourth on CPU 1 rolls over, and CPU 1 flushes everything. */
	KUNIT_EXPECT_TRUE(test, load_on(test, 1, &d, 0) & OKVM_S2_FLUSHED_ALL);
	KUNIT_EXPECT_EQ(test, c->vmids.nr_rollovers, 1ULL);
	/* CPU 0 keeps running c's VMID, but flushes all before it runs. */
	KUNIT_EXPECT_TRUE(test, load_on(test, 0, &c->c, 0) & OKVM_S2_FLUSHED_ALL);
	/* Once per rollover. */
	KUNIT_EXPECT_FALSE(test, load_on(test, 0, &c->a, 0) & OKVM_S2_FLUSHED_ALL);
	okvm_s2_mmu_free(&d);
}

static struct kunit_case hw_cases[] = {
	KUNIT_CASE(vttbr_holds_the_vmid),
	KUNIT_CASE(last_vcpu_ran_flushes_that_cpu),
	KUNIT_CASE(range_flush_reaches_every_vmid_on_the_table),
	KUNIT_CASE(rollover_flushes_all_on_each_cpu),
	{}
};

static struct kunit_suite hw_suite = {
	.name = "okvm_s2_hw",
	.init = hw_init,
	.exit = hw_exit,
	.test_cases = hw_cases,
};
kunit_test_suite(hw_suite);
