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

#endif /* _UAPI_LINUX_OKVM_H */
