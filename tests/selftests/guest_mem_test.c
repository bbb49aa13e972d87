// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest memory: accesses that straddle two memslots (and a memslot and
 * unbacked GPA space), memory backed by transparent huge pages, and host
 * changes to guest memory while the guest runs (MADV_DONTNEED, a new
 * mapping over the old one): the guest must see the new contents, never
 * the old page. KVM_PRE_FAULT_MEMORY maps memory before the guest runs.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kselftest_harness.h"
#include "lib/guest.h"
#include "lib/guest_fixture.h"


/*
 * Slot 0 is GPA 0..4M, slot 1 (another host mapping) 4M..6M, nothing
 * above 6M. Loads and stores across 4M touch both slots; string copies
 * cross it; an 8-byte load across 6M is half RAM, half MMIO.
 */
#define SLOT1_GPA	0x400000UL
#define SLOT1_SIZE	0x200000UL
GUEST_CODE(straddle_guest, ".code64",
	"mov $0x3ffffc, %esi\n"
	"mov (%rsi), %rax\n"		/* 4 bytes from each slot */
	"mov %rax, 0x100000\n"
	"movabs $0x1122334455667788, %rbx\n"
	"mov %rbx, 0x3ffffa\n"		/* 6 bytes + 2 bytes */
	"cld\n"
	"mov $0x3ff800, %esi\n"		/* copy 4 KiB across the boundary out */
	"mov $0x200000, %edi\n"
	"mov $0x1000, %ecx\n"
	"rep movsb\n"
	"mov $0x201000, %esi\n"		/* and 2 KiB in, across it */
	"mov $0x3ffc00, %edi\n"
	"mov $0x800, %ecx\n"
	"rep movsb\n"
	"mov $0x5ffffc, %esi\n"
	"mov (%rsi), %rax\n"		/* 4 bytes of RAM, 4 of MMIO at 6M */
	"mov %rax, 0x100008\n"
	"hlt\n");

TEST_F(g, memslot_boundary)
{
	uint8_t *s1, *m;
	struct kvm_run *run;
	unsigned int i;
	uint64_t v;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, straddle_guest,
			     straddle_guest_end), 0);
	run = self->g.vcpu[0].run;
	m = self->g.mem;
	s1 = mmap(NULL, SLOT1_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(s1, MAP_FAILED);
	ASSERT_EQ(guest_set_slot(&self->g, 1, 0, SLOT1_GPA, SLOT1_SIZE, s1), 0);
	for (i = 0; i < 0x1000; i++) {
		m[SLOT1_GPA - 0x1000 + i] = (uint8_t)(i * 3 + 1);
		s1[i] = (uint8_t)(i * 5 + 2);
		m[0x201000 + i] = (uint8_t)(i * 11 + 7);
	}
	s1[SLOT1_SIZE - 4] = 0xa1;
	s1[SLOT1_SIZE - 3] = 0xa2;
	s1[SLOT1_SIZE - 2] = 0xa3;
	s1[SLOT1_SIZE - 1] = 0xa4;

	/* Expected before the guest changes anything. */
	uint8_t want_load[8], want_copy[0x1000];

	memcpy(want_load, m + SLOT1_GPA - 4, 4);
	memcpy(want_load + 4, s1, 4);
	memcpy(want_copy, m + SLOT1_GPA - 0x800, 0x800);
	memcpy(want_copy + 0x800, s1, 0x800);
	/* The 8-byte store lands in the first copy's source: 6 + 2 bytes. */
	v = 0x1122334455667788ULL;
	memcpy(want_copy + 0x800 - 6, &v, 6);
	memcpy(want_copy + 0x800, (uint8_t *)&v + 6, 2);

	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_MMIO_EXIT(run, 0, 0x600000, 4);
	memcpy(run->mmio.data, "\xb1\xb2\xb3\xb4", 4);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(run, KVM_EXIT_HLT);

	EXPECT_EQ(memcmp(m + G_DATA, want_load, 8), 0);
	EXPECT_EQ(memcmp(m + 0x200000, want_copy, 0x1000), 0);
	EXPECT_EQ(memcmp(m + SLOT1_GPA - 0x400, m + 0x201000, 0x400), 0);
	EXPECT_EQ(memcmp(s1, m + 0x201400, 0x400), 0);
	EXPECT_EQ(memcmp(m + G_DATA + 8, "\xa1\xa2\xa3\xa4\xb1\xb2\xb3\xb4", 8), 0);
	munmap(s1, SLOT1_SIZE);
}

