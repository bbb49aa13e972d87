/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fake guest memory for the guest-walker suites: a flat buffer at GPA 0
 * with a page allocator for tables, a read-only window (ROM) and a hook
 * that changes one entry right before the walker's next cmpxchg, as a
 * guest vCPU racing the walk would.
 */
#ifndef OKVM_GWALK_TEST_H
#define OKVM_GWALK_TEST_H

#include <linux/errno.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <kunit/test.h>

#include "x86/gwalk.h"

#define GW_PAGE		4096ULL
#define GW_MEM_PAGES	256
#define GW_MEM_SIZE	(GW_MEM_PAGES * GW_PAGE)

struct gw_mem {
	u8 *buf;
	u8 *snap;		/* scratch copy of buf */
	unsigned int next_page;
	u64 ro_lo, ro_hi;	/* [ro_lo, ro_hi) rejects cmpxchg with -EPERM */
	/* Change applied before the next inj_left cmpxchgs. */
	u64 inj_gpa, inj_set, inj_clear;
	unsigned int inj_size;
	int inj_left;
	unsigned int cmpxchgs;
};

static inline bool gw_in_mem(u64 gpa, unsigned int len)
{
	return gpa < GW_MEM_SIZE && len <= GW_MEM_SIZE - gpa;
}

static inline int gw_read(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	struct gw_mem *m = ctx;

	if (!gw_in_mem(gpa, len))
		return -EFAULT;
	memcpy(buf, m->buf + gpa, len);
	return 0;
}

static inline u64 gw_get_buf(const u8 *buf, u64 gpa, unsigned int size)
{
	return size == 4 ? *(const u32 *)(buf + gpa) : *(const u64 *)(buf + gpa);
}

static inline void gw_set_buf(u8 *buf, u64 gpa, u64 val, unsigned int size)
{
	if (size == 4)
		*(u32 *)(buf + gpa) = val;
	else
		*(u64 *)(buf + gpa) = val;
}

static inline u64 gw_get(struct gw_mem *m, u64 gpa, unsigned int size)
{
	return gw_get_buf(m->buf, gpa, size);
}

static inline void gw_set(struct gw_mem *m, u64 gpa, u64 val,
			  unsigned int size)
{
	gw_set_buf(m->buf, gpa, val, size);
}

/* UML is uniprocessor: a plain compare-and-store is atomic here. */
static inline int gw_cmpxchg(void *ctx, u64 gpa, u64 old, u64 new,
			     unsigned int size)
{
	struct gw_mem *m = ctx;

	if (!gw_in_mem(gpa, size) || (size != 4 && size != 8) ||
	    (gpa & (size - 1)))
		return -EFAULT;
	if (gpa >= m->ro_lo && gpa < m->ro_hi)
		return -EPERM;
	m->cmpxchgs++;
	if (m->inj_left) {
		u64 v = gw_get(m, m->inj_gpa, m->inj_size);

		/* Toggle, so a repeated injection keeps changing the entry. */
		if (m->inj_left > 0)
			m->inj_left--;
		v = (v | m->inj_set) & ~m->inj_clear;
		if (m->inj_left < 0)
			v ^= BIT_ULL(10);
		gw_set(m, m->inj_gpa, v, m->inj_size);
	}
	if (gw_get(m, gpa, size) != old)
		return -EAGAIN;
	gw_set(m, gpa, new, size);
	return 0;
}

static const struct okvm_gwalk_mem_ops gw_ops = {
	.read = gw_read,
	.cmpxchg_gpa = gw_cmpxchg,
};

static inline struct gw_mem *gw_mem_new(struct kunit *test)
{
	struct gw_mem *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, m);
	m->buf = vzalloc(GW_MEM_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, m->buf);
	m->snap = vzalloc(GW_MEM_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, m->snap);
	m->next_page = 1;	/* page 0 stays free for PAE roots */
	return m;
}

static inline void gw_mem_free(struct gw_mem *m)
{
	vfree(m->snap);
	vfree(m->buf);
}

static inline u64 gw_alloc_page(struct kunit *test, struct gw_mem *m)
{
	KUNIT_ASSERT_LT(test, m->next_page, GW_MEM_PAGES);
	return m->next_page++ * GW_PAGE;
}

#endif /* OKVM_GWALK_TEST_H */
