// SPDX-License-Identifier: GPL-2.0-only
/*
 * PV EOI (KVM_FEATURE_PV_EOI, MSR_KVM_PV_EOI_EN), as a Linux guest uses
 * it: the guest registers a byte; before an entry the hypervisor sets its
 * bit 0 when the next EOI needs no exit (one vector in service, nothing
 * requested behind it, edge-triggered); the guest's handler clears the
 * bit and skips the EOI register if it was set; the hypervisor does that
 * EOI after the next exit. And the MSR's rules for userspace.
 * Runs unchanged against okvm and in-tree KVM.
 */
#include <errno.h>
#include <asm/kvm_para.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "lib/guest.h"
#include "lib/guest_fixture.h"

#define G_IDT		(G_DATA + 0x1000)
#define G_HANDLER	(G_CODE + 0x1000)

/* Guest data (numbers without suffix: they are also assembly). */
#define D_FLAG		0x100000	/* u8: the PV EOI byte */
#define D_COUNT		0x100004	/* u32: interrupts taken */
#define D_SEEN		0x100010	/* u8[]: the byte as each handler found it */
_Static_assert(D_FLAG == G_DATA, "guest data sits at G_DATA");

#define P_REPORT	0x10
#define V_LOW		0x40
#define V_HIGH		0x41

#define S(x)		#x
#define XS(x)		S(x)

/* A self IPI of vector v: ICR low, fixed, shorthand "self". */
#define SELF_IPI(v)	"movl $(0x40000 | " XS(v) "), 0x300(%rbx)\n"

/* Wait (bounded) until D_COUNT reaches n. */
#define WAIT_COUNT(n)							\
	"mov $10000000, %ecx\n"						\
	"1: cmpl $" XS(n) ", " XS(D_COUNT) "\n"				\
	"jae 2f\n"							\
	"pause\n"							\
	"dec %ecx\n"							\
	"jnz 1b\n"							\
	"2:\n"

/*
 * PV EOI on, APIC on (its registers through RBX). 1: a self IPI alone. 2: the same vector again,
 * which the APIC delivers only if the first one's EOI happened. 3: with
 * IF=0, V_HIGH then V_LOW requested; V_HIGH runs first with V_LOW waiting
 * in the IRR, then V_LOW alone. Reports the count of interrupts taken.
 */
GUEST_CODE(pv_eoi_guest, ".code64",
	"mov $" XS(MSR_KVM_PV_EOI_EN) ", %ecx\n"
	"mov $(" XS(D_FLAG) " | 1), %eax\n"
	"xor %edx, %edx\n"
	"wrmsr\n"
	"mov $0xfee00000, %ebx\n"
	"movl $0x1ff, 0xf0(%rbx)\n"
	"sti\n"
	SELF_IPI(V_LOW)
	WAIT_COUNT(1)
	SELF_IPI(V_LOW)
	WAIT_COUNT(2)
	"cli\n"
	SELF_IPI(V_HIGH)
	SELF_IPI(V_LOW)
	"sti\n"
	"nop\n"
	WAIT_COUNT(4)
	"mov " XS(D_COUNT) ", %eax\n"
	"out %eax, $" XS(P_REPORT) "\n"
	"hlt\n");

/* Linux's PV EOI: test-and-clear bit 0; only if it was clear, write EOI. */
GUEST_CODE(pv_eoi_handler, ".code64",
	"push %rax\n"
	"push %rcx\n"
	"mov " XS(D_COUNT) ", %eax\n"
	"movzbl " XS(D_FLAG) ", %ecx\n"
	"mov %cl, " XS(D_SEEN) "(%rax)\n"
	"lock btrl $0, " XS(D_FLAG) "\n"
	"jc 1f\n"
	"mov $0xfee00000, %ecx\n"
	"movl $0, 0xb0(%rcx)\n"
	"1: incl " XS(D_COUNT) "\n"
	"pop %rcx\n"
	"pop %rax\n"
	"iretq\n");

static int pv_eoi_cpuid(int kvm)
{
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[100];
	} b = { .c.nent = 100 };
	unsigned int i;

	if (okvm_ioctl(kvm, KVM_GET_SUPPORTED_CPUID, &b))
		return -1;
	for (i = 0; i < b.c.nent; i++)
		if (b.e[i].function == KVM_CPUID_FEATURES)
			return !!(b.e[i].eax & (1u << KVM_FEATURE_PV_EOI));
	return 0;
}

static uint64_t get_msr(int vcpu_fd, uint32_t index)
{
	uint64_t v;

	return okvm_get_msr(vcpu_fd, index, &v) == 1 ? v : ~0ULL;
}

/*
 * What each handler found in the byte: set for the lone vectors (their EOI
 * went through the byte, and the APIC let the next one in), clear for
 * V_HIGH while V_LOW waited in the IRR (that EOI must exit).
 */
