// SPDX-License-Identifier: GPL-2.0-only
/*
 * The instructions okvm emulates for SVM exits that the hardware leaves
 * undecoded: MMIO (an NPF on a GPA with no memslot, or a write to a
 * read-only slot), string port I/O (INS/OUTS, REP or not), and
 * KVM_TRANSLATE. The guest's page tables are read with the guest walker
 * (src/mmu/gwalk.c) over memslots; instructions are decoded by
 * src/x86/emulate.c.
 */
#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/uaccess.h>
#include <asm/processor-flags.h>

#include "coalesced.h"
#include "mmu/gwalk.h"
#include "svm.h"

/* --- guest memory through memslots, for the walker ------------------------ */

/* The caller holds vm->srcu. */
static unsigned long gpa_to_hva(struct okvm_vcpu *vcpu, u64 gpa, bool write,
				unsigned int len)
{
	struct okvm_vm *vm = vcpu->vm;
	const struct okvm_memslot *slot;

	if ((gpa & ~PAGE_MASK) + len > PAGE_SIZE)
		return 0;
	slot = okvm_memslots_find(srcu_dereference(vm->memslots, &vm->srcu),
				  gpa >> PAGE_SHIFT);
	if (!slot || (write && (slot->flags & KVM_MEM_READONLY)))
		return 0;
	return okvm_memslot_gfn_to_hva(slot, gpa >> PAGE_SHIFT) + (gpa & ~PAGE_MASK);
}

static int gmem_read(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	unsigned long hva = gpa_to_hva(ctx, gpa, false, len);

	if (!hva || copy_from_user(buf, (void __user *)hva, len))
		return -EFAULT;
	return 0;
}

static int gmem_cmpxchg(void *ctx, u64 gpa, u64 old, u64 new, unsigned int size)
{
	struct okvm_vcpu *vcpu = ctx;
	unsigned long hva = gpa_to_hva(vcpu, gpa, false, size);
	int r = 0;

	if (!hva)
		return -EFAULT;
	if (!gpa_to_hva(vcpu, gpa, true, size))
		return -EPERM;	/* ROM: the walker leaves A/D bits alone */
	if (!user_access_begin((void __user *)hva, size))
		return -EFAULT;
	if (size == 8) {
		u64 cur = old;

		unsafe_try_cmpxchg_user((u64 __user *)hva, &cur, new, efault);
		r = cur == old ? 0 : -EAGAIN;
	} else {
		u32 cur = old;

		unsafe_try_cmpxchg_user((u32 __user *)hva, &cur, (u32)new, efault);
		r = cur == (u32)old ? 0 : -EAGAIN;
	}
	user_access_end();
	if (!r)
		okvm_mark_page_dirty(vcpu->vm, gpa >> PAGE_SHIFT);
	return r;
efault:
	user_access_end();
	return -EFAULT;
}

static const struct okvm_gwalk_mem_ops okvm_gmem_ops = {
	.read = gmem_read,
	.cmpxchg_gpa = gmem_cmpxchg,
};

/*
 * The walk mode of the vCPU's paging state. KVM_SET_CPUID2 takes any
 * MAXPHYADDR (KVM checks only the linear width), so clamp it to what an
 * x86 CPU can have (32..52). LMA without PAE cannot be reached:
 * KVM_SET_SREGS refuses it, KVM_SET_MSRS leaves LMA alone and a guest's
 * CR4 write cannot clear PAE in long mode. A failure would leave @mode
 * unspecified: callers must not walk with it.
 * Return: 0, or -EINVAL.
 */
static int __must_check vcpu_gwalk_mode(struct okvm_vcpu *vcpu,
					struct okvm_gwalk_mode *mode)
{
	const struct vmcb_save_area *s = &vcpu->arch.vmcb->save;
	struct okvm_gwalk_regs regs = {
		.cr0 = s->cr0, .cr3 = s->cr3, .cr4 = s->cr4,
		.efer = s->efer, .rflags = s->rflags,
	};
	u32 a, b, c, d;

	/* What the guest's CPUID table promises: MAXPHYADDR, 1G pages. */
	okvm_cpuid_lookup(vcpu, 0x80000008, 0, &a, &b, &c, &d);
	regs.maxphyaddr = clamp_t(u8, (a & 0xff) ?: boot_cpu_data.x86_phys_bits,
				  32, 52);
	okvm_cpuid_lookup(vcpu, 0x80000001, 0, &a, &b, &c, &d);
	regs.gbpages = d & BIT(26);
	return WARN_ON_ONCE(okvm_gwalk_mode_from_regs(mode, &regs)) ? -EINVAL : 0;
}

