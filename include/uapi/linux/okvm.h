/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * okvm's extensions to the KVM ABI.
 *
 * Everything else okvm answers is <linux/kvm.h>, unchanged.  What is here
 * is okvm's own, and is built so that it can never be mistaken for KVM's:
 *
 *  - Capabilities: KVM_CHECK_EXTENSION numbers from OKVM_CAP_BASE up.
 *    KVM's own capabilities are small consecutive integers (238 in Linux
 *    6.12) and KVM answers 0 for any number it does not know, so a client
 *    that finds an okvm capability non-zero knows it talks to okvm, and
 *    on in-tree KVM the same check safely reads 0.
 *  - ioctls: type OKVMIO ('O'), numbers from 0xf0 up, on okvm's own fds.
 *    KVM's type 0xAE is full (ioctl-number.rst: KVM 00-1F and 40-FF,
 *    Nitro Enclaves 20-3F); 'O' is registered only for 00-06 (UBI), so an
 *    okvm number can never equal a present or future KVM ioctl, and in-tree
 *    KVM fails it as an unknown ioctl (-ENOTTY on a VM fd).
 *  - Structs start with @size and @flags and end in reserved fields that
 *    must be zero, so that they can grow: the kernel accepts any @size
 *    from the first version's size up; bytes it does not know must be zero
 *    (-E2BIG otherwise), bytes a shorter @size leaves out read as zero.
 *
 * Sections: generic (all architectures), then per architecture.
 */
#ifndef _UAPI_LINUX_OKVM_H
#define _UAPI_LINUX_OKVM_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* ---- generic ---- */

#define OKVM_CAP_BASE			0x4f4b0000	/* "OK" << 16 */
/* KVM_CHECK_EXTENSION: 1 if OKVM_AGE_BITMAP works on this VM */
#define OKVM_CAP_AGE_BITMAP		(OKVM_CAP_BASE + 1)

#define OKVMIO				'O'

/**
 * struct okvm_age_bitmap - OKVM_AGE_BITMAP (VM ioctl)
 * @size: sizeof(struct okvm_age_bitmap) as the caller knows it
 * @flags: OKVM_AGE_* flags
 * @slot: memslot: address space << 16 | slot id (as KVM_GET_DIRTY_LOG)
 * @__reserved0: must be zero
 * @first_page: first page of the range, counted from the slot's start
 * @num_pages: pages in the range (at least one, inside the slot)
 * @bitmap: user address of DIV_ROUND_UP(@num_pages, 64) u64 words, in
 *	KVM_GET_DIRTY_LOG's layout: bit i (word i / 64, bit i % 64) is page
 *	@first_page + i; set if the guest accessed the page since its
 *	accessed state was last cleared, bits past @num_pages are zero
 * @__reserved: must be zero
 */
struct okvm_age_bitmap {
	__u32 size;
	__u32 flags;
	__u32 slot;
	__u32 __reserved0;
	__u64 first_page;
	__u64 num_pages;
	__u64 bitmap;
	__u64 __reserved[4];
};

/* Only report: leave the accessed state as it is. */
#define OKVM_AGE_TEST_ONLY		(1U << 0)

#define OKVM_AGE_BITMAP			_IOW(OKVMIO, 0xf0, struct okvm_age_bitmap)

/* ---- x86 ---- */

/*
 * A VM with a GPA shared bit: the memory layout of Intel TDX, on any
 * hardware okvm drives (AMD SVM with nested paging today).
 *
 * KVM_CREATE_VM with type OKVM_X86_SHARED_BIT_VM_TYPE(bit) creates a VM
 * that has private memory as KVM_X86_SW_PROTECTED_VM does (guest_memfd,
 * KVM_SET_MEMORY_ATTRIBUTES, KVM_EXIT_MEMORY_FAULT), and in which GPA bit
 * @bit tells the kind of every guest access:
 *  - without the bit, the access is private: GPA x reaches the private
 *    memory of GPA x (the guest_memfd page bound at x);
 *  - with the bit, the access is shared: GPA x | (1 << @bit) reaches the
 *    shared memory of GPA x (the VMM's mapping of the memslot at x).
 * Everything the VMM passes and is told carries natural GPAs, below the
 * bit: memslots, memory attributes, dirty logs, KVM_PRE_FAULT_MEMORY
 * (which maps the kind the attribute names; a GPA with the bit is
 * -EINVAL), and the exits (KVM_EXIT_MMIO and KVM_EXIT_MEMORY_FAULT report
 * the GPA without the bit). A memslot must end below the bit.
 * An access whose kind disagrees with the attribute of its GPA exits with
 * KVM_EXIT_MEMORY_FAULT (KVM_MEMORY_EXIT_FLAG_PRIVATE set for a private
 * access) and KVM_RUN fails with -EFAULT; a shared access to a GPA no
 * memslot backs is MMIO, a private one is a memory fault.
 *
 * KVM_CHECK_EXTENSION(OKVM_CAP_X86_SHARED_BIT_VM) is 0 where the type is
 * not offered, else the number of GPA bits a guest can use: @bit may be
 * from OKVM_X86_SHARED_BIT_MIN to that number minus one; KVM_CREATE_VM
 * fails with -EINVAL for any other.  The type is not a KVM VM type and is
 * not listed in KVM_CAP_VM_TYPES.
 */
#define OKVM_CAP_X86_SHARED_BIT_VM	(OKVM_CAP_BASE + 2)
#define OKVM_X86_SHARED_BIT_VM		0x4f00U
#define OKVM_X86_SHARED_BIT_VM_TYPE(bit) \
	(OKVM_X86_SHARED_BIT_VM | ((bit) & 0xffU))
#define OKVM_X86_SHARED_BIT_MIN		24

/* ---- arm64 (OKVMIO 0xf8-0xff) ---- */

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
#define OKVM_ARM64_CREATE_S2_MMU	_IOWR(OKVMIO, 0xf8, struct okvm_arm64_s2_mmu)

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
#define OKVM_ARM64_VCPU_SET_S2_MMU	_IOW(OKVMIO, 0xf9, struct okvm_arm64_vcpu_s2_mmu)

#endif /* _UAPI_LINUX_OKVM_H */
