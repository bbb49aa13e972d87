// SPDX-License-Identifier: GPL-2.0-only
/*
 * okvm_ext_direct: the mirror root whose external table is the direct
 * root's own, hardware-format table (src/mmu/ext_direct.c), as a
 * software-protected VM uses it on SVM.  Private and shared GFNs
 * interleave page by page in one leaf table; every check reads the raw
 * hardware table: a private GFN is there exactly when the mirror root
 * maps it, marked with the format's ext_bit; shared operations never
 * touch it; removals reach it before the flush; tables stay until the
 * mirror root is gone, and nothing leaks at destruction.  A random
 * sequence against a reference model checks the same after every step,
 * and kthreads faulting both kinds, zapping, aging and write-protecting
 * at once (yielding inside walks) must leave the hardware table and the
 * mirror root exact twins.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/prandom.h>
#include <linux/rcupdate.h>

#include "mmu/pt_iter.h"
#include "mmu_test_util.h"

/* The x86 formats: each has an ext_bit (stage 2 has none, see below). */
static const struct okvm_pt_fmt *const ext_fmts[] = {
	&okvm_fmt_npt4, &okvm_fmt_npt5, &okvm_fmt_ept4_ad, &okvm_fmt_ept4,
};

KUNIT_ARRAY_PARAM(ext_fmt, ext_fmts, okvm_test_fmt_desc);

struct ext_vm {
	struct okvm_mmu mmu;
	u64 nr_flushes;
};

static void ext_flush(void *priv, struct okvm_pt_root *root, u64 gfn, u64 nr)
{
	struct ext_vm *vm = priv;

	vm->nr_flushes++;
}

static const struct okvm_mmu_tlb_ops ext_tlb_ops = {
	.flush_range = ext_flush,
};

static int ext_init(struct kunit *test)
{
	const struct okvm_pt_fmt *fmt = *(const struct okvm_pt_fmt **)test->param_value;
	struct okvm_mmu_cfg cfg = {
		.fmt = fmt, .has_private = true, .ext_direct = true,
		.tlb_ops = &ext_tlb_ops,
	};
	struct ext_vm *vm = kunit_kzalloc(test, sizeof(*vm), GFP_KERNEL);

	if (!vm)
		return -ENOMEM;
	cfg.tlb_priv = vm;
	test->priv = vm;
	return okvm_mmu_init(&vm->mmu, &cfg);
}

static void ext_exit(struct kunit *test)
{
	struct ext_vm *vm = test->priv;

	okvm_mmu_destroy(&vm->mmu);
	KUNIT_EXPECT_FALSE(test, vm->mmu.broken);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vm->mmu.nr_tables), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vm->mmu.nr_leaves[1]), 0);
}

/* The hardware table's 4K entry for @gfn (0 if none), read raw. */
static u64 hw_pte(struct ext_vm *vm, u64 gfn)
{
	struct okvm_pt_root *root = &vm->mmu.direct;
	struct okvm_pt_iter iter;
	u64 pte = 0;

	rcu_read_lock();
	for_each_okvm_pte(iter, vm->mmu.fmt, root->spt, root->level, 1, gfn,
			  gfn + 1) {
		if (iter.level == 1)
			pte = iter.old_spte;
	}
	rcu_read_unlock();
	return pte;
}

static int map(struct ext_vm *vm, bool private, u64 gfn, u64 pfn, int level)
{
	int ret;

	read_lock(vm->mmu.lock);
	ret = okvm_mmu_map(&vm->mmu, private, gfn, pfn,
			   okvm_pt_level_pages(level), OKVM_PT_RWX, level, NULL);
	read_unlock(vm->mmu.lock);
	return ret;
}

static u64 zap(struct ext_vm *vm, unsigned int roots, u64 gfn, u64 nr)
{
	u64 n;

	write_lock(vm->mmu.lock);
	n = okvm_mmu_zap(&vm->mmu, roots, gfn, nr);
	write_unlock(vm->mmu.lock);
	return n;
}

