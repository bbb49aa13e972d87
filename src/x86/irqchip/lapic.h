/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Local APIC model (xAPIC and x2APIC), one per vCPU.
 *
 * The model is pure C: it never touches hardware, never sleeps and never
 * allocates after okvm_lapic_init(). Everything that needs the outside
 * world (a clock, an hrtimer, the guest TSC, the other APICs, the I/O APIC)
 * goes through struct okvm_lapic_ops, which is what lets KUnit drive it
 * with a fake clock.
 *
 * Locking: every function below expects the caller to hold the vCPU's APIC
 * lock (a spinlock, possibly taken from the hrtimer callback in hardirq
 * context), except okvm_lapic_match_dest() and okvm_lapic_lowest_prio(),
 * which only read and can be called with the target APICs' locks held or
 * under the VM-wide lock the caller uses to walk the vCPUs. The callbacks
 * are invoked with that same lock held: they must not sleep and must not
 * call back into the same APIC except where noted.
 *
 * The register page is kept in KVM's KVM_GET_LAPIC layout (1 KiB, each
 * register at its xAPIC MMIO offset, ICR split at 0x300/0x310 in both
 * modes), so state save/restore is a validated copy.
 */
#ifndef OKVM_X86_LAPIC_H
#define OKVM_X86_LAPIC_H

#include <linux/bits.h>
#include <linux/types.h>

/* Register offsets in the xAPIC page (x2APIC MSR = 0x800 + offset / 16). */
#define OKVM_APIC_ID		0x20
#define OKVM_APIC_LVR		0x30
#define OKVM_APIC_TPR		0x80
#define OKVM_APIC_APR		0x90
#define OKVM_APIC_PPR		0xa0
#define OKVM_APIC_EOI		0xb0
#define OKVM_APIC_RRD		0xc0
#define OKVM_APIC_LDR		0xd0
#define OKVM_APIC_DFR		0xe0
#define OKVM_APIC_SVR		0xf0
#define OKVM_APIC_ISR		0x100
#define OKVM_APIC_TMR		0x180
#define OKVM_APIC_IRR		0x200
#define OKVM_APIC_ESR		0x280
#define OKVM_APIC_LVT_CMCI	0x2f0
#define OKVM_APIC_ICR		0x300
#define OKVM_APIC_ICR2		0x310
#define OKVM_APIC_LVTT		0x320
#define OKVM_APIC_LVTTHMR	0x330
#define OKVM_APIC_LVTPC		0x340
#define OKVM_APIC_LVT0		0x350
#define OKVM_APIC_LVT1		0x360
#define OKVM_APIC_LVTERR	0x370
#define OKVM_APIC_TMICT		0x380
#define OKVM_APIC_TMCCT		0x390
#define OKVM_APIC_TDCR		0x3e0
#define OKVM_APIC_SELF_IPI	0x3f0
#define OKVM_APIC_REG_SIZE	0x400

/* MSRs. */
#define OKVM_MSR_APIC_BASE	0x1b
#define OKVM_MSR_TSC_DEADLINE	0x6e0
#define OKVM_MSR_X2APIC_FIRST	0x800
#define OKVM_MSR_X2APIC_LAST	0x8ff

/* IA32_APIC_BASE bits. */
#define OKVM_APIC_BASE_BSP	(1ULL << 8)
#define OKVM_APIC_BASE_EXTD	(1ULL << 10)
#define OKVM_APIC_BASE_EN	(1ULL << 11)
#define OKVM_APIC_BASE_ADDR	0xfee00000ULL	/* the reset value */
#define OKVM_APIC_BASE_MASK	GENMASK_ULL(51, 12)	/* the base field */

/* Version register: version 0x14 (integrated APIC), 6 LVT entries. */
#define OKVM_APIC_VERSION	0x00050014u

/* SVR bits. */
#define OKVM_APIC_SVR_ENABLE	(1u << 8)
#define OKVM_APIC_SVR_NO_FOCUS	(1u << 9)

