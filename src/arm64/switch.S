/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * okvm's world switch on a VHE host (the host kernel runs at EL2).
 *
 * okvm_arm64_enter() is called with DAIF masked and the guest's EL1 system
 * registers, HCR_EL2 (TGE clear) and VTTBR_EL2 already loaded. It saves
 * the host's callee-saved registers in a frame on the host stack, points
 * VBAR_EL2 at okvm's own vectors and ERETs into the guest. An exception
 * from the guest lands in those vectors with SP_EL2 still at the frame:
 * the guest's registers go back to struct okvm_arm64_gprs, VBAR_EL2 gets
 * the host's vectors back and okvm_arm64_enter() returns the kind of
 * exception. The kernel's own vectors are never active while the guest
 * runs, and okvm's never while the host does.
 */
#include <linux/linkage.h>
#include <asm/assembler.h>

/* struct okvm_arm64_gprs (arch_types.h) */
#define G_X(n)		((n) * 8)
#define G_PC		(31 * 8)
#define G_PSTATE	(32 * 8)

/* The frame okvm_arm64_enter() leaves on the stack. */
#define F_X19		0
#define F_X29		80
#define F_X18		96
#define F_GPRS		104
#define F_VBAR		112
#define F_SIZE		128

/* Return values (enum okvm_arm64_exit in arm64.h). */
#define EXIT_SYNC	0
#define EXIT_IRQ	1
#define EXIT_FIQ	2
#define EXIT_SERROR	3
#define EXIT_HYP	4

	.text

