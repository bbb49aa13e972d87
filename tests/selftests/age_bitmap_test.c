// SPDX-License-Identifier: GPL-2.0-only
/*
 * OKVM_AGE_BITMAP (include/uapi/linux/okvm.h): a VMM harvests and clears
 * the accessed state of a memslot range into a bitmap.
 *
 * A guest reads a list of pages of slot 1 that the host writes into its
 * memory, then exits with an OUT; the bitmap must show exactly those
 * pages, a second harvest none. Under concurrent faults and host
 * MADV_DONTNEED (MMU-notifier zaps) a harvest never shows a page the guest
 * never touches, and afterwards the next round is exact again. A 2M
 * mapping reports all its pages. Every bad request gets its errno and
 * changes nothing.
 *
 * okvm's own extension: on in-tree KVM the capability reads 0 and the
 * ioctl is unknown (-ENOTTY), which is checked; the rest is skipped there.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/okvm.h>

#include "kselftest_harness.h"
#include "lib/guest.h"
#include "lib/guest_fixture.h"

#define SLOT1_GPA	0x1000000UL
#define SLOT1_PAGES	1024UL
#define SLOT1_SIZE	(SLOT1_PAGES << 12)
#define LIST_GPA	G_DATA		/* u32 count, then u32 page indices */
#define DONE_PORT	0x10

/* Read one u64 from each listed page of slot 1, then OUT to DONE_PORT. */
GUEST_PAGE_LIST_CODE(touch_guest, 0x1000000, "mov (%rax), %r8");

static int has_age_bitmap(struct guest *g)
{
	return okvm_ioctl(g->vm, KVM_CHECK_EXTENSION, OKVM_CAP_AGE_BITMAP) == 1;
}

static long age(struct guest *g, uint32_t slot, uint64_t first, uint64_t n,
		void *bitmap, uint32_t flags)
{
	struct okvm_age_bitmap a = {
		.size = sizeof(a), .flags = flags, .slot = slot,
		.first_page = first, .num_pages = n,
		.bitmap = (uint64_t)(unsigned long)bitmap,
	};

	return okvm_ioctl(g->vm, OKVM_AGE_BITMAP, &a);
}

/* Slot 1: SLOT1_SIZE of host memory populated by the host, 4K-mapped. */
static uint8_t *add_slot1(struct guest *g)
{
	uint8_t *m = mmap(NULL, SLOT1_SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		return NULL;
	madvise(m, SLOT1_SIZE, MADV_NOHUGEPAGE);
	memset(m, 0x5a, SLOT1_SIZE);
	if (guest_set_slot(g, 1, 0, SLOT1_GPA, SLOT1_SIZE, m))
		return NULL;
	return m;
}

static void set_list(struct guest *g, const uint32_t *pages, uint32_t n)
{
	uint32_t *l = guest_ptr(g, LIST_GPA);

	l[0] = n;
	memcpy(l + 1, pages, n * sizeof(*pages));
}

/* One round of the guest: the listed pages are read, then it exits. */
static long one_round(struct guest *g)
{
	long r = guest_run_timeout(g, 0, 60);
	struct kvm_run *run = g->vcpu[0].run;

	if (r)
		return r;
	if (run->exit_reason != KVM_EXIT_IO || run->io.port != DONE_PORT)
		return -EPROTO;
	return 0;
}

static int bit(const uint64_t *b, uint64_t i)
{
	return (b[i / 64] >> (i % 64)) & 1;
}

/* Bits of b[0..n) that differ from the set pages[]; logs the first few. */
static int diff_bits(const uint64_t *b, uint64_t n, const uint32_t *pages,
		     uint32_t np)
{
	uint8_t *want = calloc(n, 1);
	int bad = 0;
	uint64_t i;

	for (i = 0; i < np; i++)
		want[pages[i]] = 1;
	for (i = 0; i < n; i++) {
		if (bit(b, i) == want[i])
			continue;
		if (bad++ < 8)
			fprintf(stderr, "# page %lu: bit %d, expected %d\n",
				(unsigned long)i, bit(b, i), want[i]);
	}
	free(want);
	return bad;
}

TEST_F(g, not_a_kvm_number)
{
	struct okvm_age_bitmap a = { .size = sizeof(a), .slot = 0,
				     .num_pages = 1 };
	uint64_t b = 0;
	long r;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, touch_guest,
			     touch_guest_end), 0);
	a.bitmap = (uint64_t)(unsigned long)&b;
	r = okvm_ioctl(self->g.kvm, KVM_CHECK_EXTENSION, OKVM_CAP_AGE_BITMAP);
	if (r == 0) {
		/* In-tree KVM: okvm's numbers are nothing to it. */
		EXPECT_EQ(okvm_ioctl(self->g.vm, OKVM_AGE_BITMAP, &a), -ENOTTY);
		return;
	}
	EXPECT_EQ(r, 1);
	EXPECT_EQ(okvm_ioctl(self->g.vm, OKVM_AGE_BITMAP, &a), 0);
}

