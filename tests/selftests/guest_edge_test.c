// SPDX-License-Identifier: GPL-2.0-only
/*
 * Edge cases of guest state that KVM takes and a hypervisor must survive:
 * intercepted instructions with prefixes (the exit must not assume the
 * bare opcode's length), a relocated xAPIC, a CPUID MAXPHYADDR beyond 52,
 * EFER.LMA written through KVM_SET_MSRS, and APIC timers programmed at the
 * far end of their range (a deadline past 2^63 ns must not make the host
 * timer fire in a loop). Each test states the exit sequence KVM gives.
 */
#include <time.h>

#include "kselftest_harness.h"
#include "lib/guest.h"
#include "lib/guest_fixture.h"
#include <linux/okvm.h>

#define MSR_IA32_TSC		0x10
#define MSR_EFER		0xc0000080
#define EFER_LME		(1ULL << 8)
#define EFER_LMA		(1ULL << 10)
#define CR0_PE			(1ULL << 0)
#define CR0_PG			(1ULL << 31)
#define CR4_PAE			(1ULL << 5)

static struct kvm_cpuid_entry2 *cpuid_entry(struct kvm_cpuid2 *c, uint32_t fn)
{
	uint32_t i;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn)
			return &c->entries[i];
	return NULL;
}

/* --- prefixed intercepted instructions ------------------------------------ */

/*
 * Each variant runs one intercepted instruction with prefixes, then
 * OUT AL to port 0x10 and HLT. If the hypervisor steps over a fixed
 * length (2 for CPUID), RIP lands inside the instruction and the next
 * exit is not the OUT (a stray MOV moffs, #UD, or a shutdown).
 */
FIXTURE(pfx) {
	struct guest g;
};

FIXTURE_VARIANT(pfx) {
	uint8_t len;
	uint8_t bytes[8];
	int exit_reason;	/* KVM_EXIT_HLT for HLT itself, else the OUT's */
};

FIXTURE_VARIANT_ADD(pfx, cpuid_opsize) {
	.len = 3, .bytes = { 0x66, 0x0f, 0xa2 }, .exit_reason = KVM_EXIT_IO,
};

FIXTURE_VARIANT_ADD(pfx, cpuid_two_segments) {
	.len = 4, .bytes = { 0x2e, 0x3e, 0x0f, 0xa2 }, .exit_reason = KVM_EXIT_IO,
};

FIXTURE_VARIANT_ADD(pfx, cpuid_rex_w) {
	.len = 3, .bytes = { 0x48, 0x0f, 0xa2 }, .exit_reason = KVM_EXIT_IO,
};

FIXTURE_VARIANT_ADD(pfx, rdmsr_ds) {	/* IA32_UCODE_REV, ECX = 0x8b */
	.len = 3, .bytes = { 0x3e, 0x0f, 0x32 }, .exit_reason = KVM_EXIT_IO,
};

FIXTURE_VARIANT_ADD(pfx, wrmsr_opsize_ds) {	/* guest writes are dropped */
	.len = 4, .bytes = { 0x66, 0x3e, 0x0f, 0x30 }, .exit_reason = KVM_EXIT_IO,
};

FIXTURE_VARIANT_ADD(pfx, wbinvd_ds) {
	.len = 3, .bytes = { 0x3e, 0x0f, 0x09 }, .exit_reason = KVM_EXIT_IO,
};

FIXTURE_VARIANT_ADD(pfx, vmmcall_ds) {
	.len = 4, .bytes = { 0x3e, 0x0f, 0x01, 0xd9 }, .exit_reason = KVM_EXIT_IO,
};

FIXTURE_VARIANT_ADD(pfx, hlt_ds) {
	.len = 2, .bytes = { 0x3e, 0xf4 }, .exit_reason = KVM_EXIT_HLT,
};

FIXTURE_SETUP(pfx)
{
	memset(&self->g, 0, sizeof(self->g));
	self->g.kvm = self->g.vm = -1;
}

FIXTURE_TEARDOWN(pfx)
{
	guest_destroy(&self->g);
}