TEST_F(g, eoi_through_the_byte)
{
	uint8_t *seen;
	struct kvm_lapic_state lapic;
	struct kvm_run *run;
	int i;

	ASSERT_EQ(guest_create(&self->g, G_MEM_DEFAULT), 0);
	ASSERT_EQ(pv_eoi_cpuid(self->g.kvm), 1)
		TH_LOG("KVM_FEATURE_PV_EOI not in KVM_GET_SUPPORTED_CPUID");
	ASSERT_EQ(okvm_ioctl(self->g.vm, KVM_CREATE_IRQCHIP, 0), 0);
	ASSERT_GE(guest_add_vcpu(&self->g), 0);
	guest_load(&self->g, G_CODE, pv_eoi_guest, pv_eoi_guest_end);
	guest_load(&self->g, G_HANDLER, pv_eoi_handler, pv_eoi_handler_end);
	ASSERT_EQ(guest_set_mode(&self->g, 0, GUEST_LONG, G_CODE), 0);
	ASSERT_EQ(guest_set_irq_handler(&self->g, 0, G_IDT, V_LOW, G_HANDLER), 0);
	ASSERT_EQ(guest_set_irq_handler(&self->g, 0, G_IDT, V_HIGH, G_HANDLER), 0);
	run = self->g.vcpu[0].run;

	ASSERT_EQ(guest_run_timeout(&self->g, 0, 10), 0)
		TH_LOG("%s", guest_exit_str(run));
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, P_REPORT, 4, 1);
	seen = guest_ptr(&self->g, D_SEEN);
	for (i = 0; i < 4; i++)
		TH_LOG("interrupt %d: byte %u", i, seen[i]);
	ASSERT_EQ(guest_out32(run), 4)
		TH_LOG("an EOI made through the byte did not happen");
	/*
	 * The rule: the byte is clear while another vector waits, or the
	 * guest would skip an EOI the APIC needs. Setting it for a lone
	 * vector is an optimisation: okvm always does; KVM does on the
	 * entry that injects the vector, which a racing exit can skip
	 * (seen once under TCG: interrupt 0 found it clear).
	 */
	EXPECT_EQ(seen[2], 0);
	if (okvm_is_okvm(self->g.kvm)) {
		EXPECT_EQ(seen[0], 1);
		EXPECT_EQ(seen[1], 1);
		EXPECT_EQ(seen[3], 1);
	}
	/* Every EOI happened: nothing in service, nothing requested. */
	ASSERT_EQ(okvm_ioctl(self->g.vcpu[0].fd, KVM_GET_LAPIC, &lapic), 0);
	for (i = 0; i < 8; i++) {
		uint32_t isr, irr;

		memcpy(&isr, lapic.regs + 0x100 + 0x10 * i, 4);
		memcpy(&irr, lapic.regs + 0x200 + 0x10 * i, 4);
		EXPECT_EQ(isr, 0) TH_LOG("ISR word %d", i);
		EXPECT_EQ(irr, 0) TH_LOG("IRR word %d", i);
	}
	EXPECT_EQ(*(uint8_t *)guest_ptr(&self->g, D_FLAG), 0);
	EXPECT_EQ(get_msr(self->g.vcpu[0].fd, MSR_KVM_PV_EOI_EN), D_FLAG | 1);
}

/*
 * KVM_SET_MSRS as KVM takes it: bit 0 enables, the rest is a 4-byte
 * aligned GPA that a writable memslot must back when enabling; a refused
 * write leaves the old value.
 */
TEST_F(g, msr_rules)
{
	int fd;

	ASSERT_EQ(guest_create(&self->g, G_MEM_DEFAULT), 0);
	ASSERT_EQ(okvm_ioctl(self->g.vm, KVM_CREATE_IRQCHIP, 0), 0);
	ASSERT_GE(guest_add_vcpu(&self->g), 0);
	fd = self->g.vcpu[0].fd;

	EXPECT_EQ(get_msr(fd, MSR_KVM_PV_EOI_EN), 0);
	EXPECT_EQ(okvm_set_msr(fd, MSR_KVM_PV_EOI_EN, D_FLAG | 1), 1);
	EXPECT_EQ(get_msr(fd, MSR_KVM_PV_EOI_EN), D_FLAG | 1);
	/* Misaligned, enabled or not. */
	EXPECT_EQ(okvm_set_msr(fd, MSR_KVM_PV_EOI_EN, (D_FLAG + 2) | 1), 0);
	EXPECT_EQ(okvm_set_msr(fd, MSR_KVM_PV_EOI_EN, D_FLAG + 2), 0);
	EXPECT_EQ(get_msr(fd, MSR_KVM_PV_EOI_EN), D_FLAG | 1);
	/* No memslot there: refused when enabling, kept when not. */
	EXPECT_EQ(okvm_set_msr(fd, MSR_KVM_PV_EOI_EN, G_MMIO | 1), 0);
	EXPECT_EQ(get_msr(fd, MSR_KVM_PV_EOI_EN), D_FLAG | 1);
	EXPECT_EQ(okvm_set_msr(fd, MSR_KVM_PV_EOI_EN, G_MMIO), 1);
	EXPECT_EQ(get_msr(fd, MSR_KVM_PV_EOI_EN), G_MMIO);
	EXPECT_EQ(okvm_set_msr(fd, MSR_KVM_PV_EOI_EN, 0), 1);
	EXPECT_EQ(get_msr(fd, MSR_KVM_PV_EOI_EN), 0);
}

TEST_HARNESS_MAIN
