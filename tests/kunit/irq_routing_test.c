// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for src/x86/irq_routing.c: KVM's default GSI table, the
 * KVM_SET_GSI_ROUTING rules, and MSI decoding (SDM vol. 3 11.11 for the
 * address/data layout, KVM's uapi for the 32-bit-ID extension).
 */
#include <kunit/test.h>
#include <linux/kvm.h>

#include "x86/irqchip/ioapic.h"
#include "x86/irqchip/irq_routing.h"
#include "x86/irqchip/pic.h"

static void routing_default_table(struct kunit *test)
{
	struct kvm_irq_routing_entry *e;
	int n, i, gsi, ioapic, pic;

	e = kunit_kcalloc(test, OKVM_IRQ_DEFAULT_ROUTES, sizeof(*e), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_EQ(test, okvm_irq_default_routing(e, 39), -ENOSPC);
	n = okvm_irq_default_routing(e, OKVM_IRQ_DEFAULT_ROUTES);
	KUNIT_ASSERT_EQ(test, n, 40);
	for (gsi = 0; gsi < 24; gsi++) {
		ioapic = pic = 0;
		for (i = 0; i < n; i++) {
			if (e[i].gsi != gsi)
				continue;
			KUNIT_EXPECT_EQ(test, e[i].type, KVM_IRQ_ROUTING_IRQCHIP);
			KUNIT_EXPECT_EQ(test, e[i].flags, 0u);
			if (e[i].u.irqchip.irqchip == KVM_IRQCHIP_IOAPIC) {
				ioapic++;
				KUNIT_EXPECT_EQ(test, e[i].u.irqchip.pin, gsi);
			} else {
				pic++;
				KUNIT_EXPECT_EQ(test, e[i].u.irqchip.irqchip,
						gsi < 8 ? KVM_IRQCHIP_PIC_MASTER :
						KVM_IRQCHIP_PIC_SLAVE);
				KUNIT_EXPECT_EQ(test, e[i].u.irqchip.pin, gsi % 8);
			}
		}
		KUNIT_EXPECT_EQ_MSG(test, ioapic, 1, "GSI %d", gsi);
		KUNIT_EXPECT_EQ_MSG(test, pic, gsi < 16 ? 1 : 0, "GSI %d", gsi);
	}
	KUNIT_EXPECT_EQ(test, okvm_irq_routing_check(e, n, false), 0);
}

#define CHIP(g, c, p) { .gsi = (g), .type = KVM_IRQ_ROUTING_IRQCHIP, \
			.u.irqchip = { .irqchip = (c), .pin = (p) } }
#define MSI(g, f, hi) { .gsi = (g), .type = KVM_IRQ_ROUTING_MSI, .flags = (f), \
			.u.msi = { .address_lo = 0xfee00000, .address_hi = (hi) } }

struct route_case {
	const char *name;
	struct kvm_irq_routing_entry e[2];
	u32 nr;
	bool x2apic_format;
	int err;
};

static const struct route_case route_cases[] = {
	{ "PIC master pin 7", { CHIP(7, 0, 7) }, 1, false, 0 },
	{ "PIC master pin 8", { CHIP(7, 0, 8) }, 1, false, -EINVAL },
	{ "PIC slave pin 8", { CHIP(15, 1, 8) }, 1, false, -EINVAL },
	{ "IOAPIC pin 23", { CHIP(23, 2, 23) }, 1, false, 0 },
	{ "IOAPIC pin 24", { CHIP(24, 2, 24) }, 1, false, -EINVAL },
	{ "irqchip 3", { CHIP(1, 3, 1) }, 1, false, -EINVAL },
	{ "GSI 4095", { CHIP(4095, 2, 1) }, 1, false, 0 },
	{ "GSI 4096", { CHIP(4096, 2, 1) }, 1, false, -EINVAL },
	{ "irqchip with flags", { { .gsi = 1, .type = KVM_IRQ_ROUTING_IRQCHIP,
	  .flags = KVM_MSI_VALID_DEVID, .u.irqchip = { 2, 1 } } }, 1, false,
	  -EINVAL },
	{ "MSI", { MSI(30, 0, 0) }, 1, false, 0 },
	{ "MSI with a devid", { MSI(30, KVM_MSI_VALID_DEVID, 0) }, 1, false, 0 },
	{ "MSI unknown flag", { MSI(30, 2, 0) }, 1, false, -EINVAL },
	{ "MSI 32-bit IDs, hi 7:0 set", { MSI(30, 0, 0x101) }, 1, true,
	  -EINVAL },
	{ "MSI 32-bit IDs, hi 31:8", { MSI(30, 0, 0x100) }, 1, true, 0 },
	{ "MSI legacy ignores hi", { MSI(30, 0, 0x101) }, 1, false, 0 },
	{ "s390 adapter type", { { .gsi = 1, .type = KVM_IRQ_ROUTING_S390_ADAPTER } },
	  1, false, -EINVAL },
	{ "GSI to IOAPIC and PIC", { CHIP(3, 2, 3), CHIP(3, 0, 3) }, 2, false,
	  0 },
	{ "GSI to the IOAPIC twice", { CHIP(3, 2, 3), CHIP(3, 2, 4) }, 2,
	  false, -EINVAL },
	{ "GSI to MSI and IOAPIC", { MSI(3, 0, 0), CHIP(3, 2, 3) }, 2, false,
	  -EINVAL },
	{ "GSI to two MSIs", { MSI(3, 0, 0), MSI(3, 0, 0) }, 2, false,
	  -EINVAL },
	{ "two GSIs to one pin", { CHIP(3, 2, 3), CHIP(4, 2, 3) }, 2, false,
	  0 },
	{ "empty table", { }, 0, false, 0 },
};

