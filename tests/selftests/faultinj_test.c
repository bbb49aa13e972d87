// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault injection on the hypervisor's allocations: for each operation
 * class (VM and vCPU creation, memslots and dirty-log bitmaps, irqchip
 * and GSI routing, ioeventfd and irqfd, MSR filters, the nested-page-table fault path through
 * KVM_PRE_FAULT_MEMORY and guest runs, sync_regs, stats fds, coalesced
 * MMIO, vCPU state ioctls), make the Nth allocation that has the hypervisor module
 * on its stack fail, for N = 1, 2, ... until the operation makes fewer
 * than N allocations. Every injected failure must give KVM's errno (or be
 * absorbed by a fallback), leave nothing half-created (the operation
 * works when repeated, the VM stays usable, okvm's live counters return
 * once the fds are closed) and no kernel splat. The runner's kmemleak
 * scans and the module unload after the suite check what is left.
 *
 * Mechanism: /proc/thread-self/fail-nth counts only calls to the fault
 * points whose stack-trace filter passes; failslab and fail_page_alloc
 * get require-start/require-end = the module's range from /proc/modules,
 * fail_usercopy a range nothing is in (copies are not allocations), so
 * the count is exactly "allocations made from the module's code by this
 * thread". verbose=2 makes each injected failure dump its stack; the
 * innermost module frames name the site (an allocation with __GFP_NOWARN
 * fails silently and is counted unnamed). Needs CONFIG_FAULT_INJECTION,
 * FAILSLAB, FAIL_PAGE_ALLOC, FAULT_INJECTION_DEBUG_FS and
 * FAULT_INJECTION_STACKTRACE_FILTER (the debug kernel); SKIPs elsewhere.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/guest.h"
#include "lib/fuzz.h"

#define FI_MAX_STEPS	400
#define FI_MAX_SITES	64
#define FI_MEM		(4UL << 20)

static const char *const fi_attrs[] = {
	"/sys/kernel/debug/failslab",
	"/sys/kernel/debug/fail_page_alloc",
	"/sys/kernel/debug/fail_usercopy",
};

/* A debugfs knob's old value, put back when the test ends. */
struct fi_saved {
	char path[160];
	char val[64];
};

struct fi_env {
	char module[16];	/* "okvm", or "kvm" for in-tree KVM */
	unsigned long lo, hi;	/* its load range */
	int nth;		/* /proc/thread-self/fail-nth */
	struct fi_saved saved[40];
	int nsaved;
	struct fuzz_counters base;
	/* The sites of this class and how often each was hit. */
	char site[FI_MAX_SITES][160];
	int site_hits[FI_MAX_SITES];
	int nsites;
	/* kmsg parsing state: the next module frame names a site. */
	int want_frame;
	char cur[160];
	int cur_frames;
};

static int read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static int write_text(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

/* Set attr/knob to val, keeping the old value for fi_restore(). */
static int fi_set(struct fi_env *e, const char *attr, const char *knob, const char *val)
{
	struct fi_saved *s = &e->saved[e->nsaved];

	snprintf(s->path, sizeof(s->path), "%s/%s", attr, knob);
	if (read_text(s->path, s->val, sizeof(s->val)))
		return -1;
	if (write_text(s->path, val))
		return -1;
	if (e->nsaved < (int)ARRAY_SIZE(e->saved) - 1)
		e->nsaved++;
	return 0;
}

static void fi_restore(struct fi_env *e)
{
	while (e->nsaved > 0) {
		e->nsaved--;
		write_text(e->saved[e->nsaved].path, e->saved[e->nsaved].val);
	}
}

/*
 * Which module serves $OKVM_DEV: okvm if it is loaded and its misc device
 * (/dev/okvm, or /dev/kvm with kvm_dev=1) is that node, else in-tree KVM
 * (kvm.ko: every ioctl enters through it).
 */
static void fi_target(char *name, size_t len)
{
	static const char *const misc[] = {
		"/sys/class/misc/okvm/dev", "/sys/class/misc/kvm/dev",
	};
	unsigned int ma, mi, i;
	struct stat st;
	char dev[32];

	snprintf(name, len, "kvm");
	if (access("/sys/module/okvm", F_OK))
		return;
	if (access("/sys/module/kvm", F_OK)) {
		snprintf(name, len, "okvm");
		return;
	}
	/* Both loaded: okvm's device is the one it registered. */
	if (stat(okvm_dev_path(), &st))
		return;
	for (i = 0; i < ARRAY_SIZE(misc); i++) {
		if (read_text(misc[i], dev, sizeof(dev)) ||
		    sscanf(dev, "%u:%u", &ma, &mi) != 2)
			continue;
		/* The "kvm" misc device is okvm's only with kvm_dev=1. */
		if (i == 1 && (read_text("/sys/module/okvm/parameters/kvm_dev", dev,
					 sizeof(dev)) || dev[0] != 'Y'))
			continue;
		if (major(st.st_rdev) == ma && minor(st.st_rdev) == mi)
			snprintf(name, len, "okvm");
	}
}

static int fi_module_range(const char *module, unsigned long *lo, unsigned long *hi)
{
	char line[512], name[64];
	unsigned long size, base;
	int found = -1;
	FILE *f = fopen("/proc/modules", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %lu %*s %*s %*s %lx", name, &size, &base) == 3 &&
		    !strcmp(name, module) && base) {
			*lo = base;
			*hi = base + size;
			found = 0;
		}
	}
	fclose(f);
	return found;
}

