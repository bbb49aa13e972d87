// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_CAP_SPLIT_IRQCHIP: local APICs in the kernel, the PIC and I/O APIC
 * in the VMM (QEMU's kernel-irqchip=split). What KVM does and QEMU relies
 * on: the enable's errnos; no in-kernel PIC or I/O APIC (KVM_GET_IRQCHIP,
 * irqchip routes, KVM_CREATE_PIT2 refused); the VMM's PIC injects ExtINT
 * with KVM_INTERRUPT through LINT0, paced by ready_for_interrupt_injection
 * and request_interrupt_window; the VMM's I/O APIC sends MSIs through its
 * routes (GSIs below args[0]) and hears the guest's EOI of a
 * level-triggered one as KVM_EXIT_IOAPIC_EOI.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include "kselftest_harness.h"
#include "lib/guest.h"
#include "lib/guest_fixture.h"

#define G_IDT		(G_DATA + 0x1000)
#define PINS		24
#define V_EXTINT	0x40
#define V_LEVEL		0x50
#define V_EDGE		0x51
#define V_HIGH_GSI	0x52

/*
 * Enable the APIC by SVR, STI, tell the host, spin. Handlers: ExtINT
 * (no EOI: ExtINT is not in service at the APIC) reports on port 0x20;
 * the MSI vectors EOI the APIC first, then report on 0x21-0x23.
 */
GUEST_CODE(split_guest, ".code64",
	"mov $0xfee000f0, %ebx\n"
	"movl $0x1ff, (%rbx)\n"
	"mov $0xfee000b0, %ebx\n"
	"sti\n"
	"out %al, $0x10\n"
	"split_loop:\n"
	"nop\n"
	"jmp split_loop\n"
	"split_extint:\n"
	"mov $0x40, %eax\n"
	"out %eax, $0x20\n"
	"iretq\n"
	"split_level:\n"
	"movl $0, (%rbx)\n"
	"mov $0x50, %eax\n"
	"out %eax, $0x21\n"
	"iretq\n"
	"split_edge:\n"
	"movl $0, (%rbx)\n"
	"mov $0x51, %eax\n"
	"out %eax, $0x22\n"
	"iretq\n"
	"split_high:\n"
	"movl $0, (%rbx)\n"
	"mov $0x52, %eax\n"
	"out %eax, $0x23\n"
	"iretq\n");
extern const uint8_t split_extint[], split_level[], split_edge[], split_high[];


static int enable_split(int vm, uint64_t pins)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_SPLIT_IRQCHIP, .args = { pins },
	};

	return okvm_ioctl(vm, KVM_ENABLE_CAP, &cap);
}

/* A fixed-mode MSI route to APIC ID 0: edge, or level asserted. */
static void msi_route(struct kvm_irq_routing_entry *e, uint32_t gsi,
		      uint8_t vector, int level)
{
	memset(e, 0, sizeof(*e));
	e->gsi = gsi;
	e->type = KVM_IRQ_ROUTING_MSI;
	e->u.msi.address_lo = 0xfee00000;
	e->u.msi.data = vector | (level ? (1 << 15) | (1 << 14) : 0);
}

static int set_routes(int vm, const struct kvm_irq_routing_entry *e,
		      unsigned int n)
{
	struct {
		struct kvm_irq_routing hdr;
		struct kvm_irq_routing_entry e[4];
	} r = { .hdr.nr = n };

	memcpy(r.e, e, n * sizeof(*e));
	return okvm_ioctl(vm, KVM_SET_GSI_ROUTING, &r);
}

