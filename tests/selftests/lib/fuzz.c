// SPDX-License-Identifier: GPL-2.0-only
/*
 * Shared helpers of okvm's fuzzers: see fuzz.h. The guest-side pieces
 * (IDT, exception stubs, fragment encodings) follow the AMD64
 * architecture manual; the encodings are written out by hand so that a
 * fragment's bytes are exactly what the PRNG chose.
 */
#include <poll.h>
#include <stdio.h>
#include <time.h>

#include "fuzz.h"

uint64_t fuzz_interesting(struct fuzz_rng *r)
{
	static const uint64_t fixed[] = {
		0, 1, 2, 3, 4, 7, 8, 15, 16, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0x1000,
		0x1001, 0x7fff, 0x8000, 0xffff, 0x10000, 0x200000, 0x7fffffff,
		0x80000000, 0xffffffff, 0x100000000ULL, 0xfffffffffffULL,
		0xfffffffff000ULL, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
		~0ULL, ~0ULL - 1, ~0xfffULL,
	};
	unsigned int bit = fuzz_below(r, 64);

	switch (fuzz_below(r, 4)) {
	case 0:
		return fixed[fuzz_below(r, ARRAY_SIZE(fixed))];
	case 1:
		return (1ULL << bit) + (fuzz_below(r, 3) - 1);
	case 2:
		return fuzz_below(r, 64);
	default:
		return fuzz_rand(r);
	}
}

void fuzz_fill(struct fuzz_rng *r, void *buf, size_t len)
{
	uint8_t *p = buf;
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (!(i & 7))
			v = fuzz_rand(r);
		p[i] = v;
		v >>= 8;
	}
}

long fuzz_env(const char *name, long def)
{
	const char *s = getenv(name);

	return s && *s ? strtol(s, NULL, 0) : def;
}

uint64_t fuzz_seed(const char *test)
{
	const char *s = getenv("OKVM_FUZZ_SEED");
	struct timespec ts;
	uint64_t seed;
	int kmsg;

	if (s && *s) {
		seed = strtoull(s, NULL, 0);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_sec * 1000000007ULL ^ ts.tv_nsec ^
		       ((uint64_t)getpid() << 32);
	}
	printf("# %s: seed %#llx (replay: OKVM_FUZZ_SEED=%#llx)\n", test,
	       (unsigned long long)seed, (unsigned long long)seed);
	fflush(stdout);
	/* Also in the kernel log: it survives a crash of the whole machine. */
	kmsg = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (kmsg >= 0) {
		dprintf(kmsg, "okvm-fuzz: %s seed %#llx\n", test, (unsigned long long)seed);
		close(kmsg);
	}
	return seed;
}

static void fuzz_kick_handler(int sig)
{
}

void fuzz_kick_install(void)
{
	struct sigaction sa = { .sa_handler = fuzz_kick_handler };

	/* No SA_RESTART: KVM_RUN must come back with -EINTR. */
	sigemptyset(&sa.sa_mask);
	sigaction(FUZZ_KICK_SIG, &sa, NULL);
}

static void *fuzz_kicker_main(void *arg)
{
	struct fuzz_kicker *k = arg;
	int i;

	while (!k->stop) {
		usleep(k->period_ms * 1000);
		pthread_mutex_lock(&k->lock);
		for (i = 0; i < k->nr_targets; i++)
			pthread_kill(k->targets[i], FUZZ_KICK_SIG);
		pthread_mutex_unlock(&k->lock);
	}
	return NULL;
}

int fuzz_kicker_start(struct fuzz_kicker *k, int period_ms)
{
	k->nr_targets = 0;
	k->stop = 0;
	k->period_ms = period_ms;
	pthread_mutex_init(&k->lock, NULL);
	fuzz_kick_install();
	return -pthread_create(&k->thread, NULL, fuzz_kicker_main, k);
}

void fuzz_kicker_add(struct fuzz_kicker *k, pthread_t t)
{
	pthread_mutex_lock(&k->lock);
	if (k->nr_targets < FUZZ_MAX_KICKED)
		k->targets[k->nr_targets++] = t;
	pthread_mutex_unlock(&k->lock);
}

void fuzz_kicker_stop(struct fuzz_kicker *k)
{
	k->stop = 1;
	pthread_join(k->thread, NULL);
}

int fuzz_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

int fuzz_kmsg_splats(int fd)
{
	return fuzz_kmsg_scan(fd, NULL, NULL);
}

