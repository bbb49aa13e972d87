/* SPDX-License-Identifier: GPL-2.0-only */
/* Guest linear memory through the guest's page tables (guest_virt.c). */
#ifndef OKVM_X86_GUEST_VIRT_H
#define OKVM_X86_GUEST_VIRT_H

#include "x86/gwalk.h"

struct okvm_vcpu;

u32 okvm_gva_access_user(struct okvm_vcpu *vcpu);
int okvm_read_gva(struct okvm_vcpu *vcpu, u64 la, void *buf, unsigned int len,
		  u32 access, struct okvm_gwalk_result *res);
int okvm_write_gva(struct okvm_vcpu *vcpu, u64 la, const void *buf,
		   unsigned int len, struct okvm_gwalk_result *res);
void okvm_queue_gva_fault(struct okvm_vcpu *vcpu,
			  const struct okvm_gwalk_result *res);
long okvm_translate(struct okvm_vcpu *vcpu, unsigned int ioctl,
		    void __user *argp);

#endif /* OKVM_X86_GUEST_VIRT_H */
