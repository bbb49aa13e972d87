// SPDX-License-Identifier: GPL-2.0-only
/*
 * Randomized differential test of the guest walker against a reference
 * walker written separately here: one plain function per format that
 * follows the SDM's description step by step (explicit per-level reserved
 * bit rules, rights accumulated as booleans, masks built bit by bit), and
 * shares no code or tables with src/x86/gwalk.c.
 *
 * Each round fills a pool of guest pages with random entries (mostly
 * valid, with random rights, huge pages, noise and reserved bits, pointers
 * to random pool pages so walks alias and loop), picks a random paging
 * mode and then walks random addresses with random accesses, comparing
 * the full outcome; a share of the walks also sets A/D and the memory
 * afterwards must equal the snapshot plus exactly the expected A/D bits,
 * and another share races a guest write to an entry of the walk against
 * the A/D update (the result must match the tables before or after it).
 * The seed is fixed so a failure reproduces; every outcome class must
 * occur, so the test cannot pass vacuously.
 */
#include <kunit/test.h>
#include <linux/prandom.h>

#include "gwalk_test.h"

#define POOL_FIRST	1
#define POOL_PAGES	64
#define ROUNDS		64
#define WALKS		96

enum ref_fmt { REF_32, REF_PAE, REF_64, REF_EPT };

struct ref_cfg {
	enum ref_fmt fmt;
	int levels;
	bool wp, nx, smep, smap, ac, pse, gb;
	bool ept_ad, ept_xo;
	unsigned int m;		/* MAXPHYADDR */
	u64 root;		/* CR3 or EPTP */
};

struct ref_out {
	int ret;
	u64 gpa, size;
	int level;
	u32 perm;
	int kind;
	u64 code;
	int n;			/* entries that carry A/D, top first */
	u64 ent_gpa[5];
};

static struct rnd_state rnd;

static u32 rnd32(void)
{
	return prandom_u32_state(&rnd);
}

static bool pct(unsigned int p)
{
	return rnd32() % 100 < p;
}

static u64 rnd_bits(unsigned int lo, unsigned int hi)
{
	u64 v = ((u64)rnd32() << 32) | rnd32();
	u64 mask = 0;
	unsigned int b;

	for (b = lo; b <= hi && b < 64; b++)
		mask |= 1ULL << b;
	return v & mask;
}

/* Bits lo..hi inclusive, one at a time; empty if lo > hi. */
static u64 ref_mask(unsigned int lo, unsigned int hi)
{
	u64 mask = 0;
	unsigned int b;

	for (b = lo; b <= hi && b < 64; b++)
		mask |= 1ULL << b;
	return mask;
}

static bool bit(u64 v, unsigned int b)
{
	return (v >> b) & 1;
}

static u64 ref_read(struct gw_mem *m, u64 gpa, unsigned int size)
{
	if (gpa >= GW_MEM_SIZE || GW_MEM_SIZE - gpa < size)
		return 0;	/* outside guest memory: a non-present entry */
	return gw_get(m, gpa, size);
}

/* SDM 4.6: may this access proceed given the walk's combined rights? */
static bool ref_x86_allowed(const struct ref_cfg *c, bool user_page,
			    bool writable, bool nx_page, u32 access)
{
	bool user = access & OKVM_GWALK_USER;
	bool write = access & OKVM_GWALK_WRITE;
	bool fetch = access & OKVM_GWALK_FETCH;
	bool implicit = access & OKVM_GWALK_IMPLICIT;

	if (fetch) {
		if (c->nx && nx_page)
			return false;
		if (user)
			return user_page;
		return !(c->smep && user_page);
	}
	if (user)
		return user_page && (!write || writable);
	if (user_page && c->smap && (implicit || !c->ac))
		return false;
	if (write)
		return writable || !c->wp;
	return true;
}

