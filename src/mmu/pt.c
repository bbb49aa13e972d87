// SPDX-License-Identifier: GPL-2.0-only
/*
 * The okvm MMU engine: the SPTE setter, the one changed-SPTE handler and
 * the operations on a root (map, zap, write-protect, split, lookup).
 *
 * Every change of an entry goes through okvm_pt_set_spte_atomic(), which
 * ends in handle_changed_spte(): leaf and table accounting, the TLB range
 * to flush, freeing unlinked tables through RCU and forwarding mirror-root
 * changes to the external page table.  One exception: write protection
 * clears the W bit of a direct root's 4K leaves a table at a time
 * (wrprot_leaf_table()), since such a change needs nothing of that
 * handler but the flush range, and the per-entry cost of the general
 * path was most of KVM_CLEAR_DIRTY_LOG's time.  Entries are always
 * updated with compare-and-exchange, also under the write lock, because
 * lockless aging may clear an accessed flag at any time; a writer that
 * loses simply re-reads and decides again.
 */
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/lockdep.h>
#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>

#include "mmu/pt.h"

static void assert_ctx(struct okvm_mmu *mmu, enum okvm_pt_ctx ctx)
{
	switch (ctx) {
	case OKVM_PT_EXCL:
		lockdep_assert_held_write(mmu->lock);
		break;
	case OKVM_PT_SHARED:
		lockdep_assert_held(mmu->lock);
		break;
	case OKVM_PT_LOCKLESS:
		break;
	}
	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "okvm: SPTE access without RCU");
}

/* ---- table pages ---- */

/**
 * okvm_pt_cache_topup() - fill a page-table page cache; may sleep
 * @cache: the cache
 * @min: pages wanted (at most ARRAY_SIZE(cache->pages))
 *
 * Return: 0, or -ENOMEM with the cache holding what could be allocated.
 */
int okvm_pt_cache_topup(struct okvm_pt_cache *cache, int min)
{
	min = min_t(int, min, ARRAY_SIZE(cache->pages));
	while (cache->nr < min) {
		void *p = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);

		if (!p)
			return -ENOMEM;
		cache->pages[cache->nr++] = p;
	}
	return 0;
}

/**
 * okvm_pt_cache_free() - release the pages left in a cache
 * @cache: the cache
 */
void okvm_pt_cache_free(struct okvm_pt_cache *cache)
{
	while (cache->nr)
		free_page((unsigned long)cache->pages[--cache->nr]);
}

/**
 * okvm_pt_alloc_table() - a zeroed table page for a walk under a lock
 * @cache: pages topped up before the lock, or NULL
 *
 * From @cache while it lasts, else a non-sleeping allocation that does
 * not dip into the atomic reserves (a guest drives how many are needed).
 * Return: the page's address, or NULL.
 */
u64 *okvm_pt_alloc_table(struct okvm_pt_cache *cache)
{
	if (cache && cache->nr)
		return cache->pages[--cache->nr];
	return (u64 *)get_zeroed_page(GFP_NOWAIT | __GFP_ACCOUNT |
				      __GFP_NOWARN);
}

static void free_table_rcu(struct rcu_head *head)
{
	__free_page(container_of(head, struct page, rcu_head));
}

/*
 * An unlinked table may still be read by lockless walkers (aging, faults
 * under the read lock) that entered it before it was unlinked; they all
 * hold RCU, so free it after a grace period.
 */
static void free_table_deferred(u64 *spt)
{
	call_rcu(&virt_to_page(spt)->rcu_head, free_table_rcu);
}

static u64 *pte_table(const struct okvm_pt_fmt *fmt, u64 pte)
{
	return phys_to_virt(pte & fmt->addr_mask);
}

/* ---- flushes ---- */

static void flush_add(struct okvm_pt_flush *fl, u64 gfn, u64 pages)
{
	if (fl->end == fl->start) {
		fl->start = gfn;
		fl->end = gfn + pages;
		return;
	}
	fl->start = min(fl->start, gfn);
	fl->end = max(fl->end, gfn + pages);
}

/**
 * okvm_pt_flush() - flush the TLB range collected in @fl, then reset it
 * @mmu: the MMU
 * @root: root the range belongs to
 * @fl: collected range
 *
 * Must run before RCU is dropped by the thread that unlinked tables, so
 * that no CPU can walk a freed table through a stale paging-structure
 * cache entry.
 */
void okvm_pt_flush(struct okvm_mmu *mmu, struct okvm_pt_root *root,
		   struct okvm_pt_flush *fl)
{
	if (fl->end == fl->start)
		return;
	if (mmu->tlb_ops && mmu->tlb_ops->flush_range)
		mmu->tlb_ops->flush_range(mmu->tlb_priv, root, fl->start,
					  fl->end - fl->start);
	fl->start = fl->end = 0;
}

/* ---- the changed-SPTE handler ---- */

static int handle_changed_spte(struct okvm_mmu *mmu,
			       struct okvm_pt_root *root, u64 gfn, u64 old,
			       u64 new, int level, enum okvm_pt_ctx ctx,
			       struct okvm_pt_flush *fl);

