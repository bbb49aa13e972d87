// SPDX-License-Identifier: GPL-2.0-only
/*
 * MMIO emulation: an NPF on a GPA with no memslot, or a write to a
 * read-only slot, becomes KVM_EXIT_MMIO (or an access to the in-kernel
 * irqchip, or a coalesced write). The instruction is fetched and decoded
 * (insn.c); only the MOV forms compilers emit for device access are
 * emulated.
 */
#include <linux/kvm.h>

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
	if (len == size &&
	    okvm_irqchip_mmio(vcpu, gpa, insn->mmio.dir == OKVM_MMIO_WRITE,
			      size, &val)) {
		if (insn->mmio.dir == OKVM_MMIO_READ)
			okvm_insn_complete_read(insn, (u64 *)vcpu->arch.regs, val);
		okvm_set_next_rip(vcpu, rip + insn->len);
		return 1;
	}

	/*
	 * A whole write that an ioeventfd takes signals it; one inside a
	 * coalesced zone goes to the ring instead.
	 */
	if (len == size && insn->mmio.dir == OKVM_MMIO_WRITE &&
	    (okvm_ioeventfd_write(vcpu->vm, false, gpa, size, &val) ||
	     okvm_coalesced_write(vcpu->vm, false, gpa, size, &val, 1))) {
		okvm_set_next_rip(vcpu, rip + insn->len);
		return 1;
	}

	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = len;
	run->mmio.is_write = insn->mmio.dir == OKVM_MMIO_WRITE;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (run->mmio.is_write)
		memcpy(run->mmio.data, (u8 *)&val + off, len);
	vcpu->stat.mmio_exits++;
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
