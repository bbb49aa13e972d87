// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VM's MMU notifier: host changes to guest memory (munmap, MADV_DONTNEED,
 * migration, reclaim, fork's COW write-protection) reach the guest page
 * tables here, before the host reuses the pages; and the host's aging asks
 * here whether the guest used a page.
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
 * @roots: OKVM_ROOT_DIRECT (shared memory), OKVM_ROOT_MIRROR (private
 *	memory) or OKVM_ROOT_ALL
 * @gfn: first natural GFN
 * @nr: number of pages
 *
 * Takes the MMU lock for write; the engine flushes TLBs through the arch
 * hook before returning.  Context: may sleep.
 */
void okvm_zap_gfn_range(struct okvm_vm *vm, unsigned int roots, u64 gfn,
			u64 nr)
{
	write_lock(vm->mmu.lock);
	okvm_mmu_zap(&vm->mmu, roots, gfn, nr);
	write_unlock(vm->mmu.lock);
}

/**
 * okvm_mmu_invalidate_begin() - faults over [@start, @end) must not map
 * @vm: the VM
 * @start: first HVA
 * @end: HVA past the range (a GFN-based change, a conversion, passes the
 *	whole HVA space)
 *
 * Until the matching okvm_mmu_invalidate_end(), a fault whose HVA is in
 * the (widened) range retries instead of mapping; the caller zaps in
 * between.  Context: any; takes invalidate_lock.
 */
void okvm_mmu_invalidate_begin(struct okvm_vm *vm, unsigned long start,
			       unsigned long end)
{
	spin_lock(&vm->invalidate_lock);
	if (!vm->mmu_invalidate_in_progress++) {
		vm->mmu_invalidate_start = start;
		vm->mmu_invalidate_end = end;
	} else {
		vm->mmu_invalidate_start = min(vm->mmu_invalidate_start, start);
		vm->mmu_invalidate_end = max(vm->mmu_invalidate_end, end);
	}
	spin_unlock(&vm->invalidate_lock);
}

/**
 * okvm_mmu_invalidate_end() - end one okvm_mmu_invalidate_begin()
 * @vm: the VM
 *
 * Bumps the sequence, so a fault that took its snapshot before the
 * invalidation retries even when it checks after this.
 */
void okvm_mmu_invalidate_end(struct okvm_vm *vm)
{
	spin_lock(&vm->invalidate_lock);
	vm->mmu_invalidate_seq++;
	if (!WARN_ON_ONCE(vm->mmu_invalidate_in_progress <= 0))
		vm->mmu_invalidate_in_progress--;
	spin_unlock(&vm->invalidate_lock);
}

static struct okvm_vm *mn_to_vm(struct mmu_notifier *mn)
{
	return container_of(mn, struct okvm_vm, mmu_notifier);
}

/* What the host asks of the GFNs behind an HVA range. */
enum okvm_hva_op {
	OKVM_HVA_ZAP,		/* invalidation: unmap */
	OKVM_HVA_ZAP_ATOMIC,	/* non-blockable invalidation (OOM reaper) */
	OKVM_HVA_CLEAR_YOUNG,	/* aging: report and clear accessed state */
	OKVM_HVA_TEST_YOUNG,	/* aging: report only */
};

static bool hva_op_gfns(struct okvm_vm *vm, enum okvm_hva_op op, u64 gfn,
			u64 nr)
{
	switch (op) {
	case OKVM_HVA_ZAP:
	case OKVM_HVA_ZAP_ATOMIC:
		/* The atomic zap keeps the lock for the whole range. */
		write_lock(vm->mmu.lock);
		/*
		 * The host's pages back shared memory only: private memory
		 * (guest_memfd) is not in the mm, its changes come from the
		 * file (punch-hole, close).
		 */
		if (op == OKVM_HVA_ZAP)
			okvm_mmu_zap(&vm->mmu, OKVM_ROOT_DIRECT, gfn, nr);
		else
			okvm_mmu_zap_atomic(&vm->mmu, OKVM_ROOT_DIRECT, gfn, nr);
		write_unlock(vm->mmu.lock);
		return false;
	case OKVM_HVA_CLEAR_YOUNG:
		/*
		 * Aging runs without the MMU lock (seed 001) and never yields:
		 * the notifiers that ask hold the host's page-table lock.
		 */
		return okvm_mmu_test_clear_young(&vm->mmu, gfn, nr, NULL, false);
	case OKVM_HVA_TEST_YOUNG:
		return okvm_mmu_test_young(&vm->mmu, gfn, nr, NULL, false);
	}
	return false;
}

