// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_IOEVENTFD and KVM_IRQFD, with KVM's semantics and errnos.
 *
 * An ioeventfd is an (address space, address, length, value) pattern: a
 * guest write that matches it signals the eventfd and the vCPU goes on
 * without an exit to userspace (a VMM's virtio queue notifications). The
 * arch's PIO and MMIO exit paths ask okvm_ioeventfd_write() before they
 * exit; the list is read under RCU there and changed under eventfds.lock.
 *
 * An irqfd is an eventfd whose signal raises a GSI of the in-kernel
 * irqchip, edge-style (assert, deassert) through the arch's routing
 * (okvm_arch_set_irq()), straight from the eventfd's wake-up callback,
 * which may run in any context. It holds no reference to the VM: closing
 * the VM fd deactivates every irqfd and waits for their teardown. Closing
 * the eventfd (EPOLLHUP) deactivates its irqfd too; the teardown, which
 * must leave the eventfd's wait queue, runs from a workqueue because the
 * wake-up callback holds that queue's lock.
 *
 * Not offered yet: KVM_IRQFD_FLAG_RESAMPLE (level-triggered irqfds,
 * re-armed by the guest's EOI), so KVM_CAP_IRQFD_RESAMPLE reads 0 and the
 * flag gets -EINVAL, KVM's answer where it does not allow resampling.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/kvm.h>
#include <linux/poll.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "arch.h"
#include "okvm.h"

/*
 * KVM's accepted flags: DATAMATCH, PIO, DEASSIGN, VIRTIO_CCW_NOTIFY and a
 * fifth bit (fast MMIO) that has no uapi name and no effect.
 */
#define OKVM_IOEVENTFD_VALID_FLAGS	GENMASK(4, 0)

/*
 * The address spaces a pattern lives in. KVM accepts virtio-ccw
 * notifications on every arch; on x86 nothing ever writes there.
 */
enum okvm_iobus { OKVM_IOBUS_MMIO, OKVM_IOBUS_PIO, OKVM_IOBUS_CCW };

struct okvm_ioeventfd {
	struct list_head list;
	struct eventfd_ctx *eventfd;
	u64 addr;
	u64 datamatch;
	u32 len;			/* 0: any length */
	enum okvm_iobus bus;
	bool wildcard;			/* no datamatch: any value */
};

struct okvm_irqfd {
	struct okvm_vm *vm;
	struct eventfd_ctx *eventfd;
	u32 gsi;
	/* In vm->eventfds.irq while active; empty once deactivated. */
	struct list_head list;
	wait_queue_entry_t wait;
	poll_table pt;
	struct work_struct shutdown;
};

/* Irqfd teardown: one queue, so that a VM's release can wait for its own. */
static struct workqueue_struct *okvm_irqfd_wq;

/**
 * okvm_eventfd_module_init() - module-wide state of irqfds
 *
 * Return: 0 or -ENOMEM.
 */
int okvm_eventfd_module_init(void)
{
	okvm_irqfd_wq = alloc_workqueue("okvm-irqfd", 0, 0);
	return okvm_irqfd_wq ? 0 : -ENOMEM;
}

/** okvm_eventfd_module_exit() - undo okvm_eventfd_module_init() */
void okvm_eventfd_module_exit(void)
{
	destroy_workqueue(okvm_irqfd_wq);
}

/**
 * okvm_eventfd_vm_init() - a new VM has no ioeventfd and no irqfd
 * @vm: the VM being created
 */
void okvm_eventfd_vm_init(struct okvm_vm *vm)
{
	struct okvm_eventfds *ev = &vm->eventfds;

	mutex_init(&ev->lock);
	INIT_LIST_HEAD(&ev->io);
	spin_lock_init(&ev->irq_lock);
	INIT_LIST_HEAD(&ev->irq);
}

/* --- KVM_IOEVENTFD --------------------------------------------------------- */

static bool ioeventfd_matches(const struct okvm_ioeventfd *p, u64 addr,
			      unsigned int len, const void *val)
{
	union { u8 b; u16 w; u32 l; u64 q; } v;

	if (p->addr != addr)
		return false;
	if (!p->len)
		return true;
	if (p->len != len)
		return false;
	if (p->wildcard)
		return true;
	/* The value as a number of its own size, in host byte order. */
	memcpy(&v, val, len);
	switch (len) {
	case 1:
		return v.b == p->datamatch;
	case 2:
		return v.w == p->datamatch;
	case 4:
		return v.l == p->datamatch;
	default:
		return v.q == p->datamatch;
	}
}

/**
 * okvm_ioeventfd_write() - signal the ioeventfd a guest write matches
 * @vm: the VM
 * @pio: a port write (else MMIO)
 * @addr: the port or guest-physical address
 * @len: the access size in bytes (1, 2, 4 or 8)
 * @val: the @len bytes written, little-endian
 *
 * Context: any; takes no lock but RCU's and the eventfd's.
 * Return: true if an ioeventfd took the write (the vCPU must complete the
 * instruction and not exit), false otherwise.
 */
bool okvm_ioeventfd_write(struct okvm_vm *vm, bool pio, u64 addr,
			  unsigned int len, const void *val)
{
	enum okvm_iobus bus = pio ? OKVM_IOBUS_PIO : OKVM_IOBUS_MMIO;
	struct okvm_ioeventfd *p;
	bool hit = false;

	/* The common case, no ioeventfd, without entering RCU. */
	if (list_empty(&vm->eventfds.io))
		return false;
	rcu_read_lock();
	list_for_each_entry_rcu(p, &vm->eventfds.io, list) {
		if (p->bus == bus && ioeventfd_matches(p, addr, len, val)) {
			okvm_eventfd_signal(p->eventfd);
			hit = true;
			break;
		}
	}
	rcu_read_unlock();
	return hit;
}

static enum okvm_iobus ioeventfd_bus(u32 flags)
{
	if (flags & KVM_IOEVENTFD_FLAG_PIO)
		return OKVM_IOBUS_PIO;
	if (flags & KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY)
		return OKVM_IOBUS_CCW;
	return OKVM_IOBUS_MMIO;
}

/*
 * Would @p and @q both take some write? Same place, and either one takes
 * any length or any value, or they want the same one.
 */
static bool ioeventfd_overlap(const struct okvm_ioeventfd *p,
			      const struct okvm_ioeventfd *q)
{
	return p->bus == q->bus && p->addr == q->addr &&
	       (!p->len || !q->len ||
		(p->len == q->len &&
		 (p->wildcard || q->wildcard || p->datamatch == q->datamatch)));
}

static int ioeventfd_assign(struct okvm_vm *vm, const struct kvm_ioeventfd *a)
{
	struct okvm_eventfds *ev = &vm->eventfds;
	struct okvm_ioeventfd *p, *q;
	struct eventfd_ctx *ctx;
	int r = 0;

	/* KVM's checks, in KVM's order. */
	if (a->len != 0 && a->len != 1 && a->len != 2 && a->len != 4 &&
	    a->len != 8)
		return -EINVAL;
	if (a->addr + a->len < a->addr)
		return -EINVAL;
	if (a->flags & ~OKVM_IOEVENTFD_VALID_FLAGS)
		return -EINVAL;
	/* Any length and a value to match do not go together. */
	if (!a->len && (a->flags & KVM_IOEVENTFD_FLAG_DATAMATCH))
		return -EINVAL;

	ctx = eventfd_ctx_fdget(a->fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p) {
		eventfd_ctx_put(ctx);
		return -ENOMEM;
	}
	p->eventfd = ctx;
	p->addr = a->addr;
	p->len = a->len;
	p->bus = ioeventfd_bus(a->flags);
	p->wildcard = !(a->flags & KVM_IOEVENTFD_FLAG_DATAMATCH);
	if (!p->wildcard)
		p->datamatch = a->datamatch;

	mutex_lock(&ev->lock);
	list_for_each_entry(q, &ev->io, list) {
		if (ioeventfd_overlap(p, q)) {
			r = -EEXIST;
			break;
		}
	}
	if (!r)
		list_add_tail_rcu(&p->list, &ev->io);
	mutex_unlock(&ev->lock);
	if (r) {
		eventfd_ctx_put(ctx);
		kfree(p);
	}
	return r;
}

/* Remove the one ioeventfd that is exactly @a (KVM: -ENOENT if none). */
static int ioeventfd_deassign(struct okvm_vm *vm, const struct kvm_ioeventfd *a)
{
	bool wildcard = !(a->flags & KVM_IOEVENTFD_FLAG_DATAMATCH);
	enum okvm_iobus bus = ioeventfd_bus(a->flags);
	struct okvm_eventfds *ev = &vm->eventfds;
	struct okvm_ioeventfd *p, *found = NULL;
	struct eventfd_ctx *ctx;

	ctx = eventfd_ctx_fdget(a->fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);

	mutex_lock(&ev->lock);
	list_for_each_entry(p, &ev->io, list) {
		if (p->bus == bus && p->eventfd == ctx && p->addr == a->addr &&
		    p->len == a->len && p->wildcard == wildcard &&
		    (wildcard || p->datamatch == a->datamatch)) {
			list_del_rcu(&p->list);
			found = p;
			break;
		}
	}
	mutex_unlock(&ev->lock);
	eventfd_ctx_put(ctx);
	if (!found)
		return -ENOENT;
	/* No vCPU may still be signalling through it. */
	synchronize_rcu();
	eventfd_ctx_put(found->eventfd);
	kfree(found);
	return 0;
}

/**
 * okvm_ioeventfd_vm_free() - drop every ioeventfd of a VM
 * @vm: the VM, unreachable (no vCPU can run)
 */
void okvm_ioeventfd_vm_free(struct okvm_vm *vm)
{
	struct okvm_ioeventfd *p, *tmp;

	list_for_each_entry_safe(p, tmp, &vm->eventfds.io, list) {
		list_del(&p->list);
		eventfd_ctx_put(p->eventfd);
		kfree(p);
	}
}

/* --- KVM_IRQFD -------------------------------------------------------------- */

/* Off the list, then torn down from the workqueue. irq_lock held. */
static void irqfd_deactivate(struct okvm_irqfd *irqfd)
{
	lockdep_assert_held(&irqfd->vm->eventfds.irq_lock);
	list_del_init(&irqfd->list);
	queue_work(okvm_irqfd_wq, &irqfd->shutdown);
}

static void irqfd_shutdown(struct work_struct *work)
{
	struct okvm_irqfd *irqfd = container_of(work, struct okvm_irqfd,
						shutdown);
	u64 cnt;

	/* After this, the wake-up callback cannot run for it any more. */
	eventfd_ctx_remove_wait_queue(irqfd->eventfd, &irqfd->wait, &cnt);
	eventfd_ctx_put(irqfd->eventfd);
	kfree(irqfd);
}

/* Edge-style: the GSI's routes see a rising edge and the line drops. */
static void irqfd_inject(struct okvm_irqfd *irqfd)
{
	okvm_arch_set_irq(irqfd->vm, irqfd->gsi, true);
	okvm_arch_set_irq(irqfd->vm, irqfd->gsi, false);
}

/* Called with the eventfd's wait-queue lock held and interrupts off. */
static int irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode, int sync,
			void *key)
{
	struct okvm_irqfd *irqfd = container_of(wait, struct okvm_irqfd, wait);
	struct okvm_eventfds *ev = &irqfd->vm->eventfds;
	__poll_t flags = key_to_poll(key);
	unsigned long iflags;
	int ret = 0;

	if (flags & EPOLLIN) {
		u64 cnt;

		/*
		 * Consume the count: one interrupt per wake-up. The VM lives
		 * while the irqfd is on the wait queue (release waits for the
		 * teardown that takes it off).
		 */
		eventfd_ctx_do_read(irqfd->eventfd, &cnt);
		irqfd_inject(irqfd);
		ret = 1;
	}
	if (flags & EPOLLHUP) {
		/* The eventfd is closing; unless deassign got here first. */
		spin_lock_irqsave(&ev->irq_lock, iflags);
		if (!list_empty(&irqfd->list))
			irqfd_deactivate(irqfd);
		spin_unlock_irqrestore(&ev->irq_lock, iflags);
	}
	return ret;
}

static void irqfd_queue_proc(struct file *file, wait_queue_head_t *wqh,
			     poll_table *pt)
{
	struct okvm_irqfd *irqfd = container_of(pt, struct okvm_irqfd, pt);

	add_wait_queue(wqh, &irqfd->wait);
}

static int irqfd_assign(struct okvm_vm *vm, const struct kvm_irqfd *a)
{
	struct okvm_eventfds *ev = &vm->eventfds;
	struct okvm_irqfd *irqfd, *tmp;
	struct eventfd_ctx *ctx;
	struct file *file;
	__poll_t events;
	int r;

	/*
	 * KVM on x86: -EINVAL without an in-kernel irqchip (-EAGAIN, "not
	 * yet", is what arches with a lazily set-up irqchip say).
	 */
	if (!okvm_arch_irqchip_in_kernel(vm))
		return -EINVAL;
	if (a->flags & KVM_IRQFD_FLAG_RESAMPLE)
		return -EINVAL;		/* not offered: see the file comment */

	file = fget(a->fd);
	if (!file)
		return -EBADF;
	ctx = eventfd_ctx_fileget(file);
	if (IS_ERR(ctx)) {
		r = PTR_ERR(ctx);
		goto out_file;
	}
	irqfd = kzalloc(sizeof(*irqfd), GFP_KERNEL_ACCOUNT);
	if (!irqfd) {
		r = -ENOMEM;
		goto out_ctx;
	}
	irqfd->vm = vm;
	irqfd->eventfd = ctx;
	irqfd->gsi = a->gsi;
	INIT_LIST_HEAD(&irqfd->list);
	INIT_WORK(&irqfd->shutdown, irqfd_shutdown);
	init_waitqueue_func_entry(&irqfd->wait, irqfd_wakeup);
	init_poll_funcptr(&irqfd->pt, irqfd_queue_proc);

	/* Deassign and release wait for this irqfd to be complete. */
	mutex_lock(&ev->lock);
	spin_lock_irq(&ev->irq_lock);
	list_for_each_entry(tmp, &ev->irq, list) {
		if (tmp->eventfd == ctx) {
			/* One eventfd raises one GSI. */
			spin_unlock_irq(&ev->irq_lock);
			mutex_unlock(&ev->lock);
			kfree(irqfd);
			r = -EBUSY;
			goto out_ctx;
		}
	}
	list_add_tail(&irqfd->list, &ev->irq);
	spin_unlock_irq(&ev->irq_lock);

	/*
	 * Hook the wait queue; a count already pending is delivered now, as
	 * if it had been signalled after this call. The file reference keeps
	 * the eventfd from closing (EPOLLHUP) until the irqfd is complete.
	 */
	events = vfs_poll(file, &irqfd->pt);
	if (events & EPOLLIN)
		irqfd_inject(irqfd);
	mutex_unlock(&ev->lock);
	fput(file);
	return 0;

out_ctx:
	eventfd_ctx_put(ctx);
out_file:
	fput(file);
	return r;
}

/* Every irqfd of @fd and @gsi goes (none: still 0, as KVM). */
static int irqfd_deassign(struct okvm_vm *vm, const struct kvm_irqfd *a)
{
	struct okvm_eventfds *ev = &vm->eventfds;
	struct okvm_irqfd *irqfd, *tmp;
	struct eventfd_ctx *ctx;

	ctx = eventfd_ctx_fdget(a->fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	mutex_lock(&ev->lock);
	spin_lock_irq(&ev->irq_lock);
	list_for_each_entry_safe(irqfd, tmp, &ev->irq, list)
		if (irqfd->eventfd == ctx && irqfd->gsi == a->gsi)
			irqfd_deactivate(irqfd);
	spin_unlock_irq(&ev->irq_lock);
	mutex_unlock(&ev->lock);
	eventfd_ctx_put(ctx);
	/* Once this returns, the eventfd raises nothing more. */
	flush_workqueue(okvm_irqfd_wq);
	return 0;
}

/**
 * okvm_irqfd_vm_release() - the VM fd is closing: every irqfd goes
 * @vm: the VM (vCPU fds may keep it alive a while longer)
 *
 * Waits until no irqfd of @vm can run its wake-up callback any more.
 */
void okvm_irqfd_vm_release(struct okvm_vm *vm)
{
	struct okvm_eventfds *ev = &vm->eventfds;
	struct okvm_irqfd *irqfd, *tmp;

	mutex_lock(&ev->lock);
	spin_lock_irq(&ev->irq_lock);
	list_for_each_entry_safe(irqfd, tmp, &ev->irq, list)
		irqfd_deactivate(irqfd);
	spin_unlock_irq(&ev->irq_lock);
	mutex_unlock(&ev->lock);
	flush_workqueue(okvm_irqfd_wq);
}

/**
 * okvm_eventfd_vm_ioctl() - KVM_IOEVENTFD and KVM_IRQFD
 * @vm: the VM
 * @ioctl: KVM_IOEVENTFD or KVM_IRQFD
 * @argp: the user's struct kvm_ioeventfd or struct kvm_irqfd
 *
 * Return: 0 or KVM's errno for the request; nothing is left behind on error.
 */
long okvm_eventfd_vm_ioctl(struct okvm_vm *vm, unsigned int ioctl,
			   void __user *argp)
{
	struct kvm_ioeventfd io;
	struct kvm_irqfd irq;

	if (ioctl == KVM_IOEVENTFD) {
		if (copy_from_user(&io, argp, sizeof(io)))
			return -EFAULT;
		if (io.flags & KVM_IOEVENTFD_FLAG_DEASSIGN)
			return ioeventfd_deassign(vm, &io);
		return ioeventfd_assign(vm, &io);
	}
	if (copy_from_user(&irq, argp, sizeof(irq)))
		return -EFAULT;
	if (irq.flags & ~(KVM_IRQFD_FLAG_DEASSIGN | KVM_IRQFD_FLAG_RESAMPLE))
		return -EINVAL;
	if (irq.flags & KVM_IRQFD_FLAG_DEASSIGN)
		return irqfd_deassign(vm, &irq);
	return irqfd_assign(vm, &irq);
}
