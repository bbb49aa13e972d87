// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_GET/SET_ONE_REG and KVM_GET_REG_LIST on arm64: the core registers
 * (struct kvm_regs, addressed by their offset in 32-bit words) and the
 * system registers okvm keeps per vCPU or passes through read-only (the
 * ID registers the guest reads from the hardware anyway).
 */
#include <linux/kvm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/sysreg.h>

#include "okvm.h"
#include "arm64/arm64.h"

/* KVM's id of a system register from the kernel's sys_reg() encoding. */
#define OKVM_SYSREG_ID(enc)						\
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM64_SYSREG |	\
	 ((u64)sys_reg_Op0(enc) << KVM_REG_ARM64_SYSREG_OP0_SHIFT) |	\
	 ((u64)sys_reg_Op1(enc) << KVM_REG_ARM64_SYSREG_OP1_SHIFT) |	\
	 ((u64)sys_reg_CRn(enc) << KVM_REG_ARM64_SYSREG_CRN_SHIFT) |	\
	 ((u64)sys_reg_CRm(enc) << KVM_REG_ARM64_SYSREG_CRM_SHIFT) |	\
	 ((u64)sys_reg_Op2(enc) << KVM_REG_ARM64_SYSREG_OP2_SHIFT))

/* The registers of enum okvm_sysreg, by their architectural encoding. */
static const u32 sysreg_enc[OKVM_NR_SYSREGS] = {
	[OKVM_SCTLR_EL1] = SYS_SCTLR_EL1,
	[OKVM_CPACR_EL1] = SYS_CPACR_EL1,
	[OKVM_TTBR0_EL1] = SYS_TTBR0_EL1,
	[OKVM_TTBR1_EL1] = SYS_TTBR1_EL1,
	[OKVM_TCR_EL1] = SYS_TCR_EL1,
	[OKVM_ESR_EL1] = SYS_ESR_EL1,
	[OKVM_AFSR0_EL1] = SYS_AFSR0_EL1,
	[OKVM_AFSR1_EL1] = SYS_AFSR1_EL1,
	[OKVM_FAR_EL1] = SYS_FAR_EL1,
	[OKVM_MAIR_EL1] = SYS_MAIR_EL1,
	[OKVM_AMAIR_EL1] = SYS_AMAIR_EL1,
	[OKVM_VBAR_EL1] = SYS_VBAR_EL1,
	[OKVM_CONTEXTIDR_EL1] = SYS_CONTEXTIDR_EL1,
	[OKVM_CNTKCTL_EL1] = SYS_CNTKCTL_EL1,
	[OKVM_PAR_EL1] = SYS_PAR_EL1,
	[OKVM_TPIDR_EL1] = SYS_TPIDR_EL1,
	[OKVM_TPIDR_EL0] = SYS_TPIDR_EL0,
	[OKVM_TPIDRRO_EL0] = SYS_TPIDRRO_EL0,
	[OKVM_CSSELR_EL1] = SYS_CSSELR_EL1,
	[OKVM_MDSCR_EL1] = SYS_MDSCR_EL1,
	[OKVM_MPIDR_EL1] = SYS_MPIDR_EL1,
};

/* Read-only ID registers: the host's sanitised values. */
static const u32 id_regs[] = {
	SYS_MIDR_EL1,
	SYS_ID_AA64PFR0_EL1,
	SYS_ID_AA64PFR1_EL1,
	SYS_ID_AA64DFR0_EL1,
	SYS_ID_AA64DFR1_EL1,
	SYS_ID_AA64ISAR0_EL1,
	SYS_ID_AA64ISAR1_EL1,
	SYS_ID_AA64ISAR2_EL1,
	SYS_ID_AA64MMFR0_EL1,
	SYS_ID_AA64MMFR1_EL1,
	SYS_ID_AA64MMFR2_EL1,
};

/**
 * okvm_arm64_mpidr_of() - the MPIDR_EL1 KVM gives the vCPU with @vcpu_id
 * @vcpu_id: the id userspace chose
 *
 * Return: Aff0 from bits 3:0, Aff1 from 11:4, Aff2 from 19:12, RES1 bit 31.
 */
u64 okvm_arm64_mpidr_of(u32 vcpu_id)
{
	return BIT(31) | (vcpu_id & 0xf) | (((vcpu_id >> 4) & 0xffULL) << 8) |
	       (((vcpu_id >> 12) & 0xffULL) << 16);
}

