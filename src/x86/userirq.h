/* SPDX-License-Identifier: GPL-2.0-only */
/* Interrupts from a userspace irqchip: KVM_INTERRUPT and its window. */
#ifndef OKVM_X86_USERIRQ_H
#define OKVM_X86_USERIRQ_H

#include "okvm.h"

long okvm_userirq_vcpu_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
			     void __user *argp);
void okvm_userirq_before_entry(struct okvm_vcpu *vcpu);
void okvm_userirq_after_exit(struct okvm_vcpu *vcpu);
bool okvm_userirq_window_exit(struct okvm_vcpu *vcpu);
void okvm_userirq_post_run(struct okvm_vcpu *vcpu);

#endif /* OKVM_X86_USERIRQ_H */
