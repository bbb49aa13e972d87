// SPDX-License-Identifier: GPL-2.0-only
/*
 * The direct root's table as the mirror root's external table.
 *
 * Hardware has one nested page table per VM (SVM: one nCR3), and a
 * software-protected VM interleaves private and shared GFNs page by page,
 * so both kinds must share leaf tables.  The cut: the direct root's
 * table *is* the hardware table, and it is also the external table of
 * the mirror root.  Shared translations are the direct root's own
 * entries, written by its usual setters; private translations are
 * written into it only by the operations below, which the mirror root's
 * changed-SPTE handler calls while its own entry is frozen.  So the
 * engine's ordering rules hold unchanged: a mirror entry is frozen while
 * the hardware entry changes, and no mirror leaf exists without its
 * hardware twin.
 *
 * What keeps the two writers of one table apart:
 *  - a private leaf carries the format's ext_bit; every direct-root
 *    operation (map, zap, write-protect, aging, lookup) leaves such a
 *    leaf alone, and only remove_leaf below clears it;
 *  - private leaves are accounted by the mirror root only (written here
 *    by plain compare-and-exchange, not through the direct root's
 *    changed-SPTE handler);
 *  - tables are shared: link_table links one through the direct root's
 *    setter (accounted there) or finds the one a shared fault linked,
 *    and while the mirror root exists the direct root never unlinks a
 *    table (it may hold the other kind's leaves) and maps 4K only (a
 *    huge leaf would replace such a table); tables go at destruction,
 *    after the mirror root;
 *  - the TLB flush after a removal is the mirror root's (its flush hook
 *    sees the same range), before RCU is dropped.
 * Private GFNs are natural: without GFN direct bits (a software-protected
 * VM) shared and private GFNs are the same numbers, told apart by the
 * attribute; with direct bits shared memory sits above them.
 */
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>

#include "mmu/pt.h"

/*
 * Walk the direct root's table down to the entry (@gfn, @level), @gfn
 * natural.  Return: true with @iter on it; false if a table on the way is
 * missing (a link_table that never happened: a bug).
 */
static bool walk_to(struct okvm_mmu *mmu, u64 gfn, int level,
		    struct okvm_pt_iter *iter)
{
	struct okvm_pt_root *root = &mmu->direct;

	for_each_okvm_pte(*iter, mmu->fmt, root->spt, root->level, level, gfn,
			  gfn + 1) {
		if (iter->level == level)
			return true;
		if (!okvm_pte_table(mmu->fmt, iter->old_spte, iter->level))
			return false;
	}
	return false;
}

static int ext_direct_link_table(void *priv, u64 gfn, int level,
				 struct okvm_pt_cache *cache)
{
	struct okvm_mmu *mmu = priv;
	const struct okvm_pt_fmt *fmt = mmu->fmt;
	struct okvm_pt_flush fl = {};
	struct okvm_pt_iter iter;
	u64 *spt = NULL;
	int ret = 0;

	if (OKVM_MMU_BUG_ON(mmu, !walk_to(mmu, gfn, level, &iter)))
		return -EIO;
	for (;;) {
		/* A shared fault may have linked it first: share that one. */
		if (okvm_pte_table(fmt, iter.old_spte, level)) {
			ret = 0;
			break;
		}
		/* Huge leaves are not made while a mirror root exists. */
		if (OKVM_MMU_BUG_ON(mmu, okvm_pte_present(fmt, iter.old_spte))) {
			ret = -EIO;
			break;
		}
		if (!spt) {
			/*
			 * Atomic context (MMU lock, RCU, a frozen mirror
			 * entry): the vCPU's cache, as for the mirror's own
			 * tables, never the atomic reserves.
			 */
			spt = okvm_pt_alloc_table(cache);
			if (!spt)
				return -ENOMEM;
		}
		ret = okvm_pt_set_spte_atomic(mmu, &mmu->direct, &iter,
					      okvm_pte_make_table(fmt, virt_to_phys(spt)),
					      OKVM_PT_SHARED, &fl);
		if (!ret) {
			spt = NULL;
			break;
		}
		if (ret != -EBUSY)
			break;
	}
	/* Linking an empty table removes nothing: nothing to flush. */
	WARN_ON_ONCE(fl.end != fl.start);
	/* Never published when the exchange lost (or was not tried). */
	if (spt)
		free_page((unsigned long)spt);
	return ret;
}

static int ext_direct_set_leaf(void *priv, u64 gfn, int level, u64 pfn,
			       u32 perm)
{
	struct okvm_mmu *mmu = priv;
	const struct okvm_pt_fmt *fmt = mmu->fmt;
	struct okvm_pt_iter iter;
	u64 leaf;

	/* Private memory is mapped 4K (a huge leaf would need the table). */
	if (level != 1)
		return -EINVAL;
	if (OKVM_MMU_BUG_ON(mmu, !walk_to(mmu, gfn, level, &iter)))
		return -EIO;
	/*
	 * A shared leaf here means a conversion did not zap it: the fault
	 * path orders faults after conversions, so tell the caller to retry
	 * rather than replace a mapping the direct root accounts for.
	 */
	if (okvm_pte_present(fmt, iter.old_spte))
		return -EAGAIN;
	leaf = okvm_pte_make_leaf(fmt, pfn, perm, level, true, false) |
	       fmt->ext_bit;
	/* Shared faults link tables, they never fill a private GFN's entry. */
	if (!try_cmpxchg64(iter.sptep, &iter.old_spte, leaf))
		return -EAGAIN;
	return 0;
}

static int ext_direct_remove_leaf(void *priv, u64 gfn, int level, u64 pfn)
{
	struct okvm_mmu *mmu = priv;
	const struct okvm_pt_fmt *fmt = mmu->fmt;
	struct okvm_pt_iter iter;
	u64 old;

	if (!walk_to(mmu, gfn, level, &iter))
		return -EIO;
	/* The CPU may set accessed/dirty flags meanwhile: take it whole. */
	old = xchg(iter.sptep, 0);
	if (!okvm_pte_ext(fmt, old) || okvm_pte_pfn(fmt, old) != pfn) {
		/* Not ours after all: put it back, the MMU is broken. */
		WRITE_ONCE(*iter.sptep, old);
		return -EIO;
	}
	return 0;
}

static int ext_direct_free_table(void *priv, u64 gfn, int level)
{
	/* The table is the direct root's too; it goes with that root. */
	return 0;
}

const struct okvm_ext_ops okvm_ext_direct_ops = {
	.link_table = ext_direct_link_table,
	.set_leaf = ext_direct_set_leaf,
	.remove_leaf = ext_direct_remove_leaf,
	.free_table = ext_direct_free_table,
};
