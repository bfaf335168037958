; SPDX-License-Identifier: MIT
;
; exit_16bit - writes 0x0a0b to the exit port with a two-byte OUT.  The
; device computes (0x0a0b << 1) | 1 = 0x1417; the process exit status keeps
; the low 8 bits: 0x17 = 23.
;
;   modvmm build/guests/exit_16bit.bin; echo $?

bits 16
org 0

%include "exit.inc"

start:
	cli
	mov dx, EXIT_PORT
	mov ax, 0x0a0b
	out dx, ax
	hlt
