// SPDX-License-Identifier: GPL-2.0-only
/*
 * x86 registers as KVM's ioctls and the emulator see them: GPRs, segments,
 * control and debug registers, the FPU, MOV to CR4, RESET/INIT, and sync regs
 * (KVM_CAP_SYNC_REGS: registers, special registers and events exchanged
 * through kvm_run on every KVM_RUN).
 *
 * The GPRs live in vcpu->arch.regs; RIP, RFLAGS, segments, CR0-4, CR8,
 * EFER and DR6/7 in the backend's state block, reached through
 * okvm_x86_ops; x87/SSE/AVX in the XSAVE image the backend swaps in.
 */
#include <linux/kvm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "irqchip/irqchip.h"
#include "x86.h"
#include "xsave.h"

/* --- GPRs and special registers ---------------------------------------------- */

void okvm_get_regs(struct okvm_vcpu *vcpu, struct kvm_regs *k)
{
	const unsigned long *r = vcpu->arch.regs;

	*k = (struct kvm_regs) {
		.rax = r[OKVM_RAX], .rbx = r[OKVM_RBX], .rcx = r[OKVM_RCX],
		.rdx = r[OKVM_RDX], .rsi = r[OKVM_RSI], .rdi = r[OKVM_RDI],
		.rsp = r[OKVM_RSP], .rbp = r[OKVM_RBP],
		.r8 = r[OKVM_R8], .r9 = r[OKVM_R9], .r10 = r[OKVM_R10],
		.r11 = r[OKVM_R11], .r12 = r[OKVM_R12], .r13 = r[OKVM_R13],
		.r14 = r[OKVM_R14], .r15 = r[OKVM_R15],
		.rip = okvm_rip_read(vcpu),
		.rflags = okvm_rflags_read(vcpu),
	};
}

void okvm_set_regs(struct okvm_vcpu *vcpu, const struct kvm_regs *k)
{
	unsigned long *r = vcpu->arch.regs;

	r[OKVM_RAX] = k->rax; r[OKVM_RBX] = k->rbx; r[OKVM_RCX] = k->rcx;
	r[OKVM_RDX] = k->rdx; r[OKVM_RSI] = k->rsi; r[OKVM_RDI] = k->rdi;
	r[OKVM_RSP] = k->rsp; r[OKVM_RBP] = k->rbp;
	r[OKVM_R8] = k->r8; r[OKVM_R9] = k->r9; r[OKVM_R10] = k->r10;
	r[OKVM_R11] = k->r11; r[OKVM_R12] = k->r12; r[OKVM_R13] = k->r13;
	r[OKVM_R14] = k->r14; r[OKVM_R15] = k->r15;
	okvm_rip_write(vcpu, k->rip);
	/* Bit 1 is always set; KVM forces it the same way. */
	okvm_x86_ops.set_rflags(vcpu, k->rflags | X86_EFLAGS_FIXED);
}

/* The segment registers of struct kvm_sregs, in its order. */
static const int sregs_segs[] = {
	OKVM_SEG_CS, OKVM_SEG_DS, OKVM_SEG_ES, OKVM_SEG_FS, OKVM_SEG_GS,
	OKVM_SEG_SS, OKVM_SEG_TR, OKVM_SEG_LDTR,
};

static struct kvm_segment *sregs_seg(struct kvm_sregs *k, int i)
{
	struct kvm_segment *segs[] = { &k->cs, &k->ds, &k->es, &k->fs, &k->gs,
				       &k->ss, &k->tr, &k->ldt };

	return segs[i];
}

