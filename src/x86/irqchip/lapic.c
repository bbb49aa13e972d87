// SPDX-License-Identifier: GPL-2.0-only
/*
 * Local APIC model: registers, priorities, EOI, LVTs, the timer, IPIs and
 * destination matching. Facts from Intel SDM vol. 3 ch. 11 and AMD APM
 * vol. 2 ch. 16; KVM's behaviour where the hardware leaves a choice (odd
 * MMIO sizes, the 1 GHz timer bus, the KVM_GET_LAPIC image). See lapic.h
 * for the locking rules.
 */
#include <linux/bitops.h>
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/kvm.h>
#include <linux/math64.h>
#include <linux/overflow.h>
#include <linux/string.h>
#include <linux/time64.h>

#include "lapic.h"

/*
 * Shortest period of a periodic timer, as KVM's min_timer_period_us
 * default: a guest must not make the host's hrtimer fire every few ns.
 */
#define OKVM_APIC_MIN_PERIOD_NS	200000ULL

/*
 * The latest expiry the timer is ever armed at. A huge count (TMICT up to
 * 2^32, divide 128, a bus cycle up to 2^25 ns) or a TSC deadline far ahead
 * of the TSC can reach 2^64 ns; an hrtimer expiry is signed, and one past
 * KTIME_MAX reads as a time in the past: the timer would fire and restart
 * at once, forever, in hard-IRQ context. Clamped, it fires in 292 years.
 */
#define OKVM_APIC_TIMER_MAX_NS	((u64)KTIME_MAX - 1)

/* Writable bits of each register (the rest are read-only or reserved). */
#define LVT_BASE_MASK	(OKVM_APIC_LVT_MASKED | OKVM_APIC_VECTOR_MASK)
#define LVT_DM_MASK	(LVT_BASE_MASK | OKVM_APIC_DM_MASK)
#define LVT_LINT_MASK	(LVT_DM_MASK | OKVM_APIC_INPUT_POLARITY | \
			 OKVM_APIC_TRIGGER_LEVEL)
#define ICR_LO_MASK	(OKVM_APIC_VECTOR_MASK | OKVM_APIC_DM_MASK | \
			 OKVM_APIC_DEST_LOGICAL | OKVM_APIC_ICR_LEVEL | \
			 OKVM_APIC_TRIGGER_LEVEL | OKVM_APIC_SHORTHAND_MASK)
/* x2APIC ICR bits whose setting is a #GP (SDM table 11-6, as KVM). */
#define X2APIC_ICR_RESERVED	(GENMASK_ULL(31, 20) | GENMASK_ULL(17, 16) | \
				 BIT_ULL(13))
#define SVR_MASK	0x3ffu
#define TDCR_MASK	0xbu

/* The page is KVM_GET_LAPIC's image: same size, registers at MMIO offsets. */
static_assert(sizeof(struct kvm_lapic_state) == OKVM_APIC_REG_SIZE);

static const u32 lvt_offsets[] = {
	OKVM_APIC_LVTT, OKVM_APIC_LVTTHMR, OKVM_APIC_LVTPC,
	OKVM_APIC_LVT0, OKVM_APIC_LVT1, OKVM_APIC_LVTERR,
};

static u32 reg(const struct okvm_lapic *apic, u32 off)
{
	return *(const u32 *)(apic->regs + off);
}

static void set_reg(struct okvm_lapic *apic, u32 off, u32 val)
{
	*(u32 *)(apic->regs + off) = val;
}

/* ISR, TMR and IRR: vector v is bit v % 32 of the register at v / 32. */
static u32 *vec_word(struct okvm_lapic *apic, u32 base, u8 vec)
{
	return (u32 *)(apic->regs + base + (vec >> 5) * 0x10);
}

static bool vec_test(const struct okvm_lapic *apic, u32 base, u8 vec)
{
	return reg(apic, base + (vec >> 5) * 0x10) & BIT(vec & 31);
}

static bool vec_test_and_set(struct okvm_lapic *apic, u32 base, u8 vec)
{
	u32 *w = vec_word(apic, base, vec);
	bool old = *w & BIT(vec & 31);

	*w |= BIT(vec & 31);
	return old;
}

static void vec_clear(struct okvm_lapic *apic, u32 base, u8 vec)
{
	*vec_word(apic, base, vec) &= ~BIT(vec & 31);
}

/**
 * okvm_lapic_find_highest() - highest vector set in a 256-bit register block
 * @apic: the APIC
 * @base: OKVM_APIC_ISR, OKVM_APIC_TMR or OKVM_APIC_IRR
 *
 * Context: APIC lock held.
 * Return: the vector, or -1 if no bit is set or @base is none of those.
 */
int okvm_lapic_find_highest(const struct okvm_lapic *apic, u32 base)
{
	int i;

	if (base != OKVM_APIC_ISR && base != OKVM_APIC_TMR &&
	    base != OKVM_APIC_IRR)
		return -1;

	for (i = 7; i >= 0; i--) {
		u32 w = reg(apic, base + i * 0x10);

		if (w)
			return i * 32 + fls(w) - 1;
	}
	return -1;
}

static u32 x2apic_ldr(u32 id)
{
	/* SDM 11.12.10.2: cluster ID in 31:16, one bit of 16 in 15:0. */
	return ((id >> 4) << 16) | BIT(id & 0xf);
}

/**
 * okvm_lapic_mode() - the mode IA32_APIC_BASE selects
 * @apic: the APIC
 *
 * Context: APIC lock held, or a stable snapshot.
 * Return: OKVM_LAPIC_DISABLED, OKVM_LAPIC_XAPIC or OKVM_LAPIC_X2APIC.
 */
enum okvm_lapic_mode okvm_lapic_mode(const struct okvm_lapic *apic)
{
	if (!(apic->apic_base & OKVM_APIC_BASE_EN))
		return OKVM_LAPIC_DISABLED;
	return apic->apic_base & OKVM_APIC_BASE_EXTD ? OKVM_LAPIC_X2APIC :
						       OKVM_LAPIC_XAPIC;
}

static bool sw_enabled(const struct okvm_lapic *apic)
{
	return reg(apic, OKVM_APIC_SVR) & OKVM_APIC_SVR_ENABLE;
}

/**
 * okvm_lapic_enabled() - enabled in IA32_APIC_BASE and by SVR
 * @apic: the APIC
 *
 * Context: APIC lock held.
 */
bool okvm_lapic_enabled(const struct okvm_lapic *apic)
{
	return okvm_lapic_mode(apic) != OKVM_LAPIC_DISABLED && sw_enabled(apic);
}

static void kick(struct okvm_lapic *apic)
{
	if (apic->ops->kick)
		apic->ops->kick(apic->opaque);
}

static u64 now_ns(const struct okvm_lapic *apic)
{
	return apic->ops->now_ns(apic->opaque);
}

/* SDM 11.8.3.1: PPR is TPR if its class is at least the ISR's, else ISRV. */
static void update_ppr(struct okvm_lapic *apic)
{
	u32 tpr = reg(apic, OKVM_APIC_TPR) & 0xff;
	int isrv = okvm_lapic_find_highest(apic, OKVM_APIC_ISR);
	u32 isr_class = isrv < 0 ? 0 : isrv & 0xf0;

	set_reg(apic, OKVM_APIC_PPR,
		(tpr & 0xf0) >= isr_class ? tpr : isr_class);
}

