// SPDX-License-Identifier: GPL-2.0-only
/*
 * AMD SVM: per-CPU enablement, VMCBs, the run loop and exit handling.
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

#include "arch.h"
#include "coalesced.h"
#include "kvmclock.h"
#include "msr.h"
#include "pv.h"
#include "svm.h"
#include "userirq.h"
#include "xsave.h"

void okvm_svm_vmrun(u64 vmcb_pa, unsigned long *regs, u64 host_save_pa);

/* Architectural reset values of DR6 and DR7. */
#define OKVM_DR6_INIT	0xffff0ff0UL
#define OKVM_DR7_INIT	0x400UL
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
 * okvm_svm_init() - check for SVM with nested paging and enable it
 *
 * Verify that: the CPU has SVM and NPT, firmware did not lock SVM off,
 * and no other hypervisor has SVM enabled on any CPU.
 *
 * Return: 0, -ENODEV on a CPU that cannot run okvm (one log line), -EBUSY
 * if SVM is in use, -ENOMEM.
 */
int okvm_svm_init(void)
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
	okvm_xsave_setup();

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

void okvm_svm_exit(void)
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
#define SEG_CODE	(SEG_P | SEG_S | 0xb)	/* exec/read, accessed */
#define SEG_DATA	(SEG_P | SEG_S | 0x3)	/* read/write, accessed */

/**
 * okvm_svm_vcpu_reset() - put a vCPU in the x86 RESET state
 * @vcpu: the vCPU, not running
 *
 * Real mode at F000:FFF0 as after a power-on RESET, with okvm's intercepts
 * and nested paging set up in the VMCB.
 */
void okvm_svm_vcpu_reset(struct okvm_vcpu *vcpu)
{
	struct vmcb *vmcb = vcpu->arch.vmcb;
	struct vmcb_control_area *c = &vmcb->control;
	struct vmcb_save_area *s = &vmcb->save;
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

	c->iopm_base_pa = __pa(okvm_iopm);
	c->msrpm_base_pa = __pa(okvm_msrpm);
	/* The TSC runs on through INIT and shutdown (tsc.c owns the offset). */
	c->tsc_offset = vcpu->arch.tsc_offset;
	c->int_ctl = V_INTR_MASKING_MASK;
	c->nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
	c->nested_cr3 = __pa(vm->mmu.direct.spt);

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
	s->cr0 = X86_CR0_NW | X86_CR0_CD | X86_CR0_ET;
	s->dr6 = OKVM_DR6_INIT;
	s->dr7 = OKVM_DR7_INIT;
	s->rflags = X86_EFLAGS_FIXED;
	s->rip = 0xfff0;
	s->g_pat = 0x0007040600070406ULL;

	memset(vcpu->arch.regs, 0, sizeof(vcpu->arch.regs));
	vcpu->arch.regs[OKVM_RDX] = 0x600;	/* the RESET signature in EDX */
	memset(vcpu->arch.db, 0, sizeof(vcpu->arch.db));
	vcpu->arch.apic_base = 0xfee00000 | MSR_IA32_APICBASE_ENABLE |
			       (vcpu->vcpu_id == vm->arch.bsp_vcpu_id ?
				MSR_IA32_APICBASE_BSP : 0);
	vcpu->arch.misc_enable = 0;
	vcpu->arch.hwcr = 0;
	vcpu->arch.tsc_aux = 0;
	vcpu->arch.pio_pending = false;
	/* Force a fresh ASID on the next entry. */
	vcpu->arch.asid_gen = 0;
	okvm_fpu_init(vcpu);
	vcpu->arch.xcr0 = XFEATURE_MASK_FP;
	okvm_cpuid_runtime_update(vcpu);
}

/**
 * okvm_svm_vcpu_alloc() - allocate a vCPU's VMCB, PIO page and FPU image
 * @vcpu: the vCPU being created
 *
 * Return: 0 or -ENOMEM, with nothing left allocated on failure.
 */
