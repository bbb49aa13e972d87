/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one traversal of the okvm MMU engine: a pre-order walk over the
 * entries that map a GFN range, down to a minimum level.
 *
 * Tables may be unlinked concurrently (by a writer holding the MMU lock
 * for write, or by a fault replacing a table with a huge leaf); the walk
 * must run inside rcu_read_lock() so that such a table stays readable
 * until the walk leaves it.  Entries are read once into @old_spte; a
 * writer that loses a compare-and-exchange refreshes @old_spte.
 */
#ifndef OKVM_MMU_PT_ITER_H
#define OKVM_MMU_PT_ITER_H

#include "mmu/pt_fmt.h"

struct okvm_pt_iter {
	const struct okvm_pt_fmt *fmt;
	/* Tables on the path from the root; tables[root_level] is the root. */
	u64 *tables[OKVM_PT_MAX_LEVELS + 1];
	int root_level;
	int min_level;
	/* Where a restart resumes: the first GFN not yet fully visited. */
	u64 next_gfn;
	/* next_gfn when the walk last yielded, to guarantee progress. */
	u64 yielded_gfn;
	/* Exclusive end of the walk, in the root's GFN space. */
	u64 end;
	/* The current entry. */
	u64 *sptep;
	u64 old_spte;
	u64 gfn;
	int level;
	bool valid;
	/* Set by okvm_pt_iter_restart() after the caller dropped its locks. */
	bool yielded;
};

void okvm_pt_iter_start(struct okvm_pt_iter *iter,
			const struct okvm_pt_fmt *fmt, u64 *root,
			int root_level, int min_level, u64 start, u64 end);
void okvm_pt_iter_next(struct okvm_pt_iter *iter);
void okvm_pt_iter_restart(struct okvm_pt_iter *iter);

/* Re-read the current entry, e.g. after another thread changed it. */
static inline void okvm_pt_iter_reread(struct okvm_pt_iter *iter)
{
	iter->old_spte = READ_ONCE(*iter->sptep);
}

/* First GFN the current entry maps. */
static inline u64 okvm_pt_iter_gfn(const struct okvm_pt_iter *iter)
{
	return iter->gfn;
}

/**
 * for_each_okvm_pte - pre-order walk of [start, end) down to @min_level
 * @_iter: struct okvm_pt_iter
 * @_fmt: format of the tables
 * @_root: root table (virtual address)
 * @_root_level: level of the root table's entries
 * @_min_level: lowest level visited
 * @_start: first GFN (root GFN space, i.e. with any direct bits)
 * @_end: exclusive end GFN
 *
 * Visits each entry whose range intersects [@_start, @_end), parents
 * before children; non-present entries are visited too.  The caller holds RCU.
 */
#define for_each_okvm_pte(_iter, _fmt, _root, _root_level, _min_level,	\
			  _start, _end)					\
	for (okvm_pt_iter_start(&(_iter), _fmt, _root, _root_level,	\
				_min_level, _start, _end);		\
	     (_iter).valid && (_iter).gfn < (_iter).end;		\
	     okvm_pt_iter_next(&(_iter)))

#endif /* OKVM_MMU_PT_ITER_H */