TEST_F(g, exactly_the_touched_pages)
{
	static const uint32_t s1[] = { 0, 1, 5, 63, 64, 200, 511, 512, 1000, 1023 };
	static const uint32_t s2[] = { 3, 64, 700, 1023 };
	static const uint32_t sub[] = { 0, 136, 447, 448 };	/* 64 + i */
	static const uint32_t rest[] = { 0, 1, 5, 63, 1000, 1023 };
	uint64_t b[SLOT1_PAGES / 64];

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, touch_guest,
			     touch_guest_end), 0);
	if (!has_age_bitmap(&self->g))
		SKIP(return, "no OKVM_CAP_AGE_BITMAP (not okvm)");
	ASSERT_NE(add_slot1(&self->g), NULL);

	set_list(&self->g, s1, ARRAY_SIZE(s1));
	ASSERT_EQ(one_round(&self->g), 0);
	memset(b, 0xff, sizeof(b));
	ASSERT_EQ(age(&self->g, 1, 0, SLOT1_PAGES, b, OKVM_AGE_TEST_ONLY), 0);
	EXPECT_EQ(diff_bits(b, SLOT1_PAGES, s1, ARRAY_SIZE(s1)), 0);
	/* Test-only changed nothing: the harvest sees the same. */
	memset(b, 0xff, sizeof(b));
	ASSERT_EQ(age(&self->g, 1, 0, SLOT1_PAGES, b, 0), 0);
	EXPECT_EQ(diff_bits(b, SLOT1_PAGES, s1, ARRAY_SIZE(s1)), 0);
	/* Cleared: the next harvest is empty. */
	memset(b, 0xff, sizeof(b));
	ASSERT_EQ(age(&self->g, 1, 0, SLOT1_PAGES, b, 0), 0);
	EXPECT_EQ(diff_bits(b, SLOT1_PAGES, s1, 0), 0);

	/* Touched again (mapped pages among them): exactly the new set. */
	set_list(&self->g, s2, ARRAY_SIZE(s2));
	ASSERT_EQ(one_round(&self->g), 0);
	ASSERT_EQ(age(&self->g, 1, 0, SLOT1_PAGES, b, 0), 0);
	EXPECT_EQ(diff_bits(b, SLOT1_PAGES, s2, ARRAY_SIZE(s2)), 0);

	/* A sub-range: bit 0 is first_page, bits past num_pages are 0. */
	set_list(&self->g, s1, ARRAY_SIZE(s1));
	ASSERT_EQ(one_round(&self->g), 0);
	memset(b, 0xff, sizeof(b));
	ASSERT_EQ(age(&self->g, 1, 64, 450, b, 0), 0);
	EXPECT_EQ(diff_bits(b, 512, sub, ARRAY_SIZE(sub)), 0);
	/* ...and only the sub-range was cleared. */
	ASSERT_EQ(age(&self->g, 1, 0, SLOT1_PAGES, b, 0), 0);
	EXPECT_EQ(diff_bits(b, SLOT1_PAGES, rest, ARRAY_SIZE(rest)), 0);
}

TEST_F(g, errnos_change_nothing)
{
	static const uint32_t s1[] = { 2, 77 };
	struct okvm_age_bitmap a, big[2];
	uint64_t b[SLOT1_PAGES / 64];
	void *ro;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, touch_guest,
			     touch_guest_end), 0);
	if (!has_age_bitmap(&self->g))
		SKIP(return, "no OKVM_CAP_AGE_BITMAP (not okvm)");
	ASSERT_NE(add_slot1(&self->g), NULL);
	set_list(&self->g, s1, ARRAY_SIZE(s1));
	ASSERT_EQ(one_round(&self->g), 0);