/* KVM's checks, in KVM's order. */
TEST_F(g, enable_errnos)
{
	struct kvm_irqchip ic = { .chip_id = KVM_IRQCHIP_IOAPIC };
	struct kvm_pit_config pit = { 0 };
	struct kvm_irq_routing_entry e;
	int vm;

	ASSERT_EQ(guest_create(&self->g, G_MEM_DEFAULT), 0);
	vm = self->g.vm;
	EXPECT_EQ(okvm_ioctl(self->g.kvm, KVM_CHECK_EXTENSION,
			     KVM_CAP_SPLIT_IRQCHIP), 1);
	EXPECT_EQ(okvm_ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_SPLIT_IRQCHIP), 1);
	/* No more pins than routes (KVM_MAX_IRQ_ROUTES, 4096). */
	EXPECT_EQ(enable_split(vm, 4097), -EINVAL);
	ASSERT_EQ(enable_split(vm, PINS), 0);
	EXPECT_EQ(enable_split(vm, PINS), -EEXIST);
	EXPECT_EQ(okvm_ioctl(vm, KVM_CREATE_IRQCHIP, 0), -EEXIST);
	/* The VMM has the PIC and the I/O APIC. */
	EXPECT_EQ(okvm_ioctl(vm, KVM_GET_IRQCHIP, &ic), -ENXIO);
	EXPECT_EQ(okvm_ioctl(vm, KVM_SET_IRQCHIP, &ic), -ENXIO);
	EXPECT_EQ(okvm_ioctl(vm, KVM_CREATE_PIT2, &pit), -ENOENT);
	memset(&e, 0, sizeof(e));
	e.type = KVM_IRQ_ROUTING_IRQCHIP;
	e.u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
	EXPECT_EQ(set_routes(vm, &e, 1), -EINVAL);
	msi_route(&e, 5, V_LEVEL, 1);
	EXPECT_EQ(set_routes(vm, &e, 1), 0);
	guest_destroy(&self->g);

	/* A full irqchip first, or a vCPU first: -EEXIST too. */
	memset(&self->g, 0, sizeof(self->g));
	self->g.kvm = self->g.vm = -1;
	ASSERT_EQ(guest_create(&self->g, G_MEM_DEFAULT), 0);
	ASSERT_EQ(okvm_ioctl(self->g.vm, KVM_CREATE_IRQCHIP, 0), 0);
	EXPECT_EQ(enable_split(self->g.vm, PINS), -EEXIST);
	guest_destroy(&self->g);

	memset(&self->g, 0, sizeof(self->g));
	self->g.kvm = self->g.vm = -1;
	ASSERT_EQ(guest_create(&self->g, G_MEM_DEFAULT), 0);
	ASSERT_EQ(guest_add_vcpu(&self->g), 0);
	EXPECT_EQ(enable_split(self->g.vm, PINS), -EEXIST);
}

/* The split VM, its vCPU in long mode at split_guest, every gate set. */
static int split_setup(struct guest *g)
{
	static const struct { int vector; const uint8_t *handler; } gates[] = {
		{ V_EXTINT, split_extint }, { V_LEVEL, split_level },
		{ V_EDGE, split_edge }, { V_HIGH_GSI, split_high },
	};
	unsigned int i;
	int r;

	r = guest_create(g, G_MEM_DEFAULT);
	if (r)
		return r;
	r = enable_split(g->vm, PINS);
	if (r)
		return r;
	r = guest_add_vcpu(g);
	if (r < 0)
		return r;
	guest_load(g, G_CODE, split_guest, split_guest_end);
	for (i = 0; i < ARRAY_SIZE(gates); i++)
		guest_set_gate64(g, G_IDT, gates[i].vector,
				 guest_code_gpa(split_guest, gates[i].handler), 1);
	r = guest_set_mode(g, 0, GUEST_LONG, G_CODE);
	return r ? r : guest_set_idt(g, 0, G_IDT);
}

/*
 * The VMM's PIC: LINT0 is ExtINT at reset (KVM_X86_QUIRK_LINT0_REENABLED),
 * so the guest may take KVM_INTERRUPT's vector; one waits at a time; the
 * window opens when the guest can take it.
 */