static bool local_int(struct okvm_lapic *apic, u32 lvt_offset);

/*
 * Latch errors for the next ESR write. The error LVT fires only for a
 * newly latched bit, which also ends the recursion when the error LVT
 * itself holds an illegal vector.
 */
static void apic_error(struct okvm_lapic *apic, u32 bits)
{
	u32 new = bits & ~apic->esr_pending;

	apic->esr_pending |= bits;
	if (new)
		local_int(apic, OKVM_APIC_LVTERR);
}

/**
 * okvm_lapic_set_irq() - accept a fixed (or lowest-priority) interrupt
 * @apic: the receiving APIC
 * @vector: the vector
 * @level: asserted; ignored for fixed interrupts (a level deassert is only
 *	meaningful for INIT and is not a message an APIC acts on)
 * @trig_mode: true for level-triggered: TMR is set, so that the EOI is
 *	broadcast to the I/O APIC
 *
 * Sets the IRR bit as the APIC does on accepting the message. A hardware-
 * or software-disabled APIC drops it; vectors 0-15 are refused with
 * "received illegal vector" in ESR (SDM 11.5.3).
 *
 * Context: APIC lock held; does not sleep. Calls ->kick.
 * Return: true if the vector is newly pending, false if it was dropped or
 * already pending (coalesced).
 */
bool okvm_lapic_set_irq(struct okvm_lapic *apic, u8 vector, bool level,
			bool trig_mode)
{
	if (okvm_lapic_mode(apic) == OKVM_LAPIC_DISABLED || !sw_enabled(apic))
		return false;
	if (vector < 16) {
		apic_error(apic, OKVM_APIC_ESR_RECV_ILLEGAL);
		return false;
	}
	if (trig_mode)
		vec_test_and_set(apic, OKVM_APIC_TMR, vector);
	else
		vec_clear(apic, OKVM_APIC_TMR, vector);
	if (vec_test_and_set(apic, OKVM_APIC_IRR, vector))
		return false;
	kick(apic);
	return true;
}

/**
 * okvm_lapic_deliver() - accept one message of any delivery mode
 * @apic: the receiving APIC (already chosen by okvm_lapic_match_dest())
 * @irq: the message
 *
 * Fixed and lowest-priority messages go to the IRR; NMI, SMI, INIT and
 * SIPI become pending events for okvm_lapic_take_events(). A deasserting
 * level INIT (INIT level de-assert) is ignored, as on P6 and later. ExtINT
 * is not an APIC-bus message here: the PIC path handles it.
 *
 * Context: APIC lock held; does not sleep. Calls ->kick.
 * Return: true if the message was accepted.
 */
bool okvm_lapic_deliver(struct okvm_lapic *apic,
			const struct okvm_lapic_irq *irq)
{
	u32 ev;

	if (okvm_lapic_mode(apic) == OKVM_LAPIC_DISABLED)
		return false;

	switch (irq->delivery_mode) {
	case OKVM_APIC_DM_FIXED:
	case OKVM_APIC_DM_LOWEST:
		return okvm_lapic_set_irq(apic, irq->vector, irq->level,
					  irq->trig_mode);
	case OKVM_APIC_DM_NMI:
		ev = OKVM_LAPIC_EV_NMI;
		break;
	case OKVM_APIC_DM_SMI:
		ev = OKVM_LAPIC_EV_SMI;
		break;
	case OKVM_APIC_DM_INIT:
		if (irq->trig_mode && !irq->level)
			return false;
		ev = OKVM_LAPIC_EV_INIT;
		break;
	case OKVM_APIC_DM_SIPI:
		apic->sipi_vector = irq->vector;
		ev = OKVM_LAPIC_EV_SIPI;
		break;
	default:
		return false;
	}
	apic->events |= ev;
	kick(apic);
	return true;
}

/**
 * okvm_lapic_local_int() - signal a local interrupt source through its LVT
 * @apic: the APIC
 * @lvt_offset: OKVM_APIC_LVT0, OKVM_APIC_LVT1, OKVM_APIC_LVTTHMR, ...
 *
 * Used for LINT1 (NMI watchdog) and for the timer and error LVTs
 * internally. A masked LVT drops the interrupt; ExtINT is refused (the PIC
 * path asks okvm_lapic_accept_pic_intr() instead).
 *
 * Context: APIC lock held; does not sleep.
 * Return: true if the interrupt was accepted; false also for an offset
 * that is not an LVT.
 */
bool okvm_lapic_local_int(struct okvm_lapic *apic, u32 lvt_offset)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(lvt_offsets); i++)
		if (lvt_offsets[i] == lvt_offset)
			return local_int(apic, lvt_offset);
	return false;
}

static bool local_int(struct okvm_lapic *apic, u32 lvt_offset)
{
	u32 lvt = reg(apic, lvt_offset);
	struct okvm_lapic_irq irq = {
		.vector = lvt & OKVM_APIC_VECTOR_MASK,
		.delivery_mode = (lvt & OKVM_APIC_DM_MASK) >> OKVM_APIC_DM_SHIFT,
		.level = true,
	};

	if (lvt & OKVM_APIC_LVT_MASKED)
		return false;
	/* Only LINT0/1 have a delivery mode and trigger; the others are fixed. */
	if (lvt_offset == OKVM_APIC_LVT0 || lvt_offset == OKVM_APIC_LVT1)
		irq.trig_mode = lvt & OKVM_APIC_TRIGGER_LEVEL;
	else if (lvt_offset == OKVM_APIC_LVTT || lvt_offset == OKVM_APIC_LVTERR)
		irq.delivery_mode = OKVM_APIC_DM_FIXED;
	if (irq.delivery_mode == OKVM_APIC_DM_EXTINT)
		return false;
	return okvm_lapic_deliver(apic, &irq);
}

/**
 * okvm_lapic_pending() - the interrupt the APIC would present to the CPU
 * @apic: the APIC
 *
 * SDM 11.8.3.1: the highest IRR vector is delivered only if its priority
 * class is above the PPR's.
 *
 * Context: APIC lock held.
 * Return: the vector, or -1 if none is deliverable.
 */
int okvm_lapic_pending(const struct okvm_lapic *apic)
{
	int irrv;

	if (okvm_lapic_mode(apic) == OKVM_LAPIC_DISABLED)
		return -1;
	irrv = okvm_lapic_find_highest(apic, OKVM_APIC_IRR);
	if (irrv < 0 || (irrv & 0xf0) <= (reg(apic, OKVM_APIC_PPR) & 0xf0))
		return -1;
	return irrv;
}

/**
 * okvm_lapic_ack() - the CPU took @vector (the INTA cycle)
 * @apic: the APIC
 * @vector: the vector okvm_lapic_pending() returned and that was injected
 *
 * Moves the vector from IRR to ISR and raises PPR accordingly.
 *
 * Context: APIC lock held.
 */
void okvm_lapic_ack(struct okvm_lapic *apic, u8 vector)
{
	vec_clear(apic, OKVM_APIC_IRR, vector);
	vec_test_and_set(apic, OKVM_APIC_ISR, vector);
	update_ppr(apic);
}

