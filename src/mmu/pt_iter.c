// SPDX-License-Identifier: GPL-2.0-only
/*
 * The engine's only page-table traversal; see pt_iter.h.
 */
#include <linux/compiler.h>
#include <linux/io.h>
#include <linux/math.h>
#include <linux/rcupdate.h>

#include "mmu/pt_iter.h"

static void iter_load(struct okvm_pt_iter *iter)
{
	iter->sptep = iter->tables[iter->level] +
		      okvm_pt_index(iter->gfn, iter->level);
	okvm_pt_iter_reread(iter);
}

/**
 * okvm_pt_iter_restart() - walk again from the root to next_gfn
 * @iter: the iterator
 *
 * Used after the caller dropped RCU or its lock (a yield point): any table
 * cached in @iter may be gone, so the path is rebuilt from the root.
 * Entries before next_gfn are not visited again.
 */
void okvm_pt_iter_restart(struct okvm_pt_iter *iter)
{
	iter->yielded = false;
	iter->yielded_gfn = iter->next_gfn;
	iter->level = iter->root_level;
	iter->gfn = round_down(iter->next_gfn,
			       okvm_pt_level_pages(iter->level));
	iter->valid = true;
	iter_load(iter);
}

/**
 * okvm_pt_iter_start() - set up a walk; see for_each_okvm_pte()
 * @iter: the iterator
 * @fmt: format of the tables
 * @root: root table
 * @root_level: level of the root table's entries
 * @min_level: lowest level to visit (1 visits 4K entries)
 * @start: first GFN
 * @end: exclusive end GFN
 */
void okvm_pt_iter_start(struct okvm_pt_iter *iter,
			const struct okvm_pt_fmt *fmt, u64 *root,
			int root_level, int min_level, u64 start, u64 end)
{
	iter->fmt = fmt;
	iter->tables[root_level] = root;
	iter->root_level = root_level;
	iter->min_level = min_level;
	iter->next_gfn = start;
	iter->end = end;
	okvm_pt_iter_restart(iter);
}

/*
 * Descend into the table the current entry points to.  The entry was read
 * once; if it has since been unlinked, the table it pointed to is still
 * valid memory under RCU and holds frozen or stale entries, which writers
 * notice through their compare-and-exchange.
 */
static bool try_step_down(struct okvm_pt_iter *iter)
{
	if (iter->level <= iter->min_level)
		return false;
	if (!okvm_pte_table(iter->fmt, iter->old_spte, iter->level))
		return false;

	iter->level--;
	iter->tables[iter->level] =
		phys_to_virt(iter->old_spte & iter->fmt->addr_mask);
	/* next_gfn always lies inside the entry just left. */
	iter->gfn = round_down(iter->next_gfn,
			       okvm_pt_level_pages(iter->level));
	iter_load(iter);
	return true;
}

static bool try_step_side(struct okvm_pt_iter *iter)
{
	if (okvm_pt_index(iter->gfn, iter->level) == OKVM_PT_ENTRIES - 1)
		return false;
	iter->gfn += okvm_pt_level_pages(iter->level);
	iter->next_gfn = iter->gfn;
	iter->sptep++;
	okvm_pt_iter_reread(iter);
	return true;
}

static bool try_step_up(struct okvm_pt_iter *iter)
{
	if (iter->level == iter->root_level)
		return false;
	iter->level++;
	iter->gfn = round_down(iter->gfn, okvm_pt_level_pages(iter->level));
	iter->sptep = iter->tables[iter->level] +
		      okvm_pt_index(iter->gfn, iter->level);
	return true;
}

/**
 * okvm_pt_iter_next() - advance to the next entry in pre-order
 * @iter: the iterator
 *
 * Children of a present table entry come right after it (unless the walk
 * is at @min_level); then siblings; then the parent's next sibling.
 * @iter->valid becomes false past the end of the root table.  After a
 * yield (@iter->yielded set by the caller), the walk restarts from the
 * root at next_gfn instead.
 */
void okvm_pt_iter_next(struct okvm_pt_iter *iter)
{
	/* The caller dropped RCU at a yield point: cached tables are stale. */
	if (iter->yielded) {
		okvm_pt_iter_restart(iter);
		return;
	}
	if (try_step_down(iter))
		return;

	do {
		if (try_step_side(iter))
			return;
	} while (try_step_up(iter));
	iter->valid = false;
}
