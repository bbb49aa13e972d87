// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for src/memslot.c: KVM's memory-region rules, set building
 * and GFN lookup, the last checked against a brute-force scan.
 */
#include <kunit/test.h>
#include <linux/random.h>

#include "memslot.h"

#define UADDR	0x10000000UL	/* a page-aligned user address */
#define VALID	(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY)
/* The largest GFN the tests' MMU maps: 4-level NPT, 48-bit GPAs. */
#define MAX_GFN	((1ULL << 36) - 1)
#define TOP	((MAX_GFN + 1) << PAGE_SHIFT)

struct ms_ctx {
	struct okvm_memslots *slots;
};

static struct kvm_userspace_memory_region2 region(u32 slot, u32 flags, u64 gpa,
						  u64 size, u64 uaddr)
{
	return (struct kvm_userspace_memory_region2) {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = uaddr,
	};
}

/* Check and apply @mem; return the errno okvm_memslot_check() gave. */
static int set_region(struct kunit *test, struct kvm_userspace_memory_region2 mem)
{
	struct ms_ctx *ctx = test->priv;
	struct okvm_memslot_change chg;
	struct okvm_memslots *new;
	int r;

	r = okvm_memslot_check(ctx->slots, &mem, VALID, MAX_GFN, &chg);
	if (r || chg.change == OKVM_MR_NONE)
		return r;
	new = okvm_memslots_apply(ctx->slots, &chg);
	KUNIT_ASSERT_NOT_NULL(test, new);
	KUNIT_EXPECT_EQ(test, new->generation, ctx->slots->generation + 1);
	okvm_memslots_free(ctx->slots);
	ctx->slots = new;
	return 0;
}

static int ms_init(struct kunit *test)
{
	struct ms_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	if (!ctx)
		return -ENOMEM;
	ctx->slots = okvm_memslots_alloc_empty();
	if (!ctx->slots)
		return -ENOMEM;
	test->priv = ctx;
	return 0;
}

static void ms_exit(struct kunit *test)
{
	struct ms_ctx *ctx = test->priv;

	okvm_memslots_free(ctx->slots);
}

struct bad_case {
	const char *name;
	struct kvm_userspace_memory_region2 mem;
	int err;
};

