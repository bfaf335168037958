; SPDX-License-Identifier: MIT
;
; bench_pio - port I/O exit benchmark guest (make bench): N byte writes
; to the UART scratch register (COM1 + 7), then 0 to the exit port
; (status 1).  Every write is one KVM_EXIT_IO; bench/run-bench takes the
; cost of one as (time(N) - time(0)) / N.
;
;   nasm -f bin -DN=200000 -o pio-200000.bin guests/bench_pio.asm
;
; Flat real-mode image for modvmm and bench/floor (loaded at 0, CS:IP
; 0:0).  The code touches no memory and makes no near absolute jump, so
; the same bytes run as QEMU -bios firmware at 0xf0000 (bench/bios.asm).

bits 16
org 0

%ifndef N
%define N 100000
%endif

UART_SCR	equ 0x3ff
EXIT_PORT	equ 0xf4

start:
	cli
	mov ecx, N
	mov dx, UART_SCR
	jecxz .done
.loop:
	mov al, cl
	out dx, al
	dec ecx
	jnz .loop
.done:
	xor al, al
	out EXIT_PORT, al
	cli
	hlt