int okvm_svm_vcpu_alloc(struct okvm_vcpu *vcpu)
{
	struct page *vmcb, *pio;
	unsigned int size = 512;

	if (boot_cpu_has(X86_FEATURE_XSAVE))
		size = cpuid_ebx(0xd);		/* for the host's XCR0 */
	vmcb = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	pio = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	/* XSAVE needs 64-byte alignment: whole pages give it. */
	vcpu->arch.fpu = (void *)__get_free_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO,
						  get_order(size));
	if (!vmcb || !pio || !vcpu->arch.fpu) {
		if (vmcb)
			__free_page(vmcb);
		if (pio)
			__free_page(pio);
		free_pages((unsigned long)vcpu->arch.fpu, get_order(size));
		vcpu->arch.fpu = NULL;
		return -ENOMEM;
	}
	atomic_long_add(2 + (1 << get_order(size)), &okvm_live_pages);
	vcpu->arch.fpu_size = size;
	vcpu->arch.vmcb = page_address(vmcb);
	vcpu->arch.vmcb_pa = page_to_phys(vmcb);
	vcpu->arch.pio_page = pio;
	vcpu->arch.mode = OKVM_OUTSIDE_GUEST_MODE;
	vcpu->arch.cpu = -1;
	vcpu->arch.last_cpu = -1;
	okvm_svm_vcpu_reset(vcpu);
	return 0;
}

void okvm_svm_vcpu_free(struct okvm_vcpu *vcpu)
{
	unsigned int order = get_order(vcpu->arch.fpu_size);
	int cpu;

	/*
	 * The page may come back as another vCPU's VMCB: forget it everywhere,
	 * or that vCPU would skip its IBPB on a CPU where this one ran.
	 */
	for_each_possible_cpu(cpu)
		cmpxchg(&per_cpu(okvm_svm_cpu, cpu).current_vmcb,
			vcpu->arch.vmcb, NULL);
	__free_page(virt_to_page(vcpu->arch.vmcb));
	__free_page(vcpu->arch.pio_page);
	free_pages((unsigned long)vcpu->arch.fpu, order);
	atomic_long_sub(2 + (1 << order), &okvm_live_pages);
}

/* --- events and instruction skipping -------------------------------------- */

void okvm_svm_inject_exception(struct okvm_vcpu *vcpu, u8 vector,
			       bool has_error, u32 error)
{
	struct vmcb_control_area *c = &vcpu->arch.vmcb->control;

	c->event_inj = vector | SVM_EVTINJ_TYPE_EXEPT | SVM_EVTINJ_VALID |
		       (has_error ? SVM_EVTINJ_VALID_ERR : 0);
	c->event_inj_err = error;
}

/*
 * Step over an emulated instruction of @len bytes. Its interrupt shadow
 * (STI, MOV SS) ends with it.
 */
void okvm_svm_skip_insn(struct okvm_vcpu *vcpu, unsigned int len)
{
	struct vmcb *vmcb = vcpu->arch.vmcb;

	vmcb->save.rip += len;
	if (!(vmcb->save.efer & EFER_LMA) || !(vmcb->save.cs.attrib & (1 << 9)))
		vmcb->save.rip = (u32)vmcb->save.rip;
	vmcb->control.int_state &= ~SVM_INTERRUPT_SHADOW_MASK;
}

/**
 * okvm_svm_skip_exit_insn() - retire the instruction an intercept stopped
 * @vcpu: the vCPU, after okvm carried out its CPUID, RDMSR, HLT, ...
 *
 * Prefixes make the length vary (66 0F A2 is a CPUID too), so never
 * assume the bare opcode's: take NRIP save's next RIP if the CPU has it,
 * else decode the instruction at CS:RIP (QEMU's SVM has no NRIP save).
 *
 * Return: 1 to re-enter the guest, or 0 with KVM_EXIT_INTERNAL_ERROR.
 */
int okvm_svm_skip_exit_insn(struct okvm_vcpu *vcpu)
{
	struct vmcb *vmcb = vcpu->arch.vmcb;

	if (boot_cpu_has(X86_FEATURE_NRIPS) && vmcb->control.next_rip) {
		vmcb->save.rip = vmcb->control.next_rip;
		okvm_svm_skip_insn(vcpu, 0);
		return 1;
	}
	return okvm_skip_decoded_insn(vcpu);
}

/* --- TLB ----------------------------------------------------------------- */

static void okvm_noop_ipi(void *unused)
{
}

/**
 * okvm_svm_flush_remote_tlbs() - make every vCPU drop its guest TLB
 * @vm: the VM
 *
 * Each vCPU takes a fresh ASID on its next entry; vCPUs in the guest now
 * are forced out by an IPI and this waits for them to be out. Pairs with
 * the mode/tlb_gen ordering in okvm_svm_enter(). Does not sleep.
 */