TEST_F(pfx, rip_after_instruction)
{
	static const uint8_t tail[] = { 0xe6, 0x10, 0xf4 };	/* out %al,$0x10; hlt */
	uint64_t next = G_CODE + variant->len;
	struct kvm_regs regs;
	struct kvm_run *run;

	ASSERT_EQ(guest_create(&self->g, G_MEM_DEFAULT), 0);
	ASSERT_EQ(guest_add_vcpu(&self->g), 0);
	memcpy(guest_ptr(&self->g, G_CODE), variant->bytes, variant->len);
	memcpy(guest_ptr(&self->g, next), tail, sizeof(tail));
	ASSERT_EQ(guest_set_mode(&self->g, 0, GUEST_LONG, G_CODE), 0);
	ASSERT_EQ(guest_get_regs(&self->g, 0, &regs), 0);
	regs.rcx = 0x8b;	/* the MSR for RDMSR/WRMSR; a subleaf for CPUID */
	ASSERT_EQ(guest_set_regs(&self->g, 0, &regs), 0);
	run = self->g.vcpu[0].run;

	ASSERT_EQ(guest_run(&self->g, 0), 0);
	if (variant->exit_reason == KVM_EXIT_HLT) {
		ASSERT_EXIT(run, KVM_EXIT_HLT);
		ASSERT_EQ(guest_get_regs(&self->g, 0, &regs), 0);
		EXPECT_EQ(regs.rip, next);
		ASSERT_EQ(guest_run(&self->g, 0), 0);
	}
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x10, 1, 1);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(run, KVM_EXIT_HLT);
	ASSERT_EQ(guest_get_regs(&self->g, 0, &regs), 0);
	EXPECT_EQ(regs.rip, next + sizeof(tail));
}

/* --- guest paging state the walker must accept --------------------------- */

/* A 4-byte MMIO store: the MMIO path walks the guest's page tables. */
GUEST_CODE(mmio_store_guest, ".code64",
	"mov $0xc0000000, %eax\n"
	"movl $0x12345678, (%rax)\n"
	"hlt\n");

/*
 * KVM_SET_CPUID2 checks only the linear-address width of leaf 0x80000008;
 * a MAXPHYADDR of 60 is taken. The vCPU still emulates MMIO and
 * translates addresses.
 */
#define HI_PD		(G_DATA + 0x3000)	/* maps 4 GiB..5 GiB */
TEST_F(g, maxphyaddr_beyond_52)
{
	struct kvm_translation tr = { .linear_address = 0x1234 };
	struct kvm_cpuid_entry2 *e;
	struct kvm_run *run;
	uint64_t *pdpt, *pd;
	uint32_t v;
	int fd;

	ASSERT_EQ(guest_create(&self->g, G_MEM_DEFAULT), 0);
	ASSERT_EQ(guest_add_vcpu(&self->g), 0);
	fd = self->g.vcpu[0].fd;
	/* VA 4 GiB is PA 2 MiB: a walk with a stale mode gives another. */
	pdpt = guest_ptr(&self->g, G_PDPT);
	pd = guest_ptr(&self->g, HI_PD);
	memset(pd, 0, 0x1000);
	pd[0] = 0x200000 | 0x83;		/* 2 MiB page, RW, P */
	pdpt[4] = HI_PD | 3;

	/* A walk without paging first, then long mode with MAXPHYADDR 60. */
	ASSERT_EQ(guest_set_mode(&self->g, 0, GUEST_PROT32, G_CODE), 0);
	ASSERT_EQ(okvm_ioctl(fd, KVM_TRANSLATE, &tr), 0);
	EXPECT_EQ(tr.physical_address, 0x1234);
	tr.linear_address = 0x100001234ULL;
	e = cpuid_entry(self->g.cpuid, 0x80000008);
	ASSERT_NE(e, NULL);
	e->eax = (e->eax & ~0xffu) | 60;
	ASSERT_EQ(okvm_ioctl(fd, KVM_SET_CPUID2, self->g.cpuid), 0);
	guest_load(&self->g, G_CODE, mmio_store_guest, mmio_store_guest_end);
	ASSERT_EQ(guest_set_mode(&self->g, 0, GUEST_LONG, G_CODE), 0);
	run = self->g.vcpu[0].run;

	ASSERT_EQ(okvm_ioctl(fd, KVM_TRANSLATE, &tr), 0);
	EXPECT_EQ(tr.valid, 1);
	EXPECT_EQ(tr.physical_address, 0x201234);

	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_MMIO_EXIT(run, 1, G_MMIO, 4);
	memcpy(&v, run->mmio.data, 4);
	EXPECT_EQ(v, 0x12345678);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(run, KVM_EXIT_HLT);
}

