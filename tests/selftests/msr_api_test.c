// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM's errnos for the MSR and TSC interface that the upstream tests do not
 * check: MSR filter limits, user-space MSR exit flags, feature MSRs on the
 * system fd and vCPU TSC attributes. Runs unchanged against okvm and KVM.
 */
#include "kselftest_harness.h"
#include "lib/okvm_util.h"

TEST(msr_filter_errnos)
{
	static unsigned char big[0x601], bits[8];
	struct kvm_msr_filter f = { .flags = KVM_MSR_FILTER_DEFAULT_ALLOW };
	int kvm = okvm_open_dev(), vm;

	ASSERT_GE(kvm, 0);
	vm = okvm_ioctl(kvm, KVM_CREATE_VM, 0);
	ASSERT_GE(vm, 0);
	if (okvm_ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_X86_MSR_FILTER) != 1)
		SKIP(return, "no KVM_CAP_X86_MSR_FILTER");
	/* Default allow, no ranges: valid (removes any filter). */
	EXPECT_EQ(okvm_ioctl(vm, KVM_X86_SET_MSR_FILTER, &f), 0);
	/* Default deny with no range at all. */
	f.flags = KVM_MSR_FILTER_DEFAULT_DENY;
	EXPECT_EQ(okvm_ioctl(vm, KVM_X86_SET_MSR_FILTER, &f), -EINVAL);
	/* Unknown filter flag. */
	f.flags = 2;
	f.ranges[0] = (struct kvm_msr_filter_range){
		.flags = KVM_MSR_FILTER_READ, .nmsrs = 1, .base = 0,
		.bitmap = bits };
	EXPECT_EQ(okvm_ioctl(vm, KVM_X86_SET_MSR_FILTER, &f), -EINVAL);
	f.flags = KVM_MSR_FILTER_DEFAULT_ALLOW;
	EXPECT_EQ(okvm_ioctl(vm, KVM_X86_SET_MSR_FILTER, &f), 0);
	/* A range with no or unknown flags. */
	f.ranges[0].flags = 0;
	EXPECT_EQ(okvm_ioctl(vm, KVM_X86_SET_MSR_FILTER, &f), -EINVAL);
	f.ranges[0].flags = 4;
	EXPECT_EQ(okvm_ioctl(vm, KVM_X86_SET_MSR_FILTER, &f), -EINVAL);
	/* A bitmap larger than KVM_MSR_FILTER_MAX_BITMAP_SIZE. */
	f.ranges[0] = (struct kvm_msr_filter_range){
		.flags = KVM_MSR_FILTER_WRITE, .nmsrs = 0x601 * 8,
		.bitmap = big };
	EXPECT_EQ(okvm_ioctl(vm, KVM_X86_SET_MSR_FILTER, &f), -EINVAL);
	f.ranges[0].nmsrs = 0x600 * 8;
	EXPECT_EQ(okvm_ioctl(vm, KVM_X86_SET_MSR_FILTER, &f), 0);
	/* An unreadable bitmap. */
	f.ranges[0].bitmap = (void *)8;
	EXPECT_EQ(okvm_ioctl(vm, KVM_X86_SET_MSR_FILTER, &f), -EFAULT);
	close(vm);
	close(kvm);
}

TEST(user_space_msr_and_features)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_USER_SPACE_MSR };
	struct { struct kvm_msr_list l; __u32 idx[64]; } list = { .l.nmsrs = 0 };
	int kvm = okvm_open_dev(), vm;

	ASSERT_GE(kvm, 0);
	vm = okvm_ioctl(kvm, KVM_CREATE_VM, 0);
	ASSERT_GE(vm, 0);
	if (okvm_ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_X86_USER_SPACE_MSR) != 1)
		SKIP(return, "no KVM_CAP_X86_USER_SPACE_MSR");
	cap.args[0] = KVM_MSR_EXIT_REASON_FILTER;
	EXPECT_EQ(okvm_ioctl(vm, KVM_ENABLE_CAP, &cap), 0);
	cap.args[0] = 1 << 3;
	EXPECT_EQ(okvm_ioctl(vm, KVM_ENABLE_CAP, &cap), -EINVAL);
	cap.args[0] = 0;
	cap.flags = 1;
	EXPECT_EQ(okvm_ioctl(vm, KVM_ENABLE_CAP, &cap), -EINVAL);

	if (okvm_ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_GET_MSR_FEATURES) == 1) {
		/* Too short a list: E2BIG with the count filled in. */
		EXPECT_EQ(okvm_ioctl(kvm, KVM_GET_MSR_FEATURE_INDEX_LIST, &list),
			  -E2BIG);
		EXPECT_GT(list.l.nmsrs, 0);
		EXPECT_EQ(okvm_ioctl(kvm, KVM_GET_MSR_FEATURE_INDEX_LIST, &list), 0);
	}
	close(vm);
	close(kvm);
}