void okvm_svm_flush_remote_tlbs(struct okvm_vm *vm)
{
	struct okvm_vcpu *vcpu;
	cpumask_var_t cpus;
	unsigned long i;

	vm->stat.remote_tlb_flush_requests++;
	atomic64_inc(&vm->arch.tlb_gen);
	/* The new generation before the modes: pairs with okvm_svm_enter(). */
	smp_mb__after_atomic();
	if (!zalloc_cpumask_var(&cpus, GFP_ATOMIC)) {
		/* Without a mask, interrupt every CPU: rare and still correct. */
		on_each_cpu(okvm_noop_ipi, NULL, 1);
		vm->stat.remote_tlb_flush++;
		return;
	}
	/* RCU: a vCPU whose creation failed is freed after a grace period. */
	rcu_read_lock();
	xa_for_each(&vm->vcpu_array, i, vcpu) {
		int cpu = READ_ONCE(vcpu->arch.cpu);

		if (READ_ONCE(vcpu->arch.mode) == OKVM_IN_GUEST_MODE &&
		    cpu >= 0 && cpu < nr_cpu_ids)
			cpumask_set_cpu(cpu, cpus);
	}
	rcu_read_unlock();
	preempt_disable();
	cpumask_clear_cpu(smp_processor_id(), cpus);
	if (!cpumask_empty(cpus))
		smp_call_function_many(cpus, okvm_noop_ipi, NULL, true);
	preempt_enable();
	free_cpumask_var(cpus);
	vm->stat.remote_tlb_flush++;
}

/* --- the run loop ---------------------------------------------------------- */

/*
 * Every component but PKRU: the kernel does not restore a task's PKRU on
 * return to user mode, so PKRU is switched by hand (okvm_svm_enter()).
 */
#define OKVM_XSAVE_LO	(~(u32)BIT(9))	/* XFEATURE_PKRU */

static inline void okvm_xsave(void *buf)
{
	if (boot_cpu_has(X86_FEATURE_XSAVE))
		asm volatile("xsave64 (%0)" : : "r" (buf), "a" (OKVM_XSAVE_LO),
			     "d" (-1) : "memory");
	else
		asm volatile("fxsave64 (%0)" : : "r" (buf) : "memory");
}

static inline void okvm_xrstor(void *buf)
{
	if (boot_cpu_has(X86_FEATURE_XSAVE))
		asm volatile("xrstor64 (%0)" : : "r" (buf), "a" (OKVM_XSAVE_LO),
			     "d" (-1) : "memory");
	else
		asm volatile("fxrstor64 (%0)" : : "r" (buf) : "memory");
}

static void okvm_svm_new_asid(struct okvm_vcpu *vcpu, struct okvm_svm_cpu *sd)
{
	struct vmcb_control_area *c = &vcpu->arch.vmcb->control;

	if (sd->next_asid > okvm_max_asid) {
		/* Every ASID of the old generation may be stale: flush all. */
		sd->asid_gen++;
		sd->next_asid = 1;
		c->tlb_ctl = TLB_CONTROL_FLUSH_ALL_ASID;
	}
	vcpu->arch.asid = sd->next_asid++;
	vcpu->arch.asid_gen = sd->asid_gen;
	c->asid = vcpu->arch.asid;
}

/*
 * One trip into the guest and back. Interrupts are off from before the
 * vCPU announces IN_GUEST_MODE until after #VMEXIT, so a TLB-flush or kick
 * IPI sent meanwhile is taken as an immediate #VMEXIT(INTR).
 */
/*
 * A machine check that hit the guest became a #VMEXIT: hand it to the
 * host's handler, on this CPU, as if it had interrupted user mode.
 */
static void okvm_svm_machine_check(void)
{
	struct pt_regs regs = {
		.cs = 3,	/* user mode: the handler may kill, not panic */
		.flags = X86_EFLAGS_IF,
	};

	do_machine_check(&regs);
}

