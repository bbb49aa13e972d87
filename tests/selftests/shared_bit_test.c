// SPDX-License-Identifier: GPL-2.0-only
/*
 * okvm's shared-bit VM type (OKVM_X86_SHARED_BIT_VM_TYPE(), uapi okvm.h):
 * TDX's memory layout on SVM. GPA bit 31 is the shared bit here, so the
 * guest's identity map of 0..4 GiB reaches natural GPA x privately at
 * virtual address x and shared at x | 2 GiB. The guest runs entirely on
 * shared aliases (CR3, its table pointers and RIP carry the bit), since
 * the VMM cannot put code into private memory, and pokes the addresses
 * the host names: it loads from VA (IN 0x11), first storing the value
 * IN 0x12 gives unless it is 0, and reports what it loaded (OUT 0x10).
 *
 * Checks: the capability and the type's bounds; private and shared data
 * of one GFN apart, with the host seeing only the shared one; conversions
 * both ways with KVM's memory-fault exits for an access of the wrong
 * kind; MMIO and missing memory; and host-side changes (MADV_DONTNEED,
 * punch-hole, memslot delete) under a running guest, which must leave no
 * stale translation. okvm's extension: skips elsewhere (in-tree KVM does
 * not know the capability, and refuses the type).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/falloc.h>
#include <linux/okvm.h>

#include "kselftest_harness.h"
#include "lib/guest.h"
#include "lib/okvm_util.h"

#define SB_BIT		31
#define SB		(1UL << SB_BIT)
#define PAGE		4096UL
#define PM_GPA		0x40000000UL	/* slot 1: guest_memfd and VMM page */
#define PM_SLOT		1
#define HOLE_GPA	0x60000000UL	/* no memslot */

GUEST_CODE(sb_poke, ".code64",
	"0: mov $0x11, %dx\n"
	"in %dx, %eax\n"
	"mov %eax, %ebx\n"
	"mov $0x12, %dx\n"
	"in %dx, %eax\n"
	"test %eax, %eax\n"
	"jz 1f\n"
	"mov %eax, (%rbx)\n"
	"1: mov (%rbx), %eax\n"
	"mov $0x10, %dx\n"
	"out %eax, %dx\n"
	"jmp 0b\n");

/* The number of GPA bits a shared bit may be below; 0 if not okvm. */
static long shared_bit_cap(void)
{
	int kvm = okvm_open_dev();
	long r;

	if (kvm < 0)
		return 0;
	r = okvm_ioctl(kvm, KVM_CHECK_EXTENSION, OKVM_CAP_X86_SHARED_BIT_VM);
	close(kvm);
	return r > 0 ? r : 0;
}

FIXTURE(sb) {
	struct guest g;
	uint32_t *shared;	/* the VMM's page of slot 1 (shared memory) */
	int gmem;
	bool created;
};

static long set_private(int vm, uint64_t gpa, int private)
{
	struct kvm_memory_attributes a = {
		.address = gpa, .size = PAGE,
		.attributes = private ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0,
	};

	return okvm_ioctl(vm, KVM_SET_MEMORY_ATTRIBUTES, &a);
}

static long set_slot(int vm, unsigned int slot, uint64_t gpa, uint64_t size,
		     void *hva, int gmem, uint32_t flags)
{
	struct kvm_userspace_memory_region2 r = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (unsigned long)hva,
		.flags = flags | (gmem >= 0 ? KVM_MEM_GUEST_MEMFD : 0),
		.guest_memfd = gmem >= 0 ? gmem : 0,
	};

	return okvm_ioctl(vm, KVM_SET_USER_MEMORY_REGION2, &r);
}

