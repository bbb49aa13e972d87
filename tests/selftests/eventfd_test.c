// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_IOEVENTFD and KVM_IRQFD: KVM's errno for every bad request, the
 * matching rules (address space, length, any length, datamatch) and
 * deassignment; then guests: port and MMIO writes an ioeventfd takes do
 * not exit to userspace and signal it, and an irqfd's signal interrupts
 * a guest (one halted in the kernel included).
 */
#include <pthread.h>
#include <sys/eventfd.h>

#include "kselftest_harness.h"
#include "lib/guest.h"
#include "lib/guest_fixture.h"

#define PORT		0x80
#define IRQ_VECTOR	0x40
#define IRQ_GSI		30
#define G_IDT		(G_DATA + 0x1000)

static long ioeventfd(int vm, uint64_t addr, uint32_t len, int fd,
		      uint32_t flags, uint64_t datamatch)
{
	struct kvm_ioeventfd a = {
		.datamatch = datamatch, .addr = addr, .len = len, .fd = fd,
		.flags = flags,
	};

	return okvm_ioctl(vm, KVM_IOEVENTFD, &a);
}

static long irqfd(int vm, int fd, uint32_t gsi, uint32_t flags)
{
	struct kvm_irqfd a = { .fd = fd, .gsi = gsi, .flags = flags };

	return okvm_ioctl(vm, KVM_IRQFD, &a);
}

/* Two eventfds and an fd that is not one; 0 or -1. */
static int open_fds(int *efd, int *efd2, int *nonev)
{
	*efd = eventfd(0, EFD_CLOEXEC);
	*efd2 = eventfd(0, EFD_CLOEXEC);
	*nonev = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return *efd < 0 || *efd2 < 0 || *nonev < 0 ? -1 : 0;
}