static void route_desc(const struct route_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(route, route_cases, route_desc);

static void routing_check(struct kunit *test)
{
	const struct route_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, okvm_irq_routing_check(c->e, c->nr,
						     c->x2apic_format), c->err);
}

struct msi_case {
	const char *name;
	u32 lo, hi, data;
	bool x2apic_format;
	int err;
	struct okvm_lapic_irq irq;
};

static const struct msi_case msi_cases[] = {
	{ "fixed physical edge", 0xfee01000, 0, 0x0031, false, 0,
	  { .vector = 0x31, .dest_id = 1 } },
	{ "lowest logical level, hint", 0xfee0f00c, 0, 0xc141, false, 0,
	  { .vector = 0x41, .delivery_mode = 1, .dest_mode = 1, .trig_mode = 1,
	    .dest_id = 0x0f } },
	{ "NMI broadcast", 0xfeeff000, 0, 0x0400, false, 0,
	  { .delivery_mode = 4, .dest_id = 0xff } },
	{ "ExtINT", 0xfee00000, 0, 0x0700, false, 0, { .delivery_mode = 7 } },
	{ "32-bit ID from address_hi", 0xfee23000, 0x00000100, 0x30, true, 0,
	  { .vector = 0x30, .dest_id = 0x123 } },
	{ "legacy ignores address_hi", 0xfee23000, 0x00000100, 0x30, false, 0,
	  { .vector = 0x30, .dest_id = 0x23 } },
	{ "address_hi 7:0 reserved", 0xfee23000, 0x00000001, 0x30, true,
	  -EINVAL, { } },
};

