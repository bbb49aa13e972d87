// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest page-table walker: one loop for the 32-bit, PAE, 64-bit and EPT
 * formats. See gwalk.h for the interface.
 *
 * Everything that differs between formats is a field of struct
 * okvm_gwalk_fmt or of the mode built from the guest's registers:
 * entry size, index width, present/accessed/dirty/PS masks, which levels
 * may hold huge pages, the reserved-bit table, and a few small functions
 * (the rights one entry grants, a leaf's frame, EPT's extra
 * misconfigurations, the access check and the fault report).
 *
 * The walk follows KVM's software walker: the rights of all entries are
 * ANDed and checked once at the leaf; A/D are written only after the
 * access is allowed, so a faulting walk leaves guest memory alone.
 */
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/string.h>

#include "x86/gwalk.h"

#define GWALK_PAGE_SHIFT	12
#define GWALK_PERM_ALL		(OKVM_GWALK_PERM_R | OKVM_GWALK_PERM_W | \
				 OKVM_GWALK_PERM_U | OKVM_GWALK_PERM_X)

/* Why a walk stopped short; turned into a #PF or an EPT exit. */
enum gwalk_stop {
	GWALK_NOT_PRESENT,
	GWALK_RSVD,
	GWALK_PERM,
};

/* The entries one walk used, top level first, for the A/D update. */
struct gwalk_path {
	u64 gpa[OKVM_GWALK_MAX_LEVELS];
	u64 pte[OKVM_GWALK_MAX_LEVELS];
};

/* Bits hi..lo, empty when lo > hi (e.g. "51:MAXPHYADDR" with 52 bits). */
static u64 gwalk_bits(unsigned int hi, unsigned int lo)
{
	return lo > hi ? 0 : GENMASK_ULL(hi, lo);
}

static unsigned int gwalk_shift(const struct okvm_gwalk_fmt *fmt, int level)
{
	return GWALK_PAGE_SHIFT + fmt->index_bits * (level - 1);
}

/* --- per-format functions -------------------------------------------- */

static u32 x86_perm(const struct okvm_gwalk_mode *mode, u64 pte)
{
	u32 perm = OKVM_GWALK_PERM_R;

	if (pte & OKVM_PTE_RW)
		perm |= OKVM_GWALK_PERM_W;
	if (pte & OKVM_PTE_US)
		perm |= OKVM_GWALK_PERM_U;
	/* Without EFER.NXE bit 63 is reserved, so it never gets here set. */
	if (!(pte & OKVM_PTE_XD))
		perm |= OKVM_GWALK_PERM_X;
	return perm;
}

static u32 ept_perm(const struct okvm_gwalk_mode *mode, u64 pte)
{
	u32 perm = 0;

	if (pte & OKVM_EPTE_R)
		perm |= OKVM_GWALK_PERM_R;
	if (pte & OKVM_EPTE_W)
		perm |= OKVM_GWALK_PERM_W;
	if (pte & OKVM_EPTE_X)
		perm |= OKVM_GWALK_PERM_X;
	return perm;
}

static u64 generic_leaf_frame(const struct okvm_gwalk_mode *mode, u64 pte,
			      int level)
{
	/* Low address bits of a huge leaf are PAT or reserved, never address. */
	return pte & mode->table_mask &
	       ~(BIT_ULL(gwalk_shift(mode->fmt, level)) - 1);
}

/*
 * A 32-bit PSE 4M page keeps physical-address bits 39:32 in PDE bits 20:13
 * (PSE-36/PSE-40); bits above MAXPHYADDR are reserved and already checked.
 */
static u64 pse_leaf_frame(const struct okvm_gwalk_mode *mode, u64 pte,
			  int level)
{
	if (level == 1)
		return pte & GENMASK_ULL(31, 12);
	return (pte & GENMASK_ULL(31, 22)) | (((pte >> 13) & 0xff) << 32);
}

/*
 * EPT combinations that are misconfigurations rather than reserved bits:
 * write without read, execute-only without the capability, and the
 * undefined memory types 2, 3 and 7 in a leaf.
 */
static bool ept_misconfig(const struct okvm_gwalk_mode *mode, u64 pte,
			  bool leaf)
{
	u64 xwr = pte & (OKVM_EPTE_R | OKVM_EPTE_W | OKVM_EPTE_X);
	u64 mt = (pte & OKVM_EPTE_MT_MASK) >> OKVM_EPTE_MT_SHIFT;

	if ((xwr & OKVM_EPTE_W) && !(xwr & OKVM_EPTE_R))
		return true;
	if (xwr == OKVM_EPTE_X && !mode->ept_exec_only)
		return true;
	return leaf && (mt == 2 || mt == 3 || mt == 7);
}

