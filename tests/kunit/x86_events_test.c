// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for the x86 event queue (src/x86/events.c) run against the
 * fake backend and interrupt source of x86_fake_vendor.c, under UML.
 *
 * Expected values come from the architecture, not from the code: the
 * exception classes and the #DF/shutdown rules of SDM vol. 3 table 6-5,
 * NMI blocking until IRET and the two-NMI limit, the priority of a pending
 * exception over an interrupted event; and from KVM's ABI for
 * KVM_GET/SET_VCPU_EVENTS (Documentation/virt/kvm/api.rst).
 */
#include <kunit/test.h>
#include <linux/kvm.h>

#include "x86_fake_vendor.h"

static int events_init(struct kunit *test)
{
	test->priv = okvm_fake_vcpu_create(test);
	return 0;
}

/* The ioctls' halves, called as the ioctls do: vCPU mutex held. */
static int set_events(struct okvm_vcpu *vcpu, struct kvm_vcpu_events *e)
{
	int r;

	mutex_lock(&vcpu->mutex);
	r = okvm_set_vcpu_events(vcpu, e);
	mutex_unlock(&vcpu->mutex);
	return r;
}

static void get_events(struct okvm_vcpu *vcpu, struct kvm_vcpu_events *e)
{
	mutex_lock(&vcpu->mutex);
	okvm_get_vcpu_events(vcpu, e);
	mutex_unlock(&vcpu->mutex);
}

static struct okvm_vcpu *vcpu_of(struct kunit *test)
{
	return test->priv;
}

/* A backend without one of its operations is refused, nothing installed. */
static void vendor_init_refuses_holes(struct kunit *test)
{
	struct okvm_x86_ops holed = okvm_fake_ops;

	holed.enable_irq_window = NULL;
	KUNIT_EXPECT_EQ(test, okvm_x86_vendor_init(&holed), -EINVAL);
	KUNIT_EXPECT_PTR_EQ(test, okvm_x86_ops.enable_irq_window,
			    okvm_fake_ops.enable_irq_window);
}

/* SDM vol. 3 table 6-5, and the "serially" rule for everything else. */
struct merge_case {
	const char *name;
	u8 first, second;
	bool first_injected;	/* the first is being delivered (EXITINTINFO) */
	int expect;		/* the vector that remains, or -1: shutdown */
};

static const struct merge_case merge_cases[] = {
	{ "GP then NP: DF", GP_VECTOR, NP_VECTOR, false, DF_VECTOR },
	{ "DE then GP: DF", DE_VECTOR, GP_VECTOR, false, DF_VECTOR },
	{ "TS then SS: DF", TS_VECTOR, SS_VECTOR, true, DF_VECTOR },
	{ "PF then PF: DF", PF_VECTOR, PF_VECTOR, true, DF_VECTOR },
	{ "PF then GP: DF", PF_VECTOR, GP_VECTOR, false, DF_VECTOR },
	{ "GP then PF: serial", GP_VECTOR, PF_VECTOR, true, PF_VECTOR },
	{ "PF then UD: serial", PF_VECTOR, UD_VECTOR, false, UD_VECTOR },
	{ "DB then GP: serial", DB_VECTOR, GP_VECTOR, true, GP_VECTOR },
	{ "NM then BR: serial", NM_VECTOR, BR_VECTOR, false, BR_VECTOR },
	{ "DF then GP: shutdown", DF_VECTOR, GP_VECTOR, true, -1 },
	{ "DF then UD: shutdown", DF_VECTOR, UD_VECTOR, false, -1 },
};

