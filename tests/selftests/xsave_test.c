// SPDX-License-Identifier: GPL-2.0-only
/*
 * XSAVE for guests: CR4.OSXSAVE and XCR0 written by the guest, the state
 * ioctls KVM_GET/SET_XSAVE(2), KVM_GET/SET_XCRS and KVM_GET/SET_DEBUGREGS
 * (a round trip from one VM into a fresh one, where the guest goes on with
 * its AVX/SSE registers), the errnos for what KVM refuses, and that the
 * guest's and the VMM's FPU registers stay apart across in-kernel exits,
 * context switches and KVM_RUN's returns.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/guest.h"
#include "lib/guest_fixture.h"

#define CR4_OSXSAVE	(1UL << 18)
#define XFEATURE_FP	1ULL
#define XFEATURE_SSE	2ULL
#define XFEATURE_YMM	4ULL
#define XSAVE_HDR	512	/* XSTATE_BV, XCOMP_BV, reserved */
#define XSAVE_MXCSR	24
#define XSAVE_MXCSR_MASK 28

static struct kvm_cpuid_entry2 *find_leaf(struct kvm_cpuid2 *c, uint32_t fn,
					  uint32_t idx)
{
	unsigned int i;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn && c->entries[i].index == idx)
			return &c->entries[i];
	return NULL;
}

/* XCR0 bits KVM_GET_SUPPORTED_CPUID offers (leaf 0xD), 0 without XSAVE. */
static uint64_t supported_xcr0(struct guest *g)
{
	struct kvm_cpuid_entry2 *e = find_leaf(g->cpuid, 1, 0);
	struct kvm_cpuid_entry2 *d = find_leaf(g->cpuid, 0xd, 0);

	if (!e || !(e->ecx & (1u << 26)) || !d)
		return 0;
	return d->eax | (uint64_t)d->edx << 32;
}

/*
 * Turn on CR4.OSXSAVE (through R8: a REX-prefixed MOV to CR4), load YMM0
 * and XMM1 from G_DATA (XCR0 was set with KVM_SET_XCRS: QEMU's TCG does
 * not honour the XSETBV intercept, so a guest XSETBV would bypass both
 * okvm and KVM there), and stop for the state to move to another VM;
 * there, store them back with XCR0 and CR4.
 */
GUEST_CODE(xsave_guest, ".code64",
	"mov %cr4, %r8\n"
	"or $0x40000, %r8\n"
	"mov %r8, %cr4\n"
	"vmovdqu 0x100000, %ymm0\n"
	"movdqu 0x100020, %xmm1\n"
	"out %al, $0x10\n"
	"vmovdqu %ymm0, 0x100100\n"
	"movdqu %xmm1, 0x100120\n"
	"xor %ecx, %ecx\n"
	"xgetbv\n"
	"mov %eax, 0x100140\n"
	"mov %cr4, %rax\n"
	"mov %rax, 0x100148\n"
	"hlt\n");

