// SPDX-License-Identifier: GPL-2.0-only
/*
 * I/O APIC model. Facts from the Intel 82093AA datasheet; KVM's behaviour
 * where software depends on it (odd MMIO sizes, remote IRR cleared when
 * an entry is made edge-triggered, KVM_GET/SET_IRQCHIP layout). See
 * ioapic.h for the locking rules.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kvm.h>
#include <linux/string.h>

#include "ioapic.h"

/* Bits 55:17 are reserved; delivery status and remote IRR are read-only. */
#define RTE_WRITABLE	(GENMASK_ULL(63, 56) | GENMASK_ULL(16, 0))
#define RTE_READ_ONLY	(OKVM_IOAPIC_RTE_DELIVS | OKVM_IOAPIC_RTE_REMOTE_IRR)

static bool rte_level(u64 rte)
{
	return rte & OKVM_IOAPIC_RTE_LEVEL;
}

/**
 * okvm_ioapic_rte_to_irq() - the APIC-bus message a redirection entry sends
 * @rte: the entry
 * @irq: receives the message
 *
 * Context: any.
 */
void okvm_ioapic_rte_to_irq(u64 rte, struct okvm_lapic_irq *irq)
{
	*irq = (struct okvm_lapic_irq) {
		.vector = rte & OKVM_IOAPIC_RTE_VECTOR,
		.delivery_mode = (rte >> OKVM_IOAPIC_RTE_DM_SHIFT) & 7,
		.dest_mode = !!(rte & OKVM_IOAPIC_RTE_DEST_LOGICAL),
		.level = true,
		.trig_mode = rte_level(rte),
		.shorthand = OKVM_APIC_SH_NONE,
		.dest_id = rte >> OKVM_IOAPIC_RTE_DEST_SHIFT,
	};
}

/*
 * Send pin @pin's message if the entry allows it. A level-triggered
 * message accepted by some APIC sets remote IRR until that APIC's EOI.
 */
static int service(struct okvm_ioapic *ioapic, u32 pin)
{
	u64 *rte = &ioapic->redirtbl[pin];
	struct okvm_lapic_irq irq;
	int n;

	if (*rte & OKVM_IOAPIC_RTE_MASKED)
		return -1;
	if (rte_level(*rte) && (*rte & OKVM_IOAPIC_RTE_REMOTE_IRR))
		return 0;
	okvm_ioapic_rte_to_irq(*rte, &irq);
	n = ioapic->ops->deliver(ioapic->opaque, &irq);
	if (n > 0 && rte_level(*rte))
		*rte |= OKVM_IOAPIC_RTE_REMOTE_IRR;
	return n;
}

/**
 * okvm_ioapic_set_irq() - drive pin @pin (KVM_IRQ_LINE through the routing)
 * @ioapic: the I/O APIC
 * @pin: 0-23
 * @level: the line's logical level (asserted), polarity already applied
 *	as KVM's ABI defines it
 *
 * Edge-triggered pins send on a rising edge; an edge on a masked pin is
 * lost (82093AA 3.2.4). Level-triggered pins send while the line is
 * asserted, unmasked and remote IRR is clear; an asserted line is
 * delivered again on EOI or when unmasked.
 *
 * Context: irqchip lock held; calls ->deliver.
 * Return: the number of APICs that accepted the message (>0), 0 if it was
 * coalesced (no edge, remote IRR set) or nobody took it, -1 if masked,
 * -EINVAL for a bad pin.
 */
int okvm_ioapic_set_irq(struct okvm_ioapic *ioapic, u32 pin, bool level)
{
	u32 mask;
	bool old;

	if (pin >= OKVM_IOAPIC_NUM_PINS)
		return -EINVAL;
	mask = BIT(pin);
	old = ioapic->line & mask;
	if (level)
		ioapic->line |= mask;
	else
		ioapic->line &= ~mask;

	if (rte_level(ioapic->redirtbl[pin]))
		return level ? service(ioapic, pin) : 0;
	if (!level || old)
		return 0;
	return service(ioapic, pin);
}

/**
 * okvm_ioapic_eoi() - a local APIC EOIed @vector
 * @ioapic: the I/O APIC
 * @vector: the vector
 * @level: the APIC had it as level-triggered (its TMR bit)
 *
 * Every entry with this vector is reported to ->acked. A level-triggered
 * EOI also clears remote IRR of the level-triggered entries with this
 * vector and delivers again those whose line is still asserted.
 *
 * Context: irqchip lock held (the lead calls it from ->eoi_broadcast after
 * dropping the APIC's lock, or with the lock order irqchip then APIC);
 * calls ->deliver and ->acked.
 */
