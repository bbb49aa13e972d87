// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exits to userspace from a running 64-bit guest: port I/O (single and
 * string, completions of IN landing in the guest's registers and memory)
 * and MMIO (no memslot, read-only memslot) for the MOV forms a compiler
 * emits. Each test states the exact exit sequence it expects.
 */
#include "kselftest_harness.h"
#include "lib/guest.h"
#include "lib/guest_fixture.h"


/* OUT and IN of each size; an IN's value lands on the next KVM_RUN. */
GUEST_CODE(io_guest, ".code64",
	"mov $0x11, %al\n"
	"out %al, $0x10\n"
	"mov $0x2233, %ax\n"
	"out %ax, $0x12\n"
	"mov $0x44556677, %eax\n"
	"mov $0x1234, %dx\n"
	"out %eax, (%dx)\n"
	"movabs $0xaaaaaaaaaaaaaaaa, %rax\n"
	"in $0x20, %al\n"		/* AL only: the rest of RAX stays */
	"mov %rax, %rbx\n"
	"in $0x22, %ax\n"		/* AX only */
	"mov %rax, %rcx\n"
	"in (%dx), %eax\n"		/* EAX: zero-extends into RAX */
	"mov %rax, %rsi\n"
	"hlt\n");

TEST_F(g, pio_in_out)
{
	struct kvm_run *run;
	struct kvm_regs regs;
	uint32_t v;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, io_guest, io_guest_end), 0);
	run = self->g.vcpu[0].run;

	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x10, 1, 1);
	EXPECT_EQ(*(uint8_t *)guest_io_data(run), 0x11);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x12, 2, 1);
	EXPECT_EQ(*(uint16_t *)guest_io_data(run), 0x2233);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x1234, 4, 1);
	EXPECT_EQ(guest_out32(run), 0x44556677);

	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_IN, 0x20, 1, 1);
	*(uint8_t *)guest_io_data(run) = 0x5a;
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_IN, 0x22, 2, 1);
	*(uint16_t *)guest_io_data(run) = 0xbeef;
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_IN, 0x1234, 4, 1);
	v = 0xcafef00d;
	memcpy(guest_io_data(run), &v, 4);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(run, KVM_EXIT_HLT);

	ASSERT_EQ(guest_get_regs(&self->g, 0, &regs), 0);
	EXPECT_EQ(regs.rbx, 0xaaaaaaaaaaaaaa5aULL);
	EXPECT_EQ(regs.rcx, 0xaaaaaaaaaaaabeefULL);
	EXPECT_EQ(regs.rsi, 0xcafef00dULL);
	EXPECT_EQ(regs.rax, 0xcafef00dULL);
	EXPECT_EQ(regs.rdx, 0x1234ULL);
	EXPECT_EQ(regs.rip, G_CODE + (io_guest_end - io_guest));
}

/*
 * Where RIP is while userspace serves an exit, as KVM has it: an MMIO
 * store has retired (RIP past it); an IN or OUT has not (RIP at it, and
 * past it with the data on the next KVM_RUN), except "OUT 0x7e" while
 * KVM_X86_QUIRK_OUT_7E_INC_RIP is on. A VMM that moves RIP meanwhile
 * (KVM_SET_REGS) is obeyed: the IN or OUT it moved away from is abandoned.
 */
GUEST_CODE(rip_guest, ".code64",
	"rip_out: out %al, $0x10\n"
	"rip_mmio: movl $0x1234, (%rbx)\n"
	"rip_in: in $0x20, %al\n"
	"rip_7e: out %al, $0x7e\n"
	"rip_7e_next: hlt\n"
	"rip_elsewhere: mov $0x77, %al\n"
	"out %al, $0x30\n"
	"hlt\n");
extern const uint8_t rip_out[], rip_mmio[], rip_in[], rip_7e[], rip_7e_next[];
extern const uint8_t rip_elsewhere[];

static uint64_t rip_gpa(const uint8_t *sym)
{
	return G_CODE + (sym - rip_guest);
}

static uint64_t rip_now(struct __test_metadata *_metadata, struct guest *g)
{
	struct kvm_regs regs;

	EXPECT_EQ(guest_get_regs(g, 0, &regs), 0);
	return regs.rip;
}