/* The hardware's rules for one access (SDM 4.6, APM 5.6). */
static bool x86_permits(const struct okvm_gwalk_mode *mode, u32 perm,
			u32 access)
{
	bool write = access & OKVM_GWALK_WRITE;
	bool fetch = access & OKVM_GWALK_FETCH;
	bool user_page = perm & OKVM_GWALK_PERM_U;

	if (access & OKVM_GWALK_USER) {
		if (!user_page)
			return false;
		if (write && !(perm & OKVM_GWALK_PERM_W))
			return false;
		return !fetch || (perm & OKVM_GWALK_PERM_X);
	}
	if (fetch)
		return (perm & OKVM_GWALK_PERM_X) && !(mode->smep && user_page);
	/* AC lifts SMAP only for explicit accesses; implicit ones never. */
	if (user_page && mode->smap &&
	    ((access & OKVM_GWALK_IMPLICIT) || !mode->ac))
		return false;
	/* With CR0.WP clear, supervisor writes ignore R/W. */
	return !write || !mode->wp || (perm & OKVM_GWALK_PERM_W);
}

static bool ept_permits(const struct okvm_gwalk_mode *mode, u32 perm,
			u32 access)
{
	if (access & OKVM_GWALK_WRITE)
		return perm & OKVM_GWALK_PERM_W;
	if (access & OKVM_GWALK_FETCH)
		return perm & OKVM_GWALK_PERM_X;
	return perm & OKVM_GWALK_PERM_R;
}

static void x86_fault(const struct okvm_gwalk_mode *mode, enum gwalk_stop why,
		      u32 perm, u32 access, struct okvm_gwalk_result *res)
{
	u32 err = access & (OKVM_PFERR_WRITE | OKVM_PFERR_USER);

	if (why != GWALK_NOT_PRESENT)
		err |= OKVM_PFERR_PRESENT;
	if (why == GWALK_RSVD)
		err |= OKVM_PFERR_RSVD;
	/* I/D is reported only where fetches can fault on their own. */
	if ((access & OKVM_GWALK_FETCH) && (mode->nx || mode->smep))
		err |= OKVM_PFERR_FETCH;
	res->kind = OKVM_GWALK_PF;
	res->error_code = err;
}

static void ept_fault(const struct okvm_gwalk_mode *mode, enum gwalk_stop why,
		      u32 perm, u32 access, struct okvm_gwalk_result *res)
{
	u64 q = 0;

	if (why == GWALK_RSVD) {
		res->kind = OKVM_GWALK_EPT_MISCONFIG;
		res->exit_qual = 0;
		return;
	}
	if (access & OKVM_GWALK_WRITE)
		q |= OKVM_EPT_VIOL_ACC_WRITE;
	if (access & OKVM_GWALK_FETCH)
		q |= OKVM_EPT_VIOL_ACC_INSTR;
	if (!(access & (OKVM_GWALK_WRITE | OKVM_GWALK_FETCH)))
		q |= OKVM_EPT_VIOL_ACC_READ;
	/* Bits 5:3 are the AND of R/W/X over the entries walked so far. */
	if (perm & OKVM_GWALK_PERM_R)
		q |= OKVM_EPT_VIOL_READABLE;
	if (perm & OKVM_GWALK_PERM_W)
		q |= OKVM_EPT_VIOL_WRITABLE;
	if (perm & OKVM_GWALK_PERM_X)
		q |= OKVM_EPT_VIOL_EXECUTABLE;
	if (access & OKVM_GWALK_GLA_VALID) {
		q |= OKVM_EPT_VIOL_GLA_VALID;
		if (!(access & OKVM_GWALK_GUEST_PT))
			q |= OKVM_EPT_VIOL_GLA_XLATED;
	}
	res->kind = OKVM_GWALK_EPT_VIOLATION;
	res->exit_qual = q;
}

/* Per-format hooks that are not plain data, kept beside the table. */
struct gwalk_fmt_ops {
	bool (*misconfig)(const struct okvm_gwalk_mode *mode, u64 pte,
			  bool leaf);
	bool (*permits)(const struct okvm_gwalk_mode *mode, u32 perm,
			u32 access);
	void (*fault)(const struct okvm_gwalk_mode *mode, enum gwalk_stop why,
		      u32 perm, u32 access, struct okvm_gwalk_result *res);
};

