// SPDX-License-Identifier: GPL-2.0-only
/*
 * The in-kernel i8254 PIT, as KVM offers it: its capabilities; the errnos
 * of KVM_CREATE_PIT{,2}, KVM_{GET,SET}_PIT{,2} and KVM_REINJECT_CONTROL
 * in the order KVM checks them; the state KVM_GET_PIT2 shows after
 * creation and after KVM_SET_PIT{,2}; then guests: ports 0x40-0x43 are
 * handled in the kernel (0x61 only with KVM_PIT_SPEAKER_DUMMY), channel 2
 * counts down and answers latch and read-back commands, channel 0 raises
 * IRQ0 through the in-kernel 8259 at the programmed rate, a tick the guest
 * has not acknowledged holds back the next ones unless reinjection is
 * off, and KVM_PIT_FLAGS_HPET_LEGACY keeps channel 0 quiet.
 *
 * The guests program the chips themselves, so the same binary checks
 * okvm's PIT against kvm_amd's. Every KVM_RUN is bounded by an alarm.
 */
#include <errno.h>
#include <stdint.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "lib/guest.h"
#include "lib/guest_fixture.h"

#define G_IDT		(G_DATA + 0x1000)
#define G_HANDLER	(G_CODE + 0x1000)

/* Guest data at G_DATA (numbers without suffix: they are also assembly). */
#define D_TICKS		0x100000	/* u32: interrupts to wait for */
#define D_EOI		0x100004	/* u8: 1 if the IRQ0 handler sends EOI */
_Static_assert(D_TICKS == G_DATA, "guest data sits at G_DATA");

/* What the channel 2 guest read: its own use of G_DATA. */
#define R_SPK_RESET	0x100000	/* u8: port 0x61 before the guest wrote it */
#define R_SPK_ON	0x100001	/* u8: port 0x61 after gate and data on */
#define R_COUNT1	0x100002	/* u16: first latched count */
#define R_COUNT2	0x100004	/* u16: the next latched count that differs */
#define R_STATUS1	0x100006	/* u8: read-back status (with count) */
#define R_COUNT3	0x100008	/* u16: read-back count */
#define R_STATUS2	0x10000a	/* u8: read-back status alone */
#define R_SPK_END	0x10000b	/* u8: port 0x61 at the end */

#define P_REPORT	0x10
#define P_DONE		0x11

#define IRQ0_VECTOR	0x20
#define IRQ0_TICKS	10
#define RUN_SECONDS	5

#define PIT_HZ		1193182ULL
#define CH0_COUNT	1193		/* about 1 ms */
#define CH2_COUNT	0xf000		/* about 51 ms */

#define S(x)		#x
#define XS(x)		S(x)

/*
 * PIT status byte: OUT pin, NULL COUNT, access mode, operating mode, BCD.
 * Channel 2 as the guest programs it: lobyte/hibyte (3), mode 0, binary.
 */
#define STATUS_OUT	0x80
#define CH2_STATUS	0x30

/* LAPIC registers (KVM_GET_LAPIC offsets) and LVT0 as unmasked ExtINT. */
#define APIC_SVR	0xf0
#define APIC_LVT0	0x350
#define LVT0_EXTINT	0x700

/* Port 0x61 (speaker) bits KVM defines: gate 2, data, refresh, OUT 2. */
#define SPK_GATE2	0x01
#define SPK_DATA	0x02
#define SPK_REFRESH	0x10
#define SPK_OUT2	0x20

/*
 * Master 8259: ICW1 edge-triggered, cascade, ICW4 needed; ICW2 vectors
 * 0x20-0x27; ICW3 slave on IR2; ICW4 8086 mode; OCW1 all masked but IRQ0.
 */
#define PIC_INIT							\
	"mov $0x11, %al\n"						\
	"out %al, $0x20\n"						\
	"mov $" XS(IRQ0_VECTOR) ", %al\n"				\
	"out %al, $0x21\n"						\
	"mov $0x04, %al\n"						\
	"out %al, $0x21\n"						\
	"mov $0x01, %al\n"						\
	"out %al, $0x21\n"						\
	"mov $0xfe, %al\n"						\
	"out %al, $0x21\n"

/* Channel 0: lobyte/hibyte, mode 2 (rate generator), binary, CH0_COUNT. */
#define PIT_CH0_RATE							\
	"mov $0x34, %al\n"						\
	"out %al, $0x43\n"						\
	"mov $(" XS(CH0_COUNT) " & 0xff), %al\n"			\
	"out %al, $0x40\n"						\
	"mov $(" XS(CH0_COUNT) " >> 8), %al\n"				\
	"out %al, $0x40\n"

/*
 * IRQ0 guest: PIC and channel 0 set up, then HLT until D_TICKS interrupts
 * were taken; report their count (EAX) on P_REPORT and halt for good.
 * Its IRQ0 handler (at G_HANDLER) counts in EBX and sends a non-specific
 * EOI if D_EOI.
 */
GUEST_CODE(tick_guest, ".code64",
	PIC_INIT
	PIT_CH0_RATE
	"xor %ebx, %ebx\n"
	"sti\n"
	"1: hlt\n"
	"cmp " XS(D_TICKS) ", %ebx\n"
	"jb 1b\n"
	"mov %ebx, %eax\n"
	"out %eax, $" XS(P_REPORT) "\n"
	"2: hlt\n"
	"jmp 2b\n");

GUEST_CODE(tick_handler, ".code64",
	"inc %ebx\n"
	"cmpb $0, " XS(D_EOI) "\n"
	"je 3f\n"
	"push %rax\n"
	"mov $0x20, %al\n"
	"out %al, $0x20\n"
	"pop %rax\n"
	"3: iretq\n");

/*
 * Channel 2 guest: gate 2 and speaker data on through port 0x61, channel
 * 2 in mode 0 with CH2_COUNT, then two counter-latch reads (the second
 * repeated until the count moves, at most 1000 times), a read-back of
 * status and count, a read-back of status alone and port 0x61 again.
 * Everything goes to G_DATA (R_*); one OUT reports it, then it starts
 * over, so the test can run it again.
 */