TEST_F(g, state_round_trip)
{
	struct guest g2 = { .kvm = -1, .vm = -1 };
	struct kvm_debugregs dbg, dbg2;
	struct kvm_cpuid2 *cpuid;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_xcrs xcrs;
	uint8_t pattern[48];
	uint8_t *xs;
	long size;
	int i;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, xsave_guest,
			     xsave_guest_end), 0);
	if ((supported_xcr0(&self->g) & 7) != 7)
		SKIP(return, "no x87/SSE/AVX in the supported XCR0");
	size = okvm_ioctl(self->g.kvm, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
	ASSERT_GE(size, (long)sizeof(struct kvm_xsave));
	for (i = 0; i < 48; i++)
		pattern[i] = 0x11 * (i % 15) + i;
	memcpy(guest_ptr(&self->g, G_DATA), pattern, sizeof(pattern));
	memset(&xcrs, 0, sizeof(xcrs));
	xcrs.nr_xcrs = 1;
	xcrs.xcrs[0].value = 7;
	ASSERT_EQ(okvm_ioctl(self->g.vcpu[0].fd, KVM_SET_XCRS, &xcrs), 0);

	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(self->g.vcpu[0].run, KVM_EXIT_IO_OUT, 0x10, 1, 1);
	/* Finish the OUT (RIP moves past it) before saving, as KVM wants. */
	self->g.vcpu[0].run->immediate_exit = 1;
	ASSERT_EQ(guest_run(&self->g, 0), -EINTR);
	self->g.vcpu[0].run->immediate_exit = 0;

	/* CPUID.1:ECX.OSXSAVE follows CR4 in the vCPU's table too. */
	cpuid = calloc(1, sizeof(*cpuid) + 256 * sizeof(cpuid->entries[0]));
	ASSERT_NE(cpuid, NULL);
	cpuid->nent = 256;
	ASSERT_EQ(okvm_ioctl(self->g.vcpu[0].fd, KVM_GET_CPUID2, cpuid), 0);
	ASSERT_NE(find_leaf(cpuid, 1, 0), NULL);
	EXPECT_NE(find_leaf(cpuid, 1, 0)->ecx & (1u << 27), 0);
	free(cpuid);

	/* DR0-3 and DR7 (no breakpoint enabled) go along with the rest. */
	memset(&dbg, 0, sizeof(dbg));
	ASSERT_EQ(okvm_ioctl(self->g.vcpu[0].fd, KVM_GET_DEBUGREGS, &dbg), 0);
	EXPECT_EQ(dbg.flags, 0);
	dbg.db[0] = 0x1000;
	dbg.db[3] = 0x7ffff000;
	dbg.dr7 = 0x400 | (1 << 16);	/* R/W0 = write, L0 still clear */
	ASSERT_EQ(okvm_ioctl(self->g.vcpu[0].fd, KVM_SET_DEBUGREGS, &dbg), 0);

	xs = calloc(1, size);
	ASSERT_NE(xs, NULL);
	ASSERT_EQ(guest_get_regs(&self->g, 0, &regs), 0);
	ASSERT_EQ(guest_get_sregs(&self->g, 0, &sregs), 0);
	EXPECT_NE(sregs.cr4 & CR4_OSXSAVE, 0);
	ASSERT_EQ(okvm_ioctl(self->g.vcpu[0].fd, KVM_GET_XCRS, &xcrs), 0);
	EXPECT_EQ(xcrs.nr_xcrs, 1);
	EXPECT_EQ(xcrs.xcrs[0].xcr, 0);
	EXPECT_EQ(xcrs.xcrs[0].value, 7);
	ASSERT_EQ(okvm_ioctl(self->g.vcpu[0].fd, KVM_GET_XSAVE2, xs), 0);
	/* The upper half of YMM0 is live: XSTATE_BV has AVX. */
	EXPECT_NE(*(uint64_t *)(xs + XSAVE_HDR) & XFEATURE_YMM, 0);
	ASSERT_EQ(okvm_ioctl(self->g.vcpu[0].fd, KVM_GET_DEBUGREGS, &dbg), 0);

	/* A fresh VM with the same code; the state comes in as KVM's order. */
	ASSERT_EQ(guest_init(&g2, G_MEM_DEFAULT, GUEST_LONG, xsave_guest,
			     xsave_guest_end), 0);
	ASSERT_EQ(guest_set_sregs(&g2, 0, &sregs), 0);
	ASSERT_EQ(okvm_ioctl(g2.vcpu[0].fd, KVM_SET_XCRS, &xcrs), 0);
	ASSERT_EQ(okvm_ioctl(g2.vcpu[0].fd, KVM_SET_XSAVE, xs), 0);
	ASSERT_EQ(okvm_ioctl(g2.vcpu[0].fd, KVM_SET_DEBUGREGS, &dbg), 0);
	ASSERT_EQ(guest_set_regs(&g2, 0, &regs), 0);
	ASSERT_EQ(okvm_ioctl(g2.vcpu[0].fd, KVM_GET_DEBUGREGS, &dbg2), 0);
	EXPECT_EQ(dbg2.db[0], 0x1000);
	EXPECT_EQ(dbg2.db[3], 0x7ffff000);
	EXPECT_EQ(dbg2.dr7, dbg.dr7);

	ASSERT_EQ(guest_run(&g2, 0), 0);
	ASSERT_EXIT(g2.vcpu[0].run, KVM_EXIT_HLT);
	EXPECT_EQ(memcmp(guest_ptr(&g2, G_DATA + 0x100), pattern, 32), 0);
	EXPECT_EQ(memcmp(guest_ptr(&g2, G_DATA + 0x120), pattern + 32, 16), 0);
	EXPECT_EQ(*(uint32_t *)guest_ptr(&g2, G_DATA + 0x140), 7);
	EXPECT_NE(*(uint64_t *)guest_ptr(&g2, G_DATA + 0x148) & CR4_OSXSAVE, 0);
	ASSERT_EQ(okvm_ioctl(g2.vcpu[0].fd, KVM_GET_DEBUGREGS, &dbg2), 0);
	EXPECT_EQ(dbg2.db[0], 0x1000);
	free(xs);
	guest_destroy(&g2);
}

