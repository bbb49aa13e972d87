// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VM object: creation from the system fd, its fd and ioctls, memslot
 * updates, and destruction when the last reference goes.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/kvm.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/okvm.h>

#include "arch.h"
#include "okvm.h"

void okvm_get_vm(struct okvm_vm *vm)
{
	refcount_inc(&vm->users);
}

static void okvm_destroy_vm(struct okvm_vm *vm)
{
	struct okvm_memslots *slots;
	struct okvm_vcpu *vcpu;
	unsigned long i;

	/* No fd refers to the VM any more: nothing can run or add a vCPU. */
	okvm_mmu_notifier_unregister(vm);
	xa_for_each(&vm->vcpu_array, i, vcpu)
		okvm_vcpu_destroy(vcpu);
	xa_destroy(&vm->vcpu_array);
	okvm_arch_vm_destroy(vm);
	okvm_ioeventfd_vm_free(vm);
	okvm_mmu_destroy(&vm->mmu);
	slots = rcu_dereference_protected(vm->memslots, true);
	for (i = 0; i < slots->nr; i++)
		okvm_gmem_unbind(vm, &slots->slots[i]);
	okvm_dirty_log_free_all(slots);
	okvm_memslots_free(slots);
	okvm_mem_attr_destroy(vm);
	cleanup_srcu_struct(&vm->srcu);
	mmdrop(vm->mm);
	kfree(vm);
	atomic_dec(&okvm_live_vms);
}

void okvm_put_vm(struct okvm_vm *vm)
{
	if (refcount_dec_and_test(&vm->users))
		okvm_destroy_vm(vm);
}

static void okvm_vm_flush_range(void *priv, struct okvm_pt_root *root, u64 gfn,
				u64 nr)
{
	okvm_arch_flush_remote_tlbs(priv);
}

static const struct okvm_mmu_tlb_ops okvm_vm_tlb_ops = {
	.flush_range = okvm_vm_flush_range,
};

/*
 * The VM's guest-physical page tables: a direct root, whose table the
 * hardware walks, and in a VM with private memory a mirror root for the
 * private GFNs, whose external table is that same hardware table
 * (src/mmu/ext_direct.c). A VM with a shared bit has the direct root map
 * shared memory above it (the engine's GFN direct bits).
 */
static int okvm_vm_mmu_init(struct okvm_vm *vm)
{
	struct okvm_mmu_cfg cfg = {
		.fmt = okvm_arch_mmu_fmt(vm),
		.gfn_direct_bits = vm->gfn_shared_bits,
		.has_private = vm->has_private_mem,
		.ext_direct = vm->has_private_mem,
		.tlb_ops = &okvm_vm_tlb_ops,
		.tlb_priv = vm,
	};

	return okvm_mmu_init(&vm->mmu, &cfg);
}

static int okvm_vm_release(struct inode *inode, struct file *filp)
{
	/* As KVM: irqfds end with the VM fd, even while vCPU fds live on. */
	okvm_irqfd_vm_release(filp->private_data);
	okvm_put_vm(filp->private_data);
	return 0;
}

/*
 * The largest GFN a memslot may end at: what the MMU's tables can map and
 * what the arch lets a guest reach (x86: the host's MAXPHYADDR).
 */
static u64 okvm_vm_max_gfn(struct okvm_vm *vm)
{
	return min(okvm_arch_max_gfn(vm), okvm_mmu_max_gfn(&vm->mmu));
}

/* Publish @slots and wait until no reader can still see the previous set. */
static void okvm_vm_publish_memslots(struct okvm_vm *vm,
				     struct okvm_memslots *slots)
{
	rcu_assign_pointer(vm->memslots, slots);
	synchronize_srcu_expedited(&vm->srcu);
}

/**
 * okvm_vm_set_memory_region() - create, delete, move or re-flag a memslot
 * @vm: the VM; called with no okvm lock held
 * @mem: the request, a v1 request zero-extended
 *
 * A slot that is deleted or moved goes in two steps, as in KVM: first a
 * set in which it is still present but marked OKVM_MEMSLOT_INVALID, so
 * that the MMU notifier keeps finding its HVAs (a host unmap meanwhile
 * still zaps its GFNs) while faults on it are retried instead of mapping;
 * once no reader sees the old set, its mappings are zapped, and only then
 * the final set, without the old slot, is published.
 *
 * Return: 0, or the errno KVM gives for the request; on error the VM's
 * memslots are unchanged.
 */