int fuzz_kmsg_scan(int fd, void (*each)(const char *msg, void *arg), void *arg)
{
	/* The patterns scripts/guest.sh fails a run on. */
	static const char *const splat[] = {
		"WARNING: CPU:", "BUG:", "Oops", "KASAN:", "UBSAN:", "KFENCE:",
		"INFO: possible", "INFO: trying", "INFO: suspicious",
		"INFO: inconsistent", "WARNING: possible", "general protection fault",
		"kmemleak:", "Kernel panic", "blocked for more than",
	};
	char rec[8192];
	int n = 0;
	ssize_t len;
	unsigned int i;

	if (fd < 0)
		return 0;
	for (;;) {
		len = read(fd, rec, sizeof(rec) - 1);
		if (len < 0 && errno == EPIPE)	/* overwritten records: go on */
			continue;
		if (len <= 0)
			break;
		rec[len] = 0;
		if (each)
			each(strchr(rec, ';') ? strchr(rec, ';') + 1 : rec, arg);
		for (i = 0; i < ARRAY_SIZE(splat); i++) {
			if (strstr(rec, splat[i])) {
				printf("# kernel log: %s", strchr(rec, ';') ?
				       strchr(rec, ';') + 1 : rec);
				n++;
				break;
			}
		}
	}
	return n;
}

void fuzz_counters_read(struct fuzz_counters *c)
{
	c->vms = okvm_debugfs_counter("live_vms");
	c->vcpus = okvm_debugfs_counter("live_vcpus");
	c->pages = okvm_debugfs_counter("live_pages");
}

int fuzz_counters_settle(const struct fuzz_counters *base, struct fuzz_counters *now)
{
	int i;

	for (i = 0; i < 1000; i++) {
		fuzz_counters_read(now);
		if (now->vms == base->vms && now->vcpus == base->vcpus &&
		    now->pages == base->pages)
			return 0;
		usleep(10000);
	}
	return -1;
}

/*
 * Exception and interrupt stubs, loaded at G_FUZZ_STUBS: stub v (16 bytes
 * at +16v) pushes a zero error code where the CPU pushes none, then v.
 * The common part (at +4096) counts the event; for an exception it
 * resumes at the next fragment, or at the done stub if RIP left the code,
 * with a sane CS/SS/RSP and TF clear, so that one wild instruction costs
 * one fragment; an interrupt gets an xAPIC EOI and returns where it hit.
 * Every gate uses IST1: the handler runs even after RSP was trashed.
 */
#define FZ_STR(x) #x
#define FZ_XSTR(x) FZ_STR(x)
GUEST_CODE(fuzz_stubs, ".code64",
	".set vec, 0\n"
	".rept 256\n"
	".balign 16\n"
	".if (vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)\n"
	".else\n"
	"pushq $0\n"
	".endif\n"
	"pushq $vec\n"
	"jmp fuzz_common\n"
	".set vec, vec + 1\n"
	".endr\n"
	".balign 4096\n"
	"fuzz_common:\n"
	"push %rax\n"
	"mov 8(%rsp), %rax\n"
	"cmp $32, %rax\n"
	"jae 1f\n"
	"lock incq " FZ_XSTR(G_FUZZ_COUNTERS) "+8\n"
	"mov 24(%rsp), %rax\n"
	"sub $" FZ_XSTR(G_CODE) ", %rax\n"
	"cmp $" FZ_XSTR(FUZZ_CODE_SIZE) ", %rax\n"
	"jae 2f\n"
	"and $~31, %rax\n"
	"add $" FZ_XSTR(G_CODE) " + 32, %rax\n"
	"mov %rax, 24(%rsp)\n"
	"jmp 3f\n"
	"2: movq $" FZ_XSTR(G_CODE) " + " FZ_XSTR(FUZZ_CODE_SIZE) ", 24(%rsp)\n"
	"3: movq $8, 32(%rsp)\n"		/* SEL_CODE64 */
	"andq $~0x100, 40(%rsp)\n"		/* TF */
	"movq $" FZ_XSTR(G_STACK) ", 48(%rsp)\n"
	"movq $16, 56(%rsp)\n"			/* SEL_DATA */
	"pop %rax\n"
	"add $16, %rsp\n"
	"iretq\n"
	"1: lock incq " FZ_XSTR(G_FUZZ_COUNTERS) "+16\n"
	"mov $0xfee000b0, %eax\n"
	"movl $0, (%rax)\n"
	"pop %rax\n"
	"add $16, %rsp\n"
	"iretq\n");