static const struct gwalk_fmt_ops x86_ops = {
	.permits = x86_permits,
	.fault = x86_fault,
};

static const struct gwalk_fmt_ops ept_ops = {
	.misconfig = ept_misconfig,
	.permits = ept_permits,
	.fault = ept_fault,
};

const struct okvm_gwalk_fmt okvm_gwalk_fmts[OKVM_GWALK_NR_FMTS] = {
	[OKVM_GWALK_FMT_32] = {
		.name = "32bit",
		.pte_size = 4,
		.index_bits = 10,
		.present_mask = OKVM_PTE_P,
		.accessed_mask = OKVM_PTE_A,
		.dirty_mask = OKVM_PTE_D,
		.ps_mask = OKVM_PTE_PS,
		.perm = x86_perm,
		.leaf_frame = pse_leaf_frame,
	},
	[OKVM_GWALK_FMT_PAE] = {
		.name = "pae",
		.pte_size = 8,
		.index_bits = 9,
		.present_mask = OKVM_PTE_P,
		.accessed_mask = OKVM_PTE_A,
		.dirty_mask = OKVM_PTE_D,
		.ps_mask = OKVM_PTE_PS,
		.perm = x86_perm,
		.leaf_frame = generic_leaf_frame,
	},
	[OKVM_GWALK_FMT_64] = {
		.name = "64bit",
		.pte_size = 8,
		.index_bits = 9,
		.present_mask = OKVM_PTE_P,
		.accessed_mask = OKVM_PTE_A,
		.dirty_mask = OKVM_PTE_D,
		.ps_mask = OKVM_PTE_PS,
		.perm = x86_perm,
		.leaf_frame = generic_leaf_frame,
	},
	[OKVM_GWALK_FMT_EPT] = {
		.name = "ept",
		.pte_size = 8,
		.index_bits = 9,
		/* Any of R/W/X makes an EPT entry present. */
		.present_mask = OKVM_EPTE_R | OKVM_EPTE_W | OKVM_EPTE_X,
		.accessed_mask = OKVM_EPTE_A,
		.dirty_mask = OKVM_EPTE_D,
		.ps_mask = OKVM_EPTE_PS,
		.perm = ept_perm,
		.leaf_frame = generic_leaf_frame,
	},
};

static const struct gwalk_fmt_ops *gwalk_ops(const struct okvm_gwalk_fmt *fmt)
{
	return fmt == &okvm_gwalk_fmts[OKVM_GWALK_FMT_EPT] ? &ept_ops : &x86_ops;
}

static bool gwalk_is_pae(const struct okvm_gwalk_mode *mode)
{
	return mode->fmt == &okvm_gwalk_fmts[OKVM_GWALK_FMT_PAE];
}

/* --- mode construction ----------------------------------------------- */

static void gwalk_mode_init(struct okvm_gwalk_mode *mode,
			    enum okvm_gwalk_fmt_id id, u8 maxphyaddr)
{
	memset(mode, 0, sizeof(*mode));
	mode->fmt = &okvm_gwalk_fmts[id];
	mode->maxphyaddr = maxphyaddr;
	mode->accessed_mask = mode->fmt->accessed_mask;
	mode->dirty_mask = mode->fmt->dirty_mask;
	mode->table_mask = GENMASK_ULL(maxphyaddr - 1, GWALK_PAGE_SHIFT);
}

/*
 * 32-bit paging has no reserved bits except in a PSE 4M PDE: bit 21 and
 * the bits of 20:13 that would hold physical-address bits at or above
 * min(MAXPHYADDR, 40).
 */
static void rsvd_init_32(struct okvm_gwalk_mode *mode, bool pse)
{
	unsigned int pa = min_t(unsigned int, mode->maxphyaddr, 40);

	mode->table_mask = GENMASK_ULL(31, GWALK_PAGE_SHIFT);
	if (!pse)
		return;
	mode->huge_levels = BIT(2);
	mode->rsvd[1][1] = BIT_ULL(21);
	if (pa < 40)
		mode->rsvd[1][1] |= GENMASK_ULL(20, 13 + pa - 32);
}

/*
 * PAE: bits 62:MAXPHYADDR are reserved in every entry (PAE has no
 * ignored high bits), bit 63 unless EFER.NXE. A PDPTE also reserves
 * 63, 8:5 and 2:1. Huge 2M leaves reserve 20:13 (12 is PAT).
 */
