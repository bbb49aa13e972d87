// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest's machine-check architecture, KVM's ABI (api.rst:
 * KVM_X86_SETUP_MCE, KVM_X86_SET_MCE, KVM_X86_GET_MCE_CAP_SUPPORTED):
 * the VMM chooses MCG_CAP (bank count and the capabilities below), the
 * guest and the VMM read and write MCG_STATUS, MCG_CTL and the banks'
 * MCi_CTL/STATUS/ADDR/MISC, and the VMM injects errors. Nothing of the
 * host's machine checks reaches a guest this way (svm.c hands those to the
 * host's handler).
 */
#include <linux/kvm.h>
#include <linux/nospec.h>
#include <linux/uaccess.h>
#include <asm/msr-index.h>

#include "x86.h"

#define MCG_CTL_P_BIT		BIT_ULL(8)	/* MCG_CTL is there */
#define MCG_SER_P_BIT		BIT_ULL(24)	/* software error recovery */
#define MCG_STATUS_MCIP_BIT	BIT_ULL(2)	/* a #MC is in progress */
#define MCI_STATUS_VAL_BIT	BIT_ULL(63)
#define MCI_STATUS_OVER_BIT	BIT_ULL(62)
#define MCI_STATUS_UC_BIT	BIT_ULL(61)
/* KVM's: the bank count in bits 7:0, what else a VMM may ask for. */
#define OKVM_MCG_SUPPORTED	(MCG_CTL_P_BIT | MCG_SER_P_BIT)
#define OKVM_MCG_BANKS(cap)	((cap) & 0xff)
/* AMD's HWCR.McStatusWrEn: the guest may write non-zero MCi_STATUS. */
#define HWCR_MCSTATUS_WREN	BIT_ULL(18)

/* KVM_X86_GET_MCE_CAP_SUPPORTED (system fd). */
long okvm_mce_dev_ioctl(unsigned int ioctl, void __user *argp)
{
	u64 cap = OKVM_MCG_SUPPORTED;

	return copy_to_user(argp, &cap, sizeof(cap)) ? -EFAULT : 0;
}

/*
 * KVM_X86_SETUP_MCE: between 1 and 32 banks, no capability okvm does not
 * offer (bits 23:16, the extended register count, are let through, as
 * KVM does). Everything is enabled: MCG_CTL and every MCi_CTL all ones.
 */
static long setup_mce(struct okvm_vcpu *vcpu, void __user *argp)
{
	struct okvm_vcpu_mce *m = &vcpu->arch.mce;
	unsigned int i, banks;
	u64 cap;

	if (copy_from_user(&cap, argp, sizeof(cap)))
		return -EFAULT;
	banks = OKVM_MCG_BANKS(cap);
	if (!banks || banks > OKVM_MCE_MAX_BANKS ||
	    (cap & ~(OKVM_MCG_SUPPORTED | 0xff | 0xff0000)))
		return -EINVAL;
	m->cap = cap;
	m->ctl = cap & MCG_CTL_P_BIT ? ~0ULL : 0;
	for (i = 0; i < banks; i++)
		m->banks[i * 4] = ~0ULL;
	return 0;
}

/*
 * KVM_X86_SET_MCE: an error in a bank. An uncorrected one raises #MC
 * (or shuts the vCPU down when one is in progress or CR4.MCE is clear),
 * unless MCG_CTL or the bank's MCi_CTL disables reporting; a corrected
 * one only fills the bank. Either sets OVER when the bank held one.
 */
static long set_mce(struct okvm_vcpu *vcpu, void __user *argp)
{
	struct okvm_vcpu_mce *m = &vcpu->arch.mce;
	struct kvm_x86_mce e;
	unsigned int banks = OKVM_MCG_BANKS(m->cap);
	u64 *b;

	if (copy_from_user(&e, argp, sizeof(e)))
		return -EFAULT;
	if (e.bank >= banks || !(e.status & MCI_STATUS_VAL_BIT))
		return -EINVAL;
	b = &m->banks[array_index_nospec(e.bank, banks) * 4];
	if (e.status & MCI_STATUS_UC_BIT) {
		if (((m->cap & MCG_CTL_P_BIT) && m->ctl != ~0ULL) ||
		    b[0] != ~0ULL)
			return 0;	/* reporting disabled */
		if ((m->status & MCG_STATUS_MCIP_BIT) ||
		    !(okvm_cr_read(vcpu, OKVM_CR4) & X86_CR4_MCE)) {
			vcpu->arch.ev.triple_fault = true;
			return 0;
		}
		if (b[1] & MCI_STATUS_VAL_BIT)
			e.status |= MCI_STATUS_OVER_BIT;
		b[2] = e.addr;
		b[3] = e.misc;
		m->status = e.mcg_status;
		b[1] = e.status;
		okvm_queue_exception(vcpu, MC_VECTOR);
	} else if (!(b[1] & MCI_STATUS_VAL_BIT) || !(b[1] & MCI_STATUS_UC_BIT)) {
		if (b[1] & MCI_STATUS_VAL_BIT)
			e.status |= MCI_STATUS_OVER_BIT;
		b[2] = e.addr;
		b[3] = e.misc;
		b[1] = e.status;
	} else {
		b[1] |= MCI_STATUS_OVER_BIT;	/* an uncorrected one stays */
	}
	return 0;
}

