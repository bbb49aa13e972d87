// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_HC_MAP_GPA_RANGE and KVM_CAP_EXIT_HYPERCALL: without the capability
 * the hypercall returns -KVM_ENOSYS; with it, a bad range returns
 * -KVM_EINVAL and a good one becomes a KVM_EXIT_HYPERCALL whose ret lands
 * in RAX when the VMMCALL retires on the next KVM_RUN. The hypercall is
 * KVM's in every VM type, so this holds for kvm_amd and okvm alike.
 */
#include <errno.h>
#include <unistd.h>
#include <linux/kvm_para.h>

#include "kselftest_harness.h"
#include "lib/guest.h"
#include "lib/okvm_util.h"

#ifndef KVM_EXIT_HYPERCALL_LONG_MODE
#define KVM_EXIT_HYPERCALL_LONG_MODE	(1ULL << 0)
#endif

/* VMMCALL with the registers the host set, then report RAX on port 0x10. */
GUEST_CODE(hc_code, ".code64",
	"vmmcall\n"
	"mov $0x10, %dx\n"
	"out %eax, %dx\n"
	"hlt\n");

FIXTURE(hc) {
	struct guest g;
};

FIXTURE_SETUP(hc)
{
	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, hc_code,
			     hc_code_end), 0);
}

FIXTURE_TEARDOWN(hc)
{
	guest_destroy(&self->g);
}

/* Start the VMMCALL over with these arguments. */
static void call(struct __test_metadata *_metadata, struct guest *g,
		 uint64_t gpa, uint64_t npages, uint64_t attrs)
{
	struct kvm_regs regs;

	ASSERT_EQ(guest_get_regs(g, 0, &regs), 0);
	regs.rip = G_CODE;
	regs.rax = KVM_HC_MAP_GPA_RANGE;
	regs.rbx = gpa;
	regs.rcx = npages;
	regs.rdx = attrs;
	ASSERT_EQ(guest_set_regs(g, 0, &regs), 0);
	ASSERT_EQ(guest_run(g, 0), 0);
}

static uint32_t result(struct __test_metadata *_metadata, struct guest *g)
{
	struct kvm_run *run = g->vcpu[0].run;

	EXPECT_EQ(run->exit_reason, KVM_EXIT_IO) TH_LOG("%s", guest_exit_str(run));
	return guest_out32(run);
}

TEST_F(hc, map_gpa_range)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_EXIT_HYPERCALL };
	struct kvm_run *run = self->g.vcpu[0].run;
	struct kvm_regs regs;
	int vm = self->g.vm;

	ASSERT_EQ(okvm_ioctl(self->g.kvm, KVM_CHECK_EXTENSION, KVM_CAP_EXIT_HYPERCALL),
		  1 << KVM_HC_MAP_GPA_RANGE);

	/* Not enabled: the guest gets -KVM_ENOSYS. */
	call(_metadata, &self->g, 0x200000, 1, 0);
	EXPECT_EQ(result(_metadata, &self->g), (uint32_t)-KVM_ENOSYS);

	cap.args[0] = 1;
	EXPECT_EQ(okvm_ioctl(vm, KVM_ENABLE_CAP, &cap), -EINVAL);
	cap.args[0] = (1 << KVM_HC_MAP_GPA_RANGE) | (1ULL << 40);
	EXPECT_EQ(okvm_ioctl(vm, KVM_ENABLE_CAP, &cap), -EINVAL);
	cap.args[0] = 1 << KVM_HC_MAP_GPA_RANGE;
	ASSERT_EQ(okvm_ioctl(vm, KVM_ENABLE_CAP, &cap), 0);

	/* Bad ranges: -KVM_EINVAL, no exit. */
	call(_metadata, &self->g, 0x200001, 1, 0);
	EXPECT_EQ(result(_metadata, &self->g), (uint32_t)-KVM_EINVAL);
	call(_metadata, &self->g, 0x200000, 0, 0);
	EXPECT_EQ(result(_metadata, &self->g), (uint32_t)-KVM_EINVAL);
	/* A GFN range that wraps (GFNs are 52 bits: only a huge count can). */
	call(_metadata, &self->g, 0x1000, -1ULL, 0);
	EXPECT_EQ(result(_metadata, &self->g), (uint32_t)-KVM_EINVAL);

	/* A good one goes to userspace, RIP still on the VMMCALL. */
	call(_metadata, &self->g, 0x200000, 3, 0x15);
	ASSERT_EXIT(run, KVM_EXIT_HYPERCALL);
	EXPECT_EQ(run->hypercall.nr, KVM_HC_MAP_GPA_RANGE);
	EXPECT_EQ(run->hypercall.args[0], 0x200000);
	EXPECT_EQ(run->hypercall.args[1], 3);
	EXPECT_EQ(run->hypercall.args[2], 0x15);
	EXPECT_EQ(run->hypercall.flags, KVM_EXIT_HYPERCALL_LONG_MODE);
	ASSERT_EQ(guest_get_regs(&self->g, 0, &regs), 0);
	EXPECT_EQ(regs.rip, G_CODE);
	/* Its result is the guest's RAX; the VMMCALL retires. */
	run->hypercall.ret = 0x12345;
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	EXPECT_EQ(result(_metadata, &self->g), 0x12345);

	/* Disabled again (the capability replaces the mask). */
	cap.args[0] = 0;
	ASSERT_EQ(okvm_ioctl(vm, KVM_ENABLE_CAP, &cap), 0);
	call(_metadata, &self->g, 0x200000, 1, 0);
	EXPECT_EQ(result(_metadata, &self->g), (uint32_t)-KVM_ENOSYS);
}

TEST_HARNESS_MAIN