/* Ends a program: OUT to FUZZ_DONE_PORT, forever. */
static const uint8_t fuzz_done_stub[] = {
	0x66, 0xba, FUZZ_DONE_PORT & 0xff, FUZZ_DONE_PORT >> 8,	/* mov $port, %dx */
	0xee,							/* out %al, %dx */
	0xeb, 0xf9,						/* jmp back to mov */
};

/*
 * Page tables, GDT, TSS, IDT and stubs as fuzz_guest_setup() left them on
 * a fresh guest: every program starts from this copy, whatever the one
 * before it scribbled over.
 */
#define FUZZ_SYS_SIZE	G_CODE
#define FZ_PTE_P	(1ULL << 0)
#define FZ_PTE_RW	(1ULL << 1)
#define FZ_PTE_NX	(1ULL << 63)
#define FZ_EFER_NXE	(1ULL << 11)
static uint8_t fuzz_sys_template[FUZZ_SYS_SIZE];
static int fuzz_sys_saved;

void fuzz_guest_setup(struct guest *g)
{
	uint8_t *idt = guest_ptr(g, G_FUZZ_IDT);
	uint64_t ist = G_FUZZ_IST_TOP;
	int v;

	uint64_t *pd = guest_ptr(g, G_PD), *pt = guest_ptr(g, G_FUZZ_PT);

	if (__atomic_load_n(&fuzz_sys_saved, __ATOMIC_ACQUIRE)) {
		memcpy(g->mem, fuzz_sys_template, FUZZ_SYS_SIZE);
		return;
	}
	/*
	 * Nothing but code runs: random code that jumps into the data it
	 * wrote would otherwise run bytes the generator never filtered
	 * (fuzz_no_dr_writes()). The first 2 MiB in 4 KiB pages, executable
	 * only where the stubs and the program are; NX everywhere else.
	 */
	for (v = 0; v < 512; v++) {
		uint64_t a = (uint64_t)v << 12;
		bool exec = (a >= G_FUZZ_STUBS && a < G_FUZZ_COUNTERS) ||
			    (a >= G_CODE && a <= G_CODE + FUZZ_CODE_SIZE);

		pt[v] = a | FZ_PTE_P | FZ_PTE_RW | (exec ? 0 : FZ_PTE_NX);
	}
	pd[0] = G_FUZZ_PT | FZ_PTE_P | FZ_PTE_RW;
	for (v = 1; v < 2048; v++)
		pd[v] |= FZ_PTE_NX;

	guest_load(g, G_FUZZ_STUBS, fuzz_stubs, fuzz_stubs_end);
	for (v = 0; v < 256; v++) {
		guest_set_gate64(g, G_FUZZ_IDT, v, G_FUZZ_STUBS + 16 * v, 1);
		idt[16 * v + 4] = 1;	/* IST1 */
	}
	/* The 64-bit TSS at GPA 0 (lib/guest.c's TR): IST1 at offset 0x24. */
	memset(guest_ptr(g, 0), 0, 0x68);
	memcpy(guest_ptr(g, 0x24), &ist, 8);
	memset(guest_ptr(g, G_FUZZ_COUNTERS), 0, 64);
	/* Identical for every guest: racing threads store the same bytes. */
	memcpy(fuzz_sys_template, g->mem, FUZZ_SYS_SIZE);
	__atomic_store_n(&fuzz_sys_saved, 1, __ATOMIC_RELEASE);
}

/* Ports with an in-kernel or well-known device behind them, or none. */
static uint16_t fuzz_port(struct fuzz_rng *r)
{
	static const uint16_t ports[] = {
		0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1, 0x40, 0x41, 0x42, 0x43, 0x61,
		0x70, 0x71, 0x80, 0x92, 0x3f8, 0x3f9, 0x3fd, 0xcf8, 0xcfc, 0xcfe,
		0x510, 0x511, 0x1000, 0xb000, 0xfff0, 0xffff,
	};

	if (fuzz_one_in(r, 3))
		return fuzz_rand(r);
	return ports[fuzz_below(r, ARRAY_SIZE(ports))];
}