/*
 * Outside long mode KVM_SET_SREGS takes a CR3 with bits above MAXPHYADDR
 * (as KVM), which VMRUN refuses: KVM_RUN reports KVM_EXIT_FAIL_ENTRY, and
 * the vCPU keeps the state userspace gave it.
 */
TEST_F(g, cr3_beyond_maxphyaddr_fails_entry)
{
	static const uint8_t hlt = 0xf4;
	struct kvm_sregs s, after;
	struct kvm_regs regs;
	struct kvm_run *run;
	uint64_t rip;

	ASSERT_EQ(guest_create(&self->g, G_MEM_DEFAULT), 0);
	/*
	 * kvm_amd lets such an entry reach VMRUN, and reads CR3 and RIP
	 * back from the VMCB afterwards: on hardware they are intact, under
	 * QEMU's TCG they are the host's. Only okvm (its capability answers)
	 * fails the entry before VMRUN.
	 */
	if (!okvm_is_okvm(self->g.kvm))
		SKIP(return, "not okvm: under TCG a refused VMRUN overwrites the VMCB");
	ASSERT_EQ(guest_add_vcpu(&self->g), 0);
	guest_load(&self->g, G_CODE, &hlt, &hlt + 1);
	ASSERT_EQ(guest_set_mode(&self->g, 0, GUEST_REAL, G_CODE), 0);
	run = self->g.vcpu[0].run;
	ASSERT_EQ(guest_get_sregs(&self->g, 0, &s), 0);
	s.cr3 = 0x15d3edc22143a000ULL;
	ASSERT_EQ(guest_set_sregs(&self->g, 0, &s), 0);
	ASSERT_EQ(guest_get_regs(&self->g, 0, &regs), 0);
	rip = regs.rip;

	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(run, KVM_EXIT_FAIL_ENTRY);
	ASSERT_EQ(guest_get_sregs(&self->g, 0, &after), 0);
	EXPECT_EQ(after.cr0, s.cr0);
	EXPECT_EQ(after.cr3, s.cr3);
	EXPECT_EQ(after.cr4, s.cr4);
	EXPECT_EQ(after.efer, s.efer);
	ASSERT_EQ(guest_get_regs(&self->g, 0, &regs), 0);
	EXPECT_EQ(regs.rip, rip);
	/* A valid CR3 and the vCPU runs its HLT. */
	s.cr3 = 0;
	ASSERT_EQ(guest_set_sregs(&self->g, 0, &s), 0);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(run, KVM_EXIT_HLT);
}

/*
 * EFER.LMA is the CPU's: KVM_SET_MSRS leaves it as it is (KVM's
 * set_efer()), and KVM_SET_SREGS refuses it without CR0.PG, EFER.LME
 * and CR4.PAE. A vCPU in 32-bit paging keeps walking 32-bit tables.
 */