/* Each request is made against a set holding slot 0 at GPA 1M, 1M long. */
static const struct bad_case bad_cases[] = {
	{ "unknown flag", { .slot = 1, .flags = BIT(7), .guest_phys_addr = 0x400000,
	  .memory_size = 0x1000, .userspace_addr = UADDR }, -EINVAL },
	{ "guest_memfd refused", { .slot = 1, .flags = KVM_MEM_GUEST_MEMFD,
	  .guest_phys_addr = 0x400000, .memory_size = 0x1000,
	  .userspace_addr = UADDR }, -EINVAL },
	{ "size not page aligned", { .slot = 1, .guest_phys_addr = 0x400000,
	  .memory_size = 0x1800, .userspace_addr = UADDR }, -EINVAL },
	{ "gpa not page aligned", { .slot = 1, .guest_phys_addr = 0x400800,
	  .memory_size = 0x1000, .userspace_addr = UADDR }, -EINVAL },
	{ "hva not page aligned", { .slot = 1, .guest_phys_addr = 0x400000,
	  .memory_size = 0x1000, .userspace_addr = UADDR + 8 }, -EINVAL },
	{ "hva beyond user space", { .slot = 1, .guest_phys_addr = 0x400000,
	  .memory_size = 0x1000, .userspace_addr = -0x1000UL }, -EINVAL },
	{ "address space 1", { .slot = (1 << 16) | 1, .guest_phys_addr = 0x400000,
	  .memory_size = 0x1000, .userspace_addr = UADDR }, -EINVAL },
	{ "slot id at the limit", { .slot = OKVM_USER_MEM_SLOTS,
	  .guest_phys_addr = 0x400000, .memory_size = 0x1000,
	  .userspace_addr = UADDR }, -EINVAL },
	{ "gpa wraps", { .slot = 1, .guest_phys_addr = -0x1000ULL,
	  .memory_size = 0x2000, .userspace_addr = UADDR }, -EINVAL },
	{ "too many pages", { .slot = 1, .guest_phys_addr = 0,
	  .memory_size = (OKVM_MEM_MAX_NR_PAGES + 1) << PAGE_SHIFT,
	  .userspace_addr = UADDR }, -EINVAL },
	{ "delete a missing slot", { .slot = 1, .memory_size = 0 }, -EINVAL },
	{ "overlap at start", { .slot = 1, .guest_phys_addr = 0xff000,
	  .memory_size = 0x2000, .userspace_addr = UADDR }, -EEXIST },
	{ "overlap inside", { .slot = 1, .guest_phys_addr = 0x180000,
	  .memory_size = 0x1000, .userspace_addr = UADDR }, -EEXIST },
	{ "overlap covering", { .slot = 1, .guest_phys_addr = 0,
	  .memory_size = 0x400000, .userspace_addr = UADDR }, -EEXIST },
	{ "resize", { .slot = 0, .guest_phys_addr = 0x100000,
	  .memory_size = 0x200000, .userspace_addr = UADDR }, -EINVAL },
	{ "new backing", { .slot = 0, .guest_phys_addr = 0x100000,
	  .memory_size = 0x100000, .userspace_addr = UADDR + 0x1000 }, -EINVAL },
	{ "toggle readonly", { .slot = 0, .flags = KVM_MEM_READONLY,
	  .guest_phys_addr = 0x100000, .memory_size = 0x100000,
	  .userspace_addr = UADDR }, -EINVAL },
	{ "move onto another slot", { .slot = 0, .guest_phys_addr = 0x800000,
	  .memory_size = 0x100000, .userspace_addr = UADDR }, -EEXIST },
	{ "last page past the MMU's limit", { .slot = 1,
	  .guest_phys_addr = TOP - 0x1000, .memory_size = 0x2000,
	  .userspace_addr = UADDR }, -EINVAL },
	{ "wholly past the MMU's limit", { .slot = 1, .guest_phys_addr = TOP,
	  .memory_size = 0x1000, .userspace_addr = UADDR }, -EINVAL },
	{ "move past the MMU's limit", { .slot = 0,
	  .guest_phys_addr = TOP - 0x80000, .memory_size = 0x100000,
	  .userspace_addr = UADDR }, -EINVAL },
};