/* The XCR0 set with KVM_SET_XCRS is the one the guest runs with. */
GUEST_CODE(xgetbv_guest, ".code64",
	"mov %cr4, %rax\n"
	"or $0x40000, %rax\n"
	"mov %rax, %cr4\n"
	"xor %ecx, %ecx\n"
	"xgetbv\n"
	"out %eax, $0x10\n"
	"xor %ecx, %ecx\n"
	"xgetbv\n"
	"out %eax, $0x10\n"
	"hlt\n");

TEST_F(g, xcr0_loaded)
{
	struct kvm_xcrs xcrs;
	struct kvm_run *run;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, xgetbv_guest,
			     xgetbv_guest_end), 0);
	if ((supported_xcr0(&self->g) & 7) != 7)
		SKIP(return, "no x87/SSE/AVX in the supported XCR0");
	run = self->g.vcpu[0].run;
	memset(&xcrs, 0, sizeof(xcrs));
	xcrs.nr_xcrs = 1;
	xcrs.xcrs[0].value = XFEATURE_FP | XFEATURE_SSE;
	ASSERT_EQ(okvm_ioctl(self->g.vcpu[0].fd, KVM_SET_XCRS, &xcrs), 0);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x10, 4, 1);
	EXPECT_EQ(guest_out32(run), XFEATURE_FP | XFEATURE_SSE);
	xcrs.xcrs[0].value = 7;
	ASSERT_EQ(okvm_ioctl(self->g.vcpu[0].fd, KVM_SET_XCRS, &xcrs), 0);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x10, 4, 1);
	EXPECT_EQ(guest_out32(run), 7);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(run, KVM_EXIT_HLT);
}