TEST_F(g, rip_while_userspace_serves)
{
	struct kvm_run *run;
	struct kvm_regs regs;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, rip_guest, rip_guest_end), 0);
	run = self->g.vcpu[0].run;
	ASSERT_EQ(guest_get_regs(&self->g, 0, &regs), 0);
	regs.rbx = G_MMIO;
	ASSERT_EQ(guest_set_regs(&self->g, 0, &regs), 0);

	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x10, 1, 1);
	EXPECT_EQ(rip_now(_metadata, &self->g), rip_gpa(rip_out));
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_MMIO_EXIT(run, 1, G_MMIO, 4);
	EXPECT_EQ(rip_now(_metadata, &self->g), rip_gpa(rip_in));
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_IN, 0x20, 1, 1);
	EXPECT_EQ(rip_now(_metadata, &self->g), rip_gpa(rip_in));
	*(uint8_t *)guest_io_data(run) = 0x5a;
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x7e, 1, 1);
	EXPECT_EQ(*(uint8_t *)guest_io_data(run), 0x5a);
	EXPECT_EQ(rip_now(_metadata, &self->g), rip_gpa(rip_7e_next));
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(run, KVM_EXIT_HLT);

	/* The VMM sends the vCPU elsewhere instead of serving an IN... */
	ASSERT_EQ(guest_get_regs(&self->g, 0, &regs), 0);
	regs.rip = rip_gpa(rip_in);
	ASSERT_EQ(guest_set_regs(&self->g, 0, &regs), 0);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_IN, 0x20, 1, 1);
	*(uint8_t *)guest_io_data(run) = 0x11;
	regs.rip = rip_gpa(rip_elsewhere);
	regs.rax = 0;
	ASSERT_EQ(guest_set_regs(&self->g, 0, &regs), 0);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x30, 1, 1);
	EXPECT_EQ(*(uint8_t *)guest_io_data(run), 0x77);
	/* ...or an OUT: the new RIP stands, nothing skips from it. */
	regs.rip = rip_gpa(rip_out);
	ASSERT_EQ(guest_set_regs(&self->g, 0, &regs), 0);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x10, 1, 1);
	EXPECT_EQ(rip_now(_metadata, &self->g), rip_gpa(rip_out));
}

/* Without the quirk, "OUT 0x7e" is an OUT like any other. */
TEST_F(g, out_7e_quirk_off)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_DISABLE_QUIRKS2,
		.args[0] = KVM_X86_QUIRK_OUT_7E_INC_RIP,
	};
	struct kvm_run *run;
	struct kvm_regs regs;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, rip_guest, rip_guest_end), 0);
	run = self->g.vcpu[0].run;
	ASSERT_EQ(okvm_ioctl(self->g.vm, KVM_ENABLE_CAP, &cap), 0);
	ASSERT_EQ(guest_get_regs(&self->g, 0, &regs), 0);
	regs.rip = rip_gpa(rip_7e);
	ASSERT_EQ(guest_set_regs(&self->g, 0, &regs), 0);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x7e, 1, 1);
	EXPECT_EQ(rip_now(_metadata, &self->g), rip_gpa(rip_7e));
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(run, KVM_EXIT_HLT);
	EXPECT_EQ(rip_now(_metadata, &self->g), rip_gpa(rip_elsewhere));
}

/*
 * rep outsb / rep insb over 10000 bytes from 0x1007f0: three guest pages,
 * more than the one page of kvm_run data, so at least two exits each.
 * KVM may split the string at any count per exit; the bytes, their order
 * and the final RSI/RDI/RCX are exact.
 */
#define STR_BUF		0x1007f0UL
#define STR_LEN		10000
GUEST_CODE(str_guest, ".code64",
	"cld\n"
	"mov $0x1007f0, %esi\n"
	"mov $10000, %ecx\n"
	"mov $0x40, %dx\n"
	"rep outsb\n"
	"mov %rsi, %r8\n"
	"mov %rcx, %r9\n"
	"mov $0x1007f0, %edi\n"
	"mov $10000, %ecx\n"
	"mov $0x41, %dx\n"
	"rep insb\n"
	"hlt\n");

static uint8_t str_pattern(unsigned int i, unsigned int salt)
{
	return (uint8_t)(i * 7 + (i >> 8) + salt);
}

