// SPDX-License-Identifier: GPL-2.0-only
/*
 * A small x86 instruction decoder: lengths and operands of the instructions
 * okvm must handle itself because SVM without decode assists and next-RIP
 * save tells it neither (see decode.h).
 *
 * The decoder reads bytes through one bounds-checked cursor, so it can never
 * read past what the caller fetched: running out is -ENODATA (fetch more, up
 * to OKVM_MAX_INSN_LEN, and retry), and needing a byte beyond the
 * architectural 15 is -EINVAL, because the CPU would have raised #GP.
 */
#include <linux/bitops.h>
#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>

#include "decode.h"

/* REX prefix bits. */
#define OKVM_REX_B	0x1
#define OKVM_REX_X	0x2
#define OKVM_REX_R	0x4
#define OKVM_REX_W	0x8

#define OKVM_MODRM_MOD(m)	((m) >> 6)
#define OKVM_MODRM_REG(m)	(((m) >> 3) & 7)
#define OKVM_MODRM_RM(m)	((m) & 7)

struct okvm_dec {
	const u8 *bytes;
	unsigned int avail;
	unsigned int pos;
};

/*
 * Fetch the next @n (1-8) bytes, little-endian, zero-extended. The 15-byte
 * limit is checked first: an instruction that cannot fit is invalid however
 * many bytes the caller has.
 */
static int okvm_fetch(struct okvm_dec *d, unsigned int n, u64 *val)
{
	unsigned int i;
	u64 v = 0;

	if (d->pos + n > OKVM_MAX_INSN_LEN)
		return -EINVAL;
	if (d->pos + n > d->avail)
		return -ENODATA;
	for (i = 0; i < n; i++)
		v |= (u64)d->bytes[d->pos + i] << (8 * i);
	d->pos += n;
	*val = v;
	return 0;
}

static int okvm_fetch_u8(struct okvm_dec *d, u8 *b)
{
	u64 v;
	int r = okvm_fetch(d, 1, &v);

	if (!r)
		*b = v;
	return r;
}

/* Fetch a signed field of @n bytes (1, 2, 4) and sign-extend it. */
static int okvm_fetch_signed(struct okvm_dec *d, unsigned int n, s64 *val)
{
	u64 v;
	int r = okvm_fetch(d, n, &v);

	if (!r)
		*val = sign_extend64(v, 8 * n - 1);
	return r;
}

static u8 okvm_default_seg(const struct okvm_insn *insn, u8 base)
{
	if (insn->seg != OKVM_SEG_NONE)
		return insn->seg;
	return (base == OKVM_REG_RSP || base == OKVM_REG_RBP) ?
		OKVM_SEG_SS : OKVM_SEG_DS;
}

/* 16-bit addressing: ModRM.rm picks a fixed base/index pair, no SIB. */
static int okvm_decode_mem16(struct okvm_dec *d, struct okvm_insn *insn)
{
	static const u8 base16[8] = {
		OKVM_REG_RBX, OKVM_REG_RBX, OKVM_REG_RBP, OKVM_REG_RBP,
		OKVM_REG_RSI, OKVM_REG_RDI, OKVM_REG_RBP, OKVM_REG_RBX,
	};
	static const u8 index16[8] = {
		OKVM_REG_RSI, OKVM_REG_RDI, OKVM_REG_RSI, OKVM_REG_RDI,
		OKVM_REG_NONE, OKVM_REG_NONE, OKVM_REG_NONE, OKVM_REG_NONE,
	};
	u8 mod = OKVM_MODRM_MOD(insn->modrm), rm = OKVM_MODRM_RM(insn->modrm);
	struct okvm_insn_mem *m = &insn->mem;

	m->base = base16[rm];
	m->index = index16[rm];
	if (mod == 0 && rm == 6) {	/* [disp16], no base */
		m->base = OKVM_REG_NONE;
		return okvm_fetch_signed(d, 2, &m->disp);
	}
	if (mod == 1)
		return okvm_fetch_signed(d, 1, &m->disp);
	if (mod == 2)
		return okvm_fetch_signed(d, 2, &m->disp);
	return 0;
}