/**
 * okvm_lapic_take_events() - consume pending NMI/SMI/INIT/SIPI events
 * @apic: the APIC
 * @sipi_vector: receives the last SIPI's vector (valid with EV_SIPI)
 *
 * The vCPU layer acts on them: NMI injection, INIT reset into
 * wait-for-SIPI (it calls okvm_lapic_reset(apic, true)), SIPI start-up
 * only while waiting for one (a SIPI in any other state is dropped).
 *
 * Context: APIC lock held.
 * Return: the OKVM_LAPIC_EV_* bits that were pending; they are cleared.
 */
u32 okvm_lapic_take_events(struct okvm_lapic *apic, u8 *sipi_vector)
{
	u32 ev = apic->events;

	apic->events = 0;
	*sipi_vector = apic->sipi_vector;
	return ev;
}

/**
 * okvm_lapic_accept_pic_intr() - does this APIC pass 8259 interrupts on?
 * @apic: the APIC
 *
 * The PIC's INTR reaches the CPU through LINT0 programmed as unmasked
 * ExtINT, or directly when the APIC is hardware-disabled.
 *
 * Context: APIC lock held.
 * Return: true if the vCPU should take okvm_pic_pending() interrupts.
 */
bool okvm_lapic_accept_pic_intr(const struct okvm_lapic *apic)
{
	u32 lvt0 = reg(apic, OKVM_APIC_LVT0);

	if (okvm_lapic_mode(apic) == OKVM_LAPIC_DISABLED)
		return true;
	return !(lvt0 & OKVM_APIC_LVT_MASKED) &&
	       (lvt0 & OKVM_APIC_DM_MASK) >> OKVM_APIC_DM_SHIFT ==
	       OKVM_APIC_DM_EXTINT;
}

static void apic_eoi(struct okvm_lapic *apic)
{
	int vec = okvm_lapic_find_highest(apic, OKVM_APIC_ISR);
	bool level;

	/* An EOI with nothing in service is ignored. */
	if (vec < 0)
		return;
	vec_clear(apic, OKVM_APIC_ISR, vec);
	update_ppr(apic);
	level = vec_test(apic, OKVM_APIC_TMR, vec);
	if (apic->ops->eoi_broadcast)
		apic->ops->eoi_broadcast(apic->opaque, vec, level);
	else if (level)
		apic->eoi_out[vec >> 5] |= BIT(vec & 31);
	if (okvm_lapic_pending(apic) >= 0)
		kick(apic);
}

/**
 * okvm_lapic_pv_eoi_vector() - the vector a PV EOI may retire now
 * @apic: the APIC
 *
 * KVM's rule for offering PV EOI before an entry: the highest vector in
 * service, if nothing waits in the IRR (the EOI exit is what lets the next
 * vector in) and the vector is edge-triggered (a level EOI must reach the
 * I/O APIC; the caller also excludes edge vectors an I/O APIC listens to).
 *
 * Context: APIC lock held.
 * Return: the vector, or -1 if the guest's next EOI must exit.
 */
int okvm_lapic_pv_eoi_vector(const struct okvm_lapic *apic)
{
	int isr = okvm_lapic_find_highest(apic, OKVM_APIC_ISR);

	if (isr < 0 || okvm_lapic_find_highest(apic, OKVM_APIC_IRR) >= 0 ||
	    vec_test(apic, OKVM_APIC_TMR, isr))
		return -1;
	return isr;
}

/**
 * okvm_lapic_pv_eoi() - the EOI a guest made through PV EOI
 * @apic: the APIC
 *
 * Exactly what a write of the EOI register does, whatever the APIC's mode.
 *
 * Context: APIC lock held; may call ->eoi_broadcast and ->kick.
 */
void okvm_lapic_pv_eoi(struct okvm_lapic *apic)
{
	apic_eoi(apic);
}

/* Timer. */

static u32 timer_mode(const struct okvm_lapic *apic)
{
	return (reg(apic, OKVM_APIC_LVTT) & OKVM_APIC_TIMER_MODE_MASK) >>
	       OKVM_APIC_TIMER_MODE_SHIFT;
}

/* SDM figure 11-10: bits 3,1:0 code 2^(n+1), with 111b meaning 1. */
static u32 divide_value(const struct okvm_lapic *apic)
{
	u32 v = reg(apic, OKVM_APIC_TDCR);
	u32 code = (v & 3) | ((v & 8) >> 1);

	return code == 7 ? 1 : 2u << code;
}

/* @count bus steps in ns, saturated at OKVM_APIC_TIMER_MAX_NS. */
static u64 count_ns(const struct okvm_lapic *apic, u64 count)
{
	u64 ns;

	if (check_mul_overflow(count, (u64)divide_value(apic), &ns) ||
	    check_mul_overflow(ns, apic->bus_cycle_ns, &ns))
		return OKVM_APIC_TIMER_MAX_NS;
	return min(ns, OKVM_APIC_TIMER_MAX_NS);
}

/* The absolute time @ns after @now, saturated at OKVM_APIC_TIMER_MAX_NS. */
static u64 expiry_after(u64 now, u64 ns)
{
	u64 t;

	if (check_add_overflow(now, ns, &t))
		return OKVM_APIC_TIMER_MAX_NS;
	return min(t, OKVM_APIC_TIMER_MAX_NS);
}

static void timer_cancel(struct okvm_lapic *apic)
{
	if (apic->timer.armed && apic->ops->timer_cancel)
		apic->ops->timer_cancel(apic->opaque);
	apic->timer.armed = false;
}

static void timer_arm(struct okvm_lapic *apic, u64 deadline_ns, u64 period)
{
	apic->timer.armed = true;
	apic->timer.deadline_ns = deadline_ns;
	apic->timer.period_ns = period;
	if (apic->ops->timer_arm)
		apic->ops->timer_arm(apic->opaque, deadline_ns);
}

/* Count down @count from now (one-shot or periodic). */
static void timer_start_count(struct okvm_lapic *apic, u64 count)
{
	u64 ns, period = 0;

	timer_cancel(apic);
	if (!count || !reg(apic, OKVM_APIC_TMICT))
		return;
	ns = count_ns(apic, count);
	if (timer_mode(apic) == OKVM_APIC_TIMER_PERIODIC) {
		period = max(count_ns(apic, reg(apic, OKVM_APIC_TMICT)),
			     OKVM_APIC_MIN_PERIOD_NS);
		ns = max(ns, OKVM_APIC_MIN_PERIOD_NS);
	} else if (timer_mode(apic) != OKVM_APIC_TIMER_ONESHOT) {
		return;
	}
	timer_arm(apic, expiry_after(now_ns(apic), ns), period);
}