FIXTURE_SETUP(sb)
{
	struct kvm_create_guest_memfd args = { .size = PAGE };
	uint64_t *pml4, *pdpt;
	struct kvm_sregs sregs;
	int i;

	self->gmem = -1;
	self->shared = MAP_FAILED;
	if (!shared_bit_cap())
		SKIP(return, "no OKVM_CAP_X86_SHARED_BIT_VM (not okvm)");
	ASSERT_EQ(guest_create_type(&self->g, G_MEM_DEFAULT,
				    OKVM_X86_SHARED_BIT_VM_TYPE(SB_BIT)), 0);
	self->created = true;
	ASSERT_EQ(guest_add_vcpu(&self->g), 0);
	guest_load(&self->g, G_CODE, sb_poke, sb_poke_end);
	ASSERT_EQ(guest_set_mode(&self->g, 0, GUEST_LONG, G_CODE | SB), 0);
	/* Every table pointer through the shared alias: slot 0 is shared. */
	pml4 = guest_ptr(&self->g, G_PML4);
	pdpt = guest_ptr(&self->g, G_PDPT);
	pml4[0] |= SB;
	for (i = 0; i < 4; i++)
		pdpt[i] |= SB;
	ASSERT_EQ(guest_get_sregs(&self->g, 0, &sregs), 0);
	sregs.cr3 |= SB;
	ASSERT_EQ(guest_set_sregs(&self->g, 0, &sregs), 0);

	/* MAP_PRIVATE: MADV_DONTNEED drops its data (a stale map would not). */
	self->shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(self->shared, MAP_FAILED);
	self->gmem = okvm_ioctl(self->g.vm, KVM_CREATE_GUEST_MEMFD, &args);
	ASSERT_GE(self->gmem, 0);
	ASSERT_EQ(set_slot(self->g.vm, PM_SLOT, PM_GPA, PAGE, self->shared,
			   self->gmem, 0), 0);
}

FIXTURE_TEARDOWN(sb)
{
	if (self->gmem >= 0)
		close(self->gmem);
	if (self->shared != MAP_FAILED)
		munmap(self->shared, PAGE);
	if (self->created)
		guest_destroy(&self->g);
}