/*
 * Configure the fault points; NULL, or why this kernel cannot run the
 * test (a SKIP reason).
 */
static const char *fi_setup(struct fi_env *e)
{
	char lo[32], hi[32];
	unsigned int i;

	memset(e, 0, sizeof(*e));
	e->nth = -1;
	if (access("/sys/kernel/debug/failslab", F_OK) ||
	    access("/sys/kernel/debug/fail_page_alloc", F_OK))
		return "no failslab/fail_page_alloc in debugfs (no FAULT_INJECTION_DEBUG_FS)";
	if (access("/sys/kernel/debug/failslab/require-start", F_OK))
		return "no stack-trace filter (kernel without FAULT_INJECTION_STACKTRACE_FILTER)";
	e->nth = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (e->nth < 0)
		return "no /proc/thread-self/fail-nth";
	fi_target(e->module, sizeof(e->module));
	if (fi_module_range(e->module, &e->lo, &e->hi))
		return "the hypervisor is not a module with a readable address in /proc/modules";
	snprintf(lo, sizeof(lo), "%#lx", e->lo);
	snprintf(hi, sizeof(hi), "%#lx", e->hi);
	for (i = 0; i < 2; i++) {
		const char *a = fi_attrs[i];

		/* Only fail-nth injects: no random failures on the side. */
		if (fi_set(e, a, "probability", "0") ||
		    fi_set(e, a, "ignore-gfp-wait", "N") ||
		    fi_set(e, a, "stacktrace-depth", "32") ||
		    fi_set(e, a, "reject-start", "0") ||
		    fi_set(e, a, "reject-end", "0") ||
		    fi_set(e, a, "require-start", lo) ||
		    fi_set(e, a, "require-end", hi) ||
		    fi_set(e, a, "verbose", "2") ||
		    fi_set(e, a, "verbose_ratelimit_interval_ms", "0"))
			return "cannot configure the fault-injection attributes";
	}
	if (fi_set(e, fi_attrs[1], "min-order", "0") ||
	    fi_set(e, fi_attrs[1], "ignore-gfp-highmem", "N"))
		return "cannot configure fail_page_alloc";
	/* fail-nth counts every fault point: keep user copies out. */
	if (!access(fi_attrs[2], F_OK) &&
	    (fi_set(e, fi_attrs[2], "require-start", "0x1") ||
	     fi_set(e, fi_attrs[2], "require-end", "0x2") ||
	     fi_set(e, fi_attrs[2], "stacktrace-depth", "32")))
		return "cannot configure fail_usercopy";
	fuzz_counters_read(&e->base);
	return NULL;
}

static void fi_teardown(struct fi_env *e)
{
	fi_restore(e);
	if (e->nth >= 0)
		close(e->nth);
}

static void fi_arm(struct fi_env *e, int n)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", n);
	pwrite(e->nth, buf, strlen(buf), 0);
}

/* Disarm; whether the armed failure was injected. */
static int fi_disarm(struct fi_env *e)
{
	char buf[16] = "";
	ssize_t n = pread(e->nth, buf, sizeof(buf) - 1, 0);

	pwrite(e->nth, "0", 1, 0);
	return n > 0 && strtoul(buf, NULL, 0) == 0;
}

static void fi_add_site(struct fi_env *e, const char *site)
{
	int i;

	for (i = 0; i < e->nsites; i++) {
		if (!strcmp(e->site[i], site)) {
			e->site_hits[i]++;
			return;
		}
	}
	if (e->nsites == FI_MAX_SITES)
		return;
	snprintf(e->site[e->nsites], sizeof(e->site[0]), "%s", site);
	e->site_hits[e->nsites++] = 1;
}

/*
 * Per kernel-log record: after "FAULT_INJECTION: forcing a failure", the
 * first two reliable frames of the module ("func+0x../0x.. [okvm]") name
 * the site as "inner<-caller".
 */
static void fi_kmsg(const char *msg, void *arg)
{
	struct fi_env *e = arg;
	char tag[24], fn[80];
	const char *p;

	if (strstr(msg, "FAULT_INJECTION: forcing a failure")) {
		if (e->want_frame && e->cur_frames)
			fi_add_site(e, e->cur);
		e->want_frame = 1;
		e->cur_frames = 0;
		/* Which fault point: a slab object or pages. */
		snprintf(e->cur, sizeof(e->cur), "%s:",
			 strstr(msg, "name fail_page_alloc") ? "page" : "slab");
		return;
	}
	if (!e->want_frame)
		return;
	snprintf(tag, sizeof(tag), " [%s", e->module);
	p = strstr(msg, tag);
	/* "[okvm]", "[okvm <build id>]"; for KVM also "[kvm_amd]". */
	if (!p || !strchr("] _", p[strlen(tag)]) || strstr(msg, " ? "))
		return;
	if (sscanf(msg, " %79[^+ ]", fn) != 1)
		return;
	if (e->cur_frames++)
		strncat(e->cur, "<-", sizeof(e->cur) - strlen(e->cur) - 1);
	strncat(e->cur, fn, sizeof(e->cur) - strlen(e->cur) - 1);
	if (e->cur_frames == 2) {
		fi_add_site(e, e->cur);
		e->want_frame = 0;
	}
}

