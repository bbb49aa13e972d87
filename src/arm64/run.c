// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_RUN on arm64: entering the guest at EL1 through okvm's world switch
 * and handling its exits (stage-2 faults, MMIO, WFx, HVC/SMC for PSCI,
 * trapped system registers).
 *
 * One entry, with DAIF masked from before HCR_EL2 changes until after it
 * is the host's again:
 *	host: save what the guest shares with it (EL0 registers, SP_EL0,
 *	      PAR_EL1, TPIDR_EL1, CSSELR_EL1, the trap controls);
 *	guest: load its EL1 registers (the *_EL12 aliases under VHE), FP,
 *	      VTTBR_EL2 with its s2 MMU's VMID, HCR_EL2 without TGE;
 *	okvm_arm64_enter() (switch.S) swaps VBAR_EL2 and ERETs;
 *	back: read the syndrome, save the guest, restore the host.
 * FP/SIMD belongs to okvm between kernel_neon_begin() and _end().
 */
#include <linux/kvm.h>
#include <linux/psci.h>
#include <linux/arm-smccc.h>
#include <linux/sched/signal.h>
#include <uapi/linux/psci.h>
#include <asm/daifflags.h>
#include <asm/esr.h>
#include <asm/kvm_arm.h>
#include <asm/neon.h>
#include <asm/sysreg.h>

#include "okvm.h"
#include "arm64/arm64.h"
#include "arm64/tlb.h"

/* HCR_EL2 while a guest runs: stage 2, traps, interrupts to EL2, VHE kept. */
#define OKVM_HCR_GUEST	(HCR_VM | HCR_SWIO | HCR_PTW | HCR_FMO | HCR_IMO | \
			 HCR_AMO | HCR_BSU_IS | HCR_FB | HCR_TWI | HCR_TWE | \
			 HCR_TSC | HCR_TIDCP | HCR_RW | HCR_E2H)
/* Debug and PMU registers trap: okvm emulates the former, has no PMU. */
#define OKVM_MDCR_TRAPS	(MDCR_EL2_TPM | MDCR_EL2_TPMCR | MDCR_EL2_TDA | \
			 MDCR_EL2_TDOSA | MDCR_EL2_TDRA)
/* CPTR_EL2 (CPACR layout under VHE): FP/SIMD on, SVE/SME trap. */
#define OKVM_CPACR_ZEN	(3UL << 16)
#define OKVM_CPACR_FPEN	(3UL << 20)
#define OKVM_CPACR_SMEN	(3UL << 24)

struct okvm_host_ctx {
	u64 hcr, mdcr, cptr, vttbr, vtcr;
	u64 tpidr_el0, tpidrro_el0, sp_el0, par, tpidr_el1, csselr;
};

static void guest_load(struct okvm_vcpu *vcpu)
{
	struct okvm_vcpu_arch *a = &vcpu->arch;
	u64 *s = a->sys;

	write_sysreg_s(s[OKVM_SCTLR_EL1], SYS_SCTLR_EL12);
	write_sysreg_s(s[OKVM_CPACR_EL1], SYS_CPACR_EL12);
	write_sysreg_s(s[OKVM_TTBR0_EL1], SYS_TTBR0_EL12);
	write_sysreg_s(s[OKVM_TTBR1_EL1], SYS_TTBR1_EL12);
	write_sysreg_s(s[OKVM_TCR_EL1], SYS_TCR_EL12);
	write_sysreg_s(s[OKVM_ESR_EL1], SYS_ESR_EL12);
	write_sysreg_s(s[OKVM_AFSR0_EL1], SYS_AFSR0_EL12);
	write_sysreg_s(s[OKVM_AFSR1_EL1], SYS_AFSR1_EL12);
	write_sysreg_s(s[OKVM_FAR_EL1], SYS_FAR_EL12);
	write_sysreg_s(s[OKVM_MAIR_EL1], SYS_MAIR_EL12);
	write_sysreg_s(s[OKVM_AMAIR_EL1], SYS_AMAIR_EL12);
	write_sysreg_s(s[OKVM_VBAR_EL1], SYS_VBAR_EL12);
	write_sysreg_s(s[OKVM_CONTEXTIDR_EL1], SYS_CONTEXTIDR_EL12);
	write_sysreg_s(s[OKVM_CNTKCTL_EL1], SYS_CNTKCTL_EL12);
	write_sysreg_s(a->elr_el1, SYS_ELR_EL12);
	write_sysreg_s(a->spsr_el1, SYS_SPSR_EL12);
	write_sysreg_s(a->cntv_cval, SYS_CNTV_CVAL_EL02);
	write_sysreg_s(a->cntv_ctl, SYS_CNTV_CTL_EL02);
	write_sysreg(a->sp_el1, sp_el1);
	write_sysreg(a->sp_el0, sp_el0);
	write_sysreg(s[OKVM_PAR_EL1], par_el1);
	write_sysreg(s[OKVM_TPIDR_EL1], tpidr_el1);
	write_sysreg(s[OKVM_TPIDR_EL0], tpidr_el0);
	write_sysreg(s[OKVM_TPIDRRO_EL0], tpidrro_el0);
	write_sysreg(s[OKVM_CSSELR_EL1], csselr_el1);
	write_sysreg(s[OKVM_MPIDR_EL1], vmpidr_el2);
	write_sysreg(read_cpuid_id(), vpidr_el2);
}

