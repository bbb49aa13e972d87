// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest TSC as KVM presents it on SVM without TSC scaling:
 *
 *   guest TSC = host TSC + vcpu->arch.tsc_offset
 *
 * The offset is changed by guest writes to IA32_TSC and IA32_TSC_ADJUST,
 * by host-initiated writes to IA32_TSC (with KVM's "synchronization" rules,
 * so that vCPUs created or restored together keep one offset) and by the
 * vCPU attribute KVM_VCPU_TSC_OFFSET. This file is the only writer of the
 * offset; tsc.h has the readers.
 */
#include <linux/kvm.h>
#include <linux/math64.h>
#include <linux/ktime.h>
#include <linux/uaccess.h>
#include <asm/cpufeatures.h>
#include <asm/msr-index.h>
#include <asm/tsc.h>

#include "tsc.h"
#include "x86.h"

/* Set the L1 offset, and the backend's copy the next entry uses. */
static void tsc_write_offset(struct okvm_vcpu *vcpu, u64 offset)
{
	WRITE_ONCE(vcpu->arch.tsc_offset, offset);
	okvm_x86_ops.write_tsc_offset(vcpu, offset);
}

/* TSC cycles of the guest in @ns nanoseconds. */
static u64 tsc_ns_to_cycles(struct okvm_vcpu *vcpu, u64 ns)
{
	return mul_u64_u32_div(ns, vcpu->arch.tsc_khz, NSEC_PER_MSEC);
}

/*
 * Record a TSC write in the VM's history and apply @offset. @matched: the
 * vCPU joins the current generation instead of starting a new one.
 */
static void tsc_sync_write(struct okvm_vcpu *vcpu, u64 offset, u64 tsc,
			   u64 ns, bool matched)
{
	struct okvm_vm_tsc *t = &vcpu->vm->arch.tsc;

	lockdep_assert_held(&t->lock);
	t->last_nsec = ns;
	t->last_write = tsc;
	t->last_khz = vcpu->arch.tsc_khz;
	t->last_offset = offset;
	if (!matched)
		t->cur_offset = offset;
	tsc_write_offset(vcpu, offset);
}

/*
 * KVM's kvm_synchronize_tsc(): a host-initiated write of @data (or vCPU
 * creation, @user false). Zero, or (once userspace wrote a TSC before) a
 * value within one second of where the last write would be by now, is
 * taken as "the same TSC as the other vCPUs" and gets their offset: the
 * legacy API cannot set several vCPUs to one instant otherwise.
 */
static void tsc_synchronize(struct okvm_vcpu *vcpu, u64 data, bool user)
{
	struct okvm_vm_tsc *t = &vcpu->vm->arch.tsc;
	bool synchronizing = false, matched = false;
	unsigned long flags;
	u64 offset, ns, elapsed;

	raw_spin_lock_irqsave(&t->lock, flags);
	offset = data - rdtsc();
	ns = ktime_get_boottime_ns();
	elapsed = ns - t->last_nsec;

	if (vcpu->arch.tsc_khz) {
		if (!data) {
			synchronizing = true;
		} else if (t->user_set) {
			u64 tsc_exp = t->last_write +
				      tsc_ns_to_cycles(vcpu, elapsed);
			u64 tsc_hz = vcpu->arch.tsc_khz * 1000ULL;

			synchronizing = data < tsc_exp + tsc_hz &&
					data + tsc_hz > tsc_exp;
		}
	}
	if (user)
		t->user_set = true;

	if (synchronizing && vcpu->arch.tsc_khz == t->last_khz) {
		if (!check_tsc_unstable()) {
			offset = t->cur_offset;
		} else {
			/* No common offset: catch up by the time elapsed. */
			data += tsc_ns_to_cycles(vcpu, elapsed);
			offset = data - rdtsc();
		}
		matched = true;
	}
	tsc_sync_write(vcpu, offset, data, ns, matched);
	raw_spin_unlock_irqrestore(&t->lock, flags);
}

/**
 * okvm_tsc_vm_init() - a new VM's TSC history
 * @vm: the VM being created
 */
void okvm_tsc_vm_init(struct okvm_vm *vm)
{
	raw_spin_lock_init(&vm->arch.tsc.lock);
}

/**
 * okvm_tsc_vcpu_init() - start a new vCPU's TSC at 0, or join the VM's
 * @vcpu: the vCPU being created, its VMCB allocated
 *
 * The first vCPU's TSC starts at 0; later ones take the same offset, as on
 * KVM (a creation counts as a write of 0).
 */
