// SPDX-License-Identifier: GPL-2.0-only
/*
 * Event state: KVM_GET/SET_VCPU_EVENTS, and sync regs (KVM_CAP_SYNC_REGS:
 * registers, special registers and events exchanged through kvm_run on
 * every KVM_RUN).
 *
 * An event in flight lives where SVM keeps it: the VMCB's EVENTINJ field
 * holds the one exception, interrupt or NMI to deliver at the next VMRUN
 * (queued by okvm, or re-injected from EXITINTINFO after an exit that
 * interrupted its delivery). KVM's state splits that slot by kind; the
 * mapping is one to one, except that KVM can describe an injected
 * exception and an injected interrupt at once, which one slot cannot hold
 * (-EINVAL, below). A pending NMI is delivered by the irqchip, or without
 * one by okvm_userirq_before_entry(). okvm has no SMM and
 * does not track NMI blocking, so those fields read as zero.
 */
#include <linux/kvm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/svm.h>
#include <asm/trapnr.h>

#include "events.h"
#include "irqchip.h"
#include "svm.h"

#define EVENTS_VALID_FLAGS (KVM_VCPUEVENT_VALID_NMI_PENDING |		\
			    KVM_VCPUEVENT_VALID_SIPI_VECTOR |		\
			    KVM_VCPUEVENT_VALID_SHADOW |		\
			    KVM_VCPUEVENT_VALID_SMM |			\
			    KVM_VCPUEVENT_VALID_PAYLOAD |		\
			    KVM_VCPUEVENT_VALID_TRIPLE_FAULT)

/**
 * okvm_get_vcpu_events() - the vCPU's event state in KVM's format
 * @vcpu: the vCPU, its mutex held (not running)
 * @e: filled in
 */
void okvm_get_vcpu_events(struct okvm_vcpu *vcpu, struct kvm_vcpu_events *e)
{
	const struct vmcb_control_area *c = &vcpu->arch.vmcb->control;
	u32 inj = c->event_inj;

	lockdep_assert_held(&vcpu->mutex);
	memset(e, 0, sizeof(*e));
	if (inj & SVM_EVTINJ_VALID) {
		u8 vector = inj & SVM_EVTINJ_VEC_MASK;

		switch (inj & SVM_EVTINJ_TYPE_MASK) {
		case SVM_EVTINJ_TYPE_EXEPT:
			e->exception.injected = 1;
			e->exception.nr = vector;
			e->exception.has_error_code = !!(inj & SVM_EVTINJ_VALID_ERR);
			e->exception.error_code = c->event_inj_err;
			break;
		case SVM_EVTINJ_TYPE_NMI:
			e->nmi.injected = 1;
			break;
		case SVM_EVTINJ_TYPE_SOFT:
			e->interrupt.soft = 1;
			fallthrough;
		default:
			e->interrupt.injected = 1;
			e->interrupt.nr = vector;
			break;
		}
	}
	/* A KVM_INTERRUPT vector not yet in EVENTINJ is injected for KVM. */
	if (vcpu->arch.user_irq_pending && !e->interrupt.injected) {
		e->interrupt.injected = 1;
		e->interrupt.nr = vcpu->arch.user_irq;
	}
	if (c->int_state & SVM_INTERRUPT_SHADOW_MASK)
		e->interrupt.shadow = KVM_X86_SHADOW_INT_MOV_SS |
				      KVM_X86_SHADOW_INT_STI;
	e->nmi.pending = vcpu->arch.irq.nmi_pending;
	e->flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW |
		   KVM_VCPUEVENT_VALID_SMM;
}

/**
 * okvm_set_vcpu_events() - KVM_SET_VCPU_EVENTS
 * @vcpu: the vCPU, its mutex held (not running)
 * @e: the state, in kernel memory (validated here, then applied)
 *
 * Return: 0, or -EINVAL as KVM for unknown flags, a payload (not offered),
 * an exception vector above 31 or NMI, SMM state, a triple fault (not
 * offered); and for an injected exception together with an injected
 * interrupt, which okvm cannot hold at once.
 */