GUEST_CODE(ch2_guest, ".code64",
	"0: in $0x61, %al\n"
	"mov %al, " XS(R_SPK_RESET) "\n"
	"mov $0x03, %al\n"
	"out %al, $0x61\n"
	"in $0x61, %al\n"
	"mov %al, " XS(R_SPK_ON) "\n"
	/* Channel 2, lobyte/hibyte, mode 0, binary. */
	"mov $0xb0, %al\n"
	"out %al, $0x43\n"
	"mov $(" XS(CH2_COUNT) " & 0xff), %al\n"
	"out %al, $0x42\n"
	"mov $(" XS(CH2_COUNT) " >> 8), %al\n"
	"out %al, $0x42\n"
	/* Counter latch command for channel 2. */
	"mov $0x80, %al\n"
	"out %al, $0x43\n"
	"in $0x42, %al\n"
	"mov %al, %bl\n"
	"in $0x42, %al\n"
	"mov %al, %bh\n"
	"mov %bx, " XS(R_COUNT1) "\n"
	"mov $1000, %ecx\n"
	"1: mov $0x80, %al\n"
	"out %al, $0x43\n"
	"in $0x42, %al\n"
	"mov %al, %dl\n"
	"in $0x42, %al\n"
	"mov %al, %dh\n"
	"cmp %bx, %dx\n"
	"loope 1b\n"
	"mov %dx, " XS(R_COUNT2) "\n"
	/* Read-back of channel 2, count and status: the status comes first. */
	"mov $0xc8, %al\n"
	"out %al, $0x43\n"
	"in $0x42, %al\n"
	"mov %al, " XS(R_STATUS1) "\n"
	"in $0x42, %al\n"
	"mov %al, %dl\n"
	"in $0x42, %al\n"
	"mov %al, %dh\n"
	"mov %dx, " XS(R_COUNT3) "\n"
	/* Read-back of channel 2's status alone. */
	"mov $0xe8, %al\n"
	"out %al, $0x43\n"
	"in $0x42, %al\n"
	"mov %al, " XS(R_STATUS2) "\n"
	"in $0x61, %al\n"
	"mov %al, " XS(R_SPK_END) "\n"
	"out %al, $" XS(P_REPORT) "\n"
	"jmp 0b\n");

/*
 * Port guest: a PIT control word and a count read, then port 0x61 read
 * (reported on P_REPORT) and written; P_DONE at the end.
 */
GUEST_CODE(port_guest, ".code64",
	"mov $0xb0, %al\n"
	"out %al, $0x43\n"
	"in $0x42, %al\n"
	"in $0x61, %al\n"
	"out %al, $" XS(P_REPORT) "\n"
	"mov $0x03, %al\n"
	"out %al, $0x61\n"
	"out %al, $" XS(P_DONE) "\n"
	"hlt\n");

enum pit_kind {
	NO_PIT,
	PIT2,		/* KVM_CREATE_PIT2, flags 0 */
	PIT2_SPEAKER,	/* KVM_CREATE_PIT2, KVM_PIT_SPEAKER_DUMMY */
	PIT_OLD,	/* KVM_CREATE_PIT: KVM passes KVM_PIT_SPEAKER_DUMMY */
};

static long create_pit2(int vm, uint32_t flags)
{
	struct kvm_pit_config cfg = { .flags = flags };

	return okvm_ioctl(vm, KVM_CREATE_PIT2, &cfg);
}

static long create_pit(int vm, enum pit_kind kind)
{
	switch (kind) {
	case PIT2:
		return create_pit2(vm, 0);
	case PIT2_SPEAKER:
		return create_pit2(vm, KVM_PIT_SPEAKER_DUMMY);
	case PIT_OLD:
		return okvm_ioctl(vm, KVM_CREATE_PIT, 0);
	default:
		return 0;
	}
}

/* A VM with an in-kernel irqchip and no vCPU; 0 or -errno. */
static long irqchip_vm(struct guest *g)
{
	long r = guest_create(g, G_MEM_DEFAULT);

	return r ? r : okvm_ioctl(g->vm, KVM_CREATE_IRQCHIP, 0);
}

/*
 * A long-mode guest running code at G_CODE on an in-kernel irqchip and
 * the PIT of kind, created after the vCPU as QEMU does; with_handler: IRQ0
 * (IRQ0_VECTOR) goes to tick_handler. 0 or -errno.
 */
static long pit_guest(struct guest *g, enum pit_kind kind, const uint8_t *code,
		      const uint8_t *end, int with_handler)
{
	long r = irqchip_vm(g);

	if (r)
		return r;
	r = guest_add_vcpu(g);
	if (r < 0)
		return r;
	r = create_pit(g->vm, kind);
	if (r)
		return r;
	guest_load(g, G_CODE, code, end);
	r = guest_set_mode(g, 0, GUEST_LONG, G_CODE);
	if (r || !with_handler)
		return r;
	guest_load(g, G_HANDLER, tick_handler, tick_handler_end);
	return guest_set_irq_handler(g, 0, G_IDT, IRQ0_VECTOR, G_HANDLER);
}

static long pic_master(struct guest *g, struct kvm_pic_state *pic)
{
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_PIC_MASTER };
	long r = okvm_ioctl(g->vm, KVM_GET_IRQCHIP, &chip);

	*pic = chip.chip.pic;
	return r;
}

/*
 * A guest that waited in vain for IRQ0: what it and the chips on the way
 * show (IRQ0s taken, PIC, channel 0, the LAPIC's LVT0), for the log.
 */
