// SPDX-License-Identifier: GPL-2.0-only
/*
 * okvm's extension (include/uapi/linux/okvm.h): stage-2 MMUs beyond a
 * VM's canonical one, so that seed 004's objects run real guests: an s2
 * MMU sharing the canonical table with a VMID of its own, or one with a
 * table of its own that maps the canonical table's pages at an offset.
 *
 * An own table is a shadow of the canonical one: a fault maps the page in
 * the canonical table through the ordinary fault path (memslot, HVA, GUP,
 * notifier sequence), then copies that translation. Whenever the
 * canonical table changes (zap, write-protect: the engine's TLB hook,
 * okvm_arch_flush_remote_tlbs()), every own table is emptied, so it never
 * maps a page the canonical table does not, and the MMU notifier, memslot
 * changes and dirty logging reach it without hooks of their own.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "arch.h"
#include "okvm.h"
#include "arm64/arm64.h"
#include "uapi/linux/okvm.h"

static bool s2_own_table(struct okvm_vm *vm, struct okvm_s2_mmu *s2)
{
	return s2->pgt->table != &vm->mmu;
}

/* Copy a user struct that starts with a u32 size; -EINVAL if malformed. */
static int copy_sized(void *dst, size_t ksize, void __user *src)
{
	u32 usize;
	int r;

	if (get_user(usize, (u32 __user *)src))
		return -EFAULT;
	if (usize < ksize)
		return -EINVAL;
	r = copy_struct_from_user(dst, ksize, src, usize);
	return r == -E2BIG ? -EINVAL : r;
}

static bool reserved_zero(const u64 *r, unsigned int n)
{
	while (n--)
		if (r[n])
			return false;
	return true;
}

/**
 * okvm_arm64_create_s2_mmu() - OKVM_ARM64_CREATE_S2_MMU
 * @vm: the VM
 * @argp: userspace's struct okvm_arm64_s2_mmu
 *
 * Return: 0 with the id written back, or the errno okvm.h lists; nothing
 * is left behind on failure.
 */
int okvm_arm64_create_s2_mmu(struct okvm_vm *vm, void __user *argp)
{
	struct okvm_vm_arch *a = &vm->arch;
	struct okvm_arm64_s2_mmu req;
	struct okvm_s2_mmu *s2;
	bool share;
	int r, i;

	r = copy_sized(&req, sizeof(req), argp);
	if (r)
		return r;
	share = req.flags & OKVM_ARM64_S2_SHARE_CANONICAL;
	if ((req.flags & ~OKVM_ARM64_S2_SHARE_CANONICAL) || req.__pad ||
	    !reserved_zero(req.__reserved, ARRAY_SIZE(req.__reserved)) ||
	    !PAGE_ALIGNED(req.ipa_offset) || (share && req.ipa_offset) ||
	    req.ipa_offset >> a->ipa_bits)
		return -EINVAL;
	r = okvm_arm64_canonical_get(vm);
	if (r)
		return r;

	s2 = kzalloc(sizeof(*s2), GFP_KERNEL_ACCOUNT);
	if (!s2)
		return -ENOMEM;
	mutex_lock(&a->s2_lock);
	for (i = 0; i < OKVM_ARM64_MAX_S2_MMUS && a->extra[i]; i++)
		;
	if (i == OKVM_ARM64_MAX_S2_MMUS) {
		r = -ENOSPC;
		goto out_free;
	}
	r = okvm_s2_mmu_init(s2, &a->s2vm, okvm_arch_mmu_fmt(vm),
			     share ? &a->canonical : NULL);
	if (r)
		goto out_free;
	req.id = i + 1;
	if (copy_to_user(argp, &req, sizeof(req))) {
		okvm_s2_mmu_free(s2);
		r = -EFAULT;
		goto out_free;
	}
	a->extra_offset[i] = req.ipa_offset;
	/* Pairs with okvm_arm64_zap_own_tables(): an initialised s2 MMU. */
	smp_store_release(&a->extra[i], s2);
	mutex_unlock(&a->s2_lock);
	return 0;

out_free:
	mutex_unlock(&a->s2_lock);
	kfree(s2);
	return r;
}

/**
 * okvm_arm64_vcpu_set_s2_mmu() - OKVM_ARM64_VCPU_SET_S2_MMU
 * @vcpu: the vCPU, its mutex held (so it is not running)
 * @argp: userspace's struct okvm_arm64_vcpu_s2_mmu
 *
 * Return: 0, -EINVAL, -ENOENT or -EFAULT; nothing changes on failure.
 */
