// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest-side fuzzer: guests execute random instruction bytes and random
 * port, MMIO (local APIC, I/O APIC, HPET, unbacked, read-only slot,
 * slot-crossing), MSR, CPUID and other exiting instructions, on VMs with
 * and without an in-kernel irqchip (lib/fuzz.c builds the programs).
 * Whatever the guest does, every exit must be one KVM gives such a guest
 * and the host must stay sane: no splat in the kernel log, okvm's
 * counters back to their start once the VMs are gone, and a plain guest
 * still runs correctly afterwards.
 *
 * Parameters (environment):
 *   OKVM_FUZZ_SEED         replay a run (printed at the start)
 *   OKVM_FUZZ_GUEST_INSNS  stop the mixed run after this many fuzzed guest
 *                          operations (0: no limit; default 0)
 *   OKVM_FUZZ_SECONDS      stop after this many seconds (0: no limit;
 *                          default 8)
 *   OKVM_FUZZ_CLASS_SECONDS the same for each one-class run before the
 *                          mixed one (default 2)
 *   OKVM_FUZZ_THREADS      vCPU threads, each with its own VM (default 2)
 *   OKVM_FUZZ_GUEST_OPS    mask of operation classes (lib/fuzz.h
 *                          FUZZ_OP_*; default all but random bytes,
 *                          which crash QEMU's TCG now and then: 0xff)
 * A fuzzed operation is one fragment of the program: it counts once it
 * completed or faulted into the guest's exception handler.
 */
#include <pthread.h>
#include <sys/prctl.h>
#include <time.h>

#include "kselftest_harness.h"
#include "lib/fuzz.h"

struct gf_thread {
	pthread_t t;
	uint64_t seed;
	struct fuzz_guest_stats st;
	const char *why;	/* set on failure */
	char why_buf[512];
};

static volatile int gf_stop;
static uint64_t gf_target;
static uint64_t gf_done;	/* completed + faulted fragments, all threads */

static int gf_new_vm(struct guest *g, struct fuzz_rng *r, unsigned int *flags, uint8_t **rom)
{
	int ret;

	*flags = 0;
	/*
	 * KVM_CREATE_VM fails with -EINTR when a signal (the kick) is
	 * pending while it registers its MMU notifier, in KVM as in okvm;
	 * QEMU retries too.
	 */
	do {
		guest_destroy(g);
		ret = guest_create(g, G_MEM_DEFAULT);
	} while (ret == -EINTR);
	if (ret)
		return ret;
	if (fuzz_one_in(r, 2)) {
		ret = okvm_ioctl(g->vm, KVM_CREATE_IRQCHIP, 0);
		if (ret)
			return ret;
		*flags |= FUZZ_G_IRQCHIP;
	}
	if (fuzz_one_in(r, 2)) {
		uint8_t *m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED)
			return -errno;
		memset(m, 0xa5, 1 << 20);
		ret = guest_set_slot(g, 1, KVM_MEM_READONLY, G_FUZZ_ROM, 1 << 20, m);
		if (ret) {
			munmap(m, 1 << 20);
			return ret;
		}
		*rom = m;
		*flags |= FUZZ_G_ROM;
	}
	ret = guest_add_vcpu(g);
	if (ret < 0)
		return ret;
	fuzz_guest_setup(g);
	return 0;
}

static void gf_free_vm(struct guest *g, uint8_t **rom)
{
	guest_destroy(g);
	if (*rom) {
		/* The read-only slot is never written by the guest. */
		munmap(*rom, 1 << 20);
		*rom = NULL;
	}
}

