// SPDX-License-Identifier: GPL-2.0-only
/*
 * arm64 ioctl surface without guest execution: the IPA size in the VM
 * type, KVM_ARM_PREFERRED_TARGET, KVM_ARM_VCPU_INIT, ONE_REG, REG_LIST
 * and MP_STATE, with KVM's errno for every bad input. Runs unchanged
 * against okvm and the kernel's KVM.
 */
#include "kselftest_harness.h"
#include "lib/a64.h"

#define SCTLR_EL1	A64_SYSREG(3, 0, 1, 0, 0)
#define MPIDR_EL1	A64_SYSREG(3, 0, 0, 0, 5)
#define MMFR0_EL1	A64_SYSREG(3, 0, 0, 7, 0)
#define TTBR0_EL1	A64_SYSREG(3, 0, 2, 0, 0)

TEST(ipa_size_in_vm_type)
{
	int kvm = okvm_open_dev();
	long limit, r;

	ASSERT_GE(kvm, 0);
	limit = okvm_ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_VM_IPA_SIZE);
	ASSERT_GE(limit, 40);
	EXPECT_LE(limit, 52);
	/* KVM's minimum is 32 bits; 0 means the default (40). */
	EXPECT_EQ(okvm_ioctl(kvm, KVM_CREATE_VM, 31), -EINVAL);
	EXPECT_EQ(okvm_ioctl(kvm, KVM_CREATE_VM, limit + 1), -EINVAL);
	EXPECT_EQ(okvm_ioctl(kvm, KVM_CREATE_VM, 0x100 | 40), -EINVAL);
	r = okvm_ioctl(kvm, KVM_CREATE_VM, 0);
	EXPECT_GE(r, 0);
	close(r);
	r = okvm_ioctl(kvm, KVM_CREATE_VM, 32);
	EXPECT_GE(r, 0);
	close(r);
	r = okvm_ioctl(kvm, KVM_CREATE_VM, limit);
	EXPECT_GE(r, 0);
	close(r);
	/* What okvm offers, truthfully: PSCI and ONE_REG yes, no GIC/timer. */
	EXPECT_EQ(okvm_ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_PSCI_0_2), 1);
	EXPECT_EQ(okvm_ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_ONE_REG), 1);
	close(kvm);
}

TEST(create_device)
{
	struct kvm_create_device cd = { .type = 0 };
	struct a64_vm v;

	ASSERT_EQ(a64_vm_create(&v, 0, 0), 0);
	/* Type 0 exists nowhere: ENODEV, in trial mode too. */
	EXPECT_EQ(okvm_ioctl(v.vm, KVM_CREATE_DEVICE, &cd), -ENODEV);
	cd.flags = KVM_CREATE_DEVICE_TEST;
	EXPECT_EQ(okvm_ioctl(v.vm, KVM_CREATE_DEVICE, &cd), -ENODEV);
	a64_vm_destroy(&v);
}

TEST(vcpu_init)
{
	struct kvm_vcpu_init init;
	uint64_t val;
	struct kvm_one_reg reg = { .id = A64_PC, .addr = (uintptr_t)&val };
	struct kvm_reg_list list = { .n = 0 };
	struct a64_vm v;
	int fd;

	ASSERT_EQ(a64_vm_create(&v, 0, 0), 0);
	ASSERT_EQ(okvm_ioctl(v.vm, KVM_ARM_PREFERRED_TARGET, &init), 0);
	fd = okvm_ioctl(v.vm, KVM_CREATE_VCPU, 0);
	ASSERT_GE(fd, 0);

	/* Nothing works before KVM_ARM_VCPU_INIT. */
	EXPECT_EQ(okvm_ioctl(fd, KVM_GET_ONE_REG, &reg), -ENOEXEC);
	EXPECT_EQ(okvm_ioctl(fd, KVM_GET_REG_LIST, &list), -ENOEXEC);
	EXPECT_EQ(okvm_ioctl(fd, KVM_RUN, 0), -ENOEXEC);

	init.target = 1000;
	EXPECT_EQ(okvm_ioctl(fd, KVM_ARM_VCPU_INIT, &init), -EINVAL);
	ASSERT_EQ(okvm_ioctl(v.vm, KVM_ARM_PREFERRED_TARGET, &init), 0);
	init.features[1] = 1;
	EXPECT_EQ(okvm_ioctl(fd, KVM_ARM_VCPU_INIT, &init), -ENOENT);
	init.features[1] = 0;
	init.features[0] = 1U << 31;
	EXPECT_EQ(okvm_ioctl(fd, KVM_ARM_VCPU_INIT, &init), -ENOENT);
	init.features[0] = 1U << KVM_ARM_VCPU_PSCI_0_2;
	EXPECT_EQ(okvm_ioctl(fd, KVM_ARM_VCPU_INIT, &init), 0);
	/* A second init may not change the features. */
	init.features[0] = 0;
	EXPECT_EQ(okvm_ioctl(fd, KVM_ARM_VCPU_INIT, &init), -EINVAL);
	close(fd);
	a64_vm_destroy(&v);
}

