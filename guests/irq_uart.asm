; SPDX-License-Identifier: MIT
;
; irq_uart - COM1 driven only by its interrupts, in real mode.
;
; Flat real-mode image, loaded at 0 and entered at 0:0.  Programs both
; 8259s (bases 0x20/0x28, only IRQ 4 open) and the UART (8N1, FIFOs,
; MCR = DTR|RTS|OUT2, IER = received data).  All output goes through a
; ring that the IRQ 4 handler empties on THR-empty interrupts (IER bit 1
; is set while the ring holds bytes); all input is collected by the
; handler on received-data interrupts, up to CR or LF.  The CPU sleeps in
; "sti; hlt" whenever it waits.  It prints
;   irq_uart: ready
;   irq_uart: got LINE
;   irq_uart: thre T, rx R
; (T and R count the THR-empty and received-data identifications the
; handler read from IIR) and exits through port 0xf4 with 0 (status 1).
; An unexpected 8259 vector exits with 2 (status 5).  Works with either
; interrupt controller:
;
;   echo hello | modvmm build/guests/irq_uart.bin

bits 16
org 0

%include "pc16.inc"

IRQ_BASE	equ 0x20
UART_RBR	equ 0			; DLAB 0
UART_THR	equ 0
UART_IER	equ 1
UART_IIR	equ 2
UART_FCR	equ 2
UART_LCR	equ 3
UART_MCR	equ 4
UART_LSR	equ 5
UART_MSR	equ 6
IER_RX		equ 0x01
IER_THRE	equ 0x02
LSR_DR		equ 0x01
FIFO_DEPTH	equ 16
LINE_MAX	equ 64

	SKIP_IVT

main:
	REAL_SETUP es
	IVT_8259 IRQ_BASE, irq_unexpected
	mov word [(IRQ_BASE + 4) * 4], irq4
	mov word [(IRQ_BASE + 7) * 4], irq7
	mov word [(IRQ_BASE + 15) * 4], irq15
	call pic_init
	call uart_init

	mov si, msg_ready
	call tx_puts
	call wait_line
	mov si, msg_got
	call tx_puts
	mov si, line
	call tx_puts
	mov si, msg_nl
	call tx_puts
	call wait_tx
	mov si, msg_thre
	call tx_puts
	mov ax, [thre_count]
	call tx_putdec
	mov si, msg_rx
	call tx_puts
	mov ax, [rx_count]
	call tx_putdec
	mov si, msg_nl
	call tx_puts
	call wait_tx
	EXIT 0

; pic_init: master at IRQ_BASE, slave at IRQ_BASE + 8, only IRQ 4 open.
pic_init:
	PIC_INIT IRQ_BASE, 0xef, 0xff	; IRQ 4 only
	ret

; uart_init: 115200 8N1, FIFOs on and empty, OUT2 gates IRQ 4 on.
uart_init:
	mov dx, COM1 + UART_IER
	xor al, al
	out dx, al
	mov dx, COM1 + UART_LCR
	mov al, 0x80			; DLAB
	out dx, al
	mov dx, COM1 + 0
	mov al, 1			; divisor 1
	out dx, al
	mov dx, COM1 + 1
	xor al, al
	out dx, al
	mov dx, COM1 + UART_LCR
	mov al, 0x03			; 8N1, DLAB off
	out dx, al
	mov dx, COM1 + UART_FCR
	mov al, 0x07			; enable, reset RX and TX FIFOs
	out dx, al
	mov dx, COM1 + UART_MCR
	mov al, 0x0b			; DTR, RTS, OUT2
	out dx, al
	mov byte [ier], IER_RX
	call ier_write
	ret

; ier_write: [ier] to the UART (callers run with IF=0).
ier_write:
	push ax
	push dx
	mov dx, COM1 + UART_IER
	mov al, [ier]
	out dx, al
	pop dx
	pop ax
	ret

; tx_putc: queue AL; make sure the THR-empty interrupt will take it.
tx_putc:
	push bx
.full:
	cli
	mov bl, [tx_tail]
	inc bl
	cmp bl, [tx_head]
	jne .room
	sti				; ring full: let the handler drain it
	hlt
	jmp .full
