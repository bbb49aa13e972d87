/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KVM_IOEVENTFD and KVM_IRQFD (src/eventfd.c): eventfds a guest's writes
 * signal without an exit to userspace, and eventfds whose signal raises a
 * GSI of the VM's in-kernel irqchip.
 */
#ifndef OKVM_EVENTFD_H
#define OKVM_EVENTFD_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct okvm_vm;

/* Per-VM state, in struct okvm_vm. */
struct okvm_eventfds {
	/*
	 * Serializes (de)assignment of both kinds: the exit path reads @io
	 * under RCU; an irqfd's assignment completes before deassign or
	 * release can tear it down.
	 */
	struct mutex lock;
	struct list_head io;		/* struct okvm_ioeventfd, RCU list */
	/* Taken from the eventfd's wake-up (wait-queue lock held, irqs off). */
	spinlock_t irq_lock;
	struct list_head irq;		/* active struct okvm_irqfd */
};

int okvm_eventfd_module_init(void);
void okvm_eventfd_module_exit(void);
void okvm_eventfd_vm_init(struct okvm_vm *vm);
void okvm_irqfd_vm_release(struct okvm_vm *vm);
void okvm_ioeventfd_vm_free(struct okvm_vm *vm);
long okvm_eventfd_vm_ioctl(struct okvm_vm *vm, unsigned int ioctl,
			   void __user *argp);
bool okvm_ioeventfd_write(struct okvm_vm *vm, bool pio, u64 addr,
			  unsigned int len, const void *val);

#endif /* OKVM_EVENTFD_H */
