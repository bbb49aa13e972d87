// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guests in real, protected and long mode; register state round trips
 * (KVM_GET/SET_REGS, _SREGS, _MSRS) between userspace and the guest;
 * CPUID from the KVM_SET_CPUID2 table; HLT, triple fault (SHUTDOWN) and
 * the errors for invalid register state.
 */
#include "kselftest_harness.h"
#include "lib/guest.h"
#include "lib/guest_fixture.h"


/* Real mode: 16-bit arithmetic, segment:offset addressing, 16-bit OUT. */
GUEST_CODE(real_guest, ".code16",
	"mov $0x2000, %ax\n"
	"mov %ax, %ds\n"
	"movw $0xbeef, 0x10\n"		/* DS:0x10 = GPA 0x20010 */
	"xor %ax, %ax\n"
	"mov %ax, %ds\n"
	"mov $0x1234, %ax\n"
	"out %ax, $0x10\n"
	"mov $0x0002, %bx\n"
	"add %bx, %ax\n"
	"out %ax, $0x10\n"
	"shl $4, %ax\n"			/* 0x2360 */
	"out %ax, $0x10\n"
	"mov $0x5678, %cx\n"
	"mov %cx, 0x8000\n"		/* GPA 0x8000 */
	"push %cx\n"			/* SS:SP = 0:0xf000 - 2 */
	"hlt\n");

TEST_F(g, real_mode)
{
	struct kvm_sregs sregs;
	int i;
	struct kvm_regs regs;
	struct kvm_run *run;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_REAL, real_guest, real_guest_end), 0);
	run = self->g.vcpu[0].run;
	for (i = 0; i < 3; i++) {
		static const uint16_t want[] = { 0x1234, 0x1236, 0x2360 };

		ASSERT_EQ(guest_run(&self->g, 0), 0);
		ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x10, 2, 1);
		EXPECT_EQ(*(uint16_t *)guest_io_data(run), want[i]) TH_LOG("OUT %d", i);
	}
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(run, KVM_EXIT_HLT);

	ASSERT_EQ(guest_get_regs(&self->g, 0, &regs), 0);
	EXPECT_EQ(regs.rax, 0x2360);
	EXPECT_EQ(regs.rcx, 0x5678);
	EXPECT_EQ(regs.rsp, G_STACK16 - 2);
	EXPECT_EQ(regs.rip, real_guest_end - real_guest);	/* IP, from CS = 0x1000 */
	EXPECT_EQ(*(uint16_t *)guest_ptr(&self->g, 0x20010), 0xbeef);
	EXPECT_EQ(*(uint16_t *)guest_ptr(&self->g, 0x8000), 0x5678);
	EXPECT_EQ(*(uint16_t *)guest_ptr(&self->g, G_STACK16 - 2), 0x5678);
	ASSERT_EQ(guest_get_sregs(&self->g, 0, &sregs), 0);
	EXPECT_EQ(sregs.cr0 & 1, 0);
	EXPECT_EQ(sregs.cs.selector, G_CODE >> 4);
	EXPECT_EQ(sregs.cs.base, G_CODE);
	EXPECT_EQ(sregs.ds.selector, 0);
	EXPECT_EQ(sregs.ds.base, 0);
}

/* 32-bit protected mode without paging. */
GUEST_CODE(prot_guest, ".code32",
	"mov $0x89abcdef, %eax\n"
	"mov $0x11111111, %ebx\n"
	"add %ebx, %eax\n"		/* 0x9abcdf00 */
	"out %eax, $0x10\n"
	"movl $0xfeedface, 0x100000\n"
	"mov $0x1000, %ax\n"		/* a 16-bit operand in a 32-bit segment */
	"hlt\n");

TEST_F(g, protected_mode)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_PROT32, prot_guest, prot_guest_end), 0);
	run = self->g.vcpu[0].run;
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x10, 4, 1);
	EXPECT_EQ(guest_out32(run), 0x9abcdf00);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(run, KVM_EXIT_HLT);
	ASSERT_EQ(guest_get_regs(&self->g, 0, &regs), 0);
	EXPECT_EQ(regs.rax, 0x9abc1000);
	EXPECT_EQ(regs.rip, G_CODE + (prot_guest_end - prot_guest));
	EXPECT_EQ(*(uint32_t *)guest_ptr(&self->g, G_DATA), 0xfeedface);
	ASSERT_EQ(guest_get_sregs(&self->g, 0, &sregs), 0);
	EXPECT_EQ(sregs.cr0 & 0x80000001, 1);
	EXPECT_EQ(sregs.efer & 0x500, 0);
	EXPECT_EQ(sregs.cs.selector, SEL_CODE32);
}

