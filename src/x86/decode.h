/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small x86 instruction decoder for the exits that SVM leaves undecoded.
 *
 * The test CPU (and older AMD parts) has neither decode assists nor
 * next-RIP save, so for an NPF on MMIO, a CR/DR intercept or any exit that
 * must skip the instruction, okvm has to find the instruction's length and
 * operands itself. This decoder knows only the instructions okvm handles;
 * everything else is -EINVAL, which the caller turns into
 * KVM_EXIT_INTERNAL_ERROR rather than guessing.
 *
 * It is pure: no allocation, no guest memory access (the caller fetches the
 * bytes), no <asm/...> header, so KUnit runs it as is under UML.
 */
#ifndef OKVM_X86_DECODE_H
#define OKVM_X86_DECODE_H

#include <linux/bits.h>
#include <linux/types.h>

/* Architectural limit: a longer instruction raises #GP. */
#define OKVM_MAX_INSN_LEN	15

/* GPR numbers as ModRM/SIB encode them (with REX.R/X/B as bit 3). */
#define OKVM_REG_RAX	0
#define OKVM_REG_RCX	1
#define OKVM_REG_RDX	2
#define OKVM_REG_RBX	3
#define OKVM_REG_RSP	4
#define OKVM_REG_RBP	5
#define OKVM_REG_RSI	6
#define OKVM_REG_RDI	7
#define OKVM_NR_GPRS	16
/* No register (a memory operand without base or index). */
#define OKVM_REG_NONE	0xff

/* Segment-override prefixes, as the segment registers are numbered. */
enum okvm_seg {
	OKVM_SEG_ES, OKVM_SEG_CS, OKVM_SEG_SS, OKVM_SEG_DS,
	OKVM_SEG_FS, OKVM_SEG_GS,
	OKVM_SEG_TR, OKVM_SEG_LDTR,	/* system segments (vendor.h) */
	OKVM_SEG_NONE = 0xff,	/* no (effective) override */
};

/*
 * The default operand and address size the code segment gives: real mode,
 * virtual-8086 mode and 16-bit protected or compatibility segments (CS.D=0)
 * are 16-bit, CS.D=1 is 32-bit, CS.L=1 in long mode is 64-bit.
 * okvm_cpu_mode() derives it from the state the caller has.
 */
enum okvm_cpu_mode {
	OKVM_MODE_16,
	OKVM_MODE_32,
	OKVM_MODE_64,
};

/* What the decoded instruction is. */
enum okvm_insn_op {
	OKVM_OP_NONE = 0,
	OKVM_OP_MOV_MEM,	/* a plain load/store: see okvm_insn.mmio */
	OKVM_OP_MOV_TO_CR,	/* 0F 22: see okvm_insn.ctl */
	OKVM_OP_MOV_FROM_CR,	/* 0F 20 */
	OKVM_OP_MOV_TO_DR,	/* 0F 23 */
	OKVM_OP_MOV_FROM_DR,	/* 0F 21 */
	OKVM_OP_CLTS,		/* 0F 06 */
	OKVM_OP_LMSW,		/* 0F 01 /6: r/m16 in rm / mem */
	OKVM_OP_SMSW,		/* 0F 01 /4 */
	OKVM_OP_INVLPG,		/* 0F 01 /7, memory operand in mem */
	OKVM_OP_CPUID,		/* 0F A2 */
	OKVM_OP_RDMSR,		/* 0F 32 */
	OKVM_OP_WRMSR,		/* 0F 30 */
	OKVM_OP_RDTSC,		/* 0F 31 */
	OKVM_OP_RDPMC,		/* 0F 33 */
	OKVM_OP_RDTSCP,		/* 0F 01 F9 */
	OKVM_OP_INVD,		/* 0F 08 */
	OKVM_OP_WBINVD,		/* 0F 09 */
	OKVM_OP_HLT,		/* F4 */
	OKVM_OP_PAUSE,		/* F3 90 */
	OKVM_OP_MONITOR,	/* 0F 01 C8 */
	OKVM_OP_MWAIT,		/* 0F 01 C9 */
	OKVM_OP_XSETBV,		/* 0F 01 D1 */
	OKVM_OP_VMRUN,		/* 0F 01 D8 */
	OKVM_OP_VMMCALL,	/* 0F 01 D9 */
	OKVM_OP_VMLOAD,		/* 0F 01 DA */
	OKVM_OP_VMSAVE,		/* 0F 01 DB */
	OKVM_OP_STGI,		/* 0F 01 DC */
	OKVM_OP_CLGI,		/* 0F 01 DD */
	OKVM_OP_SKINIT,		/* 0F 01 DE */
	OKVM_OP_INVLPGA,	/* 0F 01 DF */
	OKVM_OP_IN,		/* E4 E5 EC ED: see okvm_insn.io */
	OKVM_OP_OUT,		/* E6 E7 EE EF */
	OKVM_OP_INS,		/* 6C 6D */
	OKVM_OP_OUTS,		/* 6E 6F */
	OKVM_OP_STOS,		/* AA AB: see okvm_insn.str */
	OKVM_OP_MOVS,		/* A4 A5 */
};

