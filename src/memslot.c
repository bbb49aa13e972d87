// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memslot validation and copy-on-write sets.
 *
 * okvm_memslot_check() applies KVM's rules for KVM_SET_USER_MEMORY_REGION{,2}
 * in KVM's order, so that every bad request gets the errno KVM gives it;
 * okvm_memslots_apply() builds the next generation of the set. Neither
 * touches the VM: publication, SRCU and the MMU side are the caller's
 * (src/vm.c).
 */
#include <linux/errno.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "memslot.h"

/* A set of @nr slots and its HVA index, in one allocation. */
static struct okvm_memslots *memslots_alloc(unsigned int nr)
{
	struct okvm_memslots *s;
	size_t index_off = ALIGN(struct_size(s, slots, nr),
				 __alignof__(struct okvm_memslot_hva));

	s = kvzalloc(size_add(index_off, array_size(nr, sizeof(*s->by_hva))),
		     GFP_KERNEL_ACCOUNT);
	if (s) {
		s->nr = nr;
		s->by_hva = (void *)s + index_off;
	}
	return s;
}

static struct okvm_memslot_hva hva_entry(const struct okvm_memslots *slots,
					unsigned int k)
{
	const struct okvm_memslot *s = &slots->slots[k];

	return (struct okvm_memslot_hva) {
		.start = s->userspace_addr,
		.end = s->userspace_addr + (s->npages << PAGE_SHIFT),
		.slot = k,
	};
}

/*
 * Build @new's HVA index from @old's in one pass, as @new's slots were
 * merged from @old's: @old's order without the entry of old slot @rm, with
 * one for new slot @ins put in by its start (UINT_MAX: none of either),
 * each slot index moved to where the merge put that slot; then the running
 * maximum of the ends. Linear, so a VM that creates its 512 slots one by
 * one does not sort 512 times.
 */
static void memslots_merge_hva(const struct okvm_memslots *old,
			       struct okvm_memslots *new, unsigned int rm,
			       unsigned int ins)
{
	unsigned long max_end = 0;
	bool placed = ins == UINT_MAX;
	unsigned int i, j = 0;

	for (i = 0; i < old->nr; i++) {
		struct okvm_memslot_hva e = old->by_hva[i];

		if (!placed && e.start > new->slots[ins].userspace_addr) {
			new->by_hva[j++] = hva_entry(new, ins);
			placed = true;
		}
		if (e.slot == rm)
			continue;
		if (rm != UINT_MAX && e.slot > rm)
			e.slot--;
		if (ins != UINT_MAX && e.slot >= ins)
			e.slot++;
		new->by_hva[j++] = e;
	}
	if (!placed)
		new->by_hva[j++] = hva_entry(new, ins);
	for (i = 0; i < j; i++) {
		max_end = max(max_end, new->by_hva[i].end);
		new->by_hva[i].max_end = max_end;
	}
}

/**
 * okvm_memslots_hva_first() - where an HVA lookup starts
 * @slots: the set
 * @hva: the lowest HVA looked for
 *
 * Return: the first index of @slots->by_hva whose entry, or one before it,
 * ends after @hva (max_end never decreases, so a binary search finds it);
 * no entry before it can map @hva or anything above. @slots->nr if none.
 * See okvm_for_each_memslot_hva().
 */
unsigned int okvm_memslots_hva_first(const struct okvm_memslots *slots,
				     unsigned long hva)
{
	unsigned int lo = 0, hi = slots->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (slots->by_hva[mid].max_end > hva)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

struct okvm_memslots *okvm_memslots_alloc_empty(void)
{
	return memslots_alloc(0);
}

void okvm_memslots_free(struct okvm_memslots *slots)
{
	kvfree(slots);
}

/**
 * okvm_memslots_find_id() - the slot with user id @id, or NULL
 * @slots: the set
 * @id: slot id (the low 16 bits of kvm_userspace_memory_region2.slot)
 *
 * Linear: only the ioctl path looks slots up by id.
 */
const struct okvm_memslot *okvm_memslots_find_id(const struct okvm_memslots *slots,
						 u16 id)
{
	unsigned int i;

	for (i = 0; i < slots->nr; i++)
		if (slots->slots[i].id == id)
			return &slots->slots[i];
	return NULL;
}

/**
 * okvm_memslots_find_any() - the slot that contains @gfn, or NULL
 * @slots: the set (sorted, non-overlapping)
 * @gfn: guest frame number
 *
 * Also returns a slot marked OKVM_MEMSLOT_INVALID: for the fault path,
 * which must retry on such a slot rather than treat its GFNs as MMIO.
 * O(log n); safe for any reader that keeps @slots alive (SRCU).
 *
 * Open-coded rather than bsearch(): this runs on every fault and every
 * guest access okvm makes, and the library's comparison is an indirect
 * call per step (a retpoline where the kernel has them), which make
 * profile showed in exit-heavy runs.
 */
const struct okvm_memslot *okvm_memslots_find_any(const struct okvm_memslots *slots,
						  u64 gfn)
{
	unsigned int lo = 0, hi = slots->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct okvm_memslot *s = &slots->slots[mid];

		if (gfn < s->base_gfn)
			hi = mid;
		else if (gfn - s->base_gfn >= s->npages)
			lo = mid + 1;
		else
			return s;
	}
	return NULL;
}

