/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x86 parts of the VM and vCPU objects (embedded in struct okvm_vm and
 * struct okvm_vcpu). Found through the arch include path set by Kbuild.
 */
#ifndef OKVM_X86_ARCH_TYPES_H
#define OKVM_X86_ARCH_TYPES_H

#include <linux/atomic.h>
#include <linux/kvm.h>
#include <linux/spinlock_types.h>

#include "decode.h"
#include "irqchip/vcpu_irq.h"

/* Entries in a vCPU's KVM_SET_CPUID2 table, as KVM_MAX_CPUID_ENTRIES. */
#define OKVM_MAX_CPUID_ENTRIES	256

/* General-purpose registers, indexed by their x86 encoding. */
enum okvm_reg {
	OKVM_RAX, OKVM_RCX, OKVM_RDX, OKVM_RBX, OKVM_RSP, OKVM_RBP, OKVM_RSI,
	OKVM_RDI, OKVM_R8, OKVM_R9, OKVM_R10, OKVM_R11, OKVM_R12, OKVM_R13,
	OKVM_R14, OKVM_R15, OKVM_NR_VCPU_GPRS
};

struct okvm_msr_filter;
struct okvm_irqchip;
struct okvm_vcpu;
struct okvm_irq_routes;
struct fpu_guest;

/*
 * The VM's TSC write history (tsc.c), so that vCPUs created or written
 * together share one offset, as KVM's kvm_synchronize_tsc() does.
 */
struct okvm_vm_tsc {
	raw_spinlock_t lock;
	u64 last_nsec;		/* boot-time ns of the last write */
	u64 last_write;		/* the guest TSC value written then */
	u64 last_offset;
	u64 cur_offset;		/* the offset of the current generation */
	u32 last_khz;
	bool user_set;		/* userspace wrote a TSC at least once */
};
struct okvm_coalesced;

struct okvm_vm_arch {
	u32 bsp_vcpu_id;
	struct okvm_irqchip *irqchip;	/* KVM_CREATE_IRQCHIP, or NULL */
	/* GSI routing: RCU readers, replaced under the VM's lock. */
	struct okvm_irq_routes __rcu *irq_routes;
	/* KVM_CAP_X86_APIC_BUS_CYCLES_NS: fixed before the first vCPU. */
	u64 apic_bus_cycle_ns;
	/* KVM_X2APIC_API_USE_32BIT_IDS enabled (never cleared, as in KVM). */
	bool x2apic_format;

	/* Bumped for each VM-wide TLB flush; vCPUs compare on entry. */
	atomic64_t tlb_gen;

	/* MSR interface (msr.c): KVM_X86_SET_MSR_FILTER, NULL = allow all. */
	struct okvm_msr_filter __rcu *msr_filter;
	u32 user_space_msr_mask;	/* KVM_CAP_X86_USER_SPACE_MSR */
	bool no_platform_info;		/* KVM_CAP_MSR_PLATFORM_INFO off */
	struct okvm_vm_tsc tsc;
	/* pv.c: KVM_CAP_DISABLE_QUIRKS2, KVM_CAP_X86_DISABLE_EXITS */
	u64 disabled_quirks;
	bool hlt_in_guest;
	u64 hypercall_exit_enabled;	/* KVM_CAP_EXIT_HYPERCALL: BIT(KVM_HC_*) */
	/* kvmclock.c: the VM's clock minus the host's boot-time clock (ns) */
	s64 kvmclock_offset;
	u32 kvmclock_gen;		/* bumped by KVM_SET_CLOCK */
	u64 wall_clock_msr;
	struct okvm_coalesced *coalesced;	/* zones and ring (coalesced.c) */
	unsigned long n_requested_mmu_pages;	/* KVM_SET_NR_MMU_PAGES, or 0 */
	bool exit_on_emulation_error;		/* KVM_CAP_EXIT_ON_EMULATION_FAILURE */
	bool exception_payload;			/* KVM_CAP_EXCEPTION_PAYLOAD */
};

/* Where a vCPU is, for kicks and TLB shootdowns. */
enum okvm_vcpu_mode {
	OKVM_OUTSIDE_GUEST_MODE,
	OKVM_IN_GUEST_MODE,
};

/* A port access userspace must complete on the next KVM_RUN. */
/*
 * mce.c: the guest's machine-check registers. @cap is MCG_CAP as
 * KVM_X86_SETUP_MCE set it (0: no banks); each bank is MCi_CTL, STATUS,
 * ADDR, MISC in MSR order.
 */
#define OKVM_MCE_MAX_BANKS	32
struct okvm_vcpu_mce {
	u64 cap, status, ctl;
	u64 banks[OKVM_MCE_MAX_BANKS * 4];
};

struct okvm_pending_io {
	bool in;		/* IN/INS: data flows to the guest */
	bool string;		/* INS/OUTS: @count elements, then RSI/RDI/RCX */
	bool rep;
	u8 size;		/* element size: 1, 2 or 4 */
	u8 addr_size;		/* string address size: 2, 4 or 8 */
	u32 count;		/* elements in the exit */
	u64 la;			/* INS: linear address the data goes to */
	u64 next_rip;
	u64 linear_rip;		/* IN/OUT: where the guest was at the exit */
};

/*
 * kvm_run, the page for port I/O data (KVM_PIO_PAGE_OFFSET) and the VM's
 * coalesced MMIO ring (KVM_COALESCED_MMIO_PAGE_OFFSET).
 */
#define OKVM_ARCH_VCPU_MMAP_PAGES	3

