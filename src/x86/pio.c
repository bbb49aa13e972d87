// SPDX-License-Identifier: GPL-2.0-only
/*
 * Port I/O: IN/OUT to the in-kernel irqchip, into a coalesced zone, or
 * out to userspace as KVM_EXIT_IO; INS/OUTS (REP or not) as KVM_EXIT_IO
 * with count > 1, reading or writing guest memory through the guest's
 * page tables; and the completion of either on the next KVM_RUN.
 */
#include <linux/kvm.h>
#include <linux/mm.h>

#include "coalesced.h"
#include "decode.h"
#include "guest_virt.h"
#include "irqchip/irqchip.h"
#include "x86.h"

/*
 * Finish INS/OUTS after userspace served it (or the coalesced ring took
 * it). A #PF may be queued instead (an INS destination that stopped being
 * writable meanwhile). Return: 1, or -errno.
 */
static int complete_string_io(struct okvm_vcpu *vcpu)
{
	struct okvm_pending_io *p = &vcpu->arch.pio;
	unsigned long *regs = vcpu->arch.regs;
	u64 m = okvm_size_mask(p->addr_size), n = p->count, step;
	int reg = p->in ? OKVM_RDI : OKVM_RSI;
	struct okvm_gwalk_result res;
	int r;

	/*
	 * The instruction completes against the registers as they are now:
	 * if userspace changed RCX meanwhile, no more than RCX elements are
	 * consumed, and never more than the exit carried (as KVM, which
	 * re-executes the instruction on completion).
	 */
	if (p->rep)
		n = min_t(u64, n, regs[OKVM_RCX] & m);
	step = n * p->size;
	if (p->in && step) {
		r = okvm_write_gva(vcpu, p->la, page_address(vcpu->arch.pio_page),
				   step, &res);
		if (r == 1) {
			okvm_queue_gva_fault(vcpu, &res);
			return 1;
		}
		if (r)
			return r;
	}
	if (okvm_rflags_read(vcpu) & X86_EFLAGS_DF)
		step = -step;
	okvm_addr_reg_add((u64 *)&regs[reg], step, p->addr_size);
	if (p->rep) {
		okvm_addr_reg_add((u64 *)&regs[OKVM_RCX], -n, p->addr_size);
		if (regs[OKVM_RCX] & m)
			return 1;	/* same RIP: the REP goes on */
	}
	okvm_set_next_rip(vcpu, p->next_rip);
	return 1;
}

/* What IN leaves in AL, AX or EAX (which zero-extends into RAX). */
static void in_to_rax(unsigned long *rax, int size, u32 v)
{
	unsigned long mask = (1UL << (size * 8)) - 1;

	if (size == 4)
		*rax = v;
	else
		*rax = (*rax & ~mask) | (v & mask);
}

static u64 linear_rip(struct okvm_vcpu *vcpu)
{
	return okvm_seg_base(vcpu, OKVM_SEG_CS) + okvm_rip_read(vcpu);
}

/*
 * Finish an IN/OUT userspace just served (KVM_RUN after KVM_EXIT_IO): an
 * IN's data into AL/AX/EAX, and RIP past the instruction. As in KVM, only
 * if the vCPU is still at it: a VMM that moved RIP (KVM_SET_REGS) has
 * abandoned the instruction. Return: 1.
 */
static int complete_io(struct okvm_vcpu *vcpu)
{
	struct okvm_pending_io *p = &vcpu->arch.pio;
	unsigned long *rax = &vcpu->arch.regs[OKVM_RAX];
	u64 v = 0;

	if (linear_rip(vcpu) != p->linear_rip)
		return 1;
	if (p->in) {
		memcpy(&v, page_address(vcpu->arch.pio_page), p->size);
		in_to_rax(rax, p->size, v);
	}
	okvm_set_next_rip(vcpu, p->next_rip);
	return 1;
}

/*
 * KVM_EXIT_IO for @count elements in the PIO page; @complete runs on the
 * next KVM_RUN (NULL: nothing left to do).
 */
static int io_exit(struct okvm_vcpu *vcpu, const struct okvm_io_exit *io,
		   u32 count, int (*complete)(struct okvm_vcpu *vcpu))
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = io->in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = io->size;
	run->io.port = io->port;
	run->io.count = count;
	run->io.data_offset = KVM_PIO_PAGE_OFFSET * PAGE_SIZE;
	vcpu->arch.complete_userspace_io = complete;
	vcpu->stat.io_exits++;
	return 0;
}

/*
 * INS/OUTS: each exit moves at most a page of data and never crosses a
 * guest page; RSI/RDI and RCX advance on completion, and a REP instruction
 * that is not finished runs again from the same RIP.
 */