void okvm_get_sregs(struct okvm_vcpu *vcpu, struct kvm_sregs *k)
{
	int i;

	memset(k, 0, sizeof(*k));
	for (i = 0; i < ARRAY_SIZE(sregs_segs); i++)
		okvm_x86_ops.get_segment(vcpu, sregs_seg(k, i), sregs_segs[i]);
	okvm_x86_ops.get_dtable(vcpu, &k->gdt, false);
	okvm_x86_ops.get_dtable(vcpu, &k->idt, true);
	k->cr0 = okvm_cr_read(vcpu, OKVM_CR0);
	k->cr2 = okvm_cr_read(vcpu, OKVM_CR2);
	k->cr3 = okvm_cr_read(vcpu, OKVM_CR3);
	k->cr4 = okvm_cr_read(vcpu, OKVM_CR4);
	k->cr8 = okvm_cr_read(vcpu, OKVM_CR8);
	k->efer = okvm_efer_read(vcpu);
	okvm_msr_get(vcpu, MSR_IA32_APICBASE, &k->apic_base, true);
	/*
	 * An interrupt acknowledged but not yet delivered shows in the
	 * bitmap, as in KVM (for KVM_GET_VCPU_EVENTS it is "injected").
	 */
	if (vcpu->arch.ev.irq.injected && !vcpu->arch.ev.irq.soft)
		__set_bit(vcpu->arch.ev.irq.nr,
			  (unsigned long *)k->interrupt_bitmap);
}

/*
 * CR4 bits okvm lets any guest set (no PKE, CET, LA57, PCIDE offered yet);
 * OSXSAVE comes with XSAVE in the vCPU's CPUID (okvm_xsave_cr4_bits()).
 */
#define OKVM_CR4_VALID (X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD |	\
			X86_CR4_DE | X86_CR4_PSE | X86_CR4_PAE |	\
			X86_CR4_MCE | X86_CR4_PGE | X86_CR4_PCE |	\
			X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT)

/**
 * okvm_cr4_valid() - KVM's kvm_is_valid_cr4()
 * @vcpu: the vCPU
 * @cr4: a CR4 value
 *
 * Return: true if no reserved bit and none the vCPU's CPUID lacks is set.
 */
bool okvm_cr4_valid(struct okvm_vcpu *vcpu, u64 cr4)
{
	return !(cr4 & ~(OKVM_CR4_VALID | okvm_xsave_cr4_bits(vcpu)));
}

/* KVM's checks for KVM_SET_SREGS: a state the CPU could be in. */
static bool sregs_valid(struct okvm_vcpu *vcpu, const struct kvm_sregs *k)
{
	if (k->cr0 >> 32 || (k->cr0 & X86_CR0_NW && !(k->cr0 & X86_CR0_CD)) ||
	    (k->cr0 & X86_CR0_PG && !(k->cr0 & X86_CR0_PE)))
		return false;
	if (!okvm_cr4_valid(vcpu, k->cr4))
		return false;
	if (k->efer & ~OKVM_EFER_VALID)
		return false;
	if ((k->efer & EFER_LME) && (k->cr0 & X86_CR0_PG)) {
		if (!(k->cr4 & X86_CR4_PAE) || !(k->efer & EFER_LMA))
			return false;
		if (k->cr3 >> boot_cpu_data.x86_phys_bits)
			return false;
	} else if ((k->efer & EFER_LMA) || k->cs.l) {
		return false;
	}
	return true;
}

/**
 * okvm_set_sregs() - KVM_SET_SREGS
 * @vcpu: the vCPU, its mutex held
 * @k: the state
 *
 * Return: 0, or -EINVAL for a state KVM refuses (nothing changed then).
 */
