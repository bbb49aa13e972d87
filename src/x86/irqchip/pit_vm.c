// SPDX-License-Identifier: GPL-2.0-only
/*
 * The i8254 PIT as a device of the VM: KVM_CREATE_PIT(2), KVM_GET/SET_PIT(2)
 * and KVM_REINJECT_CONTROL with KVM's checks and errnos, channel 0's timer
 * on an hrtimer, and IRQ0 into the in-kernel irqchip (pit.c is the model).
 *
 * The PIT lives beside the PIC and I/O APIC and under the same irqchip
 * lock: its IRQ0 edge is delivered with the lock held, the guest's
 * acknowledgement of IRQ0 (a PIC EOI, an I/O APIC EOI of its vector)
 * reaches it under the lock, and its port accesses take it. KVM instead
 * gives the PIT its own mutex and injects from a kthread, because its
 * irqchip locks may sleep; okvm's is a raw spinlock, so the hrtimer's
 * hard-IRQ callback can deliver IRQ0 itself.
 *
 * chip->pit is written once under the lock (creation) and read under it;
 * the PIT goes away with the VM.
 */
#include <linux/hrtimer.h>
#include <linux/kvm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "irqchip.h"
#include "okvm.h"

/**
 * struct okvm_pit_dev - the PIT of a VM
 * @pit: the model
 * @timer: channel 0's timer (hard-IRQ expiry)
 * @vm: the VM
 * @speaker: port 0x61 is the kernel's (KVM_PIT_SPEAKER_DUMMY); without it
 *	the VMM's speaker device serves it and moves channel 2's gate with
 *	KVM_SET_PIT2, as QEMU does
 */
struct okvm_pit_dev {
	struct okvm_pit pit;
	struct hrtimer timer;
	struct okvm_vm *vm;
	bool speaker;
};

static struct okvm_irqchip *dev_chip(struct okvm_pit_dev *dev)
{
	return dev->vm->arch.irqchip;
}

static u64 pit_now_ns(void *opaque)
{
	/* kvm_pit_channel_state.count_load_time is CLOCK_MONOTONIC ns. */
	return ktime_get_ns();
}

static void pit_timer_arm(void *opaque, u64 expires_ns)
{
	struct okvm_pit_dev *dev = opaque;

	hrtimer_start(&dev->timer, ns_to_ktime(expires_ns),
		      HRTIMER_MODE_ABS_HARD);
}

static void pit_timer_cancel(void *opaque)
{
	struct okvm_pit_dev *dev = opaque;

	/* Under the lock the callback may be waiting for: no wait. */
	hrtimer_try_to_cancel(&dev->timer);
}

static void pit_irq0(void *opaque)
{
	struct okvm_pit_dev *dev = opaque;

	/* A pulse on GSI 0: one edge for the PIC and the I/O APIC alike. */
	okvm_irqchip_set_gsi_locked(dev->vm, 0, true);
	okvm_irqchip_set_gsi_locked(dev->vm, 0, false);
}

static const struct okvm_pit_ops okvm_pit_dev_ops = {
	.now_ns = pit_now_ns,
	.timer_arm = pit_timer_arm,
	.timer_cancel = pit_timer_cancel,
	.irq0 = pit_irq0,
};

static enum hrtimer_restart pit_timer_fn(struct hrtimer *t)
{
	struct okvm_pit_dev *dev = container_of(t, struct okvm_pit_dev, timer);
	struct okvm_irqchip *chip = dev_chip(dev);
	unsigned long flags;
	u64 next = 0;

	raw_spin_lock_irqsave(&chip->lock, flags);
	/*
	 * A guest write that reprogrammed channel 0 while this expiry waited
	 * for the lock started the timer again: that expiry is the one that
	 * counts. Restarting from here would move an enqueued timer.
	 */
	if (!hrtimer_is_queued(t))
		next = okvm_pit_timer_expired(&dev->pit);
	if (next)
		hrtimer_set_expires(t, ns_to_ktime(next));
	raw_spin_unlock_irqrestore(&chip->lock, flags);
	return next ? HRTIMER_RESTART : HRTIMER_NORESTART;
}

/* KVM_CREATE_PIT(2): KVM's order of checks, EEXIST before ENOENT. */
static int pit_create(struct okvm_vm *vm, u32 flags)
{
	struct okvm_irqchip *chip;
	struct okvm_pit_dev *dev;
	unsigned long irqf;
	int r;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL_ACCOUNT);
	if (!dev)
		return -ENOMEM;
	hrtimer_init(&dev->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	dev->timer.function = pit_timer_fn;
	dev->vm = vm;
	dev->speaker = flags & KVM_PIT_SPEAKER_DUMMY;
	/* Reset state: no channel has a mode, so no timer runs yet. */
	okvm_pit_init(&dev->pit, &okvm_pit_dev_ops, dev);

	mutex_lock(&vm->lock);
	chip = vm->arch.irqchip;
	if (chip && chip->pit)
		r = -EEXIST;
	else if (!chip || !okvm_irqchip_has_pic(chip))
		r = -ENOENT;	/* the PIT's IRQ0 needs the in-kernel PIC */
	else
		r = 0;
	if (!r) {
		raw_spin_lock_irqsave(&chip->lock, irqf);
		WRITE_ONCE(chip->pit, dev);
		raw_spin_unlock_irqrestore(&chip->lock, irqf);
	}
	mutex_unlock(&vm->lock);
	if (r)
		kfree(dev);
	return r;
}

