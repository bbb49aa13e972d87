// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for src/x86/lapic.c. Expected values come from the Intel SDM
 * vol. 3 ch. 11 (reset state, register layouts, priority rules, x2APIC MSR
 * rules) and from KVM's documented ABI where the SDM leaves a choice. The
 * timer runs on a fake clock: the test plays the hrtimer.
 */
#include <kunit/test.h>
#include <linux/ktime.h>
#include <linux/kvm.h>
#include <linux/random.h>

#include "x86/irqchip/lapic.h"

#define APIC_ID		3
#define X2_ID		0x25	/* cluster 2, bit 5 */

struct fake {
	struct okvm_lapic apic;
	u64 clock;		/* ns */
	u64 tsc_offset;		/* guest TSC = clock + offset (1 GHz) */
	bool armed;
	u64 armed_at;
	int arms, cancels;
	int nr_ipis;
	struct okvm_lapic_irq ipi;
	int nr_eois;		/* level-triggered */
	int nr_edge_eois;
	u8 eoi_vec;
	int kicks;
};

static u64 f_now(void *o) { return ((struct fake *)o)->clock; }

static u64 f_tsc(void *o)
{
	struct fake *f = o;

	return f->clock + f->tsc_offset;
}

static void f_arm(void *o, u64 at)
{
	struct fake *f = o;

	f->armed = true;
	f->armed_at = at;
	f->arms++;
}

static void f_cancel(void *o)
{
	struct fake *f = o;

	f->armed = false;
	f->cancels++;
}

static void f_ipi(void *o, struct okvm_lapic *src,
		  const struct okvm_lapic_irq *irq)
{
	struct fake *f = o;

	f->nr_ipis++;
	f->ipi = *irq;
}

static void f_eoi(void *o, u8 vec, bool level)
{
	struct fake *f = o;

	if (!level) {
		f->nr_edge_eois++;
		return;
	}
	f->nr_eois++;
	f->eoi_vec = vec;
}

static void f_kick(void *o) { ((struct fake *)o)->kicks++; }

static const struct okvm_lapic_ops fake_ops = {
	.now_ns = f_now, .read_tsc = f_tsc, .timer_arm = f_arm,
	.timer_cancel = f_cancel, .send_ipi = f_ipi,
	.eoi_broadcast = f_eoi, .kick = f_kick,
};

/* Play the hrtimer: fire every expiry up to clock + @ns. Returns fires. */
static int advance(struct fake *f, u64 ns)
{
	u64 end = f->clock + ns, next;
	int fires = 0;

	while (f->armed && f->armed_at <= end) {
		f->clock = f->armed_at;
		fires++;
		if (okvm_lapic_timer_expired(&f->apic, &next))
			f->armed_at = next;
		else
			f->armed = false;
	}
	f->clock = end;
	return fires;
}

static void fake_setup(struct fake *f, u32 id, bool bsp)
{
	memset(f, 0, sizeof(*f));
	f->clock = 1000000000ULL;	/* not zero: catch absolute/relative mixups */
	f->tsc_offset = 5000;
	okvm_lapic_init(&f->apic, id, bsp, &fake_ops, f);
	f->apic.tsc_khz = 1000000;
}

static int lapic_test_init(struct kunit *test)
{
	struct fake *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	fake_setup(f, APIC_ID, true);
	test->priv = f;
	return 0;
}

static u32 rd(struct fake *f, u32 off)
{
	return okvm_lapic_mmio_read(&f->apic, off, 4);
}

static void wr(struct fake *f, u32 off, u32 val)
{
	okvm_lapic_mmio_write(&f->apic, off, 4, val);
}

static void sw_enable(struct fake *f)
{
	wr(f, OKVM_APIC_SVR, 0x1ff);
}

static void to_x2apic(struct kunit *test, struct fake *f)
{
	KUNIT_ASSERT_EQ(test, okvm_lapic_set_base(&f->apic, OKVM_APIC_BASE_ADDR |
		OKVM_APIC_BASE_EN | OKVM_APIC_BASE_EXTD, false), 0);
}

/* --- Reset state (SDM 11.4.7.1) --- */

struct reg_case {
	const char *name;
	u32 off;
	u32 val;
};

static const struct reg_case reset_cases[] = {
	{ "ID is the APIC ID in 31:24", OKVM_APIC_ID, APIC_ID << 24 },
	{ "version 0x14, max LVT 5", OKVM_APIC_LVR, 0x00050014 },
	{ "TPR", OKVM_APIC_TPR, 0 },
	{ "PPR", OKVM_APIC_PPR, 0 },
	{ "LDR", OKVM_APIC_LDR, 0 },
	{ "DFR all ones", OKVM_APIC_DFR, 0xffffffff },
	{ "SVR 0xff, disabled", OKVM_APIC_SVR, 0xff },
	{ "ISR", OKVM_APIC_ISR + 0x70, 0 },
	{ "TMR", OKVM_APIC_TMR, 0 },
	{ "IRR", OKVM_APIC_IRR + 0x30, 0 },
	{ "ESR", OKVM_APIC_ESR, 0 },
	{ "ICR", OKVM_APIC_ICR, 0 },
	{ "ICR2", OKVM_APIC_ICR2, 0 },
	{ "LVT timer masked", OKVM_APIC_LVTT, 0x10000 },
	{ "LVT thermal masked", OKVM_APIC_LVTTHMR, 0x10000 },
	{ "LVT perf masked", OKVM_APIC_LVTPC, 0x10000 },
	{ "LVT LINT0 masked", OKVM_APIC_LVT0, 0x10000 },
	{ "LVT LINT1 masked", OKVM_APIC_LVT1, 0x10000 },
	{ "LVT error masked", OKVM_APIC_LVTERR, 0x10000 },
	{ "initial count", OKVM_APIC_TMICT, 0 },
	{ "current count", OKVM_APIC_TMCCT, 0 },
	{ "divide config", OKVM_APIC_TDCR, 0 },
};

static void reg_case_desc(const struct reg_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(reset, reset_cases, reg_case_desc);

static void lapic_reset_values(struct kunit *test)
{
	const struct reg_case *c = test->param_value;
	struct fake *f = test->priv;

	KUNIT_EXPECT_EQ(test, rd(f, c->off), c->val);
}

static void lapic_reset_base(struct kunit *test)
{
	struct fake *f = test->priv;
	u64 v;

	/* BSP: 0xfee00000 | EN (bit 11) | BSP (bit 8). */
	KUNIT_EXPECT_EQ(test, okvm_lapic_msr_read(&f->apic, OKVM_MSR_APIC_BASE,
						  &v), 0);
	KUNIT_EXPECT_EQ(test, v, 0xfee00900ULL);
	fake_setup(f, 1, false);
	okvm_lapic_msr_read(&f->apic, OKVM_MSR_APIC_BASE, &v);
	KUNIT_EXPECT_EQ(test, v, 0xfee00800ULL);
	KUNIT_EXPECT_EQ(test, okvm_lapic_mode(&f->apic), OKVM_LAPIC_XAPIC);
}

/*
 * LINT0 as a BIOS leaves it on the BSP (KVM_X86_QUIRK_LINT0_REENABLED):
 * unmasked ExtINT after reset and INIT, so the PIC's INTR gets through
 * while the APIC is still software-disabled; masked like every LVT
 * without it.
 */
static void lapic_reset_lint0_extint(struct kunit *test)
{
	struct fake *f = test->priv;

	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_LVT0), OKVM_APIC_LVT_MASKED);
	KUNIT_EXPECT_FALSE(test, okvm_lapic_accept_pic_intr(&f->apic));
	f->apic.lint0_extint = true;
	okvm_lapic_reset(&f->apic, false);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_LVT0), 0x700u);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_LVT1), OKVM_APIC_LVT_MASKED);
	KUNIT_EXPECT_TRUE(test, okvm_lapic_accept_pic_intr(&f->apic));
	wr(f, OKVM_APIC_LVT0, OKVM_APIC_LVT_MASKED);
	okvm_lapic_reset(&f->apic, true);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_LVT0), 0x700u);
}

/* --- Writable bits (SDM figures 11-7 to 11-23) --- */

struct wr_case {
	const char *name;
	u32 off;
	u32 write;
	u32 expect;
};