void okvm_tsc_vcpu_init(struct okvm_vcpu *vcpu)
{
	vcpu->arch.tsc_adjust = 0;
	tsc_synchronize(vcpu, 0, false);
}

static bool guest_has_tsc_adjust(struct okvm_vcpu *vcpu)
{
	u32 a, b, c, d;

	okvm_cpuid_lookup(vcpu, 7, 0, &a, &b, &c, &d);
	return b & BIT(X86_FEATURE_TSC_ADJUST & 31);
}

/**
 * okvm_tsc_msr() - IA32_TSC and IA32_TSC_ADJUST
 * @vcpu: the vCPU
 * @index: the MSR
 * @data: the value read or to write
 * @write: WRMSR/KVM_SET_MSRS
 * @host: KVM_GET/SET_MSRS rather than the guest
 *
 * A guest write to either MSR moves the TSC and keeps the difference in
 * IA32_TSC_ADJUST (SDM 17.17.3); a host write to IA32_TSC sets the offset
 * and leaves IA32_TSC_ADJUST alone, a host write to IA32_TSC_ADJUST sets
 * only that MSR. Without CPUID.7.0:EBX.TSC_ADJUST, writes to it are
 * dropped, as KVM does.
 *
 * Return: 0, or -ENOENT if @index is not one of these.
 */
int okvm_tsc_msr(struct okvm_vcpu *vcpu, u32 index, u64 *data, bool write,
		 bool host)
{
	s64 adj;

	switch (index) {
	case MSR_IA32_TSC:
		if (!write) {
			*data = okvm_read_guest_tsc(vcpu);
		} else if (host) {
			tsc_synchronize(vcpu, *data, true);
		} else {
			adj = *data - okvm_read_guest_tsc(vcpu);
			tsc_write_offset(vcpu, vcpu->arch.tsc_offset + adj);
			vcpu->arch.tsc_adjust += adj;
		}
		return 0;
	case MSR_IA32_TSC_ADJUST:
		if (!write) {
			*data = vcpu->arch.tsc_adjust;
			return 0;
		}
		if (!guest_has_tsc_adjust(vcpu))
			return 0;
		if (!host) {
			adj = *data - vcpu->arch.tsc_adjust;
			tsc_write_offset(vcpu, vcpu->arch.tsc_offset + adj);
		}
		vcpu->arch.tsc_adjust = *data;
		return 0;
	default:
		return -ENOENT;
	}
}

/* KVM_VCPU_TSC_OFFSET set: the offset as is, recorded as a user write. */
static void tsc_set_offset_attr(struct okvm_vcpu *vcpu, u64 offset)
{
	struct okvm_vm_tsc *t = &vcpu->vm->arch.tsc;
	unsigned long flags;
	bool matched;

	raw_spin_lock_irqsave(&t->lock, flags);
	matched = vcpu->arch.tsc_khz && t->last_khz == vcpu->arch.tsc_khz &&
		  t->last_offset == offset;
	t->user_set = true;
	tsc_sync_write(vcpu, offset, rdtsc() + offset, ktime_get_boottime_ns(),
		       matched);
	raw_spin_unlock_irqrestore(&t->lock, flags);
}

/**
 * okvm_tsc_attr_ioctl() - KVM_{HAS,GET,SET}_DEVICE_ATTR on a vCPU
 * @vcpu: the vCPU, its mutex held
 * @ioctl: the ioctl
 * @argp: struct kvm_device_attr from userspace
 *
 * The only group is KVM_VCPU_TSC_CTRL, its only attribute
 * KVM_VCPU_TSC_OFFSET (a u64 at attr.addr).
 *
 * Return: 0, -ENXIO for an unknown group or attribute, -EFAULT.
 */
long okvm_tsc_attr_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
			 void __user *argp)
{
	struct kvm_device_attr attr;
	u64 __user *uaddr;
	u64 offset;

	if (copy_from_user(&attr, argp, sizeof(attr)))
		return -EFAULT;
	if (attr.group != KVM_VCPU_TSC_CTRL || attr.attr != KVM_VCPU_TSC_OFFSET)
		return -ENXIO;
	if (ioctl == KVM_HAS_DEVICE_ATTR)
		return 0;

	uaddr = u64_to_user_ptr(attr.addr);
	if (ioctl == KVM_GET_DEVICE_ATTR)
		return put_user(vcpu->arch.tsc_offset, uaddr) ? -EFAULT : 0;
	if (get_user(offset, uaddr))
		return -EFAULT;
	tsc_set_offset_attr(vcpu, offset);
	return 0;
}