/**
 * okvm_memslots_find() - the usable slot that contains @gfn, or NULL
 * @slots: the set (sorted, non-overlapping)
 * @gfn: guest frame number
 *
 * A slot being deleted or moved (OKVM_MEMSLOT_INVALID) is not usable: as
 * in KVM, okvm's own accesses to guest memory fail there.
 */
const struct okvm_memslot *okvm_memslots_find(const struct okvm_memslots *slots,
					      u64 gfn)
{
	const struct okvm_memslot *s = okvm_memslots_find_any(slots, gfn);

	return s && !(s->flags & OKVM_MEMSLOT_INVALID) ? s : NULL;
}

static bool overlaps(const struct okvm_memslots *slots, u16 skip_id,
		     u64 start, u64 end)
{
	unsigned int i;

	for (i = 0; i < slots->nr; i++) {
		const struct okvm_memslot *s = &slots->slots[i];

		if (s->id == skip_id)
			continue;
		if (start < s->base_gfn + s->npages && s->base_gfn < end)
			return true;
	}
	return false;
}

/**
 * okvm_memslot_check() - validate a memory-region request as KVM does
 * @slots: the current set of the request's address space
 * @mem: the request (a v1 request is passed zero-extended)
 * @valid_flags: the flags this VM accepts (KVM_MEM_GUEST_MEMFD only where
 *	the VM has private memory)
 * @max_gfn: the largest GFN the VM's MMU maps (okvm_vm_max_gfn())
 * @chg: filled with what the request changes on success
 *
 * Return: 0 and @chg->change (OKVM_MR_NONE when nothing changes), or
 * -EINVAL for a malformed or disallowed request (a created or moved slot
 * that ends past @max_gfn included), -EEXIST for a slot that would overlap
 * another. Has no side effects.
 */
int okvm_memslot_check(const struct okvm_memslots *slots,
		       const struct kvm_userspace_memory_region2 *mem,
		       u32 valid_flags, u64 max_gfn,
		       struct okvm_memslot_change *chg)
{
	u16 as_id = mem->slot >> 16, id = (u16)mem->slot;
	const struct okvm_memslot *old;
	u64 base_gfn, npages;

	memset(chg, 0, sizeof(*chg));

	/*
	 * Private memory is neither dirty-logged nor read-only (a write to a
	 * read-only slot is MMIO, which private memory cannot be).
	 */
	if (mem->flags & KVM_MEM_GUEST_MEMFD)
		valid_flags &= ~(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY);
	if (mem->flags & ~valid_flags)
		return -EINVAL;
	if (mem->memory_size & (PAGE_SIZE - 1))
		return -EINVAL;
	if (mem->guest_phys_addr & (PAGE_SIZE - 1))
		return -EINVAL;
	/* The slot is accessed with *_user() helpers later: check it once here. */
	if ((mem->userspace_addr & (PAGE_SIZE - 1)) ||
	    mem->userspace_addr != untagged_addr(mem->userspace_addr) ||
	    !access_ok((void __user *)(unsigned long)mem->userspace_addr,
		       mem->memory_size))
		return -EINVAL;
	if ((mem->flags & KVM_MEM_GUEST_MEMFD) &&
	    ((mem->guest_memfd_offset & (PAGE_SIZE - 1)) ||
	     mem->guest_memfd_offset + mem->memory_size < mem->guest_memfd_offset))
		return -EINVAL;
	if (as_id >= OKVM_ADDRESS_SPACES || id >= OKVM_USER_MEM_SLOTS)
		return -EINVAL;
	if (mem->guest_phys_addr + mem->memory_size < mem->guest_phys_addr)
		return -EINVAL;
	if ((mem->memory_size >> PAGE_SHIFT) > OKVM_MEM_MAX_NR_PAGES)
		return -EINVAL;

	old = okvm_memslots_find_id(slots, id);

	if (!mem->memory_size) {
		if (!old)
			return -EINVAL;
		chg->change = OKVM_MR_DELETE;
		chg->old = *old;
		return 0;
	}

	base_gfn = mem->guest_phys_addr >> PAGE_SHIFT;
	npages = mem->memory_size >> PAGE_SHIFT;

