/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Memslots: the guest-physical to host-virtual map of a VM.
 *
 * A VM's memslots live in an immutable, RCU-published set sorted by base
 * GFN. Writers (KVM_SET_USER_MEMORY_REGION{,2}) build a new set under the
 * VM's slots_lock and publish it; readers (faults, the guest walker, the MMU
 * notifier) look slots up under SRCU without any lock. The validation and
 * set-building halves are pure functions so that KUnit can test every
 * KVM rule without a VM.
 */
#ifndef OKVM_MEMSLOT_H
#define OKVM_MEMSLOT_H

#include <linux/bits.h>
#include <linux/types.h>

/*
 * Limits, chosen honestly: upstream tests create every slot that is
 * advertised, and 512 user slots is ample for a VMM while keeping a
 * copy-on-write update of the set a few KiB. Only address space 0 exists
 * (no SMM).
 */
#define OKVM_USER_MEM_SLOTS	512
#define OKVM_ADDRESS_SPACES	1
/* KVM's per-slot ceiling (KVM_MEM_MAX_NR_PAGES): a slot's npages is an int. */
#define OKVM_MEM_MAX_NR_PAGES	((1ULL << 31) - 1)

/*
 * okvm's own slot flag, never a user one (user flags are checked against
 * the VM's valid flags): the slot is being deleted or moved. It stays in
 * the set the MMU notifier walks, so that host unmaps of its memory still
 * reach the guest, while faults on it are retried and okvm's own guest
 * accesses treat it as absent (see okvm_vm_set_memory_region()).
 */
#define OKVM_MEMSLOT_INVALID	BIT(16)

struct kvm_userspace_memory_region2;
struct okvm_gmem;

/*
 * @dirty_bitmap: for a slot with KVM_MEM_LOG_DIRTY_PAGES, its dirty log
 * (src/dirty.c); shared by the copies of the slot in successive sets.
 * @gmem: for a KVM_MEM_GUEST_MEMFD slot, the guest_memfd it is bound to
 * (src/guest_memfd.c), likewise shared; @gmem_pgoff is the file page that
 * backs @base_gfn.
 */
struct okvm_memslot {
	u64 base_gfn;
	u64 npages;
	unsigned long userspace_addr;
	unsigned long *dirty_bitmap;
	struct okvm_gmem *gmem;
	u64 gmem_pgoff;
	u32 flags;
	u16 id;
	u16 as_id;
};

/**
 * struct okvm_memslot_hva - a slot's place in its set's HVA index
 * @start: the slot's first HVA
 * @end: its exclusive end
 * @max_end: the largest @end of this entry and every one before it, so
 *	that a binary search finds the first entry that can reach an HVA
 *	even where slots overlap in HVA (aliases)
 * @slot: index of the slot in &struct okvm_memslots.slots
 */
struct okvm_memslot_hva {
	unsigned long start;
	unsigned long end;
	unsigned long max_end;
	unsigned int slot;
};

/**
 * struct okvm_memslots - one immutable generation of a VM's memslots
 * @generation: bumped on every published change
 * @nr_pages: pages covered by all slots together
 * @by_hva: @nr entries sorted by HVA, in the same allocation (the MMU
 *	notifier's lookup: okvm_memslots_hva_first())
 * @nr: number of used entries in @slots
 * @slots: the slots, sorted by base_gfn, never overlapping
 */
struct okvm_memslots {
	u64 generation;
	u64 nr_pages;
	struct okvm_memslot_hva *by_hva;
	unsigned int nr;
	struct okvm_memslot slots[] __counted_by(nr);
};

enum okvm_mr_change {
	OKVM_MR_NONE,
	OKVM_MR_CREATE,
	OKVM_MR_DELETE,
	OKVM_MR_MOVE,
	OKVM_MR_FLAGS_ONLY,
};

/**
 * struct okvm_memslot_change - a validated request, ready to apply
 * @change: what the request does to the set
 * @old: the slot as it is before (valid unless @change is CREATE)
 * @new: the slot as it will be (valid for CREATE, MOVE, FLAGS_ONLY)
 */
struct okvm_memslot_change {
	enum okvm_mr_change change;
	struct okvm_memslot old;
	struct okvm_memslot new;
};

int okvm_memslot_check(const struct okvm_memslots *slots,
		       const struct kvm_userspace_memory_region2 *mem,
		       u32 valid_flags, u64 max_gfn,
		       struct okvm_memslot_change *chg);
struct okvm_memslots *okvm_memslots_apply(const struct okvm_memslots *old,
					  const struct okvm_memslot_change *chg);
struct okvm_memslots *okvm_memslots_invalidate(const struct okvm_memslots *old,
					       u16 id);
struct okvm_memslots *okvm_memslots_alloc_empty(void);
void okvm_memslots_free(struct okvm_memslots *slots);

const struct okvm_memslot *okvm_memslots_find_any(const struct okvm_memslots *slots,
						  u64 gfn);
const struct okvm_memslot *okvm_memslots_find(const struct okvm_memslots *slots,
					      u64 gfn);
const struct okvm_memslot *okvm_memslots_find_id(const struct okvm_memslots *slots,
						 u16 id);
unsigned int okvm_memslots_hva_first(const struct okvm_memslots *slots,
				     unsigned long hva);

/*
 * The slot of the next entry from *@i on that maps part of [@start, @end),
 * or NULL; *@i moves past it. Entries start in HVA order, so the walk
 * stops at the first that starts at or after @end.
 */
static inline const struct okvm_memslot *
okvm_memslots_hva_next(const struct okvm_memslots *slots, unsigned long start,
		       unsigned long end, unsigned int *i)
{
	for (; *i < slots->nr && slots->by_hva[*i].start < end; (*i)++)
		if (slots->by_hva[*i].end > start)
			return &slots->slots[slots->by_hva[(*i)++].slot];
	return NULL;
}

/**
 * okvm_for_each_memslot_hva - each slot that maps part of [@_start, @_end)
 * @_slot: const struct okvm_memslot *, the slot
 * @_i: unsigned int cursor
 * @_slots: the set
 * @_start: first HVA
 * @_end: exclusive end HVA
 *
 * O(log n) to the first candidate, then only entries that start before
 * @_end, in HVA order: what the MMU notifier needs on every host unmap,
 * with up to OKVM_USER_MEM_SLOTS slots.
 */
#define okvm_for_each_memslot_hva(_slot, _i, _slots, _start, _end)	\
	for (_i = okvm_memslots_hva_first(_slots, _start),		\
	     (_slot) = okvm_memslots_hva_next(_slots, _start, _end, &(_i)); \
	     _slot;							\
	     (_slot) = okvm_memslots_hva_next(_slots, _start, _end, &(_i)))

/**
 * okvm_memslot_gfn_to_hva() - host virtual address of a GFN inside @slot
 * @slot: a slot with base_gfn <= @gfn < base_gfn + npages
 * @gfn: the guest frame
 */
static inline unsigned long okvm_memslot_gfn_to_hva(const struct okvm_memslot *slot,
						    u64 gfn)
{
	return slot->userspace_addr + ((gfn - slot->base_gfn) << PAGE_SHIFT);
}

#endif /* OKVM_MEMSLOT_H */