static u32 current_count(const struct okvm_lapic *apic)
{
	u64 now, rem, late;
	u32 mode = timer_mode(apic);

	if (!apic->timer.armed || (mode != OKVM_APIC_TIMER_ONESHOT &&
				   mode != OKVM_APIC_TIMER_PERIODIC))
		return 0;
	now = now_ns(apic);
	if (now < apic->timer.deadline_ns)
		rem = apic->timer.deadline_ns - now;
	else if (apic->timer.period_ns) {
		/* Expired but not yet processed: already reloaded. */
		div64_u64_rem(now - apic->timer.deadline_ns,
			      apic->timer.period_ns, &late);
		rem = apic->timer.period_ns - late;
	} else
		return 0;
	/*
	 * The count drops by one after each full divide * bus-cycle step, so
	 * round the remaining time up: N - floor(elapsed / step).
	 */
	return div64_u64(rem + count_ns(apic, 1) - 1, count_ns(apic, 1));
}

static void tsc_deadline_arm(struct okvm_lapic *apic)
{
	u64 now = now_ns(apic), tsc, ms, ns = 0;
	u32 rem;

	timer_cancel(apic);
	if (!apic->timer.tsc_deadline)
		return;
	tsc = apic->ops->read_tsc ? apic->ops->read_tsc(apic->opaque) : 0;
	/*
	 * A deadline in the past fires at once (SDM 11.5.4.1). Ticks to ns
	 * in two steps, whole ms and the rest, so that no product overflows
	 * (2^64 ticks of a slow TSC are more than 2^64 ns).
	 */
	if (apic->timer.tsc_deadline > tsc && apic->tsc_khz) {
		ms = div_u64_rem(apic->timer.tsc_deadline - tsc, apic->tsc_khz,
				 &rem);
		if (check_mul_overflow(ms, (u64)NSEC_PER_MSEC, &ns))
			ns = OKVM_APIC_TIMER_MAX_NS;
		else
			ns += div_u64((u64)rem * NSEC_PER_MSEC, apic->tsc_khz);
	}
	timer_arm(apic, expiry_after(now, ns), 0);
}

/**
 * okvm_lapic_timer_expired() - the timer armed through ->timer_arm fired
 * @apic: the APIC
 * @next_ns: receives the absolute expiry to re-arm at when true is returned
 *
 * Raises the LVT timer interrupt unless masked. A periodic timer reloads
 * (skipping periods the host missed rather than queueing a burst; the IRR
 * coalesces them anyway); a one-shot one stops with a current count of 0;
 * TSC-deadline mode disarms and clears IA32_TSC_DEADLINE. A call before
 * the deadline (a racing, stale hrtimer) only asks to re-arm.
 *
 * Context: APIC lock held, typically from the hrtimer callback: return
 * HRTIMER_RESTART with the new expiry when this returns true.
 * Return: true if the timer must be re-armed at *@next_ns, which is then
 * after now and at most OKVM_APIC_TIMER_MAX_NS (never a restart in the
 * past, which would fire again at once).
 */
bool okvm_lapic_timer_expired(struct okvm_lapic *apic, u64 *next_ns)
{
	u64 now = now_ns(apic);

	if (!apic->timer.armed)
		return false;
	if (now < apic->timer.deadline_ns) {
		*next_ns = apic->timer.deadline_ns;
		return true;
	}
	local_int(apic, OKVM_APIC_LVTT);
	if (apic->timer.period_ns) {
		u64 missed = div64_u64(now - apic->timer.deadline_ns,
				       apic->timer.period_ns), step;

		/* The first period boundary after now; saturated, still > now. */
		if (check_mul_overflow(missed + 1, apic->timer.period_ns, &step))
			step = OKVM_APIC_TIMER_MAX_NS;
		apic->timer.deadline_ns = expiry_after(apic->timer.deadline_ns,
						       step);
		*next_ns = apic->timer.deadline_ns;
		return true;
	}
	apic->timer.armed = false;
	if (timer_mode(apic) == OKVM_APIC_TIMER_TSCDEADLINE)
		apic->timer.tsc_deadline = 0;
	return false;
}

/**
 * okvm_lapic_set_cr8() - MOV to CR8 (or the VMCB's V_TPR after a run)
 * @apic: the APIC
 * @cr8: the new CR8
 *
 * SDM 11.8.6.1: CR8[3:0] is TPR[7:4] and TPR[3:0] becomes 0.
 *
 * Context: APIC lock held; may call ->kick.
 * Return: 0, or -EINVAL (a #GP) if bits 63:4 are set.
 */
int okvm_lapic_set_cr8(struct okvm_lapic *apic, u64 cr8)
{
	if (cr8 & ~0xfULL)
		return -EINVAL;
	set_reg(apic, OKVM_APIC_TPR, cr8 << 4);
	update_ppr(apic);
	if (okvm_lapic_pending(apic) >= 0)
		kick(apic);
	return 0;
}

/**
 * okvm_lapic_get_cr8() - MOV from CR8 (or the V_TPR to load before a run)
 * @apic: the APIC
 *
 * Context: APIC lock held.
 * Return: TPR[7:4].
 */
u64 okvm_lapic_get_cr8(const struct okvm_lapic *apic)
{
	return (reg(apic, OKVM_APIC_TPR) >> 4) & 0xf;
}

/* Register access shared by xAPIC MMIO and x2APIC MSRs. */

static bool readable(const struct okvm_lapic *apic, u32 off, bool x2apic)
{
	switch (off) {
	case OKVM_APIC_ID: case OKVM_APIC_LVR: case OKVM_APIC_TPR:
	case OKVM_APIC_PPR: case OKVM_APIC_LDR: case OKVM_APIC_SVR:
	case OKVM_APIC_ESR: case OKVM_APIC_ICR:
	case OKVM_APIC_LVTT: case OKVM_APIC_LVTTHMR: case OKVM_APIC_LVTPC:
	case OKVM_APIC_LVT0: case OKVM_APIC_LVT1: case OKVM_APIC_LVTERR:
	case OKVM_APIC_TMICT: case OKVM_APIC_TMCCT: case OKVM_APIC_TDCR:
		return true;
	/* xAPIC only: x2APIC has no APR, DFR or split ICR. */
	case OKVM_APIC_APR: case OKVM_APIC_DFR: case OKVM_APIC_ICR2:
		return !x2apic;
	}
	return off >= OKVM_APIC_ISR && off < OKVM_APIC_ESR && !(off & 0xf);
}

static u32 read_reg(struct okvm_lapic *apic, u32 off)
{
	switch (off) {
	case OKVM_APIC_TMCCT:
		return current_count(apic);
	case OKVM_APIC_APR:
		/* Arbitration priority is not modelled (nor by KVM): 0. */
		return 0;
	}
	return reg(apic, off);
}

static void mask_all_lvts(struct okvm_lapic *apic)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(lvt_offsets); i++)
		set_reg(apic, lvt_offsets[i],
			reg(apic, lvt_offsets[i]) | OKVM_APIC_LVT_MASKED);
}

