// SPDX-License-Identifier: GPL-2.0-only
/*
 * Table-driven KUnit suites for the guest page-table walker, one per
 * format. Each case lists the entries of one walk (flags only: the builder
 * adds the address of the next table, or the case's frame in the leaf),
 * the access, and the outcome the architecture prescribes (SDM vol. 3
 * ch. 4 and 29, APM vol. 2 ch. 5), worked out by hand in the case's name
 * and comment, never taken from the walker's output.
 *
 * Every case is checked three ways: the walk as listed without A/D (guest
 * memory must not change), the same walk with OKVM_GWALK_SET_AD (same
 * outcome; on success A set in every entry used and D in the leaf of a
 * write, nothing else changed; on a fault nothing changed), and for PAE
 * once more with the PDPTEs preloaded.
 */
#include <kunit/test.h>
#include <linux/kernel.h>

#include "gwalk_test.h"

#define P	OKVM_PTE_P
#define RW	OKVM_PTE_RW
#define US	OKVM_PTE_US
#define PS	OKVM_PTE_PS
#define XD	OKVM_PTE_XD
#define PRU	(P | RW | US)

#define ER	OKVM_EPTE_R
#define EW	OKVM_EPTE_W
#define EX	OKVM_EPTE_X
#define ERWX	(ER | EW | EX)
#define EWB	(6ULL << OKVM_EPTE_MT_SHIFT)	/* leaf memory type WB */
#define EPS	OKVM_EPTE_PS

#define WR	OKVM_GWALK_WRITE
#define USR	OKVM_GWALK_USER
#define FE	OKVM_GWALK_FETCH
#define IMP	OKVM_GWALK_IMPLICIT

#define PFE_P	OKVM_PFERR_PRESENT
#define PFE_W	OKVM_PFERR_WRITE
#define PFE_U	OKVM_PFERR_USER
#define PFE_R	OKVM_PFERR_RSVD
#define PFE_I	OKVM_PFERR_FETCH

#define Q_R	OKVM_EPT_VIOL_ACC_READ
#define Q_W	OKVM_EPT_VIOL_ACC_WRITE
#define Q_I	OKVM_EPT_VIOL_ACC_INSTR
#define Q_RD	OKVM_EPT_VIOL_READABLE
#define Q_WR	OKVM_EPT_VIOL_WRITABLE
#define Q_EX	OKVM_EPT_VIOL_EXECUTABLE
#define Q_GV	OKVM_EPT_VIOL_GLA_VALID
#define Q_GX	OKVM_EPT_VIOL_GLA_XLATED

/* Mode configuration of a case. */
#define C_WP	BIT(0)
#define C_NX	BIT(1)
#define C_SMEP	BIT(2)
#define C_SMAP	BIT(3)
#define C_AC	BIT(4)
#define C_PSE	BIT(5)
#define C_1G	BIT(6)
#define C_LA57	BIT(7)
#define C_EAD	BIT(8)	/* EPTP.AD (and the capability) */
#define C_EXO	BIT(9)	/* EPT execute-only capability */

#define PM_R	OKVM_GWALK_PERM_R
#define PM_W	OKVM_GWALK_PERM_W
#define PM_U	OKVM_GWALK_PERM_U
#define PM_X	OKVM_GWALK_PERM_X

#define K_PF	OKVM_GWALK_PF
#define K_EV	OKVM_GWALK_EPT_VIOLATION
#define K_EM	OKVM_GWALK_EPT_MISCONFIG

struct gw_case {
	const char *name;
	u32 cfg;
	u8 maxpa;		/* 0: the suite's default */
	u64 va;
	u8 nent;		/* entries built, top level first */
	u64 ent[OKVM_GWALK_MAX_LEVELS];
	u64 frame;		/* OR'd into the last entry */
	u32 access;
	int ret;		/* okvm_gwalk(): 0, 1 (fault) or -errno */
	u64 code;		/* #PF error code or EPT qualification */
	u8 kind;
	u8 level;		/* leaf or faulting level */
	u64 gpa;
	u32 perm;		/* checked when non-zero */
};

