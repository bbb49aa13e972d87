// SPDX-License-Identifier: GPL-2.0-only
/*
 * guest_memfd (KVM_CREATE_GUEST_MEMFD): guest memory the VMM cannot map.
 *
 * A guest_memfd is a file on okvm's own pseudo filesystem, one inode per
 * file, so that each has its own size and page cache: the page cache is the
 * memory. Userspace can only size it (at creation), allocate its pages and
 * punch holes (fallocate); there is no read, write or mmap. Memslots created
 * with KVM_MEM_GUEST_MEMFD bind a range of the file to a range of GFNs.
 *
 * Lifetimes, as in KVM: the file pins its VM; a memslot does not pin the
 * file. Memslots are copied from set to set (src/memslot.c), so they cannot
 * be updated when the file closes; they point at a small refcounted
 * struct okvm_gmem instead, which the file and every bound slot hold. When
 * the file closes, its bindings are dropped and their GFNs zapped, and the
 * okvm_gmem lives on, marked closed, until the last slot bound to it goes.
 *
 * Locking: vm->slots_lock (bind, unbind, release) is taken before the
 * mapping's invalidate_lock, which protects the binding list and keeps the
 * bound ranges stable while a punch-hole zaps them; the MMU lock comes last.
 */
#include <linux/falloc.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pagemap.h>
#include <linux/pseudo_fs.h>
#include <linux/slab.h>

#include "okvm.h"

#define OKVM_GMEM_MAGIC	0x6f6b676d	/* "okgm" */

/* A file range bound to a memslot: [@start, @end) backs GFNs @base_gfn... */
struct okvm_gmem_binding {
	struct list_head node;
	pgoff_t start, end;
	u64 base_gfn;
};

/**
 * struct okvm_gmem - what a guest_memfd file and its memslots share
 * @refs: one for the open file, one per memslot bound to it
 * @vm: the VM it belongs to (referenced while the file is open)
 * @file: the file; NULL once it is closed (written under vm->slots_lock)
 * @inode: the file's inode, referenced for as long as this lives, so that
 *	a private fault can lock its mapping without a file reference
 * @closed: the file is closed and its pages gone (written under the
 *	mapping's invalidate_lock, exclusive)
 * @bindings: the memslots' ranges (under the mapping's invalidate_lock)
 */
struct okvm_gmem {
	refcount_t refs;
	struct okvm_vm *vm;
	struct file *file;
	struct inode *inode;
	bool closed;
	struct list_head bindings;
};

static struct vfsmount *okvm_gmem_mnt;

static void okvm_gmem_put(struct okvm_gmem *gmem)
{
	if (refcount_dec_and_test(&gmem->refs)) {
		iput(gmem->inode);
		kfree(gmem);
	}
}

/*
 * A page of the file, zeroed the first time it is handed out, returned
 * locked. The uptodate flag marks a page that was zeroed.
 */
static struct folio *okvm_gmem_get_folio(struct inode *inode, pgoff_t index)
{
	struct folio *folio = filemap_grab_folio(inode->i_mapping, index);

	if (IS_ERR(folio))
		return folio;
	if (!folio_test_uptodate(folio)) {
		folio_zero_range(folio, 0, folio_size(folio));
		folio_mark_uptodate(folio);
	}
	return folio;
}

/* Drop the translations of file pages [@start, @end) in every binding. */
static void okvm_gmem_zap(struct okvm_gmem *gmem, pgoff_t start, pgoff_t end)
{
	struct okvm_gmem_binding *b;

	/* Bindings are stable, and no private fault runs meanwhile. */
	lockdep_assert_held_write(&gmem->inode->i_mapping->invalidate_lock);
	list_for_each_entry(b, &gmem->bindings, node) {
		pgoff_t s = max(start, b->start), e = min(end, b->end);

		if (s < e)
			okvm_zap_gfn_range(gmem->vm, OKVM_ROOT_MIRROR,
					   b->base_gfn + (s - b->start),
					   e - s);
	}
}

static long okvm_gmem_punch_hole(struct file *file, loff_t offset, loff_t len)
{
	struct address_space *mapping = file->f_mapping;

	/*
	 * Exclusive: no binding changes and no private fault looks a page up
	 * until the translations are gone and the pages freed.
	 */
	filemap_invalidate_lock(mapping);
	okvm_gmem_zap(file->private_data, offset >> PAGE_SHIFT,
		      (offset + len) >> PAGE_SHIFT);
	truncate_inode_pages_range(mapping, offset, offset + len - 1);
	filemap_invalidate_unlock(mapping);
	return 0;
}