static void log_irq0_path(struct __test_metadata *_metadata, struct guest *g)
{
	struct kvm_lapic_state lapic;
	struct kvm_pit_state2 ps2;
	struct kvm_pic_state pic;
	struct kvm_regs regs;
	uint32_t lvt0, svr;

	if (!guest_get_regs(g, 0, &regs))
		TH_LOG("guest: rip %#llx, %llu IRQ0s taken", regs.rip, regs.rbx);
	if (!pic_master(g, &pic))
		TH_LOG("master PIC: irr %#x isr %#x imr %#x vector base %#x",
		       pic.irr, pic.isr, pic.imr, pic.irq_base);
	if (!okvm_ioctl(g->vm, KVM_GET_PIT2, &ps2))
		TH_LOG("PIT channel 0: mode %u count %u; flags %#x",
		       ps2.channels[0].mode, ps2.channels[0].count, ps2.flags);
	if (!okvm_ioctl(g->vcpu[0].fd, KVM_GET_LAPIC, &lapic)) {
		memcpy(&lvt0, lapic.regs + APIC_LVT0, sizeof(lvt0));
		memcpy(&svr, lapic.regs + APIC_SVR, sizeof(svr));
		TH_LOG("LAPIC: LVT0 %#x SVR %#x", lvt0, svr);
	}
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static uint16_t rd16(struct guest *g, uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, guest_ptr(g, gpa), sizeof(v));
	return v;
}

static uint8_t rd8(struct guest *g, uint64_t gpa)
{
	return *(uint8_t *)guest_ptr(g, gpa);
}

/* Every field of a channel but count_load_time, which has its own rules. */
static void expect_channel(struct __test_metadata *_metadata, int i,
			   const struct kvm_pit_channel_state *got,
			   const struct kvm_pit_channel_state *want)
{
	EXPECT_EQ(got->count, want->count) TH_LOG("channel %d", i);
	EXPECT_EQ(got->latched_count, want->latched_count) TH_LOG("channel %d", i);
	EXPECT_EQ(got->count_latched, want->count_latched) TH_LOG("channel %d", i);
	EXPECT_EQ(got->status_latched, want->status_latched) TH_LOG("channel %d", i);
	EXPECT_EQ(got->status, want->status) TH_LOG("channel %d", i);
	EXPECT_EQ(got->read_state, want->read_state) TH_LOG("channel %d", i);
	EXPECT_EQ(got->write_state, want->write_state) TH_LOG("channel %d", i);
	EXPECT_EQ(got->write_latch, want->write_latch) TH_LOG("channel %d", i);
	EXPECT_EQ(got->rw_mode, want->rw_mode) TH_LOG("channel %d", i);
	EXPECT_EQ(got->mode, want->mode) TH_LOG("channel %d", i);
	EXPECT_EQ(got->bcd, want->bcd) TH_LOG("channel %d", i);
	EXPECT_EQ(got->gate, want->gate) TH_LOG("channel %d", i);
}

/*
 * The state after creation (kvm_pit_reset() on zeroed memory): every
 * channel in the "no mode" 0xff with the largest count, 0x10000; the
 * gates of channels 0 and 1 are wired high, channel 2's belongs to port
 * 0x61 and starts low; nothing latched; flags 0. Channels 1 and 2 are
 * loaded at creation. Channel 0's count comes from its hrtimer in KVM,
 * which never writes that channel's count_load_time (it stays 0); okvm
 * reports the time channel 0 was loaded, like the other two. Either is
 * accepted: no VMM can use KVM's value.
 */
static void expect_reset_channels(struct __test_metadata *_metadata,
				  const struct kvm_pit_channel_state *ch,
				  int64_t t0, int64_t t1)
{
	int i;

	for (i = 0; i < 3; i++) {
		struct kvm_pit_channel_state want = {
			.count = 0x10000, .mode = 0xff, .gate = i != 2,
		};

		expect_channel(_metadata, i, &ch[i], &want);
	}
	EXPECT_TRUE(ch[0].count_load_time == 0 ||
		    (ch[0].count_load_time >= t0 && ch[0].count_load_time <= t1))
		TH_LOG("channel 0 loaded at %lld", (long long)ch[0].count_load_time);
	for (i = 1; i < 3; i++) {
		EXPECT_GE(ch[i].count_load_time, t0) TH_LOG("channel %d", i);
		EXPECT_LE(ch[i].count_load_time, t1) TH_LOG("channel %d", i);
	}
}

/*
 * A state for KVM_SET_PIT{,2}: arbitrary but plausible values in every
 * field. Channel 0 runs a 1 ms periodic timer (mode 2); channel 1's count
 * 0 stands for 0x10000.
 */
static const struct kvm_pit_channel_state sample[3] = {
	{ .count = CH0_COUNT, .latched_count = 0x1234, .count_latched = 3,
	  .status_latched = 1, .status = 0x34, .read_state = 4,
	  .write_state = 3, .write_latch = 0xa9, .rw_mode = 3, .mode = 2,
	  .bcd = 0, .gate = 1, .count_load_time = 123456789 },
	{ .count = 0, .latched_count = 0x99, .count_latched = 1,
	  .status_latched = 0, .status = 0x17, .read_state = 1,
	  .write_state = 1, .write_latch = 0x5a, .rw_mode = 1, .mode = 3,
	  .bcd = 1, .gate = 1, .count_load_time = 42 },
	{ .count = 0x8000, .latched_count = 0, .count_latched = 0,
	  .status_latched = 0, .status = 0, .read_state = 2,
	  .write_state = 2, .write_latch = 0, .rw_mode = 2, .mode = 0,
	  .bcd = 0, .gate = 0, .count_load_time = -1 },
};

/*
 * What KVM_GET_PIT{,2} shows after KVM_SET_PIT{,2} of sample[] between t0
 * and t1: the fields as set, except that loading a count of 0 stores
 * 0x10000, and loading channels 1 and 2 sets their count_load_time to
 * the time of the SET. Channel 0's count_load_time (see
 * expect_reset_channels): KVM keeps what userspace set, okvm the time
 * of the SET.
 */
static void expect_sample_channels(struct __test_metadata *_metadata,
				   const struct kvm_pit_channel_state *ch,
				   int64_t t0, int64_t t1)
{
	int i;

	for (i = 0; i < 3; i++) {
		struct kvm_pit_channel_state want = sample[i];

		if (!want.count)
			want.count = 0x10000;
		expect_channel(_metadata, i, &ch[i], &want);
	}
	EXPECT_TRUE(ch[0].count_load_time == sample[0].count_load_time ||
		    (ch[0].count_load_time >= t0 && ch[0].count_load_time <= t1))
		TH_LOG("channel 0 loaded at %lld", (long long)ch[0].count_load_time);
	for (i = 1; i < 3; i++) {
		EXPECT_GE(ch[i].count_load_time, t0) TH_LOG("channel %d", i);
		EXPECT_LE(ch[i].count_load_time, t1) TH_LOG("channel %d", i);
	}
}