/*
 * Apply @op to the GFN range of each memslot that maps part of the HVA
 * range [start, end), under SRCU (which does not sleep: notifiers that
 * must not block come here too). Return: true if any GFN was young.
 */
static bool okvm_hva_range_op(struct okvm_vm *vm, unsigned long start,
			      unsigned long end, enum okvm_hva_op op)
{
	const struct okvm_memslot *s;
	struct okvm_memslots *slots;
	bool ret = false;
	unsigned int i;
	int idx;

	idx = srcu_read_lock(&vm->srcu);
	slots = srcu_dereference(vm->memslots, &vm->srcu);
	okvm_for_each_memslot_hva(s, i, slots, start, end) {
		unsigned long s_start = s->userspace_addr;
		unsigned long s_end = s_start + (s->npages << PAGE_SHIFT);
		unsigned long hs = max(start, s_start), he = min(end, s_end);
		u64 first, last;

		if (hs >= he)
			continue;
		first = s->base_gfn + ((hs - s_start) >> PAGE_SHIFT);
		last = s->base_gfn + ((he - s_start + PAGE_SIZE - 1) >> PAGE_SHIFT);
		ret |= hva_op_gfns(vm, op, first, last - first);
	}
	srcu_read_unlock(&vm->srcu, idx);
	return ret;
}

static int okvm_mn_invalidate_range_start(struct mmu_notifier *mn,
					  const struct mmu_notifier_range *range)
{
	struct okvm_vm *vm = mn_to_vm(mn);

	okvm_mmu_invalidate_begin(vm, range->start, range->end);
	/* Neither SRCU readers nor the rwlock sleep: fine when !blockable. */
	okvm_hva_range_op(vm, range->start, range->end,
			  mmu_notifier_range_blockable(range) ?
			  OKVM_HVA_ZAP : OKVM_HVA_ZAP_ATOMIC);
	return 0;
}

static void okvm_mn_invalidate_range_end(struct mmu_notifier *mn,
					 const struct mmu_notifier_range *range)
{
	okvm_mmu_invalidate_end(mn_to_vm(mn));
}

/* The mm is going away (exit, or the last user dropped): unmap everything. */
static void okvm_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct okvm_vm *vm = mn_to_vm(mn);

	okvm_zap_gfn_range(vm, OKVM_ROOT_ALL, 0,
			   1ULL << (vm->mmu.fmt->levels * OKVM_PT_LEVEL_BITS));
}

/*
 * The host asks whether guest memory was used (reclaim, MGLRU, DAMON): the
 * guest's accesses set accessed flags in the nested page tables, not in
 * the host's, so they are reported, and cleared, here. As KVM on x86, no
 * TLB flush for the clear_flush variant: a cached translation only hides
 * accesses until it is evicted.
 */
static int okvm_mn_clear_flush_young(struct mmu_notifier *mn,
				     struct mm_struct *mm,
				     unsigned long start, unsigned long end)
{
	return okvm_hva_range_op(mn_to_vm(mn), start, end, OKVM_HVA_CLEAR_YOUNG);
}

static int okvm_mn_clear_young(struct mmu_notifier *mn, struct mm_struct *mm,
			       unsigned long start, unsigned long end)
{
	return okvm_hva_range_op(mn_to_vm(mn), start, end, OKVM_HVA_CLEAR_YOUNG);
}

static int okvm_mn_test_young(struct mmu_notifier *mn, struct mm_struct *mm,
			      unsigned long address)
{
	return okvm_hva_range_op(mn_to_vm(mn), address, address + 1,
				 OKVM_HVA_TEST_YOUNG);
}

static const struct mmu_notifier_ops okvm_mmu_notifier_ops = {
	.invalidate_range_start = okvm_mn_invalidate_range_start,
	.invalidate_range_end = okvm_mn_invalidate_range_end,
	.clear_flush_young = okvm_mn_clear_flush_young,
	.clear_young = okvm_mn_clear_young,
	.test_young = okvm_mn_test_young,
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
