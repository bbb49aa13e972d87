// SPDX-License-Identifier: GPL-2.0-only
/*
 * The in-kernel irqchip wired to the vCPU: KVM_CREATE_IRQCHIP and its
 * ioctls, the APIC/I/O APIC/PIC exits, the vectors and INIT/SIPI/NMI events
 * the run loop (run.c) takes from it, the guest's TPR, HLT and
 * wait-for-SIPI blocking, the APIC timer on an hrtimer, and kicks.
 *
 * The device models (lapic.c, ioapic.c, pic.c, irq_routing.c) are pure;
 * this file supplies their clock, timer, delivery and wake-up callbacks.
 *
 * Lost-wakeup rule: whoever makes an interrupt or event pending calls
 * vcpu_kick(), which sets irq.kick and then, if the vCPU is in the guest,
 * IPIs its CPU. The run loop clears irq.kick before it evaluates the
 * irqchip, and okvm_irqchip_entry_aborted() tests it again after the vCPU
 * announced IN_GUEST_MODE (with interrupts off): so a new interrupt either
 * is seen by the evaluation, or aborts the entry, or forces a #VMEXIT.
 */
#include <linux/kvm.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/kvm_para.h>
#include <asm/processor-flags.h>
#include <asm/smp.h>
#include <trace/events/ipi.h>

#include "arch.h"
#include "irq_routing.h"
#include "irqchip.h"
#include "pv.h"
#include "okvm.h"
#include "tsc.h"
#include "vendor.h"

static struct okvm_irqchip *vm_chip(struct okvm_vm *vm)
{
	/* Published once, before any vCPU exists; never changes after. */
	return smp_load_acquire(&vm->arch.irqchip);
}

/* --- kicks, delivery ----------------------------------------------------- */

static void vcpu_kick(struct okvm_vcpu *vcpu)
{
	atomic_set(&vcpu->arch.irq.kick, 1);
	smp_mb__after_atomic();	/* kick before mode: see the file comment */
	/*
	 * Callers hold the irqchip's raw spinlock, often with interrupts off
	 * (the APIC timer's hard-IRQ callback, IPIs between vCPUs). A wait
	 * queue's lock sleeps on PREEMPT_RT; an rcuwait wakes its one waiter
	 * with wake_up_process() under RCU, which takes only raw locks. Its
	 * barrier pairs with set_current_state() in rcuwait_wait_event(), so
	 * the waiter either sees the kick or is woken.
	 */
	rcuwait_wake_up(&vcpu->arch.irq.wait);
	if (READ_ONCE(vcpu->arch.mode) == OKVM_IN_GUEST_MODE) {
		int cpu = READ_ONCE(vcpu->arch.cpu);

		if (cpu >= 0 && cpu != raw_smp_processor_id())
			smp_send_reschedule(cpu);
	}
}

/*
 * Deliver one APIC-bus message to every matching APIC (lowest priority:
 * to one of them). Called with the irqchip lock held.
 * Return: the number of APICs that accepted it.
 */
static int irqchip_deliver(struct okvm_vm *vm, struct okvm_lapic *src,
			   const struct okvm_lapic_irq *irq)
{
	struct okvm_lapic **cands = vm_chip(vm)->cands;
	struct okvm_vcpu *vcpu;
	unsigned long i;
	int n = 0, done = 0;

	xa_for_each(&vm->vcpu_array, i, vcpu) {
		struct okvm_lapic *apic = vcpu->arch.irq.apic;

		if (apic && okvm_lapic_match_dest(apic, irq->dest_id,
						  irq->dest_mode,
						  irq->shorthand, src))
			cands[n++] = apic;
	}
	if (irq->delivery_mode == OKVM_APIC_DM_LOWEST && n > 1) {
		cands[0] = okvm_lapic_lowest_prio(cands, n, irq->vector);
		n = cands[0] ? 1 : 0;
	}
	for (i = 0; i < n; i++)
		done += okvm_lapic_deliver(cands[i], irq);
	return done;
}

/* --- LAPIC callbacks (opaque: the vCPU) ----------------------------------- */

static u64 apic_now_ns(void *opaque)
{
	return ktime_get_ns();
}

static u64 apic_read_tsc(void *opaque)
{
	struct okvm_vcpu *vcpu = opaque;

	return okvm_read_guest_tsc(vcpu);
}

static void apic_timer_arm(void *opaque, u64 expires_ns)
{
	struct okvm_vcpu *vcpu = opaque;

	hrtimer_start(&vcpu->arch.irq.timer, ns_to_ktime(expires_ns),
		      HRTIMER_MODE_ABS_HARD);
}

static void apic_timer_cancel(void *opaque)
{
	struct okvm_vcpu *vcpu = opaque;

	/* The lock is held and the callback may be waiting for it: no wait. */
	hrtimer_try_to_cancel(&vcpu->arch.irq.timer);
}

static void apic_send_ipi(void *opaque, struct okvm_lapic *src,
			  const struct okvm_lapic_irq *irq)
{
	struct okvm_vcpu *vcpu = opaque;

	irqchip_deliver(vcpu->vm, src, irq);
}

static void apic_eoi_broadcast(void *opaque, u8 vector, bool level)
{
	struct okvm_vcpu *vcpu = opaque;
	struct okvm_irqchip *chip = vm_chip(vcpu->vm);

	/*
	 * Split: the VMM's I/O APIC hears of the EOIs of its vectors through
	 * KVM_EXIT_IOAPIC_EOI before the vCPU enters again. Only the vCPU's
	 * own exit handling EOIs its APIC: one at a time.
	 */
	if (chip->split) {
		if (test_bit(vector, chip->eoi_exit_vectors))
			vcpu->arch.irq.eoi_exit = vector;
		return;
	}
	okvm_ioapic_eoi(&chip->ioapic, vector, level);
}

static void apic_kick(void *opaque)
{
	vcpu_kick(opaque);
}

static const struct okvm_lapic_ops okvm_apic_ops = {
	.now_ns = apic_now_ns,
	.read_tsc = apic_read_tsc,
	.timer_arm = apic_timer_arm,
	.timer_cancel = apic_timer_cancel,
	.send_ipi = apic_send_ipi,
	.eoi_broadcast = apic_eoi_broadcast,
	.kick = apic_kick,
};

static enum hrtimer_restart apic_timer_fn(struct hrtimer *t)
{
	struct okvm_vcpu *vcpu = container_of(t, struct okvm_vcpu, arch.irq.timer);
	struct okvm_irqchip *chip = vm_chip(vcpu->vm);
	unsigned long flags;
	bool again = false;
	u64 next;