/* Guest-physical addresses (identity-mapped below 4 GiB) worth touching. */
static uint64_t fuzz_gpa(struct guest *g, struct fuzz_rng *r)
{
	switch (fuzz_below(r, 10)) {
	case 0:
	case 1:	/* local APIC page, registers mostly aligned */
		return 0xfee00000 + (fuzz_below(r, 0x1000) & (fuzz_one_in(r, 4) ? ~0UL : ~0xfUL));
	case 2:	/* I/O APIC: IOREGSEL, IOWIN, EOI */
		return 0xfec00000 + (fuzz_below(r, 5) << 4) + fuzz_below(r, 4);
	case 3:	/* nothing there */
		return G_MMIO + fuzz_below(r, 1 << 20);
	case 4:	/* the end of RAM, accesses crossing into unbacked space */
		return g->mem_size - fuzz_below(r, 16);
	case 5:	/* the read-only slot and its end */
		return fuzz_one_in(r, 2) ? G_FUZZ_ROM + fuzz_below(r, 1 << 20) :
		       G_FUZZ_ROM + (1 << 20) - fuzz_below(r, 16);
	case 6:	/* page-crossing inside RAM */
		return G_DATA + (fuzz_below(r, 256) << 12) - fuzz_below(r, 8);
	case 7:
		return 0xfed00000 + fuzz_below(r, 0x400);	/* HPET */
	default:
		return fuzz_below(r, 1ULL << 32);
	}
}

static uint32_t fuzz_msr(struct fuzz_rng *r)
{
	static const uint32_t msrs[] = {
		0x10, 0x1b, 0x3a, 0x3b, 0x48, 0x49, 0x8b, 0xe7, 0xe8, 0xfe, 0x174,
		0x175, 0x176, 0x179, 0x17a, 0x17b, 0x1a0, 0x1d9, 0x200, 0x201,
		0x20f, 0x250, 0x258, 0x259, 0x268, 0x26f, 0x277, 0x2ff, 0x400,
		0x401, 0x402, 0x403, 0x41f, 0x6e0, 0x800, 0x802, 0x803, 0x808,
		0x80b, 0x80f, 0x828, 0x830, 0x832, 0x838, 0x839, 0x83e, 0x83f,
		0xc0000080, 0xc0000081, 0xc0000082, 0xc0000084, 0xc0000100,
		0xc0000101, 0xc0000102, 0xc0000103, 0xc0010000, 0xc0010004,
		0xc0010007, 0xc0010010, 0xc0010015, 0xc001001f, 0xc0010114,
		0xc0010117, 0xc0010140, 0xc0010200, 0xc001020b, 0x11, 0x12,
		0x4b564d00, 0x4b564d01, 0x4b564d02, 0x4b564d03, 0x4b564d04,
		0x4b564d05, 0x4b564d06, 0x4b564d07, 0x40000000, 0x40000001,
		0x40000020, 0x40000070,
	};

	if (fuzz_one_in(r, 4))
		return fuzz_rand(r);
	return msrs[fuzz_below(r, ARRAY_SIZE(msrs))];
}

unsigned int fuzz_guest_ops = FUZZ_OP_DEFAULT;
int fuzz_known_bugs;

/* Emitters: each appends bytes at *p and advances it. */
static void put8(uint8_t **p, uint8_t b)
{
	*(*p)++ = b;
}

static void put32(uint8_t **p, uint32_t v)
{
	memcpy(*p, &v, 4);
	*p += 4;
}

/* mov $imm32, %r32 (b8+r; zero-extends into the 64-bit register). */
static void mov_imm(uint8_t **p, int reg, uint32_t v)
{
	put8(p, 0xb8 + reg);
	put32(p, v);
}

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI };

/* One-byte opcodes with a ModRM memory operand, and their immediate size. */
static const struct {
	uint8_t op[2], len, imm, reg;	/* reg: fixed /digit, or 0xff = random */
} mem_ops[] = {
	{ { 0x88 }, 1, 0, 0xff }, { { 0x89 }, 1, 0, 0xff }, { { 0x8a }, 1, 0, 0xff },
	{ { 0x8b }, 1, 0, 0xff }, { { 0xc6 }, 1, 1, 0 }, { { 0xc7 }, 1, 4, 0 },
	{ { 0x01 }, 1, 0, 0xff }, { { 0x03 }, 1, 0, 0xff }, { { 0x09 }, 1, 0, 0xff },
	{ { 0x21 }, 1, 0, 0xff }, { { 0x29 }, 1, 0, 0xff }, { { 0x31 }, 1, 0, 0xff },
	{ { 0x39 }, 1, 0, 0xff }, { { 0x85 }, 1, 0, 0xff }, { { 0x86 }, 1, 0, 0xff },
	{ { 0x87 }, 1, 0, 0xff }, { { 0x80 }, 1, 1, 0xff }, { { 0x81 }, 1, 4, 0xff },
	{ { 0x83 }, 1, 1, 0xff }, { { 0xf6 }, 1, 0, 0xff }, { { 0xf7 }, 1, 0, 0xff },
	{ { 0xfe }, 1, 0, 0xff }, { { 0xff }, 1, 0, 0 }, { { 0xff }, 1, 0, 6 },
	{ { 0x8f }, 1, 0, 0 }, { { 0xd1 }, 1, 0, 0xff }, { { 0xc1 }, 1, 1, 0xff },
	{ { 0x0f, 0xb6 }, 2, 0, 0xff }, { { 0x0f, 0xb7 }, 2, 0, 0xff },
	{ { 0x0f, 0xbe }, 2, 0, 0xff }, { { 0x0f, 0xbf }, 2, 0, 0xff },
	{ { 0x0f, 0xc1 }, 2, 0, 0xff }, { { 0x0f, 0xb1 }, 2, 0, 0xff },
	{ { 0x0f, 0xb0 }, 2, 0, 0xff }, { { 0x0f, 0xab }, 2, 0, 0xff },
	{ { 0x0f, 0xa3 }, 2, 0, 0xff }, { { 0x0f, 0xba }, 2, 1, 0xff },
	{ { 0x0f, 0x10 }, 2, 0, 0xff }, { { 0x0f, 0x11 }, 2, 0, 0xff },
	{ { 0x0f, 0x6f }, 2, 0, 0xff }, { { 0x0f, 0x7f }, 2, 0, 0xff },
	{ { 0x0f, 0xc7 }, 2, 0, 1 }, { { 0x0f, 0xae }, 2, 0, 7 },
	{ { 0x0f, 0x01 }, 2, 0, 7 }, { { 0x0f, 0x18 }, 2, 0, 0xff },
};

/* Instructions that exit or reach a handler; several need registers set. */
static const uint8_t misc_ops[][3] = {
	{ 0x0f, 0x01, 0xd1 },	/* xsetbv */
	{ 0x0f, 0x01, 0xd9 },	/* vmmcall */
	{ 0x0f, 0x09, 0x90 },	/* wbinvd */
	{ 0x0f, 0x08, 0x90 },	/* invd */
	{ 0x0f, 0x33, 0x90 },	/* rdpmc */
	{ 0x0f, 0x31, 0x90 },	/* rdtsc */
	{ 0x0f, 0x01, 0xf9 },	/* rdtscp */
	{ 0xf3, 0x90, 0x90 },	/* pause */
	{ 0x44, 0x0f, 0x22 },	/* mov %rax, %cr8 (needs ModRM c0) */
	{ 0x0f, 0x23, 0xf8 },	/* mov %rax, %dr7 */
	{ 0x0f, 0x21, 0xc0 },	/* mov %dr0, %rax */
	{ 0x0f, 0x01, 0xc8 },	/* monitor */
	{ 0x0f, 0x01, 0xc9 },	/* mwait */
	{ 0xfb, 0x90, 0x90 },	/* sti */
	{ 0xfa, 0x90, 0x90 },	/* cli */
	{ 0xcc, 0x90, 0x90 },	/* int3 */
	{ 0x0f, 0x0b, 0x90 },	/* ud2 */
	{ 0xcd, 0x80, 0x90 },	/* int $0x80 */
	{ 0x0f, 0x01, 0xd0 },	/* xgetbv */
	{ 0x0f, 0x20, 0xc0 },	/* mov %cr0, %rax */
	{ 0x0f, 0x01, 0xdf },	/* invlpga */
	{ 0x0f, 0x05, 0x90 },	/* syscall */
};

/* One fuzzed operation into p (at most FUZZ_FRAG - 9 - 1 bytes). */
/* What fuzz_guest_program() must leave alone in a fragment. */
enum { FRAG_DR7 = 1, FRAG_INS = 2 };

