// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM's MSR interface beyond the plain vCPU MSRs of regs.c:
 *
 *  - feature MSRs: KVM_GET_MSR_FEATURE_INDEX_LIST and KVM_GET_MSRS on
 *    /dev/kvm (KVM_CAP_GET_MSR_FEATURES), and their per-vCPU copies;
 *  - MSR_PLATFORM_INFO, readable by the guest unless the VM turned
 *    KVM_CAP_MSR_PLATFORM_INFO off;
 *  - MSR filters (KVM_X86_SET_MSR_FILTER) and guest RDMSR/WRMSR that exit
 *    to userspace (KVM_CAP_X86_USER_SPACE_MSR), completed on the next
 *    KVM_RUN.
 *
 * okvm intercepts every MSR (svm.c's permission map is all ones), so a
 * filter needs no change to the permission map: every guest access comes
 * through okvm_msr_exit().
 */
#include <linux/bitops.h>
#include <linux/kvm.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/msr-index.h>

#include "msr.h"
#include "svm.h"

/* --- feature MSRs ----------------------------------------------------------- */

/*
 * The feature MSRs KVM reports on AMD, less IA32_ARCH_CAPABILITIES: okvm
 * does not offer that MSR to guests (its value would have to describe the
 * host's mitigations exactly). Each one is also a vCPU MSR (okvm_msr_ext()).
 */
static const u32 okvm_feature_msrs[] = {
	MSR_AMD64_DE_CFG, MSR_IA32_UCODE_REV, MSR_IA32_PERF_CAPABILITIES,
};

/* The value KVM_GET_MSRS on /dev/kvm reports: what a vCPU may be given. */
static int feature_msr_get(u32 index, u64 *data)
{
	switch (index) {
	case MSR_AMD64_DE_CFG:
		/* LFENCE is dispatch-serializing: the guest may rely on it. */
		*data = boot_cpu_has(X86_FEATURE_LFENCE_RDTSC) ?
			MSR_AMD64_DE_CFG_LFENCE_SERIALIZE : 0;
		return 0;
	case MSR_IA32_UCODE_REV:
		if (rdmsrl_safe(MSR_IA32_UCODE_REV, data))
			*data = 0;
		return 0;
	case MSR_IA32_PERF_CAPABILITIES:
		*data = 0;	/* no vPMU: no capabilities */
		return 0;
	default:
		return 1;
	}
}

static long feature_index_list(struct kvm_msr_list __user *u)
{
	u32 n = ARRAY_SIZE(okvm_feature_msrs), asked;

	if (get_user(asked, &u->nmsrs))
		return -EFAULT;
	if (put_user(n, &u->nmsrs))
		return -EFAULT;
	if (asked < n)
		return -E2BIG;
	return copy_to_user(u->indices, okvm_feature_msrs,
			    sizeof(okvm_feature_msrs)) ? -EFAULT : 0;
}

/* KVM_GET_MSRS on /dev/kvm: one feature MSR. */
static int feature_msr_entry(void *ctx, struct kvm_msr_entry *e)
{
	return feature_msr_get(e->index, &e->data);
}

/**
 * okvm_msr_dev_ioctl() - the feature-MSR ioctls of /dev/kvm
 * @ioctl: the ioctl
 * @argp: its argument
 *
 * Return: the ioctl's result, or -ENOIOCTLCMD if it is not one of these.
 */
long okvm_msr_dev_ioctl(unsigned int ioctl, void __user *argp)
{
	switch (ioctl) {
	case KVM_GET_MSR_FEATURE_INDEX_LIST:
		return feature_index_list(argp);
	case KVM_GET_MSRS:
		return okvm_msrs_loop(argp, true, feature_msr_entry, NULL);
	default:
		return -ENOIOCTLCMD;
	}
}

/* --- vCPU MSRs of this file -------------------------------------------------- */

static bool guest_has_pdcm(struct okvm_vcpu *vcpu)
{
	u32 a, b, c, d;

	okvm_cpuid_lookup(vcpu, 1, 0, &a, &b, &c, &d);
	return c & BIT(X86_FEATURE_PDCM & 31);
}

/**
 * okvm_msr_vcpu_init() - power-on values of this file's vCPU MSRs
 * @vcpu: the vCPU being created
 */
void okvm_msr_vcpu_init(struct okvm_vcpu *vcpu)
{
	/* KVM's default: a revision no real microcode has. */
	vcpu->arch.ucode_rev = 0x100000000ULL;
	/* No CPUID faulting is offered, so its bit stays clear. */
	vcpu->arch.platform_info = 0;
	vcpu->arch.power_ctl = 0;
	vcpu->arch.de_cfg = 0;
}

/**
 * okvm_msr_ext() - read or write one of this file's vCPU MSRs
 * @vcpu: the vCPU
 * @index: the MSR
 * @data: the value read or to write
 * @write: a write
 * @host: from KVM_GET/SET_MSRS rather than the guest
 *
 * Return: 0, 1 for an access the CPU would refuse (#GP for a guest), or
 * -ENOENT if @index is not one of these.
 */
int okvm_msr_ext(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool write,
		 bool host)
{
	u64 supported;

	switch (index) {
	case MSR_PLATFORM_INFO:
		/* Read-only for the guest, which may not even read it. */
		if (!write) {
			if (!host && vcpu->vm->arch.no_platform_info)
				return 1;
			*data = vcpu->arch.platform_info;
		} else {
			if (!host)
				return 1;
			vcpu->arch.platform_info = *data;
		}
		return 0;
	case MSR_IA32_POWER_CTL:
		if (write)
			vcpu->arch.power_ctl = *data;
		else
			*data = vcpu->arch.power_ctl;
		return 0;
	case MSR_AMD64_DE_CFG:
		if (!write) {
			*data = vcpu->arch.de_cfg;
			return 0;
		}
		feature_msr_get(index, &supported);
		if (*data & ~supported)
			return 1;
		/* The vCPU model is fixed once it ran (KVM: immutable). */
		if (host && vcpu->arch.ran && *data != vcpu->arch.de_cfg)
			return 1;
		vcpu->arch.de_cfg = *data;
		return 0;
	case MSR_IA32_UCODE_REV:
		/* Guest writes (loading microcode) are dropped. */
		if (!write)
			*data = vcpu->arch.ucode_rev;
		else if (host)
			vcpu->arch.ucode_rev = *data;
		return 0;
	case MSR_IA32_PERF_CAPABILITIES:
		/* No vPMU: only 0, and only userspace may write it. */
		if (!write) {
			if (!host && !guest_has_pdcm(vcpu))
				return 1;
			*data = 0;
			return 0;
		}
		return !host || *data;
	default:
		return -ENOENT;
	}
}

/* --- MSR filters ----------------------------------------------------------- */

struct okvm_msr_range {
	u32 flags;
	u32 base;
	u32 nmsrs;
	unsigned long *bitmap;
};

struct okvm_msr_filter {
	bool default_allow;
	u32 count;
	struct okvm_msr_range ranges[KVM_MSR_FILTER_MAX_RANGES];
};

static void msr_filter_free(struct okvm_msr_filter *f)
{
	u32 i;

	if (!f)
		return;
	for (i = 0; i < f->count; i++)
		kfree(f->ranges[i].bitmap);
	kfree(f);
}

/* KVM's kvm_msr_allowed(): the first range that covers the access decides. */
static bool msr_allowed(struct okvm_vcpu *vcpu, u32 index, bool write)
{
	u32 type = write ? KVM_MSR_FILTER_WRITE : KVM_MSR_FILTER_READ;
	const struct okvm_msr_filter *f;
	bool allowed;
	u32 i;

	/* x2APIC MSRs cannot be filtered (KVM's rule, too). */
	if (index >= 0x800 && index <= 0x8ff)
		return true;

	rcu_read_lock();
	f = rcu_dereference(vcpu->vm->arch.msr_filter);
	allowed = !f || f->default_allow;
	for (i = 0; f && i < f->count; i++) {
		const struct okvm_msr_range *r = &f->ranges[i];
		u32 end = r->base + r->nmsrs;	/* as KVM: u32, may wrap */

		if (index >= r->base && index < end && (r->flags & type)) {
			allowed = test_bit(index - r->base, r->bitmap);
			break;
		}
	}
	rcu_read_unlock();
	return allowed;
}

static int msr_filter_add(struct okvm_msr_filter *f,
			  const struct kvm_msr_filter_range *u)
{
	unsigned long *bitmap;
	size_t size;

	if (!u->nmsrs)
		return 0;
	if (!u->flags || (u->flags & ~KVM_MSR_FILTER_RANGE_VALID_MASK))
		return -EINVAL;
	size = BITS_TO_LONGS(u->nmsrs) * sizeof(long);
	if (size > KVM_MSR_FILTER_MAX_BITMAP_SIZE)
		return -EINVAL;
	bitmap = memdup_user(u->bitmap, size);
	if (IS_ERR(bitmap))
		return PTR_ERR(bitmap);
	f->ranges[f->count++] = (struct okvm_msr_range) {
		.flags = u->flags, .base = u->base, .nmsrs = u->nmsrs,
		.bitmap = bitmap,
	};
	return 0;
}

/*
 * KVM_X86_SET_MSR_FILTER: build the new filter completely, then swap it in.
 * Once the ioctl returns no vCPU still decides with the old one.
 */
static long set_msr_filter(struct okvm_vm *vm, void __user *argp)
{
	struct okvm_msr_filter *new, *old;
	struct kvm_msr_filter *u;
	bool empty = true;
	long r = 0;
	u32 i;

	u = memdup_user(argp, sizeof(*u));
	if (IS_ERR(u))
		return PTR_ERR(u);
	if (u->flags & ~KVM_MSR_FILTER_VALID_MASK) {
		r = -EINVAL;
		goto out;
	}
	for (i = 0; i < ARRAY_SIZE(u->ranges); i++)
		empty &= !u->ranges[i].nmsrs;
	/* Deny everything with no exceptions: surely a mistake. */
	if (empty && (u->flags & KVM_MSR_FILTER_DEFAULT_DENY)) {
		r = -EINVAL;
		goto out;
	}

	new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	if (!new) {
		r = -ENOMEM;
		goto out;
	}
	new->default_allow = !(u->flags & KVM_MSR_FILTER_DEFAULT_DENY);
	for (i = 0; i < ARRAY_SIZE(u->ranges); i++) {
		r = msr_filter_add(new, &u->ranges[i]);
		if (r) {
			msr_filter_free(new);
			goto out;
		}
	}

	mutex_lock(&vm->lock);
	old = rcu_replace_pointer(vm->arch.msr_filter, new,
				  lockdep_is_held(&vm->lock));
	mutex_unlock(&vm->lock);
	synchronize_rcu();
	msr_filter_free(old);
out:
	kfree(u);
	return r;
}

/**
 * okvm_msr_vm_ioctl() - the MSR ioctls of a VM
 * @vm: the VM
 * @ioctl: the ioctl
 * @argp: its argument
 *
 * Return: the ioctl's result, or -ENOIOCTLCMD if it is not one of these.
 */
long okvm_msr_vm_ioctl(struct okvm_vm *vm, unsigned int ioctl,
		       void __user *argp)
{
	if (ioctl == KVM_X86_SET_MSR_FILTER)
		return set_msr_filter(vm, argp);
	return -ENOIOCTLCMD;
}

/**
 * okvm_msr_vm_enable_cap() - KVM_ENABLE_CAP for the MSR capabilities
 * @vm: the VM
 * @cap: the request (flags already checked)
 *
 * Return: 0, -EINVAL for bad arguments, or -ENOIOCTLCMD if @cap is not one
 * of these.
 */
int okvm_msr_vm_enable_cap(struct okvm_vm *vm, const struct kvm_enable_cap *cap)
{
	switch (cap->cap) {
	case KVM_CAP_MSR_PLATFORM_INFO:
		WRITE_ONCE(vm->arch.no_platform_info, !cap->args[0]);
		return 0;
	case KVM_CAP_X86_USER_SPACE_MSR:
		if (cap->args[0] & ~KVM_MSR_EXIT_REASON_VALID_MASK)
			return -EINVAL;
		WRITE_ONCE(vm->arch.user_space_msr_mask, cap->args[0]);
		return 0;
	default:
		return -ENOIOCTLCMD;
	}
}

/**
 * okvm_msr_vm_free() - free the VM's MSR filter
 * @vm: the VM being destroyed, no vCPU left
 */
void okvm_msr_vm_free(struct okvm_vm *vm)
{
	msr_filter_free(rcu_dereference_protected(vm->arch.msr_filter, true));
	RCU_INIT_POINTER(vm->arch.msr_filter, NULL);
}

/* --- guest RDMSR/WRMSR ------------------------------------------------------- */

/* The KVM_MSR_EXIT_REASON_* of a failed access. */
static u32 msr_exit_reason(int r)
{
	switch (r) {
	case OKVM_MSR_UNSUPPORTED:
		return KVM_MSR_EXIT_REASON_UNKNOWN;
	case OKVM_MSR_FILTERED:
		return KVM_MSR_EXIT_REASON_FILTER;
	default:
		return KVM_MSR_EXIT_REASON_INVAL;
	}
}

/**
 * okvm_msr_exit() - a guest RDMSR or WRMSR (SVM_EXIT_MSR)
 * @vcpu: the vCPU
 *
 * The filter decides first, then okvm's own MSRs. A failed access goes to
 * userspace if the VM asked for its reason, else it is a #GP.
 *
 * Return: 1 to re-enter the guest, 0 to exit to userspace.
 */
int okvm_msr_exit(struct okvm_vcpu *vcpu)
{
	unsigned long *regs = vcpu->arch.regs;
	bool write = vcpu->arch.vmcb->control.exit_info_1;
	struct kvm_run *run = vcpu->run;
	u32 index = regs[OKVM_RCX];
	u64 data = 0;
	u32 reason;
	int r;

	if (write)
		data = (u64)(u32)regs[OKVM_RDX] << 32 | (u32)regs[OKVM_RAX];
	if (!msr_allowed(vcpu, index, write))
		r = OKVM_MSR_FILTERED;
	else if (write)
		r = okvm_msr_set(vcpu, index, data, false);
	else
		r = okvm_msr_get(vcpu, index, &data, false);

	if (!r) {
		if (!write) {
			regs[OKVM_RAX] = (u32)data;
			regs[OKVM_RDX] = data >> 32;
		}
		return okvm_svm_skip_exit_insn(vcpu);
	}

	reason = msr_exit_reason(r);
	if (!(READ_ONCE(vcpu->vm->arch.user_space_msr_mask) & reason)) {
		okvm_svm_inject_exception(vcpu, GP_VECTOR, true, 0);
		return 1;
	}
	vcpu->arch.msr_exit = write ? KVM_EXIT_X86_WRMSR : KVM_EXIT_X86_RDMSR;
	run->exit_reason = vcpu->arch.msr_exit;
	run->msr.error = 0;
	memset(run->msr.pad, 0, sizeof(run->msr.pad));
	run->msr.reason = reason;
	run->msr.index = index;
	run->msr.data = data;
	return 0;
}

/**
 * okvm_msr_complete_user() - finish an RDMSR/WRMSR userspace handled
 * @vcpu: the vCPU, on the KVM_RUN after a KVM_EXIT_X86_RDMSR/WRMSR
 *
 * msr.error set by userspace makes the instruction #GP; else an RDMSR
 * gets msr.data in EDX:EAX and the instruction retires.
 *
 * Return: 1, or 0 with KVM_EXIT_INTERNAL_ERROR if the instruction could
 * not be stepped over.
 */
int okvm_msr_complete_user(struct okvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	u32 exit = vcpu->arch.msr_exit;
	u64 data = READ_ONCE(run->msr.data);

	vcpu->arch.msr_exit = 0;
	if (READ_ONCE(run->msr.error)) {
		okvm_svm_inject_exception(vcpu, GP_VECTOR, true, 0);
		return 1;
	}
	if (exit == KVM_EXIT_X86_RDMSR) {
		vcpu->arch.regs[OKVM_RAX] = (u32)data;
		vcpu->arch.regs[OKVM_RDX] = data >> 32;
	}
	/* No VMRUN since the exit: NRIP save's next RIP is still current. */
	return okvm_svm_skip_exit_insn(vcpu);
}
