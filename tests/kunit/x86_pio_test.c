// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for port I/O emulation (src/x86/pio.c) against the fake
 * backend and flat guest memory of x86_fake_vendor.c, under UML.
 *
 * Expected values come from the architecture (SDM vol. 2, IN/OUT/INS/OUTS:
 * a 32-bit IN zero-extends into RAX, 8/16-bit ones keep the rest; string
 * instructions step rSI/rDI by the element size, backwards with DF, at
 * the address size; REP counts rCX down) and from KVM's ABI for
 * KVM_EXIT_IO (Documentation/virt/kvm/api.rst: data at data_offset in the
 * kvm_run mapping; the instruction completes on the next KVM_RUN).
 */
#include <kunit/test.h>
#include <linux/kvm.h>
#include <linux/mm.h>

#include "x86_fake_vendor.h"

#define RIP		0x401000ULL
#define NEXT_RIP	(RIP + 2)
#define RAX		0x1122334455667788ULL
#define PORT		0x3f8

static int pio_init(struct kunit *test)
{
	struct okvm_vcpu *vcpu = okvm_fake_vcpu_create(test);

	okvm_fake_long_mode(vcpu);
	okvm_fv(vcpu)->rip = RIP;
	vcpu->arch.regs[OKVM_RAX] = RAX;
	test->priv = vcpu;
	return 0;
}

static u8 *pio_data(struct okvm_vcpu *vcpu)
{
	return page_address(vcpu->arch.pio_page);
}

/* The first step of KVM_RUN (run.c): the pending completion, taken once. */
static int next_run(struct okvm_vcpu *vcpu)
{
	int (*complete)(struct okvm_vcpu *vcpu) =
		vcpu->arch.complete_userspace_io;

	vcpu->arch.complete_userspace_io = NULL;
	return complete ? complete(vcpu) : 1;
}

static int pio(struct okvm_vcpu *vcpu, u16 port, u8 size, bool in)
{
	struct okvm_io_exit io = {
		.port = port, .size = size, .in = in, .next_rip = NEXT_RIP,
	};

	return okvm_emulate_pio(vcpu, &io);
}

static void expect_io_exit(struct kunit *test, struct okvm_vcpu *vcpu,
			   u8 dir, u8 size, u16 port, u32 count)
{
	struct kvm_run *run = vcpu->run;

	KUNIT_EXPECT_EQ(test, run->exit_reason, KVM_EXIT_IO);
	KUNIT_EXPECT_EQ(test, run->io.direction, dir);
	KUNIT_EXPECT_EQ(test, run->io.size, size);
	KUNIT_EXPECT_EQ(test, run->io.port, port);
	KUNIT_EXPECT_EQ(test, run->io.count, count);
	KUNIT_EXPECT_EQ(test, run->io.data_offset, PAGE_SIZE);
}

static const u8 sizes[] = { 1, 2, 4 };

static void size_desc(const u8 *size, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u bytes", *size);
}

KUNIT_ARRAY_PARAM(size, sizes, size_desc);

/*
 * OUT: AL/AX/EAX in the PIO page at the exit, RIP still on the
 * instruction; the next KVM_RUN retires it (and its interrupt shadow).
 */
static void out_each_size(struct kunit *test)
{
	static const u8 rax_bytes[] = { 0x88, 0x77, 0x66, 0x55, 0, 0, 0, 0 };
	struct okvm_vcpu *vcpu = test->priv;
	u8 size = *(const u8 *)test->param_value;
	u8 want[8] = {};

	memset(pio_data(vcpu), 0xee, 8);
	KUNIT_ASSERT_EQ(test, pio(vcpu, PORT, size, false), 0);
	expect_io_exit(test, vcpu, KVM_EXIT_IO_OUT, size, PORT, 1);
	memset(want, 0xee, sizeof(want));
	memcpy(want, rax_bytes, size);
	KUNIT_EXPECT_MEMEQ(test, pio_data(vcpu), want, 8);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, RIP);

	okvm_fv(vcpu)->shadow = OKVM_SHADOW_STI;
	KUNIT_EXPECT_EQ(test, next_run(vcpu), 1);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, NEXT_RIP);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->shadow, 0);
	KUNIT_EXPECT_EQ(test, vcpu->arch.regs[OKVM_RAX], RAX);
	KUNIT_EXPECT_EQ(test, vcpu->stat.io_exits, 1);
}

