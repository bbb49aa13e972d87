// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for src/x86/irqchip/pit.c. Expected values from the Intel
 * 8254 datasheet (control word, read-back, status byte, the six modes'
 * OUT, where KVM differs for modes 1, 2, 4, 5), the PC's port 0x61, and
 * KVM's behaviour (reset state, channel 0's timer and minimum period,
 * reinjection, struct kvm_pit_state2). Time is a fake clock the test
 * advances.
 */
#include <kunit/test.h>
#include <linux/kvm.h>
#include <linux/math64.h>
#include <linux/time64.h>

#include "x86/irqchip/pit.h"

struct fake_pit {
	struct okvm_pit pit;
	struct kunit *test;
	u64 now;
	bool armed;
	u64 expires;
	int arms, cancels, irqs;
};

static u64 f_now(void *o)
{
	return ((struct fake_pit *)o)->now;
}

static void f_arm(void *o, u64 expires)
{
	struct fake_pit *f = o;

	f->armed = true;
	f->expires = expires;
	f->arms++;
}

static void f_cancel(void *o)
{
	struct fake_pit *f = o;

	f->armed = false;
	f->cancels++;
}

static void f_irq0(void *o)
{
	((struct fake_pit *)o)->irqs++;
}

static const struct okvm_pit_ops fake_ops = {
	.now_ns = f_now, .timer_arm = f_arm, .timer_cancel = f_cancel,
	.irq0 = f_irq0,
};

/* The VM layer's hrtimer callback: fire, and re-arm if asked to. */
static u64 expire(struct fake_pit *f)
{
	u64 next;

	f->armed = false;
	next = okvm_pit_timer_expired(&f->pit);
	if (next) {
		f->armed = true;
		f->expires = next;
	}
	return next;
}

/* ns of @ticks input clocks, rounded up so that the tick has passed. */
static u64 ticks_ns(u64 ticks)
{
	return DIV_ROUND_UP_ULL(ticks * NSEC_PER_SEC, OKVM_PIT_FREQ);
}

static void out(struct fake_pit *f, u16 port, u8 val)
{
	KUNIT_ASSERT_TRUE(f->test,
			  okvm_pit_ioport_write(&f->pit, port, val));
}

static u8 in(struct fake_pit *f, u16 port)
{
	u8 v = 0xee;

	KUNIT_ASSERT_TRUE(f->test,
			  okvm_pit_ioport_read(&f->pit, port, &v));
	return v;
}

/* Control word for @ch: LSB then MSB, @mode, binary; then the count. */
static void program(struct fake_pit *f, int ch, int mode, u16 count)
{
	out(f, 0x43, ch << 6 | 3 << 4 | mode << 1);
	out(f, 0x40 + ch, count & 0xff);
	out(f, 0x40 + ch, count >> 8);
}

/* Latch @ch's count and read it (LSB, MSB). */
static u16 latched(struct fake_pit *f, int ch)
{
	u16 v;

	out(f, 0x43, ch << 6);
	v = in(f, 0x40 + ch);
	return v | in(f, 0x40 + ch) << 8;
}

/* Channel @ch's OUT through a read-back status. */
static int ch_out(struct fake_pit *f, int ch)
{
	out(f, 0x43, 0xc0 | BIT(5) | BIT(ch + 1));
	return in(f, 0x40 + ch) >> 7;
}

static int pit_test_init(struct kunit *test)
{
	struct fake_pit *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	f->test = test;
	f->now = 1000000000ULL;
	okvm_pit_init(&f->pit, &fake_ops, f);
	test->priv = f;
	return 0;
}

static void pit_reset_state(struct kunit *test)
{
	struct fake_pit *f = test->priv;
	struct kvm_pit_state2 s;
	int i;

	okvm_pit_get_state(&f->pit, &s);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, s.channels[i].count, 0x10000);
		KUNIT_EXPECT_EQ(test, s.channels[i].mode, 0xff);
		KUNIT_EXPECT_EQ(test, s.channels[i].gate, i != 2);
		KUNIT_EXPECT_EQ(test, s.channels[i].rw_mode, 0);
	}
	KUNIT_EXPECT_EQ(test, s.flags, 0);
	KUNIT_EXPECT_FALSE(test, f->armed);
	KUNIT_EXPECT_EQ(test, f->arms, 0);
	/* Not the PIT's ports. */
	KUNIT_EXPECT_FALSE(test, okvm_pit_ioport_write(&f->pit, 0x44, 0));
	KUNIT_EXPECT_FALSE(test, okvm_pit_ioport_write(&f->pit, 0x3f, 0));
	KUNIT_EXPECT_FALSE(test, okvm_pit_ioport_write(&f->pit, 0x60, 0));
}

