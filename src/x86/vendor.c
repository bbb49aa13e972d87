// SPDX-License-Identifier: GPL-2.0-only
/*
 * The backend in use (vendor.h): installed once at module init, or by a
 * KUnit suite that runs common x86 code against a fake backend.
 */
#include <linux/cache.h>
#include <linux/errno.h>
#include <linux/printk.h>

#include "vendor.h"

struct okvm_x86_ops okvm_x86_ops __read_mostly;

/**
 * okvm_x86_vendor_init() - install a backend
 * @ops: its operations
 *
 * Verify that: the backend implements every operation (common code calls
 * them unconditionally, so a hole is a bug in the backend, found here
 * rather than as a NULL call in a guest's exit path).
 *
 * Return: 0, or -EINVAL with nothing installed.
 */
int okvm_x86_vendor_init(const struct okvm_x86_ops *ops)
{
	void * const *op = (void * const *)&ops->hardware_setup;
	void * const *end = (void * const *)(ops + 1);

	for (; op < end; op++) {
		if (!*op) {
			pr_err("okvm: backend %s lacks operation %td\n",
			       ops->name, op - (void * const *)ops);
			return -EINVAL;
		}
	}
	okvm_x86_ops = *ops;
	return 0;
}