static void guest_save(struct okvm_vcpu *vcpu)
{
	struct okvm_vcpu_arch *a = &vcpu->arch;
	u64 *s = a->sys;

	s[OKVM_SCTLR_EL1] = read_sysreg_s(SYS_SCTLR_EL12);
	s[OKVM_CPACR_EL1] = read_sysreg_s(SYS_CPACR_EL12);
	s[OKVM_TTBR0_EL1] = read_sysreg_s(SYS_TTBR0_EL12);
	s[OKVM_TTBR1_EL1] = read_sysreg_s(SYS_TTBR1_EL12);
	s[OKVM_TCR_EL1] = read_sysreg_s(SYS_TCR_EL12);
	s[OKVM_ESR_EL1] = read_sysreg_s(SYS_ESR_EL12);
	s[OKVM_AFSR0_EL1] = read_sysreg_s(SYS_AFSR0_EL12);
	s[OKVM_AFSR1_EL1] = read_sysreg_s(SYS_AFSR1_EL12);
	s[OKVM_FAR_EL1] = read_sysreg_s(SYS_FAR_EL12);
	s[OKVM_MAIR_EL1] = read_sysreg_s(SYS_MAIR_EL12);
	s[OKVM_AMAIR_EL1] = read_sysreg_s(SYS_AMAIR_EL12);
	s[OKVM_VBAR_EL1] = read_sysreg_s(SYS_VBAR_EL12);
	s[OKVM_CONTEXTIDR_EL1] = read_sysreg_s(SYS_CONTEXTIDR_EL12);
	s[OKVM_CNTKCTL_EL1] = read_sysreg_s(SYS_CNTKCTL_EL12);
	a->elr_el1 = read_sysreg_s(SYS_ELR_EL12);
	a->spsr_el1 = read_sysreg_s(SYS_SPSR_EL12);
	a->cntv_ctl = read_sysreg_s(SYS_CNTV_CTL_EL02);
	a->cntv_cval = read_sysreg_s(SYS_CNTV_CVAL_EL02);
	/* Offered to no guest: keep a forgotten one from firing at the host. */
	write_sysreg_s(0, SYS_CNTV_CTL_EL02);
	a->sp_el1 = read_sysreg(sp_el1);
	a->sp_el0 = read_sysreg(sp_el0);
	s[OKVM_PAR_EL1] = read_sysreg(par_el1);
	s[OKVM_TPIDR_EL1] = read_sysreg(tpidr_el1);
	s[OKVM_TPIDR_EL0] = read_sysreg(tpidr_el0);
	s[OKVM_TPIDRRO_EL0] = read_sysreg(tpidrro_el0);
	s[OKVM_CSSELR_EL1] = read_sysreg(csselr_el1);
}

static void host_save(struct okvm_host_ctx *h)
{
	h->hcr = read_sysreg(hcr_el2);
	h->mdcr = read_sysreg(mdcr_el2);
	h->cptr = read_sysreg(cpacr_el1);	/* CPTR_EL2 under VHE */
	h->vttbr = read_sysreg(vttbr_el2);
	h->vtcr = read_sysreg(vtcr_el2);
	h->tpidr_el0 = read_sysreg(tpidr_el0);
	h->tpidrro_el0 = read_sysreg(tpidrro_el0);
	h->sp_el0 = read_sysreg(sp_el0);	/* the host's "current" */
	h->par = read_sysreg(par_el1);
	h->tpidr_el1 = read_sysreg(tpidr_el1);
	h->csselr = read_sysreg(csselr_el1);
}