TEST(one_reg)
{
	struct a64_vcpu c;
	struct a64_vm v;
	uint64_t val, id;

	ASSERT_EQ(a64_vm_create(&v, 0, 0), 0);
	ASSERT_EQ(a64_vcpu_create(&v, &c, 0x123, 1U << KVM_ARM_VCPU_PSCI_0_2), 0);

	/* Reset state: EL1h, DAIF masked, PC 0, MMU off. */
	ASSERT_EQ(a64_get_reg(&c, A64_PSTATE, &val), 0);
	EXPECT_EQ(val, 0x3c5);
	ASSERT_EQ(a64_get_reg(&c, A64_PC, &val), 0);
	EXPECT_EQ(val, 0);
	ASSERT_EQ(a64_get_reg(&c, SCTLR_EL1, &val), 0);
	EXPECT_EQ(val & 1, 0);
	/* MPIDR from the vCPU id: Aff0 = id[3:0], Aff1 = id[11:4]. */
	ASSERT_EQ(a64_get_reg(&c, MPIDR_EL1, &val), 0);
	EXPECT_EQ(val & 0xffffff, 0x1203);
	ASSERT_EQ(a64_get_reg(&c, MMFR0_EL1, &val), 0);

	/* Round trips. */
	EXPECT_EQ(a64_set_reg(&c, A64_X(7), 0x1122334455667788ULL), 0);
	ASSERT_EQ(a64_get_reg(&c, A64_X(7), &val), 0);
	EXPECT_EQ(val, 0x1122334455667788ULL);
	EXPECT_EQ(a64_set_reg(&c, TTBR0_EL1, 0xabc000), 0);
	ASSERT_EQ(a64_get_reg(&c, TTBR0_EL1, &val), 0);
	EXPECT_EQ(val, 0xabc000);

	/* A core register with the wrong size, or between registers. */
	id = A64_PC & ~KVM_REG_SIZE_MASK;
	EXPECT_EQ(a64_get_reg(&c, id | KVM_REG_SIZE_U32, &val), -EINVAL);
	EXPECT_EQ(a64_get_reg(&c, A64_X(0) + 1, &val), -EINVAL);
	/* PSTATE for AArch32 EL1 or for EL2: no such vCPU here. */
	EXPECT_EQ(a64_set_reg(&c, A64_PSTATE, 0x13), -EINVAL);
	EXPECT_EQ(a64_set_reg(&c, A64_PSTATE, 0x3c9), -EINVAL);
	ASSERT_EQ(a64_get_reg(&c, A64_PSTATE, &val), 0);
	EXPECT_EQ(val, 0x3c5);
	/* A system register nobody has. */
	EXPECT_EQ(a64_get_reg(&c, A64_SYSREG(3, 7, 15, 15, 7), &val), -ENOENT);

	a64_vcpu_destroy(&c);
	a64_vm_destroy(&v);
}

TEST(reg_list)
{
	struct kvm_reg_list hdr = { .n = 0 }, *list;
	struct a64_vcpu c;
	struct a64_vm v;
	unsigned int i, found = 0;
	uint64_t val;

	ASSERT_EQ(a64_vm_create(&v, 0, 0), 0);
	ASSERT_EQ(a64_vcpu_create(&v, &c, 0, 1U << KVM_ARM_VCPU_PSCI_0_2), 0);
	EXPECT_EQ(okvm_ioctl(c.fd, KVM_GET_REG_LIST, &hdr), -E2BIG);
	ASSERT_GT(hdr.n, 75);
	list = calloc(1, sizeof(*list) + hdr.n * sizeof(uint64_t));
	ASSERT_NE(list, NULL);
	list->n = hdr.n;
	ASSERT_EQ(okvm_ioctl(c.fd, KVM_GET_REG_LIST, list), 0);
	for (i = 0; i < list->n; i++) {
		if (list->reg[i] == A64_PC || list->reg[i] == SCTLR_EL1)
			found++;
		/* Every listed 64-bit register can be read. */
		if ((list->reg[i] & KVM_REG_SIZE_MASK) == KVM_REG_SIZE_U64)
			EXPECT_EQ(a64_get_reg(&c, list->reg[i], &val), 0);
	}
	EXPECT_EQ(found, 2);
	free(list);
	a64_vcpu_destroy(&c);
	a64_vm_destroy(&v);
}

TEST(mp_state)
{
	struct kvm_mp_state mp;
	struct a64_vcpu c;
	struct a64_vm v;

	ASSERT_EQ(a64_vm_create(&v, 0, 0), 0);
	ASSERT_EQ(a64_vcpu_create(&v, &c, 0, (1U << KVM_ARM_VCPU_PSCI_0_2) |
				  (1U << KVM_ARM_VCPU_POWER_OFF)), 0);
	ASSERT_EQ(okvm_ioctl(c.fd, KVM_GET_MP_STATE, &mp), 0);
	EXPECT_EQ(mp.mp_state, KVM_MP_STATE_STOPPED);
	mp.mp_state = KVM_MP_STATE_RUNNABLE;
	EXPECT_EQ(okvm_ioctl(c.fd, KVM_SET_MP_STATE, &mp), 0);
	ASSERT_EQ(okvm_ioctl(c.fd, KVM_GET_MP_STATE, &mp), 0);
	EXPECT_EQ(mp.mp_state, KVM_MP_STATE_RUNNABLE);
	mp.mp_state = 1000;
	EXPECT_EQ(okvm_ioctl(c.fd, KVM_SET_MP_STATE, &mp), -EINVAL);
	a64_vcpu_destroy(&c);
	a64_vm_destroy(&v);
}

TEST_HARNESS_MAIN
