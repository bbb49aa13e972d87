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
#define PORT_BENCH_MARK	0x3fa	/* outl: 1 = benchmark starts, 2 = it ended */

#define BENCH_OUTS	100000	/* OUTs timed by the benchmark */

#endif