static void gw_case_desc(const struct gw_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

static int gw_suite_init(struct kunit *test)
{
	test->priv = gw_mem_new(test);
	return 0;
}

static void gw_suite_exit(struct kunit *test)
{
	gw_mem_free(test->priv);
}

/*
 * Build the case's walk below @root (the top table, or PAE's PDPT) and
 * record where each entry lives.
 */
static void gw_build(struct kunit *test, struct gw_mem *m,
		     const struct gw_case *c, u64 root, int top, int pte_size,
		     int index_bits, u64 *ent_gpa)
{
	u64 table = root;
	int i;

	for (i = 0; i < c->nent; i++) {
		int level = top - i;
		u64 idx = (c->va >> (12 + index_bits * (level - 1))) &
			  ((1ULL << index_bits) - 1);
		u64 next = i + 1 < c->nent ? gw_alloc_page(test, m) : c->frame;

		/* PAE's PDPT holds four entries only. */
		if (pte_size == 8 && top == 3 && i == 0)
			idx &= 3;
		ent_gpa[i] = table + idx * pte_size;
		gw_set(m, ent_gpa[i], c->ent[i] | next, pte_size);
		table = next;
	}
}

static void gw_expect(struct kunit *test, const struct gw_case *c, int ret,
		      const struct okvm_gwalk_result *res, int index_bits,
		      const char *how)
{
	KUNIT_EXPECT_EQ_MSG(test, ret, c->ret, "%s", how);
	if (ret != c->ret || ret < 0)
		return;
	KUNIT_EXPECT_EQ_MSG(test, res->level, c->level, "%s", how);
	if (ret == 0) {
		KUNIT_EXPECT_EQ_MSG(test, res->gpa, c->gpa, "%s", how);
		/* 4K, then 4M (32-bit) or 2M, then 1G. */
		KUNIT_EXPECT_EQ_MSG(test, res->page_size,
				    1ULL << (12 + index_bits * (c->level - 1)),
				    "%s", how);
		if (c->perm)
			KUNIT_EXPECT_EQ_MSG(test, res->perm, c->perm, "%s", how);
		return;
	}
	KUNIT_EXPECT_EQ_MSG(test, (u8)res->kind, c->kind, "%s", how);
	if (res->kind == OKVM_GWALK_PF)
		KUNIT_EXPECT_EQ_MSG(test, (u64)res->error_code, c->code, "%s",
				    how);
	else
		KUNIT_EXPECT_EQ_MSG(test, res->exit_qual, c->code, "%s", how);
}

/*
 * Walk @c in @mode three ways (see the file comment). @ad_bits is the
 * mode's (accessed, dirty) pair, zero when it has none; @first_ad is the
 * first entry that carries A/D (1 for PAE, whose PDPTE has none).
 */
static void gw_run(struct kunit *test, const struct gw_case *c,
		   struct okvm_gwalk_mode *mode, u64 root, int pte_size,
		   int index_bits, int first_ad)
{
	struct gw_mem *m = test->priv;
	struct okvm_gwalk_result res;
	u64 ent_gpa[OKVM_GWALK_MAX_LEVELS];
	u64 before[OKVM_GWALK_MAX_LEVELS];
	u8 *snap = m->snap;
	int i, ret;

	gw_build(test, m, c, root, mode->levels, pte_size, index_bits, ent_gpa);
	for (i = 0; i < c->nent; i++)
		before[i] = gw_get(m, ent_gpa[i], pte_size);
	memcpy(snap, m->buf, GW_MEM_SIZE);

	ret = okvm_gwalk(mode, &gw_ops, m, c->va, c->access, &res);
	gw_expect(test, c, ret, &res, index_bits, "no A/D");
	KUNIT_EXPECT_EQ_MSG(test, memcmp(snap, m->buf, GW_MEM_SIZE), 0,
			    "walk without SET_AD wrote guest memory");

	ret = okvm_gwalk(mode, &gw_ops, m, c->va,
			 c->access | OKVM_GWALK_SET_AD, &res);
	gw_expect(test, c, ret, &res, index_bits, "SET_AD");
	for (i = 0; i < c->nent; i++) {
		u64 want = before[i];

		if (ret == 0 && i >= first_ad) {
			want |= mode->accessed_mask;
			if (i == c->nent - 1 && (c->access & WR))
				want |= mode->dirty_mask;
		}
		KUNIT_EXPECT_EQ_MSG(test, gw_get(m, ent_gpa[i], pte_size), want,
				    "entry %d after SET_AD", i);
		gw_set(m, ent_gpa[i], before[i], pte_size);
	}
	KUNIT_EXPECT_EQ_MSG(test, memcmp(snap, m->buf, GW_MEM_SIZE), 0,
			    "SET_AD wrote outside the entries walked");
}

/* --- 32-bit ------------------------------------------------------------ */

#define VA32	0x08049abcULL	/* PDE 0x20, PTE 0x49, offset 0xabc */
#define D32	(C_WP | C_PSE)

static const struct gw_case gw32_cases[] = {
	{ "4k user read", D32, 0, VA32, 2, { PRU, PRU }, 0x01234000, USR,
	  0, 0, 0, 1, 0x01234abc, PM_R | PM_W | PM_U | PM_X },
	{ "4k supervisor write to RO pte, WP=1", D32, 0, VA32, 2,
	  { PRU, P | US }, 0x01234000, WR, 1, PFE_P | PFE_W, K_PF, 1 },
	{ "4k supervisor write to RO pte, WP=0", C_PSE, 0, VA32, 2,
	  { PRU, P | US }, 0x01234000, WR, 0, 0, 0, 1, 0x01234abc,
	  PM_R | PM_U | PM_X },
	{ "4k supervisor write to RO pde, WP=1", D32, 0, VA32, 2,
	  { P | US, PRU }, 0x01234000, WR, 1, PFE_P | PFE_W, K_PF, 1 },
	{ "4k user write to RO pte, WP=0", C_PSE, 0, VA32, 2,
	  { PRU, P | US }, 0x01234000, WR | USR, 1, PFE_P | PFE_W | PFE_U,
	  K_PF, 1 },
	{ "4k user read of supervisor pde", D32, 0, VA32, 2,
	  { P | RW, PRU }, 0x01234000, USR, 1, PFE_P | PFE_U, K_PF, 1 },
	{ "4k user read of supervisor pte", D32, 0, VA32, 2,
	  { PRU, P | RW }, 0x01234000, USR, 1, PFE_P | PFE_U, K_PF, 1 },
	{ "pde not present, user write", D32, 0, VA32, 1, { RW | US },
	  0x01234000, WR | USR, 1, PFE_W | PFE_U, K_PF, 2 },
	{ "pte not present, supervisor read", D32, 0, VA32, 2, { PRU, 0 },
	  0x01234000, 0, 1, 0, K_PF, 1 },
	{ "pte not present, fetch without NX/SMEP has no I/D", D32, 0, VA32,
	  2, { PRU, 0 }, 0x01234000, FE, 1, 0, K_PF, 1 },
	{ "pte not present, fetch with NXE reports I/D", D32 | C_NX, 0, VA32,
	  2, { PRU, 0 }, 0x01234000, FE, 1, PFE_I, K_PF, 1 },
	{ "4M page", D32, 0, VA32, 1, { PRU | PS }, 0x0c400000, USR | WR,
	  0, 0, 0, 2, 0x0c449abc },
	{ "4M page, PSE-36 address bits 35:32", D32, 36, VA32, 1,
	  { PRU | PS | (0x5ULL << 13) }, 0x0c400000, 0, 0, 0, 0, 2,
	  0x50c449abcULL },
	{ "4M page, bit 17 reserved at MAXPHYADDR 36", D32, 36, VA32, 1,
	  { PRU | PS | BIT_ULL(17) }, 0x0c400000, 0, 1, PFE_P | PFE_R, K_PF,
	  2 },
	{ "4M page, bit 17 is PA bit 36 at MAXPHYADDR 40", D32, 40, VA32, 1,
	  { PRU | PS | BIT_ULL(17) }, 0x0c400000, 0, 0, 0, 0, 2,
	  0x100c449abcULL },
	{ "4M page, PAT bit 12 is not address", D32, 36, VA32, 1,
	  { PRU | PS | BIT_ULL(12) }, 0x0c400000, 0, 0, 0, 0, 2, 0x0c449abc },
	{ "4M page, bit 21 always reserved", D32, 40, VA32, 1,
	  { PRU | PS | BIT_ULL(21) }, 0x0c400000, USR, 1,
	  PFE_P | PFE_R | PFE_U, K_PF, 2 },
	{ "PS ignored without CR4.PSE", C_WP, 0, VA32, 2, { PRU | PS, PRU },
	  0x01234000, 0, 0, 0, 0, 1, 0x01234abc },
	{ "4k pte PAT/G/avail bits are not reserved", D32, 0, VA32, 2,
	  { PRU | GENMASK_ULL(11, 8), PRU | GENMASK_ULL(11, 7) }, 0x01234000,
	  0, 0, 0, 0, 1, 0x01234abc },
	{ "NXE has no XD bit to honour in 32-bit entries", D32 | C_NX, 0,
	  VA32, 2, { PRU, PRU }, 0x01234000, FE | USR, 0, 0, 0, 1,
	  0x01234abc },
	{ "SMEP: supervisor fetch from user page", D32 | C_SMEP, 0, VA32, 2,
	  { PRU, PRU }, 0x01234000, FE, 1, PFE_P | PFE_I, K_PF, 1 },
	{ "SMEP: supervisor fetch from supervisor page", D32 | C_SMEP, 0,
	  VA32, 2, { PRU, P | RW }, 0x01234000, FE, 0, 0, 0, 1,
	  0x01234abc },
	{ "SMEP: user fetch from user page", D32 | C_SMEP, 0, VA32, 2,
	  { PRU, PRU }, 0x01234000, FE | USR, 0, 0, 0, 1, 0x01234abc },
	{ "SMAP: supervisor read of user page, AC=0", D32 | C_SMAP, 0, VA32,
	  2, { PRU, PRU }, 0x01234000, 0, 1, PFE_P, K_PF, 1 },
	{ "SMAP: supervisor read of user page, AC=1", D32 | C_SMAP | C_AC, 0,
	  VA32, 2, { PRU, PRU }, 0x01234000, 0, 0, 0, 0, 1, 0x01234abc },
	{ "SMAP: implicit read of user page, AC=1", D32 | C_SMAP | C_AC, 0,
	  VA32, 2, { PRU, PRU }, 0x01234000, IMP, 1, PFE_P, K_PF, 1 },
	{ "SMAP: implicit write of user page, AC=1", D32 | C_SMAP | C_AC, 0,
	  VA32, 2, { PRU, PRU }, 0x01234000, IMP | WR, 1, PFE_P | PFE_W,
	  K_PF, 1 },
	{ "SMAP: AC=1, WP=0 write to RO user page", C_PSE | C_SMAP | C_AC, 0,
	  VA32, 2, { PRU, P | US }, 0x01234000, WR, 0, 0, 0, 1, 0x01234abc },
	{ "SMAP: AC=1, WP=1 write to RO user page", D32 | C_SMAP | C_AC, 0,
	  VA32, 2, { PRU, P | US }, 0x01234000, WR, 1, PFE_P | PFE_W, K_PF,
	  1 },
	{ "SMAP: supervisor read of supervisor page", D32 | C_SMAP, 0, VA32,
	  2, { PRU, P }, 0x01234000, IMP, 0, 0, 0, 1, 0x01234abc },
	{ "SMAP: user read of user page unaffected", D32 | C_SMAP, 0, VA32,
	  2, { PRU, PRU }, 0x01234000, USR, 0, 0, 0, 1, 0x01234abc },
	{ "va bits above 31 ignored", D32, 0, 0xabcd00000000ULL | VA32, 2,
	  { PRU, PRU }, 0x01234000, 0, 0, 0, 0, 1, 0x01234abc },
};

KUNIT_ARRAY_PARAM(gw32, gw32_cases, gw_case_desc);

static void gw_regs(const struct gw_case *c, struct okvm_gwalk_regs *regs,
		    u8 def_pa)
{
	memset(regs, 0, sizeof(*regs));
	regs->cr0 = OKVM_CR0_PG | ((c->cfg & C_WP) ? OKVM_CR0_WP : 0);
	if (c->cfg & C_PSE)
		regs->cr4 |= OKVM_CR4_PSE;
	if (c->cfg & C_SMEP)
		regs->cr4 |= OKVM_CR4_SMEP;
	if (c->cfg & C_SMAP)
		regs->cr4 |= OKVM_CR4_SMAP;
	if (c->cfg & C_LA57)
		regs->cr4 |= OKVM_CR4_LA57;
	if (c->cfg & C_NX)
		regs->efer |= OKVM_EFER_NXE;
	if (c->cfg & C_AC)
		regs->rflags |= OKVM_RFLAGS_AC;
	regs->gbpages = c->cfg & C_1G;
	regs->maxphyaddr = c->maxpa ? c->maxpa : def_pa;
}

static void gw32_test(struct kunit *test)
{
	const struct gw_case *c = test->param_value;
	struct gw_mem *m = test->priv;
	struct okvm_gwalk_regs regs;
	struct okvm_gwalk_mode mode;
	u64 root = gw_alloc_page(test, m);

	gw_regs(c, &regs, 36);
	/* PCD/PWT and ignored low bits of CR3 must not move the root. */
	regs.cr3 = root | 0x18 | 0x7;
	KUNIT_ASSERT_EQ(test, okvm_gwalk_mode_from_regs(&mode, &regs), 0);
	KUNIT_ASSERT_EQ(test, mode.levels, 2);
	gw_run(test, c, &mode, root, 4, 10, 0);
}

/* 32-bit entries are 4 bytes: A/D must be written with a 4-byte cmpxchg. */
static void gw32_ad_width(struct kunit *test)
{
	struct gw_mem *m = test->priv;
	struct okvm_gwalk_regs regs = {
		.cr0 = OKVM_CR0_PG | OKVM_CR0_WP, .maxphyaddr = 36,
	};
	struct okvm_gwalk_mode mode;
	struct okvm_gwalk_result res;
	u64 pd = gw_alloc_page(test, m), pt = gw_alloc_page(test, m);

	regs.cr3 = pd;
	KUNIT_ASSERT_EQ(test, okvm_gwalk_mode_from_regs(&mode, &regs), 0);
	/* Neighbours of both entries hold all-ones to catch wide writes. */
	gw_set(m, pd + 0x20 * 4, pt | PRU, 4);
	gw_set(m, pd + 0x21 * 4, 0xffffffff, 4);
	gw_set(m, pt + 0x49 * 4, 0x01234000 | PRU, 4);
	gw_set(m, pt + 0x4a * 4, 0xffffffff, 4);
	KUNIT_ASSERT_EQ(test, okvm_gwalk(&mode, &gw_ops, m, VA32,
					 WR | OKVM_GWALK_SET_AD, &res), 0);
	KUNIT_EXPECT_EQ(test, gw_get(m, pd + 0x20 * 4, 4), pt | PRU | OKVM_PTE_A);
	KUNIT_EXPECT_EQ(test, gw_get(m, pd + 0x21 * 4, 4), 0xffffffffULL);
	KUNIT_EXPECT_EQ(test, gw_get(m, pt + 0x49 * 4, 4),
			0x01234000 | PRU | OKVM_PTE_A | OKVM_PTE_D);
	KUNIT_EXPECT_EQ(test, gw_get(m, pt + 0x4a * 4, 4), 0xffffffffULL);
	KUNIT_EXPECT_EQ(test, res.leaf_pte,
			0x01234000 | PRU | OKVM_PTE_A | OKVM_PTE_D);
}

/* 32-bit linear addresses wrap from 0xffffffff to 0. */
static void gw32_read_virt_wraps(struct kunit *test)
{
	struct gw_mem *m = test->priv;
	struct okvm_gwalk_regs regs = {
		.cr0 = OKVM_CR0_PG, .maxphyaddr = 36,
	};
	struct okvm_gwalk_mode mode;
	struct okvm_gwalk_result res;
	u64 pd = gw_alloc_page(test, m), pt_hi = gw_alloc_page(test, m);
	u64 pt_lo = gw_alloc_page(test, m);
	u64 frame_hi = 50 * GW_PAGE, frame_lo = 60 * GW_PAGE;
	u8 got[8];

	regs.cr3 = pd;
	KUNIT_ASSERT_EQ(test, okvm_gwalk_mode_from_regs(&mode, &regs), 0);
	gw_set(m, pd + 0x3ff * 4, pt_hi | PRU, 4);
	gw_set(m, pt_hi + 0x3ff * 4, frame_hi | PRU, 4);
	gw_set(m, pd, pt_lo | PRU, 4);
	gw_set(m, pt_lo, frame_lo | PRU, 4);
	memset(m->buf + frame_hi + 0xffc, 0x11, 4);
	memset(m->buf + frame_lo, 0x22, 4);
	KUNIT_ASSERT_EQ(test, okvm_gwalk_read_virt(&mode, &gw_ops, m,
				0xfffffffcULL, got, 8, 0, &res), 0);
	KUNIT_EXPECT_EQ(test, got[3], 0x11);
	KUNIT_EXPECT_EQ(test, got[4], 0x22);
}

static struct kunit_case gw32_test_cases[] = {
	KUNIT_CASE_PARAM(gw32_test, gw32_gen_params),
	KUNIT_CASE(gw32_ad_width),
	KUNIT_CASE(gw32_read_virt_wraps),
	{}
};

static struct kunit_suite gw32_suite = {
	.name = "okvm_gwalk_32bit",
	.init = gw_suite_init,
	.exit = gw_suite_exit,
	.test_cases = gw32_test_cases,
};

/* --- PAE --------------------------------------------------------------- */

#define VAPAE	0xc0a01234ULL	/* PDPTE 3, PDE 0x005, PTE 0x001, off 0x234 */
#define DPAE	(C_WP | C_NX)
#define PDPT_OFF 0x40		/* the PDPT is only 32-byte aligned */

static const struct gw_case gwpae_cases[] = {
	{ "4k user write", DPAE, 0, VAPAE, 3, { P, PRU, PRU }, 0x12345000,
	  USR | WR, 0, 0, 0, 1, 0x12345234, PM_R | PM_W | PM_U | PM_X },
	{ "2M page", DPAE, 0, VAPAE, 2, { P, PRU | PS }, 0x40000000, USR,
	  0, 0, 0, 2, 0x40001234 },
	{ "2M page above 4G", DPAE, 0, VAPAE, 2, { P, PRU | PS },
	  0x123400000ULL, 0, 0, 0, 0, 2, 0x123401234ULL },
	{ "2M page, PAT bit 12 is not address", DPAE, 0, VAPAE, 2,
	  { P, PRU | PS | BIT_ULL(12) }, 0x40000000, 0, 0, 0, 0, 2,
	  0x40001234 },
	{ "2M page, bit 13 reserved", DPAE, 0, VAPAE, 2,
	  { P, PRU | PS | BIT_ULL(13) }, 0x40000000, 0, 1, PFE_P | PFE_R,
	  K_PF, 2 },
	{ "4k page above 4G", DPAE, 0, VAPAE, 3, { P, PRU, PRU },
	  0xff12345000ULL, 0, 0, 0, 0, 1, 0xff12345234ULL },
	{ "pdpte not present", DPAE, 0, VAPAE, 1, { 0 }, 0, USR | WR, 1,
	  PFE_W | PFE_U, K_PF, 3 },
	{ "pde not present", DPAE, 0, VAPAE, 2, { P, RW }, 0, 0, 1, 0, K_PF,
	  2 },
	{ "pdpte with R/W bit is reserved, GP at CR3 load", DPAE, 0, VAPAE,
	  3, { P | RW, PRU, PRU }, 0x12345000, 0, -EINVAL },
	{ "pdpte bit 63 reserved even with NXE", DPAE, 0, VAPAE, 3,
	  { P | XD, PRU, PRU }, 0x12345000, 0, -EINVAL },
	{ "XD page, user fetch", DPAE, 0, VAPAE, 3, { P, PRU, PRU | XD },
	  0x12345000, USR | FE, 1, PFE_P | PFE_U | PFE_I, K_PF, 1 },
	{ "XD pde, supervisor fetch", DPAE, 0, VAPAE, 3, { P, PRU | XD, PRU },
	  0x12345000, FE, 1, PFE_P | PFE_I, K_PF, 1 },
	{ "XD page, read is fine", DPAE, 0, VAPAE, 3, { P, PRU, PRU | XD },
	  0x12345000, USR, 0, 0, 0, 1, 0x12345234, PM_R | PM_W | PM_U },
	{ "XD without NXE is reserved", C_WP, 0, VAPAE, 3,
	  { P, PRU, PRU | XD }, 0x12345000, 0, 1, PFE_P | PFE_R, K_PF, 1 },
	{ "bit 52 reserved in PAE (62:M)", DPAE, 0, VAPAE, 3,
	  { P, PRU, PRU | BIT_ULL(52) }, 0x12345000, 0, 1, PFE_P | PFE_R,
	  K_PF, 1 },
	{ "bit M (40) reserved in pde", DPAE, 40, VAPAE, 3,
	  { P, PRU | BIT_ULL(40), PRU }, 0x12345000, WR, 1,
	  PFE_P | PFE_W | PFE_R, K_PF, 2 },
	{ "bit 39 usable below M", DPAE, 40, VAPAE, 2, { P, PRU | PS },
	  BIT_ULL(39), 0, 0, 0, 0, 2, BIT_ULL(39) | 0x1234 },
	{ "supervisor write, RO pde, WP=1", DPAE, 0, VAPAE, 3,
	  { P, P | US, PRU }, 0x12345000, WR, 1, PFE_P | PFE_W, K_PF, 1 },
	{ "user write, RW pde, RO pte", DPAE, 0, VAPAE, 3,
	  { P, PRU, P | US }, 0x12345000, WR | USR, 1, PFE_P | PFE_W | PFE_U,
	  K_PF, 1 },
	{ "SMEP fetch of user 2M page", DPAE | C_SMEP, 0, VAPAE, 2,
	  { P, PRU | PS }, 0x40000000, FE, 1, PFE_P | PFE_I, K_PF, 2 },
};

KUNIT_ARRAY_PARAM(gwpae, gwpae_cases, gw_case_desc);

static void gwpae_mode(struct kunit *test, const struct gw_case *c, u64 cr3,
		       struct okvm_gwalk_mode *mode)
{
	struct okvm_gwalk_regs regs;

	gw_regs(c, &regs, 40);
	regs.cr4 |= OKVM_CR4_PAE;
	regs.cr3 = cr3;
	KUNIT_ASSERT_EQ(test, okvm_gwalk_mode_from_regs(mode, &regs), 0);
	KUNIT_ASSERT_EQ(test, mode->levels, 3);
}

static void gwpae_test(struct kunit *test)
{
	const struct gw_case *c = test->param_value;
	struct gw_mem *m = test->priv;
	struct okvm_gwalk_mode mode;
	struct okvm_gwalk_result res;
	u64 pdpt = gw_alloc_page(test, m) + PDPT_OFF;
	int r;

	gwpae_mode(test, c, pdpt, &mode);
	gw_run(test, c, &mode, pdpt, 8, 9, 1);

	/* Again with the PDPTEs loaded as at CR3 load. */
	r = okvm_gwalk_load_pdptes(&mode, &gw_ops, m);
	if (c->ret == -EINVAL) {
		KUNIT_EXPECT_EQ(test, r, -EINVAL);
		KUNIT_EXPECT_FALSE(test, mode.pdptes_valid);
		return;
	}
	KUNIT_ASSERT_EQ(test, r, 0);
	KUNIT_EXPECT_EQ(test, okvm_gwalk(&mode, &gw_ops, m, c->va, c->access,
					 &res), c->ret);
	gw_expect(test, c, c->ret, &res, 9, "cached PDPTEs");
}

/*
 * Seed 002: two PAE roots in one page, 32 bytes apart and further, map the
 * same address to different pages; neither walk may see the other's PDPTEs.
 */
static void gwpae_roots_share_page(struct kunit *test)
{
	static const unsigned int offs[] = { 0x00, 0x20, 0x60, 0xfe0 };
	struct gw_mem *m = test->priv;
	u64 page = gw_alloc_page(test, m);
	struct okvm_gwalk_mode mode[ARRAY_SIZE(offs)];
	struct okvm_gwalk_result res;
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		struct gw_case c = { .cfg = DPAE, .va = VAPAE, .nent = 3,
			.ent = { P, PRU, PRU }, .frame = (0x100ULL + i) << 12 };
		u64 ent_gpa[3];

		gwpae_mode(test, &c, page + offs[i], &mode[i]);
		gw_build(test, m, &c, page + offs[i], 3, 8, 9, ent_gpa);
	}
	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		KUNIT_ASSERT_EQ(test, okvm_gwalk(&mode[i], &gw_ops, m, VAPAE, 0,
						 &res), 0);
		KUNIT_EXPECT_EQ(test, res.gpa, ((0x100ULL + i) << 12) | 0x234);
		KUNIT_ASSERT_EQ(test, okvm_gwalk_load_pdptes(&mode[i], &gw_ops,
							     m), 0);
	}
	/* Cached copies stay distinct too, whatever order they were loaded. */
	for (j = 0; j < 2; j++)
		for (i = 0; i < ARRAY_SIZE(offs); i++) {
			KUNIT_ASSERT_EQ(test, okvm_gwalk(&mode[i], &gw_ops, m,
							 VAPAE, USR, &res), 0);
			KUNIT_EXPECT_EQ(test, res.gpa,
					((0x100ULL + i) << 12) | 0x234);
		}
	/* The PDPTE of a root at offset 0x20 is its fourth entry at 0x38. */
	KUNIT_EXPECT_EQ(test, mode[1].pdptes[3],
			gw_get(m, page + 0x20 + 3 * 8, 8));
	KUNIT_EXPECT_NE(test, mode[1].pdptes[3], mode[0].pdptes[3]);
}