static void fuzz_op(struct guest *g, struct fuzz_rng *r, uint8_t *p, unsigned int flags,
		    uint8_t *keep)
{
	uint64_t v;
	static const uint8_t prefixes[] = { 0x66, 0xf2, 0xf3, 0xf0 };
	/* Operation class -> FUZZ_OP_* bit, two slots for the common ones. */
	static const uint8_t cls[12] = { 0, 0, 1, 2, 2, 3, 3, 3, 4, 5, 6, 7 };
	unsigned int i, n, k, c;

	do
		c = fuzz_below(r, 12);
	while (!(fuzz_guest_ops & (1U << cls[c])));
	switch (c) {
	case 0:
	case 1:	/* random bytes */
		n = 1 + fuzz_below(r, 15);
		fuzz_fill(r, p, n);
		if ((flags & FUZZ_G_IRQCHIP) && p[0] == 0xf4)
			p[0] = 0x90;
		break;
	case 2:	/* two-byte opcode space, random prefix, ModRM and bytes */
		if (fuzz_one_in(r, 2))
			put8(&p, prefixes[fuzz_below(r, 4)]);
		if (fuzz_one_in(r, 2))
			put8(&p, 0x40 + fuzz_below(r, 16));
		put8(&p, 0x0f);
		fuzz_fill(r, p, 6);
		break;
	case 3:
	case 4: {	/* port I/O */
		static const uint8_t io_ops[][2] = {
			{ 0xec }, { 0x66, 0xed }, { 0xed }, { 0xee }, { 0x66, 0xef }, { 0xef },
			{ 0x6c }, { 0x6d }, { 0x6e }, { 0x6f }, { 0x66, 0x6d }, { 0x66, 0x6f },
		};
		uint16_t port = fuzz_port(r);

		k = fuzz_below(r, ARRAY_SIZE(io_ops));
		put8(&p, 0x66);
		put8(&p, 0xba);
		put8(&p, port);
		put8(&p, port >> 8);
		if (k >= 6) {	/* string: buffer, count, direction, maybe REP */
			/*
			 * okvm fails KVM_RUN with -EFAULT when an INS buffer
			 * is not RAM (known bug 1, docs/testing.md): RAM
			 * only, unless asked for.
			 */
			if (fuzz_known_bugs) {
				mov_imm(&p, fuzz_one_in(r, 2) ? RSI : RDI, fuzz_gpa(g, r));
			} else {
				mov_imm(&p, RSI, fuzz_gpa(g, r));
				mov_imm(&p, RDI, G_DATA + fuzz_below(r, 1 << 20));
				*keep |= FRAG_INS;
			}
			/* Up to a page of words, rarely: each may be an exit. */
			mov_imm(&p, RCX, fuzz_one_in(r, 16) ? fuzz_below(r, 2048) :
					  fuzz_below(r, 17));
			if (fuzz_one_in(r, 4))
				put8(&p, 0xfd);		/* std */
			if (fuzz_one_in(r, 2))
				put8(&p, 0xf3);		/* rep */
		} else {
			mov_imm(&p, RAX, fuzz_rand(r));
		}
		put8(&p, io_ops[k][0]);
		if (io_ops[k][1])
			put8(&p, io_ops[k][1]);
		break;
	}
	case 5:
	case 6:
	case 7:	/* memory access at an MMIO, ROM or RAM address */
		k = fuzz_below(r, ARRAY_SIZE(mem_ops));
		mov_imm(&p, RAX, fuzz_gpa(g, r));
		mov_imm(&p, RBX, fuzz_interesting(r));
		if (fuzz_one_in(r, 4))
			put8(&p, prefixes[fuzz_below(r, 4)]);
		if (fuzz_one_in(r, 3))
			put8(&p, 0x48);			/* REX.W */
		for (i = 0; i < mem_ops[k].len; i++)
			put8(&p, mem_ops[k].op[i]);
		/* ModRM: mod 00, rm 000 = (%rax); reg is the operand or /digit. */
		put8(&p, (mem_ops[k].reg == 0xff ? fuzz_below(r, 8) : mem_ops[k].reg) << 3);
		fuzz_fill(r, p, mem_ops[k].imm);
		break;
	case 8:	/* MSR */
		mov_imm(&p, RCX, fuzz_msr(r));
		mov_imm(&p, RAX, fuzz_interesting(r));
		mov_imm(&p, RDX, fuzz_one_in(r, 2) ? 0 : fuzz_interesting(r));
		put8(&p, 0x0f);
		put8(&p, fuzz_one_in(r, 2) ? 0x30 : 0x32);
		break;
	case 9: {	/* CPUID */
		static const uint32_t base[] = { 0, 0x40000000, 0x80000000, 0x8fffffff };
		uint32_t leaf = base[fuzz_below(r, 4)] + fuzz_below(r, 0x24);

		mov_imm(&p, RAX, fuzz_one_in(r, 8) ? fuzz_rand(r) : leaf);
		mov_imm(&p, RCX, fuzz_below(r, 4) ? fuzz_below(r, 4) : fuzz_rand(r));
		put8(&p, 0x0f);
		put8(&p, 0xa2);
		break;
	}
	case 10:	/* other exiting instructions, registers random-ish */
		k = fuzz_below(r, ARRAY_SIZE(misc_ops));
		v = fuzz_one_in(r, 2) ? fuzz_gpa(g, r) : fuzz_interesting(r);
		if (misc_ops[k][1] == 0x23) {	/* DR7: see fuzz_no_dr_writes() */
			v &= ~0xffULL;
			*keep |= FRAG_DR7;
		}
		mov_imm(&p, RAX, v);
		mov_imm(&p, RCX, fuzz_below(r, 3));
		mov_imm(&p, RDX, fuzz_one_in(r, 2) ? 0 : fuzz_rand(r));
		memcpy(p, misc_ops[k], 3);
		if (misc_ops[k][2] == 0x22)
			p[3] = 0xc0;
		break;
	default:	/* HLT (a user exit without an in-kernel irqchip) */
		*p = (flags & FUZZ_G_IRQCHIP) ? 0x90 : 0xf4;
		break;
	}
}