/*
 * A table was unlinked from the entry (gfn, level).  Walkers may still be
 * inside it, so each child is frozen with an atomic exchange: a racing
 * fault then fails its compare-and-exchange, and aging sees a non-present
 * entry.  A child already frozen belongs to a thread in the middle of a
 * mirror update (it holds the read lock and will finish quickly); wait
 * for it.
 */
static void handle_removed_table(struct okvm_mmu *mmu,
				 struct okvm_pt_root *root, u64 *spt,
				 u64 gfn, int level, enum okvm_pt_ctx ctx,
				 struct okvm_pt_flush *fl)
{
	const struct okvm_pt_fmt *fmt = mmu->fmt;
	u64 child_pages = okvm_pt_level_pages(level - 1);
	int i;

	for (i = 0; i < OKVM_PT_ENTRIES; i++) {
		u64 old;

		for (;;) {
			old = xchg(&spt[i], fmt->frozen);
			if (!okvm_pte_frozen(fmt, old))
				break;
			cpu_relax();
		}
		if (!okvm_pte_present(fmt, old))
			continue;
		/* Removals cannot fail in a consistent table. */
		handle_changed_spte(mmu, root, gfn + i * child_pages, old, 0,
				    level - 1, ctx, fl);
	}

	if (root->mirror && mmu->ext_ops->free_table)
		OKVM_MMU_BUG_ON(mmu, mmu->ext_ops->free_table(mmu->ext_priv,
				gfn & ~root->gfn_bits, level));
	atomic64_dec(&mmu->nr_tables);
	free_table_deferred(spt);
}

/*
 * A table was linked under the entry (gfn, level).  An empty one (a fault
 * building a path) has nothing to account: its future leaves are counted
 * by their own setters.  A populated one replaces the huge leaf @huge (a
 * split) and holds its 512 pieces; count them from @huge, not from the
 * live table, which is already visible in a direct root: a fault or an
 * ager may be changing its entries (and accounting for that) right now.
 */
static int handle_new_table(struct okvm_mmu *mmu, struct okvm_pt_root *root,
			    u64 gfn, int level, u64 huge,
			    struct okvm_pt_flush *fl)
{
	const struct okvm_pt_fmt *fmt = mmu->fmt;
	u64 child_pages = okvm_pt_level_pages(level - 1);
	int i, ret;

	if (root->mirror) {
		ret = mmu->ext_ops->link_table(mmu->ext_priv, gfn, level,
					       fl->cache);
		if (ret)
			return ret;
	}
	atomic64_inc(&mmu->nr_tables);
	if (!okvm_pte_leaf(fmt, huge, level))
		return 0;

	atomic64_add(OKVM_PT_ENTRIES, &mmu->nr_leaves[level - 1]);
	/* A mirror table is not visible yet: the entry is still frozen. */
	for (i = 0; root->mirror && i < OKVM_PT_ENTRIES; i++)
		OKVM_MMU_BUG_ON(mmu, mmu->ext_ops->set_leaf(mmu->ext_priv,
				gfn + i * child_pages, level - 1,
				okvm_pte_pfn(fmt, huge) + i * child_pages,
				okvm_pte_perm(fmt, huge)));
	return 0;
}

/*
 * The one place that reacts to an entry changing from @old to @new.
 *
 * For a mirror root it runs while the entry is frozen, before @new is
 * visible, and may fail if the external table refuses a new mapping; it
 * then has had no effect.  For other roots it runs after the exchange and
 * does not fail.
 */
static int handle_changed_spte(struct okvm_mmu *mmu,
			       struct okvm_pt_root *root, u64 gfn, u64 old,
			       u64 new, int level, enum okvm_pt_ctx ctx,
			       struct okvm_pt_flush *fl)
{
	const struct okvm_pt_fmt *fmt = mmu->fmt;
	bool was_leaf = okvm_pte_leaf(fmt, old, level);
	bool is_leaf = okvm_pte_leaf(fmt, new, level);
	bool was_table = okvm_pte_table(fmt, old, level);
	bool is_table = okvm_pte_table(fmt, new, level);
	u64 pages = okvm_pt_level_pages(level);
	u64 ngfn = gfn & ~root->gfn_bits;
	int ret;

	if (old == new)
		return 0;

	/* A leaf that stays a leaf of the same frame: flags changed. */
	if (was_leaf && is_leaf &&
	    okvm_pte_pfn(fmt, old) == okvm_pte_pfn(fmt, new)) {
		u32 lost = okvm_pte_perm(fmt, old) & ~okvm_pte_perm(fmt, new);

		/* The external op set has no "change permissions". */
		if (OKVM_MMU_BUG_ON(mmu, root->mirror &&
				    okvm_pte_perm(fmt, old) != okvm_pte_perm(fmt, new)))
			return -EIO;
		if (lost) {
			flush_add(fl, gfn, pages);
			fl->changed += pages;
		}
		return 0;
	}

	/* The hot paths never replace one mapping with another directly. */
	if (OKVM_MMU_BUG_ON(mmu, okvm_pte_present(fmt, old) &&
			    okvm_pte_present(fmt, new) &&
			    !(was_leaf && is_table)))
		return -EIO;