/*
 * The CPU reads PDPTEs at CR3 load only: a loaded mode keeps translating
 * with the old PDPTE after the guest rewrites it; a mode without the cache
 * rereads memory on each walk.
 */
static void gwpae_pdpte_cache(struct kunit *test)
{
	struct gw_mem *m = test->priv;
	struct gw_case c = { .cfg = DPAE, .va = VAPAE, .nent = 3,
			     .ent = { P, PRU, PRU }, .frame = 0x12345000 };
	struct okvm_gwalk_mode cached, live;
	struct okvm_gwalk_result res;
	u64 pdpt = gw_alloc_page(test, m) + 0x20, ent_gpa[3], saved;

	gwpae_mode(test, &c, pdpt, &cached);
	gw_build(test, m, &c, pdpt, 3, 8, 9, ent_gpa);
	live = cached;
	KUNIT_ASSERT_EQ(test, okvm_gwalk_load_pdptes(&cached, &gw_ops, m), 0);
	KUNIT_EXPECT_TRUE(test, cached.pdptes_valid);

	saved = gw_get(m, ent_gpa[0], 8);
	gw_set(m, ent_gpa[0], 0, 8);
	KUNIT_EXPECT_EQ(test, okvm_gwalk(&cached, &gw_ops, m, VAPAE, 0, &res),
			0);
	KUNIT_EXPECT_EQ(test, res.gpa, 0x12345234ULL);
	KUNIT_EXPECT_EQ(test, okvm_gwalk(&live, &gw_ops, m, VAPAE, 0, &res), 1);
	KUNIT_EXPECT_EQ(test, res.error_code, 0U);
	KUNIT_EXPECT_EQ(test, res.level, 3);

	/* A failed reload leaves the old cache in place. */
	gw_set(m, ent_gpa[0], saved | RW, 8);
	KUNIT_EXPECT_EQ(test, okvm_gwalk_load_pdptes(&cached, &gw_ops, m),
			-EINVAL);
	KUNIT_EXPECT_TRUE(test, cached.pdptes_valid);
	KUNIT_EXPECT_EQ(test, cached.pdptes[3], saved);
	KUNIT_EXPECT_EQ(test, okvm_gwalk(&live, &gw_ops, m, VAPAE, 0, &res),
			-EINVAL);

	/* PDPTEs outside guest memory. */
	live.root = 0xfffff000;
	live.pdptes_valid = false;
	KUNIT_EXPECT_EQ(test, okvm_gwalk(&live, &gw_ops, m, VAPAE, 0, &res),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, okvm_gwalk_load_pdptes(&live, &gw_ops, m),
			-EFAULT);
}

