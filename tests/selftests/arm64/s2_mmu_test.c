// SPDX-License-Identifier: GPL-2.0-only
/*
 * Several stage-2 MMUs per VM (seed 004) in a real guest, through okvm's
 * extension (<linux/okvm.h>): a vCPU moved to a second s2 MMU that shares
 * the canonical table with a VMID of its own sees the same memory, and
 * host changes reach it; one with a table of its own (IPA x -> canonical
 * x + offset) sees other memory at the same IPA, and the MMU notifier
 * reaches that table too. Two vCPUs of one VM on different s2 MMUs run at
 * once. On KVM, which has no such extension, the tests skip.
 */
#include <linux/okvm.h>
#include "kselftest_harness.h"
#include "lib/a64.h"

#define PSCI_0_2	(1U << KVM_ARM_VCPU_PSCI_0_2)
#define OFFSET		(64 * A64_PAGE)

/* Report the word at x0 over MMIO, forever. */
A64_GUEST(g_rep,
	"movz x1, #0x1000, lsl #16\n"
	"1: ldr x2, [x0]\n"
	"str x2, [x1]\n"
	"b 1b\n");

static long create_s2(struct a64_vm *v, uint32_t flags, uint64_t off,
		      uint32_t *id)
{
	struct okvm_arm64_s2_mmu req = {
		.size = sizeof(req), .flags = flags, .ipa_offset = off,
	};
	long r = okvm_ioctl(v->vm, OKVM_ARM64_CREATE_S2_MMU, &req);

	*id = req.id;
	return r;
}

static long use_s2(struct a64_vcpu *c, uint32_t id)
{
	struct okvm_arm64_vcpu_s2_mmu req = { .size = sizeof(req), .id = id };

	return okvm_ioctl(c->fd, OKVM_ARM64_VCPU_SET_S2_MMU, &req);
}

static uint64_t rep(struct __test_metadata *_metadata, struct a64_vcpu *c,
		    uint64_t mmio)
{
	uint64_t val = 0;

	EXPECT_EQ(a64_run(c), 0);
	EXPECT_EQ(c->run->exit_reason, KVM_EXIT_MMIO);
	EXPECT_EQ(c->run->mmio.phys_addr, mmio);
	memcpy(&val, c->run->mmio.data, 8);
	return val;
}

FIXTURE(s2) {
	struct a64_vm v;
	struct a64_vcpu c;
};

FIXTURE_SETUP(s2)
{
	uint32_t id;

	ASSERT_EQ(a64_vm_create(&self->v, 0, 1 << 20), 0);
	if (create_s2(&self->v, OKVM_ARM64_S2_SHARE_CANONICAL, 0, &id) == -EINVAL &&
	    !a64_on_okvm())
		SKIP(return, "no okvm extension (not okvm)");
	ASSERT_EQ(a64_vcpu_create(&self->v, &self->c, 0, PSCI_0_2), 0);
	/* The code at IPA 0 in both spaces; the marker at 0x1000 in both. */
	ASSERT_EQ(a64_load(&self->v, &self->c, g_rep_start, g_rep_end, 0), 0);
	memcpy(self->v.mem + OFFSET, g_rep_start, g_rep_end - g_rep_start);
	ASSERT_EQ(a64_set_reg(&self->c, A64_X(0), A64_RAM_GPA + 0x1000), 0);
	*(uint64_t *)(self->v.mem + 0x1000) = 0xaaaa;
	*(uint64_t *)(self->v.mem + OFFSET + 0x1000) = 0xbbbb;
}

FIXTURE_TEARDOWN(s2)
{
	if (self->c.run)
		a64_vcpu_destroy(&self->c);
	a64_vm_destroy(&self->v);
}

TEST_F(s2, bad_requests)
{
	struct okvm_arm64_s2_mmu req = { .size = sizeof(req) };
	struct okvm_arm64_vcpu_s2_mmu set = { .size = sizeof(set) };
	uint32_t id;

	req.size = 8;
	EXPECT_EQ(okvm_ioctl(self->v.vm, OKVM_ARM64_CREATE_S2_MMU, &req), -EINVAL);
	req.size = sizeof(req);
	req.flags = 1U << 7;
	EXPECT_EQ(okvm_ioctl(self->v.vm, OKVM_ARM64_CREATE_S2_MMU, &req), -EINVAL);
	req.flags = 0;
	req.__reserved[3] = 1;
	EXPECT_EQ(okvm_ioctl(self->v.vm, OKVM_ARM64_CREATE_S2_MMU, &req), -EINVAL);
	req.__reserved[3] = 0;
	req.ipa_offset = 123;
	EXPECT_EQ(okvm_ioctl(self->v.vm, OKVM_ARM64_CREATE_S2_MMU, &req), -EINVAL);
	req.ipa_offset = OFFSET;
	req.flags = OKVM_ARM64_S2_SHARE_CANONICAL;
	EXPECT_EQ(okvm_ioctl(self->v.vm, OKVM_ARM64_CREATE_S2_MMU, &req), -EINVAL);
	set.id = 3;
	EXPECT_EQ(okvm_ioctl(self->c.fd, OKVM_ARM64_VCPU_SET_S2_MMU, &set), -ENOENT);
	set.id = 0;
	set.flags = 1;
	EXPECT_EQ(okvm_ioctl(self->c.fd, OKVM_ARM64_VCPU_SET_S2_MMU, &set), -EINVAL);
	/* Up to four extra s2 MMUs (the first came from the fixture). */
	EXPECT_EQ(create_s2(&self->v, 0, 0, &id), 0);
	EXPECT_EQ(create_s2(&self->v, 0, 0, &id), 0);
	EXPECT_EQ(create_s2(&self->v, 0, 0, &id), 0);
	EXPECT_EQ(id, 4);
	EXPECT_EQ(create_s2(&self->v, 0, 0, &id), -ENOSPC);
}

