// SPDX-License-Identifier: GPL-2.0-only
/*
 * okvm_arch_* for x86: module init (the backend chosen here), VM and vCPU
 * creation, KVM_CHECK_EXTENSION and KVM_ENABLE_CAP, and one ioctl table
 * per fd (system, VM, vCPU) that names the home of each x86 ioctl.
 * KVM_RUN is run.c's.
 */
#include <linux/kvm.h>
#include <linux/log2.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/processor.h>
#include <asm/tsc.h>
#include <uapi/linux/okvm.h>

#include "arch.h"
#include "coalesced.h"
#include "guest_virt.h"
#include "irqchip/irq_routing.h"
#include "irqchip/irqchip.h"
#include "kvmclock.h"
#include "pv.h"
#include "tsc.h"
#include "x86.h"
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
/* The nested page tables are always a TDP MMU (src/mmu/): no shadow paging. */
static bool tdp_mmu = true;
module_param(tdp_mmu, bool, 0444);
MODULE_PARM_DESC(tdp_mmu, "The TDP MMU is in use (always)");
/*
 * Huge mappings are split when a slot starts dirty logging, or as
 * KVM_CLEAR_DIRTY_LOG clears their pages with KVM_DIRTY_LOG_INITIALLY_SET
 * (src/dirty.c). KVM can instead write-protect a huge leaf and split it at
 * the write fault; okvm has no such mode, so this states what it does.
 */
static bool eager_page_split = true;
module_param(eager_page_split, bool, 0444);
MODULE_PARM_DESC(eager_page_split, "Huge pages are split when dirty logging needs 4K (always)");

int okvm_arch_init(void)
{
	int r;

	okvm_xsave_setup();
	r = okvm_x86_vendor_init(&okvm_svm_ops);
	if (r)
		return r;
	return okvm_x86_ops.hardware_setup();
}

void okvm_arch_exit(void)
{
	okvm_x86_ops.hardware_unsetup();
}

/*
 * One row of an ioctl table: the ioctl and the handler that owns it. A
 * handler sees only its own ioctls, so none probes and passes on.
 */
struct okvm_dev_ioctl {
	unsigned int ioctl;
	long (*fn)(unsigned int ioctl, void __user *argp);
};

struct okvm_vm_ioctl {
	unsigned int ioctl;
	long (*fn)(struct okvm_vm *vm, unsigned int ioctl, void __user *argp);
};

struct okvm_vcpu_ioctl {
	unsigned int ioctl;
	long (*fn)(struct okvm_vcpu *vcpu, unsigned int ioctl,
		   void __user *argp);
};

#define OKVM_IOCTL(nr, handler)	{ .ioctl = nr, .fn = handler }

/* Look @ioctl up in @table (an array of rows with an .ioctl member). */
#define okvm_ioctl_find(table, nr)					\
({									\
	typeof(&(table)[0]) __row = NULL;				\
	unsigned int __i;						\
									\
	for (__i = 0; __i < ARRAY_SIZE(table); __i++) {			\
		if ((table)[__i].ioctl == (nr)) {			\
			__row = &(table)[__i];				\
			break;						\
		}							\
	}								\
	__row;								\
})

/* --- the system fd ------------------------------------------------------------- */

static const struct okvm_dev_ioctl okvm_dev_ioctls[] = {
	OKVM_IOCTL(KVM_GET_SUPPORTED_CPUID, okvm_cpuid_dev_ioctl),
	OKVM_IOCTL(KVM_GET_MSR_INDEX_LIST, okvm_msr_dev_ioctl),
	OKVM_IOCTL(KVM_GET_MSR_FEATURE_INDEX_LIST, okvm_msr_dev_ioctl),
	OKVM_IOCTL(KVM_GET_MSRS, okvm_msr_dev_ioctl),
	OKVM_IOCTL(KVM_X86_GET_MCE_CAP_SUPPORTED, okvm_mce_dev_ioctl),
};

long okvm_arch_dev_ioctl(unsigned int ioctl, unsigned long arg)
{
	const struct okvm_dev_ioctl *row = okvm_ioctl_find(okvm_dev_ioctls, ioctl);

	return row ? row->fn(ioctl, (void __user *)arg) : -EINVAL;
}

/*
 * GPA bits a guest of any VM can use: the host's width (as KVM with NPT:
 * a guest cannot produce a wider GPA) within what the nested tables map.
 */
