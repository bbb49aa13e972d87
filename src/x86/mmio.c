// SPDX-License-Identifier: GPL-2.0-only
/*
 * MMIO emulation: an NPF on a GPA with no memslot, or a write to a
 * read-only slot, becomes KVM_EXIT_MMIO (or an access to the in-kernel
 * irqchip, or a coalesced write). The instruction is fetched and decoded
 * (insn.c); only the MOV forms compilers emit for device access, and
 * STOS/MOVS (REP or not, as firmware and option ROMs use on VGA memory),
 * are emulated.
 */
#include <linux/kvm.h>
#include <linux/sched/signal.h>

#include "coalesced.h"
#include "guest_virt.h"
#include "irqchip/irqchip.h"
#include "x86.h"

/*
 * KVM_RUN after a KVM_EXIT_MMIO read: the data lands in its register and
 * RIP moves past the load (as KVM, whatever userspace did to RIP). 1.
 */
static int complete_mmio_read(struct okvm_vcpu *vcpu)
{
	struct okvm_insn *insn = &vcpu->arch.mmio_insn;
	u64 data = 0;

	/* The RAM part of a split access first, then the MMIO part. */
	memcpy(&data, vcpu->arch.mmio_ram, insn->mmio.size);
	memcpy((u8 *)&data + vcpu->arch.mmio_off, vcpu->run->mmio.data,
	       vcpu->arch.mmio_len);
	okvm_insn_complete_read(insn, (u64 *)vcpu->arch.regs, data);
	okvm_set_next_rip(vcpu, vcpu->arch.mmio_next_rip);
	return 1;
}

/*
 * A whole store the in-kernel APIC or I/O APIC, an ioeventfd or a coalesced
 * zone takes: true if one did.
 */
static bool mmio_write_in_kernel(struct okvm_vcpu *vcpu, u64 gpa,
				 unsigned int size, u64 *val)
{
	return okvm_irqchip_mmio(vcpu, gpa, true, size, val) ||
	       okvm_ioeventfd_write(vcpu->vm, false, gpa, size, val) ||
	       okvm_coalesced_write(vcpu->vm, false, gpa, size, val, 1);
}

/* KVM_EXIT_MMIO for @len bytes at @gpa; a write's data is @data. */
static void mmio_exit(struct okvm_vcpu *vcpu, u64 gpa, unsigned int len,
		      bool write, const void *data)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = len;
	run->mmio.is_write = write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (write)
		memcpy(run->mmio.data, data, len);
	vcpu->stat.mmio_exits++;
}

/* The linear address of @seg:@off (32 bits outside 64-bit mode). */
static u64 string_la(struct okvm_vcpu *vcpu, int seg, u64 off)
{
	u64 la = okvm_seg_base(vcpu, seg) + off;

	return okvm_is_64bit_mode(vcpu) ? la : (u32)la;
}

/* The linear address of a STOS/MOVS destination: ES:rDI (no override). */
static u64 string_dst_la(struct okvm_vcpu *vcpu, const struct okvm_insn *insn)
{
	const u64 *gprs = (const u64 *)vcpu->arch.regs;

	return string_la(vcpu, OKVM_SEG_ES,
			 gprs[OKVM_RDI] & okvm_size_mask(insn->ad_bytes));
}

/* The linear address of a MOVS source: DS:rSI unless a prefix overrides DS. */
static u64 movs_src_la(struct okvm_vcpu *vcpu, const struct okvm_insn *insn)
{
	const u64 *gprs = (const u64 *)vcpu->arch.regs;

	return string_la(vcpu, insn->seg == OKVM_SEG_NONE ? OKVM_SEG_DS : insn->seg,
			 gprs[OKVM_RSI] & okvm_size_mask(insn->ad_bytes));
}

/*
 * One STOS/MOVS element is done: rDI (and rSI) step by its size, backwards
 * with DF; a REP form counts rCX down. Return: true if that was the last
 * element (no REP, or rCX reached 0): RIP may move past the instruction.
 */