/* Mode 2 on channel 0: a periodic IRQ0, the count running down and back. */
static void pit_rate_generator(struct kunit *test)
{
	struct fake_pit *f = test->priv;
	u64 period = div_u64(1193ULL * NSEC_PER_SEC, OKVM_PIT_FREQ);
	u64 t0 = f->now;

	program(f, 0, 2, 1193);
	KUNIT_ASSERT_TRUE(test, f->armed);
	KUNIT_EXPECT_EQ(test, f->expires, t0 + period);
	/* 300 clocks later the counter reads 893. */
	f->now = t0 + ticks_ns(300);
	KUNIT_EXPECT_EQ(test, latched(f, 0), 893);
	/* Each expiry is one IRQ0 and the next expiry one period on. */
	f->now = t0 + period;
	KUNIT_EXPECT_EQ(test, expire(f), t0 + 2 * period);
	KUNIT_EXPECT_EQ(test, f->irqs, 1);
	/* The counter reloaded: 100 clocks into the second period. */
	f->now = t0 + ticks_ns(1193 + 100);
	KUNIT_EXPECT_EQ(test, latched(f, 0), 1093);
	/* OUT is high except for the clock at count 1. */
	KUNIT_EXPECT_EQ(test, ch_out(f, 0), 1);
	f->now = t0 + ticks_ns(1193 + 1192);
	KUNIT_EXPECT_EQ(test, ch_out(f, 0), 0);
	f->now = t0 + ticks_ns(2 * 1193);
	KUNIT_EXPECT_EQ(test, ch_out(f, 0), 1);
	/* Modes 6 and 7 are 2 and 3. */
	out(f, 0x43, 0x3c);
	KUNIT_EXPECT_EQ(test, f->pit.ch[0].mode, 2);
	out(f, 0x43, 0x3e);
	KUNIT_EXPECT_EQ(test, f->pit.ch[0].mode, 3);
}

/* Mode 0: OUT low until terminal count, then high; IRQ0 once. */
static void pit_terminal_count(struct kunit *test)
{
	struct fake_pit *f = test->priv;
	u64 t0 = f->now;

	program(f, 0, 0, 100);
	KUNIT_EXPECT_EQ(test, ch_out(f, 0), 0);
	f->now = t0 + ticks_ns(99);
	KUNIT_EXPECT_EQ(test, ch_out(f, 0), 0);
	KUNIT_EXPECT_EQ(test, latched(f, 0), 1);
	f->now = t0 + ticks_ns(100);
	KUNIT_EXPECT_EQ(test, ch_out(f, 0), 1);
	KUNIT_EXPECT_EQ(test, expire(f), 0);
	KUNIT_EXPECT_EQ(test, f->irqs, 1);
	/* The counter wraps past 0 and OUT stays high. */
	f->now = t0 + ticks_ns(102);
	KUNIT_EXPECT_EQ(test, latched(f, 0), 0xfffe);
	KUNIT_EXPECT_EQ(test, ch_out(f, 0), 1);
	/* A one-shot timer is done: a late call raises nothing. */
	KUNIT_EXPECT_EQ(test, expire(f), 0);
	KUNIT_EXPECT_EQ(test, f->irqs, 1);
}

/* Mode 3 on channel 2, seen through port 0x61 bit 5. */
static void pit_square_wave(struct kunit *test)
{
	struct fake_pit *f = test->priv;
	u64 t0;

	out(f, 0x61, 0x01);		/* gate 2 up */
	t0 = f->now;
	program(f, 2, 3, 101);
	KUNIT_EXPECT_FALSE(test, f->armed);	/* only channel 0 has a timer */
	/* High for 51 clocks (rounded up), low for 50. */
	f->now = t0 + ticks_ns(50);
	KUNIT_EXPECT_EQ(test, in(f, 0x61) >> 5 & 1, 1);
	f->now = t0 + ticks_ns(51);
	KUNIT_EXPECT_EQ(test, in(f, 0x61) >> 5 & 1, 0);
	f->now = t0 + ticks_ns(100);
	KUNIT_EXPECT_EQ(test, in(f, 0x61) >> 5 & 1, 0);
	f->now = t0 + ticks_ns(101);
	KUNIT_EXPECT_EQ(test, in(f, 0x61) >> 5 & 1, 1);
	/* The counter steps by two. */
	f->now = t0 + ticks_ns(10);
	KUNIT_EXPECT_EQ(test, latched(f, 2), 81);
}