static const struct wr_case wr_cases[] = {
	{ "ID 31:24 writable", OKVM_APIC_ID, 0xffffffff, 0xff000000 },
	{ "version read-only", OKVM_APIC_LVR, 0, 0x00050014 },
	{ "TPR 7:0", OKVM_APIC_TPR, 0xffffffff, 0xff },
	{ "PPR read-only", OKVM_APIC_PPR, 0xff, 0 },
	{ "LDR 31:24", OKVM_APIC_LDR, 0xffffffff, 0xff000000 },
	{ "DFR 27:0 read as ones", OKVM_APIC_DFR, 0, 0x0fffffff },
	{ "SVR vector, enable, focus", OKVM_APIC_SVR, 0xffffffff, 0x3ff },
	{ "ISR read-only", OKVM_APIC_ISR + 0x10, 0xffffffff, 0 },
	{ "TMR read-only", OKVM_APIC_TMR, 0xffffffff, 0 },
	{ "IRR read-only", OKVM_APIC_IRR + 0x70, 0xffffffff, 0 },
	{ "ICR2 31:24", OKVM_APIC_ICR2, 0xffffffff, 0xff000000 },
	{ "LVT timer: vector, mask, mode", OKVM_APIC_LVTT, 0xffffffff, 0x700ff },
	{ "LVT thermal: no trigger/polarity", OKVM_APIC_LVTTHMR, 0xffffffff,
	  0x107ff },
	{ "LVT perf", OKVM_APIC_LVTPC, 0xffffffff, 0x107ff },
	{ "LINT0: remote IRR read-only", OKVM_APIC_LVT0, 0xffffffff, 0x1a7ff },
	{ "LINT1", OKVM_APIC_LVT1, 0xffffffff, 0x1a7ff },
	{ "LVT error: vector and mask", OKVM_APIC_LVTERR, 0xffffffff, 0x100ff },
	{ "initial count", OKVM_APIC_TMICT, 0x12345678, 0x12345678 },
	{ "current count read-only", OKVM_APIC_TMCCT, 0x1234, 0 },
	{ "divide 3,1:0", OKVM_APIC_TDCR, 0xffffffff, 0xb },
	{ "EOI write-only reads 0", OKVM_APIC_EOI, 0, 0 },
	{ "RRD reads 0", OKVM_APIC_RRD, 0x55, 0 },
	{ "self-IPI absent in xAPIC", OKVM_APIC_SELF_IPI, 0x40, 0 },
	{ "beyond the registers", 0x800, 0xffffffff, 0 },
};

static void wr_case_desc(const struct wr_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(wr, wr_cases, wr_case_desc);

static void lapic_writable_bits(struct kunit *test)
{
	const struct wr_case *c = test->param_value;
	struct fake *f = test->priv;

	sw_enable(f);
	wr(f, c->off, c->write);
	KUNIT_EXPECT_EQ(test, rd(f, c->off), c->expect);
	/* Stopping the timer again leaves no armed hrtimer behind. */
	wr(f, OKVM_APIC_TMICT, 0);
}

static void lapic_mmio_sizes(struct kunit *test)
{
	struct fake *f = test->priv;
	struct okvm_lapic *a = &f->apic;

	wr(f, OKVM_APIC_TPR, 0x12);
	/* Byte 3 of the ID register is the ID. */
	KUNIT_EXPECT_EQ(test, okvm_lapic_mmio_read(a, OKVM_APIC_ID + 3, 1),
			(u64)APIC_ID);
	KUNIT_EXPECT_EQ(test, okvm_lapic_mmio_read(a, OKVM_APIC_SVR, 2), 0xffULL);
	KUNIT_EXPECT_EQ(test, okvm_lapic_mmio_read(a, OKVM_APIC_LVR + 2, 2), 5ULL);
	/* Crossing the 32-bit register or past it: reads 0. */
	KUNIT_EXPECT_EQ(test, okvm_lapic_mmio_read(a, OKVM_APIC_ID + 2, 4), 0ULL);
	KUNIT_EXPECT_EQ(test, okvm_lapic_mmio_read(a, OKVM_APIC_LVR, 8), 0ULL);
	KUNIT_EXPECT_EQ(test, okvm_lapic_mmio_read(a, OKVM_APIC_TPR + 4, 4), 0ULL);
	/* Only aligned dword writes take effect. */
	okvm_lapic_mmio_write(a, OKVM_APIC_TPR, 1, 0x34);
	okvm_lapic_mmio_write(a, OKVM_APIC_TPR + 1, 4, 0x34);
	okvm_lapic_mmio_write(a, OKVM_APIC_TPR, 8, 0x34);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_TPR), 0x12u);
	/* In x2APIC mode the page is not decoded. */
	to_x2apic(test, f);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_LVR), 0xffffffffu);
	wr(f, OKVM_APIC_TPR, 0x56);
	KUNIT_EXPECT_EQ(test, okvm_lapic_get_reg(a, OKVM_APIC_TPR), 0x12u);
}

/* --- IA32_APIC_BASE transitions (SDM 11.12.5) --- */

#define EN	OKVM_APIC_BASE_EN
#define EXTD	OKVM_APIC_BASE_EXTD
#define BASE	OKVM_APIC_BASE_ADDR

struct base_case {
	const char *name;
	u64 from;
	u64 to;
	bool host;
	bool no_x2apic;
	int err;
	enum okvm_lapic_mode mode;	/* after */
};

static const struct base_case base_cases[] = {
	{ "xAPIC to x2APIC", BASE | EN, BASE | EN | EXTD, false, false, 0,
	  OKVM_LAPIC_X2APIC },
	{ "xAPIC to disabled", BASE | EN, BASE, false, false, 0,
	  OKVM_LAPIC_DISABLED },
	{ "disabled to xAPIC", BASE, BASE | EN, false, false, 0,
	  OKVM_LAPIC_XAPIC },
	{ "x2APIC to disabled", BASE | EN | EXTD, BASE, false, false, 0,
	  OKVM_LAPIC_DISABLED },
	{ "x2APIC to xAPIC faults", BASE | EN | EXTD, BASE | EN, false, false,
	  -EINVAL, OKVM_LAPIC_X2APIC },
	{ "x2APIC to xAPIC by the host", BASE | EN | EXTD, BASE | EN, true,
	  false, 0, OKVM_LAPIC_XAPIC },
	{ "disabled to x2APIC faults", BASE, BASE | EN | EXTD, false, false,
	  -EINVAL, OKVM_LAPIC_DISABLED },
	{ "disabled to x2APIC by the host", BASE, BASE | EN | EXTD, true,
	  false, 0, OKVM_LAPIC_X2APIC },
	{ "EXTD without EN is invalid", BASE | EN, BASE | EXTD, true, false,
	  -EINVAL, OKVM_LAPIC_XAPIC },
	{ "reserved bit 9", BASE | EN, BASE | EN | BIT(9), false, false,
	  -EINVAL, OKVM_LAPIC_XAPIC },
	{ "reserved bit 0", BASE | EN, BASE | EN | 1, false, false, -EINVAL,
	  OKVM_LAPIC_XAPIC },
	{ "reserved bit 63", BASE | EN, BASE | EN | BIT_ULL(63), true, false,
	  -EINVAL, OKVM_LAPIC_XAPIC },
	{ "EXTD without x2APIC in CPUID", BASE | EN, BASE | EN | EXTD, false,
	  true, -EINVAL, OKVM_LAPIC_XAPIC },
	{ "relocated base is kept", BASE | EN, 0xfed00000ULL | EN, false,
	  false, 0, OKVM_LAPIC_XAPIC },
};

