// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for MMIO emulation (src/x86/mmio.c) against the fake backend
 * and flat guest memory of x86_fake_vendor.c, under UML: the instruction
 * is fetched from the fake memory and decoded by the real decoder.
 *
 * Expected values come from the architecture (MOV's destination rules:
 * a 32-bit load zero-extends, 8/16-bit ones merge) and from KVM's ABI
 * for KVM_EXIT_MMIO (a store has retired when userspace sees it; a load
 * completes into its register on the next KVM_RUN).
 */
#include <kunit/test.h>
#include <linux/kvm.h>

#include "x86_fake_vendor.h"

#define RIP	(OKVM_FAKE_MEM_BASE + 2 * PAGE_SIZE)
#define GPA	0xfed00040ULL
#define LA	0xd0000040ULL		/* the guest's pointer to the device */

static int mmio_init(struct kunit *test)
{
	struct okvm_vcpu *vcpu = okvm_fake_vcpu_create(test);

	okvm_fake_long_mode(vcpu);
	vcpu->arch.regs[OKVM_RAX] = LA;
	vcpu->arch.regs[OKVM_RBX] = 0x1122334455667788ULL;
	vcpu->arch.regs[OKVM_RCX] = 0x1111111111111111ULL;
	test->priv = vcpu;
	return 0;
}

/* The first step of KVM_RUN (run.c): the pending completion, taken once. */
static int next_run(struct okvm_vcpu *vcpu)
{
	int (*complete)(struct okvm_vcpu *vcpu) =
		vcpu->arch.complete_userspace_io;

	vcpu->arch.complete_userspace_io = NULL;
	return complete ? complete(vcpu) : 1;
}

/* The faulting instruction @bytes at RIP, and its NPF on @gpa. */
static int mmio(struct okvm_vcpu *vcpu, const char *bytes, unsigned int len,
		u64 gpa)
{
	memcpy(okvm_fake_mem(vcpu, RIP, len), bytes, len);
	okvm_fv(vcpu)->rip = RIP;
	return okvm_emulate_mmio(vcpu, gpa);
}

/* mov [rax], ebx: the store has retired at the exit, nothing to complete. */
static void store_retired_at_exit(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;
	struct kvm_run *run = vcpu->run;

	KUNIT_ASSERT_EQ(test, mmio(vcpu, "\x89\x18", 2, GPA), 0);
	KUNIT_EXPECT_EQ(test, run->exit_reason, KVM_EXIT_MMIO);
	KUNIT_EXPECT_EQ(test, run->mmio.phys_addr, GPA);
	KUNIT_EXPECT_EQ(test, run->mmio.len, 4);
	KUNIT_EXPECT_EQ(test, run->mmio.is_write, 1);
	KUNIT_EXPECT_MEMEQ(test, run->mmio.data,
			   "\x88\x77\x66\x55\0\0\0\0", 8);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, RIP + 2);
	KUNIT_EXPECT_NULL(test, vcpu->arch.complete_userspace_io);
	KUNIT_EXPECT_EQ(test, vcpu->stat.mmio_exits, 1);
}

struct load_case {
	const char *name;
	const char *bytes;
	unsigned int len;	/* of the instruction */
	u32 size;		/* of the access */
	u64 rcx;		/* after completion */
};

/* RCX was 0x1111111111111111; the device answers 0xf0e0d0c0b0a09080. */
static const struct load_case load_cases[] = {
	{ "mov cl, [rax]: merge", "\x8a\x08", 2, 1, 0x1111111111111180ULL },
	{ "mov cx, [rax]: merge", "\x66\x8b\x08", 3, 2, 0x1111111111119080ULL },
	{ "mov ecx, [rax]: zero-extend", "\x8b\x08", 2, 4, 0xb0a09080ULL },
	{ "mov rcx, [rax]", "\x48\x8b\x08", 3, 8, 0xf0e0d0c0b0a09080ULL },
	{ "movsx ecx, byte [rax]", "\x0f\xbe\x08", 3, 1, 0xffffff80ULL },
};