/* Modes 1 and 5 start on the gate's rising edge (port 0x61 bit 0). */
static void pit_gate_triggered(struct kunit *test)
{
	struct fake_pit *f = test->priv;
	u64 t0;

	program(f, 2, 1, 50);
	f->now += ticks_ns(500);
	/* Gate 0 -> 1: the one-shot starts now, OUT low for 50 clocks. */
	t0 = f->now;
	out(f, 0x61, 0x01);
	KUNIT_EXPECT_EQ(test, ch_out(f, 2), 0);
	f->now = t0 + ticks_ns(49);
	KUNIT_EXPECT_EQ(test, ch_out(f, 2), 0);
	f->now = t0 + ticks_ns(50);
	KUNIT_EXPECT_EQ(test, ch_out(f, 2), 1);
	/* Gate high again is no edge; 0 then 1 retriggers. */
	out(f, 0x61, 0x01);
	KUNIT_EXPECT_EQ(test, ch_out(f, 2), 1);
	out(f, 0x61, 0x00);
	t0 = f->now;
	out(f, 0x61, 0x01);
	KUNIT_EXPECT_EQ(test, ch_out(f, 2), 0);

	/* Mode 5: one clock low at terminal count after the edge. */
	program(f, 2, 5, 20);
	out(f, 0x61, 0x00);
	f->now += ticks_ns(7);
	t0 = f->now;
	out(f, 0x61, 0x01);
	f->now = t0 + ticks_ns(19);
	KUNIT_EXPECT_EQ(test, ch_out(f, 2), 1);
	f->now = t0 + ticks_ns(20);
	KUNIT_EXPECT_EQ(test, ch_out(f, 2), 0);
	f->now = t0 + ticks_ns(21);
	KUNIT_EXPECT_EQ(test, ch_out(f, 2), 1);
}

/* Mode 4 on channel 0: one-shot timer; mode 5 on channel 0: no timer. */
static void pit_strobe_modes(struct kunit *test)
{
	struct fake_pit *f = test->priv;

	program(f, 0, 4, 1000);
	KUNIT_EXPECT_TRUE(test, f->armed);
	KUNIT_EXPECT_EQ(test, expire(f), 0);
	KUNIT_EXPECT_EQ(test, f->irqs, 1);
	program(f, 0, 5, 1000);
	KUNIT_EXPECT_FALSE(test, f->armed);
	KUNIT_EXPECT_EQ(test, expire(f), 0);
	KUNIT_EXPECT_EQ(test, f->irqs, 1);
}

/* Access modes: LSB only, MSB only, and the word's read/write flip-flop. */
static void pit_access_modes(struct kunit *test)
{
	struct fake_pit *f = test->priv;

	out(f, 0x43, 0x90);		/* ch2, LSB only, mode 0 */
	out(f, 0x42, 0x34);
	KUNIT_EXPECT_EQ(test, f->pit.ch[2].count, 0x34);
	KUNIT_EXPECT_EQ(test, in(f, 0x42), 0x34);
	KUNIT_EXPECT_EQ(test, in(f, 0x42), 0x34);
	out(f, 0x43, 0xa0);		/* MSB only */
	out(f, 0x42, 0x12);
	KUNIT_EXPECT_EQ(test, f->pit.ch[2].count, 0x1200);
	KUNIT_EXPECT_EQ(test, in(f, 0x42), 0x12);
	out(f, 0x43, 0xb0);		/* word */
	out(f, 0x42, 0x78);
	KUNIT_EXPECT_EQ(test, f->pit.ch[2].count, 0x1200);	/* half written */
	out(f, 0x42, 0x56);
	KUNIT_EXPECT_EQ(test, f->pit.ch[2].count, 0x5678);
	KUNIT_EXPECT_EQ(test, in(f, 0x42), 0x78);
	KUNIT_EXPECT_EQ(test, in(f, 0x42), 0x56);
	/* Count 0 is 0x10000. */
	out(f, 0x42, 0);
	out(f, 0x42, 0);
	KUNIT_EXPECT_EQ(test, f->pit.ch[2].count, 0x10000);
	/* The control word port reads nothing (the caller's byte stays). */
	KUNIT_EXPECT_EQ(test, in(f, 0x43), 0xee);
	/* BCD is recorded and reported. */
	out(f, 0x43, 0xb1);
	KUNIT_EXPECT_EQ(test, f->pit.ch[2].bcd, 1);
}

