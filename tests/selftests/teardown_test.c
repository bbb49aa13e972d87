// SPDX-License-Identifier: GPL-2.0-only
/*
 * Teardown under fire: a VMM killed with SIGKILL while its vCPUs run and
 * fault memory in (and the host zaps it); the VM fd (and the vCPU fd,
 * and the kvm_run mapping) closed from one thread while another is in
 * KVM_RUN; the creating process's mm gone before the fds are closed (fds
 * passed on by SCM_RIGHTS, or inherited over fork); module unload
 * attempts while a VM exists. After each, nothing may be left: okvm's
 * live counters come back (docs/testing.md, "Leak checks"), the module
 * reference count comes back, and the kernel log has no splat.
 */
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "lib/fuzz.h"

#define BIG_GPA		0x40000000UL	/* 1 GiB: a 32 MiB slot the guests fault in */
#define BIG_SIZE	(8UL << 20)

/*
 * Touch every page of the big slot, forever, with an OUT to port 0x10
 * after each pass: a stream of NPT faults (and re-faults after the host
 * zaps the memory).
 */
GUEST_CODE(td_toucher, ".code64",
	"0: mov $0x40000000, %rsi\n"
	"mov $0x800, %ecx\n"			/* 8 MiB / 4 KiB */
	"1: incq (%rsi)\n"
	"add $0x1000, %rsi\n"
	"dec %ecx\n"
	"jnz 1b\n"
	"out %al, $0x10\n"
	"jmp 0b\n");

/* A guest building a VM of two toucher vCPUs and a big slot. */
static int td_build(struct guest *g, uint8_t **big)
{
	int ret, i;

	do {
		ret = guest_create(g, G_MEM_DEFAULT);
	} while (ret == -EINTR);
	if (ret)
		return ret;
	*big = mmap(NULL, BIG_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (*big == MAP_FAILED)
		return -errno;
	ret = guest_set_slot(g, 1, 0, BIG_GPA, BIG_SIZE, *big);
	if (ret)
		return ret;
	guest_load(g, G_CODE, td_toucher, td_toucher_end);
	for (i = 0; i < 2; i++) {
		ret = guest_add_vcpu(g);
		if (ret < 0)
			return ret;
		ret = guest_set_mode(g, i, GUEST_LONG, G_CODE);
		if (ret)
			return ret;
	}
	return 0;
}

struct td_vcpu {
	struct guest *g;
	int idx;
	volatile long passes;
	volatile long last_err;
	volatile int stop;
};

static void *td_vcpu_main(void *arg)
{
	struct td_vcpu *v = arg;
	long ret;

	while (!v->stop) {
		ret = guest_run(v->g, v->idx);
		if (ret == -EINTR)
			continue;
		if (ret < 0) {
			v->last_err = ret;
			break;
		}
		if (v->g->vcpu[v->idx].run->exit_reason == KVM_EXIT_IO)
			v->passes++;
		else
			v->last_err = -1000 - v->g->vcpu[v->idx].run->exit_reason;
	}
	return NULL;
}

/*
 * Wait until the vCPU thread has made @n more passes than @from, while
 * kicking it out of KVM_RUN if @kick, for up to @seconds: a deadline, not
 * a count of sleeps, because a first pass that faults the guest in can
 * take seconds under a debug kernel on TCG. Return: the passes made.
 */
static long td_wait_passes(struct td_vcpu *v, pthread_t t, long from, long n,
			   int kick, int seconds)
{
	int64_t deadline = okvm_mono_ns() + seconds * 1000000000LL;

	while (v->passes < from + n && !v->last_err &&
	       okvm_mono_ns() < deadline) {
		if (kick)
			pthread_kill(t, FUZZ_KICK_SIG);
		usleep(1000);
	}
	return v->passes - from;
}

struct td_checks {
	struct fuzz_counters base;
	int kmsg;
};

static void td_begin(struct td_checks *c)
{
	fuzz_counters_read(&c->base);
	c->kmsg = fuzz_kmsg_open();
}

/* Nothing left behind: okvm's counters back, no kernel splat. */
#define td_end(c) do {								\
	struct fuzz_counters now;						\
	if ((c)->base.vms >= 0)							\
		EXPECT_EQ(fuzz_counters_settle(&(c)->base, &now), 0)		\
			TH_LOG("okvm counters: vms %ld vcpus %ld pages %ld, were %ld %ld %ld", \
			       now.vms, now.vcpus, now.pages, (c)->base.vms,	\
			       (c)->base.vcpus, (c)->base.pages);		\
	EXPECT_EQ(fuzz_kmsg_splats((c)->kmsg), 0);				\
	close((c)->kmsg);							\
} while (0)