static void msi_desc(const struct msi_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(msi, msi_cases, msi_desc);

static void routing_msi_decode(struct kunit *test)
{
	const struct msi_case *c = test->param_value;
	struct okvm_lapic_irq irq = { };
	struct kvm_msi m = { .address_lo = c->lo, .address_hi = c->hi,
			     .data = c->data };

	KUNIT_ASSERT_EQ(test, okvm_msi_decode(c->lo, c->hi, c->data,
					      c->x2apic_format, &irq), c->err);
	KUNIT_EXPECT_EQ(test, okvm_signal_msi_decode(&m, c->x2apic_format, &irq),
			c->err);
	if (c->err)
		return;
	KUNIT_EXPECT_EQ(test, irq.vector, c->irq.vector);
	KUNIT_EXPECT_EQ(test, irq.delivery_mode, c->irq.delivery_mode);
	KUNIT_EXPECT_EQ(test, irq.dest_mode, c->irq.dest_mode);
	KUNIT_EXPECT_EQ(test, irq.trig_mode, c->irq.trig_mode);
	KUNIT_EXPECT_EQ(test, irq.dest_id, c->irq.dest_id);
	KUNIT_EXPECT_TRUE(test, irq.level);
	KUNIT_EXPECT_EQ(test, irq.shorthand, 0u);
	m.flags = KVM_MSI_VALID_DEVID;
	KUNIT_EXPECT_EQ(test, okvm_signal_msi_decode(&m, c->x2apic_format, &irq),
			0);
	m.flags = 2;
	KUNIT_EXPECT_EQ(test, okvm_signal_msi_decode(&m, c->x2apic_format, &irq),
			-EINVAL);
}

/*
 * The models wired together as docs/irqchip.md describes, with one lock
 * for the whole irqchip (so the callbacks deliver directly): GSI -> I/O
 * APIC -> local APIC -> EOI -> I/O APIC, IPIs, MSIs and the PIC path.
 */
#define MINI_CPUS	4

struct mini_vm;

struct mini_cpu {
	struct mini_vm *vm;
	int id;
};

struct mini_vm {
	struct okvm_lapic apic[MINI_CPUS];
	struct mini_cpu cpu[MINI_CPUS];
	struct okvm_ioapic io;
	struct okvm_pic pic;
	struct kvm_irq_routing_entry routes[OKVM_IRQ_DEFAULT_ROUTES];
	int nr_routes;
	u64 clock;
	int kicks[MINI_CPUS];
};

static int mini_deliver(struct mini_vm *vm, const struct okvm_lapic_irq *irq,
			const struct okvm_lapic *src)
{
	struct okvm_lapic *cand[MINI_CPUS], *t;
	int i, n = 0, got = 0;

	for (i = 0; i < MINI_CPUS; i++)
		if (okvm_lapic_match_dest(&vm->apic[i], irq->dest_id,
					  irq->dest_mode, irq->shorthand, src))
			cand[n++] = &vm->apic[i];
	if (irq->delivery_mode == OKVM_APIC_DM_LOWEST) {
		t = okvm_lapic_lowest_prio(cand, n, irq->vector);
		return t && okvm_lapic_deliver(t, irq);
	}
	for (i = 0; i < n; i++)
		got += okvm_lapic_deliver(cand[i], irq);
	return got;
}

static u64 mini_now(void *o)
{
	return ((struct mini_cpu *)o)->vm->clock;
}

static void mini_ipi(void *o, struct okvm_lapic *src,
		     const struct okvm_lapic_irq *irq)
{
	mini_deliver(((struct mini_cpu *)o)->vm, irq, src);
}

static void mini_eoi(void *o, u8 vector, bool level)
{
	okvm_ioapic_eoi(&((struct mini_cpu *)o)->vm->io, vector, level);
}

static void mini_kick(void *o)
{
	struct mini_cpu *c = o;

	c->vm->kicks[c->id]++;
}

static const struct okvm_lapic_ops mini_apic_ops = {
	.now_ns = mini_now, .send_ipi = mini_ipi, .eoi_broadcast = mini_eoi,
	.kick = mini_kick,
};

static int mini_io_deliver(void *o, const struct okvm_lapic_irq *irq)
{
	return mini_deliver(o, irq, NULL);
}

static const struct okvm_ioapic_ops mini_io_ops = {
	.deliver = mini_io_deliver,
};

static void mini_pic_kick(void *o)
{
	((struct mini_vm *)o)->kicks[0]++;
}

static const struct okvm_pic_ops mini_pic_ops = { .kick = mini_pic_kick };

/* KVM_IRQ_LINE through the routing table. */
static void mini_irq_line(struct mini_vm *vm, u32 gsi, bool level)
{
	const struct kvm_irq_routing_entry *e;
	int i;

	for (i = 0; i < vm->nr_routes; i++) {
		e = &vm->routes[i];
		if (e->gsi != gsi)
			continue;
		if (e->u.irqchip.irqchip == KVM_IRQCHIP_IOAPIC)
			okvm_ioapic_set_irq(&vm->io, e->u.irqchip.pin, level);
		else
			okvm_pic_set_irq(&vm->pic, e->u.irqchip.irqchip * 8 +
					 e->u.irqchip.pin, level);
	}
}

static void mini_wr(struct mini_vm *vm, int cpu, u32 off, u32 val)
{
	okvm_lapic_mmio_write(&vm->apic[cpu], off, 4, val);
}

static void mini_ioapic_rte(struct mini_vm *vm, u32 pin, u64 rte)
{
	okvm_ioapic_mmio_write(&vm->io, OKVM_IOAPIC_IOREGSEL, 4, 0x11 + 2 * pin);
	okvm_ioapic_mmio_write(&vm->io, OKVM_IOAPIC_IOWIN, 4, rte >> 32);
	okvm_ioapic_mmio_write(&vm->io, OKVM_IOAPIC_IOREGSEL, 4, 0x10 + 2 * pin);
	okvm_ioapic_mmio_write(&vm->io, OKVM_IOAPIC_IOWIN, 4, (u32)rte);
}

static int mini_vm_init(struct kunit *test)
{
	struct mini_vm *vm = kunit_kzalloc(test, sizeof(*vm), GFP_KERNEL);
	int i;

	if (!vm)
		return -ENOMEM;
	for (i = 0; i < MINI_CPUS; i++) {
		vm->cpu[i] = (struct mini_cpu){ .vm = vm, .id = i };
		okvm_lapic_init(&vm->apic[i], i, i == 0, &mini_apic_ops,
				&vm->cpu[i]);
		/* What an OS does: enable, flat logical ID bit i. */
		mini_wr(vm, i, OKVM_APIC_SVR, 0x1ff);
		mini_wr(vm, i, OKVM_APIC_LDR, BIT(i) << 24);
	}
	okvm_ioapic_init(&vm->io, &mini_io_ops, vm);
	okvm_pic_init(&vm->pic, &mini_pic_ops, vm);
	vm->nr_routes = okvm_irq_default_routing(vm->routes,
						 OKVM_IRQ_DEFAULT_ROUTES);
	test->priv = vm;
	return 0;
}

static void irqchip_level_gsi_and_eoi(struct kunit *test)
{
	struct mini_vm *vm = test->priv;
	struct okvm_lapic *a1 = &vm->apic[1];
	struct kvm_ioapic_state s;

	/* Pin 9: level, logical, fixed, vector 0x59, to LDR bit 1 (CPU 1). */
	mini_ioapic_rte(vm, 9, 0x0200000000008859ULL);
	mini_irq_line(vm, 9, true);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending(&vm->apic[0]), -1);
	KUNIT_ASSERT_EQ(test, okvm_lapic_pending(a1), 0x59);
	KUNIT_EXPECT_GT(test, vm->kicks[1], 0);
	okvm_ioapic_get_state(&vm->io, &s);
	KUNIT_EXPECT_EQ(test, (int)s.redirtbl[9].fields.remote_irr, 1);
	okvm_lapic_ack(a1, 0x59);
	/* The EOI reaches the I/O APIC; the line is still high: again. */
	mini_wr(vm, 1, OKVM_APIC_EOI, 0);
	KUNIT_ASSERT_EQ(test, okvm_lapic_pending(a1), 0x59);
	okvm_lapic_ack(a1, 0x59);
	mini_irq_line(vm, 9, false);
	mini_wr(vm, 1, OKVM_APIC_EOI, 0);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending(a1), -1);
	okvm_ioapic_get_state(&vm->io, &s);
	KUNIT_EXPECT_EQ(test, (int)s.redirtbl[9].fields.remote_irr, 0);
	KUNIT_EXPECT_EQ(test, s.irr, 0u);
}