static const uint32_t zero_reserved[9];

/* KVM reports all four on x86, on the system fd and on a VM's. */
TEST_F(g, caps)
{
	static const long caps[] = {
		KVM_CAP_PIT, KVM_CAP_PIT2, KVM_CAP_PIT_STATE2,
		KVM_CAP_REINJECT_CONTROL,
	};
	unsigned int i;

	ASSERT_EQ(guest_create(&self->g, G_MEM_DEFAULT), 0);
	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		EXPECT_EQ(okvm_ioctl(self->g.kvm, KVM_CHECK_EXTENSION, caps[i]), 1)
			TH_LOG("cap %ld on /dev/kvm", caps[i]);
		EXPECT_EQ(okvm_ioctl(self->g.vm, KVM_CHECK_EXTENSION, caps[i]), 1)
			TH_LOG("cap %ld on the VM", caps[i]);
	}
}

/*
 * No PIT: ENXIO, but KVM copies in the argument of every ioctl but
 * KVM_GET_PIT2 before it looks for the PIT, so a bad pointer is EFAULT
 * there first. The same with an irqchip and no PIT.
 */
static void expect_no_pit_errnos(struct __test_metadata *_metadata, int vm,
				 const char *what)
{
	struct kvm_reinject_control rc = { .pit_reinject = 1 };
	struct kvm_pit_state2 ps2 = { 0 };
	struct kvm_pit_state ps = { 0 };

	EXPECT_EQ(okvm_ioctl(vm, KVM_GET_PIT2, &ps2), -ENXIO) TH_LOG("%s", what);
	EXPECT_EQ(okvm_ioctl(vm, KVM_SET_PIT2, &ps2), -ENXIO) TH_LOG("%s", what);
	EXPECT_EQ(okvm_ioctl(vm, KVM_GET_PIT, &ps), -ENXIO) TH_LOG("%s", what);
	EXPECT_EQ(okvm_ioctl(vm, KVM_SET_PIT, &ps), -ENXIO) TH_LOG("%s", what);
	EXPECT_EQ(okvm_ioctl(vm, KVM_REINJECT_CONTROL, &rc), -ENXIO) TH_LOG("%s", what);

	EXPECT_EQ(okvm_ioctl(vm, KVM_GET_PIT2, NULL), -ENXIO) TH_LOG("%s", what);
	EXPECT_EQ(okvm_ioctl(vm, KVM_SET_PIT2, NULL), -EFAULT) TH_LOG("%s", what);
	EXPECT_EQ(okvm_ioctl(vm, KVM_GET_PIT, NULL), -EFAULT) TH_LOG("%s", what);
	EXPECT_EQ(okvm_ioctl(vm, KVM_SET_PIT, NULL), -EFAULT) TH_LOG("%s", what);
	EXPECT_EQ(okvm_ioctl(vm, KVM_REINJECT_CONTROL, NULL), -EFAULT) TH_LOG("%s", what);
}

TEST_F(g, no_pit_errnos)
{
	ASSERT_EQ(guest_create(&self->g, G_MEM_DEFAULT), 0);
	expect_no_pit_errnos(_metadata, self->g.vm, "no irqchip");
	ASSERT_EQ(okvm_ioctl(self->g.vm, KVM_CREATE_IRQCHIP, 0), 0);
	expect_no_pit_errnos(_metadata, self->g.vm, "irqchip");
}

/*
 * The PIT needs the in-kernel PIC: ENOENT without KVM_CREATE_IRQCHIP.
 * KVM_CREATE_PIT2 reads its config first (EFAULT before anything else).
 */
TEST_F(g, create_needs_irqchip)
{
	int vm;

	ASSERT_EQ(guest_create(&self->g, G_MEM_DEFAULT), 0);
	vm = self->g.vm;
	EXPECT_EQ(create_pit2(vm, 0), -ENOENT);
	EXPECT_EQ(create_pit2(vm, KVM_PIT_SPEAKER_DUMMY), -ENOENT);
	EXPECT_EQ(okvm_ioctl(vm, KVM_CREATE_PIT, 0), -ENOENT);
	EXPECT_EQ(okvm_ioctl(vm, KVM_CREATE_PIT2, NULL), -EFAULT);
}

/*
 * A split irqchip (KVM_CAP_SPLIT_IRQCHIP: LAPICs in the kernel, PIC and
 * I/O APIC in userspace) has no in-kernel PIC for the PIT: ENOENT.
 */
TEST_F(g, create_refused_with_split_irqchip)
{
	struct kvm_enable_cap split = {
		.cap = KVM_CAP_SPLIT_IRQCHIP, .args = { 24 },
	};
	int vm;

	ASSERT_EQ(guest_create(&self->g, G_MEM_DEFAULT), 0);
	vm = self->g.vm;
	ASSERT_EQ(okvm_ioctl(vm, KVM_ENABLE_CAP, &split), 0);
	EXPECT_EQ(create_pit2(vm, 0), -ENOENT);
	EXPECT_EQ(okvm_ioctl(vm, KVM_CREATE_PIT, 0), -ENOENT);
	EXPECT_EQ(okvm_ioctl(vm, KVM_GET_PIT2, &(struct kvm_pit_state2){ 0 }), -ENXIO);
}

/*
 * One PIT per VM: a second one, by either ioctl, is EEXIST, and a bad
 * config pointer is still EFAULT first. With the PIT, bad pointers to
 * every state ioctl are EFAULT, and so is a read-only buffer for the GETs.
 */
