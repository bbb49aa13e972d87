/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers for okvm's selftests. Raw wrappers return the ioctl's result or
 * -errno, so negative tests can check the exact errno; they never assert.
 *
 * The tests speak KVM's ABI only and open $OKVM_DEV (default /dev/kvm), so
 * the same binaries run against okvm and against in-tree KVM.
 */
#ifndef OKVM_UTIL_H
#define OKVM_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <linux/okvm.h>

static inline const char *okvm_dev_path(void)
{
	const char *p = getenv("OKVM_DEV");

	return p && *p ? p : "/dev/kvm";
}

static inline int okvm_open_dev(void)
{
	return open(okvm_dev_path(), O_RDWR | O_CLOEXEC);
}

/*
 * Is the fd (system or VM) okvm's? okvm answers its own capabilities,
 * in-tree KVM answers 0 for numbers it does not know (uapi okvm.h). For
 * tests that check an okvm guarantee beyond what KVM promises.
 */
static inline int okvm_is_okvm(int fd)
{
	return ioctl(fd, KVM_CHECK_EXTENSION, OKVM_CAP_AGE_BITMAP) > 0;
}

/* CLOCK_MONOTONIC in nanoseconds, for deadlines and durations. */
static inline int64_t okvm_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * Whether the host kernel keeps time with the TSC. KVM derives its master
 * clock from it: without it, KVM_GET_CLOCK has no KVM_CLOCK_REALTIME and
 * a vCPU's TSC offset is compensated whenever the vCPU is loaded, so tests
 * of those rules hold only on such a host.
 */
static inline int okvm_host_clocksource_is_tsc(void)
{
	char cs[32] = "";
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");

	if (!f)
		return 0;
	if (!fgets(cs, sizeof(cs), f))
		cs[0] = 0;
	fclose(f);
	return !strcmp(cs, "tsc\n");
}

/* ioctl() returning the result or -errno. */
static inline long __okvm_ioctl(int fd, unsigned long req, unsigned long arg)
{
	long r = ioctl(fd, req, arg);

	return r < 0 ? -errno : r;
}
#define okvm_ioctl(fd, req, arg) __okvm_ioctl(fd, req, (unsigned long)(arg))

static inline long okvm_set_region2(int vm, unsigned int slot, unsigned int flags,
				    unsigned long long gpa, unsigned long long size,
				    void *hva)
{
	struct kvm_userspace_memory_region2 r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = (unsigned long)hva,
	};

	return okvm_ioctl(vm, KVM_SET_USER_MEMORY_REGION2, &r);
}

static inline long okvm_set_region1(int vm, unsigned int slot, unsigned int flags,
				    unsigned long long gpa, unsigned long long size,
				    void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = (unsigned long)hva,
	};

	return okvm_ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r);
}

/* The number a small text file (sysfs, debugfs) holds, or -1. */
static inline long okvm_read_number(const char *path)
{
	char buf[32];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtol(buf, NULL, 0);
}

/*
 * okvm's live-object counters (debugfs okvm/): the leak check compares
 * them before and after. Returns -1 where they do not exist (KVM).
 */
static inline long okvm_debugfs_counter(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/kernel/debug/okvm/%s", name);
	return okvm_read_number(path);
}

#endif /* OKVM_UTIL_H */
