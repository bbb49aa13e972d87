// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for CPUID (src/x86/cpuid.c) against the fake backend and
 * fake host CPU of x86_fake_vendor.c (every feature bit set, 48-bit
 * addresses, no XSAVE, no PV leaves), under UML.
 *
 * Expected values come from KVM's ABI (Documentation/virt/kvm/api.rst:
 * KVM_SET_CPUID2/KVM_GET_CPUID2, KVM_CPUID_FLAG_SIGNIFCANT_INDEX; a table
 * is fixed once the vCPU ran; only 48- or 57-bit linear addresses) and
 * from the CPUID bit assignments of the SDM/APM.
 */
#include <kunit/test.h>
#include <linux/kvm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "x86_fake_vendor.h"

static int cpuid_init(struct kunit *test)
{
	test->priv = okvm_fake_vcpu_create(test);
	return 0;
}

/* Room for a kvm_cpuid2 header and @nent entries. */
static struct kvm_cpuid2 *cpuid2_alloc(struct kunit *test, u32 nent)
{
	struct kvm_cpuid2 *c = kunit_kzalloc(test, struct_size(c, entries, nent),
					     GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	c->nent = nent;
	return c;
}

/* KVM_SET_CPUID2 with @nent of @e, as the ioctl gets it. */
static long set_cpuid(struct kunit *test, struct okvm_vcpu *vcpu,
		      const struct kvm_cpuid_entry2 *e, u32 nent)
{
	struct kvm_cpuid2 *c = cpuid2_alloc(test, nent);

	memcpy(c->entries, e, nent * sizeof(*e));
	return okvm_cpuid_vcpu_ioctl(vcpu, KVM_SET_CPUID2,
				     okvm_fake_user_copy(test, c,
							 struct_size(c, entries,
								     nent)));
}

static const struct kvm_cpuid_entry2 table[] = {
	{ .function = 0, .eax = 0xd, .ebx = 0x68747541 },
	{ .function = 7, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
	  .ebx = 0x2 },
	{ .function = 0xd, .index = 1, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
	  .eax = 0x1 },
	{ .function = 0xd, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
	  .eax = 0x3 },
	{ .function = 0x80000008, .eax = 0x3028 },
};

/*
 * The guest's CPUID: an entry without a significant index answers every
 * subleaf; one with answers only its own; anything else reads as zeros.
 */
static void lookup(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;
	u32 a, b, c, d;

	KUNIT_ASSERT_EQ(test, set_cpuid(test, vcpu, table, ARRAY_SIZE(table)),
			0);
	okvm_cpuid_lookup(vcpu, 0, 99, &a, &b, &c, &d);
	KUNIT_EXPECT_EQ(test, a, 0xd);
	KUNIT_EXPECT_EQ(test, b, 0x68747541);
	okvm_cpuid_lookup(vcpu, 0xd, 0, &a, &b, &c, &d);
	KUNIT_EXPECT_EQ(test, a, 3);
	okvm_cpuid_lookup(vcpu, 0xd, 1, &a, &b, &c, &d);
	KUNIT_EXPECT_EQ(test, a, 1);
	okvm_cpuid_lookup(vcpu, 7, 1, &a, &b, &c, &d);
	KUNIT_EXPECT_EQ(test, a | b | c | d, 0);
	okvm_cpuid_lookup(vcpu, 0x40000000, 0, &a, &b, &c, &d);
	KUNIT_EXPECT_EQ(test, a | b | c | d, 0);
	KUNIT_EXPECT_PTR_EQ(test, okvm_cpuid_entry(vcpu, 7, 0),
			    &vcpu->arch.cpuid[1]);
	KUNIT_EXPECT_NULL(test, okvm_cpuid_entry(vcpu, 7, 1));
}

/* KVM_GET_CPUID2 gives the table back, or -E2BIG if it does not fit. */
static void get_returns_table(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;
	u32 n = ARRAY_SIZE(table);
	struct kvm_cpuid2 *c = cpuid2_alloc(test, n);
	size_t size = struct_size(c, entries, n);
	void __user *u;

	KUNIT_ASSERT_EQ(test, set_cpuid(test, vcpu, table, n), 0);
	c->nent = n - 1;
	u = okvm_fake_user_copy(test, c, size);
	KUNIT_EXPECT_EQ(test, okvm_cpuid_vcpu_ioctl(vcpu, KVM_GET_CPUID2, u),
			-E2BIG);

	c->nent = n + 3;
	u = okvm_fake_user_copy(test, c, size);
	KUNIT_ASSERT_EQ(test, okvm_cpuid_vcpu_ioctl(vcpu, KVM_GET_CPUID2, u),
			0);
	KUNIT_ASSERT_EQ(test, copy_from_user(c, u, size), 0);
	KUNIT_EXPECT_EQ(test, c->nent, n);
	KUNIT_EXPECT_MEMEQ(test, c->entries, table, sizeof(table));
}

/* 0x80000008's linear width (EAX 15:8) is 48, 57 or unset: else -EINVAL. */
static void set_checks_linear_width(struct kunit *test)
{
	static const struct { u32 eax; long r; } widths[] = {
		{ 0x3030, 0 }, { 0x3930, 0 }, { 0x0030, 0 },
		{ 0x2830, -EINVAL }, { 0x4030, -EINVAL },
	};
	struct okvm_vcpu *vcpu = test->priv;
	struct kvm_cpuid_entry2 e = { .function = 0x80000008 };
	int i;

	for (i = 0; i < ARRAY_SIZE(widths); i++) {
		KUNIT_ASSERT_EQ(test, set_cpuid(test, vcpu, table, 1), 0);
		e.eax = widths[i].eax;
		KUNIT_EXPECT_EQ_MSG(test, set_cpuid(test, vcpu, &e, 1),
				    widths[i].r, "eax %#x", e.eax);
		/* A refused table changes nothing. */
		if (widths[i].r)
			KUNIT_EXPECT_EQ(test, vcpu->arch.cpuid[0].function, 0);
	}
}

/* More entries than KVM_MAX_CPUID_ENTRIES: -E2BIG before any copy. */
static void set_too_many(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;
	struct kvm_cpuid2 hdr = { .nent = OKVM_MAX_CPUID_ENTRIES + 1 };

	KUNIT_EXPECT_EQ(test,
			okvm_cpuid_vcpu_ioctl(vcpu, KVM_SET_CPUID2,
					      okvm_fake_user_copy(test, &hdr,
								  sizeof(hdr))),
			-E2BIG);
	KUNIT_EXPECT_EQ(test, vcpu->arch.cpuid_nent, 0);
	KUNIT_EXPECT_FALSE(test, vcpu->arch.cpuid_set);
}

/* Once the vCPU ran only the identical table is accepted. */
static void fixed_after_run(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;
	struct kvm_cpuid_entry2 changed[ARRAY_SIZE(table)];

	KUNIT_ASSERT_EQ(test, set_cpuid(test, vcpu, table, ARRAY_SIZE(table)),
			0);
	vcpu->arch.ran = true;
	KUNIT_EXPECT_EQ(test, set_cpuid(test, vcpu, table, ARRAY_SIZE(table)),
			0);
	memcpy(changed, table, sizeof(table));
	changed[1].ebx = 0;
	KUNIT_EXPECT_EQ(test, set_cpuid(test, vcpu, changed,
					ARRAY_SIZE(table)), -EINVAL);
	KUNIT_EXPECT_EQ(test, set_cpuid(test, vcpu, table,
					ARRAY_SIZE(table) - 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, vcpu->arch.cpuid_nent, ARRAY_SIZE(table));
	KUNIT_EXPECT_EQ(test, vcpu->arch.cpuid[1].ebx, 0x2);
}

/*
 * KVM_GET_SUPPORTED_CPUID on a host with every bit set: only what okvm
 * virtualizes shows. Leaf 1 ECX: SSE3, PCLMULQDQ, SSSE3, CX16, SSE4.1/4.2,
 * x2APIC, POPCNT, TSC-deadline, AES; EDX: FPU, DE, PSE, TSC, PAE, CX8,
 * APIC, CMOV, PSE36, CLFLUSH, MMX, FXSR, SSE, SSE2 (no VME, MSR, MCE,
 * SEP, MTRR, PGE, MCA, PAT, HTT...). 0x80000001 EDX: SYSCALL, NX,
 * RDTSCP, LM.
 */
static void supported_table(struct kunit *test)
{
	struct kvm_cpuid2 *c = cpuid2_alloc(test, 8);
	size_t size = struct_size(c, entries, 8);
	struct kvm_cpuid_entry2 *e = c->entries;
	void __user *u = okvm_fake_user_copy(test, c, size);

	KUNIT_ASSERT_EQ(test,
			okvm_cpuid_dev_ioctl(KVM_GET_SUPPORTED_CPUID, u), 0);
	KUNIT_ASSERT_EQ(test, copy_from_user(c, u, size), 0);
	KUNIT_ASSERT_EQ(test, c->nent, 6);
	KUNIT_EXPECT_EQ(test, e[0].function, 0);
	KUNIT_EXPECT_EQ(test, e[0].eax, 7);	/* no XSAVE: no leaf 0xD */
	KUNIT_EXPECT_EQ(test, e[1].function, 1);
	KUNIT_EXPECT_EQ(test, e[1].ebx, 0xff00);	/* CLFLUSH size only */
	KUNIT_EXPECT_EQ(test, e[1].ecx, 0x3b82203);
	/*
	 * FPU VME DE PSE TSC MSR PAE CX8 APIC SEP MTRR PGE CMOV PAT PSE36
	 * CLFLUSH MMX FXSR SSE SSE2.
	 */
	KUNIT_EXPECT_EQ(test, e[1].edx, 0x78bbb7f);
	KUNIT_EXPECT_EQ(test, e[2].function, 7);
	KUNIT_EXPECT_EQ(test, e[2].flags, KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
	KUNIT_EXPECT_EQ(test, e[2].ebx, 0x2);	/* TSC_ADJUST */
	KUNIT_EXPECT_EQ(test, e[3].function, 0x80000000);
	KUNIT_EXPECT_EQ(test, e[3].eax, 0x80000008);
	KUNIT_EXPECT_EQ(test, e[4].function, 0x80000001);
	KUNIT_EXPECT_EQ(test, e[4].ecx, 0x1);	/* LAHF/SAHF */
	KUNIT_EXPECT_EQ(test, e[4].edx, 0x28100800);
	KUNIT_EXPECT_EQ(test, e[5].function, 0x80000008);
	KUNIT_EXPECT_EQ(test, e[5].eax, 0x3030);

	c->nent = 5;
	u = okvm_fake_user_copy(test, c, size);
	KUNIT_EXPECT_EQ(test, okvm_cpuid_dev_ioctl(KVM_GET_SUPPORTED_CPUID, u),
			-E2BIG);
}

static struct kunit_case x86_cpuid_cases[] = {
	KUNIT_CASE(lookup),
	KUNIT_CASE(get_returns_table),
	KUNIT_CASE(set_checks_linear_width),
	KUNIT_CASE(set_too_many),
	KUNIT_CASE(fixed_after_run),
	KUNIT_CASE(supported_table),
	{}
};

static struct kunit_suite x86_cpuid_suite = {
	.name = "okvm_x86_cpuid",
	.init = cpuid_init,
	.test_cases = x86_cpuid_cases,
};

kunit_test_suite(x86_cpuid_suite);
