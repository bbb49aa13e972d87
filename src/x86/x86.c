// SPDX-License-Identifier: GPL-2.0-only
/*
 * okvm_arch_* for x86: the x86 ioctls that need no guest execution.
 * Guest execution (SVM, NPT) comes in src/x86/svm*.c.
 */
#include <linux/kvm.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/processor.h>
#include <asm/tsc.h>

#include "arch.h"
#include "coalesced.h"
#include "events.h"
#include "irq_routing.h"
#include "kvmclock.h"
#include "lapic.h"
#include "msr.h"
#include "pv.h"
#include "steal.h"
#include "svm.h"
#include "tsc.h"
#include "userirq.h"
#include "xsave.h"

/*
 * KVM's parameters that KVM clients (and the upstream selftests) read to
 * learn how the hypervisor behaves. okvm states its true values under the
 * same names, read-only: it has no forced-emulation prefix and no vPMU.
 */
static int force_emulation_prefix;
module_param(force_emulation_prefix, int, 0444);
MODULE_PARM_DESC(force_emulation_prefix, "KVM's forced emulation prefix (never: 0)");
static bool enable_pmu;
module_param(enable_pmu, bool, 0444);
MODULE_PARM_DESC(enable_pmu, "A virtual PMU is offered (no)");
/* kvm_amd's: okvm never uses AVIC, so ICR/IRR accesses always trap. */
static bool avic;
module_param(avic, bool, 0444);
MODULE_PARM_DESC(avic, "kvm_amd's AVIC is in use (no)");

/* CPUID bits okvm lets a guest see (APM vol. 3 / SDM vol. 2, CPUID). */
#define F1_EDX	(BIT(0) /* FPU */ | BIT(2) /* DE */ | BIT(3) /* PSE */ |	\
		 BIT(4) /* TSC */ | BIT(6) /* PAE */ | BIT(8) /* CX8 */ |	\
		 BIT(15) /* CMOV */ | BIT(17) /* PSE36 */ |			\
		 BIT(19) /* CLFLUSH */ | BIT(23) /* MMX */ |			\
		 BIT(24) /* FXSR */ | BIT(25) /* SSE */ | BIT(26) /* SSE2 */)
#define F1_ECX	(BIT(0) /* SSE3 */ | BIT(1) /* PCLMULQDQ */ |			\
		 BIT(9) /* SSSE3 */ | BIT(13) /* CX16 */ |			\
		 BIT(19) /* SSE4.1 */ | BIT(20) /* SSE4.2 */ |			\
		 BIT(23) /* POPCNT */ | BIT(25) /* AES */)
/* The in-kernel APIC: emulated whatever the host has (KVM does the same). */
#define F1_ECX_EMUL	(BIT(21) /* x2APIC */ | BIT(24) /* TSC-deadline */)
#define F1_EDX_EMUL	BIT(9) /* APIC */
#define F81_EDX	(BIT(11) /* SYSCALL */ | BIT(20) /* NX */ |			\
		 BIT(27) /* RDTSCP: TSC_AUX is switched */ | BIT(29) /* LM */)
#define F81_ECX	(BIT(0) /* LAHF/SAHF in 64-bit mode */)
#define F7_0_EBX_EMUL	BIT(1) /* TSC_ADJUST: emulated whatever the host has */

/*
 * The CPUID table KVM_GET_SUPPORTED_CPUID reports: the host's values masked
 * down to what a guest can use without help okvm does not give yet (no
 * leaf 7 extensions; XSAVE and leaf 0xD from xsave.c). Features are added here only with
 * the code that virtualizes them.
 */