static bool okvm_svm_enter(struct okvm_vcpu *vcpu)
{
	struct vmcb *vmcb = vcpu->arch.vmcb;
	unsigned long host_db[4], host_dr6, host_dr7;
	u32 host_pkru = 0;
	bool guest_xcr0;
	struct okvm_svm_cpu *sd;
	u64 tlb_gen;
	int i, cpu;

	kernel_fpu_begin();
	local_irq_disable();
	cpu = smp_processor_id();
	sd = this_cpu_ptr(&okvm_svm_cpu);
	/* A reboot (or kexec) turned SVM off under us: VMRUN would #UD. */
	if (unlikely(!sd->enabled)) {
		local_irq_enable();
		kernel_fpu_end();
		vcpu->arch.svm_off = true;
		return false;
	}

	WRITE_ONCE(vcpu->arch.cpu, cpu);
	WRITE_ONCE(vcpu->arch.mode, OKVM_IN_GUEST_MODE);
	smp_mb();	/* mode before tlb_gen: see okvm_svm_flush_remote_tlbs() */
	if (okvm_irqchip_entry_aborted(vcpu) || signal_pending(current) ||
	    need_resched() || okvm_kvmclock_stale(vcpu, cpu)) {
		/*
		 * An interrupt arrived after the irqchip was evaluated, or a
		 * signal or reschedule IPI was taken before interrupts went off.
		 */
		WRITE_ONCE(vcpu->arch.mode, OKVM_OUTSIDE_GUEST_MODE);
		local_irq_enable();
		kernel_fpu_end();
		return false;
	}
	tlb_gen = atomic64_read(&vcpu->vm->arch.tlb_gen);
	if (vcpu->arch.asid_gen != sd->asid_gen ||
	    vcpu->arch.tlb_gen_seen != tlb_gen || vcpu->arch.asid == 0 ||
	    vcpu->arch.last_cpu != cpu) {
		vcpu->arch.tlb_gen_seen = tlb_gen;
		okvm_svm_new_asid(vcpu, sd);
	}
	vcpu->arch.last_cpu = cpu;
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

	/* DR0-3 are not switched by VMRUN: swap them by hand. */
	host_dr7 = native_get_debugreg(7);
	if (host_dr7 & ~OKVM_DR7_INIT)
		native_set_debugreg(7, 0);
	host_dr6 = native_get_debugreg(6);
	for (i = 0; i < 4; i++) {
		host_db[i] = native_get_debugreg(i);
		native_set_debugreg(i, vcpu->arch.db[i]);
	}

	/*
	 * TSC_AUX is not switched by VMRUN and RDTSCP/RDPID read it in the
	 * guest: load the guest's value, give the host (its CPU number) back.
	 */
	if (okvm_has_tsc_aux && sd->host_tsc_aux != vcpu->arch.tsc_aux)
		wrmsrl(MSR_TSC_AUX, vcpu->arch.tsc_aux);

	if (okvm_has_pkru) {
		host_pkru = rdpkru();
		if (host_pkru != vcpu->arch.pkru)
			wrpkru(vcpu->arch.pkru);
	}
	okvm_xrstor(vcpu->arch.fpu);
	/*
	 * The image is restored and saved under the host's XCR0 (a superset
	 * of any guest's), so only the guest's own XCR0 is switched, as
	 * close to VMRUN as possible. It matters only with CR4.OSXSAVE
	 * (CR4 writes exit, so the guest cannot change that meanwhile).
	 */
	guest_xcr0 = vmcb->save.cr4 & X86_CR4_OSXSAVE;
	if (guest_xcr0 && vcpu->arch.xcr0 != okvm_host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vcpu->arch.xcr0);
	clgi();
	okvm_svm_vmrun(vcpu->arch.vmcb_pa, vcpu->arch.regs,
		       page_to_phys(sd->host_save));
	/*
	 * Read back rather than trust: a CPU model that ignores the XSETBV
	 * intercept (QEMU's TCG) lets the guest write XCR0 itself, and the
	 * host must not keep that value. XGETBV is cheap; XSETBV is not.
	 */
	if (guest_xcr0 && xgetbv(XCR_XFEATURE_ENABLED_MASK) != okvm_host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, okvm_host_xcr0);
	okvm_xsave(vcpu->arch.fpu);
	if (okvm_has_pkru) {
		vcpu->arch.pkru = rdpkru();
		if (vcpu->arch.pkru != host_pkru)
			wrpkru(host_pkru);
	}
	if (unlikely(vmcb->control.exit_code == SVM_EXIT_EXCP_BASE + MC_VECTOR))
		okvm_svm_machine_check();
	if (okvm_has_tsc_aux && sd->host_tsc_aux != vcpu->arch.tsc_aux)
		wrmsrl(MSR_TSC_AUX, sd->host_tsc_aux);

	for (i = 0; i < 4; i++) {
		vcpu->arch.db[i] = native_get_debugreg(i);
		native_set_debugreg(i, host_db[i]);
	}
	native_set_debugreg(6, host_dr6);
	/* #VMEXIT leaves DR7 at its reset value: restore the host's. */
	if (host_dr7 & ~OKVM_DR7_INIT)
		native_set_debugreg(7, host_dr7);

	vcpu->arch.regs[OKVM_RAX] = vmcb->save.rax;
	vcpu->arch.regs[OKVM_RSP] = vmcb->save.rsp;
	vmcb->control.tlb_ctl = TLB_CONTROL_DO_NOTHING;

	WRITE_ONCE(vcpu->arch.mode, OKVM_OUTSIDE_GUEST_MODE);
	stgi();
	local_irq_enable();
	kernel_fpu_end();
	return true;
}

