/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VMID allocator with generations and rollover, in portable C.
 *
 * A VMID tags TLB entries of one stage-2 MMU.  VMIDs are handed out from
 * a bitmap; when it is full, the generation advances (rollover): every
 * VMID becomes stale except the ones running on a CPU at that moment,
 * which are reserved so running guests keep theirs, and every CPU must
 * flush its guest TLB entries before it runs a VMID of the new generation.
 *
 * CPUs are passed explicitly (0 .. nr_cpus-1) so the rules can be tested
 * without per-CPU machinery; the arch glue passes smp_processor_id().
 */
#ifndef OKVM_ARM64_VMID_H
#define OKVM_ARM64_VMID_H

#include <linux/atomic.h>
#include <linux/spinlock.h>
#include <linux/types.h>

/**
 * struct okvm_vmid - the VMID of one stage-2 MMU
 * @id: generation | VMID; 0 before the first allocation
 */
struct okvm_vmid {
	atomic64_t id;
};

/**
 * struct okvm_vmid_alloc - the allocator (one per host)
 * @lock: serialises the slow path and rollover
 * @bits: VMID width; VMID 0 is the host's and never handed out
 * @generation: current generation, a multiple of 1 << @bits
 * @map: VMIDs taken in the current generation
 * @nr_cpus: number of CPUs
 * @active: per CPU, the VMID it runs (0 while a rollover re-reserves it)
 * @reserved: per CPU, the VMID kept across the last rollover
 * @flush_pending: per CPU, a rollover happened since its last flush
 * @nr_rollovers: statistics
 */
struct okvm_vmid_alloc {
	spinlock_t lock;
	unsigned int bits;
	atomic64_t generation;
	unsigned long *map;
	unsigned int nr_cpus;
	atomic64_t *active;
	u64 *reserved;
	unsigned long *flush_pending;
	u64 nr_rollovers;
};

int okvm_vmid_alloc_init(struct okvm_vmid_alloc *a, unsigned int bits,
			 unsigned int nr_cpus);
void okvm_vmid_alloc_destroy(struct okvm_vmid_alloc *a);
bool okvm_vmid_update(struct okvm_vmid_alloc *a, struct okvm_vmid *vmid,
		      unsigned int cpu);

static inline void okvm_vmid_init(struct okvm_vmid *vmid)
{
	atomic64_set(&vmid->id, 0);
}

/* The hardware VMID (without the generation). */
static inline u32 okvm_vmid_value(const struct okvm_vmid_alloc *a,
				  struct okvm_vmid *vmid)
{
	return atomic64_read(&vmid->id) & ((1ULL << a->bits) - 1);
}

static inline u64 okvm_vmid_generation(const struct okvm_vmid_alloc *a,
				       u64 id)
{
	return id >> a->bits;
}

#endif /* OKVM_ARM64_VMID_H */