static u32 vcpu_user_access(struct okvm_vcpu *vcpu)
{
	return vcpu->arch.vmcb->save.cpl == 3 ? OKVM_GWALK_USER : 0;
}

/* Write @len bytes at linear @la, page by page. The caller holds srcu. */
static int write_virt(struct okvm_vcpu *vcpu, const struct okvm_gwalk_mode *mode,
		      u64 la, const void *buf, unsigned int len,
		      struct okvm_gwalk_result *res)
{
	u32 access = OKVM_GWALK_WRITE | OKVM_GWALK_SET_AD | vcpu_user_access(vcpu);

	while (len) {
		unsigned int n = min_t(unsigned int, len, PAGE_SIZE - (la & ~PAGE_MASK));
		unsigned long hva;
		int r;

		r = okvm_gwalk(mode, &okvm_gmem_ops, vcpu, la, access, res);
		if (r)
			return r;
		hva = gpa_to_hva(vcpu, res->gpa, true, n);
		if (!hva || copy_to_user((void __user *)hva, buf, n))
			return -EFAULT;
		okvm_mark_page_dirty(vcpu->vm, res->gpa >> PAGE_SHIFT);
		la += n;
		buf += n;
		len -= n;
	}
	return 0;
}

/* Deliver the #PF a walk found (okvm_gwalk returned 1). */
static void inject_page_fault(struct okvm_vcpu *vcpu,
			      const struct okvm_gwalk_result *res)
{
	vcpu->arch.vmcb->save.cr2 = res->addr;
	okvm_svm_inject_exception(vcpu, PF_VECTOR, true, res->error_code);
}

/*
 * An instruction okvm cannot emulate: KVM_EXIT_INTERNAL_ERROR laid out as
 * KVM's emulation failures are (kvm_run.emulation_failure): flags, the
 * instruction bytes fetched if any, then the exit code, EXITINFO1/2,
 * EXITINTINFO and its error code. The instruction is not retired.
 *
 * Unlike KVM, okvm never queues a #UD for it, with or without
 * KVM_CAP_EXIT_ON_EMULATION_FAILURE: okvm's emulator is much smaller than
 * KVM's, so what it cannot emulate is usually a valid instruction that
 * the guest must not see fault. It always exits, which is what the
 * capability asks for.
 */