void okvm_ioapic_eoi(struct okvm_ioapic *ioapic, u8 vector, bool level)
{
	u32 pin;

	for (pin = 0; pin < OKVM_IOAPIC_NUM_PINS; pin++) {
		u64 *rte = &ioapic->redirtbl[pin];

		if ((*rte & OKVM_IOAPIC_RTE_VECTOR) != vector)
			continue;
		if (ioapic->ops && ioapic->ops->acked)
			ioapic->ops->acked(ioapic->opaque, pin);
		if (!level || !rte_level(*rte))
			continue;
		*rte &= ~OKVM_IOAPIC_RTE_REMOTE_IRR;
		if (ioapic->line & BIT(pin))
			service(ioapic, pin);
	}
}

/**
 * okvm_ioapic_has_vector() - does a pin deliver @vector?
 * @ioapic: the I/O APIC
 * @vector: the vector
 *
 * Its EOI then matters to the I/O APIC (okvm_ioapic_eoi()), whatever the
 * pin's trigger mode or destination: the PIT's reinjection waits for edge
 * EOIs too.
 */
bool okvm_ioapic_has_vector(const struct okvm_ioapic *ioapic, u8 vector)
{
	u32 pin;

	for (pin = 0; pin < OKVM_IOAPIC_NUM_PINS; pin++)
		if ((ioapic->redirtbl[pin] & OKVM_IOAPIC_RTE_VECTOR) == vector)
			return true;
	return false;
}

static u32 read_indirect(const struct okvm_ioapic *ioapic)
{
	u32 sel = ioapic->ioregsel, pin;

	switch (sel) {
	case OKVM_IOAPIC_REG_ID:
	case OKVM_IOAPIC_REG_ARB:
		/* Arbitration ID: loaded from the ID, as KVM reports it. */
		return (ioapic->id & 0xf) << 24;
	case OKVM_IOAPIC_REG_VER:
		return OKVM_IOAPIC_VERSION;
	}
	if (sel < OKVM_IOAPIC_REG_REDTBL)
		return 0xffffffff;
	pin = (sel - OKVM_IOAPIC_REG_REDTBL) >> 1;
	if (pin >= OKVM_IOAPIC_NUM_PINS)
		return 0xffffffff;
	return sel & 1 ? ioapic->redirtbl[pin] >> 32 : (u32)ioapic->redirtbl[pin];
}

static void write_indirect(struct okvm_ioapic *ioapic, u32 val)
{
	u32 sel = ioapic->ioregsel, pin;
	u64 *rte, new, changed;

	if (sel == OKVM_IOAPIC_REG_ID) {
		ioapic->id = (val >> 24) & 0xf;
		return;
	}
	if (sel < OKVM_IOAPIC_REG_REDTBL)
		return;		/* version and arbitration are read-only */
	pin = (sel - OKVM_IOAPIC_REG_REDTBL) >> 1;
	if (pin >= OKVM_IOAPIC_NUM_PINS)
		return;
	rte = &ioapic->redirtbl[pin];
	if (sel & 1)
		new = (*rte & 0xffffffffULL) | (u64)val << 32;
	else
		new = (*rte & ~0xffffffffULL) | val;
	new = (new & RTE_WRITABLE & ~RTE_READ_ONLY) | (*rte & RTE_READ_ONLY);
	/*
	 * Linux and Xen clear a stuck remote IRR by switching the entry to
	 * edge and back; KVM honours that, so do we.
	 */
	if (!rte_level(new))
		new &= ~OKVM_IOAPIC_RTE_REMOTE_IRR;
	changed = (*rte ^ new) & OKVM_IOAPIC_RTE_MASKED;
	*rte = new;
	if (changed && ioapic->ops && ioapic->ops->mask_changed)
		ioapic->ops->mask_changed(ioapic->opaque, pin,
					  new & OKVM_IOAPIC_RTE_MASKED);
	/*
	 * An asserted level-triggered line is delivered when unmasked (or
	 * made level-triggered while high).
	 */
	if (rte_level(new) && (ioapic->line & BIT(pin)))
		service(ioapic, pin);
}

/**
 * okvm_ioapic_mmio_read() - a guest read of the I/O APIC window
 * @ioapic: the I/O APIC
 * @offset: offset from the base (0x00 IOREGSEL, 0x10 IOWIN)
 * @len: 1, 2, 4 or 8 bytes
 *
 * As KVM: any size reads the register's low bytes; other offsets read 0;
 * absent indirect registers read all ones.
 *
 * Context: irqchip lock held.
 * Return: the value, zero-extended.
 */