/**
 * okvm_mce_vcpu_ioctl() - KVM_X86_SETUP_MCE and KVM_X86_SET_MCE
 * @vcpu: the vCPU, its mutex held
 * @ioctl: the ioctl
 * @argp: its argument
 *
 * Return: 0, or -EFAULT/-EINVAL as KVM.
 */
long okvm_mce_vcpu_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
			 void __user *argp)
{
	return ioctl == KVM_X86_SETUP_MCE ? setup_mce(vcpu, argp) :
					    set_mce(vcpu, argp);
}

/* The bank register of MSR @index, or NULL if the vCPU has no such bank. */
static u64 *bank_reg(struct okvm_vcpu *vcpu, u32 index)
{
	unsigned int n = OKVM_MCG_BANKS(vcpu->arch.mce.cap) * 4;
	u32 off = index - MSR_IA32_MC0_CTL;

	if (index < MSR_IA32_MC0_CTL || off >= n)
		return NULL;
	return &vcpu->arch.mce.banks[array_index_nospec(off, n)];
}

/**
 * okvm_mce_msr_get() - RDMSR / KVM_GET_MSRS of a machine-check MSR
 * @vcpu: the vCPU
 * @index: MCG_CAP, MCG_STATUS, MCG_CTL or a bank's
 * @data: out
 * @host: from KVM_GET_MSRS
 *
 * Return: 0, or 1 if the vCPU has no such MSR (#GP for the guest).
 */
int okvm_mce_msr_get(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	struct okvm_vcpu_mce *m = &vcpu->arch.mce;
	u64 *reg;

	switch (index) {
	case MSR_IA32_MCG_CAP:
		*data = m->cap;
		return 0;
	case MSR_IA32_MCG_STATUS:
		*data = m->status;
		return 0;
	case MSR_IA32_MCG_CTL:
		if (!(m->cap & MCG_CTL_P_BIT) && !host)
			return 1;
		*data = m->ctl;
		return 0;
	}
	reg = bank_reg(vcpu, index);
	if (!reg)
		return 1;
	*data = *reg;
	return 0;
}

/**
 * okvm_mce_msr_set() - WRMSR / KVM_SET_MSRS of a machine-check MSR
 * @vcpu: the vCPU
 * @index: MCG_STATUS, MCG_CTL or a bank's (MCG_CAP is read-only)
 * @data: the value
 * @host: from KVM_SET_MSRS
 *
 * KVM's rules: MCG_CTL and MCi_CTL take 0 or all ones (bits 10 and 0 of
 * MCi_CTL may be clear: old guests clear them for AMD K8 and UnixWare);
 * the guest writes a non-zero MCi_STATUS only with HWCR.McStatusWrEn.
 *
 * Return: 0, or 1 (#GP for the guest).
 */
int okvm_mce_msr_set(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	struct okvm_vcpu_mce *m = &vcpu->arch.mce;
	u64 *reg;

	switch (index) {
	case MSR_IA32_MCG_CAP:
		return 1;
	case MSR_IA32_MCG_STATUS:
		m->status = data;
		return 0;
	case MSR_IA32_MCG_CTL:
		if (!(m->cap & MCG_CTL_P_BIT) && (data || !host))
			return 1;
		if (data && data != ~0ULL)
			return 1;
		m->ctl = data;
		return 0;
	}
	reg = bank_reg(vcpu, index);
	if (!reg)
		return 1;
	switch ((index - MSR_IA32_MC0_CTL) & 3) {
	case 0:		/* MCi_CTL */
		if (data && (data | BIT_ULL(10) | 1) != ~0ULL)
			return 1;
		break;
	case 1:		/* MCi_STATUS */
		if (data && !host && !(vcpu->arch.hwcr & HWCR_MCSTATUS_WREN))
			return 1;
		break;
	}
	*reg = data;
	return 0;
}
