// SPDX-License-Identifier: GPL-2.0-only
/*
 * ioctl fuzzer: several threads issue random sequences of every KVM ioctl
 * (<linux/kvm.h>, x86) on every kind of fd the hypervisor hands out
 * (system, VM, vCPU, stats, and whatever else an ioctl returns: device,
 * guest_memfd), with valid, boundary and garbage arguments: bad pointers
 * (NULL, unmapped, PROT_NONE, read-only, straddling the end of a mapping,
 * kernel and non-canonical addresses), huge counts and sizes, random
 * flags. Between them: closes, forks (the child uses the inherited fds
 * from another mm), munmap/mmap/MADV_DONTNEED of memory that backs
 * memslots, mmaps of vCPU fds at random offsets, reads of stats fds. Other
 * threads run random guests (lib/fuzz.c) on vCPUs the fuzzers also hit.
 *
 * What must hold: the host survives, the kernel log has no splat, and
 * once every fd and mapping is gone okvm's live counters (debugfs) are
 * back where they started; a plain guest still runs afterwards.
 *
 * Parameters (environment):
 *   OKVM_FUZZ_SEED     replay a run (printed at the start)
 *   OKVM_FUZZ_IOCTLS   stop after this many fuzzed ioctls (0: no limit,
 *                      default 0)
 *   OKVM_FUZZ_SECONDS  stop after this many seconds (0: no limit, default 12)
 *   OKVM_FUZZ_THREADS  fuzzing threads (default 3), plus
 *   OKVM_FUZZ_RUNNERS  guest-running threads (default 1)
 *   OKVM_FUZZ_KVM_RUN  1: the fuzzing threads issue KVM_RUN as well (off by
 *                      default: it hangs QEMU's TCG, see docs/testing.md)
 *
 * Determinism: each thread draws from its own PRNG (seed + thread index),
 * so its sequence of choices replays exactly; with OKVM_FUZZ_THREADS=1
 * and OKVM_FUZZ_RUNNERS=0 the whole ioctl sequence replays (fd numbers
 * and guest progress aside). With several threads the interleaving, and
 * so which object an operation meets, depends on scheduling.
 *
 * Coverage feedback: with /sys/kernel/debug/kcov (a CONFIG_KCOV kernel),
 * each fuzzing thread traces the PCs its ioctls reach; an ioctl that hits
 * a PC not seen before is kept in a corpus, and a third of later ioctls
 * are mutations of corpus entries. Without KCOV it is purely random.
 */
#include <linux/kcov.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "lib/fuzz.h"

#define PAGE		4096UL
#define POOL_REGIONS	8
#define POOL_REGION	(2UL << 20)
#define MAX_OBJS	64
#define MAX_MAPS	64
#define ARG_SIZE	(64 * 1024)

enum kind { K_SYS, K_VM, K_VCPU, K_STATS, K_OTHER, K_NR };
#define KM(k)	(1U << (k))

/* How an ioctl's argument is built. */
enum builder {
	B_INT,		/* an integer argument */
	B_BUF,		/* a struct of _IOC_SIZE(cmd) bytes */
	B_GETMUT,	/* the counterpart GET's result, mutated */
	B_CREATE_VM, B_CREATE_VCPU, B_CHECK_EXT, B_MEMSLOT, B_MEMSLOT2,
	B_CPUID, B_MSRS, B_MSR_LIST, B_ROUTING, B_SIGMASK, B_ENABLE_CAP,
	B_DIRTY_LOG, B_IRQ_LINE, B_MSI, B_PREFAULT, B_MSR_FILTER, B_COALESCED,
	B_DEV_ATTR, B_IRQFD, B_IOEVENTFD, B_CREATE_DEV, B_GMEMFD, B_RUN,
	B_XSAVE2, B_TRANSLATE, B_MP_STATE,
};

struct ioc {
	unsigned long cmd;
	const char *name;
	unsigned int kinds;
	enum builder b;
	unsigned long get;	/* B_GETMUT: the ioctl that reads the state */
};

#define I(c, k, b)	{ c, #c, k, b, 0 }
#define IG(c, k, g)	{ c, #c, k, B_GETMUT, g }
#define SYS	KM(K_SYS)
#define VM	KM(K_VM)
#define VCPU	KM(K_VCPU)
#define ANY	(KM(K_SYS) | KM(K_VM) | KM(K_VCPU) | KM(K_STATS) | KM(K_OTHER))

