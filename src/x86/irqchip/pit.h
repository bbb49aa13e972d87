/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * i8254 programmable interval timer model, as KVM offers it through
 * KVM_CREATE_PIT2: three channels at ports 0x40-0x42, the control word
 * at 0x43, and port 0x61's channel 2 gate, speaker data bit, channel 2
 * output and refresh toggle.
 *
 * Pure C like the other device models: time comes from ->now_ns (host
 * ns), channel 0 drives IRQ0 through ->irq0 (one rising edge per call)
 * and asks the VM layer for a timer with ->timer_arm/->timer_cancel; the
 * VM layer calls okvm_pit_timer_expired() when that timer fires and
 * okvm_pit_irq0_acked() when the guest acknowledged IRQ0 (PIC INTA or
 * I/O APIC EOI of its vector).
 *
 * Counters are computed from the time their count was loaded, as KVM
 * does: the state matches struct kvm_pit_state2 field for field. BCD is
 * recorded and reported (status, state) but counting is binary, as in
 * KVM.
 *
 * Reinjection (KVM_REINJECT_CONTROL, on by default): each period that
 * ends counts one tick, and IRQ0 is raised for the next tick only once
 * the previous one was acknowledged, so a guest that was not running
 * still sees every tick. Off: each period's end raises IRQ0 at once, and
 * ticks the guest did not take merge in the interrupt controller.
 *
 * Locking: the caller serializes every call (the irqchip lock); the
 * callbacks are called with it held and must not sleep.
 *
 * Not wired to the VM and vCPU ioctls yet (KVM_CREATE_PIT2, KVM_GET/
 * SET_PIT2, KVM_REINJECT_CONTROL and the port exits).
 */
#ifndef OKVM_X86_IRQCHIP_PIT_H
#define OKVM_X86_IRQCHIP_PIT_H

#include <linux/types.h>

#define OKVM_PIT_BASE		0x40	/* channel 0; 0x43: control word */
#define OKVM_PIT_SPEAKER	0x61
#define OKVM_PIT_FREQ		1193182	/* Hz, the PC's 14.31818 MHz / 12 */
#define OKVM_PIT_CHANNELS	3
/* KVM's min_timer_period_us default: periodic IRQ0 no faster than this. */
#define OKVM_PIT_MIN_PERIOD_NS	200000ULL

struct kvm_pit_state2;

/**
 * struct okvm_pit_ops - what the PIT needs from the VM layer
 * @now_ns: the current host time in ns (monotonic)
 * @timer_arm: (re)start channel 0's timer to fire at absolute @expires_ns
 * @timer_cancel: stop it (it may be running its callback: no wait)
 * @irq0: a rising edge on IRQ0 (raise and lower GSI 0)
 */
struct okvm_pit_ops {
	u64 (*now_ns)(void *opaque);
	void (*timer_arm)(void *opaque, u64 expires_ns);
	void (*timer_cancel)(void *opaque);
	void (*irq0)(void *opaque);
};

/**
 * struct okvm_pit_channel - one counter, in struct kvm_pit_channel_state's terms
 * @count: the initial count, 1..0x10000 (a written 0 is 0x10000)
 * @latched_count: the count latched by a latch or read-back command
 * @count_latched: the latch's read state (OKVM_PIT_RW_*), 0 if none
 * @status_latched: a status byte is latched
 * @status: that status byte
 * @read_state: which byte the next data-port read returns
 * @write_state: which byte the next data-port write sets
 * @write_latch: the low byte of a two-byte write in progress
 * @rw_mode: the access mode (control word bits 5:4)
 * @mode: the counting mode 0-5 (0xff after reset: none programmed)
 * @bcd: control word bit 0
 * @gate: the GATE input (channels 0 and 1: always 1)
 * @count_load_time: host ns when @count was loaded or the gate rose
 */
struct okvm_pit_channel {
	u32 count;
	u16 latched_count;
	u8 count_latched;
	u8 status_latched;
	u8 status;
	u8 read_state;
	u8 write_state;
	u8 write_latch;
	u8 rw_mode;
	u8 mode;
	u8 bcd;
	u8 gate;
	s64 count_load_time;
};

/**
 * struct okvm_pit - the timer and its IRQ0 state
 * @ch: the three channels
 * @flags: KVM_PIT_FLAGS_HPET_LEGACY (channel 0 raises nothing) and
 *	KVM_PIT_FLAGS_SPEAKER_DATA_ON (port 0x61 bit 1)
 * @reinject: KVM_REINJECT_CONTROL's policy (see the file comment)
 * @pending: ticks not yet delivered (reinjection)
 * @irq_in_flight: IRQ0 raised and not yet acknowledged (reinjection)
 * @timer_armed: channel 0's timer runs
 * @periodic: it restarts by @period_ns (modes 2 and 3)
 * @period_ns: channel 0's period
 * @next_expiry_ns: when it fires next
 * @ops: callbacks
 * @opaque: their first argument
 */
struct okvm_pit {
	struct okvm_pit_channel ch[OKVM_PIT_CHANNELS];
	u32 flags;
	bool reinject;
	u32 pending;
	bool irq_in_flight;
	bool timer_armed;
	bool periodic;
	u64 period_ns;
	u64 next_expiry_ns;
	const struct okvm_pit_ops *ops;
	void *opaque;
};

void okvm_pit_init(struct okvm_pit *pit, const struct okvm_pit_ops *ops,
		   void *opaque);
void okvm_pit_reset(struct okvm_pit *pit);
bool okvm_pit_ioport_write(struct okvm_pit *pit, u16 port, u8 val);
bool okvm_pit_ioport_read(struct okvm_pit *pit, u16 port, u8 *val);
u64 okvm_pit_timer_expired(struct okvm_pit *pit);
void okvm_pit_irq0_acked(struct okvm_pit *pit);
void okvm_pit_irq0_unmasked(struct okvm_pit *pit);
void okvm_pit_set_reinject(struct okvm_pit *pit, bool reinject);
void okvm_pit_get_state(struct okvm_pit *pit, struct kvm_pit_state2 *s);
void okvm_pit_set_state(struct okvm_pit *pit, const struct kvm_pit_state2 *s);

#endif /* OKVM_X86_IRQCHIP_PIT_H */
