/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The contract between okvm-vmm and its payload: where the payload is
 * loaded, and the I/O ports it talks through. Shared by both sides.
 */
#ifndef OKVM_VMM_PAYLOAD_H
#define OKVM_VMM_PAYLOAD_H

#define PAYLOAD_GPA	0x10000UL	/* load address and entry point */
#define PAYLOAD_STACK	0x80000UL	/* initial RSP, grows down */

#define PORT_CONSOLE	0x3f8	/* outb: one character of text */
#define PORT_BENCH	0x3f9	/* outb: one PIO round trip of the benchmark */
#define PORT_BENCH_MARK	0x3fa	/* outl: 2k + 1 = benchmark k starts, 2k + 2 = it ended */
#define PORT_WSS	0x3fb	/* inl: the working-set phase to run, ~0 = done */

/* Benchmarks, in order; each runs BENCH_OUTS times between its marks. */
#define BENCH_PIO	0	/* outb to PORT_BENCH: a round trip to userspace */
#define BENCH_MMIO	1	/* a 4-byte store to MMIO_BENCH_GPA: decoded, to userspace */
#define BENCH_CPUID	2	/* CPUID: an exit handled in the kernel */
#define NR_BENCH	3
#define BENCH_OUTS	100000	/* round trips timed by each benchmark */
#define MMIO_BENCH_GPA	0x30000000UL	/* no memslot: every store exits */

/*
 * The working-set workload (okvm-vmm --wss): the VMM puts the number of
 * pages of its second slot, at WSS_GPA, at WSS_CFG_GPA (0: no workload).
 * The payload then writes one byte to each page of a window of that slot
 * that depends on the phase PORT_WSS returns, until it returns ~0.
 */
#define WSS_CFG_GPA	0x7000UL
#define WSS_GPA		0x10000000UL

#endif
