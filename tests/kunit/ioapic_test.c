// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for src/x86/ioapic.c. Expected values from the Intel 82093AA
 * datasheet (register map, reset state, redirection entry layout and
 * edge/level/remote-IRR rules) and from KVM's uapi (struct
 * kvm_ioapic_state).
 */
#include <kunit/test.h>
#include <linux/kvm.h>

#include "x86/irqchip/ioapic.h"

struct fake_io {
	struct okvm_ioapic io;
	int accept;		/* what ->deliver returns */
	int nr;
	struct okvm_lapic_irq last;
	u32 acked;		/* pins ->acked reported, one bit each */
	int nr_acked;
	u32 masked, unmasked;	/* pins ->mask_changed reported */
};

static int f_deliver(void *o, const struct okvm_lapic_irq *irq)
{
	struct fake_io *f = o;

	f->nr++;
	f->last = *irq;
	return f->accept;
}

static void f_acked(void *o, u32 pin)
{
	struct fake_io *f = o;

	f->acked |= BIT(pin);
	f->nr_acked++;
}

static void f_mask_changed(void *o, u32 pin, bool masked)
{
	struct fake_io *f = o;

	if (masked)
		f->masked |= BIT(pin);
	else
		f->unmasked |= BIT(pin);
}

static const struct okvm_ioapic_ops fake_io_ops = {
	.deliver = f_deliver, .acked = f_acked, .mask_changed = f_mask_changed,
};

static int io_test_init(struct kunit *test)
{
	struct fake_io *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	okvm_ioapic_init(&f->io, &fake_io_ops, f);
	f->accept = 1;
	test->priv = f;
	return 0;
}

static u32 io_rd(struct fake_io *f, u32 sel)
{
	okvm_ioapic_mmio_write(&f->io, OKVM_IOAPIC_IOREGSEL, 4, sel);
	return okvm_ioapic_mmio_read(&f->io, OKVM_IOAPIC_IOWIN, 4);
}

static void io_wr(struct fake_io *f, u32 sel, u32 val)
{
	okvm_ioapic_mmio_write(&f->io, OKVM_IOAPIC_IOREGSEL, 4, sel);
	okvm_ioapic_mmio_write(&f->io, OKVM_IOAPIC_IOWIN, 4, val);
}

static void set_rte(struct fake_io *f, u32 pin, u64 rte)
{
	io_wr(f, 0x10 + 2 * pin + 1, rte >> 32);
	io_wr(f, 0x10 + 2 * pin, (u32)rte);
}

static u64 get_rte(struct fake_io *f, u32 pin)
{
	return (u64)io_rd(f, 0x11 + 2 * pin) << 32 | io_rd(f, 0x10 + 2 * pin);
}

struct io_reg_case {
	const char *name;
	u32 sel;
	u32 write;	/* written first unless 0 */
	u32 expect;
};

static const struct io_reg_case io_reg_cases[] = {
	{ "ID resets to 0", 0x00, 0, 0 },
	{ "version 0x11, 24 entries", 0x01, 0, 0x00170011 },
	{ "arbitration ID resets to 0", 0x02, 0, 0 },
	{ "entry 0 masked", 0x10, 0, 0x00010000 },
	{ "entry 0 high", 0x11, 0, 0 },
	{ "entry 23 masked", 0x3e, 0, 0x00010000 },
	{ "absent register 0x03", 0x03, 0, 0xffffffff },
	{ "absent register 0x40", 0x40, 0, 0xffffffff },
	{ "ID bits 27:24", 0x00, 0xffffffff, 0x0f000000 },
	{ "version read-only", 0x01, 0, 0x00170011 },
	{ "version write ignored", 0x01, 0x12345678, 0x00170011 },
	{ "arbitration read-only", 0x02, 0xffffffff, 0 },
	{ "entry low: status, remote IRR read-only", 0x12, 0xffffffff,
	  0x0001afff },
	{ "entry high: only 63:56", 0x13, 0xffffffff, 0xff000000 },
};

