// SPDX-License-Identifier: GPL-2.0-only
/*
 * vCPUs: creation, the vCPU fd (ioctls and the kvm_run mapping) and the
 * arch-neutral part of KVM_RUN.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/signal.h>
#include <linux/slab.h>

#include "arch.h"
#include "okvm.h"

static struct okvm_vcpu *okvm_get_vcpu_by_id(struct okvm_vm *vm, u32 id)
{
	struct okvm_vcpu *vcpu;
	unsigned long i;

	lockdep_assert_held(&vm->lock);
	xa_for_each(&vm->vcpu_array, i, vcpu)
		if (vcpu->vcpu_id == id)
			return vcpu;
	return NULL;
}

/**
 * okvm_vcpu_destroy() - free a vCPU and everything it owns
 * @vcpu: a vCPU no fd refers to any more (its VM is being destroyed)
 */
void okvm_vcpu_destroy(struct okvm_vcpu *vcpu)
{
	okvm_arch_vcpu_destroy(vcpu);
	okvm_pt_cache_free(&vcpu->mmu_cache);
	free_page((unsigned long)vcpu->run);
	atomic_long_dec(&okvm_live_pages);
	kfree(vcpu);
	atomic_dec(&okvm_live_vcpus);
}

static vm_fault_t okvm_vcpu_fault(struct vm_fault *vmf)
{
	struct okvm_vcpu *vcpu = vmf->vma->vm_file->private_data;
	struct page *page;

	page = vmf->pgoff ? okvm_arch_vcpu_mmap_page(vcpu, vmf->pgoff) :
			    virt_to_page(vcpu->run);
	if (!page)
		return VM_FAULT_SIGBUS;
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct okvm_vcpu_vm_ops = {
	.fault = okvm_vcpu_fault,
};

static int okvm_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	vma->vm_ops = &okvm_vcpu_vm_ops;
	return 0;
}

static int okvm_vcpu_release(struct inode *inode, struct file *filp)
{
	struct okvm_vcpu *vcpu = filp->private_data;

	okvm_put_vm(vcpu->vm);
	return 0;
}

static int okvm_vcpu_run(struct okvm_vcpu *vcpu)
{
	sigset_t saved;
	int r;

	/*
	 * Sample immediate_exit once: userspace may change it at any time,
	 * and the arch code must see one consistent answer.
	 */
	vcpu->wants_to_run = !okvm_run_immediate_exit(vcpu->run);
	/* KVM_SET_SIGNAL_MASK: the mask applies while in KVM_RUN only. */
	if (vcpu->sigset_active)
		sigprocmask(SIG_SETMASK, &vcpu->sigset, &saved);
	r = okvm_arch_vcpu_run(vcpu);
	if (vcpu->sigset_active)
		sigprocmask(SIG_SETMASK, &saved, NULL);
	vcpu->wants_to_run = false;
	return r;
}

/*
 * KVM_SET_SIGNAL_MASK: the signals blocked while the vCPU runs (NULL: the
 * thread's own mask). SIGKILL and SIGSTOP cannot be blocked.
 */
static long okvm_vcpu_set_sigmask(struct okvm_vcpu *vcpu,
				  struct kvm_signal_mask __user *arg)
{
	struct kvm_signal_mask hdr;
	sigset_t set;

	if (!arg) {
		vcpu->sigset_active = false;
		return 0;
	}
	if (copy_from_user(&hdr, arg, sizeof(hdr)))
		return -EFAULT;
	if (hdr.len != sizeof(set))
		return -EINVAL;
	if (copy_from_user(&set, arg->sigset, sizeof(set)))
		return -EFAULT;
	sigdelsetmask(&set, sigmask(SIGKILL) | sigmask(SIGSTOP));
	vcpu->sigset = set;
	vcpu->sigset_active = true;
	return 0;
}

