// SPDX-License-Identifier: GPL-2.0-only
/*
 * VMID allocator; see vmid.h.  The scheme is the one arm64 Linux uses for
 * ASIDs and VMIDs: a lock-free fast path when the VMID is current and the
 * CPU's active slot is live, a locked slow path that allocates or rolls
 * over.
 */
#include <linux/bitmap.h>
#include <linux/slab.h>

#include "arm64/vmid.h"

static u64 nr_vmids(struct okvm_vmid_alloc *a)
{
	return 1ULL << a->bits;
}

static bool gen_current(struct okvm_vmid_alloc *a, u64 id)
{
	return id && okvm_vmid_generation(a, id) ==
		     okvm_vmid_generation(a, atomic64_read(&a->generation));
}

/**
 * okvm_vmid_alloc_init() - set up an allocator
 * @a: the allocator
 * @bits: VMID width (at least 2; 8 or 16 on arm64)
 * @nr_cpus: number of CPUs that run guests
 *
 * Context: may sleep.
 * Return: 0, -EINVAL or -ENOMEM (nothing allocated on failure).
 */
int okvm_vmid_alloc_init(struct okvm_vmid_alloc *a, unsigned int bits,
			 unsigned int nr_cpus)
{
	unsigned int cpu;

	if (bits < 2 || bits > 16 || !nr_cpus)
		return -EINVAL;
	spin_lock_init(&a->lock);
	a->bits = bits;
	a->nr_cpus = nr_cpus;
	a->nr_rollovers = 0;
	atomic64_set(&a->generation, 1ULL << bits);
	a->map = bitmap_zalloc(nr_vmids(a), GFP_KERNEL);
	a->active = kcalloc(nr_cpus, sizeof(*a->active), GFP_KERNEL);
	a->reserved = kcalloc(nr_cpus, sizeof(*a->reserved), GFP_KERNEL);
	a->flush_pending = bitmap_zalloc(nr_cpus, GFP_KERNEL);
	if (!a->map || !a->active || !a->reserved || !a->flush_pending) {
		okvm_vmid_alloc_destroy(a);
		return -ENOMEM;
	}
	for (cpu = 0; cpu < nr_cpus; cpu++)
		atomic64_set(&a->active[cpu], 0);
	/* The host runs with VMID 0. */
	__set_bit(0, a->map);
	return 0;
}

/**
 * okvm_vmid_alloc_destroy() - free an allocator
 * @a: the allocator
 */
void okvm_vmid_alloc_destroy(struct okvm_vmid_alloc *a)
{
	bitmap_free(a->map);
	kfree(a->active);
	kfree(a->reserved);
	bitmap_free(a->flush_pending);
	a->map = a->flush_pending = NULL;
	a->active = NULL;
	a->reserved = NULL;
}

/*
 * Start a new generation.  The VMIDs running right now stay valid (a CPU
 * is in the guest with it) and are reserved; a CPU whose active slot is 0
 * has not run a guest since the last rollover and keeps its reserved one.
 */
static void rollover(struct okvm_vmid_alloc *a)
{
	u64 mask = nr_vmids(a) - 1;
	unsigned int cpu;

	bitmap_zero(a->map, nr_vmids(a));
	__set_bit(0, a->map);
	for (cpu = 0; cpu < a->nr_cpus; cpu++) {
		u64 id = atomic64_xchg_relaxed(&a->active[cpu], 0);

		if (!id)
			id = a->reserved[cpu];
		__set_bit(id & mask, a->map);
		a->reserved[cpu] = id;
	}
	/* Stale VMIDs may be reused now: every CPU flushes before use. */
	bitmap_fill(a->flush_pending, a->nr_cpus);
	atomic64_add(nr_vmids(a), &a->generation);
	a->nr_rollovers++;
}

/* A VMID reserved by a rollover moves to the new generation. */
static bool update_reserved(struct okvm_vmid_alloc *a, u64 old, u64 new)
{
	bool hit = false;
	unsigned int cpu;

	for (cpu = 0; cpu < a->nr_cpus; cpu++) {
		if (a->reserved[cpu] == old) {
			a->reserved[cpu] = new;
			hit = true;
		}
	}
	return hit;
}

static u64 new_vmid(struct okvm_vmid_alloc *a, struct okvm_vmid *vmid)
{
	u64 mask = nr_vmids(a) - 1;
	u64 old = atomic64_read(&vmid->id);
	u64 gen = atomic64_read(&a->generation);
	unsigned long idx;

	if (old) {
		u64 new = gen | (old & mask);

		/* Keep the same number across generations when it is free. */
		if (update_reserved(a, old, new))
			return new;
		if (!__test_and_set_bit(old & mask, a->map))
			return new;
	}

	idx = find_next_zero_bit(a->map, nr_vmids(a), 1);
	if (idx == nr_vmids(a)) {
		rollover(a);
		gen = atomic64_read(&a->generation);
		idx = find_next_zero_bit(a->map, nr_vmids(a), 1);
		/* More CPUs than VMIDs is a configuration error. */
		if (WARN_ON_ONCE(idx == nr_vmids(a)))
			idx = 1;
	}
	__set_bit(idx, a->map);
	return gen | idx;
}

/**
 * okvm_vmid_update() - make @vmid current before a guest runs on @cpu
 * @a: the allocator
 * @vmid: the stage-2 MMU's VMID
 * @cpu: the CPU about to enter the guest (preemption disabled)
 *
 * Allocates a VMID or moves it to the current generation, and records it
 * as @cpu's active one.
 * Return: true if @cpu must invalidate all its guest TLB entries (all
 * VMIDs) before entering the guest: a rollover happened since it last did.
 */
bool okvm_vmid_update(struct okvm_vmid_alloc *a, struct okvm_vmid *vmid,
		      unsigned int cpu)
{
	u64 id = atomic64_read(&vmid->id);
	unsigned long flags;
	u64 old_active;
	bool flush;

	if (WARN_ON_ONCE(cpu >= a->nr_cpus))
		return true;

	/*
	 * Fast path: a current VMID and a live active slot.  A rollover
	 * zeroes the slots with xchg, so the cmpxchg fails if one raced.
	 */
	old_active = atomic64_read(&a->active[cpu]);
	if (old_active && gen_current(a, id) &&
	    atomic64_cmpxchg_relaxed(&a->active[cpu], old_active, id) ==
	    old_active)
		return false;

	/*
	 * IRQs off: okvm enters guests with DAIF masked, and a caller with
	 * IRQs on (a test, a flush by IPI) must not deadlock against it.
	 */
	spin_lock_irqsave(&a->lock, flags);
	id = atomic64_read(&vmid->id);
	if (!gen_current(a, id)) {
		id = new_vmid(a, vmid);
		atomic64_set(&vmid->id, id);
	}
	flush = __test_and_clear_bit(cpu, a->flush_pending);
	atomic64_set(&a->active[cpu], id);
	spin_unlock_irqrestore(&a->lock, flags);
	return flush;
}