	if (is_leaf) {
		if (root->mirror) {
			ret = mmu->ext_ops->set_leaf(mmu->ext_priv, ngfn, level,
						     okvm_pte_pfn(fmt, new),
						     okvm_pte_perm(fmt, new));
			if (ret)
				return ret;
		}
		atomic64_inc(&mmu->nr_leaves[level]);
		return 0;
	}

	if (was_leaf) {
		if (root->mirror)
			OKVM_MMU_BUG_ON(mmu, mmu->ext_ops->remove_leaf(mmu->ext_priv,
					ngfn, level, okvm_pte_pfn(fmt, old)));
		atomic64_dec(&mmu->nr_leaves[level]);
		flush_add(fl, gfn, pages);
		fl->removed += pages;
	}

	if (is_table) {
		ret = handle_new_table(mmu, root, ngfn, level, old, fl);
		/*
		 * A split whose table the external side refused: put the
		 * huge leaf back so both sides still agree, then fail.
		 */
		if (ret && was_leaf) {
			if (root->mirror)
				OKVM_MMU_BUG_ON(mmu, mmu->ext_ops->set_leaf(mmu->ext_priv,
						ngfn, level, okvm_pte_pfn(fmt, old),
						okvm_pte_perm(fmt, old)));
			atomic64_inc(&mmu->nr_leaves[level]);
			fl->removed -= pages;
		}
		return ret;
	}

	if (was_table) {
		handle_removed_table(mmu, root, pte_table(fmt, old), gfn,
				     level, ctx, fl);
		/* Paging-structure caches may hold the unlinked table. */
		flush_add(fl, gfn, pages);
	}
	return 0;
}

/**
 * okvm_pt_set_spte_atomic() - change the iterator's entry to @new
 * @mmu: the MMU
 * @root: root the iterator walks
 * @iter: iterator; @iter->old_spte is the value the caller decided on
 * @new: new value
 * @ctx: locking context (asserted)
 * @fl: collects the TLB range to flush
 *
 * Compare-and-exchange from @iter->old_spte.  For a mirror root the entry
 * is frozen first, the external table is updated, and only then @new is
 * written, so no other thread sees a mirror entry the external table does
 * not have.
 *
 * Return: 0 on success (@iter->old_spte is @new); -EBUSY if the entry
 * changed or is frozen (@iter->old_spte holds the current value: decide
 * again); another error from the external table (entry unchanged).
 */
int __must_check okvm_pt_set_spte_atomic(struct okvm_mmu *mmu,
					 struct okvm_pt_root *root,
					 struct okvm_pt_iter *iter, u64 new,
					 enum okvm_pt_ctx ctx,
					 struct okvm_pt_flush *fl)
{
	const struct okvm_pt_fmt *fmt = mmu->fmt;
	u64 old = iter->old_spte;
	int ret;

	assert_ctx(mmu, ctx);
	if (okvm_pte_frozen(fmt, old))
		return -EBUSY;

	if (root->mirror) {
		if (!try_cmpxchg64(iter->sptep, &iter->old_spte, fmt->frozen))
			return -EBUSY;
		ret = handle_changed_spte(mmu, root, iter->gfn, old, new,
					  iter->level, ctx, fl);
		WRITE_ONCE(*iter->sptep, ret ? old : new);
		if (ret)
			return ret;
	} else {
		if (!try_cmpxchg64(iter->sptep, &iter->old_spte, new))
			return -EBUSY;
		handle_changed_spte(mmu, root, iter->gfn, old, new,
				    iter->level, ctx, fl);
	}
	iter->old_spte = new;
	return 0;
}

/**
 * okvm_pt_cond_resched() - a yield point inside a walk
 * @mmu: the MMU
 * @root: root being walked
 * @iter: the walk
 * @fl: pending flush, done before RCU is dropped
 * @ctx: which lock the caller holds (dropped and retaken)
 * @count: entries visited so far, for the test hook
 *
 * Yields only after progress since the last yield, so a walk always ends.
 * Return: true if it yielded; the caller must then `continue` so that the
 * walk restarts from the root.
 */
bool okvm_pt_cond_resched(struct okvm_mmu *mmu, struct okvm_pt_root *root,
			  struct okvm_pt_iter *iter, struct okvm_pt_flush *fl,
			  enum okvm_pt_ctx ctx, unsigned int *count)
{
	bool force = false;

	if (iter->next_gfn == iter->yielded_gfn)
		return false;
	if (mmu->test_yield_every)
		force = ++(*count) % mmu->test_yield_every == 0;
	if (!force && !need_resched() &&
	    (ctx == OKVM_PT_LOCKLESS || !rwlock_needbreak(mmu->lock)))
		return false;

	okvm_pt_flush(mmu, root, fl);
	rcu_read_unlock();
	switch (ctx) {
	case OKVM_PT_EXCL:
		write_unlock(mmu->lock);
		cond_resched();
		write_lock(mmu->lock);
		break;
	case OKVM_PT_SHARED:
		read_unlock(mmu->lock);
		cond_resched();
		read_lock(mmu->lock);
		break;
	case OKVM_PT_LOCKLESS:
		cond_resched();
		break;
	}
	rcu_read_lock();
	iter->yielded = true;
	mmu->test_yields++;
	return true;
}

