// SPDX-License-Identifier: GPL-2.0-only
/*
 * Manual-protect dirty logging: KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2's
 * options and KVM_CLEAR_DIRTY_LOG's errnos as virt/kvm/kvm_main.c gives
 * them, KVM_DIRTY_LOG_INITIALLY_SET, and a guest's writes seen through
 * GET (which no longer clears) and CLEAR (which re-protects).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "lib/guest.h"
#include "lib/guest_fixture.h"

#define LOG_GPA		0x1000000UL
#define LOG_PAGES	1024UL
#define LIST_GPA	G_DATA		/* u32 count, then u32 page indices */

/* Write one byte to each listed page of the logged slot, then OUT. */
GUEST_PAGE_LIST_CODE(write_guest, 0x1000000, "incb (%rax)");

static long enable(struct guest *g, uint64_t args0, uint32_t flags)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, .flags = flags,
		.args[0] = args0,
	};

	return okvm_ioctl(g->vm, KVM_ENABLE_CAP, &cap);
}

static long clear(struct guest *g, uint32_t slot, uint64_t first,
		  uint32_t n, void *bitmap)
{
	struct kvm_clear_dirty_log c = {
		.slot = slot, .first_page = first, .num_pages = n,
		.dirty_bitmap = bitmap,
	};

	return okvm_ioctl(g->vm, KVM_CLEAR_DIRTY_LOG, &c);
}

static long get(struct guest *g, uint32_t slot, void *bitmap)
{
	struct kvm_dirty_log l = { .slot = slot, .dirty_bitmap = bitmap };

	return okvm_ioctl(g->vm, KVM_GET_DIRTY_LOG, &l);
}

static int count_bits(const uint64_t *b, unsigned long n)
{
	unsigned long i;
	int c = 0;

	for (i = 0; i < n / 64; i++)
		c += __builtin_popcountll(b[i]);
	return c;
}

static uint8_t *add_logged_slot(struct guest *g, unsigned int slot, uint64_t gpa,
				unsigned int flags)
{
	uint8_t *m = mmap(NULL, LOG_PAGES << 12, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		return NULL;
	memset(m, 0, LOG_PAGES << 12);
	return guest_set_slot(g, slot, flags, gpa, LOG_PAGES << 12, m) ? NULL : m;
}

TEST_F(g, enable_cap_options)
{
	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, write_guest,
			     write_guest_end), 0);
	EXPECT_EQ(okvm_ioctl(self->g.vm, KVM_CHECK_EXTENSION,
			     KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2),
		  KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | KVM_DIRTY_LOG_INITIALLY_SET);
	/* INITIALLY_SET only together with MANUAL_PROTECT_ENABLE. */
	EXPECT_EQ(enable(&self->g, KVM_DIRTY_LOG_INITIALLY_SET, 0), -EINVAL);
	EXPECT_EQ(enable(&self->g, 4, 0), -EINVAL);
	EXPECT_EQ(enable(&self->g, 1, 1), -EINVAL);
	EXPECT_EQ(enable(&self->g, 3, 0), 0);
	EXPECT_EQ(enable(&self->g, 1, 0), 0);
	EXPECT_EQ(enable(&self->g, 0, 0), 0);
}

TEST_F(g, clear_errnos)
{
	uint64_t b[LOG_PAGES / 64 + 1];

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, write_guest,
			     write_guest_end), 0);
	ASSERT_NE(add_logged_slot(&self->g, 1, LOG_GPA, KVM_MEM_LOG_DIRTY_PAGES), NULL);
	ASSERT_NE(add_logged_slot(&self->g, 2, LOG_GPA + (LOG_PAGES << 12), 0), NULL);
	memset(b, 0xff, sizeof(b));

	/*
	 * Slot ids and address spaces beyond every implementation's limit
	 * (KVM x86: 32764 slots, 2 spaces with SMM; okvm: 512 and 1).
	 */
	EXPECT_EQ(clear(&self->g, 32767, 0, 64, b), -EINVAL);
	EXPECT_EQ(clear(&self->g, 2 << 16 | 1, 0, 64, b), -EINVAL);
	EXPECT_EQ(clear(&self->g, 7, 0, 64, b), -ENOENT);
	/* Alignment of first_page is checked before the slot... */
	EXPECT_EQ(clear(&self->g, 7, 1, 64, b), -EINVAL);
	EXPECT_EQ(clear(&self->g, 1, 32, 64, b), -EINVAL);
	/* ...the slot before the range. */
	EXPECT_EQ(clear(&self->g, 2, 0, 64, b), -ENOENT);
	EXPECT_EQ(clear(&self->g, 1, LOG_PAGES + 64, 0, b), -EINVAL);
	EXPECT_EQ(clear(&self->g, 1, 0, LOG_PAGES + 1, b), -EINVAL);
	EXPECT_EQ(clear(&self->g, 1, 64, LOG_PAGES, b), -EINVAL);
	/* An unaligned length only where the range ends at the slot's end. */
	EXPECT_EQ(clear(&self->g, 1, 0, 10, b), -EINVAL);
	EXPECT_EQ(clear(&self->g, 1, 960, 63, b), -EINVAL);
	EXPECT_EQ(clear(&self->g, 1, 960, 64, b), 0);
	EXPECT_EQ(clear(&self->g, 1, LOG_PAGES, 0, b), 0);
	EXPECT_EQ(clear(&self->g, 1, 0, 0, NULL), 0);
	EXPECT_EQ(clear(&self->g, 1, 0, 64, NULL), -EFAULT);
	EXPECT_EQ(okvm_ioctl(self->g.vm, KVM_CLEAR_DIRTY_LOG, (void *)8), -EFAULT);
}