static void bad_case_desc(const struct bad_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(bad, bad_cases, bad_case_desc);

static void memslot_bad_input(struct kunit *test)
{
	const struct bad_case *c = test->param_value;
	struct ms_ctx *ctx = test->priv;
	struct okvm_memslot_change chg;
	u64 gen;

	KUNIT_ASSERT_EQ(test, set_region(test, region(0, 0, 0x100000, 0x100000,
						      UADDR)), 0);
	KUNIT_ASSERT_EQ(test, set_region(test, region(2, 0, 0x800000, 0x1000,
						      UADDR + 0x200000)), 0);
	gen = ctx->slots->generation;

	KUNIT_EXPECT_EQ(test, okvm_memslot_check(ctx->slots, &c->mem, VALID, MAX_GFN,
					   &chg),
			c->err);
	/* A refused request leaves the set as it was. */
	KUNIT_EXPECT_EQ(test, ctx->slots->generation, gen);
	KUNIT_EXPECT_EQ(test, ctx->slots->nr, 2u);
}

/* The flags a VM with private memory accepts. */
#define VALID_PRIV	(VALID | KVM_MEM_GUEST_MEMFD)
#define GMEM		KVM_MEM_GUEST_MEMFD

/* Against a set holding guest_memfd slot 0 at GPA 1M, 1M long, offset 2M. */
static const struct bad_case gmem_cases[] = {
	{ "with dirty logging", { .slot = 1, .flags = GMEM | KVM_MEM_LOG_DIRTY_PAGES,
	  .guest_phys_addr = 0x400000, .memory_size = 0x1000,
	  .userspace_addr = UADDR }, -EINVAL },
	{ "read-only", { .slot = 1, .flags = GMEM | KVM_MEM_READONLY,
	  .guest_phys_addr = 0x400000, .memory_size = 0x1000,
	  .userspace_addr = UADDR }, -EINVAL },
	{ "offset not page aligned", { .slot = 1, .flags = GMEM,
	  .guest_phys_addr = 0x400000, .memory_size = 0x1000,
	  .userspace_addr = UADDR, .guest_memfd_offset = 0x800 }, -EINVAL },
	{ "offset + size wraps", { .slot = 1, .flags = GMEM,
	  .guest_phys_addr = 0x400000, .memory_size = 0x2000,
	  .userspace_addr = UADDR, .guest_memfd_offset = -0x1000ULL }, -EINVAL },
	{ "move", { .slot = 0, .flags = GMEM, .guest_phys_addr = 0x400000,
	  .memory_size = 0x100000, .userspace_addr = UADDR,
	  .guest_memfd_offset = 0x200000 }, -EINVAL },
	{ "same request again", { .slot = 0, .flags = GMEM,
	  .guest_phys_addr = 0x100000, .memory_size = 0x100000,
	  .userspace_addr = UADDR, .guest_memfd_offset = 0x200000 }, -EINVAL },
	{ "drop the flag", { .slot = 0, .guest_phys_addr = 0x100000,
	  .memory_size = 0x100000, .userspace_addr = UADDR }, -EINVAL },
	{ "start dirty logging", { .slot = 0, .flags = KVM_MEM_LOG_DIRTY_PAGES,
	  .guest_phys_addr = 0x100000, .memory_size = 0x100000,
	  .userspace_addr = UADDR }, -EINVAL },
	{ "overlap", { .slot = 1, .flags = GMEM, .guest_phys_addr = 0x180000,
	  .memory_size = 0x1000, .userspace_addr = UADDR }, -EEXIST },
};
KUNIT_ARRAY_PARAM(gmem, gmem_cases, bad_case_desc);

/* KVM's guest_memfd memslot rules: only a new slot binds, then it is fixed. */
static void memslot_guest_memfd_rules(struct kunit *test)
{
	const struct bad_case *c = test->param_value;
	struct ms_ctx *ctx = test->priv;
	struct kvm_userspace_memory_region2 mem =
		region(0, GMEM, 0x100000, 0x100000, UADDR);
	struct okvm_memslot_change chg;
	struct okvm_memslots *new;

	mem.guest_memfd_offset = 0x200000;
	KUNIT_ASSERT_EQ(test, okvm_memslot_check(ctx->slots, &mem, VALID_PRIV,
						 MAX_GFN, &chg), 0);
	KUNIT_EXPECT_EQ(test, chg.change, OKVM_MR_CREATE);
	KUNIT_EXPECT_EQ(test, chg.new.gmem_pgoff, 0x200000 >> PAGE_SHIFT);
	new = okvm_memslots_apply(ctx->slots, &chg);
	KUNIT_ASSERT_NOT_NULL(test, new);
	okvm_memslots_free(ctx->slots);
	ctx->slots = new;

	KUNIT_EXPECT_EQ(test, okvm_memslot_check(ctx->slots, &c->mem, VALID_PRIV,
						 MAX_GFN, &chg), c->err);
	/* A VM without private memory refuses the flag first of all. */
	if (c->mem.flags & GMEM)
		KUNIT_EXPECT_EQ(test, okvm_memslot_check(ctx->slots, &c->mem,
							 VALID, MAX_GFN, &chg),
				-EINVAL);
	/* Deleting is the one change a guest_memfd slot allows. */
	mem.flags = 0;
	mem.memory_size = 0;
	KUNIT_EXPECT_EQ(test, okvm_memslot_check(ctx->slots, &mem, VALID_PRIV,
						 MAX_GFN, &chg), 0);
	KUNIT_EXPECT_EQ(test, chg.change, OKVM_MR_DELETE);
}

static void memslot_lifecycle(struct kunit *test)
{
	struct ms_ctx *ctx = test->priv;
	const struct okvm_memslot *s;
	struct okvm_memslot_change chg;
	struct kvm_userspace_memory_region2 mem;

	/* Create two slots out of order: the set stays sorted. */
	KUNIT_ASSERT_EQ(test, set_region(test, region(5, 0, 0x200000, 0x10000,
						      UADDR)), 0);
	KUNIT_ASSERT_EQ(test, set_region(test, region(3, 0, 0x0, 0x10000,
						      UADDR + 0x100000)), 0);
	KUNIT_EXPECT_EQ(test, ctx->slots->nr, 2u);
	KUNIT_EXPECT_EQ(test, ctx->slots->nr_pages, 32ull);
	KUNIT_EXPECT_EQ(test, ctx->slots->slots[0].id, 3);
	KUNIT_EXPECT_EQ(test, ctx->slots->slots[1].id, 5);

	/* Same request again: nothing to do, no new generation. */
	mem = region(5, 0, 0x200000, 0x10000, UADDR);
	KUNIT_EXPECT_EQ(test, okvm_memslot_check(ctx->slots, &mem, VALID, MAX_GFN, &chg), 0);
	KUNIT_EXPECT_EQ(test, chg.change, OKVM_MR_NONE);

	/* Flags change (dirty logging on). */
	mem.flags = KVM_MEM_LOG_DIRTY_PAGES;
	KUNIT_EXPECT_EQ(test, okvm_memslot_check(ctx->slots, &mem, VALID, MAX_GFN, &chg), 0);
	KUNIT_EXPECT_EQ(test, chg.change, OKVM_MR_FLAGS_ONLY);
	KUNIT_ASSERT_EQ(test, set_region(test, mem), 0);
	KUNIT_EXPECT_EQ(test, okvm_memslots_find_id(ctx->slots, 5)->flags,
			(u32)KVM_MEM_LOG_DIRTY_PAGES);

	/* Move slot 5 below slot 3's end? Overlap. Below everything: fine. */
	mem.guest_phys_addr = 0x8000;
	KUNIT_EXPECT_EQ(test, set_region(test, mem), -EEXIST);
	mem.guest_phys_addr = 0x40000000;
	KUNIT_EXPECT_EQ(test, okvm_memslot_check(ctx->slots, &mem, VALID, MAX_GFN, &chg), 0);
	KUNIT_EXPECT_EQ(test, chg.change, OKVM_MR_MOVE);
	KUNIT_EXPECT_EQ(test, chg.old.base_gfn, 0x200ull);
	KUNIT_ASSERT_EQ(test, set_region(test, mem), 0);
	s = okvm_memslots_find(ctx->slots, 0x40000);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->id, 5);
	KUNIT_EXPECT_NULL(test, okvm_memslots_find(ctx->slots, 0x200));
	/* A moved slot may be moved back over its own old range. */
	mem.guest_phys_addr = 0x40008000;
	KUNIT_EXPECT_EQ(test, set_region(test, mem), 0);

	/* Delete: size 0, other fields ignored. */
	KUNIT_ASSERT_EQ(test, set_region(test, region(3, 0, 0xdead000, 0, 0)), 0);
	KUNIT_EXPECT_EQ(test, ctx->slots->nr, 1u);
	KUNIT_EXPECT_EQ(test, ctx->slots->nr_pages, 16ull);
	KUNIT_EXPECT_NULL(test, okvm_memslots_find_id(ctx->slots, 3));
	KUNIT_EXPECT_EQ(test, set_region(test, region(3, 0, 0, 0, 0)), -EINVAL);

	/* The freed range can be reused by a new slot with the same id. */
	KUNIT_EXPECT_EQ(test, set_region(test, region(3, KVM_MEM_READONLY, 0,
						      0x10000, UADDR)), 0);
	KUNIT_EXPECT_EQ(test, okvm_memslots_find(ctx->slots, 0xf)->flags,
			(u32)KVM_MEM_READONLY);
}

