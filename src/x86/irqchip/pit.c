// SPDX-License-Identifier: GPL-2.0-only
/*
 * i8254 PIT model (see pit.h). Register formats and counting modes from
 * the Intel 8254 datasheet; what KVM adds (reset state, the counters'
 * arithmetic on load time, channel 0's timer, reinjection, port 0x61,
 * struct kvm_pit_state2) from KVM's documented behaviour.
 */
#include <linux/bits.h>
#include <linux/kvm.h>
#include <linux/limits.h>
#include <linux/math64.h>
#include <linux/string.h>
#include <linux/time64.h>

#include "x86/irqchip/pit.h"

/* Read/write states: the control word's RW field, then the word's halves. */
#define OKVM_PIT_RW_LSB		1
#define OKVM_PIT_RW_MSB		2
#define OKVM_PIT_RW_WORD0	3
#define OKVM_PIT_RW_WORD1	4

/* Control word (port 0x43) fields. */
#define OKVM_PIT_CW_SC_SHIFT	6
#define OKVM_PIT_CW_SC_READBACK	3
#define OKVM_PIT_CW_RW_SHIFT	4
#define OKVM_PIT_CW_MODE_SHIFT	1
/* Read-back command: bit clear = do it. */
#define OKVM_PIT_RB_NO_COUNT	BIT(5)
#define OKVM_PIT_RB_NO_STATUS	BIT(4)

/* Input clocks since channel @c's count was loaded (or its gate rose). */
static u64 elapsed_ticks(struct okvm_pit *pit, const struct okvm_pit_channel *c)
{
	s64 ns = (s64)pit->ops->now_ns(pit->opaque) - c->count_load_time;

	if (ns <= 0)
		return 0;
	return mul_u64_u32_div(ns, OKVM_PIT_FREQ, NSEC_PER_SEC);
}

static u32 mod_ticks(u64 d, u32 count)
{
	u32 rem;

	div_u64_rem(d, count, &rem);
	return rem;
}

/* The counting element now; modes 2 and 3 reload at terminal count. */
static u16 channel_count(struct okvm_pit *pit, const struct okvm_pit_channel *c)
{
	u64 d = elapsed_ticks(pit, c);

	switch (c->mode) {
	case 0:
	case 1:
	case 4:
	case 5:
		return (c->count - d) & 0xffff;
	case 3:
		/* Square wave: the counter steps by two. */
		return c->count - mod_ticks(2 * d, c->count);
	default:
		return c->count - mod_ticks(d, c->count);
	}
}

/*
 * OUT: the level each mode gives @d clocks after the count was loaded (or
 * the gate triggered), as the 8254 datasheet draws it. KVM computes modes
 * 1, 2, 4 and 5 inverted (high while a one-shot runs, high only at the
 * reload clock or at terminal count); okvm follows the datasheet.
 */
static int channel_out(struct okvm_pit *pit, const struct okvm_pit_channel *c)
{
	u64 d = elapsed_ticks(pit, c);

	switch (c->mode) {
	case 0:		/* interrupt on terminal count: high from then on */
	case 1:		/* one-shot: low from the trigger to terminal count */
		return d >= c->count;
	case 2:		/* rate generator: low for the clock at count 1 */
		return mod_ticks(d, c->count) != c->count - 1;
	case 3:		/* square wave: high for the first half (rounded up) */
		return mod_ticks(d, c->count) < (c->count + 1) / 2;
	default:	/* 4, 5: strobe, one clock low at terminal count */
		return d != c->count;
	}
}

static void reset_reinject(struct okvm_pit *pit)
{
	pit->pending = 0;
	pit->irq_in_flight = false;
}

/* Channel 0: the timer that stands for its OUT's rising edges. */
static void ch0_timer_start(struct okvm_pit *pit, u32 count, bool periodic)
{
	u64 now = pit->ops->now_ns(pit->opaque);

	pit->period_ns = mul_u64_u32_div(count, NSEC_PER_SEC, OKVM_PIT_FREQ);
	pit->periodic = periodic;
	reset_reinject(pit);
	/*
	 * The first edge comes one period after the load; later ones no
	 * faster than KVM lets a guest program (hrtimers are not throttled).
	 */
	pit->next_expiry_ns = now + pit->period_ns;
	if (periodic && pit->period_ns < OKVM_PIT_MIN_PERIOD_NS)
		pit->period_ns = OKVM_PIT_MIN_PERIOD_NS;
	pit->timer_armed = true;
	pit->ops->timer_arm(pit->opaque, pit->next_expiry_ns);
}