/* Read the kernel log since kmsg was opened: sites named, splats counted. */
static int fi_scan_log(struct fi_env *e, int kmsg)
{
	int splats = fuzz_kmsg_scan(kmsg, fi_kmsg, e);

	if (e->want_frame && e->cur_frames)
		fi_add_site(e, e->cur);
	e->want_frame = 0;
	return splats;
}

/* ---- the operation classes ---- */

struct fi_ctx {
	struct guest g;
	int kvm, vm, vcpu, fd;
	uint8_t *mem;
};

struct fi_class {
	const char *name;
	/* Build what the operation needs (no injection); 0 or -errno. */
	long (*prepare)(struct fi_ctx *c);
	/* The operation: 0 (or an fd) or -errno. */
	long (*op)(struct fi_ctx *c);
	/* After the operation failed: state as before? 0 if so. */
	long (*check_failed)(struct fi_ctx *c);
	/* After it succeeded: its effect is there? 0 if so. */
	long (*check_done)(struct fi_ctx *c);
	int errno2;	/* an errno allowed besides ENOMEM, or 0 */
};

static void fi_ctx_init(struct fi_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->g.kvm = c->g.vm = -1;
	c->kvm = c->vm = c->vcpu = c->fd = -1;
}

static void fi_ctx_free(struct fi_ctx *c)
{
	if (c->fd >= 0)
		close(c->fd);
	if (c->vcpu >= 0)
		close(c->vcpu);
	if (c->vm >= 0)
		close(c->vm);
	if (c->kvm >= 0)
		close(c->kvm);
	if (c->mem)
		munmap(c->mem, FI_MEM);
	guest_destroy(&c->g);
	fi_ctx_init(c);
}

/* /dev/kvm and a VM with FI_MEM of touched memory (not yet a slot). */
static long prep_vm(struct fi_ctx *c)
{
	c->kvm = okvm_open_dev();
	if (c->kvm < 0)
		return -errno;
	c->vm = okvm_ioctl(c->kvm, KVM_CREATE_VM, 0);
	if (c->vm < 0)
		return c->vm;
	c->mem = mmap(NULL, FI_MEM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c->mem == MAP_FAILED) {
		c->mem = NULL;
		return -ENOMEM;
	}
	/* Populated: faulting user pages in is not the module's allocation. */
	memset(c->mem, 1, FI_MEM);
	return 0;
}

static long prep_none(struct fi_ctx *c)
{
	c->kvm = okvm_open_dev();
	return c->kvm < 0 ? -errno : 0;
}

static long op_create_vm(struct fi_ctx *c)
{
	c->fd = okvm_ioctl(c->kvm, KVM_CREATE_VM, 0);
	return c->fd;
}

static long check_create_vm(struct fi_ctx *c)
{
	long r = okvm_ioctl(c->fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY);

	return r == 1 ? 0 : -EINVAL;
}

/* Slot 1 at GPA 0 (2 MiB); the overlap test tells whether it exists. */
#define SLOT_GPA	0x0UL
#define SLOT_NEW_GPA	0x40000000UL
#define SLOT_SIZE	(2UL << 20)

static long slot_exists_at(struct fi_ctx *c, unsigned long gpa)
{
	/* Another slot over the same GPAs: EEXIST if one is there. */
	long r = okvm_set_region1(c->vm, 2, 0, gpa, SLOT_SIZE, c->mem + SLOT_SIZE);

	if (r == -EEXIST)
		return 1;
	if (r)
		return r;
	r = okvm_set_region1(c->vm, 2, 0, gpa, 0, c->mem + SLOT_SIZE);
	return r ? r : 0;
}

static long op_slot_create(struct fi_ctx *c)
{
	return okvm_set_region1(c->vm, 1, 0, SLOT_GPA, SLOT_SIZE, c->mem);
}

static long op_slot_create_dirty(struct fi_ctx *c)
{
	return okvm_set_region1(c->vm, 1, KVM_MEM_LOG_DIRTY_PAGES, SLOT_GPA, SLOT_SIZE, c->mem);
}

static long check_slot_absent(struct fi_ctx *c)
{
	return slot_exists_at(c, SLOT_GPA) == 0 ? 0 : -EINVAL;
}

static long check_slot_present(struct fi_ctx *c)
{
	return slot_exists_at(c, SLOT_GPA) == 1 ? 0 : -EINVAL;
}

/* The slot has a dirty bitmap: KVM_GET_DIRTY_LOG works (ENOENT without). */
static long dirty_log(struct fi_ctx *c)
{
	static unsigned long bitmap[SLOT_SIZE / 4096 / 64];
	struct kvm_dirty_log log = { .slot = 1, .dirty_bitmap = bitmap };

	return okvm_ioctl(c->vm, KVM_GET_DIRTY_LOG, &log);
}

static long check_slot_dirty(struct fi_ctx *c)
{
	return check_slot_present(c) ?: dirty_log(c);
}