/* Direction of an OKVM_OP_MOV_MEM access, seen from the memory side. */
enum okvm_mmio_dir {
	OKVM_MMIO_READ = 1,	/* memory to register */
	OKVM_MMIO_WRITE,	/* register or immediate to memory */
};

/* How a read is widened into its destination register. */
enum okvm_mmio_ext {
	OKVM_EXT_NONE,		/* MOV: same size */
	OKVM_EXT_ZERO,		/* MOVZX */
	OKVM_EXT_SIGN,		/* MOVSX, MOVSXD */
};

/**
 * struct okvm_insn_mem - a memory operand's address parts
 * @base: GPR number of the base, or OKVM_REG_NONE
 * @index: GPR number of the index, or OKVM_REG_NONE
 * @scale: 1, 2, 4 or 8
 * @rip_rel: the address is relative to the next instruction (64-bit mode)
 * @seg: the segment used: the override, else SS for an rBP/rSP base and DS
 *	otherwise (in 64-bit mode only an FS/GS base matters)
 * @disp: the displacement sign-extended, or a moffs zero-extended
 */
struct okvm_insn_mem {
	u8 base;
	u8 index;
	u8 scale;
	bool rip_rel;
	u8 seg;
	s64 disp;
};

/**
 * struct okvm_insn_mmio - an OKVM_OP_MOV_MEM access
 * @dir: read from or write to memory
 * @size: bytes accessed in memory: 1, 2, 4 or 8
 * @dst_size: for a read, bytes written to the destination register
 *	(larger than @size for MOVZX/MOVSX/MOVSXD); equal to @size on writes
 * @ext: for a read, how the value is widened to @dst_size
 * @has_imm: a write of @imm (C6/C7) rather than of register @reg
 * @reg: the register operand (0-15): source of a write, destination of a read
 * @high8: @reg (0-3) names AH/CH/DH/BH, bits 15:8 (a byte operand 4-7
 *	without any REX prefix)
 * @imm: the immediate of C6/C7, already sign-extended and truncated to @size
 */
struct okvm_insn_mmio {
	enum okvm_mmio_dir dir;
	u8 size;
	u8 dst_size;
	enum okvm_mmio_ext ext;
	bool has_imm;
	u8 reg;
	bool high8;
	u64 imm;
};

/**
 * struct okvm_insn_ctl - a MOV to/from CRn or DRn
 * @num: the control/debug register number, REX.R included (CR8 from LOCK on
 *	AMD too). Not validated: CR1, CR5-7, CR9-15 and DR8-15 raise #UD, and
 *	the caller checks (SVM intercepts only after those checks anyway).
 * @gpr: the general register (0-15); the width is 8 bytes in 64-bit mode
 *	and 4 otherwise, whatever the operand-size prefixes say
 */
struct okvm_insn_ctl {
	u8 num;
	u8 gpr;
};

