/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The SVM world switch.
 *
 * void okvm_svm_vmrun(u64 vmcb_pa, unsigned long *regs, u64 host_save_pa)
 *
 * VMRUN itself switches only part of the state: RAX, RSP, RIP, RFLAGS,
 * the segment registers CS/SS/DS/ES, the control registers, EFER and the
 * descriptor-table registers. FS, GS, TR, LDTR, KernelGSBase and the
 * SYSCALL/SYSENTER MSRs are switched by VMLOAD/VMSAVE, and the other GPRs
 * not at all. So: VMSAVE the host's share into its per-CPU save area, load
 * the guest's GPRs and VMLOAD its share, VMRUN, then the reverse.
 *
 * Between the guest VMLOAD and the host VMLOAD the GS base is the guest's,
 * so no per-CPU data (and no C) may run there: it all happens here. The
 * caller has interrupts off and GIF clear, and gets them back that way.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>

#define REG(n)	((n) * 8)
#define RCX	REG(1)
#define RDX	REG(2)
#define RBX	REG(3)
#define RBP	REG(5)
#define RSI	REG(6)
#define RDI	REG(7)
#define R8	REG(8)
#define R9	REG(9)
#define R10	REG(10)
#define R11	REG(11)
#define R12	REG(12)
#define R13	REG(13)
#define R14	REG(14)
#define R15	REG(15)

	.text
SYM_FUNC_START(okvm_svm_vmrun)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rdx			/* host save area */
	push	%rsi			/* guest GPR array */

	mov	%rdx, %rax
	vmsave	%rax

	mov	%rdi, %rax		/* RAX: the VMCB from here on */
	mov	RCX(%rsi), %rcx
	mov	RDX(%rsi), %rdx
	mov	RBX(%rsi), %rbx
	mov	RBP(%rsi), %rbp
	mov	RDI(%rsi), %rdi
	mov	R8(%rsi), %r8
	mov	R9(%rsi), %r9
	mov	R10(%rsi), %r10
	mov	R11(%rsi), %r11
	mov	R12(%rsi), %r12
	mov	R13(%rsi), %r13
	mov	R14(%rsi), %r14
	mov	R15(%rsi), %r15
	mov	RSI(%rsi), %rsi

	vmload	%rax
	/*
	 * With V_INTR_MASKING, host interrupts reach the guest as #VMEXIT(INTR)
	 * only if RFLAGS.IF was set at VMRUN. GIF is clear, so nothing is
	 * taken in the host between STI and VMRUN, nor after the exit before
	 * CLI.
	 */
	sti
	vmrun	%rax
	cli
	vmsave	%rax

	/* Host RAX and RSP are back; every other GPR is the guest's. */
	xchg	%rsi, (%rsp)		/* guest RSI on the stack, RSI = array */
	mov	%rcx, RCX(%rsi)
	mov	%rdx, RDX(%rsi)
	mov	%rbx, RBX(%rsi)
	mov	%rbp, RBP(%rsi)
	mov	%rdi, RDI(%rsi)
	mov	%r8, R8(%rsi)
	mov	%r9, R9(%rsi)
	mov	%r10, R10(%rsi)
	mov	%r11, R11(%rsi)
	mov	%r12, R12(%rsi)
	mov	%r13, R13(%rsi)
	mov	%r14, R14(%rsi)
	mov	%r15, R15(%rsi)
	popq	RSI(%rsi)

	pop	%rax			/* host save area */
	vmload	%rax

	/*
	 * Speculation barriers, before the first RET after the exit (as in
	 * KVM): overwrite the return stack buffer the guest may have filled,
	 * where the kernel asks for it, and untrain the return predictor
	 * (retbleed/SRSO), which may be an IBPB. Both clobber RAX, RCX and
	 * RDX only, which hold nothing here; interrupts are still off.
	 */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT
	UNTRAIN_RET_VM

	/* Leave no guest value behind in a register the caller may clobber. */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d

	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(okvm_svm_vmrun)