int okvm_set_vcpu_events(struct okvm_vcpu *vcpu, struct kvm_vcpu_events *e)
{
	struct vmcb_control_area *c = &vcpu->arch.vmcb->control;
	u32 inj = 0;

	lockdep_assert_held(&vcpu->mutex);
	if (e->flags & ~EVENTS_VALID_FLAGS)
		return -EINVAL;
	/* No KVM_CAP_EXCEPTION_PAYLOAD: "pending" is not part of the ABI. */
	if (e->flags & (KVM_VCPUEVENT_VALID_PAYLOAD |
			KVM_VCPUEVENT_VALID_TRIPLE_FAULT))
		return -EINVAL;
	e->exception.pending = 0;
	e->exception_has_payload = 0;
	if (e->exception.injected &&
	    (e->exception.nr > 31 || e->exception.nr == X86_TRAP_NMI))
		return -EINVAL;
	if ((e->flags & KVM_VCPUEVENT_VALID_SMM) &&
	    (e->smi.smm || e->smi.pending || e->smi.smm_inside_nmi))
		return -EINVAL;
	if (e->exception.injected && e->interrupt.injected)
		return -EINVAL;

	if (e->exception.injected) {
		inj = e->exception.nr | SVM_EVTINJ_TYPE_EXEPT | SVM_EVTINJ_VALID;
		if (e->exception.has_error_code)
			inj |= SVM_EVTINJ_VALID_ERR;
	} else if (e->interrupt.injected) {
		inj = e->interrupt.nr | SVM_EVTINJ_VALID |
		      (e->interrupt.soft ? SVM_EVTINJ_TYPE_SOFT :
					   SVM_EVTINJ_TYPE_INTR);
	} else if (e->nmi.injected) {
		inj = X86_TRAP_NMI | SVM_EVTINJ_TYPE_NMI | SVM_EVTINJ_VALID;
	}
	c->event_inj = inj;
	c->event_inj_err = e->exception.has_error_code ?
			   e->exception.error_code : 0;
	vcpu->arch.user_irq_pending = false;

	if (e->flags & KVM_VCPUEVENT_VALID_SHADOW) {
		if (e->interrupt.shadow)
			c->int_state |= SVM_INTERRUPT_SHADOW_MASK;
		else
			c->int_state &= ~SVM_INTERRUPT_SHADOW_MASK;
	}
	if (e->flags & KVM_VCPUEVENT_VALID_NMI_PENDING) {
		/*
		 * An injected exception or interrupt leaves no slot for the
		 * NMI now: it stays pending (the irqchip delivers it), as it
		 * would on KVM, which delivers it after the event.
		 */
		vcpu->arch.irq.nmi_pending = e->nmi.pending || e->nmi.injected;
	} else if (e->nmi.injected && inj != (X86_TRAP_NMI | SVM_EVTINJ_TYPE_NMI |
					      SVM_EVTINJ_VALID)) {
		vcpu->arch.irq.nmi_pending = true;
	}
	return 0;
}

long okvm_events_vcpu_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
			    void __user *argp)
{
	struct kvm_vcpu_events e;

	switch (ioctl) {
	case KVM_GET_VCPU_EVENTS:
		okvm_get_vcpu_events(vcpu, &e);
		return copy_to_user(argp, &e, sizeof(e)) ? -EFAULT : 0;
	case KVM_SET_VCPU_EVENTS:
		if (copy_from_user(&e, argp, sizeof(e)))
			return -EFAULT;
		return okvm_set_vcpu_events(vcpu, &e);
	default:
		return -ENOIOCTLCMD;
	}
}

/**
 * okvm_sync_regs_in() - apply what userspace marked dirty in kvm_run
 * @vcpu: the vCPU entering KVM_RUN
 *
 * Each part is copied out of the shared page before it is checked:
 * userspace may change the page at any time (upstream sync_regs_test
 * races it on purpose).
 * Return: 0, or -EINVAL for unknown bits or a state KVM_SET_SREGS or
 * KVM_SET_VCPU_EVENTS refuses (the parts before it are applied, as KVM).
 */
int okvm_sync_regs_in(struct okvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	u64 valid = READ_ONCE(run->kvm_valid_regs);
	u64 dirty = READ_ONCE(run->kvm_dirty_regs);
	union {
		struct kvm_regs regs;
		struct kvm_sregs sregs;
		struct kvm_vcpu_events events;
	} *u;
	int r = 0;

	if ((valid | dirty) & ~KVM_SYNC_X86_VALID_FIELDS)
		return -EINVAL;
	if (!dirty)
		return 0;
	u = kmalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;
	if (dirty & KVM_SYNC_X86_REGS) {
		memcpy(&u->regs, &run->s.regs.regs, sizeof(u->regs));
		okvm_set_regs(vcpu, &u->regs);
		dirty &= ~KVM_SYNC_X86_REGS;
	}
	if (dirty & KVM_SYNC_X86_SREGS) {
		memcpy(&u->sregs, &run->s.regs.sregs, sizeof(u->sregs));
		if (okvm_set_sregs(vcpu, &u->sregs)) {
			r = -EINVAL;
			goto out;
		}
		dirty &= ~KVM_SYNC_X86_SREGS;
	}
	if (dirty & KVM_SYNC_X86_EVENTS) {
		memcpy(&u->events, &run->s.regs.events, sizeof(u->events));
		if (okvm_set_vcpu_events(vcpu, &u->events)) {
			r = -EINVAL;
			goto out;
		}
		dirty &= ~KVM_SYNC_X86_EVENTS;
	}
out:
	WRITE_ONCE(run->kvm_dirty_regs, dirty);
	kfree(u);
	return r;
}

/**
 * okvm_sync_regs_out() - publish the parts userspace asked for
 * @vcpu: the vCPU leaving KVM_RUN (also after an error, as KVM)
 */
void okvm_sync_regs_out(struct okvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	u64 valid = READ_ONCE(run->kvm_valid_regs);

	if (valid & KVM_SYNC_X86_REGS)
		okvm_get_regs(vcpu, &run->s.regs.regs);
	if (valid & KVM_SYNC_X86_SREGS)
		okvm_get_sregs(vcpu, &run->s.regs.sregs);
	if (valid & KVM_SYNC_X86_EVENTS)
		okvm_get_vcpu_events(vcpu, &run->s.regs.events);
}