static void irqchip_init_sipi(struct kunit *test)
{
	struct mini_vm *vm = test->priv;
	u8 sipi;
	int i;

	/* The BSP's start-up sequence: INIT, then SIPI page 0x08, to the APs. */
	mini_wr(vm, 0, OKVM_APIC_ICR, 0x000c4500);
	mini_wr(vm, 0, OKVM_APIC_ICR, 0x000c4608);
	KUNIT_EXPECT_EQ(test, okvm_lapic_take_events(&vm->apic[0], &sipi), 0u);
	for (i = 1; i < MINI_CPUS; i++) {
		KUNIT_EXPECT_EQ(test, okvm_lapic_take_events(&vm->apic[i], &sipi),
				OKVM_LAPIC_EV_INIT | OKVM_LAPIC_EV_SIPI);
		KUNIT_EXPECT_EQ(test, sipi, 0x08);
	}
	/* A fixed IPI to CPU 2 by physical ID, and a broadcast NMI. */
	mini_wr(vm, 0, OKVM_APIC_ICR2, 2 << 24);
	mini_wr(vm, 0, OKVM_APIC_ICR, 0x000000f3);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending(&vm->apic[2]), 0xf3);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending(&vm->apic[3]), -1);
	mini_wr(vm, 3, OKVM_APIC_ICR, 0x00080400);
	for (i = 0; i < MINI_CPUS; i++)
		KUNIT_EXPECT_EQ(test, okvm_lapic_take_events(&vm->apic[i], &sipi),
				OKVM_LAPIC_EV_NMI);
}

