// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest isolation: a guest that scans its guest-physical address space up
 * to its MAXPHYADDR sees its memslots and nothing else (every read outside
 * them is an MMIO exit at exactly that address, never host memory); a
 * read-only slot is never written (every write exits as MMIO and the host
 * memory stays as it was); and a host unmap reaches the guest at once: once
 * MADV_DONTNEED, a host write or a new mapping has returned, the guest's
 * next read sees the new contents, never the old page.
 */
#include <pthread.h>

#include "kselftest_harness.h"
#include "lib/fuzz.h"
#include "lib/guest_fixture.h"

/* The scan window: linear 512 GiB -> one 4 KiB PTE the guest rewrites. */
#define WIN_LINEAR	0x8000000000UL
#define WIN_PDPT	0x30000UL
#define WIN_PD		0x31000UL
#define WIN_PT		0x32000UL
#define PROBES		0x200000UL	/* probe GPAs (u64), ~0 ends the list */
#define RESULTS		0x280000UL	/* what each read returned */
#define MAX_PROBES	(0x80000 / 8 - 1)
#define TAG(gpa)	((gpa) ^ 0x5a5a5a5a00000000ULL)
#define SENTINEL(gpa)	(~(gpa))

GUEST_CODE(scan_guest, ".code64",
	"mov $0x200000, %rsi\n"
	"mov $0x280000, %rdi\n"
	"movabs $0x8000000000, %rcx\n"
	"1: mov (%rsi), %rax\n"
	"cmp $-1, %rax\n"
	"je 9f\n"
	"mov %rax, %rbx\n"
	"and $~0xfff, %rbx\n"
	"or $3, %rbx\n"
	"mov %rbx, 0x32000\n"		/* WIN_PT[0] */
	"invlpg (%rcx)\n"
	"mov %eax, %edx\n"
	"and $0xfff, %edx\n"
	"mov (%rcx,%rdx), %rbx\n"
	"mov %rbx, (%rdi)\n"
	"add $8, %rsi\n"
	"add $8, %rdi\n"
	"jmp 1b\n"
	"9: out %al, $0x10\n"
	"hlt\n");

struct slot_def {
	uint64_t gpa, size;
	unsigned int flags;
	uint8_t *hva;
};

static int in_slots(struct slot_def *s, int n, uint64_t gpa)
{
	int i;

	for (i = 0; i < n; i++)
		if (gpa >= s[i].gpa && gpa + 8 <= s[i].gpa + s[i].size)
			return i;
	return -1;
}

static unsigned int guest_maxphyaddr(struct guest *g)
{
	unsigned int i;

	for (i = 0; i < g->cpuid->nent; i++)
		if (g->cpuid->entries[i].function == 0x80000008)
			return g->cpuid->entries[i].eax & 0xff;
	return 36;
}

