// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ioctl surface that needs no guest execution: system fd, VM fd,
 * memslots, vCPUs, stats, process binding and lifetime, with KVM's errno
 * for every bad input. Runs unchanged against okvm and in-tree KVM.
 */
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "lib/okvm_util.h"

#define PAGE	4096UL
#define MEM	(2UL << 20)

TEST(system_fd)
{
	int kvm = okvm_open_dev();

	ASSERT_GE(kvm, 0) TH_LOG("open %s: %s", okvm_dev_path(), strerror(errno));
	EXPECT_EQ(okvm_ioctl(kvm, KVM_GET_API_VERSION, 0), KVM_API_VERSION);
	EXPECT_EQ(okvm_ioctl(kvm, KVM_GET_API_VERSION, 1), -EINVAL);
	EXPECT_EQ(okvm_ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0) % PAGE, 0);
	EXPECT_GE(okvm_ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0), (long)PAGE);
	EXPECT_EQ(okvm_ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 1), -EINVAL);
	/* A cap number nobody defines is simply not offered. */
	EXPECT_EQ(okvm_ioctl(kvm, KVM_CHECK_EXTENSION, 100000), 0);
	EXPECT_EQ(okvm_ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY), 1);
	EXPECT_EQ(okvm_ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT), 1);
	EXPECT_GT(okvm_ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS), 0);
	EXPECT_GE(okvm_ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID),
		  okvm_ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS));
	/* An unknown ioctl on the system fd. */
	EXPECT_EQ(okvm_ioctl(kvm, _IO(KVMIO, 0xff), 0), -EINVAL);
	/* VM types other than the default are refused unless offered. */
	if (!(okvm_ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES) & (1 << 4)))
		EXPECT_EQ(okvm_ioctl(kvm, KVM_CREATE_VM, 4), -EINVAL);
	EXPECT_EQ(okvm_ioctl(kvm, KVM_CREATE_VM, 0x1000), -EINVAL);
	close(kvm);
}

TEST(bad_fds)
{
	EXPECT_EQ(okvm_ioctl(-1, KVM_GET_API_VERSION, 0), -EBADF);
	EXPECT_EQ(okvm_ioctl(1000, KVM_CREATE_VM, 0), -EBADF);
}

TEST(supported_cpuid)
{
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[100];
	} cpuid = { .c.nent = 100 };
	struct kvm_cpuid2 tiny = { .nent = 0 };
	int kvm = okvm_open_dev();
	unsigned int i;
	int found = 0;

	ASSERT_GE(kvm, 0);
	ASSERT_EQ(okvm_ioctl(kvm, KVM_GET_SUPPORTED_CPUID, &cpuid), 0);
	ASSERT_GT(cpuid.c.nent, 0);
	ASSERT_LE(cpuid.c.nent, 100);
	for (i = 0; i < cpuid.c.nent; i++)
		found += cpuid.e[i].function == 0 || cpuid.e[i].function == 1;
	EXPECT_EQ(found, 2);
	EXPECT_EQ(okvm_ioctl(kvm, KVM_GET_SUPPORTED_CPUID, &tiny), -E2BIG);
	EXPECT_EQ(okvm_ioctl(kvm, KVM_GET_SUPPORTED_CPUID, NULL), -EFAULT);
	close(kvm);
}

FIXTURE(vm) {
	int kvm;
	int vm;
	void *mem;
};

