/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vendor interface: what common x86 code (src/x86/) asks of the
 * hardware-virtualization backend (src/x86/svm/, later src/x86/vmx/).
 *
 * The backend owns the hardware state block (the VMCB on SVM) and
 * everything laid out in it: guest RIP, RFLAGS, segments, control and debug
 * registers 6/7, the interrupt shadow, the TSC offset, the event-injection
 * field and the exit information. Common code reads and writes that state
 * only through these operations, so it never names a VMCB field and a VMX
 * backend is one more implementation of this struct.
 *
 * Common code owns: the GPRs (vcpu->arch.regs; the backend swaps RAX/RSP
 * with its state block around entry), the event queue (vcpu->arch.ev), the
 * run loop (run.c), instruction emulation, CPUID, MSRs and the irqchip.
 *
 * Calls go through okvm_x86_ops, a copy of the backend's table taken at
 * module init (KUnit installs a fake backend the same way).
 */
#ifndef OKVM_X86_VENDOR_H
#define OKVM_X86_VENDOR_H

#include <linux/kvm.h>
#include <linux/types.h>

struct okvm_vm;
struct okvm_vcpu;

/* Control registers the vendor keeps (CR8 is the TPR, bits 3:0). */
enum okvm_cr {
	OKVM_CR0 = 0,
	OKVM_CR2 = 2,
	OKVM_CR3 = 3,
	OKVM_CR4 = 4,
	OKVM_CR8 = 8,
};

/* The interrupt shadow of STI or MOV SS (KVM_X86_SHADOW_INT_*). */
#define OKVM_SHADOW_STI		KVM_X86_SHADOW_INT_STI
#define OKVM_SHADOW_MOV_SS	KVM_X86_SHADOW_INT_MOV_SS

/* What one trip into the guest gave (okvm_x86_ops.vcpu_run). */
enum okvm_run_result {
	OKVM_RUN_EXITED,	/* the guest ran and exited: handle_exit next */
	OKVM_RUN_CANCELLED,	/* entry cancelled (kick, signal, resched) */
	OKVM_RUN_HOST_OFF,	/* virtualization was turned off under us */
};

/*
 * Exit information for emulation-failure and internal-error exits, in the
 * layout KVM reports it (kvm_run.emulation_failure / internal.data).
 */
struct okvm_exit_info {
	u64 reason;
	u64 info1, info2;
	u32 intr_info;		/* the event being delivered, or 0 */
	u32 error_code;		/* its error code, if it has one */
};

/**
 * struct okvm_x86_ops - a hardware-virtualization backend
 *
 * Unless said otherwise, an operation runs in the vCPU's thread with its
 * mutex held and the vCPU out of the guest.
 */
struct okvm_x86_ops {
	const char *name;
	/* Every member below is a function pointer (okvm_x86_vendor_init()). */

	/* Module load and unload: check the CPU, enable it on every CPU. */
	int (*hardware_setup)(void);
	void (*hardware_unsetup)(void);

	/*
	 * KVM_SET_TSS_ADDR and KVM_SET_IDENTITY_MAP_ADDR, checked by common
	 * code: the guest-physical pages a backend that emulates real mode
	 * with a TSS and an identity-mapped page table (VMX without
	 * unrestricted guest) may use. Run under vm->lock. Return: 0 or
	 * -errno.
	 */
	int (*set_tss_addr)(struct okvm_vm *vm, unsigned long addr);
	int (*set_identity_map_addr)(struct okvm_vm *vm, u64 addr);

	/* vCPU life: the backend's own state (vcpu->arch.vendor). */
	int (*vcpu_create)(struct okvm_vcpu *vcpu);
	void (*vcpu_free)(struct okvm_vcpu *vcpu);
	/* The backend's part of RESET/INIT: real mode at F000:FFF0. */
	void (*vcpu_reset)(struct okvm_vcpu *vcpu, bool init_event);