/* LVT and ICR fields. */
#define OKVM_APIC_VECTOR_MASK	0xffu
#define OKVM_APIC_DM_SHIFT	8
#define OKVM_APIC_DM_MASK	(7u << 8)
#define OKVM_APIC_DEST_LOGICAL	(1u << 11)
#define OKVM_APIC_SEND_PENDING	(1u << 12)
#define OKVM_APIC_INPUT_POLARITY (1u << 13)
#define OKVM_APIC_LVT_REMOTE_IRR (1u << 14)
#define OKVM_APIC_ICR_LEVEL	(1u << 14)
#define OKVM_APIC_TRIGGER_LEVEL	(1u << 15)
#define OKVM_APIC_LVT_MASKED	(1u << 16)
#define OKVM_APIC_SHORTHAND_SHIFT 18
#define OKVM_APIC_SHORTHAND_MASK (3u << 18)
#define OKVM_APIC_TIMER_MODE_SHIFT 17
#define OKVM_APIC_TIMER_MODE_MASK (3u << 17)

/* Delivery modes (ICR, LVT, I/O APIC redirection entries, MSI data). */
#define OKVM_APIC_DM_FIXED	0
#define OKVM_APIC_DM_LOWEST	1
#define OKVM_APIC_DM_SMI	2
#define OKVM_APIC_DM_NMI	4
#define OKVM_APIC_DM_INIT	5
#define OKVM_APIC_DM_SIPI	6
#define OKVM_APIC_DM_EXTINT	7

/* Destination shorthands (ICR bits 19:18). */
#define OKVM_APIC_SH_NONE	0
#define OKVM_APIC_SH_SELF	1
#define OKVM_APIC_SH_ALL	2
#define OKVM_APIC_SH_OTHERS	3

/* Destination modes, as the DM bit of the ICR/RTE/MSI. */
#define OKVM_APIC_DEST_PHYS	0
#define OKVM_APIC_DEST_LOG	1

#define OKVM_APIC_BROADCAST	0xffu
#define OKVM_X2APIC_BROADCAST	0xffffffffu

/* Timer modes (LVT timer bits 18:17). */
#define OKVM_APIC_TIMER_ONESHOT	0
#define OKVM_APIC_TIMER_PERIODIC 1
#define OKVM_APIC_TIMER_TSCDEADLINE 2

/*
 * Default bus clock of the timer: 1 GHz as in KVM, so one count at
 * divide-by-1 is one nanosecond; guests calibrate against the PIT or the
 * TSC anyway. KVM_CAP_X86_APIC_BUS_CYCLES_NS changes it per VM.
 */
#define OKVM_APIC_BUS_CYCLE_NS	1

/* ESR bits (SDM vol. 3 11.5.3). */
#define OKVM_APIC_ESR_SEND_ILLEGAL	(1u << 5)
#define OKVM_APIC_ESR_RECV_ILLEGAL	(1u << 6)
#define OKVM_APIC_ESR_ILLEGAL_REG	(1u << 7)

/* Pending events for the vCPU layer (okvm_lapic_take_events()). */
#define OKVM_LAPIC_EV_NMI	(1u << 0)
#define OKVM_LAPIC_EV_INIT	(1u << 1)
#define OKVM_LAPIC_EV_SIPI	(1u << 2)
#define OKVM_LAPIC_EV_SMI	(1u << 3)

/* APIC modes, from IA32_APIC_BASE[11:10]. */
enum okvm_lapic_mode {
	OKVM_LAPIC_DISABLED,
	OKVM_LAPIC_XAPIC,
	OKVM_LAPIC_X2APIC,
};

/**
 * struct okvm_lapic_irq - one interrupt message on the APIC bus
 * @vector: vector (or SIPI start page)
 * @delivery_mode: OKVM_APIC_DM_*
 * @dest_mode: OKVM_APIC_DEST_PHYS or OKVM_APIC_DEST_LOG
 * @level: level (assert) bit; only a deasserting INIT has it clear
 * @trig_mode: 1 for level-triggered, 0 for edge
 * @shorthand: OKVM_APIC_SH_*
 * @dest_id: destination: 8 bits from xAPIC/IOAPIC/MSI, 32 in x2APIC
 */