	chg->new = (struct okvm_memslot) {
		.base_gfn = base_gfn,
		.npages = npages,
		.userspace_addr = mem->userspace_addr,
		.flags = mem->flags,
		.id = id,
		.as_id = as_id,
	};
	if (mem->flags & KVM_MEM_GUEST_MEMFD)
		chg->new.gmem_pgoff = mem->guest_memfd_offset >> PAGE_SHIFT;

	if (!old) {
		if (slots->nr_pages + npages < slots->nr_pages)
			return -EINVAL;
		chg->change = OKVM_MR_CREATE;
	} else {
		/*
		 * An existing slot may move or change its dirty-logging flag;
		 * its size, backing and read-only-ness are fixed for its life.
		 * A guest_memfd slot can only be deleted.
		 */
		if (mem->flags & KVM_MEM_GUEST_MEMFD)
			return -EINVAL;
		if (mem->userspace_addr != old->userspace_addr ||
		    npages != old->npages ||
		    ((mem->flags ^ old->flags) &
		     (KVM_MEM_READONLY | KVM_MEM_GUEST_MEMFD)))
			return -EINVAL;
		chg->old = *old;
		if (base_gfn != old->base_gfn)
			chg->change = OKVM_MR_MOVE;
		else if (mem->flags != old->flags)
			chg->change = OKVM_MR_FLAGS_ONLY;
		else
			return 0;	/* OKVM_MR_NONE */
	}

	if (chg->change != OKVM_MR_CREATE && chg->change != OKVM_MR_MOVE)
		return 0;
	if (overlaps(slots, id, base_gfn, base_gfn + npages))
		return -EEXIST;
	/*
	 * After the overlap check, as KVM (its arch hook runs last): a slot
	 * the MMU cannot map to its end could never be unmapped there.
	 */
	if (base_gfn + npages - 1 > max_gfn)
		return -EINVAL;
	return 0;
}

/**
 * okvm_memslots_apply() - build the set that results from a checked change
 * @old: the current set, unchanged by this call
 * @chg: a change returned by okvm_memslot_check() for @old
 *
 * Return: a new set with generation @old->generation + 1, or NULL if out
 * of memory.
 */
struct okvm_memslots *okvm_memslots_apply(const struct okvm_memslots *old,
					  const struct okvm_memslot_change *chg)
{
	unsigned int nr = old->nr, i, j = 0, rm = UINT_MAX, ins = UINT_MAX;
	struct okvm_memslots *new;

	if (chg->change == OKVM_MR_CREATE)
		nr++;
	else if (chg->change == OKVM_MR_DELETE)
		nr--;

	new = memslots_alloc(nr);
	if (!new)
		return NULL;
	new->generation = old->generation + 1;
	new->nr_pages = old->nr_pages;
	if (chg->change == OKVM_MR_CREATE)
		new->nr_pages += chg->new.npages;
	else if (chg->change == OKVM_MR_DELETE)
		new->nr_pages -= chg->old.npages;

	/* Merge: copy the old slots in order, dropping the changed one and
	 * inserting its new version at its sorted position.
	 */
	for (i = 0; i < old->nr; i++) {
		const struct okvm_memslot *s = &old->slots[i];

		if (chg->change != OKVM_MR_DELETE && ins == UINT_MAX &&
		    chg->new.base_gfn < s->base_gfn) {
			ins = j;
			new->slots[j++] = chg->new;
		}
		if (chg->change != OKVM_MR_CREATE && s->id == chg->old.id) {
			rm = i;
			continue;
		}
		new->slots[j++] = *s;
	}
	if (chg->change != OKVM_MR_DELETE && ins == UINT_MAX) {
		ins = j;
		new->slots[j++] = chg->new;
	}

	if (WARN_ON_ONCE(j != nr)) {
		kvfree(new);
		return NULL;
	}
	memslots_merge_hva(old, new, rm, ins);
	return new;
}

/**
 * okvm_memslots_invalidate() - @old with one slot marked invalid
 * @old: the current set, unchanged by this call
 * @id: the slot about to be deleted or moved; must be in @old
 *
 * Return: a copy of @old, generation @old->generation + 1, in which slot
 * @id carries OKVM_MEMSLOT_INVALID; NULL if out of memory.
 */
struct okvm_memslots *okvm_memslots_invalidate(const struct okvm_memslots *old,
					       u16 id)
{
	struct okvm_memslots *new;
	unsigned int i;

	new = memslots_alloc(old->nr);
	if (!new)
		return NULL;
	/* Same slots at the same places: the index is copied as it is. */
	memcpy(new->slots, old->slots, flex_array_size(old, slots, old->nr));
	memcpy(new->by_hva, old->by_hva, array_size(old->nr, sizeof(*old->by_hva)));
	new->nr_pages = old->nr_pages;
	new->generation = old->generation + 1;
	for (i = 0; i < new->nr; i++)
		if (new->slots[i].id == id)
			new->slots[i].flags |= OKVM_MEMSLOT_INVALID;
	return new;
}
