// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_GET_STATS_FD for VMs and vCPUs.
 *
 * The file is a read-only concatenation of four blocks; pread() at any
 * offset returns the overlapping bytes. Header, id and descriptors are
 * immutable for the fd's life; the data block is read live.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kvm.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "okvm.h"

struct okvm_stat_def {
	const char *name;
	u32 flags;
	u32 offset;	/* byte offset in the stat struct */
};

#define CUMULATIVE (KVM_STATS_TYPE_CUMULATIVE | KVM_STATS_UNIT_NONE | \
		    KVM_STATS_BASE_POW10)
#define INSTANT (KVM_STATS_TYPE_INSTANT | KVM_STATS_UNIT_NONE | \
		 KVM_STATS_BASE_POW10)
#define VM_STAT(field, f) \
	{ #field, f, offsetof(struct okvm_vm_stat, field) }
#define VCPU_STAT(field, f) \
	{ #field, f, offsetof(struct okvm_vcpu_stat, field) }

static const struct okvm_stat_def vm_stats[] = {
	VM_STAT(remote_tlb_flush, CUMULATIVE),
	VM_STAT(remote_tlb_flush_requests, CUMULATIVE),
	VM_STAT(pages_4k, INSTANT),
	VM_STAT(pages_2m, INSTANT),
	VM_STAT(pages_1g, INSTANT),
};

static const struct okvm_stat_def vcpu_stats[] = {
	VCPU_STAT(exits, CUMULATIVE),
	VCPU_STAT(io_exits, CUMULATIVE),
	VCPU_STAT(mmio_exits, CUMULATIVE),
	VCPU_STAT(halt_exits, CUMULATIVE),
	VCPU_STAT(signal_exits, CUMULATIVE),
	VCPU_STAT(irq_exits, CUMULATIVE),
#ifdef CONFIG_X86
	VCPU_STAT(irq_window_exits, CUMULATIVE),
#endif
};

/*
 * A descriptor in the file: the fixed fields, then the name padded to
 * name_size. (Kernel headers size kvm_stats_desc.name differently across
 * versions, so the layout is spelled out rather than taken from sizeof.)
 */
#define DESC_NAME_OFF	offsetof(struct kvm_stats_desc, name)
#define DESC_SIZE	(DESC_NAME_OFF + OKVM_STATS_NAME_SIZE)

/* Copy the part of [@blk, @blk + @len) at file offset @base that the read
 * [*pos, end) overlaps, advancing *pos, *buf and *left.
 */
static int copy_block(const void *blk, size_t len, loff_t base,
		      char __user **buf, size_t *left, loff_t *pos)
{
	size_t off, n;

	if (!*left || *pos < base || *pos >= base + len)
		return 0;
	off = *pos - base;
	n = min(len - off, *left);
	if (copy_to_user(*buf, blk + off, n))
		return -EFAULT;
	*buf += n;
	*left -= n;
	*pos += n;
	return 0;
}

static ssize_t stats_read(const char *id, const struct okvm_stat_def *defs,
			  unsigned int n, const u64 *data, char __user *buf,
			  size_t size, loff_t *ppos)
{
	struct kvm_stats_header hdr = {
		.name_size = OKVM_STATS_NAME_SIZE,
		.num_desc = n,
		.id_offset = sizeof(hdr),
		.desc_offset = sizeof(hdr) + OKVM_STATS_NAME_SIZE,
		.data_offset = sizeof(hdr) + OKVM_STATS_NAME_SIZE + n * DESC_SIZE,
	};
	u8 desc[DESC_SIZE] __aligned(8);
	struct kvm_stats_desc *d = (struct kvm_stats_desc *)desc;
	size_t left = size;
	loff_t pos = *ppos;
	unsigned int i;
	int r;

	r = copy_block(&hdr, sizeof(hdr), 0, &buf, &left, &pos);
	if (!r)
		r = copy_block(id, OKVM_STATS_NAME_SIZE, hdr.id_offset, &buf,
			       &left, &pos);
	for (i = 0; !r && i < n; i++) {
		loff_t base = hdr.desc_offset + i * DESC_SIZE;

		if (pos >= base + DESC_SIZE || pos + left <= base)
			continue;
		memset(desc, 0, sizeof(desc));
		d->flags = defs[i].flags;
		d->size = 1;
		d->offset = i * sizeof(u64);
		strscpy((char *)desc + DESC_NAME_OFF, defs[i].name,
			OKVM_STATS_NAME_SIZE);
		r = copy_block(desc, DESC_SIZE, base, &buf, &left, &pos);
	}
	for (i = 0; !r && i < n; i++) {
		/* Racy snapshot of a counter another CPU may bump: fine. */
		u64 v = READ_ONCE(*(const u64 *)((const char *)data + defs[i].offset));

		r = copy_block(&v, sizeof(v), hdr.data_offset + i * sizeof(v),
			       &buf, &left, &pos);
	}
	if (r)
		return r;
	*ppos = pos;
	return size - left;
}

static ssize_t vm_stats_read(struct file *file, char __user *buf, size_t size,
			     loff_t *ppos)
{
	struct okvm_vm *vm = file->private_data;

	/* Instant values come from the MMU's own leaf counters. */
	WRITE_ONCE(vm->stat.pages_4k, atomic64_read(&vm->mmu.nr_leaves[1]));
	WRITE_ONCE(vm->stat.pages_2m, atomic64_read(&vm->mmu.nr_leaves[2]));
	WRITE_ONCE(vm->stat.pages_1g, atomic64_read(&vm->mmu.nr_leaves[3]));
	return stats_read(vm->stats_id, vm_stats, ARRAY_SIZE(vm_stats),
			  (const u64 *)&vm->stat, buf, size, ppos);
}

static ssize_t vcpu_stats_read(struct file *file, char __user *buf, size_t size,
			       loff_t *ppos)
{
	struct okvm_vcpu *vcpu = file->private_data;

	return stats_read(vcpu->stats_id, vcpu_stats, ARRAY_SIZE(vcpu_stats),
			  (const u64 *)&vcpu->stat, buf, size, ppos);
}

static int vm_stats_release(struct inode *inode, struct file *file)
{
	struct okvm_vm *vm = file->private_data;

	okvm_put_vm(vm);
	return 0;
}

static int vcpu_stats_release(struct inode *inode, struct file *file)
{
	struct okvm_vcpu *vcpu = file->private_data;

	okvm_put_vm(vcpu->vm);
	return 0;
}

static const struct file_operations vm_stats_fops = {
	.owner = THIS_MODULE,
	.read = vm_stats_read,
	.release = vm_stats_release,
	.llseek = noop_llseek,
};

static const struct file_operations vcpu_stats_fops = {
	.owner = THIS_MODULE,
	.read = vcpu_stats_read,
	.release = vcpu_stats_release,
	.llseek = noop_llseek,
};

static int stats_fd(const char *name, const struct file_operations *fops,
		    void *priv, struct okvm_vm *vm)
{
	struct file *file;
	int fd;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	file = anon_inode_getfile(name, fops, priv, O_RDONLY);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	/* The fd pins the VM (and with it the vCPU) until it is closed. */
	okvm_get_vm(vm);
	file->f_mode |= FMODE_PREAD;
	fd_install(fd, file);
	return fd;
}

/**
 * okvm_vm_stats_fd() - KVM_GET_STATS_FD on a VM
 * @vm: the VM
 *
 * Return: a new read-only fd holding a VM reference, or a negative errno.
 */
int okvm_vm_stats_fd(struct okvm_vm *vm)
{
	return stats_fd("kvm-vm-stats", &vm_stats_fops, vm, vm);
}

/**
 * okvm_vcpu_stats_fd() - KVM_GET_STATS_FD on a vCPU
 * @vcpu: the vCPU
 *
 * Return: a new read-only fd holding a VM reference, or a negative errno.
 */
int okvm_vcpu_stats_fd(struct okvm_vcpu *vcpu)
{
	return stats_fd("kvm-vcpu-stats", &vcpu_stats_fops, vcpu, vcpu->vm);
}
