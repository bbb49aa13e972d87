// SPDX-License-Identifier: GPL-2.0-only
/*
 * CPUID: the table KVM_GET_SUPPORTED_CPUID reports, the vCPU's table
 * (KVM_SET/GET_CPUID2) with KVM's checks, its lookup for the guest's CPUID
 * instruction and for okvm's own feature checks, and the bits that follow
 * the vCPU's state (OSXSAVE, XSAVE sizes). Leaf 0xD comes from xsave.c and
 * the KVM leaves 0x4000000x from pv.c, which know their contents.
 */
#include <linux/kvm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "pv.h"
#include "x86.h"
#include "xsave.h"

/* CPUID bits okvm lets a guest see (APM vol. 3 / SDM vol. 2, CPUID). */
#define F1_EDX	(BIT(0) /* FPU */ | BIT(1) /* VME */ | BIT(2) /* DE */ |	\
		 BIT(3) /* PSE */ | BIT(4) /* TSC */ | BIT(5) /* MSR */ |	\
		 BIT(6) /* PAE */ | BIT(8) /* CX8 */ | BIT(11) /* SEP */ |	\
		 BIT(12) /* MTRR */ | BIT(13) /* PGE */ | BIT(15) /* CMOV */ |	\
		 BIT(16) /* PAT */ | BIT(17) /* PSE36 */ |			\
		 BIT(19) /* CLFLUSH */ | BIT(23) /* MMX */ |			\
		 BIT(24) /* FXSR */ | BIT(25) /* SSE */ | BIT(26) /* SSE2 */)
#define F1_ECX	(BIT(0) /* SSE3 */ | BIT(1) /* PCLMULQDQ */ |			\
		 BIT(9) /* SSSE3 */ | BIT(13) /* CX16 */ |			\
		 BIT(19) /* SSE4.1 */ | BIT(20) /* SSE4.2 */ |			\
		 BIT(23) /* POPCNT */ | BIT(25) /* AES */)
/* The in-kernel APIC: emulated whatever the host has (KVM does the same). */
#define F1_ECX_EMUL	(BIT(21) /* x2APIC */ | BIT(24) /* TSC-deadline */)
#define F1_EDX_EMUL	BIT(9) /* APIC */
#define F81_EDX	(BIT(11) /* SYSCALL */ | BIT(20) /* NX */ |			\
		 BIT(27) /* RDTSCP: TSC_AUX is switched */ | BIT(29) /* LM */)
#define F81_ECX	(BIT(0) /* LAHF/SAHF in 64-bit mode */)
#define F7_0_EBX_EMUL	BIT(1) /* TSC_ADJUST: emulated whatever the host has */

/*
 * The CPUID table KVM_GET_SUPPORTED_CPUID reports: the host's values masked
 * down to what a guest can use without help okvm does not give yet (no
 * leaf 7 extensions; XSAVE and leaf 0xD from xsave.c). Features are added here only with
 * the code that virtualizes them.
 */
static int okvm_supported_cpuid(struct kvm_cpuid_entry2 *e, int max)
{
	u32 a, b, c, d, ext_max;
	int n = 0, r;

	if (max < 8)
		return -E2BIG;

	okvm_host_cpuid(0, 0, &a, &b, &c, &d);
	e[n++] = (struct kvm_cpuid_entry2){ .function = 0,
					    .eax = okvm_supported_xcr0 ? 0xd : 7,
					    .ebx = b, .ecx = c, .edx = d };
	okvm_host_cpuid(1, 0, &a, &b, &c, &d);
	e[n++] = (struct kvm_cpuid_entry2){ .function = 1, .eax = a,
					    .ebx = b & 0xff00, /* CLFLUSH size */
					    .ecx = (c & F1_ECX) | F1_ECX_EMUL |
						   okvm_xsave_cpuid1_ecx(c),
					    .edx = (d & F1_EDX) | F1_EDX_EMUL };
	/* Leaf 7.0: only IA32_TSC_ADJUST, which tsc.c emulates. */
	e[n++] = (struct kvm_cpuid_entry2){ .function = 7, .index = 0,
					    .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
					    .ebx = F7_0_EBX_EMUL };
	r = okvm_xsave_cpuid(e + n, max - n - 5);	/* leaf 0xD */
	if (r < 0)
		return r;
	n += r;
	/* The KVM leaves 0x40000000 and 0x40000001 (pv.c). */
	n += okvm_pv_supported_cpuid(&e[n], max - n - 3);

	okvm_host_cpuid(0x80000000, 0, &ext_max, &b, &c, &d);
	if (ext_max < 0x80000008)
		return n;
	e[n++] = (struct kvm_cpuid_entry2){ .function = 0x80000000,
					    .eax = 0x80000008,
					    .ebx = b, .ecx = c, .edx = d };
	okvm_host_cpuid(0x80000001, 0, &a, &b, &c, &d);
	e[n++] = (struct kvm_cpuid_entry2){ .function = 0x80000001, .eax = a,
					    .ecx = c & F81_ECX, .edx = d & F81_EDX };
	okvm_host_cpuid(0x80000008, 0, &a, &b, &c, &d);
	/* Physical and linear address widths only (EAX 15:0). */
	e[n++] = (struct kvm_cpuid_entry2){ .function = 0x80000008,
					    .eax = a & 0xffff };
	return n;
}

