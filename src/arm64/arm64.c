// SPDX-License-Identifier: GPL-2.0-only
/*
 * okvm on arm64: the arch interface (src/arch.h) for a VHE host.
 *
 * The host kernel runs at EL2 with HCR_EL2.{E2H,TGE} = {1,1}; guests run
 * at EL1 under stage 2. okvm owns EL2's guest-facing state (HCR_EL2 while
 * a guest runs, VTCR_EL2, VTTBR_EL2, the vectors) only when no other
 * hypervisor does: the kernel's own KVM must be off (kvm-arm.mode=none).
 *
 * Stage 2: every VM has a canonical stage-2 MMU on the VM's engine table
 * (vm->mmu, the one memslots, faults and the MMU notifier work on); more
 * s2 MMUs may share it with VMIDs of their own (seed 004). VMIDs come from
 * one host-wide allocator with generations (vmid.c); TLB maintenance is
 * per s2 MMU (its VMID), never per VM.
 */
#include <linux/kvm.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/daifflags.h>
#include <asm/kvm_arm.h>
#include <asm/sysreg.h>
#include <asm/tlbflush.h>
#include <asm/virt.h>

#include "arch.h"
#include "okvm.h"
#include "arm64/arm64.h"
#include "arm64/tlb.h"
#include "uapi/linux/okvm.h"

static unsigned int vmid_bits;
module_param(vmid_bits, uint, 0444);
MODULE_PARM_DESC(vmid_bits,
		 "VMID width to use, 2 up to the hardware's (0: the hardware's); small values force VMID rollovers");

static struct okvm_vmid_alloc okvm_vmids;

/* Read-only statistics for the selftests: VMID rollovers so far. */
static int vmid_rollovers_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%llu\n", READ_ONCE(okvm_vmids.nr_rollovers));
}

static const struct kernel_param_ops vmid_rollovers_ops = {
	.get = vmid_rollovers_get,
};
module_param_cb(vmid_rollovers, &vmid_rollovers_ops, NULL, 0444);
MODULE_PARM_DESC(vmid_rollovers, "VMID generations rolled over (read-only)");

/* The largest IPA size okvm offers (KVM_CAP_ARM_VM_IPA_SIZE). */
u32 okvm_arm64_ipa_limit;
static u64 okvm_vtcr_ps;		/* VTCR_EL2.PS: the host's PA size */

/* The kernel's KVM registered /dev/kvm: it owns EL2. */
static bool kvm_owns_el2(void)
{
	struct miscdevice probe = {
		.minor = KVM_MINOR,
		.name = "okvm-el2-probe",
	};

	/* The minor is KVM's, taken only by an initialised KVM. */
	if (misc_register(&probe))
		return true;
	misc_deregister(&probe);
	return false;
}

static const u8 parange_bits[] = { 32, 36, 40, 42, 44, 48, 52 };

int okvm_arch_init(void)
{
	u64 mmfr0, mmfr1;
	unsigned int parange, hw_vmid_bits;
	int r;

	/*
	 * Verify that:
	 *  - the kernel runs at EL2 with VHE (okvm has no EL2 stub of its own
	 *    for a kernel at EL1);
	 *  - no other hypervisor (the kernel's KVM) owns EL2;
	 *  - the MMU has a 4K stage-2 granule;
	 *  - the IPA range reaches KVM's minimum of 32 bits.
	 */
	if (!is_kernel_in_hyp_mode() || !has_vhe()) {
		pr_err("the kernel does not run at EL2 with VHE\n");
		return -ENODEV;
	}
	if (kvm_owns_el2()) {
		pr_err("KVM owns EL2 (boot with kvm-arm.mode=none to use okvm)\n");
		return -EBUSY;
	}
	mmfr0 = read_sanitised_ftr_reg(SYS_ID_AA64MMFR0_EL1);
	mmfr1 = read_sanitised_ftr_reg(SYS_ID_AA64MMFR1_EL1);
	if (cpuid_feature_extract_unsigned_field(mmfr0, ID_AA64MMFR0_EL1_TGRAN4_2_SHIFT) ==
	    ID_AA64MMFR0_EL1_TGRAN4_2_NI) {
		pr_err("no 4K stage-2 granule\n");
		return -ENODEV;
	}
	/* 4K pages without LPA2: at most 48 bits (VTCR_EL2.PS = 0b101). */
	parange = min_t(unsigned int, mmfr0 & 0xf, 5);
	okvm_vtcr_ps = (u64)parange << VTCR_EL2_PS_SHIFT;
	okvm_arm64_ipa_limit = parange_bits[parange];
	if (okvm_arm64_ipa_limit < 32) {
		pr_err("IPA range too small\n");
		return -ENODEV;
	}

	hw_vmid_bits = cpuid_feature_extract_unsigned_field(mmfr1,
			ID_AA64MMFR1_EL1_VMIDBits_SHIFT) == 2 ? 16 : 8;
	okvm_arm64_vtcr_vs = hw_vmid_bits == 16 ? VTCR_EL2_VS_16BIT : 0;
	if (!vmid_bits)
		vmid_bits = hw_vmid_bits;
	if (vmid_bits < 2 || vmid_bits > hw_vmid_bits) {
		pr_err("vmid_bits must be 2..%u\n", hw_vmid_bits);
		return -EINVAL;
	}
	r = okvm_vmid_alloc_init(&okvm_vmids, vmid_bits, nr_cpu_ids);
	if (r)
		return r;
	pr_info("EL2 with VHE, IPA up to %u bits, %u-bit VMIDs\n",
		okvm_arm64_ipa_limit, vmid_bits);
	return 0;
}

