/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * okvm's own ioctls: extensions beside KVM's ABI (<linux/kvm.h>), which
 * okvm implements unchanged. Only okvm answers these; KVM returns -EINVAL
 * (unknown ioctl) for them.
 *
 * Conventions (as iommufd's): every struct starts with @size (the size
 * userspace knows, so the struct can grow) and @flags, and ends with
 * reserved fields that must be zero. okvm rejects a @size below the first
 * version's, unknown flags and non-zero reserved fields with -EINVAL.
 *
 * Numbers: type OKVM_IO; 0x00-0x3f generic and x86, 0x40-0x5f arm64.
 */
#ifndef _UAPI_LINUX_OKVM_H
#define _UAPI_LINUX_OKVM_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define OKVM_IO	0xBF

/* ---- generic / x86 (0x00-0x3f): none yet ---- */

/* ---- arm64 (0x40-0x5f) ---- */

/*
 * Stage-2 MMUs beyond the canonical one (seed 004). A VM's canonical s2
 * MMU maps its memslots; an extra s2 MMU either shares that table with a
 * VMID of its own (OKVM_ARM64_S2_SHARE_CANONICAL), or has a table of its
 * own whose IPA x maps what the canonical table maps at x + @ipa_offset.
 * A vCPU runs on the canonical s2 MMU (id 0) until
 * OKVM_ARM64_VCPU_SET_S2_MMU moves it. Guest faults on an extra s2 MMU
 * with a table of its own are resolved through the memslots at the
 * offset GPA, and exit to userspace (KVM_EXIT_MMIO) with that GPA.
 */
#define OKVM_ARM64_S2_SHARE_CANONICAL	(1U << 0)

/**
 * struct okvm_arm64_s2_mmu - OKVM_ARM64_CREATE_S2_MMU (VM fd)
 * @size: sizeof(struct okvm_arm64_s2_mmu)
 * @flags: OKVM_ARM64_S2_*
 * @id: out: the new s2 MMU's id (1 and up)
 * @__pad: must be zero
 * @ipa_offset: own table only: page-aligned, added to the IPA
 * @__reserved: must be zero
 *
 * Return: 0; -EINVAL for bad fields; -ENOSPC when the VM has all the s2
 * MMUs okvm allows; -ENOMEM.
 */
struct okvm_arm64_s2_mmu {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 __pad;
	__u64 ipa_offset;
	__u64 __reserved[4];
};
#define OKVM_ARM64_CREATE_S2_MMU	_IOWR(OKVM_IO, 0x40, struct okvm_arm64_s2_mmu)

/**
 * struct okvm_arm64_vcpu_s2_mmu - OKVM_ARM64_VCPU_SET_S2_MMU (vCPU fd)
 * @size: sizeof(struct okvm_arm64_vcpu_s2_mmu)
 * @flags: must be zero
 * @id: the s2 MMU the vCPU runs on from its next KVM_RUN (0: canonical)
 * @__pad: must be zero
 * @__reserved: must be zero
 *
 * Return: 0; -EINVAL for bad fields; -ENOENT for an id the VM lacks.
 */
struct okvm_arm64_vcpu_s2_mmu {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 __pad;
	__u64 __reserved[4];
};
#define OKVM_ARM64_VCPU_SET_S2_MMU	_IOW(OKVM_IO, 0x41, struct okvm_arm64_vcpu_s2_mmu)

#endif /* _UAPI_LINUX_OKVM_H */
