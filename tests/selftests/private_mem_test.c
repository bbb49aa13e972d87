// SPDX-License-Identifier: GPL-2.0-only
/*
 * Private memory in a KVM_X86_SW_PROTECTED_VM, on a real guest: the guest
 * reads one GPA, reports the value (OUT 0x10) and stores what the host
 * gives it (IN 0x11; 0 stores nothing), forever. The host converts the page between shared
 * and private (KVM_SET_MEMORY_ATTRIBUTES) and checks what each side sees:
 * private data comes from guest_memfd and never shows in the VMM's
 * mapping, survives conversions, and reads zero after a punch-hole; a
 * private access that has no private memory behind it (no slot, a slot
 * without guest_memfd, a closed guest_memfd) exits with
 * KVM_EXIT_MEMORY_FAULT and -EFAULT. Holds for KVM and okvm; skips where
 * the VM type is not offered (Debian's kvm_amd lacks
 * CONFIG_KVM_SW_PROTECTED_VM).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/falloc.h>

#include "kselftest_harness.h"
#include "lib/guest.h"
#include "lib/okvm_util.h"

#ifndef KVM_X86_SW_PROTECTED_VM
#define KVM_X86_SW_PROTECTED_VM	1
#endif

#define PM_GPA		0x40000000UL	/* 1 GiB: inside the guest's identity map */
#define PM_SLOT		1
#define PAGE		4096UL

GUEST_CODE(pm_code, ".code64",
	"0: mov $0x40000000, %ebx\n"
	"mov (%rbx), %eax\n"
	"mov $0x10, %dx\n"
	"out %eax, %dx\n"
	"mov $0x11, %dx\n"
	"in %dx, %eax\n"
	"test %eax, %eax\n"
	"jz 0b\n"
	"mov %eax, (%rbx)\n"
	"jmp 0b\n");

FIXTURE(pm) {
	struct guest g;
	uint32_t *shared;	/* the VMM's mapping of the slot (shared memory) */
	int gmem;
};

static long set_private(int vm, uint64_t gpa, int private)
{
	struct kvm_memory_attributes a = {
		.address = gpa, .size = PAGE,
		.attributes = private ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0,
	};

	return okvm_ioctl(vm, KVM_SET_MEMORY_ATTRIBUTES, &a);
}

static long add_slot(int vm, unsigned int slot, uint64_t gpa, void *hva, int gmem)
{
	struct kvm_userspace_memory_region2 r = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = PAGE,
		.userspace_addr = (unsigned long)hva,
		.flags = gmem >= 0 ? KVM_MEM_GUEST_MEMFD : 0,
		.guest_memfd = gmem >= 0 ? gmem : 0,
	};

	return okvm_ioctl(vm, KVM_SET_USER_MEMORY_REGION2, &r);
}

FIXTURE_SETUP(pm)
{
	struct kvm_create_guest_memfd args = { .size = PAGE };
	int kvm = okvm_open_dev();

	self->gmem = -1;
	ASSERT_GE(kvm, 0);
	if (!(okvm_ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES) &
	      (1 << KVM_X86_SW_PROTECTED_VM))) {
		close(kvm);
		SKIP(return, "KVM_X86_SW_PROTECTED_VM not offered (kvm_amd: not built in)");
	}
	close(kvm);
	ASSERT_EQ(guest_create_type(&self->g, G_MEM_DEFAULT, KVM_X86_SW_PROTECTED_VM), 0);
	ASSERT_EQ(guest_add_vcpu(&self->g), 0);
	guest_load(&self->g, G_CODE, pm_code, pm_code_end);
	ASSERT_EQ(guest_set_mode(&self->g, 0, GUEST_LONG, G_CODE), 0);
	self->shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(self->shared, MAP_FAILED);
	self->gmem = okvm_ioctl(self->g.vm, KVM_CREATE_GUEST_MEMFD, &args);
	ASSERT_GE(self->gmem, 0);
}

FIXTURE_TEARDOWN(pm)
{
	if (self->gmem >= 0)
		close(self->gmem);
	guest_destroy(&self->g);
}

/* Run to the guest's report of what it read at PM_GPA. */
static long read_value(struct __test_metadata *_metadata, struct guest *g,
		       uint32_t *v)
{
	struct kvm_run *run = g->vcpu[0].run;
	long r = guest_run(g, 0);

	if (r)
		return r;
	EXPECT_EQ(run->exit_reason, KVM_EXIT_IO) TH_LOG("%s", guest_exit_str(run));
	EXPECT_EQ(run->io.port, 0x10);
	*v = guest_out32(run);
	return 0;
}