static void load_desc(const struct load_case *t, char *desc)
{
	strscpy(desc, t->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(load, load_cases, load_desc);

/* A load exits with RIP on it and completes into its register. */
static void load_completes_on_next_run(struct kunit *test)
{
	const struct load_case *t = test->param_value;
	struct okvm_vcpu *vcpu = test->priv;
	struct kvm_run *run = vcpu->run;

	KUNIT_ASSERT_EQ(test, mmio(vcpu, t->bytes, t->len, GPA), 0);
	KUNIT_EXPECT_EQ(test, run->exit_reason, KVM_EXIT_MMIO);
	KUNIT_EXPECT_EQ(test, run->mmio.phys_addr, GPA);
	KUNIT_EXPECT_EQ(test, run->mmio.len, t->size);
	KUNIT_EXPECT_EQ(test, run->mmio.is_write, 0);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, RIP);
	KUNIT_EXPECT_EQ(test, vcpu->arch.regs[OKVM_RCX], 0x1111111111111111ULL);

	memcpy(run->mmio.data, "\x80\x90\xa0\xb0\xc0\xd0\xe0\xf0", 8);
	KUNIT_EXPECT_EQ(test, next_run(vcpu), 1);
	KUNIT_EXPECT_EQ(test, vcpu->arch.regs[OKVM_RCX], t->rcx);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, RIP + t->len);
}

/*
 * A store that straddles RAM and MMIO: the RAM part is written here, the
 * exit carries only the part on the MMIO page.
 */
static void split_store_ram_then_mmio(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;
	struct kvm_run *run = vcpu->run;
	u64 la = OKVM_FAKE_MEM_BASE + PAGE_SIZE - 2;

	vcpu->arch.regs[OKVM_RAX] = la;
	KUNIT_ASSERT_EQ(test, mmio(vcpu, "\x89\x18", 2, 0xfed01000ULL), 0);
	KUNIT_EXPECT_MEMEQ(test, okvm_fake_mem(vcpu, la, 2), "\x88\x77", 2);
	KUNIT_EXPECT_EQ(test, run->mmio.phys_addr, 0xfed01000ULL);
	KUNIT_EXPECT_EQ(test, run->mmio.len, 2);
	KUNIT_EXPECT_MEMEQ(test, run->mmio.data, "\x66\x55\0\0", 4);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, RIP + 2);
}

/* A load from MMIO then RAM: both halves end up in the register. */
static void split_load_mmio_then_ram(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;
	struct kvm_run *run = vcpu->run;
	u64 la = OKVM_FAKE_MEM_BASE + PAGE_SIZE - 2;

	memcpy(okvm_fake_mem(vcpu, la + 2, 2), "\x33\x44", 2);
	vcpu->arch.regs[OKVM_RAX] = la;
	KUNIT_ASSERT_EQ(test, mmio(vcpu, "\x8b\x08", 2, 0xfed00ffeULL), 0);
	KUNIT_EXPECT_EQ(test, run->mmio.phys_addr, 0xfed00ffeULL);
	KUNIT_EXPECT_EQ(test, run->mmio.len, 2);
	memcpy(run->mmio.data, "\x11\x22", 2);
	KUNIT_EXPECT_EQ(test, next_run(vcpu), 1);
	KUNIT_EXPECT_EQ(test, vcpu->arch.regs[OKVM_RCX], 0x44332211ULL);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, RIP + 2);
}

/* add [rax], ecx is not emulated: an emulation failure with its bytes. */
static void unsupported_insn_fails(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;
	struct kvm_run *run = vcpu->run;

	KUNIT_ASSERT_EQ(test, mmio(vcpu, "\x01\x08", 2, GPA), 0);
	KUNIT_EXPECT_EQ(test, run->exit_reason, KVM_EXIT_INTERNAL_ERROR);
	KUNIT_EXPECT_EQ(test, run->emulation_failure.suberror,
			KVM_INTERNAL_ERROR_EMULATION);
	KUNIT_EXPECT_EQ(test, run->emulation_failure.flags,
			KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES);
	KUNIT_EXPECT_MEMEQ(test, run->emulation_failure.insn_bytes,
			   "\x01\x08", 2);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, RIP);
	KUNIT_EXPECT_NULL(test, vcpu->arch.complete_userspace_io);
}