static void merge_case_desc(const struct merge_case *t, char *desc)
{
	strscpy(desc, t->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(merge, merge_cases, merge_case_desc);

static void exception_merging(struct kunit *test)
{
	const struct merge_case *t = test->param_value;
	struct okvm_vcpu *vcpu = vcpu_of(test);
	struct okvm_queued_exception *ex = &vcpu->arch.ev.exc;

	okvm_queue_exception_e(vcpu, t->first, 0x10);
	if (t->first_injected) {
		ex->pending = false;
		ex->injected = true;
	}
	okvm_queue_exception(vcpu, t->second);
	if (t->expect < 0) {
		KUNIT_EXPECT_TRUE(test, vcpu->arch.ev.triple_fault);
		KUNIT_EXPECT_FALSE(test, ex->pending || ex->injected);
		return;
	}
	KUNIT_EXPECT_FALSE(test, vcpu->arch.ev.triple_fault);
	KUNIT_EXPECT_TRUE(test, ex->pending);
	KUNIT_EXPECT_FALSE(test, ex->injected);
	KUNIT_EXPECT_EQ(test, ex->vector, t->expect);
	if (t->expect == DF_VECTOR) {
		/* #DF pushes an error code of zero. */
		KUNIT_EXPECT_TRUE(test, ex->has_error_code);
		KUNIT_EXPECT_EQ(test, ex->error_code, 0);
	}
}

/* A #PF's address reaches CR2 when it is delivered, not when raised. */
static void page_fault_payload_at_delivery(struct kunit *test)
{
	struct okvm_vcpu *vcpu = vcpu_of(test);
	struct okvm_fake_vendor *f = okvm_fv(vcpu);

	f->cr[OKVM_CR2] = 0x1111;
	okvm_queue_page_fault(vcpu, 0xdead000, 2);
	KUNIT_EXPECT_EQ(test, f->cr[OKVM_CR2], 0x1111);
	okvm_inject_pending_events(vcpu);
	KUNIT_EXPECT_EQ(test, f->injected, 'E');
	KUNIT_EXPECT_EQ(test, f->inj_vector, PF_VECTOR);
	KUNIT_EXPECT_EQ(test, f->cr[OKVM_CR2], 0xdead000);
	KUNIT_EXPECT_TRUE(test, vcpu->arch.ev.exc.injected);
	KUNIT_EXPECT_FALSE(test, vcpu->arch.ev.exc.pending);
}

/* A #DB payload sets DR6's trap bits; fixed bits stay set. */
static void debug_payload_sets_dr6(struct kunit *test)
{
	struct okvm_vcpu *vcpu = vcpu_of(test);

	okvm_fv(vcpu)->dr6 = 0xffff0ff0 | 0x2;	/* a stale B1 */
	okvm_queue_exception_p(vcpu, DB_VECTOR, 0x1);	/* B0 */
	okvm_inject_pending_events(vcpu);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->dr6 & 0xf, 0x1);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->dr6 & 0xfffe0ff0, 0xfffe0ff0);
}

/* At most two NMIs outstanding; one while one is being handled. */
static void nmi_limit(struct kunit *test)
{
	struct okvm_vcpu *vcpu = vcpu_of(test);

	okvm_queue_nmi(vcpu);
	okvm_queue_nmi(vcpu);
	okvm_queue_nmi(vcpu);
	KUNIT_EXPECT_EQ(test, vcpu->arch.ev.nmi_pending, 2);

	okvm_clear_events(vcpu);
	okvm_fv(vcpu)->nmi_masked = true;
	okvm_queue_nmi(vcpu);
	okvm_queue_nmi(vcpu);
	KUNIT_EXPECT_EQ(test, vcpu->arch.ev.nmi_pending, 1);
}

/* An NMI while one is in service waits for the window (the IRET). */
static void nmi_held_until_unmasked(struct kunit *test)
{
	struct okvm_vcpu *vcpu = vcpu_of(test);
	struct okvm_fake_vendor *f = okvm_fv(vcpu);

	okvm_queue_nmi(vcpu);
	okvm_queue_nmi(vcpu);
	okvm_inject_pending_events(vcpu);
	KUNIT_EXPECT_EQ(test, f->injected, 'N');
	KUNIT_EXPECT_EQ(test, vcpu->arch.ev.nmi_pending, 1);
	KUNIT_EXPECT_EQ(test, f->nmi_windows, 1);

	/* The exit after delivery: the handler runs, NMIs still masked. */
	vcpu->arch.ev.nmi_injected = false;
	f->injected = 0;
	okvm_inject_pending_events(vcpu);
	KUNIT_EXPECT_EQ(test, f->injected, 0);
	KUNIT_EXPECT_EQ(test, f->nmi_windows, 2);

	/* IRET completed: the held NMI goes now. */
	f->nmi_masked = false;
	okvm_inject_pending_events(vcpu);
	KUNIT_EXPECT_EQ(test, f->injected, 'N');
	KUNIT_EXPECT_EQ(test, vcpu->arch.ev.nmi_pending, 0);
}

