/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by okvm's fuzzers (ioctl_fuzz_test, guest_fuzz_test) and
 * the teardown/isolation tests: a seeded PRNG, run parameters from the
 * environment, a "kick" signal that pulls a thread out of KVM_RUN, the
 * kernel-log splat check, okvm's leak counters, and random guest programs
 * with the exception handlers that keep them running.
 *
 * KVM's ABI only, like lib/guest.h: everything here runs against okvm and
 * in-tree KVM alike.
 */
#ifndef OKVM_FUZZ_H
#define OKVM_FUZZ_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "guest.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* xorshift64*: small, fast, and the same sequence for the same seed. */
struct fuzz_rng {
	uint64_t s;
};

static inline void fuzz_rng_seed(struct fuzz_rng *r, uint64_t seed)
{
	/* splitmix64 step: any seed (even 0) gives a usable non-zero state. */
	uint64_t z = seed + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	r->s = (z ^ (z >> 31)) | 1;
}

static inline uint64_t fuzz_rand(struct fuzz_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

/* Uniform in [0, n); n > 0. */
static inline uint64_t fuzz_below(struct fuzz_rng *r, uint64_t n)
{
	return fuzz_rand(r) % n;
}

/* True one time in n. */
static inline bool fuzz_one_in(struct fuzz_rng *r, uint64_t n)
{
	return fuzz_below(r, n) == 0;
}

/* A value that tends to sit on a boundary: 0, 1, -1, powers of two +-1, random. */
uint64_t fuzz_interesting(struct fuzz_rng *r);
void fuzz_fill(struct fuzz_rng *r, void *buf, size_t len);

/*
 * Run parameters: $name as a number (0x.. accepted), or def. The seed is
 * $OKVM_FUZZ_SEED or one made from the time; fuzz_seed() prints it.
 */
long fuzz_env(const char *name, long def);
uint64_t fuzz_seed(const char *test);

/*
 * The kick signal (SIGUSR1, no SA_RESTART): a thread in KVM_RUN returns
 * -EINTR (KVM_EXIT_INTR). fuzz_kicker_start() sends it to the registered
 * threads every period_ms until fuzz_kicker_stop().
 */
#define FUZZ_KICK_SIG	SIGUSR1
#define FUZZ_MAX_KICKED	64
void fuzz_kick_install(void);
struct fuzz_kicker {
	pthread_t thread;
	pthread_t targets[FUZZ_MAX_KICKED];
	volatile int nr_targets;
	volatile int stop;
	int period_ms;
	pthread_mutex_t lock;
};
int fuzz_kicker_start(struct fuzz_kicker *k, int period_ms);
void fuzz_kicker_add(struct fuzz_kicker *k, pthread_t t);
void fuzz_kicker_stop(struct fuzz_kicker *k);

/*
 * Kernel log: fuzz_kmsg_open() returns /dev/kmsg positioned at its end
 * (or -1); fuzz_kmsg_splats() reads what was logged since and prints and
 * counts the lines that are kernel splats (WARNING, BUG, KASAN, lockdep...).
 */
int fuzz_kmsg_open(void);
int fuzz_kmsg_splats(int fd);
/* The same, and each(message text, arg) for every record read. */
int fuzz_kmsg_scan(int fd, void (*each)(const char *msg, void *arg), void *arg);

/*
 * okvm's live-object counters (docs/testing.md, "Leak checks"); all -1
 * when absent (in-tree KVM). fuzz_counters_settle() waits up to 10 s for
 * them to come back to base (RCU-deferred frees) and returns 0 if they do.
 */
struct fuzz_counters {
	long vms, vcpus, pages;
};
void fuzz_counters_read(struct fuzz_counters *c);
int fuzz_counters_settle(const struct fuzz_counters *base, struct fuzz_counters *now);

/*
 * Random guest programs (64-bit mode, lib/guest.c's layout). The code at
 * G_CODE is FUZZ_FRAGS fragments of FUZZ_FRAG bytes: one fuzzed operation
 * (random bytes, or a port, MMIO, MSR, CPUID access with random operands),
 * NOP padding, then an increment of the "completed" counter. An IDT with
 * IST stacks sends every exception to a handler that counts it and
 * resumes at the next fragment, so a faulting instruction does not end
 * the program; interrupts return where they hit. The last fragment writes
 * FUZZ_DONE_PORT. Only the code and the stubs are executable (EFER.NXE,
 * NX on every other page): a wild jump into data the program wrote (IN
 * data, MMIO results) faults instead of running it. Random code can still wreck the machine (LIDT, CR
 * writes): that ends in a shutdown or an emulation failure, and the host
 * rebuilds the state with fuzz_guest_reset().
 */
#define FUZZ_FRAG		32
#define FUZZ_CODE_SIZE		0x8000UL
#define FUZZ_MAX_FRAGS		(FUZZ_CODE_SIZE / FUZZ_FRAG)
#define FUZZ_DONE_PORT		0xf4f4
#define G_FUZZ_IDT		0x8000UL	/* 256 gates of 16 bytes */
#define G_FUZZ_STUBS		0x9000UL	/* 256 stubs of 16 bytes + common */
#define G_FUZZ_COUNTERS		0xc000UL	/* completed, faults, interrupts */
#define G_FUZZ_PT		0xd000UL	/* 4 KiB pages of the first 2 MiB */
#define G_FUZZ_IST_TOP		0x1f0000UL
#define G_FUZZ_ROM		0x400000UL	/* read-only slot, when present */

enum fuzz_guest_flags {
	FUZZ_G_IRQCHIP = 1 << 0,	/* the VM has KVM_CREATE_IRQCHIP: no HLT */
	FUZZ_G_ROM = 1 << 1,		/* a read-only slot at G_FUZZ_ROM */
};

/*
 * Operation classes a program draws from (fuzz_guest_ops; the
 * OKVM_FUZZ_GUEST_OPS mask chooses them, FUZZ_OP_DEFAULT without it).
 */
enum fuzz_op_class {
	FUZZ_OP_RAW = 1 << 0,		/* random bytes */
	FUZZ_OP_0F = 1 << 1,		/* random two-byte opcodes */
	FUZZ_OP_PIO = 1 << 2,		/* IN/OUT/INS/OUTS, REP */
	FUZZ_OP_MEM = 1 << 3,		/* memory operand at MMIO/ROM/RAM */
	FUZZ_OP_MSR = 1 << 4,		/* RDMSR/WRMSR */
	FUZZ_OP_CPUID = 1 << 5,
	FUZZ_OP_MISC = 1 << 6,		/* XSETBV, VMMCALL, DR/CR8, INT3... */
	FUZZ_OP_HLT = 1 << 7,
	FUZZ_OP_ALL = 0xff,
	/*
	 * The default: random bytes (RAW, 0F) only on request. They crash
	 * QEMU 7.2's TCG itself now and then ("tcg fatal error" in
	 * tcg_gen_code, on okvm and kvm_amd alike; docs/testing.md), which
	 * would fail whole test runs for QEMU's bug.
	 */
	FUZZ_OP_DEFAULT = FUZZ_OP_ALL & ~(FUZZ_OP_RAW | FUZZ_OP_0F),
};
extern unsigned int fuzz_guest_ops;
/*
 * $OKVM_KNOWN_BUGS=1: also generate the inputs that hit the known okvm
 * bugs listed in docs/testing.md (left out of the default run).
 */
extern int fuzz_known_bugs;

struct fuzz_guest_stats {
	uint64_t programs, frags, completed, faults, irqs, exits, resets;
	uint64_t exit_count[64];
};

/* Write IDT, stubs and TSS IST into g's memory (after guest_create). */
void fuzz_guest_setup(struct guest *g);
/* A new program of nfrags fragments at G_CODE. */
void fuzz_guest_program(struct guest *g, struct fuzz_rng *r, unsigned int nfrags,
			unsigned int flags);
/* Registers for a program start (long mode, random GPRs); 0 or -errno. */
int fuzz_guest_reset(struct guest *g, int vcpu, struct fuzz_rng *r);
/*
 * Run the loaded program on vcpu until it writes FUZZ_DONE_PORT, wrecks
 * itself, or has been kicked max_kicks times. Every exit is answered
 * (IN/MMIO reads get random data). Returns 0, or -1 with *why set on an
 * exit KVM never produces for such a guest (a test failure).
 */
int fuzz_guest_run(struct guest *g, int vcpu, struct fuzz_rng *r, int max_kicks,
		   struct fuzz_guest_stats *st, const char **why);
/* The completed/faults/irqs counters, clamped to nfrags, added to st. */
void fuzz_guest_collect(struct guest *g, unsigned int nfrags, struct fuzz_guest_stats *st);

#endif /* OKVM_FUZZ_H */
