// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmclock: the per-VM clock KVM_GET_CLOCK/KVM_SET_CLOCK read and set, and
 * the pvclock page (MSR_KVM_SYSTEM_TIME{,_NEW}) and wall clock
 * (MSR_KVM_WALL_CLOCK{,_NEW}) through which a guest reads it.
 *
 * The VM's clock is the host's boot-time clock plus a per-VM offset. A
 * vCPU's pvclock page holds a (guest TSC, clock) pair taken together; it is
 * rewritten only when it must change (MSR write, KVM_SET_CLOCK, another
 * host CPU), never between a guest's RDTSC and its read of the page, which
 * would put the guest's TSC before the record's.
 */
#include <linux/kvm.h>
#include <linux/kvm_para.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <asm/kvm_para.h>
#include <asm/pvclock-abi.h>
#include <asm/tsc.h>

#include "kvmclock.h"
#include "pv.h"
#include "memslot.h"
#include "x86.h"
#include "tsc.h"

/* The host's clocks, read together. */
struct host_clocks {
	u64 tsc, boot_ns, real_ns;
	int cpu;
};

static void read_host_clocks(struct host_clocks *h)
{
	unsigned long flags;

	local_irq_save(flags);
	h->cpu = smp_processor_id();
	h->tsc = rdtsc_ordered();
	h->boot_ns = ktime_get_boottime_ns();
	h->real_ns = ktime_get_real_ns();
	local_irq_restore(flags);
}

static s64 vm_clock_ns(struct okvm_vm *vm, u64 boot_ns)
{
	return boot_ns + READ_ONCE(vm->arch.kvmclock_offset);
}

/*
 * Publish a pvclock record (its u32 version first) with the version
 * protocol: odd while the body changes, even after. @ctr is the vCPU's
 * count for this record.
 */
static void write_versioned(struct okvm_vcpu *vcpu, u64 gpa, void *rec,
			    unsigned int len, u32 *ctr)
{
	u32 *version = rec;

	*version = ++*ctr | 1;
	if (okvm_write_guest(vcpu->vm, gpa, version, sizeof(*version)))
		return;
	smp_wmb();	/* odd version visible before the body changes */
	okvm_write_guest(vcpu->vm, gpa, rec, len);
	smp_wmb();	/* body visible before the version is even again */
	*version = ++*ctr;
	okvm_write_guest(vcpu->vm, gpa, version, sizeof(*version));
}

/*
 * mul and shift for pvclock_scale_delta(): ns = ((tsc << shift) * mul) >> 32
 * (a right shift for a negative @shift), from a TSC of @khz.
 */
static void time_scale(u32 khz, s8 *shift, u32 *mul)
{
	u64 hz = (u64)khz * 1000, b = hz;
	s8 s = 0;

	/* Make NSEC_PER_SEC / (hz * 2^s) fall in [1/2, 1): mul fits 32 bits. */
	while (b <= NSEC_PER_SEC) {
		b <<= 1;
		s++;
	}
	while (b > 2 * NSEC_PER_SEC) {
		b >>= 1;
		s--;
	}
	*shift = s;
	*mul = div64_u64((u64)NSEC_PER_SEC << 32, b);
}

/**
 * okvm_kvmclock_before_entry() - refresh the vCPU's pvclock page
 * @vcpu: the vCPU, about to enter, preemptible
 *
 * The version is odd while the record changes, so a guest reading it
 * concurrently retries (the pvclock ABI).
 */
void okvm_kvmclock_before_entry(struct okvm_vcpu *vcpu)
{
	struct pvclock_vcpu_time_info ti = {};
	u64 msr = vcpu->arch.kvmclock_msr;
	u64 gpa = msr & ~1ULL;
	struct host_clocks h;

	u32 gen = READ_ONCE(vcpu->vm->arch.kvmclock_gen);

	if (!(msr & KVM_MSR_ENABLED) || !vcpu->arch.tsc_khz)
		return;
	if (!vcpu->arch.kvmclock_update && vcpu->arch.kvmclock_gen == gen &&
	    vcpu->arch.kvmclock_cpu == raw_smp_processor_id())
		return;
	vcpu->arch.kvmclock_update = false;
	vcpu->arch.kvmclock_gen = gen;
	read_host_clocks(&h);
	vcpu->arch.kvmclock_cpu = h.cpu;

	time_scale(vcpu->arch.tsc_khz, &ti.tsc_shift, &ti.tsc_to_system_mul);
	ti.tsc_timestamp = okvm_guest_tsc(vcpu, h.tsc);
	ti.system_time = vm_clock_ns(vcpu->vm, h.boot_ns);
	/*
	 * No PVCLOCK_TSC_STABLE_BIT: vCPUs may have different TSC offsets,
	 * so the guest must keep its own monotonicity guard.
	 */
	ti.flags = 0;

	write_versioned(vcpu, gpa, &ti, sizeof(ti), &vcpu->arch.kvmclock_version);
}

/**
 * okvm_kvmclock_stale() - whether the pvclock page needs a new pair
 * @vcpu: the vCPU, interrupts off, about to enter on @cpu
 *
 * The page pairs the clock with a TSC value read on one CPU: entering on
 * another, whose TSC need not agree to the cycle, could show the guest a
 * TSC before the record's, and a clock far in the future.
 */
bool okvm_kvmclock_stale(struct okvm_vcpu *vcpu, int cpu)
{
	return (vcpu->arch.kvmclock_msr & KVM_MSR_ENABLED) &&
	       vcpu->arch.kvmclock_cpu != cpu;
}