/*
 * A pending exception goes before an interrupted event, which stays
 * queued; no new event while one is in flight, only windows.
 */
static void exception_before_reinjection(struct kunit *test)
{
	struct okvm_vcpu *vcpu = vcpu_of(test);
	struct okvm_fake_vendor *f = okvm_fv(vcpu);

	okvm_queue_interrupt(vcpu, 0x30, false);
	okvm_queue_exception_e(vcpu, GP_VECTOR, 0);
	okvm_queue_nmi(vcpu);
	f->irq_pending = 0x40;
	okvm_inject_pending_events(vcpu);
	KUNIT_EXPECT_EQ(test, f->injected, 'E');
	KUNIT_EXPECT_EQ(test, f->inj_vector, GP_VECTOR);
	KUNIT_EXPECT_TRUE(test, vcpu->arch.ev.irq.injected);
	KUNIT_EXPECT_EQ(test, vcpu->arch.ev.nmi_pending, 1);
	KUNIT_EXPECT_EQ(test, f->irq_pending, 0x40);	/* not acknowledged */
	KUNIT_EXPECT_EQ(test, f->nmi_windows, 1);
	KUNIT_EXPECT_EQ(test, f->irq_windows, 1);
}

/* An interrupt is acknowledged only when the guest can take it. */
static void interrupt_needs_if(struct kunit *test)
{
	struct okvm_vcpu *vcpu = vcpu_of(test);
	struct okvm_fake_vendor *f = okvm_fv(vcpu);

	f->irq_pending = 0x41;
	f->if_flag = false;
	okvm_inject_pending_events(vcpu);
	KUNIT_EXPECT_EQ(test, f->injected, 0);
	KUNIT_EXPECT_EQ(test, f->irq_pending, 0x41);
	KUNIT_EXPECT_EQ(test, f->irq_windows, 1);

	f->if_flag = true;
	okvm_inject_pending_events(vcpu);
	KUNIT_EXPECT_EQ(test, f->injected, 'I');
	KUNIT_EXPECT_EQ(test, f->inj_vector, 0x41);
	KUNIT_EXPECT_EQ(test, f->irq_pending, -1);
	KUNIT_EXPECT_TRUE(test, vcpu->arch.ev.irq.injected);
}

/* KVM_SET_VCPU_EVENTS: an exception and an interrupt together, as KVM. */
static void set_get_exception_and_interrupt(struct kunit *test)
{
	struct okvm_vcpu *vcpu = vcpu_of(test);
	struct kvm_vcpu_events e = {}, got;

	e.exception.injected = 1;
	e.exception.nr = GP_VECTOR;
	e.exception.has_error_code = 1;
	e.exception.error_code = 0x18;
	e.interrupt.injected = 1;
	e.interrupt.nr = 0x31;
	e.nmi.masked = 1;
	e.nmi.pending = 1;
	e.flags = KVM_VCPUEVENT_VALID_NMI_PENDING;
	KUNIT_ASSERT_EQ(test, set_events(vcpu, &e), 0);
	get_events(vcpu, &got);
	KUNIT_EXPECT_EQ(test, got.exception.injected, 1);
	KUNIT_EXPECT_EQ(test, got.exception.nr, GP_VECTOR);
	KUNIT_EXPECT_EQ(test, got.exception.error_code, 0x18);
	KUNIT_EXPECT_EQ(test, got.interrupt.injected, 1);
	KUNIT_EXPECT_EQ(test, got.interrupt.nr, 0x31);
	KUNIT_EXPECT_EQ(test, got.nmi.masked, 1);
	KUNIT_EXPECT_EQ(test, got.nmi.pending, 1);
}

/*
 * Without KVM_CAP_EXCEPTION_PAYLOAD a pending exception reads as injected
 * too (KVM reports both flags), its payload already delivered.
 */