/*
 * SIGKILL to a VMM whose two vCPUs fault in memory while a third thread
 * zaps it (MADV_DONTNEED): the kill lands at a different moment each
 * round.
 */
/* The guest-running cases need more than the harness's default 30 s under TCG. */
FIXTURE(td) {
	int unused;
};
FIXTURE_SETUP(td) {}
FIXTURE_TEARDOWN(td) {}

TEST_F_TIMEOUT(td, kill9_while_running_and_faulting, 120)
{
	struct td_checks c;
	int round, status;

	td_begin(&c);
	for (round = 0; round < 4; round++) {
		int p[2];
		char x;
		pid_t pid;

		ASSERT_EQ(pipe(p), 0);
		pid = fork();
		ASSERT_GE(pid, 0);
		if (pid == 0) {
			struct td_vcpu v[2];
			pthread_t t[2];
			struct guest g;
			uint8_t *big;
			int i;

			fuzz_kick_install();
			if (td_build(&g, &big))
				_exit(1);
			for (i = 0; i < 2; i++) {
				v[i] = (struct td_vcpu){ .g = &g, .idx = i };
				pthread_create(&t[i], NULL, td_vcpu_main, &v[i]);
			}
			while (v[0].passes + v[1].passes < 1 && !v[0].last_err)
				usleep(1000);
			write(p[1], "r", 1);
			for (i = 0;; i++)
				madvise(big + ((i * 7919) % (BIG_SIZE >> 21) << 21), 2 << 20,
					MADV_DONTNEED);
		}
		close(p[1]);
		ASSERT_EQ(read(p[0], &x, 1), 1) TH_LOG("the VMM did not start its guests");
		close(p[0]);
		usleep(round * 40000);
		kill(pid, SIGKILL);
		ASSERT_EQ(waitpid(pid, &status, 0), pid);
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	}
	td_end(&c);
}

/*
 * One thread closes the VM fd and the system fd, then the vCPU fd, and
 * unmaps kvm_run, while another runs the vCPU: the vCPU keeps its VM
 * alive and runs on; the last reference goes when KVM_RUN returns.
 */
TEST_F_TIMEOUT(td, close_fds_while_vcpu_runs, 150)
{
	struct td_checks c;
	struct td_vcpu v;
	struct guest g;
	pthread_t t;
	uint8_t *big;
	long passes;
	int kick, i;

	td_begin(&c);
	fuzz_kick_install();
	ASSERT_EQ(td_build(&g, &big), 0);
	v = (struct td_vcpu){ .g = &g, .idx = 0 };
	ASSERT_EQ(pthread_create(&t, NULL, td_vcpu_main, &v), 0);
	ASSERT_GT(td_wait_passes(&v, t, 0, 1, 0, 60), 0)
		TH_LOG("guest did not run: %ld", v.last_err);

	close(g.vm);
	g.vm = -1;
	close(g.kvm);
	g.kvm = -1;
	/* vCPU 1 was never run: its fd and mapping go now. */
	munmap(g.vcpu[1].run, g.run_size);
	close(g.vcpu[1].fd);
	passes = v.passes;
	EXPECT_GE(td_wait_passes(&v, t, passes, 2, 1, 20), 2)
		TH_LOG("no progress after the VM fd closed");
	EXPECT_EQ(v.last_err, 0);

	/*
	 * Now the vCPU fd, while KVM_RUN is in progress: a dup keeps the
	 * file, and the thread's next KVM_RUN goes through the dup. The
	 * thread is switched to the dup before the close: switched after
	 * (as this test once did), a thread between two KVM_RUNs at the
	 * close ran the next on the closed number, got EBADF and made no
	 * more passes (seen once, on the debug kernel).
	 */
	kick = dup(g.vcpu[0].fd);
	ASSERT_GE(kick, 0);
	i = g.vcpu[0].fd;
	__atomic_store_n(&g.vcpu[0].fd, kick, __ATOMIC_SEQ_CST);
	close(i);
	passes = v.passes;
	EXPECT_GE(td_wait_passes(&v, t, passes, 1, 0, 20), 1)
		TH_LOG("no progress after the vCPU fd closed: %ld", v.last_err);
	EXPECT_EQ(v.last_err, 0);
	v.stop = 1;
	pthread_kill(t, FUZZ_KICK_SIG);
	for (i = 0; i < 100; i++) {
		usleep(10000);
		pthread_kill(t, FUZZ_KICK_SIG);
	}
	pthread_join(t, NULL);
	munmap(g.vcpu[0].run, g.run_size);
	close(g.vcpu[0].fd);
	munmap(g.mem, g.mem_size);
	free(g.cpuid);
	munmap(big, BIG_SIZE);
	td_end(&c);
}

