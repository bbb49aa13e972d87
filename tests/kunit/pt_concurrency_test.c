// SPDX-License-Identifier: GPL-2.0-only
/*
 * okvm_pt_concurrency: kthreads faulting (read lock), aging and fixing
 * write-protection faults (no lock), zapping, write-protecting and
 * splitting (write lock) the same ranges of both roots at once, then a
 * consistency check of the tables, the accounting and the external table.
 * Under UML (one CPU) the threads interleave at yield points, forced
 * often inside walks; with kunit.py --arch=x86_64 -smp 2 they run in
 * parallel. Also the rules of the lockless write-protection fix alone.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/prandom.h>
#include <linux/rcupdate.h>

#include "mmu/pt_iter.h"
#include "mmu_test_util.h"

#define WBASE		0x3fc00ULL	/* crosses a 1G boundary */
#define WLEN		4096ULL
#define ITERS		1500
#define SHARED_OFF	0x100000ULL	/* pfn = gfn + offset: checkable */
#define PRIVATE_OFF	0x200000ULL

static const struct okvm_pt_fmt *const conc_fmts[] = {
	&okvm_fmt_npt4, &okvm_fmt_ept5, &okvm_fmt_s2_l4,
};
KUNIT_ARRAY_PARAM(fmt, conc_fmts, okvm_test_fmt_desc);

enum role { FAULT, AGE, ZAP, WRPROT_SPLIT, FAST_WP, NR_ROLES };

struct worker {
	struct okvm_test_vm *vm;
	enum role role;
	u32 seed;
	int errors;
	int last_err;
	struct okvm_pt_cache cache;
	u64 ops;
	struct completion done;
	struct task_struct *task;
};

static u64 rnd(struct rnd_state *rs, u64 n)
{
	return prandom_u32_state(rs) % n;
}

static void work_one(struct worker *w, struct rnd_state *rs,
		     unsigned long *bm)
{
	struct okvm_mmu *mmu = &w->vm->mmu;
	u64 off = rnd(rs, WLEN), gfn = WBASE + off;
	u64 nr = 1 + rnd(rs, min(600ULL, WLEN - off));
	bool private = rnd(rs, 2);

	switch (w->role) {
	case FAULT: {
		int level = rnd(rs, 4) ? 1 : 2, ret;
		u64 pages = okvm_pt_level_pages(level);
		u32 perm = OKVM_PT_R;

		/*
		 * As the fault path: writable mappings are host-writable,
		 * read-only ones may be (a logged page), private ones never.
		 */
		if (rnd(rs, 2))
			perm |= OKVM_PT_W;
		if (!private && ((perm & OKVM_PT_W) || rnd(rs, 2)))
			perm |= OKVM_PT_HOST_W;

		gfn = round_down(gfn, pages);
		nr = pages * (1 + rnd(rs, 8));
		if (gfn + nr > WBASE + WLEN)
			nr = WBASE + WLEN - gfn;
		/* As a fault does: fill the table cache before the lock. */
		if (okvm_pt_cache_topup(&w->cache, ARRAY_SIZE(w->cache.pages)))
			break;
		read_lock(mmu->lock);
		ret = okvm_mmu_map(mmu, private, gfn,
				   gfn + (private ? PRIVATE_OFF : SHARED_OFF),
				   nr, perm, level, &w->cache);
		read_unlock(mmu->lock);
		if (ret) {
			w->errors++;
			w->last_err = ret;
		}
		break;
	}
	case AGE:
		bitmap_zero(bm, WLEN);
		okvm_mmu_test_clear_young(mmu, gfn, nr, bm, true);
		/* Nothing may be reported outside the range. */
		if (find_next_bit(bm, WLEN, nr) != WLEN)
			w->errors++;
		break;
	case ZAP:
		write_lock(mmu->lock);
		okvm_mmu_zap(mmu, private ? OKVM_ROOT_MIRROR : OKVM_ROOT_ALL,
			     gfn, nr);
		write_unlock(mmu->lock);
		break;
	case WRPROT_SPLIT:
		write_lock(mmu->lock);
		if (rnd(rs, 2))
			okvm_mmu_wrprot(mmu, gfn, nr);
		else if (okvm_mmu_split(mmu, OKVM_ROOT_ALL, gfn, nr, 1, NULL) < 0)
			w->errors++;
		write_unlock(mmu->lock);
		break;
	case FAST_WP:
		/* A write fault on a logged page, fixed without the lock. */
		okvm_mmu_fast_unprotect(mmu, gfn);
		break;
	default:
		break;
	}
	w->ops++;
}

