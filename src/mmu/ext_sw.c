// SPDX-License-Identifier: GPL-2.0-only
/*
 * Software implementation of the external page-table operations; see
 * ext_sw.h.  It is what the tests use and what a VM without hardware
 * support for private memory can use to keep a private mapping record.
 */
#include <linux/bug.h>
#include <linux/xarray.h>

#include "mmu/ext_sw.h"

static unsigned long key(u64 gfn, int level)
{
	return gfn >> (OKVM_PT_LEVEL_BITS * (level - 1));
}

static bool bad(struct okvm_ext_sw *sw, bool cond)
{
	if (cond)
		sw->errors++;
	return cond;
}

/* The entry (gfn, level) sits in the root table or in a linked table. */
static bool parent_linked(struct okvm_ext_sw *sw, u64 gfn, int level)
{
	return level == sw->root_level ||
	       xa_load(&sw->tables[level + 1], key(gfn, level + 1));
}

static bool slot_free(struct okvm_ext_sw *sw, u64 gfn, int level)
{
	return !xa_load(&sw->leaves[level], key(gfn, level)) &&
	       !xa_load(&sw->tables[level], key(gfn, level));
}

static bool entry_ok(struct okvm_ext_sw *sw, u64 gfn, int level)
{
	return level >= 1 && level <= sw->root_level &&
	       !(gfn & (okvm_pt_level_pages(level) - 1));
}

static int sw_link_table(void *priv, u64 gfn, int level,
			 struct okvm_pt_cache *cache)
{
	struct okvm_ext_sw *sw = priv;
	int ret = -EINVAL;

	spin_lock(&sw->lock);
	if (sw->fail_set) {
		sw->fail_set--;
		ret = -ENOSPC;
		goto out;
	}
	if (bad(sw, level < 2 || !entry_ok(sw, gfn, level) ||
		!parent_linked(sw, gfn, level) || !slot_free(sw, gfn, level)))
		goto out;
	ret = xa_err(xa_store(&sw->tables[level], key(gfn, level),
			      xa_mk_value(1), GFP_ATOMIC));
out:
	spin_unlock(&sw->lock);
	return ret;
}

static int sw_set_leaf(void *priv, u64 gfn, int level, u64 pfn, u32 perm)
{
	struct okvm_ext_sw *sw = priv;
	int ret = -EINVAL;

	spin_lock(&sw->lock);
	if (sw->fail_set) {
		sw->fail_set--;
		ret = -ENOSPC;
		goto out;
	}
	if (bad(sw, !entry_ok(sw, gfn, level) ||
		!parent_linked(sw, gfn, level) || !slot_free(sw, gfn, level) ||
		(pfn & (okvm_pt_level_pages(level) - 1)) || perm > 7))
		goto out;
	ret = xa_err(xa_store(&sw->leaves[level], key(gfn, level),
			      xa_mk_value((pfn << 3) | perm), GFP_ATOMIC));
out:
	spin_unlock(&sw->lock);
	return ret;
}

static int sw_remove_leaf(void *priv, u64 gfn, int level, u64 pfn)
{
	struct okvm_ext_sw *sw = priv;
	void *old;
	int ret = -ENOENT;

	spin_lock(&sw->lock);
	if (bad(sw, !entry_ok(sw, gfn, level)))
		goto out;
	old = xa_erase(&sw->leaves[level], key(gfn, level));
	if (bad(sw, !old || xa_to_value(old) >> 3 != pfn))
		goto out;
	ret = 0;
out:
	spin_unlock(&sw->lock);
	return ret;
}

