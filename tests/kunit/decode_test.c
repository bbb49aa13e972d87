// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite for src/x86/decode.c, the instruction decoder.
 *
 * Every expected value below comes from the encodings in the Intel SDM
 * vol. 2 / AMD APM vol. 3, worked out by hand, not from the decoder. Each
 * table case is also decoded from every truncated prefix of its bytes, each
 * time from a kmalloc() of exactly that many bytes, so KASAN reports any
 * read past what the caller fetched.
 */
#include <kunit/test.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "x86/decode.h"

#define M16	OKVM_MODE_16
#define M32	OKVM_MODE_32
#define M64	OKVM_MODE_64
#define NONE	OKVM_REG_NONE

struct dec_case {
	const char *name;
	enum okvm_cpu_mode mode;
	u8 bytes[OKVM_MAX_INSN_LEN];
	u8 nbytes;
	int ret;
	struct okvm_insn want;
};

#define BYTES(...) .bytes = { __VA_ARGS__ }, \
	.nbytes = sizeof((u8[]){ __VA_ARGS__ })

#define MMIO(d, sz, dsz, ex, r, h) .op = OKVM_OP_MOV_MEM, .mmio = { \
	.dir = OKVM_MMIO_##d, .size = sz, .dst_size = dsz, \
	.ext = OKVM_EXT_##ex, .reg = r, .high8 = h }
#define WR(sz, r)	MMIO(WRITE, sz, sz, NONE, r, false)
#define RD(sz, r)	MMIO(READ, sz, sz, NONE, r, false)
#define WR_H(r)		MMIO(WRITE, 1, 1, NONE, r, true)
#define RD_H(r)		MMIO(READ, 1, 1, NONE, r, true)
#define IMM(sz, v) .op = OKVM_OP_MOV_MEM, .mmio = { \
	.dir = OKVM_MMIO_WRITE, .size = sz, .dst_size = sz, \
	.has_imm = true, .imm = v }
#define MEM(b, i, s, d, sg) .has_mem = true, .mem = { \
	.base = b, .index = i, .scale = s, .disp = d, .seg = OKVM_SEG_##sg }
#define RIPMEM(d) .has_mem = true, .mem = { .base = NONE, .index = NONE, \
	.scale = 1, .disp = d, .rip_rel = true, .seg = OKVM_SEG_DS }
#define CTL(o, n, g)	.op = OKVM_OP_##o, .ctl = { .num = n, .gpr = g }
#define IO(o, sz, p)	.op = OKVM_OP_##o, .io = { .size = sz, .port = p }
#define IODX(o, sz)	.op = OKVM_OP_##o, .io = { .size = sz, .port_in_dx = true }
#define STR(o, sz)	.op = OKVM_OP_##o, .str = { .size = sz }
#define BAD(m, n, ...)	{ n, m, BYTES(__VA_ARGS__), .ret = -EINVAL }