#define A_OK { .size = sizeof(a), .slot = 1, .num_pages = SLOT1_PAGES, \
	       .bitmap = (uint64_t)(unsigned long)b }
	a = (struct okvm_age_bitmap)A_OK;
	a.size = 39;	/* shorter than the first version (40) */
	EXPECT_EQ(okvm_ioctl(self->g.vm, OKVM_AGE_BITMAP, &a), -EINVAL);
	a = (struct okvm_age_bitmap)A_OK;
	a.flags = 2;
	EXPECT_EQ(okvm_ioctl(self->g.vm, OKVM_AGE_BITMAP, &a), -EINVAL);
	a = (struct okvm_age_bitmap)A_OK;
	a.__reserved0 = 1;
	EXPECT_EQ(okvm_ioctl(self->g.vm, OKVM_AGE_BITMAP, &a), -EINVAL);
	a = (struct okvm_age_bitmap)A_OK;
	a.__reserved[3] = 1;
	EXPECT_EQ(okvm_ioctl(self->g.vm, OKVM_AGE_BITMAP, &a), -EINVAL);
	/* A longer struct: zero tail fine (test-only), non-zero -E2BIG. */
	memset(big, 0, sizeof(big));
	big[0] = (struct okvm_age_bitmap)A_OK;
	big[0].size = sizeof(big);
	big[0].flags = OKVM_AGE_TEST_ONLY;
	EXPECT_EQ(okvm_ioctl(self->g.vm, OKVM_AGE_BITMAP, big), 0);
	big[0].flags = 0;
	((uint8_t *)&big[1])[5] = 1;
	EXPECT_EQ(okvm_ioctl(self->g.vm, OKVM_AGE_BITMAP, big), -E2BIG);
	/* Slots. */
	a = (struct okvm_age_bitmap)A_OK;
	a.slot = 512;
	EXPECT_EQ(okvm_ioctl(self->g.vm, OKVM_AGE_BITMAP, &a), -EINVAL);
	a.slot = 1 << 16 | 1;
	EXPECT_EQ(okvm_ioctl(self->g.vm, OKVM_AGE_BITMAP, &a), -EINVAL);
	a.slot = 7;
	EXPECT_EQ(okvm_ioctl(self->g.vm, OKVM_AGE_BITMAP, &a), -ENOENT);
	/* Ranges. */
	a = (struct okvm_age_bitmap)A_OK;
	a.num_pages = 0;
	EXPECT_EQ(okvm_ioctl(self->g.vm, OKVM_AGE_BITMAP, &a), -EINVAL);
	a.num_pages = SLOT1_PAGES + 1;
	EXPECT_EQ(okvm_ioctl(self->g.vm, OKVM_AGE_BITMAP, &a), -EINVAL);
	a.first_page = 1;
	a.num_pages = SLOT1_PAGES;
	EXPECT_EQ(okvm_ioctl(self->g.vm, OKVM_AGE_BITMAP, &a), -EINVAL);
	a.first_page = SLOT1_PAGES;
	a.num_pages = 1;
	EXPECT_EQ(okvm_ioctl(self->g.vm, OKVM_AGE_BITMAP, &a), -EINVAL);
	a.first_page = ~0ULL;
	EXPECT_EQ(okvm_ioctl(self->g.vm, OKVM_AGE_BITMAP, &a), -EINVAL);
	/* Bitmap and struct pointers. */
	a = (struct okvm_age_bitmap)A_OK;
	a.bitmap = 0;
	EXPECT_EQ(okvm_ioctl(self->g.vm, OKVM_AGE_BITMAP, &a), -EFAULT);
	/* Writable, then read-only from the middle of the bitmap on. */
	ro = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(ro, MAP_FAILED);
	ASSERT_EQ(mprotect((uint8_t *)ro + 4096, 4096, PROT_READ), 0);
	a.bitmap = (uint64_t)(unsigned long)ro + 4096 - 64;
	EXPECT_EQ(okvm_ioctl(self->g.vm, OKVM_AGE_BITMAP, &a), -EFAULT);
	a.bitmap = (uint64_t)(unsigned long)ro + 4096;
	EXPECT_EQ(okvm_ioctl(self->g.vm, OKVM_AGE_BITMAP, &a), -EFAULT);
	munmap(ro, 8192);
	EXPECT_EQ(okvm_ioctl(self->g.vm, OKVM_AGE_BITMAP, (void *)8), -EFAULT);

	/* None of the above cleared anything. */
	a = (struct okvm_age_bitmap)A_OK;
	ASSERT_EQ(okvm_ioctl(self->g.vm, OKVM_AGE_BITMAP, &a), 0);
	EXPECT_EQ(diff_bits(b, SLOT1_PAGES, s1, ARRAY_SIZE(s1)), 0);
#undef A_OK
}

struct conc {
	struct guest *g;
	uint8_t *mem;
	volatile int stop;
	long ret;
	unsigned long rounds, zaps;
};

static void *conc_vcpu(void *arg)
{
	struct conc *c = arg;

	while (!c->stop) {
		c->ret = guest_run(c->g, 0);
		if (c->ret)
			break;
		c->rounds++;
	}
	return NULL;
}

/* Host zaps: MADV_DONTNEED of 16 pages at a time, all over the slot. */
static void *conc_zap(void *arg)
{
	struct conc *c = arg;
	unsigned int seed = 1;

	while (!c->stop) {
		unsigned long p = rand_r(&seed) % (SLOT1_PAGES - 16);

		madvise(c->mem + (p << 12), 16 << 12, MADV_DONTNEED);
		c->zaps++;
		usleep(200);
	}
	return NULL;
}

