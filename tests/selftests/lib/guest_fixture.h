/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fixture every guest-running selftest uses: one struct guest, empty
 * until the test builds it with guest_init(), destroyed after the test.
 * Include after kselftest_harness.h.
 */
#ifndef OKVM_GUEST_FIXTURE_H
#define OKVM_GUEST_FIXTURE_H

#include "guest.h"

/*
 * Such a fixture under another name: the harness ties FIXTURE_VARIANTs
 * to a fixture, so tests with variants of their own need their own.
 */
#define GUEST_FIXTURE(name)						\
	FIXTURE(name) {							\
		struct guest g;						\
	};								\
									\
	FIXTURE_SETUP(name)						\
	{								\
		memset(&self->g, 0, sizeof(self->g));			\
		self->g.kvm = self->g.vm = -1;				\
	}								\
									\
	FIXTURE_TEARDOWN(name)						\
	{								\
		guest_destroy(&self->g);				\
	}

GUEST_FIXTURE(g)

#endif /* OKVM_GUEST_FIXTURE_H */
