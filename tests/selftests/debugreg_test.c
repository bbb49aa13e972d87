// SPDX-License-Identifier: GPL-2.0-only
/*
 * MOV to and from the debug registers, seen from a 64-bit guest and from
 * KVM_GET/SET_DEBUGREGS:
 *  - what the guest writes to DR0-3, DR6 and DR7 is what userspace reads,
 *    and the other way round, with DR6's and DR7's fixed bits;
 *  - DR4 and DR5 are DR6 and DR7 without CR4.DE and #UD with it;
 *  - writing a 1 to bits 63:32 of DR6 or DR7 is #GP(0);
 *  - with DR7.GD set any MOV DR is a #DB fault with DR6.BD, GD cleared;
 *  - a DR7 that enables a watchpoint, then (from userspace) an instruction
 *    breakpoint in the same slot, then none: the sequence that corrupts
 *    QEMU 7.2's TCG (the test machine's CPU) when the guest's MOV DR7 runs
 *    natively (docs/testing.md, "QEMU's TCG and DR7").
 *
 * Each KVM_RUN executes exactly one MOV DR, then an OUT.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include "kselftest_harness.h"
#include "lib/guest.h"
#include "lib/guest_fixture.h"
#include <linux/okvm.h>

#define G_IDT		0x101000
#define P_DONE		0x10	/* the MOV retired: RAX holds what it read */
#define P_EXC		0x20	/* a handler ran: EAX = vector */

#define DR6_INIT	0xffff0ff0ULL
#define DR7_INIT	0x400ULL
#define DR6_BD		(1ULL << 13)
#define DR7_GD		(1ULL << 13)
#define CR4_DE		(1ULL << 3)

#define S(x)		#x
#define XS(x)		S(x)

/* Exception handlers: report the vector and stop. */
GUEST_CODE(dr_handlers, ".code64",
	"dr_db: mov $1, %eax\n"
	"out %eax, $" XS(P_EXC) "\n"
	"hlt\n"
	"dr_ud: mov $6, %eax\n"
	"out %eax, $" XS(P_EXC) "\n"
	"hlt\n"
	"dr_gp: mov $13, %eax\n"
	"out %eax, $" XS(P_EXC) "\n"
	"hlt\n");
extern const uint8_t dr_db[], dr_ud[], dr_gp[];

#define H_BASE	(G_CODE + 0x1000)	/* the handlers; the MOV stub at G_CODE */

static uint64_t h_gpa(const uint8_t *sym)
{
	return H_BASE + (sym - dr_handlers);
}

static int dr_setup(struct guest *g)
{
	static const uint8_t nop = 0x90;
	int r;

	r = guest_init(g, G_MEM_DEFAULT, GUEST_LONG, &nop, &nop + 1);
	if (r)
		return r;
	guest_load(g, H_BASE, dr_handlers, dr_handlers_end);
	r = guest_set_irq_handler(g, 0, G_IDT, 1, h_gpa(dr_db));
	if (!r)
		r = guest_set_irq_handler(g, 0, G_IDT, 6, h_gpa(dr_ud));
	if (!r)
		r = guest_set_irq_handler(g, 0, G_IDT, 13, h_gpa(dr_gp));
	return r;
}

/*
 * Run one "mov %rbx, %drN" (write) or "mov %drN, %rax" (read) at G_CODE,
 * then "out %al, $P_DONE". Returns the port of the OUT that ended the run
 * (P_DONE, or P_EXC with *val the vector), or -1 on any other exit.
 */
static int dr_mov(struct guest *g, bool write, int dr, uint64_t *val)
{
	uint8_t *code = guest_ptr(g, G_CODE);
	struct kvm_run *run = g->vcpu[0].run;
	struct kvm_regs regs;

	code[0] = 0x0f;
	code[1] = write ? 0x23 : 0x21;
	/* ModRM 11 dr rm: RBX (3) as the source, RAX (0) as the target. */
	code[2] = 0xc0 | dr << 3 | (write ? 3 : 0);
	code[3] = 0xe6;		/* out %al, $imm8 */
	code[4] = P_DONE;
	code[5] = 0xf4;
	if (guest_get_regs(g, 0, &regs))
		return -1;
	regs.rip = G_CODE;
	regs.rax = 0x5a5a5a5a5a5a5a5aULL;
	regs.rbx = write ? *val : 0;
	regs.rflags = 2;
	if (guest_set_regs(g, 0, &regs))
		return -1;
	if (guest_run_timeout(g, 0, 10) || run->exit_reason != KVM_EXIT_IO ||
	    run->io.direction != KVM_EXIT_IO_OUT) {
		printf("# MOV %s DR%d: %s\n", write ? "to" : "from", dr,
		       guest_exit_str(run));
		return -1;
	}
	if (guest_get_regs(g, 0, &regs))
		return -1;
	if (run->io.port == P_EXC)
		*val = regs.rax & 0xff;
	else if (!write)
		*val = regs.rax;
	return run->io.port;
}

