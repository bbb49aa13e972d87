/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * GSI routing and MSI decoding for the in-kernel irqchip: KVM's default
 * routing table (installed by KVM_CREATE_IRQCHIP), the validation rules of
 * KVM_SET_GSI_ROUTING, and the decoding of an MSI (KVM_SIGNAL_MSI, MSI
 * routes, irqfd) into an APIC-bus message.
 *
 * Pure functions on caller-owned memory: no locks, no allocation.
 */
#ifndef OKVM_X86_IRQ_ROUTING_H
#define OKVM_X86_IRQ_ROUTING_H

#include <linux/types.h>

#include "lapic.h"

/* KVM's limit on GSIs and routing entries (KVM_MAX_IRQ_ROUTES). */
#define OKVM_MAX_IRQ_ROUTES		4096
/* Entries of the default table: GSI 0-15 twice (PIC, IOAPIC), 16-23 once. */
#define OKVM_IRQ_DEFAULT_ROUTES		40

/* MSI address/data fields (SDM vol. 3 11.11). */
#define OKVM_MSI_ADDR_DEST_SHIFT	12
#define OKVM_MSI_ADDR_REDIR_HINT	BIT(3)
#define OKVM_MSI_ADDR_DEST_LOGICAL	BIT(2)
#define OKVM_MSI_DATA_DM_SHIFT		8
#define OKVM_MSI_DATA_LEVEL_ASSERT	BIT(14)
#define OKVM_MSI_DATA_TRIGGER_LEVEL	BIT(15)

struct kvm_irq_routing_entry;
struct kvm_msi;

int okvm_irq_default_routing(struct kvm_irq_routing_entry *e, u32 max);
int okvm_irq_routing_check(const struct kvm_irq_routing_entry *e, u32 nr,
			   bool x2apic_format);
int okvm_msi_decode(u32 address_lo, u32 address_hi, u32 data,
		    bool x2apic_format, struct okvm_lapic_irq *irq);
int okvm_signal_msi_decode(const struct kvm_msi *msi, bool x2apic_format,
			   struct okvm_lapic_irq *irq);

#endif /* OKVM_X86_IRQ_ROUTING_H */