FIXTURE_SETUP(vm)
{
	self->kvm = okvm_open_dev();
	ASSERT_GE(self->kvm, 0);
	self->vm = okvm_ioctl(self->kvm, KVM_CREATE_VM, 0);
	ASSERT_GE(self->vm, 0);
	self->mem = mmap(NULL, 4 * MEM, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(self->mem, MAP_FAILED);
}

FIXTURE_TEARDOWN(vm)
{
	munmap(self->mem, 4 * MEM);
	close(self->vm);
	close(self->kvm);
}

struct region_case {
	const char *what;
	int v1;			/* use KVM_SET_USER_MEMORY_REGION */
	unsigned int slot, flags;
	unsigned long long gpa, size;
	long hva_off;		/* from the fixture's buffer; -1: NULL-ish */
	long err;
};

/* Against a VM holding slot 0: GPA 1M..3M, HVA mem..mem+2M. */
static const struct region_case region_cases[] = {
	{ "unknown flag", 0, 1, 1u << 7, 8 * MEM, PAGE, 0, -EINVAL },
	{ "guest_memfd flag via v1", 1, 1, KVM_MEM_GUEST_MEMFD, 8 * MEM, PAGE, 0, -EINVAL },
	{ "unaligned size", 0, 1, 0, 8 * MEM, PAGE + 1, 0, -EINVAL },
	{ "unaligned gpa", 0, 1, 0, 8 * MEM + 8, PAGE, 0, -EINVAL },
	{ "unaligned hva", 0, 1, 0, 8 * MEM, PAGE, 8, -EINVAL },
	{ "kernel hva", 0, 1, 0, 8 * MEM, PAGE, -1, -EINVAL },
	{ "address space past the last", 0, ~0u, 0, 8 * MEM, PAGE, 0, -EINVAL },
	{ "slot id 32767", 0, 32767, 0, 8 * MEM, PAGE, 0, -EINVAL },
	{ "gpa wraps", 0, 1, 0, -PAGE, 2 * PAGE, 0, -EINVAL },
	{ "delete missing slot", 0, 7, 0, 0, 0, 0, -EINVAL },
	{ "overlap start", 0, 1, 0, MEM / 2, MEM, 0, -EEXIST },
	{ "overlap inside", 0, 1, 0, MEM + PAGE, PAGE, 0, -EEXIST },
	{ "overlap around", 0, 1, 0, 0, 4 * MEM, 0, -EEXIST },
	{ "resize slot 0", 0, 0, 0, MEM, 2 * MEM, 0, -EINVAL },
	{ "rebase hva of slot 0", 0, 0, 0, MEM, MEM, PAGE, -EINVAL },
	{ "make slot 0 read-only", 0, 0, KVM_MEM_READONLY, MEM, MEM, 0, -EINVAL },
};

TEST_F(vm, memslot_bad_inputs)
{
	long nr_as = okvm_ioctl(self->kvm, KVM_CHECK_EXTENSION,
				KVM_CAP_MULTI_ADDRESS_SPACE);
	unsigned int i;

	/* Address spaces 0..nr_as-1 exist (one when the cap is absent). */
	nr_as = nr_as > 1 ? nr_as : 1;

	ASSERT_EQ(okvm_set_region2(self->vm, 0, 0, MEM, MEM, self->mem), 0);
	for (i = 0; i < ARRAY_SIZE(region_cases); i++) {
		const struct region_case *c = &region_cases[i];
		void *hva = c->hva_off < 0 ? (void *)-0x200000UL :
			    (char *)self->mem + c->hva_off;
		unsigned int slot = c->slot == ~0u ? nr_as << 16 | 1 : c->slot;
		long r = c->v1 ? okvm_set_region1(self->vm, slot, c->flags,
						  c->gpa, c->size, hva) :
				 okvm_set_region2(self->vm, slot, c->flags,
						  c->gpa, c->size, hva);

		EXPECT_EQ(r, c->err) TH_LOG("case '%s': got %ld, want %ld",
					    c->what, r, c->err);
	}
	/* A bad pointer to the request itself. */
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_SET_USER_MEMORY_REGION2, 8), -EFAULT);
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_SET_USER_MEMORY_REGION, 8), -EFAULT);
	/* Slot 0 is still there, unchanged: re-stating it is a no-op. */
	EXPECT_EQ(okvm_set_region2(self->vm, 0, 0, MEM, MEM, self->mem), 0);
}