static void send_icr(struct okvm_lapic *apic, u32 lo, u32 dest)
{
	lo &= ICR_LO_MASK;
	struct okvm_lapic_irq irq = {
		.vector = lo & OKVM_APIC_VECTOR_MASK,
		.delivery_mode = (lo & OKVM_APIC_DM_MASK) >> OKVM_APIC_DM_SHIFT,
		.dest_mode = !!(lo & OKVM_APIC_DEST_LOGICAL),
		.level = lo & OKVM_APIC_ICR_LEVEL,
		.trig_mode = lo & OKVM_APIC_TRIGGER_LEVEL,
		.shorthand = (lo & OKVM_APIC_SHORTHAND_MASK) >>
			     OKVM_APIC_SHORTHAND_SHIFT,
		.dest_id = dest,
	};

	if ((irq.delivery_mode == OKVM_APIC_DM_FIXED ||
	     irq.delivery_mode == OKVM_APIC_DM_LOWEST) && irq.vector < 16) {
		apic_error(apic, OKVM_APIC_ESR_SEND_ILLEGAL);
		return;
	}
	if (apic->ops->send_ipi) {
		apic->ops->send_ipi(apic->opaque, apic, &irq);
		return;
	}
	/*
	 * Latched mode: the message waits for okvm_lapic_take_ipi() and the
	 * ICR shows "send pending" meanwhile, as on hardware while the bus
	 * is busy.
	 */
	apic->ipi_out = irq;
	apic->ipi_pending = true;
	set_reg(apic, OKVM_APIC_ICR,
		reg(apic, OKVM_APIC_ICR) | OKVM_APIC_SEND_PENDING);
}

/**
 * okvm_lapic_take_ipi() - collect the IPI an ICR write latched
 * @apic: the APIC
 * @irq: receives the message
 *
 * Only used when ->send_ipi is NULL: the vCPU layer drains this after
 * every APIC MMIO/MSR exit, once the APIC lock is dropped, and delivers
 * the message with okvm_lapic_match_dest() and okvm_lapic_deliver() on
 * each target under that target's lock, so that no two APIC locks are
 * ever held together. The ICR's delivery status returns to idle.
 *
 * Context: APIC lock held.
 * Return: true if a message was pending (now in @irq).
 */
bool okvm_lapic_take_ipi(struct okvm_lapic *apic, struct okvm_lapic_irq *irq)
{
	if (!apic->ipi_pending)
		return false;
	*irq = apic->ipi_out;
	apic->ipi_pending = false;
	set_reg(apic, OKVM_APIC_ICR,
		reg(apic, OKVM_APIC_ICR) & ~OKVM_APIC_SEND_PENDING);
	return true;
}

/**
 * okvm_lapic_take_eoi() - collect a level-triggered EOI to broadcast
 * @apic: the APIC
 *
 * Only used when ->eoi_broadcast is NULL: EOIs of level-triggered vectors
 * are latched, and the vCPU layer passes each to okvm_ioapic_eoi() after
 * dropping the APIC lock (the I/O APIC's lock is taken before APIC locks
 * on the delivery path, so it must not be taken under one).
 *
 * Context: APIC lock held.
 * Return: a vector, or -1 when none is left.
 */
int okvm_lapic_take_eoi(struct okvm_lapic *apic)
{
	int i;

	for (i = 7; i >= 0; i--) {
		if (apic->eoi_out[i]) {
			int bit = fls(apic->eoi_out[i]) - 1;

			apic->eoi_out[i] &= ~BIT(bit);
			return i * 32 + bit;
		}
	}
	return -1;
}

static void write_lvtt(struct okvm_lapic *apic, u32 val)
{
	u32 mask = LVT_BASE_MASK | (OKVM_APIC_TIMER_PERIODIC <<
				    OKVM_APIC_TIMER_MODE_SHIFT);
	u32 old_mode = timer_mode(apic);

	if (apic->tsc_deadline_supported)
		mask |= OKVM_APIC_TIMER_TSCDEADLINE << OKVM_APIC_TIMER_MODE_SHIFT;
	set_reg(apic, OKVM_APIC_LVTT, val & mask);
	/* SDM 11.5.4.1: a write that changes the timer mode disarms it. */
	if (timer_mode(apic) != old_mode) {
		timer_cancel(apic);
		set_reg(apic, OKVM_APIC_TMICT, 0);
		apic->timer.tsc_deadline = 0;
	}
}

/* Write @val to @off; -EINVAL is a #GP for x2APIC callers. */
static int write_reg(struct okvm_lapic *apic, u32 off, u32 val)
{
	bool x2apic = okvm_lapic_mode(apic) == OKVM_LAPIC_X2APIC;
	u32 count;

	switch (off) {
	case OKVM_APIC_ID:
		/* Writable in xAPIC mode (as in KVM); x2APIC: read-only. */
		if (x2apic)
			return -EINVAL;
		set_reg(apic, off, val & 0xff000000);
		break;
	case OKVM_APIC_TPR:
		set_reg(apic, off, val & 0xff);
		update_ppr(apic);
		if (okvm_lapic_pending(apic) >= 0)
			kick(apic);
		break;
	case OKVM_APIC_EOI:
		apic_eoi(apic);
		break;
	case OKVM_APIC_LDR:
		if (x2apic)
			return -EINVAL;
		set_reg(apic, off, val & 0xff000000);
		break;
	case OKVM_APIC_DFR:
		if (x2apic)
			return -EINVAL;
		set_reg(apic, off, val | 0x0fffffff);
		break;
	case OKVM_APIC_SVR:
		set_reg(apic, off, val & SVR_MASK);
		/* SDM 11.4.7.2: software disable masks every LVT. */
		if (!(val & OKVM_APIC_SVR_ENABLE))
			mask_all_lvts(apic);
		break;
	case OKVM_APIC_ESR:
		/* A write moves the errors latched since into the register. */
		set_reg(apic, off, apic->esr_pending);
		apic->esr_pending = 0;
		break;
	case OKVM_APIC_ICR:
		/*
		 * KVM's ABI (checked by the xapic_state_test selftest) keeps
		 * every bit written but delivery status; only the fields are
		 * decoded.
		 */
		val &= ~OKVM_APIC_SEND_PENDING;
		set_reg(apic, off, val);
		send_icr(apic, val, reg(apic, OKVM_APIC_ICR2) >> 24);
		break;
	case OKVM_APIC_ICR2:
		if (x2apic)
			return -EINVAL;
		set_reg(apic, off, val & 0xff000000);
		break;
	case OKVM_APIC_LVTT:
		if (!sw_enabled(apic))
			val |= OKVM_APIC_LVT_MASKED;
		write_lvtt(apic, val);
		break;
	case OKVM_APIC_LVTTHMR:
	case OKVM_APIC_LVTPC:
	case OKVM_APIC_LVT0:
	case OKVM_APIC_LVT1:
	case OKVM_APIC_LVTERR:
		/* While software-disabled the mask bit cannot be cleared. */
		if (!sw_enabled(apic))
			val |= OKVM_APIC_LVT_MASKED;
		if (off == OKVM_APIC_LVT0 || off == OKVM_APIC_LVT1)
			val &= LVT_LINT_MASK;
		else if (off == OKVM_APIC_LVTERR)
			val &= LVT_BASE_MASK;
		else
			val &= LVT_DM_MASK;
		set_reg(apic, off, val);
		break;
	case OKVM_APIC_TMICT:
		/* Ignored in TSC-deadline mode (SDM 11.5.4.1). */
		if (timer_mode(apic) == OKVM_APIC_TIMER_TSCDEADLINE)
			break;
		set_reg(apic, off, val);
		timer_start_count(apic, val);
		break;
	case OKVM_APIC_TDCR:
		/* A running count continues at the new rate. */
		count = current_count(apic);
		set_reg(apic, off, val & TDCR_MASK);
		if (apic->timer.armed && count)
			timer_start_count(apic, count);
		break;
	case OKVM_APIC_SELF_IPI:
		if (!x2apic)
			return -EINVAL;
		okvm_lapic_set_irq(apic, val & OKVM_APIC_VECTOR_MASK, true,
				   false);
		break;
	default:
		/* Read-only and reserved registers. */
		return -EINVAL;
	}
	return 0;
}