TEST_F(g, extint_through_lint0)
{
	struct kvm_interrupt irq = { .irq = V_EXTINT };
	struct kvm_lapic_state lapic;
	struct kvm_run *run;
	int fd;

	ASSERT_EQ(split_setup(&self->g), 0);
	fd = self->g.vcpu[0].fd;
	run = self->g.vcpu[0].run;
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x10, 1, 1);
	/* STI's shadow covers the OUT: not yet. */
	EXPECT_EQ(run->ready_for_interrupt_injection, 0);

	run->request_interrupt_window = 1;
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(run, KVM_EXIT_IRQ_WINDOW_OPEN);
	EXPECT_EQ(run->ready_for_interrupt_injection, 1);
	EXPECT_EQ(run->if_flag, 1);

	/* Masking LINT0 closes the door to the VMM's PIC. */
	ASSERT_EQ(okvm_ioctl(fd, KVM_GET_LAPIC, &lapic), 0);
	EXPECT_EQ(*(uint32_t *)&lapic.regs[0x350], 0x700u);
	*(uint32_t *)&lapic.regs[0x350] = 0x10700;
	ASSERT_EQ(okvm_ioctl(fd, KVM_SET_LAPIC, &lapic), 0);
	/* KVM_RUN fills the kvm_run fields even when it enters nothing. */
	run->immediate_exit = 1;
	EXPECT_EQ(okvm_ioctl(fd, KVM_RUN, 0), -EINTR);
	run->immediate_exit = 0;
	EXPECT_EQ(run->ready_for_interrupt_injection, 0);
	*(uint32_t *)&lapic.regs[0x350] = 0x700;
	ASSERT_EQ(okvm_ioctl(fd, KVM_SET_LAPIC, &lapic), 0);

	ASSERT_EQ(okvm_ioctl(fd, KVM_INTERRUPT, &irq), 0);
	EXPECT_EQ(okvm_ioctl(fd, KVM_INTERRUPT, &irq), -EEXIST);
	run->request_interrupt_window = 0;
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x20, 4, 1);
	EXPECT_EQ(guest_out32(run), V_EXTINT);
	/* Taken: the slot is free again. */
	irq.irq = 256;
	EXPECT_EQ(okvm_ioctl(fd, KVM_INTERRUPT, &irq), -EINVAL);
	irq.irq = V_EXTINT;
	EXPECT_EQ(okvm_ioctl(fd, KVM_INTERRUPT, &irq), 0);
}

/*
 * The VMM's I/O APIC: a level-triggered MSI route of a GSI below args[0]
 * makes the guest's EOI exit with its vector; an edge route's EOI does
 * not, nor a level route above the reserved GSIs.
 */
TEST_F(g, ioapic_eoi_exit)
{
	struct kvm_irq_routing_entry e[3];
	struct kvm_irq_level line = { .irq = 5, .level = 1 };
	struct kvm_run *run;
	int vm;

	ASSERT_EQ(split_setup(&self->g), 0);
	vm = self->g.vm;
	run = self->g.vcpu[0].run;
	msi_route(&e[0], 5, V_LEVEL, 1);
	msi_route(&e[1], 6, V_EDGE, 0);
	msi_route(&e[2], PINS, V_HIGH_GSI, 1);
	ASSERT_EQ(set_routes(vm, e, 3), 0);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x10, 1, 1);

	ASSERT_EQ(okvm_ioctl(vm, KVM_IRQ_LINE, &line), 0);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(run, KVM_EXIT_IOAPIC_EOI);
	EXPECT_EQ(run->eoi.vector, V_LEVEL);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x21, 4, 1);

	line.irq = 6;
	ASSERT_EQ(okvm_ioctl(vm, KVM_IRQ_LINE, &line), 0);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x22, 4, 1);

	line.irq = PINS;
	ASSERT_EQ(okvm_ioctl(vm, KVM_IRQ_LINE, &line), 0);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x23, 4, 1);
}

TEST_HARNESS_MAIN