/* 32/64-bit addressing: SIB when rm=100, disp32 or RIP-relative when 101. */
static int okvm_decode_mem32(struct okvm_dec *d, struct okvm_insn *insn)
{
	u8 mod = OKVM_MODRM_MOD(insn->modrm), rm = OKVM_MODRM_RM(insn->modrm);
	struct okvm_insn_mem *m = &insn->mem;
	u8 rex = insn->rex;
	int r;

	if (rm == 5 && mod == 0) {
		/*
		 * disp32 alone, which 64-bit mode turned into RIP-relative;
		 * REX.B does not matter (r13 needs mod 01).
		 */
		m->rip_rel = insn->mode == OKVM_MODE_64;
		return okvm_fetch_signed(d, 4, &m->disp);
	}
	if (rm != 4) {
		m->base = rm | (rex & OKVM_REX_B ? 8 : 0);
	} else {
		u8 sib;

		r = okvm_fetch_u8(d, &sib);
		if (r)
			return r;
		m->scale = 1 << (sib >> 6);
		/* Index 100 is "none" only without REX.X: with it, r12. */
		m->index = ((sib >> 3) & 7) | (rex & OKVM_REX_X ? 8 : 0);
		if (m->index == OKVM_REG_RSP)
			m->index = OKVM_REG_NONE;
		/* Base 101 with mod 00 is disp32 and no base, REX.B or not. */
		if ((sib & 7) == 5 && mod == 0)
			return okvm_fetch_signed(d, 4, &m->disp);
		m->base = (sib & 7) | (rex & OKVM_REX_B ? 8 : 0);
	}
	if (mod == 1)
		return okvm_fetch_signed(d, 1, &m->disp);
	if (mod == 2)
		return okvm_fetch_signed(d, 4, &m->disp);
	return 0;
}

/*
 * Fetch the ModRM byte and, for a memory form, the SIB and displacement.
 * A register form (mod 11) leaves has_mem false.
 */
static int okvm_decode_modrm(struct okvm_dec *d, struct okvm_insn *insn)
{
	int r;

	r = okvm_fetch_u8(d, &insn->modrm);
	if (r)
		return r;
	insn->has_modrm = true;
	if (OKVM_MODRM_MOD(insn->modrm) == 3)
		return 0;

	insn->has_mem = true;
	insn->mem.base = OKVM_REG_NONE;
	insn->mem.index = OKVM_REG_NONE;
	insn->mem.scale = 1;
	if (insn->ad_bytes == 2)
		r = okvm_decode_mem16(d, insn);
	else
		r = okvm_decode_mem32(d, insn);
	insn->mem.seg = okvm_default_seg(insn, insn->mem.base);
	return r;
}

/* The register operand of ModRM.reg; byte registers 4-7 are AH-BH without REX. */
static void okvm_set_reg_operand(struct okvm_insn *insn, unsigned int size)
{
	u8 reg = OKVM_MODRM_REG(insn->modrm) | (insn->rex & OKVM_REX_R ? 8 : 0);

	insn->mmio.high8 = size == 1 && !insn->rex && reg >= 4;
	insn->mmio.reg = insn->mmio.high8 ? reg - 4 : reg;
}