struct okvm_lapic_irq {
	u32 vector;
	u32 delivery_mode;
	u32 dest_mode;
	bool level;
	bool trig_mode;
	u32 shorthand;
	u32 dest_id;
};

struct okvm_lapic;
struct kvm_lapic_state;

/**
 * struct okvm_lapic_ops - what the APIC needs from the vCPU layer
 * @now_ns: a monotonic clock in ns (the hrtimer's clock base)
 * @read_tsc: the guest's TSC now (for TSC-deadline mode)
 * @timer_arm: (re)arm the one timer of this APIC at absolute @expires_ns;
 *	when it fires, the caller invokes okvm_lapic_timer_expired()
 * @timer_cancel: disarm it (no-op if not armed); must not wait for a
 *	running callback, since it is called under the APIC lock
 * @send_ipi: deliver an ICR write (also shorthand "self") to the APICs the
 *	message addresses; the source APIC's lock is held. NULL selects the
 *	latched mode: see okvm_lapic_take_ipi()
 * @eoi_broadcast: a vector was EOIed, @level if its TMR bit said
 *	level-triggered (for the I/O APIC: remote IRR for level, the ack
 *	that the PIT's reinjection waits for either way); the APIC's lock is
 *	held. NULL selects the latched mode (level-triggered EOIs only):
 *	see okvm_lapic_take_eoi()
 * @kick: an interrupt or event became pending: wake the vCPU from HLT or
 *	make it leave guest mode
 *
 * Every callback is optional except @now_ns; a NULL one is skipped.
 *
 * With one lock for the whole irqchip (every APIC, the I/O APIC and the
 * PIC), @send_ipi and @eoi_broadcast can deliver directly. With per-vCPU
 * APIC locks they must not (two vCPUs sending each other IPIs would take
 * the two locks in opposite orders): leave them NULL and drain
 * okvm_lapic_take_ipi() and okvm_lapic_take_eoi() after each exit.
 */
struct okvm_lapic_ops {
	u64 (*now_ns)(void *opaque);
	u64 (*read_tsc)(void *opaque);
	void (*timer_arm)(void *opaque, u64 expires_ns);
	void (*timer_cancel)(void *opaque);
	void (*send_ipi)(void *opaque, struct okvm_lapic *src,
			 const struct okvm_lapic_irq *irq);
	void (*eoi_broadcast)(void *opaque, u8 vector, bool level);
	void (*kick)(void *opaque);
};

/**
 * struct okvm_lapic - one local APIC
 * @regs: the register page in KVM_GET_LAPIC layout
 * @apic_base: IA32_APIC_BASE
 * @apic_id: the vCPU's APIC ID (fixed at creation; x2APIC ID, xAPIC ID low
 *	8 bits)
 * @x2apic_supported: CPUID advertises x2APIC (EXTD may be set)
 * @tsc_deadline_supported: CPUID advertises the TSC-deadline timer
 * @lint0_extint: reset (and INIT) leave LVT0 unmasked in ExtINT mode
 *	rather than masked, so that the PIC reaches the CPU before the guest
 *	programs its APIC: what a BIOS leaves on the BSP, and what KVM does
 *	for the BSP under KVM_X86_QUIRK_LINT0_REENABLED
 * @tsc_khz: guest TSC frequency, for TSC-deadline conversion
 * @bus_cycle_ns: timer bus period (KVM_CAP_X86_APIC_BUS_CYCLES_NS), not 0
 * @esr_pending: errors latched since the last ESR write
 * @events: OKVM_LAPIC_EV_* not yet taken by the vCPU layer
 * @sipi_vector: vector of the last SIPI
 * @timer: the timer's state: @armed, absolute @deadline_ns of the next
 *	expiry, @period_ns of a periodic timer, @tsc_deadline MSR value
 * @ipi_out: an IPI latched for okvm_lapic_take_ipi() (if @ipi_pending)
 * @ipi_pending: @ipi_out is valid
 * @eoi_out: level-triggered EOIs latched for okvm_lapic_take_eoi()
 * @ops: callbacks
 * @opaque: their first argument
 */
