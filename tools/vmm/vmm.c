// SPDX-License-Identifier: GPL-2.0-only
/*
 * okvm-vmm: a minimal VMM that speaks only KVM's ioctl ABI, so it drives
 * okvm (/dev/okvm, the default) and in-tree KVM (--dev /dev/kvm) alike.
 *
 * It makes one VM with one memslot and one vCPU and boots the payload
 * (payload.c) straight into 64-bit mode: the VMM writes identity-mapped
 * page tables and a GDT into guest memory and sets CR0/CR3/CR4/EFER and
 * the segment registers through KVM_SET_SREGS, so no real-mode or
 * protected-mode trampoline is needed. It prints what the guest writes to
 * its console port, then the exit statistics and the average cost of a
 * PIO exit round trip (guest OUT -> userspace -> back into the guest).
 *
 * If okvm is not loaded it loads it with libkmod, as modprobe would: the
 * .ko given with --module, or "okvm" looked up in the running kernel's
 * module index (modules.dep/.alias). It is linked against Debian's shared
 * libkmod; the test initramfs carries the libraries ldd lists.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <libkmod.h>
#include <linux/kvm.h>
#include <linux/okvm.h>

#include "payload.h"
#include "../wss/wss.h"

/* Linux 6.10's; make demo builds against the host's older <linux/kvm.h>. */
#ifndef KVM_PRE_FAULT_MEMORY
struct kvm_pre_fault_memory {
	__u64 gpa;
	__u64 size;
	__u64 flags;
	__u64 padding[5];
};
#define KVM_PRE_FAULT_MEMORY	_IOWR(KVMIO, 0xd5, struct kvm_pre_fault_memory)
#endif

#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4
#endif

extern const char payload_start[], payload_end[];

#define MEM_SIZE	(4UL << 20)	/* guest RAM at GPA 0 */
#define PML4_GPA	0x1000UL
#define PDPT_GPA	0x2000UL
#define PD_GPA		0x3000UL	/* maps 0..1 GiB with 2 MiB pages */
#define GDT_GPA		0x4000UL

#define WSS_SIZE	(16UL << 20)	/* the working-set slot, at WSS_GPA */
#define WSS_PHASE_MS	400

#define SEL_CODE64	0x08
#define SEL_DATA	0x10

#define PTE_P		(1UL << 0)
#define PTE_RW		(1UL << 1)
#define PTE_PS		(1UL << 7)

#define CR0_PE		(1UL << 0)
#define CR0_MP		(1UL << 1)
#define CR0_ET		(1UL << 4)
#define CR0_NE		(1UL << 5)
#define CR0_WP		(1UL << 16)
#define CR0_AM		(1UL << 18)
#define CR0_PG		(1UL << 31)
#define CR4_PAE		(1UL << 5)
#define EFER_LME	(1UL << 8)
#define EFER_LMA	(1UL << 10)