int okvm_set_sregs(struct okvm_vcpu *vcpu, const struct kvm_sregs *k)
{
	struct kvm_sregs *ks = (struct kvm_sregs *)k;
	int i, r, irq = -1;

	if (!sregs_valid(vcpu, k))
		return -EINVAL;
	/* At most one pending interrupt, as KVM (the lowest set bit). */
	for (i = 0; i < ARRAY_SIZE(k->interrupt_bitmap) * BITS_PER_LONG; i++) {
		if (test_bit(i, (const unsigned long *)k->interrupt_bitmap)) {
			irq = i;
			break;
		}
	}
	/* The APIC base (the in-kernel APIC checks it, with its mode rules). */
	r = okvm_msr_set(vcpu, MSR_IA32_APICBASE, k->apic_base, true);
	if (r)
		return -EINVAL;

	for (i = 0; i < ARRAY_SIZE(sregs_segs); i++)
		okvm_x86_ops.set_segment(vcpu, sregs_seg(ks, i), sregs_segs[i]);
	okvm_x86_ops.set_dtable(vcpu, &k->gdt, false);
	okvm_x86_ops.set_dtable(vcpu, &k->idt, true);
	okvm_x86_ops.set_cr(vcpu, OKVM_CR0, k->cr0);
	okvm_x86_ops.set_cr(vcpu, OKVM_CR2, k->cr2);
	okvm_x86_ops.set_cr(vcpu, OKVM_CR3, k->cr3);
	okvm_x86_ops.set_cr(vcpu, OKVM_CR4, k->cr4);
	okvm_x86_ops.set_cr(vcpu, OKVM_CR8, k->cr8);
	okvm_x86_ops.set_efer(vcpu, k->efer);
	if (irq >= 0)
		okvm_queue_interrupt(vcpu, irq, false);
	/* New paging state: no guest translation cached may stay. */
	okvm_x86_ops.flush_guest_tlb(vcpu);
	okvm_cpuid_runtime_update(vcpu);	/* OSXSAVE follows CR4 */
	return 0;
}

/* --- MOV to CR4 ------------------------------------------------------------------ */

/* CR4 bits whose change invalidates cached translations (SDM 4.10.4.1). */
#define CR4_PAGING_BITS	(X86_CR4_PGE | X86_CR4_PAE | X86_CR4_PSE |	\
			 X86_CR4_PCIDE | X86_CR4_SMEP | X86_CR4_SMAP |	\
			 X86_CR4_PKE | X86_CR4_LA57)

/**
 * okvm_set_cr4() - MOV to CR4 as KVM's kvm_set_cr4()
 * @vcpu: the vCPU
 * @cr4: the new value
 *
 * Return: 0, or 1 for #GP (nothing changed).
 */
int okvm_set_cr4(struct okvm_vcpu *vcpu, u64 cr4)
{
	u64 old = okvm_cr_read(vcpu, OKVM_CR4);
	u64 efer = okvm_efer_read(vcpu);

	if (!okvm_cr4_valid(vcpu, cr4))
		return 1;
	if (efer & EFER_LMA) {
		/* Long mode cannot leave PAE, nor switch paging depth. */
		if (!(cr4 & X86_CR4_PAE) || ((cr4 ^ old) & X86_CR4_LA57))
			return 1;
	}
	/* PCIDE needs long mode and CR3[11:0] == 0 (not offered yet). */
	if ((cr4 & X86_CR4_PCIDE) && !(old & X86_CR4_PCIDE) &&
	    (!(efer & EFER_LMA) || (okvm_cr_read(vcpu, OKVM_CR3) & 0xfff)))
		return 1;
	okvm_x86_ops.set_cr(vcpu, OKVM_CR4, cr4);
	/*
	 * The hardware would have flushed the guest's TLB on these changes;
	 * okvm executed the write, so the backend flushes before the entry.
	 */
	if ((cr4 ^ old) & CR4_PAGING_BITS)
		okvm_x86_ops.flush_guest_tlb(vcpu);
	if ((cr4 ^ old) & X86_CR4_OSXSAVE)
		okvm_cpuid_runtime_update(vcpu);
	return 0;
}

/**
 * okvm_emulate_cr4_write() - an intercepted MOV to CR4
 * @vcpu: the vCPU
 *
 * Without decode assists the exit does not name the source register, so
 * the MOV to CR4 at CS:RIP is fetched and decoded.
 *
 * Return: 1 to re-enter the guest, 0 with an emulation-failure exit.
 */