/* Send fds over a unix socket (SCM_RIGHTS). */
static int send_fds(int sock, const int *fds, int n)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 8)];
	struct iovec iov = { .iov_base = "f", .iov_len = 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = CMSG_SPACE(sizeof(int) * n),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
	return sendmsg(sock, &m, 0) == 1 ? 0 : -1;
}

static int recv_fds(int sock, int *fds, int n)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 8)], c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;

	if (recvmsg(sock, &m, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&m);
	if (!cm || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(sizeof(int) * n))
		return -1;
	memcpy(fds, CMSG_DATA(cm), sizeof(int) * n);
	return 0;
}

/*
 * A child builds a VM, runs its guest (so guest memory is mapped), sends
 * the VM, vCPU and stats fds here and exits: its mm is torn down while
 * the VM lives on. From this process (another mm) the VM refuses with
 * -EIO, as KVM does; the stats fd still reads; closing frees everything.
 */
TEST(mm_exit_before_fds_close_scm_rights)
{
	struct td_checks c;
	int sv[2], fds[3], status;
	struct kvm_stats_header h;
	pid_t pid;

	td_begin(&c);
	ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct guest g;
		uint8_t *big;
		int i;

		if (td_build(&g, &big))
			_exit(1);
		/* Two passes: the whole big slot has been faulted in. */
		for (i = 0; i < 2; i++)
			if (guest_run(&g, 0) || g.vcpu[0].run->exit_reason != KVM_EXIT_IO)
				_exit(2);
		fds[0] = g.vm;
		fds[1] = g.vcpu[0].fd;
		fds[2] = okvm_ioctl(g.vm, KVM_GET_STATS_FD, 0);
		if (fds[2] < 0 || send_fds(sv[1], fds, 3))
			_exit(3);
		_exit(0);	/* with every mapping and fd of its own */
	}
	close(sv[1]);
	ASSERT_EQ(recv_fds(sv[0], fds, 3), 0);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child status %#x", status);
	close(sv[0]);

	EXPECT_EQ(okvm_ioctl(fds[0], KVM_CREATE_VCPU, 5), -EIO);
	EXPECT_EQ(okvm_ioctl(fds[0], KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY), -EIO);
	EXPECT_EQ(okvm_ioctl(fds[1], KVM_RUN, 0), -EIO);
	EXPECT_EQ(pread(fds[2], &h, sizeof(h), 0), (ssize_t)sizeof(h));
	close(fds[0]);
	EXPECT_EQ(okvm_ioctl(fds[1], KVM_RUN, 0), -EIO);
	close(fds[1]);
	close(fds[2]);
	td_end(&c);
}

/*
 * The same with fork inheritance: a middle process builds and runs the VM,
 * forks a grandchild that keeps the fds, and exits; the grandchild closes
 * them after its creator's mm is gone.
 */
