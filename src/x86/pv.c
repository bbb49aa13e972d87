// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM's paravirtual interface as a KVM guest sees it on SVM: the KVM CPUID
 * leaves (0x40000000 signature, 0x40000001 features), VMMCALL hypercalls,
 * the quirk that rewrites Intel's VMCALL into VMMCALL, and
 * KVM_CAP_ENFORCE_PV_FEATURE_CPUID.
 *
 * kvmclock is in kvmclock.c, steal time in steal.c, PV EOI with the APIC
 * (irqchip/irqchip.c). Not here yet: async PF; its MSRs stay unknown to
 * okvm (#GP), and its feature bit is not offered.
 */
#include <linux/kvm.h>
#include <linux/kvm_para.h>
#include <linux/mm.h>
#include <asm/kvm_para.h>

#include "kvmclock.h"
#include "pv.h"
#include "x86.h"

#define OKVM_PV_BASE	KVM_CPUID_SIGNATURE

/*
 * The PV features okvm implements. NOP_IO_DELAY is a promise that port
 * 0x80 delays are not needed, which holds for any hypervisor.
 */
#define OKVM_PV_FEATURES	(BIT(KVM_FEATURE_NOP_IO_DELAY) |		\
				 BIT(KVM_FEATURE_CLOCKSOURCE) |		\
				 BIT(KVM_FEATURE_CLOCKSOURCE2) |		\
				 BIT(KVM_FEATURE_PV_EOI) |		\
				 (IS_ENABLED(CONFIG_SCHED_INFO) ?		\
				  BIT(KVM_FEATURE_STEAL_TIME) : 0))

/**
 * okvm_pv_supported_cpuid() - the KVM leaves for KVM_GET_SUPPORTED_CPUID
 * @e: room for @max entries
 * @max: entries @e can take
 *
 * Return: the number of entries written, or -E2BIG.
 */
int okvm_pv_supported_cpuid(struct kvm_cpuid_entry2 *e, int max)
{
	u32 sig[3];

	if (max < 2)
		return -E2BIG;
	memcpy(sig, "KVMKVMKVM\0\0\0", sizeof(sig));
	e[0] = (struct kvm_cpuid_entry2){ .function = OKVM_PV_BASE,
					  .eax = KVM_CPUID_FEATURES,
					  .ebx = sig[0], .ecx = sig[1],
					  .edx = sig[2] };
	e[1] = (struct kvm_cpuid_entry2){ .function = KVM_CPUID_FEATURES,
					  .eax = OKVM_PV_FEATURES };
	return 2;
}

/* The KVM features leaf of @e, if its signature leaf says "KVM". */
static struct kvm_cpuid_entry2 *pv_features(struct kvm_cpuid_entry2 *e,
					    int nent)
{
	struct kvm_cpuid_entry2 *sig = NULL, *feat = NULL;
	int i;

	for (i = 0; i < nent; i++) {
		if (e[i].function == OKVM_PV_BASE)
			sig = &e[i];
		else if (e[i].function == KVM_CPUID_FEATURES)
			feat = &e[i];
	}
	if (!sig || memcmp(&sig->ebx, "KVMK", 4) || memcmp(&sig->ecx, "VMKV", 4) ||
	    memcmp(&sig->edx, "M\0\0\0", 4))
		return NULL;
	return feat;
}

/**
 * okvm_pv_update_cpuid() - what KVM changes in a table userspace sets
 * @vcpu: the vCPU the table is for
 * @e: the table
 * @nent: its entries
 *
 * A guest that halts without an exit cannot be woken by a PV kick, so
 * PV_UNHALT goes away once HLT exits are disabled, as in KVM.
 */
void okvm_pv_update_cpuid(struct okvm_vcpu *vcpu, struct kvm_cpuid_entry2 *e,
			  int nent)
{
	struct kvm_cpuid_entry2 *f = pv_features(e, nent);

	if (f && READ_ONCE(vcpu->vm->arch.hlt_in_guest))
		f->eax &= ~BIT(KVM_FEATURE_PV_UNHALT);
}

