// SPDX-License-Identifier: GPL-2.0-only
/*
 * AMD SVM, the backend of struct okvm_x86_ops: per-CPU enablement, VMCBs,
 * the world switch, event encoding (EVENTINJ/EXITINTINFO) and NMI blocking.
 * Exits are decoded in exit.c.
 *
 * okvm owns SVM on every online CPU from module load to unload (EFER.SVME
 * and the host save area). If SVM is already enabled on a CPU, someone else
 * (in-tree kvm_amd) owns it and okvm refuses to load: two hypervisors
 * sharing VM_HSAVE_PA cannot both be right.
 *
 * The test CPU (QEMU TCG, EPYC) has neither decode assists nor next-RIP
 * saving, so instruction lengths are computed here, never taken from the
 * VMCB.
 */
#include <linux/cpu.h>
#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/reboot.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/syscore_ops.h>
#include <asm/debugreg.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/mce.h>
#include <asm/msr.h>
#include <asm/processor.h>

#include "svm.h"
#include "xsave.h"

/* Architectural reset values of DR6 and DR7. */
/* VM_CR.SVMDIS: firmware turned SVM off (APM vol. 2, 15.30.1). */
#define OKVM_VM_CR_SVMDIS	BIT_ULL(4)

static __always_inline void clgi(void)
{
	asm volatile("clgi" : : : "memory");
}

static __always_inline void stgi(void)
{
	asm volatile("stgi" : : : "memory");
}

struct okvm_svm_cpu {
	struct page *hsave;		/* MSR_VM_HSAVE_PA: VMRUN's host state */
	struct page *host_save;		/* VMSAVE/VMLOAD area for the host */
	bool enabled;
	/* Linux sets TSC_AUX once per CPU at bring-up; read it once here. */
	u64 host_tsc_aux;
	u64 asid_gen;
	u32 next_asid;
	/* The VMCB that last ran here, for the IBPB between guests. */
	struct vmcb *current_vmcb;
};

static DEFINE_PER_CPU(struct okvm_svm_cpu, okvm_svm_cpu);
static enum cpuhp_state okvm_svm_hp_state;
static u32 okvm_max_asid;
static bool okvm_has_tsc_aux;	/* RDTSCP or RDPID: TSC_AUX is visible */
static bool okvm_has_pkru;	/* the host uses protection keys */
static u8 okvm_maxphyaddr;	/* okvm_host_maxphyaddr(), read once */

/* Intercept every port and every MSR: okvm emulates what it supports. */
static void *okvm_iopm, *okvm_msrpm;
#define IOPM_ORDER	2	/* 12 KiB used */
#define MSRPM_ORDER	1	/* 8 KiB used */

static void okvm_svm_disable_this_cpu(void *unused)
{
	struct okvm_svm_cpu *sd = this_cpu_ptr(&okvm_svm_cpu);
	u64 efer;

	if (!sd->enabled)
		return;
	rdmsrl(MSR_EFER, efer);
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
	wrmsrl(MSR_VM_HSAVE_PA, 0);
	sd->enabled = false;
}

static int okvm_svm_enable_this_cpu(void)
{
	struct okvm_svm_cpu *sd = this_cpu_ptr(&okvm_svm_cpu);
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME) {
		pr_err("SVM is already enabled on CPU %d: another hypervisor (kvm_amd?) owns it\n",
		       smp_processor_id());
		return -EBUSY;
	}
	wrmsrl(MSR_VM_HSAVE_PA, page_to_phys(sd->hsave));
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	if (okvm_has_tsc_aux)
		rdmsrl(MSR_TSC_AUX, sd->host_tsc_aux);
	sd->enabled = true;
	/* ASIDs handed out before are unknown to this enablement: renew all. */
	sd->asid_gen++;
	sd->next_asid = okvm_max_asid + 1;
	return 0;
}

/* CPU hotplug: runs on @cpu itself (an AP_ONLINE state). */
static int okvm_svm_cpu_online(unsigned int cpu)
{
	struct okvm_svm_cpu *sd = per_cpu_ptr(&okvm_svm_cpu, cpu);

	if (!sd->hsave)
		sd->hsave = alloc_pages_node(cpu_to_node(cpu),
					     GFP_KERNEL | __GFP_ZERO, 0);
	if (!sd->host_save)
		sd->host_save = alloc_pages_node(cpu_to_node(cpu),
						 GFP_KERNEL | __GFP_ZERO, 0);
	if (!sd->hsave || !sd->host_save)
		return -ENOMEM;
	return okvm_svm_enable_this_cpu();
}

static int okvm_svm_cpu_offline(unsigned int cpu)
{
	okvm_svm_disable_this_cpu(NULL);
	return 0;
}

/* SVM must be off before a reboot or kexec hands the CPUs on. */
static int okvm_svm_reboot(struct notifier_block *nb, unsigned long code,
			   void *unused)
{
	on_each_cpu(okvm_svm_disable_this_cpu, NULL, 1);
	return NOTIFY_OK;
}

static struct notifier_block okvm_svm_reboot_nb = {
	.notifier_call = okvm_svm_reboot,
};

/* Suspend runs this on the last online CPU; the others went offline. */
static int okvm_svm_suspend(OKVM_SYSCORE_PARAM)
{
	okvm_svm_disable_this_cpu(NULL);
	return 0;
}

static void okvm_svm_resume(OKVM_SYSCORE_PARAM)
{
	WARN_ON_ONCE(okvm_svm_enable_this_cpu());
}

OKVM_DEFINE_SYSCORE(okvm_svm_syscore, okvm_svm_suspend, okvm_svm_resume);

static void okvm_svm_free_cpus(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct okvm_svm_cpu *sd = per_cpu_ptr(&okvm_svm_cpu, cpu);

		if (sd->hsave)
			__free_page(sd->hsave);
		if (sd->host_save)
			__free_page(sd->host_save);
		sd->hsave = sd->host_save = NULL;
	}
}