static void ch0_timer_stop(struct okvm_pit *pit)
{
	if (pit->timer_armed)
		pit->ops->timer_cancel(pit->opaque);
	pit->timer_armed = false;
}

static void load_count(struct okvm_pit *pit, int i, u32 val, bool no_timer)
{
	struct okvm_pit_channel *c = &pit->ch[i];

	/* The largest initial count is 0: 2^16 (binary counting). */
	if (!val)
		val = 0x10000;
	c->count = val;
	c->count_load_time = pit->ops->now_ns(pit->opaque);
	if (i)
		return;
	if (no_timer || (pit->flags & KVM_PIT_FLAGS_HPET_LEGACY)) {
		ch0_timer_stop(pit);
		return;
	}
	/*
	 * Modes 0, 1 and 4 end once (channel 0's gate is always high, so 1
	 * starts at once); 2 and 3 repeat; 5 waits for a gate edge that
	 * never comes.
	 */
	switch (c->mode) {
	case 0:
	case 1:
	case 4:
		ch0_timer_start(pit, val, false);
		break;
	case 2:
	case 3:
		ch0_timer_start(pit, val, true);
		break;
	default:
		ch0_timer_stop(pit);
		break;
	}
}

static void set_gate(struct okvm_pit *pit, int i, u8 val)
{
	struct okvm_pit_channel *c = &pit->ch[i];

	/* Modes 1, 2, 3, 5 (re)start counting on a rising edge. */
	switch (c->mode) {
	case 1:
	case 2:
	case 3:
	case 5:
		if (c->gate < val)
			c->count_load_time = pit->ops->now_ns(pit->opaque);
		break;
	}
	c->gate = val;
}

static void latch_count(struct okvm_pit *pit, struct okvm_pit_channel *c)
{
	/* A second latch before the first was read is ignored. */
	if (c->count_latched)
		return;
	c->latched_count = channel_count(pit, c);
	c->count_latched = c->rw_mode;
}

static void latch_status(struct okvm_pit *pit, struct okvm_pit_channel *c)
{
	if (c->status_latched)
		return;
	c->status = channel_out(pit, c) << 7 | c->rw_mode << 4 |
		    c->mode << 1 | c->bcd;
	c->status_latched = 1;
}

static void control_write(struct okvm_pit *pit, u8 val)
{
	unsigned int sc = val >> OKVM_PIT_CW_SC_SHIFT;
	unsigned int rw = (val >> OKVM_PIT_CW_RW_SHIFT) & 3;
	struct okvm_pit_channel *c;
	int i;

	if (sc == OKVM_PIT_CW_SC_READBACK) {
		/* Bits 1-3 select channels 0-2. */
		for (i = 0; i < OKVM_PIT_CHANNELS; i++) {
			if (!(val & BIT(i + 1)))
				continue;
			c = &pit->ch[i];
			if (!(val & OKVM_PIT_RB_NO_COUNT))
				latch_count(pit, c);
			if (!(val & OKVM_PIT_RB_NO_STATUS))
				latch_status(pit, c);
		}
		return;
	}
	c = &pit->ch[sc];
	if (!rw) {			/* counter latch command */
		latch_count(pit, c);
		return;
	}
	c->rw_mode = rw;
	c->read_state = rw;
	c->write_state = rw;
	c->mode = (val >> OKVM_PIT_CW_MODE_SHIFT) & 7;
	if (c->mode > 5)		/* 6 and 7 are 2 and 3 */
		c->mode -= 4;
	c->bcd = val & 1;
}

static void data_write(struct okvm_pit *pit, int i, u8 val)
{
	struct okvm_pit_channel *c = &pit->ch[i];

	switch (c->write_state) {
	default:
	case OKVM_PIT_RW_LSB:
		load_count(pit, i, val, false);
		break;
	case OKVM_PIT_RW_MSB:
		load_count(pit, i, val << 8, false);
		break;
	case OKVM_PIT_RW_WORD0:
		c->write_latch = val;
		c->write_state = OKVM_PIT_RW_WORD1;
		break;
	case OKVM_PIT_RW_WORD1:
		load_count(pit, i, c->write_latch | val << 8, false);
		c->write_state = OKVM_PIT_RW_WORD0;
		break;
	}
}