static const struct dec_case dec_cases[] = {
	/* 64-bit mode: 88/89/8A/8B, register operands and REX. */
	{ "64 mov [rax],ecx", M64, BYTES(0x89, 0x08),
	  .want = { .len = 2, WR(4, 1), MEM(0, NONE, 1, 0, DS) } },
	{ "64 mov [rax],rcx", M64, BYTES(0x48, 0x89, 0x08),
	  .want = { .len = 3, WR(8, 1), MEM(0, NONE, 1, 0, DS) } },
	{ "64 mov [rax],cx", M64, BYTES(0x66, 0x89, 0x08),
	  .want = { .len = 3, WR(2, 1) } },
	{ "64 mov [rax],r9 (REX.WR)", M64, BYTES(0x4c, 0x89, 0x08),
	  .want = { .len = 3, WR(8, 9) } },
	{ "64 mov [r8],ecx (REX.B)", M64, BYTES(0x41, 0x89, 0x08),
	  .want = { .len = 3, WR(4, 1), MEM(8, NONE, 1, 0, DS) } },
	{ "64 mov [rax],ah", M64, BYTES(0x88, 0x20),
	  .want = { .len = 2, WR_H(0) } },
	{ "64 mov [rax],bh", M64, BYTES(0x88, 0x38),
	  .want = { .len = 2, WR_H(3) } },
	{ "64 mov [rax],spl (REX)", M64, BYTES(0x40, 0x88, 0x20),
	  .want = { .len = 3, WR(1, 4) } },
	{ "64 mov [rax],dil (REX)", M64, BYTES(0x40, 0x88, 0x38),
	  .want = { .len = 3, WR(1, 7) } },
	{ "64 mov [rax],r12b", M64, BYTES(0x44, 0x88, 0x20),
	  .want = { .len = 3, WR(1, 12) } },
	{ "64 mov al,[rdi]", M64, BYTES(0x8a, 0x07),
	  .want = { .len = 2, RD(1, 0), MEM(7, NONE, 1, 0, DS) } },
	{ "64 mov ch,[rdi]", M64, BYTES(0x8a, 0x2f),
	  .want = { .len = 2, RD_H(1) } },
	{ "64 mov r15,[rdi]", M64, BYTES(0x4c, 0x8b, 0x3f),
	  .want = { .len = 3, RD(8, 15) } },
	/* Every ModRM/SIB/displacement shape. */
	{ "64 mov eax,[rip+0x10]", M64, BYTES(0x8b, 0x05, 0x10, 0, 0, 0),
	  .want = { .len = 6, RD(4, 0), RIPMEM(0x10) } },
	{ "64 mov eax,[rip-4] REX.B", M64,
	  BYTES(0x41, 0x8b, 0x05, 0xfc, 0xff, 0xff, 0xff),
	  .want = { .len = 7, RD(4, 0), RIPMEM(-4) } },
	{ "64 mov eax,[0x1000] SIB", M64,
	  BYTES(0x8b, 0x04, 0x25, 0x00, 0x10, 0, 0),
	  .want = { .len = 7, RD(4, 0), MEM(NONE, NONE, 1, 0x1000, DS) } },
	{ "64 SIB base 101 mod00 REX.B", M64,
	  BYTES(0x41, 0x8b, 0x04, 0x25, 0x00, 0x10, 0, 0),
	  .want = { .len = 8, RD(4, 0), MEM(NONE, NONE, 1, 0x1000, DS) } },
	{ "64 SIB base 101 mod00 index", M64,
	  BYTES(0x8b, 0x04, 0xcd, 0x00, 0x10, 0, 0),
	  .want = { .len = 7, RD(4, 0), MEM(NONE, 1, 8, 0x1000, DS) } },
	{ "64 mov eax,[rsp+8]", M64, BYTES(0x8b, 0x44, 0x24, 0x08),
	  .want = { .len = 4, RD(4, 0), MEM(4, NONE, 1, 8, SS) } },
	{ "64 mov eax,[rbp+0x100] mod10", M64,
	  BYTES(0x8b, 0x85, 0x00, 0x01, 0, 0),
	  .want = { .len = 6, RD(4, 0), MEM(5, NONE, 1, 0x100, SS) } },
	{ "64 [rax+rcx*4+0x100]", M64,
	  BYTES(0x8b, 0x84, 0x88, 0x00, 0x01, 0, 0),
	  .want = { .len = 7, RD(4, 0), MEM(0, 1, 4, 0x100, DS) } },
	{ "64 [rax+r12] REX.X", M64, BYTES(0x42, 0x8b, 0x04, 0x20),
	  .want = { .len = 4, RD(4, 0), MEM(0, 12, 1, 0, DS) } },
	{ "64 [r12] REX.B needs SIB", M64, BYTES(0x41, 0x8b, 0x04, 0x24),
	  .want = { .len = 4, RD(4, 0), MEM(12, NONE, 1, 0, DS) } },
	{ "64 [r13+0] REX.B mod01", M64, BYTES(0x41, 0x8b, 0x45, 0x00),
	  .want = { .len = 4, RD(4, 0), MEM(13, NONE, 1, 0, DS) } },
	{ "64 [rax-16] disp8", M64, BYTES(0x8b, 0x40, 0xf0),
	  .want = { .len = 3, RD(4, 0), MEM(0, NONE, 1, -16, DS) } },
	{ "64 [rax-2G] disp32", M64, BYTES(0x8b, 0x80, 0, 0, 0, 0x80),
	  .want = { .len = 6, RD(4, 0), MEM(0, NONE, 1, -0x80000000LL, DS) } },
	{ "64 [rbp+rbp*2-1] SIB mod01", M64, BYTES(0x8b, 0x44, 0x6d, 0xff),
	  .want = { .len = 4, RD(4, 0), MEM(5, 5, 2, -1, SS) } },
	{ "64 67 mov [eax],ecx", M64, BYTES(0x67, 0x89, 0x08),
	  .want = { .len = 3, WR(4, 1), .ad_bytes = 4 } },
	{ "64 67 [esp+8] SIB", M64, BYTES(0x67, 0x8b, 0x44, 0x24, 0x08),
	  .want = { .len = 5, RD(4, 0), MEM(4, NONE, 1, 8, SS) } },
	/* C6/C7 immediates. */
	{ "64 mov byte [rax],0x5a", M64, BYTES(0xc6, 0x00, 0x5a),
	  .want = { .len = 3, IMM(1, 0x5a) } },
	{ "64 mov byte [rax],-1 REX.W", M64, BYTES(0x48, 0xc6, 0x00, 0xff),
	  .want = { .len = 4, IMM(1, 0xff) } },
	{ "64 mov dword [rax],imm32", M64,
	  BYTES(0xc7, 0x00, 0x78, 0x56, 0x34, 0x12),
	  .want = { .len = 6, IMM(4, 0x12345678) } },
	{ "64 mov qword [rax],-1", M64,
	  BYTES(0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff),
	  .want = { .len = 7, IMM(8, 0xffffffffffffffffULL) } },
	{ "64 mov word [rax],imm16", M64, BYTES(0x66, 0xc7, 0x00, 0x34, 0x12),
	  .want = { .len = 5, IMM(2, 0x1234) } },
	{ "64 mov dword [rax+8],0x80000000", M64,
	  BYTES(0xc7, 0x40, 0x08, 0, 0, 0, 0x80),
	  .want = { .len = 7, IMM(4, 0x80000000), MEM(0, NONE, 1, 8, DS) } },
	{ "64 mov qword [rax+8],imm32 sext", M64,
	  BYTES(0x48, 0xc7, 0x40, 0x08, 0, 0, 0, 0x80),
	  .want = { .len = 8, IMM(8, 0xffffffff80000000ULL) } },
	{ "64 mov dword [rip+0],imm32", M64,
	  BYTES(0xc7, 0x05, 0, 0, 0, 0, 1, 0, 0, 0),
	  .want = { .len = 10, IMM(4, 1), RIPMEM(0) } },
	{ "64 mov qword [r12+r13*8+disp32],imm", M64,
	  BYTES(0x4b, 0xc7, 0x84, 0xec, 0x44, 0x33, 0x22, 0x11,
		0xef, 0xbe, 0xad, 0xde),
	  .want = { .len = 12, IMM(8, 0xffffffffdeadbeefULL),
		    MEM(12, 13, 8, 0x11223344, DS) } },
	/* A0-A3: moffs is address-size wide. */
	{ "64 mov eax,[moffs64]", M64,
	  BYTES(0xa1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11),
	  .want = { .len = 9, RD(4, 0),
		    MEM(NONE, NONE, 1, 0x1122334455667788LL, DS) } },
	{ "64 mov [moffs64],rax", M64,
	  BYTES(0x48, 0xa3, 0, 0, 0, 0xfe, 0, 0, 0, 0),
	  .want = { .len = 10, WR(8, 0), MEM(NONE, NONE, 1, 0xfe000000, DS) } },
	{ "64 mov al,[moffs32] 67", M64, BYTES(0x67, 0xa0, 0x44, 0x33, 0x22, 0x11),
	  .want = { .len = 6, RD(1, 0), MEM(NONE, NONE, 1, 0x11223344, DS) } },
	{ "64 mov [moffs64],al fs", M64,
	  BYTES(0x64, 0xa2, 1, 0, 0, 0, 0, 0, 0, 0x80),
	  .want = { .len = 10, WR(1, 0),
		    MEM(NONE, NONE, 1, (s64)0x8000000000000001ULL, FS) } },
	{ "64 67 REX es: REX dropped, 67 kept", M64,
	  BYTES(0x67, 0x48, 0x26, 0xa3, 1, 2, 3, 4),
	  .want = { .len = 8, WR(4, 0), MEM(NONE, NONE, 1, 0x04030201, DS) } },
	{ "64 mov ax,[moffs64] 66", M64,
	  BYTES(0x66, 0xa1, 0, 0, 0, 0, 0, 0, 0, 0),
	  .want = { .len = 10, RD(2, 0) } },
	/* MOVZX, MOVSX, MOVSXD. */
	{ "64 movzx eax,byte [rax]", M64, BYTES(0x0f, 0xb6, 0x00),
	  .want = { .len = 3, MMIO(READ, 1, 4, ZERO, 0, false) } },
	{ "64 movzx r11d,word [rax]", M64, BYTES(0x44, 0x0f, 0xb7, 0x18),
	  .want = { .len = 4, MMIO(READ, 2, 4, ZERO, 11, false) } },
	{ "64 movzx rsp,byte [rax] (no AH)", M64, BYTES(0x48, 0x0f, 0xb6, 0x20),
	  .want = { .len = 4, MMIO(READ, 1, 8, ZERO, 4, false) } },
	{ "64 movzx sp,byte [rax]", M64, BYTES(0x66, 0x0f, 0xb6, 0x20),
	  .want = { .len = 4, MMIO(READ, 1, 2, ZERO, 4, false) } },
	{ "64 movsx rax,word [rax]", M64, BYTES(0x48, 0x0f, 0xbf, 0x00),
	  .want = { .len = 4, MMIO(READ, 2, 8, SIGN, 0, false) } },
	{ "64 movsx cx,byte [rax]", M64, BYTES(0x66, 0x0f, 0xbe, 0x08),
	  .want = { .len = 4, MMIO(READ, 1, 2, SIGN, 1, false) } },
	{ "64 movsxd rcx,dword [rax]", M64, BYTES(0x48, 0x63, 0x08),
	  .want = { .len = 3, MMIO(READ, 4, 8, SIGN, 1, false) } },
	{ "64 movsxd ecx,dword [rax] no W", M64, BYTES(0x63, 0x08),
	  .want = { .len = 2, RD(4, 1) } },
	/* Prefix combinations. */
	{ "64 gs mov [rax],ecx", M64, BYTES(0x65, 0x89, 0x08),
	  .want = { .len = 3, WR(4, 1), MEM(0, NONE, 1, 0, GS) } },
	{ "64 cs override is null", M64, BYTES(0x2e, 0x89, 0x08),
	  .want = { .len = 3, WR(4, 1), MEM(0, NONE, 1, 0, DS) } },
	{ "64 66 66 redundant", M64, BYTES(0x66, 0x66, 0x89, 0x08),
	  .want = { .len = 4, WR(2, 1) } },
	{ "64 REX then 66: REX ignored", M64, BYTES(0x48, 0x66, 0x89, 0x08),
	  .want = { .len = 4, WR(2, 1) } },
	{ "64 REX.R then 67: REX ignored", M64, BYTES(0x44, 0x67, 0x88, 0x20),
	  .want = { .len = 4, WR_H(0) } },
	{ "64 66 REX.W: W wins", M64, BYTES(0x66, 0x48, 0x89, 0x08),
	  .want = { .len = 4, WR(8, 1) } },
	{ "64 two REX: last counts", M64, BYTES(0x48, 0x41, 0x89, 0x08),
	  .want = { .len = 4, WR(4, 1), MEM(8, NONE, 1, 0, DS) } },
	{ "64 f3 mov (XRELEASE) allowed", M64, BYTES(0xf3, 0x89, 0x08),
	  .want = { .len = 3, WR(4, 1) } },
	{ "64 13 prefixes: 15 bytes", M64,
	  BYTES(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
		0x66, 0x66, 0x66, 0x89, 0x08),
	  .want = { .len = 15, WR(2, 1) } },
	BAD(M64, "64 14 prefixes: 16 bytes", 0x66, 0x66, 0x66, 0x66, 0x66,
	    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x89),

	/* 32-bit protected mode. */
	{ "32 mov [eax],ecx", M32, BYTES(0x89, 0x08),
	  .want = { .len = 2, WR(4, 1), .ad_bytes = 4 } },
	{ "32 mov [eax],cx", M32, BYTES(0x66, 0x89, 0x08),
	  .want = { .len = 3, WR(2, 1) } },
	{ "32 mov eax,[0x1000] not rip", M32, BYTES(0x8b, 0x05, 0, 0x10, 0, 0),
	  .want = { .len = 6, RD(4, 0), MEM(NONE, NONE, 1, 0x1000, DS) } },
	{ "32 mov [esp],ah", M32, BYTES(0x88, 0x24, 0x24),
	  .want = { .len = 3, WR_H(0), MEM(4, NONE, 1, 0, SS) } },
	{ "32 es mov [eax],ecx", M32, BYTES(0x26, 0x89, 0x08),
	  .want = { .len = 3, WR(4, 1), MEM(0, NONE, 1, 0, ES) } },
	{ "32 cs then ds: last wins", M32, BYTES(0x2e, 0x3e, 0x8b, 0x45, 0),
	  .want = { .len = 5, RD(4, 0), MEM(5, NONE, 1, 0, DS) } },
	{ "32 mov eax,[moffs32]", M32, BYTES(0xa1, 0, 0x10, 0, 0),
	  .want = { .len = 5, RD(4, 0), MEM(NONE, NONE, 1, 0x1000, DS) } },
	{ "32 66 mov ax,[moffs32]", M32, BYTES(0x66, 0xa1, 0, 0x10, 0, 0),
	  .want = { .len = 6, RD(2, 0) } },
	{ "32 67 mov eax,[moffs16]", M32, BYTES(0x67, 0xa1, 0, 0x10),
	  .want = { .len = 4, RD(4, 0), MEM(NONE, NONE, 1, 0x1000, DS) } },
	{ "32 67 mov eax,[bx+8]", M32, BYTES(0x67, 0x8b, 0x47, 0x08),
	  .want = { .len = 4, RD(4, 0), MEM(3, NONE, 1, 8, DS) } },
	{ "32 mov dword [0x1000],imm32", M32,
	  BYTES(0xc7, 0x05, 0, 0x10, 0, 0, 0x78, 0x56, 0x34, 0x12),
	  .want = { .len = 10, IMM(4, 0x12345678) } },
	{ "32 movzx eax,word [ebx]", M32, BYTES(0x0f, 0xb7, 0x03),
	  .want = { .len = 3, MMIO(READ, 2, 4, ZERO, 0, false) } },
	{ "32 mov [ebx],dl", M32, BYTES(0x88, 0x13),
	  .want = { .len = 2, WR(1, 2), MEM(3, NONE, 1, 0, DS) } },
	{ "32 mov bh,[ecx+edx*2]", M32, BYTES(0x8a, 0x3c, 0x51),
	  .want = { .len = 3, RD_H(3), MEM(1, 2, 2, 0, DS) } },
	{ "32 mov al,[moffs32]", M32, BYTES(0xa0, 0x78, 0x56, 0x34, 0x12),
	  .want = { .len = 5, RD(1, 0), MEM(NONE, NONE, 1, 0x12345678, DS) } },
	{ "32 mov [moffs32],al", M32, BYTES(0xa2, 0, 0, 0, 0xfe),
	  .want = { .len = 5, WR(1, 0), MEM(NONE, NONE, 1, 0xfe000000, DS) } },
	{ "32 fs mov [moffs32],eax", M32, BYTES(0x64, 0xa3, 0, 0, 0, 0xfe),
	  .want = { .len = 6, WR(4, 0), MEM(NONE, NONE, 1, 0xfe000000, FS) } },
	{ "32 mov byte [ebp-4],1", M32, BYTES(0xc6, 0x45, 0xfc, 0x01),
	  .want = { .len = 4, IMM(1, 1), MEM(5, NONE, 1, -4, SS) } },
	{ "32 66 mov word [eax],imm16", M32, BYTES(0x66, 0xc7, 0x00, 0xcd, 0xab),
	  .want = { .len = 5, IMM(2, 0xabcd) } },
	{ "32 movsx eax,byte [esi]", M32, BYTES(0x0f, 0xbe, 0x06),
	  .want = { .len = 3, MMIO(READ, 1, 4, SIGN, 0, false) } },
	{ "32 66 movsx ax,word [esi]", M32, BYTES(0x66, 0x0f, 0xbf, 0x06),
	  .want = { .len = 4, MMIO(READ, 2, 2, SIGN, 0, false) } },
	{ "32 movzx ebp,byte [disp32+edi*8]", M32,
	  BYTES(0x0f, 0xb6, 0x2c, 0xfd, 0, 0x10, 0, 0),
	  .want = { .len = 8, MMIO(READ, 1, 4, ZERO, 5, false),
		    MEM(NONE, 7, 8, 0x1000, DS) } },
	BAD(M32, "32 48 is dec eax", 0x48, 0x89, 0x08),
	BAD(M32, "32 63 is arpl", 0x63, 0x08),

	/* 16-bit (real mode, CS.D=0). */
	{ "16 mov [bx],ax", M16, BYTES(0x89, 0x07),
	  .want = { .len = 2, WR(2, 0), MEM(3, NONE, 1, 0, DS) } },
	{ "16 mov ax,[0x1000] rm110", M16, BYTES(0x8b, 0x06, 0, 0x10),
	  .want = { .len = 4, RD(2, 0), MEM(NONE, NONE, 1, 0x1000, DS) } },
	{ "16 mov ax,[bp+2]", M16, BYTES(0x8b, 0x46, 0x02),
	  .want = { .len = 3, RD(2, 0), MEM(5, NONE, 1, 2, SS) } },
	{ "16 mov ax,[bx+si+0x100]", M16, BYTES(0x8b, 0x80, 0, 0x01),
	  .want = { .len = 4, RD(2, 0), MEM(3, 6, 1, 0x100, DS) } },
	{ "16 mov ax,[bp+di-2]", M16, BYTES(0x8b, 0x43, 0xfe),
	  .want = { .len = 3, RD(2, 0), MEM(5, 7, 1, -2, SS) } },
	{ "16 mov [di],dh", M16, BYTES(0x88, 0x35),
	  .want = { .len = 2, WR_H(2), MEM(7, NONE, 1, 0, DS) } },
	{ "16 66 mov [bx],eax", M16, BYTES(0x66, 0x89, 0x07),
	  .want = { .len = 3, WR(4, 0) } },
	{ "16 67 mov ax,[esp] SIB", M16, BYTES(0x67, 0x8b, 0x04, 0x24),
	  .want = { .len = 4, RD(2, 0), MEM(4, NONE, 1, 0, SS) } },
	{ "16 67 mov ax,[0x1000] disp32", M16,
	  BYTES(0x67, 0x8b, 0x05, 0, 0x10, 0, 0),
	  .want = { .len = 7, RD(2, 0), MEM(NONE, NONE, 1, 0x1000, DS) } },
	{ "16 mov ax,[moffs16]", M16, BYTES(0xa1, 0, 0x10),
	  .want = { .len = 3, RD(2, 0) } },
	{ "16 mov byte [0x1000],imm8", M16, BYTES(0xc6, 0x06, 0, 0x10, 0x5a),
	  .want = { .len = 5, IMM(1, 0x5a) } },
	{ "16 mov word [0x1000],imm16", M16,
	  BYTES(0xc7, 0x06, 0, 0x10, 0x34, 0x12),
	  .want = { .len = 6, IMM(2, 0x1234) } },
	{ "16 66 mov dword [0x1000],imm32", M16,
	  BYTES(0x66, 0xc7, 0x06, 0, 0x10, 0x78, 0x56, 0x34, 0x12),
	  .want = { .len = 9, IMM(4, 0x12345678) } },
	{ "16 mov bl,[bx+di]", M16, BYTES(0x8a, 0x19),
	  .want = { .len = 2, RD(1, 3), MEM(3, 7, 1, 0, DS) } },
	{ "16 mov [bp+si+0x1234],ch", M16, BYTES(0x88, 0xaa, 0x34, 0x12),
	  .want = { .len = 4, WR_H(1), MEM(5, 6, 1, 0x1234, SS) } },
	{ "16 mov al,[moffs16]", M16, BYTES(0xa0, 0x34, 0x12),
	  .want = { .len = 3, RD(1, 0), MEM(NONE, NONE, 1, 0x1234, DS) } },
	{ "16 es mov [moffs16],ax", M16, BYTES(0x26, 0xa3, 0x34, 0x12),
	  .want = { .len = 4, WR(2, 0), MEM(NONE, NONE, 1, 0x1234, ES) } },
	{ "16 67 mov [moffs32],al", M16, BYTES(0x67, 0xa2, 0, 0, 0x10, 0),
	  .want = { .len = 6, WR(1, 0), MEM(NONE, NONE, 1, 0x100000, DS) } },
	{ "16 66 mov [moffs16],eax", M16, BYTES(0x66, 0xa3, 0x34, 0x12),
	  .want = { .len = 4, WR(4, 0) } },
	{ "16 movzx ax,byte [bx]", M16, BYTES(0x0f, 0xb6, 0x07),
	  .want = { .len = 3, MMIO(READ, 1, 2, ZERO, 0, false) } },
	{ "16 66 movzx eax,word [bx]", M16, BYTES(0x66, 0x0f, 0xb7, 0x07),
	  .want = { .len = 4, MMIO(READ, 2, 4, ZERO, 0, false) } },
	{ "16 66 movsx edx,word [bp+0]", M16, BYTES(0x66, 0x0f, 0xbf, 0x56, 0),
	  .want = { .len = 5, MMIO(READ, 2, 4, SIGN, 2, false),
		    MEM(5, NONE, 1, 0, SS) } },
	BAD(M16, "16 63 is arpl", 0x63, 0x07),
	BAD(M16, "16 mov ax,cx (register form)", 0x8b, 0xc1),
	{ "16 movsx ax,byte [si]", M16, BYTES(0x0f, 0xbe, 0x04),
	  .want = { .len = 3, MMIO(READ, 1, 2, SIGN, 0, false),
		    MEM(6, NONE, 1, 0, DS) } },

	/* Control and debug registers: mod is ignored, no disp. */
	{ "64 mov cr3,rax", M64, BYTES(0x0f, 0x22, 0xd8),
	  .want = { .len = 3, CTL(MOV_TO_CR, 3, 0), .op_bytes = 8 } },
	{ "64 mov rax,cr0", M64, BYTES(0x0f, 0x20, 0xc0),
	  .want = { .len = 3, CTL(MOV_FROM_CR, 0, 0), .op_bytes = 8 } },
	{ "64 mov cr8,rax REX.R", M64, BYTES(0x44, 0x0f, 0x22, 0xc0),
	  .want = { .len = 4, CTL(MOV_TO_CR, 8, 0) } },
	{ "64 mov cr4,r15 REX.B", M64, BYTES(0x41, 0x0f, 0x22, 0xe7),
	  .want = { .len = 4, CTL(MOV_TO_CR, 4, 15) } },
	{ "64 66 mov cr0,rax still 64", M64, BYTES(0x66, 0x0f, 0x22, 0xc0),
	  .want = { .len = 4, CTL(MOV_TO_CR, 0, 0), .op_bytes = 8 } },
	{ "64 mov cr3 mod00 rm101: no disp", M64, BYTES(0x0f, 0x22, 0x1d),
	  .want = { .len = 3, CTL(MOV_TO_CR, 3, 5) } },
	{ "64 mov cr0 mod01 rm100: no SIB", M64, BYTES(0x0f, 0x22, 0x44),
	  .want = { .len = 3, CTL(MOV_TO_CR, 0, 4) } },
	{ "32 mov cr0,eax", M32, BYTES(0x0f, 0x22, 0xc0),
	  .want = { .len = 3, CTL(MOV_TO_CR, 0, 0), .op_bytes = 4 } },
	{ "32 lock mov cr0 is cr8 (AMD)", M32, BYTES(0xf0, 0x0f, 0x22, 0xc0),
	  .want = { .len = 4, CTL(MOV_TO_CR, 8, 0), .lock = true } },
	{ "32 lock mov eax,cr8 (AMD)", M32, BYTES(0xf0, 0x0f, 0x20, 0xc3),
	  .want = { .len = 4, CTL(MOV_FROM_CR, 8, 3), .lock = true } },
	BAD(M32, "32 lock mov cr3", 0xf0, 0x0f, 0x22, 0xd8),
	BAD(M32, "32 lock mov dr7", 0xf0, 0x0f, 0x23, 0xf8),
	{ "64 mov dr7,rax", M64, BYTES(0x0f, 0x23, 0xf8),
	  .want = { .len = 3, CTL(MOV_TO_DR, 7, 0) } },
	{ "32 mov esi,dr0", M32, BYTES(0x0f, 0x21, 0xc6),
	  .want = { .len = 3, CTL(MOV_FROM_DR, 0, 6) } },
	{ "32 mov dr6,ebx mod00", M32, BYTES(0x0f, 0x23, 0x33),
	  .want = { .len = 3, CTL(MOV_TO_DR, 6, 3) } },
	{ "64 mov r8,dr7 REX.B", M64, BYTES(0x49, 0x0f, 0x21, 0xf8),
	  .want = { .len = 4, CTL(MOV_FROM_DR, 7, 8) } },
	{ "64 mov rax,cr2 mod10 no disp32", M64, BYTES(0x0f, 0x20, 0x90),
	  .want = { .len = 3, CTL(MOV_FROM_CR, 2, 0) } },
	{ "16 mov cr3,ebx (real mode)", M16, BYTES(0x0f, 0x22, 0xdb),
	  .want = { .len = 3, CTL(MOV_TO_CR, 3, 3), .op_bytes = 4 } },
	{ "16 mov eax,cr0 (real mode)", M16, BYTES(0x0f, 0x20, 0xc0),
	  .want = { .len = 3, CTL(MOV_FROM_CR, 0, 0), .op_bytes = 4 } },

	/* System instructions: length and class. */
	{ "clts", M64, BYTES(0x0f, 0x06), .want = { .len = 2, .op = OKVM_OP_CLTS } },
	{ "lmsw ax", M32, BYTES(0x0f, 0x01, 0xf0),
	  .want = { .len = 3, .op = OKVM_OP_LMSW, .rm = 0 } },
	{ "lmsw r9w", M64, BYTES(0x41, 0x0f, 0x01, 0xf1),
	  .want = { .len = 4, .op = OKVM_OP_LMSW, .rm = 9 } },
	{ "lmsw [rax+0x100]", M64, BYTES(0x0f, 0x01, 0xb0, 0, 1, 0, 0),
	  .want = { .len = 7, .op = OKVM_OP_LMSW, MEM(0, NONE, 1, 0x100, DS) } },
	{ "smsw eax", M32, BYTES(0x0f, 0x01, 0xe0),
	  .want = { .len = 3, .op = OKVM_OP_SMSW, .rm = 0 } },
	{ "smsw [bx]", M16, BYTES(0x0f, 0x01, 0x27),
	  .want = { .len = 3, .op = OKVM_OP_SMSW, MEM(3, NONE, 1, 0, DS) } },
	{ "invlpg [rax]", M64, BYTES(0x0f, 0x01, 0x38),
	  .want = { .len = 3, .op = OKVM_OP_INVLPG, MEM(0, NONE, 1, 0, DS) } },
	{ "invlpg [rip+8]", M64, BYTES(0x0f, 0x01, 0x3d, 8, 0, 0, 0),
	  .want = { .len = 7, .op = OKVM_OP_INVLPG, RIPMEM(8) } },
	{ "invlpg [0x1000] 16", M16, BYTES(0x0f, 0x01, 0x3e, 0, 0x10),
	  .want = { .len = 5, .op = OKVM_OP_INVLPG,
		    MEM(NONE, NONE, 1, 0x1000, DS) } },
	{ "cpuid", M64, BYTES(0x0f, 0xa2), .want = { .len = 2, .op = OKVM_OP_CPUID } },
	{ "rex.w cpuid", M64, BYTES(0x48, 0x0f, 0xa2),
	  .want = { .len = 3, .op = OKVM_OP_CPUID } },
	{ "rdmsr", M32, BYTES(0x0f, 0x32), .want = { .len = 2, .op = OKVM_OP_RDMSR } },
	{ "wrmsr", M64, BYTES(0x0f, 0x30), .want = { .len = 2, .op = OKVM_OP_WRMSR } },
	{ "rdtsc", M16, BYTES(0x0f, 0x31), .want = { .len = 2, .op = OKVM_OP_RDTSC } },
	{ "rdtscp", M64, BYTES(0x0f, 0x01, 0xf9),
	  .want = { .len = 3, .op = OKVM_OP_RDTSCP } },
	{ "vmrun", M64, BYTES(0x0f, 0x01, 0xd8),
	  .want = { .len = 3, .op = OKVM_OP_VMRUN } },
	{ "invlpga", M32, BYTES(0x0f, 0x01, 0xdf),
	  .want = { .len = 3, .op = OKVM_OP_INVLPGA } },
	{ "cpuid 16", M16, BYTES(0x0f, 0xa2), .want = { .len = 2, .op = OKVM_OP_CPUID } },
	{ "wrmsr 32", M32, BYTES(0x0f, 0x30), .want = { .len = 2, .op = OKVM_OP_WRMSR } },
	{ "vmmcall 16", M16, BYTES(0x0f, 0x01, 0xd9),
	  .want = { .len = 3, .op = OKVM_OP_VMMCALL } },
	{ "hlt 64", M64, BYTES(0xf4), .want = { .len = 1, .op = OKVM_OP_HLT } },
	{ "hlt", M16, BYTES(0xf4), .want = { .len = 1, .op = OKVM_OP_HLT } },
	{ "vmmcall", M64, BYTES(0x0f, 0x01, 0xd9),
	  .want = { .len = 3, .op = OKVM_OP_VMMCALL } },
	{ "xsetbv", M32, BYTES(0x0f, 0x01, 0xd1),
	  .want = { .len = 3, .op = OKVM_OP_XSETBV } },
	{ "pause", M64, BYTES(0xf3, 0x90), .want = { .len = 2, .op = OKVM_OP_PAUSE } },
	{ "wbinvd", M64, BYTES(0x0f, 0x09), .want = { .len = 2, .op = OKVM_OP_WBINVD } },

	/* Port I/O. */
	{ "in al,0x60", M32, BYTES(0xe4, 0x60), .want = { .len = 2, IO(IN, 1, 0x60) } },
	{ "in eax,0x70", M32, BYTES(0xe5, 0x70), .want = { .len = 2, IO(IN, 4, 0x70) } },
	{ "in ax,0x70 (16)", M16, BYTES(0xe5, 0x70), .want = { .len = 2, IO(IN, 2, 0x70) } },
	{ "66 in ax,0x70", M64, BYTES(0x66, 0xe5, 0x70),
	  .want = { .len = 3, IO(IN, 2, 0x70) } },
	{ "out 0x80,al", M64, BYTES(0xe6, 0x80), .want = { .len = 2, IO(OUT, 1, 0x80) } },
	{ "out 0xff,eax", M64, BYTES(0xe7, 0xff), .want = { .len = 2, IO(OUT, 4, 0xff) } },
	{ "in al,dx", M64, BYTES(0xec), .want = { .len = 1, IODX(IN, 1) } },
	{ "in eax,dx", M32, BYTES(0xed), .want = { .len = 1, IODX(IN, 4) } },
	{ "in ax,dx (16)", M16, BYTES(0xed), .want = { .len = 1, IODX(IN, 2) } },
	{ "out dx,al", M64, BYTES(0xee), .want = { .len = 1, IODX(OUT, 1) } },
	{ "rex.w out dx,eax still 4", M64, BYTES(0x48, 0xef),
	  .want = { .len = 2, IODX(OUT, 4) } },
	{ "rep insb", M64, BYTES(0xf3, 0x6c),
	  .want = { .len = 2, IODX(INS, 1), .rep = 0xf3 } },
	{ "rep insw", M32, BYTES(0xf3, 0x66, 0x6d),
	  .want = { .len = 3, IODX(INS, 2), .rep = 0xf3 } },
	{ "rep stosw (16)", M16, BYTES(0xf3, 0xab),
	  .want = { .len = 2, STR(STOS, 2), .rep = 0xf3, .ad_bytes = 2 } },
	{ "repne stosq 67", M64, BYTES(0x67, 0xf2, 0x48, 0xab),
	  .want = { .len = 4, STR(STOS, 8), .rep = 0xf2, .ad_bytes = 4 } },
	{ "fs movsb", M64, BYTES(0x64, 0xa4),
	  .want = { .len = 2, STR(MOVS, 1), .seg = OKVM_SEG_FS } },
	{ "rep movsw 66 (32)", M32, BYTES(0x66, 0xf3, 0xa5),
	  .want = { .len = 3, STR(MOVS, 2), .rep = 0xf3 } },
	{ "rep outsb", M16, BYTES(0xf3, 0x6e),
	  .want = { .len = 2, IODX(OUTS, 1), .rep = 0xf3 } },
	{ "cs rep outsd 67", M32, BYTES(0x2e, 0xf3, 0x67, 0x6f),
	  .want = { .len = 4, IODX(OUTS, 4), .rep = 0xf3, .seg = OKVM_SEG_CS,
		    .ad_bytes = 2 } },
	{ "out 0x80,ax (16)", M16, BYTES(0xe7, 0x80),
	  .want = { .len = 2, IO(OUT, 2, 0x80) } },
	{ "rep insd 16 with 66", M16, BYTES(0x66, 0xf3, 0x6d),
	  .want = { .len = 3, IODX(INS, 4), .rep = 0xf3 } },
	{ "rep outsw 64 gs", M64, BYTES(0x65, 0xf3, 0x66, 0x6f),
	  .want = { .len = 4, IODX(OUTS, 2), .rep = 0xf3, .seg = OKVM_SEG_GS } },
	{ "outsd", M64, BYTES(0x6f), .want = { .len = 1, IODX(OUTS, 4) } },

	/* Not okvm's: -EINVAL, whatever follows. */
	BAD(M64, "mov eax,ecx (register form)", 0x89, 0xc8),
	BAD(M64, "mov al,cl (register form)", 0x8a, 0xc1),
	BAD(M64, "movzx eax,cl (register form)", 0x0f, 0xb6, 0xc1),
	BAD(M64, "add [rax],ecx", 0x01, 0x08),
	BAD(M64, "rep lodsb", 0xf3, 0xac),
	BAD(M64, "repe cmpsb", 0xf3, 0xa6),
	BAD(M64, "lock stosb", 0xf0, 0xaa),
	BAD(M64, "lock add [rax],ecx", 0xf0, 0x01, 0x08),
	BAD(M64, "lock mov [rax],ecx is UD", 0xf0, 0x89, 0x08),
	BAD(M64, "movaps xmm0,[rax]", 0x0f, 0x28, 0x00),
	BAD(M64, "movdqu xmm0,[rax]", 0xf3, 0x0f, 0x6f, 0x00),
	BAD(M64, "vex vmovdqu", 0xc5, 0xfe, 0x6f, 0x00),
	BAD(M64, "0f 38 escape", 0x0f, 0x38, 0x00, 0x00),
	BAD(M64, "c6 /1", 0xc6, 0x08, 0x00),
	BAD(M64, "xbegin (c7 f8)", 0xc7, 0xf8, 0, 0, 0, 0),
	BAD(M64, "sgdt [rax]", 0x0f, 0x01, 0x00),
	BAD(M64, "swapgs", 0x0f, 0x01, 0xf8),
	BAD(M64, "f3 0f 01 d9", 0xf3, 0x0f, 0x01, 0xd9),
	BAD(M64, "nop", 0x90),
	BAD(M64, "rex.b f3 90 (xchg r8)", 0xf3, 0x41, 0x90),
	BAD(M64, "xchg [rax],ecx", 0x87, 0x08),
	BAD(M64, "mov [rax],es (8c)", 0x8c, 0x00),
};

