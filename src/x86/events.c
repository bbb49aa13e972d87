// SPDX-License-Identifier: GPL-2.0-only
/*
 * The event queue: every exception, NMI and external interrupt okvm
 * delivers to a guest goes through vcpu->arch.ev (docs/design.md, "Events").
 *
 *  - Exceptions are queued "pending" by exit handlers and the emulator and
 *    merge by the architectural rules (SDM vol. 3, table 6-5): a
 *    contributory exception while delivering a contributory one, or any
 *    non-benign one while delivering #PF, becomes #DF; anything while
 *    delivering #DF is a shutdown (triple fault). The run loop (run.c)
 *    makes a pending exception "injected" when it hands it to the backend;
 *    the backend puts back whatever an exit interrupted.
 *  - NMIs: at most two outstanding (one being handled, one held), as on
 *    hardware; blocking lasts until the handler's IRET (the backend's).
 *  - Interrupts: the in-kernel irqchip's vector once acknowledged, or
 *    KVM_INTERRUPT's, "injected" until delivered.
 *
 * KVM_GET/SET_VCPU_EVENTS map onto it one to one, as in KVM, with
 * KVM_CAP_EXCEPTION_PAYLOAD deciding whether a pending exception and its
 * payload are shown apart; KVM_NMI queues an NMI.
 */
#include <linux/kvm.h>
#include <linux/uaccess.h>

#include "irqchip/irqchip.h"
#include "userirq.h"
#include "x86.h"

#define EVENTS_VALID_FLAGS (KVM_VCPUEVENT_VALID_NMI_PENDING |		\
			    KVM_VCPUEVENT_VALID_SIPI_VECTOR |		\
			    KVM_VCPUEVENT_VALID_SHADOW |		\
			    KVM_VCPUEVENT_VALID_SMM |			\
			    KVM_VCPUEVENT_VALID_PAYLOAD |		\
			    KVM_VCPUEVENT_VALID_TRIPLE_FAULT)

enum exception_class {
	EXC_BENIGN,
	EXC_CONTRIBUTORY,
	EXC_PF,
};

static enum exception_class exception_class(u8 vector)
{
	switch (vector) {
	case PF_VECTOR:
		return EXC_PF;
	case DE_VECTOR:
	case TS_VECTOR:
	case NP_VECTOR:
	case SS_VECTOR:
	case GP_VECTOR:
		return EXC_CONTRIBUTORY;
	default:
		return EXC_BENIGN;
	}
}

/* INT3 and INTO: traps of an instruction, reported as software events. */
static bool exception_is_soft(u8 vector)
{
	return vector == BP_VECTOR || vector == OF_VECTOR;
}

static void queue_exception(struct okvm_vcpu *vcpu, u8 vector, bool has_error,
			    u32 error, bool has_payload, u64 payload)
{
	struct okvm_queued_exception *ex = &vcpu->arch.ev.exc;
	enum exception_class prev, next;

	if (ex->pending || ex->injected) {
		if (ex->vector == DF_VECTOR) {
			/* A fault while delivering #DF: shutdown. */
			vcpu->arch.ev.triple_fault = true;
			ex->pending = false;
			ex->injected = false;
			return;
		}
		prev = exception_class(ex->vector);
		next = exception_class(vector);
		if ((prev == EXC_CONTRIBUTORY && next == EXC_CONTRIBUTORY) ||
		    (prev == EXC_PF && next != EXC_BENIGN)) {
			/* The first one is lost; #DF, error code 0, instead. */
			vector = DF_VECTOR;
			has_error = true;
			error = 0;
			has_payload = false;
			payload = 0;
		}
		/*
		 * Otherwise the two are handled serially: the new one now, and
		 * the first comes back when its instruction runs again.
		 */
	}
	*ex = (struct okvm_queued_exception) {
		.pending = true,
		.vector = vector,
		.has_error_code = has_error,
		.error_code = error,
		.has_payload = has_payload,
		.payload = payload,
	};
}

/**
 * okvm_queue_exception() - raise an exception without error code
 * @vcpu: the vCPU, out of the guest
 * @vector: the vector (< 32, not NMI)
 */
void okvm_queue_exception(struct okvm_vcpu *vcpu, u8 vector)
{
	queue_exception(vcpu, vector, false, 0, false, 0);
}

/**
 * okvm_queue_exception_e() - raise an exception with an error code
 * @vcpu: the vCPU, out of the guest
 * @vector: the vector
 * @error: the error code
 */
void okvm_queue_exception_e(struct okvm_vcpu *vcpu, u8 vector, u32 error)
{
	queue_exception(vcpu, vector, true, error, false, 0);
}

