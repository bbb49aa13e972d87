// SPDX-License-Identifier: GPL-2.0-only
/*
 * XSAVE for guests: XCR0 (XSETBV), the CPUID bits that follow it, and
 * the state ioctls KVM_GET/SET_XSAVE(2) and KVM_GET/SET_XCRS.
 *
 * The guest's FPU state (vcpu->arch.fpu) is the kernel's guest fpstate
 * (regs.c), saved and restored with the host's XCR0 loaded; only the
 * guest's XCR0 is switched around VMRUN, and the image is converted to
 * and from KVM's uabi layout by the kernel's own copies, the ones KVM
 * uses. Only user components are offered: no PKRU (PKU is not offered),
 * no AMX (it needs the arch_prctl permission dance) and no supervisor
 * components (no XSAVES/IA32_XSS).
 */
#include <linux/kvm.h>
#include <linux/lockdep.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>
#include <asm/fpu/xcr.h>
#include <asm/processor-flags.h>

#include "x86.h"
#include "xsave.h"

/* XCR0 bits okvm can give a guest, where the host has them. */
#define OKVM_XCR0_OFFERED (XFEATURE_MASK_FP | XFEATURE_MASK_SSE |	\
			   XFEATURE_MASK_YMM | XFEATURE_MASK_BNDREGS |	\
			   XFEATURE_MASK_BNDCSR | XFEATURE_MASK_AVX512)

/* CPUID.1:ECX */
#define F1_ECX_FMA	BIT(12)
#define F1_ECX_XSAVE	BIT(26)
#define F1_ECX_AVX	BIT(28)
#define F1_ECX_F16C	BIT(29)
/* CPUID.(EAX=0DH,ECX=1):EAX */
#define FD1_XSAVEOPT	BIT(0)
#define FD1_XSAVEC	BIT(1)
#define FD1_XGETBV1	BIT(2)
#define FD1_XSAVES	BIT(3)

/* Where an XSAVE image's extended region starts (SDM vol. 1, 13.4). */
#define XSAVE_EXT	576

u64 okvm_supported_xcr0;	/* 0: no XSAVE for guests */
u64 okvm_host_xcr0;
u32 okvm_mxcsr_mask;		/* the CPU's MXCSR_MASK */
static unsigned int okvm_uabi_size;
/* Standard-format offset, size and 64-byte alignment (compacted) by bit. */
static u32 xs_off[64], xs_size[64];
static u64 xs_align;

/* Size of an XSAVE image holding the components in @xcr0. */
static unsigned int xstate_size(u64 xcr0, bool compacted)
{
	unsigned int off = XSAVE_EXT, end = XSAVE_EXT;
	int i;

	for (i = 2; i < 64; i++) {
		if (!(xcr0 & BIT_ULL(i)))
			continue;
		if (!compacted)
			off = xs_off[i];
		else if (xs_align & BIT_ULL(i))
			off = ALIGN(off, 64);
		end = max(end, off + xs_size[i]);
		off += xs_size[i];
	}
	return end;
}

/**
 * okvm_xsave_setup() - learn the host's XSAVE layout (module load)
 */
void okvm_xsave_setup(void)
{
	struct fxregs_state *fx;
	u32 a, b, c, d;
	int i;

	fx = kzalloc(sizeof(*fx), GFP_KERNEL);
	if (fx) {
		kernel_fpu_begin();
		asm volatile("fxsave64 (%0)" : : "r" (fx) : "memory");
		kernel_fpu_end();
		okvm_mxcsr_mask = fx->mxcsr_mask;
		kfree(fx);
	}
	/* A zero mask means the default one (SDM vol. 1, 11.6.6). */
	if (!okvm_mxcsr_mask)
		okvm_mxcsr_mask = 0xffbf;

	if (!boot_cpu_has(X86_FEATURE_XSAVE) || !boot_cpu_has(X86_FEATURE_OSXSAVE))
		return;
	okvm_host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	okvm_supported_xcr0 = okvm_host_xcr0 & OKVM_XCR0_OFFERED;
	/* Bundles the guest could only enable together or not at all. */
	if ((okvm_supported_xcr0 & XFEATURE_MASK_AVX512) != XFEATURE_MASK_AVX512 ||
	    !(okvm_supported_xcr0 & XFEATURE_MASK_YMM))
		okvm_supported_xcr0 &= ~XFEATURE_MASK_AVX512;
	if ((okvm_supported_xcr0 & (XFEATURE_MASK_BNDREGS | XFEATURE_MASK_BNDCSR)) !=
	    (XFEATURE_MASK_BNDREGS | XFEATURE_MASK_BNDCSR))
		okvm_supported_xcr0 &= ~(XFEATURE_MASK_BNDREGS | XFEATURE_MASK_BNDCSR);
	if (!(okvm_supported_xcr0 & XFEATURE_MASK_SSE))
		okvm_supported_xcr0 &= ~(XFEATURE_MASK_YMM | XFEATURE_MASK_AVX512);

	for (i = 2; i < 64; i++) {
		if (!(okvm_host_xcr0 & BIT_ULL(i)))
			continue;
		cpuid_count(0xd, i, &a, &b, &c, &d);
		xs_size[i] = a;
		xs_off[i] = b;
		if (c & 2)
			xs_align |= BIT_ULL(i);
	}
	okvm_uabi_size = xstate_size(okvm_supported_xcr0, false);
}

