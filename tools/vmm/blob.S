/* SPDX-License-Identifier: GPL-2.0-only */
/* The payload's flat image, embedded in okvm-vmm. */
	.section .rodata
	.globl payload_start, payload_end
	.balign 16
payload_start:
	.incbin PAYLOAD_BIN
payload_end:
	.section .note.GNU-stack, "", @progbits
