// SPDX-License-Identifier: GPL-2.0-only
/*
 * x86 nested page-table formats as engine data: AMD NPT (the long-mode
 * page-table format, walked as user accesses) and Intel EPT, with and
 * without accessed/dirty flags.  Bit positions are the architectural ones
 * (AMD APM vol. 2 "Nested Paging", Intel SDM vol. 3 "EPT").
 */
#include "mmu/pt_fmt.h"

#define X86_P		BIT_ULL(0)
#define X86_RW		BIT_ULL(1)
#define X86_US		BIT_ULL(2)
#define X86_A		BIT_ULL(5)
#define X86_D		BIT_ULL(6)
#define X86_PS		BIT_ULL(7)
#define X86_NX		BIT_ULL(63)
#define X86_ADDR	GENMASK_ULL(51, 12)

/*
 * Bit 56 is ignored by the CPU in both NPT and EPT entries at every level
 * and is not a present bit, so an entry holding only it is never walked.
 */
#define X86_FROZEN	BIT_ULL(56)

/*
 * OKVM_PT_HOST_W: bit 9 is available to software in NPT (long-mode)
 * entries; in EPT bit 9 is the dirty flag, and bit 57 is ignored (as KVM
 * uses them).
 */
#define NPT_HOST_W	BIT_ULL(9)
#define EPT_HOST_W	BIT_ULL(57)

/*
 * The external-table mark of a private leaf in the direct root's table
 * (ext_direct.c): NPT's next software-available bit, and in EPT another
 * ignored one.
 */
#define NPT_EXT		BIT_ULL(10)
#define EPT_EXT		BIT_ULL(58)

#define EPT_R		BIT_ULL(0)
#define EPT_W		BIT_ULL(1)
#define EPT_X		BIT_ULL(2)
#define EPT_MT_WB	(6ULL << 3)
#define EPT_PS		BIT_ULL(7)
#define EPT_A		BIT_ULL(8)
#define EPT_D		BIT_ULL(9)

/*
 * NPT walks are user-mode accesses, so every level needs US; tables are
 * fully permissive (the leaf decides) and pre-set A so the CPU never has
 * to write them back.
 */
#define NPT_FMT(_name, _levels) {					\
	.name = _name,							\
	.levels = _levels,						\
	.max_huge_level = 3,						\
	.addr_mask = X86_ADDR,						\
	.present_mask = X86_P,						\
	.table_bits = X86_P | X86_RW | X86_US | X86_A,			\
	.leaf_bits = X86_P | X86_US,					\
	.huge_bits = X86_P | X86_US | X86_PS,				\
	.huge_mask = X86_PS,						\
	.huge_val = X86_PS,						\
	.w_bit = X86_RW,						\
	.nx_bit = X86_NX,						\
	.accessed_bit = X86_A,						\
	.dirty_bit = X86_D,						\
	.host_w_bit = NPT_HOST_W,					\
	.ext_bit = NPT_EXT,						\
	.frozen = X86_FROZEN,						\
}

/* EPT leaves are write-back memory; the guest PAT still applies. */
#define EPT_FMT(_name, _levels, _a, _d) {				\
	.name = _name,							\
	.levels = _levels,						\
	.max_huge_level = 3,						\
	.addr_mask = X86_ADDR,						\
	.present_mask = EPT_R | EPT_W | EPT_X,				\
	.table_bits = EPT_R | EPT_W | EPT_X | (_a),			\
	.leaf_bits = EPT_MT_WB,						\
	.huge_bits = EPT_MT_WB | EPT_PS,				\
	.huge_mask = EPT_PS,						\
	.huge_val = EPT_PS,						\
	.r_bit = EPT_R,							\
	.w_bit = EPT_W,							\
	.x_bit = EPT_X,							\
	.accessed_bit = (_a),						\
	.dirty_bit = (_d),						\
	.host_w_bit = EPT_HOST_W,					\
	.ext_bit = EPT_EXT,						\
	.frozen = X86_FROZEN,						\
}

const struct okvm_pt_fmt okvm_fmt_npt4 = NPT_FMT("npt4", 4);
const struct okvm_pt_fmt okvm_fmt_npt5 = NPT_FMT("npt5", 5);
const struct okvm_pt_fmt okvm_fmt_ept4_ad = EPT_FMT("ept4_ad", 4, EPT_A, EPT_D);
const struct okvm_pt_fmt okvm_fmt_ept5_ad = EPT_FMT("ept5_ad", 5, EPT_A, EPT_D);
const struct okvm_pt_fmt okvm_fmt_ept4 = EPT_FMT("ept4", 4, 0, 0);
const struct okvm_pt_fmt okvm_fmt_ept5 = EPT_FMT("ept5", 5, 0, 0);
