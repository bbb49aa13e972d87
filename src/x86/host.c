// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host CPU as common x86 code reads it (CPUID, MSRs) to derive what a
 * guest may see. Kept out of cpuid.c and msr.c so that those run under
 * KUnit on UML, which has no CPUID or RDMSR of its own: there, a test
 * supplies the host (tests/kunit/x86_fake_vendor.c). Hardware code that
 * never runs under KUnit (svm/, xsave.c, arch.c) reads the CPU directly.
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