/* 64-bit mode: 64-bit arithmetic and stores, paging on. */
GUEST_CODE(long_guest, ".code64",
	"movabs $0x123456789abcdef0, %rax\n"
	"shl $4, %rax\n"		/* 0x23456789abcdef00 */
	"mov %rax, 0x100000\n"
	"push %rax\n"
	"out %eax, $0x10\n"
	"mov %cr3, %rbx\n"
	"hlt\n");

TEST_F(g, long_mode)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, long_guest, long_guest_end), 0);
	run = self->g.vcpu[0].run;
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x10, 4, 1);
	EXPECT_EQ(guest_out32(run), 0xabcdef00);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(run, KVM_EXIT_HLT);
	ASSERT_EQ(guest_get_regs(&self->g, 0, &regs), 0);
	EXPECT_EQ(regs.rax, 0x23456789abcdef00ULL);
	EXPECT_EQ(regs.rbx, G_PML4);
	EXPECT_EQ(regs.rsp, G_STACK - 8);
	EXPECT_EQ(regs.rip, G_CODE + (long_guest_end - long_guest));
	EXPECT_EQ(*(uint64_t *)guest_ptr(&self->g, G_DATA), 0x23456789abcdef00ULL);
	EXPECT_EQ(*(uint64_t *)guest_ptr(&self->g, G_STACK - 8), 0x23456789abcdef00ULL);
	ASSERT_EQ(guest_get_sregs(&self->g, 0, &sregs), 0);
	EXPECT_EQ(sregs.efer & 0x500, 0x500);
	EXPECT_EQ(sregs.cs.l, 1);
}

/* Every GPR and RFLAGS through KVM_SET_REGS, the guest, KVM_GET_REGS. */
GUEST_CODE(regs_guest, ".code64",
	"xchg %rax, %rbx\n"
	"lea (%r15,%r8), %r15\n"	/* LEA and NOT leave RFLAGS alone */
	"not %rdx\n"
	"hlt\n");

TEST_F(g, regs_round_trip)
{
	struct kvm_regs set, got;
	__u64 *r;
	unsigned int i;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, regs_guest, regs_guest_end), 0);
	memset(&set, 0, sizeof(set));
	/* 16 GPRs (rax..r15 in struct order) with distinct 64-bit values. */
	r = &set.rax;
	for (i = 0; i < 16; i++)
		r[i] = 0x0101010101010101ULL * (i + 1) ^ 0x8000000000000000ULL;
	set.rsp = G_STACK - 0x100;
	set.rip = G_CODE;
	/* CF, reserved 1, PF, AF, ZF, SF, OF; IF, TF and DF clear. */
	set.rflags = 0x8d7;
	ASSERT_EQ(guest_set_regs(&self->g, 0, &set), 0);
	ASSERT_EQ(guest_get_regs(&self->g, 0, &got), 0);
	EXPECT_EQ(memcmp(&set, &got, sizeof(set)), 0);

	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(self->g.vcpu[0].run, KVM_EXIT_HLT);
	ASSERT_EQ(guest_get_regs(&self->g, 0, &got), 0);
	EXPECT_EQ(got.rax, set.rbx);
	EXPECT_EQ(got.rbx, set.rax);
	EXPECT_EQ(got.rcx, set.rcx);
	EXPECT_EQ(got.rdx, ~set.rdx);
	EXPECT_EQ(got.rsi, set.rsi);
	EXPECT_EQ(got.rdi, set.rdi);
	EXPECT_EQ(got.rsp, set.rsp);
	EXPECT_EQ(got.rbp, set.rbp);
	EXPECT_EQ(got.r8, set.r8);
	EXPECT_EQ(got.r9, set.r9);
	EXPECT_EQ(got.r10, set.r10);
	EXPECT_EQ(got.r11, set.r11);
	EXPECT_EQ(got.r12, set.r12);
	EXPECT_EQ(got.r13, set.r13);
	EXPECT_EQ(got.r14, set.r14);
	EXPECT_EQ(got.r15, set.r15 + set.r8);
	EXPECT_EQ(got.rflags, 0x8d7);
	EXPECT_EQ(got.rip, G_CODE + (regs_guest_end - regs_guest));
}