TEST_F(s2, shared_pgd_own_vmid)
{
	uint8_t *page = self->v.mem + 0x1000;

	EXPECT_EQ(rep(_metadata, &self->c, A64_MMIO_GPA), 0xaaaa);
	ASSERT_EQ(use_s2(&self->c, 1), 0);
	EXPECT_EQ(rep(_metadata, &self->c, A64_MMIO_GPA), 0xaaaa);
	/* The table is the canonical one: host changes reach this VMID. */
	ASSERT_EQ(madvise(page, A64_PAGE, MADV_DONTNEED), 0);
	EXPECT_EQ(rep(_metadata, &self->c, A64_MMIO_GPA), 0);
	*(uint64_t *)page = 0xcccc;
	EXPECT_EQ(rep(_metadata, &self->c, A64_MMIO_GPA), 0xcccc);
	ASSERT_EQ(use_s2(&self->c, 0), 0);
	EXPECT_EQ(rep(_metadata, &self->c, A64_MMIO_GPA), 0xcccc);
}

TEST_F(s2, own_table_other_mappings)
{
	uint8_t *page = self->v.mem + OFFSET + 0x1000;
	uint32_t id;

	ASSERT_EQ(create_s2(&self->v, 0, OFFSET, &id), 0);
	EXPECT_EQ(id, 2);
	EXPECT_EQ(rep(_metadata, &self->c, A64_MMIO_GPA), 0xaaaa);
	ASSERT_EQ(use_s2(&self->c, id), 0);
	/* Same IPA, other memory; the MMIO exit names the memslot GPA. */
	EXPECT_EQ(rep(_metadata, &self->c, A64_MMIO_GPA + OFFSET), 0xbbbb);
	/* The notifier empties the own table with the canonical one. */
	ASSERT_EQ(madvise(page, A64_PAGE, MADV_DONTNEED), 0);
	EXPECT_EQ(rep(_metadata, &self->c, A64_MMIO_GPA + OFFSET), 0);
	*(uint64_t *)page = 0xdddd;
	EXPECT_EQ(rep(_metadata, &self->c, A64_MMIO_GPA + OFFSET), 0xdddd);
	ASSERT_EQ(use_s2(&self->c, 0), 0);
	EXPECT_EQ(rep(_metadata, &self->c, A64_MMIO_GPA), 0xaaaa);
}

struct runner {
	struct __test_metadata *md;
	struct a64_vcpu *c;
	uint64_t mmio, want;
	int bad;
};

static void *run_many(void *arg)
{
	struct runner *r = arg;
	int i;

	for (i = 0; i < 100; i++)
		if (rep(r->md, r->c, r->mmio) != r->want)
			r->bad++;
	return NULL;
}

TEST_F(s2, two_vcpus_two_s2_mmus_at_once)
{
	struct runner r[2];
	struct a64_vcpu c1;
	pthread_t t[2];
	uint32_t id;
	int i;

	ASSERT_EQ(create_s2(&self->v, 0, OFFSET, &id), 0);
	ASSERT_EQ(a64_vcpu_create(&self->v, &c1, 1, PSCI_0_2), 0);
	ASSERT_EQ(a64_set_reg(&c1, A64_PC, A64_RAM_GPA), 0);
	ASSERT_EQ(a64_set_reg(&c1, A64_X(0), A64_RAM_GPA + 0x1000), 0);
	ASSERT_EQ(use_s2(&c1, id), 0);
	r[0] = (struct runner){ _metadata, &self->c, A64_MMIO_GPA, 0xaaaa, 0 };
	r[1] = (struct runner){ _metadata, &c1, A64_MMIO_GPA + OFFSET, 0xbbbb, 0 };
	for (i = 0; i < 2; i++)
		ASSERT_EQ(pthread_create(&t[i], NULL, run_many, &r[i]), 0);
	for (i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(r[i].bad, 0);
	}
	a64_vcpu_destroy(&c1);
}

TEST_HARNESS_MAIN