static long okvm_gmem_allocate(struct file *file, loff_t offset, loff_t len)
{
	struct inode *inode = file_inode(file);
	pgoff_t index = offset >> PAGE_SHIFT;
	pgoff_t end = (offset + len) >> PAGE_SHIFT;
	long r = 0;

	/* The size is fixed at creation: allocation never grows the file. */
	if (offset + len > i_size_read(inode))
		return -EINVAL;

	filemap_invalidate_lock_shared(inode->i_mapping);
	while (index < end) {
		struct folio *folio;

		if (signal_pending(current)) {
			r = -EINTR;
			break;
		}
		folio = okvm_gmem_get_folio(inode, index);
		if (IS_ERR(folio)) {
			r = PTR_ERR(folio);
			break;
		}
		index = folio->index + folio_nr_pages(folio);
		folio_unlock(folio);
		folio_put(folio);
		cond_resched();
	}
	filemap_invalidate_unlock_shared(inode->i_mapping);
	return r;
}

/* KVM's modes and errnos: KEEP_SIZE always, PUNCH_HOLE optional, pages. */
static long okvm_gmem_fallocate(struct file *file, int mode, loff_t offset,
				loff_t len)
{
	long r;

	if (!(mode & FALLOC_FL_KEEP_SIZE))
		return -EOPNOTSUPP;
	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE))
		return -EOPNOTSUPP;
	if (!PAGE_ALIGNED(offset) || !PAGE_ALIGNED(len))
		return -EINVAL;

	if (mode & FALLOC_FL_PUNCH_HOLE)
		r = okvm_gmem_punch_hole(file, offset, len);
	else
		r = okvm_gmem_allocate(file, offset, len);
	if (!r)
		file_modified(file);
	return r;
}

static int okvm_gmem_release(struct inode *inode, struct file *file)
{
	struct okvm_gmem *gmem = file->private_data;
	struct okvm_vm *vm = gmem->vm;
	struct okvm_gmem_binding *b, *tmp;

	/*
	 * The bound slots stay until userspace deletes them, but their
	 * private memory goes with the file: zap it and forget the ranges.
	 */
	mutex_lock(&vm->slots_lock);
	filemap_invalidate_lock(inode->i_mapping);
	okvm_gmem_zap(gmem, 0, ULONG_MAX);
	list_for_each_entry_safe(b, tmp, &gmem->bindings, node) {
		list_del(&b->node);
		kfree(b);
	}
	/* Slots may outlive the file (their inode reference): free the memory now. */
	truncate_inode_pages(inode->i_mapping, 0);
	gmem->closed = true;
	WRITE_ONCE(gmem->file, NULL);
	filemap_invalidate_unlock(inode->i_mapping);
	mutex_unlock(&vm->slots_lock);

	okvm_gmem_put(gmem);
	okvm_put_vm(vm);
	return 0;
}

/* No .read/.write/.mmap: the memory is the guest's alone (KVM: EINVAL, ENODEV). */
static const struct file_operations okvm_gmem_fops = {
	.owner = THIS_MODULE,
	.release = okvm_gmem_release,
	.fallocate = okvm_gmem_fallocate,
};

/* The size is fixed at creation: no truncate, no chmod. */
static int okvm_gmem_setattr(okvm_idmap_t *idmap, struct dentry *dentry,
			     struct iattr *attr)
{
	return -EINVAL;
}

static const struct inode_operations okvm_gmem_iops = {
	.setattr = okvm_gmem_setattr,
};

/*
 * Guest pages are mapped in the nested page tables without the host's
 * page tables (no MMU notifier covers them): they must not move.
 */
static int okvm_gmem_migrate_folio(struct address_space *mapping,
				   struct folio *dst, struct folio *src,
				   enum migrate_mode mode)
{
	return -EBUSY;
}

static const struct address_space_operations okvm_gmem_aops = {
	.dirty_folio = noop_dirty_folio,
	.migrate_folio = okvm_gmem_migrate_folio,
};

/**
 * okvm_vm_create_guest_memfd() - KVM_CREATE_GUEST_MEMFD
 * @vm: the VM the memory is for
 * @args: size (bytes, page-aligned, > 0) and flags (none are defined)
 *
 * Return: the new file's fd, or -EINVAL for a bad size or flag, -ENOMEM,
 * -EMFILE; nothing is left behind on failure.
 */