/*
 * KVM_SET_SREGS -> KVM_GET_SREGS returns what was set; the guest sees the
 * same control registers and descriptor tables; a CR4 and a segment
 * change made by the guest is what KVM_GET_SREGS reports afterwards.
 */
GUEST_CODE(sregs_guest, ".code64",
	"mov %cr0, %rax\n"
	"mov %rax, 0x100000\n"
	"mov %cr3, %rax\n"
	"mov %rax, 0x100008\n"
	"mov %cr4, %rax\n"
	"mov %rax, 0x100010\n"
	"sgdt 0x100018\n"		/* 10 bytes */
	"sidt 0x100028\n"
	"mov %fs, %ax\n"
	"mov %ax, 0x100038\n"
	"mov %cr4, %rax\n"
	"or $0x80, %rax\n"		/* CR4.PGE */
	"mov %rax, %cr4\n"
	"mov $0x10, %ax\n"
	"mov %ax, %fs\n"		/* reload FS from the GDT */
	"hlt\n");

TEST_F(g, sregs_round_trip)
{
	struct kvm_sregs set, got;
	uint8_t *d;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, sregs_guest, sregs_guest_end), 0);
	ASSERT_EQ(guest_get_sregs(&self->g, 0, &set), 0);
	set.idt.base = 0x8000;
	set.idt.limit = 0xfff;
	set.fs.base = 0x7f0000001000ULL;	/* base not from the GDT */
	set.fs.selector = 0;
	set.gs.base = 0xffff880000002000ULL;
	set.cr4 |= 1UL << 3;			/* DE */
	ASSERT_EQ(guest_set_sregs(&self->g, 0, &set), 0);
	ASSERT_EQ(guest_get_sregs(&self->g, 0, &got), 0);
#define SAME(f) EXPECT_EQ(got.f, set.f)
	SAME(cr0);
	SAME(cr3);
	SAME(cr4);
	SAME(efer);
	SAME(gdt.base);
	SAME(gdt.limit);
	SAME(idt.base);
	SAME(idt.limit);
	SAME(cs.base);
	SAME(cs.limit);
	SAME(cs.selector);
	SAME(cs.type);
	SAME(cs.present);
	SAME(cs.dpl);
	SAME(cs.db);
	SAME(cs.s);
	SAME(cs.l);
	SAME(cs.g);
	SAME(ss.selector);
	SAME(ss.type);
	SAME(ss.db);
	SAME(ds.selector);
	SAME(fs.base);
	SAME(fs.selector);
	SAME(gs.base);
	SAME(tr.base);
	SAME(tr.limit);
	SAME(tr.selector);
	SAME(tr.type);
	SAME(tr.present);
#undef SAME

	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(self->g.vcpu[0].run, KVM_EXIT_HLT);
	d = guest_ptr(&self->g, G_DATA);
	EXPECT_EQ(*(uint64_t *)d, set.cr0);
	EXPECT_EQ(*(uint64_t *)(d + 8), set.cr3);
	EXPECT_EQ(*(uint64_t *)(d + 16), set.cr4);
	EXPECT_EQ(*(uint16_t *)(d + 0x18), set.gdt.limit);
	EXPECT_EQ(*(uint64_t *)(d + 0x1a), set.gdt.base);
	EXPECT_EQ(*(uint16_t *)(d + 0x28), set.idt.limit);
	EXPECT_EQ(*(uint64_t *)(d + 0x2a), set.idt.base);
	EXPECT_EQ(*(uint16_t *)(d + 0x38), 0);

	ASSERT_EQ(guest_get_sregs(&self->g, 0, &got), 0);
	EXPECT_EQ(got.cr4, set.cr4 | 0x80);
	EXPECT_EQ(got.fs.selector, SEL_DATA);
	EXPECT_EQ(got.fs.base, 0);
	EXPECT_EQ(got.fs.present, 1);
	EXPECT_EQ(got.gs.base, set.gs.base);
}

