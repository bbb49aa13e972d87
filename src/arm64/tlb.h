/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Stage-2 TLB maintenance on a VHE host (tlb.c).
 */
#ifndef OKVM_ARM64_TLB_H
#define OKVM_ARM64_TLB_H

#include <linux/atomic.h>

#include "arm64/s2_mmu.h"

/**
 * struct okvm_arm64_tlb_stats - what the TLB code did, for the tests
 * @vmid_flushes: broadcast flushes of a whole VMID
 * @range_flushes: broadcast flushes of IPA ranges
 * @local_flushes: flushes a CPU did before a guest entry
 * @last_vmid: the VMID VTTBR_EL2 held (read back) in the last flush
 */
struct okvm_arm64_tlb_stats {
	atomic_t vmid_flushes;
	atomic_t range_flushes;
	atomic_t local_flushes;
	u32 last_vmid;
};

extern u64 okvm_arm64_vtcr_vs;
extern struct okvm_arm64_tlb_stats okvm_arm64_tlb_stats;
extern const struct okvm_s2_tlb_ops okvm_arm64_s2_tlb;

unsigned int okvm_arm64_local_flush_pending(void);
void okvm_arm64_do_local_flush(void);
void okvm_arm64_do_local_flush_for(u32 vmid);

#endif /* OKVM_ARM64_TLB_H */
