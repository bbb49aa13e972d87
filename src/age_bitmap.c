// SPDX-License-Identifier: GPL-2.0-only
/*
 * OKVM_AGE_BITMAP: a VMM harvests and clears the accessed state of a GFN
 * range of a memslot into a bitmap (seed 001), e.g. to measure a guest's
 * working set (tools/wss/) or to pick cold pages to reclaim.
 *
 * The work is the MMU notifier's aging (src/mmu/age.c): one lockless pass
 * over the direct root's leaves under RCU, the accessed flag cleared by
 * compare-and-exchange.  This file only checks the request, pins the
 * memslot with SRCU and moves the bits out in bounded chunks.
 */
#include <linux/bitmap.h>
#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <uapi/linux/okvm.h>

#include "okvm.h"

/* The first version of the struct: everything up to @bitmap. */
#define AGE_BITMAP_SIZE_V0	offsetofend(struct okvm_age_bitmap, bitmap)

/*
 * Pages harvested per pass: a 32 KiB kernel bitmap (1 GiB of 4K pages),
 * whatever the size of the request.  A multiple of 64, so each chunk
 * starts on a word of the user's bitmap.
 */
#define AGE_CHUNK_PAGES		(32768UL * BITS_PER_BYTE)

static int age_bitmap_read(struct okvm_age_bitmap *req, void __user *argp)
{
	u32 size;
	int r;

	if (get_user(size, (u32 __user *)argp))
		return -EFAULT;
	if (size < AGE_BITMAP_SIZE_V0)
		return -EINVAL;
	r = copy_struct_from_user(req, sizeof(*req), argp, size);
	if (r)
		return r;	/* -E2BIG: bytes okvm does not know are set */
	if ((req->flags & ~OKVM_AGE_TEST_ONLY) || req->__reserved0 ||
	    memchr_inv(req->__reserved, 0, sizeof(req->__reserved)))
		return -EINVAL;
	return 0;
}

/**
 * okvm_vm_age_bitmap() - OKVM_AGE_BITMAP
 * @vm: the VM
 * @argp: the user's struct okvm_age_bitmap
 *
 * Fills the user's bitmap with the pages of the range that were accessed
 * and, unless OKVM_AGE_TEST_ONLY, clears their accessed state.  A huge
 * (2M) mapping is accessed as a whole: when its accessed flag is set,
 * every page of it inside the range is reported and the flag is cleared
 * for the whole mapping (the hardware keeps one flag for it).  Pages not
 * mapped in the nested page tables read as not accessed.
 *
 * The user's bitmap is zeroed before anything is harvested, so an
 * unwritable bitmap fails with nothing cleared.
 *
 * Return: 0; -EFAULT for the struct or the bitmap; -EINVAL for a @size
 * below the first version's, unknown flags, non-zero reserved fields, a
 * slot number beyond okvm's limits, an empty range or one that leaves the
 * slot; -E2BIG for a longer struct whose extra bytes are not zero;
 * -ENOENT for a slot that does not exist; -ENOMEM; -EIO if the MMU is
 * broken.
 */
int okvm_vm_age_bitmap(struct okvm_vm *vm, void __user *argp)
{
	u16 as_id, id;
	const struct okvm_memslot *slot;
	struct okvm_age_bitmap req;
	unsigned long *chunk;
	u64 off, n, gfn;
	u8 __user *ubits;
	int r, idx;

	r = age_bitmap_read(&req, argp);
	if (r)
		return r;
	as_id = req.slot >> 16;
	id = (u16)req.slot;
	if (as_id >= OKVM_ADDRESS_SPACES || id >= OKVM_USER_MEM_SLOTS)
		return -EINVAL;

	chunk = kvmalloc_array(BITS_TO_LONGS(AGE_CHUNK_PAGES), sizeof(long),
			       GFP_KERNEL_ACCOUNT);
	if (!chunk)
		return -ENOMEM;

	/* SRCU keeps the slot, and so its GFN range, from going away. */
	idx = srcu_read_lock(&vm->srcu);
	slot = okvm_memslots_find_id(srcu_dereference(vm->memslots, &vm->srcu),
				     id);
	if (!slot) {
		r = -ENOENT;
		goto out;
	}
	if (!req.num_pages || req.first_page >= slot->npages ||
	    req.num_pages > slot->npages - req.first_page) {
		r = -EINVAL;
		goto out;
	}
	ubits = u64_to_user_ptr(req.bitmap);
	if (clear_user(ubits, BITS_TO_LONGS(req.num_pages) * sizeof(long))) {
		r = -EFAULT;
		goto out;
	}
	if (READ_ONCE(vm->mmu.broken)) {
		r = -EIO;
		goto out;
	}

	gfn = slot->base_gfn + req.first_page;
	for (off = 0; off < req.num_pages; off += n) {
		n = min_t(u64, req.num_pages - off, AGE_CHUNK_PAGES);
		bitmap_zero(chunk, n);
		if (req.flags & OKVM_AGE_TEST_ONLY)
			okvm_mmu_test_young(&vm->mmu, gfn + off, n, chunk, true);
		else
			okvm_mmu_test_clear_young(&vm->mmu, gfn + off, n, chunk,
						  true);
		/* Only a racing munmap of the bitmap can fail here. */
		if (copy_to_user(ubits + off / BITS_PER_BYTE, chunk,
				 BITS_TO_LONGS(n) * sizeof(long))) {
			r = -EFAULT;
			break;
		}
	}
out:
	srcu_read_unlock(&vm->srcu, idx);
	kvfree(chunk);
	return r;
}