static int ref_x86_fault(const struct ref_cfg *c, u32 access, bool present,
			 bool rsvd, int level, struct ref_out *o)
{
	u32 e = 0;

	if (present)
		e |= 1;
	if (access & OKVM_GWALK_WRITE)
		e |= 2;
	if (access & OKVM_GWALK_USER)
		e |= 4;
	if (rsvd)
		e |= 8;
	if ((access & OKVM_GWALK_FETCH) && (c->nx || c->smep))
		e |= 16;
	o->ret = 1;
	o->kind = OKVM_GWALK_PF;
	o->code = e;
	o->level = level;
	return 0;
}

static int ref_x86_finish(const struct ref_cfg *c, u32 access, bool u, bool w,
			  bool xd, int level, u64 gpa, u64 size,
			  struct ref_out *o)
{
	if (!ref_x86_allowed(c, u, w, xd, access))
		return ref_x86_fault(c, access, true, false, level, o);
	o->ret = 0;
	o->gpa = gpa;
	o->size = size;
	o->level = level;
	o->perm = OKVM_GWALK_PERM_R | (w ? OKVM_GWALK_PERM_W : 0) |
		  (u ? OKVM_GWALK_PERM_U : 0) |
		  (c->nx && xd ? 0 : OKVM_GWALK_PERM_X);
	return 0;
}

/* 32-bit paging, SDM 4.3. */
static int ref_walk_32(struct gw_mem *m, const struct ref_cfg *c, u64 va,
		       u32 access, struct ref_out *o)
{
	u32 va32 = (u32)va;
	u64 pde_gpa = (c->root & 0xfffff000) + ((va32 >> 22) * 4);
	u64 pde = ref_read(m, pde_gpa, 4), pte_gpa, pte;
	unsigned int b, pa_limit = min(c->m, 40U);

	o->ent_gpa[o->n++] = pde_gpa;
	if (!bit(pde, 0))
		return ref_x86_fault(c, access, false, false, 2, o);
	if (c->pse && bit(pde, 7)) {
		if (bit(pde, 21))
			return ref_x86_fault(c, access, true, true, 2, o);
		/* PDE bit 13 + i holds physical-address bit 32 + i. */
		for (b = 13; b <= 20; b++)
			if (bit(pde, b) && 32 + (b - 13) >= pa_limit)
				return ref_x86_fault(c, access, true, true, 2, o);
		return ref_x86_finish(c, access, bit(pde, 2), bit(pde, 1),
				      false, 2,
				      (pde & 0xffc00000) +
				      (((pde >> 13) & 0xff) << 32) +
				      (va32 & 0x3fffff), 1ULL << 22, o);
	}
	pte_gpa = (pde & 0xfffff000) + (((va32 >> 12) & 0x3ff) * 4);
	pte = ref_read(m, pte_gpa, 4);
	o->ent_gpa[o->n++] = pte_gpa;
	if (!bit(pte, 0))
		return ref_x86_fault(c, access, false, false, 1, o);
	return ref_x86_finish(c, access, bit(pde, 2) && bit(pte, 2),
			      bit(pde, 1) && bit(pte, 1), false, 1,
			      (pte & 0xfffff000) + (va32 & 0xfff), 4096, o);
}

/* SDM 4.4.1: PDPTE reserved bits, checked at the CR3 load. */
static bool ref_pdpte_bad(const struct ref_cfg *c, u64 e)
{
	return bit(e, 0) &&
	       (bit(e, 1) || bit(e, 2) || (e & ref_mask(5, 8)) || bit(e, 63) ||
		(e & ref_mask(c->m, 62)));
}