/* IN: AL and AX merge into RAX, EAX zero-extends (a 32-bit destination). */
static void in_each_size(struct kunit *test)
{
	static const u64 want[] = {
		[1] = 0x11223344556677a1ULL,
		[2] = 0x112233445566b2a1ULL,
		[4] = 0x00000000d4c3b2a1ULL,
	};
	struct okvm_vcpu *vcpu = test->priv;
	u8 size = *(const u8 *)test->param_value;

	KUNIT_ASSERT_EQ(test, pio(vcpu, PORT, size, true), 0);
	expect_io_exit(test, vcpu, KVM_EXIT_IO_IN, size, PORT, 1);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, RIP);
	/* Userspace answers; bytes past the size must not leak in. */
	memcpy(pio_data(vcpu), "\xa1\xb2\xc3\xd4\xe5\xf6\x07\x18", 8);
	KUNIT_EXPECT_EQ(test, next_run(vcpu), 1);
	KUNIT_EXPECT_EQ(test, vcpu->arch.regs[OKVM_RAX], want[size]);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, NEXT_RIP);
	/* Completed once: a second KVM_RUN finds nothing to finish. */
	KUNIT_EXPECT_NULL(test, vcpu->arch.complete_userspace_io);
}

/* A VMM that moved RIP (KVM_SET_REGS) abandoned the IN: RAX stays. */
static void moved_rip_drops_completion(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;

	KUNIT_ASSERT_EQ(test, pio(vcpu, PORT, 2, true), 0);
	memcpy(pio_data(vcpu), "\xa1\xb2", 2);
	okvm_fv(vcpu)->rip = 0x402000;
	KUNIT_EXPECT_EQ(test, next_run(vcpu), 1);
	KUNIT_EXPECT_EQ(test, vcpu->arch.regs[OKVM_RAX], RAX);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, 0x402000);
}

/*
 * The rule is on the linear RIP (CS.base + RIP): a new CS base alone
 * abandons the instruction, while RIP and base moved in step do not.
 */
static void linear_rip_decides(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;
	struct okvm_fake_vendor *f = okvm_fv(vcpu);

	okvm_fake_protected_mode(vcpu);		/* CS.base 0x1000 */
	KUNIT_ASSERT_EQ(test, pio(vcpu, PORT, 1, true), 0);
	*pio_data(vcpu) = 0x5a;
	f->seg[OKVM_SEG_CS].base = 0x2000;
	KUNIT_EXPECT_EQ(test, next_run(vcpu), 1);
	KUNIT_EXPECT_EQ(test, vcpu->arch.regs[OKVM_RAX], RAX);
	KUNIT_EXPECT_EQ(test, f->rip, RIP);

	f->seg[OKVM_SEG_CS].base = 0x1000;
	KUNIT_ASSERT_EQ(test, pio(vcpu, PORT, 1, true), 0);
	f->seg[OKVM_SEG_CS].base = 0x2000;
	f->rip = RIP - 0x1000;
	KUNIT_EXPECT_EQ(test, next_run(vcpu), 1);
	KUNIT_EXPECT_EQ(test, vcpu->arch.regs[OKVM_RAX], (RAX & ~0xffULL) | 0x5a);
	KUNIT_EXPECT_EQ(test, f->rip, NEXT_RIP);
}

/*
 * KVM_X86_QUIRK_OUT_7E_INC_RIP: "OUT 0x7e" exits with RIP already past
 * it and nothing left to complete, unless the VM disabled the quirk.
 */
static void out_7e_quirk(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;

	KUNIT_ASSERT_EQ(test, pio(vcpu, 0x7e, 1, false), 0);
	expect_io_exit(test, vcpu, KVM_EXIT_IO_OUT, 1, 0x7e, 1);
	KUNIT_EXPECT_EQ(test, *pio_data(vcpu), 0x88);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, NEXT_RIP);
	KUNIT_EXPECT_NULL(test, vcpu->arch.complete_userspace_io);

	/* Any other port: as usual. */
	okvm_fv(vcpu)->rip = RIP;
	KUNIT_ASSERT_EQ(test, pio(vcpu, 0x7f, 1, false), 0);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, RIP);
	KUNIT_EXPECT_EQ(test, next_run(vcpu), 1);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, NEXT_RIP);

	okvm_fv(vcpu)->rip = RIP;
	vcpu->vm->arch.disabled_quirks = KVM_X86_QUIRK_OUT_7E_INC_RIP;
	KUNIT_ASSERT_EQ(test, pio(vcpu, 0x7e, 1, false), 0);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, RIP);
	KUNIT_EXPECT_NOT_NULL(test, vcpu->arch.complete_userspace_io);
	KUNIT_EXPECT_EQ(test, next_run(vcpu), 1);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, NEXT_RIP);
}