static const char *const exit_names[] = {
	[KVM_EXIT_UNKNOWN] = "UNKNOWN", [KVM_EXIT_EXCEPTION] = "EXCEPTION",
	[KVM_EXIT_IO] = "IO", [KVM_EXIT_HYPERCALL] = "HYPERCALL",
	[KVM_EXIT_DEBUG] = "DEBUG", [KVM_EXIT_HLT] = "HLT",
	[KVM_EXIT_MMIO] = "MMIO", [KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
	[KVM_EXIT_SHUTDOWN] = "SHUTDOWN", [KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
	[KVM_EXIT_INTR] = "INTR", [KVM_EXIT_SET_TPR] = "SET_TPR",
	[KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS", [KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
	[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT", [KVM_EXIT_X86_RDMSR] = "X86_RDMSR",
	[KVM_EXIT_X86_WRMSR] = "X86_WRMSR",
#ifdef KVM_EXIT_MEMORY_FAULT	/* newer than some distributions' headers */
	[KVM_EXIT_MEMORY_FAULT] = "MEMORY_FAULT",
#endif
};
#define NR_EXIT_REASONS 64

static const char *exit_name(unsigned int r)
{
	return r < sizeof(exit_names) / sizeof(exit_names[0]) && exit_names[r] ?
	       exit_names[r] : "?";
}

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "okvm-vmm: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * Load okvm unless it is: the module at @ko, or "okvm" as modprobe finds
 * it in the running kernel's index (with its dependencies, none today).
 */
static void load_okvm(const char *ko)
{
	struct kmod_list *list = NULL, *l;
	struct kmod_module *mod = NULL;
	struct kmod_ctx *ctx;
	int r;

	if (access("/sys/module/okvm", F_OK) == 0)
		return;
	ctx = kmod_new(NULL, NULL);
	if (!ctx)
		die("libkmod: no context");
	if (ko) {
		r = kmod_module_new_from_path(ctx, ko, &mod);
		if (r < 0)
			die("libkmod: %s: %s", ko, strerror(-r));
		r = kmod_module_insert_module(mod, 0, NULL);
	} else {
		r = kmod_module_new_from_lookup(ctx, "okvm", &list);
		if (r < 0 || !list)
			die("okvm is not loaded nor in the module index: give --module PATH");
		mod = kmod_module_get_module(list);
		r = kmod_module_probe_insert_module(mod, 0, NULL, NULL, NULL, NULL);
	}
	if (r < 0 && r != -EEXIST)
		die("libkmod: loading %s: %s", kmod_module_get_path(mod) ?: "okvm",
		    strerror(-r));
	printf("loaded %s\n", kmod_module_get_path(mod) ?: "okvm");
	kmod_module_unref(mod);
	kmod_list_foreach(l, list)
		kmod_module_unref(kmod_module_get_module(l));
	kmod_module_unref_list(list);
	kmod_unref(ctx);
}

static int open_dev(const char *dev)
{
	int i, fd;

	/* devtmpfs creates the node when the module registers it; allow it a moment. */
	for (i = 0; i < 100; i++) {
		fd = open(dev, O_RDWR | O_CLOEXEC);
		if (fd >= 0 || errno != ENOENT)
			break;
		usleep(10000);
	}
	if (fd < 0)
		die("open %s: %s", dev, strerror(errno));
	return fd;
}

static void set_cpuid(int sys, int vcpu)
{
	struct kvm_cpuid2 *c;
	int nent = 256;

	c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));
	if (!c)
		die("out of memory");
	c->nent = nent;
	if (ioctl(sys, KVM_GET_SUPPORTED_CPUID, c))
		die("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
	/* Long mode in EFER is refused unless the guest's CPUID has LM. */
	if (ioctl(vcpu, KVM_SET_CPUID2, c))
		die("KVM_SET_CPUID2: %s", strerror(errno));
	free(c);
}

/* Identity map of the first GiB, GDT, and the long-mode register state. */
static void setup_long_mode(int vcpu, uint8_t *mem)
{
	uint64_t *pml4 = (uint64_t *)(mem + PML4_GPA);
	uint64_t *pdpt = (uint64_t *)(mem + PDPT_GPA);
	uint64_t *pd = (uint64_t *)(mem + PD_GPA);
	uint64_t *gdt = (uint64_t *)(mem + GDT_GPA);
	struct kvm_segment cs = {
		.base = 0, .limit = 0xffffffff, .selector = SEL_CODE64,
		.type = 11, .present = 1, .dpl = 0, .db = 0, .s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment ds = {
		.base = 0, .limit = 0xffffffff, .selector = SEL_DATA,
		.type = 3, .present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
	};
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int i;

	pml4[0] = PDPT_GPA | PTE_P | PTE_RW;
	pdpt[0] = PD_GPA | PTE_P | PTE_RW;
	for (i = 0; i < 512; i++)
		pd[i] = (uint64_t)i << 21 | PTE_P | PTE_RW | PTE_PS;

	/*
	 * The GDT matters only if the guest reloads a segment; the hidden
	 * parts set below are what the CPU uses. Descriptors: flat 64-bit
	 * code (L=1, P, S, type execute/read) and flat data (G, D/B, P, S,
	 * type read/write).
	 */
	gdt[0] = 0;
	gdt[SEL_CODE64 >> 3] = 0x00af9b000000ffffULL;
	gdt[SEL_DATA >> 3] = 0x00cf93000000ffffULL;

	if (ioctl(vcpu, KVM_GET_SREGS, &sregs))
		die("KVM_GET_SREGS: %s", strerror(errno));
	sregs.cs = cs;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = ds;
	sregs.gdt.base = GDT_GPA;
	sregs.gdt.limit = 3 * 8 - 1;
	sregs.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_PG;
	sregs.cr3 = PML4_GPA;
	sregs.cr4 = CR4_PAE;
	sregs.efer = EFER_LME | EFER_LMA;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs))
		die("KVM_SET_SREGS: %s", strerror(errno));

	memset(&regs, 0, sizeof(regs));
	regs.rip = PAYLOAD_GPA;
	regs.rsp = PAYLOAD_STACK;
	regs.rflags = 2;	/* bit 1 is reserved, always 1 */
	if (ioctl(vcpu, KVM_SET_REGS, &regs))
		die("KVM_SET_REGS: %s", strerror(errno));
}

static void usage(void)
{
	fprintf(stderr,
		"usage: okvm-vmm [--dev PATH] [--module PATH] [--no-load] [--wss MS [--wss-png FILE]]\n"
		"                [--age-bench MIB]\n"
		"  --dev PATH     the KVM-ABI device (default /dev/okvm; /dev/kvm for in-tree KVM)\n"
		"  --module PATH  okvm.ko to load if okvm is not loaded (default: from modules.dep)\n"
		"  --no-load      never load a module\n"
		"  --wss MS       run a working-set workload in a second slot (%lu MiB) for 8\n"
		"                 phases of %u ms and sample it every MS ms (tools/wss/, okvm only)\n"
		"  --wss-png FILE also plot the samples as a PNG\n"
		"  --age-bench MIB  after the run, time OKVM_AGE_BITMAP over MIB MiB (okvm only)\n",
		WSS_SIZE >> 20, WSS_PHASE_MS);
	exit(2);
}

#define AGE_GPA		0x40000000UL	/* --age-bench's slot, above the payload's map */

/*
 * --age-bench: OKVM_AGE_BITMAP's speed over @mib MiB of 4K-mapped guest
 * memory that KVM_PRE_FAULT_MEMORY mapped (so every page is accessed),
 * once with every page accessed (harvest and clear) and once with none.
 */
static void age_bench(int vm, int vcpu, unsigned long mib)
{
	struct kvm_userspace_memory_region region = {
		.slot = 2, .guest_phys_addr = AGE_GPA, .memory_size = mib << 20,
	};
	struct kvm_pre_fault_memory pf = { .gpa = AGE_GPA, .size = mib << 20 };
	struct okvm_age_bitmap a = {
		.size = sizeof(a), .slot = 2, .num_pages = (mib << 20) >> 12,
	};
	uint64_t t[3], n = 0, i, *bitmap;
	uint8_t *m;

	if (ioctl(vm, KVM_CHECK_EXTENSION, OKVM_CAP_AGE_BITMAP) != 1) {
		printf("age bitmap: OKVM_CAP_AGE_BITMAP not offered\n");
		return;
	}
	m = mmap(NULL, mib << 20, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	bitmap = calloc(a.num_pages / 64 + 1, 8);
	if (m == MAP_FAILED || !bitmap)
		die("age bench: out of memory");
	madvise(m, mib << 20, MADV_NOHUGEPAGE);
	memset(m, 1, mib << 20);
	region.userspace_addr = (uintptr_t)m;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region))
		die("age bench slot: %s", strerror(errno));
	while (pf.size)
		if (ioctl(vcpu, KVM_PRE_FAULT_MEMORY, &pf) && errno != EINTR)
			die("KVM_PRE_FAULT_MEMORY: %s", strerror(errno));
	a.bitmap = (uintptr_t)bitmap;
	for (i = 0; i < 2; i++) {
		t[i] = now_ns();
		if (ioctl(vm, OKVM_AGE_BITMAP, &a))
			die("OKVM_AGE_BITMAP: %s", strerror(errno));
	}
	t[2] = now_ns();
	for (i = 0; i < a.num_pages / 64; i++)
		n += __builtin_popcountll(bitmap[i]);	/* the second call's */
	if (n)
		die("age bench: %llu pages still accessed", (unsigned long long)n);
	printf("age bitmap: %lu MiB (4K mappings): %.3f GiB/s all accessed, %.3f GiB/s none accessed\n",
	       mib, mib / 1024.0 / ((t[1] - t[0]) / 1e9),
	       mib / 1024.0 / ((t[2] - t[1]) / 1e9));
	region.memory_size = 0;
	ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region);
	munmap(m, mib << 20);
	free(bitmap);
}