/* MOV 88/89/8A/8B, C6/C7 /0, A0-A3, MOVZX, MOVSX, MOVSXD. */
static int okvm_decode_mov(struct okvm_dec *d, struct okvm_insn *insn)
{
	struct okvm_insn_mmio *mm = &insn->mmio;
	u16 op = insn->opcode;
	u64 moffs;
	s64 imm;
	int r;

	insn->op = OKVM_OP_MOV_MEM;
	mm->ext = OKVM_EXT_NONE;

	if (op >= 0xa0 && op <= 0xa3) {
		/* The offset is address-size wide: moffs64 in 64-bit mode. */
		r = okvm_fetch(d, insn->ad_bytes, &moffs);
		if (r)
			return r;
		insn->has_mem = true;
		insn->mem.base = OKVM_REG_NONE;
		insn->mem.index = OKVM_REG_NONE;
		insn->mem.scale = 1;
		insn->mem.disp = moffs;
		insn->mem.seg = okvm_default_seg(insn, OKVM_REG_NONE);
		mm->dir = op & 2 ? OKVM_MMIO_WRITE : OKVM_MMIO_READ;
		mm->size = op & 1 ? insn->op_bytes : 1;
		mm->dst_size = mm->size;
		mm->reg = OKVM_REG_RAX;
		return 0;
	}

	r = okvm_decode_modrm(d, insn);
	if (r)
		return r;
	/* A register form cannot touch MMIO; it is not okvm's to emulate. */
	if (!insn->has_mem)
		return -EINVAL;

	switch (op) {
	case 0x88: case 0x89: case 0x8a: case 0x8b:
		mm->dir = op & 2 ? OKVM_MMIO_READ : OKVM_MMIO_WRITE;
		mm->size = op & 1 ? insn->op_bytes : 1;
		mm->dst_size = mm->size;
		okvm_set_reg_operand(insn, mm->size);
		return 0;
	case 0xc6: case 0xc7:
		/* Only /0 is MOV; C6/C7 /7 is XABORT/XBEGIN, the rest #UD. */
		if (OKVM_MODRM_REG(insn->modrm) != 0)
			return -EINVAL;
		mm->dir = OKVM_MMIO_WRITE;
		mm->size = op & 1 ? insn->op_bytes : 1;
		mm->dst_size = mm->size;
		/* imm8, imm16 or imm32; with REX.W imm32 sign-extended to 64. */
		r = okvm_fetch_signed(d, mm->size == 8 ? 4 : mm->size, &imm);
		if (r)
			return r;
		mm->has_imm = true;
		mm->imm = mm->size == 8 ? (u64)imm :
			  (u64)imm & GENMASK_ULL(8 * mm->size - 1, 0);
		return 0;
	case 0x63:	/* MOVSXD: sign-extends only with REX.W */
		mm->dir = OKVM_MMIO_READ;
		mm->dst_size = insn->op_bytes;
		mm->size = insn->op_bytes == 8 ? 4 : insn->op_bytes;
		mm->ext = mm->size < mm->dst_size ? OKVM_EXT_SIGN : OKVM_EXT_NONE;
		okvm_set_reg_operand(insn, mm->dst_size);
		return 0;
	default:	/* 0F B6/B7 MOVZX, 0F BE/BF MOVSX */
		mm->dir = OKVM_MMIO_READ;
		mm->size = op & 1 ? 2 : 1;
		mm->dst_size = insn->op_bytes;
		mm->ext = op & 8 ? OKVM_EXT_SIGN : OKVM_EXT_ZERO;
		okvm_set_reg_operand(insn, mm->dst_size);
		return 0;
	}
}

/*
 * MOV to/from CRn/DRn. The SDM says mod is ignored and treated as 11b, so
 * there is never a SIB or displacement; the operand size is the mode's
 * width whatever 66 or REX.W say.
 */