static void memslot_fill_to_limit(struct kunit *test)
{
	struct ms_ctx *ctx = test->priv;
	unsigned int i;

	for (i = 0; i < OKVM_USER_MEM_SLOTS; i++)
		KUNIT_ASSERT_EQ(test, set_region(test, region(i, 0, (u64)i << 21,
							      0x1000, UADDR)), 0);
	KUNIT_EXPECT_EQ(test, ctx->slots->nr, OKVM_USER_MEM_SLOTS);
	for (i = 0; i < OKVM_USER_MEM_SLOTS; i++) {
		KUNIT_EXPECT_PTR_EQ(test, okvm_memslots_find(ctx->slots, (u64)i << 9),
				    okvm_memslots_find_id(ctx->slots, i));
		KUNIT_EXPECT_NULL(test, okvm_memslots_find(ctx->slots,
							   ((u64)i << 9) + 1));
	}
}

/*
 * One random step on the set: delete (a third of the time) or move an
 * existing slot among the first @ids, or create it, at a GPA among the
 * first @gpa_pages pages, of 1..@max_pages pages backed at UADDR plus up
 * to @uaddr_pages pages. An overlap (-EEXIST) is a step too.
 */
static void random_slot_step(struct kunit *test, u32 ids, u32 gpa_pages,
			     u32 max_pages, u32 uaddr_pages)
{
	struct ms_ctx *ctx = test->priv;
	u64 gpa = (u64)get_random_u32_below(gpa_pages) << PAGE_SHIFT;
	u64 size = (u64)(1 + get_random_u32_below(max_pages)) << PAGE_SHIFT;
	unsigned long uaddr = UADDR + (uaddr_pages ?
		(unsigned long)get_random_u32_below(uaddr_pages) << PAGE_SHIFT : 0);
	u32 id = get_random_u32_below(ids);
	const struct okvm_memslot *old = okvm_memslots_find_id(ctx->slots, id);
	int r;

	if (old && get_random_u32_below(3) == 0)
		r = set_region(test, region(id, 0, 0, 0, 0));
	else if (old)	/* a move keeps size and backing */
		r = set_region(test, region(id, old->flags, gpa,
					    old->npages << PAGE_SHIFT,
					    old->userspace_addr));
	else
		r = set_region(test, region(id, 0, gpa, size, uaddr));
	KUNIT_ASSERT_TRUE(test, r == 0 || r == -EEXIST);
}

