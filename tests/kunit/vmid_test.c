// SPDX-License-Identifier: GPL-2.0-only
/*
 * okvm_vmid: the VMID allocator: unique VMIDs within a generation,
 * rollover when they run out, VMIDs running on a CPU kept across a
 * rollover, and a TLB flush on every CPU before it runs a VMID of a new
 * generation.
 */
#include <kunit/test.h>
#include <linux/prandom.h>

#include "arm64/vmid.h"

struct vmid_ctx {
	struct okvm_vmid_alloc a;
	struct okvm_vmid v[64];
};

static int vmid_init(struct kunit *test)
{
	struct vmid_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	int i, ret;

	if (!c)
		return -ENOMEM;
	ret = okvm_vmid_alloc_init(&c->a, 3, 4);	/* VMIDs 1..7, 4 CPUs */
	if (ret)
		return ret;
	for (i = 0; i < ARRAY_SIZE(c->v); i++)
		okvm_vmid_init(&c->v[i]);
	test->priv = c;
	return 0;
}

static void vmid_exit(struct kunit *test)
{
	struct vmid_ctx *c = test->priv;

	if (c)
		okvm_vmid_alloc_destroy(&c->a);
}

static u64 gen(struct vmid_ctx *c, int i)
{
	return okvm_vmid_generation(&c->a, atomic64_read(&c->v[i].id));
}

static void unique_within_generation(struct kunit *test)
{
	struct vmid_ctx *c = test->priv;
	int i, j;

	for (i = 0; i < 7; i++) {
		KUNIT_EXPECT_FALSE(test, okvm_vmid_update(&c->a, &c->v[i], 0));
		KUNIT_EXPECT_NE(test, okvm_vmid_value(&c->a, &c->v[i]), 0);
	}
	for (i = 0; i < 7; i++)
		for (j = i + 1; j < 7; j++)
			KUNIT_EXPECT_NE(test, okvm_vmid_value(&c->a, &c->v[i]),
					okvm_vmid_value(&c->a, &c->v[j]));
	/* Re-running a current VMID keeps it and needs no flush. */
	KUNIT_EXPECT_FALSE(test, okvm_vmid_update(&c->a, &c->v[3], 1));
	KUNIT_EXPECT_EQ(test, gen(c, 3), gen(c, 0));
	KUNIT_EXPECT_EQ(test, c->a.nr_rollovers, 0);
}

static void rollover_flushes_and_keeps_running(struct kunit *test)
{
	struct vmid_ctx *c = test->priv;
	u32 running;
	u64 g0;
	int i, cpu;

	for (i = 0; i < 7; i++)
		okvm_vmid_update(&c->a, &c->v[i], i % 4);
	g0 = gen(c, 0);
	/* v[5] runs on CPU 1 right now. */
	okvm_vmid_update(&c->a, &c->v[5], 1);
	running = okvm_vmid_value(&c->a, &c->v[5]);

	/* The eighth VM on CPU 0: no VMID left, rollover, CPU 0 flushes. */
	KUNIT_EXPECT_TRUE(test, okvm_vmid_update(&c->a, &c->v[7], 0));
	KUNIT_EXPECT_EQ(test, c->a.nr_rollovers, 1);
	KUNIT_EXPECT_EQ(test, gen(c, 7), g0 + 1);
	KUNIT_EXPECT_NE(test, okvm_vmid_value(&c->a, &c->v[7]), running);

	/* CPU 1 keeps v[5]'s VMID but must flush before the new generation. */
	KUNIT_EXPECT_TRUE(test, okvm_vmid_update(&c->a, &c->v[5], 1));
	KUNIT_EXPECT_EQ(test, okvm_vmid_value(&c->a, &c->v[5]), running);
	KUNIT_EXPECT_EQ(test, gen(c, 5), g0 + 1);
	KUNIT_EXPECT_FALSE(test, okvm_vmid_update(&c->a, &c->v[5], 1));
	/* Every other CPU flushes exactly once too. */
	for (cpu = 2; cpu < 4; cpu++) {
		KUNIT_EXPECT_TRUE(test, okvm_vmid_update(&c->a, &c->v[0], cpu));
		KUNIT_EXPECT_FALSE(test, okvm_vmid_update(&c->a, &c->v[0], cpu));
	}
}

/*
 * Random VM/CPU schedules: two different VMs never hold the same VMID in
 * the same generation while active, and a CPU never runs a generation it
 * has not flushed for.
 */
static void random_schedule_invariants(struct kunit *test)
{
	struct vmid_ctx *c = test->priv;
	u64 flushed_gen[4] = {}, g;
	int running[4] = { -1, -1, -1, -1 };
	struct rnd_state rs;
	int i, cpu, vm, other;

	prandom_seed_state(&rs, 42);
	for (i = 0; i < 20000; i++) {
		bool flush;

		cpu = prandom_u32_state(&rs) % 4;
		vm = prandom_u32_state(&rs) % 40;
		flush = okvm_vmid_update(&c->a, &c->v[vm], cpu);
		g = gen(c, vm);
		if (flush)
			flushed_gen[cpu] = g;
		/* A first run on a CPU counts as flushed at generation 1. */
		if (!flushed_gen[cpu] && c->a.nr_rollovers == 0)
			flushed_gen[cpu] = g;
		KUNIT_ASSERT_EQ_MSG(test, flushed_gen[cpu], g,
				    "cpu %d runs gen %llu without flush", cpu, g);
		running[cpu] = vm;
		for (other = 0; other < 4; other++) {
			int ovm = running[other];

			if (other == cpu || ovm < 0 || ovm == vm ||
			    gen(c, ovm) != g)
				continue;
			KUNIT_ASSERT_NE(test, okvm_vmid_value(&c->a, &c->v[ovm]),
					okvm_vmid_value(&c->a, &c->v[vm]));
		}
	}
	KUNIT_EXPECT_GT(test, c->a.nr_rollovers, 10);
	kunit_info(test, "%llu rollovers", c->a.nr_rollovers);
}

static struct kunit_case vmid_cases[] = {
	KUNIT_CASE(unique_within_generation),
	KUNIT_CASE(rollover_flushes_and_keeps_running),
	KUNIT_CASE(random_schedule_invariants),
	{}
};

static struct kunit_suite vmid_suite = {
	.name = "okvm_vmid",
	.init = vmid_init,
	.exit = vmid_exit,
	.test_cases = vmid_cases,
};
kunit_test_suite(vmid_suite);