int okvm_emulate_cr4_write(struct okvm_vcpu *vcpu)
{
	struct okvm_insn insn;
	u64 v;
	int r;

	r = okvm_fetch_insn(vcpu, &insn);
	if (r == 1)
		return 1;	/* #PF on the fetch queued */
	if (r || insn.op != OKVM_OP_MOV_TO_CR || insn.ctl.num != 4)
		return okvm_emulation_failure(vcpu);
	v = vcpu->arch.regs[insn.ctl.gpr];
	if (insn.mode != OKVM_MODE_64)
		v = (u32)v;
	if (okvm_set_cr4(vcpu, v)) {
		okvm_inject_gp(vcpu);
		return 1;
	}
	okvm_skip_insn(vcpu, insn.len);
	return 1;
}

/* --- FPU -------------------------------------------------------------------------- */

/*
 * The guest's FPU state is the kernel's guest fpstate (fpu_alloc_guest_fpstate),
 * as in KVM: from the start of KVM_RUN to its return it is the vCPU
 * thread's own FPU state, so the kernel saves it when the thread is
 * switched out or uses the FPU itself (TIF_NEED_FPU_LOAD), and the entry
 * path only reloads it when that happened (okvm_fpu_ready()). An exit
 * handled in the kernel then costs no XSAVE/XRSTOR; the image's layout
 * (compacted under XSAVES) is the kernel's business, read and written only
 * through its uabi copies (xsave.c) and the legacy region below, which is
 * the same in every layout.
 */

/*
 * The kernel builds its guest fpstate API (fpu_alloc_guest_fpstate() and
 * the rest) only for kernels with KVM configured, even as a module.
 */
#if !IS_ENABLED(CONFIG_KVM)
#error "okvm needs a kernel configured with CONFIG_KVM (y or m) for the guest FPU API"
#endif

/**
 * okvm_fpu_alloc() - allocate a vCPU's FPU state, at its power-on values
 * @vcpu: the vCPU being created
 *
 * Return: 0 or -ENOMEM.
 */
int okvm_fpu_alloc(struct okvm_vcpu *vcpu)
{
	struct fpu_guest *gfpu = kzalloc(sizeof(*gfpu), GFP_KERNEL_ACCOUNT);

	if (!gfpu)
		return -ENOMEM;
	if (!fpu_alloc_guest_fpstate(gfpu)) {
		kfree(gfpu);
		return -ENOMEM;
	}
	vcpu->arch.fpu = gfpu;
	return 0;
}

/*
 * Is the guest's state the thread's (between okvm_fpu_load() and
 * okvm_fpu_put())? The kernel's fpu_swap_kvm_fpstate() keeps that in the
 * fpstate itself.
 */
static bool fpu_loaded(struct okvm_vcpu *vcpu)
{
	return vcpu->arch.fpu->fpstate->in_use;
}

/**
 * okvm_fpu_free() - free what okvm_fpu_alloc() allocated
 * @vcpu: the vCPU, not in KVM_RUN
 */
void okvm_fpu_free(struct okvm_vcpu *vcpu)
{
	/* fpu_free_guest_fpstate() warns about a state still in use. */
	fpu_free_guest_fpstate(vcpu->arch.fpu);
	kfree(vcpu->arch.fpu);
	vcpu->arch.fpu = NULL;
}

/**
 * okvm_fpu_load() - make the guest's FPU state the thread's, for KVM_RUN
 * @vcpu: the vCPU, its mutex held
 *
 * Saves the VMM's own FPU state and loads the guest's; okvm_fpu_put()
 * swaps back before KVM_RUN returns to userspace.
 */
void okvm_fpu_load(struct okvm_vcpu *vcpu)
{
	if (WARN_ON_ONCE(fpu_loaded(vcpu)))
		return;
	fpu_swap_kvm_fpstate(vcpu->arch.fpu, true);
}