int okvm_vm_set_memory_region(struct okvm_vm *vm,
			      const struct kvm_userspace_memory_region2 *mem)
{
	u32 valid = KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY;
	struct okvm_memslots *old, *new, *inval = NULL;
	struct okvm_memslot_change chg;
	int r;

	if (vm->has_private_mem)
		valid |= KVM_MEM_GUEST_MEMFD;

	mutex_lock(&vm->slots_lock);
	old = okvm_memslots(vm);
	r = okvm_memslot_check(old, mem, valid, okvm_vm_max_gfn(vm), &chg);
	if (r || chg.change == OKVM_MR_NONE)
		goto out;

	/* Only a new slot binds: guest_memfd slots can only be deleted. */
	if (chg.change == OKVM_MR_CREATE &&
	    (chg.new.flags & KVM_MEM_GUEST_MEMFD)) {
		r = okvm_gmem_bind(vm, &chg.new, mem->guest_memfd);
		if (r)
			goto out;
	}
	if (chg.change != OKVM_MR_DELETE) {
		r = okvm_dirty_log_prepare(vm, chg.change == OKVM_MR_CREATE ?
					   NULL : &chg.old, &chg.new);
		if (r)
			goto err_gmem;
	}
	/* Both sets before publishing either: no failure after that. */
	new = okvm_memslots_apply(old, &chg);
	if (new && (chg.change == OKVM_MR_DELETE || chg.change == OKVM_MR_MOVE)) {
		inval = okvm_memslots_invalidate(old, chg.old.id);
		if (inval) {
			new->generation = inval->generation + 1;
		} else {
			okvm_memslots_free(new);
			new = NULL;
		}
	}
	if (!new) {
		r = -ENOMEM;
		goto err_dirty;
	}

	if (inval) {
		/*
		 * Faults that found the slot valid have finished once this
		 * returns, later ones retry: nothing maps the old range again,
		 * and the notifier still covers it until the zap is done.
		 */
		okvm_vm_publish_memslots(vm, inval);
		okvm_zap_gfn_range(vm, OKVM_ROOT_ALL, chg.old.base_gfn,
				   chg.old.npages);
		okvm_memslots_free(old);
		old = inval;
	}
	okvm_vm_publish_memslots(vm, new);
	if (chg.change == OKVM_MR_FLAGS_ONLY)
		okvm_dirty_log_flags_changed(vm, &chg.old, &chg.new);
	if (chg.change != OKVM_MR_CREATE)
		okvm_dirty_log_release(&chg.old, chg.change == OKVM_MR_DELETE ?
				       NULL : &chg.new);
	if (chg.change == OKVM_MR_DELETE)
		okvm_gmem_unbind(vm, &chg.old);
	okvm_memslots_free(old);
	goto out;

err_dirty:
	if (chg.change != OKVM_MR_DELETE)
		okvm_dirty_log_release(&chg.new, chg.change == OKVM_MR_CREATE ?
				       NULL : &chg.old);
err_gmem:
	if (chg.change == OKVM_MR_CREATE)
		okvm_gmem_unbind(vm, &chg.new);
out:
	mutex_unlock(&vm->slots_lock);
	return r;
}

static int okvm_vm_enable_cap(struct okvm_vm *vm, const struct kvm_enable_cap *cap)
{
	int r = -EINVAL;

	if (cap->flags)
		return -EINVAL;

	switch (cap->cap) {
	case KVM_CAP_MAX_VCPU_ID:
		if (cap->args[0] > OKVM_MAX_VCPU_IDS)
			return -EINVAL;
		/*
		 * Set once; repeating the same value is not an error. Never
		 * below an id the arch already relies on (x86: the boot CPU).
		 */
		mutex_lock(&vm->lock);
		if (!okvm_arch_max_vcpu_ids_ok(vm, cap->args[0])) {
			r = -EINVAL;
		} else if (vm->max_vcpu_ids == cap->args[0]) {
			r = 0;
		} else if (!vm->max_vcpu_ids) {
			vm->max_vcpu_ids = cap->args[0];
			r = 0;
		}
		mutex_unlock(&vm->lock);
		return r;
	case KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2:
		return okvm_dirty_log_enable_cap(vm, cap);
	default:
		return okvm_arch_vm_enable_cap(vm, cap);
	}
}

