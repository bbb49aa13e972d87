// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest-physical memory that okvm reads and writes itself (the guest's own
 * accesses go through the nested page tables): PV records (kvmclock, steal
 * time), and, through the x86 guest walker (src/x86/guest_virt.c), page
 * tables, instruction fetch and emulated loads and stores. Every write is
 * marked in the dirty log (dirty.c), as a guest write would be.
 *
 * Slots are found under vm->srcu; an access stays within one page.
 */
#include <linux/kvm.h>
#include <linux/uaccess.h>

#include "okvm.h"

/**
 * okvm_guest_hva() - the host address of guest memory okvm accesses itself
 * @vm: the VM
 * @gpa: guest-physical address
 * @len: bytes, within one page
 * @write: refuse read-only slots
 * @slotp: the slot found (for okvm_slot_mark_dirty())
 *
 * The caller holds vm->srcu.
 * Return: the host address of [@gpa, @gpa + @len), or 0.
 */
unsigned long okvm_guest_hva(struct okvm_vm *vm, u64 gpa, unsigned int len,
			     bool write, const struct okvm_memslot **slotp)
{
	const struct okvm_memslot *slot;

	/*
	 * Guest page tables may point at shared aliases; okvm reads what
	 * the VMM's mapping holds either way (as for a software-protected
	 * VM's private GPAs: guest_memfd is not read here).
	 */
	gpa = okvm_gpa_natural(vm, gpa);
	if ((gpa & ~PAGE_MASK) + len > PAGE_SIZE)
		return 0;
	slot = okvm_memslots_find(srcu_dereference(vm->memslots, &vm->srcu),
				  gpa >> PAGE_SHIFT);
	if (!slot || (write && (slot->flags & KVM_MEM_READONLY)))
		return 0;
	*slotp = slot;
	return okvm_memslot_gfn_to_hva(slot, gpa >> PAGE_SHIFT) +
	       (gpa & ~PAGE_MASK);
}

/**
 * okvm_read_guest() - read guest memory on okvm's behalf
 * @vm: the VM
 * @gpa: guest-physical address
 * @buf: where to
 * @len: bytes, within one page
 *
 * Return: 0, or -EFAULT where no slot (or no host page) backs @gpa.
 */
int okvm_read_guest(struct okvm_vm *vm, u64 gpa, void *buf, unsigned int len)
{
	const struct okvm_memslot *slot;
	unsigned long hva;
	int idx, r = -EFAULT;

	idx = srcu_read_lock(&vm->srcu);
	hva = okvm_guest_hva(vm, gpa, len, false, &slot);
	if (hva && !copy_from_user(buf, (void __user *)hva, len))
		r = 0;
	srcu_read_unlock(&vm->srcu, idx);
	return r;
}

/**
 * okvm_write_guest() - write guest memory on okvm's behalf, and log it
 * @vm: the VM
 * @gpa: guest-physical address
 * @buf: the bytes
 * @len: bytes, within one page
 *
 * For records okvm keeps in guest memory (kvmclock, steal time): the
 * write does not go through the nested page tables, so it is marked in
 * the dirty log here.
 * Return: 0, or -EFAULT where no writable slot (or host page) backs @gpa.
 */
int okvm_write_guest(struct okvm_vm *vm, u64 gpa, const void *buf,
		     unsigned int len)
{
	const struct okvm_memslot *slot;
	unsigned long hva;
	int idx, r = -EFAULT;

	idx = srcu_read_lock(&vm->srcu);
	hva = okvm_guest_hva(vm, gpa, len, true, &slot);
	if (hva && !copy_to_user((void __user *)hva, buf, len)) {
		r = 0;
		okvm_slot_mark_dirty(slot, okvm_gpa_natural(vm, gpa) >> PAGE_SHIFT);
	}
	srcu_read_unlock(&vm->srcu, idx);
	return r;
}

