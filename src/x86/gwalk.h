/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * okvm's guest page-table walker: translates a guest linear address through
 * the guest's own 32-bit, PAE or 64-bit (4/5-level) page tables, or a
 * guest-physical address through a guest's EPT tables (nested EPT), with
 * the hardware's permission, reserved-bit and accessed/dirty rules.
 *
 * One walk loop serves every format; a format is a row of data in
 * okvm_gwalk_fmts[] plus two small functions (entry permissions, leaf frame).
 * Guest memory is reached only through struct okvm_gwalk_mem_ops, so the
 * walker never dereferences a guest-controlled address and runs unchanged
 * under KUnit on UML with a fake memory.
 *
 * Portable: no arch headers. The architectural bits it needs are defined
 * here with an OKVM_ prefix.
 */
#ifndef OKVM_X86_GWALK_H
#define OKVM_X86_GWALK_H

#include <linux/bits.h>
#include <linux/types.h>

/* Control-register and flag bits that select the guest's paging mode. */
#define OKVM_CR0_WP		BIT_ULL(16)
#define OKVM_CR0_PG		BIT_ULL(31)
#define OKVM_CR4_PSE		BIT_ULL(4)
#define OKVM_CR4_PAE		BIT_ULL(5)
#define OKVM_CR4_LA57		BIT_ULL(12)
#define OKVM_CR4_SMEP		BIT_ULL(20)
#define OKVM_CR4_SMAP		BIT_ULL(21)
#define OKVM_EFER_LMA		BIT_ULL(10)
#define OKVM_EFER_NXE		BIT_ULL(11)
#define OKVM_RFLAGS_AC		BIT_ULL(18)

/* x86 paging-structure entry bits (32-bit, PAE and 64-bit formats). */
#define OKVM_PTE_P		BIT_ULL(0)
#define OKVM_PTE_RW		BIT_ULL(1)
#define OKVM_PTE_US		BIT_ULL(2)
#define OKVM_PTE_A		BIT_ULL(5)
#define OKVM_PTE_D		BIT_ULL(6)
#define OKVM_PTE_PS		BIT_ULL(7)
#define OKVM_PTE_XD		BIT_ULL(63)

/* EPT entry bits. */
#define OKVM_EPTE_R		BIT_ULL(0)
#define OKVM_EPTE_W		BIT_ULL(1)
#define OKVM_EPTE_X		BIT_ULL(2)
#define OKVM_EPTE_MT_SHIFT	3
#define OKVM_EPTE_MT_MASK	GENMASK_ULL(5, 3)
#define OKVM_EPTE_PS		BIT_ULL(7)
#define OKVM_EPTE_A		BIT_ULL(8)
#define OKVM_EPTE_D		BIT_ULL(9)

/* EPTP fields. */
#define OKVM_EPTP_MT_MASK	GENMASK_ULL(2, 0)
#define OKVM_EPTP_MT_UC		0
#define OKVM_EPTP_MT_WB		6
#define OKVM_EPTP_PWL_SHIFT	3
#define OKVM_EPTP_PWL_MASK	GENMASK_ULL(5, 3)
#define OKVM_EPTP_AD		BIT_ULL(6)

/* x86 #PF error code bits the walker reports (no PK, no SGX). */
#define OKVM_PFERR_PRESENT	BIT(0)
#define OKVM_PFERR_WRITE	BIT(1)
#define OKVM_PFERR_USER		BIT(2)
#define OKVM_PFERR_RSVD		BIT(3)
#define OKVM_PFERR_FETCH	BIT(4)

/* EPT-violation exit qualification bits. */
#define OKVM_EPT_VIOL_ACC_READ		BIT_ULL(0)
#define OKVM_EPT_VIOL_ACC_WRITE		BIT_ULL(1)
#define OKVM_EPT_VIOL_ACC_INSTR		BIT_ULL(2)
#define OKVM_EPT_VIOL_READABLE		BIT_ULL(3)
#define OKVM_EPT_VIOL_WRITABLE		BIT_ULL(4)
#define OKVM_EPT_VIOL_EXECUTABLE	BIT_ULL(5)
#define OKVM_EPT_VIOL_GLA_VALID		BIT_ULL(7)
#define OKVM_EPT_VIOL_GLA_XLATED	BIT_ULL(8)

/*
 * Access flags for okvm_gwalk(). WRITE, USER and FETCH sit where the #PF
 * error code has them, so the x86 error code is built by masking.
 *
 * USER means a CPL-3 access that is not implicit. IMPLICIT marks a
 * supervisor access made by the CPU itself (descriptor tables, TSS...):
 * SMAP applies to it whatever EFLAGS.AC says. For EPT, an access that is
 * neither WRITE nor FETCH is a read; USER and IMPLICIT are ignored.
 */