TEST_F(g, pio_string_multi_page)
{
	uint8_t *buf, got[STR_LEN];
	unsigned int total = 0, exits = 0, i;
	struct kvm_run *run;
	struct kvm_regs regs;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, str_guest, str_guest_end), 0);
	run = self->g.vcpu[0].run;
	buf = guest_ptr(&self->g, STR_BUF);
	for (i = 0; i < STR_LEN; i++)
		buf[i] = str_pattern(i, 0);
	buf[STR_LEN] = 0xee;	/* sentinel: insb must stop before it */

	while (total < STR_LEN) {
		ASSERT_EQ(guest_run(&self->g, 0), 0);
		ASSERT_EXIT(run, KVM_EXIT_IO);
		ASSERT_EQ(run->io.direction, KVM_EXIT_IO_OUT);
		ASSERT_EQ(run->io.port, 0x40);
		ASSERT_EQ(run->io.size, 1);
		ASSERT_GE(run->io.count, 1);
		ASSERT_LE(total + run->io.count, STR_LEN);
		memcpy(got + total, guest_io_data(run), run->io.count);
		total += run->io.count;
		exits++;
	}
	EXPECT_GE(exits, 2);
	EXPECT_EQ(memcmp(got, buf, STR_LEN), 0);

	/* The guest's buffer is overwritten by the IN data. */
	total = exits = 0;
	while (total < STR_LEN) {
		ASSERT_EQ(guest_run(&self->g, 0), 0);
		ASSERT_EXIT(run, KVM_EXIT_IO);
		ASSERT_EQ(run->io.direction, KVM_EXIT_IO_IN);
		ASSERT_EQ(run->io.port, 0x41);
		ASSERT_EQ(run->io.size, 1);
		ASSERT_GE(run->io.count, 1);
		ASSERT_LE(total + run->io.count, STR_LEN);
		for (i = 0; i < run->io.count; i++)
			((uint8_t *)guest_io_data(run))[i] = str_pattern(total + i, 0x55);
		total += run->io.count;
		exits++;
	}
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(run, KVM_EXIT_HLT);
	EXPECT_GE(exits, 2);
	for (i = 0; i < STR_LEN; i++)
		if (buf[i] != str_pattern(i, 0x55))
			break;
	EXPECT_EQ(i, STR_LEN) TH_LOG("byte %u: %#x", i, buf[i]);
	EXPECT_EQ(buf[STR_LEN], 0xee);

	ASSERT_EQ(guest_get_regs(&self->g, 0, &regs), 0);
	EXPECT_EQ(regs.r8, STR_BUF + STR_LEN);
	EXPECT_EQ(regs.r9, 0);
	EXPECT_EQ(regs.rdi, STR_BUF + STR_LEN);
	EXPECT_EQ(regs.rcx, 0);
}

/*
 * MMIO at G_MMIO (no memslot): every MOV form a compiler emits, in this
 * order. Reads are stored by the guest at G_DATA + 8 * k with RBX preset
 * to 0x1111111111111111, so partial-register merges and zero/sign
 * extension are visible.
 */
