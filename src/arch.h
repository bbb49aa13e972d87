/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The interface the arch-neutral core calls; each arch (src/x86/, later
 * src/arm64/) implements all of it. The core never includes arch headers.
 */
#ifndef OKVM_ARCH_H
#define OKVM_ARCH_H

#include <linux/fs.h>
#include <linux/types.h>

struct okvm_vm;
struct okvm_vcpu;
struct okvm_pt_fmt;
struct page;
struct kvm_enable_cap;

int okvm_arch_init(void);
void okvm_arch_exit(void);

/* System-fd ioctls the core does not know; -EINVAL if none matches. */
long okvm_arch_dev_ioctl(unsigned int ioctl, unsigned long arg);

/*
 * KVM_CHECK_EXTENSION for the caps the core does not answer: the value, or
 * 0 if not offered. @vm is NULL on the system fd.
 */
long okvm_arch_check_extension(struct okvm_vm *vm, long ext);

int okvm_arch_vm_init(struct okvm_vm *vm, unsigned long type);
/* KVM_ENABLE_CAP on a VM for the caps the core does not know (-EINVAL). */
int okvm_arch_vm_enable_cap(struct okvm_vm *vm,
			    const struct kvm_enable_cap *cap);
void okvm_arch_vm_destroy(struct okvm_vm *vm);
/* May KVM_CAP_MAX_VCPU_ID become @max_ids? Called with vm->lock held. */
bool okvm_arch_max_vcpu_ids_ok(struct okvm_vm *vm, u64 max_ids);
long okvm_arch_vm_ioctl(struct okvm_vm *vm, unsigned int ioctl,
			unsigned long arg);

/* Has @vm an in-kernel interrupt controller (KVM_IRQFD needs one)? */
bool okvm_arch_irqchip_in_kernel(struct okvm_vm *vm);
/*
 * Set GSI @gsi of @vm's in-kernel irqchip to @level through its routing;
 * any context (an irqfd's wake-up runs with a spinlock held, irqs off).
 */
void okvm_arch_set_irq(struct okvm_vm *vm, u32 gsi, bool level);

int okvm_arch_vcpu_create(struct okvm_vcpu *vcpu);
void okvm_arch_vcpu_destroy(struct okvm_vcpu *vcpu);
long okvm_arch_vcpu_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
			  unsigned long arg);
int okvm_arch_vcpu_run(struct okvm_vcpu *vcpu);

/* The page-table format of the VM's MMU (NPT on x86). */
const struct okvm_pt_fmt *okvm_arch_mmu_fmt(struct okvm_vm *vm);
/*
 * The largest GFN a memslot of @vm may reach, whatever the format maps
 * (the core also bounds slots by the format): x86, the host's MAXPHYADDR.
 */
u64 okvm_arch_max_gfn(struct okvm_vm *vm);
/* Every vCPU of @vm drops cached guest-physical translations. No sleeping. */
void okvm_arch_flush_remote_tlbs(struct okvm_vm *vm);
/* Page @pgoff (> 0) of the vCPU mapping after kvm_run, or NULL. */
struct page *okvm_arch_vcpu_mmap_page(struct okvm_vcpu *vcpu, pgoff_t pgoff);

#endif /* OKVM_ARCH_H */
