/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef OKVM_X86_KVMCLOCK_H
#define OKVM_X86_KVMCLOCK_H

#include <linux/kvm.h>

#include "okvm.h"

/* KVM_SET_CLOCK flags; also KVM_CAP_ADJUST_CLOCK's value. */
#define OKVM_CLOCK_FLAGS	(KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | \
				 KVM_CLOCK_HOST_TSC)

void okvm_kvmclock_vm_init(struct okvm_vm *vm);
void okvm_kvmclock_before_entry(struct okvm_vcpu *vcpu);
bool okvm_kvmclock_stale(struct okvm_vcpu *vcpu, int cpu);
int okvm_kvmclock_msr_get(struct okvm_vcpu *vcpu, u32 index, u64 *data,
			  bool host);
int okvm_kvmclock_msr_set(struct okvm_vcpu *vcpu, u32 index, u64 data,
			  bool host);
long okvm_kvmclock_vm_ioctl(struct okvm_vm *vm, unsigned int ioctl,
			    void __user *argp);

#endif /* OKVM_X86_KVMCLOCK_H */