/* Random creates, moves and deletes, lookups checked against a scan. */
static void memslot_random_differential(struct kunit *test)
{
	struct ms_ctx *ctx = test->priv;
	unsigned int step, i;
	u64 gfn;

	for (step = 0; step < 4000; step++) {
		random_slot_step(test, 32, 256, 16, 0);

		for (i = 1; i < ctx->slots->nr; i++)
			KUNIT_ASSERT_LE(test, ctx->slots->slots[i - 1].base_gfn +
					ctx->slots->slots[i - 1].npages,
					ctx->slots->slots[i].base_gfn);

		for (gfn = 0; gfn < 280; gfn += 1 + get_random_u32_below(4)) {
			const struct okvm_memslot *want = NULL;

			for (i = 0; i < ctx->slots->nr; i++) {
				const struct okvm_memslot *s = &ctx->slots->slots[i];

				if (gfn >= s->base_gfn && gfn < s->base_gfn + s->npages)
					want = s;
			}
			KUNIT_ASSERT_PTR_EQ(test, okvm_memslots_find(ctx->slots, gfn),
					    want);
		}
	}
}

/*
 * A slot may end at the MMU's last GFN, not past it; an overlap is
 * reported first, as KVM checks it before its arch hook.
 */
static void memslot_max_gfn(struct kunit *test)
{
	struct ms_ctx *ctx = test->priv;

	KUNIT_EXPECT_EQ(test, set_region(test, region(1, 0, TOP - 0x2000, 0x2000,
						      UADDR)), 0);
	KUNIT_EXPECT_EQ(test, set_region(test, region(2, 0, TOP - 0x2000, 0x3000,
						      UADDR)), -EEXIST);
	KUNIT_EXPECT_EQ(test, set_region(test, region(2, 0, TOP, 0x1000,
						      UADDR)), -EINVAL);
	/* Re-flagging and deleting a slot at the limit need no check. */
	KUNIT_EXPECT_EQ(test, set_region(test, region(1, KVM_MEM_LOG_DIRTY_PAGES,
						      TOP - 0x2000, 0x2000,
						      UADDR)), 0);
	KUNIT_EXPECT_EQ(test, set_region(test, region(1, 0, 0, 0, 0)), 0);
	KUNIT_EXPECT_EQ(test, ctx->slots->nr, 0u);
}