static void gwpae_load_needs_pae(struct kunit *test)
{
	struct okvm_gwalk_regs regs = {
		.cr0 = OKVM_CR0_PG, .cr3 = 0x1000, .maxphyaddr = 36,
	};
	struct okvm_gwalk_mode mode;

	KUNIT_ASSERT_EQ(test, okvm_gwalk_mode_from_regs(&mode, &regs), 0);
	KUNIT_EXPECT_EQ(test, okvm_gwalk_load_pdptes(&mode, &gw_ops,
						     test->priv), -EINVAL);
}

static struct kunit_case gwpae_test_cases[] = {
	KUNIT_CASE_PARAM(gwpae_test, gwpae_gen_params),
	KUNIT_CASE(gwpae_roots_share_page),
	KUNIT_CASE(gwpae_pdpte_cache),
	KUNIT_CASE(gwpae_load_needs_pae),
	{}
};

static struct kunit_suite gwpae_suite = {
	.name = "okvm_gwalk_pae",
	.init = gw_suite_init,
	.exit = gw_suite_exit,
	.test_cases = gwpae_test_cases,
};

/* --- 64-bit ------------------------------------------------------------ */

/* PML4 0x0fe, PDPT 0x048, PD 0x1a2, PT 0x167, offset 0x89a */
#define VA64	0x00007f123456789aULL
#define VA57	0x01abcdef12345678ULL	/* offset 0x678 */
#define D64	(C_WP | C_NX | C_1G)