/* Register states KVM refuses in KVM_SET_SREGS, each with -EINVAL. */
TEST_F(g, invalid_sregs)
{
	struct kvm_sregs good, s;
	struct {
		const char *what;
		uint64_t cr0_set, cr0_clr, cr4_set, cr4_clr, efer_set, efer_clr;
		int cs_l;	/* -1: keep */
	} cases[] = {
		{ "long mode without CR4.PAE", 0, 0, 0, 1UL << 5, 0, 0, -1 },
		{ "EFER.LME+CR0.PG without EFER.LMA", 0, 0, 0, 0, 0, 1UL << 10, -1 },
		{ "EFER.LMA without paging", 0, 1UL << 31, 0, 0, 0, 0, -1 },
		{ "CR0.PG without CR0.PE", 0, 1, 0, 0, 0, 0, -1 },
		{ "CR0.NW without CR0.CD", 1UL << 29, 0, 0, 0, 0, 0, -1 },
		{ "CR0 bit 32", 1ULL << 32, 0, 0, 0, 0, 0, -1 },
		{ "CR4 bit 63", 0, 0, 1ULL << 63, 0, 0, 0, -1 },
	};
	unsigned int i;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, long_guest, long_guest_end), 0);
	ASSERT_EQ(guest_get_sregs(&self->g, 0, &good), 0);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		s = good;
		s.cr0 = (s.cr0 | cases[i].cr0_set) & ~cases[i].cr0_clr;
		s.cr4 = (s.cr4 | cases[i].cr4_set) & ~cases[i].cr4_clr;
		s.efer = (s.efer | cases[i].efer_set) & ~cases[i].efer_clr;
		EXPECT_EQ(guest_set_sregs(&self->g, 0, &s), -EINVAL)
			TH_LOG("case '%s'", cases[i].what);
	}
	/* A 64-bit code segment outside long mode. */
	ASSERT_EQ(guest_set_mode(&self->g, 0, GUEST_PROT32, G_CODE), 0);
	ASSERT_EQ(guest_get_sregs(&self->g, 0, &s), 0);
	s.cs.l = 1;
	EXPECT_EQ(guest_set_sregs(&self->g, 0, &s), -EINVAL);
	/* Nothing above took effect: the guest still runs the 32-bit state. */
	ASSERT_EQ(guest_get_sregs(&self->g, 0, &s), 0);
	EXPECT_EQ(s.cs.l, 0);
	EXPECT_EQ(s.cr0 & 0x80000001, 1);
}

/*
 * A state KVM_SET_SREGS accepts but VMRUN refuses (AMD APM "canonicalization
 * and consistency checks": EFER.LME, CR0.PG, CR4.PAE, CS.L and CS.D all
 * set): KVM_RUN reports KVM_EXIT_FAIL_ENTRY.
 */
TEST_F(g, fail_entry)
{
	struct kvm_sregs s;
	struct kvm_run *run;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, long_guest, long_guest_end), 0);
	run = self->g.vcpu[0].run;
	ASSERT_EQ(guest_get_sregs(&self->g, 0, &s), 0);
	s.cs.db = 1;
	ASSERT_EQ(guest_set_sregs(&self->g, 0, &s), 0);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(run, KVM_EXIT_FAIL_ENTRY);
	/* SVM's VMEXIT_INVALID: exit code -1 in KVM's 32-bit exit_code. */
	EXPECT_EQ(run->fail_entry.hardware_entry_failure_reason, 0xffffffffULL);
}

/* No IDT: #UD cannot be delivered, nor #DF: a triple fault. */
GUEST_CODE(shutdown_guest, ".code64",
	"mov $0x42, %eax\n"
	"out %eax, $0x10\n"
	"ud2\n"
	"hlt\n");

TEST_F(g, triple_fault_shutdown)
{
	struct kvm_sregs s;
	struct kvm_run *run;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, shutdown_guest,
			     shutdown_guest_end), 0);
	run = self->g.vcpu[0].run;
	ASSERT_EQ(guest_get_sregs(&self->g, 0, &s), 0);
	s.idt.base = 0;
	s.idt.limit = 0;
	ASSERT_EQ(guest_set_sregs(&self->g, 0, &s), 0);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x10, 4, 1);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(run, KVM_EXIT_SHUTDOWN);
}

