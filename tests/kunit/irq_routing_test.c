// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for src/x86/irq_routing.c: KVM's default GSI table, the
 * KVM_SET_GSI_ROUTING rules, and MSI decoding (SDM vol. 3 11.11 for the
 * address/data layout, KVM's uapi for the 32-bit-ID extension).
 */
#include <kunit/test.h>
#include <linux/kvm.h>

#include "x86/irq_routing.h"

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
kunit_test_suite(routing_suite);
