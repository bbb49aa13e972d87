// SPDX-License-Identifier: GPL-2.0-only
/*
 * Dirty logging: KVM_MEM_LOG_DIRTY_PAGES, KVM_GET_DIRTY_LOG and, with
 * KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, KVM_CLEAR_DIRTY_LOG.
 *
 * A logged slot has one bit per page. The rule that keeps the log exact:
 * a page of a logged slot is writable in the nested page tables only while
 * its bit is set. The fault path maps read faults read-only and sets the
 * bit when it maps a page writable, both under the MMU lock's read side;
 * KVM_GET_DIRTY_LOG takes the write side, takes the bits and
 * write-protects what it took, and the TLB flush of that write protection
 * happens before userspace sees the log. So a guest write after the
 * harvest faults and sets the bit again. Writes okvm makes on the guest's
 * behalf (emulated instructions, A/D updates, PV records: guest_mem.c)
 * mark the page after writing.
 *
 * The bitmap is twice the slot's size: the second half is the snapshot
 * that KVM_GET_DIRTY_LOG copies out after dropping the lock, or the
 * user's mask that KVM_CLEAR_DIRTY_LOG reads in (both under slots_lock).
 *
 * Manual protect (KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE) splits the
 * harvest in two: KVM_GET_DIRTY_LOG only reads the bits, and
 * KVM_CLEAR_DIRTY_LOG clears the bits userspace names and write-protects
 * those pages, under the write lock, so the rule above still holds. With
 * KVM_DIRTY_LOG_INITIALLY_SET a slot starts logging with every bit set:
 * every page may stay writable, nothing is dropped or write-protected
 * when logging starts, and the first pass of a migration costs no faults;
 * pages are protected as userspace clears their bits.
 */
#include <linux/bitops.h>
#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "okvm.h"

static unsigned long dirty_longs(const struct okvm_memslot *slot)
{
	return BITS_TO_LONGS(slot->npages);
}

/**
 * okvm_dirty_log_prepare() - give a slot-to-be its dirty bitmap
 * @vm: the VM
 * @old: the slot as it was, or NULL for a new slot
 * @new: the slot as it will be; its flags say whether it is logged
 *
 * A slot that stays logged (a move, a flags change) keeps its bitmap and
 * so its dirty bits; one that starts being logged gets a clear one, or
 * one with every page set under KVM_DIRTY_LOG_INITIALLY_SET.
 * Context: the VM's slots_lock, before the new set is published.
 * Return: 0 or -ENOMEM.
 */
int okvm_dirty_log_prepare(struct okvm_vm *vm,
			   const struct okvm_memslot *old,
			   struct okvm_memslot *new)
{
	new->dirty_bitmap = NULL;
	if (!(new->flags & KVM_MEM_LOG_DIRTY_PAGES))
		return 0;
	if (old && old->dirty_bitmap) {
		new->dirty_bitmap = old->dirty_bitmap;
		return 0;
	}
	new->dirty_bitmap = kvcalloc(2 * dirty_longs(new), sizeof(long),
				     GFP_KERNEL_ACCOUNT);
	if (!new->dirty_bitmap)
		return -ENOMEM;
	if (vm->manual_dirty_log_protect & KVM_DIRTY_LOG_INITIALLY_SET)
		bitmap_set(new->dirty_bitmap, 0, new->npages);
	return 0;
}

/*
 * Put [@gfn, @gfn + @nr) under the logging rules: 4K only (huge leaves
 * are split in place, their pieces keep frame, permissions and A/D state)
 * and read-only. Where a table for a split cannot be had without
 * sleeping, the range is zapped instead: its pages are faulted back in
 * under the rules. Caller holds the MMU lock for write (which the zap may
 * drop to reschedule). Huge leaves exist only where the VM had any, so the
 * split's 4K-deep walk is skipped when it has none.
 */
static void dirty_log_protect(struct okvm_vm *vm, u64 gfn, u64 nr)
{
	struct okvm_mmu *mmu = &vm->mmu;

	lockdep_assert_held_write(mmu->lock);
	if ((atomic64_read(&mmu->nr_leaves[2]) ||
	     atomic64_read(&mmu->nr_leaves[3])) &&
	    okvm_mmu_split(mmu, OKVM_ROOT_DIRECT, gfn, nr, 1, NULL) < 0) {
		okvm_mmu_zap(mmu, OKVM_ROOT_DIRECT, gfn, nr);
		return;
	}
	okvm_mmu_wrprot(mmu, gfn, nr);
}