/* What KVM refuses in KVM_SET_XSAVE, KVM_SET_XCRS, KVM_SET_DEBUGREGS. */
TEST_F(g, state_errnos)
{
	struct kvm_debugregs dbg, bad_dbg;
	struct kvm_xcrs xcrs, bad;
	uint8_t *xs, *b;
	uint64_t sup;
	long size;
	int fd;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, xsave_guest,
			     xsave_guest_end), 0);
	fd = self->g.vcpu[0].fd;

	/* DEBUGREGS: flags and DR6/DR7 bits 63:32. */
	ASSERT_EQ(okvm_ioctl(self->g.kvm, KVM_CHECK_EXTENSION, KVM_CAP_DEBUGREGS), 1);
	ASSERT_EQ(okvm_ioctl(fd, KVM_GET_DEBUGREGS, &dbg), 0);
	bad_dbg = dbg;
	bad_dbg.flags = 1;
	EXPECT_EQ(okvm_ioctl(fd, KVM_SET_DEBUGREGS, &bad_dbg), -EINVAL);
	bad_dbg = dbg;
	bad_dbg.dr6 |= 1ULL << 32;
	EXPECT_EQ(okvm_ioctl(fd, KVM_SET_DEBUGREGS, &bad_dbg), -EINVAL);
	bad_dbg = dbg;
	bad_dbg.dr7 |= 1ULL << 40;
	EXPECT_EQ(okvm_ioctl(fd, KVM_SET_DEBUGREGS, &bad_dbg), -EINVAL);
	EXPECT_EQ(okvm_ioctl(fd, KVM_SET_DEBUGREGS, &dbg), 0);

	sup = supported_xcr0(&self->g);
	if (!okvm_ioctl(self->g.kvm, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE)) {
		EXPECT_EQ(sup, 0);
		SKIP(return, "no KVM_CAP_XSAVE");
	}
	ASSERT_NE(sup & XFEATURE_FP, 0);
	ASSERT_EQ(okvm_ioctl(self->g.kvm, KVM_CHECK_EXTENSION, KVM_CAP_XCRS), 1);

	/* XCRS: flags, too many entries, XCR0 values XSETBV would #GP on. */
	ASSERT_EQ(okvm_ioctl(fd, KVM_GET_XCRS, &xcrs), 0);
	ASSERT_EQ(xcrs.nr_xcrs, 1);
	EXPECT_EQ(xcrs.xcrs[0].value, XFEATURE_FP);	/* the reset value */
	bad = xcrs;
	bad.flags = 1;
	EXPECT_EQ(okvm_ioctl(fd, KVM_SET_XCRS, &bad), -EINVAL);
	bad = xcrs;
	bad.nr_xcrs = KVM_MAX_XCRS + 1;
	EXPECT_EQ(okvm_ioctl(fd, KVM_SET_XCRS, &bad), -EINVAL);
	bad = xcrs;
	bad.xcrs[0].value = XFEATURE_SSE;		/* no x87 */
	EXPECT_EQ(okvm_ioctl(fd, KVM_SET_XCRS, &bad), -EINVAL);
	bad.xcrs[0].value = XFEATURE_FP | (1ULL << 62);	/* not supported */
	EXPECT_EQ(okvm_ioctl(fd, KVM_SET_XCRS, &bad), -EINVAL);
	if (sup & XFEATURE_YMM) {
		bad.xcrs[0].value = XFEATURE_FP | XFEATURE_YMM;	/* AVX w/o SSE */
		EXPECT_EQ(okvm_ioctl(fd, KVM_SET_XCRS, &bad), -EINVAL);
	}
	ASSERT_EQ(okvm_ioctl(fd, KVM_GET_XCRS, &bad), 0);
	EXPECT_EQ(bad.xcrs[0].value, XFEATURE_FP);	/* nothing took effect */
	bad = xcrs;
	bad.xcrs[0].value = sup & 7;
	EXPECT_EQ(okvm_ioctl(fd, KVM_SET_XCRS, &bad), 0);
	ASSERT_EQ(okvm_ioctl(fd, KVM_GET_XCRS, &bad), 0);
	EXPECT_EQ(bad.xcrs[0].value, sup & 7);

	/* XSAVE: unsupported XSTATE_BV, XCOMP_BV, reserved header, MXCSR. */
	size = okvm_ioctl(self->g.kvm, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
	ASSERT_GE(size, (long)sizeof(struct kvm_xsave));
	xs = calloc(1, size);
	b = calloc(1, size);
	ASSERT_NE(xs, NULL);
	ASSERT_NE(b, NULL);
	ASSERT_EQ(okvm_ioctl(fd, KVM_GET_XSAVE, xs), 0);
	EXPECT_EQ(*(uint16_t *)xs, 0x37f);		/* FCW after reset */
	EXPECT_EQ(*(uint32_t *)(xs + XSAVE_MXCSR), 0x1f80);
	EXPECT_EQ(*(uint64_t *)(xs + XSAVE_HDR + 8), 0);	/* never compacted */
	EXPECT_EQ(okvm_ioctl(fd, KVM_SET_XSAVE, xs), 0);

	memcpy(b, xs, size);
	*(uint64_t *)(b + XSAVE_HDR) |= 1ULL << 62;
	EXPECT_EQ(okvm_ioctl(fd, KVM_SET_XSAVE, b), -EINVAL);
	memcpy(b, xs, size);
	*(uint64_t *)(b + XSAVE_HDR + 8) = (1ULL << 63) | 3;
	EXPECT_EQ(okvm_ioctl(fd, KVM_SET_XSAVE, b), -EINVAL);
	memcpy(b, xs, size);
	*(uint64_t *)(b + XSAVE_HDR + 16) = 1;
	EXPECT_EQ(okvm_ioctl(fd, KVM_SET_XSAVE, b), -EINVAL);
	memcpy(b, xs, size);
	*(uint64_t *)(b + XSAVE_HDR) |= XFEATURE_FP | XFEATURE_SSE;
	*(uint32_t *)(b + XSAVE_MXCSR) = 0x80001f80;
	EXPECT_EQ(okvm_ioctl(fd, KVM_SET_XSAVE, b), -EINVAL);
	/* A good image with a new MXCSR is taken and read back. */
	memcpy(b, xs, size);
	*(uint64_t *)(b + XSAVE_HDR) |= XFEATURE_FP | XFEATURE_SSE;
	*(uint32_t *)(b + XSAVE_MXCSR) = 0x1fc0;
	EXPECT_EQ(okvm_ioctl(fd, KVM_SET_XSAVE, b), 0);
	ASSERT_EQ(okvm_ioctl(fd, KVM_GET_XSAVE2, xs), 0);
	EXPECT_EQ(*(uint32_t *)(xs + XSAVE_MXCSR), 0x1fc0);
	free(xs);
	free(b);
}

