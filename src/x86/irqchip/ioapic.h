/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * I/O APIC model: a 24-pin 82093AA-style I/O APIC (version 0x11), as KVM
 * offers through KVM_CREATE_IRQCHIP.
 *
 * Pure C like the local APIC: interrupt messages leave through the
 * ->deliver callback, which the VM layer implements by matching local
 * APICs (okvm_lapic_match_dest(), okvm_lapic_lowest_prio()) and calling
 * okvm_lapic_deliver() on each. Level-triggered EOIs come back through
 * okvm_ioapic_eoi(), called from the local APICs' ->eoi_broadcast.
 *
 * Locking: one per-VM spinlock (the irqchip lock) around every function
 * here; ->deliver is called with it held, so it takes the target APICs'
 * locks inside it (irqchip lock before APIC locks). Nothing sleeps or
 * allocates.
 */
#ifndef OKVM_X86_IOAPIC_H
#define OKVM_X86_IOAPIC_H

#include <linux/bits.h>
#include <linux/types.h>

#include "lapic.h"

#define OKVM_IOAPIC_NUM_PINS	24
#define OKVM_IOAPIC_DEFAULT_BASE 0xfec00000ULL
#define OKVM_IOAPIC_MMIO_SIZE	0x100

/* Direct registers (MMIO offsets). */
#define OKVM_IOAPIC_IOREGSEL	0x00
#define OKVM_IOAPIC_IOWIN	0x10

/* Indirect registers (IOREGSEL values). */
#define OKVM_IOAPIC_REG_ID	0x00
#define OKVM_IOAPIC_REG_VER	0x01
#define OKVM_IOAPIC_REG_ARB	0x02
#define OKVM_IOAPIC_REG_REDTBL	0x10	/* + 2 * pin: low dword, +1: high */

/* Version register: version 0x11, maximum redirection entry 23. */
#define OKVM_IOAPIC_VERSION	0x00170011u

/* Redirection table entry fields (82093AA datasheet 3.2.4). */
#define OKVM_IOAPIC_RTE_VECTOR		0xffULL
#define OKVM_IOAPIC_RTE_DM_SHIFT	8
#define OKVM_IOAPIC_RTE_DEST_LOGICAL	BIT_ULL(11)
#define OKVM_IOAPIC_RTE_DELIVS		BIT_ULL(12)
#define OKVM_IOAPIC_RTE_POLARITY	BIT_ULL(13)
#define OKVM_IOAPIC_RTE_REMOTE_IRR	BIT_ULL(14)
#define OKVM_IOAPIC_RTE_LEVEL		BIT_ULL(15)
#define OKVM_IOAPIC_RTE_MASKED		BIT_ULL(16)
#define OKVM_IOAPIC_RTE_DEST_SHIFT	56

struct kvm_ioapic_state;

/**
 * struct okvm_ioapic_ops - what the I/O APIC needs from the VM layer
 * @deliver: send @irq (shorthand none, dest_id 8 bits, source NULL for
 *	okvm_lapic_match_dest()) to the local APICs; return how many
 *	accepted it (lowest priority: 1 if one did), 0 if none
 * @acked: a local APIC EOIed the vector of @pin's entry, edge or level
 *	(what the PIT's reinjection waits for). Optional.
 * @mask_changed: the guest masked or unmasked @pin's entry. Optional.
 */
struct okvm_ioapic_ops {
	int (*deliver)(void *opaque, const struct okvm_lapic_irq *irq);
	void (*acked)(void *opaque, u32 pin);
	void (*mask_changed)(void *opaque, u32 pin, bool masked);
};

/**
 * struct okvm_ioapic - the I/O APIC
 * @base_address: MMIO base (only reported through the state struct)
 * @ioregsel: the selected indirect register
 * @id: 4-bit I/O APIC ID
 * @line: the current level of every pin: edge detection, and the request
 *	of level-triggered pins (KVM's irr)
 * @redirtbl: redirection table entries
 * @ops: callbacks
 * @opaque: their first argument
 */
struct okvm_ioapic {
	u64 base_address;
	u32 ioregsel;
	u32 id;
	u32 line;
	u64 redirtbl[OKVM_IOAPIC_NUM_PINS];
	const struct okvm_ioapic_ops *ops;
	void *opaque;
};

void okvm_ioapic_init(struct okvm_ioapic *ioapic,
		      const struct okvm_ioapic_ops *ops, void *opaque);
void okvm_ioapic_reset(struct okvm_ioapic *ioapic);
int okvm_ioapic_set_irq(struct okvm_ioapic *ioapic, u32 pin, bool level);
void okvm_ioapic_eoi(struct okvm_ioapic *ioapic, u8 vector, bool level);
bool okvm_ioapic_has_vector(const struct okvm_ioapic *ioapic, u8 vector);
u64 okvm_ioapic_mmio_read(struct okvm_ioapic *ioapic, u32 offset, int len);
void okvm_ioapic_mmio_write(struct okvm_ioapic *ioapic, u32 offset, int len,
			    u64 val);
void okvm_ioapic_rte_to_irq(u64 rte, struct okvm_lapic_irq *irq);
void okvm_ioapic_get_state(const struct okvm_ioapic *ioapic,
			   struct kvm_ioapic_state *s);
int okvm_ioapic_set_state(struct okvm_ioapic *ioapic,
			  const struct kvm_ioapic_state *s);

#endif /* OKVM_X86_IOAPIC_H */