static const struct gw_case gw64_cases[] = {
	{ "4k user write", D64, 0, VA64, 4, { PRU, PRU, PRU, PRU },
	  0x123456000ULL, USR | WR, 0, 0, 0, 1, 0x12345689aULL,
	  PM_R | PM_W | PM_U | PM_X },
	{ "2M page", D64, 0, VA64, 3, { PRU, PRU, PRU | PS }, 0x80000000ULL,
	  0, 0, 0, 0, 2, 0x8016789aULL },
	{ "1G page", D64, 0, VA64, 2, { PRU, PRU | PS }, 0x4000000000ULL,
	  USR, 0, 0, 0, 3, 0x403456789aULL },
	{ "1G page without PDPE1GB is reserved", C_WP | C_NX, 0, VA64, 2,
	  { PRU, PRU | PS }, 0x4000000000ULL, USR, 1, PFE_P | PFE_U | PFE_R,
	  K_PF, 3 },
	{ "1G page, bit 13 reserved", D64, 0, VA64, 2,
	  { PRU, PRU | PS | BIT_ULL(13) }, 0x4000000000ULL, 0, 1,
	  PFE_P | PFE_R, K_PF, 3 },
	{ "1G page, bit 29 reserved", D64, 0, VA64, 2,
	  { PRU, PRU | PS | BIT_ULL(29) }, 0x4000000000ULL, 0, 1,
	  PFE_P | PFE_R, K_PF, 3 },
	{ "2M page, bit 20 reserved", D64, 0, VA64, 3,
	  { PRU, PRU, PRU | PS | BIT_ULL(20) }, 0x80000000ULL, 0, 1,
	  PFE_P | PFE_R, K_PF, 2 },
	{ "PS in PML4E is reserved", D64, 0, VA64, 4,
	  { PRU | PS, PRU, PRU, PRU }, 0x123456000ULL, 0, 1, PFE_P | PFE_R,
	  K_PF, 4 },
	{ "bit 51 reserved at MAXPHYADDR 46", D64, 0, VA64, 4,
	  { PRU, PRU, PRU, PRU | BIT_ULL(51) }, 0x123456000ULL, 0, 1,
	  PFE_P | PFE_R, K_PF, 1 },
	{ "bit 46 reserved in PDPTE at MAXPHYADDR 46", D64, 0, VA64, 4,
	  { PRU, PRU | BIT_ULL(46), PRU, PRU }, 0x123456000ULL, 0, 1,
	  PFE_P | PFE_R, K_PF, 3 },
	{ "bits 62:52 ignored in long mode", D64, 0, VA64, 4,
	  { PRU | BIT_ULL(52), PRU, PRU, PRU | GENMASK_ULL(62, 52) },
	  0x123456000ULL, 0, 0, 0, 0, 1, 0x12345689aULL },
	{ "bit 45 is address at MAXPHYADDR 46", D64, 0, VA64, 3,
	  { PRU, PRU, PRU | PS }, BIT_ULL(45), 0, 0, 0, 0, 2,
	  BIT_ULL(45) | 0x16789a },
	{ "XD without NXE is reserved", C_WP | C_1G, 0, VA64, 4,
	  { PRU | XD, PRU, PRU, PRU }, 0x123456000ULL, 0, 1, PFE_P | PFE_R,
	  K_PF, 4 },
	{ "XD in PML4E, supervisor fetch", D64, 0, VA64, 4,
	  { PRU | XD, PRU, PRU, PRU }, 0x123456000ULL, FE, 1, PFE_P | PFE_I,
	  K_PF, 1 },
	{ "XD in PML4E, read succeeds without X", D64, 0, VA64, 4,
	  { PRU | XD, PRU, PRU, PRU }, 0x123456000ULL, 0, 0, 0, 0, 1,
	  0x12345689aULL, PM_R | PM_W | PM_U },
	{ "user read, PDPTE supervisor", D64, 0, VA64, 4,
	  { PRU, P | RW, PRU, PRU }, 0x123456000ULL, USR, 1, PFE_P | PFE_U,
	  K_PF, 1 },
	{ "user write, RO PML4E, WP=0", C_NX | C_1G, 0, VA64, 4,
	  { P | US, PRU, PRU, PRU }, 0x123456000ULL, USR | WR, 1,
	  PFE_P | PFE_U | PFE_W, K_PF, 1 },
	{ "supervisor write, RO PML4E, WP=0", C_NX | C_1G, 0, VA64, 4,
	  { P | US, PRU, PRU, PRU }, 0x123456000ULL, WR, 0, 0, 0, 1,
	  0x12345689aULL, PM_R | PM_U | PM_X },
	{ "supervisor write, RO 1G page, WP=1", D64, 0, VA64, 2,
	  { PRU, P | PS }, 0x4000000000ULL, WR, 1, PFE_P | PFE_W, K_PF, 3 },
	{ "SMEP: supervisor fetch of user 1G page", D64 | C_SMEP, 0, VA64, 2,
	  { PRU, PRU | PS }, 0x4000000000ULL, FE, 1, PFE_P | PFE_I, K_PF, 3 },
	{ "SMEP: supervisor page below user PML4E", D64 | C_SMEP, 0, VA64, 4,
	  { PRU, PRU, PRU, P }, 0x123456000ULL, FE, 0, 0, 0, 1,
	  0x12345689aULL },
	{ "SMAP: supervisor write of user page, AC=0", D64 | C_SMAP, 0, VA64,
	  4, { PRU, PRU, PRU, PRU }, 0x123456000ULL, WR, 1, PFE_P | PFE_W,
	  K_PF, 1 },
	{ "SMAP: supervisor write of user page, AC=1", D64 | C_SMAP | C_AC,
	  0, VA64, 4, { PRU, PRU, PRU, PRU }, 0x123456000ULL, WR, 0, 0, 0,
	  1, 0x12345689aULL },
	{ "SMAP does not apply to fetches", D64 | C_SMAP, 0, VA64, 4,
	  { PRU, PRU, PRU, PRU }, 0x123456000ULL, FE, 0, 0, 0, 1,
	  0x12345689aULL },
	{ "PDPTE not present", D64, 0, VA64, 2, { PRU, RW | US }, 0,
	  FE | USR, 1, PFE_U | PFE_I, K_PF, 3 },
	{ "PML4E not present", D64, 0, VA64, 1, { 0 }, 0, WR, 1, PFE_W, K_PF,
	  4 },
	{ "reserved bit in a non-present entry is ignored", D64, 0, VA64, 2,
	  { PRU, BIT_ULL(51) | PS }, 0, 0, 1, 0, K_PF, 3 },
	{ "bits 63:48 of the address ignored at 4 levels", D64, 0, VA64,
	  4, { PRU, PRU, PRU, PRU }, 0x123456000ULL, 0, 0, 0, 0, 1,
	  0x12345689aULL },
	{ "5-level 4k page", D64 | C_LA57, 0, VA57, 5,
	  { PRU, PRU, PRU, PRU, PRU }, 0x2000000000ULL, USR, 0, 0, 0, 1,
	  0x2000000678ULL },
	{ "5-level 1G page", D64 | C_LA57, 0, VA57, 3,
	  { PRU, PRU, PRU | PS }, 0x4000000000ULL, 0, 0, 0, 0, 3,
	  0x4012345678ULL },
	{ "5-level PML5E not present", D64 | C_LA57, 0, VA57, 1, { RW },
	  0, USR, 1, PFE_U, K_PF, 5 },
	{ "5-level PS in PML5E is reserved", D64 | C_LA57, 0, VA57, 5,
	  { PRU | PS, PRU, PRU, PRU, PRU }, 0x2000000000ULL, 0, 1,
	  PFE_P | PFE_R, K_PF, 5 },
};

KUNIT_ARRAY_PARAM(gw64, gw64_cases, gw_case_desc);

static void gw64_mode(struct kunit *test, const struct gw_case *c, u64 root,
		      struct okvm_gwalk_mode *mode)
{
	struct okvm_gwalk_regs regs;

	gw_regs(c, &regs, 46);
	regs.cr4 |= OKVM_CR4_PAE;
	regs.efer |= OKVM_EFER_LMA;
	/* PCID bits 11:0 and bit 63 are not part of the table address. */
	regs.cr3 = root | 0xabc | BIT_ULL(63);
	KUNIT_ASSERT_EQ(test, okvm_gwalk_mode_from_regs(mode, &regs), 0);
	KUNIT_ASSERT_EQ(test, mode->levels, (c->cfg & C_LA57) ? 5 : 4);
}

static void gw64_test(struct kunit *test)
{
	const struct gw_case *c = test->param_value;
	struct gw_mem *m = test->priv;
	struct okvm_gwalk_mode mode;
	u64 root = gw_alloc_page(test, m);
	struct gw_case cc = *c;

	gw64_mode(test, c, root, &mode);
	/* Upper address bits: the walker must ignore them. */
	if (strstr(c->name, "bits 63:48"))
		cc.va |= 0xffff000000000000ULL;
	gw_run(test, &cc, &mode, root, 8, 9, 0);
}

