/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest XSAVE/XCR0 and the XSAVE/XCRS/DEBUGREGS ioctls (xsave.c).
 */
#ifndef OKVM_X86_XSAVE_H
#define OKVM_X86_XSAVE_H

#include <linux/kvm.h>
#include <linux/types.h>

struct okvm_vcpu;

extern u64 okvm_supported_xcr0;	/* 0 if guests get no XSAVE */
extern u64 okvm_host_xcr0;
extern u32 okvm_mxcsr_mask;

void okvm_xsave_setup(void);
u32 okvm_xsave_cpuid1_ecx(u32 host_ecx);
int okvm_xsave_cpuid(struct kvm_cpuid_entry2 *e, int max);
void okvm_xsave_update_cpuid(struct okvm_vcpu *vcpu);
u64 okvm_xsave_cr4_bits(struct okvm_vcpu *vcpu);
int okvm_emulate_xsetbv(struct okvm_vcpu *vcpu);
long okvm_xsave_check_extension(long ext);
long okvm_xsave_vcpu_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
			   void __user *argp);

#endif /* OKVM_X86_XSAVE_H */