	raw_spin_lock_irqsave(&chip->lock, flags);
	/*
	 * A guest write (TMICT, LVTT, TSC deadline) that re-armed the timer
	 * while this expiry waited for the lock queued it again: the new
	 * arming is the one that counts, and moving the expiry of a queued
	 * timer would break the order of the CPU's timer queue. The PIT's
	 * callback has the same rule.
	 */
	if (!hrtimer_is_queued(t))
		again = okvm_lapic_timer_expired(vcpu->arch.irq.apic, &next);
	if (again)
		hrtimer_set_expires(t, ns_to_ktime(next));
	raw_spin_unlock_irqrestore(&chip->lock, flags);
	return again ? HRTIMER_RESTART : HRTIMER_NORESTART;
}

/* --- I/O APIC and PIC callbacks (opaque: the VM) --------------------------- */

/*
 * An EOI or unmask at @irqchip's @pin: the PIT listens to GSI 0's, like
 * KVM's ack and mask notifiers, wherever the routing table sends GSI 0
 * (QEMU's table: PIC pin 0 and I/O APIC pin 2). Lock held.
 */
static void pin_event(struct okvm_vm *vm, u32 irqchip, u32 pin, bool unmasked)
{
	struct okvm_irqchip *chip = vm_chip(vm);
	const struct okvm_irq_routes *t;
	bool gsi0 = false;
	u32 i;

	if (!chip->pit)
		return;
	rcu_read_lock();
	t = rcu_dereference(vm->arch.irq_routes);
	for (i = 0; t && i < t->nr && !gsi0; i++) {
		const struct kvm_irq_routing_entry *e = &t->e[i];

		gsi0 = !e->gsi && e->type == KVM_IRQ_ROUTING_IRQCHIP &&
		       e->u.irqchip.irqchip == irqchip && e->u.irqchip.pin == pin;
	}
	rcu_read_unlock();
	if (gsi0)
		okvm_pit_irq0_event(chip, unmasked);
}

static int ioapic_deliver(void *opaque, const struct okvm_lapic_irq *irq)
{
	return irqchip_deliver(opaque, NULL, irq);
}

static void ioapic_acked(void *opaque, u32 pin)
{
	pin_event(opaque, KVM_IRQCHIP_IOAPIC, pin, false);
}

static void ioapic_mask_changed(void *opaque, u32 pin, bool masked)
{
	if (!masked)
		pin_event(opaque, KVM_IRQCHIP_IOAPIC, pin, true);
}

static const struct okvm_ioapic_ops okvm_ioapic_ops = {
	.deliver = ioapic_deliver,
	.acked = ioapic_acked,
	.mask_changed = ioapic_mask_changed,
};

static u32 pic_irqchip(u32 irq)
{
	return irq < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE;
}

static void pic_acked(void *opaque, u32 irq)
{
	pin_event(opaque, pic_irqchip(irq), irq & 7, false);
}

static void pic_mask_changed(void *opaque, u32 irq, bool masked)
{
	if (!masked)
		pin_event(opaque, pic_irqchip(irq), irq & 7, true);
}

static void pic_kick(void *opaque)
{
	struct okvm_vm *vm = opaque;
	struct okvm_vcpu *vcpu;
	unsigned long i;

	/* INTR goes to whichever APIC takes ExtINT (the BSP's LINT0). */
	xa_for_each(&vm->vcpu_array, i, vcpu)
		if (vcpu->arch.irq.apic &&
		    okvm_lapic_accept_pic_intr(vcpu->arch.irq.apic))
			vcpu_kick(vcpu);
}

static const struct okvm_pic_ops okvm_pic_ops = {
	.kick = pic_kick,
	.acked = pic_acked,
	.mask_changed = pic_mask_changed,
};

/* --- creation and teardown ----------------------------------------------- */

static struct okvm_irq_routes *routes_alloc(u32 nr)
{
	struct okvm_irq_routes *t;

	t = kvzalloc(struct_size(t, e, nr), GFP_KERNEL_ACCOUNT);
	if (t)
		t->nr = nr;
	return t;
}

/*
 * Split irqchip: the vectors whose EOI the VMM's I/O APIC must hear, as
 * KVM scans them: the level-triggered MSI routes of the GSIs below
 * nr_ioapic_pins (KVM also filters by destination; an EOI comes only
 * from an APIC that took the vector, so the vector alone decides here).
 */
static void split_eoi_vectors(struct okvm_vm *vm, struct okvm_irqchip *chip,
			      const struct okvm_irq_routes *t)
{
	DECLARE_BITMAP(v, 256);
	struct okvm_lapic_irq irq;
	unsigned long flags;
	u32 i;

	bitmap_zero(v, 256);
	for (i = 0; i < t->nr; i++) {
		const struct kvm_irq_routing_entry *e = &t->e[i];

		if (e->type == KVM_IRQ_ROUTING_MSI && e->gsi < chip->nr_ioapic_pins &&
		    !okvm_msi_decode(e->u.msi.address_lo, e->u.msi.address_hi,
				     e->u.msi.data,
				     READ_ONCE(vm->arch.x2apic_format), &irq) &&
		    irq.trig_mode)
			__set_bit(irq.vector, v);
	}
	raw_spin_lock_irqsave(&chip->lock, flags);
	bitmap_copy(chip->eoi_exit_vectors, v, 256);
	raw_spin_unlock_irqrestore(&chip->lock, flags);
}

/*
 * Install @new as the VM's routing table and free the old one once no
 * reader (irq_line()) can still see it. The wait is expedited, as KVM's
 * (synchronize_srcu_expedited()): a VMM with a split irqchip replaces the
 * table on every I/O APIC redirection-entry write (QEMU), and a normal
 * grace period per write made a nested Linux boot spend seconds in its
 * I/O APIC setup. Once the ioctl returns, no interrupt is delivered by
 * the old table.
 */
static void routes_replace(struct okvm_vm *vm, struct okvm_irq_routes *new)
{
	struct okvm_irqchip *chip = vm_chip(vm);
	struct okvm_irq_routes *old;

	mutex_lock(&vm->lock);
	old = rcu_replace_pointer(vm->arch.irq_routes, new,
				  lockdep_is_held(&vm->lock));
	/* Under vm->lock: two replacements leave the later one's vectors. */
	if (chip->split)
		split_eoi_vectors(vm, chip, new);
	mutex_unlock(&vm->lock);
	if (old) {
		synchronize_rcu_expedited();
		kvfree(old);
	}
}

