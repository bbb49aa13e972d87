// SPDX-License-Identifier: GPL-2.0-only
/*
 * The instruction at CS:RIP: the mode and segment bases its addresses
 * use, fetched through the guest's page tables and decoded (decoder in
 * decode.c), retired (next RIP, interrupt shadow), rewritten (hypercall
 * patching), and the one way okvm reports an instruction it cannot emulate
 * or an exit it did not expect to userspace (KVM_EXIT_INTERNAL_ERROR).
 */
#include <linux/kvm.h>
#include <asm/msr-index.h>

#include "guest_virt.h"
#include "x86.h"

/**
 * okvm_is_64bit_mode() - is the vCPU in 64-bit mode (long mode and CS.L)?
 * @vcpu: the vCPU
 */
bool okvm_is_64bit_mode(struct okvm_vcpu *vcpu)
{
	struct kvm_segment cs;

	if (!(okvm_efer_read(vcpu) & EFER_LMA))
		return false;
	okvm_x86_ops.get_segment(vcpu, &cs, OKVM_SEG_CS);
	return cs.l;
}

/**
 * okvm_seg_base() - the base of a segment for a linear address
 * @vcpu: the vCPU
 * @seg: enum okvm_seg (ES..GS)
 *
 * Return: the base; in 64-bit mode only FS and GS have one.
 */
u64 okvm_seg_base(struct okvm_vcpu *vcpu, int seg)
{
	struct kvm_segment s;

	if (seg > OKVM_SEG_GS ||
	    (seg < OKVM_SEG_FS && okvm_is_64bit_mode(vcpu)))
		return 0;
	okvm_x86_ops.get_segment(vcpu, &s, seg);
	return s.base;
}

/**
 * okvm_set_next_rip() - retire an emulated instruction: RIP moves on
 * @vcpu: the vCPU
 * @rip: the RIP after the instruction
 *
 * Outside 64-bit mode RIP is 32 bits; the instruction's interrupt shadow
 * (STI, MOV SS) ends with it.
 */
void okvm_set_next_rip(struct okvm_vcpu *vcpu, u64 rip)
{
	if (!okvm_is_64bit_mode(vcpu))
		rip = (u32)rip;
	okvm_rip_write(vcpu, rip);
	okvm_x86_ops.set_interrupt_shadow(vcpu, 0);
}

/**
 * okvm_skip_insn() - retire the instruction at RIP, @len bytes long
 * @vcpu: the vCPU
 * @len: the instruction's length
 */
void okvm_skip_insn(struct okvm_vcpu *vcpu, unsigned int len)
{
	okvm_set_next_rip(vcpu, okvm_rip_read(vcpu) + len);
}

/**
 * okvm_internal_error() - KVM_EXIT_INTERNAL_ERROR for an unexpected state
 * @vcpu: the vCPU
 * @suberror: KVM_INTERNAL_ERROR_*
 * @d0: first datum (the exit reason, or the GPA)
 * @d1: second datum
 *
 * The third datum is RIP, as in okvm's earlier exits.
 * Return: 0 (exit to userspace).
 */
int okvm_internal_error(struct okvm_vcpu *vcpu, u32 suberror, u64 d0, u64 d1)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = 3;
	run->internal.data[0] = d0;
	run->internal.data[1] = d1;
	run->internal.data[2] = okvm_rip_read(vcpu);
	return 0;
}

/**
 * okvm_emulation_failure() - an instruction okvm cannot emulate
 * @vcpu: the vCPU, the instruction at RIP (not retired)
 *
 * KVM_EXIT_INTERNAL_ERROR laid out as KVM's emulation failures are
 * (kvm_run.emulation_failure): flags, the instruction bytes fetched if
 * any, then the exit reason, the exit information, the interrupted event
 * and its error code (okvm_x86_ops.get_exit_info).
 *
 * Unlike KVM, okvm never queues a #UD for it, with or without
 * KVM_CAP_EXIT_ON_EMULATION_FAILURE: okvm's emulator is much smaller than
 * KVM's, so what it cannot emulate is usually a valid instruction that
 * the guest must not see fault. It always exits, which is what the
 * capability asks for.
 *
 * Return: 0 (exit to userspace).
 */
int okvm_emulation_failure(struct okvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct okvm_exit_info ei;
	unsigned int start = 1;
	u64 info[5];

	okvm_x86_ops.get_exit_info(vcpu, &ei);
	info[0] = ei.reason;
	info[1] = ei.info1;
	info[2] = ei.info2;
	info[3] = ei.intr_info;
	info[4] = ei.error_code;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->emulation_failure.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->emulation_failure.flags = 0;
	if (vcpu->arch.insn_len) {
		run->emulation_failure.flags =
			KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
		run->emulation_failure.insn_size = vcpu->arch.insn_len;
		memset(run->emulation_failure.insn_bytes, 0x90,
		       sizeof(run->emulation_failure.insn_bytes));
		memcpy(run->emulation_failure.insn_bytes, vcpu->arch.insn_bytes,
		       vcpu->arch.insn_len);
		start += 2;	/* insn_size and insn_bytes take data[1..2] */
	}
	memcpy(&run->internal.data[start], info, sizeof(info));
	run->emulation_failure.ndata = start + ARRAY_SIZE(info);
	return 0;
}

