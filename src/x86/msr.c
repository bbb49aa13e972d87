// SPDX-License-Identifier: GPL-2.0-only
/*
 * MSRs: the one table of every MSR a vCPU has, {index, get, set}, each
 * access ending in a named result (enum okvm_msr_result: ok, #GP,
 * unsupported, filtered); KVM_GET/SET_MSRS and KVM_GET_MSR_INDEX_LIST on
 * it; feature MSRs on /dev/kvm (KVM_CAP_GET_MSR_FEATURES); MSR filters
 * (KVM_X86_SET_MSR_FILTER); and guest RDMSR/WRMSR, with the exits to
 * userspace KVM_CAP_X86_USER_SPACE_MSR asks for, completed on the next
 * KVM_RUN.
 *
 * The backend intercepts every MSR (svm.c's permission map is all ones),
 * so a filter needs no change to a permission map: every guest access
 * comes through okvm_emulate_msr().
 */
#include <linux/bitops.h>
#include <linux/kvm.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <uapi/asm/kvm_para.h>	/* MSR_KVM_*, also in UML builds */
#include <asm/msr-index.h>

#include "irqchip/irqchip.h"
#include "kvmclock.h"
#include "steal.h"
#include "tsc.h"
#include "x86.h"

/* --- feature MSRs ----------------------------------------------------------- */

/*
 * The feature MSRs KVM reports on AMD, less IA32_ARCH_CAPABILITIES: okvm
 * does not offer that MSR to guests (its value would have to describe the
 * host's mitigations exactly). Each one is also a vCPU MSR (below).
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
		if (okvm_host_rdmsr(MSR_IA32_UCODE_REV, data))
			*data = 0;
		return 0;
	case MSR_IA32_PERF_CAPABILITIES:
		*data = 0;	/* no vPMU: no capabilities */
		return 0;
	default:
		return 1;
	}
}

/* KVM_GET_MSR_INDEX_LIST and KVM_GET_MSR_FEATURE_INDEX_LIST. */
static long put_index_list(struct kvm_msr_list __user *u, const u32 *list,
			   u32 n)
{
	u32 asked;

	if (get_user(asked, &u->nmsrs))
		return -EFAULT;
	if (put_user(n, &u->nmsrs))
		return -EFAULT;
	if (asked < n)
		return -E2BIG;
	return copy_to_user(u->indices, list, n * sizeof(*list)) ? -EFAULT : 0;
}

/**
 * okvm_msrs_loop() - the loop of KVM's KVM_GET_MSRS and KVM_SET_MSRS
 * @u: struct kvm_msrs from userspace
 * @copy_back: a read: the entries done go back to userspace
 * @one: the access of one entry (nonzero stops the loop)
 * @ctx: passed to @one
 *
 * Used for vCPUs and for the feature MSRs of /dev/kvm.
 * Return: the number of entries done, or -E2BIG/-EFAULT/-ENOMEM.
 */