TEST_F(vm, memslot_lifecycle)
{
	int max = okvm_ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);

	/* Create with v1, modify and delete with v2, and the other way. */
	ASSERT_EQ(okvm_set_region1(self->vm, 0, 0, 0, MEM, self->mem), 0);
	EXPECT_EQ(okvm_set_region2(self->vm, 0, KVM_MEM_LOG_DIRTY_PAGES, 0, MEM,
				   self->mem), 0);
	EXPECT_EQ(okvm_set_region2(self->vm, 0, 0, 0, MEM, self->mem), 0);
	/* Move, then move onto a range that overlaps another slot. */
	ASSERT_EQ(okvm_set_region2(self->vm, 1, KVM_MEM_READONLY, 4 * MEM, MEM,
				   (char *)self->mem + MEM), 0);
	EXPECT_EQ(okvm_set_region1(self->vm, 0, 0, 8 * MEM, MEM, self->mem), 0);
	EXPECT_EQ(okvm_set_region1(self->vm, 0, 0, 4 * MEM + PAGE, MEM, self->mem),
		  -EEXIST);
	/* Delete: size 0; the other fields do not matter. */
	EXPECT_EQ(okvm_set_region2(self->vm, 0, 0, 0x1234000, 0, NULL), 0);
	EXPECT_EQ(okvm_set_region2(self->vm, 0, 0, 0, 0, NULL), -EINVAL);
	EXPECT_EQ(okvm_set_region1(self->vm, 1, 0, 0, 0, NULL), 0);
	/* The highest slot id works, one more does not. */
	EXPECT_EQ(okvm_set_region2(self->vm, max - 1, 0, 0, PAGE, self->mem), 0);
	EXPECT_EQ(okvm_set_region2(self->vm, max, 0, PAGE, PAGE, self->mem), -EINVAL);
	/* Two slots may share one host range (aliases). */
	EXPECT_EQ(okvm_set_region2(self->vm, 2, 0, 16 * MEM, PAGE, self->mem), 0);
}

TEST_F(vm, enable_cap)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_MAX_VCPU_ID };
	long max = okvm_ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID);

	cap.flags = 1;
	cap.args[0] = 8;
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_ENABLE_CAP, &cap), -EINVAL);
	cap.flags = 0;
	cap.args[0] = max + 1;
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_ENABLE_CAP, &cap), -EINVAL);
	cap.args[0] = 8;
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_ENABLE_CAP, &cap), 0);
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_ENABLE_CAP, &cap), 0);
	cap.args[0] = 9;
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_ENABLE_CAP, &cap), -EINVAL);
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_CREATE_VCPU, 8), -EINVAL);
	EXPECT_GE(okvm_ioctl(self->vm, KVM_CREATE_VCPU, 7), 0);
	cap.cap = 100000;
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_ENABLE_CAP, &cap), -EINVAL);
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_ENABLE_CAP, NULL), -EFAULT);
}

/* KVM's checks on the APIC caps; the errno order follows KVM's x86.c. */
TEST_F(vm, apic_caps)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_APIC_BUS_CYCLES_NS };
	long valid;

	/* The default period, 1 ns, on the system and the VM fd. */
	EXPECT_EQ(okvm_ioctl(self->kvm, KVM_CHECK_EXTENSION,
			     KVM_CAP_X86_APIC_BUS_CYCLES_NS), 1);
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_CHECK_EXTENSION,
			     KVM_CAP_X86_APIC_BUS_CYCLES_NS), 1);
	cap.args[0] = 2;
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_ENABLE_CAP, &cap), -ENXIO);
	ASSERT_EQ(okvm_ioctl(self->vm, KVM_CREATE_IRQCHIP, 0), 0);
	cap.args[0] = 0;
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_ENABLE_CAP, &cap), -EINVAL);
	/* TMICT * 128 * period must fit in 64 bits. */
	cap.args[0] = ~0ULL / (0xffffffffULL * 128) + 1;
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_ENABLE_CAP, &cap), -EINVAL);
	cap.args[0] = ~0ULL / (0xffffffffULL * 128);
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_ENABLE_CAP, &cap), 0);
	cap.args[0] = 2;
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_ENABLE_CAP, &cap), 0);
	ASSERT_GE(okvm_ioctl(self->vm, KVM_CREATE_VCPU, 0), 0);
	/* Too late once a vCPU exists, even for a valid period. */
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_ENABLE_CAP, &cap), -EINVAL);

	/* X2APIC_API: the advertised flags are accepted, others refused. */
	valid = okvm_ioctl(self->vm, KVM_CHECK_EXTENSION, KVM_CAP_X2APIC_API);
	ASSERT_GT(valid, 0);
	EXPECT_TRUE(valid & KVM_X2APIC_API_USE_32BIT_IDS);
	cap.cap = KVM_CAP_X2APIC_API;
	cap.args[0] = ~(unsigned long long)valid;
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_ENABLE_CAP, &cap), -EINVAL);
	cap.args[0] = valid;
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_ENABLE_CAP, &cap), 0);
	cap.args[0] = 0;
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_ENABLE_CAP, &cap), 0);
}

