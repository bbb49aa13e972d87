// SPDX-License-Identifier: GPL-2.0-only
/*
 * okvm: module init/exit, the /dev/okvm misc device and its system-fd
 * ioctls (KVM's: <linux/kvm.h>).
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kvm.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "arch.h"
#include "eventfd.h"
#include "okvm.h"

atomic_t okvm_live_vms, okvm_live_vcpus;
atomic_long_t okvm_live_pages;
static struct dentry *okvm_debugfs;

/*
 * For VMMs that open "/dev/kvm" by path (QEMU does): take KVM's own name
 * and misc minor instead of /dev/okvm. The minor, not only the name, is
 * what makes this work on a stock host: the node /dev/kvm c 10:232 exists
 * there before any module loads (kmod's static nodes, from kvm.ko's
 * "devname:kvm" alias), and udev cannot put a symlink where it is. While
 * in-tree KVM holds the minor, okvm does not load (-EBUSY); while okvm
 * holds it, in-tree KVM does not.
 */
static bool kvm_dev;
module_param(kvm_dev, bool, 0444);
MODULE_PARM_DESC(kvm_dev, "register as /dev/kvm (KVM's misc minor) instead of /dev/okvm");

static long okvm_dev_ioctl(struct file *filp, unsigned int ioctl,
			   unsigned long arg)
{
	switch (ioctl) {
	case KVM_GET_API_VERSION:
		return arg ? -EINVAL : KVM_API_VERSION;
	case KVM_CREATE_VM:
		return okvm_dev_create_vm(arg);
	case KVM_CHECK_EXTENSION:
		return okvm_check_extension(NULL, arg);
	case KVM_GET_VCPU_MMAP_SIZE:
		/* kvm_run and the arch's pages (x86: port I/O data). */
		return arg ? -EINVAL : OKVM_ARCH_VCPU_MMAP_PAGES * PAGE_SIZE;
	default:
		return okvm_arch_dev_ioctl(ioctl, arg);
	}
}

static const struct file_operations okvm_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = okvm_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/*
 * 0660 as KVM's udev rule sets it; the rule shipped in packaging/ gives
 * the group to "kvm" where that group exists.
 */
static struct miscdevice okvm_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "okvm",
	.fops = &okvm_dev_fops,
	.mode = 0660,
};

static int live_pages_get(void *data, u64 *val)
{
	*val = atomic_long_read(&okvm_live_pages);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(live_pages_fops, live_pages_get, NULL, "%llu\n");

static void okvm_debugfs_init(void)
{
	/* Leak accounting for the selftests; debugfs failures are not fatal. */
	okvm_debugfs = debugfs_create_dir("okvm", NULL);
	debugfs_create_atomic_t("live_vms", 0444, okvm_debugfs, &okvm_live_vms);
	debugfs_create_atomic_t("live_vcpus", 0444, okvm_debugfs,
				&okvm_live_vcpus);
	debugfs_create_file_unsafe("live_pages", 0444, okvm_debugfs, NULL,
				   &live_pages_fops);
}

static int __init okvm_init(void)
{
	int r;

	r = okvm_arch_init();
	if (r)
		return r;
	r = okvm_eventfd_module_init();
	if (r)
		goto err_arch;
	r = okvm_gmem_init();
	if (r)
		goto err_eventfd;
	okvm_debugfs_init();
	if (kvm_dev) {
		okvm_dev.minor = KVM_MINOR;
		okvm_dev.name = "kvm";
	}
	r = misc_register(&okvm_dev);
	if (r) {
		pr_err("cannot register /dev/%s: %d%s\n", okvm_dev.name, r,
		       r == -EBUSY ? " (in use: is in-tree KVM loaded?)" : "");
		goto err_debugfs;
	}
	return 0;

err_debugfs:
	debugfs_remove_recursive(okvm_debugfs);
	okvm_gmem_exit();
err_eventfd:
	okvm_eventfd_module_exit();
err_arch:
	okvm_arch_exit();
	return r;
}

static void __exit okvm_exit(void)
{
	misc_deregister(&okvm_dev);
	debugfs_remove_recursive(okvm_debugfs);
	okvm_gmem_exit();
	okvm_eventfd_module_exit();
	okvm_arch_exit();
}

module_init(okvm_init);
module_exit(okvm_exit);
MODULE_DESCRIPTION("okvm: an out-of-tree hypervisor with KVM's ioctl ABI");
MODULE_LICENSE("GPL");
