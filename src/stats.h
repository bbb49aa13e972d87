/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Binary statistics (KVM_GET_STATS_FD), in KVM's format: a header, an id
 * string, descriptors each followed by a name, then the data block of u64s.
 *
 * Every field here is a real counter, updated where the event happens
 * (most by the run loop and the MMU); none is a placeholder.
 */
#ifndef OKVM_STATS_H
#define OKVM_STATS_H

#include <linux/types.h>

/* Bytes for the id and each name in the file, KVM's value (part of the ABI). */
#define OKVM_STATS_NAME_SIZE	48

struct okvm_vm_stat {
	u64 remote_tlb_flush;		/* TLB flushes of the whole VM */
	u64 remote_tlb_flush_requests;	/* requests for one (may be merged) */
	u64 pages_4k;			/* instant: 4K leaves mapped */
	u64 pages_2m;			/* instant: 2M leaves mapped */
	u64 pages_1g;			/* instant: 1G leaves mapped */
};

struct okvm_vcpu_stat {
	u64 exits;		/* every exit from the guest */
	u64 io_exits;		/* port I/O completed in userspace */
	u64 mmio_exits;		/* MMIO completed in userspace */
	u64 halt_exits;		/* HLT */
	u64 signal_exits;	/* KVM_RUN returned -EINTR */
	u64 irq_exits;		/* host interrupt while in the guest */
#ifdef CONFIG_X86
	u64 irq_window_exits;	/* an interrupt window okvm asked for opened */
#endif
};

struct okvm_vm;
struct okvm_vcpu;

int okvm_vm_stats_fd(struct okvm_vm *vm);
int okvm_vcpu_stats_fd(struct okvm_vcpu *vcpu);

#endif /* OKVM_STATS_H */