/**
 * okvm_mmu_max_gfn() - the largest natural GFN the MMU can map
 * @mmu: the MMU
 *
 * Below the GFN direct bits if there are any, else the last GFN of the
 * format.  Memslots must end at or below it (src/memslot.c).
 *
 * Return: the GFN.
 */
u64 okvm_mmu_max_gfn(const struct okvm_mmu *mmu)
{
	if (mmu->gfn_direct_bits)
		return (1ULL << __ffs64(mmu->gfn_direct_bits)) - 1;
	return okvm_pt_fmt_gfns(mmu->fmt) - 1;
}

/**
 * okvm_pt_root_range() - root GFN range of a natural GFN range
 * @mmu: the MMU
 * @root: the root
 * @gfn: first natural GFN
 * @nr_pages: number of GFNs
 * @clamp: cut a range that runs past okvm_mmu_max_gfn() at that GFN
 *	instead of refusing it
 * @start: root GFN of @gfn
 * @end: exclusive end in the root's space
 *
 * Operations that remove or inspect mappings clamp: nothing can be mapped
 * past the limit, and skipping a range that is only partly outside it
 * would leave the part inside mapped after the host freed its pages.
 * Mapping does not clamp: it must map all it is asked to or fail.
 *
 * Return: false if the range is empty, starts past the limit or, without
 * @clamp, ends past it.
 */
bool okvm_pt_root_range(struct okvm_mmu *mmu, struct okvm_pt_root *root,
			u64 gfn, u64 nr_pages, bool clamp, u64 *start, u64 *end)
{
	u64 limit = okvm_mmu_max_gfn(mmu) + 1;

	if (!nr_pages || gfn >= limit)
		return false;
	if (nr_pages > limit - gfn) {
		if (!clamp)
			return false;
		nr_pages = limit - gfn;
	}
	*start = okvm_root_gfn(root, gfn);
	*end = *start + nr_pages;
	return true;
}

static struct okvm_pt_root *pick_root(struct okvm_mmu *mmu, bool private)
{
	return private ? mmu->mirror : &mmu->direct;
}

/*
 * Is @root's table also the mirror root's external table right now
 * (ext_direct.c)?  Then it holds the mirror's leaves too, and it keeps
 * its tables, and maps 4K only, until the mirror root is gone.
 */
static bool root_hosts_ext(const struct okvm_mmu *mmu,
			   const struct okvm_pt_root *root)
{
	return mmu->ext_direct && mmu->mirror && root == &mmu->direct;
}

/* ---- map ---- */

/*
 * Make the entry at a level above the target one point to a table.  A
 * huge leaf in the way is zapped first (the caller maps a smaller page
 * inside it, so the rest of the huge mapping goes, as in a fault).
 */
static int map_link_table(struct okvm_mmu *mmu, struct okvm_pt_root *root,
			  struct okvm_pt_iter *iter,
			  struct okvm_pt_cache *cache, struct okvm_pt_flush *fl)
{
	const struct okvm_pt_fmt *fmt = mmu->fmt;
	u64 *spt;
	int ret;

	if (okvm_pte_present(fmt, iter->old_spte)) {
		ret = okvm_pt_set_spte_atomic(mmu, root, iter, 0,
					      OKVM_PT_SHARED, fl);
		if (ret)
			return ret;
	}
	spt = okvm_pt_alloc_table(cache);
	if (!spt)
		return -ENOMEM;
	ret = okvm_pt_set_spte_atomic(mmu, root, iter,
				      okvm_pte_make_table(fmt, virt_to_phys(spt)),
				      OKVM_PT_SHARED, fl);
	/* Never published: no walker can see it, free it at once. */
	if (ret)
		free_page((unsigned long)spt);
	return ret;
}

/**
 * okvm_mmu_map() - map frames into a root
 * @mmu: the MMU
 * @private: map into the mirror root (private memory) instead of the
 *	direct root
 * @gfn: first natural GFN (no direct bits); aligned to @level
 * @pfn: first frame; aligned to @level
 * @nr_pages: number of 4K pages, a multiple of the @level page size
 * @perm: OKVM_PT_* permissions, OKVM_PT_R included
 * @level: leaf level to map with (1 = 4K .. fmt->max_huge_level)
 * @cache: pre-allocated table pages, or NULL
 *
 * Context: MMU lock held for read (or write); takes RCU.  Faults run this
 * concurrently; lost races are retried.  A present entry in the way (a
 * different leaf, a table where a huge leaf goes, a huge leaf where a
 * table is needed) is zapped first; leaves are created young and clean.
 * The TLB hook is called if a present translation was replaced.
 *
 * Return: 0; -EINVAL for a bad range/level/permission (a huge leaf in a
 * direct root that hosts the mirror's external table included); -ENOMEM
 * if a table could not be allocated or an external-table error (the range
 * is then partially mapped, which is safe: a fault retries); -EAGAIN if
 * the other kind of memory holds the GFN (ext_direct.c: a conversion
 * raced, the caller faults again); -EIO if the MMU is broken.
 */