static void *gf_main(void *arg)
{
	struct gf_thread *th = arg;
	struct fuzz_rng r;
	struct guest g;
	unsigned int flags = 0, n;
	uint8_t *rom = NULL;
	int programs = 0, ret;

	memset(&g, 0, sizeof(g));
	g.kvm = g.vm = -1;
	fuzz_rng_seed(&r, th->seed);
	while (!gf_stop) {
		if (programs++ % 50 == 0) {
			gf_free_vm(&g, &rom);
			ret = gf_new_vm(&g, &r, &flags, &rom);
			if (ret) {
				snprintf(th->why_buf, sizeof(th->why_buf), "VM setup: %s",
					 strerror(-ret));
				th->why = th->why_buf;
				break;
			}
		}
		n = 16 + fuzz_below(&r, 113);
		fuzz_guest_program(&g, &r, n, flags);
		ret = fuzz_guest_reset(&g, 0, &r);
		if (ret) {
			snprintf(th->why_buf, sizeof(th->why_buf), "vCPU reset: %s",
				 strerror(-ret));
			th->why = th->why_buf;
			break;
		}
		if (fuzz_guest_run(&g, 0, &r, 5, &th->st, &th->why)) {
			struct kvm_regs regs = { 0 };
			uint64_t f;
			char hex[3 * FUZZ_FRAG + 1] = "";

			guest_get_regs(&g, 0, &regs);
			f = (regs.rip - G_CODE) / FUZZ_FRAG;
			if (regs.rip >= G_CODE && f < n)
				for (unsigned int b = 0; b < FUZZ_FRAG; b++)
					sprintf(hex + 3 * b, "%02x ", *(uint8_t *)guest_ptr(&g,
						G_CODE + f * FUZZ_FRAG + b));
			snprintf(th->why_buf, sizeof(th->why_buf),
				 "program %llu: %s; rip %#llx fragment: %s",
				 (unsigned long long)th->st.programs, th->why,
				 (unsigned long long)regs.rip, hex);
			th->why = th->why_buf;
			break;
		}
		if (rom) {
			uint64_t i, *w = (uint64_t *)rom;

			for (i = 0; i < (1 << 20) / 8; i++) {
				if (w[i] != 0xa5a5a5a5a5a5a5a5ULL) {
					snprintf(th->why_buf, sizeof(th->why_buf),
						 "read-only slot written at +%#llx",
						 (unsigned long long)i * 8);
					th->why = th->why_buf;
					goto out;
				}
			}
		}
		uint64_t before = th->st.completed + th->st.faults;

		fuzz_guest_collect(&g, n, &th->st);
		if (__atomic_add_fetch(&gf_done, th->st.completed + th->st.faults - before,
				       __ATOMIC_RELAXED) >= gf_target && gf_target)
			gf_stop = 1;
	}
out:
	gf_free_vm(&g, &rom);
	return NULL;
}

/* A plain guest after the storm: one OUT with the right value, then HLT. */
GUEST_CODE(gf_sane_guest, ".code64",
	"mov $0x1234abcd, %eax\n"
	"out %eax, $0x42\n"
	"hlt\n");

FIXTURE(gf) {
	int unused;
};
/*
 * One run per operation class (short), then all classes mixed (the
 * counted run): a failure names its class.
 */
FIXTURE_VARIANT(gf) {
	unsigned int ops;
};
FIXTURE_VARIANT_ADD(gf, raw) { .ops = FUZZ_OP_RAW };
FIXTURE_VARIANT_ADD(gf, opcode_0f) { .ops = FUZZ_OP_0F };
FIXTURE_VARIANT_ADD(gf, pio) { .ops = FUZZ_OP_PIO };
FIXTURE_VARIANT_ADD(gf, mem) { .ops = FUZZ_OP_MEM };
FIXTURE_VARIANT_ADD(gf, msr) { .ops = FUZZ_OP_MSR };
FIXTURE_VARIANT_ADD(gf, cpuid) { .ops = FUZZ_OP_CPUID };
FIXTURE_VARIANT_ADD(gf, misc) { .ops = FUZZ_OP_MISC };
FIXTURE_VARIANT_ADD(gf, hlt) { .ops = FUZZ_OP_HLT };
FIXTURE_VARIANT_ADD(gf, all) { .ops = FUZZ_OP_ALL };
FIXTURE_SETUP(gf) {}
FIXTURE_TEARDOWN(gf) {}