/*
 * The set a delete or move publishes first: every slot as it was, the
 * changing one marked invalid, which only okvm_memslots_find_any() finds.
 */
static void memslot_invalidate(struct kunit *test)
{
	struct ms_ctx *ctx = test->priv;
	struct okvm_memslots *inval;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, set_region(test, region(1, 0, 0x100000, 0x2000,
						      UADDR)), 0);
	KUNIT_ASSERT_EQ(test, set_region(test, region(2, KVM_MEM_READONLY,
						      0x200000, 0x1000,
						      UADDR + 0x10000)), 0);
	inval = okvm_memslots_invalidate(ctx->slots, 1);
	KUNIT_ASSERT_NOT_NULL(test, inval);
	KUNIT_EXPECT_EQ(test, inval->generation, ctx->slots->generation + 1);
	KUNIT_EXPECT_EQ(test, inval->nr, ctx->slots->nr);
	KUNIT_EXPECT_EQ(test, inval->nr_pages, ctx->slots->nr_pages);
	for (i = 0; i < inval->nr; i++) {
		const struct okvm_memslot *a = &ctx->slots->slots[i];
		const struct okvm_memslot *b = &inval->slots[i];

		KUNIT_EXPECT_EQ(test, a->base_gfn, b->base_gfn);
		KUNIT_EXPECT_EQ(test, a->npages, b->npages);
		KUNIT_EXPECT_EQ(test, a->userspace_addr, b->userspace_addr);
		KUNIT_EXPECT_EQ(test, b->flags, a->flags |
				(a->id == 1 ? OKVM_MEMSLOT_INVALID : 0));
	}
	KUNIT_EXPECT_NULL(test, okvm_memslots_find(inval, 0x101));
	KUNIT_EXPECT_PTR_EQ(test, okvm_memslots_find_any(inval, 0x101),
			    okvm_memslots_find_id(inval, 1));
	KUNIT_EXPECT_PTR_EQ(test, okvm_memslots_find(inval, 0x200),
			    okvm_memslots_find_id(inval, 2));
	/* The original set is untouched. */
	KUNIT_EXPECT_PTR_EQ(test, okvm_memslots_find(ctx->slots, 0x101),
			    okvm_memslots_find_id(ctx->slots, 1));
	okvm_memslots_free(inval);
}

/*
 * okvm_for_each_memslot_hva() against a scan of every slot: each slot
 * that maps part of the range exactly once, none other.
 */
static void check_hva_walk(struct kunit *test, const struct okvm_memslots *slots,
			   unsigned long start, unsigned long end)
{
	DECLARE_BITMAP(seen, OKVM_USER_MEM_SLOTS) = {};
	DECLARE_BITMAP(indexed, OKVM_USER_MEM_SLOTS) = {};
	const struct okvm_memslot *s;
	unsigned int i, n = 0, want = 0;
	unsigned long max_end = 0;

	/* The index itself: each slot once, by start, ends' running maximum. */
	for (i = 0; i < slots->nr; i++) {
		const struct okvm_memslot_hva *e = &slots->by_hva[i];

		KUNIT_ASSERT_LT(test, e->slot, slots->nr);
		KUNIT_EXPECT_FALSE(test, __test_and_set_bit(e->slot, indexed));
		KUNIT_EXPECT_EQ(test, e->start, slots->slots[e->slot].userspace_addr);
		KUNIT_EXPECT_EQ(test, e->end, e->start +
				(slots->slots[e->slot].npages << PAGE_SHIFT));
		if (i)
			KUNIT_EXPECT_LE(test, slots->by_hva[i - 1].start, e->start);
		max_end = max(max_end, e->end);
		KUNIT_EXPECT_EQ(test, e->max_end, max_end);
	}

	okvm_for_each_memslot_hva(s, i, slots, start, end) {
		unsigned int pos = s - slots->slots;

		KUNIT_ASSERT_LT(test, pos, slots->nr);
		KUNIT_EXPECT_FALSE(test, __test_and_set_bit(pos, seen));
		n++;
	}
	for (i = 0; i < slots->nr; i++) {
		unsigned long s_start = slots->slots[i].userspace_addr;
		unsigned long s_end = s_start +
				      (slots->slots[i].npages << PAGE_SHIFT);
		bool hit = s_start < end && start < s_end;

		KUNIT_EXPECT_EQ_MSG(test, test_bit(i, seen), hit,
				    "slot [%lx, %lx) range [%lx, %lx)", s_start,
				    s_end, start, end);
		want += hit;
	}
	KUNIT_EXPECT_EQ(test, n, want);
}

