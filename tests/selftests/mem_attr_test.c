// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_SET_MEMORY_ATTRIBUTES and KVM_CAP_MEMORY_ATTRIBUTES: what a VM
 * without private memory and a KVM_X86_SW_PROTECTED_VM accept, and the
 * errno of each bad request, in KVM's order of checks. Holds for KVM and
 * okvm; the software-protected cases skip where the VM type is not
 * offered (Debian's kvm_amd is built without CONFIG_KVM_SW_PROTECTED_VM),
 * and everything skips where the ioctl does not exist (6.1's KVM).
 */
#include <errno.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/okvm_util.h"

#ifndef KVM_X86_SW_PROTECTED_VM
#define KVM_X86_SW_PROTECTED_VM	1
#endif

#define PAGE	4096ULL
#define PRIV	KVM_MEMORY_ATTRIBUTE_PRIVATE

static long set_attrs(int vm, unsigned long long addr, unsigned long long size,
		      unsigned long long attrs, unsigned long long flags)
{
	struct kvm_memory_attributes a = {
		.address = addr, .size = size, .attributes = attrs, .flags = flags,
	};

	return okvm_ioctl(vm, KVM_SET_MEMORY_ATTRIBUTES, &a);
}

FIXTURE(attr) {
	int kvm, vm;
};

FIXTURE_VARIANT(attr) {
	unsigned long type;
};

FIXTURE_VARIANT_ADD(attr, default_vm) { .type = 0 };
FIXTURE_VARIANT_ADD(attr, sw_protected_vm) { .type = KVM_X86_SW_PROTECTED_VM };

FIXTURE_SETUP(attr)
{
	long types;

	self->vm = -1;
	self->kvm = okvm_open_dev();
	ASSERT_GE(self->kvm, 0);
	if (okvm_ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_MEMORY_ATTRIBUTES) <= 0)
		SKIP(return, "KVM_CAP_MEMORY_ATTRIBUTES not offered (no such ioctl)");
	types = okvm_ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES);
	if (!(types & (1UL << variant->type)))
		SKIP(return, "VM type %lu not offered (kvm_amd: no SW-protected VMs)",
		     variant->type);
	self->vm = okvm_ioctl(self->kvm, KVM_CREATE_VM, variant->type);
	ASSERT_GE(self->vm, 0);
}

FIXTURE_TEARDOWN(attr)
{
	if (self->vm >= 0)
		close(self->vm);
	close(self->kvm);
}

/* The system fd offers the private attribute; a VM only if it has private memory. */
TEST_F(attr, capability)
{
	long priv = variant->type == KVM_X86_SW_PROTECTED_VM ? PRIV : 0;

	EXPECT_EQ(okvm_ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_MEMORY_ATTRIBUTES),
		  PRIV);
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_CHECK_EXTENSION, KVM_CAP_MEMORY_ATTRIBUTES),
		  priv);
}

/* Each bad request alone, then the checks' order when several are bad. */
TEST_F(attr, errnos)
{
	EXPECT_EQ(set_attrs(self->vm, 0, PAGE, 0, 1), -EINVAL);
	EXPECT_EQ(set_attrs(self->vm, 0, PAGE, 1ULL << 63, 0), -EINVAL);
	EXPECT_EQ(set_attrs(self->vm, 0, PAGE, PRIV << 1, 0), -EINVAL);
	EXPECT_EQ(set_attrs(self->vm, 0, PAGE, PRIV >> 1, 0), -EINVAL);
	EXPECT_EQ(set_attrs(self->vm, 0, 0, 0, 0), -EINVAL);
	EXPECT_EQ(set_attrs(self->vm, -PAGE, 2 * PAGE, 0, 0), -EINVAL);
	EXPECT_EQ(set_attrs(self->vm, 1, PAGE, 0, 0), -EINVAL);
	EXPECT_EQ(set_attrs(self->vm, PAGE, PAGE + 1, 0, 0), -EINVAL);
	EXPECT_EQ(set_attrs(self->vm, 0, PAGE / 2, 0, 0), -EINVAL);
	/* All bad at once: still EINVAL (each check has the same errno). */
	EXPECT_EQ(set_attrs(self->vm, 1, 0, 1, 1), -EINVAL);
	/* Clearing, even of a range nothing ever set, even a huge one. */
	EXPECT_EQ(set_attrs(self->vm, 0, PAGE, 0, 0), 0);
	EXPECT_EQ(set_attrs(self->vm, 0, 1ULL << 52, 0, 0), 0);
}

/* The private attribute: refused without private memory, else set and cleared. */
TEST_F(attr, private)
{
	long r = set_attrs(self->vm, 1ULL << 32, 16 * PAGE, PRIV, 0);

	if (variant->type != KVM_X86_SW_PROTECTED_VM) {
		EXPECT_EQ(r, -EINVAL);
		return;
	}
	ASSERT_EQ(r, 0);
	/* Again (nothing changes), a part of it, a range across its edge. */
	EXPECT_EQ(set_attrs(self->vm, 1ULL << 32, 16 * PAGE, PRIV, 0), 0);
	EXPECT_EQ(set_attrs(self->vm, (1ULL << 32) + 4 * PAGE, PAGE, 0, 0), 0);
	EXPECT_EQ(set_attrs(self->vm, (1ULL << 32) - PAGE, 4 * PAGE, PRIV, 0), 0);
	EXPECT_EQ(set_attrs(self->vm, (1ULL << 32) - PAGE, 20 * PAGE, 0, 0), 0);
	/* All shared again: a huge clearing range is quick. */
	EXPECT_EQ(set_attrs(self->vm, 0, 1ULL << 52, 0, 0), 0);
	/* Flags are checked first, also when the attribute is fine. */
	EXPECT_EQ(set_attrs(self->vm, 0, PAGE, PRIV, 2), -EINVAL);
	EXPECT_EQ(set_attrs(self->vm, 0, PAGE, PRIV | 1, 0), -EINVAL);
}

TEST_HARNESS_MAIN
