/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Engine internals shared by pt.c, root.c and age.c: the SPTE setter, the
 * one changed-SPTE handler and the yield points.
 */
#ifndef OKVM_MMU_PT_H
#define OKVM_MMU_PT_H

#include <linux/bug.h>

#include "mmu/mmu.h"
#include "mmu/pt_iter.h"

/* Under which rule an entry is being changed. */
enum okvm_pt_ctx {
	OKVM_PT_EXCL,		/* MMU lock held for write */
	OKVM_PT_SHARED,		/* MMU lock held for read, RCU */
	OKVM_PT_LOCKLESS,	/* RCU only: aging of direct-root leaves */
};

/*
 * What an operation changed: the TLB range to flush and what it removed;
 * and what it may use: @cache, the caller's table pages, which a mirror
 * root's link_table also takes its external table from (NULL: none).
 */
struct okvm_pt_flush {
	u64 start;
	u64 end;
	u64 removed;	/* 4K pages whose mapping went away */
	u64 changed;	/* 4K pages whose leaf lost permissions */
	struct okvm_pt_cache *cache;
};

/*
 * An inconsistency in the tables: warn once and refuse further work on
 * this MMU, as KVM_BUG_ON() does, rather than crash the host.
 */
#define OKVM_MMU_BUG_ON(mmu, cond) ({					\
	bool __c = !!(cond);						\
	if (WARN_ON_ONCE(__c))						\
		WRITE_ONCE((mmu)->broken, true);			\
	unlikely(__c);							\
})

u64 *okvm_pt_alloc_table(struct okvm_pt_cache *cache);
int __must_check okvm_pt_set_spte_atomic(struct okvm_mmu *mmu,
					 struct okvm_pt_root *root,
					 struct okvm_pt_iter *iter, u64 new,
					 enum okvm_pt_ctx ctx,
					 struct okvm_pt_flush *fl);
void okvm_pt_flush(struct okvm_mmu *mmu, struct okvm_pt_root *root,
		   struct okvm_pt_flush *fl);
bool okvm_pt_cond_resched(struct okvm_mmu *mmu, struct okvm_pt_root *root,
			  struct okvm_pt_iter *iter, struct okvm_pt_flush *fl,
			  enum okvm_pt_ctx ctx, unsigned int *count);
void okvm_pt_zap_root_range(struct okvm_mmu *mmu, struct okvm_pt_root *root,
			    u64 start, u64 end, bool may_yield,
			    struct okvm_pt_flush *fl);

bool okvm_pt_root_range(struct okvm_mmu *mmu, struct okvm_pt_root *root,
			u64 gfn, u64 nr_pages, bool clamp, u64 *start, u64 *end);

#endif /* OKVM_MMU_PT_H */