static long okvm_msrs_loop(struct kvm_msrs __user *u, bool copy_back,
			   int (*one)(void *ctx, struct kvm_msr_entry *e),
			   void *ctx)
{
	struct kvm_msr_entry *e;
	struct kvm_msrs hdr;
	long r;
	u32 i;

	if (copy_from_user(&hdr, u, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nmsrs >= 0x10000)	/* KVM's MAX_IO_MSRS */
		return -E2BIG;
	e = vmemdup_user(u->entries, (size_t)hdr.nmsrs * sizeof(*e));
	if (IS_ERR(e))
		return PTR_ERR(e);
	for (i = 0; i < hdr.nmsrs; i++)
		if (one(ctx, &e[i]))
			break;
	r = i;
	if (copy_back && copy_to_user(u->entries, e, (size_t)i * sizeof(*e)))
		r = -EFAULT;
	kvfree(e);
	return r;
}

/* KVM_GET_MSRS on /dev/kvm: one feature MSR. */
static int feature_msr_entry(void *ctx, struct kvm_msr_entry *e)
{
	return feature_msr_get(e->index, &e->data);
}

/* --- the vCPU MSRs: one row each ----------------------------------------- */

/*
 * HWCR: McStatusWrEn (18) and TscFreqSel (24) are kept; TLB-cache disable
 * (3), flush-filter disable (6) and IGNNE emulation (8) are accepted and
 * read back as 0, as KVM does; anything else is refused.
 */
#define HWCR_VALID	(BIT_ULL(18) | BIT_ULL(24))
#define HWCR_IGNORED	(BIT_ULL(3) | BIT_ULL(6) | BIT_ULL(8))

static bool pat_valid(u64 pat)
{
	int i;

	/* Each byte a memory type: UC, WC, WT, WP, WB, UC- (0,1,4,5,6,7). */
	for (i = 0; i < 8; i++) {
		u8 t = pat >> (i * 8);

		if (t > 7 || t == 2 || t == 3)
			return false;
	}
	return true;
}

static int efer_get(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	*data = okvm_efer_read(vcpu);
	return OKVM_MSR_OK;
}

static int efer_set(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	u64 old = okvm_efer_read(vcpu);

	if (data & ~OKVM_EFER_VALID)
		return OKVM_MSR_GP;
	/* LME cannot change while paging is on. */
	if (!host && (okvm_cr_read(vcpu, OKVM_CR0) & X86_CR0_PG) &&
	    ((data ^ old) & EFER_LME))
		return OKVM_MSR_GP;
	/*
	 * LMA is the CPU's, also for KVM_SET_MSRS (as KVM's set_efer()):
	 * only KVM_SET_SREGS, which checks CR0/CR4 with it, sets it. LMA
	 * without CR4.PAE would be a paging mode no walk can use.
	 */
	data = (data & ~EFER_LMA) | (old & EFER_LMA);
	if ((old ^ data) & (EFER_NX | EFER_LME | EFER_LMA))
		okvm_x86_ops.flush_guest_tlb(vcpu);
	okvm_x86_ops.set_efer(vcpu, data);
	return OKVM_MSR_OK;
}

/* The MSRs the backend keeps in its state block. */
static int vendor_get(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	return okvm_x86_ops.get_msr(vcpu, index, data) ? OKVM_MSR_OK :
							  OKVM_MSR_UNSUPPORTED;
}

static int vendor_set(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	switch (index) {
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		if (!okvm_is_canonical(data))
			return OKVM_MSR_GP;
		break;
	case MSR_SYSCALL_MASK:
		data = (u32)data;
		break;
	case MSR_IA32_SYSENTER_CS:
		data &= 0xffff;
		break;
	case MSR_IA32_CR_PAT:
		if (!pat_valid(data))
			return OKVM_MSR_GP;
		break;
	}
	return okvm_x86_ops.set_msr(vcpu, index, data) ? OKVM_MSR_OK :
							  OKVM_MSR_UNSUPPORTED;
}

static int tsc_aux_get(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	*data = vcpu->arch.tsc_aux;
	return OKVM_MSR_OK;
}

static int tsc_aux_set(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	if (data >> 32)
		return OKVM_MSR_GP;
	vcpu->arch.tsc_aux = data;
	return OKVM_MSR_OK;
}

/*
 * MTRRs (SDM vol. 3, 12.11): a guest and its VMM set them, nothing else
 * reads them. KVM's checks: memory types UC, WC, WT, WP, WB only;
 * MTRRdefType keeps E, FE and its type; a variable range's base and mask
 * keep their reserved bits and those above the guest's MAXPHYADDR clear.
 */
#define OKVM_MTRR_VCNT		8
#define OKVM_MTRR_BASE(n)	(0x200 + 2 * (n))	/* IA32_MTRR_PHYSBASEn */
#define OKVM_MTRR_MASK(n)	(0x201 + 2 * (n))	/* IA32_MTRR_PHYSMASKn */
#define OKVM_MTRR_CAP		(BIT(10) /* WC */ | BIT(8) /* FIX */ | OKVM_MTRR_VCNT)

static bool mtrr_type_ok(u64 t)
{
	return t < 8 && (BIT(t) & 0x73);	/* 0, 1, 4, 5, 6 */
}

/* The storage of an MTRR MSR, or NULL for a hole in the fixed ranges. */
static u64 *mtrr_slot(struct okvm_vcpu *vcpu, u32 index)
{
	static const u32 fixed[] = {
		MSR_MTRRfix64K_00000, MSR_MTRRfix16K_80000, MSR_MTRRfix16K_A0000,
		MSR_MTRRfix4K_C0000, MSR_MTRRfix4K_C8000, MSR_MTRRfix4K_D0000,
		MSR_MTRRfix4K_D8000, MSR_MTRRfix4K_E0000, MSR_MTRRfix4K_E8000,
		MSR_MTRRfix4K_F0000, MSR_MTRRfix4K_F8000,
	};
	unsigned int i;

	if (index == MSR_MTRRdefType)
		return &vcpu->arch.mtrr.def_type;
	if (index >= OKVM_MTRR_BASE(0) &&
	    index <= OKVM_MTRR_MASK(OKVM_MTRR_VCNT - 1))
		return &vcpu->arch.mtrr.var[index - OKVM_MTRR_BASE(0)];
	for (i = 0; i < ARRAY_SIZE(fixed); i++)
		if (index == fixed[i])
			return &vcpu->arch.mtrr.fixed[i];
	return NULL;
}

static int mtrr_get(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	u64 *slot;

	if (index == MSR_MTRRcap) {
		*data = OKVM_MTRR_CAP;
		return OKVM_MSR_OK;
	}
	slot = mtrr_slot(vcpu, index);
	if (!slot)
		return OKVM_MSR_UNSUPPORTED;
	*data = *slot;
	return OKVM_MSR_OK;
}

static int mtrr_set(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	u64 *slot = mtrr_slot(vcpu, index);
	u64 rsvd;
	int i;

	if (!slot)	/* MTRRcap is read-only; the holes are no MSRs */
		return index == MSR_MTRRcap ? OKVM_MSR_GP : OKVM_MSR_UNSUPPORTED;
	if (index == MSR_MTRRdefType) {
		if ((data & ~0xcffULL) || !mtrr_type_ok(data & 0xff))
			return OKVM_MSR_GP;
	} else if (index >= OKVM_MTRR_BASE(0) &&
		   index <= OKVM_MTRR_MASK(OKVM_MTRR_VCNT - 1)) {
		rsvd = GENMASK_ULL(63, okvm_cpuid_maxphyaddr(vcpu));
		if (!(index & 1)) {	/* base: type, bits 11:8 reserved */
			if (!mtrr_type_ok(data & 0xff))
				return OKVM_MSR_GP;
			rsvd |= 0xf00;
		} else {		/* mask: valid bit 11, bits 10:0 reserved */
			rsvd |= 0x7ff;
		}
		if (data & rsvd)
			return OKVM_MSR_GP;
	} else {
		for (i = 0; i < 8; i++)
			if (!mtrr_type_ok((data >> (i * 8)) & 0xff))
				return OKVM_MSR_GP;
	}
	*slot = data;
	return OKVM_MSR_OK;
}

/* Machine-check MSRs (mce.c): 0, or 1 for no such MSR or a refused value. */
static int mce_get(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	return okvm_mce_msr_get(vcpu, index, data, host) ? OKVM_MSR_GP : OKVM_MSR_OK;
}

static int mce_set(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	return okvm_mce_msr_set(vcpu, index, data, host) ? OKVM_MSR_GP : OKVM_MSR_OK;
}

/* MSRs that are plain storage: any value, read back as written. */
static u64 *plain_msr(struct okvm_vcpu *vcpu, u32 index)
{
	return index == MSR_IA32_MISC_ENABLE ? &vcpu->arch.misc_enable :
					       &vcpu->arch.power_ctl;
}

static int plain_get(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	*data = *plain_msr(vcpu, index);
	return OKVM_MSR_OK;
}

static int plain_set(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	*plain_msr(vcpu, index) = data;
	return OKVM_MSR_OK;
}

static int hwcr_get(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	*data = vcpu->arch.hwcr;
	return OKVM_MSR_OK;
}

static int hwcr_set(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	if (data & ~(HWCR_VALID | HWCR_IGNORED))
		return OKVM_MSR_GP;
	vcpu->arch.hwcr = data & HWCR_VALID;
	return OKVM_MSR_OK;
}

/* The in-kernel APIC's MSRs (its result: 0, 1 refused, -ENOENT not its). */
static int apic_result(int r)
{
	if (r == -ENOENT)
		return OKVM_MSR_UNSUPPORTED;
	return r ? OKVM_MSR_GP : OKVM_MSR_OK;
}

static int apic_get(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	return apic_result(okvm_irqchip_msr(vcpu, index, data, false, host));
}

static int apic_set(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	return apic_result(okvm_irqchip_msr(vcpu, index, &data, true, host));
}

/* APIC_BASE without an in-kernel APIC: kept for userspace's APIC model. */
static int apic_base_get(struct okvm_vcpu *vcpu, u32 index, u64 *data,
			 bool host)
{
	if (vcpu->arch.irq.apic)
		return apic_get(vcpu, index, data, host);
	*data = vcpu->arch.apic_base;
	return OKVM_MSR_OK;
}

static int apic_base_set(struct okvm_vcpu *vcpu, u32 index, u64 data,
			 bool host)
{
	if (vcpu->arch.irq.apic)
		return apic_set(vcpu, index, data, host);
	/* Only the BSP, enable and base bits exist. */
	if (data & ~(MSR_IA32_APICBASE_BSP | MSR_IA32_APICBASE_ENABLE |
		     MSR_IA32_APICBASE_BASE))
		return OKVM_MSR_GP;
	vcpu->arch.apic_base = data;
	return OKVM_MSR_OK;
}

static int tsc_get(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	return okvm_tsc_msr(vcpu, index, data, false, host) ? OKVM_MSR_GP :
							      OKVM_MSR_OK;
}

static int tsc_set(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	return okvm_tsc_msr(vcpu, index, &data, true, host) ? OKVM_MSR_GP :
							      OKVM_MSR_OK;
}

static int platform_info_get(struct okvm_vcpu *vcpu, u32 index, u64 *data,
			     bool host)
{
	/* The guest may not even read it once the VM turned it off. */
	if (!host && READ_ONCE(vcpu->vm->arch.no_platform_info))
		return OKVM_MSR_GP;
	*data = vcpu->arch.platform_info;
	return OKVM_MSR_OK;
}

static int platform_info_set(struct okvm_vcpu *vcpu, u32 index, u64 data,
			     bool host)
{
	/* Read-only for the guest. */
	if (!host)
		return OKVM_MSR_GP;
	vcpu->arch.platform_info = data;
	return OKVM_MSR_OK;
}

static int de_cfg_get(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	*data = vcpu->arch.de_cfg;
	return OKVM_MSR_OK;
}

static int de_cfg_set(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	u64 supported;

	feature_msr_get(index, &supported);
	if (data & ~supported)
		return OKVM_MSR_GP;
	/* The vCPU model is fixed once it ran (KVM: immutable). */
	if (host && vcpu->arch.ran && data != vcpu->arch.de_cfg)
		return OKVM_MSR_GP;
	vcpu->arch.de_cfg = data;
	return OKVM_MSR_OK;
}

static int ucode_rev_get(struct okvm_vcpu *vcpu, u32 index, u64 *data,
			 bool host)
{
	*data = vcpu->arch.ucode_rev;
	return OKVM_MSR_OK;
}

static int ucode_rev_set(struct okvm_vcpu *vcpu, u32 index, u64 data,
			 bool host)
{
	/* Guest writes (loading microcode) are dropped. */
	if (host)
		vcpu->arch.ucode_rev = data;
	return OKVM_MSR_OK;
}

static bool guest_has_pdcm(struct okvm_vcpu *vcpu)
{
	u32 a, b, c, d;

	okvm_cpuid_lookup(vcpu, 1, 0, &a, &b, &c, &d);
	return c & BIT(X86_FEATURE_PDCM & 31);
}

static int perf_caps_get(struct okvm_vcpu *vcpu, u32 index, u64 *data,
			 bool host)
{
	if (!host && !guest_has_pdcm(vcpu))
		return OKVM_MSR_GP;
	*data = 0;	/* no vPMU */
	return OKVM_MSR_OK;
}

static int perf_caps_set(struct okvm_vcpu *vcpu, u32 index, u64 data,
			 bool host)
{
	/* No vPMU: only 0, and only userspace may write it. */
	return !host || data ? OKVM_MSR_GP : OKVM_MSR_OK;
}

static int steal_get(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	return okvm_steal_msr(vcpu, data, false, host);
}

static int steal_set(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	return okvm_steal_msr(vcpu, &data, true, host);
}

static int pv_eoi_get(struct okvm_vcpu *vcpu, u32 index, u64 *data,
		      bool host)
{
	return okvm_irqchip_pv_eoi_msr(vcpu, data, false, host);
}

static int pv_eoi_set(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	return okvm_irqchip_pv_eoi_msr(vcpu, &data, true, host);
}

static int pv_get(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	return okvm_kvmclock_msr_get(vcpu, index, data, host);
}

static int pv_set(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	return okvm_kvmclock_msr_set(vcpu, index, data, host);
}

/**
 * struct okvm_msr - one row of the MSR table
 * @first: the MSR (or the first of a range)
 * @last: the last of a range, or 0 for one MSR
 * @get: RDMSR / KVM_GET_MSRS; returns an enum okvm_msr_result
 * @set: WRMSR / KVM_SET_MSRS; returns an enum okvm_msr_result
 * @listed: reported by KVM_GET_MSR_INDEX_LIST
 */
struct okvm_msr {
	u32 first, last;
	int (*get)(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host);
	int (*set)(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host);
	bool listed;
};

#define MSR_ROW(i, fn)		{ .first = i, .get = fn##_get, .set = fn##_set, \
				  .listed = true }
