// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for the MSR table and guest RDMSR/WRMSR (src/x86/msr.c)
 * against the fake backend of x86_fake_vendor.c, under UML.
 *
 * Expected values come from the architecture (which values make WRMSR
 * #GP: reserved EFER bits, non-canonical addresses, undefined PAT memory
 * types, TSC_AUX above 32 bits) and from KVM's ABI (KVM_GET/SET_MSRS may
 * do what the guest may not; KVM_X86_SET_MSR_FILTER;
 * KVM_CAP_X86_USER_SPACE_MSR and its exits).
 */
#include <kunit/test.h>
#include <linux/kvm.h>
#include <asm/msr-index.h>

#include "x86_fake_vendor.h"

#define RIP	0x401000ULL

static int msr_init(struct kunit *test)
{
	struct okvm_vcpu *vcpu = okvm_fake_vcpu_create(test);

	okvm_fake_long_mode(vcpu);
	okvm_fv(vcpu)->rip = RIP;
	okvm_fv(vcpu)->exit_insn_len = 2;	/* RDMSR and WRMSR: 0f 32, 0f 30 */
	test->priv = vcpu;
	return 0;
}

struct msr_case {
	const char *name;
	u32 index;
	bool write;
	bool host;		/* KVM_GET/SET_MSRS rather than the guest */
	u64 data;		/* written */
	int result;		/* enum okvm_msr_result */
	u64 read;		/* what a host read gives afterwards */
};

#define LONG_MODE_EFER	(EFER_LME | EFER_LMA)

static const struct msr_case msr_cases[] = {
	{ "EFER read", MSR_EFER, false, false, 0, OKVM_MSR_OK, LONG_MODE_EFER },
	{ "EFER.NX write", MSR_EFER, true, false, LONG_MODE_EFER | EFER_NX,
	  OKVM_MSR_OK, LONG_MODE_EFER | EFER_NX },
	{ "EFER reserved bit 1", MSR_EFER, true, false, LONG_MODE_EFER | 2,
	  OKVM_MSR_GP, LONG_MODE_EFER },
	{ "EFER.LME off under paging: guest", MSR_EFER, true, false, EFER_LMA,
	  OKVM_MSR_GP, LONG_MODE_EFER },
	{ "EFER.LME off under paging: host", MSR_EFER, true, true, 0,
	  OKVM_MSR_OK, EFER_LMA },
	{ "LSTAR canonical", MSR_LSTAR, true, false, 0xffff800000001000ULL,
	  OKVM_MSR_OK, 0xffff800000001000ULL },
	{ "LSTAR non-canonical", MSR_LSTAR, true, false, 0x0000800000000000ULL,
	  OKVM_MSR_GP, 0 },
	{ "SYSENTER_CS keeps 16 bits", MSR_IA32_SYSENTER_CS, true, false,
	  0x12345678, OKVM_MSR_OK, 0x5678 },
	{ "PAT all WB", MSR_IA32_CR_PAT, true, false, 0x0606060606060606ULL,
	  OKVM_MSR_OK, 0x0606060606060606ULL },
	{ "PAT type 2", MSR_IA32_CR_PAT, true, false, 0x0606060606020606ULL,
	  OKVM_MSR_GP, 0 },
	{ "TSC_AUX 32 bits", MSR_TSC_AUX, true, false, 0xffffffff,
	  OKVM_MSR_OK, 0xffffffff },
	{ "TSC_AUX bit 32", MSR_TSC_AUX, true, false, 1ULL << 32,
	  OKVM_MSR_GP, 0 },
	{ "HWCR ignored bits read 0", MSR_K7_HWCR, true, false,
	  BIT_ULL(24) | BIT_ULL(3), OKVM_MSR_OK, BIT_ULL(24) },
	{ "HWCR bit 0", MSR_K7_HWCR, true, false, 1, OKVM_MSR_GP, 0 },
	{ "PLATFORM_INFO guest write", MSR_PLATFORM_INFO, true, false, 0x100,
	  OKVM_MSR_GP, 0 },
	{ "PLATFORM_INFO host write", MSR_PLATFORM_INFO, true, true, 0x100,
	  OKVM_MSR_OK, 0x100 },
	{ "UCODE_REV guest write dropped", MSR_IA32_UCODE_REV, true, false, 7,
	  OKVM_MSR_OK, 0 },
	{ "UCODE_REV host write", MSR_IA32_UCODE_REV, true, true, 7,
	  OKVM_MSR_OK, 7 },
	{ "PERF_CAPABILITIES guest read, no PDCM", MSR_IA32_PERF_CAPABILITIES,
	  false, false, 0, OKVM_MSR_GP, 0 },
	{ "PERF_CAPABILITIES host write 1", MSR_IA32_PERF_CAPABILITIES, true,
	  true, 1, OKVM_MSR_GP, 0 },
	{ "x2APIC TPR, no in-kernel APIC", 0x808, false, false, 0,
	  OKVM_MSR_UNSUPPORTED, 0 },
	{ "unknown read", 0x12345678, false, false, 0, OKVM_MSR_UNSUPPORTED, 0 },
	{ "unknown host write", 0x12345678, true, true, 1,
	  OKVM_MSR_UNSUPPORTED, 0 },
};