/* --- CPUID --------------------------------------------------------------- */

/**
 * okvm_xsave_cpuid1_ecx() - CPUID.1:ECX bits that need guest XCR0
 * @host_ecx: the host's CPUID.1:ECX
 *
 * Return: XSAVE, and AVX/FMA/F16C when YMM state is offered.
 */
u32 okvm_xsave_cpuid1_ecx(u32 host_ecx)
{
	u32 bits = 0;

	if (!okvm_supported_xcr0)
		return 0;
	bits |= F1_ECX_XSAVE;
	if (okvm_supported_xcr0 & XFEATURE_MASK_YMM)
		bits |= F1_ECX_AVX | F1_ECX_FMA | F1_ECX_F16C;
	return host_ecx & bits;
}

/**
 * okvm_xsave_cpuid() - the leaf 0xD entries of KVM_GET_SUPPORTED_CPUID
 * @e: where to put them
 * @max: room in @e
 *
 * Return: the number of entries, or -E2BIG.
 */
int okvm_xsave_cpuid(struct kvm_cpuid_entry2 *e, int max)
{
	u32 a, b, c, d;
	int n = 0, i;

	if (!okvm_supported_xcr0)
		return 0;
	if (max < 2 + hweight64(okvm_supported_xcr0 >> 2))
		return -E2BIG;
	e[n++] = (struct kvm_cpuid_entry2){
		.function = 0xd, .index = 0,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		.eax = (u32)okvm_supported_xcr0,
		.ebx = okvm_uabi_size, .ecx = okvm_uabi_size,
		.edx = okvm_supported_xcr0 >> 32,
	};
	cpuid_count(0xd, 1, &a, &b, &c, &d);
	/* XSAVEOPT, XSAVEC and XGETBV1 run natively on the guest's XCR0. */
	a &= FD1_XSAVEOPT | FD1_XSAVEC | FD1_XGETBV1;
	e[n++] = (struct kvm_cpuid_entry2){
		.function = 0xd, .index = 1,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = a,
		.ebx = (a & FD1_XSAVEC) ?
		       xstate_size(okvm_supported_xcr0, true) : 0,
	};
	for (i = 2; i < 64; i++) {
		if (!(okvm_supported_xcr0 & BIT_ULL(i)))
			continue;
		e[n++] = (struct kvm_cpuid_entry2){
			.function = 0xd, .index = i,
			.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
			.eax = xs_size[i], .ebx = xs_off[i],
			.ecx = (xs_align & BIT_ULL(i)) ? 2 : 0,
		};
	}
	return n;
}

/**
 * okvm_xsave_update_cpuid() - CPUID.0xD sizes for the vCPU's XCR0
 * @vcpu: the vCPU (okvm_cpuid_runtime_update())
 */
void okvm_xsave_update_cpuid(struct okvm_vcpu *vcpu)
{
	struct kvm_cpuid_entry2 *e;

	e = okvm_cpuid_entry(vcpu, 0xd, 0);
	if (e)
		e->ebx = xstate_size(vcpu->arch.xcr0 & okvm_supported_xcr0, false);
	e = okvm_cpuid_entry(vcpu, 0xd, 1);
	if (e && (e->eax & (FD1_XSAVEC | FD1_XSAVES)))
		e->ebx = xstate_size(vcpu->arch.xcr0 & okvm_supported_xcr0, true);
}