static void io_reg_desc(const struct io_reg_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(io_reg, io_reg_cases, io_reg_desc);

static void ioapic_registers(struct kunit *test)
{
	const struct io_reg_case *c = test->param_value;
	struct fake_io *f = test->priv;

	if (c->write)
		io_wr(f, c->sel, c->write);
	KUNIT_EXPECT_EQ(test, io_rd(f, c->sel), c->expect);
	KUNIT_EXPECT_EQ(test, f->nr, 0);
}

static void ioapic_mmio(struct kunit *test)
{
	struct fake_io *f = test->priv;
	struct okvm_ioapic *io = &f->io;

	/* IOREGSEL holds 8 bits. */
	okvm_ioapic_mmio_write(io, OKVM_IOAPIC_IOREGSEL, 4, 0x1ff);
	KUNIT_EXPECT_EQ(test, okvm_ioapic_mmio_read(io, 0, 4), 0xffULL);
	okvm_ioapic_mmio_write(io, OKVM_IOAPIC_IOREGSEL, 4, 0x01);
	KUNIT_EXPECT_EQ(test, okvm_ioapic_mmio_read(io, 0x10, 1), 0x11ULL);
	KUNIT_EXPECT_EQ(test, okvm_ioapic_mmio_read(io, 0x10, 2), 0x0011ULL);
	KUNIT_EXPECT_EQ(test, okvm_ioapic_mmio_read(io, 0x20, 4), 0ULL);
	/* Byte and word writes are not decoded. */
	okvm_ioapic_mmio_write(io, OKVM_IOAPIC_IOREGSEL, 1, 0x10);
	KUNIT_EXPECT_EQ(test, okvm_ioapic_mmio_read(io, 0, 4), 0x01ULL);
	okvm_ioapic_mmio_write(io, OKVM_IOAPIC_IOREGSEL, 8, 0x10);
	okvm_ioapic_mmio_write(io, OKVM_IOAPIC_IOWIN, 2, 0x31);
	KUNIT_EXPECT_EQ(test, okvm_ioapic_mmio_read(io, 0x10, 4), 0x10000ULL);
}

struct rte_case {
	const char *name;
	u64 rte;
	struct okvm_lapic_irq irq;
};

static const struct rte_case rte_cases[] = {
	{ "fixed physical edge", 0x0500000000000031ULL,
	  { .vector = 0x31, .dest_id = 5, .level = 1 } },
	{ "lowest logical level", 0x0300000000008931ULL,
	  { .vector = 0x31, .delivery_mode = 1, .dest_mode = 1, .trig_mode = 1,
	    .dest_id = 3, .level = 1 } },
	{ "NMI broadcast", 0xff00000000000400ULL,
	  { .delivery_mode = 4, .dest_id = 0xff, .level = 1 } },
	{ "ExtINT", 0x0000000000000700ULL,
	  { .delivery_mode = 7, .level = 1 } },
};

static void rte_desc(const struct rte_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(rte, rte_cases, rte_desc);

static void ioapic_rte_decode(struct kunit *test)
{
	const struct rte_case *c = test->param_value;
	struct fake_io *f = test->priv;

	set_rte(f, 4, c->rte);
	KUNIT_EXPECT_EQ(test, get_rte(f, 4), c->rte);
	KUNIT_EXPECT_GT(test, okvm_ioapic_set_irq(&f->io, 4, true), 0);
	KUNIT_ASSERT_EQ(test, f->nr, 1);
	KUNIT_EXPECT_EQ(test, f->last.vector, c->irq.vector);
	KUNIT_EXPECT_EQ(test, f->last.delivery_mode, c->irq.delivery_mode);
	KUNIT_EXPECT_EQ(test, f->last.dest_mode, c->irq.dest_mode);
	KUNIT_EXPECT_EQ(test, f->last.trig_mode, c->irq.trig_mode);
	KUNIT_EXPECT_EQ(test, f->last.dest_id, c->irq.dest_id);
	KUNIT_EXPECT_EQ(test, f->last.shorthand, 0u);
	KUNIT_EXPECT_TRUE(test, f->last.level);
}

static void ioapic_edge(struct kunit *test)
{
	struct fake_io *f = test->priv;
	struct okvm_ioapic *io = &f->io;

	set_rte(f, 1, 0x31);
	KUNIT_EXPECT_EQ(test, okvm_ioapic_set_irq(io, 1, true), 1);
	/* No new edge while the line stays high. */
	KUNIT_EXPECT_EQ(test, okvm_ioapic_set_irq(io, 1, true), 0);
	KUNIT_EXPECT_EQ(test, okvm_ioapic_set_irq(io, 1, false), 0);
	KUNIT_EXPECT_EQ(test, f->nr, 1);
	KUNIT_EXPECT_EQ(test, okvm_ioapic_set_irq(io, 1, true), 1);
	KUNIT_EXPECT_EQ(test, f->nr, 2);
	/* Edge never sets remote IRR; EOI of its vector changes nothing. */
	KUNIT_EXPECT_EQ(test, get_rte(f, 1), 0x31ULL);
	okvm_ioapic_eoi(io, 0x31, true);
	KUNIT_EXPECT_EQ(test, f->nr, 2);
	/* An edge on a masked pin is lost, also after unmasking. */
	okvm_ioapic_set_irq(io, 1, false);
	set_rte(f, 1, 0x10031);
	KUNIT_EXPECT_EQ(test, okvm_ioapic_set_irq(io, 1, true), -1);
	set_rte(f, 1, 0x31);
	KUNIT_EXPECT_EQ(test, f->nr, 2);
	KUNIT_EXPECT_EQ(test, okvm_ioapic_set_irq(io, 24, true), -EINVAL);
	KUNIT_EXPECT_EQ(test, okvm_ioapic_set_irq(io, 100, true), -EINVAL);
}

/*
 * What KVM's ack and mask notifiers report (the PIT's reinjection listens):
 * an EOI of an entry's vector acks the pin, edge or level, and whatever
 * the APIC's TMR said; remote IRR only moves for a level EOI of a level
 * entry. A mask bit that changes is reported; other writes are not.
 */
static void ioapic_ack_and_mask_events(struct kunit *test)
{
	struct fake_io *f = test->priv;
	struct okvm_ioapic *io = &f->io;

	/* After reset every pin is masked: unmasking pin 2 says so. */
	set_rte(f, 2, 0x30);				/* edge, vector 0x30 */
	KUNIT_EXPECT_EQ(test, f->unmasked, BIT(2));
	set_rte(f, 2, 0x30);
	KUNIT_EXPECT_EQ(test, f->unmasked, BIT(2));
	KUNIT_EXPECT_EQ(test, f->masked, 0u);
	set_rte(f, 9, 0x8059);				/* level, vector 0x59 */
	KUNIT_EXPECT_EQ(test, okvm_ioapic_set_irq(io, 2, true), 1);
	KUNIT_EXPECT_EQ(test, okvm_ioapic_set_irq(io, 9, true), 1);

	okvm_ioapic_eoi(io, 0x30, false);
	KUNIT_EXPECT_EQ(test, f->acked, BIT(2));
	KUNIT_EXPECT_EQ(test, f->nr_acked, 1);
	/* An edge EOI of the level entry's vector: acked, remote IRR kept. */
	okvm_ioapic_eoi(io, 0x59, false);
	KUNIT_EXPECT_EQ(test, f->acked, BIT(2) | BIT(9));
	KUNIT_EXPECT_EQ(test, get_rte(f, 9), 0xc059ULL);
	KUNIT_EXPECT_EQ(test, f->nr, 2);
	okvm_ioapic_set_irq(io, 9, false);
	okvm_ioapic_eoi(io, 0x59, true);
	KUNIT_EXPECT_EQ(test, get_rte(f, 9), 0x8059ULL);
	KUNIT_EXPECT_EQ(test, f->nr_acked, 3);
	/* A vector no entry has acks nothing. */
	okvm_ioapic_eoi(io, 0x31, false);
	KUNIT_EXPECT_EQ(test, f->nr_acked, 3);

	set_rte(f, 2, 0x10030);
	KUNIT_EXPECT_EQ(test, f->masked, BIT(2));
}

static void ioapic_level(struct kunit *test)
{
	struct fake_io *f = test->priv;
	struct okvm_ioapic *io = &f->io;

	set_rte(f, 9, 0x8059);				/* level, vector 0x59 */
	KUNIT_EXPECT_EQ(test, okvm_ioapic_set_irq(io, 9, true), 1);
	KUNIT_EXPECT_EQ(test, get_rte(f, 9), 0xc059ULL);	/* remote IRR */
	/* While remote IRR is set, re-asserting is coalesced. */
	KUNIT_EXPECT_EQ(test, okvm_ioapic_set_irq(io, 9, true), 0);
	KUNIT_EXPECT_EQ(test, f->nr, 1);
	/* EOI with the line still high delivers again. */
	okvm_ioapic_eoi(io, 0x58, true);
	KUNIT_EXPECT_EQ(test, f->nr, 1);
	okvm_ioapic_eoi(io, 0x59, true);
	KUNIT_EXPECT_EQ(test, f->nr, 2);
	KUNIT_EXPECT_EQ(test, get_rte(f, 9), 0xc059ULL);
	/* Line low, then EOI: remote IRR clears, nothing more is sent. */
	okvm_ioapic_set_irq(io, 9, false);
	okvm_ioapic_eoi(io, 0x59, true);
	KUNIT_EXPECT_EQ(test, f->nr, 2);
	KUNIT_EXPECT_EQ(test, get_rte(f, 9), 0x8059ULL);

	/* Masked: held while the line is high, sent on unmask. */
	set_rte(f, 9, 0x18059);
	KUNIT_EXPECT_EQ(test, okvm_ioapic_set_irq(io, 9, true), -1);
	KUNIT_EXPECT_EQ(test, f->nr, 2);
	set_rte(f, 9, 0x8059);
	KUNIT_EXPECT_EQ(test, f->nr, 3);
	okvm_ioapic_set_irq(io, 9, false);
	okvm_ioapic_eoi(io, 0x59, true);

	/* Masked and dropped before unmasking: nothing. */
	set_rte(f, 9, 0x18059);
	okvm_ioapic_set_irq(io, 9, true);
	okvm_ioapic_set_irq(io, 9, false);
	set_rte(f, 9, 0x8059);
	KUNIT_EXPECT_EQ(test, f->nr, 3);

	/* An edge entry made level-triggered while its line is high sends. */
	set_rte(f, 7, 0x37);
	KUNIT_EXPECT_EQ(test, okvm_ioapic_set_irq(io, 7, true), 1);
	KUNIT_EXPECT_EQ(test, f->nr, 4);
	set_rte(f, 7, 0x8037);
	KUNIT_EXPECT_EQ(test, f->nr, 5);
	KUNIT_EXPECT_TRUE(test, f->last.trig_mode);
	KUNIT_EXPECT_EQ(test, get_rte(f, 7), 0xc037ULL);

	/* Nobody accepted it: remote IRR stays clear. */
	f->accept = 0;
	KUNIT_EXPECT_EQ(test, okvm_ioapic_set_irq(io, 9, true), 0);
	KUNIT_EXPECT_EQ(test, get_rte(f, 9), 0x8059ULL);
}

static void ioapic_remote_irr_rules(struct kunit *test)
{
	struct fake_io *f = test->priv;
	struct okvm_ioapic *io = &f->io;

	set_rte(f, 3, 0x8033);
	okvm_ioapic_set_irq(io, 3, true);
	KUNIT_EXPECT_EQ(test, get_rte(f, 3), 0xc033ULL);
	/* Remote IRR and delivery status cannot be written. */
	io_wr(f, 0x16, 0x8033);
	KUNIT_EXPECT_EQ(test, get_rte(f, 3), 0xc033ULL);
	io_wr(f, 0x16, 0xd034);
	KUNIT_EXPECT_EQ(test, get_rte(f, 3), 0xc034ULL);
	/* Switching to edge clears it (what Linux relies on). */
	okvm_ioapic_set_irq(io, 3, false);
	io_wr(f, 0x16, 0x0034);
	KUNIT_EXPECT_EQ(test, get_rte(f, 3), 0x0034ULL);
}

static void ioapic_state_round_trip(struct kunit *test)
{
	struct fake_io *f = test->priv;
	struct fake_io *g = kunit_kzalloc(test, sizeof(*g), GFP_KERNEL);
	struct kvm_ioapic_state s, t;

	KUNIT_ASSERT_NOT_NULL(test, g);
	io_wr(f, 0, 0x02000000);
	set_rte(f, 1, 0x0300000000000931ULL);		/* edge */
	set_rte(f, 5, 0x0100000000008045ULL);		/* level, will be in service */
	set_rte(f, 6, 0x0100000000018046ULL);		/* level, masked */
	okvm_ioapic_set_irq(&f->io, 5, true);
	okvm_ioapic_set_irq(&f->io, 6, true);
	okvm_ioapic_mmio_write(&f->io, 0, 4, 0x13);
	okvm_ioapic_get_state(&f->io, &s);

	/* KVM's layout of the state. */
	KUNIT_EXPECT_EQ(test, s.base_address, 0xfec00000ULL);
	KUNIT_EXPECT_EQ(test, s.id, 2u);
	KUNIT_EXPECT_EQ(test, s.ioregsel, 0x13u);
	KUNIT_EXPECT_EQ(test, s.irr, (u32)(BIT(5) | BIT(6)));
	KUNIT_EXPECT_EQ(test, s.redirtbl[1].fields.vector, 0x31);
	KUNIT_EXPECT_EQ(test, (int)s.redirtbl[1].fields.delivery_mode, 1);
	KUNIT_EXPECT_EQ(test, (int)s.redirtbl[1].fields.dest_mode, 1);
	KUNIT_EXPECT_EQ(test, s.redirtbl[1].fields.dest_id, 3);
	KUNIT_EXPECT_EQ(test, (int)s.redirtbl[5].fields.remote_irr, 1);
	KUNIT_EXPECT_EQ(test, (int)s.redirtbl[5].fields.trig_mode, 1);
	KUNIT_EXPECT_EQ(test, (int)s.redirtbl[6].fields.mask, 1);
	KUNIT_EXPECT_EQ(test, (int)s.redirtbl[0].fields.mask, 1);

	okvm_ioapic_init(&g->io, &fake_io_ops, g);
	g->accept = 1;
	KUNIT_EXPECT_EQ(test, okvm_ioapic_set_state(&g->io, &s), 0);
	/* Pin 5 is in service, pin 6 masked: nothing is re-sent. */
	KUNIT_EXPECT_EQ(test, g->nr, 0);
	okvm_ioapic_get_state(&g->io, &t);
	KUNIT_EXPECT_EQ(test, memcmp(&s, &t, sizeof(s)), 0);
	/* The EOI of pin 5's vector re-sends the still asserted line. */
	okvm_ioapic_eoi(&g->io, 0x45, true);
	KUNIT_EXPECT_EQ(test, g->nr, 1);
	/* Unmasking pin 6 sends it. */
	okvm_ioapic_mmio_write(&g->io, 0, 4, 0x1c);
	okvm_ioapic_mmio_write(&g->io, 0x10, 4, 0x8046);
	KUNIT_EXPECT_EQ(test, g->nr, 2);
	KUNIT_EXPECT_EQ(test, g->last.vector, 0x46u);
}

static struct kunit_case ioapic_cases[] = {
	KUNIT_CASE_PARAM(ioapic_registers, io_reg_gen_params),
	KUNIT_CASE(ioapic_mmio),
	KUNIT_CASE_PARAM(ioapic_rte_decode, rte_gen_params),
	KUNIT_CASE(ioapic_edge),
	KUNIT_CASE(ioapic_level),
	KUNIT_CASE(ioapic_ack_and_mask_events),
	KUNIT_CASE(ioapic_remote_irr_rules),
	KUNIT_CASE(ioapic_state_round_trip),
	{}
};

static struct kunit_suite ioapic_suite = {
	.name = "okvm_ioapic",
	.init = io_test_init,
	.test_cases = ioapic_cases,
};
kunit_test_suite(ioapic_suite);