/*
 * KVM_CREATE_IRQCHIP (@split false: KVM's default routing table) or
 * KVM_CAP_SPLIT_IRQCHIP (an empty one: the VMM installs MSI routes).
 * KVM's errnos in KVM's order: -EEXIST for a second irqchip of either
 * kind, then -EINVAL once a vCPU exists (split: -EEXIST for both).
 */
static int irqchip_create(struct okvm_vm *vm, bool split, u32 nr_ioapic_pins)
{
	struct okvm_irq_routes *routes;
	struct okvm_irqchip *chip;
	int r = 0;

	chip = kzalloc(sizeof(*chip), GFP_KERNEL_ACCOUNT);
	routes = routes_alloc(split ? 0 : OKVM_IRQ_DEFAULT_ROUTES);
	if (!chip || !routes) {
		kfree(chip);
		kvfree(routes);
		return -ENOMEM;
	}
	raw_spin_lock_init(&chip->lock);
	chip->split = split;
	chip->nr_ioapic_pins = nr_ioapic_pins;
	okvm_ioapic_init(&chip->ioapic, &okvm_ioapic_ops, vm);
	okvm_pic_init(&chip->pic, &okvm_pic_ops, vm);
	if (!split) {
		r = okvm_irq_default_routing(routes->e, routes->nr);
		if (r >= 0) {
			routes->nr = r;
			r = 0;
		}
	}

	mutex_lock(&vm->lock);
	if (r)
		;
	else if (vm->arch.irqchip)
		r = -EEXIST;
	else if (vm->created_vcpus)
		r = split ? -EEXIST : -EINVAL;
	if (!r)		/* pairs with smp_load_acquire() in vm_chip() */
		smp_store_release(&vm->arch.irqchip, chip);
	mutex_unlock(&vm->lock);
	if (r) {
		kfree(chip);
		kvfree(routes);
		return r;
	}
	/* Before the irqchip, KVM_SET_GSI_ROUTING fails: nothing to replace. */
	routes_replace(vm, routes);
	return 0;
}

/**
 * okvm_irqchip_enable_split() - KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP)
 * @vm: the VM
 * @nr_ioapic_pins: the GSIs the VMM's I/O APIC routes (args[0])
 *
 * Return: 0, -EINVAL for more pins than routes, -EEXIST with an irqchip
 * or a vCPU already, -ENOMEM.
 */
int okvm_irqchip_enable_split(struct okvm_vm *vm, u64 nr_ioapic_pins)
{
	if (nr_ioapic_pins > OKVM_MAX_IRQ_ROUTES)
		return -EINVAL;
	return irqchip_create(vm, true, nr_ioapic_pins);
}

void okvm_irqchip_vm_free(struct okvm_vm *vm)
{
	/*
	 * No fd and no vCPU is left, but the PIT's timer still fires and
	 * routes IRQ0 through the table: stop it before the table goes.
	 */
	if (vm->arch.irqchip)
		okvm_pit_vm_free(vm->arch.irqchip);
	kvfree(rcu_dereference_protected(vm->arch.irq_routes, 1));
	kfree(vm->arch.irqchip);
}

/* KVM_SET_GSI_ROUTING, with KVM's checks in KVM's order. */
static int set_gsi_routing(struct okvm_vm *vm,
			   struct kvm_irq_routing __user *argp)
{
	struct okvm_irq_routes *new;
	struct kvm_irq_routing hdr;
	u32 i;
	int r;

	if (copy_from_user(&hdr, argp, sizeof(hdr)))
		return -EFAULT;
	/* KVM: only with an in-kernel irqchip, which brings the table. */
	if (!vm_chip(vm) || hdr.nr > OKVM_MAX_IRQ_ROUTES || hdr.flags)
		return -EINVAL;
	new = routes_alloc(hdr.nr);
	if (!new)
		return -ENOMEM;
	if (copy_from_user(new->e, argp->entries,
			   array_size(hdr.nr, sizeof(new->e[0])))) {
		kvfree(new);
		return -EFAULT;
	}
	r = okvm_irq_routing_check(new->e, new->nr,
				   READ_ONCE(vm->arch.x2apic_format));
	/* KVM: no in-kernel PIC or I/O APIC pin to route to when split. */
	for (i = 0; !r && vm_chip(vm)->split && i < new->nr; i++)
		if (new->e[i].type == KVM_IRQ_ROUTING_IRQCHIP)
			r = -EINVAL;
	if (r) {
		kvfree(new);
		return r;
	}
	routes_replace(vm, new);
	return 0;
}

/*
 * KVM_X86_QUIRK_LINT0_REENABLED: the BSP's LINT0 leaves reset (power-up
 * and INIT) as ExtINT, as a BIOS would program it; sets the APIC's flag.
 */
static bool lint0_extint(struct okvm_vcpu *vcpu)
{
	bool on = vcpu->vcpu_id == vcpu->vm->arch.bsp_vcpu_id &&
		  !(READ_ONCE(vcpu->vm->arch.disabled_quirks) &
		    KVM_X86_QUIRK_LINT0_REENABLED);

	vcpu->arch.irq.apic->lint0_extint = on;
	return on;
}

/**
 * okvm_irqchip_vcpu_init() - a vCPU's irqchip state at creation
 * @vcpu: the new vCPU (its VMCB exists)
 *
 * Return: 0 or -ENOMEM.
 */