/*
 * QEMU's TCG (7.2, the test machine's outer hypervisor) crashes in
 * cpu_x86_update_dr7() when a DR7 with enabled breakpoints reaches the
 * virtual CPU (the L2 guest's DR7 is loaded on VMRUN). That is QEMU's bug,
 * not KVM's or okvm's, but it kills the whole test run: programs never
 * hold the bytes of MOV to a debug register (0f 23) anywhere, and the
 * DR7 template writes only values with the enable bits clear.
 */
static void fuzz_no_dr_writes(uint8_t *code, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++)
		if (code[i] == 0x0f && code[i + 1] == 0x23)
			code[i + 1] = 0x90;
}

/*
 * Known bug 1 out of the default run: no INS opcode byte (6c, 6d) but in
 * the string-I/O template, which points RDI at RAM.
 */
static void fuzz_no_ins(uint8_t *code, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (code[i] == 0x6c || code[i] == 0x6d)
			code[i] = 0x90;
}

void fuzz_guest_program(struct guest *g, struct fuzz_rng *r, unsigned int nfrags,
			unsigned int flags)
{
	/* lock incq G_FUZZ_COUNTERS (absolute disp32, no base, no index) */
	static const uint8_t inc[] = {
		0xf0, 0x48, 0xff, 0x04, 0x25,
		G_FUZZ_COUNTERS & 0xff, (G_FUZZ_COUNTERS >> 8) & 0xff,
		(G_FUZZ_COUNTERS >> 16) & 0xff, 0,
	};
	uint8_t keep[FUZZ_MAX_FRAGS] = { 0 };
	unsigned int i;

	if (nfrags > FUZZ_MAX_FRAGS)
		nfrags = FUZZ_MAX_FRAGS;
	fuzz_guest_setup(g);
	for (i = 0; i < nfrags; i++) {
		uint8_t *f = guest_ptr(g, G_CODE + i * FUZZ_FRAG);

		memset(f, 0x90, FUZZ_FRAG);
		fuzz_op(g, r, f, flags, &keep[i]);
		memcpy(f + FUZZ_FRAG - sizeof(inc), inc, sizeof(inc));
	}
	fuzz_no_dr_writes(guest_ptr(g, G_CODE), nfrags * FUZZ_FRAG);
	for (i = 0; i < nfrags; i++) {
		uint8_t *f = guest_ptr(g, G_CODE + i * FUZZ_FRAG);

		/* The DR7 template's own write: its value has no enable bit. */
		if (keep[i] & FRAG_DR7)
			f[16] = 0x23;
		if (!fuzz_known_bugs && !(keep[i] & FRAG_INS))
			fuzz_no_ins(f, FUZZ_FRAG);
	}
	guest_load(g, G_CODE + nfrags * FUZZ_FRAG, fuzz_done_stub,
		   fuzz_done_stub + sizeof(fuzz_done_stub));
	/* Where the exception handler sends a RIP that left the code. */
	guest_load(g, G_CODE + FUZZ_CODE_SIZE, fuzz_done_stub,
		   fuzz_done_stub + sizeof(fuzz_done_stub));
}