/**
 * okvm_fpu_put() - give the thread its own FPU state back
 * @vcpu: the vCPU, its mutex held
 */
void okvm_fpu_put(struct okvm_vcpu *vcpu)
{
	if (!fpu_loaded(vcpu))
		return;
	fpu_swap_kvm_fpstate(vcpu->arch.fpu, false);
}

/**
 * okvm_fpu_ready() - have the guest's FPU registers loaded for an entry
 * @vcpu: the vCPU about to enter
 *
 * Since okvm_fpu_load(), the kernel may have saved them away (a context
 * switch, a kernel_fpu_begin() in the exit's handling): reload them.
 * Context: interrupts off, up to VMRUN, so that nothing saves them again.
 */
void okvm_fpu_ready(struct okvm_vcpu *vcpu)
{
	lockdep_assert_irqs_disabled();
	WARN_ON_ONCE(!fpu_loaded(vcpu));
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
}

/* Mark x87 and SSE as in use in the XSAVE header: the legacy region counts. */
static void fpu_fpsse_valid(struct fpstate *fps)
{
	if (boot_cpu_has(X86_FEATURE_XSAVE))
		fps->regs.xsave.header.xfeatures |= XFEATURE_MASK_FPSSE;
}

/**
 * fpu_power_on() - a vCPU's FPU state at its power-on (RESET) values
 * @vcpu: the vCPU, being created: its state is not loaded (INIT leaves
 *        the FPU alone)
 *
 * x87 and SSE at their RESET values, every other component in its init
 * state (XSTATE_BV clear); a compacted image keeps its XCOMP_BV.
 */
static void fpu_power_on(struct okvm_vcpu *vcpu)
{
	struct fpstate *fps = vcpu->arch.fpu->fpstate;
	struct fxregs_state *fx = &fps->regs.fxsave;

	if (WARN_ON_ONCE(fpu_loaded(vcpu)))
		return;

	memset(fx, 0, sizeof(*fx));
	fx->cwd = 0x37f;
	fx->mxcsr = MXCSR_DEFAULT;
	/* KVM_GET_XSAVE copies MXCSR_MASK from here: the CPU's, as FXSAVE writes it. */
	fx->mxcsr_mask = okvm_mxcsr_mask;
	if (boot_cpu_has(X86_FEATURE_XSAVE))
		fps->regs.xsave.header.xfeatures = 0;
	fpu_fpsse_valid(fps);
}

static void get_fpu(struct okvm_vcpu *vcpu, struct kvm_fpu *k)
{
	const struct fxregs_state *fx = &vcpu->arch.fpu->fpstate->regs.fxsave;

	memset(k, 0, sizeof(*k));
	memcpy(k->fpr, fx->st_space, sizeof(k->fpr));
	k->fcw = fx->cwd;
	k->fsw = fx->swd;
	k->ftwx = fx->twd;
	k->last_opcode = fx->fop;
	k->last_ip = fx->rip;
	k->last_dp = fx->rdp;
	memcpy(k->xmm, fx->xmm_space, sizeof(k->xmm));
	k->mxcsr = fx->mxcsr;
}

static int set_fpu(struct okvm_vcpu *vcpu, const struct kvm_fpu *k)
{
	struct fpstate *fps = vcpu->arch.fpu->fpstate;
	struct fxregs_state *fx = &fps->regs.fxsave;

	/* Reserved MXCSR bits would make XRSTOR fault. */
	if (k->mxcsr & ~okvm_mxcsr_mask)
		return -EINVAL;
	memcpy(fx->st_space, k->fpr, sizeof(k->fpr));
	fx->cwd = k->fcw;
	fx->swd = k->fsw;
	fx->twd = k->ftwx;
	fx->fop = k->last_opcode;
	fx->rip = k->last_ip;
	fx->rdp = k->last_dp;
	memcpy(fx->xmm_space, k->xmm, sizeof(k->xmm));
	fx->mxcsr = k->mxcsr;
	fpu_fpsse_valid(fps);
	return 0;
}

