// SPDX-License-Identifier: GPL-2.0-only
/*
 * GSI routing rules and MSI decoding, as KVM defines them for x86.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kvm.h>
#include <linux/string.h>

#include "ioapic.h"
#include "irq_routing.h"
#include "pic.h"

static void irqchip_route(struct kvm_irq_routing_entry *e, u32 gsi,
			  u32 irqchip, u32 pin)
{
	memset(e, 0, sizeof(*e));
	e->gsi = gsi;
	e->type = KVM_IRQ_ROUTING_IRQCHIP;
	e->u.irqchip.irqchip = irqchip;
	e->u.irqchip.pin = pin;
}

/**
 * okvm_irq_default_routing() - KVM's routing table after KVM_CREATE_IRQCHIP
 * @e: receives the entries
 * @max: room in @e
 *
 * GSI n goes to I/O APIC pin n for n < 24, and GSIs 0-15 also to the PIC
 * pair (master pin n for n < 8, slave pin n - 8), exactly as KVM's
 * default_routing[]: GSI 0 is I/O APIC pin 0 here; the ISA IRQ0 to pin 2
 * override of the MP/ACPI tables is the VMM's to install (QEMU does it
 * with KVM_SET_GSI_ROUTING).
 *
 * Context: any.
 * Return: the number of entries (OKVM_IRQ_DEFAULT_ROUTES), or -ENOSPC if
 * @max is smaller.
 */
int okvm_irq_default_routing(struct kvm_irq_routing_entry *e, u32 max)
{
	u32 gsi, n = 0;

	if (max < OKVM_IRQ_DEFAULT_ROUTES)
		return -ENOSPC;
	for (gsi = 0; gsi < OKVM_IOAPIC_NUM_PINS; gsi++) {
		irqchip_route(&e[n++], gsi, KVM_IRQCHIP_IOAPIC, gsi);
		if (gsi < OKVM_PIC_NUM_IRQS)
			irqchip_route(&e[n++], gsi, gsi < 8 ?
				      KVM_IRQCHIP_PIC_MASTER :
				      KVM_IRQCHIP_PIC_SLAVE, gsi & 7);
	}
	return n;
}

static int check_entry(const struct kvm_irq_routing_entry *e,
		       bool x2apic_format)
{
	if (e->gsi >= OKVM_MAX_IRQ_ROUTES)
		return -EINVAL;
	switch (e->type) {
	case KVM_IRQ_ROUTING_IRQCHIP:
		if (e->flags)
			return -EINVAL;
		switch (e->u.irqchip.irqchip) {
		case KVM_IRQCHIP_PIC_MASTER:
		case KVM_IRQCHIP_PIC_SLAVE:
			return e->u.irqchip.pin < 8 ? 0 : -EINVAL;
		case KVM_IRQCHIP_IOAPIC:
			return e->u.irqchip.pin < OKVM_IOAPIC_NUM_PINS ?
			       0 : -EINVAL;
		}
		return -EINVAL;
	case KVM_IRQ_ROUTING_MSI:
		if (e->flags & ~KVM_MSI_VALID_DEVID)
			return -EINVAL;
		/* With 32-bit IDs, address_hi 7:0 are reserved. */
		if (x2apic_format && (e->u.msi.address_hi & 0xff))
			return -EINVAL;
		return 0;
	}
	/* Hyper-V SynIC and Xen event channels are not offered. */
	return -EINVAL;
}

/**
 * okvm_irq_routing_check() - validate a KVM_SET_GSI_ROUTING table
 * @e: the entries
 * @nr: how many (the caller has checked nr <= OKVM_MAX_IRQ_ROUTES and
 *	the table's flags)
 * @x2apic_format: KVM_X2APIC_API_USE_32BIT_IDS is enabled
 *
 * KVM's rules: GSI below KVM_MAX_IRQ_ROUTES; irqchip entries with no
 * flags, a known chip and a pin it has; MSI entries with no flag but
 * KVM_MSI_VALID_DEVID; no other type; a GSI may map to several irqchips
 * but to each at most once, and an MSI GSI to nothing else.
 *
 * Context: any; O(nr^2) without allocating, called before any lock.
 * Return: 0, or -EINVAL.
 */
int okvm_irq_routing_check(const struct kvm_irq_routing_entry *e, u32 nr,
			   bool x2apic_format)
{
	u32 i, j;

	for (i = 0; i < nr; i++) {
		if (check_entry(&e[i], x2apic_format))
			return -EINVAL;
		for (j = 0; j < i; j++) {
			if (e[j].gsi != e[i].gsi)
				continue;
			if (e[i].type != KVM_IRQ_ROUTING_IRQCHIP ||
			    e[j].type != KVM_IRQ_ROUTING_IRQCHIP ||
			    e[i].u.irqchip.irqchip == e[j].u.irqchip.irqchip)
				return -EINVAL;
		}
	}
	return 0;
}

/**
 * okvm_msi_decode() - decode an MSI into an APIC-bus message
 * @address_lo: address bits 31:0: 0xfee in 31:20, destination ID in
 *	19:12, redirection hint in 3, destination mode in 2
 * @address_hi: address bits 63:32: destination ID bits 31:8 in 31:8 when
 *	@x2apic_format, else ignored
 * @data: vector in 7:0, delivery mode in 10:8, trigger mode in 15
 * @x2apic_format: KVM_X2APIC_API_USE_32BIT_IDS is enabled
 * @irq: receives the message (level asserted, no shorthand)
 *
 * Context: any.
 * Return: 0, or -EINVAL if address_hi 7:0 are set with @x2apic_format.
 */
int okvm_msi_decode(u32 address_lo, u32 address_hi, u32 data,
		    bool x2apic_format, struct okvm_lapic_irq *irq)
{
	u32 dest = (address_lo >> OKVM_MSI_ADDR_DEST_SHIFT) & 0xff;

	if (x2apic_format) {
		if (address_hi & 0xff)
			return -EINVAL;
		dest |= address_hi & 0xffffff00;
	}
	*irq = (struct okvm_lapic_irq) {
		.vector = data & 0xff,
		.delivery_mode = (data >> OKVM_MSI_DATA_DM_SHIFT) & 7,
		.dest_mode = !!(address_lo & OKVM_MSI_ADDR_DEST_LOGICAL),
		.level = true,
		.trig_mode = !!(data & OKVM_MSI_DATA_TRIGGER_LEVEL),
		.shorthand = OKVM_APIC_SH_NONE,
		.dest_id = dest,
	};
	return 0;
}

/**
 * okvm_signal_msi_decode() - KVM_SIGNAL_MSI's argument to a message
 * @msi: the ioctl's struct kvm_msi
 * @x2apic_format: KVM_X2APIC_API_USE_32BIT_IDS is enabled
 * @irq: receives the message
 *
 * The caller delivers it like an I/O APIC message (source NULL) and
 * returns the number of APICs that accepted it, as KVM does.
 *
 * Context: any.
 * Return: 0, or -EINVAL for flags other than KVM_MSI_VALID_DEVID or an
 * invalid address.
 */
int okvm_signal_msi_decode(const struct kvm_msi *msi, bool x2apic_format,
			   struct okvm_lapic_irq *irq)
{
	if (msi->flags & ~KVM_MSI_VALID_DEVID)
		return -EINVAL;
	return okvm_msi_decode(msi->address_lo, msi->address_hi, msi->data,
			       x2apic_format, irq);
}