/**
 * okvm_svm_hardware_setup() - check for SVM with nested paging and enable it
 *
 * Verify that: the CPU has SVM and NPT, firmware did not lock SVM off,
 * and no other hypervisor has SVM enabled on any CPU.
 *
 * Return: 0, -ENODEV on a CPU that cannot run okvm (one log line), -EBUSY
 * if SVM is in use, -ENOMEM.
 */
static int okvm_svm_hardware_setup(void)
{
	u64 vm_cr;
	int r;

	if (!boot_cpu_has(X86_FEATURE_SVM)) {
		pr_err("no AMD SVM on this CPU\n");
		return -ENODEV;
	}
	if (!boot_cpu_has(X86_FEATURE_NPT)) {
		pr_err("SVM without nested paging is not supported\n");
		return -ENODEV;
	}
	rdmsrl(MSR_VM_CR, vm_cr);
	if (vm_cr & OKVM_VM_CR_SVMDIS) {
		pr_err("SVM is disabled by the firmware\n");
		return -ENODEV;
	}
	okvm_max_asid = cpuid_ebx(SVM_CPUID_FUNC) - 1;
	if (!okvm_max_asid) {
		pr_err("SVM reports no guest ASIDs\n");
		return -ENODEV;
	}

	okvm_has_tsc_aux = boot_cpu_has(X86_FEATURE_RDTSCP) ||
			   boot_cpu_has(X86_FEATURE_RDPID);
	okvm_has_pkru = boot_cpu_has(X86_FEATURE_OSPKE);
	okvm_maxphyaddr = okvm_host_maxphyaddr();

	okvm_iopm = (void *)__get_free_pages(GFP_KERNEL, IOPM_ORDER);
	okvm_msrpm = (void *)__get_free_pages(GFP_KERNEL, MSRPM_ORDER);
	if (!okvm_iopm || !okvm_msrpm) {
		r = -ENOMEM;
		goto err_free;
	}
	memset(okvm_iopm, 0xff, PAGE_SIZE << IOPM_ORDER);
	memset(okvm_msrpm, 0xff, PAGE_SIZE << MSRPM_ORDER);

	r = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "okvm/svm:online",
			      okvm_svm_cpu_online, okvm_svm_cpu_offline);
	if (r < 0)
		goto err_free;
	okvm_svm_hp_state = r;
	register_reboot_notifier(&okvm_svm_reboot_nb);
	okvm_register_syscore(&okvm_svm_syscore);
	return 0;

err_free:
	okvm_svm_free_cpus();
	free_pages((unsigned long)okvm_msrpm, MSRPM_ORDER);
	free_pages((unsigned long)okvm_iopm, IOPM_ORDER);
	return r;
}

static void okvm_svm_hardware_unsetup(void)
{
	okvm_unregister_syscore(&okvm_svm_syscore);
	unregister_reboot_notifier(&okvm_svm_reboot_nb);
	cpuhp_remove_state(okvm_svm_hp_state);
	okvm_svm_free_cpus();
	free_pages((unsigned long)okvm_msrpm, MSRPM_ORDER);
	free_pages((unsigned long)okvm_iopm, IOPM_ORDER);
}

/* --- VMCB ---------------------------------------------------------------- */

static void set_intercept(struct vmcb *vmcb, unsigned int bit)
{
	vmcb->control.intercepts[bit / 32] |= 1U << (bit % 32);
}

static void clr_intercept(struct vmcb *vmcb, unsigned int bit)
{
	vmcb->control.intercepts[bit / 32] &= ~(1U << (bit % 32));
}

static void init_seg(struct vmcb_seg *s, u16 sel, u16 attrib, u32 limit,
		     u64 base)
{
	s->selector = sel;
	s->attrib = attrib;
	s->limit = limit;
	s->base = base;
}

/* Attribute bits of a VMCB segment: type, S, DPL, P, AVL, L, D/B, G. */
#define SEG_P		(1 << 7)
#define SEG_S		(1 << 4)
#define SEG_L		(1 << 9)
#define SEG_CODE	(SEG_P | SEG_S | 0xb)	/* exec/read, accessed */
#define SEG_DATA	(SEG_P | SEG_S | 0x3)	/* read/write, accessed */

/*
 * The VMCB of a RESET or an INIT: real mode at F000:FFF0, okvm's intercepts
 * and nested paging. The common state (GPRs, FPU, events) is regs.c's.
 */
