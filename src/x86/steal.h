/* SPDX-License-Identifier: GPL-2.0-only */
/* KVM steal time (src/x86/steal.c). */
#ifndef OKVM_X86_STEAL_H
#define OKVM_X86_STEAL_H

#include "okvm.h"

void okvm_steal_time_update(struct okvm_vcpu *vcpu);
void okvm_steal_time_reset(struct okvm_vcpu *vcpu);
int okvm_steal_msr(struct okvm_vcpu *vcpu, u64 *data, bool write, bool host);

#endif /* OKVM_X86_STEAL_H */