/**
 * okvm_pit_vm_free() - the PIT goes with its VM
 * @chip: the VM's irqchip, unreachable from userspace and vCPUs
 */
void okvm_pit_vm_free(struct okvm_irqchip *chip)
{
	if (!chip->pit)
		return;
	hrtimer_cancel(&chip->pit->timer);
	kfree(chip->pit);
	chip->pit = NULL;
}

/**
 * okvm_pit_pio() - a guest's access to a PIT port
 * @chip: the irqchip, its lock held
 * @port: the port
 * @in: direction
 * @val: the value written (its low byte counts, as in KVM), or where the
 *	byte read goes (zero-extended; the control word port leaves it)
 *
 * Return: true if the PIT took the access.
 */
bool okvm_pit_pio(struct okvm_irqchip *chip, u16 port, bool in, u32 *val)
{
	struct okvm_pit_dev *dev = chip->pit;
	u8 v = *val;

	lockdep_assert_held(&chip->lock);
	if (!dev || (port == OKVM_PIT_SPEAKER && !dev->speaker))
		return false;
	if (!in)
		return okvm_pit_ioport_write(&dev->pit, port, v);
	if (!okvm_pit_ioport_read(&dev->pit, port, &v))
		return false;
	*val = v;
	return true;
}

/**
 * okvm_pit_irq0_event() - the guest acknowledged or unmasked IRQ0
 * @chip: the irqchip, its lock held
 * @unmasked: an unmask at the PIC or I/O APIC rather than an EOI
 */
void okvm_pit_irq0_event(struct okvm_irqchip *chip, bool unmasked)
{
	lockdep_assert_held(&chip->lock);
	if (!chip->pit)
		return;
	if (unmasked)
		okvm_pit_irq0_unmasked(&chip->pit->pit);
	else
		okvm_pit_irq0_acked(&chip->pit->pit);
}

/* The old KVM_GET/SET_PIT state is the channels of the new one. */
static_assert(sizeof(struct kvm_pit_state) ==
	      sizeof(((struct kvm_pit_state2 *)0)->channels));

/**
 * okvm_pit_vm_ioctl() - the PIT's VM ioctls
 * @vm: the VM
 * @ioctl: KVM_CREATE_PIT, KVM_CREATE_PIT2, KVM_GET/SET_PIT(2) or
 *	KVM_REINJECT_CONTROL
 * @argp: the argument
 *
 * Return: 0 or -errno, as KVM: -EFAULT for an argument that cannot be
 * copied (before anything else), -ENXIO without a PIT.
 */
long okvm_pit_vm_ioctl(struct okvm_vm *vm, unsigned int ioctl,
		       void __user *argp)
{
	/* Published by KVM_CREATE_IRQCHIP with a release store. */
	struct okvm_irqchip *chip = smp_load_acquire(&vm->arch.irqchip);
	struct kvm_reinject_control rc;
	struct kvm_pit_config config;
	struct kvm_pit_state2 s;
	unsigned long flags;
	bool set = false;

	switch (ioctl) {
	case KVM_CREATE_PIT:
		/* The first interface had the kernel emulate port 0x61 too. */
		return pit_create(vm, KVM_PIT_SPEAKER_DUMMY);
	case KVM_CREATE_PIT2:
		if (copy_from_user(&config, argp, sizeof(config)))
			return -EFAULT;
		/* KVM ignores unknown flags and the padding. */
		return pit_create(vm, config.flags);
	case KVM_REINJECT_CONTROL:
		if (copy_from_user(&rc, argp, sizeof(rc)))
			return -EFAULT;
		break;
	case KVM_GET_PIT:
		/* KVM reads the argument in before it looks for the PIT. */
		if (copy_from_user(&s.channels, argp, sizeof(s.channels)))
			return -EFAULT;
		break;
	case KVM_SET_PIT:
		if (copy_from_user(&s.channels, argp, sizeof(s.channels)))
			return -EFAULT;
		set = true;
		break;
	case KVM_SET_PIT2:
		if (copy_from_user(&s, argp, sizeof(s)))
			return -EFAULT;
		set = true;
		break;
	case KVM_GET_PIT2:
		break;
	default:
		return -ENOTTY;
	}

	/* Created once, never removed while the VM lives: no lock to test. */
	if (!chip || !READ_ONCE(chip->pit))
		return -ENXIO;
	raw_spin_lock_irqsave(&chip->lock, flags);
	if (ioctl == KVM_REINJECT_CONTROL) {
		okvm_pit_set_reinject(&chip->pit->pit, rc.pit_reinject);
	} else if (set) {
		/* KVM_SET_PIT keeps the flags (HPET legacy, speaker data). */
		if (ioctl == KVM_SET_PIT)
			s.flags = chip->pit->pit.flags;
		okvm_pit_set_state(&chip->pit->pit, &s);
	} else {
		okvm_pit_get_state(&chip->pit->pit, &s);
	}
	raw_spin_unlock_irqrestore(&chip->lock, flags);
	if (ioctl == KVM_GET_PIT2)
		return copy_to_user(argp, &s, sizeof(s)) ? -EFAULT : 0;
	if (ioctl == KVM_GET_PIT)
		return copy_to_user(argp, &s.channels, sizeof(s.channels)) ?
		       -EFAULT : 0;
	return 0;
}