/* Bytes of AnonHugePages in the mapping that starts at addr. */
static long thp_kb(void *addr)
{
	unsigned long start, end;
	char line[256];
	long kb = -1;
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* A mapping's header line; its fields follow it. */
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2)
			in = start == (unsigned long)addr;
		else if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static int thp_enabled(void)
{
	char buf[64] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return !strstr(buf, "[never]") && buf[0];
}

/*
 * 4 MiB at GPA 1G, backed by 2 MiB-aligned anonymous memory with
 * MADV_HUGEPAGE (MAP_HUGETLB needs a reserved pool the test guest does
 * not have). The guest writes every 4 KiB page and sums them back; then
 * the host zaps one 4 KiB page inside a huge page (splitting it) and the
 * guest must read zeros there and the old values everywhere else.
 */
#define HUGE_GPA	0x40000000UL
#define HUGE_SIZE	(4UL << 20)
GUEST_CODE(huge_guest, ".code64",
	"mov $0x40000000, %esi\n"
	"xor %ecx, %ecx\n"
	"1: mov %rcx, %rax\n"
	"imul $0x1e3779b1, %rax\n"
	"mov %rax, 8(%rsi,%rcx,8)\n"	/* page i: (i * K) at offset 8 + 8i */
	"add $0x1ff, %rcx\n"		/* ...i.e. rcx steps 0x1ff qwords + 1 */
	"inc %rcx\n"
	"cmp $0x80000, %rcx\n"		/* 4 MiB / 8 */
	"jb 1b\n"
	"0: xor %ecx, %ecx\n"
	"xor %ebx, %ebx\n"
	"2: mov 8(%rsi,%rcx,8), %rax\n"
	"add %rax, %rbx\n"
	"add $0x200, %rcx\n"
	"cmp $0x80000, %rcx\n"
	"jb 2b\n"
	"mov %rbx, 0x100000\n"
	"out %eax, $0x10\n"
	"jmp 0b\n");

TEST_F(g, huge_pages)
{
	uint64_t sum = 0, k = 0x1e3779b1ULL, *h;
	uint8_t *raw;
	struct kvm_run *run;
	unsigned int i;
	long kb;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, huge_guest, huge_guest_end), 0);
	run = self->g.vcpu[0].run;
	raw = mmap(NULL, HUGE_SIZE + (2UL << 20), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(raw, MAP_FAILED);
	h = (uint64_t *)(((uintptr_t)raw + (2UL << 20) - 1) & ~((2UL << 20) - 1));
	ASSERT_EQ(madvise(h, HUGE_SIZE, MADV_HUGEPAGE), 0);
	ASSERT_EQ(guest_set_slot(&self->g, 1, 0, HUGE_GPA, HUGE_SIZE, h), 0);

	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x10, 4, 1);
	for (i = 0; i < HUGE_SIZE / 4096; i++) {
		uint64_t want = (uint64_t)i * 512 * k;

		ASSERT_EQ(h[i * 512 + 1], want) TH_LOG("page %u", i);
		sum += want;
	}
	EXPECT_EQ(*(uint64_t *)guest_ptr(&self->g, G_DATA), sum);
	kb = thp_kb(h);
	TH_LOG("AnonHugePages of the guest's 4 MiB: %ld kB", kb);
	/* The guest's faults went through GUP on an aligned, madvised VMA. */
	if (thp_enabled())
		EXPECT_GT(kb, 0);

	/* Zap page 700 (inside the second huge page) while it is mapped. */
	ASSERT_EQ(madvise((uint8_t *)h + 700 * 4096UL, 4096, MADV_DONTNEED), 0);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x10, 4, 1);
	EXPECT_EQ(*(uint64_t *)guest_ptr(&self->g, G_DATA), sum - 700ULL * 512 * k);
	/* And a host write to another page is what the guest reads next. */
	h[100 * 512 + 1] += 5;
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x10, 4, 1);
	EXPECT_EQ(*(uint64_t *)guest_ptr(&self->g, G_DATA), sum - 700ULL * 512 * k + 5);
	munmap(raw, HUGE_SIZE + (2UL << 20));
}

