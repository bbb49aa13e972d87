/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * okvm's AMD SVM backend (src/x86/svm/): private to it. Common x86 code
 * sees SVM only through struct okvm_x86_ops (vendor.h).
 */
#ifndef OKVM_X86_SVM_SVM_H
#define OKVM_X86_SVM_SVM_H

#include <asm/svm.h>

#include "x86.h"

/* The SVM part of a vCPU (vcpu->arch.vendor). */
struct okvm_svm_vcpu {
	struct vmcb *vmcb;
	u64 vmcb_pa;

	/* ASID on the CPU the vCPU last ran on, and its generation. */
	u32 asid;
	u64 asid_gen;
	int last_cpu;			/* the CPU @asid belongs to */

	/*
	 * NMI blocking, which SVM (without vNMI) does not track: set when an
	 * NMI is injected, cleared once the guest's IRET has completed. The
	 * IRET intercept says it is about to run (@awaiting_iret_completion,
	 * at @nmi_iret_rip); any later exit at another RIP, or the single
	 * step over it (@nmi_singlestep), says it ran.
	 */
	bool nmi_masked;
	bool awaiting_iret_completion;
	bool nmi_singlestep;
	u64 nmi_iret_rip;
	u64 nmi_singlestep_guest_rflags;	/* TF/RF as the guest had them */
};

static inline struct okvm_svm_vcpu *to_svm(struct okvm_vcpu *vcpu)
{
	return vcpu->arch.vendor;
}

static inline struct vmcb *to_vmcb(struct okvm_vcpu *vcpu)
{
	return to_svm(vcpu)->vmcb;
}

/* IOIO exit information in EXITINFO1 (APM vol. 2, 15.10.2). */
#define OKVM_IOIO_IN		BIT(0)
#define OKVM_IOIO_STR		BIT(2)
#define OKVM_IOIO_REP		BIT(3)
#define OKVM_IOIO_SIZE_SHIFT	4	/* one-hot 1, 2, 4 bytes */

void okvm_svm_vmrun(u64 vmcb_pa, unsigned long *regs, u64 host_save_pa);
int okvm_svm_handle_exit(struct okvm_vcpu *vcpu);
void okvm_svm_disable_nmi_singlestep(struct okvm_vcpu *vcpu);

#endif /* OKVM_X86_SVM_SVM_H */
