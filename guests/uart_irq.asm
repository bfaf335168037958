; SPDX-License-Identifier: MIT
;
; uart_irq - COM1 interrupts through the 8259 PIC (IRQ 4).
;
; Flat real-mode image, loaded at 0 and entered at 0:0.  Programs the
; master 8259 to vectors 0x20-0x27 with only IRQ 4 unmasked, then:
;   1. THRE: enabling IER.ETBEI with THR empty interrupts at once; the
;      handler sees IIR = THRE and turns ETBEI off again;
;   2. console input: prints "uart_irq: waiting for input", then sleeps in
;      hlt (IF=1) and lets received-data interrupts collect a line up to
;      CR or LF, and prints "uart_irq: got LINE";
;   3. loopback: with MCR = LOOP|OUT2 and IER.ERBFI, a byte sent comes back
;      as a received-data interrupt.
; Each step that passes prints "uart_irq: ... ok".  Ends with cli; hlt
; (status 0); a step that fails prints "uart_irq: FAIL ..." and writes 1
; to the exit port (status 3).  Needs an 8259 (the default KVM irqchip or
; the pic8259 device).
;
;   echo hello | modvmm build/guests/uart_irq.bin

bits 16
org 0

IRQ_BASE	equ 0x20
IRQ_VEC		equ IRQ_BASE + 4
LINE_MAX	equ 200
SPIN		equ 0x100		; x 64K iterations of waiting

	jmp main

%include "uart_lib.inc"

; The real-mode interrupt vector table lives at 0: keep code above it.
	times 0x500 - ($ - $$) db 0

%define CHECK_REG si		; for check (pc.inc)

main:
	REAL_SETUP es
	mov bp, COM1
	call uart_init
	call pic_init
	mov word [IRQ_VEC * 4], irq4
	mov word [IRQ_VEC * 4 + 2], 0

	; 1: THRE interrupt on enabling ETBEI.
	mov dx, COM1 + UART_IER
	mov al, 0x02
	out dx, al
	call wait_event
	cmp byte [thre_seen], 1
	check e, msg_thre
	mov si, msg_thre_ok
	call uart_puts

	; 2: a line from the console, collected by the handler while the
	;    CPU sleeps.  "sti; hlt" cannot lose the wake-up: sti takes
	;    effect after hlt has started.
	mov si, msg_wait
	call uart_puts
	mov dx, COM1 + UART_IER
	mov al, 0x01
	out dx, al
.sleep:
	cli
	cmp byte [line_done], 0
	jne .got
	sti
	hlt
	jmp .sleep
.got:
	mov bx, [line_len]
	mov byte [line + bx], 0
	mov si, msg_got
	call uart_puts
	mov si, line
	call uart_puts
	mov al, 10
	call uart_putc

	; 3: received-data interrupt through loopback.  The FIFO reset
	;    after entering loopback drops any input typed after the line.
	mov dx, COM1 + UART_IER
	xor al, al
	out dx, al
	mov dx, COM1 + UART_MCR
	mov al, 0x18			; LOOP|OUT2
	out dx, al
	mov dx, COM1 + UART_FCR
	mov al, 0x07
	out dx, al
	mov word [line_len], 0
	mov dx, COM1 + UART_IER
	mov al, 0x01
	out dx, al
	mov dx, COM1 + UART_THR
	mov al, 'Z'
	out dx, al
	call wait_event
	cmp word [line_len], 1
	check e, msg_loop
	cmp byte [line], 'Z'
	check e, msg_loop
	mov dx, COM1 + UART_MCR
	mov al, 0x0b			; DTR|RTS|OUT2, back on the line
	out dx, al
	mov si, msg_loop_ok
	call uart_puts
halt:
	cli
	hlt
	jmp halt

fail:
	push si
	mov bp, COM1
	mov si, msg_fail
	call uart_puts
	pop si
	call uart_puts
	mov al, 1
	out EXIT_PORT, al
	jmp halt

; wait_event: enable interrupts and spin a while for the handler to run.
wait_event:
	mov byte [events], 0
	mov cx, SPIN
	sti
.outer:
	push cx
	xor cx, cx
.inner:
	cmp byte [events], 0
	jne .done
	loop .inner
	pop cx
	loop .outer
	cli
	ret
.done:
	pop cx
	cli
	ret

; pic_init: master at IRQ_BASE, slave at IRQ_BASE + 8, only IRQ 4 open.
pic_init:
	PIC_INIT IRQ_BASE, 0xef, 0xff	; mask all but IRQ 4
	ret

; The COM1 handler: serve every condition IIR reports, then EOI.
irq4:
	push ax
	push bx
	push dx
	inc byte [events]
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
	cmp al, 0x0c			; character timeout: also data
	je .rx
	mov dx, COM1 + UART_LSR		; line status: reading clears it
	cmp al, 0x06
	je .read
	mov dx, COM1 + UART_MSR		; modem status
.read:
	in al, dx
	jmp .again
.thre:
	mov byte [thre_seen], 1		; the IIR read acknowledged it
	mov dx, COM1 + UART_IER
	in al, dx
	and al, ~0x02
	out dx, al
	jmp .again
.rx:
	mov dx, COM1 + UART_LSR
	in al, dx
	test al, LSR_DR
	jz .again
	mov dx, COM1 + UART_RBR
	in al, dx
	cmp al, 13
	je .eol
	cmp al, 10
	je .eol
	mov bx, [line_len]
	cmp bx, LINE_MAX
	jae .rx
	mov [line + bx], al
	inc word [line_len]
	jmp .rx
.eol:
	mov byte [line_done], 1
	jmp .rx
.eoi:
	mov al, 0x20
	out PIC1_CMD, al
	pop dx
	pop bx
	pop ax
	iret

msg_thre_ok	db "uart_irq: thre interrupt ok", 10, 0
msg_loop_ok	db "uart_irq: loopback rx interrupt ok", 10, 0
msg_wait	db "uart_irq: waiting for input", 10, 0
msg_got		db "uart_irq: got ", 0
msg_fail	db "uart_irq: FAIL ", 0
msg_thre	db "no THRE interrupt", 10, 0
msg_loop	db "no loopback rx interrupt", 10, 0

events		db 0
thre_seen	db 0
line_done	db 0
line_len	dw 0
line		times LINE_MAX + 1 db 0