static void host_restore(const struct okvm_host_ctx *h)
{
	write_sysreg(h->hcr, hcr_el2);
	isb();
	write_sysreg(h->mdcr, mdcr_el2);
	write_sysreg(h->cptr, cpacr_el1);
	write_sysreg(h->vttbr, vttbr_el2);
	write_sysreg(h->vtcr, vtcr_el2);
	write_sysreg(h->tpidr_el0, tpidr_el0);
	write_sysreg(h->tpidrro_el0, tpidrro_el0);
	write_sysreg(h->sp_el0, sp_el0);
	write_sysreg(h->par, par_el1);
	write_sysreg(h->tpidr_el1, tpidr_el1);
	write_sysreg(h->csselr, csselr_el1);
	isb();
}

static bool fsc_is_permission(u64 esr)
{
	return (esr & ESR_ELx_FSC_TYPE) == ESR_ELx_FSC_PERM;
}

/*
 * HPFAR_EL2 is not valid for a stage-2 permission fault (other than on a
 * stage-1 walk): translate FAR_EL2 with the guest's stage 1, still loaded.
 * Clobbers PAR_EL1 (the guest's is saved by then).
 */
static void exit_fault_ipa(struct okvm_vcpu_arch *a)
{
	u64 ec = ESR_ELx_EC(a->esr), par;

	a->hpfar_valid = false;
	if (ec != ESR_ELx_EC_DABT_LOW && ec != ESR_ELx_EC_IABT_LOW)
		return;
	a->far = read_sysreg(far_el2);
	if (!fsc_is_permission(a->esr) || (a->esr & ESR_ELx_S1PTW)) {
		a->hpfar = read_sysreg(hpfar_el2);
		a->hpfar_valid = true;
		return;
	}
	asm volatile("at s1e1r, %0" : : "r" (a->far));
	isb();
	par = read_sysreg(par_el1);
	if (par & SYS_PAR_EL1_F)
		return;		/* the guest changed its tables: retry */
	a->hpfar = ((par & GENMASK_ULL(47, 12)) >> 12) << 4;
	a->hpfar_valid = true;
}

/* One guest entry; returns enum okvm_arm64_exit. */
static int enter_guest(struct okvm_vcpu *vcpu)
{
	struct okvm_vcpu_arch *a = &vcpu->arch;
	struct okvm_vm_arch *va = &vcpu->vm->arch;
	struct okvm_host_ctx host;
	unsigned long daif;
	u64 code, vttbr;
	u32 vmid;

	kernel_neon_begin();
	daif = local_daif_save();

	okvm_s2_mmu_vcpu_load(a->s2, vcpu->vcpu_idx, smp_processor_id());
	vmid = okvm_vmid_value(va->s2vm.vmids, &a->s2->vmid);
	vttbr = virt_to_phys(okvm_s2_pgd(a->s2)) | ((u64)vmid << VTTBR_VMID_SHIFT);

	host_save(&host);
	okvm_arm64_fp_load(&a->fp);
	guest_load(vcpu);
	write_sysreg(va->vtcr, vtcr_el2);
	write_sysreg(vttbr, vttbr_el2);
	write_sysreg(host.mdcr | OKVM_MDCR_TRAPS, mdcr_el2);
	write_sysreg((host.cptr & ~(OKVM_CPACR_ZEN | OKVM_CPACR_SMEN)) |
		     OKVM_CPACR_FPEN, cpacr_el1);
	write_sysreg(OKVM_HCR_GUEST, hcr_el2);
	isb();
	okvm_arm64_do_local_flush();

	code = okvm_arm64_enter(&a->gprs);

	a->esr = read_sysreg(esr_el2);
	guest_save(vcpu);
	exit_fault_ipa(a);
	okvm_arm64_fp_save(&a->fp);
	host_restore(&host);

	local_daif_restore(daif);
	kernel_neon_end();
	a->ran = true;
	return code;
}