static void base_case_desc(const struct base_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(base, base_cases, base_case_desc);

static void lapic_base_transitions(struct kunit *test)
{
	const struct base_case *c = test->param_value;
	struct fake *f = test->priv;
	struct okvm_lapic *a = &f->apic;
	u64 v;

	fake_setup(f, X2_ID, false);
	KUNIT_ASSERT_EQ(test, okvm_lapic_set_base(a, c->from, true), 0);
	a->x2apic_supported = !c->no_x2apic;
	KUNIT_EXPECT_EQ(test, okvm_lapic_msr_write(a, OKVM_MSR_APIC_BASE, c->to),
			c->host ? -EINVAL : c->err);
	if (c->host)
		KUNIT_EXPECT_EQ(test, okvm_lapic_set_base(a, c->to, true), c->err);
	KUNIT_EXPECT_EQ(test, okvm_lapic_mode(a), c->mode);
	okvm_lapic_msr_read(a, OKVM_MSR_APIC_BASE, &v);
	KUNIT_EXPECT_EQ(test, v, c->err ? c->from : c->to);
	/* The ID follows the mode: 32 bits in x2APIC, 31:24 in xAPIC. */
	if (c->mode == OKVM_LAPIC_X2APIC) {
		KUNIT_EXPECT_EQ(test, okvm_lapic_get_reg(a, OKVM_APIC_ID), X2_ID);
		KUNIT_EXPECT_EQ(test, okvm_lapic_get_reg(a, OKVM_APIC_LDR),
				0x00020020u);
	} else if (c->mode == OKVM_LAPIC_XAPIC) {
		KUNIT_EXPECT_EQ(test, okvm_lapic_get_reg(a, OKVM_APIC_ID),
				X2_ID << 24);
	}
}

/* --- x2APIC MSRs (SDM table 11-6) --- */

struct msr_case {
	const char *name;
	u32 msr;
	bool write;
	u64 val;		/* written, or expected read */
	int err;
};

static const struct msr_case msr_cases[] = {
	{ "ID read", 0x802, false, X2_ID, 0 },
	{ "ID write: read-only", 0x802, true, 0, -EINVAL },
	{ "version read", 0x803, false, 0x00050014, 0 },
	{ "version write", 0x803, true, 0, -EINVAL },
	{ "TPR write", 0x808, true, 0x20, 0 },
	{ "TPR bits 63:32", 0x808, true, BIT_ULL(32), -EINVAL },
	{ "APR absent", 0x809, false, 0, -EINVAL },
	{ "PPR read", 0x80a, false, 0, 0 },
	{ "PPR write", 0x80a, true, 0, -EINVAL },
	{ "EOI read: write-only", 0x80b, false, 0, -EINVAL },
	{ "EOI write 0", 0x80b, true, 0, 0 },
	{ "EOI write non-zero", 0x80b, true, 1, -EINVAL },
	{ "RRD absent", 0x80c, false, 0, -EINVAL },
	{ "LDR derived from ID", 0x80d, false, 0x00020020, 0 },
	{ "LDR read-only", 0x80d, true, 0, -EINVAL },
	{ "DFR absent", 0x80e, false, 0, -EINVAL },
	{ "SVR read", 0x80f, false, 0xff, 0 },
	{ "ISR read", 0x817, false, 0, 0 },
	{ "IRR write", 0x820, true, 0, -EINVAL },
	{ "ESR write 0", 0x828, true, 0, 0 },
	{ "ESR write non-zero", 0x828, true, 1, -EINVAL },
	{ "CMCI absent", 0x82f, false, 0, -EINVAL },
	{ "ICR reserved bit 13", 0x830, true, BIT(13) | 0x30, -EINVAL },
	{ "ICR reserved bit 20", 0x830, true, BIT(20) | 0x30, -EINVAL },
	{ "ICR2 absent", 0x831, false, 0, -EINVAL },
	{ "LVT timer read", 0x832, false, 0x10000, 0 },
	{ "LVT timer bits 63:32", 0x832, true, BIT_ULL(40), -EINVAL },
	{ "current count write", 0x839, true, 5, -EINVAL },
	{ "divide write", 0x83e, true, 3, 0 },
	{ "self-IPI read: write-only", 0x83f, false, 0, -EINVAL },
	{ "reserved 0x840", 0x840, false, 0, -EINVAL },
	{ "reserved 0x8ff", 0x8ff, true, 0, -EINVAL },
	{ "not an APIC MSR", 0x900, false, 0, -ENOENT },
};

static void msr_case_desc(const struct msr_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(msr, msr_cases, msr_case_desc);

static void lapic_x2apic_msrs(struct kunit *test)
{
	const struct msr_case *c = test->param_value;
	struct fake *f = test->priv;
	struct okvm_lapic *a = &f->apic;
	u64 v = 0;

	fake_setup(f, X2_ID, false);
	/* Outside x2APIC mode every x2APIC MSR faults. */
	if (c->msr < 0x900)
		KUNIT_EXPECT_EQ(test, c->write ? okvm_lapic_msr_write(a, c->msr, 0) :
				okvm_lapic_msr_read(a, c->msr, &v), -EINVAL);
	to_x2apic(test, f);
	if (c->write) {
		KUNIT_EXPECT_EQ(test, okvm_lapic_msr_write(a, c->msr, c->val),
				c->err);
		KUNIT_EXPECT_EQ(test, f->nr_ipis, 0);
	} else {
		KUNIT_EXPECT_EQ(test, okvm_lapic_msr_read(a, c->msr, &v), c->err);
		if (!c->err)
			KUNIT_EXPECT_EQ(test, v, c->val);
	}
}

static void lapic_x2apic_icr_self_ipi(struct kunit *test)
{
	struct fake *f = test->priv;
	struct okvm_lapic *a = &f->apic;
	u64 v;

	fake_setup(f, X2_ID, false);
	to_x2apic(test, f);
	okvm_lapic_msr_write(a, 0x80f, 0x1ff);
	/* One 64-bit write: destination 63:32, sent at once. */
	KUNIT_EXPECT_EQ(test, okvm_lapic_msr_write(a, 0x830,
			0x0001002000004830ULL), 0);
	KUNIT_EXPECT_EQ(test, f->nr_ipis, 1);
	KUNIT_EXPECT_EQ(test, f->ipi.dest_id, 0x00010020u);
	KUNIT_EXPECT_EQ(test, f->ipi.vector, 0x30u);
	KUNIT_EXPECT_EQ(test, f->ipi.dest_mode, (u32)OKVM_APIC_DEST_LOG);
	KUNIT_EXPECT_TRUE(test, f->ipi.level);
	KUNIT_EXPECT_EQ(test, okvm_lapic_msr_read(a, 0x830, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 0x0001002000004830ULL);
	/* Self IPI: fixed, edge, to this APIC without the bus. */
	KUNIT_EXPECT_EQ(test, okvm_lapic_msr_write(a, 0x83f, 0x45), 0);
	KUNIT_EXPECT_EQ(test, f->nr_ipis, 1);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending(a), 0x45);
}

/* --- Priorities (SDM 11.8.3.1) --- */

struct prio_case {
	const char *name;
	u8 tpr;
	u8 in_service;	/* 0: none */
	u8 ppr;
	u8 request;
	bool delivered;
};

static const struct prio_case prio_cases[] = {
	{ "idle", 0, 0, 0, 0x20, true },
	{ "TPR class above ISR", 0x45, 0x31, 0x45, 0x50, true },
	{ "ISR class above TPR", 0x35, 0x41, 0x40, 0x4f, false },
	{ "equal class: TPR with its low bits", 0x45, 0x4f, 0x45, 0x51, true },
	{ "TPR masks its class", 0x50, 0, 0x50, 0x5f, false },
	{ "TPR low bits do not mask", 0x5f, 0, 0x5f, 0x60, true },
	{ "TPR masks lower classes", 0x5f, 0, 0x5f, 0x41, false },
	{ "nested: higher class preempts", 0, 0x80, 0x80, 0x90, true },
	{ "nested: lower class waits", 0, 0x80, 0x80, 0x70, false },
	{ "TPR 0xff masks everything", 0xff, 0, 0xff, 0xff, false },
};

static void prio_case_desc(const struct prio_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(prio, prio_cases, prio_case_desc);

static void lapic_priority(struct kunit *test)
{
	const struct prio_case *c = test->param_value;
	struct fake *f = test->priv;
	struct okvm_lapic *a = &f->apic;

	sw_enable(f);
	if (c->in_service) {
		KUNIT_ASSERT_TRUE(test, okvm_lapic_set_irq(a, c->in_service,
							   true, false));
		KUNIT_ASSERT_EQ(test, okvm_lapic_pending(a), c->in_service);
		okvm_lapic_ack(a, c->in_service);
	}
	wr(f, OKVM_APIC_TPR, c->tpr);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_PPR), (u32)c->ppr);
	okvm_lapic_set_irq(a, c->request, true, false);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending(a),
			c->delivered ? (int)c->request : -1);
}

static void lapic_cr8(struct kunit *test)
{
	struct fake *f = test->priv;
	struct okvm_lapic *a = &f->apic;

	sw_enable(f);
	wr(f, OKVM_APIC_TPR, 0x5f);
	KUNIT_EXPECT_EQ(test, okvm_lapic_get_cr8(a), 5ULL);
	okvm_lapic_set_irq(a, 0x61, true, false);
	KUNIT_EXPECT_EQ(test, okvm_lapic_set_cr8(a, 6), 0);
	/* CR8 writes TPR[7:4] and clears TPR[3:0]. */
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_TPR), 0x60u);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_PPR), 0x60u);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending(a), -1);
	KUNIT_EXPECT_EQ(test, okvm_lapic_set_cr8(a, 0x10), -EINVAL);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_TPR), 0x60u);
	KUNIT_EXPECT_EQ(test, okvm_lapic_set_cr8(a, 5), 0);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending(a), 0x61);
}

/*
 * find-highest and the delivery rule against a brute-force reference over
 * random IRR/ISR/TPR contents: the highest IRR vector is delivered iff its
 * class is above max(TPR class, highest ISR class) (SDM 11.8.3.1).
 */
static void lapic_priority_random(struct kunit *test)
{
	struct fake *f = test->priv;
	struct okvm_lapic *a = &f->apic;
	int round, v, n, ref_irr, ref_isr, ref_ppr, want;
	u8 tpr;

	for (round = 0; round < 500; round++) {
		fake_setup(f, APIC_ID, true);
		sw_enable(f);
		ref_irr = ref_isr = -1;
		/* A few random vectors in service, then a few requested. */
		n = get_random_u32_below(4);
		for (v = 0; v < n; v++) {
			u8 vec = 16 + get_random_u32_below(240);

			okvm_lapic_set_irq(a, vec, true, false);
			okvm_lapic_ack(a, vec);
			ref_isr = max_t(int, ref_isr, vec);
		}
		n = get_random_u32_below(6);
		for (v = 0; v < n; v++) {
			u8 vec = 16 + get_random_u32_below(240);

			okvm_lapic_set_irq(a, vec, true, false);
			ref_irr = max_t(int, ref_irr, vec);
		}
		tpr = get_random_u32_below(256);
		wr(f, OKVM_APIC_TPR, tpr);

		ref_ppr = (tpr & 0xf0) >= (ref_isr < 0 ? 0 : (ref_isr & 0xf0)) ?
			  tpr : (ref_isr & 0xf0);
		want = ref_irr >= 0 && (ref_irr & 0xf0) > (ref_ppr & 0xf0) ?
		       ref_irr : -1;
		KUNIT_ASSERT_EQ(test, okvm_lapic_find_highest(a, OKVM_APIC_IRR),
				ref_irr);
		KUNIT_ASSERT_EQ(test, okvm_lapic_find_highest(a, OKVM_APIC_ISR),
				ref_isr);
		KUNIT_ASSERT_EQ(test, rd(f, OKVM_APIC_PPR), (u32)ref_ppr);
		KUNIT_ASSERT_EQ(test, okvm_lapic_pending(a), want);
	}
}