static void msr_case_desc(const struct msr_case *t, char *desc)
{
	strscpy(desc, t->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(msr, msr_cases, msr_case_desc);

/* Each access's named result, and the state it leaves. */
static void table_results(struct kunit *test)
{
	const struct msr_case *t = test->param_value;
	struct okvm_vcpu *vcpu = test->priv;
	u64 data = 0xdeadbeef;
	int r;

	if (t->write)
		r = okvm_msr_set(vcpu, t->index, t->data, t->host);
	else
		r = okvm_msr_get(vcpu, t->index, &data, t->host);
	KUNIT_EXPECT_EQ(test, r, t->result);
	if (!t->write && r == OKVM_MSR_OK)
		KUNIT_EXPECT_EQ(test, data, t->read);
	if (t->result == OKVM_MSR_UNSUPPORTED)
		return;
	data = 0xdeadbeef;
	if (okvm_msr_get(vcpu, t->index, &data, true) == OKVM_MSR_OK)
		KUNIT_EXPECT_EQ(test, data, t->read);
}

/* Changing EFER.NX changes translations: the guest TLB is flushed. */
static void efer_nx_flushes_tlb(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;

	KUNIT_ASSERT_EQ(test, okvm_msr_set(vcpu, MSR_EFER, LONG_MODE_EFER,
					   false), OKVM_MSR_OK);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->tlb_flushes, 0);
	KUNIT_ASSERT_EQ(test, okvm_msr_set(vcpu, MSR_EFER,
					   LONG_MODE_EFER | EFER_NX, false),
			OKVM_MSR_OK);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->tlb_flushes, 1);
}

/* RDMSR: EDX:EAX, upper halves cleared, RIP past the instruction. */
static void guest_rdmsr(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;
	unsigned long *r = vcpu->arch.regs;

	KUNIT_ASSERT_EQ(test, okvm_msr_set(vcpu, MSR_LSTAR,
					   0xffff800012345678ULL, true),
			OKVM_MSR_OK);
	r[OKVM_RCX] = MSR_LSTAR;
	r[OKVM_RAX] = ~0UL;
	r[OKVM_RDX] = ~0UL;
	KUNIT_EXPECT_EQ(test, okvm_emulate_msr(vcpu, false), 1);
	KUNIT_EXPECT_EQ(test, r[OKVM_RAX], 0x12345678UL);
	KUNIT_EXPECT_EQ(test, r[OKVM_RDX], 0xffff8000UL);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, RIP + 2);
}

/* WRMSR takes EDX:EAX and ignores the upper halves. */
static void guest_wrmsr(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;
	unsigned long *r = vcpu->arch.regs;
	u64 data;

	r[OKVM_RCX] = MSR_TSC_AUX;
	r[OKVM_RAX] = 0xaaaaaaaa00000042UL;
	r[OKVM_RDX] = 0xbbbbbbbb00000000UL;
	KUNIT_EXPECT_EQ(test, okvm_emulate_msr(vcpu, true), 1);
	KUNIT_ASSERT_EQ(test, okvm_msr_get(vcpu, MSR_TSC_AUX, &data, true),
			OKVM_MSR_OK);
	KUNIT_EXPECT_EQ(test, data, 0x42);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, RIP + 2);
}

static void expect_gp(struct kunit *test, struct okvm_vcpu *vcpu)
{
	struct okvm_queued_exception *ex = &vcpu->arch.ev.exc;

	KUNIT_EXPECT_TRUE(test, ex->pending);
	KUNIT_EXPECT_EQ(test, ex->vector, GP_VECTOR);
	KUNIT_EXPECT_EQ(test, ex->error_code, 0);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, RIP);	/* not retired */
}

/* Without KVM_CAP_X86_USER_SPACE_MSR a failed access is the guest's #GP. */
static void guest_unknown_msr_gp(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;

	vcpu->arch.regs[OKVM_RCX] = 0x12345678;
	KUNIT_EXPECT_EQ(test, okvm_emulate_msr(vcpu, false), 1);
	expect_gp(test, vcpu);
}

/*
 * With the reason enabled, userspace gets KVM_EXIT_X86_RDMSR and its
 * answer completes the RDMSR on the next run; msr.error makes it #GP.
 */