/*
 * The guest spins reading one qword at ZAP_GPA and reports every change
 * of it with OUT 0x50 (the low 32 bits), counting its loops at
 * ZAP_COUNT. The test's main thread changes the backing under it while
 * a second thread has the vCPU in the guest. Each step waits for the report it expects; a
 * guest that keeps reading the old page never reports, and the step
 * times out.
 */
#define ZAP_GPA		0x300000UL
#define ZAP_COUNT	0x100000UL
GUEST_CODE(zap_guest, ".code64",
	"mov $0x300000, %esi\n"
	"mov (%rsi), %rbx\n"
	"1: incq 0x100000\n"
	"mov (%rsi), %rax\n"
	"cmp %rax, %rbx\n"
	"je 1b\n"
	"mov %rax, %rbx\n"
	"out %eax, $0x50\n"
	"jmp 1b\n");

struct zap_ctx {
	struct guest *g;
	volatile int stop;
	volatile int nr_reports;
	volatile uint32_t reports[16];
	volatile int error;	/* an exit other than the report, or KVM_RUN failed */
	volatile int allow_efault;	/* the page is unmapped for a moment */
	int efaults;
	char what[160];
};

static void zap_sig(int sig)
{
}

static void *zap_vcpu(void *arg)
{
	struct zap_ctx *z = arg;
	struct kvm_run *run = z->g->vcpu[0].run;
	long r;

	while (!z->stop) {
		r = guest_run(z->g, 0);
		if (r == -EINTR)
			continue;
		/*
		 * Between munmap() and the new mmap() the guest page has no
		 * host page at all: KVM_RUN fails with -EFAULT, and works
		 * again once the new mapping is there.
		 */
		if (r == -EFAULT && z->allow_efault) {
			z->efaults++;
			usleep(1000);
			continue;
		}
		if (r) {
			snprintf(z->what, sizeof(z->what), "KVM_RUN: %ld", r);
			z->error = 1;
			break;
		}
		if (run->exit_reason != KVM_EXIT_IO || run->io.port != 0x50 ||
		    z->nr_reports == 16) {
			snprintf(z->what, sizeof(z->what), "%s", guest_exit_str(run));
			z->error = 1;
			break;
		}
		z->reports[z->nr_reports] = guest_out32(run);
		__atomic_store_n(&z->nr_reports, z->nr_reports + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* Wait for report n; 0 or -1 on timeout/error. */
static int zap_wait(struct zap_ctx *z, int n)
{
	int i;

	for (i = 0; i < 3000 && !z->error; i++) {
		if (__atomic_load_n(&z->nr_reports, __ATOMIC_ACQUIRE) > n)
			return 0;
		usleep(10000);
	}
	return -1;
}

/* Let the guest loop a while on the current page: it is mapped and read. */
static void zap_settle(struct guest *g)
{
	volatile uint64_t *count = guest_ptr(g, ZAP_COUNT);
	uint64_t start = *count;
	int i;

	for (i = 0; i < 500 && *count < start + 20000; i++)
		usleep(10000);
}

TEST_F_TIMEOUT(g, host_zap_and_remap, 120)
{
	struct zap_ctx z = { .g = &self->g };
	struct sigaction sa = { .sa_handler = zap_sig };
	volatile uint64_t *x;
	uint8_t *page;
	pthread_t t;
	int memfd, step = 0;
	void *p;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, zap_guest, zap_guest_end), 0);
	ASSERT_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
	page = guest_ptr(&self->g, ZAP_GPA);
	x = (volatile uint64_t *)page;
	*x = 0x1111;
	ASSERT_EQ(pthread_create(&t, NULL, zap_vcpu, &z), 0);
	zap_settle(&self->g);

	/* 1. MADV_DONTNEED: the page reads as zeros. */
	ASSERT_EQ(madvise(page, 4096, MADV_DONTNEED), 0);
	EXPECT_EQ(zap_wait(&z, step), 0) TH_LOG("no report after DONTNEED: %s", z.what);
	EXPECT_EQ(z.reports[step++], 0);
	/* 2. A host write to the fresh page reaches the guest. */
	zap_settle(&self->g);
	*x = 0x2222;
	EXPECT_EQ(zap_wait(&z, step), 0) TH_LOG("no report after write: %s", z.what);
	EXPECT_EQ(z.reports[step++], 0x2222);
	/* 3. A new anonymous mapping over the page: zeros again. */
	zap_settle(&self->g);
	p = mmap(page, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0);
	ASSERT_EQ(p, (void *)page);
	EXPECT_EQ(zap_wait(&z, step), 0) TH_LOG("no report after remap: %s", z.what);
	EXPECT_EQ(z.reports[step++], 0);
	zap_settle(&self->g);
	*x = 0x3333;
	EXPECT_EQ(zap_wait(&z, step), 0) TH_LOG("no report after write: %s", z.what);
	EXPECT_EQ(z.reports[step++], 0x3333);
	/* 4. munmap, then a shared file page with other contents in its place. */
	zap_settle(&self->g);
	memfd = memfd_create("zap", 0);
	ASSERT_GE(memfd, 0);
	ASSERT_EQ(ftruncate(memfd, 4096), 0);
	ASSERT_EQ(pwrite(memfd, "\x44\x44\0\0\0\0\0\0", 8, 0), 8);
	z.allow_efault = 1;
	ASSERT_EQ(munmap(page, 4096), 0);
	usleep(20000);
	p = mmap(page, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, memfd, 0);
	ASSERT_EQ(p, (void *)page);
	EXPECT_EQ(zap_wait(&z, step), 0) TH_LOG("no report after munmap+mmap: %s", z.what);
	z.allow_efault = 0;
	EXPECT_EQ(z.reports[step++], 0x4444);
	TH_LOG("KVM_RUN -EFAULTs while unmapped: %d", z.efaults);
	/* ...and a write through the file reaches the guest too. */
	zap_settle(&self->g);
	ASSERT_EQ(pwrite(memfd, "\x55\x55", 2, 0), 2);
	EXPECT_EQ(zap_wait(&z, step), 0) TH_LOG("no report after file write: %s", z.what);
	EXPECT_EQ(z.reports[step++], 0x5555);

	z.stop = 1;
	while (pthread_kill(t, SIGUSR1) == 0 && pthread_tryjoin_np(t, NULL) == EBUSY)
		usleep(10000);
	EXPECT_EQ(z.error, 0) TH_LOG("vCPU thread: %s", z.what);
	EXPECT_EQ(z.nr_reports, step);
	close(memfd);
}

/* Guest: sum the first u64 of each of PF_PAGES pages at PF_GPA, OUT it. */
#define PF_GPA		0x800000UL
#define PF_PAGES	16
GUEST_CODE(prefault_guest, ".code64",
	"mov $0x800000, %esi\n"
	"xor %ebx, %ebx\n"
	"xor %ecx, %ecx\n"
	"1: add (%rsi,%rcx,8), %rbx\n"
	"add $0x200, %rcx\n"
	"cmp $0x2000, %rcx\n"
	"jb 1b\n"
	"mov %ebx, %eax\n"
	"out %eax, $0x10\n"
	"hlt\n");

static long pre_fault(struct guest *g, uint64_t gpa, uint64_t size,
		      uint64_t flags, struct kvm_pre_fault_memory *out)
{
	struct kvm_pre_fault_memory r = { .gpa = gpa, .size = size, .flags = flags };
	long ret = ioctl(g->vcpu[0].fd, KVM_PRE_FAULT_MEMORY, &r);

	if (out)
		*out = r;
	return ret < 0 ? -errno : ret;
}

/*
 * KVM_PRE_FAULT_MEMORY maps a slot's pages before the guest touches them
 * (the VM's page counters grow), reports how much of a range is left where
 * the memslots end, and refuses bad ranges with KVM's errno. Pre-faulted
 * untouched memory is the host's zero page: a host write afterwards must
 * still be what the guest reads.
 */
TEST_F(g, pre_fault_memory)
{
	struct kvm_pre_fault_memory r;
	int64_t before, after;
	struct kvm_run *run;
	uint64_t *m;
	int stats;
	int i;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, prefault_guest,
			     prefault_guest_end), 0);
	if (ioctl(self->g.vm, KVM_CHECK_EXTENSION, KVM_CAP_PRE_FAULT_MEMORY) <= 0)
		SKIP(return, "KVM_CAP_PRE_FAULT_MEMORY not offered");
	run = self->g.vcpu[0].run;
	m = mmap(NULL, PF_PAGES * 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(m, MAP_FAILED);
	ASSERT_EQ(guest_set_slot(&self->g, 1, 0, PF_GPA, PF_PAGES * 4096, m), 0);
	stats = ioctl(self->g.vm, KVM_GET_STATS_FD, 0);
	ASSERT_GE(stats, 0);

	/* Bad inputs change nothing. */
	EXPECT_EQ(pre_fault(&self->g, PF_GPA, 4096, 1, NULL), -EINVAL);
	EXPECT_EQ(pre_fault(&self->g, PF_GPA + 8, 4096, 0, NULL), -EINVAL);
	EXPECT_EQ(pre_fault(&self->g, PF_GPA, 100, 0, NULL), -EINVAL);
	EXPECT_EQ(pre_fault(&self->g, PF_GPA, 0, 0, NULL), -EINVAL);
	EXPECT_EQ(pre_fault(&self->g, -4096ULL, 8192, 0, NULL), -EINVAL);
	EXPECT_EQ(pre_fault(&self->g, 0x10000000, 4096, 0, &r), -ENOENT);
	EXPECT_EQ(r.size, 4096);
	EXPECT_EQ(r.gpa, 0x10000000);

	before = guest_stat(stats, "pages_4k");
	ASSERT_GE(before, 0);
	ASSERT_EQ(pre_fault(&self->g, PF_GPA, PF_PAGES * 4096, 0, &r), 0);
	EXPECT_EQ(r.size, 0);
	EXPECT_EQ(r.gpa, PF_GPA + PF_PAGES * 4096);
	after = guest_stat(stats, "pages_4k");
	EXPECT_GE(after - before, PF_PAGES) TH_LOG("4K mappings %ld -> %ld",
						   (long)before, (long)after);

	/* A range running past the slot: the backed part, then ENOENT. */
	ASSERT_EQ(pre_fault(&self->g, PF_GPA + (PF_PAGES - 1) * 4096, 3 * 4096,
			    0, &r), 0);
	EXPECT_EQ(r.gpa, PF_GPA + PF_PAGES * 4096);
	EXPECT_EQ(r.size, 2 * 4096);
	EXPECT_EQ(pre_fault(&self->g, r.gpa, r.size, 0, &r), -ENOENT);
	EXPECT_EQ(r.size, 2 * 4096);

	for (i = 0; i < PF_PAGES; i++)
		m[i * 512] = i + 1;
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x10, 4, 1);
	EXPECT_EQ(guest_out32(run), PF_PAGES * (PF_PAGES + 1) / 2);
	close(stats);
	munmap(m, PF_PAGES * 4096);
}