static void rsvd_init_pae(struct okvm_gwalk_mode *mode)
{
	u64 high = gwalk_bits(62, mode->maxphyaddr);
	u64 nx = mode->nx ? 0 : OKVM_PTE_XD;

	mode->huge_levels = BIT(2);
	mode->rsvd[0][2] = high | BIT_ULL(63) | GENMASK_ULL(8, 5) |
			   GENMASK_ULL(2, 1);
	mode->rsvd[1][2] = mode->rsvd[0][2];
	mode->rsvd[0][1] = high | nx;
	mode->rsvd[1][1] = high | nx | GENMASK_ULL(20, 13);
	mode->rsvd[0][0] = high | nx;
	mode->rsvd[1][0] = high | nx;
}

/*
 * 4/5-level: bits 51:MAXPHYADDR reserved (62:52 are ignored), bit 63
 * unless EFER.NXE. PML5E/PML4E reserve PS; a PDPTE's PS is reserved
 * without 1G-page support; huge leaves reserve the address bits below
 * their size (29:13 or 20:13; 12 is PAT).
 */
static void rsvd_init_64(struct okvm_gwalk_mode *mode, bool gbpages)
{
	u64 high = gwalk_bits(51, mode->maxphyaddr);
	u64 nx = mode->nx ? 0 : OKVM_PTE_XD;
	u64 no1g = gbpages ? 0 : OKVM_PTE_PS;

	mode->huge_levels = BIT(2) | BIT(3);
	mode->rsvd[0][4] = high | nx | OKVM_PTE_PS;
	mode->rsvd[1][4] = mode->rsvd[0][4];
	mode->rsvd[0][3] = high | nx | OKVM_PTE_PS;
	mode->rsvd[1][3] = mode->rsvd[0][3];
	mode->rsvd[0][2] = high | nx;
	mode->rsvd[1][2] = high | nx | no1g | GENMASK_ULL(29, 13);
	mode->rsvd[0][1] = high | nx;
	mode->rsvd[1][1] = high | nx | GENMASK_ULL(20, 13);
	mode->rsvd[0][0] = high | nx;
	mode->rsvd[1][0] = high | nx;
}

/*
 * EPT: bits 51:MAXPHYADDR reserved; non-leaf entries reserve 7:3 (PML5E,
 * PML4E) or 6:3; huge leaves reserve address bits 29:12 or 20:12; PS in a
 * PDPTE is reserved without 1G support. Bits 8/9 are A/D or ignored.
 */
static void rsvd_init_ept(struct okvm_gwalk_mode *mode, bool gbpages)
{
	u64 high = gwalk_bits(51, mode->maxphyaddr);
	u64 no1g = gbpages ? 0 : OKVM_EPTE_PS;

	mode->huge_levels = BIT(2) | BIT(3);
	mode->rsvd[0][4] = high | GENMASK_ULL(7, 3);
	mode->rsvd[1][4] = mode->rsvd[0][4];
	mode->rsvd[0][3] = high | GENMASK_ULL(7, 3);
	mode->rsvd[1][3] = mode->rsvd[0][3];
	mode->rsvd[0][2] = high | GENMASK_ULL(6, 3);
	mode->rsvd[1][2] = high | no1g | GENMASK_ULL(29, 12);
	mode->rsvd[0][1] = high | GENMASK_ULL(6, 3);
	mode->rsvd[1][1] = high | GENMASK_ULL(20, 12);
	mode->rsvd[0][0] = high;
	mode->rsvd[1][0] = high;
}

/**
 * okvm_gwalk_mode_from_regs() - build the walk mode of a vCPU's paging state
 * @mode: filled in
 * @regs: CR0/CR3/CR4/EFER/RFLAGS and the guest's MAXPHYADDR and 1G support
 *
 * Picks the format the CPU would use: none with CR0.PG clear (addresses
 * pass through), 64-bit with EFER.LMA (5 levels with CR4.LA57), PAE with
 * CR4.PAE, else 32-bit (PSE 4M pages with CR4.PSE). For PAE the PDPTEs are
 * not loaded; call okvm_gwalk_load_pdptes() at CR3 load to cache them, or
 * let okvm_gwalk() read them on every walk.
 *
 * Return: 0, or -EINVAL for a state the CPU cannot be in (LMA without PAE,
 * MAXPHYADDR outside 32..52); @mode is then unspecified.
 */