static int set_routing(int vm, const struct kvm_irq_routing_entry *e,
		       unsigned int nr, unsigned int flags)
{
	struct {
		struct kvm_irq_routing hdr;
		struct kvm_irq_routing_entry e[4];
	} r = { .hdr = { .nr = nr, .flags = flags } };

	memcpy(r.e, e, sizeof(*e) * (nr < 4 ? nr : 4));
	return okvm_ioctl(vm, KVM_SET_GSI_ROUTING, &r);
}

#define IOAPIC_ROUTE(g, p) { .gsi = (g), .type = KVM_IRQ_ROUTING_IRQCHIP, \
	.u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC, .pin = (p) } }
#define MSI_ROUTE(g, dest, vec) { .gsi = (g), .type = KVM_IRQ_ROUTING_MSI, \
	.u.msi = { .address_lo = 0xfee00000 | (dest) << 12, .data = (vec) } }

/* KVM_SET_GSI_ROUTING's checks, then an MSI route fired by KVM_IRQ_LINE. */
TEST_F(vm, gsi_routing)
{
	const struct kvm_irq_routing_entry ok[] = {
		IOAPIC_ROUTE(5, 5), MSI_ROUTE(30, 0, 0x40),
	};
	struct {
		const char *what;
		struct kvm_irq_routing_entry e[2];
		unsigned int nr;
	} bad[] = {
		{ "gsi 4096", { IOAPIC_ROUTE(4096, 1) }, 1 },
		{ "ioapic pin 24", { IOAPIC_ROUTE(1, 24) }, 1 },
		{ "same pin chip twice", { IOAPIC_ROUTE(1, 1), IOAPIC_ROUTE(1, 2) }, 2 },
		{ "msi beside irqchip", { IOAPIC_ROUTE(1, 1), MSI_ROUTE(1, 0, 0x40) }, 2 },
		{ "two msis", { MSI_ROUTE(1, 0, 0x40), MSI_ROUTE(1, 1, 0x41) }, 2 },
		{ "unknown type", { { .gsi = 1, .type = 99 } }, 1 },
		{ "irqchip flags", { IOAPIC_ROUTE(1, 1) }, 1 },
		{ "msi flags", { MSI_ROUTE(1, 0, 0x40) }, 1 },
	};
	struct kvm_irq_level line = { .irq = 30, .level = 1 };
	struct kvm_lapic_state lapic;
	struct { struct kvm_irq_routing hdr; } big = { .hdr = { .nr = 4097 } };
	unsigned int i;
	int vcpu;

	bad[6].e[0].flags = 1;
	bad[7].e[0].flags = 2;
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_CHECK_EXTENSION, KVM_CAP_IRQ_ROUTING), 4096);
	/* Not without an in-kernel irqchip. */
	EXPECT_EQ(set_routing(self->vm, ok, 2, 0), -EINVAL);
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_SET_GSI_ROUTING, NULL), -EFAULT);
	ASSERT_EQ(okvm_ioctl(self->vm, KVM_CREATE_IRQCHIP, 0), 0);
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_SET_GSI_ROUTING, NULL), -EFAULT);
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_SET_GSI_ROUTING, &big), -EINVAL);
	EXPECT_EQ(set_routing(self->vm, ok, 2, 1), -EINVAL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *what = bad[i].what;

		EXPECT_EQ(set_routing(self->vm, bad[i].e, bad[i].nr, 0), -EINVAL)
			TH_LOG("%s", what);
	}
	/* An empty table is valid. */
	EXPECT_EQ(set_routing(self->vm, ok, 0, 0), 0);
	vcpu = okvm_ioctl(self->vm, KVM_CREATE_VCPU, 0);
	ASSERT_GE(vcpu, 0);
	/* Software-enable the APIC so that it accepts the message. */
	ASSERT_EQ(okvm_ioctl(vcpu, KVM_GET_LAPIC, &lapic), 0);
	*(unsigned int *)&lapic.regs[0xf0] |= 0x100;
	ASSERT_EQ(okvm_ioctl(vcpu, KVM_SET_LAPIC, &lapic), 0);
	ASSERT_EQ(set_routing(self->vm, ok, 2, 0), 0);

	/* GSI 30 is an MSI to APIC 0, vector 0x40: it lands in the IRR. */
	ASSERT_EQ(okvm_ioctl(self->vm, KVM_IRQ_LINE_STATUS, &line), 0);
	EXPECT_EQ(line.status, 1);
	ASSERT_EQ(okvm_ioctl(vcpu, KVM_GET_LAPIC, &lapic), 0);
	EXPECT_TRUE(*(unsigned int *)&lapic.regs[0x200 + 0x40 / 32 * 0x10] &
		    (1u << (0x40 % 32)));
	/* An MSI has no level 0. */
	line.level = 0;
	ASSERT_EQ(okvm_ioctl(self->vm, KVM_IRQ_LINE_STATUS, &line), 0);
	EXPECT_EQ(line.status, -1);
	/* An unrouted GSI reaches nothing. */
	line.irq = 31;
	line.level = 1;
	ASSERT_EQ(okvm_ioctl(self->vm, KVM_IRQ_LINE_STATUS, &line), 0);
	EXPECT_EQ(line.status, -1);
	close(vcpu);
}