#define PD32		G_DATA
#define PT32		(G_DATA + 0x1000)
TEST_F(g, efer_lma_not_settable_by_msr)
{
	struct kvm_translation tr = { .linear_address = 0x405678 };
	struct kvm_sregs sregs, bad;
	uint32_t *pd, *pt;
	uint64_t efer;
	int fd;

	ASSERT_EQ(guest_create(&self->g, G_MEM_DEFAULT), 0);
	ASSERT_EQ(guest_add_vcpu(&self->g), 0);
	fd = self->g.vcpu[0].fd;
	ASSERT_EQ(guest_set_mode(&self->g, 0, GUEST_PROT32, G_CODE), 0);

	/* 32-bit paging: 4 MiB..8 MiB through one page table. */
	pd = guest_ptr(&self->g, PD32);
	pt = guest_ptr(&self->g, PT32);
	memset(pd, 0, 0x2000);
	pd[1] = PT32 | 3;
	pt[5] = 0x123000 | 3;
	ASSERT_EQ(guest_get_sregs(&self->g, 0, &sregs), 0);
	sregs.cr0 |= CR0_PE | CR0_PG;
	sregs.cr3 = PD32;
	sregs.cr4 = 0;
	sregs.efer = 0;
	ASSERT_EQ(guest_set_sregs(&self->g, 0, &sregs), 0);

	/* Long mode active without PAE: not a state a CPU can be in. */
	bad = sregs;
	bad.efer = EFER_LME | EFER_LMA;
	EXPECT_EQ(guest_set_sregs(&self->g, 0, &bad), -EINVAL);
	bad.efer = EFER_LMA;
	EXPECT_EQ(guest_set_sregs(&self->g, 0, &bad), -EINVAL);

	/* KVM_SET_MSRS takes the write but not LMA. */
	EXPECT_EQ(okvm_set_msr(fd, MSR_EFER, EFER_LMA), 1);
	ASSERT_EQ(okvm_get_msr(fd, MSR_EFER, &efer), 1);
	EXPECT_EQ(efer, 0);
	ASSERT_EQ(guest_get_sregs(&self->g, 0, &sregs), 0);
	EXPECT_EQ(sregs.efer, 0);

	ASSERT_EQ(okvm_ioctl(fd, KVM_TRANSLATE, &tr), 0);
	EXPECT_EQ(tr.valid, 1);
	EXPECT_EQ(tr.physical_address, 0x123678);
}

/* --- the in-kernel xAPIC ------------------------------------------------- */

/*
 * guest_create, KVM_CREATE_IRQCHIP, the APIC bus cycle if @bus_cycle_ns,
 * then one long-mode vCPU at G_CODE running @start..@end.
 */
static int guest_with_irqchip(struct guest *g, const uint8_t *start,
			      const uint8_t *end, uint64_t bus_cycle_ns)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_APIC_BUS_CYCLES_NS, .args = { bus_cycle_ns },
	};
	long r = guest_create(g, G_MEM_DEFAULT);

	if (r)
		return r;
	r = okvm_ioctl(g->vm, KVM_CREATE_IRQCHIP, 0);
	if (r)
		return r;
	if (bus_cycle_ns) {
		r = okvm_ioctl(g->vm, KVM_ENABLE_CAP, &cap);
		if (r)
			return r;
	}
	r = guest_add_vcpu(g);
	if (r < 0)
		return r;
	guest_load(g, G_CODE, start, end);
	return guest_set_mode(g, 0, GUEST_LONG, G_CODE);
}

/*
 * Move the APIC to 0xd0001000 and use it there: the whole base field
 * (bits 51:12) decides where it decodes. The old address is then plain
 * MMIO that userspace serves.
 */
GUEST_CODE(apic_reloc_guest, ".code64",
	"mov $0x1b, %ecx\n"
	"rdmsr\n"
	"and $0xfff, %eax\n"
	"or $0xd0001000, %eax\n"
	"xor %edx, %edx\n"
	"wrmsr\n"
	"mov $0xd0001000, %ebx\n"
	"mov 0x30(%rbx), %eax\n"		/* version */
	"out %eax, $0x10\n"
	"movl $0x20, 0x80(%rbx)\n"		/* TPR */
	"mov 0x80(%rbx), %eax\n"
	"out %eax, $0x11\n"
	"mov $0xfee00000, %ebx\n"
	"mov 0x30(%rbx), %eax\n"		/* no APIC here any more */
	"out %eax, $0x12\n"
	"1: out %al, $0x13\n"
	"jmp 1b\n");

TEST_F(g, apic_relocated)
{
	struct kvm_run *run;
	uint32_t v = 0x5a5a5a5a;

	ASSERT_EQ(guest_with_irqchip(&self->g, apic_reloc_guest,
				     apic_reloc_guest_end, 0), 0);
	run = self->g.vcpu[0].run;

	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x10, 4, 1);
	EXPECT_EQ(guest_out32(run) & 0xff, 0x14);	/* integrated APIC */
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x11, 4, 1);
	EXPECT_EQ(guest_out32(run), 0x20);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_MMIO_EXIT(run, 0, 0xfee00030, 4);
	memcpy(run->mmio.data, &v, 4);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x12, 4, 1);
	EXPECT_EQ(guest_out32(run), v);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x13, 1, 1);
}

