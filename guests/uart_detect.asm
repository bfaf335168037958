; SPDX-License-Identifier: MIT
;
; uart_detect - finds the UART at COM1 the way Linux's 8250 driver does
; and names its type.
;
; Flat real-mode image, loaded at 0 and entered at 0:0.  Steps:
;   1. IER: writing 0 reads back 0 and writing 0x0f reads back 0x0f in the
;      low nibble (no UART there otherwise);
;   2. loopback: with MCR = LOOP|OUT2|RTS, MSR's top nibble reads
;      DCD|CTS (0x90), and a byte sent comes back through RBR with LSR.DR;
;   3. divisor latch: DLL/DLM read back what was written under DLAB;
;   4. scratch register: 0x55 and 0xaa read back (else an 8250);
;   5. FIFO: after FCR = 0x07, IIR bits 7:6 give 3 for a 16550A, 2 for a
;      16550 with broken FIFOs, 0 for no FIFO (16450, or 8250 without SCR).
; Then it prints "uart: 16550A detected" (or the type found) and halts
; with cli; hlt (exit status 0).  A failed step prints "uart: FAIL ..."
; and writes 1 to the exit port (status 3).
;
;   modvmm build/guests/uart_detect.bin

bits 16
org 0

	jmp main

%include "uart_lib.inc"

%define CHECK_REG si		; for check (pc.inc)

main:
	REAL_SETUP es
	mov bp, COM1

	; 1: IER
	mov dx, COM1 + UART_IER
	xor al, al
	out dx, al
	in al, dx
	test al, 0x0f
	check z, msg_ier
	mov al, 0x0f
	out dx, al
	in al, dx
	and al, 0x0f
	cmp al, 0x0f
	check e, msg_ier
	xor al, al
	out dx, al

	; 2: loopback, modem lines and data
	mov dx, COM1 + UART_MCR
	mov al, 0x1a
	out dx, al
	mov dx, COM1 + UART_MSR
	in al, dx
	and al, 0xf0
	cmp al, 0x90
	check e, msg_loop
	mov dx, COM1 + UART_FCR		; no FIFO: one holding register
	xor al, al
	out dx, al
	mov dx, COM1 + UART_RBR		; drain it
	in al, dx
	mov dx, COM1 + UART_THR
	mov al, 0x5a
	out dx, al
	mov dx, COM1 + UART_LSR
	in al, dx
	test al, LSR_DR
	check nz, msg_loop_data
	mov dx, COM1 + UART_RBR
	in al, dx
	cmp al, 0x5a
	check e, msg_loop_data
	mov dx, COM1 + UART_MCR
	mov al, 0x0b			; DTR|RTS|OUT2, out of loopback
	out dx, al

	; 3: divisor latch
	mov dx, COM1 + UART_LCR
	mov al, 0x80
	out dx, al
	mov dx, COM1 + UART_DLL
	mov al, 0x01
	out dx, al
	mov dx, COM1 + UART_DLM
	mov al, 0xa5
	out dx, al
	mov dx, COM1 + UART_DLL
	in al, dx
	cmp al, 0x01
	check e, msg_dl
	mov dx, COM1 + UART_DLM
	in al, dx
	cmp al, 0xa5
	check e, msg_dl
	xor al, al
	out dx, al
	mov dx, COM1 + UART_LCR
	mov al, 0x03			; 8N1, DLAB off
	out dx, al
	in al, dx
	cmp al, 0x03
	check e, msg_dl

	; 4: scratch register; BL = 1 when present
	xor bl, bl
	mov dx, COM1 + UART_SCR
	mov al, 0x55
	out dx, al
	in al, dx
	cmp al, 0x55
	jne .fifo
	mov al, 0xaa
	out dx, al
	in al, dx
	cmp al, 0xaa
	jne .fifo
	mov bl, 1

	; 5: FIFO
.fifo:
	mov dx, COM1 + UART_FCR
	mov al, 0x07
	out dx, al
	mov dx, COM1 + UART_IIR
	in al, dx
	shr al, 6
	mov si, type_16550a
	cmp al, 3
	je found
	mov si, type_16550
	cmp al, 2
	je found
	mov si, type_unknown
	cmp al, 0
	jne found
	mov si, type_16450
	test bl, bl
	jnz found
	mov si, type_8250

found:
	push si
	mov si, msg_uart
	call uart_puts
	pop si
	call uart_puts
	mov si, msg_detected
	call uart_puts
halt:
	cli
	hlt
	jmp halt

; SI: what failed.
fail:
	push si
	mov bp, COM1
	mov si, msg_fail
	call uart_puts
	pop si
	call uart_puts
	mov al, 10
	call uart_putc
	mov al, 1
	out EXIT_PORT, al
	jmp halt

msg_uart	db "uart: ", 0
msg_detected	db " detected", 10, 0
msg_fail	db "uart: FAIL ", 0
msg_ier		db "IER test (no UART)", 0
msg_loop	db "loopback modem lines", 0
msg_loop_data	db "loopback data", 0
msg_dl		db "divisor latch", 0
type_16550a	db "16550A", 0
type_16550	db "16550 (broken FIFO)", 0
type_16450	db "16450", 0
type_8250	db "8250", 0
type_unknown	db "unknown FIFO type", 0
