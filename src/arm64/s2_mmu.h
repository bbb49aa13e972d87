/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Stage-2 MMU objects (seed 004), in portable C.
 *
 * A VM may own several stage-2 MMUs (nested virtualisation: one per guest
 * hypervisor stage 2 in use).  Each has its own VMID and its own
 * last_vcpu_ran per physical CPU; two of them may share one page table
 * (pgd), e.g. the canonical stage 2 used both for a non-VHE guest
 * hypervisor at vEL2 and for vEL1/EL0 with vHCR_EL2.VM == 0.  TLB
 * maintenance is requested per stage-2 MMU (its VMID), never per VM.
 */
#ifndef OKVM_ARM64_S2_MMU_H
#define OKVM_ARM64_S2_MMU_H

#include <linux/list.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>

#include "arm64/vmid.h"
#include "mmu/mmu.h"

struct okvm_s2_mmu;

/**
 * struct okvm_s2_tlb_ops - TLB maintenance the arch glue performs
 * @flush_vmid: invalidate all entries of @vmid on all CPUs
 * @flush_vmid_local: invalidate all entries of @vmid on @cpu only
 * @flush_range: invalidate stage-2 entries of [@gfn, @gfn + @nr) of @vmid
 * @flush_all_local: invalidate every guest entry (all VMIDs) on @cpu,
 *	needed after a VMID rollover
 */
struct okvm_s2_tlb_ops {
	void (*flush_vmid)(void *priv, struct okvm_s2_mmu *s2, u32 vmid);
	void (*flush_vmid_local)(void *priv, struct okvm_s2_mmu *s2, u32 vmid,
				 unsigned int cpu);
	void (*flush_range)(void *priv, struct okvm_s2_mmu *s2, u32 vmid,
			    u64 gfn, u64 nr);
	void (*flush_all_local)(void *priv, unsigned int cpu);
};

/**
 * struct okvm_s2_vm - the per-VM part the stage-2 MMUs refer to
 * @vmids: the host's VMID allocator
 * @tlb: TLB maintenance
 * @tlb_priv: argument of @tlb
 * @nr_cpus: number of physical CPUs
 */
struct okvm_s2_vm {
	struct okvm_vmid_alloc *vmids;
	const struct okvm_s2_tlb_ops *tlb;
	void *tlb_priv;
	unsigned int nr_cpus;
};

/**
 * struct okvm_s2_pgt - a stage-2 page table, shareable between s2 MMUs
 * @ref: one reference per s2 MMU using it
 * @lock: protects @users (taken from the engine's TLB hook)
 * @users: the s2 MMUs on this table, all flushed when it changes
 * @table: the engine object in use: &@mmu, or the VM's own table for a
 *	canonical s2 MMU made with okvm_s2_mmu_init_on()
 * @mmu: the engine object (format, root, MMU lock) of a table this pgt owns
 */
struct okvm_s2_pgt {
	refcount_t ref;
	spinlock_t lock;
	struct list_head users;
	struct okvm_mmu *table;
	struct okvm_mmu mmu;
};

/**
 * struct okvm_s2_mmu - one stage-2 MMU
 * @vmid: its VMID
 * @pgt: its page table (the pgd is @pgt->mmu.direct.spt)
 * @last_vcpu_ran: per CPU, the vCPU of this s2 MMU that ran there last,
 *	-1 if none
 * @vm: the VM
 * @node: entry in @pgt->users
 */
struct okvm_s2_mmu {
	struct okvm_vmid vmid;
	struct okvm_s2_pgt *pgt;
	int *last_vcpu_ran;
	struct okvm_s2_vm *vm;
	struct list_head node;
};

int okvm_s2_mmu_init(struct okvm_s2_mmu *s2, struct okvm_s2_vm *vm,
		     const struct okvm_pt_fmt *fmt, struct okvm_s2_mmu *share);
int okvm_s2_mmu_init_on(struct okvm_s2_mmu *s2, struct okvm_s2_vm *vm,
			struct okvm_mmu *table);
void okvm_s2_mmu_free(struct okvm_s2_mmu *s2);
void okvm_s2_pgt_flush_all(struct okvm_s2_pgt *pgt);
unsigned int okvm_s2_mmu_vcpu_load(struct okvm_s2_mmu *s2, int vcpu_idx,
				   unsigned int cpu);
void okvm_s2_flush_vmid(struct okvm_s2_mmu *s2);
void okvm_s2_flush_range(struct okvm_s2_mmu *s2, u64 gfn, u64 nr);

/* okvm_s2_mmu_vcpu_load() results. */
#define OKVM_S2_FLUSHED_ALL	BIT(0)	/* VMID rollover: all VMIDs */
#define OKVM_S2_FLUSHED_VMID	BIT(1)	/* another vCPU ran: this VMID */

static inline u64 *okvm_s2_pgd(struct okvm_s2_mmu *s2)
{
	return s2->pgt->table->direct.spt;
}

#endif /* OKVM_ARM64_S2_MMU_H */