/* A 4-level A/D fixture: entries at known places for the tests below. */
struct gw64_fix {
	struct okvm_gwalk_mode mode;
	u64 ent_gpa[4];
};

static void gw64_fix_build(struct kunit *test, struct gw64_fix *f)
{
	static const struct gw_case c = {
		.cfg = D64, .va = VA64, .nent = 4,
		.ent = { PRU, PRU, PRU, PRU }, .frame = 0x123456000ULL,
	};
	struct gw_mem *m = test->priv;
	u64 root = gw_alloc_page(test, m);

	gw64_mode(test, &c, root, &f->mode);
	gw_build(test, m, &c, root, 4, 8, 9, f->ent_gpa);
}

/* A PDE changed under the A/D update: the walk restarts and sees it. */
static void gw64_ad_restart(struct kunit *test)
{
	struct gw_mem *m = test->priv;
	struct okvm_gwalk_result res;
	struct gw64_fix f;
	u64 pde;

	gw64_fix_build(test, &f);
	pde = gw_get(m, f.ent_gpa[2], 8);
	m->inj_gpa = f.ent_gpa[2];
	m->inj_size = 8;
	m->inj_set = BIT_ULL(9);	/* an ignored bit, as an OS would use */
	m->inj_left = 1;
	KUNIT_ASSERT_EQ(test, okvm_gwalk(&f.mode, &gw_ops, m, VA64,
					 WR | OKVM_GWALK_SET_AD, &res), 0);
	KUNIT_EXPECT_EQ(test, res.restarts, 1U);
	KUNIT_EXPECT_EQ(test, res.gpa, 0x12345689aULL);
	/* The PDE keeps the guest's change and gains A on the second walk. */
	KUNIT_EXPECT_EQ(test, gw_get(m, f.ent_gpa[2], 8),
			pde | BIT_ULL(9) | OKVM_PTE_A);
	KUNIT_EXPECT_EQ(test, gw_get(m, f.ent_gpa[3], 8),
			0x123456000ULL | PRU | OKVM_PTE_A | OKVM_PTE_D);
}

/* The guest unmapped the page while the walk ran: the restart faults. */
static void gw64_ad_restart_unmapped(struct kunit *test)
{
	struct gw_mem *m = test->priv;
	struct okvm_gwalk_result res;
	struct gw64_fix f;

	gw64_fix_build(test, &f);
	m->inj_gpa = f.ent_gpa[3];
	m->inj_size = 8;
	m->inj_clear = OKVM_PTE_P;
	m->inj_left = 1;
	KUNIT_ASSERT_EQ(test, okvm_gwalk(&f.mode, &gw_ops, m, VA64,
					 USR | OKVM_GWALK_SET_AD, &res), 1);
	KUNIT_EXPECT_EQ(test, res.restarts, 1U);
	KUNIT_EXPECT_EQ(test, res.error_code, (u32)PFE_U);
	KUNIT_EXPECT_EQ(test, res.level, 1);
	KUNIT_EXPECT_FALSE(test, gw_get(m, f.ent_gpa[3], 8) & OKVM_PTE_A);
}

/* An entry that never stops changing: give up with -EAGAIN, boundedly. */
static void gw64_ad_livelock(struct kunit *test)
{
	struct gw_mem *m = test->priv;
	struct okvm_gwalk_result res;
	struct gw64_fix f;

	gw64_fix_build(test, &f);
	m->inj_gpa = f.ent_gpa[0];
	m->inj_size = 8;
	m->inj_left = -1;
	KUNIT_EXPECT_EQ(test, okvm_gwalk(&f.mode, &gw_ops, m, VA64,
					 OKVM_GWALK_SET_AD, &res), -EAGAIN);
	KUNIT_EXPECT_EQ(test, m->cmpxchgs, OKVM_GWALK_MAX_RESTARTS + 1U);
}

/* Tables in ROM: the walk succeeds and leaves A/D alone (KVM does). */
static void gw64_ad_rom(struct kunit *test)
{
	struct gw_mem *m = test->priv;
	struct okvm_gwalk_result res;
	struct gw64_fix f;

	gw64_fix_build(test, &f);
	m->ro_lo = f.ent_gpa[1] & ~(GW_PAGE - 1);
	m->ro_hi = m->ro_lo + GW_PAGE;
	KUNIT_ASSERT_EQ(test, okvm_gwalk(&f.mode, &gw_ops, m, VA64,
					 WR | OKVM_GWALK_SET_AD, &res), 0);
	KUNIT_EXPECT_TRUE(test, gw_get(m, f.ent_gpa[0], 8) & OKVM_PTE_A);
	KUNIT_EXPECT_FALSE(test, gw_get(m, f.ent_gpa[1], 8) & OKVM_PTE_A);
	KUNIT_EXPECT_TRUE(test, gw_get(m, f.ent_gpa[3], 8) & OKVM_PTE_D);
}

/* A table outside guest memory reads as not present. */
static void gw64_table_outside_memory(struct kunit *test)
{
	struct gw_mem *m = test->priv;
	struct okvm_gwalk_result res;
	struct gw64_fix f;

	gw64_fix_build(test, &f);
	gw_set(m, f.ent_gpa[1], 0x200000000000ULL | PRU, 8);
	KUNIT_ASSERT_EQ(test, okvm_gwalk(&f.mode, &gw_ops, m, VA64, WR | USR,
					 &res), 1);
	KUNIT_EXPECT_EQ(test, res.error_code, (u32)(PFE_W | PFE_U));
	KUNIT_EXPECT_EQ(test, res.level, 2);
}

/* KVM_TRANSLATE: an explicit supervisor read that sets A, never D. */
static void gw64_translate(struct kunit *test)
{
	struct gw_mem *m = test->priv;
	struct gw64_fix f;
	u64 gpa;
	int i;

	gw64_fix_build(test, &f);
	KUNIT_EXPECT_TRUE(test, okvm_gwalk_translate(&f.mode, &gw_ops, m, VA64,
						     &gpa));
	KUNIT_EXPECT_EQ(test, gpa, 0x12345689aULL);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ(test, gw_get(m, f.ent_gpa[i], 8) &
				(OKVM_PTE_A | OKVM_PTE_D), OKVM_PTE_A);

	/* SMAP with AC clear hides user pages from it, as in KVM. */
	f.mode.smap = true;
	KUNIT_EXPECT_FALSE(test, okvm_gwalk_translate(&f.mode, &gw_ops, m,
						      VA64, &gpa));
	KUNIT_EXPECT_EQ(test, gpa, OKVM_GWALK_INVALID_GPA);
	f.mode.ac = true;
	KUNIT_EXPECT_TRUE(test, okvm_gwalk_translate(&f.mode, &gw_ops, m, VA64,
						     &gpa));

	gw_set(m, f.ent_gpa[3], 0, 8);
	KUNIT_EXPECT_FALSE(test, okvm_gwalk_translate(&f.mode, &gw_ops, m,
						      VA64, &gpa));
	KUNIT_EXPECT_EQ(test, gpa, OKVM_GWALK_INVALID_GPA);
}

/*
 * An instruction fetch that straddles two pages mapped to unrelated guest
 * pages, then a fault on the second page, then MMIO behind the first.
 */
static void gw64_read_virt(struct kunit *test)
{
	struct gw_mem *m = test->priv;
	struct okvm_gwalk_result res;
	u64 frame_a = 200 * GW_PAGE, frame_b = 100 * GW_PAGE;
	u64 la = (VA64 & ~0xfffULL) + 0xffa;
	u8 got[12], want[12];
	struct gw64_fix f;
	int i;

	gw64_fix_build(test, &f);
	gw_set(m, f.ent_gpa[3], frame_a | PRU, 8);
	gw_set(m, f.ent_gpa[3] + 8, frame_b | PRU, 8);
	for (i = 0; i < 12; i++) {
		want[i] = 0xa0 + i;
		m->buf[(i < 6 ? frame_a + 0xffa : frame_b - 6) + i] = want[i];
	}
	KUNIT_ASSERT_EQ(test, okvm_gwalk_read_virt(&f.mode, &gw_ops, m, la, got,
				sizeof(got), FE | USR | OKVM_GWALK_SET_AD, &res),
			0);
	KUNIT_EXPECT_EQ(test, memcmp(got, want, sizeof(got)), 0);
	KUNIT_EXPECT_TRUE(test, gw_get(m, f.ent_gpa[3] + 8, 8) & OKVM_PTE_A);

	/* Second page not executable: the fault names its first byte. */
	gw_set(m, f.ent_gpa[3] + 8, frame_b | PRU | XD, 8);
	KUNIT_ASSERT_EQ(test, okvm_gwalk_read_virt(&f.mode, &gw_ops, m, la, got,
				sizeof(got), FE | USR, &res), 1);
	KUNIT_EXPECT_EQ(test, res.addr, (VA64 & ~0xfffULL) + 0x1000);
	KUNIT_EXPECT_EQ(test, res.error_code,
			(u32)(PFE_P | PFE_U | PFE_I));

	/* The first page is not guest memory (MMIO): no bytes to fetch. */
	gw_set(m, f.ent_gpa[3], 0x200000000ULL | PRU, 8);
	KUNIT_EXPECT_EQ(test, okvm_gwalk_read_virt(&f.mode, &gw_ops, m, la, got,
				sizeof(got), FE, &res), -EFAULT);
}