static int sw_free_table(void *priv, u64 gfn, int level)
{
	struct okvm_ext_sw *sw = priv;
	unsigned long first = key(gfn, level - 1);
	unsigned long last = first + OKVM_PT_ENTRIES - 1;
	unsigned long idx;
	int ret = -ENOENT;

	spin_lock(&sw->lock);
	if (bad(sw, level < 2 || !entry_ok(sw, gfn, level)))
		goto out;
	/* Children must have been removed before their table. */
	idx = first;
	if (bad(sw, xa_find(&sw->leaves[level - 1], &idx, last, XA_PRESENT)))
		goto out;
	idx = first;
	if (bad(sw, level > 2 &&
		xa_find(&sw->tables[level - 1], &idx, last, XA_PRESENT)))
		goto out;
	if (bad(sw, !xa_erase(&sw->tables[level], key(gfn, level))))
		goto out;
	ret = 0;
out:
	spin_unlock(&sw->lock);
	return ret;
}

const struct okvm_ext_ops okvm_ext_sw_ops = {
	.link_table = sw_link_table,
	.set_leaf = sw_set_leaf,
	.remove_leaf = sw_remove_leaf,
	.free_table = sw_free_table,
};

/**
 * okvm_ext_sw_init() - set up an empty software external table
 * @sw: the table
 * @root_level: level of the mirror root's entries
 */
void okvm_ext_sw_init(struct okvm_ext_sw *sw, int root_level)
{
	int i;

	spin_lock_init(&sw->lock);
	sw->root_level = root_level;
	sw->errors = 0;
	sw->fail_set = 0;
	for (i = 0; i <= OKVM_PT_MAX_LEVELS; i++) {
		xa_init(&sw->leaves[i]);
		xa_init(&sw->tables[i]);
	}
}

/**
 * okvm_ext_sw_destroy() - free the table's memory
 * @sw: the table; normally already emptied by okvm_mmu_destroy()
 */
void okvm_ext_sw_destroy(struct okvm_ext_sw *sw)
{
	int i;

	for (i = 0; i <= OKVM_PT_MAX_LEVELS; i++) {
		xa_destroy(&sw->leaves[i]);
		xa_destroy(&sw->tables[i]);
	}
}

/**
 * okvm_ext_sw_lookup() - the leaf covering a GFN
 * @sw: the table
 * @gfn: natural GFN
 * @pfn: out, frame of @gfn
 * @perm: out, permissions
 * @level: out, level of the leaf
 *
 * Context: any, takes @sw->lock.
 * Return: true if a leaf covers @gfn.
 */
bool okvm_ext_sw_lookup(struct okvm_ext_sw *sw, u64 gfn, u64 *pfn,
			u32 *perm, int *level)
{
	bool found = false;
	void *v;
	int l;

	spin_lock(&sw->lock);
	for (l = 1; l <= sw->root_level && !found; l++) {
		v = xa_load(&sw->leaves[l], key(gfn, l));
		if (!v)
			continue;
		*pfn = (xa_to_value(v) >> 3) +
		       (gfn & (okvm_pt_level_pages(l) - 1));
		*perm = xa_to_value(v) & 7;
		*level = l;
		found = true;
	}
	spin_unlock(&sw->lock);
	return found;
}

static u64 count(struct xarray *xa)
{
	unsigned long idx;
	void *v;
	u64 n = 0;

	xa_for_each(xa, idx, v)
		n++;
	return n;
}

/**
 * okvm_ext_sw_nr_leaves() - number of leaves at a level
 * @sw: the table
 * @level: level
 * Return: the count.
 */
u64 okvm_ext_sw_nr_leaves(struct okvm_ext_sw *sw, int level)
{
	u64 n;

	spin_lock(&sw->lock);
	n = count(&sw->leaves[level]);
	spin_unlock(&sw->lock);
	return n;
}

/**
 * okvm_ext_sw_nr_tables() - number of linked tables, all levels
 * @sw: the table
 * Return: the count.
 */
u64 okvm_ext_sw_nr_tables(struct okvm_ext_sw *sw)
{
	u64 n = 0;
	int l;

	spin_lock(&sw->lock);
	for (l = 0; l <= OKVM_PT_MAX_LEVELS; l++)
		n += count(&sw->tables[l]);
	spin_unlock(&sw->lock);
	return n;
}
