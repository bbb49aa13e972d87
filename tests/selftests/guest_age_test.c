// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host aging sees guest accesses. A guest that keeps reading memory sets
 * accessed flags in the nested page tables only, never in the host's page
 * tables, so the host's access monitors (reclaim, MGLRU, DAMON) learn of
 * those accesses only through the MMU notifier's clear_young/test_young.
 * DAMON's virtual-address monitor, pointed at this process, must report
 * the region the guest reads as accessed and the one it leaves alone as
 * idle.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "lib/guest.h"
#include "lib/guest_fixture.h"

#define DAMON		"/sys/kernel/mm/damon/admin/kdamonds"
#define HOT_GPA		0x1000000UL	/* the guest reads this...   */
#define COLD_GPA	0x2000000UL	/* ...and never touches this */
#define AREA_SIZE	(2UL << 20)

/* Read one u64 from each page of the hot area, forever. */
GUEST_CODE(age_guest, ".code64",
	"0: mov $0x1000000, %esi\n"
	"xor %ecx, %ecx\n"
	"1: mov (%rsi,%rcx), %rax\n"
	"add $0x1000, %rcx\n"
	"cmp $0x200000, %rcx\n"
	"jb 1b\n"
	"jmp 0b\n");

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -errno;
}

static long read_ulong(const char *fmt, ...)
{
	char path[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return okvm_read_number(path);
}

struct age_vcpu {
	struct guest *g;
	volatile int stop;
	long ret;
};

static void age_sig(int sig)
{
}

static void *age_vcpu_thread(void *arg)
{
	struct age_vcpu *a = arg;

	while (!a->stop) {
		a->ret = guest_run(a->g, 0);
		if (a->ret && a->ret != -EINTR)
			break;
	}
	return NULL;
}

/*
 * One kdamond, one vaddr context on this process with two initial
 * regions (the hot and the cold area; not adjacent, so never merged), and
 * one "stat" scheme whose tried regions report nr_accesses.
 */
static int damon_setup(void *hot, void *cold)
{
	char v[64];
	int r = 0;

	/* DAMON wants the regions in address order. */
	if (hot > cold) {
		void *tmp = hot;

		hot = cold;
		cold = tmp;
	}

	r |= write_file(DAMON "/nr_kdamonds", "1");
	r |= write_file(DAMON "/0/contexts/nr_contexts", "1");
	r |= write_file(DAMON "/0/contexts/0/operations", "vaddr");
	r |= write_file(DAMON "/0/contexts/0/targets/nr_targets", "1");
	snprintf(v, sizeof(v), "%d", getpid());
	r |= write_file(DAMON "/0/contexts/0/targets/0/pid_target", v);
	r |= write_file(DAMON "/0/contexts/0/targets/0/regions/nr_regions", "2");
	snprintf(v, sizeof(v), "%lu", (unsigned long)hot);
	r |= write_file(DAMON "/0/contexts/0/targets/0/regions/0/start", v);
	snprintf(v, sizeof(v), "%lu", (unsigned long)hot + AREA_SIZE);
	r |= write_file(DAMON "/0/contexts/0/targets/0/regions/0/end", v);
	snprintf(v, sizeof(v), "%lu", (unsigned long)cold);
	r |= write_file(DAMON "/0/contexts/0/targets/0/regions/1/start", v);
	snprintf(v, sizeof(v), "%lu", (unsigned long)cold + AREA_SIZE);
	r |= write_file(DAMON "/0/contexts/0/targets/0/regions/1/end", v);
	r |= write_file(DAMON "/0/contexts/0/schemes/nr_schemes", "1");
	r |= write_file(DAMON "/0/contexts/0/schemes/0/action", "stat");
	/* The access pattern's ranges start as 0..0: match every region. */
	r |= write_file(DAMON "/0/contexts/0/schemes/0/access_pattern/sz/max",
			"18446744073709551615");
	r |= write_file(DAMON "/0/contexts/0/schemes/0/access_pattern/nr_accesses/max",
			"4294967295");
	r |= write_file(DAMON "/0/contexts/0/schemes/0/access_pattern/age/max",
			"4294967295");
	return r;
}

static void damon_teardown(void)
{
	write_file(DAMON "/0/state", "off");
	write_file(DAMON "/nr_kdamonds", "0");
}

/* The largest nr_accesses DAMON reports for a region inside [lo, hi). */
static long max_accesses(unsigned long lo, unsigned long hi, int *found)
{
	const char *tr = DAMON "/0/contexts/0/schemes/0/tried_regions";
	long best = 0;
	int i;

	*found = 0;
	for (i = 0; i < 1000; i++) {
		long start = read_ulong("%s/%d/start", tr, i);
		long end = read_ulong("%s/%d/end", tr, i);
		long acc = read_ulong("%s/%d/nr_accesses", tr, i);

		if (start < 0 || end < 0 || acc < 0)
			break;
		if ((unsigned long)start < lo || (unsigned long)end > hi)
			continue;
		(*found)++;
		if (acc > best)
			best = acc;
	}
	return best;
}

TEST_F_TIMEOUT(g, damon_sees_guest_accesses, 120)
{
	struct sigaction sa = { .sa_handler = age_sig };
	struct age_vcpu a = { .g = &self->g };
	long hot_acc = 0, cold_acc = 0;
	int hot_n = 0, cold_n = 0, i;
	uint8_t *hot, *cold;
	pthread_t t;

	if (access(DAMON "/nr_kdamonds", W_OK))
		SKIP(return, "no DAMON sysfs interface");
	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, age_guest,
			     age_guest_end), 0);
	hot = mmap(NULL, AREA_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cold = mmap(NULL, AREA_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(hot, MAP_FAILED);
	ASSERT_NE(cold, MAP_FAILED);
	/* Both populated by the host now, neither touched by it again. */
	memset(hot, 1, AREA_SIZE);
	memset(cold, 2, AREA_SIZE);
	ASSERT_EQ(guest_set_slot(&self->g, 1, 0, HOT_GPA, AREA_SIZE, hot), 0);
	ASSERT_EQ(guest_set_slot(&self->g, 2, 0, COLD_GPA, AREA_SIZE, cold), 0);

	ASSERT_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
	ASSERT_EQ(pthread_create(&t, NULL, age_vcpu_thread, &a), 0);

	if (damon_setup(hot, cold)) {
		damon_teardown();
		a.stop = 1;
		while (pthread_kill(t, SIGUSR1) == 0 &&
		       pthread_tryjoin_np(t, NULL) == EBUSY)
			usleep(10000);
		SKIP(return, "DAMON's sysfs interface lacks vaddr or stat schemes");
	}
	ASSERT_EQ(write_file(DAMON "/0/state", "on"), 0);
	/*
	 * Several aggregation intervals (100 ms by default); the report is
	 * the last finished one.
	 */
	for (i = 0; i < 20 && (hot_acc == 0 || !cold_n); i++) {
		sleep(1);
		if (write_file(DAMON "/0/state", "update_schemes_tried_regions"))
			break;
		hot_acc = max_accesses((unsigned long)hot,
				       (unsigned long)hot + AREA_SIZE, &hot_n);
		cold_acc = max_accesses((unsigned long)cold,
					(unsigned long)cold + AREA_SIZE, &cold_n);
	}
	damon_teardown();
	a.stop = 1;
	while (pthread_kill(t, SIGUSR1) == 0 && pthread_tryjoin_np(t, NULL) == EBUSY)
		usleep(10000);

	TH_LOG("after %d s: hot area %d regions, max nr_accesses %ld; cold area %d regions, max %ld",
	       i, hot_n, hot_acc, cold_n, cold_acc);
	EXPECT_EQ(a.ret, -EINTR);
	ASSERT_GT(hot_n, 0);
	ASSERT_GT(cold_n, 0);
	EXPECT_GT(hot_acc, 0);
	EXPECT_EQ(cold_acc, 0);
}

TEST_HARNESS_MAIN