static int okvm_decode_mov_ctl(struct okvm_dec *d, struct okvm_insn *insn)
{
	static const enum okvm_insn_op ops[4] = {
		OKVM_OP_MOV_FROM_CR, OKVM_OP_MOV_FROM_DR,
		OKVM_OP_MOV_TO_CR, OKVM_OP_MOV_TO_DR,
	};
	bool is_cr = !(insn->opcode & 1);
	int r;

	r = okvm_fetch_u8(d, &insn->modrm);
	if (r)
		return r;
	insn->has_modrm = true;
	insn->op = ops[insn->opcode & 3];
	insn->op_bytes = insn->mode == OKVM_MODE_64 ? 8 : 4;
	insn->ctl.num = OKVM_MODRM_REG(insn->modrm) |
			(insn->rex & OKVM_REX_R ? 8 : 0);
	insn->ctl.gpr = OKVM_MODRM_RM(insn->modrm) |
			(insn->rex & OKVM_REX_B ? 8 : 0);
	if (insn->lock) {
		/*
		 * AMD's AltMovCr8: LOCK MOV CR0 means CR8, so that 32-bit
		 * code can reach the TPR. Any other LOCK'd form is #UD.
		 */
		if (!is_cr || insn->ctl.num != 0)
			return -EINVAL;
		insn->ctl.num = 8;
	}
	return 0;
}

/* 0F 01 register forms okvm knows, by their full ModRM byte. */
static const struct {
	u8 modrm;
	enum okvm_insn_op op;
} okvm_0f01_reg_ops[] = {
	{ 0xc8, OKVM_OP_MONITOR }, { 0xc9, OKVM_OP_MWAIT },
	{ 0xd1, OKVM_OP_XSETBV }, { 0xd8, OKVM_OP_VMRUN },
	{ 0xd9, OKVM_OP_VMMCALL }, { 0xda, OKVM_OP_VMLOAD },
	{ 0xdb, OKVM_OP_VMSAVE }, { 0xdc, OKVM_OP_STGI },
	{ 0xdd, OKVM_OP_CLGI }, { 0xde, OKVM_OP_SKINIT },
	{ 0xdf, OKVM_OP_INVLPGA }, { 0xf9, OKVM_OP_RDTSCP },
};

/* 0F 01: register forms by full ModRM, memory forms by ModRM.reg. */
static int okvm_decode_0f01(struct okvm_dec *d, struct okvm_insn *insn)
{
	unsigned int i;
	u8 modrm, reg;
	int r;

	r = okvm_fetch_u8(d, &modrm);
	if (r)
		return r;
	reg = OKVM_MODRM_REG(modrm);
	if (OKVM_MODRM_MOD(modrm) == 3) {
		insn->has_modrm = true;
		insn->modrm = modrm;
		if (reg == 4 || reg == 6) {	/* SMSW r / LMSW r16 */
			insn->op = reg == 4 ? OKVM_OP_SMSW : OKVM_OP_LMSW;
			insn->rm = OKVM_MODRM_RM(modrm) |
				   (insn->rex & OKVM_REX_B ? 8 : 0);
			return 0;
		}
		/*
		 * F2/F3 turn some of these encodings into other instructions
		 * (F3 0F 01 E8 is SETSSBSY, for one): refuse rather than guess.
		 */
		if (insn->rep)
			return -EINVAL;
		for (i = 0; i < ARRAY_SIZE(okvm_0f01_reg_ops); i++) {
			if (okvm_0f01_reg_ops[i].modrm == modrm) {
				insn->op = okvm_0f01_reg_ops[i].op;
				return 0;
			}
		}
		return -EINVAL;
	}

	/* Memory forms by ModRM.reg: SGDT, SIDT, LGDT, LIDT... are not ours. */
	switch (reg) {
	case 4:
		insn->op = OKVM_OP_SMSW;
		break;
	case 6:
		insn->op = OKVM_OP_LMSW;
		break;
	case 7:
		insn->op = OKVM_OP_INVLPG;
		break;
	default:
		return -EINVAL;
	}
	d->pos--;	/* the ModRM byte again, now with its memory operand */
	return okvm_decode_modrm(d, insn);
}

