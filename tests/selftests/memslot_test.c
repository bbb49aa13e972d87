// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memslots and host unmaps: a slot must end where the nested page tables
 * can still map (else part of it could never be unmapped), and a host
 * unmap that runs while a slot is being deleted or moved must still reach
 * the guest (else the guest keeps reading a page the host has freed).
 */
#include <cpuid.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/userfaultfd.h>

#include "kselftest_harness.h"
#include "lib/guest.h"
#include "lib/guest_fixture.h"

/* The host's MAXPHYADDR as KVM reads it (CPUID 0x80000008, raw). */
static unsigned int host_pa_bits(void)
{
	unsigned int a, b, c, d;

	__cpuid(0x80000000, a, b, c, d);
	if (a < 0x80000008)
		return 36;
	__cpuid(0x80000008, a, b, c, d);
	return a & 0xff;
}

/*
 * KVM refuses a slot whose last GFN is above the largest GFN its MMU maps
 * (host MAXPHYADDR with NPT), with EINVAL, on creation and on a move.
 * Deleting and re-flagging never check it. Above 48 bits, okvm's 4-level
 * NPT and KVM's 5-level tables differ: the test needs a host below that.
 */
TEST_F(g, slot_beyond_max_gfn)
{
	unsigned int pa = host_pa_bits();
	uint64_t top = 1ULL << pa;
	void *mem;

	if (pa > 48)
		SKIP(return, "host MAXPHYADDR %u: above 4-level NPT", pa);
	ASSERT_EQ(guest_create(&self->g, G_MEM_DEFAULT), 0);
	mem = mmap(NULL, 0x2000, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(mem, MAP_FAILED);

	/* The case: 8 KiB whose second page is past 2^48. */
	EXPECT_EQ(guest_set_slot(&self->g, 1, 0, 0xfffffffff000ULL, 0x2000, mem),
		  -EINVAL);
	/* One page past the limit, or wholly past it. */
	EXPECT_EQ(guest_set_slot(&self->g, 1, 0, top - 0x1000, 0x2000, mem),
		  -EINVAL);
	EXPECT_EQ(guest_set_slot(&self->g, 1, 0, top, 0x1000, mem), -EINVAL);
	/* Ending exactly at the limit is fine. */
	ASSERT_EQ(guest_set_slot(&self->g, 1, 0, top - 0x2000, 0x2000, mem), 0);
	/* A move across the limit is refused and leaves the slot in place. */
	EXPECT_EQ(guest_set_slot(&self->g, 1, 0, top - 0x1000, 0x2000, mem),
		  -EINVAL);
	EXPECT_EQ(guest_set_slot(&self->g, 2, 0, top - 0x2000, 0x1000, mem),
		  -EEXIST);
	/* Re-flagging in place is not a create or a move: no check. */
	EXPECT_EQ(guest_set_slot(&self->g, 1, KVM_MEM_LOG_DIRTY_PAGES,
				 top - 0x2000, 0x2000, mem), 0);
	EXPECT_EQ(guest_set_slot(&self->g, 1, 0, top - 0x2000, 0, mem), 0);
	munmap(mem, 0x2000);
}

/*
 * The unmap-during-update race, made deterministic.
 *
 * vCPU 0 loops reading the 4-byte marker at X_GPA (slot 1) and stores
 * (epoch << 32 | marker) at LAST, where epoch is the host's word at EPOCH,
 * read before the marker. vCPU 1 reads U_GPA, a page registered with
 * userfaultfd, and stays inside KVM_RUN's fault (under the VM's SRCU)
 * until the test resolves the fault. A memslot delete or move of slot 1
 * then publishes its update and waits for SRCU readers: the window stays
 * open as long as the test wants. In it the host MADV_DONTNEEDs slot 1's
 * page and sets the epoch to 1. From then on the guest must never read
 * the old marker: that page is freed. (With the fix, X_GPA faults and the
 * fault is retried until the update is complete, then it is MMIO.)
 */
#define X_GPA		0x40000000UL
#define Y_GPA		0x40800000UL
#define U_GPA		0x41000000UL
#define COUNT		(G_DATA + 0x00)
#define EPOCH		(G_DATA + 0x10)
#define LAST		(G_DATA + 0x18)
#define MARK_OLD	0x600d1U
#define MARK_MMIO	0xffffffffU
#define U_CODE		(G_CODE + 0x200)

GUEST_CODE(reader_guest, ".code64",
	"mov $0x40000000, %esi\n"
	"1: incq 0x100000\n"
	"mov 0x100010, %eax\n"
	"shl $32, %rax\n"
	"mov (%rsi), %ebx\n"
	"or %rbx, %rax\n"
	"mov %rax, 0x100018\n"
	"jmp 1b\n");

GUEST_CODE(uffd_guest, ".code64",
	"mov $0x41000000, %esi\n"
	"mov (%rsi), %eax\n"
	"out %eax, $0x52\n"
	"2: hlt\n"
	"jmp 2b\n");

/* Fields shared between threads are accessed with __atomic builtins. */
struct race {
	struct guest *g;
	int stop;
	int error;
	char what[160];
	int move;		/* the update: 0 delete, 1 move to Y_GPA */
	void *backing;
	long update_r;
	int update_done;
	long v1_r;
};

static void race_sig(int sig)
{
}

/* vCPU 0: run; an access to X_GPA without a slot is MMIO, reads MARK_MMIO. */
static void *reader_vcpu(void *arg)
{
	struct race *rc = arg;
	struct kvm_run *run = rc->g->vcpu[0].run;
	uint32_t mmio = MARK_MMIO;
	long r;

	while (!__atomic_load_n(&rc->stop, __ATOMIC_ACQUIRE)) {
		r = guest_run(rc->g, 0);
		if (r == -EINTR)
			continue;
		if (r) {
			snprintf(rc->what, sizeof(rc->what), "KVM_RUN: %ld", r);
			__atomic_store_n(&rc->error, 1, __ATOMIC_RELEASE);
			break;
		}
		if (run->exit_reason != KVM_EXIT_MMIO || run->mmio.is_write ||
		    run->mmio.len != 4 ||
		    run->mmio.phys_addr != X_GPA) {
			snprintf(rc->what, sizeof(rc->what), "%s",
				 guest_exit_str(run));
			__atomic_store_n(&rc->error, 1, __ATOMIC_RELEASE);
			break;
		}
		memcpy(run->mmio.data, &mmio, 4);
	}
	return NULL;
}

/* vCPU 1: one read of the userfaultfd page, then OUT 0x52. */
static void *uffd_vcpu(void *arg)
{
	struct race *rc = arg;
	struct kvm_run *run = rc->g->vcpu[1].run;

	rc->v1_r = guest_run(rc->g, 1);
	if (!rc->v1_r && (run->exit_reason != KVM_EXIT_IO || run->io.port != 0x52))
		rc->v1_r = -1000;
	return NULL;
}

static void *update_slot(void *arg)
{
	struct race *rc = arg;

	rc->update_r = rc->move ?
		guest_set_slot(rc->g, 1, 0, Y_GPA, 0x1000, rc->backing) :
		guest_set_slot(rc->g, 1, 0, X_GPA, 0, rc->backing);
	__atomic_store_n(&rc->update_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static uint64_t last(struct guest *g)
{
	return __atomic_load_n((uint64_t *)guest_ptr(g, LAST), __ATOMIC_ACQUIRE);
}

/* Wait up to ms for LAST to carry epoch 1; true if it does. */
static bool wait_epoch1(struct guest *g, int ms)
{
	int i;

	for (i = 0; i < ms; i++) {
		if (last(g) >> 32 == 1)
			return true;
		usleep(1000);
	}
	return false;
}

static void unmap_during_update(struct __test_metadata *_metadata,
				struct guest *g, int move)
{
	struct race rc = { .g = g, .move = move };
	struct sigaction sa = { .sa_handler = race_sig };
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {};
	struct uffdio_zeropage zp = {};
	struct pollfd pfd;
	struct uffd_msg msg;
	pthread_t t0, t1, tu;
	uint32_t *backing;
	uint64_t seen;
	void *upage;
	int uffd, i;

	ASSERT_EQ(guest_init(g, G_MEM_DEFAULT, GUEST_LONG, reader_guest,
			     reader_guest_end), 0);
	guest_load(g, U_CODE, uffd_guest, uffd_guest_end);
	ASSERT_EQ(guest_add_vcpu(g), 1);
	ASSERT_EQ(guest_set_mode(g, 1, GUEST_LONG, U_CODE), 0);
	ASSERT_EQ(sigaction(SIGUSR1, &sa, NULL), 0);

	backing = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(backing, MAP_FAILED);
	backing[0] = MARK_OLD;
	rc.backing = backing;
	ASSERT_EQ(guest_set_slot(g, 1, 0, X_GPA, 0x1000, backing), 0);

	upage = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(upage, MAP_FAILED);
	uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		SKIP(return, "userfaultfd: %s", strerror(errno));
	ASSERT_EQ(ioctl(uffd, UFFDIO_API, &api), 0);
	reg.range.start = (uintptr_t)upage;
	reg.range.len = 0x1000;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	ASSERT_EQ(ioctl(uffd, UFFDIO_REGISTER, &reg), 0);
	ASSERT_EQ(guest_set_slot(g, 2, 0, U_GPA, 0x1000, upage), 0);

	/* The guest reads the old marker through its mapping. */
	ASSERT_EQ(pthread_create(&t0, NULL, reader_vcpu, &rc), 0);
	for (i = 0; i < 20000 && last(g) != MARK_OLD &&
		    !__atomic_load_n(&rc.error, __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	ASSERT_EQ(last(g), MARK_OLD) TH_LOG("guest: %s", rc.what);

	/* vCPU 1 blocks in its fault, inside the VM's SRCU read side. */
	ASSERT_EQ(pthread_create(&t1, NULL, uffd_vcpu, &rc), 0);
	pfd.fd = uffd;
	pfd.events = POLLIN;
	ASSERT_EQ(poll(&pfd, 1, 20000), 1);
	ASSERT_EQ(read(uffd, &msg, sizeof(msg)), sizeof(msg));
	ASSERT_EQ(msg.event, UFFD_EVENT_PAGEFAULT);

	/* The update publishes, then waits for vCPU 1. */
	ASSERT_EQ(pthread_create(&tu, NULL, update_slot, &rc), 0);
	usleep(500000);
	EXPECT_FALSE(__atomic_load_n(&rc.update_done, __ATOMIC_ACQUIRE))
		TH_LOG("the update did not wait for the SRCU reader");

	/* The host frees the page; after that the guest must not read it. */
	ASSERT_EQ(madvise(backing, 0x1000, MADV_DONTNEED), 0);
	__atomic_store_n((uint32_t *)guest_ptr(g, EPOCH), 1, __ATOMIC_RELEASE);
	if (wait_epoch1(g, 1000)) {
		seen = last(g);
		EXPECT_NE((uint32_t)seen, MARK_OLD)
			TH_LOG("guest read the freed page after MADV_DONTNEED returned (%s)",
			       move ? "move" : "delete");
	}

	/* Let vCPU 1 go: the update completes. */
	zp.range.start = (uintptr_t)upage;
	zp.range.len = 0x1000;
	ASSERT_EQ(ioctl(uffd, UFFDIO_ZEROPAGE, &zp), 0);
	pthread_join(t1, NULL);
	EXPECT_EQ(rc.v1_r, 0);
	pthread_join(tu, NULL);
	EXPECT_EQ(rc.update_r, 0);

	/* Now X_GPA has no slot: MMIO. */
	EXPECT_TRUE(wait_epoch1(g, 20000)) TH_LOG("guest: %s", rc.what);
	EXPECT_EQ((uint32_t)last(g), MARK_MMIO) TH_LOG("guest: %s", rc.what);

	__atomic_store_n(&rc.stop, 1, __ATOMIC_RELEASE);
	while (pthread_kill(t0, SIGUSR1) == 0 &&
	       pthread_tryjoin_np(t0, NULL) == EBUSY)
		usleep(1000);
	EXPECT_EQ(rc.error, 0) TH_LOG("guest: %s", rc.what);
	close(uffd);
	munmap(upage, 0x1000);
	munmap(backing, 0x1000);
}

TEST_F_TIMEOUT(g, unmap_during_delete, 120)
{
	unmap_during_update(_metadata, &self->g, 0);
}

TEST_F_TIMEOUT(g, unmap_during_move, 120)
{
	unmap_during_update(_metadata, &self->g, 1);
}

TEST_HARNESS_MAIN