/**
 * okvm_queue_exception_p() - raise an exception with a payload
 * @vcpu: the vCPU, out of the guest
 * @vector: DB_VECTOR (payload: DR6 bits) or PF_VECTOR (use
 *	okvm_queue_page_fault())
 * @payload: applied when the exception is delivered
 */
void okvm_queue_exception_p(struct okvm_vcpu *vcpu, u8 vector, u64 payload)
{
	queue_exception(vcpu, vector, false, 0, true, payload);
}

/**
 * okvm_queue_page_fault() - raise #PF
 * @vcpu: the vCPU, out of the guest
 * @addr: the faulting linear address (CR2 when delivered)
 * @error: the #PF error code
 */
void okvm_queue_page_fault(struct okvm_vcpu *vcpu, u64 addr, u32 error)
{
	queue_exception(vcpu, PF_VECTOR, true, error, true, addr);
}

/**
 * okvm_deliver_exception_payload() - apply the pending exception's payload
 * @vcpu: the vCPU
 *
 * CR2 for #PF, the DR6 bits for #DB: the state the guest's handler sees.
 */
void okvm_deliver_exception_payload(struct okvm_vcpu *vcpu)
{
	struct okvm_queued_exception *ex = &vcpu->arch.ev.exc;
	u64 dr6;

	if (!ex->has_payload)
		return;
	switch (ex->vector) {
	case PF_VECTOR:
		okvm_x86_ops.set_cr(vcpu, OKVM_CR2, ex->payload);
		break;
	case DB_VECTOR:
		dr6 = okvm_x86_ops.get_dr(vcpu, 6);
		dr6 &= ~OKVM_DR6_TRAP_BITS;
		dr6 &= ~(ex->payload & OKVM_DR6_ACTIVE_LOW);
		dr6 |= ex->payload & ~OKVM_DR6_ACTIVE_LOW;
		okvm_x86_ops.set_dr(vcpu, 6, dr6 | OKVM_DR6_FIXED_1);
		break;
	}
	ex->has_payload = false;
	ex->payload = 0;
}

/**
 * okvm_queue_nmi() - an NMI arrives (APIC, KVM_NMI)
 * @vcpu: the vCPU
 *
 * At most two are outstanding, one if one is being handled already: more
 * NMIs while one is held collapse into it, as on hardware.
 */
void okvm_queue_nmi(struct okvm_vcpu *vcpu)
{
	struct okvm_event_queue *ev = &vcpu->arch.ev;
	unsigned int limit = 2;

	if (okvm_x86_ops.get_nmi_mask(vcpu) || ev->nmi_injected)
		limit = 1;
	ev->nmi_pending = min_t(unsigned int, ev->nmi_pending + 1, limit);
}

/**
 * okvm_queue_interrupt() - an acknowledged external interrupt to deliver
 * @vcpu: the vCPU
 * @vector: its vector
 * @soft: INTn (restored state only)
 */
void okvm_queue_interrupt(struct okvm_vcpu *vcpu, u8 vector, bool soft)
{
	vcpu->arch.ev.irq.injected = true;
	vcpu->arch.ev.irq.soft = soft;
	vcpu->arch.ev.irq.nr = vector;
}

/**
 * okvm_event_injected() - is an event's delivery under way?
 * @vcpu: the vCPU
 *
 * Return: true if an exception, NMI or interrupt is "injected": nothing
 * new may be delivered before it.
 */
bool okvm_event_injected(struct okvm_vcpu *vcpu)
{
	const struct okvm_event_queue *ev = &vcpu->arch.ev;

	return ev->exc.injected || ev->nmi_injected || ev->irq.injected;
}

/**
 * okvm_drop_injected_event() - forget the event whose delivery an exit cut
 * @vcpu: the vCPU
 *
 * For an exit that ends the run instead (delivery through MMIO): the event
 * is reported to userspace, not delivered again.
 */
void okvm_drop_injected_event(struct okvm_vcpu *vcpu)
{
	vcpu->arch.ev.exc.injected = false;
	vcpu->arch.ev.nmi_injected = false;
	vcpu->arch.ev.irq.injected = false;
}

/**
 * okvm_clear_events() - empty the queue (RESET, INIT)
 * @vcpu: the vCPU
 */
void okvm_clear_events(struct okvm_vcpu *vcpu)
{
	memset(&vcpu->arch.ev, 0, sizeof(vcpu->arch.ev));
	okvm_x86_ops.set_nmi_mask(vcpu, false);
}