u64 okvm_ioapic_mmio_read(struct okvm_ioapic *ioapic, u32 offset, int len)
{
	u64 val;

	switch (offset & 0xff) {
	case OKVM_IOAPIC_IOREGSEL:
		val = ioapic->ioregsel;
		break;
	case OKVM_IOAPIC_IOWIN:
		val = read_indirect(ioapic);
		break;
	default:
		val = 0;
	}
	if (len >= 8)
		return val;
	return len > 0 ? val & (BIT_ULL(len * 8) - 1) : 0;
}

/**
 * okvm_ioapic_mmio_write() - a guest write to the I/O APIC window
 * @ioapic: the I/O APIC
 * @offset: offset from the base
 * @len: access size; only 4- and 8-byte writes are decoded (low dword)
 * @val: the value
 *
 * Context: irqchip lock held; may call ->deliver (unmasking an asserted
 * level-triggered line).
 */
void okvm_ioapic_mmio_write(struct okvm_ioapic *ioapic, u32 offset, int len,
			    u64 val)
{
	if (len != 4 && len != 8)
		return;
	switch (offset & 0xff) {
	case OKVM_IOAPIC_IOREGSEL:
		ioapic->ioregsel = val & 0xff;
		break;
	case OKVM_IOAPIC_IOWIN:
		write_indirect(ioapic, val);
		break;
	}
}

/**
 * okvm_ioapic_reset() - reset state: ID 0, every entry masked
 * @ioapic: the I/O APIC
 *
 * Context: irqchip lock held, or before the VM runs.
 */
void okvm_ioapic_reset(struct okvm_ioapic *ioapic)
{
	int pin;

	ioapic->base_address = OKVM_IOAPIC_DEFAULT_BASE;
	ioapic->ioregsel = 0;
	ioapic->id = 0;
	ioapic->line = 0;
	for (pin = 0; pin < OKVM_IOAPIC_NUM_PINS; pin++)
		ioapic->redirtbl[pin] = OKVM_IOAPIC_RTE_MASKED;
}

/**
 * okvm_ioapic_init() - set up an I/O APIC in its reset state
 * @ioapic: the I/O APIC (caller-allocated)
 * @ops: callbacks (->deliver is required)
 * @opaque: their first argument
 *
 * Context: any; does not allocate.
 */
void okvm_ioapic_init(struct okvm_ioapic *ioapic,
		      const struct okvm_ioapic_ops *ops, void *opaque)
{
	memset(ioapic, 0, sizeof(*ioapic));
	ioapic->ops = ops;
	ioapic->opaque = opaque;
	okvm_ioapic_reset(ioapic);
}

/**
 * okvm_ioapic_get_state() - KVM_GET_IRQCHIP for KVM_IRQCHIP_IOAPIC
 * @ioapic: the I/O APIC
 * @s: receives the state; irr holds the asserted level-triggered lines
 *	(an edge is never left pending: it is delivered or, masked, lost)
 *
 * Context: irqchip lock held.
 */
void okvm_ioapic_get_state(const struct okvm_ioapic *ioapic,
			   struct kvm_ioapic_state *s)
{
	int pin;

	memset(s, 0, sizeof(*s));
	s->base_address = ioapic->base_address;
	s->ioregsel = ioapic->ioregsel;
	s->id = ioapic->id;
	/* Edges are delivered at once: only level lines stay requested. */
	for (pin = 0; pin < OKVM_IOAPIC_NUM_PINS; pin++) {
		s->redirtbl[pin].bits = ioapic->redirtbl[pin];
		if (rte_level(ioapic->redirtbl[pin]) && (ioapic->line & BIT(pin)))
			s->irr |= BIT(pin);
	}
}

/**
 * okvm_ioapic_set_state() - KVM_SET_IRQCHIP for KVM_IRQCHIP_IOAPIC
 * @ioapic: the I/O APIC
 * @s: the state
 *
 * The table is taken as is (KVM does not filter it either) and the lines
 * in @s->irr are asserted again, which delivers what an unmasked entry
 * allows, as KVM does.
 *
 * Context: irqchip lock held; calls ->deliver.
 * Return: 0.
 */
int okvm_ioapic_set_state(struct okvm_ioapic *ioapic,
			  const struct kvm_ioapic_state *s)
{
	u32 pin;

	ioapic->base_address = s->base_address;
	ioapic->ioregsel = s->ioregsel & 0xff;
	ioapic->id = s->id & 0xf;
	ioapic->line = 0;
	for (pin = 0; pin < OKVM_IOAPIC_NUM_PINS; pin++)
		ioapic->redirtbl[pin] = s->redirtbl[pin].bits;
	for (pin = 0; pin < OKVM_IOAPIC_NUM_PINS; pin++)
		if (s->irr & BIT(pin))
			okvm_ioapic_set_irq(ioapic, pin, true);
	return 0;
}
