// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for src/x86/pic.c. Expected values from the Intel 8259A
 * datasheet (ICW/OCW formats, priorities, rotation, AEOI, special modes,
 * poll, spurious IR7), the PIIX ELCR, and KVM's struct kvm_pic_state.
 */
#include <kunit/test.h>
#include <linux/kvm.h>

#include "x86/irqchip/pic.h"

struct fake_pic {
	struct okvm_pic pic;
	int kicks;
	u16 acked;		/* IRQs ->acked reported, one bit each */
	int nr_acked;
	u16 masked, unmasked;	/* IRQs ->mask_changed reported */
};

static void f_pic_kick(void *o)
{
	((struct fake_pic *)o)->kicks++;
}

static void f_pic_acked(void *o, u32 irq)
{
	struct fake_pic *f = o;

	f->acked |= BIT(irq);
	f->nr_acked++;
}

static void f_pic_mask_changed(void *o, u32 irq, bool masked)
{
	struct fake_pic *f = o;

	if (masked)
		f->masked |= BIT(irq);
	else
		f->unmasked |= BIT(irq);
}

static const struct okvm_pic_ops fake_pic_ops = {
	.kick = f_pic_kick, .acked = f_pic_acked,
	.mask_changed = f_pic_mask_changed,
};

static void out(struct fake_pic *f, u16 port, u8 val)
{
	okvm_pic_ioport_write(&f->pic, port, val);
}

static u8 in(struct fake_pic *f, u16 port)
{
	u8 v = 0xee;

	okvm_pic_ioport_read(&f->pic, port, &v);
	return v;
}

/* What a PC BIOS/Linux programs: bases 0x08 and 0x70, cascade on IR2. */
static void pc_init(struct fake_pic *f, u8 icw4)
{
	out(f, 0x20, 0x11);
	out(f, 0x21, 0x08);
	out(f, 0x21, 0x04);
	out(f, 0x21, icw4);
	out(f, 0xa0, 0x11);
	out(f, 0xa1, 0x70);
	out(f, 0xa1, 0x02);
	out(f, 0xa1, icw4);
}

static int pic_test_init(struct kunit *test)
{
	struct fake_pic *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	okvm_pic_init(&f->pic, &fake_pic_ops, f);
	pc_init(f, 0x01);
	test->priv = f;
	return 0;
}

static u8 read_isr(struct fake_pic *f, u16 cmd)
{
	out(f, cmd, 0x0b);
	return in(f, cmd);
}

static u8 read_irr(struct fake_pic *f, u16 cmd)
{
	out(f, cmd, 0x0a);
	return in(f, cmd);
}

/* --- Initialisation --- */

struct init_case {
	const char *name;
	u8 icw1, icw2, icw4;
	bool has_icw4;
	u8 base, aeoi, sfnm;
};

static const struct init_case init_cases[] = {
	{ "PC: ICW4 8086 mode", 0x11, 0x08, 0x01, true, 0x08, 0, 0 },
	{ "ICW2 bits 2:0 ignored", 0x11, 0x2f, 0x01, true, 0x28, 0, 0 },
	{ "ICW4 auto-EOI", 0x11, 0x20, 0x03, true, 0x20, 1, 0 },
	{ "ICW4 special fully nested", 0x11, 0x20, 0x11, true, 0x20, 0, 1 },
	{ "no ICW4: functions cleared", 0x10, 0x40, 0, false, 0x40, 0, 0 },
};