/*
 * What the VMMs people run check before they start, from their sources:
 * QEMU 7.2's kvm_init() and x86 kvm_arch_init() (and what newer QEMU
 * adds), Firecracker's and cloud-hypervisor's required lists, and what
 * other VMMs test. Every one must be offered (KVM offers them all on
 * AMD). Not here, because okvm does not offer them yet: the optional
 * KVM_CAP_X86_ROBUST_SINGLESTEP (QEMU's gdbstub), KVM_CAP_IRQFD_RESAMPLE,
 * KVM_CAP_VAPIC (TPR access reporting), KVM_CAP_TSC_CONTROL.
 */
TEST_F(vm, caps_mainstream_vmms_require)
{
	static const struct { long cap; const char *name; } caps[] = {
#define C(x) { KVM_CAP_##x, #x }
		/* QEMU 7.2: required by kvm_init() */
		C(USER_MEMORY), C(DESTROY_MEMORY_REGION_WORKS),
		C(JOIN_MEMORY_REGIONS_WORKS), C(SET_TSS_ADDR), C(EXT_CPUID),
		C(MP_STATE),
		/* newer QEMU */
		C(SIGNAL_MSI), C(IRQ_ROUTING), C(DEBUGREGS), C(XSAVE),
		C(VCPU_EVENTS), C(MCE), C(ADJUST_CLOCK), C(SET_IDENTITY_MAP_ADDR),
		C(INTERNAL_ERROR_DATA), C(IOEVENTFD), C(IOEVENTFD_ANY_LENGTH),
		/* Firecracker */
		C(IRQCHIP), C(IRQFD), C(PIT2), C(PIT_STATE2), C(XCRS),
		/* cloud-hypervisor */
		C(GET_TSC_KHZ), C(IMMEDIATE_EXIT), C(SPLIT_IRQCHIP),
		C(TSC_DEADLINE_TIMER), C(USER_NMI),
		/* others */
		C(COALESCED_MMIO), C(HLT), C(IRQ_INJECT_STATUS), C(SYNC_MMU),
		C(REINJECT_CONTROL), C(PIT),
#undef C
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		EXPECT_GT(okvm_ioctl(self->kvm, KVM_CHECK_EXTENSION, caps[i].cap), 0)
			TH_LOG("KVM_CAP_%s on /dev/kvm", caps[i].name);
		EXPECT_GT(okvm_ioctl(self->vm, KVM_CHECK_EXTENSION, caps[i].cap), 0)
			TH_LOG("KVM_CAP_%s on the VM", caps[i].name);
	}
}

/*
 * KVM_SET_TSS_ADDR and KVM_SET_IDENTITY_MAP_ADDR, which QEMU calls at
 * start-up: KVM's checks (three pages below 4 GiB; the identity map only
 * before the first vCPU), whatever the hardware makes of them.
 */