static const struct ioc iocs[] = {
	I(KVM_GET_API_VERSION, SYS, B_INT),
	I(KVM_CREATE_VM, SYS, B_CREATE_VM),
	I(KVM_GET_MSR_INDEX_LIST, SYS, B_MSR_LIST),
	I(KVM_GET_MSR_FEATURE_INDEX_LIST, SYS, B_MSR_LIST),
	I(KVM_CHECK_EXTENSION, SYS | VM, B_CHECK_EXT),
	I(KVM_GET_VCPU_MMAP_SIZE, SYS, B_INT),
	I(KVM_GET_SUPPORTED_CPUID, SYS, B_CPUID),
	I(KVM_GET_EMULATED_CPUID, SYS, B_CPUID),
	I(KVM_GET_SUPPORTED_HV_CPUID, SYS | VCPU, B_CPUID),
	I(KVM_X86_GET_MCE_CAP_SUPPORTED, SYS, B_BUF),
	I(KVM_GET_MSRS, SYS | VCPU, B_MSRS),
	I(KVM_GET_DEVICE_ATTR, SYS | VM | VCPU | KM(K_OTHER), B_DEV_ATTR),
	I(KVM_HAS_DEVICE_ATTR, SYS | VM | VCPU | KM(K_OTHER), B_DEV_ATTR),
	I(KVM_SET_DEVICE_ATTR, VM | VCPU | KM(K_OTHER), B_DEV_ATTR),
	I(KVM_CREATE_VCPU, VM, B_CREATE_VCPU),
	I(KVM_GET_DIRTY_LOG, VM, B_DIRTY_LOG),
	I(KVM_CLEAR_DIRTY_LOG, VM, B_BUF),
	I(KVM_SET_NR_MMU_PAGES, VM, B_INT),
	I(KVM_GET_NR_MMU_PAGES, VM, B_INT),
	I(KVM_SET_USER_MEMORY_REGION, VM, B_MEMSLOT),
	I(KVM_SET_USER_MEMORY_REGION2, VM, B_MEMSLOT2),
	I(KVM_SET_TSS_ADDR, VM, B_INT),
	I(KVM_SET_IDENTITY_MAP_ADDR, VM, B_BUF),
	I(KVM_CREATE_IRQCHIP, VM, B_INT),
	I(KVM_IRQ_LINE, VM, B_IRQ_LINE),
	I(KVM_IRQ_LINE_STATUS, VM, B_IRQ_LINE),
	IG(KVM_SET_IRQCHIP, VM, KVM_GET_IRQCHIP),
	I(KVM_GET_IRQCHIP, VM, B_BUF),
	I(KVM_CREATE_PIT2, VM, B_BUF),
	I(KVM_GET_PIT2, VM, B_BUF),
	IG(KVM_SET_PIT2, VM, KVM_GET_PIT2),
	I(KVM_SET_GSI_ROUTING, VM, B_ROUTING),
	I(KVM_REINJECT_CONTROL, VM, B_BUF),
	I(KVM_IRQFD, VM, B_IRQFD),
	I(KVM_IOEVENTFD, VM, B_IOEVENTFD),
	I(KVM_SET_BOOT_CPU_ID, VM, B_INT),
	IG(KVM_SET_CLOCK, VM, KVM_GET_CLOCK),
	I(KVM_GET_CLOCK, VM, B_BUF),
	I(KVM_SET_TSC_KHZ, VM | VCPU, B_INT),
	I(KVM_GET_TSC_KHZ, VM | VCPU, B_INT),
	I(KVM_SIGNAL_MSI, VM, B_MSI),
	I(KVM_SET_PMU_EVENT_FILTER, VM, B_BUF),
	I(KVM_CREATE_DEVICE, VM, B_CREATE_DEV),
	I(KVM_ENABLE_CAP, SYS | VM | VCPU, B_ENABLE_CAP),
	I(KVM_REGISTER_COALESCED_MMIO, VM, B_COALESCED),
	I(KVM_UNREGISTER_COALESCED_MMIO, VM, B_COALESCED),
	I(KVM_X86_SET_MSR_FILTER, VM, B_MSR_FILTER),
	I(KVM_GET_STATS_FD, VM | VCPU, B_INT),
	I(KVM_SET_MEMORY_ATTRIBUTES, VM, B_BUF),
	I(KVM_CREATE_GUEST_MEMFD, VM, B_GMEMFD),
	I(KVM_RESET_DIRTY_RINGS, VM, B_INT),
	I(KVM_RUN, VCPU, B_RUN),
	I(KVM_GET_REGS, VCPU, B_BUF),
	IG(KVM_SET_REGS, VCPU, KVM_GET_REGS),
	I(KVM_GET_SREGS, VCPU, B_BUF),
	IG(KVM_SET_SREGS, VCPU, KVM_GET_SREGS),
	I(KVM_GET_SREGS2, VCPU, B_BUF),
	IG(KVM_SET_SREGS2, VCPU, KVM_GET_SREGS2),
	I(KVM_TRANSLATE, VCPU, B_TRANSLATE),
	I(KVM_INTERRUPT, VCPU, B_BUF),
	I(KVM_SET_MSRS, VCPU, B_MSRS),
	I(KVM_SET_CPUID, VCPU, B_BUF),
	I(KVM_SET_CPUID2, VCPU, B_CPUID),
	I(KVM_GET_CPUID2, VCPU, B_CPUID),
	I(KVM_SET_SIGNAL_MASK, VCPU, B_SIGMASK),
	I(KVM_GET_FPU, VCPU, B_BUF),
	IG(KVM_SET_FPU, VCPU, KVM_GET_FPU),
	I(KVM_GET_LAPIC, VCPU, B_BUF),
	IG(KVM_SET_LAPIC, VCPU, KVM_GET_LAPIC),
	I(KVM_TPR_ACCESS_REPORTING, VCPU, B_BUF),
	I(KVM_SET_VAPIC_ADDR, VCPU, B_BUF),
	I(KVM_GET_MP_STATE, VCPU, B_BUF),
	I(KVM_SET_MP_STATE, VCPU, B_MP_STATE),
	I(KVM_NMI, VCPU, B_INT),
	/*
	 * Not KVM_SMI (okvm has no SMM): on kvm_amd, RSM from the fuzzed
	 * guest's SMRAM can restore a TR that is not present, on which QEMU's
	 * TCG aborts (see KVM_SET_SREGS in fz_issue()).
	 */
	I(KVM_SET_GUEST_DEBUG, VCPU, B_BUF),
	I(KVM_X86_SETUP_MCE, VCPU, B_BUF),
	I(KVM_X86_SET_MCE, VCPU, B_BUF),
	I(KVM_GET_VCPU_EVENTS, VCPU, B_BUF),
	IG(KVM_SET_VCPU_EVENTS, VCPU, KVM_GET_VCPU_EVENTS),
	I(KVM_GET_DEBUGREGS, VCPU, B_BUF),
	IG(KVM_SET_DEBUGREGS, VCPU, KVM_GET_DEBUGREGS),
	I(KVM_GET_XSAVE, VCPU, B_BUF),
	IG(KVM_SET_XSAVE, VCPU, KVM_GET_XSAVE),
	I(KVM_GET_XSAVE2, VCPU, B_XSAVE2),
	I(KVM_GET_XCRS, VCPU, B_BUF),
	IG(KVM_SET_XCRS, VCPU, KVM_GET_XCRS),
	I(KVM_KVMCLOCK_CTRL, VCPU, B_INT),
	I(KVM_GET_ONE_REG, VCPU, B_BUF),
	I(KVM_SET_ONE_REG, VCPU, B_BUF),
	I(KVM_GET_REG_LIST, VCPU, B_BUF),
	I(KVM_GET_NESTED_STATE, VCPU, B_BUF),
	/*
	 * Not KVM_SET_NESTED_STATE: on kvm_amd a nested state that passes its
	 * checks can carry a DR7 into the CPU, which crashes QEMU's TCG.
	 */
	I(KVM_PRE_FAULT_MEMORY, VCPU, B_PREFAULT),
	I(KVM_MEMORY_ENCRYPT_OP, VM | VCPU, B_BUF),
};
#define NR_IOCS	(ARRAY_SIZE(iocs))

/* Objects: every fd the fuzzers may use, and what it is. */
struct obj {
	int fd;
	enum kind kind;
};

static struct {
	pthread_mutex_t lock;
	struct obj o[MAX_OBJS];
	int n;
	/* vCPU fd mappings (they hold the vCPU file): all unmapped at the end */
	struct { void *addr; size_t len; } map[MAX_MAPS];
	int nmaps;
} tab = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Guest-memory pool: fixed addresses that memslots point into. */
static struct {
	uint8_t *base;
	int memfd[POOL_REGIONS];
	pthread_mutex_t lock;
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER };

static uint8_t *noaccess_page;	/* PROT_NONE, never changed */
static uint8_t *ro_page;	/* PROT_READ */
static struct kvm_cpuid2 *sup_cpuid;
static long run_size;
static volatile int stop;

/* KCOV feedback (one coverage bitmap for all threads). */
#define COVER_ENTRIES	(64 * 1024)
#define COVER_BITS	(1 << 20)
static uint64_t cover_seen[COVER_BITS / 64];
static uint64_t cover_new_total;
static int kcov_ok;

struct corpus_ent {
	int ioc, kind;
	unsigned long intarg;
	unsigned int len;
	uint8_t buf[512];
};
#define CORPUS_MAX 256

struct fz_thread {
	pthread_t t;
	int idx, runner;
	uint64_t seed;
	struct fuzz_rng r;
	uint8_t *arg;		/* ARG_SIZE bytes, then a PROT_NONE page */
	uint64_t ioctls, runs, forks, closes, maps, remaps;
	uint64_t res[134];	/* [0] = success, [e] = errno e */
	struct fuzz_guest_stats gst;
	const char *last;	/* last operation, for a hang report */
	int done;
	int kcov_fd;
	uint64_t *cover;
	struct corpus_ent *corpus;
	int ncorpus;
	int eventfd;
};

static uint64_t total_ioctls, target_ioctls;
static int fz_kvm_run;	/* OKVM_FUZZ_KVM_RUN: fuzzers issue KVM_RUN too */

static int obj_add(int fd, enum kind kind)
{
	int ret = -ENOSPC;

	pthread_mutex_lock(&tab.lock);
	if (tab.n < MAX_OBJS) {
		tab.o[tab.n++] = (struct obj){ .fd = fd, .kind = kind };
		ret = 0;
	}
	pthread_mutex_unlock(&tab.lock);
	if (ret)
		close(fd);
	return ret;
}

/* A random object (of one of the kinds in mask), or fd -1. */
static struct obj obj_pick(struct fuzz_rng *r, unsigned int mask)
{
	struct obj o = { .fd = -1 };
	int i, start, n;

	pthread_mutex_lock(&tab.lock);
	n = tab.n;
	if (n) {
		start = fuzz_below(r, n);
		for (i = 0; i < n; i++) {
			struct obj *c = &tab.o[(start + i) % n];

			if (mask & KM(c->kind)) {
				o = *c;
				break;
			}
		}
	}
	pthread_mutex_unlock(&tab.lock);
	return o;
}

static int obj_count(enum kind kind)
{
	int i, n = 0;

	pthread_mutex_lock(&tab.lock);
	for (i = 0; i < tab.n; i++)
		n += tab.o[i].kind == kind;
	pthread_mutex_unlock(&tab.lock);
	return n;
}