/* The working-set workload's phase for IN from PORT_WSS, ~0 when done. */
static uint32_t wss_phase(uint64_t *t0)
{
	uint64_t t = now_ns();

	if (!*t0)
		*t0 = t;
	t = (t - *t0) / 1000000 / WSS_PHASE_MS;
	return t < 8 ? t : ~0u;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "module", required_argument, NULL, 'm' },
		{ "no-load", no_argument, NULL, 'n' },
		{ "wss", required_argument, NULL, 'w' },
		{ "wss-png", required_argument, NULL, 'p' },
		{ "age-bench", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	static const char *const bench_names[NR_BENCH] = {
		[BENCH_PIO] = "PIO round trip (guest OUT -> userspace -> guest)",
		[BENCH_MMIO] = "MMIO round trip (guest store -> userspace -> guest)",
		[BENCH_CPUID] = "CPUID exit (handled in the kernel)",
	};
	uint64_t t_bench[NR_BENCH][2] = { { 0 } }, mmio = 0, wss_t0 = 0;
	const char *wss_png_path = NULL;
	unsigned int wss_ms = 0, age_mib = 0;
	struct wss *wss = NULL;
	uint8_t *wss_mem = NULL;
	const char *dev = "/dev/okvm", *ko = NULL;
	size_t len = payload_end - payload_start;
	uint64_t exits[NR_EXIT_REASONS] = { 0 }, other_exits = 0;
	uint64_t t_start, t_end, bench = 0;
	int sys, vm, vcpu, opt, no_load = 0, done = 0, at_line_start = 1;
	struct kvm_userspace_memory_region region;
	struct kvm_run *run;
	uint8_t *mem;
	long mmap_size;
	unsigned int i;

	while ((opt = getopt_long(argc, argv, "d:m:nh", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': dev = optarg; break;
		case 'm': ko = optarg; break;
		case 'n': no_load = 1; break;
		case 'w': wss_ms = atoi(optarg); break;
		case 'p': wss_png_path = optarg; break;
		case 'a': age_mib = atoi(optarg); break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Only okvm's own node implies loading okvm. */
	if (!no_load && strstr(dev, "okvm"))
		load_okvm(ko);
	sys = open_dev(dev);
	if (ioctl(sys, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		die("%s: not KVM API version %d", dev, KVM_API_VERSION);
	vm = ioctl(sys, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM: %s", strerror(errno));

	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap guest memory: %s", strerror(errno));
	if (len > PAYLOAD_STACK - PAYLOAD_GPA - 0x1000)
		die("payload of %zu bytes overlaps the stack", len);
	memcpy(mem + PAYLOAD_GPA, payload_start, len);
	region = (struct kvm_userspace_memory_region) {
		.slot = 0, .guest_phys_addr = 0, .memory_size = MEM_SIZE,
		.userspace_addr = (uintptr_t)mem,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region))
		die("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
	if (wss_ms) {
		/* 4K host pages, so that the guest's nested mappings are 4K. */
		wss_mem = mmap(NULL, WSS_SIZE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (wss_mem == MAP_FAILED)
			die("mmap working-set memory: %s", strerror(errno));
		madvise(wss_mem, WSS_SIZE, MADV_NOHUGEPAGE);
		region = (struct kvm_userspace_memory_region) {
			.slot = 1, .guest_phys_addr = WSS_GPA,
			.memory_size = WSS_SIZE, .userspace_addr = (uintptr_t)wss_mem,
		};
		if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region))
			die("KVM_SET_USER_MEMORY_REGION (wss): %s", strerror(errno));
		*(uint32_t *)(mem + WSS_CFG_GPA) = WSS_SIZE >> 12;
		if (ioctl(vm, KVM_CHECK_EXTENSION, OKVM_CAP_AGE_BITMAP) != 1)
			printf("okvm-vmm: %s has no OKVM_CAP_AGE_BITMAP: the workload runs unsampled\n",
			       dev);
		else if (!(wss = wss_start(vm, 1, WSS_SIZE >> 12, wss_ms)))
			die("wss: %s", strerror(errno));
	}

	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		die("KVM_CREATE_VCPU: %s", strerror(errno));
	mmap_size = ioctl(sys, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size < (long)sizeof(*run))
		die("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
	run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run: %s", strerror(errno));
	set_cpuid(sys, vcpu);
	setup_long_mode(vcpu, mem);
	printf("okvm-vmm: %s, %lu MiB at GPA 0, payload %zu bytes at %#lx, long mode\n",
	       dev, MEM_SIZE >> 20, len, PAYLOAD_GPA);

	t_start = now_ns();
	while (!done) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0 && errno != EINTR)
			die("KVM_RUN: %s", strerror(errno));
		if (run->exit_reason < NR_EXIT_REASONS)
			exits[run->exit_reason]++;
		else
			other_exits++;

		switch (run->exit_reason) {
		case KVM_EXIT_IO: {
			uint8_t *data = (uint8_t *)run + run->io.data_offset;

			if (run->io.direction == KVM_EXIT_IO_IN &&
			    run->io.port == PORT_WSS && run->io.size == 4) {
				uint32_t phase = wss_phase(&wss_t0);

				memcpy(data, &phase, 4);
				break;
			}
			if (run->io.direction != KVM_EXIT_IO_OUT)
				die("IN from port %#x: nothing there", run->io.port);
			if (run->io.port == PORT_BENCH) {
				bench += run->io.count;
			} else if (run->io.port == PORT_CONSOLE && run->io.size == 1) {
				for (i = 0; i < run->io.count; i++) {
					if (at_line_start)
						fputs("guest| ", stdout);
					putchar(data[i]);
					at_line_start = data[i] == '\n';
				}
			} else if (run->io.port == PORT_BENCH_MARK && run->io.size == 4) {
				uint32_t mark;

				memcpy(&mark, data, 4);
				if (mark < 1 || mark > 2 * NR_BENCH)
					die("benchmark mark %u", mark);
				t_bench[(mark - 1) / 2][!(mark & 1)] = now_ns();
			} else {
				die("OUT to port %#x size %u: nothing there",
				    run->io.port, run->io.size);
			}
			break;
		}
		case KVM_EXIT_MMIO:
			if (!run->mmio.is_write || run->mmio.phys_addr != MMIO_BENCH_GPA)
				die("MMIO %s at %#llx: nothing there",
				    run->mmio.is_write ? "write" : "read",
				    (unsigned long long)run->mmio.phys_addr);
			mmio++;
			break;
		case KVM_EXIT_HLT:
			done = 1;
			break;
		case KVM_EXIT_INTR:
			break;
		case KVM_EXIT_INTERNAL_ERROR:
			die("internal error, suberror %u", run->internal.suberror);
		case KVM_EXIT_FAIL_ENTRY:
			die("entry failed, reason %#llx",
			    (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		default:
			die("unexpected exit %u (%s)", run->exit_reason,
			    exit_name(run->exit_reason));
		}
	}
	t_end = now_ns();
	if (!at_line_start)
		putchar('\n');

	printf("exits:\n");
	for (i = 0; i < NR_EXIT_REASONS; i++)
		if (exits[i])
			printf("  %-16s %10llu\n", exit_name(i), (unsigned long long)exits[i]);
	if (other_exits)
		printf("  %-16s %10llu\n", "(other)", (unsigned long long)other_exits);
	printf("total run time: %.3f ms\n", (t_end - t_start) / 1e6);
	if (bench != BENCH_OUTS || mmio != BENCH_OUTS)
		die("benchmark incomplete: %llu OUTs, %llu MMIO stores of %d",
		    (unsigned long long)bench, (unsigned long long)mmio, BENCH_OUTS);
	for (i = 0; i < NR_BENCH; i++) {
		if (!t_bench[i][0] || t_bench[i][1] < t_bench[i][0])
			die("benchmark %u incomplete", i);
		printf("%s, %d times: %llu ns average\n", bench_names[i], BENCH_OUTS,
		       (unsigned long long)((t_bench[i][1] - t_bench[i][0]) / BENCH_OUTS));
	}
	if (wss) {
		wss_stop(wss);
		wss_print(wss, stdout);
		if (wss_png_path) {
			int r = wss_png(wss, wss_png_path);

			if (r)
				die("wss: %s: %s", wss_png_path, strerror(-r));
			printf("wss: plot written to %s\n", wss_png_path);
		}
		wss_free(wss);
	}
	if (age_mib)
		age_bench(vm, vcpu, age_mib);
	return 0;
}