/* --- debug registers -------------------------------------------------------------- */

static long debugregs_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
			    void __user *argp)
{
	struct kvm_debugregs d;
	int i;

	if (ioctl == KVM_GET_DEBUGREGS) {
		memset(&d, 0, sizeof(d));
		for (i = 0; i < 4; i++)
			d.db[i] = vcpu->arch.db[i];
		d.dr6 = okvm_x86_ops.get_dr(vcpu, 6);
		d.dr7 = okvm_x86_ops.get_dr(vcpu, 7);
		return copy_to_user(argp, &d, sizeof(d)) ? -EFAULT : 0;
	}
	if (copy_from_user(&d, argp, sizeof(d)))
		return -EFAULT;
	/* Bits 63:32 of DR6 and DR7 are reserved (VMRUN would fail). */
	if (d.flags || d.dr6 >> 32 || d.dr7 >> 32)
		return -EINVAL;
	for (i = 0; i < 4; i++)
		vcpu->arch.db[i] = d.db[i];
	okvm_x86_ops.set_dr(vcpu, 6, d.dr6);
	okvm_x86_ops.set_dr(vcpu, 7, d.dr7);
	return 0;
}

/*
 * A guest write of DR0-3, DR6 or DR7. Return: 0, or -1 for #GP (bits 63:32
 * of DR6 and DR7 are reserved and must be written as 0).
 */
static int set_dr(struct okvm_vcpu *vcpu, int dr, u64 val)
{
	switch (dr) {
	case 0 ... 3:
		vcpu->arch.db[dr] = val;
		return 0;
	case 6:
		if (val >> 32)
			return -1;
		okvm_x86_ops.set_dr(vcpu, 6, (val & OKVM_DR6_VOLATILE) |
					   OKVM_DR6_ACTIVE_LOW);
		return 0;
	default:
		if (val >> 32)
			return -1;
		okvm_x86_ops.set_dr(vcpu, 7, (val & OKVM_DR7_VOLATILE) |
					   OKVM_DR7_FIXED_1);
		return 0;
	}
}

/**
 * okvm_emulate_mov_dr() - an intercepted MOV to or from a debug register
 * @vcpu: the vCPU
 *
 * The exit names neither the register nor (without decode assists) the
 * GPR: the MOV at CS:RIP is fetched and decoded. Its faults, in the SDM's
 * order: #UD for DR8-15, #GP(0) above CPL 0, #UD for DR4/DR5 with CR4.DE
 * (without it they are DR6/DR7), #DB with DR6.BD while DR7.GD is set (a
 * fault; GD is cleared for the handler), #GP(0) for reserved bits.
 *
 * Return: 1 to re-enter the guest, 0 with an emulation-failure exit.
 */
int okvm_emulate_mov_dr(struct okvm_vcpu *vcpu)
{
	struct okvm_insn insn;
	unsigned long *gpr;
	int r, dr;
	u64 dr7, v;

	r = okvm_fetch_insn(vcpu, &insn);
	if (r == 1)
		return 1;	/* #PF on the fetch queued */
	if (r || (insn.op != OKVM_OP_MOV_TO_DR && insn.op != OKVM_OP_MOV_FROM_DR))
		return okvm_emulation_failure(vcpu);
	dr = insn.ctl.num;
	if (dr > 7) {
		okvm_inject_ud(vcpu);
		return 1;
	}
	if (okvm_cpl(vcpu)) {
		okvm_inject_gp(vcpu);
		return 1;
	}
	if (dr == 4 || dr == 5) {
		if (okvm_cr_read(vcpu, OKVM_CR4) & X86_CR4_DE) {
			okvm_inject_ud(vcpu);
			return 1;
		}
		dr += 2;
	}
	dr7 = okvm_x86_ops.get_dr(vcpu, 7);
	if (dr7 & OKVM_DR7_GD) {
		okvm_x86_ops.set_dr(vcpu, 7, dr7 & ~OKVM_DR7_GD);
		okvm_queue_exception_p(vcpu, DB_VECTOR, OKVM_DR6_BD);
		return 1;
	}
	gpr = &vcpu->arch.regs[insn.ctl.gpr];
	if (insn.op == OKVM_OP_MOV_FROM_DR) {
		v = dr < 4 ? vcpu->arch.db[dr] : okvm_x86_ops.get_dr(vcpu, dr);
		*gpr = insn.mode == OKVM_MODE_64 ? v : (u32)v;
	} else {
		v = insn.mode == OKVM_MODE_64 ? *gpr : (u32)*gpr;
		if (set_dr(vcpu, dr, v)) {
			okvm_inject_gp(vcpu);
			return 1;
		}
	}
	okvm_skip_insn(vcpu, insn.len);
	return 1;
}