static long prep_slot(struct fi_ctx *c)
{
	return prep_vm(c) ?: op_slot_create(c);
}

static long prep_slot_dirty(struct fi_ctx *c)
{
	return prep_vm(c) ?: op_slot_create_dirty(c);
}

static long op_slot_move(struct fi_ctx *c)
{
	return okvm_set_region1(c->vm, 1, 0, SLOT_NEW_GPA, SLOT_SIZE, c->mem);
}

static long check_slot_not_moved(struct fi_ctx *c)
{
	return slot_exists_at(c, SLOT_GPA) == 1 && slot_exists_at(c, SLOT_NEW_GPA) == 0 ?
	       0 : -EINVAL;
}

static long check_slot_moved(struct fi_ctx *c)
{
	return slot_exists_at(c, SLOT_GPA) == 0 && slot_exists_at(c, SLOT_NEW_GPA) == 1 ?
	       0 : -EINVAL;
}

static long op_slot_delete(struct fi_ctx *c)
{
	return okvm_set_region1(c->vm, 1, 0, SLOT_GPA, 0, c->mem);
}

static long op_slot_dirty_on(struct fi_ctx *c)
{
	return okvm_set_region1(c->vm, 1, KVM_MEM_LOG_DIRTY_PAGES, SLOT_GPA, SLOT_SIZE, c->mem);
}

static long check_slot_clean(struct fi_ctx *c)
{
	long r = dirty_log(c);

	return check_slot_present(c) ?: (r == -ENOENT ? 0 : -EINVAL);
}

static long op_slot_dirty_off(struct fi_ctx *c)
{
	return okvm_set_region1(c->vm, 1, 0, SLOT_GPA, SLOT_SIZE, c->mem);
}

static long op_create_vcpu(struct fi_ctx *c)
{
	c->fd = okvm_ioctl(c->vm, KVM_CREATE_VCPU, 0);
	return c->fd;
}

/* vCPU 0 can be created now: no half-registered one holds its id. */
static long check_vcpu_id_free(struct fi_ctx *c)
{
	long r = okvm_ioctl(c->vm, KVM_CREATE_VCPU, 0);

	if (r < 0)
		return r;
	c->fd = r;
	return 0;
}

static long check_vcpu_works(struct fi_ctx *c)
{
	struct kvm_regs regs;

	return okvm_ioctl(c->fd, KVM_GET_REGS, &regs);
}

static long prep_irqchip(struct fi_ctx *c)
{
	return prep_vm(c) ?: okvm_ioctl(c->vm, KVM_CREATE_IRQCHIP, 0);
}

static long op_create_irqchip(struct fi_ctx *c)
{
	return okvm_ioctl(c->vm, KVM_CREATE_IRQCHIP, 0);
}

/* Not created: a second try works. Created: a second one is EEXIST. */
static long check_irqchip_absent(struct fi_ctx *c)
{
	return op_create_irqchip(c);
}

static long check_irqchip_present(struct fi_ctx *c)
{
	return op_create_irqchip(c) == -EEXIST ? 0 : -EINVAL;
}

static long get_irqchip(struct fi_ctx *c)
{
	struct kvm_irqchip ic = { .chip_id = KVM_IRQCHIP_IOAPIC };

	return okvm_ioctl(c->vm, KVM_GET_IRQCHIP, &ic);
}

static long check_irqchip_works(struct fi_ctx *c)
{
	return get_irqchip(c);
}

static long set_routing(struct fi_ctx *c, unsigned int nr)
{
	struct {
		struct kvm_irq_routing hdr;
		struct kvm_irq_routing_entry e[8];
	} r;
	unsigned int i;

	memset(&r, 0, sizeof(r));
	r.hdr.nr = nr;
	for (i = 0; i < nr; i++) {
		r.e[i].gsi = i;
		r.e[i].type = KVM_IRQ_ROUTING_MSI;
		r.e[i].u.msi.address_lo = 0xfee00000;
		r.e[i].u.msi.data = 0x30 + i;
	}
	return okvm_ioctl(c->vm, KVM_SET_GSI_ROUTING, &r);
}

static long op_gsi_routing(struct fi_ctx *c)
{
	return set_routing(c, 8);
}

static long check_routing_works(struct fi_ctx *c)
{
	return set_routing(c, 2);
}

static long op_get_irqchip(struct fi_ctx *c)
{
	return get_irqchip(c);
}

static long prep_vcpu_lapic(struct fi_ctx *c)
{
	long r = prep_irqchip(c);

	if (r)
		return r;
	c->vcpu = okvm_ioctl(c->vm, KVM_CREATE_VCPU, 0);
	return c->vcpu < 0 ? c->vcpu : 0;
}

static long op_get_lapic(struct fi_ctx *c)
{
	struct kvm_lapic_state s;

	return okvm_ioctl(c->vcpu, KVM_GET_LAPIC, &s);
}

