/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest TSC: one offset per vCPU on top of the host TSC (no scaling),
 * kept in vcpu->arch.tsc_offset and mirrored into the VMCB. Everything that
 * reads or moves the guest TSC goes through here.
 */
#ifndef OKVM_X86_TSC_H
#define OKVM_X86_TSC_H

#include <linux/kvm.h>
#include <asm/msr.h>

#include "okvm.h"

/**
 * okvm_guest_tsc() - the guest TSC for a given host TSC value
 * @vcpu: the vCPU
 * @host_tsc: a host TSC reading (rdtsc())
 *
 * Return: what RDTSC in the guest returns at @host_tsc.
 */
static inline u64 okvm_guest_tsc(struct okvm_vcpu *vcpu, u64 host_tsc)
{
	return host_tsc + READ_ONCE(vcpu->arch.tsc_offset);
}

/* The guest TSC now. */
static inline u64 okvm_read_guest_tsc(struct okvm_vcpu *vcpu)
{
	return okvm_guest_tsc(vcpu, rdtsc());
}

void okvm_tsc_vm_init(struct okvm_vm *vm);
void okvm_tsc_vcpu_init(struct okvm_vcpu *vcpu);
int okvm_tsc_msr(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool write,
		 bool host);
long okvm_tsc_attr_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
			 void __user *argp);

#endif /* OKVM_X86_TSC_H */