TEST_F(vm, tss_and_identity_map_addr)
{
	uint64_t ident = 0xfeffc000;

	EXPECT_EQ(okvm_ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_SET_TSS_ADDR), 1);
	EXPECT_EQ(okvm_ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_EXT_CPUID), 1);
	EXPECT_EQ(okvm_ioctl(self->kvm, KVM_CHECK_EXTENSION,
			     KVM_CAP_SET_IDENTITY_MAP_ADDR), 1);
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_SET_TSS_ADDR, 0xfffbd000UL), 0);
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_SET_TSS_ADDR, 0xffffd000UL), 0);
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_SET_TSS_ADDR, 0xffffe000UL), -EINVAL);
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_SET_TSS_ADDR, 1UL << 32), -EINVAL);
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_SET_IDENTITY_MAP_ADDR, NULL), -EFAULT);
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_SET_IDENTITY_MAP_ADDR, &ident), 0);
	ASSERT_GE(okvm_ioctl(self->vm, KVM_CREATE_VCPU, 0), 0);
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_SET_IDENTITY_MAP_ADDR, &ident), -EINVAL);
	/* The TSS may still move (KVM does not check vCPUs for it). */
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_SET_TSS_ADDR, 0xfffbd000UL), 0);
}

TEST_F(vm, vcpu_limits)
{
	long max_id = okvm_ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID);
	long max = okvm_ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	struct rlimit rl = { max + 64, max + 64 };
	long i, fd;

	ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &rl), 0);
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_CREATE_VCPU, max_id), -EINVAL);
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_CREATE_VCPU, 1UL << 32), -EINVAL);
	fd = okvm_ioctl(self->vm, KVM_CREATE_VCPU, max_id - 1);
	EXPECT_GE(fd, 0);
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_CREATE_VCPU, max_id - 1), -EEXIST);
	for (i = 0; i < max - 1; i++)
		ASSERT_GE(okvm_ioctl(self->vm, KVM_CREATE_VCPU, i), 0)
			TH_LOG("vCPU %ld of %ld", i, max);
	/* All vCPUs exist: any further one is refused, even a new id. */
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_CREATE_VCPU, max - 1), -EINVAL);
	/* An unknown ioctl on the VM fd. */
	EXPECT_EQ(okvm_ioctl(self->vm, _IO(KVMIO, 0xfe), 0), -ENOTTY);
}