TEST_F(g, create_once_and_bad_pointers)
{
	struct kvm_reinject_control rc = { .pit_reinject = 0 };
	struct kvm_pit_state2 ps2;
	void *ro;
	int vm;

	ASSERT_EQ(irqchip_vm(&self->g), 0);
	vm = self->g.vm;
	ASSERT_EQ(create_pit2(vm, 0), 0);
	EXPECT_EQ(create_pit2(vm, 0), -EEXIST);
	EXPECT_EQ(create_pit2(vm, KVM_PIT_SPEAKER_DUMMY), -EEXIST);
	EXPECT_EQ(okvm_ioctl(vm, KVM_CREATE_PIT, 0), -EEXIST);
	EXPECT_EQ(okvm_ioctl(vm, KVM_CREATE_PIT2, NULL), -EFAULT);

	EXPECT_EQ(okvm_ioctl(vm, KVM_GET_PIT2, &ps2), 0);
	EXPECT_EQ(okvm_ioctl(vm, KVM_SET_PIT2, &ps2), 0);
	EXPECT_EQ(okvm_ioctl(vm, KVM_REINJECT_CONTROL, &rc), 0);

	EXPECT_EQ(okvm_ioctl(vm, KVM_GET_PIT2, NULL), -EFAULT);
	EXPECT_EQ(okvm_ioctl(vm, KVM_SET_PIT2, NULL), -EFAULT);
	EXPECT_EQ(okvm_ioctl(vm, KVM_GET_PIT, NULL), -EFAULT);
	EXPECT_EQ(okvm_ioctl(vm, KVM_SET_PIT, NULL), -EFAULT);
	EXPECT_EQ(okvm_ioctl(vm, KVM_REINJECT_CONTROL, NULL), -EFAULT);

	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(ro, MAP_FAILED);
	EXPECT_EQ(okvm_ioctl(vm, KVM_GET_PIT2, ro), -EFAULT);
	EXPECT_EQ(okvm_ioctl(vm, KVM_GET_PIT, ro), -EFAULT);
	/* The SETs only read: a read-only buffer of zeroes is a valid state. */
	EXPECT_EQ(okvm_ioctl(vm, KVM_SET_PIT2, ro), 0);
	EXPECT_EQ(okvm_ioctl(vm, KVM_SET_PIT, ro), 0);
	munmap(ro, 4096);
}

/*
 * KVM_GET_PIT2 right after KVM_CREATE_PIT2: kvm_pit_reset()'s state (see
 * expect_reset_channels), flags 0, and reserved zeroed whatever the
 * buffer held.
 */
TEST_F(g, reset_state)
{
	struct kvm_pit_state2 ps2;
	int64_t t0, t1;

	ASSERT_EQ(irqchip_vm(&self->g), 0);
	t0 = okvm_mono_ns();
	ASSERT_EQ(create_pit2(self->g.vm, 0), 0);
	t1 = okvm_mono_ns();
	memset(&ps2, 0xff, sizeof(ps2));
	ASSERT_EQ(okvm_ioctl(self->g.vm, KVM_GET_PIT2, &ps2), 0);
	expect_reset_channels(_metadata, ps2.channels, t0, t1);
	EXPECT_EQ(ps2.flags, 0);
	EXPECT_EQ(memcmp(ps2.reserved, zero_reserved, sizeof(zero_reserved)), 0);
}

/*
 * KVM_SET_PIT2 stores every field and flags as given, then loads each
 * channel's count again (see expect_sample_channels); KVM_GET_PIT2 shows
 * it, with reserved zeroed. Flags round-trip: HPET legacy and speaker
 * data on, alone and together.
 */
TEST_F(g, set_get_pit2)
{
	static const uint32_t flags[] = {
		KVM_PIT_FLAGS_SPEAKER_DATA_ON, KVM_PIT_FLAGS_HPET_LEGACY,
		KVM_PIT_FLAGS_HPET_LEGACY | KVM_PIT_FLAGS_SPEAKER_DATA_ON, 0,
	};
	struct kvm_pit_state2 set = { 0 }, got;
	int64_t t0, t1;
	unsigned int f;

	ASSERT_EQ(irqchip_vm(&self->g), 0);
	ASSERT_EQ(create_pit2(self->g.vm, 0), 0);
	memcpy(set.channels, sample, sizeof(sample));
	for (f = 0; f < ARRAY_SIZE(flags); f++) {
		set.flags = flags[f];
		t0 = okvm_mono_ns();
		ASSERT_EQ(okvm_ioctl(self->g.vm, KVM_SET_PIT2, &set), 0);
		t1 = okvm_mono_ns();
		memset(&got, 0xff, sizeof(got));
		ASSERT_EQ(okvm_ioctl(self->g.vm, KVM_GET_PIT2, &got), 0);
		expect_sample_channels(_metadata, got.channels, t0, t1);
		EXPECT_EQ(got.flags, flags[f]);
		EXPECT_EQ(memcmp(got.reserved, zero_reserved, sizeof(zero_reserved)), 0)
			TH_LOG("flags %#x", flags[f]);
	}
}

/*
 * The old ioctls on a PIT from the old KVM_CREATE_PIT: KVM_GET_PIT shows
 * the same channels as KVM_GET_PIT2 (reset state first); KVM_SET_PIT sets
 * the channels as KVM_SET_PIT2 does and leaves flags alone.
 */
TEST_F(g, old_get_set_pit)
{
	struct kvm_pit_state2 ps2;
	struct kvm_pit_state ps;
	int64_t t0, t1;
	int vm;

	ASSERT_EQ(irqchip_vm(&self->g), 0);
	vm = self->g.vm;
	t0 = okvm_mono_ns();
	ASSERT_EQ(okvm_ioctl(vm, KVM_CREATE_PIT, 0), 0);
	t1 = okvm_mono_ns();
	ASSERT_EQ(okvm_ioctl(vm, KVM_GET_PIT, &ps), 0);
	expect_reset_channels(_metadata, ps.channels, t0, t1);
	ASSERT_EQ(okvm_ioctl(vm, KVM_GET_PIT2, &ps2), 0);
	EXPECT_EQ(memcmp(ps.channels, ps2.channels, sizeof(ps.channels)), 0);

	ps2.flags = KVM_PIT_FLAGS_SPEAKER_DATA_ON;
	ASSERT_EQ(okvm_ioctl(vm, KVM_SET_PIT2, &ps2), 0);

	memcpy(ps.channels, sample, sizeof(sample));
	t0 = okvm_mono_ns();
	ASSERT_EQ(okvm_ioctl(vm, KVM_SET_PIT, &ps), 0);
	t1 = okvm_mono_ns();
	ASSERT_EQ(okvm_ioctl(vm, KVM_GET_PIT2, &ps2), 0);
	expect_sample_channels(_metadata, ps2.channels, t0, t1);
	EXPECT_EQ(ps2.flags, KVM_PIT_FLAGS_SPEAKER_DATA_ON);
	memset(&ps, 0xff, sizeof(ps));
	ASSERT_EQ(okvm_ioctl(vm, KVM_GET_PIT, &ps), 0);
	EXPECT_EQ(memcmp(ps.channels, ps2.channels, sizeof(ps.channels)), 0);
}