static void lapic_eoi_nested(struct kunit *test)
{
	struct fake *f = test->priv;
	struct okvm_lapic *a = &f->apic;

	sw_enable(f);
	/* 0x40 in service, then 0x80 (level) preempts it. */
	okvm_lapic_set_irq(a, 0x40, true, false);
	okvm_lapic_ack(a, okvm_lapic_pending(a));
	okvm_lapic_set_irq(a, 0x80, true, true);
	okvm_lapic_set_irq(a, 0x41, true, false);
	KUNIT_ASSERT_EQ(test, okvm_lapic_pending(a), 0x80);
	okvm_lapic_ack(a, 0x80);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_ISR + 0x20), BIT(0) /* 0x40 */);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_ISR + 0x40), BIT(0) /* 0x80 */);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_TMR + 0x40), BIT(0));
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_PPR), 0x80u);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending(a), -1);

	/* EOI retires the highest in-service vector, the level one: broadcast. */
	wr(f, OKVM_APIC_EOI, 0);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_ISR + 0x40), 0u);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_ISR + 0x20), BIT(0));
	KUNIT_EXPECT_EQ(test, f->nr_eois, 1);
	KUNIT_EXPECT_EQ(test, f->eoi_vec, 0x80);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_PPR), 0x40u);
	/* 0x41 is in the class of 0x40, still in service. */
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending(a), -1);

	/* The edge vector's EOI is reported as such (no remote IRR). */
	wr(f, OKVM_APIC_EOI, 0);
	KUNIT_EXPECT_EQ(test, f->nr_eois, 1);
	KUNIT_EXPECT_EQ(test, f->nr_edge_eois, 1);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_PPR), 0u);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending(a), 0x41);

	/* An EOI with nothing in service does nothing. */
	okvm_lapic_ack(a, 0x41);
	wr(f, OKVM_APIC_EOI, 0);
	wr(f, OKVM_APIC_EOI, 0);
	KUNIT_EXPECT_EQ(test, f->nr_eois, 1);
	KUNIT_EXPECT_EQ(test, f->nr_edge_eois, 2);
	KUNIT_EXPECT_EQ(test, okvm_lapic_find_highest(a, OKVM_APIC_ISR), -1);
}

/*
 * PV EOI's rule: offered for the highest vector in service when nothing
 * waits in the IRR and the vector is edge-triggered; the EOI it stands
 * for is the EOI register's, edge report included.
 */
static void lapic_pv_eoi(struct kunit *test)
{
	struct fake *f = test->priv;
	struct okvm_lapic *a = &f->apic;

	sw_enable(f);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pv_eoi_vector(a), -1);	/* none */
	okvm_lapic_set_irq(a, 0x40, true, false);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pv_eoi_vector(a), -1);	/* IRR only */
	okvm_lapic_ack(a, 0x40);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pv_eoi_vector(a), 0x40);
	okvm_lapic_set_irq(a, 0x30, true, false);	/* waits below 0x40 */
	KUNIT_EXPECT_EQ(test, okvm_lapic_pv_eoi_vector(a), -1);
	okvm_lapic_pv_eoi(a);
	KUNIT_EXPECT_EQ(test, f->nr_edge_eois, 1);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending(a), 0x30);
	okvm_lapic_ack(a, 0x30);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pv_eoi_vector(a), 0x30);
	okvm_lapic_pv_eoi(a);
	KUNIT_EXPECT_EQ(test, okvm_lapic_find_highest(a, OKVM_APIC_ISR), -1);
	/* Level-triggered: its EOI must reach the I/O APIC. */
	okvm_lapic_set_irq(a, 0x50, true, true);
	okvm_lapic_ack(a, 0x50);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pv_eoi_vector(a), -1);
	okvm_lapic_pv_eoi(a);
	KUNIT_EXPECT_EQ(test, f->nr_eois, 1);
	KUNIT_EXPECT_EQ(test, f->eoi_vec, 0x50);
	/* Nested: the highest in service is the one offered. */
	okvm_lapic_set_irq(a, 0x40, true, false);
	okvm_lapic_ack(a, 0x40);
	okvm_lapic_set_irq(a, 0x80, true, false);
	okvm_lapic_ack(a, 0x80);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pv_eoi_vector(a), 0x80);
	okvm_lapic_pv_eoi(a);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pv_eoi_vector(a), 0x40);
}

static void lapic_irr_coalesce_and_tmr(struct kunit *test)
{
	struct fake *f = test->priv;
	struct okvm_lapic *a = &f->apic;

	/* Software-disabled (reset state): fixed interrupts are dropped. */
	KUNIT_EXPECT_FALSE(test, okvm_lapic_set_irq(a, 0x30, true, false));
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending(a), -1);
	sw_enable(f);
	KUNIT_EXPECT_TRUE(test, okvm_lapic_set_irq(a, 0xef, true, true));
	KUNIT_EXPECT_FALSE(test, okvm_lapic_set_irq(a, 0xef, true, true));
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_IRR + 0x70), BIT(15));
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_TMR + 0x70), BIT(15));
	/* Re-accepting it as edge clears TMR. */
	okvm_lapic_set_irq(a, 0xef, true, false);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_TMR + 0x70), 0u);
	KUNIT_EXPECT_GT(test, f->kicks, 0);
}

static void lapic_sw_disable_masks_lvts(struct kunit *test)
{
	struct fake *f = test->priv;
	static const u32 lvts[] = { OKVM_APIC_LVTT, OKVM_APIC_LVTTHMR,
		OKVM_APIC_LVTPC, OKVM_APIC_LVT0, OKVM_APIC_LVT1,
		OKVM_APIC_LVTERR };
	int i;

	sw_enable(f);
	for (i = 0; i < ARRAY_SIZE(lvts); i++)
		wr(f, lvts[i], 0x31);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_LVT1), 0x31u);
	wr(f, OKVM_APIC_SVR, 0xff);
	for (i = 0; i < ARRAY_SIZE(lvts); i++) {
		KUNIT_EXPECT_EQ(test, rd(f, lvts[i]), 0x10031u);
		/* The mask cannot be cleared while software-disabled. */
		wr(f, lvts[i], 0x32);
		KUNIT_EXPECT_EQ(test, rd(f, lvts[i]), 0x10032u);
	}
	sw_enable(f);
	wr(f, OKVM_APIC_LVT0, 0x32);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_LVT0), 0x32u);
}

static void lapic_esr_illegal_vectors(struct kunit *test)
{
	struct fake *f = test->priv;
	struct okvm_lapic *a = &f->apic;

	sw_enable(f);
	wr(f, OKVM_APIC_LVTERR, 0xfe);
	KUNIT_EXPECT_FALSE(test, okvm_lapic_set_irq(a, 0x05, true, false));
	/* ESR shows the error only after a write (SDM 11.5.3). */
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_ESR), 0u);
	wr(f, OKVM_APIC_ESR, 0);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_ESR), OKVM_APIC_ESR_RECV_ILLEGAL);
	/* ... and the error LVT fired. */
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending(a), 0xfe);
	/* Sending vector 3 fixed: "send illegal vector", nothing sent. */
	wr(f, OKVM_APIC_ICR, 0x00000003);
	KUNIT_EXPECT_EQ(test, f->nr_ipis, 0);
	wr(f, OKVM_APIC_ESR, 0);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_ESR), OKVM_APIC_ESR_SEND_ILLEGAL);
	wr(f, OKVM_APIC_ESR, 0);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_ESR), 0u);
	/* NMI with vector 0 is legal. */
	wr(f, OKVM_APIC_ICR, 0x00000400);
	KUNIT_EXPECT_EQ(test, f->nr_ipis, 1);
}

/* --- ICR decode (SDM figure 11-12) --- */

struct icr_case {
	const char *name;
	u32 icr2, icr;
	struct okvm_lapic_irq irq;
};