static void init_desc(const struct init_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(init, init_cases, init_desc);

static void pic_init_sequence(struct kunit *test)
{
	const struct init_case *c = test->param_value;
	struct fake_pic *f = test->priv;
	struct kvm_pic_state s;

	/* Leave state that ICW1 must clear. */
	out(f, 0x21, 0x5a);
	out(f, 0x20, 0x0b);
	okvm_pic_set_irq(&f->pic, 0, true);
	if (!c->has_icw4)
		pc_init(f, 0x13);	/* AEOI and SFNM set before */

	out(f, 0x20, c->icw1);
	okvm_pic_get_state(&f->pic, 0, &s);
	KUNIT_EXPECT_EQ(test, s.init_state, 1);
	KUNIT_EXPECT_EQ(test, s.imr, 0);	/* ICW1 clears IMR */
	KUNIT_EXPECT_EQ(test, s.read_reg_select, 0);	/* and selects IRR */
	KUNIT_EXPECT_EQ(test, s.last_irr, 0);	/* edge sense reset */
	out(f, 0x21, c->icw2);
	out(f, 0x21, 0x04);
	if (c->has_icw4)
		out(f, 0x21, c->icw4);
	okvm_pic_get_state(&f->pic, 0, &s);
	KUNIT_EXPECT_EQ(test, s.init_state, 0);
	KUNIT_EXPECT_EQ(test, s.irq_base, c->base);
	KUNIT_EXPECT_EQ(test, s.auto_eoi, c->aeoi);
	KUNIT_EXPECT_EQ(test, s.special_fully_nested_mode, c->sfnm);
	KUNIT_EXPECT_EQ(test, s.init4, c->has_icw4);
	/* The next data write is OCW1. */
	out(f, 0x21, 0xfe);
	KUNIT_EXPECT_EQ(test, in(f, 0x21), 0xfe);
	out(f, 0x21, 0x00);
	/* The old request needs a new edge. */
	KUNIT_EXPECT_EQ(test, okvm_pic_pending(&f->pic), -1);
	okvm_pic_set_irq(&f->pic, 0, false);
	okvm_pic_set_irq(&f->pic, 0, true);
	KUNIT_EXPECT_EQ(test, okvm_pic_pending(&f->pic), c->base + 0);
}

/* --- Requests, acknowledge and EOI --- */

static void pic_basic_and_nesting(struct kunit *test)
{
	struct fake_pic *f = test->priv;
	struct okvm_pic *p = &f->pic;

	KUNIT_EXPECT_EQ(test, okvm_pic_pending(p), -1);
	KUNIT_EXPECT_EQ(test, okvm_pic_set_irq(p, 3, true), 1);
	KUNIT_EXPECT_GT(test, f->kicks, 0);
	okvm_pic_set_irq(p, 5, true);
	KUNIT_EXPECT_EQ(test, read_irr(f, 0x20), 0x28);
	KUNIT_EXPECT_EQ(test, okvm_pic_pending(p), 0x0b);
	KUNIT_EXPECT_EQ(test, okvm_pic_ack(p), 0x0b);
	KUNIT_EXPECT_EQ(test, read_isr(f, 0x20), 0x08);
	KUNIT_EXPECT_EQ(test, read_irr(f, 0x20), 0x20);
	/* IR5 is below IR3 in service; IR1 is above and nests. */
	KUNIT_EXPECT_EQ(test, okvm_pic_pending(p), -1);
	okvm_pic_set_irq(p, 1, true);
	KUNIT_EXPECT_EQ(test, okvm_pic_ack(p), 0x09);
	KUNIT_EXPECT_EQ(test, read_isr(f, 0x20), 0x0a);
	okvm_pic_set_irq(p, 4, true);
	KUNIT_EXPECT_EQ(test, okvm_pic_pending(p), -1);
	/* Non-specific EOI retires the highest priority in service: IR1. */
	out(f, 0x20, 0x20);
	KUNIT_EXPECT_EQ(test, read_isr(f, 0x20), 0x08);
	KUNIT_EXPECT_EQ(test, okvm_pic_pending(p), -1);
	out(f, 0x20, 0x20);
	KUNIT_EXPECT_EQ(test, okvm_pic_ack(p), 0x0c);
	/* Specific EOI for IR4. */
	out(f, 0x20, 0x64);
	KUNIT_EXPECT_EQ(test, read_isr(f, 0x20), 0x00);
	KUNIT_EXPECT_EQ(test, okvm_pic_ack(p), 0x0d);
}

static void pic_imr_and_spurious(struct kunit *test)
{
	struct fake_pic *f = test->priv;
	struct okvm_pic *p = &f->pic;

	out(f, 0x21, 0x10);
	/* A masked request is latched in IRR but does not raise INTR. */
	KUNIT_EXPECT_EQ(test, okvm_pic_set_irq(p, 4, true), -1);
	KUNIT_EXPECT_EQ(test, read_irr(f, 0x20), 0x10);
	KUNIT_EXPECT_EQ(test, okvm_pic_pending(p), -1);
	/* Nothing requested: INTA gets IR7 and ISR stays clear. */
	KUNIT_EXPECT_EQ(test, okvm_pic_ack(p), 0x0f);
	KUNIT_EXPECT_EQ(test, read_isr(f, 0x20), 0x00);
	out(f, 0x21, 0x00);
	KUNIT_EXPECT_EQ(test, okvm_pic_pending(p), 0x0c);
	KUNIT_EXPECT_EQ(test, okvm_pic_set_irq(p, 16, true), -EINVAL);
}

/* --- Priority rotation (OCW2) --- */

struct rot_case {
	const char *name;
	u8 ocw2;
	u8 requests;
	int first;
};

/* IR2 is the cascade, so the requests avoid it. */
static const struct rot_case rot_cases[] = {
	{ "set priority L=7: fixed order", 0xc7, 0x28, 3 },
	{ "L=3: IR4 highest, IR5 before IR3", 0xc3, 0x28, 5 },
	{ "L=4: IR5 highest, IR1 before IR4", 0xc4, 0x12, 1 },
	{ "L=1: IR2 highest, IR7 before IR1", 0xc1, 0x82, 7 },
	{ "L=0: IR0 lowest", 0xc0, 0x81, 7 },
};

static void rot_desc(const struct rot_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(rot, rot_cases, rot_desc);

static void pic_priority_rotation(struct kunit *test)
{
	const struct rot_case *c = test->param_value;
	struct fake_pic *f = test->priv;
	int irq;

	out(f, 0x20, c->ocw2);
	for (irq = 0; irq < 8; irq++)
		if (c->requests & BIT(irq))
			okvm_pic_set_irq(&f->pic, irq, true);
	KUNIT_EXPECT_EQ(test, okvm_pic_ack(&f->pic), 0x08 + c->first);
}

static void pic_rotate_on_eoi(struct kunit *test)
{
	struct fake_pic *f = test->priv;
	struct okvm_pic *p = &f->pic;
	struct kvm_pic_state s;

	okvm_pic_set_irq(p, 3, true);
	KUNIT_EXPECT_EQ(test, okvm_pic_ack(p), 0x0b);
	/* Rotate on non-specific EOI: IR3 becomes the lowest. */
	out(f, 0x20, 0xa0);
	okvm_pic_get_state(p, 0, &s);
	KUNIT_EXPECT_EQ(test, s.priority_add, 4);
	KUNIT_EXPECT_EQ(test, s.isr, 0);
	okvm_pic_set_irq(p, 1, true);
	okvm_pic_set_irq(p, 6, true);
	KUNIT_EXPECT_EQ(test, okvm_pic_ack(p), 0x0e);
	/* Rotate on specific EOI for IR6: IR7 becomes the highest. */
	out(f, 0x20, 0xe6);
	okvm_pic_get_state(p, 0, &s);
	KUNIT_EXPECT_EQ(test, s.priority_add, 7);
	KUNIT_EXPECT_EQ(test, s.isr, 0);
	/* Non-specific EOI under rotation picks the highest *rotated* level. */
	okvm_pic_set_irq(p, 0, true);
	KUNIT_EXPECT_EQ(test, okvm_pic_ack(p), 0x08);	/* IR0 before IR1 */
	/* IR1 is now below IR0 in service: INTA gets the spurious IR7. */
	KUNIT_EXPECT_EQ(test, okvm_pic_ack(p), 0x0f);
	KUNIT_EXPECT_EQ(test, read_isr(f, 0x20), 0x01);
}

/* --- Cascade --- */

static void pic_cascade(struct kunit *test)
{
	struct fake_pic *f = test->priv;
	struct okvm_pic *p = &f->pic;

	okvm_pic_set_irq(p, 10, true);
	KUNIT_EXPECT_EQ(test, okvm_pic_pending(p), 0x72);
	KUNIT_EXPECT_EQ(test, okvm_pic_ack(p), 0x72);
	KUNIT_EXPECT_EQ(test, read_isr(f, 0x20), 0x04);
	KUNIT_EXPECT_EQ(test, read_isr(f, 0xa0), 0x04);
	/* IR3 is below the cascade in service, IR0 above. */
	okvm_pic_set_irq(p, 3, true);
	KUNIT_EXPECT_EQ(test, okvm_pic_pending(p), -1);
	okvm_pic_set_irq(p, 0, true);
	KUNIT_EXPECT_EQ(test, okvm_pic_ack(p), 0x08);
	out(f, 0x20, 0x20);
	/* A higher slave request is blocked by IR2 in service (no SFNM). */
	okvm_pic_set_irq(p, 8, true);
	KUNIT_EXPECT_EQ(test, okvm_pic_pending(p), -1);
	/* EOI to both chips, slave first. */
	out(f, 0xa0, 0x20);
	out(f, 0x20, 0x20);
	KUNIT_EXPECT_EQ(test, okvm_pic_ack(p), 0x70);
	out(f, 0xa0, 0x20);
	out(f, 0x20, 0x20);
	KUNIT_EXPECT_EQ(test, okvm_pic_ack(p), 0x0b);
	out(f, 0x20, 0x20);
	/* Masking the slave's line: the master sees nothing. */
	out(f, 0xa1, 0x10);
	okvm_pic_set_irq(p, 12, true);
	KUNIT_EXPECT_EQ(test, okvm_pic_pending(p), -1);
	/* Masking IR2 on the master hides the whole slave. */
	out(f, 0xa1, 0x00);
	out(f, 0x21, 0x04);
	KUNIT_EXPECT_EQ(test, okvm_pic_pending(p), -1);
	out(f, 0x21, 0x00);
	KUNIT_EXPECT_EQ(test, okvm_pic_ack(p), 0x74);
}

static void pic_special_fully_nested(struct kunit *test)
{
	struct fake_pic *f = test->priv;
	struct okvm_pic *p = &f->pic;

	pc_init(f, 0x11);	/* SFNM on both (only the master's matters) */
	okvm_pic_set_irq(p, 12, true);
	KUNIT_EXPECT_EQ(test, okvm_pic_ack(p), 0x74);
	/* IRQ9 outranks IRQ12 on the slave: SFNM lets it through IR2. */
	okvm_pic_set_irq(p, 9, true);
	KUNIT_EXPECT_EQ(test, okvm_pic_pending(p), 0x71);
	KUNIT_EXPECT_EQ(test, okvm_pic_ack(p), 0x71);
	KUNIT_EXPECT_EQ(test, read_isr(f, 0xa0), 0x12);
	/* A lower slave request still waits for the slave's own ISR. */
	okvm_pic_set_irq(p, 14, true);
	KUNIT_EXPECT_EQ(test, okvm_pic_pending(p), -1);
}

/* --- AEOI, ELCR, poll, special mask --- */

static void pic_auto_eoi(struct kunit *test)
{
	struct fake_pic *f = test->priv;
	struct okvm_pic *p = &f->pic;
	struct kvm_pic_state s;

	pc_init(f, 0x03);
	okvm_pic_set_irq(p, 3, true);
	okvm_pic_set_irq(p, 5, true);
	KUNIT_EXPECT_EQ(test, okvm_pic_ack(p), 0x0b);
	/* No ISR bit: the lower request is next without an EOI. */
	KUNIT_EXPECT_EQ(test, read_isr(f, 0x20), 0x00);
	KUNIT_EXPECT_EQ(test, okvm_pic_ack(p), 0x0d);
	/* Rotate in AEOI mode (OCW2 100): the acked level becomes lowest. */
	out(f, 0x20, 0x80);
	okvm_pic_set_irq(p, 6, true);
	KUNIT_EXPECT_EQ(test, okvm_pic_ack(p), 0x0e);
	okvm_pic_get_state(p, 0, &s);
	KUNIT_EXPECT_EQ(test, s.priority_add, 7);
	KUNIT_EXPECT_EQ(test, s.rotate_on_auto_eoi, 1);
	out(f, 0x20, 0x00);
	okvm_pic_get_state(p, 0, &s);
	KUNIT_EXPECT_EQ(test, s.rotate_on_auto_eoi, 0);
}

/*
 * What KVM's ack and mask notifiers report (the PIT's reinjection listens):
 * an IRQ is acked when it leaves service (non-specific or specific EOI,
 * ICW1) or at INTA in AEOI mode; the cascade's own EOI on the master is
 * IRQ2's; OCW1 and ICW1 report each mask bit that changed.
 */
static void pic_ack_and_mask_events(struct kunit *test)
{
	struct fake_pic *f = test->priv;
	struct okvm_pic *p = &f->pic;

	/* pc_init()'s ICW1s unmasked nothing: IMR was 0 already. */
	KUNIT_EXPECT_EQ(test, f->unmasked | f->masked, 0);
	out(f, 0x21, 0xfe);
	KUNIT_EXPECT_EQ(test, f->masked, 0xfe);
	out(f, 0x21, 0xfa);
	KUNIT_EXPECT_EQ(test, f->unmasked, BIT(2));
	out(f, 0xa1, 0x01);
	KUNIT_EXPECT_EQ(test, f->masked, 0xfe | BIT(8));

	okvm_pic_set_irq(p, 0, true);
	KUNIT_EXPECT_EQ(test, okvm_pic_ack(p), 0x08);
	KUNIT_EXPECT_EQ(test, f->nr_acked, 0);	/* in service, not done */
	out(f, 0x20, 0x20);
	KUNIT_EXPECT_EQ(test, f->acked, BIT(0));
	/* An EOI with nothing in service acks nothing. */
	out(f, 0x20, 0x20);
	KUNIT_EXPECT_EQ(test, f->nr_acked, 1);

	/* Slave IRQ10: the slave's EOI acks 10, the master's the cascade. */
	okvm_pic_set_irq(p, 10, true);
	KUNIT_EXPECT_EQ(test, okvm_pic_ack(p), 0x72);
	out(f, 0xa0, 0x62);
	KUNIT_EXPECT_EQ(test, f->acked, BIT(0) | BIT(10));
	out(f, 0x20, 0x20);
	KUNIT_EXPECT_EQ(test, f->acked, BIT(0) | BIT(2) | BIT(10));
	KUNIT_EXPECT_EQ(test, f->nr_acked, 3);

	/* ICW1 ends whatever is in service and clears IMR. */
	okvm_pic_set_irq(p, 0, false);
	okvm_pic_set_irq(p, 0, true);
	KUNIT_EXPECT_EQ(test, okvm_pic_ack(p), 0x08);
	f->acked = 0;
	f->unmasked = 0;
	out(f, 0x20, 0x11);
	KUNIT_EXPECT_EQ(test, f->acked, BIT(0));
	KUNIT_EXPECT_EQ(test, f->unmasked, 0xfa);

	/* AEOI: acked at INTA. */
	f->acked = 0;
	pc_init(f, 0x03);
	okvm_pic_set_irq(p, 0, false);
	okvm_pic_set_irq(p, 0, true);
	KUNIT_EXPECT_EQ(test, okvm_pic_ack(p), 0x08);
	KUNIT_EXPECT_EQ(test, f->acked, BIT(0));
	/* A spurious IR7 (nothing requested) acks nothing. */
	f->acked = 0;
	KUNIT_EXPECT_EQ(test, okvm_pic_ack(p), 0x0f);
	KUNIT_EXPECT_EQ(test, f->acked, 0);
}

static void pic_elcr(struct kunit *test)
{
	struct fake_pic *f = test->priv;
	struct okvm_pic *p = &f->pic;

	/* IRQ0-2, 8 and 13 cannot be level-triggered on a PIIX. */
	out(f, 0xd0, 0xff);	/* not an ELCR port: ignored */
	okvm_pic_ioport_write(p, 0x4d0, 0xff);
	okvm_pic_ioport_write(p, 0x4d1, 0xff);
	KUNIT_EXPECT_EQ(test, in(f, 0x4d0), 0xf8);
	KUNIT_EXPECT_EQ(test, in(f, 0x4d1), 0xde);
	okvm_pic_ioport_write(p, 0x4d0, 0x20);

	/* Level IRQ5: the request follows the line, through ack and EOI. */
	okvm_pic_set_irq(p, 5, true);
	KUNIT_EXPECT_EQ(test, okvm_pic_ack(p), 0x0d);
	KUNIT_EXPECT_EQ(test, read_irr(f, 0x20), 0x20);
	out(f, 0x20, 0x20);
	KUNIT_EXPECT_EQ(test, okvm_pic_pending(p), 0x0d);
	okvm_pic_set_irq(p, 5, false);
	KUNIT_EXPECT_EQ(test, read_irr(f, 0x20), 0x00);
	KUNIT_EXPECT_EQ(test, okvm_pic_pending(p), -1);

	/* Edge IRQ3: one request per rising edge, cleared by INTA. */
	okvm_pic_set_irq(p, 3, true);
	KUNIT_EXPECT_EQ(test, okvm_pic_set_irq(p, 3, true), 0);
	KUNIT_EXPECT_EQ(test, okvm_pic_ack(p), 0x0b);
	out(f, 0x20, 0x20);
	KUNIT_EXPECT_EQ(test, okvm_pic_pending(p), -1);
	KUNIT_EXPECT_EQ(test, okvm_pic_ioport_read(p, 0x4d2, NULL), -ENOENT);
}

static void pic_poll(struct kunit *test)
{
	struct fake_pic *f = test->priv;
	struct okvm_pic *p = &f->pic;

	out(f, 0x21, 0xff);		/* polled systems mask INTR */
	out(f, 0x20, 0x0c);
	KUNIT_EXPECT_EQ(test, in(f, 0x20) & 0x80, 0);
	okvm_pic_set_irq(p, 6, true);
	out(f, 0x21, 0x00);
	okvm_pic_set_irq(p, 4, true);
	out(f, 0x20, 0x0c);
	/* 1000 0WWW, and the read acknowledges like INTA. */
	KUNIT_EXPECT_EQ(test, in(f, 0x20), 0x84);
	KUNIT_EXPECT_EQ(test, read_isr(f, 0x20), 0x10);
	/* Poll is one-shot: the next read is a status read again. */
	KUNIT_EXPECT_EQ(test, in(f, 0x20), 0x10);
	out(f, 0x20, 0x20);
	out(f, 0x20, 0x0c);
	KUNIT_EXPECT_EQ(test, in(f, 0x21), 0x86);
	/* Polling the slave serves its request; the master's IR2 drops it. */
	okvm_pic_set_irq(p, 11, true);
	KUNIT_EXPECT_EQ(test, read_irr(f, 0x20), 0x04);
	out(f, 0xa0, 0x0c);
	KUNIT_EXPECT_EQ(test, in(f, 0xa0), 0x83);
	KUNIT_EXPECT_EQ(test, read_isr(f, 0xa0), 0x08);
	KUNIT_EXPECT_EQ(test, read_irr(f, 0x20), 0x00);
	KUNIT_EXPECT_EQ(test, okvm_pic_pending(p), -1);
}

static void pic_special_mask(struct kunit *test)
{
	struct fake_pic *f = test->priv;
	struct okvm_pic *p = &f->pic;

	okvm_pic_set_irq(p, 3, true);
	KUNIT_EXPECT_EQ(test, okvm_pic_ack(p), 0x0b);
	okvm_pic_set_irq(p, 5, true);
	KUNIT_EXPECT_EQ(test, okvm_pic_pending(p), -1);
	/* Mask IR3 and enter special mask mode: lower levels get through. */
	out(f, 0x21, 0x08);
	KUNIT_EXPECT_EQ(test, okvm_pic_pending(p), -1);
	out(f, 0x20, 0x68);
	KUNIT_EXPECT_EQ(test, okvm_pic_pending(p), 0x0d);
	/* Leave special mask mode (OCW3 ESMM=1 SMM=0): blocked again. */
	out(f, 0x20, 0x48);
	KUNIT_EXPECT_EQ(test, okvm_pic_pending(p), -1);
}

static void pic_state_round_trip(struct kunit *test)
{
	struct fake_pic *f = test->priv;
	struct fake_pic *g = kunit_kzalloc(test, sizeof(*g), GFP_KERNEL);
	struct kvm_pic_state s[2], t[2];
	int i;

	KUNIT_ASSERT_NOT_NULL(test, g);
	/* KVM's layout: 16 one-byte fields. */
	KUNIT_EXPECT_EQ(test, sizeof(struct kvm_pic_state), 16);
	okvm_pic_ioport_write(&f->pic, 0x4d1, 0x02);
	okvm_pic_set_irq(&f->pic, 9, true);
	okvm_pic_set_irq(&f->pic, 4, true);
	okvm_pic_ack(&f->pic);
	out(f, 0x21, 0x40);
	out(f, 0x20, 0xc2);
	out(f, 0xa0, 0x0b);
	for (i = 0; i < 2; i++)
		okvm_pic_get_state(&f->pic, i, &s[i]);
	KUNIT_EXPECT_EQ(test, s[0].irq_base, 0x08);
	KUNIT_EXPECT_EQ(test, s[1].irq_base, 0x70);
	KUNIT_EXPECT_EQ(test, s[0].imr, 0x40);
	KUNIT_EXPECT_EQ(test, s[0].priority_add, 3);
	KUNIT_EXPECT_EQ(test, s[1].elcr, 0x02);
	KUNIT_EXPECT_EQ(test, s[1].irr, 0x02);
	KUNIT_EXPECT_EQ(test, s[1].read_reg_select, 1);
	KUNIT_EXPECT_EQ(test, s[0].elcr_mask, 0xf8);

	okvm_pic_init(&g->pic, &fake_pic_ops, g);
	for (i = 0; i < 2; i++)
		KUNIT_EXPECT_EQ(test, okvm_pic_set_state(&g->pic, i, &s[i]), 0);
	for (i = 0; i < 2; i++) {
		okvm_pic_get_state(&g->pic, i, &t[i]);
		KUNIT_EXPECT_EQ(test, memcmp(&s[i], &t[i], sizeof(s[i])), 0);
	}
	KUNIT_EXPECT_EQ(test, okvm_pic_pending(&g->pic),
			okvm_pic_pending(&f->pic));
	KUNIT_EXPECT_EQ(test, okvm_pic_set_state(&g->pic, 2, &s[0]), -EINVAL);
}

static struct kunit_case pic_cases[] = {
	KUNIT_CASE_PARAM(pic_init_sequence, init_gen_params),
	KUNIT_CASE(pic_basic_and_nesting),
	KUNIT_CASE(pic_imr_and_spurious),
	KUNIT_CASE_PARAM(pic_priority_rotation, rot_gen_params),
	KUNIT_CASE(pic_rotate_on_eoi),
	KUNIT_CASE(pic_cascade),
	KUNIT_CASE(pic_special_fully_nested),
	KUNIT_CASE(pic_auto_eoi),
	KUNIT_CASE(pic_ack_and_mask_events),
	KUNIT_CASE(pic_elcr),
	KUNIT_CASE(pic_poll),
	KUNIT_CASE(pic_special_mask),
	KUNIT_CASE(pic_state_round_trip),
	{}
};

static struct kunit_suite pic_suite = {
	.name = "okvm_pic",
	.init = pic_test_init,
	.test_cases = pic_cases,
};
kunit_test_suite(pic_suite);