static int okvm_decode_io(struct okvm_dec *d, struct okvm_insn *insn)
{
	u16 op = insn->opcode;
	u64 port;
	int r;

	/* Byte forms are even; others are 16 or 32 bits, never 64. */
	insn->io.size = !(op & 1) ? 1 : insn->op_bytes == 2 ? 2 : 4;
	insn->io.port_in_dx = true;
	switch (op & ~3) {
	case 0x6c:
		insn->op = op & 2 ? OKVM_OP_OUTS : OKVM_OP_INS;
		return 0;
	case 0xec:
		insn->op = op & 2 ? OKVM_OP_OUT : OKVM_OP_IN;
		return 0;
	default:	/* E4-E7, port in imm8 */
		insn->op = op & 2 ? OKVM_OP_OUT : OKVM_OP_IN;
		insn->io.port_in_dx = false;
		r = okvm_fetch(d, 1, &port);
		if (!r)
			insn->io.port = port;
		return r;
	}
}

/* Opcodes with no operand bytes: the opcode alone says what they are. */
static enum okvm_insn_op okvm_simple_op(u16 opcode)
{
	switch (opcode) {
	case 0xf4: return OKVM_OP_HLT;
	case 0x0f06: return OKVM_OP_CLTS;
	case 0x0f08: return OKVM_OP_INVD;
	case 0x0f09: return OKVM_OP_WBINVD;
	case 0x0f30: return OKVM_OP_WRMSR;
	case 0x0f31: return OKVM_OP_RDTSC;
	case 0x0f32: return OKVM_OP_RDMSR;
	case 0x0f33: return OKVM_OP_RDPMC;
	case 0x0fa2: return OKVM_OP_CPUID;
	default: return OKVM_OP_NONE;
	}
}

static int okvm_decode_opcode(struct okvm_dec *d, struct okvm_insn *insn)
{
	u16 op = insn->opcode;

	/* LOCK is legal only on RMW memory forms, none of which okvm decodes. */
	if (insn->lock && op != 0x0f20 && op != 0x0f22)
		return -EINVAL;

	switch (op) {
	case 0x88: case 0x89: case 0x8a: case 0x8b:
	case 0xc6: case 0xc7:
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
	case 0x0fb6: case 0x0fb7: case 0x0fbe: case 0x0fbf:
		return okvm_decode_mov(d, insn);
	case 0x63:	/* ARPL outside 64-bit mode */
		if (insn->mode != OKVM_MODE_64)
			return -EINVAL;
		return okvm_decode_mov(d, insn);
	case 0x0f20: case 0x0f21: case 0x0f22: case 0x0f23:
		return okvm_decode_mov_ctl(d, insn);
	case 0x0f01:
		return okvm_decode_0f01(d, insn);
	case 0x6c: case 0x6d: case 0x6e: case 0x6f:
	case 0xe4: case 0xe5: case 0xe6: case 0xe7:
	case 0xec: case 0xed: case 0xee: case 0xef:
		return okvm_decode_io(d, insn);
	case 0xa4: case 0xa5: case 0xaa: case 0xab:
		/* Byte forms are even; the others 16, 32 or (REX.W) 64 bits. */
		insn->op = op & 8 ? OKVM_OP_STOS : OKVM_OP_MOVS;
		insn->str.size = op & 1 ? insn->op_bytes : 1;
		return 0;
	case 0x90:
		/* F3 90 is PAUSE; REX.B 90 is XCHG r8, rAX whatever F3 says. */
		if (insn->rep != 0xf3 || (insn->rex & OKVM_REX_B))
			return -EINVAL;
		insn->op = OKVM_OP_PAUSE;
		return 0;
	default:
		insn->op = okvm_simple_op(op);
		return insn->op == OKVM_OP_NONE ? -EINVAL : 0;
	}
}

/**
 * okvm_cpu_mode() - the decoding mode for a vCPU state
 * @pe: CR0.PE
 * @vm86: RFLAGS.VM
 * @lma: EFER.LMA
 * @cs_l: CS.L (the attribute bit of the code segment)
 * @cs_d: CS.D (CS.DB)
 *
 * Return: OKVM_MODE_64 in 64-bit mode, OKVM_MODE_32 for a 32-bit code
 * segment (protected or compatibility mode), OKVM_MODE_16 in real and
 * virtual-8086 mode and for 16-bit code segments.
 */