/* The wall-clock time at which the VM's clock read zero. */
static void write_wall_clock(struct okvm_vcpu *vcpu, u64 gpa)
{
	struct pvclock_wall_clock wc = {};
	struct host_clocks h;
	u64 boot_wall;
	u32 rem;

	read_host_clocks(&h);
	boot_wall = h.real_ns - vm_clock_ns(vcpu->vm, h.boot_ns);
	wc.sec = div_u64_rem(boot_wall, NSEC_PER_SEC, &rem);
	wc.nsec = rem;
	write_versioned(vcpu, gpa, &wc, sizeof(wc),
			&vcpu->arch.wall_clock_version);
}

static bool pv_allowed(struct okvm_vcpu *vcpu, u32 index)
{
	bool new = index == MSR_KVM_SYSTEM_TIME_NEW || index == MSR_KVM_WALL_CLOCK_NEW;

	return okvm_guest_pv_has(vcpu, new ? KVM_FEATURE_CLOCKSOURCE2 :
					     KVM_FEATURE_CLOCKSOURCE);
}

/**
 * okvm_kvmclock_msr_get() - RDMSR / KVM_GET_MSRS of a kvmclock MSR
 * @vcpu: the vCPU
 * @index: the MSR
 * @data: its value
 * @host: from KVM_GET_MSRS
 *
 * Return: 0, 1 if the guest may not use it (PV feature enforcement), or
 * OKVM_MSR_UNSUPPORTED if @index is not a kvmclock MSR.
 */
int okvm_kvmclock_msr_get(struct okvm_vcpu *vcpu, u32 index, u64 *data,
			  bool host)
{
	switch (index) {
	case MSR_KVM_SYSTEM_TIME:
	case MSR_KVM_SYSTEM_TIME_NEW:
		*data = vcpu->arch.kvmclock_msr;
		break;
	case MSR_KVM_WALL_CLOCK:
	case MSR_KVM_WALL_CLOCK_NEW:
		*data = vcpu->vm->arch.wall_clock_msr;
		break;
	default:
		return OKVM_MSR_UNSUPPORTED;
	}
	return !host && !pv_allowed(vcpu, index);
}

/* As okvm_kvmclock_msr_get(), for WRMSR / KVM_SET_MSRS. */
int okvm_kvmclock_msr_set(struct okvm_vcpu *vcpu, u32 index, u64 data,
			  bool host)
{
	switch (index) {
	case MSR_KVM_SYSTEM_TIME:
	case MSR_KVM_SYSTEM_TIME_NEW:
	case MSR_KVM_WALL_CLOCK:
	case MSR_KVM_WALL_CLOCK_NEW:
		break;
	default:
		return OKVM_MSR_UNSUPPORTED;
	}
	if (!host && !pv_allowed(vcpu, index))
		return 1;
	if (index == MSR_KVM_WALL_CLOCK || index == MSR_KVM_WALL_CLOCK_NEW) {
		WRITE_ONCE(vcpu->vm->arch.wall_clock_msr, data);
		/* userspace restores the value; only the guest asks for a write */
		if (!host)
			write_wall_clock(vcpu, data);
		return 0;
	}
	vcpu->arch.kvmclock_msr = data;
	vcpu->arch.kvmclock_update = true;
	return 0;
}

/* KVM_GET_CLOCK: the VM's clock, with the realtime and host TSC beside it. */
static long get_clock(struct okvm_vm *vm, void __user *argp)
{
	struct system_time_snapshot snap;
	struct kvm_clock_data data = {};
	struct host_clocks h;

	ktime_get_snapshot(&snap);
	read_host_clocks(&h);
	data.clock = vm_clock_ns(vm, h.boot_ns);
	data.realtime = h.real_ns;
	data.flags = KVM_CLOCK_REALTIME;
	/* The host TSC means something only if it drives the host's clocks. */
	if (okvm_snapshot_is_tsc(&snap)) {
		data.host_tsc = h.tsc;
		data.flags |= KVM_CLOCK_HOST_TSC;
	}
	return copy_to_user(argp, &data, sizeof(data)) ? -EFAULT : 0;
}

/*
 * KVM_SET_CLOCK: the clock reads @clock now, or at @realtime if
 * KVM_CLOCK_REALTIME is set (advanced by the realtime that passed since).
 */
static long set_clock(struct okvm_vm *vm, void __user *argp)
{
	struct kvm_clock_data data;
	struct host_clocks h;
	u64 now;

	if (copy_from_user(&data, argp, sizeof(data)))
		return -EFAULT;
	if (data.flags & ~OKVM_CLOCK_FLAGS)
		return -EINVAL;
	read_host_clocks(&h);
	now = data.clock;
	if ((data.flags & KVM_CLOCK_REALTIME) && h.real_ns >= data.realtime)
		now += h.real_ns - data.realtime;
	WRITE_ONCE(vm->arch.kvmclock_offset, now - h.boot_ns);
	/* Offset before generation: every vCPU rewrites its page. */
	smp_wmb();
	WRITE_ONCE(vm->arch.kvmclock_gen, vm->arch.kvmclock_gen + 1);
	return 0;
}

/* KVM_GET_CLOCK or KVM_SET_CLOCK (arch.c's VM ioctl table). */
long okvm_kvmclock_vm_ioctl(struct okvm_vm *vm, unsigned int ioctl,
			    void __user *argp)
{
	if (ioctl == KVM_GET_CLOCK)
		return get_clock(vm, argp);
	return set_clock(vm, argp);
}

/* A new VM's clock starts at zero. */
void okvm_kvmclock_vm_init(struct okvm_vm *vm)
{
	vm->arch.kvmclock_offset = -ktime_get_boottime_ns();
}
