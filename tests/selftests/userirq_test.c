// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interrupts from a userspace irqchip (no KVM_CREATE_IRQCHIP): the
 * interrupt window userspace asks for with request_interrupt_window, the
 * kvm_run fields that say when it may inject, and KVM_INTERRUPT reaching
 * the guest's IDT handler. Plus KVM_INTERRUPT's errnos.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include "kselftest_harness.h"
#include "lib/guest.h"
#include "lib/guest_fixture.h"

#define IRQ_VECTOR	0x40
#define G_IDT		(G_DATA + 0x1000)

/*
 * IF=0 at the first exit; then IF=1 and a loop the interrupt breaks into.
 * The handler reports its vector and stops.
 */
GUEST_CODE(irq_guest, ".code64",
	"cli\n"
	"out %al, $0x10\n"
	"sti\n"
	"irq_guest_loop:\n"
	"nop\n"
	"jmp irq_guest_loop\n"
	"irq_guest_handler:\n"
	"mov $0x40, %eax\n"
	"out %eax, $0x20\n"
	"hlt\n");
extern const uint8_t irq_guest_handler[];

TEST_F(g, window_and_interrupt)
{
	struct kvm_interrupt irq = { .irq = IRQ_VECTOR };
	struct kvm_sregs s;
	struct kvm_run *run;
	int stats;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, irq_guest,
			     irq_guest_end), 0);
	run = self->g.vcpu[0].run;
	stats = ioctl(self->g.vcpu[0].fd, KVM_GET_STATS_FD, 0);
	ASSERT_GE(stats, 0);
	ASSERT_EQ(guest_set_irq_handler(&self->g, 0, G_IDT, IRQ_VECTOR,
					G_CODE + (irq_guest_handler - irq_guest)), 0);
	ASSERT_EQ(guest_get_sregs(&self->g, 0, &s), 0);

	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x10, 1, 1);
	EXPECT_EQ(run->if_flag, 0);
	EXPECT_EQ(run->ready_for_interrupt_injection, 0);
	EXPECT_EQ(guest_stat(stats, "irq_window_exits"), 0);
	/* kvm_run reports the same APIC base as KVM_GET_SREGS. */
	EXPECT_EQ(run->apic_base, s.apic_base);
	EXPECT_EQ(run->cr8, s.cr8);

	/* STI's shadow, then the loop: the window opens there. */
	run->request_interrupt_window = 1;
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(run, KVM_EXIT_IRQ_WINDOW_OPEN);
	EXPECT_EQ(run->if_flag, 1);
	EXPECT_EQ(run->ready_for_interrupt_injection, 1);
	/* The window opened with IF clear at entry: a window exit, counted. */
	EXPECT_GE(guest_stat(stats, "irq_window_exits"), 1);
	close(stats);

	ASSERT_EQ(ioctl(self->g.vcpu[0].fd, KVM_INTERRUPT, &irq), 0);
	run->request_interrupt_window = 0;
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x20, 4, 1);
	EXPECT_EQ(guest_out32(run), IRQ_VECTOR);
	/* The gate cleared IF. */
	EXPECT_EQ(run->if_flag, 0);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(run, KVM_EXIT_HLT);
}

TEST_F(g, interrupt_errnos)
{
	struct kvm_interrupt irq = { .irq = 256 };
	int fd;

	ASSERT_EQ(guest_create(&self->g, G_MEM_DEFAULT), 0);
	ASSERT_EQ(ioctl(self->g.vm, KVM_CREATE_IRQCHIP, 0), 0);
	fd = guest_add_vcpu(&self->g);
	ASSERT_GE(fd, 0);
	fd = self->g.vcpu[fd].fd;

	/* The vector is checked before the irqchip. */
	EXPECT_EQ(ioctl(fd, KVM_INTERRUPT, &irq), -1);
	EXPECT_EQ(errno, EINVAL);
	irq.irq = IRQ_VECTOR;
	EXPECT_EQ(ioctl(fd, KVM_INTERRUPT, &irq), -1);
	EXPECT_EQ(errno, ENXIO);
	EXPECT_EQ(ioctl(fd, KVM_INTERRUPT, NULL), -1);
	EXPECT_EQ(errno, EFAULT);
}

TEST_F(g, bad_vector_userspace_irqchip)
{
	struct kvm_interrupt irq = { .irq = 0x100 };

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, irq_guest,
			     irq_guest_end), 0);
	EXPECT_EQ(ioctl(self->g.vcpu[0].fd, KVM_INTERRUPT, &irq), -1);
	EXPECT_EQ(errno, EINVAL);
}

TEST_HARNESS_MAIN