/*
 * A port of an in-kernel device (the PIT: byte registers, any access
 * size, as KVM's) completes without an exit: IN merges its byte into
 * AL/AX/EAX as a userspace answer would, OUT hands over RAX's low bits.
 */
static void kernel_port_each_size(struct kunit *test)
{
	static const u64 want[] = {
		[1] = 0x11223344556677a5ULL,
		[2] = 0x11223344556600a5ULL,
		[4] = 0x00000000000000a5ULL,
	};
	struct okvm_vcpu *vcpu = test->priv;
	u8 size = *(const u8 *)test->param_value;

	okvm_fv(vcpu)->kernel_port = 0x40;
	okvm_fv(vcpu)->kernel_port_in = 0xa5;
	vcpu->run->exit_reason = KVM_EXIT_UNKNOWN;
	KUNIT_EXPECT_EQ(test, pio(vcpu, 0x40, size, true), 1);
	KUNIT_EXPECT_EQ(test, vcpu->arch.regs[OKVM_RAX], want[size]);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, NEXT_RIP);

	vcpu->arch.regs[OKVM_RAX] = RAX;
	okvm_fv(vcpu)->rip = RIP;
	KUNIT_EXPECT_EQ(test, pio(vcpu, 0x40, size, false), 1);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->kernel_port_out, (u32)RAX);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, NEXT_RIP);
	KUNIT_EXPECT_EQ(test, vcpu->run->exit_reason, KVM_EXIT_UNKNOWN);
	KUNIT_EXPECT_NULL(test, vcpu->arch.complete_userspace_io);
}

/* An OUT a coalesced zone takes completes in the kernel: no exit. */
static void coalesced_out_stays_in_kernel(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;

	okvm_fv(vcpu)->coalesced_port = PORT;
	vcpu->run->exit_reason = KVM_EXIT_UNKNOWN;
	KUNIT_EXPECT_EQ(test, pio(vcpu, PORT, 2, false), 1);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->coalesced_data, 0x7788);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, NEXT_RIP);
	KUNIT_EXPECT_EQ(test, vcpu->run->exit_reason, KVM_EXIT_UNKNOWN);
	KUNIT_EXPECT_NULL(test, vcpu->arch.complete_userspace_io);
}

/* --- string I/O: the instruction is fetched from the fake memory ----------- */

#define STR_RIP		(OKVM_FAKE_MEM_BASE + 2 * PAGE_SIZE)
#define DATA		(OKVM_FAKE_MEM_BASE + 0x100)

/* The string instruction @bytes at STR_RIP; its exit as the backend saw it. */
static int string_pio(struct okvm_vcpu *vcpu, const char *bytes,
		      unsigned int len, u8 size, bool in, bool rep)
{
	struct okvm_io_exit io = {
		.port = PORT, .size = size, .in = in, .string = true,
		.rep = rep, .next_rip = STR_RIP + len,
	};

	memcpy(okvm_fake_mem(vcpu, STR_RIP, len), bytes, len);
	okvm_fv(vcpu)->rip = STR_RIP;
	return okvm_emulate_pio(vcpu, &io);
}

/* REP OUTSB: the bytes at DS:RSI in the PIO page; RSI/RCX move on completion. */
static void rep_outsb(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;
	unsigned long *r = vcpu->arch.regs;

	memcpy(okvm_fake_mem(vcpu, DATA, 5), "hello", 5);
	r[OKVM_RSI] = DATA;
	r[OKVM_RCX] = 5;
	KUNIT_ASSERT_EQ(test, string_pio(vcpu, "\xf3\x6e", 2, 1, false, true),
			0);
	expect_io_exit(test, vcpu, KVM_EXIT_IO_OUT, 1, PORT, 5);
	KUNIT_EXPECT_MEMEQ(test, pio_data(vcpu), "hello", 5);
	KUNIT_EXPECT_EQ(test, r[OKVM_RSI], DATA);	/* not yet */
	KUNIT_EXPECT_EQ(test, next_run(vcpu), 1);
	KUNIT_EXPECT_EQ(test, r[OKVM_RSI], DATA + 5);
	KUNIT_EXPECT_EQ(test, r[OKVM_RCX], 0);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, STR_RIP + 2);
}

