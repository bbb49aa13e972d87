// SPDX-License-Identifier: GPL-2.0-only
/*
 * Aging: harvest and clear the accessed state of a GFN range into a
 * caller's bitmap without the MMU lock (seed 001).
 *
 * RCU keeps every table the walk enters alive (tables are freed through
 * RCU); the accessed flag is cleared with a compare-and-exchange from the
 * leaf value just read, so it is only ever cleared on an entry that is
 * still that leaf: a racing zap, split or fault makes the exchange fail
 * and the entry is decided again.  Only the direct root is aged: the
 * mirror root maps private memory, which is not reclaimed through aging.
 *
 * A format without an accessed flag (EPT without A/D) cannot observe use
 * except through faults, so clearing "young" zaps the leaf instead: the
 * next access refaults, which re-creates the mapping.
 */
#include <linux/bitmap.h>
#include <linux/minmax.h>
#include <linux/rcupdate.h>

#include "mmu/pt.h"

static bool age_range(struct okvm_mmu *mmu, u64 gfn, u64 nr_pages,
		      unsigned long *bitmap, bool clear, bool may_yield)
{
	const struct okvm_pt_fmt *fmt = mmu->fmt;
	struct okvm_pt_root *root = &mmu->direct;
	struct okvm_pt_flush fl = {};
	struct okvm_pt_iter iter;
	unsigned int count = 0;
	bool young = false;
	u64 start, end;

	if (READ_ONCE(mmu->broken) ||
	    !okvm_pt_root_range(mmu, root, gfn, nr_pages, true, &start, &end))
		return false;

	rcu_read_lock();
	for_each_okvm_pte(iter, fmt, root->spt, root->level, 1, start, end) {
		u64 first, last, new;

		if (may_yield &&
		    okvm_pt_cond_resched(mmu, root, &iter, &fl,
					 OKVM_PT_LOCKLESS, &count))
			continue;
retry:
		/* Private leaves (ext_direct.c) are not host memory. */
		if (!okvm_pte_leaf(fmt, iter.old_spte, iter.level) ||
		    okvm_pte_ext(fmt, iter.old_spte) ||
		    !okvm_pte_young(fmt, iter.old_spte))
			continue;

		first = max(iter.gfn, start);
		last = min(iter.gfn + okvm_pt_level_pages(iter.level), end);
		if (bitmap)
			bitmap_set(bitmap, first - start, last - first);
		young = true;
		if (!clear)
			continue;

		new = fmt->accessed_bit ? iter.old_spte & ~fmt->accessed_bit : 0;
		if (okvm_pt_set_spte_atomic(mmu, root, &iter, new,
					    OKVM_PT_LOCKLESS, &fl))
			goto retry;
	}
	/* Only the zapping fallback leaves something to flush. */
	okvm_pt_flush(mmu, root, &fl);
	rcu_read_unlock();
	return young;
}

/**
 * okvm_mmu_test_clear_young() - harvest and clear accessed state
 * @mmu: the MMU
 * @gfn: first natural GFN
 * @nr_pages: number of GFNs; @bitmap has at least this many bits
 * @bitmap: bit i is set if @gfn + i was accessed; other bits are left
 *	alone (clear the bitmap first); may be NULL
 * @may_yield: the caller may sleep; false from MMU notifiers, which call
 *	with the host's page-table lock held
 *
 * A huge leaf that is young sets the bits of all its pages in range and is
 * cleared whole.  Context: no MMU lock; takes RCU; yields only if
 * @may_yield.  Calls the TLB hook only for formats without an accessed
 * flag (leaves zapped).  Clearing the flag needs no TLB flush: a stale
 * translation only hides later accesses until it is evicted, as on the
 * host's own page tables.
 * Return: true if any page in range was young.
 */
bool okvm_mmu_test_clear_young(struct okvm_mmu *mmu, u64 gfn, u64 nr_pages,
			       unsigned long *bitmap, bool may_yield)
{
	return age_range(mmu, gfn, nr_pages, bitmap, true, may_yield);
}

/**
 * okvm_mmu_test_young() - like okvm_mmu_test_clear_young(), read-only
 * @mmu: the MMU
 * @gfn: first natural GFN
 * @nr_pages: number of GFNs
 * @bitmap: as for okvm_mmu_test_clear_young(), may be NULL
 * @may_yield: as for okvm_mmu_test_clear_young()
 *
 * Context: no MMU lock; takes RCU.  Changes nothing.
 * Return: true if any page in range is young.
 */
bool okvm_mmu_test_young(struct okvm_mmu *mmu, u64 gfn, u64 nr_pages,
			 unsigned long *bitmap, bool may_yield)
{
	return age_range(mmu, gfn, nr_pages, bitmap, false, may_yield);
}