#define OKVM_GWALK_WRITE	BIT(1)
#define OKVM_GWALK_USER		BIT(2)
#define OKVM_GWALK_FETCH	BIT(4)
#define OKVM_GWALK_IMPLICIT	BIT(8)
/* Set accessed/dirty bits in guest memory as the CPU would on this access. */
#define OKVM_GWALK_SET_AD	BIT(9)
/* EPT only: the exit qualification's "guest linear address valid" bit. */
#define OKVM_GWALK_GLA_VALID	BIT(10)
/*
 * EPT only: the access is to a guest paging structure, not the final page.
 * With EPTP.AD the CPU treats such accesses as writes: pass
 * OKVM_GWALK_WRITE as well (KVM does).
 */
#define OKVM_GWALK_GUEST_PT	BIT(11)

/* Effective rights of a translation (okvm_gwalk_result.perm). */
#define OKVM_GWALK_PERM_R	BIT(0)
#define OKVM_GWALK_PERM_W	BIT(1)
#define OKVM_GWALK_PERM_U	BIT(2)
#define OKVM_GWALK_PERM_X	BIT(3)

/* EPT capabilities of the (virtual) CPU, for okvm_gwalk_mode_from_eptp(). */
#define OKVM_GWALK_EPT_CAP_AD		BIT(0)
#define OKVM_GWALK_EPT_CAP_EXEC_ONLY	BIT(1)
#define OKVM_GWALK_EPT_CAP_1G		BIT(2)
#define OKVM_GWALK_EPT_CAP_5LEVEL	BIT(3)

#define OKVM_GWALK_MAX_LEVELS	5
/* KVM_TRANSLATE's physical_address when the walk fails (KVM's INVALID_GPA). */
#define OKVM_GWALK_INVALID_GPA	(~0ULL)
/* Bound on restarts after a PTE changed under an A/D update. */
#define OKVM_GWALK_MAX_RESTARTS	8

enum okvm_gwalk_fmt_id {
	OKVM_GWALK_FMT_32,	/* two-level, 4-byte entries, PSE 4M pages */
	OKVM_GWALK_FMT_PAE,	/* four PDPTEs + two levels, 8-byte entries */
	OKVM_GWALK_FMT_64,	/* 4- or 5-level long mode */
	OKVM_GWALK_FMT_EPT,	/* 4- or 5-level EPT, walked as a guest format */
	OKVM_GWALK_NR_FMTS,
};

struct okvm_gwalk_mode;

/**
 * struct okvm_gwalk_fmt - what distinguishes one page-table format
 * @name: for messages
 * @pte_size: bytes per entry (4 or 8)
 * @index_bits: virtual-address bits consumed per level (10 or 9)
 * @present_mask: an entry is present if any of these bits is set
 * @accessed_mask: accessed bit, 0 if the format has none
 * @dirty_mask: dirty bit (leaves), 0 if the format has none
 * @ps_mask: the page-size bit that turns a directory entry into a leaf
 * @perm: OKVM_GWALK_PERM_* granted by one entry (rights only narrow down a
 *	walk, so the walker ANDs them)
 * @leaf_frame: physical address of the page a leaf at @level maps
 *
 * A/D are masks, never shifts: a format without them has 0 masks and the
 * A/D code does nothing, with no shift amount to go negative (seed 003).
 */
struct okvm_gwalk_fmt {
	const char *name;
	u8 pte_size;
	u8 index_bits;
	u64 present_mask;
	u64 accessed_mask;
	u64 dirty_mask;
	u64 ps_mask;
	u32 (*perm)(const struct okvm_gwalk_mode *mode, u64 pte);
	u64 (*leaf_frame)(const struct okvm_gwalk_mode *mode, u64 pte, int level);
};

extern const struct okvm_gwalk_fmt okvm_gwalk_fmts[OKVM_GWALK_NR_FMTS];

/**
 * struct okvm_gwalk_mode - the guest paging state one walk uses
 * @fmt: entry format; NULL when paging is off (addresses pass through)
 * @root: CR3 or EPTP as given (PAE: the full CR3, bits 11:5 included)
 * @root_table: physical address of the top-level table (not for PAE)
 * @levels: levels walked, PDPTE level included (2, 3, 4 or 5)
 * @va_bits: linear/guest-physical address width translated (32, 48, 57)
 * @huge_levels: bit L set if a PS=1 entry at level L is a leaf
 * @maxphyaddr: guest physical-address width
 * @wp: CR0.WP
 * @nx: EFER.NXE (PAE and 64-bit only)
 * @smep: CR4.SMEP
 * @smap: CR4.SMAP
 * @ac: EFLAGS.AC, which lifts SMAP for explicit supervisor accesses
 * @ept_exec_only: EPT entries with only X set are allowed
 * @accessed_mask: @fmt's accessed bit, 0 if A/D are off (EPTP.AD clear)
 * @dirty_mask: @fmt's dirty bit, 0 if A/D are off
 * @table_mask: address bits of an entry that points to a table
 * @rsvd: reserved bits by [leaf][level - 1]; a present entry with any of
 *	them set faults (#PF with RSVD, or an EPT misconfiguration)
 * @pdptes_valid: @pdptes holds the PDPTEs loaded for @root
 * @pdptes: PAE only, the PDPTE registers (see okvm_gwalk_load_pdptes())
 *
 * Built by okvm_gwalk_mode_from_regs() or okvm_gwalk_mode_from_eptp(); the
 * walker never writes it, so a vCPU may cache one per CR3/EPTP value.
 */