/* Drop the mappings of [@first, @last), if any. */
static void dirty_log_zap_run(struct okvm_vm *vm, u64 first, u64 last)
{
	if (first < last)
		okvm_zap_gfn_range(vm, OKVM_ROOT_DIRECT, first, last - first);
}

/**
 * okvm_dirty_log_flags_changed() - a slot started or stopped logging
 * @vm: the VM
 * @old: the slot before the change
 * @new: the slot, published with its new flags (and bitmap)
 *
 * Logging starts: the slot's mappings are split to 4K and write-protected
 * in place (its first writes are then logged, and reads do not fault
 * again), unless the bitmap starts all set (KVM_DIRTY_LOG_INITIALLY_SET):
 * then every mapping stays as it is, and KVM_CLEAR_DIRTY_LOG splits and
 * protects pages as their bits are cleared. Logging stops: where the
 * host maps a 2M range of the slot with one PMD leaf, that range's 4K
 * mappings are dropped, so that the next fault maps it 2M again (the slot
 * was 4K-only while logged); elsewhere mappings stay, as nothing would
 * be gained by faulting them in again.
 * Context: slots_lock, after SRCU readers of the old set are gone.
 */
void okvm_dirty_log_flags_changed(struct okvm_vm *vm,
				  const struct okvm_memslot *old,
				  const struct okvm_memslot *new)
{
	lockdep_assert_held(&vm->slots_lock);
	if (old->dirty_bitmap && !new->dirty_bitmap) {
		u64 end = new->base_gfn + new->npages, gfn, next;
		u64 run = new->base_gfn, run_end = new->base_gfn;

		/*
		 * Adjacent 2M ranges are zapped as one run: each zap takes the
		 * write lock and flushes every vCPU's TLB.
		 */
		for (gfn = new->base_gfn; gfn < end; gfn = next) {
			next = min(ALIGN(gfn + 1, PTRS_PER_PMD), end);
			if (okvm_mmu_slot_can_map_2m(vm, new, gfn)) {
				if (run_end != gfn) {
					dirty_log_zap_run(vm, run, run_end);
					run = gfn;
				}
				run_end = next;
			}
			cond_resched();
		}
		dirty_log_zap_run(vm, run, run_end);
	} else if (!old->dirty_bitmap && new->dirty_bitmap &&
		   !(vm->manual_dirty_log_protect & KVM_DIRTY_LOG_INITIALLY_SET)) {
		write_lock(vm->mmu.lock);
		dirty_log_protect(vm, new->base_gfn, new->npages);
		write_unlock(vm->mmu.lock);
	}
}

/**
 * okvm_dirty_log_enable_cap() - KVM_ENABLE_CAP(KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2)
 * @vm: the VM
 * @cap: the request
 *
 * As KVM: args[0] is a set of KVM_DIRTY_LOG_* options; INITIALLY_SET is
 * accepted only together with MANUAL_PROTECT_ENABLE, 0 turns manual
 * protect off. It can be changed at any time; INITIALLY_SET applies to
 * slots that start logging afterwards.
 * Return: 0, or -EINVAL for flags or unknown options.
 */
int okvm_dirty_log_enable_cap(struct okvm_vm *vm,
			      const struct kvm_enable_cap *cap)
{
	u64 allowed = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE;

	if (cap->args[0] & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE)
		allowed |= KVM_DIRTY_LOG_INITIALLY_SET;
	if (cap->flags || (cap->args[0] & ~allowed))
		return -EINVAL;
	/* Against a slot update deciding how its bitmap starts. */
	mutex_lock(&vm->slots_lock);
	vm->manual_dirty_log_protect = cap->args[0];
	mutex_unlock(&vm->slots_lock);
	return 0;
}

/**
 * okvm_dirty_log_release() - free the bitmap a change left unused
 * @from: the slot whose bitmap may be dropped
 * @to: the slot that may have taken it over, or NULL
 *
 * Context: after the set without @from is published and SRCU readers of
 * the set with it are gone (or when publishing failed).
 */