TEST_F(g, initially_set_and_manual_clear)
{
	uint32_t *list;
	uint64_t b[LOG_PAGES / 64];
	struct kvm_run *run;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, write_guest,
			     write_guest_end), 0);
	run = self->g.vcpu[0].run;
	ASSERT_EQ(enable(&self->g, KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE |
			 KVM_DIRTY_LOG_INITIALLY_SET, 0), 0);
	ASSERT_NE(add_logged_slot(&self->g, 1, LOG_GPA, KVM_MEM_LOG_DIRTY_PAGES), NULL);

	/* Every page starts dirty. */
	ASSERT_EQ(get(&self->g, 1, b), 0);
	EXPECT_EQ(count_bits(b, LOG_PAGES), LOG_PAGES);
	/* The guest writes two pages before anything is cleared. */
	list = guest_ptr(&self->g, LIST_GPA);
	list[0] = 2;
	list[1] = 3;
	list[2] = 100;
	ASSERT_EQ(guest_run_timeout(&self->g, 0, 60), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x10, 1, 1);

	memset(b, 0xff, sizeof(b));
	ASSERT_EQ(clear(&self->g, 1, 0, LOG_PAGES, b), 0);
	ASSERT_EQ(get(&self->g, 1, b), 0);
	EXPECT_EQ(count_bits(b, LOG_PAGES), 0);

	/* Written after the clear: logged; GET does not clear. */
	list[0] = 3;
	list[1] = 3;
	list[2] = 100;
	list[3] = 1023;
	ASSERT_EQ(guest_run_timeout(&self->g, 0, 60), 0);
	ASSERT_EQ(get(&self->g, 1, b), 0);
	EXPECT_EQ(count_bits(b, LOG_PAGES), 3);
	EXPECT_EQ(b[0], 1ULL << 3);
	EXPECT_EQ(b[1], 1ULL << 36);
	EXPECT_EQ(b[15], 1ULL << 63);
	ASSERT_EQ(get(&self->g, 1, b), 0);
	EXPECT_EQ(count_bits(b, LOG_PAGES), 3);

	/* Clear one of them: the others stay; it is logged again on write. */
	memset(b, 0, sizeof(b));
	b[0] = 1ULL << 3;
	ASSERT_EQ(clear(&self->g, 1, 0, 64, b), 0);
	ASSERT_EQ(get(&self->g, 1, b), 0);
	EXPECT_EQ(count_bits(b, LOG_PAGES), 2);
	EXPECT_EQ(b[0], 0);
	list[0] = 1;
	list[1] = 3;
	ASSERT_EQ(guest_run_timeout(&self->g, 0, 60), 0);
	ASSERT_EQ(get(&self->g, 1, b), 0);
	EXPECT_EQ(b[0], 1ULL << 3);
}

/*
 * 4 MiB of host THP at LOG_GPA, 2M-aligned on both sides; NULL (and a
 * SKIP) if the host gives no huge page.
 */
