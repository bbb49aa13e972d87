// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest memory as a vCPU sees it: linear addresses translated through the
 * guest's own page tables by the walker (src/x86/gwalk.c), then read or
 * written through the core's guest-physical access (src/guest_mem.c), which
 * also logs the pages okvm writes. Instruction fetch, MMIO and string I/O
 * emulation, hypercall patching and KVM_TRANSLATE all go through here.
 */
#include <linux/kvm.h>
#include <linux/uaccess.h>

#include "guest_virt.h"
#include "x86.h"

static int gmem_read(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	struct okvm_vcpu *vcpu = ctx;

	return okvm_read_guest(vcpu->vm, gpa, buf, len);
}

/* The walker's A/D updates race with the guest's own: compare and exchange. */
static int gmem_cmpxchg(void *ctx, u64 gpa, u64 old, u64 new, unsigned int size)
{
	struct okvm_vcpu *vcpu = ctx;
	const struct okvm_memslot *slot;
	unsigned long hva;
	int idx, r = -EFAULT;

	idx = srcu_read_lock(&vcpu->vm->srcu);
	hva = okvm_guest_hva(vcpu->vm, gpa, size, false, &slot);
	if (!hva)
		goto out;
	r = -EPERM;	/* ROM: the walker leaves A/D bits alone */
	if (slot->flags & KVM_MEM_READONLY)
		goto out;
	r = -EFAULT;
	if (!user_access_begin((void __user *)hva, size))
		goto out;
	if (size == 8) {
		u64 cur = old;

		unsafe_try_cmpxchg_user((u64 __user *)hva, &cur, new, efault);
		r = cur == old ? 0 : -EAGAIN;
	} else {
		u32 cur = old;

		unsafe_try_cmpxchg_user((u32 __user *)hva, &cur, (u32)new, efault);
		r = cur == (u32)old ? 0 : -EAGAIN;
	}
efault:
	user_access_end();
	if (!r)
		okvm_slot_mark_dirty(slot,
				     okvm_gpa_natural(vcpu->vm, gpa) >> PAGE_SHIFT);
out:
	srcu_read_unlock(&vcpu->vm->srcu, idx);
	return r;
}

static const struct okvm_gwalk_mem_ops okvm_gmem_ops = {
	.read = gmem_read,
	.cmpxchg_gpa = gmem_cmpxchg,
};

/*
 * The walk mode of the vCPU's paging state. KVM_SET_CPUID2 takes any
 * MAXPHYADDR (KVM checks only the linear width), so clamp it to what an
 * x86 CPU can have (32..52). LMA without PAE cannot be reached:
 * KVM_SET_SREGS refuses it, KVM_SET_MSRS leaves LMA alone and a guest's
 * CR4 write cannot clear PAE in long mode. A failure would leave @mode
 * unspecified: callers must not walk with it.
 * Return: 0, or -EINVAL.
 */
static int __must_check vcpu_gwalk_mode(struct okvm_vcpu *vcpu,
					struct okvm_gwalk_mode *mode)
{
	struct okvm_gwalk_regs regs = {
		.cr0 = okvm_cr_read(vcpu, OKVM_CR0),
		.cr3 = okvm_cr_read(vcpu, OKVM_CR3),
		.cr4 = okvm_cr_read(vcpu, OKVM_CR4),
		.efer = okvm_efer_read(vcpu),
		.rflags = okvm_rflags_read(vcpu),
	};
	u32 a, b, c, d;

	/* What the guest's CPUID table promises: MAXPHYADDR, 1G pages. */
	regs.maxphyaddr = okvm_cpuid_maxphyaddr(vcpu);
	okvm_cpuid_lookup(vcpu, 0x80000001, 0, &a, &b, &c, &d);
	regs.gbpages = d & BIT(26);
	return WARN_ON_ONCE(okvm_gwalk_mode_from_regs(mode, &regs)) ? -EINVAL : 0;
}

/**
 * okvm_gva_access_user() - the walker's user bit for an access at the CPL
 * @vcpu: the vCPU
 *
 * Return: OKVM_GWALK_USER at CPL 3, else 0.
 */
u32 okvm_gva_access_user(struct okvm_vcpu *vcpu)
{
	return okvm_cpl(vcpu) == 3 ? OKVM_GWALK_USER : 0;
}

