/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * arm64 parts of the VM and vCPU objects (embedded in struct okvm_vm and
 * struct okvm_vcpu). Found through the arch include path set by Kbuild.
 */
#ifndef OKVM_ARM64_ARCH_TYPES_H
#define OKVM_ARM64_ARCH_TYPES_H

#include <linux/kvm.h>
#include <linux/mutex.h>
#include <linux/spinlock_types.h>
#include <linux/wait.h>

#include "arm64/s2_mmu.h"

/* No in-kernel irqchip: the vCPU limit is okvm's own. */
#define OKVM_IRQCHIP_MAX_VCPUS	1024

/* kvm_run only: no coalesced MMIO ring is offered. */
#define OKVM_ARCH_VCPU_MMAP_PAGES	1

/* The EL1 system registers okvm keeps per vCPU (see regs.c). */
enum okvm_sysreg {
	OKVM_SCTLR_EL1,
	OKVM_CPACR_EL1,
	OKVM_TTBR0_EL1,
	OKVM_TTBR1_EL1,
	OKVM_TCR_EL1,
	OKVM_ESR_EL1,
	OKVM_AFSR0_EL1,
	OKVM_AFSR1_EL1,
	OKVM_FAR_EL1,
	OKVM_MAIR_EL1,
	OKVM_AMAIR_EL1,
	OKVM_VBAR_EL1,
	OKVM_CONTEXTIDR_EL1,
	OKVM_CNTKCTL_EL1,
	OKVM_PAR_EL1,
	OKVM_TPIDR_EL1,
	OKVM_TPIDR_EL0,
	OKVM_TPIDRRO_EL0,
	OKVM_CSSELR_EL1,
	OKVM_MDSCR_EL1,		/* emulated: debug registers trap */
	OKVM_MPIDR_EL1,		/* loaded as VMPIDR_EL2 */
	OKVM_NR_SYSREGS
};

/*
 * The general-purpose state the world switch (switch.S) loads and saves;
 * the layout is fixed by the offsets there.
 */
struct okvm_arm64_gprs {
	u64 x[31];
	u64 pc;
	u64 pstate;
};

/* The VMs's stage-2 MMUs beyond the canonical one (okvm extension). */
#define OKVM_ARM64_MAX_S2_MMUS	4

struct okvm_vm_arch {
	u32 ipa_bits;
	u64 vtcr;			/* VTCR_EL2 for this VM's IPA size */
	struct okvm_s2_vm s2vm;		/* VMIDs and TLB ops of its s2 MMUs */
	struct mutex s2_lock;		/* creation of the s2 MMUs below */
	bool canonical_ready;
	struct okvm_s2_mmu canonical;	/* on vm->mmu, the memslots' table */
	struct okvm_s2_mmu *extra[OKVM_ARM64_MAX_S2_MMUS];
	u64 extra_offset[OKVM_ARM64_MAX_S2_MMUS];
	spinlock_t psci_lock;		/* power state of every vCPU */
};

struct okvm_vcpu_arch {
	struct okvm_arm64_gprs gprs;
	u64 sp_el0;
	u64 sp_el1;
	u64 elr_el1;
	u64 spsr_el1;
	u64 spsr_aa32[KVM_NR_SPSR - 1];	/* storage only: no AArch32 */
	struct user_fpsimd_state fp;
	u64 sys[OKVM_NR_SYSREGS];
	u64 cntv_ctl, cntv_cval;	/* not offered; kept so they stay quiet */

	bool initialized;		/* KVM_ARM_VCPU_INIT done */
	u32 features;			/* KVM_ARM_VCPU_* given at init */
	bool ran;

	/* PSCI power state, under the VM's psci_lock. */
	bool power_off;
	bool reset_pending;		/* CPU_ON: apply @reset_pc/@reset_x0 */
	u64 reset_pc, reset_x0;
	wait_queue_head_t wq;

	/* An MMIO read userspace completes on the next KVM_RUN. */
	bool mmio_pending;
	bool mmio_read;
	u8 mmio_len, mmio_rt;
	bool mmio_sign_extend, mmio_64;

	struct okvm_s2_mmu *s2;		/* the s2 MMU it runs on */
	int s2_index;			/* 0: canonical, else extra[n - 1] */

	/* Exit information of the last guest exit. */
	u64 esr, far, hpfar;
	bool hpfar_valid;
};

#endif /* OKVM_ARM64_ARCH_TYPES_H */
