// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_TRANSLATE against page tables built in guest memory, in every paging
 * mode: off, 32-bit with 4M pages, PAE (two PAE roots in one page at
 * different 32-byte offsets), and 64-bit with 4K, 2M and 1G leaves. No
 * guest code runs: the vCPU's paging state comes from KVM_SET_SREGS.
 * Expected addresses follow from the entries written here.
 */
#include "kselftest_harness.h"
#include "lib/guest.h"

#define P	0x1ULL		/* present */
#define RW	0x2ULL
#define PS	0x80ULL		/* large page */
#define CR0_PE	0x1ULL
#define CR0_PG	0x80000000ULL
#define CR4_PSE	0x10ULL
#define CR4_PAE	0x20ULL
#define EFER_LME 0x100ULL
#define EFER_LMA 0x400ULL

/* Page-table pages, away from the library's identity tables at 0x1000. */
#define T(n)	(0x200000ULL + (n) * 0x1000ULL)

FIXTURE(tr) {
	struct guest g;
};

FIXTURE_SETUP(tr)
{
	ASSERT_EQ(guest_create(&self->g, G_MEM_DEFAULT), 0);
	ASSERT_EQ(guest_add_vcpu(&self->g), 0);
}

FIXTURE_TEARDOWN(tr)
{
	guest_destroy(&self->g);
}

static void put64(struct guest *g, uint64_t gpa, uint64_t v)
{
	*(uint64_t *)guest_ptr(g, gpa) = v;
}

static void put32(struct guest *g, uint64_t gpa, uint32_t v)
{
	*(uint32_t *)guest_ptr(g, gpa) = v;
}

static int translate(struct guest *g, uint64_t la, struct kvm_translation *tr)
{
	memset(tr, 0, sizeof(*tr));
	tr->linear_address = la;
	return okvm_ioctl(g->vcpu[0].fd, KVM_TRANSLATE, tr);
}

#define EXPECT_TR(la, gpa) do {						\
	struct kvm_translation __tr;					\
	ASSERT_EQ(translate(&self->g, (la), &__tr), 0);			\
	EXPECT_EQ(__tr.valid, 1) TH_LOG("la 0x%llx", (unsigned long long)(la)); \
	EXPECT_EQ(__tr.physical_address, (uint64_t)(gpa))		\
		TH_LOG("la 0x%llx", (unsigned long long)(la));		\
} while (0)

#define EXPECT_NO_TR(la) do {						\
	struct kvm_translation __tr;					\
	ASSERT_EQ(translate(&self->g, (la), &__tr), 0);			\
	EXPECT_EQ(__tr.valid, 0) TH_LOG("la 0x%llx", (unsigned long long)(la)); \
} while (0)

static void set_paging(struct __test_metadata *_metadata, struct guest *g,
		       uint64_t cr0, uint64_t cr3, uint64_t cr4, uint64_t efer)
{
	struct kvm_sregs s;

	ASSERT_EQ(guest_get_sregs(g, 0, &s), 0);
	s.cr0 = cr0;
	s.cr3 = cr3;
	s.cr4 = cr4;
	s.efer = efer;
	s.cs.l = !!(efer & EFER_LMA);
	s.cs.db = !s.cs.l;
	ASSERT_EQ(guest_set_sregs(g, 0, &s), 0);
}

TEST_F(tr, paging_off)
{
	/* Out of RESET: real mode, linear == physical. */
	EXPECT_TR(0x12345, 0x12345);
	EXPECT_TR(0xfffffff0, 0xfffffff0);
}

