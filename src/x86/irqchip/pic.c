// SPDX-License-Identifier: GPL-2.0-only
/*
 * 8259A pair model. Facts from the Intel 8259A datasheet (ICW/OCW
 * formats, priority rotation, special mask and special fully nested
 * modes, poll command, spurious IR7) and the PIIX ELCR; KVM's choices
 * where software depends on them (ICW3 always expected, the ELCR masks).
 * See pic.h for the locking rules.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kvm.h>
#include <linux/string.h>

#include "pic.h"

#define MASTER	0
#define SLAVE	1

/* Priority steps from the highest-priority level to the first bit set. */
static int get_priority(const struct okvm_pic_chip *s, u8 mask)
{
	int p;

	for (p = 0; p < 8; p++)
		if (mask & (1 << ((p + s->priority_add) & 7)))
			return p;
	return 8;
}

/* The IR level this chip would raise INT for, or -1. */
static int chip_get_irq(const struct okvm_pic_chip *s, bool master)
{
	int prio = get_priority(s, s->irr & ~s->imr), cur;
	u8 in_service = s->isr;

	if (prio == 8)
		return -1;
	/* Special mask mode: masked in-service levels do not block others. */
	if (s->special_mask)
		in_service &= ~s->imr;
	/*
	 * Special fully nested mode: the slave's IR2 being in service does
	 * not block a higher-priority request from the same slave.
	 */
	if (master && s->special_fully_nested_mode)
		in_service &= ~(1 << OKVM_PIC_CASCADE_IR);
	cur = get_priority(s, in_service);
	return prio < cur ? (prio + s->priority_add) & 7 : -1;
}

/* Drive IR @pin of one chip; edge or level as ELCR says. */
static void chip_set_irq(struct okvm_pic_chip *s, int pin, bool level)
{
	u8 mask = 1 << pin;

	if (s->elcr & mask) {
		if (level)
			s->irr |= mask;
		else
			s->irr &= ~mask;
	} else if (level && !(s->last_irr & mask)) {
		s->irr |= mask;
	}
	if (level)
		s->last_irr |= mask;
	else
		s->last_irr &= ~mask;
}

/*
 * Recompute the cascade and INTR. The slave's INT drives the master's
 * IR2, which is edge-triggered: pulse it while the slave requests.
 */
static void update_irq(struct okvm_pic *pic)
{
	bool out;

	if (chip_get_irq(&pic->chip[SLAVE], false) >= 0) {
		chip_set_irq(&pic->chip[MASTER], OKVM_PIC_CASCADE_IR, true);
		chip_set_irq(&pic->chip[MASTER], OKVM_PIC_CASCADE_IR, false);
	}
	out = chip_get_irq(&pic->chip[MASTER], true) >= 0;
	if (out && !pic->output && pic->ops && pic->ops->kick)
		pic->ops->kick(pic->opaque);
	pic->output = out;
}

/*
 * The INTA pulses for level @irq: set ISR (unless AEOI), drop an edge.
 * Return: true if that was also the end of the interrupt (AEOI).
 */
static bool intack(struct okvm_pic_chip *s, int irq)
{
	bool aeoi = s->auto_eoi;

	if (aeoi) {
		if (s->rotate_on_auto_eoi)
			s->priority_add = (irq + 1) & 7;
	} else {
		s->isr |= 1 << irq;
	}
	/* A level-triggered request stays until the device drops the line. */
	if (!(s->elcr & (1 << irq)))
		s->irr &= ~(1 << irq);
	return aeoi;
}

static void notify_acked(struct okvm_pic *pic, u32 irq)
{
	if (pic->ops && pic->ops->acked)
		pic->ops->acked(pic->opaque, irq);
}

/**
 * okvm_pic_set_irq() - drive ISA IRQ line @irq (0-7 master, 8-15 slave)
 * @pic: the pair
 * @irq: 0-15
 * @level: the line's level
 *
 * Context: irqchip lock held; may call the callbacks.
 * Return: 1 if a request was latched in IRR, 0 if not (no edge, or
 * already requested), -1 if the line is masked, -EINVAL for a bad @irq.
 */
int okvm_pic_set_irq(struct okvm_pic *pic, u32 irq, bool level)
{
	struct okvm_pic_chip *s;
	u8 mask, before;

	if (irq >= OKVM_PIC_NUM_IRQS)
		return -EINVAL;
	s = &pic->chip[irq >> 3];
	mask = 1 << (irq & 7);
	before = s->irr;
	chip_set_irq(s, irq & 7, level);
	update_irq(pic);
	if (s->imr & mask)
		return -1;
	return (s->irr & mask) && !(before & mask);
}