static void dec_case_desc(const struct dec_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(dec, dec_cases, dec_case_desc);

/*
 * Decode the first @avail bytes of @bytes from a buffer of exactly that
 * size, so that KASAN catches a read past it.
 */
static int decode_exact(struct kunit *test, const u8 *bytes, unsigned int avail,
			enum okvm_cpu_mode mode, struct okvm_insn *insn)
{
	u8 *buf = kmalloc(avail, GFP_KERNEL);
	int r;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	memcpy(buf, bytes, avail);
	r = okvm_decode(buf, avail, mode, insn);
	kfree(buf);
	return r;
}

static void check_insn(struct kunit *test, const struct okvm_insn *w,
		       const struct okvm_insn *g)
{
	KUNIT_EXPECT_EQ(test, g->len, w->len);
	KUNIT_EXPECT_EQ(test, g->op, w->op);
	if (w->op_bytes)
		KUNIT_EXPECT_EQ(test, g->op_bytes, w->op_bytes);
	if (w->ad_bytes)
		KUNIT_EXPECT_EQ(test, g->ad_bytes, w->ad_bytes);
	if (w->rep)
		KUNIT_EXPECT_EQ(test, g->rep, w->rep);
	if (w->seg)	/* ES (0) is never checked this way */
		KUNIT_EXPECT_EQ(test, g->seg, w->seg);
	KUNIT_EXPECT_EQ(test, g->lock, w->lock);

	switch (w->op) {
	case OKVM_OP_MOV_MEM:
		KUNIT_EXPECT_TRUE(test, g->has_mem);
		KUNIT_EXPECT_EQ(test, g->mmio.dir, w->mmio.dir);
		KUNIT_EXPECT_EQ(test, g->mmio.size, w->mmio.size);
		KUNIT_EXPECT_EQ(test, g->mmio.dst_size, w->mmio.dst_size);
		KUNIT_EXPECT_EQ(test, g->mmio.ext, w->mmio.ext);
		KUNIT_EXPECT_EQ(test, g->mmio.has_imm, w->mmio.has_imm);
		if (w->mmio.has_imm) {
			KUNIT_EXPECT_EQ(test, g->mmio.imm, w->mmio.imm);
		} else {
			KUNIT_EXPECT_EQ(test, g->mmio.reg, w->mmio.reg);
			KUNIT_EXPECT_EQ(test, g->mmio.high8, w->mmio.high8);
		}
		break;
	case OKVM_OP_MOV_TO_CR: case OKVM_OP_MOV_FROM_CR:
	case OKVM_OP_MOV_TO_DR: case OKVM_OP_MOV_FROM_DR:
		KUNIT_EXPECT_FALSE(test, g->has_mem);
		KUNIT_EXPECT_EQ(test, g->ctl.num, w->ctl.num);
		KUNIT_EXPECT_EQ(test, g->ctl.gpr, w->ctl.gpr);
		break;
	case OKVM_OP_IN: case OKVM_OP_OUT: case OKVM_OP_INS: case OKVM_OP_OUTS:
		KUNIT_EXPECT_EQ(test, g->io.size, w->io.size);
		KUNIT_EXPECT_EQ(test, g->io.port_in_dx, w->io.port_in_dx);
		if (!w->io.port_in_dx)
			KUNIT_EXPECT_EQ(test, g->io.port, w->io.port);
		break;
	case OKVM_OP_STOS: case OKVM_OP_MOVS:
		KUNIT_EXPECT_FALSE(test, g->has_mem);
		KUNIT_EXPECT_EQ(test, g->str.size, w->str.size);
		break;
	case OKVM_OP_LMSW: case OKVM_OP_SMSW:
		KUNIT_EXPECT_EQ(test, g->has_mem, w->has_mem);
		if (!w->has_mem)
			KUNIT_EXPECT_EQ(test, g->rm, w->rm);
		break;
	default:
		break;
	}

	if (w->has_mem) {
		KUNIT_EXPECT_TRUE(test, g->has_mem);
		KUNIT_EXPECT_EQ(test, g->mem.base, w->mem.base);
		KUNIT_EXPECT_EQ(test, g->mem.index, w->mem.index);
		KUNIT_EXPECT_EQ(test, g->mem.scale, w->mem.scale);
		KUNIT_EXPECT_EQ(test, g->mem.disp, w->mem.disp);
		KUNIT_EXPECT_EQ(test, g->mem.rip_rel, w->mem.rip_rel);
		KUNIT_EXPECT_EQ(test, g->mem.seg, w->mem.seg);
	}
}

static void decode_table(struct kunit *test)
{
	const struct dec_case *c = test->param_value;
	struct okvm_insn insn;
	unsigned int n;
	int r;

	r = decode_exact(test, c->bytes, c->nbytes, c->mode, &insn);
	KUNIT_ASSERT_EQ(test, r, c->ret);
	if (!r) {
		/* The table lists exactly the instruction's bytes. */
		KUNIT_EXPECT_EQ(test, c->want.len, c->nbytes);
		check_insn(test, &c->want, &insn);
	}

	/*
	 * Every shorter fetch must ask for more bytes (an invalid one may
	 * also be refused as soon as the opcode says so), and reads nothing
	 * beyond what it was given.
	 */
	for (n = 0; n < c->nbytes; n++) {
		r = decode_exact(test, c->bytes, n, c->mode, &insn);
		if (c->ret)
			KUNIT_EXPECT_TRUE_MSG(test, r == -ENODATA || r == -EINVAL,
					      "avail %u: %d", n, r);
		else
			KUNIT_EXPECT_EQ_MSG(test, r, -ENODATA, "avail %u", n);
	}
}

/* Decode @bytes (64-bit mode unless told) and assert success. */
static void decode_ok(struct kunit *test, enum okvm_cpu_mode mode,
		      const u8 *bytes, unsigned int n, struct okvm_insn *insn)
{
	KUNIT_ASSERT_EQ(test, okvm_decode(bytes, n, mode, insn), 0);
	KUNIT_ASSERT_EQ(test, insn->len, n);
}

#define DECODE(mode, insn, ...) \
	decode_ok(test, mode, (const u8[]){ __VA_ARGS__ }, \
		  sizeof((u8[]){ __VA_ARGS__ }), insn)

/* Register-write rules of loads (SDM vol. 1 3.4.1.1). */
static void complete_read_rules(struct kunit *test)
{
	struct okvm_insn insn;
	u64 gprs[OKVM_NR_GPRS];
	unsigned int i;

	for (i = 0; i < OKVM_NR_GPRS; i++)
		gprs[i] = 0x1111111111111111ULL * (i + 1);

	/* mov ah,[rax]: bits 15:8 of RAX, the rest kept. */
	DECODE(M64, &insn, 0x8a, 0x20);
	KUNIT_EXPECT_EQ(test, okvm_insn_complete_read(&insn, gprs, 0xa5), 0);
	KUNIT_EXPECT_EQ(test, gprs[0], 0x111111111111a511ULL);

	/* mov spl,[rax] with REX: the low byte of RSP, not AH. */
	DECODE(M64, &insn, 0x40, 0x8a, 0x20);
	KUNIT_EXPECT_EQ(test, okvm_insn_complete_read(&insn, gprs, 0x5a), 0);
	KUNIT_EXPECT_EQ(test, gprs[4], 0x555555555555555aULL);
	KUNIT_EXPECT_EQ(test, gprs[0], 0x111111111111a511ULL);

	/* mov bl,[rax]: low byte; data bits above the size are ignored. */
	DECODE(M64, &insn, 0x8a, 0x18);
	KUNIT_EXPECT_EQ(test, okvm_insn_complete_read(&insn, gprs, 0xffffff77), 0);
	KUNIT_EXPECT_EQ(test, gprs[3], 0x4444444444444477ULL);

	/* mov cx,[rax]: merge 16 bits. */
	DECODE(M64, &insn, 0x66, 0x8b, 0x08);
	KUNIT_EXPECT_EQ(test, okvm_insn_complete_read(&insn, gprs, 0xbeef), 0);
	KUNIT_EXPECT_EQ(test, gprs[1], 0x222222222222beefULL);

	/* mov edx,[rax]: a 32-bit write zero-extends. */
	DECODE(M64, &insn, 0x8b, 0x10);
	KUNIT_EXPECT_EQ(test, okvm_insn_complete_read(&insn, gprs, 0x87654321), 0);
	KUNIT_EXPECT_EQ(test, gprs[2], 0x87654321ULL);

	/* mov r10,[rax]: all 64 bits. */
	DECODE(M64, &insn, 0x4c, 0x8b, 0x10);
	KUNIT_EXPECT_EQ(test, okvm_insn_complete_read(&insn, gprs,
						      0xfedcba9876543210ULL), 0);
	KUNIT_EXPECT_EQ(test, gprs[10], 0xfedcba9876543210ULL);

	/* movsx rax,byte [rax]. */
	DECODE(M64, &insn, 0x48, 0x0f, 0xbe, 0x00);
	KUNIT_EXPECT_EQ(test, okvm_insn_complete_read(&insn, gprs, 0x80), 0);
	KUNIT_EXPECT_EQ(test, gprs[0], 0xffffffffffffff80ULL);

	/* movsx esi,byte [rax]: sign-extend to 32, zero-extend to 64. */
	DECODE(M64, &insn, 0x0f, 0xbe, 0x30);
	KUNIT_EXPECT_EQ(test, okvm_insn_complete_read(&insn, gprs, 0x80), 0);
	KUNIT_EXPECT_EQ(test, gprs[6], 0xffffff80ULL);

	/* movsx di,word [rax] with a positive value. */
	DECODE(M64, &insn, 0x66, 0x0f, 0xbf, 0x38);
	KUNIT_EXPECT_EQ(test, okvm_insn_complete_read(&insn, gprs, 0x7fff), 0);
	KUNIT_EXPECT_EQ(test, gprs[7], 0x8888888888887fffULL);

	/* movzx bp,byte [rax]: merge 16, upper byte zero. */
	DECODE(M64, &insn, 0x66, 0x0f, 0xb6, 0x28);
	KUNIT_EXPECT_EQ(test, okvm_insn_complete_read(&insn, gprs, 0xff), 0);
	KUNIT_EXPECT_EQ(test, gprs[5], 0x66666666666600ffULL);

	/* movzx r9,word [rax]. */
	DECODE(M64, &insn, 0x4c, 0x0f, 0xb7, 0x08);
	KUNIT_EXPECT_EQ(test, okvm_insn_complete_read(&insn, gprs, 0xffff8000), 0);
	KUNIT_EXPECT_EQ(test, gprs[9], 0x8000ULL);

	/* movsxd r11,dword [rax]. */
	DECODE(M64, &insn, 0x4c, 0x63, 0x18);
	KUNIT_EXPECT_EQ(test, okvm_insn_complete_read(&insn, gprs, 0x80000000), 0);
	KUNIT_EXPECT_EQ(test, gprs[11], 0xffffffff80000000ULL);

	/* movsxd ecx,dword [rax] without REX.W: a 32-bit move. */
	gprs[1] = ~0ULL;
	DECODE(M64, &insn, 0x63, 0x08);
	KUNIT_EXPECT_EQ(test, okvm_insn_complete_read(&insn, gprs, 0x80000000), 0);
	KUNIT_EXPECT_EQ(test, gprs[1], 0x80000000ULL);

	/* mov al,[moffs] merges into RAX. */
	gprs[0] = 0x0123456789abcdefULL;
	DECODE(M64, &insn, 0xa0, 0, 0, 0, 0, 0, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, okvm_insn_complete_read(&insn, gprs, 0x42), 0);
	KUNIT_EXPECT_EQ(test, gprs[0], 0x0123456789abcd42ULL);

	/* 32-bit mode: mov eax,[eax] still zero-extends the full register. */
	gprs[0] = ~0ULL;
	DECODE(M32, &insn, 0x8b, 0x00);
	KUNIT_EXPECT_EQ(test, okvm_insn_complete_read(&insn, gprs, 0x12345678), 0);
	KUNIT_EXPECT_EQ(test, gprs[0], 0x12345678ULL);

	/* A store is not a load: nothing written. */
	gprs[1] = 7;
	DECODE(M64, &insn, 0x89, 0x08);
	KUNIT_EXPECT_EQ(test, okvm_insn_complete_read(&insn, gprs, 0x99), -EINVAL);
	KUNIT_EXPECT_EQ(test, gprs[1], 7ULL);
}

static void write_value_rules(struct kunit *test)
{
	struct okvm_insn insn;
	u64 gprs[OKVM_NR_GPRS];
	unsigned int i;
	u64 val;

	for (i = 0; i < OKVM_NR_GPRS; i++)
		gprs[i] = 0x0807060504030201ULL + 0x1010101010101010ULL * i;

	DECODE(M64, &insn, 0x88, 0x20);		/* mov [rax],ah */
	KUNIT_EXPECT_EQ(test, okvm_insn_write_value(&insn, gprs, &val), 1u);
	KUNIT_EXPECT_EQ(test, val, 0x02ULL);

	DECODE(M64, &insn, 0x40, 0x88, 0x20);	/* mov [rax],spl */
	KUNIT_EXPECT_EQ(test, okvm_insn_write_value(&insn, gprs, &val), 1u);
	KUNIT_EXPECT_EQ(test, val, 0x41ULL);

	DECODE(M64, &insn, 0x88, 0x08);		/* mov [rax],cl */
	KUNIT_EXPECT_EQ(test, okvm_insn_write_value(&insn, gprs, &val), 1u);
	KUNIT_EXPECT_EQ(test, val, 0x11ULL);

	DECODE(M64, &insn, 0x66, 0x89, 0x10);	/* mov [rax],dx */
	KUNIT_EXPECT_EQ(test, okvm_insn_write_value(&insn, gprs, &val), 2u);
	KUNIT_EXPECT_EQ(test, val, 0x2221ULL);

	DECODE(M64, &insn, 0x44, 0x89, 0x38);	/* mov [rax],r15d */
	KUNIT_EXPECT_EQ(test, okvm_insn_write_value(&insn, gprs, &val), 4u);
	KUNIT_EXPECT_EQ(test, val, 0xf4f3f2f1ULL);

	DECODE(M64, &insn, 0x48, 0x89, 0x18);	/* mov [rax],rbx */
	KUNIT_EXPECT_EQ(test, okvm_insn_write_value(&insn, gprs, &val), 8u);
	KUNIT_EXPECT_EQ(test, val, 0x3837363534333231ULL);

	DECODE(M64, &insn, 0x48, 0xa3, 0, 0, 0, 0, 0, 0, 0, 0);	/* moffs,rax */
	KUNIT_EXPECT_EQ(test, okvm_insn_write_value(&insn, gprs, &val), 8u);
	KUNIT_EXPECT_EQ(test, val, 0x0807060504030201ULL);

	DECODE(M64, &insn, 0x66, 0xc7, 0x00, 0xff, 0xff);	/* word imm */
	KUNIT_EXPECT_EQ(test, okvm_insn_write_value(&insn, gprs, &val), 2u);
	KUNIT_EXPECT_EQ(test, val, 0xffffULL);

	DECODE(M64, &insn, 0x48, 0xc7, 0x00, 0xfe, 0xff, 0xff, 0xff);
	KUNIT_EXPECT_EQ(test, okvm_insn_write_value(&insn, gprs, &val), 8u);
	KUNIT_EXPECT_EQ(test, val, 0xfffffffffffffffeULL);

	/* A load is not a store. */
	val = 0x55;
	DECODE(M64, &insn, 0x8b, 0x08);
	KUNIT_EXPECT_EQ(test, okvm_insn_write_value(&insn, gprs, &val), 0u);
	KUNIT_EXPECT_EQ(test, val, 0x55ULL);
}

static void mem_offset(struct kunit *test)
{
	struct okvm_insn insn;
	u64 gprs[OKVM_NR_GPRS] = { [0] = 0x1000, [1] = 0x20, [3] = 0xfff0,
				   [6] = 0x20, [12] = 0x7000 };

	/* [rax+rcx*4+0x100] */
	DECODE(M64, &insn, 0x8b, 0x84, 0x88, 0x00, 0x01, 0, 0);
	KUNIT_EXPECT_EQ(test, okvm_insn_mem_offset(&insn, gprs, 0), 0x1180ULL);
	/* [rip+0x10] counts from the end of the 6-byte instruction. */
	DECODE(M64, &insn, 0x8b, 0x05, 0x10, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, okvm_insn_mem_offset(&insn, gprs, 0x400000),
			0x400016ULL);
	/* [r12-8] */
	DECODE(M64, &insn, 0x41, 0x8b, 0x44, 0x24, 0xf8);
	KUNIT_EXPECT_EQ(test, okvm_insn_mem_offset(&insn, gprs, 0), 0x6ff8ULL);
	/* 16-bit [bx+si+0x10] wraps at 64K. */
	DECODE(M16, &insn, 0x8b, 0x40, 0x10);
	KUNIT_EXPECT_EQ(test, okvm_insn_mem_offset(&insn, gprs, 0), 0x0020ULL);
	/* 67 in 64-bit mode wraps at 4G. */
	gprs[0] = 0xfffffff0;
	DECODE(M64, &insn, 0x67, 0x8b, 0x40, 0x20);
	KUNIT_EXPECT_EQ(test, okvm_insn_mem_offset(&insn, gprs, 0), 0x10ULL);
}

static void cpu_mode(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, okvm_cpu_mode(false, false, false, false, false), M16);
	KUNIT_EXPECT_EQ(test, okvm_cpu_mode(true, true, false, false, true), M16);
	KUNIT_EXPECT_EQ(test, okvm_cpu_mode(true, false, false, false, false), M16);
	KUNIT_EXPECT_EQ(test, okvm_cpu_mode(true, false, false, false, true), M32);
	KUNIT_EXPECT_EQ(test, okvm_cpu_mode(true, false, true, false, true), M32);
	KUNIT_EXPECT_EQ(test, okvm_cpu_mode(true, false, true, false, false), M16);
	KUNIT_EXPECT_EQ(test, okvm_cpu_mode(true, false, true, true, false), M64);
	/* CS.L is meaningless outside long mode. */
	KUNIT_EXPECT_EQ(test, okvm_cpu_mode(true, false, false, true, true), M32);
}

