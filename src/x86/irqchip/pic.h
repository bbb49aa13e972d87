/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PC's pair of 8259A programmable interrupt controllers: master at
 * ports 0x20/0x21, slave at 0xa0/0xa1 cascaded on the master's IR2, and
 * the PIIX edge/level control registers (ELCR) at 0x4d0/0x4d1.
 *
 * Pure C. The pair's INTR output goes to the BSP's LINT0 (ExtINT) or
 * straight to the CPU when its APIC is disabled; the vCPU layer checks
 * okvm_lapic_accept_pic_intr(), then okvm_pic_pending() and, when it
 * injects, okvm_pic_ack() (the INTA cycle) for the vector.
 *
 * Locking: the per-VM irqchip lock around every function; the callbacks
 * are called with it held and must not sleep. Nothing allocates.
 */
#ifndef OKVM_X86_PIC_H
#define OKVM_X86_PIC_H

#include <linux/types.h>

#define OKVM_PIC_MASTER_CMD	0x20
#define OKVM_PIC_MASTER_DATA	0x21
#define OKVM_PIC_SLAVE_CMD	0xa0
#define OKVM_PIC_SLAVE_DATA	0xa1
#define OKVM_PIC_ELCR_MASTER	0x4d0
#define OKVM_PIC_ELCR_SLAVE	0x4d1
#define OKVM_PIC_CASCADE_IR	2
#define OKVM_PIC_NUM_IRQS	16

struct kvm_pic_state;

/**
 * struct okvm_pic_chip - one 8259A, with KVM's struct kvm_pic_state fields
 * @last_irr: line levels seen, for edge detection
 * @irr: interrupt request register
 * @imr: interrupt mask register (OCW1)
 * @isr: in-service register
 * @priority_add: the level that has the highest priority (rotation)
 * @irq_base: vector of IR0 (ICW2, bits 7:3)
 * @read_reg_select: OCW3 RR/RIS: 0 reads IRR, 1 reads ISR
 * @poll: OCW3 poll command armed for the next read
 * @special_mask: special mask mode (OCW3 SMM)
 * @init_state: 0 ready, 1-3 waiting for ICW2-ICW4
 * @auto_eoi: ICW4 AEOI
 * @rotate_on_auto_eoi: OCW2 rotate in automatic EOI mode
 * @special_fully_nested_mode: ICW4 SFNM
 * @init4: ICW1 IC4 (an ICW4 follows)
 * @elcr: PIIX edge/level control: 1 = level-triggered
 * @elcr_mask: ELCR bits that exist (IRQ0-2, 8 and 13 are always edge)
 */
struct okvm_pic_chip {
	u8 last_irr;
	u8 irr;
	u8 imr;
	u8 isr;
	u8 priority_add;
	u8 irq_base;
	u8 read_reg_select;
	u8 poll;
	u8 special_mask;
	u8 init_state;
	u8 auto_eoi;
	u8 rotate_on_auto_eoi;
	u8 special_fully_nested_mode;
	u8 init4;
	u8 elcr;
	u8 elcr_mask;
};

/**
 * struct okvm_pic_ops - what the PIC pair needs from the VM layer
 * @kick: INTR went up: wake or kick the vCPU that takes PIC interrupts
 * @acked: the guest is done with ISA IRQ @irq (0-15): its in-service bit
 *	was cleared (an EOI command, or ICW1), or it was acknowledged in
 *	automatic EOI mode. What a device that waits for its tick to be
 *	taken (the PIT's reinjection) listens to. Optional.
 * @mask_changed: OCW1 or ICW1 masked or unmasked IRQ @irq. Optional.
 */
struct okvm_pic_ops {
	void (*kick)(void *opaque);
	void (*acked)(void *opaque, u32 irq);
	void (*mask_changed)(void *opaque, u32 irq, bool masked);
};

/**
 * struct okvm_pic - the master/slave pair
 * @chip: [0] master, [1] slave
 * @output: the pair's INTR output level
 * @ops: callbacks
 * @opaque: their first argument
 */
struct okvm_pic {
	struct okvm_pic_chip chip[2];
	bool output;
	const struct okvm_pic_ops *ops;
	void *opaque;
};

void okvm_pic_init(struct okvm_pic *pic, const struct okvm_pic_ops *ops,
		   void *opaque);
int okvm_pic_set_irq(struct okvm_pic *pic, u32 irq, bool level);
int okvm_pic_pending(const struct okvm_pic *pic);
int okvm_pic_ack(struct okvm_pic *pic);
int okvm_pic_ioport_read(struct okvm_pic *pic, u16 port, u8 *val);
int okvm_pic_ioport_write(struct okvm_pic *pic, u16 port, u8 val);
void okvm_pic_get_state(const struct okvm_pic *pic, int which,
			struct kvm_pic_state *s);
int okvm_pic_set_state(struct okvm_pic *pic, int which,
		       const struct kvm_pic_state *s);

#endif /* OKVM_X86_PIC_H */