/* Close a random object; under the lock, so its number is not reused meanwhile. */
static void obj_close_random(struct fuzz_rng *r)
{
	int i;

	pthread_mutex_lock(&tab.lock);
	if (tab.n > 1) {
		i = fuzz_below(r, tab.n);
		close(tab.o[i].fd);
		tab.o[i] = tab.o[--tab.n];
	}
	pthread_mutex_unlock(&tab.lock);
}

static void map_add(void *addr, size_t len)
{
	pthread_mutex_lock(&tab.lock);
	if (tab.nmaps < MAX_MAPS) {
		tab.map[tab.nmaps].addr = addr;
		tab.map[tab.nmaps++].len = len;
		addr = NULL;
	}
	pthread_mutex_unlock(&tab.lock);
	if (addr)
		munmap(addr, len);
}

static void map_drop_random(struct fuzz_rng *r)
{
	void *addr = NULL;
	size_t len = 0;
	int i;

	pthread_mutex_lock(&tab.lock);
	if (tab.nmaps) {
		i = fuzz_below(r, tab.nmaps);
		addr = tab.map[i].addr;
		len = tab.map[i].len;
		tab.map[i] = tab.map[--tab.nmaps];
	}
	pthread_mutex_unlock(&tab.lock);
	/* Runners never touch these mappings: only their own kvm_run. */
	if (addr)
		munmap(addr, len);
}