TEST_F(tr, bits32_pse)
{
	struct guest *g = &self->g;

	/* PD at T(0): PDE 3 -> 4M page at 16M; PDE 1 -> PT at T(1). */
	put32(g, T(0) + 3 * 4, 0x01000000 | PS | RW | P);
	put32(g, T(0) + 1 * 4, T(1) | RW | P);
	put32(g, T(1) + 5 * 4, 0x00777000 | RW | P);	/* 0x405000 */
	set_paging(_metadata, g, CR0_PE | CR0_PG, T(0), CR4_PSE, 0);

	EXPECT_TR(0x00c01234, 0x01001234);
	EXPECT_TR(0x00405abc, 0x00777abc);
	EXPECT_NO_TR(0x00406000);	/* PTE 6 not present */
	EXPECT_NO_TR(0x00800000);	/* PDE 2 not present */
}

TEST_F(tr, pae_roots_share_a_page)
{
	struct guest *g = &self->g;

	/*
	 * Two PDPTs in the page at T(0): one at offset 0, one at 0x20. Each
	 * points its entry 1 at a different PD; CR3 picks one of them.
	 */
	put64(g, T(0) + 0x00 + 8, T(1) | P);
	put64(g, T(0) + 0x20 + 8, T(2) | P);
	put64(g, T(1) + 1 * 8, T(3) | RW | P);	/* PD A: 2nd 2M -> PT T(3) */
	put64(g, T(2) + 1 * 8, 0x00a00000 | PS | RW | P);	/* PD B: 2M page */
	put64(g, T(3) + 1 * 8, 0x00555000 | RW | P);

	set_paging(_metadata, g, CR0_PE | CR0_PG, T(0), CR4_PAE, 0);
	EXPECT_TR(0x40201abc, 0x00555abc);
	set_paging(_metadata, g, CR0_PE | CR0_PG, T(0) + 0x20, CR4_PAE, 0);
	EXPECT_TR(0x40201abc, 0x00a01abc);
	EXPECT_NO_TR(0x00000000);	/* PDPTE 0 not present in either */
}

TEST_F(tr, long_mode_4k_2m_1g)
{
	struct guest *g = &self->g;
	struct kvm_translation t;
	bool gbpages = false;
	unsigned int i;

	/* 1G pages exist for the guest only if its CPUID says so. */
	for (i = 0; i < g->cpuid->nent; i++)
		if (g->cpuid->entries[i].function == 0x80000001)
			gbpages = g->cpuid->entries[i].edx & (1u << 26);

	/* VA 0x7f00_0000_0000: PML4E 254, PDPTE 0. */
	put64(g, T(0) + 254 * 8, T(1) | RW | P);
	put64(g, T(1) + 0 * 8, T(2) | RW | P);
	put64(g, T(2) + 0 * 8, T(3) | RW | P);		/* 4K via PT */
	put64(g, T(3) + 1 * 8, 0x00345000 | RW | P);
	put64(g, T(2) + 1 * 8, 0x00600000 | PS | RW | P);	/* 2M */
	/* VA 0x4000_0000: PML4E 0, PDPTE 1 -> a 1G page at 2G. */
	put64(g, T(0) + 0 * 8, T(4) | RW | P);
	put64(g, T(4) + 1 * 8, 0x80000000ULL | PS | RW | P);

	set_paging(_metadata, g, CR0_PE | CR0_PG, T(0), CR4_PAE,
		   EFER_LME | EFER_LMA);
	EXPECT_TR(0x7f0000001123ULL, 0x345123);
	EXPECT_TR(0x7f0000212345ULL, 0x612345);
	EXPECT_NO_TR(0x7f0000002000ULL);	/* PTE 2 */
	EXPECT_NO_TR(0x7f0000400000ULL);	/* PDE 2 */
	EXPECT_NO_TR(0x7e0000000000ULL);	/* PML4E 252 */
	ASSERT_EQ(translate(g, 0x40123456, &t), 0);
	EXPECT_EQ(t.valid, gbpages);
	if (gbpages)
		EXPECT_EQ(t.physical_address, 0x80123456ULL);
	/* Non-canonical: no translation. */
	EXPECT_NO_TR(0x0000800000000000ULL);
}

TEST_HARNESS_MAIN