static int emulation_error(struct okvm_vcpu *vcpu)
{
	const struct vmcb_control_area *c = &vcpu->arch.vmcb->control;
	struct kvm_run *run = vcpu->run;
	u64 info[5] = {
		c->exit_code, c->exit_info_1, c->exit_info_2,
		(u32)c->exit_int_info,
		(c->exit_int_info & SVM_EXITINTINFO_VALID) &&
		(c->exit_int_info & SVM_EXITINTINFO_VALID_ERR) ?
			(u32)c->exit_int_info_err : 0,
	};
	unsigned int start = 1;

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

static enum okvm_cpu_mode vcpu_cpu_mode(struct okvm_vcpu *vcpu)
{
	const struct vmcb_save_area *s = &vcpu->arch.vmcb->save;

	return okvm_cpu_mode(s->cr0 & X86_CR0_PE, s->rflags & X86_EFLAGS_VM,
			     s->efer & EFER_LMA, s->cs.attrib & (1 << 9),
			     s->cs.attrib & (1 << 10));
}

/*
 * Fetch and decode the instruction at CS:RIP.
 * Return: 0, 1 if a #PF was injected for the fetch, or -errno.
 */
static int fetch_decode(struct okvm_vcpu *vcpu, struct okvm_insn *insn)
{
	const struct vmcb_save_area *s = &vcpu->arch.vmcb->save;
	enum okvm_cpu_mode cm = vcpu_cpu_mode(vcpu);
	u32 access = OKVM_GWALK_FETCH | vcpu_user_access(vcpu);
	struct okvm_gwalk_result res;
	struct okvm_gwalk_mode mode;
	u8 bytes[OKVM_MAX_INSN_LEN];
	unsigned int n;
	int idx, r;
	u64 la;

	la = (cm == OKVM_MODE_64 ? 0 : s->cs.base) + s->rip;
	if (cm != OKVM_MODE_64)
		la = (u32)la;
	/* Fetch to the end of the page first: the next may not be mapped. */
	n = min_t(unsigned int, sizeof(bytes), PAGE_SIZE - (la & ~PAGE_MASK));

	vcpu->arch.insn_len = 0;
	idx = srcu_read_lock(&vcpu->vm->srcu);
	r = vcpu_gwalk_mode(vcpu, &mode);
	if (!r)
		r = okvm_gwalk_read_virt(&mode, &okvm_gmem_ops, vcpu, la, bytes,
					 n, access, &res);
	if (!r) {
		vcpu->arch.insn_len = n;
		r = okvm_decode(bytes, n, cm, insn);
		if (r == -ENODATA && n < sizeof(bytes)) {
			n = sizeof(bytes);
			r = okvm_gwalk_read_virt(&mode, &okvm_gmem_ops, vcpu, la,
						 bytes, n, access, &res);
			if (!r) {
				vcpu->arch.insn_len = n;
				r = okvm_decode(bytes, n, cm, insn);
			}
		}
	}
	/* What was fetched, for an emulation-failure exit (as KVM's). */
	memcpy(vcpu->arch.insn_bytes, bytes, vcpu->arch.insn_len);
	if (r == 1)
		inject_page_fault(vcpu, &res);
	srcu_read_unlock(&vcpu->vm->srcu, idx);
	return r;
}

/* For exits that name no operand without decode assists (CR writes). */
int okvm_fetch_insn(struct okvm_vcpu *vcpu, struct okvm_insn *insn)
{
	return fetch_decode(vcpu, insn);
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
 * Return: 1 to re-enter the guest, or 0 with KVM_EXIT_INTERNAL_ERROR if
 * the bytes do not decode.
 */
int okvm_skip_decoded_insn(struct okvm_vcpu *vcpu)
{
	struct okvm_insn insn;
	int r = fetch_decode(vcpu, &insn);

	if (r == 1)
		return 1;
	if (r)
		return emulation_error(vcpu);
	okvm_svm_skip_insn(vcpu, insn.len);
	return 1;
}

static u64 seg_base(struct okvm_vcpu *vcpu, unsigned int seg, bool long64);

/* --- MMIO --------------------------------------------------------------- */

/**
 * okvm_emulate_mmio() - turn an MMIO fault into KVM_EXIT_MMIO
 * @vcpu: the vCPU, after an NPF that okvm_mmu_page_fault() called MMIO
 * @gpa: the faulting guest-physical address
 *
 * Fetches the instruction at CS:RIP through the guest's page tables and
 * decodes it; only the MOV forms compilers emit for device access are
 * emulated.
 *
 * Return: 0 with the exit in kvm_run (KVM_EXIT_MMIO, or
 * KVM_EXIT_INTERNAL_ERROR for anything okvm does not emulate), or 1 to
 * re-enter the guest (a #PF was injected for the fetch).
 */
int okvm_emulate_mmio(struct okvm_vcpu *vcpu, u64 gpa)
{
	const struct vmcb_save_area *s = &vcpu->arch.vmcb->save;
	struct okvm_insn *insn = &vcpu->arch.mmio_insn;
	bool long64 = vcpu_cpu_mode(vcpu) == OKVM_MODE_64;
	const u64 *gprs = (const u64 *)vcpu->arch.regs;
	unsigned int size, off = 0, len, ram_off, ram_len = 0;
	struct kvm_run *run = vcpu->run;
	struct okvm_gwalk_result res;
	struct okvm_gwalk_mode mode;
	u64 val = 0, la;
	int idx, r;

	r = fetch_decode(vcpu, insn);
	if (r == 1)
		return 1;
	if (r || insn->op != OKVM_OP_MOV_MEM)
		return emulation_error(vcpu);
	size = len = insn->mmio.size;
	if (insn->mmio.dir == OKVM_MMIO_WRITE)
		okvm_insn_write_value(insn, gprs, &val);

	/*
	 * An access that straddles two pages may have RAM on one side: do
	 * that part here and exit only for the MMIO part, as KVM does.
	 */
	la = seg_base(vcpu, insn->mem.seg, long64) +
	     okvm_insn_mem_offset(insn, gprs, s->rip);
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
		idx = srcu_read_lock(&vcpu->vm->srcu);
		r = vcpu_gwalk_mode(vcpu, &mode);
		if (!r && insn->mmio.dir == OKVM_MMIO_WRITE)
			r = write_virt(vcpu, &mode, la + ram_off,
				       (u8 *)&val + ram_off, ram_len, &res);
		else if (!r)
			r = okvm_gwalk_read_virt(&mode, &okvm_gmem_ops, vcpu,
						 la + ram_off,
						 vcpu->arch.mmio_ram + ram_off,
						 ram_len, vcpu_user_access(vcpu),
						 &res);
		srcu_read_unlock(&vcpu->vm->srcu, idx);
		if (r == 1) {
			inject_page_fault(vcpu, &res);
			return 1;
		}
		if (r)	/* both sides MMIO: not emulated */
			return emulation_error(vcpu);
	}

	/* The in-kernel APIC and I/O APIC take whole accesses only. */
	if (len == size &&
	    okvm_irqchip_mmio(vcpu, gpa, insn->mmio.dir == OKVM_MMIO_WRITE,
			      size, &val)) {
		if (insn->mmio.dir == OKVM_MMIO_READ)
			okvm_insn_complete_read(insn, (u64 *)vcpu->arch.regs, val);
		vcpu->arch.vmcb->save.rip = s->rip + insn->len;
		okvm_svm_skip_insn(vcpu, 0);
		return 1;
	}

	/*
	 * A whole write that an ioeventfd takes signals it; one inside a
	 * coalesced zone goes to the ring instead.
	 */
	if (len == size && insn->mmio.dir == OKVM_MMIO_WRITE &&
	    (okvm_ioeventfd_write(vcpu->vm, false, gpa, size, &val) ||
	     okvm_coalesced_write(vcpu->vm, false, gpa, size, &val, 1))) {
		vcpu->arch.vmcb->save.rip = s->rip + insn->len;
		okvm_svm_skip_insn(vcpu, 0);
		return 1;
	}

	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = len;
	run->mmio.is_write = insn->mmio.dir == OKVM_MMIO_WRITE;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (run->mmio.is_write)
		memcpy(run->mmio.data, (u8 *)&val + off, len);
	vcpu->arch.mmio_off = off;
	vcpu->arch.mmio_len = len;
	vcpu->arch.mmio_next_rip = s->rip + insn->len;
	vcpu->arch.mmio_pending = true;
	vcpu->stat.mmio_exits++;
	return 0;
}

/* KVM_RUN after KVM_EXIT_MMIO: a read's data lands in its register. */
void okvm_complete_mmio(struct okvm_vcpu *vcpu)
{
	struct okvm_insn *insn = &vcpu->arch.mmio_insn;
	u64 data = 0;

	if (insn->mmio.dir == OKVM_MMIO_READ) {
		/* The RAM part of a split access first, then the MMIO part. */
		memcpy(&data, vcpu->arch.mmio_ram, insn->mmio.size);
		memcpy((u8 *)&data + vcpu->arch.mmio_off, vcpu->run->mmio.data,
		       vcpu->arch.mmio_len);
		okvm_insn_complete_read(insn, (u64 *)vcpu->arch.regs, data);
	}
	vcpu->arch.vmcb->save.rip = vcpu->arch.mmio_next_rip;
	okvm_svm_skip_insn(vcpu, 0);
	vcpu->arch.mmio_pending = false;
}

/* --- string port I/O ---------------------------------------------------- */


static u64 seg_base(struct okvm_vcpu *vcpu, unsigned int seg, bool long64)
{
	const struct vmcb_save_area *s = &vcpu->arch.vmcb->save;
	const struct vmcb_seg *segs[] = { &s->es, &s->cs, &s->ss, &s->ds,
					  &s->fs, &s->gs };

	/* In 64-bit mode only FS and GS have a base. */
	if (seg > 5 || (long64 && seg < 4))
		return 0;
	return segs[seg]->base;
}

static u64 amask(unsigned int asize)
{
	return asize == 8 ? ~0ULL : (1ULL << (asize * 8)) - 1;
}

/**
 * okvm_string_io() - INS/OUTS, REP or not, as KVM_EXIT_IO with count > 1
 * @vcpu: the vCPU after an IOIO exit with the STR bit
 *
 * Each exit moves at most a page of data and never crosses a guest page;
 * RSI/RDI and RCX advance on completion, and a REP instruction that is
 * not finished runs again from the same RIP.
 *
 * Return: 0 with KVM_EXIT_IO (or an internal error) in kvm_run, 1 to
 * re-enter the guest (a #PF was injected, or a REP count of zero).
 */
int okvm_string_io(struct okvm_vcpu *vcpu)
{
	struct vmcb *vmcb = vcpu->arch.vmcb;
	u32 info = vmcb->control.exit_info_1;
	bool in = info & OKVM_IOIO_IN, rep = info & OKVM_IOIO_REP;
	bool long64 = vcpu_cpu_mode(vcpu) == OKVM_MODE_64;
	u8 size = (info >> OKVM_IOIO_SIZE_SHIFT) & 7, asize;
	unsigned long *regs = vcpu->arch.regs;
	void *data = page_address(vcpu->arch.pio_page);
	struct kvm_run *run = vcpu->run;
	struct okvm_gwalk_result res;
	struct okvm_gwalk_mode mode;
	struct okvm_insn insn;
	u64 count, la, off;
	int idx, r = 0;

	/*
	 * EXITINFO1 names the address size and segment, but not every SVM
	 * implementation fills them in (QEMU's does not): decode instead.
	 */
	r = fetch_decode(vcpu, &insn);
	if (r == 1)
		return 1;
	if (r || (insn.op != OKVM_OP_INS && insn.op != OKVM_OP_OUTS))
		return emulation_error(vcpu);
	asize = insn.ad_bytes;
	count = rep ? regs[OKVM_RCX] & amask(asize) : 1;
	if (!count) {
		vmcb->save.rip = vmcb->control.exit_info_2;
		okvm_svm_skip_insn(vcpu, 0);
		return 1;
	}
	if (in) {	/* INS: ES:rDI, no override */
		off = regs[OKVM_RDI] & amask(asize);
		la = seg_base(vcpu, 0, long64) + off;
	} else {	/* OUTS: DS:rSI or the override */
		off = regs[OKVM_RSI] & amask(asize);
		la = seg_base(vcpu, insn.seg == OKVM_SEG_NONE ? OKVM_SEG_DS :
					insn.seg, long64) + off;
	}
	if (!long64)
		la = (u32)la;

	/*
	 * Ascending: as many elements as fit before the page ends (one at
	 * least, which may straddle it). Descending (DF): one at a time.
	 */
	if (vmcb->save.rflags & X86_EFLAGS_DF)
		count = 1;
	else
		count = min3(count, (u64)(PAGE_SIZE / size),
			     max_t(u64, 1, (PAGE_SIZE - (la & ~PAGE_MASK)) / size));

	if (!in) {
		idx = srcu_read_lock(&vcpu->vm->srcu);
		r = vcpu_gwalk_mode(vcpu, &mode);
		if (!r)
			r = okvm_gwalk_read_virt(&mode, &okvm_gmem_ops, vcpu, la,
						 data, count * size,
						 vcpu_user_access(vcpu), &res);
		srcu_read_unlock(&vcpu->vm->srcu, idx);
		if (r == 1) {
			inject_page_fault(vcpu, &res);
			return 1;
		}
		if (r)
			return emulation_error(vcpu);
		/* All of it into the coalesced ring, or an exit as usual. */
		if (okvm_coalesced_write(vcpu->vm, true, info >> 16, size, data,
					 count)) {
			vcpu->arch.pio = (struct okvm_pending_io) {
				.string = true, .rep = rep, .size = size,
				.addr_size = asize, .count = count, .la = la,
				.next_rip = vmcb->control.exit_info_2,
			};
			r = okvm_complete_string_io(vcpu);
			return r < 0 ? r : 1;
		}
	}

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = info >> 16;
	run->io.count = count;
	run->io.data_offset = KVM_PIO_PAGE_OFFSET * PAGE_SIZE;
	vcpu->arch.pio = (struct okvm_pending_io) {
		.in = in, .string = true, .rep = rep, .size = size,
		.addr_size = asize, .count = count, .la = la,
		.next_rip = vmcb->control.exit_info_2,
	};
	vcpu->arch.pio_pending = true;
	vcpu->stat.io_exits++;
	return 0;
}

/**
 * okvm_complete_string_io() - finish INS/OUTS after userspace served it
 * @vcpu: the vCPU
 *
 * Return: 0, or 1 if a #PF was injected instead (an INS destination that
 * stopped being writable meanwhile).
 */
int okvm_complete_string_io(struct okvm_vcpu *vcpu)
{
	struct okvm_pending_io *p = &vcpu->arch.pio;
	struct vmcb_save_area *s = &vcpu->arch.vmcb->save;
	unsigned long *regs = vcpu->arch.regs;
	u64 m = amask(p->addr_size), n = p->count, step;
	int reg = p->in ? OKVM_RDI : OKVM_RSI;
	struct okvm_gwalk_result res;
	struct okvm_gwalk_mode mode;
	int idx, r = 0;

	vcpu->arch.pio_pending = false;
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
		idx = srcu_read_lock(&vcpu->vm->srcu);
		r = vcpu_gwalk_mode(vcpu, &mode);
		if (!r)
			r = write_virt(vcpu, &mode, p->la,
				       page_address(vcpu->arch.pio_page), step,
				       &res);
		srcu_read_unlock(&vcpu->vm->srcu, idx);
		if (r == 1) {
			inject_page_fault(vcpu, &res);
			return 1;
		}
		if (r)
			return r;
	}
	if (s->rflags & X86_EFLAGS_DF)
		step = -step;
	/* Only the address-size part of a register counts and changes. */
	regs[reg] = (regs[reg] & ~m) | ((regs[reg] + step) & m);
	if (p->rep) {
		regs[OKVM_RCX] = (regs[OKVM_RCX] & ~m) |
				 ((regs[OKVM_RCX] - n) & m);
		if (regs[OKVM_RCX] & m)
			return 0;	/* same RIP: the REP goes on */
	}
	s->rip = p->next_rip;
	okvm_svm_skip_insn(vcpu, 0);
	return 0;
}