/* CPUID answers come from the table given with KVM_SET_CPUID2. */
GUEST_CODE(cpuid_guest, ".code64",
	"mov $0x100000, %edi\n"		/* leaves to query, 0-terminated list... */
	"mov $0x101000, %esi\n"		/* ...results, 16 bytes each */
	"1: mov (%rdi), %eax\n"
	"cmp $0xffffffff, %eax\n"
	"je 2f\n"
	"xor %ecx, %ecx\n"
	"cpuid\n"
	"mov %eax, (%rsi)\n"
	"mov %ebx, 4(%rsi)\n"
	"mov %ecx, 8(%rsi)\n"
	"mov %edx, 12(%rsi)\n"
	"add $4, %rdi\n"
	"add $16, %rsi\n"
	"jmp 1b\n"
	"2: hlt\n");

static struct kvm_cpuid_entry2 *cpuid_entry(struct kvm_cpuid2 *c, uint32_t fn)
{
	unsigned int i;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn && c->entries[i].index == 0)
			return &c->entries[i];
	c->entries[c->nent] = (struct kvm_cpuid_entry2) { .function = fn };
	return &c->entries[c->nent++];
}

TEST_F(g, cpuid_from_table)
{
	static const uint32_t leaves[] = { 0, 1, 0x40000000, 0x40000001, 0x80000000 };
	struct kvm_cpuid_entry2 *e, want[ARRAY_SIZE(leaves)];
	uint32_t *q, *res;
	unsigned int i;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, cpuid_guest,
			     cpuid_guest_end), 0);
	/* A hypervisor leaf of our own, replacing KVM's signature. */
	ASSERT_LT(self->g.cpuid->nent + 2, 256);
	e = cpuid_entry(self->g.cpuid, 0x40000000);
	e->eax = 0x40000001;
	memcpy(&e->ebx, "okvm", 4);
	memcpy(&e->ecx, "test", 4);
	memcpy(&e->edx, "leaf", 4);
	e = cpuid_entry(self->g.cpuid, 0x40000001);
	e->eax = 0x12345678;
	e->ebx = 0x9abcdef0;
	e->ecx = 0x0f0f0f0f;
	e->edx = 0xf0f0f0f0;
	ASSERT_EQ(okvm_ioctl(self->g.vcpu[0].fd, KVM_SET_CPUID2, self->g.cpuid), 0);
	for (i = 0; i < ARRAY_SIZE(leaves); i++)
		want[i] = *cpuid_entry(self->g.cpuid, leaves[i]);

	q = guest_ptr(&self->g, G_DATA);
	for (i = 0; i < ARRAY_SIZE(leaves); i++)
		q[i] = leaves[i];
	q[i] = 0xffffffff;
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(self->g.vcpu[0].run, KVM_EXIT_HLT);

	res = guest_ptr(&self->g, G_DATA + 0x1000);
	for (i = 0; i < ARRAY_SIZE(leaves); i++, res += 4) {
		EXPECT_EQ(res[0], want[i].eax) TH_LOG("leaf %#x eax", leaves[i]);
		EXPECT_EQ(res[1], want[i].ebx) TH_LOG("leaf %#x ebx", leaves[i]);
		/* Leaf 1: OSXSAVE (ECX 27) and APIC (EDX 9) follow live state. */
		if (leaves[i] == 1) {
			EXPECT_EQ(res[2] & ~(1u << 27), want[i].ecx & ~(1u << 27));
			EXPECT_EQ(res[3] & ~(1u << 9), want[i].edx & ~(1u << 9));
		} else {
			EXPECT_EQ(res[2], want[i].ecx) TH_LOG("leaf %#x ecx", leaves[i]);
			EXPECT_EQ(res[3], want[i].edx) TH_LOG("leaf %#x edx", leaves[i]);
		}
	}
}

/*
 * MSRs written by the guest are what KVM_GET_MSRS reads; values set with
 * KVM_SET_MSRS are what the guest's RDMSR (and RDTSCP, for TSC_AUX) sees.
 * The table at G_DATA: count (u32) at +0, TSC_AUX from RDTSCP at +8, then
 * 16-byte entries { index, pad, value } from +16.
 */
