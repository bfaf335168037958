; SPDX-License-Identifier: MIT
;
; uart_echo - reads one line on COM1 and says it back.
;
; Flat real-mode image, loaded at 0 and entered at 0:0.  Prints the
; prompt "uart_echo: type a line", then reads bytes by polling LSR.DR,
; echoing each (backspace and DEL erase), until CR or LF; then prints
; "got: LINE" and halts with cli; hlt (exit status 0).  Lines longer than
; LINE_MAX bytes are cut.  Nothing else ends it: give it a newline.
;
;   echo hello | modvmm build/guests/uart_echo.bin

bits 16
org 0

LINE_MAX	equ 200

	jmp main

%include "uart_lib.inc"

main:
	REAL_SETUP es
	mov bp, COM1
	call uart_init
	mov si, msg_prompt
	call uart_puts

	mov di, line
.read:
	call uart_getc
	cmp al, 13
	je .done
	cmp al, 10
	je .done
	cmp al, 8
	je .erase
	cmp al, 0x7f
	je .erase
	cmp di, line + LINE_MAX
	jae .read
	stosb
	call uart_putc
	jmp .read
.erase:
	cmp di, line
	je .read
	dec di
	mov si, msg_erase
	call uart_puts
	jmp .read
.done:
	mov byte [di], 0
	mov al, 10
	call uart_putc
	mov si, msg_got
	call uart_puts
	mov si, line
	call uart_puts
	mov al, 10
	call uart_putc
halt:
	cli
	hlt
	jmp halt

msg_prompt	db "uart_echo: type a line", 10, 0
msg_got		db "got: ", 0
msg_erase	db 8, " ", 8, 0
line		times LINE_MAX + 1 db 0
