// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host CPU as common x86 code reads it (CPUID, MSRs) to derive what a
 * guest may see. Kept out of cpuid.c and msr.c so that those run under
 * KUnit on UML, which has no CPUID or RDMSR of its own: there, a test
 * supplies the host (tests/kunit/x86_fake_vendor.c). Hardware code that
 * never runs under KUnit (svm/, xsave.c, arch.c) may read the CPU directly,
 * but a value two of them need has one home here.
 */
#include <asm/msr.h>
#include <asm/processor.h>

#include "x86.h"

/**
 * okvm_host_cpuid() - the host's CPUID leaf @fn, subleaf @idx
 * @fn: the leaf (EAX)
 * @idx: the subleaf (ECX)
 * @eax: out
 * @ebx: out
 * @ecx: out
 * @edx: out
 */
void okvm_host_cpuid(u32 fn, u32 idx, u32 *eax, u32 *ebx, u32 *ecx, u32 *edx)
{
	cpuid_count(fn, idx, eax, ebx, ecx, edx);
}

/**
 * okvm_host_maxphyaddr() - the host's physical-address width
 *
 * Raw from CPUID 0x80000008, as KVM with NPT: SME lowers x86_phys_bits by
 * the encryption bit, but those bits are not reserved in a nested page
 * table or a guest CR3, and a guest on bare metal sees the full width.
 *
 * Return: the width in bits.
 */
u8 okvm_host_maxphyaddr(void)
{
	if (boot_cpu_data.extended_cpuid_level >= 0x80000008)
		return cpuid_eax(0x80000008) & 0xff;
	return boot_cpu_data.x86_phys_bits;
}

/**
 * okvm_host_rdmsr() - read a host MSR that may not exist
 * @index: the MSR
 * @data: its value
 *
 * Return: 0, or nonzero if the host CPU refused the read (@data untouched).
 */
int okvm_host_rdmsr(u32 index, u64 *data)
{
	return rdmsrl_safe(index, data);
}