void okvm_dirty_log_release(const struct okvm_memslot *from,
			    const struct okvm_memslot *to)
{
	if (from->dirty_bitmap && (!to || to->dirty_bitmap != from->dirty_bitmap))
		kvfree(from->dirty_bitmap);
}

/* Free every slot's bitmap: the VM is going away. */
void okvm_dirty_log_free_all(struct okvm_memslots *slots)
{
	unsigned int i;

	for (i = 0; i < slots->nr; i++)
		kvfree(slots->slots[i].dirty_bitmap);
}

/**
 * okvm_slot_mark_dirty() - log a write okvm made to a page of @slot
 * @slot: the slot, from okvm_guest_hva() (vm->srcu held)
 * @gfn: the page written
 */
void okvm_slot_mark_dirty(const struct okvm_memslot *slot, u64 gfn)
{
	if (slot->dirty_bitmap)
		set_bit_le(gfn - slot->base_gfn, slot->dirty_bitmap);
}

/**
 * okvm_mark_page_dirty() - log a write okvm made to guest memory
 * @vm: the VM
 * @gfn: the page written
 *
 * For writes that do not go through the nested page tables. Nothing
 * happens for a page outside any slot or in a slot that is not logged.
 */
void okvm_mark_page_dirty(struct okvm_vm *vm, u64 gfn)
{
	const struct okvm_memslot *slot;
	int idx;

	idx = srcu_read_lock(&vm->srcu);
	slot = okvm_memslots_find(srcu_dereference(vm->memslots, &vm->srcu),
				  gfn);
	if (slot)
		okvm_slot_mark_dirty(slot, gfn);
	srcu_read_unlock(&vm->srcu, idx);
}

/* The slot @log names, if it is logged. Caller holds slots_lock. */
static int dirty_log_slot(struct okvm_vm *vm, u32 slot_nr,
			  const struct okvm_memslot **slotp)
{
	u16 as_id = slot_nr >> 16, id = (u16)slot_nr;

	if (as_id >= OKVM_ADDRESS_SPACES || id >= OKVM_USER_MEM_SLOTS)
		return -EINVAL;
	*slotp = okvm_memslots_find_id(okvm_memslots(vm), id);
	if (!*slotp || !(*slotp)->dirty_bitmap)
		return -ENOENT;
	return 0;
}

/*
 * Protect [@first, @last) of @slot's pages again, i.e. end a run of
 * cleared bits. Caller holds the write lock; the walks flush TLBs.
 */
static void dirty_log_protect_run(struct okvm_vm *vm,
				  const struct okvm_memslot *slot,
				  u64 first, u64 last)
{
	if (first < last)
		dirty_log_protect(vm, slot->base_gfn + first, last - first);
}

/**
 * okvm_vm_get_dirty_log() - KVM_GET_DIRTY_LOG
 * @vm: the VM
 * @log: the request: slot (address space << 16 | id) and user buffer
 *
 * Copies out the pages written since the last call and starts the next
 * interval: their bits are cleared and their mappings write-protected.
 * With manual protect, only copies the bits out: KVM_CLEAR_DIRTY_LOG
 * clears and protects.
 * Return: 0, -EINVAL for a bad slot number, -ENOENT for a slot that does
 * not exist or is not logged, -EFAULT for the buffer.
 */