/* A synchronous exception for the guest at EL1, as the hardware takes it. */
static void inject_sync(struct okvm_vcpu *vcpu, u64 esr)
{
	struct okvm_vcpu_arch *a = &vcpu->arch;
	u64 mode = a->gprs.pstate & PSR_MODE_MASK, off;

	if (mode == PSR_MODE_EL0t)
		off = 0x400;		/* lower EL, AArch64 */
	else if (mode == PSR_MODE_EL1t)
		off = 0x000;		/* current EL, SP_EL0 */
	else
		off = 0x200;		/* current EL, SP_ELx */
	a->elr_el1 = a->gprs.pc;
	a->spsr_el1 = a->gprs.pstate;
	a->sys[OKVM_ESR_EL1] = esr;
	a->gprs.pc = a->sys[OKVM_VBAR_EL1] + off;
	a->gprs.pstate = PSR_MODE_EL1h | PSR_A_BIT | PSR_I_BIT | PSR_F_BIT |
			 PSR_D_BIT;
}

static void inject_undef(struct okvm_vcpu *vcpu)
{
	inject_sync(vcpu, ((u64)ESR_ELx_EC_UNKNOWN << ESR_ELx_EC_SHIFT) |
			  ESR_ELx_IL);
}

static void skip_insn(struct okvm_vcpu *vcpu)
{
	vcpu->arch.gprs.pc += 4;
}

static u64 get_x(struct okvm_vcpu *vcpu, unsigned int rt)
{
	return rt == 31 ? 0 : vcpu->arch.gprs.x[rt];
}

static void set_x(struct okvm_vcpu *vcpu, unsigned int rt, u64 v)
{
	if (rt != 31)
		vcpu->arch.gprs.x[rt] = v;
}

/* Complete the MMIO access of the last exit (KVM does it on KVM_RUN). */
static void mmio_complete(struct okvm_vcpu *vcpu)
{
	struct okvm_vcpu_arch *a = &vcpu->arch;
	unsigned int len = a->mmio_len;
	u64 v = 0;

	a->mmio_pending = false;
	if (a->mmio_read) {
		memcpy(&v, vcpu->run->mmio.data, len);
		v = le64_to_cpu(v);
		if (a->mmio_sign_extend && len < 8)
			v = sign_extend64(v, len * 8 - 1);
		if (!a->mmio_64)
			v &= U32_MAX;
		set_x(vcpu, a->mmio_rt, v);
	}
	skip_insn(vcpu);
}

static int mmio_exit(struct okvm_vcpu *vcpu, u64 ipa)
{
	struct okvm_vcpu_arch *a = &vcpu->arch;
	struct kvm_run *run = vcpu->run;
	u64 esr = a->esr, v;

	/* Cache maintenance by VA on MMIO: nothing to do. */
	if (esr & ESR_ELx_CM) {
		skip_insn(vcpu);
		return 1;
	}
	/* No syndrome to decode the access from (as KVM without NISV). */
	if (!(esr & ESR_ELx_ISV))
		return -ENOSYS;

	a->mmio_len = 1U << ((esr & ESR_ELx_SAS) >> ESR_ELx_SAS_SHIFT);
	a->mmio_rt = (esr & ESR_ELx_SRT_MASK) >> ESR_ELx_SRT_SHIFT;
	a->mmio_sign_extend = esr & ESR_ELx_SSE;
	a->mmio_64 = esr & ESR_ELx_SF;
	a->mmio_read = !(esr & ESR_ELx_WNR);
	a->mmio_pending = true;

	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = ipa;
	run->mmio.len = a->mmio_len;
	run->mmio.is_write = !a->mmio_read;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (!a->mmio_read) {
		v = cpu_to_le64(get_x(vcpu, a->mmio_rt));
		memcpy(run->mmio.data, &v, a->mmio_len);
	}
	return 0;
}