void okvm_arch_exit(void)
{
	okvm_vmid_alloc_destroy(&okvm_vmids);
}

long okvm_arch_dev_ioctl(unsigned int ioctl, unsigned long arg)
{
	return -EINVAL;
}

long okvm_arch_check_extension(struct okvm_vm *vm, long ext)
{
	switch (ext) {
	case KVM_CAP_ARM_VM_IPA_SIZE:
		return okvm_arm64_ipa_limit;
	case KVM_CAP_ARM_PSCI:
	case KVM_CAP_ARM_PSCI_0_2:
	case KVM_CAP_ONE_REG:
	case KVM_CAP_MP_STATE:
	case KVM_CAP_READONLY_MEM:
	case KVM_CAP_SYNC_MMU:
		return 1;
	}
	return 0;
}

/*
 * VTCR_EL2 for an IPA size: 4K granule, inner-shareable write-back walks;
 * a 3-level walk from level 1 up to 39 bits, 4 levels from level 0 above
 * (the engine has no concatenated root tables).
 */
static u64 vtcr_for(u32 ipa_bits)
{
	u64 sl0 = ipa_bits <= 39 ? 1 : 2;

	return VTCR_EL2_RES1 | okvm_vtcr_ps | okvm_arm64_vtcr_vs |
	       (64 - ipa_bits) | (sl0 << VTCR_EL2_SL0_SHIFT) |
	       VTCR_EL2_IRGN0_WBWA | VTCR_EL2_ORGN0_WBWA | VTCR_EL2_SH0_INNER |
	       VTCR_EL2_TG0_4K;
}

/* KVM's default IPA size for a VM type without one. */
#define OKVM_DEFAULT_IPA_BITS	40

int okvm_arch_vm_init(struct okvm_vm *vm, unsigned long type)
{
	struct okvm_vm_arch *a = &vm->arch;
	u32 ipa = type & KVM_VM_TYPE_ARM_IPA_SIZE_MASK;

	if (type & ~KVM_VM_TYPE_ARM_IPA_SIZE_MASK)
		return -EINVAL;
	if (!ipa)
		ipa = OKVM_DEFAULT_IPA_BITS;
	if (ipa > okvm_arm64_ipa_limit || ipa < 32)
		return -EINVAL;
	a->ipa_bits = ipa;
	a->vtcr = vtcr_for(ipa);
	a->s2vm.vmids = &okvm_vmids;
	a->s2vm.tlb = &okvm_arm64_s2_tlb;
	a->s2vm.tlb_priv = vm;
	a->s2vm.nr_cpus = nr_cpu_ids;
	mutex_init(&a->s2_lock);
	spin_lock_init(&a->psci_lock);
	return 0;
}

int okvm_arch_vm_enable_cap(struct okvm_vm *vm, const struct kvm_enable_cap *cap)
{
	return -EINVAL;
}

void okvm_arch_vm_destroy(struct okvm_vm *vm)
{
	struct okvm_vm_arch *a = &vm->arch;
	int i;

	for (i = 0; i < OKVM_ARM64_MAX_S2_MMUS; i++) {
		if (!a->extra[i])
			continue;
		okvm_s2_mmu_free(a->extra[i]);
		kfree(a->extra[i]);
		a->extra[i] = NULL;
	}
	if (a->canonical_ready) {
		okvm_s2_mmu_free(&a->canonical);
		a->canonical_ready = false;
	}
}

bool okvm_arch_max_vcpu_ids_ok(struct okvm_vm *vm, u64 max_ids)
{
	return true;
}

const struct okvm_pt_fmt *okvm_arch_mmu_fmt(struct okvm_vm *vm)
{
	return vm->arch.ipa_bits <= 39 ? &okvm_fmt_s2_l3 : &okvm_fmt_s2_l4;
}

