// SPDX-License-Identifier: GPL-2.0-only
/*
 * x86 vCPU state as KVM's ioctls see it: GPRs, segments and control
 * registers, the FPU, MSRs and the guest CPUID table.
 *
 * State lives where the hardware wants it: RAX, RSP, RIP, RFLAGS, segments
 * and control registers in the VMCB, the other GPRs in vcpu->arch.regs
 * (RAX and RSP are mirrored there around VMRUN), x87/SSE/AVX in the XSAVE
 * image that okvm_svm_enter() swaps in.
 */
#include <linux/kvm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/kvm_para.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "kvmclock.h"
#include "msr.h"
#include "pv.h"
#include "svm.h"
#include "tsc.h"
#include "xsave.h"

/* --- segments -------------------------------------------------------------- */

static void seg_to_kvm(const struct vmcb_seg *s, struct kvm_segment *k)
{
	memset(k, 0, sizeof(*k));
	k->base = s->base;
	k->limit = s->limit;
	k->selector = s->selector;
	k->type = s->attrib & 0xf;
	k->s = (s->attrib >> 4) & 1;
	k->dpl = (s->attrib >> 5) & 3;
	k->present = (s->attrib >> 7) & 1;
	k->avl = (s->attrib >> 8) & 1;
	k->l = (s->attrib >> 9) & 1;
	k->db = (s->attrib >> 10) & 1;
	k->g = (s->attrib >> 11) & 1;
	k->unusable = !k->present;
}

static void seg_from_kvm(struct vmcb_seg *s, const struct kvm_segment *k)
{
	s->base = k->base;
	s->limit = k->limit;
	s->selector = k->selector;
	/* An unusable segment is not present to the hardware. */
	s->attrib = k->unusable ? 0 :
		    (k->type & 0xf) | (k->s & 1) << 4 | (k->dpl & 3) << 5 |
		    (k->present & 1) << 7 | (k->avl & 1) << 8 |
		    (k->l & 1) << 9 | (k->db & 1) << 10 | (k->g & 1) << 11;
}

/* --- the guest CPUID table ---------------------------------------------- */

void okvm_cpuid_lookup(struct okvm_vcpu *vcpu, u32 fn, u32 idx, u32 *eax,
		       u32 *ebx, u32 *ecx, u32 *edx)
{
	int i;

	for (i = 0; i < vcpu->arch.cpuid_nent; i++) {
		const struct kvm_cpuid_entry2 *e = &vcpu->arch.cpuid[i];

		if (e->function != fn ||
		    ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) && e->index != idx))
			continue;
		*eax = e->eax;
		*ebx = e->ebx;
		*ecx = e->ecx;
		*edx = e->edx;
		return;
	}
	/* A leaf userspace did not define reads as zeros (AMD behaviour). */
	*eax = *ebx = *ecx = *edx = 0;
}

/* What KVM refuses in a CPUID table (kvm_check_cpuid()). */
static bool cpuid_valid(const struct kvm_cpuid_entry2 *e, int nent)
{
	int i;

	for (i = 0; i < nent; i++) {
		u32 vaddr_bits = (e[i].eax >> 8) & 0xff;

		/* Linear address width: 48 or 57 bits, or 0 for "unset". */
		if (e[i].function == 0x80000008 && vaddr_bits &&
		    vaddr_bits != 48 && vaddr_bits != 57)
			return false;
	}
	return true;
}

/* Same entries in the same order; padding is not part of a table. */
static bool cpuid_equal(const struct kvm_cpuid_entry2 *a, int na,
			const struct kvm_cpuid_entry2 *b, int nb)
{
	int i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++) {
		if (a[i].function != b[i].function || a[i].index != b[i].index ||
		    a[i].flags != b[i].flags || a[i].eax != b[i].eax ||
		    a[i].ebx != b[i].ebx || a[i].ecx != b[i].ecx ||
		    a[i].edx != b[i].edx)
			return false;
	}
	return true;
}