/**
 * okvm_pic_pending() - is INTR asserted, and with which vector?
 * @pic: the pair
 *
 * Does not acknowledge: the vector is final only once okvm_pic_ack()
 * runs (a request may go away in between, giving the spurious IR7).
 *
 * Context: irqchip lock held.
 * Return: the vector INTA would return now, or -1 if INTR is low.
 */
int okvm_pic_pending(const struct okvm_pic *pic)
{
	int irq = chip_get_irq(&pic->chip[MASTER], true), irq2;

	if (irq < 0)
		return -1;
	if (irq != OKVM_PIC_CASCADE_IR)
		return pic->chip[MASTER].irq_base + irq;
	irq2 = chip_get_irq(&pic->chip[SLAVE], false);
	return pic->chip[SLAVE].irq_base + (irq2 < 0 ? 7 : irq2);
}

/**
 * okvm_pic_ack() - the INTA cycle: acknowledge and return the vector
 * @pic: the pair
 *
 * With nothing requested the master answers IR7 without setting ISR (the
 * 8259A's spurious interrupt); likewise the slave if its request went away.
 *
 * Context: irqchip lock held; may call the callbacks.
 * Return: the vector to inject.
 */
int okvm_pic_ack(struct okvm_pic *pic)
{
	struct okvm_pic_chip *m = &pic->chip[MASTER], *sl = &pic->chip[SLAVE];
	int irq = chip_get_irq(m, true), irq2, vector;
	bool aeoi = false;

	if (irq < 0) {
		vector = m->irq_base + 7;
		irq = -1;
	} else {
		aeoi = intack(m, irq);
		if (irq == OKVM_PIC_CASCADE_IR) {
			irq2 = chip_get_irq(sl, false);
			if (irq2 >= 0) {
				aeoi = intack(sl, irq2);
				irq = irq2 + 8;
			} else {
				irq2 = 7;
				irq = -1;	/* spurious: nothing acknowledged */
			}
			vector = sl->irq_base + irq2;
		} else {
			vector = m->irq_base + irq;
		}
	}
	update_irq(pic);
	if (irq >= 0 && aeoi)
		notify_acked(pic, irq);
	return vector;
}

/* ICW1: start initialisation (8259A datasheet, "Initialization"). */
static void icw1(struct okvm_pic_chip *s, u8 val)
{
	/* The edge sense circuit restarts: only asserted level lines remain. */
	s->last_irr = 0;
	s->irr &= s->elcr;
	s->imr = 0;
	s->isr = 0;
	s->priority_add = 0;	/* IR7 lowest */
	s->read_reg_select = 0;	/* status read: IRR */
	s->poll = 0;
	s->special_mask = 0;
	s->rotate_on_auto_eoi = 0;
	s->init4 = val & 1;
	/* Without ICW4 every ICW4 function is cleared. */
	if (!s->init4) {
		s->auto_eoi = 0;
		s->special_fully_nested_mode = 0;
	}
	s->init_state = 1;
}

static void ocw2(struct okvm_pic_chip *s, u8 val)
{
	u8 cmd = val >> 5;
	int prio, irq;

	switch (cmd) {
	case 0:		/* rotate in automatic EOI mode: clear */
	case 4:		/* rotate in automatic EOI mode: set */
		s->rotate_on_auto_eoi = cmd >> 2;
		break;
	case 1:		/* non-specific EOI */
	case 5:		/* rotate on non-specific EOI */
		prio = get_priority(s, s->isr);
		if (prio == 8)
			break;
		irq = (prio + s->priority_add) & 7;
		s->isr &= ~(1 << irq);
		if (cmd == 5)
			s->priority_add = (irq + 1) & 7;
		break;
	case 3:		/* specific EOI */
	case 7:		/* rotate on specific EOI */
		irq = val & 7;
		s->isr &= ~(1 << irq);
		if (cmd == 7)
			s->priority_add = (irq + 1) & 7;
		break;
	case 6:		/* set priority: level L becomes the lowest */
		s->priority_add = ((val & 7) + 1) & 7;
		break;
	default:	/* 2: no operation */
		break;
	}
}

static void ocw3(struct okvm_pic_chip *s, u8 val)
{
	if (val & 0x04)
		s->poll = 1;
	if (val & 0x02)
		s->read_reg_select = val & 1;
	if (val & 0x40)
		s->special_mask = (val >> 5) & 1;
}

static void data_write(struct okvm_pic_chip *s, u8 val)
{
	switch (s->init_state) {
	case 0:			/* OCW1 */
		s->imr = val;
		break;
	case 1:			/* ICW2: the vector base */
		s->irq_base = val & 0xf8;
		s->init_state = 2;
		break;
	case 2:			/* ICW3: the cascade wiring is fixed here */
		s->init_state = s->init4 ? 3 : 0;
		break;
	case 3:			/* ICW4 */
		s->special_fully_nested_mode = (val >> 4) & 1;
		s->auto_eoi = (val >> 1) & 1;
		s->init_state = 0;
		break;
	}
}