int okvm_gwalk_mode_from_regs(struct okvm_gwalk_mode *mode,
			      const struct okvm_gwalk_regs *regs)
{
	u8 pa = regs->maxphyaddr;

	if (pa < 32 || pa > 52)
		return -EINVAL;

	if (!(regs->cr0 & OKVM_CR0_PG)) {
		memset(mode, 0, sizeof(*mode));
		mode->maxphyaddr = pa;
		mode->root = regs->cr3;
		return 0;
	}

	if (regs->efer & OKVM_EFER_LMA) {
		if (!(regs->cr4 & OKVM_CR4_PAE))
			return -EINVAL;
		gwalk_mode_init(mode, OKVM_GWALK_FMT_64, pa);
		mode->levels = (regs->cr4 & OKVM_CR4_LA57) ? 5 : 4;
		mode->va_bits = mode->levels == 5 ? 57 : 48;
	} else if (regs->cr4 & OKVM_CR4_PAE) {
		gwalk_mode_init(mode, OKVM_GWALK_FMT_PAE, pa);
		mode->levels = 3;
		mode->va_bits = 32;
	} else {
		gwalk_mode_init(mode, OKVM_GWALK_FMT_32, pa);
		mode->levels = 2;
		mode->va_bits = 32;
	}

	mode->root = regs->cr3;
	mode->wp = regs->cr0 & OKVM_CR0_WP;
	mode->nx = regs->efer & OKVM_EFER_NXE;
	mode->smep = regs->cr4 & OKVM_CR4_SMEP;
	mode->smap = regs->cr4 & OKVM_CR4_SMAP;
	mode->ac = regs->rflags & OKVM_RFLAGS_AC;

	switch (mode->fmt - okvm_gwalk_fmts) {
	case OKVM_GWALK_FMT_32:
		rsvd_init_32(mode, regs->cr4 & OKVM_CR4_PSE);
		mode->root_table = regs->cr3 & GENMASK_ULL(31, GWALK_PAGE_SHIFT);
		break;
	case OKVM_GWALK_FMT_PAE:
		rsvd_init_pae(mode);
		break;
	default:
		rsvd_init_64(mode, regs->gbpages);
		mode->root_table = regs->cr3 & mode->table_mask;
		break;
	}
	return 0;
}

/**
 * okvm_gwalk_mode_from_eptp() - build the walk mode of a guest's EPT tables
 * @mode: filled in
 * @eptp: the EPT pointer the guest (L1) configured
 * @maxphyaddr: guest MAXPHYADDR
 * @caps: OKVM_GWALK_EPT_CAP_* the (virtual) CPU advertises
 *
 * Return: 0, or -EINVAL if @eptp is one VM entry would reject (memory type
 * not UC/WB, walk length other than 4, or 5 without the capability, A/D
 * enabled without the capability, reserved bits set) or @maxphyaddr is
 * outside 32..52; @mode is then unspecified.
 */
int okvm_gwalk_mode_from_eptp(struct okvm_gwalk_mode *mode, u64 eptp,
			      u8 maxphyaddr, u32 caps)
{
	u64 mt = eptp & OKVM_EPTP_MT_MASK;
	u64 pwl = (eptp & OKVM_EPTP_PWL_MASK) >> OKVM_EPTP_PWL_SHIFT;

	if (maxphyaddr < 32 || maxphyaddr > 52)
		return -EINVAL;
	if (mt != OKVM_EPTP_MT_UC && mt != OKVM_EPTP_MT_WB)
		return -EINVAL;
	if (pwl != 3 && !(pwl == 4 && (caps & OKVM_GWALK_EPT_CAP_5LEVEL)))
		return -EINVAL;
	if ((eptp & OKVM_EPTP_AD) && !(caps & OKVM_GWALK_EPT_CAP_AD))
		return -EINVAL;
	if (eptp & (GENMASK_ULL(11, 7) | gwalk_bits(63, maxphyaddr)))
		return -EINVAL;

	gwalk_mode_init(mode, OKVM_GWALK_FMT_EPT, maxphyaddr);
	mode->root = eptp;
	mode->root_table = eptp & mode->table_mask;
	mode->levels = pwl + 1;
	mode->va_bits = mode->levels == 5 ? 57 : 48;
	mode->ept_exec_only = caps & OKVM_GWALK_EPT_CAP_EXEC_ONLY;
	/* Without EPTP.AD, bits 8 and 9 are ignored: no A/D to maintain. */
	if (!(eptp & OKVM_EPTP_AD)) {
		mode->accessed_mask = 0;
		mode->dirty_mask = 0;
	}
	rsvd_init_ept(mode, caps & OKVM_GWALK_EPT_CAP_1G);
	return 0;
}