/* Dirty logging: slot 1 (16 pages at 8M) is logged. */
#define DL_GPA		0x800000UL
#define DL_PAGES	16
GUEST_CODE(dirty_guest, ".code64",
	"movl $0, 0x803000\n"		/* mapped writable before logging */
	"out %al, $0x10\n"
	"movl $1, 0x803000\n"		/* a guest write to page 3 */
	"mov 0x804000, %eax\n"		/* a read of page 4 */
	"out %al, $0x11\n"
	"mov $0x805000, %edi\n"		/* okvm writes page 5 for the guest */
	"mov $0x12, %dx\n"
	"mov $4, %ecx\n"
	"cld\n"
	"rep insb\n"
	"out %al, $0x13\n"
	"movl $2, 0x803000\n"		/* page 3 again, after a harvest */
	"out %al, $0x14\n"
	"hlt\n");

static long get_dirty(struct guest *g, uint32_t slot, uint64_t *bits)
{
	struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = bits };

	*bits = 0;
	return okvm_ioctl(g->vm, KVM_GET_DIRTY_LOG, &log);
}

/*
 * KVM_GET_DIRTY_LOG reports the pages written since the last call: by the
 * guest (also a page written again after a harvest) and by the hypervisor
 * for the guest (a string IN into RAM), also a page the guest could write
 * before logging was turned on, and nothing after an interval
 * without writes. A page only read may be reported too (KVM maps a read
 * fault writable when the host page is, and logs it; okvm maps it
 * read-only and does not), so that is not checked. Bad slot numbers get
 * KVM's errno at the hypervisor's limits.
 */
