// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VM's MMU notifier: host changes to guest memory (munmap, MADV_DONTNEED,
 * migration, reclaim, fork's COW write-protection) reach the guest page
 * tables here, before the host reuses the pages.
 *
 * Ordering with the fault path (src/mmu/fault.c):
 *  invalidate_range_start: in_progress++ and widen the range (under
 *	invalidate_lock), then zap under the MMU lock's write side;
 *  invalidate_range_end: seq++ and in_progress-- (under invalidate_lock).
 * A fault snapshots seq before it looks the page up, and re-checks seq and
 * the in-progress range under the MMU lock's read side before mapping. So
 * either the fault sees the invalidation and retries, or the invalidation's
 * zap comes after the fault's map and removes it.
 */
#include <linux/mmu_notifier.h>
#include <linux/sched/mm.h>

#include "arch.h"
#include "okvm.h"

/**
 * okvm_zap_gfn_range() - unmap [@gfn, @gfn + @nr) from the VM's page tables
 * @vm: the VM
 * @gfn: first natural GFN
 * @nr: number of pages
 *
 * Takes the MMU lock for write; the engine flushes TLBs through the arch
 * hook before returning.  Context: may sleep.
 */
void okvm_zap_gfn_range(struct okvm_vm *vm, u64 gfn, u64 nr)
{
	write_lock(vm->mmu.lock);
	okvm_mmu_zap(&vm->mmu, OKVM_ROOT_ALL, gfn, nr);
	write_unlock(vm->mmu.lock);
}

static struct okvm_vm *mn_to_vm(struct mmu_notifier *mn)
{
	return container_of(mn, struct okvm_vm, mmu_notifier);
}

/*
 * Zap every GFN whose memslot maps an HVA in [start, end). @may_block is
 * false for non-blockable invalidations (the OOM reaper): the zap then
 * keeps the MMU lock for the whole range rather than yield it.
 */
static void okvm_zap_hva_range(struct okvm_vm *vm, unsigned long start,
			       unsigned long end, bool may_block)
{
	struct okvm_memslots *slots;
	unsigned int i;
	int idx;

	idx = srcu_read_lock(&vm->srcu);
	slots = srcu_dereference(vm->memslots, &vm->srcu);
	for (i = 0; i < slots->nr; i++) {
		const struct okvm_memslot *s = &slots->slots[i];
		unsigned long s_start = s->userspace_addr;
		unsigned long s_end = s_start + (s->npages << PAGE_SHIFT);
		unsigned long hs = max(start, s_start), he = min(end, s_end);
		u64 first, last;

		if (hs >= he)
			continue;
		first = s->base_gfn + ((hs - s_start) >> PAGE_SHIFT);
		last = s->base_gfn + ((he - s_start + PAGE_SIZE - 1) >> PAGE_SHIFT);
		write_lock(vm->mmu.lock);
		if (may_block)
			okvm_mmu_zap(&vm->mmu, OKVM_ROOT_ALL, first, last - first);
		else
			okvm_mmu_zap_atomic(&vm->mmu, OKVM_ROOT_ALL, first,
					    last - first);
		write_unlock(vm->mmu.lock);
	}
	srcu_read_unlock(&vm->srcu, idx);
}

static int okvm_mn_invalidate_range_start(struct mmu_notifier *mn,
					  const struct mmu_notifier_range *range)
{
	struct okvm_vm *vm = mn_to_vm(mn);

	spin_lock(&vm->invalidate_lock);
	if (!vm->mmu_invalidate_in_progress++) {
		vm->mmu_invalidate_start = range->start;
		vm->mmu_invalidate_end = range->end;
	} else {
		vm->mmu_invalidate_start = min(vm->mmu_invalidate_start, range->start);
		vm->mmu_invalidate_end = max(vm->mmu_invalidate_end, range->end);
	}
	spin_unlock(&vm->invalidate_lock);

	/* Neither SRCU readers nor the rwlock sleep: fine when !blockable. */
	okvm_zap_hva_range(vm, range->start, range->end,
			   mmu_notifier_range_blockable(range));
	return 0;
}

static void okvm_mn_invalidate_range_end(struct mmu_notifier *mn,
					 const struct mmu_notifier_range *range)
{
	struct okvm_vm *vm = mn_to_vm(mn);

	spin_lock(&vm->invalidate_lock);
	vm->mmu_invalidate_seq++;
	if (!WARN_ON_ONCE(vm->mmu_invalidate_in_progress <= 0))
		vm->mmu_invalidate_in_progress--;
	spin_unlock(&vm->invalidate_lock);
}

/* The mm is going away (exit, or the last user dropped): unmap everything. */
static void okvm_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct okvm_vm *vm = mn_to_vm(mn);

	okvm_zap_gfn_range(vm, 0, 1ULL << (vm->mmu.fmt->levels * OKVM_PT_LEVEL_BITS));
}

static const struct mmu_notifier_ops okvm_mmu_notifier_ops = {
	.invalidate_range_start = okvm_mn_invalidate_range_start,
	.invalidate_range_end = okvm_mn_invalidate_range_end,
	.release = okvm_mn_release,
};

/**
 * okvm_mmu_notifier_register() - watch the VM's mm from the VM's birth
 * @vm: a VM whose mm is current's and whose MMU is initialized
 *
 * Return: 0 or a negative errno from mmu_notifier_register().
 */
int okvm_mmu_notifier_register(struct okvm_vm *vm)
{
	spin_lock_init(&vm->invalidate_lock);
	vm->mmu_notifier.ops = &okvm_mmu_notifier_ops;
	return mmu_notifier_register(&vm->mmu_notifier, current->mm);
}

void okvm_mmu_notifier_unregister(struct okvm_vm *vm)
{
	mmu_notifier_unregister(&vm->mmu_notifier, vm->mm);
}