static const struct icr_case icr_cases[] = {
	{ "fixed physical", 0x05000000, 0x00000031,
	  { .vector = 0x31, .dest_id = 5 } },
	{ "fixed logical level", 0x0f000000, 0x0000c841,
	  { .vector = 0x41, .dest_mode = 1, .level = 1, .trig_mode = 1,
	    .dest_id = 0x0f } },
	{ "lowest priority", 0xff000000, 0x00000151,
	  { .vector = 0x51, .delivery_mode = 1, .dest_id = 0xff } },
	{ "NMI to self", 0, 0x00040400,
	  { .delivery_mode = 4, .shorthand = 1 } },
	{ "INIT assert, all but self", 0, 0x000c4500,
	  { .delivery_mode = 5, .level = 1, .shorthand = 3 } },
	{ "INIT level deassert, all", 0, 0x00088500,
	  { .delivery_mode = 5, .trig_mode = 1, .shorthand = 2 } },
	{ "SIPI page 0x9f", 0x01000000, 0x0000469f,
	  { .vector = 0x9f, .delivery_mode = 6, .level = 1, .dest_id = 1 } },
	{ "reserved bits not decoded", 0x02ffffff, 0xfff32040,
	  { .vector = 0x40, .shorthand = 0, .dest_id = 2 } },
};

static void icr_case_desc(const struct icr_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(icr, icr_cases, icr_case_desc);

static void lapic_icr_decode(struct kunit *test)
{
	const struct icr_case *c = test->param_value;
	struct fake *f = test->priv;

	wr(f, OKVM_APIC_ICR2, c->icr2);
	KUNIT_EXPECT_EQ(test, f->nr_ipis, 0);
	wr(f, OKVM_APIC_ICR, c->icr);
	KUNIT_ASSERT_EQ(test, f->nr_ipis, 1);
	KUNIT_EXPECT_EQ(test, f->ipi.vector, c->irq.vector);
	KUNIT_EXPECT_EQ(test, f->ipi.delivery_mode, c->irq.delivery_mode);
	KUNIT_EXPECT_EQ(test, f->ipi.dest_mode, c->irq.dest_mode);
	KUNIT_EXPECT_EQ(test, f->ipi.level, c->irq.level);
	KUNIT_EXPECT_EQ(test, f->ipi.trig_mode, c->irq.trig_mode);
	KUNIT_EXPECT_EQ(test, f->ipi.shorthand, c->irq.shorthand);
	KUNIT_EXPECT_EQ(test, f->ipi.dest_id, c->irq.dest_id);
	/*
	 * KVM's ABI: the ICR reads back as written, ICR2 only 31:24, and the
	 * delivery status idle (delivery is instantaneous).
	 */
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_ICR),
			c->icr & ~OKVM_APIC_SEND_PENDING);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_ICR2), c->icr2 & 0xff000000);
	wr(f, OKVM_APIC_ICR, c->icr | OKVM_APIC_SEND_PENDING);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_ICR),
			c->icr & ~OKVM_APIC_SEND_PENDING);
}

/* Without ->send_ipi and ->eoi_broadcast both are latched for the caller. */
static void lapic_latched_ipi_and_eoi(struct kunit *test)
{
	static const struct okvm_lapic_ops latched_ops = {
		.now_ns = f_now, .timer_arm = f_arm, .timer_cancel = f_cancel,
	};
	struct fake *f = test->priv;
	struct okvm_lapic *a = &f->apic;
	struct okvm_lapic_irq irq;
	u64 v;

	a->ops = &latched_ops;
	sw_enable(f);
	KUNIT_EXPECT_FALSE(test, okvm_lapic_take_ipi(a, &irq));
	wr(f, OKVM_APIC_ICR2, 0x07000000);
	wr(f, OKVM_APIC_ICR, 0x00004341);
	/* "Send pending" until the message is taken. */
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_ICR), 0x00005341u);
	KUNIT_ASSERT_TRUE(test, okvm_lapic_take_ipi(a, &irq));
	KUNIT_EXPECT_EQ(test, irq.vector, 0x41u);
	KUNIT_EXPECT_EQ(test, irq.delivery_mode, 3u);
	KUNIT_EXPECT_EQ(test, irq.dest_id, 7u);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_ICR), 0x00004341u);
	KUNIT_EXPECT_FALSE(test, okvm_lapic_take_ipi(a, &irq));

	/* Two level-triggered EOIs are both kept, the edge one is not. */
	okvm_lapic_set_irq(a, 0x50, true, true);
	okvm_lapic_ack(a, 0x50);
	okvm_lapic_set_irq(a, 0x60, true, false);
	okvm_lapic_ack(a, 0x60);
	okvm_lapic_set_irq(a, 0xa0, true, true);
	okvm_lapic_ack(a, 0xa0);
	wr(f, OKVM_APIC_EOI, 0);
	wr(f, OKVM_APIC_EOI, 0);
	wr(f, OKVM_APIC_EOI, 0);
	KUNIT_EXPECT_EQ(test, okvm_lapic_take_eoi(a), 0xa0);
	KUNIT_EXPECT_EQ(test, okvm_lapic_take_eoi(a), 0x50);
	KUNIT_EXPECT_EQ(test, okvm_lapic_take_eoi(a), -1);

	/* x2APIC: the 64-bit ICR read shows the pending bit too. */
	to_x2apic(test, f);
	okvm_lapic_msr_write(a, 0x830, 0x0000000900000031ULL);
	okvm_lapic_msr_read(a, 0x830, &v);
	KUNIT_EXPECT_EQ(test, v, 0x0000000900001031ULL);
	KUNIT_ASSERT_TRUE(test, okvm_lapic_take_ipi(a, &irq));
	KUNIT_EXPECT_EQ(test, irq.dest_id, 9u);
}

/* --- Destination matching (SDM 11.6.2) --- */

enum { SRC_NONE, SRC_SELF, SRC_OTHER };

struct dest_case {
	const char *name;
	bool x2apic;
	u32 ldr;	/* xAPIC only */
	u32 dfr;	/* xAPIC only */
	u32 dest, dest_mode, shorthand;
	int source;
	bool match;
};

#define FLAT	0xffffffff
#define CLUSTER	0x0fffffff

static const struct dest_case dest_cases[] = {
	{ "phys: own ID", false, 0, FLAT, APIC_ID, 0, 0, SRC_OTHER, true },
	{ "phys: other ID", false, 0, FLAT, APIC_ID + 1, 0, 0, SRC_OTHER, false },
	{ "phys: broadcast 0xff", false, 0, FLAT, 0xff, 0, 0, SRC_OTHER, true },
	{ "phys: ID+256 no alias", false, 0, FLAT, APIC_ID + 0x100, 0, 0,
	  SRC_OTHER, false },
	{ "flat: common bit", false, 0x02000000, FLAT, 0x03, 1, 0, SRC_NONE,
	  true },
	{ "flat: no common bit", false, 0x02000000, FLAT, 0x05, 1, 0,
	  SRC_NONE, false },
	{ "flat: broadcast", false, 0x02000000, FLAT, 0xff, 1, 0, SRC_NONE,
	  true },
	{ "flat: LDR 0 never", false, 0, FLAT, 0x7f, 1, 0, SRC_NONE, false },
	{ "cluster: same cluster, bit", false, 0x21000000, CLUSTER, 0x23, 1, 0,
	  SRC_NONE, true },
	{ "cluster: other cluster", false, 0x21000000, CLUSTER, 0x11, 1, 0,
	  SRC_NONE, false },
	{ "cluster: same cluster, no bit", false, 0x21000000, CLUSTER, 0x22, 1,
	  0, SRC_NONE, false },
	{ "cluster: broadcast", false, 0x21000000, CLUSTER, 0xff, 1, 0,
	  SRC_NONE, true },
	{ "x2 phys: own ID", true, 0, 0, X2_ID, 0, 0, SRC_OTHER, true },
	{ "x2 phys: other ID", true, 0, 0, X2_ID + 0x100, 0, 0, SRC_OTHER,
	  false },
	{ "x2 phys: broadcast", true, 0, 0, 0xffffffff, 0, 0, SRC_OTHER, true },
	{ "x2 logical: cluster 2 bit 5", true, 0, 0, 0x00020020, 1, 0,
	  SRC_OTHER, true },
	{ "x2 logical: two bits", true, 0, 0, 0x00020030, 1, 0, SRC_OTHER,
	  true },
	{ "x2 logical: wrong cluster", true, 0, 0, 0x00010020, 1, 0, SRC_OTHER,
	  false },
	{ "x2 logical: wrong bit", true, 0, 0, 0x00020010, 1, 0, SRC_OTHER,
	  false },
	{ "x2 logical: broadcast", true, 0, 0, 0xffffffff, 1, 0, SRC_OTHER,
	  true },
	{ "x2: 0xff from I/O APIC is broadcast", true, 0, 0, 0xff, 0, 0,
	  SRC_NONE, true },
	{ "shorthand self: self", false, 0, FLAT, 0, 0, 1, SRC_SELF, true },
	{ "shorthand self: other", false, 0, FLAT, 0, 0, 1, SRC_OTHER, false },
	{ "shorthand all incl. self", false, 0, FLAT, 0, 0, 2, SRC_SELF, true },
	{ "shorthand all excl. self: self", false, 0, FLAT, 0, 0, 3, SRC_SELF,
	  false },
	{ "shorthand all excl. self: other", true, 0, 0, 0, 0, 3, SRC_OTHER,
	  true },
};