TEST_F(g, dirty_log)
{
	struct kvm_signal_mask *sm;
	struct kvm_run *run;
	int nslots, nas;
	uint64_t bits;
	uint8_t *m;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, dirty_guest,
			     dirty_guest_end), 0);
	run = self->g.vcpu[0].run;
	m = mmap(NULL, DL_PAGES * 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(m, MAP_FAILED);
	memset(m, 0x5a, DL_PAGES * 4096);
	ASSERT_EQ(guest_set_slot(&self->g, 1, 0, DL_GPA, DL_PAGES * 4096, m), 0);

	EXPECT_EQ(get_dirty(&self->g, 1, &bits), -ENOENT);	/* not logged */
	EXPECT_EQ(get_dirty(&self->g, 7, &bits), -ENOENT);	/* no slot 7 */
	nslots = ioctl(self->g.vm, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
	nas = ioctl(self->g.vm, KVM_CHECK_EXTENSION, KVM_CAP_MULTI_ADDRESS_SPACE);
	ASSERT_GT(nslots, 1);
	EXPECT_EQ(get_dirty(&self->g, nslots, &bits), -EINVAL);
	EXPECT_EQ(get_dirty(&self->g, (nas > 1 ? nas : 1) << 16 | 1, &bits), -EINVAL);

	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x10, 1, 1);
	/* Logging starts on a slot whose page 3 the guest can write. */
	ASSERT_EQ(guest_set_slot(&self->g, 1, KVM_MEM_LOG_DIRTY_PAGES, DL_GPA,
				 DL_PAGES * 4096, m), 0);
	ASSERT_EQ(get_dirty(&self->g, 1, &bits), 0);
	EXPECT_EQ(bits, 0);

	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x11, 1, 1);
	ASSERT_EQ(get_dirty(&self->g, 1, &bits), 0);
	EXPECT_EQ(bits & ~(1ULL << 4), 1ULL << 3);
	ASSERT_EQ(get_dirty(&self->g, 1, &bits), 0);
	EXPECT_EQ(bits, 0);

	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_IN, 0x12, 1, 4);
	memcpy(guest_io_data(run), "okvm", 4);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x13, 1, 1);
	EXPECT_EQ(memcmp(m + 5 * 4096, "okvm", 4), 0);
	ASSERT_EQ(get_dirty(&self->g, 1, &bits), 0);
	EXPECT_EQ(bits, 1ULL << 5);

	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x14, 1, 1);
	EXPECT_EQ(*(uint32_t *)(m + 3 * 4096), 2);
	ASSERT_EQ(get_dirty(&self->g, 1, &bits), 0);
	EXPECT_EQ(bits, 1ULL << 3);

	/* Logging off: the slot has no log any more. */
	ASSERT_EQ(guest_set_slot(&self->g, 1, 0, DL_GPA, DL_PAGES * 4096, m), 0);
	EXPECT_EQ(get_dirty(&self->g, 1, &bits), -ENOENT);

	/* KVM_SET_SIGNAL_MASK: the length must be the kernel's sigset size. */
	sm = calloc(1, sizeof(*sm) + 16);
	ASSERT_NE(sm, NULL);
	sm->len = 16;
	EXPECT_EQ(okvm_ioctl(self->g.vcpu[0].fd, KVM_SET_SIGNAL_MASK, sm), -EINVAL);
	sm->len = 8;
	EXPECT_EQ(okvm_ioctl(self->g.vcpu[0].fd, KVM_SET_SIGNAL_MASK, sm), 0);
	EXPECT_EQ(okvm_ioctl(self->g.vcpu[0].fd, KVM_SET_SIGNAL_MASK, NULL), 0);
	free(sm);
	munmap(m, DL_PAGES * 4096);
}

TEST_HARNESS_MAIN