static void svm_vcpu_reset(struct okvm_vcpu *vcpu, bool init_event)
{
	struct okvm_svm_vcpu *svm = to_svm(vcpu);
	struct vmcb *vmcb = svm->vmcb;
	struct vmcb_control_area *c = &vmcb->control;
	struct vmcb_save_area *s = &vmcb->save;
	/* INIT keeps CR0.CD/NW and the PAT (APM vol. 2, 14.1.3; as KVM). */
	u64 keep_cr0 = s->cr0 & (X86_CR0_NW | X86_CR0_CD), keep_pat = s->g_pat;
	struct okvm_vm *vm = vcpu->vm;
	static const unsigned int intercepts[] = {
		INTERCEPT_INTR, INTERCEPT_NMI, INTERCEPT_SMI, INTERCEPT_CPUID,
		INTERCEPT_INVD, INTERCEPT_HLT, INTERCEPT_INVLPGA,
		INTERCEPT_RDPMC, INTERCEPT_WBINVD,
		INTERCEPT_IOIO_PROT, INTERCEPT_MSR_PROT, INTERCEPT_SHUTDOWN,
		INTERCEPT_VMRUN, INTERCEPT_VMMCALL, INTERCEPT_VMLOAD,
		INTERCEPT_VMSAVE, INTERCEPT_STGI, INTERCEPT_CLGI,
		INTERCEPT_SKINIT, INTERCEPT_MONITOR,
		INTERCEPT_MWAIT, INTERCEPT_XSETBV, INTERCEPT_RDPRU,
		/* CR4 bits depend on the vCPU's CPUID (e.g. OSXSAVE). */
		INTERCEPT_CR4_WRITE,
	};
	unsigned int i;

	memset(vmcb, 0, PAGE_SIZE);
	for (i = 0; i < ARRAY_SIZE(intercepts); i++)
		set_intercept(vmcb, intercepts[i]);
	/* #MC belongs to the host: it must see machine checks in the guest. */
	set_intercept(vmcb, INTERCEPT_EXCEPTION_OFFSET + MC_VECTOR);
	/*
	 * A guest can make #AC or #DB recur during their own delivery and so
	 * hang the CPU in microcode with no exit (CVE-2015-5307/8104):
	 * intercept both and reflect them.
	 */
	set_intercept(vmcb, INTERCEPT_EXCEPTION_OFFSET + AC_VECTOR);
	set_intercept(vmcb, INTERCEPT_EXCEPTION_OFFSET + DB_VECTOR);
	/* Intel's VMCALL raises #UD here: pv.c may patch it (as KVM). */
	set_intercept(vmcb, INTERCEPT_EXCEPTION_OFFSET + UD_VECTOR);
	/*
	 * Every MOV to or from a debug register exits and is emulated (as
	 * KVM does until a guest's first access): the guest's DR0-3 live in
	 * vcpu->arch.db and reach the CPU only around VMRUN. KVM then stops
	 * intercepting, an optimisation okvm does without: QEMU's TCG, the
	 * test machine's CPU, keeps its breakpoint lists in step with DR7
	 * only for MOV DR7, not for the DR7 that VMRUN and #VMEXIT load, so
	 * a guest's own MOV DR7 corrupts them (docs/testing.md).
	 */
	for (i = 0; i < 8; i++) {
		set_intercept(vmcb, INTERCEPT_DR0_READ + i);
		set_intercept(vmcb, INTERCEPT_DR0_WRITE + i);
	}

	c->iopm_base_pa = __pa(okvm_iopm);
	c->msrpm_base_pa = __pa(okvm_msrpm);
	/* The TSC runs on through INIT and shutdown (tsc.c owns the offset). */
	c->tsc_offset = vcpu->arch.tsc_offset;
	c->int_ctl = V_INTR_MASKING_MASK;
	c->nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
	c->nested_cr3 = __pa(vm->mmu.direct.spt);
	if (READ_ONCE(vm->arch.hlt_in_guest))
		clr_intercept(vmcb, INTERCEPT_HLT);

	init_seg(&s->cs, 0xf000, SEG_CODE, 0xffff, 0xffff0000);
	init_seg(&s->ds, 0, SEG_DATA, 0xffff, 0);
	init_seg(&s->es, 0, SEG_DATA, 0xffff, 0);
	init_seg(&s->fs, 0, SEG_DATA, 0xffff, 0);
	init_seg(&s->gs, 0, SEG_DATA, 0xffff, 0);
	init_seg(&s->ss, 0, SEG_DATA, 0xffff, 0);
	init_seg(&s->gdtr, 0, 0, 0xffff, 0);
	init_seg(&s->idtr, 0, 0, 0xffff, 0);
	init_seg(&s->ldtr, 0, SEG_P | 0x2, 0xffff, 0);
	init_seg(&s->tr, 0, SEG_P | 0xb, 0xffff, 0);
	/* VMRUN requires EFER.SVME; the guest never sees it (RDMSR masks it). */
	s->efer = EFER_SVME;
	s->cr0 = X86_CR0_ET |
		 (init_event ? keep_cr0 : X86_CR0_NW | X86_CR0_CD);
	s->dr6 = OKVM_DR6_ACTIVE_LOW;
	s->dr7 = OKVM_DR7_FIXED_1;
	s->rflags = X86_EFLAGS_FIXED;
	s->rip = 0xfff0;
	s->g_pat = init_event ? keep_pat : 0x0007040600070406ULL;

	svm->nmi_masked = false;
	svm->awaiting_iret_completion = false;
	svm->nmi_singlestep = false;
	/* Force a fresh ASID on the next entry. */
	svm->asid_gen = 0;
}

/* A VMCB page and the PIO page; the FPU image is common (regs.c). */
/*
 * SVM runs real mode natively: the TSS and identity map that VMX needs to
 * emulate it are not used, as in KVM (whose SVM leaves both to defaults).
 */
static int svm_set_tss_addr(struct okvm_vm *vm, unsigned long addr)
{
	return 0;
}

static int svm_set_identity_map_addr(struct okvm_vm *vm, u64 addr)
{
	return 0;
}

static int svm_vcpu_create(struct okvm_vcpu *vcpu)
{
	struct okvm_svm_vcpu *svm;
	struct page *vmcb;

	svm = kzalloc(sizeof(*svm), GFP_KERNEL_ACCOUNT);
	vmcb = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!svm || !vmcb) {
		kfree(svm);
		if (vmcb)
			__free_page(vmcb);
		return -ENOMEM;
	}
	atomic_long_inc(&okvm_live_pages);
	svm->vmcb = page_address(vmcb);
	svm->vmcb_pa = page_to_phys(vmcb);
	svm->last_cpu = -1;
	vcpu->arch.vendor = svm;
	return 0;
}

static void svm_vcpu_free(struct okvm_vcpu *vcpu)
{
	struct okvm_svm_vcpu *svm = to_svm(vcpu);
	int cpu;

	/*
	 * The page may come back as another vCPU's VMCB: forget it everywhere,
	 * or that vCPU would skip its IBPB on a CPU where this one ran.
	 */
	for_each_possible_cpu(cpu)
		cmpxchg(&per_cpu(okvm_svm_cpu, cpu).current_vmcb, svm->vmcb,
			NULL);
	__free_page(virt_to_page(svm->vmcb));
	atomic_long_dec(&okvm_live_pages);
	kfree(svm);
	vcpu->arch.vendor = NULL;
}