/* The eventfd's count (0 if none), consumed. */
static uint64_t efd_count(int efd)
{
	uint64_t v = 0;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

TEST_F(g, caps)
{
	ASSERT_EQ(guest_create(&self->g, G_MEM_DEFAULT), 0);
	EXPECT_EQ(okvm_ioctl(self->g.vm, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD), 1);
	EXPECT_EQ(okvm_ioctl(self->g.vm, KVM_CHECK_EXTENSION,
			     KVM_CAP_IOEVENTFD_ANY_LENGTH), 1);
	EXPECT_EQ(okvm_ioctl(self->g.vm, KVM_CHECK_EXTENSION,
			     KVM_CAP_IOEVENTFD_NO_LENGTH), 1);
	EXPECT_EQ(okvm_ioctl(self->g.vm, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD), 1);
	EXPECT_EQ(okvm_ioctl(self->g.kvm, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD), 1);
	EXPECT_EQ(okvm_ioctl(self->g.kvm, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD), 1);
}

TEST_F(g, ioeventfd_errnos)
{
	const uint32_t dm = KVM_IOEVENTFD_FLAG_DATAMATCH;
	const uint32_t pio = KVM_IOEVENTFD_FLAG_PIO;
	const uint32_t de = KVM_IOEVENTFD_FLAG_DEASSIGN;
	int vm, efd, efd2, nonev;

	ASSERT_EQ(guest_create(&self->g, G_MEM_DEFAULT), 0);
	vm = self->g.vm;
	ASSERT_EQ(open_fds(&efd, &efd2, &nonev), 0);

	EXPECT_EQ(okvm_ioctl(vm, KVM_IOEVENTFD, NULL), -EFAULT);
	/* Lengths: 0 (any), 1, 2, 4, 8 only. */
	EXPECT_EQ(ioeventfd(vm, G_MMIO, 3, efd, 0, 0), -EINVAL);
	EXPECT_EQ(ioeventfd(vm, G_MMIO, 16, efd, 0, 0), -EINVAL);
	/* The range must not wrap. */
	EXPECT_EQ(ioeventfd(vm, ~0ULL - 1, 4, efd, 0, 0), -EINVAL);
	/* Unknown flags; any length cannot match a value. */
	EXPECT_EQ(ioeventfd(vm, G_MMIO, 4, efd, 1u << 5, 0), -EINVAL);
	EXPECT_EQ(ioeventfd(vm, G_MMIO, 0, efd, dm, 0), -EINVAL);
	/* The fd: none, or not an eventfd. */
	EXPECT_EQ(ioeventfd(vm, G_MMIO, 4, -1, 0, 0), -EBADF);
	EXPECT_EQ(ioeventfd(vm, G_MMIO, 4, nonev, 0, 0), -EINVAL);

	/* Collisions: same address space, address, and length or value. */
	ASSERT_EQ(ioeventfd(vm, G_MMIO, 4, efd, 0, 0), 0);
	EXPECT_EQ(ioeventfd(vm, G_MMIO, 4, efd2, 0, 0), -EEXIST);
	EXPECT_EQ(ioeventfd(vm, G_MMIO, 4, efd2, dm, 7), -EEXIST);
	EXPECT_EQ(ioeventfd(vm, G_MMIO, 0, efd2, 0, 0), -EEXIST);
	EXPECT_EQ(ioeventfd(vm, G_MMIO, 2, efd2, 0, 0), 0);
	EXPECT_EQ(ioeventfd(vm, G_MMIO, 4, efd2, pio, 0), 0);
	EXPECT_EQ(ioeventfd(vm, PORT, 1, efd, pio | dm, 5), 0);
	EXPECT_EQ(ioeventfd(vm, PORT, 1, efd, pio | dm, 6), 0);
	EXPECT_EQ(ioeventfd(vm, PORT, 1, efd2, pio | dm, 5), -EEXIST);
	EXPECT_EQ(ioeventfd(vm, PORT, 1, efd2, pio, 0), -EEXIST);
	/*
	 * KVM takes the virtio-ccw flag and the unnamed fifth flag bit on
	 * every arch (an address space of its own; plain MMIO).
	 */
	EXPECT_EQ(ioeventfd(vm, G_MMIO, 4, efd2,
			    KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY, 0), 0);
	EXPECT_EQ(ioeventfd(vm, G_MMIO + 8, 4, efd2, 1u << 4, 0), 0);

	/* Deassign: exactly what was assigned, once. */
	EXPECT_EQ(ioeventfd(vm, PORT, 1, -1, pio | dm | de, 5), -EBADF);
	EXPECT_EQ(ioeventfd(vm, PORT, 1, nonev, pio | dm | de, 5), -EINVAL);
	EXPECT_EQ(ioeventfd(vm, PORT, 1, efd, pio | dm | de, 7), -ENOENT);
	EXPECT_EQ(ioeventfd(vm, PORT, 1, efd, pio | de, 0), -ENOENT);
	EXPECT_EQ(ioeventfd(vm, PORT, 2, efd, pio | dm | de, 5), -ENOENT);
	EXPECT_EQ(ioeventfd(vm, PORT, 1, efd2, pio | dm | de, 5), -ENOENT);
	EXPECT_EQ(ioeventfd(vm, PORT, 1, efd, dm | de, 5), -ENOENT);
	EXPECT_EQ(ioeventfd(vm, PORT, 1, efd, pio | dm | de, 5), 0);
	EXPECT_EQ(ioeventfd(vm, PORT, 1, efd, pio | dm | de, 5), -ENOENT);
	/* ...and the place is free again. */
	EXPECT_EQ(ioeventfd(vm, PORT, 1, efd2, pio | dm, 5), 0);
	/* Deassign does not check the length as assign does. */
	EXPECT_EQ(ioeventfd(vm, G_MMIO, 3, efd, de, 0), -ENOENT);
	EXPECT_EQ(ioeventfd(vm, G_MMIO, 4, efd, de, 0), 0);

	/* Closing the eventfds while assigned leaves the VM to clean up. */
	close(efd);
	close(efd2);
	close(nonev);
}

TEST_F(g, irqfd_errnos)
{
	int efd, efd2, nonev, vm;

	ASSERT_EQ(guest_create(&self->g, G_MEM_DEFAULT), 0);
	vm = self->g.vm;
	ASSERT_EQ(open_fds(&efd, &efd2, &nonev), 0);

	EXPECT_EQ(okvm_ioctl(vm, KVM_IRQFD, NULL), -EFAULT);
	/* Unknown flags; no in-kernel irqchip yet (x86 KVM: -EINVAL). */
	EXPECT_EQ(irqfd(vm, efd, 5, 1u << 2), -EINVAL);
	EXPECT_EQ(irqfd(vm, efd, 5, 0), -EINVAL);
	/* ...which is not about the fd: a bad one gets the same. */
	EXPECT_EQ(irqfd(vm, -1, 5, 0), -EINVAL);
	/* Deassign needs no irqchip: nothing matches, 0. */
	EXPECT_EQ(irqfd(vm, efd, 5, KVM_IRQFD_FLAG_DEASSIGN), 0);
	ASSERT_EQ(okvm_ioctl(vm, KVM_CREATE_IRQCHIP, 0), 0);
	EXPECT_EQ(irqfd(vm, -1, 5, 0), -EBADF);
	EXPECT_EQ(irqfd(vm, nonev, 5, 0), -EINVAL);
	ASSERT_EQ(irqfd(vm, efd, 5, 0), 0);
	/* One eventfd, one GSI; several eventfds may share a GSI. */
	EXPECT_EQ(irqfd(vm, efd, 6, 0), -EBUSY);
	EXPECT_EQ(irqfd(vm, efd, 5, 0), -EBUSY);
	EXPECT_EQ(irqfd(vm, efd2, 5, 0), 0);
	/* Deassign: bad fds fail; no match is not an error. */
	EXPECT_EQ(irqfd(vm, -1, 5, KVM_IRQFD_FLAG_DEASSIGN), -EBADF);
	EXPECT_EQ(irqfd(vm, nonev, 5, KVM_IRQFD_FLAG_DEASSIGN), -EINVAL);
	EXPECT_EQ(irqfd(vm, efd, 6, KVM_IRQFD_FLAG_DEASSIGN), 0);
	EXPECT_EQ(irqfd(vm, efd, 6, 0), -EBUSY);
	EXPECT_EQ(irqfd(vm, efd, 5, KVM_IRQFD_FLAG_DEASSIGN), 0);
	EXPECT_EQ(irqfd(vm, efd, 6, 0), 0);
	/* A signal to a GSI nothing is routed to reaches nothing. */
	EXPECT_EQ(eventfd_write(efd, 1), 0);

	/* Closing an assigned eventfd detaches it; its number can be reused. */
	close(efd2);
	efd2 = eventfd(0, EFD_CLOEXEC);
	ASSERT_GE(efd2, 0);
	EXPECT_EQ(irqfd(vm, efd2, 5, 0), 0);
	close(efd);
	close(efd2);
	close(nonev);
}

/*
 * OUT 7 and an MMIO write that ioeventfds take; then OUT 8 and an MMIO
 * write next to it that exit; a 2-byte write to the any-length one; HLT.
 */
GUEST_CODE(io_guest, ".code64",
	"mov $0xc0000000, %ebx\n"
	"mov $7, %al\n"
	"out %al, $0x80\n"
	"movl $0xabcd, (%rbx)\n"
	"mov $8, %al\n"
	"out %al, $0x80\n"
	"movl $0x1234, 8(%rbx)\n"
	"movw $5, 16(%rbx)\n"
	"movq $9, 24(%rbx)\n"
	"hlt\n");

TEST_F(g, ioeventfd_guest)
{
	int e_pio, e_mmio, e_any, e_q;
	struct kvm_run *run;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, io_guest,
			     io_guest_end), 0);
	run = self->g.vcpu[0].run;
	e_pio = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	e_mmio = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	e_any = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	e_q = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_GE(e_pio, 0);
	ASSERT_GE(e_mmio, 0);
	ASSERT_GE(e_any, 0);
	ASSERT_GE(e_q, 0);
	ASSERT_EQ(ioeventfd(self->g.vm, PORT, 1, e_pio,
			    KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DATAMATCH, 7), 0);
	ASSERT_EQ(ioeventfd(self->g.vm, G_MMIO, 4, e_mmio, 0, 0), 0);
	ASSERT_EQ(ioeventfd(self->g.vm, G_MMIO + 16, 0, e_any, 0, 0), 0);
	ASSERT_EQ(ioeventfd(self->g.vm, G_MMIO + 24, 8, e_q,
			    KVM_IOEVENTFD_FLAG_DATAMATCH, 9), 0);

	/* OUT 7 and the MMIO write: signalled, no exit; OUT 8 exits. */
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, PORT, 1, 1);
	EXPECT_EQ(*(uint8_t *)guest_io_data(run), 8);
	EXPECT_EQ(efd_count(e_pio), 1);
	EXPECT_EQ(efd_count(e_mmio), 1);
	/* A write 8 bytes on: not the ioeventfd's address. */
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_MMIO_EXIT(run, 1, G_MMIO + 8, 4);
	/* The 2-byte and the matching 8-byte write: no exit. */
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(run, KVM_EXIT_HLT);
	EXPECT_EQ(efd_count(e_any), 1);
	EXPECT_EQ(efd_count(e_q), 1);
	EXPECT_EQ(efd_count(e_pio), 0);
	EXPECT_EQ(efd_count(e_mmio), 0);
	close(e_pio);
	close(e_mmio);
	close(e_any);
	close(e_q);
}

