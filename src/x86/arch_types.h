/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x86 parts of the VM and vCPU objects (embedded in struct okvm_vm and
 * struct okvm_vcpu). Found through the arch include path set by Kbuild.
 */
#ifndef OKVM_X86_ARCH_TYPES_H
#define OKVM_X86_ARCH_TYPES_H

#include <linux/kvm.h>

/* Entries in a vCPU's KVM_SET_CPUID2 table, as KVM_MAX_CPUID_ENTRIES. */
#define OKVM_MAX_CPUID_ENTRIES	256

struct okvm_vm_arch {
	u32 bsp_vcpu_id;
};

struct okvm_vcpu_arch {
	u32 tsc_khz;
	int cpuid_nent;
	struct kvm_cpuid_entry2 *cpuid;	/* KVM_SET_CPUID2 table, or NULL */
};

#endif /* OKVM_X86_ARCH_TYPES_H */