/**
 * okvm_lapic_get_reg() - raw register value (no side effects)
 * @apic: the APIC
 * @offset: a register offset (16-byte aligned, below 0x400)
 *
 * For the vCPU layer and tests; TMCCT is computed.
 *
 * Context: APIC lock held.
 * Return: the register's value.
 */
u32 okvm_lapic_get_reg(const struct okvm_lapic *apic, u32 offset)
{
	if (offset == OKVM_APIC_TMCCT)
		return current_count(apic);
	return reg(apic, offset & (OKVM_APIC_REG_SIZE - 16));
}

/**
 * okvm_lapic_mmio_read() - a guest read of the xAPIC page
 * @apic: the APIC
 * @offset: offset in the 4 KiB page
 * @len: access size in bytes
 *
 * Aligned 32-bit reads return the register. Like KVM, 1- and 2-byte reads
 * that stay within the first 4 bytes of a register return those bytes and
 * any other shape reads 0, as do write-only and reserved registers. With
 * the APIC disabled or in x2APIC mode the page is not decoded: all ones.
 *
 * Context: APIC lock held; never faults.
 * Return: the value read, zero-extended.
 */
u64 okvm_lapic_mmio_read(struct okvm_lapic *apic, u32 offset, int len)
{
	u32 align = offset & 0xf, off = offset & 0xff0;
	u64 val;

	if (len <= 0 || len > 8)
		return 0;
	if (okvm_lapic_mode(apic) != OKVM_LAPIC_XAPIC)
		return len == 8 ? ~0ULL : BIT_ULL(len * 8) - 1;
	if ((len != 1 && len != 2 && len != 4) || align + len > 4)
		return 0;
	if (offset >= OKVM_APIC_REG_SIZE || !readable(apic, off, false))
		return 0;
	val = read_reg(apic, off) >> (align * 8);
	return len == 4 ? val : val & (BIT_ULL(len * 8) - 1);
}

/**
 * okvm_lapic_mmio_write() - a guest write to the xAPIC page
 * @apic: the APIC
 * @offset: offset in the 4 KiB page
 * @len: access size in bytes
 * @val: the value
 *
 * Only aligned 32-bit writes have an effect (KVM drops the others);
 * writes to read-only and reserved registers are ignored. Nothing is
 * decoded while the APIC is disabled or in x2APIC mode.
 *
 * Context: APIC lock held; may call ->send_ipi, ->eoi_broadcast, the timer
 * callbacks and ->kick.
 */
void okvm_lapic_mmio_write(struct okvm_lapic *apic, u32 offset, int len,
			   u64 val)
{
	if (okvm_lapic_mode(apic) != OKVM_LAPIC_XAPIC)
		return;
	if (len != 4 || (offset & 0xf) || offset >= OKVM_APIC_REG_SIZE)
		return;
	write_reg(apic, offset, (u32)val);
}

/**
 * okvm_lapic_msr_read() - RDMSR of an APIC MSR
 * @apic: the APIC
 * @msr: IA32_APIC_BASE, IA32_TSC_DEADLINE or 0x800-0x8ff
 * @data: receives the value
 *
 * x2APIC MSRs fault unless the APIC is in x2APIC mode, and for write-only
 * (EOI, SELF IPI) and absent registers (APR, RRD, DFR, ICR2, CMCI,
 * reserved). ICR reads as one 64-bit value. IA32_TSC_DEADLINE reads 0
 * outside TSC-deadline mode.
 *
 * Context: APIC lock held.
 * Return: 0, -EINVAL for a #GP, -ENOENT if @msr is not an APIC MSR.
 */
int okvm_lapic_msr_read(struct okvm_lapic *apic, u32 msr, u64 *data)
{
	u32 off;

	if (msr == OKVM_MSR_APIC_BASE) {
		*data = apic->apic_base;
		return 0;
	}
	if (msr == OKVM_MSR_TSC_DEADLINE) {
		*data = timer_mode(apic) == OKVM_APIC_TIMER_TSCDEADLINE ?
			apic->timer.tsc_deadline : 0;
		return 0;
	}
	if (msr < OKVM_MSR_X2APIC_FIRST || msr > OKVM_MSR_X2APIC_LAST)
		return -ENOENT;
	if (okvm_lapic_mode(apic) != OKVM_LAPIC_X2APIC)
		return -EINVAL;
	off = (msr - OKVM_MSR_X2APIC_FIRST) << 4;
	if (off >= OKVM_APIC_REG_SIZE || !readable(apic, off, true))
		return -EINVAL;
	*data = read_reg(apic, off);
	if (off == OKVM_APIC_ICR)
		*data |= (u64)reg(apic, OKVM_APIC_ICR2) << 32;
	return 0;
}

/**
 * okvm_lapic_msr_write() - WRMSR of an APIC MSR (a guest write)
 * @apic: the APIC
 * @msr: IA32_APIC_BASE, IA32_TSC_DEADLINE or 0x800-0x8ff
 * @data: the value
 *
 * x2APIC rules (SDM 11.12.1.2): #GP outside x2APIC mode, for read-only,
 * absent and reserved registers, for bits 63:32 set in any register but
 * ICR, for reserved ICR bits, and for a non-zero EOI or ESR write. An ICR
 * write sends the IPI at once with the 32-bit destination in bits 63:32.
 * IA32_APIC_BASE goes through okvm_lapic_set_base() as a guest write;
 * IA32_TSC_DEADLINE is ignored outside TSC-deadline mode, 0 disarms.
 *
 * Context: APIC lock held; may call any callback.
 * Return: 0, -EINVAL for a #GP, -ENOENT if @msr is not an APIC MSR.
 */
int okvm_lapic_msr_write(struct okvm_lapic *apic, u32 msr, u64 data)
{
	u32 off;

	if (msr == OKVM_MSR_APIC_BASE)
		return okvm_lapic_set_base(apic, data, false);
	if (msr == OKVM_MSR_TSC_DEADLINE) {
		if (timer_mode(apic) != OKVM_APIC_TIMER_TSCDEADLINE)
			return 0;
		apic->timer.tsc_deadline = data;
		tsc_deadline_arm(apic);
		return 0;
	}
	if (msr < OKVM_MSR_X2APIC_FIRST || msr > OKVM_MSR_X2APIC_LAST)
		return -ENOENT;
	if (okvm_lapic_mode(apic) != OKVM_LAPIC_X2APIC)
		return -EINVAL;
	off = (msr - OKVM_MSR_X2APIC_FIRST) << 4;
	if (off == OKVM_APIC_ICR) {
		if (data & X2APIC_ICR_RESERVED)
			return -EINVAL;
		data &= ~(u64)OKVM_APIC_SEND_PENDING;
		set_reg(apic, OKVM_APIC_ICR, (u32)data);
		set_reg(apic, OKVM_APIC_ICR2, data >> 32);
		send_icr(apic, (u32)data, data >> 32);
		return 0;
	}
	if (data >> 32)
		return -EINVAL;
	switch (off) {
	case OKVM_APIC_EOI:
	case OKVM_APIC_ESR:
		if (data)
			return -EINVAL;
		break;
	case OKVM_APIC_TPR: case OKVM_APIC_SVR:
	case OKVM_APIC_LVTT: case OKVM_APIC_LVTTHMR: case OKVM_APIC_LVTPC:
	case OKVM_APIC_LVT0: case OKVM_APIC_LVT1: case OKVM_APIC_LVTERR:
	case OKVM_APIC_TMICT: case OKVM_APIC_TDCR: case OKVM_APIC_SELF_IPI:
		break;
	default:
		return -EINVAL;
	}
	return write_reg(apic, off, data);
}