/* --- APIC timers at the far end of their range --------------------------- */

#define TIMER_EXITS	200

/* After arming: TIMER_EXITS port exits, then one to port 0x11 for ever. */
#define PROGRESS_LOOP		\
	"mov $200, %ecx\n"	\
	"1: out %al, $0x10\n"	\
	"dec %ecx\n"		\
	"jnz 1b\n"		\
	"2: out %al, $0x11\n"	\
	"jmp 2b\n"

/*
 * Run the guest through TIMER_EXITS port exits after it armed its timer:
 * the vCPU must keep making progress (a host CPU stuck re-firing the
 * timer would stall it, or the harness's timeout ends the test).
 */
static void run_progress(struct __test_metadata *_metadata, struct guest *g)
{
	struct kvm_run *run = g->vcpu[0].run;
	struct timespec t0, t1;
	int i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < TIMER_EXITS; i++) {
		ASSERT_EQ(guest_run(g, 0), 0);
		ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x10, 1, 1);
	}
	ASSERT_EQ(guest_run(g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x11, 1, 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	EXPECT_LT(t1.tv_sec - t0.tv_sec, 20);
}

/*
 * TSC-deadline mode with IA32_TSC 0 and a deadline of ~0: some 2^64
 * ticks ahead, more ns than a ktime holds for a TSC under 2 GHz.
 */
GUEST_CODE(tscdl_guest, ".code64",
	"mov $0xfee00000, %ebx\n"
	"movl $0x1ff, 0xf0(%rbx)\n"		/* SVR: software enable */
	"movl $0x40040, 0x320(%rbx)\n"		/* LVTT: TSC-deadline, 0x40 */
	"mov $0x6e0, %ecx\n"
	"mov $-1, %eax\n"
	"mov $-1, %edx\n"
	"wrmsr\n"
	PROGRESS_LOOP);

TEST_F(g, apic_timer_tsc_deadline_far)
{
	struct kvm_cpuid_entry2 *e;

	ASSERT_EQ(guest_with_irqchip(&self->g, tscdl_guest, tscdl_guest_end, 0), 0);
	/* TSC-deadline is the VMM's to offer (KVM_CAP_TSC_DEADLINE_TIMER). */
	if (okvm_ioctl(self->g.kvm, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) <= 0)
		SKIP(return, "no KVM_CAP_TSC_DEADLINE_TIMER");
	e = cpuid_entry(self->g.cpuid, 1);
	ASSERT_NE(e, NULL);
	e->ecx |= 1u << 24;
	ASSERT_EQ(okvm_ioctl(self->g.vcpu[0].fd, KVM_SET_CPUID2, self->g.cpuid), 0);
	ASSERT_EQ(okvm_set_msr(self->g.vcpu[0].fd, MSR_IA32_TSC, 0), 1);
	run_progress(_metadata, &self->g);
}

/*
 * Periodic mode, the largest bus cycle KVM_CAP_X86_APIC_BUS_CYCLES_NS
 * takes, divide by 128 and TMICT ~0: a period of 2^64 - 2^32 ns.
 */
GUEST_CODE(huge_tmict_guest, ".code64",
	"mov $0xfee00000, %ebx\n"
	"movl $0x1ff, 0xf0(%rbx)\n"		/* SVR: software enable */
	"movl $0xa, 0x3e0(%rbx)\n"		/* TDCR: divide by 128 */
	"movl $0x20040, 0x320(%rbx)\n"		/* LVTT: periodic, 0x40 */
	"movl $0xffffffff, 0x380(%rbx)\n"	/* TMICT */
	PROGRESS_LOOP);

TEST_F(g, apic_timer_huge_period)
{
	int kvm = okvm_open_dev();

	ASSERT_GE(kvm, 0);
	if (okvm_ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_X86_APIC_BUS_CYCLES_NS) <= 0) {
		close(kvm);
		SKIP(return, "no KVM_CAP_X86_APIC_BUS_CYCLES_NS");
	}
	close(kvm);
	ASSERT_EQ(guest_with_irqchip(&self->g, huge_tmict_guest, huge_tmict_guest_end,
				     ~0ULL / (0xffffffffULL * 128)), 0);
	run_progress(_metadata, &self->g);
}

TEST_HARNESS_MAIN