int okvm_mmu_map(struct okvm_mmu *mmu, bool private, u64 gfn, u64 pfn,
		 u64 nr_pages, u32 perm, int level,
		 struct okvm_pt_cache *cache)
{
	const struct okvm_pt_fmt *fmt = mmu->fmt;
	struct okvm_pt_root *root = pick_root(mmu, private);
	u64 pages = okvm_pt_level_pages(level);
	struct okvm_pt_flush fl = { .cache = cache };
	struct okvm_pt_iter iter;
	unsigned int count = 0;
	u64 start, end;
	int ret = 0;

	lockdep_assert_held(mmu->lock);
	if (READ_ONCE(mmu->broken))
		return -EIO;
	/*
	 * Readable is required: NPT cannot express a present, unreadable
	 * page and EPT treats write-without-read as a misconfiguration.
	 */
	if (!root || level < 1 || level > fmt->max_huge_level ||
	    (level > 1 && root_hosts_ext(mmu, root)) ||
	    !(perm & OKVM_PT_R) || (perm & ~(OKVM_PT_RWX | OKVM_PT_HOST_W)) ||
	    !IS_ALIGNED(gfn | pfn | nr_pages, pages) ||
	    !okvm_pt_root_range(mmu, root, gfn, nr_pages, false, &start,
				&end))
		return -EINVAL;

	rcu_read_lock();
	for_each_okvm_pte(iter, fmt, root->spt, root->level, level, start, end) {
		u64 want;

		if (okvm_pt_cond_resched(mmu, root, &iter, &fl, OKVM_PT_SHARED,
					 &count))
			continue;
retry:
		/* A lost race is retried, never reported. */
		ret = 0;
		/*
		 * Frozen: another fault is updating a mirror entry (briefly),
		 * or this table was unlinked under us and stays frozen for
		 * good.  Walk again from the root, which no longer leads here
		 * in the second case.
		 */
		if (okvm_pte_frozen(fmt, iter.old_spte)) {
			cpu_relax();
			iter.yielded = true;
			continue;
		}
		if (iter.level > level) {
			if (okvm_pte_table(fmt, iter.old_spte, iter.level))
				continue;
			ret = map_link_table(mmu, root, &iter, cache, &fl);
		} else {
			want = okvm_pte_make_leaf(fmt, pfn + (iter.gfn - start),
						  perm, level, true, false);
			if (iter.old_spte == want)
				continue;
			/*
			 * The mirror root's leaf in the shared table: the GFN
			 * was converted under this fault; it faults again.
			 */
			if (okvm_pte_ext(fmt, iter.old_spte)) {
				ret = -EAGAIN;
				break;
			}
			if (okvm_pte_present(fmt, iter.old_spte))
				ret = okvm_pt_set_spte_atomic(mmu, root, &iter, 0,
							      OKVM_PT_SHARED, &fl);
			if (!ret)
				ret = okvm_pt_set_spte_atomic(mmu, root, &iter,
							      want, OKVM_PT_SHARED, &fl);
		}
		if (ret == -EBUSY)
			goto retry;
		if (ret)
			break;
	}
	okvm_pt_flush(mmu, root, &fl);
	rcu_read_unlock();
	return ret;
}

/* ---- zap ---- */

/**
 * okvm_pt_zap_root_range() - zap [start, end) of one root
 * @mmu: the MMU
 * @root: the root
 * @start: first GFN in the root's space
 * @end: exclusive end
 * @may_yield: the caller may sleep, so the walk may drop the lock
 * @fl: collects the flush range and removed pages
 *
 * Leaves that intersect the range go entirely (a huge leaf partially in
 * range is dropped whole: the tables are a cache of the memslots), and so
 * do tables the range covers entirely, except in a direct root that hosts
 * the mirror root's external table: there the mirror's leaves stay and
 * tables are kept (see ext_direct.c).  Caller holds the write lock and
 * RCU, and flushes.
 */
void okvm_pt_zap_root_range(struct okvm_mmu *mmu, struct okvm_pt_root *root,
			    u64 start, u64 end, bool may_yield,
			    struct okvm_pt_flush *fl)
{
	const struct okvm_pt_fmt *fmt = mmu->fmt;
	bool keep_tables = root_hosts_ext(mmu, root);
	struct okvm_pt_iter iter;
	unsigned int count = 0;

	for_each_okvm_pte(iter, fmt, root->spt, root->level, 1, start, end) {
		u64 pages = okvm_pt_level_pages(iter.level);

		if (may_yield &&
		    okvm_pt_cond_resched(mmu, root, &iter, fl, OKVM_PT_EXCL,
					 &count))
			continue;
retry:
		if (!okvm_pte_present(fmt, iter.old_spte))
			continue;
		/* The mirror root's leaf: only its external ops remove it. */
		if (keep_tables && okvm_pte_ext(fmt, iter.old_spte))
			continue;
		if (!okvm_pte_leaf(fmt, iter.old_spte, iter.level) &&
		    (keep_tables || iter.gfn < start || iter.gfn + pages > end))
			continue;
		if (okvm_pt_set_spte_atomic(mmu, root, &iter, 0, OKVM_PT_EXCL,
					    fl))
			goto retry;
	}
}

