/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal interfaces of okvm's arm64 code (src/arm64/).
 */
#ifndef OKVM_ARM64_ARM64_H
#define OKVM_ARM64_ARM64_H

#include <linux/types.h>

struct okvm_vm;
struct okvm_vcpu;
struct okvm_arm64_gprs;
struct user_fpsimd_state;
struct kvm_one_reg;
struct kvm_reg_list;

/* What okvm_arm64_enter() returns: the exception that ended the run. */
enum okvm_arm64_exit {
	OKVM_ARM64_EXIT_SYNC,
	OKVM_ARM64_EXIT_IRQ,
	OKVM_ARM64_EXIT_FIQ,
	OKVM_ARM64_EXIT_SERROR,
	OKVM_ARM64_EXIT_HYP,	/* an exception at EL2 inside the switch */
};

/* switch.S */
u64 okvm_arm64_enter(struct okvm_arm64_gprs *g);
void okvm_arm64_fp_load(const struct user_fpsimd_state *fp);
void okvm_arm64_fp_save(struct user_fpsimd_state *fp);

/* arm64.c */
extern u32 okvm_arm64_ipa_limit;
void okvm_arm64_vcpu_reset(struct okvm_vcpu *vcpu);
struct okvm_vcpu *okvm_arm64_mpidr_to_vcpu(struct okvm_vm *vm, u64 mpidr);
void okvm_arm64_load_s2(struct okvm_vcpu *vcpu);

int okvm_arm64_canonical_get(struct okvm_vm *vm);

/* s2_extra.c (okvm.h extension) */
int okvm_arm64_create_s2_mmu(struct okvm_vm *vm, void __user *argp);
int okvm_arm64_vcpu_set_s2_mmu(struct okvm_vcpu *vcpu, void __user *argp);
void okvm_arm64_zap_own_tables(struct okvm_vm *vm);
int okvm_arm64_s2_fault(struct okvm_vcpu *vcpu, u64 ipa, bool write, u64 *gpa);

/* regs.c */
int okvm_arm64_get_one_reg(struct okvm_vcpu *vcpu, const struct kvm_one_reg *reg);
int okvm_arm64_set_one_reg(struct okvm_vcpu *vcpu, const struct kvm_one_reg *reg);
long okvm_arm64_get_reg_list(struct okvm_vcpu *vcpu,
			     struct kvm_reg_list __user *ulist);
u64 okvm_arm64_mpidr_of(u32 vcpu_id);

/* run.c */
int okvm_arm64_vcpu_run(struct okvm_vcpu *vcpu);

#endif /* OKVM_ARM64_ARM64_H */
