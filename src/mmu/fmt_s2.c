// SPDX-License-Identifier: GPL-2.0-only
/*
 * arm64 stage-2 translation (4K granule) as engine data.  Bit positions
 * are the architectural ones (Arm ARM D8, VMSAv8-64 stage 2 descriptors).
 *
 * Levels: a walk starting at architectural level 0 (48-bit IPA) is a root
 * of engine level 4; one starting at level 1 (39-bit IPA) is engine level
 * 3.  Block descriptors exist at architectural levels 1 and 2 (1G, 2M).
 */
#include "mmu/pt_fmt.h"

#define S2_VALID	BIT_ULL(0)
#define S2_TYPE		BIT_ULL(1)	/* table / page, clear = block */
#define S2_MEMATTR_WB	(0xfULL << 2)	/* Normal, inner/outer write-back */
#define S2_AP_R		BIT_ULL(6)	/* S2AP[0] */
#define S2_AP_W		BIT_ULL(7)	/* S2AP[1] */
#define S2_SH_IS	(3ULL << 8)	/* inner shareable */
#define S2_AF		BIT_ULL(10)
#define S2_XN		BIT_ULL(54)	/* XN[1]: no execution at EL1 or EL0 */
#define S2_ADDR		GENMASK_ULL(47, 12)

/* Bits 58:55 are reserved for software in every stage-2 descriptor. */
#define S2_FROZEN	BIT_ULL(56)

#define S2_LEAF_ATTRS	(S2_MEMATTR_WB | S2_SH_IS)

/*
 * Stage 2 has no dirty flag (DBM is a write-permission update, not a
 * flag), so dirty tracking uses write protection.
 */
#define S2_FMT(_name, _levels) {					\
	.name = _name,							\
	.levels = _levels,						\
	.max_huge_level = 3,						\
	.addr_mask = S2_ADDR,						\
	.present_mask = S2_VALID,					\
	.table_bits = S2_VALID | S2_TYPE,				\
	.leaf_bits = S2_VALID | S2_TYPE | S2_LEAF_ATTRS,		\
	.huge_bits = S2_VALID | S2_LEAF_ATTRS,				\
	.huge_mask = S2_TYPE,						\
	.huge_val = 0,							\
	.r_bit = S2_AP_R,						\
	.w_bit = S2_AP_W,						\
	.nx_bit = S2_XN,						\
	.accessed_bit = S2_AF,						\
	.frozen = S2_FROZEN,						\
}

const struct okvm_pt_fmt okvm_fmt_s2_l3 = S2_FMT("s2_l3", 3);
const struct okvm_pt_fmt okvm_fmt_s2_l4 = S2_FMT("s2_l4", 4);