/* CR4.OSXSAVE is reserved without XSAVE in the vCPU's CPUID. */
GUEST_CODE(osxsave_guest, ".code64",
	"mov %cr4, %rax\n"
	"or $0x40000, %rax\n"
	"out %al, $0x10\n"
	"mov %rax, %cr4\n"		/* #GP; no IDT: triple fault */
	"out %al, $0x11\n"
	"hlt\n");

TEST_F(g, osxsave_needs_xsave)
{
	struct kvm_cpuid_entry2 *e;
	struct kvm_sregs s;
	struct kvm_run *run;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, osxsave_guest,
			     osxsave_guest_end), 0);
	run = self->g.vcpu[0].run;
	e = find_leaf(self->g.cpuid, 1, 0);
	ASSERT_NE(e, NULL);
	e->ecx &= ~((1u << 26) | (1u << 27) | (1u << 28));	/* XSAVE, AVX */
	ASSERT_EQ(okvm_ioctl(self->g.vcpu[0].fd, KVM_SET_CPUID2, self->g.cpuid), 0);
	ASSERT_EQ(guest_get_sregs(&self->g, 0, &s), 0);
	s.cr4 |= CR4_OSXSAVE;
	EXPECT_EQ(guest_set_sregs(&self->g, 0, &s), -EINVAL);
	s.cr4 &= ~CR4_OSXSAVE;
	s.idt.base = 0;
	s.idt.limit = 0;
	ASSERT_EQ(guest_set_sregs(&self->g, 0, &s), 0);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x10, 1, 1);
	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(run, KVM_EXIT_SHUTDOWN);
}

/* MXCSR_MASK as this CPU's FXSAVE writes it (0 there means 0xffbf). */
static uint32_t cpu_mxcsr_mask(void)
{
	struct { _Alignas(16) uint8_t b[512]; } fx = { { 0 } };
	uint32_t mask;

	asm volatile("fxsave %0" : "=m"(fx));
	memcpy(&mask, fx.b + XSAVE_MXCSR_MASK, sizeof(mask));
	return mask ? mask : 0xffbf;
}

/* A triple fault: no IDT for the #UD. */
GUEST_CODE(shutdown_guest, ".code64",
	"movdqu 0x100000, %xmm2\n"
	"ud2\n");

/*
 * KVM_GET_XSAVE gives MXCSR_MASK in the legacy region, as FXSAVE and XSAVE
 * write it: a VMM that hands the image to XRSTOR or to another VM keeps
 * the mask, and QEMU checks MXCSR against it. It must be the CPU's after
 * RESET (vCPU creation) too, not only once the guest ran, and after a
 * shutdown, which resets okvm's vCPU.
 */