static unsigned int guest_gpa_bits(void)
{
	unsigned int fmt_bits = ilog2(okvm_pt_fmt_gfns(&okvm_fmt_npt4)) +
				PAGE_SHIFT;

	return min_t(unsigned int, okvm_host_maxphyaddr(), fmt_bits);
}

/*
 * The shared bit of an OKVM_X86_SHARED_BIT_VM_TYPE() VM, as a GFN bit.
 * Return: 0 if @type is no such type or its bit is out of range.
 */
static u64 shared_bit_type_gfn_bits(unsigned long type)
{
	unsigned int bit = type & 0xff;

	if ((type & ~0xffUL) != OKVM_X86_SHARED_BIT_VM ||
	    bit < OKVM_X86_SHARED_BIT_MIN || bit >= guest_gpa_bits())
		return 0;
	return BIT_ULL(bit - PAGE_SHIFT);
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
	case KVM_CAP_USER_NMI:
	case KVM_CAP_EXCEPTION_PAYLOAD:
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
	case KVM_CAP_HLT:			/* KVM_EXIT_HLT, or a wait */
	case KVM_CAP_SYNC_MMU:			/* notifier.c: nothing pinned */
	case KVM_CAP_INTERNAL_ERROR_DATA:	/* insn.c fills ndata */
	case KVM_CAP_ENFORCE_PV_FEATURE_CPUID:
	case KVM_CAP_SET_TSS_ADDR:
	case KVM_CAP_SET_IDENTITY_MAP_ADDR:
		return 1;
	case KVM_CAP_SPLIT_IRQCHIP:
	case KVM_CAP_PIT:			/* irqchip/pit_vm.c */
	case KVM_CAP_PIT2:
	case KVM_CAP_PIT_STATE2:
	case KVM_CAP_REINJECT_CONTROL:
		return 1;
	case KVM_CAP_MCE:			/* mce.c: the most banks */
		return OKVM_MCE_MAX_BANKS;
	case KVM_CAP_DISABLE_QUIRKS2:
		return OKVM_SUPPORTED_QUIRKS;
	case KVM_CAP_X86_DISABLE_EXITS:
		return OKVM_DISABLE_EXITS;
	case KVM_CAP_ADJUST_CLOCK:
		return OKVM_CLOCK_FLAGS;
	case KVM_CAP_VM_TYPES:
		return BIT(KVM_X86_DEFAULT_VM) | BIT(KVM_X86_SW_PROTECTED_VM);
	case OKVM_CAP_X86_SHARED_BIT_VM:
		return guest_gpa_bits();
	/* KVM_EXIT_MEMORY_FAULT for private faults that cannot be served. */
	case KVM_CAP_MEMORY_FAULT_INFO:
		return 1;
	case KVM_CAP_EXIT_HYPERCALL:
		return OKVM_EXIT_HYPERCALL_VALID;
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
	/*
	 * A software-protected VM has private memory (guest_memfd, memory
	 * attributes) that only software keeps from the host: its private
	 * GFNs go through the MMU's mirror root.  okvm's shared-bit VM adds
	 * TDX's layout to it: the GPA's shared bit, not the attribute, says
	 * which kind an access is, and shared memory sits above the bit
	 * (the MMU's direct bits).  SEV and TDX types need hardware okvm
	 * does not drive.
	 */
	vm->gfn_shared_bits = shared_bit_type_gfn_bits(type);
	if (type != KVM_X86_DEFAULT_VM && type != KVM_X86_SW_PROTECTED_VM &&
	    !vm->gfn_shared_bits)
		return -EINVAL;
	vm->has_private_mem = type != KVM_X86_DEFAULT_VM;
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
	case KVM_CAP_SPLIT_IRQCHIP:
		return okvm_irqchip_enable_split(vm, cap->args[0]);
	case KVM_CAP_EXIT_ON_EMULATION_FAILURE:
		if (cap->args[0] & ~1ULL)
			return -EINVAL;
		WRITE_ONCE(vm->arch.exit_on_emulation_error, cap->args[0]);
		return 0;
	case KVM_CAP_EXCEPTION_PAYLOAD:
		/* As KVM: a one-way switch, no lock, read at each use. */
		WRITE_ONCE(vm->arch.exception_payload, cap->args[0]);
		return 0;
	case KVM_CAP_MSR_PLATFORM_INFO:
	case KVM_CAP_X86_USER_SPACE_MSR:
		return okvm_msr_vm_enable_cap(vm, cap);
	case KVM_CAP_DISABLE_QUIRKS2:
	case KVM_CAP_X86_DISABLE_EXITS:
	case KVM_CAP_EXIT_HYPERCALL:
		return okvm_pv_vm_enable_cap(vm, cap);
	default:
		return -EINVAL;
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

static long vm_get_tsc_khz(struct okvm_vm *vm, unsigned int ioctl,
			   void __user *argp)
{
	/* The frequency new vCPUs get: the host's (no TSC scaling). */
	return tsc_khz ? tsc_khz : -EIO;
}

static long vm_set_boot_cpu_id(struct okvm_vm *vm, unsigned int ioctl,
			       void __user *argp)
{
	return okvm_set_boot_cpu_id(vm, (unsigned long)argp);
}

/*
 * KVM_SET_TSS_ADDR: three pages below 4 GiB, as KVM checks; what the
 * backend does with them is its own (SVM: nothing).
 */
static long vm_set_tss_addr(struct okvm_vm *vm, unsigned int ioctl,
			    void __user *argp)
{
	unsigned long addr = (unsigned long)argp;
	long r;

	if (addr > (unsigned int)(-3 * PAGE_SIZE))
		return -EINVAL;
	mutex_lock(&vm->lock);
	r = okvm_x86_ops.set_tss_addr(vm, addr);
	mutex_unlock(&vm->lock);
	return r;
}

/* KVM_SET_IDENTITY_MAP_ADDR: before the first vCPU only, as in KVM. */
static long vm_set_identity_map_addr(struct okvm_vm *vm, unsigned int ioctl,
				     void __user *argp)
{
	u64 addr;
	long r;

	mutex_lock(&vm->lock);
	if (vm->created_vcpus)
		r = -EINVAL;
	else if (copy_from_user(&addr, argp, sizeof(addr)))
		r = -EFAULT;
	else
		r = okvm_x86_ops.set_identity_map_addr(vm, addr);
	mutex_unlock(&vm->lock);
	return r;
}

static long vm_set_nr_mmu_pages(struct okvm_vm *vm, unsigned int ioctl,
				void __user *argp)
{
	unsigned long arg = (unsigned long)argp;

	if (arg < OKVM_MIN_MMU_PAGES)
		return -EINVAL;
	mutex_lock(&vm->slots_lock);
	vm->arch.n_requested_mmu_pages = arg;
	mutex_unlock(&vm->slots_lock);
	return 0;
}

static long vm_get_nr_mmu_pages(struct okvm_vm *vm, unsigned int ioctl,
				void __user *argp)
{
	return okvm_get_nr_mmu_pages(vm);
}

static const struct okvm_vm_ioctl okvm_vm_ioctls[] = {
	OKVM_IOCTL(KVM_GET_TSC_KHZ, vm_get_tsc_khz),
	OKVM_IOCTL(KVM_SET_BOOT_CPU_ID, vm_set_boot_cpu_id),
	OKVM_IOCTL(KVM_SET_TSS_ADDR, vm_set_tss_addr),
	OKVM_IOCTL(KVM_SET_IDENTITY_MAP_ADDR, vm_set_identity_map_addr),
	OKVM_IOCTL(KVM_SET_NR_MMU_PAGES, vm_set_nr_mmu_pages),
	OKVM_IOCTL(KVM_GET_NR_MMU_PAGES, vm_get_nr_mmu_pages),
	OKVM_IOCTL(KVM_REGISTER_COALESCED_MMIO, okvm_coalesced_vm_ioctl),
	OKVM_IOCTL(KVM_UNREGISTER_COALESCED_MMIO, okvm_coalesced_vm_ioctl),
	OKVM_IOCTL(KVM_X86_SET_MSR_FILTER, okvm_msr_vm_ioctl),
	OKVM_IOCTL(KVM_GET_CLOCK, okvm_kvmclock_vm_ioctl),
	OKVM_IOCTL(KVM_SET_CLOCK, okvm_kvmclock_vm_ioctl),
	OKVM_IOCTL(KVM_CREATE_IRQCHIP, okvm_irqchip_vm_ioctl),
	OKVM_IOCTL(KVM_SET_GSI_ROUTING, okvm_irqchip_vm_ioctl),
	OKVM_IOCTL(KVM_IRQ_LINE, okvm_irqchip_vm_ioctl),
	OKVM_IOCTL(KVM_IRQ_LINE_STATUS, okvm_irqchip_vm_ioctl),
	OKVM_IOCTL(KVM_GET_IRQCHIP, okvm_irqchip_vm_ioctl),
	OKVM_IOCTL(KVM_SET_IRQCHIP, okvm_irqchip_vm_ioctl),
	OKVM_IOCTL(KVM_SIGNAL_MSI, okvm_irqchip_vm_ioctl),
	OKVM_IOCTL(KVM_CREATE_PIT, okvm_pit_vm_ioctl),
	OKVM_IOCTL(KVM_CREATE_PIT2, okvm_pit_vm_ioctl),
	OKVM_IOCTL(KVM_GET_PIT, okvm_pit_vm_ioctl),
	OKVM_IOCTL(KVM_SET_PIT, okvm_pit_vm_ioctl),
	OKVM_IOCTL(KVM_GET_PIT2, okvm_pit_vm_ioctl),
	OKVM_IOCTL(KVM_SET_PIT2, okvm_pit_vm_ioctl),
	OKVM_IOCTL(KVM_REINJECT_CONTROL, okvm_pit_vm_ioctl),
};

long okvm_arch_vm_ioctl(struct okvm_vm *vm, unsigned int ioctl,
			unsigned long arg)
{
	const struct okvm_vm_ioctl *row = okvm_ioctl_find(okvm_vm_ioctls, ioctl);

	return row ? row->fn(vm, ioctl, (void __user *)arg) : -ENOTTY;
}

const struct okvm_pt_fmt *okvm_arch_mmu_fmt(struct okvm_vm *vm)
{
	/* 4-level NPT: guest-physical addresses up to 48 bits. */
	return &okvm_fmt_npt4;
}

u64 okvm_arch_max_gfn(struct okvm_vm *vm)
{
	return (1ULL << (guest_gpa_bits() - PAGE_SHIFT)) - 1;
}

void okvm_arch_flush_remote_tlbs(struct okvm_vm *vm)
{
	okvm_x86_flush_remote_tlbs(vm);
}

struct page *okvm_arch_vcpu_mmap_page(struct okvm_vcpu *vcpu, pgoff_t pgoff)
{
	if (pgoff == KVM_COALESCED_MMIO_PAGE_OFFSET)
		return okvm_coalesced_ring_page(vcpu->vm);
	return pgoff == KVM_PIO_PAGE_OFFSET ? vcpu->arch.pio_page : NULL;
}

/*
 * The FPU state and the PIO page (the second page of the vCPU mapping).
 * okvm_live_pages counts the FPU state, which the kernel allocates, as
 * one page: it is there to show that every vCPU gave its state back.
 */
static int vcpu_alloc(struct okvm_vcpu *vcpu)
{
	struct page *pio;
	int r;

	pio = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!pio)
		return -ENOMEM;
	r = okvm_fpu_alloc(vcpu);
	if (r) {
		__free_page(pio);
		return r;
	}
	atomic_long_add(2, &okvm_live_pages);
	vcpu->arch.pio_page = pio;
	vcpu->arch.mode = OKVM_OUTSIDE_GUEST_MODE;
	vcpu->arch.cpu = -1;
	return 0;
}