static u64 mmu_zap(struct okvm_mmu *mmu, unsigned int roots, u64 gfn,
		   u64 nr_pages, bool may_yield)
{
	struct okvm_pt_root *list[2] = {
		roots & OKVM_ROOT_DIRECT ? &mmu->direct : NULL,
		roots & OKVM_ROOT_MIRROR ? mmu->mirror : NULL,
	};
	u64 removed = 0, start, end;
	int i;

	lockdep_assert_held_write(mmu->lock);
	/*
	 * A broken MMU changes no entry any more, so what the caller unmaps
	 * (and may free next) stays mapped. The flush hook still runs: it
	 * makes every vCPU leave the tables, and the core never enters a VM
	 * whose MMU is broken again (okvm_vm_mmu_broken()).
	 */
	if (READ_ONCE(mmu->broken)) {
		for (i = 0; i < ARRAY_SIZE(list); i++)
			if (list[i] && mmu->tlb_ops && mmu->tlb_ops->flush_range)
				mmu->tlb_ops->flush_range(mmu->tlb_priv, list[i],
							  okvm_root_gfn(list[i], gfn),
							  nr_pages);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(list); i++) {
		struct okvm_pt_flush fl = {};

		if (!list[i] ||
		    !okvm_pt_root_range(mmu, list[i], gfn, nr_pages, true, &start,
				&end))
			continue;
		rcu_read_lock();
		okvm_pt_zap_root_range(mmu, list[i], start, end, may_yield, &fl);
		okvm_pt_flush(mmu, list[i], &fl);
		rcu_read_unlock();
		removed += fl.removed;
	}
	return removed;
}

/**
 * okvm_mmu_zap() - remove the mappings of a natural GFN range
 * @mmu: the MMU
 * @roots: OKVM_ROOT_DIRECT, OKVM_ROOT_MIRROR or both
 * @gfn: first natural GFN
 * @nr_pages: number of GFNs
 *
 * Context: MMU lock held for write, from a context that could sleep
 * without it: the lock may be dropped between entries to reschedule.  Used by MMU-notifier invalidations and memslot
 * changes.  The TLB hook is called for every root that lost a translation
 * before this returns; mirror-root removals are forwarded to the external
 * table.
 *
 * Return: number of 4K pages whose mapping was removed (a huge leaf that
 * only partly overlaps the range counts in full).
 */
u64 okvm_mmu_zap(struct okvm_mmu *mmu, unsigned int roots, u64 gfn,
		 u64 nr_pages)
{
	return mmu_zap(mmu, roots, gfn, nr_pages, true);
}

/**
 * okvm_mmu_zap_atomic() - okvm_mmu_zap() without yielding
 * @mmu: the MMU
 * @roots: OKVM_ROOT_DIRECT, OKVM_ROOT_MIRROR or both
 * @gfn: first natural GFN
 * @nr_pages: number of GFNs
 *
 * For callers that must not sleep, such as a non-blockable MMU-notifier
 * invalidation (the OOM reaper): the write lock is held for the whole
 * range instead of being dropped when someone waits for it.
 *
 * Context: MMU lock held for write; takes RCU; never sleeps.
 * Return: as okvm_mmu_zap().
 */
u64 okvm_mmu_zap_atomic(struct okvm_mmu *mmu, unsigned int roots, u64 gfn,
			u64 nr_pages)
{
	return mmu_zap(mmu, roots, gfn, nr_pages, false);
}

/* ---- write protection ---- */

/*
 * The rest of a last-level table, from the iterator's entry to the walk's
 * end or the table's: the loop that write-protects most of a slot's
 * pages, without the iterator's and okvm_pt_set_spte_atomic()'s per-entry
 * steps. A 4K leaf changes only its W bit (a permission lost: one flush
 * range per table); the lockless fault path and the agers change entries
 * by compare-and-exchange, so this one does too. Leaves the iterator on
 * the last entry it handled.
 */
static void wrprot_leaf_table(struct okvm_mmu *mmu, struct okvm_pt_iter *iter,
			      struct okvm_pt_flush *fl)
{
	const struct okvm_pt_fmt *fmt = mmu->fmt;
	unsigned int i = okvm_pt_index(iter->gfn, 1);
	u64 *spt = iter->sptep - i, base = iter->gfn - i;
	unsigned int first = i;
	unsigned int last = min_t(u64, OKVM_PT_ENTRIES, iter->end - base);
	u64 changed = 0;

	for (; i < last; i++) {
		u64 old = READ_ONCE(spt[i]);

		/* A failed exchange re-read the entry: decide again. */
		while (okvm_pte_leaf(fmt, old, 1) && !okvm_pte_ext(fmt, old) &&
		       (old & fmt->w_bit)) {
			if (try_cmpxchg64(&spt[i], &old, old & ~fmt->w_bit)) {
				changed++;
				break;
			}
		}
	}
	if (changed) {
		flush_add(fl, base + first, last - first);
		fl->changed += changed;
	}
	iter->sptep = &spt[last - 1];
	iter->gfn = base + last - 1;
	iter->next_gfn = iter->gfn;
	okvm_pt_iter_reread(iter);
}

