// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stage-2 MMU objects; see s2_mmu.h.
 */
#include <linux/slab.h>

#include "arm64/s2_mmu.h"

/*
 * The engine changed the shared table: every s2 MMU on it may cache the
 * old translation under its own VMID.  Called with RCU held and possibly
 * the MMU lock; @pgt->lock only protects the user list.
 */
static void pgt_flush_range(void *priv, struct okvm_pt_root *root, u64 gfn,
			    u64 nr)
{
	struct okvm_s2_pgt *pgt = priv;
	struct okvm_s2_mmu *s2;

	spin_lock(&pgt->lock);
	list_for_each_entry(s2, &pgt->users, node)
		okvm_s2_flush_range(s2, gfn, nr);
	spin_unlock(&pgt->lock);
}

static const struct okvm_mmu_tlb_ops pgt_tlb_ops = {
	.flush_range = pgt_flush_range,
};

/*
 * A table of its own nests inside the VM's table lock when it shadows it
 * (s2_extra.c): a lock class of its own keeps lockdep's view exact.
 */
static struct lock_class_key okvm_s2_pgt_lock_key;

static struct okvm_s2_pgt *pgt_alloc(const struct okvm_pt_fmt *fmt)
{
	struct okvm_s2_pgt *pgt = kzalloc(sizeof(*pgt), GFP_KERNEL_ACCOUNT);
	struct okvm_mmu_cfg cfg = {
		.fmt = fmt,
		.tlb_ops = &pgt_tlb_ops,
	};

	if (!pgt)
		return NULL;
	cfg.tlb_priv = pgt;
	refcount_set(&pgt->ref, 1);
	spin_lock_init(&pgt->lock);
	INIT_LIST_HEAD(&pgt->users);
	if (okvm_mmu_init(&pgt->mmu, &cfg)) {
		kfree(pgt);
		return NULL;
	}
	lockdep_set_class(pgt->mmu.lock, &okvm_s2_pgt_lock_key);
	pgt->table = &pgt->mmu;
	return pgt;
}

static void s2_mmu_link(struct okvm_s2_mmu *s2)
{
	spin_lock(&s2->pgt->lock);
	list_add_tail(&s2->node, &s2->pgt->users);
	spin_unlock(&s2->pgt->lock);
}

static int s2_mmu_init_common(struct okvm_s2_mmu *s2, struct okvm_s2_vm *vm)
{
	unsigned int cpu;

	s2->vm = vm;
	okvm_vmid_init(&s2->vmid);
	s2->last_vcpu_ran = kmalloc_array(vm->nr_cpus,
					  sizeof(*s2->last_vcpu_ran),
					  GFP_KERNEL_ACCOUNT);
	if (!s2->last_vcpu_ran)
		return -ENOMEM;
	for (cpu = 0; cpu < vm->nr_cpus; cpu++)
		s2->last_vcpu_ran[cpu] = -1;
	return 0;
}

/**
 * okvm_s2_mmu_init() - set up a stage-2 MMU
 * @s2: the object
 * @vm: its VM (VMID allocator, TLB ops, CPU count)
 * @fmt: stage-2 format of a new table (ignored when sharing)
 * @share: an s2 MMU whose table to share, or NULL for a new table
 *
 * The VMID is allocated lazily, on the first okvm_s2_mmu_vcpu_load().
 * Context: may sleep.
 * Return: 0 or -ENOMEM (nothing allocated on failure).
 */
int okvm_s2_mmu_init(struct okvm_s2_mmu *s2, struct okvm_s2_vm *vm,
		     const struct okvm_pt_fmt *fmt, struct okvm_s2_mmu *share)
{
	int r = s2_mmu_init_common(s2, vm);

	if (r)
		return r;
	if (share) {
		s2->pgt = share->pgt;
		refcount_inc(&s2->pgt->ref);
	} else {
		s2->pgt = pgt_alloc(fmt);
		if (!s2->pgt) {
			kfree(s2->last_vcpu_ran);
			return -ENOMEM;
		}
	}
	s2_mmu_link(s2);
	return 0;
}

/**
 * okvm_s2_mmu_init_on() - set up a stage-2 MMU on an existing engine table
 * @s2: the object
 * @vm: its VM (VMID allocator, TLB ops, CPU count)
 * @table: the engine table, e.g. the VM's own (the canonical stage 2);
 *	its owner keeps it alive beyond the last okvm_s2_mmu_free() and
 *	flushes through okvm_s2_pgt_flush_all() when it changes
 *
 * Other s2 MMUs may share @s2's table with okvm_s2_mmu_init(.., @s2).
 * Context: may sleep.
 * Return: 0 or -ENOMEM (nothing allocated on failure).
 */
int okvm_s2_mmu_init_on(struct okvm_s2_mmu *s2, struct okvm_s2_vm *vm,
			struct okvm_mmu *table)
{
	struct okvm_s2_pgt *pgt;
	int r = s2_mmu_init_common(s2, vm);