/* Power-up/INIT register state (SDM 11.4.7.1). */
static void reset_regs(struct okvm_lapic *apic)
{
	bool x2apic = okvm_lapic_mode(apic) == OKVM_LAPIC_X2APIC;
	int i;

	timer_cancel(apic);
	memset(apic->regs, 0, sizeof(apic->regs));
	set_reg(apic, OKVM_APIC_ID, x2apic ? apic->apic_id : apic->apic_id << 24);
	set_reg(apic, OKVM_APIC_LVR, OKVM_APIC_VERSION);
	set_reg(apic, OKVM_APIC_LDR, x2apic ? x2apic_ldr(apic->apic_id) : 0);
	set_reg(apic, OKVM_APIC_DFR, 0xffffffff);
	set_reg(apic, OKVM_APIC_SVR, 0xff);
	for (i = 0; i < ARRAY_SIZE(lvt_offsets); i++)
		set_reg(apic, lvt_offsets[i], OKVM_APIC_LVT_MASKED);
	if (apic->lint0_extint)
		set_reg(apic, OKVM_APIC_LVT0,
			OKVM_APIC_DM_EXTINT << OKVM_APIC_DM_SHIFT);
	apic->esr_pending = 0;
	apic->events = 0;
	apic->timer.tsc_deadline = 0;
}

/**
 * okvm_lapic_reset() - power-up reset or INIT
 * @apic: the APIC
 * @init: true for INIT: IA32_APIC_BASE (and so the mode and ID) is kept
 *
 * Context: APIC lock held; may call ->timer_cancel.
 */
void okvm_lapic_reset(struct okvm_lapic *apic, bool init)
{
	if (!init)
		apic->apic_base = OKVM_APIC_BASE_ADDR | OKVM_APIC_BASE_EN |
				  (apic->apic_base & OKVM_APIC_BASE_BSP);
	reset_regs(apic);
}

/**
 * okvm_lapic_init() - set up an APIC in its power-up state
 * @apic: the APIC (caller-allocated, may be embedded)
 * @apic_id: the vCPU's APIC ID
 * @bsp: the bootstrap processor's APIC (IA32_APIC_BASE.BSP)
 * @ops: callbacks; ->now_ns is required
 * @opaque: their first argument
 *
 * x2APIC and the TSC-deadline timer are enabled as features (as KVM's
 * in-kernel APIC offers them); clear @apic->x2apic_supported or
 * @apic->tsc_deadline_supported to follow a CPUID without them, set
 * @apic->tsc_khz for TSC-deadline conversion, and @apic->bus_cycle_ns for
 * KVM_CAP_X86_APIC_BUS_CYCLES_NS (default 1).
 *
 * Context: any; does not allocate.
 */
void okvm_lapic_init(struct okvm_lapic *apic, u32 apic_id, bool bsp,
		     const struct okvm_lapic_ops *ops, void *opaque)
{
	memset(apic, 0, sizeof(*apic));
	apic->apic_id = apic_id;
	apic->x2apic_supported = true;
	apic->tsc_deadline_supported = true;
	apic->bus_cycle_ns = OKVM_APIC_BUS_CYCLE_NS;
	apic->ops = ops;
	apic->opaque = opaque;
	apic->apic_base = bsp ? OKVM_APIC_BASE_BSP : 0;
	okvm_lapic_reset(apic, false);
}

/**
 * okvm_lapic_set_base() - write IA32_APIC_BASE
 * @apic: the APIC
 * @value: the new value
 * @host: a host-initiated write (KVM_SET_MSRS): the transitions the SDM
 *	forbids a guest (x2APIC to xAPIC, disabled to x2APIC) are allowed
 *
 * SDM 11.12.5: EN=0 with EXTD=1 is invalid; so are reserved bits (7:0, 9,
 * 63:52) and EXTD without x2APIC support. Entering x2APIC mode makes the
 * ID the 32-bit APIC ID and derives the LDR; entering xAPIC mode puts the
 * ID back in bits 31:24. Disabling the APIC returns its registers to the
 * power-up state, which the SDM allows and which makes a later re-enable
 * start from defined state.
 *
 * Context: APIC lock held.
 * Return: 0, or -EINVAL (a #GP for a guest) with nothing changed.
 */
int okvm_lapic_set_base(struct okvm_lapic *apic, u64 value, bool host)
{
	u64 reserved = GENMASK_ULL(63, 52) | GENMASK_ULL(7, 0) | BIT_ULL(9);
	enum okvm_lapic_mode old = okvm_lapic_mode(apic), new;

	if (!apic->x2apic_supported)
		reserved |= OKVM_APIC_BASE_EXTD;
	if (value & reserved)
		return -EINVAL;
	if ((value & (OKVM_APIC_BASE_EN | OKVM_APIC_BASE_EXTD)) ==
	    OKVM_APIC_BASE_EXTD)
		return -EINVAL;
	new = !(value & OKVM_APIC_BASE_EN) ? OKVM_LAPIC_DISABLED :
	      (value & OKVM_APIC_BASE_EXTD) ? OKVM_LAPIC_X2APIC :
					      OKVM_LAPIC_XAPIC;
	if (!host && ((old == OKVM_LAPIC_X2APIC && new == OKVM_LAPIC_XAPIC) ||
		      (old == OKVM_LAPIC_DISABLED && new == OKVM_LAPIC_X2APIC)))
		return -EINVAL;

	apic->apic_base = value;
	if (old == new)
		return 0;
	switch (new) {
	case OKVM_LAPIC_DISABLED:
		reset_regs(apic);
		break;
	case OKVM_LAPIC_XAPIC:
		set_reg(apic, OKVM_APIC_ID, apic->apic_id << 24);
		set_reg(apic, OKVM_APIC_LDR, 0);
		break;
	case OKVM_LAPIC_X2APIC:
		set_reg(apic, OKVM_APIC_ID, apic->apic_id);
		set_reg(apic, OKVM_APIC_LDR, x2apic_ldr(apic->apic_id));
		break;
	}
	return 0;
}