/*
 * The poll command: this read is an INTA (ISR set as for a real one) and
 * returns 1000 0WWW with the level, or bit 7 clear if nothing requests.
 */
static u8 poll_read(struct okvm_pic *pic, int which)
{
	struct okvm_pic_chip *s = &pic->chip[which];
	int irq = chip_get_irq(s, which == MASTER);

	bool aeoi;

	s->poll = 0;
	if (irq < 0)
		return 0x07;
	aeoi = intack(s, irq);
	/*
	 * A polled slave request is served without the master's INTA: drop
	 * the cascade request it left in the master's IRR, as KVM does, or
	 * the master would later answer it with a spurious IRQ15.
	 */
	if (which == SLAVE)
		pic->chip[MASTER].irr &= ~(1 << OKVM_PIC_CASCADE_IR);
	update_irq(pic);
	if (aeoi)
		notify_acked(pic, irq + 8 * which);
	return 0x80 | irq;
}

/**
 * okvm_pic_ioport_read() - IN from 0x20/0x21/0xa0/0xa1/0x4d0/0x4d1
 * @pic: the pair
 * @port: the port
 * @val: receives the byte
 *
 * Command port: IRR or ISR as OCW3 selected; data port: IMR; either port
 * after an OCW3 poll command: the poll byte. ELCR ports: the ELCR.
 *
 * Context: irqchip lock held; a poll read may call the callbacks.
 * Return: 0, or -ENOENT if @port is not the PIC's.
 */
int okvm_pic_ioport_read(struct okvm_pic *pic, u16 port, u8 *val)
{
	int which;

	switch (port) {
	case OKVM_PIC_ELCR_MASTER:
	case OKVM_PIC_ELCR_SLAVE:
		*val = pic->chip[port - OKVM_PIC_ELCR_MASTER].elcr;
		return 0;
	case OKVM_PIC_MASTER_CMD: case OKVM_PIC_MASTER_DATA:
	case OKVM_PIC_SLAVE_CMD: case OKVM_PIC_SLAVE_DATA:
		break;
	default:
		return -ENOENT;
	}
	which = port >= OKVM_PIC_SLAVE_CMD;
	if (pic->chip[which].poll)
		*val = poll_read(pic, which);
	else if (port & 1)
		*val = pic->chip[which].imr;
	else
		*val = pic->chip[which].read_reg_select ? pic->chip[which].isr :
							  pic->chip[which].irr;
	return 0;
}

/*
 * After a command: tell the VM layer which IRQs left service (EOI, ICW1)
 * and which changed mask (OCW1, ICW1), from the registers before it.
 */
static void notify_changes(struct okvm_pic *pic, const u8 *isr, const u8 *imr)
{
	int which, bit;

	if (!pic->ops)
		return;
	for (which = MASTER; which <= SLAVE; which++) {
		const struct okvm_pic_chip *s = &pic->chip[which];
		u8 ended = isr[which] & ~s->isr, flipped = imr[which] ^ s->imr;

		for (bit = 0; bit < 8; bit++) {
			if (ended & BIT(bit))
				notify_acked(pic, bit + 8 * which);
			if ((flipped & BIT(bit)) && pic->ops->mask_changed)
				pic->ops->mask_changed(pic->opaque,
						       bit + 8 * which,
						       s->imr & BIT(bit));
		}
	}
}

/**
 * okvm_pic_ioport_write() - OUT to 0x20/0x21/0xa0/0xa1/0x4d0/0x4d1
 * @pic: the pair
 * @port: the port
 * @val: the byte
 *
 * Command port: ICW1 (bit 4), OCW3 (bit 3) or OCW2; data port: ICW2-4
 * during initialisation, OCW1 otherwise. ELCR writes keep IRQ0-2, 8 and 13
 * edge-triggered. LTIM, single mode and 8080 mode are not modelled (a PC
 * has a cascaded pair in 8086 mode with the ELCR deciding the trigger).
 *
 * Context: irqchip lock held; may call the callbacks.
 * Return: 0, or -ENOENT if @port is not the PIC's.
 */