static long set_cpuid2(struct okvm_vcpu *vcpu, struct kvm_cpuid2 __user *u)
{
	struct kvm_cpuid_entry2 *e;
	struct kvm_cpuid2 hdr;
	long r = 0;

	if (copy_from_user(&hdr, u, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent > OKVM_MAX_CPUID_ENTRIES)
		return -E2BIG;
	e = hdr.nent ? vmemdup_user(u->entries, hdr.nent * sizeof(*e)) : NULL;
	if (IS_ERR(e))
		return PTR_ERR(e);
	okvm_pv_update_cpuid(vcpu, e, hdr.nent);
	/*
	 * Once the guest ran, its view of the CPU must not change under it:
	 * as KVM, only the identical table is accepted (and changes nothing).
	 */
	if (vcpu->arch.ran) {
		if (!cpuid_equal(e, hdr.nent, vcpu->arch.cpuid,
				 vcpu->arch.cpuid_nent))
			r = -EINVAL;
		kvfree(e);
		return r;
	}
	if (!cpuid_valid(e, hdr.nent)) {
		kvfree(e);
		return -EINVAL;
	}
	kvfree(vcpu->arch.cpuid);
	vcpu->arch.cpuid = e;
	vcpu->arch.cpuid_nent = hdr.nent;
	vcpu->arch.cpuid_set = true;
	okvm_cpuid_runtime_update(vcpu);
	return 0;
}

static long get_cpuid2(struct okvm_vcpu *vcpu, struct kvm_cpuid2 __user *u)
{
	struct kvm_cpuid2 hdr;

	if (copy_from_user(&hdr, u, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent < vcpu->arch.cpuid_nent)
		return -E2BIG;
	if (copy_to_user(u->entries, vcpu->arch.cpuid,
			 vcpu->arch.cpuid_nent * sizeof(*vcpu->arch.cpuid)))
		return -EFAULT;
	hdr.nent = vcpu->arch.cpuid_nent;
	return copy_to_user(u, &hdr, sizeof(hdr)) ? -EFAULT : 0;
}

/* --- MSRs ----------------------------------------------------------------- */

static const u32 okvm_msrs[] = {
	MSR_EFER, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
	MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_TSC_AUX,
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_IA32_CR_PAT, MSR_IA32_TSC, MSR_IA32_MISC_ENABLE, MSR_IA32_APICBASE,
	MSR_K7_HWCR, MSR_IA32_TSC_ADJUST, MSR_PLATFORM_INFO, MSR_IA32_POWER_CTL,
	MSR_IA32_UCODE_REV,
	MSR_KVM_SYSTEM_TIME, MSR_KVM_WALL_CLOCK, MSR_KVM_SYSTEM_TIME_NEW,
	MSR_KVM_WALL_CLOCK_NEW, MSR_KVM_STEAL_TIME,
};

/*
 * HWCR: McStatusWrEn (18) and TscFreqSel (24) are kept; TLB-cache disable
 * (3), flush-filter disable (6) and IGNNE emulation (8) are accepted and
 * read back as 0, as KVM does; anything else is refused.
 */
#define HWCR_VALID	(BIT_ULL(18) | BIT_ULL(24))
#define HWCR_IGNORED	(BIT_ULL(3) | BIT_ULL(6) | BIT_ULL(8))

/* EFER bits a guest may own: SYSCALL, long mode, NX. LMA is the CPU's. */
#define OKVM_EFER_VALID	(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX)

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

/**
 * okvm_msr_get() - read an MSR as the guest (RDMSR) or userspace sees it
 * @vcpu: the vCPU
 * @index: MSR number
 * @data: the value
 * @host: the access comes from KVM_GET_MSRS
 *
 * Return: 0, 1 for an access the CPU would refuse, or OKVM_MSR_UNSUPPORTED
 * for an MSR okvm does not implement (either is a #GP for a guest).
 */
int okvm_msr_get(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	struct vmcb_save_area *s = &vcpu->arch.vmcb->save;
	int r;

	r = okvm_irqchip_msr(vcpu, index, data, false, host);
	if (r == -ENOENT)
		r = okvm_tsc_msr(vcpu, index, data, false, host);
	if (r == -ENOENT)
		r = okvm_msr_ext(vcpu, index, data, false, host);
	if (r != -ENOENT)
		return r;

	switch (index) {
	case MSR_EFER:
		*data = s->efer & ~EFER_SVME;
		break;
	case MSR_STAR:
		*data = s->star;
		break;
	case MSR_LSTAR:
		*data = s->lstar;
		break;
	case MSR_CSTAR:
		*data = s->cstar;
		break;
	case MSR_SYSCALL_MASK:
		*data = s->sfmask;
		break;
	case MSR_FS_BASE:
		*data = s->fs.base;
		break;
	case MSR_GS_BASE:
		*data = s->gs.base;
		break;
	case MSR_KERNEL_GS_BASE:
		*data = s->kernel_gs_base;
		break;
	case MSR_TSC_AUX:
		*data = vcpu->arch.tsc_aux;
		break;
	case MSR_IA32_SYSENTER_CS:
		*data = s->sysenter_cs;
		break;
	case MSR_IA32_SYSENTER_ESP:
		*data = s->sysenter_esp;
		break;
	case MSR_IA32_SYSENTER_EIP:
		*data = s->sysenter_eip;
		break;
	case MSR_IA32_CR_PAT:
		*data = s->g_pat;
		break;
	case MSR_IA32_MISC_ENABLE:
		*data = vcpu->arch.misc_enable;
		break;
	case MSR_IA32_APICBASE:
		*data = vcpu->arch.apic_base;
		break;
	case MSR_K7_HWCR:
		*data = vcpu->arch.hwcr;
		break;
	default:
		return okvm_kvmclock_msr_get(vcpu, index, data, host);
	}
	return 0;
}

/**
 * okvm_msr_set() - write an MSR as the guest (WRMSR) or userspace does
 * @vcpu: the vCPU
 * @index: MSR number
 * @data: the value
 * @host: the access comes from KVM_SET_MSRS
 *
 * Return: 0, 1 for an invalid value, or OKVM_MSR_UNSUPPORTED for an MSR okvm
 * does not implement (either is a #GP for a guest).
 */
int okvm_msr_set(struct okvm_vcpu *vcpu, u32 index, u64 data, bool host)
{
	struct vmcb_save_area *s = &vcpu->arch.vmcb->save;
	int r;

	r = okvm_irqchip_msr(vcpu, index, &data, true, host);
	if (r == -ENOENT)
		r = okvm_tsc_msr(vcpu, index, &data, true, host);
	if (r == -ENOENT)
		r = okvm_msr_ext(vcpu, index, &data, true, host);
	if (r != -ENOENT)
		return r;

	switch (index) {
	case MSR_EFER:
		if (data & ~OKVM_EFER_VALID)
			return 1;
		/* LME cannot change while paging is on. */
		if (!host && (s->cr0 & X86_CR0_PG) &&
		    ((data ^ s->efer) & EFER_LME))
			return 1;
		/*
		 * LMA is the CPU's, also for KVM_SET_MSRS (as KVM's set_efer()):
		 * only KVM_SET_SREGS, which checks CR0/CR4 with it, sets it.
		 * LMA without CR4.PAE would be a paging mode no walk can use.
		 */
		data = (data & ~EFER_LMA) | (s->efer & EFER_LMA);
		if ((s->efer ^ data) & (EFER_NX | EFER_LME | EFER_LMA))
			vcpu->arch.asid_gen = 0;	/* fresh ASID, no stale TLB */
		s->efer = data | EFER_SVME;
		break;
	case MSR_STAR:
		s->star = data;
		break;
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		if (!okvm_is_canonical(data))
			return 1;
		if (index == MSR_LSTAR)
			s->lstar = data;
		else if (index == MSR_CSTAR)
			s->cstar = data;
		else if (index == MSR_FS_BASE)
			s->fs.base = data;
		else if (index == MSR_GS_BASE)
			s->gs.base = data;
		else if (index == MSR_KERNEL_GS_BASE)
			s->kernel_gs_base = data;
		else if (index == MSR_IA32_SYSENTER_ESP)
			s->sysenter_esp = data;
		else
			s->sysenter_eip = data;
		break;
	case MSR_SYSCALL_MASK:
		s->sfmask = (u32)data;
		break;
	case MSR_TSC_AUX:
		if (data >> 32)
			return 1;
		vcpu->arch.tsc_aux = data;
		break;
	case MSR_IA32_SYSENTER_CS:
		s->sysenter_cs = data & 0xffff;
		break;
	case MSR_IA32_CR_PAT:
		if (!pat_valid(data))
			return 1;
		s->g_pat = data;
		break;
	case MSR_IA32_MISC_ENABLE:
		vcpu->arch.misc_enable = data;
		break;
	case MSR_IA32_APICBASE:
		/* No in-kernel APIC yet: keep the value, only BSP/EN/base bits. */
		if (data & ~(MSR_IA32_APICBASE_BSP | MSR_IA32_APICBASE_ENABLE |
			     MSR_IA32_APICBASE_BASE))
			return 1;
		vcpu->arch.apic_base = data;
		break;
	case MSR_K7_HWCR:
		if (data & ~(HWCR_VALID | HWCR_IGNORED))
			return 1;
		vcpu->arch.hwcr = data & HWCR_VALID;
		break;
	default:
		return okvm_kvmclock_msr_set(vcpu, index, data, host);
	}
	return 0;
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
long okvm_msrs_loop(struct kvm_msrs __user *u, bool copy_back,
		    int (*one)(void *ctx, struct kvm_msr_entry *e), void *ctx)
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

static int vcpu_msr_get(void *vcpu, struct kvm_msr_entry *e)
{
	return okvm_msr_get(vcpu, e->index, &e->data, true);
}

static int vcpu_msr_set(void *vcpu, struct kvm_msr_entry *e)
{
	return okvm_msr_set(vcpu, e->index, e->data, true);
}

/**
 * okvm_get_msr_index_list() - KVM_GET_MSR_INDEX_LIST
 * @argp: struct kvm_msr_list from userspace
 *
 * Return: 0; -E2BIG with nmsrs set to the count if the list is too short.
 */
long okvm_get_msr_index_list(void __user *argp)
{
	struct kvm_msr_list __user *u = argp;
	struct kvm_msr_list hdr;
	u32 n = ARRAY_SIZE(okvm_msrs);

	if (copy_from_user(&hdr, u, sizeof(hdr)))
		return -EFAULT;
	if (put_user(n, &u->nmsrs))
		return -EFAULT;
	if (hdr.nmsrs < n)
		return -E2BIG;
	return copy_to_user(u->indices, okvm_msrs, sizeof(okvm_msrs)) ? -EFAULT : 0;
}

/* --- GPRs, special registers, FPU ------------------------------------------ */

void okvm_get_regs(struct okvm_vcpu *vcpu, struct kvm_regs *k)
{
	const unsigned long *r = vcpu->arch.regs;

	*k = (struct kvm_regs) {
		.rax = r[OKVM_RAX], .rbx = r[OKVM_RBX], .rcx = r[OKVM_RCX],
		.rdx = r[OKVM_RDX], .rsi = r[OKVM_RSI], .rdi = r[OKVM_RDI],
		.rsp = r[OKVM_RSP], .rbp = r[OKVM_RBP],
		.r8 = r[OKVM_R8], .r9 = r[OKVM_R9], .r10 = r[OKVM_R10],
		.r11 = r[OKVM_R11], .r12 = r[OKVM_R12], .r13 = r[OKVM_R13],
		.r14 = r[OKVM_R14], .r15 = r[OKVM_R15],
		.rip = vcpu->arch.vmcb->save.rip,
		.rflags = vcpu->arch.vmcb->save.rflags,
	};
}

void okvm_set_regs(struct okvm_vcpu *vcpu, const struct kvm_regs *k)
{
	unsigned long *r = vcpu->arch.regs;

	r[OKVM_RAX] = k->rax; r[OKVM_RBX] = k->rbx; r[OKVM_RCX] = k->rcx;
	r[OKVM_RDX] = k->rdx; r[OKVM_RSI] = k->rsi; r[OKVM_RDI] = k->rdi;
	r[OKVM_RSP] = k->rsp; r[OKVM_RBP] = k->rbp;
	r[OKVM_R8] = k->r8; r[OKVM_R9] = k->r9; r[OKVM_R10] = k->r10;
	r[OKVM_R11] = k->r11; r[OKVM_R12] = k->r12; r[OKVM_R13] = k->r13;
	r[OKVM_R14] = k->r14; r[OKVM_R15] = k->r15;
	vcpu->arch.vmcb->save.rip = k->rip;
	/* Bit 1 is always set; KVM forces it the same way. */
	vcpu->arch.vmcb->save.rflags = k->rflags | X86_EFLAGS_FIXED;
}

void okvm_get_sregs(struct okvm_vcpu *vcpu, struct kvm_sregs *k)
{
	const struct vmcb_save_area *s = &vcpu->arch.vmcb->save;

	memset(k, 0, sizeof(*k));
	seg_to_kvm(&s->cs, &k->cs);
	seg_to_kvm(&s->ds, &k->ds);
	seg_to_kvm(&s->es, &k->es);
	seg_to_kvm(&s->fs, &k->fs);
	seg_to_kvm(&s->gs, &k->gs);
	seg_to_kvm(&s->ss, &k->ss);
	seg_to_kvm(&s->tr, &k->tr);
	seg_to_kvm(&s->ldtr, &k->ldt);
	/* TR and LDTR are never "unusable" in KVM's view unless absent. */
	k->gdt.base = s->gdtr.base;
	k->gdt.limit = s->gdtr.limit;
	k->idt.base = s->idtr.base;
	k->idt.limit = s->idtr.limit;
	k->cr0 = s->cr0;
	k->cr2 = s->cr2;
	k->cr3 = s->cr3;
	k->cr4 = s->cr4;
	k->cr8 = vcpu->arch.vmcb->control.int_ctl & V_TPR_MASK;
	k->efer = s->efer & ~EFER_SVME;
	if (okvm_irqchip_msr(vcpu, MSR_IA32_APICBASE, &k->apic_base, false, true))
		k->apic_base = vcpu->arch.apic_base;
}

/*
 * CR4 bits okvm lets any guest set (no PKE, CET, LA57, PCIDE offered yet);
 * OSXSAVE comes with XSAVE in the vCPU's CPUID (okvm_xsave_cr4_bits()).
 */
#define OKVM_CR4_VALID (X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD |	\
			X86_CR4_DE | X86_CR4_PSE | X86_CR4_PAE |	\
			X86_CR4_MCE | X86_CR4_PGE | X86_CR4_PCE |	\
			X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT)

/* KVM's kvm_is_valid_cr4(): no reserved bit, none the CPUID lacks. */
bool okvm_cr4_valid(struct okvm_vcpu *vcpu, u64 cr4)
{
	return !(cr4 & ~(OKVM_CR4_VALID | okvm_xsave_cr4_bits(vcpu)));
}

/* KVM's checks for KVM_SET_SREGS: a state the CPU could be in. */
static bool sregs_valid(struct okvm_vcpu *vcpu, const struct kvm_sregs *k)
{
	if (k->cr0 >> 32 || (k->cr0 & X86_CR0_NW && !(k->cr0 & X86_CR0_CD)) ||
	    (k->cr0 & X86_CR0_PG && !(k->cr0 & X86_CR0_PE)))
		return false;
	if (!okvm_cr4_valid(vcpu, k->cr4))
		return false;
	if (k->efer & ~OKVM_EFER_VALID)
		return false;
	if ((k->efer & EFER_LME) && (k->cr0 & X86_CR0_PG)) {
		if (!(k->cr4 & X86_CR4_PAE) || !(k->efer & EFER_LMA))
			return false;
		if (k->cr3 >> boot_cpu_data.x86_phys_bits)
			return false;
	} else if ((k->efer & EFER_LMA) || k->cs.l) {
		return false;
	}
	return true;
}

int okvm_set_sregs(struct okvm_vcpu *vcpu, const struct kvm_sregs *k)
{
	struct vmcb *vmcb = vcpu->arch.vmcb;
	struct vmcb_save_area *s = &vmcb->save;
	u64 apic_base = k->apic_base;
	int i, r;

	if (!sregs_valid(vcpu, k))
		return -EINVAL;
	/* The in-kernel APIC checks and applies the APIC base (mode rules). */
	r = okvm_irqchip_msr(vcpu, MSR_IA32_APICBASE, &apic_base, true, true);
	if (r > 0)
		return -EINVAL;
	/* No in-kernel irqchip: an injected interrupt is not supported yet. */
	for (i = 0; i < ARRAY_SIZE(k->interrupt_bitmap); i++)
		if (k->interrupt_bitmap[i])
			return -EINVAL;

	seg_from_kvm(&s->cs, &k->cs);
	seg_from_kvm(&s->ds, &k->ds);
	seg_from_kvm(&s->es, &k->es);
	seg_from_kvm(&s->fs, &k->fs);
	seg_from_kvm(&s->gs, &k->gs);
	seg_from_kvm(&s->ss, &k->ss);
	seg_from_kvm(&s->tr, &k->tr);
	seg_from_kvm(&s->ldtr, &k->ldt);
	s->gdtr.base = k->gdt.base;
	s->gdtr.limit = k->gdt.limit;
	s->idtr.base = k->idt.base;
	s->idtr.limit = k->idt.limit;
	s->cr0 = k->cr0;
	s->cr2 = k->cr2;
	s->cr3 = k->cr3;
	s->cr4 = k->cr4;
	s->efer = k->efer | EFER_SVME;
	s->cpl = (s->cs.attrib >> 5) & 3;
	vmcb->control.int_ctl = (vmcb->control.int_ctl & ~V_TPR_MASK) |
				(k->cr8 & V_TPR_MASK);
	if (r == -ENOENT)	/* no in-kernel APIC: just keep the value */
		vcpu->arch.apic_base = k->apic_base;
	/* New paging state: no guest translation cached for the ASID may stay. */
	vcpu->arch.asid_gen = 0;
	okvm_cpuid_runtime_update(vcpu);	/* OSXSAVE follows CR4 */
	return 0;
}

/* The legacy region of an FXSAVE/XSAVE image (SDM vol. 1, 10.5.1). */
struct okvm_fxregs {
	u16 fcw, fsw;
	u8 ftw, pad0;
	u16 fop;
	u64 rip, rdp;
	u32 mxcsr, mxcsr_mask;
	u8 st[8][16];
	u8 xmm[16][16];
	u8 pad1[96];
} __packed;

/* XSTATE_BV lives right after the 512-byte legacy region. */
#define XSTATE_BV_OFF	512

/**
 * okvm_fpu_init() - reset a vCPU's FPU image to the power-on state
 * @vcpu: the vCPU
 */
void okvm_fpu_init(struct okvm_vcpu *vcpu)
{
	struct okvm_fxregs *fx = vcpu->arch.fpu;

	memset(vcpu->arch.fpu, 0, vcpu->arch.fpu_size);
	fx->fcw = 0x37f;
	fx->mxcsr = 0x1f80;
	if (vcpu->arch.fpu_size > 512)	/* XSAVE: x87 and SSE are valid */
		*(u64 *)(vcpu->arch.fpu + XSTATE_BV_OFF) = 3;
}

static void get_fpu(struct okvm_vcpu *vcpu, struct kvm_fpu *k)
{
	const struct okvm_fxregs *fx = vcpu->arch.fpu;

	memset(k, 0, sizeof(*k));
	memcpy(k->fpr, fx->st, sizeof(k->fpr));
	k->fcw = fx->fcw;
	k->fsw = fx->fsw;
	k->ftwx = fx->ftw;
	k->last_opcode = fx->fop;
	k->last_ip = fx->rip;
	k->last_dp = fx->rdp;
	memcpy(k->xmm, fx->xmm, sizeof(k->xmm));
	k->mxcsr = fx->mxcsr;
}

static int set_fpu(struct okvm_vcpu *vcpu, const struct kvm_fpu *k)
{
	struct okvm_fxregs *fx = vcpu->arch.fpu;

	/* Reserved MXCSR bits would make XRSTOR fault. */
	if (k->mxcsr & ~okvm_mxcsr_mask)
		return -EINVAL;
	memcpy(fx->st, k->fpr, sizeof(k->fpr));
	fx->fcw = k->fcw;
	fx->fsw = k->fsw;
	fx->ftw = k->ftwx;
	fx->fop = k->last_opcode;
	fx->rip = k->last_ip;
	fx->rdp = k->last_dp;
	memcpy(fx->xmm, k->xmm, sizeof(k->xmm));
	fx->mxcsr = k->mxcsr;
	if (vcpu->arch.fpu_size > 512)
		*(u64 *)(vcpu->arch.fpu + XSTATE_BV_OFF) |= 3;
	return 0;
}

/**
 * okvm_x86_vcpu_state_ioctl() - the vCPU state ioctls
 * @vcpu: the vCPU, its mutex held
 * @ioctl: the ioctl
 * @argp: its argument
 *
 * Return: the ioctl's result, or -ENOIOCTLCMD if it is not a state ioctl.
 */
long okvm_x86_vcpu_state_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
			       void __user *argp)
{
	union {
		struct kvm_regs regs;
		struct kvm_sregs sregs;
		struct kvm_fpu fpu;
	} *u;
	long r;

	switch (ioctl) {
	case KVM_SET_CPUID2:
		return set_cpuid2(vcpu, argp);
	case KVM_GET_CPUID2:
		return get_cpuid2(vcpu, argp);
	case KVM_GET_MSRS:
		return okvm_msrs_loop(argp, true, vcpu_msr_get, vcpu);
	case KVM_SET_MSRS:
		return okvm_msrs_loop(argp, false, vcpu_msr_set, vcpu);
	case KVM_GET_REGS: case KVM_SET_REGS: case KVM_GET_SREGS:
	case KVM_SET_SREGS: case KVM_GET_FPU: case KVM_SET_FPU:
		break;
	default:
		return -ENOIOCTLCMD;
	}

	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;
	r = 0;
	switch (ioctl) {
	case KVM_GET_REGS:
		okvm_get_regs(vcpu, &u->regs);
		if (copy_to_user(argp, &u->regs, sizeof(u->regs)))
			r = -EFAULT;
		break;
	case KVM_SET_REGS:
		if (copy_from_user(&u->regs, argp, sizeof(u->regs)))
			r = -EFAULT;
		else
			okvm_set_regs(vcpu, &u->regs);
		break;
	case KVM_GET_SREGS:
		okvm_get_sregs(vcpu, &u->sregs);
		if (copy_to_user(argp, &u->sregs, sizeof(u->sregs)))
			r = -EFAULT;
		break;
	case KVM_SET_SREGS:
		if (copy_from_user(&u->sregs, argp, sizeof(u->sregs)))
			r = -EFAULT;
		else
			r = okvm_set_sregs(vcpu, &u->sregs);
		break;
	case KVM_GET_FPU:
		get_fpu(vcpu, &u->fpu);
		if (copy_to_user(argp, &u->fpu, sizeof(u->fpu)))
			r = -EFAULT;
		break;
	case KVM_SET_FPU:
		if (copy_from_user(&u->fpu, argp, sizeof(u->fpu)))
			r = -EFAULT;
		else
			r = set_fpu(vcpu, &u->fpu);
		break;
	}
	kfree(u);
	return r;
}