/**
 * okvm_read_gva() - read guest linear memory
 * @vcpu: the vCPU whose paging mode translates
 * @la: linear address
 * @buf: where to
 * @len: bytes (may cross pages)
 * @access: OKVM_GWALK_* (FETCH, USER)
 * @res: on a fault, what the #PF needs
 *
 * Return: 0, 1 if the walk faulted (see @res; nothing queued yet), or
 * -errno (MMIO or no memory behind a page).
 */
int okvm_read_gva(struct okvm_vcpu *vcpu, u64 la, void *buf, unsigned int len,
		  u32 access, struct okvm_gwalk_result *res)
{
	struct okvm_gwalk_mode mode;
	int idx, r;

	idx = srcu_read_lock(&vcpu->vm->srcu);
	r = vcpu_gwalk_mode(vcpu, &mode);
	if (!r)
		r = okvm_gwalk_read_virt(&mode, &okvm_gmem_ops, vcpu, la, buf,
					 len, access, res);
	srcu_read_unlock(&vcpu->vm->srcu, idx);
	return r;
}

/**
 * okvm_write_gva() - write guest linear memory, with the vCPU's privilege
 * @vcpu: the vCPU whose paging mode translates
 * @la: linear address
 * @buf: the bytes
 * @len: bytes (may cross pages; written page by page)
 * @res: on a fault, what the #PF needs
 *
 * Return: as okvm_read_gva(); pages before a fault stay written.
 */
int okvm_write_gva(struct okvm_vcpu *vcpu, u64 la, const void *buf,
		   unsigned int len, struct okvm_gwalk_result *res)
{
	u32 access = OKVM_GWALK_WRITE | OKVM_GWALK_SET_AD |
		     okvm_gva_access_user(vcpu);
	struct okvm_gwalk_mode mode;
	int idx, r = 0;

	idx = srcu_read_lock(&vcpu->vm->srcu);
	r = vcpu_gwalk_mode(vcpu, &mode);
	while (!r && len) {
		unsigned int n = min_t(unsigned int, len,
				       PAGE_SIZE - (la & ~PAGE_MASK));

		r = okvm_gwalk(&mode, &okvm_gmem_ops, vcpu, la, access, res);
		if (r)
			break;
		r = okvm_write_guest(vcpu->vm, res->gpa, buf, n);
		if (r)
			break;
		la += n;
		buf += n;
		len -= n;
	}
	srcu_read_unlock(&vcpu->vm->srcu, idx);
	return r;
}

/**
 * okvm_queue_gva_fault() - queue the #PF a walk found
 * @vcpu: the vCPU
 * @res: the walk's result (it returned 1)
 */
void okvm_queue_gva_fault(struct okvm_vcpu *vcpu,
			  const struct okvm_gwalk_result *res)
{
	okvm_queue_page_fault(vcpu, res->addr, res->error_code);
}

/**
 * okvm_translate() - KVM_TRANSLATE from the vCPU's current paging mode
 * @vcpu: the vCPU, its mutex held
 * @ioctl: KVM_TRANSLATE
 * @argp: struct kvm_translation: linear_address in, the rest out
 *
 * As KVM: a supervisor read walk; writeable is always 1 and usermode 0.
 * Return: 0 or -EFAULT.
 */
long okvm_translate(struct okvm_vcpu *vcpu, unsigned int ioctl,
		    void __user *argp)
{
	struct okvm_gwalk_mode mode;
	struct kvm_translation tr;
	u64 gpa;
	int idx;

	if (copy_from_user(&tr, argp, sizeof(tr)))
		return -EFAULT;
	idx = srcu_read_lock(&vcpu->vm->srcu);
	tr.valid = !vcpu_gwalk_mode(vcpu, &mode) &&
		   okvm_gwalk_translate(&mode, &okvm_gmem_ops, vcpu,
					tr.linear_address, &gpa);
	srcu_read_unlock(&vcpu->vm->srcu, idx);
	tr.physical_address = tr.valid ? gpa : OKVM_GWALK_INVALID_GPA;
	tr.writeable = 1;
	tr.usermode = 0;
	return copy_to_user(argp, &tr, sizeof(tr)) ? -EFAULT : 0;
}