/* --- exits ----------------------------------------------------------------- */

static int okvm_internal_error(struct okvm_vcpu *vcpu, u32 suberror,
			       u64 d0, u64 d1)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = 3;
	run->internal.data[0] = d0;
	run->internal.data[1] = d1;
	run->internal.data[2] = vcpu->arch.vmcb->save.rip;
	return 0;
}

/* NPF error code: the access was a write (APM vol. 2, 15.25.6). */
#define OKVM_NPF_WRITE	BIT_ULL(1)


static int okvm_handle_io(struct okvm_vcpu *vcpu)
{
	struct vmcb_control_area *c = &vcpu->arch.vmcb->control;
	struct kvm_run *run = vcpu->run;
	u32 info = c->exit_info_1;
	u8 size = (info >> OKVM_IOIO_SIZE_SHIFT) & 7;	/* 1, 2 or 4 */
	void *data = page_address(vcpu->arch.pio_page);

	if (info & OKVM_IOIO_STR)
		return okvm_string_io(vcpu);
	if (okvm_irqchip_pio(vcpu, info >> 16, info & OKVM_IOIO_IN, size,
			     &vcpu->arch.regs[OKVM_RAX])) {
		vcpu->arch.vmcb->save.rip = c->exit_info_2;
		okvm_svm_skip_insn(vcpu, 0);
		return 1;
	}
	if (!(info & OKVM_IOIO_IN) &&
	    (okvm_ioeventfd_write(vcpu->vm, true, info >> 16, size,
				  &vcpu->arch.regs[OKVM_RAX]) ||
	     okvm_coalesced_write(vcpu->vm, true, info >> 16, size,
				  &vcpu->arch.regs[OKVM_RAX], 1))) {
		vcpu->arch.vmcb->save.rip = c->exit_info_2;
		okvm_svm_skip_insn(vcpu, 0);
		return 1;
	}

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = (info & OKVM_IOIO_IN) ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = info >> 16;
	run->io.count = 1;
	run->io.data_offset = KVM_PIO_PAGE_OFFSET * PAGE_SIZE;
	if (!(info & OKVM_IOIO_IN))
		memcpy(data, &vcpu->arch.regs[OKVM_RAX], size);

	/* EXITINFO2 is the next RIP for IOIO even without NRIP save. */
	vcpu->arch.pio = (struct okvm_pending_io) {
		.in = info & OKVM_IOIO_IN,
		.size = size,
		.next_rip = c->exit_info_2,
	};
	vcpu->arch.pio_pending = true;
	vcpu->stat.io_exits++;
	return 0;
}

/* Finish the port access userspace just served (KVM_RUN after KVM_EXIT_IO). */
static int okvm_complete_io(struct okvm_vcpu *vcpu)
{
	struct okvm_pending_io *p = &vcpu->arch.pio;
	unsigned long *rax = &vcpu->arch.regs[OKVM_RAX];
	u64 v = 0;

	if (p->string)
		return okvm_complete_string_io(vcpu);

	if (p->in) {
		memcpy(&v, page_address(vcpu->arch.pio_page), p->size);
		if (p->size == 4)	/* a 32-bit destination zero-extends */
			*rax = v;
		else
			*rax = (*rax & ~((1UL << (p->size * 8)) - 1)) | v;
	}
	vcpu->arch.vmcb->save.rip = p->next_rip;
	vcpu->arch.vmcb->control.int_state &= ~SVM_INTERRUPT_SHADOW_MASK;
	vcpu->arch.pio_pending = false;
	return 0;
}