TEST_F_TIMEOUT(gf, guest_fuzz, 36000)
{
	bool mixed = variant->ops == FUZZ_OP_ALL;
	long secs = mixed ? fuzz_env("OKVM_FUZZ_SECONDS", 8) :
		    fuzz_env("OKVM_FUZZ_CLASS_SECONDS", 2);
	int nthreads = fuzz_env("OKVM_FUZZ_THREADS", 2), i;
	uint64_t seed = fuzz_seed("guest_fuzz");
	struct fuzz_counters base, now;
	struct fuzz_guest_stats tot = { 0 };
	struct gf_thread th[16];
	struct fuzz_kicker kick;
	struct timespec t0, t1;
	int kmsg = fuzz_kmsg_open();
	struct guest g;
	double dt;
	int bad = 0;

	/*
	 * The harness runs the test in a child: if a time limit kills the
	 * harness, the test (and its VMs) must not live on.
	 */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	gf_target = mixed ? fuzz_env("OKVM_FUZZ_GUEST_INSNS", 0) : 0;
	fuzz_guest_ops = variant->ops & fuzz_env("OKVM_FUZZ_GUEST_OPS", FUZZ_OP_DEFAULT);
	if (!fuzz_guest_ops)
		SKIP(return, "class not in OKVM_FUZZ_GUEST_OPS (random bytes: 0xff runs them)");
	if (nthreads < 1 || nthreads > 16)
		nthreads = 2;
	fuzz_counters_read(&base);
	fuzz_known_bugs = fuzz_env("OKVM_KNOWN_BUGS", 0);
	ASSERT_EQ(fuzz_kicker_start(&kick, 20), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(th, 0, sizeof(th));
	for (i = 0; i < nthreads; i++) {
		th[i].seed = seed + i;
		ASSERT_EQ(pthread_create(&th[i].t, NULL, gf_main, &th[i]), 0);
		fuzz_kicker_add(&kick, th[i].t);
	}
	while (!gf_stop) {
		usleep(100000);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (secs && t1.tv_sec - t0.tv_sec >= secs)
			gf_stop = 1;
		for (i = 0; i < nthreads; i++)
			if (th[i].why)
				gf_stop = 1;
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(th[i].t, NULL);
	fuzz_kicker_stop(&kick);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	dt = t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9;

	for (i = 0; i < nthreads; i++) {
		int e;

		tot.programs += th[i].st.programs;
		tot.frags += th[i].st.frags;
		tot.completed += th[i].st.completed;
		tot.faults += th[i].st.faults;
		tot.irqs += th[i].st.irqs;
		tot.exits += th[i].st.exits;
		tot.resets += th[i].st.resets;
		for (e = 0; e < 64; e++)
			tot.exit_count[e] += th[i].st.exit_count[e];
		if (th[i].why) {
			printf("# thread %d (seed %#llx): %s\n", i,
			       (unsigned long long)th[i].seed, th[i].why);
			bad = 1;
		}
	}
	printf("# guest_fuzz: %llu fuzzed guest instructions (%llu completed, %llu faulted) "
	       "in %llu programs, %.1f s, %.0f/s; %llu exits (io %llu mmio %llu hlt %llu "
	       "intr %llu shutdown %llu internal %llu), %llu guest interrupts\n",
	       (unsigned long long)(tot.completed + tot.faults),
	       (unsigned long long)tot.completed, (unsigned long long)tot.faults,
	       (unsigned long long)tot.programs, dt, (tot.completed + tot.faults) / dt,
	       (unsigned long long)tot.exits,
	       (unsigned long long)tot.exit_count[KVM_EXIT_IO],
	       (unsigned long long)tot.exit_count[KVM_EXIT_MMIO],
	       (unsigned long long)tot.exit_count[KVM_EXIT_HLT],
	       (unsigned long long)tot.exit_count[KVM_EXIT_INTR],
	       (unsigned long long)tot.exit_count[KVM_EXIT_SHUTDOWN],
	       (unsigned long long)tot.exit_count[KVM_EXIT_INTERNAL_ERROR],
	       (unsigned long long)tot.irqs);
	EXPECT_EQ(bad, 0);
	/* The fuzzer fuzzed: programs ran and made progress. */
	EXPECT_GT(tot.completed, 0);
	if (variant->ops & (FUZZ_OP_RAW | FUZZ_OP_0F))
		EXPECT_GT(tot.faults, 0);
	if (gf_target)
		EXPECT_GE(tot.completed + tot.faults, gf_target);

	/* The hypervisor still runs a plain guest correctly. */
	ASSERT_EQ(guest_init(&g, G_MEM_DEFAULT, GUEST_LONG, gf_sane_guest,
			     gf_sane_guest_end), 0);
	ASSERT_EQ(guest_run(&g, 0), 0);
	EXPECT_EQ(g.vcpu[0].run->exit_reason, KVM_EXIT_IO);
	EXPECT_EQ(guest_out32(g.vcpu[0].run), 0x1234abcd);
	guest_destroy(&g);

	if (base.vms >= 0) {
		EXPECT_EQ(fuzz_counters_settle(&base, &now), 0)
			TH_LOG("okvm counters: vms %ld vcpus %ld pages %ld, were %ld %ld %ld",
			       now.vms, now.vcpus, now.pages, base.vms, base.vcpus, base.pages);
	}
	EXPECT_EQ(fuzz_kmsg_splats(kmsg), 0);
	close(kmsg);
}

TEST_HARNESS_MAIN