/* Give the guest the address to poke; run until it asks for the value. */
static void poke_addr(struct __test_metadata *_metadata, struct guest *g,
		      uint64_t va)
{
	struct kvm_run *run = g->vcpu[0].run;
	uint32_t a = va;

	ASSERT_EQ(guest_run(g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_IN, 0x11, 4, 1);
	memcpy(guest_io_data(run), &a, 4);
	ASSERT_EQ(guest_run(g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_IN, 0x12, 4, 1);
}

/*
 * The guest stores @val at @va (unless 0) and loads it; KVM_RUN's result,
 * *@out the loaded value when it reported one.
 */
static long poke(struct __test_metadata *_metadata, struct guest *g,
		 uint64_t va, uint32_t val, uint32_t *out)
{
	struct kvm_run *run = g->vcpu[0].run;
	long r;

	poke_addr(_metadata, g, va);
	memcpy(guest_io_data(run), &val, 4);
	r = guest_run(g, 0);
	if (!r && run->exit_reason == KVM_EXIT_IO && run->io.port == 0x10)
		*out = guest_out32(run);
	return r;
}

/* Run the guest on after an exit: it finishes its poke and reports. */
static uint32_t finish_poke(struct __test_metadata *_metadata, struct guest *g)
{
	struct kvm_run *run = g->vcpu[0].run;

	EXPECT_EQ(guest_run(g, 0), 0);
	EXPECT_EQ(run->exit_reason, KVM_EXIT_IO) TH_LOG("%s", guest_exit_str(run));
	EXPECT_EQ(run->io.port, 0x10);
	return guest_out32(run);
}

static void expect_memory_fault(struct __test_metadata *_metadata,
				struct guest *g, long r, uint64_t gpa,
				uint64_t flags)
{
	struct kvm_run *run = g->vcpu[0].run;

	ASSERT_EQ(r, -EFAULT) TH_LOG("%s", guest_exit_str(run));
	ASSERT_EQ(run->exit_reason, KVM_EXIT_MEMORY_FAULT)
		TH_LOG("%s", guest_exit_str(run));
	EXPECT_EQ(run->memory_fault.flags, flags);
	EXPECT_EQ(run->memory_fault.gpa, gpa);
	EXPECT_EQ(run->memory_fault.size, PAGE);
}

/* The capability, the type's bounds and what the VMM may name. */
TEST(bounds)
{
	long bits = shared_bit_cap();
	struct kvm_pre_fault_memory pf = { .gpa = PM_GPA | SB, .size = PAGE };
	struct guest g;
	int kvm, vm;

	if (!bits)
		SKIP(return, "no OKVM_CAP_X86_SHARED_BIT_VM (not okvm)");
	/* The guest test needs bit 31; real hosts have 36 bits and more. */
	ASSERT_GT(bits, SB_BIT);
	ASSERT_LE(bits, 52);
	kvm = okvm_open_dev();
	ASSERT_GE(kvm, 0);
	EXPECT_EQ(okvm_ioctl(kvm, KVM_CREATE_VM,
			     OKVM_X86_SHARED_BIT_VM_TYPE(OKVM_X86_SHARED_BIT_MIN - 1)),
		  -EINVAL);
	EXPECT_EQ(okvm_ioctl(kvm, KVM_CREATE_VM, OKVM_X86_SHARED_BIT_VM_TYPE(bits)),
		  -EINVAL);
	EXPECT_EQ(okvm_ioctl(kvm, KVM_CREATE_VM,
			     OKVM_X86_SHARED_BIT_VM_TYPE(SB_BIT) | 0x10000),
		  -EINVAL);
	/* Not a KVM type: KVM_CAP_VM_TYPES's bitmap does not name it. */
	EXPECT_EQ(okvm_ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES) &
		  ~((1L << KVM_X86_DEFAULT_VM) | (1L << KVM_X86_SW_PROTECTED_VM)), 0);
	vm = okvm_ioctl(kvm, KVM_CREATE_VM, OKVM_X86_SHARED_BIT_VM_TYPE(bits - 1));
	EXPECT_GE(vm, 0);
	if (vm >= 0)
		close(vm);
	vm = okvm_ioctl(kvm, KVM_CREATE_VM, OKVM_X86_SHARED_BIT_VM_TYPE(SB_BIT));
	ASSERT_GE(vm, 0);
	/* Private memory, as in a software-protected VM. */
	EXPECT_EQ(okvm_ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_MEMFD), 1);
	EXPECT_EQ(okvm_ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_MEMORY_ATTRIBUTES),
		  KVM_MEMORY_ATTRIBUTE_PRIVATE);
	/* Memslots end below the bit. */
	{
		void *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		ASSERT_NE(p, MAP_FAILED);
		EXPECT_EQ(set_slot(vm, 0, SB - PAGE, 2 * PAGE, p, -1, 0), -EINVAL);
		EXPECT_EQ(set_slot(vm, 0, SB, PAGE, p, -1, 0), -EINVAL);
		EXPECT_EQ(set_slot(vm, 0, SB - PAGE, PAGE, p, -1, 0), 0);
		EXPECT_EQ(set_slot(vm, 0, SB - PAGE, 0, p, -1, 0), 0);
		munmap(p, 2 * PAGE);
	}
	close(vm);
	close(kvm);

	/* KVM_PRE_FAULT_MEMORY names natural GPAs only. */
	ASSERT_EQ(guest_create_type(&g, G_MEM_DEFAULT,
				    OKVM_X86_SHARED_BIT_VM_TYPE(SB_BIT)), 0);
	ASSERT_EQ(guest_add_vcpu(&g), 0);
	EXPECT_EQ(okvm_ioctl(g.vcpu[0].fd, KVM_PRE_FAULT_MEMORY, &pf), -EINVAL);
	pf.gpa = G_DATA;
	EXPECT_EQ(okvm_ioctl(g.vcpu[0].fd, KVM_PRE_FAULT_MEMORY, &pf), 0);
	EXPECT_EQ(pf.size, 0);
	guest_destroy(&g);
}

/* One GFN, private at its GPA and shared at the alias; conversions. */
TEST_F(sb, private_and_shared)
{
	int vm = self->g.vm;
	uint32_t v = 0;

	/* Private: the guest's data lives in guest_memfd, not in the VMM's page. */
	ASSERT_EQ(set_private(vm, PM_GPA, 1), 0);
	ASSERT_EQ(poke(_metadata, &self->g, PM_GPA, 0x11111111, &v), 0);
	EXPECT_EQ(v, 0x11111111);
	EXPECT_EQ(self->shared[0], 0);

	/* A shared access to it: the GPA without the bit, no private flag. */
	expect_memory_fault(_metadata, &self->g,
			    poke(_metadata, &self->g, PM_GPA | SB, 0x22222222, &v),
			    PM_GPA, 0);
	/* Converted, the same store goes through to the VMM's page. */
	ASSERT_EQ(set_private(vm, PM_GPA, 0), 0);
	EXPECT_EQ(finish_poke(_metadata, &self->g), 0x22222222);
	EXPECT_EQ(self->shared[0], 0x22222222);

	/* Now a private access is the wrong kind. */
	expect_memory_fault(_metadata, &self->g,
			    poke(_metadata, &self->g, PM_GPA, 0, &v),
			    PM_GPA, KVM_MEMORY_EXIT_FLAG_PRIVATE);
	/* Private again: guest_memfd kept the data the host never saw. */
	ASSERT_EQ(set_private(vm, PM_GPA, 1), 0);
	EXPECT_EQ(finish_poke(_metadata, &self->g), 0x11111111);
	EXPECT_EQ(self->shared[0], 0x22222222);

	/* A punch-hole frees the private page under the running guest. */
	ASSERT_EQ(fallocate(self->gmem, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE,
			    0, PAGE), 0);
	ASSERT_EQ(poke(_metadata, &self->g, PM_GPA, 0, &v), 0);
	EXPECT_EQ(v, 0);
	EXPECT_EQ(self->shared[0], 0x22222222);
}