#define MSR_HIDDEN(i, fn)	{ .first = i, .get = fn##_get, .set = fn##_set }

/* Every MSR a vCPU has. The listed ones in KVM_GET_MSR_INDEX_LIST order. */
static const struct okvm_msr okvm_msr_table[] = {
	MSR_ROW(MSR_EFER, efer),
	MSR_ROW(MSR_STAR, vendor),
	MSR_ROW(MSR_LSTAR, vendor),
	MSR_ROW(MSR_CSTAR, vendor),
	MSR_ROW(MSR_SYSCALL_MASK, vendor),
	MSR_ROW(MSR_FS_BASE, vendor),
	MSR_ROW(MSR_GS_BASE, vendor),
	MSR_ROW(MSR_KERNEL_GS_BASE, vendor),
	MSR_ROW(MSR_TSC_AUX, tsc_aux),
	MSR_ROW(MSR_IA32_SYSENTER_CS, vendor),
	MSR_ROW(MSR_IA32_SYSENTER_ESP, vendor),
	MSR_ROW(MSR_IA32_SYSENTER_EIP, vendor),
	MSR_ROW(MSR_IA32_CR_PAT, vendor),
	/* MTRRs: KVM does not list them either; CPUID.1:EDX.MTRR says so. */
	MSR_HIDDEN(MSR_IA32_MCG_CAP, mce),
	{ .first = MSR_IA32_MC0_CTL, .last = MSR_IA32_MC0_CTL + 4 * OKVM_MCE_MAX_BANKS - 1,
	  .get = mce_get, .set = mce_set },
	MSR_HIDDEN(MSR_MTRRcap, mtrr),
	MSR_HIDDEN(MSR_MTRRdefType, mtrr),
	{ .first = OKVM_MTRR_BASE(0), .last = OKVM_MTRR_MASK(OKVM_MTRR_VCNT - 1),
	  .get = mtrr_get, .set = mtrr_set },
	{ .first = MSR_MTRRfix64K_00000, .last = MSR_MTRRfix4K_F8000,
	  .get = mtrr_get, .set = mtrr_set },
	MSR_ROW(MSR_IA32_TSC, tsc),
	MSR_ROW(MSR_IA32_MISC_ENABLE, plain),
	MSR_ROW(MSR_IA32_APICBASE, apic_base),
	MSR_ROW(MSR_K7_HWCR, hwcr),
	MSR_ROW(MSR_IA32_TSC_ADJUST, tsc),
	MSR_ROW(MSR_PLATFORM_INFO, platform_info),
	MSR_ROW(MSR_IA32_POWER_CTL, plain),
	MSR_ROW(MSR_IA32_UCODE_REV, ucode_rev),
	/* As KVM: MCG_STATUS and MCG_CTL listed, MCG_CAP and the banks not. */
	MSR_ROW(MSR_IA32_MCG_STATUS, mce),
	MSR_ROW(MSR_IA32_MCG_CTL, mce),
	MSR_ROW(MSR_KVM_SYSTEM_TIME, pv),
	MSR_ROW(MSR_KVM_WALL_CLOCK, pv),
	MSR_ROW(MSR_KVM_SYSTEM_TIME_NEW, pv),
	MSR_ROW(MSR_KVM_WALL_CLOCK_NEW, pv),
	MSR_ROW(MSR_KVM_STEAL_TIME, steal),
	MSR_ROW(MSR_KVM_PV_EOI_EN, pv_eoi),
	/* Feature MSRs (KVM_GET_MSR_FEATURE_INDEX_LIST lists them). */
	MSR_HIDDEN(MSR_AMD64_DE_CFG, de_cfg),
	MSR_HIDDEN(MSR_IA32_PERF_CAPABILITIES, perf_caps),
	/* The in-kernel APIC's (unsupported without one). */
	MSR_HIDDEN(MSR_IA32_TSC_DEADLINE, apic),
	{ .first = 0x800, .last = 0x8ff, .get = apic_get, .set = apic_set },
};

