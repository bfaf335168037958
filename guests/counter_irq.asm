; SPDX-License-Identifier: MIT
;
; counter_irq - the counter plugin's doorbell as an interrupt source.
;
; Flat real-mode image, loaded at 0 and entered at 0:0.  Programs the
; master 8259 to vectors 0x20-0x27 with only IRQ 5 (counter's default
; irq=) unmasked, then:
;   1. the ID and the doorbell's line number read back;
;   2. three doorbell rings with interrupts on give three interrupts;
;   3. a ring with interrupts off is latched by the PIC (an edge) and
;      delivered on sti.
; Prints "counter_irq: OK 4 interrupts" and exits with status 1, or
; "counter_irq: FAIL step N" and exits with status 3.
;
;   modvmm -d counter build/guests/counter_irq.bin

bits 16
org 0

COUNTER		equ 0x510
REG_DOORBELL	equ COUNTER + 2
REG_ID		equ COUNTER + 3
IRQ		equ 5
PIC1_CMD	equ 0x20
PIC1_DATA	equ 0x21
PIC2_DATA	equ 0xa1
IRQ_BASE	equ 0x20
COM1_THR	equ 0x3f8
EXIT_PORT	equ 0xf4

	jmp main

; The real-mode interrupt vector table lives at 0: keep code above it.
	times 0x500 - ($ - $$) db 0

%macro check 2
	mov bl, %2
	j%-1 fail
%endmacro

main:
	cli
	cld
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov word [(IRQ_BASE + IRQ) * 4], irq_handler
	mov word [(IRQ_BASE + IRQ) * 4 + 2], 0
	call pic_init

	; 1: the device is there and pulses line 5.
	mov dx, REG_ID
	out dx, al
	mov di, id_buf
	mov cx, 4
	rep insb
	cmp dword [id_buf], 0x31544E43
	check e, 1
	mov dx, REG_DOORBELL
	in al, dx
	cmp al, IRQ
	check e, 1

	; 2: one interrupt per ring.
	sti
	mov si, 3
.ring:
	mov cx, [irqs]
	mov dx, REG_DOORBELL
	out dx, al
	call wait_irq
	check e, 2
	dec si
	jnz .ring
	cmp word [irqs], 3
	check e, 2

	; 3: a ring while interrupts are off waits in the PIC for sti.
	cli
	mov dx, REG_DOORBELL
	out dx, al
	mov cx, 0x1000
.idle:
	loop .idle
	cmp word [irqs], 3
	check e, 3
	mov cx, 3
	sti
	call wait_irq
	check e, 3
	cli

	mov si, msg_ok
	call puts
	mov al, [irqs]
	add al, '0'
	call putc
	mov si, msg_ok2
	call puts
	mov al, 0
	out EXIT_PORT, al
	jmp halt

fail:
	cli
	mov si, msg_fail
	call puts
	mov al, bl
	add al, '0'
	call putc
	mov al, 10
	call putc
	mov al, 1
	out EXIT_PORT, al
halt:
	cli
	hlt
	jmp halt

; wait_irq: spin until [irqs] differs from CX; ZF set if it did.
wait_irq:
	push bp
	mov bp, 0
.spin:
	cmp [irqs], cx
	jne .done
	dec bp
	jnz .spin
	or bp, 1		; timed out: clear ZF
	pop bp
	ret
.done:
	xor bp, bp		; set ZF
	pop bp
	ret

irq_handler:
	inc word [cs:irqs]
	push ax
	mov al, 0x20		; non-specific EOI
	out PIC1_CMD, al
	pop ax
	iret

; pic_init: master at IRQ_BASE, slave at IRQ_BASE + 8, only IRQ 5 open.
pic_init:
	mov al, 0x11		; ICW1: edge, cascade, ICW4 follows
	out PIC1_CMD, al
	out 0xa0, al
	mov al, IRQ_BASE	; ICW2: vector base
	out PIC1_DATA, al
	mov al, IRQ_BASE + 8
	out PIC2_DATA, al
	mov al, 0x04		; ICW3: slave on IRQ 2
	out PIC1_DATA, al
	mov al, 0x02
	out PIC2_DATA, al
	mov al, 0x01		; ICW4: 8086 mode
	out PIC1_DATA, al
	out PIC2_DATA, al
	mov al, ~(1 << IRQ) & 0xff
	out PIC1_DATA, al
	mov al, 0xff
	out PIC2_DATA, al
	ret

putc:
	push dx
	mov dx, COM1_THR
	out dx, al
	pop dx
	ret

puts:
	lodsb
	test al, al
	jz .done
	call putc
	jmp puts
.done:
	ret

msg_ok		db "counter_irq: OK ", 0
msg_ok2		db " interrupts", 10, 0
msg_fail	db "counter_irq: FAIL step ", 0
irqs		dw 0
id_buf		dd 0