TEST(tsc_offset_attr)
{
	struct kvm_device_attr a = { .group = KVM_VCPU_TSC_CTRL,
				     .attr = KVM_VCPU_TSC_OFFSET };
	int kvm = okvm_open_dev(), vm, vcpu;
	__u64 off = 0, v = 12345;

	ASSERT_GE(kvm, 0);
	vm = okvm_ioctl(kvm, KVM_CREATE_VM, 0);
	ASSERT_GE(vm, 0);
	vcpu = okvm_ioctl(vm, KVM_CREATE_VCPU, 0);
	ASSERT_GE(vcpu, 0);
	if (okvm_ioctl(vcpu, KVM_HAS_DEVICE_ATTR, &a))
		SKIP(return, "no KVM_VCPU_TSC_OFFSET");
	if (!okvm_host_clocksource_is_tsc())
		SKIP(return, "host clocksource is not tsc: offsets are compensated");
	a.addr = (unsigned long)&v;
	EXPECT_EQ(okvm_ioctl(vcpu, KVM_SET_DEVICE_ATTR, &a), 0);
	a.addr = (unsigned long)&off;
	EXPECT_EQ(okvm_ioctl(vcpu, KVM_GET_DEVICE_ATTR, &a), 0);
	EXPECT_EQ(off, 12345);
	a.addr = 8;
	EXPECT_EQ(okvm_ioctl(vcpu, KVM_GET_DEVICE_ATTR, &a), -EFAULT);
	a.attr = 1;
	EXPECT_EQ(okvm_ioctl(vcpu, KVM_HAS_DEVICE_ATTR, &a), -ENXIO);
	EXPECT_EQ(okvm_ioctl(vcpu, KVM_GET_DEVICE_ATTR, &a), -ENXIO);
	a.group = 7;
	a.attr = KVM_VCPU_TSC_OFFSET;
	EXPECT_EQ(okvm_ioctl(vcpu, KVM_HAS_DEVICE_ATTR, &a), -ENXIO);
	close(vcpu);
	close(vm);
	close(kvm);
}

/* One MSR through KVM_SET_MSRS / KVM_GET_MSRS: the count they return. */
static int msr_io(int vcpu, unsigned long ioctl, uint32_t index, uint64_t *data)
{
	struct { struct kvm_msrs h; struct kvm_msr_entry e; } m = {
		.h.nmsrs = 1, .e = { .index = index, .data = *data },
	};
	int r = okvm_ioctl(vcpu, ioctl, &m);

	*data = m.e.data;
	return r;
}

/*
 * The MTRRs (QEMU sets them at start-up whatever KVM reports): CPUID
 * announces them, MTRRcap is 8 variable ranges + fixed + WC and read-only,
 * values round-trip, an invalid memory type or a reserved bit is refused,
 * and the holes between the fixed-range MSRs are no MSRs.
 */