/*
 * The HVA index the MMU notifier walks: random slots whose backings
 * overlap (aliases, one slot's memory inside another's), touch and nest,
 * through creates, moves and deletes; every query range checked against
 * a scan, in the published set and in its invalidated copy.
 */
static void memslot_hva_index(struct kunit *test)
{
	struct ms_ctx *ctx = test->priv;
	struct okvm_memslots *inval;
	unsigned int step, q;

	/* The empty set finds nothing. */
	check_hva_walk(test, ctx->slots, 0, ULONG_MAX);
	for (step = 0; step < 1500; step++) {
		random_slot_step(test, 64, 4096, 64, 256);

		for (q = 0; q < 16; q++) {
			unsigned long start = UADDR - PAGE_SIZE +
				((unsigned long)get_random_u32_below(330) << PAGE_SHIFT);
			unsigned long end = start +
				((unsigned long)get_random_u32_below(40) << PAGE_SHIFT) +
				get_random_u32_below(2);

			check_hva_walk(test, ctx->slots, start, end);
		}
		if (ctx->slots->nr && step % 100 == 0) {
			inval = okvm_memslots_invalidate(ctx->slots,
							 ctx->slots->slots[0].id);
			KUNIT_ASSERT_NOT_NULL(test, inval);
			check_hva_walk(test, inval, 0, ULONG_MAX);
			check_hva_walk(test, inval, UADDR + 17 * PAGE_SIZE,
				       UADDR + 18 * PAGE_SIZE);
			okvm_memslots_free(inval);
		}
	}
	check_hva_walk(test, ctx->slots, 0, ULONG_MAX);
}

static void memslot_gfn_to_hva(struct kunit *test)
{
	struct okvm_memslot s = { .base_gfn = 0x100, .npages = 16,
				  .userspace_addr = UADDR };

	KUNIT_EXPECT_EQ(test, okvm_memslot_gfn_to_hva(&s, 0x100), UADDR);
	KUNIT_EXPECT_EQ(test, okvm_memslot_gfn_to_hva(&s, 0x10f),
			UADDR + 15 * PAGE_SIZE);
}

static struct kunit_case memslot_cases[] = {
	KUNIT_CASE_PARAM(memslot_bad_input, bad_gen_params),
	KUNIT_CASE_PARAM(memslot_guest_memfd_rules, gmem_gen_params),
	KUNIT_CASE(memslot_lifecycle),
	KUNIT_CASE(memslot_fill_to_limit),
	KUNIT_CASE(memslot_random_differential),
	KUNIT_CASE(memslot_max_gfn),
	KUNIT_CASE(memslot_invalidate),
	KUNIT_CASE(memslot_hva_index),
	KUNIT_CASE(memslot_gfn_to_hva),
	{}
};

static struct kunit_suite memslot_suite = {
	.name = "okvm_memslots",
	.init = ms_init,
	.exit = ms_exit,
	.test_cases = memslot_cases,
};
kunit_test_suite(memslot_suite);

MODULE_DESCRIPTION("KUnit tests for okvm's memslots");
MODULE_LICENSE("GPL");