/* Shared and private pages side by side in one hardware leaf table. */
static void interleaved_in_one_table(struct kunit *test)
{
	struct ext_vm *vm = test->priv;
	const struct okvm_pt_fmt *fmt = vm->mmu.fmt;
	u64 tables, pte, pfn;
	u32 perm;
	int level;

	KUNIT_ASSERT_EQ(test, map(vm, false, 0x1000, 0x500, 1), 0);
	KUNIT_ASSERT_EQ(test, map(vm, true, 0x1001, 0x700, 1), 0);
	KUNIT_ASSERT_EQ(test, map(vm, false, 0x1002, 0x502, 1), 0);

	pte = hw_pte(vm, 0x1000);
	KUNIT_EXPECT_TRUE(test, okvm_pte_leaf(fmt, pte, 1));
	KUNIT_EXPECT_FALSE(test, okvm_pte_ext(fmt, pte));
	KUNIT_EXPECT_EQ(test, okvm_pte_pfn(fmt, pte), 0x500);
	pte = hw_pte(vm, 0x1001);
	KUNIT_EXPECT_TRUE(test, okvm_pte_leaf(fmt, pte, 1));
	KUNIT_EXPECT_TRUE(test, okvm_pte_ext(fmt, pte));
	KUNIT_EXPECT_EQ(test, okvm_pte_pfn(fmt, pte), 0x700);
	KUNIT_EXPECT_EQ(test, okvm_pte_perm(fmt, pte) & OKVM_PT_RWX, OKVM_PT_RWX);

	/* Each root sees its own kind only. */
	KUNIT_EXPECT_FALSE(test, okvm_mmu_lookup(&vm->mmu, false, 0x1001, &pfn,
						 &perm, &level));
	KUNIT_EXPECT_TRUE(test, okvm_mmu_lookup(&vm->mmu, true, 0x1001, &pfn,
						&perm, &level));
	KUNIT_EXPECT_EQ(test, pfn, 0x700);
	KUNIT_EXPECT_FALSE(test, okvm_mmu_lookup(&vm->mmu, true, 0x1000, &pfn,
						 &perm, &level));
	/* A private leaf is counted once, by the mirror root. */
	KUNIT_EXPECT_EQ(test, atomic64_read(&vm->mmu.nr_leaves[1]), 3);

	/* A whole-space zap of the direct root: the private page stays, so do tables. */
	tables = atomic64_read(&vm->mmu.nr_tables);
	KUNIT_EXPECT_EQ(test, zap(vm, OKVM_ROOT_DIRECT, 0,
				  okvm_mmu_max_gfn(&vm->mmu) + 1), 2);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vm->mmu.nr_tables), tables);
	KUNIT_EXPECT_EQ(test, hw_pte(vm, 0x1000), 0);
	KUNIT_EXPECT_TRUE(test, okvm_pte_ext(fmt, hw_pte(vm, 0x1001)));

	/* The mirror's zap removes the hardware twin and flushes. */
	vm->nr_flushes = 0;
	KUNIT_EXPECT_EQ(test, zap(vm, OKVM_ROOT_MIRROR, 0x1001, 1), 1);
	KUNIT_EXPECT_EQ(test, hw_pte(vm, 0x1001), 0);
	KUNIT_EXPECT_GE(test, vm->nr_flushes, 1);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vm->mmu.nr_leaves[1]), 0);
}

