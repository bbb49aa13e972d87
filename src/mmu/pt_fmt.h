/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Page-table formats for the okvm MMU engine.
 *
 * A format is data: which bits mean "present", "writable", "huge", where
 * the address lives, which bits a table or a leaf always carries.  The
 * engine (pt_iter.c, pt.c) only ever talks to entries through the small
 * inline helpers below, so it never names an NPT, EPT or stage-2 bit.
 *
 * Levels are numbered like KVM's x86 MMU: 1 maps 4K, 2 maps 2M, 3 maps
 * 1G, up to 5.  All formats use a 4K granule and 512 entries per table.
 * An arm64 stage-2 walk that starts at architectural level 0 is an
 * engine root of level 4; one that starts at level 1 is a root of level 3.
 */
#ifndef OKVM_MMU_PT_FMT_H
#define OKVM_MMU_PT_FMT_H

#include <linux/bits.h>
#include <linux/types.h>

#define OKVM_PT_MAX_LEVELS	5
#define OKVM_PT_LEVEL_BITS	9
#define OKVM_PT_ENTRIES		512
#define OKVM_PT_PAGE_SHIFT	12

/* Permissions a caller asks for; each format encodes them its own way. */
#define OKVM_PT_R		BIT(0)
#define OKVM_PT_W		BIT(1)
#define OKVM_PT_X		BIT(2)
#define OKVM_PT_RWX		(OKVM_PT_R | OKVM_PT_W | OKVM_PT_X)
/*
 * Not a permission of the guest: the host maps the page writable, so a
 * write-protected leaf may be made writable again without asking the host
 * (okvm_mmu_fast_unprotect()). Kept by write protection, dropped with the
 * leaf when the host changes its mapping (an MMU-notifier zap).
 */
#define OKVM_PT_HOST_W		BIT(3)

/**
 * struct okvm_pt_fmt - one page-table format, as data
 * @name: short name for logs and test parameters
 * @levels: level of the root table (3, 4 or 5)
 * @max_huge_level: largest level that may hold a leaf (3 = 1G blocks)
 * @addr_mask: bits of an entry that hold the output address
 * @present_mask: an entry is present iff any of these bits is set
 * @table_bits: bits every table (non-leaf) entry carries
 * @leaf_bits: bits every level-1 (4K) leaf carries
 * @huge_bits: bits every leaf above level 1 carries
 * @huge_mask: at levels above 1, (entry & @huge_mask) == @huge_val tells a
 *	leaf from a table; x86 uses the PS bit, arm64 the descriptor type bit
 * @huge_val: see @huge_mask
 * @r_bit: set = readable; 0 if presence implies read (x86 NPT)
 * @w_bit: set = writable
 * @x_bit: set = executable (EPT); 0 if the format has a no-exec bit
 * @nx_bit: set = not executable (NPT NX, stage-2 XN); 0 if it has @x_bit
 * @accessed_bit: hardware accessed flag, 0 if the format has none (EPT
 *	without A/D): aging then falls back to zapping the leaf
 * @dirty_bit: hardware dirty flag, 0 if none: dirty tracking then falls
 *	back to write protection
 * @host_w_bit: a bit the hardware ignores in leaves, for OKVM_PT_HOST_W;
 *	0 if the format has none (write faults then always take the slow path)
 * @ext_bit: a bit the hardware ignores in leaves, marking a leaf that the
 *	mirror root's external-table operations wrote into the direct root's
 *	table (struct okvm_mmu_cfg.ext_direct); 0 if the format has none
 * @frozen: a value that is not present in this format and lives only in
 *	bits the hardware ignores; it marks an entry owned by one writer
 *
 * Every mask is a plain u64: code tests "mask != 0" to see whether a
 * format has a feature, it never derives a shift from a mask, so a format
 * without A/D bits cannot produce a negative shift (seed 003).
 */
struct okvm_pt_fmt {
	const char *name;
	u8 levels;
	u8 max_huge_level;
	u64 addr_mask;
	u64 present_mask;
	u64 table_bits;
	u64 leaf_bits;
	u64 huge_bits;
	u64 huge_mask;
	u64 huge_val;
	u64 r_bit;
	u64 w_bit;
	u64 x_bit;
	u64 nx_bit;
	u64 accessed_bit;
	u64 dirty_bit;
	u64 host_w_bit;
	u64 ext_bit;
	u64 frozen;
};

extern const struct okvm_pt_fmt okvm_fmt_npt4;
extern const struct okvm_pt_fmt okvm_fmt_npt5;
extern const struct okvm_pt_fmt okvm_fmt_ept4_ad;
extern const struct okvm_pt_fmt okvm_fmt_ept5_ad;
extern const struct okvm_pt_fmt okvm_fmt_ept4;
extern const struct okvm_pt_fmt okvm_fmt_ept5;
extern const struct okvm_pt_fmt okvm_fmt_s2_l3;
extern const struct okvm_pt_fmt okvm_fmt_s2_l4;

/* Number of 4K frames one entry at @level maps. */
static inline u64 okvm_pt_level_pages(int level)
{
	return 1ULL << (OKVM_PT_LEVEL_BITS * (level - 1));
}

/* Index of @gfn's entry in the table holding entries of @level. */
static inline unsigned int okvm_pt_index(u64 gfn, int level)
{
	return (gfn >> (OKVM_PT_LEVEL_BITS * (level - 1))) &
	       (OKVM_PT_ENTRIES - 1);
}