/*
 * VMs closed while channel 0 ticks at the shortest period: each expiry
 * routes IRQ0 through the VM's GSI table until the PIT is gone, so the
 * PIT must stop before the table is freed. Reinjection is off, so that
 * every tick drives IRQ0 (with it on, an IRQ0 nobody acknowledges holds
 * the later ticks back and only the first one reaches the table). A
 * use-after-free here reads freed memory without crashing: the debug
 * leg's KASAN (make check-debug) is what sees it; every run checks that
 * the VMs go and come back cleanly.
 */
TEST(teardown_with_timer_running)
{
	struct kvm_reinject_control rc = { .pit_reinject = 0 };
	struct kvm_pit_state2 set = { 0 };
	int i;

	set.channels[0].mode = 2;		/* rate generator: periodic */
	set.channels[0].count = 200;		/* under okvm's and KVM's floor */
	set.channels[0].rw_mode = 3;
	set.channels[0].gate = 1;
	for (i = 0; i < 300; i++) {
		struct guest g;

		ASSERT_EQ(irqchip_vm(&g), 0);
		ASSERT_EQ(create_pit2(g.vm, 0), 0);
		ASSERT_EQ(okvm_ioctl(g.vm, KVM_REINJECT_CONTROL, &rc), 0);
		ASSERT_EQ(okvm_ioctl(g.vm, KVM_SET_PIT2, &set), 0);
		guest_destroy(&g);
	}
}

/*
 * KVM_REINJECT_CONTROL turns reinjection off and on (repeating a setting
 * is fine) and changes nothing KVM_GET_PIT2 shows.
 */
TEST_F(g, reinject_control)
{
	static const uint8_t settings[] = { 0, 0, 1, 1, 0 };
	struct kvm_reinject_control rc = { 0 };
	struct kvm_pit_state2 before, after;
	unsigned int i;

	ASSERT_EQ(irqchip_vm(&self->g), 0);
	ASSERT_EQ(create_pit2(self->g.vm, 0), 0);
	ASSERT_EQ(okvm_ioctl(self->g.vm, KVM_GET_PIT2, &before), 0);
	for (i = 0; i < sizeof(settings); i++) {
		rc.pit_reinject = settings[i];
		EXPECT_EQ(okvm_ioctl(self->g.vm, KVM_REINJECT_CONTROL, &rc), 0)
			TH_LOG("pit_reinject %u", settings[i]);
	}
	ASSERT_EQ(okvm_ioctl(self->g.vm, KVM_GET_PIT2, &after), 0);
	EXPECT_EQ(memcmp(&before, &after, sizeof(before)), 0);
}

/*
 * Channel 2 from a guest: ports 0x40-0x43 and (KVM_PIT_SPEAKER_DUMMY)
 * 0x61 never exit. 0x61 shows gate 2 and speaker data off at reset, and
 * what the guest wrote. In mode 0 the count falls from the programmed
 * one: a counter-latch read never exceeds it and a later one is lower; a
 * read-back of count and status returns the status first, then a count
 * no higher. The status is access mode 3, mode 0, binary, and NULL COUNT
 * clear (KVM never sets it). OUT high would mean the count already reached
 * 0 and wrapped (some 51 ms: a slow host): then the guest runs again.
 */
TEST_F(g, channel2_counts_down)
{
	struct kvm_pit_state2 ps2;
	struct kvm_run *run;
	uint16_t c1, c2, c3;
	uint8_t st1, st2, spk;
	int attempt;

	ASSERT_EQ(pit_guest(&self->g, PIT2_SPEAKER, ch2_guest, ch2_guest_end, 0), 0);
	run = self->g.vcpu[0].run;
	for (attempt = 0; attempt < 5; attempt++) {
		ASSERT_EQ(guest_run_timeout(&self->g, 0, RUN_SECONDS), 0);
		ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, P_REPORT, 1, 1);
		if (!attempt) {
			spk = rd8(&self->g, R_SPK_RESET);
			EXPECT_EQ(spk & ~(SPK_REFRESH | SPK_OUT2), 0)
				TH_LOG("port 0x61 at reset: %#x", spk);
		}
		st1 = rd8(&self->g, R_STATUS1);
		if (!(st1 & STATUS_OUT))
			break;
		TH_LOG("attempt %d: channel 2 reached 0 before its read-back", attempt);
	}
	ASSERT_EQ(st1 & STATUS_OUT, 0) TH_LOG("every attempt wrapped: counting too fast?");

	c1 = rd16(&self->g, R_COUNT1);
	c2 = rd16(&self->g, R_COUNT2);
	c3 = rd16(&self->g, R_COUNT3);
	st2 = rd8(&self->g, R_STATUS2);
	EXPECT_LE(c1, CH2_COUNT);
	EXPECT_LT(c2, c1) TH_LOG("counts %#x then %#x", c1, c2);
	EXPECT_LE(c3, c2) TH_LOG("counts %#x then %#x", c2, c3);
	EXPECT_EQ(st1, CH2_STATUS);
	EXPECT_EQ(st2 & ~STATUS_OUT, CH2_STATUS);

	spk = rd8(&self->g, R_SPK_ON);
	EXPECT_EQ(spk & ~(SPK_REFRESH | SPK_OUT2), SPK_GATE2 | SPK_DATA)
		TH_LOG("port 0x61 after writing 3: %#x", spk);
	/* OUT stays high in mode 0 once the count reached 0. */
	spk = rd8(&self->g, R_SPK_END);
	EXPECT_EQ(spk & ~(SPK_REFRESH | SPK_OUT2), SPK_GATE2 | SPK_DATA);
	EXPECT_TRUE(!(st2 & STATUS_OUT) || (spk & SPK_OUT2));

	/* What the guest programmed, as KVM_GET_PIT2 shows it. */
	ASSERT_EQ(okvm_ioctl(self->g.vm, KVM_GET_PIT2, &ps2), 0);
	EXPECT_EQ(ps2.channels[2].count, CH2_COUNT);
	EXPECT_EQ(ps2.channels[2].mode, 0);
	EXPECT_EQ(ps2.channels[2].rw_mode, 3);
	EXPECT_EQ(ps2.channels[2].read_state, 3);
	EXPECT_EQ(ps2.channels[2].write_state, 3);
	EXPECT_EQ(ps2.channels[2].bcd, 0);
	EXPECT_EQ(ps2.channels[2].gate, 1);
	EXPECT_EQ(ps2.channels[2].count_latched, 0);
	EXPECT_EQ(ps2.channels[2].status_latched, 0);
	EXPECT_EQ(ps2.flags, KVM_PIT_FLAGS_SPEAKER_DATA_ON);
}

