// SPDX-License-Identifier: GPL-2.0-only
/*
 * Dirty logging: KVM_MEM_LOG_DIRTY_PAGES and KVM_GET_DIRTY_LOG.
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
 * that KVM_GET_DIRTY_LOG copies out after dropping the lock.
 */
#include <linux/bitops.h>
#include <linux/kvm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "okvm.h"

static unsigned long dirty_longs(const struct okvm_memslot *slot)
{
	return BITS_TO_LONGS(slot->npages);
}

/**
 * okvm_dirty_log_prepare() - give a slot-to-be its dirty bitmap
 * @old: the slot as it was, or NULL for a new slot
 * @new: the slot as it will be; its flags say whether it is logged
 *
 * A slot that stays logged (a move, a flags change) keeps its bitmap and
 * so its dirty bits; one that starts being logged gets a clear one.
 * Context: the VM's slots_lock, before the new set is published.
 * Return: 0 or -ENOMEM.
 */
int okvm_dirty_log_prepare(const struct okvm_memslot *old,
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
	return new->dirty_bitmap ? 0 : -ENOMEM;
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

/**
 * okvm_vm_get_dirty_log() - KVM_GET_DIRTY_LOG
 * @vm: the VM
 * @log: the request: slot (address space << 16 | id) and user buffer
 *
 * Copies out the pages written since the last call and starts the next
 * interval: their bits are cleared and their mappings write-protected.
 * Return: 0, -EINVAL for a bad slot number, -ENOENT for a slot that does
 * not exist or is not logged, -EFAULT for the buffer.
 */
int okvm_vm_get_dirty_log(struct okvm_vm *vm, const struct kvm_dirty_log *log)
{
	u16 as_id = log->slot >> 16, id = (u16)log->slot;
	const struct okvm_memslot *slot;
	unsigned long *bits, *snap, n, i, first = ULONG_MAX, last = 0;
	int r = 0;

	if (as_id >= OKVM_ADDRESS_SPACES || id >= OKVM_USER_MEM_SLOTS)
		return -EINVAL;

	mutex_lock(&vm->slots_lock);
	slot = okvm_memslots_find_id(okvm_memslots(vm), id);
	if (!slot || !slot->dirty_bitmap) {
		r = -ENOENT;
		goto out;
	}
	n = dirty_longs(slot);
	bits = slot->dirty_bitmap;
	snap = bits + n;

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
	if (first != ULONG_MAX) {
		u64 start = first * BITS_PER_LONG;
		u64 end = min_t(u64, (last + 1) * BITS_PER_LONG, slot->npages);

		okvm_mmu_wrprot(&vm->mmu, slot->base_gfn + start, end - start);
	}
	write_unlock(vm->mmu.lock);

	if (copy_to_user(log->dirty_bitmap, snap, n * sizeof(long)))
		r = -EFAULT;
out:
	mutex_unlock(&vm->slots_lock);
	return r;
}