/* Real mode with ES = 0xb800, the VGA text buffer (MMIO). */
static void real_mode_vga(struct okvm_vcpu *vcpu)
{
	struct okvm_fake_vendor *f = okvm_fv(vcpu);

	f->cr[OKVM_CR0] = 0;
	f->cr[OKVM_CR4] = 0;
	f->efer = 0;
	memset(f->seg, 0, sizeof(f->seg));
	f->seg[OKVM_SEG_ES] = (struct kvm_segment){ .base = 0xb8000,
						    .selector = 0xb800 };
}

/*
 * The exit one string element makes: a write of @len bytes @data at @gpa
 * (the last element also leaves a completion that moves RIP past).
 */
static void expect_write(struct kunit *test, struct okvm_vcpu *vcpu, u64 gpa,
			 u32 len, const char *data)
{
	struct kvm_run *run = vcpu->run;

	KUNIT_EXPECT_EQ(test, run->exit_reason, KVM_EXIT_MMIO);
	KUNIT_EXPECT_EQ(test, run->mmio.phys_addr, gpa);
	KUNIT_EXPECT_EQ(test, run->mmio.len, len);
	KUNIT_EXPECT_EQ(test, run->mmio.is_write, 1);
	KUNIT_EXPECT_MEMEQ(test, run->mmio.data, data, len);
}

/*
 * rep stosw in real mode (the VGA option ROM clearing the screen): one
 * exit per word, DI and CX advanced before each exit (only their low 16
 * bits: the address size is 16), RIP on the instruction until CX is 0.
 */
static void rep_stosw_real_mode(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;
	u64 *r = (u64 *)vcpu->arch.regs;
	int i;

	real_mode_vga(vcpu);
	r[OKVM_RAX] = 0x0720;
	r[OKVM_RDI] = 0x12340100;
	r[OKVM_RCX] = 0xabcd00000003ULL;
	for (i = 0; i < 3; i++) {
		KUNIT_ASSERT_EQ(test, mmio(vcpu, "\xf3\xab", 2,
					   0xb8100 + 2 * i), 0);
		expect_write(test, vcpu, 0xb8100 + 2 * i, 2, "\x20\x07");
		KUNIT_EXPECT_EQ(test, r[OKVM_RDI], 0x12340102ULL + 2 * i);
		KUNIT_EXPECT_EQ(test, r[OKVM_RCX], 0xabcd00000002ULL - i);
		KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, RIP);
		KUNIT_EXPECT_EQ(test, next_run(vcpu), 1);
	}
	/* Past the instruction only on the run after the last element. */
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, RIP + 2);
	KUNIT_EXPECT_EQ(test, vcpu->stat.mmio_exits, 3);
}

/* rep stosb backwards (DF) from DI = 1: DI wraps at 16 bits to 0xffff. */
static void rep_stosb_df_wraps_di(struct kunit *test)
{
	static const u64 gpas[] = { 0xb8001, 0xb8000, 0xb8000 + 0xffff };
	struct okvm_vcpu *vcpu = test->priv;
	u64 *r = (u64 *)vcpu->arch.regs;
	int i;

	real_mode_vga(vcpu);
	okvm_fv(vcpu)->rflags |= X86_EFLAGS_DF;
	r[OKVM_RAX] = 0x55;
	r[OKVM_RDI] = 1;
	r[OKVM_RCX] = 3;
	for (i = 0; i < 3; i++) {
		KUNIT_ASSERT_EQ(test, mmio(vcpu, "\xf3\xaa", 2, gpas[i]), 0);
		expect_write(test, vcpu, gpas[i], 1, "\x55");
		KUNIT_EXPECT_EQ(test, r[OKVM_RDI], (u64)(0 - i) & 0xffff);
		KUNIT_EXPECT_EQ(test, r[OKVM_RCX], 2 - i);
		KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, RIP);
		KUNIT_EXPECT_EQ(test, next_run(vcpu), 1);
	}
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, RIP + 2);
}