static int string_io(struct okvm_vcpu *vcpu, const struct okvm_io_exit *io)
{
	unsigned long *regs = vcpu->arch.regs;
	void *data = page_address(vcpu->arch.pio_page);
	struct okvm_gwalk_result res;
	struct okvm_insn insn;
	u64 count, la, off;
	u8 asize;
	int r;

	/*
	 * The exit may name the address size and segment, but not every SVM
	 * implementation fills them in (QEMU's does not): decode instead.
	 */
	r = okvm_fetch_insn(vcpu, &insn);
	if (r == 1)
		return 1;
	if (r || (insn.op != OKVM_OP_INS && insn.op != OKVM_OP_OUTS))
		return okvm_emulation_failure(vcpu);
	asize = insn.ad_bytes;
	count = io->rep ? regs[OKVM_RCX] & okvm_size_mask(asize) : 1;
	if (!count) {
		okvm_set_next_rip(vcpu, io->next_rip);
		return 1;
	}
	if (io->in) {	/* INS: ES:rDI, no override */
		off = regs[OKVM_RDI] & okvm_size_mask(asize);
		la = okvm_seg_base(vcpu, OKVM_SEG_ES) + off;
	} else {	/* OUTS: DS:rSI or the override */
		off = regs[OKVM_RSI] & okvm_size_mask(asize);
		la = okvm_seg_base(vcpu, insn.seg == OKVM_SEG_NONE ?
					 OKVM_SEG_DS : insn.seg) + off;
	}
	if (!okvm_is_64bit_mode(vcpu))
		la = (u32)la;

	/*
	 * Ascending: as many elements as fit before the page ends (one at
	 * least, which may straddle it). Descending (DF): one at a time.
	 */
	if (okvm_rflags_read(vcpu) & X86_EFLAGS_DF)
		count = 1;
	else
		count = min3(count, (u64)(PAGE_SIZE / io->size),
			     max_t(u64, 1, (PAGE_SIZE - (la & ~PAGE_MASK)) /
					   io->size));

	vcpu->arch.pio = (struct okvm_pending_io) {
		.in = io->in, .string = true, .rep = io->rep, .size = io->size,
		.addr_size = asize, .count = count, .la = la,
		.next_rip = io->next_rip,
	};
	if (!io->in) {
		r = okvm_read_gva(vcpu, la, data, count * io->size,
				  okvm_gva_access_user(vcpu), &res);
		if (r == 1) {
			okvm_queue_gva_fault(vcpu, &res);
			return 1;
		}
		if (r)
			return okvm_emulation_failure(vcpu);
		/* All of it into the coalesced ring, or an exit as usual. */
		if (okvm_coalesced_write(vcpu->vm, true, io->port, io->size,
					 data, count)) {
			r = complete_string_io(vcpu);
			return r < 0 ? r : 1;
		}
	}
	return io_exit(vcpu, io, count, complete_string_io);
}

/**
 * okvm_emulate_pio() - a port access the backend intercepted
 * @vcpu: the vCPU
 * @io: the access, decoded from the exit
 *
 * Return: 0 with KVM_EXIT_IO (or an internal error) in kvm_run, 1 to
 * re-enter the guest (done in the kernel, a #PF was queued, or a REP count
 * of zero).
 */
int okvm_emulate_pio(struct okvm_vcpu *vcpu, const struct okvm_io_exit *io)
{
	unsigned long *rax = &vcpu->arch.regs[OKVM_RAX];
	u32 v = *rax;

	if (io->string)
		return string_io(vcpu, io);
	/* The irqchip's ports; an OUT an ioeventfd or coalesced zone takes. */
	if (okvm_irqchip_pio(vcpu, io->port, io->in, io->size, &v)) {
		if (io->in)
			in_to_rax(rax, io->size, v);
		okvm_set_next_rip(vcpu, io->next_rip);
		return 1;
	}
	if (!io->in &&
	    (okvm_ioeventfd_write(vcpu->vm, true, io->port, io->size, rax) ||
	     okvm_coalesced_write(vcpu->vm, true, io->port, io->size, rax, 1))) {
		okvm_set_next_rip(vcpu, io->next_rip);
		return 1;
	}
	if (!io->in) {
		memcpy(page_address(vcpu->arch.pio_page), rax, io->size);
		/*
		 * KVM_X86_QUIRK_OUT_7E_INC_RIP: VMMs of old relied on RIP
		 * being past an "OUT 0x7e" already when they saw it.
		 */
		if (io->port == 0x7e &&
		    !(READ_ONCE(vcpu->vm->arch.disabled_quirks) &
		      KVM_X86_QUIRK_OUT_7E_INC_RIP)) {
			okvm_set_next_rip(vcpu, io->next_rip);
			return io_exit(vcpu, io, 1, NULL);
		}
	}
	vcpu->arch.pio = (struct okvm_pending_io) {
		.in = io->in,
		.size = io->size,
		.next_rip = io->next_rip,
		.linear_rip = linear_rip(vcpu),
	};
	return io_exit(vcpu, io, 1, complete_io);
}