/**
 * okvm_vcpu_cpu_mode() - the decoder's default operand size
 * @vcpu: the vCPU
 */
enum okvm_cpu_mode okvm_vcpu_cpu_mode(struct okvm_vcpu *vcpu)
{
	struct kvm_segment cs;

	okvm_x86_ops.get_segment(vcpu, &cs, OKVM_SEG_CS);
	return okvm_cpu_mode(okvm_cr_read(vcpu, OKVM_CR0) & X86_CR0_PE,
			     okvm_rflags_read(vcpu) & X86_EFLAGS_VM,
			     okvm_efer_read(vcpu) & EFER_LMA, cs.l, cs.db);
}

/* The linear address of CS:RIP. */
static u64 rip_linear(struct okvm_vcpu *vcpu, enum okvm_cpu_mode cm)
{
	u64 la;

	if (cm == OKVM_MODE_64)
		return okvm_rip_read(vcpu);
	la = okvm_seg_base(vcpu, OKVM_SEG_CS) + okvm_rip_read(vcpu);
	return (u32)la;
}

/**
 * okvm_fetch_insn() - fetch and decode the instruction at CS:RIP
 * @vcpu: the vCPU
 * @insn: the decoded instruction
 *
 * The bytes fetched are kept for an emulation-failure exit.
 * Return: 0, 1 if a #PF was queued for the fetch, or -errno (not
 * decodable, or not in memory).
 */
int okvm_fetch_insn(struct okvm_vcpu *vcpu, struct okvm_insn *insn)
{
	enum okvm_cpu_mode cm = okvm_vcpu_cpu_mode(vcpu);
	u32 access = OKVM_GWALK_FETCH | okvm_gva_access_user(vcpu);
	struct okvm_gwalk_result res;
	u8 bytes[OKVM_MAX_INSN_LEN];
	unsigned int n;
	u64 la;
	int r;

	la = rip_linear(vcpu, cm);
	/* Fetch to the end of the page first: the next may not be mapped. */
	n = min_t(unsigned int, sizeof(bytes), PAGE_SIZE - (la & ~PAGE_MASK));

	vcpu->arch.insn_len = 0;
	r = okvm_read_gva(vcpu, la, bytes, n, access, &res);
	if (!r) {
		vcpu->arch.insn_len = n;
		r = okvm_decode(bytes, n, cm, insn);
		if (r == -ENODATA && n < sizeof(bytes)) {
			n = sizeof(bytes);
			r = okvm_read_gva(vcpu, la, bytes, n, access, &res);
			if (!r) {
				vcpu->arch.insn_len = n;
				r = okvm_decode(bytes, n, cm, insn);
			}
		}
	}
	/* What was fetched, for an emulation-failure exit (as KVM's). */
	memcpy(vcpu->arch.insn_bytes, bytes, vcpu->arch.insn_len);
	if (r == 1)
		okvm_queue_gva_fault(vcpu, &res);
	return r;
}

/**
 * okvm_skip_decoded_insn() - step over the instruction at CS:RIP
 * @vcpu: the vCPU, after okvm carried out an intercepted instruction
 *
 * Without NRIP save the exit does not say where the instruction ends,
 * and prefixes (66, REP, segment, REX) make its length vary: decode it.
 * A #PF on the fetch (another vCPU unmapped the code meanwhile) leaves
 * RIP on the instruction, which runs again after the guest's handler.
 *
 * Return: 1 to re-enter the guest, or 0 with an emulation-failure exit if
 * the bytes do not decode.
 */
int okvm_skip_decoded_insn(struct okvm_vcpu *vcpu)
{
	struct okvm_insn insn;
	int r = okvm_fetch_insn(vcpu, &insn);

	if (r == 1)
		return 1;
	if (r)
		return okvm_emulation_failure(vcpu);
	okvm_skip_insn(vcpu, insn.len);
	return 1;
}

/**
 * okvm_rewrite_at_rip() - replace the instruction bytes at CS:RIP
 * @vcpu: the vCPU
 * @old: the bytes expected there
 * @new: what to write instead
 * @len: their length
 *
 * The guest's own page tables are walked with its privilege, as an
 * emulated store would be.
 *
 * Return: 0 if rewritten, 1 if a #PF was queued, -ENOENT if the bytes
 * are not @old, or another -errno.
 */
int okvm_rewrite_at_rip(struct okvm_vcpu *vcpu, const u8 *old, const u8 *new,
			unsigned int len)
{
	struct okvm_gwalk_result res;
	u8 bytes[OKVM_MAX_INSN_LEN];
	int r;
	u64 la;

	if (WARN_ON_ONCE(len > sizeof(bytes)))
		return -EINVAL;
	la = rip_linear(vcpu, okvm_vcpu_cpu_mode(vcpu));
	r = okvm_read_gva(vcpu, la, bytes, len,
			  OKVM_GWALK_FETCH | okvm_gva_access_user(vcpu), &res);
	if (!r && memcmp(bytes, old, len))
		r = -ENOENT;
	if (!r)
		r = okvm_write_gva(vcpu, la, new, len, &res);
	if (r == 1)
		okvm_queue_gva_fault(vcpu, &res);
	return r;
}