static void dest_case_desc(const struct dest_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(dest, dest_cases, dest_case_desc);

static void lapic_match_dest(struct kunit *test)
{
	const struct dest_case *c = test->param_value;
	struct fake *f = test->priv;
	struct fake *other = kunit_kzalloc(test, sizeof(*other), GFP_KERNEL);
	const struct okvm_lapic *src = NULL;

	KUNIT_ASSERT_NOT_NULL(test, other);
	fake_setup(other, 9, false);
	fake_setup(f, c->x2apic ? X2_ID : APIC_ID, false);
	if (c->x2apic) {
		to_x2apic(test, f);
		to_x2apic(test, other);
	} else {
		wr(f, OKVM_APIC_LDR, c->ldr);
		wr(f, OKVM_APIC_DFR, c->dfr);
	}
	if (c->source == SRC_SELF)
		src = &f->apic;
	else if (c->source == SRC_OTHER)
		src = &other->apic;
	KUNIT_EXPECT_EQ(test, okvm_lapic_match_dest(&f->apic, c->dest,
			c->dest_mode, c->shorthand, src), c->match);
	/* A hardware-disabled APIC is never a destination. */
	okvm_lapic_set_base(&f->apic, BASE, true);
	KUNIT_EXPECT_FALSE(test, okvm_lapic_match_dest(&f->apic, c->dest,
			   c->dest_mode, c->shorthand, src));
}

static void lapic_lowest_priority(struct kunit *test)
{
	struct fake *f = kunit_kcalloc(test, 3, sizeof(*f), GFP_KERNEL);
	struct okvm_lapic *c[3];
	int i;

	KUNIT_ASSERT_NOT_NULL(test, f);
	for (i = 0; i < 3; i++) {
		fake_setup(&f[i], i, false);
		sw_enable(&f[i]);
		c[i] = &f[i].apic;
	}
	wr(&f[0], OKVM_APIC_TPR, 0x20);
	wr(&f[1], OKVM_APIC_TPR, 0x10);
	wr(&f[2], OKVM_APIC_TPR, 0x30);
	KUNIT_EXPECT_PTR_EQ(test, okvm_lapic_lowest_prio(c, 3, 0x61), c[1]);
	/* Equal priority: the first. */
	KUNIT_EXPECT_PTR_EQ(test, okvm_lapic_lowest_prio(c, 1, 0x61), c[0]);
	/* A focus processor (vector already pending there) wins. */
	okvm_lapic_set_irq(c[2], 0x61, true, false);
	KUNIT_EXPECT_PTR_EQ(test, okvm_lapic_lowest_prio(c, 3, 0x61), c[2]);
	/* ... unless focus checking is disabled (SVR bit 9). */
	wr(&f[2], OKVM_APIC_SVR, 0x3ff);
	KUNIT_EXPECT_PTR_EQ(test, okvm_lapic_lowest_prio(c, 3, 0x61), c[1]);
	KUNIT_EXPECT_NULL(test, okvm_lapic_lowest_prio(c, 0, 0x61));
}

static void lapic_events(struct kunit *test)
{
	struct fake *f = test->priv;
	struct okvm_lapic *a = &f->apic;
	struct okvm_lapic_irq irq = { .delivery_mode = OKVM_APIC_DM_INIT,
				      .level = false, .trig_mode = true };
	u8 sipi;

	/* INIT level de-assert is ignored. */
	KUNIT_EXPECT_FALSE(test, okvm_lapic_deliver(a, &irq));
	irq.level = true;
	KUNIT_EXPECT_TRUE(test, okvm_lapic_deliver(a, &irq));
	irq = (struct okvm_lapic_irq){ .delivery_mode = OKVM_APIC_DM_SIPI,
				       .vector = 0x9f, .level = true };
	KUNIT_EXPECT_TRUE(test, okvm_lapic_deliver(a, &irq));
	irq = (struct okvm_lapic_irq){ .delivery_mode = OKVM_APIC_DM_NMI };
	/* NMI is accepted even while software-disabled. */
	KUNIT_EXPECT_TRUE(test, okvm_lapic_deliver(a, &irq));
	KUNIT_EXPECT_EQ(test, okvm_lapic_take_events(a, &sipi),
			OKVM_LAPIC_EV_INIT | OKVM_LAPIC_EV_SIPI |
			OKVM_LAPIC_EV_NMI);
	KUNIT_EXPECT_EQ(test, sipi, 0x9f);
	KUNIT_EXPECT_EQ(test, okvm_lapic_take_events(a, &sipi), 0u);

	/* LINT0 as unmasked ExtINT lets the PIC through. */
	KUNIT_EXPECT_FALSE(test, okvm_lapic_accept_pic_intr(a));
	sw_enable(f);
	wr(f, OKVM_APIC_LVT0, 0x700);
	KUNIT_EXPECT_TRUE(test, okvm_lapic_accept_pic_intr(a));
	/* LINT1 as NMI (the BIOS setup). */
	wr(f, OKVM_APIC_LVT1, 0x400);
	KUNIT_EXPECT_TRUE(test, okvm_lapic_local_int(a, OKVM_APIC_LVT1));
	/* Not an LVT (and far outside the page): refused. */
	KUNIT_EXPECT_FALSE(test, okvm_lapic_local_int(a, 0x10000));
	KUNIT_EXPECT_EQ(test, okvm_lapic_find_highest(a, 0x10000), -1);
	KUNIT_EXPECT_EQ(test, okvm_lapic_take_events(a, &sipi),
			OKVM_LAPIC_EV_NMI);
	/* A hardware-disabled APIC takes the PIC's INTR directly. */
	okvm_lapic_set_base(a, BASE, false);
	wr(f, OKVM_APIC_LVT0, 0x10000);
	KUNIT_EXPECT_TRUE(test, okvm_lapic_accept_pic_intr(a));
	KUNIT_EXPECT_FALSE(test, okvm_lapic_deliver(a, &irq));
}

/* --- Timer (SDM 11.5.4), against the fake clock --- */

struct div_case {
	u32 tdcr;
	u32 divide;
};

static const struct div_case div_cases[] = {
	{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
	{ 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
	/* Bit 2 is reserved: 0x4 is divide by 2. */
	{ 0x4, 2 },
};

static void div_case_desc(const struct div_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "TDCR %#x divides by %u",
		 c->tdcr, c->divide);
}
KUNIT_ARRAY_PARAM(div, div_cases, div_case_desc);

static void lapic_timer_oneshot_divide(struct kunit *test)
{
	const struct div_case *c = test->param_value;
	struct fake *f = test->priv;
	struct okvm_lapic *a = &f->apic;
	u64 t0 = f->clock;

	sw_enable(f);
	wr(f, OKVM_APIC_TDCR, c->tdcr);
	wr(f, OKVM_APIC_LVTT, 0xe0);	/* one-shot, vector 0xe0 */
	wr(f, OKVM_APIC_TMICT, 1000);
	KUNIT_ASSERT_TRUE(test, f->armed);
	/* 1 GHz bus: 1000 counts at divide d take 1000 * d ns. */
	KUNIT_EXPECT_EQ(test, f->armed_at, t0 + 1000ULL * c->divide);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_TMCCT), 1000u);
	/* The count drops after each full step of d bus clocks. */
	if (c->divide > 1) {
		advance(f, c->divide - 1);
		KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_TMCCT), 1000u);
		advance(f, 1);
	} else {
		advance(f, 1);
	}
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_TMCCT), 999u);
	advance(f, 249ULL * c->divide);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_TMCCT), 750u);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending(a), -1);
	KUNIT_EXPECT_EQ(test, advance(f, 750ULL * c->divide), 1);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_TMCCT), 0u);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending(a), 0xe0);
	/* One-shot: it stays at 0. */
	KUNIT_EXPECT_EQ(test, advance(f, 10000ULL * c->divide), 0);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_TMICT), 1000u);
}

static void lapic_timer_periodic(struct kunit *test)
{
	struct fake *f = test->priv;
	struct okvm_lapic *a = &f->apic;

	sw_enable(f);
	wr(f, OKVM_APIC_TDCR, 0xb);			/* divide by 1 */
	wr(f, OKVM_APIC_LVTT, 0x200d1);		/* periodic, vector 0xd1 */
	wr(f, OKVM_APIC_TMICT, 1000000);		/* 1 ms */
	KUNIT_EXPECT_EQ(test, advance(f, 999999), 0);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_TMCCT), 1u);
	KUNIT_EXPECT_EQ(test, advance(f, 1), 1);
	/* Reloaded from the initial count. */
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_TMCCT), 1000000u);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending(a), 0xd1);
	okvm_lapic_ack(a, 0xd1);
	wr(f, OKVM_APIC_EOI, 0);
	KUNIT_EXPECT_EQ(test, advance(f, 1500000), 1);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_TMCCT), 500000u);
	KUNIT_EXPECT_EQ(test, advance(f, 3000000), 3);
	/* Writing 0 to the initial count stops it. */
	wr(f, OKVM_APIC_TMICT, 0);
	KUNIT_EXPECT_FALSE(test, f->armed);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_TMCCT), 0u);
	KUNIT_EXPECT_EQ(test, advance(f, 5000000), 0);
}