static u8 data_read(struct okvm_pit *pit, int i)
{
	struct okvm_pit_channel *c = &pit->ch[i];
	u8 ret;

	/* A latched status comes first, then a latched count, then live. */
	if (c->status_latched) {
		c->status_latched = 0;
		return c->status;
	}
	if (c->count_latched) {
		switch (c->count_latched) {
		default:
		case OKVM_PIT_RW_LSB:
			c->count_latched = 0;
			return c->latched_count & 0xff;
		case OKVM_PIT_RW_MSB:
			c->count_latched = 0;
			return c->latched_count >> 8;
		case OKVM_PIT_RW_WORD0:
			c->count_latched = OKVM_PIT_RW_MSB;
			return c->latched_count & 0xff;
		}
	}
	switch (c->read_state) {
	default:
	case OKVM_PIT_RW_LSB:
		ret = channel_count(pit, c) & 0xff;
		break;
	case OKVM_PIT_RW_MSB:
		ret = channel_count(pit, c) >> 8;
		break;
	case OKVM_PIT_RW_WORD0:
		ret = channel_count(pit, c) & 0xff;
		c->read_state = OKVM_PIT_RW_WORD1;
		break;
	case OKVM_PIT_RW_WORD1:
		ret = channel_count(pit, c) >> 8;
		c->read_state = OKVM_PIT_RW_WORD0;
		break;
	}
	return ret;
}

/**
 * okvm_pit_ioport_write() - a guest write to a PIT port
 * @pit: the PIT
 * @port: the port (0x40-0x43, 0x61 are the PIT's)
 * @val: the byte written (wider writes: their low byte, as KVM)
 *
 * Return: true if the port is the PIT's (handled), false otherwise.
 */
bool okvm_pit_ioport_write(struct okvm_pit *pit, u16 port, u8 val)
{
	if (port == OKVM_PIT_SPEAKER) {
		if (val & BIT(1))
			pit->flags |= KVM_PIT_FLAGS_SPEAKER_DATA_ON;
		else
			pit->flags &= ~KVM_PIT_FLAGS_SPEAKER_DATA_ON;
		set_gate(pit, 2, val & 1);
		return true;
	}
	if (port < OKVM_PIT_BASE || port > OKVM_PIT_BASE + 3)
		return false;
	if (port == OKVM_PIT_BASE + 3)
		control_write(pit, val);
	else
		data_write(pit, port - OKVM_PIT_BASE, val);
	return true;
}

/**
 * okvm_pit_ioport_read() - a guest read of a PIT port
 * @pit: the PIT
 * @port: the port
 * @val: where the byte read goes; the control word port (write-only)
 *	leaves it as it was, as KVM does
 *
 * Port 0x61: bit 0 channel 2's gate, bit 1 speaker data, bit 4 the
 * refresh toggle (every 2^14 ns, about the PC's 15 us), bit 5 channel 2's
 * OUT.
 *
 * Return: true if the port is the PIT's, false otherwise.
 */
bool okvm_pit_ioport_read(struct okvm_pit *pit, u16 port, u8 *val)
{
	if (port == OKVM_PIT_SPEAKER) {
		u64 now = pit->ops->now_ns(pit->opaque);

		*val = !!(pit->flags & KVM_PIT_FLAGS_SPEAKER_DATA_ON) << 1 |
		       pit->ch[2].gate | ((now >> 14) & 1) << 4 |
		       channel_out(pit, &pit->ch[2]) << 5;
		return true;
	}
	if (port < OKVM_PIT_BASE || port > OKVM_PIT_BASE + 3)
		return false;
	if (port != OKVM_PIT_BASE + 3)
		*val = data_read(pit, port - OKVM_PIT_BASE);
	return true;
}

static void try_inject(struct okvm_pit *pit)
{
	if (pit->pending && !pit->irq_in_flight) {
		pit->pending--;
		pit->irq_in_flight = true;
		pit->ops->irq0(pit->opaque);
	}
}

/**
 * okvm_pit_timer_expired() - channel 0's timer fired: one IRQ0 tick
 * @pit: the PIT
 *
 * Return: the absolute time (ns) to fire next, or 0 if the timer is done
 * (a one-shot mode, or it was stopped).
 */
u64 okvm_pit_timer_expired(struct okvm_pit *pit)
{
	if (!pit->timer_armed)
		return 0;
	if (pit->reinject) {
		if (pit->pending < U32_MAX)
			pit->pending++;
		try_inject(pit);
	} else {
		pit->ops->irq0(pit->opaque);
	}
	if (!pit->periodic) {
		pit->timer_armed = false;
		return 0;
	}
	pit->next_expiry_ns += pit->period_ns;
	return pit->next_expiry_ns;
}

/**
 * okvm_pit_irq0_acked() - the guest acknowledged IRQ0
 * @pit: the PIT
 *
 * With reinjection, the next tick still owed goes out now.
 */
