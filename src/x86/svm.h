/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * okvm's AMD SVM layer: internal interfaces between svm.c (hardware,
 * VMCB, run loop, exits), regs.c (state ioctls, MSRs, CPUID) and the core.
 */
#ifndef OKVM_X86_SVM_H
#define OKVM_X86_SVM_H

#include <asm/svm.h>

#include "okvm.h"

int okvm_svm_init(void);
void okvm_svm_exit(void);

void okvm_svm_vcpu_reset(struct okvm_vcpu *vcpu);
int okvm_svm_vcpu_alloc(struct okvm_vcpu *vcpu);
void okvm_svm_vcpu_free(struct okvm_vcpu *vcpu);
int okvm_svm_run(struct okvm_vcpu *vcpu);

int okvm_svm_vm_init(struct okvm_vm *vm);
void okvm_svm_vm_destroy(struct okvm_vm *vm);
void okvm_svm_flush_remote_tlbs(struct okvm_vm *vm);
void okvm_svm_zap_gfn_range(struct okvm_vm *vm, u64 gfn, u64 nr);

void okvm_svm_inject_exception(struct okvm_vcpu *vcpu, u8 vector,
			       bool has_error, u32 error);
void okvm_svm_skip_insn(struct okvm_vcpu *vcpu, unsigned int len);
int okvm_svm_skip_exit_insn(struct okvm_vcpu *vcpu);

/* mmio.c */
int okvm_emulate_mmio(struct okvm_vcpu *vcpu, u64 gpa);
void okvm_complete_mmio(struct okvm_vcpu *vcpu);
int okvm_string_io(struct okvm_vcpu *vcpu);
int okvm_complete_string_io(struct okvm_vcpu *vcpu);
void okvm_translate(struct okvm_vcpu *vcpu, struct kvm_translation *tr);
struct okvm_insn;
int okvm_fetch_insn(struct okvm_vcpu *vcpu, struct okvm_insn *insn);
int okvm_skip_decoded_insn(struct okvm_vcpu *vcpu);
int okvm_rewrite_at_rip(struct okvm_vcpu *vcpu, const u8 *old, const u8 *new,
			unsigned int len);

/* regs.c */
int okvm_msr_get(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host);
int okvm_msr_set(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host);
void okvm_cpuid_lookup(struct okvm_vcpu *vcpu, u32 fn, u32 idx, u32 *eax,
		       u32 *ebx, u32 *ecx, u32 *edx);
long okvm_x86_vcpu_state_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
			       void __user *argp);
long okvm_get_msr_index_list(void __user *argp);
void okvm_fpu_init(struct okvm_vcpu *vcpu);
bool okvm_cr4_valid(struct okvm_vcpu *vcpu, u64 cr4);
long okvm_msrs_loop(struct kvm_msrs __user *u, bool copy_back,
		    int (*one)(void *ctx, struct kvm_msr_entry *e), void *ctx);
/* The REGS/SREGS state ioctls' halves, for sync regs (src/x86/events.c). */
void okvm_get_regs(struct okvm_vcpu *vcpu, struct kvm_regs *k);
void okvm_set_regs(struct okvm_vcpu *vcpu, const struct kvm_regs *k);
void okvm_get_sregs(struct okvm_vcpu *vcpu, struct kvm_sregs *k);
int okvm_set_sregs(struct okvm_vcpu *vcpu, const struct kvm_sregs *k);

/* IOIO exit information in EXITINFO1 (APM vol. 2, 15.10.2). */
#define OKVM_IOIO_IN		BIT(0)
#define OKVM_IOIO_STR		BIT(2)
#define OKVM_IOIO_REP		BIT(3)
#define OKVM_IOIO_SIZE_SHIFT	4	/* one-hot 1, 2, 4 bytes */

/* The canonical-address check for a 48-bit linear address space. */
static inline bool okvm_is_canonical(u64 addr)
{
	return ((s64)addr << 16 >> 16) == (s64)addr;
}

#endif /* OKVM_X86_SVM_H */
