// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stage-2 TLB maintenance on a VHE host, by VMID (the TLB ops of the s2
 * MMUs, s2_mmu.h). Needs nothing of the okvm core, so that KUnit runs it
 * at EL2 as it is (tests/kunit/s2_hw_test.c).
 *
 * Under VHE, TLBI *E1 operations issued at EL2 with HCR_EL2.TGE set
 * target the host's EL2&0 regime; clearing TGE (E2H must stay) and
 * loading the VMID into VTTBR_EL2 makes them target the guest regime of
 * that VMID. DAIF stays masked meanwhile: nothing else may run at EL2
 * with TGE clear.
 */
#include <linux/percpu.h>
#include <asm/daifflags.h>
#include <asm/kvm_arm.h>
#include <asm/sysreg.h>
#include <asm/tlbflush.h>

#include "arm64/tlb.h"

/* VTCR_EL2.VS of this host (16-bit VMIDs), set once at init. */
u64 okvm_arm64_vtcr_vs;
struct okvm_arm64_tlb_stats okvm_arm64_tlb_stats;

/*
 * TLB flushes a CPU owes before it next enters a guest, requested by
 * okvm_s2_mmu_vcpu_load() with preemption off on that same CPU.
 */
#define OKVM_FLUSH_LOCAL_VMID	BIT(0)
#define OKVM_FLUSH_LOCAL_ALL	BIT(1)
static DEFINE_PER_CPU(u8, okvm_local_flush);

struct okvm_tlbi_ctx {
	unsigned long daif;
	u64 hcr, vttbr, vtcr;
};

static void tlbi_enter(struct okvm_tlbi_ctx *c, u32 vmid)
{
	c->daif = local_daif_save();
	c->hcr = read_sysreg(hcr_el2);
	c->vttbr = read_sysreg(vttbr_el2);
	c->vtcr = read_sysreg(vtcr_el2);
	write_sysreg((c->vtcr & ~VTCR_EL2_VS_16BIT) | okvm_arm64_vtcr_vs,
		     vtcr_el2);
	write_sysreg((u64)vmid << VTTBR_VMID_SHIFT, vttbr_el2);
	write_sysreg(c->hcr & ~HCR_TGE, hcr_el2);
	isb();
	/* What the hardware holds, not what was asked: the tests compare. */
	WRITE_ONCE(okvm_arm64_tlb_stats.last_vmid,
		   read_sysreg(vttbr_el2) >> VTTBR_VMID_SHIFT);
}

static void tlbi_exit(struct okvm_tlbi_ctx *c)
{
	write_sysreg(c->hcr, hcr_el2);
	write_sysreg(c->vttbr, vttbr_el2);
	write_sysreg(c->vtcr, vtcr_el2);
	isb();
	local_daif_restore(c->daif);
}

static void s2_flush_vmid(void *priv, struct okvm_s2_mmu *s2, u32 vmid)
{
	struct okvm_tlbi_ctx c;

	dsb(ishst);
	tlbi_enter(&c, vmid);
	__tlbi(vmalls12e1is);
	dsb(ish);
	isb();
	tlbi_exit(&c);
	atomic_inc(&okvm_arm64_tlb_stats.vmid_flushes);
}

/* Beyond this many pages one VMID-wide flush is cheaper. */
#define OKVM_TLBI_RANGE_MAX	64

static void s2_flush_range(void *priv, struct okvm_s2_mmu *s2, u32 vmid,
			   u64 gfn, u64 nr)
{
	struct okvm_tlbi_ctx c;
	u64 i;

	if (nr > OKVM_TLBI_RANGE_MAX) {
		s2_flush_vmid(priv, s2, vmid);
		return;
	}
	dsb(ishst);
	tlbi_enter(&c, vmid);
	for (i = 0; i < nr; i++)
		__tlbi(ipas2e1is, gfn + i);	/* IPA[51:12] in bits 39:0 */
	/*
	 * Combined stage-1+2 entries are tagged by VA, not IPA: they go with
	 * the VMID's whole stage 1.
	 */
	dsb(ish);
	__tlbi(vmalle1is);
	dsb(ish);
	isb();
	tlbi_exit(&c);
	atomic_inc(&okvm_arm64_tlb_stats.range_flushes);
}

static void s2_flush_vmid_local(void *priv, struct okvm_s2_mmu *s2, u32 vmid,
				unsigned int cpu)
{
	/* Done by the entry path, with this VMID in VTTBR_EL2. */
	if (!WARN_ON_ONCE(cpu != smp_processor_id()))
		this_cpu_or(okvm_local_flush, OKVM_FLUSH_LOCAL_VMID);
}

static void s2_flush_all_local(void *priv, unsigned int cpu)
{
	if (!WARN_ON_ONCE(cpu != smp_processor_id()))
		this_cpu_or(okvm_local_flush, OKVM_FLUSH_LOCAL_ALL);
}

const struct okvm_s2_tlb_ops okvm_arm64_s2_tlb = {
	.flush_vmid = s2_flush_vmid,
	.flush_vmid_local = s2_flush_vmid_local,
	.flush_range = s2_flush_range,
	.flush_all_local = s2_flush_all_local,
};

/**
 * okvm_arm64_local_flush_pending() - the flushes this CPU owes
 *
 * Return: OKVM_S2_FLUSHED_ALL / _VMID bits (s2_mmu.h) not yet done.
 */
unsigned int okvm_arm64_local_flush_pending(void)
{
	u8 f = this_cpu_read(okvm_local_flush);

	return (f & OKVM_FLUSH_LOCAL_ALL ? OKVM_S2_FLUSHED_ALL : 0) |
	       (f & OKVM_FLUSH_LOCAL_VMID ? OKVM_S2_FLUSHED_VMID : 0);
}

/**
 * okvm_arm64_do_local_flush() - the flushes this CPU owes, before entry
 *
 * Context: DAIF masked, the guest's HCR_EL2 (TGE clear) and VTTBR_EL2
 * loaded, so that "local" means this CPU and the VMID about to run.
 */
void okvm_arm64_do_local_flush(void)
{
	u8 f = this_cpu_read(okvm_local_flush);

	if (!f)
		return;
	this_cpu_write(okvm_local_flush, 0);
	if (f & OKVM_FLUSH_LOCAL_ALL)
		__tlbi(alle1);
	else
		__tlbi(vmalls12e1);
	dsb(nsh);
	isb();
	atomic_inc(&okvm_arm64_tlb_stats.local_flushes);
}

/**
 * okvm_arm64_do_local_flush_for() - okvm_arm64_do_local_flush() outside a
 *	guest entry, for @vmid (KUnit, and CPUs that owe a flush)
 * @vmid: the VMID a VMID-local flush applies to
 *
 * Context: preemption disabled.
 */
void okvm_arm64_do_local_flush_for(u32 vmid)
{
	struct okvm_tlbi_ctx c;

	tlbi_enter(&c, vmid);
	okvm_arm64_do_local_flush();
	tlbi_exit(&c);
}