TEST_F(g, mxcsr_mask_after_reset)
{
	uint32_t want = cpu_mxcsr_mask(), got;
	struct kvm_run *run;
	uint8_t *xs;
	long size;
	int fd;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, shutdown_guest,
			     shutdown_guest_end), 0);
	fd = self->g.vcpu[0].fd;
	run = self->g.vcpu[0].run;
	size = okvm_ioctl(self->g.kvm, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
	ASSERT_GE(size, (long)sizeof(struct kvm_xsave));
	xs = calloc(1, size);
	ASSERT_NE(xs, NULL);

	ASSERT_EQ(okvm_ioctl(fd, KVM_GET_XSAVE2, xs), 0);
	memcpy(&got, xs + XSAVE_MXCSR_MASK, sizeof(got));
	EXPECT_EQ(got, want) TH_LOG("a new vCPU");

	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(run, KVM_EXIT_SHUTDOWN);
	ASSERT_EQ(okvm_ioctl(fd, KVM_GET_XSAVE2, xs), 0);
	memcpy(&got, xs + XSAVE_MXCSR_MASK, sizeof(got));
	EXPECT_EQ(got, want) TH_LOG("after a shutdown");
	free(xs);
}

/* XMM3 and MXCSR from G_DATA, then a triple fault (no IDT for the #UD). */
GUEST_CODE(init_keeps_guest, ".code64",
	"movdqu 0x100000, %xmm3\n"
	"ldmxcsr 0x100010\n"
	"ud2\n");

#define XSAVE_XMM3	(160 + 3 * 16)
#define INIT_MXCSR	0x3f80		/* round down, exceptions masked */
#define MSR_PAT		0x277
#define PAT_SET		0x0006060606060606ULL
#define PAT_RESET	0x0007040600070406ULL
#define CR0_ET		(1ULL << 4)
#define CR0_NW		(1ULL << 29)
#define CR0_CD		(1ULL << 30)

/*
 * A shutdown is INIT on AMD's SVM in KVM (the VMCB is undefined after
 * one). INIT leaves x87/SSE/AVX state, XCR0, the PAT and CR0.CD/NW alone
 * (SDM vol. 3, table 10-1; KVM's kvm_vcpu_reset()), where RESET (a new
 * vCPU) sets CD and NW and the PAT's power-on value.
 */
