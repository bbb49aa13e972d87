// SPDX-License-Identifier: GPL-2.0-only
/*
 * Roots of the okvm MMU engine: the direct (shared) root, whose mappings
 * carry the VM's GFN direct bits, and the mirror (private) root, which
 * maps private GFNs at their natural GFN and forwards every change to an
 * external page table (seed 000).
 */
#include <linux/gfp.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>

#include "mmu/pt.h"

static int root_init(struct okvm_mmu *mmu, struct okvm_pt_root *root,
		     bool mirror)
{
	root->spt = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!root->spt)
		return -ENOMEM;
	root->level = mmu->fmt->levels;
	root->mirror = mirror;
	/*
	 * Mirror roots are only used for private memory, which lives at its
	 * natural GFN; the direct bits (e.g. the shared bit) belong to the
	 * direct root alone.
	 */
	root->gfn_bits = mirror ? 0 : mmu->gfn_direct_bits;
	atomic64_inc(&mmu->nr_tables);
	return 0;
}

static void root_destroy(struct okvm_mmu *mmu, struct okvm_pt_root *root)
{
	struct okvm_pt_flush fl = {};

	if (!root->spt)
		return;
	write_lock(mmu->lock);
	rcu_read_lock();
	okvm_pt_zap_root_range(mmu, root, 0, okvm_pt_fmt_gfns(mmu->fmt), true,
			       &fl);
	okvm_pt_flush(mmu, root, &fl);
	rcu_read_unlock();
	write_unlock(mmu->lock);
	/* Lockless walkers are gone: the caller guarantees no more users. */
	free_page((unsigned long)root->spt);
	root->spt = NULL;
	atomic64_dec(&mmu->nr_tables);
}

/**
 * okvm_mmu_init() - set up a VM's MMU engine object
 * @mmu: the object, zeroed or not
 * @cfg: format, lock, direct bits, hooks
 *
 * Allocates the direct root, and the mirror root if @cfg->has_private.
 * Context: may sleep.
 * Return: 0; -EINVAL for an inconsistent @cfg (direct bits outside the
 * format's range, private memory without external ops, @cfg->ext_direct
 * without a mirror root, with ext_ops too or in a format without an
 * ext_bit); -ENOMEM.  Nothing
 * is left allocated on failure.
 */
int okvm_mmu_init(struct okvm_mmu *mmu, const struct okvm_mmu_cfg *cfg)
{
	const struct okvm_pt_fmt *fmt = cfg->fmt;
	int ret, i;

	memset(mmu, 0, sizeof(*mmu));
	if (!fmt || fmt->levels < 3 || fmt->levels > OKVM_PT_MAX_LEVELS)
		return -EINVAL;
	if (cfg->gfn_direct_bits >= okvm_pt_fmt_gfns(fmt))
		return -EINVAL;
	if (cfg->ext_direct &&
	    (!cfg->has_private || cfg->ext_ops || !fmt->ext_bit))
		return -EINVAL;
	if (cfg->has_private && !cfg->ext_direct &&
	    (!cfg->ext_ops || !cfg->ext_ops->link_table ||
	     !cfg->ext_ops->set_leaf || !cfg->ext_ops->remove_leaf))
		return -EINVAL;

	mmu->fmt = fmt;
	rwlock_init(&mmu->own_lock);
	mmu->lock = cfg->lock ? cfg->lock : &mmu->own_lock;
	mmu->gfn_direct_bits = cfg->gfn_direct_bits;
	mmu->ext_direct = cfg->ext_direct;
	mmu->ext_ops = cfg->ext_direct ? &okvm_ext_direct_ops : cfg->ext_ops;
	mmu->ext_priv = cfg->ext_direct ? mmu : cfg->ext_priv;
	mmu->tlb_ops = cfg->tlb_ops;
	mmu->tlb_priv = cfg->tlb_priv;
	for (i = 0; i <= OKVM_PT_MAX_LEVELS; i++)
		atomic64_set(&mmu->nr_leaves[i], 0);
	atomic64_set(&mmu->nr_tables, 0);

	ret = root_init(mmu, &mmu->direct, false);
	if (ret)
		return ret;
	if (cfg->has_private) {
		ret = root_init(mmu, &mmu->mirror_root, true);
		if (ret) {
			root_destroy(mmu, &mmu->direct);
			return ret;
		}
		mmu->mirror = &mmu->mirror_root;
	}
	return 0;
}

/**
 * okvm_mmu_destroy() - tear down all roots
 * @mmu: the object
 *
 * Zaps every mapping (forwarding mirror removals to the external table and
 * calling the TLB hook), frees the roots and waits for the RCU frees of
 * unlinked tables.  Context: may sleep; takes the MMU lock for write; no
 * other user of @mmu may remain, lockless agers included.
 */
void okvm_mmu_destroy(struct okvm_mmu *mmu)
{
	if (mmu->mirror)
		root_destroy(mmu, mmu->mirror);
	mmu->mirror = NULL;
	root_destroy(mmu, &mmu->direct);
	/* Unlinked tables are freed by RCU callbacks in this module. */
	rcu_barrier();
	WARN_ON_ONCE(!mmu->broken && atomic64_read(&mmu->nr_tables));
}
