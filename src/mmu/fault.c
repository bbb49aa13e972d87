// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest page-fault path: GPA -> memslot -> HVA -> page -> map.
 *
 * Pages are looked up with GUP and not pinned: the MMU notifier
 * (src/notifier.c) removes a mapping before the host reuses its page, and
 * the sequence check below keeps a fault from installing a page that an
 * invalidation has already passed over.
 */
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/pagemap.h>
#include <linux/swap.h>

#include "okvm.h"

#define OKVM_2M_PAGES	(1UL << (PMD_SHIFT - PAGE_SHIFT))

/* Has an invalidation overlapping @hva begun, or ended, since @seq? */
static bool fault_raced(struct okvm_vm *vm, unsigned long seq,
			unsigned long hva)
{
	bool raced;

	spin_lock(&vm->invalidate_lock);
	raced = vm->mmu_invalidate_seq != seq ||
		(vm->mmu_invalidate_in_progress &&
		 hva >= vm->mmu_invalidate_start && hva < vm->mmu_invalidate_end);
	spin_unlock(&vm->invalidate_lock);
	return raced;
}

/*
 * Is @hva mapped by a 2M (PMD) leaf in the host's own page tables? A large
 * folio alone is not enough: after a partial MADV_DONTNEED the folio lives
 * on, PTE-mapped, with holes. Walked locklessly as GUP-fast does (IRQs off
 * keep the tables from being freed); a change after the check comes with
 * an MMU-notifier invalidation, which the caller's sequence check catches.
 */
static bool host_pmd_mapped(struct mm_struct *mm, unsigned long hva)
{
	unsigned long flags;
	bool leaf = false;
	pgd_t pgd;
	p4d_t p4d;
	pud_t pud;
	pmd_t pmd;

	local_irq_save(flags);
	pgd = READ_ONCE(*pgd_offset(mm, hva));
	if (pgd_none(pgd) || pgd_bad(pgd))
		goto out;
	p4d = READ_ONCE(*p4d_offset(&pgd, hva));
	if (p4d_none(p4d) || p4d_bad(p4d))
		goto out;
	pud = READ_ONCE(*pud_offset(&p4d, hva));
	if (pud_none(pud) || !pud_present(pud) || pud_leaf(pud))
		goto out;
	pmd = pmdp_get_lockless(pmd_offset(&pud, hva));
	leaf = pmd_present(pmd) && pmd_leaf(pmd);
out:
	local_irq_restore(flags);
	return leaf;
}

/*
 * A 2M mapping is possible when the host maps the whole aligned 2M of HVA
 * with one PMD leaf, the slot covers the aligned 2M of GFNs, and GFN and
 * HVA are congruent modulo 2M.
 */
static bool fault_can_map_2m(struct mm_struct *mm, const struct okvm_memslot *slot,
			     u64 gfn, unsigned long hva)
{
	u64 gfn_base = ALIGN_DOWN(gfn, OKVM_2M_PAGES);

	if ((gfn & (OKVM_2M_PAGES - 1)) != ((hva >> PAGE_SHIFT) & (OKVM_2M_PAGES - 1)))
		return false;
	if (gfn_base < slot->base_gfn ||
	    gfn_base + OKVM_2M_PAGES > slot->base_gfn + slot->npages)
		return false;
	return host_pmd_mapped(mm, hva);
}

/**
 * okvm_mmu_slot_can_map_2m() - could a fault map the 2M around @gfn whole?
 * @vm: the VM
 * @slot: the slot holding @gfn
 * @gfn: a GFN of @slot
 *
 * For dirty logging's end: only such ranges gain from being faulted in
 * again. Context: SRCU or slots_lock keeps @slot alive.
 * Return: true if the host maps it with one PMD leaf, congruently.
 */
bool okvm_mmu_slot_can_map_2m(struct okvm_vm *vm, const struct okvm_memslot *slot,
			      u64 gfn)
{
	return fault_can_map_2m(vm->mm, slot, gfn,
				okvm_memslot_gfn_to_hva(slot, gfn));
}

/*
 * KVM_EXIT_MEMORY_FAULT: the guest touched memory of a kind (private or
 * shared) the VM cannot give it there; userspace converts or adds memory
 * and runs again.  KVM_RUN returns -EFAULT with this exit.
 */
static int memory_fault_exit(struct okvm_vcpu *vcpu, u64 gfn, bool private,
			     int err)
{
	struct okvm_memory_fault_exit *mf = okvm_run_memory_fault(vcpu->run);

	vcpu->run->exit_reason = KVM_EXIT_MEMORY_FAULT;
	mf->gpa = gfn << PAGE_SHIFT;
	mf->size = PAGE_SIZE;
	/* As KVM: no access flags (not defined for userspace yet). */
	mf->flags = private ? KVM_MEMORY_EXIT_FLAG_PRIVATE : 0;
	return err;
}

