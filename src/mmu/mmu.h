/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * okvm MMU engine: the public API the core calls.
 *
 * A VM owns one struct okvm_mmu: the format, the MMU lock (its own or the
 * caller's rwlock), the roots, the GFN direct bits and the hooks the core
 * provides (TLB flush, external page-table operations).
 *
 * Roots (seed 000):
 *  - the direct root maps shared memory; its mappings live at
 *    gfn | gfn_direct_bits (e.g. a shared bit);
 *  - the mirror root exists only for VMs with private memory; it maps
 *    private GFNs at their natural GFN and every change to it is forwarded
 *    to an external page table through struct okvm_ext_ops.
 * Callers (memslots, faults, notifiers) always pass natural GFNs.
 *
 * Locking (seed 001, see each function):
 *  - map: MMU lock held for read; faults run in parallel and update
 *    entries with compare-and-exchange, retrying when they lose a race;
 *  - zap, write-protect, split: MMU lock held for write;
 *  - fast_unprotect: no MMU lock; RCU; makes a write-protected, host-
 *    writable leaf writable with compare-and-exchange (dirty logging's
 *    write faults);
 *  - test_clear_young / test_young / lookup: no MMU lock; RCU is taken
 *    inside and keeps tables alive, aging clears the accessed flag of leaf
 *    entries with compare-and-exchange;
 *  - tables are freed through RCU.
 */
#ifndef OKVM_MMU_MMU_H
#define OKVM_MMU_MMU_H

#include <linux/atomic.h>
#include <linux/compiler.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "mmu/pt_fmt.h"

struct okvm_mmu;
struct okvm_pt_root;
struct okvm_pt_cache;

/* Which roots an operation applies to. */
#define OKVM_ROOT_DIRECT	BIT(0)
#define OKVM_ROOT_MIRROR	BIT(1)
#define OKVM_ROOT_ALL		(OKVM_ROOT_DIRECT | OKVM_ROOT_MIRROR)

/**
 * struct okvm_ext_ops - external page-table operations of a mirror root
 * @link_table: a table now hangs under the entry at (@gfn, @level); a
 *	hardware-backed implementation takes its page from @cache (the
 *	faulting vCPU's, topped up before the lock; may be NULL or empty)
 * @set_leaf: the entry at (@gfn, @level) now maps @pfn with @perm
 * @remove_leaf: the leaf at (@gfn, @level) that mapped @pfn is gone
 * @free_table: the table under the entry at (@gfn, @level) is unlinked;
 *	all its leaves were removed before this call
 *
 * @gfn is natural (mirror roots carry no direct bits) and aligned to the
 * entry's size; @level is the level of the entry being changed (so a
 * table linked at @level holds entries of @level - 1).  Called in atomic
 * context (the MMU lock is held, for read or write, with RCU); an
 * implementation must not sleep.  link_table and set_leaf may fail: the
 * engine then leaves the mirror entry unchanged and returns the error.
 * remove_leaf and free_table must not fail on a consistent table: a
 * failure marks the MMU broken.  A hardware-backed implementation
 * allocates and frees its own table pages in link_table/free_table.
 */
struct okvm_ext_ops {
	int (*link_table)(void *priv, u64 gfn, int level,
			  struct okvm_pt_cache *cache);
	int (*set_leaf)(void *priv, u64 gfn, int level, u64 pfn, u32 perm);
	int (*remove_leaf)(void *priv, u64 gfn, int level, u64 pfn);
	int (*free_table)(void *priv, u64 gfn, int level);
};

/**
 * struct okvm_mmu_tlb_ops - how the engine asks the core to flush TLBs
 * @flush_range: translations of [@gfn, @gfn + @nr) in @root's GFN space
 *	(i.e. with direct bits for the direct root) may be stale; flush
 *	them on every CPU that may cache them before returning.  Called with
 *	RCU held and possibly the MMU lock (either side): must not sleep.
 */
struct okvm_mmu_tlb_ops {
	void (*flush_range)(void *priv, struct okvm_pt_root *root, u64 gfn,
			    u64 nr);
};

/**
 * struct okvm_pt_cache - page-table pages topped up before taking the lock
 * @nr: number of pages held
 * @pages: zeroed table pages
 *
 * Faults run with the MMU lock held for read, where allocation cannot
 * sleep; okvm_pt_cache_topup() fills the cache beforehand.  When the cache
 * runs dry the engine falls back to a non-sleeping allocation.
 */
struct okvm_pt_cache {
	int nr;
	void *pages[8];
};

/**
 * struct okvm_mmu_cfg - parameters of okvm_mmu_init()
 * @fmt: page-table format of every root
 * @lock: the caller's MMU lock, or NULL for the okvm_mmu's own
 * @gfn_direct_bits: bits added to GFNs in the direct root (0 if none);
 *	must be above every natural GFN and inside the format's range
 * @has_private: create a mirror root (requires @ext_ops or @ext_direct)
 * @ext_direct: the mirror root's external table is the direct root's own
 *	table (the one the hardware walks; src/mmu/ext_direct.c), and
 *	@ext_ops must be NULL; needs a format with an ext_bit
 * @ext_ops: external page-table operations for the mirror root
 * @ext_priv: argument of @ext_ops
 * @tlb_ops: TLB flush hook (may be NULL for a table nobody runs on)
 * @tlb_priv: argument of @tlb_ops
 */
struct okvm_mmu_cfg {
	const struct okvm_pt_fmt *fmt;
	rwlock_t *lock;
	u64 gfn_direct_bits;
	bool has_private;
	bool ext_direct;
	const struct okvm_ext_ops *ext_ops;
	void *ext_priv;
	const struct okvm_mmu_tlb_ops *tlb_ops;
	void *tlb_priv;
};

/**
 * struct okvm_pt_root - a root page table
 * @spt: root table
 * @level: level of the root table's entries
 * @mirror: mirror root (changes go to the external table)
 * @gfn_bits: bits added to natural GFNs in this root
 */
struct okvm_pt_root {
	u64 *spt;
	int level;
	bool mirror;
	u64 gfn_bits;
};

/**
 * struct okvm_mmu - the per-VM MMU engine object
 * @fmt: format
 * @lock: the MMU lock (points to @own_lock or the caller's)
 * @own_lock: used when the caller brings no lock
 * @gfn_direct_bits: see struct okvm_mmu_cfg
 * @direct: the direct (shared) root
 * @mirror: the mirror (private) root, or NULL
 * @mirror_root: storage for @mirror
 * @ext_direct: see struct okvm_mmu_cfg
 * @ext_ops: see struct okvm_mmu_cfg
 * @ext_priv: see struct okvm_mmu_cfg
 * @tlb_ops: see struct okvm_mmu_cfg
 * @tlb_priv: see struct okvm_mmu_cfg
 * @nr_leaves: leaves per level (index = level), all roots
 * @nr_tables: table pages in use, roots included
 * @broken: an inconsistency was found; every operation fails with -EIO
 * @test_yield_every: test hook, force a yield point every N entries
 * @test_yields: test hook, yields taken so far
 */
struct okvm_mmu {
	const struct okvm_pt_fmt *fmt;
	rwlock_t *lock;
	rwlock_t own_lock;
	u64 gfn_direct_bits;
	struct okvm_pt_root direct;
	struct okvm_pt_root *mirror;
	struct okvm_pt_root mirror_root;
	bool ext_direct;
	const struct okvm_ext_ops *ext_ops;
	void *ext_priv;
	const struct okvm_mmu_tlb_ops *tlb_ops;
	void *tlb_priv;
	atomic64_t nr_leaves[OKVM_PT_MAX_LEVELS + 1];
	atomic64_t nr_tables;
	bool broken;
	unsigned int test_yield_every;
	unsigned int test_yields;
};

extern const struct okvm_ext_ops okvm_ext_direct_ops;

int okvm_mmu_init(struct okvm_mmu *mmu, const struct okvm_mmu_cfg *cfg);
u64 okvm_mmu_max_gfn(const struct okvm_mmu *mmu);
void okvm_mmu_destroy(struct okvm_mmu *mmu);

int okvm_pt_cache_topup(struct okvm_pt_cache *cache, int min);
void okvm_pt_cache_free(struct okvm_pt_cache *cache);

int okvm_mmu_map(struct okvm_mmu *mmu, bool private, u64 gfn, u64 pfn,
		 u64 nr_pages, u32 perm, int level,
		 struct okvm_pt_cache *cache);
u64 okvm_mmu_zap(struct okvm_mmu *mmu, unsigned int roots, u64 gfn,
		 u64 nr_pages);
u64 okvm_mmu_zap_atomic(struct okvm_mmu *mmu, unsigned int roots, u64 gfn,
			u64 nr_pages);
u64 okvm_mmu_wrprot(struct okvm_mmu *mmu, u64 gfn, u64 nr_pages);
bool okvm_mmu_fast_unprotect(struct okvm_mmu *mmu, u64 gfn);
int okvm_mmu_split(struct okvm_mmu *mmu, unsigned int roots, u64 gfn,
		   u64 nr_pages, int target_level, struct okvm_pt_cache *cache);
bool okvm_mmu_lookup(struct okvm_mmu *mmu, bool private, u64 gfn, u64 *pfn,
		     u32 *perm, int *level);
bool okvm_mmu_test_clear_young(struct okvm_mmu *mmu, u64 gfn, u64 nr_pages,
			       unsigned long *bitmap, bool may_yield);
bool okvm_mmu_test_young(struct okvm_mmu *mmu, u64 gfn, u64 nr_pages,
			 unsigned long *bitmap, bool may_yield);

/* The root's GFN for a natural GFN (adds the direct bits to direct roots). */
static inline u64 okvm_root_gfn(const struct okvm_pt_root *root, u64 gfn)
{
	return gfn | root->gfn_bits;
}

#endif /* OKVM_MMU_MMU_H */