static bool guest_has_xsave(struct okvm_vcpu *vcpu)
{
	struct kvm_cpuid_entry2 *e = okvm_cpuid_entry(vcpu, 1, 0);

	return okvm_supported_xcr0 && e && (e->ecx & F1_ECX_XSAVE);
}

/* What the vCPU's CPUID.0xD lets it enable, within what okvm supports. */
static u64 guest_supported_xcr0(struct okvm_vcpu *vcpu)
{
	struct kvm_cpuid_entry2 *e = okvm_cpuid_entry(vcpu, 0xd, 0);

	if (!e)
		return 0;
	return (e->eax | (u64)e->edx << 32) & okvm_supported_xcr0;
}

/**
 * okvm_xsave_cr4_bits() - CR4 bits that depend on the vCPU's CPUID here
 * @vcpu: the vCPU
 *
 * Until KVM_SET_CPUID2 defines the vCPU model, KVM checks CR4 against what
 * it supports only (upstream set_sregs_test relies on that).
 *
 * Return: X86_CR4_OSXSAVE if the vCPU's CPUID has XSAVE, else 0.
 */
u64 okvm_xsave_cr4_bits(struct okvm_vcpu *vcpu)
{
	if (!vcpu->arch.cpuid_set)
		return okvm_supported_xcr0 ? X86_CR4_OSXSAVE : 0;
	return guest_has_xsave(vcpu) ? X86_CR4_OSXSAVE : 0;
}

/* --- XCR0 ---------------------------------------------------------------- */

/* KVM's checks on a new XCR0 (SDM vol. 1, 13.3). Return: 0, or 1 for #GP. */
static int set_xcr(struct okvm_vcpu *vcpu, u32 index, u64 xcr0)
{
	u64 old = vcpu->arch.xcr0;

	if (index != XCR_XFEATURE_ENABLED_MASK)
		return 1;
	if (!(xcr0 & XFEATURE_MASK_FP))
		return 1;
	if ((xcr0 & XFEATURE_MASK_YMM) && !(xcr0 & XFEATURE_MASK_SSE))
		return 1;
	/* x87 is always allowed, even without XSAVE in CPUID (reset value). */
	if (xcr0 & ~(guest_supported_xcr0(vcpu) | XFEATURE_MASK_FP))
		return 1;
	if (!(xcr0 & XFEATURE_MASK_BNDREGS) != !(xcr0 & XFEATURE_MASK_BNDCSR))
		return 1;
	if ((xcr0 & XFEATURE_MASK_AVX512) &&
	    (!(xcr0 & XFEATURE_MASK_YMM) ||
	     (xcr0 & XFEATURE_MASK_AVX512) != XFEATURE_MASK_AVX512))
		return 1;
	vcpu->arch.xcr0 = xcr0;
	if (xcr0 != old)
		okvm_cpuid_runtime_update(vcpu);
	return 0;
}

/**
 * okvm_emulate_xsetbv() - XSETBV (intercepted)
 * @vcpu: the vCPU
 *
 * Return: 1 (re-enter the guest).
 */
int okvm_emulate_xsetbv(struct okvm_vcpu *vcpu)
{
	unsigned long *r = vcpu->arch.regs;
	u64 v = (u64)(u32)r[OKVM_RDX] << 32 | (u32)r[OKVM_RAX];

	/*
	 * The #UD for CR4.OSXSAVE=0 has priority over the intercept; it is
	 * checked again here as CR4 may come from KVM_SET_SREGS.
	 */
	if (!(okvm_cr_read(vcpu, OKVM_CR4) & X86_CR4_OSXSAVE) ||
	    !guest_has_xsave(vcpu)) {
		okvm_inject_ud(vcpu);
		return 1;
	}
	if (okvm_cpl(vcpu) || set_xcr(vcpu, r[OKVM_RCX], v)) {
		okvm_inject_gp(vcpu);
		return 1;
	}
	return okvm_skip_exit_insn(vcpu);
}

/* --- KVM_GET/SET_XSAVE(2) -------------------------------------------------- */

/* KVM_CAP_XSAVE2: what KVM_GET_XSAVE2 writes, never less than kvm_xsave. */
static unsigned int xsave2_size(void)
{
	return max_t(unsigned int, okvm_uabi_size, sizeof(struct kvm_xsave));
}

/*
 * The guest's state in KVM's uabi layout; @buf is @size zeroed bytes. The
 * kernel's copy writes a component in its init state as its init values.
 */