/* --- registers -------------------------------------------------------------- */

static u64 svm_get_rip(struct okvm_vcpu *vcpu)
{
	return to_vmcb(vcpu)->save.rip;
}

static void svm_set_rip(struct okvm_vcpu *vcpu, u64 rip)
{
	to_vmcb(vcpu)->save.rip = rip;
}

static u64 svm_get_rflags(struct okvm_vcpu *vcpu)
{
	struct okvm_svm_vcpu *svm = to_svm(vcpu);
	u64 rflags = svm->vmcb->save.rflags;

	/* The single step over an IRET is okvm's: show the guest's TF/RF. */
	if (svm->nmi_singlestep)
		rflags = (rflags & ~(X86_EFLAGS_TF | X86_EFLAGS_RF)) |
			 (svm->nmi_singlestep_guest_rflags &
			  (X86_EFLAGS_TF | X86_EFLAGS_RF));
	return rflags;
}

static void svm_set_rflags(struct okvm_vcpu *vcpu, u64 rflags)
{
	struct okvm_svm_vcpu *svm = to_svm(vcpu);

	if (svm->nmi_singlestep) {
		svm->nmi_singlestep_guest_rflags = rflags;
		rflags |= X86_EFLAGS_TF | X86_EFLAGS_RF;
	}
	svm->vmcb->save.rflags = rflags;
}

static struct vmcb_seg *svm_seg(struct vmcb_save_area *s, int seg)
{
	switch (seg) {
	case OKVM_SEG_ES: return &s->es;
	case OKVM_SEG_CS: return &s->cs;
	case OKVM_SEG_SS: return &s->ss;
	case OKVM_SEG_DS: return &s->ds;
	case OKVM_SEG_FS: return &s->fs;
	case OKVM_SEG_GS: return &s->gs;
	case OKVM_SEG_TR: return &s->tr;
	default: return &s->ldtr;
	}
}