/**
 * okvm_mmu_wrprot() - remove write permission for dirty logging
 * @mmu: the MMU
 * @gfn: first natural GFN
 * @nr_pages: number of GFNs
 *
 * Applies to the direct root only: private memory (mirror root) is not
 * dirty-logged, and the external op set has no permission change.  A huge
 * leaf partly in range is write-protected whole.  Formats without a dirty
 * flag need nothing else: the next write faults and is logged there.
 *
 * Context: MMU lock held for write; takes RCU; calls the TLB hook.
 * Return: number of 4K pages that lost write permission.
 */
u64 okvm_mmu_wrprot(struct okvm_mmu *mmu, u64 gfn, u64 nr_pages)
{
	const struct okvm_pt_fmt *fmt = mmu->fmt;
	struct okvm_pt_root *root = &mmu->direct;
	struct okvm_pt_flush fl = {};
	struct okvm_pt_iter iter;
	unsigned int count = 0;
	u64 start, end;

	lockdep_assert_held_write(mmu->lock);
	if (READ_ONCE(mmu->broken) ||
	    !okvm_pt_root_range(mmu, root, gfn, nr_pages, true, &start, &end))
		return 0;

	rcu_read_lock();
	for_each_okvm_pte(iter, fmt, root->spt, root->level, 1, start, end) {
		if (okvm_pt_cond_resched(mmu, root, &iter, &fl, OKVM_PT_EXCL,
					 &count))
			continue;
		if (iter.level == 1) {
			wrprot_leaf_table(mmu, &iter, &fl);
			continue;
		}
retry:
		if (!okvm_pte_leaf(fmt, iter.old_spte, iter.level) ||
		    okvm_pte_ext(fmt, iter.old_spte) ||
		    !(iter.old_spte & fmt->w_bit))
			continue;
		if (okvm_pt_set_spte_atomic(mmu, root, &iter,
					    iter.old_spte & ~fmt->w_bit,
					    OKVM_PT_EXCL, &fl))
			goto retry;
	}
	okvm_pt_flush(mmu, root, &fl);
	rcu_read_unlock();
	return fl.changed;
}

/**
 * okvm_mmu_fast_unprotect() - fix a write fault on a write-protected leaf
 * @mmu: the MMU
 * @gfn: natural GFN the guest wrote
 *
 * The case dirty logging creates: a 4K leaf of the direct root that the
 * host maps writable (OKVM_PT_HOST_W) but that was write-protected so its
 * next write is seen.  Makes it writable by one compare-and-exchange from
 * the value read, under RCU and no MMU lock: a racing zap, split,
 * write-protect or ager changes the entry first and the exchange fails
 * (and is decided again), a table freed under the walk stays readable
 * until RCU is dropped and its entries are frozen, never a leaf.  The
 * caller must log the write *after* this returns true, so that a harvest
 * (under the write lock) that write-protects the page again either sees
 * the log bit or comes after it.  No TLB flush: permissions only grow.
 *
 * Context: any; takes RCU.
 * Return: true if the leaf is writable now (made so here, or by a racing
 * fault); false if the slow path must handle the fault (no leaf, a huge
 * leaf, not host-writable, a format without OKVM_PT_HOST_W, a broken MMU,
 * the mirror root's leaf in a shared table).
 */
bool okvm_mmu_fast_unprotect(struct okvm_mmu *mmu, u64 gfn)
{
	const struct okvm_pt_fmt *fmt = mmu->fmt;
	struct okvm_pt_root *root = &mmu->direct;
	struct okvm_pt_flush fl = {};
	struct okvm_pt_iter iter;
	bool fixed = false;
	u64 start, end;

	if (!fmt->host_w_bit || READ_ONCE(mmu->broken) ||
	    !okvm_pt_root_range(mmu, root, gfn, 1, true, &start, &end))
		return false;

	rcu_read_lock();
	for_each_okvm_pte(iter, fmt, root->spt, root->level, 1, start, end) {
		if (!okvm_pte_leaf(fmt, iter.old_spte, iter.level))
			continue;
		/* Logged slots map 4K: a huge leaf is not this case. */
		if (iter.level != 1 || okvm_pte_ext(fmt, iter.old_spte))
			break;
		for (;;) {
			if (iter.old_spte & fmt->w_bit) {
				fixed = true;
				break;
			}
			if (!okvm_pte_leaf(fmt, iter.old_spte, 1) ||
			    !(iter.old_spte & fmt->host_w_bit))
				break;
			if (!okvm_pt_set_spte_atomic(mmu, root, &iter,
						     iter.old_spte | fmt->w_bit,
						     OKVM_PT_LOCKLESS, &fl)) {
				fixed = true;
				break;
			}
		}
		break;
	}
	/* Nothing was removed or lost permissions: nothing to flush. */
	WARN_ON_ONCE(fl.end != fl.start);
	rcu_read_unlock();
	return fixed;
}

/* ---- split ---- */

/* A table holding the huge leaf @huge at @level as leaves of @level - 1. */
static u64 *build_split_table(const struct okvm_pt_fmt *fmt, u64 huge,
			      int level, struct okvm_pt_cache *cache)
{
	u64 child_pages = okvm_pt_level_pages(level - 1);
	u64 pfn = okvm_pte_pfn(fmt, huge);
	u64 *spt = okvm_pt_alloc_table(cache);
	int i;

	if (!spt)
		return NULL;
	for (i = 0; i < OKVM_PT_ENTRIES; i++)
		spt[i] = okvm_pte_relevel(fmt, huge, level, level - 1,
					  pfn + i * child_pages);
	return spt;
}