/* Whether the guest may use PV feature @bit (always, unless enforced). */
bool okvm_guest_pv_has(struct okvm_vcpu *vcpu, unsigned int bit)
{
	struct kvm_cpuid_entry2 *f;

	if (!vcpu->arch.pv_enforce)
		return true;
	f = pv_features(vcpu->arch.cpuid, vcpu->arch.cpuid_nent);
	return f && (f->eax & BIT(bit));
}

int okvm_pv_vm_enable_cap(struct okvm_vm *vm, const struct kvm_enable_cap *cap)
{
	switch (cap->cap) {
	case KVM_CAP_DISABLE_QUIRKS2:
		if (cap->args[0] & ~(u64)OKVM_SUPPORTED_QUIRKS)
			return -EINVAL;
		mutex_lock(&vm->lock);
		WRITE_ONCE(vm->arch.disabled_quirks,
			   vm->arch.disabled_quirks | cap->args[0]);
		mutex_unlock(&vm->lock);
		return 0;
	case KVM_CAP_EXIT_HYPERCALL:
		/* As KVM: replaced, not or-ed, and at any time. */
		if (cap->args[0] & ~OKVM_EXIT_HYPERCALL_VALID)
			return -EINVAL;
		WRITE_ONCE(vm->arch.hypercall_exit_enabled, cap->args[0]);
		return 0;
	case KVM_CAP_X86_DISABLE_EXITS:
		if (cap->args[0] & ~(u64)KVM_X86_DISABLE_VALID_EXITS)
			return -EINVAL;
		/* Exits okvm cannot disable stay on, as in KVM. */
		if (cap->args[0] & KVM_X86_DISABLE_EXITS_HLT)
			WRITE_ONCE(vm->arch.hlt_in_guest, true);
		return 0;
	default:
		return -EINVAL;
	}
}

int okvm_pv_vcpu_enable_cap(struct okvm_vcpu *vcpu,
			    const struct kvm_enable_cap *cap)
{
	if (cap->flags)
		return -EINVAL;
	switch (cap->cap) {
	case KVM_CAP_ENFORCE_PV_FEATURE_CPUID:
		vcpu->arch.pv_enforce = cap->args[0];
		return 0;
	default:
		return -EINVAL;
	}
}

/**
 * okvm_pv_before_entry() - PV state the next VMRUN needs
 * @vcpu: the vCPU, about to enter
 *
 * KVM_CAP_X86_DISABLE_EXITS may come after the vCPU was created: apply
 * it here.
 */
void okvm_pv_before_entry(struct okvm_vcpu *vcpu)
{
	if (READ_ONCE(vcpu->vm->arch.hlt_in_guest))
		okvm_x86_ops.set_hlt_exiting(vcpu, false);
	okvm_kvmclock_before_entry(vcpu);
}

/* The hypercall's result, from userspace, into RAX; then retire VMMCALL. */
static int complete_hypercall_exit(struct okvm_vcpu *vcpu)
{
	u64 ret = vcpu->run->hypercall.ret;

	if (!okvm_is_64bit_mode(vcpu))
		ret = (u32)ret;
	vcpu->arch.regs[OKVM_RAX] = ret;
	return okvm_skip_exit_insn(vcpu);
}

/*
 * KVM_HC_MAP_GPA_RANGE(gpa, npages, attributes): the guest asks for a
 * conversion, which the VMM makes (KVM_SET_MEMORY_ATTRIBUTES); KVM only
 * checks the range and forwards it.  Return: 0 (exit to userspace) or the
 * hypercall's error for RAX.
 */