TEST_F(vm, vcpu_run_and_mmap)
{
	long size = okvm_ioctl(self->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	int vcpu = okvm_ioctl(self->vm, KVM_CREATE_VCPU, 0);
	struct kvm_run *run;

	ASSERT_GE(vcpu, 0);
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	ASSERT_NE(run, MAP_FAILED);
	EXPECT_EQ(okvm_ioctl(vcpu, KVM_RUN, 1), -EINVAL);
	/* immediate_exit: back at once with -EINTR, whatever the guest. */
	run->immediate_exit = 1;
	EXPECT_EQ(okvm_ioctl(vcpu, KVM_RUN, 0), -EINTR);
	EXPECT_GT(okvm_ioctl(vcpu, KVM_GET_TSC_KHZ, 0), 0);
	EXPECT_EQ(okvm_ioctl(vcpu, _IO(KVMIO, 0xfd), 0), -EINVAL);
	munmap(run, size);
	close(vcpu);
}

static void read_stats(struct __test_metadata *_metadata, int fd,
		       const char *prefix)
{
	struct kvm_stats_header h;
	char id[256], byte;
	long n;

	ASSERT_EQ(pread(fd, &h, sizeof(h), 0), sizeof(h));
	ASSERT_GT(h.name_size, 0);
	ASSERT_LT(h.name_size, sizeof(id));
	ASSERT_EQ(pread(fd, id, h.name_size, h.id_offset), h.name_size);
	EXPECT_EQ(strncmp(id, prefix, strlen(prefix)), 0) TH_LOG("id %s", id);
	EXPECT_GT(h.num_desc, 0);
	EXPECT_GE(h.desc_offset, h.id_offset + h.name_size);
	EXPECT_EQ(h.data_offset, h.desc_offset + h.num_desc *
		  (sizeof(struct kvm_stats_desc) + h.name_size));
	/* The data block ends the file: one u64 per descriptor here. */
	n = pread(fd, &byte, 1, h.data_offset + h.num_desc * 8 - 1);
	EXPECT_EQ(n, 1);
	EXPECT_EQ(pread(fd, &byte, 1, h.data_offset + h.num_desc * 8 + 4096), 0);
	/* Writes are refused. */
	EXPECT_LT(write(fd, &byte, 1), 0);
}

TEST_F(vm, stats_fds)
{
	int vcpu = okvm_ioctl(self->vm, KVM_CREATE_VCPU, 0);
	int vm_stats, vcpu_stats;

	ASSERT_GE(vcpu, 0);
	vm_stats = okvm_ioctl(self->vm, KVM_GET_STATS_FD, 0);
	vcpu_stats = okvm_ioctl(vcpu, KVM_GET_STATS_FD, 0);
	ASSERT_GE(vm_stats, 0);
	ASSERT_GE(vcpu_stats, 0);
	read_stats(_metadata, vm_stats, "kvm-");
	read_stats(_metadata, vcpu_stats, "kvm-");
	/* The stats fds keep working with every other fd closed. */
	close(vcpu);
	close(self->vm);
	self->vm = -1;
	read_stats(_metadata, vm_stats, "kvm-");
	read_stats(_metadata, vcpu_stats, "kvm-");
	close(vm_stats);
	close(vcpu_stats);
}

TEST_F(vm, vcpu_outlives_vm_fd)
{
	int vcpu = okvm_ioctl(self->vm, KVM_CREATE_VCPU, 3);
	struct kvm_run *run;

	ASSERT_GE(vcpu, 0);
	run = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	ASSERT_NE(run, MAP_FAILED);
	close(self->vm);
	self->vm = -1;
	run->immediate_exit = 1;
	EXPECT_EQ(okvm_ioctl(vcpu, KVM_RUN, 0), -EINTR);
	EXPECT_GT(okvm_ioctl(vcpu, KVM_GET_TSC_KHZ, 0), 0);
	close(vcpu);
	/* The mapping outlives every fd, as any shared file mapping. */
	EXPECT_EQ(run->immediate_exit, 1);
	munmap(run, PAGE);
}

TEST_F(vm, forked_child)
{
	int vcpu = okvm_ioctl(self->vm, KVM_CREATE_VCPU, 0);
	int status;
	pid_t pid;

	ASSERT_GE(vcpu, 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		/* The VM is bound to the parent's mm: every use fails. */
		int bad = 0;

		bad |= okvm_ioctl(self->vm, KVM_CREATE_VCPU, 1) != -EIO;
		bad |= okvm_set_region2(self->vm, 0, 0, 0, PAGE, self->mem) != -EIO;
		bad |= okvm_ioctl(self->vm, KVM_CHECK_EXTENSION,
				  KVM_CAP_USER_MEMORY) != -EIO;
		bad |= okvm_ioctl(vcpu, KVM_RUN, 0) != -EIO;
		bad |= okvm_ioctl(vcpu, KVM_GET_STATS_FD, 0) != -EIO;
		/* The system fd is not bound: the child may make its own VM. */
		bad |= okvm_ioctl(self->kvm, KVM_CREATE_VM, 0) < 0;
		_exit(bad);
	}
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* The parent still owns a working VM. */
	EXPECT_GE(okvm_ioctl(self->vm, KVM_CREATE_VCPU, 1), 0);
}

/*
 * KVM_GET/SET_VCPU_EVENTS: a fresh vCPU has no event; an injected
 * exception (with its error code), an injected interrupt and a pending
 * NMI read back as set; bad flags and vectors get KVM's -EINVAL.
 */
TEST_F(vm, vcpu_events)
{
	int vcpu = okvm_ioctl(self->vm, KVM_CREATE_VCPU, 0);
	struct kvm_vcpu_events e, g;

	ASSERT_GE(vcpu, 0);
	ASSERT_EQ(okvm_ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_VCPU_EVENTS), 1);
	ASSERT_EQ(okvm_ioctl(vcpu, KVM_GET_VCPU_EVENTS, &e), 0);
	EXPECT_EQ(e.exception.injected | e.interrupt.injected | e.nmi.injected |
		  e.nmi.pending, 0);
	EXPECT_EQ(e.flags & (KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW),
		  KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW);

	memset(&e, 0, sizeof(e));
	e.flags = 0x80000000;
	EXPECT_EQ(okvm_ioctl(vcpu, KVM_SET_VCPU_EVENTS, &e), -EINVAL);
	e.flags = KVM_VCPUEVENT_VALID_PAYLOAD;	/* the cap is not enabled */
	EXPECT_EQ(okvm_ioctl(vcpu, KVM_SET_VCPU_EVENTS, &e), -EINVAL);
	e.flags = 0;
	e.exception.injected = 1;
	e.exception.nr = 32;
	EXPECT_EQ(okvm_ioctl(vcpu, KVM_SET_VCPU_EVENTS, &e), -EINVAL);
	e.exception.nr = 2;			/* NMI is not an exception */
	EXPECT_EQ(okvm_ioctl(vcpu, KVM_SET_VCPU_EVENTS, &e), -EINVAL);
	EXPECT_EQ(okvm_ioctl(vcpu, KVM_SET_VCPU_EVENTS, NULL), -EFAULT);

	e.exception.nr = 13;
	e.exception.has_error_code = 1;
	e.exception.error_code = 0x10;
	ASSERT_EQ(okvm_ioctl(vcpu, KVM_SET_VCPU_EVENTS, &e), 0);
	ASSERT_EQ(okvm_ioctl(vcpu, KVM_GET_VCPU_EVENTS, &g), 0);
	EXPECT_EQ(g.exception.injected, 1);
	EXPECT_EQ(g.exception.nr, 13);
	EXPECT_EQ(g.exception.has_error_code, 1);
	EXPECT_EQ(g.exception.error_code, 0x10);
	EXPECT_EQ(g.interrupt.injected, 0);

	memset(&e, 0, sizeof(e));
	e.interrupt.injected = 1;
	e.interrupt.nr = 0x30;
	e.flags = KVM_VCPUEVENT_VALID_NMI_PENDING;
	e.nmi.pending = 1;
	ASSERT_EQ(okvm_ioctl(vcpu, KVM_SET_VCPU_EVENTS, &e), 0);
	ASSERT_EQ(okvm_ioctl(vcpu, KVM_GET_VCPU_EVENTS, &g), 0);
	EXPECT_EQ(g.exception.injected, 0);
	EXPECT_EQ(g.interrupt.injected, 1);
	EXPECT_EQ(g.interrupt.nr, 0x30);
	EXPECT_EQ(g.interrupt.soft, 0);
	EXPECT_EQ(g.nmi.pending, 1);
	close(vcpu);
}