static bool string_step(struct okvm_vcpu *vcpu, const struct okvm_insn *insn)
{
	u64 *regs = (u64 *)vcpu->arch.regs;
	u64 step = insn->str.size;

	if (okvm_rflags_read(vcpu) & X86_EFLAGS_DF)
		step = -step;
	okvm_addr_reg_add(&regs[OKVM_RDI], step, insn->ad_bytes);
	if (insn->op == OKVM_OP_MOVS)
		okvm_addr_reg_add(&regs[OKVM_RSI], step, insn->ad_bytes);
	if (!insn->rep)
		return true;
	okvm_addr_reg_add(&regs[OKVM_RCX], -1, insn->ad_bytes);
	return !(regs[OKVM_RCX] & okvm_size_mask(insn->ad_bytes));
}

/*
 * An element done in the kernel: a REP form stays at its RIP until the
 * last. Return: true if that was the last.
 */
static bool string_advance(struct okvm_vcpu *vcpu, const struct okvm_insn *insn,
			   u64 next_rip)
{
	if (!string_step(vcpu, insn))
		return false;
	okvm_set_next_rip(vcpu, next_rip);
	return true;
}

/* KVM_RUN after the last element of a string store userspace took. 1. */
static int complete_string_store(struct okvm_vcpu *vcpu)
{
	okvm_set_next_rip(vcpu, vcpu->arch.mmio_next_rip);
	return 1;
}

/*
 * KVM_RUN after the MMIO read of a MOVS from MMIO to RAM: the element goes
 * to ES:rDI, then the registers advance. A destination that faults now
 * (the VMM changed the page tables meanwhile) queues its #PF instead, and
 * the element is read again when the guest retries. Return: 1, or -errno.
 */
static int complete_movs_read(struct okvm_vcpu *vcpu)
{
	struct okvm_insn *insn = &vcpu->arch.mmio_insn;
	struct okvm_gwalk_result res;
	u64 dst;
	int r;

	dst = string_dst_la(vcpu, insn);
	r = okvm_write_gva(vcpu, dst, vcpu->run->mmio.data, insn->str.size,
			   &res);
	if (r == 1) {
		okvm_queue_gva_fault(vcpu, &res);
		return 1;
	}
	if (r)
		return r;
	string_advance(vcpu, insn, vcpu->arch.mmio_next_rip);
	return 1;
}

/*
 * After an element of a REP STOS/MOVS that a device in the kernel took:
 * whether the next one is done here too, without entering the guest again
 * for it (KVM's emulator restarts the instruction the same way). It is if
 * one remains (@insn is REP and rCX is not 0, string_step() said), on the
 * same page, so that @gpa moves with the linear address, and its RAM
 * source (MOVS) reads without a fault. As KVM, the guest runs again every
 * 1024 elements, for its interrupts; and whenever it single-steps, or the
 * host wants the CPU or has a signal. Anything else, e.g. a source that
 * faults, is left to the guest, which executes the instruction again.
 * On true, @mla, @gpa and @val are the next element's.
 */
static bool string_next_here(struct okvm_vcpu *vcpu,
			     const struct okvm_insn *insn, u64 *mla, u64 *gpa,
			     u64 *val)
{
	const u64 *gprs = (const u64 *)vcpu->arch.regs;
	unsigned int size = insn->str.size;
	u64 next, src;
	struct okvm_gwalk_result res;

	if (!(gprs[OKVM_RCX] & 0x3ff) ||
	    (okvm_rflags_read(vcpu) & X86_EFLAGS_TF) || need_resched() ||
	    signal_pending(current))
		return false;
	next = string_dst_la(vcpu, insn);
	if (((next ^ *mla) & PAGE_MASK) || (next & ~PAGE_MASK) + size > PAGE_SIZE)
		return false;
	if (insn->op == OKVM_OP_MOVS) {
		src = movs_src_la(vcpu, insn);
		*val = 0;
		if (okvm_read_gva(vcpu, src, val, size,
				  okvm_gva_access_user(vcpu), &res))
			return false;
	}
	*gpa += next - *mla;
	*mla = next;
	return true;
}