/*
 * 64-bit mode, 0x67: rep stosd counts ECX and walks EDI, which wraps from
 * 0xfffffffc to 0; the upper halves are left as they were (as INS/OUTS).
 * F2 repeats STOS as F3 does.
 */
static void rep_stosd_64bit_addr32_wraps(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;
	u64 *r = (u64 *)vcpu->arch.regs;

	r[OKVM_RAX] = 0xffffffffaabbccddULL;
	r[OKVM_RDI] = 0x1fffffffcULL;
	r[OKVM_RCX] = 0xffffffff00000002ULL;
	KUNIT_ASSERT_EQ(test, mmio(vcpu, "\x67\xf2\xab", 3, 0xfffffffcULL), 0);
	expect_write(test, vcpu, 0xfffffffcULL, 4, "\xdd\xcc\xbb\xaa");
	KUNIT_EXPECT_EQ(test, r[OKVM_RDI], 0x100000000ULL);
	KUNIT_EXPECT_EQ(test, r[OKVM_RCX], 0xffffffff00000001ULL);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, RIP);
	KUNIT_ASSERT_EQ(test, mmio(vcpu, "\x67\xf2\xab", 3, 0), 0);
	expect_write(test, vcpu, 0, 4, "\xdd\xcc\xbb\xaa");
	KUNIT_EXPECT_EQ(test, r[OKVM_RDI], 0x100000004ULL);
	KUNIT_EXPECT_EQ(test, r[OKVM_RCX], 0xffffffff00000000ULL);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, RIP);
	KUNIT_EXPECT_EQ(test, next_run(vcpu), 1);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, RIP + 3);
}

/* stosq without REP: one element, RCX untouched, RIP past it next run. */
static void stosq_once(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;
	u64 *r = (u64 *)vcpu->arch.regs;

	r[OKVM_RAX] = 0x0102030405060708ULL;
	r[OKVM_RDI] = LA;
	KUNIT_ASSERT_EQ(test, mmio(vcpu, "\x48\xab", 2, GPA), 0);
	expect_write(test, vcpu, GPA, 8, "\x08\x07\x06\x05\x04\x03\x02\x01");
	KUNIT_EXPECT_EQ(test, r[OKVM_RDI], LA + 8);
	KUNIT_EXPECT_EQ(test, r[OKVM_RCX], 0x1111111111111111ULL);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, RIP);
	KUNIT_EXPECT_EQ(test, next_run(vcpu), 1);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, RIP + 2);
}

/* rep movsw from RAM to MMIO: writes with the data from guest memory. */
static void rep_movsw_ram_to_mmio(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;
	u64 *r = (u64 *)vcpu->arch.regs;
	u64 src = OKVM_FAKE_MEM_BASE + 0x100;

	memcpy(okvm_fake_mem(vcpu, src, 4), "\x11\x22\x33\x44", 4);
	r[OKVM_RSI] = src;
	r[OKVM_RDI] = LA;
	r[OKVM_RCX] = 2;
	KUNIT_ASSERT_EQ(test, mmio(vcpu, "\xf3\x66\xa5", 3, GPA), 0);
	expect_write(test, vcpu, GPA, 2, "\x11\x22");
	KUNIT_EXPECT_EQ(test, r[OKVM_RSI], src + 2);
	KUNIT_EXPECT_EQ(test, r[OKVM_RDI], LA + 2);
	KUNIT_EXPECT_EQ(test, r[OKVM_RCX], 1);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, RIP);
	KUNIT_ASSERT_EQ(test, mmio(vcpu, "\xf3\x66\xa5", 3, GPA + 2), 0);
	expect_write(test, vcpu, GPA + 2, 2, "\x33\x44");
	KUNIT_EXPECT_EQ(test, r[OKVM_RSI], src + 4);
	KUNIT_EXPECT_EQ(test, r[OKVM_RCX], 0);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, RIP);
	KUNIT_EXPECT_EQ(test, next_run(vcpu), 1);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, RIP + 3);
}