GUEST_CODE(mmio_guest, ".code64",
	"mov $0xc0000000, %esi\n"
	"mov $0x100000, %edi\n"
	"movabs $0x1122334455667788, %rax\n"
	/* register -> memory */
	"mov %al, (%rsi)\n"
	"mov %ax, 2(%rsi)\n"
	"mov %eax, 4(%rsi)\n"
	"mov %rax, 8(%rsi)\n"
	/* immediate -> memory */
	"movb $0xa5, 16(%rsi)\n"
	"movw $0xa5b6, 18(%rsi)\n"
	"movl $0xa5b6c7d8, 20(%rsi)\n"
	"movq $-2, 24(%rsi)\n"
	/* REX registers and a SIB address */
	"movabs $0x0102030405060708, %r9\n"
	"mov $3, %ecx\n"
	"mov %r9, 8(%rsi,%rcx,8)\n"	/* 32(%rsi) */
	"mov %r9w, 40(%rsi)\n"
	/* memory -> register */
	"movabs $0x1111111111111111, %r15\n"
	"mov %r15, %rbx\n"
	"mov 48(%rsi), %bl\n"
	"mov %rbx, 0(%rdi)\n"
	"mov %r15, %rbx\n"
	"mov 50(%rsi), %bx\n"
	"mov %rbx, 8(%rdi)\n"
	"mov %r15, %rbx\n"
	"mov 52(%rsi), %ebx\n"
	"mov %rbx, 16(%rdi)\n"
	"mov %r15, %rbx\n"
	"mov 56(%rsi), %rbx\n"
	"mov %rbx, 24(%rdi)\n"
	"mov %r15, %r12\n"
	"mov 64(%rsi,%rcx,8), %r12d\n"	/* 88(%rsi) */
	"mov %r12, 32(%rdi)\n"
	/* movzx / movsx */
	"mov %r15, %rbx\n"
	"movzbl 96(%rsi), %ebx\n"
	"mov %rbx, 40(%rdi)\n"
	"mov %r15, %rbx\n"
	"movzwl 98(%rsi), %ebx\n"
	"mov %rbx, 48(%rdi)\n"
	"mov %r15, %rbx\n"
	"movzbq 100(%rsi), %rbx\n"
	"mov %rbx, 56(%rdi)\n"
	"mov %r15, %rbx\n"
	"movzwq 102(%rsi), %rbx\n"
	"mov %rbx, 64(%rdi)\n"
	"mov %r15, %rbx\n"
	"movsbl 104(%rsi), %ebx\n"
	"mov %rbx, 72(%rdi)\n"
	"mov %r15, %rbx\n"
	"movswl 106(%rsi), %ebx\n"
	"mov %rbx, 80(%rdi)\n"
	"mov %r15, %rbx\n"
	"movsbq 108(%rsi), %rbx\n"
	"mov %rbx, 88(%rdi)\n"
	"mov %r15, %rbx\n"
	"movswq 110(%rsi), %rbx\n"
	"mov %rbx, 96(%rdi)\n"
	"mov %r15, %rbx\n"
	"movslq 112(%rsi), %rbx\n"
	"mov %rbx, 104(%rdi)\n"
	"mov %r15, %rbx\n"
	"movsbw 116(%rsi), %bx\n"
	"mov %rbx, 112(%rdi)\n"
	"hlt\n");

struct mmio_op {
	int write;
	unsigned int len;
	uint64_t off;		/* from G_MMIO */
	uint64_t data;		/* written by the guest, or supplied for a read */
};

static const struct mmio_op mmio_ops[] = {
	{ 1, 1, 0, 0x88 },
	{ 1, 2, 2, 0x7788 },
	{ 1, 4, 4, 0x55667788 },
	{ 1, 8, 8, 0x1122334455667788ULL },
	{ 1, 1, 16, 0xa5 },
	{ 1, 2, 18, 0xa5b6 },
	{ 1, 4, 20, 0xa5b6c7d8 },
	{ 1, 8, 24, 0xfffffffffffffffeULL },
	{ 1, 8, 32, 0x0102030405060708ULL },
	{ 1, 2, 40, 0x0708 },
	{ 0, 1, 48, 0x81 },
	{ 0, 2, 50, 0x8182 },
	{ 0, 4, 52, 0x81828384 },
	{ 0, 8, 56, 0x8182838485868788ULL },
	{ 0, 4, 88, 0x91929394 },
	{ 0, 1, 96, 0x80 },
	{ 0, 2, 98, 0x8001 },
	{ 0, 1, 100, 0x80 },
	{ 0, 2, 102, 0x8001 },
	{ 0, 1, 104, 0x80 },
	{ 0, 2, 106, 0x8001 },
	{ 0, 1, 108, 0x80 },
	{ 0, 2, 110, 0x8001 },
	{ 0, 4, 112, 0x80000001 },
	{ 0, 1, 116, 0xfe },
};

/* What the guest stored at G_DATA + 8 * k for the reads above. */
static const uint64_t mmio_results[] = {
	0x1111111111111181ULL,	/* mov m8, r8: merges */
	0x1111111111118182ULL,	/* mov m16, r16: merges */
	0x0000000081828384ULL,	/* mov m32, r32: zero-extends */
	0x8182838485868788ULL,	/* mov m64, r64 */
	0x0000000091929394ULL,	/* mov m32, r12d (REX, SIB) */
	0x80, 0x8001, 0x80, 0x8001,	/* movzx */
	0x00000000ffffff80ULL,	/* movsbl */
	0x00000000ffff8001ULL,	/* movswl */
	0xffffffffffffff80ULL,	/* movsbq */
	0xffffffffffff8001ULL,	/* movswq */
	0xffffffff80000001ULL,	/* movslq */
	0x111111111111fffeULL,	/* movsbw: merges 16 bits */
};

