// SPDX-License-Identifier: GPL-2.0-only
/*
 * The x86 run loop, common to every backend: KVM_RUN's completion of the
 * exit userspace served, event injection from the queue, the halt and
 * wait-for-SIPI states, signal and reschedule checks; the backend only
 * enters the guest and decodes the exit (docs/design.md, "path of an exit").
 *
 * Also the remote TLB flush and the entry-cancel check that pairs with it:
 * both are about where a vCPU is (vcpu->arch.mode), which is common.
 */
#include <linux/kvm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "arch.h"
#include "irqchip/irqchip.h"
#include "kvmclock.h"
#include "pv.h"
#include "steal.h"
#include "userirq.h"
#include "x86.h"

static void okvm_noop_ipi(void *unused)
{
}

/**
 * okvm_x86_flush_remote_tlbs() - make every vCPU drop its guest TLB
 * @vm: the VM
 *
 * Each vCPU flushes on its next entry (the backend compares
 * vm->arch.tlb_gen with the generation it last saw); vCPUs in the guest
 * now are forced out by an IPI and this waits for them to be out. Pairs
 * with the mode/tlb_gen ordering in the backend's vcpu_run. Does not sleep.
 */
void okvm_x86_flush_remote_tlbs(struct okvm_vm *vm)
{
	struct okvm_vcpu *vcpu;
	cpumask_var_t cpus;
	unsigned long i;

	vm->stat.remote_tlb_flush_requests++;
	atomic64_inc(&vm->arch.tlb_gen);
	/* The new generation before the modes: pairs with vcpu_run. */
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

/**
 * okvm_x86_entry_cancelled() - must the entry be abandoned at the last moment?
 * @vcpu: the vCPU, IN_GUEST_MODE already announced, interrupts off
 * @cpu: the CPU it is about to enter on
 *
 * An interrupt arrived after the irqchip was evaluated, a signal or a
 * reschedule IPI was taken before interrupts went off, or the kvmclock page
 * must be rewritten for this CPU.
 *
 * Return: true to go round the run loop again.
 */
bool okvm_x86_entry_cancelled(struct okvm_vcpu *vcpu, int cpu)
{
	return okvm_irqchip_entry_aborted(vcpu) || signal_pending(current) ||
	       need_resched() || okvm_kvmclock_stale(vcpu, cpu) ||
	       okvm_vm_mmu_broken(vcpu->vm);
}

/**
 * okvm_x86_halt() - HLT
 * @vcpu: the vCPU, its HLT just intercepted
 *
 * With the in-kernel irqchip the vCPU blocks in the kernel until an
 * interrupt wakes it; without, userspace sees KVM_EXIT_HLT.
 *
 * Return: 1 to go on in the kernel, 0 with KVM_EXIT_HLT (or an
 * emulation-failure exit).
 */
int okvm_x86_halt(struct okvm_vcpu *vcpu)
{
	if (!okvm_skip_exit_insn(vcpu))
		return 0;
	vcpu->stat.halt_exits++;
	if (vcpu->arch.irq.apic) {
		vcpu->arch.irq.mp_state = KVM_MP_STATE_HALTED;
		return 1;
	}
	vcpu->run->exit_reason = KVM_EXIT_HLT;
	return 0;
}

/**
 * okvm_x86_shutdown() - a shutdown (triple fault)
 * @vcpu: the vCPU
 *
 * The VMCB is undefined after a shutdown: start over from INIT (some
 * machines INIT a CPU that shuts down), and tell userspace, as KVM on SVM
 * does.
 *
 * Return: 0 with KVM_EXIT_SHUTDOWN.
 */
int okvm_x86_shutdown(struct okvm_vcpu *vcpu)
{
	okvm_vcpu_reset(vcpu, true);
	vcpu->run->exit_reason = KVM_EXIT_SHUTDOWN;
	return 0;
}

/**
 * okvm_x86_cpuid_insn() - CPUID, from the vCPU's table
 * @vcpu: the vCPU
 *
 * Return: 1 (the guest goes on), or 0 with an emulation-failure exit.
 */
int okvm_x86_cpuid_insn(struct okvm_vcpu *vcpu)
{
	unsigned long *r = vcpu->arch.regs;
	u32 a, b, c, d;

	okvm_cpuid_lookup(vcpu, r[OKVM_RAX], r[OKVM_RCX], &a, &b, &c, &d);
	r[OKVM_RAX] = a;
	r[OKVM_RBX] = b;
	r[OKVM_RCX] = c;
	r[OKVM_RDX] = d;
	return okvm_skip_exit_insn(vcpu);
}

/* SIPI: real mode at vector:0000 (SDM vol. 3, 8.4.4.1). */
static void sipi_reset(struct okvm_vcpu *vcpu, u8 vector)
{
	struct kvm_segment cs;

	okvm_x86_ops.get_segment(vcpu, &cs, OKVM_SEG_CS);
	cs.selector = vector << 8;
	cs.base = (u64)vector << 12;
	okvm_x86_ops.set_segment(vcpu, &cs, OKVM_SEG_CS);
	okvm_rip_write(vcpu, 0);
}

/*
 * Take INIT, SIPI and NMI from the in-kernel APIC and say whether the vCPU
 * may run: not while halted with nothing to wake it, nor while waiting for
 * SIPI. mp_state is the vCPU thread's own: no lock.
 */
static bool vcpu_runnable(struct okvm_vcpu *vcpu)
{
	struct okvm_vcpu_irq *irq = &vcpu->arch.irq;
	u8 sipi = 0;
	u32 ev;

	if (!irq->apic)
		return true;
	ev = okvm_irqchip_take_events(vcpu, &sipi);
	if (ev & OKVM_LAPIC_EV_INIT) {
		/* INIT; the APIC's own INIT state is the irqchip's. */
		okvm_vcpu_reset(vcpu, true);
		okvm_irqchip_init_reset(vcpu);
	}
	if ((ev & OKVM_LAPIC_EV_SIPI) &&
	    (irq->mp_state == KVM_MP_STATE_INIT_RECEIVED ||
	     irq->mp_state == KVM_MP_STATE_UNINITIALIZED)) {
		sipi_reset(vcpu, sipi);
		irq->mp_state = KVM_MP_STATE_RUNNABLE;
	}
	if (ev & OKVM_LAPIC_EV_NMI)
		okvm_queue_nmi(vcpu);

	if (irq->mp_state == KVM_MP_STATE_HALTED &&
	    (vcpu->arch.ev.nmi_pending ||
	     ((okvm_rflags_read(vcpu) & X86_EFLAGS_IF) &&
	      okvm_irqchip_has_interrupt(vcpu))))
		irq->mp_state = KVM_MP_STATE_RUNNABLE;
	return irq->mp_state == KVM_MP_STATE_RUNNABLE;
}

/*
 * One entry and its exit. Return: as okvm_x86_ops.handle_exit (1 to go
 * round again, 0 or -errno to return to userspace).
 */
static int vcpu_enter_guest(struct okvm_vcpu *vcpu)
{
	enum okvm_run_result res;

	okvm_irqchip_tpr_to_guest(vcpu);
	okvm_inject_pending_events(vcpu);
	okvm_irqchip_pv_eoi_to_guest(vcpu);
	okvm_pv_before_entry(vcpu);

	res = okvm_x86_ops.vcpu_run(vcpu);
	okvm_irqchip_pv_eoi_from_guest(vcpu);
	if (res == OKVM_RUN_HOST_OFF) {
		okvm_x86_ops.cancel_injection(vcpu);
		return -EIO;	/* the host is going down */
	}
	if (res == OKVM_RUN_CANCELLED) {
		okvm_x86_ops.cancel_injection(vcpu);
		return 1;
	}
	vcpu->arch.ran = true;
	okvm_irqchip_tpr_from_guest(vcpu);
	return okvm_x86_ops.handle_exit(vcpu);
}

/**
 * okvm_x86_vcpu_run() - KVM_RUN on x86
 * @vcpu: the vCPU, its mutex held
 *
 * Completes the exit userspace served first (as KVM does, even with
 * immediate_exit), then runs the guest until an exit userspace must see.
 *
 * Return: 0 with run->exit_reason set, -EINTR (signal or immediate_exit),
 * or another negative errno.
 */
int okvm_x86_vcpu_run(struct okvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	int (*complete)(struct okvm_vcpu *vcpu);
	int r;

	complete = vcpu->arch.complete_userspace_io;
	if (complete) {
		vcpu->arch.complete_userspace_io = NULL;
		r = complete(vcpu);
		if (r <= 0)
			return r;
	}
	if (!vcpu->wants_to_run)
		return -EINTR;

	for (;;) {
		if (okvm_vm_mmu_broken(vcpu->vm))
			return -EIO;
		if (signal_pending(current)) {
			run->exit_reason = KVM_EXIT_INTR;
			vcpu->stat.signal_exits++;
			return -EINTR;
		}
		cond_resched();
		if (vcpu->arch.ev.triple_fault) {
			vcpu->arch.ev.triple_fault = false;
			return okvm_x86_shutdown(vcpu);
		}
		if (!vcpu_runnable(vcpu)) {
			/* Halted, or an AP waiting for SIPI. */
			r = okvm_irqchip_block(vcpu);
			if (r < 0)
				return r;
			continue;
		}
		r = vcpu_enter_guest(vcpu);
		if (r <= 0)
			return r;
		if (okvm_userirq_window_exit(vcpu) || okvm_irqchip_eoi_exit(vcpu))
			return 0;
	}
}

/**
 * okvm_arch_vcpu_run() - KVM_RUN
 * @vcpu: the vCPU, its mutex held
 *
 * Return: as okvm_x86_vcpu_run(), or -EINVAL for bad sync regs.
 */
int okvm_arch_vcpu_run(struct okvm_vcpu *vcpu)
{
	int r = okvm_sync_regs_in(vcpu);

	if (!r) {
		okvm_steal_time_update(vcpu);
		okvm_fpu_load(vcpu);
		r = okvm_x86_vcpu_run(vcpu);
		okvm_fpu_put(vcpu);
	}
	/* As KVM's store_regs() and post_kvm_run_save(), whatever the outcome. */
	okvm_sync_regs_out(vcpu);
	okvm_userirq_post_run(vcpu);
	return r;
}