static void pending_exception_without_payload_cap(struct kunit *test)
{
	struct okvm_vcpu *vcpu = vcpu_of(test);
	struct kvm_vcpu_events got;

	okvm_queue_page_fault(vcpu, 0x5000, 4);
	get_events(vcpu, &got);
	KUNIT_EXPECT_EQ(test, got.exception.injected, 1);
	KUNIT_EXPECT_EQ(test, got.exception_has_payload, 0);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->cr[OKVM_CR2], 0x5000);	/* delivered now */
	KUNIT_EXPECT_FALSE(test, got.flags & KVM_VCPUEVENT_VALID_PAYLOAD);
}

static void pending_exception_with_payload_cap(struct kunit *test)
{
	struct okvm_vcpu *vcpu = vcpu_of(test);
	struct kvm_vcpu_events got;

	vcpu->vm->arch.exception_payload = true;
	okvm_queue_page_fault(vcpu, 0x5000, 4);
	get_events(vcpu, &got);
	KUNIT_EXPECT_EQ(test, got.exception.injected, 0);
	KUNIT_EXPECT_EQ(test, got.exception.pending, 1);
	KUNIT_EXPECT_EQ(test, got.exception_has_payload, 1);
	KUNIT_EXPECT_EQ(test, got.exception_payload, 0x5000);
	KUNIT_EXPECT_EQ(test, okvm_fv(vcpu)->cr[OKVM_CR2], 0);
	KUNIT_EXPECT_TRUE(test, got.flags & KVM_VCPUEVENT_VALID_PAYLOAD);

	/* And back: the pending exception with its payload, as it was. */
	okvm_clear_events(vcpu);
	KUNIT_ASSERT_EQ(test, set_events(vcpu, &got), 0);
	KUNIT_EXPECT_TRUE(test, vcpu->arch.ev.exc.pending);
	KUNIT_EXPECT_EQ(test, vcpu->arch.ev.exc.payload, 0x5000);
}

/* KVM's -EINVAL cases, each leaving the queue as it was. */
static void set_events_refusals(struct kunit *test)
{
	struct okvm_vcpu *vcpu = vcpu_of(test);
	struct kvm_vcpu_events e;
	int i;

	for (i = 0; i < 6; i++) {
		memset(&e, 0, sizeof(e));
		switch (i) {
		case 0:
			e.flags = 0x80000000;
			break;
		case 1:	/* payload without the capability */
			e.flags = KVM_VCPUEVENT_VALID_PAYLOAD;
			break;
		case 2:
			e.exception.injected = 1;
			e.exception.nr = 32;
			break;
		case 3:
			e.exception.injected = 1;
			e.exception.nr = OKVM_NMI_VECTOR;
			break;
		case 4:	/* no SMM */
			e.flags = KVM_VCPUEVENT_VALID_SMM;
			e.smi.smm = 1;
			break;
		case 5:	/* no KVM_CAP_X86_TRIPLE_FAULT_EVENT */
			e.flags = KVM_VCPUEVENT_VALID_TRIPLE_FAULT;
			break;
		}
		e.interrupt.injected = 1;
		e.interrupt.nr = 0x33;
		KUNIT_EXPECT_EQ_MSG(test, set_events(vcpu, &e),
				    -EINVAL, "case %d", i);
		KUNIT_EXPECT_FALSE_MSG(test, vcpu->arch.ev.irq.injected,
				       "case %d", i);
	}
}

static struct kunit_case x86_events_cases[] = {
	KUNIT_CASE(vendor_init_refuses_holes),
	KUNIT_CASE_PARAM(exception_merging, merge_gen_params),
	KUNIT_CASE(page_fault_payload_at_delivery),
	KUNIT_CASE(debug_payload_sets_dr6),
	KUNIT_CASE(nmi_limit),
	KUNIT_CASE(nmi_held_until_unmasked),
	KUNIT_CASE(exception_before_reinjection),
	KUNIT_CASE(interrupt_needs_if),
	KUNIT_CASE(set_get_exception_and_interrupt),
	KUNIT_CASE(pending_exception_without_payload_cap),
	KUNIT_CASE(pending_exception_with_payload_cap),
	KUNIT_CASE(set_events_refusals),
	{}
};

static struct kunit_suite x86_events_suite = {
	.name = "okvm_x86_events",
	.init = events_init,
	.test_cases = x86_events_cases,
};

kunit_test_suite(x86_events_suite);