static void vcpu_free(struct okvm_vcpu *vcpu)
{
	__free_page(vcpu->arch.pio_page);
	okvm_fpu_free(vcpu);
	atomic_long_sub(2, &okvm_live_pages);
}

int okvm_arch_vcpu_create(struct okvm_vcpu *vcpu)
{
	int r;

	vcpu->arch.tsc_khz = tsc_khz;
	r = vcpu_alloc(vcpu);
	if (r)
		return r;
	r = okvm_x86_ops.vcpu_create(vcpu);
	if (r)
		goto err_free;
	okvm_vcpu_reset(vcpu, false);
	r = okvm_irqchip_vcpu_init(vcpu);
	if (r)
		goto err_vendor;
	okvm_msr_vcpu_init(vcpu);
	/* Last: the VM's TSC history records only vCPUs that exist. */
	okvm_tsc_vcpu_init(vcpu);
	return 0;

err_vendor:
	okvm_x86_ops.vcpu_free(vcpu);
err_free:
	vcpu_free(vcpu);
	return r;
}

void okvm_arch_vcpu_destroy(struct okvm_vcpu *vcpu)
{
	okvm_irqchip_vcpu_free(vcpu);
	okvm_x86_ops.vcpu_free(vcpu);
	vcpu_free(vcpu);
	kvfree(vcpu->arch.cpuid);
}

