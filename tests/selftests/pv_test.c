// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM's paravirtual interface: the KVM CPUID leaves and the caps around
 * hypercalls (DISABLE_QUIRKS2, X86_DISABLE_EXITS, ENFORCE_PV_FEATURE_CPUID),
 * with KVM's errno for each bad input upstream's tests do not try.
 * Runs unchanged against okvm and in-tree KVM.
 */
#include <string.h>
#include <asm/kvm_para.h>

#include "kselftest_harness.h"
#include "lib/okvm_util.h"

#define NENT	100

struct cpuid_buf {
	struct kvm_cpuid2 c;
	struct kvm_cpuid_entry2 e[NENT];
};

static struct kvm_cpuid_entry2 *find(struct cpuid_buf *b, __u32 fn)
{
	unsigned int i;

	for (i = 0; i < b->c.nent; i++)
		if (b->e[i].function == fn)
			return &b->e[i];
	return NULL;
}

FIXTURE(pv) {
	int kvm, vm, vcpu;
	struct cpuid_buf sup;
};

FIXTURE_SETUP(pv)
{
	self->kvm = okvm_open_dev();
	ASSERT_GE(self->kvm, 0);
	self->vm = okvm_ioctl(self->kvm, KVM_CREATE_VM, 0);
	ASSERT_GE(self->vm, 0);
	self->vcpu = okvm_ioctl(self->vm, KVM_CREATE_VCPU, 0);
	ASSERT_GE(self->vcpu, 0);
	self->sup.c.nent = NENT;
	ASSERT_EQ(okvm_ioctl(self->kvm, KVM_GET_SUPPORTED_CPUID, &self->sup), 0);
}

FIXTURE_TEARDOWN(pv)
{
	close(self->vcpu);
	close(self->vm);
	close(self->kvm);
}

/* The signature leaf says "KVM" and covers the features leaf. */
TEST_F(pv, kvm_leaves)
{
	struct kvm_cpuid_entry2 *sig = find(&self->sup, 0x40000000);
	char name[13] = { 0 };

	ASSERT_NE(sig, NULL);
	memcpy(name, &sig->ebx, 4);
	memcpy(name + 4, &sig->ecx, 4);
	memcpy(name + 8, &sig->edx, 4);
	EXPECT_STREQ(name, "KVMKVMKVM");
	EXPECT_GE(sig->eax, 0x40000001);
	EXPECT_NE(find(&self->sup, 0x40000001), NULL);
}

/* Only quirks the hypervisor reports may be disabled through QUIRKS2. */
TEST_F(pv, disable_quirks2)
{
	long quirks = okvm_ioctl(self->kvm, KVM_CHECK_EXTENSION,
				 KVM_CAP_DISABLE_QUIRKS2);
	struct kvm_enable_cap cap = { .cap = KVM_CAP_DISABLE_QUIRKS2 };

	if (!(quirks & KVM_X86_QUIRK_FIX_HYPERCALL_INSN))
		SKIP(return, "KVM_X86_QUIRK_FIX_HYPERCALL_INSN not offered");
	cap.args[0] = 1ULL << 63;
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_ENABLE_CAP, &cap), -EINVAL);
	cap.args[0] = quirks;
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_ENABLE_CAP, &cap), 0);
	/* Disabling again is no error. */
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_ENABLE_CAP, &cap), 0);
}

/* Unknown exits are refused; PV_UNHALT goes once HLT stays in the guest. */
TEST_F(pv, disable_exits_hlt)
{
	long exits = okvm_ioctl(self->kvm, KVM_CHECK_EXTENSION,
				KVM_CAP_X86_DISABLE_EXITS);
	struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_DISABLE_EXITS };
	struct kvm_cpuid_entry2 *f = find(&self->sup, 0x40000001);
	struct cpuid_buf got = { .c.nent = NENT };

	if (!(exits & KVM_X86_DISABLE_EXITS_HLT))
		SKIP(return, "HLT exits cannot be disabled");
	ASSERT_NE(f, NULL);
	cap.args[0] = 1ULL << 31;
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_ENABLE_CAP, &cap), -EINVAL);
	cap.args[0] = KVM_X86_DISABLE_EXITS_HLT;
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_ENABLE_CAP, &cap), 0);

	f->eax |= 1u << KVM_FEATURE_PV_UNHALT;
	ASSERT_EQ(okvm_ioctl(self->vcpu, KVM_SET_CPUID2, &self->sup), 0);
	ASSERT_EQ(okvm_ioctl(self->vcpu, KVM_GET_CPUID2, &got), 0);
	f = find(&got, 0x40000001);
	ASSERT_NE(f, NULL);
	EXPECT_EQ(f->eax & (1u << KVM_FEATURE_PV_UNHALT), 0);
}