static int handle_abort(struct okvm_vcpu *vcpu, bool iabt)
{
	struct okvm_vcpu_arch *a = &vcpu->arch;
	u64 esr = a->esr, ipa, gpa, type = esr & ESR_ELx_FSC_TYPE;
	bool write;
	int r;

	if (type != ESR_ELx_FSC_FAULT && type != ESR_ELx_FSC_ACCESS &&
	    type != ESR_ELx_FSC_PERM)
		return -EFAULT;
	if (!a->hpfar_valid)
		return 1;	/* re-execute: the walk is redone */
	ipa = ((a->hpfar & HPFAR_MASK) << 8) | (a->far & ~PAGE_MASK);
	if (ipa >> vcpu->vm->arch.ipa_bits)
		return -EFAULT;

	/*
	 * A stage-1 walk only writes when it updates access/dirty flags, and
	 * then it meets a read-only mapping: as KVM, a walk's permission
	 * fault is a write, its translation fault a read (else a table page
	 * reads as dirty, or a table in a read-only slot cannot be walked).
	 */
	if (esr & ESR_ELx_S1PTW)
		write = fsc_is_permission(esr);
	else
		write = !iabt && (esr & ESR_ELx_WNR);
	r = okvm_arm64_s2_fault(vcpu, ipa, write, &gpa);
	if (r != OKVM_FAULT_MMIO)
		return r;
	if (iabt || (esr & ESR_ELx_S1PTW))
		return -ENOSYS;		/* executing or walking MMIO */
	return mmio_exit(vcpu, gpa);
}

/* Trapped system register accesses (debug registers only reach here). */
static int handle_sysreg(struct okvm_vcpu *vcpu)
{
	u64 esr = vcpu->arch.esr;
	u32 enc = esr_sys64_to_sysreg(esr);
	unsigned int rt = ESR_ELx_SYS64_ISS_RT(esr);
	bool read = esr & ESR_ELx_SYS64_ISS_DIR_READ;

	if (sys_reg_Op0(enc) != 2) {
		inject_undef(vcpu);	/* PMU, IMPDEF: not offered */
		return 1;
	}
	/* Debug: MDSCR_EL1 is kept, the rest reads as zero, ignores writes. */
	if (enc == SYS_MDSCR_EL1) {
		if (read)
			set_x(vcpu, rt, vcpu->arch.sys[OKVM_MDSCR_EL1]);
		else
			vcpu->arch.sys[OKVM_MDSCR_EL1] = get_x(vcpu, rt);
	} else if (read) {
		set_x(vcpu, rt, 0);
	}
	skip_insn(vcpu);
	return 1;
}

/* PSCI 0.1 as KVM numbers it (KVM_PSCI_FN_*). */
#define OKVM_PSCI01_CPU_OFF	(KVM_PSCI_FN_BASE + 1)
#define OKVM_PSCI01_CPU_ON	(KVM_PSCI_FN_BASE + 2)

static void system_event(struct okvm_vcpu *vcpu, u32 type)
{
	struct okvm_vm *vm = vcpu->vm;
	struct okvm_vcpu *v;
	unsigned long i;

	/* As KVM: every vCPU stops; userspace decides what comes next. */
	spin_lock(&vm->arch.psci_lock);
	xa_for_each(&vm->vcpu_array, i, v)
		WRITE_ONCE(v->arch.power_off, true);
	spin_unlock(&vm->arch.psci_lock);
	xa_for_each(&vm->vcpu_array, i, v)
		wake_up_interruptible(&v->arch.wq);	/* out of WFI */
	memset(&vcpu->run->system_event, 0, sizeof(vcpu->run->system_event));
	vcpu->run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
	vcpu->run->system_event.type = type;
	vcpu->run->system_event.ndata = 1;
}

static long psci_cpu_on(struct okvm_vcpu *vcpu, u64 mpidr, u64 pc, u64 x0,
			bool v0_1)
{
	struct okvm_vm *vm = vcpu->vm;
	struct okvm_vcpu *t = okvm_arm64_mpidr_to_vcpu(vm, mpidr);
	long r = PSCI_RET_SUCCESS;

	if (!t)
		return PSCI_RET_INVALID_PARAMS;
	spin_lock(&vm->arch.psci_lock);
	if (!t->arch.power_off) {
		r = v0_1 ? PSCI_RET_INVALID_PARAMS : PSCI_RET_ALREADY_ON;
	} else if (t->arch.reset_pending) {
		r = PSCI_RET_ON_PENDING;
	} else {
		t->arch.reset_pc = pc;
		t->arch.reset_x0 = x0;
		t->arch.reset_pending = true;
		WRITE_ONCE(t->arch.power_off, false);
	}
	spin_unlock(&vm->arch.psci_lock);
	if (r == PSCI_RET_SUCCESS)
		wake_up_interruptible(&t->arch.wq);
	return r;
}