/*
 * Read the four PDPTEs as the CPU does at a CR3 load in PAE mode: from CR3
 * bits 31:5, so four roots can share one page at different 32-byte
 * offsets (seed 002). A present PDPTE with reserved bits makes the CPU
 * #GP the MOV to CR3.
 */
static int gwalk_read_pdptes(const struct okvm_gwalk_mode *mode,
			     const struct okvm_gwalk_mem_ops *ops, void *ctx,
			     u64 pdptes[4])
{
	int i, r;

	r = ops->read(ctx, mode->root & GENMASK_ULL(31, 5), pdptes,
		      4 * sizeof(u64));
	if (r)
		return r;
	for (i = 0; i < 4; i++)
		if ((pdptes[i] & OKVM_PTE_P) && (pdptes[i] & mode->rsvd[0][2]))
			return -EINVAL;
	return 0;
}

/**
 * okvm_gwalk_load_pdptes() - load and cache the PDPTEs of a PAE mode
 * @mode: a PAE mode from okvm_gwalk_mode_from_regs()
 * @ops: guest memory
 * @ctx: passed to @ops
 *
 * Call when the guest loads CR3 (or changes CR0/CR4 into PAE), also when
 * it reloads the same value: the CPU reads the PDPTEs then and ignores
 * later writes to them until the next load. The cache belongs to @mode,
 * which a vCPU keys by its full CR3 (bits 11:5 included), never by the
 * page alone. Where the CPU keeps the PDPTEs out of reach (SVM with NPT
 * reads them from memory on each walk), leave the cache empty.
 *
 * Return: 0 with @mode->pdptes valid; -EINVAL if @mode is not PAE or a
 * present PDPTE has reserved bits (the guest's MOV to CR3 must #GP);
 * -EFAULT if they are not in guest memory. @mode is unchanged on failure.
 */
int okvm_gwalk_load_pdptes(struct okvm_gwalk_mode *mode,
			   const struct okvm_gwalk_mem_ops *ops, void *ctx)
{
	u64 pdptes[4];
	int r;

	if (!gwalk_is_pae(mode))
		return -EINVAL;
	r = gwalk_read_pdptes(mode, ops, ctx, pdptes);
	if (r)
		return r;
	memcpy(mode->pdptes, pdptes, sizeof(pdptes));
	mode->pdptes_valid = true;
	return 0;
}

/* --- the walk ---------------------------------------------------------- */

static u64 gwalk_read_pte(const struct okvm_gwalk_fmt *fmt,
			  const struct okvm_gwalk_mem_ops *ops, void *ctx,
			  u64 gpa)
{
	u32 pte32;
	u64 pte64;

	/*
	 * An entry outside guest memory reads as not present: the walk then
	 * faults the way KVM's does for a table outside every memslot.
	 */
	if (fmt->pte_size == 4)
		return ops->read(ctx, gpa, &pte32, 4) ? 0 : pte32;
	return ops->read(ctx, gpa, &pte64, 8) ? 0 : pte64;
}

/*
 * Set A on every entry walked and D on the leaf of a write. Each update is
 * a cmpxchg against the value the walk used: if the guest changed an entry
 * meanwhile, the translation may be stale and the walk starts over.
 */
static int gwalk_update_ad(const struct okvm_gwalk_mode *mode,
			   const struct okvm_gwalk_mem_ops *ops, void *ctx,
			   struct gwalk_path *path, int top, int leaf,
			   bool write)
{
	int level, r;

	for (level = top; level >= leaf; level--) {
		u64 old = path->pte[level - 1];
		u64 new = old | mode->accessed_mask;

		if (level == leaf && write)
			new |= mode->dirty_mask;
		if (new == old)
			continue;
		r = ops->cmpxchg_gpa(ctx, path->gpa[level - 1], old, new,
				 mode->fmt->pte_size);
		/* Tables in ROM keep their A/D bits, as in KVM. */
		if (r == -EPERM)
			continue;
		if (r)
			return r;
		path->pte[level - 1] = new;
	}
	return 0;
}

static int gwalk_stop(const struct okvm_gwalk_mode *mode, enum gwalk_stop why,
		      int level, u32 perm, u32 access,
		      struct okvm_gwalk_result *res)
{
	res->level = level;
	gwalk_ops(mode->fmt)->fault(mode, why, perm, access, res);
	return 1;
}