/**
 * struct okvm_insn_io - an IN/OUT/INS/OUTS
 * @size: bytes per transfer: 1, 2 or 4 (REX.W does not make it 8)
 * @port_in_dx: the port is DX; otherwise @port
 * @port: the imm8 port of E4-E7
 */
struct okvm_insn_io {
	u8 size;
	bool port_in_dx;
	u8 port;
};

/**
 * struct okvm_insn_str - a STOS or MOVS
 * @size: bytes per element: 1, 2, 4 or 8
 */
struct okvm_insn_str {
	u8 size;
};

/**
 * struct okvm_insn - a decoded instruction
 * @op: what it is
 * @len: its length in bytes, prefixes included: next RIP = RIP + @len
 * @mode: the mode it was decoded in
 * @op_bytes: effective operand size (2, 4, 8)
 * @ad_bytes: effective address size (2, 4, 8)
 * @rex: the REX prefix in effect (0x40-0x4f), or 0
 * @rep: 0xf3 or 0xf2, the last REP prefix, or 0
 * @lock: a LOCK prefix was present
 * @seg: the effective segment override (OKVM_SEG_NONE if none; in 64-bit
 *	mode ES/CS/SS/DS overrides are ignored as the CPU does)
 * @opcode: the opcode, 0x0fXX for two-byte ones
 * @has_modrm: @modrm is valid
 * @modrm: the ModRM byte
 * @has_mem: @mem is valid: the instruction has a memory operand
 * @mem: the memory operand's address parts
 * @mmio: for OKVM_OP_MOV_MEM
 * @ctl: for OKVM_OP_MOV_{TO,FROM}_{CR,DR}
 * @rm: for OKVM_OP_LMSW/SMSW with a register operand: its number
 * @io: for OKVM_OP_IN/OUT/INS/OUTS. A string form counts rCX (with a REP
 *	prefix) and moves rSI/rDI at @ad_bytes; OUTS reads from @seg (DS if
 *	none), INS always writes ES:rDI.
 * @str: for OKVM_OP_STOS/MOVS. They count and move registers as INS/OUTS
 *	do (F2 repeats them as F3 does); the destination is always ES:rDI,
 *	a MOVS source is @seg:rSI (DS if none).
 */
struct okvm_insn {
	enum okvm_insn_op op;
	u8 len;
	enum okvm_cpu_mode mode;
	u8 op_bytes;
	u8 ad_bytes;
	u8 rex;
	u8 rep;
	bool lock;
	u8 seg;
	u16 opcode;
	bool has_modrm;
	u8 modrm;
	bool has_mem;
	struct okvm_insn_mem mem;
	union {
		struct okvm_insn_mmio mmio;
		struct okvm_insn_ctl ctl;
		u8 rm;
		struct okvm_insn_io io;
		struct okvm_insn_str str;
	};
};

enum okvm_cpu_mode okvm_cpu_mode(bool pe, bool vm86, bool lma, bool cs_l,
				 bool cs_d);
int okvm_decode(const u8 *bytes, unsigned int avail, enum okvm_cpu_mode mode,
		struct okvm_insn *insn);
unsigned int okvm_insn_write_value(const struct okvm_insn *insn,
				   const u64 *gprs, u64 *val);
int okvm_insn_complete_read(const struct okvm_insn *insn, u64 *gprs, u64 data);
u64 okvm_insn_mem_offset(const struct okvm_insn *insn, const u64 *gprs, u64 rip);

/* The low @size bytes of a register or address (8: all of it). */
static inline u64 okvm_size_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : GENMASK_ULL(8 * size - 1, 0);
}

/*
 * Step an address register of a string instruction (rSI, rDI, rCX) by
 * @delta: only its address-size part counts, and that part wraps on its
 * own, leaving the bits above it alone.
 */
static inline void okvm_addr_reg_add(u64 *reg, u64 delta,
				     unsigned int ad_bytes)
{
	u64 m = okvm_size_mask(ad_bytes);

	*reg = (*reg & ~m) | ((*reg + delta) & m);
}

#endif /* OKVM_X86_DECODE_H */