static long vcpu_get_tsc_khz(struct okvm_vcpu *vcpu, unsigned int ioctl,
			     void __user *argp)
{
	return vcpu->arch.tsc_khz ? vcpu->arch.tsc_khz : -EIO;
}

static long vcpu_enable_cap(struct okvm_vcpu *vcpu, unsigned int ioctl,
			    void __user *argp)
{
	struct kvm_enable_cap cap;

	if (copy_from_user(&cap, argp, sizeof(cap)))
		return -EFAULT;
	return okvm_pv_vcpu_enable_cap(vcpu, &cap);
}

/* Every x86 vCPU ioctl and its home; the core handles KVM_RUN and the rest. */
static const struct okvm_vcpu_ioctl okvm_vcpu_ioctls[] = {
	OKVM_IOCTL(KVM_GET_REGS, okvm_regs_ioctl),
	OKVM_IOCTL(KVM_SET_REGS, okvm_regs_ioctl),
	OKVM_IOCTL(KVM_GET_SREGS, okvm_regs_ioctl),
	OKVM_IOCTL(KVM_SET_SREGS, okvm_regs_ioctl),
	OKVM_IOCTL(KVM_GET_FPU, okvm_regs_ioctl),
	OKVM_IOCTL(KVM_SET_FPU, okvm_regs_ioctl),
	OKVM_IOCTL(KVM_GET_DEBUGREGS, okvm_regs_ioctl),
	OKVM_IOCTL(KVM_SET_DEBUGREGS, okvm_regs_ioctl),
	OKVM_IOCTL(KVM_GET_XSAVE, okvm_xsave_vcpu_ioctl),
	OKVM_IOCTL(KVM_GET_XSAVE2, okvm_xsave_vcpu_ioctl),
	OKVM_IOCTL(KVM_SET_XSAVE, okvm_xsave_vcpu_ioctl),
	OKVM_IOCTL(KVM_GET_XCRS, okvm_xsave_vcpu_ioctl),
	OKVM_IOCTL(KVM_SET_XCRS, okvm_xsave_vcpu_ioctl),
	OKVM_IOCTL(KVM_SET_CPUID2, okvm_cpuid_vcpu_ioctl),
	OKVM_IOCTL(KVM_X86_SETUP_MCE, okvm_mce_vcpu_ioctl),
	OKVM_IOCTL(KVM_X86_SET_MCE, okvm_mce_vcpu_ioctl),
	OKVM_IOCTL(KVM_GET_CPUID2, okvm_cpuid_vcpu_ioctl),
	OKVM_IOCTL(KVM_GET_MSRS, okvm_msr_vcpu_ioctl),
	OKVM_IOCTL(KVM_SET_MSRS, okvm_msr_vcpu_ioctl),
	OKVM_IOCTL(KVM_GET_VCPU_EVENTS, okvm_events_ioctl),
	OKVM_IOCTL(KVM_SET_VCPU_EVENTS, okvm_events_ioctl),
	OKVM_IOCTL(KVM_NMI, okvm_events_ioctl),
	OKVM_IOCTL(KVM_INTERRUPT, okvm_events_ioctl),
	OKVM_IOCTL(KVM_GET_MP_STATE, okvm_irqchip_vcpu_ioctl),
	OKVM_IOCTL(KVM_SET_MP_STATE, okvm_irqchip_vcpu_ioctl),
	OKVM_IOCTL(KVM_GET_LAPIC, okvm_irqchip_vcpu_ioctl),
	OKVM_IOCTL(KVM_SET_LAPIC, okvm_irqchip_vcpu_ioctl),
	OKVM_IOCTL(KVM_SET_VAPIC_ADDR, okvm_irqchip_vcpu_ioctl),
	OKVM_IOCTL(KVM_GET_TSC_KHZ, vcpu_get_tsc_khz),
	OKVM_IOCTL(KVM_HAS_DEVICE_ATTR, okvm_tsc_attr_ioctl),
	OKVM_IOCTL(KVM_GET_DEVICE_ATTR, okvm_tsc_attr_ioctl),
	OKVM_IOCTL(KVM_SET_DEVICE_ATTR, okvm_tsc_attr_ioctl),
	OKVM_IOCTL(KVM_ENABLE_CAP, vcpu_enable_cap),
	OKVM_IOCTL(KVM_TRANSLATE, okvm_translate),
};

long okvm_arch_vcpu_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
			  unsigned long arg)
{
	const struct okvm_vcpu_ioctl *row;

	row = okvm_ioctl_find(okvm_vcpu_ioctls, ioctl);
	return row ? row->fn(vcpu, ioctl, (void __user *)arg) : -EINVAL;
}