static int gwalk_once(const struct okvm_gwalk_mode *mode, const u64 *pdptes,
		      const struct okvm_gwalk_mem_ops *ops, void *ctx,
		      u64 addr, u32 access, struct okvm_gwalk_result *res)
{
	const struct okvm_gwalk_fmt *fmt = mode->fmt;
	const struct gwalk_fmt_ops *fops = gwalk_ops(fmt);
	struct gwalk_path path;
	u32 perm = GWALK_PERM_ALL;
	int level = mode->levels;
	int top, r;
	u64 table, pte;
	bool leaf;

	addr &= GENMASK_ULL(mode->va_bits - 1, 0);

	if (pdptes) {
		/* PDPTEs grant no rights and have no A/D: just a pointer. */
		pte = pdptes[(addr >> 30) & 3];
		if (!(pte & fmt->present_mask))
			return gwalk_stop(mode, GWALK_NOT_PRESENT, level, perm,
					  access, res);
		table = pte & mode->table_mask;
		level--;
	} else {
		table = mode->root_table;
	}
	top = level;

	for (;; level--) {
		unsigned int shift = gwalk_shift(fmt, level);
		u64 index = (addr >> shift) & (BIT_ULL(fmt->index_bits) - 1);
		u64 gpa = table + index * fmt->pte_size;

		pte = gwalk_read_pte(fmt, ops, ctx, gpa);
		path.gpa[level - 1] = gpa;
		path.pte[level - 1] = pte;
		/* Before the present check: EPT reports the AND including it. */
		perm &= fmt->perm(mode, pte);

		if (!(pte & fmt->present_mask))
			return gwalk_stop(mode, GWALK_NOT_PRESENT, level, perm,
					  access, res);
		leaf = level == 1 ||
		       ((mode->huge_levels & BIT(level)) && (pte & fmt->ps_mask));
		if ((pte & mode->rsvd[leaf][level - 1]) ||
		    (fops->misconfig && fops->misconfig(mode, pte, leaf)))
			return gwalk_stop(mode, GWALK_RSVD, level, perm, access,
					  res);
		if (leaf)
			break;
		table = pte & mode->table_mask;
	}

	if (!fops->permits(mode, perm, access))
		return gwalk_stop(mode, GWALK_PERM, level, perm, access, res);

	if ((access & OKVM_GWALK_SET_AD) && mode->accessed_mask) {
		r = gwalk_update_ad(mode, ops, ctx, &path, top, level,
				    access & OKVM_GWALK_WRITE);
		if (r == -EAGAIN)
			return r;
		/* The table vanished from guest memory: fault as KVM does. */
		if (r)
			return gwalk_stop(mode, GWALK_NOT_PRESENT, level, perm,
					  access, res);
		pte = path.pte[level - 1];
	}

	res->level = level;
	res->page_size = BIT_ULL(gwalk_shift(fmt, level));
	res->gpa = fmt->leaf_frame(mode, pte, level) |
		   (addr & (res->page_size - 1));
	res->perm = perm;
	res->leaf_pte = pte;
	return 0;
}

/**
 * okvm_gwalk() - translate an address through the guest's page tables
 * @mode: the paging mode (okvm_gwalk_mode_from_regs/_from_eptp)
 * @ops: guest-memory accessors
 * @ctx: passed to @ops
 * @addr: linear address (guest-physical for EPT); bits above the mode's
 *	address width are ignored (canonical checks are the caller's)
 * @access: OKVM_GWALK_* flags
 * @res: result, always overwritten
 *
 * With OKVM_GWALK_SET_AD a successful walk sets A in every entry it used
 * and D in the leaf of a write, by cmpxchg in guest memory, restarting if
 * an entry changed underneath. KVM sets them on every software walk,
 * KVM_TRANSLATE included (a supervisor read: A only), so callers that
 * mirror KVM pass it; without it guest memory is only read.
 *
 * Return: 0 on success (@res->gpa, level, page_size, perm, leaf_pte);
 * 1 on a fault to report to the guest (@res->kind, error_code or
 * exit_qual, level); -EINVAL if PAE PDPTEs read by the walk itself have
 * reserved bits (the guest's CR3 load should have #GP'd) or @mode is
 * malformed; -EFAULT if they
 * are not in guest memory; -EAGAIN if entries kept changing for
 * OKVM_GWALK_MAX_RESTARTS walks (re-enter the guest and let it retry).
 */