/* A memslot must end inside the IPA space the VM type asked for, as KVM. */
u64 okvm_arch_max_gfn(struct okvm_vm *vm)
{
	return (1ULL << (vm->arch.ipa_bits - PAGE_SHIFT)) - 1;
}

/* No GIC yet: no in-kernel irqchip, so KVM_IRQFD is refused (-EINVAL). */
bool okvm_arch_irqchip_in_kernel(struct okvm_vm *vm)
{
	return false;
}

/* Never called: only an in-kernel irqchip takes irqfd injections. */
void okvm_arch_set_irq(struct okvm_vm *vm, u32 gsi, bool level)
{
}

/*
 * The VM's table changed: every s2 MMU on it flushes its VMID (the
 * engine's range is not passed through the core's hook), and the own
 * tables of extra s2 MMUs, which shadow it, are emptied (they flush by
 * range, see s2_mmu.c).
 */
void okvm_arch_flush_remote_tlbs(struct okvm_vm *vm)
{
	/* Pairs with okvm_arm64_canonical_get(): the s2 MMU is initialised. */
	if (!smp_load_acquire(&vm->arch.canonical_ready))
		return;
	okvm_s2_pgt_flush_all(vm->arch.canonical.pgt);
	okvm_arm64_zap_own_tables(vm);
}

struct page *okvm_arch_vcpu_mmap_page(struct okvm_vcpu *vcpu, pgoff_t pgoff)
{
	return NULL;
}

long okvm_arch_vm_ioctl(struct okvm_vm *vm, unsigned int ioctl,
			unsigned long arg)
{
	switch (ioctl) {
	case KVM_ARM_PREFERRED_TARGET: {
		struct kvm_vcpu_init init = {
			.target = KVM_ARM_TARGET_GENERIC_V8,
		};

		return copy_to_user((void __user *)arg, &init, sizeof(init)) ?
		       -EFAULT : 0;
	}
	case KVM_CREATE_DEVICE: {
		struct kvm_create_device cd;

		/* No in-kernel device (vGIC, ITS, PV time): KVM's answer. */
		if (copy_from_user(&cd, (void __user *)arg, sizeof(cd)))
			return -EFAULT;
		return -ENODEV;
	}
	case OKVM_ARM64_CREATE_S2_MMU:
		return okvm_arm64_create_s2_mmu(vm, (void __user *)arg);
	default:
		return -EINVAL;
	}
}

/* The canonical s2 MMU, on the VM's engine table, made with the first vCPU. */
int okvm_arm64_canonical_get(struct okvm_vm *vm)
{
	struct okvm_vm_arch *a = &vm->arch;
	int r = 0;

	mutex_lock(&a->s2_lock);
	if (!a->canonical_ready) {
		r = okvm_s2_mmu_init_on(&a->canonical, &a->s2vm, &vm->mmu);
		if (!r)
			/* Pairs with okvm_arch_flush_remote_tlbs(). */
			smp_store_release(&a->canonical_ready, true);
	}
	mutex_unlock(&a->s2_lock);
	return r;
}

int okvm_arch_vcpu_create(struct okvm_vcpu *vcpu)
{
	struct okvm_vcpu_arch *a = &vcpu->arch;
	int r;

	r = okvm_arm64_canonical_get(vcpu->vm);
	if (r)
		return r;
	a->s2 = &vcpu->vm->arch.canonical;
	init_waitqueue_head(&a->wq);
	a->sys[OKVM_MPIDR_EL1] = okvm_arm64_mpidr_of(vcpu->vcpu_id);
	return 0;
}

void okvm_arch_vcpu_destroy(struct okvm_vcpu *vcpu)
{
}

struct okvm_vcpu *okvm_arm64_mpidr_to_vcpu(struct okvm_vm *vm, u64 mpidr)
{
	struct okvm_vcpu *v;
	unsigned long i;

	mpidr &= MPIDR_HWID_BITMASK;
	xa_for_each(&vm->vcpu_array, i, v)
		if ((v->arch.sys[OKVM_MPIDR_EL1] & MPIDR_HWID_BITMASK) == mpidr)
			return v;
	return NULL;
}

/**
 * okvm_arm64_vcpu_reset() - the state KVM_ARM_VCPU_INIT gives a vCPU
 * @vcpu: the vCPU (its mutex held, or its own thread in KVM_RUN)
 *
 * EL1h with every exception masked at PC 0, registers zero, SCTLR_EL1 at
 * its architectural reset value (MMU and caches off).
 */