/* Run to the guest's IN and give it @v to store at PM_GPA (0: no store). */
static void store_value(struct __test_metadata *_metadata, struct guest *g,
			uint32_t v)
{
	struct kvm_run *run = g->vcpu[0].run;

	ASSERT_EQ(guest_run(g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_IN, 0x11, 4, 1);
	memcpy(guest_io_data(run), &v, 4);
}

static void expect_memory_fault(struct __test_metadata *_metadata,
				struct guest *g, uint64_t gpa)
{
	struct kvm_run *run = g->vcpu[0].run;
	uint32_t v;

	ASSERT_EQ(read_value(_metadata, g, &v), -EFAULT);
	ASSERT_EQ(run->exit_reason, KVM_EXIT_MEMORY_FAULT)
		TH_LOG("%s", guest_exit_str(run));
	EXPECT_EQ(okvm_ioctl(g->kvm, KVM_CHECK_EXTENSION,
			     KVM_CAP_MEMORY_FAULT_INFO), 1)
		TH_LOG("a memory-fault exit, but no KVM_CAP_MEMORY_FAULT_INFO");
	EXPECT_EQ(run->memory_fault.flags, KVM_MEMORY_EXIT_FLAG_PRIVATE);
	EXPECT_EQ(run->memory_fault.gpa, gpa);
	EXPECT_EQ(run->memory_fault.size, PAGE);
}

/* Shared and private contents of one GFN, through conversions both ways. */
TEST_F(pm, conversions)
{
	int vm = self->g.vm;
	uint32_t v;

	self->shared[0] = 0x11111111;
	ASSERT_EQ(add_slot(vm, PM_SLOT, PM_GPA, self->shared, self->gmem), 0);

	/* Shared by default: the VMM's page, both ways. */
	ASSERT_EQ(read_value(_metadata, &self->g, &v), 0);
	EXPECT_EQ(v, 0x11111111);
	store_value(_metadata, &self->g, 0x22222222);
	ASSERT_EQ(read_value(_metadata, &self->g, &v), 0);
	EXPECT_EQ(v, 0x22222222);
	EXPECT_EQ(self->shared[0], 0x22222222);

	/* Private: a fresh guest_memfd page; the host never sees its data. */
	ASSERT_EQ(set_private(vm, PM_GPA, 1), 0);
	store_value(_metadata, &self->g, 0x33333333);
	ASSERT_EQ(read_value(_metadata, &self->g, &v), 0);
	EXPECT_EQ(v, 0x33333333);
	EXPECT_EQ(self->shared[0], 0x22222222);

	/* Shared again: the VMM's page as the host left it. */
	ASSERT_EQ(set_private(vm, PM_GPA, 0), 0);
	self->shared[0] = 0x44444444;
	store_value(_metadata, &self->g, 0x55555555);
	ASSERT_EQ(read_value(_metadata, &self->g, &v), 0);
	EXPECT_EQ(v, 0x55555555);
	EXPECT_EQ(self->shared[0], 0x55555555);

	/* Private again: guest_memfd kept the private data. */
	ASSERT_EQ(set_private(vm, PM_GPA, 1), 0);
	store_value(_metadata, &self->g, 0x66666666);
	ASSERT_EQ(read_value(_metadata, &self->g, &v), 0);
	EXPECT_EQ(v, 0x66666666);
	EXPECT_EQ(self->shared[0], 0x55555555);

	/* A punch-hole frees the private page: the guest reads a new, zeroed one. */
	ASSERT_EQ(fallocate(self->gmem, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE,
			    0, PAGE), 0);
	store_value(_metadata, &self->g, 0x77777777);
	ASSERT_EQ(read_value(_metadata, &self->g, &v), 0);
	EXPECT_EQ(v, 0x77777777);
	ASSERT_EQ(fallocate(self->gmem, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE,
			    0, PAGE), 0);
	store_value(_metadata, &self->g, 0);
	ASSERT_EQ(read_value(_metadata, &self->g, &v), 0);
	EXPECT_EQ(v, 0);
	EXPECT_EQ(self->shared[0], 0x55555555);

	/* An munmap of the shared backing leaves the private mapping alone. */
	ASSERT_EQ(munmap(self->shared, PAGE), 0);
	store_value(_metadata, &self->g, 0x88888888);
	ASSERT_EQ(read_value(_metadata, &self->g, &v), 0);
	EXPECT_EQ(v, 0x88888888);
}

/* A private GFN in a slot without guest_memfd: a memory-fault exit. */
TEST_F(pm, private_without_guest_memfd)
{
	ASSERT_EQ(add_slot(self->g.vm, PM_SLOT, PM_GPA, self->shared, -1), 0);
	ASSERT_EQ(set_private(self->g.vm, PM_GPA, 1), 0);
	expect_memory_fault(_metadata, &self->g, PM_GPA);
	/* Shared again, the access goes through. */
	ASSERT_EQ(set_private(self->g.vm, PM_GPA, 0), 0);
	self->shared[0] = 0x12345678;
	{
		uint32_t v;

		ASSERT_EQ(read_value(_metadata, &self->g, &v), 0);
		EXPECT_EQ(v, 0x12345678);
	}
}

/* A private GFN with no memslot at all: a memory-fault exit, not MMIO. */
TEST_F(pm, private_without_memslot)
{
	struct kvm_run *run = self->g.vcpu[0].run;

	ASSERT_EQ(set_private(self->g.vm, PM_GPA, 1), 0);
	expect_memory_fault(_metadata, &self->g, PM_GPA);
	/* Shared and without a slot, the same access is MMIO. */
	ASSERT_EQ(set_private(self->g.vm, PM_GPA, 0), 0);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_MMIO_EXIT(run, 0, PM_GPA, 4);
}

/* The guest_memfd closed under its slot: private accesses exit, -EFAULT. */
TEST_F(pm, guest_memfd_closed)
{
	uint32_t v;

	ASSERT_EQ(add_slot(self->g.vm, PM_SLOT, PM_GPA, self->shared, self->gmem), 0);
	ASSERT_EQ(set_private(self->g.vm, PM_GPA, 1), 0);
	ASSERT_EQ(read_value(_metadata, &self->g, &v), 0);
	EXPECT_EQ(v, 0);
	store_value(_metadata, &self->g, 0x9abcdef0);
	ASSERT_EQ(read_value(_metadata, &self->g, &v), 0);
	EXPECT_EQ(v, 0x9abcdef0);
	close(self->gmem);
	self->gmem = -1;
	/* The guest's store faults now (as would a read). */
	store_value(_metadata, &self->g, 0x0fedcba9);
	expect_memory_fault(_metadata, &self->g, PM_GPA);
}

TEST_HARNESS_MAIN
