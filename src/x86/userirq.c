// SPDX-License-Identifier: GPL-2.0-only
/*
 * A userspace irqchip (a VM without KVM_CREATE_IRQCHIP): the interrupt
 * window kvm_run->request_interrupt_window asks for
 * (KVM_EXIT_IRQ_WINDOW_OPEN), and the kvm_run fields that tell userspace
 * whether it may inject now. KVM_INTERRUPT itself feeds the event queue
 * (events.c).
 */
#include <linux/kvm.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "irqchip/irqchip.h"
#include "userirq.h"
#include "x86.h"

static bool user_irqchip(struct okvm_vcpu *vcpu)
{
	return !vcpu->arch.irq.apic;
}

/* The guest takes an external interrupt now (IF, no shadow, no event). */
static bool ready_for_injection(struct okvm_vcpu *vcpu)
{
	return !okvm_x86_ops.interrupt_blocked(vcpu) &&
	       !okvm_event_injected(vcpu) && !vcpu->arch.ev.exc.pending;
}

/**
 * okvm_userirq_wants_window() - did userspace ask for an interrupt window?
 * @vcpu: the vCPU, about to enter
 */
bool okvm_userirq_wants_window(struct okvm_vcpu *vcpu)
{
	if (!vcpu->run->request_interrupt_window)
		return false;
	/*
	 * A split irqchip's PIC is the VMM's too: as KVM, the window is for
	 * an ExtINT the APIC would take now.
	 */
	return user_irqchip(vcpu) ||
	       (okvm_irqchip_split(vcpu) && okvm_irqchip_ready_for_extint(vcpu));
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
	if (!okvm_userirq_wants_window(vcpu) || !ready_for_injection(vcpu))
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
	u64 apic_base = 0;

	run->if_flag = !!(okvm_rflags_read(vcpu) & X86_EFLAGS_IF);
	run->cr8 = okvm_cr_read(vcpu, OKVM_CR8);
	okvm_msr_get(vcpu, MSR_IA32_APICBASE, &apic_base, true);
	run->apic_base = apic_base;
	/* With an in-kernel irqchip userspace never injects: always ready. */
	if (user_irqchip(vcpu))
		run->ready_for_interrupt_injection = ready_for_injection(vcpu);
	else if (okvm_irqchip_split(vcpu))
		run->ready_for_interrupt_injection = ready_for_injection(vcpu) &&
			okvm_irqchip_ready_for_extint(vcpu);
	else
		run->ready_for_interrupt_injection = 1;
}