GUEST_CODE(msr_guest, ".code64",
	"mov 0x100000, %ebp\n"
	"mov $0x100010, %esi\n"
	"1: mov (%rsi), %ecx\n"
	"mov 8(%rsi), %eax\n"
	"mov 12(%rsi), %edx\n"
	"wrmsr\n"
	"add $16, %rsi\n"
	"dec %ebp\n"
	"jnz 1b\n"
	"out %al, $0x10\n"		/* userspace: KVM_GET_MSRS, KVM_SET_MSRS */
	"mov 0x100000, %ebp\n"
	"mov $0x100010, %esi\n"
	"2: mov (%rsi), %ecx\n"
	"rdmsr\n"
	"mov %eax, 8(%rsi)\n"
	"mov %edx, 12(%rsi)\n"
	"add $16, %rsi\n"
	"dec %ebp\n"
	"jnz 2b\n"
	"rdtscp\n"
	"mov %ecx, 0x100008\n"
	"hlt\n");

struct msr_case {
	uint32_t index;
	uint64_t by_guest, by_host;
};

static const struct msr_case msr_cases[] = {
	/* EFER: SCE and NXE on top of LME|LMA, then NXE off again. */
	{ 0xc0000080, 0xd01, 0x501 },
	{ 0xc0000081, 0x0023001012345678ULL, 0x002b00188765abcdULL },	/* STAR */
	{ 0xc0000082, 0xffffffff81001000ULL, 0x00007f0012345000ULL },	/* LSTAR */
	{ 0xc0000083, 0xffffffff81002000ULL, 0x0000000000001000ULL },	/* CSTAR */
	{ 0xc0000084, 0x47700, 0x700 },					/* SFMASK */
	{ 0xc0000100, 0x00007f1122334000ULL, 0xffff888012345000ULL },	/* FS_BASE */
	{ 0xc0000101, 0xffff888100000000ULL, 0x00007f99aabbc000ULL },	/* GS_BASE */
	{ 0xc0000102, 0x00007f5566778000ULL, 0xffff888876540000ULL },	/* KERNEL_GS_BASE */
	{ 0x174, 0x10, 0x23 },						/* SYSENTER_CS */
	/* SYSENTER_ESP/EIP: 32 bits on an AMD guest */
	{ 0x175, 0x81234560, 0x00fedcb0 },
	{ 0x176, 0x81000000, 0x00401000 },
	{ 0x277, 0x0105060704000106ULL, 0x0000000600000006ULL },		/* PAT */
	{ 0xc0000103, 0x2a, 0x12345 },					/* TSC_AUX */
};

TEST_F(g, msr_round_trip)
{
	unsigned int n = ARRAY_SIZE(msr_cases), i;
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[ARRAY_SIZE(msr_cases)];
	} msrs;
	uint8_t *d;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, msr_guest, msr_guest_end), 0);
	d = guest_ptr(&self->g, G_DATA);
	*(uint32_t *)d = n;
	for (i = 0; i < n; i++) {
		*(uint32_t *)(d + 16 + 16 * i) = msr_cases[i].index;
		*(uint64_t *)(d + 24 + 16 * i) = msr_cases[i].by_guest;
	}
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(self->g.vcpu[0].run, KVM_EXIT_IO_OUT, 0x10, 1, 1);

	memset(&msrs, 0, sizeof(msrs));
	msrs.h.nmsrs = n;
	for (i = 0; i < n; i++)
		msrs.e[i].index = msr_cases[i].index;
	ASSERT_EQ(okvm_ioctl(self->g.vcpu[0].fd, KVM_GET_MSRS, &msrs), n);
	for (i = 0; i < n; i++)
		EXPECT_EQ(msrs.e[i].data, msr_cases[i].by_guest)
			TH_LOG("MSR %#x after guest WRMSR", msr_cases[i].index);
	for (i = 0; i < n; i++)
		msrs.e[i].data = msr_cases[i].by_host;
	ASSERT_EQ(okvm_ioctl(self->g.vcpu[0].fd, KVM_SET_MSRS, &msrs), n);

	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(self->g.vcpu[0].run, KVM_EXIT_HLT);
	for (i = 0; i < n; i++)
		EXPECT_EQ(*(uint64_t *)(d + 24 + 16 * i), msr_cases[i].by_host)
			TH_LOG("MSR %#x by guest RDMSR", msr_cases[i].index);
	EXPECT_EQ(*(uint32_t *)(d + 8), 0x12345);
}

TEST_HARNESS_MAIN