static const struct okvm_msr *msr_find(u32 index)
{
	const struct okvm_msr *m;

	for (m = okvm_msr_table; m < okvm_msr_table + ARRAY_SIZE(okvm_msr_table);
	     m++) {
		if (index == m->first ||
		    (m->last && index >= m->first && index <= m->last))
			return m;
	}
	return NULL;
}

/**
 * okvm_msr_get() - read an MSR as the guest (RDMSR) or userspace sees it
 * @vcpu: the vCPU
 * @index: MSR number
 * @data: the value
 * @host: the access comes from KVM_GET_MSRS
 *
 * Return: an enum okvm_msr_result (OKVM_MSR_GP and OKVM_MSR_UNSUPPORTED
 * are a #GP for a guest).
 */
int okvm_msr_get(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	const struct okvm_msr *m = msr_find(index);

	return m ? m->get(vcpu, index, data, host) : OKVM_MSR_UNSUPPORTED;
}

/**
 * okvm_msr_set() - write an MSR as the guest (WRMSR) or userspace does
 * @vcpu: the vCPU
 * @index: MSR number
 * @data: the value
 * @host: the access comes from KVM_SET_MSRS
 *
 * Return: an enum okvm_msr_result; nothing changed unless OKVM_MSR_OK.
 */
int okvm_msr_set(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	const struct okvm_msr *m = msr_find(index);

	return m ? m->set(vcpu, index, data, host) : OKVM_MSR_UNSUPPORTED;
}

