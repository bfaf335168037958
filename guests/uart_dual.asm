; SPDX-License-Identifier: MIT
;
; uart_dual - drives COM1 (0x3f8) and COM2 (0x2f8) at once.
;
; Flat real-mode image, loaded at 0 and entered at 0:0.  Checks that the
; two UARTs keep separate registers (scratch, divisor), then prints
; "com1: hello" on COM1 and "com2: hello" on COM2, interleaved byte by
; byte, and halts with cli; hlt (status 0).  On a failed check it prints
; "dual: FAIL" on COM1 and writes 1 to the exit port (status 3).
;
;   modvmm -d serial8250,port=0x2f8,irq=3,out=com2.txt build/guests/uart_dual.bin

bits 16
org 0

	jmp main

%include "uart_lib.inc"

main:
	REAL_SETUP es
	mov bp, COM1
	call uart_init
	mov bp, COM2
	call uart_init

	; Separate scratch registers.
	mov dx, COM1 + UART_SCR
	mov al, 0x11
	out dx, al
	mov dx, COM2 + UART_SCR
	mov al, 0x22
	out dx, al
	mov dx, COM1 + UART_SCR
	in al, dx
	cmp al, 0x11
	jne fail
	mov dx, COM2 + UART_SCR
	in al, dx
	cmp al, 0x22
	jne fail

	; Separate divisor latches: DLAB on COM2 only.
	mov dx, COM2 + UART_LCR
	mov al, 0x83
	out dx, al
	mov dx, COM2 + UART_DLL
	mov al, 0x30
	out dx, al
	mov dx, COM1 + UART_LCR
	in al, dx
	cmp al, 0x03
	jne fail
	mov dx, COM2 + UART_DLL
	in al, dx
	cmp al, 0x30
	jne fail
	mov dx, COM2 + UART_LCR
	mov al, 0x03
	out dx, al

	; Interleave the two greetings.
	mov si, msg1
	mov di, msg2
.next:
	mov al, [si]
	test al, al
	jz .com2
	inc si
	mov bp, COM1
	call uart_putc
.com2:
	mov al, [di]
	test al, al
	jz .check
	inc di
	mov bp, COM2
	call uart_putc
.check:
	mov al, [si]
	or al, [di]
	jnz .next
halt:
	cli
	hlt
	jmp halt

fail:
	mov bp, COM1
	mov si, msg_fail
	call uart_puts
	mov al, 1
	out EXIT_PORT, al
	jmp halt

msg1		db "com1: hello", 10, 0
msg2		db "com2: hello", 10, 0
msg_fail	db "dual: FAIL", 10, 0
