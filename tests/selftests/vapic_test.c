// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_SET_VAPIC_ADDR: the word in guest memory through which QEMU's
 * kvmvapic option ROM lets a patched guest read and write its TPR without
 * an exit. KVM writes it before every entry (TPR in bits 7:0, the class of
 * the highest in-service vector in bits 15:12, the highest requested
 * vector in bits 31:24) and loads the TPR from its low byte after every
 * exit. Plus the ioctl's errnos as KVM gives them.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include "kselftest_harness.h"
#include "lib/guest.h"
#include "lib/guest_fixture.h"

#define VAPIC		(G_DATA + 0x80)
#define APIC_TPR_OFF	0x80

/*
 * With IF=0 throughout: enable the APIC (SVR; KVM writes the word only
 * while it is enabled); write TPR 0x30 into the word as a patched TPR
 * write does and exit; read CR8 (loaded from the TPR at entry) and report
 * it; report the word as the next entry left it; exit once more.
 */
GUEST_CODE(vapic_guest, ".code64",
	"cli\n"
	"mov $0xfee000f0, %ebx\n"
	"movl $0x1ff, (%rbx)\n"
	"movb $0x30, 0x100080\n"
	"out %al, $0x10\n"
	"mov %cr8, %rax\n"
	"out %al, $0x11\n"
	"mov 0x100080, %eax\n"
	"out %eax, $0x12\n"
	"out %al, $0x13\n"
	"hlt\n");

static uint32_t lapic_tpr(struct __test_metadata *_metadata, int vcpu_fd)
{
	struct kvm_lapic_state s;
	uint32_t tpr;

	EXPECT_EQ(okvm_ioctl(vcpu_fd, KVM_GET_LAPIC, &s), 0);
	memcpy(&tpr, &s.regs[APIC_TPR_OFF], sizeof(tpr));
	return tpr;
}

/*
 * While set, the word is where the TPR lives: its low byte becomes the
 * TPR after every exit, and every entry with the APIC enabled rewrites it
 * (nothing in service or requested here: just the TPR).
 */
TEST_F(g, tpr_through_the_word)
{
	struct kvm_vapic_addr va = { .vapic_addr = VAPIC };
	/* Fixed, edge, to APIC ID 0. */
	struct kvm_msi msi = { .address_lo = 0xfee00000, .data = 0x45 };
	volatile uint32_t *word;
	struct kvm_run *run;
	int fd;

	ASSERT_EQ(guest_create(&self->g, G_MEM_DEFAULT), 0);
	ASSERT_EQ(okvm_ioctl(self->g.vm, KVM_CREATE_IRQCHIP, 0), 0);
	ASSERT_EQ(guest_add_vcpu(&self->g), 0);
	guest_load(&self->g, G_CODE, vapic_guest, vapic_guest_end);
	ASSERT_EQ(guest_set_mode(&self->g, 0, GUEST_LONG, G_CODE), 0);
	fd = self->g.vcpu[0].fd;
	run = self->g.vcpu[0].run;
	word = guest_ptr(&self->g, VAPIC);
	*word = 0;
	ASSERT_EQ(okvm_ioctl(fd, KVM_SET_VAPIC_ADDR, &va), 0);

	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x10, 1, 1);
	EXPECT_EQ(lapic_tpr(_metadata, fd), 0x30u);

	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x11, 1, 1);
	EXPECT_EQ(*(uint8_t *)guest_io_data(run), 3);

	/*
	 * An interrupt the guest cannot take yet (IF=0): the entry after it
	 * writes the word with the vector in bits 31:24. (KVM refreshes the
	 * word when it evaluated events for the entry; okvm at every entry.)
	 */
	ASSERT_EQ(okvm_ioctl(self->g.vm, KVM_SIGNAL_MSI, &msi), 1);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x12, 4, 1);
	EXPECT_EQ(guest_out32(run), 0x45000030u);
	EXPECT_EQ(lapic_tpr(_metadata, fd), 0x30u);

	/* Address 0 turns it off: the word is neither read nor written. */
	va.vapic_addr = 0;
	ASSERT_EQ(okvm_ioctl(fd, KVM_SET_VAPIC_ADDR, &va), 0);
	*word = 0x77;
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x13, 1, 1);
	EXPECT_EQ(*word, 0x77u);
	EXPECT_EQ(lapic_tpr(_metadata, fd), 0x30u);
}

/*
 * KVM: -EINVAL without an in-kernel APIC (before it reads the argument),
 * -EFAULT for an argument it cannot read, -EINVAL for an address it
 * cannot map (a byte of the word without a memslot; a word across two
 * pages of memory is fine); 0 turns the VAPIC off and is always accepted.
 */
TEST_F(g, errnos)
{
	struct kvm_vapic_addr va = { .vapic_addr = VAPIC };
	int fd;

	ASSERT_EQ(guest_create(&self->g, G_MEM_DEFAULT), 0);
	ASSERT_EQ(guest_add_vcpu(&self->g), 0);
	fd = self->g.vcpu[0].fd;
	EXPECT_EQ(okvm_ioctl(fd, KVM_SET_VAPIC_ADDR, &va), -EINVAL);
	EXPECT_EQ(okvm_ioctl(fd, KVM_SET_VAPIC_ADDR, NULL), -EINVAL);
	guest_destroy(&self->g);

	memset(&self->g, 0, sizeof(self->g));
	self->g.kvm = self->g.vm = -1;
	ASSERT_EQ(guest_create(&self->g, G_MEM_DEFAULT), 0);
	ASSERT_EQ(okvm_ioctl(self->g.vm, KVM_CREATE_IRQCHIP, 0), 0);
	ASSERT_EQ(guest_add_vcpu(&self->g), 0);
	fd = self->g.vcpu[0].fd;
	EXPECT_EQ(okvm_ioctl(fd, KVM_SET_VAPIC_ADDR, NULL), -EFAULT);
	va.vapic_addr = G_MMIO;
	EXPECT_EQ(okvm_ioctl(fd, KVM_SET_VAPIC_ADDR, &va), -EINVAL);
	va.vapic_addr = G_MEM_DEFAULT - 2;
	EXPECT_EQ(okvm_ioctl(fd, KVM_SET_VAPIC_ADDR, &va), -EINVAL);
	va.vapic_addr = G_DATA + 0xffe;
	EXPECT_EQ(okvm_ioctl(fd, KVM_SET_VAPIC_ADDR, &va), 0);
	va.vapic_addr = G_DATA + 0xffc;
	EXPECT_EQ(okvm_ioctl(fd, KVM_SET_VAPIC_ADDR, &va), 0);
	va.vapic_addr = 0;
	EXPECT_EQ(okvm_ioctl(fd, KVM_SET_VAPIC_ADDR, &va), 0);
}

TEST_HARNESS_MAIN