/*
 * A fault on a private GFN: the page comes from the slot's guest_memfd,
 * never from its HVA, and is mapped 4K by the mirror root, whose external
 * operations write it into the hardware table (src/mmu/ext_direct.c).
 * The guest_memfd fault lock keeps a punch-hole or close from freeing the
 * page before it is mapped; @seq orders the fault with conversions.
 */
static int private_page_fault(struct okvm_vcpu *vcpu,
			      const struct okvm_memslot *slot, u64 gfn,
			      unsigned long seq, int *level_out)
{
	struct okvm_vm *vm = vcpu->vm;
	u64 pfn;
	int r;

	/* As KVM: private access to no memory or to a slot without any. */
	if (!slot || !slot->gmem)
		return memory_fault_exit(vcpu, gfn, true, -EFAULT);
	r = okvm_gmem_fault_begin(slot);
	if (r)
		return memory_fault_exit(vcpu, gfn, true, r);
	r = okvm_gmem_get_pfn(slot, gfn, &pfn);
	if (r) {
		memory_fault_exit(vcpu, gfn, true, r);
		goto out;
	}
	/*
	 * A path of tables in the mirror root and one in the hardware table
	 * it is forwarded to (src/mmu/ext_direct.c): both from this cache.
	 */
	r = okvm_pt_cache_topup(&vcpu->mmu_cache,
				2 * (vm->mmu.fmt->levels - 1));
	if (r)
		goto out;

	read_lock(vm->mmu.lock);
	if (fault_raced(vm, seq, okvm_memslot_gfn_to_hva(slot, gfn))) {
		r = 1;
	} else {
		r = okvm_mmu_map(&vm->mmu, true, gfn, pfn, 1, OKVM_PT_RWX, 1,
				 &vcpu->mmu_cache);
		if (!r) {
			r = 1;
			*level_out = 1;
		} else if (r == -EAGAIN) {
			r = 1;	/* a conversion raced: fault again */
		}
	}
	read_unlock(vm->mmu.lock);
out:
	okvm_gmem_fault_end(slot);
	return r;
}

/*
 * The fault itself. *@level is the level of the mapping made, or 0 if a
 * racing invalidation or memslot update made it give up (the caller
 * retries).
 */