TEST_F_TIMEOUT(g, gpa_scan_sees_only_slots, 120)
{
	struct slot_def s[4] = {
		{ 0, G_MEM_DEFAULT, 0, NULL },
		{ 0x10000000, 2 << 20, 0, NULL },		/* 256 MiB */
		{ 0x140000000ULL, 2 << 20, 0, NULL },		/* 5 GiB */
		{ 0x20000000, 1 << 20, KVM_MEM_READONLY, NULL },
	};
	uint64_t *probes, *results, gpa, maxpa;
	struct kvm_run *run;
	unsigned int n = 0, i, next = 0, exits = 0, phys;
	int k;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, scan_guest,
			     scan_guest_end), 0);
	run = self->g.vcpu[0].run;
	s[0].hva = self->g.mem;
	for (k = 1; k < 4; k++) {
		s[k].hva = mmap(NULL, s[k].size, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(s[k].hva, MAP_FAILED);
		ASSERT_EQ(guest_set_slot(&self->g, k, s[k].flags, s[k].gpa, s[k].size,
					 s[k].hva), 0);
	}
	/* The window: PML4[1] -> PDPT -> PD -> PT. */
	((uint64_t *)guest_ptr(&self->g, G_PML4))[1] = WIN_PDPT | 3;
	((uint64_t *)guest_ptr(&self->g, WIN_PDPT))[0] = WIN_PD | 3;
	((uint64_t *)guest_ptr(&self->g, WIN_PD))[0] = WIN_PT | 3;

	phys = guest_maxphyaddr(&self->g);
	ASSERT_GE(phys, 36);
	maxpa = 1ULL << (phys > 52 ? 52 : phys);
	probes = guest_ptr(&self->g, PROBES);
	results = guest_ptr(&self->g, RESULTS);
#define PROBE(a) do { if ((a) < maxpa && n < MAX_PROBES) probes[n++] = (a); } while (0)
	/* Every 16 MiB up to 64 GiB, then around each power of two. */
	for (gpa = 0; gpa < (64ULL << 30); gpa += 16 << 20)
		PROBE(gpa + 0x1000);
	for (i = 36; i <= 52; i++) {
		PROBE((1ULL << i) - 0x1000);
		PROBE(1ULL << i);
		PROBE((1ULL << i) + 0x7000);
	}
	PROBE(maxpa - 8);
	/* Each slot: its edges inside, and the bytes just outside. */
	for (k = 1; k < 4; k++) {
		PROBE(s[k].gpa);
		PROBE(s[k].gpa + s[k].size / 2);
		PROBE(s[k].gpa + s[k].size - 8);
		PROBE(s[k].gpa + s[k].size);
		PROBE(s[k].gpa - 8);
	}
	PROBE(G_MEM_DEFAULT - 8);
	PROBE(G_MEM_DEFAULT);
	probes[n] = ~0ULL;
	/* Tags where a probe lands in a slot (never over the guest's own data). */
	for (i = 0; i < n; i++) {
		k = in_slots(s, 4, probes[i]);
		if (k > 0)
			*(uint64_t *)(s[k].hva + (probes[i] - s[k].gpa)) = TAG(probes[i]);
		else if (k == 0 && probes[i] != 0x1000)
			*(uint64_t *)guest_ptr(&self->g, probes[i]) = TAG(probes[i]);
	}
	/* GPA 0x1000 is the PML4: its first entry is what the guest reads. */

	for (;;) {
		ASSERT_EQ(guest_run(&self->g, 0), 0);
		if (run->exit_reason != KVM_EXIT_MMIO)
			break;
		/* The next probe outside every slot, and nothing else, exits. */
		while (next < n && in_slots(s, 4, probes[next]) >= 0)
			next++;
		ASSERT_LT(next, n) TH_LOG("MMIO exit after the last probe: %s",
					  guest_exit_str(run));
		ASSERT_EQ(run->mmio.is_write, 0);
		ASSERT_EQ(run->mmio.len, 8);
		ASSERT_EQ(run->mmio.phys_addr, probes[next])
			TH_LOG("probe %u: exit at %#llx", next,
			       (unsigned long long)run->mmio.phys_addr);
		gpa = SENTINEL(probes[next]);
		memcpy(run->mmio.data, &gpa, 8);
		next++;
		exits++;
	}
	ASSERT_EQ(run->exit_reason, KVM_EXIT_IO) TH_LOG("%s", guest_exit_str(run));
	for (i = 0; i < n; i++) {
		k = in_slots(s, 4, probes[i]);
		if (k < 0) {
			EXPECT_EQ(results[i], SENTINEL(probes[i]))
				TH_LOG("gpa %#llx (no slot)", (unsigned long long)probes[i]);
		} else if (k > 0 || probes[i] != 0x1000) {
			EXPECT_EQ(results[i], TAG(probes[i]))
				TH_LOG("gpa %#llx (slot %d)", (unsigned long long)probes[i], k);
		}
	}
	TH_LOG("%u probes up to MAXPHYADDR %u, %u outside the slots", n, phys, exits);
	for (k = 1; k < 4; k++)
		munmap(s[k].hva, s[k].size);
}

/*
 * Writes of every width and several instruction forms into a read-only
 * slot: each exits as an MMIO write with the guest's data; the slot's
 * host memory is unchanged, and reads return it.
 */
#define ROM_GPA		0x20000000UL
#define ROM_SIZE	(64UL << 10)
GUEST_CODE(rom_guest, ".code64",
	"mov $0x20000000, %esi\n"
	"movabs $0x1122334455667788, %rax\n"
	"movb %al, 0x10(%rsi)\n"
	"movw %ax, 0x20(%rsi)\n"
	"movl %eax, 0x30(%rsi)\n"
	"movq %rax, 0x40(%rsi)\n"
	"mov 0x80(%rsi), %rbx\n"		/* a read: no exit, host data */
	"mov %rbx, 0x100000\n"
	"mov 0xfff8(%rsi), %rbx\n"
	"mov %rbx, 0x100008\n"
	"out %al, $0x10\n"
	"hlt\n");

/* Read-modify-write and string forms (known bug 2 on okvm: see below). */
GUEST_CODE(rom_rmw_guest, ".code64",
	"mov $0x20000000, %esi\n"
	"movabs $0x1122334455667788, %rax\n"
	"movb %al, 0x10(%rsi)\n"
	"movw %ax, 0x20(%rsi)\n"
	"movl %eax, 0x30(%rsi)\n"
	"movq %rax, 0x40(%rsi)\n"
	"addl $5, 0x50(%rsi)\n"
	"xchg %rax, 0x60(%rsi)\n"
	"btsq $3, 0x70(%rsi)\n"
	"lea 0x100(%rsi), %rdi\n"
	"mov $3, %ecx\n"
	"cld\n"
	"rep stosq\n"
	"movq %rax, 0xffc(%rsi)\n"		/* across two pages of the slot */
	"mov 0x80(%rsi), %rbx\n"
	"mov %rbx, 0x100000\n"
	"mov 0xfff8(%rsi), %rbx\n"
	"mov %rbx, 0x100008\n"
	"out %al, $0x10\n"
	"hlt\n");