static int okvm_handle_cpuid(struct okvm_vcpu *vcpu)
{
	unsigned long *r = vcpu->arch.regs;
	u32 a, b, c, d;

	okvm_cpuid_lookup(vcpu, r[OKVM_RAX], r[OKVM_RCX], &a, &b, &c, &d);
	r[OKVM_RAX] = a;
	r[OKVM_RBX] = b;
	r[OKVM_RCX] = c;
	r[OKVM_RDX] = d;
	return okvm_svm_skip_exit_insn(vcpu);
}

static int okvm_handle_npf(struct okvm_vcpu *vcpu)
{
	struct vmcb_control_area *c = &vcpu->arch.vmcb->control;
	u64 gpa = c->exit_info_2, err = c->exit_info_1;
	int r;

	r = okvm_mmu_page_fault(vcpu, gpa, err & OKVM_NPF_WRITE);
	/*
	 * MMIO while an event was being delivered (an IDT or stack in MMIO):
	 * the instruction at RIP did not make the access. KVM reports it so.
	 */
	if (r == OKVM_FAULT_MMIO && (c->exit_int_info & SVM_EXITINTINFO_VALID)) {
		c->event_inj = 0;
		return okvm_internal_error(vcpu, KVM_INTERNAL_ERROR_DELIVERY_EV,
					   gpa, c->exit_int_info);
	}
	if (r == OKVM_FAULT_MMIO)
		return okvm_emulate_mmio(vcpu, gpa);
	return r;
}

/*
 * An event (interrupt, NMI, exception) that was being delivered when the
 * exit happened is delivered again on the next entry. Software interrupts
 * are not: their RIP is still the INTn, which simply runs again.
 */
static void okvm_reinject(struct okvm_vcpu *vcpu)
{
	struct vmcb_control_area *c = &vcpu->arch.vmcb->control;
	u32 info = c->exit_int_info;

	if (!(info & SVM_EXITINTINFO_VALID))
		return;
	/*
	 * #BP and #OF from INT3/INTO are reported as exceptions but are
	 * traps of an instruction: without NRIP save the return address
	 * would be wrong, and RIP still points at the instruction, which
	 * simply runs again.
	 */
	if ((info & SVM_EXITINTINFO_TYPE_MASK) == SVM_EXITINTINFO_TYPE_EXEPT &&
	    ((info & SVM_EXITINTINFO_VEC_MASK) == BP_VECTOR ||
	     (info & SVM_EXITINTINFO_VEC_MASK) == OF_VECTOR))
		return;
	switch (info & SVM_EXITINTINFO_TYPE_MASK) {
	case SVM_EXITINTINFO_TYPE_INTR:
	case SVM_EXITINTINFO_TYPE_NMI:
	case SVM_EXITINTINFO_TYPE_EXEPT:
		c->event_inj = info;
		c->event_inj_err = c->exit_int_info_err;
		break;
	}
}