/* Latches: the first one holds; read-back latches status and count. */
static void pit_latch_and_readback(struct kunit *test)
{
	struct fake_pit *f = test->priv;
	u64 t0 = f->now;

	program(f, 1, 0, 1000);
	f->now = t0 + ticks_ns(10);
	out(f, 0x43, 0x40);		/* latch ch1 */
	f->now = t0 + ticks_ns(20);
	out(f, 0x43, 0x40);		/* ignored: one is pending */
	KUNIT_EXPECT_EQ(test, in(f, 0x41), 990 & 0xff);
	KUNIT_EXPECT_EQ(test, in(f, 0x41), 990 >> 8);
	/* Live again. */
	KUNIT_EXPECT_EQ(test, in(f, 0x41), 980 & 0xff);
	KUNIT_EXPECT_EQ(test, in(f, 0x41), 980 >> 8);
	/* Read-back of ch1 count and status: status first, then the count. */
	out(f, 0x43, 0xc4);
	KUNIT_EXPECT_EQ(test, in(f, 0x41), 0x30);	/* OUT 0, word, mode 0 */
	KUNIT_EXPECT_EQ(test, in(f, 0x41), 980 & 0xff);
	KUNIT_EXPECT_EQ(test, in(f, 0x41), 980 >> 8);
	/* Status only, after terminal count: OUT 1; mode 2 and BCD. */
	f->now = t0 + ticks_ns(1000);
	out(f, 0x43, 0xe4);
	KUNIT_EXPECT_EQ(test, in(f, 0x41), 0xb0);
	out(f, 0x43, 0x75);		/* ch1, word, mode 2, BCD */
	out(f, 0x43, 0xe4);
	KUNIT_EXPECT_EQ(test, in(f, 0x41) & 0x7f, 0x35);
	/* Read-back of several channels at once. */
	program(f, 0, 2, 500);
	program(f, 2, 0, 600);
	out(f, 0x43, 0xda);		/* count only, ch0 and ch2 */
	KUNIT_EXPECT_EQ(test, in(f, 0x40), 500 & 0xff);
	KUNIT_EXPECT_EQ(test, in(f, 0x40), 500 >> 8);
	KUNIT_EXPECT_EQ(test, in(f, 0x42), 600 & 0xff);
	KUNIT_EXPECT_EQ(test, in(f, 0x42), 600 >> 8);
}

/* Port 0x61: gate, speaker data, refresh toggle. */
static void pit_speaker_port(struct kunit *test)
{
	struct fake_pit *f = test->priv;

	f->now = 0;
	out(f, 0x61, 0x03);
	KUNIT_EXPECT_EQ(test, in(f, 0x61) & 0x13, 0x03);
	KUNIT_EXPECT_TRUE(test, f->pit.flags & KVM_PIT_FLAGS_SPEAKER_DATA_ON);
	KUNIT_EXPECT_EQ(test, f->pit.ch[2].gate, 1);
	f->now = 1 << 14;
	KUNIT_EXPECT_EQ(test, in(f, 0x61) & 0x10, 0x10);
	out(f, 0x61, 0x00);
	KUNIT_EXPECT_EQ(test, in(f, 0x61) & 0x03, 0);
	KUNIT_EXPECT_FALSE(test, f->pit.flags & KVM_PIT_FLAGS_SPEAKER_DATA_ON);
}

/* Reinjection: one tick in flight at a time, every tick delivered. */
static void pit_reinject(struct kunit *test)
{
	struct fake_pit *f = test->priv;
	int i;

	program(f, 0, 2, 11932);	/* 10 ms */
	for (i = 0; i < 3; i++)
		expire(f);
	KUNIT_EXPECT_EQ(test, f->irqs, 1);
	KUNIT_EXPECT_EQ(test, f->pit.pending, 2);
	okvm_pit_irq0_acked(&f->pit);
	KUNIT_EXPECT_EQ(test, f->irqs, 2);
	okvm_pit_irq0_acked(&f->pit);
	KUNIT_EXPECT_EQ(test, f->irqs, 3);
	okvm_pit_irq0_acked(&f->pit);
	KUNIT_EXPECT_EQ(test, f->irqs, 3);
	/* An unmask drops what is owed. */
	expire(f);
	expire(f);
	KUNIT_EXPECT_EQ(test, f->irqs, 4);
	okvm_pit_irq0_unmasked(&f->pit);
	okvm_pit_irq0_acked(&f->pit);
	KUNIT_EXPECT_EQ(test, f->irqs, 4);

	/* Off: each expiry raises IRQ0, acked or not. */
	okvm_pit_set_reinject(&f->pit, false);
	for (i = 0; i < 3; i++)
		expire(f);
	KUNIT_EXPECT_EQ(test, f->irqs, 7);
	/* Back on: a clean slate. */
	okvm_pit_set_reinject(&f->pit, true);
	expire(f);
	KUNIT_EXPECT_EQ(test, f->irqs, 8);
}