static void rom_test(struct __test_metadata *_metadata, struct guest *g,
		     const uint8_t *code, const uint8_t *code_end, unsigned int min_exits)
{
	static const struct { uint64_t off; uint32_t len; } want[] = {
		{ 0x10, 1 }, { 0x20, 2 }, { 0x30, 4 }, { 0x40, 8 },
	};
	uint8_t *rom, *copy;
	struct kvm_run *run;
	unsigned int i, exits = 0;
	uint64_t v;

	ASSERT_EQ(guest_init(g, G_MEM_DEFAULT, GUEST_LONG, code, code_end), 0);
	run = g->vcpu[0].run;
	rom = mmap(NULL, ROM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(rom, MAP_FAILED);
	for (i = 0; i < ROM_SIZE; i++)
		rom[i] = (uint8_t)(i * 7 + 3);
	copy = malloc(ROM_SIZE);
	memcpy(copy, rom, ROM_SIZE);
	ASSERT_EQ(guest_set_slot(g, 1, KVM_MEM_READONLY, ROM_GPA, ROM_SIZE, rom), 0);

	for (;;) {
		ASSERT_EQ(guest_run(g, 0), 0);
		if (run->exit_reason != KVM_EXIT_MMIO)
			break;
		/* Every exit is a write into the slot. */
		ASSERT_EQ(run->mmio.is_write, 1) TH_LOG("%s", guest_exit_str(run));
		ASSERT_GE(run->mmio.phys_addr, ROM_GPA);
		ASSERT_LE(run->mmio.phys_addr + run->mmio.len, ROM_GPA + ROM_SIZE);
		if (exits < 4) {
			ASSERT_EQ(run->mmio.phys_addr, ROM_GPA + want[exits].off);
			ASSERT_EQ(run->mmio.len, want[exits].len);
			v = 0;
			memcpy(&v, run->mmio.data, run->mmio.len);
			EXPECT_EQ(v, 0x1122334455667788ULL &
				  (want[exits].len == 8 ? ~0ULL : (1ULL << (8 * want[exits].len)) - 1));
		}
		exits++;
	}
	if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR) {
		struct kvm_regs regs;

		guest_get_regs(g, 0, &regs);
		TH_LOG("internal error at rip %#llx after %u exits, data %#llx %#llx",
		       (unsigned long long)regs.rip, exits,
		       (unsigned long long)run->internal.data[0],
		       (unsigned long long)run->internal.data[1]);
	}
	ASSERT_EQ(run->exit_reason, KVM_EXIT_IO) TH_LOG("%s", guest_exit_str(run));
	EXPECT_GE(exits, min_exits);
	EXPECT_EQ(memcmp(rom, copy, ROM_SIZE), 0);
	EXPECT_EQ(memcmp(guest_ptr(g, 0x100000), rom + 0x80, 8), 0);
	EXPECT_EQ(memcmp(guest_ptr(g, 0x100008), rom + 0xfff8, 8), 0);
	free(copy);
	munmap(rom, ROM_SIZE);
}

/*
 * A seqlock between host and guest: the host makes gen odd, changes the
 * page behind GPA UNMAP_GPA (MADV_DONTNEED, a write, a new anonymous or
 * file mapping), stores the value the guest must now read, and makes gen
 * even. The guest reads gen, the expected value, the page, and gen again;
 * with gen even and unchanged, the page must hold the expected value. A
 * stale mapping in the guest's nested page tables shows as OUT 0x99.
 */
TEST_F(g, readonly_slot_never_written)
{
	/* 4 plain writes. */
	rom_test(_metadata, &self->g, rom_guest, rom_guest_end, 4);
}

/*
 * A write across two pages of the read-only slot, read-modify-write and
 * string forms. kvm_amd exits as MMIO writes (the split one as two); okvm
 * fails the page-crossing one with an emulation failure
 * (KVM_EXIT_INTERNAL_ERROR): known bug 2 (docs/testing.md), run with
 * OKVM_KNOWN_BUGS=1.
 */
TEST_F(g, readonly_slot_rmw_never_written)
{
	if (!fuzz_env("OKVM_KNOWN_BUGS", 0))
		SKIP(return, "okvm known bug 2: OKVM_KNOWN_BUGS=1 runs it");
	/* 4 plain, add, xchg, bts, 3 stos, 2 split. */
	rom_test(_metadata, &self->g, rom_rmw_guest, rom_rmw_guest_end, 12);
}