static void lapic_timer_masked_and_mode_change(struct kunit *test)
{
	struct fake *f = test->priv;
	struct okvm_lapic *a = &f->apic;

	sw_enable(f);
	wr(f, OKVM_APIC_LVTT, 0x100e0);		/* one-shot, masked */
	wr(f, OKVM_APIC_TMICT, 100);		/* divide by 2: 200 ns */
	/* A masked timer still counts down, without an interrupt. */
	KUNIT_EXPECT_EQ(test, advance(f, 199), 0);
	KUNIT_EXPECT_EQ(test, advance(f, 1), 1);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_TMCCT), 0u);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending(a), -1);

	/* Changing the mode disarms the timer and clears the count. */
	wr(f, OKVM_APIC_LVTT, 0xe0);
	wr(f, OKVM_APIC_TMICT, 1000);
	KUNIT_EXPECT_TRUE(test, f->armed);
	wr(f, OKVM_APIC_LVTT, 0x200e0);
	KUNIT_EXPECT_FALSE(test, f->armed);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_TMICT), 0u);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_TMCCT), 0u);
	/* Same mode, other vector: keeps running. */
	wr(f, OKVM_APIC_TMICT, 1000000);
	wr(f, OKVM_APIC_LVTT, 0x200e1);
	KUNIT_EXPECT_TRUE(test, f->armed);
	KUNIT_EXPECT_EQ(test, advance(f, 2000000), 1);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending(a), 0xe1);
}

static void lapic_timer_divide_change(struct kunit *test)
{
	struct fake *f = test->priv;

	sw_enable(f);
	wr(f, OKVM_APIC_LVTT, 0xe0);
	wr(f, OKVM_APIC_TMICT, 1000);		/* divide by 2: 2000 ns */
	advance(f, 1000);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_TMCCT), 500u);
	/* The remaining 500 counts now take 4 ns each. */
	wr(f, OKVM_APIC_TDCR, 0x1);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_TMCCT), 500u);
	KUNIT_EXPECT_EQ(test, advance(f, 1996), 0);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_TMCCT), 1u);
	KUNIT_EXPECT_EQ(test, advance(f, 4), 1);
}

/* KVM_CAP_X86_APIC_BUS_CYCLES_NS: a 25 MHz bus is 40 ns per count. */
static void lapic_timer_bus_cycle(struct kunit *test)
{
	struct fake *f = test->priv;

	f->apic.bus_cycle_ns = 40;
	sw_enable(f);
	wr(f, OKVM_APIC_TDCR, 0xb);
	wr(f, OKVM_APIC_LVTT, 0xe0);
	wr(f, OKVM_APIC_TMICT, 1000);
	advance(f, 39);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_TMCCT), 1000u);
	advance(f, 1);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_TMCCT), 999u);
	KUNIT_EXPECT_EQ(test, advance(f, 39959), 0);
	KUNIT_EXPECT_EQ(test, advance(f, 1), 1);
}

static void lapic_timer_tsc_deadline(struct kunit *test)
{
	struct fake *f = test->priv;
	struct okvm_lapic *a = &f->apic;
	u64 tsc, v;

	sw_enable(f);
	/* Outside TSC-deadline mode the MSR reads 0 and writes are ignored. */
	okvm_lapic_msr_write(a, OKVM_MSR_TSC_DEADLINE, 12345);
	KUNIT_EXPECT_FALSE(test, f->armed);
	okvm_lapic_msr_read(a, OKVM_MSR_TSC_DEADLINE, &v);
	KUNIT_EXPECT_EQ(test, v, 0ULL);

	wr(f, OKVM_APIC_LVTT, 0x400d0);		/* TSC-deadline, vector 0xd0 */
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_LVTT), 0x400d0u);
	/* The initial count is ignored in this mode. */
	wr(f, OKVM_APIC_TMICT, 10);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_TMICT), 0u);
	KUNIT_EXPECT_FALSE(test, f->armed);

	tsc = f->clock + f->tsc_offset;
	okvm_lapic_msr_write(a, OKVM_MSR_TSC_DEADLINE, tsc + 5000);
	okvm_lapic_msr_read(a, OKVM_MSR_TSC_DEADLINE, &v);
	KUNIT_EXPECT_EQ(test, v, tsc + 5000);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_TMCCT), 0u);
	KUNIT_EXPECT_EQ(test, advance(f, 4999), 0);
	KUNIT_EXPECT_EQ(test, advance(f, 1), 1);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending(a), 0xd0);
	/* Firing disarms and clears the MSR. */
	okvm_lapic_msr_read(a, OKVM_MSR_TSC_DEADLINE, &v);
	KUNIT_EXPECT_EQ(test, v, 0ULL);

	/* A deadline in the past fires at once; 0 disarms. */
	okvm_lapic_msr_write(a, OKVM_MSR_TSC_DEADLINE, 1);
	KUNIT_EXPECT_EQ(test, advance(f, 0), 1);
	okvm_lapic_msr_write(a, OKVM_MSR_TSC_DEADLINE, tsc + 1000000);
	KUNIT_EXPECT_TRUE(test, f->armed);
	okvm_lapic_msr_write(a, OKVM_MSR_TSC_DEADLINE, 0);
	KUNIT_EXPECT_FALSE(test, f->armed);

	/* 2 GHz TSC: 5000 ticks are 2500 ns. */
	a->tsc_khz = 2000000;
	okvm_lapic_msr_write(a, OKVM_MSR_TSC_DEADLINE,
			     f->clock + f->tsc_offset + 5000);
	KUNIT_EXPECT_EQ(test, advance(f, 2499), 0);
	KUNIT_EXPECT_EQ(test, advance(f, 1), 1);

	/* Without TSC-deadline support bit 18 is reserved. */
	a->tsc_deadline_supported = false;
	wr(f, OKVM_APIC_LVTT, 0x400d0);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_LVTT), 0xd0u);
}

/*
 * The hrtimer fired (or was armed in the past): the expiry it is given
 * back must be after now and a valid ktime, or it fires again at once,
 * forever, in hard-IRQ context.
 */
static void expect_sane_rearm(struct kunit *test, struct fake *f)
{
	u64 next = 0;

	KUNIT_ASSERT_TRUE(test, f->armed);
	KUNIT_EXPECT_GT(test, f->armed_at, f->clock);
	KUNIT_EXPECT_LE(test, f->armed_at, (u64)KTIME_MAX);
	/* An early (spurious) hrtimer callback: asks to re-arm, no IRQ. */
	if (okvm_lapic_timer_expired(&f->apic, &next)) {
		KUNIT_EXPECT_GT(test, next, f->clock);
		KUNIT_EXPECT_LE(test, next, (u64)KTIME_MAX);
	}
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending(&f->apic), -1);
}

/*
 * The largest count KVM_CAP_X86_APIC_BUS_CYCLES_NS allows: 2^32 counts,
 * divide by 128, 2^25 ns a bus cycle are 2^64 ns, beyond any ktime.
 */
static void lapic_timer_huge_count(struct kunit *test)
{
	struct fake *f = test->priv;
	u32 mode;

	for (mode = 0; mode < 2; mode++) {	/* one-shot, periodic */
		fake_setup(f, APIC_ID, true);
		f->apic.bus_cycle_ns = 1ULL << 25;
		sw_enable(f);
		wr(f, OKVM_APIC_TDCR, 0xa);		/* divide by 128 */
		wr(f, OKVM_APIC_LVTT, (mode << 17) | 0xe0);
		wr(f, OKVM_APIC_TMICT, 0xffffffff);
		expect_sane_rearm(test, f);
		KUNIT_EXPECT_EQ(test, advance(f, 1000000000), 0);
		KUNIT_EXPECT_NE(test, rd(f, OKVM_APIC_TMCCT), 0u);
	}
}

/* TSC-deadline mode: IA32_TSC 0, a deadline of ~0, fast and slow TSCs. */
static void lapic_timer_tsc_deadline_far(struct kunit *test)
{
	static const u32 khz[] = { 1000, 1000000, 2000000, 4000000 };
	struct fake *f = test->priv;
	int i;

	for (i = 0; i < ARRAY_SIZE(khz); i++) {
		fake_setup(f, APIC_ID, true);
		f->tsc_offset = -f->clock;		/* the guest TSC reads 0 */
		f->apic.tsc_khz = khz[i];
		sw_enable(f);
		wr(f, OKVM_APIC_LVTT, 0x400d0);
		okvm_lapic_msr_write(&f->apic, OKVM_MSR_TSC_DEADLINE, ~0ULL);
		expect_sane_rearm(test, f);
		KUNIT_EXPECT_EQ(test, advance(f, 1000000000), 0);
		KUNIT_EXPECT_EQ(test, okvm_lapic_pending(&f->apic), -1);
	}
}

/* --- KVM_GET/SET_LAPIC --- */

/* The image as bytes for the checks, as struct kvm_lapic_state for the API. */
#define LS(p)	((struct kvm_lapic_state *)(p))