static int vcpu_msr_get(void *vcpu, struct kvm_msr_entry *e)
{
	return okvm_msr_get(vcpu, e->index, &e->data, true);
}

static int vcpu_msr_set(void *vcpu, struct kvm_msr_entry *e)
{
	return okvm_msr_set(vcpu, e->index, e->data, true);
}

/* KVM_GET_MSR_INDEX_LIST: the listed rows, in table order. */
static long msr_index_list(struct kvm_msr_list __user *u)
{
	u32 list[ARRAY_SIZE(okvm_msr_table)];
	u32 i, n = 0;

	for (i = 0; i < ARRAY_SIZE(okvm_msr_table); i++)
		if (okvm_msr_table[i].listed)
			list[n++] = okvm_msr_table[i].first;
	return put_index_list(u, list, n);
}

/**
 * okvm_msr_vcpu_init() - power-on values of the vCPU MSRs kept here
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
	/* KVM's default before KVM_X86_SETUP_MCE: every bank, all clear. */
	vcpu->arch.mce.cap = OKVM_MCE_MAX_BANKS;
}

/**
 * okvm_msr_dev_ioctl() - the MSR ioctls of /dev/kvm
 * @ioctl: KVM_GET_MSR_INDEX_LIST, KVM_GET_MSR_FEATURE_INDEX_LIST or
 *	KVM_GET_MSRS (feature MSRs)
 * @argp: its argument
 *
 * Return: the ioctl's result.
 */