/* Number of GFNs a root of this format covers. */
static inline u64 okvm_pt_fmt_gfns(const struct okvm_pt_fmt *fmt)
{
	return okvm_pt_level_pages(fmt->levels + 1);
}

static inline bool okvm_pte_present(const struct okvm_pt_fmt *fmt, u64 pte)
{
	return pte & fmt->present_mask;
}

static inline bool okvm_pte_frozen(const struct okvm_pt_fmt *fmt, u64 pte)
{
	return pte == fmt->frozen;
}

/* A present entry at @level maps memory (rather than pointing to a table). */
static inline bool okvm_pte_leaf(const struct okvm_pt_fmt *fmt, u64 pte,
				 int level)
{
	if (!okvm_pte_present(fmt, pte))
		return false;
	return level == 1 || (pte & fmt->huge_mask) == fmt->huge_val;
}

static inline bool okvm_pte_table(const struct okvm_pt_fmt *fmt, u64 pte,
				  int level)
{
	return okvm_pte_present(fmt, pte) && !okvm_pte_leaf(fmt, pte, level);
}

static inline u64 okvm_pte_pfn(const struct okvm_pt_fmt *fmt, u64 pte)
{
	return (pte & fmt->addr_mask) >> OKVM_PT_PAGE_SHIFT;
}

static inline u64 okvm_pte_perm_bits(const struct okvm_pt_fmt *fmt, u32 perm)
{
	u64 v = 0;

	if (perm & OKVM_PT_R)
		v |= fmt->r_bit;
	if (perm & OKVM_PT_W)
		v |= fmt->w_bit;
	if (fmt->x_bit && (perm & OKVM_PT_X))
		v |= fmt->x_bit;
	if (fmt->nx_bit && !(perm & OKVM_PT_X))
		v |= fmt->nx_bit;
	if (perm & OKVM_PT_HOST_W)
		v |= fmt->host_w_bit;
	return v;
}

/* Permissions of a present leaf. */
static inline u32 okvm_pte_perm(const struct okvm_pt_fmt *fmt, u64 pte)
{
	u32 perm = 0;

	if (!fmt->r_bit || (pte & fmt->r_bit))
		perm |= OKVM_PT_R;
	if (pte & fmt->w_bit)
		perm |= OKVM_PT_W;
	if (fmt->x_bit ? (pte & fmt->x_bit) : !(pte & fmt->nx_bit))
		perm |= OKVM_PT_X;
	if (pte & fmt->host_w_bit)
		perm |= OKVM_PT_HOST_W;
	return perm;
}

/* A leaf the mirror root's external operations own (see ext_direct.c). */
static inline bool okvm_pte_ext(const struct okvm_pt_fmt *fmt, u64 pte)
{
	return fmt->ext_bit && okvm_pte_present(fmt, pte) &&
	       (pte & fmt->ext_bit);
}

/* Accessed state; a format without an A bit reports every leaf as young. */
static inline bool okvm_pte_young(const struct okvm_pt_fmt *fmt, u64 pte)
{
	return !fmt->accessed_bit || (pte & fmt->accessed_bit);
}

/* Dirty state; a format without a D bit reports writable leaves as dirty. */
static inline bool okvm_pte_dirty(const struct okvm_pt_fmt *fmt, u64 pte)
{
	return fmt->dirty_bit ? !!(pte & fmt->dirty_bit) :
				!!(pte & fmt->w_bit);
}

/**
 * okvm_pte_make_leaf() - encode a leaf
 * @fmt: format
 * @pfn: first frame; must be aligned to okvm_pt_level_pages(@level)
 * @perm: OKVM_PT_* permissions
 * @level: 1 for 4K, up to @fmt->max_huge_level
 * @young: set the accessed flag (ignored when the format has none)
 * @dirty: set the dirty flag (ignored when the format has none)
 *
 * Return: the entry.
 */
static inline u64 okvm_pte_make_leaf(const struct okvm_pt_fmt *fmt, u64 pfn,
				     u32 perm, int level, bool young,
				     bool dirty)
{
	u64 pte = (pfn << OKVM_PT_PAGE_SHIFT) & fmt->addr_mask;

	pte |= level == 1 ? fmt->leaf_bits : fmt->huge_bits;
	pte |= okvm_pte_perm_bits(fmt, perm);
	if (young)
		pte |= fmt->accessed_bit;
	if (dirty)
		pte |= fmt->dirty_bit;
	return pte;
}

/* A table entry pointing to the table at physical address @pa. */
static inline u64 okvm_pte_make_table(const struct okvm_pt_fmt *fmt, u64 pa)
{
	return (pa & fmt->addr_mask) | fmt->table_bits;
}

/*
 * The entry of a leaf at @new_level, @pfn that keeps the permissions and
 * A/D state of the leaf @pte (a huge leaf being split).
 */
static inline u64 okvm_pte_relevel(const struct okvm_pt_fmt *fmt, u64 pte,
				   int old_level, int new_level, u64 pfn)
{
	pte &= ~fmt->addr_mask;
	pte &= ~(old_level == 1 ? fmt->leaf_bits : fmt->huge_bits);
	pte |= new_level == 1 ? fmt->leaf_bits : fmt->huge_bits;
	return pte | ((pfn << OKVM_PT_PAGE_SHIFT) & fmt->addr_mask);
}

#endif /* OKVM_MMU_PT_FMT_H */