static void get_xsave(struct okvm_vcpu *vcpu, u8 *buf, unsigned int size)
{
	fpu_copy_guest_fpstate_to_uabi(vcpu->arch.fpu, buf, size,
				       okvm_supported_xcr0, vcpu->arch.pkru);
}

/*
 * Load a uabi image. The kernel's copy checks it as KVM's ioctl does
 * (-EINVAL for a component okvm does not offer, a compacted or reserved
 * header, reserved MXCSR bits) and returns what the header omits to
 * its init state.
 */
static int set_xsave(struct okvm_vcpu *vcpu, const u8 *buf)
{
	return fpu_copy_uabi_to_guest_fpstate(vcpu->arch.fpu, buf,
					      okvm_supported_xcr0,
					      &vcpu->arch.pkru);
}

/* --- ioctls -------------------------------------------------------------- */

/**
 * okvm_xsave_check_extension() - the capabilities of this file
 * @ext: KVM_CAP_XSAVE, KVM_CAP_XSAVE2, KVM_CAP_XCRS or KVM_CAP_DEBUGREGS
 *
 * Return: the capability's value.
 */
long okvm_xsave_check_extension(long ext)
{
	switch (ext) {
	case KVM_CAP_XSAVE:
	case KVM_CAP_XCRS:
		return !!okvm_supported_xcr0;
	case KVM_CAP_XSAVE2:
		return okvm_supported_xcr0 ? xsave2_size() : 0;
	case KVM_CAP_DEBUGREGS:
		return 1;
	default:
		return 0;
	}
}

static long xsave_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
			void __user *argp)
{
	unsigned int size;
	long r = 0;
	u8 *buf;

	if (!okvm_supported_xcr0)
		return -EINVAL;
	if (ioctl == KVM_SET_XSAVE) {
		/* KVM reads the uabi size, never less than struct kvm_xsave. */
		buf = memdup_user(argp, xsave2_size());
		if (IS_ERR(buf))
			return PTR_ERR(buf);
		r = set_xsave(vcpu, buf);
		kfree(buf);
		return r;
	}
	size = ioctl == KVM_GET_XSAVE2 ? xsave2_size() : sizeof(struct kvm_xsave);
	if (okvm_uabi_size > size)
		return -EINVAL;
	buf = kzalloc(size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	get_xsave(vcpu, buf, size);
	if (copy_to_user(argp, buf, size))
		r = -EFAULT;
	kfree(buf);
	return r;
}

static long xcrs_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
		       void __user *argp)
{
	struct kvm_xcrs *x;
	long r = 0;
	u32 i;

	x = kzalloc(sizeof(*x), GFP_KERNEL);
	if (!x)
		return -ENOMEM;
	if (ioctl == KVM_GET_XCRS) {
		if (okvm_supported_xcr0) {
			x->nr_xcrs = 1;
			x->xcrs[0].xcr = XCR_XFEATURE_ENABLED_MASK;
			x->xcrs[0].value = vcpu->arch.xcr0;
		}
		if (copy_to_user(argp, x, sizeof(*x)))
			r = -EFAULT;
		goto out;
	}
	if (copy_from_user(x, argp, sizeof(*x))) {
		r = -EFAULT;
		goto out;
	}
	if (!okvm_supported_xcr0 || x->nr_xcrs > KVM_MAX_XCRS || x->flags) {
		r = -EINVAL;
		goto out;
	}
	/* Only XCR0 exists; other indices are ignored, as in KVM. */
	for (i = 0; i < x->nr_xcrs; i++) {
		if (x->xcrs[i].xcr == XCR_XFEATURE_ENABLED_MASK) {
			if (set_xcr(vcpu, XCR_XFEATURE_ENABLED_MASK,
				    x->xcrs[i].value))
				r = -EINVAL;
			break;
		}
	}
out:
	kfree(x);
	return r;
}

/**
 * okvm_xsave_vcpu_ioctl() - KVM_GET/SET_XSAVE(2), KVM_GET/SET_XCRS
 * @vcpu: the vCPU, its mutex held
 * @ioctl: the ioctl
 * @argp: its argument
 *
 * Return: the ioctl's result.
 */
long okvm_xsave_vcpu_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
			   void __user *argp)
{
	lockdep_assert_held(&vcpu->mutex);
	switch (ioctl) {
	case KVM_GET_XSAVE:
	case KVM_GET_XSAVE2:
	case KVM_SET_XSAVE:
		return xsave_ioctl(vcpu, ioctl, argp);
	default:
		return xcrs_ioctl(vcpu, ioctl, argp);
	}
}