/*
 * IF=1, an exit, then HLT; the handler reports its vector. No EOI: the
 * test ends at the handler's exit.
 */
GUEST_CODE(irq_guest, ".code64",
	"sti\n"
	"out %al, $0x10\n"
	"irq_guest_halt:\n"
	"hlt\n"
	"jmp irq_guest_halt\n"
	"irq_guest_handler:\n"
	"mov $0x40, %eax\n"
	"out %eax, $0x20\n"
	"hlt\n");
extern const uint8_t irq_guest_handler[];

static void *write_later(void *arg)
{
	usleep(200 * 1000);
	eventfd_write(*(int *)arg, 1);
	return NULL;
}

TEST_F(g, irqfd_guest)
{
	struct {
		struct kvm_irq_routing hdr;
		struct kvm_irq_routing_entry e[1];
	} rt = {
		.hdr = { .nr = 1 },
		.e = { { .gsi = IRQ_GSI, .type = KVM_IRQ_ROUTING_MSI,
			 .u.msi = { .address_lo = 0xfee00000,
				    .data = IRQ_VECTOR } } },
	};
	struct kvm_lapic_state lapic;
	struct kvm_run *run;
	pthread_t t;
	int efd, v;

	ASSERT_EQ(guest_create(&self->g, G_MEM_DEFAULT), 0);
	ASSERT_EQ(okvm_ioctl(self->g.vm, KVM_CREATE_IRQCHIP, 0), 0);
	v = guest_add_vcpu(&self->g);
	ASSERT_EQ(v, 0);
	guest_load(&self->g, G_CODE, irq_guest, irq_guest_end);
	ASSERT_EQ(guest_set_mode(&self->g, 0, GUEST_LONG, G_CODE), 0);
	run = self->g.vcpu[0].run;
	ASSERT_EQ(guest_set_irq_handler(&self->g, 0, G_IDT, IRQ_VECTOR,
					G_CODE + (irq_guest_handler - irq_guest)), 0);
	/* Software-enable the APIC; GSI 30: an MSI to APIC 0, the vector. */
	ASSERT_EQ(okvm_ioctl(self->g.vcpu[0].fd, KVM_GET_LAPIC, &lapic), 0);
	*(uint32_t *)&lapic.regs[0xf0] |= 0x100;
	ASSERT_EQ(okvm_ioctl(self->g.vcpu[0].fd, KVM_SET_LAPIC, &lapic), 0);
	ASSERT_EQ(okvm_ioctl(self->g.vm, KVM_SET_GSI_ROUTING, &rt), 0);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_GE(efd, 0);
	ASSERT_EQ(irqfd(self->g.vm, efd, IRQ_GSI, 0), 0);

	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x10, 1, 1);
	/* The guest halts in the kernel; the irqfd's signal wakes it. */
	ASSERT_EQ(pthread_create(&t, NULL, write_later, &efd), 0);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	pthread_join(t, NULL);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x20, 4, 1);
	EXPECT_EQ(guest_out32(run), IRQ_VECTOR);
	/* The irqfd consumed the count. */
	EXPECT_EQ(efd_count(efd), 0);
	close(efd);
}

TEST_HARNESS_MAIN