/* REP INSW: userspace's words land at ES:RDI on completion. */
static void rep_insw(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;
	unsigned long *r = vcpu->arch.regs;

	r[OKVM_RDI] = DATA;
	r[OKVM_RCX] = 3;
	KUNIT_ASSERT_EQ(test,
			string_pio(vcpu, "\xf3\x66\x6d", 3, 2, true, true), 0);
	expect_io_exit(test, vcpu, KVM_EXIT_IO_IN, 2, PORT, 3);
	memcpy(pio_data(vcpu), "abcdef", 6);
	KUNIT_EXPECT_EQ(test, next_run(vcpu), 1);
	KUNIT_EXPECT_MEMEQ(test, okvm_fake_mem(vcpu, DATA, 6), "abcdef", 6);
	KUNIT_EXPECT_EQ(test, r[OKVM_RDI], DATA + 6);
	KUNIT_EXPECT_EQ(test, r[OKVM_RCX], 0);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, STR_RIP + 3);
}

/*
 * One exit stops at the end of a guest page; the REP goes on from the
 * same RIP with what is left in RCX.
 */
static void rep_stops_at_page_end(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;
	unsigned long *r = vcpu->arch.regs;
	u64 src = OKVM_FAKE_MEM_BASE + PAGE_SIZE - 2;

	memcpy(okvm_fake_mem(vcpu, src, 5), "WXYZ!", 5);
	r[OKVM_RSI] = src;
	r[OKVM_RCX] = 5;
	KUNIT_ASSERT_EQ(test, string_pio(vcpu, "\xf3\x6e", 2, 1, false, true),
			0);
	expect_io_exit(test, vcpu, KVM_EXIT_IO_OUT, 1, PORT, 2);
	KUNIT_EXPECT_MEMEQ(test, pio_data(vcpu), "WX", 2);
	KUNIT_EXPECT_EQ(test, next_run(vcpu), 1);
	KUNIT_EXPECT_EQ(test, r[OKVM_RSI], src + 2);
	KUNIT_EXPECT_EQ(test, r[OKVM_RCX], 3);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, STR_RIP);
}

/* DF set: one element per exit, RDI steps down. */
static void rep_insb_backwards(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;
	unsigned long *r = vcpu->arch.regs;

	okvm_fv(vcpu)->rflags = X86_EFLAGS_DF;
	r[OKVM_RDI] = DATA + 9;
	r[OKVM_RCX] = 4;
	KUNIT_ASSERT_EQ(test, string_pio(vcpu, "\xf3\x6c", 2, 1, true, true),
			0);
	expect_io_exit(test, vcpu, KVM_EXIT_IO_IN, 1, PORT, 1);
	*pio_data(vcpu) = 'q';
	KUNIT_EXPECT_EQ(test, next_run(vcpu), 1);
	KUNIT_EXPECT_EQ(test, *okvm_fake_mem(vcpu, DATA + 9, 1), 'q');
	KUNIT_EXPECT_EQ(test, r[OKVM_RDI], DATA + 8);
	KUNIT_EXPECT_EQ(test, r[OKVM_RCX], 3);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, STR_RIP);
}

/*
 * With a 32-bit address size (0x67 in 64-bit mode) only ESI and ECX
 * count and change; their upper halves stay as they were.
 */
static void address_size_32(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;
	unsigned long *r = vcpu->arch.regs;

	memcpy(okvm_fake_mem(vcpu, DATA, 3), "abc", 3);
	r[OKVM_RSI] = 0xffffffff00000000ULL | DATA;
	r[OKVM_RCX] = 0xabcd000000000003ULL;
	KUNIT_ASSERT_EQ(test,
			string_pio(vcpu, "\x67\xf3\x6e", 3, 1, false, true), 0);
	expect_io_exit(test, vcpu, KVM_EXIT_IO_OUT, 1, PORT, 3);
	KUNIT_EXPECT_MEMEQ(test, pio_data(vcpu), "abc", 3);
	KUNIT_EXPECT_EQ(test, next_run(vcpu), 1);
	KUNIT_EXPECT_EQ(test, r[OKVM_RSI], 0xffffffff00000000ULL | (DATA + 3));
	KUNIT_EXPECT_EQ(test, r[OKVM_RCX], 0xabcd000000000000ULL);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, STR_RIP + 3);
}