TEST(mtrr_msrs)
{
	static const struct { uint32_t index; uint64_t val; int ok; } c[] = {
		{ 0x2ff, 0xc06, 1 },			/* E, FE, WB */
		{ 0x2ff, 0x1006, 0 },			/* reserved bit 12 */
		{ 0x2ff, 0x2, 0 },			/* type 2: reserved */
		{ 0x250, 0x0606060606060606ULL, 1 },	/* fix64K_00000 */
		{ 0x259, 0x0001040506000104ULL, 1 },	/* fix16K_A0000 */
		{ 0x26f, 0x0606060606060603ULL, 0 },	/* type 3 in a byte */
		{ 0x200, 0x80000006ULL, 1 },		/* base 2G, WB */
		{ 0x200, 0x80000106ULL, 0 },		/* reserved bit 8 */
		{ 0x201, 0xf80000800ULL, 1 },		/* mask 2G, valid */
		{ 0x201, 0xf80000801ULL, 0 },		/* reserved bit 0 */
		{ 0x20f, 1ULL << 63, 0 },		/* above MAXPHYADDR */
		{ 0x251, 0, 0 },			/* a hole */
		{ 0xfe, 0x508, 0 },			/* MTRRcap: read-only */
	};
	struct { struct kvm_cpuid2 h; struct kvm_cpuid_entry2 e[100]; } cpuid = {
		.h.nent = 100,
	};
	int kvm = okvm_open_dev(), vm, vcpu;
	uint64_t v;
	unsigned int i;
	int found = 0;

	ASSERT_GE(kvm, 0);
	ASSERT_EQ(okvm_ioctl(kvm, KVM_GET_SUPPORTED_CPUID, &cpuid), 0);
	for (i = 0; i < cpuid.h.nent; i++) {
		if (cpuid.e[i].function == 1) {
			EXPECT_EQ(cpuid.e[i].edx & (1u << 12), 1u << 12);	/* MTRR */
			EXPECT_EQ(cpuid.e[i].edx & (1u << 16), 1u << 16);	/* PAT */
			found = 1;
		}
	}
	EXPECT_EQ(found, 1);
	vm = okvm_ioctl(kvm, KVM_CREATE_VM, 0);
	ASSERT_GE(vm, 0);
	vcpu = okvm_ioctl(vm, KVM_CREATE_VCPU, 0);
	ASSERT_GE(vcpu, 0);
	v = 0;
	ASSERT_EQ(msr_io(vcpu, KVM_GET_MSRS, 0xfe, &v), 1);
	EXPECT_EQ(v, 0x508);
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		v = c[i].val;
		EXPECT_EQ(msr_io(vcpu, KVM_SET_MSRS, c[i].index, &v), c[i].ok)
			TH_LOG("MSR %#x <- %#llx", c[i].index, (unsigned long long)c[i].val);
		if (!c[i].ok)
			continue;
		v = 0;
		EXPECT_EQ(msr_io(vcpu, KVM_GET_MSRS, c[i].index, &v), 1);
		EXPECT_EQ(v, c[i].val);
	}
	/* A refused write left the last good value. */
	v = 0;
	ASSERT_EQ(msr_io(vcpu, KVM_GET_MSRS, 0x2ff, &v), 1);
	EXPECT_EQ(v, 0xc06);
	v = 0;
	EXPECT_EQ(msr_io(vcpu, KVM_GET_MSRS, 0x251, &v), 0);
	close(vcpu);
	close(vm);
	close(kvm);
}

/*
 * Machine checks: KVM_CAP_MCE banks at most, KVM_X86_SETUP_MCE's checks,
 * the MSRs it sets up (everything enabled), KVM's write rules, and a
 * corrected error from KVM_X86_SET_MCE landing in its bank.
 */