static long set_msr_filter(struct fi_ctx *c, unsigned int nranges)
{
	static uint8_t bitmap[4][0x100];
	struct kvm_msr_filter f = { .flags = KVM_MSR_FILTER_DEFAULT_ALLOW };
	unsigned int i;

	for (i = 0; i < nranges; i++) {
		f.ranges[i].flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE;
		f.ranges[i].base = 0x10000 * i;
		f.ranges[i].nmsrs = 0x100 * 8;
		f.ranges[i].bitmap = bitmap[i];
		memset(bitmap[i], 0xff, sizeof(bitmap[i]));
	}
	return okvm_ioctl(c->vm, KVM_X86_SET_MSR_FILTER, &f);
}

static long op_msr_filter(struct fi_ctx *c)
{
	return set_msr_filter(c, 4);
}

static long check_msr_filter_works(struct fi_ctx *c)
{
	return set_msr_filter(c, 1);
}

static long prep_vm_vcpu(struct fi_ctx *c)
{
	long r = prep_vm(c);

	if (r)
		return r;
	c->vcpu = okvm_ioctl(c->vm, KVM_CREATE_VCPU, 0);
	return c->vcpu < 0 ? c->vcpu : 0;
}

static long op_vm_stats_fd(struct fi_ctx *c)
{
	c->fd = okvm_ioctl(c->vm, KVM_GET_STATS_FD, 0);
	return c->fd;
}

static long op_vcpu_stats_fd(struct fi_ctx *c)
{
	c->fd = okvm_ioctl(c->vcpu, KVM_GET_STATS_FD, 0);
	return c->fd;
}

static long check_stats_fd(struct fi_ctx *c)
{
	struct kvm_stats_header h;

	return pread(c->fd, &h, sizeof(h), 0) == sizeof(h) ? 0 : -EIO;
}

static long check_stats_again(struct fi_ctx *c)
{
	long r = okvm_ioctl(c->vcpu >= 0 ? c->vcpu : c->vm, KVM_GET_STATS_FD, 0);

	if (r < 0)
		return r;
	c->fd = r;
	return check_stats_fd(c);
}

static long coalesced(struct fi_ctx *c, unsigned long req, unsigned long addr)
{
	struct kvm_coalesced_mmio_zone z = { .addr = addr, .size = 0x1000 };

	return okvm_ioctl(c->vm, req, &z);
}

static long op_coalesced(struct fi_ctx *c)
{
	return coalesced(c, KVM_REGISTER_COALESCED_MMIO, 0xd0000000);
}

/*
 * KVM neither refuses a duplicate zone nor an unregister that finds none,
 * so the state cannot be told apart: the VM must still take a zone.
 */
static long check_coalesced_absent(struct fi_ctx *c)
{
	return coalesced(c, KVM_REGISTER_COALESCED_MMIO, 0xd0001000);
}

static long check_coalesced_present(struct fi_ctx *c)
{
	return coalesced(c, KVM_UNREGISTER_COALESCED_MMIO, 0xd0000000);
}

static long ioeventfd(struct fi_ctx *c, __u32 flags)
{
	struct kvm_ioeventfd a = {
		.addr = 0xd0002000, .len = 4, .fd = c->fd, .flags = flags,
	};

	return okvm_ioctl(c->vm, KVM_IOEVENTFD, &a);
}

/* A VM (with an irqchip, for irqfd) and an eventfd in c->fd. */
static long prep_eventfd(struct fi_ctx *c)
{
	long r = prep_irqchip(c);

	if (r)
		return r;
	c->fd = eventfd(0, EFD_CLOEXEC);
	return c->fd < 0 ? -errno : 0;
}

static long op_ioeventfd(struct fi_ctx *c)
{
	return ioeventfd(c, 0);
}

/* Not registered: it can be now. Registered: a second one is EEXIST. */
static long check_ioeventfd_absent(struct fi_ctx *c)
{
	return op_ioeventfd(c);
}

static long check_ioeventfd_present(struct fi_ctx *c)
{
	return op_ioeventfd(c) == -EEXIST ? 0 : -EINVAL;
}

static long irqfd(struct fi_ctx *c)
{
	struct kvm_irqfd a = { .fd = c->fd, .gsi = 5 };

	return okvm_ioctl(c->vm, KVM_IRQFD, &a);
}

/* Not assigned: it can be now. Assigned: again is EBUSY, as KVM. */
static long check_irqfd_absent(struct fi_ctx *c)
{
	return irqfd(c);
}

static long check_irqfd_present(struct fi_ctx *c)
{
	return irqfd(c) == -EBUSY ? 0 : -EINVAL;
}

static long op_set_cpuid(struct fi_ctx *c)
{
	static struct {
		struct kvm_cpuid2 hdr;
		struct kvm_cpuid_entry2 e[2];
	} cp = { .hdr.nent = 2, .e = { { .function = 0, .eax = 1 }, { .function = 1 } } };

	return okvm_ioctl(c->vcpu, KVM_SET_CPUID2, &cp);
}

static long op_regs(struct fi_ctx *c)
{
	struct kvm_sregs s;

	return okvm_ioctl(c->vcpu, KVM_GET_SREGS, &s);
}

static long op_msrs(struct fi_ctx *c)
{
	static struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[2];
	} m = { .hdr.nmsrs = 2, .e = { { .index = 0x10 }, { .index = 0xc0000080 } } };
	long r = okvm_ioctl(c->vcpu, KVM_GET_MSRS, &m);

	/* The ioctl's own errno (-ENOMEM under injection); -EIO for a short read. */
	return r < 0 ? r : r == 2 ? 0 : -EIO;
}