static uint8_t *add_thp_slot(struct guest *g, unsigned int slot)
{
	uint8_t *raw, *m;

	raw = mmap(NULL, (LOG_PAGES << 12) + (2UL << 20), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	m = (uint8_t *)(((unsigned long)raw + (2UL << 20) - 1) & ~((2UL << 20) - 1));
	madvise(m, LOG_PAGES << 12, MADV_HUGEPAGE);
	memset(m, 0, LOG_PAGES << 12);
	if (guest_anon_huge_kb(m) < (long)(LOG_PAGES << 2))
		return NULL;
	return guest_set_slot(g, slot, 0, LOG_GPA, LOG_PAGES << 12, m) ? NULL : m;
}

/* The guest writes every page of the logged slot once. */
static long write_all(struct guest *g)
{
	uint32_t *list = guest_ptr(g, LIST_GPA);
	uint32_t i;

	list[0] = LOG_PAGES;
	for (i = 0; i < LOG_PAGES; i++)
		list[1 + i] = i;
	return guest_run_timeout(g, 0, 60);
}

static long set_logging(struct guest *g, uint8_t *m, int on)
{
	return guest_set_slot(g, 1, on ? KVM_MEM_LOG_DIRTY_PAGES : 0, LOG_GPA,
			      LOG_PAGES << 12, m);
}

/*
 * Huge pages and dirty logging (as x86_64/dirty_log_page_splitting_test,
 * which needs hugetlbfs): logging splits the slot's 2M mappings into 4K
 * ones in place when it starts, every write is then logged per page, and
 * once logging stops the guest's next accesses map 2M again.
 */
TEST_F(g, huge_pages_split_and_recover)
{
	int64_t m2, k4, m2_after, k4_after;
	uint64_t b[LOG_PAGES / 64];
	uint8_t *m;
	int stats;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, write_guest,
			     write_guest_end), 0);
	m = add_thp_slot(&self->g, 1);
	if (!m)
		SKIP(return, "the host gave no transparent huge pages");
	stats = okvm_ioctl(self->g.vm, KVM_GET_STATS_FD, 0);
	ASSERT_GE(stats, 0);
	ASSERT_EQ(write_all(&self->g), 0);
	m2 = guest_stat(stats, "pages_2m");
	k4 = guest_stat(stats, "pages_4k");
	ASSERT_GE(m2, 2);

	ASSERT_EQ(set_logging(&self->g, m, 1), 0);
	m2_after = guest_stat(stats, "pages_2m");
	k4_after = guest_stat(stats, "pages_4k");
	EXPECT_EQ(m2_after, m2 - 2);
	EXPECT_GE(k4_after, k4 + (int64_t)LOG_PAGES);
	TH_LOG("logging on: 2M %ld -> %ld, 4K %ld -> %ld", (long)m2,
	       (long)m2_after, (long)k4, (long)k4_after);

	ASSERT_EQ(write_all(&self->g), 0);
	ASSERT_EQ(get(&self->g, 1, b), 0);
	EXPECT_EQ(count_bits(b, LOG_PAGES), LOG_PAGES);

	ASSERT_EQ(set_logging(&self->g, m, 0), 0);
	ASSERT_EQ(write_all(&self->g), 0);
	EXPECT_EQ(guest_stat(stats, "pages_2m"), m2);
	close(stats);
}

/*
 * With KVM_DIRTY_LOG_INITIALLY_SET nothing is split when logging starts;
 * KVM_CLEAR_DIRTY_LOG splits what it protects.
 */
TEST_F(g, initially_set_splits_on_clear)
{
	uint64_t b[LOG_PAGES / 64];
	int64_t m2;
	uint8_t *m;
	int stats;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, write_guest,
			     write_guest_end), 0);
	ASSERT_EQ(enable(&self->g, KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE |
			 KVM_DIRTY_LOG_INITIALLY_SET, 0), 0);
	m = add_thp_slot(&self->g, 1);
	if (!m)
		SKIP(return, "the host gave no transparent huge pages");
	stats = okvm_ioctl(self->g.vm, KVM_GET_STATS_FD, 0);
	ASSERT_GE(stats, 0);
	ASSERT_EQ(write_all(&self->g), 0);
	m2 = guest_stat(stats, "pages_2m");
	ASSERT_GE(m2, 2);

	ASSERT_EQ(set_logging(&self->g, m, 1), 0);
	EXPECT_EQ(guest_stat(stats, "pages_2m"), m2);
	memset(b, 0xff, sizeof(b));
	ASSERT_EQ(clear(&self->g, 1, 0, LOG_PAGES, b), 0);
	EXPECT_EQ(guest_stat(stats, "pages_2m"), m2 - 2);
	/* Everything was protected: each write is logged again. */
	ASSERT_EQ(write_all(&self->g), 0);
	ASSERT_EQ(get(&self->g, 1, b), 0);
	EXPECT_EQ(count_bits(b, LOG_PAGES), LOG_PAGES);
	close(stats);
}

TEST_HARNESS_MAIN
