/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Coalesced MMIO/PIO zones and their ring (src/x86/coalesced.c).
 */
#ifndef OKVM_X86_COALESCED_H
#define OKVM_X86_COALESCED_H

#include <linux/types.h>

struct kvm_coalesced_mmio_zone;
struct okvm_vm;
struct page;

int okvm_coalesced_init(struct okvm_vm *vm);
void okvm_coalesced_free(struct okvm_vm *vm);
struct page *okvm_coalesced_ring_page(struct okvm_vm *vm);
int okvm_coalesced_register(struct okvm_vm *vm,
			    const struct kvm_coalesced_mmio_zone *zone);
int okvm_coalesced_unregister(struct okvm_vm *vm,
			      const struct kvm_coalesced_mmio_zone *zone);
bool okvm_coalesced_write(struct okvm_vm *vm, bool pio, u64 addr,
			  unsigned int len, const void *data, unsigned int count);
long okvm_coalesced_vm_ioctl(struct okvm_vm *vm, unsigned int ioctl,
			     void __user *argp);

#endif /* OKVM_X86_COALESCED_H */
