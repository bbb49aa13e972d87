/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KVM's paravirtual interface for guests: the KVM CPUID leaves, hypercalls
 * and the hypercall-patching quirk.
 */
#ifndef OKVM_X86_PV_H
#define OKVM_X86_PV_H

#include <linux/kvm.h>
#include <linux/kvm_para.h>

#include "okvm.h"

/* Quirks okvm has and lets KVM_CAP_DISABLE_QUIRKS2 turn off. */
#define OKVM_SUPPORTED_QUIRKS	(KVM_X86_QUIRK_FIX_HYPERCALL_INSN | \
				 KVM_X86_QUIRK_OUT_7E_INC_RIP | \
				 KVM_X86_QUIRK_LINT0_REENABLED)

/* Hypercalls KVM_CAP_EXIT_HYPERCALL can send to userspace (KVM's set). */
#define OKVM_EXIT_HYPERCALL_VALID	BIT_ULL(KVM_HC_MAP_GPA_RANGE)

/* Exits KVM_CAP_X86_DISABLE_EXITS can turn off. */
#define OKVM_DISABLE_EXITS	KVM_X86_DISABLE_EXITS_HLT

int okvm_pv_supported_cpuid(struct kvm_cpuid_entry2 *e, int max);
void okvm_pv_update_cpuid(struct okvm_vcpu *vcpu, struct kvm_cpuid_entry2 *e,
			  int nent);
int okvm_pv_vm_enable_cap(struct okvm_vm *vm, const struct kvm_enable_cap *cap);
int okvm_pv_vcpu_enable_cap(struct okvm_vcpu *vcpu,
			    const struct kvm_enable_cap *cap);
void okvm_pv_before_entry(struct okvm_vcpu *vcpu);
int okvm_pv_hypercall(struct okvm_vcpu *vcpu);
int okvm_pv_handle_ud(struct okvm_vcpu *vcpu);
bool okvm_guest_pv_has(struct okvm_vcpu *vcpu, unsigned int bit);

#endif /* OKVM_X86_PV_H */