/* A shared access to no memslot is MMIO at the natural GPA; a private one faults. */
TEST_F(sb, mmio_and_missing_memory)
{
	struct kvm_run *run = self->g.vcpu[0].run;
	uint32_t v = 0, data = 0xabcd1234;

	ASSERT_EQ(poke(_metadata, &self->g, HOLE_GPA | SB, 0, &v), 0);
	ASSERT_MMIO_EXIT(run, 0, HOLE_GPA, 4);
	memcpy(run->mmio.data, &data, 4);
	EXPECT_EQ(finish_poke(_metadata, &self->g), 0xabcd1234);

	expect_memory_fault(_metadata, &self->g,
			    poke(_metadata, &self->g, HOLE_GPA, 0, &v),
			    HOLE_GPA, KVM_MEMORY_EXIT_FLAG_PRIVATE);
}

/* Host changes under a running guest reach the shared alias at once. */
TEST_F(sb, no_stale_translation)
{
	struct kvm_run *run = self->g.vcpu[0].run;
	struct kvm_dirty_log log = { .slot = 0 };
	uint64_t bitmap[G_MEM_DEFAULT / PAGE / 64] = {};
	uint32_t v = 0;

	ASSERT_EQ(poke(_metadata, &self->g, PM_GPA | SB, 0x33333333, &v), 0);
	EXPECT_EQ(v, 0x33333333);
	EXPECT_EQ(self->shared[0], 0x33333333);
	/* The VMM drops its page: the guest must see the new, zeroed one. */
	ASSERT_EQ(madvise(self->shared, PAGE, MADV_DONTNEED), 0);
	ASSERT_EQ(poke(_metadata, &self->g, PM_GPA | SB, 0, &v), 0);
	EXPECT_EQ(v, 0);
	/* And the host's writes show through the alias. */
	self->shared[0] = 0x44444444;
	ASSERT_EQ(poke(_metadata, &self->g, PM_GPA | SB, 0, &v), 0);
	EXPECT_EQ(v, 0x44444444);

	/* Dirty logging sees natural GFNs. */
	ASSERT_EQ(guest_set_slot(&self->g, 0, KVM_MEM_LOG_DIRTY_PAGES, 0,
				 self->g.mem_size, self->g.mem), 0);
	ASSERT_EQ(poke(_metadata, &self->g, G_DATA | SB, 0x55555555, &v), 0);
	EXPECT_EQ(v, 0x55555555);
	EXPECT_EQ(*(uint32_t *)guest_ptr(&self->g, G_DATA), 0x55555555);
	log.dirty_bitmap = bitmap;
	ASSERT_EQ(okvm_ioctl(self->g.vm, KVM_GET_DIRTY_LOG, &log), 0);
	EXPECT_TRUE(bitmap[(G_DATA / PAGE) / 64] & (1ULL << ((G_DATA / PAGE) % 64)));

	/* The VMM unmaps it: no host page, so KVM_RUN fails (KVM 6.12: -EFAULT). */
	ASSERT_EQ(munmap(self->shared, PAGE), 0);
	self->shared = MAP_FAILED;
	EXPECT_EQ(poke(_metadata, &self->g, PM_GPA | SB, 0, &v), -EFAULT);

	/* The slot deleted, the alias is MMIO: the pending load exits. */
	ASSERT_EQ(set_slot(self->g.vm, PM_SLOT, PM_GPA, 0, NULL, -1, 0), 0);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_MMIO_EXIT(run, 0, PM_GPA, 4);
}

TEST_HARNESS_MAIN