/*
 * STOS or MOVS with an operand on MMIO. Elements a device in the kernel
 * takes (a coalesced zone, as QEMU's VGA window) continue in the kernel
 * (string_next_here()); an element userspace must see is one
 * KVM_EXIT_MMIO, and the run loop checks for signals and rescheduling
 * before the next. The MMIO side must be the page of @gpa and hold the
 * whole element; an element that straddles a page, or a MOVS with MMIO on
 * both sides, is an emulation failure. MMIO reads always go to userspace.
 */
static int emulate_string(struct okvm_vcpu *vcpu, struct okvm_insn *insn,
			  u64 gpa, u64 rip)
{
	const u64 *gprs = (const u64 *)vcpu->arch.regs;
	u64 m = okvm_size_mask(insn->ad_bytes), dst, src, mla, val = 0, probe;
	u32 access = okvm_gva_access_user(vcpu);
	unsigned int size = insn->str.size;
	struct okvm_gwalk_result res;
	bool write = true;
	int r;

	/* Nothing to do (a VMM may have zeroed rCX before re-entry). */
	if (insn->rep && !(gprs[OKVM_RCX] & m)) {
		okvm_set_next_rip(vcpu, rip + insn->len);
		return 1;
	}
	dst = string_dst_la(vcpu, insn);
	mla = dst;
	if (insn->op == OKVM_OP_STOS) {
		val = gprs[OKVM_RAX] & okvm_size_mask(size);
	} else {
		src = movs_src_la(vcpu, insn);
		r = okvm_read_gva(vcpu, src, &val, size, access, &res);
		if (r == 1) {
			okvm_queue_gva_fault(vcpu, &res);
			return 1;
		}
		if (r) {
			/*
			 * The source is the MMIO side. The destination must
			 * be RAM: a read of it tells (a #PF it may raise is
			 * the completion's, with its write error code).
			 */
			write = false;
			mla = src;
			r = okvm_read_gva(vcpu, dst, &probe, size, access,
					  &res);
			if (r < 0)
				return okvm_emulation_failure(vcpu);
		}
	}
	if ((mla & ~PAGE_MASK) != (gpa & ~PAGE_MASK) ||
	    (mla & ~PAGE_MASK) + size > PAGE_SIZE)
		return okvm_emulation_failure(vcpu);

	if (!write) {
		mmio_exit(vcpu, gpa, size, false, NULL);
		vcpu->arch.mmio_next_rip = rip + insn->len;
		vcpu->arch.complete_userspace_io = complete_movs_read;
		return 0;
	}
	while (mmio_write_in_kernel(vcpu, gpa, size, &val)) {
		if (string_advance(vcpu, insn, rip + insn->len) ||
		    !string_next_here(vcpu, insn, &mla, &gpa, &val))
			return 1;
	}
	/*
	 * The registers have moved when userspace sees the element, but RIP
	 * stays on the instruction even after the last one and moves past it
	 * on the next KVM_RUN: what kvm_amd shows (unlike a MOV store, whose
	 * RIP has moved at the exit).
	 */
	mmio_exit(vcpu, gpa, size, true, &val);
	if (string_step(vcpu, insn)) {
		vcpu->arch.mmio_next_rip = rip + insn->len;
		vcpu->arch.complete_userspace_io = complete_string_store;
	}
	return 0;
}

/**
 * okvm_emulate_mmio() - turn an MMIO fault into KVM_EXIT_MMIO
 * @vcpu: the vCPU, after an NPF that okvm_mmu_page_fault() called MMIO
 * @gpa: the faulting guest-physical address
 *
 * Return: 0 with the exit in kvm_run (KVM_EXIT_MMIO, or
 * KVM_EXIT_INTERNAL_ERROR for anything okvm does not emulate), or 1 to
 * re-enter the guest (done in the kernel, or a #PF was queued).
 */