/* Mode selection from the control registers. */
static void gw_mode_from_regs(struct kunit *test)
{
	struct okvm_gwalk_regs regs = { .cr3 = 0x5000, .maxphyaddr = 40 };
	struct okvm_gwalk_mode mode;
	struct okvm_gwalk_result res;

	/* Paging off: addresses pass through (KVM_TRANSLATE returns them). */
	KUNIT_ASSERT_EQ(test, okvm_gwalk_mode_from_regs(&mode, &regs), 0);
	KUNIT_EXPECT_NULL(test, mode.fmt);
	KUNIT_EXPECT_EQ(test, okvm_gwalk(&mode, &gw_ops, test->priv,
					 0x12345678, WR, &res), 0);
	KUNIT_EXPECT_EQ(test, res.gpa, 0x12345678ULL);

	regs.cr0 = OKVM_CR0_PG;
	KUNIT_ASSERT_EQ(test, okvm_gwalk_mode_from_regs(&mode, &regs), 0);
	KUNIT_EXPECT_PTR_EQ(test, mode.fmt, &okvm_gwalk_fmts[OKVM_GWALK_FMT_32]);
	regs.cr4 = OKVM_CR4_PAE;
	KUNIT_ASSERT_EQ(test, okvm_gwalk_mode_from_regs(&mode, &regs), 0);
	KUNIT_EXPECT_PTR_EQ(test, mode.fmt, &okvm_gwalk_fmts[OKVM_GWALK_FMT_PAE]);
	KUNIT_EXPECT_EQ(test, mode.root, 0x5000ULL);
	regs.efer = OKVM_EFER_LMA;
	KUNIT_ASSERT_EQ(test, okvm_gwalk_mode_from_regs(&mode, &regs), 0);
	KUNIT_EXPECT_PTR_EQ(test, mode.fmt, &okvm_gwalk_fmts[OKVM_GWALK_FMT_64]);
	KUNIT_EXPECT_EQ(test, mode.levels, 4);
	regs.cr4 |= OKVM_CR4_LA57;
	KUNIT_ASSERT_EQ(test, okvm_gwalk_mode_from_regs(&mode, &regs), 0);
	KUNIT_EXPECT_EQ(test, mode.levels, 5);
	/* Long mode without PAE cannot happen. */
	regs.cr4 = 0;
	KUNIT_EXPECT_EQ(test, okvm_gwalk_mode_from_regs(&mode, &regs), -EINVAL);
	regs.cr4 = OKVM_CR4_PAE;
	regs.maxphyaddr = 53;
	KUNIT_EXPECT_EQ(test, okvm_gwalk_mode_from_regs(&mode, &regs), -EINVAL);
	/* MAXPHYADDR 52: no bits 51:M to reserve, and no bad shift. */
	regs.maxphyaddr = 52;
	KUNIT_ASSERT_EQ(test, okvm_gwalk_mode_from_regs(&mode, &regs), 0);
	KUNIT_EXPECT_EQ(test, mode.rsvd[0][0], OKVM_PTE_XD);
}

static struct kunit_case gw64_test_cases[] = {
	KUNIT_CASE_PARAM(gw64_test, gw64_gen_params),
	KUNIT_CASE(gw64_ad_restart),
	KUNIT_CASE(gw64_ad_restart_unmapped),
	KUNIT_CASE(gw64_ad_livelock),
	KUNIT_CASE(gw64_ad_rom),
	KUNIT_CASE(gw64_table_outside_memory),
	KUNIT_CASE(gw64_translate),
	KUNIT_CASE(gw64_read_virt),
	KUNIT_CASE(gw_mode_from_regs),
	{}
};

static struct kunit_suite gw64_suite = {
	.name = "okvm_gwalk_64bit",
	.init = gw_suite_init,
	.exit = gw_suite_exit,
	.test_cases = gw64_test_cases,
};

/* --- EPT --------------------------------------------------------------- */

#define GPA_E	0x123456789ULL	/* PML4 0, PDPT 4, PD 0x11a, PT 0x056 */
#define DEPT	(C_EAD | C_EXO | C_1G)
#define ELEAF	(ERWX | EWB)