struct okvm_gwalk_mode {
	const struct okvm_gwalk_fmt *fmt;
	u64 root;
	u64 root_table;
	u8 levels;
	u8 va_bits;
	u8 huge_levels;
	u8 maxphyaddr;
	bool wp, nx, smep, smap, ac;
	bool ept_exec_only;
	u64 accessed_mask;
	u64 dirty_mask;
	u64 table_mask;
	u64 rsvd[2][OKVM_GWALK_MAX_LEVELS];
	bool pdptes_valid;
	u64 pdptes[4];
};

/**
 * struct okvm_gwalk_regs - the vCPU state that selects a non-EPT mode
 * @cr0: CR0 (PG, WP)
 * @cr3: CR3
 * @cr4: CR4 (PSE, PAE, LA57, SMEP, SMAP)
 * @efer: EFER (LMA, NXE)
 * @rflags: RFLAGS (AC)
 * @maxphyaddr: guest CPUID.80000008H:EAX[7:0]
 * @gbpages: guest CPUID reports 1G pages (PDPE1GB)
 */
struct okvm_gwalk_regs {
	u64 cr0, cr3, cr4, efer, rflags;
	u8 maxphyaddr;
	bool gbpages;
};

/**
 * struct okvm_gwalk_mem_ops - guest-physical memory as the walker sees it
 * @read: copy @len bytes at guest-physical @gpa into @buf. Returns 0, or
 *	-EFAULT if @gpa is not backed by guest memory.
 * @cmpxchg_gpa: atomically replace the @size-byte (4 or 8) naturally aligned
 *	word at @gpa with @new if it still holds @old. Returns 0 on success,
 *	-EAGAIN if the word no longer held @old, -EPERM if the memory is
 *	read-only for the guest (ROM: the walker then leaves A/D alone, as
 *	KVM does), -EFAULT if not backed.
 *
 * Entries are little-endian in guest memory and okvm hosts are
 * little-endian, so words travel as native integers. Over memslots: look
 * up the slot for gpa_to_gfn(@gpa), refuse invisible slots, then
 * copy_from_user() / a user cmpxchg on the slot's HVA + offset.
 */
struct okvm_gwalk_mem_ops {
	int (*read)(void *ctx, u64 gpa, void *buf, unsigned int len);
	int (*cmpxchg_gpa)(void *ctx, u64 gpa, u64 old, u64 new, unsigned int size);
};

enum okvm_gwalk_fault_kind {
	OKVM_GWALK_PF,			/* x86 #PF, @error_code valid */
	OKVM_GWALK_EPT_VIOLATION,	/* @exit_qual valid */
	OKVM_GWALK_EPT_MISCONFIG,	/* reserved bits/bad type in an EPTE */
};

/**
 * struct okvm_gwalk_result - outcome of okvm_gwalk()
 * @gpa: translated address (success)
 * @level: level of the leaf (1: 4K, 2: 2M/4M, 3: 1G), or of the faulting
 *	entry on a fault
 * @page_size: bytes mapped by the leaf (success)
 * @perm: OKVM_GWALK_PERM_* of the whole walk (success); the hardware view,
 *	i.e. supervisor writes are in W only if the entries allow them
 * @leaf_pte: the leaf entry, after any A/D update (success)
 * @addr: the address walked, as given (a #PF's CR2)
 * @kind: which fault (fault)
 * @error_code: x86 #PF error code (fault, non-EPT)
 * @exit_qual: EPT-violation qualification (fault, EPT; 0 for misconfig)
 * @restarts: times the walk restarted because an entry changed under it
 */
struct okvm_gwalk_result {
	u64 gpa;
	u8 level;
	u64 page_size;
	u32 perm;
	u64 leaf_pte;
	u64 addr;
	enum okvm_gwalk_fault_kind kind;
	u32 error_code;
	u64 exit_qual;
	unsigned int restarts;
};

int okvm_gwalk_mode_from_regs(struct okvm_gwalk_mode *mode,
			      const struct okvm_gwalk_regs *regs);
int okvm_gwalk_mode_from_eptp(struct okvm_gwalk_mode *mode, u64 eptp,
			      u8 maxphyaddr, u32 caps);
int okvm_gwalk_load_pdptes(struct okvm_gwalk_mode *mode,
			   const struct okvm_gwalk_mem_ops *ops, void *ctx);
int okvm_gwalk(const struct okvm_gwalk_mode *mode,
	       const struct okvm_gwalk_mem_ops *ops, void *ctx,
	       u64 addr, u32 access, struct okvm_gwalk_result *res);
bool okvm_gwalk_translate(const struct okvm_gwalk_mode *mode,
			  const struct okvm_gwalk_mem_ops *ops, void *ctx,
			  u64 la, u64 *gpa);
int okvm_gwalk_read_virt(const struct okvm_gwalk_mode *mode,
			 const struct okvm_gwalk_mem_ops *ops, void *ctx,
			 u64 la, void *buf, unsigned int len, u32 access,
			 struct okvm_gwalk_result *res);

#endif /* OKVM_X86_GWALK_H */