static int okvm_supported_cpuid(struct kvm_cpuid_entry2 *e, int max)
{
	u32 a, b, c, d, ext_max;
	int n = 0, r;

	if (max < 8)
		return -E2BIG;

	cpuid_count(0, 0, &a, &b, &c, &d);
	e[n++] = (struct kvm_cpuid_entry2){ .function = 0,
					    .eax = okvm_supported_xcr0 ? 0xd : 7,
					    .ebx = b, .ecx = c, .edx = d };
	cpuid_count(1, 0, &a, &b, &c, &d);
	e[n++] = (struct kvm_cpuid_entry2){ .function = 1, .eax = a,
					    .ebx = b & 0xff00, /* CLFLUSH size */
					    .ecx = (c & F1_ECX) | F1_ECX_EMUL |
						   okvm_xsave_cpuid1_ecx(c),
					    .edx = (d & F1_EDX) | F1_EDX_EMUL };
	/* Leaf 7.0: only IA32_TSC_ADJUST, which tsc.c emulates. */
	e[n++] = (struct kvm_cpuid_entry2){ .function = 7, .index = 0,
					    .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
					    .ebx = F7_0_EBX_EMUL };
	r = okvm_xsave_cpuid(e + n, max - n - 5);	/* leaf 0xD */
	if (r < 0)
		return r;
	n += r;
	/* The KVM leaves 0x40000000 and 0x40000001 (pv.c). */
	n += okvm_pv_supported_cpuid(&e[n], max - n - 3);

	cpuid_count(0x80000000, 0, &ext_max, &b, &c, &d);
	if (ext_max < 0x80000008)
		return n;
	e[n++] = (struct kvm_cpuid_entry2){ .function = 0x80000000,
					    .eax = 0x80000008,
					    .ebx = b, .ecx = c, .edx = d };
	cpuid_count(0x80000001, 0, &a, &b, &c, &d);
	e[n++] = (struct kvm_cpuid_entry2){ .function = 0x80000001, .eax = a,
					    .ecx = c & F81_ECX, .edx = d & F81_EDX };
	cpuid_count(0x80000008, 0, &a, &b, &c, &d);
	/* Physical and linear address widths only (EAX 15:0). */
	e[n++] = (struct kvm_cpuid_entry2){ .function = 0x80000008,
					    .eax = a & 0xffff };
	return n;
}