int okvm_gwalk(const struct okvm_gwalk_mode *mode,
	       const struct okvm_gwalk_mem_ops *ops, void *ctx,
	       u64 addr, u32 access, struct okvm_gwalk_result *res)
{
	const u64 *pdptes = NULL;
	u64 pdpte_buf[4];
	int r;

	memset(res, 0, sizeof(*res));
	res->addr = addr;

	if (!mode->fmt) {
		res->gpa = addr;
		res->level = 1;
		res->page_size = BIT_ULL(GWALK_PAGE_SHIFT);
		res->perm = GWALK_PERM_ALL;
		return 0;
	}

	/* Modes come from the constructors; a hand-made one must fit too. */
	if (WARN_ON_ONCE(mode->levels < 2 ||
			 mode->levels > OKVM_GWALK_MAX_LEVELS ||
			 mode->va_bits < 32 || mode->va_bits > 64))
		return -EINVAL;

	if (gwalk_is_pae(mode)) {
		if (mode->pdptes_valid) {
			pdptes = mode->pdptes;
		} else {
			r = gwalk_read_pdptes(mode, ops, ctx, pdpte_buf);
			if (r)
				return r;
			pdptes = pdpte_buf;
		}
	}

	for (;;) {
		r = gwalk_once(mode, pdptes, ops, ctx, addr, access, res);
		if (r != -EAGAIN)
			return r;
		if (++res->restarts > OKVM_GWALK_MAX_RESTARTS)
			return -EAGAIN;
	}
}

/**
 * okvm_gwalk_translate() - what KVM_TRANSLATE reports for a linear address
 * @mode: the vCPU's current mode (okvm_gwalk_mode_from_regs())
 * @ops: guest memory
 * @ctx: passed to @ops
 * @la: struct kvm_translation.linear_address
 * @gpa: set to the physical address, or OKVM_GWALK_INVALID_GPA
 *
 * KVM walks as an explicit supervisor read (access 0: SMAP honours
 * EFLAGS.AC, user pages are readable) through its normal software walker,
 * which sets accessed bits; okvm does the same. KVM reports writeable = 1
 * and usermode = 0 whatever the entries say; the caller fills those.
 *
 * Return: true if @la translates (kvm_translation.valid).
 */
bool okvm_gwalk_translate(const struct okvm_gwalk_mode *mode,
			  const struct okvm_gwalk_mem_ops *ops, void *ctx,
			  u64 la, u64 *gpa)
{
	struct okvm_gwalk_result res;

	if (okvm_gwalk(mode, ops, ctx, la, OKVM_GWALK_SET_AD, &res)) {
		*gpa = OKVM_GWALK_INVALID_GPA;
		return false;
	}
	*gpa = res.gpa;
	return true;
}

/**
 * okvm_gwalk_read_virt() - read guest memory by linear address
 * @mode: the vCPU's mode
 * @ops: guest memory
 * @ctx: passed to @ops
 * @la: first byte's linear address
 * @buf: destination
 * @len: bytes to read; may cross pages, each page is walked on its own
 * @access: OKVM_GWALK_* flags for every walk, e.g. FETCH (| USER at CPL 3)
 *	| SET_AD to fetch the instruction behind an MMIO exit
 * @res: the last walk; on a fault, @res->addr is the address of the first
 *	byte that failed (the #PF's CR2)
 *
 * Return: 0 with @len bytes in @buf; 1 on a fault to inject (@res); or a
 * negative errno from okvm_gwalk(), or -EFAULT if a translated page is
 * not guest memory (MMIO). @buf is unspecified unless 0 is returned.
 */
int okvm_gwalk_read_virt(const struct okvm_gwalk_mode *mode,
			 const struct okvm_gwalk_mem_ops *ops, void *ctx,
			 u64 la, void *buf, unsigned int len, u32 access,
			 struct okvm_gwalk_result *res)
{
	u8 *dst = buf;
	int r;

	while (len) {
		u64 chunk;

		r = okvm_gwalk(mode, ops, ctx, la, access, res);
		if (r)
			return r;
		/* Stay inside the 4K page: the next one may map elsewhere. */
		chunk = BIT_ULL(GWALK_PAGE_SHIFT) -
			(la & (BIT_ULL(GWALK_PAGE_SHIFT) - 1));
		chunk = min_t(u64, chunk, len);
		r = ops->read(ctx, res->gpa, dst, chunk);
		if (r)
			return r;
		dst += chunk;
		len -= chunk;
		la += chunk;
		/* Legacy linear addresses wrap at 4G. */
		if (mode->fmt && mode->va_bits == 32)
			la &= GENMASK_ULL(31, 0);
	}
	return 0;
}
