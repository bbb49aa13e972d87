// SPDX-License-Identifier: GPL-2.0-only
/*
 * okvm-vmm's guest: freestanding 64-bit code entered directly in long mode
 * (the VMM sets up paging, the GDT and the registers; see vmm.c). It prints
 * a greeting and a few computed values on PORT_CONSOLE, times
 * BENCH_OUTS round trips to the VMM on PORT_BENCH, and halts.
 *
 * Built with -mgeneral-regs-only: nothing here needs the FPU or SSE, and a
 * guest without them enabled must not fault on a compiler's choice.
 */
#include "payload.h"

typedef unsigned long u64;
typedef unsigned int u32;
typedef unsigned char u8;

static inline void outb(unsigned short port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(unsigned short port, u32 v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline u32 inl(unsigned short port)
{
	u32 v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void puts(const char *s)
{
	while (*s)
		outb(PORT_CONSOLE, *s++);
}

static void putu(u64 v)
{
	char buf[21];
	int i = sizeof(buf) - 1;

	buf[i] = 0;
	do {
		buf[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	puts(buf + i);
}

static void puthex(u64 v)
{
	int i;

	puts("0x");
	for (i = 60; i >= 0; i -= 4)
		outb(PORT_CONSOLE, "0123456789abcdef"[(v >> i) & 0xf]);
}

static u64 fib(unsigned int n)
{
	u64 a = 0, b = 1, t;

	while (n--) {
		t = a + b;
		a = b;
		b = t;
	}
	return a;
}

static unsigned int count_primes(unsigned int limit)
{
	unsigned int n, d, count = 0;

	for (n = 2; n < limit; n++) {
		for (d = 2; d * d <= n; d++)
			if (n % d == 0)
				break;
		count += d * d > n;
	}
	return count;
}

/* CRC-32 (IEEE), bitwise: small and table-free. */
static u32 crc32(const char *s)
{
	u32 crc = ~0u;
	int k;

	while (*s) {
		crc ^= (u8)*s++;
		for (k = 0; k < 8; k++)
			crc = crc >> 1 ^ (0xedb88320 & -(crc & 1));
	}
	return ~crc;
}

static void cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
	asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

/*
 * Phase p of 8 writes to a window of the slot that grows and moves: a
 * working set a sampler can be seen to follow.
 */
static void wss_workload(u32 pages)
{
	u32 phase, first, n, i;

	if (!pages)
		return;
	while ((phase = inl(PORT_WSS)) != ~0u) {
		phase %= 8;
		first = phase * (pages / 16);
		n = (phase < 4 ? phase + 1 : 8 - phase) * (pages / 8);
		for (i = 0; i < n; i++)
			(*(volatile u8 *)(WSS_GPA + (u64)(first + i) * 4096))++;
	}
}

void __attribute__((noreturn)) payload_main(void)
{
	static const char greeting[] = "Hello from a 64-bit guest of okvm-vmm!";
	u32 vendor[4] = { 0 }, eax, cr0;
	u64 efer_lo, efer_hi, i;

	puts(greeting);
	puts("\n");
	cpuid(0, &eax, &vendor[0], &vendor[2], &vendor[1]);
	puts("cpuid vendor: ");
	puts((const char *)vendor);
	puts(", max basic leaf ");
	putu(eax);
	puts("\n");
	asm volatile("mov %%cr0, %q0" : "=r"(cr0));
	asm volatile("rdmsr" : "=a"(efer_lo), "=d"(efer_hi) : "c"(0xc0000080));
	puts("cr0 ");
	puthex(cr0);
	puts(" efer ");
	puthex(efer_hi << 32 | efer_lo);
	puts("\n");
	puts("fib(90) = ");
	putu(fib(90));
	puts("\nprimes below 20000 = ");
	putu(count_primes(20000));
	puts("\ncrc32(greeting) = ");
	puthex(crc32(greeting));
	puts("\n");

	/* The benchmarks: the VMM times each from its start to its end mark. */
	outl(PORT_BENCH_MARK, 2 * BENCH_PIO + 1);
	for (i = 0; i < BENCH_OUTS; i++)
		outb(PORT_BENCH, (u8)i);
	outl(PORT_BENCH_MARK, 2 * BENCH_PIO + 2);
	outl(PORT_BENCH_MARK, 2 * BENCH_MMIO + 1);
	for (i = 0; i < BENCH_OUTS; i++)
		*(volatile u32 *)MMIO_BENCH_GPA = (u32)i;
	outl(PORT_BENCH_MARK, 2 * BENCH_MMIO + 2);
	outl(PORT_BENCH_MARK, 2 * BENCH_CPUID + 1);
	for (i = 0; i < BENCH_OUTS; i++) {
		u32 a, b, c, d;

		cpuid(1, &a, &b, &c, &d);
	}
	outl(PORT_BENCH_MARK, 2 * BENCH_CPUID + 2);

	wss_workload(*(volatile u32 *)WSS_CFG_GPA);

	puts("bye\n");
	for (;;)
		asm volatile("hlt");
}

/* Entry: RSP is set by the VMM; keep the ABI's 16-byte alignment. */
asm(".pushsection .text.entry, \"ax\"\n"
    ".globl _start\n"
    "_start:\n"
    "	and $-16, %rsp\n"
    "	call payload_main\n"
    "1:	hlt\n"
    "	jmp 1b\n"
    ".popsection");