static const struct gw_case gwept_cases[] = {
	{ "4k read", DEPT, 0, GPA_E, 4, { ERWX, ERWX, ERWX, ELEAF },
	  0x2000000000ULL, 0, 0, 0, 0, 1, 0x2000000789ULL,
	  PM_R | PM_W | PM_X },
	{ "4k write to read-only page", DEPT, 0, GPA_E, 4,
	  { ERWX, ERWX, ERWX, ER | EWB }, 0x2000000000ULL, WR, 1,
	  Q_W | Q_RD, K_EV, 1 },
	{ "4k fetch from RW page", DEPT, 0, GPA_E, 4,
	  { ERWX, ERWX, ERWX, ER | EW | EWB }, 0x2000000000ULL, FE, 1,
	  Q_I | Q_RD | Q_WR, K_EV, 1 },
	{ "qualification ANDs rights of all levels", DEPT, 0, GPA_E, 4,
	  { ER | EX, ERWX, ER | EW, ERWX | EWB }, 0x2000000000ULL, WR, 1,
	  Q_W | Q_RD, K_EV, 1 },
	{ "execute-only page: fetch", DEPT, 0, GPA_E, 4,
	  { ERWX, ERWX, ERWX, EX | EWB }, 0x2000000000ULL, FE, 0, 0, 0, 1,
	  0x2000000789ULL, PM_X },
	{ "execute-only page: read", DEPT, 0, GPA_E, 4,
	  { ERWX, ERWX, ERWX, EX | EWB }, 0x2000000000ULL, 0, 1, Q_R | Q_EX,
	  K_EV, 1 },
	{ "execute-only without the capability", C_EAD | C_1G, 0, GPA_E, 4,
	  { ERWX, ERWX, ERWX, EX | EWB }, 0x2000000000ULL, FE, 1, 0, K_EM,
	  1 },
	{ "execute-only table entry without the capability", C_EAD | C_1G,
	  0, GPA_E, 4, { ERWX, EX, ERWX, ERWX | EWB }, 0x2000000000ULL, FE,
	  1, 0, K_EM, 3 },
	{ "write-only entry is a misconfiguration", DEPT, 0, GPA_E, 4,
	  { ERWX, ERWX, EW, ERWX | EWB }, 0x2000000000ULL, 0, 1, 0, K_EM, 2 },
	{ "write+exec without read is a misconfiguration", DEPT, 0, GPA_E, 4,
	  { ERWX, ERWX, ERWX, EW | EX | EWB }, 0x2000000000ULL, 0, 1, 0,
	  K_EM, 1 },
	{ "PML4E not present", DEPT, 0, GPA_E, 1, { 0 }, 0, WR, 1, Q_W, K_EV,
	  4 },
	{ "PDE not present, qualification rights are 0", DEPT, 0, GPA_E, 3,
	  { ERWX, ERWX, 0 }, 0, FE, 1, Q_I, K_EV, 2 },
	{ "leaf memory type 2 is a misconfiguration", DEPT, 0, GPA_E, 4,
	  { ERWX, ERWX, ERWX, ERWX | (2ULL << 3) }, 0x2000000000ULL, 0, 1,
	  0, K_EM, 1 },
	{ "leaf memory type 7 is a misconfiguration", DEPT, 0, GPA_E, 4,
	  { ERWX, ERWX, ERWX, ERWX | (7ULL << 3) }, 0x2000000000ULL, 0, 1,
	  0, K_EM, 1 },
	{ "leaf memory type UC with IPAT", DEPT, 0, GPA_E, 4,
	  { ERWX, ERWX, ERWX, ERWX | BIT_ULL(6) }, 0x2000000000ULL, 0, 0, 0,
	  0, 1, 0x2000000789ULL },
	{ "memory type bits in a PDE are reserved", DEPT, 0, GPA_E, 4,
	  { ERWX, ERWX, ERWX | BIT_ULL(3), ELEAF }, 0x2000000000ULL, 0, 1, 0,
	  K_EM, 2 },
	{ "bit 7 in a PML4E is reserved", DEPT, 0, GPA_E, 4,
	  { ERWX | EPS, ERWX, ERWX, ELEAF }, 0x2000000000ULL, 0, 1, 0, K_EM,
	  4 },
	{ "2M page", DEPT, 0, GPA_E, 3, { ERWX, ERWX, ELEAF | EPS },
	  0x4000000000ULL, WR, 0, 0, 0, 2, 0x4000056789ULL },
	{ "2M page, bit 12 reserved (no PAT in EPT)", DEPT, 0, GPA_E, 3,
	  { ERWX, ERWX, ELEAF | EPS | BIT_ULL(12) }, 0x4000000000ULL, WR, 1,
	  0, K_EM, 2 },
	{ "1G page", DEPT, 0, GPA_E, 2, { ERWX, ELEAF | EPS },
	  0x4000000000ULL, FE, 0, 0, 0, 3, 0x4023456789ULL },
	{ "1G page without the capability", C_EAD | C_EXO, 0, GPA_E, 2,
	  { ERWX, ELEAF | EPS }, 0x4000000000ULL, FE, 1, 0, K_EM, 3 },
	{ "1G page, bit 29 reserved", DEPT, 0, GPA_E, 2,
	  { ERWX, ELEAF | EPS | BIT_ULL(29) }, 0x4000000000ULL, 0, 1, 0,
	  K_EM, 3 },
	{ "bit 46 reserved at MAXPHYADDR 46", DEPT, 0, GPA_E, 4,
	  { ERWX, ERWX, ERWX, ELEAF | BIT_ULL(46) }, 0x2000000000ULL, 0, 1, 0,
	  K_EM, 1 },
	{ "bits 63:52 ignored", DEPT, 0, GPA_E, 4,
	  { ERWX | GENMASK_ULL(63, 52), ERWX, ERWX, ELEAF | BIT_ULL(63) },
	  0x2000000000ULL, 0, 0, 0, 0, 1, 0x2000000789ULL },
	{ "A/D bits ignored without EPTP.AD", C_EXO | C_1G, 0, GPA_E, 4,
	  { ERWX | OKVM_EPTE_D, ERWX, ERWX, ELEAF | OKVM_EPTE_A },
	  0x2000000000ULL, WR, 0, 0, 0, 1, 0x2000000789ULL },
	{ "no A/D: write to read-only page", C_EXO | C_1G, 0, GPA_E, 4,
	  { ERWX, ERWX, ERWX, ER | EX | EWB }, 0x2000000000ULL, WR, 1,
	  Q_W | Q_RD | Q_EX, K_EV, 1 },
	{ "GLA valid, final translation", DEPT, 0, GPA_E, 4,
	  { ERWX, ERWX, ERWX, ER | EWB }, 0x2000000000ULL,
	  WR | OKVM_GWALK_GLA_VALID, 1, Q_W | Q_RD | Q_GV | Q_GX, K_EV, 1 },
	{ "GLA valid, guest paging-structure access", DEPT, 0, GPA_E, 4,
	  { ERWX, ERWX, ERWX, ER | EWB }, 0x2000000000ULL,
	  WR | OKVM_GWALK_GLA_VALID | OKVM_GWALK_GUEST_PT, 1,
	  Q_W | Q_RD | Q_GV, K_EV, 1 },
	{ "user and SMAP flags mean nothing to EPT", DEPT, 0, GPA_E, 4,
	  { ERWX, ERWX, ERWX, ELEAF }, 0x2000000000ULL, USR | IMP, 0, 0, 0,
	  1, 0x2000000789ULL },
	{ "5-level 4k page", DEPT | C_LA57, 0, VA57, 5,
	  { ERWX, ERWX, ERWX, ERWX, ELEAF }, 0x2000000000ULL, WR, 0, 0, 0, 1,
	  0x2000000678ULL },
	{ "5-level PML5E not present", DEPT | C_LA57, 0, VA57, 1, { 0 }, 0,
	  0, 1, Q_R, K_EV, 5 },
};

KUNIT_ARRAY_PARAM(gwept, gwept_cases, gw_case_desc);

static u32 gwept_caps(u32 cfg)
{
	u32 caps = OKVM_GWALK_EPT_CAP_5LEVEL;

	if (cfg & C_EAD)
		caps |= OKVM_GWALK_EPT_CAP_AD;
	if (cfg & C_EXO)
		caps |= OKVM_GWALK_EPT_CAP_EXEC_ONLY;
	if (cfg & C_1G)
		caps |= OKVM_GWALK_EPT_CAP_1G;
	return caps;
}

static void gwept_test(struct kunit *test)
{
	const struct gw_case *c = test->param_value;
	struct gw_mem *m = test->priv;
	struct okvm_gwalk_mode mode;
	u64 root = gw_alloc_page(test, m);
	u64 eptp = root | OKVM_EPTP_MT_WB |
		   ((c->cfg & C_LA57 ? 4ULL : 3ULL) << OKVM_EPTP_PWL_SHIFT) |
		   ((c->cfg & C_EAD) ? OKVM_EPTP_AD : 0);

	KUNIT_ASSERT_EQ(test, okvm_gwalk_mode_from_eptp(&mode, eptp,
			c->maxpa ? c->maxpa : 46, gwept_caps(c->cfg)), 0);
	if (!(c->cfg & C_EAD)) {
		/* Seed 003: no A/D in this mode, so none may be written. */
		KUNIT_EXPECT_EQ(test, mode.accessed_mask, 0ULL);
		KUNIT_EXPECT_EQ(test, mode.dirty_mask, 0ULL);
	}
	gw_run(test, c, &mode, root, 8, 9, 0);
}

/* EPTP values VM entry would refuse are refused here too. */
static void gwept_bad_eptp(struct kunit *test)
{
	struct okvm_gwalk_mode mode;
	u32 all = OKVM_GWALK_EPT_CAP_AD | OKVM_GWALK_EPT_CAP_EXEC_ONLY |
		  OKVM_GWALK_EPT_CAP_1G | OKVM_GWALK_EPT_CAP_5LEVEL;
	u64 ok = 0x5000 | OKVM_EPTP_MT_WB | (3 << OKVM_EPTP_PWL_SHIFT);

	KUNIT_EXPECT_EQ(test, okvm_gwalk_mode_from_eptp(&mode, ok, 46, 0), 0);
	KUNIT_EXPECT_EQ(test, mode.root_table, 0x5000ULL);
	KUNIT_EXPECT_EQ(test, okvm_gwalk_mode_from_eptp(&mode,
			(ok & ~OKVM_EPTP_MT_MASK) | OKVM_EPTP_MT_UC, 46, 0), 0);
	/* Memory type 1 (WC) is not allowed for the EPT paging structures. */
	KUNIT_EXPECT_EQ(test, okvm_gwalk_mode_from_eptp(&mode,
			(ok & ~OKVM_EPTP_MT_MASK) | 1, 46, all), -EINVAL);
	/* Walk length 2 (3 levels) never; 5 only with the capability. */
	KUNIT_EXPECT_EQ(test, okvm_gwalk_mode_from_eptp(&mode,
			(ok & ~OKVM_EPTP_PWL_MASK) | (2 << OKVM_EPTP_PWL_SHIFT),
			46, all), -EINVAL);
	KUNIT_EXPECT_EQ(test, okvm_gwalk_mode_from_eptp(&mode,
			(ok & ~OKVM_EPTP_PWL_MASK) | (4 << OKVM_EPTP_PWL_SHIFT),
			46, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, okvm_gwalk_mode_from_eptp(&mode,
			ok | OKVM_EPTP_AD, 46, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, okvm_gwalk_mode_from_eptp(&mode, ok | BIT(8), 46,
							all), -EINVAL);
	KUNIT_EXPECT_EQ(test, okvm_gwalk_mode_from_eptp(&mode, ok | BIT_ULL(46),
							46, all), -EINVAL);
	KUNIT_EXPECT_EQ(test, okvm_gwalk_mode_from_eptp(&mode, ok | BIT_ULL(45),
							46, all), 0);
}

static struct kunit_case gwept_test_cases[] = {
	KUNIT_CASE_PARAM(gwept_test, gwept_gen_params),
	KUNIT_CASE(gwept_bad_eptp),
	{}
};

static struct kunit_suite gwept_suite = {
	.name = "okvm_gwalk_ept",
	.init = gw_suite_init,
	.exit = gw_suite_exit,
	.test_cases = gwept_test_cases,
};

kunit_test_suites(&gw32_suite, &gwpae_suite, &gw64_suite, &gwept_suite);
