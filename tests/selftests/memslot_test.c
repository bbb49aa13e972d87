// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memslots and host unmaps: a slot must end where the nested page tables
 * can still map (else part of it could never be unmapped).
 */
#include <cpuid.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/guest.h"
#include "lib/guest_fixture.h"

/* The host's MAXPHYADDR as KVM reads it (CPUID 0x80000008, raw). */
static unsigned int host_pa_bits(void)
{
	unsigned int a, b, c, d;

	__cpuid(0x80000000, a, b, c, d);
	if (a < 0x80000008)
		return 36;
	__cpuid(0x80000008, a, b, c, d);
	return a & 0xff;
}

/*
 * KVM refuses a slot whose last GFN is above the largest GFN its MMU maps
 * (host MAXPHYADDR with NPT), with EINVAL, on creation and on a move.
 * Deleting and re-flagging never check it. Above 48 bits, okvm's 4-level
 * NPT and KVM's 5-level tables differ: the test needs a host below that.
 */
TEST_F(g, slot_beyond_max_gfn)
{
	unsigned int pa = host_pa_bits();
	uint64_t top = 1ULL << pa;
	void *mem;

	if (pa > 48)
		SKIP(return, "host MAXPHYADDR %u: above 4-level NPT", pa);
	ASSERT_EQ(guest_create(&self->g, G_MEM_DEFAULT), 0);
	mem = mmap(NULL, 0x2000, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(mem, MAP_FAILED);

	/* The case: 8 KiB whose second page is past 2^48. */
	EXPECT_EQ(guest_set_slot(&self->g, 1, 0, 0xfffffffff000ULL, 0x2000, mem),
		  -EINVAL);
	/* One page past the limit, or wholly past it. */
	EXPECT_EQ(guest_set_slot(&self->g, 1, 0, top - 0x1000, 0x2000, mem),
		  -EINVAL);
	EXPECT_EQ(guest_set_slot(&self->g, 1, 0, top, 0x1000, mem), -EINVAL);
	/* Ending exactly at the limit is fine. */
	ASSERT_EQ(guest_set_slot(&self->g, 1, 0, top - 0x2000, 0x2000, mem), 0);
	/* A move across the limit is refused and leaves the slot in place. */
	EXPECT_EQ(guest_set_slot(&self->g, 1, 0, top - 0x1000, 0x2000, mem),
		  -EINVAL);
	EXPECT_EQ(guest_set_slot(&self->g, 2, 0, top - 0x2000, 0x1000, mem),
		  -EEXIST);
	/* Re-flagging in place is not a create or a move: no check. */
	EXPECT_EQ(guest_set_slot(&self->g, 1, KVM_MEM_LOG_DIRTY_PAGES,
				 top - 0x2000, 0x2000, mem), 0);
	EXPECT_EQ(guest_set_slot(&self->g, 1, 0, top - 0x2000, 0, mem), 0);
	munmap(mem, 0x2000);
}

TEST_HARNESS_MAIN