static long okvm_vcpu_ioctl(struct file *filp, unsigned int ioctl,
			    unsigned long arg)
{
	struct okvm_vcpu *vcpu = filp->private_data;
	long r;

	if (vcpu->vm->mm != current->mm || READ_ONCE(vcpu->vm->dead))
		return -EIO;

	/* As KVM: one ioctl at a time per vCPU, and killable while waiting. */
	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	switch (ioctl) {
	case KVM_RUN:
		r = arg ? -EINVAL : okvm_vcpu_run(vcpu);
		break;
	case KVM_GET_STATS_FD:
		r = okvm_vcpu_stats_fd(vcpu);
		break;
	case KVM_SET_SIGNAL_MASK:
		r = okvm_vcpu_set_sigmask(vcpu, (void __user *)arg);
		break;
	case KVM_PRE_FAULT_MEMORY: {
		struct kvm_pre_fault_memory range;

		if (copy_from_user(&range, (void __user *)arg, sizeof(range))) {
			r = -EFAULT;
			break;
		}
		r = okvm_vcpu_pre_fault_memory(vcpu, &range);
		/* What is left goes back even on failure, as KVM. */
		if (copy_to_user((void __user *)arg, &range, sizeof(range)))
			r = -EFAULT;
		break;
	}
	default:
		r = okvm_arch_vcpu_ioctl(vcpu, ioctl, arg);
		break;
	}
	mutex_unlock(&vcpu->mutex);
	return r;
}

static const struct file_operations okvm_vcpu_fops = {
	.owner = THIS_MODULE,
	.release = okvm_vcpu_release,
	.unlocked_ioctl = okvm_vcpu_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = okvm_vcpu_mmap,
	.llseek = noop_llseek,
};

/**
 * okvm_vm_create_vcpu() - KVM_CREATE_VCPU
 * @vm: the VM
 * @id: the vCPU id userspace asked for (the ioctl's argument)
 *
 * Return: the vCPU's fd, or -EINVAL for an id out of range or a VM with
 * all its vCPUs, -EEXIST for a duplicate id, -ENOMEM; on failure nothing
 * is left behind.
 */
int okvm_vm_create_vcpu(struct okvm_vm *vm, unsigned long id)
{
	struct okvm_vcpu *vcpu;
	struct page *page;
	char name[32];
	int r;

	if (id >= OKVM_MAX_VCPU_IDS)
		return -EINVAL;

	mutex_lock(&vm->lock);
	if (vm->created_vcpus >= OKVM_MAX_VCPUS ||
	    (vm->max_vcpu_ids && id >= vm->max_vcpu_ids)) {
		mutex_unlock(&vm->lock);
		return -EINVAL;
	}
	/* Reserve a place so that concurrent creators respect the limit. */
	vm->created_vcpus++;
	mutex_unlock(&vm->lock);

	r = -ENOMEM;
	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		goto err_unreserve;
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page)
		goto err_free_vcpu;
	atomic_long_inc(&okvm_live_pages);
	vcpu->run = page_address(page);
	vcpu->vm = vm;
	vcpu->vcpu_id = id;
	mutex_init(&vcpu->mutex);
	snprintf(vcpu->stats_id, sizeof(vcpu->stats_id), "kvm-%d/vcpu-%lu",
		 task_pid_nr(current), id);

	r = okvm_arch_vcpu_create(vcpu);
	if (r)
		goto err_free_run;

	mutex_lock(&vm->lock);
	if (okvm_get_vcpu_by_id(vm, id)) {
		r = -EEXIST;
		goto err_unlock;
	}
	vcpu->vcpu_idx = atomic_read(&vm->online_vcpus);
	r = xa_insert(&vm->vcpu_array, vcpu->vcpu_idx, vcpu, GFP_KERNEL_ACCOUNT);
	if (r)
		goto err_unlock;

	/* The fd's reference; the caller's VM fd keeps the VM alive meanwhile. */
	okvm_get_vm(vm);
	snprintf(name, sizeof(name), "kvm-vcpu:%lu", id);
	r = anon_inode_getfd(name, &okvm_vcpu_fops, vcpu, O_RDWR | O_CLOEXEC);
	if (r < 0)
		goto err_xa;
	atomic_inc(&vm->online_vcpus);
	mutex_unlock(&vm->lock);
	atomic_inc(&okvm_live_vcpus);
	return r;

err_xa:
	xa_erase(&vm->vcpu_array, vcpu->vcpu_idx);
	/* TLB shootdowns walk vcpu_array under RCU: let them finish. */
	synchronize_rcu();
	/* Cannot be the last reference: the ioctl runs on the VM's fd. */
	refcount_dec(&vm->users);
err_unlock:
	mutex_unlock(&vm->lock);
	okvm_arch_vcpu_destroy(vcpu);
err_free_run:
	free_page((unsigned long)vcpu->run);
	atomic_long_dec(&okvm_live_pages);
err_free_vcpu:
	kfree(vcpu);
err_unreserve:
	mutex_lock(&vm->lock);
	vm->created_vcpus--;
	mutex_unlock(&vm->lock);
	return r;
}