	/* Registers the backend keeps. */
	u64 (*get_rip)(struct okvm_vcpu *vcpu);
	void (*set_rip)(struct okvm_vcpu *vcpu, u64 rip);
	u64 (*get_rflags)(struct okvm_vcpu *vcpu);
	void (*set_rflags)(struct okvm_vcpu *vcpu, u64 rflags);
	/* @seg: enum okvm_seg, OKVM_SEG_TR or OKVM_SEG_LDTR. */
	void (*get_segment)(struct okvm_vcpu *vcpu, struct kvm_segment *s,
			    int seg);
	void (*set_segment)(struct okvm_vcpu *vcpu, const struct kvm_segment *s,
			    int seg);
	void (*get_dtable)(struct okvm_vcpu *vcpu, struct kvm_dtable *dt,
			   bool idt);
	void (*set_dtable)(struct okvm_vcpu *vcpu, const struct kvm_dtable *dt,
			   bool idt);
	int (*get_cpl)(struct okvm_vcpu *vcpu);
	u64 (*get_cr)(struct okvm_vcpu *vcpu, enum okvm_cr cr);
	/* No checks: the caller validated @val (see regs.c). */
	void (*set_cr)(struct okvm_vcpu *vcpu, enum okvm_cr cr, u64 val);
	u64 (*get_efer)(struct okvm_vcpu *vcpu);
	void (*set_efer)(struct okvm_vcpu *vcpu, u64 efer);
	u64 (*get_dr)(struct okvm_vcpu *vcpu, int dr);	/* DR6 or DR7 */
	void (*set_dr)(struct okvm_vcpu *vcpu, int dr, u64 val);
	/*
	 * MSRs held in the backend's state block (STAR, LSTAR, CSTAR,
	 * SFMASK, KERNEL_GS_BASE, SYSENTER_*, PAT): the value is already
	 * checked. Return: false if @index is not one of them.
	 */
	bool (*get_msr)(struct okvm_vcpu *vcpu, u32 index, u64 *data);
	bool (*set_msr)(struct okvm_vcpu *vcpu, u32 index, u64 data);
	/* OKVM_SHADOW_* bits of the current instruction boundary. */
	u32 (*get_interrupt_shadow)(struct okvm_vcpu *vcpu);
	void (*set_interrupt_shadow)(struct okvm_vcpu *vcpu, u32 mask);
	void (*write_tsc_offset)(struct okvm_vcpu *vcpu, u64 offset);
	/* KVM_CAP_X86_DISABLE_EXITS: HLT runs in the guest. */
	void (*set_hlt_exiting)(struct okvm_vcpu *vcpu, bool exiting);
	/*
	 * Retire the instruction an intercept stopped (CPUID, RDMSR, HLT...):
	 * the backend knows where it ends if the CPU says so (NRIP save),
	 * else okvm_skip_decoded_insn(). Return: 1, or 0 with an
	 * emulation-failure exit.
	 */
	int (*skip_emulated_instruction)(struct okvm_vcpu *vcpu);
	/* The guest's TLB for this vCPU goes stale: flush it before entry. */
	void (*flush_guest_tlb)(struct okvm_vcpu *vcpu);

	/*
	 * Events: common code decides (run.c, events.c) and the backend
	 * encodes. One of inject_exception/inject_nmi/inject_irq per entry,
	 * from vcpu->arch.ev; the backend decodes an event whose delivery an
	 * exit interrupted back into it (complete_interrupts, called from
	 * vcpu_run before it returns OKVM_RUN_EXITED).
	 */
	void (*inject_exception)(struct okvm_vcpu *vcpu);
	void (*inject_nmi)(struct okvm_vcpu *vcpu);
	void (*inject_irq)(struct okvm_vcpu *vcpu);
	/* An entry that did not happen: the injected event is queued again. */
	void (*cancel_injection)(struct okvm_vcpu *vcpu);
	/* NMI blocking: set by NMI delivery, cleared by the guest's IRET. */
	bool (*get_nmi_mask)(struct okvm_vcpu *vcpu);
	void (*set_nmi_mask)(struct okvm_vcpu *vcpu, bool masked);
	/* The guest cannot take an NMI / an interrupt at this boundary. */
	bool (*nmi_blocked)(struct okvm_vcpu *vcpu);
	bool (*interrupt_blocked)(struct okvm_vcpu *vcpu);
	/* Exit as soon as an NMI / an interrupt could be taken. */
	void (*enable_nmi_window)(struct okvm_vcpu *vcpu);
	void (*enable_irq_window)(struct okvm_vcpu *vcpu);

	/*
	 * One trip into the guest: interrupts off, entry-cancel check
	 * (okvm_x86_entry_cancelled()), world switch, exit state saved,
	 * interrupted event decoded into vcpu->arch.ev.
	 */
	enum okvm_run_result (*vcpu_run)(struct okvm_vcpu *vcpu);
	/* Return: 1 to re-enter the guest, 0 to return to userspace, -errno. */
	int (*handle_exit)(struct okvm_vcpu *vcpu);
	void (*get_exit_info)(struct okvm_vcpu *vcpu, struct okvm_exit_info *info);
};

/* The backend in use, copied from the backend's table at module init. */
extern struct okvm_x86_ops okvm_x86_ops;
int okvm_x86_vendor_init(const struct okvm_x86_ops *ops);

/* The backends okvm has (src/x86/svm/). */
extern const struct okvm_x86_ops okvm_svm_ops;

#endif /* OKVM_X86_VENDOR_H */