TEST(mce_setup_and_msrs)
{
	static const struct { uint32_t index; uint64_t val; int ok; } w[] = {
		{ 0x400, 0x5, 0 },			/* MC0_CTL: 0 or all ones */
		{ 0x400, ~0ULL & ~(1ULL << 10), 1 },	/* the K8 erratum bit */
		{ 0x400, 0, 1 },
		{ 0x17b, 0x1, 0 },			/* MCG_CTL: 0 or all ones */
		{ 0x17b, 0, 1 },
		{ 0x17a, 0x5, 1 },			/* MCG_STATUS: anything */
		{ 0x425, 0xbe00000000000000ULL, 1 },	/* MC9_STATUS from the host */
		{ 0x428, 0, 0 },			/* MC10_CTL: only 10 banks */
		{ 0x179, 0, 0 },			/* MCG_CAP: read-only */
	};
	struct kvm_x86_mce e = { .bank = 1, .status = 0x9000000000000001ULL,
				 .addr = 0x1234000, .misc = 0x86 };
	uint64_t sup = 0, cap, v;
	int kvm = okvm_open_dev(), vm, vcpu;
	unsigned int i;

	ASSERT_GE(kvm, 0);
	if (okvm_ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_MCE) <= 0)
		SKIP(return, "no KVM_CAP_MCE");
	EXPECT_EQ(okvm_ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_MCE), 32);
	ASSERT_EQ(okvm_ioctl(kvm, KVM_X86_GET_MCE_CAP_SUPPORTED, &sup), 0);
	EXPECT_EQ(sup & ((1ULL << 8) | (1ULL << 24)), (1ULL << 8) | (1ULL << 24));
	vm = okvm_ioctl(kvm, KVM_CREATE_VM, 0);
	ASSERT_GE(vm, 0);
	vcpu = okvm_ioctl(vm, KVM_CREATE_VCPU, 0);
	ASSERT_GE(vcpu, 0);
	/* Before KVM_X86_SETUP_MCE: KVM's default, 32 banks, nothing else. */
	v = 0;
	ASSERT_EQ(msr_io(vcpu, KVM_GET_MSRS, 0x179, &v), 1);
	EXPECT_EQ(v, 32);
	ASSERT_EQ(msr_io(vcpu, KVM_GET_MSRS, 0x47c, &v), 1);	/* MC31_CTL */
	EXPECT_EQ(v, 0);
	cap = 0;
	EXPECT_EQ(okvm_ioctl(vcpu, KVM_X86_SETUP_MCE, &cap), -EINVAL);
	cap = 33;
	EXPECT_EQ(okvm_ioctl(vcpu, KVM_X86_SETUP_MCE, &cap), -EINVAL);
	cap = 10 | (1ULL << 30);			/* not offered */
	EXPECT_EQ(okvm_ioctl(vcpu, KVM_X86_SETUP_MCE, &cap), -EINVAL);
	EXPECT_EQ(okvm_ioctl(vcpu, KVM_X86_SETUP_MCE, NULL), -EFAULT);
	cap = 10 | (1ULL << 8);				/* 10 banks, MCG_CTL */
	ASSERT_EQ(okvm_ioctl(vcpu, KVM_X86_SETUP_MCE, &cap), 0);

	v = 0;
	ASSERT_EQ(msr_io(vcpu, KVM_GET_MSRS, 0x179, &v), 1);
	EXPECT_EQ(v, cap);
	ASSERT_EQ(msr_io(vcpu, KVM_GET_MSRS, 0x17b, &v), 1);
	EXPECT_EQ(v, ~0ULL);
	ASSERT_EQ(msr_io(vcpu, KVM_GET_MSRS, 0x424, &v), 1);	/* MC9_CTL */
	EXPECT_EQ(v, ~0ULL);
	for (i = 0; i < ARRAY_SIZE(w); i++) {
		v = w[i].val;
		EXPECT_EQ(msr_io(vcpu, KVM_SET_MSRS, w[i].index, &v), w[i].ok)
			TH_LOG("MSR %#x <- %#llx", w[i].index, (unsigned long long)w[i].val);
		if (!w[i].ok)
			continue;
		v = 0;
		EXPECT_EQ(msr_io(vcpu, KVM_GET_MSRS, w[i].index, &v), 1);
		EXPECT_EQ(v, w[i].val);
	}

	/* A corrected error fills bank 1; no VAL or no such bank: refused. */
	ASSERT_EQ(okvm_ioctl(vcpu, KVM_X86_SET_MCE, &e), 0);
	ASSERT_EQ(msr_io(vcpu, KVM_GET_MSRS, 0x405, &v), 1);	/* MC1_STATUS */
	EXPECT_EQ(v, e.status);
	ASSERT_EQ(msr_io(vcpu, KVM_GET_MSRS, 0x406, &v), 1);	/* MC1_ADDR */
	EXPECT_EQ(v, e.addr);
	ASSERT_EQ(okvm_ioctl(vcpu, KVM_X86_SET_MCE, &e), 0);	/* again: OVER */
	ASSERT_EQ(msr_io(vcpu, KVM_GET_MSRS, 0x405, &v), 1);
	EXPECT_EQ(v, e.status | (1ULL << 62));
	e.bank = 10;
	EXPECT_EQ(okvm_ioctl(vcpu, KVM_X86_SET_MCE, &e), -EINVAL);
	e.bank = 1;
	e.status &= ~(1ULL << 63);
	EXPECT_EQ(okvm_ioctl(vcpu, KVM_X86_SET_MCE, &e), -EINVAL);
	close(vcpu);
	close(vm);
	close(kvm);
}

TEST_HARNESS_MAIN