/* Userspace lowered RCX while it served the exit: no more than RCX go. */
static void rcx_lowered_by_userspace(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;
	unsigned long *r = vcpu->arch.regs;

	r[OKVM_RSI] = DATA;
	r[OKVM_RCX] = 5;
	KUNIT_ASSERT_EQ(test, string_pio(vcpu, "\xf3\x6e", 2, 1, false, true),
			0);
	r[OKVM_RCX] = 2;
	KUNIT_EXPECT_EQ(test, next_run(vcpu), 1);
	KUNIT_EXPECT_EQ(test, r[OKVM_RSI], DATA + 2);
	KUNIT_EXPECT_EQ(test, r[OKVM_RCX], 0);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, STR_RIP + 2);
}

/* OUTS from memory the guest cannot read: a #PF now, no exit. */
static void outs_fault(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;
	struct okvm_queued_exception *ex = &vcpu->arch.ev.exc;

	vcpu->arch.regs[OKVM_RSI] = 0x900000;
	KUNIT_EXPECT_EQ(test, string_pio(vcpu, "\x6e", 1, 1, false, false), 1);
	KUNIT_EXPECT_TRUE(test, ex->pending);
	KUNIT_EXPECT_EQ(test, ex->vector, PF_VECTOR);
	KUNIT_EXPECT_EQ(test, ex->error_code, 0);
	KUNIT_EXPECT_EQ(test, ex->payload, 0x900000);
	KUNIT_EXPECT_NULL(test, vcpu->arch.complete_userspace_io);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, STR_RIP);
}

/* INS to memory that is not writable: the #PF comes at completion. */
static void ins_fault_at_completion(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;
	struct okvm_queued_exception *ex = &vcpu->arch.ev.exc;
	unsigned long *r = vcpu->arch.regs;

	r[OKVM_RDI] = 0x900000;
	r[OKVM_RCX] = 2;
	KUNIT_ASSERT_EQ(test, string_pio(vcpu, "\xf3\x6c", 2, 1, true, true),
			0);
	KUNIT_EXPECT_EQ(test, next_run(vcpu), 1);
	KUNIT_EXPECT_TRUE(test, ex->pending);
	KUNIT_EXPECT_EQ(test, ex->vector, PF_VECTOR);
	KUNIT_EXPECT_EQ(test, ex->error_code, 2);	/* #PF W: a write */
	KUNIT_EXPECT_EQ(test, ex->payload, 0x900000);
	KUNIT_EXPECT_EQ(test, r[OKVM_RDI], 0x900000);
	KUNIT_EXPECT_EQ(test, r[OKVM_RCX], 2);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, STR_RIP);
}

/* REP with RCX = 0 does nothing and retires at once. */
static void rep_count_zero(struct kunit *test)
{
	struct okvm_vcpu *vcpu = test->priv;

	vcpu->arch.regs[OKVM_RCX] = 0;
	vcpu->run->exit_reason = KVM_EXIT_UNKNOWN;
	KUNIT_EXPECT_EQ(test, string_pio(vcpu, "\xf3\x6c", 2, 1, true, true),
			1);
	KUNIT_EXPECT_EQ(test, vcpu->run->exit_reason, KVM_EXIT_UNKNOWN);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->rip, STR_RIP + 2);
}

static struct kunit_case x86_pio_cases[] = {
	KUNIT_CASE_PARAM(out_each_size, size_gen_params),
	KUNIT_CASE_PARAM(in_each_size, size_gen_params),
	KUNIT_CASE(moved_rip_drops_completion),
	KUNIT_CASE(linear_rip_decides),
	KUNIT_CASE(out_7e_quirk),
	KUNIT_CASE_PARAM(kernel_port_each_size, size_gen_params),
	KUNIT_CASE(coalesced_out_stays_in_kernel),
	KUNIT_CASE(rep_outsb),
	KUNIT_CASE(rep_insw),
	KUNIT_CASE(rep_stops_at_page_end),
	KUNIT_CASE(rep_insb_backwards),
	KUNIT_CASE(address_size_32),
	KUNIT_CASE(rcx_lowered_by_userspace),
	KUNIT_CASE(outs_fault),
	KUNIT_CASE(ins_fault_at_completion),
	KUNIT_CASE(rep_count_zero),
	{}
};

static struct kunit_suite x86_pio_suite = {
	.name = "okvm_x86_pio",
	.init = pio_init,
	.test_cases = x86_pio_cases,
};

kunit_test_suite(x86_pio_suite);