static int sysreg_index(u64 id)
{
	unsigned int i;

	for (i = 0; i < OKVM_NR_SYSREGS; i++)
		if (OKVM_SYSREG_ID(sysreg_enc[i]) == id)
			return i;
	return -1;
}

static int id_reg_value(u64 id, u64 *val)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(id_regs); i++) {
		if (OKVM_SYSREG_ID(id_regs[i]) != id)
			continue;
		*val = id_regs[i] == SYS_MIDR_EL1 ? read_cpuid_id() :
			read_sanitised_ftr_reg(id_regs[i]);
		return 0;
	}
	return -ENOENT;
}

/*
 * The storage of the core register at @off (32-bit words into struct
 * kvm_regs) and its size; NULL for an offset that is not a register's
 * start.
 */
static void *core_reg(struct okvm_vcpu_arch *a, u64 off, unsigned int *size)
{
	u64 byte = off * 4;

	*size = 8;
	if (byte < offsetof(struct kvm_regs, regs.sp)) {
		if (byte % 8)
			return NULL;
		return &a->gprs.x[byte / 8];
	}
	if (byte == offsetof(struct kvm_regs, regs.sp))
		return &a->sp_el0;
	if (byte == offsetof(struct kvm_regs, regs.pc))
		return &a->gprs.pc;
	if (byte == offsetof(struct kvm_regs, regs.pstate))
		return &a->gprs.pstate;
	if (byte == offsetof(struct kvm_regs, sp_el1))
		return &a->sp_el1;
	if (byte == offsetof(struct kvm_regs, elr_el1))
		return &a->elr_el1;
	if (byte >= offsetof(struct kvm_regs, spsr) &&
	    byte < offsetof(struct kvm_regs, spsr[KVM_NR_SPSR])) {
		u64 i = (byte - offsetof(struct kvm_regs, spsr)) / 8;

		if (byte % 8)
			return NULL;
		return i ? &a->spsr_aa32[i - 1] : &a->spsr_el1;
	}
	if (byte >= offsetof(struct kvm_regs, fp_regs.vregs) &&
	    byte < offsetof(struct kvm_regs, fp_regs.fpsr)) {
		u64 rel = byte - offsetof(struct kvm_regs, fp_regs.vregs);

		if (rel % 16)
			return NULL;
		*size = 16;
		return &a->fp.vregs[rel / 16];
	}
	*size = 4;
	if (byte == offsetof(struct kvm_regs, fp_regs.fpsr))
		return &a->fp.fpsr;
	if (byte == offsetof(struct kvm_regs, fp_regs.fpcr))
		return &a->fp.fpcr;
	return NULL;
}

/* A PSTATE KVM accepts for a 64-bit-only vCPU without EL2. */
static bool pstate_valid(u64 v)
{
	switch (v & PSR_MODE_MASK) {
	case PSR_MODE_EL0t:
	case PSR_MODE_EL1t:
	case PSR_MODE_EL1h:
		return !(v & PSR_MODE32_BIT);
	default:
		return false;
	}
}

static int one_reg_access(struct okvm_vcpu *vcpu, const struct kvm_one_reg *reg,
			  bool set)
{
	void __user *uaddr = (void __user *)(unsigned long)reg->addr;
	u64 size = KVM_REG_SIZE(reg->id), val;
	unsigned int csize;
	u8 buf[16];
	void *p;
	int i;

	if ((reg->id & KVM_REG_ARCH_MASK) != KVM_REG_ARM64)
		return -EINVAL;

	switch (reg->id & KVM_REG_ARM_COPROC_MASK) {
	case KVM_REG_ARM_CORE:
		p = core_reg(&vcpu->arch, reg->id & ~(KVM_REG_ARCH_MASK |
					       KVM_REG_SIZE_MASK |
					       KVM_REG_ARM_CORE), &csize);
		if (!p || size != csize)
			return -EINVAL;
		if (!set)
			return copy_to_user(uaddr, p, size) ? -EFAULT : 0;
		if (copy_from_user(buf, uaddr, size))
			return -EFAULT;
		if (p == &vcpu->arch.gprs.pstate &&
		    !pstate_valid(*(u64 *)buf))
			return -EINVAL;
		memcpy(p, buf, size);
		return 0;
	case KVM_REG_ARM64_SYSREG:
		if (size != sizeof(u64))
			return -ENOENT;
		i = sysreg_index(reg->id);
		if (i < 0) {
			if (id_reg_value(reg->id, &val))
				return -ENOENT;
			if (!set)
				return put_user(val, (u64 __user *)uaddr);
			if (get_user(*(u64 *)buf, (u64 __user *)uaddr))
				return -EFAULT;
			/* okvm cannot hide features: only the same value. */
			return *(u64 *)buf == val ? 0 : -EINVAL;
		}
		if (!set)
			return put_user(vcpu->arch.sys[i], (u64 __user *)uaddr);
		return get_user(vcpu->arch.sys[i], (u64 __user *)uaddr);
	default:
		return -ENOENT;
	}
}