static long get_supported_cpuid(struct kvm_cpuid2 __user *ucpuid)
{
	const int max = 80;	/* leaf 0xD has up to 64 subleaves */
	struct kvm_cpuid_entry2 *e;
	struct kvm_cpuid2 cpuid;
	int n, r = 0;

	if (copy_from_user(&cpuid, ucpuid, sizeof(cpuid)))
		return -EFAULT;
	e = kcalloc(max, sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	n = okvm_supported_cpuid(e, max);
	if (n < 0)
		r = n;
	else if (cpuid.nent < n)
		r = -E2BIG;
	else if (copy_to_user(ucpuid->entries, e, n * sizeof(e[0])))
		r = -EFAULT;
	kfree(e);
	if (r)
		return r;
	cpuid.nent = n;
	if (copy_to_user(ucpuid, &cpuid, sizeof(cpuid)))
		return -EFAULT;
	return 0;
}

/* --- the vCPU's CPUID table --------------------------------------------- */

/**
 * okvm_cpuid_entry() - the vCPU's CPUID entry for a leaf and subleaf
 * @vcpu: the vCPU
 * @fn: the leaf (EAX)
 * @idx: the subleaf (ECX); an entry without a significant index stands
 *	for every one
 *
 * Return: the entry in the vCPU's table, or NULL.
 */
struct kvm_cpuid_entry2 *okvm_cpuid_entry(struct okvm_vcpu *vcpu, u32 fn,
					  u32 idx)
{
	int i;

	for (i = 0; i < vcpu->arch.cpuid_nent; i++) {
		struct kvm_cpuid_entry2 *e = &vcpu->arch.cpuid[i];

		if (e->function == fn &&
		    (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == idx))
			return e;
	}
	return NULL;
}

/**
 * okvm_cpuid_lookup() - what CPUID returns in the guest
 * @vcpu: the vCPU
 * @fn: the leaf (EAX)
 * @idx: the subleaf (ECX)
 * @eax: out
 * @ebx: out
 * @ecx: out
 * @edx: out
 */
void okvm_cpuid_lookup(struct okvm_vcpu *vcpu, u32 fn, u32 idx, u32 *eax,
		       u32 *ebx, u32 *ecx, u32 *edx)
{
	const struct kvm_cpuid_entry2 *e = okvm_cpuid_entry(vcpu, fn, idx);

	/* A leaf userspace did not define reads as zeros (AMD behaviour). */
	*eax = e ? e->eax : 0;
	*ebx = e ? e->ebx : 0;
	*ecx = e ? e->ecx : 0;
	*edx = e ? e->edx : 0;
}

/**
 * okvm_cpuid_maxphyaddr() - the guest's physical-address width
 * @vcpu: the vCPU
 *
 * CPUID.80000008H:EAX[7:0] of the vCPU's table, the host's (raw CPUID)
 * when the table has none, kept within what a page walk can use (32 to
 * 52 bits).
 */
u8 okvm_cpuid_maxphyaddr(struct okvm_vcpu *vcpu)
{
	u32 a, b, c, d;

	okvm_cpuid_lookup(vcpu, 0x80000008, 0, &a, &b, &c, &d);
	if (!(a & 0xff))
		okvm_host_cpuid(0x80000008, 0, &a, &b, &c, &d);
	return clamp_t(u8, a & 0xff, 32, 52);
}

/* What KVM refuses in a CPUID table (kvm_check_cpuid()). */
static bool cpuid_valid(const struct kvm_cpuid_entry2 *e, int nent)
{
	int i;

	for (i = 0; i < nent; i++) {
		u32 vaddr_bits = (e[i].eax >> 8) & 0xff;

		/* Linear address width: 48 or 57 bits, or 0 for "unset". */
		if (e[i].function == 0x80000008 && vaddr_bits &&
		    vaddr_bits != 48 && vaddr_bits != 57)
			return false;
	}
	return true;
}

/* Same entries in the same order; padding is not part of a table. */
static bool cpuid_equal(const struct kvm_cpuid_entry2 *a, int na,
			const struct kvm_cpuid_entry2 *b, int nb)
{
	int i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++) {
		if (a[i].function != b[i].function || a[i].index != b[i].index ||
		    a[i].flags != b[i].flags || a[i].eax != b[i].eax ||
		    a[i].ebx != b[i].ebx || a[i].ecx != b[i].ecx ||
		    a[i].edx != b[i].edx)
			return false;
	}
	return true;
}

