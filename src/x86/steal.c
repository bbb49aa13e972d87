// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM steal time (MSR_KVM_STEAL_TIME, KVM_FEATURE_STEAL_TIME): a record in
 * guest memory telling the guest how long its vCPU thread was runnable
 * but waiting for a host CPU. The source is the scheduler's own count,
 * current->sched_info.run_delay, so the feature needs CONFIG_SCHED_INFO.
 *
 * The record is refreshed at the start of every KVM_RUN, with the version
 * protocol (odd while it changes): the vCPU thread is the only writer, and
 * only it, in the host, between guest runs. The preempted byte is kept 0:
 * okvm does not offer the PV TLB flush that reads it.
 */
#include <linux/kvm.h>
#include <linux/sched.h>
#include <asm/kvm_para.h>

#include "pv.h"
#include "x86.h"
#include "steal.h"

/**
 * okvm_steal_time_update() - add the time the vCPU waited to its record
 * @vcpu: the vCPU, entering KVM_RUN
 *
 * A record outside guest RAM is skipped, as KVM does.
 */
void okvm_steal_time_update(struct okvm_vcpu *vcpu)
{
#ifdef CONFIG_SCHED_INFO
	u64 delay = current->sched_info.run_delay;
	u64 gpa = vcpu->arch.steal_msr & KVM_STEAL_VALID_BITS;
	u64 vgpa = gpa + offsetof(struct kvm_steal_time, version);
	struct okvm_vm *vm = vcpu->vm;
	struct kvm_steal_time st;

	if (!(vcpu->arch.steal_msr & KVM_MSR_ENABLED) ||
	    okvm_read_guest(vm, gpa, &st, sizeof(st)))
		return;
	/* An odd version from the guest (say, junk) starts a new sequence. */
	st.version += (st.version & 1) + 1;
	if (okvm_write_guest(vm, vgpa, &st.version, sizeof(st.version)))
		return;
	smp_wmb();	/* odd version before the data, as the guest reads */
	st.steal += delay - vcpu->arch.steal_last;
	vcpu->arch.steal_last = delay;
	st.flags = 0;
	st.preempted = 0;
	okvm_write_guest(vm, gpa, &st, sizeof(st));
	smp_wmb();	/* the data before the even version */
	st.version++;
	okvm_write_guest(vm, vgpa, &st.version, sizeof(st.version));
#endif
}

/**
 * okvm_steal_msr() - RDMSR/WRMSR and KVM_GET/SET_MSRS of MSR_KVM_STEAL_TIME
 * @vcpu: the vCPU
 * @data: the value to write, or where to read it to
 * @write: a write
 * @host: from userspace
 *
 * Userspace may always read and restore it; the guest only with the
 * feature, which is offered only with CONFIG_SCHED_INFO.
 * Return: 0, or 1 (#GP / refused) for reserved bits, or for a guest that
 * may not use the feature.
 */
int okvm_steal_msr(struct okvm_vcpu *vcpu, u64 *data, bool write, bool host)
{
	if (!host && (!IS_ENABLED(CONFIG_SCHED_INFO) ||
		      !okvm_guest_pv_has(vcpu, KVM_FEATURE_STEAL_TIME)))
		return 1;
	if (!write) {
		*data = vcpu->arch.steal_msr;
		return 0;
	}
	if (*data & KVM_STEAL_RESERVED_MASK)
		return 1;
	/* Enabling starts counting from now, as KVM's first update does. */
	if ((*data & KVM_MSR_ENABLED) &&
	    !(vcpu->arch.steal_msr & KVM_MSR_ENABLED))
		okvm_steal_time_reset(vcpu);
	vcpu->arch.steal_msr = *data;
	return 0;
}

void okvm_steal_time_reset(struct okvm_vcpu *vcpu)
{
#ifdef CONFIG_SCHED_INFO
	vcpu->arch.steal_last = current->sched_info.run_delay;
#endif
}