static long op_xsave(struct fi_ctx *c)
{
	static uint8_t buf[16384];

	return okvm_ioctl(c->vcpu, KVM_GET_XSAVE2, buf);
}

static uint8_t fi_xsave[16384];

/* A vCPU and its XSAVE image from KVM_GET_XSAVE2, outside the injection. */
static long prep_xsave(struct fi_ctx *c)
{
	return prep_vm_vcpu(c) ?: okvm_ioctl(c->vcpu, KVM_GET_XSAVE2, fi_xsave);
}

/* KVM_SET_XSAVE of that image: the copy-in allocation. */
static long op_set_xsave(struct fi_ctx *c)
{
	return okvm_ioctl(c->vcpu, KVM_SET_XSAVE, fi_xsave);
}

static long op_xcrs(struct fi_ctx *c)
{
	struct kvm_xcrs x;

	return okvm_ioctl(c->vcpu, KVM_GET_XCRS, &x);
}

static long op_supported_cpuid(struct fi_ctx *c)
{
	static struct {
		struct kvm_cpuid2 hdr;
		struct kvm_cpuid_entry2 e[256];
	} cp;

	cp.hdr.nent = 256;
	return okvm_ioctl(c->kvm, KVM_GET_SUPPORTED_CPUID, &cp);
}

static long check_nothing(struct fi_ctx *c)
{
	return 0;
}

/* ---- the NPT fault path ---- */

/* Touch pages across the second and third 2 MiB of RAM, then OUT. */
GUEST_CODE(fi_touch, ".code64",
	"mov $0x100000, %rdi\n"
	"1: mov %rdi, (%rdi)\n"
	"add $0x41000, %rdi\n"
	"cmp $0x3f0000, %rdi\n"
	"jb 1b\n"
	"mov $0x99, %dx\n"
	"out %al, %dx\n"
	"hlt\n");

static long prep_guest(struct fi_ctx *c)
{
	long r = guest_init(&c->g, FI_MEM, GUEST_LONG, fi_touch, fi_touch_end);

	if (!r)
		memset(c->g.mem + G_DATA, 1, FI_MEM - G_DATA);
	return r;
}

static long op_guest_run(struct fi_ctx *c)
{
	long r = guest_run_timeout(&c->g, 0, 60);

	if (r)
		return r;
	return c->g.vcpu[0].run->exit_reason == KVM_EXIT_IO &&
	       c->g.vcpu[0].run->io.port == 0x99 ? 0 : -EPROTO;
}

/* The guest runs on to its OUT: the failed fault left nothing stale. */
static long check_guest_runs(struct fi_ctx *c)
{
	return op_guest_run(c);
}

/* A guest whose next KVM_RUN first applies registers from kvm_run. */
static long prep_sync_regs(struct fi_ctx *c)
{
	struct kvm_run *run;
	long r = prep_guest(c);

	if (r)
		return r;
	if (okvm_ioctl(c->g.kvm, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS) <= 0)
		return -EOPNOTSUPP;
	run = c->g.vcpu[0].run;
	r = okvm_ioctl(c->g.vcpu[0].fd, KVM_GET_REGS, &run->s.regs.regs);
	run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
	return r;
}

static long pre_fault(struct fi_ctx *c, unsigned long gpa, unsigned long size)
{
	struct kvm_pre_fault_memory range = { .gpa = gpa, .size = size };
	long r = 0;

	while (range.size && !r)
		r = okvm_ioctl(c->g.vcpu[0].fd, KVM_PRE_FAULT_MEMORY, &range);
	return r;
}

static long op_pre_fault(struct fi_ctx *c)
{
	return pre_fault(c, 0x200000, 0x40000);
}

static long check_pre_fault_again(struct fi_ctx *c)
{
	return op_pre_fault(c) ?: check_guest_runs(c);
}

#define CLASS(n, p, o, f, d, e2) \
	{ .name = n, .prepare = p, .op = o, .check_failed = f, .check_done = d, .errno2 = e2 }