#define UNMAP_GPA	0x400000UL
#define SEQ_CTRL		0x300000UL	/* gen, expected, iterations */
GUEST_CODE(seq_guest, ".code64",
	"mov $0x300000, %esi\n"
	"mov $0x400000, %edi\n"
	"1: mov (%rsi), %rax\n"		/* gen */
	"mov 8(%rsi), %rbx\n"		/* expected */
	"mov (%rdi), %rcx\n"		/* the page */
	"mov (%rsi), %rdx\n"		/* gen again */
	"incq 16(%rsi)\n"
	"test $1, %al\n"
	"jnz 1b\n"
	"cmp %rax, %rdx\n"
	"jne 1b\n"
	"cmp %rbx, %rcx\n"
	"je 1b\n"
	"out %eax, $0x99\n"
	"jmp 1b\n");

struct seq_ctx {
	struct guest *g;
	volatile int stop, bad;
	volatile uint64_t bad_gen;
	volatile long err;
};

static void *seq_vcpu(void *arg)
{
	struct seq_ctx *c = arg;
	struct kvm_run *run = c->g->vcpu[0].run;
	long ret;

	while (!c->stop) {
		ret = guest_run(c->g, 0);
		if (ret == -EINTR)	/* kicked */
			continue;
		if (ret < 0) {
			c->err = ret;
			break;
		}
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == 0x99) {
			c->bad++;
			c->bad_gen = guest_out32(run);
		} else {
			c->err = -1000 - run->exit_reason;
			break;
		}
	}
	return NULL;
}

TEST_F_TIMEOUT(g, host_unmap_reaches_guest_at_once, 120)
{
	struct seq_ctx c = { .g = &self->g };
	volatile uint64_t *ctrl;
	struct fuzz_rng r;
	uint8_t *page;
	uint64_t gen = 0, want, it;
	int memfd, step, i;
	pthread_t t;
	void *p;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, seq_guest,
			     seq_guest_end), 0);
	fuzz_kick_install();
	fuzz_rng_seed(&r, 1);
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(page, MAP_FAILED);
	ASSERT_EQ(guest_set_slot(&self->g, 1, 0, UNMAP_GPA, 4096, page), 0);
	memfd = memfd_create("seq", 0);
	ASSERT_GE(memfd, 0);
	ASSERT_EQ(ftruncate(memfd, 4096), 0);
	ctrl = guest_ptr(&self->g, SEQ_CTRL);
	*(volatile uint64_t *)page = 0x1234;
	ctrl[1] = 0x1234;
	ctrl[0] = 0;
	ASSERT_EQ(pthread_create(&t, NULL, seq_vcpu, &c), 0);

	for (step = 0; step < 200 && !c.err; step++) {
		/* The guest has been sampling the current state for a while. */
		it = ctrl[2];
		for (i = 0; i < 2000 && ctrl[2] < it + 200; i++)
			usleep(1000);
		__atomic_store_n(&ctrl[0], ++gen, __ATOMIC_SEQ_CST);	/* odd */
		/* (MADV_DONTNEED follows a private anonymous mapping: zeros.) */
		switch (step % 4) {
		case 0:
			p = mmap(page, 4096, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			ASSERT_EQ(p, (void *)page);
			want = 0;
			break;
		case 1:
			want = fuzz_rand(&r);
			*(volatile uint64_t *)page = want;
			break;
		case 2:
			ASSERT_EQ(madvise(page, 4096, MADV_DONTNEED), 0);
			want = 0;
			break;
		default:
			want = fuzz_rand(&r);
			ASSERT_EQ(pwrite(memfd, &want, 8, 0), 8);
			p = mmap(page, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
				 memfd, 0);
			ASSERT_EQ(p, (void *)page);
			break;
		}
		ctrl[1] = want;
		__atomic_store_n(&ctrl[0], ++gen, __ATOMIC_SEQ_CST);	/* even */
	}
	c.stop = 1;
	for (i = 0; i < 100; i++) {
		pthread_kill(t, FUZZ_KICK_SIG);
		usleep(10000);
	}
	pthread_join(t, NULL);
	EXPECT_EQ(c.err, 0);
	EXPECT_EQ(c.bad, 0) TH_LOG("the guest read a stale page (gen %llu)",
				   (unsigned long long)c.bad_gen);
	EXPECT_GT(ctrl[2], 200 * 100) TH_LOG("the guest sampled too little: %llu",
					     (unsigned long long)ctrl[2]);
	TH_LOG("%d host changes, %llu guest samples", step, (unsigned long long)ctrl[2]);
	close(memfd);
	munmap(page, 4096);
}

TEST_HARNESS_MAIN