TEST(mm_exit_before_fds_close_fork)
{
	struct td_checks c;
	int go[2], done[2], status;
	char x;
	pid_t pid;

	td_begin(&c);
	ASSERT_EQ(pipe(go), 0);
	ASSERT_EQ(pipe(done), 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct guest g;
		uint8_t *big;
		pid_t gc;

		if (td_build(&g, &big) || guest_run(&g, 1))
			_exit(1);
		gc = fork();
		if (gc == 0) {
			char y;

			/* Told to go once the creator has been reaped. */
			if (read(go[0], &y, 1) != 1)
				_exit(4);
			if (okvm_ioctl(g.vcpu[0].fd, KVM_RUN, 0) != -EIO ||
			    okvm_ioctl(g.vm, KVM_CREATE_VCPU, 3) != -EIO)
				_exit(5);
			guest_destroy(&g);
			write(done[1], "d", 1);
			_exit(0);
		}
		_exit(gc < 0);
	}
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* The creator and its mm are gone; the grandchild holds the fds. */
	ASSERT_EQ(write(go[1], "g", 1), 1);
	close(done[1]);
	ASSERT_EQ(read(done[0], &x, 1), 1) TH_LOG("the grandchild failed");
	EXPECT_EQ(x, 'd');
	close(go[0]);
	close(go[1]);
	close(done[0]);
	td_end(&c);
}

/* The module behind $OKVM_DEV: okvm, or kvm_amd for in-tree KVM. */
static const char *td_module(void)
{
	struct stat st;
	unsigned int maj, min;
	FILE *f;

	if (stat(okvm_dev_path(), &st))
		return NULL;
	f = fopen("/sys/class/misc/okvm/dev", "r");
	if (f) {
		int n = fscanf(f, "%u:%u", &maj, &min);

		fclose(f);
		if (n == 2 && major(st.st_rdev) == maj && minor(st.st_rdev) == min)
			return "okvm";
	}
	return access("/sys/module/kvm_amd", F_OK) ? NULL : "kvm_amd";
}

static long td_refcnt(const char *mod)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", mod);
	return okvm_read_number(path);
}

/*
 * delete_module() must fail while a VM (or only a vCPU of it) is open,
 * however the fds are held; once all are closed, the module's reference
 * count is back where it was, so the runner's rmmod afterwards (the
 * module_unload result) succeeds.
 */
TEST(unload_refused_while_vm_exists)
{
	const char *mod = td_module();
	struct td_checks c;
	long ref0, r;
	int kvm, vm, vcpu;

	if (!mod)
		SKIP(return, "no module behind %s", okvm_dev_path());
	ref0 = td_refcnt(mod);
	ASSERT_GE(ref0, 0);
	td_begin(&c);
	kvm = okvm_open_dev();
	ASSERT_GE(kvm, 0);
	do
		vm = okvm_ioctl(kvm, KVM_CREATE_VM, 0);
	while (vm == -EINTR);
	ASSERT_GE(vm, 0);
	vcpu = okvm_ioctl(vm, KVM_CREATE_VCPU, 0);
	ASSERT_GE(vcpu, 0);

	/* The system fd, the VM and the vCPU open. */
	r = syscall(SYS_delete_module, mod, O_NONBLOCK);
	EXPECT_EQ(r, -1);
	EXPECT_TRUE(errno == EWOULDBLOCK || errno == EBUSY) TH_LOG("errno %d", errno);
	/* Only the VM and the vCPU. */
	close(kvm);
	r = syscall(SYS_delete_module, mod, O_NONBLOCK);
	EXPECT_EQ(r, -1);
	EXPECT_TRUE(errno == EWOULDBLOCK || errno == EBUSY) TH_LOG("errno %d", errno);
	/* Only the vCPU, which holds the VM. */
	close(vm);
	r = syscall(SYS_delete_module, mod, O_NONBLOCK);
	EXPECT_EQ(r, -1);
	EXPECT_TRUE(errno == EWOULDBLOCK || errno == EBUSY) TH_LOG("errno %d", errno);
	EXPECT_GT(td_refcnt(mod), ref0);
	close(vcpu);
	td_end(&c);
	/* VM destruction is synchronous with the last close. */
	EXPECT_EQ(td_refcnt(mod), ref0);
}

TEST_HARNESS_MAIN