long okvm_msr_dev_ioctl(unsigned int ioctl, void __user *argp)
{
	switch (ioctl) {
	case KVM_GET_MSR_INDEX_LIST:
		return msr_index_list(argp);
	case KVM_GET_MSR_FEATURE_INDEX_LIST:
		return put_index_list(argp, okvm_feature_msrs,
				      ARRAY_SIZE(okvm_feature_msrs));
	default:
		return okvm_msrs_loop(argp, true, feature_msr_entry, NULL);
	}
}

/**
 * okvm_msr_vcpu_ioctl() - KVM_GET_MSRS and KVM_SET_MSRS on a vCPU
 * @vcpu: the vCPU, its mutex held
 * @ioctl: the ioctl
 * @argp: its argument
 *
 * Return: the number of entries done, or -errno.
 */
long okvm_msr_vcpu_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
			 void __user *argp)
{
	if (ioctl == KVM_GET_MSRS)
		return okvm_msrs_loop(argp, true, vcpu_msr_get, vcpu);
	return okvm_msrs_loop(argp, false, vcpu_msr_set, vcpu);
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
 * okvm_msr_vm_ioctl() - KVM_X86_SET_MSR_FILTER
 * @vm: the VM
 * @ioctl: the ioctl
 * @argp: its argument
 *
 * Return: 0 or -errno; the old filter stays on failure.
 */
long okvm_msr_vm_ioctl(struct okvm_vm *vm, unsigned int ioctl,
		       void __user *argp)
{
	return set_msr_filter(vm, argp);
}

/**
 * okvm_msr_vm_enable_cap() - KVM_CAP_MSR_PLATFORM_INFO, _X86_USER_SPACE_MSR
 * @vm: the VM
 * @cap: the request (flags already checked)
 *
 * Return: 0, or -EINVAL for bad arguments.
 */
int okvm_msr_vm_enable_cap(struct okvm_vm *vm, const struct kvm_enable_cap *cap)
{
	if (cap->cap == KVM_CAP_MSR_PLATFORM_INFO) {
		WRITE_ONCE(vm->arch.no_platform_info, !cap->args[0]);
		return 0;
	}
	if (cap->args[0] & ~KVM_MSR_EXIT_REASON_VALID_MASK)
		return -EINVAL;
	WRITE_ONCE(vm->arch.user_space_msr_mask, cap->args[0]);
	return 0;
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

/*
 * The RDMSR/WRMSR userspace served (KVM_RUN after KVM_EXIT_X86_RDMSR or
 * _WRMSR): msr.error makes the instruction #GP; else an RDMSR gets
 * msr.data in EDX:EAX and the instruction retires.
 */
static int complete_user_msr(struct okvm_vcpu *vcpu, bool read)
{
	struct kvm_run *run = vcpu->run;
	u64 data = READ_ONCE(run->msr.data);

	if (READ_ONCE(run->msr.error)) {
		okvm_inject_gp(vcpu);
		return 1;
	}
	if (read) {
		vcpu->arch.regs[OKVM_RAX] = (u32)data;
		vcpu->arch.regs[OKVM_RDX] = data >> 32;
	}
	/* No entry since the exit: the backend's next RIP is still current. */
	return okvm_skip_exit_insn(vcpu);
}

static int complete_user_rdmsr(struct okvm_vcpu *vcpu)
{
	return complete_user_msr(vcpu, true);
}

static int complete_user_wrmsr(struct okvm_vcpu *vcpu)
{
	return complete_user_msr(vcpu, false);
}

/**
 * okvm_emulate_msr() - a guest RDMSR or WRMSR
 * @vcpu: the vCPU
 * @write: WRMSR
 *
 * The filter decides first, then the table. A failed access goes to
 * userspace if the VM asked for its reason, else it is a #GP.
 *
 * Return: 1 to re-enter the guest, 0 to exit to userspace.
 */
int okvm_emulate_msr(struct okvm_vcpu *vcpu, bool write)
{
	unsigned long *regs = vcpu->arch.regs;
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

	if (r == OKVM_MSR_OK) {
		if (!write) {
			regs[OKVM_RAX] = (u32)data;
			regs[OKVM_RDX] = data >> 32;
		}
		return okvm_skip_exit_insn(vcpu);
	}

	reason = msr_exit_reason(r);
	if (!(READ_ONCE(vcpu->vm->arch.user_space_msr_mask) & reason)) {
		okvm_inject_gp(vcpu);
		return 1;
	}
	run->exit_reason = write ? KVM_EXIT_X86_WRMSR : KVM_EXIT_X86_RDMSR;
	run->msr.error = 0;
	memset(run->msr.pad, 0, sizeof(run->msr.pad));
	run->msr.reason = reason;
	run->msr.index = index;
	run->msr.data = data;
	vcpu->arch.complete_userspace_io = write ? complete_user_wrmsr :
						   complete_user_rdmsr;
	return 0;
}