int okvm_vm_create_guest_memfd(struct okvm_vm *vm,
			       const struct kvm_create_guest_memfd *args)
{
	loff_t size = args->size;
	struct okvm_gmem *gmem;
	struct inode *inode;
	struct file *file;
	int fd, r;

	if (args->flags)
		return -EINVAL;
	if (size <= 0 || !PAGE_ALIGNED(size))
		return -EINVAL;

	/* As KVM: no O_CLOEXEC. */
	fd = get_unused_fd_flags(0);
	if (fd < 0)
		return fd;
	r = -ENOMEM;
	gmem = kzalloc(sizeof(*gmem), GFP_KERNEL_ACCOUNT);
	if (!gmem)
		goto err_fd;
	refcount_set(&gmem->refs, 1);
	INIT_LIST_HEAD(&gmem->bindings);

	inode = alloc_anon_inode(okvm_gmem_mnt->mnt_sb);
	if (IS_ERR(inode)) {
		r = PTR_ERR(inode);
		goto err_gmem;
	}
	inode->i_mode |= S_IFREG;	/* fallocate wants a regular file */
	inode->i_op = &okvm_gmem_iops;
	inode->i_mapping->a_ops = &okvm_gmem_aops;
	inode->i_size = size;
	mapping_set_gfp_mask(inode->i_mapping, GFP_HIGHUSER);
	/* Guest memory is never written back anywhere: keep it off the LRU. */
	mapping_set_unevictable(inode->i_mapping);

	/*
	 * The file's final fput() drops a module reference for its fops,
	 * which alloc_file_pseudo() does not take (anon_inode_getfile() does).
	 */
	__module_get(THIS_MODULE);
	file = alloc_file_pseudo(inode, okvm_gmem_mnt, "[kvm-gmem]", O_RDWR,
				 &okvm_gmem_fops);
	if (IS_ERR(file)) {
		r = PTR_ERR(file);
		module_put(THIS_MODULE);
		goto err_inode;
	}
	file->f_flags |= O_LARGEFILE;
	file->private_data = gmem;
	ihold(inode);
	gmem->inode = inode;
	gmem->file = file;
	okvm_get_vm(vm);
	gmem->vm = vm;
	fd_install(fd, file);
	return fd;

err_inode:
	iput(inode);
err_gmem:
	kfree(gmem);
err_fd:
	put_unused_fd(fd);
	return r;
}

/**
 * okvm_gmem_bind() - bind a new guest_memfd memslot to its file
 * @vm: the VM; vm->slots_lock held
 * @slot: the slot about to be created (not yet visible to anyone);
 *	@slot->gmem_pgoff set from the request's (aligned) offset
 * @fd: the request's guest_memfd
 *
 * Return: 0 with @slot->gmem set and referenced; -EBADF if @fd is not
 * open, -EINVAL if it is not a guest_memfd of @vm or the slot does not fit
 * inside the file, -EEXIST if part of the range is bound already, -ENOMEM.
 * Nothing changes on failure.
 */
int okvm_gmem_bind(struct okvm_vm *vm, struct okvm_memslot *slot, u32 fd)
{
	pgoff_t start = slot->gmem_pgoff, end = start + slot->npages;
	struct okvm_gmem_binding *b, *new;
	struct okvm_gmem *gmem;
	struct file *file;
	int r = -EINVAL;

	lockdep_assert_held(&vm->slots_lock);
	file = fget(fd);
	if (!file)
		return -EBADF;
	if (file->f_op != &okvm_gmem_fops)
		goto out;
	gmem = file->private_data;
	if (gmem->vm != vm)
		goto out;
	/* Offset and size are page-aligned and do not wrap (memslot.c). */
	if (((u64)end << PAGE_SHIFT) > i_size_read(file_inode(file)))
		goto out;

	r = -ENOMEM;
	new = kmalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	if (!new)
		goto out;
	new->start = start;
	new->end = end;
	new->base_gfn = slot->base_gfn;

	r = 0;
	filemap_invalidate_lock(file->f_mapping);
	list_for_each_entry(b, &gmem->bindings, node) {
		if (start < b->end && b->start < end) {
			r = -EEXIST;
			break;
		}
	}
	if (!r) {
		list_add(&new->node, &gmem->bindings);
		refcount_inc(&gmem->refs);
		slot->gmem = gmem;
	}
	filemap_invalidate_unlock(file->f_mapping);
	if (r)
		kfree(new);
out:
	fput(file);
	return r;
}