static long psci_affinity_info(struct okvm_vcpu *vcpu, u64 target, u64 level)
{
	struct okvm_vcpu *v;
	unsigned long i;
	u64 mask;

	if (level > 3)
		return PSCI_RET_INVALID_PARAMS;
	mask = MPIDR_HWID_BITMASK & ~(BIT_ULL(level * MPIDR_LEVEL_BITS) - 1);
	if (level == 3)
		mask = MPIDR_HWID_BITMASK & ~GENMASK_ULL(23, 0);
	xa_for_each(&vcpu->vm->vcpu_array, i, v) {
		if ((v->arch.sys[OKVM_MPIDR_EL1] & mask) != (target & mask))
			continue;
		if (!READ_ONCE(v->arch.power_off))
			return PSCI_0_2_AFFINITY_LEVEL_ON;
	}
	return PSCI_0_2_AFFINITY_LEVEL_OFF;
}

/*
 * An SMCCC call (HVC, or SMC with the PC already moved past it): PSCI and
 * the SMCCC version. Return: 1 to re-enter, 0 to exit to userspace.
 */
static int handle_smccc(struct okvm_vcpu *vcpu)
{
	struct okvm_vcpu_arch *a = &vcpu->arch;
	bool v0_2 = a->features & BIT(KVM_ARM_VCPU_PSCI_0_2);
	u32 fn = a->gprs.x[0];
	u64 x1 = a->gprs.x[1], x2 = a->gprs.x[2], x3 = a->gprs.x[3];
	long r = PSCI_RET_NOT_SUPPORTED;

	/* SMC32/HVC32 calls take 32-bit arguments. */
	if (!(fn & BIT(ARM_SMCCC_CALL_CONV_SHIFT))) {
		x1 = (u32)x1;
		x2 = (u32)x2;
		x3 = (u32)x3;
	}

	if (!v0_2) {
		switch (fn) {
		case OKVM_PSCI01_CPU_OFF:
			WRITE_ONCE(a->power_off, true);
			return 1;
		case OKVM_PSCI01_CPU_ON:
			r = psci_cpu_on(vcpu, x1, x2, 0, true);
			break;
		}
		a->gprs.x[0] = r;
		return 1;
	}

	switch (fn) {
	case ARM_SMCCC_VERSION_FUNC_ID:
		r = ARM_SMCCC_VERSION_1_1;
		break;
	case PSCI_0_2_FN_PSCI_VERSION:
		r = PSCI_VERSION(0, 2);
		break;
	case PSCI_0_2_FN_CPU_SUSPEND:
	case PSCI_0_2_FN64_CPU_SUSPEND:
		/* A standby state: returning at once is a valid wake-up. */
		r = PSCI_RET_SUCCESS;
		break;
	case PSCI_0_2_FN_CPU_OFF:
		spin_lock(&vcpu->vm->arch.psci_lock);
		WRITE_ONCE(a->power_off, true);
		spin_unlock(&vcpu->vm->arch.psci_lock);
		return 1;
	case PSCI_0_2_FN_CPU_ON:
	case PSCI_0_2_FN64_CPU_ON:
		r = psci_cpu_on(vcpu, x1, x2, x3, false);
		break;
	case PSCI_0_2_FN_AFFINITY_INFO:
	case PSCI_0_2_FN64_AFFINITY_INFO:
		r = psci_affinity_info(vcpu, x1, x2);
		break;
	case PSCI_0_2_FN_MIGRATE_INFO_TYPE:
		r = PSCI_0_2_TOS_MP;
		break;
	case PSCI_0_2_FN_SYSTEM_OFF:
		system_event(vcpu, KVM_SYSTEM_EVENT_SHUTDOWN);
		return 0;
	case PSCI_0_2_FN_SYSTEM_RESET:
		system_event(vcpu, KVM_SYSTEM_EVENT_RESET);
		return 0;
	}
	a->gprs.x[0] = r;
	return 1;
}

/*
 * WFI waits for an interrupt, as on KVM. With no GIC and no timer none
 * can come: the vCPU sleeps until a signal (KVM_EXIT_INTR, and the next
 * KVM_RUN resumes after the WFI) or a PSCI power change.
 */
static int handle_wfi(struct okvm_vcpu *vcpu)
{
	wait_event_interruptible(vcpu->arch.wq, READ_ONCE(vcpu->arch.power_off));
	return 1;
}