static int mmu_page_fault(struct okvm_vcpu *vcpu, u64 gpa, bool write,
			  int *level_out)
{
	struct okvm_vm *vm = vcpu->vm;
	u64 gfn = gpa >> PAGE_SHIFT, pfn, nr = 1;
	const struct okvm_memslot *slot;
	bool writable = false, host_writable = false;
	unsigned long hva, seq;
	struct page *page;
	int level = 1, idx, r;
	bool private, private_access;
	u32 perm;

	/*
	 * With a shared bit the GPA says the kind of the access; from here
	 * on the GFN is natural, as memslots and attributes know it.
	 */
	private_access = vm->gfn_shared_bits && !(gfn & vm->gfn_shared_bits);
	gfn &= ~vm->gfn_shared_bits;
	*level_out = 0;
	idx = srcu_read_lock(&vm->srcu);
	slot = okvm_memslots_find_any(srcu_dereference(vm->memslots, &vm->srcu),
				      gfn);

	seq = READ_ONCE(vm->mmu_invalidate_seq);
	smp_rmb();	/* the snapshot before the attribute and page lookups */
	/*
	 * In a software-protected VM the attribute is the truth: the access
	 * is private if the GFN is (KVM's kvm_mmu_page_fault() sets
	 * PFERR_PRIVATE_ACCESS from it), so it never disagrees with the
	 * attribute here; what can fail is the memory behind it.
	 */
	private = okvm_mem_is_private(vm, gfn);
	/*
	 * A slot being deleted or moved: its old mappings are about to be
	 * zapped, and a mapping made now could outlive the zap. Nor is it
	 * MMIO yet. The guest faults again until the update is done (and
	 * KVM_PRE_FAULT_MEMORY waits, as in KVM).
	 */
	if (slot && (slot->flags & OKVM_MEMSLOT_INVALID)) {
		r = 1;
		goto out_srcu;
	}
	/*
	 * In a shared-bit VM the access has its own kind (TDX's rule, as in
	 * KVM): when the attribute says otherwise, userspace converts.
	 */
	if (vm->gfn_shared_bits && private != private_access) {
		r = memory_fault_exit(vcpu, gfn, private_access, -EFAULT);
		goto out_srcu;
	}
	if (private) {
		r = private_page_fault(vcpu, slot, gfn, seq, level_out);
		goto out_srcu;
	}
	if (!slot || (write && (slot->flags & KVM_MEM_READONLY))) {
		r = OKVM_FAULT_MMIO;
		goto out_srcu;
	}
	hva = okvm_memslot_gfn_to_hva(slot, gfn);

	if (write) {
		r = get_user_pages_fast(hva, 1, FOLL_WRITE, &page);
		writable = host_writable = r == 1;
	} else if (!(slot->flags & KVM_MEM_READONLY) &&
		   get_user_pages_fast_only(hva, 1, FOLL_WRITE, &page) == 1) {
		/*
		 * Already writable in the host: map it writable right away,
		 * except while the slot is logged: then its first write must
		 * fault, and fast_wp_fault() fixes that fault (host-writable).
		 */
		r = 1;
		writable = !slot->dirty_bitmap;
		host_writable = true;
	} else {
		r = get_user_pages_fast(hva, 1, 0, &page);
	}
	if (r != 1) {
		r = r < 0 ? r : -EFAULT;
		goto out_srcu;
	}

	/* Kept per vCPU: only what the last fault used is allocated again. */
	r = okvm_pt_cache_topup(&vcpu->mmu_cache, vm->mmu.fmt->levels);
	if (r)
		goto out_page;

	pfn = page_to_pfn(page);
	/*
	 * A logged slot is mapped 4K, so that writes are logged per page; so
	 * is all shared memory of a VM with private memory, whose hardware
	 * table the mirror root shares (src/mmu/ext_direct.c).
	 */
	if (!slot->dirty_bitmap && !vm->has_private_mem &&
	    fault_can_map_2m(vm->mm, slot, gfn, hva)) {
		level = 2;
		nr = OKVM_2M_PAGES;
		gfn = ALIGN_DOWN(gfn, OKVM_2M_PAGES);
		pfn = ALIGN_DOWN(pfn, OKVM_2M_PAGES);
	}
	perm = OKVM_PT_R | OKVM_PT_X;
	if (writable)
		perm |= OKVM_PT_W;
	if (host_writable)
		perm |= OKVM_PT_HOST_W;

	read_lock(vm->mmu.lock);
	if (fault_raced(vm, seq, hva)) {
		r = 1;		/* the guest faults again and finds the new page */
	} else {
		r = okvm_mmu_map(&vm->mmu, false, gfn, pfn, nr, perm, level,
				 &vcpu->mmu_cache);
		if (r == -EAGAIN)
			r = 1;	/* the private twin holds it: converted meanwhile */
		else if (!r) {
			r = 1;
			*level_out = level;
			/*
			 * Under the read lock, so that KVM_GET_DIRTY_LOG (write
			 * lock) sees the bit with the writable mapping.
			 */
			if (writable)
				okvm_slot_mark_dirty(slot, gfn);
		}
	}
	read_unlock(vm->mmu.lock);

out_page:
	/*
	 * The guest may write through a writable mapping from now on, or
	 * through a host-writable one once fast_wp_fault() has fixed it,
	 * which does not see the page. Cleaning the page again needs the
	 * host to write-protect or unmap it, which zaps the mapping first.
	 */
	if (host_writable) {
		/*
		 * Anonymous memory (most guests) is marked dirty by the flag
		 * alone, as KVM does for every page; a file's page also needs
		 * its mapping's accounting, under the page lock.
		 */
		if (PageAnon(page))
			SetPageDirty(page);
		else
			set_page_dirty_lock(page);
	}
	mark_page_accessed(page);
	put_page(page);
out_srcu:
	srcu_read_unlock(&vm->srcu, idx);
	return r;
}

/*
 * The fast path for dirty logging's write faults: the page is mapped and
 * host-writable, write-protected only so that this write is seen. The
 * leaf is made writable by one compare-and-exchange under RCU, without
 * the MMU lock or GUP; only the memslot lookup remains, for the log bit.
 * The bit is set after the exchange: a harvest (write lock) that
 * write-protects the page again in between either takes the bit or runs
 * before it is set, and then the next harvest has it (see src/dirty.c).
 * Return: true if the fault is fixed.
 */
static bool fast_wp_fault(struct okvm_vm *vm, u64 gfn)
{
	const struct okvm_memslot *slot;
	bool fixed = false;
	int idx;

	idx = srcu_read_lock(&vm->srcu);
	slot = okvm_memslots_find(srcu_dereference(vm->memslots, &vm->srcu), gfn);
	if (slot && !(slot->flags & KVM_MEM_READONLY) &&
	    okvm_mmu_fast_unprotect(&vm->mmu, gfn)) {
		fixed = true;
		okvm_slot_mark_dirty(slot, gfn);
	}
	srcu_read_unlock(&vm->srcu, idx);
	return fixed;
}