int okvm_arm64_vcpu_set_s2_mmu(struct okvm_vcpu *vcpu, void __user *argp)
{
	struct okvm_vm_arch *a = &vcpu->vm->arch;
	struct okvm_arm64_vcpu_s2_mmu req;
	struct okvm_s2_mmu *s2;
	int r;

	r = copy_sized(&req, sizeof(req), argp);
	if (r)
		return r;
	if (req.flags || req.__pad ||
	    !reserved_zero(req.__reserved, ARRAY_SIZE(req.__reserved)))
		return -EINVAL;
	if (!req.id) {
		s2 = &a->canonical;
	} else {
		if (req.id > OKVM_ARM64_MAX_S2_MMUS)
			return -ENOENT;
		/* Pairs with okvm_arm64_create_s2_mmu(). */
		s2 = smp_load_acquire(&a->extra[req.id - 1]);
		if (!s2)
			return -ENOENT;
	}
	vcpu->arch.s2 = s2;
	vcpu->arch.s2_index = req.id;
	return 0;
}

/**
 * okvm_arm64_zap_own_tables() - empty every own table of the VM's extra
 *	s2 MMUs (the canonical table changed)
 * @vm: the VM
 *
 * Context: the engine's TLB hook: RCU held, the canonical table's lock
 * possibly held (a lock class of its own, see s2_mmu.c); must not sleep.
 */
void okvm_arm64_zap_own_tables(struct okvm_vm *vm)
{
	struct okvm_s2_mmu *s2;
	struct okvm_mmu *m;
	int i;

	for (i = 0; i < OKVM_ARM64_MAX_S2_MMUS; i++) {
		/* Pairs with okvm_arm64_create_s2_mmu(). */
		s2 = smp_load_acquire(&vm->arch.extra[i]);
		if (!s2 || !s2_own_table(vm, s2))
			continue;
		m = s2->pgt->table;
		write_lock(m->lock);
		okvm_mmu_zap_atomic(m, OKVM_ROOT_ALL, 0, okvm_pt_fmt_gfns(m->fmt));
		write_unlock(m->lock);
	}
}

/**
 * okvm_arm64_s2_fault() - a stage-2 fault of a vCPU at @ipa
 * @vcpu: the vCPU
 * @ipa: the faulting IPA in its s2 MMU's space
 * @write: a write access
 * @gpa: out: the guest-physical address in the memslots' space (what an
 *	MMIO exit reports)
 *
 * Return: as okvm_mmu_page_fault().
 */
int okvm_arm64_s2_fault(struct okvm_vcpu *vcpu, u64 ipa, bool write, u64 *gpa)
{
	struct okvm_vm *vm = vcpu->vm;
	struct okvm_s2_mmu *s2 = vcpu->arch.s2;
	struct okvm_mmu *own = s2->pgt->table;
	u64 pfn, gfn;
	unsigned long seq;
	int r, level;
	u32 perm;
	bool raced;

	*gpa = ipa;
	if (!s2_own_table(vm, s2))
		return okvm_mmu_page_fault(vcpu, ipa, write, true);

	*gpa = ipa + vm->arch.extra_offset[vcpu->arch.s2_index - 1];
	gfn = *gpa >> PAGE_SHIFT;
	seq = READ_ONCE(vm->mmu_invalidate_seq);
	smp_rmb();	/* the snapshot before the canonical fault */
	r = okvm_mmu_page_fault(vcpu, *gpa, write, true);
	if (r != 1)
		return r;
	r = okvm_pt_cache_topup(&vcpu->mmu_cache, own->fmt->levels);
	if (r)
		return r;

	read_lock(own->lock);
	spin_lock(&vm->invalidate_lock);
	raced = vm->mmu_invalidate_seq != seq || vm->mmu_invalidate_in_progress;
	spin_unlock(&vm->invalidate_lock);
	/*
	 * Looked up under the own table's lock: a canonical change after
	 * this empties the own table only after we drop it.
	 */
	if (!raced && okvm_mmu_lookup(&vm->mmu, false, gfn, &pfn, &perm, &level) &&
	    (!write || (perm & OKVM_PT_W))) {
		pfn += gfn & (okvm_pt_level_pages(level) - 1);
		r = okvm_mmu_map(own, false, ipa >> PAGE_SHIFT, pfn, 1, perm, 1,
				 &vcpu->mmu_cache);
	}
	read_unlock(own->lock);
	return r < 0 ? r : 1;
}
