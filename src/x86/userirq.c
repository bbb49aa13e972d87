// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interrupts from a userspace irqchip (a VM without KVM_CREATE_IRQCHIP):
 * KVM_INTERRUPT, the interrupt window that kvm_run->request_interrupt_window
 * asks for (KVM_EXIT_IRQ_WINDOW_OPEN), and the kvm_run fields that tell
 * userspace whether it may inject now.
 */
#include <linux/kvm.h>
#include <linux/uaccess.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include "irqchip.h"
#include "svm.h"
#include "userirq.h"

static bool user_irqchip(struct okvm_vcpu *vcpu)
{
	return !vcpu->arch.irq.apic;
}

/* The guest takes an external interrupt now (IF set, no shadow, no event). */
static bool ready_for_injection(struct okvm_vcpu *vcpu)
{
	struct vmcb *vmcb = vcpu->arch.vmcb;

	return (vmcb->save.rflags & X86_EFLAGS_IF) &&
	       !(vmcb->control.int_state & SVM_INTERRUPT_SHADOW_MASK) &&
	       !(vmcb->control.event_inj & SVM_EVTINJ_VALID) &&
	       !vcpu->arch.user_irq_pending;
}

/**
 * okvm_userirq_vcpu_ioctl() - KVM_INTERRUPT
 * @vcpu: the vCPU, its mutex held
 * @ioctl: the ioctl number
 * @argp: its argument
 *
 * Return: 0, -errno, or -ENOIOCTLCMD for an ioctl not handled here.
 */
long okvm_userirq_vcpu_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
			     void __user *argp)
{
	struct kvm_interrupt irq;

	if (ioctl != KVM_INTERRUPT)
		return -ENOIOCTLCMD;
	if (copy_from_user(&irq, argp, sizeof(irq)))
		return -EFAULT;
	/* KVM checks the vector first, then the irqchip. */
	if (irq.irq >= 256)
		return -EINVAL;
	/* The in-kernel irqchip owns injection (okvm has no split irqchip). */
	if (!user_irqchip(vcpu))
		return -ENXIO;
	/*
	 * Like KVM, the vector is queued as if already acknowledged: it is
	 * delivered on the next entry whatever the guest's IF, as userspace is
	 * to call this only when ready_for_interrupt_injection said so.
	 */
	vcpu->arch.user_irq = irq.irq;
	vcpu->arch.user_irq_pending = true;
	return 0;
}

/**
 * okvm_userirq_before_entry() - inject a queued vector, open a window
 * @vcpu: the vCPU, in its run loop
 */
void okvm_userirq_before_entry(struct okvm_vcpu *vcpu)
{
	struct vmcb_control_area *c = &vcpu->arch.vmcb->control;

	if (!user_irqchip(vcpu))
		return;
	/* An NMI set pending with KVM_SET_VCPU_EVENTS: nothing else sends it. */
	if (vcpu->arch.irq.nmi_pending && !(c->event_inj & SVM_EVTINJ_VALID)) {
		c->event_inj = 2 /* NMI */ | SVM_EVTINJ_TYPE_NMI | SVM_EVTINJ_VALID;
		vcpu->arch.irq.nmi_pending = false;
	}
	/* A re-injected event goes first; the vector waits one entry. */
	if (vcpu->arch.user_irq_pending && !(c->event_inj & SVM_EVTINJ_VALID)) {
		c->event_inj = vcpu->arch.user_irq | SVM_EVTINJ_TYPE_INTR |
			       SVM_EVTINJ_VALID;
		vcpu->arch.user_irq_pending = false;
	}
	/*
	 * As KVM on SVM: a virtual interrupt the guest takes as soon as it
	 * can exits with VINTR, at once if the window is open already.
	 */
	if (vcpu->run->request_interrupt_window) {
		c->int_ctl |= V_IRQ_MASK | V_IGN_TPR_MASK |
			      (0xf << V_INTR_PRIO_SHIFT);
		c->intercepts[INTERCEPT_VINTR / 32] |=
			1U << (INTERCEPT_VINTR % 32);
	}
}

/**
 * okvm_userirq_after_exit() - close the window opened for this entry
 * @vcpu: the vCPU, after #VMEXIT
 */
void okvm_userirq_after_exit(struct okvm_vcpu *vcpu)
{
	struct vmcb_control_area *c = &vcpu->arch.vmcb->control;

	if (!user_irqchip(vcpu))
		return;
	c->int_ctl &= ~(V_IRQ_MASK | V_IGN_TPR_MASK | V_INTR_PRIO_MASK);
	c->intercepts[INTERCEPT_VINTR / 32] &= ~(1U << (INTERCEPT_VINTR % 32));
}

/**
 * okvm_userirq_window_exit() - stop for KVM_EXIT_IRQ_WINDOW_OPEN?
 * @vcpu: the vCPU, an exit handled that would re-enter the guest
 *
 * Return: true with run->exit_reason set if userspace asked for the window
 * and the guest can take an interrupt now.
 */
bool okvm_userirq_window_exit(struct okvm_vcpu *vcpu)
{
	if (!user_irqchip(vcpu) || !vcpu->run->request_interrupt_window ||
	    !ready_for_injection(vcpu))
		return false;
	vcpu->run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
	return true;
}

/**
 * okvm_userirq_post_run() - the kvm_run fields KVM sets on every KVM_RUN return
 * @vcpu: the vCPU, its mutex held
 */
void okvm_userirq_post_run(struct okvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct vmcb *vmcb = vcpu->arch.vmcb;
	u64 apic_base;

	run->if_flag = !!(vmcb->save.rflags & X86_EFLAGS_IF);
	run->cr8 = vmcb->control.int_ctl & V_TPR_MASK;
	if (okvm_irqchip_msr(vcpu, MSR_IA32_APICBASE, &apic_base, false, true))
		apic_base = vcpu->arch.apic_base;
	run->apic_base = apic_base;
	/* With an in-kernel irqchip userspace never injects: always ready. */
	run->ready_for_interrupt_injection = !user_irqchip(vcpu) ||
					     ready_for_injection(vcpu);
}
