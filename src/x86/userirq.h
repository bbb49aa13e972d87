/* SPDX-License-Identifier: GPL-2.0-only */
/* A userspace irqchip: the interrupt window and kvm_run's fields. */
#ifndef OKVM_X86_USERIRQ_H
#define OKVM_X86_USERIRQ_H

#include <linux/types.h>

struct okvm_vcpu;

bool okvm_userirq_wants_window(struct okvm_vcpu *vcpu);
bool okvm_userirq_window_exit(struct okvm_vcpu *vcpu);
void okvm_userirq_post_run(struct okvm_vcpu *vcpu);

#endif /* OKVM_X86_USERIRQ_H */
