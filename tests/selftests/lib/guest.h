/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest-running helpers for okvm's selftests: a VM with guest RAM at GPA 0,
 * vCPUs with their kvm_run mappings, identity page tables and a GDT in
 * guest memory, and register state for real, protected and long mode.
 * KVM's ABI only, so the same tests run against okvm and in-tree KVM.
 *
 * Functions return 0 or -errno (never assert), so a test can check the
 * exact errno; the ASSERT_*_EXIT macros are for tests using
 * kselftest_harness.h and need its _metadata in scope.
 *
 * Guest code is written in assembly inside the test's C file with
 * GUEST_CODE() and assembled by the host assembler with the rest of it.
 */
#ifndef OKVM_GUEST_H
#define OKVM_GUEST_H

#include <stdint.h>
#include <linux/kvm.h>

#include "okvm_util.h"

/* Guest-physical layout; slot 0 holds guest RAM from GPA 0. */
#define G_PML4		0x1000UL
#define G_PDPT		0x2000UL
#define G_PD		0x3000UL	/* 4 PDs: identity map of 0..4 GiB, 2 MiB pages */
#define G_GDT		0x7000UL
#define G_CODE		0x10000UL	/* code; real mode runs it as 1000:0000 */
#define G_STACK16	0xf000UL	/* real-mode stack top */
#define G_DATA		0x100000UL	/* scratch data, 1 MiB */
#define G_STACK		0x1ff000UL	/* stack top for 32/64-bit guests */
#define G_MEM_DEFAULT	(4UL << 20)
#define G_MMIO		0xc0000000UL	/* no memslot: MMIO exits */

/* GDT selectors (guest_build_gdt). */
#define SEL_CODE64	0x08
#define SEL_DATA	0x10
#define SEL_CODE32	0x18
#define SEL_TSS		0x20

#define GUEST_MAX_VCPUS	8

struct guest_vcpu {
	int fd;
	struct kvm_run *run;
};

struct guest {
	int kvm, vm;
	uint8_t *mem;		/* slot 0: mem_size bytes at GPA 0 */
	size_t mem_size;
	long run_size;
	struct kvm_cpuid2 *cpuid;	/* KVM_GET_SUPPORTED_CPUID's table */
	int nr_vcpus;
	struct guest_vcpu vcpu[GUEST_MAX_VCPUS];
};

enum guest_mode { GUEST_REAL, GUEST_PROT32, GUEST_LONG };

/*
 * Emit guest code: name[] .. name_end[] are its bytes. mode is ".code16",
 * ".code32" or ".code64"; body is AT&T assembly, one "line\n" per string.
 * Code runs where guest_load() puts it; jumps within it are relative.
 */
#define GUEST_CODE(name, mode, body)					\
	extern const uint8_t name[], name##_end[];			\
	asm(".pushsection .rodata.guest, \"a\"\n"			\
	    ".balign 16\n"						\
	    #name ":\n"							\
	    mode "\n"							\
	    body "\n"							\
	    ".code64\n"							\
	    #name "_end:\n"						\
	    ".popsection\n")

/*
 * 64-bit guest code that, forever: reloads CR3 (so that every access walks
 * the nested tables again), runs the instruction access (e.g.
 * "mov (%rax), %r8" or "incb (%rax)") with %rax pointing to each page
 * listed at G_DATA (a u32 count, then u32 page indices) of the memory at
 * GPA base, then an OUT to port 0x10.
 */
#define GUEST_PAGE_LIST_CODE(name, base, access)			\
	GUEST_CODE(name, ".code64",					\
		"0: mov %cr3, %rax\n"					\
		"mov %rax, %cr3\n"					\
		"mov $0x100000, %esi\n"				\
		"mov (%rsi), %ecx\n"					\
		"lea 4(%rsi), %rdi\n"					\
		"1: test %ecx, %ecx\n"					\
		"jz 2f\n"						\
		"mov (%rdi), %eax\n"					\
		"shl $12, %rax\n"					\
		"add $" #base ", %rax\n"				\
		access "\n"						\
		"add $4, %rdi\n"					\
		"dec %ecx\n"						\
		"jmp 1b\n"						\
		"2: mov $0x10, %dx\n"					\
		"out %al, %dx\n"					\
		"jmp 0b\n")

/* VM with mem_size bytes of RAM at GPA 0 (slot 0), page tables, GDT. */
int guest_create(struct guest *g, size_t mem_size);
/* The same for a VM of KVM_CREATE_VM type @type. */
int guest_create_type(struct guest *g, size_t mem_size, unsigned long type);
void guest_destroy(struct guest *g);
/* A new vCPU (id = index) with the supported CPUID table; its index or -errno. */
int guest_add_vcpu(struct guest *g);
/* Copy code to gpa. */
void guest_load(struct guest *g, uint64_t gpa, const uint8_t *start, const uint8_t *end);
/*
 * Segment and control registers for the mode, RIP/RSP, RFLAGS=2, other
 * GPRs 0. In real mode, rip is linear: CS:IP is set to reach it.
 */
int guest_set_mode(struct guest *g, int vcpu, enum guest_mode mode, uint64_t rip);
/* guest_create + one vCPU + code at G_CODE in mode; 0 or -errno. */
int guest_init(struct guest *g, size_t mem_size, enum guest_mode mode,
	       const uint8_t *start, const uint8_t *end);
