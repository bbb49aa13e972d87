// SPDX-License-Identifier: GPL-2.0-only
/*
 * vCPUs and host threads and processes: several vCPUs running at once on
 * their own threads, a signal interrupting KVM_RUN (-EINTR,
 * KVM_EXIT_INTR), and a VMM process killed while its vCPUs are in the
 * guest.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "lib/guest.h"
#include "lib/guest_fixture.h"


/*
 * Each vCPU gets its id in RDI: it sums 1..(id + 1) * 1000, stores the
 * sum at G_DATA + 8 * id, then reports (id << 16 | i) for i = 0..199 on
 * port 0x60, then its stack pointer's page on port 0x61, and halts.
 */
#define NR_VCPUS	4
#define NR_OUTS		200
GUEST_CODE(mt_guest, ".code64",
	"lea 1(%rdi), %rcx\n"
	"imul $1000, %rcx\n"
	"xor %eax, %eax\n"
	"1: add %rcx, %rax\n"
	"loop 1b\n"
	"mov %rax, 0x100000(,%rdi,8)\n"
	"push %rax\n"			/* per-vCPU stack */
	"xor %ebx, %ebx\n"
	"2: mov %edi, %eax\n"
	"shl $16, %eax\n"
	"or %ebx, %eax\n"
	"out %eax, $0x60\n"
	"inc %ebx\n"
	"cmp $200, %ebx\n"
	"jb 2b\n"
	"mov %rsp, %rax\n"
	"out %eax, $0x61\n"
	"hlt\n");

struct mt_vcpu {
	struct guest *g;
	int id;
	int outs;		/* OUTs to 0x60 seen in order */
	uint32_t sp;		/* reported on 0x61 */
	char err[160];
};

static void *mt_thread(void *arg)
{
	struct mt_vcpu *v = arg;
	struct kvm_run *run = v->g->vcpu[v->id].run;
	long r;

	for (;;) {
		r = guest_run(v->g, v->id);
		if (r) {
			snprintf(v->err, sizeof(v->err), "KVM_RUN: %ld", r);
			return NULL;
		}
		if (run->exit_reason == KVM_EXIT_HLT)
			return NULL;
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == 0x60 &&
		    run->io.size == 4 && run->io.count == 1 &&
		    guest_out32(run) == ((uint32_t)v->id << 16 | v->outs)) {
			v->outs++;
			continue;
		}
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == 0x61 &&
		    run->io.size == 4) {
			v->sp = guest_out32(run);
			continue;
		}
		snprintf(v->err, sizeof(v->err), "vCPU %d after %d OUTs: %s",
			 v->id, v->outs, guest_exit_str(run));
		return NULL;
	}
}

TEST_F_TIMEOUT(g, vcpus_on_threads, 120)
{
	struct mt_vcpu v[NR_VCPUS];
	pthread_t t[NR_VCPUS];
	struct kvm_regs regs;
	uint64_t *sums;
	int i;

	ASSERT_EQ(guest_create(&self->g, G_MEM_DEFAULT), 0);
	guest_load(&self->g, G_CODE, mt_guest, mt_guest_end);
	for (i = 0; i < NR_VCPUS; i++) {
		ASSERT_EQ(guest_add_vcpu(&self->g), i);
		ASSERT_EQ(guest_set_mode(&self->g, i, GUEST_LONG, G_CODE), 0);
		ASSERT_EQ(guest_get_regs(&self->g, i, &regs), 0);
		regs.rdi = i;
		regs.rsp = G_STACK - i * 0x1000;
		ASSERT_EQ(guest_set_regs(&self->g, i, &regs), 0);
	}
	for (i = 0; i < NR_VCPUS; i++) {
		v[i] = (struct mt_vcpu) { .g = &self->g, .id = i };
		ASSERT_EQ(pthread_create(&t[i], NULL, mt_thread, &v[i]), 0);
	}
	for (i = 0; i < NR_VCPUS; i++)
		pthread_join(t[i], NULL);

	sums = guest_ptr(&self->g, G_DATA);
	for (i = 0; i < NR_VCPUS; i++) {
		uint64_t n = (i + 1) * 1000ULL;

		EXPECT_STREQ(v[i].err, "");
		EXPECT_EQ(v[i].outs, NR_OUTS) TH_LOG("vCPU %d", i);
		EXPECT_EQ(v[i].sp, G_STACK - i * 0x1000 - 8) TH_LOG("vCPU %d", i);
		EXPECT_EQ(sums[i], n * (n + 1) / 2) TH_LOG("vCPU %d", i);
		ASSERT_EQ(guest_get_regs(&self->g, i, &regs), 0);
		EXPECT_EQ(regs.rdi, i);
		EXPECT_EQ(regs.rip, G_CODE + (mt_guest_end - mt_guest));
	}
}

/* A guest that never exits on its own. */
GUEST_CODE(spin_guest, ".code64",
	"spin_loop:\n"
	"incq 0x100000\n"
	"jmp spin_loop\n");
extern const uint8_t spin_loop[];

static volatile int sig_count;