static void lapic_state_round_trip(struct kunit *test)
{
	struct fake *f = test->priv;
	struct fake *g = kunit_kzalloc(test, sizeof(*g), GFP_KERNEL);
	u8 *s1 = kunit_kzalloc(test, OKVM_APIC_REG_SIZE, GFP_KERNEL);
	u8 *s2 = kunit_kzalloc(test, OKVM_APIC_REG_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, g);
	KUNIT_ASSERT_NOT_NULL(test, s1);
	KUNIT_ASSERT_NOT_NULL(test, s2);
	sw_enable(f);
	wr(f, OKVM_APIC_TPR, 0x20);
	wr(f, OKVM_APIC_LDR, 0x04000000);
	wr(f, OKVM_APIC_LVT0, 0x700);
	wr(f, OKVM_APIC_LVTT, 0x200ef);
	wr(f, OKVM_APIC_TDCR, 0xb);
	wr(f, OKVM_APIC_TMICT, 1000000);
	okvm_lapic_set_irq(&f->apic, 0x91, true, true);
	okvm_lapic_ack(&f->apic, 0x91);
	okvm_lapic_set_irq(&f->apic, 0x33, true, false);
	advance(f, 250000);
	okvm_lapic_get_state(&f->apic, LS(s1), false);
	/* The image is the register page at MMIO offsets. */
	KUNIT_EXPECT_EQ(test, *(u32 *)(s1 + 0x20), APIC_ID << 24);
	KUNIT_EXPECT_EQ(test, *(u32 *)(s1 + 0xa0), 0x90u);
	KUNIT_EXPECT_EQ(test, *(u32 *)(s1 + 0x100 + 0x40), BIT(17));
	KUNIT_EXPECT_EQ(test, *(u32 *)(s1 + 0x200 + 0x10), BIT(19));
	KUNIT_EXPECT_EQ(test, *(u32 *)(s1 + 0x390), 750000u);

	fake_setup(g, APIC_ID, true);
	KUNIT_EXPECT_EQ(test, okvm_lapic_set_state(&g->apic, LS(s1), false), 0);
	/* The timer restarts from the initial count. */
	KUNIT_EXPECT_TRUE(test, g->armed);
	KUNIT_EXPECT_EQ(test, rd(g, OKVM_APIC_TMCCT), 1000000u);
	okvm_lapic_get_state(&g->apic, LS(s2), false);
	KUNIT_EXPECT_EQ(test, memcmp(s1, s2, 0x390), 0);
	KUNIT_EXPECT_EQ(test, memcmp(s1 + 0x3a0, s2 + 0x3a0, 0x60), 0);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending(&g->apic), -1);
	wr(g, OKVM_APIC_EOI, 0);
	KUNIT_EXPECT_EQ(test, g->nr_eois, 1);
	KUNIT_EXPECT_EQ(test, okvm_lapic_pending(&g->apic), 0x33);
	/* Read-only fields are recomputed, not taken from the image. */
	*(u32 *)(s1 + 0x30) = 0x12345678;
	*(u32 *)(s1 + 0xe0) = 0;
	KUNIT_EXPECT_EQ(test, okvm_lapic_set_state(&g->apic, LS(s1), false), 0);
	KUNIT_EXPECT_EQ(test, rd(g, OKVM_APIC_LVR), 0x00050014u);
	KUNIT_EXPECT_EQ(test, rd(g, OKVM_APIC_DFR), 0x0fffffffu);
}

static void lapic_state_x2apic_id(struct kunit *test)
{
	struct fake *f = test->priv;
	u8 *s = kunit_kzalloc(test, OKVM_APIC_REG_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	fake_setup(f, X2_ID, false);
	to_x2apic(test, f);
	/* Legacy format: the x2APIC ID is shifted like an xAPIC ID. */
	okvm_lapic_get_state(&f->apic, LS(s), false);
	KUNIT_EXPECT_EQ(test, *(u32 *)(s + 0x20), (u32)X2_ID << 24);
	KUNIT_EXPECT_EQ(test, *(u32 *)(s + 0xd0), 0x00020020u);
	okvm_lapic_get_state(&f->apic, LS(s), true);
	KUNIT_EXPECT_EQ(test, *(u32 *)(s + 0x20), (u32)X2_ID);
	/* 32-bit IDs: a different ID is refused, with nothing changed. */
	*(u32 *)(s + 0x20) = X2_ID + 1;
	*(u32 *)(s + 0x80) = 0x40;
	KUNIT_EXPECT_EQ(test, okvm_lapic_set_state(&f->apic, LS(s), true), -EINVAL);
	KUNIT_EXPECT_EQ(test, okvm_lapic_get_reg(&f->apic, OKVM_APIC_TPR), 0u);
	/* Legacy: the ID and LDR in the image are ignored. */
	*(u32 *)(s + 0xd0) = 0x12345678;
	KUNIT_EXPECT_EQ(test, okvm_lapic_set_state(&f->apic, LS(s), false), 0);
	KUNIT_EXPECT_EQ(test, okvm_lapic_get_reg(&f->apic, OKVM_APIC_ID),
			(u32)X2_ID);
	KUNIT_EXPECT_EQ(test, okvm_lapic_get_reg(&f->apic, OKVM_APIC_LDR),
			0x00020020u);
	KUNIT_EXPECT_EQ(test, okvm_lapic_get_reg(&f->apic, OKVM_APIC_PPR),
			0x40u);
}

static void lapic_init_reset(struct kunit *test)
{
	struct fake *f = test->priv;
	struct okvm_lapic *a = &f->apic;
	u64 v;

	fake_setup(f, X2_ID, false);
	to_x2apic(test, f);
	okvm_lapic_msr_write(a, 0x80f, 0x1ff);
	okvm_lapic_msr_write(a, 0x838, 5000000);
	okvm_lapic_msr_write(a, 0x808, 0x30);
	/* INIT keeps the mode and the base, resets the rest. */
	okvm_lapic_reset(a, true);
	KUNIT_EXPECT_EQ(test, okvm_lapic_mode(a), OKVM_LAPIC_X2APIC);
	KUNIT_EXPECT_FALSE(test, f->armed);
	okvm_lapic_msr_read(a, 0x80f, &v);
	KUNIT_EXPECT_EQ(test, v, 0xffULL);
	okvm_lapic_msr_read(a, 0x808, &v);
	KUNIT_EXPECT_EQ(test, v, 0ULL);
	okvm_lapic_msr_read(a, 0x802, &v);
	KUNIT_EXPECT_EQ(test, v, (u64)X2_ID);
	/* Power-up reset goes back to xAPIC. */
	okvm_lapic_reset(a, false);
	KUNIT_EXPECT_EQ(test, okvm_lapic_mode(a), OKVM_LAPIC_XAPIC);
	KUNIT_EXPECT_EQ(test, rd(f, OKVM_APIC_ID), (u32)X2_ID << 24);
}

static struct kunit_case lapic_cases[] = {
	KUNIT_CASE_PARAM(lapic_reset_values, reset_gen_params),
	KUNIT_CASE(lapic_reset_base),
	KUNIT_CASE(lapic_reset_lint0_extint),
	KUNIT_CASE_PARAM(lapic_writable_bits, wr_gen_params),
	KUNIT_CASE(lapic_mmio_sizes),
	KUNIT_CASE_PARAM(lapic_base_transitions, base_gen_params),
	KUNIT_CASE_PARAM(lapic_x2apic_msrs, msr_gen_params),
	KUNIT_CASE(lapic_x2apic_icr_self_ipi),
	KUNIT_CASE_PARAM(lapic_priority, prio_gen_params),
	KUNIT_CASE(lapic_cr8),
	KUNIT_CASE(lapic_priority_random),
	KUNIT_CASE(lapic_eoi_nested),
	KUNIT_CASE(lapic_pv_eoi),
	KUNIT_CASE(lapic_irr_coalesce_and_tmr),
	KUNIT_CASE(lapic_sw_disable_masks_lvts),
	KUNIT_CASE(lapic_esr_illegal_vectors),
	KUNIT_CASE_PARAM(lapic_icr_decode, icr_gen_params),
	KUNIT_CASE(lapic_latched_ipi_and_eoi),
	KUNIT_CASE_PARAM(lapic_match_dest, dest_gen_params),
	KUNIT_CASE(lapic_lowest_priority),
	KUNIT_CASE(lapic_events),
	KUNIT_CASE_PARAM(lapic_timer_oneshot_divide, div_gen_params),
	KUNIT_CASE(lapic_timer_periodic),
	KUNIT_CASE(lapic_timer_masked_and_mode_change),
	KUNIT_CASE(lapic_timer_divide_change),
	KUNIT_CASE(lapic_timer_bus_cycle),
	KUNIT_CASE(lapic_timer_tsc_deadline),
	KUNIT_CASE(lapic_timer_huge_count),
	KUNIT_CASE(lapic_timer_tsc_deadline_far),
	KUNIT_CASE(lapic_state_round_trip),
	KUNIT_CASE(lapic_state_x2apic_id),
	KUNIT_CASE(lapic_init_reset),
	{}
};

static struct kunit_suite lapic_suite = {
	.name = "okvm_lapic",
	.init = lapic_test_init,
	.test_cases = lapic_cases,
};
kunit_test_suite(lapic_suite);
