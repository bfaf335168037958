; SPDX-License-Identifier: MIT
;
; bench_exit - start-up benchmark guest (make bench): writes 0 to the exit
; port at once, so the run is all set-up and tear-down.  Exit status 1.
;
; Flat real-mode image for modvmm and bench/floor (loaded at 0, CS:IP
; 0:0).  It uses no memory at all, so the same bytes also run as QEMU
; -bios firmware at 0xf0000 (bench/bios.asm adds the reset vector).

bits 16
org 0

EXIT_PORT	equ 0xf4

start:
	xor al, al
	out EXIT_PORT, al
	cli
	hlt