GUEST_FIXTURE(ports)

/*
 * Which of the guest's accesses exit: 0x40-0x43 only without a PIT; 0x61
 * unless the PIT was created with KVM_PIT_SPEAKER_DUMMY (KVM_CREATE_PIT
 * always passes it).
 */
FIXTURE_VARIANT(ports) {
	enum pit_kind kind;
	int speaker_in_kernel;
};

FIXTURE_VARIANT_ADD(ports, no_pit) {
	.kind = NO_PIT,
};

FIXTURE_VARIANT_ADD(ports, pit2) {
	.kind = PIT2,
};

FIXTURE_VARIANT_ADD(ports, pit2_speaker_dummy) {
	.kind = PIT2_SPEAKER, .speaker_in_kernel = 1,
};

FIXTURE_VARIANT_ADD(ports, old_create_pit) {
	.kind = PIT_OLD, .speaker_in_kernel = 1,
};

TEST_F(ports, exits)
{
	struct kvm_pit_state2 ps2;
	struct kvm_run *run;
	uint8_t v;

	ASSERT_EQ(pit_guest(&self->g, variant->kind, port_guest, port_guest_end, 0),
		  0);
	run = self->g.vcpu[0].run;

	ASSERT_EQ(guest_run_timeout(&self->g, 0, RUN_SECONDS), 0);
	if (variant->kind == NO_PIT) {
		ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x43, 1, 1);
		EXPECT_EQ(*(uint8_t *)guest_io_data(run), 0xb0);
		ASSERT_EQ(guest_run_timeout(&self->g, 0, RUN_SECONDS), 0);
		ASSERT_IO_EXIT(run, KVM_EXIT_IO_IN, 0x42, 1, 1);
		ASSERT_EQ(guest_run_timeout(&self->g, 0, RUN_SECONDS), 0);
	}
	if (!variant->speaker_in_kernel) {
		ASSERT_IO_EXIT(run, KVM_EXIT_IO_IN, 0x61, 1, 1);
		*(uint8_t *)guest_io_data(run) = 0x5a;
		ASSERT_EQ(guest_run_timeout(&self->g, 0, RUN_SECONDS), 0);
		ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, P_REPORT, 1, 1);
		EXPECT_EQ(*(uint8_t *)guest_io_data(run), 0x5a);
		ASSERT_EQ(guest_run_timeout(&self->g, 0, RUN_SECONDS), 0);
		ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, 0x61, 1, 1);
		EXPECT_EQ(*(uint8_t *)guest_io_data(run), 0x03);
	} else {
		/* KVM's port 0x61 at reset: gate 2 low, speaker data off. */
		ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, P_REPORT, 1, 1);
		v = *(uint8_t *)guest_io_data(run);
		EXPECT_EQ(v & ~(SPK_REFRESH | SPK_OUT2), 0) TH_LOG("port 0x61: %#x", v);
	}
	ASSERT_EQ(guest_run_timeout(&self->g, 0, RUN_SECONDS), 0);
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, P_DONE, 1, 1);

	if (variant->kind == NO_PIT)
		return;
	/* The control word landed; port 0x61's write only if it was KVM's. */
	ASSERT_EQ(okvm_ioctl(self->g.vm, KVM_GET_PIT2, &ps2), 0);
	EXPECT_EQ(ps2.channels[2].mode, 0);
	EXPECT_EQ(ps2.channels[2].rw_mode, 3);
	EXPECT_EQ(ps2.channels[2].gate, variant->speaker_in_kernel);
	EXPECT_EQ(ps2.flags, variant->speaker_in_kernel ?
		  KVM_PIT_FLAGS_SPEAKER_DATA_ON : 0);
}

/*
 * IRQ0 through the in-kernel 8259: the BSP's LAPIC comes out of reset
 * with LVT0 unmasked ExtINT (0x700: KVM_X86_QUIRK_LINT0_REENABLED, on by
 * default), so the PIC's output reaches the CPU; default routing wires
 * GSI 0 to the master PIC's pin 0. Channel 0 in mode 2 at ~1 ms: the guest takes
 * IRQ0_TICKS interrupts at vector 0x20, with EOI, without exiting. The
 * first tick comes one period after the count is loaded, so that many
 * ticks take at least that many periods.
 */