int okvm_pic_ioport_write(struct okvm_pic *pic, u16 port, u8 val)
{
	u8 isr[2] = { pic->chip[MASTER].isr, pic->chip[SLAVE].isr };
	u8 imr[2] = { pic->chip[MASTER].imr, pic->chip[SLAVE].imr };
	struct okvm_pic_chip *s;

	switch (port) {
	case OKVM_PIC_ELCR_MASTER:
	case OKVM_PIC_ELCR_SLAVE:
		s = &pic->chip[port - OKVM_PIC_ELCR_MASTER];
		s->elcr = val & s->elcr_mask;
		break;
	case OKVM_PIC_MASTER_CMD:
	case OKVM_PIC_SLAVE_CMD:
		s = &pic->chip[port >= OKVM_PIC_SLAVE_CMD];
		if (val & 0x10)
			icw1(s, val);
		else if (val & 0x08)
			ocw3(s, val);
		else
			ocw2(s, val);
		break;
	case OKVM_PIC_MASTER_DATA:
	case OKVM_PIC_SLAVE_DATA:
		data_write(&pic->chip[port >= OKVM_PIC_SLAVE_CMD], val);
		break;
	default:
		return -ENOENT;
	}
	update_irq(pic);
	notify_changes(pic, isr, imr);
	return 0;
}

/**
 * okvm_pic_init() - set up the pair in its reset state
 * @pic: the pair (caller-allocated)
 * @ops: callbacks, may be NULL
 * @opaque: their first argument
 *
 * Everything is zero (the BIOS initialises the chips) except the ELCR
 * masks of the PIIX: IRQ0-2 on the master and IRQ8 and 13 on the slave
 * cannot be level-triggered.
 *
 * Context: any; does not allocate.
 */
void okvm_pic_init(struct okvm_pic *pic, const struct okvm_pic_ops *ops,
		   void *opaque)
{
	memset(pic, 0, sizeof(*pic));
	pic->chip[MASTER].elcr_mask = 0xf8;
	pic->chip[SLAVE].elcr_mask = 0xde;
	pic->ops = ops;
	pic->opaque = opaque;
}

/**
 * okvm_pic_get_state() - KVM_GET_IRQCHIP for a PIC
 * @pic: the pair
 * @which: KVM_IRQCHIP_PIC_MASTER (0) or KVM_IRQCHIP_PIC_SLAVE (1)
 * @s: receives the chip's state
 *
 * Context: irqchip lock held.
 */
void okvm_pic_get_state(const struct okvm_pic *pic, int which,
			struct kvm_pic_state *s)
{
	const struct okvm_pic_chip *c = &pic->chip[which & 1];

	*s = (struct kvm_pic_state) {
		.last_irr = c->last_irr, .irr = c->irr, .imr = c->imr,
		.isr = c->isr, .priority_add = c->priority_add,
		.irq_base = c->irq_base, .read_reg_select = c->read_reg_select,
		.poll = c->poll, .special_mask = c->special_mask,
		.init_state = c->init_state, .auto_eoi = c->auto_eoi,
		.rotate_on_auto_eoi = c->rotate_on_auto_eoi,
		.special_fully_nested_mode = c->special_fully_nested_mode,
		.init4 = c->init4, .elcr = c->elcr, .elcr_mask = c->elcr_mask,
	};
}

/**
 * okvm_pic_set_state() - KVM_SET_IRQCHIP for a PIC
 * @pic: the pair
 * @which: KVM_IRQCHIP_PIC_MASTER (0) or KVM_IRQCHIP_PIC_SLAVE (1)
 * @s: the chip's state
 *
 * The state is taken as is, except that the board's ELCR mask is kept
 * (and applied to the ELCR) and out-of-range fields are reduced to their
 * bits: init_state to 0-3, the flags to 0/1, priority_add to 0-7.
 *
 * Context: irqchip lock held; may call the callbacks.
 * Return: 0, or -EINVAL for a bad @which with nothing changed.
 */
int okvm_pic_set_state(struct okvm_pic *pic, int which,
		       const struct kvm_pic_state *s)
{
	struct okvm_pic_chip *c;

	if (which != MASTER && which != SLAVE)
		return -EINVAL;
	c = &pic->chip[which];
	c->last_irr = s->last_irr;
	c->irr = s->irr;
	c->imr = s->imr;
	c->isr = s->isr;
	c->priority_add = s->priority_add & 7;
	c->irq_base = s->irq_base & 0xf8;
	c->read_reg_select = !!s->read_reg_select;
	c->poll = !!s->poll;
	c->special_mask = !!s->special_mask;
	c->init_state = s->init_state & 3;
	c->auto_eoi = !!s->auto_eoi;
	c->rotate_on_auto_eoi = !!s->rotate_on_auto_eoi;
	c->special_fully_nested_mode = !!s->special_fully_nested_mode;
	c->init4 = !!s->init4;
	c->elcr = s->elcr & c->elcr_mask;
	update_irq(pic);
	return 0;
}