/*
 * rep movsb from MMIO (FS override) to RAM: a read exit with RIP and the
 * registers unchanged; the next KVM_RUN stores the byte and advances.
 */
static void rep_movsb_mmio_to_ram(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;
	struct kvm_run *run = vcpu->run;
	u64 *r = (u64 *)vcpu->arch.regs;
	u64 dst = OKVM_FAKE_MEM_BASE + 0x200;
	int i;

	okvm_fv(vcpu)->seg[OKVM_SEG_FS].base = OKVM_FAKE_MMIO_LA;
	r[OKVM_RSI] = 0x10;
	r[OKVM_RDI] = dst;
	r[OKVM_RCX] = 2;
	for (i = 0; i < 2; i++) {
		KUNIT_ASSERT_EQ(test, mmio(vcpu, "\x64\xf3\xa4", 3,
					   0xfeb00010ULL + i), 0);
		KUNIT_EXPECT_EQ(test, run->exit_reason, KVM_EXIT_MMIO);
		KUNIT_EXPECT_EQ(test, run->mmio.phys_addr, 0xfeb00010ULL + i);
		KUNIT_EXPECT_EQ(test, run->mmio.len, 1);
		KUNIT_EXPECT_EQ(test, run->mmio.is_write, 0);
		KUNIT_EXPECT_EQ(test, r[OKVM_RCX], 2 - i);
		KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, RIP);
		run->mmio.data[0] = 0xa0 + i;
		KUNIT_EXPECT_EQ(test, next_run(vcpu), 1);
		KUNIT_EXPECT_EQ(test, r[OKVM_RSI], 0x11ULL + i);
		KUNIT_EXPECT_EQ(test, r[OKVM_RDI], dst + 1 + i);
		KUNIT_EXPECT_EQ(test, r[OKVM_RCX], 1 - i);
		KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, i < 1 ? RIP : RIP + 3);
	}
	KUNIT_EXPECT_MEMEQ(test, okvm_fake_mem(vcpu, dst, 2), "\xa0\xa1", 2);
}

/* movsb with MMIO on both sides is not emulated. */
static void movsb_mmio_to_mmio_fails(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;
	u64 *r = (u64 *)vcpu->arch.regs;

	r[OKVM_RSI] = OKVM_FAKE_MMIO_LA;
	r[OKVM_RDI] = OKVM_FAKE_MMIO_LA + 0x100;
	KUNIT_ASSERT_EQ(test, mmio(vcpu, "\xa4", 1, 0xfeb00000ULL), 0);
	KUNIT_EXPECT_EQ(test, vcpu->run->exit_reason, KVM_EXIT_INTERNAL_ERROR);
	KUNIT_EXPECT_EQ(test, r[OKVM_RSI], OKVM_FAKE_MMIO_LA);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, RIP);
}

static struct kunit_case x86_mmio_cases[] = {
	KUNIT_CASE(store_retired_at_exit),
	KUNIT_CASE_PARAM(load_completes_on_next_run, load_gen_params),
	KUNIT_CASE(split_store_ram_then_mmio),
	KUNIT_CASE(split_load_mmio_then_ram),
	KUNIT_CASE(unsupported_insn_fails),
	KUNIT_CASE(rep_stosw_real_mode),
	KUNIT_CASE(rep_stosb_df_wraps_di),
	KUNIT_CASE(rep_stosd_64bit_addr32_wraps),
	KUNIT_CASE(stosq_once),
	KUNIT_CASE(rep_movsw_ram_to_mmio),
	KUNIT_CASE(rep_movsb_mmio_to_ram),
	KUNIT_CASE(movsb_mmio_to_mmio_fails),
	{}
};

static struct kunit_suite x86_mmio_suite = {
	.name = "okvm_x86_mmio",
	.init = mmio_init,
	.test_cases = x86_mmio_cases,
};

kunit_test_suite(x86_mmio_suite);