/* --- injection ------------------------------------------------------------------ */

/**
 * okvm_inject_pending_events() - hand the next event to the backend
 * @vcpu: the vCPU, about to enter
 *
 * In the architectural order (docs/design.md, "Events"): an event whose
 * delivery an exit interrupted goes first and alone, unless an exception
 * is pending (raised by that delivery, or while it was in the queue: it
 * comes first); a pending exception next; then an NMI if not blocked,
 * else its window; then an external interrupt if the guest can take one,
 * else its window.
 */
void okvm_inject_pending_events(struct okvm_vcpu *vcpu)
{
	struct okvm_event_queue *ev = &vcpu->arch.ev;
	bool can_inject;
	int v;

	if (ev->exc.injected)
		okvm_x86_ops.inject_exception(vcpu);
	else if (ev->exc.pending)
		;	/* the exception first; the event it interrupted later */
	else if (ev->nmi_injected)
		okvm_x86_ops.inject_nmi(vcpu);
	else if (ev->irq.injected)
		okvm_x86_ops.inject_irq(vcpu);
	can_inject = !okvm_event_injected(vcpu);

	if (ev->exc.pending) {
		okvm_deliver_exception_payload(vcpu);
		ev->exc.pending = false;
		ev->exc.injected = true;
		okvm_x86_ops.inject_exception(vcpu);
		can_inject = false;
	}

	if (ev->nmi_pending) {
		if (can_inject && !okvm_x86_ops.nmi_blocked(vcpu)) {
			ev->nmi_pending--;
			ev->nmi_injected = true;
			okvm_x86_ops.inject_nmi(vcpu);
			can_inject = false;
		}
		if (ev->nmi_pending)
			okvm_x86_ops.enable_nmi_window(vcpu);
	}

	if (okvm_irqchip_has_interrupt(vcpu)) {
		if (can_inject && !okvm_x86_ops.interrupt_blocked(vcpu)) {
			v = okvm_irqchip_ack_interrupt(vcpu);
			if (v >= 0) {
				okvm_queue_interrupt(vcpu, v, false);
				okvm_x86_ops.inject_irq(vcpu);
			}
		}
		if (okvm_irqchip_has_interrupt(vcpu))
			okvm_x86_ops.enable_irq_window(vcpu);
	}
	/* KVM_RUN's request_interrupt_window (userspace irqchip). */
	if (okvm_userirq_wants_window(vcpu))
		okvm_x86_ops.enable_irq_window(vcpu);
}

/* --- KVM_GET/SET_VCPU_EVENTS, KVM_NMI ------------------------------------------ */

/**
 * okvm_get_vcpu_events() - the vCPU's event state in KVM's format
 * @vcpu: the vCPU, its mutex held (not running)
 * @e: filled in
 */
void okvm_get_vcpu_events(struct okvm_vcpu *vcpu, struct kvm_vcpu_events *e)
{
	struct okvm_event_queue *ev = &vcpu->arch.ev;
	struct okvm_queued_exception *ex = &ev->exc;
	bool payload_cap = READ_ONCE(vcpu->vm->arch.exception_payload);

	lockdep_assert_held(&vcpu->mutex);
	/* Without the capability userspace cannot hold a payload apart. */
	if (!payload_cap && ex->pending)
		okvm_deliver_exception_payload(vcpu);

	memset(e, 0, sizeof(*e));
	if (!exception_is_soft(ex->vector)) {
		e->exception.injected = ex->injected;
		e->exception.pending = ex->pending;
		if (!payload_cap)
			e->exception.injected |= ex->pending;
	}
	e->exception.nr = ex->vector;
	e->exception.has_error_code = ex->has_error_code;
	e->exception.error_code = ex->error_code;
	e->exception_has_payload = ex->has_payload;
	e->exception_payload = ex->payload;

	e->interrupt.injected = ev->irq.injected && !ev->irq.soft;
	e->interrupt.nr = ev->irq.nr;
	e->interrupt.shadow = okvm_x86_ops.get_interrupt_shadow(vcpu);

	e->nmi.injected = ev->nmi_injected;
	e->nmi.pending = ev->nmi_pending;
	e->nmi.masked = okvm_x86_ops.get_nmi_mask(vcpu);

	e->flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW |
		   KVM_VCPUEVENT_VALID_SMM;
	if (payload_cap)
		e->flags |= KVM_VCPUEVENT_VALID_PAYLOAD;
}