/* PAE paging, SDM 4.4. */
static int ref_walk_pae(struct gw_mem *m, const struct ref_cfg *c, u64 va,
			u32 access, struct ref_out *o)
{
	u32 va32 = (u32)va;
	u64 pdpt = c->root & 0xffffffe0, pdpte = 0, pde, pte, a;
	u64 high = ref_mask(c->m, 62), addr = ref_mask(12, c->m - 1);
	bool u, w, xd;
	int i;

	for (i = 0; i < 4; i++) {
		u64 e = ref_read(m, pdpt + i * 8, 8);

		if (ref_pdpte_bad(c, e)) {
			o->ret = -EINVAL;
			return 0;
		}
		if (i == va32 >> 30)
			pdpte = e;
	}
	if (!bit(pdpte, 0))
		return ref_x86_fault(c, access, false, false, 3, o);

	a = (pdpte & addr) + ((va32 >> 21) & 0x1ff) * 8;
	pde = ref_read(m, a, 8);
	o->ent_gpa[o->n++] = a;
	if (!bit(pde, 0))
		return ref_x86_fault(c, access, false, false, 2, o);
	if ((pde & high) || (!c->nx && bit(pde, 63)) ||
	    (bit(pde, 7) && (pde & ref_mask(13, 20))))
		return ref_x86_fault(c, access, true, true, 2, o);
	u = bit(pde, 2);
	w = bit(pde, 1);
	xd = bit(pde, 63);
	if (bit(pde, 7))
		return ref_x86_finish(c, access, u, w, xd, 2,
				      (pde & ref_mask(21, c->m - 1)) +
				      (va32 & 0x1fffff), 1ULL << 21, o);

	a = (pde & addr) + ((va32 >> 12) & 0x1ff) * 8;
	pte = ref_read(m, a, 8);
	o->ent_gpa[o->n++] = a;
	if (!bit(pte, 0))
		return ref_x86_fault(c, access, false, false, 1, o);
	if ((pte & high) || (!c->nx && bit(pte, 63)))
		return ref_x86_fault(c, access, true, true, 1, o);
	return ref_x86_finish(c, access, u && bit(pte, 2), w && bit(pte, 1),
			      xd || bit(pte, 63), 1,
			      (pte & addr) + (va32 & 0xfff), 4096, o);
}

/* 4-level and 5-level paging, SDM 4.5. */
static int ref_walk_64(struct gw_mem *m, const struct ref_cfg *c, u64 va,
		       u32 access, struct ref_out *o)
{
	u64 table = c->root & ref_mask(12, c->m - 1);
	bool u = true, w = true, xd = false;
	int lvl;

	for (lvl = c->levels; lvl >= 1; lvl--) {
		unsigned int shift = 12 + 9 * (lvl - 1);
		u64 a = table + ((va >> shift) & 0x1ff) * 8;
		u64 e = ref_read(m, a, 8);
		bool ps = bit(e, 7);
		bool rsvd;

		o->ent_gpa[o->n++] = a;
		if (!bit(e, 0))
			return ref_x86_fault(c, access, false, false, lvl, o);
		rsvd = (e & ref_mask(c->m, 51)) || (!c->nx && bit(e, 63));
		if (lvl >= 4 && ps)
			rsvd = true;	/* PML5E/PML4E: PS is reserved */
		if (lvl == 3 && ps && (!c->gb || (e & ref_mask(13, 29))))
			rsvd = true;
		if (lvl == 2 && ps && (e & ref_mask(13, 20)))
			rsvd = true;
		if (rsvd)
			return ref_x86_fault(c, access, true, true, lvl, o);
		u = u && bit(e, 2);
		w = w && bit(e, 1);
		xd = xd || bit(e, 63);
		if (lvl == 1 || (lvl <= 3 && ps))
			return ref_x86_finish(c, access, u, w, xd, lvl,
					      (e & ref_mask(shift, c->m - 1)) +
					      (va & ref_mask(0, shift - 1)),
					      1ULL << shift, o);
		table = e & ref_mask(12, c->m - 1);
	}
	return 0;
}