TEST_F(g, mmio_mov_forms)
{
	uint64_t *res;
	struct kvm_run *run;
	unsigned int i;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, mmio_guest, mmio_guest_end), 0);
	run = self->g.vcpu[0].run;
	res = guest_ptr(&self->g, G_DATA);

	for (i = 0; i < ARRAY_SIZE(mmio_ops); i++) {
		const struct mmio_op *op = &mmio_ops[i];

		ASSERT_EQ(guest_run(&self->g, 0), 0);
		ASSERT_TRUE(run->exit_reason == KVM_EXIT_MMIO &&
			    run->mmio.is_write == op->write &&
			    run->mmio.phys_addr == G_MMIO + op->off &&
			    run->mmio.len == op->len)
			TH_LOG("op %u: %s; want %s gpa %#llx len %u", i,
			       guest_exit_str(run), op->write ? "write" : "read",
			       (unsigned long long)(G_MMIO + op->off), op->len);
		if (op->write) {
			EXPECT_EQ(memcmp(run->mmio.data, &op->data, op->len), 0)
				TH_LOG("op %u: wrote %#llx, want %#llx", i,
				       *(unsigned long long *)run->mmio.data,
				       (unsigned long long)op->data);
		} else {
			memcpy(run->mmio.data, &op->data, op->len);
		}
	}
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(run, KVM_EXIT_HLT);
	for (i = 0; i < ARRAY_SIZE(mmio_results); i++)
		EXPECT_EQ(res[i], mmio_results[i]) TH_LOG("read result %u", i);
}

/*
 * A KVM_MEM_READONLY slot: reads are plain memory (no exit), writes exit
 * as MMIO writes and leave the memory as it was.
 */
#define RO_GPA		0x80000000UL
GUEST_CODE(ro_guest, ".code64",
	"mov $0x80000000, %esi\n"
	"mov (%rsi), %rax\n"
	"mov %rax, 0x100000\n"
	"mov 0x1ff8(%rsi), %rax\n"	/* second page */
	"mov %rax, 0x100008\n"
	"movl $0xdeadbeef, 8(%rsi)\n"
	"mov %rbx, 0x1000(%rsi)\n"
	"mov 8(%rsi), %rax\n"
	"mov %rax, 0x100010\n"
	"mov 0x1000(%rsi), %rax\n"
	"mov %rax, 0x100018\n"
	"hlt\n");

TEST_F(g, readonly_slot)
{
	uint64_t *ro, *res;
	struct kvm_run *run;
	struct kvm_regs regs;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, ro_guest, ro_guest_end), 0);
	ASSERT_EQ(okvm_ioctl(self->g.kvm, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM), 1);
	run = self->g.vcpu[0].run;
	res = guest_ptr(&self->g, G_DATA);
	ro = mmap(NULL, 0x2000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(ro, MAP_FAILED);
	ro[0] = 0x0123456789abcdefULL;
	ro[1] = 0x1010101010101010ULL;
	ro[0x200] = 0x2020202020202020ULL;
	ro[0x3ff] = 0xfedcba9876543210ULL;
	ASSERT_EQ(guest_set_slot(&self->g, 1, KVM_MEM_READONLY, RO_GPA, 0x2000, ro), 0);
	ASSERT_EQ(guest_get_regs(&self->g, 0, &regs), 0);
	regs.rbx = 0x5a5a5a5a5a5a5a5aULL;
	ASSERT_EQ(guest_set_regs(&self->g, 0, &regs), 0);

	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_MMIO_EXIT(run, 1, RO_GPA + 8, 4);
	EXPECT_EQ(*(uint32_t *)run->mmio.data, 0xdeadbeef);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_MMIO_EXIT(run, 1, RO_GPA + 0x1000, 8);
	EXPECT_EQ(*(uint64_t *)run->mmio.data, 0x5a5a5a5a5a5a5a5aULL);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(run, KVM_EXIT_HLT);

	EXPECT_EQ(res[0], 0x0123456789abcdefULL);
	EXPECT_EQ(res[1], 0xfedcba9876543210ULL);
	EXPECT_EQ(res[2], 0x1010101010101010ULL);
	EXPECT_EQ(res[3], 0x2020202020202020ULL);
	EXPECT_EQ(ro[1], 0x1010101010101010ULL);
	EXPECT_EQ(ro[0x200], 0x2020202020202020ULL);
	munmap(ro, 0x2000);
}