/* --- KVM_TRANSLATE ---------------------------------------------------------- */

/**
 * okvm_translate() - KVM_TRANSLATE from the vCPU's current paging mode
 * @vcpu: the vCPU, its mutex held
 * @tr: linear_address in, the rest out
 *
 * As KVM: a supervisor read walk; writeable is always 1 and usermode 0.
 */
void okvm_translate(struct okvm_vcpu *vcpu, struct kvm_translation *tr)
{
	struct okvm_gwalk_mode mode;
	u64 gpa;
	int idx;

	idx = srcu_read_lock(&vcpu->vm->srcu);
	tr->valid = !vcpu_gwalk_mode(vcpu, &mode) &&
		    okvm_gwalk_translate(&mode, &okvm_gmem_ops, vcpu,
					 tr->linear_address, &gpa);
	srcu_read_unlock(&vcpu->vm->srcu, idx);
	tr->physical_address = tr->valid ? gpa : OKVM_GWALK_INVALID_GPA;
	tr->writeable = 1;
	tr->usermode = 0;
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
 * Return: 0 if rewritten, 1 if a #PF was injected, -ENOENT if the bytes
 * are not @old, or another -errno.
 */
int okvm_rewrite_at_rip(struct okvm_vcpu *vcpu, const u8 *old, const u8 *new,
			unsigned int len)
{
	const struct vmcb_save_area *s = &vcpu->arch.vmcb->save;
	enum okvm_cpu_mode cm = vcpu_cpu_mode(vcpu);
	struct okvm_gwalk_result res;
	struct okvm_gwalk_mode mode;
	u8 bytes[OKVM_MAX_INSN_LEN];
	int idx, r;
	u64 la;

	if (WARN_ON_ONCE(len > sizeof(bytes)))
		return -EINVAL;
	la = (cm == OKVM_MODE_64 ? 0 : s->cs.base) + s->rip;
	if (cm != OKVM_MODE_64)
		la = (u32)la;

	idx = srcu_read_lock(&vcpu->vm->srcu);
	r = vcpu_gwalk_mode(vcpu, &mode);
	if (!r)
		r = okvm_gwalk_read_virt(&mode, &okvm_gmem_ops, vcpu, la, bytes,
					 len, OKVM_GWALK_FETCH |
					 vcpu_user_access(vcpu), &res);
	if (!r && memcmp(bytes, old, len))
		r = -ENOENT;
	if (!r)
		r = write_virt(vcpu, &mode, la, new, len, &res);
	if (r == 1)
		inject_page_fault(vcpu, &res);
	srcu_read_unlock(&vcpu->vm->srcu, idx);
	return r;
}