/* EPT, SDM 29.3. */
static void ref_walk_ept(struct gw_mem *m, const struct ref_cfg *c, u64 gpa,
			 u32 access, struct ref_out *o)
{
	u64 table = c->root & ref_mask(12, c->m - 1);
	bool r = true, w = true, x = true, ok;
	int lvl;

	for (lvl = c->levels; lvl >= 1; lvl--) {
		unsigned int shift = 12 + 9 * (lvl - 1);
		u64 a = table + ((gpa >> shift) & 0x1ff) * 8;
		u64 e = ref_read(m, a, 8);
		bool leaf = lvl == 1 || (lvl <= 3 && bit(e, 7));
		unsigned int mt = (e >> 3) & 7;
		bool bad = false;

		o->ent_gpa[o->n++] = a;
		r = r && bit(e, 0);
		w = w && bit(e, 1);
		x = x && bit(e, 2);
		if (!(e & 7)) {
			o->level = lvl;
			goto violation;
		}
		if (bit(e, 1) && !bit(e, 0))
			bad = true;
		if ((e & 7) == 4 && !c->ept_xo)
			bad = true;
		if (e & ref_mask(c->m, 51))
			bad = true;
		if (!leaf && lvl >= 4 && (e & ref_mask(3, 7)))
			bad = true;
		if (!leaf && lvl <= 3 && (e & ref_mask(3, 6)))
			bad = true;
		if (leaf && lvl == 3 && (!c->gb || (e & ref_mask(12, 29))))
			bad = true;
		if (leaf && lvl == 2 && (e & ref_mask(12, 20)))
			bad = true;
		if (leaf && (mt == 2 || mt == 3 || mt == 7))
			bad = true;
		if (bad) {
			o->ret = 1;
			o->kind = OKVM_GWALK_EPT_MISCONFIG;
			o->code = 0;
			o->level = lvl;
			return;
		}
		if (leaf) {
			o->level = lvl;
			if (access & OKVM_GWALK_WRITE)
				ok = w;
			else if (access & OKVM_GWALK_FETCH)
				ok = x;
			else
				ok = r;
			if (!ok)
				goto violation;
			o->ret = 0;
			o->size = 1ULL << shift;
			o->gpa = (e & ref_mask(shift, c->m - 1)) +
				 (gpa & ref_mask(0, shift - 1));
			o->perm = (r ? OKVM_GWALK_PERM_R : 0) |
				  (w ? OKVM_GWALK_PERM_W : 0) |
				  (x ? OKVM_GWALK_PERM_X : 0);
					return;
		}
		table = e & ref_mask(12, c->m - 1);
	}
	return;

violation:
	o->ret = 1;
	o->kind = OKVM_GWALK_EPT_VIOLATION;
	o->code = 0;
	if (access & OKVM_GWALK_WRITE)
		o->code |= 2;
	if (access & OKVM_GWALK_FETCH)
		o->code |= 4;
	if (!(access & (OKVM_GWALK_WRITE | OKVM_GWALK_FETCH)))
		o->code |= 1;
	o->code |= (r ? 8 : 0) | (w ? 16 : 0) | (x ? 32 : 0);
	if (access & OKVM_GWALK_GLA_VALID)
		o->code |= (access & OKVM_GWALK_GUEST_PT) ? 0x80 : 0x180;
}

static void ref_walk(struct gw_mem *m, const struct ref_cfg *c, u64 va,
		     u32 access, struct ref_out *o)
{
	memset(o, 0, sizeof(*o));
	switch (c->fmt) {
	case REF_32:
		ref_walk_32(m, c, va, access, o);
		break;
	case REF_PAE:
		ref_walk_pae(m, c, va, access, o);
		break;
	case REF_64:
		ref_walk_64(m, c, va, access, o);
		break;
	case REF_EPT:
		ref_walk_ept(m, c, va, access, o);
		break;
	}
}

/* --- random tables ----------------------------------------------------- */

static u64 pool_page(void)
{
	return (POOL_FIRST + rnd32() % POOL_PAGES) * GW_PAGE;
}

/* A random frame for a huge page, @align bits aligned, below 2^m. */
static u64 rnd_frame(unsigned int align, unsigned int m)
{
	return rnd_bits(align, m - 1);
}

static u64 gen_x86(const struct ref_cfg *c)
{
	u64 e = rnd_bits(3, 6) | rnd_bits(8, 11);	/* PWT..D, G, AVL */

	if (pct(90))
		e |= OKVM_PTE_P;
	if (pct(75))
		e |= OKVM_PTE_RW;
	if (pct(75))
		e |= OKVM_PTE_US;
	if (c->fmt == REF_32) {
		if (pct(25)) {
			e |= OKVM_PTE_PS | rnd_bits(22, 31);
			if (pct(50))
				e |= rnd_bits(13, 20);
			if (pct(30))
				e |= 1ULL << 12;	/* PAT */
			if (pct(10))
				e |= 1ULL << 21;
		} else {
			e |= pool_page();
		}
		return e & 0xffffffff;
	}
	if (pct(15))
		e |= OKVM_PTE_XD;
	if (pct(20)) {
		e |= OKVM_PTE_PS | rnd_frame(pct(40) ? 30 : 21, c->m);
		if (pct(30))
			e |= 1ULL << 12;	/* PAT */
	} else {
		e |= pool_page();
	}
	if (pct(5))
		e |= 1ULL << (12 + rnd32() % 51);
	return e;
}