static void user_space_msr_exit(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;
	struct kvm_run *run = vcpu->run;
	unsigned long *r = vcpu->arch.regs;
	int (*complete)(struct okvm_vcpu *vcpu);

	vcpu->vm->arch.user_space_msr_mask = KVM_MSR_EXIT_REASON_UNKNOWN;
	r[OKVM_RCX] = 0x12345678;
	KUNIT_ASSERT_EQ(test, okvm_emulate_msr(vcpu, false), 0);
	KUNIT_EXPECT_EQ(test, run->exit_reason, KVM_EXIT_X86_RDMSR);
	KUNIT_EXPECT_EQ(test, run->msr.reason, KVM_MSR_EXIT_REASON_UNKNOWN);
	KUNIT_EXPECT_EQ(test, run->msr.index, 0x12345678);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, RIP);

	complete = vcpu->arch.complete_userspace_io;
	KUNIT_ASSERT_NOT_NULL(test, complete);
	run->msr.data = 0x0000000900000008ULL;
	KUNIT_EXPECT_EQ(test, complete(vcpu), 1);
	KUNIT_EXPECT_EQ(test, r[OKVM_RAX], 8);
	KUNIT_EXPECT_EQ(test, r[OKVM_RDX], 9);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, RIP + 2);

	okvm_fv(vcpu)->rip = RIP;
	KUNIT_ASSERT_EQ(test, okvm_emulate_msr(vcpu, false), 0);
	run->msr.error = 1;
	KUNIT_EXPECT_EQ(test, vcpu->arch.complete_userspace_io(vcpu), 1);
	expect_gp(test, vcpu);

	/* A #GP-class failure is not in the mask: the guest's #GP. */
	okvm_clear_events(vcpu);
	r[OKVM_RCX] = MSR_PLATFORM_INFO;
	KUNIT_EXPECT_EQ(test, okvm_emulate_msr(vcpu, true), 1);
	expect_gp(test, vcpu);
}

/* KVM_X86_SET_MSR_FILTER denying guest reads of STAR, allowing the rest. */
static void set_filter(struct kunit *test, struct okvm_vcpu *vcpu)
{
	const unsigned long deny = 0;	/* bit 0 (STAR) clear: denied */
	struct kvm_msr_filter f = {
		.flags = 0,	/* default allow */
		.ranges[0] = {
			.flags = KVM_MSR_FILTER_READ, .base = MSR_STAR,
			.nmsrs = 1,
		},
	};

	f.ranges[0].bitmap = (__u8 *)okvm_fake_user_copy(test, &deny,
							sizeof(deny));
	KUNIT_ASSERT_EQ(test,
			okvm_msr_vm_ioctl(vcpu->vm, KVM_X86_SET_MSR_FILTER,
					  okvm_fake_user_copy(test, &f,
							      sizeof(f))),
			0);
}

/*
 * A filtered guest access is FILTERED (its own exit reason), the write
 * side and userspace's KVM_GET_MSRS stay allowed.
 */
static void filter_denies_guest_only(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;
	struct kvm_run *run = vcpu->run;
	unsigned long *r = vcpu->arch.regs;
	u64 data;

	set_filter(test, vcpu);
	KUNIT_ASSERT_EQ(test, okvm_msr_set(vcpu, MSR_STAR, 0x23001000ULL, true),
			OKVM_MSR_OK);
	KUNIT_EXPECT_EQ(test, okvm_msr_get(vcpu, MSR_STAR, &data, true),
			OKVM_MSR_OK);
	KUNIT_EXPECT_EQ(test, data, 0x23001000ULL);

	vcpu->vm->arch.user_space_msr_mask = KVM_MSR_EXIT_REASON_FILTER;
	r[OKVM_RCX] = MSR_STAR;
	KUNIT_ASSERT_EQ(test, okvm_emulate_msr(vcpu, false), 0);
	KUNIT_EXPECT_EQ(test, run->exit_reason, KVM_EXIT_X86_RDMSR);
	KUNIT_EXPECT_EQ(test, run->msr.reason, KVM_MSR_EXIT_REASON_FILTER);

	/* Writes are not filtered by a read range. */
	r[OKVM_RAX] = 0x5;
	r[OKVM_RDX] = 0;
	KUNIT_EXPECT_EQ(test, okvm_emulate_msr(vcpu, true), 1);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, RIP + 2);

	/* Without the exit: the guest's #GP. */
	okvm_fv(vcpu)->rip = RIP;
	vcpu->vm->arch.user_space_msr_mask = 0;
	KUNIT_EXPECT_EQ(test, okvm_emulate_msr(vcpu, false), 1);
	expect_gp(test, vcpu);
}

static struct kunit_case x86_msr_cases[] = {
	KUNIT_CASE_PARAM(table_results, msr_gen_params),
	KUNIT_CASE(efer_nx_flushes_tlb),
	KUNIT_CASE(guest_rdmsr),
	KUNIT_CASE(guest_wrmsr),
	KUNIT_CASE(guest_unknown_msr_gp),
	KUNIT_CASE(user_space_msr_exit),
	KUNIT_CASE(filter_denies_guest_only),
	{}
};

static struct kunit_suite x86_msr_suite = {
	.name = "okvm_x86_msr",
	.init = msr_init,
	.test_cases = x86_msr_cases,
};

kunit_test_suite(x86_msr_suite);