static long okvm_vm_ioctl(struct file *filp, unsigned int ioctl,
			  unsigned long arg)
{
	struct okvm_vm *vm = filp->private_data;
	void __user *argp = (void __user *)arg;

	/* A VM belongs to the mm that created it (KVM: -EIO for others). */
	if (vm->mm != current->mm || READ_ONCE(vm->dead))
		return -EIO;

	switch (ioctl) {
	case KVM_CREATE_VCPU:
		return okvm_vm_create_vcpu(vm, arg);
	case KVM_SET_USER_MEMORY_REGION:
	case KVM_SET_USER_MEMORY_REGION2: {
		struct kvm_userspace_memory_region2 mem = {};
		size_t size = ioctl == KVM_SET_USER_MEMORY_REGION ?
			      sizeof(struct kvm_userspace_memory_region) :
			      sizeof(mem);

		/* v1 is a prefix of v2: read it into a zeroed v2. */
		BUILD_BUG_ON(offsetof(struct kvm_userspace_memory_region2,
				      userspace_addr) !=
			     offsetof(struct kvm_userspace_memory_region,
				      userspace_addr));
		if (copy_from_user(&mem, argp, size))
			return -EFAULT;
		if (ioctl == KVM_SET_USER_MEMORY_REGION &&
		    (mem.flags & ~KVM_SET_USER_MEMORY_REGION_V1_FLAGS))
			return -EINVAL;
		return okvm_vm_set_memory_region(vm, &mem);
	}
	case KVM_CHECK_EXTENSION:
		return okvm_check_extension(vm, arg);
	case KVM_ENABLE_CAP: {
		struct kvm_enable_cap cap;

		if (copy_from_user(&cap, argp, sizeof(cap)))
			return -EFAULT;
		return okvm_vm_enable_cap(vm, &cap);
	}
	case KVM_GET_STATS_FD:
		return okvm_vm_stats_fd(vm);
	case KVM_CREATE_GUEST_MEMFD: {
		struct kvm_create_guest_memfd gmem;

		if (copy_from_user(&gmem, argp, sizeof(gmem)))
			return -EFAULT;
		return okvm_vm_create_guest_memfd(vm, &gmem);
	}
	case KVM_SET_MEMORY_ATTRIBUTES: {
		struct kvm_memory_attributes attrs;

		if (copy_from_user(&attrs, argp, sizeof(attrs)))
			return -EFAULT;
		return okvm_vm_set_memory_attributes(vm, &attrs);
	}
	case KVM_IOEVENTFD:
	case KVM_IRQFD:
		return okvm_eventfd_vm_ioctl(vm, ioctl, argp);
	case KVM_GET_DIRTY_LOG: {
		struct kvm_dirty_log log;

		if (copy_from_user(&log, argp, sizeof(log)))
			return -EFAULT;
		return okvm_vm_get_dirty_log(vm, &log);
	}
	case KVM_CLEAR_DIRTY_LOG: {
		struct kvm_clear_dirty_log log;

		if (copy_from_user(&log, argp, sizeof(log)))
			return -EFAULT;
		return okvm_vm_clear_dirty_log(vm, &log);
	}
	case OKVM_AGE_BITMAP:
		return okvm_vm_age_bitmap(vm, argp);
	default:
		return okvm_arch_vm_ioctl(vm, ioctl, arg);
	}
}

static const struct file_operations okvm_vm_fops = {
	.owner = THIS_MODULE,
	.release = okvm_vm_release,
	.unlocked_ioctl = okvm_vm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/**
 * okvm_dev_create_vm() - KVM_CREATE_VM
 * @type: the VM type (the ioctl's argument)
 *
 * Return: the new VM's fd, or a negative errno with nothing allocated.
 */
int okvm_dev_create_vm(unsigned long type)
{
	struct okvm_memslots *slots;
	struct okvm_vm *vm;
	struct file *file;
	int r, fd;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	refcount_set(&vm->users, 1);
	vm->type = type;
	mutex_init(&vm->lock);
	mutex_init(&vm->slots_lock);
	xa_init(&vm->vcpu_array);
	okvm_mem_attr_init(vm);
	okvm_eventfd_vm_init(vm);
	snprintf(vm->stats_id, sizeof(vm->stats_id), "kvm-%d",
		 task_pid_nr(current));

	r = init_srcu_struct(&vm->srcu);
	if (r)
		goto err_free;
	r = -ENOMEM;
	slots = okvm_memslots_alloc_empty();
	if (!slots)
		goto err_srcu;
	RCU_INIT_POINTER(vm->memslots, slots);

	r = okvm_arch_vm_init(vm, type);
	if (r)
		goto err_slots;
	r = okvm_vm_mmu_init(vm);
	if (r)
		goto err_arch;
	r = okvm_mmu_notifier_register(vm);
	if (r)
		goto err_mmu;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		r = fd;
		goto err_notifier;
	}
	file = anon_inode_getfile("kvm-vm", &okvm_vm_fops, vm, O_RDWR);
	if (IS_ERR(file)) {
		r = PTR_ERR(file);
		goto err_fd;
	}

	/* Binding to the caller's mm: only this mm may drive the VM. */
	vm->mm = current->mm;
	mmgrab(vm->mm);
	atomic_inc(&okvm_live_vms);
	fd_install(fd, file);
	return fd;

err_fd:
	put_unused_fd(fd);
err_notifier:
	mmu_notifier_unregister(&vm->mmu_notifier, current->mm);
err_mmu:
	okvm_mmu_destroy(&vm->mmu);
err_arch:
	okvm_arch_vm_destroy(vm);
err_slots:
	okvm_memslots_free(slots);
err_srcu:
	cleanup_srcu_struct(&vm->srcu);
err_free:
	kfree(vm);
	return r;
}