static u64 gen_ept(const struct ref_cfg *c)
{
	static const u64 mts[] = { 0, 0, 0, 6, 6, 1, 2, 3, 4, 5, 7 };
	u64 e = rnd_bits(8, 11) | rnd_bits(52, 63);

	e |= pct(80) ? 7 : rnd32() % 8;
	/* Type/IPAT bits are reserved in tables: keep them rare. */
	if (pct(20))
		e |= mts[rnd32() % ARRAY_SIZE(mts)] << 3;
	if (pct(5))
		e |= 1ULL << 6;		/* IPAT */
	if (pct(20))
		e |= OKVM_EPTE_PS | rnd_frame(pct(40) ? 30 : 21, c->m);
	else
		e |= pool_page();
	if (pct(5))
		e |= 1ULL << (3 + rnd32() % 49);
	return e;
}

static void gen_tables(struct gw_mem *m, struct ref_cfg *c)
{
	unsigned int size = c->fmt == REF_32 ? 4 : 8;
	u64 gpa;
	int i;

	memset(m->buf, 0, GW_MEM_SIZE);
	for (gpa = POOL_FIRST * GW_PAGE;
	     gpa < (POOL_FIRST + POOL_PAGES) * GW_PAGE; gpa += size)
		gw_set(m, gpa, c->fmt == REF_EPT ? gen_ept(c) : gen_x86(c),
		       size);

	if (c->fmt != REF_PAE) {
		c->root = pool_page();
		return;
	}
	/* PDPTs live in page 0 at a random 32-byte slot. */
	c->root = (rnd32() % 128) * 32;
	for (i = 0; i < 4; i++) {
		u64 e = pool_page() | (pct(85) ? OKVM_PTE_P : 0) |
			rnd_bits(9, 11);

		if (pct(3))
			e |= 1ULL << (1 + rnd32() % 63);
		gw_set(m, c->root + i * 8, e, 8);
	}
}

static u32 gen_access(const struct ref_cfg *c)
{
	u32 a = 0;

	if (pct(30))
		a |= OKVM_GWALK_WRITE;
	else if (pct(25))
		a |= OKVM_GWALK_FETCH;
	if (c->fmt == REF_EPT) {
		if (pct(50))
			a |= OKVM_GWALK_GLA_VALID;
		if (pct(20))
			a |= OKVM_GWALK_GUEST_PT;
		return a;
	}
	if (pct(40))
		a |= OKVM_GWALK_USER;
	else if (pct(15))
		a |= OKVM_GWALK_IMPLICIT;
	return a;
}

static u64 gen_va(const struct ref_cfg *c)
{
	return ((u64)rnd32() << 32) | rnd32();
}

static void gen_cfg(struct ref_cfg *c, enum ref_fmt fmt, int levels)
{
	static const unsigned int pas[] = { 36, 40, 46, 52 };
	static const unsigned int pas32[] = { 32, 36, 40, 46 };

	memset(c, 0, sizeof(*c));
	c->fmt = fmt;
	c->levels = levels;
	c->wp = pct(50);
	c->nx = pct(60);
	c->smep = pct(40);
	c->smap = pct(40);
	c->ac = pct(50);
	c->pse = pct(70);
	c->gb = pct(70);
	c->ept_ad = pct(60);
	c->ept_xo = pct(50);
	c->m = fmt == REF_32 ? pas32[rnd32() % 4] : pas[rnd32() % 4];
}