static const struct fi_class classes[] = {
	CLASS("create_vm", prep_none, op_create_vm, check_nothing, check_create_vm, 0),
	CLASS("slot_create", prep_vm, op_slot_create, check_slot_absent, check_slot_present, 0),
	CLASS("slot_create_dirty", prep_vm, op_slot_create_dirty, check_slot_absent,
	      check_slot_dirty, 0),
	CLASS("slot_move", prep_slot, op_slot_move, check_slot_not_moved, check_slot_moved, 0),
	CLASS("slot_delete", prep_slot, op_slot_delete, check_slot_present, check_slot_absent, 0),
	CLASS("slot_dirty_log_on", prep_slot, op_slot_dirty_on, check_slot_clean,
	      check_slot_dirty, 0),
	CLASS("slot_dirty_log_off", prep_slot_dirty, op_slot_dirty_off, check_slot_dirty,
	      check_slot_clean, 0),
	CLASS("create_vcpu", prep_vm, op_create_vcpu, check_vcpu_id_free, check_vcpu_works, 0),
	CLASS("create_vcpu_irqchip", prep_irqchip, op_create_vcpu, check_vcpu_id_free,
	      check_vcpu_works, 0),
	CLASS("create_irqchip", prep_vm, op_create_irqchip, check_irqchip_absent,
	      check_irqchip_present, 0),
	CLASS("gsi_routing", prep_irqchip, op_gsi_routing, check_routing_works,
	      check_routing_works, 0),
	CLASS("get_irqchip", prep_irqchip, op_get_irqchip, check_irqchip_works,
	      check_irqchip_works, 0),
	CLASS("get_lapic", prep_vcpu_lapic, op_get_lapic, op_get_lapic, op_get_lapic, 0),
	CLASS("msr_filter", prep_vm, op_msr_filter, check_msr_filter_works,
	      check_msr_filter_works, 0),
	CLASS("vm_stats_fd", prep_vm, op_vm_stats_fd, check_stats_again, check_stats_fd, 0),
	CLASS("vcpu_stats_fd", prep_vm_vcpu, op_vcpu_stats_fd, check_stats_again,
	      check_stats_fd, 0),
	CLASS("coalesced_mmio", prep_vm, op_coalesced, check_coalesced_absent,
	      check_coalesced_present, 0),
	CLASS("ioeventfd", prep_eventfd, op_ioeventfd, check_ioeventfd_absent,
	      check_ioeventfd_present, 0),
	CLASS("irqfd", prep_eventfd, irqfd, check_irqfd_absent, check_irqfd_present, 0),
	CLASS("set_cpuid2", prep_vm_vcpu, op_set_cpuid, check_nothing, check_nothing, 0),
	CLASS("vcpu_sregs", prep_vm_vcpu, op_regs, check_nothing, check_nothing, 0),
	CLASS("vcpu_msrs", prep_vm_vcpu, op_msrs, check_nothing, check_nothing, 0),
	CLASS("vcpu_xsave2", prep_vm_vcpu, op_xsave, check_nothing, check_nothing, 0),
	CLASS("vcpu_set_xsave", prep_xsave, op_set_xsave, op_set_xsave, check_nothing, 0),
	CLASS("vcpu_xcrs", prep_vm_vcpu, op_xcrs, check_nothing, check_nothing, 0),
	CLASS("supported_cpuid", prep_none, op_supported_cpuid, check_nothing, check_nothing, 0),
	/*
	 * KVM gives EFAULT where the page behind a GPA cannot be had and
	 * ENOMEM where its own tables cannot be allocated.
	 */
	CLASS("pre_fault_memory", prep_guest, op_pre_fault, check_pre_fault_again,
	      check_guest_runs, EFAULT),
	CLASS("guest_run_npt_faults", prep_guest, op_guest_run, check_guest_runs,
	      check_nothing, EFAULT),
	/* Dirty sync_regs are applied before the guest runs. */
	CLASS("guest_run_sync_regs", prep_sync_regs, op_guest_run, check_guest_runs,
	      check_nothing, EFAULT),
};

FIXTURE(faultinj) {
	struct fi_env e;
};

/* One variant per class, named as it: the class is looked up by name. */
FIXTURE_VARIANT(faultinj) {
	const char *name;
};

FIXTURE_VARIANT_ADD(faultinj, create_vm) { .name = "create_vm" };
FIXTURE_VARIANT_ADD(faultinj, slot_create) { .name = "slot_create" };
FIXTURE_VARIANT_ADD(faultinj, slot_create_dirty) { .name = "slot_create_dirty" };
FIXTURE_VARIANT_ADD(faultinj, slot_move) { .name = "slot_move" };
FIXTURE_VARIANT_ADD(faultinj, slot_delete) { .name = "slot_delete" };
FIXTURE_VARIANT_ADD(faultinj, slot_dirty_log_on) { .name = "slot_dirty_log_on" };
FIXTURE_VARIANT_ADD(faultinj, slot_dirty_log_off) { .name = "slot_dirty_log_off" };
FIXTURE_VARIANT_ADD(faultinj, create_vcpu) { .name = "create_vcpu" };
FIXTURE_VARIANT_ADD(faultinj, create_vcpu_irqchip) { .name = "create_vcpu_irqchip" };
FIXTURE_VARIANT_ADD(faultinj, create_irqchip) { .name = "create_irqchip" };
FIXTURE_VARIANT_ADD(faultinj, gsi_routing) { .name = "gsi_routing" };
FIXTURE_VARIANT_ADD(faultinj, get_irqchip) { .name = "get_irqchip" };
FIXTURE_VARIANT_ADD(faultinj, get_lapic) { .name = "get_lapic" };
FIXTURE_VARIANT_ADD(faultinj, msr_filter) { .name = "msr_filter" };
FIXTURE_VARIANT_ADD(faultinj, vm_stats_fd) { .name = "vm_stats_fd" };
FIXTURE_VARIANT_ADD(faultinj, vcpu_stats_fd) { .name = "vcpu_stats_fd" };
FIXTURE_VARIANT_ADD(faultinj, coalesced_mmio) { .name = "coalesced_mmio" };
FIXTURE_VARIANT_ADD(faultinj, ioeventfd) { .name = "ioeventfd" };
FIXTURE_VARIANT_ADD(faultinj, irqfd) { .name = "irqfd" };
FIXTURE_VARIANT_ADD(faultinj, set_cpuid2) { .name = "set_cpuid2" };
FIXTURE_VARIANT_ADD(faultinj, vcpu_sregs) { .name = "vcpu_sregs" };
FIXTURE_VARIANT_ADD(faultinj, vcpu_msrs) { .name = "vcpu_msrs" };
FIXTURE_VARIANT_ADD(faultinj, vcpu_xsave2) { .name = "vcpu_xsave2" };
FIXTURE_VARIANT_ADD(faultinj, vcpu_set_xsave) { .name = "vcpu_set_xsave" };
FIXTURE_VARIANT_ADD(faultinj, vcpu_xcrs) { .name = "vcpu_xcrs" };
FIXTURE_VARIANT_ADD(faultinj, supported_cpuid) { .name = "supported_cpuid" };
FIXTURE_VARIANT_ADD(faultinj, pre_fault_memory) { .name = "pre_fault_memory" };
FIXTURE_VARIANT_ADD(faultinj, guest_run_npt_faults) { .name = "guest_run_npt_faults" };
FIXTURE_VARIANT_ADD(faultinj, guest_run_sync_regs) { .name = "guest_run_sync_regs" };

