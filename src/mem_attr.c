// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memory attributes (KVM_SET_MEMORY_ATTRIBUTES): which GFNs of a VM are
 * private.  One value per GFN in an xarray, absent meaning "no attribute"
 * (shared), as KVM keeps them.
 *
 * A conversion is an invalidation of GFNs rather than of HVAs: it runs
 * between okvm_mmu_invalidate_begin() and okvm_mmu_invalidate_end()
 * (src/notifier.c) over every HVA, so a fault that looked an attribute up
 * before or during the change retries instead of mapping the old kind,
 * and the old kind's mappings are zapped inside that window.  The entries
 * are reserved before the window opens, so the stores inside it cannot
 * fail and a failed request changes nothing.
 */
#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/xarray.h>

#include "okvm.h"

/**
 * okvm_supported_mem_attributes() - the attributes a VM may set
 * @vm: the VM, or NULL for the system fd's KVM_CHECK_EXTENSION
 *
 * As KVM: the private attribute where the VM has private memory, and on
 * the system fd, where some VM type has it.
 *
 * Return: a KVM_MEMORY_ATTRIBUTE_* mask.
 */
u64 okvm_supported_mem_attributes(const struct okvm_vm *vm)
{
	/* Only x86 has VM types with private memory (KVM: the same). */
	if (!IS_ENABLED(CONFIG_X86))
		return 0;
	if (!vm || vm->has_private_mem)
		return KVM_MEMORY_ATTRIBUTE_PRIVATE;
	return 0;
}

/**
 * okvm_mem_is_private() - is @gfn private now?
 * @vm: the VM
 * @gfn: natural GFN
 *
 * Context: any (RCU inside the xarray).  The answer may change at once;
 * the fault path orders it with conversions through the invalidation
 * sequence.
 * Return: true if the private attribute is set.
 */
bool okvm_mem_is_private(struct okvm_vm *vm, u64 gfn)
{
	if (!vm->has_private_mem)
		return false;
	return xa_to_value(xa_load(&vm->mem_attr_array, gfn)) &
	       KVM_MEMORY_ATTRIBUTE_PRIVATE;
}

/* Do all GFNs of [@start, @end) have exactly @attrs already? */
static bool range_has_attrs(struct okvm_vm *vm, u64 start, u64 end, u64 attrs)
{
	unsigned long idx = start;
	u64 gfn;

	/* "None" is the absence of entries: one search, however large. */
	if (!attrs)
		return !xa_find(&vm->mem_attr_array, &idx, end - 1, XA_PRESENT);
	for (gfn = start; gfn < end; gfn++) {
		if (xa_to_value(xa_load(&vm->mem_attr_array, gfn)) != attrs)
			return false;
		cond_resched();
	}
	return true;
}

/**
 * okvm_vm_set_memory_attributes() - KVM_SET_MEMORY_ATTRIBUTES
 * @vm: the VM
 * @attrs: the request
 *
 * KVM's checks, in KVM's order: flags, unsupported attributes, an empty
 * or wrapping range, alignment.  Then every GFN of the range gets exactly
 * @attrs->attributes, and the mappings of the kind the GFNs leave are
 * zapped (going private: the direct root's shared mappings; going shared:
 * the mirror root's private ones).
 *
 * Return: 0; -EINVAL for a bad request; -ENOMEM (nothing changed);
 * -ENOTTY where the arch has no memory attributes.
 */
int okvm_vm_set_memory_attributes(struct okvm_vm *vm,
				  const struct kvm_memory_attributes *attrs)
{
	u64 start, end, gfn, val = attrs->attributes;
	void *entry;
	int r = 0;

	if (!IS_ENABLED(CONFIG_X86))
		return -ENOTTY;
	if (attrs->flags)
		return -EINVAL;
	if (val & ~okvm_supported_mem_attributes(vm))
		return -EINVAL;
	if (!attrs->size || attrs->address + attrs->size < attrs->address)
		return -EINVAL;
	if (!PAGE_ALIGNED(attrs->address) || !PAGE_ALIGNED(attrs->size))
		return -EINVAL;
	/* An xarray index is an unsigned long, as KVM's (64-bit only). */
	BUILD_BUG_ON(sizeof(attrs->attributes) != sizeof(unsigned long));

	start = attrs->address >> PAGE_SHIFT;
	end = (attrs->address + attrs->size) >> PAGE_SHIFT;
	/* Only now: an xarray value cannot hold bit 63 (unsupported anyway). */
	entry = val ? xa_mk_value(val) : NULL;

	mutex_lock(&vm->slots_lock);
	if (range_has_attrs(vm, start, end, val))
		goto out;

	for (gfn = start; gfn < end; gfn++) {
		r = xa_reserve(&vm->mem_attr_array, gfn, GFP_KERNEL_ACCOUNT);
		if (r)
			goto out_release;
		cond_resched();
	}

	okvm_mmu_invalidate_begin(vm, 0, ULONG_MAX);
	okvm_zap_gfn_range(vm, val & KVM_MEMORY_ATTRIBUTE_PRIVATE ?
			   OKVM_ROOT_DIRECT : OKVM_ROOT_MIRROR, start, end - start);
	for (gfn = start; gfn < end; gfn++) {
		/* Reserved above: the store allocates nothing. */
		OKVM_BUG_ON(xa_err(xa_store(&vm->mem_attr_array, gfn, entry,
					    GFP_KERNEL_ACCOUNT)), vm);
		cond_resched();
	}
	okvm_mmu_invalidate_end(vm);
	goto out;

out_release:
	/* Drop the reservations just made; set entries are not touched. */
	while (gfn-- > start)
		xa_release(&vm->mem_attr_array, gfn);
out:
	mutex_unlock(&vm->slots_lock);
	return r;
}

/**
 * okvm_mem_attr_init() - an empty attribute store
 * @vm: a VM being created
 */
void okvm_mem_attr_init(struct okvm_vm *vm)
{
	xa_init(&vm->mem_attr_array);
}

/**
 * okvm_mem_attr_destroy() - free the attribute store
 * @vm: a VM being destroyed
 */
void okvm_mem_attr_destroy(struct okvm_vm *vm)
{
	xa_destroy(&vm->mem_attr_array);
}