long guest_run(struct guest *g, int vcpu);
int guest_get_regs(struct guest *g, int vcpu, struct kvm_regs *regs);
int guest_set_regs(struct guest *g, int vcpu, struct kvm_regs *regs);
int guest_get_sregs(struct guest *g, int vcpu, struct kvm_sregs *sregs);
int guest_set_sregs(struct guest *g, int vcpu, struct kvm_sregs *sregs);
/*
 * A 64-bit guest's interrupt handler: a present interrupt gate, DPL 0, for
 * vector in a 256-entry IDT at gpa idt, which the vCPU's IDTR then points
 * to; 0 or -errno.
 */
int guest_set_irq_handler(struct guest *g, int vcpu, uint64_t idt, int vector,
			  uint64_t handler);
/* Add a slot (KVM_SET_USER_MEMORY_REGION); 0 or -errno. */
long guest_set_slot(struct guest *g, unsigned int slot, unsigned int flags,
		    uint64_t gpa, uint64_t size, void *hva);
/*
 * A 64-bit interrupt gate (DPL 0, no IST) to handler in the IDT at GPA idt;
 * present=0 writes the same gate with P clear, so that delivering through
 * it raises #NP.
 */
void guest_set_gate64(struct guest *g, uint64_t idt, int vector, uint64_t handler,
		      int present);
/* IDTR of vCPU vcpu: 256 gates at GPA idt; 0 or -errno. */
int guest_set_idt(struct guest *g, int vcpu, uint64_t idt);
/*
 * KVM_RUN that gives up after seconds: a SIGALRM interrupts it and it
 * returns -EINTR (KVM_EXIT_INTR), so a guest that never exits fails a
 * test instead of hanging it.
 */
long guest_run_timeout(struct guest *g, int vcpu, unsigned int seconds);
/* The value of binary statistic @name of a KVM_GET_STATS_FD fd, or -1. */
int64_t guest_stat(int stats_fd, const char *name);
/* AnonHugePages (kB) of this process's mapping holding @addr, or -1. */
long guest_anon_huge_kb(void *addr);
/* One line describing the last exit, for test logs. */
const char *guest_exit_str(struct kvm_run *run);
/* One MSR through KVM_SET_MSRS: 1 when set, 0 when refused, or -errno. */
static inline long okvm_set_msr(int vcpu, uint32_t index, uint64_t data)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e = { .index = index, .data = data } };

	return okvm_ioctl(vcpu, KVM_SET_MSRS, &m);
}

/* One MSR through KVM_GET_MSRS into *data: as okvm_set_msr(). */
static inline long okvm_get_msr(int vcpu, uint32_t index, uint64_t *data)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e = { .index = index } };
	long r = okvm_ioctl(vcpu, KVM_GET_MSRS, &m);

	*data = m.e.data;
	return r;
}

/* The kvm_run data of a KVM_EXIT_IO. */
static inline void *guest_io_data(struct kvm_run *run)
{
	return (uint8_t *)run + run->io.data_offset;
}
/* The GPA of label sym of the guest code code[] that guest_load() put at G_CODE. */
static inline uint64_t guest_code_gpa(const uint8_t *code, const uint8_t *sym)
{
	return G_CODE + (sym - code);
}
static inline void *guest_ptr(struct guest *g, uint64_t gpa)
{
	return g->mem + gpa;
}

/* Exit checks for kselftest_harness tests. */
#define ASSERT_EXIT(run, reason)					\
	ASSERT_EQ((run)->exit_reason, (__u32)(reason))				\
		TH_LOG("exit: %s", guest_exit_str(run))

#define ASSERT_IO_EXIT(run, dir, _port, _size, _count) do {		\
	ASSERT_EXIT(run, KVM_EXIT_IO);					\
	ASSERT_EQ((run)->io.direction, (__typeof__((run)->io.direction))(dir))				\
		TH_LOG("exit: %s", guest_exit_str(run));		\
	ASSERT_EQ((run)->io.port, (__typeof__((run)->io.port))(_port))				\
		TH_LOG("exit: %s", guest_exit_str(run));		\
	ASSERT_EQ((run)->io.size, (__typeof__((run)->io.size))(_size))				\
		TH_LOG("exit: %s", guest_exit_str(run));		\
	ASSERT_EQ((run)->io.count, (__typeof__((run)->io.count))(_count))				\
		TH_LOG("exit: %s", guest_exit_str(run));		\
} while (0)

#define ASSERT_MMIO_EXIT(run, _write, _addr, _len) do {		\
	ASSERT_EXIT(run, KVM_EXIT_MMIO);				\
	ASSERT_EQ((run)->mmio.is_write, (__typeof__((run)->mmio.is_write))(_write))			\
		TH_LOG("exit: %s", guest_exit_str(run));		\
	ASSERT_EQ((run)->mmio.phys_addr, (__typeof__((run)->mmio.phys_addr))(_addr))			\
		TH_LOG("exit: %s", guest_exit_str(run));		\
	ASSERT_EQ((run)->mmio.len, (__typeof__((run)->mmio.len))(_len))				\
		TH_LOG("exit: %s", guest_exit_str(run));		\
} while (0)

/* A 4-byte OUT to port whose value is returned. */
static inline uint32_t guest_out32(struct kvm_run *run)
{
	uint32_t v;

	memcpy(&v, guest_io_data(run), 4);
	return v;
}

#endif /* OKVM_GUEST_H */
