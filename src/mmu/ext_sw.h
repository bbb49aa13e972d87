/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A software external page table for mirror roots: what a hardware
 * backend (a second table walked by the CPU) would hold, kept as one
 * xarray of leaves and one of linked tables per level.  It checks the
 * order of the operations (a leaf only under a linked table, tables freed
 * only when empty, removals matching what was set), so tests can hold the
 * engine to the contract of struct okvm_ext_ops.
 */
#ifndef OKVM_MMU_EXT_SW_H
#define OKVM_MMU_EXT_SW_H

#include <linux/spinlock.h>
#include <linux/xarray.h>

#include "mmu/mmu.h"

/**
 * struct okvm_ext_sw - software external table
 * @lock: serialises operations (they come from parallel faults)
 * @root_level: level of the root table's entries
 * @leaves: per level, index gfn >> level shift, value (pfn << 3) | perm
 * @tables: per level, tables linked under entries of that level
 * @errors: contract violations seen (a test asserts 0)
 * @fail_set: test hook, fail this many set_leaf/link_table calls
 */
struct okvm_ext_sw {
	spinlock_t lock;
	int root_level;
	struct xarray leaves[OKVM_PT_MAX_LEVELS + 1];
	struct xarray tables[OKVM_PT_MAX_LEVELS + 1];
	unsigned long errors;
	int fail_set;
};

extern const struct okvm_ext_ops okvm_ext_sw_ops;

void okvm_ext_sw_init(struct okvm_ext_sw *sw, int root_level);
void okvm_ext_sw_destroy(struct okvm_ext_sw *sw);
bool okvm_ext_sw_lookup(struct okvm_ext_sw *sw, u64 gfn, u64 *pfn,
			u32 *perm, int *level);
u64 okvm_ext_sw_nr_leaves(struct okvm_ext_sw *sw, int level);
u64 okvm_ext_sw_nr_tables(struct okvm_ext_sw *sw);

#endif /* OKVM_MMU_EXT_SW_H */