FIXTURE_SETUP(faultinj)
{
	const char *why = fi_setup(&self->e);

	if (why)
		SKIP(return, "%s", why);
}

FIXTURE_TEARDOWN(faultinj)
{
	fi_teardown(&self->e);
}

/*
 * Walk N = 1, 2, ...: prepare without injection, run the operation with
 * the Nth module allocation failing, check, tear down, check that the
 * counters came back and the log has no splat.
 */
TEST_F_TIMEOUT(faultinj, walk, 900)
{
	const struct fi_class *k = NULL;
	struct fi_env *e = &self->e;
	int n, injected = 0, absorbed = 0, done = 0, named = 0, i;
	struct fuzz_counters now;
	struct fi_ctx c;
	long r, chk;

	for (i = 0; i < (int)ARRAY_SIZE(classes); i++)
		if (!strcmp(classes[i].name, variant->name))
			k = &classes[i];
	ASSERT_NE(k, NULL) TH_LOG("no class %s", variant->name);
	fi_ctx_init(&c);
	for (n = 1; n <= FI_MAX_STEPS && !done; n++) {
		int kmsg, hit, splats;

		r = k->prepare(&c);
		ASSERT_EQ(r, 0) TH_LOG("%s: preparing failed without injection: %ld",
				       k->name, r);
		kmsg = fuzz_kmsg_open();
		fi_arm(e, n);
		r = k->op(&c);
		hit = fi_disarm(e);
		if (!hit) {
			/* Fewer than n allocations: the operation is done. */
			done = 1;
			EXPECT_GE(r, 0) TH_LOG("%s: failed with no injection: %ld", k->name, r);
			if (r >= 0)
				EXPECT_EQ(k->check_done(&c), 0)
					TH_LOG("%s: done, but its effect is missing", k->name);
		} else if (r >= 0) {
			/* A fallback absorbed the failure: the effect must be whole. */
			absorbed++;
			injected++;
			chk = k->check_done(&c);
			EXPECT_EQ(chk, 0)
				TH_LOG("%s: failure %d absorbed, but the result is broken: %ld",
				       k->name, n, chk);
		} else {
			injected++;
			EXPECT_TRUE(r == -ENOMEM || (k->errno2 && r == -k->errno2))
				TH_LOG("%s: failure %d: errno %ld, want ENOMEM%s", k->name, n, -r,
				       k->errno2 ? " or its second errno" : "");
			chk = k->check_failed(&c);
			EXPECT_EQ(chk, 0)
				TH_LOG("%s: after failure %d the state is not as before: %ld",
				       k->name, n, chk);
		}
		fi_ctx_free(&c);
		splats = fi_scan_log(e, kmsg);
		close(kmsg);
		EXPECT_EQ(splats, 0) TH_LOG("%s: kernel splat at step %d", k->name, n);
		if (e->base.vms >= 0)
			EXPECT_EQ(fuzz_counters_settle(&e->base, &now), 0)
				TH_LOG("%s: step %d: vms %ld vcpus %ld pages %ld, were %ld %ld %ld",
				       k->name, n, now.vms, now.vcpus, now.pages, e->base.vms,
				       e->base.vcpus, e->base.pages);
		if (_metadata->exit_code != KSFT_PASS)
			break;
	}
	EXPECT_TRUE(done) TH_LOG("%s: still failing after %d injections", k->name, FI_MAX_STEPS);
	for (i = 0; i < e->nsites; i++) {
		printf("# FAULTINJ-SITE %s %s %s x%d\n", e->module, k->name, e->site[i],
		       e->site_hits[i]);
		named += e->site_hits[i];
	}
	/* Silent: failed with __GFP_NOWARN, which fail_dump() honours. */
	printf("# FAULTINJ %s %s: %d failed, %d absorbed, %d sites named, %d silent\n", e->module, k->name, injected, absorbed, e->nsites, injected - named);
}

TEST_HARNESS_MAIN
