/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * okvm's kernel-version compatibility layer, force-included into every
 * translation unit by Kbuild.
 *
 * The sources are written against the newest kernel okvm supports (6.12);
 * this header backfills older kernels (Debian's 6.1). Each shim tests a
 * feature where the kernel exposes one, a version only where it does not,
 * and says in one line what changed and when.
 */
#ifndef OKVM_COMPAT_H
#define OKVM_COMPAT_H

#include <linux/version.h>

#endif /* OKVM_COMPAT_H */