/* Bytes that exercise the decoder's paths more than uniform ones do. */
static const u8 fuzz_bytes[] = {
	0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65,
	0x40, 0x41, 0x44, 0x48, 0x4f, 0x0f, 0x01, 0x20, 0x22, 0x88, 0x89,
	0x8a, 0x8b, 0xc6, 0xc7, 0xa0, 0xa1, 0xa2, 0xa3, 0xb6, 0xbf, 0x63,
	0x04, 0x05, 0x24, 0x25, 0x44, 0x84, 0x80, 0x90, 0xe4, 0xef, 0x6c,
	0xd9, 0xf9, 0x38,
};

/*
 * Random byte strings of random lengths, each from an exact-size buffer:
 * no crash or overread (KASAN), only the documented errors, a length
 * within bounds, and the same answer once more bytes are available.
 */
static void decode_fuzz(struct kunit *test)
{
	struct okvm_insn insn, full;
	u8 bytes[OKVM_MAX_INSN_LEN];
	unsigned int iter, i, avail;
	enum okvm_cpu_mode mode;
	int r, rf;

	for (iter = 0; iter < 20000; iter++) {
		for (i = 0; i < sizeof(bytes); i++)
			bytes[i] = get_random_u32_below(2) ?
				fuzz_bytes[get_random_u32_below(sizeof(fuzz_bytes))] :
				get_random_u8();
		mode = get_random_u32_below(3);
		avail = get_random_u32_below(OKVM_MAX_INSN_LEN + 1);

		r = decode_exact(test, bytes, avail, mode, &insn);
		KUNIT_ASSERT_TRUE_MSG(test, r == 0 || r == -EINVAL || r == -ENODATA,
				      "r=%d", r);
		rf = okvm_decode(bytes, sizeof(bytes), mode, &full);
		/* With all 15 bytes there is nothing more to ask for. */
		KUNIT_ASSERT_NE(test, rf, -ENODATA);
		if (r == -ENODATA)
			continue;
		KUNIT_ASSERT_EQ_MSG(test, rf, r, "%*ph avail %u mode %d",
				    (int)sizeof(bytes), bytes, avail, mode);
		if (r)
			continue;
		KUNIT_ASSERT_GE(test, insn.len, 1);
		KUNIT_ASSERT_LE(test, insn.len, avail);
		KUNIT_ASSERT_LE(test, insn.len, OKVM_MAX_INSN_LEN);
		KUNIT_ASSERT_EQ(test, full.len, insn.len);
		KUNIT_ASSERT_EQ(test, full.op, insn.op);
		/* Exactly len bytes suffice, one fewer does not. */
		KUNIT_ASSERT_EQ(test, decode_exact(test, bytes, insn.len, mode,
						   &full), 0);
		KUNIT_ASSERT_EQ(test, decode_exact(test, bytes, insn.len - 1,
						   mode, &full), -ENODATA);
	}
}