TEST_F_TIMEOUT(g, concurrent_faults_and_zaps, 120)
{
	uint32_t hot[SLOT1_PAGES / 2];
	uint64_t b[SLOT1_PAGES / 64];
	struct conc c = { .g = &self->g };
	pthread_t tv, tz;
	int i, stray = 0, seen = 0;
	uint64_t p;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, touch_guest,
			     touch_guest_end), 0);
	if (!has_age_bitmap(&self->g))
		SKIP(return, "no OKVM_CAP_AGE_BITMAP (not okvm)");
	c.mem = add_slot1(&self->g);
	ASSERT_NE(c.mem, NULL);
	/* The guest reads the even pages only. */
	for (i = 0; i < (int)ARRAY_SIZE(hot); i++)
		hot[i] = 2 * i;
	set_list(&self->g, hot, ARRAY_SIZE(hot));

	ASSERT_EQ(pthread_create(&tv, NULL, conc_vcpu, &c), 0);
	ASSERT_EQ(pthread_create(&tz, NULL, conc_zap, &c), 0);
	for (i = 0; i < 300; i++) {
		ASSERT_EQ(age(&self->g, 1, 0, SLOT1_PAGES, b, 0), 0);
		for (p = 0; p < SLOT1_PAGES; p++) {
			if (!bit(b, p))
				continue;
			seen++;
			if (p & 1)
				stray++;
		}
		usleep(1000);
	}
	c.stop = 1;
	pthread_join(tz, NULL);
	pthread_join(tv, NULL);
	TH_LOG("%lu guest rounds, %lu zaps, %d accessed bits seen", c.rounds,
	       c.zaps, seen);
	EXPECT_EQ(c.ret, 0);
	EXPECT_EQ(stray, 0);
	EXPECT_GT(seen, 0);

	/* Quiet again: one round is reported exactly. */
	ASSERT_EQ(age(&self->g, 1, 0, SLOT1_PAGES, b, 0), 0);
	ASSERT_EQ(one_round(&self->g), 0);
	ASSERT_EQ(age(&self->g, 1, 0, SLOT1_PAGES, b, 0), 0);
	EXPECT_EQ(diff_bits(b, SLOT1_PAGES, hot, ARRAY_SIZE(hot)), 0);
}

#define SLOT2_GPA	(SLOT1_GPA + SLOT1_SIZE)	/* 2M-aligned */
#define HUGE_SIZE	(4UL << 20)

TEST_F(g, huge_mapping_reports_all_its_pages)
{
	static const uint32_t one[] = { 1024 + 5 };
	uint64_t b[HUGE_SIZE / 4096 / 64];
	uint8_t *raw, *m;
	uint32_t all[512];
	int i;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, touch_guest,
			     touch_guest_end), 0);
	if (!has_age_bitmap(&self->g))
		SKIP(return, "no OKVM_CAP_AGE_BITMAP (not okvm)");
	raw = mmap(NULL, HUGE_SIZE + (2UL << 20), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(raw, MAP_FAILED);
	m = (uint8_t *)(((unsigned long)raw + (2UL << 20) - 1) & ~((2UL << 20) - 1));
	madvise(m, HUGE_SIZE, MADV_HUGEPAGE);
	memset(m, 1, HUGE_SIZE);
	if (guest_anon_huge_kb(m) < 2048)
		SKIP(return, "the host gave no transparent huge page");
	ASSERT_EQ(guest_set_slot(&self->g, 2, 0, SLOT2_GPA, HUGE_SIZE, m), 0);

	set_list(&self->g, one, 1);
	ASSERT_EQ(one_round(&self->g), 0);
	ASSERT_EQ(age(&self->g, 2, 0, HUGE_SIZE / 4096, b, 0), 0);
	for (i = 0; i < 512; i++)
		all[i] = i;
	/* One page read, the 2M mapping's 512 pages reported. */
	EXPECT_EQ(diff_bits(b, HUGE_SIZE / 4096, all, 512), 0);
	ASSERT_EQ(age(&self->g, 2, 0, HUGE_SIZE / 4096, b, 0), 0);
	EXPECT_EQ(diff_bits(b, HUGE_SIZE / 4096, all, 0), 0);
	/* A range inside the 2M: only its own pages. */
	ASSERT_EQ(one_round(&self->g), 0);
	ASSERT_EQ(age(&self->g, 2, 448, 128, b, 0), 0);
	EXPECT_EQ(diff_bits(b, 128, all, 64), 0);
	munmap(raw, HUGE_SIZE + (2UL << 20));
}

TEST_HARNESS_MAIN