static void make_mode(struct kunit *test, const struct ref_cfg *c,
		      struct okvm_gwalk_mode *mode)
{
	struct okvm_gwalk_regs regs = {
		.cr0 = OKVM_CR0_PG | (c->wp ? OKVM_CR0_WP : 0),
		.cr3 = c->root,
		.cr4 = (c->pse ? OKVM_CR4_PSE : 0) |
		       (c->smep ? OKVM_CR4_SMEP : 0) |
		       (c->smap ? OKVM_CR4_SMAP : 0),
		.efer = c->nx ? OKVM_EFER_NXE : 0,
		.rflags = c->ac ? OKVM_RFLAGS_AC : 0,
		.maxphyaddr = c->m,
		.gbpages = c->gb,
	};
	u64 eptp;

	switch (c->fmt) {
	case REF_EPT:
		eptp = c->root | OKVM_EPTP_MT_WB |
		       ((u64)(c->levels - 1) << OKVM_EPTP_PWL_SHIFT) |
		       (c->ept_ad ? OKVM_EPTP_AD : 0);
		KUNIT_ASSERT_EQ(test, okvm_gwalk_mode_from_eptp(mode, eptp,
			c->m, OKVM_GWALK_EPT_CAP_AD | OKVM_GWALK_EPT_CAP_5LEVEL |
			(c->ept_xo ? OKVM_GWALK_EPT_CAP_EXEC_ONLY : 0) |
			(c->gb ? OKVM_GWALK_EPT_CAP_1G : 0)), 0);
		return;
	case REF_64:
		regs.efer |= OKVM_EFER_LMA;
		regs.cr4 |= OKVM_CR4_PAE | (c->levels == 5 ? OKVM_CR4_LA57 : 0);
		break;
	case REF_PAE:
		regs.cr4 |= OKVM_CR4_PAE;
		break;
	case REF_32:
		break;
	}
	KUNIT_ASSERT_EQ(test, okvm_gwalk_mode_from_regs(mode, &regs), 0);
}

struct ref_stats {
	unsigned int walks, ok, rsvd, perm, notpresent, inval, ad_walks;
	unsigned int races, restarted;
	unsigned int huge[4];	/* successes by leaf level */
};

static void compare(struct kunit *test, const struct ref_out *o, int ret,
		    const struct okvm_gwalk_result *res, u64 va, u32 access,
		    const char *how)
{
	KUNIT_ASSERT_EQ_MSG(test, ret, o->ret, "%s va %llx access %x", how,
			    va, access);
	if (ret < 0)
		return;
	KUNIT_ASSERT_EQ_MSG(test, res->level, o->level, "%s va %llx access %x",
			    how, va, access);
	if (ret == 0) {
		KUNIT_ASSERT_EQ_MSG(test, res->gpa, o->gpa, "%s va %llx", how,
				    va);
		KUNIT_ASSERT_EQ_MSG(test, res->page_size, o->size, "%s va %llx",
				    how, va);
		KUNIT_ASSERT_EQ_MSG(test, res->perm, o->perm, "%s va %llx", how,
				    va);
		return;
	}
	KUNIT_ASSERT_EQ_MSG(test, (int)res->kind, o->kind, "%s va %llx", how,
			    va);
	KUNIT_ASSERT_EQ_MSG(test, res->kind == OKVM_GWALK_PF ?
			    (u64)res->error_code : res->exit_qual, o->code,
			    "%s va %llx access %x", how, va, access);
}

/* Walk once with SET_AD and check memory changed by exactly the A/D bits. */
static void check_ad(struct kunit *test, struct gw_mem *m,
		     const struct ref_cfg *c,
		     const struct okvm_gwalk_mode *mode, const struct ref_out *o,
		     u64 va, u32 access)
{
	unsigned int size = c->fmt == REF_32 ? 4 : 8;
	bool has_ad = c->fmt != REF_EPT || c->ept_ad;
	u64 a_bit = c->fmt == REF_EPT ? 1ULL << 8 : 1ULL << 5;
	u64 d_bit = c->fmt == REF_EPT ? 1ULL << 9 : 1ULL << 6;
	struct okvm_gwalk_result res;
	int i, ret;

	memcpy(m->snap, m->buf, GW_MEM_SIZE);
	ret = okvm_gwalk(mode, &gw_ops, m, va, access | OKVM_GWALK_SET_AD,
			 &res);
	compare(test, o, ret, &res, va, access, "SET_AD");
	/* Expected memory: the snapshot plus A on each entry, D on the leaf. */
	for (i = 0; ret == 0 && has_ad && i < o->n; i++) {
		u64 v = gw_get_buf(m->snap, o->ent_gpa[i], size) | a_bit;

		if (i == o->n - 1 && (access & OKVM_GWALK_WRITE))
			v |= d_bit;
		gw_set_buf(m->snap, o->ent_gpa[i], v, size);
	}
	KUNIT_ASSERT_EQ_MSG(test, memcmp(m->snap, m->buf, GW_MEM_SIZE), 0,
			    "SET_AD changed more than A/D, va %llx access %x",
			    va, access);
}

