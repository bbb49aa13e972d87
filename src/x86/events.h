/* SPDX-License-Identifier: GPL-2.0-only */
/* Event state and sync regs (src/x86/events.c). */
#ifndef OKVM_X86_EVENTS_H
#define OKVM_X86_EVENTS_H

#include "okvm.h"

void okvm_get_vcpu_events(struct okvm_vcpu *vcpu, struct kvm_vcpu_events *e);
int okvm_set_vcpu_events(struct okvm_vcpu *vcpu, struct kvm_vcpu_events *e);
long okvm_events_vcpu_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
			    void __user *argp);
int okvm_sync_regs_in(struct okvm_vcpu *vcpu);
void okvm_sync_regs_out(struct okvm_vcpu *vcpu);

#endif /* OKVM_X86_EVENTS_H */