TEST_F(g, shutdown_is_init_not_reset)
{
	static const uint8_t xmm[16] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
					 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc,
					 0xdd, 0xee, 0xff, 0x5a };
	struct kvm_xcrs xcrs = { .nr_xcrs = 1 }, got_xcrs;
	uint64_t sup, pat, want_xcr0 = XFEATURE_FP;
	struct kvm_sregs s;
	struct kvm_run *run;
	uint32_t mxcsr;
	uint8_t *xs;
	long size;
	int fd;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, init_keeps_guest,
			     init_keeps_guest_end), 0);
	fd = self->g.vcpu[0].fd;
	run = self->g.vcpu[0].run;
	memcpy(guest_ptr(&self->g, G_DATA), xmm, sizeof(xmm));
	*(uint32_t *)guest_ptr(&self->g, G_DATA + 0x10) = INIT_MXCSR;
	sup = supported_xcr0(&self->g);
	if (sup & XFEATURE_SSE) {
		want_xcr0 = sup & 7;
		xcrs.xcrs[0].value = want_xcr0;
		ASSERT_EQ(okvm_ioctl(fd, KVM_SET_XCRS, &xcrs), 0);
	}
	/* RESET's PAT on a new vCPU; then one of the test's own. */
	ASSERT_EQ(okvm_get_msr(fd, MSR_PAT, &pat), 1);
	EXPECT_EQ(pat, PAT_RESET);
	ASSERT_EQ(okvm_set_msr(fd, MSR_PAT, PAT_SET), 1);
	ASSERT_EQ(guest_get_sregs(&self->g, 0, &s), 0);
	EXPECT_EQ(s.cr0 & (CR0_CD | CR0_NW), 0);

	ASSERT_EQ(guest_run(&self->g, 0), 0);
	ASSERT_EXIT(run, KVM_EXIT_SHUTDOWN);

	size = okvm_ioctl(self->g.kvm, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
	ASSERT_GE(size, (long)sizeof(struct kvm_xsave));
	xs = calloc(1, size);
	ASSERT_NE(xs, NULL);
	ASSERT_EQ(okvm_ioctl(fd, KVM_GET_XSAVE2, xs), 0);
	EXPECT_EQ(memcmp(xs + XSAVE_XMM3, xmm, sizeof(xmm)), 0);
	memcpy(&mxcsr, xs + XSAVE_MXCSR, sizeof(mxcsr));
	EXPECT_EQ(mxcsr, INIT_MXCSR);
	free(xs);
	ASSERT_EQ(okvm_ioctl(fd, KVM_GET_XCRS, &got_xcrs), 0);
	EXPECT_EQ(got_xcrs.xcrs[0].value, want_xcr0);
	ASSERT_EQ(okvm_get_msr(fd, MSR_PAT, &pat), 1);
	EXPECT_EQ(pat, PAT_SET);
	/* The rest is INIT's: real mode at F000:FFF0, CR0 = ET (CD, NW kept clear). */
	ASSERT_EQ(guest_get_sregs(&self->g, 0, &s), 0);
	EXPECT_EQ(s.cr0, CR0_ET);
	EXPECT_EQ(s.cs.selector, 0xf000);
	EXPECT_EQ(s.efer, 0);
}

/*
 * The guest keeps a pattern in XMM7 and a non-default MXCSR through
 * 20000 in-kernel exits (CPUID), stores them, stops at an OUT, and
 * stores XMM7 again after the VMM ran with its own XMM7 in between.
 */
#define FPU_MXCSR	0x9fc0		/* FZ, DAZ and the masks */
GUEST_CODE(fpu_guest, ".code64",
	"movdqu 0x100000, %xmm7\n"
	"ldmxcsr 0x100010\n"
	"mov $20000, %r8d\n"
	"1: xor %eax, %eax\n"
	"cpuid\n"
	"dec %r8d\n"
	"jnz 1b\n"
	"movdqu %xmm7, 0x100100\n"
	"stmxcsr 0x100110\n"
	"out %al, $0x10\n"
	"movdqu %xmm7, 0x100120\n"
	"stmxcsr 0x100130\n"
	"hlt\n");

/*
 * KVM_RUN by a raw syscall with @in in the VMM's XMM7: the kernel keeps a
 * task's FPU registers across a system call, so XMM7 must come back as it
 * went in (into @out) whatever the guest did with its own.
 */
static long run_with_xmm7(int fd, const uint8_t in[16], uint8_t out[16])
{
	long rax = SYS_ioctl;

	asm volatile("movdqu %[in], %%xmm7\n\t"
		     "syscall\n\t"
		     "movdqu %%xmm7, %[out]"
		     : "+a" (rax), [out] "=m" (*(uint8_t (*)[16])out)
		     : [in] "m" (*(const uint8_t (*)[16])in), "D" ((long)fd),
		       "S" ((long)KVM_RUN), "d" (0L)
		     : "rcx", "r11", "xmm7", "memory");
	return rax;
}

struct fpu_noise {
	int stop;
	unsigned long rounds, mismatches;
};

/*
 * A thread on the vCPU thread's CPU that keeps its own XMM7 and checks it:
 * the scheduler switches between the two while the guest runs, with the
 * guest's FPU state loaded as the vCPU thread's.
 */