/* u64 okvm_arm64_enter(struct okvm_arm64_gprs *g) */
SYM_FUNC_START(okvm_arm64_enter)
	sub	sp, sp, #F_SIZE
	stp	x19, x20, [sp, #F_X19]
	stp	x21, x22, [sp, #F_X19 + 16]
	stp	x23, x24, [sp, #F_X19 + 32]
	stp	x25, x26, [sp, #F_X19 + 48]
	stp	x27, x28, [sp, #F_X19 + 64]
	stp	x29, x30, [sp, #F_X29]
	str	x18, [sp, #F_X18]
	str	x0, [sp, #F_GPRS]
	mrs	x1, vbar_el2
	str	x1, [sp, #F_VBAR]
	adr_l	x1, okvm_arm64_vectors
	msr	vbar_el2, x1
	isb

	ldr	x1, [x0, #G_PC]
	msr	elr_el2, x1
	ldr	x1, [x0, #G_PSTATE]
	msr	spsr_el2, x1
	ldp	x2, x3, [x0, #G_X(2)]
	ldp	x4, x5, [x0, #G_X(4)]
	ldp	x6, x7, [x0, #G_X(6)]
	ldp	x8, x9, [x0, #G_X(8)]
	ldp	x10, x11, [x0, #G_X(10)]
	ldp	x12, x13, [x0, #G_X(12)]
	ldp	x14, x15, [x0, #G_X(14)]
	ldp	x16, x17, [x0, #G_X(16)]
	ldp	x18, x19, [x0, #G_X(18)]
	ldp	x20, x21, [x0, #G_X(20)]
	ldp	x22, x23, [x0, #G_X(22)]
	ldp	x24, x25, [x0, #G_X(24)]
	ldp	x26, x27, [x0, #G_X(26)]
	ldp	x28, x29, [x0, #G_X(28)]
	ldr	x30, [x0, #G_X(30)]
	ldp	x0, x1, [x0, #G_X(0)]
	eret
	/* No speculation past the ERET into the guest. */
	dsb	nsh
	isb
SYM_FUNC_END(okvm_arm64_enter)

/*
 * Back from the guest: x0 = exit kind, the guest's x0/x1 on the stack
 * just below the frame.
 */
SYM_CODE_START_LOCAL(okvm_arm64_exit)
	ldr	x1, [sp, #16 + F_GPRS]
	stp	x2, x3, [x1, #G_X(2)]
	stp	x4, x5, [x1, #G_X(4)]
	stp	x6, x7, [x1, #G_X(6)]
	stp	x8, x9, [x1, #G_X(8)]
	stp	x10, x11, [x1, #G_X(10)]
	stp	x12, x13, [x1, #G_X(12)]
	stp	x14, x15, [x1, #G_X(14)]
	stp	x16, x17, [x1, #G_X(16)]
	stp	x18, x19, [x1, #G_X(18)]
	stp	x20, x21, [x1, #G_X(20)]
	stp	x22, x23, [x1, #G_X(22)]
	stp	x24, x25, [x1, #G_X(24)]
	stp	x26, x27, [x1, #G_X(26)]
	stp	x28, x29, [x1, #G_X(28)]
	str	x30, [x1, #G_X(30)]
	ldp	x2, x3, [sp], #16
	stp	x2, x3, [x1, #G_X(0)]
	mrs	x2, elr_el2
	str	x2, [x1, #G_PC]
	mrs	x2, spsr_el2
	str	x2, [x1, #G_PSTATE]

	ldr	x2, [sp, #F_VBAR]
	msr	vbar_el2, x2
	isb
	ldr	x18, [sp, #F_X18]
	ldp	x19, x20, [sp, #F_X19]
	ldp	x21, x22, [sp, #F_X19 + 16]
	ldp	x23, x24, [sp, #F_X19 + 32]
	ldp	x25, x26, [sp, #F_X19 + 48]
	ldp	x27, x28, [sp, #F_X19 + 64]
	ldp	x29, x30, [sp, #F_X29]
	add	sp, sp, #F_SIZE
	ret
SYM_CODE_END(okvm_arm64_exit)

.macro okvm_vector kind
	.align 7
	stp	x0, x1, [sp, #-16]!
	mov	x0, #\kind
	b	okvm_arm64_exit
.endm

/*
 * Exceptions from EL2 itself (current EL) can only come from the few
 * instructions of okvm_arm64_enter() after VBAR_EL2 changed, with SP_EL2
 * at the frame: they leave the same way, as EXIT_HYP, and the C side
 * marks the VM dead.
 */
	.align 11
SYM_CODE_START(okvm_arm64_vectors)
	okvm_vector EXIT_HYP	/* current EL, SP_EL0 */
	okvm_vector EXIT_HYP
	okvm_vector EXIT_HYP
	okvm_vector EXIT_HYP
	okvm_vector EXIT_HYP	/* current EL, SP_ELx */
	okvm_vector EXIT_HYP
	okvm_vector EXIT_HYP
	okvm_vector EXIT_HYP
	okvm_vector EXIT_SYNC	/* lower EL, AArch64 */
	okvm_vector EXIT_IRQ
	okvm_vector EXIT_FIQ
	okvm_vector EXIT_SERROR
	okvm_vector EXIT_SYNC	/* lower EL, AArch32 (never: HCR_EL2.RW) */
	okvm_vector EXIT_IRQ
	okvm_vector EXIT_FIQ
	okvm_vector EXIT_SERROR
SYM_CODE_END(okvm_arm64_vectors)

/* void okvm_arm64_fp_load(const struct user_fpsimd_state *fp) */
SYM_FUNC_START(okvm_arm64_fp_load)
	ldp	q0, q1, [x0, #0 * 32]
	ldp	q2, q3, [x0, #1 * 32]
	ldp	q4, q5, [x0, #2 * 32]
	ldp	q6, q7, [x0, #3 * 32]
	ldp	q8, q9, [x0, #4 * 32]
	ldp	q10, q11, [x0, #5 * 32]
	ldp	q12, q13, [x0, #6 * 32]
	ldp	q14, q15, [x0, #7 * 32]
	ldp	q16, q17, [x0, #8 * 32]
	ldp	q18, q19, [x0, #9 * 32]
	ldp	q20, q21, [x0, #10 * 32]
	ldp	q22, q23, [x0, #11 * 32]
	ldp	q24, q25, [x0, #12 * 32]
	ldp	q26, q27, [x0, #13 * 32]
	ldp	q28, q29, [x0, #14 * 32]
	ldp	q30, q31, [x0, #15 * 32]
	add	x3, x0, #16 * 32
	ldp	w1, w2, [x3]
	msr	fpsr, x1
	msr	fpcr, x2
	ret
SYM_FUNC_END(okvm_arm64_fp_load)

/* void okvm_arm64_fp_save(struct user_fpsimd_state *fp) */
SYM_FUNC_START(okvm_arm64_fp_save)
	stp	q0, q1, [x0, #0 * 32]
	stp	q2, q3, [x0, #1 * 32]
	stp	q4, q5, [x0, #2 * 32]
	stp	q6, q7, [x0, #3 * 32]
	stp	q8, q9, [x0, #4 * 32]
	stp	q10, q11, [x0, #5 * 32]
	stp	q12, q13, [x0, #6 * 32]
	stp	q14, q15, [x0, #7 * 32]
	stp	q16, q17, [x0, #8 * 32]
	stp	q18, q19, [x0, #9 * 32]
	stp	q20, q21, [x0, #10 * 32]
	stp	q22, q23, [x0, #11 * 32]
	stp	q24, q25, [x0, #12 * 32]
	stp	q26, q27, [x0, #13 * 32]
	stp	q28, q29, [x0, #14 * 32]
	stp	q30, q31, [x0, #15 * 32]
	mrs	x1, fpsr
	mrs	x2, fpcr
	add	x3, x0, #16 * 32
	stp	w1, w2, [x3]
	ret
SYM_FUNC_END(okvm_arm64_fp_save)
