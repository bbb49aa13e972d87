// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_CHECK_EXTENSION: the one table of what okvm offers.
 *
 * A capability is listed only when all of it works; anything else answers
 * 0, so KVM clients take their fallback path (and upstream tests skip)
 * rather than fail on a half-done feature.
 */
#include <linux/kvm.h>
#include <uapi/linux/okvm.h>

#include "arch.h"
#include "okvm.h"

/**
 * okvm_check_extension() - the value of capability @ext
 * @vm: the VM asked through (KVM_CHECK_EXTENSION on a VM fd), or NULL
 * @ext: a KVM_CAP_* number
 *
 * Return: 0 if @ext is not offered, else its value (1 for booleans).
 */
long okvm_check_extension(struct okvm_vm *vm, long ext)
{
	switch (ext) {
	case KVM_CAP_USER_MEMORY:
	case KVM_CAP_USER_MEMORY2:
	case KVM_CAP_DESTROY_MEMORY_REGION_WORKS:
	case KVM_CAP_JOIN_MEMORY_REGIONS_WORKS:
	case KVM_CAP_CHECK_EXTENSION_VM:
	case KVM_CAP_ENABLE_CAP_VM:
	case KVM_CAP_IMMEDIATE_EXIT:
	case KVM_CAP_BINARY_STATS_FD:
	case KVM_CAP_PRE_FAULT_MEMORY:
	/* src/eventfd.c; KVM_CAP_IRQFD_RESAMPLE is not offered yet. */
	case KVM_CAP_IOEVENTFD:
	case KVM_CAP_IOEVENTFD_ANY_LENGTH:
	case KVM_CAP_IOEVENTFD_NO_LENGTH:
	case KVM_CAP_IRQFD:
	case OKVM_CAP_AGE_BITMAP:
		return 1;
	case KVM_CAP_GUEST_MEMFD:
		/* As KVM: offered, but bindable only in a VM with private memory. */
		return !vm || vm->has_private_mem;
	case KVM_CAP_MEMORY_ATTRIBUTES:
		return okvm_supported_mem_attributes(vm);
	case KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2:
		return KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE |
		       KVM_DIRTY_LOG_INITIALLY_SET;
	case KVM_CAP_NR_MEMSLOTS:
		return OKVM_USER_MEM_SLOTS;
	case KVM_CAP_NR_VCPUS:
	case KVM_CAP_MAX_VCPUS:
		return OKVM_MAX_VCPUS;
	case KVM_CAP_MAX_VCPU_ID:
		/* As KVM: the global limit, also once a VM lowered its own. */
		return OKVM_MAX_VCPU_IDS;
	}

	return okvm_arch_check_extension(vm, ext);
}
