/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KVM's MSR interface beyond plain get/set (msr.c): feature MSRs on
 * /dev/kvm, MSR_PLATFORM_INFO, MSR filters and MSR exits to userspace.
 */
#ifndef OKVM_X86_MSR_H
#define OKVM_X86_MSR_H

#include <linux/kvm.h>

#include "okvm.h"

/*
 * okvm_msr_get()/okvm_msr_set() results besides 0: 1 is an invalid access
 * to a known MSR, OKVM_MSR_UNSUPPORTED an MSR okvm does not know at all,
 * OKVM_MSR_FILTERED one the VM's MSR filter denies (KVM's KVM_MSR_RET_*).
 */
#define OKVM_MSR_UNSUPPORTED	2
#define OKVM_MSR_FILTERED	3

long okvm_msr_dev_ioctl(unsigned int ioctl, void __user *argp);
int okvm_msr_vm_enable_cap(struct okvm_vm *vm, const struct kvm_enable_cap *cap);
long okvm_msr_vm_ioctl(struct okvm_vm *vm, unsigned int ioctl,
		       void __user *argp);
void okvm_msr_vm_free(struct okvm_vm *vm);
void okvm_msr_vcpu_init(struct okvm_vcpu *vcpu);
int okvm_msr_ext(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool write,
		 bool host);
int okvm_msr_exit(struct okvm_vcpu *vcpu);
int okvm_msr_complete_user(struct okvm_vcpu *vcpu);

#endif /* OKVM_X86_MSR_H */
