; SPDX-License-Identifier: MIT
;
; exit_32bit - writes 0x12345645 to the exit port with a four-byte OUT.
; (0x12345645 << 1) | 1 ends in the byte 0x8b, so the exit status is 139.
;
;   modvmm build/guests/exit_32bit.bin; echo $?

bits 16
org 0

%include "exit.inc"

start:
	cli
	mov dx, EXIT_PORT
	mov eax, 0x12345645
	out dx, eax
	hlt