	if (r)
		return r;
	pgt = kzalloc(sizeof(*pgt), GFP_KERNEL_ACCOUNT);
	if (!pgt) {
		kfree(s2->last_vcpu_ran);
		return -ENOMEM;
	}
	refcount_set(&pgt->ref, 1);
	spin_lock_init(&pgt->lock);
	INIT_LIST_HEAD(&pgt->users);
	pgt->table = table;
	s2->pgt = pgt;
	s2_mmu_link(s2);
	return 0;
}

/**
 * okvm_s2_pgt_flush_all() - every s2 MMU on @pgt flushes its whole VMID
 * @pgt: the table that changed
 *
 * Context: any; must not sleep.
 */
void okvm_s2_pgt_flush_all(struct okvm_s2_pgt *pgt)
{
	struct okvm_s2_mmu *s2;

	spin_lock(&pgt->lock);
	list_for_each_entry(s2, &pgt->users, node)
		okvm_s2_flush_vmid(s2);
	spin_unlock(&pgt->lock);
}

/**
 * okvm_s2_mmu_free() - tear down a stage-2 MMU
 * @s2: the object; no vCPU may be running on it
 *
 * Invalidates its VMID's TLB entries and drops its table reference; the
 * last user frees the table.  Context: may sleep.
 */
void okvm_s2_mmu_free(struct okvm_s2_mmu *s2)
{
	struct okvm_s2_pgt *pgt = s2->pgt;

	spin_lock(&pgt->lock);
	list_del(&s2->node);
	spin_unlock(&pgt->lock);
	if (atomic64_read(&s2->vmid.id))
		okvm_s2_flush_vmid(s2);
	if (refcount_dec_and_test(&pgt->ref)) {
		/* A table brought by okvm_s2_mmu_init_on() is its owner's. */
		if (pgt->table == &pgt->mmu)
			okvm_mmu_destroy(&pgt->mmu);
		kfree(pgt);
	}
	kfree(s2->last_vcpu_ran);
	s2->last_vcpu_ran = NULL;
	s2->pgt = NULL;
}

/**
 * okvm_s2_mmu_vcpu_load() - a vCPU of @s2 is about to run on @cpu
 * @s2: the stage-2 MMU
 * @vcpu_idx: the vCPU's index in the VM
 * @cpu: the physical CPU (preemption disabled)
 *
 * Makes the VMID current (flushing the CPU's guest TLB after a rollover)
 * and applies the last_vcpu_ran rule: TLB entries are tagged by VMID, not
 * by vCPU, so when a different vCPU of the same s2 MMU ran on @cpu last,
 * its entries (e.g. for guest-local TLBI it issued) would leak into this
 * vCPU: flush @s2's VMID on @cpu first.
 *
 * Return: OKVM_S2_FLUSHED_* flags saying which flushes were requested.
 */
unsigned int okvm_s2_mmu_vcpu_load(struct okvm_s2_mmu *s2, int vcpu_idx,
				   unsigned int cpu)
{
	const struct okvm_s2_tlb_ops *tlb = s2->vm->tlb;
	unsigned int ret = 0;
	int *last;

	if (WARN_ON_ONCE(cpu >= s2->vm->nr_cpus))
		return 0;
	if (okvm_vmid_update(s2->vm->vmids, &s2->vmid, cpu)) {
		tlb->flush_all_local(s2->vm->tlb_priv, cpu);
		ret |= OKVM_S2_FLUSHED_ALL;
	}
	last = &s2->last_vcpu_ran[cpu];
	if (*last != vcpu_idx) {
		if (*last != -1 && !(ret & OKVM_S2_FLUSHED_ALL)) {
			tlb->flush_vmid_local(s2->vm->tlb_priv, s2,
					      okvm_vmid_value(s2->vm->vmids,
							      &s2->vmid), cpu);
			ret |= OKVM_S2_FLUSHED_VMID;
		}
		*last = vcpu_idx;
	}
	return ret;
}

/**
 * okvm_s2_flush_vmid() - invalidate all TLB entries of an s2 MMU
 * @s2: the stage-2 MMU
 *
 * A no-op before the first vCPU load (no VMID yet, nothing cached).
 */
void okvm_s2_flush_vmid(struct okvm_s2_mmu *s2)
{
	if (!atomic64_read(&s2->vmid.id))
		return;
	s2->vm->tlb->flush_vmid(s2->vm->tlb_priv, s2,
				okvm_vmid_value(s2->vm->vmids, &s2->vmid));
}

/**
 * okvm_s2_flush_range() - invalidate stage-2 entries of an IPA range
 * @s2: the stage-2 MMU
 * @gfn: first IPA frame
 * @nr: number of frames
 *
 * Context: any; must not sleep (called from the engine's TLB hook).
 */
void okvm_s2_flush_range(struct okvm_s2_mmu *s2, u64 gfn, u64 nr)
{
	if (!atomic64_read(&s2->vmid.id))
		return;
	s2->vm->tlb->flush_range(s2->vm->tlb_priv, s2,
				 okvm_vmid_value(s2->vm->vmids, &s2->vmid),
				 gfn, nr);
}