void okvm_arm64_vcpu_reset(struct okvm_vcpu *vcpu)
{
	struct okvm_vcpu_arch *a = &vcpu->arch;
	u64 mpidr = a->sys[OKVM_MPIDR_EL1];

	memset(&a->gprs, 0, sizeof(a->gprs));
	a->gprs.pstate = PSR_MODE_EL1h | PSR_A_BIT | PSR_I_BIT | PSR_F_BIT |
			 PSR_D_BIT;
	a->sp_el0 = a->sp_el1 = a->elr_el1 = a->spsr_el1 = 0;
	memset(a->spsr_aa32, 0, sizeof(a->spsr_aa32));
	memset(&a->fp, 0, sizeof(a->fp));
	memset(a->sys, 0, sizeof(a->sys));
	a->sys[OKVM_SCTLR_EL1] = 0x00C50078;	/* RES1 bits, as KVM */
	a->sys[OKVM_MPIDR_EL1] = mpidr;
	a->cntv_ctl = a->cntv_cval = 0;
	a->mmio_pending = false;
}

#define OKVM_VCPU_FEATURES_OK	(BIT(KVM_ARM_VCPU_POWER_OFF) | \
				 BIT(KVM_ARM_VCPU_PSCI_0_2))

static int vcpu_init(struct okvm_vcpu *vcpu, const struct kvm_vcpu_init *init)
{
	struct okvm_vcpu_arch *a = &vcpu->arch;
	u32 features = init->features[0];
	unsigned int i;

	if (init->target != KVM_ARM_TARGET_GENERIC_V8)
		return -EINVAL;
	for (i = 1; i < ARRAY_SIZE(init->features); i++)
		if (init->features[i])
			return -ENOENT;
	if (features & ~GENMASK(KVM_ARM_VCPU_HAS_EL2, 0))
		return -ENOENT;
	/* Known features okvm does not have (AArch32, PMU, SVE, PAuth, NV). */
	if (features & ~OKVM_VCPU_FEATURES_OK)
		return -EINVAL;
	/* POWER_OFF applies to this call only; the rest may not change. */
	features &= ~BIT(KVM_ARM_VCPU_POWER_OFF);
	if (a->initialized && features != a->features)
		return -EINVAL;

	okvm_arm64_vcpu_reset(vcpu);
	a->features = features;
	spin_lock(&vcpu->vm->arch.psci_lock);
	a->power_off = init->features[0] & BIT(KVM_ARM_VCPU_POWER_OFF);
	a->reset_pending = false;
	spin_unlock(&vcpu->vm->arch.psci_lock);
	a->initialized = true;
	return 0;
}

long okvm_arch_vcpu_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
			  unsigned long arg)
{
	void __user *argp = (void __user *)arg;
	struct okvm_vcpu_arch *a = &vcpu->arch;

	switch (ioctl) {
	case KVM_ARM_VCPU_INIT: {
		struct kvm_vcpu_init init;

		if (copy_from_user(&init, argp, sizeof(init)))
			return -EFAULT;
		return vcpu_init(vcpu, &init);
	}
	case KVM_GET_ONE_REG:
	case KVM_SET_ONE_REG: {
		struct kvm_one_reg reg;

		if (!a->initialized)
			return -ENOEXEC;
		if (copy_from_user(&reg, argp, sizeof(reg)))
			return -EFAULT;
		return ioctl == KVM_GET_ONE_REG ?
		       okvm_arm64_get_one_reg(vcpu, &reg) :
		       okvm_arm64_set_one_reg(vcpu, &reg);
	}
	case KVM_GET_REG_LIST:
		if (!a->initialized)
			return -ENOEXEC;
		return okvm_arm64_get_reg_list(vcpu, argp);
	case KVM_GET_MP_STATE: {
		struct kvm_mp_state mp = {
			.mp_state = READ_ONCE(a->power_off) ?
				    KVM_MP_STATE_STOPPED : KVM_MP_STATE_RUNNABLE,
		};

		return copy_to_user(argp, &mp, sizeof(mp)) ? -EFAULT : 0;
	}
	case KVM_SET_MP_STATE: {
		struct kvm_mp_state mp;

		if (copy_from_user(&mp, argp, sizeof(mp)))
			return -EFAULT;
		if (mp.mp_state != KVM_MP_STATE_RUNNABLE &&
		    mp.mp_state != KVM_MP_STATE_STOPPED)
			return -EINVAL;
		spin_lock(&vcpu->vm->arch.psci_lock);
		WRITE_ONCE(a->power_off, mp.mp_state == KVM_MP_STATE_STOPPED);
		spin_unlock(&vcpu->vm->arch.psci_lock);
		return 0;
	}
	case OKVM_ARM64_VCPU_SET_S2_MMU:
		return okvm_arm64_vcpu_set_s2_mmu(vcpu, argp);
	default:
		return -EINVAL;
	}
}

int okvm_arch_vcpu_run(struct okvm_vcpu *vcpu)
{
	return okvm_arm64_vcpu_run(vcpu);
}