/**
 * okvm_mmu_page_fault() - resolve a guest-physical fault
 * @vcpu: the faulting vCPU
 * @gpa: the guest-physical address
 * @write: the access was a write
 * @present: the fault may be on a present translation (a write to a
 *	write-protected leaf); false when the hardware says none was
 *	present, which rules the fast path out (most faults: first touches)
 *
 * Return: 1 to re-enter the guest (mapped, or retry after a race),
 * OKVM_FAULT_MMIO when the access is emulated MMIO, -EFAULT when the slot's
 * memory cannot be faulted in (with KVM_EXIT_MEMORY_FAULT for a private
 * GFN without private memory), -ENOMEM, or -EIO for a broken MMU.
 */
int okvm_mmu_page_fault(struct okvm_vcpu *vcpu, u64 gpa, bool write,
			bool present)
{
	u64 gfn = gpa >> PAGE_SHIFT, shared = vcpu->vm->gfn_shared_bits;
	int level;

	/*
	 * Only shared memory is write-protected for dirty logging; in a
	 * shared-bit VM an access without the bit is private and the slow
	 * path tells it apart.
	 */
	if (write && present && (!shared || (gfn & shared)) &&
	    fast_wp_fault(vcpu->vm, gfn & ~shared))
		return 1;
	return mmu_page_fault(vcpu, gpa, write, &level);
}

/*
 * Map the page at @gpa as a guest read would. Return: bytes from @gpa to
 * the end of the mapping made (which may cover more than the page),
 * -ENOENT where no memslot backs @gpa (a guest access would be MMIO),
 * -EINTR on a signal, or the fault's errno.
 */
static long pre_fault_one(struct okvm_vcpu *vcpu, u64 gpa)
{
	struct okvm_vm *vm = vcpu->vm;
	u64 size, fault_gpa = gpa;
	int r, level;

	/*
	 * A shared-bit VM: the VMM names natural GPAs, and the mapping made
	 * is of the kind the attribute says (KVM: the same for TDX), so a
	 * shared GPA is faulted at its alias above the bit.
	 */
	if (vm->gfn_shared_bits) {
		if ((gpa >> PAGE_SHIFT) & vm->gfn_shared_bits)
			return -EINVAL;
		if (!okvm_mem_is_private(vm, gpa >> PAGE_SHIFT))
			fault_gpa |= vm->gfn_shared_bits << PAGE_SHIFT;
	}
	do {
		if (signal_pending(current))
			return -EINTR;
		cond_resched();
		r = mmu_page_fault(vcpu, fault_gpa, false, &level);
	} while (r == 1 && !level);
	if (r == OKVM_FAULT_MMIO)
		return -ENOENT;
	if (r < 0)
		return r;
	size = level == 2 ? OKVM_2M_PAGES * PAGE_SIZE : PAGE_SIZE;
	return ALIGN_DOWN(gpa, size) + size - gpa;
}

/**
 * okvm_vcpu_pre_fault_memory() - KVM_PRE_FAULT_MEMORY
 * @vcpu: the vCPU, its mutex held
 * @range: in: the GPA range; out: what is left of it
 *
 * Maps the range into the VM's nested page tables as guest reads would,
 * page by page, so that the guest's first accesses do not exit. Stops at
 * the first page that cannot be mapped, and on a signal.
 *
 * Return: 0 if at least one page was mapped, else -EINVAL for flags, a
 * range that is unaligned, empty or wraps, or a GPA with a shared-bit
 * VM's bit (the VMM names natural GPAs), -ENOENT at a GPA no memslot
 * backs, -EINTR, -EFAULT, -ENOMEM or -EIO (as KVM).
 */
int okvm_vcpu_pre_fault_memory(struct okvm_vcpu *vcpu,
			       struct kvm_pre_fault_memory *range)
{
	u64 full_size = range->size;
	long r;

	lockdep_assert_held(&vcpu->mutex);
	if (range->flags || !PAGE_ALIGNED(range->gpa) ||
	    !PAGE_ALIGNED(range->size) ||
	    range->gpa + range->size <= range->gpa)
		return -EINVAL;

	do {
		r = pre_fault_one(vcpu, range->gpa);
		if (r < 0)
			break;
		r = min_t(u64, r, range->size);
		range->size -= r;
		range->gpa += r;
	} while (range->size);

	return range->size == full_size ? r : 0;
}