static u8 pick(const u8 *set, unsigned int n)
{
	return set[get_random_u32_below(n)];
}

/*
 * Differential check: build random MMIO moves from their parts (prefixes,
 * opcode, ModRM, SIB, displacement, immediate), knowing by construction how
 * long each is and what it means, and compare with the decoder.
 */
static void decode_built_moves(struct kunit *test)
{
	static const u8 segs[] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };
	static const u16 ops[] = { 0x88, 0x89, 0x8a, 0x8b, 0xc6, 0xc7, 0xa0,
				   0xa1, 0xa2, 0xa3, 0x0fb6, 0x0fb7, 0x0fbe,
				   0x0fbf, 0x63 };
	unsigned int iter;

	for (iter = 0; iter < 20000; iter++) {
		enum okvm_cpu_mode mode = get_random_u32_below(3);
		bool opsz = false, adsz = false;
		unsigned int n = 0, i, np, size, opb, adb, disp = 0, imm = 0;
		u8 b[OKVM_MAX_INSN_LEN], rex = 0, mod, reg, rm;
		struct okvm_insn insn;
		u16 op;

		op = ops[get_random_u32_below(ARRAY_SIZE(ops))];
		if (op == 0x63 && mode != M64)
			continue;
		/* Up to 3 legacy prefixes, then in 64-bit mode maybe a REX. */
		np = get_random_u32_below(4);
		for (i = 0; i < np; i++) {
			switch (get_random_u32_below(3)) {
			case 0:
				b[n++] = 0x66;
				opsz = true;
				break;
			case 1:
				b[n++] = 0x67;
				adsz = true;
				break;
			default:
				b[n++] = pick(segs, ARRAY_SIZE(segs));
				break;
			}
		}
		if (mode == M64 && get_random_u32_below(2))
			b[n++] = rex = 0x40 | get_random_u32_below(16);

		if (mode == M16) {
			opb = opsz ? 4 : 2;
			adb = adsz ? 4 : 2;
		} else if (mode == M32) {
			opb = opsz ? 2 : 4;
			adb = adsz ? 2 : 4;
		} else {
			opb = rex & 8 ? 8 : opsz ? 2 : 4;
			adb = adsz ? 4 : 8;
		}

		if (op > 0xff)
			b[n++] = 0x0f;
		b[n++] = op & 0xff;
		reg = get_random_u32_below(8);
		if (op == 0xc6 || op == 0xc7)
			reg = 0;
		if (op >= 0xa0 && op <= 0xa3) {
			disp = adb;
		} else {
			mod = get_random_u32_below(3);	/* memory forms only */
			rm = get_random_u32_below(8);
			b[n++] = mod << 6 | reg << 3 | rm;
			if (adb == 2) {
				disp = mod == 1 ? 1 : mod == 2 ? 2 :
				       rm == 6 ? 2 : 0;
			} else {
				disp = mod == 1 ? 1 : mod == 2 ? 4 : 0;
				if (rm == 4) {
					u8 sib = get_random_u8();

					b[n++] = sib;
					if (mod == 0 && (sib & 7) == 5)
						disp = 4;
				} else if (mod == 0 && rm == 5) {
					disp = 4;
				}
			}
		}
		if (op == 0xc6)
			imm = 1;
		if (op == 0xc7)
			imm = opb == 2 ? 2 : 4;
		for (i = 0; i < disp + imm; i++)
			b[n++] = get_random_u8();

		switch (op) {
		case 0x88: case 0x8a: case 0xc6: case 0xa0: case 0xa2:
			size = 1;
			break;
		case 0x0fb6: case 0x0fbe:
			size = 1;
			break;
		case 0x0fb7: case 0x0fbf:
			size = 2;
			break;
		case 0x63:
			size = opb == 8 ? 4 : opb;
			break;
		default:
			size = opb;
			break;
		}

		KUNIT_ASSERT_EQ_MSG(test, decode_exact(test, b, n, mode, &insn), 0,
				    "%*ph mode %d", (int)n, b, mode);
		KUNIT_ASSERT_EQ_MSG(test, insn.len, n, "%*ph mode %d", (int)n, b, mode);
		KUNIT_EXPECT_EQ(test, insn.op, OKVM_OP_MOV_MEM);
		KUNIT_EXPECT_TRUE(test, insn.has_mem);
		KUNIT_EXPECT_EQ_MSG(test, insn.mmio.size, size, "%*ph", (int)n, b);
		if (op > 0xff || op == 0x63)
			KUNIT_EXPECT_EQ(test, insn.mmio.dst_size, opb);
		if (op >= 0xa0 && op <= 0xa3) {
			KUNIT_EXPECT_EQ(test, insn.mmio.reg, 0);
			KUNIT_EXPECT_FALSE(test, insn.mmio.high8);
		} else if (op == 0xc6 || op == 0xc7) {
			KUNIT_EXPECT_TRUE(test, insn.mmio.has_imm);
		} else if (size == 1 && op < 0x100 && !rex && reg >= 4) {
			KUNIT_EXPECT_TRUE(test, insn.mmio.high8);
			KUNIT_EXPECT_EQ(test, insn.mmio.reg, reg - 4);
		} else {
			KUNIT_EXPECT_FALSE(test, insn.mmio.high8);
			KUNIT_EXPECT_EQ(test, insn.mmio.reg,
					reg | (rex & 4 ? 8 : 0));
		}
		/* One byte short is never enough. */
		KUNIT_EXPECT_EQ(test, decode_exact(test, b, n - 1, mode, &insn),
				-ENODATA);
	}
}

static struct kunit_case decode_cases[] = {
	KUNIT_CASE_PARAM(decode_table, dec_gen_params),
	KUNIT_CASE(complete_read_rules),
	KUNIT_CASE(write_value_rules),
	KUNIT_CASE(mem_offset),
	KUNIT_CASE(cpu_mode),
	KUNIT_CASE(decode_fuzz),
	KUNIT_CASE(decode_built_moves),
	{}
};

static struct kunit_suite decode_suite = {
	.name = "okvm_x86_decode",
	.test_cases = decode_cases,
};
kunit_test_suite(decode_suite);

MODULE_DESCRIPTION("KUnit tests for okvm's x86 instruction decoder");
MODULE_LICENSE("GPL");