static long set_cpuid2(struct okvm_vcpu *vcpu, struct kvm_cpuid2 __user *u)
{
	struct kvm_cpuid_entry2 *e;
	struct kvm_cpuid2 hdr;
	long r = 0;

	if (copy_from_user(&hdr, u, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent > OKVM_MAX_CPUID_ENTRIES)
		return -E2BIG;
	e = hdr.nent ? vmemdup_user(u->entries, hdr.nent * sizeof(*e)) : NULL;
	if (IS_ERR(e))
		return PTR_ERR(e);
	okvm_pv_update_cpuid(vcpu, e, hdr.nent);
	/*
	 * Once the guest ran, its view of the CPU must not change under it:
	 * as KVM, only the identical table is accepted (and changes nothing).
	 */
	if (vcpu->arch.ran) {
		if (!cpuid_equal(e, hdr.nent, vcpu->arch.cpuid,
				 vcpu->arch.cpuid_nent))
			r = -EINVAL;
		kvfree(e);
		return r;
	}
	if (!cpuid_valid(e, hdr.nent)) {
		kvfree(e);
		return -EINVAL;
	}
	kvfree(vcpu->arch.cpuid);
	vcpu->arch.cpuid = e;
	vcpu->arch.cpuid_nent = hdr.nent;
	vcpu->arch.cpuid_set = true;
	okvm_cpuid_runtime_update(vcpu);
	return 0;
}

static long get_cpuid2(struct okvm_vcpu *vcpu, struct kvm_cpuid2 __user *u)
{
	struct kvm_cpuid2 hdr;

	if (copy_from_user(&hdr, u, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent < vcpu->arch.cpuid_nent)
		return -E2BIG;
	if (copy_to_user(u->entries, vcpu->arch.cpuid,
			 vcpu->arch.cpuid_nent * sizeof(*vcpu->arch.cpuid)))
		return -EFAULT;
	hdr.nent = vcpu->arch.cpuid_nent;
	return copy_to_user(u, &hdr, sizeof(hdr)) ? -EFAULT : 0;
}

/* CPUID.1:ECX.OSXSAVE */
#define F1_ECX_OSXSAVE	BIT(27)

/**
 * okvm_cpuid_runtime_update() - CPUID bits that follow CR4 and XCR0
 * @vcpu: the vCPU, not running (its mutex held)
 *
 * As on real hardware and in KVM, CPUID.1:ECX.OSXSAVE mirrors CR4.OSXSAVE
 * and CPUID.0xD's EBX sizes follow XCR0 (xsave.c); the table that
 * KVM_GET_CPUID2 returns and the guest's CPUID read are updated in place.
 */
void okvm_cpuid_runtime_update(struct okvm_vcpu *vcpu)
{
	struct kvm_cpuid_entry2 *e;

	if (!okvm_supported_xcr0)
		return;
	e = okvm_cpuid_entry(vcpu, 1, 0);
	if (e) {
		e->ecx &= ~F1_ECX_OSXSAVE;
		if (okvm_cr_read(vcpu, OKVM_CR4) & X86_CR4_OSXSAVE)
			e->ecx |= F1_ECX_OSXSAVE;
	}
	okvm_xsave_update_cpuid(vcpu);
}

/**
 * okvm_cpuid_dev_ioctl() - KVM_GET_SUPPORTED_CPUID
 * @ioctl: the ioctl
 * @argp: struct kvm_cpuid2 from userspace
 *
 * Return: 0, -E2BIG if nent is too small, -EFAULT, -ENOMEM.
 */
long okvm_cpuid_dev_ioctl(unsigned int ioctl, void __user *argp)
{
	return get_supported_cpuid(argp);
}

/**
 * okvm_cpuid_vcpu_ioctl() - KVM_SET_CPUID2 and KVM_GET_CPUID2
 * @vcpu: the vCPU, its mutex held
 * @ioctl: the ioctl
 * @argp: struct kvm_cpuid2 from userspace
 *
 * Return: 0 or KVM's errno; a refused table changes nothing.
 */
long okvm_cpuid_vcpu_ioctl(struct okvm_vcpu *vcpu, unsigned int ioctl,
			   void __user *argp)
{
	if (ioctl == KVM_SET_CPUID2)
		return set_cpuid2(vcpu, argp);
	return get_cpuid2(vcpu, argp);
}