/*
 * KVM intercepts a guest's first MOV DR of an entry only to stop
 * intercepting and run it again on the CPU. Under QEMU's TCG, the test
 * machine's CPU, such a MOV neither honours DR7.GD nor keeps TCG's own
 * breakpoint lists right (it kills QEMU in the last test). Only okvm,
 * whose own capability answers, emulates every MOV DR.
 */
static bool every_mov_dr_exits(struct guest *g)
{
	return okvm_is_okvm(g->kvm);
}

static int get_dregs(struct guest *g, struct kvm_debugregs *d)
{
	return okvm_ioctl(g->vcpu[0].fd, KVM_GET_DEBUGREGS, d);
}

static int set_dregs(struct guest *g, uint64_t dr6, uint64_t dr7)
{
	struct kvm_debugregs d;
	int r = get_dregs(g, &d);

	if (r)
		return r;
	d.dr6 = dr6;
	d.dr7 = dr7;
	return okvm_ioctl(g->vcpu[0].fd, KVM_SET_DEBUGREGS, &d);
}

static int set_cr4_de(struct guest *g, bool on)
{
	struct kvm_sregs s;
	int r = guest_get_sregs(g, 0, &s);

	if (r)
		return r;
	s.cr4 = on ? s.cr4 | CR4_DE : s.cr4 & ~CR4_DE;
	return guest_set_sregs(g, 0, &s);
}

TEST_F(g, guest_writes_userspace_reads)
{
	static const uint64_t db[4] = {
		0x1000, 0xffffffff81000000ULL, 0x7ffffffff000ULL, 0x123456789abcULL,
	};
	struct kvm_debugregs d;
	uint64_t v;
	int i;

	ASSERT_EQ(dr_setup(&self->g), 0);
	for (i = 0; i < 4; i++) {
		v = db[i];
		ASSERT_EQ(dr_mov(&self->g, true, i, &v), P_DONE);
	}
	/* B1 and BS reported; the fixed bits read 1 whatever is written. */
	v = 0x4002;
	ASSERT_EQ(dr_mov(&self->g, true, 6, &v), P_DONE);
	/* G0, L3, a write watchpoint in slot 3 (RW3=01, LEN3=11), LE. */
	v = 0xd0000142;
	ASSERT_EQ(dr_mov(&self->g, true, 7, &v), P_DONE);
	ASSERT_EQ(get_dregs(&self->g, &d), 0);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(d.db[i], db[i]);
	EXPECT_EQ(d.dr6, DR6_INIT | 0x4002);
	EXPECT_EQ(d.dr7, DR7_INIT | 0xd0000142);
	/* The guest reads back what it wrote. */
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(dr_mov(&self->g, false, i, &v), P_DONE);
		EXPECT_EQ(v, db[i]);
	}
	ASSERT_EQ(dr_mov(&self->g, false, 7, &v), P_DONE);
	EXPECT_EQ(v, DR7_INIT | 0xd0000142);
	/* Disarm before the fixture's teardown runs anything else. */
	v = 0;
	ASSERT_EQ(dr_mov(&self->g, true, 7, &v), P_DONE);
}

TEST_F(g, userspace_writes_guest_reads)
{
	struct kvm_debugregs d;
	uint64_t v;

	ASSERT_EQ(dr_setup(&self->g), 0);
	ASSERT_EQ(get_dregs(&self->g, &d), 0);
	EXPECT_EQ(d.dr6, DR6_INIT);
	EXPECT_EQ(d.dr7, DR7_INIT);
	d.db[2] = 0xfffff000;
	d.dr6 = DR6_INIT | 0x8001;
	d.dr7 = DR7_INIT | 0x20;	/* L2 */
	ASSERT_EQ(okvm_ioctl(self->g.vcpu[0].fd, KVM_SET_DEBUGREGS, &d), 0);
	ASSERT_EQ(dr_mov(&self->g, false, 2, &v), P_DONE);
	EXPECT_EQ(v, 0xfffff000);
	ASSERT_EQ(dr_mov(&self->g, false, 6, &v), P_DONE);
	EXPECT_EQ(v, DR6_INIT | 0x8001);
	ASSERT_EQ(dr_mov(&self->g, false, 7, &v), P_DONE);
	EXPECT_EQ(v, DR7_INIT | 0x20);
	ASSERT_EQ(set_dregs(&self->g, DR6_INIT, DR7_INIT), 0);
}

TEST_F(g, dr4_dr5_alias_without_de)
{
	uint64_t v;

	ASSERT_EQ(dr_setup(&self->g), 0);
	ASSERT_EQ(set_dregs(&self->g, DR6_INIT | 0x1, DR7_INIT | 0x8), 0);
	ASSERT_EQ(dr_mov(&self->g, false, 4, &v), P_DONE);
	EXPECT_EQ(v, DR6_INIT | 0x1);
	ASSERT_EQ(dr_mov(&self->g, false, 5, &v), P_DONE);
	EXPECT_EQ(v, DR7_INIT | 0x8);
	v = 0x2;
	ASSERT_EQ(dr_mov(&self->g, true, 5, &v), P_DONE);
	ASSERT_EQ(dr_mov(&self->g, false, 7, &v), P_DONE);
	EXPECT_EQ(v, DR7_INIT | 0x2);
	v = 0;
	ASSERT_EQ(dr_mov(&self->g, true, 7, &v), P_DONE);
}