static void irqchip_lowest_priority_msi(struct kunit *test)
{
	struct mini_vm *vm = test->priv;
	static const u8 tpr[MINI_CPUS] = { 0x30, 0x10, 0x20, 0x40 };
	struct kvm_msi msi = { .address_lo = 0xfee0f004, .data = 0x0161 };
	struct okvm_lapic_irq irq;
	int i;

	for (i = 0; i < MINI_CPUS; i++)
		mini_wr(vm, i, OKVM_APIC_TPR, tpr[i]);
	/* Logical 0x0f (all four), lowest priority: CPU 1 has TPR 0x10. */
	KUNIT_ASSERT_EQ(test, okvm_signal_msi_decode(&msi, false, &irq), 0);
	KUNIT_EXPECT_EQ(test, mini_deliver(vm, &irq, NULL), 1);
	for (i = 0; i < MINI_CPUS; i++)
		KUNIT_EXPECT_EQ(test, okvm_lapic_find_highest(&vm->apic[i],
				OKVM_APIC_IRR), i == 1 ? 0x61 : -1);
}

static void irqchip_x2apic_cluster_ipi(struct kunit *test)
{
	struct mini_vm *vm = test->priv;
	int i;

	for (i = 0; i < MINI_CPUS; i++)
		KUNIT_ASSERT_EQ(test, okvm_lapic_msr_write(&vm->apic[i],
				OKVM_MSR_APIC_BASE, 0xfee00000 | BIT(11) | BIT(10) |
				(i ? 0 : BIT(8))), 0);
	/* Cluster 0, bits 1 and 3: CPUs 1 and 3. */
	KUNIT_EXPECT_EQ(test, okvm_lapic_msr_write(&vm->apic[0], 0x830,
			(0x0000000aULL << 32) | 0x870), 0);
	for (i = 0; i < MINI_CPUS; i++)
		KUNIT_EXPECT_EQ(test, okvm_lapic_pending(&vm->apic[i]),
				i == 1 || i == 3 ? 0x70 : -1);
	/* Self IPI through the ICR shorthand. */
	okvm_lapic_msr_write(&vm->apic[2], 0x830, 0x40071);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending(&vm->apic[2]), 0x71);
}

static void irqchip_pic_through_lint0(struct kunit *test)
{
	struct mini_vm *vm = test->priv;
	static const u8 init[][2] = {
		{ 0x20, 0x11 }, { 0x21, 0x08 }, { 0x21, 0x04 }, { 0x21, 0x01 },
		{ 0xa0, 0x11 }, { 0xa1, 0x70 }, { 0xa1, 0x02 }, { 0xa1, 0x01 },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(init); i++)
		okvm_pic_ioport_write(&vm->pic, init[i][0], init[i][1]);
	KUNIT_EXPECT_FALSE(test, okvm_lapic_accept_pic_intr(&vm->apic[0]));
	mini_wr(vm, 0, OKVM_APIC_LVT0, 0x700);		/* ExtINT */
	KUNIT_EXPECT_TRUE(test, okvm_lapic_accept_pic_intr(&vm->apic[0]));
	/* GSI 1: the I/O APIC pin is masked, the PIC takes it. */
	vm->kicks[0] = 0;
	mini_irq_line(vm, 1, true);
	KUNIT_EXPECT_EQ(test, vm->kicks[0], 1);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending(&vm->apic[0]), -1);
	KUNIT_EXPECT_EQ(test, okvm_pic_pending(&vm->pic), 0x09);
	KUNIT_EXPECT_EQ(test, okvm_pic_ack(&vm->pic), 0x09);
	/* After the EOI, GSI 12 comes through the slave. */
	okvm_pic_ioport_write(&vm->pic, 0x20, 0x20);
	mini_irq_line(vm, 12, true);
	KUNIT_EXPECT_EQ(test, okvm_pic_ack(&vm->pic), 0x74);
}

static struct kunit_case irqchip_cases[] = {
	KUNIT_CASE(irqchip_level_gsi_and_eoi),
	KUNIT_CASE(irqchip_init_sipi),
	KUNIT_CASE(irqchip_lowest_priority_msi),
	KUNIT_CASE(irqchip_x2apic_cluster_ipi),
	KUNIT_CASE(irqchip_pic_through_lint0),
	{}
};

static struct kunit_suite irqchip_suite = {
	.name = "okvm_irq_routing_irqchip",
	.init = mini_vm_init,
	.test_cases = irqchip_cases,
};

static struct kunit_case routing_cases[] = {
	KUNIT_CASE(routing_default_table),
	KUNIT_CASE_PARAM(routing_check, route_gen_params),
	KUNIT_CASE_PARAM(routing_msi_decode, msi_gen_params),
	{}
};

static struct kunit_suite routing_suite = {
	.name = "okvm_irq_routing",
	.test_cases = routing_cases,
};
kunit_test_suites(&routing_suite, &irqchip_suite);