/* A vCPU cap with flags, or one the vCPU does not know, is refused. */
TEST_F(pv, enforce_pv_cpuid_cap)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_ENFORCE_PV_FEATURE_CPUID,
				      .args[0] = 1 };

	if (!okvm_ioctl(self->kvm, KVM_CHECK_EXTENSION,
			KVM_CAP_ENFORCE_PV_FEATURE_CPUID))
		SKIP(return, "KVM_CAP_ENFORCE_PV_FEATURE_CPUID not offered");
	EXPECT_EQ(okvm_ioctl(self->vcpu, KVM_ENABLE_CAP, &cap), 0);
	cap.flags = 1;
	EXPECT_EQ(okvm_ioctl(self->vcpu, KVM_ENABLE_CAP, &cap), -EINVAL);
	cap.flags = 0;
	cap.cap = 100000;
	EXPECT_EQ(okvm_ioctl(self->vcpu, KVM_ENABLE_CAP, &cap), -EINVAL);
}

/* A linear-address width other than 48 or 57 bits is refused. */
TEST_F(pv, cpuid_vaddr_bits)
{
	struct kvm_cpuid_entry2 *e = find(&self->sup, 0x80000008);

	ASSERT_NE(e, NULL);
	e->eax = (e->eax & ~0xff00u) | (40 << 8);
	EXPECT_EQ(okvm_ioctl(self->vcpu, KVM_SET_CPUID2, &self->sup), -EINVAL);
	e->eax = (e->eax & ~0xff00u) | (48 << 8);
	EXPECT_EQ(okvm_ioctl(self->vcpu, KVM_SET_CPUID2, &self->sup), 0);
}

/* KVM_SET_CLOCK takes only the flags KVM_CAP_ADJUST_CLOCK reports. */
TEST_F(pv, set_clock_flags)
{
	long flags = okvm_ioctl(self->kvm, KVM_CHECK_EXTENSION,
				KVM_CAP_ADJUST_CLOCK);
	struct kvm_clock_data data = { .clock = 1000000000ULL };

	if (!(flags & KVM_CLOCK_REALTIME))
		SKIP(return, "KVM_CLOCK_REALTIME not offered");
	if (!okvm_host_clocksource_is_tsc())
		SKIP(return, "host clocksource is not tsc: no master clock");
	data.flags = 1u << 31;
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_SET_CLOCK, &data), -EINVAL);
	data.flags = 0;
	ASSERT_EQ(okvm_ioctl(self->vm, KVM_SET_CLOCK, &data), 0);
	ASSERT_EQ(okvm_ioctl(self->vm, KVM_GET_CLOCK, &data), 0);
	EXPECT_GE(data.clock, 1000000000ULL);
	EXPECT_LT(data.clock, 1000000000ULL + 60ULL * 1000000000ULL);
	EXPECT_NE(data.flags & KVM_CLOCK_REALTIME, 0);
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_SET_CLOCK, NULL), -EFAULT);
}

/*
 * userspace restores kvmclock MSRs as they were, also a page outside every
 * memslot: KVM accepts the value and reads it back unchanged.
 */
TEST_F(pv, kvmclock_msr_outside_memslots)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[1];
	} m = { .h.nmsrs = 1 };

	if (!find(&self->sup, 0x40000001) ||
	    !(find(&self->sup, 0x40000001)->eax & (1u << KVM_FEATURE_CLOCKSOURCE2)))
		SKIP(return, "kvmclock not offered");
	m.e[0].index = MSR_KVM_SYSTEM_TIME_NEW;
	m.e[0].data = (1ULL << 40) | 1;
	ASSERT_EQ(okvm_ioctl(self->vcpu, KVM_SET_MSRS, &m), 1);
	m.e[0].data = 0;
	ASSERT_EQ(okvm_ioctl(self->vcpu, KVM_GET_MSRS, &m), 1);
	EXPECT_EQ(m.e[0].data, (1ULL << 40) | 1);
}

/*
 * MSR_KVM_STEAL_TIME: bits 1-5 are reserved (the record is 64-byte
 * aligned), so a value with any of them is refused; a valid one, even
 * outside every memslot, reads back unchanged.
 */
TEST_F(pv, steal_time_msr)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[1];
	} m = { .h.nmsrs = 1 };

	if (!find(&self->sup, 0x40000001) ||
	    !(find(&self->sup, 0x40000001)->eax & (1u << KVM_FEATURE_STEAL_TIME)))
		SKIP(return, "steal time not offered");
	m.e[0].index = MSR_KVM_STEAL_TIME;
	m.e[0].data = (1ULL << 40) | 0x20 | KVM_MSR_ENABLED;
	EXPECT_EQ(okvm_ioctl(self->vcpu, KVM_SET_MSRS, &m), 0);
	m.e[0].data = (1ULL << 40) | 0x40 | KVM_MSR_ENABLED;
	ASSERT_EQ(okvm_ioctl(self->vcpu, KVM_SET_MSRS, &m), 1);
	m.e[0].data = 0;
	ASSERT_EQ(okvm_ioctl(self->vcpu, KVM_GET_MSRS, &m), 1);
	EXPECT_EQ(m.e[0].data, (1ULL << 40) | 0x40 | KVM_MSR_ENABLED);
}

TEST_HARNESS_MAIN
