// SPDX-License-Identifier: GPL-2.0-only
/*
 * guest_memfd (KVM_CREATE_GUEST_MEMFD) beyond what upstream
 * guest_memfd_test checks: what the file refuses, its fd flags, that it
 * keeps its VM alive, and what a VM without private memory says about it.
 * Holds for KVM and okvm.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/falloc.h>

#include "kselftest_harness.h"
#include "lib/okvm_util.h"

#define SZ	(4 * 4096UL)

static int create_gmem(int vm, unsigned long long size, unsigned long long flags)
{
	struct kvm_create_guest_memfd args = { .size = size, .flags = flags };

	return okvm_ioctl(vm, KVM_CREATE_GUEST_MEMFD, &args);
}

FIXTURE(gmem) {
	int kvm, vm, fd;
};

FIXTURE_SETUP(gmem)
{
	self->kvm = okvm_open_dev();
	ASSERT_GE(self->kvm, 0);
	if (okvm_ioctl(self->kvm, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_MEMFD) <= 0)
		SKIP(return, "KVM_CAP_GUEST_MEMFD not offered");
	self->vm = okvm_ioctl(self->kvm, KVM_CREATE_VM, 0);
	ASSERT_GE(self->vm, 0);
	self->fd = create_gmem(self->vm, SZ, 0);
	ASSERT_GE(self->fd, 0);
}

FIXTURE_TEARDOWN(gmem)
{
	if (self->fd > 0)
		close(self->fd);
	if (self->vm > 0)
		close(self->vm);
	close(self->kvm);
}

/* The size is fixed at creation; the file never grows or shrinks. */
TEST_F(gmem, size_is_fixed)
{
	struct stat st;

	EXPECT_EQ(ftruncate(self->fd, 2 * SZ), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(ftruncate(self->fd, 0), -1);
	EXPECT_EQ(errno, EINVAL);
	/* Allocation inside the size only; without KEEP_SIZE it is refused. */
	EXPECT_EQ(fallocate(self->fd, 0, 0, 4096), -1);
	EXPECT_EQ(errno, EOPNOTSUPP);
	EXPECT_EQ(fallocate(self->fd, FALLOC_FL_KEEP_SIZE, SZ - 4096, 8192), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(fallocate(self->fd, FALLOC_FL_KEEP_SIZE | FALLOC_FL_ZERO_RANGE,
			    0, 4096), -1);
	EXPECT_EQ(errno, EOPNOTSUPP);
	ASSERT_EQ(fstat(self->fd, &st), 0);
	EXPECT_EQ(st.st_size, SZ);
	EXPECT_TRUE(S_ISREG(st.st_mode));
}

/* Nothing reads, writes or maps the memory from the host. */
TEST_F(gmem, no_host_access)
{
	char buf[64];

	ASSERT_EQ(fallocate(self->fd, FALLOC_FL_KEEP_SIZE, 0, SZ), 0);
	EXPECT_EQ(read(self->fd, buf, sizeof(buf)), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(write(self->fd, buf, sizeof(buf)), -1);
	EXPECT_EQ(errno, EINVAL);
	/* Not seekable, so positioned I/O is refused before anything else. */
	EXPECT_EQ(pwrite(self->fd, buf, sizeof(buf), 0), -1);
	EXPECT_EQ(errno, ESPIPE);
	EXPECT_EQ(lseek(self->fd, 4096, SEEK_SET), -1);
	EXPECT_EQ(errno, ESPIPE);
	EXPECT_EQ(mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->fd, 0), MAP_FAILED);
	EXPECT_EQ(errno, ENODEV);
	EXPECT_EQ(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, self->fd, 0), MAP_FAILED);
	EXPECT_EQ(errno, ENODEV);
}

/* As KVM: the fd is read-write and not close-on-exec. */
TEST_F(gmem, fd_flags)
{
	EXPECT_EQ(fcntl(self->fd, F_GETFD) & FD_CLOEXEC, 0);
	EXPECT_EQ(fcntl(self->fd, F_GETFL) & O_ACCMODE, O_RDWR);
}

/* The file keeps its VM: it still works once the VM's fd is closed. */
TEST_F(gmem, outlives_vm_fd)
{
	close(self->vm);
	self->vm = -1;
	EXPECT_EQ(fallocate(self->fd, FALLOC_FL_KEEP_SIZE, 0, SZ), 0);
	EXPECT_EQ(fallocate(self->fd, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE,
			    0, SZ), 0);
}

/*
 * A default VM has no private memory: the VM fd does not offer
 * KVM_CAP_GUEST_MEMFD and refuses KVM_MEM_GUEST_MEMFD slots, although the
 * file can be created (as on KVM).
 */
TEST_F(gmem, default_vm_cannot_bind)
{
	struct kvm_userspace_memory_region2 r = {
		.slot = 0, .flags = KVM_MEM_GUEST_MEMFD, .guest_phys_addr = 0,
		.memory_size = SZ, .guest_memfd = self->fd,
	};
	void *mem = mmap(NULL, SZ, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(mem, MAP_FAILED);
	r.userspace_addr = (unsigned long)mem;
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_MEMFD), 0);
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_SET_USER_MEMORY_REGION2, &r), -EINVAL);
	munmap(mem, SZ);
}

TEST_F(gmem, bad_create)
{
	EXPECT_EQ(create_gmem(self->vm, 0, 0), -EINVAL);
	EXPECT_EQ(create_gmem(self->vm, -4096ULL, 0), -EINVAL);
	EXPECT_EQ(create_gmem(self->vm, 4096, 1ULL << 63), -EINVAL);
	EXPECT_EQ(okvm_ioctl(self->vm, KVM_CREATE_GUEST_MEMFD, 8), -EFAULT);
}

/*
 * A killed VMM that held VMs only through their guest_memfds leaves no VM
 * behind (okvm's leak counters; skipped elsewhere).
 */
TEST(killed_with_gmem_leaves_nothing)
{
	long vms = okvm_debugfs_counter("live_vms");
	int p[2], status;
	pid_t pid;
	char c;

	if (vms < 0)
		SKIP(return, "no okvm debugfs counters (not okvm, or no debugfs)");
	ASSERT_EQ(pipe(p), 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int kvm = okvm_open_dev(), i;

		for (i = 0; i < 3; i++) {
			int vm = okvm_ioctl(kvm, KVM_CREATE_VM, 0);
			int fd = create_gmem(vm, SZ, 0);

			fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, SZ);
			close(vm);
		}
		write(p[1], "x", 1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(read(p[0], &c, 1), 1);
	EXPECT_EQ(okvm_debugfs_counter("live_vms"), vms + 3);
	kill(pid, SIGKILL);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_EQ(okvm_debugfs_counter("live_vms"), vms);
}

TEST_HARNESS_MAIN