static void svm_get_segment(struct okvm_vcpu *vcpu, struct kvm_segment *k,
			    int seg)
{
	const struct vmcb_seg *s = svm_seg(&to_vmcb(vcpu)->save, seg);

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

static void svm_set_segment(struct okvm_vcpu *vcpu, const struct kvm_segment *k,
			    int seg)
{
	struct vmcb_save_area *sa = &to_vmcb(vcpu)->save;
	struct vmcb_seg *s = svm_seg(sa, seg);

	s->base = k->base;
	s->limit = k->limit;
	s->selector = k->selector;
	/* An unusable segment is not present to the hardware. */
	s->attrib = k->unusable ? 0 :
		    (k->type & 0xf) | (k->s & 1) << 4 | (k->dpl & 3) << 5 |
		    (k->present & 1) << 7 | (k->avl & 1) << 8 |
		    (k->l & 1) << 9 | (k->db & 1) << 10 | (k->g & 1) << 11;
	/* The VMCB keeps CPL apart; SS.DPL is the architectural one (APM). */
	if (seg == OKVM_SEG_CS)
		sa->cpl = (s->attrib >> 5) & 3;
}

static void svm_get_dtable(struct okvm_vcpu *vcpu, struct kvm_dtable *dt,
			   bool idt)
{
	const struct vmcb_save_area *s = &to_vmcb(vcpu)->save;
	const struct vmcb_seg *d = idt ? &s->idtr : &s->gdtr;

	memset(dt, 0, sizeof(*dt));
	dt->base = d->base;
	dt->limit = d->limit;
}

static void svm_set_dtable(struct okvm_vcpu *vcpu, const struct kvm_dtable *dt,
			   bool idt)
{
	struct vmcb_save_area *s = &to_vmcb(vcpu)->save;
	struct vmcb_seg *d = idt ? &s->idtr : &s->gdtr;

	d->base = dt->base;
	d->limit = dt->limit;
}

static int svm_get_cpl(struct okvm_vcpu *vcpu)
{
	return to_vmcb(vcpu)->save.cpl;
}

static u64 svm_get_cr(struct okvm_vcpu *vcpu, enum okvm_cr cr)
{
	const struct vmcb *vmcb = to_vmcb(vcpu);

	switch (cr) {
	case OKVM_CR0: return vmcb->save.cr0;
	case OKVM_CR2: return vmcb->save.cr2;
	case OKVM_CR3: return vmcb->save.cr3;
	case OKVM_CR4: return vmcb->save.cr4;
	case OKVM_CR8: return vmcb->control.int_ctl & V_TPR_MASK;
	}
	return 0;
}

static void svm_set_cr(struct okvm_vcpu *vcpu, enum okvm_cr cr, u64 val)
{
	struct vmcb *vmcb = to_vmcb(vcpu);

	switch (cr) {
	case OKVM_CR0:
		vmcb->save.cr0 = val;
		break;
	case OKVM_CR2:
		vmcb->save.cr2 = val;
		break;
	case OKVM_CR3:
		vmcb->save.cr3 = val;
		break;
	case OKVM_CR4:
		vmcb->save.cr4 = val;
		break;
	case OKVM_CR8:
		/* The guest's TPR lives in V_TPR while it runs. */
		vmcb->control.int_ctl = (vmcb->control.int_ctl & ~V_TPR_MASK) |
					(val & V_TPR_MASK);
		break;
	}
}

static u64 svm_get_efer(struct okvm_vcpu *vcpu)
{
	/* SVME is okvm's (VMRUN needs it): the guest never sees it. */
	return to_vmcb(vcpu)->save.efer & ~EFER_SVME;
}

static void svm_set_efer(struct okvm_vcpu *vcpu, u64 efer)
{
	to_vmcb(vcpu)->save.efer = efer | EFER_SVME;
}

static u64 svm_get_dr(struct okvm_vcpu *vcpu, int dr)
{
	return dr == 6 ? to_vmcb(vcpu)->save.dr6 : to_vmcb(vcpu)->save.dr7;
}

static void svm_set_dr(struct okvm_vcpu *vcpu, int dr, u64 val)
{
	if (dr == 6)
		to_vmcb(vcpu)->save.dr6 = val;
	else
		to_vmcb(vcpu)->save.dr7 = val;
}

/* The MSRs VMLOAD/VMSAVE and VMRUN switch from the VMCB. */
static u64 *svm_msr_slot(struct vmcb_save_area *s, u32 index)
{
	switch (index) {
	case MSR_STAR:			return &s->star;
	case MSR_LSTAR:			return &s->lstar;
	case MSR_CSTAR:			return &s->cstar;
	case MSR_SYSCALL_MASK:		return &s->sfmask;
	case MSR_KERNEL_GS_BASE:	return &s->kernel_gs_base;
	case MSR_IA32_SYSENTER_CS:	return &s->sysenter_cs;
	case MSR_IA32_SYSENTER_ESP:	return &s->sysenter_esp;
	case MSR_IA32_SYSENTER_EIP:	return &s->sysenter_eip;
	case MSR_IA32_CR_PAT:		return &s->g_pat;
	case MSR_FS_BASE:		return &s->fs.base;
	case MSR_GS_BASE:		return &s->gs.base;
	default:			return NULL;
	}
}

static bool svm_get_msr(struct okvm_vcpu *vcpu, u32 index, u64 *data)
{
	u64 *slot = svm_msr_slot(&to_vmcb(vcpu)->save, index);

	if (slot)
		*data = *slot;
	return slot;
}

static bool svm_set_msr(struct okvm_vcpu *vcpu, u32 index, u64 data)
{
	u64 *slot = svm_msr_slot(&to_vmcb(vcpu)->save, index);

	if (slot)
		*slot = data;
	return slot;
}

static u32 svm_get_interrupt_shadow(struct okvm_vcpu *vcpu)
{
	return to_vmcb(vcpu)->control.int_state & SVM_INTERRUPT_SHADOW_MASK ?
	       OKVM_SHADOW_STI | OKVM_SHADOW_MOV_SS : 0;
}

static void svm_set_interrupt_shadow(struct okvm_vcpu *vcpu, u32 mask)
{
	struct vmcb_control_area *c = &to_vmcb(vcpu)->control;

	if (mask)
		c->int_state |= SVM_INTERRUPT_SHADOW_MASK;
	else
		c->int_state &= ~SVM_INTERRUPT_SHADOW_MASK;
}

static void svm_write_tsc_offset(struct okvm_vcpu *vcpu, u64 offset)
{
	to_vmcb(vcpu)->control.tsc_offset = offset;
}

static void svm_set_hlt_exiting(struct okvm_vcpu *vcpu, bool exiting)
{
	if (exiting)
		set_intercept(to_vmcb(vcpu), INTERCEPT_HLT);
	else
		clr_intercept(to_vmcb(vcpu), INTERCEPT_HLT);
}

/*
 * Prefixes make an intercepted instruction's length vary (66 0F A2 is a
 * CPUID too), so never assume the bare opcode's: take NRIP save's next
 * RIP if the CPU has it, else decode the instruction at CS:RIP (QEMU's
 * SVM has no NRIP save). next_rip stays valid until the next VMRUN, so
 * this also serves the completion of a userspace exit.
 */
static int svm_skip_emulated_instruction(struct okvm_vcpu *vcpu)
{
	struct vmcb *vmcb = to_vmcb(vcpu);

	if (boot_cpu_has(X86_FEATURE_NRIPS) && vmcb->control.next_rip) {
		okvm_set_next_rip(vcpu, vmcb->control.next_rip);
		return 1;
	}
	return okvm_skip_decoded_insn(vcpu);
}

static void svm_flush_guest_tlb(struct okvm_vcpu *vcpu)
{
	/* A fresh ASID on the next entry: nothing cached for it. */
	to_svm(vcpu)->asid_gen = 0;
}

/* --- events ------------------------------------------------------------------ */

static void svm_inject_exception(struct okvm_vcpu *vcpu)
{
	const struct okvm_queued_exception *ex = &vcpu->arch.ev.exc;
	struct vmcb_control_area *c = &to_vmcb(vcpu)->control;

	c->event_inj = ex->vector | SVM_EVTINJ_TYPE_EXEPT | SVM_EVTINJ_VALID |
		       (ex->has_error_code ? SVM_EVTINJ_VALID_ERR : 0);
	c->event_inj_err = ex->error_code;
}

static void svm_set_iret_intercept(struct okvm_svm_vcpu *svm, bool on)
{
	if (on)
		set_intercept(svm->vmcb, INTERCEPT_IRET);
	else
		clr_intercept(svm->vmcb, INTERCEPT_IRET);
}

static void svm_inject_nmi(struct okvm_vcpu *vcpu)
{
	struct okvm_svm_vcpu *svm = to_svm(vcpu);

	svm->vmcb->control.event_inj = SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_NMI |
				       OKVM_NMI_VECTOR;
	/* Blocked from now until the handler's IRET has completed. */
	svm->nmi_masked = true;
	svm_set_iret_intercept(svm, true);
}

static void svm_inject_irq(struct okvm_vcpu *vcpu)
{
	const struct okvm_event_queue *ev = &vcpu->arch.ev;

	to_vmcb(vcpu)->control.event_inj = ev->irq.nr | SVM_EVTINJ_VALID |
		(ev->irq.soft ? SVM_EVTINJ_TYPE_SOFT : SVM_EVTINJ_TYPE_INTR);
}

static bool svm_get_nmi_mask(struct okvm_vcpu *vcpu)
{
	return to_svm(vcpu)->nmi_masked;
}

static void svm_set_nmi_mask(struct okvm_vcpu *vcpu, bool masked)
{
	struct okvm_svm_vcpu *svm = to_svm(vcpu);

	svm->nmi_masked = masked;
	svm->awaiting_iret_completion = false;
	svm_set_iret_intercept(svm, masked);
}

static bool svm_nmi_blocked(struct okvm_vcpu *vcpu)
{
	return to_svm(vcpu)->nmi_masked ||
	       (to_vmcb(vcpu)->control.int_state & SVM_INTERRUPT_SHADOW_MASK);
}

static bool svm_interrupt_blocked(struct okvm_vcpu *vcpu)
{
	const struct vmcb *vmcb = to_vmcb(vcpu);

	return !(vmcb->save.rflags & X86_EFLAGS_IF) ||
	       (vmcb->control.int_state & SVM_INTERRUPT_SHADOW_MASK);
}

static void svm_enable_irq_window(struct okvm_vcpu *vcpu)
{
	struct vmcb *vmcb = to_vmcb(vcpu);

	/*
	 * A virtual interrupt the guest takes as soon as it can: its VINTR
	 * exit opens the window (the virtual interrupt itself is dropped).
	 */
	vmcb->control.int_ctl |= V_IRQ_MASK | V_IGN_TPR_MASK |
				 (0xf << V_INTR_PRIO_SHIFT);
	set_intercept(vmcb, INTERCEPT_VINTR);
}

static void svm_enable_nmi_window(struct okvm_vcpu *vcpu)
{
	struct okvm_svm_vcpu *svm = to_svm(vcpu);

	/* Masked, IRET not seen yet: its intercept will exit. */
	if (svm->nmi_masked && !svm->awaiting_iret_completion)
		return;
	if (svm->nmi_singlestep)
		return;
	/*
	 * The IRET (or an interrupt shadow) is about to end: single-step
	 * over it and let the #DB intercept open the window.
	 */
	svm->nmi_singlestep_guest_rflags = svm->vmcb->save.rflags;
	svm->nmi_singlestep = true;
	svm->vmcb->save.rflags |= X86_EFLAGS_TF | X86_EFLAGS_RF;
}

/**
 * okvm_svm_disable_nmi_singlestep() - the step over IRET is done
 * @vcpu: the vCPU, after the #DB it caused
 */
void okvm_svm_disable_nmi_singlestep(struct okvm_vcpu *vcpu)
{
	struct okvm_svm_vcpu *svm = to_svm(vcpu);

	svm->nmi_singlestep = false;
	if (!(svm->nmi_singlestep_guest_rflags & X86_EFLAGS_TF))
		svm->vmcb->save.rflags &= ~X86_EFLAGS_TF;
	if (!(svm->nmi_singlestep_guest_rflags & X86_EFLAGS_RF))
		svm->vmcb->save.rflags &= ~X86_EFLAGS_RF;
}

/*
 * After #VMEXIT: the injected events were delivered, except the one
 * EXITINTINFO names, whose delivery the exit interrupted: it goes back
 * into the queue as injected. Software interrupts and INT3/INTO are not:
 * without next-RIP saving RIP still points at the instruction, which
 * simply runs again.
 */
static void svm_complete_interrupts(struct okvm_vcpu *vcpu)
{
	struct okvm_svm_vcpu *svm = to_svm(vcpu);
	struct vmcb_control_area *c = &svm->vmcb->control;
	struct okvm_event_queue *ev = &vcpu->arch.ev;
	u32 info = c->exit_int_info;
	u8 vector = info & SVM_EXITINTINFO_VEC_MASK;

	/* Progress since the IRET intercept: the IRET ran, NMIs unblock. */
	if (svm->awaiting_iret_completion &&
	    svm->vmcb->save.rip != svm->nmi_iret_rip) {
		svm->awaiting_iret_completion = false;
		svm->nmi_masked = false;
	}

	ev->nmi_injected = false;
	ev->exc.injected = false;
	ev->irq.injected = false;
	if (!(info & SVM_EXITINTINFO_VALID))
		return;

	switch (info & SVM_EXITINTINFO_TYPE_MASK) {
	case SVM_EXITINTINFO_TYPE_NMI:
		ev->nmi_injected = true;
		break;
	case SVM_EXITINTINFO_TYPE_EXEPT:
		if (vector == BP_VECTOR || vector == OF_VECTOR)
			break;
		ev->exc.injected = true;
		ev->exc.pending = false;
		ev->exc.vector = vector;
		ev->exc.has_error_code = info & SVM_EXITINTINFO_VALID_ERR;
		ev->exc.error_code = c->exit_int_info_err;
		ev->exc.has_payload = false;
		break;
	case SVM_EXITINTINFO_TYPE_INTR:
		ev->irq.injected = true;
		ev->irq.soft = false;
		ev->irq.nr = vector;
		break;
	default:
		break;
	}
}

static void svm_cancel_injection(struct okvm_vcpu *vcpu)
{
	struct vmcb_control_area *c = &to_vmcb(vcpu)->control;

	/* As if an exit had interrupted the delivery right away. */
	c->exit_int_info = c->event_inj;
	c->exit_int_info_err = c->event_inj_err;
	c->event_inj = 0;
	svm_complete_interrupts(vcpu);
}

/* --- the world switch -------------------------------------------------------- */

static void okvm_svm_new_asid(struct okvm_svm_vcpu *svm, struct okvm_svm_cpu *sd)
{
	struct vmcb_control_area *c = &svm->vmcb->control;

	if (sd->next_asid > okvm_max_asid) {
		/* Every ASID of the old generation may be stale: flush all. */
		sd->asid_gen++;
		sd->next_asid = 1;
		c->tlb_ctl = TLB_CONTROL_FLUSH_ALL_ASID;
	}
	svm->asid = sd->next_asid++;
	svm->asid_gen = sd->asid_gen;
	c->asid = svm->asid;
}

/*
 * A machine check that hit the guest became a #VMEXIT: hand it to the
 * host's handler, on this CPU, as if it had interrupted user mode.
 */
static void okvm_svm_machine_check(void)
{
#if IS_ENABLED(CONFIG_X86_MCE)
	struct pt_regs regs = {
		.cs = 3,	/* user mode: the handler may kill, not panic */
		.flags = X86_EFLAGS_IF,
	};

	/* Without CONFIG_X86_MCE the kernel has no handler to hand it to. */
	do_machine_check(&regs);
#endif
}

/*
 * The call right after STI, so that the host interrupt that made the guest
 * exit is taken at this function's first instruction (STI holds it off for
 * one instruction): make profile counts samples here as time in the guest
 * (scripts/guest/profile.sh). Not inlined, and not empty, so that the call
 * stays.
 */
static noinline void svm_guest_time_mark(void)
{
	barrier();
}

/*
 * One trip into the guest and back. Interrupts are off from before the
 * vCPU announces IN_GUEST_MODE until after #VMEXIT, so a TLB-flush or kick
 * IPI sent meanwhile is taken as an immediate #VMEXIT(INTR).
 */
static enum okvm_run_result svm_vcpu_run(struct okvm_vcpu *vcpu)
{
	struct okvm_svm_vcpu *svm = to_svm(vcpu);
	struct vmcb *vmcb = svm->vmcb;
	unsigned long host_db[4], host_dr6, host_dr7;
	u32 host_pkru = 0;
	bool guest_xcr0, guest_db;
	struct okvm_svm_cpu *sd;
	u64 tlb_gen;
	int i, cpu;

	/*
	 * A CR3 with bits at or above MAXPHYADDR fails VMRUN's consistency
	 * checks (VMEXIT_INVALID); KVM_SET_SREGS lets one through outside
	 * long mode, as KVM does. Fail the entry the same way without
	 * VMRUN: QEMU's TCG, the test machine's CPU, makes this check only
	 * after saving the host state and then writes that host state over
	 * the guest's in the VMCB (docs/testing.md), where okvm keeps it.
	 */
	if (unlikely(vmcb->save.cr3 >> okvm_maxphyaddr)) {
		vmcb->control.exit_code = SVM_EXIT_ERR;
		vmcb->control.event_inj = 0;
		return OKVM_RUN_EXITED;
	}

	local_irq_disable();
	cpu = smp_processor_id();
	sd = this_cpu_ptr(&okvm_svm_cpu);
	/* A reboot (or kexec) turned SVM off under us: VMRUN would #UD. */
	if (unlikely(!sd->enabled)) {
		local_irq_enable();
		return OKVM_RUN_HOST_OFF;
	}

	WRITE_ONCE(vcpu->arch.cpu, cpu);
	WRITE_ONCE(vcpu->arch.mode, OKVM_IN_GUEST_MODE);
	smp_mb();	/* mode before tlb_gen: see okvm_x86_flush_remote_tlbs() */
	if (okvm_x86_entry_cancelled(vcpu, cpu)) {
		WRITE_ONCE(vcpu->arch.mode, OKVM_OUTSIDE_GUEST_MODE);
		local_irq_enable();
		return OKVM_RUN_CANCELLED;
	}
	tlb_gen = atomic64_read(&vcpu->vm->arch.tlb_gen);
	if (svm->asid_gen != sd->asid_gen ||
	    vcpu->arch.tlb_gen_seen != tlb_gen || svm->asid == 0 ||
	    svm->last_cpu != cpu) {
		vcpu->arch.tlb_gen_seen = tlb_gen;
		okvm_svm_new_asid(svm, sd);
	}
	svm->last_cpu = cpu;
	/*
	 * A different VMCB ran on this CPU last: an IBPB keeps that guest's
	 * indirect-branch training from steering this one, unless the kernel
	 * already issues one on every VM exit (SRSO mitigation).
	 */
	if (sd->current_vmcb != vmcb) {
		sd->current_vmcb = vmcb;
		if (!cpu_feature_enabled(X86_FEATURE_IBPB_ON_VMEXIT))
			indirect_branch_prediction_barrier();
	}

	vmcb->save.rax = vcpu->arch.regs[OKVM_RAX];
	vmcb->save.rsp = vcpu->arch.regs[OKVM_RSP];
	/* okvm rewrites VMCB fields freely: tell the CPU nothing is cached. */
	vmcb->control.clean = 0;

	/*
	 * DR0-3 are not switched by VMRUN. Every guest MOV DR exits (see
	 * svm_vcpu_reset()), so the guest's DR0-3 matter in the CPU only while
	 * its DR7 enables a breakpoint: only then are they swapped, with the
	 * host's DR7 off meanwhile so that host breakpoints do not fire on
	 * guest addresses. A debug-register access is slow (and ends a
	 * translation block under TCG): most entries make two.
	 */
	host_dr7 = native_get_debugreg(7);
	host_dr6 = native_get_debugreg(6);
	guest_db = vmcb->save.dr7 & OKVM_DR7_ENABLES;
	if (unlikely(guest_db)) {
		if (host_dr7 & ~OKVM_DR7_FIXED_1)
			native_set_debugreg(7, 0);
		for (i = 0; i < 4; i++) {
			host_db[i] = native_get_debugreg(i);
			native_set_debugreg(i, vcpu->arch.db[i]);
		}
	}

	/*
	 * TSC_AUX is not switched by VMRUN and RDTSCP/RDPID read it in the
	 * guest: load the guest's value, give the host (its CPU number) back.
	 */
	if (okvm_has_tsc_aux && sd->host_tsc_aux != vcpu->arch.tsc_aux)
		wrmsrl(MSR_TSC_AUX, vcpu->arch.tsc_aux);

	/*
	 * PKRU is not part of what the kernel restores for a task's FPU
	 * state before an entry or on return to user mode: switch it here.
	 */
	if (okvm_has_pkru) {
		host_pkru = rdpkru();
		if (host_pkru != vcpu->arch.pkru)
			wrpkru(vcpu->arch.pkru);
	}
	okvm_fpu_ready(vcpu);
	/*
	 * The kernel saves and restores the guest's FPU state under the
	 * host's XCR0 (a superset of any guest's), so only the guest's own
	 * XCR0 is switched, as close to VMRUN as possible, with interrupts
	 * off: nothing in between saves FPU state. It matters only with CR4.OSXSAVE
	 * (CR4 writes exit, so the guest cannot change that meanwhile).
	 */
	guest_xcr0 = vmcb->save.cr4 & X86_CR4_OSXSAVE;
	if (guest_xcr0 && vcpu->arch.xcr0 != okvm_host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vcpu->arch.xcr0);
	clgi();
	okvm_svm_vmrun(svm->vmcb_pa, vcpu->arch.regs,
		       page_to_phys(sd->host_save));
	/*
	 * Read back rather than trust: a CPU model that ignores the XSETBV
	 * intercept (QEMU's TCG) lets the guest write XCR0 itself, and the
	 * host must not keep that value. XGETBV is cheap; XSETBV is not.
	 */
	if (guest_xcr0 && xgetbv(XCR_XFEATURE_ENABLED_MASK) != okvm_host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, okvm_host_xcr0);
	if (okvm_has_pkru) {
		vcpu->arch.pkru = rdpkru();
		if (vcpu->arch.pkru != host_pkru)
			wrpkru(host_pkru);
	}
	if (unlikely(vmcb->control.exit_code == SVM_EXIT_EXCP_BASE + MC_VECTOR))
		okvm_svm_machine_check();
	if (okvm_has_tsc_aux && sd->host_tsc_aux != vcpu->arch.tsc_aux)
		wrmsrl(MSR_TSC_AUX, sd->host_tsc_aux);

	/* The guest cannot have changed its DR0-3: give the host's back. */
	if (unlikely(guest_db))
		for (i = 0; i < 4; i++)
			native_set_debugreg(i, host_db[i]);
	/* #VMEXIT leaves the guest's DR6 (also in the VMCB) in the CPU. */
	if (vmcb->save.dr6 != host_dr6)
		native_set_debugreg(6, host_dr6);
	/* #VMEXIT leaves DR7 at its reset value: restore the host's. */
	if (host_dr7 & ~OKVM_DR7_FIXED_1)
		native_set_debugreg(7, host_dr7);

	vcpu->arch.regs[OKVM_RAX] = vmcb->save.rax;
	vcpu->arch.regs[OKVM_RSP] = vmcb->save.rsp;
	vmcb->control.tlb_ctl = TLB_CONTROL_DO_NOTHING;

	WRITE_ONCE(vcpu->arch.mode, OKVM_OUTSIDE_GUEST_MODE);
	stgi();
	local_irq_enable();
	svm_guest_time_mark();

	/* The windows opened for this entry close with it. */
	vmcb->control.int_ctl &= ~(V_IRQ_MASK | V_IGN_TPR_MASK |
				   V_INTR_PRIO_MASK);
	clr_intercept(vmcb, INTERCEPT_VINTR);
	vmcb->control.event_inj = 0;
	if (vmcb->control.exit_code != SVM_EXIT_ERR)
		svm_complete_interrupts(vcpu);
	return OKVM_RUN_EXITED;
}

static void svm_get_exit_info(struct okvm_vcpu *vcpu, struct okvm_exit_info *info)
{
	const struct vmcb_control_area *c = &to_vmcb(vcpu)->control;

	info->reason = c->exit_code;
	info->info1 = c->exit_info_1;
	info->info2 = c->exit_info_2;
	info->intr_info = c->exit_int_info;
	info->error_code = (c->exit_int_info & SVM_EXITINTINFO_VALID) &&
			   (c->exit_int_info & SVM_EXITINTINFO_VALID_ERR) ?
			   c->exit_int_info_err : 0;
}

const struct okvm_x86_ops okvm_svm_ops = {
	.name = "svm",
	.hardware_setup = okvm_svm_hardware_setup,
	.hardware_unsetup = okvm_svm_hardware_unsetup,
	.set_tss_addr = svm_set_tss_addr,
	.set_identity_map_addr = svm_set_identity_map_addr,
	.vcpu_create = svm_vcpu_create,
	.vcpu_free = svm_vcpu_free,
	.vcpu_reset = svm_vcpu_reset,
	.get_rip = svm_get_rip,
	.set_rip = svm_set_rip,
	.get_rflags = svm_get_rflags,
	.set_rflags = svm_set_rflags,
	.get_segment = svm_get_segment,
	.set_segment = svm_set_segment,
	.get_dtable = svm_get_dtable,
	.set_dtable = svm_set_dtable,
	.get_cpl = svm_get_cpl,
	.get_cr = svm_get_cr,
	.set_cr = svm_set_cr,
	.get_efer = svm_get_efer,
	.set_efer = svm_set_efer,
	.get_dr = svm_get_dr,
	.set_dr = svm_set_dr,
	.get_msr = svm_get_msr,
	.set_msr = svm_set_msr,
	.get_interrupt_shadow = svm_get_interrupt_shadow,
	.set_interrupt_shadow = svm_set_interrupt_shadow,
	.write_tsc_offset = svm_write_tsc_offset,
	.set_hlt_exiting = svm_set_hlt_exiting,
	.skip_emulated_instruction = svm_skip_emulated_instruction,
	.flush_guest_tlb = svm_flush_guest_tlb,
	.inject_exception = svm_inject_exception,
	.inject_nmi = svm_inject_nmi,
	.inject_irq = svm_inject_irq,
	.cancel_injection = svm_cancel_injection,
	.get_nmi_mask = svm_get_nmi_mask,
	.set_nmi_mask = svm_set_nmi_mask,
	.nmi_blocked = svm_nmi_blocked,
	.interrupt_blocked = svm_interrupt_blocked,
	.enable_nmi_window = svm_enable_nmi_window,
	.enable_irq_window = svm_enable_irq_window,
	.vcpu_run = svm_vcpu_run,
	.handle_exit = okvm_svm_handle_exit,
	.get_exit_info = svm_get_exit_info,
};