static int handle_sync(struct okvm_vcpu *vcpu)
{
	switch (ESR_ELx_EC(vcpu->arch.esr)) {
	case ESR_ELx_EC_WFx:
		skip_insn(vcpu);
		if (vcpu->arch.esr & ESR_ELx_WFx_ISS_WFE) {
			cond_resched();		/* a spinning vCPU yields */
			return 1;
		}
		return handle_wfi(vcpu);
	case ESR_ELx_EC_HVC64:
		return handle_smccc(vcpu);
	case ESR_ELx_EC_SMC64:
		skip_insn(vcpu);
		return handle_smccc(vcpu);
	case ESR_ELx_EC_SYS64:
		return handle_sysreg(vcpu);
	case ESR_ELx_EC_DABT_LOW:
		return handle_abort(vcpu, false);
	case ESR_ELx_EC_IABT_LOW:
		return handle_abort(vcpu, true);
	case ESR_ELx_EC_PAC:
		/*
		 * Pointer authentication is not offered (HCR_EL2.API clear):
		 * the HINT-space instructions act as NOPs, as on a CPU
		 * without it.
		 */
		skip_insn(vcpu);
		return 1;
	default:
		inject_undef(vcpu);
		return 1;
	}
}

/* Apply a pending PSCI CPU_ON: a reset, then the caller's entry point. */
static void apply_cpu_on(struct okvm_vcpu *vcpu)
{
	struct okvm_vcpu_arch *a = &vcpu->arch;
	u64 pc, x0;

	spin_lock(&vcpu->vm->arch.psci_lock);
	if (!a->reset_pending) {
		spin_unlock(&vcpu->vm->arch.psci_lock);
		return;
	}
	a->reset_pending = false;
	pc = a->reset_pc;
	x0 = a->reset_x0;
	spin_unlock(&vcpu->vm->arch.psci_lock);
	okvm_arm64_vcpu_reset(vcpu);
	a->gprs.pc = pc;
	a->gprs.x[0] = x0;
}

/**
 * okvm_arm64_vcpu_run() - KVM_RUN
 * @vcpu: the vCPU, its mutex held
 *
 * Return: 0 with kvm_run filled for userspace, -EINTR (KVM_EXIT_INTR) on a
 * signal or immediate_exit, -ENOEXEC before KVM_ARM_VCPU_INIT, or the
 * errno of a fault okvm cannot resolve (-EFAULT, -ENOSYS, -EIO).
 */
int okvm_arm64_vcpu_run(struct okvm_vcpu *vcpu)
{
	struct okvm_vcpu_arch *a = &vcpu->arch;
	struct kvm_run *run = vcpu->run;
	int r;

	if (!a->initialized)
		return -ENOEXEC;
	if (a->mmio_pending)
		mmio_complete(vcpu);
	if (!vcpu->wants_to_run)
		return -EINTR;

	run->exit_reason = KVM_EXIT_UNKNOWN;
	run->flags = 0;
	for (;;) {
		if (READ_ONCE(a->power_off) &&
		    wait_event_interruptible(a->wq, !READ_ONCE(a->power_off))) {
			run->exit_reason = KVM_EXIT_INTR;
			return -EINTR;
		}
		apply_cpu_on(vcpu);
		if (okvm_vm_mmu_broken(vcpu->vm))
			return -EIO;
		if (signal_pending(current)) {
			run->exit_reason = KVM_EXIT_INTR;
			return -EINTR;
		}
		cond_resched();

		switch (enter_guest(vcpu)) {
		case OKVM_ARM64_EXIT_SYNC:
			r = handle_sync(vcpu);
			break;
		case OKVM_ARM64_EXIT_IRQ:
		case OKVM_ARM64_EXIT_FIQ:
			r = 1;		/* the host took it with DAIF restored */
			break;
		case OKVM_ARM64_EXIT_SERROR:
			run->exit_reason = KVM_EXIT_FAIL_ENTRY;
			run->fail_entry.hardware_entry_failure_reason = a->esr;
			run->fail_entry.cpu = raw_smp_processor_id();
			return 0;
		default:
			OKVM_BUG_ON(1, vcpu->vm);
			return -EIO;
		}
		if (r <= 0)
			return r;
	}
}