/* --- RESET and INIT ---------------------------------------------------------------- */

/**
 * okvm_vcpu_reset() - put a vCPU in the x86 RESET or INIT state
 * @vcpu: the vCPU, not running
 * @init_event: INIT (and a shutdown, which SVM turns into INIT, as KVM
 *              does) rather than RESET (creation)
 *
 * Real mode at F000:FFF0 (the backend's part), the RESET signature in EDX,
 * no event in flight. RESET also puts the FPU, XCR0, the APIC base and
 * okvm's own MSRs at their power-on values; INIT leaves them as they were
 * (SDM vol. 3, table 10-1: x87, SSE and AVX state are unchanged by INIT),
 * as KVM does. The TSC and the MSRs of msr.c run on.
 */
void okvm_vcpu_reset(struct okvm_vcpu *vcpu, bool init_event)
{
	struct okvm_vm *vm = vcpu->vm;

	okvm_x86_ops.vcpu_reset(vcpu, init_event);
	memset(vcpu->arch.regs, 0, sizeof(vcpu->arch.regs));
	vcpu->arch.regs[OKVM_RDX] = 0x600;	/* the RESET signature in EDX */
	memset(vcpu->arch.db, 0, sizeof(vcpu->arch.db));
	vcpu->arch.complete_userspace_io = NULL;
	okvm_clear_events(vcpu);
	if (!init_event) {
		vcpu->arch.apic_base = 0xfee00000 | MSR_IA32_APICBASE_ENABLE |
				       (vcpu->vcpu_id == vm->arch.bsp_vcpu_id ?
					MSR_IA32_APICBASE_BSP : 0);
		vcpu->arch.misc_enable = 0;
		vcpu->arch.hwcr = 0;
		vcpu->arch.tsc_aux = 0;
		fpu_power_on(vcpu);
		vcpu->arch.xcr0 = XFEATURE_MASK_FP;
	}
	okvm_cpuid_runtime_update(vcpu);
}

/* --- sync regs ------------------------------------------------------------------- */

/**
 * okvm_sync_regs_in() - apply what userspace marked dirty in kvm_run
 * @vcpu: the vCPU entering KVM_RUN
 *
 * Each part is copied out of the shared page before it is checked:
 * userspace may change the page at any time (upstream sync_regs_test
 * races it on purpose).
 * Return: 0, or -EINVAL for unknown bits or a state KVM_SET_SREGS or
 * KVM_SET_VCPU_EVENTS refuses (the parts before it are applied, as KVM).
 */