static long map_gpa_range(struct okvm_vcpu *vcpu, bool op64)
{
	unsigned long *r = vcpu->arch.regs;
	u64 gpa = r[OKVM_RBX], npages = r[OKVM_RCX], attrs = r[OKVM_RDX];
	struct kvm_run *run = vcpu->run;

	if (!op64) {
		gpa = (u32)gpa;
		npages = (u32)npages;
		attrs = (u32)attrs;
	}
	if (!(READ_ONCE(vcpu->vm->arch.hypercall_exit_enabled) &
	      BIT(KVM_HC_MAP_GPA_RANGE)))
		return -KVM_ENOSYS;
	if (!PAGE_ALIGNED(gpa) || !npages ||
	    (gpa >> PAGE_SHIFT) + npages <= (gpa >> PAGE_SHIFT))
		return -KVM_EINVAL;

	run->exit_reason = KVM_EXIT_HYPERCALL;
	run->hypercall.nr = KVM_HC_MAP_GPA_RANGE;
	run->hypercall.args[0] = gpa;
	run->hypercall.args[1] = npages;
	run->hypercall.args[2] = attrs;
	okvm_run_hypercall_set_flags(run, op64 ? KVM_EXIT_HYPERCALL_LONG_MODE : 0);
	vcpu->arch.complete_userspace_io = complete_hypercall_exit;
	return 0;
}

/**
 * okvm_pv_hypercall() - a VMMCALL exit
 * @vcpu: the vCPU
 *
 * KVM's ABI: number in RAX, arguments in RBX, RCX, RDX, RSI (32 bits
 * outside 64-bit mode), result in RAX. Only CPL 0 may call.
 *
 * Return: 1 (the guest continues), or 0 with a KVM_EXIT_HYPERCALL for
 * userspace (KVM_HC_MAP_GPA_RANGE, RIP still on the VMMCALL).
 */
int okvm_pv_hypercall(struct okvm_vcpu *vcpu)
{
	unsigned long *r = vcpu->arch.regs;
	bool op64 = okvm_is_64bit_mode(vcpu);
	unsigned long nr = r[OKVM_RAX];
	long ret = -KVM_ENOSYS;

	if (!op64)
		nr = (u32)nr;
	if (okvm_cpl(vcpu)) {
		ret = -KVM_EPERM;
		goto out;
	}
	switch (nr) {
	case KVM_HC_VAPIC_POLL_IRQ:
		/* Interrupts are checked on every entry anyway. */
		ret = 0;
		break;
	case KVM_HC_SCHED_YIELD:
		if (!okvm_guest_pv_has(vcpu, KVM_FEATURE_PV_SCHED_YIELD))
			break;
		/*
		 * A hint that RBX's vCPU holds something this one waits for.
		 * okvm has no directed yield; giving up the CPU is the best
		 * it can do for the target.
		 */
		cond_resched();
		ret = 0;
		break;
	case KVM_HC_MAP_GPA_RANGE:
		ret = map_gpa_range(vcpu, op64);
		if (!ret)
			return 0;
		break;
	default:
		break;
	}
out:
	r[OKVM_RAX] = op64 ? ret : (u32)ret;
	return okvm_skip_exit_insn(vcpu);
}

/**
 * okvm_pv_handle_ud() - an intercepted #UD
 * @vcpu: the vCPU
 *
 * A guest built for Intel uses VMCALL, which raises #UD on AMD. As KVM's
 * KVM_X86_QUIRK_FIX_HYPERCALL_INSN does, rewrite it into VMMCALL and let
 * the guest execute that; anything else (or the quirk disabled) gets its
 * #UD.
 *
 * Return: 1 (the guest continues).
 */
int okvm_pv_handle_ud(struct okvm_vcpu *vcpu)
{
	static const u8 vmcall[3] = { 0x0f, 0x01, 0xc1 };
	static const u8 vmmcall[3] = { 0x0f, 0x01, 0xd9 };
	int r;

	if (READ_ONCE(vcpu->vm->arch.disabled_quirks) &
	    KVM_X86_QUIRK_FIX_HYPERCALL_INSN)
		goto ud;
	r = okvm_rewrite_at_rip(vcpu, vmcall, vmmcall, sizeof(vmcall));
	if (r == 0 || r == 1)
		return 1;	/* rewritten (re-executed), or #PF injected */
ud:
	okvm_inject_ud(vcpu);
	return 1;
}