TEST_F(g, irq0_through_pic)
{
	const int64_t period = CH0_COUNT * 1000000000ULL / PIT_HZ;
	struct kvm_lapic_state lapic;
	struct kvm_run *run;
	int64_t t0, t1;
	uint32_t lvt0;
	long r;

	ASSERT_EQ(pit_guest(&self->g, PIT2, tick_guest, tick_guest_end, 1),
		  0);
	ASSERT_EQ(okvm_ioctl(self->g.vcpu[0].fd, KVM_GET_LAPIC, &lapic), 0);
	memcpy(&lvt0, lapic.regs + APIC_LVT0, sizeof(lvt0));
	EXPECT_EQ(lvt0, LVT0_EXTINT);
	*(uint32_t *)guest_ptr(&self->g, D_TICKS) = IRQ0_TICKS;
	*(uint8_t *)guest_ptr(&self->g, D_EOI) = 1;
	run = self->g.vcpu[0].run;

	t0 = okvm_mono_ns();
	r = guest_run_timeout(&self->g, 0, RUN_SECONDS);
	t1 = okvm_mono_ns();
	if (r)
		log_irq0_path(_metadata, &self->g);
	ASSERT_EQ(r, 0) TH_LOG("no report in %d s: %s", RUN_SECONDS, guest_exit_str(run));
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, P_REPORT, 4, 1);
	EXPECT_GE(guest_out32(run), IRQ0_TICKS);
	EXPECT_GE(t1 - t0, IRQ0_TICKS * period)
		TH_LOG("%d ticks in %lld ns", IRQ0_TICKS, (long long)(t1 - t0));
}

GUEST_FIXTURE(reinject)

/*
 * A guest takes one IRQ0 and never sends EOI. With reinjection (KVM's
 * default), KVM only counts the ticks that follow and raises IRQ0 again
 * when the guest acknowledges the last one: the master PIC's IRR bit 0
 * stays clear. Without it, every tick raises IRQ0 again: IRR bit 0 is
 * set (held back by ISR bit 0, as the 8259 does).
 */
FIXTURE_VARIANT(reinject) {
	int set;	/* call KVM_REINJECT_CONTROL */
	int reinject;
};

FIXTURE_VARIANT_ADD(reinject, default_on) {
	.reinject = 1,
};

FIXTURE_VARIANT_ADD(reinject, on) {
	.set = 1, .reinject = 1,
};

FIXTURE_VARIANT_ADD(reinject, off) {
	.set = 1, .reinject = 0,
};

TEST_F(reinject, unacked_tick)
{
	struct kvm_reinject_control rc = { .pit_reinject = variant->reinject };
	struct kvm_pic_state pic;
	struct kvm_run *run;
	long r;
	int ms;

	ASSERT_EQ(pit_guest(&self->g, PIT2, tick_guest, tick_guest_end, 1),
		  0);
	*(uint32_t *)guest_ptr(&self->g, D_TICKS) = 1;
	*(uint8_t *)guest_ptr(&self->g, D_EOI) = 0;
	ASSERT_EQ(variant->set ? okvm_ioctl(self->g.vm, KVM_REINJECT_CONTROL, &rc) : 0, 0);
	run = self->g.vcpu[0].run;

	r = guest_run_timeout(&self->g, 0, RUN_SECONDS);
	if (r)
		log_irq0_path(_metadata, &self->g);
	ASSERT_EQ(r, 0) TH_LOG("no report in %d s: %s", RUN_SECONDS, guest_exit_str(run));
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, P_REPORT, 4, 1);
	/* In service and not acknowledged: the PIC delivers no other IRQ0. */
	EXPECT_EQ(guest_out32(run), 1);

	if (variant->reinject) {
		/* 50 periods: every one of them a held-back tick. */
		sleep_ms(50);
		ASSERT_EQ(pic_master(&self->g, &pic), 0);
		EXPECT_EQ(pic.irr & 1, 0) TH_LOG("IRQ0 raised without an EOI");
	} else {
		for (ms = 0; ms < 2000; ms++) {
			ASSERT_EQ(pic_master(&self->g, &pic), 0);
			if (pic.irr & 1)
				break;
			sleep_ms(1);
		}
		EXPECT_EQ(pic.irr & 1, 1) TH_LOG("no new tick in 2 s");
	}
	EXPECT_EQ(pic.isr & 1, 1);
}

/*
 * KVM_PIT_FLAGS_HPET_LEGACY ("disable PIT in HPET legacy mode"): channel
 * 0 programmed by the guest starts no timer, so a halted guest waits
 * for IRQ0 in vain; clearing the flag with KVM_SET_PIT2, which loads the
 * guest's count again, starts it.
 */
TEST_F(g, hpet_legacy_stops_irq0)
{
	struct kvm_pit_state2 ps2;
	struct kvm_regs regs;
	struct kvm_run *run;
	long r;

	ASSERT_EQ(pit_guest(&self->g, PIT2, tick_guest, tick_guest_end, 1),
		  0);
	*(uint32_t *)guest_ptr(&self->g, D_TICKS) = 1;
	*(uint8_t *)guest_ptr(&self->g, D_EOI) = 1;
	run = self->g.vcpu[0].run;
	ASSERT_EQ(okvm_ioctl(self->g.vm, KVM_GET_PIT2, &ps2), 0);
	ps2.flags = KVM_PIT_FLAGS_HPET_LEGACY;
	ASSERT_EQ(okvm_ioctl(self->g.vm, KVM_SET_PIT2, &ps2), 0);

	/* Halted in the kernel until the alarm. */
	EXPECT_EQ(guest_run_timeout(&self->g, 0, 1), -EINTR);
	ASSERT_EXIT(run, KVM_EXIT_INTR);
	ASSERT_EQ(guest_get_regs(&self->g, 0, &regs), 0);
	EXPECT_EQ(regs.rbx, 0) TH_LOG("IRQ0 in HPET legacy mode");

	ASSERT_EQ(okvm_ioctl(self->g.vm, KVM_GET_PIT2, &ps2), 0);
	EXPECT_EQ(ps2.channels[0].mode, 2);
	EXPECT_EQ(ps2.channels[0].count, CH0_COUNT);
	EXPECT_EQ(ps2.flags, KVM_PIT_FLAGS_HPET_LEGACY);
	ps2.flags = 0;
	ASSERT_EQ(okvm_ioctl(self->g.vm, KVM_SET_PIT2, &ps2), 0);
	r = guest_run_timeout(&self->g, 0, RUN_SECONDS);
	if (r)
		log_irq0_path(_metadata, &self->g);
	ASSERT_EQ(r, 0) TH_LOG("no IRQ0 after HPET legacy mode: %s", guest_exit_str(run));
	ASSERT_IO_EXIT(run, KVM_EXIT_IO_OUT, P_REPORT, 4, 1);
	EXPECT_GE(guest_out32(run), 1);
}

TEST_HARNESS_MAIN