/* Return: 1 to re-enter the guest, 0 to return to userspace, or -errno. */
static int okvm_handle_exit(struct okvm_vcpu *vcpu)
{
	struct vmcb *vmcb = vcpu->arch.vmcb;
	struct kvm_run *run = vcpu->run;
	u32 code = vmcb->control.exit_code;

	vcpu->stat.exits++;
	if (code != SVM_EXIT_ERR)
		okvm_reinject(vcpu);

	switch (code) {
	case SVM_EXIT_INTR:
		vcpu->stat.irq_exits++;
		return 1;
	case SVM_EXIT_NMI:
	case SVM_EXIT_SMI:
		/* Taken by the host once GIF is set again. */
		return 1;
	case SVM_EXIT_EXCP_BASE + MC_VECTOR:
		/* Handled by the host in okvm_svm_enter(); not the guest's. */
		return 1;
	case SVM_EXIT_EXCP_BASE + AC_VECTOR:
		okvm_svm_inject_exception(vcpu, AC_VECTOR, true, 0);
		return 1;
	case SVM_EXIT_EXCP_BASE + UD_VECTOR:
		return okvm_pv_handle_ud(vcpu);
	case SVM_EXIT_VMMCALL:
		return okvm_pv_hypercall(vcpu);
	case SVM_EXIT_EXCP_BASE + DB_VECTOR:
		/* DR6 was updated in the VMCB; deliver the #DB itself. */
		okvm_svm_inject_exception(vcpu, DB_VECTOR, false, 0);
		return 1;
	case SVM_EXIT_RDPMC:
		/* No virtual PMU. */
		okvm_svm_inject_exception(vcpu, GP_VECTOR, true, 0);
		return 1;
	case SVM_EXIT_WBINVD:
		/* Not the guest's to flush the host's caches. */
		return okvm_svm_skip_exit_insn(vcpu);
	case SVM_EXIT_NPF:
		return okvm_handle_npf(vcpu);
	case SVM_EXIT_IOIO:
		return okvm_handle_io(vcpu);
	case SVM_EXIT_CPUID:
		return okvm_handle_cpuid(vcpu);
	case SVM_EXIT_MSR:
		return okvm_msr_exit(vcpu);
	case SVM_EXIT_XSETBV:
		return okvm_handle_xsetbv(vcpu);
	case SVM_EXIT_WRITE_CR4:
		return okvm_handle_cr4_write(vcpu);
	case SVM_EXIT_HLT:
		if (!okvm_svm_skip_exit_insn(vcpu))
			return 0;
		vcpu->stat.halt_exits++;
		if (vcpu->arch.irq.apic) {
			/* Blocks in the kernel until an interrupt can wake it. */
			vcpu->arch.irq.mp_state = KVM_MP_STATE_HALTED;
			return 1;
		}
		run->exit_reason = KVM_EXIT_HLT;
		return 0;
	case SVM_EXIT_VINTR:
		/* The interrupt window opened: inject on the next entry. */
		return 1;
	case SVM_EXIT_INVD:
		/* Never let a guest throw away host-dirty cache lines. */
		return okvm_svm_skip_exit_insn(vcpu);
	case SVM_EXIT_SHUTDOWN:
		/* The VMCB is undefined after a shutdown: start over. */
		okvm_svm_vcpu_reset(vcpu);
		run->exit_reason = KVM_EXIT_SHUTDOWN;
		return 0;
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_INVLPGA:
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
	case SVM_EXIT_RDPRU:
		/* Not offered to guests (no nested SVM). */
		okvm_svm_inject_exception(vcpu, UD_VECTOR, false, 0);
		return 1;
	case SVM_EXIT_ERR:
		run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		run->fail_entry.hardware_entry_failure_reason = code;
		run->fail_entry.cpu = vcpu->arch.cpu;
		return 0;
	default:
		return okvm_internal_error(vcpu,
					   KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
					   code, vmcb->control.exit_info_1);
	}
}

/**
 * okvm_svm_run() - KVM_RUN on x86
 * @vcpu: the vCPU, its mutex held
 *
 * Completes a pending port access first (as KVM does, even with
 * immediate_exit), then runs the guest until an exit userspace must see.
 *
 * Return: 0 with run->exit_reason set, -EINTR (signal or immediate_exit),
 * or another negative errno.
 */
int okvm_svm_run(struct okvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	int r;

	if (vcpu->arch.pio_pending) {
		r = okvm_complete_io(vcpu);
		if (r < 0)
			return r;
	}
	if (vcpu->arch.mmio_pending)
		okvm_complete_mmio(vcpu);
	if (vcpu->arch.msr_exit && !okvm_msr_complete_user(vcpu))
		return 0;
	if (!vcpu->wants_to_run)
		return -EINTR;

	for (;;) {
		if (signal_pending(current)) {
			run->exit_reason = KVM_EXIT_INTR;
			vcpu->stat.signal_exits++;
			return -EINTR;
		}
		cond_resched();
		okvm_userirq_before_entry(vcpu);
		if (!okvm_irqchip_before_entry(vcpu)) {
			/* Halted, or an AP waiting for SIPI. */
			r = okvm_irqchip_hlt(vcpu);
			if (r < 0)
				return r;
			continue;
		}
		okvm_pv_before_entry(vcpu);
		if (!okvm_svm_enter(vcpu)) {
			if (unlikely(vcpu->arch.svm_off))
				return -EIO;	/* the host is going down */
			continue;
		}
		vcpu->arch.ran = true;
		okvm_irqchip_after_exit(vcpu);
		okvm_userirq_after_exit(vcpu);
		r = okvm_handle_exit(vcpu);
		if (r <= 0)
			return r;
		if (okvm_userirq_window_exit(vcpu))
			return 0;
	}
}
