/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small library for arm64 guests through KVM's ABI only: a VM with one
 * memslot of guest RAM, vCPUs initialised with KVM_ARM_VCPU_INIT, ONE_REG
 * accessors, and guest code copied from the test binary into guest RAM.
 * Guests run at EL1 with the MMU off (so their data accesses are Device
 * accesses, which is enough for aligned loads and stores and MMIO).
 *
 * Helpers return -errno (raw) or assert through the kselftest harness
 * macros of the calling test (the A64_* macros take _metadata).
 */
#ifndef OKVM_A64_H
#define OKVM_A64_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../../lib/okvm_util.h"

#define A64_PAGE	4096UL
#define A64_RAM_GPA	0x40000000UL	/* guest RAM, slot 0 */
#define A64_MMIO_GPA	0x10000000UL	/* nothing mapped: MMIO exits */

/* PSCI/SMCCC function ids the guests use. */
#define PSCI_SYSTEM_OFF		0x84000008U
#define PSCI_SYSTEM_RESET	0x84000009U
#define PSCI_CPU_OFF		0x84000002U
#define PSCI_CPU_ON64		0xc4000003U
#define PSCI_AFFINITY_INFO64	0xc4000004U
#define PSCI_VERSION_FN		0x84000000U

#define A64_CORE_REG(x)	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
			 KVM_REG_ARM_CORE_REG(x))
#define A64_X(n)	A64_CORE_REG(regs.regs[n])
#define A64_PC		A64_CORE_REG(regs.pc)
#define A64_PSTATE	A64_CORE_REG(regs.pstate)
#define A64_SYSREG(op0, op1, crn, crm, op2) ARM64_SYS_REG(op0, op1, crn, crm, op2)

struct a64_vm {
	int kvm, vm;
	uint8_t *mem;		/* host view of guest RAM at A64_RAM_GPA */
	size_t size;
};

struct a64_vcpu {
	int fd;
	struct kvm_run *run;
	size_t run_size;
};

/* Guest code linked into the test: start/end symbols of a code blob. */
#define A64_GUEST(name, body)						\
	extern const uint8_t name##_start[], name##_end[];		\
	asm(".pushsection .rodata\n.balign 4\n"			\
	    ".global " #name "_start\n" #name "_start:\n" body	\
	    "\n.global " #name "_end\n" #name "_end:\n.popsection")

/*
 * Whether okvm is the hypervisor under test (its module is loaded), for
 * the few checks that differ: okvm's extensions, and KVM's known bugs
 * okvm does not copy.
 */
static inline bool a64_on_okvm(void)
{
	return okvm_read_number("/sys/module/okvm/parameters/vmid_bits") >= 0;
}

static inline long a64_vm_create(struct a64_vm *v, unsigned long type,
				 size_t size)
{
	long r;

	memset(v, 0, sizeof(*v));
	v->kvm = okvm_open_dev();
	if (v->kvm < 0)
		return -errno;
	r = okvm_ioctl(v->kvm, KVM_CREATE_VM, type);
	if (r < 0)
		return r;
	v->vm = r;
	if (!size)
		return 0;
	v->mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (v->mem == MAP_FAILED)
		return -errno;
	v->size = size;
	return okvm_set_region2(v->vm, 0, 0, A64_RAM_GPA, size, v->mem);
}

static inline void a64_vm_destroy(struct a64_vm *v)
{
	if (v->mem && v->mem != MAP_FAILED)
		munmap(v->mem, v->size);
	if (v->vm > 0)
		close(v->vm);
	if (v->kvm >= 0)
		close(v->kvm);
}

static inline long a64_set_reg(struct a64_vcpu *c, uint64_t id, uint64_t val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)&val };

	return okvm_ioctl(c->fd, KVM_SET_ONE_REG, &r);
}

static inline long a64_get_reg(struct a64_vcpu *c, uint64_t id, uint64_t *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)val };

	return okvm_ioctl(c->fd, KVM_GET_ONE_REG, &r);
}

/* KVM_CREATE_VCPU + KVM_ARM_VCPU_INIT(preferred target, @features). */
static inline long a64_vcpu_create(struct a64_vm *v, struct a64_vcpu *c,
				   unsigned int id, uint32_t features)
{
	struct kvm_vcpu_init init;
	long r;

	r = okvm_ioctl(v->vm, KVM_CREATE_VCPU, id);
	if (r < 0)
		return r;
	c->fd = r;
	c->run_size = okvm_ioctl(v->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	c->run = mmap(NULL, c->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      c->fd, 0);
	if (c->run == MAP_FAILED)
		return -errno;
	r = okvm_ioctl(v->vm, KVM_ARM_PREFERRED_TARGET, &init);
	if (r)
		return r;
	init.features[0] = features;
	return okvm_ioctl(c->fd, KVM_ARM_VCPU_INIT, &init);
}

static inline void a64_vcpu_destroy(struct a64_vcpu *c)
{
	if (c->run && c->run != MAP_FAILED)
		munmap(c->run, c->run_size);
	close(c->fd);
}

/* Copy a guest blob to RAM offset @off; the vCPU starts there. */
static inline long a64_load(struct a64_vm *v, struct a64_vcpu *c,
			    const uint8_t *start, const uint8_t *end,
			    size_t off)
{
	memcpy(v->mem + off, start, end - start);
	return a64_set_reg(c, A64_PC, A64_RAM_GPA + off);
}

static inline long a64_run(struct a64_vcpu *c)
{
	return okvm_ioctl(c->fd, KVM_RUN, 0);
}

/*
 * Where a vCPU stands, for a failure message: its exit, PC, PSTATE and
 * x0-x5 (the test guests' working registers). Not reentrant.
 */
static inline const char *a64_state(struct a64_vcpu *c)
{
	static char buf[256];
	uint64_t pc = 0, ps = 0, x[6] = { 0 };
	int i;

	a64_get_reg(c, A64_PC, &pc);
	a64_get_reg(c, A64_PSTATE, &ps);
	for (i = 0; i < 6; i++)
		a64_get_reg(c, A64_X(i), &x[i]);
	snprintf(buf, sizeof(buf),
		 "exit %u pc %#llx pstate %#llx x0-x5 %#llx %#llx %#llx %#llx %#llx %#llx",
		 c->run->exit_reason, (unsigned long long)pc,
		 (unsigned long long)ps, (unsigned long long)x[0],
		 (unsigned long long)x[1], (unsigned long long)x[2],
		 (unsigned long long)x[3], (unsigned long long)x[4],
		 (unsigned long long)x[5]);
	return buf;
}

#endif /* OKVM_A64_H */