TEST_F(g, dr4_dr5_ud_with_de)
{
	uint64_t v;

	ASSERT_EQ(dr_setup(&self->g), 0);
	ASSERT_EQ(set_cr4_de(&self->g, true), 0);
	ASSERT_EQ(dr_mov(&self->g, false, 4, &v), P_EXC);
	EXPECT_EQ(v, 6);
	v = 0x2;
	ASSERT_EQ(dr_mov(&self->g, true, 5, &v), P_EXC);
	EXPECT_EQ(v, 6);
	/* Nothing was written. */
	ASSERT_EQ(set_cr4_de(&self->g, false), 0);
	ASSERT_EQ(dr_mov(&self->g, false, 7, &v), P_DONE);
	EXPECT_EQ(v, DR7_INIT);
}

TEST_F(g, high_bits_gp)
{
	struct kvm_debugregs d;
	uint64_t v;

	ASSERT_EQ(dr_setup(&self->g), 0);
	v = DR7_INIT | 1ULL << 32;
	ASSERT_EQ(dr_mov(&self->g, true, 7, &v), P_EXC);
	EXPECT_EQ(v, 13);
	v = DR6_INIT | 1ULL << 63;
	ASSERT_EQ(dr_mov(&self->g, true, 6, &v), P_EXC);
	EXPECT_EQ(v, 13);
	ASSERT_EQ(get_dregs(&self->g, &d), 0);
	EXPECT_EQ(d.dr6, DR6_INIT);
	EXPECT_EQ(d.dr7, DR7_INIT);
}

TEST_F(g, general_detect)
{
	struct kvm_debugregs d;
	struct kvm_regs regs;
	uint64_t v;

	ASSERT_EQ(dr_setup(&self->g), 0);
	if (!every_mov_dr_exits(&self->g))
		SKIP(return, "MOV DR runs on the CPU (not okvm): TCG has no DR7.GD");
	ASSERT_EQ(set_dregs(&self->g, DR6_INIT, DR7_INIT | DR7_GD), 0);
	ASSERT_EQ(dr_mov(&self->g, false, 0, &v), P_EXC);
	EXPECT_EQ(v, 1);
	ASSERT_EQ(get_dregs(&self->g, &d), 0);
	EXPECT_EQ(d.dr6 & DR6_BD, DR6_BD);
	EXPECT_EQ(d.dr7 & DR7_GD, 0);
	/* A fault: the frame the handler got points at the MOV. */
	ASSERT_EQ(guest_get_regs(&self->g, 0, &regs), 0);
	EXPECT_EQ(*(uint64_t *)guest_ptr(&self->g, regs.rsp), G_CODE);
	/* GD is clear now: the same MOV retires. */
	ASSERT_EQ(dr_mov(&self->g, false, 0, &v), P_DONE);
}

/*
 * A watchpoint armed by the guest, the same slot made an instruction
 * breakpoint by userspace, then disarmed by the guest. Before okvm
 * intercepted MOV DR this killed the test machine's QEMU (segfault at
 * 0x2300000000: a watchpoint unlinked as a breakpoint).
 */
TEST_F(g, watchpoint_then_breakpoint_slot)
{
	struct kvm_debugregs d;
	uint64_t v;

	ASSERT_EQ(dr_setup(&self->g), 0);
	if (!every_mov_dr_exits(&self->g))
		SKIP(return, "MOV DR runs on the CPU (not okvm): QEMU TCG's DR7 bug");
	ASSERT_EQ(get_dregs(&self->g, &d), 0);
	d.db[1] = G_DATA + 0x800;	/* never accessed */
	ASSERT_EQ(okvm_ioctl(self->g.vcpu[0].fd, KVM_SET_DEBUGREGS, &d), 0);
	/* L1, RW1=11 (read/write), LEN1=11. */
	v = DR7_INIT | 0x4 | 0xf00000;
	ASSERT_EQ(dr_mov(&self->g, true, 7, &v), P_DONE);
	/* L1, RW1=00: an instruction breakpoint at an address never run. */
	ASSERT_EQ(set_dregs(&self->g, DR6_INIT, DR7_INIT | 0x4), 0);
	v = DR7_INIT;
	ASSERT_EQ(dr_mov(&self->g, true, 7, &v), P_DONE);
	ASSERT_EQ(dr_mov(&self->g, false, 7, &v), P_DONE);
	EXPECT_EQ(v, DR7_INIT);
}

TEST_HARNESS_MAIN