enum okvm_cpu_mode okvm_cpu_mode(bool pe, bool vm86, bool lma, bool cs_l,
				 bool cs_d)
{
	if (!pe || vm86)
		return OKVM_MODE_16;
	if (lma && cs_l)
		return OKVM_MODE_64;
	return cs_d ? OKVM_MODE_32 : OKVM_MODE_16;
}

/**
 * okvm_decode() - decode one instruction okvm handles
 * @bytes: the instruction bytes fetched from the guest at RIP
 * @avail: how many bytes @bytes holds (it is never read beyond that)
 * @mode: the mode the code segment gives (okvm_cpu_mode())
 * @insn: filled in on success
 *
 * Decodes prefixes, opcode, ModRM, SIB, displacement and immediate, and
 * classifies the instruction (@insn->op) with its operands.
 *
 * Return: 0 on success, @insn->len being the exact length (<= @avail and
 * <= OKVM_MAX_INSN_LEN); -ENODATA if the instruction continues beyond
 * @avail bytes (fetch more, e.g. across a page boundary, up to
 * OKVM_MAX_INSN_LEN, and call again); -EINVAL for an instruction okvm does
 * not handle, one that would raise #UD, or one longer than 15 bytes. On
 * failure @insn is unspecified.
 */
int okvm_decode(const u8 *bytes, unsigned int avail, enum okvm_cpu_mode mode,
		struct okvm_insn *insn)
{
	struct okvm_dec d = { .bytes = bytes, .avail = avail };
	bool opsize = false, adsize = false;
	u8 b;
	int r;

	memset(insn, 0, sizeof(*insn));
	insn->mode = mode;
	insn->seg = OKVM_SEG_NONE;

	/*
	 * Legacy prefixes come in any order and may repeat (the last of a
	 * group wins); REX counts only right before the opcode, so a legacy
	 * prefix after it cancels it, as the SDM says.
	 */
	for (;;) {
		r = okvm_fetch_u8(&d, &b);
		if (r)
			return r;
		switch (b) {
		case 0x66:
			opsize = true;
			break;
		case 0x67:
			adsize = true;
			break;
		case 0xf0:
			insn->lock = true;
			break;
		case 0xf2: case 0xf3:
			insn->rep = b;
			break;
		case 0x26: case 0x2e: case 0x36: case 0x3e:
			/* Null prefixes in 64-bit mode: no effect at all. */
			if (mode != OKVM_MODE_64)
				insn->seg = (b >> 3) & 3;
			break;
		case 0x64:
			insn->seg = OKVM_SEG_FS;
			break;
		case 0x65:
			insn->seg = OKVM_SEG_GS;
			break;
		case 0x40 ... 0x4f:
			/* INC/DEC outside 64-bit mode, not a prefix */
			if (mode == OKVM_MODE_64) {
				insn->rex = b;
				continue;
			}
			goto opcode;
		default:
			goto opcode;
		}
		insn->rex = 0;
	}

opcode:
	switch (mode) {
	case OKVM_MODE_16:
		insn->op_bytes = opsize ? 4 : 2;
		insn->ad_bytes = adsize ? 4 : 2;
		break;
	case OKVM_MODE_32:
		insn->op_bytes = opsize ? 2 : 4;
		insn->ad_bytes = adsize ? 2 : 4;
		break;
	case OKVM_MODE_64:
		/* REX.W beats 66. */
		insn->op_bytes = insn->rex & OKVM_REX_W ? 8 : opsize ? 2 : 4;
		insn->ad_bytes = adsize ? 4 : 8;
		break;
	default:
		return -EINVAL;
	}

	insn->opcode = b;
	if (b == 0x0f) {
		r = okvm_fetch_u8(&d, &b);
		if (r)
			return r;
		insn->opcode = 0x0f00 | b;
	}

	r = okvm_decode_opcode(&d, insn);
	if (r)
		return r;
	insn->len = d.pos;
	return 0;
}