/*
 * An instruction okvm's MMIO emulator does not take (a read-modify-write
 * ALU op) hits MMIO. KVM emulates it: a 4-byte read, then a 4-byte write
 * of the sum. okvm may instead stop with KVM_EXIT_INTERNAL_ERROR
 * (emulation suberror) with the instruction not retired. Either outcome is
 * checked exactly; anything else fails.
 */
GUEST_CODE(rmw_guest, ".code64",
	"mov $0xc0000000, %esi\n"
	"rmw_insn:\n"
	"addl $5, 0x40(%rsi)\n"
	"hlt\n");
extern const uint8_t rmw_insn[];

TEST_F(g, mmio_unsupported_form)
{
	struct kvm_run *run;
	struct kvm_regs regs;
	uint32_t v = 0x10;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, rmw_guest, rmw_guest_end), 0);
	run = self->g.vcpu[0].run;
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR) {
		EXPECT_EQ(run->internal.suberror, KVM_INTERNAL_ERROR_EMULATION);
		ASSERT_EQ(guest_get_regs(&self->g, 0, &regs), 0);
		EXPECT_EQ(regs.rip, G_CODE + (rmw_insn - rmw_guest));
		EXPECT_EQ(regs.rsi, G_MMIO);
		return;
	}
	/* The emulated path (in-tree KVM). */
	ASSERT_MMIO_EXIT(run, 0, G_MMIO + 0x40, 4);
	memcpy(run->mmio.data, &v, 4);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_MMIO_EXIT(run, 1, G_MMIO + 0x40, 4);
	EXPECT_EQ(*(uint32_t *)run->mmio.data, 0x15);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(run, KVM_EXIT_HLT);
	ASSERT_EQ(guest_get_regs(&self->g, 0, &regs), 0);
	EXPECT_EQ(regs.rip, G_CODE + (rmw_guest_end - rmw_guest));
	/* 0x10 + 5: no carry, half-carry, zero, sign or overflow; 0x15 has odd parity (PF clear). */
	EXPECT_EQ(regs.rflags & 0x8d5, 0);
}

/*
 * String stores to MMIO, as a VGA option ROM clears the screen: one
 * KVM_EXIT_MMIO per element. Each store has retired at its exit, so RDI,
 * RSI and RCX have moved already; a REP instruction keeps RIP on itself
 * until the last element, whose exit shows RIP past it.
 */
GUEST_CODE(mmio_str_guest, ".code64",
	"cld\n"
	"mov $0xc0000000, %edi\n"
	"mov $0x0741, %eax\n"
	"mov $3, %ecx\n"
	"str_stosw: rep stosw\n"
	"str_stosw_next: mov $0x100000, %esi\n"
	"movl $0x44332211, (%rsi)\n"
	"mov $0xc0000100, %edi\n"
	"mov $4, %ecx\n"
	"str_movsb: rep movsb\n"
	"str_end: hlt\n");
extern const uint8_t str_stosw[], str_stosw_next[], str_movsb[], str_end[];


