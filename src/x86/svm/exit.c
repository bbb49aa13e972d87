// SPDX-License-Identifier: GPL-2.0-only
/*
 * SVM exit decoding: each #VMEXIT code is turned into a call of the common
 * x86 handler that owns the work (port I/O, MMIO, MSRs, CPUID, XSETBV, CR4,
 * hypercalls, HLT, shutdown), or handled here when only SVM knows it (NMI
 * and interrupt windows, IRET, intercepted exceptions).
 *
 * The test CPU (QEMU TCG, EPYC) has neither decode assists nor next-RIP
 * saving: instruction lengths are computed, never taken from the VMCB.
 */
#include <linux/kvm.h>

#include "pv.h"
#include "svm.h"
#include "xsave.h"

/* NPF error code (APM vol. 2, 15.25.6): a present entry, a write. */
#define OKVM_NPF_PRESENT	BIT_ULL(0)
#define OKVM_NPF_WRITE		BIT_ULL(1)

static int svm_handle_io(struct okvm_vcpu *vcpu)
{
	const struct vmcb_control_area *c = &to_vmcb(vcpu)->control;
	u32 info = c->exit_info_1;
	struct okvm_io_exit io = {
		.port = info >> 16,
		.size = (info >> OKVM_IOIO_SIZE_SHIFT) & 7,	/* 1, 2 or 4 */
		.in = info & OKVM_IOIO_IN,
		.string = info & OKVM_IOIO_STR,
		.rep = info & OKVM_IOIO_REP,
		/* EXITINFO2 is the next RIP for IOIO even without NRIP save. */
		.next_rip = c->exit_info_2,
	};

	return okvm_emulate_pio(vcpu, &io);
}

static int svm_handle_npf(struct okvm_vcpu *vcpu)
{
	const struct vmcb_control_area *c = &to_vmcb(vcpu)->control;
	u64 gpa = c->exit_info_2, err = c->exit_info_1;
	int r;

	r = okvm_mmu_page_fault(vcpu, gpa, err & OKVM_NPF_WRITE,
				err & OKVM_NPF_PRESENT);
	if (r != OKVM_FAULT_MMIO)
		return r;
	/* Userspace and the in-kernel devices see natural GPAs. */
	gpa = okvm_gpa_natural(vcpu->vm, gpa);
	/*
	 * MMIO while an event was being delivered (an IDT or stack in MMIO):
	 * the instruction at RIP did not make the access. KVM reports it so.
	 */
	if (c->exit_int_info & SVM_EXITINTINFO_VALID) {
		okvm_drop_injected_event(vcpu);
		return okvm_internal_error(vcpu, KVM_INTERNAL_ERROR_DELIVERY_EV,
					   gpa, c->exit_int_info);
	}
	return okvm_emulate_mmio(vcpu, gpa);
}

/* The guest is about to IRET out of an NMI handler (svm.c's blocking). */
static int svm_handle_iret(struct okvm_vcpu *vcpu)
{
	struct okvm_svm_vcpu *svm = to_svm(vcpu);

	svm->awaiting_iret_completion = true;
	svm->vmcb->control.intercepts[INTERCEPT_IRET / 32] &=
		~(1U << (INTERCEPT_IRET % 32));
	svm->nmi_iret_rip = svm->vmcb->save.rip;
	return 1;
}

static int svm_handle_db(struct okvm_vcpu *vcpu)
{
	struct okvm_svm_vcpu *svm = to_svm(vcpu);

	/* okvm's own single step over an IRET: not the guest's #DB. */
	if (svm->nmi_singlestep) {
		okvm_svm_disable_nmi_singlestep(vcpu);
		return 1;
	}
	/* DR6 was updated in the VMCB; deliver the #DB itself. */
	okvm_queue_exception(vcpu, DB_VECTOR);
	return 1;
}

/**
 * okvm_svm_handle_exit() - okvm_x86_ops.handle_exit for SVM
 * @vcpu: the vCPU, just out of the guest
 *
 * Return: 1 to re-enter the guest, 0 to return to userspace, or -errno.
 */
int okvm_svm_handle_exit(struct okvm_vcpu *vcpu)
{
	struct vmcb *vmcb = to_vmcb(vcpu);
	struct kvm_run *run = vcpu->run;
	u32 code = vmcb->control.exit_code;

	vcpu->stat.exits++;
	switch (code) {
	case SVM_EXIT_INTR:
		vcpu->stat.irq_exits++;
		return 1;
	case SVM_EXIT_NMI:
	case SVM_EXIT_SMI:
		/* Taken by the host once GIF is set again. */
		return 1;
	case SVM_EXIT_EXCP_BASE + MC_VECTOR:
		/* Handled by the host in svm_vcpu_run(); not the guest's. */
		return 1;
	case SVM_EXIT_EXCP_BASE + AC_VECTOR:
		okvm_queue_exception_e(vcpu, AC_VECTOR, 0);
		return 1;
	case SVM_EXIT_EXCP_BASE + UD_VECTOR:
		return okvm_pv_handle_ud(vcpu);
	case SVM_EXIT_VMMCALL:
		return okvm_pv_hypercall(vcpu);
	case SVM_EXIT_EXCP_BASE + DB_VECTOR:
		return svm_handle_db(vcpu);
	case SVM_EXIT_IRET:
		return svm_handle_iret(vcpu);
	case SVM_EXIT_RDPMC:
		/* No virtual PMU. */
		okvm_inject_gp(vcpu);
		return 1;
	case SVM_EXIT_WBINVD:
		/* Not the guest's to flush the host's caches. */
		return okvm_skip_exit_insn(vcpu);
	case SVM_EXIT_NPF:
		return svm_handle_npf(vcpu);
	case SVM_EXIT_IOIO:
		return svm_handle_io(vcpu);
	case SVM_EXIT_CPUID:
		return okvm_x86_cpuid_insn(vcpu);
	case SVM_EXIT_MSR:
		return okvm_emulate_msr(vcpu, vmcb->control.exit_info_1);
	case SVM_EXIT_XSETBV:
		return okvm_emulate_xsetbv(vcpu);
	case SVM_EXIT_WRITE_CR4:
		return okvm_emulate_cr4_write(vcpu);
	case SVM_EXIT_READ_DR0 ... SVM_EXIT_READ_DR7:
	case SVM_EXIT_WRITE_DR0 ... SVM_EXIT_WRITE_DR7:
		return okvm_emulate_mov_dr(vcpu);
	case SVM_EXIT_HLT:
		return okvm_x86_halt(vcpu);
	case SVM_EXIT_VINTR:
		/* The interrupt window opened: inject on the next entry. */
		vcpu->stat.irq_window_exits++;
		return 1;
	case SVM_EXIT_INVD:
		/* Never let a guest throw away host-dirty cache lines. */
		return okvm_skip_exit_insn(vcpu);
	case SVM_EXIT_SHUTDOWN:
		return okvm_x86_shutdown(vcpu);
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_INVLPGA:
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
	case SVM_EXIT_RDPRU:
		/* Not offered to guests (no nested SVM). */
		okvm_inject_ud(vcpu);
		return 1;
	case SVM_EXIT_ERR:
		/* A state KVM_SET_* let through that the CPU refuses. */
		pr_warn_ratelimited("VMRUN refused a vCPU's state: KVM_EXIT_FAIL_ENTRY\n");
		run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		run->fail_entry.hardware_entry_failure_reason = code;
		run->fail_entry.cpu = vcpu->arch.cpu;
		return 0;
	default:
		return okvm_internal_error(vcpu,
					   KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
					   code, vmcb->control.exit_info_1);
	}
}