static long okvm_get_supported_cpuid(struct kvm_cpuid2 __user *ucpuid)
{
	const int max = 80;	/* leaf 0xD has up to 64 subleaves */
	struct kvm_cpuid_entry2 *e;
	struct kvm_cpuid2 cpuid;
	int n, r = 0;

	if (copy_from_user(&cpuid, ucpuid, sizeof(cpuid)))
		return -EFAULT;
	e = kcalloc(max, sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	n = okvm_supported_cpuid(e, max);
	if (n < 0)
		r = n;
	else if (cpuid.nent < n)
		r = -E2BIG;
	else if (copy_to_user(ucpuid->entries, e, n * sizeof(e[0])))
		r = -EFAULT;
	kfree(e);
	if (r)
		return r;
	cpuid.nent = n;
	if (copy_to_user(ucpuid, &cpuid, sizeof(cpuid)))
		return -EFAULT;
	return 0;
}

int okvm_arch_init(void)
{
	return okvm_svm_init();
}

void okvm_arch_exit(void)
{
	okvm_svm_exit();
}

long okvm_arch_dev_ioctl(unsigned int ioctl, unsigned long arg)
{
	long r;

	r = okvm_msr_dev_ioctl(ioctl, (void __user *)arg);
	if (r != -ENOIOCTLCMD)
		return r;
	switch (ioctl) {
	case KVM_GET_SUPPORTED_CPUID:
		return okvm_get_supported_cpuid((void __user *)arg);
	case KVM_GET_MSR_INDEX_LIST:
		return okvm_get_msr_index_list((void __user *)arg);
	case KVM_X86_GET_MCE_CAP_SUPPORTED: {
		/*
		 * No machine-check architecture for guests (KVM_CAP_MCE is 0):
		 * no MCG_CAP bit and no bank is supported. Said rather than
		 * refused, so that a client asking learns exactly that.
		 */
		u64 none = 0;

		return copy_to_user((void __user *)arg, &none, sizeof(none)) ?
		       -EFAULT : 0;
	}
	default:
		return -EINVAL;
	}
}

long okvm_arch_check_extension(struct okvm_vm *vm, long ext)
{
	switch (ext) {
	case KVM_CAP_EXT_CPUID:
	case KVM_CAP_GET_TSC_KHZ:
	case KVM_CAP_READONLY_MEM:	/* writes to such slots exit as MMIO */
	case KVM_CAP_IRQCHIP:
	case KVM_CAP_MP_STATE:
	case KVM_CAP_TSC_DEADLINE_TIMER:
	case KVM_CAP_SIGNAL_MSI:
	case KVM_CAP_IRQ_INJECT_STATUS:
	case KVM_CAP_GET_MSR_FEATURES:		/* msr.c */
	case KVM_CAP_MSR_PLATFORM_INFO:
	case KVM_CAP_X86_USER_SPACE_MSR:
	case KVM_CAP_X86_MSR_FILTER:
	case KVM_CAP_VCPU_ATTRIBUTES:		/* tsc.c: KVM_VCPU_TSC_OFFSET */
	case KVM_CAP_VCPU_EVENTS:		/* events.c */
		return 1;
	case KVM_CAP_SYNC_REGS:
		return KVM_SYNC_X86_VALID_FIELDS;
	case KVM_CAP_COALESCED_PIO:
	case KVM_CAP_SET_BOOT_CPU_ID:
	case KVM_CAP_EXIT_ON_EMULATION_FAILURE:
		return 1;
	case KVM_CAP_COALESCED_MMIO:
		/* Where the ring sits in the vCPU mapping, in pages. */
		return KVM_COALESCED_MMIO_PAGE_OFFSET;
	case KVM_CAP_XSAVE:
	case KVM_CAP_XSAVE2:
	case KVM_CAP_XCRS:
	case KVM_CAP_DEBUGREGS:
		return okvm_xsave_check_extension(ext);
	case KVM_CAP_ENFORCE_PV_FEATURE_CPUID:
		return 1;
	case KVM_CAP_DISABLE_QUIRKS2:
		return OKVM_SUPPORTED_QUIRKS;
	case KVM_CAP_X86_DISABLE_EXITS:
		return OKVM_DISABLE_EXITS;
	case KVM_CAP_ADJUST_CLOCK:
		return OKVM_CLOCK_FLAGS;
	case KVM_CAP_VM_TYPES:
		return BIT(KVM_X86_DEFAULT_VM);
	case KVM_CAP_IRQ_ROUTING:
		return OKVM_MAX_IRQ_ROUTES;
	case KVM_CAP_X2APIC_API:
		/*
		 * Only 32-bit IDs: okvm keeps the broadcast quirk (0xff from
		 * an MSI or the IOAPIC reaches x2APIC targets) unconditionally.
		 */
		return KVM_X2APIC_API_USE_32BIT_IDS;
	case KVM_CAP_X86_APIC_BUS_CYCLES_NS:
		return OKVM_APIC_BUS_CYCLE_NS;
	default:
		return 0;
	}
}

int okvm_arch_vm_init(struct okvm_vm *vm, unsigned long type)
{
	/* SEV/TDX/software-protected types are not offered (yet). */
	if (type != KVM_X86_DEFAULT_VM)
		return -EINVAL;
	atomic64_set(&vm->arch.tlb_gen, 0);
	okvm_tsc_vm_init(vm);
	vm->arch.apic_bus_cycle_ns = OKVM_APIC_BUS_CYCLE_NS;
	okvm_kvmclock_vm_init(vm);
	return okvm_coalesced_init(vm);
}

int okvm_arch_vm_enable_cap(struct okvm_vm *vm,
			    const struct kvm_enable_cap *cap)
{
	u64 unused;
	int r;

	switch (cap->cap) {
	case KVM_CAP_X2APIC_API:
		if (cap->args[0] & ~(u64)KVM_X2APIC_API_USE_32BIT_IDS)
			return -EINVAL;
		/* Like KVM: no lock, a one-way switch read at each use. */
		if (cap->args[0] & KVM_X2APIC_API_USE_32BIT_IDS)
			WRITE_ONCE(vm->arch.x2apic_format, true);
		return 0;
	case KVM_CAP_X86_APIC_BUS_CYCLES_NS:
		/*
		 * The timer computes TMICT * divide (at most 128) * period in
		 * 64 bits: refuse a period that could overflow it.
		 */
		if (!cap->args[0] ||
		    check_mul_overflow((u64)U32_MAX * 128, cap->args[0], &unused))
			return -EINVAL;
		/* vCPUs copy the period at creation: only before the first. */
		mutex_lock(&vm->lock);
		if (!vm->arch.irqchip)
			r = -ENXIO;
		else if (vm->created_vcpus)
			r = -EINVAL;
		else
			vm->arch.apic_bus_cycle_ns = cap->args[0];
		mutex_unlock(&vm->lock);
		return r;
	case KVM_CAP_EXIT_ON_EMULATION_FAILURE:
		if (cap->args[0] & ~1ULL)
			return -EINVAL;
		WRITE_ONCE(vm->arch.exit_on_emulation_error, cap->args[0]);
		return 0;
	default:
		r = okvm_msr_vm_enable_cap(vm, cap);
		if (r != -ENOIOCTLCMD)
			return r;
		/* pv.c: quirks, exits disabled; -EINVAL for the rest. */
		return okvm_pv_vm_enable_cap(vm, cap);
	}
}

bool okvm_arch_max_vcpu_ids_ok(struct okvm_vm *vm, u64 max_ids)
{
	lockdep_assert_held(&vm->lock);
	/* As KVM: not below the id KVM_SET_BOOT_CPU_ID chose. */
	return vm->arch.bsp_vcpu_id <= max_ids;
}

void okvm_arch_vm_destroy(struct okvm_vm *vm)
{
	okvm_irqchip_vm_free(vm);
	okvm_msr_vm_free(vm);
	okvm_coalesced_free(vm);
}

/* KVM's KVM_MIN_ALLOC_MMU_PAGES and KVM_PERMILLE_MMU_PAGES. */
#define OKVM_MIN_MMU_PAGES	64
#define OKVM_PERMILLE_MMU_PAGES	20

/*
 * KVM_GET_NR_MMU_PAGES: KVM's shadow-page budget. okvm only uses nested
 * paging, where KVM ignores the budget too, but reports it as KVM does:
 * the value userspace set, else 2% of the memslots' pages, 64 at least.
 * KVM recomputes the default when a memslot is created or deleted; a move
 * or a flags change keeps the total, so computing it here is the same.
 */
static long okvm_get_nr_mmu_pages(struct okvm_vm *vm)
{
	unsigned long n;

	mutex_lock(&vm->slots_lock);
	n = vm->arch.n_requested_mmu_pages;
	if (!n)
		n = max_t(unsigned long, OKVM_MIN_MMU_PAGES,
			  okvm_memslots(vm)->nr_pages * OKVM_PERMILLE_MMU_PAGES / 1000);
	mutex_unlock(&vm->slots_lock);
	return n;
}

/* KVM_SET_BOOT_CPU_ID: KVM's checks, including its "> max" (not ">="). */
static long okvm_set_boot_cpu_id(struct okvm_vm *vm, unsigned long id)
{
	long r = 0;

	mutex_lock(&vm->lock);
	if (vm->created_vcpus)
		r = -EBUSY;	/* the BSP flag was already given out */
	else if (id > OKVM_MAX_VCPU_IDS ||
		 (vm->max_vcpu_ids && id > vm->max_vcpu_ids))
		r = -EINVAL;
	else
		vm->arch.bsp_vcpu_id = id;
	mutex_unlock(&vm->lock);
	return r;
}

long okvm_arch_vm_ioctl(struct okvm_vm *vm, unsigned int ioctl,
			unsigned long arg)
{
	long r;

	switch (ioctl) {
	case KVM_GET_TSC_KHZ:
		/* The frequency new vCPUs get: the host's (no TSC scaling). */
		return tsc_khz ? tsc_khz : -EIO;
	case KVM_SET_BOOT_CPU_ID:
		return okvm_set_boot_cpu_id(vm, arg);
	case KVM_SET_NR_MMU_PAGES:
		if (arg < OKVM_MIN_MMU_PAGES)
			return -EINVAL;
		mutex_lock(&vm->slots_lock);
		vm->arch.n_requested_mmu_pages = arg;
		mutex_unlock(&vm->slots_lock);
		return 0;
	case KVM_GET_NR_MMU_PAGES:
		return okvm_get_nr_mmu_pages(vm);
	case KVM_REGISTER_COALESCED_MMIO:
	case KVM_UNREGISTER_COALESCED_MMIO:
		return okvm_coalesced_vm_ioctl(vm, ioctl, (void __user *)arg);
	default:
		r = okvm_msr_vm_ioctl(vm, ioctl, (void __user *)arg);
		if (r != -ENOIOCTLCMD)
			return r;
		r = okvm_kvmclock_vm_ioctl(vm, ioctl, (void __user *)arg);
		if (r != -ENOIOCTLCMD)
			return r;
		r = okvm_irqchip_vm_ioctl(vm, ioctl, (void __user *)arg);
		return r == -ENOIOCTLCMD ? -ENOTTY : r;
	}
}

const struct okvm_pt_fmt *okvm_arch_mmu_fmt(struct okvm_vm *vm)
{
	/* 4-level NPT: guest-physical addresses up to 48 bits. */
	return &okvm_fmt_npt4;
}

u64 okvm_arch_max_gfn(struct okvm_vm *vm)
{
	/*
	 * As KVM with NPT: the host's MAXPHYADDR, raw from CPUID (SME
	 * lowers x86_phys_bits, but those bits are not reserved). A guest
	 * on bare metal cannot produce a GPA above it.
	 */
	unsigned int bits = boot_cpu_data.x86_phys_bits;

	if (boot_cpu_data.extended_cpuid_level >= 0x80000008)
		bits = cpuid_eax(0x80000008) & 0xff;
	return (1ULL << (bits - PAGE_SHIFT)) - 1;
}

void okvm_arch_flush_remote_tlbs(struct okvm_vm *vm)
{
	okvm_svm_flush_remote_tlbs(vm);
}

struct page *okvm_arch_vcpu_mmap_page(struct okvm_vcpu *vcpu, pgoff_t pgoff)
{
	if (pgoff == KVM_COALESCED_MMIO_PAGE_OFFSET)
		return okvm_coalesced_ring_page(vcpu->vm);
	return pgoff == KVM_PIO_PAGE_OFFSET ? vcpu->arch.pio_page : NULL;
}

int okvm_arch_vcpu_create(struct okvm_vcpu *vcpu)
{
	int r;

	vcpu->arch.tsc_khz = tsc_khz;
	r = okvm_svm_vcpu_alloc(vcpu);
	if (r)
		return r;
	r = okvm_irqchip_vcpu_init(vcpu);
	if (r) {
		okvm_svm_vcpu_free(vcpu);
		return r;
	}
	okvm_msr_vcpu_init(vcpu);
	/* Last: the VM's TSC history records only vCPUs that exist. */
	okvm_tsc_vcpu_init(vcpu);
	return 0;
}

void okvm_arch_vcpu_destroy(struct okvm_vcpu *vcpu)
{
	okvm_irqchip_vcpu_free(vcpu);
	okvm_svm_vcpu_free(vcpu);
	kvfree(vcpu->arch.cpuid);
}

long okvm_arch_vcpu_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
			  unsigned long arg)
{
	long r;

	switch (ioctl) {
	case KVM_GET_TSC_KHZ:
		return vcpu->arch.tsc_khz ? vcpu->arch.tsc_khz : -EIO;
	case KVM_HAS_DEVICE_ATTR:
	case KVM_GET_DEVICE_ATTR:
	case KVM_SET_DEVICE_ATTR:
		return okvm_tsc_attr_ioctl(vcpu, ioctl, (void __user *)arg);
	case KVM_ENABLE_CAP: {
		struct kvm_enable_cap cap;

		if (copy_from_user(&cap, (void __user *)arg, sizeof(cap)))
			return -EFAULT;
		return okvm_pv_vcpu_enable_cap(vcpu, &cap);
	}
	case KVM_TRANSLATE: {
		struct kvm_translation tr;

		if (copy_from_user(&tr, (void __user *)arg, sizeof(tr)))
			return -EFAULT;
		okvm_translate(vcpu, &tr);
		return copy_to_user((void __user *)arg, &tr, sizeof(tr)) ? -EFAULT : 0;
	}
	default:
		r = okvm_irqchip_vcpu_ioctl(vcpu, ioctl, (void __user *)arg);
		if (r != -ENOIOCTLCMD)
			return r;
		r = okvm_xsave_vcpu_ioctl(vcpu, ioctl, (void __user *)arg);
		if (r != -ENOIOCTLCMD)
			return r;
		r = okvm_userirq_vcpu_ioctl(vcpu, ioctl, (void __user *)arg);
		if (r != -ENOIOCTLCMD)
			return r;
		r = okvm_events_vcpu_ioctl(vcpu, ioctl, (void __user *)arg);
		if (r != -ENOIOCTLCMD)
			return r;
		r = okvm_x86_vcpu_state_ioctl(vcpu, ioctl, (void __user *)arg);
		return r == -ENOIOCTLCMD ? -EINVAL : r;
	}
}

int okvm_arch_vcpu_run(struct okvm_vcpu *vcpu)
{
	int r = okvm_sync_regs_in(vcpu);

	if (!r) {
		okvm_steal_time_update(vcpu);
		r = okvm_svm_run(vcpu);
	}
	/* As KVM's store_regs() and post_kvm_run_save(), whatever the outcome. */
	okvm_sync_regs_out(vcpu);
	okvm_userirq_post_run(vcpu);
	return r;
}
