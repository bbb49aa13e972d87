/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A vCPU's irqchip state, embedded in struct okvm_vcpu_arch: types only,
 * so that the vCPU object does not pull in the irqchip's interface.
 */
#ifndef OKVM_X86_VCPU_IRQ_H
#define OKVM_X86_VCPU_IRQ_H

#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/rcuwait.h>

struct okvm_lapic;

/* As OKVM_MAX_VCPUS (okvm.h cannot be included here). */
#define OKVM_IRQCHIP_MAX_VCPUS	1024

/* Per-vCPU irqchip state, in struct okvm_vcpu_arch. */
struct okvm_vcpu_irq {
	struct okvm_lapic *apic;	/* NULL without KVM_CREATE_IRQCHIP */
	struct hrtimer timer;
	struct rcuwait wait;		/* HLT and wait-for-SIPI block here */
	atomic_t kick;			/* re-evaluate before entering */
	u32 mp_state;			/* KVM_MP_STATE_* */
	u8 tpr_loaded;			/* CR8 as loaded at the last entry */
	u64 vapic_addr;			/* KVM_SET_VAPIC_ADDR, 0: none */
	int ext_vector;			/* split: KVM_INTERRUPT's, or -1 */
	int eoi_exit;			/* split: KVM_EXIT_IOAPIC_EOI due, or -1 */
	u64 pv_eoi_msr;			/* MSR_KVM_PV_EOI_EN */
	bool pv_eoi_pending;		/* the guest's flag was set for this entry */
};

#endif /* OKVM_X86_VCPU_IRQ_H */