TEST_F(g, mmio_rep_string)
{
	struct kvm_run *run;
	struct kvm_regs regs;
	unsigned int i;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG,
			     mmio_str_guest, mmio_str_guest_end), 0);
	run = self->g.vcpu[0].run;

	for (i = 0; i < 3; i++) {
		ASSERT_EQ(guest_run(&self->g, 0), 0);
		ASSERT_MMIO_EXIT(run, 1, G_MMIO + 2 * i, 2);
		EXPECT_EQ(*(uint16_t *)run->mmio.data, 0x0741);
		ASSERT_EQ(guest_get_regs(&self->g, 0, &regs), 0);
		EXPECT_EQ(regs.rdi, G_MMIO + 2 * i + 2);
		EXPECT_EQ(regs.rcx, 2 - i);
		/* RIP stays on the instruction, also at the last element. */
		EXPECT_EQ(regs.rip, guest_code_gpa(mmio_str_guest, str_stosw));
	}
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(guest_run(&self->g, 0), 0);
		ASSERT_MMIO_EXIT(run, 1, G_MMIO + 0x100 + i, 1);
		EXPECT_EQ(run->mmio.data[0], 0x11 * (i + 1));
		ASSERT_EQ(guest_get_regs(&self->g, 0, &regs), 0);
		EXPECT_EQ(regs.rsi, G_DATA + i + 1);
		EXPECT_EQ(regs.rdi, G_MMIO + 0x100 + i + 1);
		EXPECT_EQ(regs.rcx, 3 - i);
		EXPECT_EQ(regs.rip, guest_code_gpa(mmio_str_guest, str_movsb));
	}
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(run, KVM_EXIT_HLT);
	ASSERT_EQ(guest_get_regs(&self->g, 0, &regs), 0);
	EXPECT_EQ(regs.rdi, G_MMIO + 0x104);
	EXPECT_EQ(regs.rsi, G_DATA + 4);
	EXPECT_EQ(regs.rcx, 0);
	EXPECT_EQ(regs.rip, G_CODE + (mmio_str_guest_end - mmio_str_guest));
}

/*
 * A REP STOS into a coalesced zone, as QEMU's VGA window: every element
 * goes to the ring and the guest does not exit for each (KVM's emulator
 * restarts the instruction in the kernel; okvm goes on while the elements
 * stay on one page). 120 words from 64 bytes before a page boundary: the
 * ring holds them in order, the registers end where the instruction ends,
 * and only a few exits happen (120 before okvm continued in the kernel).
 */
GUEST_CODE(mmio_str_coalesced_guest, ".code64",
	"out %al, $0x10\n"
	"cld\n"
	"mov $0xc0000fc0, %edi\n"
	"mov $0x5aa5, %eax\n"
	"mov $120, %ecx\n"
	"rep stosw\n"
	"hlt\n");

TEST_F(g, mmio_rep_string_coalesced)
{
	struct kvm_coalesced_mmio_zone zone = {
		.addr = G_MMIO, .size = 0x2000,
	};
	struct kvm_coalesced_mmio_ring *ring;
	struct kvm_regs regs;
	struct kvm_run *run;
	int64_t exits;
	unsigned int i;
	int stats, off;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG,
			     mmio_str_coalesced_guest,
			     mmio_str_coalesced_guest_end), 0);
	run = self->g.vcpu[0].run;
	/* The ring's page in the vCPU mapping, as the capability says. */
	off = ioctl(self->g.kvm, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_MMIO);
	ASSERT_GT(off, 0);
	ASSERT_GE(self->g.run_size, (off + 1) * getpagesize());
	ring = (void *)((char *)run + off * getpagesize());
	ASSERT_EQ(ioctl(self->g.vm, KVM_REGISTER_COALESCED_MMIO, &zone), 0);
	stats = ioctl(self->g.vcpu[0].fd, KVM_GET_STATS_FD, 0);
	ASSERT_GE(stats, 0);
	/* Counted from an exit after the code page is mapped. */
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x10, 1, 1);
	exits = guest_stat(stats, "exits");

	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(run, KVM_EXIT_HLT);
	EXPECT_LE(guest_stat(stats, "exits") - exits, 4);
	ASSERT_EQ(guest_get_regs(&self->g, 0, &regs), 0);
	EXPECT_EQ(regs.rdi, G_MMIO + 0xfc0 + 240);
	EXPECT_EQ(regs.rcx, 0);
	ASSERT_EQ(ring->last - ring->first, 120);
	for (i = 0; i < 120; i++) {
		struct kvm_coalesced_mmio *e = &ring->coalesced_mmio[ring->first + i];

		EXPECT_EQ(e->phys_addr, G_MMIO + 0xfc0 + 2 * i);
		EXPECT_EQ(e->len, 2);
		EXPECT_EQ(*(uint16_t *)e->data, 0x5aa5);
	}
	close(stats);
}

TEST_HARNESS_MAIN