static void *fpu_noise_thread(void *arg)
{
	struct fpu_noise *n = arg;
	uint8_t mine[16], back[16];
	int i;

	for (i = 0; i < 16; i++)
		mine[i] = 0xa0 + i;
	while (!__atomic_load_n(&n->stop, __ATOMIC_RELAXED)) {
		asm volatile("movdqu %[in], %%xmm7\n\t"
			     "mov $20000, %%ecx\n\t"
			     "1: pause\n\t"
			     "dec %%ecx\n\t"
			     "jnz 1b\n\t"
			     "movdqu %%xmm7, %[out]"
			     : [out] "=m" (back) : [in] "m" (mine)
			     : "rcx", "xmm7", "memory");
		if (memcmp(back, mine, 16))
			n->mismatches++;
		__atomic_fetch_add(&n->rounds, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static long nivcsw(void)
{
	char path[64], line[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/status",
		 (long)syscall(SYS_gettid));
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "nonvoluntary_ctxt_switches: %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

TEST_F_TIMEOUT(g, fpu_apart_across_exits_and_switches, 300)
{
	uint8_t guest_x[16], host1[16], host2[16], back[16];
	struct fpu_noise noise = {};
	struct kvm_run *run;
	pthread_t noise_tid;
	unsigned long rounds;
	long before, after;
	cpu_set_t cpus;
	int i, fd;

	ASSERT_EQ(guest_init(&self->g, G_MEM_DEFAULT, GUEST_LONG, fpu_guest,
			     fpu_guest_end), 0);
	fd = self->g.vcpu[0].fd;
	run = self->g.vcpu[0].run;
	for (i = 0; i < 16; i++) {
		guest_x[i] = 0x10 + i;
		host1[i] = 0x50 + i;
		host2[i] = 0x70 + i;
	}
	memcpy(guest_ptr(&self->g, G_DATA), guest_x, 16);
	*(uint32_t *)guest_ptr(&self->g, G_DATA + 0x10) = FPU_MXCSR;

	/* Both threads on one CPU, so that they take turns on it. */
	CPU_ZERO(&cpus);
	ASSERT_EQ(sched_getaffinity(0, sizeof(cpus), &cpus), 0);
	for (i = 0; !CPU_ISSET(i, &cpus); i++)
		;
	CPU_ZERO(&cpus);
	CPU_SET(i, &cpus);
	ASSERT_EQ(sched_setaffinity(0, sizeof(cpus), &cpus), 0);
	ASSERT_EQ(pthread_create(&noise_tid, NULL, fpu_noise_thread, &noise), 0);
	ASSERT_EQ(pthread_setaffinity_np(noise_tid, sizeof(cpus), &cpus), 0);

	rounds = __atomic_load_n(&noise.rounds, __ATOMIC_RELAXED);
	before = nivcsw();
	EXPECT_EQ(run_with_xmm7(fd, host1, back), 0);
	after = nivcsw();
	rounds = __atomic_load_n(&noise.rounds, __ATOMIC_RELAXED) - rounds;
	EXPECT_EQ(memcmp(back, host1, 16), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x10, 1, 1);
	EXPECT_EQ(run_with_xmm7(fd, host2, back), 0);
	EXPECT_EQ(memcmp(back, host2, 16), 0);
	ASSERT_EXIT(run, KVM_EXIT_HLT);

	__atomic_store_n(&noise.stop, 1, __ATOMIC_RELAXED);
	pthread_join(noise_tid, NULL);
	/* The check is only worth something if the threads did take turns. */
	TH_LOG("%ld involuntary switches in the exit loop, %lu noise rounds in it",
	       after - before, rounds);
	EXPECT_GT(after - before, 0);
	EXPECT_GT(rounds, 0);
	EXPECT_EQ(noise.mismatches, 0);
	EXPECT_EQ(memcmp(guest_ptr(&self->g, G_DATA + 0x100), guest_x, 16), 0);
	EXPECT_EQ(memcmp(guest_ptr(&self->g, G_DATA + 0x120), guest_x, 16), 0);
	EXPECT_EQ(*(uint32_t *)guest_ptr(&self->g, G_DATA + 0x110), FPU_MXCSR);
	EXPECT_EQ(*(uint32_t *)guest_ptr(&self->g, G_DATA + 0x130), FPU_MXCSR);
}

TEST_HARNESS_MAIN