/* Pool region i gets a new backing of a random kind. */
static void pool_remap(struct fuzz_rng *r, int i)
{
	uint8_t *a = pool.base + i * POOL_REGION;
	void *p;

	pthread_mutex_lock(&pool.lock);
	switch (fuzz_below(r, 6)) {
	case 0:	/* fresh anonymous memory (the old pages go away) */
		p = mmap(a, POOL_REGION, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
		break;
	case 1:	/* shared file pages */
		p = mmap(a, POOL_REGION, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 pool.memfd[i], 0);
		break;
	case 2:	/* read-only */
		p = mmap(a, POOL_REGION, PROT_READ,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
		break;
	case 3:	/* inaccessible */
		p = mmap(a, POOL_REGION, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
		break;
	case 4:
		/*
		 * Inaccessible for a moment, then fresh memory. Never a real
		 * hole: whatever the process maps meanwhile (a malloc arena,
		 * a thread stack) may land in it, and memslots and fuzzed
		 * pointers into the pool would then have the kernel and the
		 * guest write into it: that corrupted the heap (glibc's
		 * "free(): invalid pointer") in the debug leg's runs.
		 */
		mmap(a, POOL_REGION, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
		usleep(fuzz_below(r, 1000));
		p = mmap(a, POOL_REGION, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
		break;
	default:	/* drop the pages of a part of it */
		madvise(a + (fuzz_below(r, POOL_REGION / PAGE) * PAGE),
			PAGE * (1 + fuzz_below(r, 64)), MADV_DONTNEED);
		goto out;
	}
	(void)p;
	if (fuzz_one_in(r, 4))
		madvise(a, POOL_REGION, MADV_HUGEPAGE);
out:
	pthread_mutex_unlock(&pool.lock);
}

/* A userspace address to give the kernel for guest memory. */
static uint64_t fz_hva(struct fuzz_rng *r)
{
	uint64_t a = (uint64_t)pool.base + fuzz_below(r, POOL_REGIONS) * POOL_REGION;

	switch (fuzz_below(r, 10)) {
	case 0:
		return a + fuzz_below(r, POOL_REGION);		/* unaligned */
	case 1:
		/*
		 * Nowhere a process maps anything: a guest writing through a
		 * slot at one of our own pages would corrupt this process
		 * (KVM's contract), so never our binary, heap or stacks.
		 */
		return fuzz_one_in(r, 2) ? fuzz_below(r, 16) << 12 :
		       (fuzz_interesting(r) | (1ULL << 47)) & ~0xfffULL;
	case 2:
		return 0xffff888000000000ULL;			/* kernel */
	default:
		return a + (fuzz_below(r, 4) << 20);
	}
}

static uint64_t fz_gpa(struct fuzz_rng *r)
{
	static const uint64_t g[] = {
		0, 0x1000, 0x100000, 0x400000, 0xc0000000, 0xfee00000, 0xfffff000,
		0x100000000ULL, 0xfffffffff000ULL, 0xffffffffe000ULL,
		1ULL << 40, 1ULL << 47, 1ULL << 52, ~0xfffULL,
	};

	if (fuzz_one_in(r, 3))
		return fuzz_interesting(r) & (fuzz_one_in(r, 8) ? ~0ULL : ~0xfffULL);
	return g[fuzz_below(r, ARRAY_SIZE(g))] + (fuzz_one_in(r, 4) ?
		fuzz_below(r, 16) << 12 : 0);
}

static uint64_t fz_size(struct fuzz_rng *r)
{
	static const uint64_t s[] = {
		0, 0x1000, 0x2000, 0x200000, POOL_REGION * 2, POOL_REGION * POOL_REGIONS,
		1ULL << 32, 1ULL << 40, ~0xfffULL, 0x1001,
	};

	if (fuzz_one_in(r, 4))
		return fuzz_interesting(r);
	return s[fuzz_below(r, ARRAY_SIZE(s))];
}

/*
 * The pointer an ioctl gets: mostly the thread's buffer, sometimes memory
 * the kernel must refuse (or partly refuse) to touch.
 */
static unsigned long fz_ptr(struct fz_thread *t, size_t len)
{
	switch (fuzz_below(&t->r, 24)) {
	case 0:
		return 0;
	case 1:
		return 0x1000;			/* below mmap_min_addr: never mapped */
	case 2:
		return (unsigned long)noaccess_page;
	case 3:
		return (unsigned long)ro_page;	/* the kernel cannot write back */
	case 4:	/* the last bytes before the guard page */
		return (unsigned long)t->arg + ARG_SIZE - (len ? fuzz_below(&t->r, len) + 1 : 1);
	case 5:
		return 0xffffffff81000000UL;
	case 6:
		return 0x8000000000000000UL;	/* non-canonical */
	case 7:
		return (unsigned long)pool.base + fuzz_below(&t->r, POOL_REGIONS * POOL_REGION);
	default:
		return (unsigned long)t->arg;
	}
}

/* Random contents: dense random bytes, or zeros with a few interesting words. */
static void fz_struct(struct fuzz_rng *r, void *buf, size_t len)
{
	uint64_t v;
	int i, n;

	if (fuzz_one_in(r, 3)) {
		fuzz_fill(r, buf, len);
		return;
	}
	memset(buf, 0, len);
	n = fuzz_below(r, 5);
	for (i = 0; i < n && len >= 8; i++) {
		v = fuzz_interesting(r);
		memcpy((uint8_t *)buf + (fuzz_below(r, len / 8) * 8), &v, 8);
	}
}

/* Flip a few bytes or words of a valid state. */
static void fz_mutate(struct fuzz_rng *r, uint8_t *buf, size_t len)
{
	int i, n = 1 + fuzz_below(r, 4);
	uint64_t v;

	if (!len)
		return;
	for (i = 0; i < n; i++) {
		size_t off = fuzz_below(r, len);

		if (fuzz_one_in(r, 2) || off + 8 > len) {
			buf[off] ^= 1 << fuzz_below(r, 8);
		} else {
			v = fuzz_interesting(r);
			memcpy(buf + off, &v, 8);
		}
	}
}

static uint32_t fz_msr_index(struct fuzz_rng *r)
{
	static const uint32_t m[] = {
		0x10, 0x1b, 0x3a, 0x48, 0x8b, 0xe7, 0xe8, 0x174, 0x175, 0x176, 0x1d9,
		0x200, 0x277, 0x2ff, 0x400, 0x6e0, 0x802, 0x80b, 0x830, 0x838,
		0xc0000080, 0xc0000081, 0xc0000100, 0xc0000101, 0xc0000102,
		0xc0000103, 0xc0010015, 0xc0010114, 0xc0010117, 0x4b564d00,
		0x4b564d01, 0x4b564d02, 0x4b564d03, 0x4b564d04, 0x4b564d05, 0x11,
		0x12, 0x40000000,
	};

	if (fuzz_one_in(r, 4))
		return fuzz_rand(r);
	return m[fuzz_below(r, ARRAY_SIZE(m))];
}

static int fz_cap(struct fuzz_rng *r)
{
	return fuzz_one_in(r, 10) ? (int)fuzz_interesting(r) : (int)fuzz_below(r, 240);
}

/*
 * Build the argument of iocs[i] for an fd of kind k into t->arg; returns
 * the value to pass (a pointer or an integer) and sets *len to the bytes
 * worth keeping for the corpus.
 */
static unsigned long fz_build(struct fz_thread *t, int i, struct obj o, unsigned int *len)
{
	const struct ioc *c = &iocs[i];
	struct fuzz_rng *r = &t->r;
	uint8_t *a = t->arg;
	size_t sz = _IOC_SIZE(c->cmd);
	unsigned int n, j;

	*len = 0;
	switch (c->b) {
	case B_INT:
		return fuzz_one_in(r, 2) ? 0 : fuzz_interesting(r);
	case B_CREATE_VM:
		return fuzz_below(r, 4) ? 0 : fuzz_interesting(r);
	case B_CREATE_VCPU:
		return fuzz_below(r, 4) ? fuzz_below(r, 4) : fuzz_interesting(r);
	case B_CHECK_EXT:
		return fz_cap(r);
	case B_MP_STATE:
		*(uint32_t *)a = fuzz_below(r, 4) ? fuzz_below(r, 10) : fuzz_rand(r);
		*len = 4;
		break;
	case B_MEMSLOT:
	case B_MEMSLOT2: {
		struct kvm_userspace_memory_region2 *m = (void *)a;
		static const uint32_t flags[] = {
			0, KVM_MEM_LOG_DIRTY_PAGES, KVM_MEM_READONLY, KVM_MEM_GUEST_MEMFD,
			KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY, 0x80000000,
		};

		memset(m, 0, sizeof(*m));
		m->slot = fuzz_below(r, 4) ? fuzz_below(r, 6) :
			  (fuzz_one_in(r, 2) ? (1u << 16) | fuzz_below(r, 4) : fuzz_rand(r));
		m->flags = flags[fuzz_below(r, ARRAY_SIZE(flags))];
		m->guest_phys_addr = fz_gpa(r);
		m->memory_size = fuzz_below(r, 4) ? (1 + fuzz_below(r, 512)) * PAGE : fz_size(r);
		m->userspace_addr = fz_hva(r);
		if (c->b == B_MEMSLOT2 && fuzz_one_in(r, 4)) {
			m->guest_memfd = fuzz_below(r, 64);
			m->guest_memfd_offset = fuzz_interesting(r);
		}
		if (fuzz_one_in(r, 16))
			m->pad1 = 1;
		*len = sz;
		break;
	}
	case B_CPUID: {
		struct kvm_cpuid2 *cp = (void *)a;
		unsigned int max = (ARG_SIZE - sizeof(*cp)) / sizeof(cp->entries[0]);

		n = sup_cpuid ? sup_cpuid->nent : 0;
		if (n && fuzz_below(r, 3)) {
			memcpy(cp, sup_cpuid, sizeof(*cp) + n * sizeof(cp->entries[0]));
			for (j = fuzz_below(r, 4); j; j--)
				fz_mutate(r, (uint8_t *)cp->entries, n * sizeof(cp->entries[0]));
		} else {
			fz_struct(r, a, ARG_SIZE);
		}
		switch (fuzz_below(r, 6)) {
		case 0:
			cp->nent = fuzz_interesting(r);
			break;
		case 1:
			cp->nent = fuzz_below(r, max);
			break;
		default:
			cp->nent = n ? n : 1;
		}
		cp->padding = fuzz_one_in(r, 16);
		*len = 512;
		break;
	}
	case B_MSRS: {
		struct kvm_msrs *m = (void *)a;
		unsigned int max = (ARG_SIZE - sizeof(*m)) / sizeof(m->entries[0]);

		memset(a, 0, 4096);
		n = fuzz_below(r, 8) ? fuzz_below(r, 17) : (uint32_t)fuzz_interesting(r);
		m->nmsrs = n;
		for (j = 0; j < n && j < max && j < 64; j++) {
			m->entries[j].index = fz_msr_index(r);
			m->entries[j].data = fuzz_interesting(r);
			m->entries[j].reserved = fuzz_one_in(r, 32);
		}
		*len = 512;
		break;
	}
	case B_MSR_LIST: {
		struct kvm_msr_list *l = (void *)a;

		l->nmsrs = fuzz_below(r, 3) ? fuzz_below(r, 2048) : (uint32_t)fuzz_interesting(r);
		*len = 4;
		break;
	}
	case B_ROUTING: {
		struct kvm_irq_routing *rt = (void *)a;

		memset(a, 0, 8192);
		n = fuzz_below(r, 8) ? fuzz_below(r, 33) : (uint32_t)fuzz_interesting(r);
		rt->nr = n;
		rt->flags = fuzz_one_in(r, 16);
		for (j = 0; j < n && j < 128; j++) {
			struct kvm_irq_routing_entry *e = &rt->entries[j];

			e->gsi = fuzz_below(r, 4) ? fuzz_below(r, 32) : fuzz_rand(r);
			e->type = fuzz_below(r, 4) ? 1 + fuzz_below(r, 2) : fuzz_below(r, 8);
			e->flags = fuzz_one_in(r, 8) ? fuzz_rand(r) : 0;
			if (e->type == KVM_IRQ_ROUTING_IRQCHIP) {
				e->u.irqchip.irqchip = fuzz_below(r, 4);
				e->u.irqchip.pin = fuzz_below(r, 4) ? fuzz_below(r, 26) : fuzz_rand(r);
			} else {
				e->u.msi.address_lo = 0xfee00000 | (fuzz_rand(r) & 0xffff0);
				e->u.msi.address_hi = fuzz_one_in(r, 4) ? fuzz_rand(r) : 0;
				e->u.msi.data = fuzz_rand(r);
			}
		}
		*len = 512;
		break;
	}
	case B_SIGMASK: {
		struct kvm_signal_mask *s = (void *)a;
		uint64_t m = fuzz_one_in(r, 2) ? 0 : fuzz_rand(r);

		s->len = fuzz_below(r, 4) ? 8 : fuzz_interesting(r);
		memcpy(s->sigset, &m, 8);
		*len = 12;
		break;
	}
	case B_ENABLE_CAP: {
		struct kvm_enable_cap *e = (void *)a;

		fz_struct(r, a, sizeof(*e));
		e->cap = fz_cap(r);
		if (fuzz_below(r, 4))
			e->flags = 0;
		for (j = 0; j < 4; j++)
			if (fuzz_one_in(r, 2))
				e->args[j] = fuzz_interesting(r);
		*len = sizeof(*e);
		break;
	}
	case B_DIRTY_LOG: {
		struct kvm_dirty_log *d = (void *)a;

		memset(d, 0, sizeof(*d));
		d->slot = fuzz_below(r, 4) ? fuzz_below(r, 6) : fuzz_rand(r);
		d->dirty_bitmap = (void *)fz_ptr(t, 64);
		if (d->dirty_bitmap == (void *)t->arg)
			d->dirty_bitmap = t->arg + 4096;
		*len = sizeof(*d);
		break;
	}
	case B_IRQ_LINE: {
		struct kvm_irq_level *l = (void *)a;

		l->irq = fuzz_below(r, 4) ? fuzz_below(r, 32) : fuzz_rand(r);
		l->level = fuzz_below(r, 4) ? fuzz_below(r, 2) : fuzz_rand(r);
		*len = sizeof(*l);
		break;
	}
	case B_MSI: {
		struct kvm_msi *m = (void *)a;

		memset(m, 0, sizeof(*m));
		m->address_lo = fuzz_below(r, 4) ? 0xfee00000 | (fuzz_rand(r) & 0xffffc) :
			       fuzz_rand(r);
		m->address_hi = fuzz_one_in(r, 4) ? fuzz_rand(r) : 0;
		m->data = fuzz_one_in(r, 2) ? 0x20 + fuzz_below(r, 224) : fuzz_rand(r);
		m->flags = fuzz_one_in(r, 8) ? fuzz_rand(r) : 0;
		*len = sizeof(*m);
		break;
	}
	case B_PREFAULT: {
		struct kvm_pre_fault_memory *p = (void *)a;

		memset(p, 0, sizeof(*p));
		p->gpa = fuzz_below(r, 2) ? fuzz_below(r, 4096) * PAGE : fz_gpa(r);
		p->size = fuzz_below(r, 2) ? (1 + fuzz_below(r, 64)) * PAGE : fz_size(r);
		p->flags = fuzz_one_in(r, 8);
		*len = sizeof(*p);
		break;
	}
	case B_MSR_FILTER: {
		struct kvm_msr_filter *f = (void *)a;

		memset(f, 0, sizeof(*f));
		f->flags = fuzz_below(r, 3) ? fuzz_below(r, 2) : fuzz_rand(r);
		n = fuzz_below(r, KVM_MSR_FILTER_MAX_RANGES + 1);
		for (j = 0; j < n; j++) {
			struct kvm_msr_filter_range *g = &f->ranges[j];

			g->flags = fuzz_below(r, 4) ? 1 + fuzz_below(r, 3) : fuzz_rand(r);
			g->base = fz_msr_index(r);
			g->nmsrs = fuzz_below(r, 4) ? fuzz_below(r, 256) : fuzz_interesting(r);
			g->bitmap = fuzz_below(r, 4) ? t->arg + 8192 : (void *)fz_ptr(t, 32);
		}
		fuzz_fill(r, t->arg + 8192, 4096);
		*len = sizeof(*f);
		break;
	}
	case B_COALESCED: {
		struct kvm_coalesced_mmio_zone *z = (void *)a;

		z->addr = fuzz_below(r, 2) ? fz_gpa(r) : fuzz_below(r, 0x10000);
		z->size = fuzz_below(r, 3) ? fuzz_below(r, 0x2000) : fuzz_interesting(r);
		z->pio = fuzz_below(r, 4) ? fuzz_below(r, 2) : fuzz_rand(r);
		*len = sizeof(*z);
		break;
	}
	case B_DEV_ATTR: {
		struct kvm_device_attr *d = (void *)a;

		d->flags = fuzz_below(r, 4) ? 0 : fuzz_rand(r);
		d->group = fuzz_below(r, 4) ? fuzz_below(r, 8) : fuzz_rand(r);
		d->attr = fuzz_below(r, 2) ? fuzz_below(r, 8) : fuzz_interesting(r);
		d->addr = fuzz_below(r, 2) ? (uint64_t)(t->arg + 8192) : fz_ptr(t, 8);
		*len = sizeof(*d);
		break;
	}
	case B_IRQFD: {
		struct kvm_irqfd *f = (void *)a;

		memset(f, 0, sizeof(*f));
		f->fd = fuzz_below(r, 4) ? t->eventfd : fuzz_below(r, 64);
		f->gsi = fuzz_below(r, 4) ? fuzz_below(r, 24) : fuzz_rand(r);
		f->flags = fuzz_below(r, 3) ? fuzz_below(r, 4) : fuzz_rand(r);
		f->resamplefd = fuzz_one_in(r, 2) ? t->eventfd : fuzz_below(r, 64);
		*len = sizeof(*f);
		break;
	}
	case B_IOEVENTFD: {
		static const uint32_t ioeventfd_lens[] = { 0, 1, 2, 4, 8, 3, 16 };
		struct kvm_ioeventfd *e = (void *)a;

		memset(e, 0, sizeof(*e));
		e->datamatch = fuzz_interesting(r);
		e->addr = fuzz_below(r, 2) ? fuzz_below(r, 0x10000) : fz_gpa(r);
		e->len = ioeventfd_lens[fuzz_below(r, ARRAY_SIZE(ioeventfd_lens))];
		e->fd = fuzz_below(r, 4) ? t->eventfd : fuzz_below(r, 64);
		e->flags = fuzz_below(r, 3) ? fuzz_below(r, 32) : fuzz_rand(r);
		*len = sizeof(*e);
		break;
	}
	case B_CREATE_DEV: {
		struct kvm_create_device *d = (void *)a;

		d->type = fuzz_below(r, 4) ? fuzz_below(r, 16) : fuzz_rand(r);
		d->fd = 0;
		d->flags = fuzz_below(r, 4) ? fuzz_below(r, 2) : fuzz_rand(r);
		*len = sizeof(*d);
		break;
	}
	case B_GMEMFD: {
		struct kvm_create_guest_memfd *g = (void *)a;

		memset(g, 0, sizeof(*g));
		g->size = fuzz_below(r, 2) ? PAGE * (1 + fuzz_below(r, 16)) : fz_size(r);
		g->flags = fuzz_below(r, 4) ? 0 : fuzz_interesting(r);
		*len = sizeof(*g);
		break;
	}
	case B_TRANSLATE: {
		struct kvm_translation *tr = (void *)a;

		memset(tr, 0, sizeof(*tr));
		tr->linear_address = fuzz_below(r, 2) ? fz_gpa(r) : fuzz_interesting(r);
		*len = sizeof(*tr);
		break;
	}
	case B_XSAVE2:
		memset(a, 0, 16384);
		*len = 64;
		break;
	case B_RUN:
		return 0;
	case B_GETMUT:
		/* The current state (if the GET works), then a few flips. */
		if (okvm_ioctl(o.fd, c->get, a) < 0 || fuzz_one_in(r, 4))
			fz_struct(r, a, sz);
		if (fuzz_below(r, 4))
			fz_mutate(r, a, sz);
		*len = sz < 512 ? sz : 512;
		break;
	case B_BUF:
	default:
		fz_struct(r, a, sz ? sz : 64);
		*len = sz < 512 ? sz : 512;
		break;
	}
	return fz_ptr(t, sz);
}

/* After a successful ioctl: keep any fd it made. */
static void fz_new_fd(struct fz_thread *t, int i, long ret, unsigned long arg)
{
	unsigned long cmd = iocs[i].cmd;
	void *run;

	if (cmd == KVM_CREATE_VM) {
		if (obj_count(K_VM) >= 6 || obj_add(ret, K_VM))
			close(ret);
	} else if (cmd == KVM_CREATE_VCPU) {
		if (obj_count(K_VCPU) >= 16) {
			close(ret);
			return;
		}
		if (fuzz_below(&t->r, 4)) {
			run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, ret, 0);
			if (run != MAP_FAILED)
				map_add(run, run_size);
		}
		obj_add(ret, K_VCPU);
	} else if (cmd == KVM_GET_STATS_FD) {
		if (obj_count(K_STATS) >= 8)
			close(ret);
		else
			obj_add(ret, K_STATS);
	} else if (cmd == KVM_CREATE_GUEST_MEMFD) {
		obj_add(ret, K_OTHER);
	} else if (cmd == KVM_CREATE_DEVICE && arg == (unsigned long)t->arg) {
		struct kvm_create_device *d = (void *)t->arg;

		if (!(d->flags & KVM_CREATE_DEVICE_TEST) && d->fd > 2)
			obj_add(d->fd, K_OTHER);
	}
}

static void fz_cover_begin(struct fz_thread *t)
{
	if (t->cover)
		__atomic_store_n(&t->cover[0], 0, __ATOMIC_RELAXED);
}

/* New PCs since fz_cover_begin(), recorded in the shared bitmap. */
static int fz_cover_end(struct fz_thread *t)
{
	uint64_t n, k, pc, h;
	int fresh = 0;

	if (!t->cover)
		return 0;
	n = __atomic_load_n(&t->cover[0], __ATOMIC_RELAXED);
	if (n >= COVER_ENTRIES)
		n = COVER_ENTRIES - 1;
	for (k = 1; k <= n; k++) {
		pc = t->cover[k];
		h = (pc * 0x9e3779b97f4a7c15ULL) >> 44;	/* 20 bits */
		if (!(__atomic_fetch_or(&cover_seen[h / 64], 1ULL << (h % 64),
					__ATOMIC_RELAXED) & (1ULL << (h % 64))))
			fresh++;
	}
	if (fresh)
		__atomic_add_fetch(&cover_new_total, fresh, __ATOMIC_RELAXED);
	return fresh;
}

static void fz_issue(struct fz_thread *t, int i, struct obj o, unsigned long arg,
		     unsigned int len)
{
	const struct ioc *c = &iocs[i];
	long ret;
	int fresh;

	/*
	 * KVM_RUN of a vCPU whose state the fuzzers made hangs the test
	 * machine's QEMU now and then, under okvm and kvm_amd alike
	 * (docs/testing.md): off unless asked for. The runners still run
	 * guests, on vCPUs the fuzzers hit with everything else.
	 */
	if (c->cmd == KVM_RUN && !fz_kvm_run)
		return;
	/* The kick signal must stay deliverable inside KVM_RUN. */
	if (c->cmd == KVM_SET_SIGNAL_MASK && arg == (unsigned long)t->arg) {
		uint64_t m;

		memcpy(&m, ((struct kvm_signal_mask *)t->arg)->sigset, 8);
		m &= ~(1ULL << (FUZZ_KICK_SIG - 1));
		memcpy(((struct kvm_signal_mask *)t->arg)->sigset, &m, 8);
	}
	/*
	 * Inputs that crash the test machine's QEMU 7.2 TCG (the outer CPU),
	 * not the hypervisor under test: no enabled hardware breakpoint in a
	 * DR7 that reaches the CPU (lib/fuzz.c)...
	 */
	if (c->cmd == KVM_SET_DEBUGREGS && arg == (unsigned long)t->arg)
		((struct kvm_debugregs *)t->arg)->dr7 &= ~0xffULL;
	if (c->cmd == KVM_SET_GUEST_DEBUG && arg == (unsigned long)t->arg) {
		((struct kvm_guest_debug *)t->arg)->arch.debugreg[7] &= ~0xffULL;
		/* ...and kvm_amd keeps emulating MOV DR (fuzz_guest_reset()). */
		((struct kvm_guest_debug *)t->arg)->control |= KVM_GUESTDBG_ENABLE;
	}
	/*
	 * TR stays a present TSS: QEMU's TCG aborts ("invalid tss") when a
	 * long-mode interrupt meets a TR that is not present, where a CPU
	 * would raise #TS. struct kvm_sregs2 starts as struct kvm_sregs.
	 */
	if ((c->cmd == KVM_SET_SREGS || c->cmd == KVM_SET_SREGS2) &&
	    arg == (unsigned long)t->arg) {
		((struct kvm_sregs *)t->arg)->tr.present = 1;
		((struct kvm_sregs *)t->arg)->tr.unusable = 0;	/* KVM: not present */
		((struct kvm_sregs *)t->arg)->tr.type = 11;
	}
	/* ...nor SMM (kvm_amd): RSM from the guest's SMRAM can load such a TR. */
	if (c->cmd == KVM_SET_VCPU_EVENTS && arg == (unsigned long)t->arg)
		((struct kvm_vcpu_events *)t->arg)->flags &= ~KVM_VCPUEVENT_VALID_SMM;
	t->last = c->name;
	fz_cover_begin(t);
	ret = okvm_ioctl(o.fd, c->cmd, arg);
	fresh = fz_cover_end(t);
	t->ioctls++;
	if (__atomic_add_fetch(&total_ioctls, 1, __ATOMIC_RELAXED) >= target_ioctls &&
	    target_ioctls)
		stop = 1;
	t->res[ret >= 0 ? 0 : (-ret < 134 ? -ret : 133)]++;
	if (ret >= 0 && ret > 2)
		fz_new_fd(t, i, ret, arg);
	else if (ret == 0 && c->cmd == KVM_CREATE_DEVICE)
		fz_new_fd(t, i, ret, arg);
	/* New coverage: keep the input to mutate later. */
	if (fresh && t->corpus && t->ncorpus < CORPUS_MAX) {
		struct corpus_ent *e = &t->corpus[t->ncorpus++];

		e->ioc = i;
		e->kind = o.kind;
		e->intarg = arg;
		e->len = len < sizeof(e->buf) ? len : sizeof(e->buf);
		if (arg == (unsigned long)t->arg)
			memcpy(e->buf, t->arg, e->len);
		else
			e->len = 0;
	}
}

static void fz_one_ioctl(struct fz_thread *t)
{
	struct fuzz_rng *r = &t->r;
	unsigned long arg;
	unsigned int len;
	struct obj o;
	int i;

	/* A mutation of an input that found new code, when there are some. */
	if (t->ncorpus && fuzz_one_in(r, 3)) {
		struct corpus_ent *e = &t->corpus[fuzz_below(r, t->ncorpus)];

		o = obj_pick(r, KM(e->kind));
		if (o.fd < 0)
			return;
		if (e->len) {
			memcpy(t->arg, e->buf, e->len);
			fz_mutate(r, t->arg, e->len);
			arg = (unsigned long)t->arg;
		} else {
			arg = fuzz_one_in(r, 2) ? e->intarg : fuzz_interesting(r);
		}
		fz_issue(t, e->ioc, o, arg, e->len);
		return;
	}
	i = fuzz_below(r, NR_IOCS);
	/* Mostly on the fd kind it is meant for, sometimes on any. */
	o = obj_pick(r, fuzz_below(r, 8) ? iocs[i].kinds : ANY);
	if (o.fd < 0)
		return;
	arg = fz_build(t, i, o, &len);
	fz_issue(t, i, o, arg, len);
}

/* An ioctl number nobody defines, or a defined one with the wrong size. */
static void fz_random_cmd(struct fz_thread *t)
{
	struct fuzz_rng *r = &t->r;
	struct obj o = obj_pick(r, ANY);
	unsigned long cmd;
	long ret;

	if (o.fd < 0)
		return;
	if (fuzz_one_in(r, 2))
		cmd = _IOC(fuzz_below(r, 4), KVMIO, fuzz_below(r, 256), fuzz_below(r, 4096));
	else
		cmd = (iocs[fuzz_below(r, NR_IOCS)].cmd & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT)) |
		      (fuzz_below(r, 4096) << _IOC_SIZESHIFT);
	/* A defined ioctl goes through its builder (and its sanitizing). */
	for (unsigned int k = 0; k < NR_IOCS; k++)
		if (iocs[k].cmd == cmd)
			return;
	if (cmd == KVM_SET_SIGNAL_MASK || cmd == KVM_SET_NESTED_STATE)
		return;
	fz_struct(r, t->arg, 4096);
	t->last = "random ioctl";
	ret = okvm_ioctl(o.fd, cmd, fz_ptr(t, 4096));
	t->ioctls++;
	__atomic_add_fetch(&total_ioctls, 1, __ATOMIC_RELAXED);
	t->res[ret >= 0 ? 0 : (-ret < 134 ? -ret : 133)]++;
	/* Whatever fd a stray number made is closed at the end (close_range). */
}

/* File operations other than ioctl on a random fd. */
static void fz_fileop(struct fz_thread *t)
{
	struct fuzz_rng *r = &t->r;
	struct obj o = obj_pick(r, ANY);
	size_t len;
	off_t off;
	void *p;

	if (o.fd < 0)
		return;
	t->last = "file op";
	switch (fuzz_below(r, 6)) {
	case 0:
	case 1:
		off = fuzz_below(r, 2) ? (off_t)fuzz_below(r, 8192) : (off_t)fuzz_interesting(r);
		pread(o.fd, t->arg, fuzz_below(r, 2) ? fuzz_below(r, 8192) : ARG_SIZE, off);
		break;
	case 2:
		read(o.fd, (void *)fz_ptr(t, 256), fuzz_below(r, 512));
		lseek(o.fd, fuzz_interesting(r), fuzz_below(r, 5));
		break;
	case 3:
		write(o.fd, t->arg, fuzz_below(r, 64));
		break;
	default:	/* mmap at a random page offset (kvm_run, coalesced ring, dirty ring...) */
		off = (fuzz_below(r, 4) ? fuzz_below(r, 4) : fuzz_below(r, 128)) * PAGE;
		len = PAGE * (1 + fuzz_below(r, 4));
		p = mmap(NULL, len,
			 fuzz_below(r, 4) ? PROT_READ | PROT_WRITE : PROT_READ,
			 fuzz_below(r, 8) ? MAP_SHARED : MAP_PRIVATE, o.fd, off);
		if (p != MAP_FAILED) {
			t->maps++;
			/*
			 * Touch kvm_run: the fault path is part of the surface
			 * (other offsets may rightly SIGBUS).
			 */
			if (!off && fuzz_below(r, 2))
				(void)*(volatile uint8_t *)p;
			map_add(p, len);
		}
		break;
	}
}

/* A child process uses the inherited fds (another mm), then exits. */
static void fz_fork(struct fz_thread *t)
{
	struct obj snap[MAX_OBJS];
	int n, i, status;
	pid_t pid;

	pthread_mutex_lock(&tab.lock);
	n = tab.n;
	memcpy(snap, tab.o, sizeof(snap));
	pthread_mutex_unlock(&tab.lock);
	if (!n)
		return;
	t->last = "fork";
	pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		struct fuzz_rng r = t->r;

		alarm(20);
		for (i = 0; i < 32; i++) {
			struct obj o = snap[fuzz_below(&r, n)];
			int k = fuzz_below(&r, NR_IOCS);

			/* Only syscalls here: the parent's locks may be held. */
			if (iocs[k].b == B_INT || iocs[k].b == B_CREATE_VM ||
			    iocs[k].b == B_CREATE_VCPU || iocs[k].b == B_RUN)
				ioctl(o.fd, iocs[k].cmd, fuzz_below(&r, 4));
			else
				ioctl(o.fd, iocs[k].cmd, t->arg);
			if (fuzz_one_in(&r, 8))
				close(o.fd);
		}
		_exit(0);
	}
	t->forks++;
	/* Several forks at a time is fine; the child dies on its own. */
	if (fuzz_one_in(&t->r, 4))
		usleep(1000);
	waitpid(pid, &status, 0);
}

static void *fz_fuzzer(void *arg)
{
	struct fz_thread *t = arg;
	struct fuzz_rng *r = &t->r;
	int k;

	t->eventfd = eventfd(0, EFD_CLOEXEC);
	/* KCOV: per-thread PC trace, when the kernel has it. */
	t->kcov_fd = -1;
	if (kcov_ok) {
		t->kcov_fd = open("/sys/kernel/debug/kcov", O_RDWR | O_CLOEXEC);
		if (t->kcov_fd >= 0 &&
		    !ioctl(t->kcov_fd, KCOV_INIT_TRACE, COVER_ENTRIES)) {
			t->cover = mmap(NULL, COVER_ENTRIES * 8, PROT_READ | PROT_WRITE,
					MAP_SHARED, t->kcov_fd, 0);
			if (t->cover == MAP_FAILED ||
			    ioctl(t->kcov_fd, KCOV_ENABLE, KCOV_TRACE_PC)) {
				if (t->cover != MAP_FAILED)
					munmap(t->cover, COVER_ENTRIES * 8);
				t->cover = NULL;
			}
		}
		if (t->cover)
			t->corpus = calloc(CORPUS_MAX, sizeof(*t->corpus));
	}
	while (!stop) {
		k = fuzz_below(r, 1000);
		if (k < 900)
			fz_one_ioctl(t);
		else if (k < 930)
			fz_random_cmd(t);
		else if (k < 960)
			fz_fileop(t);
		else if (k < 975) {
			t->last = "close";
			obj_close_random(r);
			t->closes++;
		} else if (k < 985) {
			t->last = "munmap";
			map_drop_random(r);
		} else if (k < 995) {
			t->last = "pool remap";
			pool_remap(r, fuzz_below(r, POOL_REGIONS));
			t->remaps++;
		} else if (k < 998) {
			fz_fork(t);
		} else {
			int kvm = okvm_open_dev();

			if (kvm >= 0 && (obj_count(K_SYS) >= 4 || obj_add(kvm, K_SYS)))
				close(kvm);
		}
	}
	if (t->cover) {
		ioctl(t->kcov_fd, KCOV_DISABLE, 0);
		munmap(t->cover, COVER_ENTRIES * 8);
	}
	if (t->kcov_fd >= 0)
		close(t->kcov_fd);
	free(t->corpus);
	close(t->eventfd);
	t->done = 1;
	return NULL;
}

/*
 * A runner owns a guest that runs random programs; dups of its VM and
 * vCPU fds sit in the table, so the fuzzers reconfigure, close and
 * tear down under it. Every exit is accepted here: the fuzzers change
 * the state behind the guest's back.
 */
static void *fz_runner(void *arg)
{
	struct fz_thread *t = arg;
	struct fuzz_rng *r = &t->r;
	struct guest g;
	const char *why;
	int programs = 0, fd, err;
	sigset_t kick_set;

	sigemptyset(&kick_set);
	sigaddset(&kick_set, FUZZ_KICK_SIG);
	memset(&g, 0, sizeof(g));
	g.kvm = g.vm = -1;
	while (!stop) {
		if (programs++ % 20 == 0 || !g.nr_vcpus) {
			guest_destroy(&g);
			t->last = "runner: new guest";
			/*
			 * KVM_CREATE_VM registers an MMU notifier, which takes
			 * every lock of the mm and gives up with EINTR on a
			 * pending signal (okvm and KVM alike). Under a debug
			 * kernel that takes longer than the kick period, so
			 * the runner never got a guest: hold the kick until
			 * the guest exists (it only matters inside KVM_RUN).
			 */
			pthread_sigmask(SIG_BLOCK, &kick_set, NULL);
			err = guest_create(&g, G_MEM_DEFAULT) ||
			      guest_add_vcpu(&g) < 0;
			pthread_sigmask(SIG_UNBLOCK, &kick_set, NULL);
			if (err) {
				guest_destroy(&g);
				usleep(10000);
				continue;
			}
			if (fuzz_one_in(r, 2))
				okvm_ioctl(g.vm, KVM_CREATE_IRQCHIP, 0);
			fuzz_guest_setup(&g);
			fd = dup(g.vm);
			if (fd >= 0)
				obj_add(fd, K_VM);
			fd = dup(g.vcpu[0].fd);
			if (fd >= 0)
				obj_add(fd, K_VCPU);
		}
		t->last = "runner: program";
		fuzz_guest_program(&g, r, 16 + fuzz_below(r, 64), FUZZ_G_IRQCHIP);
		if (fuzz_guest_reset(&g, 0, r))
			continue;
		fuzz_guest_run(&g, 0, r, 3, &t->gst, &why);
		t->runs++;
		fuzz_guest_collect(&g, 16, &t->gst);
	}
	guest_destroy(&g);
	t->done = 1;
	return NULL;
}

GUEST_CODE(fz_sane_guest, ".code64",
	"mov $0x5a5a1234, %eax\n"
	"out %eax, $0x42\n"
	"hlt\n");

FIXTURE(fz) {
	int unused;
};
FIXTURE_SETUP(fz) {}
FIXTURE_TEARDOWN(fz) {}

TEST_F_TIMEOUT(fz, ioctl_fuzz, 36000)
{
	long secs = fuzz_env("OKVM_FUZZ_SECONDS", 12);
	int nfuzz = fuzz_env("OKVM_FUZZ_THREADS", 3);
	int nrun = fuzz_env("OKVM_FUZZ_RUNNERS", 1);
	uint64_t seed = fuzz_seed("ioctl_fuzz");
	struct fuzz_counters base, now;
	struct fz_thread th[32];
	struct fuzz_kicker kick;
	struct timespec t0, t1;
	uint64_t res[134] = { 0 }, forks = 0, closes = 0, remaps = 0, runs = 0;
	int kmsg = fuzz_kmsg_open();
	int i, j, n, kvm, hung = 0;
	struct guest g;
	double dt;

	/*
	 * The harness runs the test in a child: if a time limit kills the
	 * harness, the test (and its VMs) must not live on.
	 */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/*
	 * Fuzzed structs carry small and power-of-two values where the
	 * kernel expects pointers (KVM_GET_ONE_REG's addr, a dirty log's
	 * bitmap...), and the kernel rightly writes through any that are
	 * mapped and writable. The fuzzer's own heap and data must not be:
	 * built as a static PIE (Makefile), they sit above 2^46, where no
	 * such value falls. A plain static binary keeps its heap in the low
	 * GiBs, where one such write once made glibc abort the run.
	 */
	ASSERT_GT((uintptr_t)sbrk(0), 1ULL << 46);
	ASSERT_GT((uintptr_t)&pool, 1ULL << 46);
	target_ioctls = fuzz_env("OKVM_FUZZ_IOCTLS", 0);
	fz_kvm_run = fuzz_env("OKVM_FUZZ_KVM_RUN", 0);
	if (nfuzz < 1 || nfuzz > 16)
		nfuzz = 3;
	if (nrun < 0 || nrun > 8)
		nrun = 1;
	n = nfuzz + nrun;
	signal(SIGPIPE, SIG_IGN);
	fuzz_counters_read(&base);
	fuzz_known_bugs = fuzz_env("OKVM_KNOWN_BUGS", 0);
	fuzz_guest_ops = fuzz_env("OKVM_FUZZ_GUEST_OPS", FUZZ_OP_DEFAULT) & FUZZ_OP_ALL;
	if (!fuzz_guest_ops)
		fuzz_guest_ops = FUZZ_OP_DEFAULT;

	/* Shared state: the pool, the odd pages, one system fd to start from. */
	pool.base = mmap(NULL, POOL_REGIONS * POOL_REGION, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(pool.base, MAP_FAILED);
	for (i = 0; i < POOL_REGIONS; i++) {
		pool.memfd[i] = memfd_create("fuzz-pool", MFD_CLOEXEC);
		ASSERT_GE(pool.memfd[i], 0);
		ASSERT_EQ(ftruncate(pool.memfd[i], POOL_REGION), 0);
	}
	noaccess_page = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro_page = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(noaccess_page, MAP_FAILED);
	ASSERT_NE(ro_page, MAP_FAILED);
	kvm = okvm_open_dev();
	ASSERT_GE(kvm, 0);
	run_size = okvm_ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	ASSERT_GT(run_size, 0);
	sup_cpuid = calloc(1, sizeof(*sup_cpuid) + 256 * sizeof(sup_cpuid->entries[0]));
	sup_cpuid->nent = 256;
	ASSERT_EQ(okvm_ioctl(kvm, KVM_GET_SUPPORTED_CPUID, sup_cpuid), 0);
	ASSERT_EQ(obj_add(kvm, K_SYS), 0);

	/* KCOV, if this kernel has it (CONFIG_KCOV, debugfs mounted). */
	i = open("/sys/kernel/debug/kcov", O_RDWR | O_CLOEXEC);
	kcov_ok = i >= 0;
	if (i >= 0)
		close(i);
	printf("# ioctl_fuzz: %d fuzzing + %d guest-running threads, %zu ioctls known, "
	       "%s\n", nfuzz, nrun, NR_IOCS,
	       kcov_ok ? "KCOV coverage feedback" : "no KCOV: random mode");

	/*
	 * A vCPU ioctl waits for the vCPU's KVM_RUN to return: kick often, so
	 * that the fuzzers are not mostly waiting for the runner.
	 */
	ASSERT_EQ(fuzz_kicker_start(&kick, 5), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(th, 0, sizeof(th));
	for (i = 0; i < n; i++) {
		th[i].idx = i;
		th[i].runner = i >= nfuzz;
		th[i].seed = seed + i;
		fuzz_rng_seed(&th[i].r, th[i].seed);
		th[i].arg = mmap(NULL, ARG_SIZE + PAGE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(th[i].arg, MAP_FAILED);
		ASSERT_EQ(mprotect(th[i].arg + ARG_SIZE, PAGE, PROT_NONE), 0);
		ASSERT_EQ(pthread_create(&th[i].t, NULL, th[i].runner ? fz_runner : fz_fuzzer,
					 &th[i]), 0);
		fuzz_kicker_add(&kick, th[i].t);
	}
	while (!stop) {
		usleep(100000);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (secs && t1.tv_sec - t0.tv_sec >= secs)
			stop = 1;
	}
	/* Threads finish their current operation; one that does not is hung. */
	for (j = 0; j < 600; j++) {
		for (i = 0; i < n && th[i].done; i++)
			;
		if (i == n)
			break;
		usleep(100000);
	}
	for (i = 0; i < n; i++) {
		if (!th[i].done) {
			printf("# thread %d hung in: %s\n", i, th[i].last);
			hung = 1;
		}
	}
	ASSERT_EQ(hung, 0);
	for (i = 0; i < n; i++)
		pthread_join(th[i].t, NULL);
	fuzz_kicker_stop(&kick);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	dt = t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9;

	for (i = 0; i < n; i++) {
		for (j = 0; j < 134; j++)
			res[j] += th[i].res[j];
		forks += th[i].forks;
		closes += th[i].closes;
		remaps += th[i].remaps;
		runs += th[i].runs;
	}
	printf("# ioctl_fuzz: %llu ioctls in %.1f s (%.0f/s), %llu succeeded; %llu closes, "
	       "%llu forks, %llu pool remaps, %llu guest programs run\n",
	       (unsigned long long)total_ioctls, dt, total_ioctls / dt,
	       (unsigned long long)res[0], (unsigned long long)closes,
	       (unsigned long long)forks, (unsigned long long)remaps,
	       (unsigned long long)runs);
	printf("# ioctl_fuzz: errnos:");
	for (j = 1; j < 134; j++)
		if (res[j])
			printf(" %s=%llu", strerrorname_np(j) ? strerrorname_np(j) : "?",
			       (unsigned long long)res[j]);
	printf("\n");
	if (kcov_ok)
		printf("# ioctl_fuzz: KCOV: %llu distinct PCs (hashed) reached\n",
		       (unsigned long long)cover_new_total);
	if (target_ioctls)
		EXPECT_GE(total_ioctls, target_ioctls);
	EXPECT_GT(res[0], 0);

	/* Everything goes: objects, vCPU mappings, any fd a stray ioctl made. */
	pthread_mutex_lock(&tab.lock);
	for (i = 0; i < tab.nmaps; i++)
		munmap(tab.map[i].addr, tab.map[i].len);
	tab.nmaps = 0;
	for (i = 0; i < tab.n; i++)
		close(tab.o[i].fd);
	tab.n = 0;
	pthread_mutex_unlock(&tab.lock);
	for (i = 3; i < 4096; i++)
		if (i != kmsg)
			close(i);
	munmap(pool.base, POOL_REGIONS * POOL_REGION);
	for (i = 0; i < n; i++)
		munmap(th[i].arg, ARG_SIZE + PAGE);

	/* The hypervisor still runs a plain guest. */
	ASSERT_EQ(guest_init(&g, G_MEM_DEFAULT, GUEST_LONG, fz_sane_guest,
			     fz_sane_guest_end), 0);
	ASSERT_EQ(guest_run(&g, 0), 0);
	EXPECT_EQ(g.vcpu[0].run->exit_reason, KVM_EXIT_IO);
	EXPECT_EQ(guest_out32(g.vcpu[0].run), 0x5a5a1234);
	guest_destroy(&g);

	if (base.vms >= 0) {
		EXPECT_EQ(fuzz_counters_settle(&base, &now), 0)
			TH_LOG("okvm counters: vms %ld vcpus %ld pages %ld, were %ld %ld %ld",
			       now.vms, now.vcpus, now.pages, base.vms, base.vcpus, base.pages);
	} else {
		printf("# no okvm counters here: leak check not applicable\n");
	}
	EXPECT_EQ(fuzz_kmsg_splats(kmsg), 0);
	close(kmsg);
}

TEST_HARNESS_MAIN