/**
 * okvm_insn_write_value() - the value an MMIO store writes
 * @insn: a decoded OKVM_OP_MOV_MEM with dir OKVM_MMIO_WRITE
 * @gprs: the guest's 16 GPRs, RAX to R15 in encoding order
 * @val: set to the value to store (little-endian in its low @size bytes)
 *
 * Return: the access size in bytes (1, 2, 4 or 8), or 0 (and @val
 * untouched) if @insn is not a store.
 */
unsigned int okvm_insn_write_value(const struct okvm_insn *insn,
				   const u64 *gprs, u64 *val)
{
	const struct okvm_insn_mmio *mm = &insn->mmio;
	u64 v;

	if (insn->op != OKVM_OP_MOV_MEM || mm->dir != OKVM_MMIO_WRITE)
		return 0;
	if (mm->has_imm)
		v = mm->imm;
	else
		v = mm->high8 ? gprs[mm->reg] >> 8 : gprs[mm->reg];
	*val = v & okvm_size_mask(mm->size);
	return mm->size;
}

/**
 * okvm_insn_complete_read() - write the data an MMIO load returned
 * @insn: a decoded OKVM_OP_MOV_MEM with dir OKVM_MMIO_READ
 * @gprs: the guest's 16 GPRs, RAX to R15 in encoding order
 * @data: the data read, in its low @insn->mmio.size bytes (higher bits are
 *	ignored)
 *
 * Widens @data as MOVZX/MOVSX/MOVSXD do, then writes the destination with
 * the x86 rules: a 64-bit destination takes the value, a 32-bit one is
 * zero-extended to 64 bits, 16- and 8-bit ones merge into the old value
 * (AH/CH/DH/BH into bits 15:8).
 *
 * Return: 0, or -EINVAL (and @gprs untouched) if @insn is not a load.
 */
int okvm_insn_complete_read(const struct okvm_insn *insn, u64 *gprs, u64 data)
{
	const struct okvm_insn_mmio *mm = &insn->mmio;
	u64 *dst;

	if (insn->op != OKVM_OP_MOV_MEM || mm->dir != OKVM_MMIO_READ)
		return -EINVAL;
	dst = &gprs[mm->reg];
	data &= okvm_size_mask(mm->size);
	if (mm->ext == OKVM_EXT_SIGN)
		data = sign_extend64(data, 8 * mm->size - 1);

	switch (mm->dst_size) {
	case 8:
		*dst = data;
		break;
	case 4:
		*dst = (u32)data;
		break;
	case 2:
		*dst = (*dst & ~0xffffULL) | (data & 0xffff);
		break;
	default:
		if (mm->high8)
			*dst = (*dst & ~0xff00ULL) | ((data & 0xff) << 8);
		else
			*dst = (*dst & ~0xffULL) | (data & 0xff);
		break;
	}
	return 0;
}

/**
 * okvm_insn_mem_offset() - the effective address of a memory operand
 * @insn: a decoded instruction with @insn->has_mem
 * @gprs: the guest's 16 GPRs, RAX to R15 in encoding order
 * @rip: the address of the instruction (RIP-relative operands count from
 *	its end)
 *
 * Return: base + index * scale + displacement, wrapped to the address size;
 * the segment base (@insn->mem.seg) is not added. 0 if there is no memory
 * operand.
 */
u64 okvm_insn_mem_offset(const struct okvm_insn *insn, const u64 *gprs, u64 rip)
{
	const struct okvm_insn_mem *m = &insn->mem;
	u64 ea = m->disp;

	if (!insn->has_mem)
		return 0;
	if (m->base != OKVM_REG_NONE)
		ea += gprs[m->base];
	if (m->index != OKVM_REG_NONE)
		ea += gprs[m->index] * m->scale;
	if (m->rip_rel)
		ea += rip + insn->len;
	return ea & okvm_size_mask(insn->ad_bytes);
}