.room:
	xor bh, bh
	mov bl, [tx_tail]
	mov [tx_ring + bx], al
	inc byte [tx_tail]
	test byte [ier], IER_THRE
	jnz .on
	or byte [ier], IER_THRE		; THR empty: interrupts at once
	call ier_write
.on:
	sti
	pop bx
	ret

tx_puts:
	push ax
	push si
.next:
	lodsb
	test al, al
	jz .done
	call tx_putc
	jmp .next
.done:
	pop si
	pop ax
	ret

PUTDEC_ROUTINE tx_putdec, tx_putc

; wait_tx: sleep until the handler has sent the whole ring.
wait_tx:
	cli
	mov al, [tx_head]
	cmp al, [tx_tail]
	je .done
	sti
	hlt
	jmp wait_tx
.done:
	sti
	ret

; wait_line: sleep until the handler has a whole input line.
wait_line:
	cli
	cmp byte [line_done], 0
	jne .done
	sti
	hlt
	jmp wait_line
.done:
	sti
	ret

; The COM1 handler: serve every condition IIR reports, then EOI.
irq4:
	push ax
	push bx
	push cx
	push dx
.again:
	mov dx, COM1 + UART_IIR
	in al, dx
	test al, 0x01
	jnz .eoi
	and al, 0x0e
	cmp al, 0x02
	je .thre
	cmp al, 0x04
	je .rx
	cmp al, 0x0c			; character timeout: data too
	je .rx
	mov dx, COM1 + UART_LSR		; 0x06 line status: read clears
	cmp al, 0x06
	je .clear
	mov dx, COM1 + UART_MSR		; 0x00 modem status
.clear:
	in al, dx
	jmp .again
.thre:
	; the IIR read acknowledged it; refill the FIFO from the ring
	inc word [cs:thre_count]
	mov cx, FIFO_DEPTH
.send:
	mov bl, [cs:tx_head]
	cmp bl, [cs:tx_tail]
	je .drained
	xor bh, bh
	mov al, [cs:tx_ring + bx]
	mov dx, COM1 + UART_THR
	out dx, al
	inc byte [cs:tx_head]
	loop .send
	jmp .again
.drained:
	and byte [cs:ier], ~IER_THRE & 0xff
	mov dx, COM1 + UART_IER
	mov al, [cs:ier]
	out dx, al
	jmp .again
.rx:
	inc word [cs:rx_count]
.rx_byte:
	mov dx, COM1 + UART_LSR
	in al, dx
	test al, LSR_DR
	jz .again
	mov dx, COM1 + UART_RBR
	in al, dx
	cmp byte [cs:line_done], 0
	jne .rx_byte			; one line is all we want
	cmp al, 13
	je .eol
	cmp al, 10
	je .eol
	mov bx, [cs:line_len]
	cmp bx, LINE_MAX
	jae .rx_byte
	mov [cs:line + bx], al
	inc word [cs:line_len]
	jmp .rx_byte
.eol:
	mov byte [cs:line_done], 1
	jmp .rx_byte
.eoi:
	mov al, 0x20
	out PIC1_CMD, al
	pop dx
	pop cx
	pop bx
	pop ax
	iret

SPURIOUS_ROUTINES

; No interrupts are left to print with: poll the UART directly.
irq_unexpected:
	xor ax, ax
	mov ds, ax
	mov si, msg_unexpected
.next:
	lodsb
	test al, al
	jz .exit
	mov dx, COM1 + UART_THR
	out dx, al
	jmp .next
.exit:
	EXIT 2

msg_ready	db "irq_uart: ready", 10, 0
msg_got		db "irq_uart: got ", 0
msg_thre	db "irq_uart: thre ", 0
msg_rx		db ", rx ", 0
msg_nl		db 10, 0
msg_unexpected	db "irq_uart: FAIL unexpected 8259 vector", 10, 0

ier		db 0
line_done	db 0
tx_head		db 0
tx_tail		db 0
thre_count	dw 0
rx_count	dw 0
spurious	dw 0
line_len	dw 0
line		times LINE_MAX + 1 db 0
tx_ring		times 256 db 0
