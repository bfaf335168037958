; SPDX-License-Identifier: MIT
;
; bench_console - console throughput benchmark guest (make bench): prints
; BYTES bytes (default 1 MiB) of 64-byte text lines through the UART THR
; at 0x3f8, then 0 to the exit port (status 1).
;
; By default it sends each 4 KiB page of text with one `rep outsb`, which
; KVM hands to the VMM as a single KVM_EXIT_IO with count 4096: what is
; measured is the VMM's console path, not the exit rate.  With -DBYTEWISE
; it does one `out` per byte, the pace of an interactive guest.  Either
; way the LSR is never polled: modvmm's and QEMU's UARTs transmit at once.
;
;   nasm -f bin -DBYTES=1048576 -o console.bin guests/bench_console.asm
;
; Flat real-mode image (loaded at 0, CS:IP 0:0); it addresses its text
; through DS = CS, so the same bytes run as QEMU -bios firmware at
; 0xf0000 (bench/bios.asm).

bits 16
org 0

%ifndef BYTES
%define BYTES 1048576
%endif

UART_THR	equ 0x3f8
EXIT_PORT	equ 0xf4
PAGE		equ 4096

start:
	cli
	cld
	push cs
	pop ds
	mov dx, UART_THR
	mov ebx, BYTES
.page:
	mov ecx, PAGE
	cmp ebx, ecx
	jae .send
	mov ecx, ebx
.send:
	sub ebx, ecx
	mov si, text
	jecxz .done
%ifdef BYTEWISE
.byte:
	lodsb
	out dx, al
	loop .byte
%else
	rep outsb
%endif
	jmp .page
.done:
	xor al, al
	out EXIT_PORT, al
	cli
	hlt

; One page of text, page-aligned so one `rep outsb` is one exit.
align PAGE, db 0
text:
%assign line 0
%rep PAGE / 64
	db "modvmm console benchmark: 64-byte line of plain ASCII text: "
	db '0' + (line / 100) % 10, '0' + (line / 10) % 10, '0' + line % 10, 10
%assign line line + 1
%endrep