/* One GFN, two kinds: the second one in is refused until the first goes. */
static void kinds_exclude_each_other(struct kunit *test)
{
	struct ext_vm *vm = test->priv;
	const struct okvm_pt_fmt *fmt = vm->mmu.fmt;
	u64 pfn;
	u32 perm;
	int level;

	KUNIT_ASSERT_EQ(test, map(vm, true, 0x2000, 0x700, 1), 0);
	KUNIT_EXPECT_EQ(test, map(vm, false, 0x2000, 0x500, 1), -EAGAIN);
	KUNIT_EXPECT_EQ(test, okvm_pte_pfn(fmt, hw_pte(vm, 0x2000)), 0x700);

	KUNIT_ASSERT_EQ(test, map(vm, false, 0x2001, 0x501, 1), 0);
	KUNIT_EXPECT_EQ(test, map(vm, true, 0x2001, 0x701, 1), -EAGAIN);
	/* The refused private map left no mirror entry behind. */
	KUNIT_EXPECT_FALSE(test, okvm_mmu_lookup(&vm->mmu, true, 0x2001, &pfn,
						 &perm, &level));
	KUNIT_EXPECT_EQ(test, okvm_pte_pfn(fmt, hw_pte(vm, 0x2001)), 0x501);

	/* Convert both: zap the old kind, map the new one. */
	KUNIT_EXPECT_EQ(test, zap(vm, OKVM_ROOT_MIRROR, 0x2000, 1), 1);
	KUNIT_EXPECT_EQ(test, map(vm, false, 0x2000, 0x500, 1), 0);
	KUNIT_EXPECT_EQ(test, zap(vm, OKVM_ROOT_DIRECT, 0x2001, 1), 1);
	KUNIT_EXPECT_EQ(test, map(vm, true, 0x2001, 0x701, 1), 0);
	KUNIT_EXPECT_FALSE(test, okvm_pte_ext(fmt, hw_pte(vm, 0x2000)));
	KUNIT_EXPECT_TRUE(test, okvm_pte_ext(fmt, hw_pte(vm, 0x2001)));

	/* No huge leaf in the shared table, nor a huge private one. */
	KUNIT_EXPECT_EQ(test, map(vm, false, 0x200000, 0x200000, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, map(vm, true, 0x400000, 0x200000, 2), -EINVAL);
	KUNIT_EXPECT_FALSE(test, vm->mmu.broken);
}

/* Write protection and aging are the direct root's: private leaves keep theirs. */
static void shared_ops_skip_private(struct kunit *test)
{
	struct ext_vm *vm = test->priv;
	u64 before;

	KUNIT_ASSERT_EQ(test, map(vm, true, 0x3000, 0x700, 1), 0);
	KUNIT_ASSERT_EQ(test, map(vm, false, 0x3001, 0x501, 1), 0);
	before = hw_pte(vm, 0x3000);

	write_lock(vm->mmu.lock);
	KUNIT_EXPECT_EQ(test, okvm_mmu_wrprot(&vm->mmu, 0x3000, 2), 1);
	write_unlock(vm->mmu.lock);
	KUNIT_EXPECT_EQ(test, hw_pte(vm, 0x3000), before);

	okvm_mmu_test_clear_young(&vm->mmu, 0x3000, 2, NULL, false);
	KUNIT_EXPECT_EQ(test, hw_pte(vm, 0x3000), before);
	KUNIT_EXPECT_FALSE(test, okvm_mmu_fast_unprotect(&vm->mmu, 0x3000));
	KUNIT_EXPECT_EQ(test, hw_pte(vm, 0x3000), before);
}

/*
 * A private fault's tables, the mirror root's and the hardware table's it
 * links, come from the vCPU's cache (filled where it may sleep), not from
 * atomic allocations under the lock.
 */
static void link_takes_cache_pages(struct kunit *test)
{
	struct ext_vm *vm = test->priv;
	int levels = vm->mmu.fmt->levels, ret;
	struct okvm_pt_cache cache = {};

	KUNIT_ASSERT_EQ(test, okvm_pt_cache_topup(&cache, ARRAY_SIZE(cache.pages)), 0);
	read_lock(vm->mmu.lock);
	ret = okvm_mmu_map(&vm->mmu, true, 0x1000, 0x700, 1, OKVM_PT_RWX, 1,
			   &cache);
	read_unlock(vm->mmu.lock);
	KUNIT_EXPECT_EQ(test, ret, 0);
	/* levels - 1 tables below each root, both from the cache. */
	KUNIT_EXPECT_EQ(test, cache.nr,
			(int)ARRAY_SIZE(cache.pages) - 2 * (levels - 1));
	KUNIT_EXPECT_TRUE(test, okvm_pte_ext(vm->mmu.fmt, hw_pte(vm, 0x1000)));
	okvm_pt_cache_free(&cache);
}

/* Only formats with an ext_bit can share their table with the mirror root. */
static void needs_ext_bit(struct kunit *test)
{
	struct okvm_mmu *mmu = kunit_kzalloc(test, sizeof(*mmu), GFP_KERNEL);
	struct okvm_mmu_cfg cfg = {
		.fmt = &okvm_fmt_s2_l4, .has_private = true, .ext_direct = true,
	};

	KUNIT_ASSERT_NOT_NULL(test, mmu);
	KUNIT_EXPECT_EQ(test, okvm_mmu_init(mmu, &cfg), -EINVAL);
	cfg.fmt = &okvm_fmt_npt4;
	cfg.has_private = false;
	KUNIT_EXPECT_EQ(test, okvm_mmu_init(mmu, &cfg), -EINVAL);
	cfg.has_private = true;
	cfg.ext_ops = &okvm_ext_sw_ops;
	KUNIT_EXPECT_EQ(test, okvm_mmu_init(mmu, &cfg), -EINVAL);
}

#define MODEL_GFNS	96	/* across a leaf-table boundary (at 0x...200) */
#define MODEL_BASE	(0x200 - MODEL_GFNS / 2)

enum model_kind { NONE, SHARED, PRIVATE };

/* Random maps, conversions and zaps; the hardware table is the model's. */
static void random_against_model(struct kunit *test)
{
	struct ext_vm *vm = test->priv;
	const struct okvm_pt_fmt *fmt = vm->mmu.fmt;
	u8 kind[MODEL_GFNS] = {};
	u64 pfn_of[MODEL_GFNS] = {};
	struct rnd_state rnd;
	int step, i;

	prandom_seed_state(&rnd, 12);
	for (step = 0; step < 3000; step++) {
		u32 op = prandom_u32_state(&rnd) % 6;
		int g = prandom_u32_state(&rnd) % MODEL_GFNS;
		int n = 1 + prandom_u32_state(&rnd) % 8;
		u64 gfn = MODEL_BASE + g, pfn = 0x10000 + step;
		int ret;

		switch (op) {
		case 0:
		case 1:		/* a fault of either kind */
			ret = map(vm, op, gfn, pfn, 1);
			if (kind[g] != NONE && kind[g] != (op ? PRIVATE : SHARED)) {
				KUNIT_ASSERT_EQ(test, ret, -EAGAIN);
			} else {
				KUNIT_ASSERT_EQ(test, ret, 0);
				kind[g] = op ? PRIVATE : SHARED;
				pfn_of[g] = pfn;
			}
			break;
		case 2:		/* conversion to private: zap shared */
		case 3:		/* to shared: zap private */
		case 4:		/* a punch-hole or memslot change of both */
			zap(vm, op == 2 ? OKVM_ROOT_DIRECT : op == 3 ?
			    OKVM_ROOT_MIRROR : OKVM_ROOT_ALL, gfn, n);
			for (i = g; i < g + n && i < MODEL_GFNS; i++)
				if (op == 4 || kind[i] == (op == 2 ? SHARED : PRIVATE))
					kind[i] = NONE;
			break;
		case 5:		/* aging and write protection, shared only */
			okvm_mmu_test_clear_young(&vm->mmu, gfn, n, NULL, false);
			write_lock(vm->mmu.lock);
			okvm_mmu_wrprot(&vm->mmu, gfn, n);
			write_unlock(vm->mmu.lock);
			/* Without accessed flags, aging zaps (shared) leaves. */
			for (i = g; !fmt->accessed_bit && i < g + n &&
			     i < MODEL_GFNS; i++)
				if (kind[i] == SHARED)
					kind[i] = NONE;
			break;
		}
		for (i = 0; i < MODEL_GFNS; i++) {
			u64 pte = hw_pte(vm, MODEL_BASE + i);

			KUNIT_ASSERT_EQ(test, okvm_pte_present(fmt, pte),
					kind[i] != NONE);
			if (kind[i] == NONE)
				continue;
			KUNIT_ASSERT_EQ(test, okvm_pte_ext(fmt, pte),
					kind[i] == PRIVATE);
			KUNIT_ASSERT_EQ(test, okvm_pte_pfn(fmt, pte), pfn_of[i]);
		}
		KUNIT_ASSERT_FALSE(test, vm->mmu.broken);
	}
}

#define CONC_BASE	0x3fe00ULL	/* crosses 2M tables and a 1G boundary */
#define CONC_LEN	1024ULL
#define SHARED_OFF	0x100000ULL	/* pfn = gfn + offset: checkable */
#define PRIVATE_OFF	0x200000ULL

enum conc_role { C_FAULT, C_ZAP, C_AGE_WP, NR_C_ROLES };

struct conc_worker {
	struct ext_vm *vm;
	enum conc_role role;
	u32 seed;
	int errors, last_err;
	struct okvm_pt_cache cache;
	struct completion done;
	struct task_struct *task;
};

static void conc_one(struct conc_worker *w, struct rnd_state *rs)
{
	struct okvm_mmu *mmu = &w->vm->mmu;
	u64 gfn = CONC_BASE + prandom_u32_state(rs) % CONC_LEN;
	u64 nr = 1 + prandom_u32_state(rs) % 64;
	bool private = prandom_u32_state(rs) & 1;
	int ret;

	nr = min(nr, CONC_BASE + CONC_LEN - gfn);
	switch (w->role) {
	case C_FAULT:
		if (okvm_pt_cache_topup(&w->cache, ARRAY_SIZE(w->cache.pages)))
			break;
		read_lock(mmu->lock);
		ret = okvm_mmu_map(mmu, private, gfn,
				   gfn + (private ? PRIVATE_OFF : SHARED_OFF), 1,
				   OKVM_PT_RWX | (private ? 0 : OKVM_PT_HOST_W),
				   1, &w->cache);
		read_unlock(mmu->lock);
		/* -EAGAIN: the other kind holds the GFN, as after a conversion. */
		if (ret && ret != -EAGAIN) {
			w->errors++;
			w->last_err = ret;
		}
		break;
	case C_ZAP:
		write_lock(mmu->lock);
		okvm_mmu_zap(mmu, 1 + prandom_u32_state(rs) % 3, gfn, nr);
		write_unlock(mmu->lock);
		break;
	case C_AGE_WP:
		okvm_mmu_test_clear_young(mmu, gfn, nr, NULL, true);
		okvm_mmu_fast_unprotect(mmu, gfn);
		write_lock(mmu->lock);
		okvm_mmu_wrprot(mmu, gfn, nr);
		write_unlock(mmu->lock);
		break;
	default:
		break;
	}
}

static int conc_fn(void *data)
{
	struct conc_worker *w = data;
	struct rnd_state rs;
	int i;

	prandom_seed_state(&rs, w->seed);
	for (i = 0; i < 1500; i++) {
		conc_one(w, &rs);
		if (!(i % 16))
			usleep_range(5, 20);
		cond_resched();
	}
	okvm_pt_cache_free(&w->cache);
	complete(&w->done);
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

/*
 * Three faulting threads, a zapper and an ager/write-protector at once,
 * yielding inside walks; seeds from @seed.
 */
static void run_conc_workers(struct kunit *test, struct ext_vm *vm, u32 seed)
{
	static const enum conc_role roles[] = { C_FAULT, C_FAULT, C_FAULT,
						C_ZAP, C_AGE_WP };
	struct conc_worker *w;
	int i;

	w = kunit_kcalloc(test, ARRAY_SIZE(roles), sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	vm->mmu.test_yield_every = 3;
	for (i = 0; i < ARRAY_SIZE(roles); i++) {
		w[i].vm = vm;
		w[i].role = roles[i];
		w[i].seed = seed + i;
		init_completion(&w[i].done);
		w[i].task = kthread_run(conc_fn, &w[i], "okvm_extd/%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(w[i].task));
	}
	for (i = 0; i < ARRAY_SIZE(roles); i++) {
		wait_for_completion(&w[i].done);
		kthread_stop(w[i].task);
		KUNIT_EXPECT_EQ_MSG(test, w[i].errors, 0, "worker %d, error %d",
				    i, w[i].last_err);
	}
	KUNIT_ASSERT_FALSE(test, vm->mmu.broken);
}

/* The hardware table and the mirror root, walked side by side at the end. */
static void parallel_kinds_stay_twins(struct kunit *test)
{
	struct ext_vm *vm = test->priv;
	const struct okvm_pt_fmt *fmt = vm->mmu.fmt;
	u64 gfn, shared = 0, private = 0, mirror_pfn;
	u32 perm;
	int level;

	run_conc_workers(test, vm, 77);

	for (gfn = CONC_BASE; gfn < CONC_BASE + CONC_LEN; gfn++) {
		u64 pte = hw_pte(vm, gfn);
		bool in_mirror = okvm_mmu_lookup(&vm->mmu, true, gfn,
						 &mirror_pfn, &perm, &level);

		KUNIT_ASSERT_FALSE(test, okvm_pte_frozen(fmt, pte));
		KUNIT_ASSERT_EQ(test, in_mirror, okvm_pte_ext(fmt, pte));
		if (!okvm_pte_present(fmt, pte))
			continue;
		if (in_mirror) {
			KUNIT_ASSERT_EQ(test, mirror_pfn, gfn + PRIVATE_OFF);
			KUNIT_ASSERT_EQ(test, okvm_pte_pfn(fmt, pte), mirror_pfn);
			private++;
		} else {
			KUNIT_ASSERT_EQ(test, okvm_pte_pfn(fmt, pte),
					gfn + SHARED_OFF);
			shared++;
		}
	}
	kunit_info(test, "%llu shared, %llu private pages left", shared,
		   private);
	/* Each page counted once: shared by the direct, private by the mirror root. */
	KUNIT_EXPECT_EQ(test, atomic64_read(&vm->mmu.nr_leaves[1]),
			shared + private);
}

/*
 * With GFN direct bits (okvm's shared-bit VM: TDX's layout), shared memory
 * lives above the bit in the same hardware table: a GFN's two kinds no
 * longer share an entry, so they may coexist, and each root's operations
 * reach only its own half.  The last GFN bit of the format is the shared
 * bit, as TDX puts it at the top of the guest-physical width.
 */
static int sb_init(struct kunit *test)
{
	const struct okvm_pt_fmt *fmt = *(const struct okvm_pt_fmt **)test->param_value;
	struct okvm_mmu_cfg cfg = {
		.fmt = fmt, .has_private = true, .ext_direct = true,
		.gfn_direct_bits = okvm_test_direct_bits(fmt),
		.tlb_ops = &ext_tlb_ops,
	};
	struct ext_vm *vm = kunit_kzalloc(test, sizeof(*vm), GFP_KERNEL);

	if (!vm)
		return -ENOMEM;
	cfg.tlb_priv = vm;
	test->priv = vm;
	return okvm_mmu_init(&vm->mmu, &cfg);
}

/* The hardware entry of @gfn's shared alias. */
static u64 hw_alias(struct ext_vm *vm, u64 gfn)
{
	return hw_pte(vm, gfn | vm->mmu.gfn_direct_bits);
}

/* One GFN mapped both ways at once: two entries, each root's own. */
static void sb_both_kinds_of_one_gfn(struct kunit *test)
{
	struct ext_vm *vm = test->priv;
	const struct okvm_pt_fmt *fmt = vm->mmu.fmt;
	u64 pfn;
	u32 perm;
	int level;

	/* Memslots end below the bit. */
	KUNIT_EXPECT_EQ(test, okvm_mmu_max_gfn(&vm->mmu),
			vm->mmu.gfn_direct_bits - 1);
	KUNIT_ASSERT_EQ(test, map(vm, true, 0x1000, 0x700, 1), 0);
	KUNIT_ASSERT_EQ(test, map(vm, false, 0x1000, 0x500, 1), 0);
	KUNIT_EXPECT_TRUE(test, okvm_pte_ext(fmt, hw_pte(vm, 0x1000)));
	KUNIT_EXPECT_EQ(test, okvm_pte_pfn(fmt, hw_pte(vm, 0x1000)), 0x700);
	KUNIT_EXPECT_TRUE(test, okvm_pte_leaf(fmt, hw_alias(vm, 0x1000), 1));
	KUNIT_EXPECT_FALSE(test, okvm_pte_ext(fmt, hw_alias(vm, 0x1000)));
	KUNIT_EXPECT_EQ(test, okvm_pte_pfn(fmt, hw_alias(vm, 0x1000)), 0x500);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vm->mmu.nr_leaves[1]), 2);
	/* Lookups take natural GFNs and find each root's own page. */
	KUNIT_EXPECT_TRUE(test, okvm_mmu_lookup(&vm->mmu, false, 0x1000, &pfn,
						&perm, &level));
	KUNIT_EXPECT_EQ(test, pfn, 0x500);
	KUNIT_EXPECT_TRUE(test, okvm_mmu_lookup(&vm->mmu, true, 0x1000, &pfn,
						&perm, &level));
	KUNIT_EXPECT_EQ(test, pfn, 0x700);

	/* Conversion to private zaps the alias only, and the other way round. */
	KUNIT_EXPECT_EQ(test, zap(vm, OKVM_ROOT_DIRECT, 0x1000, 1), 1);
	KUNIT_EXPECT_EQ(test, hw_alias(vm, 0x1000), 0);
	KUNIT_EXPECT_EQ(test, okvm_pte_pfn(fmt, hw_pte(vm, 0x1000)), 0x700);
	KUNIT_ASSERT_EQ(test, map(vm, false, 0x1000, 0x501, 1), 0);
	KUNIT_EXPECT_EQ(test, zap(vm, OKVM_ROOT_MIRROR, 0x1000, 1), 1);
	KUNIT_EXPECT_EQ(test, hw_pte(vm, 0x1000), 0);
	KUNIT_EXPECT_EQ(test, okvm_pte_pfn(fmt, hw_alias(vm, 0x1000)), 0x501);
	/* Aging and write protection reach the alias, never the private entry. */
	KUNIT_ASSERT_EQ(test, map(vm, true, 0x1000, 0x702, 1), 0);
	write_lock(vm->mmu.lock);
	KUNIT_EXPECT_EQ(test, okvm_mmu_wrprot(&vm->mmu, 0x1000, 1), 1);
	write_unlock(vm->mmu.lock);
	KUNIT_EXPECT_FALSE(test, okvm_pte_perm(fmt, hw_alias(vm, 0x1000)) &
			   OKVM_PT_W);
	KUNIT_EXPECT_TRUE(test, okvm_pte_perm(fmt, hw_pte(vm, 0x1000)) &
			  OKVM_PT_W);
	KUNIT_EXPECT_FALSE(test, vm->mmu.broken);
}

/*
 * Random maps and zaps of either kind against a model in which a GFN's
 * kinds are independent; the hardware table is checked at both halves
 * after every step.
 */
static void sb_random_against_model(struct kunit *test)
{
	struct ext_vm *vm = test->priv;
	const struct okvm_pt_fmt *fmt = vm->mmu.fmt;
	u64 pfn_of[2][MODEL_GFNS] = {};	/* [private], 0: not mapped */
	struct rnd_state rnd;
	int step, i, k;

	prandom_seed_state(&rnd, 13);
	for (step = 0; step < 3000; step++) {
		u32 op = prandom_u32_state(&rnd) % 6;
		int g = prandom_u32_state(&rnd) % MODEL_GFNS;
		int n = 1 + prandom_u32_state(&rnd) % 8;
		u64 gfn = MODEL_BASE + g, pfn = 0x10000 + step;

		switch (op) {
		case 0:
		case 1:		/* a fault of either kind: never refused */
			if (pfn_of[op][g])
				break;	/* a second fault finds it mapped */
			KUNIT_ASSERT_EQ(test, map(vm, op, gfn, pfn, 1), 0);
			pfn_of[op][g] = pfn;
			break;
		case 2:
		case 3:
		case 4:
			zap(vm, op == 2 ? OKVM_ROOT_DIRECT : op == 3 ?
			    OKVM_ROOT_MIRROR : OKVM_ROOT_ALL, gfn, n);
			for (i = g; i < g + n && i < MODEL_GFNS; i++) {
				if (op != 3)
					pfn_of[0][i] = 0;
				if (op != 2)
					pfn_of[1][i] = 0;
			}
			break;
		case 5:
			okvm_mmu_test_clear_young(&vm->mmu, gfn, n, NULL, false);
			write_lock(vm->mmu.lock);
			okvm_mmu_wrprot(&vm->mmu, gfn, n);
			write_unlock(vm->mmu.lock);
			for (i = g; !fmt->accessed_bit && i < g + n &&
			     i < MODEL_GFNS; i++)
				pfn_of[0][i] = 0;
			break;
		}
		for (i = 0; i < MODEL_GFNS; i++) {
			for (k = 0; k < 2; k++) {
				u64 pte = k ? hw_pte(vm, MODEL_BASE + i) :
					      hw_alias(vm, MODEL_BASE + i);

				KUNIT_ASSERT_EQ(test, okvm_pte_present(fmt, pte),
						pfn_of[k][i] != 0);
				if (!pfn_of[k][i])
					continue;
				KUNIT_ASSERT_EQ(test, okvm_pte_ext(fmt, pte), k == 1);
				KUNIT_ASSERT_EQ(test, okvm_pte_pfn(fmt, pte),
						pfn_of[k][i]);
			}
		}
		KUNIT_ASSERT_FALSE(test, vm->mmu.broken);
	}
}

/* The concurrency workers of parallel_kinds_stay_twins, on both halves. */
static void sb_parallel_halves_stay_exact(struct kunit *test)
{
	struct ext_vm *vm = test->priv;
	const struct okvm_pt_fmt *fmt = vm->mmu.fmt;
	u64 gfn, shared = 0, private = 0, mirror_pfn;
	u32 perm;
	int level;

	run_conc_workers(test, vm, 91);

	for (gfn = CONC_BASE; gfn < CONC_BASE + CONC_LEN; gfn++) {
		u64 pte = hw_pte(vm, gfn), alias = hw_alias(vm, gfn);
		bool in_mirror = okvm_mmu_lookup(&vm->mmu, true, gfn,
						 &mirror_pfn, &perm, &level);

		KUNIT_ASSERT_FALSE(test, okvm_pte_frozen(fmt, pte));
		KUNIT_ASSERT_FALSE(test, okvm_pte_frozen(fmt, alias));
		/* The natural half is private only, the alias shared only. */
		KUNIT_ASSERT_EQ(test, okvm_pte_present(fmt, pte), in_mirror);
		KUNIT_ASSERT_FALSE(test, okvm_pte_ext(fmt, alias));
		if (in_mirror) {
			KUNIT_ASSERT_TRUE(test, okvm_pte_ext(fmt, pte));
			KUNIT_ASSERT_EQ(test, mirror_pfn, gfn + PRIVATE_OFF);
			KUNIT_ASSERT_EQ(test, okvm_pte_pfn(fmt, pte), mirror_pfn);
			private++;
		}
		if (okvm_pte_present(fmt, alias)) {
			KUNIT_ASSERT_EQ(test, okvm_pte_pfn(fmt, alias),
					gfn + SHARED_OFF);
			shared++;
		}
	}
	kunit_info(test, "%llu shared, %llu private pages left", shared,
		   private);
	KUNIT_EXPECT_EQ(test, atomic64_read(&vm->mmu.nr_leaves[1]),
			shared + private);
}

static struct kunit_case ext_direct_cases[] = {
	KUNIT_CASE_PARAM(interleaved_in_one_table, ext_fmt_gen_params),
	KUNIT_CASE_PARAM(kinds_exclude_each_other, ext_fmt_gen_params),
	KUNIT_CASE_PARAM(shared_ops_skip_private, ext_fmt_gen_params),
	KUNIT_CASE_PARAM(needs_ext_bit, ext_fmt_gen_params),
	KUNIT_CASE_PARAM(link_takes_cache_pages, ext_fmt_gen_params),
	KUNIT_CASE_PARAM(random_against_model, ext_fmt_gen_params),
	KUNIT_CASE_PARAM(parallel_kinds_stay_twins, ext_fmt_gen_params),
	{}
};

static struct kunit_suite ext_direct_suite = {
	.name = "okvm_ext_direct",
	.init = ext_init,
	.exit = ext_exit,
	.test_cases = ext_direct_cases,
};
kunit_test_suite(ext_direct_suite);

static struct kunit_case ext_direct_sb_cases[] = {
	KUNIT_CASE_PARAM(sb_both_kinds_of_one_gfn, ext_fmt_gen_params),
	KUNIT_CASE_PARAM(sb_random_against_model, ext_fmt_gen_params),
	KUNIT_CASE_PARAM(sb_parallel_halves_stay_exact, ext_fmt_gen_params),
	{}
};

static struct kunit_suite ext_direct_sb_suite = {
	.name = "okvm_ext_direct_shared_bit",
	.init = sb_init,
	.exit = ext_exit,
	.test_cases = ext_direct_sb_cases,
};
kunit_test_suite(ext_direct_sb_suite);