int okvm_irqchip_vcpu_init(struct okvm_vcpu *vcpu)
{
	struct okvm_vcpu_irq *irq = &vcpu->arch.irq;
	struct okvm_vm *vm = vcpu->vm;

	rcuwait_init(&irq->wait);
	hrtimer_init(&irq->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	irq->timer.function = apic_timer_fn;
	irq->mp_state = KVM_MP_STATE_RUNNABLE;
	irq->ext_vector = -1;
	irq->eoi_exit = -1;
	if (!vm_chip(vm))
		return 0;

	irq->apic = kzalloc(sizeof(*irq->apic), GFP_KERNEL_ACCOUNT);
	if (!irq->apic)
		return -ENOMEM;
	okvm_lapic_init(irq->apic, vcpu->vcpu_id,
			vcpu->vcpu_id == vm->arch.bsp_vcpu_id, &okvm_apic_ops,
			vcpu);
	irq->apic->x2apic_supported = true;
	irq->apic->tsc_deadline_supported = true;
	irq->apic->tsc_khz = vcpu->arch.tsc_khz;
	irq->apic->bus_cycle_ns = vm->arch.apic_bus_cycle_ns;
	if (lint0_extint(vcpu))
		okvm_lapic_reset(irq->apic, false);
	/* Application processors wait for INIT-SIPI, as after RESET. */
	if (vcpu->vcpu_id != vm->arch.bsp_vcpu_id)
		irq->mp_state = KVM_MP_STATE_UNINITIALIZED;
	return 0;
}

void okvm_irqchip_vcpu_free(struct okvm_vcpu *vcpu)
{
	hrtimer_cancel(&vcpu->arch.irq.timer);
	kfree(vcpu->arch.irq.apic);
}

/* --- the vCPU's side (called from run.c) ------------------------------------ */

/* An external interrupt for the guest now: -1 if none. Lock held. */
static int pending_vector(struct okvm_vcpu *vcpu, struct okvm_irqchip *chip,
			  bool ack)
{
	struct okvm_lapic *apic = vcpu->arch.irq.apic;
	int v = okvm_lapic_pending(apic);

	if (v >= 0) {
		if (ack)
			okvm_lapic_ack(apic, v);
		return v;
	}
	if (!okvm_lapic_accept_pic_intr(apic))
		return -1;
	if (chip->split) {
		/* The VMM's PIC: KVM_INTERRUPT already did the INTA. */
		v = vcpu->arch.irq.ext_vector;
		if (ack)
			vcpu->arch.irq.ext_vector = -1;
		return v;
	}
	if (okvm_pic_pending(&chip->pic) >= 0)
		return ack ? okvm_pic_ack(&chip->pic) : 0;
	return -1;
}

/* pending_vector() with the lock taken; -1 without an in-kernel APIC. */
static int vector_locked(struct okvm_vcpu *vcpu, bool ack)
{
	struct okvm_irqchip *chip = vm_chip(vcpu->vm);
	unsigned long flags;
	int v;

	if (!vcpu->arch.irq.apic)
		return -1;
	raw_spin_lock_irqsave(&chip->lock, flags);
	v = pending_vector(vcpu, chip, ack);
	raw_spin_unlock_irqrestore(&chip->lock, flags);
	return v;
}

/**
 * okvm_irqchip_take_events() - INIT, SIPI and NMI the APIC has for its vCPU
 * @vcpu: the vCPU, in its run loop
 * @sipi: the SIPI vector, if OKVM_LAPIC_EV_SIPI is returned
 *
 * Also clears the kick: whatever arrives after this re-evaluates.
 *
 * Return: the OKVM_LAPIC_EV_* bits taken (0 without an in-kernel APIC).
 */
u32 okvm_irqchip_take_events(struct okvm_vcpu *vcpu, u8 *sipi)
{
	struct okvm_irqchip *chip = vm_chip(vcpu->vm);
	struct okvm_vcpu_irq *irq = &vcpu->arch.irq;
	unsigned long flags;
	u32 ev;

	if (!irq->apic)
		return 0;
	atomic_set(&irq->kick, 0);
	/* Clear the kick before reading what it announces (vcpu_kick()). */
	smp_mb__after_atomic();
	raw_spin_lock_irqsave(&chip->lock, flags);
	ev = okvm_lapic_take_events(irq->apic, sipi);
	raw_spin_unlock_irqrestore(&chip->lock, flags);
	return ev;
}

/**
 * okvm_irqchip_init_reset() - the APIC's part of INIT
 * @vcpu: the vCPU, its registers already reset
 *
 * The APIC keeps its INIT state; the BSP runs on, an AP waits for SIPI.
 */
void okvm_irqchip_init_reset(struct okvm_vcpu *vcpu)
{
	struct okvm_irqchip *chip = vm_chip(vcpu->vm);
	struct okvm_vcpu_irq *irq = &vcpu->arch.irq;
	unsigned long flags;

	raw_spin_lock_irqsave(&chip->lock, flags);
	lint0_extint(vcpu);
	okvm_lapic_reset(irq->apic, true);
	raw_spin_unlock_irqrestore(&chip->lock, flags);
	/* As KVM's APIC reset: INIT turns PV EOI off. */
	irq->pv_eoi_msr = 0;
	irq->mp_state = vcpu->vcpu_id == vcpu->vm->arch.bsp_vcpu_id ?
			KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_INIT_RECEIVED;
}

/**
 * okvm_irqchip_has_interrupt() - does the irqchip have a vector for the guest?
 * @vcpu: the vCPU
 *
 * Return: true if the APIC (or the PIC through it) would deliver one now,
 * the guest's own blocking (IF, shadow) aside.
 */
bool okvm_irqchip_has_interrupt(struct okvm_vcpu *vcpu)
{
	return vector_locked(vcpu, false) >= 0;
}

/**
 * okvm_irqchip_ack_interrupt() - acknowledge the vector to inject
 * @vcpu: the vCPU, which can take an interrupt now
 *
 * Return: the vector (now in service), or -1 if none is pending any more.
 */
int okvm_irqchip_ack_interrupt(struct okvm_vcpu *vcpu)
{
	return vector_locked(vcpu, true);
}

/*
 * Read or write the VAPIC word. KVM's cache takes a word that crosses a
 * page (into the same or another slot): so do we, in two pieces.
 * Return: 0, or -EFAULT where no (writable) slot backs a byte of it.
 */
static int vapic_rw(struct okvm_vm *vm, u64 gpa, u32 *word, bool write)
{
	unsigned int n = min_t(u64, sizeof(*word), PAGE_SIZE - (gpa & ~PAGE_MASK));
	u8 *p = (u8 *)word;
	int r;

	r = write ? okvm_write_guest(vm, gpa, p, n) : okvm_read_guest(vm, gpa, p, n);
	if (r || n == sizeof(*word))
		return r;
	return write ? okvm_write_guest(vm, gpa + n, p + n, sizeof(*word) - n) :
		       okvm_read_guest(vm, gpa + n, p + n, sizeof(*word) - n);
}

/**
 * okvm_irqchip_tpr_to_guest() - load the APIC's TPR into the guest's CR8
 * @vcpu: the vCPU, about to enter
 */
void okvm_irqchip_tpr_to_guest(struct okvm_vcpu *vcpu)
{
	struct okvm_irqchip *chip = vm_chip(vcpu->vm);
	struct okvm_vcpu_irq *irq = &vcpu->arch.irq;
	unsigned long flags;
	int isr, irr;
	bool vapic_sync = false;
	u32 vapic;

	if (!irq->apic)
		return;
	raw_spin_lock_irqsave(&chip->lock, flags);
	irq->tpr_loaded = okvm_lapic_get_cr8(irq->apic) & 0xf;
	/* KVM writes the word only while the APIC is enabled. */
	if (irq->vapic_addr && okvm_lapic_enabled(irq->apic)) {
		vapic_sync = true;
		isr = okvm_lapic_find_highest(irq->apic, OKVM_APIC_ISR);
		irr = okvm_lapic_find_highest(irq->apic, OKVM_APIC_IRR);
		/* KVM's layout: TPR, ISR's class, -, the highest IRR. */
		vapic = (okvm_lapic_mmio_read(irq->apic, OKVM_APIC_TPR, 4) & 0xff) |
			(max(isr, 0) & 0xf0) << 8 | (u32)max(irr, 0) << 24;
	}
	raw_spin_unlock_irqrestore(&chip->lock, flags);
	okvm_x86_ops.set_cr(vcpu, OKVM_CR8, irq->tpr_loaded);
	/*
	 * The VAPIC word (QEMU's kvmvapic option ROM patches a guest's TPR
	 * accesses into it). KVM refreshes it only when it evaluated events
	 * for this entry; every entry is a superset a guest cannot tell
	 * apart. A slot that went away loses the update, as in KVM.
	 */
	if (vapic_sync)
		vapic_rw(vcpu->vm, irq->vapic_addr, &vapic, true);
}

/**
 * okvm_irqchip_entry_aborted() - did an interrupt arrive since evaluation?
 * @vcpu: the vCPU, IN_GUEST_MODE already announced, interrupts off
 */
bool okvm_irqchip_entry_aborted(struct okvm_vcpu *vcpu)
{
	return vcpu->arch.irq.apic && atomic_read(&vcpu->arch.irq.kick);
}

/**
 * okvm_irqchip_tpr_from_guest() - the guest may have moved its TPR (CR8)
 * @vcpu: the vCPU, after an exit
 */
void okvm_irqchip_tpr_from_guest(struct okvm_vcpu *vcpu)
{
	struct okvm_irqchip *chip = vm_chip(vcpu->vm);
	unsigned long flags;
	u32 vapic;
	u8 tpr;

	if (!vcpu->arch.irq.apic)
		return;
	/* The guest's TPR in the VAPIC word wins over CR8, as in KVM. */
	if (vcpu->arch.irq.vapic_addr &&
	    !vapic_rw(vcpu->vm, vcpu->arch.irq.vapic_addr, &vapic, false)) {
		raw_spin_lock_irqsave(&chip->lock, flags);
		okvm_lapic_mmio_write(vcpu->arch.irq.apic, OKVM_APIC_TPR, 4,
				      vapic & 0xff);
		raw_spin_unlock_irqrestore(&chip->lock, flags);
		return;
	}
	/* Most exits leave it alone: take the lock only if it moved. */
	tpr = okvm_x86_ops.get_cr(vcpu, OKVM_CR8);
	if (tpr == vcpu->arch.irq.tpr_loaded)
		return;
	raw_spin_lock_irqsave(&chip->lock, flags);
	okvm_lapic_set_cr8(vcpu->arch.irq.apic, tpr);
	raw_spin_unlock_irqrestore(&chip->lock, flags);
}

/* --- PV EOI (KVM_FEATURE_PV_EOI, MSR_KVM_PV_EOI_EN) ------------------------ */

/*
 * A Linux guest with PV EOI ends an interrupt by clearing bit 0 of a byte
 * it registered, and writes the EOI register (an exit) only if the bit
 * was clear. okvm sets the bit before an entry when an EOI needs nothing
 * but the APIC's ISR updated, and after the exit does the EOI the guest
 * made by clearing it. The byte is touched only while the vCPU is out of
 * the guest, so the guest's test-and-clear needs no lock against us.
 */

/**
 * okvm_irqchip_pv_eoi_msr() - RDMSR/WRMSR and KVM_GET/SET_MSRS of MSR_KVM_PV_EOI_EN
 * @vcpu: the vCPU
 * @data: the value to write, or where to read it to
 * @write: a write
 * @host: from userspace
 *
 * As KVM: bit 0 enables, the rest is the byte's GPA, 4-byte aligned; an
 * enabling write needs a writable memslot behind it. It does not need an
 * in-kernel APIC (without one, nothing is ever offered).
 * Return: 0, or 1 (#GP / refused) for a misaligned or unbacked address,
 * or for a guest that may not use the feature.
 */
int okvm_irqchip_pv_eoi_msr(struct okvm_vcpu *vcpu, u64 *data, bool write,
			    bool host)
{
	const struct okvm_memslot *slot;
	u64 gpa = *data & ~(u64)KVM_MSR_ENABLED;
	int idx, r = 0;

	if (!host && !okvm_guest_pv_has(vcpu, KVM_FEATURE_PV_EOI))
		return 1;
	if (!write) {
		*data = vcpu->arch.irq.pv_eoi_msr;
		return 0;
	}
	if (!IS_ALIGNED(gpa, 4))
		return 1;
	if (*data & KVM_MSR_ENABLED) {
		idx = srcu_read_lock(&vcpu->vm->srcu);
		if (!okvm_guest_hva(vcpu->vm, gpa, 1, true, &slot))
			r = 1;
		srcu_read_unlock(&vcpu->vm->srcu, idx);
	}
	if (!r)
		vcpu->arch.irq.pv_eoi_msr = *data;
	return r;
}

/* Must the EOI of @vector reach an I/O APIC, the kernel's or the VMM's? */
static bool eoi_is_heard(struct okvm_irqchip *chip, u8 vector)
{
	if (chip->split)
		return test_bit(vector, chip->eoi_exit_vectors);
	return okvm_ioapic_has_vector(&chip->ioapic, vector);
}

/**
 * okvm_irqchip_pv_eoi_to_guest() - offer PV EOI for the coming entry
 * @vcpu: the vCPU, its events injected
 *
 * Sets the guest's byte when the next EOI may skip the exit. A failed
 * write (the slot went away) offers nothing: the guest then exits for its
 * EOI, which is always correct.
 */
void okvm_irqchip_pv_eoi_to_guest(struct okvm_vcpu *vcpu)
{
	struct okvm_irqchip *chip = vm_chip(vcpu->vm);
	struct okvm_vcpu_irq *irq = &vcpu->arch.irq;
	static const u8 set = KVM_PV_EOI_ENABLED;
	unsigned long flags;
	int v;

	if (!irq->apic || !(irq->pv_eoi_msr & KVM_MSR_ENABLED))
		return;
	raw_spin_lock_irqsave(&chip->lock, flags);
	v = okvm_lapic_pv_eoi_vector(irq->apic);
	if (v >= 0 && eoi_is_heard(chip, v))
		v = -1;
	raw_spin_unlock_irqrestore(&chip->lock, flags);
	if (v >= 0 && !okvm_write_guest(vcpu->vm, irq->pv_eoi_msr &
					~(u64)KVM_MSR_ENABLED, &set, 1))
		irq->pv_eoi_pending = true;
}

/**
 * okvm_irqchip_pv_eoi_from_guest() - after the run: did the guest EOI?
 * @vcpu: the vCPU, back from an entry (or from a cancelled one)
 *
 * The byte is cleared in any case, so that it is offered again only after
 * the next entry's check. A byte the guest cleared is its EOI: okvm does
 * it now, as the EOI register's write would have. A byte that cannot be
 * read (its slot went away) counts as cleared, as in KVM: an ISR bit left
 * set for good would block the guest's lower vectors forever.
 */
void okvm_irqchip_pv_eoi_from_guest(struct okvm_vcpu *vcpu)
{
	struct okvm_irqchip *chip = vm_chip(vcpu->vm);
	struct okvm_vcpu_irq *irq = &vcpu->arch.irq;
	u64 gpa = irq->pv_eoi_msr & ~(u64)KVM_MSR_ENABLED;
	static const u8 clear;
	unsigned long flags;
	u8 val;

	if (!irq->pv_eoi_pending)
		return;
	irq->pv_eoi_pending = false;
	if (okvm_read_guest(vcpu->vm, gpa, &val, 1))
		val = 0;
	if (val & KVM_PV_EOI_ENABLED) {
		okvm_write_guest(vcpu->vm, gpa, &clear, 1);
		return;
	}
	raw_spin_lock_irqsave(&chip->lock, flags);
	okvm_lapic_pv_eoi(irq->apic);
	raw_spin_unlock_irqrestore(&chip->lock, flags);
}

static bool vcpu_wakeup(struct okvm_vcpu *vcpu)
{
	return atomic_read(&vcpu->arch.irq.kick) || signal_pending(current);
}

/**
 * okvm_irqchip_block() - block a halted or waiting vCPU until it has work
 * @vcpu: the vCPU (not runnable)
 *
 * Return: 1 to evaluate again, -EINTR with KVM_EXIT_INTR on a signal.
 */
int okvm_irqchip_block(struct okvm_vcpu *vcpu)
{
	/* Only the vCPU's own thread waits here: an rcuwait is enough. */
	if (rcuwait_wait_event(&vcpu->arch.irq.wait, vcpu_wakeup(vcpu),
			       TASK_INTERRUPTIBLE) ||
	    signal_pending(current)) {
		vcpu->run->exit_reason = KVM_EXIT_INTR;
		vcpu->stat.signal_exits++;
		return -EINTR;
	}
	return 1;
}

/* --- the split irqchip's ExtINT and EOI exits ------------------------------ */

/**
 * okvm_irqchip_interrupt() - KVM_INTERRUPT with an in-kernel APIC
 * @vcpu: the vCPU, its mutex held
 * @vector: the vector the VMM's PIC answered the INTA with
 *
 * Only a split irqchip takes it: it waits, as the ExtINT of LINT0, until
 * the APIC accepts it and the guest can take an interrupt.
 *
 * Return: 0, -ENXIO with the in-kernel PIC, -EEXIST while the previous
 * one waits (as KVM).
 */
int okvm_irqchip_interrupt(struct okvm_vcpu *vcpu, u8 vector)
{
	struct okvm_irqchip *chip = vm_chip(vcpu->vm);
	unsigned long flags;
	int r = 0;

	if (!chip->split)
		return -ENXIO;
	raw_spin_lock_irqsave(&chip->lock, flags);
	if (vcpu->arch.irq.ext_vector >= 0)
		r = -EEXIST;
	else
		vcpu->arch.irq.ext_vector = vector;
	raw_spin_unlock_irqrestore(&chip->lock, flags);
	/* Its own thread: no IPI, but a halted vCPU re-evaluates. */
	if (!r)
		atomic_set(&vcpu->arch.irq.kick, 1);
	return r;
}

/* Does the vCPU have a split irqchip's APIC? */
bool okvm_irqchip_split(struct okvm_vcpu *vcpu)
{
	return vcpu->arch.irq.apic && vm_chip(vcpu->vm)->split;
}

/**
 * okvm_irqchip_ready_for_extint() - may the VMM's PIC inject through LINT0?
 * @vcpu: the vCPU of a split irqchip
 *
 * KVM's kvm_cpu_accept_dm_intr(): no ExtINT waiting, and LINT0 takes
 * ExtINT (or the APIC is disabled). The guest's own readiness (IF,
 * shadow) is the caller's.
 */
bool okvm_irqchip_ready_for_extint(struct okvm_vcpu *vcpu)
{
	struct okvm_irqchip *chip = vm_chip(vcpu->vm);
	unsigned long flags;
	bool r;

	raw_spin_lock_irqsave(&chip->lock, flags);
	r = vcpu->arch.irq.ext_vector < 0 &&
	    okvm_lapic_accept_pic_intr(vcpu->arch.irq.apic);
	raw_spin_unlock_irqrestore(&chip->lock, flags);
	return r;
}

/**
 * okvm_irqchip_eoi_exit() - tell the VMM's I/O APIC of an EOI
 * @vcpu: the vCPU, after an exit it handled
 *
 * Return: true with KVM_EXIT_IOAPIC_EOI set up, if the guest EOIed a
 * vector of a split irqchip's I/O APIC routes.
 */
bool okvm_irqchip_eoi_exit(struct okvm_vcpu *vcpu)
{
	int v = vcpu->arch.irq.eoi_exit;

	if (v < 0)
		return false;
	vcpu->arch.irq.eoi_exit = -1;
	vcpu->run->exit_reason = KVM_EXIT_IOAPIC_EOI;
	vcpu->run->eoi.vector = v;
	return true;
}

/* --- exits ----------------------------------------------------------------- */

/**
 * okvm_irqchip_mmio() - an MMIO access to the APIC page or the I/O APIC
 * @vcpu: the vCPU
 * @gpa: the address
 * @write: direction
 * @len: bytes
 * @val: the value written, or where a read goes
 *
 * Return: 1 if the irqchip handled it, 0 if it is not the irqchip's.
 */
int okvm_irqchip_mmio(struct okvm_vcpu *vcpu, u64 gpa, bool write, int len,
		      u64 *val)
{
	struct okvm_irqchip *chip = vm_chip(vcpu->vm);
	struct okvm_lapic *apic = vcpu->arch.irq.apic;
	unsigned long flags;
	int r = 0;

	if (!apic)
		return 0;
	raw_spin_lock_irqsave(&chip->lock, flags);
	if (okvm_lapic_mode(apic) == OKVM_LAPIC_XAPIC &&
	    (gpa & PAGE_MASK) == (apic->apic_base & OKVM_APIC_BASE_MASK)) {
		if (write)
			okvm_lapic_mmio_write(apic, gpa & ~PAGE_MASK, len, *val);
		else
			*val = okvm_lapic_mmio_read(apic, gpa & ~PAGE_MASK, len);
		r = 1;
	} else if (!chip->split && gpa >= chip->ioapic.base_address &&
		   gpa < chip->ioapic.base_address + OKVM_IOAPIC_MMIO_SIZE) {
		u32 off = gpa - chip->ioapic.base_address;

		if (write)
			okvm_ioapic_mmio_write(&chip->ioapic, off, len, *val);
		else
			*val = okvm_ioapic_mmio_read(&chip->ioapic, off, len);
		r = 1;
	}
	raw_spin_unlock_irqrestore(&chip->lock, flags);
	return r;
}

/**
 * okvm_irqchip_pio() - an IN or OUT to the PIC's or the PIT's ports
 * @vcpu: the vCPU
 * @port: the port
 * @in: direction
 * @size: bytes: the PIC takes byte accesses; the PIT any size, as KVM's
 *	(a write's low byte, a read zero-extended)
 * @val: the value written, or where a read goes
 *
 * Return: 1 if handled here, 0 if the access is userspace's.
 */
int okvm_irqchip_pio(struct okvm_vcpu *vcpu, u16 port, bool in, int size,
		     u32 *val)
{
	struct okvm_irqchip *chip = vm_chip(vcpu->vm);
	unsigned long flags;
	u8 v = *val;
	int r = 0;

	if (!chip || chip->split)
		return 0;
	raw_spin_lock_irqsave(&chip->lock, flags);
	if (size == 1 &&
	    !(in ? okvm_pic_ioport_read(&chip->pic, port, &v) :
		   okvm_pic_ioport_write(&chip->pic, port, v))) {
		if (in)
			*val = v;
		r = 1;
	} else if (okvm_pit_pio(chip, port, in, val)) {
		r = 1;
	}
	raw_spin_unlock_irqrestore(&chip->lock, flags);
	return r;
}

/**
 * okvm_irqchip_msr() - the APIC's MSRs (APIC base, TSC deadline, x2APIC)
 * @vcpu: the vCPU
 * @msr: the MSR
 * @data: in for writes, out for reads
 * @write: direction
 * @host: KVM_GET/SET_MSRS rather than the guest
 *
 * Return: 0 handled, 1 #GP (or an invalid host write), -ENOENT not the
 * APIC's (or no in-kernel APIC).
 */
int okvm_irqchip_msr(struct okvm_vcpu *vcpu, u32 msr, u64 *data, bool write,
		     bool host)
{
	struct okvm_irqchip *chip = vm_chip(vcpu->vm);
	struct okvm_lapic *apic = vcpu->arch.irq.apic;
	unsigned long flags;
	int r;

	if (!apic)
		return -ENOENT;
	raw_spin_lock_irqsave(&chip->lock, flags);
	if (write && host && msr == OKVM_MSR_APIC_BASE)
		r = okvm_lapic_set_base(apic, *data, true);
	else if (write)
		r = okvm_lapic_msr_write(apic, msr, *data);
	else
		r = okvm_lapic_msr_read(apic, msr, data);
	raw_spin_unlock_irqrestore(&chip->lock, flags);
	if (r == -ENOENT)
		return -ENOENT;
	return r ? 1 : 0;
}

/* --- ioctls ------------------------------------------------------------------- */

/*
 * An MSI route fires on level 1 only (KVM: -1, "not delivered", for 0).
 * Return: the number of APICs that accepted it, as KVM_SIGNAL_MSI, or -1.
 */
static int irq_line_msi(struct okvm_vm *vm,
			const struct kvm_irq_routing_entry *e, bool level)
{
	struct okvm_lapic_irq irq;

	if (!level || okvm_msi_decode(e->u.msi.address_lo, e->u.msi.address_hi,
				      e->u.msi.data,
				      READ_ONCE(vm->arch.x2apic_format), &irq))
		return -1;
	return irqchip_deliver(vm, NULL, &irq);
}

/*
 * Drive every route of @gsi to @level. Lock held; the routing table is
 * read under RCU (a raw spinlock section is one too, but say so).
 * Return: the delivery count as KVM_IRQ_LINE_STATUS reports it, or -1.
 */
static int irq_line_locked(struct okvm_vm *vm, struct okvm_irqchip *chip,
			   u32 gsi, bool level)
{
	const struct okvm_irq_routes *t;
	int i, r, ret = -1;

	lockdep_assert_held(&chip->lock);
	rcu_read_lock();
	t = rcu_dereference(vm->arch.irq_routes);
	for (i = 0; t && i < t->nr; i++) {
		const struct kvm_irq_routing_entry *e = &t->e[i];

		if (e->gsi != gsi)
			continue;
		if (e->type == KVM_IRQ_ROUTING_MSI)
			r = irq_line_msi(vm, e, level);
		else if (e->u.irqchip.irqchip == KVM_IRQCHIP_IOAPIC)
			r = okvm_ioapic_set_irq(&chip->ioapic, e->u.irqchip.pin, level);
		else
			r = okvm_pic_set_irq(&chip->pic,
					     e->u.irqchip.pin +
					     (e->u.irqchip.irqchip == KVM_IRQCHIP_PIC_SLAVE) * 8,
					     level);
		ret = max(ret, r);
	}
	rcu_read_unlock();
	return ret;
}

/**
 * okvm_irqchip_set_gsi_locked() - an in-kernel device drives a GSI
 * @vm: the VM (it has an irqchip)
 * @gsi: the GSI
 * @level: its new level
 *
 * Context: the irqchip lock held (the PIT's timer, its ack).
 */
void okvm_irqchip_set_gsi_locked(struct okvm_vm *vm, u32 gsi, bool level)
{
	irq_line_locked(vm, vm_chip(vm), gsi, level);
}

/* KVM_IRQ_LINE: every route of the GSI. Return: the delivery count, or -1. */
static int irq_line(struct okvm_vm *vm, struct okvm_irqchip *chip, u32 gsi,
		    bool level)
{
	unsigned long flags;
	int ret;

	raw_spin_lock_irqsave(&chip->lock, flags);
	ret = irq_line_locked(vm, chip, gsi, level);
	raw_spin_unlock_irqrestore(&chip->lock, flags);
	return ret;
}

long okvm_irqchip_vm_ioctl(struct okvm_vm *vm, unsigned int ioctl,
			   void __user *argp)
{
	struct okvm_irqchip *chip = vm_chip(vm);
	unsigned long flags;
	long r;

	if (ioctl == KVM_CREATE_IRQCHIP)
		return irqchip_create(vm, false, 0);
	if (ioctl == KVM_SET_GSI_ROUTING)
		return set_gsi_routing(vm, argp);
	if (!chip)
		return -ENXIO;

	switch (ioctl) {
	case KVM_IRQ_LINE:
	case KVM_IRQ_LINE_STATUS: {
		struct kvm_irq_level l;

		if (copy_from_user(&l, argp, sizeof(l)))
			return -EFAULT;
		l.status = irq_line(vm, chip, l.irq, l.level);
		if (ioctl == KVM_IRQ_LINE_STATUS &&
		    copy_to_user(argp, &l, sizeof(l)))
			return -EFAULT;
		return 0;
	}
	case KVM_SIGNAL_MSI: {
		struct okvm_lapic_irq irq;
		struct kvm_msi msi;

		if (copy_from_user(&msi, argp, sizeof(msi)))
			return -EFAULT;
		r = okvm_signal_msi_decode(&msi,
					   READ_ONCE(vm->arch.x2apic_format), &irq);
		if (r)
			return r;
		raw_spin_lock_irqsave(&chip->lock, flags);
		r = irqchip_deliver(vm, NULL, &irq);
		raw_spin_unlock_irqrestore(&chip->lock, flags);
		return r;
	}
	default: {	/* KVM_GET_IRQCHIP, KVM_SET_IRQCHIP */
		struct kvm_irqchip *ic = kzalloc(sizeof(*ic), GFP_KERNEL);

		if (!ic)
			return -ENOMEM;
		r = -EFAULT;
		if (copy_from_user(ic, argp, sizeof(*ic)))
			goto out;
		/* KVM: the VMM has the PIC and I/O APIC of a split irqchip. */
		r = -ENXIO;
		if (chip->split)
			goto out;
		r = -EINVAL;
		if (ic->chip_id > KVM_IRQCHIP_IOAPIC)
			goto out;
		raw_spin_lock_irqsave(&chip->lock, flags);
		if (ioctl == KVM_GET_IRQCHIP) {
			if (ic->chip_id == KVM_IRQCHIP_IOAPIC)
				okvm_ioapic_get_state(&chip->ioapic, &ic->chip.ioapic);
			else
				okvm_pic_get_state(&chip->pic, ic->chip_id, &ic->chip.pic);
			r = 0;
		} else if (ic->chip_id == KVM_IRQCHIP_IOAPIC) {
			r = okvm_ioapic_set_state(&chip->ioapic, &ic->chip.ioapic);
		} else {
			r = okvm_pic_set_state(&chip->pic, ic->chip_id, &ic->chip.pic);
		}
		raw_spin_unlock_irqrestore(&chip->lock, flags);
		if (!r && ioctl == KVM_GET_IRQCHIP &&
		    copy_to_user(argp, ic, sizeof(*ic)))
			r = -EFAULT;
out:
		kfree(ic);
		return r;
	}
	}
}

long okvm_irqchip_vcpu_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
			     void __user *argp)
{
	struct okvm_irqchip *chip = vm_chip(vcpu->vm);
	struct okvm_vcpu_irq *irq = &vcpu->arch.irq;
	struct kvm_vapic_addr va;
	struct kvm_lapic_state *s;
	struct kvm_mp_state mp;
	unsigned long flags;
	u32 word;
	long r;

	switch (ioctl) {
	case KVM_SET_VAPIC_ADDR:
		/* KVM: -EINVAL without an in-kernel APIC, checked first. */
		if (!irq->apic)
			return -EINVAL;
		if (copy_from_user(&va, argp, sizeof(va)))
			return -EFAULT;
		/* KVM maps the word here: -EINVAL if a byte has no slot. */
		if (va.vapic_addr &&
		    vapic_rw(vcpu->vm, va.vapic_addr, &word, false))
			return -EINVAL;
		irq->vapic_addr = va.vapic_addr;
		return 0;
	case KVM_GET_MP_STATE:
		mp.mp_state = irq->apic ? irq->mp_state : KVM_MP_STATE_RUNNABLE;
		return copy_to_user(argp, &mp, sizeof(mp)) ? -EFAULT : 0;
	case KVM_SET_MP_STATE:
		if (copy_from_user(&mp, argp, sizeof(mp)))
			return -EFAULT;
		/* KVM: states other than RUNNABLE need an in-kernel APIC. */
		if (!irq->apic)
			return mp.mp_state == KVM_MP_STATE_RUNNABLE ? 0 : -EINVAL;
		switch (mp.mp_state) {
		case KVM_MP_STATE_RUNNABLE:
		case KVM_MP_STATE_UNINITIALIZED:
		case KVM_MP_STATE_INIT_RECEIVED:
		case KVM_MP_STATE_HALTED:
			irq->mp_state = mp.mp_state;
			return 0;
		default:
			return -EINVAL;
		}
	default:	/* KVM_GET_LAPIC, KVM_SET_LAPIC */
		if (!irq->apic)
			return -EINVAL;
		s = kzalloc(sizeof(*s), GFP_KERNEL);
		if (!s)
			return -ENOMEM;
		if (ioctl == KVM_SET_LAPIC && copy_from_user(s, argp, sizeof(*s))) {
			kfree(s);
			return -EFAULT;
		}
		raw_spin_lock_irqsave(&chip->lock, flags);
		if (ioctl == KVM_GET_LAPIC) {
			okvm_lapic_get_state(irq->apic, s,
					     READ_ONCE(vcpu->vm->arch.x2apic_format));
			r = 0;
		} else {
			r = okvm_lapic_set_state(irq->apic, s,
						  READ_ONCE(vcpu->vm->arch.x2apic_format));
		}
		raw_spin_unlock_irqrestore(&chip->lock, flags);
		if (!r && ioctl == KVM_GET_LAPIC && copy_to_user(argp, s, sizeof(*s)))
			r = -EFAULT;
		kfree(s);
		return r;
	}
}

/* --- the arch interface of irqfds (src/eventfd.c) ---------------------------- */

bool okvm_arch_irqchip_in_kernel(struct okvm_vm *vm)
{
	return vm_chip(vm);
}

void okvm_arch_set_irq(struct okvm_vm *vm, u32 gsi, bool level)
{
	struct okvm_irqchip *chip = vm_chip(vm);

	if (chip)
		irq_line(vm, chip, gsi, level);
}