int okvm_sync_regs_in(struct okvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	u64 valid = READ_ONCE(run->kvm_valid_regs);
	u64 dirty = READ_ONCE(run->kvm_dirty_regs);
	union {
		struct kvm_regs regs;
		struct kvm_sregs sregs;
		struct kvm_vcpu_events events;
	} *u;
	int r = 0;

	if ((valid | dirty) & ~KVM_SYNC_X86_VALID_FIELDS)
		return -EINVAL;
	if (!dirty)
		return 0;
	u = kmalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;
	if (dirty & KVM_SYNC_X86_REGS) {
		memcpy(&u->regs, &run->s.regs.regs, sizeof(u->regs));
		okvm_set_regs(vcpu, &u->regs);
		dirty &= ~KVM_SYNC_X86_REGS;
	}
	if (dirty & KVM_SYNC_X86_SREGS) {
		memcpy(&u->sregs, &run->s.regs.sregs, sizeof(u->sregs));
		if (okvm_set_sregs(vcpu, &u->sregs)) {
			r = -EINVAL;
			goto out;
		}
		dirty &= ~KVM_SYNC_X86_SREGS;
	}
	if (dirty & KVM_SYNC_X86_EVENTS) {
		memcpy(&u->events, &run->s.regs.events, sizeof(u->events));
		if (okvm_set_vcpu_events(vcpu, &u->events)) {
			r = -EINVAL;
			goto out;
		}
		dirty &= ~KVM_SYNC_X86_EVENTS;
	}
out:
	WRITE_ONCE(run->kvm_dirty_regs, dirty);
	kfree(u);
	return r;
}

/**
 * okvm_sync_regs_out() - publish the parts userspace asked for
 * @vcpu: the vCPU leaving KVM_RUN (also after an error, as KVM)
 */
void okvm_sync_regs_out(struct okvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	u64 valid = READ_ONCE(run->kvm_valid_regs);

	if (valid & KVM_SYNC_X86_REGS)
		okvm_get_regs(vcpu, &run->s.regs.regs);
	if (valid & KVM_SYNC_X86_SREGS)
		okvm_get_sregs(vcpu, &run->s.regs.sregs);
	if (valid & KVM_SYNC_X86_EVENTS)
		okvm_get_vcpu_events(vcpu, &run->s.regs.events);
}

/* --- the ioctls ------------------------------------------------------------------- */

/**
 * okvm_regs_ioctl() - KVM_GET/SET_REGS, _SREGS, _FPU, _DEBUGREGS
 * @vcpu: the vCPU, its mutex held
 * @ioctl: the ioctl
 * @argp: its argument
 *
 * Return: the ioctl's result.
 */
long okvm_regs_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
		     void __user *argp)
{
	union {
		struct kvm_regs regs;
		struct kvm_sregs sregs;
		struct kvm_fpu fpu;
	} *u;
	long r = 0;

	if (ioctl == KVM_GET_DEBUGREGS || ioctl == KVM_SET_DEBUGREGS)
		return debugregs_ioctl(vcpu, ioctl, argp);
	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;
	switch (ioctl) {
	case KVM_GET_REGS:
		okvm_get_regs(vcpu, &u->regs);
		if (copy_to_user(argp, &u->regs, sizeof(u->regs)))
			r = -EFAULT;
		break;
	case KVM_SET_REGS:
		if (copy_from_user(&u->regs, argp, sizeof(u->regs)))
			r = -EFAULT;
		else
			okvm_set_regs(vcpu, &u->regs);
		break;
	case KVM_GET_SREGS:
		okvm_get_sregs(vcpu, &u->sregs);
		if (copy_to_user(argp, &u->sregs, sizeof(u->sregs)))
			r = -EFAULT;
		break;
	case KVM_SET_SREGS:
		if (copy_from_user(&u->sregs, argp, sizeof(u->sregs)))
			r = -EFAULT;
		else
			r = okvm_set_sregs(vcpu, &u->sregs);
		break;
	case KVM_GET_FPU:
		get_fpu(vcpu, &u->fpu);
		if (copy_to_user(argp, &u->fpu, sizeof(u->fpu)))
			r = -EFAULT;
		break;
	case KVM_SET_FPU:
		if (copy_from_user(&u->fpu, argp, sizeof(u->fpu)))
			r = -EFAULT;
		else
			r = set_fpu(vcpu, &u->fpu);
		break;
	}
	kfree(u);
	return r;
}