static bool same(const struct ref_out *o, int ret,
		 const struct okvm_gwalk_result *res)
{
	if (ret != o->ret)
		return false;
	if (ret < 0)
		return true;
	if (res->level != o->level)
		return false;
	if (ret == 0)
		return res->gpa == o->gpa && res->page_size == o->size &&
		       res->perm == o->perm;
	return (int)res->kind == o->kind &&
	       (res->kind == OKVM_GWALK_PF ? (u64)res->error_code :
		res->exit_qual) == o->code;
}

/*
 * A guest vCPU flips one bit of an entry of the walk right before the
 * walker's first A/D cmpxchg. The walker must end on a consistent view:
 * the translation from before the change (possible only if the changed
 * entry needed no A/D update, so the walk could not notice, as on real
 * hardware) or a fresh walk of the memory after it.
 */
static void check_race(struct kunit *test, struct gw_mem *m,
		       const struct ref_cfg *c,
		       const struct okvm_gwalk_mode *mode,
		       const struct ref_out *before, u64 va, u32 access,
		       unsigned int *restarted)
{
	static const unsigned int flips[] = { 0, 1, 2, 7, 12, 13, 16, 20, 63 };
	unsigned int size = c->fmt == REF_32 ? 4 : 8;
	unsigned int nflips = ARRAY_SIZE(flips) - (size == 4 ? 1 : 0);
	struct okvm_gwalk_result res;
	struct ref_out after;
	u64 gpa, b;
	int ret;

	gpa = before->ent_gpa[rnd32() % before->n];
	b = 1ULL << flips[rnd32() % nflips];
	m->inj_gpa = gpa;
	m->inj_size = size;
	m->inj_set = (gw_get(m, gpa, size) & b) ? 0 : b;
	m->inj_clear = m->inj_set ? 0 : b;
	m->inj_left = 1;
	ret = okvm_gwalk(mode, &gw_ops, m, va, access | OKVM_GWALK_SET_AD,
			 &res);
	m->inj_left = 0;
	m->inj_set = 0;
	m->inj_clear = 0;
	ref_walk(m, c, va, access, &after);
	KUNIT_ASSERT_TRUE_MSG(test, same(before, ret, &res) ||
			      same(&after, ret, &res),
			      "race on %llx bit %llx: ret %d va %llx access %x",
			      gpa, b, ret, va, access);
	if (res.restarts)
		(*restarted)++;
}