/* A periodic IRQ0 no faster than KVM allows; a one-shot is not clamped. */
static void pit_min_period(struct kunit *test)
{
	struct fake_pit *f = test->priv;
	u64 t0 = f->now;

	program(f, 0, 2, 2);
	KUNIT_EXPECT_EQ(test, f->pit.period_ns, OKVM_PIT_MIN_PERIOD_NS);
	t0 = f->expires;
	KUNIT_EXPECT_EQ(test, expire(f), t0 + OKVM_PIT_MIN_PERIOD_NS);
	t0 = f->now;
	program(f, 0, 0, 2);
	KUNIT_EXPECT_EQ(test, f->expires, t0 + div_u64(2ULL * NSEC_PER_SEC,
						       OKVM_PIT_FREQ));
}

/* KVM_SET_PIT2 / KVM_GET_PIT2, and HPET legacy mode silencing channel 0. */
static void pit_state_roundtrip(struct kunit *test)
{
	struct fake_pit *f = test->priv;
	struct kvm_pit_state2 s, t;

	program(f, 0, 2, 1000);
	program(f, 2, 3, 300);
	out(f, 0x43, 0x80);		/* latch ch2 */
	okvm_pit_get_state(&f->pit, &s);
	KUNIT_EXPECT_EQ(test, s.channels[0].mode, 2);
	KUNIT_EXPECT_EQ(test, s.channels[0].count, 1000);
	KUNIT_EXPECT_EQ(test, s.channels[0].rw_mode, 3);
	KUNIT_EXPECT_EQ(test, s.channels[2].count_latched, 3);
	KUNIT_EXPECT_EQ(test, s.channels[2].latched_count, 300);

	okvm_pit_reset(&f->pit);
	f->now += 5000;
	okvm_pit_set_state(&f->pit, &s);
	okvm_pit_get_state(&f->pit, &t);
	KUNIT_EXPECT_EQ(test, t.channels[0].mode, 2);
	KUNIT_EXPECT_EQ(test, t.channels[2].latched_count, 300);
	KUNIT_EXPECT_EQ(test, t.channels[2].count, 300);
	/* The counts were loaded again now, and channel 0's timer restarted. */
	KUNIT_EXPECT_EQ(test, t.channels[0].count_load_time, f->now);
	KUNIT_EXPECT_TRUE(test, f->armed);

	/* HPET legacy on: channel 0 raises nothing, even when reloaded. */
	s.flags = KVM_PIT_FLAGS_HPET_LEGACY;
	okvm_pit_set_state(&f->pit, &s);
	KUNIT_EXPECT_FALSE(test, f->armed);
	program(f, 0, 2, 1000);
	KUNIT_EXPECT_FALSE(test, f->armed);
	KUNIT_EXPECT_EQ(test, expire(f), 0);
	KUNIT_EXPECT_EQ(test, f->irqs, 0);
	/* ...and off again: the next load arms it. */
	s.flags = 0;
	okvm_pit_set_state(&f->pit, &s);
	KUNIT_EXPECT_TRUE(test, f->armed);
}

static struct kunit_case pit_cases[] = {
	KUNIT_CASE(pit_reset_state),
	KUNIT_CASE(pit_rate_generator),
	KUNIT_CASE(pit_terminal_count),
	KUNIT_CASE(pit_square_wave),
	KUNIT_CASE(pit_gate_triggered),
	KUNIT_CASE(pit_strobe_modes),
	KUNIT_CASE(pit_access_modes),
	KUNIT_CASE(pit_latch_and_readback),
	KUNIT_CASE(pit_speaker_port),
	KUNIT_CASE(pit_reinject),
	KUNIT_CASE(pit_min_period),
	KUNIT_CASE(pit_state_roundtrip),
	{}
};

static struct kunit_suite pit_suite = {
	.name = "okvm_pit",
	.init = pit_test_init,
	.test_cases = pit_cases,
};
kunit_test_suite(pit_suite);