/*
 * An exception in the event queue (events.c). "Pending" is raised but not
 * yet delivered: its payload (CR2 for #PF, DR6 bits for #DB) is not applied
 * yet and it may still merge with another into #DF. "Injected" is being
 * delivered: the backend writes it into the next entry as it is.
 */
struct okvm_queued_exception {
	bool pending;
	bool injected;
	bool has_error_code;
	bool has_payload;
	u8 vector;
	u32 error_code;
	u64 payload;
};

/*
 * The vCPU's one event queue (events.c; docs/design.md "Events"): every
 * exception, NMI and external interrupt okvm delivers goes through it, from
 * the exit handlers, the in-kernel irqchip, KVM_INTERRUPT, KVM_NMI and
 * KVM_SET_VCPU_EVENTS. NMI blocking itself is the backend's
 * (okvm_x86_ops.get_nmi_mask), as it ends with the guest's IRET.
 */
struct okvm_event_queue {
	struct okvm_queued_exception exc;
	bool nmi_injected;		/* being delivered */
	u8 nmi_pending;			/* raised, not yet delivered (at most 2) */
	struct {
		bool injected;		/* acknowledged, being delivered */
		bool soft;		/* INTn (reported only) */
		u8 nr;
	} irq;
	bool triple_fault;		/* shutdown before the next entry */
};

/*
 * A vCPU's x86 state that is not the backend's. Registers the backend
 * keeps in its state block (RIP, RFLAGS, segments, CRs, DR6/7, EFER) are
 * read and written through okvm_x86_ops (vendor.h).
 */
struct okvm_vcpu_arch {
	void *vendor;			/* the backend's own vCPU state */
	struct page *pio_page;		/* second page of the kvm_run mapping */
	unsigned long regs[OKVM_NR_VCPU_GPRS];

	/*
	 * The guest's FPU state, the kernel's own guest fpstate (regs.c):
	 * the vCPU thread's FPU state from KVM_RUN's start to its return
	 * (fpstate->in_use), so the kernel saves and restores it on context
	 * switches and entries need no XSAVE/XRSTOR of their own.
	 */
	struct fpu_guest *fpu;

	/* The guest's XCR0, loaded around entry when CR4.OSXSAVE is set. */
	u64 xcr0;

	/* Guest debug registers DR0-3 (DR6/DR7 are the backend's). */
	unsigned long db[4];

	/* MSRs with no home in the backend's state block. */
	u64 tsc_aux;
	u32 pkru;			/* the guest's, while the host's is loaded */
	u64 misc_enable;
	u64 hwcr;
	/*
	 * msr.c: the MTRRs, storage only (the nested page tables, not the
	 * guest's MTRRs, decide the memory type, as in KVM): MTRRdefType,
	 * the 11 fixed-range MSRs, 8 base/mask pairs.
	 */
	struct {
		u64 def_type;
		u64 fixed[11];
		u64 var[16];
	} mtrr;
	struct okvm_vcpu_mce mce;	/* mce.c */
	u64 apic_base;

	int cpu;			/* the CPU in or last in the guest */
	u64 tlb_gen_seen;		/* vm->arch.tlb_gen at the last flush */
	int mode;			/* enum okvm_vcpu_mode */

	struct okvm_event_queue ev;

	/*
	 * An exit userspace serves (KVM_EXIT_IO, _MMIO, _X86_RDMSR/WRMSR):
	 * the next KVM_RUN finishes the instruction with this (cleared first).
	 * Return: 1 to go on into the guest (also when it queued an
	 * exception instead), 0 with a new exit in kvm_run, or -errno.
	 */
	int (*complete_userspace_io)(struct okvm_vcpu *vcpu);

	struct okvm_pending_io pio;

	/* An MMIO access userspace must complete, as decoded. */
	struct okvm_insn mmio_insn;
	u64 mmio_next_rip;
	/*
	 * An access that straddles a page with RAM on one side: @mmio_off is
	 * where the MMIO part starts in the access, @mmio_ram the RAM part of
	 * a read, already fetched.
	 */
	u8 mmio_off, mmio_len;
	u8 mmio_ram[8];

	/* The bytes the last instruction fetch read, for emulation failures. */
	u8 insn_bytes[OKVM_MAX_INSN_LEN];
	u8 insn_len;

	struct okvm_vcpu_irq irq;

	u32 tsc_khz;
	u64 tsc_offset;			/* L1 TSC offset; tsc.c owns it */
	u64 tsc_adjust;			/* IA32_TSC_ADJUST */

	/* MSRs of msr.c. */
	u64 power_ctl;
	u64 platform_info;
	u64 de_cfg;
	u64 ucode_rev;

	int cpuid_nent;
	struct kvm_cpuid_entry2 *cpuid;	/* KVM_SET_CPUID2 table, or NULL */
	bool cpuid_set;			/* CPUID-dependent checks apply */
	bool ran;			/* KVM_RUN entered the guest once */

	bool pv_enforce;		/* KVM_CAP_ENFORCE_PV_FEATURE_CPUID */
	/* kvmclock.c: MSR_KVM_SYSTEM_TIME(_NEW), record versions */
	u64 kvmclock_msr;
	u32 kvmclock_version;
	u32 wall_clock_version;
	int kvmclock_cpu;		/* where the page's TSC was read */
	u32 kvmclock_gen;		/* the VM's kvmclock_gen in the page */
	bool kvmclock_update;		/* the MSR changed: rewrite the page */
	/* steal.c: MSR_KVM_STEAL_TIME, run_delay at the last update */
	u64 steal_msr;
	u64 steal_last;
};

#endif /* OKVM_X86_ARCH_TYPES_H */