void okvm_pit_irq0_acked(struct okvm_pit *pit)
{
	pit->irq_in_flight = false;
	if (pit->reinject)
		try_inject(pit);
}

/**
 * okvm_pit_irq0_unmasked() - IRQ0 was unmasked at its interrupt controller
 * @pit: the PIT
 *
 * Ticks owed from while it was masked are dropped, not replayed.
 */
void okvm_pit_irq0_unmasked(struct okvm_pit *pit)
{
	reset_reinject(pit);
}

/**
 * okvm_pit_set_reinject() - KVM_REINJECT_CONTROL
 * @pit: the PIT
 * @reinject: the policy (see the file comment)
 */
void okvm_pit_set_reinject(struct okvm_pit *pit, bool reinject)
{
	if (reinject && !pit->reinject)
		reset_reinject(pit);
	pit->reinject = reinject;
}

/**
 * okvm_pit_reset() - the state after KVM_CREATE_PIT2 (and a reset)
 * @pit: the PIT
 *
 * Every channel holds count 0x10000 in no mode (0xff, as KVM reports it),
 * gates 0 and 1 high, 2 low; no timer runs; reinjection state cleared
 * (the policy itself is kept).
 */
void okvm_pit_reset(struct okvm_pit *pit)
{
	int i;

	pit->flags = 0;
	for (i = 0; i < OKVM_PIT_CHANNELS; i++) {
		struct okvm_pit_channel *c = &pit->ch[i];

		memset(c, 0, sizeof(*c));
		c->mode = 0xff;
		c->gate = i != 2;
		load_count(pit, i, 0, false);
	}
	reset_reinject(pit);
}

/**
 * okvm_pit_init() - a new PIT, reset, with reinjection on (KVM's default)
 * @pit: the PIT
 * @ops: callbacks
 * @opaque: their first argument
 */
void okvm_pit_init(struct okvm_pit *pit, const struct okvm_pit_ops *ops,
		   void *opaque)
{
	memset(pit, 0, sizeof(*pit));
	pit->ops = ops;
	pit->opaque = opaque;
	pit->reinject = true;
	okvm_pit_reset(pit);
}

/**
 * okvm_pit_get_state() - KVM_GET_PIT2
 * @pit: the PIT
 * @s: filled in whole (reserved fields 0)
 */
void okvm_pit_get_state(struct okvm_pit *pit, struct kvm_pit_state2 *s)
{
	int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < OKVM_PIT_CHANNELS; i++) {
		const struct okvm_pit_channel *c = &pit->ch[i];
		struct kvm_pit_channel_state *o = &s->channels[i];

		o->count = c->count;
		o->latched_count = c->latched_count;
		o->count_latched = c->count_latched;
		o->status_latched = c->status_latched;
		o->status = c->status;
		o->read_state = c->read_state;
		o->write_state = c->write_state;
		o->write_latch = c->write_latch;
		o->rw_mode = c->rw_mode;
		o->mode = c->mode;
		o->bcd = c->bcd;
		o->gate = c->gate;
		o->count_load_time = c->count_load_time;
	}
	s->flags = pit->flags;
}

/**
 * okvm_pit_set_state() - KVM_SET_PIT2
 * @pit: the PIT
 * @s: the state; taken as is, as KVM takes it
 *
 * Each channel's count is loaded again (now), which restarts channel 0's
 * timer in its mode. When HPET legacy mode turns on here, channel 0 is
 * loaded without a timer.
 */
void okvm_pit_set_state(struct okvm_pit *pit, const struct kvm_pit_state2 *s)
{
	bool legacy_on = !(pit->flags & KVM_PIT_FLAGS_HPET_LEGACY) &&
			 (s->flags & KVM_PIT_FLAGS_HPET_LEGACY);
	int i;

	pit->flags = s->flags;
	for (i = 0; i < OKVM_PIT_CHANNELS; i++) {
		const struct kvm_pit_channel_state *o = &s->channels[i];
		struct okvm_pit_channel *c = &pit->ch[i];

		c->latched_count = o->latched_count;
		c->count_latched = o->count_latched;
		c->status_latched = o->status_latched;
		c->status = o->status;
		c->read_state = o->read_state;
		c->write_state = o->write_state;
		c->write_latch = o->write_latch;
		c->rw_mode = o->rw_mode;
		c->mode = o->mode;
		c->bcd = o->bcd;
		c->gate = o->gate;
		load_count(pit, i, o->count, i == 0 && legacy_on);
	}
}