static void run_random(struct kunit *test, enum ref_fmt fmt, int levels,
		       u64 seed)
{
	struct gw_mem *m = test->priv;
	struct ref_stats st = {};
	int round, i;

	prandom_seed_state(&rnd, seed);
	for (round = 0; round < ROUNDS; round++) {
		struct okvm_gwalk_mode mode, cached;
		struct ref_cfg c;
		bool have_cached = false;

		gen_cfg(&c, fmt, levels);
		gen_tables(m, &c);
		make_mode(test, &c, &mode);
		if (fmt == REF_PAE) {
			cached = mode;
			have_cached = !okvm_gwalk_load_pdptes(&cached, &gw_ops,
							      m);
		}

		for (i = 0; i < WALKS; i++) {
			u64 va = gen_va(&c);
			u32 access = gen_access(&c);
			struct okvm_gwalk_result res;
			struct ref_out o;
			int ret;

			ref_walk(m, &c, va, access, &o);
			ret = okvm_gwalk(&mode, &gw_ops, m, va, access, &res);
			compare(test, &o, ret, &res, va, access, "walk");
			if (have_cached) {
				ret = okvm_gwalk(&cached, &gw_ops, m, va, access,
						 &res);
				compare(test, &o, ret, &res, va, access,
					"cached PDPTEs");
			}
			if (pct(30)) {
				check_ad(test, m, &c, &mode, &o, va, access);
				st.ad_walks++;
			} else if (o.ret == 0 && mode.accessed_mask &&
				   pct(30)) {
				check_race(test, m, &c, &mode, &o, va, access,
					   &st.restarted);
				st.races++;
			}

			st.walks++;
			if (o.ret < 0)
				st.inval++;
			else if (o.ret == 0)
				st.huge[o.level]++;
			else if (o.kind == OKVM_GWALK_EPT_MISCONFIG ||
				 (o.kind == OKVM_GWALK_PF && (o.code & 8)))
				st.rsvd++;
			else if (o.kind == OKVM_GWALK_PF ? (o.code & 1) :
				 (o.code & 0x38) != 0)
				st.perm++;
			else
				st.notpresent++;
		}
	}
	st.ok = st.huge[1] + st.huge[2] + st.huge[3];
	kunit_info(test,
		   "%u walks (%u with A/D, %u raced, %u restarted): %u ok (4K %u, 2M/4M %u, 1G %u), %u rsvd/misconfig, %u rights, %u not present, %u bad PDPTEs\n",
		   st.walks, st.ad_walks, st.races, st.restarted, st.ok, st.huge[1], st.huge[2],
		   st.huge[3], st.rsvd, st.perm, st.notpresent, st.inval);
	/* Every outcome class must have been exercised. */
	KUNIT_EXPECT_GT(test, st.ok, 0U);
	KUNIT_EXPECT_GT(test, st.huge[1], 0U);
	KUNIT_EXPECT_GT(test, st.huge[2], 0U);
	if (fmt == REF_64 || fmt == REF_EPT)
		KUNIT_EXPECT_GT(test, st.huge[3], 0U);
	KUNIT_EXPECT_GT(test, st.rsvd, 0U);
	KUNIT_EXPECT_GT(test, st.perm, 0U);
	KUNIT_EXPECT_GT(test, st.notpresent, 0U);
	KUNIT_EXPECT_GT(test, st.restarted, 0U);
	if (fmt == REF_PAE)
		KUNIT_EXPECT_GT(test, st.inval, 0U);
}

static void gw_random_32(struct kunit *test)
{
	run_random(test, REF_32, 2, 0x32);
}

static void gw_random_pae(struct kunit *test)
{
	run_random(test, REF_PAE, 3, 0x3ae);
}

static void gw_random_64_4(struct kunit *test)
{
	run_random(test, REF_64, 4, 0x644);
}

static void gw_random_64_5(struct kunit *test)
{
	run_random(test, REF_64, 5, 0x645);
}

static void gw_random_ept_4(struct kunit *test)
{
	run_random(test, REF_EPT, 4, 0xe94);
}

static void gw_random_ept_5(struct kunit *test)
{
	run_random(test, REF_EPT, 5, 0xe95);
}

static int gw_random_init(struct kunit *test)
{
	test->priv = gw_mem_new(test);
	return 0;
}

static void gw_random_exit(struct kunit *test)
{
	gw_mem_free(test->priv);
}

static struct kunit_case gw_random_cases[] = {
	KUNIT_CASE(gw_random_32),
	KUNIT_CASE(gw_random_pae),
	KUNIT_CASE(gw_random_64_4),
	KUNIT_CASE(gw_random_64_5),
	KUNIT_CASE(gw_random_ept_4),
	KUNIT_CASE(gw_random_ept_5),
	{}
};

static struct kunit_suite gw_random_suite = {
	.name = "okvm_gwalk_random",
	.init = gw_random_init,
	.exit = gw_random_exit,
	.test_cases = gw_random_cases,
};

kunit_test_suite(gw_random_suite);