int okvm_vm_get_dirty_log(struct okvm_vm *vm, const struct kvm_dirty_log *log)
{
	const struct okvm_memslot *slot;
	unsigned long *bits, *snap, n, i, first = ULONG_MAX, last = 0;
	int r;

	mutex_lock(&vm->slots_lock);
	r = dirty_log_slot(vm, log->slot, &slot);
	if (r)
		goto out;
	n = dirty_longs(slot);
	bits = slot->dirty_bitmap;
	snap = bits + n;

	if (vm->manual_dirty_log_protect) {
		/* As KVM: a racy read of the live bits, nothing changes. */
		if (copy_to_user(log->dirty_bitmap, bits, n * sizeof(long)))
			r = -EFAULT;
		goto out;
	}

	write_lock(vm->mmu.lock);
	for (i = 0; i < n; i++) {
		snap[i] = READ_ONCE(bits[i]) ? xchg(&bits[i], 0) : 0;
		if (!snap[i])
			continue;
		first = min(first, i);
		last = i;
	}
	/*
	 * One pass from the first to the last dirty page: the clean pages in
	 * between are read-only already (the rule above), so the walk changes
	 * only the pages just taken, and flushes TLBs once.
	 */
	if (first != ULONG_MAX)
		dirty_log_protect_run(vm, slot, first * BITS_PER_LONG,
				      min_t(u64, (last + 1) * BITS_PER_LONG,
					    slot->npages));
	write_unlock(vm->mmu.lock);

	if (copy_to_user(log->dirty_bitmap, snap, n * sizeof(long)))
		r = -EFAULT;
out:
	mutex_unlock(&vm->slots_lock);
	return r;
}

/**
 * okvm_vm_clear_dirty_log() - KVM_CLEAR_DIRTY_LOG
 * @vm: the VM
 * @log: slot, the first page (a multiple of 64), the number of pages (a
 *	multiple of 64 unless the range ends at the slot's end) and the
 *	user's bitmap of pages to clear, bit 0 = @first_page
 *
 * Clears the named bits that are set and write-protects those pages, so
 * that their next write is logged again. As KVM, with or without manual
 * protect enabled, and bits past the slot's end are ignored.
 * Return: 0, or (in KVM's order) -EINVAL for a bad slot number or an
 * unaligned first page, -ENOENT for a missing or unlogged slot, -EINVAL
 * for a range outside the slot or unaligned length, -EFAULT for the
 * bitmap.
 */
int okvm_vm_clear_dirty_log(struct okvm_vm *vm,
			    const struct kvm_clear_dirty_log *log)
{
	const struct okvm_memslot *slot;
	unsigned long *bits, *mask, i, nlongs;
	u64 run_first = 0, run_last = 0;
	int r;

	if ((u16)log->slot >= OKVM_USER_MEM_SLOTS ||
	    (log->slot >> 16) >= OKVM_ADDRESS_SPACES || (log->first_page & 63))
		return -EINVAL;

	mutex_lock(&vm->slots_lock);
	r = dirty_log_slot(vm, log->slot, &slot);
	if (r)
		goto out;
	if (log->first_page > slot->npages ||
	    log->num_pages > slot->npages - log->first_page ||
	    (log->num_pages < slot->npages - log->first_page &&
	     (log->num_pages & 63))) {
		r = -EINVAL;
		goto out;
	}
	nlongs = DIV_ROUND_UP(log->num_pages, BITS_PER_LONG);
	bits = slot->dirty_bitmap + log->first_page / BITS_PER_LONG;
	mask = slot->dirty_bitmap + dirty_longs(slot);
	if (copy_from_user(mask, log->dirty_bitmap, nlongs * sizeof(long))) {
		r = -EFAULT;
		goto out;
	}

	write_lock(vm->mmu.lock);
	/*
	 * Protect contiguous runs of cleared pages with one walk each: for
	 * the usual "clear everything" request that is one walk and one TLB
	 * flush for the whole range.
	 */
	for (i = 0; i < nlongs; i++) {
		u64 base = log->first_page + i * BITS_PER_LONG;
		unsigned long m = mask[i];

		if (m)
			m &= atomic_long_fetch_andnot(m, (atomic_long_t *)&bits[i]);
		while (m) {
			/* The run of set bits [lo, hi) that starts at m's lowest. */
			unsigned long lo = __ffs(m), ones_end = ~(m >> lo);
			unsigned long hi = ones_end ? lo + __ffs(ones_end) :
					   BITS_PER_LONG;

			if (base + lo != run_last) {
				dirty_log_protect_run(vm, slot, run_first, run_last);
				run_first = base + lo;
			}
			run_last = base + hi;
			m &= hi < BITS_PER_LONG ? ~0UL << hi : 0;
		}
	}
	dirty_log_protect_run(vm, slot, run_first, run_last);
	write_unlock(vm->mmu.lock);
out:
	mutex_unlock(&vm->slots_lock);
	return r;
}