TEST(killed_process_leaves_nothing)
{
	long vms = okvm_debugfs_counter("live_vms");
	long vcpus = okvm_debugfs_counter("live_vcpus");
	long pages = okvm_debugfs_counter("live_pages");
	int p[2], status;
	char c;
	pid_t pid;

	if (vms < 0)
		SKIP(return, "no okvm debugfs counters (not okvm, or no debugfs)");
	ASSERT_EQ(pipe(p), 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int kvm = okvm_open_dev(), i, j;

		for (i = 0; i < 3; i++) {
			int vm = okvm_ioctl(kvm, KVM_CREATE_VM, 0);

			for (j = 0; j < 4; j++)
				okvm_ioctl(vm, KVM_CREATE_VCPU, j);
			okvm_ioctl(vm, KVM_GET_STATS_FD, 0);
		}
		write(p[1], "x", 1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(read(p[0], &c, 1), 1);
	EXPECT_EQ(okvm_debugfs_counter("live_vms"), vms + 3);
	EXPECT_EQ(okvm_debugfs_counter("live_vcpus"), vcpus + 12);
	kill(pid, SIGKILL);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_EQ(okvm_debugfs_counter("live_vms"), vms);
	EXPECT_EQ(okvm_debugfs_counter("live_vcpus"), vcpus);
	EXPECT_EQ(okvm_debugfs_counter("live_pages"), pages);
}

TEST_HARNESS_MAIN