struct okvm_lapic {
	u8 regs[OKVM_APIC_REG_SIZE] __aligned(16);
	u64 apic_base;
	u32 apic_id;
	bool x2apic_supported;
	bool tsc_deadline_supported;
	bool lint0_extint;
	u32 tsc_khz;
	u64 bus_cycle_ns;
	u32 esr_pending;
	u32 events;
	u8 sipi_vector;
	struct {
		bool armed;
		u64 deadline_ns;
		u64 period_ns;
		u64 tsc_deadline;
	} timer;
	struct okvm_lapic_irq ipi_out;
	bool ipi_pending;
	u32 eoi_out[8];
	const struct okvm_lapic_ops *ops;
	void *opaque;
};

void okvm_lapic_init(struct okvm_lapic *apic, u32 apic_id, bool bsp,
		     const struct okvm_lapic_ops *ops, void *opaque);
void okvm_lapic_reset(struct okvm_lapic *apic, bool init);
bool okvm_lapic_enabled(const struct okvm_lapic *apic);

enum okvm_lapic_mode okvm_lapic_mode(const struct okvm_lapic *apic);
int okvm_lapic_set_base(struct okvm_lapic *apic, u64 value, bool host);

u32 okvm_lapic_get_reg(const struct okvm_lapic *apic, u32 offset);

u64 okvm_lapic_mmio_read(struct okvm_lapic *apic, u32 offset, int len);
void okvm_lapic_mmio_write(struct okvm_lapic *apic, u32 offset, int len,
			   u64 val);
int okvm_lapic_msr_read(struct okvm_lapic *apic, u32 msr, u64 *data);
int okvm_lapic_msr_write(struct okvm_lapic *apic, u32 msr, u64 data);
int okvm_lapic_set_cr8(struct okvm_lapic *apic, u64 cr8);
u64 okvm_lapic_get_cr8(const struct okvm_lapic *apic);

bool okvm_lapic_set_irq(struct okvm_lapic *apic, u8 vector, bool level,
			bool trig_mode);
bool okvm_lapic_deliver(struct okvm_lapic *apic,
			const struct okvm_lapic_irq *irq);
int okvm_lapic_pending(const struct okvm_lapic *apic);
void okvm_lapic_ack(struct okvm_lapic *apic, u8 vector);
u32 okvm_lapic_take_events(struct okvm_lapic *apic, u8 *sipi_vector);
bool okvm_lapic_accept_pic_intr(const struct okvm_lapic *apic);
bool okvm_lapic_local_int(struct okvm_lapic *apic, u32 lvt_offset);

bool okvm_lapic_take_ipi(struct okvm_lapic *apic, struct okvm_lapic_irq *irq);
int okvm_lapic_take_eoi(struct okvm_lapic *apic);
int okvm_lapic_pv_eoi_vector(const struct okvm_lapic *apic);
void okvm_lapic_pv_eoi(struct okvm_lapic *apic);

bool okvm_lapic_timer_expired(struct okvm_lapic *apic, u64 *next_ns);

bool okvm_lapic_match_dest(const struct okvm_lapic *apic, u32 dest,
			   u32 dest_mode, u32 shorthand,
			   const struct okvm_lapic *source);
struct okvm_lapic *okvm_lapic_lowest_prio(struct okvm_lapic *const *cands,
					  int n, u8 vector);

void okvm_lapic_get_state(const struct okvm_lapic *apic,
			  struct kvm_lapic_state *s, bool x2apic_format);
int okvm_lapic_set_state(struct okvm_lapic *apic,
			 const struct kvm_lapic_state *s, bool x2apic_format);

/* Find the highest set bit of a 256-bit register block (ISR/TMR/IRR). */
int okvm_lapic_find_highest(const struct okvm_lapic *apic, u32 base);

#endif /* OKVM_X86_LAPIC_H */
