/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fake x86 world the KUnit suites of common x86 code run in under UML
 * (x86_fake_vendor.c): a backend (struct okvm_x86_ops) that keeps its
 * registers in a plain struct and records what it was asked to do, a flat
 * guest linear memory, and stand-ins for the x86 files that are not part of
 * the UML build (irqchip glue, guest_virt.c, TSC/kvmclock/steal MSRs,
 * XSAVE and PV CPUID, the host CPU). One home: every x86 suite uses it.
 */
#ifndef OKVM_KUNIT_X86_FAKE_VENDOR_H
#define OKVM_KUNIT_X86_FAKE_VENDOR_H

#include <kunit/test.h>
#include <linux/kvm.h>

#include "x86/x86.h"

/*
 * Guest linear memory: OKVM_FAKE_MEM_PAGES pages at OKVM_FAKE_MEM_BASE,
 * mapped with every right; any other linear address is a not-present #PF.
 */
#define OKVM_FAKE_MEM_BASE	0x10000ULL
#define OKVM_FAKE_MEM_PAGES	3

/*
 * Linear addresses that map MMIO (no memslot): guest-memory accesses there
 * fail with -EFAULT, as okvm_read_gva()/okvm_write_gva() do on MMIO.
 */
#define OKVM_FAKE_MMIO_LA	0xb0000ULL
#define OKVM_FAKE_MMIO_SIZE	0x20000ULL

/* The backend's MSRs (vendor.h's get_msr/set_msr), one slot each. */
#define OKVM_FAKE_NR_MSRS	11

/* The state the fake backend keeps, and what it was asked to do. */
struct okvm_fake_vendor {
	u64 rip, rflags, efer, dr6, dr7;
	u64 cr[OKVM_CR8 + 1];			/* by enum okvm_cr */
	struct kvm_segment seg[OKVM_SEG_LDTR + 1];
	int cpl;
	u32 shadow;
	u64 msr[OKVM_FAKE_NR_MSRS];
	/* skip_emulated_instruction: RIP += this (the exit's length). */
	unsigned int exit_insn_len;
	int skips, tlb_flushes;

	/* Events: the last injection ('E'xception, 'N'MI, 'I'nterrupt). */
	bool nmi_masked;
	bool if_flag;
	char injected;
	u8 inj_vector;
	int nmi_windows, irq_windows;

	/* The fake interrupt source: a vector waiting, or -1. */
	int irq_pending;
	bool user_window;

	/*
	 * Stand-ins: an in-kernel device's port (-1: none) with the byte it
	 * reads as and the last value written to it; a coalesced PIO port
	 * (-1: none); the TSC MSR.
	 */
	int kernel_port;
	u8 kernel_port_in;
	u32 kernel_port_out;
	int coalesced_port;
	u64 coalesced_data;
	u64 tsc;

	u8 *mem;		/* OKVM_FAKE_MEM_PAGES pages, zeroed */
};

/* A VM with one vCPU, its kvm_run and PIO page, on the fake backend. */
struct okvm_fake_x86 {
	struct okvm_vm vm;
	struct okvm_vcpu vcpu;
	struct okvm_fake_vendor fv;
};

extern const struct okvm_x86_ops okvm_fake_ops;

struct okvm_vcpu *okvm_fake_vcpu_create(struct kunit *test);
void okvm_fake_long_mode(struct okvm_vcpu *vcpu);
void okvm_fake_protected_mode(struct okvm_vcpu *vcpu);
u8 *okvm_fake_mem(struct okvm_vcpu *vcpu, u64 la, unsigned int len);
void __user *okvm_fake_user_copy(struct kunit *test, const void *buf,
				 size_t len);

static inline struct okvm_fake_vendor *okvm_fv(struct okvm_vcpu *vcpu)
{
	return vcpu->arch.vendor;
}

#endif /* OKVM_KUNIT_X86_FAKE_VENDOR_H */