/**
 * okvm_gmem_unbind() - release a guest_memfd memslot's binding
 * @vm: the VM; vm->slots_lock held, or the VM is being destroyed
 * @slot: a slot okvm_gmem_bind() bound (anything else: no-op), which no
 *	reader can see any more and whose GFNs are zapped
 */
void okvm_gmem_unbind(struct okvm_vm *vm, const struct okvm_memslot *slot)
{
	struct okvm_gmem *gmem = slot->gmem;
	struct okvm_gmem_binding *b;
	struct file *file;

	if (!gmem)
		return;
	/*
	 * The file cannot finish closing meanwhile: its release takes
	 * slots_lock first. Once closed, it has dropped the bindings itself.
	 */
	file = READ_ONCE(gmem->file);
	if (file) {
		filemap_invalidate_lock(file->f_mapping);
		list_for_each_entry(b, &gmem->bindings, node) {
			if (b->start == slot->gmem_pgoff) {
				list_del(&b->node);
				kfree(b);
				break;
			}
		}
		filemap_invalidate_unlock(file->f_mapping);
	}
	okvm_gmem_put(gmem);
}

/**
 * okvm_gmem_fault_begin() - hold a guest_memfd slot's pages for a fault
 * @slot: a KVM_MEM_GUEST_MEMFD slot, kept alive by the caller's SRCU
 *
 * Takes the file's invalidate_lock shared, so that no punch-hole or close
 * (exclusive: they zap, then free pages) can pass between the page lookup
 * and the mapping: a page okvm_gmem_get_pfn() returns stays allocated
 * until the caller has mapped it and called okvm_gmem_fault_end().  Lock
 * order: invalidate_lock, then the MMU lock.
 *
 * Context: may sleep.
 * Return: 0 (call okvm_gmem_fault_end() after mapping), or -EFAULT if the
 * file is closed (KVM: the same errno).
 */
int okvm_gmem_fault_begin(const struct okvm_memslot *slot)
{
	struct okvm_gmem *gmem = slot->gmem;

	filemap_invalidate_lock_shared(gmem->inode->i_mapping);
	if (gmem->closed) {
		filemap_invalidate_unlock_shared(gmem->inode->i_mapping);
		return -EFAULT;
	}
	return 0;
}

/**
 * okvm_gmem_fault_end() - end okvm_gmem_fault_begin()
 * @slot: the same slot
 */
void okvm_gmem_fault_end(const struct okvm_memslot *slot)
{
	filemap_invalidate_unlock_shared(slot->gmem->inode->i_mapping);
}

/**
 * okvm_gmem_get_pfn() - the private page behind a GFN of a slot
 * @slot: the slot, between okvm_gmem_fault_begin() and _end()
 * @gfn: a GFN of @slot
 * @pfn: out: its frame, zeroed the first time it is handed out
 *
 * The page is allocated if the file has none there (after a punch-hole:
 * a new, zeroed page).  No reference is kept: the page stays while the
 * caller holds the fault lock, and afterwards until a punch-hole or the
 * close, which zap the mapping first.
 *
 * Return: 0, or -ENOMEM and friends from the page cache.
 */
int okvm_gmem_get_pfn(const struct okvm_memslot *slot, u64 gfn, u64 *pfn)
{
	pgoff_t index = slot->gmem_pgoff + (gfn - slot->base_gfn);
	struct folio *folio;

	/* okvm_gmem_fault_begin()'s lock keeps the page until it is mapped. */
	lockdep_assert_held(&slot->gmem->inode->i_mapping->invalidate_lock);
	folio = okvm_gmem_get_folio(slot->gmem->inode, index);
	if (IS_ERR(folio))
		return PTR_ERR(folio);
	*pfn = folio_pfn(folio) + (index - folio->index);
	folio_unlock(folio);
	folio_put(folio);
	return 0;
}

static int okvm_gmem_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, OKVM_GMEM_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type okvm_gmem_fs = {
	.name = "okvm_gmem",
	.init_fs_context = okvm_gmem_init_fs_context,
	.kill_sb = kill_anon_super,
};

/**
 * okvm_gmem_init() - mount the filesystem guest_memfd inodes live on
 *
 * Return: 0 or a negative errno.
 */
int okvm_gmem_init(void)
{
	okvm_gmem_mnt = kern_mount(&okvm_gmem_fs);
	return PTR_ERR_OR_ZERO(okvm_gmem_mnt);
}

/**
 * okvm_gmem_exit() - unmount it; every guest_memfd is closed (they pin
 * the module)
 */
void okvm_gmem_exit(void)
{
	kern_unmount(okvm_gmem_mnt);
}