static int worker_fn(void *data)
{
	struct worker *w = data;
	unsigned long *bm = bitmap_zalloc(WLEN, GFP_KERNEL);
	struct rnd_state rs;
	int i;

	prandom_seed_state(&rs, w->seed);
	if (!bm)
		w->errors++;
	for (i = 0; bm && i < ITERS; i++) {
		work_one(w, &rs, bm);
		/* Let the others in between operations, not only inside. */
		if (!(i % 16))
			usleep_range(5, 20);
		cond_resched();
	}
	bitmap_free(bm);
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

/* Every leaf maps exactly the frame its GFN was faulted with. */
static void check_frames(struct kunit *test, struct okvm_test_vm *vm,
			 struct okvm_pt_root *root, u64 off)
{
	const struct okvm_pt_fmt *fmt = vm->mmu.fmt;
	u64 start = okvm_root_gfn(root, WBASE);
	struct okvm_pt_iter iter;

	rcu_read_lock();
	for_each_okvm_pte(iter, fmt, root->spt, root->level, 1, 0,
			  okvm_pt_fmt_gfns(fmt)) {
		if (!okvm_pte_leaf(fmt, iter.old_spte, iter.level))
			continue;
		KUNIT_EXPECT_GE(test, iter.gfn, start);
		KUNIT_EXPECT_LT(test, iter.gfn, start + WLEN);
		KUNIT_EXPECT_EQ(test, okvm_pte_pfn(fmt, iter.old_spte),
				(iter.gfn & ~root->gfn_bits) + off);
		KUNIT_EXPECT_TRUE(test, okvm_pte_perm(fmt, iter.old_spte) &
				  OKVM_PT_R);
		/* Only host-writable leaves were ever made writable. */
		if (fmt->host_w_bit && !root->mirror &&
		    (iter.old_spte & fmt->w_bit))
			KUNIT_EXPECT_TRUE(test, iter.old_spte & fmt->host_w_bit);
	}
	rcu_read_unlock();
}

static void parallel_fault_age_zap(struct kunit *test)
{
	static const enum role roles[] = { FAULT, FAULT, FAULT, AGE, AGE,
					   ZAP, WRPROT_SPLIT, FAST_WP, FAST_WP };
	struct okvm_test_vm *vm = test->priv;
	struct worker *w;
	u64 ops = 0;
	int i;

	w = kunit_kcalloc(test, ARRAY_SIZE(roles), sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	/* Yield inside walks often, so that threads interleave mid-walk. */
	vm->mmu.test_yield_every = 3;

	for (i = 0; i < ARRAY_SIZE(roles); i++) {
		w[i].vm = vm;
		w[i].role = roles[i];
		w[i].seed = 1000 + i;
		init_completion(&w[i].done);
		w[i].task = kthread_run(worker_fn, &w[i], "okvm_conc/%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(w[i].task));
	}
	for (i = 0; i < ARRAY_SIZE(roles); i++) {
		wait_for_completion(&w[i].done);
		kthread_stop(w[i].task);
		KUNIT_EXPECT_EQ_MSG(test, w[i].errors, 0, "worker %d, error %d",
				    i, w[i].last_err);
		ops += w[i].ops;
	}
	kunit_info(test, "%llu operations by %zu threads", ops,
		   ARRAY_SIZE(roles));

	okvm_test_check_tables(test, vm);
	check_frames(test, vm, &vm->mmu.direct, SHARED_OFF);
	check_frames(test, vm, vm->mmu.mirror, PRIVATE_OFF);
	KUNIT_EXPECT_EQ(test, vm->ext.errors, 0);
}

/* Permissions of @gfn's leaf in the direct root, 0 if unmapped. */
static u32 leaf_perm(struct okvm_mmu *mmu, u64 gfn)
{
	u64 pfn;
	u32 perm;
	int level;

	return okvm_mmu_lookup(mmu, false, gfn, &pfn, &perm, &level) ? perm : 0;
}

/*
 * okvm_mmu_fast_unprotect() alone: it makes a write-protected,
 * host-writable 4K leaf writable and nothing else, keeps the frame and
 * the accessed state, and write protection keeps OKVM_PT_HOST_W so that
 * the next write is fixed again. Formats without a host-writable bit
 * (stage 2 here) always leave the fault to the slow path.
 */
static void fast_unprotect_rules(struct kunit *test)
{
	struct okvm_test_vm *vm = test->priv;
	struct okvm_mmu *mmu = &vm->mmu;
	bool has = mmu->fmt->host_w_bit;
	const u32 rx = OKVM_PT_R | OKVM_PT_X;
	struct okvm_pt_cache cache = {};
	u64 pfn;
	u32 perm;
	int level;

	KUNIT_ASSERT_EQ(test, okvm_pt_cache_topup(&cache, 8), 0);
	read_lock(mmu->lock);
	/* 0x1000: logged page, host-writable; 0x1001: host read-only. */
	KUNIT_ASSERT_EQ(test, okvm_mmu_map(mmu, false, 0x1000, 0x5000, 1,
					   rx | OKVM_PT_HOST_W, 1, &cache), 0);
	KUNIT_ASSERT_EQ(test, okvm_mmu_map(mmu, false, 0x1001, 0x5001, 1, rx,
					   1, &cache), 0);
	/* A 2M leaf, host-writable but read-only: not this path's case. */
	KUNIT_ASSERT_EQ(test, okvm_mmu_map(mmu, false, 0x1200, 0x5200, 512,
					   rx | OKVM_PT_HOST_W, 2, &cache), 0);
	read_unlock(mmu->lock);
	okvm_pt_cache_free(&cache);

	KUNIT_EXPECT_EQ(test, okvm_mmu_fast_unprotect(mmu, 0x1000), has);
	KUNIT_EXPECT_EQ(test, !!(leaf_perm(mmu, 0x1000) & OKVM_PT_W), has);
	KUNIT_ASSERT_TRUE(test, okvm_mmu_lookup(mmu, false, 0x1000, &pfn, &perm,
						&level));
	KUNIT_EXPECT_EQ(test, pfn, 0x5000);
	KUNIT_EXPECT_EQ(test, level, 1);
	/* Already writable: fixed (by "another vCPU"), nothing changes. */
	KUNIT_EXPECT_EQ(test, okvm_mmu_fast_unprotect(mmu, 0x1000), has);
	KUNIT_EXPECT_FALSE(test, okvm_mmu_fast_unprotect(mmu, 0x1001));
	KUNIT_EXPECT_FALSE(test, leaf_perm(mmu, 0x1001) & OKVM_PT_W);
	KUNIT_EXPECT_FALSE(test, okvm_mmu_fast_unprotect(mmu, 0x1234));
	KUNIT_EXPECT_FALSE(test, leaf_perm(mmu, 0x1234) & OKVM_PT_W);
	KUNIT_EXPECT_FALSE(test, okvm_mmu_fast_unprotect(mmu, 0x3000));

	/* Write protection keeps host-writable: the next write is fixed. */
	write_lock(mmu->lock);
	okvm_mmu_wrprot(mmu, 0x1000, 1);
	write_unlock(mmu->lock);
	KUNIT_EXPECT_FALSE(test, leaf_perm(mmu, 0x1000) & OKVM_PT_W);
	KUNIT_EXPECT_EQ(test, okvm_mmu_fast_unprotect(mmu, 0x1000), has);

	/* Gone after a zap (the host changed its mapping). */
	write_lock(mmu->lock);
	okvm_mmu_zap(mmu, OKVM_ROOT_ALL, 0x1000, 1);
	write_unlock(mmu->lock);
	KUNIT_EXPECT_FALSE(test, okvm_mmu_fast_unprotect(mmu, 0x1000));
	KUNIT_EXPECT_EQ(test, leaf_perm(mmu, 0x1000), 0);
	okvm_test_check_tables(test, vm);
}

static struct kunit_case conc_cases[] = {
	KUNIT_CASE_PARAM(parallel_fault_age_zap, fmt_gen_params),
	KUNIT_CASE_PARAM(fast_unprotect_rules, fmt_gen_params),
	{}
};

static struct kunit_suite conc_suite = {
	.name = "okvm_pt_concurrency",
	.init = okvm_test_vm_param_init,
	.exit = okvm_test_vm_param_exit,
	.test_cases = conc_cases,
};
kunit_test_suite(conc_suite);