int okvm_emulate_mmio(struct okvm_vcpu *vcpu, u64 gpa)
{
	struct okvm_insn *insn = &vcpu->arch.mmio_insn;
	const u64 *gprs = (const u64 *)vcpu->arch.regs;
	unsigned int size, off = 0, len, ram_off, ram_len = 0;
	struct kvm_run *run = vcpu->run;
	struct okvm_gwalk_result res;
	u64 val = 0, la, rip = okvm_rip_read(vcpu);
	bool long64;
	int r;

	r = okvm_fetch_insn(vcpu, insn);
	if (r == 1)
		return 1;
	if (!r && (insn->op == OKVM_OP_STOS || insn->op == OKVM_OP_MOVS))
		return emulate_string(vcpu, insn, gpa, rip);
	if (r || insn->op != OKVM_OP_MOV_MEM)
		return okvm_emulation_failure(vcpu);
	size = len = insn->mmio.size;
	if (insn->mmio.dir == OKVM_MMIO_WRITE)
		okvm_insn_write_value(insn, gprs, &val);

	/*
	 * An access that straddles two pages may have RAM on one side: do
	 * that part here and exit only for the MMIO part, as KVM does.
	 */
	long64 = okvm_is_64bit_mode(vcpu);
	la = okvm_seg_base(vcpu, insn->mem.seg) +
	     okvm_insn_mem_offset(insn, gprs, rip);
	if (!long64)
		la = (u32)la;
	if ((la & ~PAGE_MASK) + size > PAGE_SIZE) {
		unsigned int first = PAGE_SIZE - (la & ~PAGE_MASK);

		if (gpa & ~PAGE_MASK) {		/* MMIO first, then RAM */
			len = first;
			ram_off = first;
		} else {			/* RAM first, then MMIO */
			off = first;
			len = size - first;
			ram_off = 0;
		}
		ram_len = size - len;
		if (insn->mmio.dir == OKVM_MMIO_WRITE)
			r = okvm_write_gva(vcpu, la + ram_off,
					   (u8 *)&val + ram_off, ram_len, &res);
		else
			r = okvm_read_gva(vcpu, la + ram_off,
					  vcpu->arch.mmio_ram + ram_off,
					  ram_len, okvm_gva_access_user(vcpu),
					  &res);
		if (r == 1) {
			okvm_queue_gva_fault(vcpu, &res);
			return 1;
		}
		if (r)	/* both sides MMIO: not emulated */
			return okvm_emulation_failure(vcpu);
	}

	/* The in-kernel APIC and I/O APIC take whole accesses only. */
	if (len == size && insn->mmio.dir == OKVM_MMIO_READ &&
	    okvm_irqchip_mmio(vcpu, gpa, false, size, &val)) {
		okvm_insn_complete_read(insn, (u64 *)vcpu->arch.regs, val);
		okvm_set_next_rip(vcpu, rip + insn->len);
		return 1;
	}

	/*
	 * A whole write the irqchip takes; or an ioeventfd signals it; or one
	 * inside a coalesced zone goes to the ring.
	 */
	if (len == size && insn->mmio.dir == OKVM_MMIO_WRITE &&
	    mmio_write_in_kernel(vcpu, gpa, size, &val)) {
		okvm_set_next_rip(vcpu, rip + insn->len);
		return 1;
	}

	mmio_exit(vcpu, gpa, len, insn->mmio.dir == OKVM_MMIO_WRITE,
		  (u8 *)&val + off);
	/* A store has retired when userspace sees it (RIP past it), as in KVM. */
	if (run->mmio.is_write) {
		okvm_set_next_rip(vcpu, rip + insn->len);
		return 0;
	}
	vcpu->arch.mmio_off = off;
	vcpu->arch.mmio_len = len;
	vcpu->arch.mmio_next_rip = rip + insn->len;
	vcpu->arch.complete_userspace_io = complete_mmio_read;
	return 0;
}