/**
 * okvm_set_vcpu_events() - KVM_SET_VCPU_EVENTS
 * @vcpu: the vCPU, its mutex held (not running)
 * @e: the state, in kernel memory (validated here, then applied)
 *
 * Return: 0, or -EINVAL as KVM for unknown flags, a payload without
 * KVM_CAP_EXCEPTION_PAYLOAD, an exception vector above 31 or NMI, SMM
 * state (no SMM), a triple fault (KVM_CAP_X86_TRIPLE_FAULT_EVENT is not
 * offered); nothing is changed then.
 */
int okvm_set_vcpu_events(struct okvm_vcpu *vcpu, struct kvm_vcpu_events *e)
{
	struct okvm_event_queue *ev = &vcpu->arch.ev;

	lockdep_assert_held(&vcpu->mutex);
	if (e->flags & ~EVENTS_VALID_FLAGS)
		return -EINVAL;
	if (e->flags & KVM_VCPUEVENT_VALID_PAYLOAD) {
		if (!READ_ONCE(vcpu->vm->arch.exception_payload))
			return -EINVAL;
		if (e->exception.pending)
			e->exception.injected = 0;
		else
			e->exception_has_payload = 0;
	} else {
		e->exception.pending = 0;
		e->exception_has_payload = 0;
	}
	if ((e->exception.injected || e->exception.pending) &&
	    (e->exception.nr > 31 || e->exception.nr == OKVM_NMI_VECTOR))
		return -EINVAL;
	if ((e->flags & KVM_VCPUEVENT_VALID_SMM) &&
	    (e->smi.smm || e->smi.pending || e->smi.smm_inside_nmi))
		return -EINVAL;
	if (e->flags & KVM_VCPUEVENT_VALID_TRIPLE_FAULT)
		return -EINVAL;

	ev->exc = (struct okvm_queued_exception) {
		.injected = e->exception.injected,
		.pending = e->exception.pending,
		.vector = e->exception.nr,
		.has_error_code = e->exception.has_error_code,
		.error_code = e->exception.error_code,
		.has_payload = e->exception_has_payload,
		.payload = e->exception_payload,
	};
	ev->irq.injected = e->interrupt.injected;
	ev->irq.nr = e->interrupt.nr;
	ev->irq.soft = e->interrupt.soft;
	if (e->flags & KVM_VCPUEVENT_VALID_SHADOW)
		okvm_x86_ops.set_interrupt_shadow(vcpu, e->interrupt.shadow);

	ev->nmi_injected = e->nmi.injected;
	okvm_x86_ops.set_nmi_mask(vcpu, e->nmi.masked);
	if (e->flags & KVM_VCPUEVENT_VALID_NMI_PENDING) {
		ev->nmi_pending = 0;
		/* As KVM: the count is clamped as NMIs arriving would be. */
		if (e->nmi.pending)
			okvm_queue_nmi(vcpu);
		if (e->nmi.pending > 1)
			okvm_queue_nmi(vcpu);
	}
	return 0;
}

/**
 * okvm_events_ioctl() - KVM_GET/SET_VCPU_EVENTS, KVM_NMI, KVM_INTERRUPT
 * @vcpu: the vCPU, its mutex held
 * @ioctl: the ioctl
 * @argp: its argument
 *
 * Return: the ioctl's result.
 */
long okvm_events_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
		       void __user *argp)
{
	struct kvm_vcpu_events e;
	struct kvm_interrupt irq;

	switch (ioctl) {
	case KVM_GET_VCPU_EVENTS:
		okvm_get_vcpu_events(vcpu, &e);
		return copy_to_user(argp, &e, sizeof(e)) ? -EFAULT : 0;
	case KVM_SET_VCPU_EVENTS:
		if (copy_from_user(&e, argp, sizeof(e)))
			return -EFAULT;
		return okvm_set_vcpu_events(vcpu, &e);
	case KVM_NMI:
		okvm_queue_nmi(vcpu);
		return 0;
	default:	/* KVM_INTERRUPT */
		if (copy_from_user(&irq, argp, sizeof(irq)))
			return -EFAULT;
		/* KVM checks the vector first, then the irqchip. */
		if (irq.irq >= 256)
			return -EINVAL;
		/* The ExtINT of a split irqchip; -ENXIO with the PIC in. */
		if (vcpu->arch.irq.apic)
			return okvm_irqchip_interrupt(vcpu, irq.irq);
		/*
		 * Like KVM, the vector is queued as if already acknowledged:
		 * it is delivered on the next entry whatever the guest's IF,
		 * as userspace is to call this only when
		 * ready_for_interrupt_injection said so.
		 */
		okvm_queue_interrupt(vcpu, irq.irq, false);
		return 0;
	}
}