/**
 * okvm_lapic_match_dest() - is @apic a destination of a message?
 * @apic: the candidate (target) APIC
 * @dest: destination field: 8-bit from an xAPIC ICR, I/O APIC or MSI,
 *	32-bit from an x2APIC ICR
 * @dest_mode: OKVM_APIC_DEST_PHYS or OKVM_APIC_DEST_LOG
 * @shorthand: OKVM_APIC_SH_*
 * @source: the sending APIC for IPIs, NULL for I/O APIC and MSI messages
 *
 * SDM 11.6.2: physical IDs; logical flat (DFR model 1111b: any common LDR
 * bit) and cluster (0000b: cluster in 7:4 equal, a common bit in 3:0);
 * x2APIC logical (cluster in 31:16 equal, a common bit in 15:0); 0xff and
 * 0xffffffff broadcast. An 8-bit 0xff from a non-x2APIC source is also a
 * broadcast to x2APIC targets. A hardware-disabled APIC matches nothing.
 *
 * Context: @apic's state must be stable (its lock, or the VM lock the
 * caller walks vCPUs under); reads only.
 * Return: true if @apic must receive the message.
 */
bool okvm_lapic_match_dest(const struct okvm_lapic *apic, u32 dest,
			   u32 dest_mode, u32 shorthand,
			   const struct okvm_lapic *source)
{
	enum okvm_lapic_mode mode = okvm_lapic_mode(apic);
	u32 ldr = reg(apic, OKVM_APIC_LDR);

	if (mode == OKVM_LAPIC_DISABLED)
		return false;
	switch (shorthand) {
	case OKVM_APIC_SH_SELF:
		return apic == source;
	case OKVM_APIC_SH_ALL:
		return true;
	case OKVM_APIC_SH_OTHERS:
		return apic != source;
	}

	if (mode == OKVM_LAPIC_X2APIC) {
		if (dest == OKVM_X2APIC_BROADCAST)
			return true;
		if (dest == OKVM_APIC_BROADCAST &&
		    (!source || okvm_lapic_mode(source) != OKVM_LAPIC_X2APIC))
			return true;
		if (dest_mode == OKVM_APIC_DEST_PHYS)
			return dest == apic->apic_id;
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
	}

	if (dest == OKVM_APIC_BROADCAST || dest == OKVM_X2APIC_BROADCAST)
		return true;
	if (dest_mode == OKVM_APIC_DEST_PHYS)
		return dest == reg(apic, OKVM_APIC_ID) >> 24;
	if (dest > 0xff)
		return false;
	ldr >>= 24;
	switch (reg(apic, OKVM_APIC_DFR) >> 28) {
	case 0xf:
		return dest & ldr;
	case 0x0:
		return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xf);
	}
	return false;
}

/**
 * okvm_lapic_lowest_prio() - arbitrate a lowest-priority message
 * @cands: the APICs okvm_lapic_match_dest() selected
 * @n: how many
 * @vector: the message's vector
 *
 * SDM 11.6.2.4: a focus processor (one with @vector already in IRR or ISR
 * and focus checking enabled, SVR bit 9 clear) wins; otherwise the APIC
 * with the lowest processor priority, the first of equals. Callers that
 * want round-robin among equals rotate @cands.
 *
 * Context: the candidates' state must be stable; reads only.
 * Return: the chosen APIC, or NULL if @n is 0.
 */
struct okvm_lapic *okvm_lapic_lowest_prio(struct okvm_lapic *const *cands,
					  int n, u8 vector)
{
	struct okvm_lapic *best = NULL;
	int i;

	for (i = 0; i < n; i++) {
		struct okvm_lapic *c = cands[i];

		if (!(reg(c, OKVM_APIC_SVR) & OKVM_APIC_SVR_NO_FOCUS) &&
		    (vec_test(c, OKVM_APIC_IRR, vector) ||
		     vec_test(c, OKVM_APIC_ISR, vector)))
			return c;
	}
	for (i = 0; i < n; i++)
		if (!best || reg(cands[i], OKVM_APIC_PPR) <
			     reg(best, OKVM_APIC_PPR))
			best = cands[i];
	return best;
}

/**
 * okvm_lapic_get_state() - KVM_GET_LAPIC
 * @apic: the APIC
 * @s: receives the register image
 * @x2apic_format: KVM_X2APIC_API_USE_32BIT_IDS is enabled; without it an
 *	x2APIC's ID is reported in bits 31:24 as KVM does
 *
 * TMCCT is filled with the current count.
 *
 * Context: APIC lock held.
 */
void okvm_lapic_get_state(const struct okvm_lapic *apic,
			  struct kvm_lapic_state *s, bool x2apic_format)
{
	u32 *id = (u32 *)(s->regs + OKVM_APIC_ID);

	memcpy(s->regs, apic->regs, OKVM_APIC_REG_SIZE);
	*(u32 *)(s->regs + OKVM_APIC_TMCCT) = current_count(apic);
	if (okvm_lapic_mode(apic) == OKVM_LAPIC_X2APIC && !x2apic_format)
		*id = apic->apic_id << 24;
}

/**
 * okvm_lapic_set_state() - KVM_SET_LAPIC
 * @apic: the APIC (its mode comes from IA32_APIC_BASE, set separately)
 * @s: the register image
 * @x2apic_format: see okvm_lapic_get_state()
 *
 * KVM's rules: in x2APIC mode the ID is read-only: with @x2apic_format a
 * different ID is refused, without it the image's ID is ignored; the LDR
 * is derived from the ID. In xAPIC mode only ID bits 31:24 exist. The
 * version, PPR and the reserved low DFR bits are recomputed, the pending
 * errors dropped, and the timer restarts from TMICT (a TSC deadline is
 * restored through the MSR).
 *
 * Context: APIC lock held; may call the timer callbacks.
 * Return: 0, or -EINVAL with nothing changed.
 */
int okvm_lapic_set_state(struct okvm_lapic *apic,
			 const struct kvm_lapic_state *s, bool x2apic_format)
{
	u32 id = *(const u32 *)(s->regs + OKVM_APIC_ID);
	bool x2apic = okvm_lapic_mode(apic) == OKVM_LAPIC_X2APIC;

	if (x2apic && x2apic_format && id != apic->apic_id)
		return -EINVAL;

	timer_cancel(apic);
	memcpy(apic->regs, s->regs, OKVM_APIC_REG_SIZE);
	if (x2apic) {
		set_reg(apic, OKVM_APIC_ID, apic->apic_id);
		set_reg(apic, OKVM_APIC_LDR, x2apic_ldr(apic->apic_id));
	} else {
		set_reg(apic, OKVM_APIC_ID, id & 0xff000000);
		set_reg(apic, OKVM_APIC_DFR,
			reg(apic, OKVM_APIC_DFR) | 0x0fffffff);
	}
	set_reg(apic, OKVM_APIC_LVR, OKVM_APIC_VERSION);
	set_reg(apic, OKVM_APIC_TMCCT, 0);
	/* Delivery is idle in a restored image; a latched IPI is dropped. */
	set_reg(apic, OKVM_APIC_ICR,
		reg(apic, OKVM_APIC_ICR) & ~OKVM_APIC_SEND_PENDING);
	apic->ipi_pending = false;
	apic->esr_pending = 0;
	apic->timer.tsc_deadline = 0;
	update_ppr(apic);
	timer_start_count(apic, reg(apic, OKVM_APIC_TMICT));
	if (okvm_lapic_pending(apic) >= 0)
		kick(apic);
	return 0;
}