/**
 * okvm_mmu_split() - split huge leaves down to a level
 * @mmu: the MMU
 * @roots: OKVM_ROOT_* roots to split in
 * @gfn: first natural GFN
 * @nr_pages: number of GFNs
 * @target_level: split leaves above this level; each split leaf becomes a
 *	table of leaves one level down with the same frames, permissions and
 *	accessed/dirty state, and the walk continues into that table, so
 *	leaves that intersect the range end at @target_level while the
 *	siblings outside the range stay one level down
 * @cache: pre-allocated table pages, or NULL
 *
 * Context: MMU lock held for write; takes RCU.
 * Return: number of leaves split, or -ENOMEM / -EINVAL / -EIO.
 */
int okvm_mmu_split(struct okvm_mmu *mmu, unsigned int roots, u64 gfn,
		   u64 nr_pages, int target_level, struct okvm_pt_cache *cache)
{
	const struct okvm_pt_fmt *fmt = mmu->fmt;
	struct okvm_pt_root *list[2] = {
		roots & OKVM_ROOT_DIRECT ? &mmu->direct : NULL,
		roots & OKVM_ROOT_MIRROR ? mmu->mirror : NULL,
	};
	int i, split = 0, ret = 0;

	lockdep_assert_held_write(mmu->lock);
	if (READ_ONCE(mmu->broken))
		return -EIO;
	if (target_level < 1 || target_level >= fmt->max_huge_level)
		return -EINVAL;

	for (i = 0; i < ARRAY_SIZE(list) && !ret; i++) {
		struct okvm_pt_root *root = list[i];
		struct okvm_pt_flush fl = { .cache = cache };
		struct okvm_pt_iter iter;
		unsigned int count = 0;
		u64 start, end, *spt;

		if (!root ||
		    !okvm_pt_root_range(mmu, root, gfn, nr_pages, true, &start,
						&end))
			continue;
		rcu_read_lock();
		/*
		 * Only entries above @target_level can be leaves to split:
		 * the walk stays out of the tables at @target_level, which
		 * would cost 512 visits each for nothing (dirty logging
		 * splits whole slots that are mostly 4K already).
		 */
		for_each_okvm_pte(iter, fmt, root->spt, root->level,
				  target_level + 1, start, end) {
			if (okvm_pt_cond_resched(mmu, root, &iter, &fl,
						 OKVM_PT_EXCL, &count))
				continue;
retry:
			if (!okvm_pte_leaf(fmt, iter.old_spte, iter.level))
				continue;
			spt = build_split_table(fmt, iter.old_spte, iter.level,
						cache);
			if (!spt) {
				ret = -ENOMEM;
				break;
			}
			ret = okvm_pt_set_spte_atomic(mmu, root, &iter,
					okvm_pte_make_table(fmt, virt_to_phys(spt)),
					OKVM_PT_EXCL, &fl);
			if (ret) {
				free_page((unsigned long)spt);
				if (ret == -EBUSY) {
					ret = 0;
					goto retry;
				}
				break;
			}
			split++;
		}
		okvm_pt_flush(mmu, root, &fl);
		rcu_read_unlock();
	}
	return ret ? ret : split;
}

/* ---- lookup ---- */

/**
 * okvm_mmu_lookup() - find the leaf that maps a GFN
 * @mmu: the MMU
 * @private: look in the mirror root instead of the direct root
 * @gfn: natural GFN
 * @pfn: out, the frame @gfn maps to
 * @perm: out, OKVM_PT_* permissions
 * @level: out, level of the leaf
 *
 * Context: any; takes RCU, no MMU lock needed (the answer may be stale
 * once RCU is dropped unless the caller holds the lock).
 * Return: true if @gfn is mapped; outputs are untouched otherwise.
 */
bool okvm_mmu_lookup(struct okvm_mmu *mmu, bool private, u64 gfn, u64 *pfn,
		     u32 *perm, int *level)
{
	const struct okvm_pt_fmt *fmt = mmu->fmt;
	struct okvm_pt_root *root = pick_root(mmu, private);
	struct okvm_pt_iter iter;
	bool found = false;
	u64 start, end;

	if (!root || !okvm_pt_root_range(mmu, root, gfn, 1, true, &start, &end))
		return false;
	rcu_read_lock();
	for_each_okvm_pte(iter, fmt, root->spt, root->level, 1, start, end) {
		if (!okvm_pte_leaf(fmt, iter.old_spte, iter.level))
			continue;
		/* The direct root's own mappings only (ext_direct.c). */
		if (!private && okvm_pte_ext(fmt, iter.old_spte))
			break;
		*pfn = okvm_pte_pfn(fmt, iter.old_spte) + (start - iter.gfn);
		*perm = okvm_pte_perm(fmt, iter.old_spte);
		*level = iter.level;
		found = true;
		break;
	}
	rcu_read_unlock();
	return found;
}