/**
 * okvm_arm64_get_one_reg() - KVM_GET_ONE_REG
 * @vcpu: an initialised vCPU, its mutex held
 * @reg: the request
 *
 * Return: 0, -EINVAL for a bad core offset or size, -ENOENT for a
 * register okvm does not have, -EFAULT.
 */
int okvm_arm64_get_one_reg(struct okvm_vcpu *vcpu, const struct kvm_one_reg *reg)
{
	return one_reg_access(vcpu, reg, false);
}

/**
 * okvm_arm64_set_one_reg() - KVM_SET_ONE_REG
 * @vcpu: an initialised vCPU, its mutex held
 * @reg: the request
 *
 * Return: as okvm_arm64_get_one_reg(); -EINVAL also for an invalid PSTATE
 * or a different value for a read-only ID register. Nothing changes on
 * failure.
 */
int okvm_arm64_set_one_reg(struct okvm_vcpu *vcpu, const struct kvm_one_reg *reg)
{
	return one_reg_access(vcpu, reg, true);
}

/* Core registers in KVM's order: every register's first word offset. */
static unsigned int core_reg_ids(u64 *ids)
{
	/* Only the layout is looked at, never the contents. */
	static struct okvm_vcpu_arch layout;
	unsigned int n = 0;
	u64 off, size;
	unsigned int csize;

	for (off = 0; off < sizeof(struct kvm_regs) / 4; off++) {
		if (!core_reg(&layout, off, &csize))
			continue;
		size = csize == 4 ? KVM_REG_SIZE_U32 :
		       csize == 8 ? KVM_REG_SIZE_U64 : KVM_REG_SIZE_U128;
		if (ids)
			ids[n] = KVM_REG_ARM64 | size | KVM_REG_ARM_CORE | off;
		n++;
	}
	return n;
}

/**
 * okvm_arm64_get_reg_list() - KVM_GET_REG_LIST
 * @vcpu: an initialised vCPU
 * @ulist: userspace's struct kvm_reg_list
 *
 * Return: 0; -E2BIG (with n updated) when the list is too short; -EFAULT.
 */
long okvm_arm64_get_reg_list(struct okvm_vcpu *vcpu,
			     struct kvm_reg_list __user *ulist)
{
	unsigned int ncore = core_reg_ids(NULL), total, i, n;
	struct kvm_reg_list hdr;
	u64 *ids;
	long r;

	total = ncore + OKVM_NR_SYSREGS + ARRAY_SIZE(id_regs);
	if (copy_from_user(&hdr, ulist, sizeof(hdr)))
		return -EFAULT;
	n = hdr.n;
	hdr.n = total;
	if (copy_to_user(ulist, &hdr, sizeof(hdr)))
		return -EFAULT;
	if (n < total)
		return -E2BIG;

	ids = kcalloc(total, sizeof(*ids), GFP_KERNEL);
	if (!ids)
		return -ENOMEM;
	core_reg_ids(ids);
	for (i = 0; i < OKVM_NR_SYSREGS; i++)
		ids[ncore + i] = OKVM_SYSREG_ID(sysreg_enc[i]);
	for (i = 0; i < ARRAY_SIZE(id_regs); i++)
		ids[ncore + OKVM_NR_SYSREGS + i] = OKVM_SYSREG_ID(id_regs[i]);
	r = copy_to_user(ulist->reg, ids, total * sizeof(*ids)) ? -EFAULT : 0;
	kfree(ids);
	return r;
}