static void on_sig(int sig)
{
	sig_count++;
}

/*
 * A POSIX timer aimed at this very thread (SIGEV_THREAD_ID) fires while
 * the vCPU spins in the guest: KVM_RUN returns -EINTR with
 * KVM_EXIT_INTR, the guest state is intact, and the vCPU runs on.
 */
TEST_F_TIMEOUT(g, signal_interrupts_run, 60)
{
	struct sigaction sa = { .sa_handler = on_sig };
	struct sigevent sev = { 0 };
	struct itimerspec its = { .it_value.tv_nsec = 200 * 1000 * 1000 };
	volatile uint64_t *count;
	struct kvm_regs regs;
	struct kvm_run *run;
	timer_t timer;
	uint64_t c1;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, spin_guest, spin_guest_end), 0);
	run = self->g.vcpu[0].run;
	count = guest_ptr(&self->g, G_DATA);
	ASSERT_EQ(sigaction(SIGRTMIN, &sa, NULL), 0);
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGRTMIN;
	sev._sigev_un._tid = syscall(SYS_gettid);
	ASSERT_EQ(timer_create(CLOCK_MONOTONIC, &sev, &timer), 0);

	ASSERT_EQ(timer_settime(timer, 0, &its, NULL), 0);
	EXPECT_EQ(guest_run(&self->g, 0), -EINTR);
	EXPECT_EQ(run->exit_reason, KVM_EXIT_INTR) TH_LOG("exit: %s", guest_exit_str(run));
	EXPECT_EQ(sig_count, 1);
	c1 = *count;
	EXPECT_GT(c1, 0);
	ASSERT_EQ(guest_get_regs(&self->g, 0, &regs), 0);
	EXPECT_TRUE(regs.rip == G_CODE + (spin_loop - spin_guest) ||
		    regs.rip == G_CODE + (spin_loop - spin_guest) + 8)
		TH_LOG("rip %#llx", regs.rip);

	/* Again: the vCPU resumes where it was and is interrupted again. */
	ASSERT_EQ(timer_settime(timer, 0, &its, NULL), 0);
	EXPECT_EQ(guest_run(&self->g, 0), -EINTR);
	EXPECT_EQ(run->exit_reason, KVM_EXIT_INTR);
	EXPECT_EQ(sig_count, 2);
	EXPECT_GT(*count, c1);
	timer_delete(timer);
}

/*
 * A VMM child with two vCPU threads spinning in the guest is SIGKILLed:
 * it dies promptly, and a new VM runs normally afterwards. (okvm's
 * leak counters, where present, return to where they were.)
 */
static void *kill_vcpu(void *arg)
{
	struct guest *g = arg;
	static int next;
	int id = __atomic_fetch_add(&next, 1, __ATOMIC_RELAXED);

	for (;;)
		guest_run(g, id);
	return NULL;
}

TEST_F_TIMEOUT(g, killed_while_running, 60)
{
	long vms = okvm_debugfs_counter("live_vms");
	long vcpus = okvm_debugfs_counter("live_vcpus");
	struct timespec t0, t1;
	int p[2], status, i;
	pid_t pid;
	char c;

	ASSERT_EQ(pipe(p), 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct guest g;
		pthread_t t;
		volatile uint64_t *count;

		if (guest_create(&g, G_MEM_DEFAULT))
			_exit(1);
		guest_load(&g, G_CODE, spin_guest, spin_guest_end);
		for (i = 0; i < 2; i++)
			if (guest_add_vcpu(&g) != i || guest_set_mode(&g, i, GUEST_LONG, G_CODE))
				_exit(2);
		for (i = 0; i < 2; i++)
			pthread_create(&t, NULL, kill_vcpu, &g);
		/* Tell the parent once the guest is demonstrably running. */
		count = guest_ptr(&g, G_DATA);
		while (*count < 1000)
			usleep(1000);
		if (write(p[1], "x", 1) != 1)
			_exit(3);
		pause();
		_exit(0);
	}
	close(p[1]);
	ASSERT_EQ(read(p[0], &c, 1), 1);
	usleep(100 * 1000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_EQ(kill(pid, SIGKILL), 0);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	EXPECT_LT(t1.tv_sec - t0.tv_sec, 10);
	if (vms >= 0) {
		EXPECT_EQ(okvm_debugfs_counter("live_vms"), vms);
		EXPECT_EQ(okvm_debugfs_counter("live_vcpus"), vcpus);
	}

	/* The host is fine: a new guest runs to its HLT. */
	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, mt_guest, mt_guest_end), 0);
	for (i = 0; i < NR_OUTS; i++) {
		ASSERT_EQ(guest_run(&self->g, 0), 0);
		ASSERT_IO_EXIT(self->g.vcpu[0].run, KVM_EXIT_IO_OUT, 0x60, 4, 1);
	}
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(self->g.vcpu[0].run, KVM_EXIT_IO_OUT, 0x61, 4, 1);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(self->g.vcpu[0].run, KVM_EXIT_HLT);
}

TEST_HARNESS_MAIN