int fuzz_guest_reset(struct guest *g, int vcpu, struct fuzz_rng *r)
{
	struct kvm_guest_debug dbg = { .control = KVM_GUESTDBG_ENABLE };
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int ret;

	/*
	 * A fuzzed guest may run a MOV to DR7 (random bytes, or a RIP set
	 * anywhere by the ioctl fuzzer). KVM lets such a MOV run on the CPU
	 * after intercepting the first of an entry, unless userspace debugs
	 * the vCPU, and on the test machine's CPU (QEMU 7.2's TCG) that
	 * corrupts TCG's breakpoint lists: QEMU dies or a CPU hangs
	 * (docs/testing.md). KVM_GUESTDBG_ENABLE alone keeps kvm_amd
	 * emulating every MOV DR; okvm always does and has no guest debug,
	 * so its error is ignored.
	 */
	(void)okvm_ioctl(g->vcpu[vcpu].fd, KVM_SET_GUEST_DEBUG, &dbg);

	ret = guest_set_mode(g, vcpu, GUEST_LONG, G_CODE);
	if (ret)
		return ret;
	ret = guest_set_idt(g, vcpu, G_FUZZ_IDT);
	if (ret)
		return ret;
	/* NX in the page tables needs EFER.NXE (fuzz_guest_setup()). */
	ret = guest_get_sregs(g, vcpu, &sregs);
	if (ret)
		return ret;
	sregs.efer |= FZ_EFER_NXE;
	ret = guest_set_sregs(g, vcpu, &sregs);
	if (ret)
		return ret;
	ret = guest_get_regs(g, vcpu, &regs);
	if (ret)
		return ret;
	/* Operands the templates do not set: pointers into RAM or anything. */
	regs.rbx = fuzz_one_in(r, 2) ? G_DATA + fuzz_below(r, 1 << 20) : fuzz_interesting(r);
	regs.rbp = G_DATA + fuzz_below(r, 1 << 20);
	regs.rsi = G_DATA + fuzz_below(r, 1 << 20);
	regs.rdi = fuzz_known_bugs ? fuzz_interesting(r) : G_DATA + fuzz_below(r, 1 << 20);
	regs.r8 = fuzz_interesting(r);
	regs.r9 = fuzz_gpa(g, r);
	regs.r10 = fuzz_rand(r);
	regs.r11 = G_DATA;
	return guest_set_regs(g, vcpu, &regs);
}

int fuzz_guest_run(struct guest *g, int vcpu, struct fuzz_rng *r, int max_kicks,
		   struct fuzz_guest_stats *st, const char **why)
{
	static __thread char buf[200];
	struct kvm_run *run = g->vcpu[vcpu].run;
	int kicks = 0, exits = 0;
	long ret;

	st->programs++;
	for (;;) {
		/* A program looping on exits (HLT, I/O) ends like one that spins. */
		if (++exits > 64 * FUZZ_MAX_FRAGS)
			return 0;
		ret = guest_run(g, vcpu);
		st->exits++;
		if (ret == -EINTR) {
			st->exit_count[KVM_EXIT_INTR]++;
			if (++kicks >= max_kicks)
				return 0;
			continue;
		}
		if (ret < 0) {
			snprintf(buf, sizeof(buf), "KVM_RUN: %s", strerror(-ret));
			*why = buf;
			return -1;
		}
		if (run->exit_reason < 64)
			st->exit_count[run->exit_reason]++;
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (run->io.port == FUZZ_DONE_PORT &&
			    run->io.direction == KVM_EXIT_IO_OUT)
				return 0;
			if (run->io.direction == KVM_EXIT_IO_IN &&
			    run->io.data_offset + (uint64_t)run->io.size * run->io.count <=
			    (uint64_t)g->run_size)
				fuzz_fill(r, guest_io_data(run), run->io.size * run->io.count);
			break;
		case KVM_EXIT_MMIO:
			if (!run->mmio.is_write)
				fuzz_fill(r, run->mmio.data, sizeof(run->mmio.data));
			break;
		case KVM_EXIT_HLT:
		case KVM_EXIT_SET_TPR:	/* CR8 write, no in-kernel local APIC (KVM) */
			break;
		case KVM_EXIT_INTR:
			if (++kicks >= max_kicks)
				return 0;
			break;
		case KVM_EXIT_SHUTDOWN:
		case KVM_EXIT_INTERNAL_ERROR:
			/* The program wrecked the machine: it ends here. */
			st->resets++;
			return 0;
		default:
			snprintf(buf, sizeof(buf), "unexpected exit: %s", guest_exit_str(run));
			*why = buf;
			return -1;
		}
	}
}

void fuzz_guest_collect(struct guest *g, unsigned int nfrags, struct fuzz_guest_stats *st)
{
	uint64_t *c = guest_ptr(g, G_FUZZ_COUNTERS);
	uint64_t done = c[0], faults = c[1];

	/* The guest may have scribbled on its counters: never over-count. */
	if (done > nfrags)
		done = nfrags;
	if (faults > nfrags)
		faults = nfrags;
	st->frags += nfrags;
	st->completed += done;
	st->faults += faults;
	st->irqs += c[2] > 1000000 ? 0 : c[2];
}
